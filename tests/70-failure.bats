#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Failure handling: --halt, --retries, --timeout, --termseq, --delay,
# --joblog with --resume, --resume-failed and --retry-failed, --shuf,
# --load, --memfree, signals to tpmap, and faults on the output side.
# "Nothing left running" is checked by the pids the jobs record; jobs are
# ordered with FIFOs, never with sleep.

load test_helper

# --- --halt ---

@test "--halt now,fail=1 exits with the failing job's status and names it" {
	run -7 --separate-stderr tpmap -j1 -k --halt now,fail=1 'echo {}; exit {}' ::: 0 7 0
	[ "$output" = $'0\n7' ]
	[ "$stderr" = $'tpmap: This job failed:\necho 7; exit 7' ]
}

@test "--halt 2 is now,fail=1 and a signal gives 128 plus its number" {
	run -137 --separate-stderr tpmap -j1 -k --halt 2 'echo {}; kill -9 $$' ::: a b
	[ "$output" = "a" ]
}

@test "--halt soon,fail=2 starts nothing after the second failure" {
	run -2 --separate-stderr tpmap -j1 -k --halt soon,fail=2 'echo {}; exit {}' ::: 0 3 0 4 5 6
	[ "$output" = $'0\n3\n0\n4' ]
	[ "$stderr" = $'tpmap: This job failed:\necho 3; exit 3\ntpmap: This job failed:\necho 4; exit 4' ]
}

@test "--halt now,success=1 stops at the first success with status 0" {
	run -0 --separate-stderr tpmap -j1 -k --halt now,success=1 'echo {}; exit {}' ::: 3 0 4
	[ "$output" = $'3\n0' ]
	[ "$stderr" = $'tpmap: This job succeeded:\necho 0; exit 0' ]
}

@test "--halt now,done=2 stops after two jobs; the status counts the failed" {
	run -1 --separate-stderr tpmap -j1 -k --halt now,done=2 'echo {}; exit {}' ::: 3 0 4
	[ "$output" = $'3\n0' ]
}

@test "--halt soon,fail=50% counts against all jobs" {
	run -2 --separate-stderr tpmap -j1 -k --halt soon,fail=50% 'echo {}; exit {}' ::: 1 0 2 0
	[ "$output" = $'1\n0\n2' ]
	run -2 --separate-stderr tpmap -j1 -k --halt soon,fail=50% 'echo {}; exit {}' ::: 1 2 0 0
	[ "$output" = $'1\n2' ]
}

@test "--halt now terminates the running jobs and their children" {
	mkfifo "$TMP/go"
	# Job a records itself and a grandchild, then lets job b fail.
	run -3 --separate-stderr timeout 60 tpmap -j2 --halt now,fail=1 \
	    'if [ {} = a ]; then sleep 1000 & echo $! >"$TMP/pids"; echo $$ >>"$TMP/pids"; echo go >"$TMP/go"; wait; else read x <"$TMP/go"; exit 3; fi' ::: a b
	[ "$output" = "" ]
	[ "$(wc -l <"$TMP/pids")" -eq 2 ]
	[ "$(alive "$TMP/pids")" = "" ]
}

@test "--halt with a bad value names it and exits 255" {
	run -255 --separate-stderr tpmap --halt sometime,fail=1 echo ::: a
	[ "$stderr" = "tpmap: --halt 'sometime,fail=1': WHEN is not now or soon" ]
	run -255 --separate-stderr tpmap --halt now,fail=0 echo ::: a
	[ "$stderr" = "tpmap: --halt 'now,fail=0': not a count of jobs" ]
}

# --- --retries ---

@test "--retries runs a failing job again and prints only the last attempt" {
	run -0 --separate-stderr tpmap --retries 3 --joblog "$TMP/log" \
	    'true {}; echo x >>"$TMP/n"; n=$(wc -l <"$TMP/n"); echo try$n; echo err$n >&2; [ $n -eq 2 ]' ::: a
	[ "$output" = "try2" ]
	[ "$stderr" = "err2" ]
	[ "$(wc -l <"$TMP/log")" -eq 2 ]
}

