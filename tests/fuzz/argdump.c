/* SPDX-License-Identifier: MIT */
/*
 * Helper for fuzz-classifier: writes each of its arguments followed by a
 * NUL byte, the one byte no argument can hold, so that the output names
 * the argv exactly (showargs' <arg> lines are ambiguous once an argument
 * holds a newline or a >).
 */
#include <stdio.h>
#include <string.h>

int
main(int argc, char *argv[])
{
	int i;

	for (i = 1; i < argc; i++)
		fwrite(argv[i], 1, strlen(argv[i]) + 1, stdout);
	return fflush(stdout) != 0 || ferror(stdout) ? 1 : 0;
}
