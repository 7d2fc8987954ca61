#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# --pipe and --pipepart: input cut into blocks at record boundaries, each
# block one job's stdin; --round-robin and --tee: streams of it given to
# a fixed set of running jobs.  Outputs are exact (-k); the cases that GNU
# parallel prints the same way are also in the differential table
# (tests/compat/cases.txt, sections pipe, pipepart and stream).  The memory test reads
# TPMAP_PIPE_MIB MiB (64 here; the CI's stress pass gives 2 GiB).

load test_helper

# A job that shows its block between markers.
show='echo "== {#}"; cat'

@test "--pipe cuts stdin after the last record end of each --block" {
	run -0 --separate-stderr bash -c 'seq 10 | tpmap --pipe --block 6 -k "$1"' _ "$show"
	[ "$output" = "$(printf '== 1\n1\n2\n3\n== 2\n4\n5\n6\n== 3\n7\n8\n9\n== 4\n10')" ]
	[ "$stderr" = "" ]
	# --spreadstdin is --pipe; a small input is one block.
	run -0 bash -c 'seq 3 | tpmap --spreadstdin wc -l'
	[ "$output" = 3 ]
}

@test "--block takes K M G (1024) and k m g (1000) units" {
	run -0 bash -c 'seq 2000 | tpmap --pipe --block 1k -k wc -c'
	[ "$output" = "$(printf '1000\n1000\n1000\n998\n1000\n1000\n1000\n1000\n895')" ]
	run -0 bash -c 'seq 2000 | tpmap --pipe --block 1K -k wc -c | head -n 2'
	[ "$output" = "$(printf '1024\n1024')" ]
	run -0 bash -c 'seq 300000 | tpmap --pipe --block 1M -k wc -l'
	[ "$output" = "$(printf '165668\n134332')" ]
}

@test "a bad --block is an error naming it" {
	run -255 --separate-stderr tpmap --pipe --block 12x cat
	[ "$stderr" = "tpmap: --block '12x': not a size (N, with k, K, M, G or T)" ]
	run -255 --separate-stderr tpmap --pipe --block 0 cat
	[ "$stderr" = "tpmap: --block '0': not a positive size" ]
	run -255 --separate-stderr tpmap --pipe --block -2 cat
	[ "$stderr" = "tpmap: --block with a negative size needs --pipepart" ]
}

@test "input without a final record end is the last block, empty input none" {
	run -0 bash -c 'printf "a\nb\nc" | tpmap --pipe --block 2 -k "$1"' _ "$show"
	[ "$output" = "$(printf '== 1\na\n== 2\nb\n== 3\nc')" ]
	# Empty input starts no job.
	run -0 --separate-stderr bash -c 'tpmap --pipe echo ran </dev/null'
	[ "$output" = "" ]
	[ "$stderr" = "" ]
}

@test "a record longer than --block grows the block and is never split" {
	run -0 --separate-stderr bash -c 'printf "aaaaaaaaaaaa\nb\n" | tpmap --pipe -k --block 4 "$1"' _ "$show"
	[ "$output" = "$(printf '== 1\naaaaaaaaaaaa\nb')" ]
	[ "$stderr" = "$(printf '%s\n' \
	    'tpmap: Warning: A record was longer than 4. Increasing to --blocksize 7.' \
	    'tpmap: Warning: A record was longer than 7. Increasing to --blocksize 11.' \
	    'tpmap: Warning: A record was longer than 11. Increasing to --blocksize 16.')" ]
}

@test "-N gives N records per job, -L N lines" {
	run -0 bash -c 'seq 7 | tpmap --pipe -N3 -k "$1"' _ "$show"
	[ "$output" = "$(printf '== 1\n1\n2\n3\n== 2\n4\n5\n6\n== 3\n7')" ]
	run -0 bash -c 'seq 7 | tpmap --pipe -L2 --block 5 -k "$1"' _ "$show"
	[ "$output" = "$(printf '== 1\n1\n2\n== 2\n3\n4\n== 3\n5\n6\n== 4\n7')" ]
}

