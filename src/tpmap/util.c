/* SPDX-License-Identifier: MIT */
/*
 * Allocation wrappers that exit with status 255 (tpmap's own failure) when
 * memory runs out, the growable buffer every CLI module builds strings
 * in, and the growable array of fields that input and its parsers fill.
 */
#ifdef __linux__
#define _GNU_SOURCE	/* pipe2 */
#endif
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "util.h"

/*
 * Exit 255 after a failed allocation of what.  Only the first thread to
 * get here exits: exit(3) called by a second thread meanwhile may end the
 * process before the first has run the exit handler that ends the jobs
 * (spawn_kill_all), leaving them running.  The others wait for the end.
 */
static void
nomem(const char *what)
{
	static atomic_flag exiting = ATOMIC_FLAG_INIT;
	int e = errno;

	if (atomic_flag_test_and_set(&exiting))
		for (;;)
			pause();
	errno = e;
	err(255, "%s", what);
}

void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n ? n : 1)) == NULL)
		nomem("malloc");
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if ((p = calloc(nmemb ? nmemb : 1, size ? size : 1)) == NULL)
		nomem("calloc");
	return p;
}

void *
xreallocarray(void *p, size_t nmemb, size_t size)
{
	if ((p = reallocarray(p, nmemb ? nmemb : 1, size ? size : 1)) == NULL)
		nomem("realloc");
	return p;
}

char *
xstrdup(const char *s)
{
	return xmemdup(s, strlen(s));
}

char *
xmemdup(const void *p, size_t n)
{
	char *s;

	if (n == SIZE_MAX)
		errx(255, "object too large");
	s = xmalloc(n + 1);
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

void
buf_grow(struct buf *b, size_t more)
{
	size_t need;

	if (more > SIZE_MAX - b->len - 1)
		errx(255, "buffer too large");
	need = b->len + more + 1;
	if (need <= b->cap)
		return;
	if (b->cap < 64)
		b->cap = 64;
	while (b->cap < need)
		b->cap = b->cap > SIZE_MAX / 2 ? need : 2 * b->cap;
	b->p = xreallocarray(b->p, b->cap, 1);
	/* A buffer allocated here holds no terminator yet, and util.h
	 * promises one as soon as cap > 0: tmpl_expand of an empty line
	 * (-N0 --results '{}') handed on garbage as a file name. */
	b->p[b->len] = '\0';
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
buf_addc(struct buf *b, char c)
{
	buf_grow(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->cap > 0)
		b->p[0] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

char *
buf_detach(struct buf *b, size_t *lenp)
{
	char *p;

	buf_grow(b, 0);
	p = b->p;
	if (lenp != NULL)
		*lenp = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void
fv_add(struct fieldv *v, const char *s, size_t len)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 16;
		v->f = xreallocarray(v->f, v->cap, sizeof(*v->f));
	}
	v->f[v->n].s = s;
	v->f[v->n].len = len;
	v->n++;
}

double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
write_full(int fd, const void *p, size_t n)
{
	const char *s = p;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, s, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

void
nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* "tpmap: ", the message, ": strerror(e)" when e, a newline: one write. */
static void
msg_write(int e, const char *fmt, va_list ap)
{
	char line[4096];
	size_t n;
	int k;

	memcpy(line, "tpmap: ", 7);
	n = 7;
	k = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	n = k < 0 ? n : n + (size_t)k < sizeof(line) - 1 ?
	    n + (size_t)k : sizeof(line) - 2;
	if (e != 0) {
		k = snprintf(line + n, sizeof(line) - n - 1, ": %s",
		    strerror(e));
		n = k < 0 ? n : n + (size_t)k < sizeof(line) - 1 ?
		    n + (size_t)k : sizeof(line) - 2;
	}
	line[n++] = '\n';
	/* It may be all the user hears of a failure: a second try. */
	if (write_full(2, line, n) != 0 && errno != EPIPE)
		(void)write_full(2, line, n);
}

void
msg_warn(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	msg_write(e, fmt, ap);
	va_end(ap);
	errno = e;
}

void
msg_warnx(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	msg_write(0, fmt, ap);
	va_end(ap);
	errno = e;
}

void
util_bug(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tpmap: BUG: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* A pipe whose two ends are close-on-exec from the start: another worker
 * may be spawning at this very moment, and a write end leaked into its
 * child would hold our EOF back until that child exits. */
int
cloexec_pipe(int fd[2])
{
#ifdef __linux__
	return pipe2(fd, O_CLOEXEC) == 0 ? 0 : errno;
#else
	/* XXX: not atomic; a concurrent spawn can inherit these. */
	if (pipe(fd) != 0)
		return errno;
	fcntl(fd[0], F_SETFD, FD_CLOEXEC);
	fcntl(fd[1], F_SETFD, FD_CLOEXEC);
	return 0;
#endif
}
