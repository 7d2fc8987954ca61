#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# What each signal to tpmap means (tpmap(1), SIGNALS), tpmap stopped and
# continued, and jobs whose children outlive them or escape their process
# group.  Jobs record their pids and wait on FIFOs, so that the test
# signals tpmap at a known point; "nothing left running" is checked on the
# recorded pids.  Where tpmap must not wait for a process, the test waits
# (bounded) for tpmap to exit while that process, whose pid it holds, is
# still alive: an order of events, not a duration.

load test_helper
load helpers/terminal

setup() {
	S="$TMP/tmux.sock"
	mkfifo "$TMP/ready" "$TMP/go"
}

teardown() {
	if tmux -S "$S" has-session 2>/dev/null; then
		tmux -S "$S" kill-server
	fi
	# Whatever a test left running on purpose (an escaped process).
	if [ -f "$TMP/leave" ]; then
		# shellcheck disable=SC2046 # one pid a line
		kill -9 $(cat "$TMP/leave") 2>/dev/null || :
	fi
}

# The job most tests run: record the shell's pid in $TMP/p{}, say it is
# ready, wait for the test, print its argument.
JOB='echo $$ >"$TMP/p{}"; echo >"$TMP/ready"; read x <"$TMP/go"; echo {}'

# ready N: wait until N jobs have said they are ready.  Opened read-write,
# the FIFO gives no EOF between the jobs' writes.
ready() {
	timeout 30 sh -c 'for i in $(seq "$1"); do read a; done' sh "$1" 0<>"$TMP/ready"
}

# release N: let N jobs blocked on $TMP/go go on, one line each.
release() {
	timeout 30 sh -c 'for i in $(seq "$1"); do echo; done' sh "$1" 1<>"$TMP/go"
}

# gone PID: wait, bounded, until process PID has exited (it need not be
# a child of this shell).
gone() {
	timeout 30 tail --pid="$1" -s 0.05 -f /dev/null
}

# status PID: wait, bounded, for tpmap (a child of this shell) to exit,
# then print "status" and its exit status; one that does not exit is
# killed (and so fails the test) rather than hang it.
status() {
	local st=0
	gone "$1" || kill -9 "$1"
	wait "$1" || st=$?
	echo "status $st"
}

# wait_state PID LETTER: wait, bounded, until PID is in that state.
wait_state() {
	timeout 30 sh -c 'until [ "$(ps -o stat= -p "$1" | cut -c 1)" = "$2" ]; do sleep 0.01; done' sh "$1" "$2"
}

# exited PID: wait, bounded, until PID has exited, gone or a zombie
# (tpmap stopped does not reap its jobs, and a zombie is still there for
# gone).
exited() {
	timeout 30 sh -c 'until case $(ps -o stat= -p "$1") in Z*|"") true ;; *) false ;; esac; do sleep 0.01; done' sh "$1"
}

# --- signals with a meaning of their own ---

# usr1 N: N jobs, SIGUSR1 once all run, then let them end.
usr1() {
	local pid
	tpmap -j2 -k "$JOB" ::: $(seq "$1") 2>"$TMP/err" 3>&- &
	pid=$!
	ready "$1"
	kill -USR1 "$pid"
	timeout 30 sh -c 'until [ "$(wc -l <"$1")" -ge "$2" ]; do sleep 0.01; done' sh "$TMP/err" "$1"
	release "$1"
	status "$pid"
	sort "$TMP/err"
}

