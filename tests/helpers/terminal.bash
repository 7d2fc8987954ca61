# SPDX-License-Identifier: MIT
# Loaded by the suites that look at tpmap on a terminal: a detached tmux
# server of the test's own (socket $S, set by the suite's setup) runs the
# command, and the test polls the screen with capture-pane, bounded, never
# with sleep alone.  The suite's teardown kills the server.

# term COLS CMD: run the shell command CMD in $TMP on a detached terminal
# COLS wide and 20 high, then print "END" and its status.  The pane stays
# open (cat waits on the terminal) until teardown.
term() {
	tmux -S "$S" -f /dev/null new-session -d -x "$1" -y 20 -s t \
	    "cd $(printf %q "$TMP") && $2; echo END \$?; exec cat" 3>&-
}

TPMAP="$(printf %q "$TPMAP_ROOT/tpmap")"

screen() {
	tmux -S "$S" capture-pane -p -t t
}

# wait_screen TEXT: poll until the screen shows exactly TEXT (blank lines
# at the bottom aside), for at most 30 seconds; else show both and fail.
wait_screen() {
	local got deadline=$((SECONDS + 30))

	while got=$(screen); [ "$got" != "$1" ]; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			printf -- '--- screen:\n%s\n--- wanted:\n%s\n' "$got" "$1" >&2
			return 1
		fi
		sleep 0.05
	done
}

# wait_match TEXT REGEX: as wait_screen, for TEXT followed by what the
# extended regular expression REGEX matches (the time left, which the
# test cannot know).
wait_match() {
	local got deadline=$((SECONDS + 30))

	while got=$(screen); ! [[ $got =~ ^"$1"$2$ ]]; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			printf -- '--- screen:\n%s\n--- wanted:\n%s%s\n' "$got" "$1" "$2" >&2
			return 1
		fi
		sleep 0.05
	done
}

# A duration as the line shows it: 4s, 1m05s.
DURATION='[0-9]+(m[0-9]{2})?s'
# What --bar shows after the counts: time elapsed, rate, ETA.
BAR_TAIL="$DURATION elapsed, [0-9]+\\.[0-9] jobs/s, ETA ($DURATION|\\?)"
