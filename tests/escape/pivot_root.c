/* SPDX-License-Identifier: MIT */
/* pivot_root: swap the root mount (a step of most mount-namespace escapes). */
#include "escape.h"

static int attack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (mkdir("/tmp/vmsb-old", 0700) < 0 && errno != EEXIST)
		esc_cannot("mkdir /tmp/vmsb-old: %s", esc_errname(errno));
	if (chdir("/") < 0)
		esc_cannot("chdir /: %s", esc_errname(errno));
	ESC_TRY("pivot_root(., .)", syscall(SYS_pivot_root, ".", "."));
	ESC_TRY("pivot_root(/tmp, /tmp/vmsb-old)",
		syscall(SYS_pivot_root, "/tmp", "/tmp/vmsb-old"));
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
