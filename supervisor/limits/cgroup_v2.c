/* SPDX-License-Identifier: MIT */
/* cgroup v2: delegation of our own cgroup, limits, usage and kill on a leaf. */
#include "supervisor/limits/cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"

#define V2_NEEDED                                                                                  \
	(CGROUP_MASK(CGROUP_CTRL_MEMORY) | CGROUP_MASK(CGROUP_CTRL_PIDS) |                         \
	 CGROUP_MASK(CGROUP_CTRL_CPU))

static void set_reason(struct cgroup_env *env, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_reason(struct cgroup_env *env, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(env->v2_reason, sizeof(env->v2_reason), fmt, ap);
	va_end(ap);
}

/* "+memory +pids +cpu" for the bits in mask. */
static void subtree_text(char *buf, size_t size, unsigned mask, char sign)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int c = 0; c < _CGROUP_CTRL_MAX; c++) {
		if (!(mask & CGROUP_MASK(c)))
			continue;
		off += (size_t)snprintf(buf + off, size - off, "%s%c%s", off ? " " : "", sign,
					cgroup_ctrl_name(c));
		if (off >= size)
			break;
	}
}

static int write_subtree(int dfd, const char *dir, unsigned mask, char sign, struct err_ctx *reterr)
{
	char text[64];

	subtree_text(text, sizeof(text), mask, sign);
	return cgfs_write(dfd, dir, "cgroup.subtree_control", text, reterr);
}

/* Moves pid into dfd's cgroup (name NULL) or its child cgroup name. */
static int move_pid(int dfd, const char *dir, const char *name, pid_t pid, struct err_ctx *reterr)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;

	if (!name)
		return cgfs_write_u64(dfd, dir, "cgroup.procs", (uint64_t)pid, reterr);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_set(reterr, errno, "cannot open cgroup '%s'", path);
	return cgfs_write_u64(fd, path, "cgroup.procs", (uint64_t)pid, reterr);
}

/* 1 when cgroup.procs lists no process but us, 0 when it lists others. */
static int only_self_inside(int dfd, const struct cgroup_env *env)
{
	char buf[CGFS_READ_MAX];
	ssize_t len = cgfs_read(dfd, env->v2_dir, "cgroup.procs", buf, sizeof(buf), NULL);
	char *rest = buf, *line;

	if (len < 0)
		return 0; /* too many to list, or unreadable: not provably alone */
	while ((line = strsep(&rest, "\n"))) {
		uint64_t pid;

		if (*line == '\0')
			continue;
		if (cgfs_parse_u64(line, strlen(line), &pid) < 0 || pid != (uint64_t)env->self)
			return 0;
	}
	return 1;
}

static int make_supervisor_leaf(struct cgroup_env *env, int dfd, const char *name)
{
	int r = cgfs_mkdir(env->fake, dfd, name, CGROUP_V2, 0);

	/* Left by an earlier process with our pid: it is dead, since we have the pid. */
	if (r == -EEXIST && cgfs_remove_tree(env->fake, dfd, name) == 0)
		r = cgfs_mkdir(env->fake, dfd, name, CGROUP_V2, 0);
	return r;
}

/*
 * We are alone in a non-root cgroup C: move into C/vmsandbox-<pid>-supervisor
 * and enable the controllers in C, so instance leaves can sit next to ours.
 */
