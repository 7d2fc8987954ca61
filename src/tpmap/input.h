/* SPDX-License-Identifier: MIT */
/*
 * Input: reads records from the input sources (stdin, -a files, ::: word
 * lists, :::: files), combines several sources into argument sets (the
 * cartesian product, first source varying slowest, or linked with --link,
 * :::+, ::::+), and splits records into columns (--colsep, --csv).
 * Records are bytes: NUL (with -d), invalid UTF-8, CR and lines of any
 * length pass through unchanged.  The first source is streamed; the others
 * are read whole, as the product needs them again and again.
 */
#ifndef TPMAP_INPUT_H
#define TPMAP_INPUT_H

#include <stddef.h>

#include "util.h"

enum input_kind {
	INPUT_STDIN,		/* standard input */
	INPUT_FILE,		/* -a FILE, :::: FILE ("-" is stdin) */
	INPUT_WORDS		/* ::: WORD... */
};

struct input_source {
	enum input_kind kind;
	const char *path;	/* INPUT_FILE */
	char *const *words;	/* INPUT_WORDS */
	size_t nwords;
	int linked;		/* :::+ / ::::+: linked to the source before */
};

struct input_opts {
	const struct input_source *sources;	/* none: stdin */
	size_t nsources;
	const char *delim;	/* record terminator, after escapes; NULL: "\n" */
	size_t delimlen;	/* -0: "\0", 1 */
	const char *eof_str;	/* -E: a record equal to this ends the input */
	const char *trim;	/* --trim: NULL, "n", "l", "r", "lr", "rl" */
	const char *colsep;	/* --colsep REGEX (POSIX ERE), or NULL */
	int csv;		/* --csv: RFC 4180 fields, colsep default "," */
	int header;		/* --header: first record(s) name the columns */
	int link;		/* --link: all sources linked */
};

struct input;

/*
 * Open the sources.  Returns 0, or -1 after printing a message with warn(3)
 * naming the culprit (an unreadable file, a bad --colsep regex).  Release
 * with input_free.
 */
int input_open(struct input **inp, const struct input_opts *o);
void input_free(struct input *in);

/*
 * The next argument set: 1 with *fp pointing at *ncols fields (one per
 * source, or per column), valid until the next call; 0 at the end of the
 * input; -1 after printing a message on a read error.  The number of
 * fields may differ between sets (--colsep lines of different widths).
 */
int input_next(struct input *in, const struct field **fp, size_t *ncols);

/* The --header column names, read by input_open (so that the template
 * can be parsed before the first job), or NULL and 0 without --header. */
char *const *input_colnames(struct input *in, size_t *n);

#endif /* TPMAP_INPUT_H */
