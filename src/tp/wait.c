/* SPDX-License-Identifier: MIT */
/*
 * Waiting on several futures at once: tp_wait and the as_completed
 * iterator, plus the timed condition-variable helpers the whole library
 * uses.  Both hang a waiter node on each future (Python's _Waiter); a
 * future that finishes moves its nodes to their waiters' ready lists under
 * its own lock, so a waiter never polls and never misses a finish that
 * happens while it registers.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "tp_internal.h"

struct tp_as_completed {
	struct tp__waiter w;
	/* Every node added and not taken, for tp_as_completed_free; under
	 * amu, which is taken before any future's lock.  A node knows its
	 * index, so that tp_as_completed_take removes it in constant time
	 * by moving the last one into its place. */
	pthread_mutex_t amu;
	struct tp__wnode **nodes;
	size_t nnodes;
	size_t cap;
	size_t outstanding;		/* added, not yet yielded; under w.mu */
	int has_deadline;
	struct timespec deadline;
};

/* Every libtp condition variable measures timeouts on CLOCK_MONOTONIC, so
 * that setting the wall clock neither shortens nor stretches a wait. */
int
tp__cond_init(pthread_cond_t *cv)
{
	pthread_condattr_t a;
	int e;

	if ((e = pthread_condattr_init(&a)) != 0)
		return e;
	if ((e = pthread_condattr_setclock(&a, CLOCK_MONOTONIC)) == 0)
		e = pthread_cond_init(cv, &a);
	pthread_condattr_destroy(&a);
	return e;
}

/* The largest time_t, which POSIX makes an integer type, signed here. */
#define TIME_T_MAX ((time_t)((((time_t)1 << (sizeof(time_t) * CHAR_BIT - 2)) \
	- 1) * 2 + 1))

/*
 * The absolute CLOCK_MONOTONIC time timeout_ns (>= 0) from now; the one
 * place libtp adds a timeout to a clock.  A deadline beyond what time_t
 * holds (a timeout near INT64_MAX with a 32-bit time_t) saturates at the
 * largest time, which is as good as no deadline, instead of overflowing.
 */
void
tp__deadline(int64_t timeout_ns, struct timespec *ts)
{
	int64_t sec;

	clock_gettime(CLOCK_MONOTONIC, ts);
	if (timeout_ns < 0)
		return;
	sec = timeout_ns / TP_SEC;
	ts->tv_nsec += (long)(timeout_ns % TP_SEC);
	if (ts->tv_nsec >= TP_SEC) {
		sec++;
		ts->tv_nsec -= TP_SEC;
	}
	/* The monotonic clock is never negative, so this cannot overflow. */
	if (sec > (int64_t)(TIME_T_MAX - ts->tv_sec)) {
		ts->tv_sec = TIME_T_MAX;
		ts->tv_nsec = TP_SEC - 1;
	} else {
		ts->tv_sec += (time_t)sec;
	}
}

/* Wait on cv until signalled or deadline (NULL: none); 0 or ETIMEDOUT. */
int
tp__cond_wait(pthread_cond_t *cv, pthread_mutex_t *mu,
    const struct timespec *deadline)
{
	if (deadline == NULL)
		return pthread_cond_wait(cv, mu) == 0 ? 0 : EINVAL;
	return pthread_cond_timedwait(cv, mu, deadline) == ETIMEDOUT ?
	    ETIMEDOUT : 0;
}

static int
waiter_init(struct tp__waiter *w)
{
	int e;

	if ((e = pthread_mutex_init(&w->mu, NULL)) != 0)
		return e;
	if ((e = tp__cond_init(&w->cv)) != 0) {
		pthread_mutex_destroy(&w->mu);
		return e;
	}
	tp__list_init(&w->ready);
	w->nfinished = 0;
	w->nexception = 0;
	return 0;
}

static void
waiter_destroy(struct tp__waiter *w)
{
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
}

/* Record that n's future has finished; n's future and waiter are locked. */
static void
waiter_push_locked(struct tp__wnode *n)
{
	struct tp__waiter *w = n->w;

	w->nfinished++;
	if (tp__state(n->f) == TP_DONE && n->f->status != 0)
		w->nexception++;
	tp__list_push_back(&w->ready, &n->wlink);
	pthread_cond_broadcast(&w->cv);
}

/* Called by tp__future_settle_locked with f->mu held. */
void
tp__waiter_notify_locked(struct tp_future *f)
{
	struct tp__link *l;
	struct tp__wnode *n;

	for (l = f->waiters.next; l != &f->waiters; l = l->next) {
		n = tp__container(l, struct tp__wnode, flink);
		pthread_mutex_lock(&n->w->mu);
		waiter_push_locked(n);
		pthread_mutex_unlock(&n->w->mu);
	}
}

