#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Nothing lost silently: output or a job log row that cannot be written
# fails the run (status 255, "output is incomplete"), the job log records
# only jobs whose output was delivered, bad --results directories are
# refused before any job runs, closed standard descriptors lose nothing,
# and resource limits fail fast with one message.  Full disks are a file
# size limit with SIGXFSZ ignored (writes past it fail with EFBIG) or
# /dev/full; jobs are ordered with FIFOs, never with sleep.

load test_helper

# full LIMIT_KIB CMD...: run CMD with files limited to LIMIT_KIB KiB.
full() {
	local kib=$1
	shift
	bash -c 'trap "" XFSZ; ulimit -f "$0"; exec "$@"' "$kib" "$@"
}

# --- output that cannot be saved ---

@test "--files on a full TMPDIR prints only whole files and exits 255" {
	mkdir "$TMP/t"
	TMPDIR="$TMP/t" run -255 --separate-stderr full 1 tpmap -j1 -k --files 'head -c {} /dev/zero' ::: 100 2000
	[ "${#lines[@]}" -eq 1 ]
	[ "$(wc -c <"${lines[0]}")" -eq 100 ]
	# The cut-short file is gone: what is left is what was printed.
	[ "$(ls "$TMP/t")" = "$(basename "${lines[0]}")" ]
	[[ $stderr == "tpmap: $TMP/t/tpm"*": File too large"$'\n'"tpmap: output is incomplete: the output of 1 job could not be written" ]]
}

@test "--results on a full disk exits 255 and keeps no job's files cut short" {
	run -255 --separate-stderr full 1 tpmap -j1 -k --results "$TMP/r" 'head -c {} /dev/zero' ::: 100 2000
	[ "$output" = "" ]
	[ "$stderr" = "tpmap: $TMP/r/1/2000/stdout: File too large"$'\n'"tpmap: output is incomplete: the output of 1 job could not be written" ]
	[ "$(cd "$TMP/r" && find . -type f | sort)" = $'./1/100/seq\n./1/100/stderr\n./1/100/stdout' ]
	[ "$(wc -c <"$TMP/r/1/100/stdout")" -eq 100 ]
}

@test "--results DIR that cannot be made is refused before any job runs" {
	mkdir "$TMP/m"
	run -255 --separate-stderr tpmap --results /proc/x 'touch "$TMP/m/ran{}"' ::: a b
	[ "$stderr" = "tpmap: --results /proc/x: No such file or directory" ]
	[ "$(ls "$TMP/m")" = "" ]
}

@test "--results naming a file is refused before any job runs" {
	mkdir "$TMP/m"
	: >"$TMP/f"
	run -255 --separate-stderr tpmap --results "$TMP/f" 'touch "$TMP/m/ran{}"' ::: a b
	[ "$stderr" = "tpmap: --results $TMP/f: Not a directory" ]
	[ "$(ls "$TMP/m")" = "" ]
}

@test "--results '' is refused, not read as the root directory" {
	mkdir "$TMP/d"
	cd "$TMP/d"
	run -255 --separate-stderr tpmap --results '' 'touch "$TMP/d/ran{}"' ::: a b
	[ "$stderr" = "tpmap: --results '': no directory named" ]
	[ "$(ls -A)" = "" ]
}

@test "--results splits a value longer than a file name into directories" {
	local v
	v=$(printf 'x%.0s' $(seq 600))
	run -0 --separate-stderr tpmap --results "$TMP/r" echo ::: "$v"
	[ "$stderr" = "" ]
	[ "$(cat "$TMP/r/1/${v:0:255}/${v:255:255}/${v:510}/stdout")" = "$v" ]
}

@test "--results never makes . or .. of the last piece of a long value" {
	local v
	v=$(printf 'x%.0s' $(seq 510))..
	run -0 --separate-stderr tpmap --results "$TMP/r" echo ::: "$v"
	[ "$(cat "$TMP/r/1/${v:0:255}/${v:255:254}/x../stdout")" = "$v" ]
}

# --- the job log ---

@test "a job whose saved output was lost gets no row in the --joblog" {
	run -255 --separate-stderr full 1 tpmap --results "$TMP/r" --joblog "$TMP/log" 'head -c 2000 /dev/zero; : {}' ::: a
	[ "$(cut -f1 "$TMP/log")" = "Seq" ]
}

@test "a --joblog row cut short by a full disk is taken back" {
	run -255 --separate-stderr full 1 tpmap -j1 --joblog "$TMP/log" true ::: $(seq 100)
	[ "$stderr" = "tpmap: --joblog $TMP/log: File too large" ]
	# Every row whole: nine fields and a newline at the end.
	[ "$(tail -c 1 "$TMP/log" | od -An -c | tr -d ' ')" = '\n' ]
	[ "$(awk -F '\t' 'NF != 9' "$TMP/log")" = "" ]
}

@test "with -k a job's row waits until its output is out, in input order" {
	mkfifo "$TMP/go"
	# --halt makes job 3 start only once job 2 has been judged; job 1,
	# still running, holds job 2's output back, and so its row.
	run -0 --separate-stderr tpmap -k -j2 --halt soon,fail=99 --joblog "$TMP/log" \
	    'case {} in 1) read x <"$TMP/go";; 3) wc -l <"$TMP/log"; echo >"$TMP/go";; esac' ::: 1 2 3
	[ "$output" = "1" ]
	[ "$(cut -f1 "$TMP/log")" = $'Seq\n1\n2\n3' ]
}

