#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The build produced a working tpmap that answers --help and --version.

load test_helper

@test "tpmap --version prints the version and exits 0" {
	run -0 --separate-stderr tpmap --version
	[ "${lines[0]}" = "tpmap 0.1.0 (libtp 1.0.0)" ]
	[ "$stderr" = "" ]
}

@test "tpmap --help writes usage to stdout and exits 0" {
	run -0 --separate-stderr tpmap --help
	[[ "${lines[0]}" == "usage: tpmap "* ]]
	[ "$stderr" = "" ]
}

@test "an unknown option is an error with exit status 255" {
	run -255 --separate-stderr tpmap --no-such-option
	[ "$output" = "" ]
	[[ "$stderr" == *"unrecognized option '--no-such-option'"* ]]
}

@test "showargs prints each argument between angle brackets" {
	run -0 "$SHOWARGS" "a b" "" 'c'
	[ "$output" = $'<a b>\n<>\n<c>' ]
}
