/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: tmpl_parse and tmpl_expand with fuzzed command words,
 * argument values and options.  Input layout, chosen so that mutations
 * keep most of an input's meaning:
 *
 *   byte 0   flags: 0x01 -q, 0x02 -X context, 0x04 raw (--tagstring),
 *            0x18 columns - 1, 0x20 \x01 in values means NUL (-0 data),
 *            0x40 --header names follow
 *   byte 1   which custom replacement strings follow (bit i: enum
 *            tmpl_repl i, as -I, --er, ...)
 *   byte 2   low 3 bits: number of command words; the rest: {#} - 1
 *   then NUL-separated items: the replacement strings, the header names
 *   (one per column), the words, and the values, as many argument sets
 *   as there are whole rows of values.
 *
 * Nothing may crash or leak, and expanding must be a pure function.  For
 * the safety property, that no value becomes shell code, the target
 * compares three expansions: with probe values "x/y.z" and "a b/c d.e"
 * and with the fuzzed values.  When both probe lines split without a
 * shell (cmd_split) into the same number of words, the values were quoted
 * (the second probe holds a space in every derived part, so an unquoted
 * value would add words), and then the fuzzed line must split too, into
 * as many words, and every word the probes agree on (one without a value
 * in it) must be unchanged.  Contexts that need a shell ($(...), `...`,
 * ${...}) are checked by fuzz-shq against a real one.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "execpath.h"
#include "fuzz.h"
#include "pieces.h"
#include "shquote.h"
#include "template.h"
#include "util.h"

#define MAX_ITEMS	64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	struct tmpl_opts o;
	char *words[8];
	size_t nwords;
	struct field vals[MAX_ITEMS];
	size_t nvals;
	char *names[4];
	struct tmpl_args a;
};

/* Expand, and check that doing it again appends the same bytes. */
static void
expand(const struct tmpl *t, const struct tmpl_args *a, struct buf *out)
{
	size_t len;

	buf_reset(out);
	(void)tmpl_expand(t, a, out, NULL);
	len = out->len;
	if (out->p[len] != '\0')
		fz_fail("expansion not NUL-terminated");
	(void)tmpl_expand(t, a, out, NULL);
	if (out->len != 2 * len || memcmp(out->p, out->p + len, len) != 0) {
		fz_show("first", out->p, len);
		fz_show("second", out->p + len, out->len - len);
		fz_fail("expanding twice gave different lines");
	}
	out->len = len;
	out->p[len] = '\0';
}

static size_t
nwords(char **argv)
{
	size_t n;

	for (n = 0; argv[n] != NULL; n++)
		continue;
	return n;
}

/*
 * The line with every value replaced by probe (and, if nfields > 0, with
 * that many one-column arguments instead), after a command name of its
 * own: cmd_split refuses some first words (empty, echo, ...) whatever
 * their quoting, and a value can be the first word.
 */
static void
probe_line(const struct tmpl *t, const struct input *in, const char *probe,
    size_t nfields, struct buf *out)
{
	struct field pv[MAX_ITEMS];
	struct tmpl_args pa;
	struct buf tmp;
	size_t i;

	for (i = 0; i < in->nvals; i++) {
		pv[i].s = probe;
		pv[i].len = strlen(probe);
	}
	pa = in->a;
	pa.f = pv;
	if (nfields > 0) {
		pa.nargs = nfields;
		pa.ncols = 1;
	}
	memset(&tmp, 0, sizeof(tmp));
	expand(t, &pa, &tmp);
	buf_reset(out);
	buf_adds(out, "c ");
	buf_add(out, tmp.p, tmp.len);
	buf_free(&tmp);
}

static int
contains(const struct buf *b, const char *s)
{
	size_t i, n = strlen(s);

	for (i = 0; i + n <= b->len; i++)
		if (memcmp(b->p + i, s, n) == 0)
			return 1;
	return 0;
}

