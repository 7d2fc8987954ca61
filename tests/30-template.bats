#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Templates: the replacement strings, their custom names, how arguments
# are grouped into command lines (-n -N -L -X -m), command-less mode, -q,
# and the promise that data never becomes shell code.  --dry-run shows the
# command line; real runs through showargs show exactly how argv was split.
# The expected outputs are those of GNU parallel 20221122.

load test_helper

# --- replacement strings ---

@test "{} is the whole argument" {
	run -0 --separate-stderr tpmap --dry-run -k echo {} ::: /a/b/c.tar.gz
	[ "$output" = "echo /a/b/c.tar.gz" ]
	[ "$stderr" = "" ]
}

@test "{.} removes the last extension" {
	run -0 --separate-stderr tpmap --dry-run -k echo {.} ::: /a/b/c.tar.gz c.txt
	[ "$output" = $'echo /a/b/c.tar\necho c' ]
}

@test "{.} leaves a dot in a directory name alone" {
	run -0 --separate-stderr tpmap --dry-run -k echo {.} ::: a.b/c d.e/f.g
	[ "$output" = $'echo a.b/c\necho d.e/f' ]
}

@test "{/} is the base name" {
	run -0 --separate-stderr tpmap --dry-run -k echo {/} ::: /a/b/c.tar.gz c.txt
	[ "$output" = $'echo c.tar.gz\necho c.txt' ]
}

