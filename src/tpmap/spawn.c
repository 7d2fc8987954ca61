/* SPDX-License-Identifier: MIT */
/*
 * Process creation for jobs.  Every job is one posix_spawn (vfork-like on
 * glibc and musl, so its cost does not grow with tpmap's memory), in a
 * process group of its own so that a whole job tree can be signalled, with
 * signals back at their defaults and an empty mask (the worker threads
 * that spawn run with every signal blocked).  The environment is not
 * copied per job: each slot owns an envp array made once, whose first four
 * entries (PARALLEL_SEQ, PARALLEL_JOBSLOT, TPMAP_SEQ, TPMAP_SLOT) are
 * rewritten in place by the one job that holds the slot.
 *
 * A command line that needs no shell is executed directly.  If that fails
 * (not found, not executable, not a binary) the same line is handed to the
 * shell after all, so that the job reports exactly what the shell would:
 * its message on the job's stderr and status 127 or 126.
 */
#define _DEFAULT_SOURCE	/* syscall, for pidfd_open */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "execpath.h"
#include "jobin.h"
#include "output.h"
#include "pathnames.h"
#include "spawn.h"

extern char **environ;

#define NJOBVARS 4

struct slot_env {
	char **envp;
	pid_t pid;			/* running job's pid, under pidmu */
	char vars[NJOBVARS][64];
	/* spawn_terminate sets kill and writes a byte to wake[1], so that
	 * the worker polling for the job's output sees it at once. */
	atomic_int kill;
	int wake[2];
};

struct spawn_ctx {
	char *shell;			/* found on first use, under shellmu */
	pthread_mutex_t shellmu;
	struct termseq termseq;
	enum out_mode mode;
	struct output *out;
	unsigned nslots;
	struct slot_env *slots;		/* index slot - 1 */
	pthread_mutex_t pidmu;
	int dying;			/* spawn_kill_all ran: start nothing */
	atomic_int spill_warned;	/* the spill failure was reported */
	int watchfd;			/* spawn_watch_output's, or -1 */
	atomic_int output_gone;		/* its reader went during a job */
};

static const char *const jobvars[NJOBVARS] = {
	"PARALLEL_SEQ", "PARALLEL_JOBSLOT", "TPMAP_SEQ", "TPMAP_SLOT"
};

/* The context whose jobs to end if the process exits while they run;
 * a global, as atexit handlers take no argument.  Set and cleared by the
 * main thread while no other runs jobs. */
static struct spawn_ctx *exit_ctx;

static void
kill_at_exit(void)
{
	if (exit_ctx != NULL)
		spawn_kill_all(exit_ctx);
}

/* Shells that understand sh -c and POSIX quoting, for $SHELL. */
static const char *const posix_shells[] = {
	"sh", "bash", "dash", "ksh", "ksh93", "mksh", "pdksh", "ash", "zsh",
	"yash", "posh", "busybox", NULL
};

/*
 * $TPMAP_SHELL, else $SHELL when it names a POSIX-family shell (looked up
 * on $PATH by its name, as GNU parallel does, so that the shell's own
 * messages name it the same way), else /bin/sh.
 */
static char *
find_shell(void)
{
	const char *s, *base;
	char *found;
	size_t i;

	if ((s = getenv("TPMAP_SHELL")) != NULL && *s != '\0')
		return xstrdup(s);
	if ((s = getenv("SHELL")) != NULL && *s != '\0') {
		base = strrchr(s, '/') ? strrchr(s, '/') + 1 : s;
		for (i = 0; posix_shells[i] != NULL; i++) {
			if (strcmp(base, posix_shells[i]) != 0)
				continue;
			if ((found = path_search(base)) != NULL)
				return found;
			if (is_executable(s))
				return xstrdup(s);
		}
	}
	return xstrdup(PATH_BSHELL);
}

static int
is_jobvar(const char *e)
{
	size_t i, n;

	for (i = 0; i < NJOBVARS; i++) {
		n = strlen(jobvars[i]);
		if (strncmp(e, jobvars[i], n) == 0 && e[n] == '=')
			return 1;
	}
	return 0;
}

