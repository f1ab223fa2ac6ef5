/* SPDX-License-Identifier: MIT */
/*
 * Start-up timing harness for bench/startup.sh.
 *
 *   startup [-n RUNS] [-w WARMUP] [-r REF]... [-c A::B]... VARIANT...
 *   VARIANT := ::: NAME [OPTION]... -- PROGRAM [ARG...]
 *   OPTION  := exit=N | exit=nonzero | runs=N | gap=MS | group=TITLE | minus=MS | stamp
 *   startup --hog MIB     (payload: allocate and touch MIB MiB, stamping each MiB)
 *
 * Every variant is started with posix_spawn (a CLONE_VM|CLONE_VFORK clone in
 * glibc, so the harness's own address space is not copied) and timed from just
 * before the spawn to the return of wait4(), with CLOCK_MONOTONIC. Variants are
 * run in rounds, each variant once per round in a freshly shuffled order, so
 * that drift (frequency, page cache, other load) hits every variant alike.
 *
 * "gap=MS" idles MS before each run of a variant (untimed), so that it starts
 * the way a lone invocation does: deferred kernel work of the previous runs
 * (RCU grace periods, namespace cleanup) has finished and caches are cold.
 *
 * Start-up variants are printed as one table per "group=TITLE"; -r ratios and
 * -c differences are taken between variants of the same group, since only
 * those ran under the same conditions. A "minus=MS" variant reports end-to-end
 * time minus MS (a wall-clock limit). A "stamp" variant reads CLOCK_MONOTONIC
 * stamps the payload writes to stdout and reports the time from the last stamp
 * to the instance being gone (the memory-limit latency, with --hog). Both go
 * to a separate latency table.
 *
 * Output: markdown tables on stdout; progress and errors on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"

#define BENCH_MAX_VARIANTS 16
#define BENCH_MAX_REFS 4
#define BENCH_MAX_COMPARES 4
#define BENCH_EXIT_ANY_NONZERO (-1)

extern char **environ;

struct variant {
	const char *name;
	const char *group; /* tables and ratios are per group; "" by default */
	char **argv;
	char *path;	  /* argv[0] resolved once, so PATH search is not timed */
	int expect_exit;  /* wait status as a shell would show it, or BENCH_EXIT_ANY_NONZERO */
	unsigned runs;	  /* 0: the global run count */
	double minus_ms;  /* subtracted from end-to-end (limit under test) */
	double gap_ms;	  /* idle time before each run, not measured */
	bool stamp;	  /* latency from the payload's last stamp to exit */
	double *value_ms; /* the reported quantity, one per run */
	double *e2e_ms;	  /* end-to-end, one per run */
	double *cpu_ms;	  /* user+sys of the reaped tree, one per run */
	size_t n;
};

struct bench {
	unsigned runs, warmup;
	struct variant v[BENCH_MAX_VARIANTS];
	size_t nv;
	const char *refs[BENCH_MAX_REFS];
	size_t nrefs;
	const char *compares[BENCH_MAX_COMPARES]; /* "A::B": report median(B) - median(A) */
	size_t ncompares;
	int devnull;
};

static double ts_ms(const struct timespec *t)
{
	return (double)t->tv_sec * 1e3 + (double)t->tv_nsec / 1e6;
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return ts_ms(&t);
}

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("startup: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

/* ---- payload: memory hog ------------------------------------------------- */

static void hog_stamp(void)
{
	char buf[32];
	struct timespec t;
	int len;

	clock_gettime(CLOCK_MONOTONIC, &t);
	len = snprintf(buf, sizeof(buf), "%lld\n", (long long)t.tv_sec * 1000000000LL + t.tv_nsec);
	/* Unbuffered on purpose: the last stamp must be out before the kill. */
	if (write(STDOUT_FILENO, buf, (size_t)len) != len)
		_exit(4);
}

/*
 * Touches MIB MiB one MiB mapping at a time, stamping after each. Under a
 * cgroup limit the kernel kills it mid-way; under RLIMIT_AS an mmap fails and
 * it exits 3 at once, which is the "gone" moment in that mode.
 */
static int hog_run(const char *arg)
{
	const size_t mib = 1024 * 1024;
	long page = sysconf(_SC_PAGESIZE);
	unsigned long n = strtoul(arg, NULL, 10);

	for (unsigned long i = 0; i < n; i++) {
		char *p =
			mmap(NULL, mib, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			_exit(3);
		for (size_t off = 0; off < mib; off += (size_t)page)
			p[off] = 1;
		hog_stamp();
	}
	return 0;
}

/* ---- argument parsing ---------------------------------------------------- */

/* Resolves PROGRAM on PATH up front so that the timed spawn does no search. */
static char *resolve_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (strchr(prog, '/'))
		return strdup(prog);
	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t len = strcspn(p, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, p, prog);
		if (access(buf, X_OK) == 0)
			return strdup(buf);
		p += len + (p[len] == ':');
	}
	die("'%s' not found on PATH", prog);
}

