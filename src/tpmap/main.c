/* SPDX-License-Identifier: MIT */
/*
 * tpmap's wiring: options -> input -> template -> executor -> spawn ->
 * output -> report.  The main thread reads argument sets, builds each job
 * (its command line, and the argv when no shell is needed) and submits it
 * to a libtp executor of -j workers; tp_submit blocks while the bounded
 * queue is full, so input is read only a little ahead of the running jobs.
 * Each worker runs one job at a time in a job slot (inside make, after
 * taking a slot from make's jobserver); the executor's done callback hands
 * the finished job to output.  Signals are taken by a dedicated thread
 * with sigwait, never by the workers.  A run of a single job read from
 * ::: words, the common `tpmap cmd ::: x`, starts no thread at all: see
 * run_alone.
 */
#define _DEFAULT_SOURCE	/* getloadavg, random */
#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"
#include "joblog.h"
#include "jobserver.h"
#include "options.h"
#include "output.h"
#include "progress.h"
#include "report.h"
#include "spawn.h"
#include "template.h"
#include "tp.h"
#include "util.h"

/* Worker stacks: a job's worker only polls pipes and waits, but the
 * sanitizers' instrumentation multiplies frame sizes; 1 MiB is address
 * space, not memory, until touched. */
#define WORKER_STACK (1024 * 1024)

/* An argument set read ahead (-X/-m fill mode), owning its bytes. */
struct aset {
	struct field *f;
	size_t ncols;
};

#define OK_SAMPLE 4096

struct run {
	const struct tpmap_opts *o;
	struct tmpl *t;
	struct tmpl *tagt;		/* --tagstring, expanded unquoted */
	struct tmpl *rest;		/* --results holding a replacement */
	char *const *colnames;		/* --header names, for --results */
	size_t ncolnames;
	struct spawn_ctx *sc;
	struct output *out;
	struct tp_executor *ex;		/* started with the first submit */
	pthread_mutex_t mu;		/* guards busy */
	unsigned char *busy;		/* slot i + 1 is taken */
	unsigned nslots;
	atomic_int stopping;		/* a signal (its number) or STOP_*:
					 * start nothing more */
	struct tp_future **running;	/* per slot, under mu: for cancel */
	struct joblog *joblog;
	struct progress *pg;		/* --progress, --eta, --bar, or NULL */
	unsigned long long nsubmitted;	/* jobs handed to the executor */
	struct jobserver *js;		/* make's, or NULL */
	/* The signal and stdout threads run until tpmap exits; once main
	 * has torn the run down (under teardown_mu, never destroyed) they
	 * only record why to stop, and touch nothing that is freed. */
	pthread_mutex_t teardown_mu;
	int torn_down;
	unsigned long long total;	/* jobs, when all were read first */
	pthread_mutex_t delaymu;	/* --delay, --load, --memfree */
	double next_start;
	double *okruntimes;		/* --timeout N%: successful runtimes,
					 * or a sample of OK_SAMPLE of them */
	size_t nok, capok;
	double median;			/* of okruntimes, kept up to date */
	/* Fill mode (-X, -m without -n): sets read ahead, and the share of
	 * each job once the end of the input has been seen. */
	struct aset *ahead;
	size_t nahead;
	size_t capahead;
	int eof;
	size_t share;
	size_t limit;			/* command lines stay below this */
};

/* Reasons to stop other than a signal (signal numbers are below 128). */
#define STOP_HALT 1000		/* --halt */
#define STOP_OUTPUT 1001	/* stdout closed or full */

/* GNU parallel's default line length limit (--max-line-length-allowed on
 * Linux); a shell command line is one argument, below 128 KiB anyway. */
#define DEFAULT_MAX_CHARS 130329

/* The lowest free job slot, as GNU parallel numbers {%}. */
static unsigned
slot_take(struct run *r)
{
	unsigned i;

	pthread_mutex_lock(&r->mu);
	for (i = 0; i < r->nslots && r->busy[i]; i++)
		;
	/* There are as many slots as workers, so one is always free. */
	r->busy[i] = 1;
	pthread_mutex_unlock(&r->mu);
	return i + 1;
}

static void
slot_put(struct run *r, unsigned slot)
{
	pthread_mutex_lock(&r->mu);
	r->busy[slot - 1] = 0;
	pthread_mutex_unlock(&r->mu);
}

/* Join the job's fields with spaces, unquoted: command-less mode, --tag. */
static void
join_fields(const struct job *j, struct buf *b)
{
	size_t i, n = j->nargs * j->ncols;

	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(b, ' ');
		buf_add(b, j->fields[i].s, j->fields[i].len);
	}
}

/* --dry-run: the command line, after the tag with --tag, and with -t on
 * stderr too, as parallel prints them. */
static void
dry_run_print(struct run *r, struct job *j)
{
	struct buf b = { 0 };

	if (j->tag != NULL) {
		buf_add(&b, j->tag, j->taglen);
		buf_addc(&b, '\t');
	}
	buf_add(&b, j->cmd, j->cmdlen);
	/* With -t the lines on stdout and stderr alternate, as in parallel. */
	if (r->o->trace) {
		out_text(r->out, 1, b.p, b.len);
		out_text(r->out, 2, j->cmd, j->cmdlen);
	} else
		out_line(r->out, b.p, b.len);
	buf_free(&b);
}

