/* SPDX-License-Identifier: MIT */
#include "supervisor/limits/proctree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"

#define PROCTREE_MAX 16384

static ssize_t read_text(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

/* Fields 14-17 of /proc/PID/stat, in clock ticks. The command name (field 2)
 * may hold spaces and parentheses, so parsing starts after the last ')'. */
static int stat_ticks(const char *proc_root, pid_t pid, uint64_t *ret_ticks)
{
	char path[64], buf[1024];
	unsigned long long ut, st, cut, cst;
	char *p;

	snprintf(path, sizeof(path), "%s/%d/stat", proc_root, (int)pid);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return -ENOENT;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu",
			 &ut, &st, &cut, &cst) != 4)
		return -EINVAL;
	*ret_ticks = ut + st + cut + cst;
	return 0;
}

/* Appends the children of every thread of pid to queue. */
static void add_children(const char *proc_root, pid_t pid, pid_t *queue, size_t *n)
{
	char path[64], buf[4096];
	_cleanup_(closedirp) DIR *tasks = NULL;
	struct dirent *de;

	snprintf(path, sizeof(path), "%s/%d/task", proc_root, (int)pid);
	tasks = opendir(path);
	while (tasks && (de = readdir(tasks))) {
		char *p, *end;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%d/task/%.16s/children", proc_root, (int)pid,
			 de->d_name);
		if (read_text(path, buf, sizeof(buf)) < 0)
			continue;
		for (p = buf; *n < PROCTREE_MAX; p = end) {
			long child = strtol(p, &end, 10);

			if (end == p || child <= 0)
				break;
			queue[(*n)++] = (pid_t)child;
		}
	}
}

int proctree_cpu_usec(const char *proc_root, pid_t root, uint64_t *ret_usec)
{
	_cleanup_free_ pid_t *queue = malloc(PROCTREE_MAX * sizeof(pid_t));
	uint64_t total = 0, ticks;
	long hz = sysconf(_SC_CLK_TCK);
	size_t n = 0;

	if (!queue)
		return -ENOMEM;
	queue[n++] = root;
	for (size_t i = 0; i < n; i++) {
		if (stat_ticks(proc_root, queue[i], &ticks) < 0) {
			if (i == 0)
				return -ESRCH;
			continue; /* exited meanwhile: its reaper counts it */
		}
		total += ticks;
		add_children(proc_root, queue[i], queue, &n);
	}
	*ret_usec = total * (1000000 / (uint64_t)(hz > 0 ? hz : 100));
	return 0;
}
