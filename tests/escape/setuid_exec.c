/* SPDX-License-Identifier: MIT */
/*
 * setuid_exec: execute the host's set-user-ID root programs from the
 * read-only /usr (passwd, chsh, su, newgrp, mount, ...). nosuid mounts and
 * no_new_privs must keep the caller's credentials: the parent reads the
 * child's /proc status after the exec (the child's stdin is a pipe nobody
 * writes, so prompting programs wait) and compares the effective uid and
 * capabilities with its own.
 */
#include <sys/prctl.h>

#include "escape.h"

#define PRE_EXEC_COMM "vmsb-preexec"

static bool read_status(pid_t pid, char *buf, size_t size)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	return esc_read_file(path, buf, size) > 0;
}

/* After the exec: did the credentials change? */
static void judge(const char *bin, pid_t pid)
{
	char buf[4096], *uid, *cap;
	unsigned r = 0, e = 0;

	if (!read_status(pid, buf, sizeof(buf))) {
		esc_append("%s: status unreadable", bin);
		return;
	}
	uid = strstr(buf, "\nUid:");
	cap = strstr(buf, "\nCapEff:\t");
	if (!uid || sscanf(uid, "\nUid:\t%u\t%u", &r, &e) != 2 || !cap)
		esc_cannot("%s: cannot parse /proc status", bin);
	if (e != getuid() || strncmp(cap + 9, "0000000000000000", 16) != 0) {
		esc_tally()->hits++;
		esc_append("%s ran with euid %u (ours %u), CapEff %.16s", bin, e,
			   (unsigned)getuid(), cap + 9);
	} else {
		esc_append("%s: euid %u, no capabilities", bin, e);
	}
}

/*
 * Waits (bounded) until the child has exec'd (comm changed) and then left
 * the running state: sleeping on its stdin or exited (a zombie we have not
 * reaped), so the new credentials are committed by the time we read them.
 */
static void wait_execed(pid_t pid)
{
	char path[64], buf[512], *p;

	for (int i = 0; i < 1000; i++) {
		struct timespec ts = {0, 2 * 1000 * 1000};

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		if (esc_read_file(path, buf, sizeof(buf)) > 0 &&
		    !strstr(buf, "(" PRE_EXEC_COMM ")")) {
			p = strrchr(buf, ')');
			if (p && p[1] == ' ' && p[2] != 'R' && p[2] != 'D')
				return;
		}
		nanosleep(&ts, NULL);
	}
}

static void try_bin(const char *bin)
{
	int in[2], null;
	pid_t pid;

	if (access(bin, X_OK) < 0)
		return;
	if (pipe2(in, O_CLOEXEC) < 0)
		esc_cannot("pipe: %s", esc_errname(errno));
	pid = fork();
	if (pid == 0) {
		null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		dup2(in[0], 0);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		esc_set_comm(PRE_EXEC_COMM);
		execl(bin, bin, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	wait_execed(pid);
	judge(bin, pid);
	close(in[1]); /* EOF on stdin: prompting programs give up */
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static int attack(int argc, char **argv)
{
	static const char *const bins[] = {"/usr/bin/passwd", "/usr/bin/chsh",	"/usr/bin/su",
					   "/usr/bin/newgrp", "/usr/bin/mount", "/usr/bin/gpasswd",
					   "/usr/bin/chfn",   "/usr/bin/sudo"};

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < sizeof(bins) / sizeof(bins[0]); i++)
		try_bin(bins[i]);
	if (esc_tally()->log[0] == '\0')
		esc_cannot("no set-user-ID program found under /usr/bin");
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
