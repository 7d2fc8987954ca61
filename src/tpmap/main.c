/* SPDX-License-Identifier: MIT */
/*
 * tpmap's main: the phases of a run, in order.  Parse the options; open
 * what the run needs (make's jobserver, the job log, the input, the
 * templates); choose where jobs come from (a source: the input stream,
 * all of it or its start first, or a job log to retry); feed every job to the runner,
 * one loop for every source; then let the runner finish and say the exit
 * status.  How a job runs and is printed is runner.c's; ARCHITECTURE.md
 * has the whole design.
 */
#define _DEFAULT_SOURCE	/* random, srandom */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "input.h"
#include "joblog.h"
#include "jobserver.h"
#include "options.h"
#include "output.h"
#include "pathnames.h"
#include "runner.h"
#include "source.h"

/*
 * Standard input, output or error closed (`2>&-`): the next file tpmap
 * opens would take its place, and the jobs' output, or tpmap's, would go
 * into a job's pipe or the job log.  Hold each place with /dev/null:
 * stdin reads nothing and stderr takes everything, as when GNU parallel
 * runs with them closed; stdout is opened for reading only, so that
 * writing to it fails and tpmap reports the output it could not write,
 * where GNU parallel loses it silently.
 */
static void
std_fds_hold(void)
{
	static const int modes[3] = { O_RDONLY, O_RDONLY, O_WRONLY };
	int fd;

	/* Lower descriptors are open by then, so open gives fd. */
	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF)
			(void)open(PATH_DEVNULL, modes[fd]);
}

/* Whether a run may be a single job run by runner_alone: its input is all
 * ::: words, so that looking for a second job cannot block, and nothing
 * needs a thread (the progress line, --resume). */
static int
may_run_alone(const struct tpmap_opts *o)
{
	size_t i;

	if (o->dry_run || o->in.nsources == 0 || o->bar || o->eta ||
	    o->progress || o->resume || o->resume_failed || o->retry_failed ||
	    o->tee)
		return 0;
	for (i = 0; i < o->in.nsources; i++)
		if (o->in.sources[i].kind != INPUT_WORDS)
			return 0;
	return 1;
}

/* The most jobs read before the first runs to learn the total for the
 * progress line: past it, the total shows once the input has ended. */
#define AHEAD_MAX 100000

/* Whether every input source is words or a file (not stdin), so that
 * reading the jobs first waits on nobody. */
static int
input_at_hand(const struct tpmap_opts *o)
{
	const struct input_source *s;
	size_t i;

	for (i = 0; i < o->in.nsources; i++) {
		s = &o->in.sources[i];
		if (s->kind == INPUT_STDIN ||
		    (s->kind == INPUT_FILE && strcmp(s->path, "-") == 0))
			return 0;
	}
	return o->in.nsources > 0;
}

/*
 * Hand job j to the runner: skipped when its source made it so or the
 * job log says it has run (--resume) or succeeded (--resume-failed),
 * printed with --dry-run, else queued to run.  Returns 0, or 255 when it
 * could not be queued.
 */
static int
dispatch(struct runner *r, struct job *j, const struct tpmap_opts *o,
    const struct logset *logs)
{
	if (j->state == JOB_SKIPPED ||
	    logset_done(logs, j->seq, !o->resume)) {
		runner_skip(r, j);
		return 0;
	}
	if (o->dry_run) {
		runner_dry_run(r, j);
		return 0;
	}
	return runner_submit(r, j);
}

/*
 * The one loop: every job of the source to the runner, until the source
 * ends or tpmap stops.  The first job waits for the second to be read:
 * without one, it runs alone, on this thread.  Returns 0, or 255 after a
 * read or submit error.
 */
static int
feed(struct runner *r, struct source *src, const struct tpmap_opts *o,
    const struct logset *logs)
{
	struct job *j, *first = NULL;
	int rc = 0, status = 0;

	while (status == 0 && !runner_stopping(r) &&
	    (rc = src->next(src, &j)) > 0) {
		if (j->seq == 1 && may_run_alone(o)) {
			first = j;
			continue;
		}
		if (first != NULL) {
			status = dispatch(r, first, o, logs);
			first = NULL;
			if (status != 0) {
				runner_skip(r, j);
				break;
			}
		}
		status = dispatch(r, j, o, logs);
	}
	if (rc < 0)
		status = 255;
	if (first != NULL) {
		if (rc == 0 && !runner_stopping(r))
			runner_alone(r, first);
		else if (status == 0 && !runner_stopping(r))
			status = dispatch(r, first, o, logs);
		else
			runner_skip(r, first);
	}
	/* Jobs the source numbered before tpmap stopped still reach output,
	 * as skipped: with -k, output waits for every number. */
	if (src->numbered != NULL)
		while (src->numbered(src, &j) > 0)
			runner_skip(r, j);
	return status;
}

