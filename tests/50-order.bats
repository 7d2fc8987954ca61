#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Output: input order with -k, completion order without it, whole blocks
# per job (stdout, then stderr), --line-buffer, -u, --tag, --tagstring,
# --results and --files.  Which job ends first is forced with FIFOs and
# a reader of tpmap's own output, never with sleep; every wait is bounded
# by timeout so that a broken tpmap fails the test instead of hanging it.

load test_helper

setup() {
	mkfifo "$TMP/f1" "$TMP/f2" "$TMP/f3"
}

# release NAME: lets the job blocked on reading FIFO $TMP/NAME go on.
release() {
	timeout 5 sh -c 'echo go > "$1"' sh "$TMP/$1"
}

# job script: `sh "$TMP/job" ARG` is the command of every ordering test.
job() {
	cat >"$TMP/job"
}

# read_and_release LINE2 LINE1: copies tpmap's output line by line,
# releasing f2 when it has read LINE2 and f1 when it has read LINE1.
read_and_release() {
	local l
	while IFS= read -r l; do
		printf '%s\n' "$l"
		case $l in
		"$1") release f2 ;;
		"$2") release f1 ;;
		esac
	done
}

# --- -k and completion order ---

@test "-k prints in input order although the first job ends last" {
	# Job 1 reads f1 until job 3 has exited (its fd 4 closes then).
	job <<-'EOF'
		case $1 in
		1) timeout 5 cat "$TMP/f1" >/dev/null; echo one ;;
		2) echo two ;;
		3) exec 4>"$TMP/f1"; echo three ;;
		esac
	EOF
	run -0 --separate-stderr timeout 10 tpmap -k -j3 sh "$TMP/job" ::: 1 2 3 3>&-
	[ "$output" = $'one\ntwo\nthree' ]
	[ "$stderr" = "" ]
}

@test "without -k output comes in completion order" {
	job <<-'EOF'
		case $1 in
		1) timeout 5 cat "$TMP/f1" >/dev/null; echo one ;;
		2) timeout 5 cat "$TMP/f2" >/dev/null; echo two ;;
		3) echo three ;;
		esac
	EOF
	completion() {
		timeout 10 tpmap -j3 sh "$TMP/job" ::: 1 2 3 3>&- |
			read_and_release three two
	}
	run -0 --separate-stderr completion
	[ "$output" = $'three\ntwo\none' ]
}

@test "-k with -j1 runs and prints in input order" {
	run -0 --separate-stderr tpmap -k -j1 'echo {}; echo {} >> "$TMP/ran"' ::: c a b
	[ "$output" = $'c\na\nb' ]
	[ "$(cat "$TMP/ran")" = $'c\na\nb' ]
}

@test "-k keeps input order over many jobs" {
	run -0 --separate-stderr tpmap -k -j4 echo ::: $(seq 50)
	[ "$output" = "$(seq 50)" ]
}

# --- grouping ---

@test "two jobs printing at the same time do not mix their lines" {
	mkfifo "$TMP/meet"
	# Neither job prints before both have opened the FIFO; each prints
	# far more than a pipe holds.
	job <<-'EOF'
		case $1 in
		a) timeout 5 sh -c ': > "$TMP/meet"' ;;
		b) timeout 5 cat "$TMP/meet" ;;
		esac
		seq -f "$1%g" 20000
	EOF
	run -0 --separate-stderr timeout 10 tpmap -j2 sh "$TMP/job" ::: a b 3>&-
	a=$(seq -f a%g 20000)
	b=$(seq -f b%g 20000)
	[ "$output" = "$a"$'\n'"$b" ] || [ "$output" = "$b"$'\n'"$a" ]
}

@test "a job's stdout comes whole, then its stderr" {
	run -0 sh -c "tpmap -k 'echo o1 {}; echo e1 {} >&2; echo o2 {}' ::: a b 2>&1"
	[ "$output" = $'o1 a\no2 a\ne1 a\no1 b\no2 b\ne1 b' ]
}

@test "stdout and stderr of a job go to tpmap's stdout and stderr" {
	run -0 --separate-stderr tpmap -k 'echo out{}; echo err{} >&2' ::: 1 2
	[ "$output" = $'out1\nout2' ]
	[ "$stderr" = $'err1\nerr2' ]
}

@test "--group is the default" {
	run -0 sh -c "tpmap -k --group 'echo o1 {}; echo e1 {} >&2; echo o2 {}' ::: a b 2>&1"
	[ "$output" = $'o1 a\no2 a\ne1 a\no1 b\no2 b\ne1 b' ]
}

@test "output without a final newline is printed as it is" {
	run -0 --separate-stderr tpmap -k 'printf {}' ::: a b
	[ "$output" = "ab" ]
}

# --- --line-buffer and -u ---

