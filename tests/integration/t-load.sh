#!/bin/bash
# Load: 200 instances started at once and 2,000 one after another, each exiting
# with its own code, printing its own line and writing its own report; and the
# host is left as it was found: no cgroup leaf, mount, fd, zombie, stray
# process or temporary file of ours remains (checked, not assumed). The rates
# are printed as diagnostics, never asserted.
. "$(dirname "$0")/lib.sh"
plan 9
export LC_ALL=C

CONCURRENT=${VMSB_LOAD_CONCURRENT:-200}
SEQUENTIAL=${VMSB_LOAD_SEQUENTIAL:-2000}
# In every instance's argv, so any process of ours is visible on the host.
MARK="vmsbload$$"
# The supervisor never needs a temporary directory; if it ever used one, it shows here.
export TMPDIR="$WORK/tmpdir"
mkdir -m 0700 "$TMPDIR"

# Host state seen from this shell, one file per aspect. Python reads it so
# that nothing of the probe itself (a pipe, a subshell) is counted.
SNAPSHOT_PY='
import os, sys
out, shell = sys.argv[1], int(sys.argv[2])

def cgroup_dirs():
    mounts = []
    for line in open("/proc/self/mountinfo"):
        pre, post = line.split(" - ", 1)
        f, (fstype, _src, sopts) = pre.split(), post.split()[:3]
        if fstype in ("cgroup", "cgroup2"):
            mounts.append((f[3], f[4], fstype, set(sopts.split(","))))
    for line in open("/proc/self/cgroup"):
        _hid, ctrls, path = line.rstrip("\n").split(":", 2)
        for root, mnt, fstype, opts in mounts:
            v2 = ctrls == "" and fstype == "cgroup2"
            v1 = ctrls != "" and fstype == "cgroup" and set(ctrls.split(",")) <= opts
            if (v1 or v2) and (path + "/").startswith(root.rstrip("/") + "/"):
                yield os.path.normpath(mnt + "/" + path[len(root.rstrip("/")):])
                break

def lines(name, items):
    with open(out + "/" + name, "w") as f:
        f.writelines(sorted(set(x + "\n" for x in items)))

def leaves():
    for d in set(cgroup_dirs()):
        base = d.count("/")
        for top, dirs, _files in os.walk(d):
            if top.count("/") - base >= 2:
                dirs[:] = []
            yield from (os.path.join(top, n) for n in dirs if n.startswith("vmsandbox-"))

lines("cgroups", leaves())
lines("tmp", ("%s/%s" % (d, n) for d in ("/tmp", "/dev/shm") for n in os.listdir(d)))
with open(out + "/mounts", "w") as f:
    f.write(open("/proc/%d/mountinfo" % shell).read())
with open(out + "/fds", "w") as f:
    for fd in sorted(os.listdir("/proc/%d/fd" % shell), key=int):
        target = os.readlink("/proc/%d/fd/%s" % (shell, fd))
        f.write("%s %s\n" % (fd, target.split(":[")[0]))
'
snapshot() { # DIR
	mkdir -p "$1" && python3 -c "$SNAPSHOT_PY" "$1" "$$"
}

# Processes below this shell (the probe excluded) and any process carrying MARK.
PROCS_PY='
import os, sys
shell, mark, me = int(sys.argv[1]), sys.argv[2].encode(), os.getpid()
parent, info = {}, {}
for p in filter(str.isdigit, os.listdir("/proc")):
    try:
        stat = open("/proc/%s/stat" % p).read()
        cmd = open("/proc/%s/cmdline" % p, "rb").read()
    except OSError:
        continue
    fields = stat[stat.rindex(")") + 2:].split()
    parent[int(p)] = int(fields[1])
    info[int(p)] = (fields[0], cmd.replace(b"\0", b" ").decode(errors="replace"), mark in cmd)
todo, seen = [shell], set()
while todo:
    pid = todo.pop()
    for child in (c for c, pp in parent.items() if pp == pid and c != me):
        seen.add(child)
        todo.append(child)
