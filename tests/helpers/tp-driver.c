/* SPDX-License-Identifier: MIT */
/*
 * tp-driver: runs one named libtp scenario ("tp-driver SCENARIO", or
 * "tp-driver list") and prints what it saw, for tests/80-lib.bats.  The
 * output is exact: the order of events is forced with gates (a counter
 * behind a mutex and a condition variable that a task waits on until
 * another thread opens it) and with libtp's own waiting, never with sleeps.
 * The few timed waits either expect ETIMEDOUT from a future held back by a
 * gate, or check that something has not happened yet while a gate holds
 * it back; neither outcome depends on the machine's speed.  Any unexpected
 * return value makes the driver exit 1 with a message on stderr; a hang is
 * cut short by alarm(2) (TP_DRIVER_ALARM seconds, default 120, 0 for none).
 * It does not measure speed: that is bench/'s job.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tp.h"

#define MS ((int64_t)1000000)
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define CHECK(want, expr) check((want), (expr), #expr, __LINE__)

/*
 * How long a thread waits to see that something has NOT happened (a
 * blocked tp_submit, a shutdown that must wait for a gated task).  A
 * correct library never lets it happen, so the length only affects how
 * likely a broken one is to be caught.
 */
#define GRACE_MS 50

/* A timeout that must expire: the futures it waits for are gated. */
#define SHORT_NS (20 * MS)

#define MAXITEMS 80

/*
 * A counter that threads wait on until it reaches a value.  A gate is an
 * event waited for with n = 1 and opened with ev_post.
 */
struct event {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int n;
};

/* A task's instructions and what it saw; the arg of task_job. */
struct job {
	int id;
	const char *name;
	int status;		/* the task returns it */
	void *result;		/* the task stores it through *result */
	const char *say;	/* noted just before returning, if set */
	struct event *started;	/* posted as the task starts, if set */
	struct event *gate;	/* the task waits until it opens, if set */
	int keep_self;		/* retain self into self */
	struct tp_future *self;
	atomic_int runs;
	pthread_t thread;	/* the worker that ran it */
	enum tp_state seen;	/* its own state, seen from inside the task */
	int has_own;		/* cb_own is registered on its future */
	atomic_int own_calls;
	pthread_t own_thread;
	char trace[128];	/* callbacks' trace, under the notes lock */
};

/* A done callback's record; the arg of cb_record. */
struct cbrec {
	const char *name;	/* noted with the state, if set */
	struct event *ev;	/* posted after each call, if set */
	atomic_int calls;
	pthread_t thread;
	enum tp_state state;
};

/* A producer over an array of jobs; the ctx of produce and drop_record. */
struct producer {
	struct job *jobs;
	int n;
	int next;		/* index of the next item to produce */
	int fail;		/* returned at the end instead of ENOENT */
	int consumed;		/* kept by the consumer */
	int max_ahead;		/* greatest next - consumed */
	int open_behind;	/* producing item j opens jobs[j+1-it].gate */
	int open_at_end;	/* the end of the input opens every gate */
	int drops;
	int dropped[MAXITEMS];
	int drop_state[MAXITEMS];	/* -1: drop had no future */
};

struct scenario {
	const char *name;
	void (*fn)(void);
};

static const char *scenario_name = "tp-driver";
static pthread_t main_thread;

/* Notes: lines that threads add in the order things happened. */
static struct {
	pthread_mutex_t mu;
	char buf[8192];
	size_t len;
} notes = { PTHREAD_MUTEX_INITIALIZER, "", 0 };

static const char *
errname(int e)
{
	switch (e) {
	case 0:
		return "0";
	case EAGAIN:
		return "EAGAIN";
	case EALREADY:
		return "EALREADY";
	case EBUSY:
		return "EBUSY";
	case ECANCELED:
		return "ECANCELED";
	case EDEADLK:
		return "EDEADLK";
	case EINVAL:
		return "EINVAL";
	case EIO:
		return "EIO";
	case EPIPE:
		return "EPIPE";
	case ENOENT:
		return "ENOENT";
	case ENOMEM:
		return "ENOMEM";
	case ENOTRECOVERABLE:
		return "ENOTRECOVERABLE";
	case ESHUTDOWN:
		return "ESHUTDOWN";
	case ETIMEDOUT:
		return "ETIMEDOUT";
	default:
		return "another value";
	}
}

static const char *
statename(enum tp_state s)
{
	switch (s) {
	case TP_PENDING:
		return "PENDING";
	case TP_RUNNING:
		return "RUNNING";
	case TP_DONE:
		return "DONE";
	case TP_CANCELLED:
		return "CANCELLED";
	default:
		return "a bad state";
	}
}

/*
 * Report a failure and leave at once, from any thread: _exit skips the
 * leak checkers, which would only add noise to the message.
 */
static _Noreturn void
die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "tp-driver: %s: ", scenario_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(1);
}

static void
check(int want, int got, const char *expr, int line)
{
	if (got != want)
		die("line %d: %s: got %s (%d), want %s (%d)", line, expr,
		    errname(got), got, errname(want), want);
}

static void
on_alarm(int sig)
{
	static const char msg[] = "tp-driver: timed out (TP_DRIVER_ALARM)\n";

	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(3);
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p;

	if ((p = calloc(n, size)) == NULL)
		die("out of memory");
	return p;
}

static void
note(const char *fmt, ...)
{
	va_list ap;
	int len;

	CHECK(0, pthread_mutex_lock(&notes.mu));
	va_start(ap, fmt);
	len = vsnprintf(notes.buf + notes.len, sizeof(notes.buf) - notes.len,
	    fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len + 2 > sizeof(notes.buf) - notes.len)
		die("notes overflow");
	notes.len += (size_t)len;
	notes.buf[notes.len++] = '\n';
	notes.buf[notes.len] = '\0';
	CHECK(0, pthread_mutex_unlock(&notes.mu));
}

static void
notes_print(void)
{
	CHECK(0, pthread_mutex_lock(&notes.mu));
	fputs(notes.buf, stdout);
	CHECK(0, pthread_mutex_unlock(&notes.mu));
}

/* Append to a job's trace, ", "-separated, under the notes lock. */
static void
trace(struct job *j, const char *fmt, ...)
{
	va_list ap;
	size_t len;
	int n;

	CHECK(0, pthread_mutex_lock(&notes.mu));
	len = strlen(j->trace);
	if (len > 0 && len + 2 < sizeof(j->trace)) {
		memcpy(j->trace + len, ", ", 3);
		len += 2;
	}
	va_start(ap, fmt);
	n = vsnprintf(j->trace + len, sizeof(j->trace) - len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(j->trace) - len)
		die("trace overflow");
	CHECK(0, pthread_mutex_unlock(&notes.mu));
}

static struct timespec
deadline_ms(long ms)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		die("clock_gettime failed");
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static void
ev_init(struct event *ev)
{
	pthread_condattr_t ca;

	CHECK(0, pthread_mutex_init(&ev->mu, NULL));
	CHECK(0, pthread_condattr_init(&ca));
	CHECK(0, pthread_condattr_setclock(&ca, CLOCK_MONOTONIC));
	CHECK(0, pthread_cond_init(&ev->cv, &ca));
	CHECK(0, pthread_condattr_destroy(&ca));
	ev->n = 0;
}

static void
ev_destroy(struct event *ev)
{
	CHECK(0, pthread_cond_destroy(&ev->cv));
	CHECK(0, pthread_mutex_destroy(&ev->mu));
}

static void
ev_post(struct event *ev)
{
	CHECK(0, pthread_mutex_lock(&ev->mu));
	ev->n++;
	CHECK(0, pthread_cond_broadcast(&ev->cv));
	CHECK(0, pthread_mutex_unlock(&ev->mu));
}

static void
ev_wait(struct event *ev, int n)
{
	CHECK(0, pthread_mutex_lock(&ev->mu));
	while (ev->n < n)
		CHECK(0, pthread_cond_wait(&ev->cv, &ev->mu));
	CHECK(0, pthread_mutex_unlock(&ev->mu));
}

/* Wait until ev reaches n or ms have passed: 0 or ETIMEDOUT. */
static int
ev_wait_ms(struct event *ev, int n, long ms)
{
	struct timespec ts;
	int rc;

	ts = deadline_ms(ms);
	rc = 0;
	CHECK(0, pthread_mutex_lock(&ev->mu));
	while (ev->n < n && rc == 0) {
		rc = pthread_cond_timedwait(&ev->cv, &ev->mu, &ts);
		if (rc != 0 && rc != ETIMEDOUT)
			die("pthread_cond_timedwait: %d", rc);
	}
	if (ev->n >= n)
		rc = 0;
	CHECK(0, pthread_mutex_unlock(&ev->mu));
	return rc;
}

static int
ev_get(struct event *ev)
{
	int n;

	CHECK(0, pthread_mutex_lock(&ev->mu));
	n = ev->n;
	CHECK(0, pthread_mutex_unlock(&ev->mu));
	return n;
}

static pthread_t
spawn(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	CHECK(0, pthread_create(&t, NULL, fn, arg));
	return t;
}

static void
join(pthread_t t)
{
	CHECK(0, pthread_join(t, NULL));
}

static void
barrier_wait(pthread_barrier_t *b)
{
	int rc;

	rc = pthread_barrier_wait(b);
	if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD)
		die("pthread_barrier_wait: %d", rc);
}

static const char *
yesno(int b)
{
	return b ? "yes" : "no";
}

static struct tp_executor *
executor(unsigned nworkers, size_t max_queued, tp_done_fn *on_done,
    void *on_done_arg)
{
	struct tp_executor_opts opts = TP_EXECUTOR_OPTS_INIT;
	struct tp_executor *ex;

	opts.max_queued = max_queued;
	opts.on_done = on_done;
	opts.on_done_arg = on_done_arg;
	CHECK(0, tp_executor_create(&ex, nworkers, &opts));
	return ex;
}

static void
job_init(struct job *j, int id, const char *name)
{
	memset(j, 0, sizeof(*j));
	j->id = id;
	j->name = name;
	atomic_init(&j->runs, 0);
	atomic_init(&j->own_calls, 0);
}

static int
task_job(struct tp_future *self, void *arg, void **result)
{
	struct job *j = arg;

	atomic_fetch_add(&j->runs, 1);
	j->thread = pthread_self();
	j->seen = tp_future_state(self);
	if (j->keep_self) {
		tp_future_retain(self);
		j->self = self;
	}
	if (j->started != NULL)
		ev_post(j->started);
	if (j->gate != NULL)
		ev_wait(j->gate, 1);
	if (j->say != NULL)
		note("%s", j->say);
	*result = j->result;
	return j->status;
}

/* A task that leaves *result alone. */
static int
task_noresult(struct tp_future *self, void *arg, void **result)
{
	(void)self;
	(void)arg;
	(void)result;
	return 0;
}

/* A task that counts its runs in the atomic_int it is given. */
static int
task_count(struct tp_future *self, void *arg, void **result)
{
	(void)self;
	(void)result;
	atomic_fetch_add((atomic_int *)arg, 1);
	return 0;
}

static struct tp_future *
submit(struct tp_executor *ex, struct job *j)
{
	struct tp_future *f;

	CHECK(0, tp_submit(ex, task_job, j, &f));
	return f;
}

static int
fid(struct tp_future *f)
{
	return ((struct job *)tp_future_arg(f))->id;
}

static void
cbrec_init(struct cbrec *c, const char *name, struct event *ev)
{
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->ev = ev;
	atomic_init(&c->calls, 0);
}

static void
cb_record(struct tp_future *f, void *arg)
{
	struct cbrec *c = arg;

	c->thread = pthread_self();
	c->state = tp_future_state(f);
	if (c->name != NULL)
		note("%s %s", c->name, statename(c->state));
	atomic_fetch_add(&c->calls, 1);
	if (c->ev != NULL)
		ev_post(c->ev);
}

static void
cb_count(struct tp_future *f, void *arg)
{
	(void)f;
	atomic_fetch_add((atomic_int *)arg, 1);
}

static void
sort_ints(int *v, size_t n)
{
	size_t i, k;
	int x;

	for (i = 1; i < n; i++) {
		x = v[i];
		for (k = i; k > 0 && v[k - 1] > x; k--)
			v[k] = v[k - 1];
		v[k] = x;
	}
}

/* Print "label: ids..." for futures of jobs, sorted; "-" for none. */
static void
print_ids(const char *label, struct tp_future **fs, size_t n)
{
	int ids[MAXITEMS];
	size_t i;

	if (n > MAXITEMS)
		die("print_ids: too many futures");
	for (i = 0; i < n; i++)
		ids[i] = fid(fs[i]);
	sort_ints(ids, n);
	printf("%s:", label);
	for (i = 0; i < n; i++)
		printf(" %d", ids[i]);
	printf("%s\n", n == 0 ? " -" : "");
}

static void
release_all(struct tp_future **fs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		tp_future_release(fs[i]);
}

/*
 * A thread that opens gates in order.  Before the last one it checks that
 * returned (if set) stays unposted for GRACE_MS, that is, that the main
 * thread is still held back by the gates, and notes in premature if not.
 */
struct opener {
	struct event *gates[4];
	int ngates;
	struct event *returned;
	int premature;
};

static void *
th_opener(void *arg)
{
	struct opener *o = arg;
	int i;

	for (i = 0; i < o->ngates; i++) {
		if (i == o->ngates - 1 && o->returned != NULL)
			o->premature =
			    ev_wait_ms(o->returned, 1, GRACE_MS) == 0;
		ev_post(o->gates[i]);
	}
	return NULL;
}

static void
opener_init(struct opener *o, struct event *returned)
{
	memset(o, 0, sizeof(*o));
	o->returned = returned;
}

/*
 * A thread that opens gate once ev has reached n.  With limit_ms, it gives
 * up waiting after that long, notes it in late and opens the gate anyway:
 * for a wait that a correct library ends at once, so that a broken one
 * fails the scenario instead of hanging it.
 */
struct after {
	struct event *ev;
	int n;
	struct event *gate;
	long limit_ms;
	int late;
};

static void *
th_after(void *arg)
{
	struct after *a = arg;

	if (a->limit_ms > 0)
		a->late = ev_wait_ms(a->ev, a->n, a->limit_ms) != 0;
	else
		ev_wait(a->ev, a->n);
	ev_post(a->gate);
	return NULL;
}

static void
after_init(struct after *a, struct event *ev, int n, struct event *gate)
{
	memset(a, 0, sizeof(*a));
	a->ev = ev;
	a->n = n;
	a->gate = gate;
}

/* ---- executor ---------------------------------------------------------- */

struct meet {
	struct event arrived;
	int n;
};

/* Arrive, then wait for n tasks to have arrived: needs n workers at once. */
static int
task_meet(struct tp_future *self, void *arg, void **result)
{
	struct meet *m = arg;

	(void)self;
	(void)result;
	ev_post(&m->arrived);
	ev_wait(&m->arrived, m->n);
	return 0;
}

static void
sc_create_free(void)
{
	static const unsigned counts[] = { 1, 2, 3, 8 };
	struct tp_executor_opts opts = TP_EXECUTOR_OPTS_INIT;
	struct tp_executor *ex;
	struct meet m;
	size_t i;
	unsigned k;

	for (i = 0; i < NELEM(counts); i++) {
		ev_init(&m.arrived);
		m.n = (int)counts[i];
		CHECK(0, tp_executor_create(&ex, counts[i],
		    i % 2 == 0 ? NULL : &opts));
		for (k = 0; k < counts[i]; k++)
			CHECK(0, tp_submit(ex, task_meet, &m, NULL));
		tp_executor_free(ex);
		printf("workers=%u together=%d\n", counts[i],
		    ev_get(&m.arrived));
		ev_destroy(&m.arrived);
	}
}

static void *
task_noop_thread(void *arg)
{
	return arg;
}

