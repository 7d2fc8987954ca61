/* SPDX-License-Identifier: MIT */
/*
 * A job's command line, argv, tag and --results path, from its arguments
 * and the parsed templates.  The expansion and its quoting are template.c's;
 * this file decides which template applies and where each result goes.
 */
#include <err.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "execpath.h"
#include "shquote.h"
#include "util.h"

/* A template expanded without quoting and with nothing appended, for
 * --tagstring and --results; exits on a bad one. */
static struct tmpl *
raw_template(const struct tmpl_opts *base, const char *opt, const char *str)
{
	struct tmpl_opts to = *base;
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

void
build_init(struct builder *b, const struct tpmap_opts *o,
    char *const *names, size_t n)
{
	struct tmpl_opts to = o->tmpl;
	char err[256];

	memset(b, 0, sizeof(*b));
	b->o = o;
	to.colnames = names;
	to.ncolnames = n;
	/* --cat and --fifo append the file's name, as GNU parallel does. */
	to.no_append = o->pipe && !o->cat && !o->fifo;
	if (o->ncommand > 0 &&
	    tmpl_parse(&b->t, o->command, o->ncommand, &to, err,
	    sizeof(err)) != 0)
		errx(255, "%s", err);
	if (o->tagstring != NULL)
		b->tagt = raw_template(&to, "--tagstring", o->tagstring);
	if (o->results != NULL) {
		b->rest = raw_template(&to, "--results", o->results);
		if (!tmpl_has_repl(b->rest)) {
			tmpl_free(b->rest);
			b->rest = NULL;
		}
		b->colnames = names;
		b->ncolnames = n;
	}
}

void
build_release(struct builder *b)
{
	tmpl_free(b->t);
	tmpl_free(b->tagt);
	tmpl_free(b->rest);
}

int
build_needs_slot(const struct builder *b)
{
	return (b->t != NULL && tmpl_uses_slot(b->t)) ||
	    (b->tagt != NULL && tmpl_uses_slot(b->tagt)) ||
	    (b->rest != NULL && tmpl_uses_slot(b->rest));
}

int
build_results_template(const struct builder *b)
{
	return b->rest != NULL;
}

/* Join n fields with spaces, unquoted: command-less mode, --tag. */
static void
join_fields(const struct field *f, size_t n, struct buf *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(out, ' ');
		buf_add(out, f[i].s, f[i].len);
	}
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

/* The longest file name: a longer --results component is split. */
#ifdef NAME_MAX
#define RESULTS_NAME_MAX NAME_MAX
#else
#define RESULTS_NAME_MAX 255
#endif

/* Whether e (n bytes) is . or .., a name no directory can have. */
static int
is_dot_name(const char *e, size_t n)
{
	return (n == 1 && e[0] == '.') || (n == 2 && e[0] == '.' && e[1] == '.');
}

/*
 * Append s escaped as parallel does to keep it one path component: \
 * becomes \\ and / becomes \_.  One longer than a file name may be is
 * split into directories of at most RESULTS_NAME_MAX bytes each, so that
 * the job's output can be saved and values that differ only past that
 * length keep apart; never inside an escape, and never so that the last
 * directory is . or ...
 */
static void
path_escape(struct buf *b, const char *s, size_t len)
{
	struct buf e = { 0 };
	size_t k, start, end, last;

	for (k = 0; k < len; k++) {
		if (s[k] == '\\' || s[k] == '/')
			buf_addc(&e, '\\');
		buf_addc(&e, s[k] == '/' ? '_' : s[k]);
	}
	for (start = 0; e.len - start > RESULTS_NAME_MAX; start = end) {
		/* Whole escapes up to the limit; last is where the last
		 * of them starts. */
		for (end = last = start; ; end += e.p[end] == '\\' ? 2 : 1) {
			if (end + (e.p[end] == '\\' ? 2 : 1) >
			    start + RESULTS_NAME_MAX)
				break;
			last = end;
		}
		if (is_dot_name(e.p + end, e.len - end))
			end = last;
		buf_add(b, e.p + start, end - start);
		buf_addc(b, '/');
	}
	if (e.len > start)
		buf_add(b, e.p + start, e.len - start);
	buf_free(&e);
}

/*
 * --results: with a replacement string in it, the expanded path of the
 * job's stdout file (stderr and seq go to PATH.err and PATH.seq); else the
 * job's place below the directory, COL/VALUE/COL/VALUE, where COL is the
 * column's number or, with --header, its name.
 */
static void
results_name(const struct builder *b, struct job *j, struct buf *out)
{
	struct tmpl_args a;
	char num[32];
	size_t i;

	if (b->rest != NULL) {
		job_args(j, &a);
		(void)tmpl_expand(b->rest, &a, out, NULL);	/* raw: no failure */
		j->resfile = 1;
		j->resname = buf_detach(out, NULL);
		return;
	}
	for (i = 0; i < j->ncols && j->nargs > 0; i++) {
		if (i > 0)
			buf_addc(out, '/');
		if (i < b->ncolnames) {
			path_escape(out, b->colnames[i],
			    strlen(b->colnames[i]));
		} else {
			snprintf(num, sizeof(num), "%zu", i + 1);
			buf_adds(out, num);
		}
		buf_addc(out, '/');
		path_escape(out, j->fields[i].s, j->fields[i].len);
	}
	j->resname = buf_detach(out, NULL);
}

/* Why a job is not run: value v may not go where it goes, for reason
 * why.  The value is shown quoted, on one line. */
static char *
refusal(const struct field *v, const char *why)
{
	struct buf m = { 0 };
	size_t i, start, len = v->len > 60 ? 60 : v->len;

	buf_adds(&m, "the value ");
	start = m.len;
	shq_append(&m, v->s, len);
	for (i = start; i < m.len; i++)
		if ((unsigned char)m.p[i] < 0x20 || m.p[i] == 0x7f)
			m.p[i] = '?';
	if (len < v->len)
		buf_adds(&m, "...");
	buf_addc(&m, ' ');
	buf_adds(&m, why);
	return buf_detach(&m, NULL);
}

void
build_job(const struct builder *b, struct job *j)
{
	const struct tpmap_opts *o = b->o;
	const struct field *bad;
	const char *why;
	struct tmpl_args a;
	struct buf out = { 0 };

	if (b->t == NULL) {
		join_fields(j->fields, j->nargs * j->ncols, &out);
	} else {
		job_args(j, &a);
		if ((bad = tmpl_expand(b->t, &a, &out, &why)) != NULL)
			j->refused = refusal(bad, why);
	}
	j->cmd = buf_detach(&out, &j->cmdlen);
	if (!o->dry_run && j->refused == NULL &&
	    !cmd_split(j->cmd, j->cmdlen, &j->argv))
		j->argv = NULL;
	if (b->tagt != NULL) {
		job_args(j, &a);
		(void)tmpl_expand(b->tagt, &a, &out, NULL);
		j->tag = buf_detach(&out, &j->taglen);
	} else if (o->tag) {
		join_fields(j->fields, j->nargs * j->ncols, &out);
		j->tag = buf_detach(&out, &j->taglen);
	}
	if (o->results != NULL && !o->dry_run)
		results_name(b, j, &out);
}

size_t
build_line_length(const struct builder *b, const struct field *f, size_t n,
    size_t ncols, struct buf *out)
{
	struct tmpl_args a;

	buf_reset(out);
	if (b->t == NULL) {
		join_fields(f, n * ncols, out);
	} else {
		a.f = f;
		a.nargs = n;
		a.ncols = ncols;
		a.seq = 1;
		a.slot = 1;
		(void)tmpl_expand(b->t, &a, out, NULL);	/* a length only */
	}
	return out->len;
}

void
build_dry_line(const struct job *j, struct buf *out)
{
	if (j->tag != NULL) {
		buf_add(out, j->tag, j->taglen);
		buf_addc(out, '\t');
	}
	buf_add(out, j->cmd, j->cmdlen);
}
