/* SPDX-License-Identifier: MIT */
/*
 * environ: find the caller's secret. The runner exports VMSB_SECRET_CANARY
 * before starting the instance; its name must appear nowhere inside: not in
 * our environment, and not in /proc/PID/environ of any visible process
 * (the instance's init is a clone of the supervisor: its environ block is
 * the supervisor's, which must be unreadable or clean).
 */
#include <dirent.h>

#include "escape.h"

#define CANARY "VMSB_SECRET_CANARY"

static bool contains(const char *buf, size_t len, const char *needle)
{
	return memmem(buf, len, needle, strlen(needle)) != NULL;
}

static int n_clean, n_denied;

static void scan_pid(const char *pid)
{
	static char buf[1 << 16];
	char path[300];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%.200s/environ", pid);
	n = esc_read_file(path, buf, sizeof(buf));
	if (n < 0) {
		n_denied++;
		if (strcmp(pid, "1") == 0)
			esc_append("%s: %s", path, esc_errname((int)-n));
		return;
	}
	if (contains(buf, (size_t)n, CANARY)) {
		esc_tally()->hits++;
		esc_append("%s holds %s", path, CANARY);
	} else {
		n_clean++;
		if (strcmp(pid, "1") == 0)
			esc_append("%s: readable, clean", path);
	}
}

static int attack(int argc, char **argv)
{
	extern char **environ;
	DIR *d;
	struct dirent *e;

	(void)argc;
	(void)argv;
	for (char **p = environ; *p; p++)
		if (strncmp(*p, CANARY, strlen(CANARY)) == 0) {
			esc_tally()->hits++;
			esc_append("getenv: %s is set", CANARY);
		}
	d = opendir("/proc");
	if (!d)
		esc_cannot("opendir /proc: %s", esc_errname(errno));
	while ((e = readdir(d)))
		if ((e->d_name[0] >= '1' && e->d_name[0] <= '9') || strcmp(e->d_name, "self") == 0)
			scan_pid(e->d_name);
	closedir(d);
	esc_append("%d environ files clean, %d unreadable", n_clean, n_denied);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
