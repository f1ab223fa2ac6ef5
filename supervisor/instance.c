/* SPDX-License-Identifier: MIT */
#include "supervisor/instance.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child/child.h"
#include "common/cleanup.h"
#include "supervisor/idmap.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

int instance_make_id(char ret_id[33])
{
	uint8_t raw[16];
	static const char hex[] = "0123456789abcdef";

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -errno;
	for (size_t i = 0; i < sizeof(raw); i++) {
		ret_id[2 * i] = hex[raw[i] >> 4];
		ret_id[2 * i + 1] = hex[raw[i] & 0xf];
	}
	ret_id[32] = '\0';
	return 0;
}

static uint64_t clone_flags_for(const struct policy *p)
{
	/* user, mount and pid are not optional (the validator enforces it);
	 * the cgroup namespace is entered by the child after it joined its cgroup. */
	uint64_t flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_PIDFD;

	if (p->ns.ipc)
		flags |= CLONE_NEWIPC;
	if (p->ns.uts)
		flags |= CLONE_NEWUTS;
	if (p->net != POLICY_NET_HOST)
		flags |= CLONE_NEWNET;
	return flags;
}

/* The fds each side keeps; the other side's copies are closed after clone. */
struct spawn_fds {
	int report[2];
	int sync[2];
	int out[2];
	int err[2];
	int broker[2]; /* -1 without a broker */
};

static void spawn_fds_close(struct spawn_fds *f)
{
	int *all = (int *)f;

	for (size_t i = 0; i < sizeof(*f) / sizeof(int); i++)
		if (all[i] >= 0) {
			close(all[i]);
			all[i] = -1;
		}
}

static int spawn_fds_open(struct spawn_fds *f, bool broker, struct err_ctx *reterr)
{
	memset(f, 0xff, sizeof(*f));
	if (pipe2(f->report, O_CLOEXEC) < 0 || pipe2(f->out, O_CLOEXEC) < 0 ||
	    pipe2(f->err, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, f->sync) < 0 ||
	    (broker && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, f->broker) < 0)) {
		int saved = errno;

		spawn_fds_close(f);
		return err_set(reterr, saved, "cannot create the instance's pipes");
	}
	return 0;
}

/* Moves fd to CHILD_FD_FLOOR or above (or keeps -1); on failure the child's
 * first step fails on the bad descriptor and reports. */
static int above_floor(int fd)
{
	int moved;

	if (fd < 0 || fd >= CHILD_FD_FLOOR)
		return fd;
	moved = fcntl(fd, F_DUPFD_CLOEXEC, CHILD_FD_FLOOR);
	close(fd);
	return moved;
}

/* Runs in the freshly cloned child: keep only the child's ends, then set up. */
__attribute__((noreturn)) static void child_entry(struct child_config *cfg, struct spawn_fds *f,
						  int *region_fds, const sigset_t *saved_mask)
{
	close(f->report[0]);
	close(f->sync[0]);
	close(f->out[0]);
	close(f->err[0]);
	if (f->broker[0] >= 0)
		close(f->broker[0]);
	sigprocmask(SIG_SETMASK, saved_mask, NULL);
	cfg->report_fd = above_floor(f->report[1]);
	cfg->sync_fd = above_floor(f->sync[1]);
	cfg->stdout_fd = above_floor(f->out[1]);
	cfg->stderr_fd = above_floor(f->err[1]);
	cfg->broker_fd = above_floor(f->broker[1]);
	/*
	 * Our copies only: the supervisor's own descriptors stay where they
	 * are. A region that cannot move gets a number no descriptor has, so
	 * the fds step fails and reports instead of leaving its slot empty.
	 */
	for (size_t i = 0; i < cfg->n_region_fds; i++) {
		int moved = above_floor(region_fds[i]);

		region_fds[i] = moved < 0 && region_fds[i] >= 0 ? INT_MAX : moved;
	}
	cfg->region_fds = region_fds;
	child_main(cfg);
}

static pid_t clone_instance(uint64_t flags, int cgroup_fd, int *ret_pidfd)
{
	struct clone_args args = {
		.flags = flags,
		.pidfd = (uint64_t)(uintptr_t)ret_pidfd,
		.exit_signal = SIGCHLD,
	};

	if (cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgroup_fd;
	}
	pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));

	/*
	 * No clone3 (kernel < 5.3, a container's seccomp profile, valgrind):
	 * clone() carries every flag we use below bit 32; CLONE_PIDFD stores
	 * the pidfd through the parent_tid argument.
	 */
	if (pid < 0 && errno == ENOSYS && cgroup_fd < 0)
		pid = (pid_t)syscall(SYS_clone, (unsigned long)(flags | SIGCHLD), NULL, ret_pidfd,
				     NULL, NULL);
	return pid;
}

/* Kill-and-reap guard: until the go byte is sent, any failure must not leave
 * a half-built instance behind. */
static void abort_child(pid_t pid, int pidfd)
{
	if (pidfd >= 0)
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	else
		kill(pid, SIGKILL);
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
}