/* The template arguments of job j. */
static void
job_args(const struct job *j, struct tmpl_args *a)
{
	a->f = j->fields;
	a->nargs = j->nargs;
	a->ncols = j->ncols;
	a->seq = j->seq;
	a->slot = j->slot;
}

/* Append s escaped as parallel does to keep it one path component: \
 * becomes \\ and / becomes \_. */
static void
path_escape(struct buf *b, const char *s, size_t len)
{
	size_t k;

	for (k = 0; k < len; k++) {
		if (s[k] == '\\' || s[k] == '/')
			buf_addc(b, '\\');
		buf_addc(b, s[k] == '/' ? '_' : s[k]);
	}
}

/*
 * --results: with a replacement string in it, the expanded path of the
 * job's stdout file (stderr and seq go to PATH.err and PATH.seq); else the
 * job's place below the directory, COL/VALUE/COL/VALUE, where COL is the
 * column's number or, with --header, its name.
 */
static void
results_name(struct run *r, struct job *j, struct buf *b)
{
	struct tmpl_args a;
	char num[32];
	size_t i;

	if (r->rest != NULL) {
		job_args(j, &a);
		tmpl_expand(r->rest, &a, b);
		j->resfile = 1;
		j->resname = buf_detach(b, NULL);
		return;
	}
	for (i = 0; i < j->ncols && j->nargs > 0; i++) {
		if (i > 0)
			buf_addc(b, '/');
		if (i < r->ncolnames) {
			path_escape(b, r->colnames[i],
			    strlen(r->colnames[i]));
		} else {
			snprintf(num, sizeof(num), "%zu", i + 1);
			buf_adds(b, num);
		}
		buf_addc(b, '/');
		path_escape(b, j->fields[i].s, j->fields[i].len);
	}
	j->resname = buf_detach(b, NULL);
}

/* Build j's command line (and argv when it needs no shell). */
static void
build(struct run *r, struct job *j)
{
	struct tmpl_args a;
	struct buf b = { 0 };

	if (r->t == NULL) {
		join_fields(j, &b);
	} else {
		job_args(j, &a);
		tmpl_expand(r->t, &a, &b);
	}
	j->cmd = buf_detach(&b, &j->cmdlen);
	if (!r->o->dry_run && !cmd_split(j->cmd, j->cmdlen, &j->argv))
		j->argv = NULL;
	if (r->tagt != NULL) {
		job_args(j, &a);
		tmpl_expand(r->tagt, &a, &b);
		j->tag = buf_detach(&b, &j->taglen);
	} else if (r->o->tag) {
		join_fields(j, &b);
		j->tag = buf_detach(&b, &j->taglen);
	}
	if (r->o->results != NULL && !r->o->dry_run)
		results_name(r, j, &b);
}

