#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# make install and make uninstall: every file lands where a distribution
# puts it below DESTDIR and PREFIX, libtp.so carries its versioned soname,
# a C program builds against the installed library through pkg-config and
# runs, and uninstall removes everything install wrote.  The tests install
# what the build made and never build themselves, so that nothing is
# written outside $TMP.

load test_helper

setup() {
	# make check has built everything; a stale tree would make install
	# compile into the source directory.
	make -s -q -C "$TPMAP_ROOT" libtp.a libtp.so tpmap || {
		echo "build first: make" >&2
		return 1
	}
	# libtp's version, from tp.h: the Makefile's LIBTP_VERSION must
	# agree, since it names the installed shared object.  tpmap has its
	# own, the Makefile's VERSION.
	VERSION=$(sed -n 's/^#define TP_VERSION_\(MAJOR\|MINOR\|PATCH\) //p' \
	    "$TPMAP_ROOT/src/tp/tp.h" | paste -sd .)
	MAJOR=${VERSION%%.*}
	TPMAP_VERSION=$(sed -n 's/^VERSION = \([0-9.]*\)$/\1/p' "$TPMAP_ROOT/Makefile")
	cat >"$TMP/hello.c" <<-'EOF'
		#include <stdint.h>
		#include <stdio.h>

		#include <tp.h>

		static int
		square(struct tp_future *self, void *arg, void **result)
		{
			uintptr_t n = (uintptr_t)arg;

			(void)self;
			*result = (void *)(n * n);
			return 0;
		}

		int
		main(void)
		{
			struct tp_executor *ex;
			struct tp_future *f;
			void *result;
			int e, status;

			if ((e = tp_executor_create(&ex, 2, NULL)) != 0 ||
			    (e = tp_submit(ex, square, (void *)7, &f)) != 0) {
				fprintf(stderr, "hello: error %d\n", e);
				return 1;
			}
			e = tp_future_result(f, TP_FOREVER, &result, &status);
			printf("libtp %d.%d.%d: 7 squared is %lu (error %d, "
			    "status %d)\n", TP_VERSION_MAJOR, TP_VERSION_MINOR,
			    TP_VERSION_PATCH, (unsigned long)(uintptr_t)result,
			    e, status);
			tp_future_release(f);
			tp_executor_free(ex);
			return 0;
		}
	EOF
}

# The files install writes, below PREFIX, sorted.
expected_files() {
	sort <<-EOF
		/bin/tpmap
		/include/tp.h
		/lib/libtp.a
		/lib/libtp.so
		/lib/libtp.so.$MAJOR
		/lib/libtp.so.$VERSION
		/lib/pkgconfig/libtp.pc
		/share/man/man1/tpmap.1
		/share/man/man3/libtp.3
		/share/bash-completion/completions/tpmap
		/share/zsh/site-functions/_tpmap
		/share/fish/vendor_completions.d/tpmap.fish
	EOF
}

# Files and symbolic links below $1, with $1 cut off, sorted.
files_below() {
	find "$1" \( -type f -o -type l \) | sed "s|^$1||" | sort
}

# Build $TMP/hello.c with the flags pkg-config gives for libtp; CFLAGS
# and LDFLAGS are make check's (the sanitizer builds need them).
build_hello() {
	local flags

	flags=$(pkg-config --cflags --libs libtp) || return 1
	# shellcheck disable=SC2086 # the flags are words
	${CC:-cc} ${CFLAGS:-} -o "$TMP/hello" "$TMP/hello.c" $flags ${LDFLAGS:-}
}

@test "make install puts every file below DESTDIR and PREFIX, nothing else" {
	run -0 make -C "$TPMAP_ROOT" install PREFIX=/usr DESTDIR="$TMP/root"
	diff <(expected_files | sed 's|^|/usr|') <(files_below "$TMP/root")
}

@test "the installed files are the ones in the tree" {
	local r="$TMP/root/usr"

	run -0 make -C "$TPMAP_ROOT" install PREFIX=/usr DESTDIR="$TMP/root"
	cmp "$TPMAP_ROOT/tpmap" "$r/bin/tpmap"
	cmp "$TPMAP_ROOT/libtp.a" "$r/lib/libtp.a"
	cmp "$TPMAP_ROOT/libtp.so" "$r/lib/libtp.so.$VERSION"
	cmp "$TPMAP_ROOT/src/tp/tp.h" "$r/include/tp.h"
	cmp "$TPMAP_ROOT/man/tpmap.1" "$r/share/man/man1/tpmap.1"
	cmp "$TPMAP_ROOT/man/libtp.3" "$r/share/man/man3/libtp.3"
	cmp "$TPMAP_ROOT/completions/tpmap.bash" \
	    "$r/share/bash-completion/completions/tpmap"
	cmp "$TPMAP_ROOT/completions/_tpmap" "$r/share/zsh/site-functions/_tpmap"
	cmp "$TPMAP_ROOT/completions/tpmap.fish" \
	    "$r/share/fish/vendor_completions.d/tpmap.fish"
	[ -x "$r/bin/tpmap" ]
	run -0 "$r/bin/tpmap" --version
	[ "${lines[0]}" = "tpmap $TPMAP_VERSION (libtp $VERSION)" ]
}

