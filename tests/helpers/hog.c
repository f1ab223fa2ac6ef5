/* SPDX-License-Identifier: MIT */
/*
 * hog: consumes one resource so limit tests have something to stop.
 *   hog mem MIB          allocate and touch MIB MiB, 1 MiB at a time
 *   hog cpu N            N processes spinning forever
 *   hog forkbomb         fork until something stops it, then keep the tree alive
 *   hog output MIB       write MIB MiB to stdout
 *   hog file PATH MIB    write MIB MiB to PATH; exits 0 only if it all fit
 *   hog daemon MARKER    double-fork a setsid daemon named MARKER that sleeps, exit 0
 *   hog zombies N        leave N unreaped children, then sleep
 * Exit 0 only when the resource was fully consumed (a limit that holds makes it fail).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

static int hog_mem(long mib)
{
	for (long i = 0; i < mib; i++) {
		char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

		if (p == MAP_FAILED) {
			fprintf(stderr, "hog: mmap failed after %ld MiB: %s\n", i, strerror(errno));
			return 3;
		}
		memset(p, 0x5a, 1 << 20);
	}
	return 0;
}

__attribute__((noreturn)) static void hog_cpu(long n)
{
	for (long i = 1; i < n; i++)
		if (fork() == 0)
			break;
	for (volatile unsigned long x = 0;; x++)
		;
}

__attribute__((noreturn)) static void hog_forkbomb(void)
{
	for (;;) {
		if (fork() < 0)
			pause();
	}
}

static int hog_output(long mib)
{
	static char buf[1 << 16];

	memset(buf, 'x', sizeof(buf));
	for (long i = 0; i < mib * 16; i++)
		if (write(1, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return 3;
	return 0;
}

static int hog_file(const char *path, long mib)
{
	static char buf[1 << 20];
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "hog: cannot open %s: %s\n", path, strerror(errno));
		return 3;
	}
	for (long i = 0; i < mib; i++)
		if (fwrite(buf, sizeof(buf), 1, f) != 1) {
			fprintf(stderr, "hog: write failed after %ld MiB: %s\n", i,
				strerror(errno));
			return 3;
		}
	if (fclose(f) != 0) {
		fprintf(stderr, "hog: close failed: %s\n", strerror(errno));
		return 3;
	}
	return 0;
}

static int hog_daemon(char *marker)
{
	if (fork() != 0)
		return 0;
	setsid();
	if (fork() != 0)
		_exit(0);
	prctl(PR_SET_NAME, marker);
	for (;;)
		pause();
}

static int hog_zombies(long n)
{
	for (long i = 0; i < n; i++)
		if (fork() == 0)
			_exit(0);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	long n = argc > 2 ? strtol(argv[argc - 1], NULL, 10) : 0;

	if (strcmp(mode, "mem") == 0 && argc == 3)
		return hog_mem(n);
	if (strcmp(mode, "cpu") == 0 && argc == 3)
		hog_cpu(n);
	if (strcmp(mode, "forkbomb") == 0)
		hog_forkbomb();
	if (strcmp(mode, "output") == 0 && argc == 3)
		return hog_output(n);
	if (strcmp(mode, "file") == 0 && argc == 4)
		return hog_file(argv[2], n);
	if (strcmp(mode, "daemon") == 0 && argc == 3)
		return hog_daemon(argv[2]);
	if (strcmp(mode, "zombies") == 0 && argc == 3)
		return hog_zombies(n);
	fprintf(stderr, "usage: hog mem|cpu|forkbomb|output|file|daemon|zombies ...\n");
	return 2;
}
