/* SPDX-License-Identifier: MIT */
/*
 * probe FACT [ARG]: prints one fact as seen from inside an instance, as plain
 * text that shell tests compare. Linked statically: needs nothing from the
 * view. Exit 0 when the fact was read (and, for yes/no facts, is "yes"), 1
 * for "no"/"unset", 2 for usage errors or when the fact cannot be read.
 *
 *   status FIELD     value of FIELD in /proc/self/status (CapEff, Seccomp, NoNewPrivs)
 *   pids             pids visible in /proc, one per line, ascending
 *   ifaces           network interfaces, one per line, sorted
 *   iface-up NAME    "up" or "down" (SIOCGIFFLAGS)
 *   hostname         the uts nodename
 *   env NAME         the value, or "unset"
 *   exists PATH      "yes" or "no" (lstat: a dangling symlink exists)
 *   readable PATH    "yes" or "no: ERRNO" (open for reading)
 *   writable PATH    "yes" or "no: ERRNO" (file: open for append; dir: create a file in it)
 *   ids              "uid=U gid=G euid=E egid=G'" and "groups=..." on a second line
 *   fds              open fds, one per line (the one used to list them excluded)
 *   ctty             "none" without a controlling terminal, else "yes"
 *   cwd              the working directory
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#define EXIT_NO 1
#define EXIT_USAGE 2
#define MAX_ITEMS 4096

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int fail(const char *what, const char *arg)
{
	fprintf(stderr, "probe: %s '%s': %s\n", what, arg, strerror(errno));
	return EXIT_USAGE;
}

static int yes_no(int ok, int err)
{
	if (ok) {
		puts("yes");
		return 0;
	}
	printf("no: %s\n", strerrorname_np(err) ? strerrorname_np(err) : "?");
	return EXIT_NO;
}

static int probe_status(const char *field)
{
	char line[512];
	size_t len = strlen(field);
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return fail("cannot open", "/proc/self/status");
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, field, len) == 0 && line[len] == ':') {
			char *v = line + len + 1;

			v += strspn(v, " \t");
			fputs(v, stdout);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	fprintf(stderr, "probe: no field '%s' in /proc/self/status\n", field);
	return EXIT_USAGE;
}

/* Numeric entries of PATH (for /proc and /proc/self/fd), sorted. */
static int list_numbers(const char *path, bool skip_own_fd)
{
	static long items[MAX_ITEMS];
	size_t n = 0;
	struct dirent *e;
	DIR *d = opendir(path);

	if (!d)
		return fail("cannot list", path);
	while ((e = readdir(d)) && n < MAX_ITEMS) {
		char *end;
		long v = strtol(e->d_name, &end, 10);

		if (*end == '\0' && end != e->d_name && !(skip_own_fd && v == dirfd(d)))
			items[n++] = v;
	}
	closedir(d);
	qsort(items, n, sizeof(items[0]), cmp_long);
	for (size_t i = 0; i < n; i++)
		printf("%ld\n", items[i]);
	return 0;
}

/* /sys/class/net when sysfs is in the view, else /proc/net/dev (always per netns). */
static int probe_ifaces(void)
{
	static char names[256][IF_NAMESIZE + 1];
	static char *sorted[256];
	char line[512];
	size_t n = 0;
	FILE *f = fopen("/proc/net/dev", "re");
	DIR *d = opendir("/sys/class/net");
	struct dirent *e;

	if (d) {
		while ((e = readdir(d)) && n < 256)
			if (e->d_name[0] != '.')
				snprintf(names[n++], sizeof(names[0]), "%.*s", IF_NAMESIZE,
					 e->d_name);
		closedir(d);
	} else if (f) {
		while (fgets(line, sizeof(line), f) && n < 256) {
			char *colon = strchr(line, ':');
			char *name = line + strspn(line, " ");

			if (colon) {
				*colon = '\0';
				snprintf(names[n++], sizeof(names[0]), "%.*s", IF_NAMESIZE, name);
			}
		}
	} else {
		return fail("cannot list interfaces in", "/proc/net/dev");
	}
	if (f)
		fclose(f);
	for (size_t i = 0; i < n; i++)
		sorted[i] = names[i];
	qsort(sorted, n, sizeof(sorted[0]), cmp_str);
	for (size_t i = 0; i < n; i++)
		puts(sorted[i]);
	return 0;
}

