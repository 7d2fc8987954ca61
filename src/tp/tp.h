/* SPDX-License-Identifier: MIT */
/*
 * libtp: an executor of worker threads with futures, after Python's
 * concurrent.futures.  This header is the library's whole documentation:
 * nobody should need a .c file to use it.
 *
 * libtp knows nothing of processes, argv or output; it runs functions.
 * Errors are returned as positive errno values (0 for success), like
 * pthread_* and posix_spawn; libtp never sets errno, prints or exits.
 *
 * Vocabulary
 *   task      a function run once on a worker thread: tp_task_fn.
 *   status    the int a task returns; non-zero is the task's "exception".
 *   result    the pointer a task stores through its result parameter.
 *   message   optional text that goes with a non-zero status, owned by
 *             the future (tp_future_set_message, tp_future_exception).
 *   future    the handle of one submitted task (struct tp_future).
 *   finished  a future is finished when it is DONE or CANCELLED.
 *
 * Timeouts are relative, in nanoseconds, measured on CLOCK_MONOTONIC:
 * TP_FOREVER waits without limit, 0 polls.
 *
 * Each comment ends with three facts: whether the call is thread-safe,
 * whether it may block, and whether it may be called from a done callback.
 *
 * Deadlocks (as Python's documentation warns): a task that waits for
 * another future of its own executor can wait forever when every worker
 * is busy waiting in the same way, for instance a one-worker executor
 * whose task waits for a future it submitted.  Likewise a task that calls
 * tp_submit on its own executor when the queue is bounded and full, or
 * that calls tp_executor_shutdown with wait on its own executor (the
 * latter is detected and refused with EDEADLK).
 */
#ifndef TP_H
#define TP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TP_VERSION_MAJOR 1
#define TP_VERSION_MINOR 0
#define TP_VERSION_PATCH 0

/* Wait without limit; for every timeout_ns parameter. */
#define TP_FOREVER ((int64_t)-1)

/* Nanoseconds in a second, to write timeouts as 2 * TP_SEC. */
#define TP_SEC ((int64_t)1000000000)

struct tp_executor;
struct tp_future;
struct tp_map;
struct tp_as_completed;

/*
 * The life of a future.  PENDING: queued, not started.  RUNNING: a worker
 * is running its task.  DONE: the task returned.  CANCELLED: cancelled
 * while pending (the task never ran), cancelled while running through its
 * cancel hook (the task ran to its end), or dropped by a shutdown that
 * cancelled pending tasks.
 */
enum tp_state {
	TP_PENDING,
	TP_RUNNING,
	TP_DONE,
	TP_CANCELLED
};

/* What tp_wait waits for; the names of concurrent.futures.wait. */
enum tp_wait_mode {
	TP_FIRST_COMPLETED,	/* any future finishes */
	TP_FIRST_EXCEPTION,	/* any future is DONE with a non-zero status;
				 * if none is, the same as TP_ALL_COMPLETED */
	TP_ALL_COMPLETED	/* every future finishes */
};

/*
 * A task.  It runs once on a worker thread with the arg given to
 * tp_submit, may store a result pointer through *result (which starts as
 * NULL) and returns its status: 0 for success, anything else is its
 * "exception", handed back by tp_future_result.  self is the task's own
 * future, borrowed for the duration of the call; the task may pass it to
 * tp_future_set_cancel_hook.  libtp never frees the result; the task's
 * author decides who does.  Signals are blocked on worker threads.
 */
typedef int tp_task_fn(struct tp_future *self, void *arg, void **result);

/*
 * A done callback: called once when future f has finished, with the arg
 * given at registration.  f is borrowed: it stays valid during the call;
 * keep it longer with tp_future_retain.  The callback may call any
 * function whose comment says "callable from a done callback: yes".
 */
typedef void tp_done_fn(struct tp_future *f, void *arg);

