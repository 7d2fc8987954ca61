/* SPDX-License-Identifier: MIT */
/*
 * Feeding a job's stdin from its block.  The worker polls the pipe's
 * write end with the job's output pipes and writes what fits each time,
 * so that a job that writes much before it reads cannot deadlock with
 * tpmap.  A file range (--pipepart) goes from the file to the pipe in the
 * kernel with splice(2) where there is one, else through a small buffer
 * with pread; a block in memory is written with write(2).
 *
 * --cat writes the whole block into its file before the job starts, with
 * blocking writes (a file takes them at once).  --fifo writes into the
 * FIFO as into the pipe, once a thread has opened it: an open for writing
 * blocks until a reader comes, and the one without O_NONBLOCK is the only
 * way to wait for that without polling.  A job that never opens the FIFO
 * then holds only that thread, which jobin_close releases by opening the
 * FIFO for reading itself.
 */
#define _GNU_SOURCE	/* splice, F_SETPIPE_SZ, dup3, mkostemp */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jobin.h"
#include "pathnames.h"
#include "stream.h"
#include "util.h"

/* The FIFO's name in its private directory. */
#define FIFO_NAME "/fifo"

/* What one pread moves without splice(2). */
#define COPY_CHUNK (64 * 1024)

struct jobin *
jobin_new(const char *head, size_t headlen, char *mem, size_t n)
{
	struct jobin *in;

	in = xcalloc(1, sizeof(*in));
	in->head = head;
	in->headlen = headlen;
	in->mem = mem;
	in->len = n;
	in->fd = -1;
	in->kind = JOBIN_PIPE;
	return in;
}

struct jobin *
jobin_new_stream(const char *head, size_t headlen, struct stream *st)
{
	struct jobin *in;

	in = jobin_new(head, headlen, NULL, 0);
	in->kind = JOBIN_STREAM;
	in->st = st;
	return in;
}

int
jobin_mktemp(struct jobin *in, enum jobin_kind kind)
{
	const char *dir = getenv("TMPDIR");
	struct buf path = { 0 };
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = PATH_TMPDIR;
	buf_adds(&path, dir);
	buf_adds(&path, "/tpmXXXXXX");
	if (kind == JOBIN_CAT) {
		/* mkostemp: no other worker's job may inherit it. */
		if ((fd = mkostemp(path.p, O_CLOEXEC)) < 0) {
			msg_warn("--cat: %s", path.p);
			buf_free(&path);
			return -1;
		}
		close(fd);
	} else {
		if (mkdtemp(path.p) == NULL) {
			msg_warn("--fifo: %s", path.p);
			buf_free(&path);
			return -1;
		}
		buf_adds(&path, FIFO_NAME);
		if (mkfifo(path.p, 0600) != 0) {
			msg_warn("--fifo: %s", path.p);
			path.p[path.len - strlen(FIFO_NAME)] = '\0';
			rmdir(path.p);
			buf_free(&path);
			return -1;
		}
	}
	in->kind = kind;
	in->path = buf_detach(&path, NULL);
	return 0;
}

/* Remove --cat's file, or --fifo's FIFO and its directory. */
static void
remove_temp(struct jobin *in)
{
	char *slash;

	if (in->path == NULL)
		return;
	if (unlink(in->path) != 0 && errno != ENOENT)
		msg_warn("%s", in->path);
	if (in->kind == JOBIN_FIFO &&
	    (slash = strrchr(in->path, '/')) != NULL) {
		*slash = '\0';
		if (rmdir(in->path) != 0)
			msg_warn("%s", in->path);
	}
	free(in->path);
	in->path = NULL;
}

void
jobin_free(struct jobin *in)
{
	if (in == NULL)
		return;
	/* A job that never ran takes no more of its stream. */
	if (in->kind == JOBIN_STREAM)
		stream_close(in->st);
	remove_temp(in);
	if (in->pool != NULL)
		blockpool_put(in->pool, in->mem, in->cap);
	else
		free(in->mem);
	free(in);
}

struct blockpool {
	pthread_mutex_t mu;
	char **mem;
	size_t *cap;
	size_t n, max;
};

struct blockpool *
blockpool_create(size_t max)
{
	struct blockpool *p;

	p = xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->mu, NULL);
	p->mem = xcalloc(max, sizeof(*p->mem));
	p->cap = xcalloc(max, sizeof(*p->cap));
	p->max = max;
	return p;
}

