/* SPDX-License-Identifier: MIT */
/*
 * Small helpers for the CLI: allocation wrappers that exit on failure
 * (never to be used in src/tp/), a growable byte buffer, the argument
 * value that input, templates and jobs pass along, and the odd
 * byte-level helper several files need.
 */
#ifndef TPMAP_UTIL_H
#define TPMAP_UTIL_H

#include <stddef.h>
#include <sys/types.h>

/* A growable byte buffer.  p is NUL-terminated whenever cap > 0 (the
 * terminator is not counted in len), so p can be passed to C string
 * functions when the data has no NUL.  Zero-initialise; buf_free releases. */
struct buf {
	char *p;
	size_t len;
	size_t cap;
};

/* One argument value: bytes, not necessarily NUL-terminated, may hold any
 * byte value (NUL included, with -d). */
struct field {
	const char *s;
	size_t len;
};

/* A growable array of fields.  Zero-initialise; free(v.f) releases. */
struct fieldv {
	struct field *f;
	size_t n;
	size_t cap;
};

/* Append the field s, len bytes (borrowed, not copied) to v. */
void fv_add(struct fieldv *v, const char *s, size_t len);

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xmemdup(const void *p, size_t n);	/* adds a NUL terminator */

void buf_grow(struct buf *b, size_t more);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_addc(struct buf *b, char c);
void buf_adds(struct buf *b, const char *s);
void buf_reset(struct buf *b);		/* len = 0, keeps the memory */
void buf_free(struct buf *b);
char *buf_detach(struct buf *b, size_t *lenp);	/* caller frees */

/* Seconds on CLOCK_MONOTONIC. */
double now_mono(void);

/* The value of hex digit c, or -1. */
int hexval(int c);

/* Sleep ms milliseconds, signals or not. */
void nap_ms(long ms);

/* write(2) all n bytes of p to fd, again after EINTR and short writes;
 * 0, or -1 with errno. */
int write_full(int fd, const void *p, size_t n);

/* pipe(2) with both ends close-on-exec, atomically where the system can
 * (pipe2): another thread may be spawning a job at this very moment, and
 * a write end leaked into that job would hold our EOF back until it
 * exits.  0 or an errno value. */
int cloexec_pipe(int fd[2]);

/*
 * warn(3) and warnx(3), the message written with one write(2).  Worker
 * threads report at the same moment, and glibc writes an unbuffered
 * stderr piece by piece without holding it: two messages could mix on one
 * line.  errno is kept.
 */
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Abort with a message and a core: an invariant of the program is
 * broken, and going on could lose or duplicate output. */
#define BUG(...) util_bug(__FILE__, __LINE__, __VA_ARGS__)
_Noreturn void util_bug(const char *file, int line, const char *fmt, ...);

#endif /* TPMAP_UTIL_H */
