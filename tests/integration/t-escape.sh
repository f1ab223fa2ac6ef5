#!/bin/bash
# Escape tests (issue 5). Each tests/escape/NAME program tries one attack from
# inside an instance and prints "NAME: blocked (how)" (exit 0), "NAME: ESCAPED
# (what)" (exit 1) or "NAME: cannot run (why)" (exit 2). They all run under the
# embedded default policy; those whose point is a layer other than seccomp run
# again under a permissive policy (seccomp default "allow", no deny rules), and
# the ABI bypasses under one that allows everything but a deny list. Where
# only the host can see an effect, this script looks from the host as well.
# tests/escape/README.md lists every technique and the layer that stops it.
# The plan line comes last: the number of checks depends on what is installed.
. "$(dirname "$0")/lib.sh"

ESC="$VMSB_STAGE/escape"
PY=$(command -v /usr/bin/python3 || command -v python3 || true)
START_DIR=$PWD

# Bind sources live apart from $WORK: $WORK's name must never show up inside.
BINDS=$(mktemp -d /tmp/vmsb-esc.XXXXXX)
chmod 0755 "$BINDS"
BG_PIDS=()
cleanup() {
	local p
	for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$WORK" "$BINDS"
}
trap cleanup EXIT

if [ ! -x "$ESC/bpf" ]; then
	skip "escape programs" "not built ($ESC/bpf missing)"
	plan "$_t"
	exit 0
fi

# /ro: world-writable on the host, so only the read-only bind stops a write.
RO="$BINDS/ro"
mkdir "$RO" && echo original >"$RO/file" && chmod 0777 "$RO" && chmod 0666 "$RO/file"
HOSTDIR="$WORK/hostdir" # opened as fd 9; holds a marker absent from the view
mkdir "$HOSTDIR" && echo host-only >"$HOSTDIR/vmsb-host-marker" && chmod -R a+rX "$HOSTDIR"
HOST_MARKER="$HOSTDIR/vmsb-host-marker"
echo host-file >"$WORK/hostfile" && chmod 0644 "$WORK/hostfile"

PERMISSIVE="$BINDS/permissive.json"
cat >"$PERMISSIVE" <<'EOF'
{ "version": 1, "name": "permissive",
  "syscalls": { "default_action": "allow", "allow": [], "deny": [] } }
EOF
ALLOWDENY="$BINDS/allow-deny.json"
cat >"$ALLOWDENY" <<'EOF'
{ "version": 1, "name": "allow-deny",
  "syscalls": { "default_action": "allow", "allow": [],
    "deny": [ { "names": ["getpid", "unshare"], "action": "errno", "errno": "EPERM" } ] } }
EOF
chmod a+r "$PERMISSIVE" "$ALLOWDENY"

BASE=(--ro-bind "$ESC:/opt/escape" --ro-bind "$RO:/ro" --time-limit 20s)
LIMITS=(--ro-bind "$ESC:/opt/escape" --time-limit 3s --pids-limit 64 --memory-limit 128M
	--output-limit 1M)

policy_opts() { # LABEL -> POPT array
	case $1 in
	default) POPT=() ;;
	permissive) POPT=(-p "$PERMISSIVE") ;;
	allow-deny) POPT=(-p "$ALLOWDENY") ;;
	esac
}

