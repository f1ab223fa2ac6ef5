/* SPDX-License-Identifier: MIT */
/*
 * fs.open: opens a path beneath a granted root and passes the descriptor.
 *
 * Resolution uses openat2 with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, not
 * RESOLVE_NO_SYMLINKS: the kernel checks "beneath" atomically during the
 * walk, so a symlink (or "..") that leads outside the root fails with EXDEV
 * whoever created it and whenever, while symlinks that stay inside the root
 * keep working. O_NOFOLLOW refuses a symlink as the last component, so the
 * descriptor is never one, and /proc-style magic links are refused outright.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "supervisor/broker/dispatch_internal.h"

/*
 * With RESOLVE_BENEATH the kernel answers EAGAIN when a rename or mount
 * anywhere on the host raced a ".." step; openat2(2) says to retry, and
 * nothing was opened or created. A busy host (a CI runner renaming files)
 * hits this often enough to matter, so a few tries before giving up.
 */
#define OPENAT2_TRIES 16

static int sys_openat2(int dirfd, const char *path, struct open_how *how)
{
	int fd = -1, i;

	for (i = 0; i < OPENAT2_TRIES; i++) {
		fd = (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
		if (fd >= 0 || (errno != EAGAIN && errno != EINTR))
			break;
	}
	return fd;
}

/* The rights the flags need, on top of the checks the decoder made. */
static uint32_t rights_for(uint32_t flags)
{
	uint32_t rights = 0;

	if (flags & (WIRE_OPEN_READ | WIRE_OPEN_DIRECTORY))
		rights |= CAP_RIGHT_READ;
	if (flags & (WIRE_OPEN_WRITE | WIRE_OPEN_TRUNC | WIRE_OPEN_APPEND))
		rights |= CAP_RIGHT_WRITE;
	if (flags & (WIRE_OPEN_CREATE | WIRE_OPEN_EXCL))
		rights |= CAP_RIGHT_CREATE;
	return rights;
}

static int accmode_for(uint32_t flags)
{
	if ((flags & WIRE_OPEN_READ) && (flags & WIRE_OPEN_WRITE))
		return O_RDWR;
	return (flags & WIRE_OPEN_WRITE) ? O_WRONLY : O_RDONLY;
}

/*
 * O_NONBLOCK so that a FIFO or device planted under the root cannot make the
 * supervisor wait in open(); such files are refused after fstat anyway.
 */
static uint64_t open_flags_for(uint32_t flags)
{
	uint64_t o = (uint64_t)accmode_for(flags) | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK;

	if (flags & WIRE_OPEN_CREATE)
		o |= O_CREAT;
	if (flags & WIRE_OPEN_EXCL)
		o |= O_EXCL;
	if (flags & WIRE_OPEN_TRUNC)
		o |= O_TRUNC;
	if (flags & WIRE_OPEN_APPEND)
		o |= O_APPEND;
	if (flags & WIRE_OPEN_DIRECTORY)
		o |= O_DIRECTORY;
	return o;
}

static int root_fd(const struct broker_instance *bi, const char *root)
{
	size_t i;

	for (i = 0; i < bi->n_roots; i++)
		if (strcmp(bi->roots[i].name, root) == 0)
			return bi->roots[i].fd;
	return -1;
}

static int open_err(struct broker_req *r, int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return broker_deny(r, WIRE_E_NOT_FOUND, "no such file");
	case EEXIST:
		return broker_deny(r, WIRE_E_EXISTS, "file exists");
	case EXDEV:
	case ELOOP:
		return broker_deny(r, WIRE_E_RIGHTS, "path leaves the root or is a symlink");
	case EACCES:
	case EPERM:
	case EROFS:
	case EISDIR:
		return broker_deny(r, WIRE_E_RIGHTS, "not permitted");
	case EAGAIN:
		return broker_deny(r, WIRE_E_BUSY,
				   "the host kept renaming during the lookup: retry");
	default:
		return broker_deny(r, WIRE_E_IO, "open failed");
	}
}

/* The result check: what we pass is exactly what the request and capability allow. */
static int validate_fd(struct broker_req *r, int fd, uint32_t flags)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fstat(fd, &st) < 0)
		return broker_deny(r, WIRE_E_IO, "cannot inspect the file");
	if ((fl & O_PATH) || (fl & O_ACCMODE) != accmode_for(flags))
		return broker_deny(r, WIRE_E_RESULT, "descriptor has the wrong access mode");
	if (flags & WIRE_OPEN_DIRECTORY ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return broker_deny(r, WIRE_E_RESULT, "not a regular file or directory");
	if (fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return broker_deny(r, WIRE_E_IO, "cannot set file flags");
	return 0;
}

int broker_handle_fs_open(struct broker_instance *bi, struct broker_req *r)
{
	const struct wire_fs_open *f = &r->req->u.fs_open;
	char root[WIRE_MAX_NAME + 1], path[WIRE_MAX_PATH + 1];
	struct open_how how = {
		.flags = open_flags_for(f->flags),
		.mode = (f->flags & WIRE_OPEN_CREATE) ? (f->mode & WIRE_OPEN_MODE_MAX) : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_close_ int fd = -1;
	int dfd, k;

	if (!broker_cstr(&f->root, root, sizeof(root)) ||
	    !broker_cstr(&f->path, path, sizeof(path)))
		return broker_deny(r, WIRE_E_MALFORMED, "bad fs.open request");
	k = broker_check_cap(bi, r, &f->token, CAP_KIND_FS, root, rights_for(f->flags));
	if (k < 0)
		return k;
	dfd = root_fd(bi, root);
	if (dfd < 0)
		return broker_deny(r, WIRE_E_NOT_FOUND, "root not open for this instance");
	fd = sys_openat2(dfd, path, &how);
	if (fd < 0) {
		k = errno;
		log_msg(LOG_LEVEL_INFO, "instance %s: fs.open '%s' beneath '%s' refused: %s",
			bi->id, path, root, strerror(k));
		return open_err(r, k);
	}
	k = validate_fd(r, fd, f->flags);
	if (k < 0)
		return k;
	log_msg(LOG_LEVEL_INFO, "instance %s: fs.open '%s' beneath '%s' flags 0x%x", bi->id, path,
		root, f->flags);
	r->rep.type = WIRE_T_FS_OPEN_OK;
	r->rep.u.fs_open_ok.flags = f->flags;
	r->fd = take_fd(fd);
	return 0;
}
