/* SPDX-License-Identifier: MIT */
/*
 * The fixed paths tpmap uses, in one place.
 */
#ifndef TPMAP_PATHNAMES_H
#define TPMAP_PATHNAMES_H

#define PATH_SHELL	"/bin/sh"	/* when $SHELL is not a POSIX shell */
#define PATH_DEVNULL	"/dev/null"	/* every job's standard input */
#define PATH_TMPDIR	"/tmp"		/* when $TMPDIR is unset or empty */
#define PATH_MEMINFO	"/proc/meminfo"	/* --memfree */

#endif /* TPMAP_PATHNAMES_H */
