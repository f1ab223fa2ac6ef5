/* SPDX-License-Identifier: MIT */
/* clone_newns: create mount, pid, net, ipc, uts and cgroup namespaces with clone(2) flags. */
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
	try_clone("clone(CLONE_NEWNS)", CLONE_NEWNS);
	try_clone("clone(CLONE_NEWPID)", CLONE_NEWPID);
	try_clone("clone(CLONE_NEWNET)", CLONE_NEWNET);
	try_clone("clone(CLONE_NEWIPC)", CLONE_NEWIPC);
	try_clone("clone(CLONE_NEWUTS)", CLONE_NEWUTS);
	try_clone("clone(CLONE_NEWCGROUP)", CLONE_NEWCGROUP);
	esc_finish();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
