/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the libFuzzer targets in tests/fuzz/: reporting a
 * failed check, deciding which inputs are worth a real shell (spawning one
 * costs a thousand times more than the check it verifies), and running a
 * command line under a real shell with its output captured.  Not part of
 * tpmap; linked only into the fuzzers.
 */
#ifndef TPMAP_FUZZ_H
#define TPMAP_FUZZ_H

#include <stddef.h>

#include "util.h"

/* Print "fuzz: <message>" and abort(), which libFuzzer reports as a crash
 * and saves the input for. */
void fz_fail(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

/* Print label and bytes to stderr with C escapes, to explain a failure. */
void fz_show(const char *label, const char *s, size_t len);

/*
 * Prepare fz_sh_run: a private scratch directory for the shells to run
 * in, removed at exit.  argv0 is the fuzzer's argv[0], from which the
 * directory of the helper programs is found.  Call from
 * LLVMFuzzerInitialize.
 */
void fz_init(const char *argv0);

/* The absolute path of helper program name built next to the fuzzer
 * (tests/fuzz/bin/NAME), or $TPMAP_FUZZ_BIN/NAME.  Static storage. */
const char *fz_helper(const char *name);

/*
 * Whether this input should also be checked against a real shell: the
 * first 256 inputs (the seed corpus, in practice) and then every 64th.
 * TPMAP_FUZZ_SH=1 checks every input (for replaying a corpus or a crash),
 * TPMAP_FUZZ_SH=0 none.
 */
int fz_sh_due(void);

/* The shells to check against: $TPMAP_FUZZ_SHELLS (space-separated
 * paths), default /bin/sh and /bin/bash.  NULL-terminated, static storage. */
const char *const *fz_shells(void);

/*
 * Run `shell -c LINE` in the scratch directory with stdin from /dev/null,
 * PATH pointing nowhere (so that code injected by a bug cannot run
 * programs), LC_ALL=C, and stdout and stderr both appended to out.
 * Returns the exit status, or 256 + signal number.  A shell that runs
 * longer than 10 s or writes more than 1 MiB is killed and reported
 * through fz_fail: both mean the line did something it should not.
 */
int fz_sh_run(const char *shell, const char *line, struct buf *out);

#endif /* TPMAP_FUZZ_H */
