/* SPDX-License-Identifier: MIT */
/*
 * settime: set the host's clock (not namespaced). The attempts set it to
 * the time just read, so even a success would barely move it.
 */
#include <sys/time.h>
#include <sys/timex.h>

#include "escape.h"

static int attack(int argc, char **argv)
{
	struct timespec now;
	struct timeval tv;
	struct timex tx;

	(void)argc;
	(void)argv;
	clock_gettime(CLOCK_REALTIME, &now);
	ESC_TRY("clock_settime(REALTIME, now)", clock_settime(CLOCK_REALTIME, &now));
	gettimeofday(&tv, NULL);
	ESC_TRY("settimeofday(now)", settimeofday(&tv, NULL));
	memset(&tx, 0, sizeof(tx));
	if (adjtimex(&tx) >= 0) {
		tx.modes = ADJ_FREQUENCY; /* the frequency it already has */
		ESC_TRY("adjtimex(ADJ_FREQUENCY, unchanged)", adjtimex(&tx));
	}
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
