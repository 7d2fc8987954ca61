#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The injection battery: every template of tests/injection/templates.txt
# with every hostile value below, plain and with -N1, -X, -m and -q,
# run by bash and by dash.  A value that runs makes a file named M: none
# may appear.  Where the table says what a template prints, each job must
# print exactly that.  To stay fast the command lines come from
# --dry-run and one shell per run evaluates them all, each in a
# subshell of its own, as tpmap's own shell would (a @test checks that
# the real runs agree); values go in NUL-separated, so that they may hold
# newlines.

bats_require_minimum_version 1.5.0
load test_helper

TEMPLATES="$TPMAP_ROOT/tests/injection/templates.txt"

# The hostile values, one array element each.
values() {
	local long
	long=$(printf '%04000d' 0)
	V=(
		'$(touch M)' '`touch M`' ';touch M' '|touch M' '&touch M'
		'&&touch M' '||touch M' $'\ntouch M\n' $'a\ntouch M\n#'
		$'\ntouch M' "'\$(touch M)'" '"$(touch M)"' "';touch M;'"
		"';touch M;#" '";touch M;"' "\";touch M;#" "\\';touch M;'"
		'\' '\\' '\$(touch M)' 'a[$(touch M)]' '$((1))'
		'${x:-$(touch M)}' '${x:=`touch M`}' '$HOME' '~' '~root' '*'
		'?' '[a]' '{}' '{1}' '{#}' "it's" 'a b' '  ' '' $'\t'
		$'a\tb' $'\x01\x02\x1b\x7f' $'\xff\xfe\x80' $'\xc3\xa9'
		'#' '#;touch M' '!' '-n' '-e' '--' 'x=$(touch M)' ')' '('
		'}' '{' "'" '"' '`' '$' '$(' '>M' '<M' 'touch M'
		"x${long}\$(touch M)"
	)
}

