/* SPDX-License-Identifier: MIT */
/*
 * Running jobs and finishing them.  Threads, what each owns, and the one
 * lock order (ARCHITECTURE.md says more):
 *
 *   main       hands jobs over (runner_submit blocks while -j wait);
 *   workers    (libtp, -j of them) run_job: a jobserver token, a slot,
 *              pacing, spawn_run; they own the job while it is RUNNING;
 *   finisher   finish_job, for every job in turn: report, --timeout N%,
 *              --halt, output, then the job log once the job's output
 *              is out (job_emitted), progress counts.  Sequential code:
 *              the -k ring, the held-job store and the counters have no
 *              other user;
 *   signals    sigwaitinfo for every signal tpmap handles (handle_signal
 *              says what each means), also for a job run alone;
 *   watcher    poll on stdout (a pipe) for its reader going: the same;
 *   progress   progress.c's own, drawing the status line.
 *
 * Lock order: slotmu before libtp's locks (cancel_running); output's lock
 * before progress's; qmu, pace's and the jobserver's are leaves.  No
 * thread waits for another while holding any of them, and the finisher
 * never waits for a worker, so a worker blocked on a full finisher queue
 * always gets room.  Helper threads are joined by runner_finish.
 */
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"
#include "pace.h"
#include "progress.h"
#include "report.h"
#include "runner.h"
#include "spawn.h"
#include "tp.h"
#include "util.h"

/* Worker stacks: a job's worker only polls pipes and waits, but the
 * sanitizers' instrumentation multiplies frame sizes; 1 MiB is address
 * space, not memory, until touched. */
#define WORKER_STACK (1024 * 1024)

/* Reasons to stop other than a signal (signal numbers are below 128). */
#define STOP_HALT 1000		/* --halt */
#define STOP_OUTPUT 1001	/* stdout closed or full */
#define STOP_FATAL 1002		/* tpmap's own failure: exit 255 */

struct runner {
	const struct tpmap_opts *o;
	const struct builder *b;
	struct output *out;
	struct spawn_ctx *sc;
	struct joblog *joblog;		/* or NULL */
	struct jobserver *js;		/* make's, or NULL */
	struct tp_executor *ex;		/* started with the first job */
	struct progress *pg;		/* --progress, --eta, --bar, or NULL */
	atomic_int stopping;		/* a signal (its number) or STOP_* */
	atomic_ullong total;		/* jobs in all, 0 while not known */
	unsigned long long nrun;	/* main: jobs handed over to run */
	unsigned long long turns;	/* main: jobs submitted to ex */
	/* Helper threads, started with the first job, joined at the end. */
	int started;
	int alone;			/* runner_alone's: no executor */
	int signals;			/* sig_tid runs */
	pthread_t sig_tid, watch_tid, fin_tid;
	int watching;
	int watch_wake[2];		/* wakes the watcher to end */
	atomic_int torn_down;		/* the helpers are to end */
	/* Job slots ({%}), taken by workers; running: each slot's future,
	 * for cancel_running. */
	pthread_mutex_t slotmu;
	unsigned nslots;
	unsigned char *busy;
	struct tp_future **running;
	struct pace pace;		/* --delay, --load, --memfree,
					 * --timeout N% */
	/* The finisher's queue: finished and skipped jobs in order of
	 * arrival, at most qcap, so that workers wait when it lags. */
	pthread_mutex_t qmu;
	pthread_cond_t qready;		/* a job came, or closed */
	pthread_cond_t qroom;		/* a job went */
	pthread_cond_t qjudged;		/* unjudged went down to 0 */
	struct job **q;
	size_t qhead, qlen, qcap;
	int qclosed;
	size_t unjudged;		/* finished jobs not yet finished */
	/* The finisher's: tpmap's own failure; the job log or a job's
	 * saved output (--results, --files) could not be written; the jobs
	 * whose output could not all be delivered, stdout aside, and of
	 * those the jobs whose output could not all be read. */
	int fatal;
	int log_failed, save_failed;
	unsigned long long nlost, nunread;
	atomic_int nofds;		/* a job could not start for lack of
					 * descriptors: tpmap's failure */
};

