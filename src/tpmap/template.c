/* SPDX-License-Identifier: MIT */
/*
 * Command templates, as GNU parallel 20221122 builds its command lines: the
 * command words are searched once for replacement strings and compiled into
 * a list of pieces (pieces.h), so that expanding a job (expand.c) is one
 * linear pass that only appends to the caller's buffer.  Every rule here
 * (which strings are found, when values are quoted and in what shell
 * context, how -X repeats a word) copies what parallel does, quirks
 * included, because scripts and --dry-run output depend on it.  The file
 * does no I/O and never evaluates {= perl =} expressions.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pieces.h"
#include "shlex.h"
#include "shquote.h"
#include "template.h"
#include "util.h"

/*
 * Positions larger than this are treated as absent.  Perl would index with
 * a floating-point number there, which no real job reaches.
 */
#define POS_MAX 1000000000000000LL

/* A growable array of pieces, used while parsing. */
struct pcvec {
	struct piece *v;
	size_t n;
	size_t cap;
};

/* A replacement string and what it stands for. */
struct rplkey {
	const char *s;
	size_t len;
	enum tmpl_repl kind;
};

static const char *const default_repl[TMPL_NREPL] = {
	"{}", "{.}", "{/}", "{//}", "{/.}", "{#}", "{%}"
};

static void
pc_push(struct pcvec *pv, const struct piece *p)
{
	if (pv->n == pv->cap) {
		pv->cap = pv->cap ? 2 * pv->cap : 16;
		pv->v = xreallocarray(pv->v, pv->cap, sizeof(*pv->v));
	}
	pv->v[pv->n++] = *p;
}

static void
pc_lit(struct pcvec *pv, size_t off, size_t len)
{
	struct piece p;

	/* Empty literals come from splitting and would only cost time. */
	if (len == 0)
		return;
	memset(&p, 0, sizeof(p));
	p.type = PC_LIT;
	p.off = off;
	p.len = len;
	pc_push(pv, &p);
}

/*
 * Rewrite {name} {name/} {name//} {name.} {name/.} into {id} ... as
 * parallel does for --header, textually and before anything else, so that
 * the positional rules then apply.  parallel uses the name as a regex; here
 * it is literal.
 */
static char *
colname_rewrite(const char *w, const char *name, size_t id)
{
	static const char *const sfx[] = { "}", "/}", "//}", ".}", "/.}" };
	struct buf b;
	size_t nl, sl, i;
	char num[32];
	const char *p;

	memset(&b, 0, sizeof(b));
	nl = strlen(name);
	snprintf(num, sizeof(num), "{%zu", id);
	for (p = w; *p != '\0';) {
		if (*p == '{' && strncmp(p + 1, name, nl) == 0) {
			for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
				sl = strlen(sfx[i]);
				if (strncmp(p + 1 + nl, sfx[i], sl) == 0)
					break;
			}
			if (i < sizeof(sfx) / sizeof(sfx[0])) {
				buf_adds(&b, num);
				buf_adds(&b, sfx[i]);
				p += 1 + nl + strlen(sfx[i]);
				continue;
			}
		}
		buf_addc(&b, *p++);
	}
	return buf_detach(&b, NULL);
}

/*
 * parallel's -I, --er, ... move the default string's meaning to the new
 * key in this order, each one overwriting whatever the key meant before
 * (--bnr '{.}' makes {.} the basename and {.} loses its default).
 */
