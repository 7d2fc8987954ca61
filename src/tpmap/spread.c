/* SPDX-License-Identifier: MIT */
/*
 * The job sources of --round-robin and --tee: a fixed set of jobs that
 * run for as long as the input lasts, each reading a stream (stream.h).
 * The source first hands the main loop its jobs, which start at once;
 * the next call then reads the input on the main thread and gives it to
 * the running jobs' streams, waiting for them to take it, and ends the
 * streams and the source at the end of the input.
 *
 * --round-robin cuts stdin into blocks at record boundaries as --pipe
 * does (it reads them from a source_pipe) and gives each block whole to
 * the job that has written all it was given into its stdin: a slow job
 * gets fewer blocks.  --tee gives every chunk of stdin to every job, as
 * it comes; a job that ends early stops taking, the others go on.
 *
 * With --dry-run the jobs are printed and stdin is not read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobin.h"
#include "source.h"
#include "stream.h"
#include "util.h"

/* What --tee reads at a time, and holds at most per job unwritten. */
#define TEE_CHUNK (128 * 1024)
#define TEE_HELD (1024 * 1024)

struct spread {
	struct source s;	/* first: a struct source * is one */
	const struct tpmap_opts *o;
	struct source *inner;	/* blocks (--round-robin), jobs (--tee) */
	struct streamset *set;
	struct job **jobs;	/* made, not yet handed out */
	size_t njobs, given;
	struct blockpool *pool;	/* --tee's chunks */
	int ended;
};

static void
spread_free(struct source *src)
{
	struct spread *sp = (struct spread *)src;

	while (sp->given < sp->njobs)
		job_free(sp->jobs[sp->given++]);
	free(sp->jobs);
	source_free(sp->inner);
	streamset_free(sp->set);
	blockpool_free(sp->pool);
	free(sp);
}

/* The end of the input, or of every job: the streams end. */
static int
spread_end(struct spread *sp, int rc)
{
	if (!sp->ended)
		streamset_end(sp->set);
	sp->ended = 1;
	return rc;
}

/* A spread source over inner (taken over) whose streams hold up to
 * limit bytes each. */
static struct spread *
spread_new(const struct tpmap_opts *o, struct source *inner,
    int (*next)(struct source *, struct job **), size_t limit)
{
	struct spread *sp;

	sp = xcalloc(1, sizeof(*sp));
	sp->s.next = next;
	sp->s.free = spread_free;
	sp->o = o;
	sp->inner = inner;
	sp->set = streamset_create(limit);
	return sp;
}

/* A stdin of a new stream of the set; NULL after a message. */
static struct jobin *
new_stream(struct spread *sp, const char *head, size_t headlen)
{
	struct stream *st;

	if ((st = stream_new(sp->set)) == NULL)
		return NULL;
	return jobin_new_stream(head, headlen, st);
}

/* Hand out the next job made, if any: 1, else 0. */
static int
next_made(struct spread *sp, struct job **jp)
{
	if (sp->given == sp->njobs)
		return 0;
	*jp = sp->jobs[sp->given++];
	return 1;
}

/* Once every job is out, the last call deals the blocks of stdin. */
static int
rr_next(struct source *src, struct job **jp)
{
	struct spread *sp = (struct spread *)src;
	struct job *b;
	struct jobin *in;
	int rc;

	if (next_made(sp, jp))
		return 1;
	if (sp->ended || sp->o->dry_run)
		return spread_end(sp, 0);
	while ((rc = sp->inner->next(sp->inner, &b)) > 0) {
		/* The block leaves its job for a stream. */
		in = b->in;
		if (in->len == 0) {
			job_free(b);
			continue;
		}
		rc = streamset_deal(sp->set, in->mem, in->len,
		    in->pool != NULL ? in->cap : in->len, in->pool);
		in->mem = NULL;
		in->pool = NULL;
		job_free(b);
		if (rc != 0) {
			msg_warnx("--round-robin: every job has ended; the "
			    "rest of the input is not read");
			return spread_end(sp, 0);
		}
	}
	return spread_end(sp, rc);
}

struct source *
source_roundrobin(const struct tpmap_opts *o, struct source *blocks)
{
	struct spread *sp;
	struct jobin *in;
	const char *head;
	size_t i, headlen;

	/* A block goes to a job that has none waiting: each holds one. */
	sp = spread_new(o, blocks, rr_next, 1);
	sp->njobs = (size_t)o->jobs;
	sp->jobs = xcalloc(sp->njobs, sizeof(*sp->jobs));
	head = source_pipe_header(blocks, &headlen);
	/* Every job starts with the header, as every --pipe block does. */
	for (i = 0; i < sp->njobs; i++) {
		if ((in = new_stream(sp, head, headlen)) == NULL) {
			sp->njobs = i;
			spread_free(&sp->s);
			return NULL;
		}
		sp->jobs[i] = block_job(i + 1, in);
	}
	sp->s.total = sp->njobs;
	return &sp->s;
}

/* Once every job is out, the last call gives them all of stdin. */
static int
tee_next(struct source *src, struct job **jp)
{
	struct spread *sp = (struct spread *)src;
	ssize_t got;
	size_t cap;
	char *mem;

	if (next_made(sp, jp))
		return 1;
	if (sp->ended || sp->o->dry_run)
		return spread_end(sp, 0);
	for (;;) {
		mem = blockpool_get(sp->pool, TEE_CHUNK, &cap);
		while ((got = read(0, mem, cap)) < 0 && errno == EINTR)
			;
		if (got <= 0) {
			blockpool_put(sp->pool, mem, cap);
			if (got < 0)
				msg_warn("stdin");
			return spread_end(sp, got < 0 ? -1 : 0);
		}
		if (streamset_tee(sp->set, mem, (size_t)got, cap,
		    sp->pool) != 0)
			return spread_end(sp, 0);	/* every job ended */
	}
}

struct source *
source_tee(const struct tpmap_opts *o, struct source *args)
{
	struct spread *sp;
	struct job *j;
	size_t cap = 0;
	int rc;

	sp = spread_new(o, args, tee_next, TEE_HELD);
	/* Chunks alive at once: those the streams hold, one being read. */
	sp->pool = blockpool_create(TEE_HELD / TEE_CHUNK + 2);
	while ((rc = args->next(args, &j)) > 0) {
		if (sp->njobs == cap) {
			cap = cap ? 2 * cap : 16;
			sp->jobs = xreallocarray(sp->jobs, cap,
			    sizeof(*sp->jobs));
		}
		sp->jobs[sp->njobs++] = j;
		if ((j->in = new_stream(sp, NULL, 0)) == NULL) {
			rc = -1;
			break;
		}
		/* A job may want only the start (head), as GNU allows. */
		j->in->partial_ok = 1;
		j->sent = 0;
	}
	/* Every job reads until stdin ends: one waiting for a slot would
	 * hold the others up for ever. */
	if (rc == 0 && sp->njobs > (size_t)o->jobs && !o->dry_run) {
		msg_warnx("--tee: %zu jobs run at once, but -j is %u: give -j "
		    "%zu or more, or -j 0", sp->njobs, o->jobs, sp->njobs);
		rc = -1;
	}
	if (rc < 0) {
		spread_free(&sp->s);
		return NULL;
	}
	sp->s.total = sp->njobs;
	return &sp->s;
}