@test "{//} is the directory, . without one, / for the root" {
	run -0 --separate-stderr tpmap --dry-run -k echo {//} ::: /a/b/c.tar.gz c.txt /top
	[ "$output" = $'echo /a/b\necho .\necho /' ]
}

@test "{/.} is the base name without its extension" {
	run -0 --separate-stderr tpmap --dry-run -k echo {/.} ::: /a/b/c.tar.gz d.e/f.g
	[ "$output" = $'echo c.tar\necho f' ]
}

@test "{#} is the job's sequence number" {
	run -0 --separate-stderr tpmap --dry-run -k echo {#} ::: a b c
	[ "$output" = $'echo 1\necho 2\necho 3' ]
}

@test "{%} is the job slot" {
	run -0 --separate-stderr tpmap --dry-run -k -j1 echo {#}-{%} ::: a b c
	[ "$output" = $'echo 1-1\necho 2-1\necho 3-1' ]
}

@test "all replacement strings in one command line" {
	run -0 --separate-stderr tpmap --dry-run -k -j1 echo {} {.} {/} {//} {/.} {#} {%} ::: /a/b/c.tar.gz
	[ "$output" = "echo /a/b/c.tar.gz /a/b/c.tar c.tar.gz /a/b c.tar 1 1" ]
}

@test "{N} is the N-th input source" {
	run -0 --separate-stderr tpmap --dry-run -k echo {2} {1} ::: a b ::: 1 2
	[ "$output" = $'echo 1 a\necho 2 a\necho 1 b\necho 2 b' ]
}

@test "{N.} {N/} {N//} {N/.} apply to the N-th source" {
	run -0 --separate-stderr tpmap --dry-run -k echo {1.} {1/} {1//} {1/.} {2} ::: /d/f.x ::: y
	[ "$output" = "echo /d/f f.x /d f y" ]
}

@test "{} with several sources is all of them, separated by spaces" {
	run -0 --separate-stderr tpmap --dry-run -k echo {} ::: a ::: b
	[ "$output" = "echo a b" ]
}

@test "{N} of several sources are separate arguments" {
	run -0 --separate-stderr tpmap -k "$SHOWARGS" {1}{2} {2} ::: 'a b' ::: 'c d'
	[ "$output" = $'<a bc d>\n<c d>' ]
}

@test "{name} is the column named by --header" {
	run -0 --separate-stderr tpmap --dry-run -k --header : --colsep , echo {b}-{a} ::: a,b 1,2 3,4
	[ "$output" = $'echo 2-1\necho 4-3' ]
}

@test "a replacement string inside a word stays inside that word" {
	run -0 --separate-stderr tpmap -k "$SHOWARGS" x{}y {.} ::: 'a b.c'
	[ "$output" = $'<xa b.cy>\n<a b>' ]
}

# --- custom replacement strings ---

@test "-I replaces {} by another string" {
	run -0 --separate-stderr tpmap --dry-run -k -I ,, echo ,, {} {.} ::: /x/a.b
	[ "$output" = "echo /x/a.b {} /x/a" ]
}

@test "--replace is -I" {
	run -0 --separate-stderr tpmap --dry-run -k --replace ,, echo ,, {} ::: a
	[ "$output" = "echo a {}" ]
}

@test "--er replaces {.} by another string" {
	run -0 --separate-stderr tpmap --dry-run -k --er ,, echo ,, {} {.} ::: /x/a.b
	[ "$output" = "echo /x/a /x/a.b {.}" ]
}

@test "--bnr replaces {/} by another string" {
	run -0 --separate-stderr tpmap --dry-run -k --bnr ,, echo ,, {/} ::: /x/a.b
	[ "$output" = "echo a.b {/}" ]
}

@test "--dnr replaces {//} by another string" {
	run -0 --separate-stderr tpmap --dry-run -k --dnr ,, echo ,, {//} ::: /x/a.b
	[ "$output" = "echo /x {//}" ]
}

@test "--bner replaces {/.} by another string" {
	run -0 --separate-stderr tpmap --dry-run -k --bner ,, echo ,, {/.} ::: /x/a.b
	[ "$output" = "echo a {/.}" ]
}

@test "--seqreplace replaces {#} by another string" {
	run -0 --separate-stderr tpmap --dry-run -k --seqreplace ,, echo ,, {#} ::: a b
	[ "$output" = $'echo 1 {#}\necho 2 {#}' ]
}

@test "--slotreplace replaces {%} by another string" {
	run -0 --separate-stderr tpmap --dry-run -k -j1 --slotreplace ,, echo ,, {%} ::: a b
	[ "$output" = $'echo 1 {%}\necho 1 {%}' ]
}

# --- no replacement string, no command ---

@test "without a replacement string the argument is appended" {
	run -0 --separate-stderr tpmap --dry-run -k echo x ::: a b
	[ "$output" = $'echo x a\necho x b' ]
}

@test "without a replacement string every source's argument is appended" {
	run -0 --separate-stderr tpmap --dry-run -k echo x ::: a ::: 1
	[ "$output" = "echo x a 1" ]
}

@test "an appended argument is one word" {
	run -0 --separate-stderr tpmap -k "$SHOWARGS" ::: 'a b' ''
	[ "$output" = $'<a b>\n<>' ]
}

@test "without a command each input line is a command line" {
	printf 'echo a\necho b c\n' >"$TMP/in"
	run -0 --separate-stderr tpmap -k <"$TMP/in"
	[ "$output" = $'a\nb c' ]
}

@test "without a command a line is shell code" {
	printf 'echo a; echo z\n' >"$TMP/in"
	run -0 --separate-stderr tpmap -k <"$TMP/in"
	[ "$output" = $'a\nz' ]
}

@test "without a command ::: arguments are command lines" {
	run -0 --separate-stderr tpmap -k ::: 'echo 1' 'echo 2'
	[ "$output" = $'1\n2' ]
}

@test "--dry-run without a command prints the command lines as given" {
	run -0 --separate-stderr tpmap -k --dry-run ::: 'echo 1' 'echo  2'
	[ "$output" = $'echo 1\necho  2' ]
}

# --- the command's own words ---

@test "the command's words are joined into one shell command line" {
	FOO=bar run -0 --separate-stderr tpmap -k "$SHOWARGS" 'a  b' '$FOO' ::: x
	[ "$output" = $'<a>\n<b>\n<bar>\n<x>' ]
}

@test "-q quotes the command's own words" {
	FOO=bar run -0 --separate-stderr tpmap -k -q "$SHOWARGS" 'a  b' '$FOO' {} ::: 'x y'
	[ "$output" = $'<a  b>\n<$FOO>\n<x y>' ]
}

@test "-q keeps shell operators in the command literal" {
	run -0 --separate-stderr tpmap -k -q printf '%s|%s\n' {} 'a;b' ::: x
	[ "$output" = "x|a;b" ]
}

@test "--dry-run quotes arguments as the shell needs" {
	run -0 --separate-stderr tpmap --dry-run -k echo {} ::: a 'a b' ''
	[ "$output" = $'echo a\necho \'a b\'\necho \'\'' ]
}

# --- several arguments per job ---

@test "-n 2 gives each job up to two arguments" {
	run -0 --separate-stderr tpmap --dry-run -k -n2 echo ::: a b c d e
	[ "$output" = $'echo a b\necho c d\necho e' ]
}

@test "-n 2 puts both arguments in place of {}" {
	run -0 --separate-stderr tpmap -k -n2 "$SHOWARGS" x{} ::: 'a b' c
	[ "$output" = $'<xa b>\n<c>' ]
}

@test "-n 2 makes {1} {2} the job's first and second argument" {
	run -0 --separate-stderr tpmap --dry-run -k -n2 echo {1}-{2} ::: a b c d e
	[ "$output" = $'echo a-b\necho c-d\necho e-' ]
}

@test "-N 2 makes {1} {2} the job's first and second argument" {
	run -0 --separate-stderr tpmap -k -N2 "$SHOWARGS" {2} {1} ::: a b c d
	[ "$output" = $'<b>\n<a>\n<d>\n<c>' ]
}

@test "-N 2 without a replacement string appends the arguments" {
	run -0 --separate-stderr tpmap --dry-run -k -N2 echo ::: a b c d e
	[ "$output" = $'echo a b\necho c d\necho e' ]
}

@test "-N 2 repeats the word around {} for each argument, as -X does" {
	run -0 --separate-stderr tpmap -k -N2 --dry-run echo x{}x ::: 1 2 3
	[ "$output" = $'echo x1x x2x\necho x3x' ]
}

@test "-n 2 puts both arguments inside the one word around {}" {
	run -0 --separate-stderr tpmap -k -n2 --dry-run echo x{}x ::: 1 2
	[ "$output" = 'echo x1 2x' ]
}

@test "-N0 runs one job per argument with no argument in the command" {
	run -0 --separate-stderr tpmap -k -N0 echo x ::: a b
	[ "$output" = $'x\nx' ]
}

@test "-L 2 gives each job two input lines, each one argument" {
	printf 'a b\nc\nd e\n' >"$TMP/in"
	run -0 --separate-stderr tpmap -k -L2 "$SHOWARGS" <"$TMP/in"
	[ "$output" = $'<a b>\n<c>\n<d e>' ]
}

@test "-L 2 --dry-run shows the grouped command lines" {
	printf 'a b\nc\nd e\n' >"$TMP/in"
	run -0 --separate-stderr tpmap --dry-run -k -L2 echo <"$TMP/in"
	[ "$output" = $'echo \'a b\' c\necho \'d e\'' ]
}

@test "-X repeats the word around {} for each argument" {
	run -0 --separate-stderr tpmap --dry-run -k -j1 -X echo pre-{}-post ::: a b c
	[ "$output" = "echo pre-a-post pre-b-post pre-c-post" ]
}

@test "-X keeps each argument one word" {
	run -0 --separate-stderr tpmap -k -j1 -X "$SHOWARGS" pre-{}-post ::: 'a b' c
	[ "$output" = $'<pre-a b-post>\n<pre-c-post>' ]
}

@test "-X applies {.} to each argument" {
	run -0 --separate-stderr tpmap --dry-run -k -j1 -X echo {.} ::: a.x b.y
	[ "$output" = "echo a b" ]
}

@test "-X without a replacement string appends all arguments" {
	run -0 --separate-stderr tpmap --dry-run -k -j1 -X echo ::: a b c
	[ "$output" = "echo a b c" ]
}

@test "-m puts all arguments in place of {}, the context once" {
	run -0 --separate-stderr tpmap --dry-run -k -j1 -m echo pre-{}-post ::: a b c
	[ "$output" = "echo pre-a b c-post" ]
}

@test "-m packs 100000 arguments into as few lines as -s allows" {
	seq 100000 >"$TMP/in"
	run -0 --separate-stderr timeout 20 tpmap -k -j1 -m -s 5000 echo <"$TMP/in"
	[ "${#lines[@]}" -eq 118 ]
	[ "$(printf '%s\n' "${lines[@]}" | tr ' ' '\n' | cmp - "$TMP/in" && echo same)" = same ]
	# Every line but the last would pass 5000 with one more argument.
	[ "${#lines[0]}" -lt 5000 ]
}

@test "-m keeps each argument one word" {
	run -0 --separate-stderr tpmap -k -j1 -m "$SHOWARGS" pre-{}-post ::: 'a b' c
	[ "$output" = $'<pre-a b>\n<c-post>' ]
}

# --- data never becomes code ---

@test "spaces and tabs in data stay inside one argument" {
	run -0 --separate-stderr tpmap -k "$SHOWARGS" {} ::: 'a b' $'t\tb' '  '
	[ "$output" = $'<a b>\n<t\tb>\n<  >' ]
}

@test "quotes in data are literal" {
	run -0 --separate-stderr tpmap -k "$SHOWARGS" {} ::: "it's" 'say "x"' "'" '"'
	[ "$output" = "<it's>"$'\n''<say "x">'$'\n'"<'>"$'\n''<">' ]
}

@test "shell operators in data are literal" {
	cd "$TMP"
	run -0 --separate-stderr tpmap -k "$SHOWARGS" {} ::: 'a;b' 'a|b' 'a&b' '>x' '<y' 'a&&b' '(c)' '#c'
	[ "$output" = $'<a;b>\n<a|b>\n<a&b>\n<>x>\n<<y>\n<a&&b>\n<(c)>\n<#c>' ]
	[ ! -e x ]
}

@test "expansions in data are literal: \$VAR, ~, globs, backslashes" {
	touch "$TMP/g1" "$TMP/g2"
	cd "$TMP"
	run -0 --separate-stderr tpmap -k "$SHOWARGS" {} ::: '$HOME' '~' '*' 'g?' '[g]1' '\n' '\' '{a,b}'
	[ "$output" = $'<$HOME>\n<~>\n<*>\n<g?>\n<[g]1>\n<\\n>\n<\\>\n<{a,b}>' ]
}

@test "a newline in data (with -0) stays inside one argument" {
	printf 'a\nb\0x\n; touch "$TMP/pwned"\0' >"$TMP/in"
	run -0 --separate-stderr tpmap -k -0 "$SHOWARGS" {} <"$TMP/in"
	[ "$output" = $'<a\nb>\n<x\n; touch "$TMP/pwned">' ]
	[ ! -e "$TMP/pwned" ]
}

@test "a ; in data does not end the command" {
	run -0 --separate-stderr tpmap -k "$SHOWARGS" {} ::: 'x; touch "$TMP/pwned"'
	[ "$output" = '<x; touch "$TMP/pwned">' ]
	[ ! -e "$TMP/pwned" ]
}

@test "\$(...) in data is not run" {
	run -0 --separate-stderr tpmap -k "$SHOWARGS" {} ::: '$(touch "$TMP/pwned")'
	[ "$output" = '<$(touch "$TMP/pwned")>' ]
	[ ! -e "$TMP/pwned" ]
}

@test "backticks in data are not run" {
	run -0 --separate-stderr tpmap -k "$SHOWARGS" {} ::: '`touch "$TMP/pwned"`'
	[ "$output" = '<`touch "$TMP/pwned"`>' ]
	[ ! -e "$TMP/pwned" ]
}

@test "data in a command that needs a shell is still one literal argument" {
	run -0 --separate-stderr tpmap -k "$SHOWARGS {} | cat" ::: \
		"it's; touch \"\$TMP/pwned\"" '$(touch "$TMP/pwned")' 'a  b'
	[ "$output" = "<it's; touch \"\$TMP/pwned\">"$'\n''<$(touch "$TMP/pwned")>'$'\n''<a  b>' ]
	[ ! -e "$TMP/pwned" ]
}

# GNU parallel fails this one: it single-quotes {} even inside the
# command's double quotes, where single quotes are literal, so $(...) runs.
# tpmap yields the same single-quoted form, with nothing left to expand.
@test "data inside a double-quoted word of the command is still literal" {
	run -0 --separate-stderr tpmap -k "$SHOWARGS \"pre {} post\"" ::: '$(touch "$TMP/pwned") `id`'
	[ "$output" = "<pre '\$(touch \"\$TMP/pwned\") \`id\`' post>" ]
	[ ! -e "$TMP/pwned" ]
}

@test "derived replacement strings are quoted too" {
	run -0 --separate-stderr tpmap -k "$SHOWARGS" {.} {/} {//} {/.} ::: '$(touch "$TMP/pwned")/a b;c.x'
	[ "$output" = $'<$(touch "$TMP/pwned")/a b;c>\n<a b;c.x>\n<$(touch "$TMP/pwned")>\n<a b;c>' ]
	[ ! -e "$TMP/pwned" ]
}

@test "columns are quoted too" {
	run -0 --separate-stderr tpmap -k --colsep , "$SHOWARGS" {2} {1} ::: 'a b,$(touch "$TMP/pwned")'
	[ "$output" = $'<$(touch "$TMP/pwned")>\n<a b>' ]
	[ ! -e "$TMP/pwned" ]
}

@test "-X arguments are quoted too" {
	run -0 --separate-stderr tpmap -k -j1 -X "$SHOWARGS" ::: 'a;touch "$TMP/pwned"' '`touch "$TMP/pwned"`'
	[ "$output" = $'<a;touch "$TMP/pwned">\n<`touch "$TMP/pwned"`>' ]
	[ ! -e "$TMP/pwned" ]
}

@test "data in a --tagstring is not run" {
	run -0 --separate-stderr tpmap -k --tagstring '{}' echo x ::: '$(touch "$TMP/pwned")'
	[ "$output" = $'$(touch "$TMP/pwned")\tx $(touch "$TMP/pwned")' ]
	[ ! -e "$TMP/pwned" ]
}

@test "data inside a single-quoted word of the command is still literal" {
	run -0 --separate-stderr tpmap -k "$SHOWARGS 'pre {} post'" ::: "\$(touch \"\$TMP/pwned\") 'q' \\"
	[ "$output" = "<pre '\$(touch \"\$TMP/pwned\") '\"'\"'q'\"'\"' \\' post>" ]
	[ ! -e "$TMP/pwned" ]
}

@test "a backslash before a replacement quotes only the value's first byte" {
	run -0 --separate-stderr tpmap -k "$SHOWARGS \\{}" ::: "';touch \"\$TMP/pwned\";'" abc
	[ "$output" = $'<\';touch "$TMP/pwned";\'>\n<abc>' ]
	[ ! -e "$TMP/pwned" ]
}

# Found by tests/fuzz/fuzz-shq: an empty value left the backslash to
# quote a second one, and \ newline is a line continuation.
@test "a backslash before a replacement keeps an empty value and a leading newline" {
	printf '\nabc\0\0' >"$TMP/in"
	run -0 --separate-stderr tpmap -k -0 "$SHOWARGS x\\{}y" <"$TMP/in"
	[ "$output" = $'<x\nabcy>\n<xy>' ]
}

# Found by tests/fuzz/fuzz-template: the second value also lost its first
# byte to a backslash that was not there.
@test "with several values in one {} only the first follows the backslash" {
	cd "$TMP"
	run -0 --separate-stderr tpmap -k -n 2 "$SHOWARGS \\{}" ::: a ';pwd'
	[ "$output" = $'<a>\n<;pwd>' ]
}

# Found by tests/fuzz/fuzz-shq: inside `...` the shell strips a backslash
# before \ ` $ first, so single quotes alone let a backquote end it.
@test "data inside backquotes is quoted for the command substitution" {
	run -0 --separate-stderr tpmap -k "$SHOWARGS \"\`printf %s {}\`\"" ::: '`touch "$TMP/pwned"`;x' 'a\\b'
	[ "$output" = $'<`touch "$TMP/pwned"`;x>\n<a\\\\b>' ]
	[ ! -e "$TMP/pwned" ]
}

# Found by tests/fuzz/fuzz-shq: the first } ends \${...}, even in a value.
@test "data inside \${x:-...} cannot end the expansion" {
	cd "$TMP"
	run -0 --separate-stderr tpmap -k "$SHOWARGS \${x:-{}} \"\${x:-{}}\"" ::: '};touch pwned;#'
	[ "$output" = $'<};touch pwned;#>\n<\'};touch pwned;#\'>' ]
	[ ! -e "$TMP/pwned" ]
}

# The same in every shell: bash reads $'...' and $"...", dash does not.
@test "a bare \$ before a replacement stays a literal \$, whatever the shell" {
	for sh in /bin/sh /bin/bash; do
		TPMAP_SHELL=$sh run -0 --separate-stderr tpmap -k "$SHOWARGS x\${} \"y\${}\" \"\`printf %s z\${}\`\"" ::: "\\';touch \"\$TMP/pwned\";'" HOME '(touch "$TMP/pwned")'
		[ "$output" = "<x\$\\';touch \"\$TMP/pwned\";'>
<y'\$\\'\"'\"';touch \"\$TMP/pwned\";'\"'\">
<z\$\\';touch \"\$TMP/pwned\";'>
<x\$HOME>
<y'\$HOME'>
<z\$HOME>
<x\$(touch \"\$TMP/pwned\")>
<y'\$(touch \"\$TMP/pwned\")'>
<z\$(touch \"\$TMP/pwned\")>" ]
	done
	[ ! -e "$TMP/pwned" ]
}

@test "a replacement inside nested backquotes is refused, not guessed at" {
	run -255 --separate-stderr tpmap 'echo `echo \`echo {}\``' ::: a
	[ "$stderr" = 'tpmap: a replacement string inside nested backquotes; use $(...)' ]
	run -255 --separate-stderr tpmap 'echo `echo $(echo `echo {}`)`' ::: a
	[ "$stderr" = 'tpmap: a replacement string after nested backquotes; use $(...)' ]
}

@test "a replacement after a ' inside \"\${...}\" is refused" {
	run -255 --separate-stderr tpmap "echo \"\${x:-'a'}\" {}" ::: a
	[ "$stderr" = "tpmap: a replacement string after a ' inside \"\${...}\" (shells disagree on it)" ]
}

@test "data inside '...' inside \${...} cannot end the expansion" {
	cd "$TMP"
	run -0 --separate-stderr tpmap -k "$SHOWARGS \${x:-'{}'}" ::: "';touch pwned;'}" 
	[ "$output" = "<\"'\"';touch pwned;'\"'\"'}'>" ]
	[ ! -e "$TMP/pwned" ]
}

@test "data inside \$(...) inside double quotes is quoted for the command substitution" {
	run -0 --separate-stderr tpmap -k "$SHOWARGS \"\$(printf %s {})\"" ::: 'a b;touch "$TMP/pwned"'
	[ "$output" = '<a b;touch "$TMP/pwned">' ]
	[ ! -e "$TMP/pwned" ]
}

@test "-N0 with {} in a word leaves the word without the value" {
	run -0 --separate-stderr tpmap -k -N0 --dry-run echo x{}y {#} ::: a b
	[ "$output" = $'echo xy 1\necho xy 2' ]
}

@test "--dry-run --tag prints the tag before each command line" {
	run -0 --separate-stderr tpmap --dry-run -k --tag echo ::: a 'b c'
	[ "$output" = $'a\techo a\nb c\techo \'b c\'' ]
}

@test "-t --dry-run prints each command line on stderr too" {
	run -0 --separate-stderr tpmap -t --dry-run -k echo ::: a
	[ "$output" = "echo a" ]
	[ "$stderr" = "echo a" ]
}

@test "-X refuses a word whose quotes would be repeated unbalanced" {
	cd "$TMP"
	# "'q {}'" splits at the space: repeating {}' would close and reopen
	# the quotes, and a value quoted for the first copy could end them.
	run -255 --separate-stderr tpmap -X echo "'q {}'" ::: a "';touch pwned;'"
	[ "$stderr" = "tpmap: -X: a replacement string in a word whose quotes go on past a space or tab" ]
	[ ! -e pwned ]
	run -0 --separate-stderr tpmap -k -j1 -X "$SHOWARGS" "'q'{}" "\"d\"{}" ::: a "b'c"
	[ "$output" = "<qa>
<qb'c>
<da>
<db'c>" ]
}

@test "a backslash before a replacement reads the same in dash and bash, whatever the first byte" {
	for sh in /bin/sh /bin/bash; do
		TPMAP_SHELL=$sh run -0 --separate-stderr tpmap -k "$SHOWARGS x\\{} \"x\\{}\" x\${x:-\\{}} \"x\${x:-\\{}}\" \"\`printf %s \\\"\\{}\\\"\`\"" ::: $'\x01"b' ' a' '}y' 'b'
		[ "$output" = "<x"$'\x01'"\"b>
<x'\\"$'\x01'"\"b'>
<x"$'\x01'"\"b>
<x'\\"$'\x01'"\"b'>
<'\\"$'\x01'"\"b'>
<x a>
<x'\\ a'>
<x a>
<x'\\ a'>
<'\\ a'>
<x}y>
<x'\\}y'>
<x}y>
<x'}y'>
<'\\}y'>
<xb>
<x\\b>
<xb>
<x\\b>
<\\b>" ]
	done
}

# Inside "`...`" the shell turns \" into " before it parses the command
# in the backquotes: the value sits in double quotes there, not bare.
@test "data inside \\\"...\\\" inside backquotes inside double quotes stays data" {
	cd "$TMP"
	for sh in /bin/sh /bin/bash; do
		TPMAP_SHELL=$sh run -0 --separate-stderr tpmap -k "$SHOWARGS \"\`printf %s \\\"{}\\\"\`\" \`printf %s '\\{}'\`" ::: '$(touch pwned)' "a'\"\\b"
		[ "$output" = "<'\$(touch pwned)'>
<'\\\$(touch>
<pwned)'>
<'a'\"'\"'\"\\b'>
<'\\a'\"'\"'\"\\b'>" ]
	done
	[ ! -e pwned ]
}

@test "a backquote inside \`...\` ends it: a replacement after open quotes is refused" {
	run -255 --separate-stderr tpmap "echo \"\`echo '\`{}'\"" ::: a
	[ "$stderr" = "tpmap: a replacement string after \`...\` with open quotes" ]
	run -255 --separate-stderr tpmap 'echo `printf %s \\{}`' ::: a
	[ "$stderr" = 'tpmap: a replacement string after \\ or \$ inside backquotes; use $(...)' ]
}

# A command that hands its quoted text to a second shell: both shells
# must read the value as data.
@test "data inside the command's quotes stays data for a second shell" {
	cd "$TMP"
	for sh in /bin/sh /bin/bash; do
		TPMAP_SHELL=$sh run -0 --separate-stderr tpmap -k "sh -c \"printf '<%s>' {}\"; sh -c 'printf \"<%s>\" {}'; sh -c \"printf '<%s>' '{}'\"; sh -c 'printf \"<%s>\" \"{}\"'; sh -c \"printf '<%s>' \\\"{}\\\"\"; echo" ::: '$(touch pwned)' "it's \"q\" \\" '`touch pwned`'
		[ "$output" = "<\$(touch pwned)><\$(touch pwned)><\$(touch pwned)><\$(touch pwned)><\$(touch pwned)>
<it's \"q\" \\><it's \"q\" \\><it's \"q\" \\><it's \"q\" \\><it's \"q\" \\>
<\`touch pwned\`><\`touch pwned\`><\`touch pwned\`><\`touch pwned\`><\`touch pwned\`>" ]
	done
	[ ! -e pwned ]
}

@test "inside double quotes a value prints as GNU parallel quotes it" {
	run -0 --separate-stderr tpmap -k 'echo "{}"' ::: 'a b' ab '$(id)'
	[ "$output" = "'a b'
ab
'\$(id)'" ]
}

@test "a value with a newline is not put in a # comment: that job fails" {
	cd "$TMP"
	printf 'a\ntouch pwned\n#\0ok\0' >in
	run -1 --separate-stderr tpmap -0 -k 'echo x # {}' <in
	[ "$output" = "x" ]
	[ "$stderr" = "tpmap: job 1 not run: the value 'a?touch pwned?#' holds a newline, which would end the # comment it goes in" ]
	[ ! -e pwned ]
	# The same where the arguments are appended.
	run -1 --separate-stderr tpmap -0 -k 'echo x # note' <in
	[ "$output" = "x" ]
	[ ! -e pwned ]
	run -0 --separate-stderr tpmap -k 'echo a#{} "#{}" $#' ::: b
	[ "$output" = "a#b #b 0" ]
}

# --- arithmetic: only an integer may go there ---

# bash evaluates array subscripts in arithmetic, running any $(...) in
# them whatever the quotes: a[$(touch pwned)] as a value ran it.
@test "in arithmetic an integer goes in as it is; any other value fails its job" {
	local t
	export TPMAP_SHELL=/bin/bash	# let, (( )), [[ ]], arrays
	cd "$TMP"
	printf '%s\0' 3 -2 0x10 'a[$(touch pwned)]' '' '1 + 1' >in
	for t in 'echo $(( {} * 2 ))' 'echo $(( "{}" * 2 ))' '(( x = {} * 2 )); echo $x' \
	    'let x={}*2; echo $x' 'let "x = {} * 2"; echo $x' 'echo $[{} * 2]' \
	    'declare -i x={}*2; echo $x' 'typeset -i x; x={}*2; echo $x' \
	    'f() { local -i x={}; echo $((x * 2)); }; f' \
	    'echo $(( ${y:-{}} * 2 ))' 'for ((i = {}; ; )); do echo $((i * 2)); break; done'
	do
		run -3 --separate-stderr tpmap -0 -k -j1 "$t" <in
		[ "$output" = $'6\n-4\n32' ] || { echo "$t: $output"; return 1; }
		[ "$stderr" = "tpmap: job 4 not run: the value 'a[\$(touch pwned)]' is not an integer, and the command evaluates it as arithmetic
tpmap: job 5 not run: the value '' is not an integer, and the command evaluates it as arithmetic
tpmap: job 6 not run: the value '1 + 1' is not an integer, and the command evaluates it as arithmetic" ]
	done
	[ ! -e pwned ]
}

@test "[[ -eq ]] operands, subscripts and offsets are arithmetic; [[ == ]] and declare -A subscripts are not" {
	export TPMAP_SHELL=/bin/bash	# let, (( )), [[ ]], arrays
	cd "$TMP"
	run -1 --separate-stderr tpmap -k -j1 '[[ {} -eq 1 ]] && echo one; [[ 1 -lt "{}" ]] && echo more; true' ::: 1 2 'a[$(touch pwned)]'
	[ "$output" = $'one\nmore' ]
	[ "$stderr" = "tpmap: job 3 not run: the value 'a[\$(touch pwned)]' is not an integer, and the command evaluates it as arithmetic" ]
	run -1 --separate-stderr tpmap -k -j1 'a=(x y z); s=abcd; echo ${a[{}]} "${a[{}]}" ${s:{}:1} ${s:0:{}} ${a[@]:{}:1}' ::: 1 'a[$(touch pwned)]'
	[ "$output" = "y y b a y" ]
	run -0 --separate-stderr tpmap -k -j1 '[[ {} == a* ]] && echo {}; declare -A m=([k]=v); echo "${m[{}]}"; declare y={}; echo "$y"' ::: ab k 'a[$(touch pwned)]'
	[ "$output" = $'ab\n\nab\nv\nk\na[$(touch pwned)]\n\na[$(touch pwned)]' ]
	[ ! -e pwned ]
}

@test "arithmetic is found after function, time -p, coproc, quoted builtins and in NAME[i]=" {
	local t
	export TPMAP_SHELL=/bin/bash
	cd "$TMP"
	for t in 'function f { let x={}; echo $x; }; f' \
	    '{ time -p [[ {} -eq 3 ]]; } 2>/dev/null && echo 3' \
	    'coproc { let x={}; }; wait; echo 3' '\let x={}; echo $x' \
	    '"let" x={}; echo $x' 'declare -i "n"; n={}; echo $n' \
	    'declare -i n{1,2}; n1={}; echo $n1' 'a=(); a[{}]=3; echo ${a[3]}' \
	    'declare -a a; declare a[{}]=3; echo ${a[3]}'
	do
		run -1 --separate-stderr tpmap -k -j1 "$t" ::: 3 'x[$(touch pwned)]'
		[ "$output" = 3 ] || { echo "$t: $output"; return 1; }
		[ "$stderr" = "tpmap: job 2 not run: the value 'x[\$(touch pwned)]' is not an integer, and the command evaluates it as arithmetic" ]
	done
	[ ! -e pwned ]
}

@test "text bash and dash, or bash and tpmap, could read apart is refused" {
	run -255 --separate-stderr tpmap $'x=$(cat <<EOF\n{}\nEOF)\necho "{}"' ::: 1
	[ "$stderr" = "tpmap: a line of a here-document that starts with its delimiter (bash may end the body there)" ]
	run -255 --separate-stderr tpmap "echo \$'it\\'s' {}" ::: 1
	[ "$stderr" = "tpmap: \\' inside \$'...' (bash and dash read it differently)" ]
	run -255 --separate-stderr tpmap "echo \$'a{}'" ::: 1
	[ "$stderr" = "tpmap: a replacement string inside \$'...' (bash and dash read it differently)" ]
	run -255 --separate-stderr tpmap 'echo $\{}' ::: 1
	[ "$stderr" = "tpmap: a replacement string after \$\\ (bash would read \$'...')" ]
	run -255 --separate-stderr tpmap '[[ {} == @(#*|*~) ]] || echo "{}"' ::: 1
	[ "$stderr" = "tpmap: a # inside [[ ]] or an extglob pattern (a comment or not, by shell)" ]
	# Still fine: $'...' without \', extglob without #, a comment after.
	TPMAP_SHELL=/bin/bash run -0 --separate-stderr tpmap -k "printf '%s|' \$'a\\tb' {}; echo # {}" ::: 1
	[ "$output" = $'a\tb|1|' ]
}

@test "a replacement string after \\ or \$ in arithmetic is refused" {
	run -255 --separate-stderr tpmap 'echo $(( \{} ))' ::: 1
	[ "$stderr" = "tpmap: a replacement string after \\ or \$ in arithmetic" ]
	run -255 --separate-stderr tpmap '[[ ${} -eq 1 ]]' ::: 1
	[ "$stderr" = "tpmap: a replacement string after \\ or \$ in arithmetic" ]
}

@test "--dry-run does not print a job whose value cannot go in, and fails" {
	run -1 --separate-stderr tpmap --dry-run -k 'echo $(( {} ))' ::: 1 x 2
	[ "$output" = $'echo $(( 1 ))\necho $(( 2 ))' ]
	[ "$stderr" = "tpmap: job 2 not run: the value x is not an integer, and the command evaluates it as arithmetic" ]
}

@test "--joblog records a job that was not run as failed, and --halt counts it" {
	cd "$TMP"
	run -1 --separate-stderr tpmap -k -j1 --joblog log 'echo $(( {} ))' ::: 1 x
	[ "$(cut -f1,7,9 log)" = $'Seq\tExitval\tCommand\n1\t0\techo $(( 1 ))\n2\t127\techo $((  ))' ]
	# The status of a job that never started is 127, as for a command
	# not found.
	run -127 --separate-stderr tpmap -k -j1 --halt now,fail=1 'echo $(( {} ))' ::: x 1
	[ "$output" = "" ]
}

# --- here-documents ---

@test "in a here-document's body a value is data, quoted as for a shell reading it" {
	cd "$TMP"
	printf '%s\0' 'a b' '$(touch pwned)' '`touch pwned`' $'x\nEOF\ntouch pwned' EOF $'\ttab' 'c\' >in
	run -0 --separate-stderr tpmap -0 -k 'cat <<EOF
<{}> "{}"
EOF
echo .' <in
	cat >want <<'WANT'
<'a b'> "a b"
.
<'$(touch pwned)'> "\$(touch pwned)"
.
<'`touch pwned`'> "\`touch pwned\`"
.
<'x
EOF
touch pwned'> "x
EOF
touch pwned"
.
<EOF> "EOF"
.
<'	tab'> "	tab"
.
<'c\'> "c\\"
.
WANT
	[ "$output" = "$(cat want)" ]
	[ "$stderr" = "" ]
	[ ! -e pwned ]
}

@test "a shell that reads a here-document's body reads each value back whole" {
	cd "$TMP"
	printf '%s\0' 'a b' '$(touch pwned)' $'x\nEOF\n\ttouch pwned\n' "it's" '"' >in
	run -0 --separate-stderr tpmap -0 -k 'sh <<-EOF
	printf "<%s>" {} "{}" x{}y
	EOF
	echo' <in
	[ "$output" = "<a b><a b><xa by>
<\$(touch pwned)><\$(touch pwned)><x\$(touch pwned)y>
<x
EOF
	touch pwned
><x
EOF
	touch pwned
><xx
EOF
	touch pwned
y>
<it's><it's><xit'sy>
<\"><\"><x\"y>" ]
	[ ! -e pwned ]
}

@test "here-documents where a value cannot be quoted are refused" {
	run -255 --separate-stderr tpmap $'cat <<\'EOF\'\n{}\nEOF' ::: 1
	[ "$stderr" = "tpmap: a replacement string in a here-document whose delimiter is quoted (<<'EOF'), where nothing can quote it: leave the delimiter unquoted" ]
	run -255 --separate-stderr tpmap $'cat <<EOF\n$(echo {})\nEOF' ::: 1
	[ "$stderr" = "tpmap: a replacement string inside quotes or an expansion in a here-document's body" ]
	run -255 --separate-stderr tpmap 'cat <<{}' ::: 1
	[ "$stderr" = "tpmap: a replacement string in a here-document's delimiter" ]
	# A here-string is a word like any other, << in arithmetic a shift.
	TPMAP_SHELL=/bin/bash run -0 --separate-stderr tpmap 'cat <<< {}; echo $((1<<2))' ::: 'a b'
	[ "$output" = $'a b\n4' ]
}
