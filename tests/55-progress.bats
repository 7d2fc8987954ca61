#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# --progress, --eta, --bar and --total-jobs as a user sees them: tpmap runs
# on a terminal of fixed size in a detached tmux server of the test's own,
# and the test reads the screen with capture-pane.  Jobs that have a FIFO
# wait on it, so that the screen holds still in a known state until the
# test lets them go; every wait is bounded, and the screen is polled, never
# awaited with sleep.  With standard error a file or a pipe, nothing at all
# may be written to it.

load test_helper
load helpers/terminal

setup() {
	S="$TMP/tmux.sock"
	mkfifo "$TMP/fifo.4" "$TMP/fifo.5"
	# Job N waits for the test when fifo.N exists, then prints "job N"
	# and, with ERR set, "err N" on standard error.
	cat >"$TMP/job.sh" <<-'EOF'
		if [ -p "fifo.$1" ]; then read -r x <"fifo.$1"; fi
		echo "job $1"
		if [ -n "$ERR" ]; then echo "err $1" >&2; fi
	EOF
}

teardown() {
	# Hangs up the panes: a tpmap still running dies of SIGHUP and
	# terminates its jobs.
	if tmux -S "$S" has-session 2>/dev/null; then
		tmux -S "$S" kill-server
	fi
}

# release NAME: lets the job blocked on FIFO $TMP/NAME go on.
release() {
	timeout 10 sh -c 'echo go >"$1"' sh "$TMP/$1"
}

# --- not a terminal: nothing at all ---

@test "with stderr a file, --progress, --eta, --bar, --total-jobs write nothing to it" {
	local opt

	for opt in --progress --eta --bar "--total-jobs=3 --bar"; do
		# shellcheck disable=SC2086 # two words in the last one
		tpmap -k $opt echo ::: a b >"$TMP/out" 2>"$TMP/err"
		printf 'a\nb\n' | cmp - "$TMP/out"
		cmp /dev/null "$TMP/err"
	done
}

@test "with stderr a pipe, --progress, --eta, --bar, --total-jobs write nothing to it" {
	local opt

	for opt in --progress --eta --bar "--total-jobs=3 --bar"; do
		# shellcheck disable=SC2086
		tpmap -k $opt echo ::: a b 2>&1 >"$TMP/out" | cat >"$TMP/err"
		printf 'a\nb\n' | cmp - "$TMP/out"
		cmp /dev/null "$TMP/err"
	done
}

@test "--total-jobs names a bad value, exit 255" {
	run -255 --separate-stderr tpmap --total-jobs x echo ::: a
	[ "$stderr" = "tpmap: --total-jobs 'x': not a number" ]
	[ "$output" = "" ]
	run -255 --separate-stderr tpmap --total-jobs 0 echo ::: a
	[ "$stderr" = "tpmap: --total-jobs '0': too small" ]
}

# --- on a terminal ---

@test "--progress shows jobs done, running and in all, and clears its line at the end" {
	term 100 "$TPMAP -k -j2 --progress sh job.sh ::: 1 2 3 4 5"
	wait_screen $'job 1\njob 2\njob 3\n3 of 5 done, 2 running'
	release fifo.4
	wait_screen $'job 1\njob 2\njob 3\njob 4\n4 of 5 done, 1 running'
	release fifo.5
	wait_screen $'job 1\njob 2\njob 3\njob 4\njob 5\nEND 0'
}

@test "--progress counts the failed jobs" {
	term 100 "$TPMAP -k -j2 --progress 'sh job.sh {}; test {} != 2' ::: 1 2 3 4 5"
	wait_screen $'job 1\njob 2\njob 3\n3 of 5 done, 2 running, 1 failed'
	release fifo.4
	release fifo.5
	wait_screen $'job 1\njob 2\njob 3\njob 4\njob 5\nEND 1'
}

@test "--eta shows the time left" {
	term 100 "$TPMAP -k -j2 --eta sh job.sh ::: 1 2 3 4 5"
	wait_match $'job 1\njob 2\njob 3\n3 of 5 done, 2 running, ETA ' "$DURATION"
	release fifo.4
	release fifo.5
	wait_screen $'job 1\njob 2\njob 3\njob 4\njob 5\nEND 0'
}

@test "--bar shows the percentage and a bar a third of the terminal wide" {
	term 100 "$TPMAP -k -j2 --bar sh job.sh ::: 1 2 3 4 5"
	# 99 usable columns: a bar of 33, 60% of it filled, rounded down.
	wait_match $'job 1\njob 2\njob 3\n 60% [###################--------------] 3 of 5 done, 2 running, ' "$BAR_TAIL"
	release fifo.4
	release fifo.5
	wait_screen $'job 1\njob 2\njob 3\njob 4\njob 5\nEND 0'
}

