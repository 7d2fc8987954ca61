/* SPDX-License-Identifier: MIT */
/*
 * Looking for programs in the file system: $PATH, for the shell named by
 * $SHELL, and the system's own directories for the utilities that stand
 * in for shell builtins.  cmd_split is here rather than in cmdline.c
 * because whether such a utility exists decides whether the shell can be
 * left out.  The utilities are looked up once, lazily, so that a run that
 * never starts echo, true or false never calls access(2) for them.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmdline.h"
#include "execpath.h"
#include "pathnames.h"
#include "util.h"

/* Filled by find_utilities, under cmd_exec_path's pthread_once: NULL
 * where the system has no such utility. */
static char *utility_path[CMDLINE_NUTILITIES];

int
is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(path, X_OK) == 0;
}

char *
path_search(const char *name)
{
	const char *path = getenv("PATH"), *p, *colon;
	struct buf b = { 0 };

	if (path == NULL)
		return NULL;
	for (p = path;; p = colon + 1) {
		colon = strchr(p, ':');
		buf_reset(&b);
		if (colon == NULL ? *p == '\0' : colon == p)
			buf_adds(&b, ".");
		else
			buf_add(&b, p, colon ? (size_t)(colon - p) : strlen(p));
		buf_addc(&b, '/');
		buf_adds(&b, name);
		if (is_executable(b.p))
			return buf_detach(&b, NULL);
		if (colon == NULL)
			break;
	}
	buf_free(&b);
	return NULL;
}

/* The utilities are looked up in the system's directories, not on $PATH:
 * the shell would run its builtin whatever $PATH holds, and so must we. */
static void
find_utilities(void)
{
	static const char *const dirs[] = { PATH_USRBIN, PATH_BIN };
	char path[64];
	size_t k;
	int i;

	for (i = 0; i < CMDLINE_NUTILITIES; i++) {
		for (k = 0; k < sizeof(dirs) / sizeof(dirs[0]); k++) {
			snprintf(path, sizeof(path), "%s%s", dirs[k],
			    cmdline_utility_name(i));
			if (access(path, X_OK) == 0) {
				utility_path[i] = xstrdup(path);
				break;
			}
		}
	}
}

const char *
cmd_exec_path(char *const argv[])
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	int i;

	if ((i = cmdline_utility(argv)) < 0)
		return NULL;
	pthread_once(&once, find_utilities);
	return utility_path[i];
}

int
cmd_split(const char *line, size_t len, char ***argvp)
{
	char **argv;

	switch (cmdline_split(line, len, &argv)) {
	case CMDLINE_UTILITY:
		if (cmd_exec_path(argv) == NULL) {
			free(argv);
			return 0;
		}
		/* FALLTHROUGH */
	case CMDLINE_ARGV:
		*argvp = argv;
		return 1;
	default:
		return 0;
	}
}
