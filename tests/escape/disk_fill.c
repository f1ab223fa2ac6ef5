/* SPDX-License-Identifier: MIT */
/*
 * disk_fill: fill every writable tmpfs of the default view (/tmp, $HOME,
 * /dev/shm) one after the other, 1 MiB at a time, up to 1 GiB each. Each
 * must end in ENOSPC (tmpfs size=) or EFBIG (file size limit) inside the
 * instance; the file is named after argv[1] so the runner can check that
 * nothing of it landed on the host.
 */
#include "escape.h"

#define CHUNK (1UL << 20)
#define ESCAPE_AT (1UL << 30)

static void fill(const char *dir, const char *marker)
{
	static char buf[CHUNK];
	char path[512];
	unsigned long total = 0;
	ssize_t n = 0;
	int fd;

	snprintf(path, sizeof(path), "%.200s/%.64s-fill", dir, marker);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		esc_append("%s: open: %s", dir, esc_errname(errno));
		return;
	}
	memset(buf, 'F', sizeof(buf));
	while (total < ESCAPE_AT && (n = write(fd, buf, sizeof(buf))) > 0)
		total += (unsigned long)n;
	if (total >= ESCAPE_AT) {
		esc_tally()->hits++;
		esc_append("%s: wrote %lu MiB without ENOSPC", dir, total >> 20);
	} else if (n < 0 && (errno == ENOSPC || errno == EFBIG)) {
		esc_append("%s: %s after %lu MiB", dir, esc_errname(errno), total >> 20);
	} else {
		/* anything else would not show the limit working */
		esc_tally()->hits++;
		esc_append("%s: write stopped with %s after %lu MiB, not ENOSPC/EFBIG", dir,
			   n < 0 ? esc_errname(errno) : "0 bytes", total >> 20);
	}
	close(fd);
	unlink(path); /* free the memory before the next tmpfs */
}

int main(int argc, char **argv)
{
	const char *marker = argc > 1 ? argv[1] : "vmsb-disk";
	const char *home = getenv("HOME");

	esc_set_name(argv[0]);
	esc_guard();
	signal(SIGXFSZ, SIG_IGN); /* see EFBIG instead of dying */
	fill("/tmp", marker);
	if (home && strcmp(home, "/tmp") != 0)
		fill(home, marker);
	if (access("/dev/shm", W_OK) == 0)
		fill("/dev/shm", marker);
	esc_assert_all_blocked();
}
