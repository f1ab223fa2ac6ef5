/* SPDX-License-Identifier: MIT */
/* clone_newuser: create a user namespace with clone(2) flags instead of unshare. */
#include <sched.h>

#include "escape.h"

static void try_clone(const char *what, unsigned long flags)
{
	long pid;
	int err;

	esc_begin(what);
	pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0UL);
	err = errno;
	if (pid == 0)
		_exit(0); /* the new child must not touch the shared tally */
	esc_note(what, pid, err);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
}

static int attack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	try_clone("clone(CLONE_NEWUSER)", CLONE_NEWUSER);
	try_clone("clone(CLONE_NEWUSER|CLONE_NEWNS)", CLONE_NEWUSER | CLONE_NEWNS);
	esc_finish();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
