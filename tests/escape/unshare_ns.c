/* SPDX-License-Identifier: MIT */
/* unshare_ns: create each other kind of namespace with unshare(2). */
#include <sched.h>

#include "escape.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static int attack(int argc, char **argv)
{
	static const struct {
		int flag;
		const char *name;
	} ns[] = {
		{CLONE_NEWNS, "unshare(CLONE_NEWNS)"},
		{CLONE_NEWNET, "unshare(CLONE_NEWNET)"},
		{CLONE_NEWPID, "unshare(CLONE_NEWPID)"},
		{CLONE_NEWIPC, "unshare(CLONE_NEWIPC)"},
		{CLONE_NEWUTS, "unshare(CLONE_NEWUTS)"},
		{CLONE_NEWCGROUP, "unshare(CLONE_NEWCGROUP)"},
		{CLONE_NEWTIME, "unshare(CLONE_NEWTIME)"},
	};

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		ESC_TRY(ns[i].name, unshare(ns[i].flag));
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
