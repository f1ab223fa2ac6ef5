/* SPDX-License-Identifier: MIT */
/*
 * Durable register writes per second, for bench/RESULTS.md.
 *
 *   regstore [-n WRITES] [-r RUNS] DIR...
 *
 * For each DIR and run: a fresh store in a new temporary directory under DIR,
 * one register, then WRITES compare-and-swap increments (store_write with the
 * version the previous write returned), each one committed and fsync'd
 * (WAL, synchronous=FULL) before the next starts. Next to it, as the floor the
 * disk sets, the same number of 4 KiB pwrite+fdatasync pairs on a file in the
 * same directory. Runs are interleaved over the directories (run 1 of every
 * DIR, then run 2, ...), so drift hits all alike. Prints a markdown table.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/magic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "supervisor/broker/store.h"

#define BENCH_MAX_DIRS 8
#define BENCH_MAX_RUNS 64

struct target {
	const char *dir;
	double store_wps[BENCH_MAX_RUNS]; /* writes per second, one per run */
	double floor_ops[BENCH_MAX_RUNS]; /* fdatasync per second, one per run */
	double *lat_us;			  /* every write's latency, all runs */
	size_t nlat;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest rank, on a sorted copy. */
static double pct(const double *v, size_t n, double p)
{
	_cleanup_free_ double *c = malloc(n * sizeof(*c));
	size_t i;

	if (!c || n == 0)
		return 0;
	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_double);
	i = (size_t)(p / 100.0 * (double)n + 0.5);
	return c[i == 0 ? 0 : (i > n ? n - 1 : i - 1)];
}

static int rm_entry(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)st, (void)type, (void)f;
	return remove(p);
}

static const char *fs_name(const char *dir)
{
	struct statfs sf;

	if (statfs(dir, &sf) < 0)
		return "?";
	switch ((unsigned long)sf.f_type) {
	case EXT4_SUPER_MAGIC:
		return "ext4";
	case TMPFS_MAGIC:
		return "tmpfs";
	case XFS_SUPER_MAGIC:
		return "xfs";
	case BTRFS_SUPER_MAGIC:
		return "btrfs";
	case OVERLAYFS_SUPER_MAGIC:
		return "overlay";
	default:
		return "other";
	}
}

/* One run of CAS increments; returns writes per second or < 0. */
static double run_store(struct target *t, const char tmp[2048], unsigned writes)
{
	char path[4096], val[32];
	struct store *s = NULL;
	struct err_ctx e = {0};
	uint64_t ver = 1;
	double t0, t1;

	snprintf(path, sizeof(path), "%s/registers.db", tmp);
	if (store_open(path, &s, &e) < 0 ||
	    store_create(s, NULL, "bench/counter", "1", 1, &e) < 0) {
		fprintf(stderr, "regstore: %s\n", e.msg);
		store_close(s);
		return -1;
	}
	t0 = now_s();
	for (unsigned i = 0; i < writes; i++) {
		int n = snprintf(val, sizeof(val), "%llu", (unsigned long long)ver + 1);
		double a = now_s();

		if (store_write(s, NULL, "bench/counter", val, (size_t)n, ver, &ver, &e) < 0) {
			fprintf(stderr, "regstore: %s\n", e.msg);
			store_close(s);
			return -1;
		}
		t->lat_us[t->nlat++] = (now_s() - a) * 1e6;
	}
	t1 = now_s();
	store_close(s);
	return writes / (t1 - t0);
}

/* The disk's own floor: what one small write plus fdatasync costs there. */
static double run_floor(const char tmp[2048], unsigned ops)
{
	char path[4096], buf[4096];
	_cleanup_close_ int fd = -1;
	double t0;

	snprintf(path, sizeof(path), "%s/floor", tmp);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	memset(buf, 'f', sizeof(buf));
	t0 = now_s();
	for (unsigned i = 0; i < ops; i++)
		if (pwrite(fd, buf, sizeof(buf), (off_t)(i % 16) * 4096) != sizeof(buf) ||
		    fdatasync(fd) < 0)
			return -1;
	return ops / (now_s() - t0);
}

static int run_one(struct target *t, unsigned run, unsigned writes)
{
	char tmp[2048];

	snprintf(tmp, sizeof(tmp), "%s/vmsb-regstore.XXXXXX", t->dir);
	if (!mkdtemp(tmp)) {
		fprintf(stderr, "regstore: cannot create a directory in '%s': %s\n", t->dir,
			strerror(errno));
		return -1;
	}
	t->store_wps[run] = run_store(t, tmp, writes);
	t->floor_ops[run] = run_floor(tmp, writes);
	nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (t->store_wps[run] < 0 || t->floor_ops[run] < 0) {
		fprintf(stderr, "regstore: run %u in '%s' failed\n", run + 1, t->dir);
		return -1;
	}
	return 0;
}

static void print_table(struct target *t, size_t nt, unsigned runs, unsigned writes)
{
	printf("| directory | fs | runs × writes | writes/s median | min | max | latency median µs "
	       "| p99 µs | fdatasync/s (floor) | store / floor |\n");
	printf("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
	for (size_t i = 0; i < nt; i++) {
		double med = pct(t[i].store_wps, runs, 50), fl = pct(t[i].floor_ops, runs, 50);

		printf("| %s | %s | %u × %u | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.2f |\n",
		       t[i].dir, fs_name(t[i].dir), runs, writes, med, pct(t[i].store_wps, runs, 0),
		       pct(t[i].store_wps, runs, 100), pct(t[i].lat_us, t[i].nlat, 50),
		       pct(t[i].lat_us, t[i].nlat, 99), fl, fl > 0 ? med / fl : 0);
	}
}

int main(int argc, char **argv)
{
	struct target t[BENCH_MAX_DIRS] = {0};
	unsigned writes = 2000, runs = 5;
	size_t nt = 0;
	int opt;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		if (opt == 'n')
			writes = (unsigned)strtoul(optarg, NULL, 10);
		else if (opt == 'r')
			runs = (unsigned)strtoul(optarg, NULL, 10);
		else
			goto usage;
	}
	if (optind >= argc || argc - optind > BENCH_MAX_DIRS || writes == 0 || runs == 0 ||
	    runs > BENCH_MAX_RUNS || writes > 10000000)
		goto usage;
	for (int i = optind; i < argc; i++, nt++) {
		if (strlen(argv[i]) > 1024)
			goto usage;
		t[nt].dir = argv[i];
		t[nt].lat_us = calloc((size_t)writes * runs, sizeof(double));
		if (!t[nt].lat_us)
			return 2;
	}
	for (unsigned r = 0; r < runs; r++)
		for (size_t i = 0; i < nt; i++)
			if (run_one(&t[i], r, writes) < 0)
				return 2;
	print_table(t, nt, runs, writes);
	for (size_t i = 0; i < nt; i++)
		free(t[i].lat_us);
	return 0;
usage:
	fprintf(stderr, "usage: regstore [-n WRITES] [-r RUNS (<= %d)] DIR... (<= %d)\n",
		BENCH_MAX_RUNS, BENCH_MAX_DIRS);
	return 2;
}