/*
 * A cancel hook: called by tp_future_cancel on a RUNNING future whose task
 * registered it, on the cancelling thread, with no libtp lock held.  It
 * should make the task return soon (tpmap signals the job's process
 * group); it must not block for long and must not call
 * tp_future_set_cancel_hook.
 */
typedef void tp_cancel_fn(void *arg);

/*
 * A map producer: called by tp_map_next on the caller's thread to get the
 * next item of the input.  Returns 0 after storing an item through *item
 * (any pointer, NULL included), ENOENT at the end of the input, or another
 * positive errno value to stop the map with that error.
 */
typedef int tp_map_next_fn(void *ctx, void **item);

/*
 * A map drop function: called by tp_map_free for every item that was
 * produced but whose future tp_map_next never returned, after that future
 * has finished (f is borrowed; its state tells whether the task ran), or
 * with f NULL for an item that could not be submitted.  It lets the caller
 * free the item and any result.
 */
typedef void tp_map_drop_fn(void *ctx, void *item, struct tp_future *f);

/*
 * A worker initializer: called with its arg on each worker thread as the
 * thread starts, before it runs any task (ThreadPoolExecutor's
 * initializer).  Returns 0, or non-zero to break the executor (see
 * tp_executor_create).
 */
typedef int tp_worker_init_fn(void *arg);

/*
 * A worker finalizer: called with its arg on each worker thread as the
 * thread exits, after its last task, when its initializer (if any)
 * succeeded.  Beyond Python, for what an initializer set up per thread.
 */
typedef void tp_worker_fini_fn(void *arg);

/*
 * Executor options; zero-initialise (or use TP_EXECUTOR_OPTS_INIT) and set
 * what you need.
 *   max_queued   bound on PENDING tasks: when that many are queued,
 *                tp_submit blocks until a worker takes one.  0: no bound.
 *   stack_size   worker thread stack size in bytes; 0: the system default.
 *                Values below PTHREAD_STACK_MIN make create fail (EINVAL).
 *   on_done      executor-level done callback (fastthreadpool's pool-wide
 *                callback): called once for every future of this executor
 *                when it finishes, after the future's own callbacks, on
 *                the same thread, with on_done_arg.  NULL: none.
 *   initializer  called with initializer_arg on each worker as it starts
 *                (tp_worker_init_fn).  NULL: none.
 *   finalizer    called with finalizer_arg on each worker as it exits
 *                (tp_worker_fini_fn).  NULL: none.
 *   thread_name_prefix
 *                names the workers "prefix-0", "prefix-1"... in the order
 *                they start (thread_name_prefix), cut to the 15 bytes
 *                Linux keeps; copied.  Where pthread_setname_np does not
 *                exist, the workers keep the name they inherit.  NULL:
 *                they keep it too.
 * The structure grew in libtp 1 (the fields after on_done_arg): a program
 * built against libtp 0 must be rebuilt.
 */
struct tp_executor_opts {
	size_t max_queued;
	size_t stack_size;
	tp_done_fn *on_done;
	void *on_done_arg;
	tp_worker_init_fn *initializer;
	void *initializer_arg;
	tp_worker_fini_fn *finalizer;
	void *finalizer_arg;
	const char *thread_name_prefix;
};

#define TP_EXECUTOR_OPTS_INIT { 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL }

/*
 * A snapshot of an executor, filled in by tp_executor_info.
 *   max_workers  the most workers it may start (nworkers, or the default).
 *   workers      worker threads started so far, exited ones included.
 *   queued       tasks PENDING in its queue.
 *   shutdown     non-zero once tp_executor_shutdown has been called.
 *   broken       non-zero once a worker's initializer has failed.
 */
struct tp_executor_info {
	unsigned max_workers;
	unsigned workers;
	size_t queued;
	int shutdown;
	int broken;
};

