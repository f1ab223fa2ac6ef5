#!/bin/sh
# `make demo`: runs a small untrusted program under the embedded default
# policy and prints what it saw from inside, then the instance's report.
set -u
VMSB=${1:-build/vmsandbox}

cat <<'MSG'
== vmsandbox demo: an untrusted shell script under the embedded default policy ==
MSG

# The report goes to stdout ("-"), so the program's own stdout is moved to stderr.
DEMO_SECRET=hunter2 "$VMSB" run --report - -- /bin/sh -c '
	echo "inside: $(id)"
	echo "hostname: $(hostname)"
	echo "processes visible: $(ls -d /proc/[0-9]* | wc -l)"
	echo "network interfaces: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\n" " ")"
	echo "programs in /usr/bin: $(ls /usr/bin | wc -l)"
	grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status
	if cat /etc/shadow >/dev/null 2>&1; then echo "/etc/shadow: READABLE"; else echo "/etc/shadow: not there"; fi
	if touch /usr/evil 2>/dev/null; then echo "/usr: WRITABLE"; else echo "/usr: read-only"; fi
	echo "secret from the caller: ${DEMO_SECRET:-absent}"
' 2>&1
status=$?
echo "== exit status: $status =="
exit "$status"
