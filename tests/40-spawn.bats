#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Spawning jobs: what a job sees (environment, stdin, process group, open
# descriptors), which shell runs a command line, and how a command that
# cannot be started fails: as the shell would, 127 or 126.

load test_helper

# std_fds_only CMD...: runs CMD with every descriptor above 2 closed, so that
# what a job sees is what tpmap gave it, not what bats left open.
std_fds_only() {
	local fd pid=$BASHPID
	for fd in $(ls "/proc/$pid/fd"); do
		# Some are gone by now (the one ls read the directory with).
		[ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
	done
	"$@"
}

# --- environment ---

@test "jobs see PARALLEL_SEQ and PARALLEL_JOBSLOT" {
	run -0 --separate-stderr tpmap -k -j1 'echo $PARALLEL_SEQ $PARALLEL_JOBSLOT {}' ::: a b c
	[ "$output" = $'1 1 a\n2 1 b\n3 1 c' ]
	[ "$stderr" = "" ]
}

@test "jobs see TPMAP_SEQ and TPMAP_SLOT" {
	run -0 --separate-stderr tpmap -k -j1 'echo $TPMAP_SEQ $TPMAP_SLOT {}' ::: a b c
	[ "$output" = $'1 1 a\n2 1 b\n3 1 c' ]
}

@test "a command run without a shell sees the job variables too" {
	run -0 --separate-stderr tpmap -k -j1 printenv ::: PARALLEL_SEQ PARALLEL_JOBSLOT TPMAP_SEQ TPMAP_SLOT
	[ "$output" = $'1\n1\n3\n1' ]
}

@test "two jobs running at once have different slots" {
	mkfifo "$TMP/meet"
	# Job a cannot end before job b has opened the FIFO: both run together.
	run -0 --separate-stderr timeout 10 tpmap -k -j2 \
		'case {} in a) timeout 5 sh -c ": > \"\$TMP/meet\"";; b) timeout 5 cat "$TMP/meet";; esac; echo $TPMAP_SLOT $PARALLEL_JOBSLOT' ::: a b 3>&-
	[ "$(printf '%s\n' "$output" | sort)" = $'1 1\n2 2' ]
}

@test "a job inherits tpmap's environment" {
	TPMAP_TEST_VAR='a b' run -0 --separate-stderr tpmap -k 'echo "$TPMAP_TEST_VAR" {}' ::: x
	[ "$output" = "a b x" ]
}

# --- standard input ---

@test "a job's standard input is /dev/null, not tpmap's" {
	printf 'hello\n' >"$TMP/in"
	run -0 --separate-stderr tpmap -k 'cat; echo end {}' ::: x <"$TMP/in"
	[ "$output" = "end x" ]
}

@test "a job run without a shell reads nothing from tpmap's standard input" {
	printf 'hello\n' >"$TMP/in"
	run -0 --separate-stderr tpmap -k cat ::: - <"$TMP/in"
	[ "$output" = "" ]
}

@test "a job does not read the arguments tpmap has not read yet" {
	printf 'a\nb\nc\n' >"$TMP/in"
	run -0 --separate-stderr tpmap -k -j1 'cat; echo {}' <"$TMP/in"
	[ "$output" = $'a\nb\nc' ]
}

# --- the shell ---

@test "a command line with a pipe, a ; and a variable runs in a shell" {
	run -0 --separate-stderr tpmap -k 'echo {} | tr a-z A-Z; X=v; echo "$X" > "$TMP/out"' ::: ab
	[ "$output" = "AB" ]
	[ "$(cat "$TMP/out")" = "v" ]
}

@test "a command line with && and || and a redirection runs in a shell" {
	run -0 --separate-stderr tpmap -k 'false && echo no || echo {} >> "$TMP/out"' ::: a b
	[ "$output" = "" ]
	[ "$(sort "$TMP/out")" = $'a\nb' ]
}

@test "a command line starting with a shell builtin runs in a shell" {
	run -0 --separate-stderr tpmap -k -j1 'cd /; pwd' ::: a
	[ "$output" = "/" ]
}

# echo, true and false are builtins, but the system's utilities give the
# same results for plain arguments, and spare each job a shell.
@test "echo with plain arguments, true and false run without a shell, whatever \$PATH holds" {
	printf '#!/bin/sh\nprintf "%%s\\n" "$1" > "$TMP/shell-used"\nexec /bin/sh "$@"\n' >"$TMP/mysh"
	chmod +x "$TMP/mysh"
	mkdir "$TMP/bin"
	printf '#!/bin/sh\necho fake\n' >"$TMP/bin/echo"
	chmod +x "$TMP/bin/echo"
	PATH="$TMP/bin:$PATH" TPMAP_SHELL="$TMP/mysh" run -0 --separate-stderr tpmap -k -j1 echo {} x ::: a 'b  c' '*'
	[ "$output" = $'a x\nb  c x\n* x' ]
	TPMAP_SHELL="$TMP/mysh" run -2 --separate-stderr tpmap -k -j1 '{}' ::: true false false
	[ "$output" = "" ]
	[ ! -e "$TMP/shell-used" ]
}

@test "echo with an option or a backslash, and true --help, still run in the shell" {
	printf '#!/bin/sh\nprintf "%%s\\n" "$1" >> "$TMP/shell-used"\nexec /bin/sh "$@"\n' >"$TMP/mysh"
	chmod +x "$TMP/mysh"
	TPMAP_SHELL="$TMP/mysh" run -0 --separate-stderr tpmap -k -j1 echo {} ::: -n 'a\tb'
	[ "$output" = $'a\tb' ]
	TPMAP_SHELL="$TMP/mysh" run -0 --separate-stderr tpmap -k -j1 true {} ::: --help --version
	[ "$output" = "" ]
	[ "$(cat "$TMP/shell-used")" = $'-c\n-c\n-c\n-c' ]
}

@test "TPMAP_SHELL picks the shell for command lines that need one" {
	printf '#!/bin/sh\nprintf "%%s\\n" "$1" > "$TMP/shell-used"\nexec /bin/sh "$@"\n' >"$TMP/mysh"
	chmod +x "$TMP/mysh"
	TPMAP_SHELL="$TMP/mysh" run -0 --separate-stderr tpmap -k 'echo {} | cat' ::: a
	[ "$output" = "a" ]
	[ "$(cat "$TMP/shell-used")" = "-c" ]
}

# --- commands that cannot be started ---

@test "a command not found fails with the shell's message and tpmap exits 1" {
	run -1 --separate-stderr tpmap tpmap-no-such-command ::: a
	[ "$output" = "" ]
	[[ "$stderr" == *"tpmap-no-such-command"*"not found"* ]]
}

@test "a command not found is one failed job, reported as the shell would" {
	run -1 --separate-stderr tpmap tpmap-no-such-command ::: a
	[ "$output" = "" ]
	[[ "$stderr" == *": tpmap-no-such-command: "*"not found" ]]
}

@test "a command not found in a shell command line also counts as a failure" {
	run -1 --separate-stderr tpmap 'tpmap-no-such-command {} && echo ok' ::: a
	[ "$output" = "" ]
	[[ "$stderr" == *"tpmap-no-such-command"*"not found"* ]]
}

@test "each command not found counts as one failure" {
	run -3 --separate-stderr tpmap tpmap-no-such-command ::: a b c
	[ "$output" = "" ]
}

@test "a file that is not executable fails with Permission denied and tpmap exits 1" {
	printf 'echo hi\n' >"$TMP/noexec"
	chmod 644 "$TMP/noexec"
	run -1 --separate-stderr tpmap "$TMP/noexec" ::: a
	[ "$output" = "" ]
	[[ "$stderr" == *"noexec"*"Permission denied"* ]]
}

@test "a file that is not executable is one failed job" {
	printf 'echo hi\n' >"$TMP/noexec"
	chmod 644 "$TMP/noexec"
	run -1 --separate-stderr tpmap "$TMP/noexec" ::: a
	[ "$output" = "" ]
	[[ "$stderr" == *": $TMP/noexec: Permission denied" ]]
}

# The message is the shell's own, and shells word it differently: bash
# says what the file is, dash only what exec said.  Pin each shell.
@test "a directory as the command is one failed job, in the shell's words" {
	TPMAP_SHELL=/bin/bash run -1 --separate-stderr tpmap "$TMP" ::: a
	[ "$output" = "" ]
	[ "$stderr" = "/bin/bash: line 1: $TMP: Is a directory" ]
	TPMAP_SHELL=/bin/dash run -1 --separate-stderr tpmap "$TMP" ::: a
	[ "$output" = "" ]
	[ "$stderr" = "/bin/dash: 1: $TMP: Permission denied" ]
}

# --- process groups and descriptors ---

@test "a job leads its own process group" {
	run -0 --separate-stderr tpmap -k -j1 'echo $$ $(ps -o pgid= -p $$)' ::: a
	read -r pid pgid arg <<<"$output"
	[ "$arg" = "a" ]
	[ "$pid" -eq "$pgid" ]
}

@test "a job's process group is not tpmap's" {
	run -0 --separate-stderr tpmap -k -j1 'echo $(ps -o pgid= -p $$) $(ps -o pgid= -p $PPID)' ::: a
	read -r job parent arg <<<"$output"
	[ "$arg" = "a" ]
	[ "$job" -ne "$parent" ]
}

@test "each job has a process group of its own" {
	run -0 --separate-stderr tpmap -k -j2 'echo $(ps -o pgid= -p $$)' ::: a b c
	[ "$(printf '%s\n' "$output" | cut -d' ' -f1 | sort -u | wc -l)" -eq 3 ]
}

@test "the shell alone sees descriptors 0 1 2 (and ls's own) in this setup" {
	run -0 --separate-stderr std_fds_only sh -c 'ls /proc/self/fd; : x'
	[ "$output" = $'0\n1\n2\n3' ]
}

@test "no descriptor of tpmap leaks into a job run through the shell" {
	printf 'a\nb\nc\n' >"$TMP/in"
	run -0 --separate-stderr std_fds_only tpmap -k -j2 -a "$TMP/in" 'ls /proc/self/fd; : {}'
	[ "$output" = $'0\n1\n2\n3\n0\n1\n2\n3\n0\n1\n2\n3' ]
}

@test "no descriptor of tpmap leaks into a job run without a shell" {
	printf '/proc/self/fd\n/proc/self/fd\n' >"$TMP/in"
	run -0 --separate-stderr std_fds_only tpmap -k -j2 ls <"$TMP/in"
	[ "$output" = $'0\n1\n2\n3\n0\n1\n2\n3' ]
}

@test "descriptors given to tpmap stay open for its jobs" {
	write_to_five() { tpmap -k 'echo {} >&5' ::: hi 5>"$TMP/five"; }
	run -0 --separate-stderr std_fds_only write_to_five
	[ "$(cat "$TMP/five")" = "hi" ]
}

# threads_while_running WORD...: tpmap -j2 over ::: WORD...; once every
# job has started and blocks, print how many threads tpmap has, then let
# the jobs end and print their output.
threads_while_running() {
	local pid n=$#
	mkfifo "$TMP/ready" "$TMP/go"
	tpmap -j2 -k 'echo >"$TMP/ready"; read x <"$TMP/go"; echo {}' ::: "$@" &
	pid=$!
	timeout 30 sh -c 'for i in $(seq '"$n"'); do read a; done' 0<>"$TMP/ready"
	ls "/proc/$pid/task" | wc -l
	# Opened read-write: each job's read gets its own line.
	timeout 30 sh -c 'for i in $(seq '"$n"'); do echo; done' 1<>"$TMP/go"
	wait "$pid"
}

@test "one job from ::: runs on tpmap's own thread, besides only the signal thread" {
	run -0 --separate-stderr threads_while_running a
	[ "$output" = $'2\na' ]
}

@test "two jobs from ::: run on workers (the count above can fail)" {
	run -0 --separate-stderr threads_while_running a b
	[ "${lines[0]}" -gt 2 ]
	[ "${lines[1]}" = a ]
	[ "${lines[2]}" = b ]
}
