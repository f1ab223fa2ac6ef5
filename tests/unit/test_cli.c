/* SPDX-License-Identifier: MIT */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "common/cleanup.h"
#include "policy/policy.h"
#include "supervisor/cli.h"

#define MIB (1024ULL * 1024ULL)

/* argv as main() gets it: mutable pointers, NULL-terminated. */
#define ARGV(...) ((char *[]){"vmsandbox", __VA_ARGS__, NULL})
#define ARGC(v) ((int)(sizeof(v) / sizeof((v)[0])) - 1)

/*
 * launch_opts.argv points into the argv it was given, so the array must
 * outlive the macro's block: keep a copy in static storage (the strings are
 * literals). One parse result is live at a time in each test.
 */
static int parse_static(struct launch_opts *o, struct err_ctx *e, char **v, int n)
{
	static char *store[512];

	cr_assert_lt(n, (int)ARRAY_SIZE(store));
	memcpy(store, v, sizeof(*v) * (size_t)(n + 1));
	return cli_parse(n, store, o, e);
}

#define PARSE_OK(o, ...)                                                                           \
	do {                                                                                       \
		struct err_ctx _e = {0};                                                           \
		int _r = parse_static((o), &_e, ARGV(__VA_ARGS__), ARGC(ARGV(__VA_ARGS__)));       \
		cr_assert_eq(_r, 0, "cli_parse failed: %d '%s'", _r, _e.msg);                      \
	} while (0)

/* Parses, expects EINVAL-style failure with exactly this message. */
#define PARSE_FAILS(msg_, ...)                                                                     \
	do {                                                                                       \
		struct launch_opts _o;                                                             \
		struct err_ctx _e = {0};                                                           \
		int _r = parse_static(&_o, &_e, ARGV(__VA_ARGS__), ARGC(ARGV(__VA_ARGS__)));       \
		cr_expect_lt(_r, 0, "cli_parse accepted what it should reject");                   \
		cr_expect_eq(_r, -_e.code, "return value and reterr->code disagree");              \
		cr_expect_str_eq(_e.msg, (msg_));                                                  \
		cr_expect_eq(_o.n_mounts, 0, "failed parse left mounts behind");                   \
		cr_expect_null(_o.mounts);                                                         \
		cli_free(&_o);                                                                     \
	} while (0)

static const char *fixture_dir(void)
{
	const char *d = getenv("VMSB_FIXTURES");

	return d && *d ? d : "tests/fixtures";
}

/* Absolute path of tests/fixtures/cli/NAME (bind sources must be absolute). */
static char *fixture_path(const char *name)
{
	char rel[PATH_MAX];
	char *abs;

	snprintf(rel, sizeof(rel), "%s/cli/%s", fixture_dir(), name);
	abs = realpath(rel, NULL);
	cr_assert_not_null(abs, "fixture '%s' not found (set VMSB_FIXTURES)", rel);
	return abs;
}

static struct policy *load_base_policy(void)
{
	_cleanup_free_ char *path = fixture_path("base.json");
	_cleanup_free_ char *text = NULL;
	struct policy *p = NULL;
	struct err_ctx e = {0};
	FILE *f = fopen(path, "re");
	long len;

	cr_assert_not_null(f);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	cr_assert_gt(len, 0);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	cr_assert_not_null(text);
	cr_assert_eq(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	cr_assert_eq(policy_load_buffer("base.json", text, (size_t)len, &p, &e), 0,
		     "fixture does not load: %s", e.msg);
	return p;
}

static const char *env_set_value(const struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->env.n_set; i++)
		if (strcmp(p->env.set[i].name, name) == 0)
			return p->env.set[i].value;
	return NULL;
}

static bool env_kept(const struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->env.n_keep; i++)
		if (strcmp(p->env.keep[i], name) == 0)
			return true;
	return false;
}

/* ---- commands ---- */

Test(cli, rejects_missing_command)
{
	char *v[] = {"vmsandbox", NULL};
	struct launch_opts o;
	struct err_ctx e = {0};

	cr_expect_eq(cli_parse(1, v, &o, &e), -EINVAL);
	cr_expect_str_eq(e.msg, "missing command (run, check or help)");
}

Test(cli, rejects_unknown_command)
{
	PARSE_FAILS("unknown command 'frob'", "frob");
}

Test(cli, rejects_unknown_top_level_option)
{
	PARSE_FAILS("unknown option '--foo'", "--foo=1", "run", "ls");
}