static size_t
rpl_keys(const struct tmpl_opts *o, struct rplkey *k)
{
	static const enum tmpl_repl order[TMPL_NREPL] = {
		TMPL_ARG, TMPL_NOEXT, TMPL_BASE, TMPL_DIR, TMPL_SEQ,
		TMPL_SLOT, TMPL_BASENOEXT
	};
	struct rplkey tmp;
	size_t n, i, j, from;
	enum tmpl_repl kind, r;
	const char *old, *new;

	for (n = 0; n < TMPL_NREPL; n++) {
		k[n].s = default_repl[n];
		k[n].len = strlen(default_repl[n]);
		k[n].kind = (enum tmpl_repl)n;
	}
	for (i = 0; i < TMPL_NREPL; i++) {
		r = order[i];
		old = default_repl[r];
		if ((new = o->repl[r]) == NULL || strcmp(old, new) == 0)
			continue;
		/* A key deleted by an earlier rename means {} in parallel. */
		kind = TMPL_ARG;
		for (from = 0; from < n; from++)
			if (strcmp(k[from].s, old) == 0)
				break;
		if (from < n) {
			kind = k[from].kind;
			k[from] = k[--n];
		}
		for (j = 0; j < n; j++)
			if (strcmp(k[j].s, new) == 0)
				break;
		if (j == n)
			n++;
		k[j].s = new;
		k[j].len = strlen(new);
		k[j].kind = kind;
	}
	/* Longest first, as a short key may be part of a long one. */
	for (i = 1; i < n; i++) {
		tmp = k[i];
		for (j = i; j > 0 && k[j - 1].len < tmp.len; j--)
			k[j] = k[j - 1];
		k[j] = tmp;
	}
	return n;
}

static int
is_perlspace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/*
 * Match parallel's positional form of key at s: \{(-?\d+)\s*REST where
 * REST is key without its leading {, with the regex's backtracking.  On a
 * match store the length and the -?\d+ span.
 */
static int
match_positional(const char *s, size_t len, const struct rplkey *k,
    size_t *mlen, size_t *nstart, size_t *nlen)
{
	size_t i, nd, ns, d, w;

	if (len < 2 || s[0] != '{')
		return 0;
	i = 1;
	if (s[i] == '-')
		i++;
	for (nd = 0; i + nd < len && s[i + nd] >= '0' && s[i + nd] <= '9';)
		nd++;
	for (d = nd; d > 0; d--) {
		ns = 0;
		if (d == nd)
			while (i + d + ns < len && is_perlspace(s[i + d + ns]))
				ns++;
		for (w = ns + 1; w-- > 0;) {
			if (i + d + w + k->len - 1 > len ||
			    memcmp(s + i + d + w, k->s + 1, k->len - 1) != 0)
				continue;
			*mlen = i + d + w + k->len - 1;
			*nstart = 1;
			*nlen = i - 1 + d;
			return 1;
		}
	}
	return 0;
}

/*
 * Turn the -?\d+ of a positional match into a piece.  parallel pastes the
 * number in front of the replacement's code, and {#} {%} code starts with
 * "1 " (that is what keeps {#} from repeating per argument), so {2#}
 * reads field 21.  The number "0" is false in Perl: {0} is {}.
 */
static void
set_position(struct piece *p, const char *num, size_t len)
{
	long long v;
	size_t i;
	int neg;

	neg = num[0] == '-';
	i = neg ? 1 : 0;
	if (p->kind != TMPL_SEQ && p->kind != TMPL_SLOT &&
	    len == 1 && num[0] == '0') {
		p->pos = POS_NONE;
		return;
	}
	v = 0;
	for (; i < len; i++) {
		if (v > POS_MAX)
			break;
		v = v * 10 + (num[i] - '0');
	}
	if (p->kind == TMPL_SEQ || p->kind == TMPL_SLOT)
		v = v * 10 + 1;
	if (v > POS_MAX) {
		p->pos = POS_EMPTY;
		return;
	}
	p->pos = POS_INDEX;
	p->idx = neg ? -v : v;
}

/*
 * One round of parallel's search: replace every occurrence of key (or, if
 * positional, of its {N...} form) in the literal pieces, left to right.
 * Pieces already found are never searched again.
 */
