#!/bin/bash
# Core isolation seen from inside an instance under the embedded default policy.
. "$(dirname "$0")/lib.sh"
plan 19

vrun run -- /bin/sh -c 'grep -E "^(CapEff|CapPrm|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status'
check "no capabilities: CapEff, CapPrm and CapBnd are 0" \
	grep -qzE 'CapPrm:\s+0000000000000000.*CapEff:\s+0000000000000000.*CapBnd:\s+0000000000000000' <<<"$OUT"
check "no_new_privs is set" grep -qE '^NoNewPrivs:\s+1$' <<<"$OUT"
check "seccomp filter mode (2)" grep -qE '^Seccomp:\s+2$' <<<"$OUT"

vrun run -- /bin/sh -c 'ls -d /proc/[0-9]* | wc -l; test -d /proc/1 && echo has1'
check "only the instance's processes in /proc (init, sh, ls, wc)" \
	test "$(head -1 <<<"$OUT")" -le 4 -a "$(tail -1 <<<"$OUT")" = has1
vrun run -- /bin/sh -c "test -e /proc/$$ && echo leaked || echo hidden"
expect_out "a host pid (the test shell) is not visible" "hidden"

vrun run -- /bin/sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "'
expect_out "only lo exists in the network namespace" "lo"

vrun run -- /bin/hostname
expect_out "hostname is the instance's default" "vmsandbox"
vrun run --hostname ci-job-7 -- /bin/hostname
expect_out "--hostname sets it" "ci-job-7"

SECRET_FROM_HOST=hunter2 vrun run -- /bin/sh -c 'echo "${SECRET_FROM_HOST:-absent}"'
expect_out "a host environment variable is absent" "absent"
SECRET_FROM_HOST=hunter2 vrun run --env SECRET_FROM_HOST -- /bin/sh -c 'echo "$SECRET_FROM_HOST"'
expect_out "--env NAME passes it explicitly" "hunter2"
vrun run --env GREETING=hi -- /bin/sh -c 'echo "$GREETING"'
expect_out "--env NAME=VALUE sets it" "hi"

vrun run -- /bin/sh -c 'test -e /etc/shadow && echo visible || echo absent'
expect_out "/etc/shadow is absent" "absent"
vrun run -- /bin/sh -c 'touch /usr/vmsb-probe 2>/dev/null && echo wrote || echo refused'
expect_out "/usr is read-only" "refused"

mkdir -p "$WORK/ro" && echo data >"$WORK/ro/file" && chmod -R a+rwX "$WORK/ro"
vrun run --ro-bind "$WORK/ro:/data" -- /bin/sh -c \
	'cat /data/file; echo x >/data/file 2>/dev/null && echo wrote; touch /data/new 2>/dev/null && echo created; true'
expect_out "--ro-bind is readable and rejects writes" "data"
check "the host file is unchanged" test "$(cat "$WORK/ro/file")" = data

mkdir -p "$WORK/rw" && chmod 0777 "$WORK/rw"
vrun run --bind "$WORK/rw:/out" -- /bin/sh -c 'echo made-inside >/out/result'
check "--bind is writable and the host sees the write" test "$(cat "$WORK/rw/result" 2>/dev/null)" = made-inside

vrun run -- /bin/sh -c 'echo hello >/tmp/x && cat /tmp/x && echo home >"$HOME/y" && cat "$HOME/y"'
expect_out "/tmp and the home directory are private and writable" "hello
home"

vrun run -- /bin/sh -c 'ls /usr/bin | wc -l'
check "ordinary programs from /usr run (ls /usr/bin | wc -l)" test "${OUT:-0}" -gt 50

vrun run --cwd /tmp -- /bin/pwd
expect_out "--cwd sets the working directory" "/tmp"
