#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# --joblog-format json and FILE.jsonl: one JSON object per job and line,
# valid JSON for any bytes in a command (checked with python3's json
# module, which rejects anything else), the exact bytes back through
# command_base64 / argv_base64, and --resume, --resume-failed and
# --retry-failed reading it.

load test_helper

# fields LOG KEY...: for each row of LOG, in seq order, the values of the
# KEYs (JSON-encoded, "-" when absent), space-separated.  python3 fails on
# a line that is not one JSON object.
fields() {
	python3 - "$@" <<-'EOF'
	import json, sys
	rows = []
	with open(sys.argv[1], 'rb') as f:
	    for line in f:
	        assert line.endswith(b'\n'), 'unterminated row'
	        obj = json.loads(line.decode('utf-8'))   # strict UTF-8 too
	        assert isinstance(obj, dict)
	        rows.append(obj)
	rows.sort(key=lambda r: r['seq'])
	for r in rows:
	    print(' '.join(json.dumps(r[k]) if k in r else '-' for k in sys.argv[2:]))
	EOF
}

# commands LOG RECORDS: check that the command of row N is, byte for byte,
# the N-th NUL-terminated record of RECORDS; command_base64 holds the bytes
# exactly when they are not valid UTF-8.  Prints "SEQ ok" per row.
commands() {
	python3 - "$@" <<-'EOF'
	import base64, json, sys
	want = open(sys.argv[2], 'rb').read().split(b'\0')[:-1]
	for line in open(sys.argv[1], 'rb'):
	    r = json.loads(line.decode('utf-8'))
	    exp = want[r['seq'] - 1]
	    try:
	        exp.decode('utf-8')
	        valid = True
	    except UnicodeDecodeError:
	        valid = False
	    if valid:
	        assert 'command_base64' not in r, r
	        got = r['command'].encode('utf-8')
	    else:
	        assert '\ufffd' in r['command'], r
	        got = base64.b64decode(r['command_base64'], validate=True)
	    assert got == exp, (got, exp)
	    print(r['seq'], 'ok')
	EOF
}

# Hostile commands, NUL-terminated: a tab, a newline inside quotes,
# quotes and backslashes, control characters and DEL, invalid UTF-8
# (stray bytes, a truncated sequence, an encoded surrogate, an overlong
# form), and valid multi-byte UTF-8.
hostile() {
	printf '%s\0' \
	    $'echo \'tab\there\'' \
	    $'echo "new\nline"' \
	    'echo '\''"quoted" \back\slash'\''' \
	    $'echo \'ctl \x01\x1b[31m\x7f\'' \
	    $'echo \'\xff\xfe stray \xc3\'' \
	    $'echo \'\xed\xa0\x80 surrogate \xc0\xaf overlong\'' \
	    $'echo \'valid \xc3\xa9 \xe2\x98\x83 \xf0\x9d\x84\x9e\'' \
	    >"$TMP/cmds"
}