Test(cli, help_in_every_spelling)
{
	struct launch_opts o;

	PARSE_OK(&o, "--help");
	cr_expect_eq(o.command, CLI_COMMAND_HELP);
	PARSE_OK(&o, "-h");
	cr_expect_eq(o.command, CLI_COMMAND_HELP);
	PARSE_OK(&o, "help");
	cr_expect_eq(o.command, CLI_COMMAND_HELP);
	PARSE_OK(&o, "run", "--help");
	cr_expect_eq(o.command, CLI_COMMAND_HELP);
	PARSE_OK(&o, "run", "-q", "-h", "ls");
	cr_expect_eq(o.command, CLI_COMMAND_HELP);
	PARSE_OK(&o, "check", "--help");
	cr_expect_eq(o.command, CLI_COMMAND_HELP);
	cli_free(&o);
}

Test(cli, help_after_program_belongs_to_the_program)
{
	struct launch_opts o;

	PARSE_OK(&o, "run", "ls", "--help");
	cr_expect_eq(o.command, CLI_COMMAND_RUN);
	cr_assert_eq(o.argc, 2);
	cr_expect_str_eq(o.argv[1], "--help");
	cli_free(&o);
}

Test(cli, version)
{
	struct launch_opts o;

	PARSE_OK(&o, "--version");
	cr_expect_eq(o.command, CLI_COMMAND_VERSION);
	cli_free(&o);
}

Test(cli, rejects_arguments_after_help_and_version)
{
	PARSE_FAILS("--version: unexpected argument 'x'", "--version", "x");
	PARSE_FAILS("help: unexpected argument 'run'", "help", "run");
}

/* ---- option syntax ---- */

Test(cli, rejects_unknown_option)
{
	PARSE_FAILS("unknown option '--foo'", "run", "--foo", "ls");
	PARSE_FAILS("unknown option '--foo'", "run", "--foo=bar", "ls");
}

Test(cli, rejects_unknown_short_option)
{
	PARSE_FAILS("unknown option '-x'", "run", "-x", "ls");
	PARSE_FAILS("unknown option '-x'", "run", "-qx", "ls");
}

Test(cli, rejects_abbreviated_long_option)
{
	PARSE_FAILS("unknown option '--pol' (did you mean '--policy'?)", "run", "--pol", "f", "ls");
	PARSE_FAILS("unknown option '--memory' (did you mean '--memory-limit'?)", "run",
		    "--memory=1G", "ls");
}

Test(cli, rejects_argument_to_a_flag)
{
	PARSE_FAILS("option '--quiet' does not take an argument", "run", "--quiet=1", "ls");
	PARSE_FAILS("option '--print' does not take an argument", "check", "--print=yes", "f");
}

Test(cli, rejects_missing_argument)
{
	PARSE_FAILS("option '--policy' requires an argument", "run", "--policy");
	PARSE_FAILS("option '--policy' requires an argument", "run", "-p");
	PARSE_FAILS("option '--memory-limit' requires an argument", "run", "--memory-limit");
	PARSE_FAILS("option '--ro-bind' requires an argument", "run", "--ro-bind");
}

Test(cli, can_be_called_repeatedly)
{
	struct launch_opts o;

	PARSE_FAILS("unknown option '--foo'", "run", "--foo", "ls");
	PARSE_OK(&o, "run", "-q", "true");
	cr_expect_eq(o.verbosity, -1);
	cr_expect_str_eq(o.argv[0], "true");
	cli_free(&o);
	PARSE_OK(&o, "run", "-v", "false");
	cr_expect_eq(o.verbosity, 1);
	cr_expect_str_eq(o.argv[0], "false");
	cli_free(&o);
}

/* ---- run: PROGRAM and passthrough ---- */

Test(cli, run_passes_program_options_through)
{
	struct launch_opts o;

	PARSE_OK(&o, "run", "ls", "-la");
	cr_expect_eq(o.command, CLI_COMMAND_RUN);
	cr_assert_eq(o.argc, 2);
	cr_expect_str_eq(o.argv[0], "ls");
	cr_expect_str_eq(o.argv[1], "-la");
	cr_expect_null(o.argv[2]);
	cli_free(&o);
}

Test(cli, run_after_double_dash)
{
	struct launch_opts o;

	PARSE_OK(&o, "run", "--", "ls", "-la");
	cr_assert_eq(o.argc, 2);
	cr_expect_str_eq(o.argv[0], "ls");
	cr_expect_str_eq(o.argv[1], "-la");
	cli_free(&o);
	PARSE_OK(&o, "run", "-q", "--", "--weird-name");
	cr_assert_eq(o.argc, 1);
	cr_expect_str_eq(o.argv[0], "--weird-name");
	cli_free(&o);
}

Test(cli, run_stops_at_program)
{
	struct launch_opts o;

	PARSE_OK(&o, "run", "-q", "sh", "-v", "--policy", "x", "--", "y");
	cr_expect_eq(o.verbosity, -1);
	cr_expect_null(o.policy_path);
	cr_assert_eq(o.argc, 6);
	cr_expect_str_eq(o.argv[0], "sh");
	cr_expect_str_eq(o.argv[2], "--policy");
	cr_expect_str_eq(o.argv[4], "--");
	cli_free(&o);
}

