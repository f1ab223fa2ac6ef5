/* SPDX-License-Identifier: MIT */
/*
 * The floor for a broker round trip: a raw AF_UNIX SOCK_SEQPACKET ping-pong
 * between two processes, measured the way `vmsb ping -n N` measures its
 * round trips (CLOCK_MONOTONIC around each one, median of the samples), and
 * printed in the same format, so that bench/ping.sh can put the two side by
 * side. Build and run: see bench/README.md.
 *
 *   ping [-e] [-n ROUND_TRIPS] [-w WARMUP] [-s FRAME_BYTES]
 *
 * The parent sends a FRAME_BYTES datagram (20: WIRE_HEADER_SIZE, the size of
 * a ping request and of its reply) and blocks in recv() for the echo; the
 * child blocks in recv() and sends back what it got. Every echo is checked
 * (length and content), since a fast wrong answer is not a round trip.
 *
 * -e makes the same system calls as the broker and vmsb, without their code:
 * the echo side waits in epoll_wait() and answers with recvmsg() (control
 * buffer, MSG_DONTWAIT) and sendmsg() as supervisor/broker/dispatch.c does,
 * and the parent receives with recvmsg() and a control buffer as the guest
 * library does. The difference to the plain run is the price of that pattern;
 * the rest of vmsb ping's time is the broker's and the guest's own work.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MAX 4096 /* WIRE_MAX_FRAME */
#define MAX_FDS 32     /* the broker's RECV_MAX_FDS */

static bool broker_like; /* -e */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *ret)
{
	char *end;

	errno = 0;
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	*ret = strtoul(s, &end, 10);
	if (errno || *end || *ret < min || *ret > max)
		return -EINVAL;
	return 0;
}

/* The echo side: returns at EOF (the parent closed its end) or on an error. */
static int echo_loop(int fd)
{
	char buf[FRAME_MAX];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n == 0)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
			return -1;
	}
}

/* recvmsg() with room for descriptors, as both broker ends receive. */
static ssize_t recv_ctl(int fd, char *buf, size_t len, int flags)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
	} ctl;
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);
	return recvmsg(fd, &mh, flags | MSG_TRUNC | MSG_CMSG_CLOEXEC);
}

/* The broker's pattern: wait in epoll, then a non-blocking recvmsg and sendmsg. */
static int echo_loop_epoll(int fd)
{
	struct iovec iov;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct epoll_event ev = {.events = EPOLLIN};
	char buf[FRAME_MAX];
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	for (;;) {
		ssize_t n;

		if (epoll_wait(ep, &ev, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		n = recv_ctl(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0)
			return 0;
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		iov.iov_base = buf;
		iov.iov_len = (size_t)n;
		if (n < 0 || sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) != n)
			return -1;
	}
}

/* One round trip, checked; its duration in ns, or 0 on failure. */
static uint64_t round_trip(int fd, const char *frame, size_t len, uint32_t seq)
{
	char out[FRAME_MAX], in[FRAME_MAX];
	uint64_t t0, t1;
	ssize_t n;

	/* A changing id so that a stale or duplicated echo would not compare equal. */
	memcpy(out, frame, len);
	memcpy(out + 8, &seq, sizeof(seq));
	t0 = now_ns();
	if (send(fd, out, len, MSG_NOSIGNAL) != (ssize_t)len)
		return 0;
	do
		n = broker_like ? recv_ctl(fd, in, sizeof(in), 0) : recv(fd, in, sizeof(in), 0);
	while (n < 0 && errno == EINTR);
	t1 = now_ns();
	if (n != (ssize_t)len || memcmp(in, out, len) != 0)
		return 0;
	return t1 > t0 ? t1 - t0 : 1;
}

static int run(int fd, unsigned long n, unsigned long warmup, size_t len)
{
	char frame[FRAME_MAX];
	uint64_t *t, med;

	for (size_t i = 0; i < len; i++)
		frame[i] = (char)(0x5a ^ i);
	t = calloc(n, sizeof(*t));
	if (!t) {
		perror("ping: calloc");
		return -1;
	}
	for (unsigned long i = 0; i < warmup + n; i++) {
		uint64_t d = round_trip(fd, frame, len, (uint32_t)i);

		if (!d) {
			fprintf(stderr, "ping: round trip %lu failed or echoed wrong bytes\n", i);
			free(t);
			return -1;
		}
		if (i >= warmup)
			t[i - warmup] = d;
	}
	qsort(t, n, sizeof(*t), cmp_u64);
	med = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
	printf("count=%lu\nmin_us=%.1f\nmax_us=%.1f\nmedian_us=%.1f\n", n, t[0] / 1000.0,
	       t[n - 1] / 1000.0, med / 1000.0);
	free(t);
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: ping [-e] [-n ROUND_TRIPS] [-w WARMUP] [-s FRAME_BYTES (12..4096)]\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long n = 20000, warmup = 1000, len = 20;
	int sv[2], opt, r, status;
	pid_t pid;

	while ((opt = getopt(argc, argv, "en:w:s:")) != -1) {
		int bad = 0;

		switch (opt) {
		case 'e':
			broker_like = true;
			break;
		case 'n':
			bad = parse_ulong(optarg, 1, 10000000, &n);
			break;
		case 'w':
			bad = parse_ulong(optarg, 0, 10000000, &warmup);
			break;
		case 's':
			bad = parse_ulong(optarg, 12, FRAME_MAX, &len);
			break;
		default:
			bad = -EINVAL;
		}
		if (bad)
			return usage();
	}
	if (optind != argc)
		return usage();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("ping: socketpair");
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("ping: fork");
		return 2;
	}
	if (pid == 0) {
		close(sv[0]);
		_exit((broker_like ? echo_loop_epoll(sv[1]) : echo_loop(sv[1])) ? 1 : 0);
	}
	close(sv[1]);
	r = run(sv[0], n, warmup, len);
	close(sv[0]); /* EOF ends the echo loop */
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "ping: the echo process failed\n");
		r = -1;
	}
	return r ? 2 : 0;
}
