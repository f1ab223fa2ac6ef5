/* SPDX-License-Identifier: MIT */
/*
 * Bulk transfer between two processes: TOTAL bytes through a shared memory
 * region (a sealed memfd, as the broker's regions are) against the same bytes
 * through an AF_UNIX SOCK_SEQPACKET pair in WIRE_MAX_FRAME datagrams. Build
 * and run: see bench/README.md.
 *
 *   transfer [-t TOTAL_MIB] [-r REGION_MIB] [-s SLOTS] [-n RUNS]
 *
 * Region: the region is cut into SLOTS equal slots. The producer fills a free
 * slot, sends a 20-byte "ready" frame (magic, sequence, offset, length) over a
 * SEQPACKET pair; the consumer checksums the slot in place and answers with a
 * 20-byte "done" frame for it, which frees the slot. With 2 slots producer and
 * consumer overlap, as the socket's buffer lets them overlap in the other mode.
 * Socket: the producer fills a 4096-byte buffer and sends it, the consumer
 * receives into its own buffer and checksums it.
 *
 * Both modes produce the same byte stream (fill()) and checksum it the same
 * way (struct sum); the consumer's final checksum comes back over the socket
 * and must equal the one computed beforehand, or the benchmark fails: a fast
 * wrong transfer is not a transfer. Each run forks a fresh consumer and creates
 * a fresh region; the time is from the first byte filled to the checksum's
 * arrival, CLOCK_MONOTONIC. The modes alternate run by run after one untimed
 * run of each.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FRAME 4096	  /* WIRE_MAX_FRAME: the broker's datagram size */
#define CTL_SIZE 20	  /* WIRE_HEADER_SIZE: a control frame */
#define MAGIC 0x42534d56u /* "VMSB" */
#define MAX_SLOTS 64
#define MAX_RUNS 99
#define MIB (1024u * 1024u)

enum mode { MODE_REGION, MODE_SOCKET, _MODE_MAX };

static const char *const mode_names[_MODE_MAX] = {
	[MODE_REGION] = "memory region",
	[MODE_SOCKET] = "socket, 4096-byte datagrams",
};

struct opts {
	uint64_t total, region;
	unsigned slots, runs;
};

/* A control frame, 20 bytes on the wire: ready, done, or the final checksum. */
struct ctl {
	uint32_t magic, seq;
	uint64_t a; /* ready/done: offset in the region; final: the checksum */
	uint32_t len;
} __attribute__((packed));
_Static_assert(sizeof(struct ctl) == CTL_SIZE, "a control frame is 20 bytes");

/* Four independent lanes, so that the multiply chain does not limit the speed. */
struct sum {
	uint64_t h[4];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The stream's 64-bit word number i (splitmix64): cheap, and no two chunks alike. */
static inline uint64_t word_at(uint64_t i)
{
	uint64_t z = i * 0x9e3779b97f4a7c15u;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	return z ^ (z >> 27);
}

/* Fills buf with the stream's bytes from byte offset pos; pos and len multiples of 32. */
static void fill(void *buf, uint64_t pos, size_t len)
{
	uint64_t *w = buf, first = pos / 8;

	for (size_t i = 0; i < len / 8; i++)
		w[i] = word_at(first + i);
}

static void sum_init(struct sum *s)
{
	for (int i = 0; i < 4; i++)
		s->h[i] = 0xcbf29ce484222325u + (uint64_t)i;
}

/* len a multiple of 32, so that word k of the stream always meets lane k % 4. */
static void sum_update(struct sum *s, const void *buf, size_t len)
{
	const uint64_t *w = buf;
	uint64_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];

	for (size_t i = 0; i < len / 8; i += 4) {
		a = (a ^ w[i]) * 0x100000001b3u;
		b = (b ^ w[i + 1]) * 0x100000001b3u;
		c = (c ^ w[i + 2]) * 0x100000001b3u;
		d = (d ^ w[i + 3]) * 0x100000001b3u;
	}
	s->h[0] = a, s->h[1] = b, s->h[2] = c, s->h[3] = d;
}

static uint64_t sum_final(const struct sum *s)
{
	return s->h[0] ^ (s->h[1] * 3) ^ (s->h[2] * 5) ^ (s->h[3] * 7);
}

static int send_ctl(int fd, uint32_t seq, uint64_t a, uint32_t len)
{
	struct ctl c = {.magic = MAGIC, .seq = seq, .a = a, .len = len};

	return send(fd, &c, sizeof(c), MSG_NOSIGNAL) == (ssize_t)sizeof(c) ? 0 : -1;
}

/* Receives one control frame; anything else (size, magic) is an error. */
static int recv_ctl(int fd, struct ctl *c)
{
	ssize_t n;

	do
		n = recv(fd, c, sizeof(*c), MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*c) && c->magic == MAGIC ? 0 : -1;
}

/* ---- memory region ------------------------------------------------------- */