/* ---- stopping -------------------------------------------------------- */

static void
stop(struct runner *r, int why)
{
	int none = 0;

	(void)atomic_compare_exchange_strong(&r->stopping, &none, why);
	/* Workers waiting for a jobserver token or pacing start nothing. */
	if (r->js != NULL)
		jobserver_cancel(r->js);
	pace_stop(&r->pace);
	pthread_mutex_lock(&r->qmu);
	pthread_cond_broadcast(&r->qjudged);
	pthread_mutex_unlock(&r->qmu);
}

/* Cancel every running job through libtp, whose cancel hook signals the
 * job's process group. */
static void
cancel_running(struct runner *r)
{
	unsigned i;

	pthread_mutex_lock(&r->slotmu);
	for (i = 0; i < r->nslots; i++)
		if (r->running[i] != NULL)
			(void)tp_future_cancel(r->running[i]);
	pthread_mutex_unlock(&r->slotmu);
}

static void
stop_and_cancel(struct runner *r, int why)
{
	stop(r, why);
	cancel_running(r);
	/* The job run alone has no future to cancel. */
	if (r->alone)
		spawn_terminate(r->sc, 1);
}

int
runner_stopping(struct runner *r)
{
	return atomic_load(&r->stopping) != 0;
}

/* ---- the workers' side ------------------------------------------------ */

/* The lowest free job slot, as GNU parallel numbers {%}; there are as
 * many slots as workers, so one is always free. */
static unsigned
slot_take(struct runner *r, struct tp_future *self)
{
	unsigned i;

	pthread_mutex_lock(&r->slotmu);
	for (i = 0; i < r->nslots && r->busy[i]; i++)
		;
	if (i == r->nslots)
		BUG("no free job slot of %u", r->nslots);
	r->busy[i] = 1;
	r->running[i] = self;
	pthread_mutex_unlock(&r->slotmu);
	return i + 1;
}

static void
slot_put(struct runner *r, unsigned slot)
{
	pthread_mutex_lock(&r->slotmu);
	r->busy[slot - 1] = 0;
	r->running[slot - 1] = NULL;
	pthread_mutex_unlock(&r->slotmu);
}

/* --halt, --timeout N%: start no job while the finisher has yet to judge
 * one that has ended, so that a job that meets the halt condition stops
 * the next (parallel -j1 --halt starts nothing after the failure), and
 * the next job's timeout counts every job that succeeded before it. */
static void
await_judgement(struct runner *r)
{
	pthread_mutex_lock(&r->qmu);
	while (r->unjudged > 0 && !atomic_load(&r->stopping))
		pthread_cond_wait(&r->qjudged, &r->qmu);
	pthread_mutex_unlock(&r->qmu);
}

/* The cancel hook of a running job: libtp calls it from tp_future_cancel
 * (--halt now, a signal to tpmap, stdout gone). */
static void
cancel_job(void *arg)
{
	struct job *j = arg;
	struct runner *r = j->owner;

	spawn_terminate(r->sc, j->slot);
}

/* Job j cannot start for want of descriptors that no job of ours will
 * give back (spawn_run waited while others ran): every next job would
 * fail alike.  Say so once, start nothing more, and leave j to be run
 * again by --resume: tpmap's failure, not the job's. */
static void
no_descriptors(struct runner *r, struct job *j, int e)
{
	struct rlimit rl;

	j->terminated = 1;
	if (atomic_exchange(&r->nofds, 1))
		return;
	if (e == EMFILE && getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY)
		msg_warnx("cannot start job %llu: %s (ulimit -n %lld)", j->seq,
		    strerror(e), (long long)rl.rlim_cur);
	else
		msg_warnx("cannot start job %llu: %s", j->seq, strerror(e));
	stop(r, STOP_FATAL);
}

