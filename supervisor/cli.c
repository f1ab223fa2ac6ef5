/* SPDX-License-Identifier: MIT */
#include "supervisor/cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"

/*
 * Hard caps on what one command line may add. policy_validate() has its own
 * limits on the merged policy; these only keep the parser's arrays bounded.
 */
#define CLI_MAX_MOUNTS 256
#define CLI_MAX_ENV 256
#define CLI_MAX_HOSTNAME 64
#define CLI_MAX_VERBOSITY 8

enum {
	OPT_REPORT = 0x100, /* above every char, so short and long-only values never clash */
	OPT_RO_BIND,
	OPT_BIND,
	OPT_TMPFS,
	OPT_CWD,
	OPT_ENV,
	OPT_NET,
	OPT_HOSTNAME,
	OPT_TIME_LIMIT,
	OPT_CPU_LIMIT,
	OPT_MEMORY_LIMIT,
	OPT_PIDS_LIMIT,
	OPT_OUTPUT_LIMIT,
	OPT_FILE_SIZE_LIMIT,
	OPT_OPEN_FILES_LIMIT,
	OPT_REQUIRE,
	OPT_PRINT,
	OPT_STORE,
	OPT_EXEC_LOG,
};

/* Leading '+': stop at PROGRAM so its own options pass through untouched.
 * Then ':': report a missing argument as ':' rather than '?'. */
static const char run_shortopts[] = "+:p:qvh";
static const char check_shortopts[] = "+:h";

static const struct option run_longopts[] = {
	{"policy", required_argument, NULL, 'p'},
	{"report", required_argument, NULL, OPT_REPORT},
	{"store", required_argument, NULL, OPT_STORE},
	{"exec-log", required_argument, NULL, OPT_EXEC_LOG},
	{"ro-bind", required_argument, NULL, OPT_RO_BIND},
	{"bind", required_argument, NULL, OPT_BIND},
	{"tmpfs", required_argument, NULL, OPT_TMPFS},
	{"cwd", required_argument, NULL, OPT_CWD},
	{"env", required_argument, NULL, OPT_ENV},
	{"net", required_argument, NULL, OPT_NET},
	{"hostname", required_argument, NULL, OPT_HOSTNAME},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"time-limit", required_argument, NULL, OPT_TIME_LIMIT},
	{"cpu-limit", required_argument, NULL, OPT_CPU_LIMIT},
	{"memory-limit", required_argument, NULL, OPT_MEMORY_LIMIT},
	{"pids-limit", required_argument, NULL, OPT_PIDS_LIMIT},
	{"output-limit", required_argument, NULL, OPT_OUTPUT_LIMIT},
	{"file-size-limit", required_argument, NULL, OPT_FILE_SIZE_LIMIT},
	{"open-files-limit", required_argument, NULL, OPT_OPEN_FILES_LIMIT},
	{"require", required_argument, NULL, OPT_REQUIRE},
	{NULL, 0, NULL, 0},
};

