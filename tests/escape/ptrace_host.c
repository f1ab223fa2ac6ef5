/* SPDX-License-Identifier: MIT */
/*
 * ptrace_host: attack host processes by pid (argv: a host sleeper the
 * runner started, then the runner's own shell). Their numbers mean nothing
 * in the instance's pid namespace: kill (SIGKILL, sleeper only), ptrace and
 * process_vm_readv must all fail; the runner checks both are alive after.
 */
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "escape.h"

static bool denied(int err)
{
	return esc_is_denial(err) || err == ESRCH;
}

static void judge(const char *what, long r, int err)
{
	if (r >= 0 || !denied(err)) {
		esc_tally()->hits++;
		esc_append("%s reached the process (%ld %s)", what, r,
			   r < 0 ? esc_errname(err) : "");
	} else {
		esc_append("%s: %s", what, esc_errname(err));
	}
}

static void attack_pid(pid_t pid, bool destructive)
{
	char local[16], what[96];
	struct iovec l = {local, sizeof(local)}, r = {(void *)0x400000, sizeof(local)};
	long ret;

	snprintf(what, sizeof(what), "kill(%d, %s)", (int)pid, destructive ? "SIGKILL" : "0");
	ret = kill(pid, destructive ? SIGKILL : 0);
	judge(what, ret, errno);
	snprintf(what, sizeof(what), "ptrace(ATTACH, %d)", (int)pid);
	ret = ptrace(PTRACE_ATTACH, pid, NULL, NULL);
	judge(what, ret, errno);
	if (ret == 0)
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
	snprintf(what, sizeof(what), "process_vm_readv(%d)", (int)pid);
	ret = process_vm_readv(pid, &l, 1, &r, 1, 0);
	judge(what, ret, errno);
}

static int attack(int argc, char **argv)
{
	if (argc < 2)
		esc_cannot("usage: ptrace_host SLEEPER-PID [OTHER-PID...]");
	for (int i = 1; i < argc; i++) {
		pid_t pid = (pid_t)atoi(argv[i]);

		if (pid <= 100)
			esc_cannot("host pid %d is too small to tell from the instance's own",
				   (int)pid);
		attack_pid(pid, i == 1);
	}
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
