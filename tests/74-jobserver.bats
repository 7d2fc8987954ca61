#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The make jobserver client: under `make -j3` (the real GNU make), and
# against a FIFO the test fills with tokens itself (the fifo:PATH form of
# make 4.4, and the R,W descriptors of make 4.3 and --jobserver-fds of
# older makes, opened on that FIFO).
#
# Every job is $TMP/job NAME: it marks itself alive in $TMP/alive, appends
# how many jobs are alive to $TMP/counts, writes its name to the FIFO
# $TMP/started, and waits until the test writes to the FIFO $TMP/rel.NAME.
# The test holds the first three jobs to start, checks that no token is
# left, then releases every job.  Nothing is ordered by time: a job that
# should not start is shown not to by the tokens it would have taken.

load test_helper

setup() {
	mkdir "$TMP/alive"
	mkfifo "$TMP/started" "$TMP/probe"
	cat >"$TMP/job" <<-'EOF'
	#!/bin/bash
	: >"$TMP/alive/$1"
	n=$(ls "$TMP/alive" | wc -l)
	echo "$n" >>"$TMP/counts"
	echo "$1" >"$TMP/started"
	read -r cmd <"$TMP/rel.$1"
	case $cmd in
	probe)
		# Is a token left in make's pipe?  read -t 0 takes none.
		r=${MAKEFLAGS##*--jobserver-auth=}
		r=${r%%,*}
		if read -t 0 -u "$r"; then echo free; else echo none; fi >"$TMP/probe"
		;;
	fail)
		rm "$TMP/alive/$1"
		exit 1
		;;
	esac
	rm "$TMP/alive/$1"
	EOF
	chmod +x "$TMP/job"
	# Held open read-write: writers never block, nor see it closed.
	exec {SFD}<>"$TMP/started"
}

teardown() {
	exec {SFD}>&-
}

# jobs NAME...: the release FIFOs of these jobs.
jobs() {
	local n
	for n; do
		mkfifo "$TMP/rel.$n"
	done
}

# next: read the name of the next job to start into $name.
next() {
	read -r -t 60 -u "$SFD" name
}

# release NAME [CMD]: let job NAME go on (with CMD: probe, fail).
release() {
	timeout 60 bash -c 'echo "$2" >"$1"' _ "$TMP/rel.$1" "${2:-go}"
}

# hold3: wait until three jobs have started; their names in $held.
hold3() {
	held=()
	while [ "${#held[@]}" -lt 3 ]; do
		next
		held+=("$name")
	done
}

# release_all N: release the held jobs, then every job as it starts,
# until N have been released.
release_all() {
	local n=$1 done=0
	while [ "$done" -lt "$n" ]; do
		if [ "${#held[@]}" -eq 0 ]; then
			next
			held=("$name")
		fi
		release "${held[0]}"
		held=("${held[@]:1}")
		done=$((done + 1))
	done
}

# fifo_tokens: a FIFO jobserver $TMP/js holding the tokens x and y, kept
# open read-write on $JFD so that the test can take the tokens back.
fifo_tokens() {
	mkfifo "$TMP/js"
	exec {JFD}<>"$TMP/js"
	printf xy >&"$JFD"
}

# tokens_back: the tokens in $TMP/js, sorted, once tpmap has ended.
tokens_back() {
	local t
	read -r -t 10 -N 2 -u "$JFD" t
	if read -t 0 -u "$JFD"; then
		echo "more than two tokens"
		return 1
	fi
	printf '%s\n' "${t:0:1}" "${t:1:1}" | sort | tr -d '\n'
}