Test(cli, run_missing_program)
{
	PARSE_FAILS("run: missing PROGRAM", "run");
	PARSE_FAILS("run: missing PROGRAM", "run", "-q");
	PARSE_FAILS("run: missing PROGRAM", "run", "--");
	PARSE_FAILS("run: empty PROGRAM", "run", "");
}

Test(cli, run_defaults)
{
	struct launch_opts o;

	PARSE_OK(&o, "run", "true");
	cr_expect_null(o.policy_path);
	cr_expect_null(o.report_path);
	cr_expect_null(o.cwd);
	cr_expect_null(o.hostname);
	cr_expect_not(o.net_set);
	cr_expect_eq(o.verbosity, 0);
	cr_expect_eq(o.n_mounts, 0);
	cr_expect_eq(o.n_env, 0);
	cr_expect_eq(o.time_limit_ms + o.cpu_limit_ms + o.memory_limit + o.pids_limit, 0);
	cr_expect_eq(o.output_limit + o.file_size_limit + o.open_files_limit, 0);
	cr_expect_not(o.require_cgroup);
	cli_free(&o);
}

/* ---- run options ---- */

Test(cli, policy_short_and_long)
{
	struct launch_opts o;

	PARSE_OK(&o, "run", "-p", "a.json", "true");
	cr_expect_str_eq(o.policy_path, "a.json");
	cli_free(&o);
	PARSE_OK(&o, "run", "--policy", "b.json", "true");
	cr_expect_str_eq(o.policy_path, "b.json");
	cli_free(&o);
	PARSE_OK(&o, "run", "--policy=c.json", "true");
	cr_expect_str_eq(o.policy_path, "c.json");
	cli_free(&o);
	PARSE_OK(&o, "run", "-pd.json", "true");
	cr_expect_str_eq(o.policy_path, "d.json");
	cli_free(&o);
}

Test(cli, rejects_policy_twice)
{
	PARSE_FAILS("--policy: given more than once ('a' and 'b')", "run", "-p", "a", "-p", "b",
		    "true");
	PARSE_FAILS("--policy: empty file name", "run", "--policy=", "true");
}

Test(cli, report)
{
	struct launch_opts o;

	PARSE_OK(&o, "run", "--report", "out.json", "true");
	cr_expect_str_eq(o.report_path, "out.json");
	cli_free(&o);
	PARSE_OK(&o, "run", "--report", "-", "true");
	cr_expect_str_eq(o.report_path, "-");
	cli_free(&o);
	PARSE_FAILS("--report: given more than once ('a' and 'b')", "run", "--report", "a",
		    "--report=b", "true");
}

Test(cli, store_and_exec_log)
{
	struct launch_opts o;

	PARSE_OK(&o, "run", "--store", "regs.db", "--exec-log=/tmp/x.log", "true");
	cr_expect_str_eq(o.store_path, "regs.db");
	cr_expect_str_eq(o.exec_log_path, "/tmp/x.log");
	cli_free(&o);
	PARSE_FAILS("--store: given more than once ('a' and 'b')", "run", "--store", "a", "--store",
		    "b", "true");
	PARSE_FAILS("--exec-log: empty file name", "run", "--exec-log=", "true");
}

Test(cli, ro_bind_dest_defaults_to_source)
{
	struct launch_opts o;

	PARSE_OK(&o, "run", "--ro-bind", "/usr", "true");
	cr_assert_eq(o.n_mounts, 1);
	cr_expect_eq(o.mounts[0].kind, POLICY_MOUNT_BIND_RO);
	cr_expect_str_eq(o.mounts[0].source, "/usr");
	cr_expect_str_eq(o.mounts[0].dest, "/usr");
	cli_free(&o);
}

Test(cli, bind_splits_on_first_colon)
{
	struct launch_opts o;

	PARSE_OK(&o, "run", "--bind", "/srv/data:/data:x", "true");
	cr_assert_eq(o.n_mounts, 1);
	cr_expect_eq(o.mounts[0].kind, POLICY_MOUNT_BIND_RW);
	cr_expect_str_eq(o.mounts[0].source, "/srv/data");
	cr_expect_str_eq(o.mounts[0].dest, "/data:x");
	cli_free(&o);
}

Test(cli, rejects_relative_bind_paths)
{
	PARSE_FAILS("--ro-bind: source 'usr' must be an absolute path", "run", "--ro-bind", "usr",
		    "true");
	PARSE_FAILS("--bind: destination 'data' must be an absolute path", "run", "--bind",
		    "/srv:data", "true");
	PARSE_FAILS("--bind: destination '' must be an absolute path", "run", "--bind",
		    "/srv:", "true");
	PARSE_FAILS("--bind: source '' must be an absolute path", "run", "--bind", ":/x", "true");
}

