/* SPDX-License-Identifier: MIT */
/*
 * Expanding a compiled template into one job's command line: a single
 * pass over the pieces that only appends to the caller's buffer.  Values
 * are slices of the arguments, never copies: {.} {/} {//} {/.} cut them
 * as parallel's Perl code does, odd paths included, and shquote.c quotes
 * them for the context the template put them in.  Parsing the template
 * is template.c's; nothing here allocates beyond the buffer or does
 * I/O, and the one failure, a value that may not go where the template
 * puts it (see tmpl_expand), is the caller's to report.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "pieces.h"
#include "shquote.h"
#include "template.h"
#include "util.h"

/* Append unquoted bytes, with NUL written as \0 when nulesc. */
static void
raw_slices(struct buf *out, const struct field *sl, size_t n, int nulesc)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (!nulesc || memchr(sl[i].s, '\0', sl[i].len) == NULL) {
			buf_add(out, sl[i].s, sl[i].len);
			continue;
		}
		for (j = 0; j < sl[i].len; j++) {
			if (sl[i].s[j] == '\0')
				buf_add(out, "\\0", 2);
			else
				buf_addc(out, sl[i].s[j]);
		}
	}
}

/*
 * {.} is s:\.[^/.]*$:: : cut at the last dot when no slash follows it.
 * [^/.] also matches newline, so Perl's "$ before a final newline" changes
 * nothing here.  Works across two slices (see base_slices).
 */
static void
noext_slices(struct field *sl, size_t *n)
{
	size_t i, j;

	for (i = *n; i-- > 0;) {
		for (j = sl[i].len; j-- > 0;) {
			if (sl[i].s[j] == '/')
				return;
			if (sl[i].s[j] == '.') {
				sl[i].len = j;
				*n = i + 1;
				return;
			}
		}
	}
}

/*
 * {/} is Perl's s:.*[/]:: (a slash after any run of bytes) without /s, so
 * "." does not match newline: the match runs from the start of the first
 * line holding a slash to the last slash of that line.  "a\nb/c" gives
 * "a\nc", hence two slices.
 */
static size_t
base_slices(const char *s, size_t len, struct field *sl)
{
	const char *slash, *p, *ls, *le;

	if ((slash = memchr(s, '/', len)) == NULL) {
		sl[0].s = s;
		sl[0].len = len;
		return 1;
	}
	for (ls = slash; ls > s && ls[-1] != '\n'; ls--)
		continue;
	le = memchr(slash, '\n', len - (size_t)(slash - s));
	if (le == NULL)
		le = s + len;
	for (p = le - 1; *p != '/'; p--)
		continue;
	sl[0].s = s;
	sl[0].len = (size_t)(ls - s);
	sl[1].s = p + 1;
	sl[1].len = len - (size_t)(p + 1 - s);
	return 2;
}

/* Index of the last '/' in s[0, len), or -1. */
static ptrdiff_t
last_slash(const char *s, size_t len)
{
	while (len-- > 0)
		if (s[len] == '/')
			return (ptrdiff_t)len;
	return -1;
}

/*
 * {//} is Perl's File::Basename::dirname: split after the last slash,
 * strip trailing slashes (keeping one byte), and if nothing followed the
 * slash split once more.  The result is always a prefix of s, or ".":
 * "a" -> ".", "a/" -> ".", "a/b/" -> "a", "/" -> "/", "//a" -> "/".
 */
static void
dir_slice(const char *s, size_t len, struct field *sl)
{
	ptrdiff_t k;
	size_t dlen;

	sl->s = ".";
	sl->len = 1;
	if ((k = last_slash(s, len)) < 0)
		return;
	dlen = (size_t)k + 1;
	while (dlen > 1 && s[dlen - 1] == '/')
		dlen--;
	if ((size_t)k + 1 == len) {
		if ((k = last_slash(s, dlen)) < 0)
			return;
		dlen = (size_t)k + 1;
		while (dlen > 1 && s[dlen - 1] == '/')
			dlen--;
	}
	sl->s = s;
	sl->len = dlen;
}

/* The value of replacement kind for field f, as one or two slices. */
static size_t
value_slices(enum tmpl_repl kind, const struct field *f, struct field *sl)
{
	size_t n;

	switch (kind) {
	case TMPL_NOEXT:
		sl[0] = *f;
		n = 1;
		noext_slices(sl, &n);
		return n;
	case TMPL_BASE:
		return base_slices(f->s, f->len, sl);
	case TMPL_DIR:
		dir_slice(f->s, f->len, sl);
		return 1;
	case TMPL_BASENOEXT:
		n = base_slices(f->s, f->len, sl);
		noext_slices(sl, &n);
		return n;
	default:
		sl[0] = *f;
		return 1;
	}
}

/* Expansion state: the output, the flat field list, the quoting mode. */
struct xctx {
	const struct tmpl *t;
	const struct tmpl_args *a;
	struct buf *out;
	const struct field *f;
	size_t n;
	size_t gstart;		/* -q: where the current word began */
	int noargs;		/* -N0: every value is empty, unquoted */
	const struct field *bad;	/* a value that may not go in */
	const char *why;		/* ... and why */
};

