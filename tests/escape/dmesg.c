/* SPDX-License-Identifier: MIT */
/* dmesg: read the kernel log with syslog(2) and /dev/kmsg (host activity, kernel pointers). */
#include <sys/klog.h>

#include "escape.h"

static int attack(int argc, char **argv)
{
	static char buf[4096];

	(void)argc;
	(void)argv;
	ESC_TRY("syslog(READ_ALL)", klogctl(3, buf, sizeof(buf)));
	esc_try_open("/dev/kmsg", O_RDONLY);
	esc_try_open("/proc/kmsg", O_RDONLY);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
