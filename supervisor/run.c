/* SPDX-License-Identifier: MIT */
#include "supervisor/run.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/exitcodes.h"
#include "common/log.h"
#include "child/child.h"
#include "policy/bpf.h"
#include "supervisor/env.h"
#include "supervisor/host.h"
#include "supervisor/instance.h"
#include "supervisor/broker/captable.h"
#include "supervisor/broker/dispatch.h"
#include "supervisor/broker/execlog.h"
#include "supervisor/broker/regions.h"
#include "supervisor/limits/runtime.h"
#include "supervisor/loop.h"
#include "supervisor/report.h"

extern char **environ;

/* Loads the policy named on the command line (or the default) and applies flags. */
static int load_policy(const struct launch_opts *opts, struct policy **ret, struct err_ctx *err)
{
	_cleanup_policy_ struct policy *p = NULL;
	int r;

	if (opts->policy_path)
		r = policy_load_file(opts->policy_path, &p, err);
	else
		r = policy_load_default(&p, err);
	if (r < 0)
		return r;
	r = cli_apply(opts, p, err);
	if (r < 0)
		return r;
	*ret = take_ptr(p);
	return 0;
}

static void write_report_or_warn(const char *path, const struct report_input *in)
{
	struct err_ctx err = {0};
	json_t *report;

	if (!path)
		return;
	report = report_build(in);
	if (report_write(path, report, &err) < 0)
		log_msg(LOG_LEVEL_ERROR, "%s", err.msg);
	json_decref(report);
}

static int fail_policy(const struct launch_opts *opts, const struct err_ctx *err)
{
	struct report_input in = {.policy_error = err->msg};

	log_msg(LOG_LEVEL_ERROR, "%s", err->msg);
	write_report_or_warn(opts->report_path, &in);
	return VMSB_EXIT_SETUP;
}

/* One line for the human at the terminal; the report has the details. */
static void explain_outcome(const struct instance *inst, const struct run_observed *obs)
{
	enum run_status status = outcome_status(obs);
	int sig = outcome_signal(obs);

	switch (status) {
	case RUN_STATUS_SETUP_ERROR:
		log_msg(LOG_LEVEL_ERROR, "setup failed at %s: %s",
			child_stage_name(obs->report.stage), obs->report.msg);
		break;
	case RUN_STATUS_EXEC_ERROR:
		log_msg(LOG_LEVEL_ERROR, "%s", obs->report.msg);
		break;
	case RUN_STATUS_SECCOMP_VIOLATION:
		log_msg(LOG_LEVEL_ERROR,
			"instance %s: killed by seccomp (SIGSYS): a denied system call was made",
			inst->id);
		break;
	case RUN_STATUS_TIMEOUT:
		log_msg(LOG_LEVEL_ERROR, "instance %s: wall time limit reached", inst->id);
		break;
	case RUN_STATUS_CPU_LIMIT:
		log_msg(LOG_LEVEL_ERROR, "instance %s: CPU time limit reached", inst->id);
		break;
	case RUN_STATUS_MEMORY_LIMIT:
		log_msg(LOG_LEVEL_ERROR, "instance %s: memory limit reached", inst->id);
		break;
	case RUN_STATUS_OUTPUT_LIMIT:
		log_msg(LOG_LEVEL_ERROR, "instance %s: output limit reached", inst->id);
		break;
	case RUN_STATUS_FILE_SIZE_LIMIT:
		log_msg(LOG_LEVEL_ERROR, "instance %s: file size limit reached", inst->id);
		break;
	case RUN_STATUS_BROKER_VIOLATION:
		log_msg(LOG_LEVEL_ERROR, "instance %s: killed for a malformed broker request",
			inst->id);
		break;
	case RUN_STATUS_SIGNALED:
		log_msg(LOG_LEVEL_INFO, "instance %s: killed by signal %d (SIG%s)", inst->id, sig,
			sigabbrev_np(sig));
		break;
	case RUN_STATUS_OK:
	case RUN_STATUS_EXIT_NONZERO:
	case RUN_STATUS_POLICY_ERROR:
	case RUN_STATUS_PIDS_LIMIT:
	case _RUN_STATUS_MAX:
		break;
	}
}

