/* SPDX-License-Identifier: MIT */
/*
 * Turning a job's arguments into what runs: the command line from the
 * command template (or the arguments themselves, without a command), the
 * argv when the line needs no shell, the --tag/--tagstring prefix and the
 * --results path.  The templates are parsed once, by build_init; after
 * that every function only reads them, so workers may build jobs whose
 * command needs {%} while the main thread builds others.
 */
#ifndef TPMAP_BUILD_H
#define TPMAP_BUILD_H

#include "job.h"
#include "options.h"
#include "template.h"

struct builder {
	const struct tpmap_opts *o;
	struct tmpl *t;			/* the command, or NULL */
	struct tmpl *tagt;		/* --tagstring, expanded unquoted */
	struct tmpl *rest;		/* --results holding a replacement */
	char *const *colnames;		/* --header names, for --results */
	size_t ncolnames;
};

/* Parse the templates of o, with names the --header column names (n of
 * them); exits 255 with a message on a bad one.  Release with
 * build_release. */
void build_init(struct builder *b, const struct tpmap_opts *o,
    char *const *names, size_t n);
void build_release(struct builder *b);

/* Whether a job's command can only be built once its slot is known ({%}
 * in one of the templates). */
int build_needs_slot(const struct builder *b);

/* Whether --results holds a replacement string, naming each job's files
 * itself, rather than a directory. */
int build_results_template(const struct builder *b);

/* Fill j's cmd, argv (when it needs no shell and tpmap will run it), tag
 * and resname from its fields, seq and slot.  Thread-safe. */
void build_job(const struct builder *b, struct job *j);

/* The command line of n sets of ncols fields, into out (reset first):
 * the size -X and -m fill up to.  Returns its length. */
size_t build_line_length(const struct builder *b, const struct field *f,
    size_t n, size_t ncols, struct buf *out);

/* --dry-run's line for built job j: the command, after the tag with
 * --tag. */
void build_dry_line(const struct job *j, struct buf *out);

#endif /* TPMAP_BUILD_H */