@test "--recstart and --recend mark records, with escapes" {
	run -0 bash -c 'printf ">a\nxx\n>b\nyy\n>c\nzz\n" | tpmap --pipe -k --recstart ">" -N1 "$1"' _ "$show"
	[ "$output" = "$(printf '== 1\n>a\nxx\n== 2\n>b\nyy\n== 3\n>c\nzz')" ]
	run -0 bash -c 'printf "a;b;c;d;" | tpmap --pipe -k --recend ";" -N2 "cat; echo"'
	[ "$output" = "$(printf 'a;b;\nc;d;')" ]
	run -0 bash -c 'printf "a\tb\tc\t" | tpmap --pipe -k --recend "\\t" -N2 "cat; echo"'
	[ "$output" = "$(printf 'a\tb\t\nc\t')" ]
}

@test "--regexp makes --recend and --recstart regular expressions" {
	run -0 bash -c 'printf "a1b a2b a3b" | tpmap --pipe -k --regexp --recend "b " --recstart "a" -N1 "cat; echo"'
	[ "$output" = "$(printf 'a1b \na2b \na3b')" ]
	run -0 bash -c 'printf "x1\nx22\ny3\nx4\n" | tpmap --pipe -k --regexp --recstart "x[0-9]+" -N1 "$1"' _ "$show"
	[ "$output" = "$(printf '== 1\nx1\n== 2\nx22\ny3\n== 3\nx4')" ]
}

@test "a bad --regexp record separator is an error naming it" {
	run -255 --separate-stderr tpmap --pipe --regexp --recend "a(" cat </dev/null
	[[ $stderr == "tpmap: --recend 'a(' --recstart '': "* ]]
}

@test "--rrs removes the record separators" {
	run -0 bash -c 'printf ">a\nxx\n>b\nyy\n" | tpmap --pipe -k --recstart ">" --rrs -N1 "$1"' _ "$show"
	[ "$output" = "$(printf '== 1\na\nxx\n== 2\nb\nyy')" ]
	run -0 bash -c 'printf "a;b;c;" | tpmap --pipe -k --recend ";" --remove-rec-sep -N2 "cat; echo"'
	[ "$output" = "$(printf 'ab\nc')" ]
}

@test "--header repeats the header lines or the regex match in every block" {
	run -0 bash -c 'printf "H1\nH2\n1\n2\n3\n" | tpmap --pipe -k --header 2 -N2 "$1"' _ "$show"
	[ "$output" = "$(printf '== 1\nH1\nH2\n1\n2\n== 2\nH1\nH2\n3')" ]
	run -0 bash -c 'printf "H\n1\n2\n" | tpmap --pipe -k --header : -N1 "$1"' _ "$show"
	[ "$output" = "$(printf '== 1\nH\n1\n== 2\nH\n2')" ]
	# From a file: one read has it all, so the regex sees both lines.
	printf '#a\n#b\n1\n2\n' >"$TMP/in"
	run -0 bash -c 'tpmap --pipe -k --header "(#.*\n)+" -N1 "$1" <"$TMP/in"' _ "$show"
	[ "$output" = "$(printf '== 1\n#a\n#b\n1\n== 2\n#a\n#b\n2')" ]
}

@test "the jobs of --pipe have one empty argument: {} and --tag" {
	run -0 bash -c 'seq 4 | tpmap --pipe -N2 -k --tag "echo [{}] {#}; wc -l"'
	[ "$output" = "$(printf '\t[] 1\n\t2\n\t[] 2\n\t2')" ]
}

@test "-k keeps the blocks' output in input order, byte for byte" {
	seq 50000 >"$TMP/in"
	run -0 bash -c 'tpmap --pipe --block 10k -j4 -k cat <"$TMP/in" | cmp - "$TMP/in" && echo same'
	[ "$output" = same ]
}