static void kill_and_reap(struct instance *inst)
{
	syscall(SYS_pidfd_send_signal, inst->pidfd, SIGKILL, NULL, 0);
	while (waitpid(inst->pid, NULL, __WALL) < 0 && errno == EINTR)
		;
}

struct run_ctx {
	const struct launch_opts *opts;
	struct policy *policy;
	struct policy_bpf bpf;
	char **envp;
	int landlock_abi;
	char instance_id[33];
	struct limits_runtime limits;
	struct captable *caps;		/* NULL without a broker */
	struct broker_instance *broker; /* the instance's broker, once spawned */
	struct region_set *regions;	/* NULL without regions */
	struct execlog *exec_log;	/* NULL without --exec-log */
};

_Static_assert(POLICY_REGION_FD_BASE == CHILD_REGION_FD_BASE, "one region descriptor layout");

/* Capabilities one supervisor holds for all its instances. */
#define RUN_MAX_CAPABILITIES 4096

static int serve_broker(void *ctx)
{
	int r = broker_instance_on_readable(ctx);

	if (r < 0)
		return r;
	return r == BROKER_CLOSED ? 1 : 0;
}

/* vmsb, installed next to vmsandbox, is made visible read-only inside. */
static int add_guest_tool(struct policy *p)
{
	char exe[PATH_MAX], tool[PATH_MAX + 8];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return -errno;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	snprintf(tool, sizeof(tool), "%s/vmsb", exe);
	if (access(tool, X_OK) < 0) {
		log_msg(LOG_LEVEL_WARN, "'%s' not found: no vmsb inside the instance, ignoring",
			tool);
		return 0;
	}
	return policy_add_mount(p, POLICY_MOUNT_BIND_RO, tool, "/run/vmsandbox/vmsb", 0);
}

/* With any broker effect allowed or a region declared: a capability table,
 * the regions, fd 3's name in the environment and vmsb in the view.
 * Without, nothing: no socket at all. */
static int prepare_broker(struct run_ctx *c, struct err_ctx *err)
{
	int r;

	if (!policy_has_broker(c->policy))
		return 0;
	r = captable_new(RUN_MAX_CAPABILITIES, &c->caps, err);
	if (r < 0)
		return r;
	if (c->policy->broker.n_regions) {
		r = region_set_new(&c->policy->broker, &c->regions, err);
		if (r < 0)
			return r;
	}
	r = env_add(&c->envp, "VMSANDBOX_BROKER_FD=3");
	if (r == 0)
		r = add_guest_tool(c->policy);
	if (r < 0)
		return err_set(err, -r, "cannot prepare the broker");
	return 0;
}

/* Hands the supervisor's end of the socket to the dispatch, which owns it from then on. */
static int start_broker(struct run_ctx *c, struct instance *inst, struct loop_options *lo,
			struct err_ctx *err)
{
	int r;

	if (inst->broker_fd < 0)
		return 0;
	r = broker_instance_new(c->policy, c->caps, 1, inst->id, inst->broker_fd, &c->broker, err);
	if (r < 0)
		return r;
	broker_instance_set_regions(c->broker, c->regions);
	broker_instance_set_exec_log(c->broker, c->exec_log);
	lo->broker_serve = serve_broker;
	lo->broker_ctx = c->broker;
	return 0;
}

/* --exec-log: opened before anything runs, so a bad path fails fast. */
static int open_exec_log(struct run_ctx *c, struct err_ctx *err)
{
	if (!c->opts->exec_log_path)
		return 0;
	return execlog_open(c->opts->exec_log_path, &c->exec_log, err);
}