static void parse_variant_opt(struct variant *v, const char *opt)
{
	char *end = NULL;

	if (strcmp(opt, "stamp") == 0)
		v->stamp = true;
	else if (strcmp(opt, "exit=nonzero") == 0)
		v->expect_exit = BENCH_EXIT_ANY_NONZERO;
	else if (strncmp(opt, "exit=", 5) == 0)
		v->expect_exit = (int)strtol(opt + 5, &end, 10);
	else if (strncmp(opt, "runs=", 5) == 0)
		v->runs = (unsigned)strtoul(opt + 5, &end, 10);
	else if (strncmp(opt, "minus=", 6) == 0)
		v->minus_ms = strtod(opt + 6, &end);
	else if (strncmp(opt, "group=", 6) == 0)
		v->group = opt + 6;
	else if (strncmp(opt, "gap=", 4) == 0)
		v->gap_ms = strtod(opt + 4, &end);
	else
		die("variant '%s': unknown option '%s'", v->name, opt);
	if (end && *end)
		die("variant '%s': bad number in '%s'", v->name, opt);
}

/* Parses one "::: NAME OPT... -- PROGRAM ARG..." starting at argv[i]; returns the next index. */
static int parse_variant(struct bench *b, int argc, char **argv, int i)
{
	struct variant *v;
	int start;

	if (b->nv == BENCH_MAX_VARIANTS)
		die("more than %d variants", BENCH_MAX_VARIANTS);
	if (++i >= argc)
		die("'::: ' without a name");
	v = &b->v[b->nv++];
	v->name = argv[i++];
	v->group = "";
	for (; i < argc && strcmp(argv[i], "--") != 0; i++)
		parse_variant_opt(v, argv[i]);
	if (i + 1 >= argc)
		die("variant '%s': no '-- PROGRAM'", v->name);
	start = ++i;
	while (i < argc && strcmp(argv[i], ":::") != 0)
		i++;
	v->argv = calloc((size_t)(i - start + 1), sizeof(char *));
	if (!v->argv)
		die("out of memory");
	memcpy(v->argv, argv + start, (size_t)(i - start) * sizeof(char *));
	v->path = resolve_path(v->argv[0]);
	return i;
}

static void parse_args(struct bench *b, int argc, char **argv)
{
	int opt, i;

	while ((opt = getopt(argc, argv, "+n:w:r:c:")) != -1) {
		switch (opt) {
		case 'n':
			b->runs = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'w':
			b->warmup = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			if (b->nrefs == BENCH_MAX_REFS)
				die("more than %d -r", BENCH_MAX_REFS);
			b->refs[b->nrefs++] = optarg;
			break;
		case 'c':
			if (b->ncompares == BENCH_MAX_COMPARES || !strstr(optarg, "::"))
				die("-c takes 'A::B', at most %d times", BENCH_MAX_COMPARES);
			b->compares[b->ncompares++] = optarg;
			break;
		default:
			die("usage: startup [-n RUNS] [-w WARMUP] [-r REF]... [-c A::B]... "
			    "::: NAME [OPT]... -- PROG [ARG]...");
		}
	}
	if (b->runs == 0)
		die("-n must be at least 1");
	for (i = optind; i < argc;) {
		if (strcmp(argv[i], ":::") != 0)
			die("expected ':::' before '%s'", argv[i]);
		i = parse_variant(b, argc, argv, i);
	}
	if (b->nv == 0)
		die("no variants");
}

/* ---- one timed run ------------------------------------------------------- */

