/* SPDX-License-Identifier: MIT */
/*
 * tp_cpu_count, the default worker count: the CPUs this process may run
 * on (its affinity mask, which taskset and container runtimes narrow, or
 * the online CPU count where the affinity call does not exist), further
 * limited by the CPU quota of its cgroup, which is how container runtimes
 * and CI runners hand out "2 CPUs" of a 64-CPU machine without touching
 * the mask.
 *
 * Only the quota (cgroup v2 cpu.max, v1 cpu.cfs_quota_us and
 * cpu.cfs_period_us) is read, not cpu.weight or cpu.shares: those divide
 * the machine among busy groups but do not cap an idle-machine run.
 * Nothing here allocates, prints or fails: an unreadable or odd file is
 * no quota.
 */
#ifdef __linux__
#define _GNU_SOURCE	/* sched_getaffinity, CPU_COUNT */
#include <sched.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tp_internal.h"

/* Linux's /proc and cgroup file systems, read below a root directory that
 * tests replace with a fixture tree: absolute paths appended to that root
 * without its final slash. */
#define PATH_SELF_CGROUP	"/proc/self/cgroup"
#define PATH_CGROUP		"/sys/fs/cgroup"

/* Longest path built here; a longer one is skipped (no quota), which only
 * an absurdly deep cgroup tree could cause. */
#define CG_PATH_MAX 4096

/* The v1 cpu hierarchy: systemd mounts it as cpu,cpuacct and links cpu
 * to it; older or hand-made setups mount cpu alone. */
static const char *const v1_mounts[] = {
	PATH_CGROUP "/cpu,cpuacct", PATH_CGROUP "/cpu", NULL
};

/* Read a small file into buf, NUL-terminated; -1 when it cannot be read.
 * open(2) and read(2), not stdio, so that the descriptor is close-on-exec
 * from the start and nothing is buffered beyond buf. */
static int
read_small(const char *path, char *buf, size_t size)
{
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return 0;
}

/* A decimal number at *p, which is advanced past it; -1 when there is
 * none.  Quotas and periods are microseconds, far below LLONG_MAX. */
static long long
number(const char **p)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(*p, &end, 10);
	if (end == *p || errno != 0)
		return -1;
	*p = end;
	return v;
}

/* quota / period CPUs, rounded up, at least 1; 0 for no quota. */
static unsigned long long
quota_cpus(long long quota, long long period)
{
	unsigned long long n;

	if (quota <= 0 || period <= 0)
		return 0;
	n = ((unsigned long long)quota + (unsigned long long)period - 1) /
	    (unsigned long long)period;
	return n > 0 ? n : 1;
}

/* cgroup v2: cpu.max is "QUOTA PERIOD", QUOTA being "max" for none. */
static unsigned long long
v2_limit(const char *dir)
{
	char path[CG_PATH_MAX], buf[128];
	const char *p = buf;
	long long quota, period;

	if ((size_t)snprintf(path, sizeof(path), "%s/cpu.max", dir) >=
	    sizeof(path) || read_small(path, buf, sizeof(buf)) != 0)
		return 0;
	if ((quota = number(&p)) < 0)
		return 0;	/* "max", or not a number */
	while (*p == ' ' || *p == '\t')
		p++;
	period = number(&p);
	return quota_cpus(quota, period);
}

/* cgroup v1: cpu.cfs_quota_us (-1 for none) over cpu.cfs_period_us. */
static unsigned long long
v1_limit(const char *dir)
{
	char path[CG_PATH_MAX], buf[64];
	const char *p;
	long long quota, period;

	if ((size_t)snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", dir) >=
	    sizeof(path) || read_small(path, buf, sizeof(buf)) != 0)
		return 0;
	p = buf;
	if ((quota = number(&p)) <= 0)
		return 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/cpu.cfs_period_us",
	    dir) >= sizeof(path) || read_small(path, buf, sizeof(buf)) != 0)
		return 0;
	p = buf;
	period = number(&p);
	return quota_cpus(quota, period);
}

/* The smaller of two limits, 0 being none. */
static unsigned long long
min_limit(unsigned long long a, unsigned long long b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

/* Whether path has a ".." component. */
static int
has_dotdot(const char *path)
{
	const char *p;

	for (p = path; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == path || p[-1] == '/') &&
		    (p[2] == '/' || p[2] == '\0'))
			return 1;
	return 0;
}

