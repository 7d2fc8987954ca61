/* SPDX-License-Identifier: MIT */
/*
 * Command-line options: one getopt_long table, value parsing and the
 * checks of option combinations.  The rest of the program reads the
 * result through a const struct tpmap_opts *.
 */
#ifndef TPMAP_OPTIONS_H
#define TPMAP_OPTIONS_H

#include <stddef.h>

#include "input.h"
#include "template.h"

enum out_mode {
	OUT_GROUP,		/* --group: whole jobs, when they end */
	OUT_LINE,		/* --line-buffer: whole lines as they come */
	OUT_UNGROUP		/* -u: the jobs' own descriptors */
};

struct tpmap_opts {
	/* Input */
	struct input_opts in;
	struct input_source *sources;	/* owned; in.sources points here */
	char *delim_buf;		/* -d after escapes, owned */
	int no_run_if_empty;		/* -r */
	size_t max_args;		/* -n, -N, -X, -m; 0: one per job */
	int max_args_given;		/* -n/-N/-X/-m given (-n 0 with -N0) */
	int replace_args;		/* -N: exactly, {N} count per job */
	size_t max_lines;		/* -L */
	size_t max_chars;		/* -s; 0: the system's limit */
	int xargs_mode;			/* -X or -m: fill the command line */

	/* Templates */
	struct tmpl_opts tmpl;
	char *const *command;		/* words before :::, or NULL */
	size_t ncommand;

	/* Scheduling */
	unsigned jobs;			/* -j, resolved */

	/* Output */
	enum out_mode out_mode;
	int keep_order;			/* -k */
	int tag;			/* --tag */
	const char *tagstring;		/* --tagstring */
	const char *results;		/* --results DIR */
	int files;			/* --files */
	int dry_run;			/* --dry-run */
	int trace;			/* -t: commands to stderr */
	int verbose;			/* --verbose: commands to stderr */
};

/* Parse argv into *o.  Exits 0 after --help or --version, 255 after a
 * bad option or value, with a one-line message naming it. */
void opts_parse(struct tpmap_opts *o, int argc, char *argv[]);
void opts_release(struct tpmap_opts *o);

/* Parse a -j value: N, +N, -N, N% or 0 (as many as possible), relative to
 * ncpus.  Returns 0 and stores the job count, or -1 with *errstr set. */
int opts_parse_jobs(const char *s, unsigned ncpus, unsigned *jobs,
    const char **errstr);

/* The number of CPUs this process may use: its affinity mask, further
 * limited by the cgroup CPU quota; at least 1. */
unsigned opts_ncpus(void);

#endif /* TPMAP_OPTIONS_H */
