#!/bin/bash
# Capabilities are bound to their holder: a token that instance A prints is
# useless to instance B (a separate run of the same binary and policy), even
# with the right bytes, and so is a forged one; B's own token, presented the
# same way (vmsb --token HEX), works. Policy: register:demo/* create/read and
# register:other/* read.
. "$(dirname "$0")/lib.sh"
plan 11

P="$VMSB_STAGE/tests/policies/broker/holder.json"
V=/run/vmsandbox/vmsb
broker_store
R="$WORK/r.json"

# token_of RESOURCE: the token= field of that register capability in $OUT (vmsb caps)
token_of() {
	awk -F'\t' -v r="$1" '$1 == "register" && $2 == r { sub(/^token=/, "", $6); print $6 }' <<<"$OUT"
}

vrun run "${STORE[@]}" -p "$P" -- /bin/sh -c "$V register create demo/h from-a && $V caps"
TA=$(token_of 'demo/*')
TA_OTHER=$(token_of 'other/*')
checkv "instance A lists its tokens (32 hex digits)" grep -qE '^[0-9a-f]{32}$' <<<"$TA"

# B: its own token through --token works, the explicit-token path is sound
vrun run "${STORE[@]}" -p "$P" -- /bin/sh -c \
	"t=\$($V caps | sed -n 's|^register	demo/\*	.*token=||p'); echo \$t; $V --token \$t register get demo/h"
TB=$(head -1 <<<"$OUT")
checkv "instance B's own token, passed with --token, reads A's register" \
	test "$RC" = 0 -a "$(tail -n +2 <<<"$OUT")" = from-a
checkv "B was minted a token of its own, not A's" test -n "$TB" -a "$TB" != "$TA"

vrun run "${STORE[@]}" -p "$P" --report "$R" -- $V --token "$TA" register get demo/h
checkv "A's token presented by B is refused (exit 4, denied) and reads nothing" \
	test "$RC" = 4 -a -z "$OUT"
checkv "the broker counts it as no_capability" \
	test "$(json "$R" 'd["broker"]["denials"].get("no_capability")')" = 1

vrun run "${STORE[@]}" -p "$P" -- /bin/sh -c \
	"$V --token $TA register create demo/h2 x; echo \$?; $V register get demo/h2; echo \$?"
checkv "A's token cannot create through B either, and nothing is created (4, then 5)" \
	test "$OUT" = "4
5"

forged=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
vrun run "${STORE[@]}" -p "$P" --report "$R" -- $V --token "$forged" register get demo/h
checkv "a random token is refused (exit 4)" test "$RC" = 4 -a -z "$OUT"
checkv "... as no_capability" test "$(json "$R" 'd["broker"]["denials"].get("no_capability")')" = 1
vrun run "${STORE[@]}" -p "$P" -- $V --token 00000000000000000000000000000000 register get demo/h
checkv "the all-zero token is refused (exit 4)" test "$RC" = 4 -a -z "$OUT"

vrun run "${STORE[@]}" -p "$P" -- $V --token 0123456789abcdefXY register get demo/h
checkv "a token that is not 32 hex digits is a usage error (exit 2)" test "$RC" = 2

# B's own other/* token (read only, another resource) does not open demo/*
vrun run "${STORE[@]}" -p "$P" -- /bin/sh -c \
	"t=\$($V caps | sed -n 's|^register	other/\*	.*token=||p'); $V --token \$t register get demo/h"
checkv "a held token for another resource is refused (exit 4)" \
	test "$RC" = 4 -a -z "$OUT" -a -n "$TA_OTHER"
