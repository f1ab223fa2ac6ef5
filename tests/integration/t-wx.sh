#!/bin/bash
# Write-xor-execute, where the policy asks for it (policy/examples/write-xor-execute.json).
. "$(dirname "$0")/lib.sh"
plan 4

WX="$VMSB_STAGE/examples/write-xor-execute.json"

vrun run $HB -p "$WX" -- /opt/helpers/wx
check "W^X policy: mmap(RWX) and mprotect(RX) of written memory are refused" \
	test "$RC/$OUT" = "0/mmap rwx: Operation not permitted
mprotect rx: Operation not permitted"
vrun run $HB -p "$WX" -- /bin/sh -c 'ls /usr/bin | wc -l'
check "W^X policy: ordinary dynamically linked programs still run" test "$RC" = 0 -a "${OUT:-0}" -gt 50
vrun run $HB -- /opt/helpers/wx
check "default policy: W^X is not imposed (JITs need it), and the helper can tell" test "$RC" = 1
check "default policy: the helper saw both requests succeed" \
	test "$OUT" = "mmap rwx: ALLOWED
mprotect rx: ALLOWED"
