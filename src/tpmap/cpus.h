/* SPDX-License-Identifier: MIT */
/*
 * How many CPUs this process may use: its affinity mask, further limited
 * by the CPU quota of its cgroup (v1 or v2).  The cgroup files are looked
 * up below a root directory so that tests can feed fixture trees
 * (tests/helpers/cgroup-cpus); tpmap itself always passes "/".
 */
#ifndef TPMAP_CPUS_H
#define TPMAP_CPUS_H

/*
 * The CPU quota of this process's cgroup and of its ancestors, the
 * smallest winning, as a CPU count rounded up (1.5 CPUs is 2), at least
 * 1; 0 when no quota applies or none can be read.  root is the directory
 * under which proc/self/cgroup and sys/fs/cgroup are read ("/" for the
 * real ones).  Reads a few small files; never fails.
 */
unsigned cpus_cgroup_limit(const char *root);

/* The CPUs in this process's affinity mask (or online, where there is no
 * affinity call), limited by cpus_cgroup_limit(root); at least 1. */
unsigned cpus_usable(const char *root);

#endif /* TPMAP_CPUS_H */
