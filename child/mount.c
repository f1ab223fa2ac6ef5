/* SPDX-License-Identifier: MIT */
#include "child/mount.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"

/*
 * Where the new root is attached until pivot_root. Our mount namespace is
 * private, so covering this directory hides nothing from the host.
 */
#define SCRATCH_DIR "/tmp"
#define ROOT_TMPFS_BYTES (1024 * 1024)
#define DEV_TMPFS_BYTES (64 * 1024)
#define MASK_TMPFS_BYTES 4096

#define ATTR_LOCKDOWN (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

static const char *const dev_nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
_Static_assert(ARRAY_SIZE(dev_nodes) == CHILD_DEV_NODES, "child_mount_sources.dev");

/* Made read-only by binding them onto themselves: tunables and triggers. */
static const char *const proc_readonly[] = {"sys", "sysrq-trigger", "irq", "bus", "fs"};

/* Covered by a nodev /dev/null (opening fails): kernel memory, addresses, keys. */
static const char *const proc_masked_files[] = {
	"kcore",       "kallsyms",	"keys",	      "key-users",  "timer_list",
	"sched_debug", "kmsg",		"kpagecount", "kpageflags", "kpagecgroup",
	"vmallocinfo", "latency_stats", "config.gz",
};

/* Covered by an empty read-only tmpfs: hardware control knobs. */
static const char *const proc_masked_dirs[] = {"acpi", "scsi", "asound"};

void child_mount_close_sources(struct child_mount_sources *s)
{
	int *all = (int *)s;

	for (size_t i = 0; i < sizeof(*s) / sizeof(int); i++)
		if (all[i] >= 0)
			close(all[i]);
}

/* --- path walking inside the new root -------------------------------------------------- */

/*
 * One component relative to dir_fd. RESOLVE_NO_SYMLINKS makes a symlink
 * anywhere fail with ELOOP, which is what keeps the walk inside the view even
 * if something else rewrote a directory we descend into.
 */
