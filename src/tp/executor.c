/* SPDX-License-Identifier: MIT */
/*
 * The executor: worker threads, the queue of pending futures, submission
 * (optionally bounded) and shutdown.  It runs tasks and finishes their
 * futures; what a future is and how one waits for it is in future.c and
 * wait.c.
 *
 * Lock order, for the whole library: the executor lock (ex->mu) before a
 * future's lock (f->mu) before a waiter's lock (w->mu).  Only one future
 * is locked at a time.  No user code (task, done callback, cancel hook,
 * map producer) is ever called with a libtp lock held: callbacks are
 * collected under the future's lock and run after it is released.
 *
 * Lifetime: the executor is reference counted.  The user's reference is
 * dropped by tp_executor_free after the workers are joined; a thread
 * cancelling a PENDING future holds a temporary reference, taken under the
 * future's lock while the future is PENDING (which implies the executor is
 * alive, since it cannot be freed while it has queued work), so that the
 * executor outlives its use of ex->mu even if the future finishes and the
 * executor is freed meanwhile.  tp_executor_shutdown holds one too, for
 * the callbacks of the futures it cancels may free the executor.
 */
/* For glibc's adaptive mutex type, used when it exists (see below). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tp_internal.h"

struct tp_executor {
	pthread_mutex_t mu;
	pthread_cond_t work;		/* queue not empty, or shutdown */
	pthread_cond_t space;		/* queue below max_queued, or shutdown */
	pthread_cond_t joined_cv;	/* the workers have been joined */
	atomic_size_t refs;
	/* Under mu: */
	struct tp__link queue;		/* struct tp_future.qlink */
	size_t nqueued;
	unsigned nidle;			/* workers waiting on work */
	/* Read without the lock by a spinning worker (see worker()). */
	atomic_size_t queued_hint;	/* nqueued, or 1 at shutdown */
	atomic_uint nspinning;		/* workers spinning, at most 1 */
	unsigned nblocked;		/* submitters waiting on space */
	int shutdown;
	int joining;			/* a thread is joining the workers */
	int joined;
	int broken;			/* a worker's initializer failed */
	unsigned nworkers;		/* started; final once shut down */
	pthread_t *threads;		/* [maxworkers], the first nworkers */
	atomic_uint nnamed;		/* workers that took a name number */
	/* Constant after create: */
	size_t max_queued;
	tp_done_fn *on_done;
	void *on_done_arg;
	tp_worker_init_fn *init;
	void *init_arg;
	tp_worker_fini_fn *fini;
	void *fini_arg;
	char *name_prefix;		/* a copy, or NULL */
	unsigned maxworkers;
	pthread_attr_t attr;		/* for the workers started later */
};

/*
 * The executor the current thread is a worker of, set by the worker itself
 * as it starts; NULL on every other thread.  "Am I one of ex's workers?"
 * cannot be answered by comparing pthread_self() with the ids of the
 * threads ex started: once a worker has been joined, its id may be handed
 * to a new thread (glibc reuses the joined thread's stack, and the id is
 * its address), which would then pass for a worker.
 */
static _Thread_local struct tp_executor *current_ex;

/* Publish the queue length for a spinning worker; under ex->mu. */
static void
hint(struct tp_executor *ex)
{
	atomic_store_explicit(&ex->queued_hint,
	    ex->shutdown ? 1 : ex->nqueued, memory_order_relaxed);
}

/*
 * Wait briefly for work without sleeping.  A worker that finds the queue
 * empty would otherwise sleep and be woken by the next tp_submit: a futex
 * call and a context switch per task whenever workers are faster than the
 * submitter, which caps the pool at a few hundred thousand tasks a
 * second.  One worker at a time (so spinners never crowd the submitter
 * off the CPUs) watches the queue length for a few microseconds; a
 * submitter that sees it spinning does not signal.  This is the one busy
 * wait in libtp, bounded, and only between tasks.  Kept short: on a
 * machine with as many busy threads as CPUs a longer spin takes the CPU
 * from the thread that would hand out the next task (tp_map's consumer
 * ran at half the speed with 2,000 rounds instead of 300; bench/README.md).
 */
