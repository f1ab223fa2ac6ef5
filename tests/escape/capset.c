/* SPDX-License-Identifier: MIT */
/*
 * capset: get capabilities back: setuid(0), capset of the full set, raising
 * ambient capabilities, clearing no_new_privs and the securebits. Then the
 * status must still show no capabilities at all and no_new_privs set.
 */
#include <linux/capability.h>
#include <sys/prctl.h>

#include "escape.h"

static void check_status(void)
{
	static const char *const zero[] = {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"};
	char buf[4096], key[32], *line;

	if (esc_read_file("/proc/self/status", buf, sizeof(buf)) < 0)
		esc_cannot("read /proc/self/status: %s", esc_errname(errno));
	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++) {
		snprintf(key, sizeof(key), "\n%s:\t", zero[i]);
		line = strstr(buf, key);
		if (!line || strncmp(line + strlen(key), "0000000000000000", 16) != 0) {
			esc_tally()->hits++;
			esc_append("%s is not 0", zero[i]);
		}
	}
	line = strstr(buf, "\nNoNewPrivs:\t");
	if (!line || line[13] != '1') {
		esc_tally()->hits++;
		esc_append("NoNewPrivs is not 1");
	}
}

static int attack(int argc, char **argv)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];

	(void)argc;
	(void)argv;
	if (getuid() != 0) {
		ESC_TRY("setuid(0)", setuid(0));
		ESC_TRY("setresuid(0, 0, 0)", setresuid(0, 0, 0));
		ESC_TRY("setgid(0)", setgid(0));
	}
	memset(data, 0xff, sizeof(data));
	ESC_TRY("capset(all)", syscall(SYS_capset, &hdr, data));
	ESC_TRY("prctl(CAP_AMBIENT_RAISE, CAP_SYS_ADMIN)",
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN, 0, 0));
	ESC_TRY("prctl(SET_NO_NEW_PRIVS, 0)", prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0));
	/* the kernel wants CAP_SETPCAP for any change of the securebits, even a no-op */
	ESC_TRY("prctl(SET_SECUREBITS, 0)", prctl(PR_SET_SECUREBITS, 0, 0, 0, 0));
	check_status();
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