@test "--joblog's Send column is the bytes given to the job, header included" {
	run -0 bash -c 'printf "H\n1\n22\n333\n" | tpmap --pipe --header : -N2 -k --joblog "$TMP/log" cat >/dev/null'
	run -0 bash -c 'cut -f 1,5,6 "$TMP/log" | sort'
	[ "$output" = "$(printf '1\t7\t7\n2\t6\t6\nSeq\tSend\tReceive')" ]
	run -0 bash -c 'seq 3 | tpmap --pipe -N2 --joblog "$TMP/log.jsonl" cat >/dev/null; grep -o "\"stdin_bytes\":[0-9]*" "$TMP/log.jsonl" | sort'
	[ "$output" = "$(printf '"stdin_bytes":2\n"stdin_bytes":4')" ]
}

@test "a job that leaves its block unread dies of SIGPIPE, as in GNU parallel; the rest goes on" {
	run -6 --separate-stderr bash -c 'seq 100000 | tpmap --pipe --block 100k -j2 -k --joblog "$TMP/log" "head -c 2; echo"'
	[ "$output" = "$(printf '1\n\n18\n35\n51\n68\n85\n')" ]
	[ "$stderr" = "" ]
	run -0 bash -c 'cut -f 5,7,8 "$TMP/log" | sort -u'
	[ "$output" = "$(printf '88915\t0\t13\n99996\t0\t13\nSend\tExitval\tSignal')" ]
}

@test "EPIPE from a job that closes its stdin early is not fatal to tpmap" {
	run -3 --separate-stderr bash -c 'head -c 20000000 /dev/zero | tr "\0" "\n" | tpmap --pipe --block 8M -k "exec 0<&-; echo closed"'
	[ "$output" = "$(printf 'closed\nclosed\nclosed')" ]
	[ "$stderr" = "" ]
}

@test "--retries gives a retried block the same bytes" {
	# The first attempt of each job reads a byte and fails.
	run -0 --separate-stderr bash -c 'seq 6 | tpmap --pipe -N3 -k --retries 2 "if mkdir \"$TMP/m{#}\" 2>/dev/null; then head -c1 >/dev/null; exit 1; fi; cat"'
	[ "$output" = "$(seq 6)" ]
}

@test "the exit status of --pipe jobs counts failures, --halt stops" {
	run -2 bash -c 'seq 6 | tpmap --pipe -N2 -k "read x; echo \$x; [ \$x != 3 ] && [ \$x != 5 ]"'
	[ "$output" = "$(printf '1\n3\n5')" ]
	run -1 --separate-stderr bash -c 'seq 6 | tpmap --pipe -N2 -j1 --halt now,fail=1 "read x; echo \$x; [ \$x != 3 ]"'
	[ "$output" = "$(printf '1\n3')" ]
}

@test "--timeout ends a job that does not finish its block" {
	run -1 --separate-stderr bash -c 'seq 4 | tpmap --pipe -N2 -k --timeout 1 "read x; if [ \$x = 1 ]; then exec sleep 60; fi; echo \$x"'
	[ "$output" = 3 ]
}

@test "--pipepart gives each job its byte range of the file, cut at records" {
	seq 30 >"$TMP/f"
	run -0 --separate-stderr tpmap --pipepart -a "$TMP/f" --block 10 -k "$show"
	[ "$output" = "$(printf '== 1\n1\n2\n3\n4\n5\n6\n== 2\n7\n8\n9\n10\n11\n== 3\n12\n13\n14\n15\n== 4\n16\n17\n18\n19\n== 5\n20\n21\n22\n23\n== 6\n24\n25\n26\n27\n== 7\n28\n29\n30')" ]
	[ "$stderr" = "" ]
}

@test "--pipepart --block -N makes N blocks per job slot; the default is 10" {
	seq 30 >"$TMP/f"
	run -0 tpmap --pipepart -a "$TMP/f" --block -1 -j3 -k wc -l
	[ "$output" = "$(printf '13\n10\n7')" ]
	run -0 bash -c 'tpmap --pipepart -a "$TMP/f" -j2 -k wc -l | wc -l'
	[ "$output" = 14 ]
}