/* This process's threads, from /proc (the suite runs on Linux). */
static int
nthreads(void)
{
	DIR *d;
	struct dirent *e;
	int n = 0;

	if ((d = opendir("/proc/self/task")) == NULL)
		die("opendir /proc/self/task");
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

struct hold {
	struct event arrived, release;
};

/* Arrive, then wait for the release. */
static int
task_hold(struct tp_future *self, void *arg, void **result)
{
	struct hold *h = arg;

	(void)self;
	(void)result;
	ev_post(&h->arrived);
	ev_wait(&h->release, 1);
	return 0;
}

/*
 * Workers start on demand.  A submission may find the worker it would
 * use not yet waiting (just started, or between tasks) and start one more,
 * so between "tasks running" and "tasks submitted + 1" threads may exist,
 * never more than nworkers.
 */
static void
sc_workers_on_demand(void)
{
	struct tp_executor *ex;
	struct hold h;
	pthread_t t;
	int base, n, k;

	/* A runtime may start a thread of its own with the program's first
	 * one (ThreadSanitizer does): let it, before counting. */
	t = spawn(task_noop_thread, NULL);
	join(t);
	base = nthreads();
	CHECK(0, tp_executor_create(&ex, 64, NULL));
	printf("nworkers=64, after create: %d thread\n", nthreads() - base);
	ev_init(&h.arrived);
	ev_init(&h.release);
	for (k = 0; k < 3; k++)
		CHECK(0, tp_submit(ex, task_hold, &h, NULL));
	ev_wait(&h.arrived, 3);
	n = nthreads() - base;
	printf("3 tasks held: %s\n", n >= 3 && n <= 4 ? "3 or 4 threads" :
	    "wrong");
	ev_post(&h.release);
	tp_executor_free(ex);
	printf("after free: %d threads\n", nthreads() - base);
	ev_destroy(&h.arrived);
	ev_destroy(&h.release);

	ev_init(&h.arrived);
	ev_init(&h.release);
	CHECK(0, tp_executor_create(&ex, 2, NULL));
	for (k = 0; k < 8; k++)
		CHECK(0, tp_submit(ex, task_hold, &h, NULL));
	ev_wait(&h.arrived, 2);
	printf("nworkers=2, 8 tasks, 2 held: %d threads\n",
	    nthreads() - base);
	ev_post(&h.release);
	tp_executor_free(ex);
	printf("all ran: %d\n", ev_get(&h.arrived));
	ev_destroy(&h.arrived);
	ev_destroy(&h.release);
}

/* nworkers 0 is tp_cpu_count() workers: that many tasks meet. */
static void
sc_create_zero(void)
{
	struct tp_executor_opts opts = TP_EXECUTOR_OPTS_INIT;
	struct tp_executor *ex;
	struct meet m;
	unsigned n, k;
	int pass;

	n = tp_cpu_count();
	for (pass = 0; pass < 2; pass++) {
		ev_init(&m.arrived);
		m.n = (int)n;
		CHECK(0, tp_executor_create(&ex, 0, pass == 0 ? NULL : &opts));
		for (k = 0; k < n; k++)
			CHECK(0, tp_submit(ex, task_meet, &m, NULL));
		tp_executor_free(ex);
		printf("nworkers=0%s: tp_cpu_count() tasks together: %s\n",
		    pass == 0 ? "" : " with opts",
		    yesno(ev_get(&m.arrived) == (int)n));
		ev_destroy(&m.arrived);
	}
}

static void
sc_create_small_stack(void)
{
	struct tp_executor_opts opts = TP_EXECUTOR_OPTS_INIT;
	struct tp_executor *ex;

	opts.stack_size = 1;
	printf("stack_size=1: %s\n", errname(tp_executor_create(&ex, 2,
	    &opts)));
}

static void
sc_create_stack_size(void)
{
	struct tp_executor_opts opts = TP_EXECUTOR_OPTS_INIT;
	struct tp_executor *ex;
	struct tp_future *f;
	struct job j;
	int st;

	opts.stack_size = (size_t)1 << 20;
	CHECK(0, tp_executor_create(&ex, 2, &opts));
	printf("stack_size=%zu: 0\n", opts.stack_size);
	job_init(&j, 0, NULL);
	j.status = 3;
	f = submit(ex, &j);
	CHECK(0, tp_future_result(f, TP_FOREVER, NULL, &st));
	printf("task status: %d\n", st);
	tp_future_release(f);
	tp_executor_free(ex);
}

static void
sc_submit_result(void)
{
	static char value[] = "value";
	struct tp_executor *ex;
	struct tp_future *f;
	struct job j;
	void *res;
	int rc, st;

	ex = executor(2, 0, NULL, NULL);
	job_init(&j, 0, NULL);
	j.result = value;
	f = submit(ex, &j);
	res = NULL;
	st = -1;
	rc = tp_future_result(f, TP_FOREVER, &res, &st);
	printf("result: %s\n", errname(rc));
	printf("result pointer: %s\n", res == value ? "the task's" : "wrong");
	printf("status: %d\n", st);
	printf("arg: %s\n", tp_future_arg(f) == &j ? "the submitted one" :
	    "wrong");
	tp_future_release(f);
	tp_executor_free(ex);
}

static void
sc_result_status(void)
{
	static char partial[] = "partial";
	struct tp_executor *ex;
	struct tp_future *f;
	struct job j;
	void *res;
	int rc, st;

	ex = executor(2, 0, NULL, NULL);
	job_init(&j, 0, NULL);
	j.status = 42;
	j.result = partial;
	f = submit(ex, &j);
	rc = tp_future_result(f, TP_FOREVER, &res, &st);
	printf("result: %s\n", errname(rc));
	printf("status: %d\n", st);
	printf("result pointer: %s\n", res == partial ? "the task's" : "wrong");
	printf("state: %s\n", statename(tp_future_state(f)));
	tp_future_release(f);
	tp_executor_free(ex);
}

static void
sc_result_null(void)
{
	static char sentinel;
	struct tp_executor *ex;
	struct tp_future *f;
	void *res;
	int st;

	ex = executor(1, 0, NULL, NULL);
	CHECK(0, tp_submit(ex, task_noresult, NULL, &f));
	res = &sentinel;
	st = -1;
	CHECK(0, tp_future_result(f, TP_FOREVER, &res, &st));
	printf("untouched result: %s\n", res == NULL ? "NULL" : "not NULL");
	printf("status: %d\n", st);
	printf("without outputs: %s\n",
	    errname(tp_future_result(f, TP_FOREVER, NULL, NULL)));
	tp_future_release(f);
	tp_executor_free(ex);
}

static void
sc_submit_no_future(void)
{
	struct tp_executor *ex;
	struct job j;

	ex = executor(2, 0, NULL, NULL);
	job_init(&j, 0, NULL);
	CHECK(0, tp_submit(ex, task_job, &j, NULL));
	tp_executor_free(ex);
	printf("runs: %d\n", atomic_load(&j.runs));
}

static void
sc_submit_after_shutdown(void)
{
	static char sentinel;
	struct tp_executor *ex;
	struct tp_future *f;
	struct job j;

	ex = executor(2, 0, NULL, NULL);
	job_init(&j, 0, NULL);
	CHECK(0, tp_executor_shutdown(ex, 0, 0));
	f = (struct tp_future *)(void *)&sentinel;
	printf("submit: %s\n", errname(tp_submit(ex, task_job, &j, &f)));
	printf("future untouched: %s\n",
	    yesno(f == (struct tp_future *)(void *)&sentinel));
	printf("submit without future: %s\n",
	    errname(tp_submit(ex, task_job, &j, NULL)));
	tp_executor_free(ex);
	printf("runs: %d\n", atomic_load(&j.runs));
}

static void
sc_shutdown_twice(void)
{
	struct tp_executor *ex;
	struct tp_future *f;
	struct job j;

	ex = executor(2, 0, NULL, NULL);
	job_init(&j, 0, NULL);
	f = submit(ex, &j);
	printf("first: %s\n", errname(tp_executor_shutdown(ex, 1, 0)));
	printf("again: %s\n", errname(tp_executor_shutdown(ex, 1, 0)));
	printf("again, cancelling: %s\n",
	    errname(tp_executor_shutdown(ex, 0, 1)));
	printf("task: %s\n", statename(tp_future_state(f)));
	tp_future_release(f);
	tp_executor_free(ex);
}

/* A thread that submits job to ex, noting when tp_submit returns. */
struct submitter {
	struct tp_executor *ex;
	struct job *job;
	struct tp_future *f;
	int rc;
	struct event entered;
	struct event returned;
};

static void *
th_submit(void *arg)
{
	struct submitter *s = arg;

	ev_post(&s->entered);
	s->rc = tp_submit(s->ex, task_job, s->job, &s->f);
	note("submit of C returns");
	ev_post(&s->returned);
	return NULL;
}

/*
 * The common start of the bounded-queue scenarios: one worker held in A
 * by gate, B queued (the queue, max_queued 1, is full), and a thread
 * blocked in tp_submit of C.
 */
static struct tp_executor *
fill_queue(struct job *a, struct job *b, struct job *c, struct event *started,
    struct event *gate, struct tp_future **fa, struct tp_future **fb,
    struct submitter *s)
{
	struct tp_executor *ex;

	ex = executor(1, 1, NULL, NULL);
	job_init(a, 0, "A");
	job_init(b, 1, "B");
	job_init(c, 2, "C");
	a->started = started;
	a->gate = gate;
	a->say = "A returns";
	*fa = submit(ex, a);
	ev_wait(started, 1);
	*fb = submit(ex, b);
	printf("A: %s\n", statename(tp_future_state(*fa)));
	printf("B: %s\n", statename(tp_future_state(*fb)));
	memset(s, 0, sizeof(*s));
	s->ex = ex;
	s->job = c;
	s->f = NULL;
	ev_init(&s->entered);
	ev_init(&s->returned);
	return ex;
}

static void
sc_queue_bounded(void)
{
	struct event started, gate;
	struct submitter s;
	struct tp_executor *ex;
	struct tp_future *fa, *fb;
	struct job a, b, c;
	pthread_t t;

	ev_init(&started);
	ev_init(&gate);
	ex = fill_queue(&a, &b, &c, &started, &gate, &fa, &fb, &s);
	t = spawn(th_submit, &s);
	ev_wait(&s.entered, 1);
	if (ev_wait_ms(&s.returned, 1, GRACE_MS) == 0)
		die("tp_submit returned while the queue was full");
	printf("submitter blocked\n");
	ev_post(&gate);
	join(t);
	CHECK(0, s.rc);
	CHECK(0, tp_future_result(fa, TP_FOREVER, NULL, NULL));
	CHECK(0, tp_future_result(fb, TP_FOREVER, NULL, NULL));
	CHECK(0, tp_future_result(s.f, TP_FOREVER, NULL, NULL));
	notes_print();
	printf("C: %s\n", statename(tp_future_state(s.f)));
	tp_future_release(fa);
	tp_future_release(fb);
	tp_future_release(s.f);
	tp_executor_free(ex);
	ev_destroy(&s.entered);
	ev_destroy(&s.returned);
	ev_destroy(&started);
	ev_destroy(&gate);
}

static void
sc_queue_shutdown(void)
{
	struct event started, gate;
	struct submitter s;
	struct tp_executor *ex;
	struct tp_future *fa, *fb;
	struct job a, b, c;
	pthread_t t;

	ev_init(&started);
	ev_init(&gate);
	ex = fill_queue(&a, &b, &c, &started, &gate, &fa, &fb, &s);
	t = spawn(th_submit, &s);
	ev_wait(&s.entered, 1);
	if (ev_wait_ms(&s.returned, 1, GRACE_MS) == 0)
		die("tp_submit returned while the queue was full");
	printf("submitter blocked\n");
	CHECK(0, tp_executor_shutdown(ex, 0, 0));
	join(t);
	printf("submit of C: %s\n", errname(s.rc));
	printf("future untouched: %s\n", yesno(s.f == NULL));
	ev_post(&gate);
	tp_executor_free(ex);
	printf("A: %s\n", statename(tp_future_state(fa)));
	printf("B: %s\n", statename(tp_future_state(fb)));
	printf("C runs: %d\n", atomic_load(&c.runs));
	tp_future_release(fa);
	tp_future_release(fb);
	ev_destroy(&s.entered);
	ev_destroy(&s.returned);
	ev_destroy(&started);
	ev_destroy(&gate);
}

static void
sc_states(void)
{
	struct event started, gate;
	struct tp_executor *ex;
	struct tp_future *fa, *fb, *fc;
	struct job a, b, c;

	ev_init(&started);
	ev_init(&gate);
	ex = executor(1, 0, NULL, NULL);
	job_init(&a, 0, "A");
	job_init(&b, 1, "B");
	job_init(&c, 2, "C");
	a.started = &started;
	a.gate = &gate;
	fa = submit(ex, &a);
	ev_wait(&started, 1);
	fb = submit(ex, &b);
	fc = submit(ex, &c);
	printf("A: %s\n", statename(tp_future_state(fa)));
	printf("B: %s\n", statename(tp_future_state(fb)));
	CHECK(0, tp_future_cancel(fc));
	printf("C: %s\n", statename(tp_future_state(fc)));
	ev_post(&gate);
	CHECK(0, tp_future_wait(fa, TP_FOREVER));
	CHECK(0, tp_future_wait(fb, TP_FOREVER));
	printf("A: %s\n", statename(tp_future_state(fa)));
	printf("B: %s\n", statename(tp_future_state(fb)));
	printf("A, from inside its task: %s\n", statename(a.seen));
	tp_future_release(fa);
	tp_future_release(fb);
	tp_future_release(fc);
	tp_executor_free(ex);
	printf("C runs: %d\n", atomic_load(&c.runs));
	ev_destroy(&started);
	ev_destroy(&gate);
}

static void
sc_result_timeout(void)
{
	static char sentinel;
	struct event started, gate;
	struct tp_executor *ex;
	struct tp_future *f;
	struct job a;
	void *res;
	int rc, st;

	ev_init(&started);
	ev_init(&gate);
	ex = executor(1, 0, NULL, NULL);
	job_init(&a, 0, "A");
	a.started = &started;
	a.gate = &gate;
	a.status = 5;
	f = submit(ex, &a);
	ev_wait(&started, 1);
	res = &sentinel;
	st = -1;
	rc = tp_future_result(f, SHORT_NS, &res, &st);
	printf("result, 20ms: %s\n", errname(rc));
	printf("outputs untouched: %s\n", yesno(res == &sentinel && st == -1));
	printf("result, 0: %s\n", errname(tp_future_result(f, 0, &res, &st)));
	printf("wait, 0: %s\n", errname(tp_future_wait(f, 0)));
	printf("wait, 10ms: %s\n", errname(tp_future_wait(f, 10 * MS)));
	printf("state: %s\n", statename(tp_future_state(f)));
	ev_post(&gate);
	rc = tp_future_result(f, TP_FOREVER, &res, &st);
	printf("result, forever: %s, status %d\n", errname(rc), st);
	printf("wait, 0: %s\n", errname(tp_future_wait(f, 0)));
	tp_future_release(f);
	tp_executor_free(ex);
	ev_destroy(&started);
	ev_destroy(&gate);
}

/* One worker held in A by gate; B queued behind it, then cancelled. */
static struct tp_executor *
cancel_queued(struct job *a, struct job *b, struct event *started,
    struct event *gate, struct tp_future **fa, struct tp_future **fb)
{
	struct tp_executor *ex;

	ex = executor(1, 0, NULL, NULL);
	job_init(a, 0, "A");
	job_init(b, 1, "B");
	a->started = started;
	a->gate = gate;
	*fa = submit(ex, a);
	ev_wait(started, 1);
	*fb = submit(ex, b);
	return ex;
}

static void
sc_result_cancelled(void)
{
	static char sentinel;
	struct event started, gate;
	struct tp_executor *ex;
	struct tp_future *fa, *fb;
	struct job a, b;
	void *res;
	int rc, st;

	ev_init(&started);
	ev_init(&gate);
	ex = cancel_queued(&a, &b, &started, &gate, &fa, &fb);
	CHECK(0, tp_future_cancel(fb));
	res = &sentinel;
	st = -1;
	rc = tp_future_result(fb, TP_FOREVER, &res, &st);
	printf("result: %s\n", errname(rc));
	printf("result pointer: %s\n", res == NULL ? "NULL" : "not NULL");
	printf("status: %s\n", errname(st));
	printf("result, 0: %s\n", errname(tp_future_result(fb, 0, NULL,
	    NULL)));
	printf("wait, 0: %s\n", errname(tp_future_wait(fb, 0)));
	ev_post(&gate);
	tp_future_release(fa);
	tp_future_release(fb);
	tp_executor_free(ex);
	ev_destroy(&started);
	ev_destroy(&gate);
}

static void
sc_cancel_pending(void)
{
	struct event started, gate;
	struct tp_executor *ex;
	struct tp_future *fa, *fb;
	struct cbrec cb1, cb2;
	struct job a, b;
	int calls1, calls2;

	ev_init(&started);
	ev_init(&gate);
	ex = cancel_queued(&a, &b, &started, &gate, &fa, &fb);
	cbrec_init(&cb1, "cb1", NULL);
	cbrec_init(&cb2, "cb2", NULL);
	CHECK(0, tp_future_on_done(fb, cb_record, &cb1));
	CHECK(0, tp_future_on_done(fb, cb_record, &cb2));
	printf("cancel: %s\n", errname(tp_future_cancel(fb)));
	calls1 = atomic_load(&cb1.calls);
	calls2 = atomic_load(&cb2.calls);
	printf("callbacks run before cancel returned: %d %d\n", calls1,
	    calls2);
	if (calls1 != 1 || calls2 != 1)
		die("callbacks did not run within tp_future_cancel");
	printf("on the cancelling thread: %s\n",
	    yesno(pthread_equal(cb1.thread, main_thread) &&
	    pthread_equal(cb2.thread, main_thread)));
	notes_print();
	printf("state: %s\n", statename(tp_future_state(fb)));
	printf("cancel again: %s\n", errname(tp_future_cancel(fb)));
	ev_post(&gate);
	tp_executor_free(ex);
	printf("B runs: %d\n", atomic_load(&b.runs));
	printf("callback calls: %d %d\n", atomic_load(&cb1.calls),
	    atomic_load(&cb2.calls));
	tp_future_release(fa);
	tp_future_release(fb);
	ev_destroy(&started);
	ev_destroy(&gate);
}

static void
sc_cancel_running(void)
{
	struct event started, gate;
	struct tp_executor *ex;
	struct tp_future *f;
	struct job a;

	ev_init(&started);
	ev_init(&gate);
	ex = executor(1, 0, NULL, NULL);
	job_init(&a, 0, "A");
	a.started = &started;
	a.gate = &gate;
	f = submit(ex, &a);
	ev_wait(&started, 1);
	printf("cancel: %s\n", errname(tp_future_cancel(f)));
	printf("state: %s\n", statename(tp_future_state(f)));
	ev_post(&gate);
	printf("result: %s\n", errname(tp_future_result(f, TP_FOREVER, NULL,
	    NULL)));
	printf("state: %s\n", statename(tp_future_state(f)));
	tp_future_release(f);
	tp_executor_free(ex);
	ev_destroy(&started);
	ev_destroy(&gate);
}

static void
sc_cancel_done(void)
{
	struct tp_executor *ex;
	struct tp_future *f;
	struct job a;
	int st;

	ex = executor(1, 0, NULL, NULL);
	job_init(&a, 0, "A");
	a.status = 9;
	f = submit(ex, &a);
	CHECK(0, tp_future_wait(f, TP_FOREVER));
	printf("cancel: %s\n", errname(tp_future_cancel(f)));
	printf("state: %s\n", statename(tp_future_state(f)));
	printf("result: %s\n", errname(tp_future_result(f, 0, NULL, &st)));
	printf("status: %d\n", st);
	tp_future_release(f);
	tp_executor_free(ex);
}

/* ---- cancel hooks ------------------------------------------------------ */

/* A task with a cancel hook; the arg of task_hooked and hook_fn. */
struct hooked {
	struct event started;	/* posted once the hook is set up */
	struct event gate;	/* the task waits until it opens */
	struct event hook_in;	/* posted as the hook starts */
	struct event hook_gate;	/* the hook waits for it, if hook_blocks */
	struct event removed;	/* posted after remove_after */
	int hook_opens_gate;
	int hook_blocks;
	int remove_before;	/* remove the hook before posting started */
	int remove_after;	/* remove the hook once gate opens */
	int reregister;		/* register it again once gate opens */
	atomic_int hook_calls;
	pthread_t hook_thread;
	pthread_t task_thread;
	int reg_rc;
	int unreg_rc;
	int rereg_rc;
};

static void
hooked_init(struct hooked *h)
{
	memset(h, 0, sizeof(*h));
	ev_init(&h->started);
	ev_init(&h->gate);
	ev_init(&h->hook_in);
	ev_init(&h->hook_gate);
	ev_init(&h->removed);
	atomic_init(&h->hook_calls, 0);
	h->reg_rc = h->unreg_rc = h->rereg_rc = -1;
}

static void
hooked_destroy(struct hooked *h)
{
	ev_destroy(&h->started);
	ev_destroy(&h->gate);
	ev_destroy(&h->hook_in);
	ev_destroy(&h->hook_gate);
	ev_destroy(&h->removed);
}

static void
hook_fn(void *arg)
{
	struct hooked *h = arg;

	h->hook_thread = pthread_self();
	atomic_fetch_add(&h->hook_calls, 1);
	ev_post(&h->hook_in);
	if (h->hook_blocks) {
		ev_wait(&h->hook_gate, 1);
		note("hook returns");
	}
	if (h->hook_opens_gate)
		ev_post(&h->gate);
}

static int
task_hooked(struct tp_future *self, void *arg, void **result)
{
	struct hooked *h = arg;

	h->task_thread = pthread_self();
	h->reg_rc = tp_future_set_cancel_hook(self, hook_fn, h);
	if (h->remove_before)
		h->unreg_rc = tp_future_set_cancel_hook(self, NULL, NULL);
	ev_post(&h->started);
	ev_wait(&h->gate, 1);
	if (h->remove_after) {
		h->unreg_rc = tp_future_set_cancel_hook(self, NULL, NULL);
		note("hook removed");
		ev_post(&h->removed);
	}
	if (h->reregister)
		h->rereg_rc = tp_future_set_cancel_hook(self, hook_fn, h);
	*result = h;
	return 7;
}

/* A thread that cancels a future. */
struct canceller {
	struct tp_future *f;
	int rc;
};

static void *
th_cancel(void *arg)
{
	struct canceller *c = arg;

	c->rc = tp_future_cancel(c->f);
	return NULL;
}

/*
 * Cancel a running task through its hook, which opens the task's gate; the
 * task then tries to register a hook again.  what: 0 prints the cancel's
 * outcome, 1 the re-registration's.
 */
static void
cancel_hook(int what)
{
	struct tp_executor *ex;
	struct tp_future *f;
	struct hooked h;
	struct event cbev;
	struct cbrec cb;
	void *res;
	int rc, st, calls;

	hooked_init(&h);
	h.hook_opens_gate = 1;
	h.reregister = 1;
	ev_init(&cbev);
	cbrec_init(&cb, NULL, &cbev);
	ex = executor(1, 0, NULL, NULL);
	CHECK(0, tp_submit(ex, task_hooked, &h, &f));
	ev_wait(&h.started, 1);
	CHECK(0, tp_future_on_done(f, cb_record, &cb));
	rc = tp_future_cancel(f);
	calls = atomic_load(&h.hook_calls);
	if (what == 0) {
		printf("register: %s\n", errname(h.reg_rc));
		printf("cancel: %s\n", errname(rc));
		printf("hook calls when cancel returned: %d\n", calls);
		printf("hook on the cancelling thread: %s\n",
		    yesno(calls == 1 && pthread_equal(h.hook_thread,
		    main_thread)));
	}
	res = NULL;
	st = -1;
	rc = tp_future_result(f, TP_FOREVER, &res, &st);
	ev_wait(&cbev, 1);
	if (what == 0) {
		printf("result: %s\n", errname(rc));
		printf("result pointer: %s\n", res == &h ? "the task's" :
		    "wrong");
		printf("status: %d\n", st);
		printf("state: %s\n", statename(tp_future_state(f)));
		printf("callback: %s\n", statename(cb.state));
		printf("callback on the worker: %s\n",
		    yesno(pthread_equal(cb.thread, h.task_thread)));
	}
	tp_future_release(f);
	tp_executor_free(ex);
	if (what == 1) {
		printf("register after cancel: %s\n", errname(h.rereg_rc));
		printf("hook calls: %d\n", atomic_load(&h.hook_calls));
	}
	printf("callback calls: %d\n", atomic_load(&cb.calls));
	ev_destroy(&cbev);
	hooked_destroy(&h);
}

static void
sc_cancel_hook(void)
{
	cancel_hook(0);
}

static void
sc_hook_after_cancel(void)
{
	cancel_hook(1);
}

static void
sc_hook_removed(void)
{
	struct tp_executor *ex;
	struct tp_future *f;
	struct hooked h;
	int st;

	hooked_init(&h);
	h.remove_before = 1;
	ex = executor(1, 0, NULL, NULL);
	CHECK(0, tp_submit(ex, task_hooked, &h, &f));
	ev_wait(&h.started, 1);
	printf("register: %s\n", errname(h.reg_rc));
	printf("remove: %s\n", errname(h.unreg_rc));
	printf("cancel: %s\n", errname(tp_future_cancel(f)));
	printf("hook calls: %d\n", atomic_load(&h.hook_calls));
	ev_post(&h.gate);
	printf("result: %s\n", errname(tp_future_result(f, TP_FOREVER, NULL,
	    &st)));
	printf("status: %d\n", st);
	printf("state: %s\n", statename(tp_future_state(f)));
	tp_future_release(f);
	tp_executor_free(ex);
	hooked_destroy(&h);
}

/*
 * A hook that blocks while the task removes it: the removal must wait
 * until the hook has returned.
 */
static void
sc_hook_remove_waits(void)
{
	struct tp_executor *ex;
	struct canceller c;
	struct hooked h;
	pthread_t t;
	int rc, st;

	hooked_init(&h);
	h.hook_blocks = 1;
	h.remove_after = 1;
	ex = executor(1, 0, NULL, NULL);
	CHECK(0, tp_submit(ex, task_hooked, &h, &c.f));
	ev_wait(&h.started, 1);
	t = spawn(th_cancel, &c);
	ev_wait(&h.hook_in, 1);
	ev_post(&h.gate);
	if (ev_wait_ms(&h.removed, 1, GRACE_MS) == 0)
		die("the hook was removed while it was running");
	printf("removal waits for the running hook\n");
	ev_post(&h.hook_gate);
	join(t);
	/* Only the future's end makes the task's writes visible here. */
	rc = tp_future_result(c.f, TP_FOREVER, NULL, &st);
	printf("cancel: %s\n", errname(c.rc));
	printf("remove: %s\n", errname(h.unreg_rc));
	printf("result: %s\n", errname(rc));
	printf("status: %d\n", st);
	notes_print();
	printf("hook calls: %d\n", atomic_load(&h.hook_calls));
	tp_future_release(c.f);
	tp_executor_free(ex);
	hooked_destroy(&h);
}

/*
 * A hook that blocks while its task returns: libtp removes the hook the
 * same way, so the future does not finish before the hook has returned.
 */
static void
sc_hook_return_waits(void)
{
	struct tp_executor *ex;
	struct canceller c;
	struct event cbev;
	struct cbrec cb;
	struct hooked h;
	pthread_t t;

	hooked_init(&h);
	h.hook_blocks = 1;
	ev_init(&cbev);
	cbrec_init(&cb, "callback", &cbev);
	ex = executor(1, 0, NULL, NULL);
	CHECK(0, tp_submit(ex, task_hooked, &h, &c.f));
	ev_wait(&h.started, 1);
	CHECK(0, tp_future_on_done(c.f, cb_record, &cb));
	t = spawn(th_cancel, &c);
	ev_wait(&h.hook_in, 1);
	ev_post(&h.gate);
	printf("wait while the hook runs: %s\n",
	    errname(tp_future_wait(c.f, GRACE_MS * MS)));
	ev_post(&h.hook_gate);
	join(t);
	printf("cancel: %s\n", errname(c.rc));
	printf("result: %s\n", errname(tp_future_result(c.f, TP_FOREVER, NULL,
	    NULL)));
	ev_wait(&cbev, 1);
	notes_print();
	tp_future_release(c.f);
	tp_executor_free(ex);
	ev_destroy(&cbev);
	hooked_destroy(&h);
}

/* A hook left registered is not called once its task has returned. */
static void
sc_hook_after_return(void)
{
	struct tp_executor *ex;
	struct tp_future *f;
	struct hooked h;

	hooked_init(&h);
	ev_post(&h.gate);
	ex = executor(1, 0, NULL, NULL);
	CHECK(0, tp_submit(ex, task_hooked, &h, &f));
	CHECK(0, tp_future_wait(f, TP_FOREVER));
	printf("register: %s\n", errname(h.reg_rc));
	printf("cancel: %s\n", errname(tp_future_cancel(f)));
	printf("hook calls: %d\n", atomic_load(&h.hook_calls));
	printf("state: %s\n", statename(tp_future_state(f)));
	tp_future_release(f);
	tp_executor_free(ex);
	hooked_destroy(&h);
}

/* ---- done callbacks ---------------------------------------------------- */

/* One worker running A, held by gate; callbacks registered meanwhile. */
static struct tp_executor *
running(struct job *a, struct event *started, struct event *gate,
    struct tp_future **fa)
{
	struct tp_executor *ex;

	ex = executor(1, 0, NULL, NULL);
	job_init(a, 0, "A");
	a->started = started;
	a->gate = gate;
	*fa = submit(ex, a);
	ev_wait(started, 1);
	return ex;
}

static void
sc_callbacks_order(void)
{
	struct event started, gate, cbev;
	struct tp_executor *ex;
	struct tp_future *f;
	struct cbrec cb[3];
	struct job a;
	static const char *const names[] = { "cb1", "cb2", "cb3" };
	size_t i;

	ev_init(&started);
	ev_init(&gate);
	ev_init(&cbev);
	ex = running(&a, &started, &gate, &f);
	for (i = 0; i < NELEM(cb); i++) {
		cbrec_init(&cb[i], names[i], &cbev);
		CHECK(0, tp_future_on_done(f, cb_record, &cb[i]));
	}
	ev_post(&gate);
	ev_wait(&cbev, (int)NELEM(cb));
	tp_future_release(f);
	tp_executor_free(ex);
	notes_print();
	printf("calls: %d %d %d\n", atomic_load(&cb[0].calls),
	    atomic_load(&cb[1].calls), atomic_load(&cb[2].calls));
	ev_destroy(&started);
	ev_destroy(&gate);
	ev_destroy(&cbev);
}

static void
sc_callbacks_thread(void)
{
	struct event started, gate, cbev;
	struct tp_executor *ex;
	struct tp_future *f;
	struct cbrec cb;
	struct job a;

	ev_init(&started);
	ev_init(&gate);
	ev_init(&cbev);
	ex = running(&a, &started, &gate, &f);
	cbrec_init(&cb, NULL, &cbev);
	CHECK(0, tp_future_on_done(f, cb_record, &cb));
	ev_post(&gate);
	ev_wait(&cbev, 1);
	printf("callback on the task's thread: %s\n",
	    yesno(pthread_equal(cb.thread, a.thread)));
	printf("callback on the main thread: %s\n",
	    yesno(pthread_equal(cb.thread, main_thread)));
	printf("state in callback: %s\n", statename(cb.state));
	tp_future_release(f);
	tp_executor_free(ex);
	ev_destroy(&started);
	ev_destroy(&gate);
	ev_destroy(&cbev);
}

static void
sc_callbacks_done_at_once(void)
{
	struct tp_executor *ex;
	struct tp_future *f;
	struct cbrec cb;
	struct job a;

	ex = executor(1, 0, NULL, NULL);
	job_init(&a, 0, "A");
	f = submit(ex, &a);
	CHECK(0, tp_future_wait(f, TP_FOREVER));
	cbrec_init(&cb, NULL, NULL);
	printf("on_done: %s\n", errname(tp_future_on_done(f, cb_record,
	    &cb)));
	printf("calls when on_done returned: %d\n", atomic_load(&cb.calls));
	printf("on the calling thread: %s\n",
	    yesno(pthread_equal(cb.thread, main_thread)));
	printf("state in callback: %s\n", statename(cb.state));
	tp_future_release(f);
	tp_executor_free(ex);
	printf("calls: %d\n", atomic_load(&cb.calls));
}

static void
sc_callbacks_after_cancel(void)
{
	struct event started, gate;
	struct tp_executor *ex;
	struct tp_future *fa, *fb;
	struct cbrec cb;
	struct job a, b;

	ev_init(&started);
	ev_init(&gate);
	ex = cancel_queued(&a, &b, &started, &gate, &fa, &fb);
	CHECK(0, tp_future_cancel(fb));
	cbrec_init(&cb, NULL, NULL);
	printf("on_done: %s\n", errname(tp_future_on_done(fb, cb_record,
	    &cb)));
	printf("calls when on_done returned: %d\n", atomic_load(&cb.calls));
	printf("on the calling thread: %s\n",
	    yesno(pthread_equal(cb.thread, main_thread)));
	printf("state in callback: %s\n", statename(cb.state));
	ev_post(&gate);
	tp_future_release(fa);
	tp_future_release(fb);
	tp_executor_free(ex);
	printf("calls: %d\n", atomic_load(&cb.calls));
	ev_destroy(&started);
	ev_destroy(&gate);
}

struct nest {
	struct event ev;
	int inner_rc;
};

static void
cb_inner(struct tp_future *f, void *arg)
{
	(void)arg;
	note("inner callback %s", statename(tp_future_state(f)));
}

static void
cb_outer(struct tp_future *f, void *arg)
{
	struct nest *n = arg;

	note("outer callback begins");
	n->inner_rc = tp_future_on_done(f, cb_inner, n);
	note("outer callback ends");
	ev_post(&n->ev);
}

static void
sc_callbacks_nested(void)
{
	struct event started, gate;
	struct tp_executor *ex;
	struct tp_future *f;
	struct nest n;
	struct job a;

	ev_init(&started);
	ev_init(&gate);
	ev_init(&n.ev);
	n.inner_rc = -1;
	ex = running(&a, &started, &gate, &f);
	CHECK(0, tp_future_on_done(f, cb_outer, &n));
	ev_post(&gate);
	ev_wait(&n.ev, 1);
	notes_print();
	printf("nested on_done: %s\n", errname(n.inner_rc));
	tp_future_release(f);
	tp_executor_free(ex);
	ev_destroy(&started);
	ev_destroy(&gate);
	ev_destroy(&n.ev);
}

struct relcb {
	struct tp_future *owned;
	enum tp_state state;
	struct event ev;
};

/* Give back the reference the callback was handed, then use f borrowed. */
static void
cb_release(struct tp_future *f, void *arg)
{
	struct relcb *r = arg;

	tp_future_release(r->owned);
	r->state = tp_future_state(f);
	ev_post(&r->ev);
}

static void
sc_release_in_callback(void)
{
	struct event started, gate;
	struct tp_executor *ex;
	struct relcb r;
	struct job a;

	ev_init(&started);
	ev_init(&gate);
	ev_init(&r.ev);
	ex = running(&a, &started, &gate, &r.owned);
	CHECK(0, tp_future_on_done(r.owned, cb_release, &r));
	ev_post(&gate);
	ev_wait(&r.ev, 1);
	printf("state after release in callback: %s\n", statename(r.state));
	tp_executor_free(ex);
	ev_destroy(&started);
	ev_destroy(&gate);
	ev_destroy(&r.ev);
}

static void
sc_release_early(void)
{
	struct event started, gate, cbev;
	struct tp_executor *ex;
	struct tp_future *fa, *fb;
	struct cbrec cb;
	struct job a, b;

	ev_init(&started);
	ev_init(&gate);
	ev_init(&cbev);
	ex = cancel_queued(&a, &b, &started, &gate, &fa, &fb);
	cbrec_init(&cb, "B callback", &cbev);
	CHECK(0, tp_future_on_done(fb, cb_record, &cb));
	tp_future_release(fb);
	tp_future_release(fa);
	ev_post(&gate);
	ev_wait(&cbev, 1);
	tp_executor_free(ex);
	notes_print();
	printf("A runs: %d\n", atomic_load(&a.runs));
	printf("B runs: %d\n", atomic_load(&b.runs));
	printf("callback calls: %d\n", atomic_load(&cb.calls));
	ev_destroy(&started);
	ev_destroy(&gate);
	ev_destroy(&cbev);
}

static void
sc_retain_release(void)
{
	struct tp_executor *ex;
	struct tp_future *f;
	struct job a;

	ex = executor(1, 0, NULL, NULL);
	job_init(&a, 0, "A");
	f = submit(ex, &a);
	tp_future_retain(f);
	tp_future_retain(f);
	tp_future_release(f);
	CHECK(0, tp_future_wait(f, TP_FOREVER));
	tp_future_release(f);
	printf("state with one reference left: %s\n",
	    statename(tp_future_state(f)));
	tp_future_release(f);
	tp_executor_free(ex);
	printf("ok\n");
}

static void
sc_null_frees(void)
{
	tp_executor_free(NULL);
	tp_future_release(NULL);
	tp_map_free(NULL);
	tp_as_completed_free(NULL);
	printf("ok\n");
}

static void
cb_own(struct tp_future *f, void *arg)
{
	struct job *j = arg;

	trace(j, "own %s", statename(tp_future_state(f)));
	j->own_thread = pthread_self();
	atomic_fetch_add(&j->own_calls, 1);
}

/* The executor-level callback: arg counts the calls. */
static void
cb_exec(struct tp_future *f, void *arg)
{
	struct job *j = tp_future_arg(f);

	trace(j, "exec %s", statename(tp_future_state(f)));
	if (j->has_own && atomic_load(&j->own_calls) != 1)
		trace(j, "(before the future's own callback)");
	else if (j->has_own && !pthread_equal(j->own_thread, pthread_self()))
		trace(j, "(not on the thread of the future's own callback)");
	atomic_fetch_add((atomic_int *)arg, 1);
}

static void
sc_executor_on_done(void)
{
	struct event started, gate;
	struct tp_executor *ex;
	struct tp_future *fa, *fb, *fc;
	struct job j[4];
	atomic_int execs;
	int i;

	ev_init(&started);
	ev_init(&gate);
	atomic_init(&execs, 0);
	ex = executor(1, 0, cb_exec, &execs);
	job_init(&j[0], 0, "A");
	job_init(&j[1], 1, "B");
	job_init(&j[2], 2, "C");
	job_init(&j[3], 3, "D");
	j[0].started = &started;
	j[0].gate = &gate;
	for (i = 0; i < 3; i++)
		j[i].has_own = 1;
	fa = submit(ex, &j[0]);
	ev_wait(&started, 1);
	CHECK(0, tp_future_on_done(fa, cb_own, &j[0]));
	fb = submit(ex, &j[1]);
	CHECK(0, tp_future_on_done(fb, cb_own, &j[1]));
	fc = submit(ex, &j[2]);
	CHECK(0, tp_future_on_done(fc, cb_own, &j[2]));
	CHECK(0, tp_submit(ex, task_job, &j[3], NULL));
	CHECK(0, tp_future_cancel(fc));
	ev_post(&gate);
	tp_executor_free(ex);
	for (i = 0; i < 4; i++)
		printf("%s: %s\n", j[i].name, j[i].trace);
	printf("executor callback calls: %d\n", atomic_load(&execs));
	tp_future_release(fa);
	tp_future_release(fb);
	tp_future_release(fc);
	ev_destroy(&started);
	ev_destroy(&gate);
}

/* ---- program-completed futures and messages ---------------------------- */

static int ac_next(struct tp_as_completed *ac, const char *label);

/* Print tp_future_exception's outcome for f. */
static void
print_exception(const char *label, struct tp_future *f, int64_t timeout_ns)
{
	const char *msg = "untouched";
	int rc, err = -1;

	rc = tp_future_exception(f, timeout_ns, &err, &msg);
	if (rc != 0)
		printf("%s: %s\n", label, errname(rc));
	else
		printf("%s: 0, err %s, message %s\n", label, errname(err),
		    msg != NULL ? msg : "NULL");
}

static void
sc_future_set_result(void)
{
	static char value[] = "value";
	struct tp_future *f;
	struct cbrec cb;
	void *res;
	int st;

	cbrec_init(&cb, "callback", NULL);
	CHECK(0, tp_future_create(&f, value));
	printf("created: %s, arg %s\n", statename(tp_future_state(f)),
	    tp_future_arg(f) == value ? "given" : "wrong");
	printf("wait, polling: %s\n", errname(tp_future_wait(f, 0)));
	CHECK(0, tp_future_on_done(f, cb_record, &cb));
	printf("set_result: %s\n", errname(tp_future_set_result(f, value)));
	notes_print();
	printf("callback on this thread: %s\n",
	    yesno(pthread_equal(cb.thread, main_thread)));
	CHECK(0, tp_future_result(f, 0, &res, &st));
	printf("result: %s, status %d\n", res == value ? "the one set" :
	    "wrong", st);
	print_exception("exception", f, 0);
	printf("set_result again: %s\n",
	    errname(tp_future_set_result(f, NULL)));
	printf("set_exception after: %s\n",
	    errname(tp_future_set_exception(f, EIO, "late")));
	printf("set_running after: %s\n", errname(tp_future_set_running(f)));
	printf("cancel after: %s\n", errname(tp_future_cancel(f)));
	printf("callback calls: %d\n", atomic_load(&cb.calls));
	tp_future_release(f);
}

static void
sc_future_set_exception(void)
{
	struct tp_future *f;
	char text[32];
	int st;

	CHECK(0, tp_future_create(&f, NULL));
	printf("err 0: %s\n", errname(tp_future_set_exception(f, 0, "x")));
	snprintf(text, sizeof(text), "disk on fire");
	printf("set_exception: %s\n",
	    errname(tp_future_set_exception(f, EIO, text)));
	/* The future keeps its own copy. */
	memset(text, 'X', sizeof(text) - 1);
	CHECK(0, tp_future_result(f, 0, NULL, &st));
	printf("state %s, status %s\n", statename(tp_future_state(f)),
	    errname(st));
	print_exception("exception", f, TP_FOREVER);
	printf("set_result after: %s\n",
	    errname(tp_future_set_result(f, NULL)));
	printf("set_message after: %s\n",
	    errname(tp_future_set_message(f, "%s", "late")));
	tp_future_release(f);

	CHECK(0, tp_future_create(&f, NULL));
	CHECK(0, tp_future_set_exception(f, EINVAL, NULL));
	print_exception("without a message", f, 0);
	tp_future_release(f);
}

#define REUSE_N 300

/* Make n futures of tp_future_create, each with arg a + i. */
static void
reuse_make(struct tp_future **fs, int n, char *a)
{
	int i;

	for (i = 0; i < n; i++)
		CHECK(0, tp_future_create(&fs[i], a + i));
}

/*
 * Fail each of fs (two callbacks and a message each, so that every
 * field a future may own is in use) and release it.
 */
static void
reuse_fail_release(struct tp_future **fs, int n, atomic_int *calls)
{
	int i;

	for (i = 0; i < n; i++) {
		CHECK(0, tp_future_on_done(fs[i], cb_count, calls));
		CHECK(0, tp_future_on_done(fs[i], cb_count, calls));
		CHECK(0, tp_future_set_message(fs[i], "old %d", i));
		CHECK(0, tp_future_set_exception(fs[i], EIO, NULL));
		tp_future_release(fs[i]);
	}
}

struct reuse_arg {
	struct tp_future **fs;
	char *a;
	atomic_int *calls;
};

static void *
th_reuse_make(void *arg)
{
	struct reuse_arg *r = arg;

	reuse_make(r->fs, REUSE_N, r->a);
	return NULL;
}

static void *
th_reuse_release(void *arg)
{
	struct reuse_arg *r = arg;

	reuse_fail_release(r->fs, REUSE_N, r->calls);
	return NULL;
}

/* How many of fs are fresh: PENDING, their own arg, no callback, no
 * message once completed; completes and releases them. */
static int
reuse_fresh(struct tp_future **fs, int n, char *a, atomic_int *calls)
{
	const char *msg;
	void *res;
	int before, err, fresh = 0, i;

	for (i = 0; i < n; i++) {
		before = atomic_load(calls);
		if (tp_future_state(fs[i]) == TP_PENDING &&
		    tp_future_arg(fs[i]) == a + i &&
		    tp_future_wait(fs[i], 0) == ETIMEDOUT &&
		    tp_future_set_result(fs[i], a) == 0 &&
		    tp_future_result(fs[i], 0, &res, &err) == 0 &&
		    res == a && err == 0 &&
		    tp_future_exception(fs[i], 0, &err, &msg) == 0 &&
		    err == 0 && msg == NULL && atomic_load(calls) == before)
			fresh++;
		tp_future_release(fs[i]);
	}
	return fresh;
}

/*
 * Released futures are kept for reuse by the releasing thread (a cache
 * that valgrind checks for leaks): a future made after others were
 * released starts as new, whichever thread made and released the old
 * ones, and a thread that exits with futures in its cache frees them.
 */
static void
sc_future_reuse(void)
{
	static struct tp_future *fs[REUSE_N];
	static char a[REUSE_N];
	struct reuse_arg r = { fs, a, NULL };
	atomic_int calls;
	pthread_t t;

	atomic_init(&calls, 0);
	r.calls = &calls;
	/* Made and released here, more than a thread keeps at first. */
	reuse_make(fs, REUSE_N, a);
	reuse_fail_release(fs, REUSE_N, &calls);
	reuse_make(fs, REUSE_N, a);
	printf("same thread: %d of %d fresh\n",
	    reuse_fresh(fs, REUSE_N, a, &calls), REUSE_N);
	/* Made on a thread that exits, released here. */
	CHECK(0, pthread_create(&t, NULL, th_reuse_make, &r));
	CHECK(0, pthread_join(t, NULL));
	reuse_fail_release(fs, REUSE_N, &calls);
	reuse_make(fs, REUSE_N, a);
	printf("made elsewhere: %d of %d fresh\n",
	    reuse_fresh(fs, REUSE_N, a, &calls), REUSE_N);
	/* Made here, released on a thread that exits with them cached. */
	reuse_make(fs, REUSE_N, a);
	CHECK(0, pthread_create(&t, NULL, th_reuse_release, &r));
	CHECK(0, pthread_join(t, NULL));
	reuse_make(fs, REUSE_N, a);
	printf("released elsewhere: %d of %d fresh\n",
	    reuse_fresh(fs, REUSE_N, a, &calls), REUSE_N);
	printf("callbacks: %d\n", atomic_load(&calls));
}

/* A thread that waits for a future and notes what it got. */
static void *
th_waitresult(void *arg)
{
	struct tp_future *f = arg;
	void *res;

	CHECK(0, tp_future_result(f, TP_FOREVER, &res, NULL));
	note("waiter got %s", (char *)res);
	return NULL;
}

static void
sc_future_created_wait(void)
{
	static char hello[] = "hello";
	struct tp_future *fs[3], *done[3], *not_done[3];
	struct tp_as_completed *ac;
	struct tp_executor *ex;
	size_t nd, nn;
	struct job j[3];
	pthread_t t;
	int i;

	for (i = 0; i < 3; i++)
		job_init(&j[i], i, NULL);
	CHECK(0, tp_future_create(&fs[0], &j[0]));
	CHECK(0, tp_future_create(&fs[1], &j[1]));
	/* One executor future in the mix, already finished. */
	ex = executor(1, 0, NULL, NULL);
	fs[2] = submit(ex, &j[2]);
	CHECK(0, tp_future_wait(fs[2], TP_FOREVER));
	printf("wait, polling: %s\n", errname(tp_wait(fs, 3, TP_ALL_COMPLETED,
	    0, done, &nd, not_done, &nn)));
	print_ids("done", done, nd);
	print_ids("not done", not_done, nn);
	CHECK(0, tp_as_completed_create(&ac, fs, 3, TP_FOREVER));
	CHECK(0, ac_next(ac, "next"));
	t = spawn(th_waitresult, fs[1]);
	CHECK(0, tp_future_set_exception(fs[0], EIO, "no"));
	CHECK(0, ac_next(ac, "next"));
	CHECK(0, tp_wait(fs, 3, TP_FIRST_EXCEPTION, TP_FOREVER, done, &nd,
	    not_done, &nn));
	print_ids("first exception, done", done, nd);
	CHECK(0, tp_future_set_result(fs[1], hello));
	join(t);
	notes_print();
	CHECK(0, ac_next(ac, "next"));
	CHECK(ENOENT, ac_next(ac, "next"));
	tp_as_completed_free(ac);
	release_all(fs, 3);
	tp_executor_free(ex);
}

static void
sc_future_created_cancel(void)
{
	struct tp_executor *ex;
	struct tp_future *f;
	struct cbrec cb;
	struct job j;

	cbrec_init(&cb, "callback", NULL);
	CHECK(0, tp_future_create(&f, NULL));
	CHECK(0, tp_future_on_done(f, cb_record, &cb));
	printf("cancel pending: %s\n", errname(tp_future_cancel(f)));
	notes_print();
	printf("result: %s\n",
	    errname(tp_future_result(f, 0, NULL, NULL)));
	print_exception("exception", f, 0);
	printf("set_running: %s\n", errname(tp_future_set_running(f)));
	printf("set_result: %s\n", errname(tp_future_set_result(f, NULL)));
	printf("cancel again: %s\n", errname(tp_future_cancel(f)));
	tp_future_release(f);

	CHECK(0, tp_future_create(&f, NULL));
	printf("set_running: %s\n", errname(tp_future_set_running(f)));
	printf("state: %s\n", statename(tp_future_state(f)));
	printf("set_running again: %s\n", errname(tp_future_set_running(f)));
	printf("cancel running: %s\n", errname(tp_future_cancel(f)));
	printf("result, polling: %s\n",
	    errname(tp_future_result(f, 0, NULL, NULL)));
	printf("set_result: %s\n", errname(tp_future_set_result(f, NULL)));
	printf("state: %s\n", statename(tp_future_state(f)));
	tp_future_release(f);

	/* An executor's future is not the program's to complete. */
	ex = executor(1, 0, NULL, NULL);
	job_init(&j, 0, NULL);
	f = submit(ex, &j);
	CHECK(0, tp_future_wait(f, TP_FOREVER));
	printf("executor's future: set_result %s, set_exception %s, "
	    "set_running %s\n", errname(tp_future_set_result(f, NULL)),
	    errname(tp_future_set_exception(f, EIO, NULL)),
	    errname(tp_future_set_running(f)));
	tp_future_release(f);
	tp_executor_free(ex);
}

/* Fails with a message, or succeeds with one when arg is NULL. */
static int
task_message(struct tp_future *self, void *arg, void **result)
{
	int *item = arg;

	(void)result;
	CHECK(0, tp_future_set_message(self, "first try"));
	if (item == NULL) {
		CHECK(0, tp_future_set_message(self, "all is well"));
		return 0;
	}
	CHECK(0, tp_future_set_message(self, "item %d: bad header", *item));
	return EIO;
}

static void
sc_task_message(void)
{
	struct event started, gate;
	struct tp_executor *ex;
	struct tp_future *f, *fa, *fb;
	struct job a, b;
	int item = 7;

	ex = executor(1, 0, NULL, NULL);
	CHECK(0, tp_submit(ex, task_message, &item, &f));
	print_exception("failed task", f, TP_FOREVER);
	tp_future_release(f);
	CHECK(0, tp_submit(ex, task_message, NULL, &f));
	print_exception("task that succeeded", f, TP_FOREVER);
	tp_future_release(f);

	/* A held, then a queued and cancelled future. */
	ev_init(&started);
	ev_init(&gate);
	job_init(&a, 0, NULL);
	job_init(&b, 1, NULL);
	a.started = &started;
	a.gate = &gate;
	fa = submit(ex, &a);
	ev_wait(&started, 1);
	fb = submit(ex, &b);
	print_exception("running, polling", fa, 0);
	print_exception("running, short timeout", fa, SHORT_NS);
	CHECK(0, tp_future_cancel(fb));
	print_exception("cancelled", fb, 0);
	ev_post(&gate);
	print_exception("returned 0", fa, TP_FOREVER);
	tp_future_release(fa);
	tp_future_release(fb);
	tp_executor_free(ex);
	ev_destroy(&started);
	ev_destroy(&gate);
}

/* ---- shutdown ---------------------------------------------------------- */

/* One worker held in A, B and C queued with callbacks posting cbev. */
static struct tp_executor *
queue_three(struct job *j, struct cbrec *cb, struct event *started,
    struct event *gate, struct event *cbev, struct tp_future **fs)
{
	struct tp_executor *ex;
	static const char *const names[] = { "A", "B", "C" };
	int i;

	ex = executor(1, 0, NULL, NULL);
	for (i = 0; i < 3; i++) {
		job_init(&j[i], i, names[i]);
		cbrec_init(&cb[i], NULL, cbev);
	}
	j[0].started = started;
	j[0].gate = gate;
	fs[0] = submit(ex, &j[0]);
	ev_wait(started, 1);
	for (i = 0; i < 3; i++) {
		if (i > 0)
			fs[i] = submit(ex, &j[i]);
		CHECK(0, tp_future_on_done(fs[i], cb_record, &cb[i]));
	}
	return ex;
}

static void
sc_shutdown_cancel_pending(void)
{
	struct event started, gate, cbev;
	struct tp_executor *ex;
	struct tp_future *fs[3];
	struct cbrec cb[3];
	struct after w;
	struct job j[3];
	pthread_t t;
	int i;

	ev_init(&started);
	ev_init(&gate);
	ev_init(&cbev);
	ex = queue_three(j, cb, &started, &gate, &cbev, fs);
	/* Open A's gate once both queued futures have been cancelled. */
	after_init(&w, &cbev, 2, &gate);
	t = spawn(th_after, &w);
	printf("shutdown: %s\n", errname(tp_executor_shutdown(ex, 1, 1)));
	join(t);
	for (i = 0; i < 3; i++)
		printf("%s: %s, runs %d, callback calls %d%s\n", j[i].name,
		    statename(tp_future_state(fs[i])), atomic_load(&j[i].runs),
		    atomic_load(&cb[i].calls),
		    i > 0 && pthread_equal(cb[i].thread, main_thread) ?
		    ", on the shutting-down thread" : "");
	release_all(fs, 3);
	tp_executor_free(ex);
	ev_destroy(&started);
	ev_destroy(&gate);
	ev_destroy(&cbev);
}

static void
sc_shutdown_wait_runs_queued(void)
{
	struct event started, gate, cbev, returned;
	struct tp_executor *ex;
	struct tp_future *fs[3];
	struct opener o;
	struct cbrec cb[3];
	struct job j[3];
	pthread_t t;
	int i;

	ev_init(&started);
	ev_init(&gate);
	ev_init(&cbev);
	ev_init(&returned);
	ex = queue_three(j, cb, &started, &gate, &cbev, fs);
	opener_init(&o, &returned);
	o.gates[o.ngates++] = &gate;
	t = spawn(th_opener, &o);
	printf("shutdown: %s\n", errname(tp_executor_shutdown(ex, 1, 0)));
	ev_post(&returned);
	join(t);
	if (o.premature)
		die("shutdown with wait returned while a task was running");
	for (i = 0; i < 3; i++)
		printf("%s: %s, runs %d, callback calls %d\n", j[i].name,
		    statename(tp_future_state(fs[i])), atomic_load(&j[i].runs),
		    atomic_load(&cb[i].calls));
	release_all(fs, 3);
	tp_executor_free(ex);
	ev_destroy(&started);
	ev_destroy(&gate);
	ev_destroy(&cbev);
	ev_destroy(&returned);
}

static void
sc_shutdown_nowait_keeps_queued(void)
{
	struct event started, gate, cbev;
	struct tp_executor *ex;
	struct tp_future *fs[3];
	struct cbrec cb[3];
	struct job j[3], d;
	int i;

	ev_init(&started);
	ev_init(&gate);
	ev_init(&cbev);
	ex = queue_three(j, cb, &started, &gate, &cbev, fs);
	job_init(&d, 3, "D");
	printf("shutdown: %s\n", errname(tp_executor_shutdown(ex, 0, 0)));
	for (i = 0; i < 3; i++)
		printf("%s: %s\n", j[i].name,
		    statename(tp_future_state(fs[i])));
	printf("submit D: %s\n", errname(tp_submit(ex, task_job, &d, NULL)));
	ev_post(&gate);
	tp_executor_free(ex);
	for (i = 0; i < 3; i++)
		printf("%s: %s, runs %d\n", j[i].name,
		    statename(tp_future_state(fs[i])), atomic_load(&j[i].runs));
	printf("D runs: %d\n", atomic_load(&d.runs));
	release_all(fs, 3);
	ev_destroy(&started);
	ev_destroy(&gate);
	ev_destroy(&cbev);
}

static void
sc_free_runs_queued(void)
{
	struct event started, gate, cbev, returned;
	struct tp_executor *ex;
	struct tp_future *fs[3];
	struct opener o;
	struct cbrec cb[3];
	struct job j[3];
	pthread_t t;
	int i;

	ev_init(&started);
	ev_init(&gate);
	ev_init(&cbev);
	ev_init(&returned);
	ex = queue_three(j, cb, &started, &gate, &cbev, fs);
	opener_init(&o, &returned);
	o.gates[o.ngates++] = &gate;
	t = spawn(th_opener, &o);
	tp_executor_free(ex);
	ev_post(&returned);
	join(t);
	if (o.premature)
		die("tp_executor_free returned while a task was running");
	for (i = 0; i < 3; i++)
		printf("%s: %s, runs %d, callback calls %d\n", j[i].name,
		    statename(tp_future_state(fs[i])), atomic_load(&j[i].runs),
		    atomic_load(&cb[i].calls));
	printf("result after free: %s\n", errname(tp_future_result(fs[1], 0,
	    NULL, NULL)));
	release_all(fs, 3);
	ev_destroy(&started);
	ev_destroy(&gate);
	ev_destroy(&cbev);
	ev_destroy(&returned);
}

struct selfstop {
	struct tp_executor *ex;
	int wait_rc;
	int nowait_rc;
	pthread_t thread;
	struct event ev;
};

static int
task_selfstop(struct tp_future *self, void *arg, void **result)
{
	struct selfstop *s = arg;

	(void)self;
	(void)result;
	s->wait_rc = tp_executor_shutdown(s->ex, 1, 0);
	s->nowait_rc = tp_executor_shutdown(s->ex, 0, 0);
	return 0;
}

static void
sc_shutdown_edeadlk(void)
{
	struct selfstop s;
	struct tp_future *f;
	struct job j;

	memset(&s, 0, sizeof(s));
	s.ex = executor(2, 0, NULL, NULL);
	CHECK(0, tp_submit(s.ex, task_selfstop, &s, &f));
	CHECK(0, tp_future_wait(f, TP_FOREVER));
	printf("shutdown with wait from a worker: %s\n", errname(s.wait_rc));
	printf("shutdown without wait from a worker: %s\n",
	    errname(s.nowait_rc));
	job_init(&j, 0, NULL);
	printf("submit afterwards: %s\n",
	    errname(tp_submit(s.ex, task_job, &j, NULL)));
	tp_future_release(f);
	tp_executor_free(s.ex);
}

static void
cb_selfstop(struct tp_future *f, void *arg)
{
	struct selfstop *s = arg;

	(void)f;
	s->thread = pthread_self();
	s->wait_rc = tp_executor_shutdown(s->ex, 1, 0);
	ev_post(&s->ev);
}

static void
sc_shutdown_edeadlk_callback(void)
{
	struct event started, gate;
	struct selfstop s;
	struct tp_future *f;
	struct job a;

	ev_init(&started);
	ev_init(&gate);
	memset(&s, 0, sizeof(s));
	ev_init(&s.ev);
	s.ex = running(&a, &started, &gate, &f);
	CHECK(0, tp_future_on_done(f, cb_selfstop, &s));
	ev_post(&gate);
	ev_wait(&s.ev, 1);
	printf("callback on the worker: %s\n",
	    yesno(pthread_equal(s.thread, a.thread)));
	printf("shutdown with wait from its callback: %s\n",
	    errname(s.wait_rc));
	printf("submit afterwards: %s\n",
	    errname(tp_submit(s.ex, task_job, &a, NULL)));
	tp_future_release(f);
	tp_executor_free(s.ex);
	ev_destroy(&s.ev);
	ev_destroy(&started);
	ev_destroy(&gate);
}

/* A thread started after the executor's workers were joined. */
struct latecomer {
	struct tp_executor *ex;
	int rc;
};

static void *
th_latecomer(void *arg)
{
	struct latecomer *l = arg;

	l->rc = tp_executor_shutdown(l->ex, 1, 0);
	tp_executor_free(l->ex);
	return NULL;
}

/*
 * glibc hands a new thread the stack, and so the thread id, of the thread
 * joined last: here the executor's only worker.  The new thread is no
 * worker, whatever its id, so its shutdown is harmless and returns 0.
 */
static void
sc_shutdown_after_join(void)
{
	struct latecomer l;
	struct tp_future *f;
	struct job j;

	memset(&l, 0, sizeof(l));
	l.ex = executor(1, 0, NULL, NULL);
	job_init(&j, 0, NULL);
	f = submit(l.ex, &j);
	CHECK(0, tp_future_wait(f, TP_FOREVER));
	printf("shutdown: %s\n", errname(tp_executor_shutdown(l.ex, 1, 0)));
	join(spawn(th_latecomer, &l));
	printf("shutdown again from a thread started since: %s\n",
	    errname(l.rc));
	printf("task: %s, runs %d\n", statename(tp_future_state(f)),
	    atomic_load(&j.runs));
	tp_future_release(f);
}

/* The first cancelled future's callback, run by the shutdown. */
struct freeing {
	struct event *gates[2];
	struct event *started;
	int bstarted;
	struct tp_executor *ex;	/* freed by the first call */
	atomic_int calls;
};

/*
 * Free the workers held in A0 and A1 while the shutdown is cancelling: a
 * worker that takes a task still queued would start it at once, so a
 * task started within GRACE_MS is one the shutdown failed to cancel.
 */
static void
cb_free_workers(struct tp_future *f, void *arg)
{
	struct freeing *fr = arg;

	(void)f;
	if (atomic_fetch_add(&fr->calls, 1) != 0)
		return;
	ev_post(fr->gates[0]);
	ev_post(fr->gates[1]);
	fr->bstarted = ev_wait_ms(fr->started, 1, GRACE_MS) == 0;
}

static void
sc_shutdown_cancel_pending_all(void)
{
	enum { NB = 10 };
	struct event gates[2], astarted, bstarted;
	struct tp_future *fa[2], *fb[NB];
	struct tp_executor *ex;
	struct freeing fr;
	struct job a[2], b[NB];
	int i, cancelled, runs;

	ev_init(&astarted);
	ev_init(&bstarted);
	memset(&fr, 0, sizeof(fr));
	atomic_init(&fr.calls, 0);
	fr.started = &bstarted;
	ex = executor(2, 0, NULL, NULL);
	for (i = 0; i < 2; i++) {
		ev_init(&gates[i]);
		job_init(&a[i], i, "A");
		a[i].started = &astarted;
		a[i].gate = &gates[i];
		fa[i] = submit(ex, &a[i]);
		fr.gates[i] = &gates[i];
	}
	ev_wait(&astarted, 2);
	for (i = 0; i < NB; i++) {
		job_init(&b[i], 2 + i, "B");
		b[i].started = &bstarted;
		fb[i] = submit(ex, &b[i]);
		CHECK(0, tp_future_on_done(fb[i], cb_free_workers, &fr));
	}
	printf("shutdown: %s\n", errname(tp_executor_shutdown(ex, 1, 1)));
	cancelled = runs = 0;
	for (i = 0; i < NB; i++) {
		cancelled += tp_future_state(fb[i]) == TP_CANCELLED;
		runs += atomic_load(&b[i].runs);
	}
	printf("queued: %d, cancelled: %d, run: %d, callbacks: %d\n", NB,
	    cancelled, runs, atomic_load(&fr.calls));
	printf("a queued task started during the shutdown: %s\n",
	    yesno(fr.bstarted));
	for (i = 0; i < 2; i++)
		printf("A%d: %s\n", i, statename(tp_future_state(fa[i])));
	release_all(fa, 2);
	release_all(fb, NB);
	tp_executor_free(ex);
	for (i = 0; i < 2; i++)
		ev_destroy(&gates[i]);
	ev_destroy(&astarted);
	ev_destroy(&bstarted);
}

/* Let the worker go, then free the executor being shut down. */
static void
cb_free_executor(struct tp_future *f, void *arg)
{
	struct freeing *fr = arg;

	if (atomic_fetch_add(&fr->calls, 1) != 0)
		return;
	ev_post(fr->gates[0]);
	tp_executor_free(fr->ex);
	note("%s's callback freed the executor",
	    ((struct job *)tp_future_arg(f))->name);
}

static void
sc_shutdown_callback_frees(void)
{
	struct event started, gate;
	struct tp_future *fs[3];
	struct tp_executor *ex;
	struct freeing fr;
	atomic_int execs;
	struct job j[3];
	int i;

	ev_init(&started);
	ev_init(&gate);
	memset(&fr, 0, sizeof(fr));
	atomic_init(&fr.calls, 0);
	atomic_init(&execs, 0);
	fr.gates[0] = &gate;
	/* An executor-level callback too: it runs after B's own. */
	ex = executor(1, 0, cb_count, &execs);
	fr.ex = ex;
	job_init(&j[0], 0, "A");
	j[0].started = &started;
	j[0].gate = &gate;
	fs[0] = submit(ex, &j[0]);
	ev_wait(&started, 1);
	for (i = 1; i < 3; i++) {
		job_init(&j[i], i, i == 1 ? "B" : "C");
		fs[i] = submit(ex, &j[i]);
		CHECK(0, tp_future_on_done(fs[i], cb_free_executor, &fr));
	}
	printf("shutdown: %s\n", errname(tp_executor_shutdown(ex, 1, 1)));
	notes_print();
	for (i = 0; i < 3; i++)
		printf("%s: %s, runs %d\n", j[i].name,
		    statename(tp_future_state(fs[i])), atomic_load(&j[i].runs));
	printf("callbacks: %d, executor callbacks: %d\n",
	    atomic_load(&fr.calls), atomic_load(&execs));
	release_all(fs, 3);
	ev_destroy(&started);
	ev_destroy(&gate);
}

struct sigcheck {
	char blocked[256];
	char unblocked[256];
};

static const struct {
	int sig;
	const char *name;
} signals[] = {
	{ SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" }, { SIGQUIT, "SIGQUIT" },
	{ SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" },
	{ SIGUSR1, "SIGUSR1" }, { SIGUSR2, "SIGUSR2" }, { SIGCHLD, "SIGCHLD" },
};

static int
task_sigmask(struct tp_future *self, void *arg, void **result)
{
	struct sigcheck *s = arg;
	sigset_t set;
	size_t i;
	char *p;

	(void)self;
	(void)result;
	CHECK(0, pthread_sigmask(SIG_BLOCK, NULL, &set));
	for (i = 0; i < NELEM(signals); i++) {
		p = sigismember(&set, signals[i].sig) == 1 ? s->blocked :
		    s->unblocked;
		strcat(p, " ");
		strcat(p, signals[i].name);
	}
	return 0;
}

static void
sc_worker_signals(void)
{
	struct tp_executor *ex;
	struct tp_future *f;
	struct sigcheck s;
	sigset_t before, after;
	size_t i;
	int same;

	memset(&s, 0, sizeof(s));
	CHECK(0, pthread_sigmask(SIG_BLOCK, NULL, &before));
	ex = executor(1, 0, NULL, NULL);
	CHECK(0, pthread_sigmask(SIG_BLOCK, NULL, &after));
	CHECK(0, tp_submit(ex, task_sigmask, &s, &f));
	CHECK(0, tp_future_result(f, TP_FOREVER, NULL, NULL));
	printf("blocked on the worker:%s\n", s.blocked);
	printf("unblocked on the worker:%s\n", s.unblocked[0] != '\0' ?
	    s.unblocked : " -");
	same = 1;
	for (i = 0; i < NELEM(signals); i++)
		if (sigismember(&before, signals[i].sig) !=
		    sigismember(&after, signals[i].sig))
			same = 0;
	printf("caller's mask unchanged: %s\n", yesno(same));
	tp_future_release(f);
	tp_executor_free(ex);
}

/* What the initializer and finalizer saw; their arg. */
struct lifecycle {
	pthread_mutex_t mu;
	pthread_t inits[8];
	pthread_t finis[8];
	int ninit, nfini;
	int fail;		/* the initializer returns it */
	struct event *entered;	/* posted as the initializer starts */
	struct event *gate;	/* the initializer waits for it, if set */
};

static int
init_record(void *arg)
{
	struct lifecycle *lc = arg;

	if (lc->entered != NULL)
		ev_post(lc->entered);
	if (lc->gate != NULL)
		ev_wait(lc->gate, 1);
	CHECK(0, pthread_mutex_lock(&lc->mu));
	if (lc->ninit == (int)NELEM(lc->inits))
		die("too many initializer calls");
	lc->inits[lc->ninit++] = pthread_self();
	CHECK(0, pthread_mutex_unlock(&lc->mu));
	return lc->fail;
}

static void
fini_record(void *arg)
{
	struct lifecycle *lc = arg;

	CHECK(0, pthread_mutex_lock(&lc->mu));
	if (lc->nfini == (int)NELEM(lc->finis))
		die("too many finalizer calls");
	lc->finis[lc->nfini++] = pthread_self();
	CHECK(0, pthread_mutex_unlock(&lc->mu));
}

static void
lifecycle_init(struct lifecycle *lc)
{
	memset(lc, 0, sizeof(*lc));
	CHECK(0, pthread_mutex_init(&lc->mu, NULL));
}

static struct tp_executor *
executor_lc(unsigned nworkers, struct lifecycle *lc)
{
	struct tp_executor_opts opts = TP_EXECUTOR_OPTS_INIT;
	struct tp_executor *ex;

	opts.initializer = init_record;
	opts.initializer_arg = lc;
	opts.finalizer = fini_record;
	opts.finalizer_arg = lc;
	CHECK(0, tp_executor_create(&ex, nworkers, &opts));
	return ex;
}

/* Whether thread t is among the n of ts. */
static int
among(pthread_t t, const pthread_t *ts, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (pthread_equal(t, ts[i]))
			return 1;
	return 0;
}

/* A task that records whether its worker ran the initializer. */
struct lctask {
	struct lifecycle *lc;
	struct meet *m;
	int inited;
};

static int
task_lc(struct tp_future *self, void *arg, void **result)
{
	struct lctask *t = arg;

	CHECK(0, pthread_mutex_lock(&t->lc->mu));
	t->inited = among(pthread_self(), t->lc->inits, t->lc->ninit);
	CHECK(0, pthread_mutex_unlock(&t->lc->mu));
	return task_meet(self, t->m, result);
}

static void
sc_worker_init_fini(void)
{
	struct tp_executor *ex;
	struct lifecycle lc;
	struct lctask t[3];
	struct meet m;
	int i, distinct, paired;

	lifecycle_init(&lc);
	ev_init(&m.arrived);
	m.n = 3;
	ex = executor_lc(3, &lc);
	for (i = 0; i < 3; i++) {
		t[i].lc = &lc;
		t[i].m = &m;
		CHECK(0, tp_submit(ex, task_lc, &t[i], NULL));
	}
	/* All three met, so three workers have run their initializers. */
	ev_wait(&m.arrived, 3);
	printf("before free: %d initialized, %d finalized\n", lc.ninit,
	    lc.nfini);
	tp_executor_free(ex);
	distinct = 1;
	for (i = 0; i < lc.ninit; i++)
		if (pthread_equal(lc.inits[i], main_thread) ||
		    among(lc.inits[i], lc.inits, i))
			distinct = 0;
	paired = lc.ninit == lc.nfini;
	for (i = 0; i < lc.nfini; i++)
		if (!among(lc.finis[i], lc.inits, lc.ninit))
			paired = 0;
	printf("after free: %d initialized, %d finalized\n", lc.ninit,
	    lc.nfini);
	printf("each on its own worker: %s\n", yesno(distinct));
	printf("finalized on the initialized threads: %s\n", yesno(paired));
	printf("tasks ran after their worker's initializer: %s\n",
	    yesno(t[0].inited && t[1].inited && t[2].inited));
	ev_destroy(&m.arrived);
	CHECK(0, pthread_mutex_destroy(&lc.mu));
}

static void
sc_worker_init_broken(void)
{
	struct tp_executor_info info;
	struct event entered, gate;
	struct tp_executor *ex;
	struct tp_future *fa, *fb, *fc;
	struct lifecycle lc;
	struct job a, b;
	int st;

	lifecycle_init(&lc);
	ev_init(&entered);
	ev_init(&gate);
	lc.fail = 1;
	lc.entered = &entered;
	lc.gate = &gate;
	/* One worker, held in its initializer while A and B queue. */
	ex = executor_lc(1, &lc);
	ev_wait(&entered, 1);
	job_init(&a, 0, NULL);
	job_init(&b, 1, NULL);
	fa = submit(ex, &a);
	fb = submit(ex, &b);
	tp_executor_info(ex, &info);
	printf("before: queued %zu, broken %d\n", info.queued, info.broken);
	ev_post(&gate);
	CHECK(0, tp_future_result(fa, TP_FOREVER, NULL, &st));
	printf("A: %s, status %s\n", statename(tp_future_state(fa)),
	    errname(st));
	CHECK(0, tp_future_result(fb, TP_FOREVER, NULL, &st));
	printf("B: %s, status %s\n", statename(tp_future_state(fb)),
	    errname(st));
	print_exception("A's exception", fa, 0);
	fc = NULL;
	printf("submit after: %s\n", errname(tp_submit(ex, task_job, &a,
	    &fc)));
	printf("future untouched: %s\n", yesno(fc == NULL));
	tp_executor_info(ex, &info);
	printf("after: queued %zu, broken %d, shutdown %d\n", info.queued,
	    info.broken, info.shutdown);
	tp_executor_free(ex);
	printf("runs: %d %d\n", atomic_load(&a.runs), atomic_load(&b.runs));
	printf("initialized %d, finalized %d\n", lc.ninit, lc.nfini);
	tp_future_release(fa);
	tp_future_release(fb);
	ev_destroy(&entered);
	ev_destroy(&gate);
	CHECK(0, pthread_mutex_destroy(&lc.mu));
}

/* The names of this process's threads that start with prefix, sorted,
 * space-separated, into buf. */
static void
thread_names(const char *prefix, char *buf, size_t size)
{
	char path[300], names[8][32], tmp[32];
	DIR *d;
	struct dirent *e;
	FILE *fp;
	size_t len;
	int n = 0, i, k;

	if ((d = opendir("/proc/self/task")) == NULL)
		die("opendir /proc/self/task");
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
		    e->d_name);
		if ((fp = fopen(path, "r")) == NULL)
			continue;	/* a thread that has just exited */
		if (fgets(tmp, sizeof(tmp), fp) != NULL) {
			tmp[strcspn(tmp, "\n")] = '\0';
			if (strncmp(tmp, prefix, strlen(prefix)) == 0) {
				if (n == (int)NELEM(names))
					die("too many named threads");
				memcpy(names[n++], tmp, sizeof(tmp));
			}
		}
		fclose(fp);
	}
	closedir(d);
	for (i = 1; i < n; i++)
		for (k = i; k > 0 && strcmp(names[k - 1], names[k]) > 0; k--) {
			memcpy(tmp, names[k], sizeof(tmp));
			memcpy(names[k], names[k - 1], sizeof(tmp));
			memcpy(names[k - 1], tmp, sizeof(tmp));
		}
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		len = strlen(buf);
		snprintf(buf + len, size - len, "%s%s", i > 0 ? " " : "",
		    names[i]);
	}
}

