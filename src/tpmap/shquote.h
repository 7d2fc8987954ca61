/* SPDX-License-Identifier: MIT */
/*
 * Shell quoting of argument values: GNU parallel's own quoting, which
 * leaves safe words alone and single-quotes the rest, and quoting for the
 * other places a template may put a value (inside "...", '...', ${...},
 * `...`, after a backslash or a $), so that the shell reads the value
 * back as exactly its bytes and never as code.  Pure functions that only
 * append to a buffer.  Finding the quoting context a value sits in is
 * shlex.c's business, not this file's.
 */
#ifndef TPMAP_SHQUOTE_H
#define TPMAP_SHQUOTE_H

#include <stddef.h>

#include "util.h"

/*
 * The shell quoting a replacement string sits in, found by lexing the
 * command text.  parallel always single-quotes a value, which is literal
 * inside '...' and "..." only when the value needs no quotes at all: a
 * value such as $(id) in "x {} y" runs.  tpmap quotes for the context
 * instead.  Inside the template's own quotes ("...", '...' and "${...}")
 * the value is written so that the shell yields parallel's single-quoted
 * form of it: a command that hands the text to another shell (sh -c
 * "...", ssh host "...") then gives that shell one quoted word, and
 * neither shell runs anything.
 *
 * QC_BRACE: inside ${...}, where the first } of a value would end the
 * expansion; a nested "..." keeps it, in bash and in dash alike.
 * QC_HDOC: in the body of a here-document whose delimiter is unquoted,
 * where $ ` and \ are special and quotes are not.  QC_ESC: the
 * replacement follows an unescaped backslash, which then applies to the
 * value's first byte.  QC_DOLLAR: it follows a bare $, which would
 * otherwise join the value: $(...), $name, bash's $'...'.  QC_BQ: inside
 * `...`, whose text the shell unescapes once (\\ \` \$) before it reads it
 * as a command.  QC_INDQ: the ${...} is itself inside "...", where a
 * backslash is literal before most bytes.  QC_ARITH: the shell evaluates
 * the value as arithmetic ($((...)), let, [[ x -eq y ]], ...), where bash
 * runs the command substitutions of an array subscript whatever the
 * quoting: only an integer may go there (shq_integer).  QC_IN_SQ and
 * QC_IN_DQ: inside the template's quotes, the text the shell yields there
 * is itself inside '...' or "..." for a second shell (sh -c "cat '{}'"),
 * and the value is quoted for that shell first.  QC_COMMENT: in a #
 * comment, where nothing is special but a newline, which ends it and
 * which no quoting keeps in: only a value without one may go there.
 */
enum {
	QC_NONE = 0,
	QC_DQ = 1,
	QC_SQ = 2,
	QC_BRACE = 3,
	QC_HDOC = 4,
	QC_CTX = 7,		/* mask of the five contexts above */
	QC_ESC = 8,
	QC_DOLLAR = 16,
	QC_BQ = 32,
	QC_INDQ = 64,
	QC_ARITH = 128,
	QC_IN_SQ = 256,		/* a second shell reads '...' there */
	QC_IN_DQ = 512,		/* ... or "..." */
	QC_COMMENT = 1024	/* in a # comment: no newline may go there */
};

/* Whether the n slices make an integer that every shell's arithmetic
 * reads as a plain number: an optional sign, then decimal digits or 0x
 * and hexadecimal digits. */
int shq_integer(const struct field *sl, size_t n);

/* Append s quoted for a POSIX shell as GNU parallel quotes it: unchanged if
 * non-empty and made only of [A-Za-z0-9_./+-], else in single quotes with
 * each ' written as '"'"'. */
void shq_append(struct buf *out, const char *s, size_t len);

/* Quote out->p[start, out->len) in place, as one word the way shq_append
 * would have appended it: -q quotes each word of the command after
 * expansion, not each value. */
void shq_word(struct buf *out, size_t start);

/*
 * Append the value made of the n slices sl so that the shell reads it
 * back literally in quoting context qctx (QC_* above).  With QC_ESC or
 * QC_DOLLAR the last byte of out must be the template's \ or $ before the
 * value, which is taken back and rewritten.  With nulesc each NUL byte is
 * written as the two characters \0, as parallel rewrites NULs in
 * arguments.  May advance sl[0] past a byte it writes itself.
 */
void shq_for(struct buf *out, unsigned qctx, struct field *sl, size_t n,
    int nulesc);

#endif /* TPMAP_SHQUOTE_H */