# verdict DESC NAME: the last run exited 0 and NAME printed "blocked".
verdict() {
	local line
	line=$(grep -m1 "^$2: " <<<"$OUT")
	if [ "$RC" = 0 ] && [[ $line == "$2: blocked"* ]]; then
		line=${line#*: }
		line=${line//#/}
		[ ${#line} -gt 160 ] && line="${line:0:157}..."
		ok "$1: $line"
	else
		not_ok "$1 (exit $RC)"
		diag "stdout: $OUT" "stderr: $ERR"
	fi
}

# attack POLICY NAME [ARGS...]: runs /opt/escape/NAME in an instance under POLICY.
attack() {
	local pol=$1 name=$2
	shift 2
	policy_opts "$pol"
	vrun run "${POPT[@]}" "${BASE[@]}" -- "/opt/escape/$name" "$@"
	verdict "$name [$pol]" "$name"
}

ro_intact() { # the host's view of /ro after filesystem attacks
	check "host: /ro holds only the original file, unchanged ($1)" \
		test "$(ls -A "$RO")" = file -a "$(cat "$RO/file")" = original
}

# marker_procs MARKER: host pids whose comm or argv[0] is MARKER (zombies included).
marker_procs() {
	local p c
	for p in /proc/[0-9]*; do
		c=
		read -r c <"$p/comm" 2>/dev/null || continue
		if [ "$c" = "$1" ]; then echo "${p#/proc/}"; continue; fi
		c=
		IFS= read -r -d '' c <"$p/cmdline" 2>/dev/null
		[ "$c" = "$1" ] && echo "${p#/proc/}"
	done
	return 0
}
no_leftovers() { # DESC MARKER
	local left
	left=$(marker_procs "$2")
	if [ -z "$left" ]; then ok "$1"; else
		not_ok "$1"
		diag "host processes named '$2' after vmsandbox returned: $left"
		# shellcheck disable=SC2086 # one pid per word
		kill -9 $left 2>/dev/null
	fi
}

# A host process the instance must not reach, of the uid the instance maps to.
start_sleeper() {
	if [ "$VMSB_AS" = root ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups sleep 300 &
	else
		sleep 300 &
	fi
	SLEEPER=$!
	BG_PIDS+=("$SLEEPER")
}
sleeper_ok() { # DESC
	local st
	st=$(awk '{print $3}' "/proc/$SLEEPER/stat" 2>/dev/null)
	if [ "$st" = S ] || [ "$st" = R ]; then ok "$1"; else
		not_ok "$1"
		diag "host sleeper $SLEEPER: state '${st:-gone}'"
	fi
}

# listener tcp|unix NAME: a host listener that logs every connection to $HITS.
LISTENER_PY="$BINDS/listen.py"
cat >"$LISTENER_PY" <<'EOF'
import os, select, socket, sys, time
kind, name, ready, hits, stop = sys.argv[1:6]
socks = []
if kind == "tcp":
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    socks.append(s)
    label = str(s.getsockname()[1])
    try:
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s6.bind(("::1", int(label)))
        s6.listen(16)
        socks.append(s6)
    except OSError:
        pass
else:
    for t in (socket.SOCK_STREAM, socket.SOCK_SEQPACKET):
        u = socket.socket(socket.AF_UNIX, t)
        u.bind("\0" + name)
        u.listen(16)
        socks.append(u)
    label = name
with open(ready + ".tmp", "w") as f:
    f.write(label)
os.rename(ready + ".tmp", ready)
deadline = time.time() + 120
while time.time() < deadline and not os.path.exists(stop):
    for s in select.select(socks, [], [], 0.1)[0]:
        c, a = s.accept()
        with open(hits, "a") as f:
            f.write("%s connection from %r\n" % (kind, a))
        c.close()
EOF
start_listener() { # KIND NAME -> LISTEN_LABEL, LISTEN_PID, HITS, STOP
	local ready="$WORK/ready.$1" _
	HITS="$WORK/hits.$1"
	STOP="$WORK/stop.$1"
	"$PY" "$LISTENER_PY" "$1" "$2" "$ready" "$HITS" "$STOP" &
	LISTEN_PID=$!
	BG_PIDS+=("$LISTEN_PID")
	for _ in $(seq 100); do
		[ -e "$ready" ] && break
		sleep 0.05
	done
	LISTEN_LABEL=$(cat "$ready" 2>/dev/null)
}
stop_listener() {
	touch "$STOP"
	wait "$LISTEN_PID" 2>/dev/null
}

# ---- kernel attack surface, namespaces, mounts: seccomp is the first layer ----
for name in bpf perf_event_open userfaultfd io_uring add_key keyctl request_key \
	kexec_load kexec_file_load init_module finit_module delete_module open_by_handle_at \
	mount remount umount pivot_root fsopen open_tree mount_setattr cgroup \
	unshare_user unshare_ns setns clone_newuser clone_newns clone3 \
	kcore kallsyms dmesg sysrq sys_write dev_mem raw_disk mknod \
	signal_init kill_all ptrace_init process_vm_init proc_mem_init \
	af_packet af_netlink sock_raw capset setuid_exec sched_rt iopl settime reboot; do
	attack default "$name"
done
attack default userns_nested "$HOST_MARKER"
ro_intact "after the mount attacks"

# The same where capabilities, no_new_privs, locked mounts or namespaces must
# hold on their own: seccomp lets everything through here.
for name in kexec_load kexec_file_load init_module finit_module delete_module open_by_handle_at \
	mount remount umount pivot_root fsopen open_tree mount_setattr cgroup \
	unshare_ns setns clone_newns kcore sysrq sys_write dev_mem raw_disk mknod \
	signal_init kill_all ptrace_init process_vm_init proc_mem_init \
	af_packet sock_raw capset setuid_exec sched_rt iopl settime reboot; do
	attack permissive "$name"
done
attack permissive userns_nested "$HOST_MARKER"
ro_intact "after the mount attacks without seccomp"

# ---- ABI bypasses: killed with SIGSYS, also when a deny list is all there is ----
for pol in default allow-deny; do
	attack "$pol" x32
	attack "$pol" int80
done

# ---- /proc/sys writes, checked on the host as well ----
core_before=$(cat /proc/sys/kernel/core_pattern)
attack default core_pattern
attack permissive core_pattern
check "host: core_pattern unchanged" test "$(cat /proc/sys/kernel/core_pattern)" = "$core_before"

# ---- the supervisor's binary and host processes ----
sum_before=$(sha256sum <"$VMSB")
attack default self_exe_write
attack permissive self_exe_write
check "host: the vmsandbox binary is unchanged" test "$(sha256sum <"$VMSB")" = "$sum_before"

start_sleeper
for pol in default permissive; do
	attack "$pol" ptrace_host "$SLEEPER" "$$"
	sleeper_ok "host: a process the instance attacked by pid is alive and running [$pol]"
	attack "$pol" kill_all
	sleeper_ok "host: kill(-1) from inside did not reach a host process of the same uid [$pol]"
done

# ---- leaks from the caller ----
for pol in default permissive; do
	attack "$pol" fd_leak 5<"$WORK/hostfile" 9<"$HOSTDIR"
	attack "$pol" fchdir_leak vmsb-host-marker 5<"$WORK/hostfile" 9<"$HOSTDIR"
	VMSB_SECRET_CANARY="canary-$RANDOM$RANDOM" attack "$pol" environ
done
cd "$WORK" || exit 1
TMPDIR="$WORK" attack default mountinfo "$(basename "$WORK")"
cd "$START_DIR" || exit 1

# ---- filesystem ----
for pol in default permissive; do
	for name in ro_symlink ro_hardlink ro_rename; do
		attack "$pol" "$name"
	done
	for name in dotdot proc_root chroot; do
		attack "$pol" "$name" "$HOST_MARKER"
	done
done
ro_intact "after the symlink, hard link and rename attacks"

# ---- network ----
if [ -n "$PY" ]; then
	for pol in default permissive; do
		start_listener tcp -
		if [ -n "$LISTEN_LABEL" ]; then
			attack "$pol" tcp_host "$LISTEN_LABEL"
			stop_listener
			check "host: the loopback listener saw no connection [$pol]" test ! -s "$HITS"
		else
			stop_listener
			not_ok "tcp_host [$pol]: the host listener did not start"
		fi
		rm -f "$HITS" "$STOP" "$WORK/ready.tcp"
		start_listener unix "vmsb-esc-$RANDOM$RANDOM"
		if [ -n "$LISTEN_LABEL" ]; then
			attack "$pol" abstract_unix "$LISTEN_LABEL"
			stop_listener
			check "host: the abstract socket listener saw no connection [$pol]" test ! -s "$HITS"
		else
			stop_listener
			not_ok "abstract_unix [$pol]: the host listener did not start"
		fi
		rm -f "$HITS" "$STOP" "$WORK/ready.unix"
	done
	# Controls: where the layers are opened on purpose, the same programs must
	# reach the listeners and say so, or the checks above could never fail.
	# (Landlock's abstract-socket scope would still stop the second one.)
	echo '{ "version": 1, "name": "no-landlock", "landlock": false }' >"$BINDS/no-landlock.json"
	chmod a+r "$BINDS/no-landlock.json"
	start_listener tcp -
	vrun run --net host "${BASE[@]}" -- /opt/escape/tcp_host "$LISTEN_LABEL"
	stop_listener
	check "control: with --net host tcp_host says ESCAPED and the listener logs it" \
		test "$RC" = 1 -a -s "$HITS"
	rm -f "$HITS" "$STOP" "$WORK/ready.tcp"
	start_listener unix "vmsb-esc-$RANDOM$RANDOM"
	vrun run -p "$BINDS/no-landlock.json" --net host "${BASE[@]}" -- /opt/escape/abstract_unix \
		"$LISTEN_LABEL"
	stop_listener
	check "control: with --net host and no Landlock abstract_unix says ESCAPED and is logged" \
		test "$RC" = 1 -a -s "$HITS"
	rm -f "$HITS" "$STOP" "$WORK/ready.unix"
else
	skip "tcp_host, abstract_unix" "python3 not found for the host listeners"
fi

# ---- terminal injection, under a pty ----
no_injection() { ! grep -q VMSBINJ "$1"; }
pty_attack() { # POLICY NAME
	local out
	policy_opts "$1"
	out=$(mktemp "$WORK/pty.XXXXXX")
	SHELL=/bin/sh script -qec "$(printf '%q ' "$VMSB" run "${POPT[@]}" "${BASE[@]}" -- "/opt/escape/$2")" \
		/dev/null </dev/null >"$out" 2>&1
	RC=$?
	OUT=$(tr -d '\r' <"$out")
	ERR="(merged into stdout under the pty)"
	verdict "$2 [$1, pty]" "$2"
	check "host: nothing was injected into the terminal by $2 [$1]" \
		no_injection "$out"
}
if command -v script >/dev/null; then
	for pol in default permissive; do
		pty_attack "$pol" tiocsti
		pty_attack "$pol" tioclinux
	done
else
	skip "tiocsti, tioclinux" "script(1) from util-linux not found"
fi

# ---- resources, under --time-limit 3s --pids-limit 64 --memory-limit 128M --output-limit 1M ----
m="vmsbfb$RANDOM"
vrun run "${LIMITS[@]}" -- /opt/escape/fork_bomb "$m"
if [ "$RC" = 124 ] && grep -q '^fork_bomb: blocked' <<<"$OUT"; then
	ok "fork_bomb: $(grep -m1 '^fork_bomb: ' <<<"$OUT" | cut -d' ' -f2-), then ended by the wall limit"
else
	not_ok "fork_bomb: contained and ended by the wall limit (exit $RC, want 124)"
	diag "stdout: $OUT" "stderr: $ERR"
fi
no_leftovers "host: no fork bomb process left" "$m"

m="vmsbmb$RANDOM"
vrun run "${LIMITS[@]}" --report "$WORK/mb.json" -- /opt/escape/memory_bomb "$m"
st=$(json "$WORK/mb.json" 'd["status"]' 2>/dev/null)
if { [ "$RC" = 137 ] && [ "$st" = memory_limit ]; } ||
	{ [ "$RC" = 0 ] && grep -q '^memory_bomb: blocked' <<<"$OUT"; }; then
	ok "memory_bomb: stopped (exit $RC, status ${st:-none}) ${OUT#memory_bomb: }"
else
	not_ok "memory_bomb: stopped by the kernel (exit $RC, status ${st:-none})"
	diag "stdout: $OUT" "stderr: $ERR"
fi
no_leftovers "host: no memory bomb process left" "$m"

m="vmsbdf$RANDOM"
vrun run "${LIMITS[@]}" -- /opt/escape/disk_fill "$m"
if [ "$RC" = 0 ] && grep -qE '^disk_fill: blocked \(/tmp: (ENOSPC|EFBIG)' <<<"$OUT"; then
	ok "disk_fill: ${OUT#disk_fill: }"
else
	not_ok "disk_fill: ENOSPC inside (exit $RC)"
	diag "stdout: $OUT" "stderr: $ERR"
fi
check "host: no fill file in the host's /tmp or /dev/shm" \
	test -z "$(find /tmp /dev/shm -xdev -maxdepth 4 -name "$m-fill" 2>/dev/null)"

"$VMSB" run "${LIMITS[@]}" --report "$WORK/of.json" -- /opt/escape/output_flood \
	>"$WORK/of.out" 2>"$WORK/of.err" </dev/null
RC=$?
bytes=$(stat -c %s "$WORK/of.out")
st=$(json "$WORK/of.json" 'd["status"]' 2>/dev/null)
# slack: what was in flight in the pipe and one read buffer when the limit hit
if [ "$bytes" -le $((1048576 + 262144)) ] && [ "$st" = output_limit ] &&
	! grep -q ESCAPED "$WORK/of.err"; then
	ok "output_flood: $bytes bytes reached the caller, status output_limit (exit $RC)"
else
	not_ok "output_flood: at most 1 MiB + 256 KiB reaches the caller (got $bytes, status ${st:-none}, exit $RC)"
	diag "stderr: $(head -c 2000 "$WORK/of.err")"
fi
rm -f "$WORK/of.out"

m="vmsbcpu$RANDOM"
vrun run "${LIMITS[@]}" --cpu-limit 1s --report "$WORK/cpu.json" -- /opt/escape/cpu_loop "$m"
st=$(json "$WORK/cpu.json" 'd["status"]' 2>/dev/null)
if [ "$RC" = 124 ] && ! grep -q ESCAPED <<<"$OUT"; then
	ok "cpu_loop (ignoring SIGTERM): ended by a limit, status ${st:-none}"
else
	not_ok "cpu_loop: ended by the CPU or wall limit (exit $RC, want 124, status ${st:-none})"
	diag "stdout: $OUT" "stderr: $ERR"
fi
no_leftovers "host: no CPU loop process left" "$m"

m="vmsbsl$RANDOM"
vrun run "${LIMITS[@]}" --report "$WORK/sl.json" -- /opt/escape/sleep "$m"
st=$(json "$WORK/sl.json" 'd["status"]' 2>/dev/null)
if [ "$RC" = 124 ] && [ "$st" = timeout ] && ! grep -q ESCAPED <<<"$OUT"; then
	ok "sleep (ignoring SIGTERM): ended by the wall limit, status timeout"
else
	not_ok "sleep: ended by the wall limit (exit $RC, want 124, status ${st:-none})"
	diag "stdout: $OUT" "stderr: $ERR"
fi
no_leftovers "host: no sleeping process left" "$m"

m="vmsbdm$RANDOM"
vrun run "${LIMITS[@]}" -- /opt/escape/daemon "$m"
if { [ "$RC" = 0 ] || [ "$RC" = 124 ]; } && grep -q '^daemon: blocked' <<<"$OUT"; then
	ok "daemon: double-forked setsid daemon started inside (exit $RC)"
else
	not_ok "daemon: started inside (exit $RC)"
	diag "stdout: $OUT" "stderr: $ERR"
fi
no_leftovers "host: the daemon is gone when vmsandbox returns" "$m"

m="vmsbzp$RANDOM"
# its own wall limit: init's reaping is waited for (bounded) inside
vrun run --ro-bind "$ESC:/opt/escape" --time-limit 20s --pids-limit 64 -- /opt/escape/zombie_pile "$m"
verdict "zombie_pile" zombie_pile
no_leftovers "host: no zombie of the instance left" "$m"

plan "$_t"