struct spawn_ctx *
spawn_create(const struct tpmap_opts *o, unsigned nslots, struct output *out)
{
	struct spawn_ctx *sc;
	size_t nenv, i, k;
	unsigned s;

	sc = xcalloc(1, sizeof(*sc));
	if (exit_ctx == NULL && atexit(kill_at_exit) != 0)
		err(255, "atexit");
	pthread_mutex_init(&sc->shellmu, NULL);
	sc->termseq = o->termseq;
	sc->mode = o->out_mode;
	sc->out = out;
	sc->nslots = nslots;
	sc->slots = xcalloc(nslots, sizeof(*sc->slots));
	pthread_mutex_init(&sc->pidmu, NULL);
	sc->watchfd = -1;
	atomic_init(&sc->output_gone, 0);
	for (nenv = 0; environ[nenv] != NULL; nenv++)
		;
	for (s = 0; s < nslots; s++) {
		if (cloexec_pipe(sc->slots[s].wake) != 0)
			err(255, "pipe");
		fcntl(sc->slots[s].wake[0], F_SETFL, O_NONBLOCK);
		fcntl(sc->slots[s].wake[1], F_SETFL, O_NONBLOCK);
		atomic_init(&sc->slots[s].kill, 0);
		sc->slots[s].envp = xcalloc(nenv + NJOBVARS + 1, sizeof(char *));
		for (i = 0; i < NJOBVARS; i++)
			sc->slots[s].envp[i] = sc->slots[s].vars[i];
		for (i = 0, k = NJOBVARS; i < nenv; i++)
			if (!is_jobvar(environ[i]))
				sc->slots[s].envp[k++] = environ[i];
	}
	exit_ctx = sc;
	return sc;
}

void
spawn_free(struct spawn_ctx *sc)
{
	unsigned s;

	if (sc == NULL)
		return;
	exit_ctx = NULL;
	for (s = 0; s < sc->nslots; s++) {
		free(sc->slots[s].envp);
		close(sc->slots[s].wake[0]);
		close(sc->slots[s].wake[1]);
	}
	free(sc->slots);
	pthread_mutex_destroy(&sc->pidmu);
	pthread_mutex_destroy(&sc->shellmu);
	free(sc->shell);
	free(sc);
}

void
spawn_terminate(struct spawn_ctx *sc, unsigned slot)
{
	struct slot_env *se = &sc->slots[slot - 1];
	ssize_t w;
	int saved = errno;

	atomic_store(&se->kill, 1);
	/* A full pipe already holds a wake-up; nothing is lost. */
	do
		w = write(se->wake[1], "", 1);
	while (w < 0 && errno == EINTR);
	errno = saved;
}

void
spawn_watch_output(struct spawn_ctx *sc, int fd)
{
	sc->watchfd = fd;
}

int
spawn_output_gone(struct spawn_ctx *sc)
{
	return atomic_load(&sc->output_gone);
}

static void
set_pid(struct spawn_ctx *sc, struct job *j, pid_t pid)
{
	pthread_mutex_lock(&sc->pidmu);
	sc->slots[j->slot - 1].pid = pid;
	/* Started while spawn_kill_all ends the others: it must not
	 * outlive tpmap either. */
	if (sc->dying && pid > 0)
		kill(-pid, SIGKILL);
	pthread_mutex_unlock(&sc->pidmu);
}

/* Whether any process of group pgid is left (a zombie counts, until its
 * worker reaps it). */
static int
group_alive(pid_t pgid)
{
	return kill(-pgid, 0) == 0 || errno == EPERM;
}

