/* SPDX-License-Identifier: MIT */
/*
 * floor: the least a parallel job runner can do.  It runs one command N
 * times, at most J at a time, with posix_spawn and a wait loop, and
 * nothing else: no input to read, no template, no shell, no threads.  The
 * command is looked up on $PATH once, not per job.  Its wall time is the
 * floor the scenarios in bench/run compare tpmap, xargs, xe and GNU
 * parallel with.
 *
 * With -p each child's stdout is a pipe that floor drains (poll, read)
 * and copies to its own stdout as the bytes come, without grouping or
 * ordering: the floor for runners that capture their jobs' output.
 *
 * With -a the job number, 1 to N, is appended to the command as its last
 * argument, so that `floor -a -n 3 echo` prints what `seq 3 | xargs -n1
 * echo` prints (in some order when J > 1).
 *
 * The exit status is 0 when every child exited 0, else 1.  A measuring
 * tool, not a test: it asserts nothing about speed.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* A running child: its pid and, with -p, the read end of its stdout. */
struct slot {
	pid_t pid;
	int fd;
};

struct floor {
	char **argv;		/* argv[0] is the resolved path */
	int append;		/* -a: argv[argc] is the job number */
	int argc;
	char num[32];
	int pipe;		/* -p */
	unsigned long n;	/* jobs to run */
	unsigned long started;
	int failed;
	char *buf;		/* -p: the copy buffer */
};

#define BUFSIZE (64 * 1024)

static void
usage(void)
{
	fprintf(stderr, "usage: floor [-ap] [-n count] [-j jobs] "
	    "command [arg ...]\n");
	exit(2);
}

static unsigned long
number(const char *opt, const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0 || v > INT_MAX)
		errx(2, "%s %s: not a positive number", opt, s);
	return v;
}

/* The command as posix_spawn wants it: a path, found on $PATH once. */
static char *
resolve(const char *name)
{
	const char *path, *p, *colon;
	struct stat st;
	char *full;
	size_t dirlen, len;

	if (strchr(name, '/') != NULL)
		return strdup(name);
	if ((path = getenv("PATH")) == NULL)
		path = "/usr/bin:/bin";
	len = strlen(name);
	for (p = path;; p = colon + 1) {
		colon = strchr(p, ':');
		dirlen = colon != NULL ? (size_t)(colon - p) : strlen(p);
		if ((full = malloc(dirlen + len + 3)) == NULL)
			err(2, "malloc");
		if (dirlen == 0)
			snprintf(full, dirlen + len + 3, "./%s", name);
		else
			snprintf(full, dirlen + len + 3, "%.*s/%s", (int)dirlen,
			    p, name);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(full, X_OK) == 0)
			return full;
		free(full);
		if (colon == NULL)
			break;
	}
	errx(2, "%s: command not found", name);
}

/* Start the next job in slot s. */
static void
start(struct floor *f, struct slot *s)
{
	posix_spawn_file_actions_t fa, *fap = NULL;
	int p[2], e;

	f->started++;
	if (f->append) {
		snprintf(f->num, sizeof(f->num), "%lu", f->started);
		f->argv[f->argc] = f->num;
	}
	if (f->pipe) {
		/* Single-threaded, so no other spawn can inherit the pipe
		 * between pipe() and fcntl(). */
		if (pipe(p) != 0)
			err(2, "pipe");
		fcntl(p[0], F_SETFD, FD_CLOEXEC);
		fcntl(p[1], F_SETFD, FD_CLOEXEC);
		if ((e = posix_spawn_file_actions_init(&fa)) != 0 ||
		    (e = posix_spawn_file_actions_adddup2(&fa, p[1], 1)) != 0)
			errx(2, "posix_spawn_file_actions: %s", strerror(e));
		fap = &fa;
	}
	if ((e = posix_spawn(&s->pid, f->argv[0], fap, NULL, f->argv,
	    environ)) != 0)
		errx(2, "%s: %s", f->argv[0], strerror(e));
	if (f->pipe) {
		posix_spawn_file_actions_destroy(&fa);
		close(p[1]);
		s->fd = p[0];
	}
}

static void
reap(struct floor *f, pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			err(2, "waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		f->failed = 1;
}

/* Copy what is there on fd to stdout; 1 at end of file. */
static int
copy(struct floor *f, int fd)
{
	ssize_t n, w;
	char *p;

	do
		n = read(fd, f->buf, BUFSIZE);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return 1;
	for (p = f->buf; n > 0; p += w, n -= w)
		while ((w = write(1, p, (size_t)n)) < 0)
			if (errno != EINTR)
				err(2, "write");
	return 0;
}

/* Without -p: keep j children running, reap whichever ends. */
static void
run_plain(struct floor *f, unsigned long j)
{
	struct slot s;
	unsigned long running = 0;
	int st;
	pid_t pid;

	for (;;) {
		while (running < j && f->started < f->n) {
			start(f, &s);
			running++;
		}
		if (running == 0)
			break;
		/* Every child is ours: waiting for any one is right here. */
		if ((pid = wait(&st)) < 0) {
			if (errno == EINTR)
				continue;
			err(2, "wait");
		}
		running--;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			f->failed = 1;
	}
}

/* With -p: poll the running children's pipes, copy, reap at end of file. */
static void
run_pipe(struct floor *f, unsigned long j)
{
	struct slot *slots;
	struct pollfd *pfd;
	unsigned long i, running = 0;

	if ((slots = calloc(j, sizeof(*slots))) == NULL ||
	    (pfd = calloc(j, sizeof(*pfd))) == NULL ||
	    (f->buf = malloc(BUFSIZE)) == NULL)
		err(2, "malloc");
	for (i = 0; i < j; i++) {
		pfd[i].fd = -1;
		pfd[i].events = POLLIN;
	}
	for (;;) {
		for (i = 0; i < j && f->started < f->n; i++)
			if (pfd[i].fd < 0) {
				start(f, &slots[i]);
				pfd[i].fd = slots[i].fd;
				running++;
			}
		if (running == 0)
			break;
		if (poll(pfd, (nfds_t)j, -1) < 0) {
			if (errno == EINTR)
				continue;
			err(2, "poll");
		}
		for (i = 0; i < j; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			if (!copy(f, pfd[i].fd))
				continue;
			close(pfd[i].fd);
			pfd[i].fd = -1;
			reap(f, slots[i].pid);
			running--;
		}
	}
	free(f->buf);
	free(pfd);
	free(slots);
}

int
main(int argc, char *argv[])
{
	struct floor f;
	unsigned long j = 1;
	int c, i;

	memset(&f, 0, sizeof(f));
	f.n = 1;
	while ((c = getopt(argc, argv, "+apn:j:")) != -1) {
		switch (c) {
		case 'a':
			f.append = 1;
			break;
		case 'p':
			f.pipe = 1;
			break;
		case 'n':
			f.n = number("-n", optarg);
			break;
		case 'j':
			j = number("-j", optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if (j > f.n)
		j = f.n;
	/* Room for the job number and the final NULL. */
	if ((f.argv = calloc((size_t)argc + 2, sizeof(char *))) == NULL)
		err(2, "malloc");
	f.argv[0] = resolve(argv[0]);
	for (i = 1; i < argc; i++)
		f.argv[i] = argv[i];
	f.argc = argc;
	if (f.pipe)
		run_pipe(&f, j);
	else
		run_plain(&f, j);
	free(f.argv[0]);
	free(f.argv);
	return f.failed;
}