#define SPIN_ROUNDS 300

static void
spin_for_work(struct tp_executor *ex)
{
	unsigned i;

	for (i = 0; i < SPIN_ROUNDS; i++) {
		if (atomic_load_explicit(&ex->queued_hint,
		    memory_order_relaxed) != 0)
			return;
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
	}
}

void
tp__executor_ref(struct tp_executor *ex)
{
	atomic_fetch_add_explicit(&ex->refs, 1, memory_order_relaxed);
}

void
tp__executor_unref(struct tp_executor *ex)
{
	if (atomic_fetch_sub_explicit(&ex->refs, 1, memory_order_acq_rel) != 1)
		return;
	pthread_attr_destroy(&ex->attr);
	pthread_cond_destroy(&ex->joined_cv);
	pthread_cond_destroy(&ex->space);
	pthread_cond_destroy(&ex->work);
	pthread_mutex_destroy(&ex->mu);
	free(ex->name_prefix);
	free(ex->threads);
	free(ex);
}

/* After a future's own callbacks: the executor-level one, then drop the
 * reference the executor held while the task was queued or running. */
void
tp__executor_done(struct tp_executor *ex, struct tp_future *f)
{
	if (ex->on_done != NULL)
		ex->on_done(f, ex->on_done_arg);
	tp_future_release(f);
}

static void
finish(struct tp_executor *ex, struct tp_future *f, struct tp__cblist *cbs)
{
	tp__future_run_callbacks(f, cbs);
	tp__executor_done(ex, f);
}

/*
 * Cancel PENDING future f of ex (called by tp_future_cancel, holding a
 * reference to ex).  Returns 0, or EAGAIN when f is no longer pending and
 * the caller must look at its state again.
 */
int
tp__executor_cancel(struct tp_executor *ex, struct tp_future *f)
{
	struct tp__cblist cbs;

	pthread_mutex_lock(&ex->mu);
	pthread_mutex_lock(&f->mu);
	if (tp__state(f) != TP_PENDING) {
		pthread_mutex_unlock(&f->mu);
		pthread_mutex_unlock(&ex->mu);
		return EAGAIN;
	}
	tp__list_remove(&f->qlink);
	ex->nqueued--;
	hint(ex);
	if (ex->nblocked > 0)
		pthread_cond_signal(&ex->space);
	tp__future_settle_locked(f, TP_CANCELLED, ECANCELED, NULL, &cbs);
	pthread_mutex_unlock(&f->mu);
	pthread_mutex_unlock(&ex->mu);
	finish(ex, f, &cbs);
	return 0;
}

static void
run(struct tp_executor *ex, struct tp_future *f)
{
	struct tp__cblist cbs;
	void *result = NULL;
	int status;

	status = f->fn(f, f->arg, &result);
	pthread_mutex_lock(&f->mu);
	tp__future_settle_locked(f, f->cancel_requested ? TP_CANCELLED : TP_DONE,
	    status, result, &cbs);
	pthread_mutex_unlock(&f->mu);
	finish(ex, f, &cbs);
}

/*
 * Name the calling worker "prefix-N", N counting the executor's workers
 * from 0 in the order they start, cut to the 15 bytes Linux keeps (the
 * 16th is the NUL).  pthread_setname_np is not POSIX: glibc and musl have
 * the two-argument form, macOS a one-argument one; elsewhere the thread
 * keeps the name it inherited.  A failure only leaves that name.
 */
static void
name_worker(struct tp_executor *ex)
{
	char name[16];

	snprintf(name, sizeof(name), "%s-%u", ex->name_prefix,
	    atomic_fetch_add(&ex->nnamed, 1));
#if defined(__linux__)
	(void)pthread_setname_np(pthread_self(), name);
#elif defined(__APPLE__)
	(void)pthread_setname_np(name);
#endif
}

static void run_cancelled(struct tp_executor *ex, struct tp__link *cancelled);

