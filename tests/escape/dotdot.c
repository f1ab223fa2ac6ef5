/* SPDX-License-Identifier: MIT */
/*
 * dotdot: climb above the root of the view with "..": from /, from inside
 * binds, through openat of a directory fd and with chdir. argv[1] is a host
 * path (a marker file the runner made, absent from the view) that must stay
 * unreachable; /etc/shadow must stay absent too.
 */
#include "escape.h"

static const char *targets[2];

static void try_path(const char *prefix)
{
	for (int i = 0; i < 2; i++) {
		char path[1024], what[1100];
		struct stat st;

		/* existence is the leak: an unreadable /etc/shadow would still fail open() */
		snprintf(path, sizeof(path), "%s%s", prefix, targets[i]);
		snprintf(what, sizeof(what), "stat(%s)", path);
		ESC_TRY(what, stat(path, &st));
	}
}

static int attack(int argc, char **argv)
{
	struct stat root, up;
	int dfd;

	if (argc < 2)
		esc_cannot("usage: dotdot HOST-MARKER-PATH");
	targets[0] = argv[1];
	targets[1] = "/etc/shadow";
	try_path("");
	try_path("/../../../../../../..");
	try_path("/opt/escape/../../../../../..");
	try_path("/ro/../../../../..");
	try_path("/proc/self/cwd/../../../../..");
	if (stat("/", &root) < 0 || stat("/..", &up) < 0)
		esc_cannot("stat /: %s", esc_errname(errno));
	if (root.st_ino != up.st_ino || root.st_dev != up.st_dev) {
		esc_tally()->hits++;
		esc_append("/.. is not /");
	}
	dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (int i = 0; i < 32 && dfd >= 0; i++) {
		int up_fd = openat(dfd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);

		close(dfd);
		dfd = up_fd;
	}
	if (dfd >= 0) {
		if (fstat(dfd, &up) == 0 &&
		    (up.st_ino != root.st_ino || up.st_dev != root.st_dev)) {
			esc_tally()->hits++;
			esc_append("openat(.., 32 times) left the root");
		}
		close(dfd);
	}
	for (int i = 0; i < 32; i++)
		if (chdir("..") < 0)
			break;
	if (stat(".", &up) == 0 && (up.st_ino != root.st_ino || up.st_dev != root.st_dev)) {
		esc_tally()->hits++;
		esc_append("chdir(.., 32 times) left the root");
	}
	esc_assert_all_blocked();
}

int main(int argc, char **argv)
{
	return esc_main(argc, argv, attack);
}
