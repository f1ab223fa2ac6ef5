#!/bin/bash
# fs.open cannot leave its granted root: not through '..', not through
# symbolic links (absolute, relative, to a directory), not through a sibling
# directory whose name merely starts like the root. Directory links that stay
# beneath the root keep working; a link as the last component never does (the
# broker opens with O_NOFOLLOW, so the descriptor is never a link's). The root and the file outside it are built here, in
# a policy written to the test's own directory.
. "$(dirname "$0")/lib.sh"
plan 13

V=/run/vmsandbox/vmsb
ROOT="$WORK/root"
mkdir -p "$ROOT/sub" "$WORK/rootx"
echo granted-data >"$ROOT/data.txt"
echo SECRET-OUTSIDE >"$WORK/secret.txt"
echo SECRET-SIBLING >"$WORK/rootx/secret.txt"
chmod 0644 "$ROOT/data.txt" "$WORK/secret.txt" "$WORK/rootx/secret.txt"
chmod 0755 "$ROOT" "$ROOT/sub" "$WORK/rootx"
echo sub-data >"$ROOT/sub/file.txt"
chmod 0644 "$ROOT/sub/file.txt"
ln -s sub "$ROOT/sublink"                  # a directory link beneath
ln -s .. "$ROOT/sub/back"                  # climbs, stays beneath
ln -s data.txt "$ROOT/inner"               # a link as the last component
ln -s "$WORK/secret.txt" "$ROOT/abs"       # absolute, out
ln -s ../secret.txt "$ROOT/rel"            # relative, out
ln -s .. "$ROOT/parent"                    # a directory link out
ln -s /proc/self/root/etc/passwd "$ROOT/magic"
cat >"$WORK/fs.json" <<EOF
{
  "version": 1,
  "name": "broker-fs",
  "broker": {
    "effects": ["cap", "fs.open"],
    "grants": [ { "resource": "fs:$ROOT", "rights": ["read"] } ]
  }
}
EOF
P="$WORK/fs.json"

vrun run -p "$P" -- $V open "$ROOT/data.txt"
expect_out "a file beneath the root is passed back" granted-data
vrun run -p "$P" -- $V open "$ROOT/sublink/file.txt"
expect_out "a directory link that stays beneath the root is followed" sub-data
vrun run -p "$P" -- $V open "$ROOT/sub/back/data.txt"
expect_out "a directory link that climbs but stays beneath is followed" granted-data

# refused PATH DESC: the open fails and nothing secret comes back
refused() {
	vrun run -p "$P" -- $V open "$1"
	if [ "$RC" -ge 1 ] && [ "$RC" -le 9 ] && [ -z "$OUT" ]; then ok "$2"; else
		not_ok "$2"
		diag "exit $RC" "stdout: $OUT" "stderr: $ERR"
	fi
}
refused "$ROOT/../secret.txt" "'..' out of the root is refused"
refused "$ROOT/sub/../../secret.txt" "'..' through a subdirectory is refused"
refused "$ROOT/abs" "an absolute link out of the root is refused"
refused "$ROOT/rel" "a relative link out of the root is refused"
refused "$ROOT/parent/secret.txt" "a directory link out of the root is refused"
refused "$ROOT/magic" "a link through /proc/self/root is refused"
refused "$ROOT/inner" "a link as the last component is refused, even one beneath (O_NOFOLLOW)"
refused "$WORK/rootx/secret.txt" "a sibling whose name starts like the root is not beneath it"

# the same escapes presented to the broker itself would be in the report;
# here the sum: nothing secret came out of any of them, with or without vmsb
vrun run -p "$P" -- /bin/sh -c \
	"for p in '$ROOT/../secret.txt' '$ROOT/abs' '$ROOT/rel' '$ROOT/parent/secret.txt' '$WORK/rootx/secret.txt'; do $V open \"\$p\" 2>/dev/null; done; cat '$WORK/secret.txt' 2>/dev/null; echo done"
expect_out "no secret reached the instance, and the host file is not in its view" "done"

# openat2 with RESOLVE_BENEATH fails with EAGAIN when any rename on the host
# races a '..' step (openat2(2): "the caller may choose to retry"); a busy
# host must not turn a good open into an error. A rename loop of our own runs
# while one instance opens through sub/back (a '..' link) 50 times.
touch "$WORK/spin"
python3 -c 'import os, sys
a, b = sys.argv[1], sys.argv[1] + ".2"
os.rename(a, b)
os.rename(b, a)
open(sys.argv[1] + ".ready", "w").close()
while True:
    os.rename(a, b)
    os.rename(b, a)' "$WORK/spin" &
spinner=$!
trap 'kill "$spinner" 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 200); do # bounded wait (10 s) until it spins
	[ -e "$WORK/spin.ready" ] && break
	sleep 0.05
done
vrun run -p "$P" -- /bin/sh -c \
	"n=0; for i in \$(seq 1 50); do $V open '$ROOT/sub/back/data.txt' >/dev/null && n=\$((n + 1)); done; echo \$n"
kill "$spinner"
wait "$spinner" 2>/dev/null
if [ "$OUT" = 50 ]; then ok "'..' beneath the root works while the host renames files (EAGAIN retried)"; else
	not_ok "'..' beneath the root works while the host renames files (EAGAIN retried)"
	diag "opens that worked: $OUT of 50" "stderr: $(sort <<<"$ERR" | uniq -c | head -3)"
fi