struct sample {
	double e2e_ms, cpu_ms, stamp_ms;
	int status; /* as a shell shows it: code, or 128+signal */
};

/* Reads the payload's stamps until EOF; returns the last one in ms, or NAN. */
static double read_last_stamp(int fd)
{
	char buf[4096], line[32] = "";
	size_t ll = 0;
	double last = NAN;
	ssize_t r;

	while ((r = read(fd, buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("read stamps: %s", strerror(errno));
		for (ssize_t k = 0; k < r; k++) {
			if (buf[k] != '\n') {
				if (ll + 1 < sizeof(line))
					line[ll++] = buf[k];
				continue;
			}
			line[ll] = '\0';
			last = strtod(line, NULL) / 1e6;
			ll = 0;
		}
	}
	return last;
}

static int shell_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

static void spawn_actions(posix_spawn_file_actions_t *fa, int devnull, int out, bool show_err)
{
	posix_spawn_file_actions_init(fa);
	posix_spawn_file_actions_adddup2(fa, devnull, STDIN_FILENO);
	posix_spawn_file_actions_adddup2(fa, out, STDOUT_FILENO);
	if (!show_err)
		posix_spawn_file_actions_adddup2(fa, devnull, STDERR_FILENO);
}

static void idle_ms(double ms)
{
	struct timespec left = {(time_t)(ms / 1e3), (long)(fmod(ms, 1e3) * 1e6)};

	while (ms > 0 && nanosleep(&left, &left) < 0 && errno == EINTR)
		;
}

static void run_once(const struct variant *v, int devnull, bool show_err, struct sample *ret)
{
	posix_spawn_file_actions_t fa;
	_cleanup_close_ int rfd = -1;
	int pipefd[2] = {-1, -1}, status, rc;
	struct rusage ru;
	double t0;
	pid_t pid;

	idle_ms(v->gap_ms);
	if (v->stamp && pipe2(pipefd, O_CLOEXEC) < 0)
		die("pipe2: %s", strerror(errno));
	rfd = pipefd[0];
	spawn_actions(&fa, devnull, v->stamp ? pipefd[1] : devnull, show_err);
	t0 = now_ms();
	rc = posix_spawn(&pid, v->path, &fa, NULL, v->argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		die("variant '%s': cannot spawn '%s': %s", v->name, v->path, strerror(rc));
	ret->stamp_ms = NAN;
	if (v->stamp) {
		close(pipefd[1]);
		ret->stamp_ms = read_last_stamp(rfd);
	}
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			die("wait4: %s", strerror(errno));
	ret->e2e_ms = now_ms() - t0;
	ret->stamp_ms = v->stamp ? t0 + ret->e2e_ms - ret->stamp_ms : NAN;
	ret->cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
		      (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	ret->status = shell_status(status);
}

static bool status_ok(const struct variant *v, int status)
{
	if (v->expect_exit == BENCH_EXIT_ANY_NONZERO)
		return status != 0;
	return status == v->expect_exit;
}

/* Runs and checks a sample; a benchmark of failing runs measures nothing. */
static void run_checked(const struct variant *v, int devnull, bool show_err, struct sample *s)
{
	run_once(v, devnull, show_err, s);
	if (!status_ok(v, s->status))
		die("variant '%s' ended with status %d (expected %s%d); rerun it by hand to see "
		    "why",
		    v->name, s->status, v->expect_exit == BENCH_EXIT_ANY_NONZERO ? "not " : "",
		    v->expect_exit == BENCH_EXIT_ANY_NONZERO ? 0 : v->expect_exit);
	if (v->stamp && isnan(s->stamp_ms))
		die("variant '%s': the payload wrote no stamp", v->name);
}

/* ---- schedule ------------------------------------------------------------ */

/* Whether a variant with r runs out of n rounds runs in round i: evenly spread. */
static bool in_round(unsigned r, unsigned n, unsigned i)
{
	if (r >= n)
		return true;
	return (unsigned long long)(i + 1) * r / n != (unsigned long long)i * r / n;
}

static void record(struct variant *v, const struct sample *s)
{
	double value = s->e2e_ms - v->minus_ms;

	if (v->stamp)
		value = s->stamp_ms;
	v->value_ms[v->n] = value;
	v->e2e_ms[v->n] = s->e2e_ms;
	v->cpu_ms[v->n] = s->cpu_ms;
	v->n++;
}

static void alloc_samples(struct bench *b)
{
	for (size_t k = 0; k < b->nv; k++) {
		struct variant *v = &b->v[k];

		if (v->runs == 0 || v->runs > b->runs)
			v->runs = b->runs;
		v->value_ms = calloc(v->runs, sizeof(double));
		v->e2e_ms = calloc(v->runs, sizeof(double));
		v->cpu_ms = calloc(v->runs, sizeof(double));
		if (!v->value_ms || !v->e2e_ms || !v->cpu_ms)
			die("out of memory");
	}
}

/* xorshift64 with a fixed seed: the run order is shuffled, but reproducibly. */
static uint64_t next_random(void)
{
	static uint64_t state = 0x9e3779b97f4a7c15ULL;

	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

/* A fresh random order of the variants for one round (Fisher-Yates). */
static void shuffle_order(size_t *order, size_t n)
{
	for (size_t k = 0; k < n; k++)
		order[k] = k;
	for (size_t k = n; k > 1; k--) {
		size_t j = (size_t)(next_random() % k), t = order[k - 1];

		order[k - 1] = order[j];
		order[j] = t;
	}
}

/*
 * rounds rounds; each runs every variant (in its share) once, in a new random
 * order, so that drift hits all alike and no variant always follows the same
 * neighbour (a previous run's deferred kernel work can slow the next one).
 */
static void run_rounds(struct bench *b, unsigned rounds, bool keep)
{
	size_t order[BENCH_MAX_VARIANTS];
	struct sample s;

	for (unsigned i = 0; i < rounds; i++) {
		shuffle_order(order, b->nv);
		for (size_t j = 0; j < b->nv; j++) {
			struct variant *v = &b->v[order[j]];

			if (!in_round(v->runs, b->runs, i % b->runs))
				continue;
			run_checked(v, b->devnull, false, &s);
			if (keep)
				record(v, &s);
		}
		if (keep && (i + 1) % 50 == 0)
			fprintf(stderr, "startup: %u/%u rounds\n", i + 1, rounds);
	}
}

/* ---- statistics and output ----------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array. */
static double pct(const double *sorted, size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);

	return sorted[rank ? rank - 1 : 0];
}

static double median_of(double *x, size_t n)
{
	qsort(x, n, sizeof(*x), cmp_double);
	return pct(x, n, 50);
}

/* The variant called name in group, or NULL. */
static const struct variant *find_variant(const struct bench *b, const char *group,
					  const char *name)
{
	for (size_t k = 0; k < b->nv; k++)
		if (strcmp(b->v[k].group, group) == 0 && strcmp(b->v[k].name, name) == 0)
			return &b->v[k];
	return NULL;
}

/* Splits "A::B" of a -c into the two variants it names within group (NULLs if absent). */
static void compare_pair(const struct bench *b, const char *group, const char *spec,
			 const struct variant **ret_a, const struct variant **ret_b)
{
	const char *sep = strstr(spec, "::");
	char name_a[256];

	snprintf(name_a, sizeof(name_a), "%.*s", (int)(sep - spec), spec);
	*ret_a = find_variant(b, group, name_a);
	*ret_b = find_variant(b, group, sep + 2);
}

static bool is_latency(const struct variant *v)
{
	return v->stamp || v->minus_ms != 0;
}

static void print_row(const struct bench *b, struct variant *v)
{
	double *x = v->value_ms;

	printf("| %s | %zu | %.3f | %.3f | %.3f | %.3f |", v->name, v->n, pct(x, v->n, 50),
	       pct(x, v->n, 10), pct(x, v->n, 90), median_of(v->cpu_ms, v->n));
	/* Ratios only against the reference of the same group: same conditions. */
	for (size_t r = 0; r < b->nrefs; r++) {
		const struct variant *ref = find_variant(b, v->group, b->refs[r]);

		if (ref)
			printf(" %.2f |", pct(x, v->n, 50) / pct(ref->value_ms, ref->n, 50));
		else
			printf(" — |");
	}
	printf("\n");
}

/* One line per -c present in the group: how much B adds to A (medians and p10s). */
static void print_compares(const struct bench *b, const char *group)
{
	for (size_t k = 0; k < b->ncompares; k++) {
		const struct variant *a, *v;

		compare_pair(b, group, b->compares[k], &a, &v);
		if (!a || !v)
			continue;
		printf("\n- \"%s\" minus \"%s\": median %+.3f ms, p10 %+.3f ms\n", v->name, a->name,
		       pct(v->value_ms, v->n, 50) - pct(a->value_ms, a->n, 50),
		       pct(v->value_ms, v->n, 10) - pct(a->value_ms, a->n, 10));
	}
}

static void print_group(struct bench *b, const char *group)
{
	if (*group)
		printf("\n%s\n\n", group);
	printf("| variant | runs | median ms | p10 ms | p90 ms | CPU ms (median) |");
	for (size_t r = 0; r < b->nrefs; r++)
		printf(" × %s |", b->refs[r]);
	printf("\n|---|--:|--:|--:|--:|--:|");
	for (size_t r = 0; r < b->nrefs; r++)
		printf("--:|");
	printf("\n");
	for (size_t k = 0; k < b->nv; k++)
		if (!is_latency(&b->v[k]) && strcmp(b->v[k].group, group) == 0)
			print_row(b, &b->v[k]);
	print_compares(b, group);
}

/* One table per group, in order of first appearance. */
static void print_startup_tables(struct bench *b)
{
	for (size_t k = 0; k < b->nv; k++) {
		bool seen = false;

		if (is_latency(&b->v[k]))
			continue;
		for (size_t j = 0; j < k; j++)
			seen |= !is_latency(&b->v[j]) && strcmp(b->v[j].group, b->v[k].group) == 0;
		if (!seen)
			print_group(b, b->v[k].group);
	}
}

static void print_latency_table(struct bench *b)
{
	bool any = false;

	for (size_t k = 0; k < b->nv; k++)
		any |= is_latency(&b->v[k]);
	if (!any)
		return;
	printf("\n| limit hit → instance gone | runs | median ms | p10 ms | p90 ms "
	       "| end-to-end median ms |\n|---|--:|--:|--:|--:|--:|\n");
	for (size_t k = 0; k < b->nv; k++) {
		struct variant *v = &b->v[k];
		double *x = v->value_ms;

		if (!is_latency(v))
			continue;
		printf("| %s | %zu | %.3f | %.3f | %.3f | %.3f |\n", v->name, v->n,
		       pct(x, v->n, 50), pct(x, v->n, 10), pct(x, v->n, 90),
		       median_of(v->e2e_ms, v->n));
	}
}

/* Fails before any run when a -r or -c matches no group, a likely typo. */
static void check_names(const struct bench *b)
{
	const struct variant *x, *y;
	bool found;

	for (size_t r = 0; r < b->nrefs; r++) {
		found = false;
		for (size_t k = 0; k < b->nv; k++)
			found |= find_variant(b, b->v[k].group, b->refs[r]) != NULL;
		if (!found)
			die("-r '%s': no such variant", b->refs[r]);
	}
	for (size_t c = 0; c < b->ncompares; c++) {
		found = false;
		for (size_t k = 0; k < b->nv; k++) {
			compare_pair(b, b->v[k].group, b->compares[c], &x, &y);
			found |= x && y;
		}
		if (!found)
			die("-c '%s': no group has both variants", b->compares[c]);
	}
}

int main(int argc, char **argv)
{
	struct bench b = {.runs = 300, .warmup = 20};
	struct sample s;

	if (argc == 3 && strcmp(argv[1], "--hog") == 0)
		return hog_run(argv[2]);
	parse_args(&b, argc, argv);
	check_names(&b);
	b.devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (b.devnull < 0)
		die("/dev/null: %s", strerror(errno));
	alloc_samples(&b);
	/* One visible run each first, so a broken variant shows its own error. */
	for (size_t k = 0; k < b.nv; k++)
		run_checked(&b.v[k], b.devnull, true, &s);
	run_rounds(&b, b.warmup, false);
	run_rounds(&b, b.runs, true);
	for (size_t k = 0; k < b.nv; k++)
		qsort(b.v[k].value_ms, b.v[k].n, sizeof(double), cmp_double);
	print_startup_tables(&b);
	print_latency_table(&b);
	return 0;
}