Test(cli, rejects_dotdot_in_paths)
{
	struct launch_opts o;

	PARSE_FAILS("--ro-bind: source '/usr/../etc' must not contain '..'", "run", "--ro-bind",
		    "/usr/../etc:/x", "true");
	PARSE_FAILS("--tmpfs: destination '/a/..' must not contain '..'", "run", "--tmpfs", "/a/..",
		    "true");
	PARSE_FAILS("--cwd: directory '/..' must not contain '..'", "run", "--cwd", "/..", "true");
	/* ".." inside a name is not a component */
	PARSE_OK(&o, "run", "--ro-bind", "/a..b:/c..", "true");
	cr_expect_str_eq(o.mounts[0].dest, "/c..");
	cli_free(&o);
}

Test(cli, rejects_overlong_paths)
{
	static char path[PATH_MAX + 1];
	struct launch_opts o;
	struct err_ctx e = {0};

	memset(path, 'a', PATH_MAX);
	path[0] = '/';
	path[PATH_MAX] = '\0';
	cr_expect_eq(parse_static(&o, &e, ARGV("run", "--ro-bind", path, "true"), 4),
		     -ENAMETOOLONG);
	cr_expect_str_eq(e.msg, "--ro-bind: source is longer than 4095 bytes");
	cli_free(&o);
}

Test(cli, tmpfs_with_and_without_size)
{
	struct launch_opts o;

	PARSE_OK(&o, "run", "--tmpfs", "/scratch:16M", "--tmpfs", "/t", "true");
	cr_assert_eq(o.n_mounts, 2);
	cr_expect_eq(o.mounts[0].kind, POLICY_MOUNT_TMPFS);
	cr_expect_null(o.mounts[0].source);
	cr_expect_str_eq(o.mounts[0].dest, "/scratch");
	cr_expect_eq(o.mounts[0].size, 16 * MIB);
	cr_expect_str_eq(o.mounts[1].dest, "/t");
	cr_expect_eq(o.mounts[1].size, 0, "no SIZE must mean the policy's tmpfs_size");
	cli_free(&o);
}

Test(cli, rejects_bad_tmpfs)
{
	PARSE_FAILS("--tmpfs: invalid size 'lots'", "run", "--tmpfs", "/t:lots", "true");
	PARSE_FAILS("--tmpfs: invalid size ''", "run", "--tmpfs", "/t:", "true");
	PARSE_FAILS("--tmpfs: invalid size '0'", "run", "--tmpfs", "/t:0", "true");
	PARSE_FAILS("--tmpfs: destination 'tmp' must be an absolute path", "run", "--tmpfs", "tmp",
		    "true");
}

Test(cli, repeated_mounts_keep_command_line_order)
{
	struct launch_opts o;

	PARSE_OK(&o, "run", "--ro-bind", "/b", "--tmpfs", "/t:1M", "--bind", "/a:/x", "--ro-bind",
		 "/a", "true");
	cr_assert_eq(o.n_mounts, 4);
	cr_expect_eq(o.mounts[0].kind, POLICY_MOUNT_BIND_RO);
	cr_expect_str_eq(o.mounts[0].dest, "/b");
	cr_expect_eq(o.mounts[1].kind, POLICY_MOUNT_TMPFS);
	cr_expect_str_eq(o.mounts[1].dest, "/t");
	cr_expect_eq(o.mounts[2].kind, POLICY_MOUNT_BIND_RW);
	cr_expect_str_eq(o.mounts[2].dest, "/x");
	cr_expect_eq(o.mounts[3].kind, POLICY_MOUNT_BIND_RO);
	cr_expect_str_eq(o.mounts[3].source, "/a");
	cli_free(&o);
}

Test(cli, caps_the_number_of_mounts)
{
	char *v[300];
	struct launch_opts o;
	struct err_ctx e = {0};
	int n = 0, i;

	v[n++] = "vmsandbox";
	v[n++] = "run";
	for (i = 0; i < 257; i++)
		v[n++] = "--tmpfs=/t";
	v[n++] = "true";
	v[n] = NULL;
	cr_expect_eq(cli_parse(n, v, &o, &e), -E2BIG);
	cr_expect_str_eq(e.msg, "too many mount options (at most 256)");
	cli_free(&o);
}

Test(cli, cwd)
{
	struct launch_opts o;

	PARSE_OK(&o, "run", "--cwd", "/work", "true");
	cr_expect_str_eq(o.cwd, "/work");
	cli_free(&o);
	PARSE_FAILS("--cwd: directory 'work' must be an absolute path", "run", "--cwd", "work",
		    "true");
}