/*
 * A worker's initializer failed: the executor is broken, as Python's
 * BrokenThreadPool.  Every queued future fails at once (DONE with status
 * ENOTRECOVERABLE, so that a waiter is not left waiting for a task no
 * worker may be fit to run), blocked and later submissions are refused,
 * and the failing worker exits.  Tasks already running on other workers
 * run to their end.  As in cancel_queued, the whole queue is settled
 * under the lock, so that no other worker takes a task meanwhile, and the
 * callbacks run afterwards, unlocked, through run_cancelled.
 */
static void
break_executor(struct tp_executor *ex)
{
	struct tp__link *l, failed;
	struct tp_future *f;
	struct tp__cblist cbs;

	tp__list_init(&failed);
	pthread_mutex_lock(&ex->mu);
	ex->broken = 1;
	pthread_cond_broadcast(&ex->space);
	while ((l = tp__list_pop_front(&ex->queue)) != NULL) {
		f = tp__container(l, struct tp_future, qlink);
		pthread_mutex_lock(&f->mu);
		/* Without it on ENOMEM: the status says enough. */
		free(f->message);
		f->message = strdup("a worker initializer failed");
		tp__future_settle_locked(f, TP_DONE, ENOTRECOVERABLE, NULL,
		    &cbs);
		f->cb0 = cbs.first;
		f->cbs = cbs.rest;
		pthread_mutex_unlock(&f->mu);
		tp__list_push_back(&failed, &f->qlink);
	}
	ex->nqueued = 0;
	hint(ex);
	pthread_mutex_unlock(&ex->mu);
	run_cancelled(ex, &failed);
}

static void *
worker(void *arg)
{
	struct tp_executor *ex = arg;
	struct tp_future *f;

	int spun = 0;

	/* Before the initializer, which is this executor's code too. */
	current_ex = ex;
	if (ex->name_prefix != NULL)
		name_worker(ex);
	/* No lock held: the initializer is the program's code. */
	if (ex->init != NULL && ex->init(ex->init_arg) != 0) {
		break_executor(ex);
		return NULL;
	}
	pthread_mutex_lock(&ex->mu);
	for (;;) {
		while (tp__list_empty(&ex->queue) && !ex->shutdown) {
			if (!spun && atomic_load_explicit(&ex->nspinning,
			    memory_order_relaxed) == 0) {
				/* Re-checked under the lock before sleeping,
				 * so a task pushed meanwhile is not missed. */
				atomic_fetch_add(&ex->nspinning, 1);
				pthread_mutex_unlock(&ex->mu);
				spin_for_work(ex);
				atomic_fetch_sub(&ex->nspinning, 1);
				pthread_mutex_lock(&ex->mu);
				spun = 1;
				continue;
			}
			ex->nidle++;
			pthread_cond_wait(&ex->work, &ex->mu);
			ex->nidle--;
		}
		spun = 0;
		if (tp__list_empty(&ex->queue))
			break;	/* shut down and drained */
		f = tp__container(tp__list_pop_front(&ex->queue),
		    struct tp_future, qlink);
		ex->nqueued--;
		hint(ex);
		if (ex->nblocked > 0)
			pthread_cond_signal(&ex->space);
		/* Submitters skip the wake-up while a worker spins, so pass
		 * it on: more work and a sleeping worker means wake it. */
		if (!tp__list_empty(&ex->queue) && ex->nidle > 0)
			pthread_cond_signal(&ex->work);
		/* Still under ex->mu, so a canceller (which holds it too)
		 * sees PENDING only while f is in the queue.  No need for
		 * f->mu: every other reader of the state either holds ex->mu
		 * or reads it atomically and does not depend on RUNNING for
		 * any other field, so relaxed suffices (tp_internal.h). */
		tp__set_state(f, TP_RUNNING);
		pthread_mutex_unlock(&ex->mu);
		run(ex, f);
		pthread_mutex_lock(&ex->mu);
	}
	pthread_mutex_unlock(&ex->mu);
	/* Paired with a successful initializer only: the finalizer undoes
	 * what that set up, on the same thread. */
	if (ex->fini != NULL)
		ex->fini(ex->fini_arg);
	return NULL;
}