/* Meet the other workers, then read the named threads' names. */
struct namer {
	struct meet m;
	const char *prefix;
	pthread_mutex_t mu;
	char names[300];	/* under mu: every task finds the same */
};

static int
task_names(struct tp_future *self, void *arg, void **result)
{
	struct namer *nm = arg;
	char names[sizeof(nm->names)];

	(void)self;
	(void)result;
	ev_post(&nm->m.arrived);
	ev_wait(&nm->m.arrived, nm->m.n);
	/* Every worker is alive and named until all have read. */
	thread_names(nm->prefix, names, sizeof(names));
	CHECK(0, pthread_mutex_lock(&nm->mu));
	memcpy(nm->names, names, sizeof(names));
	CHECK(0, pthread_mutex_unlock(&nm->mu));
	ev_post(&nm->m.arrived);
	ev_wait(&nm->m.arrived, 2 * nm->m.n);
	return 0;
}

static void
names_run(const char *prefix, const char *match, unsigned n)
{
	struct tp_executor_opts opts = TP_EXECUTOR_OPTS_INIT;
	struct tp_executor *ex;
	struct namer nm;
	unsigned i;

	memset(&nm, 0, sizeof(nm));
	CHECK(0, pthread_mutex_init(&nm.mu, NULL));
	ev_init(&nm.m.arrived);
	nm.m.n = (int)n;
	nm.prefix = match;
	opts.thread_name_prefix = prefix;
	CHECK(0, tp_executor_create(&ex, n, &opts));
	for (i = 0; i < n; i++)
		CHECK(0, tp_submit(ex, task_names, &nm, NULL));
	tp_executor_free(ex);
	printf("prefix %s: %s\n", prefix, nm.names);
	ev_destroy(&nm.m.arrived);
	CHECK(0, pthread_mutex_destroy(&nm.mu));
}