/*
 * Map options; zero-initialise (or use TP_MAP_OPTS_INIT).
 *   window       how many submitted, not yet returned futures the map
 *                may hold, the one the caller waits for included (the
 *                look-ahead; 1 means no look-ahead); 0: 64 per worker
 *                of the executor, enough that the workers rarely wait
 *                for the consumer or it for them.
 *   timeout_ns   deadline for the whole map, counted from its creation;
 *                0 in the struct means no limit (TP_FOREVER also does).
 *   drop         see tp_map_drop_fn; NULL: items are simply forgotten.
 *   flags        0, or TP_MAP_STOP_ON_ERROR.
 * The structure grew in libtp 1 (flags): a program built against libtp 0
 * must be rebuilt.
 */
struct tp_map_opts {
	size_t window;
	int64_t timeout_ns;
	tp_map_drop_fn *drop;
	unsigned flags;
};

#define TP_MAP_OPTS_INIT { 0, 0, NULL, 0 }

/*
 * Stop at the first failure, as Python's map raises at the first failed
 * result: when tp_map_next returns a future that is CANCELLED or DONE
 * with a non-zero status, the map ends there.  The futures submitted
 * after it are cancelled at once (running ones run to their end) and are
 * never returned (tp_map_free hands their items to drop), no more items
 * are produced, later tp_map_push calls fail with EPIPE, and later
 * tp_map_next calls return ENOENT.
 */
#define TP_MAP_STOP_ON_ERROR 0x1u

/* ---- executor ---------------------------------------------------------- */

/*
 * Create an executor of at most nworkers worker threads
 * (ThreadPoolExecutor); nworkers 0 means tp_cpu_count() (libtp 0 refused
 * 0 with EINVAL).  One worker starts here; tp_submit starts another
 * whenever more tasks are queued than workers wait for them, until there
 * are nworkers (so a program that submits one task starts one thread).  If
 * the system refuses a later thread, the workers already there run the
 * tasks and the next submission tries again.
 * opts may be NULL for the defaults.  On success stores the executor in
 * *exp and returns 0; release it with tp_executor_free, which must be
 * called: nothing runs, cancels or frees the queued work at exit.  Errors:
 * EINVAL (a bad stack_size), EAGAIN or ENOMEM (the first thread or memory
 * could not be had; nothing is left behind).  Workers are started with
 * every signal blocked, so signals go to the program's own threads.
 * If a worker's initializer returns non-zero, the executor is broken
 * (BrokenThreadPool): that worker exits without running a task or its
 * finalizer, every PENDING future becomes DONE with status
 * ENOTRECOVERABLE (and a message, see tp_future_exception), and
 * tp_submit fails with ENOTRECOVERABLE from then on; tasks already
 * running elsewhere run to their end.  Shut down and free it as usual.
 * Thread-safe: yes.  May block: no.  From a done callback: yes.
 */
int tp_executor_create(struct tp_executor **exp, unsigned nworkers,
    const struct tp_executor_opts *opts);

/*
 * Submit fn(self, arg, &result) to run on a worker (submit).  On success
 * returns 0 and, if fp is not NULL, stores a new future in *fp that the
 * caller owns one reference to and must give back with
 * tp_future_release; with fp NULL nobody can wait for the task.  arg is
 * not copied: it must stay valid until the future has finished.
 * Errors: ESHUTDOWN after tp_executor_shutdown (also when the shutdown
 * happens while this call is blocked on a full queue), ENOTRECOVERABLE
 * once the executor is broken (see tp_executor_create; it wins over
 * ESHUTDOWN), ENOMEM.  On error fn never runs and *fp is untouched.
 * Thread-safe: yes.  May block: yes, while the queue is at max_queued.
 * From a done callback: yes (but see the deadlock note at the top).
 */
int tp_submit(struct tp_executor *ex, tp_task_fn *fn, void *arg,
    struct tp_future **fp);

/*
 * Stop accepting tasks (shutdown).  With cancel_pending non-zero, every
 * PENDING task is cancelled (its future becomes CANCELLED and runs its
 * callbacks on this thread); otherwise queued tasks still run.  With wait
 * non-zero, returns only when every task has finished and the workers have
 * exited.  Calling it again is harmless.  Returns 0, or EDEADLK when
 * called with wait from one of this executor's own workers (the shutdown
 * still happens, but without waiting).
 * Thread-safe: yes.  May block: yes, with wait.  From a done callback: yes,
 * but with wait only from a thread that is not one of this executor's
 * workers.
 */
