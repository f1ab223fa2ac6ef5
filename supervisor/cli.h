/* SPDX-License-Identifier: MIT */
#ifndef VMSB_SUPERVISOR_CLI_H
#define VMSB_SUPERVISOR_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "policy/policy.h"

enum cli_command {
	CLI_COMMAND_NONE,
	CLI_COMMAND_RUN,
	CLI_COMMAND_CHECK,
	CLI_COMMAND_HELP,
	CLI_COMMAND_VERSION,
	_CLI_COMMAND_MAX,
};

/* One --ro-bind/--bind/--tmpfs, in command-line order. */
struct cli_mount {
	enum policy_mount_kind kind;
	const char *source; /* points into argv or owned copy, see cli_free */
	const char *dest;
	uint64_t size;
};

struct cli_env {
	const char *name;
	const char *value; /* NULL: pass from the caller's environment */
};

/*
 * argv turned into data. Strings point into argv unless noted; cli_free()
 * releases what cli_parse allocated.
 */
struct launch_opts {
	enum cli_command command;
	const char *policy_path;   /* NULL: the embedded default */
	const char *report_path;   /* NULL: none; "-": stdout */
	const char *store_path;	   /* NULL: the policy's; relative to the current directory */
	const char *exec_log_path; /* NULL: none */
	const char *cwd;
	const char *hostname;
	bool net_set;
	enum policy_net net;
	int verbosity; /* -1 quiet, 0 default, 1+ verbose */
	bool print;    /* check --print */

	struct cli_mount *mounts;
	size_t n_mounts;
	struct cli_env *env;
	size_t n_env;

	/* limits (0 = not given on the command line) */
	uint64_t time_limit_ms, cpu_limit_ms, memory_limit, pids_limit, output_limit;
	uint64_t file_size_limit, open_files_limit;
	bool require_cgroup;

	char *const *argv; /* run: PROGRAM [ARG...]; check: FILE in argv[0] */
	int argc;
};

/* Never exits or prints: returns -errno with a message in reterr. */
int cli_parse(int argc, char **argv, struct launch_opts *ret, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/* Applies the command-line overrides to a loaded policy (flags win). */
int cli_apply(const struct launch_opts *opts, struct policy *p, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

void cli_free(struct launch_opts *opts);

/* The text of `vmsandbox --help`. */
const char *cli_usage(void);

#endif
