/* SPDX-License-Identifier: MIT */
/*
 * sleep: sleep 60 s, ignoring SIGTERM, SIGINT and SIGHUP. The wall limit
 * must end it; only if it wakes up does it speak.
 */
#include "escape.h"

int main(int argc, char **argv)
{
	struct timespec left = {60, 0};

	esc_set_name(argv[0]);
	esc_guard();
	if (argc > 1)
		esc_set_comm(argv[1]);
	esc_ignore_term();
	while (nanosleep(&left, &left) < 0 && errno == EINTR)
		;
	esc_escaped("slept 60 s without being stopped");
}