static void
find_key(struct pcvec *pv, const char *text, const struct rplkey *k,
    int positional)
{
	struct pcvec nv;
	struct piece r;
	size_t i, at, start, end, mlen, ns, nl;
	const char *s;

	memset(&nv, 0, sizeof(nv));
	for (i = 0; i < pv->n; i++) {
		if (pv->v[i].type != PC_LIT) {
			pc_push(&nv, &pv->v[i]);
			continue;
		}
		start = pv->v[i].off;
		end = start + pv->v[i].len;
		for (at = start; at < end;) {
			s = text + at;
			memset(&r, 0, sizeof(r));
			r.type = PC_REPL;
			r.kind = (unsigned char)k->kind;
			if (!positional) {
				if (end - at < k->len ||
				    memcmp(s, k->s, k->len) != 0) {
					at++;
					continue;
				}
				mlen = k->len;
				r.pos = POS_NONE;
				/* {#} {%} are "positional 1" (see above). */
				if (k->kind == TMPL_SEQ || k->kind == TMPL_SLOT) {
					r.pos = POS_INDEX;
					r.idx = 1;
				}
			} else {
				if (!match_positional(s, end - at, k, &mlen,
				    &ns, &nl)) {
					at++;
					continue;
				}
				set_position(&r, s + ns, nl);
			}
			pc_lit(&nv, start, at - start);
			pc_push(&nv, &r);
			at += mlen;
			start = at;
		}
		pc_lit(&nv, start, end - start);
	}
	free(pv->v);
	*pv = nv;
}

/*
 * parallel stops quoting values altogether when a replacement string comes
 * before the first blank, newline or = of the command line: the value is
 * then (part of) the command itself, as in "parallel {}" or "my_{}".
 */
static int
repl_in_first_word(const struct pcvec *pv, const char *text)
{
	size_t i, j;
	const char *s;

	for (i = 0; i < pv->n; i++) {
		switch (pv->v[i].type) {
		case PC_REPL:
			return 1;
		case PC_LIT:
			s = text + pv->v[i].off;
			for (j = 0; j < pv->v[i].len; j++)
				if (s[j] == ' ' || s[j] == '\t' ||
				    s[j] == '\n' || s[j] == '=')
					return 0;
			break;
		default:
			return 0;
		}
	}
	return 0;
}

/*
 * [[ x -eq y ]]: the word before -eq, already read, is arithmetic; so
 * are the replacements in it, among the first n pieces.
 */
static const char *
arith_back(struct pcvec *pv, size_t n, struct shlex *l)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (pv->v[i].type != PC_REPL || pv->v[i].word != l->arith_word)
			continue;
		if (pv->v[i].qctx & (QC_ESC | QC_DOLLAR))
			return "a replacement string after \\ or $ in "
			    "arithmetic";
		pv->v[i].qctx |= QC_ARITH;
	}
	l->arith_word = 0;
	return NULL;
}

/*
 * Record in each replacement the quoting it sits in.  Values are quoted
 * to be inert in their context, so they never change the lexer's state.
 * Returns NULL, or why a replacement sits where it cannot be quoted.
 */
static const char *
mark_quotes(struct pcvec *pv, const char *text)
{
	struct shlex l;
	struct piece *p;
	const char *s, *why;
	size_t i, j;
	unsigned qctx;

	memset(&l, 0, sizeof(l));
	for (i = 0; i < pv->n; i++) {
		p = &pv->v[i];
		switch (p->type) {
		case PC_LIT:
			s = text + p->off;
			for (j = 0; j < p->len; j++) {
				shlex_byte(&l, s[j],
				    j + 1 < p->len ? s[j + 1] : 0);
				if (l.arith_word != 0 &&
				    (why = arith_back(pv, i, &l)) != NULL)
					return why;
			}
			break;
		case PC_SEP:
			shlex_byte(&l, ' ', 0);
			if (l.arith_word != 0 &&
			    (why = arith_back(pv, i, &l)) != NULL)
				return why;
			break;
		case PC_REPL:
			if ((why = shlex_repl(&l, &qctx)) != NULL)
				return why;
			p->qctx = (unsigned short)qctx;
			p->word = l.repl_word;
			break;
		}
	}
	return NULL;
}