static void
x_sep(struct xctx *x)
{
	if (x->t->quote_words)
		shq_word(x->out, x->gstart);
	buf_addc(x->out, ' ');
	x->gstart = x->out->len;
}

/*
 * The field a positional replacement refers to, or NULL.  parallel indexes
 * its flat argument list with N-1, or with n+N for N <= 0, and a result
 * that is still negative counts from the end once more (Perl arrays), so
 * with two fields {-3} is the second.
 */
static const struct field *
x_posfield(const struct xctx *x, const struct piece *p)
{
	long long i, n;

	if (p->pos != POS_INDEX)
		return NULL;
	n = (long long)x->n;
	if (p->idx > 0)
		i = p->idx - 1;
	else {
		i = n + p->idx;
		if (i < 0)
			i += n;
	}
	if (i < 0 || i >= n)
		return NULL;
	return &x->f[i];
}

/*
 * Append the value of p for field f.  A {} that stands for several
 * arguments writes them separated by spaces: only the first follows the
 * template's text, so later ones (after_sep) drop QC_ESC and QC_DOLLAR.
 * Keeping QC_ESC wrote their first byte bare, with no backslash before
 * it: \{} with the arguments a and ;id ran id.
 */
static void
x_value(struct xctx *x, const struct piece *p, const struct field *f,
    int after_sep)
{
	struct field sl[2];
	char num[32];
	size_t n;
	unsigned qctx;
	int nulesc, len;

	if (f == NULL)
		return;		/* an absent positional is nothing, not '' */
	if (p->kind == TMPL_SEQ || p->kind == TMPL_SLOT) {
		if (p->kind == TMPL_SEQ)
			len = snprintf(num, sizeof(num), "%llu", x->a->seq);
		else
			len = snprintf(num, sizeof(num), "%u", x->a->slot);
		buf_add(x->out, num, (size_t)len);
		return;
	}
	if (x->noargs)
		return;
	n = value_slices((enum tmpl_repl)p->kind, f, sl);
	/* parallel rewrites NULs only when the first one is not at offset 0. */
	nulesc = f->len > 0 && f->s[0] != '\0';
	if (x->t->quote_args && (p->qctx & QC_ARITH)) {
		/* bash runs $(...) in an array subscript of arithmetic,
		 * whatever the quotes: a number, or nothing. */
		if (shq_integer(sl, n))
			raw_slices(x->out, sl, n, 0);
		else if (x->bad == NULL) {
			x->bad = f;
			x->why = "is not an integer, and the command "
			    "evaluates it as arithmetic";
		}
	} else if (x->t->quote_args && (p->qctx & QC_COMMENT) &&
	    (memchr(sl[0].s, '\n', sl[0].len) != NULL ||
	    (n > 1 && memchr(sl[1].s, '\n', sl[1].len) != NULL))) {
		if (x->bad == NULL) {
			x->bad = f;
			x->why = "holds a newline, which would end the # "
			    "comment it goes in";
		}
	} else if (x->t->quote_args) {
		qctx = p->qctx;
		if (after_sep)
			qctx &= ~(unsigned)(QC_ESC | QC_DOLLAR);
		shq_for(x->out, qctx, sl, n, nulesc);
	} else
		raw_slices(x->out, sl, n, nulesc);
}

const struct field *
tmpl_expand(const struct tmpl *t, const struct tmpl_args *a, struct buf *out,
    const char **why)
{
	static const struct field empty = { "", 0 };
	const struct piece *p, *q;
	struct xctx x;
	size_t i, j, k;

	x.t = t;
	x.a = a;
	x.out = out;
	x.f = a->f;
	x.n = a->nargs * a->ncols;
	/* A job without arguments (-N0) sees one empty argument that, as in
	 * parallel, is not even quoted: "echo x" runs echo with one word. */
	x.noargs = x.n == 0;
	x.bad = NULL;
	x.why = NULL;
	if (x.n == 0) {
		x.f = &empty;
		x.n = 1;
	}
	buf_grow(out, 0);
	x.gstart = out->len;
	for (i = 0; i < t->npc; i++) {
		p = &t->pc[i];
		switch (p->type) {
		case PC_LIT:
			buf_add(out, t->text + p->off, p->len);
			break;
		case PC_SEP:
			x_sep(&x);
			break;
		case PC_REPL:
			if (p->pos != POS_NONE) {
				x_value(&x, p, x_posfield(&x, p), 0);
				break;
			}
			for (j = 0; j < x.n; j++) {
				if (j > 0)
					x_sep(&x);
				x_value(&x, p, &x.f[j], j > 0);
			}
			break;
		case PC_GROUP:
			/* Without {} etc. the group is written once. */
			for (j = 0; j < x.n && (j == 0 || p->normal); j++) {
				if (j > 0)
					x_sep(&x);
				for (k = 1; k <= p->len; k++) {
					q = p + k;
					if (q->type == PC_LIT)
						buf_add(out, t->text + q->off,
						    q->len);
					else if (q->pos == POS_NONE)
						x_value(&x, q, &x.f[j], 0);
					else
						x_value(&x, q,
						    x_posfield(&x, q), 0);
				}
			}
			i += p->len;
			break;
		}
	}
	if (t->quote_words)
		shq_word(out, x.gstart);
	if (why != NULL)
		*why = x.why;
	return x.bad;
}
