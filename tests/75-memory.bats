#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Bounded memory: output of jobs that are done but cannot be printed yet
# goes to unlinked temporary files past a small budget, arrives byte for
# byte, and leaves nothing in $TMPDIR.  Peak memory is read with the
# peakrss helper (getrusage), the slow first job is held with a FIFO.

load test_helper

setup() {
	mkdir "$TMP/tmpdir"
	export TMPDIR="$TMP/tmpdir"
	mkfifo "$TMP/last"
}

@test "-k -j4 behind a slow first job, 39 jobs of 8 MiB: peak RSS under 32 MiB" {
	# Job 1 prints only once job 40 has written its output.
	run -0 --separate-stderr bash -c '
		peakrss tpmap -k -j4 "if [ {} = 1 ]; then read x <\"$TMP/last\"; fi; head -c 8388608 /dev/zero | tr \"\\0\" {}; if [ {} = 40 ]; then echo >\"$TMP/last\"; fi" ::: $(seq 40) 3>"$TMP/rss" |
			cksum'
	expected=$(for i in $(seq 40); do head -c 8388608 /dev/zero | tr '\0' "$i"; done | cksum)
	[ "$output" = "$expected" ]
	peak_below 32768
}

@test "-k behind a slow first job, 1,000 held jobs: memory and descriptors stay flat" {
	# Jobs 2..n finish while job 1 waits for job n.  Held jobs share one
	# store file, so 64 descriptors and 16 MiB are plenty.  The sanitizer
	# passes hold 200, still more than 64 descriptors' worth.
	n=1000
	[ -z "${TPMAP_SANITIZER:-}" ] || n=200
	# Each job prints the same 100,000 bytes from a file, then its number:
	# one cat per job instead of a pipeline keeps the suite quick.
	head -c 100000 /dev/zero | tr '\0' x >"$TMP/blob"
	run -0 --separate-stderr bash -c '
		ulimit -n 64
		timeout 120 peakrss tpmap -k -j4 "if [ {} = 1 ]; then read x <\"$TMP/last\"; fi; cat \"$TMP/blob\"; echo {}; if [ {} = $1 ]; then echo >\"$TMP/last\"; fi" ::: $(seq $1) 3>"$TMP/rss" |
			cksum' _ "$n"
	expected=$(awk -v n="$n" 'BEGIN { getline b <ARGV[1]; for (i = 1; i <= n; i++) print b i }' "$TMP/blob" | cksum)
	[ "$output" = "$expected" ]
	[ "$stderr" = "" ]
	peak_below 16384
}

# Job k prints k thousand lines and k hundred on stderr: the held jobs
# pass the in-memory budget, so some wait in memory and some in the store.
held_jobs='if [ {} = 1 ]; then read x <"$TMP/last"; fi; seq {}000; seq {}00 >&2; if [ {} = 40 ]; then echo >"$TMP/last"; fi'

held_expected() {
	local k
	for k in $(seq 40); do seq "${k}$1" | sed "s/^/$k\t/"; done
}

@test "held jobs, in memory and parked, keep their bytes, tags and order" {
	run -0 --separate-stderr bash -c 'tpmap -k -j3 --tag "$1" ::: $(seq 40) 2>"$TMP/err" | cksum' sh "$held_jobs"
	[ "$output" = "$(held_expected 000 | cksum)" ]
	[ "$(cksum <"$TMP/err")" = "$(held_expected 00 | cksum)" ]
	[ "$(ls -A "$TMPDIR")" = "" ]
}

@test "held jobs with --line-buffer keep their bytes, tags and order" {
	run -0 --separate-stderr bash -c 'tpmap -k -j3 --line-buffer --tag "$1" ::: $(seq 40) 2>"$TMP/err" | cksum' sh "$held_jobs"
	[ "$output" = "$(held_expected 000 | cksum)" ]
	[ "$(cksum <"$TMP/err")" = "$(held_expected 00 | cksum)" ]
}

@test "held jobs, in memory and parked, reach --results whole" {
	run -0 --separate-stderr tpmap -k -j3 --results "$TMP/res" "$held_jobs" ::: $(seq 40)
	for k in $(seq 40); do
		seq "${k}000" | cmp - "$TMP/res/1/$k/stdout"
		seq "${k}00" | cmp - "$TMP/res/1/$k/stderr"
	done
	[ "$(ls -A "$TMPDIR")" = "" ]
}

@test "grouped output of a large job keeps its bytes, tags and order" {
	run -0 --separate-stderr bash -c 'tpmap -k --tag "seq 300000; seq 200000 >&2; : {}" ::: a 2>"$TMP/err" | cksum'
	[ "$output" = "$(seq 300000 | sed 's/^/a\t/' | cksum)" ]
	[ "$(cksum <"$TMP/err")" = "$(seq 200000 | sed 's/^/a\t/' | cksum)" ]
	[ "$(ls -A "$TMPDIR")" = "" ]
}

@test "--results and --files get the spilled output too" {
	run -0 --separate-stderr tpmap --results "$TMP/res" 'seq 300000; seq 200000 >&2; : {}' ::: a
	seq 300000 | cmp - "$TMP/res/1/a/stdout"
	seq 200000 | cmp - "$TMP/res/1/a/stderr"
	run -0 --separate-stderr tpmap --files 'seq 300000; : {}' ::: a
	seq 300000 | cmp - "$output"
	rm "$output"
	[ "$(ls -A "$TMPDIR")" = "" ]
}

@test "the joblog counts the spilled bytes as received" {
	run -0 --separate-stderr tpmap --joblog "$TMP/log" 'head -c 1000000 /dev/zero; : {}' ::: a
	[ "$(cut -f 6 "$TMP/log" | tail -1)" = "1000000" ]
}

@test "one job printing 2 GiB arrives byte-exact" {
	# The sanitizer passes of .ci/run set this; the plain pass runs it.
	if [ -n "${TPMAP_SANITIZER:-}" ]; then
		skip "2 GiB is run by the plain pass"
	fi
	run -0 --separate-stderr bash -c 'tpmap -k "head -c 2147483648 /dev/zero; echo end{}" ::: 1 | cksum'
	# The cksum of 2 GiB of zero bytes and "end1\n", written out once
	# rather than computed again on every run.
	[ "$output" = "3410327715 2147483653" ]
	[ "$(ls -A "$TMPDIR")" = "" ]
}

@test "nothing stays in TMPDIR after tpmap is killed with SIGKILL" {
	tpmap -k -j2 'if [ {} = 1 ]; then echo $$ >"$TMP/job1"; read x <"$TMP/last"; fi; head -c 1000000 /dev/zero; if [ {} = 2 ]; then echo >"$TMP/last.2"; fi' ::: 1 2 >/dev/null 3>&- &
	pid=$!
	# Job 2's output is held behind job 1, spilled; job 1 waits on the
	# FIFO that nobody writes.
	timeout 30 sh -c 'until [ -e "$1" ] && [ -s "$2" ]; do :; done' sh "$TMP/last.2" "$TMP/job1"
	kill -9 "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 137 ]
	# SIGKILL gave tpmap no chance to stop job 1: it is still there, the
	# leader of its own process group (the kill fails if it is gone).
	kill -- -"$(cat "$TMP/job1")"
	[ "$(ls -A "$TMPDIR")" = "" ]
}
