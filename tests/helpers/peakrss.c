/* SPDX-License-Identifier: MIT */
/*
 * peakrss CMD [ARG ...]: run CMD with its stdout and stderr untouched and
 * print its peak resident set size in KiB on fd 3, then exit with its
 * status.  The tests use it instead of /usr/bin/time, which is not
 * always installed.
 */
#define _DEFAULT_SOURCE	/* wait4 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	struct rusage ru;
	pid_t pid;
	int st;
	FILE *fp;

	if (argc < 2) {
		fprintf(stderr, "usage: peakrss cmd [arg ...] 3>file\n");
		return 2;
	}
	if ((pid = fork()) < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		close(3);
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	if (wait4(pid, &st, 0, &ru) < 0) {
		perror("wait4");
		return 2;
	}
	if ((fp = fdopen(3, "w")) != NULL) {
		fprintf(fp, "%ld\n", ru.ru_maxrss);
		fclose(fp);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
