/* SPDX-License-Identifier: MIT */
/*
 * Emission of job output.  All writes to tpmap's stdout and stderr while
 * jobs run happen here, under one lock, with write(2) (no stdio buffer to
 * lose or interleave).  In map mode (-k) finished jobs wait in a ring
 * indexed by sequence number until every predecessor has been emitted;
 * the finisher thread, the only one to hand jobs over, emits the run that
 * the missing job completes.  Workers come here only for --line-buffer's
 * lines and -t's traces, while their job runs.
 * A write error (EPIPE from a closed pipe, ENOSPC) is remembered and later
 * output is dropped, so that main can stop starting jobs and report it.
 * The status line of --progress is hidden while output goes to its
 * terminal, from the first such write until the lock is released.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"
#include "pathnames.h"
#include "util.h"

struct output {
	pthread_mutex_t mu;
	const struct tpmap_opts *o;
	int err;			/* first write error */
	/* -k: ring of finished jobs, slot seq % cap, from next_seq on. */
	struct job **ring;
	size_t cap;
	unsigned long long next_seq;
	/* --progress, --eta, --bar: the line, whether fd 1 and 2 show on
	 * its terminal, whether it is hidden now (under the lock), and
	 * whether the last byte written there ended a line. */
	struct progress *pg;
	int tty[3];
	int held;
	int bol;
	/* out_line: lines for fd 1 not written yet. */
	struct buf batch;
	/* write_tagged_bol: tagged lines not written yet (three writes a
	 * line made --tag output system-call bound). */
	struct buf tagged;
	/* -k: finished jobs held for their turn keep at most HELD_BUDGET
	 * bytes of output in memory between them; the others are parked in
	 * store, one unlinked file for all, appended to at store_end (its
	 * file offset) and emptied whenever no parked job is left in it. */
	size_t held_mem;
	int store;
	off_t store_end;
	size_t nparked;
	int store_warned;
};

#define HELD_BUDGET (1024 * 1024)

/* out_line writes in blocks this large: one write per --dry-run line
 * was three quarters of its time. */
#define BATCH_MAX 65536

struct output *
out_create(const struct tpmap_opts *o)
{
	struct output *out;

	out = xcalloc(1, sizeof(*out));
	pthread_mutex_init(&out->mu, NULL);
	out->o = o;
	out->next_seq = 1;
	out->store = -1;
	if (o->keep_order) {
		out->cap = 64;
		out->ring = xcalloc(out->cap, sizeof(*out->ring));
	}
	return out;
}

void
out_set_progress(struct output *out, struct progress *pg)
{
	out->pg = pg;
	out->tty[1] = progress_shares(pg, 1);
	out->tty[2] = progress_shares(pg, 2);
	out->bol = 1;
}

/* About to write to fd, the last byte ending a line or not (bol): if fd
 * shows on the status line's terminal, hide the line until term_release.
 * Called with the lock held. */
static void
term_claim(struct output *out, int fd, int bol)
{
	if (fd < 1 || fd > 2 || !out->tty[fd])
		return;
	if (!out->held) {
		progress_hide(out->pg);
		out->held = 1;
	}
	out->bol = bol;
}

/* Before the lock is released: let the status line come back. */
static void
term_release(struct output *out)
{
	if (out->held) {
		progress_show(out->pg, out->bol);
		out->held = 0;
	}
}

int
out_free(struct output *out)
{
	int e = out->err;
	size_t i;

	/* Every job read reaches output, run or skipped: one left in the
	 * ring means a sequence number went missing. */
	for (i = 0; i < out->cap; i++)
		if (out->ring[i] != NULL)
			BUG("job %llu still held at the end (next %llu)",
			    out->ring[i]->seq, out->next_seq);
	buf_free(&out->batch);
	buf_free(&out->tagged);
	if (out->store >= 0)
		close(out->store);
	free(out->ring);
	pthread_mutex_destroy(&out->mu);
	free(out);
	return e;
}

int
out_failed(struct output *out)
{
	int e;

	pthread_mutex_lock(&out->mu);
	e = out->err;
	pthread_mutex_unlock(&out->mu);
	return e != 0;
}