static void
sc_worker_names(void)
{
	names_run("tpw", "tpw-", 3);
	/* 15 bytes: the number is cut off. */
	names_run("a-long-thread-prefix", "a-long-", 1);
}

static void
sc_executor_info(void)
{
	struct tp_executor_info info;
	struct event started, gate;
	struct tp_executor *ex;
	struct tp_future *fs[3];
	struct job j[3];
	int i;

	ev_init(&started);
	ev_init(&gate);
	ex = executor(1, 0, NULL, NULL);
	tp_executor_info(ex, &info);
	printf("created: max %u, workers %u, queued %zu, shutdown %d, "
	    "broken %d\n", info.max_workers, info.workers, info.queued,
	    info.shutdown, info.broken);
	for (i = 0; i < 3; i++) {
		job_init(&j[i], i, NULL);
		j[i].gate = &gate;
	}
	j[0].started = &started;
	fs[0] = submit(ex, &j[0]);
	ev_wait(&started, 1);
	fs[1] = submit(ex, &j[1]);
	fs[2] = submit(ex, &j[2]);
	tp_executor_info(ex, &info);
	printf("one running, two queued: workers %u, queued %zu\n",
	    info.workers, info.queued);
	CHECK(0, tp_executor_shutdown(ex, 0, 0));
	tp_executor_info(ex, &info);
	printf("shut down: queued %zu, shutdown %d\n", info.queued,
	    info.shutdown);
	ev_post(&gate);
	tp_executor_free(ex);
	release_all(fs, 3);

	CHECK(0, tp_executor_create(&ex, 0, NULL));
	tp_executor_info(ex, &info);
	printf("nworkers 0: max is tp_cpu_count(): %s\n",
	    yesno(info.max_workers == tp_cpu_count()));
	tp_executor_free(ex);
	ev_destroy(&started);
	ev_destroy(&gate);
}

