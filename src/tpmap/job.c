/* SPDX-License-Identifier: MIT */
/*
 * The job object: its creation, its transitions and its end.  What a job
 * does while it runs is spawn.c's, how its output is written output.c's;
 * this file only keeps its life in order.
 */
#include <stdlib.h>

#include "job.h"
#include "util.h"

static const char *const state_name[JOB_NSTATES] = {
	"new", "queued", "running", "finished", "skipped", "held", "emitted"
};

/* allowed[from] has bit `to` set for each transition of the diagram in
 * job.h. */
#define B(s) (1u << (s))
static const unsigned allowed[JOB_NSTATES] = {
	[JOB_NEW] = B(JOB_QUEUED) | B(JOB_RUNNING) | B(JOB_SKIPPED),
	[JOB_QUEUED] = B(JOB_RUNNING) | B(JOB_SKIPPED),
	[JOB_RUNNING] = B(JOB_FINISHED) | B(JOB_SKIPPED),
	[JOB_FINISHED] = B(JOB_HELD) | B(JOB_EMITTED),
	[JOB_SKIPPED] = B(JOB_HELD) | B(JOB_EMITTED),
	[JOB_HELD] = B(JOB_EMITTED),
	[JOB_EMITTED] = 0,
};
#undef B

struct job *
job_new(void)
{
	struct job *j;

	j = xcalloc(1, sizeof(*j));
	j->state = JOB_NEW;
	spool_init(&j->out[0]);
	spool_init(&j->out[1]);
	return j;
}

void
job_to(struct job *j, enum job_state to)
{
	if (!(allowed[j->state] & (1u << to)))
		BUG("job %llu: %s -> %s", j->seq, state_name[j->state],
		    state_name[to]);
	j->state = to;
}

void
job_reset_output(struct job *j)
{
	spool_reset(&j->out[0]);
	spool_reset(&j->out[1]);
	j->parked = 0;
}

void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	spool_release(&j->out[0]);
	spool_release(&j->out[1]);
	free(j->cmd);
	free(j->refused);
	free(j->argv);
	free(j->tag);
	free(j->resname);
	free(j->fields);
	free(j->argbytes);
	jobin_free(j->in);
	free(j);
}