/* Write all of p; on failure remember the error and drop the rest. */
static void
write_all(struct output *out, int fd, const char *p, size_t n)
{
	if (n == 0 || out->err != 0)
		return;
	term_claim(out, fd, p[n - 1] == '\n');
	if (write_full(fd, p, n) != 0)
		out->err = errno;
}

/* Write n bytes of p, with the tag before every line when there is one;
 * *bol says whether p starts a line, and is updated. */
static void
write_tagged_bol(struct output *out, int fd, const struct job *j,
    const char *p, size_t n, int *bol)
{
	const char *nl;
	size_t len;

	if (j->tag == NULL) {
		write_all(out, fd, p, n);
		return;
	}
	while (n > 0) {
		nl = memchr(p, '\n', n);
		len = nl != NULL ? (size_t)(nl - p) + 1 : n;
		if (*bol) {
			buf_add(&out->tagged, j->tag, j->taglen);
			buf_addc(&out->tagged, '\t');
		}
		buf_add(&out->tagged, p, len);
		if (out->tagged.len >= BATCH_MAX) {
			write_all(out, fd, out->tagged.p, out->tagged.len);
			buf_reset(&out->tagged);
		}
		*bol = nl != NULL;
		p += len;
		n -= len;
	}
	write_all(out, fd, out->tagged.p, out->tagged.len);
	buf_reset(&out->tagged);
}

/* spool_each's callback for write_spool: tagged writes. */
struct tagged_write {
	struct output *out;
	int fd;
	const struct job *j;
	int bol;
};

static int
tagged_chunk(void *arg, const char *p, size_t n)
{
	struct tagged_write *tw = arg;

	write_tagged_bol(tw->out, tw->fd, tw->j, p, n, &tw->bol);
	return tw->out->err;
}

/* Write the first n bytes of spool s of job j to fd, with the tag before
 * every line when there is one; the first byte starts a line. */
static void
write_spool(struct output *out, int fd, const struct job *j,
    const struct spool *s, size_t n)
{
	struct tagged_write tw = { out, fd, j, 1 };
	size_t k = n < s->mem.len ? n : s->mem.len;
	int e;

	if (n == 0 || out->err != 0)
		return;
	if (j->tag != NULL) {
		if ((e = spool_each(s, n, tagged_chunk, &tw)) != 0 &&
		    out->err == 0)
			out->err = e;
		return;
	}
	write_all(out, fd, s->mem.p, k);
	if (k == n || out->err != 0)
		return;
	/* spool_copy_file writes past write_all: claim the terminal for it,
	 * knowing how the file part ends. */
	if (out->tty[fd])
		term_claim(out, fd, spool_byte(s, n - 1) == '\n');
	if ((e = spool_copy_file(s, n - k, fd)) != 0)
		out->err = e;
}

/* Open path for writing, replacing it; -1 after a warning. */
static int
open_out(const char *path)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		warn("%s", path);
	return fd;
}

/* Write p to a file, replacing it; a failure is reported, not fatal. */
static void
write_path(const char *path, const char *p, size_t n)
{
	int fd;

	if ((fd = open_out(path)) < 0)
		return;
	if (write_full(fd, p, n) != 0)
		warn("%s", path);
	close(fd);
}

/* Write stream i of job j to a file, replacing it (--results, --files). */
static void
stream_to_path(const char *path, const struct job *j, int i)
{
	int fd, e;

	if ((fd = open_out(path)) < 0)
		return;
	if ((e = spool_copy(&j->out[i], fd)) != 0) {
		errno = e;
		warn("%s", path);
	}
	close(fd);
}

/* mkdir -p for --results; errors surface when the files are opened. */
static void
mkdirs(char *path)
{
	char *s;

	for (s = path + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(path, 0777);
		*s = '/';
	}
	mkdir(path, 0777);
}

/* --results DIR: DIR/VALUES/{stdout,stderr,seq}; a template: PATH,
 * PATH.err, PATH.seq. */
