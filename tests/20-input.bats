#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Input: where arguments come from (stdin, -a, :::, ::::), how several
# sources combine, how records are delimited and split into columns, and
# that every byte of the data reaches the job unchanged.  The expected
# outputs are those of GNU parallel 20221122.

load test_helper

# input FILE PRINTF-FORMAT...: writes exact bytes to $TMP/FILE.
input() {
	local f="$TMP/$1"
	shift
	printf "$@" >"$f"
}

# --- where arguments come from ---

@test "each line of standard input is one argument" {
	input in 'a b\nc\n'
	run -0 --separate-stderr tpmap -k "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a b>\n<c>' ]
	[ "$stderr" = "" ]
}

@test "lines are not quote-processed: quotes and backslashes are data" {
	input in '"a b" '\''c'\''\n\\x\n'
	run -0 --separate-stderr tpmap -k "$SHOWARGS" <"$TMP/in"
	[ "$output" = "<\"a b\" 'c'>"$'\n''<\x>' ]
}

@test "-a FILE reads the arguments from FILE" {
	input f1 'x\ny\n'
	run -0 --separate-stderr tpmap -k -a "$TMP/f1" "$SHOWARGS"
	[ "$output" = $'<x>\n<y>' ]
}

@test "-a given twice gives the cartesian product, the first file varying slowest" {
	input f1 'x\ny\n'
	input f2 '1\n2\n'
	run -0 --separate-stderr tpmap -k -a "$TMP/f1" -a "$TMP/f2" echo
	[ "$output" = $'x 1\nx 2\ny 1\ny 2' ]
}

@test "-a - reads standard input as one of the sources" {
	input in 'p\nq\n'
	input f2 '1\n2\n'
	run -0 --separate-stderr tpmap -k -a - -a "$TMP/f2" echo <"$TMP/in"
	[ "$output" = $'p 1\np 2\nq 1\nq 2' ]
}

@test "::: takes the arguments from the command line" {
	run -0 --separate-stderr tpmap -k "$SHOWARGS" ::: 'a b' c
	[ "$output" = $'<a b>\n<c>' ]
}

@test "::: ignores standard input" {
	input in 'stdin\n'
	run -0 --separate-stderr tpmap -k echo ::: a <"$TMP/in"
	[ "$output" = "a" ]
}

@test "two ::: sources give the cartesian product, the first varying slowest" {
	run -0 --separate-stderr tpmap -k echo ::: a b ::: 1 2
	[ "$output" = $'a 1\na 2\nb 1\nb 2' ]
}

@test "three sources give the cartesian product in odometer order" {
	run -0 --separate-stderr tpmap -k echo ::: a b ::: 1 2 ::: x y
	[ "$output" = $'a 1 x\na 1 y\na 2 x\na 2 y\nb 1 x\nb 1 y\nb 2 x\nb 2 y' ]
}

@test ":::: FILE... reads each file as one source" {
	input f1 'x\ny\n'
	input f2 '1\n2\n'
	run -0 --separate-stderr tpmap -k echo :::: "$TMP/f1" "$TMP/f2"
	[ "$output" = $'x 1\nx 2\ny 1\ny 2' ]
}

@test "::: and :::: mix as sources in their order" {
	input f2 '1\n2\n'
	run -0 --separate-stderr tpmap -k echo ::: a b :::: "$TMP/f2"
	[ "$output" = $'a 1\na 2\nb 1\nb 2' ]
}

@test "--link pairs the n-th arguments of each source" {
	run -0 --separate-stderr tpmap -k --link echo ::: a b c ::: 1 2 3
	[ "$output" = $'a 1\nb 2\nc 3' ]
}

@test "--link starts a shorter source over" {
	run -0 --separate-stderr tpmap -k --link echo ::: a b c d ::: 1 2
	[ "$output" = $'a 1\nb 2\nc 1\nd 2' ]
}

@test ":::+ links a source to the one before it" {
	run -0 --separate-stderr tpmap -k echo ::: a b c :::+ 1 2 3
	[ "$output" = $'a 1\nb 2\nc 3' ]
}

