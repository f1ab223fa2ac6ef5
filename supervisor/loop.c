/* SPDX-License-Identifier: MIT */
#include "supervisor/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child/child.h"
#include "common/cleanup.h"
#include "common/log.h"

enum loop_source {
	SRC_REPORT,
	SRC_SYNC,
	SRC_STDOUT,
	SRC_STDERR,
	SRC_PIDFD,
	SRC_SIGNAL,
	SRC_WALL,
	SRC_GRACE,
	SRC_CPU,
	SRC_BROKER,
	_SRC_MAX,
};

struct loop {
	struct instance *inst;
	const struct loop_options *opts;
	struct run_observed *obs;
	int epfd;
	int fds[_SRC_MAX]; /* -1 when closed or unused */
	bool owned[_SRC_MAX];
	bool init_exited;
	bool output_stopped; /* truncate mode: past the limit, drain silently */
};

static int loop_add(struct loop *l, enum loop_source src, int fd, bool owned)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = src};

	l->fds[src] = fd;
	l->owned[src] = owned;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	return 0;
}

static void loop_drop(struct loop *l, enum loop_source src)
{
	if (l->fds[src] < 0)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, l->fds[src], NULL);
	if (l->owned[src])
		close(l->fds[src]);
	l->fds[src] = -1;
}

static int timer_new(uint64_t first_ms, uint64_t interval_ms)
{
	struct itimerspec its = {
		.it_value = {first_ms / 1000, (long)(first_ms % 1000) * 1000000L},
		.it_interval = {interval_ms / 1000, (long)(interval_ms % 1000) * 1000000L},
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

static void signal_instance(struct loop *l, int sig)
{
	if (!l->init_exited)
		syscall(SYS_pidfd_send_signal, l->inst->pidfd, sig, NULL, 0);
}

/* Ends the instance for a limit; the first reason wins. */
static void kill_for(struct loop *l, enum run_kill_reason reason)
{
	if (l->obs->killed_by == RUN_KILL_NONE)
		l->obs->killed_by = reason;
	signal_instance(l, SIGKILL);
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};

			poll(&p, 1, -1);
			continue;
		}
		if (n <= 0)
			return; /* the caller stopped reading: keep draining, drop it */
		buf += n;
		len -= (size_t)n;
	}
}

/* Forwards what fits under the output limit; past it, kills or truncates. */
static void forward_output(struct loop *l, int dest, const char *buf, size_t len)
{
	uint64_t limit = l->opts->output_limit;
	size_t pass = len;

	l->obs->output_bytes += len;
	if (l->output_stopped)
		return;
	if (limit && l->obs->output_forwarded + len > limit)
		pass = (size_t)(limit - l->obs->output_forwarded);
	write_all(dest, buf, pass);
	l->obs->output_forwarded += pass;
	if (pass < len) {
		l->output_stopped = true;
		if (l->opts->on_output_limit == POLICY_OUTPUT_KILL)
			kill_for(l, RUN_KILL_OUTPUT);
	}
}

static void on_output(struct loop *l, enum loop_source src)
{
	char buf[65536];
	ssize_t n = read(l->fds[src], buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		loop_drop(l, src);
		return;
	}
	forward_output(l, src == SRC_STDOUT ? l->opts->stdout_dest : l->opts->stderr_dest, buf,
		       (size_t)n);
}

static void on_report(struct loop *l)
{
	struct child_report rec;
	ssize_t n = read(l->fds[SRC_REPORT], &rec, sizeof(rec));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == (ssize_t)sizeof(rec) && !l->obs->have_report) {
		rec.msg[sizeof(rec.msg) - 1] = '\0';
		if (rec.stage >= _CHILD_STAGE_MAX)
			rec.stage = CHILD_STAGE_SYNC;
		l->obs->report = rec;
		l->obs->have_report = true;
		return; /* EOF follows */
	}
	if (n > 0)
		log_msg(LOG_LEVEL_WARN, "instance %s: malformed setup report, ignoring",
			l->inst->id);
	loop_drop(l, SRC_REPORT);
}

static void on_sync(struct loop *l)
{
	struct child_exit ex;
	ssize_t n = recv(l->fds[SRC_SYNC], &ex, sizeof(ex), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == (ssize_t)sizeof(ex) && !l->obs->have_payload_status) {
		l->obs->payload_status = ex.wait_status;
		l->obs->have_payload_status = true;
		return;
	}
	loop_drop(l, SRC_SYNC);
}

static void on_pidfd(struct loop *l)
{
	siginfo_t info = {0};

	/* The raw syscall also returns the rusage, which glibc's waitid drops. */
	if (syscall(SYS_waitid, P_PIDFD, l->fds[SRC_PIDFD], &info, WEXITED | WNOHANG,
		    &l->obs->rusage) < 0 ||
	    info.si_pid == 0)
		return;
	l->obs->init_status =
		info.si_code == CLD_EXITED ? (info.si_status & 0xff) << 8 : info.si_status & 0x7f;
	l->init_exited = true;
	loop_drop(l, SRC_PIDFD);
	loop_drop(l, SRC_WALL);
	loop_drop(l, SRC_GRACE);
	loop_drop(l, SRC_CPU);
	loop_drop(l, SRC_BROKER); /* nobody is left to answer */
}

static void on_signal(struct loop *l)
{
	struct signalfd_siginfo si;

	if (read(l->fds[SRC_SIGNAL], &si, sizeof(si)) != (ssize_t)sizeof(si))
		return;
	log_msg(LOG_LEVEL_INFO, "forwarding signal %u to instance %s", si.ssi_signo, l->inst->id);
	signal_instance(l, (int)si.ssi_signo);
}

