/* SPDX-License-Identifier: MIT */
/*
 * Futures: their states, waiting for them, cancelling them and their done
 * callbacks.  A future moves PENDING -> RUNNING -> DONE or CANCELLED under
 * its own lock (but for an executor's future becoming RUNNING, which is
 * under the executor's; see tp_internal.h); the move to a final state
 * (tp__future_settle_locked) also wakes its waiters, and the callbacks it
 * collected run afterwards with no lock held.  Released futures are kept
 * for reuse by the releasing thread (the cache below).  Queue handling
 * lives in executor.c, multi-future waits in wait.c.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tp_internal.h"

/* Memory checkers that the future cache tells what is free (see
 * fcache_hide); with neither, it tells no one. */
#if defined(__SANITIZE_ADDRESS__)
#define TP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TP_ASAN 1
#endif
#endif
#ifdef TP_ASAN
#include <sanitizer/asan_interface.h>
#endif
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define TP_MEMCHECK 1
#endif
#endif

int
tp__finished(enum tp_state s)
{
	return s == TP_DONE || s == TP_CANCELLED;
}

/*
 * A per-thread cache of released futures.  Every task costs a future, and
 * a future made by malloc and freed again can cost more than the rest of
 * a task's trip through the pool: glibc hands freed memory back to the
 * system once more than 128 KiB lie free at the top of the heap, and the
 * next futures fault their pages in again (bench/README.md).  So the
 * thread that drops a future's last reference keeps it, its mutex and
 * condition variable still initialized, for the next future that thread
 * makes.  A future released on another thread than the one that made it
 * goes to the releasing thread's cache, which serves any future as well as
 * another (they all come from malloc).
 *
 * How many: as many as the thread has needed.  The cache holds up to
 * CACHE_MIN futures, plus one for every future the thread made while its
 * cache was empty, so that a thread that keeps N futures alive at once
 * reuses N.  What the thread no longer needs goes back to malloc: once
 * per epoch (4 gets or puts per future the cache may hold), if the cache
 * never fell below `low` futures during the epoch, those were not used,
 * and half of them are freed and no longer counted as needed.
 *
 * No future outlives its thread's cache: a thread that exits frees its
 * cache (a thread-specific key's destructor), and so does the thread that
 * runs exit() or unloads the library (a destructor function), which also
 * turns caching off for good.  The cache is thread-local: no lock.
 */
#define CACHE_MIN 256
#define CACHE_MAX ((size_t)1 << 20)

struct fcache {
	struct tp_future *head;		/* linked through qlink.next */
	size_t n;			/* futures in the cache */
	size_t grown;			/* it may hold CACHE_MIN + grown */
	size_t low;			/* the least n this epoch */
	size_t ops;			/* gets and puts this epoch */
	int registered;			/* the key's destructor will run */
	int closed;			/* the thread is exiting */
};

static _Thread_local struct fcache fcache;
static pthread_once_t fcache_once = PTHREAD_ONCE_INIT;
static pthread_key_t fcache_key;
static int fcache_key_ok;
/* Set once the process exits or libtp is unloaded.  Relaxed suffices: it
 * orders nothing, and a thread that misses it caches a future its own
 * exit frees, or that stays reachable from its thread-local cache. */
static atomic_int fcache_off;

