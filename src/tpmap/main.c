/* SPDX-License-Identifier: MIT */
/*
 * tpmap's entry point.  For now it only answers --help and --version: the
 * job runner itself (input, templates, spawning, output) is built on libtp
 * in the issues that follow the foundation.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "tp.h"

#define TPMAP_VERSION "0.1.0"

static void
usage(FILE *fp)
{
	fputs("usage: tpmap [-hV] [command [arg ...]]\n"
	    "  -h, --help     show this help and exit\n"
	    "  -V, --version  show the version and exit\n", fp);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("tpmap %s (libtp %d.%d.%d)\n", TPMAP_VERSION,
			    TP_VERSION_MAJOR, TP_VERSION_MINOR, TP_VERSION_PATCH);
			return 0;
		default:
			usage(stderr);
			return 255;
		}
	}
	errx(255, "running jobs is not implemented yet");
}
