#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Compatibility with GNU parallel: every case of tests/compat/cases.txt
# runs under tpmap, and stdout, stderr and exit status must be the bytes
# GNU parallel printed, as recorded in tests/compat/golden/ (GNU parallel
# is not run here; `make check-gnu` checks the golden files and tpmap
# against a live one).  One @test per "## section" of the table;
# tests/compat/run prints a diff per failing case.  COMPAT_JOBS sets how
# many cases run at once (default 2).

load test_helper

CASES="$TPMAP_ROOT/tests/compat/cases.txt"
GOLDEN="$TPMAP_ROOT/tests/compat/golden"
RUN="$TPMAP_ROOT/tests/compat/run"

# compat SECTION: run one section of the table against ./tpmap.
compat() {
	run "$RUN" -j "${COMPAT_JOBS:-2}" --golden --section "$1" "$CASES"
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
}

# case_count: the number of cases in the table.
case_count() {
	"$RUN" --list "$CASES" | awk -F'\t' '{ n += $1 } END { print n }'
}

# A copy of the table and the golden files in $TMP, for the tests that
# break one of them on purpose.
copy_table() {
	cp "$CASES" "$TMP/cases.txt"
	cp -R "$GOLDEN" "$TMP/golden"
}

# The sections tested below, in table order.
SECTIONS='stdin arg-file sources link delimiters max-args colsep header csv
replacement commands quote jobs env order tag dry-run verbose results files
exit hostile pipe pipepart stream'

@test "every section of the table has its own test here" {
	run -0 "$RUN" --list "$CASES"
	local listed
	listed=$(printf '%s\n' "$output" | cut -f2)
	[ "$listed" = "$(printf '%s\n' $SECTIONS)" ]
}

@test "the table holds at least 150 cases" {
	[ "$(case_count)" -ge 150 ]
}

@test "README.md gives the number of cases in the table" {
	run -0 grep -o 'tests/compat/` holds [0-9]* command lines' "$TPMAP_ROOT/README.md"
	[ "$output" = "tests/compat/\` holds $(case_count) command lines" ]
}

@test "every case has a golden entry and every golden entry a case" {
	run "$RUN" --check-golden "$CASES"
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "# $(case_count) cases, $(case_count) golden entries, all matched" ]
}

@test "an edited case has no golden entry, and its old entry is stale" {
	copy_table
	sed -i 's/^seq 5 | PAR -k echo$/seq 6 | PAR -k echo/' "$TMP/cases.txt"
	run -1 "$RUN" --check-golden --golden-dir "$TMP/golden" "$TMP/cases.txt"
	printf '%s\n' "$output"
	[ "${lines[0]}" = "stale: [stdin] seq 5 | PAR -k echo" ]
	[ "${lines[1]}" = "missing: [stdin] seq 6 | PAR -k echo" ]
	[ "${#lines[@]}" -eq 3 ]
	# --golden fails the edited case, naming it.
	run -1 "$RUN" --golden --golden-dir "$TMP/golden" --grep '^seq 6 ' "$TMP/cases.txt"
	printf '%s\n' "$output"
	[ "${lines[0]}" = "not ok 1 - seq 6 | PAR -k echo" ]
	[[ ${lines[1]} == "#   [stdin] no golden entry for this case in $TMP/golden/stdin.txt"* ]]
}

@test "a removed section leaves a stale golden file" {
	copy_table
	printf '# GNU parallel\n\ncase: PAR echo ::: a\n1|a\nstatus: 0\n' > "$TMP/golden/gone.txt"
	run -1 "$RUN" --check-golden --golden-dir "$TMP/golden" "$TMP/cases.txt"
	printf '%s\n' "$output"
	[ "${lines[0]}" = "stale: golden file $TMP/golden/gone.txt: no section '## gone' in the table" ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "--golden fails a case whose output differs from its golden entry" {
	copy_table
	# seq 5's last line, 5, recorded as 6.
	sed -i '/^case: seq 5 | PAR -k echo$/,/^status:/s/^1|5$/1|6/' "$TMP/golden/stdin.txt"
	run -1 "$RUN" --golden --golden-dir "$TMP/golden" --grep '^seq 5 \| PAR -k echo$' "$TMP/cases.txt"
	printf '%s\n' "$output"
	[ "${lines[0]}" = "not ok 1 - seq 5 | PAR -k echo" ]
	[ "${lines[1]}" = "#   [stdin] differs from the golden entry (tpmap):" ]
	[[ $output == *$'\n#   -1|6\n#   +1|5\n'* ]]
	[[ $output == *$'\n# 0 passed, 1 failed, 1 cases\n'* ]]
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
@test "--pipe cuts stdin into blocks as GNU parallel does" { compat pipe; }
@test "--pipepart cuts a file into ranges as GNU parallel does" { compat pipepart; }
@test "--round-robin and --tee stream stdin to running jobs as GNU parallel does" { compat stream; }
