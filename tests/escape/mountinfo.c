/* SPDX-License-Identifier: MIT */
/*
 * mountinfo: look for host paths in the mount table. The runner starts
 * vmsandbox from a temporary directory (also its TMPDIR) whose name is
 * argv[1..]: that name must appear in no mount table inside, nor may the
 * host's own root filesystem be mounted anywhere except under the binds the
 * runner asked for.
 */
#include "escape.h"

static void scan(const char *path, int argc, char **argv)
{
	static char buf[1 << 17];
	ssize_t n = esc_read_file(path, buf, sizeof(buf));

	if (n < 0) {
		esc_append("%s: %s", path, esc_errname((int)-n));
		return;
	}
	for (int i = 1; i < argc; i++) {
		if (strstr(buf, argv[i])) {
			esc_tally()->hits++;
			esc_append("%s names '%s'", path, argv[i]);
		}
	}
	esc_append("%s: %zd bytes scanned", path, n);
}

static int attack(int argc, char **argv)
{
	if (argc < 2)
		esc_cannot("usage: mountinfo HOST-NAME... (names that must not appear)");
	scan("/proc/self/mountinfo", argc, argv);
	scan("/proc/self/mounts", argc, argv);
	scan("/proc/1/mountinfo", argc, argv);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
