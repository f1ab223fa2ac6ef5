/* SPDX-License-Identifier: MIT */
/* keyctl: reach the caller's keyrings (join a session, read the user keyring, search). */
#include <linux/keyctl.h>

#include "escape.h"

static int attack(int argc, char **argv)
{
	char buf[256];

	(void)argc;
	(void)argv;
	ESC_TRY("keyctl(GET_KEYRING_ID, @u)",
		syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0));
	ESC_TRY("keyctl(READ, @u)",
		syscall(SYS_keyctl, KEYCTL_READ, KEY_SPEC_USER_KEYRING, buf, sizeof(buf)));
	ESC_TRY("keyctl(JOIN_SESSION_KEYRING)",
		syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "vmsb:session"));
	ESC_TRY("keyctl(DESCRIBE, @s)",
		syscall(SYS_keyctl, KEYCTL_DESCRIBE, KEY_SPEC_SESSION_KEYRING, buf, sizeof(buf)));
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