/* ---- wait -------------------------------------------------------------- */

/* n workers running jobs 0..n-1, each held by its own gate. */
static struct tp_executor *
gated(unsigned n, struct job *j, struct event *gates, struct event *started,
    struct tp_future **fs)
{
	struct tp_executor *ex;
	unsigned i;

	ex = executor(n, 0, NULL, NULL);
	for (i = 0; i < n; i++) {
		job_init(&j[i], (int)i, NULL);
		ev_init(&gates[i]);
		j[i].gate = &gates[i];
		j[i].started = started;
		fs[i] = submit(ex, &j[i]);
	}
	ev_wait(started, (int)n);
	return ex;
}

static void
gated_end(struct tp_executor *ex, unsigned n, struct event *gates,
    struct tp_future **fs)
{
	unsigned i;

	for (i = 0; i < n; i++)
		ev_post(&gates[i]);
	tp_executor_free(ex);
	release_all(fs, n);
	for (i = 0; i < n; i++)
		ev_destroy(&gates[i]);
}

static void
print_wait(int rc, struct tp_future **done, size_t ndone,
    struct tp_future **not_done, size_t nnot_done)
{
	printf("wait: %s\n", errname(rc));
	print_ids("done", done, ndone);
	print_ids("not_done", not_done, nnot_done);
}

static void
sc_wait_first_completed(void)
{
	struct tp_future *fs[3], *done[3], *not_done[3];
	struct event gates[3], started, returned;
	struct tp_executor *ex;
	struct opener o;
	struct job j[3];
	size_t nd, nn;
	pthread_t t;
	int rc;

	ev_init(&started);
	ev_init(&returned);
	ex = gated(3, j, gates, &started, fs);
	opener_init(&o, &returned);
	o.gates[o.ngates++] = &gates[1];
	t = spawn(th_opener, &o);
	rc = tp_wait(fs, 3, TP_FIRST_COMPLETED, TP_FOREVER, done, &nd,
	    not_done, &nn);
	ev_post(&returned);
	join(t);
	if (o.premature)
		die("tp_wait returned before any future finished");
	print_wait(rc, done, nd, not_done, nn);
	gated_end(ex, 3, gates, fs);
	ev_destroy(&started);
	ev_destroy(&returned);
}

struct excopener {
	struct event *gates;
	struct tp_future *f0;
	struct event *returned;
	int premature;
};

/* Let job 0 succeed, then job 1 fail; job 2 stays gated. */
static void *
th_exception(void *arg)
{
	struct excopener *o = arg;

	ev_post(&o->gates[0]);
	CHECK(0, tp_future_wait(o->f0, TP_FOREVER));
	o->premature = ev_wait_ms(o->returned, 1, GRACE_MS) == 0;
	ev_post(&o->gates[1]);
	return NULL;
}

static void
sc_wait_first_exception(void)
{
	struct tp_future *fs[3], *done[3], *not_done[3];
	struct event gates[3], started, returned;
	struct tp_executor *ex;
	struct excopener o;
	struct job j[3];
	size_t nd, nn;
	pthread_t t;
	int i, rc;

	ev_init(&started);
	ev_init(&returned);
	ex = executor(3, 0, NULL, NULL);
	for (i = 0; i < 3; i++) {
		job_init(&j[i], i, NULL);
		ev_init(&gates[i]);
		j[i].gate = &gates[i];
		j[i].started = &started;
	}
	j[1].status = 5;
	for (i = 0; i < 3; i++)
		fs[i] = submit(ex, &j[i]);
	ev_wait(&started, 3);
	o.gates = gates;
	o.f0 = fs[0];
	o.returned = &returned;
	o.premature = 0;
	t = spawn(th_exception, &o);
	rc = tp_wait(fs, 3, TP_FIRST_EXCEPTION, TP_FOREVER, done, &nd,
	    not_done, &nn);
	ev_post(&returned);
	join(t);
	if (o.premature)
		die("tp_wait returned on a success");
	print_wait(rc, done, nd, not_done, nn);
	gated_end(ex, 3, gates, fs);
	ev_destroy(&started);
	ev_destroy(&returned);
}

static void
sc_wait_first_exception_none(void)
{
	struct tp_future *fs[2], *done[2], *not_done[2];
	struct event started, gate, returned;
	struct tp_executor *ex;
	struct opener o;
	struct job j[2];
	size_t nd, nn;
	pthread_t t;
	int rc;

	ev_init(&started);
	ev_init(&gate);
	ev_init(&returned);
	ex = executor(2, 0, NULL, NULL);
	job_init(&j[0], 0, NULL);
	job_init(&j[1], 1, NULL);
	j[1].started = &started;
	j[1].gate = &gate;
	fs[0] = submit(ex, &j[0]);
	fs[1] = submit(ex, &j[1]);
	CHECK(0, tp_future_wait(fs[0], TP_FOREVER));
	opener_init(&o, &returned);
	o.gates[o.ngates++] = &gate;
	t = spawn(th_opener, &o);
	rc = tp_wait(fs, 2, TP_FIRST_EXCEPTION, TP_FOREVER, done, &nd,
	    not_done, &nn);
	ev_post(&returned);
	join(t);
	if (o.premature)
		die("tp_wait returned with a future unfinished");
	print_wait(rc, done, nd, not_done, nn);
	release_all(fs, 2);
	tp_executor_free(ex);
	ev_destroy(&started);
	ev_destroy(&gate);
	ev_destroy(&returned);
}

static void
sc_wait_first_exception_cancelled(void)
{
	struct tp_future *fs[2], *done[2], *not_done[2];
	struct event started, gate;
	struct tp_executor *ex;
	struct job a, b;
	size_t nd, nn;
	int rc;

	ev_init(&started);
	ev_init(&gate);
	ex = cancel_queued(&a, &b, &started, &gate, &fs[0], &fs[1]);
	CHECK(0, tp_future_cancel(fs[1]));
	rc = tp_wait(fs, 2, TP_FIRST_EXCEPTION, SHORT_NS, done, &nd,
	    not_done, &nn);
	print_wait(rc, done, nd, not_done, nn);
	ev_post(&gate);
	release_all(fs, 2);
	tp_executor_free(ex);
	ev_destroy(&started);
	ev_destroy(&gate);
}

static void
sc_wait_all_completed(void)
{
	struct tp_future *fs[3], *done[3], *not_done[3];
	struct event gates[3], started, returned;
	struct tp_executor *ex;
	struct opener o;
	struct job j[3];
	size_t nd, nn;
	pthread_t t;
	int rc;

	ev_init(&started);
	ev_init(&returned);
	ex = gated(3, j, gates, &started, fs);
	opener_init(&o, &returned);
	o.gates[o.ngates++] = &gates[2];
	o.gates[o.ngates++] = &gates[0];
	o.gates[o.ngates++] = &gates[1];
	t = spawn(th_opener, &o);
	rc = tp_wait(fs, 3, TP_ALL_COMPLETED, TP_FOREVER, done, &nd,
	    not_done, &nn);
	ev_post(&returned);
	join(t);
	if (o.premature)
		die("tp_wait returned with a future unfinished");
	print_wait(rc, done, nd, not_done, nn);
	gated_end(ex, 3, gates, fs);
	ev_destroy(&started);
	ev_destroy(&returned);
}

static void
sc_wait_timeout(void)
{
	struct tp_future *fs[3], *done[3], *not_done[3];
	struct event started, gate;
	struct tp_executor *ex;
	struct job j[3];
	size_t nd, nn;
	int rc;

	ev_init(&started);
	ev_init(&gate);
	ex = executor(1, 0, NULL, NULL);
	job_init(&j[0], 0, NULL);
	job_init(&j[1], 1, NULL);
	job_init(&j[2], 2, NULL);
	j[2].started = &started;
	j[2].gate = &gate;
	fs[0] = submit(ex, &j[0]);
	CHECK(0, tp_future_wait(fs[0], TP_FOREVER));
	fs[2] = submit(ex, &j[2]);
	ev_wait(&started, 1);
	fs[1] = submit(ex, &j[1]);
	CHECK(0, tp_future_cancel(fs[1]));
	printf("all completed, 20ms:\n");
	rc = tp_wait(fs, 3, TP_ALL_COMPLETED, SHORT_NS, done, &nd,
	    not_done, &nn);
	print_wait(rc, done, nd, not_done, nn);
	printf("first completed on the running one, 10ms:\n");
	rc = tp_wait(&fs[2], 1, TP_FIRST_COMPLETED, 10 * MS, done, &nd,
	    not_done, &nn);
	print_wait(rc, done, nd, not_done, nn);
	printf("all completed, polling:\n");
	rc = tp_wait(fs, 3, TP_ALL_COMPLETED, 0, done, &nd, not_done, &nn);
	print_wait(rc, done, nd, not_done, nn);
	ev_post(&gate);
	release_all(fs, 3);
	tp_executor_free(ex);
	ev_destroy(&started);
	ev_destroy(&gate);
}

static void
sc_wait_two_executors(void)
{
	struct tp_future *fs[2], *done[2], *not_done[2];
	struct event started, gates[2], returned;
	struct tp_executor *ex[2];
	struct opener o;
	struct job j[2];
	size_t nd, nn;
	pthread_t t;
	int i, rc;

	ev_init(&started);
	ev_init(&returned);
	for (i = 0; i < 2; i++) {
		ex[i] = executor(1, 0, NULL, NULL);
		job_init(&j[i], i, NULL);
		ev_init(&gates[i]);
		j[i].gate = &gates[i];
		j[i].started = &started;
		fs[i] = submit(ex[i], &j[i]);
	}
	ev_wait(&started, 2);
	opener_init(&o, &returned);
	o.gates[o.ngates++] = &gates[1];
	t = spawn(th_opener, &o);
	rc = tp_wait(fs, 2, TP_FIRST_COMPLETED, TP_FOREVER, done, &nd,
	    not_done, &nn);
	ev_post(&returned);
	join(t);
	if (o.premature)
		die("tp_wait returned before any future finished");
	printf("first completed:\n");
	print_wait(rc, done, nd, not_done, nn);
	ev_post(&gates[0]);
	rc = tp_wait(fs, 2, TP_ALL_COMPLETED, TP_FOREVER, done, &nd,
	    not_done, &nn);
	printf("all completed:\n");
	print_wait(rc, done, nd, not_done, nn);
	release_all(fs, 2);
	for (i = 0; i < 2; i++) {
		tp_executor_free(ex[i]);
		ev_destroy(&gates[i]);
	}
	ev_destroy(&started);
	ev_destroy(&returned);
}

static void
sc_wait_duplicates(void)
{
	struct tp_future *f[2], *fs[5], *done[5], *not_done[5];
	struct event started, gate;
	struct tp_executor *ex;
	struct job j[2];
	size_t nd, nn;
	int rc;

	ev_init(&started);
	ev_init(&gate);
	ex = executor(2, 0, NULL, NULL);
	job_init(&j[0], 0, NULL);
	job_init(&j[1], 1, NULL);
	j[1].started = &started;
	j[1].gate = &gate;
	f[0] = submit(ex, &j[0]);
	f[1] = submit(ex, &j[1]);
	CHECK(0, tp_future_wait(f[0], TP_FOREVER));
	ev_wait(&started, 1);
	fs[0] = f[0];
	fs[1] = f[1];
	fs[2] = f[0];
	fs[3] = f[0];
	fs[4] = f[1];
	printf("all completed, 20ms, 5 entries:\n");
	rc = tp_wait(fs, 5, TP_ALL_COMPLETED, SHORT_NS, done, &nd, not_done,
	    &nn);
	print_wait(rc, done, nd, not_done, nn);
	ev_post(&gate);
	printf("all completed, forever, 5 entries:\n");
	rc = tp_wait(fs, 5, TP_ALL_COMPLETED, TP_FOREVER, done, &nd,
	    not_done, &nn);
	print_wait(rc, done, nd, not_done, nn);
	release_all(f, 2);
	tp_executor_free(ex);
	ev_destroy(&started);
	ev_destroy(&gate);
}

static void
sc_wait_einval(void)
{
	struct tp_future *done[1], *not_done[1];
	struct tp_executor *ex;
	struct tp_future *f;
	struct job j;
	size_t nd, nn;

	ex = executor(1, 0, NULL, NULL);
	job_init(&j, 0, NULL);
	f = submit(ex, &j);
	CHECK(0, tp_future_wait(f, TP_FOREVER));
	printf("bad mode: %s\n", errname(tp_wait(&f, 1, (enum tp_wait_mode)42,
	    TP_FOREVER, done, &nd, not_done, &nn)));
	tp_future_release(f);
	tp_executor_free(ex);
}

static void
sc_wait_no_split(void)
{
	struct tp_executor *ex;
	struct tp_future *fs[2];
	struct job j[2];
	size_t nd, nn;

	ex = executor(2, 0, NULL, NULL);
	job_init(&j[0], 0, NULL);
	job_init(&j[1], 1, NULL);
	fs[0] = submit(ex, &j[0]);
	fs[1] = submit(ex, &j[1]);
	printf("wait without arrays: %s\n", errname(tp_wait(fs, 2,
	    TP_ALL_COMPLETED, TP_FOREVER, NULL, &nd, NULL, &nn)));
	printf("states: %s %s\n", statename(tp_future_state(fs[0])),
	    statename(tp_future_state(fs[1])));
	release_all(fs, 2);
	tp_executor_free(ex);
}

/* ---- as_completed ------------------------------------------------------ */

/* Print what tp_as_completed_next gives: the job id, or the error. */
static int
ac_next(struct tp_as_completed *ac, const char *label)
{
	struct tp_future *f;
	int rc;

	rc = tp_as_completed_next(ac, &f);
	if (rc == 0)
		printf("%s: %d\n", label, fid(f));
	else
		printf("%s: %s\n", label, errname(rc));
	return rc;
}