static void
future_free(struct tp_future *f)
{
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

/*
 * To ASan and valgrind a cached future is freed memory but for its link,
 * so that a use after the last release is still reported.
 */
static void
fcache_hide(struct tp_future *f)
{
	size_t off = offsetof(struct tp_future, qlink.next);

	(void)f;
	(void)off;
#ifdef TP_ASAN
	ASAN_POISON_MEMORY_REGION(f, off);
#endif
#ifdef TP_MEMCHECK
	VALGRIND_MAKE_MEM_NOACCESS(f, off);
#endif
}

static void
fcache_show(struct tp_future *f)
{
	(void)f;
#ifdef TP_ASAN
	ASAN_UNPOISON_MEMORY_REGION(f, sizeof(*f));
#endif
#ifdef TP_MEMCHECK
	VALGRIND_MAKE_MEM_DEFINED(f, sizeof(*f));
#endif
}

static struct tp_future *
fcache_pop(void)
{
	struct tp_future *f = fcache.head;

	fcache.head = (struct tp_future *)(void *)f->qlink.next;
	fcache.n--;
	fcache_show(f);
	return f;
}

/* Free the calling thread's cache and cache nothing more on it. */
static void
fcache_drain(void *unused)
{
	(void)unused;
	fcache.closed = 1;
	while (fcache.head != NULL)
		future_free(fcache_pop());
}

static void
fcache_key_create(void)
{
	fcache_key_ok = pthread_key_create(&fcache_key, fcache_drain) == 0;
}

__attribute__((destructor)) static void
fcache_at_exit(void)
{
	atomic_store_explicit(&fcache_off, 1, memory_order_relaxed);
	fcache_drain(NULL);
	/* A thread that exits later must not call into unloaded code. */
	if (fcache_key_ok)
		pthread_key_delete(fcache_key);
}

/* Count a get or a put; at the end of an epoch, free what went unused. */
static void
fcache_tick(void)
{
	size_t spare;

	if (fcache.n < fcache.low)
		fcache.low = fcache.n;
	if (++fcache.ops < 4 * (CACHE_MIN + fcache.grown))
		return;
	if (fcache.low > CACHE_MIN) {
		spare = fcache.low / 2;
		fcache.grown = fcache.grown > spare ? fcache.grown - spare : 0;
		for (; spare > 0; spare--)
			future_free(fcache_pop());
	}
	fcache.ops = 0;
	fcache.low = fcache.n;
}

/* Keep f, whose last reference is gone; 0 if the caller must free it. */
static int
fcache_put(struct tp_future *f)
{
	if (fcache.n >= CACHE_MIN + fcache.grown || fcache.closed ||
	    atomic_load_explicit(&fcache_off, memory_order_relaxed))
		return 0;
	if (!fcache.registered) {
		/* The key's value only has to be non-NULL for the
		 * destructor to run; the cache itself is thread-local. */
		pthread_once(&fcache_once, fcache_key_create);
		if (!fcache_key_ok ||
		    pthread_setspecific(fcache_key, &fcache) != 0)
			return 0;
		fcache.registered = 1;
	}
	f->qlink.next = (struct tp__link *)(void *)fcache.head;
	fcache_hide(f);
	fcache.head = f;
	fcache.n++;
	fcache_tick();
	return 1;
}

/* A cleared future with its mutex and condition variable initialized. */
static struct tp_future *
future_alloc(void)
{
	struct tp_future *f;
	size_t off = offsetof(struct tp_future, refs);

	if (fcache.head != NULL) {
		f = fcache_pop();
		fcache_tick();
		memset((char *)f + off, 0, sizeof(*f) - off);
		return f;
	}
	/* A miss: the thread needs one future more than it keeps. */
	if (fcache.grown < CACHE_MAX)
		fcache.grown++;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	if (pthread_mutex_init(&f->mu, NULL) != 0) {
		free(f);
		return NULL;
	}
	if (tp__cond_init(&f->cv) != 0) {
		pthread_mutex_destroy(&f->mu);
		free(f);
		return NULL;
	}
	return f;
}

/*
 * Make a PENDING future holding refs references (the caller's and the
 * executor's).  Released by the last tp_future_release.
 */
int
tp__future_create(struct tp_future **fp, tp_task_fn *fn, void *arg,
    struct tp_executor *ex, size_t refs)
{
	struct tp_future *f;

	/* pthread_mutex_init and pthread_cond_init of default and
	 * monotonic attributes fail for want of memory only. */
	if ((f = future_alloc()) == NULL)
		return ENOMEM;
	atomic_init(&f->refs, refs);
	tp__set_state(f, TP_PENDING);
	f->cbtail = &f->cbs;
	tp__list_init(&f->waiters);
	tp__list_init(&f->qlink);
	f->fn = fn;
	f->arg = arg;
	f->ex = ex;
	*fp = f;
	return 0;
}

void
tp__future_destroy(struct tp_future *f)
{
	struct tp__cb *cb, *next;

	/* Callbacks of a future that never finished (a failed submit). */
	for (cb = f->cbs; cb != NULL; cb = next) {
		next = cb->next;
		free(cb);
	}
	assert(tp__list_empty(&f->waiters));
	free(f->message);
	if (!fcache_put(f))
		future_free(f);
}

void
tp_future_retain(struct tp_future *f)
{
	atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
}

void
tp_future_release(struct tp_future *f)
{
	if (f == NULL)
		return;
	/*
	 * acq_rel: the thread that drops the last reference must see every
	 * write other holders made before dropping theirs.
	 */
	if (atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) == 1)
		tp__future_destroy(f);
}

