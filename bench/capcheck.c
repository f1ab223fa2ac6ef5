/* SPDX-License-Identifier: MIT */
/*
 * Cost of cap_check with many live tokens: fills a capability table, then
 * times batches of checks of random existing tokens (by their holder, the
 * common case), of the same tokens presented by another holder, and of
 * unknown tokens. Every result is verified, since a fast wrong answer is not
 * a fast check. Build and run: see bench/README.md.
 *
 *   capcheck [-n TOKENS] [-h HOLDERS] [-b CHECKS_PER_BATCH] [-r BATCHES] [-l NAME_LEN]
 *
 * Names are "bench/rN" (8 to 13 bytes: inside the slot's copy of the name
 * head), or padded to NAME_LEN bytes with -l (longer than 13: the check also
 * reads the entry's full name).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "supervisor/broker/captable.h"

#define NAME_LEN 64
#define MAX_BATCHES 101

enum variant { V_EXISTING, V_WRONG_HOLDER, V_UNKNOWN, _V_MAX };

static const char *const variant_names[_V_MAX] = {
	[V_EXISTING] = "existing token, its holder",
	[V_WRONG_HOLDER] = "existing token, another holder",
	[V_UNKNOWN] = "unknown token",
};

/*
 * One request as the broker would hold it after decoding: the token and the
 * name sit in the frame it just received, so they are read sequentially here
 * and only the table's own memory is accessed at random.
 */
struct req {
	struct cap_token token;
	uint64_t holder;
	enum cap_reason want;
	char name[NAME_LEN];
};

struct bench {
	struct captable *t;
	size_t ntok, nholders, batch, name_len;
	struct cap_token *toks; /* minted */
	uint64_t *holders;
	char (*names)[NAME_LEN];
	struct req *reqs[_V_MAX]; /* one batch per variant */
};

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* "bench/rN", or with -l "bench/xxx...x/rN" of exactly name_len bytes. */
static void bench_name(struct bench *b, size_t i)
{
	char tail[24];
	int n = snprintf(tail, sizeof(tail), "/r%zu", i);
	size_t pad;

	if (b->name_len == 0) {
		snprintf(b->names[i], NAME_LEN, "bench%s", tail);
		return;
	}
	pad = b->name_len - 5 - (size_t)n;
	memcpy(b->names[i], "bench/", 6);
	memset(b->names[i] + 6, 'x', pad - 1);
	snprintf(b->names[i] + 5 + pad, NAME_LEN - 5 - pad, "%s", tail);
}

/* Bench-only index generator (xorshift64*): reproducible, and not a token source. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "capcheck: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(2);
}

static void fill_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("getrandom", errno);
		p += n;
		len -= (size_t)n;
	}
}

/* A random existing token, as its holder or another, or fresh random bytes. */
static void fill_req(const struct bench *b, enum variant v, size_t k, struct req *q)
{
	q->token = b->toks[k];
	q->holder = b->holders[k];
	q->want = CAP_OK;
	memcpy(q->name, b->names[k], NAME_LEN);
	if (v == V_WRONG_HOLDER) {
		q->holder = 1 + q->holder % b->nholders;
		q->want = CAP_DENY_WRONG_HOLDER;
	} else if (v == V_UNKNOWN) {
		fill_random(&q->token, sizeof(q->token));
		q->want = CAP_DENY_NOT_FOUND;
	}
}

static void setup(struct bench *b)
{
	struct err_ctx e = {0};
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	uint64_t t0;
	int r;

	r = captable_new(b->ntok, &b->t, &e);
	if (r < 0)
		die(e.msg, r);
	b->toks = calloc(b->ntok, sizeof(*b->toks));
	b->holders = calloc(b->ntok, sizeof(*b->holders));
	b->names = calloc(b->ntok, sizeof(*b->names));
	if (!b->toks || !b->holders || !b->names)
		die("calloc", ENOMEM);
	t0 = now_ns(CLOCK_MONOTONIC);
	for (size_t i = 0; i < b->ntok; i++) {
		b->holders[i] = 1 + i % b->nholders;
		bench_name(b, i);
		r = cap_mint(b->t, b->holders[i], CAP_KIND_REGISTER, b->names[i],
			     CAP_RIGHT_READ | CAP_RIGHT_WRITE, 0, 0, NULL, &b->toks[i], &e);
		if (r < 0)
			die(e.msg, r);
	}
	printf("minted %zu tokens for %zu holders in %.1f ms (one getrandom each)\n", b->ntok,
	       b->nholders, (double)(now_ns(CLOCK_MONOTONIC) - t0) / 1e6);
	for (int v = 0; v < _V_MAX; v++) {
		b->reqs[v] = calloc(b->batch, sizeof(struct req));
		if (!b->reqs[v])
			die("calloc", ENOMEM);
		for (size_t i = 0; i < b->batch; i++)
			fill_req(b, (enum variant)v, rng_next(&seed) % b->ntok, &b->reqs[v][i]);
	}
}

