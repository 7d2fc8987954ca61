/* SPDX-License-Identifier: MIT */
/*
 * Job sources: where the main loop gets its next job.  A source makes NEW
 * jobs with their sequence number and arguments (not yet their command
 * line: build.c's), one at a time, as the input is read:
 *
 *   - the input stream: records from stdin, files and ::: words, grouped
 *     into jobs by -n, -N, -X and -m (filling the command line);
 *   - every job first: another source read to its end before the first
 *     job runs, to shuffle the jobs (--shuf) or to know the total that
 *     --halt's N% counts, or its first jobs up to a limit, for the
 *     progress line's total;
 *   - the failed rows of a job log (--retry-failed).
 *
 * A source may make a job already SKIPPED: a sequence number that will not
 * run (a row of the log that succeeded), which must still reach output.
 * Blocks of stdin or of a file (--pipe, --pipepart, pipesrc.c) are one
 * more struct source, and so are the streams of --round-robin and --tee
 * (spread.c).  Not thread-safe: the main thread alone reads them.
 */
#ifndef TPMAP_SOURCE_H
#define TPMAP_SOURCE_H

#include "build.h"
#include "input.h"
#include "job.h"
#include "options.h"

struct source {
	/* The next job into *jp: 1, 0 at the end, -1 on a read error
	 * (reported). */
	int (*next)(struct source *s, struct job **jp);
	/* After the main loop stopped early: the next job the source has
	 * already numbered (1), or 0 when there is none; each must reach
	 * output as SKIPPED.  NULL: a source that numbers as it reads. */
	int (*numbered)(struct source *s, struct job **jp);
	void (*free)(struct source *s);
	/* Jobs in all when the source knows before the first runs, else 0. */
	unsigned long long total;
};

/* The input stream as jobs.  in and b are borrowed and must outlive the
 * source. */
struct source *source_input(const struct tpmap_opts *o, struct input *in,
    const struct builder *b);

/* Every job of inner first, shuffled with shuffle; takes inner over.
 * Returns NULL after a read error (reported), inner freed. */
struct source *source_all(struct source *inner, int shuffle);

/* The first jobs of inner, up to limit, read before the first runs, so
 * that the total is known from the start when there are no more (the
 * progress line); takes inner over.  NULL after a read error (reported),
 * inner freed. */
struct source *source_ahead(struct source *inner, size_t limit);

/* --pipe: blocks of stdin, each one job's stdin.  NULL after a message
 * (a bad --recend, --recstart or --header, a read error). */
struct source *source_pipe(const struct tpmap_opts *o);

/* The header source_pipe read off the start of stdin (--header), *len
 * its size; NULL when there is none.  Borrowed: it lives as long as src. */
const char *source_pipe_header(struct source *src, size_t *len);

/* A NEW job whose stdin is in (owned): one empty argument, as GNU
 * parallel's jobs of --pipe have ({} is empty, --tag an empty tag). */
struct job *block_job(unsigned long long seq, struct jobin *in);

/* --round-robin: o->jobs jobs, each given the blocks of blocks (a
 * source_pipe, taken over) while it runs, a block to the job with the
 * least still to read.  NULL after a message, blocks freed. */
struct source *source_roundrobin(const struct tpmap_opts *o,
    struct source *blocks);

/* --tee: the jobs of args (the ::: values, taken over), each given all of
 * stdin while it runs.  All of them run at once: more than -j is refused.
 * NULL after a message, args freed. */
struct source *source_tee(const struct tpmap_opts *o, struct source *args);

/* --pipepart: byte ranges of the -a files, each one job's stdin, which
 * tpmap does not read.  NULL after a message. */
struct source *source_pipepart(const struct tpmap_opts *o);

/* The failed rows of the job log at path, with the commands as logged.
 * Returns NULL after a message. */
struct source *source_retry(const char *path);

/* Free s (NULL is fine). */
void source_free(struct source *s);

/* --resume, --resume-failed: what the job log says of each sequence
 * number. */
struct logset;

/* Read the job log at path; NULL after a message.  logset_free frees. */
struct logset *logset_read(const char *path);
void logset_free(struct logset *ls);

/* Whether the log has seq as run (and as succeeded, with ok_only). */
int logset_done(const struct logset *ls, unsigned long long seq,
    int ok_only);

#endif /* TPMAP_SOURCE_H */
