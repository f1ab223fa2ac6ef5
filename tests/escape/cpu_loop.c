/* SPDX-License-Identifier: MIT */
/*
 * cpu_loop: spin on the CPU, ignoring SIGTERM, SIGINT and SIGHUP, for up to
 * 60 s of CPU time. The CPU or wall limit must end it (SIGKILL after the
 * grace period); only if it survives does it speak.
 */
#include "escape.h"

int main(int argc, char **argv)
{
	struct timespec ts;

	esc_set_name(argv[0]);
	esc_guard();
	if (argc > 1)
		esc_set_comm(argv[1]);
	esc_ignore_term();
	do {
		for (volatile unsigned long i = 0; i < 10000000UL; i++)
			;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	} while (ts.tv_sec < 60);
	esc_escaped("spun for %ld s of CPU without being stopped", (long)ts.tv_sec);
}
