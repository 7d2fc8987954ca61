/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the fuzz targets: failure reports, the sampling rule for the
 * slow checks, and a real shell run with its output captured.  The shell
 * is started with posix_spawn, as tpmap starts its jobs, in its own
 * process group so that a runaway line can be killed whole.  Nothing here
 * is fuzzed itself; it only has to be obviously right.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "util.h"

/* Limits on one shell run: a correct line prints a few KiB at once. */
#define SH_TIMEOUT_MS	10000
#define SH_MAX_OUTPUT	(1024 * 1024)

static char *bindir;		/* directory of the fuzzer binary */
static char *scratch;		/* the shells' working directory */

void
fz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void
fz_show(const char *label, const char *s, size_t len)
{
	size_t i;
	unsigned char c;

	fprintf(stderr, "%s (%zu bytes): \"", label, len);
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '\\' || c == '"')
			fprintf(stderr, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", stderr);
		else if (c == '\t')
			fputs("\\t", stderr);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
	fputs("\"\n", stderr);
}

static void
rm_scratch(void)
{
	/* rmdir, not a recursive removal: files left behind mean a line
	 * ran code it should not have, and stay for inspection. */
	if (scratch != NULL && rmdir(scratch) != 0)
		fprintf(stderr, "fuzz: %s: %s\n", scratch, strerror(errno));
}

void
fz_init(const char *argv0)
{
	const char *tmp, *slash;
	char cwd[PATH_MAX];
	struct buf b;

	/* The helpers run in the scratch directory, so their directory
	 * must be absolute.  Without a slash argv0 came from PATH, and only
	 * $TPMAP_FUZZ_BIN can tell. */
	memset(&b, 0, sizeof(b));
	if ((slash = strrchr(argv0, '/')) != NULL) {
		if (argv0[0] != '/') {
			if (getcwd(cwd, sizeof(cwd)) == NULL)
				fz_fail("getcwd: %s", strerror(errno));
			buf_adds(&b, cwd);
			buf_addc(&b, '/');
		}
		buf_add(&b, argv0, (size_t)(slash - argv0));
		bindir = buf_detach(&b, NULL);
	}

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	buf_adds(&b, tmp);
	buf_adds(&b, "/tpmap-fuzz.XXXXXX");
	if (mkdtemp(b.p) == NULL)
		fz_fail("mkdtemp %s: %s", b.p, strerror(errno));
	scratch = buf_detach(&b, NULL);
	atexit(rm_scratch);
}

const char *
fz_helper(const char *name)
{
	static char path[PATH_MAX];
	const char *dir;

	if ((dir = getenv("TPMAP_FUZZ_BIN")) == NULL || *dir == '\0')
		dir = bindir;
	if (dir == NULL)
		fz_fail("cannot find %s: set TPMAP_FUZZ_BIN", name);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		fz_fail("%s/%s: path too long", dir, name);
	return path;
}

int
fz_sh_due(void)
{
	static unsigned long n;
	static int mode = -1;
	const char *e;

	if (mode < 0) {
		e = getenv("TPMAP_FUZZ_SH");
		mode = e == NULL || *e == '\0' ? 2 : e[0] == '1' ? 1 : 0;
	}
	n++;
	if (mode != 2)
		return mode;
	return n <= 256 || n % 64 == 0;
}

const char *const *
fz_shells(void)
{
	static const char *list[17];
	static char *copy;
	char *s;
	size_t n;

	if (list[0] != NULL)
		return list;
	if ((s = getenv("TPMAP_FUZZ_SHELLS")) == NULL || *s == '\0')
		s = "/bin/sh /bin/bash";
	copy = xstrdup(s);
	n = 0;
	for (s = strtok(copy, " "); s != NULL && n < 16; s = strtok(NULL, " "))
		list[n++] = s;
	if (n == 0)
		list[n++] = "/bin/sh";
	return list;
}

/* Single-quote s for the shell.  Not shq_append: the helper must not
 * depend on the code under test. */
static void
sq_append(struct buf *b, const char *s)
{
	buf_addc(b, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *s);
	}
	buf_addc(b, '\'');
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)(t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
}

int
fz_sh_run(const char *shell, const char *line, struct buf *out)
{
	static char *envp[] = { "PATH=/nonexistent/tpmap-fuzz", "LC_ALL=C",
	    NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	struct pollfd pfd;
	struct timespec t0;
	struct buf script;
	char *argv[4], chunk[4096];
	int fds[2], rc, st;
	long left;
	ssize_t n;
	pid_t pid;

	if (scratch == NULL)
		fz_fail("fz_sh_run before fz_init");
	/* posix_spawn cannot change directory portably, so the script
	 * does, on a line of its own so that the line under test is parsed
	 * exactly as it would be alone. */
	memset(&script, 0, sizeof(script));
	buf_adds(&script, "cd ");
	sq_append(&script, scratch);
	buf_adds(&script, " || exit 125\n");
	buf_adds(&script, line);

	if (pipe(fds) != 0)
		fz_fail("pipe: %s", strerror(errno));
	(void)fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&attr, 0);
	argv[0] = (char *)shell;
	argv[1] = "-c";
	argv[2] = script.p;
	argv[3] = NULL;
	rc = posix_spawn(&pid, shell, &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(fds[1]);
	if (rc != 0)
		fz_fail("%s: %s", shell, strerror(rc));

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	for (;;) {
		left = SH_TIMEOUT_MS - ms_since(&t0);
		if (left <= 0 || out->len > SH_MAX_OUTPUT) {
			kill(-pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				continue;
			fz_show("script", script.p, script.len);
			fz_fail("%s ran over %d ms or %d bytes of output",
			    shell, SH_TIMEOUT_MS, SH_MAX_OUTPUT);
		}
		if ((rc = poll(&pfd, 1, (int)left)) <= 0) {
			if (rc == 0 || errno == EINTR)
				continue;
			fz_fail("poll: %s", strerror(errno));
		}
		if ((n = read(fds[0], chunk, sizeof(chunk))) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fz_fail("read: %s", strerror(errno));
		}
		if (n == 0)
			break;
		buf_add(out, chunk, (size_t)n);
	}
	close(fds[0]);
	buf_free(&script);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			fz_fail("waitpid: %s", strerror(errno));
	return WIFEXITED(st) ? WEXITSTATUS(st) : 256 + WTERMSIG(st);
}
