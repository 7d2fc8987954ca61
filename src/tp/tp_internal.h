/* SPDX-License-Identifier: MIT */
/*
 * What libtp's source files share and users never see: the layout of a
 * future, the waiter that tp_wait and as_completed hang on futures, and the
 * helpers that move a future to its final state.  Never installed.
 *
 * Lock order (also stated in executor.c): executor lock, then future lock,
 * then waiter lock; a pushed map's lock (map.c) comes before them all.
 * Several futures are never locked at once.  No user code (task,
 * callback, hook, producer, initializer) runs while a libtp lock is held.
 */
#ifndef TP_INTERNAL_H
#define TP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "queue.h"
#include "tp.h"

/* One registered done callback; the first lives inside the future. */
struct tp__cb {
	tp_done_fn *fn;
	void *arg;
	struct tp__cb *next;
};

struct tp__waiter;

/*
 * A waiter's hook in one future: linked into the future's waiter list
 * (under the future's lock) from registration until the waiter lets go,
 * even after the future has finished, so that "is f already in this set?"
 * is a walk of f's short list.
 */
struct tp__wnode {
	struct tp__link flink;		/* in future->waiters */
	struct tp__link wlink;		/* in the waiter's own lists */
	struct tp__waiter *w;
	struct tp_future *f;
	size_t idx;			/* in an as_completed's nodes array */
};

/*
 * Collects finished futures for tp_wait and as_completed.  Notified under
 * the finishing future's lock, so its own lock comes last in the order.
 */
struct tp__waiter {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct tp__link ready;		/* nodes of finished, unyielded futures */
	size_t nfinished;		/* futures finished so far */
	size_t nexception;		/* of those, DONE with a non-zero status */
};

struct tp_future {
	/* mu and cv come first: a future kept in the per-thread cache
	 * (future.c) keeps them initialized, and everything from refs on
	 * is cleared when it is used again. */
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* finished, or a hook call returned */
	atomic_size_t refs;
	/*
	 * An enum tp_state.  Written under mu, but for the move from PENDING
	 * to RUNNING, which a worker makes under the executor lock alone (a
	 * canceller holds both locks, see tp__executor_cancel).  Read with
	 * tp__state under either lock, or with an acquire load that needs
	 * no lock once it sees a final state: the move to a final state is
	 * a release store made after status, result and message were set,
	 * and none of them changes afterwards.
	 */
	atomic_int state;
	/* Under mu: */
	int status;
	void *result;
	int cancel_requested;		/* a hook was called */
	unsigned hook_calls;		/* hook calls in progress */
	tp_cancel_fn *hook;
	void *hook_arg;
	struct tp__cb cb0;		/* first callback, fn NULL if none */
	struct tp__cb *cbs;		/* further callbacks, in order */
	struct tp__cb **cbtail;
	struct tp__link waiters;	/* struct tp__wnode.flink */
	char *message;			/* the failure's text, or NULL */
	/* Set at submission or tp_future_create, then constant: */
	tp_task_fn *fn;
	void *arg;
	int own;			/* made by tp_future_create */
	/* Used only while PENDING (see tp_future_cancel), never cleared. */
	struct tp_executor *ex;
	/* In the executor's queue, under the executor's lock. */
	struct tp__link qlink;
};

/* Callbacks taken off a future when it finished, to run unlocked. */
struct tp__cblist {
	struct tp__cb first;
	struct tp__cb *rest;
};

/* f's state under one of the locks that order its writes (see above). */
static inline enum tp_state
tp__state(struct tp_future *f)
{
	return (enum tp_state)atomic_load_explicit(&f->state,
	    memory_order_relaxed);
}

static inline void
tp__set_state(struct tp_future *f, enum tp_state s)
{
	atomic_store_explicit(&f->state, (int)s, memory_order_relaxed);
}

/* future.c */
int tp__future_create(struct tp_future **fp, tp_task_fn *fn, void *arg,
    struct tp_executor *ex, size_t refs);
void tp__future_destroy(struct tp_future *f);
void tp__future_settle_locked(struct tp_future *f, enum tp_state state,
    int status, void *result, struct tp__cblist *cbs);
void tp__future_run_callbacks(struct tp_future *f, struct tp__cblist *cbs);
int tp__finished(enum tp_state s);

/* executor.c */
void tp__executor_ref(struct tp_executor *ex);
void tp__executor_unref(struct tp_executor *ex);
int tp__executor_cancel(struct tp_executor *ex, struct tp_future *f);
void tp__executor_done(struct tp_executor *ex, struct tp_future *f);
unsigned tp__executor_nworkers(const struct tp_executor *ex);
size_t tp__submit_many(struct tp_executor *ex, tp_task_fn *fn,
    void *const *items, size_t n, struct tp_future **fs, int *err);

/* wait.c */
int tp__cond_init(pthread_cond_t *cv);
void tp__deadline(int64_t timeout_ns, struct timespec *ts);
int tp__cond_wait(pthread_cond_t *cv, pthread_mutex_t *mu,
    const struct timespec *deadline);
void tp__waiter_notify_locked(struct tp_future *f);

/* cpus.c; root is the directory below which proc/self/cgroup and
 * sys/fs/cgroup are read: "/" for the real ones, a fixture tree in tests
 * (tests/helpers/cgroup-cpus).  The quota of the cgroup and its ancestors
 * as a CPU count rounded up, 0 for none; the affinity mask's CPUs limited
 * by it, at least 1. */
unsigned tp__cpus_cgroup_limit(const char *root);
unsigned tp__cpus_usable(const char *root);

#endif /* TP_INTERNAL_H */