/* Run j in its slot, again after a failure while --retries allows. */
static void
attempts(struct runner *r, struct job *j)
{
	unsigned n;
	int e;

	/* It never starts: a failure, counted and logged as one. */
	if (j->refused != NULL) {
		msg_warnx("job %llu not run: %s", j->seq, j->refused);
		return;
	}
	for (n = 1; n <= r->o->retries; n++) {
		/* Only the last attempt's output is printed and logged. */
		job_reset_output(j);
		if (r->o->trace)
			out_text(r->out, 2, j->cmd, j->cmdlen);
		if (r->o->verbose) {
			spool_add(&j->out[0], j->cmd, j->cmdlen);
			spool_add(&j->out[0], "\n", 1);
		}
		j->timeout = pace_timeout(&r->pace);
		j->attempts = n;
		if ((e = spawn_run(r->sc, j)) == EMFILE || e == ENFILE) {
			no_descriptors(r, j, e);
			break;
		}
		if (e != 0)
			msg_warnx("cannot start job %llu: %s", j->seq,
			    strerror(e));
		if (!report_failed(j) || j->terminated ||
		    atomic_load(&r->stopping))
			break;
	}
}

/* The task: run one job in a free slot.  self is NULL in runner_alone. */
static int
run_job(struct tp_future *self, void *arg, void **result)
{
	struct job *j = arg;
	struct runner *r = j->owner;
	int token = -1, skip;

	*result = j;
	/* Pacing before make's job slot: a worker holding a token while it
	 * waits for an earlier job's turn would keep that job from ever
	 * getting one. */
	pace_wait(&r->pace, j->turn);
	/* A job slot from make: the worker waits here, while the jobs
	 * already running go on and their output is written. */
	if (atomic_load(&r->stopping) ||
	    (r->js != NULL && jobserver_acquire(r->js, &token) != 0)) {
		job_to(j, JOB_SKIPPED);
		return 0;
	}
	if (r->js != NULL && atomic_load(&r->stopping)) {
		jobserver_release(r->js, token);
		job_to(j, JOB_SKIPPED);
		return 0;
	}
	job_to(j, JOB_RUNNING);
	j->slot = slot_take(r, self);
	if (r->o->halt.when != HALT_NEVER || r->o->timeout_pct != 0)
		await_judgement(r);
	if (j->cmd == NULL)
		build_job(r->b, j);
	skip = (self != NULL &&
	    tp_future_set_cancel_hook(self, cancel_job, j) != 0) ||
	    atomic_load(&r->stopping);
	if (!skip) {
		progress_job_started(r->pg);
		attempts(r, j);
	}
	/* The block is given again only on a retry: memory goes back now,
	 * not when the job's output has its turn (-k). */
	jobin_free(j->in);
	j->in = NULL;
	if (self != NULL)
		(void)tp_future_set_cancel_hook(self, NULL, NULL);
	slot_put(r, j->slot);
	if (r->js != NULL)
		jobserver_release(r->js, token);
	/* A job terminated because tpmap stopped is not its own failure:
	 * it is neither counted, printed nor logged. */
	job_to(j, skip || j->terminated ? JOB_SKIPPED : JOB_FINISHED);
	return 0;
}

/* ---- the finisher ---------------------------------------------------- */

/* Queue j for the finisher, waiting while the queue is full. */
static void
finisher_push(struct runner *r, struct job *j)
{
	pthread_mutex_lock(&r->qmu);
	while (r->qlen == r->qcap)
		pthread_cond_wait(&r->qroom, &r->qmu);
	r->q[(r->qhead + r->qlen++) % r->qcap] = j;
	if (j->state == JOB_FINISHED)
		r->unjudged++;
	pthread_cond_signal(&r->qready);
	pthread_mutex_unlock(&r->qmu);
}

/* The next job for the finisher, or NULL once the queue is closed and
 * empty. */
