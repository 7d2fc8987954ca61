/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the quoting round trip.  The input, NUL bytes dropped
 * (a command line cannot carry them), is a value.  It is quoted with
 * shq_append and expanded into fixed templates that put it in each
 * quoting context tmpl_expand knows (plain, "...", '...', after a
 * backslash, inside a word, $(...), `...`, ${x:-...}, a here-document's
 * body); the result must read back as exactly the value.  In arithmetic
 * the value must go in as it is when it is an integer and make the job
 * fail otherwise.  cmd_split checks the contexts it can
 * split on every input; a real shell checks all of them on a sample of
 * inputs (see fz_sh_due), since it costs a process each.  Any difference
 * aborts: it is either lost data or, worse, data run as code.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "execpath.h"
#include "fuzz.h"
#include "shquote.h"
#include "template.h"
#include "util.h"

/*
 * Templates cmd_split can check, with the words they must split into:
 * in the expected words '@' stands for the value.  esc: the value follows
 * a backslash, so an empty value or one starting with a newline is
 * written after a line continuation, which only a shell can run.
 */
static const struct {
	const char *tmpl;
	const char *words[8];
	int esc;
} split_cases[] = {
	{ "c {} x{}y", { "c", "@", "x@y", NULL }, 0 },
	{ "c \\{} x\\{}", { "c", "@", "x@", NULL }, 1 },
};

/* What shq_append's output must split into, after a command name (a
 * first word would be refused for being "echo" or empty). */
static const char *const quoted_words[] = { "c", "@", NULL };

/*
 * Templates for the real shell and the output they must give.  '@' is the
 * value, '#' the value without trailing newlines (a command substitution
 * drops them).  x is unset: fz_sh_run gives the shell a fixed environment.
 * Every case must read back the same in dash and bash, which disagree on
 * single quotes inside "${...}": tmpl_expand double-quotes a value there.
 * Inside the template's quotes the shell yields the value quoted once
 * more, for a second shell: sh -c "printf %s {}" and its kin must print
 * the value, whatever quotes that second shell reads around it.
 */
static const struct {
	const char *tmpl;
	const char *want;
} sh_cases[] = {
	{ "printf %s {}:\\{}:x{}y", "@:@:x@y" },
	{ "/bin/sh -c \"printf %s {}:'{}':\\\"{}\\\":x{}y\"", "@:@:@:x@y" },
	{ "/bin/sh -c 'printf %s {}:\"{}\":x{}y'", "@:@:x@y" },
	{ "eval \"printf %s {}\"; /bin/sh -c \"printf %s :\\${x:-{}}\"", "@:@" },
	{ "a=$(printf %s {}); b=`printf %s {}`; "
	    "printf %s \"$a:$b\"", "#:#" },
	{ "f=${x:-{}}; printf %s \"$f\"", "@" },
	{ "printf %s x${x:-\\{}}:\\$\\{}", "x@:$@" },
	/* Here-documents: the body is read by a second shell, and no line
	 * of the value may end it early, with or without <<-. */
	{ "/bin/sh <<EOF\nprintf %s {}:\"{}\"\nEOF", "@:@" },
	{ "/bin/sh <<-EOF\n\tprintf %s {}:x{}y\n\tEOF\nprintf %s :", "@:x@y:" },
	{ "eval \"$(/bin/cat <<EOF\nprintf %s x{}y\nEOF\n)\"", "x@y" },
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	fz_init((*argv)[0]);
	return 0;
}

/* Replace '@' in pat by v and '#' by v without trailing newlines. */
static void
want_add(struct buf *b, const char *pat, const char *v, size_t vlen)
{
	size_t n;

	for (; *pat != '\0'; pat++) {
		if (*pat == '@')
			buf_add(b, v, vlen);
		else if (*pat == '#') {
			for (n = vlen; n > 0 && v[n - 1] == '\n'; n--)
				continue;
			buf_add(b, v, n);
		} else
			buf_addc(b, *pat);
	}
}

/* Expand template tmpl (one command word) with the single value v;
 * returns what tmpl_expand returns. */
static const struct field *
expand(const char *tmpl, const char *v, size_t vlen, struct buf *out)
{
	const struct field *bad;
	struct tmpl_opts o;
	struct tmpl_args a;
	struct field f;
	struct tmpl *t;
	char *words[1], err[256];

	memset(&o, 0, sizeof(o));
	words[0] = (char *)tmpl;
	if (tmpl_parse(&t, words, 1, &o, err, sizeof(err)) != 0)
		fz_fail("template %s: %s", tmpl, err);
	f.s = v;
	f.len = vlen;
	memset(&a, 0, sizeof(a));
	a.f = &f;
	a.nargs = 1;
	a.ncols = 1;
	a.seq = 1;
	a.slot = 1;
	bad = tmpl_expand(t, &a, out, NULL);
	tmpl_free(t);
	return bad;
}