enum tp_state
tp_future_state(struct tp_future *f)
{
	enum tp_state s;

	pthread_mutex_lock(&f->mu);
	s = tp__state(f);
	pthread_mutex_unlock(&f->mu);
	return s;
}

void *
tp_future_arg(struct tp_future *f)
{
	return f->arg;
}

/*
 * Move f to its final state.  Called with f->mu held (and, for a
 * cancellation of a queued future, the executor lock too).  Waits for hook
 * calls in progress, so that nothing calls into the task's hook once the
 * task is over; hands the callbacks to *cbs for tp__future_run_callbacks.
 */
void
tp__future_settle_locked(struct tp_future *f, enum tp_state state,
    int status, void *result, struct tp__cblist *cbs)
{
	while (f->hook_calls > 0)
		pthread_cond_wait(&f->cv, &f->mu);
	f->hook = NULL;
	f->hook_arg = NULL;
	f->status = status;
	f->result = result;
	/* Release: a thread that sees the final state without the lock
	 * (tp_future_wait) sees status, result and message with it. */
	atomic_store_explicit(&f->state, (int)state, memory_order_release);
	cbs->first = f->cb0;
	cbs->rest = f->cbs;
	f->cb0.fn = NULL;
	f->cbs = NULL;
	f->cbtail = &f->cbs;
	tp__waiter_notify_locked(f);
	pthread_cond_broadcast(&f->cv);
}

void
tp__future_run_callbacks(struct tp_future *f, struct tp__cblist *cbs)
{
	struct tp__cb *cb, *next;

	if (cbs->first.fn != NULL)
		cbs->first.fn(f, cbs->first.arg);
	for (cb = cbs->rest; cb != NULL; cb = next) {
		next = cb->next;
		cb->fn(f, cb->arg);
		free(cb);
	}
}

/*
 * Whether f has finished, without its lock.  Acquire, paired with the
 * release in tp__future_settle_locked: a true answer makes the final
 * status, result and message visible to the caller.
 */
static int
finished_unlocked(struct tp_future *f)
{
	return tp__finished((enum tp_state)atomic_load_explicit(&f->state,
	    memory_order_acquire));
}

int
tp_future_wait(struct tp_future *f, int64_t timeout_ns)
{
	struct timespec deadline;
	int e = 0;

	/* Most waits in a map or a collecting loop are for a future that
	 * has finished: answered without the lock. */
	if (finished_unlocked(f))
		return 0;
	pthread_mutex_lock(&f->mu);
	if (!tp__finished(tp__state(f))) {
		if (timeout_ns == 0) {
			e = ETIMEDOUT;
		} else {
			tp__deadline(timeout_ns, &deadline);
			while (!tp__finished(tp__state(f)) && e == 0)
				e = tp__cond_wait(&f->cv, &f->mu,
				    timeout_ns < 0 ? NULL : &deadline);
			if (tp__finished(tp__state(f)))
				e = 0;
		}
	}
	pthread_mutex_unlock(&f->mu);
	return e;
}

