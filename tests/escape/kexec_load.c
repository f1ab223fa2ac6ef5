/* SPDX-License-Identifier: MIT */
/* kexec_load: stage a new kernel (would replace the host kernel at the next reboot). */
#include <linux/kexec.h>

#include "escape.h"

static int attack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	/* zero segments only unloads: harmless if it ever got through, still an escape;
	 * the kernel checks CAP_SYS_BOOT before anything else */
	ESC_TRY_STRICT("kexec_load(0 segments)",
		       syscall(SYS_kexec_load, 0UL, 0UL, NULL, (unsigned long)KEXEC_ARCH_DEFAULT));
	ESC_TRY_STRICT("kexec_load(crash, 0 segments)",
		       syscall(SYS_kexec_load, 0UL, 0UL, NULL,
			       (unsigned long)(KEXEC_ARCH_DEFAULT | KEXEC_ON_CRASH)));
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
