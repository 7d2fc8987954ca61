#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The examples of README.md and of tpmap(1)'s EXAMPLES section, run as
# printed: each command is read from the document itself (so an edited
# example is tested as edited), run by bash in $TMP/w on small files the
# test makes, and its output, exit status and files checked.  The
# programs the examples call that a fresh Debian machine lacks are
# stand-ins written to $TMP/bin, first on PATH (see setup), so that what
# is checked is tpmap's part: which jobs ran with which arguments, in
# which order, with which exit status and joblog rows.  Examples that
# depend on which jobs run at once run under taskset -c 0, where tpmap's
# default is one job at a time.  The README's figures are checked against
# the files they come from.

load test_helper

README="$TPMAP_ROOT/README.md"
MAN="$TPMAP_ROOT/man/tpmap.1"

# A fixed string per example, naming the one line of the README's short
# tour, or of the man page's .Dl examples, that a test below runs.
TOUR=(
	'gzip -9 file{}.txt'
	'convert {} {.}.png'
	"tpmap -0 'xz {}'"
	'--halt now,fail=1'
	'--resume-failed'
	'--bar -j 8'
	'--halt soon,fail=1'
)
MAN_DL=(
	'tpmap -0 -j 10 gzip -9'
	'convert {} {.}.png'
	'tpmap -j 4 ./run-test'
	'--joblog run.jsonl ./run-test'
	'--retry-failed'
)

# readme_block MARKER: the first indented code block of README.md after
# the first line containing MARKER, without its four-space indent.
readme_block() {
	awk -v marker="$1" '
		!found { if (index($0, marker)) found = 1; next }
		/^    / { printf "%s", blanks; blanks = ""; print substr($0, 5); inblock = 1; next }
		/^$/ { if (inblock) blanks = blanks "\n"; next }
		inblock { exit }
	' "$README"
}

# man_section: the EXAMPLES section of tpmap(1), in mdoc.
man_section() {
	sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$MAN"
}

# man_dl: the command lines of the man page's .Dl examples, as a reader
# sees them (no "$ " prompt, no \& escape).
man_dl() {
	man_section | sed -n 's/^\.Dl \$ //p' | sed 's/\\&//g'
}

# example LIST PATTERN: the one line of LIST (tour or man) containing
# PATTERN; fails unless there is exactly one.
example() {
	local lines n
	case $1 in
	tour) lines=$(readme_block '## A short tour') ;;
	man) lines=$(man_dl) ;;
	esac
	lines=$(printf '%s\n' "$lines" | grep -F -- "$2")
	n=$(printf '%s\n' "$lines" | grep -c .)
	if [ "$n" -ne 1 ]; then
		echo "$n $1 examples contain '$2'" >&2
		return 1
	fi
	printf '%s\n' "$lines"
}

# each_matched_once PATTERN...: every line of standard input contains
# exactly one of the PATTERNs, and there are as many lines as PATTERNs.
each_matched_once() {
	local line p n count=0
	while IFS= read -r line; do
		count=$((count + 1))
		n=0
		for p; do
			[[ $line == *"$p"* ]] && n=$((n + 1))
		done
		if [ "$n" -ne 1 ]; then
			echo "'$line' matches $n of the tests' patterns" >&2
			return 1
		fi
	done
	[ "$count" -eq "$#" ]
}

# make_logs: *.log files whose names hold a blank, a newline and a quote,
# one in a subdirectory, each holding its own name.
LOGS=(a.log 'two words.log' $'new\nline.log' "it's.log" sub/deep.log)
make_logs() {
	local f
	mkdir sub
	for f in "${LOGS[@]}"; do
		printf '%s\n' "$f" >"$f"
	done
}

# compressed_logs TOOL EXT: each log is replaced by LOG.EXT, which TOOL
# -dc turns back into it.
compressed_logs() {
	local f
	for f in "${LOGS[@]}"; do
		[ ! -e "$f" ]
		[ "$("$1" -dc "$f.$2")" = "$f" ]
	done
	[ "$(find . -type f -print0 | tr -dc '\0' | wc -c)" -eq "${#LOGS[@]}" ]
}

