/* SPDX-License-Identifier: MIT */
/*
 * Test helper: prints each argument on its own line between < and >, so
 * that tests see exactly how an argv was split (empty arguments, spaces,
 * newlines inside an argument).
 */
#include <stdio.h>

int
main(int argc, char *argv[])
{
	int i;

	for (i = 1; i < argc; i++)
		printf("<%s>\n", argv[i]);
	return ferror(stdout) ? 1 : 0;
}
