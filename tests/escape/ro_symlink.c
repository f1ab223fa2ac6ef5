/* SPDX-License-Identifier: MIT */
/*
 * ro_symlink: write into the read-only bind /ro through symlinks made in a
 * writable place: to the existing file, to a new name, and to the directory.
 * The runner checks on the host that /ro's directory is unchanged.
 */
#include "escape.h"

static void try_write(const char *what, const char *path, int flags)
{
	int fd = ESC_TRY(what, open(path, flags | O_CLOEXEC, 0666));

	if (fd >= 0)
		close(fd);
}

static int attack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	esc_need_ro();
	unlink("/tmp/vmsb-l-file");
	unlink("/tmp/vmsb-l-new");
	unlink("/tmp/vmsb-l-dir");
	if (symlink(ESC_RO_FILE, "/tmp/vmsb-l-file") < 0 ||
	    symlink("/ro/created-via-symlink", "/tmp/vmsb-l-new") < 0 ||
	    symlink(ESC_RO_DIR, "/tmp/vmsb-l-dir") < 0)
		esc_cannot("symlink in /tmp: %s", esc_errname(errno));
	try_write("write via link to /ro/file", "/tmp/vmsb-l-file", O_WRONLY | O_APPEND);
	try_write("truncate via link to /ro/file", "/tmp/vmsb-l-file", O_WRONLY | O_TRUNC);
	try_write("create via dangling link into /ro", "/tmp/vmsb-l-new", O_WRONLY | O_CREAT);
	try_write("create via link to /ro dir", "/tmp/vmsb-l-dir/created-via-dirlink",
		  O_WRONLY | O_CREAT);
	ESC_TRY("mkdir via link to /ro dir", mkdir("/tmp/vmsb-l-dir/mkdir-via-dirlink", 0777));
	ESC_TRY("unlink via link to /ro dir", unlink("/tmp/vmsb-l-dir/file"));
	esc_check_ro_held("symlinks");
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
