/* SPDX-License-Identifier: MIT */
/*
 * Running one job: the only module that creates processes.  A job is
 * started with posix_spawn (directly when its command line needs no shell,
 * else through the shell), in its own process group, with /dev/null as
 * stdin, its stdout and stderr going to pipes that the calling worker
 * drains into the job's buffers (or straight to tpmap's own descriptors
 * with -u), and its exit status collected with waitpid on its own pid.
 */
#ifndef TPMAP_SPAWN_H
#define TPMAP_SPAWN_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>
#include <time.h>

#include "options.h"
#include "template.h"
#include "util.h"

struct output;

/* One job, from its creation by main to its emission by output. */
struct job {
	unsigned long long seq;		/* {#}, from 1 */
	unsigned slot;			/* {%}, while running */
	char *cmd;			/* shell command line */
	size_t cmdlen;
	char **argv;			/* direct exec argv (one allocation) */
	char *tag;			/* --tag/--tagstring prefix, or NULL */
	size_t taglen;
	char *resname;			/* --results path below DIR, or NULL */
	int resfile;			/* resname is the stdout file's path */
	struct field *fields;		/* nargs sets of ncols fields */
	size_t nargs;
	size_t ncols;
	char *argbytes;			/* the fields' bytes */
	void *owner;			/* main's run context */
	double timeout;			/* seconds before termination, or 0 */
	int skipped;			/* never run: tpmap was stopping */
	/* Outcome, written by the worker that ran the job. */
	int started;			/* a process was created */
	int direct;			/* ... from argv, without the shell */
	int timed_out;			/* terminated after timeout */
	int terminated;			/* terminated on request (--halt now,
					 * a signal to tpmap) */
	unsigned attempts;		/* runs, with --retries */
	struct timespec wall_start;	/* for --joblog */
	int exitval;			/* exit code, or -1 when signalled */
	int sig;			/* terminating signal, or 0 */
	struct buf out;			/* grouped stdout */
	struct buf err;			/* grouped stderr */
	/* What did not fit the in-memory budget: the rest of each stream,
	 * after out / err, in an unlinked temporary file (-1: none), from
	 * offset spilloff.  A finished job held for its turn may be parked:
	 * out / err and its own spill moved into output's shared store,
	 * which spill[i] then names and job_free leaves open. */
	int spill[2];			/* stdout, stderr */
	size_t spilled[2];		/* bytes in them */
	off_t spilloff[2];
	int parked[2];
	size_t heldmem;			/* counted in output's held budget */
	struct timespec t_start;
	double runtime;			/* seconds */
	struct job *next;		/* output's reorder list */
};

struct spawn_ctx;

/* A new job with nothing in it, owned by the caller. */
struct job *job_new(void);

/* An unlinked temporary file in $TMPDIR (or /tmp), close-on-exec: nothing
 * is left behind on any exit, SIGKILL included.  -1 with errno on
 * failure. */
int spill_file(void);

/* Forget the job's output, the spilled part included (--retries). */
void job_reset_output(struct job *j);

/* Free a job and everything it owns; j may be NULL. */
void job_free(struct job *j);

/* Prepare what every job shares: the per-slot environments.
 * nslots is the job count.  Release with spawn_free. */
struct spawn_ctx *spawn_create(const struct tpmap_opts *o, unsigned nslots,
    struct output *out);
void spawn_free(struct spawn_ctx *sc);

/*
 * Run job j in slot j->slot (1..nslots, held by the caller) and wait for
 * it; fills the outcome fields.  Returns 0 when the job ran (whatever its
 * exit status), or an errno value when no process could be created.
 * Thread-safe for different slots; blocks until the job has ended.
 */
int spawn_run(struct spawn_ctx *sc, struct job *j);

/* Ask the job running in slot (1..nslots) to terminate: its worker sends
 * its process group the --termseq sequence.  Returns at once.  Call it
 * only while a job runs in the slot: a request made while the slot is
 * idle is kept and would end its next job at once.  Thread-safe and
 * async-signal-safe (an atomic store and a write(2)). */
void spawn_terminate(struct spawn_ctx *sc, unsigned slot);

/* While a job runs, also poll fd (tpmap's stdout, a pipe or socket) for
 * its reader going away; when it does, the job is terminated as by
 * spawn_terminate and spawn_output_gone says so from then on.  For a
 * run without a thread of its own to watch stdout.  Call before
 * spawn_run; not thread-safe. */
void spawn_watch_output(struct spawn_ctx *sc, int fd);
int spawn_output_gone(struct spawn_ctx *sc);

#endif /* TPMAP_SPAWN_H */