@test "SIGUSR1 lists the running jobs on stderr, and the run goes on" {
	run -0 --separate-stderr usr1 2
	[ "$output" = '1
2
status 0
tpmap: echo $$ >"$TMP/p1"; echo >"$TMP/ready"; read x <"$TMP/go"; echo 1
tpmap: echo $$ >"$TMP/p2"; echo >"$TMP/ready"; read x <"$TMP/go"; echo 2' ]
}

@test "SIGUSR1 lists a job run alone" {
	run -0 --separate-stderr usr1 1
	[ "$output" = '1
status 0
tpmap: echo $$ >"$TMP/p1"; echo >"$TMP/ready"; read x <"$TMP/go"; echo 1' ]
}

@test "SIGUSR2 turns the status line on, and off again" {
	local tp
	term 80 "$TPMAP -j2 -k '$JOB' ::: 1 2 3"
	ready 2
	tp=$(ps -o ppid= -p "$(cat "$TMP/p1")" | tr -d ' ')
	kill -USR2 "$tp"
	wait_screen '0 of 3 done, 2 running'
	kill -USR2 "$tp"
	wait_screen ''
	release 2
	ready 1
	release 1
	wait_screen $'1\n2\n3\nEND 0'
}

@test "SIGALRM is ignored: the jobs run on and tpmap exits 0" {
	ignored() {
		local pid
		tpmap -j2 -k "$JOB" ::: 1 2 3>&- &
		pid=$!
		ready 2
		kill -ALRM "$pid"
		release 2
		status "$pid"
	}
	run -0 --separate-stderr ignored
	[ "$output" = $'1\n2\nstatus 0' ]
}

# ends SIG N: N jobs, each with a grandchild; once all run, send tpmap
# SIG: it must die of it, leaving nothing running.
ends() {
	local pid
	tpmap -j2 'sleep 1000 & echo $! >"$TMP/p{}"; echo $$ >>"$TMP/p{}"; echo >"$TMP/ready"; wait' ::: $(seq "$2") 3>&- &
	pid=$!
	ready "$2"
	kill -"$1" "$pid"
	status "$pid"
	alive "$TMP"/p[0-9]*
}

@test "SIGQUIT terminates every job's process group and tpmap dies of it" {
	run -0 ends QUIT 2
	[ "$output" = "status 131" ]
	run -0 ends QUIT 1
	[ "$output" = "status 131" ]
}

@test "every other signal that ends a process ends the jobs first" {
	local sig
	for sig in XCPU VTALRM PROF IO PWR RTMIN RTMAX; do
		rm -f "$TMP"/p[0-9]*
		run -0 ends "$sig" 2
		[ "$output" = "status $((128 + $(kill -l "$sig")))" ]
	done
}

@test "a fault signal kills every job's process group before tpmap dies of it" {
	local sig
	# No core files from tpmap's deaths.
	ulimit -c 0
	for sig in SEGV BUS FPE ILL ABRT TRAP SYS; do
		rm -f "$TMP"/p[0-9]*
		run -0 ends "$sig" 2
		[ "$output" = "status $((128 + $(kill -l "$sig")))" ]
	done
}

# --- stopped and continued ---

@test "Ctrl-Z stops the jobs, then tpmap; SIGCONT continues them all" {
	term 80 "$TPMAP -j2 -k '$JOB' ::: 1 2"
	ready 2
	local tp j1 j2
	j1=$(cat "$TMP/p1") j2=$(cat "$TMP/p2")
	tp=$(ps -o ppid= -p "$j1" | tr -d ' ')
	tmux -S "$S" send-keys -t t C-z
	wait_state "$tp" T
	wait_state "$j1" T
	wait_state "$j2" T
	# As fg does: the terminal's process group (tpmap and the pane's
	# shell) is continued; tpmap continues its jobs.
	kill -CONT -- -"$(ps -o pgid= -p "$tp" | tr -d ' ')"
	wait_state "$j1" S
	wait_state "$j2" S
	release 2
	# The terminal echoes the Ctrl-Z.
	wait_screen $'^Z1\n2\nEND 0'
}

@test "SIGTSTP, SIGTTIN and SIGTTOU stop the jobs and tpmap" {
	local sig pid
	for sig in TSTP TTIN TTOU; do
		rm -f "$TMP"/p[0-9]*
		tpmap -j2 -k "$JOB" ::: 1 2 >"$TMP/out" 3>&- &
		pid=$!
		ready 2
		kill -"$sig" "$pid"
		wait_state "$pid" T
		wait_state "$(cat "$TMP/p1")" T
		wait_state "$(cat "$TMP/p2")" T
		kill -CONT "$pid"
		wait_state "$(cat "$TMP/p1")" S
		wait_state "$(cat "$TMP/p2")" S
		release 2
		status "$pid" >"$TMP/status"
		[ "$(cat "$TMP/status")" = "status 0" ]
		[ "$(cat "$TMP/out")" = $'1\n2' ]
	done
}

# The two tests below sleep: a deadline that passes while tpmap is
# stopped is the case under test, not an order of events, and more time
# only makes the case stronger.

@test "jobs that end while tpmap is stopped past their --timeout succeed" {
	stopped() {
		local pid
		tpmap -j2 -k --timeout 2 "$JOB" ::: 1 2 3>&- &
		pid=$!
		ready 2
		kill -STOP "$pid"
		release 2
		exited "$(cat "$TMP/p1")" || return
		exited "$(cat "$TMP/p2")" || return
		# Past the deadline, while tpmap is stopped (see above).
		sleep 2.5
		kill -CONT "$pid"
		status "$pid"
	}
	run -0 --separate-stderr stopped
	[ "$output" = $'1\n2\nstatus 0' ]
	[ "$stderr" = "" ]
}

@test "the time tpmap was stopped does not count against a job's --timeout" {
	stopped() {
		local pid
		tpmap --timeout 3 "$JOB" ::: 1 3>&- &
		pid=$!
		ready 1
		kill -STOP "$pid"
		# Past the deadline, while tpmap is stopped (see above).
		sleep 3.5
		kill -CONT "$pid"
		release 1
		status "$pid"
	}
	run -0 --separate-stderr stopped
	[ "$output" = $'1\nstatus 0' ]
	[ "$stderr" = "" ]
}

# --- --termseq without KILL ---

@test "a signal ends tpmap's wait once a --termseq without KILL is over" {
	left() {
		local pid
		tpmap -j2 --termseq TERM,100 'trap "" TERM; '"$JOB" ::: 1 2 2>"$TMP/err" 3>&- &
		pid=$!
		ready 2
		kill -INT "$pid"
		status "$pid"
		# The jobs ignore TERM: they are left running.
		alive "$TMP/p1" "$TMP/p2" | tee "$TMP/leave"
		sort "$TMP/err"
	}
	run -0 --separate-stderr left
	[ "$output" = "status 130
$(cat "$TMP/p1")
$(cat "$TMP/p2")
tpmap: job 1 still runs after the --termseq sequence; left running as process group $(cat "$TMP/p1")
tpmap: job 2 still runs after the --termseq sequence; left running as process group $(cat "$TMP/p2")" ]
}

# --- --halt's status ---

@test "--halt soon,fail=1 exits with the status of the job that triggered it" {
	# Job 1 fails once job 2 runs; job 2 fails once job 1 has been
	# judged (its row is in the job log).
	run -3 --separate-stderr timeout 60 tpmap -j2 --halt soon,fail=1 --joblog "$TMP/log" \
	    'if [ {} = 3 ]; then read x <"$TMP/go"; else echo >"$TMP/go"; until grep -q "^1	" "$TMP/log"; do sleep 0.01; done; fi; exit {}' ::: 3 7
	run -0 cut -f 1,7 "$TMP/log"
	[ "$output" = $'Seq\tExitval\n1\t3\n2\t7' ]
}

# --- jobs whose children escape ---

# A job whose child escapes into a session of its own, holding the job's
# output pipe; both record their pids, then the job waits for ever.
ESCAPE='setsid sh -c '\''echo $$ >"$TMP/esc"; echo >"$TMP/ready"; exec sleep 1000'\'' & echo $$ >"$TMP/p{}"; echo >"$TMP/ready"; sleep 1000'

@test "SIGINT ends tpmap without waiting for a process that escaped the job" {
	escaped() {
		local pid
		tpmap "$ESCAPE" ::: 1 3>&- &
		pid=$!
		ready 2
		cat "$TMP/esc" >"$TMP/leave"
		kill -INT "$pid"
		status "$pid"
		alive "$TMP/p1" "$TMP/esc"
	}
	run -0 --separate-stderr escaped
	[ "$output" = "status 130
$(cat "$TMP/esc")" ]
}

@test "--timeout ends a job without waiting for a process that escaped it" {
	escaped() {
		local pid
		tpmap -j2 --timeout 1 "$ESCAPE" ::: 1 3>&- &
		pid=$!
		ready 2
		cat "$TMP/esc" >"$TMP/leave"
		status "$pid"
		alive "$TMP/p1" "$TMP/esc"
	}
	run -0 --separate-stderr escaped
	[ "$output" = "status 1
$(cat "$TMP/esc")" ]
	[ "${stderr%%$'\n'*}" = "tpmap: Warning: This job was killed because it timed out:" ]
}

@test "a job ends when its shell exits, not when a child left behind does" {
	# The child prints, lets the shell go on, then outlives it holding
	# the output pipe; what it wrote before is printed.
	behind() {
		local pid
		tpmap --timeout 10 '(echo early; echo >"$TMP/ready"; read x <"$TMP/go"; echo late) & echo $! >"$TMP/bg"; read x <"$TMP/ready"; echo hi {}' ::: 1 3>&- &
		pid=$!
		timeout 30 sh -c 'until [ -s "$1" ]; do sleep 0.01; done' sh "$TMP/bg"
		cat "$TMP/bg" >"$TMP/leave"
		status "$pid"
		alive "$TMP/bg"
	}
	run -0 --separate-stderr behind
	[ "$output" = "early
hi 1
status 0
$(cat "$TMP/bg")" ]
	[ "$stderr" = "" ]
}