# joblog_rows FILE: seq, exit value and command of each JSON joblog row.
joblog_rows() {
	sed -E 's/^\{"seq":([0-9]+),.*"exitval":([0-9]+),.*"command":"([^"]*)".*/\1 \2 \3/' "$1"
}

setup() {
	mkdir "$TMP/bin" "$TMP/w"
	# Stand-in for ImageMagick's convert, which the README's set-up command
	# does not install (and a machine may have another program of that
	# name): it prints its arguments and copies the first one naming a file
	# to the last, failing as convert does when the output directory is
	# missing.
	cat >"$TMP/bin/convert" <<-'EOF'
		#!/bin/sh
		echo "convert $*"
		for a; do out=$a; done
		for a; do
			if [ "$a" != "$out" ] && [ -f "$a" ]; then
				exec cp -- "$a" "$out"
			fi
		done
		echo "convert: no input file" >&2
		exit 1
	EOF
	# xz-utils is not Essential on Debian: where xz is missing, a stand-in
	# replaces FILE by FILE.xz (gzip inside) and reads it back with -dc.
	if ! command -v xz >/dev/null; then
		cat >"$TMP/bin/xz" <<-'EOF'
			#!/bin/sh
			case $1 in -dc) exec gzip -dc -- "$2" ;; esac
			gzip -c -- "$1" >"$1.xz" && exec rm -- "$1"
		EOF
	fi
	chmod +x "$TMP/bin"/*
	PATH="$TMP/bin:$PATH"
	cd "$TMP/w"
}

# tests/*.t run by ./run-test (the man page's), and tests/* run by ./t.sh
# (the README's): both are the user's own scripts, here running a test
# file with sh; the second test fails with exit value 3.
make_tests() {
	mkdir tests
	printf 'echo one ok\n' >"tests/1$1"
	printf 'echo two fails; exit 3\n' >"tests/2$1"
	printf 'echo three ok\n' >"tests/3$1"
	printf '#!/bin/sh\nexec sh "$1"\n' >"$2"
	chmod +x "$2"
}

# --- the lists ---

# readme_blocks: the first line of each code block of README.md (indented
# by four spaces, or fenced).
readme_blocks() {
	awk '
		/^```/ { if (!fenced) { getline; print } fenced = !fenced; next }
		fenced { next }
		/^    / { if (!inblock) print substr($0, 5); inblock = 1; next }
		/^$/ { next }
		{ inblock = 0 }
	' "$README"
}

@test "the README's code blocks are the five this suite runs" {
	run -0 readme_blocks
	printf '%s\n' "$output"
	[ "${#lines[@]}" -eq 5 ]
	[[ ${lines[0]} == *'&& make && ./tpmap '* ]]
	[ "${lines[1]}" = "make check" ]
	[ "${lines[2]}" = "$(readme_block '## A short tour' | head -n 1)" ]
	[ "${lines[3]}" = ".PHONY: thumbs" ]
	[ "${lines[4]}" = "#include <tp.h>" ]
}

@test "every example of the README's short tour is one this suite runs" {
	readme_block '## A short tour' | each_matched_once "${TOUR[@]}"
}

@test "every .Dl example of tpmap(1) is one this suite runs" {
	man_dl | each_matched_once "${MAN_DL[@]}"
}

@test "tpmap(1)'s EXAMPLES hold five .Dl lines and one Makefile block" {
	[ "$(man_section | grep -c '^\.Dl ')" -eq 5 ]
	[ "$(man_section | grep -c '^\.Bd ')" -eq 1 ]
}

# --- README.md ---

@test "the README's set-up command ends by running ./tpmap on two paths" {
	local line
	line=$(readme_block 'On a fresh Debian machine')
	[ "$(printf '%s\n' "$line" | wc -l)" -eq 1 ]
	cd "$TPMAP_ROOT"
	run -0 --separate-stderr bash -c "${line##*&& }"
	[ "$output" = $'/etc/hosts is hosts\nsrc/tp/tp.h is tp' ]
	[ "$stderr" = "" ]
}

# Only its text: running it would run this suite again.
@test "the README's test command is make check" {
	[ "$(readme_block 'to run the tests')" = "make check" ]
}

@test "the README's gzip example compresses file1.txt to file100.txt" {
	seq 100 | while read -r i; do echo "$i" >"file$i.txt"; done
	run -0 --separate-stderr bash -c "$(example tour 'gzip -9 file{}.txt')"
	[ "$output" = "" ]
	[ "$stderr" = "" ]
	[ "$(ls | LC_ALL=C sort)" = "$(seq -f 'file%g.txt.gz' 100 | LC_ALL=C sort)" ]
	[ "$(gzip -dc $(seq -f 'file%g.txt.gz' 100))" = "$(seq 100)" ]
}

@test "the README's convert example converts each .jpg, output in input order" {
	printf 'image c\n' >c.jpg
	printf 'image a\n' >a.jpg
	printf 'image b\n' >b.jpg
	run -0 --separate-stderr bash -c "$(example tour 'convert {} {.}.png')"
	[ "$output" = $'convert a.jpg a.png\nconvert b.jpg b.png\nconvert c.jpg c.png' ]
	[ "$stderr" = "" ]
	[ "$(cat a.png b.png)" = $'image a\nimage b' ]
}

@test "the README's find -print0 example compresses logs with any bytes in their names" {
	make_logs
	run -0 --separate-stderr bash -c "$(example tour "tpmap -0 'xz {}'")"
	[ "$output" = "" ]
	[ "$stderr" = "" ]
	compressed_logs xz xz
}

# a b c: three directories with a Makefile each; b's fails.
make_dirs() {
	local d
	for d in a b c; do
		mkdir "$d"
		printf 'all:\n\t@echo made %s\n' "$d" >"$d/Makefile"
	done
	printf 'all:\n\t@echo b fails; exit 3\n' >b/Makefile
}

@test "the README's --halt now example stops at the first failure and logs it" {
	make_dirs
	run -2 --separate-stderr taskset -c 0 bash -c "$(example tour '--halt now,fail=1')"
	[ "$output" = "make: Entering directory '$TMP/w/a'
made a
make: Leaving directory '$TMP/w/a'
make: Entering directory '$TMP/w/b'
b fails
make: Leaving directory '$TMP/w/b'" ]
	[ "$stderr" = $'make: *** [Makefile:2: all] Error 3\ntpmap: This job failed:\nmake -C b' ]
	[ "$(cut -f 1,7,8,9 run.tsv)" = $'Seq\tExitval\tSignal\tCommand\n1\t0\t0\tmake -C a\n2\t2\t0\tmake -C b' ]
}

@test "the README's --resume-failed example reruns the failed job and runs the rest" {
	make_dirs
	run -2 --separate-stderr taskset -c 0 bash -c "$(example tour '--halt now,fail=1')"
	printf 'all:\n\t@echo made b\n' >b/Makefile
	run -0 --separate-stderr taskset -c 0 bash -c "$(example tour '--resume-failed')"
	[ "$output" = "make: Entering directory '$TMP/w/b'
made b
make: Leaving directory '$TMP/w/b'
make: Entering directory '$TMP/w/c'
made c
make: Leaving directory '$TMP/w/c'" ]
	[ "$stderr" = "" ]
	[ "$(cut -f 1,7,8,9 run.tsv)" = $'Seq\tExitval\tSignal\tCommand\n1\t0\t0\tmake -C a\n2\t2\t0\tmake -C b\n2\t0\t0\tmake -C b\n3\t0\t0\tmake -C c' ]
}

@test "the README's --bar example renders every frame and draws nothing off a terminal" {
	mkdir frames
	touch frames/1 frames/2 frames/3 frames/4 frames/5
	# ./render is the user's program: here it says which frame it got.
	printf '#!/bin/sh\necho "rendered $1"\n' >render
	chmod +x render
	# bats writes stderr to a file, not a terminal: no bar is drawn.
	run -0 --separate-stderr bash -c "$(example tour '--bar -j 8')"
	[ "$(printf '%s\n' "$output" | sort)" = "$(printf 'rendered frames/%s\n' 1 2 3 4 5)" ]
	[ "$stderr" = "" ]
}

@test "the README's CI example stops after the first failing test with its exit value" {
	make_tests "" t.sh
	run -3 --separate-stderr taskset -c 0 bash -c "$(example tour '--halt soon,fail=1')"
	[ "$output" = $'one ok\ntwo fails' ]
	[ "$stderr" = $'tpmap: This job failed:\n./t.sh tests/2' ]
	[ "$(joblog_rows ci.jsonl)" = $'1 0 ./t.sh tests/1\n2 3 ./t.sh tests/2' ]
}

# The README's recipe, as printed, in $TMP/w/Makefile with three photos.
make_photos() {
	readme_block 'in a Makefile recipe' >Makefile
	mkdir photos
	printf 'photo %s\n' 1 >photos/1.jpg
	printf 'photo %s\n' 2 >photos/2.jpg
	printf 'photo %s\n' 3 >photos/3.jpg
}

@test "the README's Makefile recipe makes a thumbnail of each photo" {
	make_photos
	run -0 --separate-stderr make -j2
	[ "${lines[0]}" = "mkdir -p thumbs" ]
	[ "${lines[1]}" = "tpmap -j 0 convert {} -resize 10% thumbs/{/} ::: photos/*.jpg" ]
	[ "$(printf '%s\n' "${lines[@]:2}" | sort)" = "$(printf 'convert photos/%s.jpg -resize 10%% thumbs/%s.jpg\n' 1 1 2 2 3 3)" ]
	[ "$stderr" = "" ]
	[ "$(cat thumbs/1.jpg thumbs/2.jpg thumbs/3.jpg)" = $'photo 1\nphoto 2\nphoto 3' ]
}

@test "the README's Makefile recipe runs again once thumbs/ exists" {
	make_photos
	run -0 --separate-stderr make -j2
	printf 'photo 2, retouched\n' >photos/2.jpg
	run -0 --separate-stderr make -j2
	[ "${#lines[@]}" -eq 5 ]
	[ "${lines[1]}" = "tpmap -j 0 convert {} -resize 10% thumbs/{/} ::: photos/*.jpg" ]
	[ "$(cat thumbs/2.jpg)" = "photo 2, retouched" ]
}

@test "the README's libtp example computes 49 when built against libtp.a" {
	local code
	code=$(readme_block '## libtp in C')
	# The example is a function and the body of a caller: main gets the
	# body and prints what the future returned.
	{
		echo '#include <stdio.h>'
		printf '%s\n' "$code" | sed -n '1,/^}$/p'
		echo 'int main(void)'
		echo '{'
		printf '%s\n' "$code" | sed '1,/^}$/d'
		echo 'printf("%ld %d\n", *(long *)r, status);'
		echo 'return 0;'
		echo '}'
	} >prog.c
	# CFLAGS and LDFLAGS are make check's: the sanitizer builds need them.
	# shellcheck disable=SC2086 # the flags are words
	run -0 --separate-stderr ${CC:-cc} ${CFLAGS:-} -Wall -Wextra -I"$TPMAP_ROOT/src/tp" \
		-o prog prog.c "$TPMAP_ROOT/libtp.a" -pthread ${LDFLAGS:-}
	[ "$stderr" = "" ]
	run -0 --separate-stderr ./prog
	[ "$output" = "49 0" ]
	[ "$stderr" = "" ]
}

# --- the README's figures ---
# The differential table's size is checked by 90-compat.

# bench_figures: compares each figure of the README's "How fast" table with
# the cell of bench/RESULTS.md it copies (same scenario, runner and column:
# the × column, records/s for dry, peak RSS for a figure in MiB, the floor
# row for "the floor: N×"), rounded to the README's significant digits;
# prints a line per difference, then how many figures it compared.
bench_figures() {
	awk -f /dev/stdin "$TPMAP_ROOT/bench/RESULTS.md" "$README" <<-'EOF'
	function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
	# sig(S): the significant digits of the decimal S ("1.00": 3, "5120000": 3).
	function sig(s) {
		gsub(/,/, "", s)
		if (s !~ /\./) sub(/0+$/, "", s)
		gsub(/\./, "", s)
		sub(/^0+/, "", s)
		return length(s)
	}
	function num(s) { gsub(/,/, "", s); return s + 0 }
	FNR == NR {
		gsub(/\\\|/, "/")
		if (/^## Scenarios/) inscen = 1
		if (!inscen) next
		if (/^### /) { scen = $2; sub(/:$/, "", scen); next }
		if (!/^\|/) next
		n = split($0, f, "|")
		if (trim(f[2]) == "runner") {
			for (i = 2; i <= n; i++) {
				h = trim(f[i])
				if (h ~ /^× / || h == "records/s") ratio = i
				if (h == "peak RSS") rss = i
			}
			next
		}
		r = trim(f[2])
		val[scen, r, "ratio"] = trim(f[ratio])
		val[scen, r, "rss"] = trim(f[rss])
		next
	}
	/^\| scenario \|/ { intable = 1; next }
	intable && !/^\|/ { intable = 0 }
	intable && !/^\|--/ {
		n = split($0, f, "|")
		scen = trim(f[2]); sub(/:.*/, "", scen)
		runner[3] = "tpmap"; runner[4] = "xargs"; runner[5] = "parallel"
		for (i = 3; i <= 5; i++) {
			cell = f[i]
			pos = 0
			while (match(substr(cell, pos + 1), /[0-9][0-9,]*(\.[0-9]+)?/)) {
				start = pos + RSTART
				x = substr(cell, start, RLENGTH)
				pos = start + RLENGTH - 1
				r = substr(cell, 1, start - 1) ~ /floor: *$/ ? "floor" : runner[i]
				kind = substr(cell, pos + 1) ~ /^ MiB/ ? "rss" : "ratio"
				want = val[scen, r, kind]
				count++
				if (want == "" || num(sprintf("%." sig(x) "g", num(want))) != num(x))
					printf "%s, %s, %s: README %s, RESULTS.md %s\n", scen, r, kind, x, want
			}
		}
	}
	END { print count " figures compared" }
	EOF
}

