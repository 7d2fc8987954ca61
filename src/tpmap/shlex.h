/* SPDX-License-Identifier: MIT */
/*
 * A lexer that follows a POSIX shell's quoting through command text, one
 * byte at a time, to tell what quoting a value inserted at some point
 * sits in: plain text, "...", '...', ${...} inside or outside "...",
 * `...`, $(...), after a backslash or a bare $, the body of a
 * here-document, or arithmetic, where bash evaluates the text ($((...)),
 * ((...)), $[...], let, NAME= after declare -i NAME, [[ x -eq y ]],
 * ${a[i]} unless declare -A a, ${x:offset:length}).  It tracks quoting and, to find those, a simple
 * command's first words; it does not parse commands.  Where bash and dash read the text
 * differently, or the nesting is beyond it, it refuses (shlex_repl says
 * why) rather than guesses.  Pure: no allocation, no I/O.
 */
#ifndef TPMAP_SHLEX_H
#define TPMAP_SHLEX_H

/* Quotes, $(...), ${...} and `...` nested deeper than this are refused. */
#define SHLEX_DEPTH 64
/* Here-document delimiters longer than this are not followed. */
#define SHLEX_HDMAX 32
/* Variables declared -A or -i remembered, and their names' size. */
#define SHLEX_NNAMES 16
#define SHLEX_NAMEMAX 32

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
	/* Simple commands, for the arithmetic some of them do. */
	unsigned char st[SHLEX_DEPTH];	/* command frames: where in the
					 * command; arithmetic: its kind */
	unsigned char wf[SHLEX_DEPTH];	/* command frames: the word's flags */
	unsigned wnum[SHLEX_DEPTH];	/* ... the number of its word */
	unsigned wprev[SHLEX_DEPTH];	/* ... and of the word before */
	unsigned wordno;		/* words started so far */
	char word[SHLEX_NAMEMAX];	/* the word's first bytes, quotes
					 * removed */
	unsigned wlen;
	int wquoted;			/* quotes or expansions in it */
	int wname;			/* a NAME so far (NAME= assigns) */
	int wexp;			/* an expansion in it: text unknown */
	int int_unknown;		/* declare -i of names not known */
	int dollar_esc;			/* the escaping \ followed a bare $ */
	int ansi_bs;			/* in $'...': a \ escapes the next */
	int pend_ansi;			/* a $ right before a ' */
	unsigned xdepth;		/* open extglob parens: @( !( ... */
	char prevc;			/* the last byte in a command frame */
	unsigned repl_word;		/* set by shlex_repl: the word of a
					 * value inside [[ ]], or 0 */
	unsigned arith_word;		/* that word, already read, is an
					 * operand of [[ -eq ]]: its values
					 * are arithmetic (the caller clears
					 * it) */
	char bname[SHLEX_NAMEMAX];	/* ${NAME...}: the name so far */
	unsigned bnlen;
	int bpos;			/* 1, 2: reading it; 3: after its
					 * subscript; 0: past them */
	char names[SHLEX_NNAMES][SHLEX_NAMEMAX];	/* declared -A or -i */
	unsigned char namekind[SHLEX_NNAMES];	/* NK_* in shlex.c */
	int nnames;
	/* Here-documents: the pending or open one. */
	int hd;				/* HD_* in shlex.c */
	int hd_frame;			/* the frame of its << */
	char hd_delim[SHLEX_HDMAX];
	unsigned hd_len;
	int hd_strip;			/* <<- */
	int hd_quoted;			/* delimiter quoted: literal body */
	int hd_odd;			/* delimiter too odd to follow */
	unsigned hd_pos;		/* body line: delimiter bytes held */
	int hd_ok;			/* ... the line may be the delimiter */
	int hd_lead;			/* ... only tabs so far */
};

/* Feed one byte of command text; next is the following byte, or 0. */
void shlex_byte(struct shlex *l, char c, char next);

/* Whether two states quote what follows them alike. */
int shlex_same(const struct shlex *a, const struct shlex *b);

/*
 * A value is inserted at the current point.  In arithmetic the context has
 * QC_ARITH: only an integer may go there.  Returns NULL and stores in
 * *qctx the QC_* context (shquote.h) to quote it for, or returns why it
 * cannot be quoted there (a static message).  The value, quoted to be
 * inert, leaves the state as it was, except that a \ or $ right before
 * it now belongs to the value.
 */
const char *shlex_repl(struct shlex *l, unsigned *qctx);

#endif /* TPMAP_SHLEX_H */
