/* SPDX-License-Identifier: MIT */
/* raw_disk: open the host's disks (/dev/sda, /dev/vda, ...) and any block device in /dev. */
#include <dirent.h>

#include "escape.h"

static void scan_dev(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[512];
		struct stat st;

		snprintf(path, sizeof(path), "%.200s/%.200s", dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISBLK(st.st_mode))
			esc_try_open(path, O_RDONLY);
	}
	closedir(d);
}

static int attack(int argc, char **argv)
{
	static const char *const disks[] = {"/dev/sda",	    "/dev/vda", "/dev/vdb",  "/dev/xvda",
					    "/dev/nvme0n1", "/dev/hda", "/dev/dm-0", "/dev/loop0",
					    "/dev/mmcblk0", "/dev/sr0"};

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < sizeof(disks) / sizeof(disks[0]); i++)
		esc_try_open(disks[i], O_RDONLY);
	scan_dev("/dev");
	scan_dev("/dev/block");
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
