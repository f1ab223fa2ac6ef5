/* SPDX-License-Identifier: MIT */
/* Per-instance cgroups across hierarchies, and removal of stale ones. */
#include "supervisor/limits/cgroup_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"

/* The supervisor's comm: a live process with another comm does not own a leaf. */
#define OWNER_COMM "vmsandbox"

/* Removal retries while exiting tasks are still counted: 1+2+...+64 ms, ~250 ms. */
#define RMDIR_WAIT_TOTAL_US 250000u
#define RMDIR_WAIT_STEP_MAX_US 64000u

/* One directory of ours in one hierarchy; co-mounted v1 controllers share it. */
struct cgroup_leaf {
	enum cgroup_version version;
	unsigned ctrls; /* CGROUP_MASK bits */
	bool created;
	int parent_fd;
	int fd;
	char parent[PATH_MAX];
	char path[PATH_MAX];
};

struct cgroup_instance {
	char name[64];
	const struct cgroup_fake_ops *fake;
	size_t n_leaves;
	struct cgroup_leaf leaf[1 + _CGROUP_CTRL_MAX];
};

static bool valid_instance_id(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 32)
		return false;
	return strspn(id, "0123456789abcdef") == n;
}

static struct cgroup_leaf *leaf_for(struct cgroup_instance *cg, enum cgroup_version v,
				    const char *parent)
{
	struct cgroup_leaf *l;
	size_t plen = strlen(parent), nlen = strlen(cg->name);

	for (size_t i = 0; i < cg->n_leaves; i++)
		if (cg->leaf[i].version == v && strcmp(cg->leaf[i].parent, parent) == 0)
			return &cg->leaf[i];
	if (plen + 1 + nlen >= PATH_MAX)
		return NULL;
	l = &cg->leaf[cg->n_leaves++];
	l->version = v;
	l->parent_fd = l->fd = -1;
	memcpy(l->parent, parent, plen + 1);
	memcpy(l->path, parent, plen);
	l->path[plen] = '/';
	memcpy(l->path + plen + 1, cg->name, nlen + 1);
	return l;
}

/* Groups the controllers by directory: v2 first, so attach joins it first. */
static int plan_leaves(const struct cgroup_env *env, const struct cgroup_settings *set,
		       struct cgroup_instance *cg, struct err_ctx *reterr)
{
	for (int v = CGROUP_V2; v >= CGROUP_V1; v--) {
		for (int c = 0; c < _CGROUP_CTRL_MAX; c++) {
			struct cgroup_leaf *l;

			if (set->use[c] != (enum cgroup_version)v)
				continue;
			if (cgroup_where(env, c) != set->use[c])
				return err_set(reterr, EINVAL,
					       "cgroup controller '%s' is not usable in cgroup v%d",
					       cgroup_ctrl_name(c), v);
			l = leaf_for(cg, v, v == CGROUP_V2 ? env->v2_dir : env->v1[c].dir);
			if (!l)
				return err_set(reterr, ENAMETOOLONG, "cgroup path too long");
			l->ctrls |= CGROUP_MASK(c);
		}
	}
	return 0;
}