static struct job *
finisher_pop(struct runner *r)
{
	struct job *j = NULL;

	pthread_mutex_lock(&r->qmu);
	while (r->qlen == 0 && !r->qclosed)
		pthread_cond_wait(&r->qready, &r->qmu);
	if (r->qlen > 0) {
		j = r->q[r->qhead];
		r->qhead = (r->qhead + 1) % r->qcap;
		r->qlen--;
		pthread_cond_signal(&r->qroom);
	}
	pthread_mutex_unlock(&r->qmu);
	return j;
}

/* "This job failed:" and the command, as parallel reports a job that
 * --halt counts; into b, printed once the job's own output is out. */
static void
halt_message(struct runner *r, const struct job *j, struct buf *b)
{
	const char *what;

	what = r->o->halt.why == HALT_FAIL ? "failed" :
	    r->o->halt.why == HALT_SUCCESS ? "succeeded" : "finished";
	buf_adds(b, "tpmap: This job ");
	buf_adds(b, what);
	buf_adds(b, ":\n");
	buf_add(b, j->cmd, j->cmdlen);
}

/* "tpmap: Warning: This job was killed because it timed out:", as
 * parallel warns. */
static void
timeout_message(struct runner *r, const struct job *j)
{
	struct buf b = { 0 };

	buf_adds(&b, "tpmap: Warning: This job was killed because it timed out:\n");
	buf_adds(&b, "tpmap: Warning: ");
	buf_add(&b, j->cmd, j->cmdlen);
	out_text(r->out, 2, b.p, b.len);
	buf_free(&b);
}

/*
 * output's emitted hook: job j's output is out, or lost says what of it
 * is not.  Only a job whose output is all out is logged, so that
 * --resume never skips a job whose output nobody got; with -k, rows come
 * in input order, as GNU parallel writes them.
 */
static void
job_emitted(void *arg, const struct job *j, int lost)
{
	struct runner *r = arg;

	if (lost & (OUT_LOST_STDERR | OUT_LOST_FILE | OUT_LOST_READ))
		r->nlost++;
	if (lost & OUT_LOST_READ)
		r->nunread++;
	if (lost & OUT_LOST_FILE)
		r->save_failed = 1;
	if (lost == 0 && r->joblog != NULL && joblog_write(r->joblog, j) != 0)
		r->log_failed = 1;
}

/* After output has emitted jobs: a log that lost a row would make
 * --resume rerun or skip the wrong jobs, and a disk that cannot take one
 * job's saved output will not take the next: tpmap's own failure, ending
 * every job.  A failing stderr ends nothing: the jobs and their stdout go
 * on, and the exit status tells. */
static void
check_emitted(struct runner *r)
{
	if ((r->log_failed || r->save_failed) && !r->fatal) {
		r->fatal = 1;
		stop_and_cancel(r, STOP_FATAL);
	}
}

/* Every job ends here, run or skipped: count, print and log it. */
static void
finish_job(struct runner *r, struct job *j)
{
	enum halt_when h;
	struct buf msg = { 0 };
	int matched, failed;

	if (j->state == JOB_SKIPPED) {
		if (j->terminated)
			progress_job_ended(r->pg, 0, 0);
		job_reset_output(j);
		out_job_done(r->out, j);
		check_emitted(r);
		return;
	}
	if (j->state != JOB_FINISHED)
		BUG("job %llu finished in state %d", j->seq, (int)j->state);
	failed = report_failed(j);
	if (r->o->timeout_pct != 0 && !failed)
		pace_runtime(&r->pace, j->runtime);
	h = report_job(j, &r->o->halt, atomic_load(&r->total), &matched);
	if (j->timed_out)
		timeout_message(r, j);
	if (matched)
		halt_message(r, j, &msg);
	out_job_done(r->out, j);	/* logs and frees j */
	check_emitted(r);
	if (msg.len > 0)
		out_text(r->out, 2, msg.p, msg.len);
	buf_free(&msg);
	/* Counted once its output is out, so that the line never runs
	 * ahead of the screen. */
	progress_job_ended(r->pg, 1, failed);
	if (h != HALT_NEVER)
		stop(r, STOP_HALT);
	if (h == HALT_NOW)
		cancel_running(r);
	if (out_failed(r->out))
		stop_and_cancel(r, STOP_OUTPUT);
}