int
tp_future_result(struct tp_future *f, int64_t timeout_ns, void **result,
    int *status)
{
	int e;

	if ((e = tp_future_wait(f, timeout_ns)) != 0)
		return e;
	/* Final states never change again, so no lock is needed past here
	 * for the fields; the wait above made them visible. */
	if (result != NULL)
		*result = f->result;
	if (status != NULL)
		*status = f->status;
	return tp__state(f) == TP_CANCELLED ? ECANCELED : 0;
}

/*
 * Futures the program completes itself (Python's Future() with
 * set_result and set_exception): no executor, no task; the thread that
 * completes or cancels one runs its callbacks.
 */
int
tp_future_create(struct tp_future **fp, void *arg)
{
	struct tp_future *f;
	int e;

	if ((e = tp__future_create(&f, NULL, arg, NULL, 1)) != 0)
		return e;
	f->own = 1;
	*fp = f;
	return 0;
}

/* Finish a future made by tp_future_create; message is copied. */
static int
complete(struct tp_future *f, int status, void *result, const char *message)
{
	struct tp__cblist cbs;
	char *copy = NULL;

	if (!f->own)
		return EINVAL;
	/* Copied before the lock, so that a failure changes nothing. */
	if (message != NULL && (copy = strdup(message)) == NULL)
		return ENOMEM;
	pthread_mutex_lock(&f->mu);
	if (tp__finished(tp__state(f))) {
		pthread_mutex_unlock(&f->mu);
		free(copy);
		return EALREADY;
	}
	if (copy != NULL) {
		free(f->message);
		f->message = copy;
	}
	tp__future_settle_locked(f, TP_DONE, status, result, &cbs);
	pthread_mutex_unlock(&f->mu);
	tp__future_run_callbacks(f, &cbs);
	return 0;
}

int
tp_future_set_result(struct tp_future *f, void *result)
{
	return complete(f, 0, result, NULL);
}

int
tp_future_set_exception(struct tp_future *f, int err, const char *message)
{
	if (err == 0)
		return EINVAL;
	return complete(f, err, NULL, message);
}

int
tp_future_set_running(struct tp_future *f)
{
	int e = 0;

	if (!f->own)
		return EINVAL;
	pthread_mutex_lock(&f->mu);
	if (tp__state(f) == TP_PENDING)
		tp__set_state(f, TP_RUNNING);
	else
		e = tp__state(f) == TP_CANCELLED ? ECANCELED : EALREADY;
	pthread_mutex_unlock(&f->mu);
	return e;
}

int
tp_future_set_message(struct tp_future *f, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		return EINVAL;
	if ((msg = malloc((size_t)len + 1)) == NULL)
		return ENOMEM;
	va_start(ap, fmt);
	vsnprintf(msg, (size_t)len + 1, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&f->mu);
	if (tp__finished(tp__state(f))) {
		pthread_mutex_unlock(&f->mu);
		free(msg);
		return EALREADY;
	}
	free(f->message);
	f->message = msg;
	pthread_mutex_unlock(&f->mu);
	return 0;
}

int
tp_future_exception(struct tp_future *f, int64_t timeout_ns, int *err,
    const char **message)
{
	int e;

	if ((e = tp_future_wait(f, timeout_ns)) != 0)
		return e;
	/* Final: no lock needed, as in tp_future_result. */
	if (tp__state(f) == TP_CANCELLED)
		return ECANCELED;
	if (err != NULL)
		*err = f->status;
	if (message != NULL)
		*message = f->status != 0 ? f->message : NULL;
	return 0;
}

/* Cancel a PENDING future of tp_future_create; f->mu is held, and
 * released here. */