static int create_leaf(struct cgroup_instance *cg, struct cgroup_leaf *l,
		       const struct cgroup_settings *set, struct err_ctx *reterr)
{
	int r;

	l->parent_fd = open(l->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->parent_fd < 0)
		return err_set(reterr, errno, "cannot open cgroup '%s'", l->parent);
	r = cgfs_mkdir(cg->fake, l->parent_fd, cg->name, l->version, l->ctrls);
	if (r < 0)
		return err_set(reterr, -r, "cannot create cgroup '%s'", l->path);
	l->created = true;
	l->fd = openat(l->parent_fd, cg->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (l->fd < 0)
		return err_set(reterr, errno, "cannot open cgroup '%s'", l->path);
	if (l->version == CGROUP_V2)
		return cgroup_v2_apply(l->fd, l->path, l->ctrls, set, reterr);
	return cgroup_v1_apply(l->fd, l->path, l->ctrls, set, reterr);
}

int cgroup_instance_create(const struct cgroup_env *env, const char *instance_id,
			   const struct cgroup_settings *set, struct cgroup_instance **ret,
			   struct err_ctx *reterr)
{
	_cleanup_cgroup_instance_ struct cgroup_instance *cg = NULL;
	int r;

	if (!valid_instance_id(instance_id))
		return err_set(reterr, EINVAL, "instance id '%s' is not 1-32 lowercase hex digits",
			       instance_id);
	cg = calloc(1, sizeof(*cg));
	if (!cg)
		return err_set(reterr, ENOMEM, "out of memory");
	cg->fake = env->fake;
	r = cgroup_leaf_name(cg->name, sizeof(cg->name), env->self, instance_id);
	if (r < 0)
		return err_set(reterr, -r, "cgroup name too long");
	r = plan_leaves(env, set, cg, reterr);
	if (r < 0)
		return r;
	for (size_t i = 0; i < cg->n_leaves; i++) {
		r = create_leaf(cg, &cg->leaf[i], set, reterr);
		if (r < 0)
			return r; /* the cleanup removes what exists */
	}
	*ret = take_ptr(cg);
	return 0;
}

int cgroup_instance_v2_fd(const struct cgroup_instance *cg)
{
	for (size_t i = 0; cg && i < cg->n_leaves; i++)
		if (cg->leaf[i].version == CGROUP_V2)
			return cg->leaf[i].fd;
	return -1;
}

const char *cgroup_instance_path(const struct cgroup_instance *cg, enum cgroup_ctrl ctrl)
{
	for (size_t i = 0; cg && i < cg->n_leaves; i++)
		if (cg->leaf[i].ctrls & CGROUP_MASK(ctrl))
			return cg->leaf[i].path;
	return NULL;
}

int cgroup_instance_attach(struct cgroup_instance *cg, pid_t pid, bool v2_joined,
			   struct err_ctx *reterr)
{
	if (pid <= 0)
		return err_set(reterr, EINVAL, "bad pid %d", (int)pid);
	for (size_t i = 0; i < cg->n_leaves; i++) {
		struct cgroup_leaf *l = &cg->leaf[i];
		int r;

		if (l->version == CGROUP_V2 && v2_joined)
			continue;
		r = cgfs_write_u64(l->fd, l->path, "cgroup.procs", (uint64_t)pid, reterr);
		if (r < 0)
			return r;
	}
	return 0;
}

int cgroup_instance_usage(const struct cgroup_instance *cg, struct cgroup_usage *ret,
			  struct err_ctx *reterr)
{
	int first = 0;

	memset(ret, 0xff, sizeof(*ret)); /* every field CGROUP_UNKNOWN */
	for (size_t i = 0; i < cg->n_leaves; i++) {
		const struct cgroup_leaf *l = &cg->leaf[i];
		struct err_ctx e = {0};
		int r;

		if (l->version == CGROUP_V2)
			r = cgroup_v2_usage(l->fd, l->path, l->ctrls, ret, &e);
		else
			r = cgroup_v1_usage(l->fd, l->path, l->ctrls, ret, &e);
		if (r < 0 && first == 0) {
			first = r;
			if (reterr)
				*reterr = e;
		}
	}
	return first;
}

int cgroup_instance_kill(struct cgroup_instance *cg, struct err_ctx *reterr)
{
	for (size_t i = 0; i < cg->n_leaves; i++)
		if (cg->leaf[i].version == CGROUP_V2)
			return cgroup_v2_kill(cg->leaf[i].fd, cg->leaf[i].path, reterr);
	return err_set(reterr, EOPNOTSUPP, "no cgroup v2 leaf to kill through");
}

static int remove_leaf(struct cgroup_instance *cg, struct cgroup_leaf *l)
{
	unsigned step = 1000, waited = 0;

	if (!l->created)
		return 0;
	for (;;) {
		int r = cgfs_remove_tree(cg->fake, l->parent_fd, cg->name);

		/* EBUSY: the kernel still counts tasks that are exiting right now. */
		if (r != -EBUSY || waited >= RMDIR_WAIT_TOTAL_US)
			return r;
		usleep(step);
		waited += step;
		step = step * 2 > RMDIR_WAIT_STEP_MAX_US ? RMDIR_WAIT_STEP_MAX_US : step * 2;
	}
}

int cgroup_instance_destroy(struct cgroup_instance *cg, struct err_ctx *reterr)
{
	int r = 0;

	if (!cg)
		return 0;
	for (size_t i = cg->n_leaves; i-- > 0;) {
		struct cgroup_leaf *l = &cg->leaf[i];
		int q;

		if (l->fd >= 0)
			close(l->fd);
		q = remove_leaf(cg, l);
		if (q < 0 && r == 0)
			r = err_set(reterr, -q, "cannot remove cgroup '%s'", l->path);
		if (l->parent_fd >= 0)
			close(l->parent_fd);
	}
	free(cg);
	return r;
}

/* The <pid> of "vmsandbox-<pid>-<suffix>", or 0 for any other name. */
static pid_t stale_name_pid(const char *name)
{
	const char *p = name + strlen("vmsandbox-");
	const char *dash;
	uint64_t pid;

	if (strncmp(name, "vmsandbox-", strlen("vmsandbox-")) != 0)
		return 0;
	dash = strchr(p, '-');
	if (!dash || dash[1] == '\0' || cgfs_parse_u64(p, (size_t)(dash - p), &pid) < 0)
		return 0;
	return pid > 0 && pid <= INT32_MAX ? (pid_t)pid : 0;
}

/* A live vmsandbox with that pid: its cgroups are not ours to remove. */
static bool owner_alive(const char *proc_root, pid_t pid)
{
	char path[PATH_MAX], comm[32];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%d/comm", proc_root, (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return !(errno == ENOENT || errno == ESRCH);
	n = read(fd, comm, sizeof(comm) - 1);
	if (n < 0)
		return true; /* cannot tell: keep it */
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	return strcmp(comm, OWNER_COMM) == 0;
}

static bool leaf_is_empty(int dfd, const char *dir, const char *name)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	char buf[16];

	if (fd < 0)
		return false;
	return cgfs_read(fd, dir, "cgroup.procs", buf, sizeof(buf), NULL) == 0;
}

