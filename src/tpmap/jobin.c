/* SPDX-License-Identifier: MIT */
/*
 * Feeding a job's stdin from its block.  The worker polls the pipe's
 * write end with the job's output pipes and writes what fits each time,
 * so that a job that writes much before it reads cannot deadlock with
 * tpmap.  A file range (--pipepart) goes from the file to the pipe in the
 * kernel with splice(2) where there is one, else through a small buffer
 * with pread; a block in memory is written with write(2).
 */
#define _GNU_SOURCE	/* splice, F_SETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "jobin.h"
#include "util.h"

/* What one pread moves without splice(2). */
#define COPY_CHUNK (64 * 1024)

struct jobin *
jobin_new(const char *head, size_t headlen, char *mem, size_t n)
{
	struct jobin *in;

	in = xcalloc(1, sizeof(*in));
	in->head = head;
	in->headlen = headlen;
	in->mem = mem;
	in->len = n;
	in->fd = -1;
	return in;
}

void
jobin_free(struct jobin *in)
{
	if (in == NULL)
		return;
	if (in->pool != NULL)
		blockpool_put(in->pool, in->mem, in->cap);
	else
		free(in->mem);
	free(in);
}

struct blockpool {
	pthread_mutex_t mu;
	char **mem;
	size_t *cap;
	size_t n, max;
};

struct blockpool *
blockpool_create(size_t max)
{
	struct blockpool *p;

	p = xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->mu, NULL);
	p->mem = xcalloc(max, sizeof(*p->mem));
	p->cap = xcalloc(max, sizeof(*p->cap));
	p->max = max;
	return p;
}

void
blockpool_free(struct blockpool *p)
{
	if (p == NULL)
		return;
	while (p->n > 0)
		free(p->mem[--p->n]);
	free(p->mem);
	free(p->cap);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

char *
blockpool_get(struct blockpool *p, size_t want, size_t *cap)
{
	char *mem = NULL;

	pthread_mutex_lock(&p->mu);
	/* A buffer too small for want (the block grew for a long record)
	 * is of no more use. */
	while (p->n > 0 && mem == NULL) {
		p->n--;
		if (p->cap[p->n] >= want) {
			mem = p->mem[p->n];
			*cap = p->cap[p->n];
		} else
			free(p->mem[p->n]);
	}
	pthread_mutex_unlock(&p->mu);
	if (mem == NULL) {
		mem = xmalloc(want);
		*cap = want;
	}
	return mem;
}

void
blockpool_put(struct blockpool *p, char *mem, size_t cap)
{
	pthread_mutex_lock(&p->mu);
	if (p->n < p->max) {
		p->mem[p->n] = mem;
		p->cap[p->n++] = cap;
		mem = NULL;
	}
	pthread_mutex_unlock(&p->mu);
	free(mem);
}

unsigned long long
jobin_size(const struct jobin *in)
{
	return (unsigned long long)in->headlen + in->len + in->flen;
}

int
jobin_open(struct jobin_feed *f, const struct jobin *in, int *childfd)
{
	int p[2], e;

	if ((e = cloexec_pipe(p)) != 0)
		return e;
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	f->in = in;
	f->pos = 0;
	f->fd = p[1];
	f->broken = 0;
	*childfd = p[0];
	return 0;
}

void
jobin_close(struct jobin_feed *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

/* Copy up to n bytes of the file range from offset off into the pipe:
 * the bytes written, or -1 with errno. */
static ssize_t
copy_range(int from, off_t off, int to, size_t n)
{
	char buf[COPY_CHUNK];
	ssize_t r;

#ifdef SPLICE_F_NONBLOCK
	loff_t o = off;

	r = splice(from, &o, to, NULL, n, SPLICE_F_NONBLOCK);
	if (r >= 0 || (errno != EINVAL && errno != ENOSYS))
		return r;
#endif
	/* No splice from this file: a chunk that fits the pipe now.  What
	 * a short write leaves is read again next time. */
	if (n > sizeof(buf))
		n = sizeof(buf);
	if ((r = pread(from, buf, n, off)) <= 0) {
		if (r == 0)
			errno = EIO;	/* the file shrank */
		return -1;
	}
	return write(to, buf, (size_t)r);
}

int
jobin_write(struct jobin_feed *f)
{
	const struct jobin *in = f->in;
	size_t end1 = in->headlen, end2 = end1 + in->len;
	size_t total = end2 + in->flen;
	ssize_t w;

	while (f->pos < total) {
		if (f->pos < end1)
			w = write(f->fd, in->head + f->pos, end1 - f->pos);
		else if (f->pos < end2)
			w = write(f->fd, in->mem + (f->pos - end1),
			    end2 - f->pos);
		else
			w = copy_range(in->fd,
			    in->off + (off_t)(f->pos - end2), f->fd,
			    total - f->pos);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return 0;
		if (w <= 0) {
			/* EPIPE: the job stopped reading. */
			f->broken = errno == EPIPE;
			break;
		}
		f->pos += (size_t)w;
	}
	jobin_close(f);
	return 1;
}