/*
 * The executor lock is taken for every submission and every task a worker
 * takes, by the submitting thread and all the workers at once, and held
 * for a few instructions.  A plain glibc mutex puts a contender to sleep at
 * once, which costs a futex call and a context switch per task; the
 * adaptive kind spins briefly first.  Elsewhere a plain mutex does.
 */
static int
executor_mutex_init(pthread_mutex_t *mu)
{
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
	pthread_mutexattr_t a;
	int e;

	if ((e = pthread_mutexattr_init(&a)) != 0)
		return e;
	if ((e = pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ADAPTIVE_NP)) == 0)
		e = pthread_mutex_init(mu, &a);
	pthread_mutexattr_destroy(&a);
	return e;
#else
	return pthread_mutex_init(mu, NULL);
#endif
}

/*
 * Start one more worker; under ex->mu, before shutdown.  Workers are
 * started with every signal blocked, and inherit that mask: signals belong
 * to the program.
 */
static int
start_worker(struct tp_executor *ex)
{
	sigset_t all, old;
	int e;

	sigfillset(&all);
	if ((e = pthread_sigmask(SIG_SETMASK, &all, &old)) != 0)
		return e;
	e = pthread_create(&ex->threads[ex->nworkers], &ex->attr, worker, ex);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e == 0)
		ex->nworkers++;
	return e;
}

/*
 * Workers are started as they are needed (as ThreadPoolExecutor does): one
 * at create, then one more whenever a submitted task finds more tasks
 * queued than workers waiting for them, up to maxworkers.  A program that
 * runs one task on a 64-CPU machine starts one thread, not 64.
 */
static void
maybe_start_worker(struct tp_executor *ex)
{
	size_t waiting;

	if (ex->nworkers == ex->maxworkers || ex->broken)
		return;
	waiting = ex->nidle + atomic_load_explicit(&ex->nspinning,
	    memory_order_relaxed);
	/* A failure leaves the workers already there to do the work; the
	 * next submission tries again. */
	if (ex->nqueued > waiting)
		(void)start_worker(ex);
}

int
tp_executor_create(struct tp_executor **exp, unsigned nworkers,
    const struct tp_executor_opts *opts)
{
	static const struct tp_executor_opts defaults = TP_EXECUTOR_OPTS_INIT;
	struct tp_executor *ex;
	int e;

	if (opts == NULL)
		opts = &defaults;
	if (opts->stack_size != 0 && opts->stack_size < (size_t)PTHREAD_STACK_MIN)
		return EINVAL;
	if (nworkers == 0)
		nworkers = tp_cpu_count();
	if ((ex = calloc(1, sizeof(*ex))) == NULL)
		return ENOMEM;
	if ((ex->threads = calloc(nworkers, sizeof(*ex->threads))) == NULL) {
		e = ENOMEM;
		goto fail_ex;
	}
	if (opts->thread_name_prefix != NULL &&
	    (ex->name_prefix = strdup(opts->thread_name_prefix)) == NULL) {
		e = ENOMEM;
		goto fail_threads;
	}
	if ((e = executor_mutex_init(&ex->mu)) != 0)
		goto fail_threads;
	if ((e = tp__cond_init(&ex->work)) != 0)
		goto fail_mu;
	if ((e = tp__cond_init(&ex->space)) != 0)
		goto fail_work;
	if ((e = tp__cond_init(&ex->joined_cv)) != 0)
		goto fail_space;
	if ((e = pthread_attr_init(&ex->attr)) != 0)
		goto fail_joined;
	if (opts->stack_size != 0 &&
	    (e = pthread_attr_setstacksize(&ex->attr, opts->stack_size)) != 0)
		goto fail_attr;
	atomic_init(&ex->refs, 1);
	atomic_init(&ex->queued_hint, 0);
	atomic_init(&ex->nspinning, 0);
	atomic_init(&ex->nnamed, 0);
	tp__list_init(&ex->queue);
	ex->max_queued = opts->max_queued;
	ex->on_done = opts->on_done;
	ex->on_done_arg = opts->on_done_arg;
	ex->init = opts->initializer;
	ex->init_arg = opts->initializer_arg;
	ex->fini = opts->finalizer;
	ex->fini_arg = opts->finalizer_arg;
	ex->maxworkers = nworkers;

	/* The first worker now, so that a failure to start threads shows
	 * here and every later submission has a worker to run it. */
	if ((e = start_worker(ex)) != 0)
		goto fail_attr;
	*exp = ex;
	return 0;

fail_attr:
	pthread_attr_destroy(&ex->attr);
fail_joined:
	pthread_cond_destroy(&ex->joined_cv);
fail_space:
	pthread_cond_destroy(&ex->space);
fail_work:
	pthread_cond_destroy(&ex->work);
fail_mu:
	pthread_mutex_destroy(&ex->mu);
fail_threads:
	free(ex->name_prefix);
	free(ex->threads);
fail_ex:
	free(ex);
	return e;
}