@test "::::+ links a file to the source before it, the product with the rest stays" {
	input f1 'x\ny\n'
	input f2 '1\n2\n'
	run -0 --separate-stderr tpmap -k echo ::: a b :::: "$TMP/f1" ::::+ "$TMP/f2"
	[ "$output" = $'a x 1\na y 2\nb x 1\nb y 2' ]
}

# --- record delimiters ---

@test "-0 splits the input at NUL bytes and keeps newlines as data" {
	input in 'a b\0c\nd\0'
	run -0 --separate-stderr tpmap -k -0 "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a b>\n<c\nd>' ]
}

@test "-0 takes a last record without a final NUL" {
	input in 'a\0b'
	run -0 --separate-stderr tpmap -k -0 "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a>\n<b>' ]
}

@test "-0 keeps empty records between two NUL bytes" {
	input in 'a\0\0b\0'
	run -0 --separate-stderr tpmap -k -0 "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a>\n<>\n<b>' ]
}

@test "--null is -0" {
	input in 'a\nb\0c\0'
	run -0 --separate-stderr tpmap -k --null "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a\nb>\n<c>' ]
}

@test "-d splits at a one-character delimiter" {
	input in 'a:b:c'
	run -0 --separate-stderr tpmap -k -d : "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a>\n<b>\n<c>' ]
}

@test "-d '\\t' splits at tabs and the final newline is data" {
	input in 'a\tb\tc\n'
	run -0 --separate-stderr tpmap -k -d '\t' "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a>\n<b>\n<c\n>' ]
}

@test "-d '\\n' is the default newline delimiter" {
	input in 'a b\nc\n'
	run -0 --separate-stderr tpmap -k -d '\n' "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a b>\n<c>' ]
}

@test "-d '\\0' is -0" {
	input in 'a\nb\0c\0'
	run -0 --separate-stderr tpmap -k -d '\0' "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a\nb>\n<c>' ]
}

@test "-d accepts a delimiter of several characters" {
	input in 'a::b:c::d::'
	run -0 --separate-stderr tpmap -k -d '::' "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a>\n<b:c>\n<d>' ]
}

@test "-d accepts a multi-byte UTF-8 delimiter" {
	input in 'a→b→c'
	run -0 --separate-stderr tpmap -k -d '→' "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a>\n<b>\n<c>' ]
}

@test "-E stops reading at the end-of-file string" {
	input in 'a\nb\nSTOP\nc\n'
	run -0 --separate-stderr tpmap -k -E STOP "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a>\n<b>' ]
}

@test "-E stops a ::: source too" {
	run -0 --separate-stderr tpmap -k -E b "$SHOWARGS" ::: a b c
	[ "$output" = "<a>" ]
}

# --- empty input and empty arguments ---

@test "empty lines are empty arguments" {
	input in 'a\n\nb\n'
	run -0 --separate-stderr tpmap -k "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a>\n<>\n<b>' ]
}

@test "an empty line with no replacement string appends an empty argument" {
	input in '\n'
	run -0 --separate-stderr tpmap -k echo x <"$TMP/in"
	[ "$output" = "x " ]
}

@test "-r skips empty lines" {
	input in 'a\n\nb\n'
	run -0 --separate-stderr tpmap -k -r "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a>\n<b>' ]
}

@test "-r skips lines of only white space, as GNU parallel does" {
	input in 'a\n \t\nb\n\r\n'
	run -0 --separate-stderr tpmap -k -r "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a>\n<b>' ]
}

@test "-r with only empty lines runs nothing and exits 0" {
	input in '\n\n'
	run -0 --separate-stderr tpmap -k -r echo x <"$TMP/in"
	[ "$output" = "" ]
	[ "$stderr" = "" ]
}

@test "--no-run-if-empty is -r" {
	input in '\na\n'
	run -0 --separate-stderr tpmap -k --no-run-if-empty "$SHOWARGS" <"$TMP/in"
	[ "$output" = "<a>" ]
}

@test "empty standard input runs nothing and exits 0" {
	run -0 --separate-stderr tpmap -k echo x </dev/null
	[ "$output" = "" ]
	[ "$stderr" = "" ]
}

# --- trimming ---

@test "arguments are not trimmed by default" {
	input in '  a b  \n'
	run -0 --separate-stderr tpmap -k "$SHOWARGS" <"$TMP/in"
	[ "$output" = "<  a b  >" ]
}