/*
 * Hang node n of waiter w on future f.  Returns EEXIST, leaving n unused,
 * when w already has a node on f (so duplicates count once).
 */
static int
waiter_add(struct tp__waiter *w, struct tp__wnode *n, struct tp_future *f)
{
	struct tp__link *l;

	n->w = w;
	n->f = f;
	tp__list_init(&n->wlink);
	pthread_mutex_lock(&f->mu);
	for (l = f->waiters.next; l != &f->waiters; l = l->next)
		if (tp__container(l, struct tp__wnode, flink)->w == w) {
			pthread_mutex_unlock(&f->mu);
			return EEXIST;
		}
	tp__list_push_back(&f->waiters, &n->flink);
	if (tp__finished(tp__state(f))) {
		pthread_mutex_lock(&w->mu);
		waiter_push_locked(n);
		pthread_mutex_unlock(&w->mu);
	}
	pthread_mutex_unlock(&f->mu);
	return 0;
}

/* Take n off its future; after this the future never touches n. */
static void
waiter_remove(struct tp__wnode *n)
{
	pthread_mutex_lock(&n->f->mu);
	tp__list_remove(&n->flink);
	pthread_mutex_unlock(&n->f->mu);
}

static int
wait_met(const struct tp__waiter *w, size_t n, enum tp_wait_mode mode)
{
	switch (mode) {
	case TP_FIRST_COMPLETED:
		return w->nfinished > 0 || n == 0;
	case TP_FIRST_EXCEPTION:
		return w->nexception > 0 || w->nfinished == n;
	case TP_ALL_COMPLETED:
		break;
	}
	return w->nfinished == n;
}

int
tp_wait(struct tp_future *const *fs, size_t n, enum tp_wait_mode mode,
    int64_t timeout_ns, struct tp_future **done, size_t *ndone,
    struct tp_future **not_done, size_t *nnot_done)
{
	struct tp__waiter w;
	struct tp__wnode *nodes;
	struct timespec deadline;
	size_t i, ndistinct = 0, nd = 0, nn = 0;
	int e;

	if (mode != TP_FIRST_COMPLETED && mode != TP_FIRST_EXCEPTION &&
	    mode != TP_ALL_COMPLETED)
		return EINVAL;
	if ((nodes = calloc(n > 0 ? n : 1, sizeof(*nodes))) == NULL)
		return ENOMEM;
	if ((e = waiter_init(&w)) != 0) {
		free(nodes);
		return e;
	}
	for (i = 0; i < n; i++)
		if (waiter_add(&w, &nodes[ndistinct], fs[i]) == 0)
			ndistinct++;

	tp__deadline(timeout_ns, &deadline);
	pthread_mutex_lock(&w.mu);
	e = 0;
	while (!wait_met(&w, ndistinct, mode) && e == 0) {
		if (timeout_ns == 0)
			e = ETIMEDOUT;
		else
			e = tp__cond_wait(&w.cv, &w.mu,
			    timeout_ns < 0 ? NULL : &deadline);
	}
	if (wait_met(&w, ndistinct, mode))
		e = 0;
	pthread_mutex_unlock(&w.mu);

	for (i = 0; i < ndistinct; i++) {
		waiter_remove(&nodes[i]);
		if (tp__finished(tp_future_state(nodes[i].f))) {
			if (done != NULL)
				done[nd] = nodes[i].f;
			nd++;
		} else {
			if (not_done != NULL)
				not_done[nn] = nodes[i].f;
			nn++;
		}
	}
	if (ndone != NULL)
		*ndone = nd;
	if (nnot_done != NULL)
		*nnot_done = nn;
	waiter_destroy(&w);
	free(nodes);
	return e;
}

int
tp_as_completed_create(struct tp_as_completed **acp,
    struct tp_future *const *fs, size_t n, int64_t timeout_ns)
{
	struct tp_as_completed *ac;
	size_t i;
	int e;

	if ((ac = calloc(1, sizeof(*ac))) == NULL)
		return ENOMEM;
	if ((e = waiter_init(&ac->w)) != 0)
		goto fail_ac;
	if ((e = pthread_mutex_init(&ac->amu, NULL)) != 0)
		goto fail_w;
	if (timeout_ns >= 0) {
		ac->has_deadline = 1;
		tp__deadline(timeout_ns, &ac->deadline);
	}
	for (i = 0; i < n; i++)
		if ((e = tp_as_completed_add(ac, fs[i])) != 0) {
			tp_as_completed_free(ac);
			return e;
		}
	*acp = ac;
	return 0;

fail_w:
	waiter_destroy(&ac->w);
fail_ac:
	free(ac);
	return e;
}

