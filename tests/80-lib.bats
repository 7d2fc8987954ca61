#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
#
# libtp, the executor library, through tests/helpers/tp-driver: each test
# runs one scenario and compares what it printed, line for line.  The
# driver orders events with gates and libtp's own waiting, never sleeps, so
# the output is exact.  libtp(3) lists the concurrent.futures
# features covered here; tp.h is the contract.

bats_require_minimum_version 1.5.0

load test_helper

# Run one tp-driver scenario.  Unlike a bare `run -0`, show what the driver
# printed on both streams when it fails.  The scenario runs against
# libtp.a ($TP_DRIVER), then, unless TP_DRIVER_SO is empty, against
# libtp.so ($TP_DRIVER_SO), which must print the same; $output is the
# first run's, for lib_expect.
lib_run() {
	local first

	run --separate-stderr "$TP_DRIVER" "$@"
	lib_ok "$TP_DRIVER" "$@" || return 1
	[ -n "$TP_DRIVER_SO" ] || return 0
	first=$output
	run --separate-stderr "$TP_DRIVER_SO" "$@"
	lib_ok "$TP_DRIVER_SO" "$@" || return 1
	if [ "$output" != "$first" ]; then
		printf -- '--- %s %s\n%s\n--- %s %s\n%s\n' "$TP_DRIVER" "$*" \
		    "$first" "$TP_DRIVER_SO" "$*" "$output" >&2
		return 1
	fi
}

# lib_ok DRIVER ARGS...: the run of DRIVER just made exited 0, silently.
lib_ok() {
	local driver=$1

	shift
	if [ "$status" -ne 0 ] || [ -n "$stderr" ]; then
		printf '%s %s: exit status %s\n--- stdout\n%s\n--- stderr\n%s\n' \
		    "$driver" "$*" "$status" "$output" "$stderr" >&2
		return 1
	fi
}

# Compare the driver's stdout with the lines on stdin.
lib_expect() {
	local want

	want=$(cat)
	if [ "$output" != "$want" ]; then
		printf -- '--- expected\n%s\n--- got\n%s\n' "$want" "$output" >&2
		return 1
	fi
}

# ---- the shared library -----------------------------------------------------

# The functions tp.h declares, one a line, sorted (tp.h writes the return
# type and the name of each declaration on one line).
tp_h_functions() {
	sed -n '/^typedef/d; s/^[a-z][^(]*[ *]\(tp_[a-z0-9_]*\)(.*/\1/p' \
	    "$TPMAP_ROOT/src/tp/tp.h" | sort
}

@test "libtp.so exports exactly the functions tp.h declares, versioned" {
	local want got

	want=$(tp_h_functions)
	[ -n "$want" ]
	# Defined dynamic symbols but the version node itself (type A).
	got=$(nm -D --defined-only "$TPMAP_ROOT/libtp.so" |
	    awk '$2 != "A" { print $3 }' | sort)
	diff <(echo "$want" | sed 's/$/@@LIBTP_1/') <(echo "$got")
}

# ---- executors --------------------------------------------------------------

@test "an executor runs as many tasks at once as it has workers" {
	lib_run create-free
	lib_expect <<-'EOF'
		workers=1 together=1
		workers=2 together=2
		workers=3 together=3
		workers=8 together=8
	EOF
}

@test "workers start as tasks arrive, never more than nworkers" {
	lib_run workers-on-demand
	lib_expect <<-'EOF'
		nworkers=64, after create: 1 thread
		3 tasks held: 3 or 4 threads
		after free: 0 threads
		nworkers=2, 8 tasks, 2 held: 2 threads
		all ran: 8
	EOF
}

@test "an executor created with 0 workers has tp_cpu_count() of them" {
	lib_run create-zero
	lib_expect <<-'EOF'
		nworkers=0: tp_cpu_count() tasks together: yes
		nworkers=0 with opts: tp_cpu_count() tasks together: yes
	EOF
}

@test "creating an executor with a stack below PTHREAD_STACK_MIN fails with EINVAL" {
	lib_run create-small-stack
	lib_expect <<-'EOF'
		stack_size=1: EINVAL
	EOF
}