void
spawn_kill_all(struct spawn_ctx *sc)
{
	const struct termseq *ts = &sc->termseq;
	struct timespec tick = { 0, 5000000 };
	pid_t *pids;
	size_t step, n = 0, i, alive;
	unsigned s;
	double until;

	pids = calloc(sc->nslots, sizeof(*pids));
	pthread_mutex_lock(&sc->pidmu);
	sc->dying = 1;
	for (s = 0; s < sc->nslots; s++)
		if (sc->slots[s].pid > 0) {
			if (pids != NULL)
				pids[n++] = sc->slots[s].pid;
			else	/* no memory even for this: no grace */
				kill(-sc->slots[s].pid, SIGKILL);
		}
	pthread_mutex_unlock(&sc->pidmu);
	for (step = 0; step < ts->n && n > 0; step++) {
		for (i = 0; i < n; i++)
			kill(-pids[i], ts->sig[step]);
		until = now_mono() + ts->ms[step] / 1000.0;
		do {
			for (alive = i = 0; i < n; i++)
				alive += group_alive(pids[i]);
		} while (alive > 0 && now_mono() < until &&
		    nanosleep(&tick, NULL) == 0);
	}
	free(pids);
}

/* The $PATH search for the shell costs a dozen system calls at start-up,
 * which a run whose jobs all execute directly never needs. */
static const char *
shell_of(struct spawn_ctx *sc)
{
	const char *s;

	pthread_mutex_lock(&sc->shellmu);
	if (sc->shell == NULL)
		sc->shell = find_shell();
	s = sc->shell;
	pthread_mutex_unlock(&sc->shellmu);
	return s;
}

static void
close_pair(int fd[2])
{
	if (fd[0] >= 0)
		close(fd[0]);
	if (fd[1] >= 0)
		close(fd[1]);
	fd[0] = fd[1] = -1;
}

/* Start argv (PATH search when search is set), with infd as its stdin
 * (-1: /dev/null); 0 or the spawn error. */
static int
start(struct spawn_ctx *sc, struct job *j, char *const argv[], int search,
    int infd, int outfd, int errfd, pid_t *pidp)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	const char *path;
	int e;

	if ((e = posix_spawn_file_actions_init(&fa)) != 0)
		return e;
	if ((e = posix_spawnattr_init(&attr)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return e;
	}
	sigemptyset(&none);
	sigemptyset(&dfl);
	/* tpmap ignores SIGPIPE to see EPIPE; the jobs must not. */
	sigaddset(&dfl, SIGPIPE);
	if ((infd >= 0 &&
	    (e = posix_spawn_file_actions_adddup2(&fa, infd, 0)) != 0) ||
	    (infd < 0 && (e = posix_spawn_file_actions_addopen(&fa, 0,
	    PATH_DEVNULL, O_RDONLY, 0)) != 0) ||
	    (outfd >= 0 &&
	    (e = posix_spawn_file_actions_adddup2(&fa, outfd, 1)) != 0) ||
	    (errfd >= 0 &&
	    (e = posix_spawn_file_actions_adddup2(&fa, errfd, 2)) != 0) ||
	    (e = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) != 0 ||
	    (e = posix_spawnattr_setpgroup(&attr, 0)) != 0 ||
	    (e = posix_spawnattr_setsigmask(&attr, &none)) != 0 ||
	    (e = posix_spawnattr_setsigdefault(&attr, &dfl)) != 0)
		goto out;
	if (search && (path = cmd_exec_path(argv)) != NULL)
		e = posix_spawn(pidp, path, &fa, &attr, argv,
		    sc->slots[j->slot - 1].envp);
	else if (search)
		e = posix_spawnp(pidp, argv[0], &fa, &attr, argv,
		    sc->slots[j->slot - 1].envp);
	else
		e = posix_spawn(pidp, argv[0], &fa, &attr, argv,
		    sc->slots[j->slot - 1].envp);
out:
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return e;
}

/* Read what is there on fd into stream i of j: 1 at EOF, 0 otherwise.  A
 * spill file that cannot be made or written is reported once; the bytes
 * stay in memory, never lost. */
static int
drain(struct spawn_ctx *sc, struct job *j, int i, int fd)
{
	int e = 0, eof;

	eof = spool_read(&j->out[i], fd, &e);
	if (e != 0 && !atomic_exchange(&sc->spill_warned, 1)) {
		errno = e;
		warn("temporary file for job output");
	}
	return eof;
}

/* A descriptor that becomes readable when pid exits, or -1 where the
 * kernel has none (then a job that closed its output is waited for with
 * a plain waitpid, and its timeout is not enforced after that point). */