int tp_executor_shutdown(struct tp_executor *ex, int wait, int cancel_pending);

/*
 * Shut down with wait (queued tasks still run, unless a previous shutdown
 * cancelled them), join the workers (each runs its finalizer as it exits)
 * and free the executor.  Futures stay valid until their own references
 * are released.  ex may be NULL.  Every executor must be freed (Python's
 * interpreter joins its pools at exit; C has no such hook): a program
 * that returns from main or calls exit without it leaves queued tasks
 * unrun and uncancelled, running tasks cut short, and finalizers uncalled.
 * Must not be called from one of ex's own workers.
 * Thread-safe: yes, once per executor.  May block: yes.
 * From a done callback: only on a thread that is not one of ex's workers.
 */
void tp_executor_free(struct tp_executor *ex);

/*
 * The number of CPUs this process may use: the CPUs of its affinity mask
 * (the online CPUs where there is no affinity call), limited by the CPU
 * quota of its cgroup and of the cgroup's ancestors (cgroup v1 and v2,
 * rounded up: 1.5 CPUs is 2); at least 1.  It is the default worker count
 * of tp_executor_create.  Read afresh at each call (a few small files on
 * Linux); never fails.
 * Thread-safe: yes.  May block: no.  From a done callback: yes.
 */
unsigned tp_cpu_count(void);

/*
 * Fill in *info with a consistent snapshot of ex (max workers, workers
 * started, queue length, shut-down and broken states); it may be stale as
 * soon as this returns.
 * Thread-safe: yes.  May block: no.  From a done callback: yes.
 */
void tp_executor_info(struct tp_executor *ex, struct tp_executor_info *info);

/* ---- futures ----------------------------------------------------------- */

/*
 * Take one more reference to f; give it back with tp_future_release.
 * Thread-safe: yes.  May block: no.  From a done callback: yes.
 */
void tp_future_retain(struct tp_future *f);

/*
 * Give back one reference; the last one frees the future.  The reference
 * tp_submit gave must be released exactly once.  libtp holds its own
 * reference while the task is queued or running, so releasing early never
 * frees a future that still has work to do.  f may be NULL.
 * Thread-safe: yes.  May block: no.  From a done callback: yes (for
 * references the callback owns, not the borrowed one it was given).
 */
void tp_future_release(struct tp_future *f);

/*
 * The state of f at this instant (running(), done(), cancelled()).
 * Thread-safe: yes.  May block: no.  From a done callback: yes.
 */
enum tp_state tp_future_state(struct tp_future *f);

/*
 * The arg f's task was submitted with (for tp_map_next's caller, the
 * item the producer gave; for a future of tp_future_create, its arg).  Thread-safe: yes.  May block: no.  From a
 * done callback: yes.
 */
void *tp_future_arg(struct tp_future *f);

/*
 * Wait until f has finished or timeout_ns has passed.  Returns 0 when f
 * is DONE or CANCELLED, ETIMEDOUT otherwise.
 * Thread-safe: yes.  May block: yes.  From a done callback: yes, but a
 * callback waiting for an unfinished future delays every other callback
 * and future of its thread.
 */
int tp_future_wait(struct tp_future *f, int64_t timeout_ns);

/*
 * Wait as tp_future_wait, then report the outcome (result() and
 * exception() together).  Returns:
 *   0          f is DONE: *result is the task's result, *status its
 *              status (0, or the task's "exception").
 *   ECANCELED  f is CANCELLED: *result and *status are what the task
 *              returned if it ran (cancelled through its hook), else NULL
 *              and ECANCELED.
 *   ETIMEDOUT  not finished in time: *result and *status are untouched.
 * result and status may each be NULL.  The result is not copied: it is
 * the task's pointer, owned as the task's author decides.
 * Thread-safe: yes.  May block: yes.  From a done callback: yes (see
 * tp_future_wait).
 */
