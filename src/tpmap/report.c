/* SPDX-License-Identifier: MIT */
/*
 * Job outcomes, --halt and the exit status.  Only the finisher thread
 * records outcomes, and the exit status is read once it has been joined,
 * so the counters need no lock.
 */
#include "report.h"

static unsigned long long nfailed, nsucceeded;
static enum halt_when halted = HALT_NEVER;
static int halt_status;		/* the failing job's, for fail=1 */

int
report_failed(const struct job *j)
{
	return !j->started || j->timed_out || j->exitval != 0 || j->sig != 0;
}

/* A job's own status as a shell reports it: 128 + the signal. */
static int
job_status(const struct job *j)
{
	if (!j->started)
		return 127;
	if (j->sig != 0)
		return 128 + j->sig;
	return j->exitval;
}

enum halt_when
report_job(const struct job *j, const struct halt *h,
    unsigned long long total, int *matched)
{
	unsigned long long n, base;
	int failed = report_failed(j);

	if (failed)
		nfailed++;
	else
		nsucceeded++;
	*matched = 0;
	if (h->when == HALT_NEVER)
		return HALT_NEVER;
	switch (h->why) {
	case HALT_FAIL:
		*matched = failed;
		n = nfailed;
		break;
	case HALT_SUCCESS:
		*matched = !failed;
		n = nsucceeded;
		break;
	default:
		*matched = 1;
		n = nfailed + nsucceeded;
		break;
	}
	if (halted == HALT_NEVER && *matched) {
		base = total > 0 ? total : nfailed + nsucceeded;
		if (h->percent > 0 ? n * 100 >= (unsigned long long)h->percent * base :
		    n >= h->count) {
			halted = h->when;
			/* The status of the job that triggered the halt:
			 * jobs that fail while the running ones end
			 * (soon) do not replace it. */
			if (failed)
				halt_status = job_status(j);
		}
	}
	return halted;
}

int
report_status(const struct halt *h)
{
	unsigned long long n;
	int st;

	n = nfailed;
	st = halt_status;
	if (halted != HALT_NEVER && h->why == HALT_SUCCESS)
		return 0;
	if (halted != HALT_NEVER && h->why == HALT_FAIL && h->count == 1 &&
	    h->percent == 0)
		return st > 255 ? 255 : st;
	return n > 100 ? 101 : (int)n;
}