# gnu_quote S: S as GNU parallel quotes it, in $Q.
gnu_quote() {
	case $1 in
	'') Q="''"; return ;;
	*[!A-Za-z0-9_./+-]*) ;;
	*) Q=$1; return ;;
	esac
	Q="'${1//\'/\'\"\'\"\'}'"
	Q=${Q#\'\'}
	Q=${Q%\'\'}
}

# battery NAME FLAGS...: make $TMP/NAME.d/T, a script that runs every job
# of the table's template T with the values under FLAGS, each job's
# stdout going to $O/T.J (job J), and $TMP/NAME.checks, the check of each
# template.  Sets REFUSED to the templates tpmap refused.
battery() {
	local name=$1 t=0 check tmpl rc
	shift
	values
	printf '%s\0' "${V[@]}" >"$TMP/values"
	: >"$TMP/$name.checks"
	rm -rf "$TMP/$name.d"
	mkdir "$TMP/$name.d"
	REFUSED=
	while IFS=$'\t' read -r check tmpl; do
		case $check in '#'*|'') continue ;; esac
		tmpl=${tmpl//@NL@/$'\n'}
		t=$((t + 1))
		printf '%s\t%s\n' "$t" "$check" >>"$TMP/$name.checks"
		: >"$TMP/$name.d/$t"
		# 255: the template is refused; other failures are jobs not
		# run, their values refused where only integers may go.
		rc=0
		tpmap -0 -k --dry-run --tagstring '@@J{#}@@' "$@" "$tmpl" \
		    <"$TMP/values" >"$TMP/dry" 2>"$TMP/dry.err" || rc=$?
		if [ "$rc" -eq 255 ]; then
			REFUSED="$REFUSED $t"
			continue
		fi
		[ "$rc" -eq 0 ] || ! grep -qv 'not run: the value' "$TMP/dry.err"
		# Each job's line follows its tag; a line may span lines.
		awk -v t="$t" 'BEGIN { RS = "@@J"; q = sprintf("%c", 39) }
		NR > 1 {
			i = index($0, "@@\t")
			cmd = substr($0, i + 3)
			sub(/\n$/, "", cmd)
			gsub(q, q "\\\\" q q, cmd)
			printf "( eval %s%s%s ) >\"$O/%s.%s\" 2>/dev/null </dev/null\n", q, cmd, q, t, substr($0, 1, i - 1)
		}
		# What the jobs exit with is not under test.
		END { print "exit 0" }' "$TMP/dry" >"$TMP/$name.d/$t"
	done <"$TEMPLATES"
}

# run_battery NAME SHELL: run the templates' parts, $TMP/NAME.d/*, with
# SHELL in an empty directory, two at a time (each job is a few forks:
# two cores halve the time), outputs in $TMP/out.NAME.SHELL; no M may
# appear.
run_battery() {
	local w=$TMP/w.$1.${2##*/}
	O=$TMP/out.$1.${2##*/}
	mkdir -p "$w" "$O"
	printf '%s\0' "$TMP/$1.d"/* | (cd "$w" && O=$O xargs -0 -P2 -n1 "$2")
	run find "$w" "$O" -name M
	[ "$output" = "" ]
}

# check_outputs NAME SHELL: every job printed what the table says.
check_outputs() {
	"$TPMAP_ROOT/tests/injection/check-outputs" "$TMP/values" \
		"$TMP/$1.checks" "$TMP/out.$1.${2##*/}"
}

# The plain and -N1 command lines are made once for the whole file.
setup_file() {
	TMP=$BATS_FILE_TMPDIR battery plain
	echo "$REFUSED" >"$BATS_FILE_TMPDIR/refused"
}

@test "the battery holds at least 70 templates and 55 values" {
	values
	[ "${#V[@]}" -ge 55 ]
	[ "$(grep -c $'^[-=q]' "$TEMPLATES")" -ge 70 ]
	[ "$(cat "$BATS_FILE_TMPDIR/refused")" = "" ]
}

@test "no value runs, and each prints itself, under bash" {
	cp -R "$BATS_FILE_TMPDIR"/plain.* "$BATS_FILE_TMPDIR/values" "$TMP"
	run_battery plain /bin/bash
	check_outputs plain /bin/bash
}

@test "no value runs, and each prints itself, under dash" {
	cp -R "$BATS_FILE_TMPDIR"/plain.* "$BATS_FILE_TMPDIR/values" "$TMP"
	run_battery plain /bin/dash
	check_outputs plain /bin/dash
}

# -N1 repeats a word per argument as -X does, so it refuses what -X
# refuses; where it does not, the lines are those the battery ran.
@test "-N1 refuses a template or writes the same command lines as without it" {
	local t
	battery n1 -N1
	for t in $(cut -f1 "$TMP/n1.checks"); do
		case " $REFUSED " in *" $t "*) continue ;; esac
		cmp "$BATS_FILE_TMPDIR/plain.d/$t" "$TMP/n1.d/$t"
	done
	[ "$(echo $REFUSED | wc -w)" -lt 40 ]
}

@test "-X: no value runs, under bash and dash" {
	battery x -X
	run_battery x /bin/bash
	run_battery x /bin/dash
}

@test "-m: no value runs, under bash and dash" {
	battery m -m
	run_battery m /bin/bash
	run_battery m /bin/dash
}

# -q passes the command's words as they are: a template given as one
# word is data (its jobs run nothing), and as an argument of printf it is
# one word, quoted whole.
@test "-q: no value runs, and a word with a value is quoted whole" {
	local t=0 check tmpl v bad=0 rc
	values
	printf '%s\0' "${V[@]}" >"$TMP/values"
	cd "$TMP"
	while IFS=$'\t' read -r check tmpl; do
		case $check in '#'*|'') continue ;; esac
		tmpl=${tmpl//@NL@/$'\n'}
		t=$((t + 1))
		# Jobs fail (the template is no command): any count of
		# failures or a refusal, but tpmap itself does not crash.
		rc=0
		TPMAP_SHELL=/bin/dash tpmap -0 -q -m "$tmpl" <values >/dev/null 2>&1 || rc=$?
		[ "$rc" -le 101 ] || [ "$rc" -eq 255 ]
		case $tmpl in *'{.}'*|*'{/'*) continue ;; esac
		tpmap -0 -k -q --dry-run printf '<%s>' "$tmpl" <values >q.$t
		for v in "${V[@]}"; do
			gnu_quote "${tmpl//\{\}/"$v"}"
			printf "printf '<%%s>' %s\n" "$Q"
		done >q.$t.want
		cmp -s q.$t q.$t.want || { echo "template $t differs"; bad=$((bad + 1)); }
	done <"$TEMPLATES"
	[ "$bad" -eq 0 ]
	[ ! -e M ]
}

# The battery evaluates --dry-run lines; tpmap's own runs must agree.
@test "the jobs tpmap runs print what the battery's evaluation printed" {
	local sh
	values
	printf '%s\0' "${V[@]}" >"$TMP/values"
	cd "$TMP"
	for sh in /bin/bash /bin/dash; do
		TPMAP_SHELL=$sh run -0 tpmap -0 -k 'sh -c "printf %s {}"; printf "\n"' <values
		[ "$output" = "$(printf '%s\n' "${V[@]}")" ]
	done
	[ ! -e M ]
}
