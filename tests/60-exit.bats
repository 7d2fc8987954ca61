#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Exit status, row by row as in the man page's table: 0 when every job
# succeeded, 1-100 the number of failed jobs, 101 for more, 255 when tpmap
# itself could not run.  A job fails by exiting non-zero, by a signal, or
# by not starting.  The statuses are those of GNU parallel 20221122.

load test_helper

# --- 0: every job succeeded ---

@test "every job succeeding gives exit status 0" {
	run -0 --separate-stderr tpmap -k 'exit 0; : {}' ::: a b c
	[ "$output" = "" ]
	[ "$stderr" = "" ]
}

@test "no job at all gives exit status 0" {
	run -0 --separate-stderr tpmap false </dev/null
	[ "$output" = "" ]
	[ "$stderr" = "" ]
}

# --- 1-100: that many jobs failed ---

@test "one failed job gives exit status 1" {
	run -1 --separate-stderr tpmap -k 'echo {}; exit 1' ::: a
	[ "$output" = "a" ]
	[ "$stderr" = "" ]
}

@test "three failed jobs out of five give exit status 3" {
	run -3 --separate-stderr tpmap -k 'exit {}' ::: 0 1 0 2 3
	[ "$output" = "" ]
}

@test "the status counts failed jobs, not their exit values" {
	run -2 --separate-stderr tpmap -k 'exit {}' ::: 5 7
}

@test "a job's exit value 255 is one failure, not tpmap's own error" {
	run -1 --separate-stderr tpmap -k 'exit {}' ::: 255
}

@test "a failed job does not stop the others" {
	run -1 --separate-stderr tpmap -k -j1 'echo {}; [ {} != b ]' ::: a b c
	[ "$output" = $'a\nb\nc' ]
}

@test "100 failed jobs give exit status 100" {
	run -100 --separate-stderr tpmap -j8 false ::: $(seq 100)
}

# --- 101: more than 100 failed ---

@test "101 failed jobs give exit status 101" {
	run -101 --separate-stderr tpmap -j8 false ::: $(seq 101)
}

@test "150 failed jobs give exit status 101" {
	run -101 --separate-stderr tpmap -j8 false ::: $(seq 150)
}

# --- a job fails by a signal or by not starting ---

@test "a job killed by a signal counts as failed" {
	run -1 --separate-stderr tpmap -k 'kill -9 $$; : {}' ::: a
	[ "$output" = "" ]
}

@test "jobs killed by different signals count one failure each" {
	run -3 --separate-stderr tpmap -k 'kill -{} $$' ::: TERM KILL USR1
	[ "$output" = "" ]
}

@test "a command not found counts as one failure" {
	run -2 --separate-stderr tpmap tpmap-no-such-command ::: a b
	[ "$output" = "" ]
}

# --- 255: tpmap itself could not run ---

@test "-j x is an error naming the option and the value, status 255" {
	run -255 --separate-stderr tpmap -j x echo ::: a
	[ "$output" = "" ]
	[ "$stderr" = "tpmap: -j 'x': not a number" ]
}

@test "a bad option value runs no job" {
	run -255 --separate-stderr tpmap -j x 'touch "$TMP/ran"; : {}' ::: a
	[ ! -e "$TMP/ran" ]
}

@test "an unknown option is status 255 and runs no job" {
	run -255 --separate-stderr tpmap --no-such-option 'touch "$TMP/ran"; : {}' ::: a
	[ "$output" = "" ]
	[[ "$stderr" == *"--no-such-option"* ]]
	[ ! -e "$TMP/ran" ]
}

@test "a missing -a file is status 255 with a message naming it" {
	run -255 --separate-stderr tpmap -a "$TMP/missing" echo
	[ "$output" = "" ]
	[[ "$stderr" == "tpmap: "*"$TMP/missing"* ]]
}

@test "a missing :::: file is status 255 with a message naming it" {
	run -255 --separate-stderr tpmap echo :::: "$TMP/missing"
	[ "$output" = "" ]
	[[ "$stderr" == "tpmap: "*"$TMP/missing"* ]]
}

@test "a missing second -a file runs no job" {
	printf 'a\n' >"$TMP/in"
	run -255 --separate-stderr tpmap -a "$TMP/in" -a "$TMP/missing" 'touch "$TMP/ran"; : {}'
	[ "$output" = "" ]
	[ ! -e "$TMP/ran" ]
}