int
main(int argc, char *argv[])
{
	struct tpmap_opts o;
	struct jobserver *js = NULL;
	struct joblog *jl = NULL;
	struct logset *logs = NULL;
	struct input *in = NULL;
	struct source *src = NULL;
	struct builder b;
	struct runner *r;
	char *const *names;
	size_t nnames;
	int status;

	/* 1. Options. */
	std_fds_hold();
	opts_parse(&o, argc, argv);
	if ((o.resume || o.resume_failed || o.retry_failed) && o.joblog == NULL)
		errx(255, "--resume, --resume-failed and --retry-failed "
		    "need --joblog");

	/* 2. What the run needs.  make's jobserver before any file is
	 * opened: a descriptor make named but closed must not be mistaken
	 * for one of ours.  With one job at a time the implicit slot is all
	 * tpmap needs.  Every early failure releases what is held, so that a
	 * leak checker sees none on these paths either. */
	if (!o.dry_run && o.jobs > 1)
		js = jobserver_open(getenv("MAKEFLAGS"));
	/* EPIPE instead of death when stdout goes away; jobs get SIG_DFL. */
	signal(SIGPIPE, SIG_IGN);
	status = 255;
	if ((o.resume || o.resume_failed) &&
	    (logs = logset_read(o.joblog)) == NULL)
		goto out;
	if (o.retry_failed && (src = source_retry(o.joblog)) == NULL)
		goto out;
	if (o.joblog != NULL && !o.dry_run &&
	    (jl = joblog_open(o.joblog, o.joblog_append || o.resume ||
	    o.resume_failed || o.retry_failed, o.joblog_format)) == NULL)
		goto out;
	/* --pipe reads stdin, --pipepart the -a files, by blocks: they
	 * give no arguments. */
	names = NULL;
	nnames = 0;
	if (o.pipe && !o.tee && src == NULL) {
		src = o.pipepart ? source_pipepart(&o) : source_pipe(&o);
		if (src != NULL && o.round_robin)
			src = source_roundrobin(&o, src);
		if (src == NULL)
			goto out;
	} else if (input_open(&in, &o.in) != 0) {
		goto out;
	} else {
		names = input_colnames(in, &nnames);
	}
	build_init(&b, &o, names, nnames);
	/* A --results DIR that cannot take files is refused before any job
	 * runs, rather than losing every job's output. */
	if (o.results != NULL && !o.dry_run && !build_results_template(&b) &&
	    out_results_dir(o.results) != 0) {
		build_release(&b);
		goto out;
	}

	/* 3. Where the jobs come from: the failed rows of the log, or the
	 * input, all of it first to shuffle it or to know what N% is of, or
	 * its start, for the progress line to know the total at once. */
	if (src == NULL)
		src = source_input(&o, in, &b);
	/* --tee: the values make the jobs, stdin their input. */
	if (o.tee && !o.retry_failed && (src = source_tee(&o, src)) == NULL) {
		build_release(&b);
		goto out;
	}
	if (o.shuf)
		srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	/* Streamed jobs must all be out before the input is read. */
	if (o.round_robin || o.tee)
		;
	else if (!o.retry_failed && (o.shuf || o.halt.percent > 0))
		src = source_all(src, o.shuf);
	else if ((o.bar || o.eta || o.progress) && !o.retry_failed &&
	    o.total_jobs == 0 && input_at_hand(&o))
		src = source_ahead(src, AHEAD_MAX);

	/* 4. Run every job. */
	r = runner_create(&o, &b, jl, js);
	if (src == NULL) {
		status = runner_finish(r, 255);
	} else {
		if (src->total > 0)
			runner_total(r, src->total);
		status = runner_finish(r, feed(r, src, &o, logs));
	}
	build_release(&b);
out:
	/* 5. Release, and say how it went. */
	source_free(src);
	input_free(in);
	joblog_close(jl);
	jobserver_free(js);
	logset_free(logs);
	opts_release(&o);
	return status;
}
