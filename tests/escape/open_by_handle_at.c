/* SPDX-License-Identifier: MIT */
/*
 * open_by_handle_at: the "shocker" escape. A file handle names an inode of
 * a whole filesystem, not of the bind mount it was reached through: forging
 * the handle of inode 2 (the root of an ext4 filesystem) and opening it via
 * a bind mount's fd would open the host's root. The kernel checks
 * CAP_DAC_READ_SEARCH before it decodes anything, so any error other than a
 * denial means the check passed.
 */
#include "escape.h"

struct handle8 {
	struct file_handle fh;
	unsigned char bytes[MAX_HANDLE_SZ];
};

static void try_mount_fd(const char *dir)
{
	struct handle8 h;
	char what[128];
	int mnt, mount_id, fd;

	mnt = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mnt < 0) {
		esc_append("open(%s): %s", dir, esc_errname(errno));
		return;
	}
	/* a real handle of the directory itself (name_to_handle_at needs no capability) */
	memset(&h, 0, sizeof(h));
	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(mnt, "", &h.fh, &mount_id, AT_EMPTY_PATH) == 0) {
		snprintf(what, sizeof(what), "open_by_handle_at(%s, own handle)", dir);
		fd = ESC_TRY_STRICT(what, open_by_handle_at(mnt, &h.fh, O_RDONLY | O_CLOEXEC));
		if (fd >= 0)
			close(fd);
	} else {
		esc_append("name_to_handle_at(%s): %s", dir, esc_errname(errno));
	}
	/* the forged one: FILEID_INO32_GEN, inode 2, generation 0 */
	memset(&h, 0, sizeof(h));
	h.fh.handle_bytes = 8;
	h.fh.handle_type = 1;
	h.bytes[0] = 2;
	snprintf(what, sizeof(what), "open_by_handle_at(%s, forged inode 2)", dir);
	fd = ESC_TRY_STRICT(what, open_by_handle_at(mnt, &h.fh, O_RDONLY | O_CLOEXEC));
	if (fd >= 0)
		close(fd);
	close(mnt);
}

static int attack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	try_mount_fd("/opt/escape");
	try_mount_fd("/usr");
	if (access(ESC_RO_DIR, F_OK) == 0)
		try_mount_fd(ESC_RO_DIR);
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
