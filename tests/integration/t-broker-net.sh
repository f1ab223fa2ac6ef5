#!/bin/bash
# net.connect through the broker: an instance with no network at all
# (--net none) reaches an echo server on the host's loopback only through
# vmsb connect, only at the granted address and port, and only as many times
# as quotas.network_operations allows. The servers are ours: started here,
# stopped here by their pids.
. "$(dirname "$0")/lib.sh"
plan 12

V=/run/vmsandbox/vmsb
R="$WORK/r.json"
servers=()
trap 'kill "${servers[@]}" 2>/dev/null; rm -rf "$WORK"' EXIT

# An echo server on a free loopback port the kernel picks; one line per
# accepted connection goes to its log. It serves connections one at a time.
cat >"$WORK/echo.py" <<'EOF'
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
log = open(sys.argv[1], "a", buffering=1)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    log.write("accept\n")
    while True:
        d = c.recv(65536)
        if not d:
            break
        c.sendall(d)
    c.close()
EOF

# start_server NAME: sets PORT_NAME; the server's accepts go to $WORK/NAME.log
start_server() {
	: >"$WORK/$1.log"
	python3 "$WORK/echo.py" "$WORK/$1.log" >"$WORK/$1.port" &
	servers+=($!)
	for _ in $(seq 1 200); do # bounded wait for the port line, up to 10 s
		[ -s "$WORK/$1.port" ] && break
		sleep 0.05
	done
	printf -v "PORT_$1" '%s' "$(cat "$WORK/$1.port")"
}
start_server granted
start_server other
accepts() { wc -l <"$WORK/$1.log"; }

if [ -z "$PORT_granted" ] || [ -z "$PORT_other" ]; then
	for _ in $(seq 1 12); do not_ok "no loopback echo server could be started"; done
	exit 0
fi

# policy NAME NETOPS: writes $WORK/NAME.json granting net:127.0.0.1:$PORT_granted
policy() {
	cat >"$WORK/$1.json" <<EOF
{
  "version": 1,
  "name": "broker-net",
  "network": "none",
  "limits": { "wall_time": "30s" },
  "broker": {
    "effects": ["cap", "net.connect"],
    "grants": [
      { "resource": "net:127.0.0.1:$PORT_granted", "rights": ["read", "write"] }
    ],
    "quotas": { "network_operations": $2 }
  }
}
EOF
}
policy net 0
policy quota 2
P="$WORK/net.json"

vrun run -p "$P" --net none --report "$R" -- /bin/sh -c "echo hello | $V connect 127.0.0.1 $PORT_granted"
expect_out "with --net none, vmsb connect to the granted port gets the echo back" "hello"
checkv "the report counts one net.connect" \
	test "$(json "$R" 'd["broker"]["requests"].get("net.connect")')" = 1
n0=$(accepts granted)
check "the host-side server saw that one connection" test "$n0" = 1

vrun run -p "$P" --net none -- /bin/sh -c \
	"/usr/bin/bash -c 'exec 5<>/dev/tcp/127.0.0.1/$PORT_granted' 2>/dev/null && echo connected || echo failed"
expect_out "a direct connect() from the instance fails: the broker is the only way out" failed

vrun run -p "$P" --net none -- /bin/sh -c "echo x | $V connect 127.0.0.1 $PORT_other"
checkv "a port not granted is refused by vmsb (exit 4)" test "$RC" = 4 -a -z "$OUT"
vrun run -p "$P" --net none -- /bin/sh -c "echo x | $V connect 127.0.0.2 $PORT_granted"
checkv "an address not granted is refused (exit 4)" test "$RC" = 4 -a -z "$OUT"
# The same with the granted token forced into the request: the broker must refuse.
vrun run -p "$P" --net none --report "$R" -- /bin/sh -c \
	"t=\$($V caps | sed -n 's|^net	127\\.0\\.0\\.1:$PORT_granted	.*token=||p'); echo x | $V --token \$t connect 127.0.0.1 $PORT_other"
checkv "the granted port's token does not open another port: the broker refuses (exit 4)" \
	test "$RC" = 4 -a -z "$OUT"
checkv "... and counts a denial" \
	test "$(json "$R" 'sum(d["broker"]["denials"].values())')" -ge 1
check "the other port's server never saw a connection" test "$(accepts other)" = 0

Q="$WORK/quota.json"
vrun run -p "$Q" --net none --report "$R" -- /bin/sh -c \
	"for i in 1 2 3; do echo \$i | $V connect 127.0.0.1 $PORT_granted; echo rc=\$?; done"
checkv "with network_operations 2, the third connect fails with exit 7 (limit)" \
	test "$OUT" = "1
rc=0
2
rc=0
rc=7"
checkv "the report shows 2 of 2 network operations used" \
	test "$(json "$R" '(d["broker"]["quota"]["network_operations"]["used"], d["broker"]["quota"]["network_operations"]["limit"])')" = "(2, 2)"
check "the server saw exactly the two connections the quota allowed" \
	test "$(accepts granted)" = $((n0 + 2))
