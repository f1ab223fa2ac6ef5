/* SPDX-License-Identifier: MIT */
/* Small, strict helpers on cgroup control files. */
#include "supervisor/limits/cgroup_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"

/* An instance can nest cgroups below its leaf; we do not follow it forever. */
#define CGFS_MAX_DEPTH 16

int cgfs_write(int dirfd, const char *dir, const char *name, const char *text,
	       struct err_ctx *reterr)
{
	/* O_TRUNC is harmless on cgroupfs and keeps a plain test file exact. */
	_cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
	size_t len = strlen(text);
	ssize_t n;

	if (fd < 0)
		return err_set(reterr, errno, "cannot open '%s/%s' for writing", dir, name);
	/* cgroupfs takes a value in one write(); a short write means it was cut. */
	n = write(fd, text, len);
	if (n < 0)
		return err_set(reterr, errno, "cannot write '%s' to '%s/%s'", text, dir, name);
	if ((size_t)n != len)
		return err_set(reterr, EIO, "short write of '%s' to '%s/%s'", text, dir, name);
	return 0;
}

int cgfs_write_u64(int dirfd, const char *dir, const char *name, uint64_t value,
		   struct err_ctx *reterr)
{
	char text[24];

	snprintf(text, sizeof(text), "%" PRIu64, value);
	return cgfs_write(dirfd, dir, name, text, reterr);
}

ssize_t cgfs_read(int dirfd, const char *dir, const char *name, char *buf, size_t size,
		  struct err_ctx *reterr)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t off = 0;

	if (fd < 0)
		return err_set(reterr, errno, "cannot open '%s/%s'", dir, name);
	for (;;) {
		ssize_t n = read(fd, buf + off, size - 1 - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(reterr, errno, "cannot read '%s/%s'", dir, name);
		if (n == 0)
			break;
		off += (size_t)n;
		if (off == size - 1) {
			char extra;

			/* Full buffer: fine only if this was exactly the end. */
			n = read(fd, &extra, 1);
			if (n != 0)
				return err_set(reterr, EFBIG, "'%s/%s' is larger than expected",
					       dir, name);
			break;
		}
	}
	buf[off] = '\0';
	return (ssize_t)off;
}

