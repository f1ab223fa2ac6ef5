/* SPDX-License-Identifier: MIT */
/* setns: join namespaces through /proc/PID/ns files of every visible process. */
#include <dirent.h>
#include <sched.h>

#include "escape.h"

static void try_pid(int pid)
{
	static const char *const kinds[] = {"mnt", "net",    "pid",  "ipc",
					    "uts", "cgroup", "user", "time"};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		char path[64], what[96];
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, kinds[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue; /* nothing to join */
		snprintf(what, sizeof(what), "setns(%s)", path);
		ESC_TRY(what, setns(fd, 0));
		close(fd);
	}
}

static int attack(int argc, char **argv)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	(void)argc;
	(void)argv;
	if (!d)
		esc_cannot("opendir /proc: %s", esc_errname(errno));
	while ((e = readdir(d)))
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			try_pid(atoi(e->d_name));
	closedir(d);
	if (esc_tally()->log[0] == '\0')
		esc_blocked("no namespace file could be opened");
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
