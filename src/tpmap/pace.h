/* SPDX-License-Identifier: MIT */
/*
 * When a job may start and how long it may run, beyond -j: --delay,
 * --load and --memfree hold jobs back (one passes at a time), and
 * --timeout N% takes its limit from the median runtime of the jobs that
 * succeeded so far.  The runner owns one struct pace.
 */
#ifndef TPMAP_PACE_H
#define TPMAP_PACE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "options.h"

struct pace {
	const struct tpmap_opts *o;
	/* Pacing: one worker at a time, under mu, which guards nothing
	 * else, so that its waits delay no other thread. */
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* pace_stop wakes a waiting worker */
	double next_start;
	unsigned long long turn;	/* the job whose turn it is */
	int stopped;
	/* --timeout N%: successful runtimes (or a sample of them), the
	 * finisher's alone; the limit they give, read by workers. */
	double *ok;
	size_t nok, capok;
	_Atomic double pct_limit;
};

/* Set p up for the options o (borrowed); pace_release frees. */
void pace_init(struct pace *p, const struct tpmap_opts *o);
void pace_release(struct pace *p);

/* Hold the calling worker until a job may start, as --delay, --load and
 * --memfree ask; returns at once after pace_stop.  Jobs pass in the order
 * of turn, numbered from 0 without gaps in the order they were handed to
 * the executor: workers take jobs in that order but may reach pace_wait
 * in another.  Thread-safe; blocks. */
void pace_wait(struct pace *p, unsigned long long turn);

/* Let every waiting and future pace_wait return at once.  Thread-safe. */
void pace_stop(struct pace *p);

/* The timeout of the next job in seconds, or 0 for none.  Thread-safe. */
double pace_timeout(struct pace *p);

/* A job succeeded in t seconds (--timeout N%).  Not thread-safe: one
 * thread (the finisher) reports runtimes. */
void pace_runtime(struct pace *p, double t);

#endif /* TPMAP_PACE_H */