@test "make -j3 running tpmap -j 10 in two recipes never runs more than 3 jobs" {
	jobs a1 a2 a3 b1 b2 b3
	printf 'all: a b\na b:\n\t+@tpmap -j 10 "$$TMP/job" $@{} ::: 1 2 3\n' >"$TMP/Makefile"
	make -s -j3 -f "$TMP/Makefile" >"$TMP/out" 2>&1 3>&- &
	pid=$!
	hold3
	# Three jobs run: the build's three slots are taken, none is left.
	release "${held[0]}" probe
	read -r -t 60 probe <"$TMP/probe"
	[ "$probe" = none ]
	held=("${held[@]:1}")
	release_all 5
	wait "$pid"
	[ "$(cat "$TMP/out")" = "" ]
	[ "$(wc -l <"$TMP/counts")" -eq 6 ]
	[ "$(sort -n "$TMP/counts" | tail -1)" -eq 3 ]
}

@test "fifo:PATH: one job on the implicit slot, one per token, all tokens back" {
	jobs f1 f2 f3 f4 f5
	fifo_tokens
	MAKEFLAGS="-j3 --jobserver-auth=fifo:$TMP/js" tpmap -j 10 "$TMP/job" f{} ::: 1 2 3 4 5 3>&- &
	pid=$!
	hold3
	# tpmap holds both tokens now.
	run -1 read -t 0 -u "$JFD"
	release_all 5
	wait "$pid"
	[ "$(sort -n "$TMP/counts" | tail -1)" -eq 3 ]
	run -0 tokens_back
	[ "$output" = xy ]
}

@test "R,W descriptors: the same with the pipe make 4.3 passes" {
	jobs f1 f2 f3 f4 f5
	fifo_tokens
	MAKEFLAGS="-j3 --jobserver-auth=8,9" tpmap -j 10 "$TMP/job" f{} ::: 1 2 3 4 5 \
	    8<"$TMP/js" 9>"$TMP/js" 3>&- &
	pid=$!
	hold3
	run -1 read -t 0 -u "$JFD"
	release_all 5
	wait "$pid"
	[ "$(sort -n "$TMP/counts" | tail -1)" -eq 3 ]
	run -0 tokens_back
	[ "$output" = xy ]
}

@test "--jobserver-fds=R,W of older makes is understood too" {
	jobs f1 f2 f3 f4
	fifo_tokens
	MAKEFLAGS="-j3 --jobserver-fds=8,9 -j" tpmap -j 10 "$TMP/job" f{} ::: 1 2 3 4 \
	    8<"$TMP/js" 9>"$TMP/js" 3>&- &
	pid=$!
	hold3
	run -1 read -t 0 -u "$JFD"
	release_all 4
	wait "$pid"
	run -0 tokens_back
	[ "$output" = xy ]
}

@test "with no token free the jobs take turns on the implicit slot" {
	jobs f1 f2 f3
	mkfifo "$TMP/js"
	exec {JFD}<>"$TMP/js"
	MAKEFLAGS="-j3 --jobserver-auth=fifo:$TMP/js" tpmap -j 10 "$TMP/job" f{} ::: 1 2 3 3>&- &
	pid=$!
	held=()
	release_all 3
	wait "$pid"
	[ "$(sort -n "$TMP/counts" | tail -1)" -eq 1 ]
	run -1 read -t 0 -u "$JFD"
}

@test "an explicit -j still caps the jobs under a jobserver" {
	jobs f1 f2 f3 f4
	fifo_tokens
	MAKEFLAGS="-j3 --jobserver-auth=fifo:$TMP/js" tpmap -j 2 "$TMP/job" f{} ::: 1 2 3 4 3>&- &
	pid=$!
	next
	held=("$name")
	next
	held+=("$name")
	# Two jobs: one token taken, one left.
	read -r -t 10 -N 1 -u "$JFD" left
	run -1 read -t 0 -u "$JFD"
	printf %s "$left" >&"$JFD"
	release_all 4
	wait "$pid"
	[ "$(sort -n "$TMP/counts" | tail -1)" -eq 2 ]
	run -0 tokens_back
	[ "$output" = xy ]
}

