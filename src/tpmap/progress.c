/* SPDX-License-Identifier: MIT */
/*
 * The status line of --progress, --eta and --bar.  A thread of its own
 * draws it on standard error: when the counts change, but at most ten
 * times a second, and once a second besides, so that the estimate moves
 * while every job runs long.  The line is plain text rewritten after a
 * carriage return, and cleared with spaces: no escape sequence and no
 * colour, so any terminal shows it and NO_COLOR has nothing to turn off.
 * Nothing is drawn unless standard error is a terminal.  This file does
 * not know what the jobs are; main.c counts them and output.c hides the
 * line while it writes to the same terminal.
 */
#define _DEFAULT_SOURCE	/* TIOCGWINSZ, struct winsize */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"
#include "util.h"

#define REDRAW_MIN 0.1		/* seconds between two drawings, at least */
#define REDRAW_TICK 1.0		/* and at most, while the line shows */
#define DEFAULT_COLS 80		/* when the terminal does not say */
#define MAX_COLS 512		/* longer lines are cut there */

struct progress {
	pthread_mutex_t mu;		/* guards everything below */
	pthread_cond_t cv;		/* counts changed, hidden, or quit */
	clockid_t cvclock;		/* the clock cv's deadlines are on */
	pthread_t tid;
	int started;			/* tid runs */
	int off;			/* not drawn: none of the options,
					 * or SIGUSR2 turned it off */
	int bar, eta;			/* what to draw besides the counts */
	int stdout_shares;		/* stdout is the same terminal */
	unsigned long long total;	/* jobs in all; 0: not known yet */
	unsigned long long done, failed;
	unsigned long long running;
	double start;			/* CLOCK_MONOTONIC, for the ETA */
	double last;			/* when the line was last drawn */
	int dirty;			/* the counts changed since */
	unsigned hidden;		/* output is being written */
	int bol;			/* the cursor is at a line's start */
	int quit;
	char line[MAX_COLS];		/* what the terminal shows now */
	size_t shown;			/* its length; 0: nothing shows */
};

/* Columns the line may fill: one less than the terminal's width, since
 * a character in the last column makes some terminals wrap. */
