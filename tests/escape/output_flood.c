/* SPDX-License-Identifier: MIT */
/*
 * output_flood: write up to 256 MiB to stdout under --output-limit 1M. The
 * supervisor must kill the instance (or truncate); the runner counts the
 * bytes that reached it. The verdict line goes to stderr.
 */
#include "escape.h"

#define CHUNK (64UL << 10)
#define ESCAPE_AT (256UL << 20)

int main(int argc, char **argv)
{
	static char buf[CHUNK];
	unsigned long total = 0;
	ssize_t n = 0;

	(void)argc;
	esc_set_name(argv[0]);
	esc_guard();
	signal(SIGPIPE, SIG_IGN);
	memset(buf, 'O', sizeof(buf));
	while (total < ESCAPE_AT && (n = write(STDOUT_FILENO, buf, sizeof(buf))) > 0)
		total += (unsigned long)n;
	if (total >= ESCAPE_AT) {
		dprintf(STDERR_FILENO, "%s: ESCAPED (wrote %lu MiB to stdout unhindered)\n",
			esc_name, total >> 20);
		return ESC_ESCAPED;
	}
	dprintf(STDERR_FILENO, "%s: blocked (write failed with %s after %lu KiB)\n", esc_name,
		n < 0 ? esc_errname(errno) : "EOF", total >> 10);
	return ESC_BLOCKED;
}