@test "the README's benchmark table has bench/RESULTS.md's figures" {
	run -0 --separate-stderr bench_figures
	printf '%s\n' "$output"
	[ "$output" = "20 figures compared" ]
	[ "$stderr" = "" ]
}

@test "the README's benchmark paragraph has bench/RESULTS.md's date, rounds and CPUs" {
	local results="$TPMAP_ROOT/bench/RESULTS.md" date rounds cpus
	date=$(sed -n 's/^- date: \([0-9-]*\) .*/\1/p' "$results")
	rounds=$(sed -n 's/^- date: .*; \([0-9]*\) round(s)$/\1/p' "$results")
	cpus=$(sed -n 's/^- machine: \([0-9]*\) CPUs .*/\1/p' "$results")
	run -0 grep -o 'medians of [0-9]* interleaved rounds on a shared [0-9]*-core machine (bench/RESULTS.md, [0-9-]*;' <(tr '\n' ' ' <"$README")
	[ "$output" = "medians of $rounds interleaved rounds on a shared $cpus-core machine (bench/RESULTS.md, $date;" ]
}

@test "the README gives the CI's fuzzing time per target" {
	local seconds
	seconds=$(grep -o 'FUZZ_SECONDS:-[0-9]*' "$TPMAP_ROOT/.ci/run" | sed 's/.*-//')
	[ -n "$seconds" ]
	run -0 grep -o 'libFuzzer target for [0-9]* s\.' <(tr '\n' ' ' <"$README")
	[ "$output" = "libFuzzer target for $seconds s." ]
}

