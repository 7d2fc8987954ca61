#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The build notices its settings: in a copy of the tree, built in $TMP, a
# change of CFLAGS compiles every object again, a change of STATIC links
# tpmap again, a new commit compiles only the object --version prints it
# in, and the same settings twice build nothing; make -q agrees each time.
# Only tpmap is built, at -O0, two jobs at a time, once for the file: each
# test starts from a copy of that build.

load test_helper

# The settings are the tests' own.
unset CFLAGS LDFLAGS STATIC

setup_file() {
	# The sanitizer passes check memory, not the build.
	[ -z "${TPMAP_SANITIZER:-}" ] || return 0
	local t="$BATS_FILE_TMPDIR/tree"

	mkdir "$t"
	cp -r "$TPMAP_ROOT/Makefile" "$TPMAP_ROOT/.gitignore" "$TPMAP_ROOT/src" \
	    "$t"
	# Whatever the tree had built is not the copy's.
	make -s -C "$t" clean
	T=$t build >/dev/null
}

setup() {
	[ -z "${TPMAP_SANITIZER:-}" ] || skip "a sanitizer build"
	T="$TMP/tree"
	# -a: the times of the files are the build's.
	cp -a "$BATS_FILE_TMPDIR/tree" "$T"
}

# build [VAR=VALUE...]: builds tpmap in the copy, printing the commands.
build() {
	make -j2 -C "$T" --no-print-directory CFLAGS=-O0 "$@" tpmap
}

# current [VAR=VALUE...]: make -q says tpmap is up to date.
current() {
	make -q -C "$T" CFLAGS=-O0 "$@" tpmap
}

# compiled: the objects the last build command compiled, sorted.
compiled() {
	grep -oE -- ' -c -o [^ ]+' <<<"$output" | cut -d' ' -f4 | sort
}

dynamic() {
	readelf -l "$T/tpmap" | grep -q INTERP
}

@test "make STATIC=no after make links a dynamic tpmap, and make a static one again" {
	if dynamic; then
		skip "the toolchain links no static-pie"
	fi
	current
	run -1 current STATIC=no
	run -0 build STATIC=no
	dynamic
	[ "$(compiled)" = "src/tpmap/options.o" ]
	run -0 "$T/tpmap" --version
	[[ "${lines[1]}" == *", dynamic, "* ]]
	current STATIC=no
	run -1 current
	run -0 build
	run ! dynamic
	current
	run -0 make -C "$T" clean
	run -0 ls "$T"
	[[ "$output" != *.stamp* ]]
}

@test "a change of CFLAGS compiles every object again, the same CFLAGS none" {
	current
	run -0 build
	[ "$output" = "make: 'tpmap' is up to date." ]
	run -1 current "CFLAGS=-O0 -g0"
	run -0 build "CFLAGS=-O0 -g0"
	diff <(compiled) <(cd "$T" && find src -name '*.o' | sort)
	current "CFLAGS=-O0 -g0"
	run -0 build "CFLAGS=-O0 -g0"
	[ "$output" = "make: 'tpmap' is up to date." ]
}

@test "a new commit compiles options.o alone, and --version names it" {
	command -v git >/dev/null || skip "no git"
	run -0 "$T/tpmap" --version
	[[ "${lines[1]}" != *commit* ]]
	git -C "$T" init -q
	git -C "$T" add .
	git -C "$T" -c user.name=tpmap -c user.email=tpmap@example.org \
	    -c commit.gpgsign=false commit -q --no-verify -m tree
	run -1 current
	run -0 build
	[ "$(compiled)" = "src/tpmap/options.o" ]
	current
	run -0 "$T/tpmap" --version
	[[ "${lines[1]}" == "build: commit $(git -C "$T" describe --always), "* ]]
}