@test "--retries gives up after N attempts" {
	run -1 --separate-stderr tpmap --retries 3 'true {}; echo x >>"$TMP/n"; exit 1' ::: a
	[ "$(wc -l <"$TMP/n")" -eq 3 ]
}

# --- --timeout and --termseq ---

@test "--timeout terminates a job and its children, which then fails" {
	run -1 --separate-stderr timeout 60 tpmap --joblog "$TMP/log" --timeout 0.3 \
	    'true {}; sleep 1000 & echo $! >"$TMP/pids"; echo $$ >>"$TMP/pids"; echo started; wait' ::: a
	[ "$output" = "started" ]
	[ "${stderr%%$'\n'*}" = "tpmap: Warning: This job was killed because it timed out:" ]
	[ "$(alive "$TMP/pids")" = "" ]
	[ "$(cut -f 7,8 "$TMP/log" | tail -1)" = $'-1\t15' ]
}

@test "--termseq ends with KILL for a job that ignores TERM" {
	run -1 --separate-stderr timeout 60 tpmap --joblog "$TMP/log" --timeout 0.2 \
	    --termseq TERM,100,KILL,25 'true {}; trap "" TERM; echo $$ >"$TMP/pids"; sleep 1000' ::: a
	[ "$(cut -f 7,8 "$TMP/log" | tail -1)" = $'-1\t9' ]
	[ "$(alive "$TMP/pids")" = "" ]
}

@test "--timeout N% of the median ends the one slow job" {
	mkfifo "$TMP/never"
	run -1 --separate-stderr timeout 60 tpmap -j1 -k --timeout 200% \
	    'if [ {} = 4 ]; then read x <"$TMP/never"; fi; echo {}' ::: 1 2 3 4 5
	[ "$output" = $'1\n2\n3\n5' ]
}

@test "--timeout and --termseq values are checked" {
	run -255 --separate-stderr tpmap --timeout soon echo ::: a
	[ "$stderr" = "tpmap: --timeout 'soon': not a duration (seconds, or units d h m s)" ]
	run -255 --separate-stderr tpmap --termseq TERM,100,NOSUCH echo ::: a
	[ "$stderr" = "tpmap: --termseq 'TERM,100,NOSUCH': not a signal name or number" ]
	run -0 --separate-stderr tpmap --timeout 1m30s --termseq SIGINT,10,9 echo ::: a
	[ "$output" = "a" ]
}

# --- --delay, --load, --memfree, --shuf ---

@test "--delay starts jobs at least that far apart" {
	run -0 --separate-stderr tpmap -j3 --delay 0.3 --joblog "$TMP/log" true ::: 1 2 3
	run -0 awk -F '\t' 'NR > 1 { print $3 }' "$TMP/log"
	first=$(printf '%s\n' "${lines[@]}" | sort -n | head -1)
	last=$(printf '%s\n' "${lines[@]}" | sort -n | tail -1)
	# Two delays of 0.3 s, less what spawning jitter can take off.
	awk -v a="$first" -v b="$last" 'BEGIN { exit !(b - a >= 0.5) }'
}

@test "--load and --memfree with room to spare run every job" {
	run -0 --separate-stderr tpmap -k --load 10000 --memfree 1k echo ::: a b
	[ "$output" = $'a\nb' ]
	run -255 --separate-stderr tpmap --memfree lots echo ::: a
	[ "$stderr" = "tpmap: --memfree 'lots': not a size" ]
}

@test "--shuf runs every job exactly once" {
	run -0 --separate-stderr tpmap --shuf echo < <(seq 200)
	[ "$(printf '%s\n' "${lines[@]}" | sort -n)" = "$(seq 200)" ]
}

# --- --joblog ---