Test(cli, env_keep_and_set)
{
	struct launch_opts o;

	PARSE_OK(&o, "run", "--env", "TERM", "--env", "A_1=x=y", "--env=EMPTY=", "true");
	cr_assert_eq(o.n_env, 3);
	cr_expect_str_eq(o.env[0].name, "TERM");
	cr_expect_null(o.env[0].value);
	cr_expect_str_eq(o.env[1].name, "A_1");
	cr_expect_str_eq(o.env[1].value, "x=y");
	cr_expect_str_eq(o.env[2].name, "EMPTY");
	cr_expect_str_eq(o.env[2].value, "");
	cli_free(&o);
}

Test(cli, rejects_bad_env_names)
{
	PARSE_FAILS("--env: invalid variable name ''", "run", "--env", "=x", "true");
	PARSE_FAILS("--env: invalid variable name ''", "run", "--env", "", "true");
	PARSE_FAILS("--env: invalid variable name '1A'", "run", "--env", "1A=x", "true");
	PARSE_FAILS("--env: invalid variable name 'A-B'", "run", "--env", "A-B", "true");
}

Test(cli, net_modes)
{
	struct launch_opts o;

	PARSE_OK(&o, "run", "--net", "none", "true");
	cr_expect(o.net_set);
	cr_expect_eq(o.net, POLICY_NET_NONE);
	cli_free(&o);
	PARSE_OK(&o, "run", "--net", "loopback", "true");
	cr_expect_eq(o.net, POLICY_NET_LOOPBACK);
	cli_free(&o);
	PARSE_OK(&o, "run", "--net=host", "true");
	cr_expect_eq(o.net, POLICY_NET_HOST);
	cli_free(&o);
}

Test(cli, rejects_bad_net)
{
	PARSE_FAILS("--net: expected none, loopback or host, got 'x'", "run", "--net", "x", "true");
	PARSE_FAILS("--net: expected none, loopback or host, got 'Host'", "run", "--net", "Host",
		    "true");
}

Test(cli, messages_neutralise_control_characters)
{
	PARSE_FAILS("--net: expected none, loopback or host, got '?[2J?x'", "run", "--net",
		    "\033[2J\nx", "true");
	PARSE_FAILS("unknown command 'a?b'", "a\rb");
}

Test(cli, hostname)
{
	struct launch_opts o;

	PARSE_OK(&o, "run", "--hostname", "box-1.test", "true");
	cr_expect_str_eq(o.hostname, "box-1.test");
	cli_free(&o);
	PARSE_FAILS("--hostname: invalid character in 'a b'", "run", "--hostname", "a b", "true");
	PARSE_FAILS("--hostname: must be 1 to 64 characters, got ''", "run", "--hostname", "",
		    "true");
}

Test(cli, quiet_and_repeatable_verbose)
{
	struct launch_opts o;

	PARSE_OK(&o, "run", "-vv", "--verbose", "true");
	cr_expect_eq(o.verbosity, 3);
	cli_free(&o);
	PARSE_OK(&o, "run", "--quiet", "true");
	cr_expect_eq(o.verbosity, -1);
	cli_free(&o);
	PARSE_OK(&o, "run", "-q", "-v", "true");
	cr_expect_eq(o.verbosity, 1, "the last of -q/-v wins");
	cli_free(&o);
}

/* ---- limits ---- */

Test(cli, every_limit_flag)
{
	struct launch_opts o;

	PARSE_OK(&o, "run", "--time-limit", "500ms", "--cpu-limit", "2s", "--memory-limit", "64M",
		 "--pids-limit", "32", "--output-limit", "1M", "--file-size-limit=3M",
		 "--open-files-limit", "64", "--require", "cgroup", "true");
	cr_expect_eq(o.time_limit_ms, 500);
	cr_expect_eq(o.cpu_limit_ms, 2000);
	cr_expect_eq(o.memory_limit, 64 * MIB);
	cr_expect_eq(o.pids_limit, 32);
	cr_expect_eq(o.output_limit, 1 * MIB);
	cr_expect_eq(o.file_size_limit, 3 * MIB);
	cr_expect_eq(o.open_files_limit, 64);
	cr_expect(o.require_cgroup);
	cli_free(&o);
}

Test(cli, last_limit_flag_wins)
{
	struct launch_opts o;

	PARSE_OK(&o, "run", "--memory-limit", "1G", "--memory-limit", "2M", "true");
	cr_expect_eq(o.memory_limit, 2 * MIB);
	cli_free(&o);
}