@test "SIGTERM to tpmap gives every token back" {
	jobs f1 f2 f3 f4 f5
	fifo_tokens
	MAKEFLAGS="-j3 --jobserver-auth=fifo:$TMP/js" tpmap -j 10 "$TMP/job" f{} ::: 1 2 3 4 5 3>&- &
	pid=$!
	hold3
	run -1 read -t 0 -u "$JFD"
	kill -TERM "$pid"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 143 ]
	[ "$(wc -l <"$TMP/counts")" -eq 3 ]
	run -0 tokens_back
	[ "$output" = xy ]
}

@test "--halt now gives every token back" {
	jobs f1 f2 f3 f4 f5
	fifo_tokens
	MAKEFLAGS="-j3 --jobserver-auth=fifo:$TMP/js" tpmap -j 10 --halt now,fail=1 "$TMP/job" f{} ::: 1 2 3 4 5 >"$TMP/out" 2>&1 3>&- &
	pid=$!
	hold3
	run -1 read -t 0 -u "$JFD"
	release "${held[0]}" fail
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 1 ]
	[ "$(wc -l <"$TMP/counts")" -eq 3 ]
	run -0 tokens_back
	[ "$output" = xy ]
}

@test "closed jobserver descriptors: one warning, then the jobs run anyway" {
	run -0 --separate-stderr env MAKEFLAGS='-j3 --jobserver-auth=8,9' tpmap -j 3 -k echo ::: a b c
	[ "$output" = $'a\nb\nc' ]
	[ "$stderr" = "tpmap: --jobserver-auth=8,9 in MAKEFLAGS: descriptor 8 is not open; not using the make jobserver (mark the make recipe with +)" ]
}

@test "jobserver descriptors that are not a pipe: one warning" {
	run -0 --separate-stderr env MAKEFLAGS='-j3 --jobserver-auth=8,9' tpmap -j 3 -k echo ::: a b 8</dev/null 9>/dev/null
	[ "$output" = $'a\nb' ]
	[ "$stderr" = "tpmap: --jobserver-auth=8,9 in MAKEFLAGS: descriptor 8 is not a pipe; not using the make jobserver" ]
}

@test "a jobserver FIFO that is missing or not a FIFO, or a bad value: one warning" {
	run -0 --separate-stderr env MAKEFLAGS="-j3 --jobserver-auth=fifo:$TMP/none" tpmap -j 3 echo ::: a
	[ "$output" = a ]
	[ "$stderr" = "tpmap: --jobserver-auth=fifo:$TMP/none in MAKEFLAGS: No such file or directory; not using the make jobserver" ]
	: >"$TMP/file"
	run -0 --separate-stderr env MAKEFLAGS="-j3 --jobserver-auth=fifo:$TMP/file" tpmap -j 3 echo ::: a
	[ "$stderr" = "tpmap: --jobserver-auth=fifo:$TMP/file in MAKEFLAGS: not a FIFO; not using the make jobserver" ]
	run -0 --separate-stderr env MAKEFLAGS="-j3 --jobserver-auth=3" tpmap -j 3 echo ::: a
	[ "$stderr" = "tpmap: --jobserver-auth=3 in MAKEFLAGS: not R,W or fifo:PATH; not using the make jobserver" ]
}

@test "MAKEFLAGS without a jobserver, or one after --, changes nothing" {
	run -0 --separate-stderr env MAKEFLAGS='-j3 -- X=--jobserver-auth=8,9' tpmap -j 3 -k echo ::: a b
	[ "$output" = $'a\nb' ]
	[ "$stderr" = "" ]
}

@test "a make recipe without + gets the warning, and its jobs run" {
	printf 'all:\n\t@tpmap -j 3 -k echo ::: a b c\n' >"$TMP/Makefile"
	run -0 --separate-stderr make -s -j3 -f "$TMP/Makefile" 3>&-
	[ "$output" = $'a\nb\nc' ]
	[[ $stderr =~ ^tpmap:\ --jobserver-auth=[0-9]+,[0-9]+\ in\ MAKEFLAGS:\ descriptor\ [0-9]+\ is\ not\ open\;\ not\ using\ the\ make\ jobserver\ \(mark\ the\ make\ recipe\ with\ \+\)$ ]]
}
