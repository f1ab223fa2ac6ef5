/* SPDX-License-Identifier: MIT */
#include "child/landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"

/* Debian 12's headers stop at ABI 2; the values are kernel ABI and never change. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

/* EXECUTE (bit 0) through MAKE_SYM (bit 12). */
#define FS_RIGHTS_ABI1 ((1ULL << 13) - 1)

/* Rights that a rule on a non-directory may carry. */
#define FS_FILE_RIGHTS                                                                             \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                              \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |                              \
	 LANDLOCK_ACCESS_FS_IOCTL_DEV)

#define FS_READ_EXEC                                                                               \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)

#define FS_DEVICES                                                                                 \
	(LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |                            \
	 LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

/*
 * struct landlock_ruleset_attr as of ABI 6. Older kernels accept the larger
 * struct as long as the fields they do not know are zero.
 */
struct ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

int child_landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	return abi > 0 ? (int)abi : 0;
}

uint64_t child_landlock_fs_rights(int abi)
{
	uint64_t rights = 0;

	if (abi >= 1)
		rights |= FS_RIGHTS_ABI1;
	if (abi >= 2)
		rights |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		rights |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		rights |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return rights;
}

uint64_t child_landlock_net_rights(int abi)
{
	return abi >= 4 ? LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP : 0;
}

uint64_t child_landlock_scopes(int abi)
{
	return abi >= 6 ? LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL : 0;
}

/* A missing path has nothing to grant: skipped. */
static int add_rule(int ruleset_fd, const char *path, uint64_t access, struct err_ctx *reterr)
{
	struct landlock_path_beneath_attr attr = {.allowed_access = access};
	_cleanup_close_ int fd = open(path, O_PATH | O_CLOEXEC);
	struct stat st;

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0)
		return err_set(reterr, errno, "cannot open '%s' for a Landlock rule", path);
	if (!S_ISDIR(st.st_mode))
		attr.allowed_access &= FS_FILE_RIGHTS;
	if (attr.allowed_access == 0)
		return 0;
	attr.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, ruleset_fd, LANDLOCK_RULE_PATH_BENEATH, &attr, 0) < 0)
		return err_set(reterr, errno, "cannot add a Landlock rule for '%s'", path);
	return 0;
}

static int add_dev_rules(int ruleset_fd, const char *dest, uint64_t fs, struct err_ctx *reterr)
{
	char shm[PATH_MAX];
	int r = add_rule(ruleset_fd, dest, FS_DEVICES & fs, reterr);

	if (r < 0)
		return r;
	if (snprintf(shm, sizeof(shm), "%s/shm", dest) >= (int)sizeof(shm))
		return err_set(reterr, ENAMETOOLONG, "'%s/shm' is too long", dest);
	return add_rule(ruleset_fd, shm, fs, reterr);
}

static int add_view_rules(int ruleset_fd, const struct policy *p, const struct child_view *view,
			  uint64_t fs, struct err_ctx *reterr)
{
	int r = add_rule(ruleset_fd, "/", FS_READ_EXEC & fs, reterr);

	for (size_t i = 0; i < p->n_mounts && r == 0; i++) {
		const struct policy_mount *m = &p->mounts[i];

		if (!view->mounted[i])
			continue;
		switch (m->kind) {
		case POLICY_MOUNT_BIND_RW:
		case POLICY_MOUNT_TMPFS:
			r = add_rule(ruleset_fd, m->dest, fs, reterr);
			break;
		case POLICY_MOUNT_DEV:
			r = add_dev_rules(ruleset_fd, m->dest, fs, reterr);
			break;
		case POLICY_MOUNT_BIND_RO:
		case POLICY_MOUNT_PROC:
		case POLICY_MOUNT_SYMLINK:
		case POLICY_MOUNT_DIR:
		case _POLICY_MOUNT_KIND_MAX:
			break; /* read and execute from "/" is all they get */
		}
	}
	return r;
}

int child_landlock_apply(const struct child_config *cfg, const struct child_view *view,
			 struct err_ctx *reterr)
{
	const struct policy *p = cfg->policy;
	int abi = cfg->landlock_abi;
	struct ruleset_attr attr = {0};
	_cleanup_close_ int ruleset_fd = -1;
	int r;

	if (abi <= 0 || !p->landlock)
		return 0;
	attr.handled_access_fs = child_landlock_fs_rights(abi);
	/* Without a network TCP is useless anyway; with one, the namespace decides. */
	if (p->net == POLICY_NET_NONE)
		attr.handled_access_net = child_landlock_net_rights(abi);
	/* Keeps the payload from signalling init and from host abstract sockets. */
	attr.scoped = child_landlock_scopes(abi);
	ruleset_fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ruleset_fd < 0)
		return err_set(reterr, errno, "cannot create a Landlock ruleset (ABI %d)", abi);
	r = add_view_rules(ruleset_fd, p, view, attr.handled_access_fs, reterr);
	if (r < 0)
		return r;
	if (syscall(SYS_landlock_restrict_self, ruleset_fd, 0) < 0)
		return err_set(reterr, errno, "cannot enforce the Landlock ruleset");
	return 0;
}
