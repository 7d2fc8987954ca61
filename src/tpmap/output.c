/* SPDX-License-Identifier: MIT */
/*
 * Emission of job output.  All writes to tpmap's stdout and stderr while
 * jobs run happen here, under one lock, with write(2) (no stdio buffer to
 * lose or interleave).  In map mode (-k) finished jobs wait in a ring
 * indexed by sequence number until every predecessor has been emitted;
 * the finisher thread, the only one to hand jobs over, emits the run that
 * the missing job completes.  Workers come here only for --line-buffer's
 * lines and -t's traces, while their job runs.
 * A write error on stdout (EPIPE from a closed pipe, ENOSPC) is remembered
 * and later output to it is dropped, so that main can stop starting jobs
 * and report it.  One on stderr is remembered apart: it does not stop the
 * jobs or their stdout.  Each job handed over is reported to the emitted
 * hook with what of its output could not be delivered, so that the job
 * log records only jobs whose output is out.
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
	int err;			/* first write error on stdout */
	int err2;			/* and on stderr */
	out_emitted_fn *emitted;	/* or NULL */
	void *emitted_arg;
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

void
out_on_emitted(struct output *out, out_emitted_fn *fn, void *arg)
{
	out->emitted = fn;
	out->emitted_arg = arg;
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

/* The error remembered for fd, 1 or 2. */
static int *
fd_err(struct output *out, int fd)
{
	return fd == 2 ? &out->err2 : &out->err;
}

/* Write all of p; on failure remember the error and drop the rest. */
static void
write_all(struct output *out, int fd, const char *p, size_t n)
{
	int *e = fd_err(out, fd);

	if (n == 0 || *e != 0)
		return;
	term_claim(out, fd, p[n - 1] == '\n');
	if (write_full(fd, p, n) != 0)
		*e = errno;
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
	return *fd_err(tw->out, tw->fd);
}

/* Write the first n bytes of spool s of job j to fd, with the tag before
 * every line when there is one; the first byte starts a line. */
static void
write_spool(struct output *out, int fd, const struct job *j,
    const struct spool *s, size_t n)
{
	struct tagged_write tw = { out, fd, j, 1 };
	size_t k = n < s->mem.len ? n : s->mem.len;
	int e, *fe = fd_err(out, fd);

	if (n == 0 || *fe != 0)
		return;
	if (j->tag != NULL) {
		if ((e = spool_each(s, n, tagged_chunk, &tw)) != 0 &&
		    *fe == 0)
			*fe = e;
		return;
	}
	write_all(out, fd, s->mem.p, k);
	if (k == n || *fe != 0)
		return;
	/* spool_copy_file writes past write_all: claim the terminal for it,
	 * knowing how the file part ends. */
	if (out->tty[fd])
		term_claim(out, fd, spool_byte(s, n - 1) == '\n');
	if ((e = spool_copy_file(s, n - k, fd)) != 0)
		*fe = e;
}

/* Fill fd, a new file, with spool sp or, when sp is NULL, the n bytes of
 * p, and close it.  0 or an errno value. */
static int
fill(int fd, const struct spool *sp, const char *p, size_t n)
{
	int e = 0;

	if (sp != NULL)
		e = spool_copy(sp, fd);
	else if (write_full(fd, p, n) != 0)
		e = errno;
	/* A full disk may show only at close (NFS). */
	if (close(fd) != 0 && e == 0)
		e = errno;
	return e;
}

/* fill's failure e on path: remove the file, so that a file that is there
 * is whole, and say so. */
static void
fill_failed(const char *path, int e)
{
	unlink(path);
	errno = e;
	msg_warn("%s", path);
}

/* Save sp, or p, in a file at path, replacing it (--results).  0, or -1
 * after a warning with no file left at path. */
static int
save(const char *path, const struct spool *sp, const char *p, size_t n)
{
	int fd, e;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0666)) < 0) {
		msg_warn("%s", path);
		return -1;
	}
	if ((e = fill(fd, sp, p, n)) != 0) {
		fill_failed(path, e);
		return -1;
	}
	return 0;
}

/* mkdir -p for --results; 0, or the last mkdir's errno value.  Errors on
 * the way surface when the files are opened. */
static int
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
	return mkdir(path, 0777) == 0 || errno == EEXIST ? 0 : errno;
}

int
out_results_dir(const char *dir)
{
	struct stat st;
	char *path;
	int e;

	if (*dir == '\0') {
		msg_warnx("--results '': no directory named");
		return -1;
	}
	path = xstrdup(dir);
	if ((e = mkdirs(path)) == 0) {
		if (stat(dir, &st) != 0)
			e = errno;
		else if (!S_ISDIR(st.st_mode))
			e = ENOTDIR;
		else if (access(dir, W_OK | X_OK) != 0)
			e = errno;
	}
	free(path);
	if (e != 0) {
		errno = e;
		msg_warn("--results %s", dir);
		return -1;
	}
	return 0;
}

