/* SPDX-License-Identifier: MIT */
/*
 * The job sources of source.h.  The input source groups records into jobs
 * and, in fill mode (-X, -m), reads ahead to find how many argument sets
 * keep the command line under the limit; the all-first source holds every
 * job of another; the retry source replays a job log.  Sources only make
 * jobs: running, skipping and printing them is the main loop's.
 */
#define _DEFAULT_SOURCE	/* random, srandom */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "execpath.h"
#include "joblog.h"
#include "source.h"
#include "util.h"

/* GNU parallel's default line length limit (--max-line-length-allowed on
 * Linux); a shell command line is one argument, below 128 KiB anyway. */
#define DEFAULT_MAX_CHARS 130329

/* An argument set read ahead (-X/-m fill mode), owning its bytes. */
struct aset {
	struct field *f;
	size_t ncols;
};

/* The input stream. */
struct insrc {
	struct source s;		/* first: a struct source * is one */
	const struct tpmap_opts *o;
	struct input *in;
	const struct builder *b;
	unsigned long long seq;		/* the last job's */
	/* Fill mode (-X, -m without -n): sets read ahead, and the share of
	 * each job once the end of the input has been seen. */
	struct aset *ahead;
	size_t nahead;
	size_t capahead;
	int eof;
	size_t share;
	size_t limit;			/* command lines stay below this */
};

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
read_ahead(struct insrc *r, struct input *in)
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

/* Whether the first k sets of the look-ahead make a line below the limit:
 * measured over a view padded to the first set's width, without copying. */
static int
fill_fits(struct insrc *r, size_t k, struct field **view, struct buf *line)
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
	return build_line_length(r->b, *view, k, ncols, line) < r->limit;
}

/*
 * Fill mode: as many sets as keep the command line below the limit; once
 * the end of the input is in sight, what is left is shared evenly among
 * the job slots, as GNU parallel does (10 arguments, -j3: 4, 4 and 2).
 * The line grows with every set, so the count is found by doubling and
 * then bisection: measuring each prefix in turn would be quadratic.
 */