# --- closed or failing standard descriptors ---

@test "stderr closed runs every job and loses none of their stdout" {
	run -0 --separate-stderr bash -c 'tpmap -j2 -k "echo {}; echo err{} >&2" ::: 1 2 3 4 2>&-'
	[ "$output" = $'1\n2\n3\n4' ]
}

@test "stderr failing runs every job, keeps their stdout and exits 255" {
	run -255 --separate-stderr bash -c 'tpmap -j1 -k --joblog "$TMP/log" "echo {}; echo err{} >&2" ::: 1 2 3 4 2>/dev/full'
	[ "$output" = $'1\n2\n3\n4' ]
	# No job's stderr was delivered: none is logged as done.
	[ "$(cut -f1 "$TMP/log")" = "Seq" ]
}

@test "stdin closed is empty input" {
	run -0 --separate-stderr bash -c 'timeout 30 tpmap echo <&-'
	[ "$output" = "" ]
	[ "$stderr" = "" ]
}

@test "stdout closed is a write error, and nothing goes into the --joblog" {
	run -255 --separate-stderr bash -c 'tpmap --joblog "$TMP/log" echo ::: a b >&-'
	[ "$stderr" = "tpmap: write error: Bad file descriptor" ]
	[ "$(cat "$TMP/log")" = "$(printf 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand')" ]
}

# --- resource limits ---

@test "-j lowered for descriptors quotes the value given" {
	run -0 --separate-stderr bash -c 'ulimit -n 100; tpmap -j 200000 true ::: 1 2' 3>&-
	[ "$stderr" = "tpmap: -j 200000 lowered to 12: only 100 file descriptors (ulimit -n)" ]
}

@test "descriptors no job can give back fail at once with one message" {
	run -255 --separate-stderr bash -c 'ulimit -n 8; timeout 60 tpmap -j1 echo ::: 1 2 3' 3>&-
	[ "$output" = "" ]
	[ "$stderr" = "tpmap: cannot start job 1: Too many open files (ulimit -n 8)" ]
}

# A process limit the jobs and tpmap's threads would pass lowers -j, as
# few descriptors do; root has no such limit, so the test runs as nobody
# (from /, which nobody may read).
@test "a low process limit (ulimit -u) lowers -j, says so, and every job runs" {
	local as=()
	[ "$(id -u)" != 0 ] || as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	cd /
	run -0 --separate-stderr "${as[@]}" bash -c 'ulimit -u 12; timeout 60 tpmap -j 20 -k echo ::: $(seq 20)'
	[ "$output" = "$(seq 20)" ]
	[[ $stderr =~ ^"tpmap: -j 20 lowered to "[1-9][0-9]*": only 12 processes (ulimit -u), "[0-9]+" of them in use"$ ]]
}

# --- output that cannot be read ---

# faulty CALL ERRNO WHEN CMD...: run CMD under strace, CALL failing with
# ERRNO at the calls of each thread WHEN says (3: the third, 3+: every one
# from the third on), in tpmap's own threads (strace lets go of each job
# when it runs its command); killed after a minute rather than hang the
# suite.  (The sanitizers read their own files with such calls before
# main: these tests are for the plain build.)
faulty() {
	local call=$1 err=$2 when=$3
	shift 3
	timeout 60 strace -f -b execve -qq -o /dev/null -e trace="$call" \
		-e inject="$call:error=$err:when=$when" "$@"
}

@test "a job's output that cannot be read is reported, fails the run, and the job does not wait" {
	[ -z "${TPMAP_SANITIZER:-}" ] || skip "the sanitizers' start-up reads too"
	head -c 300000 /dev/zero | tr '\0' x >"$TMP/big"
	run -255 --separate-stderr faulty read EIO 3+ "$TPMAP_ROOT/tpmap" -j2 -k cat ::: "$TMP/big" "$TMP/big"
	# Each job's first two reads got through, the rest was lost.
	[ "$(printf %s "$output" | wc -c)" -lt 600000 ]
	[ "$(sort <<<"$stderr")" = "tpmap: job 1: reading its stdout: Input/output error
tpmap: job 2: reading its stdout: Input/output error
tpmap: output is incomplete: the output of 2 jobs could not be read" ]
}

@test "a failing poll is tried again, then the job's output is reported lost" {
	[ -z "${TPMAP_SANITIZER:-}" ] || skip "the sanitizers' start-up polls too"
	head -c 300000 /dev/zero | tr '\0' x >"$TMP/big"
	run -255 --separate-stderr faulty poll ENOMEM 3+ "$TPMAP_ROOT/tpmap" -j2 -k cat ::: "$TMP/big" "$TMP/big"
	[ "$(sort <<<"$stderr")" = "tpmap: job 1: waiting for its output: Cannot allocate memory
tpmap: job 2: waiting for its output: Cannot allocate memory
tpmap: output is incomplete: the output of 2 jobs could not be read" ]
}

@test "a read that fails once is tried again and nothing is lost" {
	[ -z "${TPMAP_SANITIZER:-}" ] || skip "the sanitizers' start-up reads too"
	head -c 300000 /dev/zero | tr '\0' x >"$TMP/big"
	run -0 --separate-stderr faulty read EIO 3 "$TPMAP_ROOT/tpmap" -j2 -k cat ::: "$TMP/big" "$TMP/big"
	[ "$output" = "$(cat "$TMP/big" "$TMP/big")" ]
	[ "$stderr" = "" ]
}
