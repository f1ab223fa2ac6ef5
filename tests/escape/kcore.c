/* SPDX-License-Identifier: MIT */
/* kcore: read kernel memory through /proc/kcore (and /proc/kmem-like files). */
#include "escape.h"

static void try_read(const char *path)
{
	char what[96], buf[64];
	int fd;

	snprintf(what, sizeof(what), "open(%s)", path);
	fd = ESC_TRY(what, open(path, O_RDONLY | O_CLOEXEC));
	if (fd < 0)
		return;
	if (read(fd, buf, sizeof(buf)) > 0)
		esc_append("%s: bytes read", path);
	close(fd);
}

static int attack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	try_read("/proc/kcore");
	try_read("/proc/kpagecount");
	try_read("/proc/kpageflags");
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