int cgfs_parse_u64(const char *text, size_t len, uint64_t *ret)
{
	uint64_t v = 0;

	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (text[i] < '0' || text[i] > '9')
			return -EINVAL;
		d = (unsigned)(text[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

int cgfs_read_u64(int dirfd, const char *dir, const char *name, uint64_t *ret,
		  struct err_ctx *reterr)
{
	char buf[64];
	ssize_t len = cgfs_read(dirfd, dir, name, buf, sizeof(buf), reterr);

	if (len < 0)
		return (int)len;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (cgfs_parse_u64(buf, (size_t)len, ret) < 0)
		return err_set(reterr, EINVAL, "'%s/%s': not a number", dir, name);
	return 0;
}

int cgfs_keyed_u64(const char *text, const char *key, uint64_t *ret)
{
	size_t klen = strlen(key);
	const char *line = text;

	while (*line) {
		const char *end = strchrnul(line, '\n');

		if ((size_t)(end - line) > klen && strncmp(line, key, klen) == 0 &&
		    line[klen] == ' ') {
			const char *val = line + klen + 1;

			return cgfs_parse_u64(val, (size_t)(end - val), ret) < 0 ? -EINVAL : 0;
		}
		line = *end ? end + 1 : end;
	}
	return -ENOENT;
}

int cgfs_read_keyed(int dirfd, const char *dir, const char *name, const char *key, uint64_t *ret,
		    struct err_ctx *reterr)
{
	char buf[CGFS_READ_MAX];
	ssize_t len = cgfs_read(dirfd, dir, name, buf, sizeof(buf), reterr);
	int r;

	if (len < 0)
		return (int)len;
	r = cgfs_keyed_u64(buf, key, ret);
	if (r == -EINVAL)
		return err_set(reterr, EINVAL, "'%s/%s': malformed '%s' line", dir, name, key);
	if (r < 0)
		return err_set(reterr, -r, "'%s/%s': no '%s' line", dir, name, key);
	return 0;
}

bool cgfs_exists(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int cgfs_write_pids_max(int dirfd, const char *dir, uint64_t pids, struct err_ctx *reterr)
{
	if (pids > CGFS_PIDS_LIMIT_MAX)
		return cgfs_write(dirfd, dir, "pids.max", "max", reterr);
	return cgfs_write_u64(dirfd, dir, "pids.max", pids, reterr);
}

static void note_failure(int q, const struct err_ctx *e, int *first, struct err_ctx *reterr)
{
	if (q >= 0 || q == -ENOENT || *first < 0)
		return;
	*first = q;
	if (reterr)
		*reterr = *e;
}

void cgfs_usage_read(int dirfd, const char *dir, const char *name, const char *const *keys,
		     uint64_t *const *rets, size_t n, int *first, struct err_ctx *reterr)
{
	struct err_ctx e = {0};
	char buf[CGFS_READ_MAX];
	ssize_t len;

	if (!keys) {
		uint64_t v;
		int q = cgfs_read_u64(dirfd, dir, name, &v, &e);

		if (q == 0)
			*rets[0] = v;
		note_failure(q, &e, first, reterr);
		return;
	}
	len = cgfs_read(dirfd, dir, name, buf, sizeof(buf), &e);
	if (len < 0) {
		note_failure((int)len, &e, first, reterr);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t v;
		int q = cgfs_keyed_u64(buf, keys[i], &v);

		if (q == 0)
			*rets[i] = v;
		else if (q != -ENOENT)
			note_failure(err_set(&e, EINVAL, "'%s/%s': malformed '%s' line", dir, name,
					     keys[i]),
				     &e, first, reterr);
	}
}

int cgfs_mkdir(const struct cgroup_fake_ops *fake, int parent_fd, const char *name,
	       enum cgroup_version version, unsigned ctrls)
{
	if (fake && fake->mkdir)
		return fake->mkdir(parent_fd, name, version, ctrls, fake->arg);
	return mkdirat(parent_fd, name, 0755) < 0 ? -errno : 0;
}

static int cgfs_rmdir(const struct cgroup_fake_ops *fake, int parent_fd, const char *name)
{
	if (fake && fake->rmdir)
		return fake->rmdir(parent_fd, name, fake->arg);
	return unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

static bool is_subdir(int dirfd, const struct dirent *de)
{
	struct stat st;

	if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
		return false;
	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

static int remove_tree_at(const struct cgroup_fake_ops *fake, int parent_fd, const char *name,
			  unsigned depth)
{
	_cleanup_close_ int fd = -1;
	_cleanup_close_ int dup_fd = -1;
	DIR *d;
	int r = 0;

	if (depth > CGFS_MAX_DEPTH)
		return -ELOOP;
	fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (dup_fd < 0)
		return -errno;
	d = fdopendir(dup_fd);
	if (!d)
		return -errno;
	dup_fd = -1; /* owned by d now */
	/* Only removals happen while we iterate, which readdir tolerates. */
	for (struct dirent *de; (de = readdir(d));) {
		int q;

		if (!is_subdir(dirfd(d), de))
			continue;
		q = remove_tree_at(fake, fd, de->d_name, depth + 1);
		if (q < 0 && r == 0)
			r = q;
	}
	closedir(d);
	if (r < 0)
		return r;
	r = cgfs_rmdir(fake, parent_fd, name);
	return r == -ENOENT ? 0 : r;
}

int cgfs_remove_tree(const struct cgroup_fake_ops *fake, int parent_fd, const char *name)
{
	return remove_tree_at(fake, parent_fd, name, 0);
}

int cgroup_leaf_name(char *buf, size_t size, pid_t pid, const char *suffix)
{
	int n = snprintf(buf, size, "vmsandbox-%d-%s", (int)pid, suffix);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
