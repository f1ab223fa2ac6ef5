/* SPDX-License-Identifier: MIT */
/*
 * memory_bomb: allocate and touch memory 16 MiB at a time, up to 1 GiB,
 * under a --memory-limit of 128M. The kernel must stop it: an allocation
 * fails (rlimit: ENOMEM, reported here) or the OOM killer ends the instance
 * (SIGKILL: the runner checks exit 137 and the report's memory_limit).
 */
#include "escape.h"

#define CHUNK (16UL << 20)
#define ESCAPE_AT (1UL << 30)

int main(int argc, char **argv)
{
	unsigned long total = 0;

	esc_set_name(argv[0]);
	esc_guard();
	if (argc > 1)
		esc_set_comm(argv[1]);
	while (total < ESCAPE_AT) {
		char *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			       0);

		if (p == MAP_FAILED)
			esc_blocked("mmap failed with %s after %lu MiB", esc_errname(errno),
				    total >> 20);
		/* touch every page: reserved but untouched memory costs nothing */
		for (unsigned long off = 0; off < CHUNK; off += 4096)
			p[off] = 1;
		total += CHUNK;
	}
	esc_escaped("allocated and touched %lu MiB", total >> 20);
}