static void log_start(struct run_ctx *c, const struct instance *inst)
{
	execlog_event(c->exec_log, inst->id, "start",
		      json_pack("{s:s,s:s,s:i}", "policy", c->policy->name, "program",
				c->opts->argv[0], "pid", (int)inst->pid));
}

static void log_exit(struct run_ctx *c, const struct instance *inst, int exit_code)
{
	execlog_event(c->exec_log, inst->id, "exit", json_pack("{s:i}", "exit_code", exit_code));
}

static void loop_options_for(struct run_ctx *c, struct loop_options *lo)
{
	const struct policy_limits *lim = &c->policy->limits;
	bool report_on_stdout = c->opts->report_path && strcmp(c->opts->report_path, "-") == 0;

	*lo = (struct loop_options){
		.wall_ms = lim->wall_ms,
		.grace_ms = lim->grace_ms,
		.output_limit = lim->output_bytes,
		.on_output_limit = lim->on_output_limit,
		/* With the report on stdout, the program's stdout moves to stderr
		 * so the report stays parseable. */
		.stdout_dest = report_on_stdout ? STDERR_FILENO : STDOUT_FILENO,
		.stderr_dest = STDERR_FILENO,
	};
	if (c->limits.plan.cpu_poll_ms) {
		lo->cpu_ms = lim->cpu_ms;
		lo->cpu_poll_ms = c->limits.plan.cpu_poll_ms;
		lo->cpu_sampler = limits_cpu_sample;
		lo->cpu_ctx = &c->limits;
	}
}

static void finish_report(struct run_ctx *c, const struct instance *inst, struct run_observed *obs)
{
	json_t *limits = NULL, *usage = NULL;

	json_t *broker = c->broker ? broker_instance_report(c->broker) : NULL;

	limits_finish(&c->limits, &obs->rusage, obs, &limits, &usage);
	if (inst->pid > 0)
		explain_outcome(inst, obs);
	struct report_input in = {
		.policy = c->policy,
		.inst = inst,
		.obs = obs,
		.landlock_abi = c->landlock_abi,
		.seccomp_filters = c->bpf.n_filters,
		.limits = limits,
		.usage = usage,
		.broker = broker,
	};
	write_report_or_warn(c->opts->report_path, &in);
	json_decref(limits);
	json_decref(usage);
	json_decref(broker);
}

static int run_instance(struct run_ctx *c)
{
	struct spawn_request req = {
		.instance_id = c->instance_id,
		.policy = c->policy,
		.bpf = &c->bpf,
		.argv = c->opts->argv,
		.envp = c->envp,
		.landlock_abi = c->landlock_abi,
		.rlimits = c->limits.plan.rlimits,
		.n_rlimits = c->limits.plan.n_rlimits,
		.cgroup_fd = cgroup_instance_v2_fd(c->limits.cg),
		.attach = limits_attach,
		.attach_ctx = &c->limits,
	};
	int region_fds[POLICY_MAX_REGIONS];
	struct loop_options lo;
	struct run_observed obs = {0};
	struct instance inst;
	struct err_ctx err = {0};
	size_t i;
	int r;

	for (i = 0; i < region_set_count(c->regions) && i < POLICY_MAX_REGIONS; i++)
		region_fds[i] = region_set_child_fd(c->regions, i);
	req.region_fds = region_fds;
	req.n_region_fds = i;
	loop_options_for(c, &lo);
	r = instance_spawn(&req, &inst, &err);
	if (r < 0) {
		const char *hint = host_namespace_hint(err.code);

		log_errno(LOG_LEVEL_ERROR, err.code, "%s", err.msg);
		if (hint)
			log_msg(LOG_LEVEL_ERROR, "%s", hint);
		/* Nothing ran, but the caller still gets its report. */
		obs.have_report = true;
		obs.report.stage = CHILD_STAGE_SYNC;
		obs.report.err = err.code;
		snprintf(obs.report.msg, sizeof(obs.report.msg), "%s", err.msg);
		finish_report(c, &inst, &obs);
		return VMSB_EXIT_SETUP;
	}
	r = start_broker(c, &inst, &lo, &err);
	if (r < 0) {
		log_errno(LOG_LEVEL_ERROR, err.code, "instance %s: %s", inst.id, err.msg);
		kill_and_reap(&inst);
		instance_close(&inst);
		return VMSB_EXIT_SETUP;
	}
	region_set_close_child_fds(c->regions); /* the instance has its own now */
	if (c->broker)
		inst.broker_fd = broker_instance_fd(c->broker); /* polled here, owned there */
	log_start(c, &inst);
	r = loop_run(&inst, &lo, &obs, &err);
	if (c->broker)
		inst.broker_fd = -1;
	if (r < 0) {
		log_errno(LOG_LEVEL_ERROR, err.code, "instance %s: %s", inst.id, err.msg);
		kill_and_reap(&inst);
		instance_close(&inst);
		return VMSB_EXIT_SETUP;
	}
	finish_report(c, &inst, &obs);
	instance_close(&inst);
	r = outcome_exit_code(&obs);
	log_exit(c, &inst, r);
	return r;
}