/*
 * -X: split the words into context groups, as parallel does: a group ends
 * at a word boundary, a space or a tab; a space is then copied as text and
 * a tab starts the next group (so "a\tb{}" repeats "\tb{}").  Newlines do
 * not end a group.
 *
 * parallel splits without regard to quotes, and so does tpmap, but a
 * group that is repeated must leave the shell's quoting as it found it:
 * otherwise the second copy of "a{}b in 'x {}' starts inside the quotes
 * the first one opened, and its value, quoted for the first copy's
 * context, could end them.  A lexer runs alongside to check that.
 */
/* Close a -X context group: with a replacement it gets a PC_GROUP head. */
static void
ctx_flush(struct pcvec *out, struct pcvec *g, int *has_repl, int *normal)
{
	struct piece hdr;
	size_t j;

	if (*has_repl) {
		memset(&hdr, 0, sizeof(hdr));
		hdr.type = PC_GROUP;
		hdr.normal = (unsigned char)*normal;
		hdr.len = g->n;
		pc_push(out, &hdr);
	}
	for (j = 0; j < g->n; j++)
		pc_push(out, &g->v[j]);
	g->n = 0;
	*has_repl = *normal = 0;
}

static const char *
build_context(struct pcvec *out, const struct pcvec *in, const char *text)
{
	struct pcvec g;
	struct shlex l, start;
	const char *why = NULL;
	size_t i, k, s, e;
	int has_repl, normal;

	memset(&g, 0, sizeof(g));
	memset(&l, 0, sizeof(l));
	start = l;
	has_repl = normal = 0;
/* End the group being built; a repeated one must be quote-neutral. */
#define GROUP_END() do {						\
		if (has_repl && why == NULL && !shlex_same(&start, &l))	\
			why = "-X: a replacement string in a word whose " \
			    "quotes go on past a space or tab";		\
		ctx_flush(out, &g, &has_repl, &normal);			\
	} while (0)
	for (i = 0; i < in->n; i++) {
		switch (in->v[i].type) {
		case PC_REPL:
			has_repl = 1;
			if (in->v[i].pos == POS_NONE)
				normal = 1;
			pc_push(&g, &in->v[i]);
			l.esc = l.dollar = 0;	/* as mark_quotes */
			break;
		case PC_SEP:
			GROUP_END();
			pc_push(out, &in->v[i]);
			shlex_byte(&l, ' ', 0);
			start = l;
			break;
		default:
			s = in->v[i].off;
			e = s + in->v[i].len;
			for (k = s; k < e; k++) {
				if (text[k] == ' ' || text[k] == '\t') {
					pc_lit(&g, s, k - s);
					GROUP_END();
					if (text[k] == ' ') {
						pc_lit(out, k, 1);
						s = k + 1;
						shlex_byte(&l, text[k],
						    text[k + 1]);
						start = l;
						continue;
					}
					/* The tab opens the next group. */
					start = l;
					s = k;
				}
				shlex_byte(&l, text[k],
				    k + 1 < e ? text[k + 1] : 0);
			}
			pc_lit(&g, s, e - s);
			break;
		}
	}
	GROUP_END();
#undef GROUP_END
	free(g.v);
	return why;
}

/* {= and a later =} make a perl expression, which tpmap cannot run. */
static int
has_perl_expr(char *const *words, size_t nwords)
{
	struct buf b;
	const char *l;
	size_t i;
	int r;

	memset(&b, 0, sizeof(b));
	for (i = 0; i < nwords; i++) {
		if (i > 0)
			buf_addc(&b, ' ');
		buf_adds(&b, words[i]);
	}
	r = 0;
	if (b.len > 0 && (l = strstr(b.p, "{=")) != NULL)
		r = strstr(l + 2, "=}") != NULL;
	buf_free(&b);
	return r;
}

