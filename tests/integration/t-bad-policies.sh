#!/bin/bash
# Hostile and malformed policies (tests/policies/bad/ plus a few generated here:
# a 100 MiB file, 100k-deep nesting, 300 mounts, a dangling symlink source).
# For each file, `vmsandbox check FILE` and `vmsandbox run -p FILE -- ...` must
# exit 125 within 10 s with exactly one stderr line, free of control
# characters, that names the file and matches the regex in EXPECTED; stdout
# stays empty and the program never runs (it would leave a marker in a
# world-writable directory bound read-write into the instance).
. "$(dirname "$0")/lib.sh"

BAD="$VMSB_STAGE/tests/policies/bad"
GEN="$WORK/gen"
MARKS="$WORK/marks"
mkdir -p "$GEN" "$MARKS"
chmod 0777 "$MARKS"
cases=()

# Files too big or too odd to commit. The 100 MiB one is valid JSON padded with
# whitespace, so only a size limit can stop it: a loader without one would run it.
generate() {
	python3 - "$GEN" <<'EOF'
import os, sys
d = sys.argv[1]
def w(name, text):
    with open(os.path.join(d, name), "w") as f:
        f.write(text)
n = 100000
with open(os.path.join(d, "gen-100mib.json"), "w") as f:
    f.write('{ "version": 1,\n')
    chunk = " " * (1 << 20)
    for _ in range(100):
        f.write(chunk)
    f.write('\n  "name": "huge" }\n')
w("gen-nested-array-100k.json", '{ "version": 1, "name": ' + "[" * n + "]" * n + " }\n")
w("gen-nested-object-100k.json", '{ "version": 1, "limits": ' + '{ "a": ' * n + "1" + " }" * n + " }\n")
w("gen-unclosed-100k.json", "[" * n)
w("gen-nested-2000-env.json",
  '{ "version": 1, "environment": { "set": { "A": ' + "[" * 2000 + "]" * 2000 + " } } }\n")
w("gen-300-mounts.json", '{ "version": 1, "filesystem": { "mounts": [\n' +
  ",\n".join('  { "type": "tmpfs", "dest": "/m%d" }' % i for i in range(300)) + "\n] } }\n")
w("gen-allow-100k.json", '{ "version": 1, "syscalls": { "allow": [' +
  '"read", ' * 100000 + '"frobnicate"] } }\n')
EOF
	ln -s "$WORK/no-such-target" "$GEN/dangling"
	printf '{ "version": 1, "filesystem": { "mounts": [\n  { "type": "ro-bind", "source": "%s", "dest": "/data" }\n] } }\n' \
		"$GEN/dangling" >"$GEN/gen-dangling-symlink-source.json"
	chmod -R a+rX "$GEN"
	cases+=("$GEN/gen-100mib.json"$'\t'': larger than 1 MiB')
	cases+=("$GEN/gen-nested-array-100k.json"$'\t'':1:[0-9]+: maximum parsing depth reached')
	cases+=("$GEN/gen-nested-object-100k.json"$'\t'':1:[0-9]+: maximum parsing depth reached')
	cases+=("$GEN/gen-unclosed-100k.json"$'\t'':1:[0-9]+: maximum parsing depth reached')
	cases+=("$GEN/gen-nested-2000-env.json"$'\t'': \$\.environment\.set\.A: must be a string')
	cases+=("$GEN/gen-300-mounts.json"$'\t'': \$\.filesystem\.mounts: too many mounts \(at most 256\)')
	cases+=("$GEN/gen-allow-100k.json"$'\t'': \$\.syscalls\.allow: too many entries \(at most [0-9]+\)')
	cases+=("$GEN/gen-dangling-symlink-source.json"$'\t'': \$\.filesystem\.mounts\[0\]\.source: .*/dangling. does not exist')
}

# Every committed file has exactly one EXPECTED line and the reverse.
corpus_consistent() {
	local listed files
	listed=$(grep -v '^#' "$BAD/EXPECTED" | cut -f1 | sort)
	files=$(cd "$BAD" && printf '%s\n' *.json | sort)
	if [ "$listed" != "$files" ] || [ -n "$(uniq -d <<<"$listed")" ]; then
		diag "EXPECTED and the corpus differ:" "$(diff <(echo "$listed") <(echo "$files"))"
		return 1
	fi
	[ "$(wc -l <<<"$files")" -ge 55 ]
}

# attempt MODE FILE: runs check or run on FILE; sets RC, OUTF, ERRF.
attempt() {
	local mode=$1 file=$2
	OUTF="$WORK/out" ERRF="$WORK/err"
	rm -f "$MARKS/ran"
	if [ "$mode" = check ]; then
		timeout -k 2 10 "$VMSB" check "$file" >"$OUTF" 2>"$ERRF" </dev/null
	else
		timeout -k 2 10 "$VMSB" run -p "$file" --bind "$MARKS:/marks" -- \
			/bin/sh -c 'touch /marks/ran' >"$OUTF" 2>"$ERRF" </dev/null
	fi
	RC=$?
}

# verdict FILE REGEX: why the last attempt is wrong, or nothing when it is right.
verdict() {
	local file=$1 regex=$2 nl
	[ "$RC" = 124 ] && { echo "timed out after 10 s"; return; }
	[ -e "$MARKS/ran" ] && { echo "the program ran"; return; }
	[ "$RC" = 125 ] || { echo "exit $RC, want 125"; return; }
	[ -s "$OUTF" ] && { echo "wrote to stdout"; return; }
	nl=$(tr -cd '\n' <"$ERRF" | wc -c)
	if [ "$nl" != 1 ] || [ -n "$(tail -c 1 "$ERRF" | tr -d '\n')" ]; then
		echo "stderr is not exactly one line ($nl newlines)"
		return
	fi
	LC_ALL=C grep -aq '[[:cntrl:]]' "$ERRF" && { echo "control character in the message"; return; }
	LC_ALL=C grep -aqF -- "vmsandbox: $file" "$ERRF" || { echo "message does not name the file after 'vmsandbox: '"; return; }
	LC_ALL=C grep -aqE -- "$regex" "$ERRF" || { echo "message does not match /$regex/"; return; }
}

one_case() { # FILE REGEX
	local file=$1 regex=$2 mode why
	for mode in check run; do
		attempt "$mode" "$file"
		why=$(verdict "$file" "$regex")
		if [ -z "$why" ]; then
			ok "$mode $(basename "$file")"
		else
			not_ok "$mode $(basename "$file"): $why"
			diag "stderr: $(head -c 400 "$ERRF" | cat -v)"
		fi
	done
}

while IFS=$'\t' read -r name regex; do
	case "$name" in '#'* | '') continue ;; esac
	cases+=("$BAD/$name"$'\t'"$regex")
done <"$BAD/EXPECTED"
generate
plan $((2 * ${#cases[@]} + 2))

check "every bad policy has one EXPECTED line, and there are at least 55" corpus_consistent

# Control: the same command with a valid policy does leave the marker, so the
# marker checks below can fail.
echo '{ "version": 1 }' >"$GEN/valid.json"
chmod a+r "$GEN/valid.json"
attempt run "$GEN/valid.json"
if [ "$RC" = 0 ] && [ -e "$MARKS/ran" ]; then
	ok "control: a valid policy runs the program and leaves the marker"
else
	not_ok "control: a valid policy runs the program and leaves the marker (exit $RC)"
	diag "stderr: $(head -c 400 "$ERRF" | cat -v)"
fi

for c in "${cases[@]}"; do
	one_case "${c%%$'\t'*}" "${c#*$'\t'}"
done