Test(cli, rejects_bad_limits)
{
	PARSE_FAILS("--memory-limit: invalid size 'abc'", "run", "--memory-limit", "abc", "true");
	PARSE_FAILS("--output-limit: invalid size '-1'", "run", "--output-limit", "-1", "true");
	PARSE_FAILS("--file-size-limit: invalid size '1Q'", "run", "--file-size-limit", "1Q",
		    "true");
	PARSE_FAILS("--time-limit: invalid duration 'soon'", "run", "--time-limit", "soon", "true");
	PARSE_FAILS("--cpu-limit: invalid duration '1x'", "run", "--cpu-limit", "1x", "true");
	PARSE_FAILS("--pids-limit: invalid number '-1'", "run", "--pids-limit", "-1", "true");
	PARSE_FAILS("--pids-limit: invalid number '0x10'", "run", "--pids-limit", "0x10", "true");
	PARSE_FAILS("--open-files-limit: invalid number ''", "run", "--open-files-limit", "",
		    "true");
	PARSE_FAILS("--open-files-limit: invalid number '99999999999999999999'", "run",
		    "--open-files-limit", "99999999999999999999", "true");
	PARSE_FAILS("--pids-limit: invalid number '9223372036854775808'", "run", "--pids-limit",
		    "9223372036854775808", "true");
	PARSE_FAILS("--require: expected cgroup, got 'memory'", "run", "--require", "memory",
		    "true");
}

Test(cli, rejects_zero_limits)
{
	PARSE_FAILS("--memory-limit: must be greater than zero, got '0'", "run", "--memory-limit",
		    "0", "true");
	PARSE_FAILS("--pids-limit: must be greater than zero, got '0'", "run", "--pids-limit", "0",
		    "true");
	PARSE_FAILS("--time-limit: must be greater than zero, got '0s'", "run", "--time-limit",
		    "0s", "true");
}

/* ---- check ---- */

Test(cli, check_file)
{
	struct launch_opts o;

	PARSE_OK(&o, "check", "p.json");
	cr_expect_eq(o.command, CLI_COMMAND_CHECK);
	cr_expect_not(o.print);
	cr_assert_eq(o.argc, 1);
	cr_expect_str_eq(o.argv[0], "p.json");
	cli_free(&o);
}

Test(cli, check_print)
{
	struct launch_opts o;

	PARSE_OK(&o, "check", "--print", "p.json");
	cr_expect_eq(o.command, CLI_COMMAND_CHECK);
	cr_expect(o.print);
	cr_expect_str_eq(o.argv[0], "p.json");
	cli_free(&o);
}

Test(cli, check_errors)
{
	PARSE_FAILS("check: missing FILE", "check");
	PARSE_FAILS("check: missing FILE", "check", "--print");
	PARSE_FAILS("check: unexpected argument 'b.json'", "check", "a.json", "b.json");
	PARSE_FAILS("check: empty FILE", "check", "");
	PARSE_FAILS("unknown option '--memory-limit'", "check", "--memory-limit=1G", "a.json");
}

/* ---- usage and cleanup ---- */

Test(cli, usage_lists_every_option_and_the_exit_codes)
{
	static const char *const flags[] = {
		"-p, --policy",
		"--report",
		"--ro-bind",
		"--bind",
		"--tmpfs",
		"--cwd",
		"--env",
		"--net",
		"--hostname",
		"-q, --quiet",
		"-v, --verbose",
		"--help",
		"--version",
		"--time-limit",
		"--cpu-limit",
		"--memory-limit",
		"--pids-limit",
		"--output-limit",
		"--file-size-limit",
		"--open-files-limit",
		"--require",
		"--print",
		"check",
		"Limits",
	};
	const char *u = cli_usage();
	size_t i;

	for (i = 0; i < ARRAY_SIZE(flags); i++)
		cr_expect_not_null(strstr(u, flags[i]), "usage lacks '%s'", flags[i]);
	cr_expect_not_null(strstr(u, "124"));
	cr_expect_not_null(strstr(u, "125"));
	cr_expect_not_null(strstr(u, "126"));
	cr_expect_not_null(strstr(u, "127"));
	cr_expect_not_null(strstr(u, "128+N"));
}

Test(cli, free_is_idempotent)
{
	struct launch_opts o;

	PARSE_OK(&o, "run", "--bind", "/a:/b", "--env", "X=1", "true");
	cli_free(&o);
	cr_expect_null(o.mounts);
	cr_expect_eq(o.n_mounts, 0);
	cli_free(&o);
	cli_free(NULL);
}

/* ---- cli_apply: flags override the policy file, which overrides the default ---- */

