#!/bin/bash
# The register store survives a kill -9 of the supervisor: an instance creates
# demo/k0, demo/k1, ... and prints each index only after vmsb had the broker's
# acknowledgement; the supervisor is killed in the middle of the loop. Every
# printed index must then be in the store, seen by a second run, and nothing
# of the first instance may outlive its supervisor.
. "$(dirname "$0")/lib.sh"
plan 8

P="$VMSB_STAGE/tests/policies/broker/loop.json"
V=/run/vmsandbox/vmsb
broker_store
WANT=100 # acknowledged writes before the kill

# descendants PID: "pid:starttime" of every live descendant of PID, one a line
# (the start time tells a reused pid from the original one).
descendants() {
	local todo=("$1") p f rest
	while [ ${#todo[@]} -gt 0 ]; do
		p=${todo[0]}
		todo=("${todo[@]:1}")
		for f in /proc/[0-9]*/stat; do
			rest=$(cat "$f" 2>/dev/null) || continue
			rest=${rest##*) } # fields from the state on: "S PPID ..."
			set -- $rest
			[ "$2" = "$p" ] || continue
			f=${f#/proc/}
			f=${f%/stat}
			echo "$f:${20}"
			todo+=("$f")
		done
	done
}

# alive PID:START: the same process still exists and is not a zombie.
alive() {
	local want=${1#*:} rest
	rest=$(cat "/proc/${1%%:*}/stat" 2>/dev/null) || return 1
	rest=${rest##*) }
	set -- $rest
	[ "$1" != Z ] && [ "${20}" = "$want" ]
}

loop_out="$WORK/loop.out"
loop_err="$WORK/loop.err"
"$VMSB" run "${STORE[@]}" -p "$P" -- /bin/sh -c \
	"i=0; while $V register create demo/k\$i v\$i; do echo \$i; i=\$((i + 1)); done; echo \"loop ended at \$i\" >&2" \
	>"$loop_out" 2>"$loop_err" </dev/null &
sup=$!

# Wait (bounded: 60 s) for WANT acknowledged writes, by count, not by time.
for _ in $(seq 1 1200); do
	[ "$(wc -l <"$loop_out")" -ge "$WANT" ] && break
	kill -0 "$sup" 2>/dev/null || break
	sleep 0.05
done
procs=$(descendants "$sup")
kill -9 "$sup"
wait "$sup"
rc=$?
acked=$(wc -l <"$loop_out")

if [ "$acked" -ge "$WANT" ]; then ok "the loop had $acked acknowledged writes when the supervisor was killed"; else
	not_ok "the loop had $acked acknowledged writes when the supervisor was killed (want $WANT)"
	diag "stderr: $(cat "$loop_err")"
fi
check "the supervisor died of the kill -9 (status 137)" test "$rc" = 137
check "the instance had processes to watch ($(wc -w <<<"$procs"))" test -n "$procs"

# PR_SET_PDEATHSIG and the pid namespace take the instance down; allow them 10 s.
left=$procs
for _ in $(seq 1 200); do
	survivors=""
	for p in $left; do alive "$p" && survivors+="$p "; done
	left=$survivors
	[ -z "$left" ] && break
	sleep 0.05
done
if [ -z "$left" ]; then ok "no process of the instance outlives its supervisor"; else
	not_ok "no process of the instance outlives its supervisor"
	for p in $left; do diag "left: ${p%%:*} $(tr '\0' ' ' <"/proc/${p%%:*}/cmdline" 2>/dev/null)"; done
fi

# The printed indices are 0..acked-1, in order; each must be in the store.
seq 0 $((acked - 1)) >"$WORK/want"
check "the loop printed consecutive indices" cmp -s "$WORK/want" "$loop_out"
vrun run "${STORE[@]}" -p "$P" -- $V register list demo
expect "a second run opens the store after the kill and lists it" 0
cut -f1 <<<"$OUT" | sed -n 's|^demo/k||p' | sort -n >"$WORK/have"
missing=$(comm -23 <(sort "$WORK/want") <(sort "$WORK/have") | sort -n | head -5)
if [ -n "$acked" ] && [ "$acked" -gt 0 ] && [ -z "$missing" ]; then
	ok "all $acked acknowledged writes are in the store ($(wc -l <"$WORK/have") registers)"
else
	not_ok "every acknowledged write is in the store"
	diag "missing (first 5): $missing" "stderr: $ERR"
fi
last=$((acked - 1))
vrun run "${STORE[@]}" -p "$P" -- $V register get "demo/k$last"
expect_out "the last acknowledged write holds its value" "v$last"
