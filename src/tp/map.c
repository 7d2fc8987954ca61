/* SPDX-License-Identifier: MIT */
/*
 * tp_map: Python's Executor.map as an ordered iterator, over a producer
 * callback (a pulled map) or over items that any thread pushes (a pushed
 * map).  It keeps a ring of at most `window` submitted futures and hands
 * back futures strictly in input order.  A pulled map tops the ring up
 * from the producer only while the oldest future is unfinished (so the
 * producer never runs further ahead than the consumer allows) and adds no
 * thread: the producer runs on the consumer's thread, inside tp_map_next,
 * and only that thread touches the ring.  A pushed map's ring is shared
 * by the pushers and the consumer under the map's lock, which comes
 * before the executor's (tp_map_push submits under it, so that the ring's
 * order is the order of the pushes); a full ring blocks the pushers.
 */
#include <errno.h>
#include <stdlib.h>

#include "tp_internal.h"

struct tp_map {
	struct tp_executor *ex;
	tp_task_fn *fn;
	tp_map_next_fn *next;		/* NULL for a pushed map */
	tp_map_drop_fn *drop;
	void *ctx;
	unsigned flags;
	struct tp_future **ring;	/* window slots, oldest at head */
	size_t window;
	/* A pushed map's fields below are under mu. */
	size_t head;
	size_t count;
	int ended;			/* end of the input, or closed */
	int stopped;			/* TP_MAP_STOP_ON_ERROR stopped it */
	int err;			/* producer or submit error, after ring */
	int has_deadline;
	struct timespec deadline;
	/* A pushed map only: */
	int pushed;
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* a push, the end, or a free slot */
};

static int
map_alloc(struct tp_map **mp, struct tp_executor *ex, tp_task_fn *fn,
    const struct tp_map_opts *opts)
{
	static const struct tp_map_opts defaults = TP_MAP_OPTS_INIT;
	struct tp_map *m;

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
	m->drop = opts->drop;
	m->flags = opts->flags;
	if (opts->timeout_ns > 0) {
		m->has_deadline = 1;
		tp__deadline(opts->timeout_ns, &m->deadline);
	}
	*mp = m;
	return 0;
}

int
tp_map_create(struct tp_map **mp, struct tp_executor *ex, tp_task_fn *fn,
    tp_map_next_fn *next, void *ctx, const struct tp_map_opts *opts)
{
	struct tp_map *m;
	int e;

	if (ex == NULL || fn == NULL || next == NULL)
		return EINVAL;
	if ((e = map_alloc(&m, ex, fn, opts)) != 0)
		return e;
	m->next = next;
	m->ctx = ctx;
	*mp = m;
	return 0;
}

int
tp_map_create_pushed(struct tp_map **mp, struct tp_executor *ex,
    tp_task_fn *fn, void *ctx, const struct tp_map_opts *opts)
{
	struct tp_map *m;
	int e;

	if (ex == NULL || fn == NULL)
		return EINVAL;
	if ((e = map_alloc(&m, ex, fn, opts)) != 0)
		return e;
	m->ctx = ctx;
	m->pushed = 1;
	if ((e = pthread_mutex_init(&m->mu, NULL)) != 0)
		goto fail;
	if ((e = tp__cond_init(&m->cv)) != 0) {
		pthread_mutex_destroy(&m->mu);
		goto fail;
	}
	*mp = m;
	return 0;

fail:
	free(m->ring);
	free(m);
	return e;
}

/*
 * Items a pulled map asks its producer for before it submits them, all
 * under one hold of the executor lock (tp__submit_many): one lock and one
 * wake-up per refill instead of one per item.
 */
#define REFILL 64

/* Ask the producer for items up to the window's room and submit them. */
static void
produce(struct tp_map *m)
{
	struct tp_future *fs[REFILL];
	void *items[REFILL];
	size_t i, k, n, room = m->window - m->count;
	int e;

	for (k = 0; k < REFILL && k < room; k++) {
		items[k] = NULL;
		if ((e = m->next(m->ctx, &items[k])) != 0) {
			m->ended = 1;
			if (e != ENOENT)
				m->err = e;
			break;
		}
	}
	if (k == 0)
		return;
	n = tp__submit_many(m->ex, m->fn, items, k, fs, &e);
	for (i = 0; i < n; i++) {
		m->ring[(m->head + m->count) % m->window] = fs[i];
		m->count++;
	}
	if (n < k) {
		/* A submit error comes before the producer's, which was
		 * for a later item. */
		m->ended = 1;
		m->err = e;
		if (m->drop != NULL)
			for (i = n; i < k; i++)
				m->drop(m->ctx, items[i], NULL);
	}
}

/*
 * The earlier of the map's deadline and the call's (timeout_ns from now,
 * none if negative) in *dl; NULL when neither exists.
 */
static const struct timespec *
call_deadline(const struct tp_map *m, int64_t timeout_ns, struct timespec *dl)
{
	if (timeout_ns < 0)
		return m->has_deadline ? &m->deadline : NULL;
	tp__deadline(timeout_ns, dl);
	if (m->has_deadline && (m->deadline.tv_sec < dl->tv_sec ||
	    (m->deadline.tv_sec == dl->tv_sec &&
	    m->deadline.tv_nsec < dl->tv_nsec)))
		*dl = m->deadline;
	return dl;
}

/*
 * Nanoseconds left before dl, at least 0; TP_FOREVER for none.
 * A deadline set with a timeout near INT64_MAX can lie more seconds ahead
 * than fit an int64_t in nanoseconds, once the clock's nanoseconds have
 * carried into its seconds: that saturates at INT64_MAX (292 years), which
 * tp__deadline turns back into as distant a deadline.
 */
