/* SPDX-License-Identifier: MIT */
/*
 * A lexer that follows a POSIX shell's quoting through command text, one
 * byte at a time, to tell what quoting a value inserted at some point
 * sits in: plain text, "...", '...', ${...} inside or outside "...",
 * `...`, $(...), after a backslash or a bare $.  It only tracks quoting;
 * it does not parse commands.  Where bash and dash read the text
 * differently, or the nesting is beyond it, it refuses (shlex_repl says
 * why) rather than guesses.  Pure: no allocation, no I/O.
 */
#ifndef TPMAP_SHLEX_H
#define TPMAP_SHLEX_H

/* Quotes, $(...), ${...} and `...` nested deeper than this are refused. */
#define SHLEX_DEPTH 64

/* The lexer's state.  Zero-initialise to start at the top level of a
 * command; nothing to release.  The fields are the lexer's own, but for
 * esc and dollar, which a caller clears where a value it inserts takes
 * the \ or $ before it. */
struct shlex {
	unsigned char f[SHLEX_DEPTH];	/* frames, f[top] innermost */
	unsigned depth[SHLEX_DEPTH];	/* $(...) frames: open ( inside */
	unsigned char inner[SHLEX_DEPTH];	/* quoted frames: the quoting a
					 * second shell would read there */
	int top;
	int esc;			/* the last byte was an escaping \ */
	int dollar;			/* the last byte was a plain $ */
	char sqlast;			/* the last byte, inside '...' */
	int skip;			/* drop the next byte: ( of $( */
	int inword;			/* a # now would not start a comment */
	int nbq;			/* `...` frames on the stack */
	int bq_indq;			/* that `...` is inside "..." */
	int bq_bs;			/* in `...`: a \ not yet resolved */
	int bq_unesc;			/* the last byte lost a \ to `...` */
	int bq_nested;			/* an escaped ` seen inside `...` */
	const char *lost;		/* why the lexer cannot follow */
};

/* Feed one byte of command text; next is the following byte, or 0. */
void shlex_byte(struct shlex *l, char c, char next);

/* Whether two states quote what follows them alike. */
int shlex_same(const struct shlex *a, const struct shlex *b);

/*
 * A value is inserted at the current point.  Returns NULL and stores in
 * *qctx the QC_* context (shquote.h) to quote it for, or returns why it
 * cannot be quoted there (a static message).  The value, quoted to be
 * inert, leaves the state as it was, except that a \ or $ right before
 * it now belongs to the value.
 */
const char *shlex_repl(struct shlex *l, unsigned *qctx);

#endif /* TPMAP_SHLEX_H */
