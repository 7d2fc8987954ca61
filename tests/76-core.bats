#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Regressions of the core: output lost with --shuf -k --halt, the total
# missing from the progress line when every job is read first, a job's
# output waiting for --delay's pacing, --line-buffer holding a job's output
# in memory, and jobs left running after a fatal error of tpmap's own.
# Jobs are held with FIFOs and marker files, never ordered with sleep;
# every wait is bounded, and the only processes killed are the ones the
# test started or the jobs recorded.

load test_helper
load helpers/terminal

setup() {
	mkdir "$TMP/tmpdir"
	export TMPDIR="$TMP/tmpdir"
	S="$TMP/tmux.sock"
}

teardown() {
	local p

	# A tpmap still running on a terminal dies of SIGHUP and terminates
	# its jobs.
	if tmux -S "$S" has-session 2>/dev/null; then
		tmux -S "$S" kill-server
	fi
	# The jobs that a failing test left running, by their recorded pids.
	if [ -e "$TMP/pids" ]; then
		for p in $(alive "$TMP/pids"); do
			if kill -9 "$p" 2>/dev/null; then
				echo "killed job $p, left running" >&3
			fi
		done
	fi
}

# gone PIDFILE: waits, at most 10 seconds, until none of the pids in
# PIDFILE runs; else names them and fails.
gone() {
	local left deadline=$((SECONDS + 10))

	while left=$(alive "$1"); [ -n "$left" ]; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "still running: $left" >&2
			return 1
		fi
		sleep 0.05
	done
}

# --- output of the jobs that ran, after --halt ---

@test "--shuf -k --halt soon,fail=1 prints each job that ran exactly once" {
	# Guards: with every job read first and shuffled, the jobs that
	# --halt keeps from starting must not hold back the output of the
	# ones that ran (-k waited for them for ever and printed nothing).
	# Every job but "1" fails with status 3, so whatever the shuffle
	# one or two jobs fail and the status is 3; the jobs that ran are
	# the joblog's rows, and each prints "job N" once.
	run -3 --separate-stderr tpmap --shuf -k -j2 --halt soon,fail=1 \
	    --joblog "$TMP/log" 'echo job {}; [ {} = 1 ] || exit 3' ::: $(seq 100)
	ran=$(tail -n +2 "$TMP/log" | cut -f 9 | sed 's/;.*//; s/^echo //' | sort)
	printed=$(sort <<<"$output")
	printf -- '--- ran:\n%s\n--- printed:\n%s\n' "$ran" "$printed"
	[ -n "$ran" ]
	[ "$printed" = "$ran" ]
}

# --- the progress line's total when every job is read first ---

# Each job waits, printing nothing, until the file "release" exists.  With
# -j2 and eight jobs the input is not all handed to the workers while the
# first two run: streaming, the total would not be known yet.
held='until [ -e release ]; do sleep 0.05; done; : {}'

@test "--shuf: --eta shows the total of the jobs, all read first" {
	# Guards: the total was given to the progress line before the line
	# existed, and was lost until the last job had been handed over.
	term 100 "$TPMAP -j2 --shuf --eta '$held' ::: 1 2 3 4 5 6 7 8"
	wait_screen '0 of 8 done, 2 running, ETA ?'
	touch "$TMP/release"
	wait_screen 'END 0'
}

@test "--halt soon,fail=50%: --bar shows the total of the jobs, all read first" {
	# Guards: as for --shuf, N% of the jobs needs them all read first.
	term 100 "$TPMAP -j2 --halt soon,fail=50% --bar '$held' ::: 1 2 3 4 5 6 7 8"
	wait_match '  0% [---------------------------------] 0 of 8 done, 2 running, ' "$BAR_TAIL"
	touch "$TMP/release"
	wait_screen 'END 0'
}

# --- pacing ---