static const struct option check_longopts[] = {
	{"print", no_argument, NULL, OPT_PRINT},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

enum limit_unit {
	LIMIT_UNIT_DURATION,
	LIMIT_UNIT_SIZE,
	LIMIT_UNIT_COUNT,
	_LIMIT_UNIT_MAX,
};

/* The limit flags are all "parse a number into one launch_opts field". */
static const struct limit_flag {
	int val;
	enum limit_unit unit;
	size_t offset;
} limit_flags[] = {
	{OPT_TIME_LIMIT, LIMIT_UNIT_DURATION, offsetof(struct launch_opts, time_limit_ms)},
	{OPT_CPU_LIMIT, LIMIT_UNIT_DURATION, offsetof(struct launch_opts, cpu_limit_ms)},
	{OPT_MEMORY_LIMIT, LIMIT_UNIT_SIZE, offsetof(struct launch_opts, memory_limit)},
	{OPT_PIDS_LIMIT, LIMIT_UNIT_COUNT, offsetof(struct launch_opts, pids_limit)},
	{OPT_OUTPUT_LIMIT, LIMIT_UNIT_SIZE, offsetof(struct launch_opts, output_limit)},
	{OPT_FILE_SIZE_LIMIT, LIMIT_UNIT_SIZE, offsetof(struct launch_opts, file_size_limit)},
	{OPT_OPEN_FILES_LIMIT, LIMIT_UNIT_COUNT, offsetof(struct launch_opts, open_files_limit)},
};

static const char usage_text[] =
	"Usage: vmsandbox run [OPTIONS] [--] PROGRAM [ARG...]\n"
	"       vmsandbox check [--print] FILE\n"
	"       vmsandbox --help | --version\n"
	"\n"
	"Runs PROGRAM in an isolated instance: its own user, pid, mount, net, ipc, uts and\n"
	"cgroup namespaces, a minimal filesystem view, no capabilities and a seccomp filter,\n"
	"all described by a JSON policy. Flags override the policy file, which overrides the\n"
	"embedded strict default.\n"
	"\n"
	"Run options:\n"
	"  -p, --policy FILE          JSON policy (default: the embedded strict default)\n"
	"      --report FILE          write the JSON report to FILE ('-' = stdout)\n"
	"      --store PATH           register store (SQLite) for the broker's registers\n"
	"      --exec-log FILE        append the execution log (JSON lines) to FILE\n"
	"      --ro-bind SRC[:DST]    add a read-only bind mount (DST defaults to SRC)\n"
	"      --bind SRC[:DST]       add a read-write bind mount (DST defaults to SRC)\n"
	"      --tmpfs DST[:SIZE]     add a private tmpfs at DST\n"
	"      --cwd DIR              working directory inside the instance\n"
	"      --env NAME[=VALUE]     pass NAME from the caller's environment, or set it\n"
	"      --net MODE             network: none, loopback or host\n"
	"      --hostname NAME        host name inside the instance\n"
	"  -q, --quiet                print errors only\n"
	"  -v, --verbose              print more (repeat for debug output)\n"
	"  -h, --help                 show this help and exit\n"
	"\n"
	"Limits (override the policy's limits; DUR: 250ms, 30s, 2m; SIZE: 512K, 64M, 1G):\n"
	"      --time-limit DUR       wall-clock time\n"
	"      --cpu-limit DUR        CPU time summed over every process of the instance\n"
	"      --memory-limit SIZE    memory of the whole instance\n"
	"      --pids-limit N         number of processes and threads\n"
	"      --output-limit SIZE    bytes written to stdout and stderr together\n"
	"      --file-size-limit SIZE largest file the instance may write\n"
	"      --open-files-limit N   open file descriptors per process\n"
	"      --require cgroup       fail instead of falling back to rlimits\n"
	"\n"
	"Check options:\n"
	"      --print                print the effective policy as JSON\n"
	"\n"
	"Other commands:\n"
	"      --version              print the version and exit\n"
	"      help                   same as --help\n"
	"\n"
	"Exit status: the program's, 128+N signal N, 124 time limit, 125 policy or setup error,\n"
	"126 not executable, 127 not found.\n"
	"See vmsandbox(1) and vmsandbox-policy(5).\n";

/*
 * err_set() for messages that quote argv: control characters become '?'
 * so that an argument cannot rewrite the caller's terminal or split the
 * one-line message into several.
 */
__attribute__((format(printf, 3, 4))) static int cli_fail(struct err_ctx *reterr, int code,
							  const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = err_setv(reterr, code, fmt, ap);
	va_end(ap);
	if (reterr)
		for (char *p = reterr->msg; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
	return r;
}

const char *cli_usage(void)
{
	return usage_text;
}

static const struct option *longopt_by_val(const struct option *table, int val)
{
	for (; table->name; table++)
		if (table->val == val)
			return table;
	return NULL;
}

static const struct option *longopt_by_name(const struct option *table, const char *name,
					    size_t len)
{
	for (; table->name; table++)
		if (strlen(table->name) == len && strncmp(table->name, name, len) == 0)
			return table;
	return NULL;
}

/* The canonical spelling used in every message, whatever the user typed. */
static const char *flag_name(const struct option *table, int val)
{
	const struct option *o = longopt_by_val(table, val);

	return o ? o->name : "?";
}

/*
 * getopt_long returned '?': an unknown short or long option, or a long
 * option without argument that was given one ("--quiet=1").
 */
static int unknown_option(const struct option *table, const char *text, int opt,
			  struct err_ctx *reterr)
{
	if (text && strncmp(text, "--", 2) == 0) {
		size_t len = strcspn(text + 2, "=");
		const struct option *o = longopt_by_name(table, text + 2, len);

		if (o && text[2 + len] == '=' && o->has_arg == no_argument)
			return cli_fail(reterr, EINVAL, "option '--%s' does not take an argument",
					o->name);
		return cli_fail(reterr, EINVAL, "unknown option '%.*s'", (int)(len + 2), text);
	}
	if (opt > 0 && opt < 0x100 && isprint(opt))
		return cli_fail(reterr, EINVAL, "unknown option '-%c'", opt);
	return cli_fail(reterr, EINVAL, "unknown option '%s'", text ? text : "");
}

/*
 * getopt_long accepts any unique prefix of a long option. We do not: a
 * prefix that is unique today may silently change meaning when an option
 * is added, and wrappers in CI scripts should break loudly instead.
 */
static int check_not_abbreviated(const struct option *o, const char *text, struct err_ctx *reterr)
{
	size_t len;

	if (!text || strncmp(text, "--", 2) != 0)
		return 0; /* short form */
	len = strcspn(text + 2, "=");
	if (len == strlen(o->name) && strncmp(text + 2, o->name, len) == 0)
		return 0;
	return cli_fail(reterr, EINVAL, "unknown option '%.*s' (did you mean '--%s'?)",
			(int)(len + 2), text, o->name);
}

/*
 * One getopt_long step with every error turned into a message. Returns the
 * option value, -1 at the end of the options, or -errno.
 */
static int next_option(int argc, char **argv, const char *shortopts, const struct option *table,
		       struct err_ctx *reterr)
{
	/* optind == 0 means "reinitialise"; argv[1] is then the first option. */
	int at = optind > 0 ? optind : 1;
	const char *text = at < argc ? argv[at] : NULL;
	int idx = -1;
	int c = getopt_long(argc, argv, shortopts, table, &idx);

	switch (c) {
	case -1:
		return -1;
	case '?':
		return unknown_option(table, text, optopt, reterr);
	case ':':
		if (optopt > 0 && optopt < 0x100 && !longopt_by_val(table, optopt))
			return cli_fail(reterr, EINVAL, "option '-%c' requires an argument",
					optopt);
		return cli_fail(reterr, EINVAL, "option '--%s' requires an argument",
				flag_name(table, optopt));
	default:
		break;
	}
	if (idx >= 0) {
		int r = check_not_abbreviated(&table[idx], text, reterr);

		if (r < 0)
			return r;
	}
	return c;
}

static int check_path(const char *flag, const char *what, const char *path, struct err_ctx *reterr)
{
	const char *p;

	if (path[0] != '/')
		return cli_fail(reterr, EINVAL, "--%s: %s '%s' must be an absolute path", flag,
				what, path);
	if (strlen(path) >= PATH_MAX)
		return cli_fail(reterr, ENAMETOOLONG, "--%s: %s is longer than %d bytes", flag,
				what, PATH_MAX - 1);
	/* ".." is rejected as a component, not as a substring: "/a..b" is a fine name. */
	for (p = path; (p = strstr(p, "..")); p += 2)
		if (p[-1] == '/' && (p[2] == '/' || p[2] == '\0'))
			return cli_fail(reterr, EINVAL, "--%s: %s '%s' must not contain '..'", flag,
					what, path);
	return 0;
}

static int push_mount(struct launch_opts *o, enum policy_mount_kind kind, char *source, char *dest,
		      uint64_t size, struct err_ctx *reterr)
{
	struct cli_mount *m;

	if (o->n_mounts >= CLI_MAX_MOUNTS)
		return cli_fail(reterr, E2BIG, "too many mount options (at most %d)",
				CLI_MAX_MOUNTS);
	m = reallocarray(o->mounts, o->n_mounts + 1, sizeof(*m));
	if (!m)
		return cli_fail(reterr, ENOMEM, "out of memory");
	o->mounts = m;
	o->mounts[o->n_mounts++] = (struct cli_mount){
		.kind = kind,
		.source = source,
		.dest = dest,
		.size = size,
	};
	return 0;
}

/* --ro-bind / --bind SRC[:DST]: split on the first ':', DST defaults to SRC. */
static int parse_bind(struct launch_opts *o, enum policy_mount_kind kind, const char *flag,
		      const char *arg, struct err_ctx *reterr)
{
	_cleanup_free_ char *src = NULL;
	_cleanup_free_ char *dst = NULL;
	const char *colon = strchr(arg, ':');
	int r;

	src = colon ? strndup(arg, colon - arg) : strdup(arg);
	dst = strdup(colon ? colon + 1 : arg);
	if (!src || !dst)
		return cli_fail(reterr, ENOMEM, "out of memory");
	r = check_path(flag, "source", src, reterr);
	if (r < 0)
		return r;
	r = check_path(flag, "destination", dst, reterr);
	if (r < 0)
		return r;
	r = push_mount(o, kind, src, dst, 0, reterr);
	if (r < 0)
		return r;
	src = dst = NULL; /* owned by o->mounts now */
	return 0;
}

/* --tmpfs DST[:SIZE]: without SIZE the policy's limits.tmpfs_size applies. */
static int parse_tmpfs(struct launch_opts *o, const char *arg, struct err_ctx *reterr)
{
	_cleanup_free_ char *dst = NULL;
	const char *colon = strchr(arg, ':');
	uint64_t size = 0;
	int r;

	dst = colon ? strndup(arg, colon - arg) : strdup(arg);
	if (!dst)
		return cli_fail(reterr, ENOMEM, "out of memory");
	r = check_path("tmpfs", "destination", dst, reterr);
	if (r < 0)
		return r;
	if (colon && (policy_parse_size(colon + 1, &size) < 0 || size == 0))
		return cli_fail(reterr, EINVAL, "--tmpfs: invalid size '%s'", colon + 1);
	r = push_mount(o, POLICY_MOUNT_TMPFS, NULL, dst, size, reterr);
	if (r < 0)
		return r;
	dst = NULL;
	return 0;
}

/* Portable names only: anything else is more likely a mistake than a need. */
static bool env_name_valid(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || isdigit((unsigned char)name[0]))
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_')
			return false;
	return true;
}

/* --env NAME (keep) or NAME=VALUE (set). The name is copied, the value points into argv. */
static int parse_env(struct launch_opts *o, const char *arg, struct err_ctx *reterr)
{
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	struct cli_env *e;
	char *name;

	if (!env_name_valid(arg, len))
		return cli_fail(reterr, EINVAL, "--env: invalid variable name '%.*s'", (int)len,
				arg);
	if (o->n_env >= CLI_MAX_ENV)
		return cli_fail(reterr, E2BIG, "too many --env options (at most %d)", CLI_MAX_ENV);
	e = reallocarray(o->env, o->n_env + 1, sizeof(*e));
	if (!e)
		return cli_fail(reterr, ENOMEM, "out of memory");
	o->env = e;
	name = strndup(arg, len);
	if (!name)
		return cli_fail(reterr, ENOMEM, "out of memory");
	o->env[o->n_env++] = (struct cli_env){.name = name, .value = eq ? eq + 1 : NULL};
	return 0;
}

/*
 * Digits only: strtoull would accept "-1", " 7" and "0x10". Capped at
 * INT64_MAX like the policy's own numbers, so the value survives JSON.
 */
static int parse_count(const char *text, uint64_t *ret)
{
	uint64_t v = 0;
	const char *p;

	if (!*text)
		return -EINVAL;
	for (p = text; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		if (v > ((uint64_t)INT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*ret = v;
	return 0;
}

static int parse_limit(struct launch_opts *o, const struct limit_flag *lf, const char *arg,
		       struct err_ctx *reterr)
{
	const char *name = flag_name(run_longopts, lf->val);
	uint64_t v = 0;
	const char *what;
	int r;

	switch (lf->unit) {
	case LIMIT_UNIT_DURATION:
		what = "duration";
		r = policy_parse_duration(arg, &v);
		break;
	case LIMIT_UNIT_SIZE:
		what = "size";
		r = policy_parse_size(arg, &v);
		break;
	case LIMIT_UNIT_COUNT:
	case _LIMIT_UNIT_MAX:
	default:
		what = "number";
		r = parse_count(arg, &v);
		break;
	}
	if (r < 0)
		return cli_fail(reterr, EINVAL, "--%s: invalid %s '%s'", name, what, arg);
	/* 0 means "not given" in launch_opts; lifting a limit is the policy's job. */
	if (v == 0)
		return cli_fail(reterr, EINVAL, "--%s: must be greater than zero, got '%s'", name,
				arg);
	*(uint64_t *)((char *)o + lf->offset) = v;
	return 0;
}

static int parse_net(struct launch_opts *o, const char *arg, struct err_ctx *reterr)
{
	static const struct {
		const char *name;
		enum policy_net net;
	} modes[] = {
		{"none", POLICY_NET_NONE},
		{"loopback", POLICY_NET_LOOPBACK},
		{"host", POLICY_NET_HOST},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		if (strcmp(arg, modes[i].name) == 0) {
			o->net = modes[i].net;
			o->net_set = true;
			return 0;
		}
	}
	return cli_fail(reterr, EINVAL, "--net: expected none, loopback or host, got '%s'", arg);
}

/* RFC 1123 label characters and dots, as the policy's "hostname" key. */
static int parse_hostname(struct launch_opts *o, const char *arg, struct err_ctx *reterr)
{
	size_t i, len = strlen(arg);

	if (len == 0 || len > CLI_MAX_HOSTNAME)
		return cli_fail(reterr, EINVAL, "--hostname: must be 1 to %d characters, got '%s'",
				CLI_MAX_HOSTNAME, arg);
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)arg[i]) && arg[i] != '-' && arg[i] != '.')
			return cli_fail(reterr, EINVAL, "--hostname: invalid character in '%s'",
					arg);
	o->hostname = arg;
	return 0;
}

/* A second --policy or --report is a mistake (policies do not stack), not an override. */
static int set_once(const char **field, const char *flag, const char *arg, struct err_ctx *reterr)
{
	if (*field)
		return cli_fail(reterr, EINVAL, "--%s: given more than once ('%s' and '%s')", flag,
				*field, arg);
	if (!*arg)
		return cli_fail(reterr, EINVAL, "--%s: empty file name", flag);
	*field = arg;
	return 0;
}

static int parse_scalar_option(struct launch_opts *o, int c, const char *arg,
			       struct err_ctx *reterr)
{
	int r;

	switch (c) {
	case 'p':
		return set_once(&o->policy_path, "policy", arg, reterr);
	case OPT_REPORT:
		return set_once(&o->report_path, "report", arg, reterr);
	case OPT_STORE:
		return set_once(&o->store_path, "store", arg, reterr);
	case OPT_EXEC_LOG:
		return set_once(&o->exec_log_path, "exec-log", arg, reterr);
	case OPT_CWD:
		r = check_path("cwd", "directory", arg, reterr);
		if (r >= 0)
			o->cwd = arg;
		return r;
	case OPT_NET:
		return parse_net(o, arg, reterr);
	case OPT_HOSTNAME:
		return parse_hostname(o, arg, reterr);
	case OPT_REQUIRE:
		if (strcmp(arg, "cgroup") != 0)
			return cli_fail(reterr, EINVAL, "--require: expected cgroup, got '%s'",
					arg);
		o->require_cgroup = true;
		return 0;
	case 'q':
		o->verbosity = -1;
		return 0;
	case 'v':
		o->verbosity = o->verbosity < 0 ? 1 : o->verbosity + 1;
		if (o->verbosity > CLI_MAX_VERBOSITY)
			o->verbosity = CLI_MAX_VERBOSITY;
		return 0;
	default:
		return cli_fail(reterr, EINVAL, "internal error: unhandled option %d", c);
	}
}

static int parse_run_option(struct launch_opts *o, int c, const char *arg, struct err_ctx *reterr)
{
	size_t i;

	switch (c) {
	case OPT_RO_BIND:
		return parse_bind(o, POLICY_MOUNT_BIND_RO, "ro-bind", arg, reterr);
	case OPT_BIND:
		return parse_bind(o, POLICY_MOUNT_BIND_RW, "bind", arg, reterr);
	case OPT_TMPFS:
		return parse_tmpfs(o, arg, reterr);
	case OPT_ENV:
		return parse_env(o, arg, reterr);
	default:
		break;
	}
	for (i = 0; i < ARRAY_SIZE(limit_flags); i++)
		if (limit_flags[i].val == c)
			return parse_limit(o, &limit_flags[i], arg, reterr);
	return parse_scalar_option(o, c, arg, reterr);
}

/* argv[0] is "run". */
static int parse_run(int argc, char **argv, struct launch_opts *o, struct err_ctx *reterr)
{
	int c, r;

	o->command = CLI_COMMAND_RUN;
	optind = 0;
	opterr = 0;
	while ((c = next_option(argc, argv, run_shortopts, run_longopts, reterr)) != -1) {
		if (c < 0)
			return c;
		if (c == 'h') {
			o->command = CLI_COMMAND_HELP;
			return 0;
		}
		r = parse_run_option(o, c, optarg, reterr);
		if (r < 0)
			return r;
	}
	if (optind >= argc)
		return cli_fail(reterr, EINVAL, "run: missing PROGRAM");
	if (!argv[optind][0])
		return cli_fail(reterr, EINVAL, "run: empty PROGRAM");
	o->argv = &argv[optind];
	o->argc = argc - optind;
	return 0;
}

/* argv[0] is "check". */
static int parse_check(int argc, char **argv, struct launch_opts *o, struct err_ctx *reterr)
{
	int c;

	o->command = CLI_COMMAND_CHECK;
	optind = 0;
	opterr = 0;
	while ((c = next_option(argc, argv, check_shortopts, check_longopts, reterr)) != -1) {
		if (c < 0)
			return c;
		if (c == 'h') {
			o->command = CLI_COMMAND_HELP;
			return 0;
		}
		o->print = true; /* OPT_PRINT, the only other option */
	}
	if (optind >= argc)
		return cli_fail(reterr, EINVAL, "check: missing FILE");
	if (argc - optind > 1)
		return cli_fail(reterr, EINVAL, "check: unexpected argument '%s'",
				argv[optind + 1]);
	if (!argv[optind][0])
		return cli_fail(reterr, EINVAL, "check: empty FILE");
	o->argv = &argv[optind];
	o->argc = 1;
	return 0;
}

/* help, --help, --version: nothing may follow. */
static int parse_bare(int argc, char **argv, enum cli_command cmd, struct launch_opts *o,
		      struct err_ctx *reterr)
{
	if (argc > 2)
		return cli_fail(reterr, EINVAL, "%s: unexpected argument '%s'", argv[1], argv[2]);
	o->command = cmd;
	return 0;
}

int cli_parse(int argc, char **argv, struct launch_opts *ret, struct err_ctx *reterr)
{
	const char *cmd;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (argc < 2 || !argv || !argv[1])
		return cli_fail(reterr, EINVAL, "missing command (run, check or help)");
	cmd = argv[1];
	if (strcmp(cmd, "run") == 0)
		r = parse_run(argc - 1, argv + 1, ret, reterr);
	else if (strcmp(cmd, "check") == 0)
		r = parse_check(argc - 1, argv + 1, ret, reterr);
	else if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
		r = parse_bare(argc, argv, CLI_COMMAND_HELP, ret, reterr);
	else if (strcmp(cmd, "--version") == 0)
		r = parse_bare(argc, argv, CLI_COMMAND_VERSION, ret, reterr);
	else if (cmd[0] == '-')
		r = cli_fail(reterr, EINVAL, "unknown option '%.*s'", (int)strcspn(cmd, "="), cmd);
	else
		r = cli_fail(reterr, EINVAL, "unknown command '%s'", cmd);
	if (r < 0)
		cli_free(ret);
	return r;
}

void cli_free(struct launch_opts *opts)
{
	size_t i;

	if (!opts)
		return;
	for (i = 0; i < opts->n_mounts; i++) {
		free((char *)opts->mounts[i].source);
		free((char *)opts->mounts[i].dest);
	}
	free(opts->mounts);
	for (i = 0; i < opts->n_env; i++)
		free((char *)opts->env[i].name);
	free(opts->env);
	memset(opts, 0, sizeof(*opts));
}

/* ---- applying the flags to a loaded policy ---- */

static const char *mount_flag(enum policy_mount_kind kind)
{
	switch (kind) {
	case POLICY_MOUNT_BIND_RO:
		return "ro-bind";
	case POLICY_MOUNT_BIND_RW:
		return "bind";
	case POLICY_MOUNT_TMPFS:
		return "tmpfs";
	case POLICY_MOUNT_PROC:
	case POLICY_MOUNT_DEV:
	case POLICY_MOUNT_SYMLINK:
	case POLICY_MOUNT_DIR:
	case _POLICY_MOUNT_KIND_MAX:
	default:
		return "mount";
	}
}

/*
 * The child resolves the source again, through an fd; this early stat only
 * turns the common mistake into a message that names the flag.
 */
static int apply_mount(struct policy *p, const struct cli_mount *m, struct err_ctx *reterr)
{
	const char *flag = mount_flag(m->kind);
	struct stat st;
	int r;

	if ((m->kind == POLICY_MOUNT_BIND_RO || m->kind == POLICY_MOUNT_BIND_RW) &&
	    stat(m->source, &st) < 0) {
		int e = errno;

		if (e == ENOENT)
			return cli_fail(reterr, e, "--%s: source '%s' does not exist", flag,
					m->source);
		return cli_fail(reterr, e, "--%s: cannot access source '%s': %s", flag, m->source,
				strerror(e));
	}
	r = policy_add_mount(p, m->kind, m->source, m->dest, m->size);
	if (r < 0)
		return cli_fail(reterr, -r, "--%s: cannot add mount at '%s': %s", flag, m->dest,
				strerror(-r));
	return 0;
}

static int replace_string(char **field, const char *value, struct err_ctx *reterr)
{
	char *copy = strdup(value);

	if (!copy)
		return cli_fail(reterr, ENOMEM, "out of memory");
	free(*field);
	*field = copy;
	return 0;
}

static void env_drop_keep(struct policy_environment *env, const char *name)
{
	size_t i;

	for (i = 0; i < env->n_keep; i++) {
		if (strcmp(env->keep[i], name) == 0) {
			free(env->keep[i]);
			memmove(&env->keep[i], &env->keep[i + 1],
				(env->n_keep - i - 1) * sizeof(env->keep[0]));
			env->n_keep--;
			return;
		}
	}
}

static void env_drop_set(struct policy_environment *env, const char *name)
{
	size_t i;

	for (i = 0; i < env->n_set; i++) {
		if (strcmp(env->set[i].name, name) == 0) {
			free(env->set[i].name);
			free(env->set[i].value);
			memmove(&env->set[i], &env->set[i + 1],
				(env->n_set - i - 1) * sizeof(env->set[0]));
			env->n_set--;
			return;
		}
	}
}

/* --env NAME=VALUE: the flag's value wins over both the policy's set and keep. */
static int env_apply_set(struct policy_environment *env, const char *name, const char *value,
			 struct err_ctx *reterr)
{
	_cleanup_free_ char *n = NULL;
	_cleanup_free_ char *v = strdup(value);
	struct policy_env_set *s;
	size_t i;

	if (!v)
		return cli_fail(reterr, ENOMEM, "out of memory");
	env_drop_keep(env, name);
	for (i = 0; i < env->n_set; i++) {
		if (strcmp(env->set[i].name, name) == 0) {
			free(env->set[i].value);
			env->set[i].value = take_ptr(v);
			return 0;
		}
	}
	n = strdup(name);
	s = n ? reallocarray(env->set, env->n_set + 1, sizeof(*s)) : NULL;
	if (!s)
		return cli_fail(reterr, ENOMEM, "out of memory");
	env->set = s;
	env->set[env->n_set++] = (struct policy_env_set){.name = take_ptr(n), .value = take_ptr(v)};
	return 0;
}

/* --env NAME: the caller's value wins over a value the policy sets. */
static int env_apply_keep(struct policy_environment *env, const char *name, struct err_ctx *reterr)
{
	_cleanup_free_ char *n = NULL;
	char **k;
	size_t i;

	env_drop_set(env, name);
	for (i = 0; i < env->n_keep; i++)
		if (strcmp(env->keep[i], name) == 0)
			return 0;
	n = strdup(name);
	k = n ? reallocarray(env->keep, env->n_keep + 1, sizeof(*k)) : NULL;
	if (!k)
		return cli_fail(reterr, ENOMEM, "out of memory");
	env->keep = k;
	env->keep[env->n_keep++] = take_ptr(n);
	return 0;
}

static void apply_limits(const struct launch_opts *o, struct policy_limits *l)
{
	if (o->time_limit_ms)
		l->wall_ms = o->time_limit_ms;
	if (o->cpu_limit_ms)
		l->cpu_ms = o->cpu_limit_ms;
	if (o->memory_limit)
		l->memory_bytes = o->memory_limit;
	if (o->pids_limit)
		l->pids = o->pids_limit;
	if (o->output_limit)
		l->output_bytes = o->output_limit;
	if (o->file_size_limit)
		l->file_size_bytes = o->file_size_limit;
	if (o->open_files_limit)
		l->open_files = o->open_files_limit;
	if (o->require_cgroup)
		l->require_cgroup = true;
}

/* --store: registers live there; a relative path is taken from the current directory. */
static int apply_store(const struct launch_opts *o, struct policy *p, struct err_ctx *reterr)
{
	_cleanup_free_ char *abs = NULL;
	char cwd[PATH_MAX];

	if (!o->store_path)
		return 0;
	if (!(p->broker.effects & POLICY_EFFECT_REGISTER))
		return cli_fail(reterr, EINVAL,
				"--store: the policy allows no 'register' effect, so there is no "
				"register store to choose");
	if (o->store_path[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd)))
			return cli_fail(reterr, errno, "--store: cannot get the current directory");
		if (asprintf(&abs, "%s/%s", strcmp(cwd, "/") ? cwd : "", o->store_path) < 0)
			return cli_fail(reterr, ENOMEM, "out of memory");
	}
	return replace_string(&p->broker.store_path, abs ? abs : o->store_path, reterr);
}

