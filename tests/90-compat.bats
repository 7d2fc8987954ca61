#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Differential compatibility with GNU parallel: every case of
# tests/compat/cases.txt runs under GNU parallel and under tpmap, and
# stdout, stderr and exit status must be the same bytes.  One @test per
# "## section" of the table; tests/compat/run prints a diff per failing
# case.  GNU parallel is required (Debian package "parallel"): without it
# these tests fail rather than skip, so CI cannot pass without comparing.
# COMPAT_JOBS sets how many cases run at once (default 2).

load test_helper

CASES="$TPMAP_ROOT/tests/compat/cases.txt"
RUN="$TPMAP_ROOT/tests/compat/run"

# compat SECTION: run one section of the table against ./tpmap.
compat() {
	if ! command -v parallel >/dev/null ||
	    ! parallel --will-cite --version 2>/dev/null | grep -q '^GNU parallel'; then
		echo "GNU parallel is not installed (apt-get install parallel)"
		return 1
	fi
	run "$RUN" -j "${COMPAT_JOBS:-2}" --section "$1" "$CASES"
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
}

# The sections tested below, in table order.
SECTIONS='stdin arg-file sources link delimiters max-args colsep header csv
replacement commands quote jobs env order tag dry-run verbose results files
exit hostile'

@test "GNU parallel is installed, so the comparison really runs" {
	run -0 parallel --will-cite --version
	[[ ${lines[0]} == "GNU parallel "* ]]
}

@test "every section of the table has its own test here" {
	run -0 "$RUN" --list "$CASES"
	local listed
	listed=$(printf '%s\n' "$output" | cut -f2)
	[ "$listed" = "$(printf '%s\n' $SECTIONS)" ]
}

@test "the table holds at least 150 cases" {
	run -0 "$RUN" --list "$CASES"
	local total
	total=$(printf '%s\n' "$output" | awk -F'\t' '{ n += $1 } END { print n }')
	[ "$total" -ge 150 ]
}

@test "stdin lines are arguments as in GNU parallel" { compat stdin; }
@test "-a files are sources as in GNU parallel" { compat arg-file; }
@test "::: and :::: sources cross as in GNU parallel" { compat sources; }
@test "--link, :::+ and ::::+ link as in GNU parallel" { compat link; }
@test "-0, -d, -E, -r and --trim split input as in GNU parallel" { compat delimiters; }
@test "-n, -N, -L, -X, -m and -s group arguments as in GNU parallel" { compat max-args; }
@test "--colsep splits columns as in GNU parallel" { compat colsep; }
@test "--header names columns as in GNU parallel" { compat header; }
@test "--csv reads RFC 4180 fields as in GNU parallel" { compat csv; }
@test "replacement strings expand as in GNU parallel" { compat replacement; }
@test "input lines without a command run as in GNU parallel" { compat commands; }
@test "-q quotes the command as in GNU parallel" { compat quote; }
@test "-j forms run the same jobs as in GNU parallel" { compat jobs; }
@test "jobs see PARALLEL_SEQ and PARALLEL_JOBSLOT as in GNU parallel" { compat env; }
@test "-k, --group, --line-buffer and -u order output as in GNU parallel" { compat order; }
@test "--tag and --tagstring prefix lines as in GNU parallel" { compat tag; }
@test "--dry-run prints commands as in GNU parallel" { compat dry-run; }
@test "-t, --verbose and -v print commands as in GNU parallel" { compat verbose; }
@test "--results writes the tree GNU parallel writes" { compat results; }
@test "--files prints file names as in GNU parallel" { compat files; }
@test "the exit status counts failures as in GNU parallel" { compat exit; }
@test "hostile data stays data as in GNU parallel" { compat hostile; }