static void
sc_as_completed_order(void)
{
	static const int order[] = { 2, 0, 1 };
	struct event gates[3], started;
	struct tp_as_completed *ac;
	struct tp_executor *ex;
	struct tp_future *fs[3];
	struct job j[3];
	size_t i;

	ev_init(&started);
	ex = gated(3, j, gates, &started, fs);
	CHECK(0, tp_as_completed_create(&ac, fs, 3, TP_FOREVER));
	for (i = 0; i < NELEM(order); i++) {
		ev_post(&gates[order[i]]);
		CHECK(0, ac_next(ac, "next"));
	}
	CHECK(ENOENT, ac_next(ac, "next"));
	tp_as_completed_free(ac);
	gated_end(ex, 3, gates, fs);
	ev_destroy(&started);
}

static void
sc_as_completed_done_first(void)
{
	struct tp_as_completed *ac;
	struct tp_executor *ex;
	struct tp_future *fs[3], *f;
	struct event started, gate;
	struct job j[3];
	int ids[2], i;

	ev_init(&started);
	ev_init(&gate);
	ex = executor(2, 0, NULL, NULL);
	for (i = 0; i < 3; i++)
		job_init(&j[i], i, NULL);
	j[0].started = &started;
	j[0].gate = &gate;
	fs[0] = submit(ex, &j[0]);
	ev_wait(&started, 1);
	fs[1] = submit(ex, &j[1]);
	CHECK(0, tp_future_wait(fs[1], TP_FOREVER));
	fs[2] = submit(ex, &j[2]);
	CHECK(0, tp_future_wait(fs[2], TP_FOREVER));
	CHECK(0, tp_as_completed_create(&ac, fs, 3, TP_FOREVER));
	/* 0 finishes after the iterator was made, before the first next. */
	ev_post(&gate);
	CHECK(0, tp_future_wait(fs[0], TP_FOREVER));
	for (i = 0; i < 2; i++) {
		CHECK(0, tp_as_completed_next(ac, &f));
		ids[i] = fid(f);
	}
	sort_ints(ids, 2);
	printf("first two: %d %d\n", ids[0], ids[1]);
	CHECK(0, ac_next(ac, "then"));
	CHECK(ENOENT, ac_next(ac, "then"));
	tp_as_completed_free(ac);
	release_all(fs, 3);
	tp_executor_free(ex);
	ev_destroy(&started);
	ev_destroy(&gate);
}

static void
sc_as_completed_duplicates(void)
{
	struct tp_as_completed *ac;
	struct tp_executor *ex;
	struct tp_future *f[3], *fs[7], *y;
	struct event started, gate;
	struct job j[3];
	int ids[2], i;

	ev_init(&started);
	ev_init(&gate);
	ex = executor(2, 0, NULL, NULL);
	for (i = 0; i < 3; i++) {
		job_init(&j[i], i, NULL);
		f[i] = NULL;
	}
	j[2].started = &started;
	j[2].gate = &gate;
	f[2] = submit(ex, &j[2]);
	ev_wait(&started, 1);
	for (i = 0; i < 2; i++) {
		f[i] = submit(ex, &j[i]);
		CHECK(0, tp_future_wait(f[i], TP_FOREVER));
	}
	fs[0] = f[0];
	fs[1] = f[2];
	fs[2] = f[1];
	fs[3] = f[0];
	fs[4] = f[2];
	fs[5] = f[1];
	fs[6] = f[0];
	CHECK(0, tp_as_completed_create(&ac, fs, 7, TP_FOREVER));
	for (i = 0; i < 2; i++) {
		CHECK(0, tp_as_completed_next(ac, &y));
		ids[i] = fid(y);
	}
	sort_ints(ids, 2);
	printf("finished ones: %d %d\n", ids[0], ids[1]);
	ev_post(&gate);
	CHECK(0, ac_next(ac, "then"));
	CHECK(ENOENT, ac_next(ac, "then"));
	tp_as_completed_free(ac);
	release_all(f, 3);
	tp_executor_free(ex);
	ev_destroy(&started);
	ev_destroy(&gate);
}

static void
sc_as_completed_timeout(void)
{
	struct tp_as_completed *ac;
	struct tp_executor *ex;
	struct event started, gate;
	struct tp_future *f;
	struct job j;

	ev_init(&started);
	ev_init(&gate);
	ex = executor(1, 0, NULL, NULL);
	job_init(&j, 0, NULL);
	j.started = &started;
	j.gate = &gate;
	f = submit(ex, &j);
	ev_wait(&started, 1);
	CHECK(0, tp_as_completed_create(&ac, &f, 1, SHORT_NS));
	CHECK(ETIMEDOUT, ac_next(ac, "next"));
	CHECK(ETIMEDOUT, ac_next(ac, "next again"));
	ev_post(&gate);
	CHECK(0, tp_future_wait(f, TP_FOREVER));
	CHECK(0, ac_next(ac, "after the deadline, once finished"));
	CHECK(ENOENT, ac_next(ac, "then"));
	tp_as_completed_free(ac);
	tp_future_release(f);
	tp_executor_free(ex);
	ev_destroy(&started);
	ev_destroy(&gate);
}

static void
sc_as_completed_empty(void)
{
	struct tp_as_completed *ac;
	struct tp_future *none[1] = { NULL };

	CHECK(0, tp_as_completed_create(&ac, none, 0, TP_FOREVER));
	CHECK(ENOENT, ac_next(ac, "next"));
	CHECK(ENOENT, ac_next(ac, "again"));
	tp_as_completed_free(ac);
}

static void
sc_as_completed_add(void)
{
	struct tp_as_completed *ac;
	struct tp_executor *ex;
	struct event started, gate;
	struct tp_future *fs[3];
	struct job j[3];
	int i;

	ev_init(&started);
	ev_init(&gate);
	ex = executor(2, 0, NULL, NULL);
	for (i = 0; i < 3; i++)
		job_init(&j[i], i, NULL);
	j[0].started = &started;
	j[0].gate = &gate;
	fs[0] = submit(ex, &j[0]);
	ev_wait(&started, 1);
	fs[1] = submit(ex, &j[1]);
	CHECK(0, tp_future_wait(fs[1], TP_FOREVER));
	CHECK(0, tp_as_completed_create(&ac, fs, 1, TP_FOREVER));
	printf("add 1: %s\n", errname(tp_as_completed_add(ac, fs[1])));
	printf("add 1 again: %s\n", errname(tp_as_completed_add(ac, fs[1])));
	printf("add 0 again: %s\n", errname(tp_as_completed_add(ac, fs[0])));
	CHECK(0, ac_next(ac, "next"));
	ev_post(&gate);
	CHECK(0, ac_next(ac, "next"));
	CHECK(ENOENT, ac_next(ac, "next"));
	fs[2] = submit(ex, &j[2]);
	printf("add 2: %s\n", errname(tp_as_completed_add(ac, fs[2])));
	CHECK(0, ac_next(ac, "next"));
	CHECK(ENOENT, ac_next(ac, "next"));
	tp_as_completed_free(ac);
	release_all(fs, 3);
	tp_executor_free(ex);
	ev_destroy(&started);
	ev_destroy(&gate);
}

static void
sc_as_completed_two_executors(void)
{
	struct tp_as_completed *ac;
	struct tp_executor *ex[2];
	struct event started, gates[2];
	struct tp_future *fs[2];
	struct job j[2];
	int i;

	ev_init(&started);
	for (i = 0; i < 2; i++) {
		ex[i] = executor(1, 0, NULL, NULL);
		job_init(&j[i], i, NULL);
		ev_init(&gates[i]);
		j[i].gate = &gates[i];
		j[i].started = &started;
		fs[i] = submit(ex[i], &j[i]);
	}
	ev_wait(&started, 2);
	CHECK(0, tp_as_completed_create(&ac, fs, 2, TP_FOREVER));
	ev_post(&gates[1]);
	CHECK(0, ac_next(ac, "next"));
	ev_post(&gates[0]);
	CHECK(0, ac_next(ac, "next"));
	CHECK(ENOENT, ac_next(ac, "next"));
	tp_as_completed_free(ac);
	release_all(fs, 2);
	for (i = 0; i < 2; i++) {
		tp_executor_free(ex[i]);
		ev_destroy(&gates[i]);
	}
	ev_destroy(&started);
}

static void
sc_as_completed_pending(void)
{
	struct event gates[3], started;
	struct tp_as_completed *ac;
	struct tp_executor *ex;
	struct tp_future *fs[3], *y;
	struct job j[3];
	int i;

	ev_init(&started);
	ex = gated(3, j, gates, &started, fs);
	CHECK(0, tp_as_completed_create(&ac, fs, 3, SHORT_NS));
	printf("pending %zu, held %zu\n", tp_as_completed_pending(ac),
	    tp_as_completed_size(ac));
	ev_post(&gates[1]);
	CHECK(0, ac_next(ac, "next"));
	CHECK(ETIMEDOUT, ac_next(ac, "next"));
	printf("unfinished: %zu (of %zu)\n", tp_as_completed_pending(ac),
	    tp_as_completed_size(ac));
	ev_post(&gates[0]);
	ev_post(&gates[2]);
	for (i = 0; i < 2; i++) {
		CHECK(0, tp_future_wait(fs[2 * i], TP_FOREVER));
		CHECK(0, tp_as_completed_next(ac, &y));
	}
	printf("all yielded: pending %zu, held %zu\n",
	    tp_as_completed_pending(ac), tp_as_completed_size(ac));
	tp_as_completed_free(ac);
	gated_end(ex, 3, gates, fs);
	ev_destroy(&started);
}

/*
 * A stream of futures through one iterator: added as they are submitted,
 * taken as they finish, at most `window` in flight.  The iterator holds
 * only the futures not yet taken, whatever the length of the stream.
 */
static void
sc_as_completed_take(void)
{
	enum { TOTAL = 2000, WINDOW = 4 };
	struct tp_as_completed *ac;
	struct tp_executor *ex;
	struct tp_future *f, *g;
	size_t size, maxsize = 0;
	int submitted = 0, taken = 0, outcome_ok = 0;
	atomic_int runs;

	atomic_init(&runs, 0);
	ex = executor(3, 0, NULL, NULL);
	CHECK(0, tp_as_completed_create(&ac, NULL, 0, TP_FOREVER));
	while (taken < TOTAL) {
		while (submitted < TOTAL && submitted - taken < WINDOW) {
			CHECK(0, tp_submit(ex, task_count, &runs, &f));
			CHECK(0, tp_as_completed_add(ac, f));
			tp_future_release(f);
			submitted++;
		}
		if ((size = tp_as_completed_size(ac)) > maxsize)
			maxsize = size;
		CHECK(0, tp_as_completed_take(ac, &f));
		taken++;
		/* The caller's reference now: the future is still whole. */
		if (tp_future_state(f) == TP_DONE &&
		    tp_future_result(f, 0, NULL, NULL) == 0)
			outcome_ok++;
		tp_future_release(f);
	}
	printf("taken: %d, outcomes read: %d, task runs: %d\n", taken,
	    outcome_ok, atomic_load(&runs));
	printf("most held at once: %zu (window %d)\n", maxsize, WINDOW);
	printf("held at the end: %zu, pending: %zu\n",
	    tp_as_completed_size(ac), tp_as_completed_pending(ac));
	CHECK(ENOENT, ac_next(ac, "then"));

	/* A taken future added again is yielded again; next keeps it. */
	CHECK(0, tp_submit(ex, task_count, &runs, &f));
	CHECK(0, tp_future_wait(f, TP_FOREVER));
	CHECK(0, tp_as_completed_add(ac, f));
	CHECK(0, tp_as_completed_take(ac, &g));
	printf("taken: %s\n", yesno(g == f));
	tp_future_release(g);
	CHECK(0, tp_as_completed_add(ac, f));
	printf("after adding it again: held %zu\n", tp_as_completed_size(ac));
	CHECK(0, tp_as_completed_next(ac, &g));
	printf("yielded by next: %s, held %zu\n", yesno(g == f),
	    tp_as_completed_size(ac));
	tp_future_release(f);
	tp_as_completed_free(ac);
	tp_executor_free(ex);
}

/* ---- map --------------------------------------------------------------- */

static void
producer_init(struct producer *p, struct job *jobs, int n)
{
	memset(p, 0, sizeof(*p));
	p->jobs = jobs;
	p->n = n;
}

static int
produce(void *ctx, void **item)
{
	struct producer *p = ctx;
	int i;

	if (p->next == p->n) {
		if (p->open_at_end)
			for (i = 0; i < p->n; i++)
				ev_post(p->jobs[i].gate);
		return p->fail != 0 ? p->fail : ENOENT;
	}
	*item = &p->jobs[p->next++];
	if (p->next - p->consumed > p->max_ahead)
		p->max_ahead = p->next - p->consumed;
	if (p->open_behind > 0 && p->next - p->open_behind >= 0)
		ev_post(p->jobs[p->next - p->open_behind].gate);
	return 0;
}

static void
drop_record(void *ctx, void *item, struct tp_future *f)
{
	struct producer *p = ctx;
	struct job *j = item;

	p->drops++;
	if (j == NULL || j < p->jobs || j >= p->jobs + p->n)
		die("drop got an item that was never produced");
	p->dropped[j->id]++;
	p->drop_state[j->id] = f == NULL ? -1 : (int)tp_future_state(f);
}

/* Take the next future of m; check its outcome; return the item's id. */
static int
map_take(struct tp_map *m, struct producer *p, int *idp)
{
	struct tp_future *f;
	struct job *j;
	void *res;
	int rc, st;

	rc = tp_map_next(m, &f);
	if (rc != 0)
		return rc;
	j = tp_future_arg(f);
	CHECK(0, tp_future_result(f, 0, &res, &st));
	if (res != j->result || st != j->status)
		die("map item %d: wrong outcome", j->id);
	*idp = j->id;
	tp_future_release(f);
	p->consumed++;
	return 0;
}

static void
map_jobs(struct job *j, int n, struct event *gates, struct event *started)
{
	int i;

	for (i = 0; i < n; i++) {
		job_init(&j[i], i, NULL);
		j[i].result = &j[i];
		j[i].status = i % 3;
		if (gates != NULL) {
			ev_init(&gates[i]);
			j[i].gate = &gates[i];
		}
		j[i].started = started;
	}
}

struct conductor {
	struct job *jobs;
	struct event *started;
	int n;
};

/* Once all n tasks run, let them finish one by one, the last first. */
static void *
th_reverse(void *arg)
{
	struct conductor *c = arg;
	int k;

	ev_wait(c->started, c->n);
	for (k = c->n - 1; k >= 0; k--) {
		ev_post(c->jobs[k].gate);
		CHECK(0, tp_future_wait(c->jobs[k].self, TP_FOREVER));
		note("%d", k);
	}
	return NULL;
}

static void
sc_map_order(void)
{
	struct tp_map_opts opts = TP_MAP_OPTS_INIT;
	struct event gates[4], started;
	struct tp_executor *ex;
	struct conductor c;
	struct producer p;
	struct tp_map *m;
	struct job j[4];
	pthread_t t;
	int i, id, rc;

	ev_init(&started);
	map_jobs(j, 4, gates, &started);
	for (i = 0; i < 4; i++)
		j[i].keep_self = 1;
	producer_init(&p, j, 4);
	ex = executor(4, 0, NULL, NULL);
	opts.window = 4;
	CHECK(0, tp_map_create(&m, ex, task_job, produce, &p, &opts));
	c.jobs = j;
	c.started = &started;
	c.n = 4;
	t = spawn(th_reverse, &c);
	while ((rc = map_take(m, &p, &id)) == 0)
		printf("next: %d\n", id);
	printf("next: %s\n", errname(rc));
	join(t);
	printf("completion order:\n");
	notes_print();
	tp_map_free(m);
	tp_executor_free(ex);
	for (i = 0; i < 4; i++) {
		tp_future_release(j[i].self);
		ev_destroy(&gates[i]);
	}
	ev_destroy(&started);
}

static void
sc_map_lazy(void)
{
	struct tp_map_opts opts = TP_MAP_OPTS_INIT;
	struct tp_executor *ex;
	struct producer p;
	struct tp_map *m;
	struct job j[3];
	int i, id, runs;

	map_jobs(j, 3, NULL, NULL);
	producer_init(&p, j, 3);
	ex = executor(1, 0, NULL, NULL);
	opts.window = 1;
	CHECK(0, tp_map_create(&m, ex, task_job, produce, &p, &opts));
	printf("produced after create: %d\n", p.next);
	tp_map_free(m);
	runs = 0;
	for (i = 0; i < 3; i++)
		runs += atomic_load(&j[i].runs);
	printf("after free without next: produced %d, runs %d, drops %d\n",
	    p.next, runs, p.drops);
	CHECK(0, tp_map_create(&m, ex, task_job, produce, &p, &opts));
	CHECK(0, map_take(m, &p, &id));
	printf("first next: %d, produced %s\n", id, p.next >= 1 ?
	    "some" : "none");
	tp_map_free(m);
	tp_executor_free(ex);
}

/*
 * The producer opens the gate of item c when it produces item
 * c + window - 1: item c, the one tp_map_next waits for, can finish only
 * once the map has filled its window, so the look-ahead is at its limit
 * at every step, and max_ahead shows the limit.
 */
static void
map_window(unsigned nworkers, size_t window, int behind)
{
	struct tp_map_opts opts = TP_MAP_OPTS_INIT;
	struct event gates[10];
	struct tp_executor *ex;
	struct producer p;
	struct tp_map *m;
	struct job j[10];
	int i, id, rc, inorder;

	map_jobs(j, 10, gates, NULL);
	producer_init(&p, j, 10);
	p.open_behind = behind;
	p.open_at_end = 1;
	ex = executor(nworkers, 0, NULL, NULL);
	opts.window = window;
	CHECK(0, tp_map_create(&m, ex, task_job, produce, &p, &opts));
	inorder = 1;
	for (i = 0; (rc = map_take(m, &p, &id)) == 0; i++)
		if (id != i)
			inorder = 0;
	printf("window: %zu\n", window);
	printf("yielded: %d, in order: %s, then %s\n", i, yesno(inorder),
	    errname(rc));
	printf("most items produced and not yet returned: %d\n", p.max_ahead);
	tp_map_free(m);
	tp_executor_free(ex);
	for (i = 0; i < 10; i++)
		ev_destroy(&gates[i]);
}

static void
sc_map_window(void)
{
	map_window(3, 3, 3);
}

static void
sc_map_window_one(void)
{
	map_window(1, 1, 1);
}

/*
 * With the default window (64 per worker), count what the first
 * tp_map_next produces while every task is held by one gate: it fills the
 * window, then times out.
 */
static void
sc_map_window_default(void)
{
	struct tp_map_opts opts = TP_MAP_OPTS_INIT;
	struct event gate;
	struct tp_executor *ex;
	struct producer p;
	struct tp_future *f;
	struct tp_map *m;
	struct job j[200];
	int i;

	ev_init(&gate);
	map_jobs(j, 200, NULL, NULL);
	for (i = 0; i < 200; i++)
		j[i].gate = &gate;
	producer_init(&p, j, 200);
	ex = executor(2, 0, NULL, NULL);
	opts.timeout_ns = GRACE_MS * MS;
	CHECK(0, tp_map_create(&m, ex, task_job, produce, &p, &opts));
	printf("workers: 2\n");
	printf("first next: %s\n", errname(tp_map_next(m, &f)));
	printf("produced: %d\n", p.next);
	ev_post(&gate);
	tp_map_free(m);
	tp_executor_free(ex);
	ev_destroy(&gate);
}

static void
sc_map_timeout(void)
{
	struct tp_map_opts opts = TP_MAP_OPTS_INIT;
	struct event gate, started;
	struct tp_executor *ex;
	struct producer p;
	struct tp_map *m;
	struct job j[1];
	int id;

	ev_init(&started);
	map_jobs(j, 1, &gate, &started);
	j[0].keep_self = 1;
	producer_init(&p, j, 1);
	ex = executor(1, 0, NULL, NULL);
	opts.window = 1;
	opts.timeout_ns = SHORT_NS;
	CHECK(0, tp_map_create(&m, ex, task_job, produce, &p, &opts));
	printf("next: %s\n", errname(map_take(m, &p, &id)));
	ev_wait(&started, 1);
	ev_post(&gate);
	CHECK(0, tp_future_wait(j[0].self, TP_FOREVER));
	CHECK(0, map_take(m, &p, &id));
	printf("next after the deadline, once finished: %d\n", id);
	printf("next: %s\n", errname(map_take(m, &p, &id)));
	tp_map_free(m);
	tp_future_release(j[0].self);
	tp_executor_free(ex);
	ev_destroy(&gate);
	ev_destroy(&started);
}

/*
 * A map whose deadline is as far away as an int64_t allows: it waits for
 * its futures like a map without one.  The nanoseconds left before the
 * deadline do not fit an int64_t once the clock has carried a second into
 * the deadline's tv_sec, which it does for about 85% of the start times;
 * several rounds make sure one of them does.  The round's gate opens after
 * GRACE_MS, when tp_map_next is waiting, unless it has returned early.
 */
