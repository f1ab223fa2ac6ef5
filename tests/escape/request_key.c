/* SPDX-License-Identifier: MIT */
/* request_key: ask for a key, which can make the host run /sbin/request-key as root. */
#include <linux/keyctl.h>

#include "escape.h"

static int attack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	/* ENOKEY or ENOENT would mean the call reached the keyring code and its upcall */
	ESC_TRY_STRICT(
		"request_key(user, no callout)",
		syscall(SYS_request_key, "user", "vmsb:absent", NULL, KEY_SPEC_SESSION_KEYRING));
	ESC_TRY_STRICT("request_key(user, callout)",
		       syscall(SYS_request_key, "user", "vmsb:absent", "callout-info",
			       KEY_SPEC_SESSION_KEYRING));
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