@test "--pipepart with --header and --recend, and over several files" {
	seq 30 >"$TMP/f"
	run -0 tpmap --pipepart -a "$TMP/f" --header : --block 20 -k "$show"
	[ "${lines[0]}" = "== 1" ]
	[ "$(printf '%s\n' "${lines[@]}" | grep -c '^1$')" = 4 ]
	run -0 bash -c 'tpmap --pipepart -a "$TMP/f" --recend 5 --block 10 -k "cat; echo ==" | tr "\n" " "'
	[ "$output" = "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15==  16 17 18 19 20 21 22 23 24 25==  26 27 28 29 30 == " ]
	seq 5 >"$TMP/g"
	run -0 tpmap --pipepart -a "$TMP/g" -a "$TMP/g" --block 6 -k "$show"
	[ "$output" = "$(printf '== 1\n1\n2\n3\n4\n== 2\n5\n== 3\n1\n2\n3\n4\n== 4\n5')" ]
}

@test "--pipepart: an empty file starts no job; no file is an error" {
	: >"$TMP/empty"
	run -0 --separate-stderr tpmap --pipepart -a "$TMP/empty" echo ran
	[ "$output" = "" ]
	run -255 --separate-stderr tpmap --pipepart cat
	[ "$stderr" = "tpmap: --pipepart: give the input as -a FILE (and nothing else)" ]
	run -255 --separate-stderr tpmap --pipepart -a "$TMP/none" cat
	[ "$stderr" = "tpmap: $TMP/none: No such file or directory" ]
	run -255 --separate-stderr tpmap --pipepart -a /dev/null cat
	[ "$stderr" = "tpmap: /dev/null: --pipepart needs a regular file" ]
}

@test "--pipepart -k keeps a large file byte for byte" {
	seq 300000 >"$TMP/f"
	run -0 bash -c 'tpmap --pipepart -a "$TMP/f" --block 64k -j3 -k cat | cmp - "$TMP/f" && echo same'
	[ "$output" = same ]
}

@test "memory: --pipe --block 4M -j2 over a large input stays within blocks x (jobs + 2)" {
	mkdir "$TMP/tmpdir"
	export TMPDIR="$TMP/tmpdir"
	mib=${TPMAP_PIPE_MIB:-64}
	run -0 --separate-stderr bash -c '
		yes 0123456789abcdef | head -c $(($1 << 20)) |
			peakrss tpmap --pipe --block 4M -j2 wc -l 3>"$TMP/rss" |
			awk "{ s += \$1 } END { print s }"' _ "$mib"
	[ "$output" = $(((mib << 20) / 17)) ]
	# 4 blocks of 4 MiB and a few MiB of program.
	peak_below $((4 * 4096 + 8192))
}

# --cat and --fifo: the block as a file or a named pipe, {} its name, in
# $TMPDIR, removed after the job whatever became of it.
tmpdir_private() {
	mkdir "$TMP/tmpdir"
	export TMPDIR="$TMP/tmpdir"
}

@test "--cat gives each block as a file {} (mode 0600, stdin empty) and removes it" {
	tmpdir_private
	run -0 --separate-stderr bash -c 'seq 5 | tpmap --pipe --cat -N2 -k "$1"' _ \
	    'case {} in "$TMPDIR"/tpm*) echo in TMPDIR;; esac; stat -c %a {}; cat {}; echo stdin:; cat'
	[ "$output" = "$(printf 'in TMPDIR\n600\n1\n2\nstdin:\nin TMPDIR\n600\n3\n4\nstdin:\nin TMPDIR\n600\n5\nstdin:')" ]
	[ "$stderr" = "" ]
	[ "$(ls -A "$TMPDIR")" = "" ]
}

@test "--cat and --fifo append the name to a command without {}, as GNU parallel does" {
	tmpdir_private
	run -0 bash -c 'seq 3 | tpmap --pipe --cat -N1 -k echo | sed "s|^$TMPDIR/tpm[^/]*\$|name|"'
	[ "$output" = "$(printf 'name\nname\nname')" ]
	run -0 bash -c 'seq 3 | tpmap --pipe --fifo -N1 -k cat | tr "\n" " "'
	[ "$output" = "1 2 3 " ]
	[ "$(ls -A "$TMPDIR")" = "" ]
}