static void
sc_map_timeout_max(void)
{
	enum { ROUNDS = 6 };
	struct tp_map_opts opts = TP_MAP_OPTS_INIT;
	struct event gate, started, returned;
	struct tp_future *f, *done[1], *not_done[1];
	struct tp_as_completed *ac;
	struct tp_executor *ex;
	struct producer p;
	struct opener o;
	struct tp_map *m;
	struct job j[1];
	size_t nd, nn;
	pthread_t t;
	int r, id, rc, premature = 0, ok = 0;

	ex = executor(1, 0, NULL, NULL);
	opts.window = 1;
	opts.timeout_ns = INT64_MAX;
	for (r = 0; r < ROUNDS; r++) {
		ev_init(&started);
		ev_init(&returned);
		map_jobs(j, 1, &gate, &started);
		producer_init(&p, j, 1);
		CHECK(0, tp_map_create(&m, ex, task_job, produce, &p, &opts));
		opener_init(&o, &returned);
		o.gates[o.ngates++] = &gate;
		t = spawn(th_opener, &o);
		rc = map_take(m, &p, &id);
		ev_post(&returned);
		join(t);
		premature += o.premature;
		ok += rc == 0 && id == 0;
		if (rc != 0)
			printf("round %d: next: %s\n", r, errname(rc));
		CHECK(ENOENT, map_take(m, &p, &id));
		tp_map_free(m);
		ev_destroy(&gate);
		ev_destroy(&started);
		ev_destroy(&returned);
	}
	printf("rounds: %d, item 0 returned: %d, next returned early: %d\n",
	    ROUNDS, ok, premature);

	/* Every other timeout adds to the clock the same way. */
	job_init(&j[0], 0, NULL);
	f = submit(ex, &j[0]);
	printf("wait: %s\n", errname(tp_future_wait(f, INT64_MAX)));
	printf("result: %s\n", errname(tp_future_result(f, INT64_MAX, NULL,
	    NULL)));
	printf("tp_wait: %s\n", errname(tp_wait(&f, 1, TP_ALL_COMPLETED,
	    INT64_MAX, done, &nd, not_done, &nn)));
	CHECK(0, tp_as_completed_create(&ac, &f, 1, INT64_MAX));
	printf("as_completed: %s\n", errname(tp_as_completed_next(ac, &f)));
	tp_as_completed_free(ac);
	tp_future_release(f);
	tp_executor_free(ex);
}

static void
sc_map_producer_error(void)
{
	struct tp_map_opts opts = TP_MAP_OPTS_INIT;
	struct event gate, started;
	struct tp_executor *ex;
	struct producer p;
	struct tp_map *m;
	struct after w;
	struct job j[3];
	pthread_t t;
	int i, id, rc;

	ev_init(&gate);
	ev_init(&started);
	map_jobs(j, 3, NULL, &started);
	for (i = 0; i < 3; i++)
		j[i].gate = &gate;
	producer_init(&p, j, 3);
	p.fail = EIO;
	ex = executor(3, 0, NULL, NULL);
	opts.window = 8;
	CHECK(0, tp_map_create(&m, ex, task_job, produce, &p, &opts));
	/* The tasks finish only once all three run, the error produced. */
	after_init(&w, &started, 3, &gate);
	t = spawn(th_after, &w);
	while ((rc = map_take(m, &p, &id)) == 0)
		printf("next: %d\n", id);
	printf("next: %s\n", errname(rc));
	join(t);
	tp_map_free(m);
	tp_executor_free(ex);
	ev_destroy(&gate);
	ev_destroy(&started);
}

static void
sc_map_end(void)
{
	struct tp_executor *ex;
	struct producer p;
	struct tp_map *m;
	struct job j[2];
	int id;

	map_jobs(j, 2, NULL, NULL);
	producer_init(&p, j, 2);
	ex = executor(2, 0, NULL, NULL);
	CHECK(0, tp_map_create(&m, ex, task_job, produce, &p, NULL));
	CHECK(0, map_take(m, &p, &id));
	printf("next: %d\n", id);
	CHECK(0, map_take(m, &p, &id));
	printf("next: %d\n", id);
	printf("next: %s\n", errname(map_take(m, &p, &id)));
	printf("next again: %s\n", errname(map_take(m, &p, &id)));
	tp_map_free(m);
	producer_init(&p, j, 0);
	CHECK(0, tp_map_create(&m, ex, task_job, produce, &p, NULL));
	printf("empty input: %s\n", errname(map_take(m, &p, &id)));
	tp_map_free(m);
	tp_executor_free(ex);
	printf("drops: %d\n", p.drops);
}

static void
sc_map_free_drop(void)
{
	struct tp_map_opts opts = TP_MAP_OPTS_INIT;
	struct tp_executor *ex;
	struct producer p;
	struct tp_map *m;
	struct job j[10];
	int i, id, once, unfinished;

	map_jobs(j, 10, NULL, NULL);
	producer_init(&p, j, 10);
	ex = executor(2, 0, NULL, NULL);
	opts.window = 4;
	opts.drop = drop_record;
	CHECK(0, tp_map_create(&m, ex, task_job, produce, &p, &opts));
	for (i = 0; i < 2; i++) {
		CHECK(0, map_take(m, &p, &id));
		printf("next: %d\n", id);
	}
	tp_map_free(m);
	once = 1;
	unfinished = 0;
	for (i = 0; i < 10; i++) {
		if (p.dropped[i] != (i >= 2 && i < p.next))
			once = 0;
		if (p.dropped[i] > 0 && p.drop_state[i] != TP_DONE &&
		    p.drop_state[i] != TP_CANCELLED)
			unfinished++;
	}
	printf("returned items dropped: %d\n", p.dropped[0] + p.dropped[1]);
	printf("every other produced item dropped once: %s\n", yesno(once &&
	    p.drops == p.next - 2));
	printf("dropped before finishing: %d\n", unfinished);
	tp_executor_free(ex);
}

/* The executor-level callback of sc_map_free_cancels. */
static void
cb_cancelled(struct tp_future *f, void *arg)
{
	if (tp_future_state(f) == TP_CANCELLED)
		ev_post(arg);
}

/*
 * tp_map_free cancels what has not started and waits for the running
 * task: the running one's gate opens only once the others are cancelled.
 */
static void
sc_map_free_cancels(void)
{
	struct tp_map_opts opts = TP_MAP_OPTS_INIT;
	struct event gate, started, cancelled;
	struct tp_executor *ex;
	struct after w;
	struct producer p;
	struct tp_future *f;
	struct tp_map *m;
	struct job j[10];
	pthread_t t;
	int i, ndone, ncancelled;

	ev_init(&gate);
	ev_init(&started);
	ev_init(&cancelled);
	map_jobs(j, 10, NULL, &started);
	for (i = 0; i < 10; i++)
		j[i].gate = &gate;
	producer_init(&p, j, 10);
	ex = executor(1, 0, cb_cancelled, &cancelled);
	opts.window = 3;
	opts.timeout_ns = GRACE_MS * MS;
	opts.drop = drop_record;
	CHECK(0, tp_map_create(&m, ex, task_job, produce, &p, &opts));
	printf("first next: %s\n", errname(tp_map_next(m, &f)));
	printf("produced: %d\n", p.next);
	ev_wait(&started, 1);
	after_init(&w, &cancelled, p.next - 1, &gate);
	w.limit_ms = 5000;
	t = spawn(th_after, &w);
	tp_map_free(m);
	join(t);
	printf("pending items cancelled while the running one was held: %s\n",
	    yesno(!w.late));
	ndone = ncancelled = 0;
	for (i = 0; i < p.next; i++) {
		if (p.dropped[i] != 1)
			die("item %d dropped %d times", i, p.dropped[i]);
		if (p.drop_state[i] == TP_DONE)
			ndone++;
		else if (p.drop_state[i] == TP_CANCELLED)
			ncancelled++;
	}
	printf("dropped: %d, DONE %d, CANCELLED %d\n", p.drops, ndone,
	    ncancelled);
	tp_executor_free(ex);
	ev_destroy(&gate);
	ev_destroy(&started);
	ev_destroy(&cancelled);
}

static void
sc_map_submit_error(void)
{
	struct tp_map_opts opts = TP_MAP_OPTS_INIT;
	struct tp_executor *ex;
	struct producer p;
	struct tp_map *m;
	struct job j[3];
	int id, i;

	map_jobs(j, 3, NULL, NULL);
	producer_init(&p, j, 3);
	ex = executor(1, 0, NULL, NULL);
	CHECK(0, tp_executor_shutdown(ex, 0, 0));
	opts.window = 1;
	opts.drop = drop_record;
	CHECK(0, tp_map_create(&m, ex, task_job, produce, &p, &opts));
	printf("next: %s\n", errname(map_take(m, &p, &id)));
	tp_map_free(m);
	printf("dropped:");
	for (i = 0; i < 3; i++)
		if (p.dropped[i] > 0)
			printf(" %d (%d time%s)", i, p.dropped[i],
			    p.dropped[i] == 1 ? "" : "s");
	printf("\n");
	printf("runs: %d\n", atomic_load(&j[0].runs));
	tp_executor_free(ex);
}

/*
 * The refill asks the producer for up to 64 items, then submits them
 * together: on a shut down executor all of them fail, and each is handed
 * to drop once, with no future.  The window (100) and the input (70) are
 * both larger than the refill.
 */
static void
sc_map_submit_error_refill(void)
{
	struct tp_map_opts opts = TP_MAP_OPTS_INIT;
	struct tp_executor *ex;
	struct producer p;
	struct tp_map *m;
	struct job j[70];
	int first = -1, id, i, last = -1, nodrop = 0, once = 0;

	map_jobs(j, 70, NULL, NULL);
	producer_init(&p, j, 70);
	ex = executor(1, 0, NULL, NULL);
	CHECK(0, tp_executor_shutdown(ex, 0, 0));
	opts.window = 100;
	opts.drop = drop_record;
	CHECK(0, tp_map_create(&m, ex, task_job, produce, &p, &opts));
	printf("next: %s\n", errname(map_take(m, &p, &id)));
	tp_map_free(m);
	printf("produced: %d\n", p.next);
	for (i = 0; i < 70; i++) {
		if (p.dropped[i] == 0) {
			nodrop++;
			continue;
		}
		if (p.dropped[i] != 1 || p.drop_state[i] != -1)
			die("item %d dropped %d times, state %d", i,
			    p.dropped[i], p.drop_state[i]);
		once++;
		if (first < 0)
			first = i;
		last = i;
	}
	printf("dropped once without a future: %d (items %d to %d); "
	    "not dropped: %d\n", once, first, last, nodrop);
	printf("runs: %d\n", atomic_load(&j[0].runs));
	tp_executor_free(ex);
}

static void
sc_map_einval(void)
{
	struct tp_executor *ex;
	struct producer p;
	struct tp_map *m;

	producer_init(&p, NULL, 0);
	ex = executor(1, 0, NULL, NULL);
	printf("no executor: %s\n", errname(tp_map_create(&m, NULL, task_job,
	    produce, &p, NULL)));
	printf("no task: %s\n", errname(tp_map_create(&m, ex, NULL, produce,
	    &p, NULL)));
	printf("no producer: %s\n", errname(tp_map_create(&m, ex, task_job,
	    NULL, &p, NULL)));
	tp_executor_free(ex);
}

/* One of several threads pushing its share of the items, in order. */
struct pusher {
	struct tp_map *m;
	struct job *jobs;
	int first, n;
	int rc;			/* the first error */
};

static void *
th_push(void *arg)
{
	struct pusher *ps = arg;
	int i;

	for (i = 0; i < ps->n && ps->rc == 0; i++)
		ps->rc = tp_map_push(ps->m, &ps->jobs[ps->first + i]);
	return NULL;
}

/* Close m once the pushers have returned. */
struct closer {
	struct tp_map *m;
	pthread_t *threads;
	int n;
};

static void *
th_close(void *arg)
{
	struct closer *c = arg;
	int i;

	for (i = 0; i < c->n; i++)
		join(c->threads[i]);
	CHECK(0, tp_map_close(c->m));
	return NULL;
}

static void
sc_map_pushed(void)
{
	enum { NP = 3, PER = 40 };
	struct tp_map_opts opts = TP_MAP_OPTS_INIT;
	struct pusher ps[NP];
	struct tp_executor *ex;
	struct closer c;
	struct tp_future *f;
	struct tp_map *m;
	struct job j[NP * PER];
	pthread_t threads[NP], tc;
	int last[NP], seen[NP * PER];
	int i, id, n, in_order, once, outcomes;

	for (i = 0; i < NP * PER; i++) {
		job_init(&j[i], i, NULL);
		j[i].result = &j[i];
		j[i].status = i % 2;
		seen[i] = 0;
	}
	ex = executor(3, 0, NULL, NULL);
	opts.window = 4;
	CHECK(0, tp_map_create_pushed(&m, ex, task_job, NULL, &opts));
	for (i = 0; i < NP; i++) {
		ps[i].m = m;
		ps[i].jobs = j;
		ps[i].first = i * PER;
		ps[i].n = PER;
		ps[i].rc = 0;
		threads[i] = spawn(th_push, &ps[i]);
		last[i] = -1;
	}
	c.m = m;
	c.threads = threads;
	c.n = NP;
	tc = spawn(th_close, &c);
	n = 0;
	in_order = 1;
	outcomes = 0;
	while (tp_map_next(m, &f) == 0) {
		id = fid(f);
		seen[id]++;
		/* Each pusher's items come back in the order it pushed them. */
		if (id <= last[id / PER])
			in_order = 0;
		last[id / PER] = id;
		if (tp_future_result(f, 0, NULL, NULL) == 0 &&
		    tp_future_state(f) == TP_DONE)
			outcomes++;
		tp_future_release(f);
		n++;
	}
	join(tc);
	once = 1;
	for (i = 0; i < NP * PER; i++)
		if (seen[i] != 1)
			once = 0;
	printf("pushers: %d, items: %d, window 4\n", NP, NP * PER);
	printf("push results: %s %s %s\n", errname(ps[0].rc),
	    errname(ps[1].rc), errname(ps[2].rc));
	printf("returned: %d, each once: %s, in each pusher's order: %s\n",
	    n, yesno(once), yesno(in_order));
	printf("finished when returned: %d\n", outcomes);
	printf("after the end: %s\n", errname(tp_map_next(m, &f)));
	printf("push after close: %s\n", errname(tp_map_push(m, &j[0])));
	tp_map_free(m);
	tp_executor_free(ex);
}

/* A thread that pushes one item and notes when tp_map_push returns. */
struct lone_pusher {
	struct tp_map *m;
	void *item;
	int rc;
	struct event returned;
};

static void *
th_push_one(void *arg)
{
	struct lone_pusher *lp = arg;

	lp->rc = tp_map_push(lp->m, lp->item);
	ev_post(&lp->returned);
	return NULL;
}

static void
sc_map_pushed_close(void)
{
	struct tp_map_opts opts = TP_MAP_OPTS_INIT;
	struct event gates[2], started;
	struct lone_pusher lp;
	struct tp_executor *ex;
	struct tp_future *f;
	struct producer p;
	struct tp_map *m;
	struct job j[2];
	pthread_t t;

	ev_init(&started);
	map_jobs(j, 2, gates, &started);
	producer_init(&p, j, 2);
	ex = executor(1, 0, NULL, NULL);
	opts.window = 1;
	opts.drop = drop_record;
	CHECK(0, tp_map_create_pushed(&m, ex, task_job, &p, &opts));
	printf("push 0: %s\n", errname(tp_map_push(m, &j[0])));
	ev_wait(&started, 1);
	/* The window is full: a second push waits for room. */
	memset(&lp, 0, sizeof(lp));
	lp.m = m;
	lp.item = &j[1];
	ev_init(&lp.returned);
	t = spawn(th_push_one, &lp);
	if (ev_wait_ms(&lp.returned, 1, GRACE_MS) == 0)
		die("tp_map_push returned while the window was full");
	printf("push 1: blocked\n");
	printf("close: %s\n", errname(tp_map_close(m)));
	join(t);
	printf("push 1 after close: %s\n", errname(lp.rc));
	printf("close again: %s\n", errname(tp_map_close(m)));
	ev_post(&gates[0]);
	CHECK(0, tp_map_next(m, &f));
	printf("next: %d\n", fid(f));
	tp_future_release(f);
	printf("next: %s\n", errname(tp_map_next(m, &f)));
	tp_map_free(m);
	printf("dropped: %d, runs of 1: %d\n", p.drops,
	    atomic_load(&j[1].runs));
	ev_destroy(&lp.returned);
	tp_executor_free(ex);
	ev_destroy(&started);
	ev_destroy(&gates[0]);
	ev_destroy(&gates[1]);
}

static void
sc_map_pushed_einval(void)
{
	struct tp_executor *ex;
	struct producer p;
	struct tp_map *m;
	struct job j[1];

	map_jobs(j, 1, NULL, NULL);
	producer_init(&p, j, 1);
	ex = executor(1, 0, NULL, NULL);
	printf("no executor: %s\n", errname(tp_map_create_pushed(&m, NULL,
	    task_job, NULL, NULL)));
	printf("no task: %s\n", errname(tp_map_create_pushed(&m, ex, NULL,
	    NULL, NULL)));
	CHECK(0, tp_map_create(&m, ex, task_job, produce, &p, NULL));
	printf("push to a pulled map: %s\n", errname(tp_map_push(m, &j[0])));
	printf("close a pulled map: %s\n", errname(tp_map_close(m)));
	tp_map_free(m);
	tp_executor_free(ex);
}

/* tp_map_next_timed: 0 polls, a call's timeout does not end the map. */
static void
sc_map_next_poll(void)
{
	struct tp_map_opts opts = TP_MAP_OPTS_INIT;
	struct event gates[3], started;
	struct tp_executor *ex;
	struct tp_future *f;
	struct producer p;
	struct tp_map *m;
	struct job j[3];
	int i;

	ev_init(&started);
	map_jobs(j, 3, gates, &started);
	for (i = 0; i < 3; i++)
		j[i].keep_self = 1;
	producer_init(&p, j, 3);
	ex = executor(2, 0, NULL, NULL);
	opts.window = 2;
	CHECK(0, tp_map_create(&m, ex, task_job, produce, &p, &opts));
	printf("poll: %s\n", errname(tp_map_next_timed(m, 0, &f)));
	printf("produced: %d\n", p.next);
	ev_wait(&started, 2);
	ev_post(&gates[0]);
	CHECK(0, tp_future_wait(j[0].self, TP_FOREVER));
	CHECK(0, tp_map_next_timed(m, 0, &f));
	printf("poll once 0 finished: %d\n", fid(f));
	tp_future_release(f);
	printf("short timeout: %s\n",
	    errname(tp_map_next_timed(m, SHORT_NS, &f)));
	ev_post(&gates[1]);
	ev_post(&gates[2]);
	for (i = 1; i < 3; i++) {
		CHECK(0, tp_map_next(m, &f));
		printf("then, waiting: %d\n", fid(f));
		tp_future_release(f);
	}
	printf("end: %s\n", errname(tp_map_next_timed(m, 0, &f)));
	tp_map_free(m);

	/* A pushed map with nothing pushed yet. */
	CHECK(0, tp_map_create_pushed(&m, ex, task_job, NULL, NULL));
	printf("pushed, poll: %s\n", errname(tp_map_next_timed(m, 0, &f)));
	printf("pushed, short timeout: %s\n",
	    errname(tp_map_next_timed(m, SHORT_NS, &f)));
	CHECK(0, tp_map_close(m));
	printf("pushed, closed: %s\n", errname(tp_map_next_timed(m, 0, &f)));
	tp_map_free(m);
	tp_executor_free(ex);
	for (i = 0; i < 3; i++) {
		tp_future_release(j[i].self);
		ev_destroy(&gates[i]);
	}
	ev_destroy(&started);
}

/*
 * TP_MAP_STOP_ON_ERROR on one worker: 0 and 1 succeed, 2 fails, 3 is
 * running (held) when 2 is returned, 4 and 5 are queued.  0 is held until
 * the last item is produced, so that all six are.
 */
static void
sc_map_stop_on_error(void)
{
	struct tp_map_opts opts = TP_MAP_OPTS_INIT;
	struct event gate, gate0, started;
	struct tp_executor *ex;
	struct tp_future *f;
	struct producer p;
	struct tp_map *m;
	struct job j[6];
	int i, id, st;

	ev_init(&gate);
	ev_init(&gate0);
	ev_init(&started);
	for (i = 0; i < 6; i++) {
		job_init(&j[i], i, NULL);
		j[i].result = &j[i];
	}
	j[0].gate = &gate0;
	j[2].status = EIO;
	j[3].started = &started;
	j[3].gate = &gate;
	producer_init(&p, j, 6);
	p.open_behind = 6;
	ex = executor(1, 0, NULL, NULL);
	opts.window = 6;
	opts.drop = drop_record;
	opts.flags = TP_MAP_STOP_ON_ERROR;
	CHECK(0, tp_map_create(&m, ex, task_job, produce, &p, &opts));
	for (i = 0; i < 2; i++) {
		CHECK(0, map_take(m, &p, &id));
		printf("next: %d\n", id);
	}
	ev_wait(&started, 1);
	CHECK(0, tp_map_next(m, &f));
	CHECK(0, tp_future_result(f, 0, NULL, &st));
	printf("next: %d, status %s\n", fid(f), errname(st));
	tp_future_release(f);
	printf("next: %s\n", errname(tp_map_next(m, &f)));
	printf("next again: %s\n", errname(tp_map_next(m, &f)));
	ev_post(&gate);
	tp_map_free(m);
	printf("produced: %d, dropped: %d\n", p.next, p.drops);
	for (i = 3; i < 6; i++)
		printf("item %d: dropped %d, %s, runs %d\n", i, p.dropped[i],
		    statename((enum tp_state)p.drop_state[i]),
		    atomic_load(&j[i].runs));
	tp_executor_free(ex);
	ev_destroy(&gate);
	ev_destroy(&gate0);
	ev_destroy(&started);
}

/* ---- one worker -------------------------------------------------------- */

struct chain {
	struct tp_executor *ex;
	atomic_int *runs;
	atomic_int calls;
	struct event ev;
};

/* The first 50 calls submit one more task, from the callback. */
static void
cb_chain(struct tp_future *f, void *arg)
{
	struct chain *c = arg;

	(void)f;
	if (atomic_fetch_add(&c->calls, 1) < 50)
		CHECK(0, tp_submit(c->ex, task_count, c->runs, NULL));
	ev_post(&c->ev);
}

