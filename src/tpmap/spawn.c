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
	/* The running job's pid and the job, set under pidmu; the pid is
	 * atomic so that a signal handler may read it (spawn_fault). */
	_Atomic pid_t pid;
	const struct job *job;
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
	atomic_int stopped;		/* spawn_stop_all ran, not yet
					 * spawn_cont_all: start jobs stopped */
	atomic_int spill_warned;	/* the spill failure was reported */
	int watchfd;			/* spawn_watch_output's, or -1 */
	atomic_int output_gone;		/* its reader went during a job */
	atomic_uint active;		/* workers in run_once: holding or
					 * making a job's descriptors */
};

static const char *const jobvars[NJOBVARS] = {
	"PARALLEL_SEQ", "PARALLEL_JOBSLOT", "TPMAP_SEQ", "TPMAP_SLOT"
};

/* The context whose jobs to end if the process exits while they run;
 * a global, as atexit and signal handlers take no argument.  Set and
 * cleared by the main thread while no other runs jobs; atomic for the
 * fault handler, which may run on any thread. */
static _Atomic(struct spawn_ctx *) exit_ctx;

static void catch_faults(void);

static void
kill_at_exit(void)
{
	struct spawn_ctx *sc = atomic_load(&exit_ctx);

	if (sc != NULL)
		spawn_kill_all(sc);
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
	if (atomic_load(&exit_ctx) == NULL && atexit(kill_at_exit) != 0)
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
	atomic_init(&sc->stopped, 0);
	atomic_init(&sc->active, 0);
	for (nenv = 0; environ[nenv] != NULL; nenv++)
		;
	for (s = 0; s < nslots; s++) {
		if (cloexec_pipe(sc->slots[s].wake) != 0)
			err(255, "pipe");
		fcntl(sc->slots[s].wake[0], F_SETFL, O_NONBLOCK);
		fcntl(sc->slots[s].wake[1], F_SETFL, O_NONBLOCK);
		atomic_init(&sc->slots[s].kill, 0);
		atomic_init(&sc->slots[s].pid, 0);
		sc->slots[s].envp = xcalloc(nenv + NJOBVARS + 1, sizeof(char *));
		for (i = 0; i < NJOBVARS; i++)
			sc->slots[s].envp[i] = sc->slots[s].vars[i];
		for (i = 0, k = NJOBVARS; i < nenv; i++)
			if (!is_jobvar(environ[i]))
				sc->slots[s].envp[k++] = environ[i];
	}
	atomic_store(&exit_ctx, sc);
	catch_faults();
	return sc;
}

void
spawn_free(struct spawn_ctx *sc)
{
	unsigned s;

	if (sc == NULL)
		return;
	atomic_store(&exit_ctx, NULL);
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
	atomic_store(&sc->slots[j->slot - 1].pid, pid);
	sc->slots[j->slot - 1].job = pid > 0 ? j : NULL;
	/* Started while spawn_kill_all ends the others: it must not
	 * outlive tpmap either. */
	if (sc->dying && pid > 0)
		kill(-pid, SIGKILL);
	pthread_mutex_unlock(&sc->pidmu);
	/* Started while tpmap stops (Ctrl-Z): stopped with the others.
	 * The pid is stored before the flag is read, and spawn_stop_all
	 * sets the flag before it reads the pids, so one of the two sees
	 * the other. */
	if (pid > 0 && atomic_load(&sc->stopped))
		kill(-pid, SIGSTOP);
}

/* Send sig to every running job's process group, reading the pids
 * without the lock: async-signal-safe. */
static void
signal_all(struct spawn_ctx *sc, int sig)
{
	unsigned s;
	pid_t pid;

	for (s = 0; s < sc->nslots; s++)
		if ((pid = atomic_load(&sc->slots[s].pid)) > 0)
			kill(-pid, sig);
}