int tp_future_result(struct tp_future *f, int64_t timeout_ns, void **result,
    int *status);

/*
 * Cancel f (cancel()).  A PENDING future is removed from its queue and
 * becomes CANCELLED at once: its task never runs, its callbacks run on
 * this thread before tp_future_cancel returns.  A RUNNING future whose
 * task registered a cancel hook gets the hook called (on this thread) and
 * becomes CANCELLED when its task returns.  Returns 0 in those cases,
 * when f was already CANCELLED, and when f is RUNNING and a cancel through
 * its hook was already asked for (even if the task has removed the hook
 * since); EBUSY when f is RUNNING without a hook or already DONE.
 * Thread-safe: yes.  May block: only while the hook runs.  From a done
 * callback: yes.
 */
int tp_future_cancel(struct tp_future *f);

/*
 * Register (fn non-NULL) or remove (fn NULL) the cancel hook of the
 * running task whose future is self; only that task may call it, with
 * the self it was given.  Removing the hook waits until a hook call in
 * progress on another thread has returned, so that the task may then free
 * what the hook uses; libtp also removes it, the same way, when the task
 * returns.  Returns 0, or ECANCELED if fn is non-NULL and a cancel through
 * an earlier hook has already been asked for (the hook is then not
 * registered; the task should return).
 * Thread-safe: yes.  May block: yes, briefly, while removing.
 * From a done callback: no (the future is no longer running).
 */
int tp_future_set_cancel_hook(struct tp_future *self, tp_cancel_fn *fn,
    void *arg);

/*
 * The failure of f, as Python's exception(timeout): waits as
 * tp_future_wait, then for a DONE future returns 0 with *err set to its
 * status (0 when it succeeded) and *message to the text set with
 * tp_future_set_message or tp_future_set_exception (NULL when there is
 * none or the status is 0).  The text is the future's: valid while the
 * caller holds a reference, never to be freed or changed.  Returns
 * ECANCELED for a CANCELLED future and ETIMEDOUT when f is not finished
 * in time (then *err and *message are untouched).  err and message may
 * be NULL.  A future that a broken executor failed (ENOTRECOVERABLE) has
 * a message that says so.
 * Thread-safe: yes.  May block: yes.  From a done callback: yes (see
 * tp_future_wait).
 */
int tp_future_exception(struct tp_future *f, int64_t timeout_ns, int *err,
    const char **message);

/*
 * Attach a message (formatted as printf, copied) to f, which has not
 * finished: a task calls it on its self before returning a non-zero
 * status, to say more than an errno value can ("line 12: bad header").
 * A later call replaces the text.  Returns 0, ENOMEM, EINVAL (a bad
 * format), or EALREADY when f has already finished (the text is dropped).
 * Thread-safe: yes.  May block: no.  From a done callback: no (the
 * future has finished).
 */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int tp_future_set_message(struct tp_future *f, const char *fmt, ...);

/*
 * Make a future that no executor runs and the program completes itself
 * (Python's Future(), for code that hands out futures for work done
 * elsewhere: a callback from an event loop, another library's thread).
 * It starts PENDING, with arg as its tp_future_arg.  It works as any
 * future with tp_future_wait, tp_future_result, tp_future_exception,
 * tp_future_cancel (a PENDING one is cancelled at once, its callbacks run
 * on the cancelling thread), tp_future_on_done, tp_wait and the
 * as_completed iterator; its callbacks run on the thread that completes
 * or cancels it.  Stores it in *fp with one reference for the caller
 * (tp_future_release).  Returns 0 or ENOMEM.
 * Thread-safe: yes.  May block: no.  From a done callback: yes.
 */
int tp_future_create(struct tp_future **fp, void *arg);

