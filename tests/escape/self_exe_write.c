/* SPDX-License-Identifier: MIT */
/*
 * self_exe_write: overwrite a binary the host runs (the runc CVE-2019-5736
 * pattern): /proc/self/exe, /proc/1/exe (the supervisor's binary: init is
 * its clone) and the same through an O_PATH fd reopened via /proc/self/fd.
 * Nothing is ever written; the runner also compares the binary's hash.
 */
#include "escape.h"

static void try_reopen(const char *link)
{
	char what[128], path[64];
	int o, fd;

	o = open(link, O_PATH | O_CLOEXEC);
	if (o < 0) {
		esc_append("open(%s, O_PATH): %s", link, esc_errname(errno));
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", o);
	snprintf(what, sizeof(what), "reopen O_PATH %s for writing", link);
	fd = ESC_TRY(what, open(path, O_WRONLY | O_CLOEXEC));
	if (fd >= 0)
		close(fd);
	close(o);
}

static int attack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	esc_try_open("/proc/self/exe", O_WRONLY);
	esc_try_open("/proc/1/exe", O_WRONLY);
	try_reopen("/proc/self/exe");
	try_reopen("/proc/1/exe");
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
