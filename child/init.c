/* SPDX-License-Identifier: MIT */
#include "child/init.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child/caps.h"
#include "child/fds.h"
#include "child/report.h"
#include "common/cleanup.h"
#include "common/exitcodes.h"

/* The supervisor vanished: our exit takes the whole instance with it. */
#define INIT_EXIT_ORPHANED (VMSB_EXIT_SIGNAL_BASE + SIGKILL)

static void forwarded_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

/*
 * The supervisor's handlers and ignored signals are inherited through clone;
 * a SIG_IGN on SIGCHLD would even make children vanish unreaped.
 */
static void reset_signal_dispositions(void)
{
	struct sigaction sa = {.sa_handler = SIG_DFL};

	for (int sig = 1; sig < _NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL); /* EINVAL for glibc's internal signals */
}

__attribute__((noreturn)) static void init_finish(int sync_fd, int status)
{
	struct child_exit ex = {.wait_status = status};
	ssize_t n;

	do
		n = send(sync_fd, &ex, sizeof(ex), MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	/* Exiting as pid 1 kills whatever the payload left behind: by design. */
	if (WIFSIGNALED(status))
		_exit(VMSB_EXIT_SIGNAL_BASE + WTERMSIG(status));
	_exit(WEXITSTATUS(status));
}

static void init_reap(int sync_fd, pid_t payload)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			return;
		if (pid == payload)
			init_finish(sync_fd, status);
	}
}

bool child_init_forwards(uint32_t signo, uint32_t sender_pid)
{
	/*
	 * A sender outside our pid namespace shows as pid 0. Anything inside
	 * is the payload's family trying to steer init: ignored.
	 */
	return sender_pid == 0 && (signo == SIGTERM || signo == SIGINT || signo == SIGHUP);
}

static void init_on_signals(int sync_fd, int sig_fd, pid_t payload)
{
	struct signalfd_siginfo si;

	while (read(sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			init_reap(sync_fd, payload);
		else if (child_init_forwards(si.ssi_signo, si.ssi_pid))
			kill(payload, (int)si.ssi_signo);
	}
}

/* Anything but EOF (an unexpected byte, EAGAIN) is no reason to stop. */
static void init_on_sync(int sync_fd)
{
	char buf[16];
	ssize_t n = recv(sync_fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		_exit(INIT_EXIT_ORPHANED);
}

__attribute__((noreturn)) static void init_abort(const struct child_config *cfg, pid_t payload,
						 const struct err_ctx *err)
{
	kill(payload, SIGKILL);
	while (waitpid(payload, NULL, 0) < 0 && errno == EINTR)
		;
	child_report_fail(cfg->report_fd, CHILD_STAGE_INIT, err);
}

__attribute__((noreturn)) static void init_run(const struct child_config *cfg, int sig_fd,
					       pid_t payload)
{
	const int keep[] = {cfg->sync_fd, sig_fd};
	struct pollfd pfd[2] = {
		{.fd = sig_fd, .events = POLLIN},
		{.fd = cfg->sync_fd, .events = POLLIN},
	};
	struct err_ctx err = {0};

	/* Init needs nothing: no capability, no privilege gain, no fd but these two. */
	if (child_caps_apply(0, &err) < 0)
		init_abort(cfg, payload, &err);
	if (child_fds_close_except(keep, ARRAY_SIZE(keep), 0, &err) < 0)
		init_abort(cfg, payload, &err);
	for (;;) {
		if (poll(pfd, ARRAY_SIZE(pfd), -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(INIT_EXIT_ORPHANED);
		}
		if (pfd[1].revents)
			init_on_sync(cfg->sync_fd);
		if (pfd[0].revents & POLLIN)
			init_on_signals(cfg->sync_fd, sig_fd, payload);
	}
}

int child_init_start(const struct child_config *cfg, struct err_ctx *reterr)
{
	sigset_t set, empty;
	int sig_fd;
	pid_t pid;

	reset_signal_dispositions();
	forwarded_signals(&set);
	/* Blocked before the fork, so a signal between fork and poll waits in the signalfd. */
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return err_set(reterr, errno, "cannot block signals");
	sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sig_fd < 0)
		return err_set(reterr, errno, "cannot create a signalfd");
	/* Not dumpable: the payload cannot ptrace init or open its /proc files. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return err_set(reterr, errno, "cannot make init non-dumpable");
	pid = fork();
	if (pid < 0)
		return err_set(reterr, errno, "cannot fork the payload");
	if (pid > 0)
		init_run(cfg, sig_fd, pid);
	close(sig_fd);
	sigemptyset(&empty);
	if (sigprocmask(SIG_SETMASK, &empty, NULL) < 0)
		return err_set(reterr, errno, "cannot unblock signals");
	return 0;
}
