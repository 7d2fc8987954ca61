#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Stress: many jobs at -j 50 mixing success, exit codes, signals, timeouts
# and large outputs; the exit status, the joblog and the output must
# account for every job exactly.  TPMAP_STRESS_JOBS sets how many: 5,000
# by default, which keeps make check quick; CI also runs 20,000 in the plain
# build and fewer in the sanitizer builds.

load test_helper

@test "mixed jobs at -j 50 (5,000 unless set): status, joblog and output account for each" {
	n=${TPMAP_STRESS_JOBS:-5000}
	mkfifo "$TMP/never"
	# Kinds by job number: every 1000th (from 8) blocks until its
	# timeout, every 100th (from 9) prints 1 MB, i % 10 == 6 exits with
	# 1-7, i % 10 == 7 dies of SIGTERM, the rest print one line.
	cat >"$TMP/job" <<-'EOF'
		i=$1
		if [ $((i % 1000)) -eq 8 ]; then read x <"$TMP/never"; fi
		if [ $((i % 100)) -eq 9 ]; then head -c 1000000 /dev/zero | tr '\0' x; echo; fi
		case $((i % 10)) in
		6) echo "fail $i"; exit $((i % 7 + 1)) ;;
		7) echo "sig $i"; kill -TERM $$ ;;
		*) echo "ok $i" ;;
		esac
	EOF
	run -101 --separate-stderr bash -c "seq $n | tpmap -j 50 --timeout 4 --joblog '$TMP/log' sh '$TMP/job' >'$TMP/out'"
	# Output: every line once, the large outputs whole.
	run -0 bash -c "grep -v '^x' '$TMP/out' | sort | cksum"
	got=$output
	run -0 bash -c "seq $n | awk '{ i = \$1; k = i % 10;
		if (i % 1000 == 8) next;
		if (k == 6) print \"fail \" i; else if (k == 7) print \"sig \" i; else print \"ok \" i }' | sort | cksum"
	[ "$got" = "$output" ]
	[ "$(grep -c '^x' "$TMP/out")" -eq "$(seq "$n" | awk '$1 % 100 == 9 && $1 % 1000 != 8' | wc -l)" ]
	[ "$(grep '^x' "$TMP/out" | sort -u)" = "$(head -c 1000000 /dev/zero | tr '\0' x)" ]
	# Joblog: one row per job, each with the outcome its kind gives.
	run -0 awk -F '\t' -v n="$n" '
		NR == 1 { next }
		{
			s = $1; seen[s]++
			k = s % 10
			if (s % 1000 == 8) want = "-1 15"
			else if (k == 6) want = (s % 7 + 1) " 0"
			else if (k == 7) want = "0 15"
			else want = "0 0"
			if ($7 " " $8 != want) print "seq " s ": " $7 " " $8 ", want " want
		}
		END {
			for (i = 1; i <= n; i++) if (seen[i] != 1) print "seq " i " logged " seen[i] + 0 " times"
			if (NR - 1 != n) print NR - 1 " rows"
		}' "$TMP/log"
	[ "$output" = "" ]
	# Every timed-out job was reported, nothing else was.
	[ "$(grep -c 'killed because it timed out' <<<"$stderr")" -eq "$(seq "$n" | awk '$1 % 1000 == 8' | wc -l)" ]
}
