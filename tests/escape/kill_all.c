/* SPDX-License-Identifier: MIT */
/*
 * kill_all: kill(-1, SIGKILL) and kill(-1, SIGSTOP): every process the
 * caller may signal. The pid namespace must confine it to the instance (the
 * runner keeps a host process of the same uid and checks it survives), and
 * init must survive it. Runs in the payload itself: kill(-1) spares the
 * caller, so a helper process would be a legitimate victim.
 */
#include "escape.h"

int main(int argc, char **argv)
{
	int r;

	(void)argc;
	esc_set_name(argv[0]);
	esc_guard();
	if (getpid() > 100)
		esc_cannot("pid %d: not inside a fresh pid namespace", (int)getpid());
	r = kill(-1, SIGSTOP);
	esc_append("kill(-1, SIGSTOP) = %d%s%s", r, r < 0 ? " " : "",
		   r < 0 ? esc_errname(errno) : "");
	r = kill(-1, SIGKILL);
	esc_append("kill(-1, SIGKILL) = %d%s%s", r, r < 0 ? " " : "",
		   r < 0 ? esc_errname(errno) : "");
	kill(-1, SIGCONT);
	{
		char st = esc_init_state();

		if (st == 'Z' || st == 'X' || st == 'x' || st == 'T' || st == 't' || st == '?') {
			esc_tally()->hits++;
			esc_append("init is gone or stopped (state %c)", st);
		} else {
			esc_append("init alive, state %c", st);
		}
	}
	esc_append("host processes: checked by the runner");
	esc_assert_all_blocked();
}
