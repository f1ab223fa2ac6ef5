#!/bin/bash
# Memory regions in real instances (tests/policies/broker/regions.json: input
# 64K r, scratch 64K rw, guard 4K none; register:demo/* create/read/write).
# An r region reaches the instance as a descriptor that can be neither written
# nor mapped writable; rw works both ways; register values over the 2 KiB
# inline limit travel through a region; regions count against the memory limit.
. "$(dirname "$0")/lib.sh"
plan 23

P="$VMSB_STAGE/tests/policies/broker/regions.json"
ONLY="$VMSB_STAGE/tests/policies/broker/regions-only.json"
OVER="$VMSB_STAGE/tests/policies/broker/regions-over-memory.json"
NOREGION="$VMSB_STAGE/tests/policies/broker/loop.json"
V=/run/vmsandbox/vmsb
broker_store
R="$WORK/r.json"


# ---- what the instance is given -------------------------------------------
vrun run -p "$P" -- $V region input
expect_out "vmsb region prints an r region's size, access and descriptor" "size=65536 access=r fd=4"
vrun run -p "$P" -- $V region scratch
expect_out "... and an rw region's" "size=65536 access=rw fd=5"
vrun run -p "$P" -- $V region guard
expect_out "... and a none region's (a page, no descriptor)" "size=4096 access=none fd=none"
vrun run -p "$P" -- $V region nosuch
checkv "an unknown region name is exit 5 (not found) and prints nothing" \
	test "$RC" = 5 -a -z "$OUT"
vrun run -p "$P" -- $V region guard read 0 1
checkv "a none region cannot be read (exit 4)" test "$RC" = 4 -a -z "$OUT"

# The shell's own glob, not a pipeline (a shell holds pipe ends while it starts one);
# the descriptor the glob read the directory with is closed by the time of the test.
vrun run -p "$P" -- /bin/sh -c \
	'for f in /proc/$$/fd/*; do [ -e "$f" ] && printf "%s " "${f##*/}"; done'
checkv "descriptors: 0-2, the broker at 3, input at 4, scratch at 5, none for guard" \
	test "$OUT" = "0 1 2 3 4 5 "
# fdinfo flags are octal; the low two bits are the access mode (0 O_RDONLY, 2 O_RDWR)
vrun run -p "$P" -- /bin/sh -c \
	'for fd in 4 5; do sed -n "s/^flags:[[:space:]]*//p" /proc/$$/fdinfo/$fd; done'
checkv "the r region's descriptor is open read-only, the rw one read-write" \
	eval 'test "$RC" = 0 && test $((8#$(sed -n 1p <<<"$OUT") & 3)) = 0 &&
		test $((8#$(sed -n 2p <<<"$OUT") & 3)) = 2'

# ---- an r region cannot be written -----------------------------------------
vrun run -p "$P" -- $V region input poke
checkv "vmsb region input poke: mmap(PROT_WRITE, MAP_SHARED) and mprotect(PROT_WRITE) both refused" \
	test "$RC" = 0
vrun run -p "$P" -- /bin/sh -c \
	"printf hello | $V region input write; echo rc=\$?; $V region input read 0 5 | tr '\\0' 0"
checkv "writing the r region through vmsb is refused by the kernel (exit 4) and leaves it zero" \
	test "$OUT" = "rc=4
00000"
vrun run -p "$P" -- /bin/sh -c \
	"{ printf x >&4; } 2>/dev/null && echo fd=written || echo fd=refused
	{ printf x >/proc/self/fd/4; } 2>/dev/null && echo reopen=written || echo reopen=refused
	$V region input read 0 1 | tr '\\0' 0"
checkv "the shell cannot write it either: not through fd 4, not by reopening /proc/self/fd/4" \
	test "$OUT" = "fd=refused
reopen=refused
0"

# ---- an rw region carries data ----------------------------------------------
vrun run -p "$P" -- /bin/sh -c "printf hello | $V region scratch write 100 && $V region scratch read 100 5"
expect_out "an rw region is written and read back at an offset" "hello"
vrun run -p "$P" -- /bin/sh -c "printf hello | $V region scratch write 65534"
checkv "a write past the end of the region is exit 7 (limit)" test "$RC" = 7

# ---- register values over 2 KiB through a region ----------------------------
big=$(seq 1 2000 | tr '\n' , | head -c 3000)
big2=$(seq 2001 4000 | tr '\n' , | head -c 3000)
vrun run "${STORE[@]}" -p "$P" -- /bin/sh -c \
	"seq 1 2000 | tr '\\n' , | head -c 3000 | $V register create demo/big - && $V register get demo/big"
checkv "a 3000-byte register value is created and read back through the regions" \
	test "$RC" = 0 -a "$OUT" = "$big"
vrun run "${STORE[@]}" -p "$P" -- /bin/sh -c \
	"seq 2001 4000 | tr '\\n' , | head -c 3000 | $V register put demo/big - && $V register get demo/big | wc -c"
checkv "a 3000-byte value replaces it (put from stdin), 3001 bytes with the newline" \
	test "$RC" = 0 -a "$OUT" = 3001
vrun run "${STORE[@]}" -p "$P" -- $V register get demo/big
checkv "the large value persists for the next instance" test "$RC" = 0 -a "$OUT" = "$big2"
vrun run "${STORE[@]}" -p "$NOREGION" -- /bin/sh -c \
	"seq 1 2000 | tr '\\n' , | head -c 3000 | $V register create demo/big3 -; echo rc=\$?; $V register get demo/big3; echo rc=\$?"
checkv "without a region a large value is refused (exit 7) and nothing is created" \
	test "$OUT" = "rc=7
rc=5"

# ---- policy and report --------------------------------------------------------
vrun run -p "$ONLY" -- /bin/sh -c "echo \$VMSANDBOX_BROKER_FD; $V region scratch"
checkv "regions alone (no effects) still give the instance its broker socket" \
	eval 'test "$RC" = 0 && test "$(sed -n 1p <<<"$OUT")" = 3 && has "access=rw"'
vrun check "$OVER"
expect "check refuses regions (20M) over the memory limit (16M)" 125 'region'
vrun run -p "$OVER" -- /bin/true
expect "run refuses them with exit 125" 125 'region'
vrun run -p "$ONLY" --memory-limit 4K -- /bin/true
expect "a --memory-limit below the regions' size is refused too" 125 'region'
# rwx only where the policy leaves executable memory possible: the W^X example
# with an rwx region added is refused, the default with one is accepted.
python3 - "$VMSB_STAGE/examples/write-xor-execute.json" "$WORK/wx-rwx.json" "$WORK/rwx.json" <<'PY'
import json, sys
region = {"regions": [{"name": "code", "size": "4K", "access": "rwx"}]}
wx = json.load(open(sys.argv[1]))
wx["broker"] = region
json.dump(wx, open(sys.argv[2], "w"))
json.dump({"version": 1, "broker": region}, open(sys.argv[3], "w"))
PY
vrun check "$WORK/wx-rwx.json"
expect "an rwx region under write-xor-execute is refused (125)" 125 'rwx|exec'
vrun check "$WORK/rwx.json"
expect "an rwx region where executable memory is allowed is accepted" 0
vrun run -p "$P" --report "$R" -- /bin/true
checkv "the report lists the regions (name, size, access)" \
	test "$(json "$R" '[(r["name"], r["size"], r["access"]) for r in d["broker"]["regions"]]')" = \
	"[('input', 65536, 'r'), ('scratch', 65536, 'rw'), ('guard', 4096, 'none')]"
