/* SPDX-License-Identifier: MIT */
/*
 * tp-bench: how many empty tasks per second libtp runs end to end.  It
 * measures submit+result with 1, 2 and 8 workers and tp_map with 2 workers,
 * three times each, and prints one line per run and one with the best run.
 * The tasks do nothing, so the figures are the cost of libtp itself: queue,
 * futures, wake-ups and reference counting.  It is a measuring tool, not a
 * test: it asserts no speed.
 */
#include <err.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tp.h"

#define REPEAT 3

/*
 * Futures are kept in batches of this many, so that memory stays bounded
 * whatever -n says; a batch is submitted whole, then waited for in order.
 */
#define BATCH ((size_t)65536)

/* The state of the map producer: hands out 0, 1, ..., n - 1. */
struct counter {
	size_t next;
	size_t n;
};

static void
usage(void)
{
	fprintf(stderr, "usage: tp-bench [-n tasks]\n");
	exit(1);
}

static double
now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		err(1, "clock_gettime");
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The empty task. */
static int
empty(struct tp_future *self, void *arg, void **result)
{
	(void)self;
	(void)arg;
	(void)result;
	return 0;
}

static int
counter_next(void *ctx, void **item)
{
	struct counter *c = ctx;

	if (c->next == c->n)
		return ENOENT;
	*item = (void *)(uintptr_t)c->next++;
	return 0;
}

/* Check that f ran its task to success, then give back its reference. */
static void
collect(struct tp_future *f)
{
	void *res;
	int e, status;

	if ((e = tp_future_result(f, TP_FOREVER, &res, &status)) != 0)
		errx(1, "tp_future_result: %s", strerror(e));
	if (status != 0 || res != NULL)
		errx(1, "empty task: status %d, result %p", status, res);
	tp_future_release(f);
}

/*
 * Submit n empty tasks to a new executor of nworkers workers and take each
 * result in order.  Returns the tasks per second, counted from the first
 * tp_submit to the last tp_future_release.
 */
static double
bench_submit(unsigned nworkers, size_t n, struct tp_future **fs)
{
	struct tp_executor *ex;
	double t0, t1;
	size_t done, i, k;
	int e;

	if ((e = tp_executor_create(&ex, nworkers, NULL)) != 0)
		errx(1, "tp_executor_create: %s", strerror(e));
	t0 = now();
	for (done = 0; done < n; done += k) {
		k = n - done < BATCH ? n - done : BATCH;
		for (i = 0; i < k; i++)
			if ((e = tp_submit(ex, empty, NULL, &fs[i])) != 0)
				errx(1, "tp_submit: %s", strerror(e));
		for (i = 0; i < k; i++)
			collect(fs[i]);
	}
	t1 = now();
	tp_executor_free(ex);
	return (double)n / (t1 - t0);
}

/*
 * Map the empty task over the integers 0 to n - 1 with nworkers workers and
 * the default window.  Returns the tasks per second, counted from
 * tp_map_create to the return of tp_map_free.
 */
static double
bench_map(unsigned nworkers, size_t n)
{
	struct counter c = { 0, n };
	struct tp_executor *ex;
	struct tp_future *f;
	struct tp_map *m;
	double t0, t1;
	size_t got;
	int e;

	if ((e = tp_executor_create(&ex, nworkers, NULL)) != 0)
		errx(1, "tp_executor_create: %s", strerror(e));
	t0 = now();
	if ((e = tp_map_create(&m, ex, empty, counter_next, &c, NULL)) != 0)
		errx(1, "tp_map_create: %s", strerror(e));
	for (got = 0; (e = tp_map_next(m, &f)) == 0; got++) {
		if ((uintptr_t)tp_future_arg(f) != (uintptr_t)got)
			errx(1, "tp_map_next: item %zu out of order", got);
		collect(f);
	}
	if (e != ENOENT)
		errx(1, "tp_map_next: %s", strerror(e));
	if (got != n)
		errx(1, "tp_map_next: %zu futures for %zu items", got, n);
	tp_map_free(m);
	t1 = now();
	tp_executor_free(ex);
	return (double)n / (t1 - t0);
}

/* Print one line of results; which says what run it was. */
static void
report(const char *what, unsigned nworkers, size_t n, double rate,
    const char *which)
{
	if (printf("%-13s  workers=%u  tasks=%zu  %9.0f tasks/s  %s\n", what,
	    nworkers, n, rate, which) < 0 || fflush(stdout) == EOF)
		err(1, "stdout");
}

/*
 * Run one benchmark REPEAT times and print every run, then the best one:
 * submit+result with the batch array fs, or map when fs is NULL.
 */
static void
measure(unsigned nworkers, size_t n, struct tp_future **fs)
{
	const char *what = fs != NULL ? "submit+result" : "map";
	char which[32];
	double best, rate;
	int r;

	best = 0;
	for (r = 1; r <= REPEAT; r++) {
		rate = fs != NULL ? bench_submit(nworkers, n, fs) :
		    bench_map(nworkers, n);
		(void)snprintf(which, sizeof(which), "run %d/%d", r, REPEAT);
		report(what, nworkers, n, rate, which);
		if (rate > best)
			best = rate;
	}
	(void)snprintf(which, sizeof(which), "best of %d", REPEAT);
	report(what, nworkers, n, best, which);
}

int
main(int argc, char *argv[])
{
	static const unsigned workers[] = { 1, 2, 8 };
	struct tp_future **fs;
	char *arg, *end;
	unsigned long long v;
	size_t i, n = 1000000;

	/*
	 * One option, parsed by hand: with libbsd-overlay, getopt becomes
	 * bsd_getopt, and the Makefile links tp-bench without libbsd.
	 */
	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strncmp(argv[i], "-n", 2) != 0)
			break;
		if (argv[i][2] != '\0')
			arg = argv[i] + 2;
		else if (i + 1 < (size_t)argc)
			arg = argv[++i];
		else
			usage();
		errno = 0;
		v = strtoull(arg, &end, 10);
		if (arg[0] < '0' || arg[0] > '9' || *end != '\0' ||
		    errno != 0 || v == 0 || v > SIZE_MAX / sizeof(*fs))
			errx(1, "-n %s: invalid task count", arg);
		n = (size_t)v;
	}
	if (i != (size_t)argc)
		usage();

	if ((fs = calloc(n < BATCH ? n : BATCH, sizeof(*fs))) == NULL)
		err(1, "calloc");
	for (i = 0; i < sizeof(workers) / sizeof(workers[0]); i++)
		measure(workers[i], n, fs);
	free(fs);
	measure(2, n, NULL);
	return 0;
}