@test "--joblog writes GNU parallel's header and one row per job" {
	run -2 --separate-stderr tpmap -j1 -k --joblog "$TMP/log" ::: 'echo ab' 'kill -9 $$' 'exit 3'
	run -0 cut -f 1,2,5-9 "$TMP/log"
	[ "$output" = $'Seq\tHost\tSend\tReceive\tExitval\tSignal\tCommand\n1\t:\t0\t3\t0\t0\techo ab\n2\t:\t0\t0\t0\t9\tkill -9 $$\n3\t:\t0\t0\t3\t0\texit 3' ]
	run -0 awk -F '\t' 'NR > 1 && ($3 !~ /^[0-9]+\.[0-9][0-9][0-9]$/ || $4 !~ /^ *[0-9]+\.[0-9][0-9][0-9]$/ || length($4) != 10) { print "bad: " $0 }' "$TMP/log"
	[ "$output" = "" ]
}

@test "--joblog +FILE appends without a second header" {
	tpmap --joblog "$TMP/log" echo ::: a
	tpmap --joblog "+$TMP/log" echo ::: b
	run -0 cut -f 1,9 "$TMP/log"
	[ "$output" = $'Seq\tCommand\n1\techo a\n1\techo b' ]
}

@test "a command not found is logged with 127" {
	run -1 --separate-stderr tpmap --joblog "$TMP/log" tpmap-no-such-command ::: a
	[ "$(cut -f 7 "$TMP/log" | tail -1)" = "127" ]
}

@test "the joblog of a run killed with SIGKILL holds every finished job" {
	mkfifo "$TMP/go"
	tpmap -j2 --joblog "$TMP/log" 'if [ {} = 1 ]; then echo done; else echo $$ >"$TMP/job2"; echo go >"$TMP/go"; sleep 1000; fi' ::: 1 2 3>&- &
	pid=$!
	# Job 2 blocks until we read: by then job 1 may still be logging, so
	# wait for its row, bounded.
	timeout 30 cat "$TMP/go" >/dev/null
	timeout 30 sh -c 'until grep -q "^1	" "$1"; do :; done' sh "$TMP/log"
	kill -9 "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 137 ]
	# SIGKILL gave tpmap no chance to stop job 2: it is still there, its
	# shell the leader of the job's own process group, with the sleep (the
	# kill fails if the group is gone).
	kill -- -"$(cat "$TMP/job2")"
	run -0 cut -f 1,7,9 "$TMP/log"
	[ "$output" = $'Seq\tExitval\tCommand\n1\t0\tif [ 1 = 1 ]; then echo done; else echo $$ >"$TMP/job2"; echo go >"$TMP/go"; sleep 1000; fi' ]
}

@test "--resume skips the jobs in the log, --resume-failed reruns the failed" {
	run -1 --separate-stderr tpmap -j1 -k --joblog "$TMP/log" ::: 'echo 1' 'exit 2'
	[ "$output" = "1" ]
	run -0 --separate-stderr tpmap -j1 -k --joblog "$TMP/log" --resume ::: 'echo 1' 'exit 2' 'echo 3'
	[ "$output" = "3" ]
	run -1 --separate-stderr tpmap -j1 -k --joblog "$TMP/log" --resume-failed ::: 'echo 1' 'exit 2' 'echo 3' 'echo 4'
	[ "$output" = "4" ]
	run -0 cut -f 1,7 "$TMP/log"
	[ "$output" = $'Seq\tExitval\n1\t0\n2\t2\n3\t0\n2\t2\n4\t0' ]
}

@test "--retry-failed reruns the failed commands of the log" {
	run -2 --separate-stderr tpmap -j1 -k --joblog "$TMP/log" ::: 'echo 1' 'exit 2' 'echo 3; exit 4'
	run -2 --separate-stderr tpmap -j1 -k --joblog "$TMP/log" --retry-failed
	[ "$output" = "3" ]
	run -0 cut -f 1,7 "$TMP/log"
	[ "$output" = $'Seq\tExitval\n1\t0\n2\t2\n3\t4\n2\t2\n3\t4' ]
}

@test "--resume without --joblog is an error" {
	run -255 --separate-stderr tpmap --resume echo ::: a
	[ "$stderr" = "tpmap: --resume, --resume-failed and --retry-failed need --joblog" ]
}