@test "--cat: large blocks are byte for byte, --pipe and --pipepart" {
	tmpdir_private
	seq 400000 >"$TMP/f"
	run -0 bash -c 'tpmap --pipe --cat --block 300k -j3 -k "cat {}" <"$TMP/f" | cmp - "$TMP/f" && echo same'
	[ "$output" = same ]
	run -0 bash -c 'tpmap --pipepart -a "$TMP/f" --cat --block 300k -j3 -k "cat {}" | cmp - "$TMP/f" && echo same'
	[ "$output" = same ]
	run -0 bash -c 'printf "H\n1\n2\n3\n" | tpmap --pipe --cat --header : -N2 -k "cat {}; echo =="'
	[ "$output" = "$(printf 'H\n1\n2\n==\nH\n3\n==')" ]
	[ "$(ls -A "$TMPDIR")" = "" ]
}

@test "--cat: failed, timed-out and halted jobs leave no file; --retries gets the same bytes" {
	tmpdir_private
	run -2 --separate-stderr bash -c 'seq 3 | tpmap --pipe --cat -N1 -k "cat {}; [ \$(cat {}) = 2 ]"'
	[ "$output" = "$(printf '1\n2\n3')" ]
	run -3 --separate-stderr bash -c 'seq 3 | tpmap --pipe --cat -N1 --timeout 0.5 ": {}; exec sleep 60"'
	[ "$output" = "" ]
	[ "$(grep -c 'killed because it timed out' <<<"$stderr")" = 3 ]
	run -1 --separate-stderr bash -c 'seq 3 | tpmap --pipe --cat -N1 -j1 --halt now,fail=1 "cat {}; exit 1"'
	[ "$output" = 1 ]
	# Each attempt appends to its file and fails: the next sees the block
	# alone again.
	run -3 --separate-stderr bash -c 'seq 3 | tpmap --pipe --cat -N1 -k --retries 2 "cat {}; echo x >>{}; exit 1"'
	[ "$output" = "$(printf '1\n2\n3')" ]
	[ "$(ls -A "$TMPDIR")" = "" ]
}

@test "--cat, --fifo: tpmap stopped by SIGINT or SIGTERM leaves nothing in TMPDIR" {
	tmpdir_private
	seq 10 >"$TMP/in"
	for opt in --cat --fifo; do
		for sig in INT TERM; do
			rm -f "$TMP"/m*
			tpmap --pipe $opt -N1 -j3 "touch $TMP/m{#}; : {}; exec sleep 60" <"$TMP/in" 2>/dev/null &
			pid=$!
			timeout 30 sh -c 'until [ -e "$1/m1" ] && [ -e "$1/m2" ] && [ -e "$1/m3" ]; do sleep 0.01; done' sh "$TMP"
			# Those of the jobs read ahead, too.
			[ "$(ls "$TMPDIR" | wc -l)" -ge 3 ]
			kill -$sig $pid
			st=0
			wait $pid || st=$?
			[ $st = $((128 + $(kill -l $sig))) ]
			[ "$(ls -A "$TMPDIR")" = "" ]
		done
	done
}

@test "--cat, --fifo without --pipe, or together, are refused" {
	run -255 --separate-stderr tpmap --cat echo ::: a
	[ "$stderr" = "tpmap: --cat needs --pipe or --pipepart" ]
	run -255 --separate-stderr tpmap --fifo echo ::: a
	[ "$stderr" = "tpmap: --fifo needs --pipe or --pipepart" ]
	run -255 --separate-stderr tpmap --pipe --cat --fifo cat </dev/null
	[ "$stderr" = "tpmap: --cat and --fifo cannot be combined" ]
}

@test "--fifo gives each block through a named pipe {} (stdin empty) and removes it" {
	tmpdir_private
	run -0 --separate-stderr bash -c 'seq 5 | tpmap --pipe --fifo -N2 -k "$1"' _ \
	    'case {} in "$TMPDIR"/tpm*/fifo) echo in TMPDIR;; esac; [ -p {} ] && echo fifo; stat -c %a {}; cat {}; echo stdin:; cat'
	[ "$output" = "$(printf 'in TMPDIR\nfifo\n600\n1\n2\nstdin:\nin TMPDIR\nfifo\n600\n3\n4\nstdin:\nin TMPDIR\nfifo\n600\n5\nstdin:')" ]
	[ "$stderr" = "" ]
	[ "$(ls -A "$TMPDIR")" = "" ]
}