@test "an executor with a custom stack size runs tasks" {
	lib_run create-stack-size
	lib_expect <<-'EOF'
		stack_size=1048576: 0
		task status: 3
	EOF
}

@test "worker threads block signals and leave the caller's mask alone" {
	lib_run worker-signals
	lib_expect <<-'EOF'
		blocked on the worker: SIGHUP SIGINT SIGQUIT SIGPIPE SIGALRM SIGTERM SIGUSR1 SIGUSR2 SIGCHLD
		unblocked on the worker: -
		caller's mask unchanged: yes
	EOF
}

@test "each worker runs the initializer as it starts and the finalizer as it exits" {
	lib_run worker-init-fini
	lib_expect <<-'EOF'
		before free: 3 initialized, 0 finalized
		after free: 3 initialized, 3 finalized
		each on its own worker: yes
		finalized on the initialized threads: yes
		tasks ran after their worker's initializer: yes
	EOF
}

@test "a failing initializer breaks the executor: queued futures fail, submit is refused" {
	lib_run worker-init-broken
	lib_expect <<-'EOF'
		before: queued 2, broken 0
		A: DONE, status ENOTRECOVERABLE
		B: DONE, status ENOTRECOVERABLE
		A's exception: 0, err ENOTRECOVERABLE, message a worker initializer failed
		submit after: ENOTRECOVERABLE
		future untouched: yes
		after: queued 0, broken 1, shutdown 0
		runs: 0 0
		initialized 1, finalized 0
	EOF
}

@test "workers are named prefix-N, cut to 15 bytes" {
	[ -r /proc/self/comm ] || skip "no /proc/self/comm: thread names are not readable"
	lib_run worker-names
	lib_expect <<-'EOF'
		prefix tpw: tpw-0 tpw-1 tpw-2
		prefix a-long-thread-prefix: a-long-thread-p
	EOF
}

@test "tp_executor_info reports workers, queue length and shutdown" {
	lib_run executor-info
	lib_expect <<-'EOF'
		created: max 1, workers 1, queued 0, shutdown 0, broken 0
		one running, two queued: workers 1, queued 2
		shut down: queued 2, shutdown 1
		nworkers 0: max is tp_cpu_count(): yes
	EOF
}

@test "a one-worker executor completes everything, callbacks and maps included" {
	lib_run one-worker
	lib_expect <<-'EOF'
		futures done: 200
		callbacks: 200
		map yielded: 100, in order: yes
		counted task runs: 250
	EOF
}

# ---- submit and results -----------------------------------------------------

@test "tp_future_result returns the task's result pointer and status" {
	lib_run submit-result
	lib_expect <<-'EOF'
		result: 0
		result pointer: the task's
		status: 0
		arg: the submitted one
	EOF
}

@test "a non-zero task status is returned as the future's exception" {
	lib_run result-status
	lib_expect <<-'EOF'
		result: 0
		status: 42
		result pointer: the task's
		state: DONE
	EOF
}

@test "a task that stores no result gives a NULL result" {
	lib_run result-null
	lib_expect <<-'EOF'
		untouched result: NULL
		status: 0
		without outputs: 0
	EOF
}

@test "a task submitted without a future still runs" {
	lib_run submit-no-future
	lib_expect <<-'EOF'
		runs: 1
	EOF
}

@test "tp_future_result with a timeout on a held task gives ETIMEDOUT" {
	lib_run result-timeout
	lib_expect <<-'EOF'
		result, 20ms: ETIMEDOUT
		outputs untouched: yes
		result, 0: ETIMEDOUT
		wait, 0: ETIMEDOUT
		wait, 10ms: ETIMEDOUT
		state: RUNNING
		result, forever: 0, status 5
		wait, 0: 0
	EOF
}

@test "tp_future_state goes through PENDING, RUNNING, DONE and CANCELLED" {
	lib_run states
	lib_expect <<-'EOF'
		A: RUNNING
		B: PENDING
		C: CANCELLED
		A: DONE
		B: DONE
		A, from inside its task: RUNNING
		C runs: 0
	EOF
}

