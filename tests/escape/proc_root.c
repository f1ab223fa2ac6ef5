/* SPDX-License-Identifier: MIT */
/*
 * proc_root: reach outside the view through /proc magic links: /proc/PID/root
 * and /proc/PID/cwd of every visible process (pid 1 is a clone of the host
 * supervisor), /proc/self/root, and ".." after them. argv[1] is a host
 * marker path that must stay unreachable.
 */
#include <dirent.h>

#include "escape.h"

static void try_target(const char *prefix, const char *target)
{
	char path[1024], what[1100];
	struct stat st;

	/* existence is the leak: an unreadable /etc/shadow would still fail open() */
	snprintf(path, sizeof(path), "%s%s", prefix, target);
	snprintf(what, sizeof(what), "stat(%s)", path);
	ESC_TRY(what, stat(path, &st));
}

static void try_pid(const char *pid, const char *marker)
{
	static const char *const links[] = {"root", "cwd", "root/..", "cwd/../../../../.."};

	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		char prefix[256];

		snprintf(prefix, sizeof(prefix), "/proc/%.32s/%s", pid, links[i]);
		try_target(prefix, marker);
		try_target(prefix, "/etc/shadow");
	}
}

static int attack(int argc, char **argv)
{
	DIR *d;
	struct dirent *e;

	if (argc < 2)
		esc_cannot("usage: proc_root HOST-MARKER-PATH");
	try_pid("self", argv[1]);
	try_pid("1", argv[1]);
	d = opendir("/proc");
	if (!d)
		esc_cannot("opendir /proc: %s", esc_errname(errno));
	while ((e = readdir(d)))
		if (e->d_name[0] >= '2' && e->d_name[0] <= '9')
			try_pid(e->d_name, argv[1]);
	closedir(d);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