/*
 * Queue futures fs[0..n-1] in order, under one hold of the executor lock
 * and with at most one wake-up: tp_submit's work for n tasks.  Blocks
 * while a bounded queue is full.  Returns the number queued; on a broken
 * or shut down executor the rest are not, and *err says why (else 0).
 */
static size_t
enqueue(struct tp_executor *ex, struct tp_future **fs, size_t n, int *err)
{
	size_t i;

	*err = 0;
	pthread_mutex_lock(&ex->mu);
	for (i = 0; i < n; i++) {
		while (ex->max_queued != 0 && ex->nqueued >= ex->max_queued &&
		    !ex->shutdown && !ex->broken) {
			ex->nblocked++;
			pthread_cond_wait(&ex->space, &ex->mu);
			ex->nblocked--;
		}
		/* Broken first, as Python: the more useful of the two. */
		if (ex->broken || ex->shutdown) {
			*err = ex->broken ? ENOTRECOVERABLE : ESHUTDOWN;
			break;
		}
		tp__list_push_back(&ex->queue, &fs[i]->qlink);
		ex->nqueued++;
		hint(ex);
		maybe_start_worker(ex);
	}
	/* A spinning worker will see the tasks; see spin_for_work.  A
	 * worker that takes one passes the wake-up on (see worker()). */
	if (i > 0 && ex->nidle > 0 && atomic_load_explicit(&ex->nspinning,
	    memory_order_relaxed) == 0)
		pthread_cond_signal(&ex->work);
	pthread_mutex_unlock(&ex->mu);
	return i;
}

int
tp_submit(struct tp_executor *ex, tp_task_fn *fn, void *arg,
    struct tp_future **fp)
{
	struct tp_future *f;
	int e;

	if ((e = tp__future_create(&f, fn, arg, ex, fp != NULL ? 2 : 1)) != 0)
		return e;
	if (enqueue(ex, &f, 1, &e) == 0) {
		tp__future_destroy(f);
		return e;
	}
	if (fp != NULL)
		*fp = f;
	return 0;
}

/*
 * tp_submit for fn over items[0..n-1], in order, each future with a
 * reference for the caller in fs[i]; one lock and one wake-up for all
 * (tp_map's refill).  Returns how many were submitted, the first ones;
 * when fewer than n, *err is tp_submit's error for the next item.
 */
size_t
tp__submit_many(struct tp_executor *ex, tp_task_fn *fn, void *const *items,
    size_t n, struct tp_future **fs, int *err)
{
	size_t i, j, made;
	int e = 0;

	for (made = 0; made < n; made++)
		if ((e = tp__future_create(&fs[made], fn, items[made], ex,
		    2)) != 0)
			break;
	i = enqueue(ex, fs, made, err);
	/* Never queued: the caller's and the executor's reference. */
	for (j = i; j < made; j++)
		tp__future_destroy(fs[j]);
	if (*err == 0 && made < n)
		*err = e;
	return i;
}

unsigned
tp__executor_nworkers(const struct tp_executor *ex)
{
	return ex->maxworkers;
}

void
tp_executor_info(struct tp_executor *ex, struct tp_executor_info *info)
{
	pthread_mutex_lock(&ex->mu);
	info->max_workers = ex->maxworkers;
	info->workers = ex->nworkers;
	info->queued = ex->nqueued;
	info->shutdown = ex->shutdown;
	info->broken = ex->broken;
	pthread_mutex_unlock(&ex->mu);
}