static void
sc_one_worker(void)
{
	enum { N = 200, M = 100 };
	struct tp_future **fs, **done, **not_done;
	struct tp_executor *ex;
	struct producer p;
	struct tp_map *m;
	struct chain c;
	struct job *j;
	atomic_int runs;
	size_t nd, nn;
	int i, id, inorder, mapped;

	atomic_init(&runs, 0);
	fs = xcalloc(N, sizeof(*fs));
	done = xcalloc(N, sizeof(*done));
	not_done = xcalloc(N, sizeof(*not_done));
	j = xcalloc(M, sizeof(*j));
	ex = executor(1, 0, NULL, NULL);
	c.ex = ex;
	c.runs = &runs;
	atomic_init(&c.calls, 0);
	ev_init(&c.ev);
	for (i = 0; i < N; i++) {
		CHECK(0, tp_submit(ex, task_count, &runs, &fs[i]));
		CHECK(0, tp_future_on_done(fs[i], cb_chain, &c));
	}
	CHECK(0, tp_wait(fs, N, TP_ALL_COMPLETED, TP_FOREVER, done, &nd,
	    not_done, &nn));
	ev_wait(&c.ev, N);
	printf("futures done: %zu\n", nd);
	printf("callbacks: %d\n", atomic_load(&c.calls));
	map_jobs(j, M, NULL, NULL);
	producer_init(&p, j, M);
	CHECK(0, tp_map_create(&m, ex, task_job, produce, &p, NULL));
	inorder = 1;
	for (mapped = 0; map_take(m, &p, &id) == 0; mapped++)
		if (id != mapped)
			inorder = 0;
	tp_map_free(m);
	printf("map yielded: %d, in order: %s\n", mapped, yesno(inorder));
	tp_executor_free(ex);
	printf("counted task runs: %d\n", atomic_load(&runs));
	release_all(fs, N);
	ev_destroy(&c.ev);
	free(fs);
	free(done);
	free(not_done);
	free(j);
}

/* ---- races ------------------------------------------------------------- */

struct racesub {
	struct tp_executor *ex;
	struct tp_future **fs;
	atomic_int *runs;
	atomic_int *cbs;
	int first;
	int n;
	pthread_barrier_t *start;
};

static void *
th_racesub(void *arg)
{
	struct racesub *r = arg;
	int i, k;

	barrier_wait(r->start);
	for (i = 0; i < r->n; i++) {
		k = r->first + i;
		CHECK(0, tp_submit(r->ex, task_count, &r->runs[k], &r->fs[k]));
		CHECK(0, tp_future_on_done(r->fs[k], cb_count, &r->cbs[k]));
	}
	return NULL;
}

static int
count_ones(atomic_int *v, int n)
{
	int i, ones;

	ones = 0;
	for (i = 0; i < n; i++)
		if (atomic_load(&v[i]) == 1)
			ones++;
	return ones;
}

static void
sc_race_submit(void)
{
	enum { THREADS = 8, PER = 1250, N = THREADS * PER };
	struct tp_future **fs, **done, **not_done;
	struct racesub r[THREADS];
	pthread_barrier_t start;
	struct tp_executor *ex;
	pthread_t t[THREADS];
	atomic_int *runs, *cbs, execs;
	size_t nd, nn;
	int i;

	fs = xcalloc(N, sizeof(*fs));
	done = xcalloc(N, sizeof(*done));
	not_done = xcalloc(N, sizeof(*not_done));
	runs = xcalloc(N, sizeof(*runs));
	cbs = xcalloc(N, sizeof(*cbs));
	for (i = 0; i < N; i++) {
		atomic_init(&runs[i], 0);
		atomic_init(&cbs[i], 0);
	}
	atomic_init(&execs, 0);
	ex = executor(4, 0, cb_count, &execs);
	CHECK(0, pthread_barrier_init(&start, NULL, THREADS));
	for (i = 0; i < THREADS; i++) {
		r[i].ex = ex;
		r[i].fs = fs;
		r[i].runs = runs;
		r[i].cbs = cbs;
		r[i].first = i * PER;
		r[i].n = PER;
		r[i].start = &start;
		t[i] = spawn(th_racesub, &r[i]);
	}
	for (i = 0; i < THREADS; i++)
		join(t[i]);
	CHECK(0, tp_wait(fs, N, TP_ALL_COMPLETED, TP_FOREVER, done, &nd,
	    not_done, &nn));
	tp_executor_free(ex);
	printf("futures: %d from %d threads\n", N, THREADS);
	printf("finished: %zu, unfinished: %zu\n", nd, nn);
	printf("tasks run exactly once: %d\n", count_ones(runs, N));
	printf("callbacks run exactly once: %d\n", count_ones(cbs, N));
	printf("executor callbacks: %d\n", atomic_load(&execs));
	release_all(fs, N);
	CHECK(0, pthread_barrier_destroy(&start));
	free(fs);
	free(done);
	free(not_done);
	free(runs);
	free(cbs);
}

enum { RC_ITER = 2000, RC_K = 4 };

struct racecancel {
	pthread_barrier_t bar;
	struct tp_future *cur[RC_K];
	int rc[RC_K];
};

static void *
th_racecancel(void *arg)
{
	struct racecancel *rc = arg;
	int it, k;

	for (it = 0; it < RC_ITER; it++) {
		barrier_wait(&rc->bar);
		for (k = RC_K - 1; k >= 0; k--)
			rc->rc[k] = tp_future_cancel(rc->cur[k]);
		barrier_wait(&rc->bar);
	}
	return NULL;
}

static void
sc_race_cancel(void)
{
	enum { N = RC_ITER * RC_K };
	struct racecancel rc;
	struct tp_executor *ex;
	atomic_int *runs, *cbs, execs;
	enum tp_state s;
	pthread_t t;
	int it, k, i, consistent, r;

	runs = xcalloc(N, sizeof(*runs));
	cbs = xcalloc(N, sizeof(*cbs));
	for (i = 0; i < N; i++) {
		atomic_init(&runs[i], 0);
		atomic_init(&cbs[i], 0);
	}
	atomic_init(&execs, 0);
	ex = executor(2, 0, cb_count, &execs);
	CHECK(0, pthread_barrier_init(&rc.bar, NULL, 2));
	t = spawn(th_racecancel, &rc);
	consistent = 0;
	for (it = 0; it < RC_ITER; it++) {
		for (k = 0; k < RC_K; k++) {
			i = it * RC_K + k;
			CHECK(0, tp_submit(ex, task_count, &runs[i],
			    &rc.cur[k]));
			CHECK(0, tp_future_on_done(rc.cur[k], cb_count,
			    &cbs[i]));
		}
		barrier_wait(&rc.bar);
		barrier_wait(&rc.bar);
		CHECK(0, tp_wait(rc.cur, RC_K, TP_ALL_COMPLETED, TP_FOREVER,
		    NULL, NULL, NULL, NULL));
		for (k = 0; k < RC_K; k++) {
			i = it * RC_K + k;
			s = tp_future_state(rc.cur[k]);
			r = atomic_load(&runs[i]);
			if ((rc.rc[k] == 0 && s == TP_CANCELLED && r == 0) ||
			    (rc.rc[k] == EBUSY && s == TP_DONE && r == 1))
				consistent++;
			tp_future_release(rc.cur[k]);
		}
	}
	join(t);
	tp_executor_free(ex);
	printf("futures: %d\n", N);
	printf("cancel result, state and runs agree: %d\n", consistent);
	printf("callbacks run exactly once: %d\n", count_ones(cbs, N));
	printf("executor callbacks: %d\n", atomic_load(&execs));
	CHECK(0, pthread_barrier_destroy(&rc.bar));
	free(runs);
	free(cbs);
}

static void
sc_race_shutdown(void)
{
	enum { ITER = 200, N = 16 };
	struct tp_future *fs[N];
	struct tp_executor *ex;
	atomic_int runs[N], cbs[N], execs;
	int it, k, mode, finished, consistent, once, done, nexec;
	enum tp_state s;

	for (mode = 1; mode >= 0; mode--) {
		finished = consistent = once = done = nexec = 0;
		for (it = 0; it < ITER; it++) {
			atomic_init(&execs, 0);
			ex = executor(2, 0, cb_count, &execs);
			for (k = 0; k < N; k++) {
				atomic_init(&runs[k], 0);
				atomic_init(&cbs[k], 0);
				CHECK(0, tp_submit(ex, task_count, &runs[k],
				    &fs[k]));
				CHECK(0, tp_future_on_done(fs[k], cb_count,
				    &cbs[k]));
			}
			CHECK(0, tp_executor_shutdown(ex, 1, mode));
			/* All is settled once a shutdown with wait returns. */
			for (k = 0; k < N; k++) {
				s = tp_future_state(fs[k]);
				if (s == TP_DONE || s == TP_CANCELLED)
					finished++;
				if (s == TP_DONE)
					done++;
				if ((s == TP_DONE &&
				    atomic_load(&runs[k]) == 1) ||
				    (s == TP_CANCELLED && mode == 1 &&
				    atomic_load(&runs[k]) == 0))
					consistent++;
				if (atomic_load(&cbs[k]) == 1)
					once++;
			}
			nexec += atomic_load(&execs);
			tp_executor_free(ex);
			release_all(fs, N);
		}
		printf("cancel_pending=%d: futures %d\n", mode, ITER * N);
		printf("finished %d, state agrees with runs %d\n", finished,
		    consistent);
		printf("callbacks run exactly once %d, executor callbacks %d\n",
		    once, nexec);
		if (mode == 0)
			printf("done %d\n", done);
	}
}

/* as_completed over futures listed three times, racing their completion. */
static void
sc_race_as_completed(void)
{
	enum { ITER = 100, N = 30, L = 3 * N };
	struct tp_future *fs[N], *list[L], *f;
	struct tp_as_completed *ac;
	struct tp_executor *ex;
	atomic_int runs[N];
	int seen[N];
	int it, i, k, once, extra, total;
	unsigned x;

	ex = executor(4, 0, NULL, NULL);
	x = 12345;
	once = extra = total = 0;
	for (it = 0; it < ITER; it++) {
		for (i = 0; i < N; i++) {
			atomic_init(&runs[i], 0);
			seen[i] = 0;
			CHECK(0, tp_submit(ex, task_count, &runs[i], &fs[i]));
		}
		for (i = 0; i < L; i++)
			list[i] = fs[i % N];
		for (i = L - 1; i > 0; i--) {
			x = x * 1103515245u + 12345u;
			k = (int)((x >> 16) % (unsigned)(i + 1));
			f = list[i];
			list[i] = list[k];
			list[k] = f;
		}
		CHECK(0, tp_as_completed_create(&ac, list, L, TP_FOREVER));
		while (tp_as_completed_next(ac, &f) == 0) {
			k = (int)((atomic_int *)tp_future_arg(f) - runs);
			if (seen[k]++ > 0)
				extra++;
			total++;
		}
		for (i = 0; i < N; i++)
			if (seen[i] == 1)
				once++;
		tp_as_completed_free(ac);
		release_all(fs, N);
	}
	tp_executor_free(ex);
	printf("futures: %d, listed 3 times each\n", ITER * N);
	printf("yielded: %d, exactly once: %d, repeats: %d\n", total, once,
	    extra);
}

struct acadder {
	struct tp_executor *ex;
	struct tp_as_completed *ac;
	atomic_int *runs;
	int n;
	struct event added;
};

/* Submit n futures, add each twice, keep no reference of its own. */
static void *
th_acadder(void *arg)
{
	struct acadder *a = arg;
	struct tp_future *f;
	int i;

	for (i = 0; i < a->n; i++) {
		CHECK(0, tp_submit(a->ex, task_count, &a->runs[i], &f));
		CHECK(0, tp_as_completed_add(a->ac, f));
		CHECK(0, tp_as_completed_add(a->ac, f));
		tp_future_release(f);
		ev_post(&a->added);
	}
	return NULL;
}

static void
sc_race_as_completed_add(void)
{
	enum { ITER = 50, N = 40 };
	struct tp_as_completed *ac;
	struct tp_executor *ex;
	struct tp_future *f, *none[1] = { NULL };
	struct acadder a;
	atomic_int runs[N];
	int seen[N];
	int it, i, k, rc, yielded, once, total;
	pthread_t t;

	ex = executor(3, 0, NULL, NULL);
	once = total = 0;
	for (it = 0; it < ITER; it++) {
		for (i = 0; i < N; i++) {
			atomic_init(&runs[i], 0);
			seen[i] = 0;
		}
		CHECK(0, tp_as_completed_create(&ac, none, 0, TP_FOREVER));
		a.ex = ex;
		a.ac = ac;
		a.runs = runs;
		a.n = N;
		ev_init(&a.added);
		t = spawn(th_acadder, &a);
		yielded = 0;
		while (yielded < N) {
			rc = tp_as_completed_next(ac, &f);
			if (rc == 0) {
				k = (int)((atomic_int *)tp_future_arg(f) -
				    runs);
				seen[k]++;
				yielded++;
			} else {
				/* Everything added so far was yielded. */
				CHECK(ENOENT, rc);
				ev_wait(&a.added, yielded + 1);
			}
		}
		join(t);
		CHECK(ENOENT, tp_as_completed_next(ac, &f));
		for (i = 0; i < N; i++)
			if (seen[i] == 1)
				once++;
		total += yielded;
		tp_as_completed_free(ac);
		ev_destroy(&a.added);
	}
	tp_executor_free(ex);
	printf("futures added twice each while iterating: %d\n", ITER * N);
	printf("yielded: %d, exactly once: %d\n", total, once);
}

/*
 * tp_wait with a short timeout while some futures finish and one is held
 * by a gate: every future lands in exactly one half, the gated one in
 * not_done, and everything in done has finished.
 */
static void
sc_race_wait_timeout(void)
{
	enum { ITER = 100, N = 6, L = 2 * N };
	struct tp_future *fs[N], *list[L], *done[L], *not_done[L];
	struct tp_executor *ex;
	struct event gate;
	struct job j[N];
	size_t nd, nn, i;
	int it, k, mode, count, splits, good, bad;

	ex = executor(3, 0, NULL, NULL);
	splits = good = 0;
	for (it = 0; it < ITER; it++) {
		ev_init(&gate);
		for (k = 0; k < N; k++) {
			job_init(&j[k], k, NULL);
			if (k == 0)
				j[k].gate = &gate;
			fs[k] = submit(ex, &j[k]);
		}
		/* Every future twice, in a scrambled order. */
		for (k = 0; k < L; k++)
			list[k] = fs[(k * 5) % N];
		for (mode = 0; mode < 2; mode++) {
			if (mode == 0)
				CHECK(ETIMEDOUT, tp_wait(list, L,
				    TP_ALL_COMPLETED, 2 * MS, done, &nd,
				    not_done, &nn));
			else
				CHECK(0, tp_wait(list, L, TP_FIRST_COMPLETED,
				    TP_FOREVER, done, &nd, not_done, &nn));
			splits++;
			bad = nd + nn != N || (mode == 1 && nd == 0);
			for (i = 0; i < nd; i++)
				if (tp_future_state(done[i]) != TP_DONE ||
				    fid(done[i]) == 0)
					bad = 1;
			for (k = 0; k < N; k++) {
				count = 0;
				for (i = 0; i < nd; i++)
					count += done[i] == fs[k];
				for (i = 0; i < nn; i++)
					count += not_done[i] == fs[k];
				if (count != 1)
					bad = 1;
			}
			if (!bad)
				good++;
		}
		ev_post(&gate);
		CHECK(0, tp_wait(list, L, TP_ALL_COMPLETED, TP_FOREVER, done,
		    &nd, not_done, &nn));
		if (nd == N && nn == 0)
			good++;
		splits++;
		release_all(fs, N);
		ev_destroy(&gate);
	}
	tp_executor_free(ex);
	printf("splits: %d, consistent: %d\n", splits, good);
}

/* ---- table ------------------------------------------------------------- */

static const struct scenario scenarios[] = {
	{ "create-free", sc_create_free },
	{ "create-zero", sc_create_zero },
	{ "workers-on-demand", sc_workers_on_demand },
	{ "create-small-stack", sc_create_small_stack },
	{ "create-stack-size", sc_create_stack_size },
	{ "submit-result", sc_submit_result },
	{ "result-status", sc_result_status },
	{ "result-null", sc_result_null },
	{ "submit-no-future", sc_submit_no_future },
	{ "submit-after-shutdown", sc_submit_after_shutdown },
	{ "shutdown-twice", sc_shutdown_twice },
	{ "queue-bounded", sc_queue_bounded },
	{ "queue-shutdown", sc_queue_shutdown },
	{ "states", sc_states },
	{ "result-timeout", sc_result_timeout },
	{ "result-cancelled", sc_result_cancelled },
	{ "cancel-pending", sc_cancel_pending },
	{ "cancel-running", sc_cancel_running },
	{ "cancel-done", sc_cancel_done },
	{ "cancel-hook", sc_cancel_hook },
	{ "hook-after-cancel", sc_hook_after_cancel },
	{ "hook-removed", sc_hook_removed },
	{ "hook-remove-waits", sc_hook_remove_waits },
	{ "hook-return-waits", sc_hook_return_waits },
	{ "hook-after-return", sc_hook_after_return },
	{ "callbacks-order", sc_callbacks_order },
	{ "callbacks-thread", sc_callbacks_thread },
	{ "callbacks-done-at-once", sc_callbacks_done_at_once },
	{ "callbacks-after-cancel", sc_callbacks_after_cancel },
	{ "callbacks-nested", sc_callbacks_nested },
	{ "release-in-callback", sc_release_in_callback },
	{ "release-early", sc_release_early },
	{ "retain-release", sc_retain_release },
	{ "null-frees", sc_null_frees },
	{ "executor-on-done", sc_executor_on_done },
	{ "future-set-result", sc_future_set_result },
	{ "future-set-exception", sc_future_set_exception },
	{ "future-created-wait", sc_future_created_wait },
	{ "future-created-cancel", sc_future_created_cancel },
	{ "future-reuse", sc_future_reuse },
	{ "task-message", sc_task_message },
	{ "shutdown-cancel-pending", sc_shutdown_cancel_pending },
	{ "shutdown-wait-runs-queued", sc_shutdown_wait_runs_queued },
	{ "shutdown-nowait-keeps-queued", sc_shutdown_nowait_keeps_queued },
	{ "free-runs-queued", sc_free_runs_queued },
	{ "shutdown-edeadlk", sc_shutdown_edeadlk },
	{ "shutdown-edeadlk-callback", sc_shutdown_edeadlk_callback },
	{ "shutdown-after-join", sc_shutdown_after_join },
	{ "shutdown-cancel-pending-all", sc_shutdown_cancel_pending_all },
	{ "shutdown-callback-frees", sc_shutdown_callback_frees },
	{ "worker-signals", sc_worker_signals },
	{ "worker-init-fini", sc_worker_init_fini },
	{ "worker-init-broken", sc_worker_init_broken },
	{ "worker-names", sc_worker_names },
	{ "executor-info", sc_executor_info },
	{ "wait-first-completed", sc_wait_first_completed },
	{ "wait-first-exception", sc_wait_first_exception },
	{ "wait-first-exception-none", sc_wait_first_exception_none },
	{ "wait-first-exception-cancelled", sc_wait_first_exception_cancelled },
	{ "wait-all-completed", sc_wait_all_completed },
	{ "wait-timeout", sc_wait_timeout },
	{ "wait-two-executors", sc_wait_two_executors },
	{ "wait-duplicates", sc_wait_duplicates },
	{ "wait-einval", sc_wait_einval },
	{ "wait-no-split", sc_wait_no_split },
	{ "as-completed-order", sc_as_completed_order },
	{ "as-completed-done-first", sc_as_completed_done_first },
	{ "as-completed-duplicates", sc_as_completed_duplicates },
	{ "as-completed-timeout", sc_as_completed_timeout },
	{ "as-completed-empty", sc_as_completed_empty },
	{ "as-completed-add", sc_as_completed_add },
	{ "as-completed-two-executors", sc_as_completed_two_executors },
	{ "as-completed-pending", sc_as_completed_pending },
	{ "as-completed-take", sc_as_completed_take },
	{ "map-order", sc_map_order },
	{ "map-lazy", sc_map_lazy },
	{ "map-window", sc_map_window },
	{ "map-window-one", sc_map_window_one },
	{ "map-window-default", sc_map_window_default },
	{ "map-timeout", sc_map_timeout },
	{ "map-timeout-max", sc_map_timeout_max },
	{ "map-producer-error", sc_map_producer_error },
	{ "map-end", sc_map_end },
	{ "map-free-drop", sc_map_free_drop },
	{ "map-free-cancels", sc_map_free_cancels },
	{ "map-submit-error", sc_map_submit_error },
	{ "map-submit-error-refill", sc_map_submit_error_refill },
	{ "map-einval", sc_map_einval },
	{ "map-pushed", sc_map_pushed },
	{ "map-pushed-close", sc_map_pushed_close },
	{ "map-pushed-einval", sc_map_pushed_einval },
	{ "map-next-poll", sc_map_next_poll },
	{ "map-stop-on-error", sc_map_stop_on_error },
	{ "one-worker", sc_one_worker },
	{ "race-submit", sc_race_submit },
	{ "race-cancel", sc_race_cancel },
	{ "race-shutdown", sc_race_shutdown },
	{ "race-as-completed", sc_race_as_completed },
	{ "race-as-completed-add", sc_race_as_completed_add },
	{ "race-wait-timeout", sc_race_wait_timeout },
};

int
main(int argc, char **argv)
{
	struct sigaction sa;
	const char *env;
	unsigned secs;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: tp-driver scenario | list\n");
		return 2;
	}
	if (strcmp(argv[1], "list") == 0) {
		for (i = 0; i < NELEM(scenarios); i++)
			printf("%s\n", scenarios[i].name);
		return 0;
	}
	for (i = 0; i < NELEM(scenarios); i++)
		if (strcmp(argv[1], scenarios[i].name) == 0)
			break;
	if (i == NELEM(scenarios)) {
		fprintf(stderr, "tp-driver: %s: unknown scenario\n", argv[1]);
		return 2;
	}
	scenario_name = scenarios[i].name;
	main_thread = pthread_self();
	secs = 120;
	if ((env = getenv("TP_DRIVER_ALARM")) != NULL)
		secs = (unsigned)strtoul(env, NULL, 10);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) != 0)
		die("sigaction failed");
	alarm(secs);
	scenarios[i].fn();
	if (fflush(stdout) != 0 || ferror(stdout))
		die("cannot write stdout");
	return 0;
}