Test(cli_apply, limit_flags_override_the_policy)
{
	_cleanup_policy_ struct policy *p = load_base_policy();
	struct launch_opts o;
	struct err_ctx e = {0};

	cr_assert_eq(p->limits.memory_bytes, 1024 * MIB, "fixture's memory not loaded");
	PARSE_OK(&o, "run", "--memory-limit", "64M", "--time-limit", "500ms", "true");
	cr_assert_eq(cli_apply(&o, p, &e), 0, "%s", e.msg);
	cr_expect_eq(p->limits.memory_bytes, 64 * MIB);
	cr_expect_eq(p->limits.wall_ms, 500);
	/* not given on the command line: the file's values stay */
	cr_expect_eq(p->limits.cpu_ms, 30000);
	cr_expect_eq(p->limits.pids, 100);
	cr_expect_eq(p->limits.open_files, 200);
	cr_expect_not(p->limits.require_cgroup);
	cli_free(&o);
}

Test(cli_apply, every_limit_flag_reaches_the_policy)
{
	_cleanup_policy_ struct policy *p = load_base_policy();
	struct launch_opts o;
	struct err_ctx e = {0};

	PARSE_OK(&o, "run", "--time-limit", "2s", "--cpu-limit", "1s", "--memory-limit", "32M",
		 "--pids-limit", "32", "--output-limit", "1M", "--file-size-limit", "2M",
		 "--open-files-limit", "64", "--require", "cgroup", "true");
	cr_assert_eq(cli_apply(&o, p, &e), 0, "%s", e.msg);
	cr_expect_eq(p->limits.wall_ms, 2000);
	cr_expect_eq(p->limits.cpu_ms, 1000);
	cr_expect_eq(p->limits.memory_bytes, 32 * MIB);
	cr_expect_eq(p->limits.pids, 32);
	cr_expect_eq(p->limits.output_bytes, 1 * MIB);
	cr_expect_eq(p->limits.file_size_bytes, 2 * MIB);
	cr_expect_eq(p->limits.open_files, 64);
	cr_expect(p->limits.require_cgroup);
	cli_free(&o);
}

Test(cli_apply, no_flags_leave_the_policy_alone)
{
	_cleanup_policy_ struct policy *p = load_base_policy();
	struct launch_opts o;
	struct err_ctx e = {0};
	size_t n_mounts = p->n_mounts;

	PARSE_OK(&o, "run", "true");
	cr_assert_eq(cli_apply(&o, p, &e), 0, "%s", e.msg);
	cr_expect_eq(p->net, POLICY_NET_LOOPBACK);
	cr_expect_str_eq(p->hostname, "from-file");
	cr_expect_eq(p->n_mounts, n_mounts);
	cr_expect_eq(p->limits.memory_bytes, 1024 * MIB);
	cr_expect_str_eq(env_set_value(p, "FOO"), "file");
	cli_free(&o);
}

Test(cli_apply, net_hostname_and_cwd_override_the_policy)
{
	_cleanup_policy_ struct policy *p = load_base_policy();
	struct launch_opts o;
	struct err_ctx e = {0};

	cr_assert_eq(p->net, POLICY_NET_LOOPBACK);
	PARSE_OK(&o, "run", "--net", "none", "--hostname", "from-flag", "--cwd", "/tmp", "true");
	cr_assert_eq(cli_apply(&o, p, &e), 0, "%s", e.msg);
	cr_expect_eq(p->net, POLICY_NET_NONE);
	cr_expect(p->ns.net);
	cr_expect_str_eq(p->hostname, "from-flag");
	cr_expect_str_eq(p->cwd, "/tmp");
	cli_free(&o);
}

Test(cli_apply, net_host_shares_the_network_namespace)
{
	_cleanup_policy_ struct policy *p = load_base_policy();
	struct launch_opts o;
	struct err_ctx e = {0};

	PARSE_OK(&o, "run", "--net", "host", "true");
	cr_assert_eq(cli_apply(&o, p, &e), 0, "%s", e.msg);
	cr_expect_eq(p->net, POLICY_NET_HOST);
	cr_expect_not(p->ns.net);
	cli_free(&o);
}

Test(cli_apply, env_set_replaces_and_keep_wins_over_set)
{
	_cleanup_policy_ struct policy *p = load_base_policy();
	struct launch_opts o;
	struct err_ctx e = {0};
	size_t n_set = p->env.n_set;

	cr_assert_str_eq(env_set_value(p, "FOO"), "file");
	cr_assert(env_kept(p, "KEEPME"));
	PARSE_OK(&o, "run", "--env", "FOO=flag", "--env", "NEW=1", "--env", "BAR", "--env",
		 "KEEPME=fixed", "--env", "TERM", "true");
	cr_assert_eq(cli_apply(&o, p, &e), 0, "%s", e.msg);
	cr_expect_str_eq(env_set_value(p, "FOO"), "flag", "flag must replace the policy's value");
	cr_expect_str_eq(env_set_value(p, "NEW"), "1");
	cr_expect_null(env_set_value(p, "BAR"), "--env BAR must pass the caller's value");
	cr_expect(env_kept(p, "BAR"));
	cr_expect_str_eq(env_set_value(p, "KEEPME"), "fixed");
	cr_expect_not(env_kept(p, "KEEPME"));
	cr_expect(env_kept(p, "TERM"));
	/* FOO replaced in place, NEW and KEEPME added, BAR removed */
	cr_expect_eq(p->env.n_set, n_set + 1);
	cli_free(&o);
}

