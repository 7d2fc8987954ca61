/* SPDX-License-Identifier: MIT */
/*
 * Pacing job starts (--delay, --load, --memfree) and --timeout N%'s
 * limit.  Pacing waits on a condition variable that pace_stop wakes, never
 * in a sleep a stopping tpmap would have to sit out; --load and --memfree
 * look again every 100 ms, as nothing signals a change of either.
 */
#define _DEFAULT_SOURCE	/* getloadavg, random */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pace.h"
#include "pathnames.h"
#include "util.h"

/* --timeout N%: successful runtimes kept for the median, at most. */
#define OK_SAMPLE 4096

void
pace_init(struct pace *p, const struct tpmap_opts *o)
{
	memset(p, 0, sizeof(*p));
	p->o = o;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	atomic_init(&p->pct_limit, 0);
}

void
pace_release(struct pace *p)
{
	free(p->ok);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
}

/* Bytes of memory available, from /proc/meminfo; 0 when unknown. */
static unsigned long long
mem_available(void)
{
	FILE *fp;
	char line[256];
	unsigned long long kb = 0;

	if ((fp = fopen(PATH_MEMINFO, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(fp);
	return kb * 1024;
}

/* Wait on cv for secs seconds (on CLOCK_REALTIME, the condition's clock),
 * or until pace_stop; called with mu held. */
static void
wait_for(struct pace *p, double secs)
{
	struct timespec ts;
	double t;

	clock_gettime(CLOCK_REALTIME, &ts);
	t = (double)ts.tv_sec + ts.tv_nsec / 1e9 + secs;
	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L)
		ts.tv_nsec = 999999999L;
	while (!p->stopped && pthread_cond_timedwait(&p->cv, &p->mu, &ts) == 0)
		;
}

/*
 * One job at a time passes, in turn, at least delay seconds after the
 * previous one, and only while the load average is below the limit and
 * enough memory is free.
 */
void
pace_wait(struct pace *p, unsigned long long turn)
{
	const struct tpmap_opts *o = p->o;
	double t, load;

	if (o->delay <= 0 && o->load <= 0 && o->memfree == 0)
		return;
	pthread_mutex_lock(&p->mu);
	/* A later job's worker may get here first; were it let through, the
	 * earlier job would wait the delay (parallel starts them in order). */
	while (!p->stopped && p->turn != turn)
		pthread_cond_wait(&p->cv, &p->mu);
	/* Waiting releases mu: another worker may pass meanwhile, so look
	 * again after every wait. */
	while (o->delay > 0 && !p->stopped && (t = now_mono()) < p->next_start)
		wait_for(p, p->next_start - t);
	while (!p->stopped &&
	    ((o->load > 0 && getloadavg(&load, 1) == 1 && load >= o->load) ||
	    (o->memfree > 0 && mem_available() < o->memfree)))
		wait_for(p, 0.1);
	p->next_start = now_mono() + o->delay;
	p->turn++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void
pace_stop(struct pace *p)
{
	pthread_mutex_lock(&p->mu);
	p->stopped = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

double
pace_timeout(struct pace *p)
{
	if (p->o->timeout > 0)
		return p->o->timeout;
	return atomic_load(&p->pct_limit);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Publish N% of the median once three jobs have succeeded (too few to
 * trust before).  Sorting on every insert is quadratic only in the first
 * 64; after that the median is refreshed at each doubling and every 1024
 * jobs, which is plenty for a median. */
void
pace_runtime(struct pace *p, double t)
{
	unsigned long long k;
	double *copy, limit;
	size_t n;

	/* Past OK_SAMPLE runtimes keep a uniform random sample of them
	 * (reservoir sampling): memory stays constant on endless input, and
	 * the sample's median is the median's estimate. */
	if (p->nok < OK_SAMPLE) {
		if (p->nok == p->capok) {
			p->capok = p->capok ? 2 * p->capok : 64;
			p->ok = xreallocarray(p->ok, p->capok, sizeof(*p->ok));
		}
		p->ok[p->nok] = t;
	} else if ((k = (unsigned long long)random() % (p->nok + 1)) <
	    OK_SAMPLE)
		p->ok[k] = t;
	p->nok++;
	n = p->nok < OK_SAMPLE ? p->nok : OK_SAMPLE;
	if (p->nok < 3 || !(p->nok <= 64 || (p->nok & (p->nok - 1)) == 0 ||
	    p->nok % 1024 == 0))
		return;
	copy = xreallocarray(NULL, n, sizeof(*copy));
	memcpy(copy, p->ok, n * sizeof(*copy));
	qsort(copy, n, sizeof(*copy), cmp_double);
	limit = copy[n / 2] * p->o->timeout_pct / 100;
	free(copy);
	/* A job must get some time, however fast the others were. */
	atomic_store(&p->pct_limit, limit > 0 && limit < 0.01 ? 0.01 : limit);
}
