/* SPDX-License-Identifier: MIT */
/* clone_newuser: create a user namespace with clone(2) flags instead of unshare. */
#include <sched.h>

#include "escape.h"

/* No new stack, parent and child tids or TLS: a fork with extra flags. */
static void try_clone(const char *what, unsigned long flags)
{
	esc_try_fork(what, SYS_clone, flags | SIGCHLD, 0UL);
}

static int attack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	try_clone("clone(CLONE_NEWUSER)", CLONE_NEWUSER);
	try_clone("clone(CLONE_NEWUSER|CLONE_NEWNS)", CLONE_NEWUSER | CLONE_NEWNS);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