/* A region as the broker makes one: a memfd sized, then sealed against resizing. */
static int region_create(uint64_t size)
{
	int fd = memfd_create("bench-region", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)size) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Mapped and faulted in before the clock starts: a region outlives many transfers. */
static void *region_map(int fd, uint64_t size, int prot)
{
	void *p = mmap(NULL, (size_t)size, prot, MAP_SHARED | MAP_POPULATE, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int region_consumer(const struct opts *o, int sock, int memfd)
{
	const uint8_t *map = region_map(memfd, o->region, PROT_READ);
	uint64_t done = 0;
	struct sum s;
	struct ctl c;

	if (!map || send_ctl(sock, 0, 0, 0) < 0) /* mapped: the producer may start */
		return -1;
	sum_init(&s);
	while (done < o->total) {
		/* the offsets come from the other process: checked like a broker would */
		if (recv_ctl(sock, &c) < 0 || c.len == 0 || c.len % 32 || c.a % 32 ||
		    c.a > o->region || c.len > o->region - c.a)
			return -1;
		sum_update(&s, map + c.a, c.len);
		done += c.len;
		if (send_ctl(sock, c.seq, c.a, c.len) < 0)
			return -1;
	}
	return send_ctl(sock, 0, sum_final(&s), 0);
}

static int region_producer(const struct opts *o, int sock, uint8_t *map, uint64_t *ret_sum)
{
	uint64_t slot = o->region / o->slots, n = o->total / slot;
	unsigned busy = 0;
	struct ctl c;

	for (uint64_t seq = 0; seq < n; seq++) {
		uint64_t off = (seq % o->slots) * slot;

		if (busy == o->slots) { /* wait for the oldest slot, the one reused now */
			if (recv_ctl(sock, &c) < 0 || c.seq != (uint32_t)(seq - o->slots))
				return -1;
			busy--;
		}
		fill(map + off, seq * slot, (size_t)slot);
		if (send_ctl(sock, (uint32_t)seq, off, (uint32_t)slot) < 0)
			return -1;
		busy++;
	}
	for (; busy; busy--)
		if (recv_ctl(sock, &c) < 0 || c.len != slot)
			return -1;
	if (recv_ctl(sock, &c) < 0)
		return -1;
	*ret_sum = c.a;
	return 0;
}

/* ---- socket -------------------------------------------------------------- */

static int socket_consumer(const struct opts *o, int sock)
{
	uint64_t buf[FRAME / 8];
	struct sum s;
	ssize_t n;

	if (send_ctl(sock, 0, 0, 0) < 0)
		return -1;
	sum_init(&s);
	for (uint64_t pos = 0; pos < o->total; pos += FRAME) {
		do
			n = recv(sock, buf, sizeof(buf), MSG_TRUNC);
		while (n < 0 && errno == EINTR);
		if (n != FRAME)
			return -1;
		sum_update(&s, buf, FRAME);
	}
	return send_ctl(sock, 0, sum_final(&s), 0);
}

static int socket_producer(const struct opts *o, int sock, uint64_t *ret_sum)
{
	uint64_t buf[FRAME / 8];
	struct ctl c;

	for (uint64_t pos = 0; pos < o->total; pos += FRAME) {
		fill(buf, pos, FRAME);
		if (send(sock, buf, FRAME, MSG_NOSIGNAL) != FRAME)
			return -1;
	}
	if (recv_ctl(sock, &c) < 0)
		return -1;
	*ret_sum = c.a;
	return 0;
}

/* ---- runs ---------------------------------------------------------------- */

static int consumer(enum mode m, const struct opts *o, int sock, int memfd)
{
	return m == MODE_REGION ? region_consumer(o, sock, memfd) : socket_consumer(o, sock);
}

/*
 * One transfer with a fresh consumer process (and region); its duration in
 * ns, 0 on failure. The region is made and mapped, the consumer forked and its
 * mapping made before the clock starts.
 */
static uint64_t run_once(enum mode m, const struct opts *o, uint64_t *ret_sum)
{
	uint8_t *map = NULL;
	int sv[2], memfd = -1, r = -1, status;
	uint64_t t0 = 0, t1 = 0;
	struct ctl hello;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return 0;
	if (m == MODE_REGION) {
		memfd = region_create(o->region);
		map = memfd < 0 ? NULL : region_map(memfd, o->region, PROT_READ | PROT_WRITE);
		if (!map)
			goto out;
	}
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		_exit(consumer(m, o, sv[1], memfd) ? 1 : 0);
	}
	if (pid < 0)
		goto out;
	if (recv_ctl(sv[0], &hello) == 0) {
		t0 = now_ns();
		r = m == MODE_REGION ? region_producer(o, sv[0], map, ret_sum)
				     : socket_producer(o, sv[0], ret_sum);
		t1 = now_ns();
	}
	close(sv[0]);
	sv[0] = -1;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		r = -1;
out:
	if (map)
		munmap(map, (size_t)o->region);
	if (memfd >= 0)
		close(memfd);
	if (sv[0] >= 0)
		close(sv[0]);
	close(sv[1]);
	return r == 0 ? (t1 > t0 ? t1 - t0 : 1) : 0;
}

/* The checksum every run must bring back, computed once, untimed. */
static uint64_t expected_sum(uint64_t total)
{
	uint64_t buf[FRAME / 8];
	struct sum s;

	sum_init(&s);
	for (uint64_t pos = 0; pos < total; pos += FRAME) {
		fill(buf, pos, FRAME);
		sum_update(&s, buf, FRAME);
	}
	return sum_final(&s);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	char *end;

	errno = 0;
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	*ret = strtoull(s, &end, 10);
	return errno || *end || *ret < min || *ret > max ? -EINVAL : 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	uint64_t total = 256, region = 16, slots = 2, runs = 7;
	int opt, bad = 0;

	while (!bad && (opt = getopt(argc, argv, "t:r:s:n:")) != -1) {
		switch (opt) {
		case 't':
			bad = parse_u64(optarg, 1, 65536, &total);
			break;
		case 'r':
			bad = parse_u64(optarg, 1, 4096, &region);
			break;
		case 's':
			bad = parse_u64(optarg, 1, MAX_SLOTS, &slots);
			break;
		case 'n':
			bad = parse_u64(optarg, 1, MAX_RUNS, &runs);
			break;
		default:
			bad = -EINVAL;
		}
	}
	o->total = total * MIB;
	o->region = region * MIB;
	o->slots = (unsigned)slots;
	o->runs = (unsigned)runs;
	/* whole slots of whole frames, and whole slots in the total */
	if (bad || optind != argc || o->region % (o->slots * (uint64_t)FRAME) ||
	    o->total % (o->region / o->slots)) {
		fprintf(stderr, "usage: transfer [-t TOTAL_MIB (256)] [-r REGION_MIB (16)] "
				"[-s SLOTS (2)] [-n RUNS (7)]\n"
				"REGION_MIB/SLOTS must divide TOTAL_MIB into whole 4 KiB frames\n");
		return -1;
	}
	return 0;
}

/* One run of m, its checksum compared; MiB/s, or a negative number on failure. */
static double measure(enum mode m, const struct opts *o, uint64_t want)
{
	uint64_t got = ~want, ns = run_once(m, o, &got);

	if (!ns) {
		fprintf(stderr, "transfer: %s: a run failed\n", mode_names[m]);
		return -1;
	}
	if (got != want) {
		fprintf(stderr, "transfer: %s: checksum %016llx, expected %016llx\n", mode_names[m],
			(unsigned long long)got, (unsigned long long)want);
		return -1;
	}
	return (double)o->total / MIB / ((double)ns / 1e9);
}

static void print_table(const struct opts *o, double v[_MODE_MAX][MAX_RUNS])
{
	double med[_MODE_MAX], lo, hi;

	printf("| %llu MiB, %u runs each | MiB/s median | min | max | × socket |\n"
	       "|---|--:|--:|--:|--:|\n",
	       (unsigned long long)(o->total / MIB), o->runs);
	for (int m = 0; m < _MODE_MAX; m++)
		med[m] = median(v[m], o->runs); /* sorts v[m] */
	for (int m = 0; m < _MODE_MAX; m++) {
		lo = v[m][0];
		hi = v[m][o->runs - 1];
		printf("| %s | %.0f | %.0f | %.0f | %.2f |\n", mode_names[m], med[m], lo, hi,
		       med[m] / med[MODE_SOCKET]);
	}
}

int main(int argc, char **argv)
{
	static double v[_MODE_MAX][MAX_RUNS];
	struct opts o;
	uint64_t want, t0, t1;

	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	t0 = now_ns();
	want = expected_sum(o.total);
	t1 = now_ns();
	/* untimed warm-up, then the modes alternate which goes first */
	if (measure(MODE_REGION, &o, want) < 0 || measure(MODE_SOCKET, &o, want) < 0)
		return 2;
	for (unsigned i = 0; i < o.runs; i++) {
		for (int k = 0; k < _MODE_MAX; k++) {
			enum mode m = (enum mode)((i + (unsigned)k) % _MODE_MAX);

			v[m][i] = measure(m, &o, want);
			if (v[m][i] < 0)
				return 2;
		}
	}
	printf("Region: %llu MiB in %u slots of %llu MiB; checksum %016llx in every run.\n\n",
	       (unsigned long long)(o.region / MIB), o.slots,
	       (unsigned long long)(o.region / o.slots / MIB), (unsigned long long)want);
	/* what fill and checksum cost without any transfer: one process, one CPU */
	printf("No transfer (one process fills and checksums a 4 KiB buffer in turn): %.0f "
	       "MiB/s.\n\n",
	       (double)o.total / MIB / ((double)(t1 - t0) / 1e9));
	print_table(&o, v);
	return 0;
}
