/* SPDX-License-Identifier: MIT */
/*
 * zombie_pile: leave zombies behind two ways: a middle process forks 40
 * children that exit at once and itself exits without waiting (init
 * inherits them and must reap them), and this payload exits with 10
 * unreaped children of its own. All carry argv[1] in comm so the runner can
 * check the host for leftovers; the instance must exit 0.
 */
#include <dirent.h>

#include "escape.h"

static int count_zombies(const char *marker)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[300], buf[512], *p;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.32s/stat", e->d_name);
		if (esc_read_file(path, buf, sizeof(buf)) <= 0 || !strstr(buf, marker))
			continue;
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'Z')
			n++;
	}
	closedir(d);
	return n;
}

static void spawn_exiting(int n)
{
	for (int i = 0; i < n; i++)
		if (fork() == 0)
			_exit(0);
}

int main(int argc, char **argv)
{
	pid_t middle;
	int left = -1;

	esc_set_name(argv[0]);
	esc_guard();
	if (argc < 2)
		esc_cannot("usage: zombie_pile MARKER");
	esc_set_comm(argv[1]);
	middle = fork();
	if (middle < 0)
		esc_cannot("fork: %s", esc_errname(errno));
	if (middle == 0) {
		spawn_exiting(40);
		_exit(0); /* without waiting: 40 zombies go to init */
	}
	waitpid(middle, NULL, 0);
	/* init reaps asynchronously: poll for a bounded while for the pile to go */
	for (int i = 0; i < 1000; i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};

		left = count_zombies(argv[1]);
		if (left == 0)
			break;
		nanosleep(&ts, NULL);
	}
	if (left != 0) {
		dprintf(STDOUT_FILENO,
			"%s: ESCAPED (%d orphaned zombies not reaped by init after 10 s)\n",
			esc_name, left);
		return ESC_ESCAPED;
	}
	spawn_exiting(10); /* and leave our own unreaped on exit */
	esc_blocked("init reaped 40 orphaned zombies; exiting with 10 unreaped children");
}
