/* SPDX-License-Identifier: MIT */
/*
 * Finding the program a job runs: the $PATH search that picks the shell,
 * and the system utilities that stand in for shell builtins so that
 * cmd_split can leave the shell out.  The one place where deciding how
 * to run a command looks at the file system (access(2), stat(2)); the
 * classifier itself is cmdline.c, which reads only the text.
 */
#ifndef TPMAP_EXECPATH_H
#define TPMAP_EXECPATH_H

#include <stddef.h>

/* Whether path is a regular file this process may execute. */
int is_executable(const char *path);

/* The first executable `name` in the directories of $PATH (an empty entry
 * being the current directory), or NULL; the caller frees it.  Reads the
 * environment: not to be called while another thread may change it. */
char *path_search(const char *name);

/*
 * For an argv whose first word is a shell builtin that the system's
 * utility reproduces exactly with these arguments (cmdline_utility), the
 * utility's absolute path, to run instead of searching $PATH; otherwise,
 * or when the system has no such utility, NULL.  The utilities are looked
 * up once, on the first call.  Thread-safe.
 */
const char *cmd_exec_path(char *const argv[]);

/*
 * Decide whether command line `line` (len bytes) can run without a shell
 * and, if so, split it as the shell would: cmdline_split, with a builtin
 * that a utility stands in for left to the shell when the system lacks
 * that utility.  Returns 1 and stores a NULL-terminated argv in *argvp
 * (free(*argvp) releases the array and the strings), or 0 (and leaves
 * *argvp alone) when a shell is needed.  Thread-safe.
 */
int cmd_split(const char *line, size_t len, char ***argvp);

#endif /* TPMAP_EXECPATH_H */