@test "--line-buffer prints a job's complete line before the job ends" {
	# Job 1 can only end after job 2 printed, and job 2 can only print
	# after job 1's first line reached tpmap's output.
	job <<-'EOF'
		case $1 in
		1) echo 1a; timeout 5 cat "$TMP/f1" >/dev/null; echo 1b ;;
		2) timeout 5 cat "$TMP/f2" >/dev/null; echo 2a ;;
		esac
	EOF
	line_buffer() {
		timeout 10 tpmap --line-buffer -j2 sh "$TMP/job" ::: 1 2 3>&- |
			read_and_release 1a 2a
	}
	run -0 --separate-stderr line_buffer
	[ "$output" = $'1a\n2a\n1b' ]
}

@test "-k --line-buffer streams the oldest job and holds back later ones" {
	# Job 2 ends first, while job 1 waits on f1 and has printed a line;
	# job 1's line shows at once, job 2's output only after job 1's.
	job <<-'EOF'
		case $1 in
		1) echo 1a; timeout 5 cat "$TMP/f1" >/dev/null; printf 1b ;;
		2) exec 4>"$TMP/f2"; printf 2a ;;
		esac
	EOF
	klb() {
		timeout 10 tpmap -k --lb -j2 sh "$TMP/job" ::: 1 2 3>&- | {
			IFS= read -r l
			printf '%s\n' "$l"
			timeout 5 cat "$TMP/f2" >/dev/null
			release f1
			cat
		}
	}
	run -0 --separate-stderr klb
	[ "$output" = $'1a\n1b2a' ]
}

@test "--lb is --line-buffer" {
	job <<-'EOF'
		case $1 in
		1) echo 1a; timeout 5 cat "$TMP/f1" >/dev/null; echo 1b ;;
		2) timeout 5 cat "$TMP/f2" >/dev/null; echo 2a ;;
		esac
	EOF
	line_buffer() {
		timeout 10 tpmap --lb -j2 sh "$TMP/job" ::: 1 2 3>&- |
			read_and_release 1a 2a
	}
	run -0 --separate-stderr line_buffer
	[ "$output" = $'1a\n2a\n1b' ]
}

@test "--line-buffer holds back a partial line" {
	# Job 1 writes "x" without a newline and waits for job 2's line.
	job <<-'EOF'
		case $1 in
		1) printf x; timeout 5 cat "$TMP/f1" >/dev/null; echo y ;;
		2) echo z ;;
		esac
	EOF
	# Release f1 when "z" is read; nothing waits on f2.
	partial() {
		timeout 10 tpmap --line-buffer -j2 sh "$TMP/job" ::: 1 2 3>&- |
			read_and_release no-such-line z
	}
	run -0 --separate-stderr partial
	[ "$output" = $'z\nxy' ]
}

@test "-u passes a partial line through at once" {
	job <<-'EOF'
		case $1 in
		1) printf x; timeout 5 cat "$TMP/f1" >/dev/null; echo y ;;
		2) timeout 5 cat "$TMP/f2" >/dev/null; echo z ;;
		esac
	EOF
	# Read byte by byte: release job 2 on "x", job 1 on "z".
	ungroup() {
		local c
		timeout 10 tpmap -u -j2 sh "$TMP/job" ::: 1 2 3>&- |
			while IFS= read -r -n1 c; do
				printf '%s' "${c:-$'\n'}"
				case $c in
				x) release f2 ;;
				z) release f1 ;;
				esac
			done
	}
	run -0 --separate-stderr ungroup
	[ "$output" = $'xz\ny' ]
}

@test "--ungroup is -u" {
	job <<-'EOF'
		case $1 in
		1) echo 1a; timeout 5 cat "$TMP/f1" >/dev/null; echo 1b ;;
		2) timeout 5 cat "$TMP/f2" >/dev/null; echo 2a ;;
		esac
	EOF
	ungroup() {
		timeout 10 tpmap --ungroup -j2 sh "$TMP/job" ::: 1 2 3>&- |
			read_and_release 1a 2a
	}
	run -0 --separate-stderr ungroup
	[ "$output" = $'1a\n2a\n1b' ]
}

# --- tags ---

@test "--tag prefixes each line, stdout and stderr, with the argument and a tab" {
	run -0 sh -c "tpmap -k --tag 'echo out{}; echo err{} >&2' ::: 1 2 2>&1"
	[ "$output" = $'1\tout1\n1\terr1\n2\tout2\n2\terr2' ]
}

@test "--tag with several sources tags with all arguments" {
	run -0 --separate-stderr tpmap -k --tag echo ::: 'a b' ::: c
	[ "$output" = $'a b c\ta b c' ]
}

@test "--tag tags every line of a job" {
	run -0 --separate-stderr tpmap -k --tag 'printf "l1\nl2\n"; :' ::: a
	[ "$output" = $'a\tl1\na\tl2' ]
}

