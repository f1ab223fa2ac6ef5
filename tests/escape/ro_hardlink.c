/* SPDX-License-Identifier: MIT */
/*
 * ro_hardlink: hard links across the read-only bind: /ro/file linked into
 * /tmp (then written), and a /tmp file linked into /ro.
 */
#include "escape.h"

/* linkat(AT_EMPTY_PATH): links an open file, no path lookup of the source */
static int link_by_fd(const char *src, const char *dst)
{
	int fd = open(src, O_RDONLY | O_CLOEXEC);
	int r, e;

	if (fd < 0)
		return -1;
	r = linkat(fd, "", AT_FDCWD, dst, AT_EMPTY_PATH);
	e = errno;
	close(fd);
	errno = e;
	return r;
}

static int attack(int argc, char **argv)
{
	int fd;

	(void)argc;
	(void)argv;
	esc_need_ro();
	unlink("/tmp/vmsb-hl");
	if (ESC_TRY("link(/ro/file -> /tmp/vmsb-hl)", link(ESC_RO_FILE, "/tmp/vmsb-hl")) == 0) {
		fd = ESC_TRY("open the link for writing",
			     open("/tmp/vmsb-hl", O_WRONLY | O_APPEND | O_CLOEXEC));
		if (fd >= 0)
			close(fd);
	}
	fd = open("/tmp/vmsb-src", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		esc_cannot("create /tmp/vmsb-src: %s", esc_errname(errno));
	close(fd);
	ESC_TRY("link(/tmp/vmsb-src -> /ro/linked-in)", link("/tmp/vmsb-src", "/ro/linked-in"));
	ESC_TRY("link(/ro/file -> /ro/file-link)", link(ESC_RO_FILE, "/ro/file-link"));
	ESC_TRY("linkat(AT_EMPTY_PATH) into /ro", link_by_fd("/tmp/vmsb-src", "/ro/linked-fd"));
	esc_check_ro_held("hard links");
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