@test "libtp.so has the soname libtp.so.MAJOR and the links a linker needs" {
	local lib="$TMP/root/usr/lib"

	run -0 make -C "$TPMAP_ROOT" install PREFIX=/usr DESTDIR="$TMP/root"
	run -0 readelf -d "$lib/libtp.so.$VERSION"
	[[ "$output" == *"Library soname: [libtp.so.$MAJOR]"* ]]
	[ "$(readlink "$lib/libtp.so.$MAJOR")" = "libtp.so.$VERSION" ]
	[ "$(readlink "$lib/libtp.so")" = "libtp.so.$MAJOR" ]
}

@test "libtp.pc names the install directories" {
	run -0 make -C "$TPMAP_ROOT" install PREFIX=/usr DESTDIR="$TMP/root"
	export PKG_CONFIG_LIBDIR="$TMP/root/usr/lib/pkgconfig"
	run -0 pkg-config --modversion libtp
	[ "$output" = "$VERSION" ]
	run -0 pkg-config --variable=libdir libtp
	[ "$output" = "/usr/lib" ]
	run -0 pkg-config --variable=includedir libtp
	[ "$output" = "/usr/include" ]
	# Word by word: pkg-config implementations differ in blanks.
	run -0 pkg-config --libs libtp
	[ "$(echo $output)" = "-ltp" ]
	run -0 pkg-config --static --libs libtp
	[ "$(echo $output)" = "-ltp -pthread" ]
}

@test "a program built with pkg-config against the DESTDIR install runs" {
	run -0 make -C "$TPMAP_ROOT" install PREFIX=/usr DESTDIR="$TMP/root"
	export PKG_CONFIG_LIBDIR="$TMP/root/usr/lib/pkgconfig"
	export PKG_CONFIG_SYSROOT_DIR="$TMP/root"
	run -0 pkg-config --cflags --libs libtp
	[ "$(echo $output)" = "-I$TMP/root/usr/include -L$TMP/root/usr/lib -ltp" ]
	build_hello
	# Linked against the shared library, found in the install tree.
	run -0 readelf -d "$TMP/hello"
	[[ "$output" == *"Shared library: [libtp.so.$MAJOR]"* ]]
	LD_LIBRARY_PATH="$TMP/root/usr/lib" run -0 --separate-stderr "$TMP/hello"
	[ "$output" = "libtp $VERSION: 7 squared is 49 (error 0, status 0)" ]
	[ "$stderr" = "" ]
}

@test "a program built against an install with a fresh PREFIX runs" {
	local p="$TMP/prefix"

	run -0 make -C "$TPMAP_ROOT" install PREFIX="$p" LDCONFIG=:
	diff <(expected_files | sed "s|^|$p|") <(files_below "$p" | sed "s|^|$p|")
	# No sysroot: the paths in libtp.pc are used as they are.
	export PKG_CONFIG_LIBDIR="$p/lib/pkgconfig"
	build_hello
	LD_LIBRARY_PATH="$p/lib" run -0 --separate-stderr "$TMP/hello"
	[ "$output" = "libtp $VERSION: 7 squared is 49 (error 0, status 0)" ]
	[ "$stderr" = "" ]
}

# LDCONFIG stands in for ldconfig, so that the test never touches the
# system's linker cache.
@test "make install runs ldconfig as root without DESTDIR, never with DESTDIR" {
	local log="$TMP/ldconfig.log"

	run -0 make -C "$TPMAP_ROOT" install PREFIX=/usr DESTDIR="$TMP/root" \
	    LDCONFIG="echo ran >>$log"
	[ ! -e "$log" ]
	[[ "$output" != *ldconfig* ]]
	run -0 make -C "$TPMAP_ROOT" install PREFIX="$TMP/prefix" \
	    LDCONFIG="echo ran >>$log"
	if [ "$(id -u)" = 0 ]; then
		[ "$(cat "$log")" = ran ]
	else
		[ ! -e "$log" ]
		[[ "$output" == *"run ldconfig"*"libtp.so.$MAJOR"* ]]
	fi
}

@test "make uninstall with the same DESTDIR and PREFIX leaves no file behind" {
	run -0 make -C "$TPMAP_ROOT" install PREFIX=/usr DESTDIR="$TMP/root"
	run -0 make -C "$TPMAP_ROOT" uninstall PREFIX=/usr DESTDIR="$TMP/root"
	run -0 find "$TMP/root" -type f -o -type l
	[ "$output" = "" ]
}

@test "make uninstall with the same PREFIX leaves no file behind" {
	run -0 make -C "$TPMAP_ROOT" install PREFIX="$TMP/prefix" LDCONFIG=:
	run -0 make -C "$TPMAP_ROOT" uninstall PREFIX="$TMP/prefix"
	run -0 find "$TMP/prefix" -type f -o -type l
	[ "$output" = "" ]
}