# --- tpmap(1) ---

@test "tpmap(1)'s find -print0 example gzips logs with any bytes in their names" {
	make_logs
	run -0 --separate-stderr bash -c "$(example man 'tpmap -0 -j 10 gzip -9')"
	[ "$output" = "" ]
	[ "$stderr" = "" ]
	compressed_logs gzip gz
}

@test "tpmap(1)'s convert example converts each .jpg, output in input order" {
	printf 'image %s\n' b >b.jpg
	printf 'image %s\n' a >a.jpg
	run -0 --separate-stderr bash -c "$(example man 'convert {} {.}.png')"
	[ "$output" = $'convert a.jpg a.png\nconvert b.jpg b.png' ]
	[ "$stderr" = "" ]
	[ "$(cat a.png b.png)" = $'image a\nimage b' ]
}

@test "tpmap(1)'s CI example runs every test and exits 0 when all pass" {
	make_tests .t run-test
	printf 'echo two ok\n' >tests/2.t
	run -0 --separate-stderr bash -c "$(example man 'tpmap -j 4 ./run-test')"
	[ "$(printf '%s\n' "$output" | sort)" = $'one ok\nthree ok\ntwo ok' ]
	[ "$stderr" = "" ]
}

@test "tpmap(1)'s CI example runs every test and exits 1 when one fails" {
	make_tests .t run-test
	run -1 --separate-stderr bash -c "$(example man 'tpmap -j 4 ./run-test')"
	[ "$(printf '%s\n' "$output" | sort)" = $'one ok\nthree ok\ntwo fails' ]
	[ "$stderr" = "" ]
}

