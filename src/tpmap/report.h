/* SPDX-License-Identifier: MIT */
/*
 * Outcomes: which jobs failed and the exit status that follows, as GNU
 * parallel's: 0 when every job succeeded, the number of failed jobs up to
 * 100, 101 for more, 255 for tpmap's own failure.
 */
#ifndef TPMAP_REPORT_H
#define TPMAP_REPORT_H

#include "spawn.h"

/* Record job j's outcome.  Thread-safe. */
void report_job(const struct job *j);

/* Whether job j failed: non-zero exit, a signal, or never started. */
int report_failed(const struct job *j);

/* The exit status for the jobs recorded so far. */
int report_status(void);

#endif /* TPMAP_REPORT_H */
