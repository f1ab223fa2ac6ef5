/* SPDX-License-Identifier: MIT */
/*
 * signal_init: send SIGKILL, SIGSTOP, SIGSEGV, SIGABRT, SIGUSR1, SIGTERM,
 * SIGINT and SIGHUP to pid 1 of the instance. kill() itself may return 0
 * (the kernel silently drops what init does not handle): what counts is the
 * effect. Init must still run and not be stopped, and this payload must not
 * have been killed by a signal init "forwarded" back to it; the runner also
 * requires the instance to exit 0.
 */
#include "escape.h"

static void check_effects(pid_t payload)
{
	char st;

	/* the forward of a signal is asynchronous: give it a bounded chance to land */
	for (int i = 0; i < 50; i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};

		if (getppid() != payload)
			break;
		nanosleep(&ts, NULL);
	}
	if (getppid() != payload) {
		esc_tally()->hits++;
		esc_append("the payload (pid %d) died: a signal to init reached it", (int)payload);
	}
	st = esc_init_state();
	if (st == 'Z' || st == 'X' || st == 'x' || st == '?') {
		esc_tally()->hits++;
		esc_append("init is gone (state %c)", st);
	} else if (st == 'T' || st == 't') {
		esc_tally()->hits++;
		esc_append("init is stopped");
		kill(1, SIGCONT);
	} else {
		esc_append("init alive, state %c", st);
	}
}

static int attack(int argc, char **argv)
{
	static const int sigs[] = {SIGKILL, SIGSTOP, SIGSEGV, SIGABRT,
				   SIGUSR1, SIGTERM, SIGINT,  SIGHUP};
	pid_t payload = getppid();

	(void)argc;
	(void)argv;
	if (getpid() > 100)
		esc_cannot("pid %d: not inside a fresh pid namespace", (int)getpid());
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		int r = kill(1, sigs[i]);

		esc_append("kill(1, SIG%s) = %d%s%s", sigabbrev_np(sigs[i]), r, r < 0 ? " " : "",
			   r < 0 ? esc_errname(errno) : "");
	}
	check_effects(payload);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