static void
check_safety(const struct tmpl *t, const struct input *in,
    const struct buf *line)
{
	struct buf l1, l2, lv;
	char **w1, **w2, **wv;
	size_t i, n;
	int raw;

	/* A NUL first byte goes into the line raw (as parallel does):
	 * such a line can never skip the shell. */
	for (i = 0; i < in->nvals; i++)
		if (in->vals[i].len > 0 && in->vals[i].s[0] == '\0')
			return;
	/* Where only an integer may go (arithmetic) or no newline (a #
	 * comment), a probe is left out and the job not run: the words
	 * are not the probes' to keep. */
	for (i = 0; i < t->npc; i++)
		if (t->pc[i].type == PC_REPL &&
		    (t->pc[i].qctx & (QC_ARITH | QC_COMMENT)))
			return;
	memset(&l1, 0, sizeof(l1));
	memset(&l2, 0, sizeof(l2));
	memset(&lv, 0, sizeof(lv));
	w1 = w2 = wv = NULL;

	/*
	 * Values are not quoted at all when a replacement string is part of
	 * the command name.  Quoting for any context changes a ' or a ", so
	 * only then do both probes come out as they went in.  The probes
	 * are paths so that {.} {/} {//} {/.} keep the quote too.
	 */
	probe_line(t, in, "a'b/a'b.a'b", 0, &l1);
	raw = contains(&l1, "a'b");
	probe_line(t, in, "a\"b/a\"b.a\"b", 0, &l1);
	if (raw && contains(&l1, "a\"b"))
		goto out;

	/*
	 * -X repeats the word around {} once per argument.  If that word
	 * leaves a quote open, the next copy starts inside it, in a context
	 * the template was not quoted for: "{}'" with two arguments is
	 * "a' b'".  Such a template is broken for one argument or for two,
	 * which is how it is recognised and left out.
	 */
	for (i = 1; i <= 2 && i < in->nvals; i++) {
		probe_line(t, in, "x/y.z", i, &l1);
		if (!cmd_split(l1.p, l1.len, &w1))
			goto out;
		free(w1);
		w1 = NULL;
	}

	probe_line(t, in, "x/y.z", 0, &l1);
	probe_line(t, in, "a b/c d.e", 0, &l2);
	buf_adds(&lv, "c ");
	buf_add(&lv, line->p, line->len);
	if (!cmd_split(l1.p, l1.len, &w1) || !cmd_split(l2.p, l2.len, &w2))
		goto out;
	n = nwords(w1);
	if (nwords(w2) != n) {
		fz_show("probe line", l1.p, l1.len);
		fz_show("probe line", l2.p, l2.len);
		fz_fail("a space in a quoted value made another word");
	}
	if (!cmd_split(lv.p, lv.len, &wv)) {
		/* After a \ in the template, a value that is empty or
		 * starts with a newline follows a line continuation. */
		for (i = 0; i + 1 < lv.len; i++)
			if (lv.p[i] == '\\' && lv.p[i + 1] == '\n')
				goto out;
		fz_show("probe line", l1.p, l1.len);
		fz_show("line", lv.p, lv.len);
		fz_fail("values made a plain command line need a shell");
	}
	if (nwords(wv) != n) {
		fz_show("probe line", l1.p, l1.len);
		fz_show("line", lv.p, lv.len);
		fz_fail("values changed the number of words: %zu, not %zu",
		    nwords(wv), n);
	}
	for (i = 0; i < n; i++) {
		if (strcmp(w1[i], w2[i]) == 0 && strcmp(w1[i], wv[i]) != 0) {
			fz_show("probe line", l1.p, l1.len);
			fz_show("line", lv.p, lv.len);
			fz_fail("values changed word %zu: %s", i, w1[i]);
		}
	}
out:
	free(w1);
	free(w2);
	free(wv);
	buf_free(&l1);
	buf_free(&l2);
	buf_free(&lv);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in;
	struct tmpl *t;
	struct buf line, items;
	char *item[MAX_ITEMS], err[256], *p, *end;
	size_t nitems, k, i, j, ncols, nw;
	unsigned flags, mask;

	if (size < 3)
		return 0;
	flags = data[0];
	mask = data[1];
	nw = data[2] & 7;
	memset(&in, 0, sizeof(in));
	in.a.seq = 1 + (data[2] >> 3);
	in.a.slot = 1 + ((data[2] >> 3) & 3);
	ncols = 1 + ((flags >> 3) & 3);

	/* Items are NUL-separated, and keep their terminators: they are
	 * used as C strings too. */
	memset(&items, 0, sizeof(items));
	buf_add(&items, data + 3, size - 3);
	nitems = 0;
	for (p = items.p, end = items.p + items.len;
	    p <= end && nitems < MAX_ITEMS; p += strlen(p) + 1)
		item[nitems++] = p;
	k = 0;

	for (i = 0; i < TMPL_NREPL; i++)
		if ((mask & (1u << i)) && k < nitems)
			in.o.repl[i] = item[k++];
	if (flags & 0x40) {
		for (i = 0; i < ncols && k < nitems; i++)
			in.names[i] = item[k++];
		in.o.colnames = in.names;
		in.o.ncolnames = i;
	}
	for (i = 0; i < nw && k < nitems; i++)
		in.words[in.nwords++] = item[k++];
	for (; k < nitems; k++) {
		in.vals[in.nvals].s = item[k];
		in.vals[in.nvals].len = strlen(item[k]);
		if (flags & 0x20)
			for (j = 0; j < in.vals[in.nvals].len; j++)
				if (item[k][j] == '\x01')
					item[k][j] = '\0';
		in.nvals++;
	}
	in.o.quote_cmd = (flags & 0x01) != 0;
	in.o.context = (flags & 0x02) ? TMPL_CTX_WORD : TMPL_CTX_NONE;
	in.o.raw = (flags & 0x04) != 0;
	in.a.f = in.vals;
	in.a.ncols = ncols;
	in.a.nargs = in.nvals / ncols;
	in.nvals = in.a.nargs * ncols;

	if (tmpl_parse(&t, in.words, in.nwords, &in.o, err,
	    sizeof(err)) != 0) {
		if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL)
			fz_fail("tmpl_parse failed without a message");
		buf_free(&items);
		return 0;
	}
	(void)tmpl_has_repl(t);
	(void)tmpl_uses_slot(t);
	memset(&line, 0, sizeof(line));
	expand(t, &in.a, &line);
	if (!in.o.quote_cmd && !in.o.raw)
		check_safety(t, &in, &line);
	tmpl_free(t);
	buf_free(&line);
	buf_free(&items);
	return 0;
}
