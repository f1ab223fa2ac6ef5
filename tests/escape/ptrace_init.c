/* SPDX-License-Identifier: MIT */
/* ptrace_init: attach to pid 1 of the instance (a clone of the supervisor) with ptrace. */
#include <sys/ptrace.h>

#include "escape.h"

static int attack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (ESC_TRY("ptrace(PTRACE_ATTACH, 1)", ptrace(PTRACE_ATTACH, 1, NULL, NULL)) == 0) {
		waitpid(1, NULL, __WALL);
		ptrace(PTRACE_DETACH, 1, NULL, NULL);
	}
	if (ESC_TRY("ptrace(PTRACE_SEIZE, 1)", ptrace(PTRACE_SEIZE, 1, NULL, NULL)) == 0)
		ptrace(PTRACE_DETACH, 1, NULL, NULL);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
