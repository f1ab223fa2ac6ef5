/* SPDX-License-Identifier: MIT */
/* kexec_file_load: stage a kernel image from a file descriptor. */
#include <linux/kexec.h>

#include "escape.h"

static int attack(int argc, char **argv)
{
	int fd;

	(void)argc;
	fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		esc_cannot("open own binary: %s", esc_errname(errno));
	/* the kernel checks CAP_SYS_BOOT first; our ELF is no bzImage (ENOEXEC past it) */
	ESC_TRY_STRICT("kexec_file_load(own binary)",
		       syscall(SYS_kexec_file_load, fd, -1, 1UL, "",
			       (unsigned long)KEXEC_FILE_NO_INITRAMFS));
	ESC_TRY_STRICT("kexec_file_load(unload)", syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL,
							  (unsigned long)KEXEC_FILE_UNLOAD));
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