@test "references taken with tp_future_retain keep a future until the last release" {
	lib_run retain-release
	lib_expect <<-'EOF'
		state with one reference left: DONE
		ok
	EOF
}

@test "the free and release functions accept NULL" {
	lib_run null-frees
	lib_expect <<-'EOF'
		ok
	EOF
}

# ---- bounded queue ----------------------------------------------------------

@test "tp_submit blocks on a full queue until a worker takes a task" {
	lib_run queue-bounded
	lib_expect <<-'EOF'
		A: RUNNING
		B: PENDING
		submitter blocked
		A returns
		submit of C returns
		C: DONE
	EOF
}

@test "a shutdown makes a tp_submit blocked on a full queue return ESHUTDOWN" {
	lib_run queue-shutdown
	lib_expect <<-'EOF'
		A: RUNNING
		B: PENDING
		submitter blocked
		submit of C: ESHUTDOWN
		future untouched: yes
		A: DONE
		B: DONE
		C runs: 0
	EOF
}

# ---- cancel -----------------------------------------------------------------

@test "cancelling a pending future runs its callbacks at once and never its task" {
	lib_run cancel-pending
	lib_expect <<-'EOF'
		cancel: 0
		callbacks run before cancel returned: 1 1
		on the cancelling thread: yes
		cb1 CANCELLED
		cb2 CANCELLED
		state: CANCELLED
		cancel again: 0
		B runs: 0
		callback calls: 1 1
	EOF
}

@test "tp_future_result on a cancelled future gives ECANCELED" {
	lib_run result-cancelled
	lib_expect <<-'EOF'
		result: ECANCELED
		result pointer: NULL
		status: ECANCELED
		result, 0: ECANCELED
		wait, 0: 0
	EOF
}

@test "cancelling a running task without a hook fails with EBUSY" {
	lib_run cancel-running
	lib_expect <<-'EOF'
		cancel: EBUSY
		state: RUNNING
		result: 0
		state: DONE
	EOF
}

@test "cancelling a finished future fails with EBUSY" {
	lib_run cancel-done
	lib_expect <<-'EOF'
		cancel: EBUSY
		state: DONE
		result: 0
		status: 9
	EOF
}

@test "cancelling a running task with a hook calls it and ends CANCELLED with the task's result" {
	lib_run cancel-hook
	lib_expect <<-'EOF'
		register: 0
		cancel: 0
		hook calls when cancel returned: 1
		hook on the cancelling thread: yes
		result: ECANCELED
		result pointer: the task's
		status: 7
		state: CANCELLED
		callback: CANCELLED
		callback on the worker: yes
		callback calls: 1
	EOF
}

@test "a task cannot register a cancel hook once a cancel was asked for" {
	lib_run hook-after-cancel
	lib_expect <<-'EOF'
		register after cancel: ECANCELED
		hook calls: 1
		callback calls: 1
	EOF
}

@test "a cancel hook removed with NULL is not called and cancel fails with EBUSY" {
	lib_run hook-removed
	lib_expect <<-'EOF'
		register: 0
		remove: 0
		cancel: EBUSY
		hook calls: 0
		result: 0
		status: 7
		state: DONE
	EOF
}

@test "removing a cancel hook waits for a call of it in progress" {
	lib_run hook-remove-waits
	lib_expect <<-'EOF'
		removal waits for the running hook
		cancel: 0
		remove: 0
		result: ECANCELED
		status: 7
		hook returns
		hook removed
		hook calls: 1
	EOF
}

@test "a future does not finish while its cancel hook is still running" {
	lib_run hook-return-waits
	lib_expect <<-'EOF'
		wait while the hook runs: ETIMEDOUT
		cancel: 0
		result: ECANCELED
		hook returns
		callback CANCELLED
	EOF
}

@test "a cancel hook is not called after its task has returned" {
	lib_run hook-after-return
	lib_expect <<-'EOF'
		register: 0
		cancel: EBUSY
		hook calls: 0
		state: DONE
	EOF
}

# ---- done callbacks ---------------------------------------------------------

@test "done callbacks run once each, in registration order" {
	lib_run callbacks-order
	lib_expect <<-'EOF'
		cb1 DONE
		cb2 DONE
		cb3 DONE
		calls: 1 1 1
	EOF
}

