/* SPDX-License-Identifier: MIT */
/* add_key: put a key into the session and user keyrings (kernel keyrings are not namespaced). */
#include <linux/keyctl.h>

#include "escape.h"

static int attack(int argc, char **argv)
{
	static const char payload[] = "vmsb-escape";

	(void)argc;
	(void)argv;
	ESC_TRY("add_key(user, @s)", syscall(SYS_add_key, "user", "vmsb:escape", payload,
					     sizeof(payload), KEY_SPEC_SESSION_KEYRING));
	ESC_TRY("add_key(user, @u)", syscall(SYS_add_key, "user", "vmsb:escape", payload,
					     sizeof(payload), KEY_SPEC_USER_KEYRING));
	ESC_TRY("add_key(keyring, @p)",
		syscall(SYS_add_key, "keyring", "vmsb:ring", NULL, 0, KEY_SPEC_PROCESS_KEYRING));
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
