/* SPDX-License-Identifier: MIT */
/*
 * kallsyms: read kernel symbol addresses (a KASLR bypass). Readable is fine
 * if every address is zero; one non-zero address is a leak. Same for
 * /proc/modules and the kernel's own printouts of pointers.
 */
#include "escape.h"

static void scan(const char *path, int addr_field)
{
	static char buf[1 << 20];
	ssize_t n = esc_read_file(path, buf, sizeof(buf));
	long lines = 0, leaks = 0;

	if (n < 0) {
		esc_append("%s: %s", path, esc_errname((int)-n));
		return;
	}
	for (char *line = buf; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		char *field = line;

		for (int i = 0; i < addr_field && field; i++) {
			field = strchr(field, ' ');
			field = field ? field + 1 : NULL;
		}
		lines++;
		if (!field)
			continue;
		if (field[0] == '0' && field[1] == 'x')
			field += 2;
		for (char *p = field; *p && *p != ' ' && *p != '\n'; p++)
			if (*p != '0') {
				leaks++;
				break;
			}
	}
	if (leaks) {
		esc_tally()->hits++;
		esc_append("%s: %ld of %ld lines show a non-zero address", path, leaks, lines);
	} else {
		esc_append("%s: readable, all %ld addresses zero", path, lines);
	}
}

static int attack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	scan("/proc/kallsyms", 0);
	scan("/proc/modules", 5);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
