/* SPDX-License-Identifier: MIT */
/* iopl: get raw I/O port access (iopl(3), ioperm): direct hardware access from user space. */
#include <sys/io.h>

#include "escape.h"

static int attack(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	ESC_TRY("iopl(3)", iopl(3));
	ESC_TRY("ioperm(0x80, 1, on)", ioperm(0x80, 1, 1));
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
