/* SPDX-License-Identifier: MIT */
/*
 * The job log.  Rows are GNU parallel's: Seq, Host (":" for this
 * machine), Starttime (seconds since the epoch, 3 decimals), JobRuntime
 * (%10.3f), Send (0: tpmap sends nothing to jobs), Receive (bytes of
 * stdout), Exitval, Signal, Command.  A job killed by a signal logs
 * Exitval 0 and the signal, one that timed out Exitval -1, as parallel
 * does.  The file is opened O_APPEND and each row goes out in one write,
 * so rows from several workers never interleave.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "joblog.h"
#include "util.h"

static const char header[] =
    "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\t"
    "Command\n";

struct joblog {
	int fd;
	char *path;
	pthread_mutex_t mu;
	int failed;
};

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

struct joblog *
joblog_open(const char *path, int append)
{
	struct joblog *jl;
	struct stat st;
	int fd, e;

	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
	    (append ? 0 : O_TRUNC), 0666);
	if (fd < 0) {
		warn("--joblog %s", path);
		return NULL;
	}
	if (fstat(fd, &st) == 0 && st.st_size == 0 &&
	    (e = write_all(fd, header, sizeof(header) - 1)) != 0) {
		warnx("--joblog %s: %s", path, strerror(e));
		close(fd);
		return NULL;
	}
	jl = xcalloc(1, sizeof(*jl));
	jl->fd = fd;
	jl->path = xstrdup(path);
	pthread_mutex_init(&jl->mu, NULL);
	return jl;
}

int
joblog_write(struct joblog *jl, const struct job *j)
{
	struct buf b = { 0 };
	char num[160];
	int n, e, exitval, sig;

	exitval = j->exitval;
	sig = j->sig;
	if (j->timed_out)
		exitval = -1;
	else if (sig != 0)
		exitval = 0;
	else if (!j->started)
		exitval = 127;
	n = snprintf(num, sizeof(num), "%llu\t:\t%lld.%03ld\t%10.3f\t0\t%zu\t%d\t%d\t",
	    j->seq, (long long)j->wall_start.tv_sec,
	    j->wall_start.tv_nsec / 1000000, j->runtime, j->out.len + j->spilled[0],
	    exitval,
	    sig);
	buf_add(&b, num, (size_t)n);
	buf_add(&b, j->cmd != NULL ? j->cmd : "", j->cmd != NULL ? j->cmdlen : 0);
	buf_addc(&b, '\n');
	pthread_mutex_lock(&jl->mu);
	e = write_all(jl->fd, b.p, b.len);
	if (e != 0 && !jl->failed) {
		jl->failed = 1;
		warnx("--joblog %s: %s", jl->path, strerror(e));
	}
	pthread_mutex_unlock(&jl->mu);
	buf_free(&b);
	return e;
}

void
joblog_close(struct joblog *jl)
{
	if (jl == NULL)
		return;
	close(jl->fd);
	pthread_mutex_destroy(&jl->mu);
	free(jl->path);
	free(jl);
}

/* Parse field i (0-based) of a tab-separated row as a long long. */
static int
row_number(const char *line, int i, long long *v)
{
	char *end;

	while (i-- > 0) {
		if ((line = strchr(line, '\t')) == NULL)
			return -1;
		line++;
	}
	errno = 0;
	*v = strtoll(line, &end, 10);
	return errno == 0 && end != line && *end == '\t' ? 0 : -1;
}

int
joblog_read(const char *path,
    void (*fn)(const struct joblog_row *row, void *arg), void *arg)
{
	struct joblog_row row;
	FILE *fp;
	char *line = NULL, *cmd;
	size_t cap = 0;
	ssize_t len;
	long long seq, ev, sig;
	int i;

	if ((fp = fopen(path, "re")) == NULL) {
		if (errno == ENOENT)
			return 0;
		warn("--joblog %s", path);
		return -1;
	}
	while ((len = getline(&line, &cap, fp)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		/* The header and anything mangled are not rows. */
		if (row_number(line, 0, &seq) != 0 || seq < 1 ||
		    row_number(line, 6, &ev) != 0 ||
		    row_number(line, 7, &sig) != 0)
			continue;
		for (cmd = line, i = 0; i < 8; i++)
			cmd = strchr(cmd, '\t') + 1;
		row.seq = (unsigned long long)seq;
		row.exitval = (int)ev;
		row.sig = (int)sig;
		row.cmd = cmd;
		row.cmdlen = (size_t)(line + len - cmd);
		fn(&row, arg);
	}
	free(line);
	fclose(fp);
	return 0;
}
