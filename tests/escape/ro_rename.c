/* SPDX-License-Identifier: MIT */
/* ro_rename: move files into, out of and within the read-only bind /ro. */
#include "escape.h"

static int attack(int argc, char **argv)
{
	int fd;

	(void)argc;
	(void)argv;
	esc_need_ro();
	fd = open("/tmp/vmsb-mv", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		esc_cannot("create /tmp/vmsb-mv: %s", esc_errname(errno));
	close(fd);
	ESC_TRY("rename(/tmp/vmsb-mv -> /ro/moved-in)", rename("/tmp/vmsb-mv", "/ro/moved-in"));
	ESC_TRY("rename(/tmp/vmsb-mv -> /ro/file)", rename("/tmp/vmsb-mv", ESC_RO_FILE));
	ESC_TRY("rename(/ro/file -> /tmp/vmsb-out)", rename(ESC_RO_FILE, "/tmp/vmsb-out"));
	ESC_TRY("rename(/ro/file -> /ro/renamed)", rename(ESC_RO_FILE, "/ro/renamed"));
	ESC_TRY("renameat2(/tmp/vmsb-mv <-> /ro/file, EXCHANGE)",
		syscall(SYS_renameat2, AT_FDCWD, "/tmp/vmsb-mv", AT_FDCWD, ESC_RO_FILE,
			2 /* RENAME_EXCHANGE */));
	esc_check_ro_held("renames");
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
