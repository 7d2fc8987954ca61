/* SPDX-License-Identifier: MIT */
/*
 * The default job count: the CPUs this process may run on (its affinity
 * mask, which taskset and container runtimes narrow), falling back to the
 * online CPU count where the affinity call does not exist.  The cgroup CPU
 * quota is applied on top by the jobserver/cgroup work (issue 7).
 */
#ifdef __linux__
#define _GNU_SOURCE	/* sched_getaffinity, CPU_COUNT */
#include <sched.h>
#endif
#include <unistd.h>

#include "options.h"

unsigned
opts_ncpus(void)
{
	long n;
#ifdef __linux__
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
#endif
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}