@test "--delay with --timeout N%: a job's output does not wait for the next job's delay" {
	# Guards: one mutex guarded both --delay's pacing, which sleeps
	# holding it, and --timeout N%'s runtimes: job a's end (and so its
	# output) waited until job b's 60 s delay was over.  Job b is still
	# held by the delay when a's line must be there.
	tpmap -j2 --delay 60 --timeout 1000% 'echo {}' ::: a b >"$TMP/out" 3>&- &
	pid=$!
	st=0
	timeout 20 sh -c 'until grep -qx a "$1"; do sleep 0.05; done' sh "$TMP/out" || st=$?
	# No job runs (b has not started): SIGKILL leaves nothing, and does
	# not wait for the pacing's sleep.
	kill -9 "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 137 ]
	[ "$st" -eq 0 ]
	[ "$(cat "$TMP/out")" = "a" ]
}

@test "--delay starts jobs in input order, whichever worker comes first" {
	# Guards: the first worker to reach the pacing passed, so a later
	# job could start first and job 1 wait the 60 s delay (the test
	# above then timed out).  Eight workers race ten times; the first
	# output must each time be job 1's.
	for i in 1 2 3 4 5 6 7 8 9 10; do
		: >"$TMP/out"
		tpmap -j8 --delay 60 'echo {}' ::: a b c d e f g h >"$TMP/out" 3>&- &
		pid=$!
		st=0
		timeout 20 sh -c 'until [ -s "$1" ]; do sleep 0.05; done' sh "$TMP/out" || st=$?
		kill -9 "$pid"
		rc=0
		wait "$pid" || rc=$?
		[ "$rc" -eq 137 ]
		[ "$st" -eq 0 ]
		[ "$(cat "$TMP/out")" = "a" ]
	done
}

# --- --line-buffer in bounded memory ---

@test "-k --line-buffer behind a slow first job, a job of 200 MiB: peak RSS under 16 MiB" {
	# Guards: a held job's lines were kept in memory however many; they
	# must go to the store as without --line-buffer.  Job 1 prints only
	# once job 2 has written all its output.
	mkfifo "$TMP/last"
	run -0 --separate-stderr bash -c '
		peakrss tpmap -k -j2 --line-buffer "if [ {} = 1 ]; then read x <\"$TMP/last\"; echo one; else yes abcdefghijklmnopqrstuvwxyz | head -c 209715200; echo >\"$TMP/last\"; fi" ::: 1 2 3>"$TMP/rss" |
			cksum'
	expected=$({ echo one; yes abcdefghijklmnopqrstuvwxyz | head -c 209715200; } | cksum)
	[ "$output" = "$expected" ]
	[ "$stderr" = "" ]
	peak_below 16384
}

@test "--line-buffer, one line of 100 MiB without a newline: peak RSS under 16 MiB" {
	# Guards: the unfinished last line was gathered in memory, whole,
	# until the job ended.
	run -0 --separate-stderr bash -c '
		peakrss tpmap --line-buffer "head -c 104857600 /dev/zero | tr \"\\0\" {}" ::: x 3>"$TMP/rss" |
			cksum'
	[ "$output" = "$(head -c 104857600 /dev/zero | tr '\0' x | cksum)" ]
	[ "$stderr" = "" ]
	peak_below 16384
}

# --- fatal errors ---

@test "a write error on the --joblog names it, terminates the running jobs and exits 255" {
	# Guards: tpmap warned and went on, then waited for ever for the
	# long job.  With SIGXFSZ ignored and a file size limit of 1 KiB,
	# the rows past it fail with EFBIG.  Job 1 records its pid and a
	# grandchild's, lets job 2 go and blocks; jobs 2..20 end at once,
	# each adding a row, while job 1 runs.
	mkfifo "$TMP/ready"
	run -255 --separate-stderr bash -c '
		trap "" XFSZ
		ulimit -f 1
		exec timeout 30 tpmap -j2 --joblog "$TMP/log" "$1" ::: $(seq 20)' _ \
	    'if [ {} = 1 ]; then sleep 1000 & echo $! >"$TMP/pids"; echo $$ >>"$TMP/pids"; echo >"$TMP/ready"; wait; elif [ {} = 2 ]; then read x <"$TMP/ready"; fi' 3>&-
	[[ $stderr == *"$TMP/log"* ]]
	[ "$(wc -l <"$TMP/pids")" -eq 2 ]
	gone "$TMP/pids"
}
