#!/bin/bash
# Faults: the supervisor killed under a running instance, an instance killed
# while it writes or while it is being set up, and signals sent to the
# supervisor. Register-store faults (full disk) belong to the broker, which
# does not exist yet, and are not tested here.
. "$(dirname "$0")/lib.sh"
plan 13
export LC_ALL=C

MARK="vmsbfault$$"
# Every run below but the first ends by itself if a fault goes unnoticed.
LIMIT="--time-limit 30s"
R="$WORK/report.json"
field() { json "$R" "$1" 2>/dev/null; }

# A background job of a non-interactive shell starts with SIGINT and SIGQUIT
# ignored, and an ignored signal never reaches the supervisor's signalfd:
# env restores the defaults an interactive shell would give, and execs (so
# $! is the supervisor's pid; a python3 wrapper may be a forking shim).
# launch OUT ARGS...: vmsandbox in the background, stdout to OUT, stderr to
# $WORK/launch.err; the supervisor's pid in SUP.
launch() {
	local out=$1
	shift
	/usr/bin/env --default-signal=INT,QUIT "$VMSB" "$@" >"$out" 2>"$WORK/launch.err" </dev/null &
	SUP=$!
}

# first_child PID: its first child's pid in CHILD (empty if none), without forking.
first_child() {
	local rest
	CHILD=""
	read -r CHILD rest 2>/dev/null <"/proc/$1/task/$1/children"
}

# descendants PID: every process below PID, as "pid:starttime" (pids get reused).
descendants() {
	local c rest
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		rest=$(cut -d')' -f2- "/proc/$c/stat" 2>/dev/null) || continue
		echo "$c:$(awk '{print $20}' <<<"$rest")"
		descendants "$c"
	done
}

# alive PID:START: the same process still exists and is not a zombie.
alive() {
	local pid=${1%%:*} start=${1#*:} rest
	rest=$(cut -d')' -f2- "/proc/$pid/stat" 2>/dev/null) || return 1
	set -- $rest
	[ "$1" != Z ] && [ "$1" != X ] && [ "${20}" = "$start" ]
}

# wait_gone LIST: polls up to 2 s until no process of LIST is alive; prints the survivors.
wait_gone() {
	local n p left
	for ((n = 0; n < 200; n++)); do
		left=""
		for p in $1; do alive "$p" && left+="$p "; done
		[ -z "$left" ] && return 0
		sleep 0.01
	done
	echo "$left"
	return 1
}

# marked: the processes that have MARK as one of their arguments.
marked() {
	local f p a
	for f in /proc/[0-9]*/cmdline; do
		p=${f#/proc/}
		while IFS= read -r -d '' a; do
			[ "$a" = "$MARK" ] && { echo "${p%/cmdline}"; break; }
		done 2>/dev/null <"$f"
	done
}

# Leaves named after a supervisor pid, in every cgroup hierarchy of this host.
leaves_of() { find /sys/fs/cgroup -maxdepth 5 -type d -name "vmsandbox-$1-*" 2>/dev/null; }

# --- (a) kill -9 of the supervisor while an instance runs --------------------------------
launch /dev/null run -- /bin/sh -c 'sleep 1000' "$MARK"
procs=""
for ((n = 0; n < 500; n++)); do
	procs=$(descendants "$SUP")
	for p in $procs; do
		[ "$(cat "/proc/${p%%:*}/comm" 2>/dev/null)" = sleep ] && break 2
	done
	sleep 0.01
done
check "kill -9: the instance runs (init, sh and sleep below the supervisor: $(echo $procs))" \
	test "$(wc -w <<<"$procs")" -ge 3
held=$(leaves_of "$SUP")
kill -9 "$SUP"
wait "$SUP" 2>/dev/null
if survivors=$(wait_gone "$procs"); then
	ok "kill -9: no process of the instance is alive within 2 s"
else
	not_ok "kill -9: no process of the instance is alive within 2 s"
	diag "alive: $survivors" "$(ps -o pid,ppid,stat,cmd -p "$(echo $survivors | sed 's/:[0-9]*//g; s/ /,/g')")"
	for p in $survivors; do kill -9 "${p%%:*}"; done # ours: they were below our supervisor
fi
if [ -n "$held" ]; then
	vrun run -- /bin/true
	left=$(leaves_of "$SUP")
	check "kill -9: the next run (exit $RC) removes the $(wc -l <<<"$held") cgroup leaves left behind" \
		test "$RC" = 0 -a -z "$left"
	[ -n "$left" ] && diag "left: $left" "stderr: $ERR"
elif [ "$VMSB_AS" = root ]; then
	not_ok "kill -9: as root the instance had cgroup v1 leaves to leave behind (none found)"
else
	# Unprivileged there is nothing to clean: check that nothing was created.
	check "kill -9 (unprivileged): no cgroup leaf was created to be left behind" test -z "$held"
fi

# --- (b) an instance that dies while writing or while being set up ----------------------
# The program's shell kills itself while a background pipeline floods stdout;
# the 1 MB written in the foreground before that must all have come through.
OUTF="$WORK/out"
vrun_to_file() { "$VMSB" "$@" >"$OUTF" 2>"$WORK/err" </dev/null; RC=$?; }
vrun_to_file run $LIMIT --output-limit 4G --report "$R" -- /bin/sh -c \
	'(yes | head -c 1000000000) & head -c 1000000 /dev/zero; kill -9 $$'
got=$(stat -c %s "$OUTF")
check "dies while writing: exit 137, report signaled by 9" \
	test "$RC/$(field 'd["status"], d["signal"]')" = "137/('signaled', 9)"
check "dies while writing: all of its $got bytes were forwarded and counted (>= 1000000)" \
	test "$(field 'd["output_forwarded_bytes"]')" = "$got" -a "$got" -ge 1000000
[ "$RC" != 137 ] && diag "stderr: $(head -c 300 "$WORK/err")"

# SIGKILL from the host to pid 1 of the instance while it writes.
launch "$OUTF" run $LIMIT --output-limit 4G --report "$R" -- /usr/bin/yes "$MARK"
for ((n = 0; n < 500; n++)); do
	[ "$(stat -c %s "$OUTF")" -gt 65536 ] && break
	sleep 0.01
done
first_child "$SUP"
[ -n "$CHILD" ] && kill -9 "$CHILD"
wait "$SUP"
RC=$?
got=$(stat -c %s "$OUTF")
check "pid 1 killed from the host while writing: exit 137, report signaled by 9" \
	test "$RC/$(field 'd["status"], d["signal"]')" = "137/('signaled', 9)"
check "pid 1 killed from the host while writing: the $got bytes received are those counted" \
	test "$(field 'd["output_forwarded_bytes"]')" = "$got" -a "$got" -gt 65536
[ "$RC" != 137 ] && diag "stderr: $(head -c 300 "$WORK/launch.err")"

# SIGKILL to pid 1 as soon as it exists, which is in the middle of its setup:
# the supervisor must say so in its exit status and in the report.
bad=""
for ((k = 0; k < 10; k++)); do
	rm -f "$R"
	launch /dev/null run $LIMIT --report "$R" -- /bin/sh -c 'sleep 1000' "$MARK"
	CHILD=""
	for ((n = 0; n < 100000; n++)); do
		first_child "$SUP"
		[ -n "$CHILD" ] && break
		kill -0 "$SUP" 2>/dev/null || break
	done
	[ -n "$CHILD" ] && kill -9 "$CHILD"
	wait "$SUP"
	RC=$?
	case "$RC/$(field 'd["status"]')" in
	137/signaled | 125/setup_error) ;;
	*) bad+="[$k: exit $RC, report: $(field 'd["status"]' || echo none); $(head -c 200 "$WORK/launch.err")] " ;;
	esac
