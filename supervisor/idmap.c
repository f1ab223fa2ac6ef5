/* SPDX-License-Identifier: MIT */
#include "supervisor/idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"

#define NOBODY_ID 65534

void idmap_plan(const struct policy_user *user, uid_t caller_uid, gid_t caller_gid,
		struct idmap *ret)
{
	bool root = caller_uid == 0;

	ret->inside_uid = user->uid;
	ret->inside_gid = user->gid;
	if (root) {
		/* Root never maps to itself by accident: the instance gets an
		 * unprivileged host identity unless the policy names one. */
		ret->host_uid =
			user->host_uid == POLICY_ID_AUTO ? NOBODY_ID : (uint32_t)user->host_uid;
		ret->host_gid =
			user->host_gid == POLICY_ID_AUTO ? NOBODY_ID : (uint32_t)user->host_gid;
		ret->deny_setgroups = false;
	} else {
		ret->host_uid = caller_uid;
		ret->host_gid = caller_gid;
		ret->deny_setgroups = true;
	}
}

static int write_proc_file(pid_t pid, const char *name, const char *text, struct err_ctx *reterr)
{
	char path[64];
	_cleanup_close_ int fd = -1;
	size_t len = strlen(text);

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(reterr, errno, "cannot open '%s'", path);
	if (write(fd, text, len) != (ssize_t)len)
		return err_set(reterr, errno, "cannot write '%s' to '%s'", text, path);
	return 0;
}

int idmap_write(pid_t pid, const struct idmap *map, struct err_ctx *reterr)
{
	char line[64];
	int r;

	/* Order matters: setgroups must be denied before an unprivileged
	 * writer may set gid_map (user_namespaces(7)). */
	if (map->deny_setgroups) {
		r = write_proc_file(pid, "setgroups", "deny", reterr);
		if (r < 0)
			return r;
	}
	snprintf(line, sizeof(line), "%u %u 1\n", map->inside_uid, map->host_uid);
	r = write_proc_file(pid, "uid_map", line, reterr);
	if (r < 0)
		return r;
	snprintf(line, sizeof(line), "%u %u 1\n", map->inside_gid, map->host_gid);
	return write_proc_file(pid, "gid_map", line, reterr);
}