int run_command(const struct launch_opts *opts)
{
	struct run_ctx c = {.opts = opts};
	struct err_ctx err = {0};
	int r;

	signal(SIGPIPE, SIG_IGN);
	r = load_policy(opts, &c.policy, &err);
	if (r < 0)
		return fail_policy(opts, &err);
	r = policy_bpf_compile(c.policy, &c.bpf, &err);
	if (r < 0) {
		policy_free(c.policy);
		return fail_policy(opts, &err);
	}
	r = env_build(&c.policy->env, environ, &c.envp);
	if (r < 0) {
		log_errno(LOG_LEVEL_ERROR, r, "cannot build the environment");
		r = VMSB_EXIT_SETUP;
	} else if (instance_make_id(c.instance_id) < 0 || open_exec_log(&c, &err) < 0 ||
		   prepare_broker(&c, &err) < 0 ||
		   limits_prepare(&c.policy->limits, c.instance_id, &c.limits, &err) < 0) {
		log_msg(LOG_LEVEL_ERROR, "%s", err.msg[0] ? err.msg : "cannot draw an instance id");
		r = VMSB_EXIT_SETUP;
	} else {
		c.landlock_abi = c.policy->landlock ? host_landlock_abi() : 0;
		r = run_instance(&c);
	}
	limits_release(&c.limits);
	broker_instance_free(c.broker);
	region_set_free(c.regions);
	execlog_close(c.exec_log);
	captable_free(c.caps);
	env_free(c.envp);
	policy_bpf_release(&c.bpf);
	policy_free(c.policy);
	return r;
}

int check_command(const struct launch_opts *opts)
{
	_cleanup_policy_ struct policy *p = NULL;
	struct err_ctx err = {0};
	struct policy_bpf bpf = {0};
	int r;

	r = policy_load_file(opts->argv[0], &p, &err);
	if (r == 0)
		r = policy_bpf_compile(p, &bpf, &err);
	if (r < 0) {
		log_msg(LOG_LEVEL_ERROR, "%s", err.msg);
		return VMSB_EXIT_SETUP;
	}
	policy_bpf_release(&bpf);
	if (opts->print) {
		_cleanup_free_ char *text = NULL;

		if (policy_dump(p, &text) < 0) {
			log_msg(LOG_LEVEL_ERROR, "cannot print the policy");
			return VMSB_EXIT_SETUP;
		}
		fputs(text, stdout);
		fputc('\n', stdout);
	} else {
		log_msg(LOG_LEVEL_INFO, "%s: valid", opts->argv[0]);
	}
	return 0;
}
