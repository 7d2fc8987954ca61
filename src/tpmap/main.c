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
	struct tmpl *tagt;		/* --tagstring, expanded unquoted */
	struct tmpl *rest;		/* --results holding a replacement */
	char *const *colnames;		/* --header names, for --results */
	size_t ncolnames;
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
	out_text(r->out, 1, b.p, b.len);
	if (r->o->trace)
		out_text(r->out, 2, j->cmd, j->cmdlen);
	buf_free(&b);
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
		a.f = j->fields;
		a.nargs = j->nargs;
		a.ncols = j->ncols;
		a.seq = j->seq;
		a.slot = j->slot;
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
	if (r->tagt != NULL) {
		a.f = j->fields;
		a.nargs = j->nargs;
		a.ncols = j->ncols;
		a.seq = j->seq;
		a.slot = j->slot;
		tmpl_expand(r->tagt, &a, &b);
		j->tag = buf_detach(&b, &j->taglen);
	} else if (r->o->tag) {
		join_fields(j, &b);
		j->tag = buf_detach(&b, &j->taglen);
	}
	if (r->o->results != NULL && !r->o->dry_run)
		results_name(r, j, &b);
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
	struct tmpl_opts to;
	char *tagw;
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
	if (o.tagstring != NULL) {
		to = o.tmpl;
		to.raw = 1;
		to.quote_cmd = 0;
		to.context = TMPL_CTX_NONE;
		tagw = (char *)(uintptr_t)o.tagstring;	/* only read */
		if (tmpl_parse(&r.tagt, &tagw, 1, &to, err,
		    sizeof(err)) != 0)
			errx(255, "--tagstring: %s", err);
	}
	if (o.results != NULL) {
		to = o.tmpl;
		to.raw = 1;
		to.quote_cmd = 0;
		to.context = TMPL_CTX_NONE;
		tagw = (char *)(uintptr_t)o.results;	/* only read */
		if (tmpl_parse(&r.rest, &tagw, 1, &to, err,
		    sizeof(err)) != 0)
			errx(255, "--results: %s", err);
		if (!tmpl_has_repl(r.rest)) {
			tmpl_free(r.rest);
			r.rest = NULL;
		}
		r.colnames = names;
		r.ncolnames = nnames;
	}

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
			dry_run_print(&r, j);
			job_free(j);
			continue;
		}
		/* {%} is known when the job starts; build it then. */
		if ((r.t == NULL || !tmpl_uses_slot(r.t)) &&
		    (r.tagt == NULL || !tmpl_uses_slot(r.tagt)) &&
		    (r.rest == NULL || !tmpl_uses_slot(r.rest)))
			build(&r, j);
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
	tmpl_free(r.tagt);
	tmpl_free(r.rest);
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