static void *
finisher(void *arg)
{
	struct runner *r = arg;
	struct job *j;

	int judged;

	while ((j = finisher_pop(r)) != NULL) {
		judged = j->state == JOB_FINISHED;
		finish_job(r, j);	/* frees j */
		if (!judged)
			continue;
		pthread_mutex_lock(&r->qmu);
		if (--r->unjudged == 0)
			pthread_cond_broadcast(&r->qjudged);
		pthread_mutex_unlock(&r->qmu);
	}
	return NULL;
}

/* The executor's done callback, on the worker that ran the job: hand the
 * job to the finisher, as a loop thread takes back finished work. */
static void
job_done(struct tp_future *f, void *arg)
{
	struct job *j = tp_future_arg(f);

	if (j->state == JOB_QUEUED)	/* cancelled before it ran */
		job_to(j, JOB_SKIPPED);
	finisher_push(arg, j);
}

/* ---- signals and stdout ---------------------------------------------- */

/*
 * Every signal tpmap takes: all those that would otherwise end it and
 * leave its jobs running, and job control.  Not here: SIGKILL and SIGSTOP
 * (no process can), SIGPIPE (ignored: a write fails with EPIPE instead),
 * those ignored by default (SIGCHLD, SIGWINCH, SIGURG), and those of a
 * fault of tpmap's own (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT,
 * SIGTRAP, SIGSYS), which a thread cannot leave to another.
 */
static const int taken_signals[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM,
	SIGTSTP, SIGTTIN, SIGTTOU, SIGCONT, SIGXCPU, SIGXFSZ, SIGVTALRM,
	SIGPROF,
#ifdef SIGPOLL
	SIGPOLL,
#endif
#ifdef SIGPWR
	SIGPWR,
#endif
#ifdef SIGSTKFLT
	SIGSTKFLT,
#endif
};

static void
taken_signal_set(sigset_t *set)
{
	size_t i;
#ifdef SIGRTMIN
	int rt;
#endif

	sigemptyset(set);
	for (i = 0; i < sizeof(taken_signals) / sizeof(taken_signals[0]); i++)
		sigaddset(set, taken_signals[i]);
#ifdef SIGRTMIN
	/* The real-time signals end a process by default too. */
	for (rt = SIGRTMIN; rt <= SIGRTMAX; rt++)
		sigaddset(set, rt);
#endif
}

/* SIGUSR1: the command of each running job on standard error, one
 * "tpmap: COMMAND" line each, as parallel lists them. */
static void
list_running(struct runner *r)
{
	struct buf b = { 0 };

	if (r->sc != NULL)
		spawn_list(r->sc, &b);
	if (b.len > 0)
		out_text(r->out, 2, b.p, b.len);
	buf_free(&b);
}

/* What a signal means; tpmap(1) has the same list under SIGNALS. */
static void
handle_signal(struct runner *r, int sig)
{
	switch (sig) {
	case SIGUSR1:
		list_running(r);
		break;
	case SIGUSR2:
		progress_toggle(r->pg);
		break;
	case SIGALRM:
		/* Ignored, as by parallel. */
		break;
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		/* Ctrl-Z: the jobs run in process groups of their own,
		 * which the terminal does not stop; stop them, then tpmap,
		 * which SIGCONT continues (below). */
		if (r->sc != NULL)
			spawn_stop_all(r->sc);
		kill(getpid(), SIGSTOP);
		break;
	case SIGCONT:
		if (r->sc != NULL)
			spawn_cont_all(r->sc);
		break;
	default:
		/* SIGINT, SIGTERM, SIGHUP, SIGQUIT and the rest that end a
		 * process: stop starting jobs, terminate the running ones,
		 * and let tpmap die of the first such signal at the end.
		 * Jobs stopped by Ctrl-Z are continued to receive the
		 * --termseq sequence. */
		stop_and_cancel(r, sig);
		if (r->sc != NULL)
			spawn_cont_all(r->sc);
		break;
	}
}

