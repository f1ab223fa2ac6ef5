/* SPDX-License-Identifier: MIT */
#include "supervisor/report.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child/report.h"
#include "common/cleanup.h"

static json_t *policy_section(const struct policy *p)
{
	char hex[65];

	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", p->sha256[i]);
	return json_pack("{s:s, s:s, s:s}", "name", p->name ? p->name : "", "origin",
			 p->origin ? p->origin : "", "sha256", hex);
}

static json_t *namespaces_section(const struct policy *p)
{
	json_t *a = json_array();

	json_array_append_new(a, json_string("user"));
	json_array_append_new(a, json_string("pid"));
	json_array_append_new(a, json_string("mount"));
	if (p->net != POLICY_NET_HOST)
		json_array_append_new(a, json_string("net"));
	if (p->ns.ipc)
		json_array_append_new(a, json_string("ipc"));
	if (p->ns.uts)
		json_array_append_new(a, json_string("uts"));
	if (p->ns.cgroup)
		json_array_append_new(a, json_string("cgroup"));
	return a;
}

static json_t *caps_list(uint64_t keep)
{
	json_t *a = json_array();

	for (int c = 0; c < 64; c++) {
		if (!(keep & (1ULL << c)))
			continue;
		char *name = cap_to_name((cap_value_t)c);

		json_array_append_new(a, json_string(name ? name : "?"));
		cap_free(name);
	}
	return a;
}

static json_t *mechanisms_section(const struct report_input *in)
{
	const struct policy *p = in->policy;
	const struct instance *inst = in->inst;

	return json_pack(
		"{s:{s:i, s:s}, s:{s:i, s:b}, s:b, s:o, s:{s:i, s:i, s:I, s:I}, s:s}", "seccomp",
		"filters", (int)in->seccomp_filters, "default_action",
		policy_action_name(p->syscalls.default_action), "landlock", "abi", in->landlock_abi,
		"applied", in->landlock_abi > 0 && p->landlock, "no_new_privs", 1, "capabilities",
		caps_list(p->caps_keep), "user", "uid", (int)p->user.uid, "gid", (int)p->user.gid,
		"host_uid", (json_int_t)(inst ? inst->host_uid : 0), "host_gid",
		(json_int_t)(inst ? inst->host_gid : 0), "network", policy_net_name(p->net));
}

static json_t *error_section(const struct report_input *in)
{
	const struct child_report *rec = &in->obs->report;

	return json_pack("{s:s, s:i, s:s}", "stage", child_stage_name(rec->stage), "errno",
			 rec->err, "message", rec->msg);
}

static void add_outcome(json_t *r, const struct run_observed *obs)
{
	enum run_status status = outcome_status(obs);
	int sig = outcome_signal(obs);
	int st = obs->have_payload_status ? obs->payload_status : obs->init_status;
	bool exited = !obs->have_report && WIFEXITED(st) && obs->killed_by == RUN_KILL_NONE;

	json_object_set_new(r, "status", json_string(outcome_status_name(status)));
	json_object_set_new(r, "exit_code", json_integer(outcome_exit_code(obs)));
	json_object_set_new(r, "program_exit_code",
			    exited ? json_integer(WEXITSTATUS(st)) : json_null());
	json_object_set_new(r, "signal", sig ? json_integer(sig) : json_null());
	json_object_set_new(r, "signal_name",
			    sig ? json_sprintf("SIG%s", sigabbrev_np(sig)) : json_null());
	json_object_set_new(r, "wall_time_ms", json_integer((json_int_t)obs->wall_ms));
	json_object_set_new(r, "output_bytes", json_integer((json_int_t)obs->output_bytes));
	json_object_set_new(r, "output_forwarded_bytes",
			    json_integer((json_int_t)obs->output_forwarded));
}

json_t *report_build(const struct report_input *in)
{
	json_t *r = json_object();

	json_object_set_new(r, "instance_id", json_string(in->inst ? in->inst->id : ""));
	if (in->policy_error) {
		json_object_set_new(r, "status", json_string("policy_error"));
		json_object_set_new(r, "exit_code", json_integer(125));
		json_object_set_new(r, "error",
				    json_pack("{s:s, s:i, s:s}", "stage", "policy", "errno", EINVAL,
					      "message", in->policy_error));
		return r;
	}
	if (in->obs)
		add_outcome(r, in->obs);
	if (in->usage)
		json_object_update(r, in->usage);
	json_object_set_new(r, "policy", policy_section(in->policy));
	json_object_set_new(r, "namespaces", namespaces_section(in->policy));
	json_object_set_new(r, "mechanisms", mechanisms_section(in));
	if (in->limits)
		json_object_set(r, "limits", in->limits);
	if (in->broker)
		json_object_set(r, "broker", in->broker);
	if (in->obs && in->obs->have_report)
		json_object_set_new(r, "error", error_section(in));
	return r;
}

int report_write(const char *path, json_t *report, struct err_ctx *reterr)
{
	_cleanup_free_ char *text = json_dumps(report, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	_cleanup_close_ int fd = -1;
	int out;
	size_t len;

	if (!text)
		return err_set(reterr, ENOMEM, "cannot format the report");
	if (strcmp(path, "-") == 0) {
		out = STDOUT_FILENO;
	} else {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0)
			return err_set(reterr, errno, "cannot open report file '%s'", path);
		out = fd;
	}
	len = strlen(text);
	text[len] = '\n'; /* json_dumps leaves room for the NUL we overwrite */
	if (write(out, text, len + 1) != (ssize_t)(len + 1))
		return err_set(reterr, errno, "cannot write report file '%s'", path);
	return 0;
}
