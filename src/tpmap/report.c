/* SPDX-License-Identifier: MIT */
/*
 * Job outcomes and tpmap's exit status.  The failure count is the only
 * state, an atomic so that workers record outcomes without a lock.
 */
#include <stdatomic.h>

#include "report.h"

static atomic_ullong nfailed;

int
report_failed(const struct job *j)
{
	return !j->started || j->exitval != 0 || j->sig != 0;
}

void
report_job(const struct job *j)
{
	if (report_failed(j))
		atomic_fetch_add_explicit(&nfailed, 1, memory_order_relaxed);
}

int
report_status(void)
{
	unsigned long long n = atomic_load(&nfailed);

	return n > 100 ? 101 : (int)n;
}
