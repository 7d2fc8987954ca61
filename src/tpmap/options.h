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

/* --halt: when to stop (never, soon: start nothing new, now: also
 * terminate the running jobs) and on what. */
enum halt_when { HALT_NEVER, HALT_SOON, HALT_NOW };
enum halt_why { HALT_FAIL, HALT_SUCCESS, HALT_DONE };

struct halt {
	enum halt_when when;
	enum halt_why why;
	unsigned long long count;	/* this many jobs, or */
	unsigned percent;		/* this % of all jobs (1-100), or 0 */
};

/* --termseq: signals to send a job, each followed by a wait in ms. */
#define TERMSEQ_MAX 32

/* --joblog-format: GNU parallel's tab-separated rows, or JSON lines. */
enum joblog_format { JOBLOG_TSV, JOBLOG_JSON };

struct termseq {
	int sig[TERMSEQ_MAX];
	unsigned ms[TERMSEQ_MAX];
	size_t n;
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

/* Parse a -j value: N, +N, -N, N% or 0 (as many as possible), relative to
 * ncpus.  Returns 0 and stores the job count, or -1 with *errstr set. */
int opts_parse_jobs(const char *s, unsigned ncpus, unsigned *jobs,
    const char **errstr);

/* Parse a --halt value: never, soon|now,fail|success|done=N|N%, or the
 * legacy 0, 1, 2, -1, -2, N%.  Returns 0, or -1 with *errstr set. */
int opts_parse_halt(const char *s, struct halt *h, const char **errstr);

/* Parse a duration: a decimal number of seconds, or a sequence of
 * numbers with d, h, m, s units (1h30m, 2.5s).  Returns 0, or -1 with
 * *errstr set. */
int opts_parse_duration(const char *s, double *secs, const char **errstr);

/* Parse a --timeout value: a duration, or N% of the median runtime of the
 * successful jobs (*pct set, *secs 0). */
int opts_parse_timeout(const char *s, double *secs, unsigned *pct,
    const char **errstr);

/* Parse a --termseq value: SIG,MS,SIG,MS,... with signal names (TERM,
 * SIGTERM) or numbers; a missing last MS is 0. */
int opts_parse_termseq(const char *s, struct termseq *t,
    const char **errstr);

/* Parse a size with an optional k, M, G, T suffix (powers of 1024). */
int opts_parse_size(const char *s, unsigned long long *bytes,
    const char **errstr);

/* The number of CPUs this process may use: its affinity mask, further
 * limited by the cgroup CPU quota; at least 1. */
unsigned opts_ncpus(void);

#endif /* TPMAP_OPTIONS_H */
