#!/bin/bash
# Denied syscalls fail as the policy says: kill (SIGSYS), EPERM or ENOSYS.
. "$(dirname "$0")/lib.sh"
plan 15

T=/opt/helpers/try-syscall
P="$FIXTURES/seccomp"

vrun run $HB -- $T getppid
expect_out "getppid is allowed by the default" "getppid: ok"
vrun run $HB -p "$P/deny-getppid-errno.json" -- $T getppid
check "deny action errno gives EPERM" test "$OUT/$RC" = "getppid: EPERM/1"
vrun run $HB -p "$P/deny-getppid-enosys.json" -- $T getppid
check "deny action enosys gives ENOSYS" test "$OUT/$RC" = "getppid: ENOSYS/38"
vrun run $HB -p "$P/deny-getppid-kill.json" --report "$WORK/r.json" -- $T getppid
expect "deny action kill: SIGSYS gives 159 and says seccomp" 159 'seccomp'
check "deny action kill: report status seccomp_violation, signal SIGSYS" \
	test "$(json "$WORK/r.json" 'd["status"] + ":" + d["signal_name"]')" = seccomp_violation:SIGSYS

vrun run $HB -p "$P/default-kill.json" -- $T personality
check "default_action kill: a syscall outside the allow list kills (159)" test "$RC" = 159
vrun run $HB -- $T personality
check "default_action enosys (the default): outside the allow list gives ENOSYS" \
	test "$OUT" = "personality: ENOSYS"

vrun run $HB -- $T bpf
check "default denies bpf with EPERM" test "$OUT" = "bpf: EPERM"
vrun run $HB -- $T clone3
check "default answers clone3 with ENOSYS so libc falls back" test "$OUT" = "clone3: ENOSYS"
vrun run $HB -- $T clone_newuser
check "default denies clone(CLONE_NEWUSER) with EPERM" test "$OUT" = "clone_newuser: EPERM"
vrun run $HB -- $T unshare
check "default denies unshare with EPERM" test "$OUT" = "unshare: EPERM"
vrun run $HB -- $T socket_netlink
check "default denies netlink sockets" test "$OUT" = "socket_netlink: EPERM"
vrun run $HB -- $T socket_unix
check "unix sockets stay allowed" test "$OUT" = "socket_unix: ok"
vrun run $HB -- $T x32_getpid
check "x32 syscall numbers are killed (159)" test "$RC" = 159
vrun run $HB -- $T i386_getpid
check "i386 int 0x80 is killed (159)" test "$RC" = 159
