/* SPDX-License-Identifier: MIT */
/*
 * A spool: the bytes of one output stream of one job, first in memory and,
 * past a budget, in an unlinked temporary file.  Every output mode uses it
 * alike: a grouped job collects into it, a held job (-k) waits in it, and
 * --line-buffer writes its complete lines from its front.  So memory stays
 * bounded by the budget whatever a job prints, a line longer than the
 * budget included.  A spool is a FIFO: bytes are added at the end and
 * consumed from the front; its content is mem followed by the file part.
 * It does no locking: one thread at a time owns a job, and so its spools.
 */
#ifndef TPMAP_SPOOL_H
#define TPMAP_SPOOL_H

#include <stddef.h>
#include <sys/types.h>

#include "util.h"

struct spool {
	struct buf mem;			/* the first bytes */
	int fd;				/* the rest, or -1 */
	off_t off;			/* where the rest starts in fd */
	size_t nfile;			/* bytes of the rest */
	size_t lastnl;			/* bytes up to the last newline, or 0 */
	unsigned long long total;	/* bytes ever added (--joblog) */
	int shared;			/* fd is not ours (the held-job store) */
};

/* Bytes a stream keeps in memory before the rest goes to its file. */
#define SPOOL_BUDGET (64 * 1024)

/* An unlinked temporary file in $TMPDIR (or /tmp), close-on-exec: nothing
 * is left behind on any exit, SIGKILL included.  -1 with errno. */
int spill_file(void);

/* An empty spool; spool_release frees what it holds. */
void spool_init(struct spool *s);
void spool_release(struct spool *s);

/* Forget the content, keeping nothing (--retries). */
void spool_reset(struct spool *s);

/* The bytes in the spool now. */
size_t spool_len(const struct spool *s);

/*
 * Read what is there on fd into the spool: memory while it holds less
 * than SPOOL_BUDGET and nothing is in the file, else the file.  Returns 1
 * at end of file, 0 otherwise, and -1 with *err set (an errno value) when
 * fd cannot be read, after a few tries.  A file that cannot be made or
 * written sets *err too and the spool's bytes go back to memory, where it
 * goes on: never lost.
 */
int spool_read(struct spool *s, int fd, int *err);

/* Add n bytes of p (--verbose's command line), as spool_read would. */
void spool_add(struct spool *s, const char *p, size_t n);

/* Drop the first n bytes (n <= spool_len). */
void spool_consume(struct spool *s, size_t n);

/* Give back reading room that memory holds beyond its bytes. */
void spool_fit(struct spool *s);

/*
 * Call fn(arg, p, len) over the first n bytes, in order: the memory part,
 * then the file part read in chunks.  Stops when fn returns non-zero and
 * returns that; else 0, or an errno value when the file cannot be read.
 */
int spool_each(const struct spool *s, size_t n,
    int (*fn)(void *arg, const char *p, size_t len), void *arg);

/* Copy the first k bytes of the file part (after mem) to fd at its file
 * offset, in the kernel where it can (sendfile).  0 or an errno value. */
int spool_copy_file(const struct spool *s, size_t k, int fd);

/* Copy all the spool's bytes to fd at its file offset.  0 or an errno. */
int spool_copy(const struct spool *s, int fd);

/* The byte at position i (< spool_len), or -1 if it cannot be read. */
int spool_byte(const struct spool *s, size_t i);

/* The spool's bytes have been copied to store, from offset at: free the
 * memory and the own file, and refer to store from now on. */
void spool_moved(struct spool *s, int store, off_t at);

#endif /* TPMAP_SPOOL_H */