/*
 * Complete a future of tp_future_create: DONE with status 0 and result
 * (set_result).  Its callbacks run on this thread before this returns.
 * Returns 0; EALREADY when f has already finished, DONE or CANCELLED
 * (Python's InvalidStateError; nothing changes); EINVAL when f was not
 * made by tp_future_create (an executor's futures are its own to finish).
 * Thread-safe: yes.  May block: only by running the callbacks.  From a
 * done callback: yes.
 */
int tp_future_set_result(struct tp_future *f, void *result);

/*
 * Complete a future of tp_future_create as failed (set_exception): DONE
 * with status err, which must not be 0, and message (copied; NULL for
 * none) for tp_future_exception.  Returns 0; EALREADY as
 * tp_future_set_result; EINVAL when err is 0 or f was not made by
 * tp_future_create; ENOMEM (nothing changes).
 * Thread-safe: yes.  May block: only by running the callbacks.  From a
 * done callback: yes.
 */
int tp_future_set_exception(struct tp_future *f, int err, const char *message);

/*
 * Python's set_running_or_notify_cancel, for a future of
 * tp_future_create: a PENDING future becomes RUNNING (from then on
 * tp_future_cancel fails with EBUSY) and 0 is returned; a CANCELLED one
 * gives ECANCELED (the work should not be done); one that is already
 * RUNNING or DONE gives EALREADY; EINVAL when f was not made by
 * tp_future_create.
 * Thread-safe: yes.  May block: no.  From a done callback: yes.
 */
int tp_future_set_running(struct tp_future *f);

/*
 * Call fn(f, arg) when f finishes (add_done_callback).  Callbacks of one
 * future run in registration order, each exactly once, on the thread that
 * finishes the future (the worker, or the thread that cancelled it, or the
 * one that shut the executor down, or that completed a future of
 * tp_future_create), with no libtp lock held.  If f has
 * already finished, fn runs at once on the calling thread before this
 * returns.  Returns 0, or ENOMEM (then fn never runs).
 * Thread-safe: yes.  May block: only by running fn.  From a done
 * callback: yes (on an already finished future fn runs at once, nested).
 */
int tp_future_on_done(struct tp_future *f, tp_done_fn *fn, void *arg);

/* ---- map --------------------------------------------------------------- */

/*
 * Start map(fn, iterable) over items given by next(ctx, &item): an ordered
 * iterator that submits fn(self, item, &result) for each item, at most
 * opts->window ahead of the consumer, lazily (no item is produced before
 * the first tp_map_next).  opts may be NULL for the defaults.  Stores the
 * iterator in *mp; free it with tp_map_free.  Errors: EINVAL (ex, fn or
 * next NULL), ENOMEM.
 * Thread-safe: yes.  May block: no.  From a done callback: yes.
 */
int tp_map_create(struct tp_map **mp, struct tp_executor *ex, tp_task_fn *fn,
    tp_map_next_fn *next, void *ctx, const struct tp_map_opts *opts);

/*
 * Start a pushed map: the same ordered iterator as tp_map_create, over the
 * items that any threads give to tp_map_push, in the order of the pushes,
 * until tp_map_close says the input has ended.  Several producers may push
 * at once; the consumer calls tp_map_next as for any map.  ctx is given
 * to opts->drop.  Stores the map in *mp; free it with tp_map_free, once
 * no tp_map_push is in progress or to come.  Errors: EINVAL (ex or fn
 * NULL), ENOMEM, EAGAIN.
 * Thread-safe: yes.  May block: no.  From a done callback: yes.
 */
int tp_map_create_pushed(struct tp_map **mp, struct tp_executor *ex,
    tp_task_fn *fn, void *ctx, const struct tp_map_opts *opts);