/*
 * Cancel every queued future, all under ex->mu (held by the caller), so
 * that no worker that frees up meanwhile takes one: a shutdown that
 * cancels pending tasks cancels every one of them.  The futures go to
 * *cancelled through their qlink, with their callbacks put back in their
 * own callback fields (unused once a future has finished), for
 * run_cancelled to run with no lock held.
 */
static void
cancel_queued(struct tp_executor *ex, struct tp__link *cancelled)
{
	struct tp__link *l;
	struct tp_future *f;
	struct tp__cblist cbs;

	while ((l = tp__list_pop_front(&ex->queue)) != NULL) {
		f = tp__container(l, struct tp_future, qlink);
		pthread_mutex_lock(&f->mu);
		tp__future_settle_locked(f, TP_CANCELLED, ECANCELED, NULL, &cbs);
		f->cb0 = cbs.first;
		f->cbs = cbs.rest;
		pthread_mutex_unlock(&f->mu);
		tp__list_push_back(cancelled, &f->qlink);
	}
	ex->nqueued = 0;
	hint(ex);
}

/* Run the callbacks of the futures cancel_queued cancelled (or
 * break_executor failed); no lock held.  Those futures are final, so
 * nothing else touches their callback fields. */
static void
run_cancelled(struct tp_executor *ex, struct tp__link *cancelled)
{
	struct tp__link *l;
	struct tp_future *f;
	struct tp__cblist cbs;

	while ((l = tp__list_pop_front(cancelled)) != NULL) {
		f = tp__container(l, struct tp_future, qlink);
		cbs.first = f->cb0;
		cbs.rest = f->cbs;
		f->cb0.fn = NULL;
		f->cbs = NULL;
		finish(ex, f, &cbs);
	}
}

static int
shut_down(struct tp_executor *ex, int wait, int cancel_pending)
{
	struct tp__link cancelled;
	unsigned i;

	tp__list_init(&cancelled);
	pthread_mutex_lock(&ex->mu);
	ex->shutdown = 1;
	hint(ex);
	pthread_cond_broadcast(&ex->work);
	pthread_cond_broadcast(&ex->space);
	if (cancel_pending && !tp__list_empty(&ex->queue)) {
		cancel_queued(ex, &cancelled);
		pthread_mutex_unlock(&ex->mu);
		run_cancelled(ex, &cancelled);
		pthread_mutex_lock(&ex->mu);
	}
	if (!wait) {
		pthread_mutex_unlock(&ex->mu);
		return 0;
	}
	if (current_ex == ex) {
		pthread_mutex_unlock(&ex->mu);
		return EDEADLK;
	}
	if (ex->joining) {
		while (!ex->joined)
			pthread_cond_wait(&ex->joined_cv, &ex->mu);
		pthread_mutex_unlock(&ex->mu);
		return 0;
	}
	ex->joining = 1;
	pthread_mutex_unlock(&ex->mu);

	/* The workers drain the queue before they exit. */
	for (i = 0; i < ex->nworkers; i++)
		pthread_join(ex->threads[i], NULL);

	pthread_mutex_lock(&ex->mu);
	ex->joined = 1;
	pthread_cond_broadcast(&ex->joined_cv);
	pthread_mutex_unlock(&ex->mu);
	return 0;
}

/*
 * A done callback that the shutdown runs may call tp_executor_free, since
 * this thread is not a worker; the reference held meanwhile keeps ex
 * alive until the shutdown is done with it.
 */
int
tp_executor_shutdown(struct tp_executor *ex, int wait, int cancel_pending)
{
	int e;

	tp__executor_ref(ex);
	e = shut_down(ex, wait, cancel_pending);
	tp__executor_unref(ex);
	return e;
}

void
tp_executor_free(struct tp_executor *ex)
{
	if (ex == NULL)
		return;
	tp_executor_shutdown(ex, 1, 0);
	tp__executor_unref(ex);
}
