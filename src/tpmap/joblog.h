/* SPDX-License-Identifier: MIT */
/*
 * --joblog: GNU parallel's tab-separated job log, one row per job written
 * with a single write(2) as the job ends, so that a tpmap killed with
 * SIGKILL still leaves every finished job logged; and reading a log back
 * for --resume, --resume-failed and --retry-failed.
 */
#ifndef TPMAP_JOBLOG_H
#define TPMAP_JOBLOG_H

#include "spawn.h"

struct joblog;

/* Open path for logging: truncated and given the header, or with append
 * kept and given the header only if empty.  Returns NULL after a message
 * naming the file. */
struct joblog *joblog_open(const char *path, int append);

/* Log finished job j (its last attempt).  Thread-safe.  Returns 0 or an
 * errno value; the first failure is also reported once. */
int joblog_write(struct joblog *jl, const struct job *j);

void joblog_close(struct joblog *jl);

/* One row read back. */
struct joblog_row {
	unsigned long long seq;
	int exitval;
	int sig;
	const char *cmd;		/* valid during the callback only */
	size_t cmdlen;
};

/* Call fn for each well-formed row of the log at path, in file order.  A
 * missing file is an empty log.  Returns 0, or -1 after a message. */
int joblog_read(const char *path,
    void (*fn)(const struct joblog_row *row, void *arg), void *arg);

#endif /* TPMAP_JOBLOG_H */
