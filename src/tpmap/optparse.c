/* SPDX-License-Identifier: MIT */
/*
 * Option value parsers, in GNU parallel's syntax: the forms each option
 * accepts are parallel's, and every number goes through strtonum, or
 * strtod where a fraction makes sense.  Nothing here reads the other
 * options, prints or exits.  What a value depends on is passed in (the
 * CPU count for -j); only -j 0 looks at the machine itself, for the
 * descriptor limit.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "compat.h"
#include "optparse.h"
#include "util.h"

int
opts_parse_jobs(const char *s, unsigned ncpus, unsigned *jobs,
    const char **errstr)
{
	const char *e, *num = s;
	char *copy = NULL;
	long long v, n;
	size_t len = strlen(s);
	struct rlimit rl;
	int empty;

	*errstr = NULL;
	if (*s == '+' || *s == '-')
		num = s + 1;
	if (len > 0 && s[len - 1] == '%') {
		copy = xmemdup(num, strlen(num) - 1);
		num = copy;
	}
	v = strtonum(num, 0, INT_MAX, &e);
	empty = *num == '\0';
	free(copy);	/* num may point into it */
	if (e != NULL || empty) {
		*errstr = e == NULL || strcmp(e, "invalid") == 0 ?
		    "not a number" : e;
		return -1;
	}
	if (len > 0 && s[len - 1] == '%')
		n = (long long)ncpus * v / 100;
	else if (*s == '+')
		n = (long long)ncpus + v;
	else if (*s == '-')
		n = (long long)ncpus - v;
	else if (v == 0) {
		/*
		 * "As many as possible": each running job holds two pipes,
		 * so the descriptor limit is the real bound; 1024 keeps the
		 * number of threads sane.
		 */
		n = 1024;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
		    rl.rlim_cur != RLIM_INFINITY &&
		    (long long)rl.rlim_cur < 16 + 1024 * FDS_PER_JOB)
			n = ((long long)rl.rlim_cur - 16) / FDS_PER_JOB;
	} else
		n = v;
	if (n < 1)
		n = 1;
	if (n > 100000)
		n = 100000;
	*jobs = (unsigned)n;
	return 0;
}

static int
halt_number(const char *s, struct halt *h, const char **errstr)
{
	const char *e;
	size_t len = strlen(s);
	long long v;
	char *copy;

	if (len > 0 && s[len - 1] == '%') {
		copy = xmemdup(s, len - 1);
		v = strtonum(copy, 1, 100, &e);
		free(copy);
		if (e != NULL) {
			*errstr = "not a percentage from 1 to 100";
			return -1;
		}
		h->count = 0;
		h->percent = (unsigned)v;
		return 0;
	}
	v = strtonum(s, 1, LLONG_MAX, &e);
	if (e != NULL) {
		*errstr = "not a count of jobs";
		return -1;
	}
	h->count = (unsigned long long)v;
	h->percent = 0;
	return 0;
}

int
opts_parse_halt(const char *s, struct halt *h, const char **errstr)
{
	const char *comma, *eq, *why;
	size_t n;

	memset(h, 0, sizeof(*h));
	*errstr = NULL;
	/* The legacy numeric forms. */
	if (strcmp(s, "0") == 0 || strcmp(s, "never") == 0)
		return 0;
	if (strcmp(s, "1") == 0 || strcmp(s, "2") == 0 ||
	    strcmp(s, "-1") == 0 || strcmp(s, "-2") == 0) {
		h->when = s[strlen(s) - 1] == '1' ? HALT_SOON : HALT_NOW;
		h->why = s[0] == '-' ? HALT_SUCCESS : HALT_FAIL;
		h->count = 1;
		return 0;
	}
	if (isdigit((unsigned char)s[0])) {
		h->when = HALT_SOON;
		h->why = HALT_FAIL;
		if (s[strlen(s) - 1] != '%') {
			*errstr = "not 0, 1, 2, -1, -2, N% or WHEN,WHY=N";
			return -1;
		}
		return halt_number(s, h, errstr);
	}
	if ((comma = strchr(s, ',')) == NULL) {
		*errstr = "not WHEN,WHY=N (for example now,fail=1)";
		return -1;
	}
	n = (size_t)(comma - s);
	if (n == 4 && strncmp(s, "soon", 4) == 0)
		h->when = HALT_SOON;
	else if (n == 3 && strncmp(s, "now", 3) == 0)
		h->when = HALT_NOW;
	else {
		*errstr = "WHEN is not now or soon";
		return -1;
	}
	why = comma + 1;
	if ((eq = strchr(why, '=')) == NULL) {
		*errstr = "WHY is not fail=N, success=N or done=N";
		return -1;
	}
	n = (size_t)(eq - why);
	if (n == 4 && strncmp(why, "fail", 4) == 0)
		h->why = HALT_FAIL;
	else if (n == 7 && strncmp(why, "success", 7) == 0)
		h->why = HALT_SUCCESS;
	else if (n == 4 && strncmp(why, "done", 4) == 0)
		h->why = HALT_DONE;
	else {
		*errstr = "WHY is not fail=N, success=N or done=N";
		return -1;
	}
	return halt_number(eq + 1, h, errstr);
}

