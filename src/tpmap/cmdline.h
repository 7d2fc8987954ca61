/* SPDX-License-Identifier: MIT */
/*
 * The needs-a-shell classifier: whether a command line can run without a
 * shell, and if so the words the shell would have split it into.  Pure
 * functions on the text of the line: no I/O, no access(2), no state.
 * Whether a utility that stands in for a builtin exists on this system is
 * a question for the file system, answered by execpath.c.
 */
#ifndef TPMAP_CMDLINE_H
#define TPMAP_CMDLINE_H

#include <stddef.h>

enum cmdline_kind {
	CMDLINE_SHELL,		/* only a shell can run the line */
	CMDLINE_ARGV,		/* plain words: argv[0] is a program */
	CMDLINE_UTILITY		/* plain words, argv[0] a builtin that the
				 * system's utility of that name
				 * reproduces, if there is one */
};

/*
 * Classify command line `line` (len bytes) and, unless it needs a shell,
 * split it as the shell would.  A line can do without a shell when it
 * holds only plain words, single- and double-quoted strings without
 * expansions, and backslash escapes, and its first word is not a shell
 * keyword, builtin or assignment; the builtins cmdline_utility accepts
 * are CMDLINE_UTILITY, since the shell is still needed where their
 * utility is missing.  For CMDLINE_ARGV and CMDLINE_UTILITY stores a
 * NULL-terminated argv in *argvp (one allocation: free(*argvp) releases
 * the array and the strings); for CMDLINE_SHELL leaves *argvp alone.
 * Thread-safe.
 */
enum cmdline_kind cmdline_split(const char *line, size_t len,
    char ***argvp);

/* The builtins that a system utility may stand in for. */
#define CMDLINE_NUTILITIES 3

/*
 * The index (0 to CMDLINE_NUTILITIES - 1) of argv[0] among the shell
 * builtins that the system's utility of the same name reproduces exactly
 * with these arguments (echo without options or backslashes, true,
 * false); -1 for any other command or arguments.  Thread-safe.
 */
int cmdline_utility(char *const argv[]);

/* The name of utility i, as cmdline_utility numbers them. */
const char *cmdline_utility_name(int i);

#endif /* TPMAP_CMDLINE_H */