static int open_beneath(int dir_fd, const char *name, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dir_fd, name, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

static int open_subdir(int dir_fd, const char *name, mode_t mode)
{
	int fd = open_beneath(dir_fd, name, O_PATH | O_DIRECTORY, 0);

	if (fd != -ENOENT)
		return fd;
	/* mkdirat never follows a symlink in its last component: EEXIST instead. */
	if (mkdirat(dir_fd, name, mode) < 0 && errno != EEXIST)
		return -errno;
	return open_beneath(dir_fd, name, O_PATH | O_DIRECTORY, 0);
}

/* A mountpoint for a non-directory: an existing non-directory, or a new empty file. */
static int open_leaf_file(int dir_fd, const char *name)
{
	struct stat st;
	int fd = open_beneath(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL, 0444);

	if (fd >= 0)
		close(fd);
	else if (fd != -EEXIST)
		return fd;
	fd = open_beneath(dir_fd, name, O_PATH, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return -EISDIR;
	}
	return fd;
}

/* Absolute, and no empty, "." or ".." component: checked whole, before anything is created. */
static bool path_is_clean(const char *path)
{
	const char *c = path;

	if (!path || path[0] != '/')
		return false;
	while (*c == '/') {
		size_t len = strcspn(++c, "/");

		if (len == 0 || (len == 1 && c[0] == '.') ||
		    (len == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += len;
	}
	return true;
}

/* Opens (creating) every directory of PATH but the last; *ret_leaf points into buf. */
static int walk_parent(int root_fd, const char *path, char *buf, size_t size, const char **ret_leaf)
{
	char *name, *slash;
	int dir_fd;

	if (!path_is_clean(path))
		return -EINVAL;
	if (strlen(path) >= size)
		return -ENAMETOOLONG;
	strcpy(buf, path);
	dir_fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
	if (dir_fd < 0)
		return -errno;
	for (name = buf + 1; (slash = strchr(name, '/')); name = slash + 1) {
		int r;

		*slash = '\0';
		r = open_subdir(dir_fd, name, 0755);
		close(dir_fd);
		if (r < 0)
			return r;
		dir_fd = r;
	}
	*ret_leaf = name;
	return dir_fd;
}

static int dest_open(int root_fd, const char *path, enum child_dest_kind kind, mode_t mode)
{
	char buf[PATH_MAX];
	const char *leaf = NULL;
	_cleanup_close_ int dir_fd = walk_parent(root_fd, path, buf, sizeof(buf), &leaf);

	if (dir_fd < 0)
		return dir_fd;
	if (kind == CHILD_DEST_FILE)
		return open_leaf_file(dir_fd, leaf);
	return open_subdir(dir_fd, leaf, mode);
}

int child_mount_open_dest(int root_fd, const char *path, enum child_dest_kind kind, mode_t mode,
			  struct err_ctx *reterr)
{
	int fd = dest_open(root_fd, path, kind, mode);

	if (fd < 0)
		return err_set(reterr, -fd, "cannot create mountpoint '%s'", path ? path : "");
	return fd;
}

/* --- mount objects --------------------------------------------------------------------- */

struct fs_opt {
	const char *key;
	const char *value; /* NULL: a flag */
};

/* A new detached superblock mount; returns its fd or -errno. */
static int fs_new(const char *type, const struct fs_opt *opts, size_t n_opts, unsigned int attrs)
{
	_cleanup_close_ int fs_fd = fsopen(type, FSOPEN_CLOEXEC);
	int fd;

	if (fs_fd < 0)
		return -errno;
	for (size_t i = 0; i < n_opts; i++) {
		int r = opts[i].value ? fsconfig(fs_fd, FSCONFIG_SET_STRING, opts[i].key,
						 opts[i].value, 0)
				      : fsconfig(fs_fd, FSCONFIG_SET_FLAG, opts[i].key, NULL, 0);

		if (r < 0)
			return -errno;
	}
	if (fsconfig(fs_fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	fd = fsmount(fs_fd, FSMOUNT_CLOEXEC, attrs);
	return fd < 0 ? -errno : fd;
}

/* size 0 = the kernel's default; owned by the instance's user so it is writable inside. */
static int tmpfs_new(uint64_t size, uint32_t mode, const struct policy_user *user,
		     unsigned int attrs)
{
	char size_s[24], mode_s[8], uid_s[12], gid_s[12];
	struct fs_opt opts[4];
	size_t n = 0;

	snprintf(mode_s, sizeof(mode_s), "%o", mode & 07777);
	opts[n++] = (struct fs_opt){"mode", mode_s};
	if (size) {
		snprintf(size_s, sizeof(size_s), "%llu", (unsigned long long)size);
		opts[n++] = (struct fs_opt){"size", size_s};
	}
	snprintf(uid_s, sizeof(uid_s), "%u", user->uid);
	snprintf(gid_s, sizeof(gid_s), "%u", user->gid);
	opts[n++] = (struct fs_opt){"uid", uid_s};
	opts[n++] = (struct fs_opt){"gid", gid_s};
	return fs_new("tmpfs", opts, n, attrs);
}

/* Attributes of a detached tree, set before it becomes visible anywhere. */
static int tree_setattr(int fd, uint64_t attrs, unsigned int flags)
{
	struct mount_attr attr = {.attr_set = attrs, .propagation = MS_PRIVATE};

	if (mount_setattr(fd, "", AT_EMPTY_PATH | flags, &attr, sizeof(attr)) < 0)
		return -errno;
	return 0;
}

/* Both sides are fds: nothing is looked up by name between check and mount. */
static int attach(int mnt_fd, int dest_fd)
{
	if (move_mount(mnt_fd, "", dest_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
	    0)
		return -errno;
	return 0;
}

/*
 * Attaches a new filesystem (mnt_fd, or the -errno of making it) on the directory dest, made if
 * missing: "cannot mount TYPE at DEST" on failure. mnt_fd stays open for the caller.
 */
static int attach_new(int root_fd, int mnt_fd, const char *dest, const char *type,
		      struct err_ctx *reterr)
{
	_cleanup_close_ int dest_fd = -1;
	int r = mnt_fd;

	if (r >= 0)
		r = dest_fd = dest_open(root_fd, dest, CHILD_DEST_DIR, 0755);
	if (r >= 0)
		r = attach(mnt_fd, dest_fd);
	if (r < 0)
		return err_set(reterr, -r, "cannot mount %s at '%s'", type, dest);
	return 0;
}

static uint64_t attrs_for(const struct policy_mount *m)
{
	uint64_t attrs = 0;

	if (m->kind == POLICY_MOUNT_BIND_RO)
		attrs |= MOUNT_ATTR_RDONLY;
	if (!m->allow_suid)
		attrs |= MOUNT_ATTR_NOSUID;
	if (!m->allow_dev)
		attrs |= MOUNT_ATTR_NODEV;
	if (m->noexec)
		attrs |= MOUNT_ATTR_NOEXEC;
	return attrs;
}

/* --- host sources ---------------------------------------------------------------------- */

static int open_host_devices(struct child_mount_sources *s, struct err_ctx *reterr)
{
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		char path[32];

		snprintf(path, sizeof(path), "/dev/%s", dev_nodes[i]);
		s->dev[i] = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (s->dev[i] < 0 && errno != ENOENT)
			return err_set(reterr, errno, "cannot bind device '%s'", path);
	}
	return 0;
}

int child_mount_open_sources(const struct policy *p, struct child_mount_sources *s,
			     struct err_ctx *reterr)
{
	size_t n_dev = 0;

	memset(s, 0xff, sizeof(*s));
	if (p->n_mounts > CHILD_MOUNT_MAX)
		return err_set(reterr, E2BIG, "too many mounts: %zu (at most %d)", p->n_mounts,
			       CHILD_MOUNT_MAX);
	/* Nothing we mount may propagate back into the host's namespace. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_set(reterr, errno, "cannot make the mount tree private");

	for (size_t i = 0; i < p->n_mounts; i++) {
		const struct policy_mount *m = &p->mounts[i];
		int fd;

		if (m->kind == POLICY_MOUNT_DEV)
			n_dev++;
		if (m->kind != POLICY_MOUNT_BIND_RO && m->kind != POLICY_MOUNT_BIND_RW)
			continue;
		if (!m->source)
			return err_set(reterr, EINVAL, "bind at '%s' has no source", m->dest);
		fd = open_tree(AT_FDCWD, m->source,
			       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (fd < 0 && errno == ENOENT && m->optional)
			continue;
		if (fd < 0)
			return err_set(reterr, errno, "cannot bind '%s' at '%s'", m->source,
				       m->dest);
		s->bind[i] = fd;
	}
	/* The device nodes are attached, not copied: one set can serve one /dev. */
	if (n_dev > 1)
		return err_set(reterr, EINVAL, "only one dev mount is supported");
	return n_dev ? open_host_devices(s, reterr) : 0;
}

/* --- one policy mount ------------------------------------------------------------------ */

static int mount_bind(int root_fd, const struct policy_mount *m, int src_fd, struct err_ctx *reterr)
{
	_cleanup_close_ int dest_fd = -1;
	struct stat st;
	int r = fstat(src_fd, &st) < 0 ? -errno : 0;

	if (r == 0)
		r = dest_fd =
			dest_open(root_fd, m->dest,
				  S_ISDIR(st.st_mode) ? CHILD_DEST_DIR : CHILD_DEST_FILE, 0755);
	if (r >= 0)
		r = tree_setattr(src_fd, attrs_for(m), AT_RECURSIVE);
	if (r >= 0)
		r = attach(src_fd, dest_fd);
	if (r < 0)
		return err_set(reterr, -r, "cannot bind '%s' at '%s'", m->source, m->dest);
	return 1;
}

static int mount_tmpfs(int root_fd, const struct policy *p, const struct policy_mount *m,
		       struct err_ctx *reterr)
{
	uint64_t size = m->size ? m->size : p->limits.tmpfs_bytes;
	_cleanup_close_ int mnt_fd =
		tmpfs_new(size, m->mode ? m->mode : 0755, &p->user, (unsigned int)attrs_for(m));
	int r = attach_new(root_fd, mnt_fd, m->dest, "tmpfs", reterr);

	return r < 0 ? r : 1;
}

static int mount_dir(int root_fd, const struct policy_mount *m, struct err_ctx *reterr)
{
	_cleanup_close_ int fd =
		dest_open(root_fd, m->dest, CHILD_DEST_DIR, m->mode ? m->mode : 0755);

	if (fd < 0)
		return err_set(reterr, -fd, "cannot create directory '%s'", m->dest);
	return 1;
}

static int mount_symlink(int root_fd, const struct policy_mount *m, struct err_ctx *reterr)
{
	char buf[PATH_MAX];
	const char *leaf = NULL;
	_cleanup_close_ int dir_fd = walk_parent(root_fd, m->dest, buf, sizeof(buf), &leaf);
	int r = dir_fd < 0 ? dir_fd : 0;

	if (r == 0 && !m->source)
		r = -EINVAL;
	if (r == 0 && symlinkat(m->source, dir_fd, leaf) < 0)
		r = -errno;
	if (r < 0)
		return err_set(reterr, -r, "cannot create symlink '%s' -> '%s'", m->dest,
			       m->source ? m->source : "");
	return 1;
}

/* --- proc ------------------------------------------------------------------------------ */

enum proc_cover {
	PROC_COVER_READONLY, /* the entry itself, read-only */
	PROC_COVER_FILE,     /* a /dev/null that cannot be opened (nodev) */
	PROC_COVER_DIR,	     /* an empty read-only tmpfs */
};

static int proc_cover_one(int proc_fd, const char *name, enum proc_cover how,
			  const struct policy_user *user)
{
	_cleanup_close_ int target = open_beneath(proc_fd, name, O_PATH, 0);
	_cleanup_close_ int src = -1;
	int r;

	if (target == -ENOENT)
		return 0; /* not every kernel has every entry */
	if (target < 0)
		return target;
	switch (how) {
	case PROC_COVER_READONLY:
		src = open_tree(proc_fd, name,
				OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE |
					AT_SYMLINK_NOFOLLOW);
		src = src < 0 ? -errno : src;
		break;
	case PROC_COVER_FILE:
		src = open_tree(AT_FDCWD, "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		src = src < 0 ? -errno : src;
		break;
	case PROC_COVER_DIR:
		src = tmpfs_new(MASK_TMPFS_BYTES, 0555, user, ATTR_LOCKDOWN);
		break;
	}
	if (src < 0)
		return src;
	r = tree_setattr(src, ATTR_LOCKDOWN, AT_RECURSIVE);
	return r < 0 ? r : attach(src, target);
}

static int proc_harden(int proc_fd, const struct policy_mount *m, const struct policy_user *user,
		       struct err_ctx *reterr)
{
	static const struct {
		const char *const *names;
		size_t n;
		enum proc_cover how;
	} groups[] = {
		{proc_readonly, ARRAY_SIZE(proc_readonly), PROC_COVER_READONLY},
		{proc_masked_files, ARRAY_SIZE(proc_masked_files), PROC_COVER_FILE},
		{proc_masked_dirs, ARRAY_SIZE(proc_masked_dirs), PROC_COVER_DIR},
	};

	for (size_t g = 0; g < ARRAY_SIZE(groups); g++)
		for (size_t i = 0; i < groups[g].n; i++) {
			int r = proc_cover_one(proc_fd, groups[g].names[i], groups[g].how, user);

			if (r < 0)
				return err_set(reterr, -r, "cannot protect '%s/%s'", m->dest,
					       groups[g].names[i]);
		}
	return 1;
}

static int mount_proc(int root_fd, const struct policy *p, const struct policy_mount *m,
		      struct err_ctx *reterr)
{
	/* Works unprivileged because we are pid 1 of a pid namespace our userns owns. */
	_cleanup_close_ int mnt_fd =
		fs_new("proc", NULL, 0, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	int r = attach_new(root_fd, mnt_fd, m->dest, "proc", reterr);

	if (r < 0)
		return r;
	return proc_harden(mnt_fd, m, &p->user, reterr);
}

/* --- dev ------------------------------------------------------------------------------- */

/* Device binds must not be nodev; they stay writable (/dev/null) but never suid or exec. */
static int dev_bind_nodes(int dev_fd, const struct child_mount_sources *s, const char **ret_what)
{
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		_cleanup_close_ int target = -1;
		int r;

		if (s->dev[i] < 0)
			continue;
		*ret_what = dev_nodes[i];
		r = target = open_leaf_file(dev_fd, dev_nodes[i]);
		if (r >= 0)
			r = tree_setattr(s->dev[i], MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, 0);
		if (r >= 0)
			r = attach(s->dev[i], target);
		if (r < 0)
			return r;
	}
	return 0;
}

static int dev_submount(int dev_fd, const char *name, int mnt_fd)
{
	_cleanup_close_ int mnt = mnt_fd;
	_cleanup_close_ int target = -1;

	if (mnt < 0)
		return mnt;
	if (mkdirat(dev_fd, name, 0755) < 0)
		return -errno;
	target = open_beneath(dev_fd, name, O_PATH | O_DIRECTORY, 0);
	if (target < 0)
		return target;
	return attach(mnt, target);
}

static int dev_populate(int dev_fd, const struct policy *p, const struct child_mount_sources *s,
			const char **ret_what)
{
	/* A private devpts: no gid= (the tty group is not mapped), ptys only for us. */
	static const struct fs_opt pts_opts[] = {
		{"newinstance", NULL}, {"ptmxmode", "0666"}, {"mode", "0620"}};
	static const char *const links[][2] = {
		{"ptmx", "pts/ptmx"},	       {"fd", "/proc/self/fd"},
		{"stdin", "/proc/self/fd/0"},  {"stdout", "/proc/self/fd/1"},
		{"stderr", "/proc/self/fd/2"},
	};
	int r = dev_bind_nodes(dev_fd, s, ret_what);

	if (r < 0)
		return r;
	*ret_what = "pts";
	r = dev_submount(dev_fd, "pts",
			 fs_new("devpts", pts_opts, ARRAY_SIZE(pts_opts),
				MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC));
	if (r < 0)
		return r;
	*ret_what = "shm";
	r = dev_submount(dev_fd, "shm",
			 tmpfs_new(p->limits.tmpfs_bytes, 01777, &p->user,
				   MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV));
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		*ret_what = links[i][0];
		if (symlinkat(links[i][1], dev_fd, links[i][0]) < 0)
			return -errno;
	}
	return 0;
}

static int mount_dev(int root_fd, const struct policy *p, const struct policy_mount *m,
		     const struct child_mount_sources *s, struct err_ctx *reterr)
{
	/* nodev here is fine: each device node is its own bind mount without it. */
	_cleanup_close_ int dev_fd =
		tmpfs_new(DEV_TMPFS_BYTES, 0755, &p->user,
			  MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	const char *what = "";
	int r = attach_new(root_fd, dev_fd, m->dest, "dev", reterr);

	if (r < 0)
		return r;
	r = dev_populate(dev_fd, p, s, &what);
	if (r < 0)
		return err_set(reterr, -r, "cannot create '%s/%s'", m->dest, what);
	/* Populated: nothing may be added to /dev itself from now on. */
	r = tree_setattr(dev_fd, ATTR_LOCKDOWN, 0);
	if (r < 0)
		return err_set(reterr, -r, "cannot make '%s' read-only", m->dest);
	return 1;
}

/* --- the root -------------------------------------------------------------------------- */

static int mount_one(int root_fd, const struct policy *p, size_t i,
		     const struct child_mount_sources *s, struct err_ctx *reterr)
{
	const struct policy_mount *m = &p->mounts[i];

	if (!m->dest || m->dest[0] != '/' || m->dest[1] == '\0')
		return err_set(reterr, EINVAL, "invalid mount destination '%s'",
			       m->dest ? m->dest : "");
	switch (m->kind) {
	case POLICY_MOUNT_BIND_RO:
	case POLICY_MOUNT_BIND_RW:
		/* A missing optional source was skipped when the sources were opened. */
		return s->bind[i] < 0 ? 0 : mount_bind(root_fd, m, s->bind[i], reterr);
	case POLICY_MOUNT_TMPFS:
		return mount_tmpfs(root_fd, p, m, reterr);
	case POLICY_MOUNT_PROC:
		return mount_proc(root_fd, p, m, reterr);
	case POLICY_MOUNT_DEV:
		return mount_dev(root_fd, p, m, s, reterr);
	case POLICY_MOUNT_SYMLINK:
		return mount_symlink(root_fd, m, reterr);
	case POLICY_MOUNT_DIR:
		return mount_dir(root_fd, m, reterr);
	case _POLICY_MOUNT_KIND_MAX:
		break;
	}
	return err_set(reterr, EINVAL, "unknown mount type %d at '%s'", (int)m->kind, m->dest);
}

static int root_create(const struct policy *p, struct err_ctx *reterr)
{
	_cleanup_close_ int mnt_fd =
		tmpfs_new(ROOT_TMPFS_BYTES, 0755, &p->user, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	const char *scratch = SCRATCH_DIR;
	struct stat st;

	if (mnt_fd < 0)
		return err_set(reterr, -mnt_fd, "cannot create the root tmpfs");
	if (stat(scratch, &st) < 0 || !S_ISDIR(st.st_mode))
		scratch = "/";
	/* pivot_root needs the new root attached to our tree, not detached. */
	if (move_mount(mnt_fd, "", AT_FDCWD, scratch, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return err_set(reterr, errno, "cannot attach the new root at '%s'", scratch);
	return take_fd(mnt_fd);
}

static int root_enter(int root_fd, const char *cwd, struct err_ctx *reterr)
{
	struct mount_attr attr = {.attr_set =
					  MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};

	if (fchdir(root_fd) < 0)
		return err_set(reterr, errno, "cannot enter the new root");
	/*
	 * pivot_root(".", ".") stacks the old root on top of the new one, so
	 * it can be detached without needing a directory to park it in.
	 */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return err_set(reterr, errno, "cannot pivot into the new root");
	if (umount2(".", MNT_DETACH) < 0)
		return err_set(reterr, errno, "cannot detach the host's root");
	if (chdir("/") < 0)
		return err_set(reterr, errno, "cannot change directory to '/'");
	/* Read-only only now: the mountpoints were being created in it until here. */
	if (mount_setattr(AT_FDCWD, "/", 0, &attr, sizeof(attr)) < 0)
		return err_set(reterr, errno, "cannot make the root read-only");
	if (cwd && chdir(cwd) < 0)
		return err_set(reterr, errno, "cannot change directory to '%s'", cwd);
	return 0;
}

int child_mount_setup(const struct policy *p, const struct child_mount_sources *src,
		      struct child_view *ret_view, struct err_ctx *reterr)
{
	_cleanup_close_ int root_fd = -1;
	mode_t old_mask;
	int r;

	memset(ret_view, 0, sizeof(*ret_view));
	root_fd = r = root_create(p, reterr);
	if (r < 0)
		return r;
	/* Modes in the policy are exact, whatever umask the caller had. */
	old_mask = umask(0);
	for (size_t i = 0; i < p->n_mounts; i++) {
		r = mount_one(root_fd, p, i, src, reterr);
		if (r < 0)
			return r;
		ret_view->mounted[i] = r > 0;
	}
	umask(old_mask);
	return root_enter(root_fd, p->cwd, reterr);
}