@test "--tagstring expands replacement strings in the tag" {
	run -0 --separate-stderr tpmap -k --tagstring '<{}-{#}>' echo x ::: a b
	[ "$output" = $'<a-1>\tx a\n<b-2>\tx b' ]
}

@test "--tagstring expands {%} and {.} like the command does" {
	run -0 --separate-stderr tpmap -k -j1 --tagstring '{#}-{%}-{.}' echo ::: a.x b.y
	[ "$output" = $'1-1-a\ta.x\n2-1-b\tb.y' ]
}

@test "--tagstring expands positional replacement strings" {
	run -0 --separate-stderr tpmap -k --tagstring 'T{1}' echo ::: a b ::: c
	[ "$output" = $'Ta\ta c\nTb\tb c' ]
}

# --- --results and --files ---

@test "--results DIR saves stdout, stderr and seq under DIR/1/ARG" {
	run -0 --separate-stderr tpmap -k --results "$TMP/res" 'echo out{}; echo err{} >&2' ::: 1 2
	[ "$output" = "" ]
	[ "$stderr" = "" ]
	[ "$(cd "$TMP/res" && find . | sort)" = "$(printf '%s\n' . ./1 \
		./1/1 ./1/1/seq ./1/1/stderr ./1/1/stdout \
		./1/2 ./1/2/seq ./1/2/stderr ./1/2/stdout)" ]
	[ "$(cat "$TMP/res/1/1/stdout")" = "out1" ]
	[ "$(cat "$TMP/res/1/1/stderr")" = "err1" ]
	[ "$(cat "$TMP/res/1/2/stdout")" = "out2" ]
	[ "$(cat "$TMP/res/1/2/stderr")" = "err2" ]
}

@test "--results writes seq as the job number without a newline" {
	run -0 --separate-stderr tpmap -k --results "$TMP/res" echo ::: a b
	[ "$(od -An -c "$TMP/res/1/a/seq" | tr -d ' ')" = "1" ]
	[ "$(od -An -c "$TMP/res/1/b/seq" | tr -d ' ')" = "2" ]
}

@test "--results nests one directory level per input source" {
	run -0 --separate-stderr tpmap -k --results "$TMP/res" echo ::: a b ::: c
	[ "$(cd "$TMP/res" && find . -type f | sort)" = "$(printf '%s\n' \
		./1/a/2/c/seq ./1/a/2/c/stderr ./1/a/2/c/stdout \
		./1/b/2/c/seq ./1/b/2/c/stderr ./1/b/2/c/stdout)" ]
	[ "$(cat "$TMP/res/1/b/2/c/stdout")" = "b c" ]
}

@test "--results escapes a slash in an argument" {
	run -0 --separate-stderr tpmap -k --results "$TMP/res" echo ::: 'a/b' 'x y' 'c\d'
	[ "$(cat "$TMP/res/1/a\\_b/stdout")" = "a/b" ]
	[ "$(cat "$TMP/res/1/c\\\\d/stdout")" = "c\d" ]
	[ "$(cat "$TMP/res/1/x y/stdout")" = "x y" ]
}

# GNU parallel drops the jobs' stderr with --files; tpmap prints it.
@test "--files prints the name of a file holding each job's stdout" {
	TMPDIR="$TMP" run -0 --separate-stderr tpmap -k --files 'echo out{}; echo err{} >&2' ::: a b
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == "$TMP/"* ]]
	[[ "${lines[1]}" == "$TMP/"* ]]
	[ "$(cat "${lines[0]}")" = "outa" ]
	[ "$(cat "${lines[1]}")" = "outb" ]
	[ "$stderr" = $'erra\nerrb' ]
}

@test "--results with a replacement string names the stdout file itself" {
	run -0 --separate-stderr tpmap -k --results "$TMP/out/x{1}_{2}" 'echo o{1}; echo e{2} >&2' ::: a ::: b
	[ "$output" = "" ]
	[ "$(cat "$TMP/out/xa_b")" = "oa" ]
	[ "$(cat "$TMP/out/xa_b.err")" = "eb" ]
	[ "$(cat "$TMP/out/xa_b.seq")" = "1" ]
}

# Found by tests/fuzz/fuzz-template: an empty expansion was not
# NUL-terminated, and its garbage named the files.
@test "--results with a template that expands to nothing names no file" {
	mkdir "$TMP/r"
	cd "$TMP/r"
	run -255 --separate-stderr tpmap -N0 --results '{}' echo hi ::: a
	[ "$stderr" = $'tpmap: : No such file or directory\ntpmap: output is incomplete: the output of 1 job could not be written' ]
	[ "$(ls -A)" = "" ]
}

@test "--results with --header names each level after its column" {
	run -0 --separate-stderr tpmap -k --results "$TMP/out" --header : echo {x} {y} ::: x 1 ::: y 2
	[ "$(cat "$TMP/out/x/1/y/2/stdout")" = "1 2" ]
}