@test "--trim lr removes spaces and tabs at both ends" {
	input in ' \t a b \t \n'
	run -0 --separate-stderr tpmap -k --trim lr "$SHOWARGS" <"$TMP/in"
	[ "$output" = "<a b>" ]
}

@test "--trim l removes leading blanks only" {
	input in '  a b  \n'
	run -0 --separate-stderr tpmap -k --trim l "$SHOWARGS" <"$TMP/in"
	[ "$output" = "<a b  >" ]
}

@test "--trim r removes trailing blanks only" {
	input in '  a b  \n'
	run -0 --separate-stderr tpmap -k --trim r "$SHOWARGS" <"$TMP/in"
	[ "$output" = "<  a b>" ]
}

@test "--trim n removes nothing" {
	input in '  a b  \n'
	run -0 --separate-stderr tpmap -k --trim n "$SHOWARGS" <"$TMP/in"
	[ "$output" = "<  a b  >" ]
}

# --colsep trims both sides unless told otherwise, as in GNU parallel.
@test "--trim n keeps the blanks --colsep would trim" {
	run -0 --separate-stderr tpmap -k --trim n --colsep , "$SHOWARGS" {1} {2} ::: ' a , b '
	[ "$output" = $'< a >\n< b >' ]
}

# --- columns ---

@test "--colsep splits a line into positional columns" {
	input in 'a,b,c\nd,e,f\n'
	run -0 --separate-stderr tpmap -k --colsep , "$SHOWARGS" {3} {1} <"$TMP/in"
	[ "$output" = $'<c>\n<a>\n<f>\n<d>' ]
}

@test "--colsep without a replacement string appends every column" {
	input in 'a,b,c\n'
	run -0 --separate-stderr tpmap -k --colsep , "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a>\n<b>\n<c>' ]
}

@test "--colsep takes an extended regular expression" {
	input in 'a1b22c\n'
	run -0 --separate-stderr tpmap -k --colsep '[0-9]+' "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a>\n<b>\n<c>' ]
}

@test "--colsep '\\t' splits at tabs" {
	input in 'x\ty\n'
	run -0 --separate-stderr tpmap -k --colsep '\t' "$SHOWARGS" {2} <"$TMP/in"
	[ "$output" = "<y>" ]
}

@test "--colsep splits ::: arguments too" {
	run -0 --separate-stderr tpmap -k --colsep , "$SHOWARGS" {2} ::: 'a,b c'
	[ "$output" = "<b c>" ]
}

@test "--header : names the columns after the first line" {
	input in 'name,age\nann,3\nbob,4\n'
	run -0 --separate-stderr tpmap -k --header : --colsep , "$SHOWARGS" {age} {name} <"$TMP/in"
	[ "$output" = $'<3>\n<ann>\n<4>\n<bob>' ]
}

@test "--header : without --colsep names the whole line" {
	input in 'name\nann\nbob\n'
	run -0 --separate-stderr tpmap -k --header : "$SHOWARGS" {name} <"$TMP/in"
	[ "$output" = $'<ann>\n<bob>' ]
}

@test "--header : takes each ::: source's first argument as its name" {
	run -0 --separate-stderr tpmap -k --header : "$SHOWARGS" {foo} {bar} ::: foo a b ::: bar 1
	[ "$output" = $'<a>\n<1>\n<b>\n<1>' ]
}

@test "--csv splits at commas outside quotes and undoubles quotes" {
	input in 'a,"b,c","say ""hi"""\n'
	run -0 --separate-stderr tpmap -k --csv "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a>\n<b,c>\n<say "hi">' ]
}

@test "--csv fields are positional columns" {
	input in 'a,"b,c","say ""hi"""\n'
	run -0 --separate-stderr tpmap -k --csv "$SHOWARGS" {3} {2} <"$TMP/in"
	[ "$output" = $'<say "hi">\n<b,c>' ]
}

@test "--csv keeps empty fields" {
	input in 'a,,c\n'
	run -0 --separate-stderr tpmap -k --csv "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a>\n<>\n<c>' ]
}

@test "--csv lets a quoted field span lines" {
	input in '"multi\nline",x\n'
	run -0 --separate-stderr tpmap -k --csv "$SHOWARGS" {1} <"$TMP/in"
	[ "$output" = $'<multi\nline>' ]
}