/* Bytes of memory available, from /proc/meminfo; 0 when unknown. */
static unsigned long long
mem_available(void)
{
	FILE *fp;
	char line[256];
	unsigned long long kb = 0;

	if ((fp = fopen("/proc/meminfo", "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(fp);
	return kb * 1024;
}

static void
sleep_s(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * Hold a job back as --delay, --load and --memfree ask: one job at a time
 * passes, at least delay seconds after the previous one, and only while
 * the load average is below the limit and enough memory is free (checked
 * every 100 ms).  Returns early when tpmap is stopping.
 */
static void
pace(struct run *r)
{
	const struct tpmap_opts *o = r->o;
	double t, load;

	if (o->delay <= 0 && o->load <= 0 && o->memfree == 0)
		return;
	pthread_mutex_lock(&r->delaymu);
	if (o->delay > 0 && (t = now_mono()) < r->next_start)
		sleep_s(r->next_start - t);
	while (!atomic_load(&r->stopping) &&
	    ((o->load > 0 && getloadavg(&load, 1) == 1 && load >= o->load) ||
	    (o->memfree > 0 && mem_available() < o->memfree)))
		sleep_s(0.1);
	r->next_start = now_mono() + o->delay;
	pthread_mutex_unlock(&r->delaymu);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* --timeout N%: remember a successful job's runtime and the new median.
 * Sorting on every insert is quadratic only in the jobs that succeeded
 * before the first N% applies; past 64 the median is refreshed at each
 * doubling and every 1024 jobs, which is plenty for a median. */
static void
note_runtime(struct run *r, double t)
{
	unsigned long long k;
	double *copy;
	size_t n;

	pthread_mutex_lock(&r->delaymu);
	/* Past OK_SAMPLE runtimes keep a uniform random sample of them
	 * (reservoir sampling): memory stays constant on endless input, and
	 * the sample's median is the median's estimate. */
	if (r->nok < OK_SAMPLE) {
		if (r->nok == r->capok) {
			r->capok = r->capok ? 2 * r->capok : 64;
			r->okruntimes = xreallocarray(r->okruntimes, r->capok,
			    sizeof(*r->okruntimes));
		}
		r->okruntimes[r->nok] = t;
	} else if ((k = (unsigned long long)random() % (r->nok + 1)) <
	    OK_SAMPLE)
		r->okruntimes[k] = t;
	r->nok++;
	n = r->nok < OK_SAMPLE ? r->nok : OK_SAMPLE;
	if (r->nok <= 64 || (r->nok & (r->nok - 1)) == 0 ||
	    r->nok % 1024 == 0) {
		copy = xreallocarray(NULL, n, sizeof(*copy));
		memcpy(copy, r->okruntimes, n * sizeof(*copy));
		qsort(copy, n, sizeof(*copy), cmp_double);
		r->median = copy[n / 2];
		free(copy);
	}
	pthread_mutex_unlock(&r->delaymu);
}

/* The timeout for the next job: fixed, or N% of the median runtime once
 * three jobs have succeeded (too few to trust before that). */
static double
job_timeout(struct run *r)
{
	double t = 0;

	if (r->o->timeout > 0)
		return r->o->timeout;
	if (r->o->timeout_pct == 0)
		return 0;
	pthread_mutex_lock(&r->delaymu);
	if (r->nok >= 3)
		t = r->median * r->o->timeout_pct / 100;
	pthread_mutex_unlock(&r->delaymu);
	/* A job must get some time, however fast the others were. */
	return t > 0 && t < 0.01 ? 0.01 : t;
}

/* The cancel hook of a running job: libtp calls it from tp_future_cancel
 * (--halt now, a signal to tpmap, stdout gone). */
static void
cancel_job(void *arg)
{
	struct job *j = arg;
	struct run *r = j->owner;

	spawn_terminate(r->sc, j->slot);
}

/* Cancel every running job through libtp. */
static void
cancel_running(struct run *r)
{
	unsigned i;

	pthread_mutex_lock(&r->mu);
	for (i = 0; i < r->nslots; i++)
		if (r->running[i] != NULL)
			(void)tp_future_cancel(r->running[i]);
	pthread_mutex_unlock(&r->mu);
}

static void
stop(struct run *r, int why)
{
	int none = 0;

	(void)atomic_compare_exchange_strong(&r->stopping, &none, why);
	/* Workers waiting for a jobserver token would start nothing. */
	if (r->js != NULL)
		jobserver_cancel(r->js);
}

/* Stop and cancel every running job: from the signal and stdout
 * threads, which may wake after main has freed the run. */
static void
stop_and_cancel(struct run *r, int why)
{
	pthread_mutex_lock(&r->teardown_mu);
	stop(r, why);
	if (!r->torn_down)
		cancel_running(r);
	pthread_mutex_unlock(&r->teardown_mu);
}

/* The task: run one job in a free slot.  Its status is 1 when it failed. */
static int
run_job(struct tp_future *self, void *arg, void **result)
{
	struct job *j = arg;
	struct run *r = j->owner;
	unsigned attempt;
	int e, token = -1;

	*result = j;
	/* A job slot from make first: the worker waits here, while the
	 * jobs already running go on and their output is written. */
	if (atomic_load(&r->stopping) ||
	    (r->js != NULL && jobserver_acquire(r->js, &token) != 0)) {
		j->skipped = 1;
		return 0;
	}
	if (r->js != NULL && atomic_load(&r->stopping)) {
		jobserver_release(r->js, token);
		j->skipped = 1;
		return 0;
	}
	j->slot = slot_take(r);
	pace(r);
	if (j->cmd == NULL)
		build(r, j);
	pthread_mutex_lock(&r->mu);
	r->running[j->slot - 1] = self;
	pthread_mutex_unlock(&r->mu);
	/* self is NULL in run_alone, whose signal handler terminates the
	 * job without libtp. */
	if ((self != NULL &&
	    tp_future_set_cancel_hook(self, cancel_job, j) != 0) ||
	    atomic_load(&r->stopping))
		j->skipped = 1;
	else
		progress_job_started(r->pg);
	for (attempt = 1; !j->skipped && attempt <= r->o->retries; attempt++) {
		/* Only the last attempt's output is printed and logged. */
		job_reset_output(j);
		if (r->o->trace)
			out_text(r->out, 2, j->cmd, j->cmdlen);
		if (r->o->verbose) {
			buf_add(&j->out, j->cmd, j->cmdlen);
			buf_addc(&j->out, '\n');
		}
		j->timeout = job_timeout(r);
		j->attempts = attempt;
		if ((e = spawn_run(r->sc, j)) != 0)
			warnx("cannot start job %llu: %s", j->seq,
			    strerror(e));
		if (!report_failed(j) || j->terminated ||
		    atomic_load(&r->stopping))
			break;
	}
	if (self != NULL)
		(void)tp_future_set_cancel_hook(self, NULL, NULL);
	pthread_mutex_lock(&r->mu);
	r->running[j->slot - 1] = NULL;
	pthread_mutex_unlock(&r->mu);
	slot_put(r, j->slot);
	if (r->js != NULL)
		jobserver_release(r->js, token);
	if (r->o->timeout_pct != 0 && !j->skipped && !report_failed(j))
		note_runtime(r, j->runtime);
	return !j->skipped && report_failed(j);
}

/* "This job failed:" and the command, as parallel reports a job that
 * --halt counts; into b, printed once the job's own output is out. */
static void
halt_message(struct run *r, const struct job *j, struct buf *b)
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
timeout_message(struct run *r, const struct job *j)
{
	struct buf b = { 0 };

	buf_adds(&b, "tpmap: Warning: This job was killed because it timed out:\n");
	buf_adds(&b, "tpmap: Warning: ");
	buf_add(&b, j->cmd, j->cmdlen);
	out_text(r->out, 2, b.p, b.len);
	buf_free(&b);
}

/* Every job ends here, run or cancelled: count, log and print it. */
static void
finish_job(struct run *r, struct job *j)
{
	enum halt_when h = HALT_NEVER;
	struct buf msg = { 0 };
	int matched, failed;

	/* A job that never ran, or that was terminated because tpmap is
	 * stopping, is neither counted, printed nor logged.  run_job skips
	 * a job only before it starts. */
	if (j->skipped || j->terminated) {
		if (j->terminated)
			progress_job_ended(r->pg, 0, 0);
		job_reset_output(j);
		j->skipped = 1;
		out_job_done(r->out, j);
		return;
	}
	failed = report_failed(j);
	h = report_job(j, &r->o->halt, r->total, &matched);
	if (r->joblog != NULL)
		joblog_write(r->joblog, j);
	if (j->timed_out)
		timeout_message(r, j);
	if (matched)
		halt_message(r, j, &msg);
	out_job_done(r->out, j);	/* frees j */
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
	if (out_failed(r->out)) {
		stop(r, STOP_OUTPUT);
		cancel_running(r);
	}
}

/* The executor's done callback. */
static void
job_done(struct tp_future *f, void *arg)
{
	finish_job(arg, tp_future_arg(f));
}

/* Copy an argument set into the job: input's fields live until the next
 * input_next only. */
static void
job_add_set(struct job *j, struct buf *bytes, size_t *cap,
    const struct field *f, size_t ncols)
{
	size_t i, base;

	if (j->nargs == 0)
		j->ncols = ncols > 0 ? ncols : 1;
	base = j->nargs * j->ncols;
	if (base + j->ncols > *cap) {
		*cap = (base + j->ncols) * 2;
		j->fields = xreallocarray(j->fields, *cap, sizeof(*j->fields));
	}
	for (i = 0; i < j->ncols; i++) {
		/* Offsets for now: bytes may move while it grows. */
		j->fields[base + i].s = (const char *)(uintptr_t)bytes->len;
		j->fields[base + i].len = i < ncols ? f[i].len : 0;
		if (i < ncols)
			buf_add(bytes, f[i].s, f[i].len);
	}
	j->nargs++;
}

static void
job_fix_fields(struct job *j, struct buf *bytes)
{
	size_t i;

	j->argbytes = buf_detach(bytes, NULL);
	for (i = 0; i < j->nargs * j->ncols; i++)
		j->fields[i].s = j->argbytes + (uintptr_t)j->fields[i].s;
}

static int
all_empty(const struct field *f, size_t n)
{
	size_t i, k;

	/* parallel -r skips records that are only white space, too. */
	for (i = 0; i < n; i++)
		for (k = 0; k < f[i].len; k++)
			if (strchr(" \t\r\n\f\v", f[i].s[k]) == NULL ||
			    f[i].s[k] == '\0')
				return 0;
	return 1;
}

/* Read one more set into the look-ahead; 1, 0 at the end, -1 on error. */
static int
read_ahead(struct run *r, struct input *in)
{
	const struct field *f;
	struct aset *a;
	size_t ncols, i, total;
	char *p;
	int rc;

	for (;;) {
		if ((rc = input_next(in, &f, &ncols)) <= 0) {
			if (rc == 0)
				r->eof = 1;
			return rc;
		}
		if (!r->o->no_run_if_empty || !all_empty(f, ncols))
			break;
	}
	if (r->nahead == r->capahead) {
		r->capahead = r->capahead ? 2 * r->capahead : 64;
		r->ahead = xreallocarray(r->ahead, r->capahead,
		    sizeof(*r->ahead));
	}
	a = &r->ahead[r->nahead++];
	a->ncols = ncols;
	for (total = 0, i = 0; i < ncols; i++)
		total += f[i].len;
	/* The field array and the bytes in one allocation. */
	a->f = xmalloc(ncols * sizeof(*a->f) + total + 1);
	p = (char *)(a->f + ncols);
	for (i = 0; i < ncols; i++) {
		memcpy(p, f[i].s, f[i].len);
		a->f[i].s = p;
		a->f[i].len = f[i].len;
		p += f[i].len;
	}
	return 1;
}

/* The length of the command line for n sets of ncols fields. */
static size_t
line_length(struct run *r, const struct field *f, size_t n, size_t ncols,
    struct buf *b)
{
	struct tmpl_args a;
	struct job view;

	buf_reset(b);
	if (r->t == NULL) {
		memset(&view, 0, sizeof(view));
		view.fields = (struct field *)f;
		view.nargs = n;
		view.ncols = ncols;
		join_fields(&view, b);
	} else {
		a.f = f;
		a.nargs = n;
		a.ncols = ncols;
		a.seq = 1;
		a.slot = 1;
		tmpl_expand(r->t, &a, b);
	}
	return b->len;
}

/* Whether the first k sets of the look-ahead make a line below the limit:
 * measured over a view padded to the first set's width, without copying. */
static int
fill_fits(struct run *r, size_t k, struct field **view, struct buf *line)
{
	size_t i, c, ncols;

	if (k <= 1)
		return 1;	/* one set is always taken, however long */
	ncols = r->ahead[0].ncols > 0 ? r->ahead[0].ncols : 1;
	*view = xreallocarray(*view, k * ncols, sizeof(**view));
	for (i = 0; i < k; i++) {
		for (c = 0; c < ncols; c++) {
			(*view)[i * ncols + c].s = "";
			(*view)[i * ncols + c].len = 0;
			if (c < r->ahead[i].ncols)
				(*view)[i * ncols + c] = r->ahead[i].f[c];
		}
	}
	return line_length(r, *view, k, ncols, line) < r->limit;
}

/*
 * Fill mode: as many sets as keep the command line below the limit; once
 * the end of the input is in sight, what is left is shared evenly among
 * the job slots, as GNU parallel does (10 arguments, -j3: 4, 4 and 2).
 * The line grows with every set, so the count is found by doubling and
 * then bisection: measuring each prefix in turn would be quadratic.
 */
static int
next_fill_job(struct run *r, struct input *in, struct job *j,
    struct buf *bytes, size_t *cap)
{
	struct buf line = { 0 };
	struct field *view = NULL;
	size_t k, lo, hi, mid, avail;
	int rc = 0;

	lo = hi = 0;
	for (;;) {
		/* lo sets fit; try twice as many. */
		k = lo > 0 ? 2 * lo : 1;
		while (r->nahead < k && !r->eof)
			if ((rc = read_ahead(r, in)) < 0)
				goto out;
		if (r->eof && r->share == 0 && r->nahead > 0 &&
		    fill_fits(r, r->nahead, &view, &line))
			r->share = (r->nahead + r->o->jobs - 1) / r->o->jobs;
		avail = r->nahead;
		if (r->share > 0 && r->share < avail)
			avail = r->share;
		if (k > avail)
			k = avail;
		if (k <= lo) {
			lo = k;	/* a share found late may be below lo */
			break;
		}
		if (!fill_fits(r, k, &view, &line)) {
			hi = k;
			break;
		}
		lo = k;
	}
	while (hi > lo + 1) {
		mid = lo + (hi - lo) / 2;
		if (fill_fits(r, mid, &view, &line))
			lo = mid;
		else
			hi = mid;
	}
	k = lo;
	for (mid = 0; mid < k; mid++) {
		job_add_set(j, bytes, cap, r->ahead[mid].f,
		    r->ahead[mid].ncols);
		free(r->ahead[mid].f);
	}
	memmove(r->ahead, r->ahead + k, (r->nahead - k) * sizeof(*r->ahead));
	r->nahead -= k;
out:
	free(view);
	buf_free(&line);
	if (rc < 0)
		return -1;
	return k > 0;
}

/*
 * Read up to the job's share of argument sets.  Returns 1 with a job, 0 at
 * the end of the input, -1 on a read error.
 */
static int
next_job(struct run *r, struct input *in, struct job **jp)
{
	const struct tpmap_opts *o = r->o;
	const struct field *f;
	struct job *j;
	struct buf bytes = { 0 };
	size_t ncols, cap = 0, want;
	int rc = 1;

	want = o->max_args > 0 ? o->max_args : 1;
	j = job_new();
	j->owner = r;
	if (o->xargs_mode && o->max_args == 0) {
		rc = next_fill_job(r, in, j, &bytes, &cap);
	} else {
		while (j->nargs < want) {
			if ((rc = input_next(in, &f, &ncols)) <= 0)
				break;
			if (o->no_run_if_empty && all_empty(f, ncols))
				continue;
			job_add_set(j, &bytes, &cap, f, ncols);
		}
	}
	if (rc < 0 || j->nargs == 0) {
		buf_free(&bytes);
		job_free(j);
		return rc < 0 ? -1 : 0;
	}
	job_fix_fields(j, &bytes);
	/* -N0: a record per job, but no argument in the command. */
	if (o->max_args_given && o->max_args == 0)
		j->nargs = 0;
	*jp = j;
	return 1;
}

/* The signals that stop tpmap. */
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

static void
stop_signal_set(sigset_t *set)
{
	size_t i;

	sigemptyset(set);
	for (i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigaddset(set, stop_signals[i]);
}

/* The signal thread: on SIGINT, SIGTERM or SIGHUP stop starting jobs,
 * terminate the running ones, and let main die of the same signal. */
static void *
sig_thread(void *arg)
{
	struct run *r = arg;
	sigset_t set;
	int sig;

	stop_signal_set(&set);
	if (sigwait(&set, &sig) != 0)
		return NULL;
	stop_and_cancel(r, sig);
	return NULL;
}

/* --resume, --resume-failed, --retry-failed: what the job log says of
 * each job, the last row of a seq winning. */
struct logged {
	unsigned long long seq;
	size_t pos;			/* row number in the log */
	int ok;
	char *cmd;
};

struct logset {
	struct logged *v;
	size_t n, cap;
};

static void
logged_row(const struct joblog_row *row, void *arg)
{
	struct logset *ls = arg;

	if (ls->n == ls->cap) {
		ls->cap = ls->cap ? 2 * ls->cap : 64;
		ls->v = xreallocarray(ls->v, ls->cap, sizeof(*ls->v));
	}
	ls->v[ls->n].seq = row->seq;
	ls->v[ls->n].pos = ls->n;
	ls->v[ls->n].ok = row->exitval == 0 && row->sig == 0;
	ls->v[ls->n].cmd = xmemdup(row->cmd, row->cmdlen);
	ls->n++;
}

static int
cmp_logged(const void *a, const void *b)
{
	const struct logged *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int
cmp_seq(const void *a, const void *b)
{
	const struct logged *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort by seq and keep only the last row of each. */
static void
logset_finish(struct logset *ls)
{
	size_t i, k;

	qsort(ls->v, ls->n, sizeof(*ls->v), cmp_logged);
	for (i = k = 0; i < ls->n; i++) {
		if (i + 1 < ls->n && ls->v[i + 1].seq == ls->v[i].seq) {
			free(ls->v[i].cmd);
			continue;
		}
		ls->v[k++] = ls->v[i];
	}
	ls->n = k;
}

static void
logset_free(struct logset *ls)
{
	size_t i;

	for (i = 0; i < ls->n; i++)
		free(ls->v[i].cmd);
	free(ls->v);
}

/* The entry for seq, or NULL. */
static const struct logged *
logset_find(const struct logset *ls, unsigned long long seq)
{
	struct logged key;

	key.seq = seq;
	return ls->n == 0 ? NULL :
	    bsearch(&key, ls->v, ls->n, sizeof(*ls->v), cmp_seq);
}

/* A template expanded without quoting and with nothing appended, for
 * --tagstring and --results; exits on a bad one. */
static struct tmpl *
raw_template(const struct tpmap_opts *o, const char *opt, const char *str)
{
	struct tmpl_opts to = o->tmpl;
	struct tmpl *t;
	char err[256], *w;

	to.raw = 1;
	to.quote_cmd = 0;
	to.context = TMPL_CTX_NONE;
	w = (char *)(uintptr_t)str;	/* tmpl_parse only reads it */
	if (tmpl_parse(&t, &w, 1, &to, err, sizeof(err)) != 0)
		errx(255, "%s: %s", opt, err);
	return t;
}

/*
 * When stdout is a pipe or socket, notice at once that its reader has gone
 * (tpmap ... | head -1), not at the next write, which may be after jobs
 * that never end: stop starting jobs and terminate the running ones.
 */
static void *
watch_stdout(void *arg)
{
	struct run *r = arg;
	struct pollfd pfd;

	pfd.fd = 1;
	pfd.events = 0;		/* POLLERR and POLLHUP need no asking */
	while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
		;
	if (pfd.revents & (POLLERR | POLLHUP))
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
 * Before the first job is submitted: the signal thread, the stdout
 * watcher, the executor and the progress line.  Exits on failure.
 */
static void
start_threads(struct run *r)
{
	const struct tpmap_opts *o = r->o;
	struct tp_executor_opts xo = TP_EXECUTOR_OPTS_INIT;
	sigset_t sigs;
	pthread_t tid;
	int e;

	/* Block the signals in every thread but sig_thread, which takes
	 * them synchronously. */
	stop_signal_set(&sigs);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if ((e = pthread_create(&tid, NULL, sig_thread, r)) != 0)
		errx(255, "pthread_create: %s", strerror(e));
	pthread_detach(tid);
	if (stdout_is_pipe() &&
	    pthread_create(&tid, NULL, watch_stdout, r) == 0)
		pthread_detach(tid);
	xo.max_queued = o->jobs;
	xo.stack_size = WORKER_STACK;
	xo.on_done = job_done;
	xo.on_done_arg = r;
	if ((e = tp_executor_create(&r->ex, o->jobs, &xo)) != 0)
		errx(255, "cannot start %u workers: %s", o->jobs, strerror(e));
	/* Its thread, too, must leave the signals to sig_thread. */
	r->pg = progress_create(o);
	out_set_progress(r->out, r->pg);
}

/* run_alone's signal handler: what sig_thread does, in what a handler
 * may do (lock-free atomics and write(2)); there is no jobserver wait
 * to cancel, as the only job runs on make's implicit slot. */
static struct run *alone;

static void
alone_signal(int sig)
{
	int none = 0;

	(void)atomic_compare_exchange_strong(&alone->stopping, &none, sig);
	spawn_terminate(alone->sc, 1);
}

/* Whether a run may be a single job run by run_alone: its input is all
 * ::: words, so that looking for a second job cannot block, and nothing
 * needs a thread or the executor (the progress line, --resume). */
static int
may_run_alone(const struct tpmap_opts *o)
{
	size_t i;

	if (o->dry_run || o->in.nsources == 0 || o->bar || o->eta ||
	    o->progress || o->resume || o->resume_failed)
		return 0;
	for (i = 0; i < o->in.nsources; i++)
		if (o->in.sources[i].kind != INPUT_WORDS)
			return 0;
	return 1;
}

/*
 * The whole input is one job: run it on the main thread, with no
 * executor, signal thread or stdout watcher.  Starting them costs more
 * than the rest of tpmap's own start-up on a small machine (bench/README.md,
 * "startup").  The signals get a handler that terminates the job as
 * sig_thread would, and spawn polls stdout in place of watch_stdout.
 */
static int
run_alone(struct run *r, struct job *j)
{
	struct sigaction sa;
	void *result;
	size_t i;

	alone = r;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = alone_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigaction(stop_signals[i], &sa, NULL);
	if (stdout_is_pipe())
		spawn_watch_output(r->sc, 1);
	r->nsubmitted++;
	(void)run_job(NULL, j, &result);
	if (spawn_output_gone(r->sc))
		stop(r, STOP_OUTPUT);
	finish_job(r, j);
	return 0;
}

/*
 * Hand job j to the executor, or print it (--dry-run), or drop it when the
 * job log says it has run (--resume) or succeeded (--resume-failed).
 * Returns 0, or 255 when it could not be submitted.
 */
static int
submit(struct run *r, struct job *j, const struct logset *logs)
{
	const struct logged *l;
	int e;

	if (logs != NULL && (l = logset_find(logs, j->seq)) != NULL &&
	    (r->o->resume || l->ok)) {
		if (!r->o->dry_run)
			out_skip(r->out, j->seq);
		job_free(j);
		return 0;
	}
	if (r->o->dry_run) {
		j->slot = 1;
		build(r, j);
		dry_run_print(r, j);
		job_free(j);
		return 0;
	}
	/* {%} is known when the job starts; build it then. */
	if (j->cmd == NULL &&
	    (r->t == NULL || !tmpl_uses_slot(r->t)) &&
	    (r->tagt == NULL || !tmpl_uses_slot(r->tagt)) &&
	    (r->rest == NULL || !tmpl_uses_slot(r->rest)))
		build(r, j);
	if (r->ex == NULL)
		start_threads(r);
	if ((e = tp_submit(r->ex, run_job, j, NULL)) != 0) {
		warnx("cannot submit job %llu: %s", j->seq, strerror(e));
		job_free(j);
		return 255;
	}
	r->nsubmitted++;
	return 0;
}

int
main(int argc, char *argv[])
{
	struct tpmap_opts o;
	struct jobserver *js;
	struct input *in;
	struct run r;
	struct job *j, *first;
	char err[256];
	char *const *names;
	size_t nnames;
	sigset_t sigs;
	unsigned long long seq = 0;
	struct logset logs = { 0 };
	struct job **all = NULL;
	size_t i, k, nall = 0, capall = 0;
	int rc, e, status, sig;

	opts_parse(&o, argc, argv);
	memset(&r, 0, sizeof(r));
	r.o = &o;
	pthread_mutex_init(&r.teardown_mu, NULL);
	/* Before any file is opened: a descriptor make named but closed
	 * must not be mistaken for one of ours.  With one job at a time
	 * the implicit slot is all tpmap needs. */
	if (!o.dry_run && o.jobs > 1)
		r.js = jobserver_open(getenv("MAKEFLAGS"));
	pthread_mutex_init(&r.mu, NULL);
	atomic_init(&r.stopping, 0);

	/* EPIPE instead of death when stdout goes away; jobs get SIG_DFL. */
	signal(SIGPIPE, SIG_IGN);

	/* Every early failure below releases what is held, so that a leak
	 * checker sees none on these paths either. */
	if (o.resume || o.resume_failed || o.retry_failed) {
		if (o.joblog == NULL)
			errx(255, "--resume, --resume-failed and --retry-failed "
			    "need --joblog");
		if (joblog_read(o.joblog, logged_row, &logs) != 0) {
			jobserver_free(r.js);
			logset_free(&logs);
			opts_release(&o);
			return 255;
		}
		logset_finish(&logs);
	}
	if (o.joblog != NULL && !o.dry_run &&
	    (r.joblog = joblog_open(o.joblog, o.joblog_append || o.resume ||
	    o.resume_failed || o.retry_failed, o.joblog_format)) == NULL) {
		jobserver_free(r.js);
		logset_free(&logs);
		opts_release(&o);
		return 255;
	}
	if (input_open(&in, &o.in) != 0) {
		jobserver_free(r.js);
		joblog_close(r.joblog);
		logset_free(&logs);
		opts_release(&o);
		return 255;
	}
	names = input_colnames(in, &nnames);
	o.tmpl.colnames = names;
	o.tmpl.ncolnames = nnames;
	if (o.ncommand > 0 &&
	    tmpl_parse(&r.t, o.command, o.ncommand, &o.tmpl, err,
	    sizeof(err)) != 0)
		errx(255, "%s", err);
	if (o.tagstring != NULL)
		r.tagt = raw_template(&o, "--tagstring", o.tagstring);
	if (o.results != NULL) {
		r.rest = raw_template(&o, "--results", o.results);
		if (!tmpl_has_repl(r.rest)) {
			tmpl_free(r.rest);
			r.rest = NULL;
		}
		r.colnames = names;
		r.ncolnames = nnames;
	}

	if (o.shuf)
		srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	pthread_mutex_init(&r.delaymu, NULL);

	r.limit = o.max_chars > 0 ? o.max_chars : DEFAULT_MAX_CHARS;
	r.nslots = o.jobs;
	r.busy = xcalloc(r.nslots, 1);
	r.running = xcalloc(r.nslots, sizeof(*r.running));
	r.out = out_create(&o);
	if (!o.dry_run)
		r.sc = spawn_create(&o, r.nslots, r.out);

	status = 0;
	if (o.retry_failed) {
		/* The failed commands of the log are the jobs, not the input. */
		for (i = 0; i < logs.n && status == 0; i++) {
			/* -k must not wait for the jobs that are not rerun. */
			while (++seq < logs.v[i].seq)
				out_skip(r.out, seq);
			if (logs.v[i].ok) {
				out_skip(r.out, seq);
				continue;
			}
			j = job_new();
			j->owner = &r;
			j->seq = logs.v[i].seq;
			j->cmd = xstrdup(logs.v[i].cmd);
			j->cmdlen = strlen(j->cmd);
			if (!cmd_split(j->cmd, j->cmdlen, &j->argv))
				j->argv = NULL;
			status = submit(&r, j, NULL);
		}
	} else if (o.shuf || o.halt.percent > 0) {
		/* Every job first: to shuffle them, or to know N% of what. */
		while ((rc = next_job(&r, in, &j)) > 0) {
			j->seq = ++seq;
			if (nall == capall) {
				capall = capall ? 2 * capall : 256;
				all = xreallocarray(all, capall, sizeof(*all));
			}
			all[nall++] = j;
		}
		if (rc < 0)
			status = 255;
		for (i = nall; o.shuf && i > 1; i--) {
			k = (size_t)(random() % (long)i);
			j = all[i - 1];
			all[i - 1] = all[k];
			all[k] = j;
		}
		r.total = nall;
		/* Less what --resume skips, set below. */
		progress_total(r.pg, nall);
		for (i = 0; i < nall; i++) {
			if (status == 0 && !atomic_load(&r.stopping))
				status = submit(&r, all[i], &logs);
			else
				job_free(all[i]);
		}
		free(all);
	} else {
		/* The first job waits for the second to be read: without
		 * one, it runs alone. */
		first = NULL;
		rc = 0;
		while (!atomic_load(&r.stopping) && !out_failed(r.out)) {
			if ((rc = next_job(&r, in, &j)) <= 0) {
				if (rc < 0)
					status = 255;
				break;
			}
			j->seq = ++seq;
			if (seq == 1 && may_run_alone(&o)) {
				first = j;
				continue;
			}
			if (first != NULL) {
				status = submit(&r, first, &logs);
				first = NULL;
				if (status != 0) {
					job_free(j);
					break;
				}
			}
			if ((status = submit(&r, j, &logs)) != 0)
				break;
		}
		if (first != NULL && rc == 0)
			status = run_alone(&r, first);
		else if (first != NULL && (e = submit(&r, first, &logs)) != 0)
			status = e;
	}
	/* Nothing more is submitted: the total is known. */
	out_flush(r.out);
	progress_total(r.pg, r.nsubmitted);
	/* Waits for every job; their output is emitted by then, and their
	 * jobserver tokens are back. */
	tp_executor_free(r.ex);
	progress_free(r.pg);
	pthread_mutex_lock(&r.teardown_mu);
	r.torn_down = 1;
	js = r.js;
	r.js = NULL;
	pthread_mutex_unlock(&r.teardown_mu);
	jobserver_free(js);
	input_free(in);
	e = out_free(r.out);
	spawn_free(r.sc);
	tmpl_free(r.t);
	tmpl_free(r.tagt);
	tmpl_free(r.rest);
	free(r.busy);
	free(r.running);
	free(r.okruntimes);
	joblog_close(r.joblog);
	logset_free(&logs);
	pthread_mutex_destroy(&r.delaymu);
	while (r.nahead > 0)
		free(r.ahead[--r.nahead].f);
	free(r.ahead);
	pthread_mutex_destroy(&r.mu);
	opts_release(&o);

	if ((sig = atomic_load(&r.stopping)) != 0 && sig < STOP_HALT) {
		/* Die of the same signal, so that a calling script stops. */
		signal(sig, SIG_DFL);
		sigemptyset(&sigs);
		sigaddset(&sigs, sig);
		pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);
		raise(sig);
		return 128 + sig;
	}
	if (e != 0 && e != EPIPE) {
		errno = e;
		warn("write error");
		return 255;
	}
	if (e == EPIPE || atomic_load(&r.stopping) == STOP_OUTPUT) {
		/* Die as a filter does when its reader goes. */
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&sigs);
		sigaddset(&sigs, SIGPIPE);
		pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);
		raise(SIGPIPE);
		return 255;
	}
	return status != 0 ? status : report_status(&o.halt);
}