void
blockpool_free(struct blockpool *p)
{
	if (p == NULL)
		return;
	while (p->n > 0)
		free(p->mem[--p->n]);
	free(p->mem);
	free(p->cap);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

char *
blockpool_get(struct blockpool *p, size_t want, size_t *cap)
{
	char *mem = NULL;

	pthread_mutex_lock(&p->mu);
	/* A buffer too small for want (the block grew for a long record)
	 * is of no more use. */
	while (p->n > 0 && mem == NULL) {
		p->n--;
		if (p->cap[p->n] >= want) {
			mem = p->mem[p->n];
			*cap = p->cap[p->n];
		} else
			free(p->mem[p->n]);
	}
	pthread_mutex_unlock(&p->mu);
	if (mem == NULL) {
		mem = xmalloc(want);
		*cap = want;
	}
	return mem;
}

void
blockpool_put(struct blockpool *p, char *mem, size_t cap)
{
	pthread_mutex_lock(&p->mu);
	if (p->n < p->max) {
		p->mem[p->n] = mem;
		p->cap[p->n++] = cap;
		mem = NULL;
	}
	pthread_mutex_unlock(&p->mu);
	free(mem);
}

unsigned long long
jobin_size(const struct jobin *in)
{
	return (unsigned long long)in->headlen + in->len + in->flen;
}

/* --cat: write the whole of in into its file, anew for every attempt
 * (the job may have changed it).  0 or an errno value. */
static int
write_file(const struct jobin *in)
{
	size_t done, n;
	ssize_t w;
	char *buf = NULL;
	int fd, e = 0;

	if ((fd = open(in->path, O_WRONLY | O_TRUNC | O_CLOEXEC)) < 0)
		return errno;
	if (write_full(fd, in->head, in->headlen) != 0 ||
	    write_full(fd, in->mem, in->len) != 0)
		e = errno;
	if (e == 0 && in->flen > 0)
		buf = xmalloc(COPY_CHUNK);
	for (done = 0; e == 0 && done < in->flen; done += (size_t)w) {
		n = in->flen - done < COPY_CHUNK ? in->flen - done :
		    COPY_CHUNK;
		if ((w = pread(in->fd, buf, n, in->off + (off_t)done)) <= 0)
			e = w == 0 ? EIO : errno;	/* the file shrank */
		else if (write_full(fd, buf, (size_t)w) != 0)
			e = errno;
	}
	free(buf);
	if (close(fd) != 0 && e == 0)
		e = errno;
	if (e != 0)
		msg_warnx("--cat: %s: %s", in->path, strerror(e));
	return e;
}

/* --fifo: the opener thread.  Its open returns when the job opens the
 * FIFO for reading, or jobin_close does. */
static void *
fifo_opener(void *arg)
{
	struct jobin_feed *f = arg;
	int fd;

	while ((fd = open(f->in->path, O_WRONLY | O_CLOEXEC)) < 0 &&
	    errno == EINTR)
		;
	f->wfd = fd;
	close(f->wakefd);	/* the hang-up wakes the worker's poll */
	return NULL;
}

int
jobin_open(struct jobin_feed *f, const struct jobin *in, int *childfd)
{
	int p[2], e;

	f->in = in;
	f->pos = 0;
	f->fd = f->pollfd = -1;
	f->pollev = POLLOUT;
	f->broken = 0;
	f->opening = 0;
	f->wakefd = f->wfd = -1;
	*childfd = -1;
	if (in->kind == JOBIN_CAT)
		return write_file(in);
	if ((e = cloexec_pipe(p)) != 0)
		return e;
	if (in->kind == JOBIN_FIFO) {
		f->fd = p[0];
		f->wakefd = p[1];
		if ((e = pthread_create(&f->opener, NULL, fifo_opener,
		    f)) != 0) {
			close(p[0]);
			close(p[1]);
			f->fd = -1;
			return e;
		}
		f->opening = 1;
		f->pollfd = f->fd;
		f->pollev = POLLOUT;
		return 0;
	}
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	f->fd = p[1];
	f->pollfd = f->fd;
	f->pollev = POLLOUT;
	*childfd = p[0];
	return 0;
}

/* --fifo: wait for the opener, whose open has returned or is about to be
 * made to; the FIFO then writes where its hang-up was polled.  0, or -1
 * when there is no FIFO to write. */
static int
fifo_opened(struct jobin_feed *f)
{
	pthread_join(f->opener, NULL);
	f->opening = 0;
	if (f->wfd < 0)
		return -1;
	fcntl(f->wfd, F_SETFL, O_NONBLOCK);
	if (f->fd >= 0 && dup3(f->wfd, f->fd, O_CLOEXEC) < 0) {
		close(f->fd);
		f->fd = -1;
	}
	close(f->wfd);
	f->wfd = -1;
	return f->fd >= 0 ? 0 : -1;
}

void
jobin_close(struct jobin_feed *f)
{
	int fd = -1;

	if (f->opening) {
		/* The job never opened the FIFO: a reader of tpmap's own
		 * lets the opener's open return. */
		fd = open(f->in->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		pthread_join(f->opener, NULL);
		f->opening = 0;
		if (f->wfd >= 0)
			close(f->wfd);
		f->wfd = -1;
		if (fd >= 0)
			close(fd);
		if (f->pos < jobin_size(f->in))
			f->broken = 1;
	}
	if (f->in->kind == JOBIN_STREAM)
		stream_close(f->in->st);
	if (f->fd >= 0)
		close(f->fd);
	f->fd = f->pollfd = -1;
}

/* Copy up to n bytes of the file range from offset off into the pipe:
 * the bytes written, or -1 with errno. */
static ssize_t
copy_range(int from, off_t off, int to, size_t n)
{
	char buf[COPY_CHUNK];
	ssize_t r;

#ifdef SPLICE_F_NONBLOCK
	loff_t o = off;

	r = splice(from, &o, to, NULL, n, SPLICE_F_NONBLOCK);
	if (r >= 0 || (errno != EINVAL && errno != ENOSYS))
		return r;
#endif
	/* No splice from this file: a chunk that fits the pipe now.  What
	 * a short write leaves is read again next time. */
	if (n > sizeof(buf))
		n = sizeof(buf);
	if ((r = pread(from, buf, n, off)) <= 0) {
		if (r == 0)
			errno = EIO;	/* the file shrank */
		return -1;
	}
	return write(to, buf, (size_t)r);
}

/* jobin_write of a stream: the header, then each chunk as it comes. */
static int
stream_write(struct jobin_feed *f)
{
	const struct jobin *in = f->in;
	const char *p;
	size_t n;
	ssize_t w;
	int r;

	/* Woken by the reader: empty its wake-up pipe, which a full
	 * job's pipe (POLLOUT) leaves alone. */
	if (f->pollfd == stream_wakefd(in->st))
		stream_woken(in->st);
	for (;;) {
		if (f->pos < in->headlen) {
			p = in->head + f->pos;
			n = in->headlen - f->pos;
		} else if ((r = stream_peek(in->st, &p, &n)) == 0) {
			break;
		} else if (r < 0) {
			f->pollfd = stream_wakefd(in->st);
			f->pollev = POLLIN;
			return 0;
		}
		if ((w = write(f->fd, p, n)) < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			f->pollfd = f->fd;
			f->pollev = POLLOUT;
			return 0;
		}
		if (w <= 0) {
			f->broken = errno == EPIPE && !in->partial_ok;
			break;
		}
		if (f->pos >= in->headlen)
			stream_done(in->st, (size_t)w);
		f->pos += (size_t)w;
	}
	jobin_close(f);
	return 1;
}

int
jobin_write(struct jobin_feed *f)
{
	const struct jobin *in = f->in;
	size_t end1 = in->headlen, end2 = end1 + in->len;
	size_t total = end2 + in->flen;
	ssize_t w;

	if (in->kind == JOBIN_STREAM)
		return stream_write(f);
	if (f->opening && fifo_opened(f) != 0) {
		f->broken = total > 0;
		jobin_close(f);
		return 1;
	}
	while (f->pos < total) {
		if (f->pos < end1)
			w = write(f->fd, in->head + f->pos, end1 - f->pos);
		else if (f->pos < end2)
			w = write(f->fd, in->mem + (f->pos - end1),
			    end2 - f->pos);
		else
			w = copy_range(in->fd,
			    in->off + (off_t)(f->pos - end2), f->fd,
			    total - f->pos);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return 0;
		if (w <= 0) {
			/* EPIPE: the job stopped reading. */
			f->broken = errno == EPIPE;
			break;
		}
		f->pos += (size_t)w;
	}
	jobin_close(f);
	return 1;
}
