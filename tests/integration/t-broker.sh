#!/bin/bash
# The broker through vmsb in real instances (policy/examples/broker-demo.json:
# register:demo/* create/read/write/consume, read-only fs:/usr/share/doc).
. "$(dirname "$0")/lib.sh"
plan 14

DEMO="$VMSB_STAGE/examples/broker-demo.json"
V=/run/vmsandbox/vmsb
export XDG_STATE_HOME="$WORK/state" # the register store lives here
mkdir -p "$XDG_STATE_HOME"
R="$WORK/r.json"

vrun run -p "$DEMO" -- /bin/sh -c "$V register create demo/counter 1 && $V register get demo/counter"
expect_out "a granted register can be created and read back" "1"
vrun run -p "$DEMO" -- /bin/sh -c "$V register get demo/counter"
expect_out "registers persist across instances (the store is the supervisor's)" "1"
vrun run -p "$DEMO" -- /bin/sh -c "$V register put demo/counter 2 >/dev/null && $V register get demo/counter"
expect_out "a write (compare-and-swap on the version read) is seen by the next read" "2"
vrun run -p "$DEMO" -- $V register create other/x 1
check "a register outside the grant is refused (exit 4, denied)" test "$RC" = 4
vrun run -p "$DEMO" -- $V register create demo/counter 9
check "creating an existing register is a conflict (exit 6)" test "$RC" = 6
vrun run -p "$DEMO" -- /bin/sh -c "$V register consume demo/counter; $V register consume demo/counter; echo \$?"
check "consume returns the value once, then conflicts" test "$OUT" = "2
6"

vrun run -p "$DEMO" -- /bin/sh -c "$V open /usr/share/doc/bash/copyright | head -1"
check "fs.open under the granted root passes the file back" grep -q '^Format:' <<<"$OUT"
vrun run -p "$DEMO" -- $V open /etc/passwd
check "fs.open outside every granted root is refused (exit 4)" test "$RC" = 4
vrun run -p "$DEMO" -- $V open /usr/share/doc/../../../etc/passwd
check "fs.open escaping the root through '..' fails" test "$RC" -ne 0 -a -z "$OUT"

vrun run -- /bin/sh -c 'echo "${VMSANDBOX_BROKER_FD:-none}"; test -e /run/vmsandbox/vmsb && echo vmsb || echo no-vmsb'
expect_out "without broker effects: no socket, no vmsb (the default)" "none
no-vmsb"
vrun run -p "$DEMO" -- /bin/sh -c 'echo "$VMSANDBOX_BROKER_FD"; ls /proc/self/fd | sort -n | tr "\n" " "'
check "with a broker: fd 3 is the only descriptor beyond 0-2" test "$OUT" = "3
0 1 2 3 4 "
vrun run -p "$DEMO" -- /bin/sh -c "exec 3>&-; $V ping -n 1"
check "vmsb without its socket fails as a transport error (exit 3)" test "$RC" = 3

vrun run -p "$DEMO" --report "$R" -- $V ping -n 50
check "ping round trips report a median" grep -qE '^median_us=[0-9.]+$' <<<"$(tail -1 <<<"$OUT")"
check "the report's broker section counts the requests" \
	test "$(json "$R" 'd["broker"]["requests"]["ping"]')" = 50
