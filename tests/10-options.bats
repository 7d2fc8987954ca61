#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Options: --help, the man page and the three completion files name the
# same set of options (no drift), and bash completion works for real.

load test_helper

# Each extractor prints one option per line, sorted and unique.
help_opts() {
	tpmap --help | grep -E '^ +-' | sed -E 's/^ +//; s/  .*//' |
		grep -oE -- '--?[A-Za-z0-9][-A-Za-z0-9]*' | sort -u
}

man_opts() {
	grep -E '^\.It Fl ' "$TPMAP_ROOT/man/tpmap.1" |
		grep -oE 'Fl (\\-)?[A-Za-z0-9][-A-Za-z0-9]*' |
		sed -E 's/^Fl \\-/--/; s/^Fl /-/' | sort -u
}

bash_opts() {
	# The word list of the option compgen, between its quotes.
	tr '\n' ' ' <"$TPMAP_ROOT/completions/tpmap.bash" |
		sed -E "s/.*compgen -W '(-0[^']*)'.*/\1/" |
		tr -s ' \t' '\n' | grep -E '^-' | sort -u
}

zsh_opts() {
	grep -E "^[[:space:]]+'" "$TPMAP_ROOT/completions/_tpmap" |
		sed -E "s/\[.*//" |
		grep -oE -- "(^|[{,'	])--?[A-Za-z0-9][-A-Za-z0-9]*" |
		grep -oE -- '--?[A-Za-z0-9][-A-Za-z0-9]*' | sort -u
}

fish_opts() {
	grep -oE -- '-[sl] [A-Za-z0-9][-A-Za-z0-9]*' \
		"$TPMAP_ROOT/completions/tpmap.fish" |
		sed -E 's/^-s /-/; s/^-l /--/' | sort -u
}

@test "--help lists a known set of options" {
	run -0 help_opts
	[[ "$output" == *"--keep-order"* ]]
	[[ "$output" == *"-0"* ]]
	[ "${#lines[@]}" -ge 40 ]
}

@test "the man page lists exactly the options of --help" {
	diff <(help_opts) <(man_opts)
}

# Only what the pages say counts: a machine whose man database lacks a
# page they refer to adds lines about itself.
@test "both man pages are mandoc -T lint clean" {
	run -0 bash -c 'mandoc -T lint "$@" 2>&1 |
		awk "!/referenced manual not found|mandoc\.db/"' _ \
		"$TPMAP_ROOT/man/tpmap.1" "$TPMAP_ROOT/man/libtp.3"
	[ "$output" = "" ]
}

# groff, which man(1) uses on most systems, at the 80 columns of a
# terminal (a line length of 78n, as man-db sets it).
@test "both man pages render without groff warnings" {
	command -v groff >/dev/null || skip "groff is not installed"
	run -0 --separate-stderr groff -mandoc -Tutf8 -ww -rLL=78n -z \
		"$TPMAP_ROOT/man/tpmap.1" "$TPMAP_ROOT/man/libtp.3"
	[ "$stderr" = "" ]
}

@test "bash completion lists exactly the options of --help" {
	diff <(help_opts) <(bash_opts)
}

@test "zsh completion lists exactly the options of --help" {
	diff <(help_opts) <(zsh_opts)
}

@test "fish completion lists exactly the options of --help" {
	diff <(help_opts) <(fish_opts)
}

@test "bash completion completes --keep from --ke" {
	run -0 bash -c '
		source /usr/share/bash-completion/bash_completion
		source "$1"
		COMP_WORDS=(tpmap --ke); COMP_CWORD=1
		COMP_LINE="tpmap --ke"; COMP_POINT=${#COMP_LINE}
		_tpmap tpmap --ke tpmap
		printf "%s\n" "${COMPREPLY[@]}"' _ "$TPMAP_ROOT/completions/tpmap.bash"
	[ "$output" = "--keep-order" ]
}

@test "bash completion offers files after -a" {
	mkdir "$TMP/d" && : >"$TMP/d/args.txt"
	cd "$TMP/d"
	run -0 bash -c '
		source /usr/share/bash-completion/bash_completion
		source "$1"
		COMP_WORDS=(tpmap -a ar); COMP_CWORD=2
		COMP_LINE="tpmap -a ar"; COMP_POINT=${#COMP_LINE}
		_tpmap tpmap ar -a
		printf "%s\n" "${COMPREPLY[@]}"' _ "$TPMAP_ROOT/completions/tpmap.bash"
	[ "$output" = "args.txt" ]
}

@test "a bad -j value names the option and the value, exit 255" {
	run -255 --separate-stderr tpmap -j x echo ::: a
	[ "$stderr" = "tpmap: -j 'x': not a number" ]
	[ "$output" = "" ]
}

# Found by tests/fuzz/fuzz-options: N% read its copy of N after freeing it.
@test "-j N% is that share of the CPUs, at least one job" {
	run -0 --separate-stderr tpmap --dry-run -k -j 0% echo {%} ::: a b c
	[ "$output" = $'echo 1\necho 1\necho 1' ]
}

@test "-j % alone is not a number" {
	run -255 --separate-stderr tpmap -j % echo ::: a
	[ "$stderr" = "tpmap: -j '%': not a number" ]
}

@test "a bad -n value names the option and the value, exit 255" {
	run -255 --separate-stderr tpmap -n -3 echo ::: a
	[ "$stderr" = "tpmap: -n '-3': too small" ]
}

@test "--trim rejects an unknown side" {
	run -255 --separate-stderr tpmap --trim x echo ::: a
	[ "$stderr" = "tpmap: --trim 'x': not n, l, r, lr or rl" ]
}

# The second line of --version describes the build; what the binary and
# the tree show must agree with it.
@test "--version names the commit, libbsd, the linking and the sanitizers" {
	local build commit

	run -0 --separate-stderr tpmap --version
	[ "${#lines[@]}" -eq 2 ]
	build=${lines[1]}
	echo "$build"
	[[ "$build" =~ ^build:\ (commit\ [-0-9A-Za-z._+]+,\ )?(no\ )?libbsd,\ (static-pie|dynamic),\ (no\ sanitizer|sanitizer\ [a-z]+(\+[a-z]+)*)$ ]]
	# The commit, when built from a git checkout (the build may be older
	# than the last edit: -dirty is not compared).
	if [ -e "$TPMAP_ROOT/.git" ] &&
	    commit=$(git -C "$TPMAP_ROOT" describe --always 2>/dev/null); then
		echo "git describe: $commit"
		[[ "$build" == "build: commit $commit, "* ||
		    "$build" == "build: commit $commit-dirty, "* ]]
	else
		[[ "$build" != *commit* ]]
	fi
	# A static-pie binary has no program interpreter.
	if readelf -l "$TPMAP_ROOT/tpmap" | grep -q INTERP; then
		[[ "$build" == *", dynamic, "* ]]
	else
		[[ "$build" == *", static-pie, "* ]]
	fi
	# Instrumented code calls into the sanitizer runtimes.
	if nm "$TPMAP_ROOT/tpmap" 2>/dev/null | grep -q ' __[a-z]*san_'; then
		[[ "$build" == *", sanitizer "* ]]
	fi
}
