/* SPDX-License-Identifier: MIT */
/*
 * Emission of job output.  All writes to tpmap's stdout and stderr while
 * jobs run happen here, under one lock, with write(2) (no stdio buffer to
 * lose or interleave).  In map mode (-k) finished jobs wait in a ring
 * indexed by sequence number until every predecessor has been emitted;
 * whichever worker finishes the missing job emits the run that follows it.
 * A write error (EPIPE from a closed pipe, ENOSPC) is remembered and later
 * output is dropped, so that main can stop starting jobs and report it.
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
#include "util.h"

struct output {
	pthread_mutex_t mu;
	const struct tpmap_opts *o;
	int err;			/* first write error */
	/* -k: ring of finished jobs, slot seq % cap, from next_seq on. */
	struct job **ring;
	size_t cap;
	unsigned long long next_seq;
};

struct output *
out_create(const struct tpmap_opts *o)
{
	struct output *out;

	out = xcalloc(1, sizeof(*out));
	pthread_mutex_init(&out->mu, NULL);
	out->o = o;
	out->next_seq = 1;
	if (o->keep_order) {
		out->cap = 64;
		out->ring = xcalloc(out->cap, sizeof(*out->ring));
	}
	return out;
}

int
out_free(struct output *out)
{
	int e = out->err;

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
	ssize_t w;

	while (n > 0 && out->err == 0) {
		w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			out->err = errno;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

/* Write n bytes of p, with tag before every line when there is a tag. */
static void
write_tagged(struct output *out, int fd, const struct job *j,
    const char *p, size_t n)
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
		write_all(out, fd, j->tag, j->taglen);
		write_all(out, fd, "\t", 1);
		write_all(out, fd, p, len);
		p += len;
		n -= len;
	}
}

/* Write p to a file, replacing it; a failure is reported, not fatal. */
static void
write_path(const char *path, const char *p, size_t n)
{
	int fd;
	ssize_t w;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		warn("%s", path);
		return;
	}
	while (n > 0 && (w = write(fd, p, n)) != 0) {
		if (w < 0) {
			if (errno == EINTR)
				continue;
			warn("%s", path);
			break;
		}
		p += w;
		n -= (size_t)w;
	}
	close(fd);
}

static void
write_file(const char *dir, const char *name, const char *p, size_t n)
{
	struct buf path = { 0 };

	buf_adds(&path, dir);
	buf_addc(&path, '/');
	buf_adds(&path, name);
	write_path(path.p, p, n);
	buf_free(&path);
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

static void
emit_results(struct output *out, struct job *j)
{
	struct buf dir = { 0 }, path = { 0 };
	const char *stem, *slash;
	char seq[32];

	snprintf(seq, sizeof(seq), "%llu", j->seq);
	if (j->resfile) {
		/* A file template: PATH, PATH.err, PATH.seq. */
		stem = j->resname;
		if ((slash = strrchr(stem, '/')) != NULL && slash > stem) {
			buf_add(&dir, stem, (size_t)(slash - stem));
			mkdirs(dir.p);
		}
		write_path(stem, j->out.p ? j->out.p : "", j->out.len);
		buf_adds(&path, stem);
		buf_adds(&path, ".err");
		write_path(path.p, j->err.p ? j->err.p : "", j->err.len);
		buf_reset(&path);
		buf_adds(&path, stem);
		buf_adds(&path, ".seq");
		write_path(path.p, seq, strlen(seq));
		buf_free(&path);
		buf_free(&dir);
		return;
	}
	buf_adds(&dir, out->o->results);
	buf_addc(&dir, '/');
	buf_adds(&dir, j->resname != NULL ? j->resname : "");
	mkdirs(dir.p);
	write_file(dir.p, "stdout", j->out.p ? j->out.p : "", j->out.len);
	write_file(dir.p, "stderr", j->err.p ? j->err.p : "", j->err.len);
	write_file(dir.p, "seq", seq, strlen(seq));
	buf_free(&dir);
}

static void
emit_files(struct output *out, struct job *j)
{
	const char *tmp = getenv("TMPDIR");
	struct buf path = { 0 };
	int fd;

	buf_adds(&path, tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	buf_adds(&path, "/tpmXXXXXX");
	if ((fd = mkstemp(path.p)) < 0) {
		warn("%s", path.p);
		out->err = errno;
	} else {
		close(fd);
		write_path(path.p, j->out.p, j->out.len);
		write_all(out, 2, j->err.p, j->err.len);
		buf_addc(&path, '\n');
		write_all(out, 1, path.p, path.len);
	}
	buf_free(&path);
}

/* Emit one job; called with the lock held. */
static void
emit(struct output *out, struct job *j)
{
	if (j->skipped)
		return;		/* never ran, or killed as tpmap stopped */
	if (out->o->results != NULL) {
		emit_results(out, j);
	} else if (out->o->files) {
		emit_files(out, j);
	} else if (out->o->out_mode != OUT_UNGROUP) {
		/* --line-buffer: what was held back (-k) or the final
		 * partial line; grouped: everything. */
		write_tagged(out, 1, j, j->out.p, j->out.len);
		write_tagged(out, 2, j, j->err.p, j->err.len);
	}
}

void
out_job_done(struct output *out, struct job *j)
{
	struct job **ring;
	size_t i, ncap;
	unsigned long long s;

	pthread_mutex_lock(&out->mu);
	if (!out->o->keep_order) {
		emit(out, j);
		pthread_mutex_unlock(&out->mu);
		job_free(j);
		return;
	}
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
	out->ring[j->seq % out->cap] = j;
	while ((j = out->ring[out->next_seq % out->cap]) != NULL) {
		out->ring[out->next_seq % out->cap] = NULL;
		out->next_seq++;
		emit(out, j);
		/* XXX: freed under the lock; cheap next to the writes. */
		job_free(j);
	}
	pthread_mutex_unlock(&out->mu);
}

void
out_lines(struct output *out, struct job *j, int stream, int final)
{
	struct buf *b = stream == 1 ? &j->out : &j->err;
	const char *nl;
	size_t n;

	if (b->len == 0)
		return;
	pthread_mutex_lock(&out->mu);
	/* With -k only the oldest unprinted job streams; the others keep
	 * their lines until out_job_done emits them in order.  A job that
	 * becomes the oldest while it runs streams from its next read on. */
	if (out->o->keep_order && j->seq != out->next_seq) {
		pthread_mutex_unlock(&out->mu);
		return;
	}
	if (final) {
		n = b->len;
	} else {
		for (nl = NULL, n = b->len; n > 0; n--)
			if (b->p[n - 1] == '\n') {
				nl = b->p + n - 1;
				break;
			}
		if (nl == NULL) {
			pthread_mutex_unlock(&out->mu);
			return;
		}
	}
	write_tagged(out, stream, j, b->p, n);
	pthread_mutex_unlock(&out->mu);
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
	b->p[b->len] = '\0';
}

void
out_text(struct output *out, int fd, const char *s, size_t len)
{
	pthread_mutex_lock(&out->mu);
	write_all(out, fd, s, len);
	write_all(out, fd, "\n", 1);
	pthread_mutex_unlock(&out->mu);
}

void
out_skip(struct output *out, unsigned long long seq)
{
	struct job *j;

	j = xcalloc(1, sizeof(*j));
	j->seq = seq;
	j->skipped = 1;
	out_job_done(out, j);
}
