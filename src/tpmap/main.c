/* SPDX-License-Identifier: MIT */
/*
 * tpmap's wiring: options -> input -> template -> executor -> spawn ->
 * output -> report.  The main thread reads argument sets, builds each job
 * (its command line, and the argv when no shell is needed) and submits it
 * to a libtp executor of -j workers; tp_submit blocks while the bounded
 * queue is full, so input is read only a little ahead of the running jobs.
 * Each worker runs one job at a time in a job slot; the executor's done
 * callback hands the finished job to output.  Signals are taken by a
 * dedicated thread with sigwait, never by the workers.
 */
#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"
#include "options.h"
#include "output.h"
#include "report.h"
#include "spawn.h"
#include "template.h"
#include "tp.h"
#include "util.h"

/* Worker stacks: a job's worker only polls pipes and waits. */
#define WORKER_STACK (256 * 1024)

/* An argument set read ahead (-X/-m fill mode), owning its bytes. */
struct aset {
	struct field *f;
	size_t ncols;
};

struct run {
	const struct tpmap_opts *o;
	struct tmpl *t;
	struct spawn_ctx *sc;
	struct output *out;
	pthread_mutex_t mu;		/* guards busy */
	unsigned char *busy;		/* slot i + 1 is taken */
	unsigned nslots;
	atomic_int stopping;		/* a signal came: start nothing */
	/* Fill mode (-X, -m without -n): sets read ahead, and the share of
	 * each job once the end of the input has been seen. */
	struct aset *ahead;
	size_t nahead;
	size_t capahead;
	int eof;
	size_t share;
	size_t limit;			/* command lines stay below this */
};

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

/* --tagstring: {} {#} {%} and {N} replaced by unquoted values. */
static void
expand_tagstring(const char *ts, const struct job *j, struct buf *b)
{
	const char *p, *close;
	char num[32], *end;
	unsigned long n;

	for (p = ts; *p != '\0'; p++) {
		if (*p != '{' || (close = strchr(p, '}')) == NULL) {
			buf_addc(b, *p);
			continue;
		}
		if (close == p + 1) {
			join_fields(j, b);
		} else if (close == p + 2 && p[1] == '#') {
			snprintf(num, sizeof(num), "%llu", j->seq);
			buf_adds(b, num);
		} else if (close == p + 2 && p[1] == '%') {
			snprintf(num, sizeof(num), "%u", j->slot);
			buf_adds(b, num);
		} else if ((n = strtoul(p + 1, &end, 10)) > 0 && end == close) {
			if (n <= j->nargs * j->ncols)
				buf_add(b, j->fields[n - 1].s,
				    j->fields[n - 1].len);
		} else {
			buf_add(b, p, (size_t)(close - p) + 1);
		}
		p = close;
	}
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
		a.f = j->fields;
		a.nargs = j->nargs;
		a.ncols = j->ncols;
		a.seq = j->seq;
		a.slot = j->slot;
		tmpl_expand(r->t, &a, &b);
	}
	j->cmd = buf_detach(&b, &j->cmdlen);
	if (!r->o->dry_run && !cmd_split(j->cmd, j->cmdlen, &j->argv))
		j->argv = NULL;
	if (r->o->tagstring != NULL) {
		expand_tagstring(r->o->tagstring, j, &b);
		j->tag = buf_detach(&b, &j->taglen);
	} else if (r->o->tag) {
		join_fields(j, &b);
		j->tag = buf_detach(&b, &j->taglen);
	}
}

/* --results DIR: the job's place, 1/VALUE/2/VALUE, one level a column. */
static void
results_name(struct job *j)
{
	struct buf b = { 0 };
	char num[32];
	size_t i, k;
	char c;

	for (i = 0; i < j->ncols && j->nargs > 0; i++) {
		snprintf(num, sizeof(num), "%s%zu/", i > 0 ? "/" : "", i + 1);
		buf_adds(&b, num);
		/* parallel's escape keeps each value one path component:
		 * \ becomes \\ and / becomes \_. */
		for (k = 0; k < j->fields[i].len; k++) {
			c = j->fields[i].s[k];
			if (c == '\\' || c == '/')
				buf_addc(&b, '\\');
			buf_addc(&b, c == '/' ? '_' : c);
		}
	}
	j->resname = buf_detach(&b, NULL);
}

