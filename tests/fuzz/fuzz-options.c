/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the option value parsers options.h exports.  The
 * input, up to its first NUL, is one option value, and every parser in
 * the table below gets it: each must return success with a result in its
 * documented range, or failure with a message, and never crash or leak.
 * opts_parse itself is not fuzzed: a bad value makes it exit.  A new
 * parser is one more row in the table and one check function; the corpus
 * stays valid, because no byte of the input selects the parser.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "options.h"
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

/*
 * The parsers.  --halt, --timeout and --termseq are being added to
 * options.h as opts_parse_halt, opts_parse_timeout and
 * opts_parse_termseq: give each a fuzz_NAME check above that calls it and
 * asserts its documented range, and a row here.
 */
static const struct {
	const char *name;
	void (*check)(const char *s);
} parsers[] = {
	{ "jobs", fuzz_jobs },
	/* { "halt", fuzz_halt }, */
	/* { "timeout", fuzz_timeout }, */
	/* { "termseq", fuzz_termseq }, */
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
