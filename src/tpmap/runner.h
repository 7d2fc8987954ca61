/* SPDX-License-Identifier: MIT */
/*
 * The runner: everything between "a job is ready" and "its output is out".
 * The main thread hands it jobs one at a time (runner_submit, runner_skip,
 * runner_dry_run or runner_alone); workers of a libtp executor start,
 * watch and collect them; one finisher thread takes every finished or
 * skipped job, in completion order, and reports, logs, halts and prints
 * it.  ARCHITECTURE.md draws the threads and the lock order.
 *
 * Every function here is for the main thread only, unless it says
 * otherwise.
 */
#ifndef TPMAP_RUNNER_H
#define TPMAP_RUNNER_H

#include "build.h"
#include "job.h"
#include "joblog.h"
#include "jobserver.h"
#include "options.h"

struct runner;

/* A runner for the jobs of o, built with b, logged to jl (or NULL), with
 * make's jobserver js (or NULL).  b, jl and js are borrowed: they must
 * outlive runner_finish.  No thread starts until the first job comes. */
struct runner *runner_create(const struct tpmap_opts *o,
    const struct builder *b, struct joblog *jl, struct jobserver *js);

/* Hand NEW job j over to run: it is queued for a worker (blocking while
 * -j jobs already wait).  Returns 0, or 255 when it could not be (the job
 * then reaches output as SKIPPED, and nothing more should be handed). */
int runner_submit(struct runner *r, struct job *j);

/* Hand over NEW or SKIPPED job j, which will not run (--resume, a source's
 * succeeded row, tpmap stopping): output still learns its number. */
void runner_skip(struct runner *r, struct job *j);

/* --dry-run: build NEW job j, print its command line, free it. */
void runner_dry_run(struct runner *r, struct job *j);

/* Run NEW job j, the whole input, on this thread, with no executor and
 * no thread: the common `tpmap cmd ::: x` starts in the time of one
 * spawn.  Call it as the only job of the runner. */
void runner_alone(struct runner *r, struct job *j);

/* n jobs in all: once the input has ended, or before the first job when
 * a source knows (--shuf), for the progress line and --halt's N%. */
void runner_total(struct runner *r, unsigned long long n);

/* Whether tpmap is stopping (--halt, a signal, stdout gone, a fatal
 * error): hand over no new job to run.  Thread-safe. */
int runner_stopping(struct runner *r);

/*
 * Every job has been handed over: wait for them all to be printed, stop
 * the threads, free r, and return the exit status, with status (0 or 255)
 * what the main loop met.  Does not return when tpmap must die of a
 * signal (one it was sent, or SIGPIPE when its stdout went away).
 */
int runner_finish(struct runner *r, int status);

#endif /* TPMAP_RUNNER_H */