/*
 * One batch: ns per check by the monotonic clock (wall) and by this thread's
 * CPU clock, which leaves out time other processes had the CPU (the machine
 * is shared). Exits if any answer is wrong.
 */
static void run_batch(struct bench *b, enum variant v, double *ret_wall, double *ret_cpu)
{
	const struct req *q = b->reqs[v];
	size_t wrong = 0;
	uint64_t w0, c0, w1, c1;

	w0 = now_ns(CLOCK_MONOTONIC);
	c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	for (size_t i = 0; i < b->batch; i++)
		wrong += cap_check(b->t, &q[i].token, q[i].holder, CAP_KIND_REGISTER, q[i].name,
				   CAP_RIGHT_READ, 1, NULL) != q[i].want;
	c1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	w1 = now_ns(CLOCK_MONOTONIC);
	if (wrong) {
		fprintf(stderr, "capcheck: %zu wrong answers for '%s'\n", wrong, variant_names[v]);
		exit(2);
	}
	*ret_wall = (double)(w1 - w0) / (double)b->batch;
	*ret_cpu = (double)(c1 - c0) / (double)b->batch;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: capcheck [-n TOKENS] [-h HOLDERS] [-b CHECKS] [-r BATCHES] "
		"[-l NAME_LEN (20..%d)]\n",
		NAME_LEN - 1);
	exit(2);
}

static void parse_args(int argc, char **argv, struct bench *b, int *batches)
{
	int opt;

	while ((opt = getopt(argc, argv, "n:h:b:r:l:")) != -1) {
		long v = strtol(optarg, NULL, 10);

		if (v <= 0)
			usage();
		switch (opt) {
		case 'n':
			b->ntok = (size_t)v;
			break;
		case 'h':
			b->nholders = (size_t)v;
			break;
		case 'b':
			b->batch = (size_t)v;
			break;
		case 'r':
			*batches = v < MAX_BATCHES ? (int)v : MAX_BATCHES;
			break;
		case 'l':
			if (v < 20 || v >= NAME_LEN)
				usage();
			b->name_len = (size_t)v;
			break;
		default:
			usage();
		}
	}
	if (b->nholders < 2) /* the wrong-holder variant needs another holder */
		b->nholders = 2;
}

static double median_of(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	return v[n / 2];
}

static void report(const struct bench *b, int batches, double wall[][MAX_BATCHES],
		   double cpu[][MAX_BATCHES])
{
	char names[32] = "8-13";

	if (b->name_len)
		snprintf(names, sizeof(names), "%zu", b->name_len);
	printf("%zu live tokens, %zu holders, names of %s bytes, %zu checks per batch, "
	       "%d batches per variant\n\n",
	       b->ntok, b->nholders, names, b->batch, batches);
	printf("| cap_check | median ns (wall) | min | max | median ns (thread CPU) |\n"
	       "|---|--:|--:|--:|--:|\n");
	for (int v = 0; v < _V_MAX; v++) {
		double med = median_of(wall[v], batches);

		printf("| %s | %.1f | %.1f | %.1f | %.1f |\n", variant_names[v], med, wall[v][0],
		       wall[v][batches - 1], median_of(cpu[v], batches));
	}
}

int main(int argc, char **argv)
{
	struct bench b = {.ntok = 100000, .nholders = 4, .batch = 1000000};
	static double wall[_V_MAX][MAX_BATCHES], cpu[_V_MAX][MAX_BATCHES];
	int batches = 7;

	parse_args(argc, argv, &b, &batches);
	setup(&b);
	for (int v = 0; v < _V_MAX; v++) /* warm-up: page in the table */
		run_batch(&b, (enum variant)v, &wall[v][0], &cpu[v][0]);
	/* interleaved, so that drift on a shared machine hits every variant alike */
	for (int r = 0; r < batches; r++)
		for (int v = 0; v < _V_MAX; v++)
			run_batch(&b, (enum variant)v, &wall[v][r], &cpu[v][r]);
	report(&b, batches, wall, cpu);
	for (int v = 0; v < _V_MAX; v++)
		free(b.reqs[v]);
	free(b.toks);
	free(b.holders);
	free(b.names);
	captable_free(b.t);
	return 0;
}