static void on_wall(struct loop *l)
{
	int fd;

	loop_drop(l, SRC_WALL);
	if (l->obs->killed_by == RUN_KILL_NONE)
		l->obs->killed_by = RUN_KILL_TIMEOUT;
	if (l->opts->grace_ms == 0) {
		signal_instance(l, SIGKILL);
		return;
	}
	signal_instance(l, SIGTERM); /* init forwards it to the payload */
	fd = timer_new(l->opts->grace_ms, 0);
	if (fd < 0 || loop_add(l, SRC_GRACE, fd, true) < 0) {
		if (fd >= 0)
			close(fd);
		signal_instance(l, SIGKILL);
	}
}

static void on_cpu(struct loop *l)
{
	uint64_t ticks, used_us = 0;

	if (read(l->fds[SRC_CPU], &ticks, sizeof(ticks)) < 0)
		return;
	if (l->opts->cpu_sampler(l->opts->cpu_ctx, &used_us) < 0)
		return;
	if (used_us >= l->opts->cpu_ms * 1000)
		kill_for(l, RUN_KILL_CPU);
}

static void on_broker(struct loop *l)
{
	int r = l->opts->broker_serve(l->opts->broker_ctx);

	if (r == 0)
		return;
	loop_drop(l, SRC_BROKER);
	if (r < 0)
		kill_for(l, RUN_KILL_BROKER);
}

static void dispatch(struct loop *l, enum loop_source src)
{
	switch (src) {
	case SRC_REPORT:
		on_report(l);
		break;
	case SRC_SYNC:
		on_sync(l);
		break;
	case SRC_STDOUT:
	case SRC_STDERR:
		on_output(l, src);
		break;
	case SRC_PIDFD:
		on_pidfd(l);
		break;
	case SRC_SIGNAL:
		on_signal(l);
		break;
	case SRC_WALL:
		on_wall(l);
		break;
	case SRC_GRACE:
		loop_drop(l, SRC_GRACE);
		signal_instance(l, SIGKILL);
		break;
	case SRC_CPU:
		on_cpu(l);
		break;
	case SRC_BROKER:
		on_broker(l);
		break;
	case _SRC_MAX:
		break;
	}
}

/* Done when pid 1 is reaped and every pipe from the instance reached EOF:
 * the pid namespace guarantees no writer outlives pid 1, and init's exit
 * record is queued on the sync pair before its EOF. */
static bool loop_done(const struct loop *l)
{
	return l->init_exited && l->fds[SRC_STDOUT] < 0 && l->fds[SRC_STDERR] < 0 &&
	       l->fds[SRC_REPORT] < 0 && l->fds[SRC_SYNC] < 0;
}

static int loop_setup(struct loop *l, struct err_ctx *reterr)
{
	struct instance *inst = l->inst;
	const struct loop_options *o = l->opts;
	sigset_t mask;
	int fd, r = 0;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return err_set(reterr, errno, "cannot create the signal fd");
	r |= loop_add(l, SRC_SIGNAL, fd, true);
	r |= loop_add(l, SRC_REPORT, inst->report_fd, false);
	r |= loop_add(l, SRC_SYNC, inst->sync_fd, false);
	r |= loop_add(l, SRC_STDOUT, inst->out_fd, false);
	r |= loop_add(l, SRC_STDERR, inst->err_fd, false);
	r |= loop_add(l, SRC_PIDFD, inst->pidfd, false);
	if (o->wall_ms) {
		fd = timer_new(o->wall_ms, 0);
		r |= fd < 0 ? fd : loop_add(l, SRC_WALL, fd, true);
	}
	if (inst->broker_fd >= 0 && o->broker_serve)
		r |= loop_add(l, SRC_BROKER, inst->broker_fd, false);
	if (o->cpu_ms && o->cpu_sampler && o->cpu_poll_ms) {
		fd = timer_new(o->cpu_poll_ms, o->cpu_poll_ms);
		r |= fd < 0 ? fd : loop_add(l, SRC_CPU, fd, true);
	}
	if (r < 0)
		return err_set(reterr, EIO, "cannot set up the event loop");
	return 0;
}

static uint64_t elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - since->tv_sec) * 1000 +
	       (uint64_t)((now.tv_nsec - since->tv_nsec) / 1000000);
}

int loop_run(struct instance *inst, const struct loop_options *opts, struct run_observed *ret,
	     struct err_ctx *reterr)
{
	struct loop l = {.inst = inst, .opts = opts, .obs = ret};
	struct epoll_event evs[8];
	int r;

	memset(l.fds, 0xff, sizeof(l.fds));
	l.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l.epfd < 0)
		return err_set(reterr, errno, "cannot create the event loop");
	fcntl(inst->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(inst->err_fd, F_SETFL, O_NONBLOCK);
	fcntl(inst->report_fd, F_SETFL, O_NONBLOCK);
	r = loop_setup(&l, reterr);
	while (r == 0 && !loop_done(&l)) {
		int n = epoll_wait(l.epfd, evs, ARRAY_SIZE(evs), -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = err_set(reterr, errno, "event loop failed");
			break;
		}
		for (int i = 0; i < n; i++)
			if (l.fds[evs[i].data.u32] >= 0)
				dispatch(&l, evs[i].data.u32);
	}
	ret->wall_ms = elapsed_ms(&inst->started);
	for (int s = 0; s < _SRC_MAX; s++)
		loop_drop(&l, s);
	close(l.epfd);
	return r;
}