# --- signals ---

# Start tpmap with N jobs (default two) that record their pids and a
# grandchild's and block; once all have, send tpmap SIG and check that it
# died of it and left nothing running.  One job from ::: is run by
# tpmap's main thread alone, two by its workers: both paths are tested.
signal_test() {
	local sig=$1 n=${2:-2} pid st
	mkfifo "$TMP/ready"
	tpmap -j2 'sleep 1000 & echo $! >"$TMP/p{}"; echo $$ >>"$TMP/p{}"; echo >"$TMP/ready"; wait' ::: $(seq "$n") 3>&- &
	pid=$!
	# Opened read-write, the FIFO does not give EOF between the
	# jobs' writes.  Each job has written its pids before opening it.
	timeout 30 sh -c 'for i in $(seq '"$n"'); do read a; done' 0<>"$TMP/ready"
	kill -"$sig" "$pid"
	st=0
	wait "$pid" || st=$?
	echo "status $st"
	alive "$TMP"/p[0-9]*
}

@test "SIGINT terminates every job's process group and tpmap dies of it" {
	run -0 signal_test INT
	[ "$output" = "status 130" ]
}

@test "SIGTERM terminates every job's process group and tpmap dies of it" {
	run -0 signal_test TERM
	[ "$output" = "status 143" ]
}

@test "SIGHUP terminates every job's process group and tpmap dies of it" {
	run -0 signal_test HUP
	[ "$output" = "status 129" ]
}

@test "SIGINT terminates a job run alone, and tpmap dies of it" {
	run -0 signal_test INT 1
	[ "$output" = "status 130" ]
}

@test "SIGTERM terminates a job run alone, and tpmap dies of it" {
	run -0 signal_test TERM 1
	[ "$output" = "status 143" ]
}

@test "SIGHUP terminates a job run alone, and tpmap dies of it" {
	run -0 signal_test HUP 1
	[ "$output" = "status 129" ]
}

# --- the output side ---

@test "a write error on stdout gives one message and status 255" {
	run -255 --separate-stderr bash -c 'tpmap echo ::: a b c >/dev/full'
	[ "$stderr" = "tpmap: write error: No space left on device" ]
}

@test "stdout closed early stops tpmap quietly and leaves no job running" {
	closed() {
		timeout 60 tpmap -j2 -k 'echo {}; if [ {} = 2 ]; then sleep 1000 & echo $! >"$TMP/pids"; echo $$ >>"$TMP/pids"; wait; fi' ::: 1 2 3 4 | head -n 1
		echo "status ${PIPESTATUS[0]}"
	}
	run -0 --separate-stderr closed
	[ "$output" = $'1\nstatus 141' ]
	[ "$stderr" = "" ]
	[ "$(alive "$TMP/pids")" = "" ]
}

@test "stdout closed while a job runs alone stops tpmap quietly" {
	closed() {
		mkfifo "$TMP/ready"
		# The reader goes once the job has recorded its pids; the
		# job would block for ever.
		timeout 60 tpmap 'true {}; sleep 1000 & echo $! >"$TMP/pids"; echo $$ >>"$TMP/pids"; echo >"$TMP/ready"; wait' ::: 1 |
		    timeout 30 sh -c 'read a <"$0"' "$TMP/ready"
		echo "status ${PIPESTATUS[0]}"
	}
	run -0 --separate-stderr closed
	[ "$output" = "status 141" ]
	[ "$stderr" = "" ]
	[ "$(alive "$TMP/pids")" = "" ]
}

# --- resource limits ---

@test "too few descriptors for -j lower the concurrency with a warning" {
	few() {
		ulimit -n 40
		tpmap -j 100 echo ::: $(seq 200)
	}
	run -0 --separate-stderr few
	[ "${#lines[@]}" -eq 200 ]
	[ "$stderr" = "tpmap: -j 100 lowered to 3: only 40 file descriptors (ulimit -n)" ]
}