static int64_t
remaining(const struct timespec *dl)
{
	struct timespec now;
	int64_t sec;
	long nsec;

	if (dl == NULL)
		return TP_FOREVER;
	clock_gettime(CLOCK_MONOTONIC, &now);
	sec = (int64_t)(dl->tv_sec - now.tv_sec);
	nsec = dl->tv_nsec - now.tv_nsec;
	if (sec < 0 || (sec == 0 && nsec <= 0))
		return 0;
	if (sec >= INT64_MAX / TP_SEC)
		return INT64_MAX;
	return sec * TP_SEC + nsec;
}

/* A future that Python's map would raise for: failed or cancelled. */
static int
failed(struct tp_future *f)
{
	int st = 0;

	return tp_future_result(f, 0, NULL, &st) != 0 || st != 0;
}

/*
 * TP_MAP_STOP_ON_ERROR: the consumer is getting a failed future, so the
 * map ends there (Python's map raises, and its generator's cleanup
 * cancels the rest).  The futures still in the ring are cancelled now,
 * unlocked (their callbacks are user code); running ones run to their end.
 * tp_map_free hands their items to drop.  No one else changes the ring
 * once stopped is set: the producer is not called again and pushers see
 * it under the lock.
 */
static void
stop(struct tp_map *m)
{
	size_t i;

	if (m->pushed) {
		pthread_mutex_lock(&m->mu);
		m->stopped = 1;
		pthread_cond_broadcast(&m->cv);
		pthread_mutex_unlock(&m->mu);
	} else {
		m->stopped = 1;
	}
	for (i = 0; i < m->count; i++)
		(void)tp_future_cancel(m->ring[(m->head + i) % m->window]);
}

/* Take the ring's oldest future, which has finished. */
static struct tp_future *
pop(struct tp_map *m)
{
	struct tp_future *f = m->ring[m->head];

	m->head = (m->head + 1) % m->window;
	m->count--;
	return f;
}

static int
next_pulled(struct tp_map *m, const struct timespec *dl, struct tp_future **fp)
{
	for (;;) {
		if (m->count > 0 && tp_future_wait(m->ring[m->head], 0) == 0) {
			*fp = pop(m);
			return 0;
		}
		if (!m->ended && m->count < m->window) {
			produce(m);
			continue;
		}
		if (m->count == 0)
			return m->err != 0 ? m->err : ENOENT;
		if (tp_future_wait(m->ring[m->head], remaining(dl)) != 0)
			return ETIMEDOUT;
	}
}

/* Only this thread pops, so the head stays while it waits unlocked. */
static int
next_pushed(struct tp_map *m, const struct timespec *dl, struct tp_future **fp)
{
	struct tp_future *f;
	int e, timedout = 0;

	pthread_mutex_lock(&m->mu);
	for (;;) {
		if (m->count > 0) {
			f = m->ring[m->head];
			if (tp_future_wait(f, 0) == 0) {
				*fp = pop(m);
				pthread_cond_broadcast(&m->cv);
				e = 0;
				break;
			}
			if (timedout) {
				e = ETIMEDOUT;
				break;
			}
			pthread_mutex_unlock(&m->mu);
			timedout = tp_future_wait(f, remaining(dl)) != 0;
			pthread_mutex_lock(&m->mu);
			continue;
		}
		if (m->ended) {
			e = m->err != 0 ? m->err : ENOENT;
			break;
		}
		if (timedout) {
			e = ETIMEDOUT;
			break;
		}
		if (tp__cond_wait(&m->cv, &m->mu, dl) == ETIMEDOUT)
			timedout = 1;
	}
	pthread_mutex_unlock(&m->mu);
	return e;
}

int
tp_map_next_timed(struct tp_map *m, int64_t timeout_ns, struct tp_future **fp)
{
	struct timespec buf;
	const struct timespec *dl;
	int e;

	if (m->stopped)
		return ENOENT;
	dl = call_deadline(m, timeout_ns, &buf);
	e = m->pushed ? next_pushed(m, dl, fp) : next_pulled(m, dl, fp);
	if (e == 0 && (m->flags & TP_MAP_STOP_ON_ERROR) && failed(*fp))
		stop(m);
	return e;
}

int
tp_map_next(struct tp_map *m, struct tp_future **fp)
{
	return tp_map_next_timed(m, TP_FOREVER, fp);
}

int
tp_map_push(struct tp_map *m, void *item)
{
	struct tp_future *f;
	int e;

	if (!m->pushed)
		return EINVAL;
	pthread_mutex_lock(&m->mu);
	while (m->count == m->window && !m->ended && !m->stopped)
		pthread_cond_wait(&m->cv, &m->mu);
	if (m->ended || m->stopped) {
		pthread_mutex_unlock(&m->mu);
		return EPIPE;
	}
	if ((e = tp_submit(m->ex, m->fn, item, &f)) == 0) {
		m->ring[(m->head + m->count) % m->window] = f;
		m->count++;
		pthread_cond_broadcast(&m->cv);
	}
	pthread_mutex_unlock(&m->mu);
	return e;
}

int
tp_map_close(struct tp_map *m)
{
	if (!m->pushed)
		return EINVAL;
	pthread_mutex_lock(&m->mu);
	m->ended = 1;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
	return 0;
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
	if (m->pushed) {
		pthread_cond_destroy(&m->cv);
		pthread_mutex_destroy(&m->mu);
	}
	free(m->ring);
	free(m);
}