@test "--fifo: large blocks are byte for byte, --pipe and --pipepart" {
	tmpdir_private
	seq 400000 >"$TMP/f"
	run -0 bash -c 'tpmap --pipe --fifo --block 300k -j3 -k "cat {}" <"$TMP/f" | cmp - "$TMP/f" && echo same'
	[ "$output" = same ]
	run -0 bash -c 'tpmap --pipepart -a "$TMP/f" --fifo --block 300k -j3 -k "cat {}" | cmp - "$TMP/f" && echo same'
	[ "$output" = same ]
	# A job that writes much before it opens its FIFO.
	run -0 bash -c 'tpmap --pipe --fifo --block 300k -j2 -k "seq 100000 >/dev/stderr; cat {}" <"$TMP/f" 2>/dev/null | cmp - "$TMP/f" && echo same'
	[ "$output" = same ]
	[ "$(ls -A "$TMPDIR")" = "" ]
}

@test "--fifo: a job that never opens its FIFO, or stops reading, dies of SIGPIPE; tpmap goes on" {
	tmpdir_private
	run -3 --separate-stderr bash -c 'seq 3 | tpmap --pipe --fifo -N1 -k --joblog "$TMP/log" "echo ran {#}; : {}"'
	[ "$output" = "$(printf 'ran 1\nran 2\nran 3')" ]
	[ "$stderr" = "" ]
	run -0 bash -c 'cut -f 7,8 "$TMP/log" | sort -u'
	[ "$output" = "$(printf '0\t13\nExitval\tSignal')" ]
	# Two big blocks, of which each job reads a line.
	run -2 --separate-stderr bash -c 'seq 200000 | tpmap --pipe --fifo --block 700k -k "head -n 1 {}"'
	[ "$output" = "$(printf '1\n115873')" ]
	[ "$(ls -A "$TMPDIR")" = "" ]
}

@test "--fifo: --timeout ends a job that never opens its FIFO; failures count" {
	tmpdir_private
	run -3 --separate-stderr bash -c 'seq 3 | tpmap --pipe --fifo -N1 --timeout 0.5 ": {}; exec sleep 60"'
	[ "$output" = "" ]
	[ "$(grep -c 'killed because it timed out' <<<"$stderr")" = 3 ]
	run -1 --separate-stderr bash -c 'seq 3 | tpmap --pipe --fifo -N1 -k "cat {}; [ {#} != 2 ]"'
	[ "$output" = "$(printf '1\n2\n3')" ]
	[ "$(ls -A "$TMPDIR")" = "" ]
}

# --round-robin and --tee: a fixed set of jobs reading streams.

@test "--round-robin starts -j jobs and gives every record to exactly one" {
	seq 200000 >"$TMP/f"
	run -0 --separate-stderr bash -c 'tpmap --round-robin -j3 --block 4k "echo started >&2; cat" <"$TMP/f" | sort -n | cmp - "$TMP/f" && echo same'
	[ "$output" = same ]
	[ "$stderr" = $'started\nstarted\nstarted' ]
}

@test "--round-robin: a slow job gets fewer blocks; --joblog's Send adds up to the input" {
	seq 100000 >"$TMP/f"
	# Job 1 waits for job 2 to have taken the whole input.
	mkfifo "$TMP/done"
	run -0 --separate-stderr tpmap --round-robin -j2 --block 1k -k --joblog "$TMP/log" \
		'if [ {#} = 1 ]; then cat "$TMP/done" >/dev/null; wc -l; else wc -l; echo >"$TMP/done"; fi' <"$TMP/f"
	[ "$(printf '%s\n' "$output" | awk '{ s += $1 } END { print s }')" = 100000 ]
	# Job 1 took at most its first block and the one in its pipe.
	[ "$(printf '%s\n' "$output" | head -1)" -lt 50000 ]
	[ "$(awk 'NR > 1 { s += $5 } END { print s }' "$TMP/log")" = "$(wc -c <"$TMP/f")" ]
}