@test "--joblog-format json writes one object per job with the outcome" {
	run -2 --separate-stderr tpmap -j1 -k --joblog-format json --joblog "$TMP/log" \
	    ::: 'echo ab; echo c >&2' 'kill -9 $$' 'exit 3'
	run -0 fields "$TMP/log" seq host slot stdin_bytes stdout_bytes stderr_bytes exitval signal timed_out attempts command
	[ "$output" = '1 ":" 1 0 3 2 0 0 false 1 "echo ab; echo c >&2"
2 ":" 1 0 0 0 0 9 false 1 "kill -9 $$"
3 ":" 1 0 0 0 3 0 false 1 "exit 3"' ]
}

@test "JSON rows have the start and end times and the runtime" {
	run -0 --separate-stderr tpmap --joblog "$TMP/log.jsonl" true ::: a
	run -0 python3 -c '
import json, sys, time
r = json.loads(open(sys.argv[1]).read())
assert all(type(r[k]) is float for k in ("starttime", "endtime", "runtime")), r
assert abs(r["starttime"] - time.time()) < 3600, r
assert abs(r["endtime"] - r["starttime"] - r["runtime"]) < 0.001, r
print("ok")' "$TMP/log.jsonl"
	[ "$output" = ok ]
}

@test "a joblog named FILE.jsonl is JSON lines without a header" {
	run -0 --separate-stderr tpmap -k --joblog "$TMP/run.jsonl" echo ::: a b
	run -0 fields "$TMP/run.jsonl" seq command
	[ "$output" = $'1 "echo a"\n2 "echo b"' ]
	[ "$(wc -l <"$TMP/run.jsonl")" -eq 2 ]
}

@test "--joblog-format tsv wins over a .jsonl name" {
	run -0 --separate-stderr tpmap --joblog-format tsv --joblog "$TMP/run.jsonl" echo ::: a
	run -0 cut -f 1,9 "$TMP/run.jsonl"
	[ "$output" = $'Seq\tCommand\n1\techo a' ]
}

@test "--joblog-format with a bad value names it, exit 255" {
	run -255 --separate-stderr tpmap --joblog-format xml --joblog "$TMP/log" echo ::: a
	[ "$stderr" = "tpmap: --joblog-format 'xml': not tsv or json" ]
	[ "$output" = "" ]
}

@test "argv is logged for a job run without a shell, not for one with" {
	run -0 --separate-stderr tpmap -k --joblog "$TMP/log.jsonl" ::: \
	    "showargs 'a b' c" 'echo x | cat'
	run -0 fields "$TMP/log.jsonl" seq argv
	[ "$output" = $'1 ["showargs", "a b", "c"]\n2 -' ]
}

@test "a command that cannot be started is logged with 127 and no argv" {
	run -1 --separate-stderr tpmap --joblog "$TMP/log.jsonl" tpmap-no-such-command ::: a
	run -0 fields "$TMP/log.jsonl" exitval argv
	[ "$output" = '127 -' ]
}

@test "hostile commands make valid JSON that gives back their exact bytes" {
	hostile
	run -0 --separate-stderr tpmap -0 -j1 --joblog "$TMP/log.jsonl" :::: "$TMP/cmds"
	run -0 python3 -m json.tool --json-lines "$TMP/log.jsonl"
	run -0 commands "$TMP/log.jsonl" "$TMP/cmds"
	[ "$output" = $'1 ok\n2 ok\n3 ok\n4 ok\n5 ok\n6 ok\n7 ok' ]
}

@test "hostile arguments give back their exact bytes in argv or argv_base64" {
	printf '%s\0' $'a\tb' $'new\nline' '"q" \b' $'\x01\x7f' $'\xff\xc3' $'\xc3\xa9' >"$TMP/args"
	run -0 --separate-stderr tpmap -0 -j1 --joblog "$TMP/log.jsonl" showargs :::: "$TMP/args"
	run -0 python3 - "$TMP/log.jsonl" "$TMP/args" <<-'EOF'
	import base64, json, sys
	want = open(sys.argv[2], 'rb').read().split(b'\0')[:-1]
	for line in open(sys.argv[1], 'rb'):
	    r = json.loads(line.decode('utf-8'))
	    if 'argv_base64' in r:
	        argv = [base64.b64decode(a, validate=True) for a in r['argv_base64']]
	    else:
	        argv = [a.encode('utf-8') for a in r['argv']]
	    assert argv == [b'showargs', want[r['seq'] - 1]], (argv, r)
	    print(r['seq'], 'argv_base64' in r)
	EOF
	[ "$output" = $'1 False\n2 False\n3 False\n4 False\n5 True\n6 False' ]
}

@test "a timed-out job is timed_out with exitval -1; attempts counts --retries" {
	run -2 --separate-stderr timeout 60 tpmap -k --joblog "$TMP/log.jsonl" \
	    --timeout 0.2 --retries 2 ::: 'exec sleep 1000' 'exit 4'
	run -0 fields "$TMP/log.jsonl" seq exitval signal timed_out attempts
	[ "$output" = $'1 -1 15 true 2\n2 4 0 false 2' ]
}

@test "each JSON row is written when its job ends" {
	# -j1: job 2 starts after job 1's row is out.
	run -0 --separate-stderr tpmap -j1 -k --joblog "$TMP/log.jsonl" ::: \
	    'echo 1' 'wc -l <"$TMP/log.jsonl"'
	[ "$output" = $'1\n1' ]
}

@test "--resume and --resume-failed read a JSON log" {
	run -1 --separate-stderr tpmap -j1 -k --joblog "$TMP/log.jsonl" ::: 'echo 1' 'exit 2'
	[ "$output" = "1" ]
	run -0 --separate-stderr tpmap -j1 -k --joblog "$TMP/log.jsonl" --resume ::: 'echo 1' 'exit 2' 'echo 3'
	[ "$output" = "3" ]
	run -1 --separate-stderr tpmap -j1 -k --joblog "$TMP/log.jsonl" --resume-failed ::: 'echo 1' 'exit 2' 'echo 3' 'echo 4'
	[ "$output" = "4" ]
	run -0 fields "$TMP/log.jsonl" seq exitval
	[ "$output" = $'1 0\n2 2\n2 2\n3 0\n4 0' ]
}

@test "--retry-failed reruns hostile commands from a JSON log byte for byte" {
	printf '%s\0' $'printf "%s|" \'new\nline\' \'\xff\xfe\'; exit 5' 'echo fine' >"$TMP/cmds"
	run -1 --separate-stderr tpmap -0 -j1 --joblog "$TMP/log.jsonl" :::: "$TMP/cmds"
	[ "$output" = $'new\nline|\xff\xfe|fine' ]
	run -1 --separate-stderr tpmap -j1 --joblog "$TMP/log.jsonl" --retry-failed
	[ "$output" = $'new\nline|\xff\xfe|' ]
	run -0 fields "$TMP/log.jsonl" seq exitval
	[ "$output" = $'1 5\n1 5\n2 0' ]
}

@test "rows that are not tpmap's are skipped when reading a JSON log" {
	{
		echo '{"seq":1,"exitval":0,"signal":0,"command":"echo 1","x":[{"y":[1,2.5e3,null]},"}"]}'
		echo '{"seq":2,"exitval":0,"signal":0}'
		echo '{"seq":3,"exitval":0.5,"signal":0,"command":"echo 3"}'
		echo '{"seq":4,"exitval":0,"signal":0,"command":"echo 4"} trailing'
		echo '{"seq":5,"exitval":0,"signal":0,"command":"echo \u00e9\ud834\udd1e"}'
		echo 'not json'
	} >"$TMP/log.jsonl"
	run -0 --separate-stderr tpmap -j1 -k --joblog "$TMP/log.jsonl" --resume ::: 'echo 1' 'echo 2' 'echo 3' 'echo 4' 'echo 5'
	[ "$output" = $'2\n3\n4' ]
}

@test "JSON rows are not appended to a tab-separated log, nor the reverse" {
	tpmap --joblog "$TMP/log" echo ::: a
	run -255 --separate-stderr tpmap --joblog-format json --joblog "+$TMP/log" echo ::: b
	[ "$stderr" = "tpmap: --joblog $TMP/log: a tab-separated log; not appending JSON rows to it" ]
	tpmap --joblog "$TMP/log.jsonl" echo ::: a
	run -255 --separate-stderr tpmap --joblog-format tsv --joblog "$TMP/log.jsonl" --resume echo ::: b
	[ "$stderr" = "tpmap: --joblog $TMP/log.jsonl: a JSON log; not appending tab-separated rows to it" ]
}
