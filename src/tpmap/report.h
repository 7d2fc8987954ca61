/* SPDX-License-Identifier: MIT */
/*
 * Outcomes: which jobs failed, --halt, and the exit status that follows,
 * as GNU parallel's: 0 when every job succeeded, the number of failed jobs
 * up to 100, 101 for more, 255 for tpmap's own failure; after a --halt on
 * fail=1 the failing job's status, after one on success 0.
 */
#ifndef TPMAP_REPORT_H
#define TPMAP_REPORT_H

#include "job.h"
#include "options.h"

/* Whether job j failed: non-zero exit, a signal, a timeout, or no
 * process could be started. */
int report_failed(const struct job *j);

/*
 * Record the outcome of job j, which ran to its end, against halt h, with
 * total the number of jobs (0 while unknown: N% then counts the jobs
 * done so far).  Returns what to do now: HALT_NEVER (go on), HALT_SOON or
 * HALT_NOW; the first such answer is the halt, later ones repeat it.
 * *matched is set when the job is of the kind h watches (a failure for
 * fail=...), for the "This job failed" message.  Not thread-safe: the
 * finisher's alone.
 */
enum halt_when report_job(const struct job *j, const struct halt *h,
    unsigned long long total, int *matched);

/* The exit status for the jobs recorded so far. */
int report_status(const struct halt *h);

#endif /* TPMAP_REPORT_H */