/*
 * A fault of tpmap's own (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP,
 * SIGSYS; SIGABRT from abort and BUG) leaves no thread fit to run the
 * termination sequence: kill every job's group at once, then die of the
 * signal.  A fault the kernel raised returns to the faulting instruction
 * under the handler there was before (a sanitizer's report); one sent by
 * a process dies of the default action.
 */
static struct sigaction fault_old[NSIG];

static void
on_fault(int sig, siginfo_t *si, void *ctx)
{
	struct spawn_ctx *sc = atomic_load(&exit_ctx);

	(void)ctx;
	if (sc != NULL)
		signal_all(sc, SIGKILL);
	if (si != NULL && si->si_code > 0 && sig != SIGABRT) {
		sigaction(sig, &fault_old[sig], NULL);
		return;
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
catch_faults(void)
{
	static const int faults[] = {
		SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS
	};
	static int caught;
	struct sigaction sa;
	size_t i;

	if (caught++)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		if (sigaction(faults[i], &sa, &fault_old[faults[i]]) != 0)
			fault_old[faults[i]].sa_handler = SIG_DFL;
}

void
spawn_stop_all(struct spawn_ctx *sc)
{
	atomic_store(&sc->stopped, 1);
	signal_all(sc, SIGSTOP);
}

void
spawn_cont_all(struct spawn_ctx *sc)
{
	/* Only the jobs tpmap stopped: a SIGCONT after someone else's
	 * SIGSTOP to tpmap alone has no job to continue. */
	if (atomic_exchange(&sc->stopped, 0))
		signal_all(sc, SIGCONT);
}

void
spawn_list(struct spawn_ctx *sc, struct buf *b)
{
	const struct job *j;
	unsigned s;

	pthread_mutex_lock(&sc->pidmu);
	for (s = 0; s < sc->nslots; s++) {
		if ((j = sc->slots[s].job) == NULL)
			continue;
		if (b->len > 0)
			buf_addc(b, '\n');
		buf_adds(b, "tpmap: ");
		buf_add(b, j->cmd, j->cmdlen);
	}
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
		if (atomic_load(&sc->slots[s].pid) > 0) {
			if (pids != NULL)
				pids[n++] = atomic_load(&sc->slots[s].pid);
			else	/* no memory even for this: no grace */
				kill(-atomic_load(&sc->slots[s].pid), SIGKILL);
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

/* The job's output could not all be read: say so (once per job) and
 * mark it lost, so that the run does not succeed without it. */
static void
unread(struct job *j, const char *what, int e)
{
	if (!j->unread) {
		errno = e;
		msg_warn("job %llu: %s", j->seq, what);
	}
	j->unread = 1;
}

/* Read what is there on fd into stream i of j: 1 at EOF or when fd cannot
 * be read (j is then marked), 0 otherwise.  A spill file that cannot be
 * made or written is reported once; the bytes stay in memory, never
 * lost. */
static int
drain(struct spawn_ctx *sc, struct job *j, int i, int fd)
{
	int e = 0, eof;

	eof = spool_read(&j->out[i], fd, &e);
	if (eof < 0) {
		unread(j, i == 0 ? "reading its stdout" : "reading its stderr",
		    e);
		return 1;
	}
	if (e != 0 && !atomic_exchange(&sc->spill_warned, 1)) {
		errno = e;
		msg_warn("temporary file for job output");
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
 * How long after a job's own process has ended its pipes are still read:
 * what the process wrote is already in them, and this is for what a
 * child it left behind (`cmd &`) writes at once.  After that the pipes
 * are closed, so that a process that escaped the job (setsid, a daemon)
 * and holds them cannot keep the job, or tpmap, waiting.  tpmap(1) says
 * so.
 */
#define EXIT_GRACE 0.2

/*
 * While a deadline runs, poll wakes at least this often (seconds), so
 * that a wake-up much later than asked shows a time tpmap was stopped
 * (SIGSTOP, Ctrl-Z) or not scheduled, which is not counted against the
 * job.  Only a job with a deadline pays for it.
 */
#define TICK 0.1
#define LATE_MIN 0.02	/* a later wake-up than this is a stop */

/*
 * Wait for the job: drain its output pipes (when piped) until the job's
 * own process has ended and they are closed or EXIT_GRACE has passed;
 * meanwhile feed its stdin (--pipe), enforce its timeout and terminate it on request, with the
 * --termseq sequence sent to its whole process group.  Returns 1 when the
 * process is still running after the whole sequence (one with no KILL at
 * its end): it is given up, not waited for.  Where the kernel cannot say
 * that the process has ended without reaping it (no pidfd), the pipes
 * are read until they close.
 */
static int
collect(struct spawn_ctx *sc, struct job *j, pid_t pid, int *outfd,
    int *errfd, struct jobin_feed *feed)
{
	struct slot_env *se = &sc->slots[j->slot - 1];
	struct pollfd pfd[6];
	const struct termseq *ts = &sc->termseq;
	double deadline, t, asked, late, wake, grace = -1;
	size_t step = 0;
	int *fds[2] = { outfd, errfd };
	int i, e, nopen, exited = 0, terminating = 0, ms, gaveup = 0;
	int pollerr = 0;
	char drainbuf[64];

	pfd[0].fd = *outfd;
	pfd[1].fd = *errfd;
	pfd[2].fd = se->wake[0];
	pfd[3].fd = exit_fd(pid);
	for (i = 0; i < 4; i++)
		pfd[i].events = POLLIN;
	pfd[4].fd = sc->watchfd;
	pfd[4].events = 0;	/* POLLERR and POLLHUP need no asking */
	pfd[5].fd = feed != NULL ? feed->pollfd : -1;
	pfd[5].events = feed != NULL ? feed->pollev : POLLOUT;
	nopen = (*outfd >= 0) + (*errfd >= 0);
	deadline = j->timeout > 0 ? now_mono() + j->timeout : -1;
	for (;;) {
		t = now_mono();
		if (exited) {
			/* Once the process has ended, it is neither timed
			 * out nor terminated: only its pipes are left. */
			if (nopen == 0 || t >= grace)
				break;
		} else if (atomic_load(&se->kill) && !terminating) {
			j->terminated = 1;
			terminating = 1;
			deadline = t;
		}
		if (!exited && deadline >= 0 && t >= deadline) {
			if (!terminating) {
				j->timed_out = 1;
				terminating = 1;
			}
			if (step == ts->n) {
				gaveup = 1;
				break;
			}
			kill(-pid, ts->sig[step]);
			deadline = t + ts->ms[step] / 1000.0;
			step++;
			continue;
		}
		/* No pidfd: waitpid waits, once the job is fed all it
		 * is given (a job still fed has not ended). */
		if (nopen == 0 && pfd[3].fd < 0 && pfd[5].fd < 0 && !exited)
			break;
		wake = exited ? grace : deadline;
		ms = -1;
		if (wake >= 0) {
			asked = wake - t < TICK ? wake - t : TICK;
			ms = (int)(asked * 1000) + 1;
		}
		if (poll(pfd, 6, ms) < 0) {
			if (errno == EINTR)
				continue;
			/* A shortage (ENOMEM) may pass; leaving now would
			 * leave the job blocked on a full pipe, and waiting
			 * for it for ever.  After a second of failures the
			 * pipes are given up on (closed: the job sees
			 * EPIPE) and the job's output is lost, said so. */
			e = errno;
			if (++pollerr < 100) {
				nap_ms(10);
				continue;
			}
			for (i = 0; i < 2; i++)
				if (pfd[i].fd >= 0) {
					unread(j, "waiting for its output", e);
					close(pfd[i].fd);
					*fds[i] = pfd[i].fd = -1;
				}
			break;
		}
		pollerr = 0;
		late = now_mono() - t - ms / 1000.0;
		if (ms >= 0 && !exited && deadline >= 0 && late > LATE_MIN)
			deadline += late;
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			if (drain(sc, j, i, pfd[i].fd)) {
				/* Given up on after a read error: closed, so
				 * that the job cannot block on it. */
				if (j->unread) {
					close(pfd[i].fd);
					*fds[i] = -1;
				}
				pfd[i].fd = -1;
				nopen--;
			}
			if (sc->mode == OUT_LINE)
				out_lines(sc->out, j, i, 0);
		}
		if (pfd[5].fd >= 0 && pfd[5].revents != 0) {
			if (jobin_write(feed))
				pfd[5].fd = -1;
			else {
				/* A stream waits for its next chunk. */
				pfd[5].fd = feed->pollfd;
				pfd[5].events = feed->pollev;
			}
		}
		if (pfd[2].revents != 0)
			while (read(se->wake[0], drainbuf, sizeof(drainbuf)) > 0)
				;
		if (pfd[3].fd >= 0 && pfd[3].revents != 0) {
			exited = 1;
			grace = now_mono() + EXIT_GRACE;
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
	return gaveup;
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
	int e, st, piped = sc->mode != OUT_UNGROUP, gaveup;
	pid_t pid, reaped;
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
	j->timed_out = j->terminated = j->unread = 0;
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
	gaveup = collect(sc, j, pid, &outp[0], &errp[0],
	    j->in != NULL ? &feed : NULL);
	if (j->in != NULL)
		jobin_close(&feed);
	/* A stream's size is what went in (--joblog's Send). */
	if (j->in != NULL && j->in->kind == JOBIN_STREAM)
		j->sent = feed.pos;
	close_pair(outp);
	close_pair(errp);
	/* Forget the pid before reaping it: once reaped it may be reused,
	 * and spawn_kill_all must never signal a stranger. */
	set_pid(sc, j, 0);
	/* The user's --termseq ends without KILL and the job ignored it:
	 * leave it running rather than wait for it for ever. */
	do
		reaped = waitpid(pid, &st, gaveup ? WNOHANG : 0);
	while (reaped < 0 && errno == EINTR);
	if (reaped <= 0) {
		if (gaveup)
			msg_warnx("job %llu still runs after the --termseq "
			    "sequence; left running as process group %ld",
			    j->seq, (long)pid);
		st = -1;
	}
	/* A request that came for this run is done with. */
	atomic_store(&sc->slots[j->slot - 1].kill, 0);
	clock_gettime(CLOCK_MONOTONIC, &end);
	j->runtime = (double)(end.tv_sec - j->t_start.tv_sec) +
	    (double)(end.tv_nsec - j->t_start.tv_nsec) / 1e9;
	if (st == -1) {		/* not reaped: no status */
		j->exitval = -1;
		j->sig = 0;
	} else if (WIFSIGNALED(st)) {
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
 * with the error.  Descriptors that no other job of ours holds will not
 * come back by waiting: then give up at once.
 */
int
spawn_run(struct spawn_ctx *sc, struct job *j)
{
	long wait_ms = 10, waited = 0;
	unsigned others;
	int e;

	for (;;) {
		atomic_fetch_add(&sc->active, 1);
		e = run_once(sc, j);
		/* Jobs that wait here hold nothing: only the others still
		 * in run_once may give descriptors back. */
		others = atomic_fetch_sub(&sc->active, 1) - 1;
		if ((e != EAGAIN && e != EMFILE && e != ENFILE) ||
		    waited >= 30000 || atomic_load(&sc->slots[j->slot - 1].kill))
			break;
		if (e != EAGAIN && others == 0)
			break;
		nap_ms(wait_ms);
		waited += wait_ms;
		if (wait_ms < 1000)
			wait_ms *= 2;
	}
	return e;
}