/* The signal thread: takes every signal in taken_signals, until
 * teardown wakes it with a SIGTERM of tpmap's own. */
static void *
sig_thread(void *arg)
{
	struct runner *r = arg;
	siginfo_t info;
	sigset_t set;

	taken_signal_set(&set);
	for (;;) {
		if (sigwaitinfo(&set, &info) < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (atomic_load(&r->torn_down) && info.si_pid == getpid())
			return NULL;
		handle_signal(r, info.si_signo);
	}
}

/* Block the taken signals in this thread, whose mask every thread and
 * no job inherits, and start the thread that takes them.  Exits on
 * failure, ending any job already running (spawn's exit handler). */
static void
start_signals(struct runner *r)
{
	sigset_t sigs;
	int e;

	taken_signal_set(&sigs);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	/* The line before the thread that toggles it. */
	r->pg = progress_create(r->o);
	out_set_progress(r->out, r->pg);
	if ((e = pthread_create(&r->sig_tid, NULL, sig_thread, r)) != 0)
		errx(255, "pthread_create: %s", strerror(e));
	r->signals = 1;
}

/*
 * When stdout is a pipe or socket, notice at once that its reader has gone
 * (tpmap ... | head -1), not at the next write, which may be after jobs
 * that never end: stop starting jobs and terminate the running ones.
 */
static void *
watch_stdout(void *arg)
{
	struct runner *r = arg;
	struct pollfd pfd[2];

	pfd[0].fd = 1;
	pfd[0].events = 0;	/* POLLERR and POLLHUP need no asking */
	pfd[1].fd = r->watch_wake[0];
	pfd[1].events = POLLIN;
	for (;;) {
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, -1) >= 0)
			break;
		/* A shortage (ENOMEM) may pass: look again until the run
		 * ends.  Meanwhile a gone reader is seen at the next write. */
		if (errno != EINTR) {
			if (atomic_load(&r->torn_down))
				return NULL;
			nap_ms(100);
		}
	}
	if ((pfd[0].revents & (POLLERR | POLLHUP)) &&
	    !atomic_load(&r->torn_down))
		stop_and_cancel(r, STOP_OUTPUT);
	return NULL;
}

