/* SPDX-License-Identifier: MIT */
/*
 * The make jobserver client.  Workers that want to start a job call
 * jobserver_acquire; one of them at a time (the reader) waits in poll(2)
 * on the jobserver and on a self-pipe, the others on a condition
 * variable.  The self-pipe wakes the reader when the implicit slot comes
 * free (a job that was not holding a token ended: the next job takes that
 * slot rather than a token, which a concurrent make could have used) or
 * when tpmap stops.  Tokens are read without blocking: a token seen by
 * poll may be taken by another client of the jobserver first, and a
 * blocking read would then hold this worker, and tpmap's exit, until some
 * other job in the build ends.
 *
 * Descriptors make passes are shared open file descriptions: setting
 * O_NONBLOCK on them would change them for make and every other client.
 * The read side is therefore opened again through /proc/self/fd, which
 * gives a description of our own; only where that fails is the shared
 * one made non-blocking, which make 4.3 and later do themselves anyway.
 */
#ifdef __linux__
#define _GNU_SOURCE	/* pipe2 */
#endif
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jobserver.h"
#include "pathnames.h"
#include "util.h"

struct jobserver {
	int rfd;			/* tokens are read here, O_NONBLOCK */
	int wfd;			/* and written back here */
	int own_wfd;			/* wfd was opened by us (fifo:) */
	int wake[2];			/* self-pipe: ends the reader's poll */
	pthread_mutex_t mu;		/* guards what follows */
	pthread_cond_t cv;		/* implicit slot free, reader done, or
					 * cancelled */
	int implicit_free;
	int reading;			/* a worker is in wait_token */
	int cancelled;
	int broken;			/* reading failed: no more tokens */
	/* Tokens held now, by byte value: what to give back on exit. */
	unsigned held[UCHAR_MAX + 1];
};

/*
 * The jobserver whose tokens go back when tpmap exits through exit(3)
 * while jobs hold some (err() after a failed allocation in a worker):
 * otherwise make would run the rest of the build with fewer slots.  The
 * one global of this module; NULL unless a jobserver is open.
 */
static struct jobserver *exit_js;

/* Write token back; a jobserver that has gone (make killed) takes none,
 * and that is no reason to stop tpmap. */
static void
put_token(struct jobserver *js, unsigned char token)
{
	ssize_t w;

	do
		w = write(js->wfd, &token, 1);
	while (w < 0 && errno == EINTR);
}

/* Write back every token held. */
static void
give_back(struct jobserver *js)
{
	unsigned b;

	pthread_mutex_lock(&js->mu);
	for (b = 0; b <= UCHAR_MAX; b++)
		for (; js->held[b] > 0; js->held[b]--)
			put_token(js, (unsigned char)b);
	pthread_mutex_unlock(&js->mu);
}

static void
give_back_at_exit(void)
{
	if (exit_js != NULL)
		give_back(exit_js);
}