int
opts_parse_duration(const char *s, double *secs, const char **errstr)
{
	const char *p = s;
	char *end;
	double v, total = 0;
	int any = 0;

	*errstr = "not a duration (seconds, or units d h m s)";
	while (*p != '\0') {
		if (!isdigit((unsigned char)*p) && *p != '.')
			return -1;
		errno = 0;
		v = strtod(p, &end);
		if (end == p || errno != 0 || !(v >= 0))
			return -1;
		p = end;
		switch (*p) {
		case 'd': v *= 86400; p++; break;
		case 'h': v *= 3600; p++; break;
		case 'm': v *= 60; p++; break;
		case 's': p++; break;
		case '\0': break;
		default: return -1;
		}
		total += v;
		any = 1;
	}
	if (!any || total > 1e9)
		return -1;
	*secs = total;
	*errstr = NULL;
	return 0;
}

int
opts_parse_timeout(const char *s, double *secs, unsigned *pct,
    const char **errstr)
{
	size_t len = strlen(s);
	const char *e;
	char *copy;
	long long v;

	*secs = 0;
	*pct = 0;
	if (len > 0 && s[len - 1] == '%') {
		copy = xmemdup(s, len - 1);
		v = strtonum(copy, 1, 1000000, &e);
		free(copy);
		if (e != NULL) {
			*errstr = "not a percentage of the median runtime";
			return -1;
		}
		*pct = (unsigned)v;
		*errstr = NULL;
		return 0;
	}
	if (opts_parse_duration(s, secs, errstr) != 0)
		return -1;
	if (*secs <= 0) {
		*errstr = "not a positive duration";
		return -1;
	}
	return 0;
}

static const struct {
	const char *name;
	int sig;
} signames[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "ABRT", SIGABRT }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },
	{ "TERM", SIGTERM }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }
};

static int
signal_number(const char *s, size_t n)
{
	char buf[16];
	const char *e;
	size_t i;
	long long v;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (isdigit((unsigned char)buf[0])) {
		v = strtonum(buf, 1, 64, &e);
		return e == NULL ? (int)v : -1;
	}
	s = strncmp(buf, "SIG", 3) == 0 ? buf + 3 : buf;
	for (i = 0; i < sizeof(signames) / sizeof(signames[0]); i++)
		if (strcmp(s, signames[i].name) == 0)
			return signames[i].sig;
	return -1;
}

int
opts_parse_termseq(const char *s, struct termseq *t, const char **errstr)
{
	const char *p = s, *comma, *e;
	char num[16];
	size_t n;
	long long v;
	int sig;

	memset(t, 0, sizeof(*t));
	for (;;) {
		comma = strchr(p, ',');
		n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if ((sig = signal_number(p, n)) < 0) {
			*errstr = "not a signal name or number";
			return -1;
		}
		if (t->n == TERMSEQ_MAX) {
			*errstr = "too many signals";
			return -1;
		}
		t->sig[t->n] = sig;
		t->ms[t->n] = 0;
		t->n++;
		if (comma == NULL)
			break;
		p = comma + 1;
		comma = strchr(p, ',');
		n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (n == 0 || n >= sizeof(num)) {
			*errstr = "not a wait in milliseconds";
			return -1;
		}
		memcpy(num, p, n);
		num[n] = '\0';
		v = strtonum(num, 0, 86400000, &e);
		if (e != NULL) {
			*errstr = "not a wait in milliseconds";
			return -1;
		}
		t->ms[t->n - 1] = (unsigned)v;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	*errstr = NULL;
	return 0;
}

int
opts_parse_size(const char *s, unsigned long long *bytes,
    const char **errstr)
{
	char *end;
	double v, mul = 1;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || !(v >= 0) || !isdigit((unsigned char)*s)) {
		*errstr = "not a size";
		return -1;
	}
	switch (*end) {
	case 'k': case 'K': mul = 1024.0; end++; break;
	case 'm': case 'M': mul = 1024.0 * 1024; end++; break;
	case 'g': case 'G': mul = 1024.0 * 1024 * 1024; end++; break;
	case 't': case 'T': mul = 1024.0 * 1024 * 1024 * 1024; end++; break;
	default: break;
	}
	if (*end != '\0' || v * mul > 1e18) {
		*errstr = "not a size";
		return -1;
	}
	*bytes = (unsigned long long)(v * mul);
	*errstr = NULL;
	return 0;
}

int
opts_parse_block(const char *s, long long *bytes, const char **errstr)
{
	static const char units[] = "kmgt";
	const char *num = *s == '-' ? s + 1 : s, *u;
	char *end;
	double v, mul = 1;
	int n;

	errno = 0;
	v = strtod(num, &end);
	if (end == num || errno != 0 || !(v >= 0) ||
	    !isdigit((unsigned char)*num)) {
		*errstr = "not a size (N, with k, K, M, G or T)";
		return -1;
	}
	if (*end != '\0' && (u = strchr(units,
	    tolower((unsigned char)*end))) != NULL) {
		for (n = (int)(u - units) + 1; n > 0; n--)
			mul *= isupper((unsigned char)*end) ? 1024.0 : 1000.0;
		end++;
	}
	v *= mul;
	if (*end != '\0' || v > 1e18) {
		*errstr = "not a size (N, with k, K, M, G or T)";
		return -1;
	}
	if ((long long)v == 0) {
		*errstr = "not a positive size";
		return -1;
	}
	*bytes = *s == '-' ? -(long long)v : (long long)v;
	*errstr = NULL;
	return 0;
}
