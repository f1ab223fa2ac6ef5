#!/bin/bash
# Broker quotas in real instances: the policy's quotas.storage_operations and
# quotas.bytes are counted per instance; the request past a quota fails with
# vmsb's limit class (exit 7) and changes nothing, and the report's broker
# section shows the use. (network_operations: t-broker-net.sh.)
. "$(dirname "$0")/lib.sh"
plan 11

OPS="$VMSB_STAGE/tests/policies/broker/quota-ops.json"     # storage_operations: 3
BYTES="$VMSB_STAGE/tests/policies/broker/quota-bytes.json" # bytes: 10
V=/run/vmsandbox/vmsb
broker_store
R="$WORK/r.json"

# status of each command on its own line
vrun run "${STORE[@]}" -p "$OPS" --report "$R" -- /bin/sh -c \
	"for i in 1 2 3 4; do $V register create demo/q\$i x; echo \$?; done"
checkv "with storage_operations 3, the fourth register operation fails with exit 7 (limit)" \
	test "$OUT" = "0
0
0
7"
checkv "vmsb names the quota" grep -q 'quota' <<<"$ERR"
checkv "the report shows 3 of 3 storage operations used" \
	test "$(json "$R" '(d["broker"]["quota"]["storage_operations"]["used"], d["broker"]["quota"]["storage_operations"]["limit"])')" = "(3, 3)"
checkv "the report counts the refusal as a quota denial" \
	test "$(json "$R" 'd["broker"]["denials"].get("quota")')" = 1

vrun run "${STORE[@]}" -p "$OPS" -- $V register list demo
checkv "the refused create changed nothing: only q1..q3 exist" \
	test "$(cut -f1 <<<"$OUT")" = "demo/q1
demo/q2
demo/q3"
vrun run "${STORE[@]}" -p "$OPS" -- /bin/sh -c "$V register create demo/q4 x && $V register get demo/q4"
expect_out "the quota is per instance: the next instance has its own operations" "x"

# bytes 10: 8 bytes fit, 3 more do not (and are not counted), 2 more reach 10
# exactly, and reading 8 bytes back is over the quota too.
vrun run "${STORE[@]}" -p "$BYTES" --report "$R" -- /bin/sh -c \
	"$V register create demo/b1 12345678; echo \$?
	$V register create demo/b2 123; echo \$?
	$V register create demo/b3 12; echo \$?
	$V register get demo/b1; echo \$?"
checkv "with bytes 10: 8 bytes pass, 3 more fail (7), 2 more pass, a read of 8 fails (7)" \
	test "$OUT" = "0
7
0
7"
checkv "the report shows 10 of 10 bytes used" \
	test "$(json "$R" '(d["broker"]["quota"]["bytes"]["used"], d["broker"]["quota"]["bytes"]["limit"])')" = "(10, 10)"
checkv "the report counts both byte refusals" \
	test "$(json "$R" 'd["broker"]["denials"].get("quota")')" = 2
vrun run "${STORE[@]}" -p "$BYTES" -- /bin/sh -c "$V register get demo/b2; echo \$?; $V register get demo/b3"
checkv "the create refused for bytes wrote nothing (exit 5, not found), the next one did" \
	test "$OUT" = "5
12"

vrun run "${STORE[@]}" -p "$BYTES" --report "$R" -- $V register get demo/b3
checkv "without a refusal the report has no quota denial" \
	test "$(json "$R" 'd["broker"]["denials"].get("quota")')" = None
