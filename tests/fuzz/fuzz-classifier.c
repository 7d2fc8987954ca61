/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: cmd_split, the classifier that lets a job run without
 * a shell.  The input is a command line.  Whenever cmd_split accepts it,
 * its argv must be well formed, and on a sample of inputs (fz_sh_due) a
 * real shell must split the line into the same words: the line is run as
 * `argdump LINE`, argdump printing its arguments NUL-terminated.  Putting
 * argdump in front, rather than in place of the first word, keeps the
 * check to what cmd_split claims to reproduce, the splitting and quote
 * removal; what a first word means (keyword, builtin, assignment) is its
 * shell_words list, which no splitting comparison can test.  A line
 * cmd_split refuses needs no check: the shell then runs it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "execpath.h"
#include "fuzz.h"
#include "shquote.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *argdump;		/* shell-quoted path of the argdump helper */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct buf b;
	const char *p;

	(void)argc;
	fz_init((*argv)[0]);
	p = fz_helper("argdump");
	memset(&b, 0, sizeof(b));
	shq_append(&b, p, strlen(p));
	argdump = buf_detach(&b, NULL);
	return 0;
}

/* The words as argdump prints them. */
static void
words_dump(char **argv, struct buf *out)
{
	size_t i;

	for (i = 0; argv[i] != NULL; i++)
		buf_add(out, argv[i], strlen(argv[i]) + 1);
}

static void
check_sh(const char *line, size_t len, char **argv)
{
	const char *const *sh;
	struct buf script, want, got;
	int st;

	memset(&script, 0, sizeof(script));
	memset(&want, 0, sizeof(want));
	memset(&got, 0, sizeof(got));
	buf_grow(&want, 0);	/* p is not NULL, for memcmp */
	buf_grow(&got, 0);
	buf_adds(&script, argdump);
	buf_addc(&script, ' ');
	buf_add(&script, line, len);
	words_dump(argv, &want);
	for (sh = fz_shells(); *sh != NULL; sh++) {
		buf_reset(&got);
		st = fz_sh_run(*sh, script.p, &got);
		if (st == 0 && got.len == want.len &&
		    memcmp(got.p, want.p, want.len) == 0)
			continue;
		fz_show("line", line, len);
		fz_show("cmd_split", want.p, want.len);
		fz_show(*sh, got.p, got.len);
		fz_fail("cmd_split and %s split the line differently "
		    "(status %d)", *sh, st);
	}
	buf_free(&script);
	buf_free(&want);
	buf_free(&got);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data;
	char **argv;
	size_t i, total;

	if (!cmd_split(line, size, &argv))
		return 0;
	/*
	 * One allocation holds the array and the strings; reading every
	 * string to its NUL lets AddressSanitizer prove they lie inside it.
	 * Quote removal only ever drops bytes, so the words together cannot
	 * be longer than the line.
	 */
	if (argv[0] == NULL || argv[0][0] == '\0')
		fz_fail("cmd_split accepted a line without a command name");
	total = 0;
	for (i = 0; argv[i] != NULL; i++)
		total += strlen(argv[i]);
	if (total > size)
		fz_fail("cmd_split made %zu bytes of words from %zu", total,
		    size);
	if (memchr(line, '\0', size) != NULL)
		fz_fail("cmd_split accepted a line holding NUL");
	if (fz_sh_due())
		check_sh(line, size, argv);
	free(argv);
	return 0;
}