static int
exit_fd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

/*
 * Wait for the job: drain its output pipes (when piped) until they close
 * and, when the kernel can tell without reaping, until the process has
 * exited; meanwhile feed its stdin (--pipe), enforce its timeout and
 * terminate it on request, with the --termseq sequence sent to its whole
 * process group.
 */
static void
collect(struct spawn_ctx *sc, struct job *j, pid_t pid, int outfd, int errfd,
    struct jobin_feed *feed)
{
	struct slot_env *se = &sc->slots[j->slot - 1];
	struct pollfd pfd[6];
	const struct termseq *ts = &sc->termseq;
	double deadline, t;
	size_t step = 0;
	int i, nopen, exited = 0, terminating = 0, ms;
	char drainbuf[64];

	pfd[0].fd = outfd;
	pfd[1].fd = errfd;
	pfd[2].fd = se->wake[0];
	pfd[3].fd = exit_fd(pid);
	for (i = 0; i < 4; i++)
		pfd[i].events = POLLIN;
	pfd[4].fd = sc->watchfd;
	pfd[4].events = 0;	/* POLLERR and POLLHUP need no asking */
	pfd[5].fd = feed != NULL ? feed->fd : -1;
	pfd[5].events = POLLOUT;
	nopen = (outfd >= 0) + (errfd >= 0);
	deadline = j->timeout > 0 ? now_mono() + j->timeout : -1;
	for (;;) {
		if (atomic_load(&se->kill) && !terminating) {
			j->terminated = 1;
			terminating = 1;
			deadline = now_mono();
		}
		if (deadline >= 0 && (t = now_mono()) >= deadline) {
			if (!terminating) {
				j->timed_out = 1;
				terminating = 1;
			}
			if (step < ts->n) {
				kill(-pid, ts->sig[step]);
				deadline = t + ts->ms[step] / 1000.0;
				step++;
			} else
				deadline = -1;
			continue;
		}
		/* Without a pidfd, a job still being fed has not ended
		 * even when its output is closed. */
		if (nopen == 0 && (exited || (pfd[3].fd < 0 && pfd[5].fd < 0)))
			break;
		ms = -1;
		if (deadline >= 0)
			ms = (int)((deadline - now_mono()) * 1000) + 1;
		if (poll(pfd, 6, ms) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			if (drain(sc, j, i, pfd[i].fd)) {
				pfd[i].fd = -1;
				nopen--;
			}
			if (sc->mode == OUT_LINE)
				out_lines(sc->out, j, i, 0);
		}
		if (pfd[5].fd >= 0 && pfd[5].revents != 0 &&
		    jobin_write(feed))
			pfd[5].fd = -1;
		if (pfd[2].revents != 0)
			while (read(se->wake[0], drainbuf, sizeof(drainbuf)) > 0)
				;
		if (pfd[3].fd >= 0 && pfd[3].revents != 0) {
			exited = 1;
			close(pfd[3].fd);
			pfd[3].fd = -1;
		}
		if (pfd[4].fd >= 0 &&
		    (pfd[4].revents & (POLLERR | POLLHUP)) != 0) {
			atomic_store(&sc->output_gone, 1);
			atomic_store(&se->kill, 1);
			pfd[4].fd = -1;
		}
	}
	if (pfd[3].fd >= 0)
		close(pfd[3].fd);
	if (sc->mode == OUT_LINE) {
		out_lines(sc->out, j, 0, 1);
		out_lines(sc->out, j, 1, 1);
	}
}

static void
set_vars(struct spawn_ctx *sc, struct job *j)
{
	struct slot_env *se = &sc->slots[j->slot - 1];

	snprintf(se->vars[0], sizeof(se->vars[0]), "%s=%llu", jobvars[0],
	    j->seq);
	snprintf(se->vars[1], sizeof(se->vars[1]), "%s=%u", jobvars[1],
	    j->slot);
	snprintf(se->vars[2], sizeof(se->vars[2]), "%s=%llu", jobvars[2],
	    j->seq);
	snprintf(se->vars[3], sizeof(se->vars[3]), "%s=%u", jobvars[3],
	    j->slot);
}

