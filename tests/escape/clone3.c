/* SPDX-License-Identifier: MIT */
/*
 * clone3: create namespaces with clone3(2), whose flags live in memory where
 * seccomp cannot inspect them: the filter must refuse clone3 as a whole.
 */
#include <linux/sched.h>

#include "escape.h"

static void try_clone3(const char *what, unsigned long long flags)
{
	struct clone_args args;

	memset(&args, 0, sizeof(args));
	args.flags = flags;
	args.exit_signal = SIGCHLD;
	esc_try_fork(what, SYS_clone3, (unsigned long)&args, sizeof(args));
}

static int attack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	try_clone3("clone3(CLONE_NEWUSER)", CLONE_NEWUSER);
	try_clone3("clone3(CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWPID)",
		   CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID);
	try_clone3("clone3(CLONE_NEWNET)", CLONE_NEWNET);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
