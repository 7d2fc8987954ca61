/* SPDX-License-Identifier: MIT */
/*
 * The parsers of option values that are more than a number: job counts,
 * --halt, durations, --timeout, --termseq, sizes.  Each takes the string
 * and returns 0 with the result, or -1 with a message for the caller to
 * print next to the option's name; none prints or exits, which is what
 * lets the fuzzer call them.  All are thread-safe.
 */
#ifndef TPMAP_OPTPARSE_H
#define TPMAP_OPTPARSE_H

#include <stddef.h>

/* Descriptors a running job holds: two output pipes (both ends while it
 * starts), its slot's wake-up pipe and its pidfd; 16 are left for tpmap. */
#define FDS_PER_JOB 7

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

struct termseq {
	int sig[TERMSEQ_MAX];
	unsigned ms[TERMSEQ_MAX];
	size_t n;
};

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

/* Parse a --block value as GNU parallel does: a number (decimals too),
 * optionally negative, with K M G T for powers of 1024 and k m g t for
 * powers of 1000.  Returns 0, or -1 with *errstr set. */
int opts_parse_block(const char *s, long long *bytes, const char **errstr);

#endif /* TPMAP_OPTPARSE_H */