/* A pipe whose ends are close-on-exec and non-blocking. */
static int
wake_pipe(int fd[2])
{
#ifdef __linux__
	if (pipe2(fd, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
#else
	/* XXX: not atomic; a job spawned meanwhile inherits these ends,
	 * which costs it two descriptors and nothing else. */
	if (pipe(fd) != 0)
		return -1;
	fcntl(fd[0], F_SETFD, FD_CLOEXEC);
	fcntl(fd[1], F_SETFD, FD_CLOEXEC);
	fcntl(fd[0], F_SETFL, O_NONBLOCK);
	fcntl(fd[1], F_SETFL, O_NONBLOCK);
#endif
	return 0;
}

/*
 * The value of the last jobserver option in makeflags ("R,W" or
 * "fifo:PATH"), unescaped, with *opt set to the option as written; NULL
 * when there is none.  MAKEFLAGS is words separated by blanks, a
 * backslash escaping the next character; command-line variable
 * definitions follow a "--" word and are not options.  Caller frees.
 */
static char *
auth_value(const char *makeflags, char **opt)
{
	static const char *const names[] = {
		"--jobserver-auth=", "--jobserver-fds=", NULL
	};
	struct buf w = { 0 };
	const char *p = makeflags;
	char *val = NULL;
	size_t i, n;

	*opt = NULL;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		buf_reset(&w);
		for (; *p != '\0' && *p != ' ' && *p != '\t'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			buf_addc(&w, *p);
		}
		if (strcmp(w.p, "--") == 0)
			break;
		for (i = 0; names[i] != NULL; i++) {
			n = strlen(names[i]);
			if (strncmp(w.p, names[i], n) != 0)
				continue;
			free(val);
			free(*opt);
			val = xstrdup(w.p + n);
			*opt = xstrdup(w.p);
		}
	}
	buf_free(&w);
	return val;
}

/* Whether fd is an open pipe or FIFO with the access wanted; NULL, or why
 * not (into why). */
static const char *
check_fd(int fd, int want_write, char *why, size_t size)
{
	struct stat st;
	int fl, mode;

	if ((fl = fcntl(fd, F_GETFL)) < 0) {
		snprintf(why, size, "descriptor %d is not open", fd);
		return why;
	}
	mode = fl & O_ACCMODE;
	if (want_write ? mode == O_RDONLY : mode == O_WRONLY) {
		snprintf(why, size, "descriptor %d is not open for %s", fd,
		    want_write ? "writing" : "reading");
		return why;
	}
	if (fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) {
		snprintf(why, size, "descriptor %d is not a pipe", fd);
		return why;
	}
	return NULL;
}

/* Parse "R,W" into two descriptor numbers; -1 unless it is that. */
static int
parse_fds(const char *v, int *r, int *w)
{
	char *end;
	long a, b;

	errno = 0;
	a = strtol(v, &end, 10);
	if (end == v || *end != ',' || errno != 0 || a < 0 || a > INT_MAX)
		return -1;
	v = end + 1;
	b = strtol(v, &end, 10);
	if (end == v || *end != '\0' || errno != 0 || b < 0 || b > INT_MAX)
		return -1;
	*r = (int)a;
	*w = (int)b;
	return 0;
}

/* Our own non-blocking, close-on-exec read descriptor for the pipe at r;
 * -1 with errno on failure. */
static int
reopen_read(int r)
{
	char path[64];
	int fd, fl;

	snprintf(path, sizeof(path), PATH_SELF_FD "%d", r);
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) >= 0)
		return fd;
	/* No /proc: share make's description, and its O_NONBLOCK. */
	if ((fd = fcntl(r, F_DUPFD_CLOEXEC, 0)) < 0)
		return -1;
	if ((fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

struct jobserver *
jobserver_open(const char *makeflags)
{
	struct jobserver *js = NULL;
	struct stat st;
	char why[128], *val, *opt;
	const char *bad = NULL;
	int r, w, rfd = -1, wfd = -1, own_wfd = 0;

	if (makeflags == NULL || (val = auth_value(makeflags, &opt)) == NULL)
		return NULL;
	if (strncmp(val, "fifo:", 5) == 0) {
		/* Our own reader first: then opening the FIFO for writing
		 * cannot block waiting for one.  Nothing but a FIFO is
		 * opened for writing. */
		own_wfd = 1;
		rfd = open(val + 5, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (rfd < 0)
			bad = strerror(errno);
		else if (fstat(rfd, &st) != 0 || !S_ISFIFO(st.st_mode))
			bad = "not a FIFO";
		else if ((wfd = open(val + 5, O_WRONLY | O_CLOEXEC)) < 0)
			bad = strerror(errno);
	} else if (parse_fds(val, &r, &w) != 0) {
		bad = "not R,W or fifo:PATH";
	} else if ((bad = check_fd(r, 0, why, sizeof(why))) == NULL &&
	    (bad = check_fd(w, 1, why, sizeof(why))) == NULL) {
		if ((rfd = reopen_read(r)) < 0)
			bad = strerror(errno);
		wfd = w;
	}
	if (bad == NULL) {
		js = xcalloc(1, sizeof(*js));
		if (wake_pipe(js->wake) != 0) {
			bad = strerror(errno);
			free(js);
			js = NULL;
		}
	}
	if (bad != NULL) {
		/* make leaves MAKEFLAGS to recipes without + but closes the
		 * descriptors: say what to do about it. */
		msg_warnx("%s in MAKEFLAGS: %s; not using the make jobserver%s",
		    opt, bad, strncmp(val, "fifo:", 5) != 0 &&
		    strstr(bad, "not open") != NULL ?
		    " (mark the make recipe with +)" : "");
		if (rfd >= 0)
			close(rfd);
		if (own_wfd && wfd >= 0)
			close(wfd);
		free(val);
		free(opt);
		return NULL;
	}
	free(val);
	free(opt);
	js->rfd = rfd;
	js->wfd = wfd;
	js->own_wfd = own_wfd;
	js->implicit_free = 1;
	pthread_mutex_init(&js->mu, NULL);
	pthread_cond_init(&js->cv, NULL);
	if (exit_js == NULL) {
		exit_js = js;
		atexit(give_back_at_exit);
	}
	return js;
}

/* Caller holds mu.  A full pipe already holds a wake-up. */
static void
wake_reader(struct jobserver *js)
{
	ssize_t w;

	if (!js->reading)
		return;
	do
		w = write(js->wake[1], "", 1);
	while (w < 0 && errno == EINTR);
}

/*
 * Wait for a token or a wake-up, mu not held: 1 with *byte, 0 when woken
 * (or the token went to another client first), -1 when the jobserver
 * cannot be read.
 */
static int
wait_token(struct jobserver *js, unsigned char *byte)
{
	struct pollfd pfd[2];
	char drain[16];
	ssize_t n;

	pfd[0].fd = js->rfd;
	pfd[0].events = POLLIN;
	pfd[1].fd = js->wake[0];
	pfd[1].events = POLLIN;
	if (poll(pfd, 2, -1) < 0)
		return errno == EINTR ? 0 : -1;
	if (pfd[1].revents != 0) {
		while (read(js->wake[0], drain, sizeof(drain)) > 0)
			;
		return 0;
	}
	if (pfd[0].revents == 0)
		return 0;
	n = read(js->rfd, byte, 1);
	if (n == 1)
		return 1;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return 0;
	/* End of file (no writer left, so make has gone) or an error. */
	return -1;
}

int
jobserver_acquire(struct jobserver *js, int *token)
{
	unsigned char byte;
	int got;

	pthread_mutex_lock(&js->mu);
	for (;;) {
		if (js->cancelled) {
			pthread_mutex_unlock(&js->mu);
			return ECANCELED;
		}
		if (js->implicit_free) {
			js->implicit_free = 0;
			*token = -1;
			pthread_mutex_unlock(&js->mu);
			return 0;
		}
		if (js->reading || js->broken) {
			pthread_cond_wait(&js->cv, &js->mu);
			continue;
		}
		js->reading = 1;
		pthread_mutex_unlock(&js->mu);
		got = wait_token(js, &byte);
		pthread_mutex_lock(&js->mu);
		js->reading = 0;
		/* Another waiter may read now, or take the implicit slot. */
		pthread_cond_broadcast(&js->cv);
		if (got > 0 && js->cancelled) {
			pthread_mutex_unlock(&js->mu);
			put_token(js, byte);
			return ECANCELED;
		}
		if (got > 0) {
			js->held[byte]++;
			*token = byte;
			pthread_mutex_unlock(&js->mu);
			return 0;
		}
		if (got < 0) {
			/* Go on with the implicit slot alone. */
			js->broken = 1;
			msg_warnx("make jobserver: cannot read a token; "
			    "taking no more");
		}
	}
}

void
jobserver_release(struct jobserver *js, int token)
{
	pthread_mutex_lock(&js->mu);
	if (token < 0) {
		js->implicit_free = 1;
		wake_reader(js);
		pthread_cond_broadcast(&js->cv);
		pthread_mutex_unlock(&js->mu);
		return;
	}
	js->held[token]--;
	pthread_mutex_unlock(&js->mu);
	put_token(js, (unsigned char)token);
}

void
jobserver_cancel(struct jobserver *js)
{
	pthread_mutex_lock(&js->mu);
	js->cancelled = 1;
	wake_reader(js);
	pthread_cond_broadcast(&js->cv);
	pthread_mutex_unlock(&js->mu);
}

void
jobserver_free(struct jobserver *js)
{
	if (js == NULL)
		return;
	give_back(js);
	if (exit_js == js)
		exit_js = NULL;
	close(js->rfd);
	if (js->own_wfd)
		close(js->wfd);
	close(js->wake[0]);
	close(js->wake[1]);
	pthread_cond_destroy(&js->cv);
	pthread_mutex_destroy(&js->mu);
	free(js);
}