/*
 * Submit fn(self, item, &result) as the next item of pushed map m.  Blocks
 * while the map holds window futures that tp_map_next has not returned
 * (the look-ahead bound is the pushers' back-pressure), and while the
 * executor's queue is full.  Returns 0; EPIPE after tp_map_close, or once
 * TP_MAP_STOP_ON_ERROR has stopped the map (also for a call blocked when
 * that happens); the error of tp_submit (ESHUTDOWN, ENOTRECOVERABLE,
 * ENOMEM); EINVAL for a map of tp_map_create.  On error item is not in the
 * map: it stays the caller's, and drop never sees it.
 * Thread-safe: yes, with other pushes, tp_map_close and tp_map_next.
 * May block: yes.  From a done callback: not from one run by the map
 * executor's workers, which may be needed to make room.
 */
int tp_map_push(struct tp_map *m, void *item);

/*
 * End the input of pushed map m: once the futures pushed so far have been
 * returned, tp_map_next returns ENOENT; later and blocked pushes fail with
 * EPIPE.  Calling it again is harmless.  Returns 0, or EINVAL for a map of
 * tp_map_create.
 * Thread-safe: yes.  May block: no.  From a done callback: yes.
 */
int tp_map_close(struct tp_map *m);

/*
 * Return the next future of the map in input order, once it has finished:
 * 0 with a new reference in *fp (release it with tp_future_release; read
 * the outcome with tp_future_result(*fp, 0, ...) and the item with
 * tp_future_arg).  While the oldest future is unfinished, more items are
 * produced and submitted until the window is full; the producer runs on
 * this thread, asked for up to 64 items in a row, which are then submitted
 * together.  Returns ENOENT after the last future, ETIMEDOUT when the
 * map's deadline passes before the next future finishes (once it has
 * passed, later calls only poll: they return a finished future or
 * ETIMEDOUT at once),
 * the producer's error once the futures before it have been returned, or
 * the error of tp_submit (ESHUTDOWN, ENOMEM; the items produced and not
 * submitted are then handed to drop, with f NULL).  For a pushed map, ENOENT comes after tp_map_close, and while
 * its input is open and every pushed future has been returned, the call
 * waits for the next push.  With TP_MAP_STOP_ON_ERROR, ENOENT also comes
 * after the failed future that stopped the map.
 * Thread-safe: no (one consumer per map; pushers may run meanwhile).
 * May block: yes.  From a done callback: yes, but not one of ex's own
 * workers' callbacks if it may have to wait.
 */
int tp_map_next(struct tp_map *m, struct tp_future **fp);

/*
 * tp_map_next with a limit of its own: waits at most timeout_ns (and never
 * past the map's deadline), 0 to poll: a pulled map still produces and
 * submits items up to the window, then returns ETIMEDOUT at once if the
 * next future has not finished.  Unlike the map's deadline, a call's
 * timeout leaves later calls free to wait.  TP_FOREVER is tp_map_next.
 * Same errors, thread-safety and blocking as tp_map_next.
 */
int tp_map_next_timed(struct tp_map *m, int64_t timeout_ns,
    struct tp_future **fp);

/*
 * Free the map: cancel the futures it submitted that tp_map_next has not
 * returned, wait until they have all finished (running ones run to their
 * end), hand each item to drop, and free everything.  m may be NULL.
 * No tp_map_push may be in progress (close the map and let the pushers
 * return first).
 * Thread-safe: no.  May block: yes.  From a done callback: as
 * tp_map_next.
 */
void tp_map_free(struct tp_map *m);

/* ---- as_completed ------------------------------------------------------ */

/*
 * Start as_completed(fs, timeout): an iterator that yields each of the n
 * futures in fs once, in the order they finish, already-finished ones
 * first; a future listed twice is yielded once.  Futures may come from
 * different executors.  The iterator takes its own reference to each
 * future.  timeout_ns is a deadline counted from this call.  More
 * futures may be added later with tp_as_completed_add.  Stores the
 * iterator in *acp; free it with tp_as_completed_free.  Errors: ENOMEM.
 * Thread-safe: yes.  May block: no.  From a done callback: yes.
 */
int tp_as_completed_create(struct tp_as_completed **acp,
    struct tp_future *const *fs, size_t n, int64_t timeout_ns);