static size_t
line_width(void)
{
	size_t cols = DEFAULT_COLS;
#ifdef TIOCGWINSZ
	struct winsize ws;

	if (ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		cols = ws.ws_col;
#endif
	if (cols > MAX_COLS)
		cols = MAX_COLS;
	return cols - 1;
}

/* Write all of s to stderr.  A terminal that goes away does not stop the
 * jobs, so errors are ignored; output.c reports its own. */
static void
put(const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(2, s, n)) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

/* Append to the line, cutting it at size. */
static void
addf(char *b, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len + 1 >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n < size - *len ? (size_t)n : size - *len - 1;
}

/* A duration, rounded up (an ETA's "0s" means done) or down (the time
 * elapsed): 42s, 3m07s, 2h05m. */
static void
duration(char *b, size_t size, double secs, int up)
{
	unsigned long long s = (unsigned long long)secs;

	if (up && (double)s < secs)
		s++;
	if (s < 60)
		snprintf(b, size, "%llus", s);
	else if (s < 3600)
		snprintf(b, size, "%llum%02llus", s / 60, s % 60);
	else
		snprintf(b, size, "%lluh%02llum", s / 3600, s / 60 % 60);
}

/*
 * The line for the counts as they are, at most width bytes:
 *     3 of 5 done, 2 running, 1 failed, ETA 4s        (--eta)
 *      60% [###########--------] 3 of 5 done, 2 running, 1 failed,
 *         5s elapsed, 0.6 jobs/s, ETA 4s                (--bar, one line)
 * "ETA ?" while no job has ended or the total is not known; --bar shows
 * "?%" and no bar then.  Called with the lock held.
 */
static size_t
format(const struct progress *p, double now, size_t width, char *b)
{
	size_t len = 0, size = width + 1, barw, fill, i;
	unsigned long long left;
	unsigned pct;
	double rate;
	char eta[32];

	if (p->bar && p->total > 0) {
		pct = p->done >= p->total ? 100 :
		    (unsigned)(p->done * 100 / p->total);
		/* A third of the terminal; it does not change with the
		 * width of the numbers, so it does not jitter. */
		barw = width / 3 < 10 ? 10 : width / 3 > 60 ? 60 : width / 3;
		fill = (size_t)((double)barw * pct / 100);
		addf(b, size, &len, "%3u%% [", pct);
		for (i = 0; i < barw; i++)
			addf(b, size, &len, "%c", i < fill ? '#' : '-');
		addf(b, size, &len, "] ");
	} else if (p->bar) {
		addf(b, size, &len, "  ?%% ");
	}
	if (p->total > 0)
		addf(b, size, &len, "%llu of %llu done, %llu running",
		    p->done, p->total, p->running);
	else
		addf(b, size, &len, "%llu done, %llu running", p->done,
		    p->running);
	if (p->failed > 0)
		addf(b, size, &len, ", %llu failed", p->failed);
	if (p->bar) {
		/* As pv and cargo show them: the time so far and the
		 * rate, which the ETA is made of. */
		duration(eta, sizeof(eta), now - p->start, 0);
		rate = now > p->start ? (double)p->done / (now - p->start) : 0;
		addf(b, size, &len, rate < 100 ? ", %s elapsed, %.1f jobs/s" :
		    ", %s elapsed, %.0f jobs/s", eta, rate);
	}
	if (p->eta || p->bar) {
		if (p->total > 0 && p->done > 0) {
			left = p->total > p->done ? p->total - p->done : 0;
			duration(eta, sizeof(eta),
			    (now - p->start) / (double)p->done * (double)left,
			    1);
		} else {
			snprintf(eta, sizeof(eta), "?");
		}
		addf(b, size, &len, ", ETA %s", eta);
	}
	return len;
}

/* Clear the line: spaces over it, the cursor back at its start.  Called
 * with the lock held. */
static void
clear(struct progress *p)
{
	char b[MAX_COLS + 2];
	size_t n = p->shown, w = line_width();

	if (n == 0)
		return;
	/* After the terminal has narrowed, spaces past its width would
	 * wrap onto a new line. */
	if (n > w)
		n = w;
	b[0] = '\r';
	memset(b + 1, ' ', n);
	b[n + 1] = '\r';
	put(b, n + 2);
	p->shown = 0;
}

/* Draw the line if it differs from what shows.  Called with the lock
 * held. */
static void
draw(struct progress *p, double now)
{
	char line[MAX_COLS], b[3 * MAX_COLS + 1];
	size_t len, n, pad, w = line_width();

	len = format(p, now, w, line);
	p->last = now;
	p->dirty = 0;
	if (p->shown > 0 && len == p->shown && memcmp(line, p->line, len) == 0)
		return;
	/* One write: the new text over the old, spaces over what is left
	 * of a longer old one, and backspaces to the new text's end. */
	pad = p->shown > len ? p->shown - len : 0;
	if (len + pad > w)
		pad = w > len ? w - len : 0;
	b[0] = '\r';
	memcpy(b + 1, line, len);
	n = len + 1;
	memset(b + n, ' ', pad);
	memset(b + n + pad, '\b', pad);
	put(b, n + 2 * pad);
	memcpy(p->line, line, len);
	p->shown = len;
}

/* The deadline for a wait of secs seconds on cv's clock. */
static void
deadline(const struct progress *p, double secs, struct timespec *ts)
{
	long ns;

	clock_gettime(p->cvclock, ts);
	ts->tv_sec += (time_t)secs;
	ns = ts->tv_nsec + (long)((secs - (double)(time_t)secs) * 1e9);
	ts->tv_sec += ns / 1000000000;
	ts->tv_nsec = ns % 1000000000;
}

static void *
progress_thread(void *arg)
{
	struct progress *p = arg;
	struct timespec ts;
	double now, due;

	pthread_mutex_lock(&p->mu);
	while (!p->quit) {
		/* Not over output being written, nor over the start of
		 * a line a job has not finished: wait for progress_show. */
		if (p->off || p->hidden > 0 || !p->bol) {
			pthread_cond_wait(&p->cv, &p->mu);
			continue;
		}
		now = now_mono();
		due = p->last + (p->dirty || p->shown == 0 ?
		    REDRAW_MIN : REDRAW_TICK);
		if (now >= due) {
			draw(p, now);
			continue;
		}
		deadline(p, due - now, &ts);
		pthread_cond_timedwait(&p->cv, &p->mu, &ts);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct progress *
progress_create(const struct tpmap_opts *o)
{
	struct progress *p;
	pthread_condattr_t ca;
	struct stat out, err;

	if (o->dry_run || !isatty(2))
		return NULL;
	p = xcalloc(1, sizeof(*p));
	/* Without the options the line is off until SIGUSR2 asks for
	 * it, and its thread is started only then. */
	p->off = !o->bar && !o->eta && !o->progress;
	p->bar = o->bar;
	p->eta = o->eta;
	p->total = o->total_jobs;
	p->bol = 1;
	p->dirty = 1;
	p->start = now_mono();
	p->last = p->start - REDRAW_MIN;	/* draw at once */
	p->stdout_shares = isatty(1) && fstat(1, &out) == 0 &&
	    fstat(2, &err) == 0 && out.st_rdev == err.st_rdev;
	pthread_mutex_init(&p->mu, NULL);
	/* Deadlines on the monotonic clock where the system has it for
	 * condition variables, so that setting the date does not stall
	 * the line. */
	p->cvclock = CLOCK_REALTIME;
	pthread_condattr_init(&ca);
	if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0)
		p->cvclock = CLOCK_MONOTONIC;
	pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (!p->off)
		p->started = pthread_create(&p->tid, NULL, progress_thread,
		    p) == 0;
	if (!p->off && !p->started) {
		/* The jobs matter more than their progress. */
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		free(p);
		return NULL;
	}
	return p;
}

void
progress_free(struct progress *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	if (p->started)
		pthread_join(p->tid, NULL);
	clear(p);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

/* Something to draw: wake the thread.  Called with the lock held. */
static void
changed(struct progress *p)
{
	p->dirty = 1;
	pthread_cond_signal(&p->cv);
}

void
progress_total(struct progress *p, unsigned long long n)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->total = n;
	changed(p);
	pthread_mutex_unlock(&p->mu);
}

void
progress_job_started(struct progress *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->running++;
	changed(p);
	pthread_mutex_unlock(&p->mu);
}

void
progress_job_ended(struct progress *p, int counted, int failed)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->running--;
	if (counted) {
		p->done++;
		p->failed += failed != 0;
	}
	changed(p);
	pthread_mutex_unlock(&p->mu);
}

void
progress_toggle(struct progress *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->off = !p->off;
	if (p->off) {
		clear(p);
	} else {
		if (!p->started)
			p->started = pthread_create(&p->tid, NULL,
			    progress_thread, p) == 0;
		p->last = now_mono() - REDRAW_MIN;	/* draw at once */
		changed(p);
	}
	pthread_mutex_unlock(&p->mu);
}

int
progress_shares(const struct progress *p, int fd)
{
	return p != NULL && (fd == 2 || (fd == 1 && p->stdout_shares));
}

void
progress_hide(struct progress *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	if (p->hidden++ == 0)
		clear(p);
	pthread_mutex_unlock(&p->mu);
}

void
progress_show(struct progress *p, int at_bol)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->hidden--;
	p->bol = at_bol;
	changed(p);
	pthread_mutex_unlock(&p->mu);
}