@test "done callbacks run on the thread that finishes the future" {
	lib_run callbacks-thread
	lib_expect <<-'EOF'
		callback on the task's thread: yes
		callback on the main thread: no
		state in callback: DONE
	EOF
}

@test "a done callback added to a finished future runs at once on the caller's thread" {
	lib_run callbacks-done-at-once
	lib_expect <<-'EOF'
		on_done: 0
		calls when on_done returned: 1
		on the calling thread: yes
		state in callback: DONE
		calls: 1
	EOF
}

@test "a done callback added to a cancelled future runs at once with CANCELLED" {
	lib_run callbacks-after-cancel
	lib_expect <<-'EOF'
		on_done: 0
		calls when on_done returned: 1
		on the calling thread: yes
		state in callback: CANCELLED
		calls: 1
	EOF
}

@test "a done callback may add another, which runs nested at once" {
	lib_run callbacks-nested
	lib_expect <<-'EOF'
		outer callback begins
		inner callback DONE
		outer callback ends
		nested on_done: 0
	EOF
}

@test "a done callback may release the reference it was handed" {
	lib_run release-in-callback
	lib_expect <<-'EOF'
		state after release in callback: DONE
	EOF
}

@test "releasing a future early stops neither its task nor its callbacks" {
	lib_run release-early
	lib_expect <<-'EOF'
		B callback DONE
		A runs: 1
		B runs: 1
		callback calls: 1
	EOF
}

@test "the executor-level callback runs once per future, after its own, cancelled ones too" {
	lib_run executor-on-done
	lib_expect <<-'EOF'
		A: own DONE, exec DONE
		B: own DONE, exec DONE
		C: own CANCELLED, exec CANCELLED
		D: exec DONE
		executor callback calls: 4
	EOF
}

# ---- program-completed futures and messages ----------------------------------

@test "tp_future_set_result completes a created future once, running its callbacks" {
	lib_run future-set-result
	lib_expect <<-'EOF'
		created: PENDING, arg given
		wait, polling: ETIMEDOUT
		set_result: 0
		callback DONE
		callback on this thread: yes
		result: the one set, status 0
		exception: 0, err 0, message NULL
		set_result again: EALREADY
		set_exception after: EALREADY
		set_running after: EALREADY
		cancel after: EBUSY
		callback calls: 1
	EOF
}

@test "tp_future_set_exception gives a status and a copied message" {
	lib_run future-set-exception
	lib_expect <<-'EOF'
		err 0: EINVAL
		set_exception: 0
		state DONE, status EIO
		exception: 0, err EIO, message disk on fire
		set_result after: EALREADY
		set_message after: EALREADY
		without a message: 0, err EINVAL, message NULL
	EOF
}

@test "created futures work with tp_wait, as_completed and a blocked waiter" {
	lib_run future-created-wait
	lib_expect <<-'EOF'
		wait, polling: ETIMEDOUT
		done: 2
		not done: 0 1
		next: 2
		next: 0
		first exception, done: 0 2
		waiter got hello
		next: 1
		next: ENOENT
	EOF
}

@test "a created future cancels while pending, not once set running" {
	lib_run future-created-cancel
	lib_expect <<-'EOF'
		cancel pending: 0
		callback CANCELLED
		result: ECANCELED
		exception: ECANCELED
		set_running: ECANCELED
		set_result: EALREADY
		cancel again: 0
		set_running: 0
		state: RUNNING
		set_running again: EALREADY
		cancel running: EBUSY
		result, polling: ETIMEDOUT
		set_result: 0
		state: DONE
		executor's future: set_result EINVAL, set_exception EINVAL, set_running EINVAL
	EOF
}

@test "a future made after others were released starts new, on any thread" {
	lib_run future-reuse
	lib_expect <<-'EOF'
		same thread: 300 of 300 fresh
		made elsewhere: 300 of 300 fresh
		released elsewhere: 300 of 300 fresh
		callbacks: 1800
	EOF
}