static void
emit_results(struct output *out, struct job *j)
{
	struct buf base = { 0 }, path = { 0 };
	const char *slash, *names[3];
	char seq[32];
	int i;

	snprintf(seq, sizeof(seq), "%llu", j->seq);
	if (j->resfile) {
		buf_adds(&base, j->resname);
		if ((slash = strrchr(j->resname, '/')) != NULL &&
		    slash > j->resname) {
			buf_add(&path, j->resname,
			    (size_t)(slash - j->resname));
			mkdirs(path.p);
		}
		names[0] = "";
		names[1] = ".err";
		names[2] = ".seq";
	} else {
		buf_adds(&base, out->o->results);
		buf_addc(&base, '/');
		buf_adds(&base, j->resname != NULL ? j->resname : "");
		mkdirs(base.p);
		names[0] = "/stdout";
		names[1] = "/stderr";
		names[2] = "/seq";
	}
	for (i = 0; i < 3; i++) {
		buf_reset(&path);
		buf_add(&path, base.p, base.len);
		buf_adds(&path, names[i]);
		if (i < 2)
			stream_to_path(path.p, j, i);
		else
			write_path(path.p, seq, strlen(seq));
	}
	buf_free(&path);
	buf_free(&base);
}

static void
emit_files(struct output *out, struct job *j)
{
	const char *tmp = getenv("TMPDIR");
	struct buf path = { 0 };
	int fd;

	buf_adds(&path, tmp != NULL && *tmp != '\0' ? tmp : PATH_TMPDIR);
	buf_adds(&path, "/tpmXXXXXX");
	if ((fd = mkstemp(path.p)) < 0) {
		warn("%s", path.p);
		out->err = errno;
	} else {
		close(fd);
		stream_to_path(path.p, j, 0);
		write_spool(out, 2, j, &j->out[1], spool_len(&j->out[1]));
		buf_addc(&path, '\n');
		write_all(out, 1, path.p, path.len);
	}
	buf_free(&path);
}

/* Move stream i of held job j into the store; 0 or an errno value, with
 * j unchanged and the store's offset back at store_end on failure. */
static int
park_stream(struct output *out, struct job *j, int i)
{
	struct spool *s = &j->out[i];
	off_t at = out->store_end;
	int e;

	if (spool_len(s) == 0)
		return 0;
	if ((e = spool_copy(s, out->store)) != 0) {
		lseek(out->store, at, SEEK_SET);
		return e;
	}
	spool_moved(s, out->store, at);
	out->store_end = at + (off_t)s->nfile;
	return 0;
}

/*
 * Job j is done but must wait for its turn (-k).  Keep its output in
 * memory while the held jobs' share stays within HELD_BUDGET and it has
 * no spill file of its own; otherwise park it in the store, so that
 * whatever number of jobs wait, they cost neither memory nor a descriptor
 * each.  If the store fails (a full disk), the job keeps what it has:
 * reported once, never lost.  Called with the lock held.
 */
static void
hold(struct output *out, struct job *j)
{
	size_t mem;
	int i, e = 0;

	spool_fit(&j->out[0]);
	spool_fit(&j->out[1]);
	mem = j->out[0].mem.len + j->out[1].mem.len;
	if (j->out[0].fd < 0 && j->out[1].fd < 0 &&
	    mem <= HELD_BUDGET - out->held_mem) {
		out->held_mem += mem;
		j->heldmem = mem;
		return;
	}
	if (out->store < 0 && (out->store = spill_file()) < 0)
		e = errno;
	for (i = 0; i < 2 && e == 0; i++)
		e = park_stream(out, j, i);
	if (j->out[0].shared || j->out[1].shared) {
		j->parked = 1;
		out->nparked++;
	}
	if (e != 0 && !out->store_warned) {
		out->store_warned = 1;
		errno = e;
		warn("temporary file for held job output");
	}
	if (e != 0) {
		j->heldmem = j->out[0].mem.len + j->out[1].mem.len;
		out->held_mem += j->heldmem;
	}
}

/* Held job j has been emitted: its share of the budget, or of the store,
 * is free again.  Called with the lock held. */
static void
unhold(struct output *out, struct job *j)
{
	out->held_mem -= j->heldmem;
	j->heldmem = 0;
	if (!j->parked)
		return;
	/* An empty store is emptied on disk too, so that a long run that
	 * holds jobs now and then does not grow it forever. */
	if (--out->nparked == 0 && ftruncate(out->store, 0) == 0 &&
	    lseek(out->store, 0, SEEK_SET) == 0)
		out->store_end = 0;
}

