#!/bin/bash
# Exit status: the program's own, 128+N for signals, 125/126/127 for our errors.
. "$(dirname "$0")/lib.sh"
plan 12

vrun run -- /bin/true
expect "true exits 0" 0
vrun run -- /bin/sh -c 'exit 42'
expect "an exit code passes through" 42
vrun run -- /bin/sh -c 'kill -TERM $$'
expect "a signal gives 128+N" 143
vrun run -- /bin/sh -c 'kill -KILL $$'
expect "SIGKILL gives 137" 137

vrun run -- /nonexistent/program
expect "a missing program gives 127" 127 "nonexistent/program"
vrun run -- no-such-command-vmsb
expect "a command not on PATH gives 127" 127 "no-such-command-vmsb"
echo 'not executable' >"$WORK/plain" && chmod 0644 "$WORK/plain"
vrun run --ro-bind "$WORK/plain:/plain" -- /plain
expect "a file without exec permission gives 126" 126 "plain"

echo '{ "version": 1, "limits": { "memroy": "1G" } }' >"$WORK/typo.json"
vrun run -p "$WORK/typo.json" -- /bin/true
expect "an unknown policy key gives 125 and names the path" 125 'memroy'
printf '{ "version": 1,\n  "name": }\n' >"$WORK/syntax.json"
vrun run -p "$WORK/syntax.json" -- /bin/true
expect "a policy syntax error gives 125 with line and column" 125 'syntax.json:2:'
vrun run --ro-bind /nonexistent-vmsb-src:/x -- /bin/true
expect "a missing bind source gives 125" 125 'nonexistent-vmsb-src'
vrun run --frobnicate -- /bin/true
expect "an unknown option gives 125" 125 'frobnicate'

vrun run --report "$WORK/r.json" -- /bin/sh -c 'exit 3'
check "the report says exit_nonzero with code 3" \
	test "$(json "$WORK/r.json" 'd["status"] + ":" + str(d["exit_code"])')" = "exit_nonzero:3"