/* stdout is a pipe or a socket, whose reader may go. */
static int
stdout_is_pipe(void)
{
	struct stat st;

	return fstat(1, &st) == 0 &&
	    (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

/*
 * Before the first job is handed over: the signal thread, the stdout
 * watcher, the progress line, the finisher and the executor.  Exits on
 * failure, ending any job already running (spawn's exit handler).
 */
static void
start(struct runner *r)
{
	const struct tpmap_opts *o = r->o;
	struct tp_executor_opts xo = TP_EXECUTOR_OPTS_INIT;
	int e;

	r->started = 1;
	start_signals(r);
	if (stdout_is_pipe() && cloexec_pipe(r->watch_wake) == 0 &&
	    pthread_create(&r->watch_tid, NULL, watch_stdout, r) == 0)
		r->watching = 1;
	if (atomic_load(&r->total) > 0)
		progress_total(r->pg, atomic_load(&r->total));
	if ((e = pthread_create(&r->fin_tid, NULL, finisher, r)) != 0)
		errx(255, "pthread_create: %s", strerror(e));
	/* Each job of --pipe holds a block: one waits for a worker, one is
	 * being read, the rest run. */
	xo.max_queued = o->pipe ? 1 : o->jobs;
	xo.stack_size = WORKER_STACK;
	xo.on_done = job_done;
	xo.on_done_arg = r;
	if ((e = tp_executor_create(&r->ex, o->jobs, &xo)) != 0)
		errx(255, "cannot start %u workers: %s", o->jobs, strerror(e));
}

/* ---- the main thread's side ------------------------------------------ */

struct runner *
runner_create(const struct tpmap_opts *o, const struct builder *b,
    struct joblog *jl, struct jobserver *js)
{
	struct runner *r;

	r = xcalloc(1, sizeof(*r));
	r->o = o;
	r->b = b;
	r->joblog = jl;
	r->js = js;
	atomic_init(&r->stopping, 0);
	atomic_init(&r->total, 0);
	atomic_init(&r->torn_down, 0);
	atomic_init(&r->nofds, 0);
	r->watch_wake[0] = r->watch_wake[1] = -1;
	pthread_mutex_init(&r->slotmu, NULL);
	pace_init(&r->pace, o);
	pthread_mutex_init(&r->qmu, NULL);
	pthread_cond_init(&r->qready, NULL);
	pthread_cond_init(&r->qroom, NULL);
	pthread_cond_init(&r->qjudged, NULL);
	r->nslots = o->jobs;
	r->busy = xcalloc(r->nslots, 1);
	r->running = xcalloc(r->nslots, sizeof(*r->running));
	r->qcap = 2 * (size_t)o->jobs;
	r->q = xcalloc(r->qcap, sizeof(*r->q));
	r->out = out_create(o);
	out_on_emitted(r->out, job_emitted, r);
	if (!o->dry_run)
		r->sc = spawn_create(o, r->nslots, r->out);
	return r;
}

void
runner_total(struct runner *r, unsigned long long n)
{
	atomic_store(&r->total, n);
	progress_total(r->pg, n);
}

int
runner_submit(struct runner *r, struct job *j)
{
	int e;

	j->owner = r;
	r->nrun++;
	/* {%} is known when the job starts; build it then.  A job from the
	 * log (--retry-failed) comes with its command. */
	if (j->cmd == NULL && !build_needs_slot(r->b))
		build_job(r->b, j);
	if (!r->started)
		start(r);
	job_to(j, JOB_QUEUED);
	/* Turns have no gaps: a job that was never submitted takes none. */
	j->turn = r->turns;
	if ((e = tp_submit(r->ex, run_job, j, NULL)) != 0) {
		msg_warnx("cannot submit job %llu: %s", j->seq, strerror(e));
		job_to(j, JOB_SKIPPED);
		finisher_push(r, j);
		return 255;
	}
	r->turns++;
	return 0;
}

void
runner_skip(struct runner *r, struct job *j)
{
	if (j->state == JOB_NEW)
		job_to(j, JOB_SKIPPED);
	if (r->o->dry_run) {
		/* Printed by nobody, in no order: nothing waits for it. */
		job_free(j);
		return;
	}
	if (!r->started)
		start(r);
	finisher_push(r, j);
}

void
runner_dry_run(struct runner *r, struct job *j)
{
	struct buf b = { 0 };
	int matched;

	j->slot = 1;
	build_job(r->b, j);
	if (j->refused != NULL) {
		/* Not printed: the line would run with the value left out.
		 * Nothing else reports in a dry run; the status counts it. */
		msg_warnx("job %llu not run: %s", j->seq, j->refused);
		(void)report_job(j, &r->o->halt, 0, &matched);
		job_free(j);
		return;
	}
	build_dry_line(j, &b);
	/* With -t the lines on stdout and stderr alternate, as in parallel. */
	if (r->o->trace) {
		out_text(r->out, 1, b.p, b.len);
		out_text(r->out, 2, j->cmd, j->cmdlen);
	} else
		out_line(r->out, b.p, b.len);
	buf_free(&b);
	job_free(j);
	/* Nobody reads the lines any more: stop reading input (which may
	 * never end), as a filter does when its reader goes. */
	if (out_failed(r->out))
		stop(r, STOP_OUTPUT);
}

void
runner_alone(struct runner *r, struct job *j)
{
	void *result;

	r->alone = 1;
	j->owner = r;
	j->turn = r->turns;
	r->nrun++;
	if (j->cmd == NULL && !build_needs_slot(r->b))
		build_job(r->b, j);
	/* The signals mean here what they mean with workers; only the
	 * signal thread is needed for that. */
	start_signals(r);
	if (stdout_is_pipe())
		spawn_watch_output(r->sc, 1);
	(void)run_job(NULL, j, &result);
	if (spawn_output_gone(r->sc))
		stop(r, STOP_OUTPUT);
	finish_job(r, j);
}

/* Die of signal sig, so that a calling script stops too. */
static void
die_of(int sig)
{
	sigset_t sigs;

	signal(sig, SIG_DFL);
	sigemptyset(&sigs);
	sigaddset(&sigs, sig);
	pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);
	raise(sig);
	_exit(128 + sig);
}

/* Stop the signal thread, once no job is left to signal: a signal that
 * comes later stays blocked, and tpmap ends as the run has. */
static void
stop_signals(struct runner *r)
{
	if (!r->signals)
		return;
	atomic_store(&r->torn_down, 1);
	pthread_kill(r->sig_tid, SIGTERM);
	pthread_join(r->sig_tid, NULL);
	r->signals = 0;
}

/* Stop the helper threads and free everything. */
static void
teardown(struct runner *r)
{
	if (r->started) {
		atomic_store(&r->torn_down, 1);
		if (r->watching) {
			while (write(r->watch_wake[1], "", 1) < 0 &&
			    errno == EINTR)
				;
			pthread_join(r->watch_tid, NULL);
		}
	}
	if (r->watch_wake[0] >= 0) {
		close(r->watch_wake[0]);
		close(r->watch_wake[1]);
	}
	spawn_free(r->sc);
	free(r->busy);
	free(r->running);
	free(r->q);
	pthread_mutex_destroy(&r->slotmu);
	pace_release(&r->pace);
	pthread_mutex_destroy(&r->qmu);
	pthread_cond_destroy(&r->qready);
	pthread_cond_destroy(&r->qroom);
	pthread_cond_destroy(&r->qjudged);
}

int
runner_finish(struct runner *r, int status)
{
	const struct halt *halt = &r->o->halt;
	unsigned long long nlost, nunread;
	int e, why;

	out_flush(r->out);
	/* Nothing more comes: the total is known, less what was skipped. */
	progress_total(r->pg, r->nrun);
	if (r->started) {
		/* Every job runs to its end and reaches the finisher... */
		tp_executor_free(r->ex);
		pthread_mutex_lock(&r->qmu);
		r->qclosed = 1;
		pthread_cond_signal(&r->qready);
		pthread_mutex_unlock(&r->qmu);
		/* ... which prints the last of them. */
		pthread_join(r->fin_tid, NULL);
	}
	stop_signals(r);
	progress_free(r->pg);
	e = out_free(r->out);
	teardown(r);
	why = atomic_load(&r->stopping);
	if (r->fatal || atomic_load(&r->nofds))
		status = 255;
	nlost = r->nlost;
	nunread = r->nunread;
	free(r);
	if (why != 0 && why < STOP_HALT)
		die_of(why);
	if (e != 0 && e != EPIPE) {
		errno = e;
		msg_warn("write error");
		return 255;
	}
	/* Die as a filter does when its reader goes. */
	if (e == EPIPE || why == STOP_OUTPUT)
		die_of(SIGPIPE);
	/* Said last, after the reasons, as GNU parallel's "Output is
	 * incomplete". */
	if (nlost > 0) {
		msg_warnx("output is incomplete: the output of %llu job%s could "
		    "not be %s", nlost, nlost == 1 ? "" : "s",
		    nunread == nlost ? "read" : nunread > 0 ?
		    "read or written" : "written");
		return 255;
	}
	return status != 0 ? status : report_status(halt);
}