static int
cancel_own_locked(struct tp_future *f)
{
	struct tp__cblist cbs;

	tp__future_settle_locked(f, TP_CANCELLED, ECANCELED, NULL, &cbs);
	pthread_mutex_unlock(&f->mu);
	tp__future_run_callbacks(f, &cbs);
	return 0;
}

int
tp_future_cancel(struct tp_future *f)
{
	struct tp_executor *ex;
	tp_cancel_fn *hook;
	void *hook_arg;
	int e;

	for (;;) {
		pthread_mutex_lock(&f->mu);
		switch (tp__state(f)) {
		case TP_CANCELLED:
			pthread_mutex_unlock(&f->mu);
			return 0;
		case TP_DONE:
			pthread_mutex_unlock(&f->mu);
			return EBUSY;
		case TP_RUNNING:
			if (f->hook == NULL) {
				e = f->cancel_requested ? 0 : EBUSY;
				pthread_mutex_unlock(&f->mu);
				return e;
			}
			hook = f->hook;
			hook_arg = f->hook_arg;
			f->cancel_requested = 1;
			f->hook_calls++;
			pthread_mutex_unlock(&f->mu);
			hook(hook_arg);
			pthread_mutex_lock(&f->mu);
			if (--f->hook_calls == 0)
				pthread_cond_broadcast(&f->cv);
			pthread_mutex_unlock(&f->mu);
			return 0;
		case TP_PENDING:
			if (f->own)
				return cancel_own_locked(f);
			/*
			 * The queue is the executor's, and its lock comes
			 * before ours.  While f is PENDING the executor is
			 * alive; a reference taken now keeps it so after we
			 * let go of f.
			 */
			ex = f->ex;
			tp__executor_ref(ex);
			pthread_mutex_unlock(&f->mu);
			e = tp__executor_cancel(ex, f);
			tp__executor_unref(ex);
			if (e != EAGAIN)
				return e;
			/* f left the queue meanwhile: look again. */
			break;
		}
	}
}

int
tp_future_set_cancel_hook(struct tp_future *self, tp_cancel_fn *fn, void *arg)
{
	int e = 0;

	pthread_mutex_lock(&self->mu);
	assert(tp__state(self) == TP_RUNNING);
	if (fn != NULL) {
		if (self->cancel_requested) {
			e = ECANCELED;
		} else {
			self->hook = fn;
			self->hook_arg = arg;
		}
	} else {
		/* The caller may free what the hook uses once we return. */
		while (self->hook_calls > 0)
			pthread_cond_wait(&self->cv, &self->mu);
		self->hook = NULL;
		self->hook_arg = NULL;
	}
	pthread_mutex_unlock(&self->mu);
	return e;
}

int
tp_future_on_done(struct tp_future *f, tp_done_fn *fn, void *arg)
{
	struct tp__cb *cb = NULL;

	assert(fn != NULL);
	pthread_mutex_lock(&f->mu);
	if (tp__finished(tp__state(f))) {
		pthread_mutex_unlock(&f->mu);
		fn(f, arg);
		return 0;
	}
	if (f->cb0.fn == NULL) {
		f->cb0.fn = fn;
		f->cb0.arg = arg;
		pthread_mutex_unlock(&f->mu);
		return 0;
	}
	pthread_mutex_unlock(&f->mu);

	/* Allocate unlocked; the future may finish meanwhile. */
	if ((cb = malloc(sizeof(*cb))) == NULL)
		return ENOMEM;
	cb->fn = fn;
	cb->arg = arg;
	cb->next = NULL;
	pthread_mutex_lock(&f->mu);
	if (tp__finished(tp__state(f))) {
		pthread_mutex_unlock(&f->mu);
		free(cb);
		fn(f, arg);
		return 0;
	}
	*f->cbtail = cb;
	f->cbtail = &cb->next;
	pthread_mutex_unlock(&f->mu);
	return 0;
}
