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

#include "job.h"
#include "options.h"

struct output;
struct spawn_ctx;

/* Prepare what every job shares: the per-slot environments.
 * nslots is the job count.  Until spawn_free, an exit of the process on
 * any path (exit, err, a failed allocation) first ends the jobs still
 * running: see spawn_kill_all.  Release with spawn_free. */
struct spawn_ctx *spawn_create(const struct tpmap_opts *o, unsigned nslots,
    struct output *out);
void spawn_free(struct spawn_ctx *sc);

/* Send every running job's process group the --termseq sequence (waiting
 * its pauses, about 400 ms by default) and refuse to start more: for the
 * way out after a fatal error, when no worker may be left to do it.
 * Thread-safe; blocks for the sequence; called at exit by itself. */
void spawn_kill_all(struct spawn_ctx *sc);

/*
 * Run job j in slot j->slot (1..nslots, held by the caller) and wait for
 * it; fills the outcome fields and the output spools (with --line-buffer,
 * also writes the complete lines through output as they come).  The job
 * ends when its own process ends: its pipes are read for a short grace
 * after that, then closed, whoever else holds them.  Time tpmap itself
 * was stopped does not count against --timeout.  A job still running
 * after a --termseq sequence without KILL is left running, with a
 * warning.  Returns 0 when the job ran (whatever its exit status), or an
 * errno value when no process could be created.
 * Thread-safe for different slots; blocks until the job has ended.
 */
int spawn_run(struct spawn_ctx *sc, struct job *j);

/* Ask the job running in slot (1..nslots) to terminate: its worker sends
 * its process group the --termseq sequence.  Returns at once.  Call it
 * only while a job runs in the slot: a request made while the slot is
 * idle is kept and would end its next job at once.  Thread-safe and
 * async-signal-safe (an atomic store and a write(2)). */
void spawn_terminate(struct spawn_ctx *sc, unsigned slot);

/* Job control: stop every running job's process group with SIGSTOP, and
 * every job started from then on, until spawn_cont_all continues them
 * all with SIGCONT (which does nothing unless spawn_stop_all ran).
 * Thread-safe and async-signal-safe. */
void spawn_stop_all(struct spawn_ctx *sc);
void spawn_cont_all(struct spawn_ctx *sc);

/* Append to b a line "tpmap: COMMAND" for each running job, in slot
 * order, the lines separated by newlines (none at the end).  Thread-safe;
 * takes a lock, so not for a signal handler. */
void spawn_list(struct spawn_ctx *sc, struct buf *b);

/* While a job runs, also poll fd (tpmap's stdout, a pipe or socket) for
 * its reader going away; when it does, the job is terminated as by
 * spawn_terminate and spawn_output_gone says so from then on.  For a
 * run without a thread of its own to watch stdout.  Call before
 * spawn_run; not thread-safe. */
void spawn_watch_output(struct spawn_ctx *sc, int fd);
int spawn_output_gone(struct spawn_ctx *sc);

#endif /* TPMAP_SPAWN_H */
