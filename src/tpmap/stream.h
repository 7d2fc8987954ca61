/* SPDX-License-Identifier: MIT */
/*
 * Streams: input given to running jobs over time, for --round-robin (a
 * fixed set of jobs, each block dealt to the one with the least still to
 * read) and --tee (every job gets all of stdin).  The main thread reads
 * the input and puts chunks into the streams; the worker that runs a job
 * writes its stream's chunks into the job's stdin from its poll loop,
 * and polls the stream's wake-up descriptor while the stream is empty.
 *
 * Memory is bounded: the reader waits while the streams it would give
 * to hold limit bytes or more each, so the slowest job of --tee sets the
 * pace, and --round-robin waits for any job to take more.  A chunk given
 * to several streams is shared, counted, and freed by the last.  A
 * stream whose job has ended (stream_close) takes no more chunks and
 * drops those it held: that job stopped reading.
 *
 * One mutex guards every stream of a set; the reader's condition
 * variable is signalled when a stream takes a chunk off or closes.
 */
#ifndef TPMAP_STREAM_H
#define TPMAP_STREAM_H

#include <stddef.h>

#include "jobin.h"

struct streamset;
struct stream;

/* A set of streams, each holding at most about limit bytes before the
 * reader waits.  streamset_free frees it and its streams, once no job
 * uses them. */
struct streamset *streamset_create(size_t limit);
void streamset_free(struct streamset *s);

/* A new, empty stream of s; NULL after a message (no pipe). */
struct stream *stream_new(struct streamset *s);

/*
 * The reader's side.  The chunk is mem[0, len), from pool (returned
 * there, or freed with free(3) when pool is NULL, cap its size); the
 * streams own it from the call on, whatever it returns.
 * streamset_deal gives it to the open stream that holds the least, once
 * one holds less than the limit; streamset_tee gives it to every open
 * stream, once each holds less than the limit.  Both return 0, or -1
 * when no stream is open any more (every job has ended).
 */
int streamset_deal(struct streamset *s, char *mem, size_t len, size_t cap,
    struct blockpool *pool);
int streamset_tee(struct streamset *s, char *mem, size_t len, size_t cap,
    struct blockpool *pool);

/* The input has ended: each stream ends once its chunks are written. */
void streamset_end(struct streamset *s);

/*
 * The writer's side, from the worker that runs the stream's job.
 * stream_peek gives the bytes to write next: 1 with *p and *n set, 0 at
 * the end of the stream, -1 when it is empty for now (poll
 * stream_wakefd for input, then call stream_woken and peek again).
 * stream_done says n bytes of them were written.  stream_close ends the
 * stream: the job is gone.
 */
int stream_peek(struct stream *st, const char **p, size_t *n);
void stream_done(struct stream *st, size_t n);
int stream_wakefd(const struct stream *st);
void stream_woken(struct stream *st);
void stream_close(struct stream *st);

/* Bytes written from the stream into its job (--joblog's Send). */
unsigned long long stream_sent(struct stream *st);

#endif /* TPMAP_STREAM_H */