@test "--bar knows the total from the start when the input is all on the command line" {
	# 40 jobs at -j2: streaming, the total would come only once the
	# input had been handed over, near the end.
	term 100 "$TPMAP -j2 --bar 'until [ -e release ]; do sleep 0.05; done; : {}' ::: $(seq 40 | tr '\n' ' ')"
	wait_match '  0% [---------------------------------] 0 of 40 done, 2 running, ' "$BAR_TAIL"
	touch "$TMP/release"
	wait_screen 'END 0'
}

@test "the line is cut to the terminal's width" {
	term 40 "$TPMAP -k -j2 --bar sh job.sh ::: 1 2 3 4 5"
	wait_screen $'job 1\njob 2\njob 3\n 60% [#######------] 3 of 5 done, 2 run'
	release fifo.4
	release fifo.5
	wait_screen $'job 1\njob 2\njob 3\njob 4\njob 5\nEND 0'
}

@test "job output on stderr takes the line's place too" {
	term 100 "ERR=1 $TPMAP -k -j2 --progress sh job.sh ::: 1 2 3 4 5"
	wait_screen $'job 1\nerr 1\njob 2\nerr 2\njob 3\nerr 3\n3 of 5 done, 2 running'
	release fifo.4
	release fifo.5
	wait_screen $'job 1\nerr 1\njob 2\nerr 2\njob 3\nerr 3\njob 4\nerr 4\njob 5\nerr 5\nEND 0'
}

@test "with stdout elsewhere the line stays on the terminal and stdout gets only the output" {
	term 100 "$TPMAP -k -j2 --bar sh job.sh ::: 1 2 3 4 5 >out"
	wait_match ' 60% [###################--------------] 3 of 5 done, 2 running, ' "$BAR_TAIL"
	release fifo.4
	release fifo.5
	wait_screen 'END 0'
	printf 'job %s\n' 1 2 3 4 5 | cmp - "$TMP/out"
}

@test "--total-jobs gives the total while the input streams; the real count replaces it" {
	mkfifo "$TMP/in"
	term 100 "$TPMAP -k --bar --total-jobs 10 sh job.sh <in"
	# Read-write, the open does not wait for the reader, and the reader
	# sees the end of the input when it is closed.
	exec 5<>"$TMP/in"
	printf '1\n2\n3\n' >&5
	wait_match $'job 1\njob 2\njob 3\n 30% [#########------------------------] 3 of 10 done, 0 running, ' "$BAR_TAIL"
	exec 5>&-
	wait_screen $'job 1\njob 2\njob 3\nEND 0'
}

@test "without --total-jobs the total is unknown while the input streams" {
	mkfifo "$TMP/in"
	term 100 "$TPMAP -k --eta sh job.sh <in"
	exec 5<>"$TMP/in"
	printf '1\n2\n3\n' >&5
	wait_screen $'job 1\njob 2\njob 3\n3 done, 0 running, ETA ?'
	exec 5>&-
	wait_screen $'job 1\njob 2\njob 3\nEND 0'
}

@test "the line is redrawn at most ten times a second, with no escape sequence" {
	mkfifo "$TMP/go"
	# The pane waits for go until its output is recorded; then 300
	# jobs end as fast as they can (far more often than ten times a
	# second), and the pane prints how long tpmap ran in milliseconds.
	term 100 "read -r x <go; s=\$(date +%s%N); seq 300 | $TPMAP -j2 --progress true; e=\$?; echo MS \$(( (\$(date +%s%N) - s) / 1000000 )); (exit \$e)"
	tmux -S "$S" pipe-pane -t t "cat >$(printf %q "$TMP/raw")"
	release go
	wait_match 'MS ' $'[0-9]+\nEND 0'
	# tmux passes the bytes on to cat after drawing them: wait for them.
	timeout 30 sh -c 'until grep -q "END 0" "$1"; do :; done' sh "$TMP/raw"
	ms=$(screen | sed -n 's/^MS //p')
	# Each drawing starts with a carriage return and a digit.
	draws=$(LC_ALL=C grep -ao $'\r[0-9]' "$TMP/raw" | wc -l)
	echo "$draws drawings in $ms ms" >&2
	[ "$draws" -ge 1 ]
	[ "$draws" -le $((ms / 100 + 2)) ]
	run -1 env LC_ALL=C grep -c $'\033' "$TMP/raw"
	[ "$output" = 0 ]
}