done
check "pid 1 killed during setup (10 times): exit 137 or 125 and a report that agrees" test -z "$bad"
[ -n "$bad" ] && diag "$bad"

# --- (c) signals to the supervisor reach the program ------------------------------------
SIGDIR="$WORK/sig"
mkdir -m 0777 "$SIGDIR"

# signal_run SIG TRAP_EXIT: the program traps SIG (unless TRAP_EXIT is empty),
# records it in the bound directory and exits with TRAP_EXIT.
signal_run() {
	local sig=$1 code=$2 prog n
	rm -f "$SIGDIR"/* "$R"
	prog='echo ready >/sig/ready; while :; do sleep 0.05; done'
	[ -n "$code" ] && prog="trap 'echo $sig >/sig/marker; exit $code' $sig; $prog"
	launch /dev/null run $LIMIT --bind "$SIGDIR:/sig" --report "$R" -- /bin/sh -c "$prog" "$MARK"
	for ((n = 0; n < 500; n++)); do
		[ -e "$SIGDIR/ready" ] && break
		kill -0 "$SUP" 2>/dev/null || break
		sleep 0.01
	done
	kill -"$sig" "$SUP"
	wait "$SUP"
	RC=$?
	MARKER=$(cat "$SIGDIR/marker" 2>/dev/null)
}

signal_run TERM 42
check "SIGTERM is forwarded: the program's trap ran and its exit 42 is the run's" \
	test "$MARKER/$RC/$(field 'd["status"], d["exit_code"]')" = "TERM/42/('exit_nonzero', 42)"
[ "$RC" != 42 ] && diag "stderr: $(head -c 300 "$WORK/launch.err")"
signal_run INT 43
check "SIGINT is forwarded: the program's trap ran and its exit 43 is the run's" \
	test "$MARKER/$RC/$(field 'd["status"], d["exit_code"]')" = "INT/43/('exit_nonzero', 43)"
signal_run TERM ""
check "SIGTERM without a trap: exit 143, report signaled by 15" \
	test "$RC/$(field 'd["status"], d["signal"]')" = "143/('signaled', 15)"
signal_run HUP ""
check "SIGHUP without a trap: exit 129, report signaled by 1" \
	test "$RC/$(field 'd["status"], d["signal"]')" = "129/('signaled', 1)"

for ((n = 0; n < 200; n++)); do
	left=$(marked)
	[ -z "$left" ] && break
	sleep 0.01
done
check "no process carrying our mark is left after all of the above" test -z "$left"
[ -n "$left" ] && diag "$(ps -o pid,ppid,stat,cmd -p "$(paste -sd, <<<"$left")")"
exit 0