@test "a task's message comes back with its status from tp_future_exception" {
	lib_run task-message
	lib_expect <<-'EOF'
		failed task: 0, err EIO, message item 7: bad header
		task that succeeded: 0, err 0, message NULL
		running, polling: ETIMEDOUT
		running, short timeout: ETIMEDOUT
		cancelled: ECANCELED
		returned 0: 0, err 0, message NULL
	EOF
}

# ---- shutdown ---------------------------------------------------------------

@test "submitting after shutdown fails with ESHUTDOWN and never runs the task" {
	lib_run submit-after-shutdown
	lib_expect <<-'EOF'
		submit: ESHUTDOWN
		future untouched: yes
		submit without future: ESHUTDOWN
		runs: 0
	EOF
}

@test "shutting down again is harmless" {
	lib_run shutdown-twice
	lib_expect <<-'EOF'
		first: 0
		again: 0
		again, cancelling: 0
		task: DONE
	EOF
}

@test "shutdown with cancel_pending cancels queued tasks and lets the running one finish" {
	lib_run shutdown-cancel-pending
	lib_expect <<-'EOF'
		shutdown: 0
		A: DONE, runs 1, callback calls 1
		B: CANCELLED, runs 0, callback calls 1, on the shutting-down thread
		C: CANCELLED, runs 0, callback calls 1, on the shutting-down thread
	EOF
}

@test "shutdown with wait and without cancel_pending runs every queued task first" {
	lib_run shutdown-wait-runs-queued
	lib_expect <<-'EOF'
		shutdown: 0
		A: DONE, runs 1, callback calls 1
		B: DONE, runs 1, callback calls 1
		C: DONE, runs 1, callback calls 1
	EOF
}

@test "shutdown without wait leaves queued tasks queued, and they still run" {
	lib_run shutdown-nowait-keeps-queued
	lib_expect <<-'EOF'
		shutdown: 0
		A: RUNNING
		B: PENDING
		C: PENDING
		submit D: ESHUTDOWN
		A: DONE, runs 1
		B: DONE, runs 1
		C: DONE, runs 1
		D runs: 0
	EOF
}

@test "tp_executor_free runs the queued tasks and futures outlive it" {
	lib_run free-runs-queued
	lib_expect <<-'EOF'
		A: DONE, runs 1, callback calls 1
		B: DONE, runs 1, callback calls 1
		C: DONE, runs 1, callback calls 1
		result after free: 0
	EOF
}

@test "shutdown with wait from a worker fails with EDEADLK but still shuts down" {
	lib_run shutdown-edeadlk
	lib_expect <<-'EOF'
		shutdown with wait from a worker: EDEADLK
		shutdown without wait from a worker: 0
		submit afterwards: ESHUTDOWN
	EOF
}

@test "shutdown with wait from a done callback on a worker fails with EDEADLK" {
	lib_run shutdown-edeadlk-callback
	lib_expect <<-'EOF'
		callback on the worker: yes
		shutdown with wait from its callback: EDEADLK
		submit afterwards: ESHUTDOWN
	EOF
}

@test "shutdown from a thread that took a joined worker's id is no worker's shutdown" {
	lib_run shutdown-after-join
	lib_expect <<-'EOF'
		shutdown: 0
		shutdown again from a thread started since: 0
		task: DONE, runs 1
	EOF
}

@test "shutdown with cancel_pending cancels every queued task, even as workers free up" {
	lib_run shutdown-cancel-pending-all
	lib_expect <<-'EOF'
		shutdown: 0
		queued: 10, cancelled: 10, run: 0, callbacks: 10
		a queued task started during the shutdown: no
		A0: DONE
		A1: DONE
	EOF
}

@test "a done callback run by shutdown with cancel_pending may free the executor" {
	lib_run shutdown-callback-frees
	lib_expect <<-'EOF'
		shutdown: 0
		B's callback freed the executor
		A: DONE, runs 1
		B: CANCELLED, runs 0
		C: CANCELLED, runs 0
		callbacks: 2, executor callbacks: 3
	EOF
}

# ---- wait -------------------------------------------------------------------