# The man page's recipe, as printed, in $TMP/w/Makefile with three images.
make_img() {
	man_section | sed -n '/^\.Bd -literal/,/^\.Ed/p' | sed '1d;$d; s/\\&//g' >Makefile
	mkdir img
	printf 'img %s\n' 1 >img/1.jpg
	printf 'img %s\n' 2 >img/2.jpg
	printf 'img %s\n' 3 >img/3.jpg
}

@test "tpmap(1)'s Makefile recipe makes a thumbnail of each image" {
	make_img
	run -0 --separate-stderr make -j2
	[ "${lines[0]}" = "mkdir -p thumbs" ]
	[ "${lines[1]}" = "tpmap convert -thumbnail 128 {} thumbs/{/} ::: img/*.jpg" ]
	[ "$(printf '%s\n' "${lines[@]:2}" | sort)" = "$(printf 'convert -thumbnail 128 img/%s.jpg thumbs/%s.jpg\n' 1 1 2 2 3 3)" ]
	[ "$stderr" = "" ]
	[ "$(cat thumbs/1.jpg thumbs/2.jpg thumbs/3.jpg)" = $'img 1\nimg 2\nimg 3' ]
}

@test "tpmap(1)'s Makefile recipe runs again once thumbs/ exists" {
	make_img
	run -0 --separate-stderr make -j2
	printf 'img 2, retouched\n' >img/2.jpg
	run -0 --separate-stderr make -j2
	[ "${#lines[@]}" -eq 5 ]
	[ "${lines[1]}" = "tpmap convert -thumbnail 128 {} thumbs/{/} ::: img/*.jpg" ]
	[ "$(cat thumbs/2.jpg)" = "img 2, retouched" ]
}

@test "tpmap(1)'s joblog example logs every test as a JSON row" {
	make_tests .t run-test
	run -1 --separate-stderr taskset -c 0 bash -c "$(example man '--joblog run.jsonl ./run-test')"
	[ "$output" = $'one ok\ntwo fails\nthree ok' ]
	[ "$stderr" = "" ]
	[ "$(joblog_rows run.jsonl)" = $'1 0 ./run-test tests/1.t\n2 3 ./run-test tests/2.t\n3 0 ./run-test tests/3.t' ]
}

@test "tpmap(1)'s --retry-failed example reruns only the failed test" {
	make_tests .t run-test
	run -1 --separate-stderr taskset -c 0 bash -c "$(example man '--joblog run.jsonl ./run-test')"
	printf 'echo two ok now\n' >tests/2.t
	run -0 --separate-stderr bash -c "$(example man '--retry-failed')"
	[ "$output" = "two ok now" ]
	[ "$stderr" = "" ]
	[ "$(joblog_rows run.jsonl | sed -n 4p)" = "2 0 ./run-test tests/2.t" ]
	[ "$(wc -l <run.jsonl)" -eq 4 ]
}