static int
run_once(struct spawn_ctx *sc, struct job *j)
{
	char *shargv[4];
	struct jobin_feed feed;
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, infd = -1;
	int e, st, piped = sc->mode != OUT_UNGROUP;
	pid_t pid;
	struct timespec end;

	set_vars(sc, j);
	if (piped) {
		if ((e = cloexec_pipe(outp)) != 0)
			return e;
		if ((e = cloexec_pipe(errp)) != 0) {
			close_pair(outp);
			return e;
		}
	}
	if (j->in != NULL && (e = jobin_open(&feed, j->in, &infd)) != 0) {
		close_pair(outp);
		close_pair(errp);
		return e;
	}
	clock_gettime(CLOCK_MONOTONIC, &j->t_start);
	clock_gettime(CLOCK_REALTIME, &j->wall_start);
	j->timed_out = j->terminated = 0;
	e = ENOENT;
	if (j->argv != NULL)
		e = start(sc, j, j->argv, 1, infd, outp[1], errp[1], &pid);
	j->direct = e == 0;
	if (e != 0) {
		/* No argv, or the direct exec failed: let the shell run the
		 * line and report any failure in its own words. */
		shargv[0] = (char *)shell_of(sc);
		shargv[1] = "-c";
		shargv[2] = j->cmd;
		shargv[3] = NULL;
		e = start(sc, j, shargv, 0, infd, outp[1], errp[1], &pid);
	}
	if (piped) {
		/* Only the child may hold the write ends now. */
		close(outp[1]);
		close(errp[1]);
		outp[1] = errp[1] = -1;
	}
	if (infd >= 0)
		close(infd);
	if (e != 0) {
		close_pair(outp);
		close_pair(errp);
		if (j->in != NULL)
			jobin_close(&feed);
		return e;
	}
	j->started = 1;
	set_pid(sc, j, pid);
	collect(sc, j, pid, outp[0], errp[0], j->in != NULL ? &feed : NULL);
	if (j->in != NULL)
		jobin_close(&feed);
	close_pair(outp);
	close_pair(errp);
	/* Forget the pid before reaping it: once reaped it may be reused,
	 * and spawn_kill_all must never signal a stranger. */
	set_pid(sc, j, 0);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	/* A request that came for this run is done with. */
	atomic_store(&sc->slots[j->slot - 1].kill, 0);
	clock_gettime(CLOCK_MONOTONIC, &end);
	j->runtime = (double)(end.tv_sec - j->t_start.tv_sec) +
	    (double)(end.tv_nsec - j->t_start.tv_nsec) / 1e9;
	if (WIFSIGNALED(st)) {
		j->exitval = -1;
		j->sig = WTERMSIG(st);
	} else {
		j->exitval = WEXITSTATUS(st);
		j->sig = 0;
	}
	/* A job that left its block unread dies of SIGPIPE in GNU
	 * parallel, whose copying process is killed by the write. */
	if (j->in != NULL && feed.broken && !j->timed_out && !j->terminated) {
		j->exitval = -1;
		j->sig = SIGPIPE;
	}
	return 0;
}

/*
 * Resource shortages are not the job's fault: the process limit (EAGAIN
 * from posix_spawn) or the descriptor limit (EMFILE, ENFILE from pipe)
 * usually pass as other jobs end, which lowers the concurrency to what the
 * limits allow.  Retry with back-off for about 30 seconds, then give up
 * with the error, which the caller reports and counts as a failed job.
 */
int
spawn_run(struct spawn_ctx *sc, struct job *j)
{
	struct timespec ts;
	long wait_ms = 10, waited = 0;
	int e;

	while ((e = run_once(sc, j)) == EAGAIN || e == EMFILE || e == ENFILE) {
		if (waited >= 30000 || atomic_load(&sc->slots[j->slot - 1].kill))
			break;
		ts.tv_sec = wait_ms / 1000;
		ts.tv_nsec = (wait_ms % 1000) * 1000000L;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		waited += wait_ms;
		if (wait_ms < 1000)
			wait_ms *= 2;
	}
	return e;
}
