/* SPDX-License-Identifier: MIT */
/*
 * Test helper: runs tpmap's cgroup CPU quota reader (src/tpmap/cpus.c) on
 * a fixture tree, which tpmap itself never does (it always reads "/").
 *
 *     cgroup-cpus ROOT      the quota below ROOT as a CPU count, or "none"
 *     cgroup-cpus -u ROOT   the default -j: affinity mask limited by it
 */
#include <stdio.h>
#include <string.h>

#include "cpus.h"

int
main(int argc, char *argv[])
{
	unsigned n;

	if (argc == 3 && strcmp(argv[1], "-u") == 0) {
		printf("%u\n", cpus_usable(argv[2]));
	} else if (argc == 2) {
		if ((n = cpus_cgroup_limit(argv[1])) == 0)
			puts("none");
		else
			printf("%u\n", n);
	} else {
		fputs("usage: cgroup-cpus [-u] ROOT\n", stderr);
		return 2;
	}
	return ferror(stdout) ? 1 : 0;
}