@test "tp_wait FIRST_COMPLETED returns once one future has finished" {
	lib_run wait-first-completed
	lib_expect <<-'EOF'
		wait: 0
		done: 1
		not_done: 0 2
	EOF
}

@test "tp_wait FIRST_EXCEPTION returns at the first non-zero status" {
	lib_run wait-first-exception
	lib_expect <<-'EOF'
		wait: 0
		done: 0 1
		not_done: 2
	EOF
}

@test "tp_wait FIRST_EXCEPTION without a failure waits for every future" {
	lib_run wait-first-exception-none
	lib_expect <<-'EOF'
		wait: 0
		done: 0 1
		not_done: -
	EOF
}

@test "a cancelled future is not an exception for tp_wait FIRST_EXCEPTION" {
	lib_run wait-first-exception-cancelled
	lib_expect <<-'EOF'
		wait: ETIMEDOUT
		done: 1
		not_done: 0
	EOF
}

@test "tp_wait ALL_COMPLETED returns once every future has finished" {
	lib_run wait-all-completed
	lib_expect <<-'EOF'
		wait: 0
		done: 0 1 2
		not_done: -
	EOF
}

@test "tp_wait with a timeout gives ETIMEDOUT and splits done from not_done" {
	lib_run wait-timeout
	lib_expect <<-'EOF'
		all completed, 20ms:
		wait: ETIMEDOUT
		done: 0 1
		not_done: 2
		first completed on the running one, 10ms:
		wait: ETIMEDOUT
		done: -
		not_done: 2
		all completed, polling:
		wait: ETIMEDOUT
		done: 0 1
		not_done: 2
	EOF
}

@test "tp_wait takes futures from two executors" {
	lib_run wait-two-executors
	lib_expect <<-'EOF'
		first completed:
		wait: 0
		done: 1
		not_done: 0
		all completed:
		wait: 0
		done: 0 1
		not_done: -
	EOF
}

@test "tp_wait counts a future listed several times once" {
	lib_run wait-duplicates
	lib_expect <<-'EOF'
		all completed, 20ms, 5 entries:
		wait: ETIMEDOUT
		done: 0
		not_done: 1
		all completed, forever, 5 entries:
		wait: 0
		done: 0 1
		not_done: -
	EOF
}

@test "tp_wait rejects a bad mode with EINVAL" {
	lib_run wait-einval
	lib_expect <<-'EOF'
		bad mode: EINVAL
	EOF
}

@test "tp_wait works without the done and not_done arrays" {
	lib_run wait-no-split
	lib_expect <<-'EOF'
		wait without arrays: 0
		states: DONE DONE
	EOF
}

# ---- as_completed -----------------------------------------------------------

@test "as_completed yields futures in the order they finish" {
	lib_run as-completed-order
	lib_expect <<-'EOF'
		next: 2
		next: 0
		next: 1
		next: ENOENT
	EOF
}

@test "as_completed yields the futures already finished first" {
	lib_run as-completed-done-first
	lib_expect <<-'EOF'
		first two: 1 2
		then: 0
		then: ENOENT
	EOF
}

@test "as_completed yields a future listed several times once" {
	lib_run as-completed-duplicates
	lib_expect <<-'EOF'
		finished ones: 0 1
		then: 2
		then: ENOENT
	EOF
}

@test "as_completed gives ETIMEDOUT after its deadline and still yields finished futures" {
	lib_run as-completed-timeout
	lib_expect <<-'EOF'
		next: ETIMEDOUT
		next again: ETIMEDOUT
		after the deadline, once finished: 0
		then: ENOENT
	EOF
}

@test "as_completed over no futures ends at once with ENOENT" {
	lib_run as-completed-empty
	lib_expect <<-'EOF'
		next: ENOENT
		again: ENOENT
	EOF
}

@test "tp_as_completed_add extends the set and ignores futures already in it" {
	lib_run as-completed-add
	lib_expect <<-'EOF'
		add 1: 0
		add 1 again: 0
		add 0 again: 0
		next: 1
		next: 0
		next: ENOENT
		add 2: 0
		next: 2
		next: ENOENT
	EOF
}

@test "as_completed takes futures from two executors" {
	lib_run as-completed-two-executors
	lib_expect <<-'EOF'
		next: 1
		next: 0
		next: ENOENT
	EOF
}

