# SPDX-License-Identifier: MIT
# Loaded by every suite: puts the freshly built tpmap first on PATH, gives
# each test a private temporary directory and names the C helpers.
# TP_DRIVER may be set from outside to run the driver under a wrapper
# (tests/helpers/valgrind-driver does that for the CI's valgrind pass);
# TP_DRIVER_SO likewise for the driver linked with libtp.so.

bats_require_minimum_version 1.5.0

TPMAP_ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
export TPMAP_ROOT
export PATH="$TPMAP_ROOT:$TPMAP_ROOT/tests/helpers:$PATH"
: "${TP_DRIVER:=$TPMAP_ROOT/tests/helpers/tp-driver}"
export TP_DRIVER
# The same scenarios against libtp.so; set it empty to skip those runs.
: "${TP_DRIVER_SO=$TPMAP_ROOT/tests/helpers/tp-driver-so}"
export TP_DRIVER_SO
SHOWARGS="$TPMAP_ROOT/tests/helpers/showargs"
export SHOWARGS

# `make -jN check` hands its jobserver to bats in MAKEFLAGS, with the
# descriptors closed (the recipe is not marked +): every tpmap would warn.
# The suites start from no make at all; 74-jobserver sets its own.
unset MAKEFLAGS MFLAGS MAKELEVEL

# A fresh directory per test, removed by bats afterwards.
TMP="$BATS_TEST_TMPDIR"
export TMP

# alive PIDFILE...: prints the pids from the files that still run.  A
# zombie has ended (in a container nobody may reap an orphan).
alive() {
	local f p st
	for f; do
		while read -r p; do
			st=$(ps -o stat= -p "$p") || continue
			case $st in Z*) ;; *) echo "$p" ;; esac
		done <"$f"
	done
}

# peak_below KIB: the peak RSS that tests/helpers/peakrss wrote to $TMP/rss
# is below KIB (checked by the plain pass: sanitizer builds carry shadow
# memory), and nothing is left in $TMPDIR.
peak_below() {
	local rss
	rss=$(cat "$TMP/rss")
	echo "peak RSS: $rss KiB" >&3
	if [ -z "${TPMAP_SANITIZER:-}" ]; then
		[ "$rss" -lt "$1" ]
	fi
	[ "$(ls -A "$TMPDIR")" = "" ]
}
