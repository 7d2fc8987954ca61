/* SPDX-License-Identifier: MIT */
/*
 * Futures: their states, waiting for them, cancelling them and their done
 * callbacks.  A future moves PENDING -> RUNNING -> DONE or CANCELLED under
 * its own lock; the move to a final state (tp__future_settle_locked) also
 * wakes its waiters, and the callbacks it collected run afterwards with no
 * lock held.  Queue handling lives in executor.c, multi-future waits in
 * wait.c.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tp_internal.h"

int
tp__finished(enum tp_state s)
{
	return s == TP_DONE || s == TP_CANCELLED;
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
	int e;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return ENOMEM;
	if ((e = pthread_mutex_init(&f->mu, NULL)) != 0)
		goto fail_free;
	if ((e = tp__cond_init(&f->cv)) != 0)
		goto fail_mutex;
	atomic_init(&f->refs, refs);
	f->state = TP_PENDING;
	f->cbtail = &f->cbs;
	tp__list_init(&f->waiters);
	tp__list_init(&f->qlink);
	f->fn = fn;
	f->arg = arg;
	f->ex = ex;
	*fp = f;
	return 0;

fail_mutex:
	pthread_mutex_destroy(&f->mu);
fail_free:
	free(f);
	return e;
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
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	free(f);
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
	s = f->state;
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
	f->state = state;
	f->status = status;
	f->result = result;
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

int
tp_future_wait(struct tp_future *f, int64_t timeout_ns)
{
	struct timespec deadline;
	int e = 0;

	pthread_mutex_lock(&f->mu);
	if (!tp__finished(f->state)) {
		if (timeout_ns == 0) {
			e = ETIMEDOUT;
		} else {
			tp__deadline(timeout_ns, &deadline);
			while (!tp__finished(f->state) && e == 0)
				e = tp__cond_wait(&f->cv, &f->mu,
				    timeout_ns < 0 ? NULL : &deadline);
			if (tp__finished(f->state))
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
	return f->state == TP_CANCELLED ? ECANCELED : 0;
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
	if (tp__finished(f->state)) {
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
	if (f->state == TP_PENDING)
		f->state = TP_RUNNING;
	else
		e = f->state == TP_CANCELLED ? ECANCELED : EALREADY;
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
	if (tp__finished(f->state)) {
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
	if (f->state == TP_CANCELLED)
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
		switch (f->state) {
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
	assert(self->state == TP_RUNNING);
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
	if (tp__finished(f->state)) {
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
	if (tp__finished(f->state)) {
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
