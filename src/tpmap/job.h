/* SPDX-License-Identifier: MIT */
/*
 * A job's life, from the source that makes it to the output that frees
 * it, as one explicit state and the transitions between states:
 *
 *   NEW ------> QUEUED ---> RUNNING ---> FINISHED --+--> (HELD) --> EMITTED
 *    |  \          |           |                    |
 *    |   `-------- | --------> +--> SKIPPED --------'
 *    `-------------+--------------'
 *
 * NEW -> RUNNING is the lone job run on the main thread.  A SKIPPED job
 * prints and logs nothing but still reaches output, so that with -k every
 * sequence number arrives exactly once.  job_to checks each transition
 * and aborts on one the table does not allow: a broken invariant is a bug
 * to see, not a state to limp on in.
 *
 * Who writes what: the main loop (a job source and build.c) the command
 * fields while the job is NEW; the worker that runs it (runner.c, spawn.c)
 * the outcome and the spools while RUNNING; the finisher (finish.c,
 * output.c) the rest.  Each hand-over goes through the executor or the
 * finisher's queue, whose locks order the writes: no field needs a lock.
 */
#ifndef TPMAP_JOB_H
#define TPMAP_JOB_H

#include <stddef.h>
#include <time.h>

#include "jobin.h"
#include "spool.h"
#include "util.h"

enum job_state {
	JOB_NEW,	/* made by a source; the main loop owns it */
	JOB_QUEUED,	/* handed to the executor, waiting for a worker */
	JOB_RUNNING,	/* a worker holds it in a slot */
	JOB_FINISHED,	/* ran to its end, or could not start: outcome final */
	JOB_SKIPPED,	/* prints nothing: not run (--resume, tpmap was
			 * stopping) or terminated because tpmap stopped */
	JOB_HELD,	/* finished; its output waits for its turn (-k) */
	JOB_EMITTED,	/* its output is out; only freeing is left */
	JOB_NSTATES
};

struct job {
	enum job_state state;
	unsigned long long seq;		/* {#}, from 1 */
	unsigned slot;			/* {%}, while running */
	unsigned long long turn;	/* place in the start order of
					 * --delay, --load and --memfree */
	/* The command, made by build.c. */
	char *cmd;			/* shell command line */
	size_t cmdlen;
	char **argv;			/* direct exec argv (one allocation) */
	char *tag;			/* --tag/--tagstring prefix, or NULL */
	size_t taglen;
	char *resname;			/* --results path below DIR, or NULL */
	char *refused;			/* why it must not run, or NULL */
	int resfile;			/* resname is the stdout file's path */
	struct field *fields;		/* nargs sets of ncols fields */
	size_t nargs;
	size_t ncols;
	char *argbytes;			/* the fields' bytes */
	struct jobin *in;		/* its stdin (--pipe), owned, or
					 * NULL: /dev/null */
	unsigned long long sent;	/* bytes given on stdin (--joblog) */
	void *owner;			/* the runner */
	/* The outcome, written by the worker that runs the job. */
	double timeout;			/* seconds before termination, or 0 */
	int started;			/* a process was created */
	int direct;			/* ... from argv, without the shell */
	int timed_out;			/* terminated after timeout */
	int terminated;			/* terminated on request (--halt now,
					 * a signal to tpmap) */
	int unread;			/* some of its output could not be
					 * read from its pipes: lost */
	unsigned attempts;		/* runs, with --retries */
	struct timespec wall_start;	/* for --joblog */
	struct timespec t_start;
	double runtime;			/* seconds */
	int exitval;			/* exit code, or -1 when signalled */
	int sig;			/* terminating signal, or 0 */
	/* Its stdout and stderr; output.c's while the job is held. */
	struct spool out[2];
	size_t heldmem;			/* counted in output's held budget */
	int parked;			/* the spools are in output's store */
};

/* A NEW job with nothing in it, owned by the caller; job_free frees it. */
struct job *job_new(void);

/* Free a job and everything it owns; j may be NULL. */
void job_free(struct job *j);

/* Move j to state to, aborting if the transition is not one of those
 * drawn above. */
void job_to(struct job *j, enum job_state to);

/* Forget the job's output, the file part included (--retries). */
void job_reset_output(struct job *j);

#endif /* TPMAP_JOB_H */
