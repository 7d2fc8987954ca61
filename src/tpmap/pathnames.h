/* SPDX-License-Identifier: MIT */
/*
 * The fixed paths tpmap uses, in one place, so that a port to a system
 * that keeps them elsewhere changes this file only.  Directories that a
 * name is appended to end in a slash.  Paths only: nothing here opens,
 * checks or searches anything, and the environment ($TPMAP_SHELL,
 * $SHELL, $TMPDIR), where it may, still wins over the defaults below.
 */
#ifndef TPMAP_PATHNAMES_H
#define TPMAP_PATHNAMES_H

#define PATH_BSHELL		"/bin/sh"	/* no POSIX shell in $SHELL */
#define PATH_DEVNULL		"/dev/null"
/* Temporary files go here when $TMPDIR is unset or empty. */
#define PATH_TMPDIR		"/tmp"

/* The system's utility directories, for the builtins that a utility may
 * stand in for: searched in this order, whatever $PATH says. */
#define PATH_USRBIN		"/usr/bin/"
#define PATH_BIN		"/bin/"

/* Linux's /proc and cgroup file systems.  The cgroup paths are read below
 * a root directory that tests replace with a fixture tree, so they are
 * absolute paths to be appended to that root without its final slash. */
#define PATH_MEMINFO		"/proc/meminfo"
#define PATH_SELF_FD		"/proc/self/fd/"
#define PATH_SELF_CGROUP	"/proc/self/cgroup"
#define PATH_CGROUP		"/sys/fs/cgroup"

#endif /* TPMAP_PATHNAMES_H */