/*
 * The smallest limit of the cgroup at mount + cgpath and of each of its
 * ancestors up to the hierarchy's root: a quota on a parent caps its
 * children even when theirs say "max", and that is how systemd slices
 * and nested containers set it.  A directory that does not exist is
 * skipped: without a cgroup namespace a container sees its host-side path
 * in /proc/self/cgroup while its own cgroup is mounted as the root, so
 * only the root (checked last) holds its quota.  A path with a ".."
 * component (a cgroup outside our namespace) is not walked: only the
 * root is checked.
 */
static unsigned long long
walk(const char *mount, const char *cgpath,
    unsigned long long (*limit)(const char *dir))
{
	char dir[CG_PATH_MAX];
	unsigned long long n = 0;
	size_t base, len;
	char *slash;

	base = strlen(mount);
	if (cgpath[0] != '/' || has_dotdot(cgpath))
		cgpath = "/";
	if ((size_t)snprintf(dir, sizeof(dir), "%s%s", mount, cgpath) >=
	    sizeof(dir))
		return 0;
	/* No trailing slash: "/" alone, or "/a/b/". */
	len = strlen(dir);
	while (len > base && dir[len - 1] == '/')
		dir[--len] = '\0';
	for (;;) {
		n = min_limit(n, limit(dir));
		if (len <= base)
			break;
		slash = strrchr(dir + base, '/');
		len = slash != NULL ? (size_t)(slash - dir) : base;
		dir[len] = '\0';
	}
	return n;
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Whether the comma-separated controller list names "cpu" itself. */
static int
has_cpu(const char *list, size_t len)
{
	const char *p = list, *end = list + len, *comma;

	while (p < end) {
		comma = memchr(p, ',', (size_t)(end - p));
		if (comma == NULL)
			comma = end;
		if (comma - p == 3 && strncmp(p, "cpu", 3) == 0)
			return 1;
		p = comma + 1;
	}
	return 0;
}

unsigned
tp__cpus_cgroup_limit(const char *root)
{
	char path[CG_PATH_MAX], mount[CG_PATH_MAX];
	char buf[8192];
	char *line, *next, *c1, *c2, *nl;
	unsigned long long n = 0;
	size_t rlen, i;

	/* root without its trailing slashes: "/" becomes "". */
	rlen = strlen(root);
	while (rlen > 0 && root[rlen - 1] == '/')
		rlen--;
	if ((size_t)snprintf(path, sizeof(path), "%.*s" PATH_SELF_CGROUP,
	    (int)rlen, root) >= sizeof(path) ||
	    read_small(path, buf, sizeof(buf)) != 0)
		return 0;
	/* Lines are ID:CONTROLLERS:PATH; v2 is "0::PATH".  On a hybrid
	 * system both kinds appear, and the cpu controller is in one
	 * hierarchy only, so checking every line that may hold it and
	 * keeping the smallest limit is right for all three layouts. */
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		if ((nl = strchr(line, '\n')) != NULL) {
			*nl = '\0';
			next = nl + 1;
		} else
			next = NULL;
		if ((c1 = strchr(line, ':')) == NULL ||
		    (c2 = strchr(c1 + 1, ':')) == NULL)
			continue;
		if (c1 - line == 1 && line[0] == '0' && c2 == c1 + 1) {
			if ((size_t)snprintf(mount, sizeof(mount),
			    "%.*s" PATH_CGROUP, (int)rlen, root) >=
			    sizeof(mount))
				continue;
			n = min_limit(n, walk(mount, c2 + 1, v2_limit));
		} else if (has_cpu(c1 + 1, (size_t)(c2 - c1 - 1))) {
			for (i = 0; v1_mounts[i] != NULL; i++) {
				if ((size_t)snprintf(mount, sizeof(mount),
				    "%.*s%s", (int)rlen, root, v1_mounts[i]) >=
				    sizeof(mount) || !is_dir(mount))
					continue;
				n = min_limit(n, walk(mount, c2 + 1, v1_limit));
				break;
			}
		}
	}
	/* tpmap's -j ceiling; a quota of a million CPUs is no quota. */
	return n > 100000 ? 100000 : (unsigned)n;
}

unsigned
tp__cpus_usable(const char *root)
{
	unsigned n = 0, q;
	long online;
#ifdef __linux__
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		n = (unsigned)CPU_COUNT(&set);
#endif
	if (n == 0) {
		online = sysconf(_SC_NPROCESSORS_ONLN);
		n = online > 0 ? (unsigned)online : 1;
	}
	if ((q = tp__cpus_cgroup_limit(root)) > 0 && q < n)
		n = q;
	return n;
}

/* Not cached: the mask and the quota may change while a program runs, and
 * a cache would be global state; a caller that asks often keeps the
 * answer itself. */
unsigned
tp_cpu_count(void)
{
	return tp__cpus_usable("/");
}
