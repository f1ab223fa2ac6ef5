/* SPDX-License-Identifier: MIT */
/* clone_newns: create mount, pid, net, ipc, uts and cgroup namespaces with clone(2) flags. */
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
	try_clone("clone(CLONE_NEWNS)", CLONE_NEWNS);
	try_clone("clone(CLONE_NEWPID)", CLONE_NEWPID);
	try_clone("clone(CLONE_NEWNET)", CLONE_NEWNET);
	try_clone("clone(CLONE_NEWIPC)", CLONE_NEWIPC);
	try_clone("clone(CLONE_NEWUTS)", CLONE_NEWUTS);
	try_clone("clone(CLONE_NEWCGROUP)", CLONE_NEWCGROUP);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