int
tp_as_completed_add(struct tp_as_completed *ac, struct tp_future *f)
{
	struct tp__wnode *n, **nodes;
	size_t cap;

	if ((n = malloc(sizeof(*n))) == NULL)
		return ENOMEM;
	pthread_mutex_lock(&ac->amu);
	if (ac->nnodes == ac->cap) {
		cap = ac->cap ? 2 * ac->cap : 16;
		if ((nodes = realloc(ac->nodes, cap * sizeof(*nodes))) == NULL) {
			pthread_mutex_unlock(&ac->amu);
			free(n);
			return ENOMEM;
		}
		ac->nodes = nodes;
		ac->cap = cap;
	}
	/* Count it before it can finish, so that next() waits for it. */
	pthread_mutex_lock(&ac->w.mu);
	ac->outstanding++;
	pthread_mutex_unlock(&ac->w.mu);
	if (waiter_add(&ac->w, n, f) != 0) {
		pthread_mutex_lock(&ac->w.mu);
		ac->outstanding--;
		pthread_cond_broadcast(&ac->w.cv);
		pthread_mutex_unlock(&ac->w.mu);
		pthread_mutex_unlock(&ac->amu);
		free(n);
		return 0;
	}
	tp_future_retain(f);
	n->idx = ac->nnodes;
	ac->nodes[ac->nnodes++] = n;
	pthread_mutex_unlock(&ac->amu);
	return 0;
}

/* Wait for the next finished node, as tp_as_completed_next. */
static int
next_node(struct tp_as_completed *ac, struct tp__wnode **np)
{
	struct tp__link *l;
	int e, timedout = 0;

	pthread_mutex_lock(&ac->w.mu);
	for (;;) {
		/* A finished future is yielded even after the deadline. */
		if ((l = tp__list_pop_front(&ac->w.ready)) != NULL) {
			ac->outstanding--;
			*np = tp__container(l, struct tp__wnode, wlink);
			e = 0;
			break;
		}
		if (ac->outstanding == 0) {
			e = ENOENT;
			break;
		}
		if (timedout) {
			e = ETIMEDOUT;
			break;
		}
		if (tp__cond_wait(&ac->w.cv, &ac->w.mu,
		    ac->has_deadline ? &ac->deadline : NULL) == ETIMEDOUT)
			timedout = 1;
	}
	pthread_mutex_unlock(&ac->w.mu);
	return e;
}

int
tp_as_completed_next(struct tp_as_completed *ac, struct tp_future **fp)
{
	struct tp__wnode *n;
	int e;

	if ((e = next_node(ac, &n)) == 0)
		*fp = n->f;
	return e;
}

int
tp_as_completed_take(struct tp_as_completed *ac, struct tp_future **fp)
{
	struct tp__wnode *n, *last;
	int e;

	if ((e = next_node(ac, &n)) != 0)
		return e;
	/* Off the future first: from here an add of it makes a new node. */
	waiter_remove(n);
	pthread_mutex_lock(&ac->amu);
	last = ac->nodes[--ac->nnodes];
	ac->nodes[n->idx] = last;
	last->idx = n->idx;
	pthread_mutex_unlock(&ac->amu);
	/* The iterator's reference is the caller's now. */
	*fp = n->f;
	free(n);
	return 0;
}

size_t
tp_as_completed_pending(struct tp_as_completed *ac)
{
	size_t n;

	pthread_mutex_lock(&ac->w.mu);
	n = ac->outstanding;
	pthread_mutex_unlock(&ac->w.mu);
	return n;
}

size_t
tp_as_completed_size(struct tp_as_completed *ac)
{
	size_t n;

	pthread_mutex_lock(&ac->amu);
	n = ac->nnodes;
	pthread_mutex_unlock(&ac->amu);
	return n;
}

void
tp_as_completed_free(struct tp_as_completed *ac)
{
	size_t i;

	if (ac == NULL)
		return;
	for (i = 0; i < ac->nnodes; i++) {
		waiter_remove(ac->nodes[i]);
		tp_future_release(ac->nodes[i]->f);
		free(ac->nodes[i]);
	}
	free(ac->nodes);
	pthread_mutex_destroy(&ac->amu);
	waiter_destroy(&ac->w);
	free(ac);
}
