/* SPDX-License-Identifier: MIT */
/*
 * --joblog: GNU parallel's tab-separated job log, or with --joblog-format
 * json (or a FILE.jsonl) one JSON object per line; one row per job written
 * with a single write(2) once the job's output has been delivered, so
 * that a tpmap killed with SIGKILL still leaves every such job logged, and
 * none whose output was lost; and reading a log of either format back for
 * --resume, --resume-failed and --retry-failed.
 *
 * A JSON row holds seq, host, slot, starttime, endtime, runtime,
 * stdin_bytes, stdout_bytes, stderr_bytes, exitval, signal, timed_out,
 * attempts, command, and argv when the job ran without a shell.  Rows are
 * valid UTF-8 JSON whatever bytes a command holds: the quote and the
 * backslash are escaped, control characters and DEL written as \u00XX,
 * and a byte that is not part of valid UTF-8 is shown as U+FFFD.  That
 * loses the byte, so such a row also carries the exact bytes in base64
 * (RFC 4648): "command_base64", and "argv_base64" with every argument.
 * Lone surrogates (\udcXX, Python's surrogateescape) were the other
 * candidate; strict parsers such as Rust's serde_json reject them.
 */
#ifndef TPMAP_JOBLOG_H
#define TPMAP_JOBLOG_H

#include "job.h"
#include "options.h"

struct joblog;

/* Open path for logging in format fmt: truncated (and given the tab
 * format's header), or with append kept (the header only if empty; a
 * non-empty log of the other format is refused).  Returns NULL after a
 * message naming the file.  Release with joblog_close. */
struct joblog *joblog_open(const char *path, int append,
    enum joblog_format fmt);

/* Log finished job j (its last attempt).  Not thread-safe: one thread
 * (the finisher) logs.  Returns 0 or an errno value; the first failure is
 * also reported once.  A row is written whole or not at all. */
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

/* Call fn for each well-formed row of the log at path, in file order,
 * each line read as JSON when it starts with {, else as a tab-separated
 * row.  A missing file is an empty log.  Returns 0, or -1 after a
 * message. */
int joblog_read(const char *path,
    void (*fn)(const struct joblog_row *row, void *arg), void *arg);

#endif /* TPMAP_JOBLOG_H */