static int apply_scalars(const struct launch_opts *o, struct policy *p, struct err_ctx *reterr)
{
	int r;

	if (o->net_set) {
		p->net = o->net;
		/* "host" is the one way to share the host's network namespace. */
		p->ns.net = o->net != POLICY_NET_HOST;
	}
	if (o->hostname) {
		r = replace_string(&p->hostname, o->hostname, reterr);
		if (r < 0)
			return r;
	}
	if (o->cwd) {
		r = replace_string(&p->cwd, o->cwd, reterr);
		if (r < 0)
			return r;
	}
	apply_limits(o, &p->limits);
	return apply_store(o, p, reterr);
}

/*
 * On failure the policy is left half-modified: the caller must discard it
 * (it will not run anything anyway, the error is exit 125).
 */
int cli_apply(const struct launch_opts *opts, struct policy *p, struct err_ctx *reterr)
{
	size_t i;
	int r;

	for (i = 0; i < opts->n_mounts; i++) {
		r = apply_mount(p, &opts->mounts[i], reterr);
		if (r < 0)
			return r;
	}
	for (i = 0; i < opts->n_env; i++) {
		const struct cli_env *e = &opts->env[i];

		r = e->value ? env_apply_set(&p->env, e->name, e->value, reterr)
			     : env_apply_keep(&p->env, e->name, reterr);
		if (r < 0)
			return r;
	}
	r = apply_scalars(opts, p, reterr);
	if (r < 0)
		return r;
	return policy_validate(p, reterr);
}
