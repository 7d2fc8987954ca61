/* SPDX-License-Identifier: MIT */
/*
 * Output: owns tpmap's stdout and stderr while jobs run.  Grouped (each
 * job's stdout then stderr, whole, when it ends), in input order with -k
 * (a finished job waits for its predecessors), line-buffered (complete
 * lines as they come), or ungrouped (the jobs write themselves).  --tag
 * and --tagstring prefix every line; --results and --files send each job's
 * output to files instead.
 */
#ifndef TPMAP_OUTPUT_H
#define TPMAP_OUTPUT_H

#include "options.h"
#include "progress.h"
#include "job.h"

struct output;

struct output *out_create(const struct tpmap_opts *o);

/* Hide pg's status line while writing to its terminal; pg may be NULL.
 * Call before any job has started. */
void out_set_progress(struct output *out, struct progress *pg);

/* What of a job's output could not be delivered, for the emitted hook:
 * tpmap's stdout failed, its stderr failed, --results or --files could
 * not save it, or it could not all be read from the job (job.unread). */
#define OUT_LOST_STDOUT 1
#define OUT_LOST_STDERR 2
#define OUT_LOST_FILE 4
#define OUT_LOST_READ 8

/* Called for every job that ran, once its output has been written (or
 * could not be), in the order jobs are emitted, with lost 0 or the
 * OUT_LOST_* bits; j is valid for the call only.  It runs on the
 * finisher, under output's lock: it may take only leaf locks, and must
 * not call output. */
typedef void out_emitted_fn(void *arg, const struct job *j, int lost);

/* Set the emitted hook; call before any job has started. */
void out_on_emitted(struct output *out, out_emitted_fn *fn, void *arg);

/* --results DIR: make DIR (and its parents) and check that files can be
 * made in it.  0, or -1 after a message naming DIR.  Before any job
 * starts, so that a bad DIR loses no job's output. */
int out_results_dir(const char *dir);

/* Flush nothing further (every job must have been handed over) and free.
 * Returns 0, or the errno of the first write error. */
int out_free(struct output *out);

/* Job j is FINISHED or SKIPPED: emit its output now or, with -k, once its
 * predecessors have been emitted; then free it.  With -k every sequence
 * number from 1 on must come exactly once, a SKIPPED job standing for
 * one that prints nothing: a second one aborts, and so does out_free if
 * one is missing.  Thread-safe; called by the finisher only. */
void out_job_done(struct output *out, struct job *j);

/* --line-buffer: write the complete lines gathered so far in j's stream
 * i (0 stdout, 1 stderr), or with final everything left, and drop them
 * from its spool; with -k only while j is the oldest job not emitted.
 * Thread-safe; called by the worker running j. */
void out_lines(struct output *out, struct job *j, int i, int final);

/* Write s (len bytes) and a newline to fd under the output lock: -t,
 * --dry-run.  Thread-safe. */
void out_text(struct output *out, int fd, const char *s, size_t len);

/* s and a newline for standard output, written in blocks of 64 KiB and by
 * out_flush, which must come before any other output to fd 1 and before
 * out_free.  For the many short lines of --dry-run. */
void out_line(struct output *out, const char *s, size_t len);
void out_flush(struct output *out);

/* Whether writing has failed (stdout closed or full): stop starting jobs. */
int out_failed(struct output *out);

#endif /* TPMAP_OUTPUT_H */
