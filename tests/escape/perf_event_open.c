/* SPDX-License-Identifier: MIT */
/* perf_event_open: open a software counter on ourselves and on any cpu (kernel info leaks, bugs).
 */
#include <linux/perf_event.h>

#include "escape.h"

static int attack(int argc, char **argv)
{
	struct perf_event_attr attr;
	long fd;

	(void)argc;
	(void)argv;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.exclude_kernel = 1;
	fd = ESC_TRY("perf_event_open(self)", syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
	if (fd >= 0)
		close(fd);
	attr.exclude_kernel = 0;
	fd = ESC_TRY("perf_event_open(cpu 0, all tasks)",
		     syscall(SYS_perf_event_open, &attr, -1, 0, -1, 0));
	if (fd >= 0)
		close(fd);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