static void clean_entry(const struct cgroup_env *env, int dfd, const char *dir, const char *name,
			const char *proc_root, unsigned *removed)
{
	pid_t pid = stale_name_pid(name);
	int r;

	if (pid == 0 || pid == env->self || owner_alive(proc_root, pid))
		return;
	if (!leaf_is_empty(dfd, dir, name)) {
		log_msg(LOG_LEVEL_WARN, "stale cgroup '%s/%s' still holds processes, ignoring", dir,
			name);
		return;
	}
	r = cgfs_remove_tree(env->fake, dfd, name);
	if (r < 0) {
		log_errno(LOG_LEVEL_WARN, r, "cannot remove stale cgroup '%s/%s', ignoring", dir,
			  name);
		return;
	}
	log_msg(LOG_LEVEL_DEBUG, "removed stale cgroup '%s/%s'", dir, name);
	(*removed)++;
}

static int clean_dir(const struct cgroup_env *env, const char *dir, const char *proc_root,
		     unsigned *removed, struct err_ctx *reterr)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int dup_fd;
	DIR *d;

	if (dfd < 0)
		return err_set(reterr, errno, "cannot open cgroup '%s'", dir);
	dup_fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	if (dup_fd < 0)
		return err_set(reterr, errno, "cannot list cgroup '%s'", dir);
	d = fdopendir(dup_fd);
	if (!d) {
		close(dup_fd);
		return err_set(reterr, errno, "cannot list cgroup '%s'", dir);
	}
	for (struct dirent *de; (de = readdir(d));)
		if (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN)
			clean_entry(env, dfd, dir, de->d_name, proc_root, removed);
	closedir(d);
	return 0;
}

int cgroup_cleanup_stale(const struct cgroup_env *env, const char *proc_root, unsigned *ret_removed,
			 struct err_ctx *reterr)
{
	const char *dirs[1 + _CGROUP_CTRL_MAX];
	unsigned removed = 0;
	size_t n = 0;
	int r = 0;

	if (env->v2_found && env->v2_writable)
		dirs[n++] = env->v2_dir;
	for (int c = 0; c < _CGROUP_CTRL_MAX; c++) {
		bool dup = false;

		if (!env->v1[c].found || !env->v1[c].writable)
			continue;
		for (size_t i = 0; i < n; i++)
			dup = dup || strcmp(dirs[i], env->v1[c].dir) == 0;
		if (!dup)
			dirs[n++] = env->v1[c].dir;
	}
	for (size_t i = 0; i < n; i++) {
		int q = clean_dir(env, dirs[i], proc_root, &removed, r < 0 ? NULL : reterr);

		if (q < 0 && r == 0)
			r = q;
	}
	if (ret_removed)
		*ret_removed = removed;
	return r;
}