@test "tp_as_completed_pending says how many futures a timeout left unfinished" {
	lib_run as-completed-pending
	lib_expect <<-'EOF'
		pending 3, held 3
		next: 1
		next: ETIMEDOUT
		unfinished: 2 (of 3)
		all yielded: pending 0, held 3
	EOF
}

@test "tp_as_completed_take streams futures through an iterator that holds only the untaken" {
	lib_run as-completed-take
	lib_expect <<-'EOF'
		taken: 2000, outcomes read: 2000, task runs: 2000
		most held at once: 4 (window 4)
		held at the end: 0, pending: 0
		then: ENOENT
		taken: yes
		after adding it again: held 1
		yielded by next: yes, held 1
	EOF
}

# ---- map --------------------------------------------------------------------

@test "map returns futures in input order when later items finish first" {
	lib_run map-order
	lib_expect <<-'EOF'
		next: 0
		next: 1
		next: 2
		next: 3
		next: ENOENT
		completion order:
		3
		2
		1
		0
	EOF
}

@test "map produces no item before the first tp_map_next" {
	lib_run map-lazy
	lib_expect <<-'EOF'
		produced after create: 0
		after free without next: produced 0, runs 0, drops 0
		first next: 0, produced some
	EOF
}

@test "map keeps at most window items produced ahead of the consumer" {
	lib_run map-window
	lib_expect <<-'EOF'
		window: 3
		yielded: 10, in order: yes, then ENOENT
		most items produced and not yet returned: 3
	EOF
}

@test "map with a window of one produces one item at a time" {
	lib_run map-window-one
	lib_expect <<-'EOF'
		window: 1
		yielded: 10, in order: yes, then ENOENT
		most items produced and not yet returned: 1
	EOF
}

@test "map's default window is 64 items per worker" {
	lib_run map-window-default
	lib_expect <<-'EOF'
		workers: 2
		first next: ETIMEDOUT
		produced: 128
	EOF
}

@test "map gives ETIMEDOUT after its deadline and still returns finished futures" {
	lib_run map-timeout
	lib_expect <<-'EOF'
		next: ETIMEDOUT
		next after the deadline, once finished: 0
		next: ENOENT
	EOF
}

@test "a timeout as long as int64_t allows waits like no timeout, in map and elsewhere" {
	lib_run map-timeout-max
	lib_expect <<-'EOF'
		rounds: 6, item 0 returned: 6, next returned early: 0
		wait: 0
		result: 0
		tp_wait: 0
		as_completed: 0
	EOF
}

@test "map returns a producer error after the futures before it" {
	lib_run map-producer-error
	lib_expect <<-'EOF'
		next: 0
		next: 1
		next: 2
		next: EIO
	EOF
}

@test "map ends with ENOENT and keeps returning it" {
	lib_run map-end
	lib_expect <<-'EOF'
		next: 0
		next: 1
		next: ENOENT
		next again: ENOENT
		empty input: ENOENT
		drops: 0
	EOF
}

@test "tp_map_free hands each unreturned item to drop once, after its future finished" {
	lib_run map-free-drop
	lib_expect <<-'EOF'
		next: 0
		next: 1
		returned items dropped: 0
		every other produced item dropped once: yes
		dropped before finishing: 0
	EOF
}

@test "tp_map_free cancels pending items and waits for the running one" {
	lib_run map-free-cancels
	lib_expect <<-'EOF'
		first next: ETIMEDOUT
		produced: 3
		pending items cancelled while the running one was held: yes
		dropped: 3, DONE 1, CANCELLED 2
	EOF
}

@test "map returns the submit error and hands the item to drop" {
	lib_run map-submit-error
	lib_expect <<-'EOF'
		next: ESHUTDOWN
		dropped: 0 (1 time)
		runs: 0
	EOF
}

@test "map submits its refill of up to 64 items together; a submit error drops them all" {
	lib_run map-submit-error-refill
	lib_expect <<-'EOF'
		next: ESHUTDOWN
		produced: 64
		dropped once without a future: 64 (items 0 to 63); not dropped: 6
		runs: 0
	EOF
}