/* Emit one job; called with the lock held. */
static void
emit(struct output *out, struct job *j)
{
	int i;

	if (j->state == JOB_SKIPPED)
		return;		/* never ran, or killed as tpmap stopped */
	if (out->o->results != NULL) {
		emit_results(out, j);
	} else if (out->o->files) {
		emit_files(out, j);
	} else if (out->o->out_mode != OUT_UNGROUP) {
		/* --line-buffer: what was held back (-k) or the final
		 * partial line; grouped: everything. */
		for (i = 0; i < 2; i++)
			write_spool(out, i + 1, j, &j->out[i],
			    spool_len(&j->out[i]));
	}
}

/* Emit j, whose turn it is, and free it; called with the lock held. */
static void
emit_free(struct output *out, struct job *j)
{
	emit(out, j);
	unhold(out, j);
	job_to(j, JOB_EMITTED);
	/* XXX: freed under the lock; cheap next to the writes. */
	job_free(j);
}

void
out_job_done(struct output *out, struct job *j)
{
	struct job **ring;
	size_t i, ncap;
	unsigned long long s;

	pthread_mutex_lock(&out->mu);
	if (!out->o->keep_order) {
		emit_free(out, j);
		term_release(out);
		pthread_mutex_unlock(&out->mu);
		return;
	}
	if (j->seq < out->next_seq || j->seq == 0)
		BUG("job %llu handed to output twice", j->seq);
	/* Grow the ring until j's place fits, keeping every entry at
	 * seq % cap. */
	while (j->seq - out->next_seq >= out->cap) {
		ncap = out->cap * 2;
		ring = xcalloc(ncap, sizeof(*ring));
		for (i = 0; i < out->cap; i++) {
			s = out->next_seq + i;
			ring[s % ncap] = out->ring[s % out->cap];
		}
		free(out->ring);
		out->ring = ring;
		out->cap = ncap;
	}
	if (out->ring[j->seq % out->cap] != NULL)
		BUG("job %llu handed to output twice", j->seq);
	if (j->seq != out->next_seq) {
		job_to(j, JOB_HELD);
		hold(out, j);
	}
	out->ring[j->seq % out->cap] = j;
	while ((j = out->ring[out->next_seq % out->cap]) != NULL) {
		out->ring[out->next_seq % out->cap] = NULL;
		out->next_seq++;
		emit_free(out, j);
	}
	term_release(out);
	pthread_mutex_unlock(&out->mu);
}

void
out_lines(struct output *out, struct job *j, int i, int final)
{
	struct spool *s = &j->out[i];
	size_t n = final ? spool_len(s) : s->lastnl;

	if (n == 0)
		return;
	pthread_mutex_lock(&out->mu);
	/* With -k only the oldest unprinted job streams; the others keep
	 * their lines, in memory and then on disk, until out_job_done
	 * emits them in order.  A job that becomes the oldest while it
	 * runs streams from its next read on. */
	if (out->o->keep_order && j->seq != out->next_seq) {
		pthread_mutex_unlock(&out->mu);
		return;
	}
	write_spool(out, i + 1, j, s, n);
	term_release(out);
	pthread_mutex_unlock(&out->mu);
	spool_consume(s, n);
}

void
out_text(struct output *out, int fd, const char *s, size_t len)
{
	pthread_mutex_lock(&out->mu);
	write_all(out, fd, s, len);
	write_all(out, fd, "\n", 1);
	term_release(out);
	pthread_mutex_unlock(&out->mu);
}

static void
flush_batch(struct output *out)
{
	if (out->batch.len > 0) {
		write_all(out, 1, out->batch.p, out->batch.len);
		buf_reset(&out->batch);
	}
}

void
out_line(struct output *out, const char *s, size_t len)
{
	pthread_mutex_lock(&out->mu);
	buf_add(&out->batch, s, len);
	buf_addc(&out->batch, '\n');
	if (out->batch.len >= BATCH_MAX) {
		flush_batch(out);
		term_release(out);
	}
	pthread_mutex_unlock(&out->mu);
}

void
out_flush(struct output *out)
{
	pthread_mutex_lock(&out->mu);
	flush_batch(out);
	term_release(out);
	pthread_mutex_unlock(&out->mu);
}