Test(cli_apply, last_env_flag_wins)
{
	_cleanup_policy_ struct policy *p = load_base_policy();
	struct launch_opts o;
	struct err_ctx e = {0};

	PARSE_OK(&o, "run", "--env", "X=1", "--env", "X=2", "true");
	cr_assert_eq(cli_apply(&o, p, &e), 0, "%s", e.msg);
	cr_expect_str_eq(env_set_value(p, "X"), "2");
	cli_free(&o);
}

Test(cli_apply, mounts_are_appended_in_order)
{
	_cleanup_policy_ struct policy *p = load_base_policy();
	_cleanup_free_ char *src = fixture_path("bind-src");
	_cleanup_free_ char *bind_arg = NULL;
	struct launch_opts o;
	struct err_ctx e = {0};
	size_t n = p->n_mounts;

	cr_assert_gt(asprintf(&bind_arg, "%s:/mnt/data", src), 0);
	PARSE_OK(&o, "run", "--tmpfs", "/scratch:2M", "--bind", bind_arg, "--ro-bind", src, "true");
	cr_assert_eq(cli_apply(&o, p, &e), 0, "%s", e.msg);
	cr_assert_eq(p->n_mounts, n + 3);
	cr_expect_eq(p->mounts[n].kind, POLICY_MOUNT_TMPFS);
	cr_expect_str_eq(p->mounts[n].dest, "/scratch");
	cr_expect_eq(p->mounts[n].size, 2 * MIB);
	cr_expect_eq(p->mounts[n + 1].kind, POLICY_MOUNT_BIND_RW);
	cr_expect_str_eq(p->mounts[n + 1].source, src);
	cr_expect_str_eq(p->mounts[n + 1].dest, "/mnt/data");
	cr_expect_eq(p->mounts[n + 2].kind, POLICY_MOUNT_BIND_RO);
	cr_expect_str_eq(p->mounts[n + 2].dest, src);
	cli_free(&o);
}

Test(cli_apply, missing_bind_source_is_a_clear_error)
{
	_cleanup_policy_ struct policy *p = load_base_policy();
	struct launch_opts o;
	struct err_ctx e = {0};

	PARSE_OK(&o, "run", "--bind", "/nonexistent/vmsb-cli-test:/data", "true");
	cr_expect_eq(cli_apply(&o, p, &e), -ENOENT);
	cr_expect_str_eq(e.msg, "--bind: source '/nonexistent/vmsb-cli-test' does not exist");
	cli_free(&o);
	PARSE_OK(&o, "run", "--ro-bind", "/nonexistent/vmsb-cli-test", "true");
	cr_expect_eq(cli_apply(&o, p, &e), -ENOENT);
	cr_expect_str_eq(e.msg, "--ro-bind: source '/nonexistent/vmsb-cli-test' does not exist");
	cli_free(&o);
}

Test(cli_apply, store_flag_replaces_the_policy_store_made_absolute)
{
	_cleanup_policy_ struct policy *p = load_base_policy();
	struct launch_opts o;
	struct err_ctx e = {0};
	char cwd[4096], want[4200];

	p->broker.effects = POLICY_EFFECT_REGISTER;
	p->broker.store_path = strdup("/var/lib/old.db");
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	PARSE_OK(&o, "run", "--store", "sub/regs.db", "true");
	cr_assert_eq(cli_apply(&o, p, &e), 0, "%s", e.msg);
	snprintf(want, sizeof(want), "%s/sub/regs.db", strcmp(cwd, "/") ? cwd : "");
	cr_expect_str_eq(p->broker.store_path, want);
	cli_free(&o);
	PARSE_OK(&o, "run", "--store", "/srv/r.db", "true");
	cr_assert_eq(cli_apply(&o, p, &e), 0, "%s", e.msg);
	cr_expect_str_eq(p->broker.store_path, "/srv/r.db");
	cli_free(&o);
}

Test(cli_apply, store_flag_needs_the_register_effect)
{
	_cleanup_policy_ struct policy *p = load_base_policy();
	struct launch_opts o;
	struct err_ctx e = {0};

	PARSE_OK(&o, "run", "--store", "/srv/r.db", "true");
	cr_expect_lt(cli_apply(&o, p, &e), 0);
	cr_expect(strstr(e.msg, "--store: the policy allows no 'register' effect") != NULL, "%s",
		  e.msg);
	cli_free(&o);
}
