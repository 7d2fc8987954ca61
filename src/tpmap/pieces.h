/* SPDX-License-Identifier: MIT */
/*
 * A compiled template, private to the two files that implement
 * template.h: template.c compiles the command words into this list of
 * pieces once, and expand.c walks it once per job.  Nothing else may
 * look inside a struct tmpl.
 */
#ifndef TPMAP_PIECES_H
#define TPMAP_PIECES_H

#include <stddef.h>

/*
 * A template is a list of pieces.  PC_SEP is parallel's "\0spc": the
 * boundary between two command words, or between the values of several
 * arguments; it becomes one space, and with -q it also ends the group of
 * bytes that is quoted as one word.  PC_GROUP (only with -X) says that the
 * next len pieces are one context group, repeated once per argument.
 */
enum pc_type {
	PC_LIT,
	PC_SEP,
	PC_REPL,
	PC_GROUP
};

/* Which argument a replacement takes its value from. */
enum pc_pos {
	POS_NONE,		/* {}: every argument in turn */
	POS_INDEX,		/* {N}: one field of the flat list, if present */
	POS_EMPTY		/* {N} beyond any list: always empty */
};

struct piece {
	unsigned char type;	/* enum pc_type */
	unsigned char kind;	/* PC_REPL: enum tmpl_repl */
	unsigned char pos;	/* PC_REPL: enum pc_pos */
	unsigned char normal;	/* PC_GROUP: holds a POS_NONE replacement */
	unsigned short qctx;	/* PC_REPL: QC_* shell quoting around it */
	long long idx;		/* POS_INDEX: 1-based, or 0/negative from end */
	unsigned word;		/* PC_REPL: its word inside [[ ]], or 0 */
	size_t off;		/* PC_LIT: offset in text */
	size_t len;		/* PC_LIT: bytes; PC_GROUP: pieces that follow */
};

struct tmpl {
	char *text;		/* literal bytes of all the command words */
	struct piece *pc;
	size_t npc;
	int has_repl;		/* the user wrote a replacement string */
	int uses_slot;
	int quote_words;	/* -q: quote every word after expansion */
	int quote_args;		/* quote each inserted value */
};

#endif /* TPMAP_PIECES_H */
