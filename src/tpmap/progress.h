/* SPDX-License-Identifier: MIT */
/*
 * --progress, --eta and --bar: one status line on standard error, drawn
 * only while standard error is a terminal.  main.c reports what the jobs
 * do; output.c hides the line while it writes to the same terminal.  Every
 * function accepts NULL (nothing is drawn), so that callers need no test.
 */
#ifndef TPMAP_PROGRESS_H
#define TPMAP_PROGRESS_H

#include "options.h"

struct progress;

/*
 * Start drawing what o asks for; without --progress, --eta or --bar the
 * line is off until progress_toggle.  Returns NULL when there is nothing
 * to draw on: --dry-run, or standard error is not a terminal (then
 * nothing at all is written: no control character ever reaches a pipe or
 * a file).  The drawing thread inherits the signal mask of the caller
 * that starts it (this or progress_toggle).  Release with progress_free.
 */
struct progress *progress_create(const struct tpmap_opts *o);

/* Clear the line, stop drawing and free p, which may be NULL.  Every job
 * must have ended and no output may be under way. */
void progress_free(struct progress *p);

/* The input has ended: n jobs were handed over to run, the real total,
 * which replaces --total-jobs.  Thread-safe. */
void progress_total(struct progress *p, unsigned long long n);

/* A job has started; it has ended (counted: it ran, and is counted as
 * done, failed when it failed; else tpmap stopped it).  Thread-safe. */
void progress_job_started(struct progress *p);
void progress_job_ended(struct progress *p, int counted, int failed);

/* SIGUSR2: turn the line off, or on (the counts of --progress when no
 * option chose what to draw).  Thread-safe. */
void progress_toggle(struct progress *p);

/* Whether what is written to fd (1 or 2) shows on the line's terminal. */
int progress_shares(const struct progress *p, int fd);

/*
 * Before writing to a descriptor that shares the terminal: clear the
 * line, and draw nothing until progress_show.  After the writes,
 * progress_show with at_bol saying whether the last byte written ended a
 * line: the line is drawn again only at the start of a line, so that it
 * never overwrites a job's unfinished line.  Thread-safe; calls nest.
 */
void progress_hide(struct progress *p);
void progress_show(struct progress *p, int at_bol);

#endif /* TPMAP_PROGRESS_H */