/* In arithmetic an integer goes in as it is, anything else nowhere. */
static void
check_arith(const char *v, size_t vlen)
{
	struct buf line, want;
	struct field f;
	int isint;

	memset(&line, 0, sizeof(line));
	memset(&want, 0, sizeof(want));
	f.s = v;
	f.len = vlen;
	isint = shq_integer(&f, 1);
	if ((expand("echo $(( {} )) $[{}] ${a[{}]}", v, vlen, &line) ==
	    NULL) != isint) {
		fz_show("value", v, vlen);
		fz_fail("arithmetic took a value it must not, or refused one "
		    "it must take");
	}
	want_add(&want, "echo $(( @ )) $[@] ${a[@]}", v, vlen);
	if (isint && (line.len != want.len ||
	    memcmp(line.p, want.p, want.len) != 0)) {
		fz_show("value", v, vlen);
		fz_show("line", line.p, line.len);
		fz_fail("an integer in arithmetic is not written as it is");
	}
	buf_free(&line);
	buf_free(&want);
}

static void
check_split(const char *line, size_t len, const char *const *words,
    int esc, const char *v, size_t vlen)
{
	struct buf want;
	char **argv;
	size_t i;

	if (!cmd_split(line, len, &argv)) {
		if (esc && (vlen == 0 || v[0] == '\n'))
			return;
		fz_show("value", v, vlen);
		fz_show("line", line, len);
		fz_fail("cmd_split cannot split a quoted value");
	}
	memset(&want, 0, sizeof(want));
	for (i = 0; words[i] != NULL; i++) {
		buf_reset(&want);
		want_add(&want, words[i], v, vlen);
		if (argv[i] == NULL || strlen(argv[i]) != want.len ||
		    memcmp(argv[i], want.p, want.len) != 0) {
			fz_show("value", v, vlen);
			fz_show("line", line, len);
			fz_show("want", want.p, want.len);
			if (argv[i] != NULL)
				fz_show("got", argv[i], strlen(argv[i]));
			fz_fail("word %zu of the line is not what was quoted", i);
		}
	}
	if (argv[i] != NULL) {
		fz_show("value", v, vlen);
		fz_show("line", line, len);
		fz_fail("the line splits into more than %zu words", i);
	}
	buf_free(&want);
	free(argv);
}

static void
check_sh(const char *line, size_t len, const char *pat, const char *v,
    size_t vlen)
{
	const char *const *sh;
	struct buf want, got;
	int st;

	memset(&want, 0, sizeof(want));
	memset(&got, 0, sizeof(got));
	buf_grow(&want, 0);	/* p is not NULL, for memcmp */
	buf_grow(&got, 0);
	want_add(&want, pat, v, vlen);
	for (sh = fz_shells(); *sh != NULL; sh++) {
		buf_reset(&got);
		st = fz_sh_run(*sh, line, &got);
		if (st == 0 && got.len == want.len &&
		    memcmp(got.p, want.p, want.len) == 0)
			continue;
		fz_show("value", v, vlen);
		fz_show("line", line, len);
		fz_show("want", want.p, want.len);
		fz_show("got", got.p, got.len);
		fz_fail("%s does not read the value back (status %d)", *sh,
		    st);
	}
	buf_free(&want);
	buf_free(&got);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf v, line;
	size_t i;

	memset(&v, 0, sizeof(v));
	memset(&line, 0, sizeof(line));
	for (i = 0; i < size; i++)
		if (data[i] != '\0')
			buf_addc(&v, (char)data[i]);
	buf_grow(&v, 0);

	buf_adds(&line, "c ");
	shq_append(&line, v.p, v.len);
	check_split(line.p, line.len, quoted_words, 0, v.p, v.len);
	for (i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
		buf_reset(&line);
		(void)expand(split_cases[i].tmpl, v.p, v.len, &line);
		check_split(line.p, line.len, split_cases[i].words,
		    split_cases[i].esc, v.p, v.len);
	}

	check_arith(v.p, v.len);
	if (fz_sh_due()) {
		buf_reset(&line);
		buf_adds(&line, "printf %s ");
		shq_append(&line, v.p, v.len);
		check_sh(line.p, line.len, "@", v.p, v.len);
		for (i = 0; i < sizeof(sh_cases) / sizeof(sh_cases[0]); i++) {
			buf_reset(&line);
			(void)expand(sh_cases[i].tmpl, v.p, v.len, &line);
			check_sh(line.p, line.len, sh_cases[i].want, v.p,
			    v.len);
		}
	}
	buf_free(&v);
	buf_free(&line);
	return 0;
}