int
tmpl_parse(struct tmpl **tp, char *const *words, size_t nwords,
    const struct tmpl_opts *o, char *err, size_t errlen)
{
	struct rplkey keys[2 * TMPL_NREPL];
	struct pcvec pv, cv;
	struct piece p;
	struct tmpl *t;
	struct buf text;
	char **w, *nw;
	const char *why;
	size_t i, j, nkeys;

	for (i = 0; i < TMPL_NREPL; i++) {
		if (o->repl[i] != NULL && o->repl[i][0] == '\0') {
			snprintf(err, errlen, "%s: empty replacement string",
			    default_repl[i]);
			return -1;
		}
	}
	if (has_perl_expr(words, nwords)) {
		snprintf(err, errlen,
		    "{= =}: perl expressions are not supported");
		return -1;
	}

	/* --header names first: parallel rewrites them textually. */
	w = xcalloc(nwords ? nwords : 1, sizeof(*w));
	for (i = 0; i < nwords; i++)
		w[i] = xstrdup(words[i]);
	for (j = 0; o->colnames != NULL && j < o->ncolnames; j++) {
		for (i = 0; i < nwords; i++) {
			nw = colname_rewrite(w[i], o->colnames[j], j + 1);
			free(w[i]);
			w[i] = nw;
		}
	}

	memset(&text, 0, sizeof(text));
	memset(&pv, 0, sizeof(pv));
	memset(&p, 0, sizeof(p));
	for (i = 0; i < nwords; i++) {
		if (i > 0) {
			p.type = PC_SEP;
			pc_push(&pv, &p);
		}
		pc_lit(&pv, text.len, strlen(w[i]));
		buf_adds(&text, w[i]);
		free(w[i]);
	}
	free(w);
	buf_grow(&text, 0);

	nkeys = rpl_keys(o, keys);
	for (i = 0; i < nkeys; i++) {
		find_key(&pv, text.p, &keys[i], 0);
		if (keys[i].s[0] == '{')
			find_key(&pv, text.p, &keys[i], 1);
	}

	t = xcalloc(1, sizeof(*t));
	for (i = 0; i < pv.n; i++) {
		if (pv.v[i].type != PC_REPL)
			continue;
		t->has_repl = 1;
		if (pv.v[i].kind == TMPL_SLOT)
			t->uses_slot = 1;
	}
	if (!t->has_repl && !o->raw && !o->no_append) {
		/* No replacement string: parallel appends a {} word, which
		 * is quoted for where it lands like any other: after
		 * "cat <<EOF ..." it is in the here-document. */
		memset(&p, 0, sizeof(p));
		if (nwords > 0) {
			p.type = PC_SEP;
			pc_push(&pv, &p);
		}
		p.type = PC_REPL;
		p.kind = TMPL_ARG;
		p.pos = POS_NONE;
		pc_push(&pv, &p);
	}

	/* Without quoting (-q quotes whole words, --tagstring is no
	 * command), where a value sits in the shell's text is moot. */
	if (!o->raw && !o->quote_cmd &&
	    (why = mark_quotes(&pv, text.p)) != NULL) {
		if (!t->has_repl && !o->raw && !o->no_append)
			snprintf(err, errlen, "%s, where the arguments would "
			    "be appended: put {} where they go", why);
		else
			snprintf(err, errlen, "%s", why);
		free(pv.v);
		buf_free(&text);
		free(t);
		return -1;
	}
	t->quote_words = o->quote_cmd != 0;
	t->quote_args = !t->quote_words && !o->raw &&
	    !repl_in_first_word(&pv, text.p);

	if (o->context == TMPL_CTX_WORD) {
		memset(&cv, 0, sizeof(cv));
		why = build_context(&cv, &pv, text.p);
		free(pv.v);
		pv = cv;
		if (why != NULL) {
			snprintf(err, errlen, "%s", why);
			free(pv.v);
			buf_free(&text);
			free(t);
			return -1;
		}
	}
	t->text = buf_detach(&text, NULL);
	t->pc = pv.v;
	t->npc = pv.n;
	*tp = t;
	return 0;
}

void
tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	free(t->text);
	free(t->pc);
	free(t);
}

int
tmpl_has_repl(const struct tmpl *t)
{
	return t->has_repl;
}

int
tmpl_uses_slot(const struct tmpl *t)
{
	return t->uses_slot;
}
