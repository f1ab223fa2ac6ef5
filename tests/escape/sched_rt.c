/* SPDX-License-Identifier: MIT */
/*
 * sched_rt: take the CPU from the host: real-time scheduling (SCHED_FIFO,
 * SCHED_RR: a spinning RT task starves the machine), a negative nice value
 * and real-time I/O priority.
 */
#include <sched.h>
#include <sys/resource.h>

#include "escape.h"

#define IOPRIO_CLASS_RT 1
#define IOPRIO_WHO_PROCESS 1

static int attack(int argc, char **argv)
{
	struct sched_param sp = {.sched_priority = 1};

	(void)argc;
	(void)argv;
	ESC_TRY("sched_setscheduler(SCHED_FIFO, 1)", sched_setscheduler(0, SCHED_FIFO, &sp));
	ESC_TRY("sched_setscheduler(SCHED_RR, 1)", sched_setscheduler(0, SCHED_RR, &sp));
	ESC_TRY("setpriority(-10)", setpriority(PRIO_PROCESS, 0, -10));
	ESC_TRY("ioprio_set(RT)",
		syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, (IOPRIO_CLASS_RT << 13) | 0));
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
