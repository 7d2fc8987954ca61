/* SPDX-License-Identifier: MIT */
/*
 * measure: run a command and report its wall time, CPU time and peak
 * resident set size, for bench/run.
 *
 *     measure [-n reps] [-i in] [-o out] [-c consumer] [-r file] cmd [arg ...]
 *
 * The command runs reps times (default 1), one after the other, with its
 * stdin from `in` (default /dev/null) and its stdout to `out` (default
 * /dev/null, truncated before each run), or with -c into a pipe to
 * `/bin/sh -c consumer`, whose stdout is then `out`.  Its stderr is left
 * alone.
 *
 * One line goes to `file` (appended; default stdout), tab-separated:
 *
 *     wall_s  cpu_s  maxrss_kib  status
 *
 * wall_s is the mean wall time of one run, from just before the first
 * spawn to the reaping of the last process (the command and the consumer);
 * opening the files is not counted.  cpu_s is the mean user + system time
 * of the command and the descendants it waited for (not the consumer's).
 * maxrss_kib is the largest ru_maxrss that wait4 gave for the command over
 * the runs: the peak of the command or of the largest of its reaped
 * descendants, whichever is larger, never the consumer's.  status is 0 if
 * every run of the command and the consumer exited 0, else the last
 * non-zero one (128 + signal for a signal).  The exit status of measure is
 * 0, or 2 when it could not run the command at all.
 */
#define _DEFAULT_SOURCE	/* wait4 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void
usage(void)
{
	fprintf(stderr, "usage: measure [-n reps] [-i in] [-o out] "
	    "[-c consumer] [-r file] cmd [arg ...]\n");
	exit(2);
}

static double
now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		err(2, "clock_gettime");
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
xopen(const char *path, int flags)
{
	int fd;

	if ((fd = open(path, flags | O_CLOEXEC, 0666)) < 0)
		err(2, "%s", path);
	return fd;
}

/* Spawn argv with fds in, out as its stdin and stdout. */
static pid_t
spawn(char *const argv[], int in, int out)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int e;

	if ((e = posix_spawn_file_actions_init(&fa)) != 0 ||
	    (e = posix_spawn_file_actions_adddup2(&fa, in, 0)) != 0 ||
	    (e = posix_spawn_file_actions_adddup2(&fa, out, 1)) != 0)
		errx(2, "posix_spawn_file_actions: %s", strerror(e));
	if ((e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ)) != 0)
		errx(2, "%s: %s", argv[0], strerror(e));
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

/* Reap pid; its status as a shell reports it. */
static int
reap(pid_t pid, struct rusage *ru)
{
	int st;

	while (wait4(pid, &st, 0, ru) < 0)
		if (errno != EINTR)
			err(2, "wait4");
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

static double
seconds(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

int
main(int argc, char *argv[])
{
	const char *inpath = "/dev/null", *outpath = "/dev/null";
	const char *result = NULL;
	char *consumer = NULL;
	char *shargv[4];
	struct rusage ru, cru;
	double wall = 0, cpu = 0, t0;
	long reps = 1, r, maxrss = 0;
	int c, in, out, p[2], st, status = 0;
	pid_t pid, cpid;
	char *end;
	FILE *fp;

	while ((c = getopt(argc, argv, "+n:i:o:c:r:")) != -1) {
		switch (c) {
		case 'n':
			errno = 0;
			reps = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || reps < 1 ||
			    reps > INT_MAX)
				errx(2, "-n %s: not a positive number", optarg);
			break;
		case 'i':
			inpath = optarg;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'c':
			consumer = optarg;
			break;
		case 'r':
			result = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	shargv[0] = "sh";
	shargv[1] = "-c";
	shargv[2] = consumer;
	shargv[3] = NULL;
	for (r = 0; r < reps; r++) {
		in = xopen(inpath, O_RDONLY);
		out = xopen(outpath, O_WRONLY | O_CREAT | O_TRUNC);
		p[0] = p[1] = -1;
		if (consumer != NULL) {
			/* Single-threaded: nothing can inherit the pipe
			 * before it is close-on-exec. */
			if (pipe(p) != 0)
				err(2, "pipe");
			fcntl(p[0], F_SETFD, FD_CLOEXEC);
			fcntl(p[1], F_SETFD, FD_CLOEXEC);
		}
		cpid = -1;
		t0 = now();
		if (consumer != NULL) {
			cpid = spawn(shargv, p[0], out);
			pid = spawn(argv, in, p[1]);
			close(p[0]);
			close(p[1]);
		} else
			pid = spawn(argv, in, out);
		close(in);
		close(out);
		if ((st = reap(pid, &ru)) != 0)
			status = st;
		if (cpid > 0 && (st = reap(cpid, &cru)) != 0)
			status = st;
		wall += now() - t0;
		cpu += seconds(&ru.ru_utime) + seconds(&ru.ru_stime);
		if (ru.ru_maxrss > maxrss)
			maxrss = ru.ru_maxrss;
	}
	fp = stdout;
	if (result != NULL && (fp = fopen(result, "a")) == NULL)
		err(2, "%s", result);
	fprintf(fp, "%.6f\t%.6f\t%ld\t%d\n", wall / (double)reps,
	    cpu / (double)reps, maxrss, status);
	if (fclose(fp) != 0)
		err(2, "%s", result != NULL ? result : "stdout");
	return 0;
}