static int v2_delegate(struct cgroup_env *env, unsigned want, struct err_ctx *reterr)
{
	_cleanup_close_ int dfd = open(env->v2_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct err_ctx e = {0};
	char name[64];
	unsigned enable = want & ~env->v2_enabled;
	int r;

	if (dfd < 0)
		return err_set(reterr, errno, "cannot open cgroup '%s'", env->v2_dir);
	if (!only_self_inside(dfd, env)) {
		set_reason(env,
			   "other processes share cgroup '%s'; run vmsandbox alone in a "
			   "delegated cgroup (systemd-run --scope -p Delegate=yes)",
			   env->v2_dir);
		return 0;
	}
	if (cgroup_leaf_name(name, sizeof(name), env->self, "supervisor") < 0)
		return err_set(reterr, ENAMETOOLONG, "cgroup name too long");
	r = make_supervisor_leaf(env, dfd, name);
	if (r < 0) {
		set_reason(env, "cannot create cgroup '%s/%s': %s", env->v2_dir, name,
			   strerror(-r));
		return 0;
	}
	r = move_pid(dfd, env->v2_dir, name, env->self, &e);
	if (r == 0)
		r = enable ? write_subtree(dfd, env->v2_dir, enable, '+', &e) : 0;
	if (r < 0) {
		set_reason(env, "%s: %s", e.msg, strerror(e.code));
		/* Back where we were; if that fails teardown tries again. */
		env->v2_moved = move_pid(dfd, env->v2_dir, NULL, env->self, NULL) < 0;
		if (!env->v2_moved)
			cgfs_remove_tree(env->fake, dfd, name);
		return 0;
	}
	env->v2_moved = true;
	env->v2_we_enabled = enable;
	env->v2_usable = want | CGROUP_MASK(CGROUP_CTRL_CPUACCT);
	return 0;
}

int cgroup_setup(struct cgroup_env *env, struct err_ctx *reterr)
{
	unsigned want = env->v2_available & V2_NEEDED;

	if (env->v2_moved)
		return err_set(reterr, EALREADY, "cgroup setup ran twice");
	env->v2_usable = 0;
	env->v2_reason[0] = '\0';
	if (!env->v2_found) {
		set_reason(env, "no cgroup2 hierarchy holds this process");
		return 0;
	}
	if (!want) {
		set_reason(env, "cgroup2 '%s' offers none of memory, pids, cpu", env->v2_dir);
		return 0;
	}
	if (!env->v2_writable) {
		set_reason(env, "cgroup2 '%s' is not writable (no delegated subtree)", env->v2_dir);
		return 0;
	}
	if (env->v2_root) {
		/* Enabling controllers at the root would reconfigure the host: we only use it. */
		env->v2_usable = env->v2_enabled & want;
		if (env->v2_usable)
			env->v2_usable |= CGROUP_MASK(CGROUP_CTRL_CPUACCT);
		else
			set_reason(env, "root cgroup2 '%s' enables none of memory, pids, cpu",
				   env->v2_dir);
		return 0;
	}
	return v2_delegate(env, want, reterr);
}

int cgroup_teardown(struct cgroup_env *env, struct err_ctx *reterr)
{
	_cleanup_close_ int dfd = -1;
	char name[64];
	int r = 0, q;

	env->v2_usable = 0;
	if (!env->v2_moved)
		return 0;
	dfd = open(env->v2_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_set(reterr, errno, "cannot open cgroup '%s'", env->v2_dir);
	/* C must hold no controllers again before it may hold us again. */
	if (env->v2_we_enabled)
		r = write_subtree(dfd, env->v2_dir, env->v2_we_enabled, '-', reterr);
	q = move_pid(dfd, env->v2_dir, NULL, env->self, r < 0 ? NULL : reterr);
	if (q < 0 && r == 0)
		r = q;
	if (cgroup_leaf_name(name, sizeof(name), env->self, "supervisor") == 0) {
		q = cgfs_remove_tree(env->fake, dfd, name);
		if (q < 0 && r == 0)
			r = err_set(reterr, -q, "cannot remove cgroup '%s/%s'", env->v2_dir, name);
	}
	env->v2_moved = false;
	env->v2_we_enabled = 0;
	return r;
}

static int v2_apply_memory(int fd, const char *path, uint64_t bytes, struct err_ctx *reterr)
{
	int r;

	/* An OOM kill takes the whole instance, not one process of a half-working tree. */
	if (cgfs_exists(fd, "memory.oom.group")) {
		r = cgfs_write(fd, path, "memory.oom.group", "1", reterr);
		if (r < 0)
			return r;
	}
	if (bytes == 0)
		return 0;
	r = cgfs_write_u64(fd, path, "memory.max", bytes, reterr);
	if (r < 0)
		return r;
	/* Otherwise the instance spills into swap and the limit only slows it down. */
	if (cgfs_exists(fd, "memory.swap.max"))
		r = cgfs_write(fd, path, "memory.swap.max", "0", reterr);
	return r;
}

int cgroup_v2_apply(int fd, const char *path, unsigned ctrls, const struct cgroup_settings *set,
		    struct err_ctx *reterr)
{
	int r;

	if (ctrls & CGROUP_MASK(CGROUP_CTRL_MEMORY)) {
		r = v2_apply_memory(fd, path, set->memory_bytes, reterr);
		if (r < 0)
			return r;
	}
	if ((ctrls & CGROUP_MASK(CGROUP_CTRL_PIDS)) && set->pids) {
		r = cgfs_write_pids_max(fd, path, set->pids, reterr);
		if (r < 0)
			return r;
	}
	if ((ctrls & CGROUP_MASK(CGROUP_CTRL_CPU)) && set->cpu_quota_us) {
		char text[48];

		snprintf(text, sizeof(text), "%" PRIu64 " %" PRIu64, set->cpu_quota_us,
			 set->cpu_period_us);
		r = cgfs_write(fd, path, "cpu.max", text, reterr);
		if (r < 0)
			return r;
	}
	return 0;
}

int cgroup_v2_usage(int fd, const char *path, unsigned ctrls, struct cgroup_usage *u,
		    struct err_ctx *reterr)
{
	static const char *const cpu_keys[] = {"usage_usec", "user_usec", "system_usec"};
	static const char *const mem_keys[] = {"oom_kill", "max"};
	static const char *const pids_keys[] = {"max"};
	uint64_t *const cpu_rets[] = {&u->cpu_usec, &u->cpu_user_usec, &u->cpu_system_usec};
	uint64_t *const mem_rets[] = {&u->oom_kills, &u->memory_max_hits};
	uint64_t *const peak_ret[] = {&u->memory_peak_bytes};
	uint64_t *const pids_rets[] = {&u->pids_max_hits};
	uint64_t *const pids_peak_ret[] = {&u->pids_peak};
	int first = 0;

	/* cpu.stat is a core file: every non-root v2 cgroup has it. */
	cgfs_usage_read(fd, path, "cpu.stat", cpu_keys, cpu_rets, 3, &first, reterr);
	if (ctrls & CGROUP_MASK(CGROUP_CTRL_MEMORY)) {
		cgfs_usage_read(fd, path, "memory.peak", NULL, peak_ret, 1, &first, reterr);
		cgfs_usage_read(fd, path, "memory.events", mem_keys, mem_rets, 2, &first, reterr);
	}
	if (ctrls & CGROUP_MASK(CGROUP_CTRL_PIDS)) {
		cgfs_usage_read(fd, path, "pids.peak", NULL, pids_peak_ret, 1, &first, reterr);
		cgfs_usage_read(fd, path, "pids.events", pids_keys, pids_rets, 1, &first, reterr);
	}
	return first;
}

int cgroup_v2_kill(int fd, const char *path, struct err_ctx *reterr)
{
	if (!cgfs_exists(fd, "cgroup.kill"))
		return err_set(reterr, EOPNOTSUPP, "cgroup '%s' has no cgroup.kill", path);
	return cgfs_write(fd, path, "cgroup.kill", "1", reterr);
}