/* The task: run one job in a free slot.  Its status is 1 when it failed. */
static int
run_job(struct tp_future *self, void *arg, void **result)
{
	struct job *j = arg;
	struct run *r = j->owner;
	int e;

	(void)self;
	*result = j;
	if (atomic_load(&r->stopping))
		return 1;
	j->slot = slot_take(r);
	if (j->cmd == NULL)
		build(r, j);
	if (r->o->trace)
		out_text(r->out, 2, j->cmd, j->cmdlen);
	if (r->o->verbose)
		buf_add(&j->out, j->cmd, j->cmdlen), buf_addc(&j->out, '\n');
	if ((e = spawn_run(r->sc, j)) != 0)
		warnx("cannot start job %llu: %s", j->seq, strerror(e));
	slot_put(r, j->slot);
	return report_failed(j);
}

/* The executor's done callback: every job ends here, run or cancelled. */
static void
job_done(struct tp_future *f, void *arg)
{
	struct run *r = arg;
	struct job *j = tp_future_arg(f);

	report_job(j);
	out_job_done(r->out, j);
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
	size_t i;

	for (i = 0; i < n; i++)
		if (f[i].len > 0)
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

/*
 * Fill mode: as many sets as keep the command line below the limit; once
 * the end of the input is in sight, what is left is shared evenly among
 * the job slots, as GNU parallel does (10 arguments, -j3: 4, 4 and 2).
 */
static int
next_fill_job(struct run *r, struct input *in, struct job *j,
    struct buf *bytes, size_t *cap)
{
	struct buf line = { 0 };
	struct field *view = NULL;
	size_t k, i, ncols = 0;
	int rc = 0;

	for (k = 0;; k++) {
		if (k == r->nahead && !r->eof && (rc = read_ahead(r, in)) < 0)
			break;
		if (r->eof && r->share == 0 && r->nahead > 0)
			r->share = (r->nahead + r->o->jobs - 1) / r->o->jobs;
		if (r->share > 0 && k >= r->share) {
			k = r->share;
			break;
		}
		if (k >= r->nahead)
			break;
		/* A view over the look-ahead, padded to the first set's
		 * width, to measure the line without copying. */
		if (k == 0)
			ncols = r->ahead[0].ncols > 0 ? r->ahead[0].ncols : 1;
		view = xreallocarray(view, (k + 1) * ncols, sizeof(*view));
		for (i = 0; i < ncols; i++) {
			view[k * ncols + i].s = "";
			view[k * ncols + i].len = 0;
			if (i < r->ahead[k].ncols)
				view[k * ncols + i] = r->ahead[k].f[i];
		}
		if (k > 0 &&
		    line_length(r, view, k + 1, ncols, &line) >= r->limit)
			break;
	}
	free(view);
	buf_free(&line);
	if (rc < 0)
		return -1;
	for (i = 0; i < k; i++) {
		job_add_set(j, bytes, cap, r->ahead[i].f, r->ahead[i].ncols);
		free(r->ahead[i].f);
	}
	memmove(r->ahead, r->ahead + k, (r->nahead - k) * sizeof(*r->ahead));
	r->nahead -= k;
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
	j = xcalloc(1, sizeof(*j));
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

/* The signal thread: on SIGINT, SIGTERM or SIGHUP stop starting jobs,
 * terminate the running ones, and let main die of the same signal. */
static void *
sig_thread(void *arg)
{
	struct run *r = arg;
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigwait(&set, &sig) != 0)
		return NULL;
	atomic_store(&r->stopping, sig);
	spawn_kill_all(r->sc, SIGTERM);
	return NULL;
}

int
main(int argc, char *argv[])
{
	struct tpmap_opts o;
	struct tp_executor_opts xo = TP_EXECUTOR_OPTS_INIT;
	struct tp_executor *ex = NULL;
	struct input *in;
	struct run r;
	struct job *j;
	char err[256];
	char *const *names;
	size_t nnames;
	sigset_t sigs;
	pthread_t sigtid;
	unsigned long long seq = 0;
	int rc, e, status, sig;

	opts_parse(&o, argc, argv);
	memset(&r, 0, sizeof(r));
	r.o = &o;
	pthread_mutex_init(&r.mu, NULL);
	atomic_init(&r.stopping, 0);

	/* EPIPE instead of death when stdout goes away; jobs get SIG_DFL. */
	signal(SIGPIPE, SIG_IGN);

	if (input_open(&in, &o.in) != 0)
		return 255;
	names = input_colnames(in, &nnames);
	o.tmpl.colnames = names;
	o.tmpl.ncolnames = nnames;
	if (o.ncommand > 0 &&
	    tmpl_parse(&r.t, o.command, o.ncommand, &o.tmpl, err,
	    sizeof(err)) != 0)
		errx(255, "%s", err);

	r.limit = o.max_chars > 0 ? o.max_chars : DEFAULT_MAX_CHARS;
	r.nslots = o.jobs;
	r.busy = xcalloc(r.nslots, 1);
	r.out = out_create(&o);
	if (!o.dry_run) {
		r.sc = spawn_create(&o, r.nslots, r.out);
		/* Block the signals in every thread but sig_thread, which
		 * takes them synchronously. */
		sigemptyset(&sigs);
		sigaddset(&sigs, SIGINT);
		sigaddset(&sigs, SIGTERM);
		sigaddset(&sigs, SIGHUP);
		pthread_sigmask(SIG_BLOCK, &sigs, NULL);
		if ((e = pthread_create(&sigtid, NULL, sig_thread, &r)) != 0)
			errx(255, "pthread_create: %s", strerror(e));
		pthread_detach(sigtid);
		xo.max_queued = o.jobs;
		xo.stack_size = WORKER_STACK;
		xo.on_done = job_done;
		xo.on_done_arg = &r;
		if ((e = tp_executor_create(&ex, o.jobs, &xo)) != 0)
			errx(255, "cannot start %u workers: %s", o.jobs,
			    strerror(e));
	}

	status = 0;
	while (!atomic_load(&r.stopping) && !out_failed(r.out)) {
		if ((rc = next_job(&r, in, &j)) <= 0) {
			if (rc < 0)
				status = 255;
			break;
		}
		j->seq = ++seq;
		if (o.dry_run) {
			j->slot = 1;
			build(&r, j);
			out_text(r.out, 1, j->cmd, j->cmdlen);
			job_free(j);
			continue;
		}
		/* {%} is known when the job starts; build it then. */
		if (r.t == NULL || !tmpl_uses_slot(r.t))
			build(&r, j);
		if (o.results != NULL)
			results_name(j);
		if ((e = tp_submit(ex, run_job, j, NULL)) != 0) {
			warnx("cannot submit job %llu: %s", j->seq,
			    strerror(e));
			job_free(j);
			status = 255;
			break;
		}
	}
	/* Waits for every job; their output is emitted by then. */
	tp_executor_free(ex);
	input_free(in);
	e = out_free(r.out);
	spawn_free(r.sc);
	tmpl_free(r.t);
	free(r.busy);
	while (r.nahead > 0)
		free(r.ahead[--r.nahead].f);
	free(r.ahead);
	pthread_mutex_destroy(&r.mu);
	opts_release(&o);

	if ((sig = atomic_load(&r.stopping)) != 0) {
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
	if (e == EPIPE)
		return 255;
	return status != 0 ? status : report_status();
}
