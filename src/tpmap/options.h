/* SPDX-License-Identifier: MIT */
/*
 * Command-line options: one getopt_long table, value parsing (optparse.h
 * for the values that are more than a number) and the checks of option
 * combinations.  The rest of the program reads the result through a
 * const struct tpmap_opts *.
 */
#ifndef TPMAP_OPTIONS_H
#define TPMAP_OPTIONS_H

#include <stddef.h>

#include "input.h"
#include "optparse.h"
#include "template.h"

enum out_mode {
	OUT_GROUP,		/* --group: whole jobs, when they end */
	OUT_LINE,		/* --line-buffer: whole lines as they come */
	OUT_UNGROUP		/* -u: the jobs' own descriptors */
};

/* --joblog-format: GNU parallel's tab-separated rows, or JSON lines. */
enum joblog_format { JOBLOG_TSV, JOBLOG_JSON };

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

	/* --pipe, --pipepart: blocks of input as the jobs' stdin */
	int pipe;			/* --pipe, or --pipepart */
	int pipepart;			/* --pipepart: ranges of the -a files */
	int cat;			/* --cat: the block as a file, {} */
	int fifo;			/* --fifo: ... as a named pipe, {} */
	int round_robin;		/* --round-robin: -j jobs, blocks dealt */
	int tee;			/* --tee: every job gets all of stdin */
	long long block;		/* --block: bytes; -N: N blocks per
					 * job slot (--pipepart); 0: default */
	const char *recstart;		/* --recstart, or NULL */
	const char *recend;		/* --recend, or NULL */
	int regexp;			/* --regexp: both are regexes */
	int rrs;			/* --rrs: remove them from blocks */
	const char *header;		/* --header's value */

	/* Templates */
	struct tmpl_opts tmpl;
	char *const *command;		/* words before :::, or NULL */
	size_t ncommand;

	/* Scheduling */
	unsigned jobs;			/* -j, resolved */
	double delay;			/* --delay: seconds between starts */
	double timeout;			/* --timeout SECS, or 0 */
	unsigned timeout_pct;		/* --timeout N%: of the median, or 0 */
	struct termseq termseq;		/* --termseq */
	unsigned retries;		/* --retries: attempts per job, >= 1 */
	struct halt halt;		/* --halt */
	int shuf;			/* --shuf */
	double load;			/* --load: start below this, or 0 */
	unsigned long long memfree;	/* --memfree: bytes, or 0 */
	const char *joblog;		/* --joblog FILE, or NULL */
	int joblog_append;		/* --joblog +FILE */
	enum joblog_format joblog_format; /* --joblog-format, or from a
					 * .jsonl name */
	int resume;			/* --resume */
	int resume_failed;		/* --resume-failed */
	int retry_failed;		/* --retry-failed */

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
	int progress;			/* --progress: counts on stderr */
	int eta;			/* --eta: and the time left */
	int bar;			/* --bar: and a bar */
	unsigned long long total_jobs;	/* --total-jobs, or 0 */
};

/* Parse argv into *o.  Exits 0 after --help or --version, 255 after a
 * bad option or value, with a one-line message naming it. */
void opts_parse(struct tpmap_opts *o, int argc, char *argv[]);
void opts_release(struct tpmap_opts *o);

/* The number of CPUs this process may use: its affinity mask, further
 * limited by the cgroup CPU quota; at least 1. */
unsigned opts_ncpus(void);

#endif /* TPMAP_OPTIONS_H */
