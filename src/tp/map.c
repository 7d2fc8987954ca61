/* SPDX-License-Identifier: MIT */
/*
 * tp_map: Python's Executor.map as an ordered iterator over a producer
 * callback.  It keeps a ring of at most `window` submitted futures, tops it
 * up from the producer only while the oldest one is unfinished (so the
 * producer never runs further ahead than the consumer allows), and hands
 * back futures strictly in input order.  It adds no thread: the producer
 * runs on the consumer's thread, inside tp_map_next.
 */
#include <errno.h>
#include <stdlib.h>

#include "tp_internal.h"

struct tp_map {
	struct tp_executor *ex;
	tp_task_fn *fn;
	tp_map_next_fn *next;
	tp_map_drop_fn *drop;
	void *ctx;
	struct tp_future **ring;	/* window slots, oldest at head */
	size_t window;
	size_t head;
	size_t count;
	int ended;			/* the producer has said its last */
	int err;			/* producer or submit error, after ring */
	int has_deadline;
	struct timespec deadline;
};

int
tp_map_create(struct tp_map **mp, struct tp_executor *ex, tp_task_fn *fn,
    tp_map_next_fn *next, void *ctx, const struct tp_map_opts *opts)
{
	static const struct tp_map_opts defaults = TP_MAP_OPTS_INIT;
	struct tp_map *m;

	if (ex == NULL || fn == NULL || next == NULL)
		return EINVAL;
	if (opts == NULL)
		opts = &defaults;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return ENOMEM;
	m->window = opts->window != 0 ? opts->window :
	    64 * (size_t)tp__executor_nworkers(ex);
	if ((m->ring = calloc(m->window, sizeof(*m->ring))) == NULL) {
		free(m);
		return ENOMEM;
	}
	m->ex = ex;
	m->fn = fn;
	m->next = next;
	m->drop = opts->drop;
	m->ctx = ctx;
	if (opts->timeout_ns > 0) {
		m->has_deadline = 1;
		tp__deadline(opts->timeout_ns, &m->deadline);
	}
	*mp = m;
	return 0;
}

/* Ask the producer for one item and submit it. */
static void
produce(struct tp_map *m)
{
	struct tp_future *f;
	void *item = NULL;
	int e;

	if ((e = m->next(m->ctx, &item)) != 0) {
		m->ended = 1;
		if (e != ENOENT)
			m->err = e;
		return;
	}
	if ((e = tp_submit(m->ex, m->fn, item, &f)) != 0) {
		m->ended = 1;
		m->err = e;
		if (m->drop != NULL)
			m->drop(m->ctx, item, NULL);
		return;
	}
	m->ring[(m->head + m->count) % m->window] = f;
	m->count++;
}

/*
 * Nanoseconds left before the map's deadline, at least 0; or TP_FOREVER.
 * A deadline set with a timeout near INT64_MAX can lie more seconds ahead
 * than fit an int64_t in nanoseconds, once the clock's nanoseconds have
 * carried into its seconds: that saturates at INT64_MAX (292 years), which
 * tp__deadline turns back into as distant a deadline.
 */
static int64_t
remaining(const struct tp_map *m)
{
	struct timespec now;
	int64_t sec;
	long nsec;

	if (!m->has_deadline)
		return TP_FOREVER;
	clock_gettime(CLOCK_MONOTONIC, &now);
	sec = (int64_t)(m->deadline.tv_sec - now.tv_sec);
	nsec = m->deadline.tv_nsec - now.tv_nsec;
	if (sec < 0 || (sec == 0 && nsec <= 0))
		return 0;
	if (sec >= INT64_MAX / TP_SEC)
		return INT64_MAX;
	return sec * TP_SEC + nsec;
}

int
tp_map_next(struct tp_map *m, struct tp_future **fp)
{
	struct tp_future *f;

	for (;;) {
		if (m->count > 0) {
			f = m->ring[m->head];
			if (tp_future_wait(f, 0) == 0) {
				m->head = (m->head + 1) % m->window;
				m->count--;
				*fp = f;
				return 0;
			}
		}
		if (!m->ended && m->count < m->window) {
			produce(m);
			continue;
		}
		if (m->count == 0)
			return m->err != 0 ? m->err : ENOENT;
		if (tp_future_wait(m->ring[m->head], remaining(m)) != 0)
			return ETIMEDOUT;
	}
}

void
tp_map_free(struct tp_map *m)
{
	struct tp_future *f;
	size_t i;

	if (m == NULL)
		return;
	/* Cancel them all before waiting for any: a pending future behind
	 * a long-running one must not get its chance to start meanwhile. */
	for (i = 0; i < m->count; i++)
		(void)tp_future_cancel(m->ring[(m->head + i) % m->window]);
	for (; m->count > 0; m->count--) {
		f = m->ring[m->head];
		m->head = (m->head + 1) % m->window;
		/* EBUSY above for a running task: it runs to its end. */
		tp_future_wait(f, TP_FOREVER);
		if (m->drop != NULL)
			m->drop(m->ctx, tp_future_arg(f), f);
		tp_future_release(f);
	}
	free(m->ring);
	free(m);
}
