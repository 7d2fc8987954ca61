/* SPDX-License-Identifier: MIT */
/*
 * A GNU make jobserver client.  Inside a recipe of `make -jN`, MAKEFLAGS
 * names the jobserver: --jobserver-auth=R,W (two inherited pipe
 * descriptors, make 4.3; --jobserver-fds=R,W before it) or
 * --jobserver-auth=fifo:PATH (a named pipe, make 4.4).  The pipe holds one
 * byte, a token, per job slot beyond the first; every process make runs
 * already owns one slot, its implicit one.  tpmap runs a job on its
 * implicit slot, reads a token before starting each further concurrent
 * job, and writes that same byte back when the job ends, so that the whole
 * build never runs more than N jobs.
 *
 * The inherited descriptors are left open for the jobs, as make does for
 * a recipe marked with +: a make or tpmap that a job runs then takes its
 * own further slots from the same jobserver, its first job running on the
 * token that tpmap holds for it.
 */
#ifndef TPMAP_JOBSERVER_H
#define TPMAP_JOBSERVER_H

struct jobserver;

/*
 * The jobserver named by makeflags (the value of MAKEFLAGS, or NULL), or
 * NULL when it names none.  A jobserver that cannot be used (descriptors
 * closed because make did not mark the recipe with +, not pipes, a FIFO
 * that cannot be opened) is reported in one warning line on stderr and
 * NULL is returned: tpmap then runs as if there were none.  Call it
 * before opening any file, so that a descriptor number make meant but did
 * not pass is not taken for one of tpmap's own.  Release with
 * jobserver_free.
 */
struct jobserver *jobserver_open(const char *makeflags);

/*
 * Take a job slot: the implicit one when it is free, else a token read
 * from the jobserver.  Blocks until one of them is free or
 * jobserver_cancel is called; a worker blocks here, not tpmap's input or
 * output.  Returns 0 with *token set (-1 for the implicit slot, else the
 * byte read), or ECANCELED.  Pass *token to jobserver_release when the
 * job ends.  Thread-safe.
 */
int jobserver_acquire(struct jobserver *js, int *token);

/* Give back a slot taken with jobserver_acquire: the implicit slot, or
 * the token, written back to the jobserver.  Thread-safe; does not block
 * but for the write of one byte to a pipe. */
void jobserver_release(struct jobserver *js, int token);

/* Make every waiting and later jobserver_acquire return ECANCELED: tpmap
 * is stopping (--halt, a signal, stdout gone).  Thread-safe; not
 * async-signal-safe. */
void jobserver_cancel(struct jobserver *js);

/* Give back any token still held (on the normal path there is none:
 * every job has ended), close what was opened and free js; js may be
 * NULL.  Not thread-safe: every worker must be done. */
void jobserver_free(struct jobserver *js);

#endif /* TPMAP_JOBSERVER_H */
