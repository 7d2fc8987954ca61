/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the option value parsers optparse.h exports.  The
 * input, up to its first NUL, is one option value, and every parser in
 * the table below gets it: each must return success with a result in its
 * documented range, or failure with a message, and never crash or leak.
 * opts_parse itself is not fuzzed: a bad value makes it exit.  A new
 * parser is one more row in the table and one check function; the corpus
 * stays valid, because no byte of the input selects the parser.
 */
#include <limits.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "optparse.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* -j: 1 to 100000 jobs for any CPU count, and plain numbers that fit are
 * taken as they are. */
static void
fuzz_jobs(const char *s)
{
	static const unsigned ncpus[] = { 1, 3, 64, 4096, UINT_MAX };
	const char *errstr;
	unsigned jobs;
	size_t i;
	long long v;
	char *end;

	for (i = 0; i < sizeof(ncpus) / sizeof(ncpus[0]); i++) {
		jobs = 0;
		errstr = NULL;
		if (opts_parse_jobs(s, ncpus[i], &jobs, &errstr) != 0) {
			if (errstr == NULL || *errstr == '\0')
				fz_fail("-j %s: failed without a message", s);
			continue;
		}
		if (errstr != NULL)
			fz_fail("-j %s: succeeded with message %s", s, errstr);
		if (jobs < 1 || jobs > 100000)
			fz_fail("-j %s with %u CPUs: %u jobs", s, ncpus[i],
			    jobs);
		if (s[0] >= '1' && s[0] <= '9' &&
		    strspn(s, "0123456789") == strlen(s)) {
			v = strtoll(s, &end, 10);
			if (v <= 100000 && (unsigned)v != jobs)
				fz_fail("-j %s: %u jobs", s, jobs);
		}
	}
}

/* A parser's common contract: a message exactly when it fails. */
static int
parsed(const char *opt, const char *s, int rc, const char *errstr)
{
	if (rc != 0) {
		if (rc != -1 || errstr == NULL || *errstr == '\0')
			fz_fail("%s %s: failed (%d) without a message", opt, s,
			    rc);
		return 0;
	}
	if (errstr != NULL)
		fz_fail("%s %s: succeeded with message %s", opt, s, errstr);
	return 1;
}

/* --halt: never, or a when and a why with either a count of at least one
 * job or a percentage from 1 to 100, never both. */
static void
fuzz_halt(const char *s)
{
	const char *errstr = "unset";
	struct halt h;

	if (!parsed("--halt", s, opts_parse_halt(s, &h, &errstr), errstr))
		return;
	if (h.when == HALT_NEVER) {
		if (h.count != 0 || h.percent != 0)
			fz_fail("--halt %s: never, with a count", s);
		return;
	}
	if (h.when != HALT_SOON && h.when != HALT_NOW)
		fz_fail("--halt %s: when %d", s, (int)h.when);
	if (h.why != HALT_FAIL && h.why != HALT_SUCCESS && h.why != HALT_DONE)
		fz_fail("--halt %s: why %d", s, (int)h.why);
	if ((h.count == 0) == (h.percent == 0) || h.percent > 100)
		fz_fail("--halt %s: count %llu, percent %u", s, h.count,
		    h.percent);
}

/* A duration is finite, not negative, and at most 1e9 seconds (what the
 * timers downstream can represent). */
static void
check_secs(const char *opt, const char *s, double secs)
{
	if (!(secs >= 0 && secs <= 1e9))
		fz_fail("%s %s: %g seconds", opt, s, secs);
}

static void
fuzz_duration(const char *s)
{
	const char *errstr = "unset";
	double secs = -1;

	if (parsed("--delay", s, opts_parse_duration(s, &secs, &errstr),
	    errstr))
		check_secs("--delay", s, secs);
}

/* --timeout: a positive duration or a percentage, never both. */
static void
fuzz_timeout(const char *s)
{
	const char *errstr = "unset";
	double secs = -1;
	unsigned pct = 0;

	if (!parsed("--timeout", s, opts_parse_timeout(s, &secs, &pct,
	    &errstr), errstr))
		return;
	check_secs("--timeout", s, secs);
	if (pct == 0 ? secs <= 0 : secs != 0 || pct > 1000000)
		fz_fail("--timeout %s: %g seconds, %u%%", s, secs, pct);
}

/* --termseq: 1 to TERMSEQ_MAX signals from 1 to 64, waits of at most a
 * day; printed back as numbers it parses to the same sequence. */
static void
fuzz_termseq(const char *s)
{
	const char *errstr = "unset";
	struct termseq t, u;
	struct buf b = { 0 };
	char num[32];
	size_t i;
	int n;

	if (!parsed("--termseq", s, opts_parse_termseq(s, &t, &errstr),
	    errstr))
		return;
	if (t.n < 1 || t.n > TERMSEQ_MAX)
		fz_fail("--termseq %s: %zu signals", s, t.n);
	for (i = 0; i < t.n; i++) {
		if (t.sig[i] < 1 || t.sig[i] > 64 || t.ms[i] > 86400000)
			fz_fail("--termseq %s: signal %d, wait %u", s,
			    t.sig[i], t.ms[i]);
		n = snprintf(num, sizeof(num), "%s%d,%u", i > 0 ? "," : "",
		    t.sig[i], t.ms[i]);
		buf_add(&b, num, (size_t)n);
	}
	buf_add(&b, "", 1);
	if (opts_parse_termseq(b.p, &u, &errstr) != 0 || u.n != t.n ||
	    memcmp(u.sig, t.sig, t.n * sizeof(t.sig[0])) != 0 ||
	    memcmp(u.ms, t.ms, t.n * sizeof(t.ms[0])) != 0)
		fz_fail("--termseq %s: reads back differently as %s", s,
		    b.p);
	buf_free(&b);
}

/* --memfree: at most 1e18 bytes. */
static void
fuzz_size(const char *s)
{
	const char *errstr = "unset";
	unsigned long long bytes;

	if (parsed("--memfree", s, opts_parse_size(s, &bytes, &errstr),
	    errstr) && bytes > 1000000000000000000ULL)
		fz_fail("--memfree %s: %llu bytes", s, bytes);
}

/* The parsers, each with the check of its documented range. */
static const struct {
	const char *name;
	void (*check)(const char *s);
} parsers[] = {
	{ "jobs", fuzz_jobs },
	{ "halt", fuzz_halt },
	{ "duration", fuzz_duration },
	{ "timeout", fuzz_timeout },
	{ "termseq", fuzz_termseq },
	{ "size", fuzz_size },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	size_t i;

	/* Option values come from argv: C strings, so up to the first
	 * NUL. */
	s = xmemdup(data, size);
	for (i = 0; i < sizeof(parsers) / sizeof(parsers[0]); i++)
		parsers[i].check(s);
	free(s);
	return 0;
}