@test "--round-robin: when every job has ended, tpmap says so and stops reading" {
	# Each job left a block unread: both count as failed (SIGPIPE).
	run -2 --separate-stderr bash -c 'yes | tpmap --round-robin -j2 --block 1k "head -c 1 >/dev/null"'
	[ "$stderr" = "tpmap: --round-robin: every job has ended; the rest of the input is not read" ]
}

@test "--tee gives all of stdin to every job; a job that stops reading early is no failure" {
	seq 300000 >"$TMP/f"
	run -0 --separate-stderr tpmap --tee -j3 -k --tag --joblog "$TMP/log" \
		'case {} in head) head -1;; *) md5sum;; esac' ::: head a b <"$TMP/f"
	sum=$(md5sum <"$TMP/f")
	[ "$output" = "head	1
a	$sum
b	$sum" ]
	[ "$(awk 'NR > 1 { print $5 }' "$TMP/log" | sort -n | tail -1)" = "$(wc -c <"$TMP/f")" ]
}

@test "--tee needs every job running at once, and ::: values" {
	run -255 --separate-stderr tpmap --tee -j2 wc ::: a b c </dev/null
	[ "$stderr" = "tpmap: --tee: 3 jobs run at once, but -j is 2: give -j 3 or more, or -j 0" ]
	run -255 --separate-stderr tpmap --tee wc </dev/null
	[ "$stderr" = "tpmap: --tee: give the jobs' values with ::: or :::: (stdin is what every job reads)" ]
	run -0 --separate-stderr tpmap --tee -j0 -k 'wc -c' ::: a b c </dev/null
	[ "$output" = $'0\n0\n0' ]
}

@test "--round-robin and --tee refuse what a stream cannot be" {
	run -255 --separate-stderr tpmap --round-robin --retries 2 wc </dev/null
	[ "$stderr" = "tpmap: --round-robin cannot be combined with --retries: a job's input is not kept to be given again" ]
	run -255 --separate-stderr tpmap --tee --cat wc ::: a </dev/null
	[ "$stderr" = "tpmap: --tee cannot be combined with --cat" ]
	run -255 --separate-stderr tpmap --round-robin --pipepart -a /dev/null wc
	[ "$stderr" = "tpmap: --round-robin cannot be combined with --pipepart" ]
	run -255 --separate-stderr tpmap --round-robin --tee wc ::: a </dev/null
	[ "$stderr" = "tpmap: --round-robin and --tee cannot be combined" ]
}

@test "--dry-run with --round-robin or --tee prints the jobs and leaves stdin unread" {
	seq 3 >"$TMP/f"
	run -0 --separate-stderr bash -c '{ tpmap --dry-run --round-robin -j2 wc -l; cat; } <"$TMP/f"'
	[ "$output" = $'wc -l\nwc -l\n1\n2\n3' ]
	run -0 --separate-stderr bash -c '{ tpmap --dry-run --tee -j2 wc {} ::: -l -c; cat; } <"$TMP/f"'
	[ "$output" = $'wc -l\nwc -c\n1\n2\n3' ]
}

@test "memory: --round-robin and --tee over a large input stay within blocks x jobs" {
	mib=${TPMAP_PIPE_MIB:-64}
	run -0 --separate-stderr bash -c '
		yes 0123456789abcdef | head -c $(($1 << 20)) |
			peakrss tpmap --round-robin --block 4M -j2 wc -l 3>"$TMP/rss" |
			awk "{ s += \$1 } END { print s }"' _ "$mib"
	[ "$output" = $(((mib << 20) / 17)) ]
	peak_below $((4 * 4096 + 8192))
	run -0 --separate-stderr bash -c '
		yes 0123456789abcdef | head -c $(($1 << 20)) |
			peakrss tpmap --tee -j2 -k "wc -l" ::: a b 3>"$TMP/rss"' _ "$mib"
	[ "$output" = "$(((mib << 20) / 17))
$(((mib << 20) / 17))" ]
	# 1 MiB held per job, a chunk being read, a few MiB of program.
	peak_below $((4096 + 8192))
}
