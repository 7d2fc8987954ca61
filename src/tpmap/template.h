/* SPDX-License-Identifier: MIT */
/*
 * Command templates: GNU parallel's replacement strings expanded into a
 * shell command line.  Pure functions: no I/O, no globals.  The quoting of
 * values is shquote.h's, and the decision whether a command line needs a
 * shell at all cmdline.h's.
 */
#ifndef TPMAP_TEMPLATE_H
#define TPMAP_TEMPLATE_H

#include <stddef.h>

#include "util.h"

/* Which replacement string a custom one (-I, --er, ...) stands for. */
enum tmpl_repl {
	TMPL_ARG,		/* {}    -I STR, --replace */
	TMPL_NOEXT,		/* {.}   --er, --extensionreplace */
	TMPL_BASE,		/* {/}   --bnr, --basenamereplace */
	TMPL_DIR,		/* {//}  --dnr, --dirnamereplace */
	TMPL_BASENOEXT,		/* {/.}  --bner, --basenameextensionreplace */
	TMPL_SEQ,		/* {#}   --seqreplace */
	TMPL_SLOT,		/* {%}   --slotreplace */
	TMPL_NREPL
};

/* How several arguments of one job (-n, -m, -X) fill a replacement. */
enum tmpl_context {
	TMPL_CTX_NONE,		/* -n/-m: {} is every argument, space-separated */
	TMPL_CTX_WORD		/* -X: the word around {} is repeated per argument */
};

struct tmpl_opts {
	const char *repl[TMPL_NREPL];	/* NULL: the default string */
	int quote_cmd;			/* -q: quote the command's own words */
	int raw;			/* no quoting, nothing appended: --tagstring */
	int no_append;			/* no {} appended: --pipe's jobs read
					 * their input from stdin */
	enum tmpl_context context;
	char *const *colnames;		/* --header names for {name}, or NULL */
	size_t ncolnames;
};

/* The arguments of one job: nargs argument sets (-n N gives up to N) of
 * ncols fields each (one per input source, or per --colsep column), row
 * major: field j of set i is f[i * ncols + j]. */
struct tmpl_args {
	const struct field *f;
	size_t nargs;
	size_t ncols;
	unsigned long long seq;		/* {#}, from 1 */
	unsigned slot;			/* {%}, from 1 */
};

struct tmpl;

/*
 * Parse the command words (argv after the options, before any :::) into a
 * template.  The words are joined with spaces into a shell command line (or
 * each quoted first, with quote_cmd) as GNU parallel does.  Returns 0, or -1
 * after writing a one-line message (no trailing newline) to err.  Release
 * with tmpl_free.
 */
int tmpl_parse(struct tmpl **tp, char *const *words, size_t nwords,
    const struct tmpl_opts *o, char *err, size_t errlen);
void tmpl_free(struct tmpl *t);

/* Whether the template holds any replacement string; without one the
 * arguments are appended, each quoted, separated by spaces. */
int tmpl_has_repl(const struct tmpl *t);

/* Whether the template uses {%}, whose value is known only when the job
 * starts. */
int tmpl_uses_slot(const struct tmpl *t);

/* Append the command line for args to out: every replacement is the
 * shell-quoted value, so no argument can become shell code.  In two
 * places no quoting keeps a value inert: where the shell evaluates it as
 * arithmetic only an integer may go, and in a # comment only a value
 * without a newline.  Returns NULL, or the first argument that broke
 * that rule (its place in out left empty), with why it may not go there
 * in *why: the job must not run. */
const struct field *tmpl_expand(const struct tmpl *t,
    const struct tmpl_args *a, struct buf *out, const char **why);

#endif /* TPMAP_TEMPLATE_H */
