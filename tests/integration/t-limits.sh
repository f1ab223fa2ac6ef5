#!/bin/bash
# Limits: each test asserts the status, the exit code and the report fields.
# As root this host enforces memory and pids with cgroup v1; unprivileged,
# with rlimits, and the report must say which.
. "$(dirname "$0")/lib.sh"
plan 24

HOG="$VMSB_STAGE/helpers/hog"
R="$WORK/report.json"
field() { json "$R" "$1"; }
if [ "$VMSB_AS" = root ]; then CG=cgroup1; else CG=rlimit; fi

# memory: 4 GiB touched under 64 MiB
vrun run $HB --memory-limit 64M --report "$R" -- /opt/helpers/hog mem 4096
if [ "$CG" = cgroup1 ]; then
	check "memory: status memory_limit, exit 137" test "$(field 'd["status"]')/$RC" = memory_limit/137
	check "memory: peak within the limit" test "$(field 'd["peak_memory_bytes"] <= 64*1024*1024')" = True
else
	check "memory (rlimit): the allocation fails inside" test "$RC" = 3
	check "memory (rlimit): stopped before the limit" grep -qE 'mmap failed after ([0-9]|[1-5][0-9]|6[0-3]) MiB' <<<"$ERR"
fi
check "memory: enforced_by $CG, value 64 MiB" \
	test "$(field 'd["limits"]["memory"]["enforced_by"] + ":" + str(d["limits"]["memory"]["value"])')" = "$CG:67108864"
check "memory: the host is unaffected (we are still here, report written)" test -s "$R"

# fork bomb under 32 pids, ended by the wall clock
start=$(date +%s%N)
vrun run $HB --pids-limit 32 --time-limit 2s --report "$R" -- /opt/helpers/hog forkbomb
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "fork bomb: contained, ends by its wall limit (timeout, 124)" test "$(field 'd["status"]')/$RC" = timeout/124
check "fork bomb: gone within 5 s (took ${ms} ms)" test "$ms" -lt 5000
check "fork bomb: pids enforced_by $CG" test "$(field 'd["limits"]["pids"]["enforced_by"]')" = "$CG"
if [ "$CG" = cgroup1 ]; then
	check "fork bomb: the pids limit was hit and the peak stayed at 32" \
		test "$(field 'str(d["limits"]["pids"]["hit"]) + ":" + str(d["processes_peak"] <= 32)')" = True:True
else
	check "fork bomb (rlimit): wall limit reported as hit" test "$(field 'd["limits"]["wall_time"]["hit"]')" = True
fi

# CPU: four spinning processes, 1 s of CPU summed over all of them
vrun run $HB --cpu-limit 1s --report "$R" -- /opt/helpers/hog cpu 4
check "cpu: status cpu_limit, exit 124" test "$(field 'd["status"]')/$RC" = cpu_limit/124
check "cpu: about 1 s of summed CPU, not 4 s" test "$(field '1000 <= d["cpu_time_ms"]["total"] < 1800')" = True
check "cpu: enforced for the whole instance (cgroup or supervisor), not per process" \
	grep -qE '^(cgroup1|cgroup2|supervisor)$' <<<"$(field 'd["limits"]["cpu_time"]["enforced_by"]')"

# wall clock
start=$(date +%s%N)
vrun run --time-limit 500ms --report "$R" -- /bin/sleep 1000
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "sleep: status timeout, exit 124" test "$(field 'd["status"]')/$RC" = timeout/124
check "sleep: finished in well under 2 s (${ms} ms)" test "$ms" -lt 1500
check "sleep: wall_time enforced_by supervisor and hit" \
	test "$(field 'd["limits"]["wall_time"]["enforced_by"] + str(d["limits"]["wall_time"]["hit"])')" = supervisorTrue

# a double-forked setsid daemon dies with the instance
marker="vmsbd$$"
vrun run $HB -- /opt/helpers/hog daemon "$marker"
sleep 0.2
check "daemon: run returned 0" test "$RC" = 0
check "daemon: no process named $marker survives on the host" \
	bash -c "! grep -qx '$marker' /proc/[0-9]*/comm 2>/dev/null"

# output flood: 1 GiB against 1 MiB
out="$WORK/flood.out"
"$VMSB" run $HB --output-limit 1M --report "$R" -- /opt/helpers/hog output 1024 >"$out" 2>/dev/null
RC=$?
check "output: status output_limit" test "$(field 'd["status"]')" = output_limit
check "output: at most 1 MiB reached the caller ($(stat -c %s "$out") bytes)" \
	test "$(stat -c %s "$out")" -le 1048576
check "output: output_bytes counted and the limit reported hit" \
	test "$(field 'str(d["output_forwarded_bytes"] <= 1048576) + str(d["limits"]["output"]["hit"])')" = TrueTrue

# file size: 100 MiB under 1 MiB fails inside
vrun run $HB --file-size-limit 1M --report "$R" -- /opt/helpers/hog file /tmp/big 100
check "file size: the write fails inside (SIGXFSZ, file_size_limit)" \
	test "$(field 'd["status"]')/$RC" = file_size_limit/153
check "file size: enforced_by rlimit" test "$(field 'd["limits"]["file_size"]["enforced_by"]')" = rlimit

# a full tmpfs is ENOSPC inside, not a host problem
vrun run $HB --tmpfs /scratch:4M -- /opt/helpers/hog file /scratch/fill 16
check "tmpfs full: ENOSPC inside" grep -q 'No space left on device' <<<"$ERR"
check "tmpfs full: the program saw the error and exited 3" test "$RC" = 3

# --require cgroup fails instead of falling back
vrun run --require cgroup --memory-limit 64M -- /bin/true
if [ "$CG" = cgroup1 ]; then
	check "--require cgroup: runs when a cgroup can enforce it" test "$RC" = 0
else
	check "--require cgroup: refuses to fall back to rlimits (125)" test "$RC" = 125
fi