/* --results DIR: DIR/VALUES/{stdout,stderr,seq}; a template: PATH,
 * PATH.err, PATH.seq.  0, or -1 after a warning, with none of the job's
 * files left. */
static int
emit_results(struct output *out, struct job *j)
{
	static const char *const dirnames[3] = { "/stdout", "/stderr", "/seq" };
	static const char *const filenames[3] = { "", ".err", ".seq" };
	struct buf base = { 0 }, path = { 0 };
	const char *slash, *const *names;
	char seq[32];
	int i, k, rc = 0;

	snprintf(seq, sizeof(seq), "%llu", j->seq);
	if (j->resfile) {
		buf_adds(&base, j->resname);
		if ((slash = strrchr(j->resname, '/')) != NULL &&
		    slash > j->resname) {
			buf_add(&path, j->resname,
			    (size_t)(slash - j->resname));
			(void)mkdirs(path.p);
		}
		names = filenames;
	} else {
		buf_adds(&base, out->o->results);
		buf_addc(&base, '/');
		buf_adds(&base, j->resname != NULL ? j->resname : "");
		(void)mkdirs(base.p);
		names = dirnames;
	}
	for (i = 0; i < 3 && rc == 0; i++) {
		buf_reset(&path);
		buf_add(&path, base.p, base.len);
		buf_adds(&path, names[i]);
		rc = i < 2 ? save(path.p, &j->out[i], NULL, 0) :
		    save(path.p, NULL, seq, strlen(seq));
	}
	/* All three or none: a stdout file without its seq file would look
	 * like a job whose output is whole. */
	for (k = 0; rc != 0 && k < i - 1; k++) {
		buf_reset(&path);
		buf_add(&path, base.p, base.len);
		buf_adds(&path, names[k]);
		unlink(path.p);
	}
	buf_free(&path);
	buf_free(&base);
	return rc;
}

/* --files: stdout into a new file in $TMPDIR, stderr printed, then the
 * file's name.  0, or -1 after a warning, with no file left.  A name that
 * cannot be printed takes its file with it (out->err tells). */
static int
emit_files(struct output *out, struct job *j)
{
	const char *tmp = getenv("TMPDIR");
	struct buf path = { 0 };
	int fd, e, rc = -1;

	buf_adds(&path, tmp != NULL && *tmp != '\0' ? tmp : PATH_TMPDIR);
	buf_adds(&path, "/tpmXXXXXX");
	if ((fd = mkstemp(path.p)) < 0) {
		msg_warn("%s", path.p);
	} else if ((e = fill(fd, &j->out[0], NULL, 0)) != 0) {
		fill_failed(path.p, e);
	} else {
		rc = 0;
		write_spool(out, 2, j, &j->out[1], spool_len(&j->out[1]));
		buf_addc(&path, '\n');
		write_all(out, 1, path.p, path.len);
		if (out->err != 0) {
			path.p[path.len - 1] = '\0';
			unlink(path.p);
		}
	}
	buf_free(&path);
	return rc;
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
		msg_warn("temporary file for held job output");
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

/* Emit one job, which ran; returns what of its output could not be
 * delivered (OUT_LOST_*).  Called with the lock held. */
static int
emit(struct output *out, struct job *j)
{
	int i, lost = j->unread ? OUT_LOST_READ : 0;

	if (out->o->results != NULL)
		return lost | (emit_results(out, j) != 0 ? OUT_LOST_FILE : 0);
	if (out->o->files) {
		/* With stdout gone no name could be printed: make no file. */
		if (out->err == 0 && emit_files(out, j) != 0)
			lost |= OUT_LOST_FILE;
	} else if (out->o->out_mode != OUT_UNGROUP) {
		/* --line-buffer: what was held back (-k) or the final
		 * partial line; grouped: everything. */
		for (i = 0; i < 2; i++)
			write_spool(out, i + 1, j, &j->out[i],
			    spool_len(&j->out[i]));
	} else {
		return lost;	/* the job wrote to tpmap's own stdout */
	}
	/* A stream that failed before or while this job's turn came lost
	 * what it had for it; with --line-buffer some of it may have gone
	 * out before the failure, which is still not all of it. */
	if (out->err != 0 && (out->o->files || j->out[0].total > 0))
		lost |= OUT_LOST_STDOUT;
	if (out->err2 != 0 && j->out[1].total > 0)
		lost |= OUT_LOST_STDERR;
	return lost;
}

/* Emit j, whose turn it is, tell the emitted hook, and free j; called
 * with the lock held. */
static void
emit_free(struct output *out, struct job *j)
{
	int lost;

	/* A SKIPPED job never ran, or was killed as tpmap stopped. */
	if (j->state != JOB_SKIPPED) {
		lost = emit(out, j);
		if (out->emitted != NULL)
			out->emitted(out->emitted_arg, j, lost);
	}
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
	/* A skipped job waits as it is: it has nothing to hold, and its
	 * state keeps it from being emitted (or logged) when its turn
	 * comes. */
	if (j->seq != out->next_seq && j->state != JOB_SKIPPED) {
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
