/* SPDX-License-Identifier: MIT */
/*
 * daemon: leave a double-forked, setsid daemon behind (stdio closed,
 * SIGTERM/SIGHUP ignored, named argv[1] in comm and argv) and exit 0 at
 * once. Its death is only visible from the host: the runner checks that no
 * process with that name exists once vmsandbox has returned.
 */
#include "escape.h"

static void become_daemon(char **argv, const char *marker)
{
	size_t room = strlen(argv[0]);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	esc_set_comm(marker);
	/* rewrite argv[0] in place so /proc/PID/cmdline carries the marker as well */
	memset(argv[0], 0, room);
	memcpy(argv[0], marker, strnlen(marker, room));
	esc_ignore_term();
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	pid_t pid;
	int status;

	esc_set_name(argv[0]);
	esc_guard();
	if (argc < 2)
		esc_cannot("usage: daemon MARKER");
	pid = fork();
	if (pid < 0)
		esc_cannot("fork: %s", esc_errname(errno));
	if (pid == 0) {
		setsid();
		pid = fork();
		if (pid == 0)
			become_daemon(argv, argv[1]);
		_exit(pid > 0 ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		esc_cannot("the intermediate child failed");
	esc_blocked("daemon '%s' left running inside; its end is checked from the host", argv[1]);
}