static int probe_iface_up(const char *name)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("cannot open a socket for", name);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		close(fd);
		return fail("cannot read the flags of", name);
	}
	close(fd);
	puts((ifr.ifr_flags & IFF_UP) ? "up" : "down");
	return (ifr.ifr_flags & IFF_UP) ? 0 : EXIT_NO;
}

static int probe_writable(const char *path)
{
	struct stat st;
	char tmp[4096];
	int fd;

	int err;

	if (stat(path, &st) < 0)
		return yes_no(0, errno);
	if (!S_ISDIR(st.st_mode)) {
		fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY);
	} else {
		snprintf(tmp, sizeof(tmp), "%s/.probe-XXXXXX", path);
		fd = mkstemp(tmp);
		if (fd >= 0)
			unlink(tmp);
	}
	err = errno;
	if (fd >= 0)
		close(fd);
	return yes_no(fd >= 0, err);
}

static int probe_ids(void)
{
	gid_t groups[256];
	int n = getgroups(256, groups);

	printf("uid=%u gid=%u euid=%u egid=%u\ngroups=", getuid(), getgid(), geteuid(), getegid());
	for (int i = 0; i < n; i++)
		printf(i ? ",%u" : "%u", groups[i]);
	putchar('\n');
	return 0;
}

static int probe_simple(const char *fact)
{
	struct utsname u;
	char buf[4096];
	int fd;

	if (strcmp(fact, "pids") == 0)
		return list_numbers("/proc", false);
	if (strcmp(fact, "fds") == 0)
		return list_numbers("/proc/self/fd", true);
	if (strcmp(fact, "ifaces") == 0)
		return probe_ifaces();
	if (strcmp(fact, "ids") == 0)
		return probe_ids();
	if (strcmp(fact, "hostname") == 0) {
		if (uname(&u) < 0)
			return fail("cannot read", "uname");
		puts(u.nodename);
		return 0;
	}
	if (strcmp(fact, "cwd") == 0) {
		if (!getcwd(buf, sizeof(buf)))
			return fail("cannot read", "cwd");
		puts(buf);
		return 0;
	}
	if (strcmp(fact, "ctty") == 0) {
		fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
		if (fd >= 0)
			close(fd);
		puts(fd >= 0 ? "yes" : "none");
		return fd >= 0 ? 0 : EXIT_NO;
	}
	return -1;
}

static int probe_with_arg(const char *fact, const char *arg)
{
	struct stat st;
	const char *v;
	int fd;

	if (strcmp(fact, "status") == 0)
		return probe_status(arg);
	if (strcmp(fact, "iface-up") == 0)
		return probe_iface_up(arg);
	if (strcmp(fact, "env") == 0) {
		v = getenv(arg);
		puts(v ? v : "unset");
		return v ? 0 : EXIT_NO;
	}
	if (strcmp(fact, "exists") == 0) {
		bool found = lstat(arg, &st) == 0;

		puts(found ? "yes" : "no");
		return found ? 0 : EXIT_NO;
	}
	if (strcmp(fact, "readable") == 0) {
		int err;

		fd = open(arg, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		err = errno;
		if (fd >= 0)
			close(fd);
		return yes_no(fd >= 0, err);
	}
	if (strcmp(fact, "writable") == 0)
		return probe_writable(arg);
	return -1;
}

int main(int argc, char **argv)
{
	int r = -1;

	if (argc == 2)
		r = probe_simple(argv[1]);
	else if (argc == 3)
		r = probe_with_arg(argv[1], argv[2]);
	if (r < 0) {
		fprintf(stderr,
			"usage: probe status FIELD | pids | ifaces | iface-up NAME | hostname |"
			" env NAME | exists PATH | readable PATH | writable PATH | ids | fds |"
			" ctty | cwd\n");
		return EXIT_USAGE;
	}
	return r;
}
