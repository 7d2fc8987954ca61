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

/* Linux's /proc (the cgroup paths libtp reads for the default -j are
 * libtp's, in src/tp/cpus.c). */
#define PATH_MEMINFO		"/proc/meminfo"
#define PATH_SELF_FD		"/proc/self/fd/"

#endif /* TPMAP_PATHNAMES_H */