@test "creating a map without executor, task or producer fails with EINVAL" {
	lib_run map-einval
	lib_expect <<-'EOF'
		no executor: EINVAL
		no task: EINVAL
		no producer: EINVAL
	EOF
}

@test "a pushed map returns the items of several pushers, each pusher's in order" {
	lib_run map-pushed
	lib_expect <<-'EOF'
		pushers: 3, items: 120, window 4
		push results: 0 0 0
		returned: 120, each once: yes, in each pusher's order: yes
		finished when returned: 120
		after the end: ENOENT
		push after close: EPIPE
	EOF
}

@test "tp_map_close ends a pushed map and wakes a push blocked on a full window" {
	lib_run map-pushed-close
	lib_expect <<-'EOF'
		push 0: 0
		push 1: blocked
		close: 0
		push 1 after close: EPIPE
		close again: 0
		next: 0
		next: ENOENT
		dropped: 0, runs of 1: 0
	EOF
}

@test "pushed maps refuse a missing executor or task, pulled maps refuse pushes" {
	lib_run map-pushed-einval
	lib_expect <<-'EOF'
		no executor: EINVAL
		no task: EINVAL
		push to a pulled map: EINVAL
		close a pulled map: EINVAL
	EOF
}

@test "tp_map_next_timed with 0 polls, and its timeout does not end the map" {
	lib_run map-next-poll
	lib_expect <<-'EOF'
		poll: ETIMEDOUT
		produced: 2
		poll once 0 finished: 0
		short timeout: ETIMEDOUT
		then, waiting: 1
		then, waiting: 2
		end: ENOENT
		pushed, poll: ETIMEDOUT
		pushed, short timeout: ETIMEDOUT
		pushed, closed: ENOENT
	EOF
}

@test "TP_MAP_STOP_ON_ERROR ends the map at the first failure and cancels the rest" {
	lib_run map-stop-on-error
	lib_expect <<-'EOF'
		next: 0
		next: 1
		next: 2, status EIO
		next: ENOENT
		next again: ENOENT
		produced: 6, dropped: 3
		item 3: dropped 1, DONE, runs 1
		item 4: dropped 1, CANCELLED, runs 0
		item 5: dropped 1, CANCELLED, runs 0
	EOF
}

# ---- races ------------------------------------------------------------------

@test "10000 futures submitted from 8 threads each run and call back exactly once" {
	lib_run race-submit
	lib_expect <<-'EOF'
		futures: 10000 from 8 threads
		finished: 10000, unfinished: 0
		tasks run exactly once: 10000
		callbacks run exactly once: 10000
		executor callbacks: 10000
	EOF
}

@test "cancel racing completion runs each callback exactly once" {
	lib_run race-cancel
	lib_expect <<-'EOF'
		futures: 8000
		cancel result, state and runs agree: 8000
		callbacks run exactly once: 8000
		executor callbacks: 8000
	EOF
}

@test "repeated shutdowns with tasks queued settle every future, either way" {
	lib_run race-shutdown
	lib_expect <<-'EOF'
		cancel_pending=1: futures 3200
		finished 3200, state agrees with runs 3200
		callbacks run exactly once 3200, executor callbacks 3200
		cancel_pending=0: futures 3200
		finished 3200, state agrees with runs 3200
		callbacks run exactly once 3200, executor callbacks 3200
		done 3200
	EOF
}

@test "as_completed over duplicates racing completion yields each future once" {
	lib_run race-as-completed
	lib_expect <<-'EOF'
		futures: 3000, listed 3 times each
		yielded: 3000, exactly once: 3000, repeats: 0
	EOF
}

@test "tp_as_completed_add racing tp_as_completed_next yields each future once" {
	lib_run race-as-completed-add
	lib_expect <<-'EOF'
		futures added twice each while iterating: 2000
		yielded: 2000, exactly once: 2000
	EOF
}

@test "tp_wait with a timeout racing completion splits the futures consistently" {
	lib_run race-wait-timeout
	lib_expect <<-'EOF'
		splits: 300, consistent: 300
	EOF
}
