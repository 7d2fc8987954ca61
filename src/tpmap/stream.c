/* SPDX-License-Identifier: MIT */
/*
 * Streams of chunks from the main thread to running jobs (stream.h).
 * Each stream is a queue of references to chunks; a chunk knows how many
 * streams still hold it.  A worker waiting on an empty stream is woken
 * through a pipe of the stream's own: the reader writes a byte there when
 * it gives the stream a chunk or ends it while the worker waits (set
 * under the mutex, so no wake-up is lost between peek and poll).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stream.h"
#include "util.h"

struct chunk {
	char *mem;
	size_t len, cap;
	struct blockpool *pool;
	unsigned refs;		/* streams holding it, under the set's mutex */
};

struct qent {
	struct chunk *c;
	struct qent *next;
};

struct stream {
	struct streamset *set;
	struct stream *next;	/* the set's list */
	struct qent *head, *tail;
	size_t pos;		/* written of head's chunk */
	size_t held;		/* bytes queued, not yet written */
	unsigned long long sent;
	int eof;		/* no chunk will come */
	int closed;		/* its job is gone */
	int waiting;		/* the worker polls the wake-up pipe */
	int wake[2];
};

struct streamset {
	pthread_mutex_t mu;
	pthread_cond_t room;	/* a stream took a chunk off, or closed */
	struct stream *all;
	size_t limit;
};

struct streamset *
streamset_create(size_t limit)
{
	struct streamset *s;

	s = xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->room, NULL);
	s->limit = limit > 0 ? limit : 1;
	return s;
}

static void
chunk_free(char *mem, size_t cap, struct blockpool *pool)
{
	if (pool != NULL)
		blockpool_put(pool, mem, cap);
	else
		free(mem);
}

/* Drop a stream's hold on its first chunk; under the mutex. */
static void
stream_pop(struct stream *st)
{
	struct qent *e = st->head;

	st->head = e->next;
	if (st->head == NULL)
		st->tail = NULL;
	st->pos = 0;
	if (--e->c->refs == 0) {
		chunk_free(e->c->mem, e->c->cap, e->c->pool);
		free(e->c);
	}
	free(e);
}

void
streamset_free(struct streamset *s)
{
	struct stream *st;

	if (s == NULL)
		return;
	while ((st = s->all) != NULL) {
		s->all = st->next;
		while (st->head != NULL)
			stream_pop(st);
		close(st->wake[0]);
		close(st->wake[1]);
		free(st);
	}
	pthread_cond_destroy(&s->room);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

struct stream *
stream_new(struct streamset *s)
{
	struct stream *st;
	int e;

	st = xcalloc(1, sizeof(*st));
	if ((e = cloexec_pipe(st->wake)) != 0) {
		msg_warnx("a pipe for a job's input: %s", strerror(e));
		free(st);
		return NULL;
	}
	fcntl(st->wake[0], F_SETFL, O_NONBLOCK);
	fcntl(st->wake[1], F_SETFL, O_NONBLOCK);
	st->set = s;
	pthread_mutex_lock(&s->mu);
	st->next = s->all;
	s->all = st;
	pthread_mutex_unlock(&s->mu);
	return st;
}

/* Wake the stream's worker if it waits; under the mutex.  A full pipe
 * already holds a wake-up. */
static void
stream_wake(struct stream *st)
{
	if (!st->waiting)
		return;
	st->waiting = 0;
	(void)write(st->wake[1], "", 1);
}

/* Queue c on st; under the mutex. */
static void
stream_push(struct stream *st, struct chunk *c)
{
	struct qent *e;

	e = xmalloc(sizeof(*e));
	e->c = c;
	e->next = NULL;
	if (st->tail != NULL)
		st->tail->next = e;
	else
		st->head = e;
	st->tail = e;
	st->held += c->len;
	c->refs++;
	stream_wake(st);
}

static struct chunk *
chunk_new(char *mem, size_t len, size_t cap, struct blockpool *pool)
{
	struct chunk *c;

	c = xmalloc(sizeof(*c));
	c->mem = mem;
	c->len = len;
	c->cap = cap;
	c->pool = pool;
	c->refs = 0;
	return c;
}

int
streamset_deal(struct streamset *s, char *mem, size_t len, size_t cap,
    struct blockpool *pool)
{
	struct stream *st, *best;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		best = NULL;
		for (st = s->all; st != NULL; st = st->next)
			if (!st->closed && (best == NULL ||
			    st->held < best->held))
				best = st;
		if (best == NULL || best->held < s->limit)
			break;
		pthread_cond_wait(&s->room, &s->mu);
	}
	if (best != NULL)
		stream_push(best, chunk_new(mem, len, cap, pool));
	pthread_mutex_unlock(&s->mu);
	if (best == NULL)
		chunk_free(mem, cap, pool);
	return best != NULL ? 0 : -1;
}

int
streamset_tee(struct streamset *s, char *mem, size_t len, size_t cap,
    struct blockpool *pool)
{
	struct stream *st;
	struct chunk *c;
	int open, full;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		open = full = 0;
		for (st = s->all; st != NULL; st = st->next) {
			open += !st->closed;
			full += !st->closed && st->held >= s->limit;
		}
		if (full == 0)
			break;
		pthread_cond_wait(&s->room, &s->mu);
	}
	c = chunk_new(mem, len, cap, pool);
	for (st = s->all; st != NULL; st = st->next)
		if (!st->closed)
			stream_push(st, c);
	pthread_mutex_unlock(&s->mu);
	if (open == 0) {
		chunk_free(mem, cap, pool);
		free(c);
		return -1;
	}
	return 0;
}

void
streamset_end(struct streamset *s)
{
	struct stream *st;

	pthread_mutex_lock(&s->mu);
	for (st = s->all; st != NULL; st = st->next) {
		st->eof = 1;
		stream_wake(st);
	}
	pthread_mutex_unlock(&s->mu);
}

int
stream_peek(struct stream *st, const char **p, size_t *n)
{
	int r;

	pthread_mutex_lock(&st->set->mu);
	if (st->head != NULL) {
		*p = st->head->c->mem + st->pos;
		*n = st->head->c->len - st->pos;
		r = 1;
	} else if (st->eof || st->closed) {
		r = 0;
	} else {
		st->waiting = 1;
		r = -1;
	}
	pthread_mutex_unlock(&st->set->mu);
	return r;
}

void
stream_done(struct stream *st, size_t n)
{
	pthread_mutex_lock(&st->set->mu);
	st->pos += n;
	st->held -= n;
	st->sent += n;
	if (st->pos == st->head->c->len) {
		stream_pop(st);
		pthread_cond_broadcast(&st->set->room);
	}
	pthread_mutex_unlock(&st->set->mu);
}

int
stream_wakefd(const struct stream *st)
{
	return st->wake[0];
}

void
stream_woken(struct stream *st)
{
	char buf[64];

	while (read(st->wake[0], buf, sizeof(buf)) > 0)
		;
}

void
stream_close(struct stream *st)
{
	pthread_mutex_lock(&st->set->mu);
	st->closed = 1;
	st->waiting = 0;
	while (st->head != NULL)
		stream_pop(st);
	st->held = 0;
	pthread_cond_broadcast(&st->set->room);
	pthread_mutex_unlock(&st->set->mu);
}

unsigned long long
stream_sent(struct stream *st)
{
	unsigned long long n;

	pthread_mutex_lock(&st->set->mu);
	n = st->sent;
	pthread_mutex_unlock(&st->set->mu);
	return n;
}