@test "--csv with --colsep uses that separator" {
	input in 'a;"b;c"\n'
	run -0 --separate-stderr tpmap -k --csv --colsep ';' "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a>\n<b;c>' ]
}

@test "--csv with --header names quoted columns" {
	input in 'h1,h2\n"a,1",b\n'
	run -0 --separate-stderr tpmap -k --csv --header : "$SHOWARGS" {h2} {h1} <"$TMP/in"
	[ "$output" = $'<b>\n<a,1>' ]
}

# --- data passes through unchanged ---

@test "a last line without a newline is an argument" {
	input in 'a\nb'
	run -0 --separate-stderr tpmap -k "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a>\n<b>' ]
}

@test "carriage returns are data" {
	input in 'a\r\nb\r\n'
	run -0 --separate-stderr tpmap -k "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a\r>\n<b\r>' ]
}

@test "invalid UTF-8 bytes are data" {
	input in 'x\377\376y\n'
	run -0 --separate-stderr tpmap -k "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<x\xff\xfey>' ]
}

@test "invalid UTF-8 reaches a job run through the shell unchanged" {
	input in 'x\377\376y\n'
	run -0 --separate-stderr tpmap -k 'printf "%s\n" {} | od -An -c' <"$TMP/in"
	[ "$(echo $output)" = 'x 377 376 y \n' ]
}

@test "a 1 MB line reaches --tag unchanged" {
	seq 180000 | tr '\n' , >"$TMP/big"
	[ "$(wc -c <"$TMP/big")" -gt 1000000 ]
	{ cat "$TMP/big"; printf '\t1\n'; } >"$TMP/expected"
	run -0 --separate-stderr tpmap --tag echo {#} <"$TMP/big"
	printf '%s\n' "$output" | cmp - "$TMP/expected"
	[ "$stderr" = "" ]
}

@test "a 1 MB line split by --colsep reaches the job as its columns" {
	# 1000 fields of 999 bytes: each fits in one argument, all of them
	# together in one command line.
	awk 'BEGIN {
		for (i = 0; i < 1000; i++) {
			f = sprintf("%04d", i)
			c = sprintf("%c", 97 + i % 26)
			while (length(f) < 999)
				f = f c
			printf "%s%s", (i ? " " : ""), f
		}
		printf "\n"
	}' >"$TMP/big"
	[ "$(wc -c <"$TMP/big")" -eq 1000000 ]
	tr ' ' '\n' <"$TMP/big" | sed 's/.*/<&>/' >"$TMP/expected"
	run -0 --separate-stderr tpmap -k --colsep ' ' "$SHOWARGS" <"$TMP/big"
	printf '%s\n' "$output" | cmp - "$TMP/expected"
	[ "$stderr" = "" ]
}

@test "NUL-delimited records with newlines, tabs and CR pass unchanged" {
	input in 'a\nb\0c\td\r\0'
	run -0 --separate-stderr tpmap -k -0 "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a\nb>\n<c\td\r>' ]
}

@test "input is streamed: the first job runs before the input ends" {
	mkfifo "$TMP/go"
	# The feeder writes b only after job a has run, and then ends the
	# input: a tpmap that read to the end first would wait forever.
	feed() { echo a; timeout 5 cat "$TMP/go" >/dev/null; echo b; }
	streamed() {
		feed | timeout 10 tpmap -k -j1 "echo {}; if [ {} = a ]; then : > '$TMP/go'; fi"
	}
	run -0 --separate-stderr streamed
	[ "$output" = $'a\nb' ]
}

@test "endless input: jobs start at once and stop when the reader goes" {
	# tpmap dies of SIGPIPE (141) once head has gone, as a filter does;
	# timeout's 124 would mean it went on reading.
	endless() {
		local st
		yes | timeout 30 tpmap -k "$@" echo | head -n 3
		st=("${PIPESTATUS[@]}")
		echo "${st[1]}"
	}
	run -0 --separate-stderr endless --dry-run
	[ "$output" = $'echo y\necho y\necho y\n141' ]
	run -0 --separate-stderr endless
	[ "$output" = $'y\ny\ny\n141' ]
}
