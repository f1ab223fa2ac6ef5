/* SPDX-License-Identifier: MIT */
/* init_module: load a kernel module from memory. */
#include "escape.h"

static int attack(int argc, char **argv)
{
	static const char image[64] = "\177ELF not a module";

	(void)argc;
	(void)argv;
	/* a bogus image: past the capability check the kernel would say ENOEXEC */
	ESC_TRY_STRICT("init_module(bogus image)",
		       syscall(SYS_init_module, image, sizeof(image), ""));
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
