/* SPDX-License-Identifier: MIT */
/*
 * fork_bomb: fork until the kernel says no, keep every process alive, then
 * keep retrying. Under --pids-limit the forks must start failing (EAGAIN)
 * long before 4096 processes; the instance then ends by its wall limit,
 * and the runner checks from the host that no process named argv[1] is
 * left.
 */
#include "escape.h"

#define ESCAPE_AT 4096

static void idle_forever(void)
{
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	long n = 0;
	int err;
	pid_t pid;

	esc_set_name(argv[0]);
	esc_guard();
	if (argc > 1)
		esc_set_comm(argv[1]);
	esc_ignore_term();
	for (;;) {
		pid = fork();
		if (pid == 0)
			idle_forever();
		if (pid < 0)
			break;
		if (++n >= ESCAPE_AT)
			esc_escaped("%ld processes forked without hitting a limit", n);
	}
	err = errno;
	dprintf(STDOUT_FILENO, "%s: blocked (fork failed with %s after %ld processes)\n", esc_name,
		esc_errname(err), n);
	/* a real bomb does not give up: retry until the wall limit ends the instance */
	for (;;) {
		struct timespec ts = {0, 5 * 1000 * 1000};

		pid = fork();
		if (pid == 0)
			idle_forever();
		if (pid > 0 && ++n >= ESCAPE_AT)
			esc_escaped("%ld processes forked after the first failure", n);
		nanosleep(&ts, NULL);
	}
}