seen |= {p for p, (_s, _c, marked) in info.items() if marked and p != me}
for p in sorted(seen):
    print(p, info[p][0], info[p][1][:120])
'

# verify_reports DIR LIST IDS: LIST holds "i code rc" lines; every instance
# exited with its code, printed its own line and wrote a matching report.
VERIFY_PY='
import json, sys
d, listing, ids_out = sys.argv[1:4]
bad, ids = [], []
for line in open(listing):
    i, code, rc = map(int, line.split())
    try:
        r = json.load(open("%s/%d.json" % (d, i)))
        out = open("%s/%d.out" % (d, i)).read()
    except (OSError, ValueError) as e:
        bad.append("%d: %s" % (i, e))
        continue
    want = "ok" if code == 0 else "exit_nonzero"
    got = (rc, r.get("status"), r.get("exit_code"), r.get("program_exit_code"), out)
    if got != (code, want, code, code, "%d\n" % i):
        bad.append("%d: want (%d, %s, %d, %d, %r), got %r" % (i, code, want, code, code, "%d\n" % i, got))
    ids.append(r.get("instance_id"))
if len(set(ids)) != len(ids):
    bad.append("instance ids repeat: %d distinct of %d" % (len(set(ids)), len(ids)))
open(ids_out, "w").write("\n".join(ids) + "\n")
print("\n".join(bad[:10]))
sys.exit(1 if bad else 0)
'

code_for() { echo $(($1 * 7 % 123)); } # varied, and below the codes vmsandbox uses itself

# start I DIR: one trivial instance in the background; its supervisor's pid in $!.
start() {
	"$VMSB" run -q --report "$2/$1.json" -- /bin/sh -c "echo $1; exit $(code_for "$1")" "$MARK" \
		>"$2/$1.out" 2>"$2/$1.err" </dev/null &
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }
rate() { # COUNT MS
	python3 -c 'import sys; n, ms = map(int, sys.argv[1:]); print("%.1f" % (n * 1000.0 / max(ms, 1)))' "$1" "$2"
}

snapshot "$WORK/before"
SUPERVISORS="$WORK/supervisors"
: >"$SUPERVISORS"

# --- 200 at once ------------------------------------------------------------------------
C="$WORK/c"
mkdir "$C"
declare -a pids
t0=$(now_ms)
for ((i = 0; i < CONCURRENT; i++)); do
	start "$i" "$C"
	pids[i]=$!
done
: >"$C/list"
for ((i = 0; i < CONCURRENT; i++)); do
	wait "${pids[i]}"
	rc=$?
	echo "$i $(code_for "$i") $rc" >>"$C/list"
done
t1=$(now_ms)
printf '%s\n' "${pids[@]}" >>"$SUPERVISORS"
diag "concurrent: $CONCURRENT instances in $((t1 - t0)) ms = $(rate "$CONCURRENT" $((t1 - t0))) instances/s"
wrong=$(awk '$2 != $3' "$C/list" | head -5)
check "concurrent: all $CONCURRENT exited with their own code" test -z "$wrong"
[ -n "$wrong" ] && diag "i want got:" "$wrong" "stderr of the first: $(head -c 400 "$C/$(head -1 <<<"$wrong" | cut -d' ' -f1).err")"
if why=$(python3 -c "$VERIFY_PY" "$C" "$C/list" "$WORK/ids.c" 2>&1); then
	ok "concurrent: every report and stdout belongs to its instance (status, exit_code, unique id)"
else
	not_ok "concurrent: every report and stdout belongs to its instance"
	diag "$why"
fi

# --- 2,000 in sequence ------------------------------------------------------------------
S="$WORK/s"
mkdir "$S"
: >"$S/list"
t0=$(now_ms)
for ((i = 0; i < SEQUENTIAL; i++)); do
	start "$i" "$S"
	pid=$!
	wait "$pid"
	rc=$?
	echo "$i $(code_for "$i") $rc" >>"$S/list"
	echo "$pid" >>"$SUPERVISORS"