static int send_sync(int fd, char byte, struct err_ctx *reterr)
{
	if (send(fd, &byte, 1, MSG_NOSIGNAL) != 1)
		return err_set(reterr, errno ? errno : EPIPE, "cannot signal the instance");
	return 0;
}

/* The child builds its view while we wait for the kernel to move it into its
 * cgroups; it forks the payload only after the second byte. */
static int release_child(const struct spawn_request *req, struct instance *inst,
			 struct err_ctx *reterr)
{
	struct idmap map;
	int r;

	idmap_plan(&req->policy->user, getuid(), getgid(), &map);
	r = idmap_write(inst->pid, &map, reterr);
	if (r < 0)
		return r;
	inst->host_uid = map.host_uid;
	inst->host_gid = map.host_gid;
	r = send_sync(inst->sync_fd, CHILD_SYNC_GO, reterr);
	if (r < 0)
		return r;
	if (req->attach) {
		r = req->attach(req->attach_ctx, inst->pid, inst->in_cgroup_fd, reterr);
		if (r < 0)
			return r;
	}
	return send_sync(inst->sync_fd, CHILD_SYNC_JOINED, reterr);
}

/*
 * The child may end on its own while we release it: its setup failed (the
 * record is in the report pipe) or something killed it. That is an outcome
 * for the event loop to report, not a failure to spawn. Its end of the sync
 * socket closes just before it exits, so allow it a moment to finish.
 */
static bool child_gone(int pidfd)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	siginfo_t si = {0};

	if (poll(&p, 1, 100) <= 0)
		return false;
	return waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	       si.si_pid != 0;
}

int instance_spawn(const struct spawn_request *req, struct instance *ret, struct err_ctx *reterr)
{
	struct child_config cfg = {
		.policy = req->policy,
		.bpf = req->bpf,
		.argv = req->argv,
		.envp = req->envp,
		.stdin_fd = STDIN_FILENO,
		.privileged = getuid() == 0,
		.landlock_abi = req->landlock_abi,
		.rlimits = req->rlimits,
		.n_rlimits = req->n_rlimits,
	};
	int region_fds[POLICY_MAX_REGIONS];
	struct spawn_fds f;
	sigset_t saved_mask, all;
	int pidfd = -1, r;
	pid_t pid;

	memset(ret, 0, sizeof(*ret));
	ret->pidfd = ret->sync_fd = ret->report_fd = ret->out_fd = ret->err_fd = -1;
	ret->broker_fd = -1;
	snprintf(ret->id, sizeof(ret->id), "%s", req->instance_id);
	memcpy(cfg.instance_id, ret->id, sizeof(cfg.instance_id));
	if (req->n_region_fds > POLICY_MAX_REGIONS)
		return err_set(reterr, E2BIG, "too many memory regions: %zu", req->n_region_fds);
	for (size_t i = 0; i < req->n_region_fds; i++)
		region_fds[i] = req->region_fds[i];
	cfg.n_region_fds = req->n_region_fds;
	r = spawn_fds_open(&f, policy_has_broker(req->policy), reterr);
	if (r < 0)
		return r;

	/* No signal handler of ours may run in the child before it resets them. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &saved_mask);
	clock_gettime(CLOCK_MONOTONIC, &ret->started);
	pid = clone_instance(clone_flags_for(req->policy), req->cgroup_fd, &pidfd);
	if (pid < 0 && req->cgroup_fd >= 0) {
		/* Kernels before 5.7 lack CLONE_INTO_CGROUP: attach afterwards. */
		pid = clone_instance(clone_flags_for(req->policy), -1, &pidfd);
	} else {
		ret->in_cgroup_fd = req->cgroup_fd >= 0;
	}
	if (pid == 0)
		child_entry(&cfg, &f, region_fds, &saved_mask);
	r = errno;
	sigprocmask(SIG_SETMASK, &saved_mask, NULL);
	if (pid < 0) {
		spawn_fds_close(&f);
		return err_set(reterr, r, "cannot create the instance's namespaces");
	}

	ret->pid = pid;
	ret->pidfd = pidfd;
	ret->privileged = cfg.privileged;
	ret->report_fd = take_fd(f.report[0]);
	ret->sync_fd = take_fd(f.sync[0]);
	ret->out_fd = take_fd(f.out[0]);
	ret->err_fd = take_fd(f.err[0]);
	ret->broker_fd = take_fd(f.broker[0]);
	spawn_fds_close(&f); /* the child's ends: ours must not keep pipes open */

	r = release_child(req, ret, reterr);
	if (r < 0 && child_gone(pidfd))
		return 0;
	if (r < 0) {
		abort_child(pid, pidfd);
		instance_close(ret);
		return r;
	}
	return 0;
}

void instance_close(struct instance *inst)
{
	int *fds[] = {&inst->pidfd,  &inst->sync_fd, &inst->report_fd,
		      &inst->out_fd, &inst->err_fd,  &inst->broker_fd};

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}
