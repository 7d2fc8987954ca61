/* SPDX-License-Identifier: MIT */
/*
 * Test helper: runs libtp's cgroup CPU quota reader (src/tp/cpus.c) on a
 * fixture tree, which tp_cpu_count itself never does (it always reads "/").
 *
 *     cgroup-cpus ROOT      the quota below ROOT as a CPU count, or "none"
 *     cgroup-cpus -u ROOT   the default -j: affinity mask limited by it
 *     cgroup-cpus -c        tp_cpu_count(), the same for ROOT "/"
 */
#include <stdio.h>
#include <string.h>

#include "tp_internal.h"

int
main(int argc, char *argv[])
{
	unsigned n;

	if (argc == 3 && strcmp(argv[1], "-u") == 0) {
		printf("%u\n", tp__cpus_usable(argv[2]));
	} else if (argc == 2 && strcmp(argv[1], "-c") == 0) {
		printf("%u\n", tp_cpu_count());
	} else if (argc == 2) {
		if ((n = tp__cpus_cgroup_limit(argv[1])) == 0)
			puts("none");
		else
			printf("%u\n", n);
	} else {
		fputs("usage: cgroup-cpus [-u] ROOT | -c\n", stderr);
		return 2;
	}
	return ferror(stdout) ? 1 : 0;
}
