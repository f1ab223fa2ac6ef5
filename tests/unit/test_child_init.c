/* SPDX-License-Identifier: MIT */
#include "test_child_util.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include "child/init.h"

enum payload_kind {
	PAYLOAD_EXIT_7,
	PAYLOAD_SIGUSR1,
	PAYLOAD_WAIT,	      /* says "ready", then waits for a signal */
	PAYLOAD_LEAVE_ORPHAN, /* leaves a process holding `extra` open, exits 0 */
};

struct init_run {
	enum payload_kind kind;
	bool term_from_outside; /* SIGTERM to init once the payload is ready */
	bool close_supervisor;	/* close the supervisor's end instead of waiting */
	int extra;		/* an fd the orphan keeps */
	int wait_status;	/* from struct child_exit, or -1 */
	int init_verdict;	/* init's exit code (0-255), or 1000+signal */
};

__attribute__((noreturn)) static void payload(const struct init_run *run, int ready_fd)
{
	switch (run->kind) {
	case PAYLOAD_EXIT_7:
		_exit(7);
	case PAYLOAD_SIGUSR1:
		raise(SIGUSR1);
		_exit(1);
	case PAYLOAD_WAIT:
		if (write(ready_fd, "r", 1) != 1)
			_exit(2);
		for (;;)
			pause();
	case PAYLOAD_LEAVE_ORPHAN:
		if (fork() == 0) {
			setsid();
			if (write(ready_fd, "r", 1) != 1)
				_exit(2);
			for (;;)
				pause();
		}
		_exit(0);
	}
	_exit(3);
}

/* The outer process stays outside the new pid namespace: it plays the supervisor. */
__attribute__((noreturn)) static void outer(struct init_run *run, int sv[2], int rep[2],
					    int ready[2])
{
	pid_t init;
	char c;

	CHECK_OR_EXIT(90, child_test_unshare(CLONE_NEWPID) == 0);
	init = fork();
	if (init == 0) {
		struct child_config cfg = {.sync_fd = sv[1], .report_fd = rep[1]};

		close(sv[0]);
		close(ready[0]);
		CHECK_OR_EXIT(91, child_init_start(&cfg, NULL) == 0);
		payload(run, ready[1]);
	}
	close(sv[0]);
	close(ready[1]);
	if (run->term_from_outside) {
		CHECK_OR_EXIT(92, read(ready[0], &c, 1) == 1);
		kill(init, SIGTERM);
	}
	_exit(child_test_verdict(init) & 0xff);
}

static void run_init(struct init_run *run)
{
	int sv[2], rep[2], ready[2];
	struct child_exit ex;
	pid_t pid;

	if (!child_test_can_unshare(CLONE_NEWPID))
		child_test_skip("user and pid namespaces are unavailable");
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	cr_assert_eq(pipe2(rep, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(ready, O_CLOEXEC), 0);
	pid = fork();
	if (pid < 0) /* only the parent may assert: Criterion's IPC is not fork-safe */
		cr_assert_fail("fork failed");
	if (pid == 0)
		outer(run, sv, rep, ready);
	close(sv[1]);
	close(rep[1]);
	close(ready[1]);
	if (run->extra >= 0)
		close(run->extra);
	if (run->close_supervisor) {
		char c;

		cr_assert_eq(read(ready[0], &c, 1), 1);
		close(sv[0]);
		sv[0] = -1;
	}
	run->wait_status = -1;
	if (sv[0] >= 0 && recv(sv[0], &ex, sizeof(ex), 0) == (ssize_t)sizeof(ex))
		run->wait_status = ex.wait_status;
	run->init_verdict = child_test_verdict(pid);
	if (sv[0] >= 0)
		close(sv[0]);
	close(rep[0]);
	close(ready[0]);
}

Test(child_init, reports_the_payload_exit_status_and_exits_with_it, .timeout = 30)
{
	struct init_run run = {.kind = PAYLOAD_EXIT_7, .extra = -1};

	run_init(&run);
	cr_expect(WIFEXITED(run.wait_status) && WEXITSTATUS(run.wait_status) == 7,
		  "child_exit status 0x%x", run.wait_status);
	cr_expect_eq(run.init_verdict, 7);
}

Test(child_init, a_payload_killed_by_a_signal_gives_128_plus_n, .timeout = 30)
{
	struct init_run run = {.kind = PAYLOAD_SIGUSR1, .extra = -1};

	run_init(&run);
	cr_expect(WIFSIGNALED(run.wait_status) && WTERMSIG(run.wait_status) == SIGUSR1);
	cr_expect_eq(run.init_verdict, 128 + SIGUSR1);
}

Test(child_init, sigterm_from_outside_is_forwarded_to_the_payload, .timeout = 30)
{
	struct init_run run = {.kind = PAYLOAD_WAIT, .term_from_outside = true, .extra = -1};

	run_init(&run);
	cr_expect(WIFSIGNALED(run.wait_status) && WTERMSIG(run.wait_status) == SIGTERM,
		  "child_exit status 0x%x", run.wait_status);
	cr_expect_eq(run.init_verdict, 128 + SIGTERM);
}

Test(child_init, supervisor_gone_ends_the_instance, .timeout = 30)
{
	struct init_run run = {.kind = PAYLOAD_WAIT, .close_supervisor = true, .extra = -1};

	run_init(&run);
	cr_expect_eq(run.init_verdict, 128 + SIGKILL, "init must exit when sync_fd reaches EOF");
}

/*
 * The timeouts only bound a failure: an init that never reaps the payload, or
 * an orphan that survives init, would otherwise hang the test run.
 */
Test(child_init, leftover_processes_die_with_init, .timeout = 30)
{
	int orphan[2];
	char c;
	struct init_run run = {.kind = PAYLOAD_LEAVE_ORPHAN};

	cr_assert_eq(pipe(orphan), 0);
	run.extra = orphan[1];
	run_init(&run);
	cr_expect_eq(run.init_verdict, 0);
	cr_expect_eq(read(orphan[0], &c, 1), 0, "a process of the instance outlived init");
	close(orphan[0]);
}

Test(child_init, only_outside_senders_and_only_three_signals_are_forwarded)
{
	cr_expect(child_init_forwards(SIGTERM, 0));
	cr_expect(child_init_forwards(SIGINT, 0));
	cr_expect(child_init_forwards(SIGHUP, 0));
	cr_expect_not(child_init_forwards(SIGTERM, 2), "the payload must not steer init");
	cr_expect_not(child_init_forwards(SIGHUP, 1));
	cr_expect_not(child_init_forwards(SIGUSR1, 0));
	cr_expect_not(child_init_forwards(SIGCHLD, 0));
}
