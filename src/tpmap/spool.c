/* SPDX-License-Identifier: MIT */
/*
 * The memory-then-file byte queue behind every job's stdout and stderr.
 * Appending goes to memory only while the file part is empty, so that the
 * bytes stay in order however the front is consumed.  The file is written
 * with pwrite at explicit offsets and, once consumed to its end, truncated,
 * so that a long --line-buffer job reuses the same few blocks.  This file
 * knows nothing of jobs, tags or terminals: output.c decides what to
 * write where.
 */
#ifdef __linux__
#define _GNU_SOURCE	/* O_TMPFILE */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __linux__
#include <sys/sendfile.h>
#endif
#include <unistd.h>

#include "pathnames.h"
#include "spool.h"

/* Reads take at most this much at a time, into memory's spare room. */
#define READ_CHUNK 65536

int
spill_file(void)
{
	const char *dir = getenv("TMPDIR");
	struct buf path = { 0 };
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = PATH_TMPDIR;
#ifdef O_TMPFILE
	if ((fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) >= 0)
		return fd;
#endif
	buf_adds(&path, dir);
	buf_adds(&path, "/tpmap.XXXXXX");
	if ((fd = mkstemp(path.p)) >= 0) {
		unlink(path.p);
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	buf_free(&path);
	return fd;
}

void
spool_init(struct spool *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

void
spool_reset(struct spool *s)
{
	buf_reset(&s->mem);
	if (s->fd >= 0 && !s->shared)
		close(s->fd);
	s->fd = -1;
	s->off = 0;
	s->nfile = 0;
	s->lastnl = 0;
	s->total = 0;
	s->shared = 0;
}

void
spool_release(struct spool *s)
{
	spool_reset(s);
	buf_free(&s->mem);
}

size_t
spool_len(const struct spool *s)
{
	return s->mem.len + s->nfile;
}

/* n bytes of p have been added at position at: remember the last newline. */
static void
note_added(struct spool *s, size_t at, const char *p, size_t n)
{
	size_t k;

	for (k = n; k > 0; k--)
		if (p[k - 1] == '\n') {
			s->lastnl = at + k;
			break;
		}
	s->total += n;
}

/* pwrite all n bytes at off; 0 or an errno value. */
static int
pwrite_full(int fd, const char *p, size_t n, off_t off)
{
	ssize_t w;

	while (n > 0) {
		w = pwrite(fd, p, n, off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno;
		p += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

/* The file failed (a full disk): take its bytes back into memory, where
 * the stream then goes on, so that order is kept. */
static void
unspill(struct spool *s)
{
	ssize_t n;
	size_t left = s->nfile;
	off_t off = s->off;

	buf_grow(&s->mem, left);
	while (left > 0) {
		n = pread(s->fd, s->mem.p + s->mem.len, left, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* XXX: unreadable spill; those bytes are lost */
		s->mem.len += (size_t)n;
		off += n;
		left -= (size_t)n;
	}
	s->mem.p[s->mem.len] = '\0';
	if (!s->shared)
		close(s->fd);
	s->fd = -1;
	s->off = 0;
	s->nfile = 0;
	s->shared = 0;
}

/* Append n bytes at p, which may be memory's own spare room, to the file
 * part; 0, or an errno value with the bytes kept in memory. */
static int
add_to_file(struct spool *s, const char *p, size_t n)
{
	char *copy;
	int e;

	if (s->fd < 0) {
		s->off = 0;
		if ((s->fd = spill_file()) < 0) {
			e = errno;
			goto fail;
		}
	}
	if ((e = pwrite_full(s->fd, p, n, s->off + (off_t)s->nfile)) == 0) {
		s->nfile += n;
		return 0;
	}
fail:
	/* unspill reads into the spare room p may be in. */
	copy = xmemdup(p, n);
	if (s->fd >= 0)
		unspill(s);
	buf_add(&s->mem, copy, n);
	free(copy);
	return e;
}

/*
 * read(2), tried again after EINTR, and a few times after other errors: a
 * pipe from a job that poll said is readable fails only for a shortage
 * (ENOMEM, ENOBUFS) that may pass.  A stream given up on loses what the
 * job writes after it, so it is worth a few milliseconds.
 */
static ssize_t
read_retry(int fd, char *p, size_t n)
{
	const struct timespec pause = { 0, 2000000 };
	ssize_t r;
	int tries = 0;

	for (;;) {
		if ((r = read(fd, p, n)) >= 0)
			return r;
		if (errno == EINTR)
			continue;
		if (++tries > 4)
			return r;
		nanosleep(&pause, NULL);
	}
}

int
spool_read(struct spool *s, int fd, int *err)
{
	struct buf *b = &s->mem;
	size_t at = spool_len(s);
	char *chunk;
	ssize_t n;
	int e;

	/* Read into memory's spare room: a 64 KiB array on a worker's small
	 * stack would not do.  It is counted in b->len only if it stays. */
	buf_grow(b, READ_CHUNK);
	chunk = b->p + b->len;
	if ((n = read_retry(fd, chunk, READ_CHUNK)) < 0) {
		*err = errno;
		return -1;
	}
	if (n == 0)
		return 1;
	note_added(s, at, chunk, (size_t)n);
	if (s->nfile == 0 && b->len < SPOOL_BUDGET) {
		b->len += (size_t)n;
		b->p[b->len] = '\0';
	} else if ((e = add_to_file(s, chunk, (size_t)n)) != 0) {
		*err = e;
	}
	return 0;
}

void
spool_add(struct spool *s, const char *p, size_t n)
{
	note_added(s, spool_len(s), p, n);
	if (s->nfile == 0 && s->mem.len < SPOOL_BUDGET)
		buf_add(&s->mem, p, n);
	else
		(void)add_to_file(s, p, n);
}

void
spool_consume(struct spool *s, size_t n)
{
	size_t k;

	if (n <= s->mem.len) {
		memmove(s->mem.p, s->mem.p + n, s->mem.len - n);
		s->mem.len -= n;
		if (s->mem.p != NULL)
			s->mem.p[s->mem.len] = '\0';
	} else {
		k = n - s->mem.len;
		buf_reset(&s->mem);
		s->off += (off_t)k;
		s->nfile -= k;
	}
	s->lastnl = s->lastnl > n ? s->lastnl - n : 0;
	/* An own file consumed to its end is emptied on disk too. */
	if (s->nfile == 0 && s->fd >= 0 && !s->shared &&
	    ftruncate(s->fd, 0) == 0)
		s->off = 0;
}

void
spool_fit(struct spool *s)
{
	struct buf *b = &s->mem;
	char *p;

	if (b->len == 0) {
		buf_free(b);
	} else if (b->cap > b->len + 1 &&
	    (p = realloc(b->p, b->len + 1)) != NULL) {
		b->p = p;
		b->cap = b->len + 1;
	}
}

int
spool_each(const struct spool *s, size_t n,
    int (*fn)(void *arg, const char *p, size_t len), void *arg)
{
	char chunk[8192];	/* a worker's stack is small */
	size_t k = n < s->mem.len ? n : s->mem.len, want;
	off_t off = s->off;
	ssize_t r;
	int e;

	if (k > 0 && (e = fn(arg, s->mem.p, k)) != 0)
		return e;
	for (n -= k; n > 0; n -= (size_t)r, off += r) {
		want = n < sizeof(chunk) ? n : sizeof(chunk);
		while ((r = pread(s->fd, chunk, want, off)) < 0 &&
		    errno == EINTR)
			;
		if (r <= 0)
			return r < 0 ? errno : EIO;
		if ((e = fn(arg, chunk, (size_t)r)) != 0)
			return e;
	}
	return 0;
}

int
spool_copy_file(const struct spool *s, size_t k, int fd)
{
	char chunk[8192];	/* a worker's stack is small */
	off_t off = s->off;
	ssize_t r;

#ifdef __linux__
	r = 0;
	while (k > 0) {
		r = sendfile(fd, s->fd, &off, k);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;	/* EINVAL for some fds: fall back */
		k -= (size_t)r;
	}
	if (k == 0)
		return 0;
	if (r < 0 && errno != EINVAL && errno != ENOSYS)
		return errno;
#endif
	while (k > 0) {
		r = pread(s->fd, chunk, k < sizeof(chunk) ? k : sizeof(chunk),
		    off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? errno : EIO;
		if (write_full(fd, chunk, (size_t)r) != 0)
			return errno;
		off += r;
		k -= (size_t)r;
	}
	return 0;
}

int
spool_copy(const struct spool *s, int fd)
{
	if (write_full(fd, s->mem.p, s->mem.len) != 0)
		return errno;
	return s->nfile > 0 ? spool_copy_file(s, s->nfile, fd) : 0;
}

int
spool_byte(const struct spool *s, size_t i)
{
	unsigned char c;

	if (i < s->mem.len)
		return (unsigned char)s->mem.p[i];
	if (pread(s->fd, &c, 1, s->off + (off_t)(i - s->mem.len)) != 1)
		return -1;
	return c;
}

void
spool_moved(struct spool *s, int store, off_t at)
{
	size_t n = spool_len(s);

	buf_free(&s->mem);
	if (s->fd >= 0 && !s->shared)
		close(s->fd);
	s->fd = store;
	s->off = at;
	s->nfile = n;
	s->shared = 1;
}