done
t1=$(now_ms)
diag "sequential: $SEQUENTIAL instances in $((t1 - t0)) ms = $(rate "$SEQUENTIAL" $((t1 - t0))) instances/s"
wrong=$(awk '$2 != $3' "$S/list" | head -5)
check "sequential: all $SEQUENTIAL exited with their own code" test -z "$wrong"
[ -n "$wrong" ] && diag "i want got:" "$wrong" "stderr of the first: $(head -c 400 "$S/$(head -1 <<<"$wrong" | cut -d' ' -f1).err")"
if why=$(python3 -c "$VERIFY_PY" "$S" "$S/list" "$WORK/ids.s" 2>&1) &&
	why=$(sort "$WORK/ids.c" "$WORK/ids.s" | uniq -d | head -3) && [ -z "$why" ]; then
	ok "sequential: every report and stdout belongs to its instance; ids unique over all runs"
else
	not_ok "sequential: every report and stdout belongs to its instance; ids unique over all runs"
	diag "$why"
fi

# --- what is left -----------------------------------------------------------------------
snapshot "$WORK/after"

# Leaves are named vmsandbox-<supervisor pid>-<id>: one naming a supervisor we
# started is ours. Others that appeared meanwhile belong to whoever else runs
# vmsandbox on this host and are only reported.
ours=$(grep -E "/vmsandbox-($(paste -sd'|' "$SUPERVISORS"))-[^/]*$" "$WORK/after/cgroups")
check "cgroups: no vmsandbox-* leaf of our $((CONCURRENT + SEQUENTIAL)) supervisors is left" test -z "$ours"
[ -n "$ours" ] && diag "left behind:" "$(head -5 <<<"$ours")"
others=$(comm -13 "$WORK/before/cgroups" "$WORK/after/cgroups" | grep -vxF -- "$ours")
[ -n "$others" ] && diag "new leaves not of ours (another user of this host?):" "$(head -5 <<<"$others")"
[ "$VMSB_AS" = user ] && diag "unprivileged: no cgroup is expected at all (limits fall back to rlimits)"

why=$(diff "$WORK/before/mounts" "$WORK/after/mounts" | head -5)
check "mounts: this shell's mount table is unchanged ($(wc -l <"$WORK/after/mounts") lines)" test -z "$why"
[ -n "$why" ] && diag "$why"

why=$(diff "$WORK/before/fds" "$WORK/after/fds")
check "fds: this shell holds the same fds ($(wc -l <"$WORK/after/fds"))" test -z "$why"
[ -n "$why" ] && diag "$why"

left=$(python3 -c "$PROCS_PY" "$$" "$MARK")
check "processes: no child, zombie or process carrying our mark is left" test -z "$left"
[ -n "$left" ] && diag "pid state cmdline:" "$left"

# The supervisor creates no temporary file by design; the runner and lib.sh
# name theirs vmsb-it* and vmsb-t.*, so any other new vmsb*/vmsandbox* entry
# is a leak. (Other tests of this project running at the same time also use
# /tmp/vmsb-*: CI runs them one after another; the names are printed.)
new=$(comm -13 "$WORK/before/tmp" "$WORK/after/tmp")
leaked=$({
	grep -E '/(vmsb|vmsandbox)' <<<"$new" | grep -vE '/(vmsb-it\.|vmsb-it-out\.|vmsb-t\.)'
	find "$TMPDIR" -mindepth 1 | head -5
})
check "temporary files: none left in /tmp, /dev/shm or \$TMPDIR" test -z "$leaked"
[ -n "$leaked" ] && diag "$leaked"
others=$(grep -cvE '/(vmsb|vmsandbox)' <<<"$new")
[ -n "$new" ] && [ "$others" -gt 0 ] && diag "$others other new entries in /tmp (not ours by name):" \
	"$(grep -vE '/(vmsb|vmsandbox)' <<<"$new" | head -3)"
exit 0
