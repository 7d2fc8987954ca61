/* SPDX-License-Identifier: MIT */
/*
 * What a job is given on its standard input with --pipe and --pipepart:
 * a header (the same for every job), then a block of bytes in memory
 * (--pipe) or a byte range of a file (--pipepart), written by the worker
 * that runs the job into a pipe whose other end is the job's stdin.  The
 * block stays with the job until its last attempt, so that --retries gives
 * every attempt the same bytes.  A job that stops reading (it exits, or
 * closes its stdin) ends the writing; the rest of its block is dropped.
 * GNU parallel's jobs then die of SIGPIPE (a wrapper process of its own
 * copies the block into the job and is killed by the write): spawn.c
 * reports the job alike.  It is never an error of tpmap's.
 *
 * With --cat the block is not written into the job's stdin but into a
 * temporary file, made when the job is (its name is the job's {}), and
 * written again before every attempt; with --fifo, into a named pipe in
 * a private directory, which a thread of the attempt's opens for writing
 * (the open blocks until the job opens it for reading), so that the
 * worker's poll loop goes on meanwhile.  The job's stdin is then
 * /dev/null.  jobin_free removes the file, or the FIFO and its directory.
 *
 * With --round-robin and --tee the job's stdin is a stream (stream.h):
 * the header, then chunks given while the job runs, until the input ends.
 */
#ifndef TPMAP_JOBIN_H
#define TPMAP_JOBIN_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

struct blockpool;
struct stream;

enum jobin_kind {
	JOBIN_PIPE,		/* into the job's stdin */
	JOBIN_CAT,		/* into a file, --cat */
	JOBIN_FIFO,		/* through a named pipe, --fifo */
	JOBIN_STREAM		/* a stream, --round-robin, --tee */
};

struct jobin {
	const char *head;	/* the header, borrowed from the source */
	size_t headlen;
	char *mem;		/* the block, owned (--pipe), or NULL */
	size_t len;
	size_t cap;		/* mem's size, when it goes back to ... */
	struct blockpool *pool;	/* ... this pool, or NULL: free(3) */
	int fd;			/* --pipepart: the file, borrowed, or -1 */
	off_t off;		/* ... its range */
	size_t flen;
	enum jobin_kind kind;
	char *path;		/* --cat's file, --fifo's FIFO, owned */
	struct stream *st;	/* JOBIN_STREAM: borrowed from its set */
	int partial_ok;		/* --tee: a job may stop reading early */
};

/*
 * Block buffers used again: a fresh buffer of megabytes costs a page
 * fault and a page cleared by the kernel every 4 KiB, as much as the
 * copy of its bytes.  The pool keeps at most max buffers (as many as can
 * be in use at once); get and put are thread-safe (the main thread reads
 * blocks, workers give them back) and never block for long.
 */
struct blockpool *blockpool_create(size_t max);
void blockpool_free(struct blockpool *p);

/* A buffer of at least want bytes, its size in *cap; blockpool_put or
 * free(3) releases it. */
char *blockpool_get(struct blockpool *p, size_t want, size_t *cap);
void blockpool_put(struct blockpool *p, char *mem, size_t cap);

/* One attempt's writing of a jobin into the job's stdin pipe. */
struct jobin_feed {
	const struct jobin *in;
	size_t pos;		/* bytes written so far */
	int fd;			/* the pipe's write end, or -1 once done */
	int pollfd;		/* what to poll before writing again ... */
	short pollev;		/* ... for these events */
	int broken;		/* the job stopped reading before the end */
	/* --fifo: fd is first the read end of a pipe whose write end the
	 * opener thread closes once its open(2) of the FIFO returns; the
	 * FIFO then takes fd's number (dup3), so that the caller's poll goes
	 * on with the same descriptor. */
	pthread_t opener;
	int opening;		/* the opener is to be joined */
	int wakefd;		/* its end of the pipe */
	int wfd;		/* what its open returned */
};

/* A jobin owning mem (n bytes, malloc'd; may be NULL with n 0), with the
 * header head borrowed.  jobin_free frees it. */
struct jobin *jobin_new(const char *head, size_t headlen, char *mem,
    size_t n);
void jobin_free(struct jobin *in);

/* A jobin whose block is the stream st, after the header head; both
 * borrowed. */
struct jobin *jobin_new_stream(const char *head, size_t headlen,
    struct stream *st);

/* Make in's file (--cat, kind JOBIN_CAT) or FIFO in a new directory
 * (--fifo, JOBIN_FIFO) in $TMPDIR, its name in in->path.  0, or -1
 * after a message naming it. */
int jobin_mktemp(struct jobin *in, enum jobin_kind kind);

/* The bytes the job is given: header and block (--joblog's Send). */
unsigned long long jobin_size(const struct jobin *in);

/* Make the pipe for one attempt: *childfd is the read end for the job's
 * stdin (close-on-exec: the spawn dup2's it; the caller closes it once
 * the job is started), f's end is non-blocking.  0 or an errno value.
 * --cat writes the file here, f->fd -1, and --fifo starts the opener;
 * both leave *childfd -1 (the job's stdin is /dev/null). */
int jobin_open(struct jobin_feed *f, const struct jobin *in, int *childfd);

/* Write what the pipe takes now.  Returns 1 when the writing is over
 * (all given, or the job stopped reading), the pipe closed; 0 while more
 * is to come: poll f->pollfd for f->pollev, then call it again.  Never
 * blocks.  f->pos counts the bytes written. */
int jobin_write(struct jobin_feed *f);

/* Stop writing (the job ended) and close the pipe; f->fd may be -1.
 * A FIFO the job never opened, with bytes to give, counts as broken. */
void jobin_close(struct jobin_feed *f);

#endif /* TPMAP_JOBIN_H */