static int
next_fill_job(struct insrc *r, struct input *in, struct job *j,
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
input_job(struct source *src, struct job **jp)
{
	struct insrc *r = (struct insrc *)src;
	struct input *in = r->in;
	const struct tpmap_opts *o = r->o;
	const struct field *f;
	struct job *j;
	struct buf bytes = { 0 };
	size_t ncols, cap = 0, want;
	int rc = 1;

	want = o->max_args > 0 ? o->max_args : 1;
	j = job_new();
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
	j->seq = ++r->seq;
	*jp = j;
	return 1;
}

static void
insrc_free(struct source *src)
{
	struct insrc *r = (struct insrc *)src;

	while (r->nahead > 0)
		free(r->ahead[--r->nahead].f);
	free(r->ahead);
	free(r);
}

struct source *
source_input(const struct tpmap_opts *o, struct input *in,
    const struct builder *b)
{
	struct insrc *r;

	r = xcalloc(1, sizeof(*r));
	r->s.next = input_job;
	r->s.free = insrc_free;
	r->o = o;
	r->in = in;
	r->b = b;
	r->limit = o->max_chars > 0 ? o->max_chars : DEFAULT_MAX_CHARS;
	return &r->s;
}

/* Jobs of another source read first: all of them, or up to a limit. */
struct allsrc {
	struct source s;
	struct source *inner;		/* the rest, or NULL: read to its end */
	struct job **all;
	size_t n, next, cap;
};

/* The jobs read first, then the rest of the source. */
static int
all_next(struct source *src, struct job **jp)
{
	struct allsrc *a = (struct allsrc *)src;

	if (a->next < a->n) {
		*jp = a->all[a->next++];
		return 1;
	}
	return a->inner != NULL ? a->inner->next(a->inner, jp) : 0;
}

/* The jobs read first are numbered; the rest of the source is not. */
static int
all_numbered(struct source *src, struct job **jp)
{
	struct allsrc *a = (struct allsrc *)src;

	if (a->next == a->n)
		return 0;
	*jp = a->all[a->next++];
	return 1;
}

static void
all_free(struct source *src)
{
	struct allsrc *a = (struct allsrc *)src;

	while (a->next < a->n)
		job_free(a->all[a->next++]);
	source_free(a->inner);
	free(a->all);
	free(a);
}

/* Read up to limit jobs of inner into a new allsrc, which takes inner
 * over; the total is known when inner ended within the limit.  NULL
 * after a read error (reported). */
static struct allsrc *
read_first(struct source *inner, size_t limit)
{
	struct allsrc *a;
	struct job *j;
	int rc = 1;

	a = xcalloc(1, sizeof(*a));
	a->s.next = all_next;
	a->s.numbered = all_numbered;
	a->s.free = all_free;
	a->inner = inner;
	while (a->n < limit && (rc = inner->next(inner, &j)) > 0) {
		if (a->n == a->cap) {
			a->cap = a->cap ? 2 * a->cap : 256;
			a->all = xreallocarray(a->all, a->cap,
			    sizeof(*a->all));
		}
		a->all[a->n++] = j;
	}
	if (rc < 0) {
		all_free(&a->s);
		return NULL;
	}
	if (rc == 0) {
		source_free(inner);
		a->inner = NULL;
		a->s.total = a->n;
	}
	return a;
}

struct source *
source_all(struct source *inner, int shuffle)
{
	struct allsrc *a;
	struct job *j;
	size_t i, k;

	if ((a = read_first(inner, SIZE_MAX)) == NULL)
		return NULL;
	for (i = a->n; shuffle && i > 1; i--) {
		k = (size_t)(random() % (long)i);
		j = a->all[i - 1];
		a->all[i - 1] = a->all[k];
		a->all[k] = j;
	}
	return &a->s;
}

struct source *
source_ahead(struct source *inner, size_t limit)
{
	struct allsrc *a;

	return (a = read_first(inner, limit)) != NULL ? &a->s : NULL;
}

void
source_free(struct source *s)
{
	if (s != NULL)
		s->free(s);
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

void
logset_free(struct logset *ls)
{
	size_t i;

	if (ls == NULL)
		return;
	for (i = 0; i < ls->n; i++)
		free(ls->v[i].cmd);
	free(ls->v);
	free(ls);
}

struct logset *
logset_read(const char *path)
{
	struct logset *ls;

	ls = xcalloc(1, sizeof(*ls));
	if (joblog_read(path, logged_row, ls) != 0) {
		logset_free(ls);
		return NULL;
	}
	logset_finish(ls);
	return ls;
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


int
logset_done(const struct logset *ls, unsigned long long seq, int ok_only)
{
	const struct logged *l;

	return ls != NULL && (l = logset_find(ls, seq)) != NULL &&
	    (!ok_only || l->ok);
}

/* The failed rows of a job log; every other sequence number up to the
 * last is made SKIPPED, so that -k does not wait for it. */
struct retrysrc {
	struct source s;
	struct logset *ls;
	size_t i;			/* the next row */
	unsigned long long seq;		/* the last job's */
};

static int
retry_next(struct source *src, struct job **jp)
{
	struct retrysrc *r = (struct retrysrc *)src;
	const struct logged *l;
	struct job *j;

	if (r->i == r->ls->n)
		return 0;
	l = &r->ls->v[r->i];
	j = job_new();
	j->seq = ++r->seq;
	if (j->seq < l->seq || l->ok) {
		job_to(j, JOB_SKIPPED);
	} else {
		j->cmd = xstrdup(l->cmd);
		j->cmdlen = strlen(j->cmd);
		if (!cmd_split(j->cmd, j->cmdlen, &j->argv))
			j->argv = NULL;
	}
	if (j->seq == l->seq)
		r->i++;
	*jp = j;
	return 1;
}

static void
retry_free(struct source *src)
{
	struct retrysrc *r = (struct retrysrc *)src;

	logset_free(r->ls);
	free(r);
}

struct source *
source_retry(const char *path)
{
	struct retrysrc *r;
	struct logset *ls;

	if ((ls = logset_read(path)) == NULL)
		return NULL;
	r = xcalloc(1, sizeof(*r));
	r->s.next = retry_next;
	r->s.numbered = retry_next;
	r->s.free = retry_free;
	r->ls = ls;
	return &r->s;
}