/*
 * Add future f to the set (a dynamic extension of as_completed, used by
 * tpmap to stream jobs through one iterator).  A future already in the
 * set is ignored.  Returns 0 or ENOMEM.
 * Thread-safe: yes (with other calls on the same iterator too).
 * May block: no.  From a done callback: yes.
 */
int tp_as_completed_add(struct tp_as_completed *ac, struct tp_future *f);

/*
 * Wait for the next finished future of the set.  Returns 0 with *fp set
 * to it (borrowed: valid until tp_as_completed_free, or longer with
 * tp_future_retain), ENOENT when every future added so far has been
 * yielded, or ETIMEDOUT when the deadline passes first (once it has
 * passed, later calls only poll: they yield a finished future or return
 * ETIMEDOUT at once).
 * Thread-safe: yes, but each future goes to one caller only.
 * May block: yes.  From a done callback: yes, but see tp_future_wait.
 */
int tp_as_completed_next(struct tp_as_completed *ac, struct tp_future **fp);

/*
 * As tp_as_completed_next, but the future leaves the set: on 0, *fp holds
 * the iterator's reference to it, which the caller now owns and must give
 * back with tp_future_release, and the iterator forgets the future (adding
 * it again afterwards adds it anew).  An iterator fed with
 * tp_as_completed_add for ever and drained with this call holds only the
 * futures not yet taken, so its memory stays bounded, where one drained
 * with tp_as_completed_next keeps every future until it is freed.
 * Errors as tp_as_completed_next.  Calls of both kinds may be mixed.
 * Thread-safe: yes, but each future goes to one caller only.
 * May block: yes.  From a done callback: yes, but see tp_future_wait.
 */
int tp_as_completed_take(struct tp_as_completed *ac, struct tp_future **fp);

/*
 * The futures of the set not yet yielded or taken; after a
 * tp_as_completed_next or tp_as_completed_take that returned ETIMEDOUT,
 * the futures that were unfinished (Python's "N (of M) futures
 * unfinished").  For tp_wait, its nnot_done says the same.
 * Thread-safe: yes.  May block: no.  From a done callback: yes.
 */
size_t tp_as_completed_pending(struct tp_as_completed *ac);

/*
 * The futures the iterator holds a reference to: those added and not
 * taken (yielded by tp_as_completed_next or not).  Its memory grows with
 * this count.
 * Thread-safe: yes.  May block: no.  From a done callback: yes.
 */
size_t tp_as_completed_size(struct tp_as_completed *ac);

/*
 * Free the iterator and drop its references; the futures themselves go
 * on.  ac may be NULL.  Thread-safe: no (no other call on ac may be in
 * progress).  May block: no.  From a done callback: yes.
 */
void tp_as_completed_free(struct tp_as_completed *ac);

/* ---- wait -------------------------------------------------------------- */

/*
 * Wait for the n futures of fs, as concurrent.futures.wait, until the
 * condition of mode holds or timeout_ns passes.  Futures may come from
 * several executors; duplicates count once.  On return the distinct
 * futures are split into done (finished: DONE or CANCELLED) and not_done,
 * two caller-provided arrays of at least n entries each (borrowed
 * pointers: no reference is taken), with their counts in *ndone and
 * *nnot_done.  done and not_done may be NULL when the split is not
 * wanted (the counts are still stored where ndone and nnot_done point;
 * those may be NULL too).  Returns 0 when the condition holds, ETIMEDOUT when the time ran
 * out first (the split is filled in either case), EINVAL for a bad mode,
 * ENOMEM.
 * Thread-safe: yes.  May block: yes.  From a done callback: yes, but see
 * tp_future_wait.
 */
int tp_wait(struct tp_future *const *fs, size_t n, enum tp_wait_mode mode,
    int64_t timeout_ns, struct tp_future **done, size_t *ndone,
    struct tp_future **not_done, size_t *nnot_done);

#ifdef __cplusplus
}
#endif

#endif /* TP_H */
