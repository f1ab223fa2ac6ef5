/* SPDX-License-Identifier: MIT */
/* unshare_user: create a new user namespace (full capabilities inside it, new kernel surface). */
#include <sched.h>

#include "escape.h"

static int attack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	ESC_TRY("unshare(CLONE_NEWUSER)", unshare(CLONE_NEWUSER));
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
