/* SPDX-License-Identifier: MIT */
/*
 * cgroup v2 against fake trees in a temporary directory: control files are
 * plain files, and the fake mkdir/rmdir seam plays the kernel's part of
 * creating and removing them with the directory. Also detection (pure v2,
 * hybrid, none, hidden, malformed, unwritable) and stale cleanup.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/limits/cgroup.h"
#include "tests/fixtures/cgroupfs/fake_tree.h"

TestSuite(cgroup_v2_detect, .init = make_root, .fini = remove_root);
TestSuite(cgroup_v2_setup, .init = make_root, .fini = remove_root);
TestSuite(cgroup_v2_instance, .init = make_root, .fini = remove_root);
TestSuite(cgroup_v2_stale, .init = make_root, .fini = remove_root);

/* What the kernel would put into a new v2 cgroup. */
struct fake_opts {
	bool no_kill, no_swap, no_peak, no_memory_max;
	unsigned busy_left; /* rmdir attempts that see tasks still exiting */
	unsigned mkdirs, rmdirs;
};

static struct fake_opts opts;

static int fake_mkdir(int parent_fd, const char *name, enum cgroup_version v, unsigned ctrls,
		      void *arg)
{
	struct fake_opts *o = arg;
	int fd;

	if (v != CGROUP_V2)
		return -EINVAL;
	if (mkdirat(parent_fd, name, 0755) < 0)
		return -errno;
	fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	putat(fd, "cgroup.procs", "");
	putat(fd, "cgroup.type", "domain\n");
	putat(fd, "cgroup.controllers", "");
	putat(fd, "cgroup.subtree_control", "");
	putat(fd, "cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\n");
	if (!o->no_kill)
		putat(fd, "cgroup.kill", "");
	if (ctrls & CGROUP_MASK(CGROUP_CTRL_MEMORY)) {
		if (!o->no_memory_max)
			putat(fd, "memory.max", "max\n");
		if (!o->no_swap)
			putat(fd, "memory.swap.max", "max\n");
		if (!o->no_peak)
			putat(fd, "memory.peak", "0\n");
		putat(fd, "memory.oom.group", "0\n");
		putat(fd, "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
	}
	if (ctrls & CGROUP_MASK(CGROUP_CTRL_PIDS)) {
		putat(fd, "pids.max", "max\n");
		putat(fd, "pids.events", "max 0\n");
	}
	if (ctrls & CGROUP_MASK(CGROUP_CTRL_CPU))
		putat(fd, "cpu.max", "max 100000\n");
	close(fd);
	o->mkdirs++;
	return 0;
}

/* The kernel refuses to remove a populated cgroup and drops its files itself. */
static int fake_rmdir(int parent_fd, const char *name, void *arg)
{
	struct fake_opts *o = arg;
	int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char path[PATH_MAX];
	DIR *d;

	if (fd < 0)
		return -errno;
	/* cgroup.events is how v2 tells "populated"; tests set it to make a cgroup busy. */
	fmt_into(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (strstr(get(path, "cgroup.events"), "populated 1") || o->busy_left) {
		if (o->busy_left)
			o->busy_left--;
		close(fd);
		return -EBUSY;
	}
	d = fdopendir(fd);
	for (struct dirent *de; (de = readdir(d));)
		if (de->d_type == DT_REG)
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	if (unlinkat(parent_fd, name, AT_REMOVEDIR) < 0)
		return -errno;
	o->rmdirs++;
	return 0;
}

static const struct cgroup_fake_ops fake_ops = {
	.mkdir = fake_mkdir,
	.rmdir = fake_rmdir,
	.arg = &opts,
};

#define V2_MOUNTINFO                                                                               \
	"22 28 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"            \
	"30 23 0:27 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "  \
	"rw,nsdelegate,memory_recursiveprot\n"                                                     \
	"28 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n"

/* A v2 cgroup at root/sys/fs/cgroup<cg> holding only us. */
static void make_v2_cgroup(const char *cg, const char *controllers, const char *subtree,
			   bool is_root, char *ret_dir)
{
	char procs[32];

	fmt_into(ret_dir, PATH_MAX, "%s/sys/fs/cgroup%s", root, strcmp(cg, "/") ? cg : "");
	mkdir_p(ret_dir);
	fmt_into(procs, sizeof(procs), "%d\n", (int)getpid());
	put(ret_dir, "cgroup.controllers", controllers);
	put(ret_dir, "cgroup.subtree_control", subtree);
	put(ret_dir, "cgroup.procs", procs);
	if (!is_root)
		put(ret_dir, "cgroup.type", "domain\n");
}

static void detect_v2(const char *cg, struct cgroup_env *env)
{
	char self_cgroup[PATH_MAX + 8];
	struct err_ctx e = {0};

	fmt_into(self_cgroup, sizeof(self_cgroup), "0::%s\n", cg);
	cr_assert_eq(cgroup_detect(V2_MOUNTINFO, self_cgroup, root, getpid(), env, &e), 0, "%s",
		     e.msg);
	env->fake = &fake_ops;
}

Test(cgroup_v2_detect, finds_pure_v2_with_delegated_controllers)
{
	struct cgroup_env env;
	char dir[PATH_MAX];

	make_v2_cgroup("/user.slice/run-1.scope", "cpuset cpu io memory hugetlb pids\n", "", false,
		       dir);
	detect_v2("/user.slice/run-1.scope", &env);
	cr_expect(env.v2_found);
	cr_expect_str_eq(env.v2_dir, dir);
	cr_expect_not(env.v2_root);
	cr_expect(env.v2_writable);
	cr_expect_eq(env.v2_available, CGROUP_MASK(CGROUP_CTRL_MEMORY) |
					       CGROUP_MASK(CGROUP_CTRL_PIDS) |
					       CGROUP_MASK(CGROUP_CTRL_CPU));
	cr_expect_eq(env.v2_enabled, 0u);
	for (int c = 0; c < _CGROUP_CTRL_MAX; c++)
		cr_expect_not(env.v1[c].found, "no v1 hierarchy expected for %s",
			      cgroup_ctrl_name(c));
	/* Detection reads only: nothing usable until setup. */
	cr_expect_eq(cgroup_where(&env, CGROUP_CTRL_MEMORY), CGROUP_NONE);
}

Test(cgroup_v2_detect, hybrid_uses_v1_when_v2_has_no_controllers)
{
	const char *cgroup_text = "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/50cf\n"
				  "2:cpuacct:/\n1:cpu:/\n0::/\n";
	char mountinfo[2048], dir[PATH_MAX];
	struct cgroup_env env;
	struct err_ctx e = {0};
	static const char *const sub[] = {
		"memory/process_api/50cf", "pids", "cpu", "cpuacct", "systemd", "unified"};

	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		fmt_into(dir, sizeof(dir), "%s/sys/fs/cgroup/%s", root, sub[i]);
		mkdir_p(dir);
	}
	fmt_into(dir, sizeof(dir), "%s/sys/fs/cgroup/unified", root);
	put(dir, "cgroup.controllers", "hugetlb\n");
	put(dir, "cgroup.subtree_control", "");
	put(dir, "cgroup.procs", "1\n");
	snprintf(mountinfo, sizeof(mountinfo),
		 "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
		 "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
		 "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
		 "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
		 "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
		 "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
		 "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n");
	cr_assert_eq(cgroup_detect(mountinfo, cgroup_text, root, getpid(), &env, &e), 0, "%s",
		     e.msg);
	cr_expect(env.v2_found);
	cr_expect(env.v2_root, "unified root has no cgroup.type");
	cr_expect_eq(env.v2_available, 0u);
	fmt_into(dir, sizeof(dir), "%s/sys/fs/cgroup/memory/process_api/50cf", root);
	cr_expect_str_eq(env.v1[CGROUP_CTRL_MEMORY].dir, dir);
	fmt_into(dir, sizeof(dir), "%s/sys/fs/cgroup/pids", root);
	cr_expect_str_eq(env.v1[CGROUP_CTRL_PIDS].dir, dir);
	cr_expect(env.v1[CGROUP_CTRL_CPU].found && env.v1[CGROUP_CTRL_CPUACCT].found);
	cr_expect_str_neq(env.v1[CGROUP_CTRL_CPU].dir, env.v1[CGROUP_CTRL_CPUACCT].dir);

	cr_assert_eq(cgroup_setup(&env, &e), 0);
	cr_expect_eq(env.v2_usable, 0u);
	cr_expect_neq(env.v2_reason[0], '\0');
	cr_expect_not(env.v2_moved);
	for (int c = 0; c < _CGROUP_CTRL_MAX; c++)
		cr_expect_eq(cgroup_where(&env, c), CGROUP_V1, "%s", cgroup_ctrl_name(c));
}

Test(cgroup_v2_detect, no_cgroups_means_nothing_usable)
{
	struct cgroup_env env;
	struct err_ctx e = {0};

	cr_assert_eq(cgroup_detect("28 1 8:1 / / rw - ext4 /dev/sda1 rw\n", "", root, getpid(),
				   &env, &e),
		     0);
	cr_expect_not(env.v2_found);
	cr_assert_eq(cgroup_setup(&env, &e), 0);
	cr_expect_neq(env.v2_reason[0], '\0');
	for (int c = 0; c < _CGROUP_CTRL_MAX; c++)
		cr_expect_eq(cgroup_where(&env, c), CGROUP_NONE);
}

Test(cgroup_v2_detect, cgroup_outside_the_mount_root_is_not_visible)
{
	const char *mi = "30 23 0:27 /kubepods /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
	struct cgroup_env env;
	char dir[PATH_MAX], decoy[PATH_MAX];

	make_v2_cgroup("/", "memory pids cpu\n", "", true, dir);
	/* "/kubepodsX" only shares a string prefix with the mount root: a naive
	 * prefix match would land in <mount>/X/a, which exists to catch that. */
	make_v2_cgroup("/X/a", "memory\n", "", false, decoy);
	cr_assert_eq(cgroup_detect(mi, "0::/kubepodsX/a\n", root, getpid(), &env, NULL), 0);
	cr_expect_not(env.v2_found);
	cr_assert_eq(cgroup_detect(mi, "0::/kubepods\n", root, getpid(), &env, NULL), 0);
	cr_expect(env.v2_found);
	cr_expect_str_eq(env.v2_dir, dir);
}

Test(cgroup_v2_detect, unescapes_mount_points)
{
	const char *mi = "30 23 0:27 / /sys/fs/cg\\040two rw - cgroup2 cgroup2 rw\n";
	struct cgroup_env env;
	char dir[PATH_MAX];

	fmt_into(dir, sizeof(dir), "%s/sys/fs/cg two/a", root);
	mkdir_p(dir);
	put(dir, "cgroup.controllers", "memory\n");
	cr_assert_eq(cgroup_detect(mi, "0::/a\n", root, getpid(), &env, NULL), 0);
	cr_expect(env.v2_found);
	cr_expect_str_eq(env.v2_dir, dir);
	cr_expect_eq(env.v2_available, CGROUP_MASK(CGROUP_CTRL_MEMORY));
}

Test(cgroup_v2_detect, rejects_malformed_text)
{
	struct cgroup_env env;
	struct err_ctx e = {0};

	cr_expect_eq(cgroup_detect(V2_MOUNTINFO, "garbage\n", root, 1, &env, &e), -EINVAL);
	cr_expect(strstr(e.msg, "/proc/self/cgroup line 1") != NULL, "%s", e.msg);
	cr_expect_eq(cgroup_detect(V2_MOUNTINFO, "0::relative\n", root, 1, &env, NULL), -EINVAL);
	cr_expect_eq(cgroup_detect(V2_MOUNTINFO, "0::/a/../b\n", root, 1, &env, NULL), -EINVAL);
	cr_expect_eq(cgroup_detect(V2_MOUNTINFO, "x:memory:/\n", root, 1, &env, NULL), -EINVAL);
	cr_expect_eq(cgroup_detect("30 23 0:27 / /sys/fs/cgroup rw cgroup2 cgroup2 rw\n", "0::/\n",
				   root, 1, &env, &e),
		     -EINVAL);
	cr_expect(strstr(e.msg, "mountinfo line 1") != NULL, "%s", e.msg);
	cr_expect_eq(cgroup_detect("30 23 0:27 / relative rw - cgroup2 cgroup2 rw\n", "0::/\n",
				   root, 1, &env, NULL),
		     -EINVAL);
}

/* Run detect + setup as someone who may not write the v2 cgroup. */
static int detect_as_other_user(const char *cg)
{
	struct cgroup_env env;
	char self_cgroup[PATH_MAX + 8];

	if (geteuid() == 0 && setresgid(65534, 65534, 65534) < 0)
		return 10;
	if (geteuid() == 0 && setresuid(65534, 65534, 65534) < 0)
		return 11;
	/* Runs in a forked child: plain checks and exit codes, never Criterion. */
	if (snprintf(self_cgroup, sizeof(self_cgroup), "0::%s\n", cg) >= (int)sizeof(self_cgroup))
		return 17;
	if (cgroup_detect(V2_MOUNTINFO, self_cgroup, root, getpid(), &env, NULL) < 0)
		return 12;
	env.fake = &fake_ops;
	if (!env.v2_found)
		return 13;
	if (env.v2_writable)
		return 14;
	if (cgroup_setup(&env, NULL) < 0 || env.v2_usable != 0 || env.v2_moved)
		return 15;
	if (!strstr(env.v2_reason, "not writable"))
		return 16;
	return 0;
}

Test(cgroup_v2_detect, unwritable_cgroup_is_not_used)
{
	char dir[PATH_MAX];
	int status;
	pid_t pid;

	make_v2_cgroup("/user.slice/session-1.scope", "memory pids cpu\n", "", false, dir);
	/* A session scope owned by root: unprivileged callers see it read-only. */
	cr_assert_eq(chmod(dir, 0555), 0);
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/cgroup.procs");
	cr_assert_eq(chmod(dir, 0444), 0);
	pid = fork();
	if (pid < 0) /* only the parent may assert: Criterion's IPC is not fork-safe */
		cr_assert_fail("fork failed");
	if (pid == 0)
		_exit(detect_as_other_user("/user.slice/session-1.scope"));
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
}

Test(cgroup_v2_setup, moves_into_supervisor_leaf_and_enables_controllers)
{
	struct cgroup_env env;
	struct err_ctx e = {0};
	char dir[PATH_MAX], leaf[PATH_MAX], pid[32];

	make_v2_cgroup("/run.scope", "cpu memory pids\n", "", false, dir);
	detect_v2("/run.scope", &env);
	cr_assert_eq(cgroup_setup(&env, &e), 0, "%s", e.msg);
	cr_expect_str_eq(env.v2_reason, "");
	cr_expect(env.v2_moved);
	cr_expect_eq(env.v2_usable,
		     CGROUP_MASK(CGROUP_CTRL_MEMORY) | CGROUP_MASK(CGROUP_CTRL_PIDS) |
			     CGROUP_MASK(CGROUP_CTRL_CPU) | CGROUP_MASK(CGROUP_CTRL_CPUACCT));
	fmt_into(leaf, sizeof(leaf), "%s/vmsandbox-%d-supervisor", dir, (int)getpid());
	fmt_into(pid, sizeof(pid), "%d", (int)getpid());
	cr_expect_str_eq(get(leaf, "cgroup.procs"), pid);
	cr_expect_str_eq(get(dir, "cgroup.subtree_control"), "+memory +pids +cpu");
	cr_expect_eq(cgroup_where(&env, CGROUP_CTRL_MEMORY), CGROUP_V2);
	cr_expect_eq(cgroup_where(&env, CGROUP_CTRL_CPUACCT), CGROUP_V2);

	cr_assert_eq(cgroup_teardown(&env, &e), 0, "%s", e.msg);
	cr_expect_str_eq(get(dir, "cgroup.subtree_control"), "-memory -pids -cpu");
	cr_expect_str_eq(get(dir, "cgroup.procs"), pid);
	cr_expect_not(exists(leaf, "."), "supervisor leaf must be gone");
	cr_expect_not(env.v2_moved);
	cr_expect_eq(env.v2_usable, 0u);
}

Test(cgroup_v2_setup, enables_only_what_is_missing)
{
	struct cgroup_env env;
	char dir[PATH_MAX];

	make_v2_cgroup("/run.scope", "memory pids\n", "memory\n", false, dir);
	detect_v2("/run.scope", &env);
	cr_assert_eq(cgroup_setup(&env, NULL), 0);
	cr_expect_str_eq(get(dir, "cgroup.subtree_control"), "+pids");
	cr_expect_eq(cgroup_where(&env, CGROUP_CTRL_CPU), CGROUP_NONE);
	cr_assert_eq(cgroup_teardown(&env, NULL), 0);
	cr_expect_str_eq(get(dir, "cgroup.subtree_control"), "-pids");
}

Test(cgroup_v2_setup, rolls_back_when_controllers_cannot_be_enabled)
{
	struct cgroup_env env;
	char dir[PATH_MAX], path[PATH_MAX], pid[32];

	make_v2_cgroup("/run.scope", "memory pids cpu\n", "", false, dir);
	/* A write to cgroup.subtree_control that fails (EISDIR stands in for EBUSY). */
	fmt_into(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(mkdir(path, 0755), 0);
	detect_v2("/run.scope", &env);
	cr_assert(env.v2_writable);
	cr_assert_eq(cgroup_setup(&env, NULL), 0);
	cr_expect_eq(env.v2_usable, 0u);
	cr_expect_not(env.v2_moved);
	cr_expect(strstr(env.v2_reason, "cgroup.subtree_control") != NULL, "%s", env.v2_reason);
	fmt_into(pid, sizeof(pid), "%d", (int)getpid());
	cr_expect_str_eq(get(dir, "cgroup.procs"), pid, "moved back");
	fmt_into(path, sizeof(path), "%s/vmsandbox-%d-supervisor", dir, (int)getpid());
	cr_expect_not(exists(path, "."), "supervisor leaf removed");
	cr_expect_eq(cgroup_teardown(&env, NULL), 0);
}

Test(cgroup_v2_setup, refuses_when_other_processes_share_the_cgroup)
{
	struct cgroup_env env;
	char dir[PATH_MAX], procs[64];

	make_v2_cgroup("/shell.scope", "memory pids cpu\n", "", false, dir);
	fmt_into(procs, sizeof(procs), "1234\n%d\n", (int)getpid());
	put(dir, "cgroup.procs", procs);
	detect_v2("/shell.scope", &env);
	cr_assert_eq(cgroup_setup(&env, NULL), 0);
	cr_expect_eq(env.v2_usable, 0u);
	cr_expect_not(env.v2_moved);
	cr_expect(strstr(env.v2_reason, "other processes") != NULL, "%s", env.v2_reason);
	cr_expect_eq(opts.mkdirs, 0u, "nothing may be created");
	cr_expect_str_eq(get(dir, "cgroup.subtree_control"), "");
	cr_expect_str_eq(get(dir, "cgroup.procs"), procs);
}

Test(cgroup_v2_setup, root_cgroup_uses_enabled_controllers_without_changing_them)
{
	struct cgroup_env env;
	char dir[PATH_MAX];

	make_v2_cgroup("/", "cpuset cpu io memory pids\n", "memory pids\n", true, dir);
	detect_v2("/", &env);
	cr_expect(env.v2_root);
	cr_assert_eq(cgroup_setup(&env, NULL), 0);
	cr_expect_eq(env.v2_usable, CGROUP_MASK(CGROUP_CTRL_MEMORY) |
					    CGROUP_MASK(CGROUP_CTRL_PIDS) |
					    CGROUP_MASK(CGROUP_CTRL_CPUACCT));
	cr_expect_not(env.v2_moved);
	cr_expect_str_eq(get(dir, "cgroup.subtree_control"), "memory pids\n");
	cr_expect_eq(opts.mkdirs, 0u);
}

/* A root v2 cgroup with all three controllers enabled: leaves go right below. */
static void ready_env(struct cgroup_env *env, char *dir)
{
	make_v2_cgroup("/", "cpu memory pids\n", "cpu memory pids\n", true, dir);
	detect_v2("/", env);
	cr_assert_eq(cgroup_setup(env, NULL), 0);
	cr_assert_eq(cgroup_where(env, CGROUP_CTRL_MEMORY), CGROUP_V2);
}

static struct cgroup_settings all_v2(void)
{
	struct cgroup_settings set = {
		.use = {CGROUP_V2, CGROUP_V2, CGROUP_V2, CGROUP_V2},
		.memory_bytes = 64 << 20,
		.pids = 32,
		.cpu_quota_us = 50000,
		.cpu_period_us = 100000,
	};
	return set;
}

Test(cgroup_v2_instance, writes_limits_into_the_leaf)
{
	struct cgroup_env env;
	struct cgroup_settings set = all_v2();
	struct cgroup_instance *cg = NULL;
	struct err_ctx e = {0};
	char dir[PATH_MAX], leaf[PATH_MAX];

	ready_env(&env, dir);
	cr_assert_eq(cgroup_instance_create(&env, "0a1b2c", &set, &cg, &e), 0, "%s", e.msg);
	fmt_into(leaf, sizeof(leaf), "%s/vmsandbox-%d-0a1b2c", dir, (int)getpid());
	cr_expect_str_eq(cgroup_instance_path(cg, CGROUP_CTRL_MEMORY), leaf);
	cr_expect_str_eq(cgroup_instance_path(cg, CGROUP_CTRL_CPUACCT), leaf);
	cr_expect_geq(cgroup_instance_v2_fd(cg), 0);
	cr_expect_eq(opts.mkdirs, 1u, "one leaf for all v2 controllers");
	cr_expect_str_eq(get(leaf, "memory.max"), "67108864");
	cr_expect_str_eq(get(leaf, "memory.swap.max"), "0");
	cr_expect_str_eq(get(leaf, "memory.oom.group"), "1");
	cr_expect_str_eq(get(leaf, "pids.max"), "32");
	cr_expect_str_eq(get(leaf, "cpu.max"), "50000 100000");
	cr_expect_eq(cgroup_instance_destroy(cg, &e), 0, "%s", e.msg);
	cr_expect_not(exists(leaf, "."));
}

Test(cgroup_v2_instance, unlimited_values_are_left_alone)
{
	struct cgroup_env env;
	struct cgroup_settings set = all_v2();
	_cleanup_cgroup_instance_ struct cgroup_instance *cg = NULL;
	char dir[PATH_MAX];
	const char *leaf;

	set.memory_bytes = 0;
	set.cpu_quota_us = 0;
	set.pids = 10000000; /* above the kernel's pid limit */
	opts.no_swap = true;
	ready_env(&env, dir);
	cr_assert_eq(cgroup_instance_create(&env, "ff", &set, &cg, NULL), 0);
	leaf = cgroup_instance_path(cg, CGROUP_CTRL_MEMORY);
	cr_expect_str_eq(get(leaf, "memory.max"), "max\n");
	cr_expect_str_eq(get(leaf, "memory.oom.group"), "1", "group OOM kill even unlimited");
	cr_expect_str_eq(get(leaf, "cpu.max"), "max 100000\n");
	cr_expect_str_eq(get(leaf, "pids.max"), "max");
}

Test(cgroup_v2_instance, attach_writes_the_pid_unless_cloned_into_it)
{
	struct cgroup_env env;
	struct cgroup_settings set = all_v2();
	_cleanup_cgroup_instance_ struct cgroup_instance *cg = NULL;
	char dir[PATH_MAX];
	const char *leaf;

	ready_env(&env, dir);
	cr_assert_eq(cgroup_instance_create(&env, "1", &set, &cg, NULL), 0);
	leaf = cgroup_instance_path(cg, CGROUP_CTRL_PIDS);
	cr_expect_eq(cgroup_instance_attach(cg, 4321, true, NULL), 0);
	cr_expect_str_eq(get(leaf, "cgroup.procs"), "");
	cr_expect_eq(cgroup_instance_attach(cg, 4321, false, NULL), 0);
	cr_expect_str_eq(get(leaf, "cgroup.procs"), "4321");
	cr_expect_eq(cgroup_instance_attach(cg, 0, false, NULL), -EINVAL);
}

Test(cgroup_v2_instance, reads_usage_from_the_leaf)
{
	struct cgroup_env env;
	struct cgroup_settings set = all_v2();
	_cleanup_cgroup_instance_ struct cgroup_instance *cg = NULL;
	struct cgroup_usage u;
	struct err_ctx e = {0};
	char dir[PATH_MAX];
	const char *leaf;

	ready_env(&env, dir);
	cr_assert_eq(cgroup_instance_create(&env, "2", &set, &cg, NULL), 0);
	leaf = cgroup_instance_path(cg, CGROUP_CTRL_MEMORY);
	put(leaf, "cpu.stat",
	    "usage_usec 1500000\nuser_usec 1200000\nsystem_usec 300000\nnr_periods 0\n");
	put(leaf, "memory.peak", "52428800\n");
	put(leaf, "memory.events", "low 0\nhigh 0\nmax 17\noom 2\noom_kill 1\noom_group_kill 1\n");
	put(leaf, "pids.peak", "31\n");
	put(leaf, "pids.events", "max 5\n");
	cr_assert_eq(cgroup_instance_usage(cg, &u, &e), 0, "%s", e.msg);
	cr_expect_eq(u.cpu_usec, 1500000u);
	cr_expect_eq(u.cpu_user_usec, 1200000u);
	cr_expect_eq(u.cpu_system_usec, 300000u);
	cr_expect_eq(u.memory_peak_bytes, 52428800u);
	cr_expect_eq(u.oom_kills, 1u);
	cr_expect_eq(u.memory_max_hits, 17u);
	cr_expect_eq(u.pids_peak, 31u);
	cr_expect_eq(u.pids_max_hits, 5u);
}

Test(cgroup_v2_instance, missing_counters_are_unknown_and_garbage_is_an_error)
{
	struct cgroup_env env;
	struct cgroup_settings set = all_v2();
	_cleanup_cgroup_instance_ struct cgroup_instance *cg = NULL;
	struct cgroup_usage u;
	struct err_ctx e = {0};
	char dir[PATH_MAX];
	const char *leaf;

	opts.no_peak = true; /* kernels before 5.19 */
	ready_env(&env, dir);
	cr_assert_eq(cgroup_instance_create(&env, "3", &set, &cg, NULL), 0);
	leaf = cgroup_instance_path(cg, CGROUP_CTRL_MEMORY);
	cr_assert_eq(cgroup_instance_usage(cg, &u, &e), 0, "%s", e.msg);
	cr_expect_eq(u.memory_peak_bytes, CGROUP_UNKNOWN);
	cr_expect_eq(u.pids_peak, CGROUP_UNKNOWN);
	cr_expect_eq(u.oom_kills, 0u);

	put(leaf, "memory.events", "max 1\noom_kill -3\n");
	put(leaf, "cpu.stat", "usage_usec 99999999999999999999999\n");
	cr_expect_eq(cgroup_instance_usage(cg, &u, &e), -EINVAL);
	cr_expect(strstr(e.msg, "cpu.stat") != NULL, "first failure named: %s", e.msg);
	cr_expect_eq(u.cpu_usec, CGROUP_UNKNOWN);
	cr_expect_eq(u.oom_kills, CGROUP_UNKNOWN);
	cr_expect_eq(u.memory_max_hits, 1u, "the good fields are still read");
}

Test(cgroup_v2_instance, kill_uses_cgroup_kill_when_the_kernel_has_it)
{
	struct cgroup_env env;
	struct cgroup_settings set = all_v2();
	_cleanup_cgroup_instance_ struct cgroup_instance *cg = NULL;
	_cleanup_cgroup_instance_ struct cgroup_instance *old = NULL;
	char dir[PATH_MAX];

	ready_env(&env, dir);
	cr_assert_eq(cgroup_instance_create(&env, "4", &set, &cg, NULL), 0);
	cr_expect_eq(cgroup_instance_kill(cg, NULL), 0);
	cr_expect_str_eq(get(cgroup_instance_path(cg, CGROUP_CTRL_PIDS), "cgroup.kill"), "1");
	opts.no_kill = true; /* kernels before 5.14 */
	cr_assert_eq(cgroup_instance_create(&env, "5", &set, &old, NULL), 0);
	cr_expect_eq(cgroup_instance_kill(old, NULL), -EOPNOTSUPP);
}

Test(cgroup_v2_instance, destroy_removes_nested_cgroups_and_waits_for_exit)
{
	struct cgroup_env env;
	struct cgroup_settings set = all_v2();
	struct cgroup_instance *cg = NULL;
	struct err_ctx e = {0};
	char dir[PATH_MAX], leaf[PATH_MAX], nested[PATH_MAX];
	int leaf_fd;

	ready_env(&env, dir);
	cr_assert_eq(cgroup_instance_create(&env, "6", &set, &cg, NULL), 0);
	fmt_into(leaf, sizeof(leaf), "%s", cgroup_instance_path(cg, CGROUP_CTRL_MEMORY));
	/* The instance made its own sub-cgroups (it may, inside its namespace). */
	leaf_fd = open(leaf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_eq(fake_mkdir(leaf_fd, "inner", CGROUP_V2, 0, &opts), 0);
	fmt_into(nested, sizeof(nested), "%s/inner", leaf);
	cr_assert_eq(fake_mkdir(leaf_fd, "inner/deeper", CGROUP_V2, 0, &opts), 0);
	close(leaf_fd);
	cr_expect_eq(cgroup_instance_destroy(cg, &e), 0, "%s", e.msg);
	cr_expect_not(exists(leaf, "."));
	cr_expect_eq(opts.rmdirs, 3u);
}

Test(cgroup_v2_instance, destroy_retries_while_tasks_are_still_exiting)
{
	struct cgroup_env env;
	struct cgroup_settings set = all_v2();
	struct cgroup_instance *cg = NULL;
	struct err_ctx e = {0};
	char dir[PATH_MAX], leaf[PATH_MAX];

	ready_env(&env, dir);
	cr_assert_eq(cgroup_instance_create(&env, "a", &set, &cg, NULL), 0);
	fmt_into(leaf, sizeof(leaf), "%s", cgroup_instance_path(cg, CGROUP_CTRL_MEMORY));
	opts.busy_left = 3;
	cr_expect_eq(cgroup_instance_destroy(cg, &e), 0, "%s", e.msg);
	cr_expect_eq(opts.busy_left, 0u);
	cr_expect_not(exists(leaf, "."));
}

Test(cgroup_v2_instance, destroy_reports_a_cgroup_that_stays_populated)
{
	struct cgroup_env env;
	struct cgroup_settings set = all_v2();
	struct cgroup_instance *cg = NULL;
	struct err_ctx e = {0};
	char dir[PATH_MAX], leaf[PATH_MAX];

	ready_env(&env, dir);
	cr_assert_eq(cgroup_instance_create(&env, "7", &set, &cg, NULL), 0);
	fmt_into(leaf, sizeof(leaf), "%s", cgroup_instance_path(cg, CGROUP_CTRL_MEMORY));
	put(leaf, "cgroup.events", "populated 1\n");
	cr_expect_eq(cgroup_instance_destroy(cg, &e), -EBUSY);
	cr_expect(strstr(e.msg, leaf) != NULL, "%s", e.msg);
	cr_expect(exists(leaf, "."));
}

Test(cgroup_v2_instance, rejects_bad_instance_ids)
{
	static const char *const bad[] = {"",
					  "../x",
					  "ABC",
					  "a/b",
					  "supervisor",
					  "12 34",
					  "0123456789abcdef0123456789abcdef0"};
	struct cgroup_env env;
	struct cgroup_settings set = all_v2();
	struct cgroup_instance *cg = NULL;
	char dir[PATH_MAX];

	ready_env(&env, dir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(cgroup_instance_create(&env, bad[i], &set, &cg, NULL), -EINVAL,
			     "'%s' accepted", bad[i]);
	}
	cr_expect_eq(opts.mkdirs, 0u);
}

Test(cgroup_v2_instance, rejects_a_controller_the_host_does_not_offer)
{
	struct cgroup_env env;
	struct cgroup_settings set = all_v2();
	struct cgroup_instance *cg = NULL;
	struct err_ctx e = {0};
	char dir[PATH_MAX];

	make_v2_cgroup("/", "memory pids cpu\n", "memory\n", true, dir);
	detect_v2("/", &env);
	cr_assert_eq(cgroup_setup(&env, NULL), 0);
	cr_expect_eq(cgroup_instance_create(&env, "8", &set, &cg, &e), -EINVAL);
	cr_expect(strstr(e.msg, "'pids'") != NULL, "%s", e.msg);
	cr_expect_eq(opts.mkdirs, 0u);
}

Test(cgroup_v2_instance, failure_midway_leaves_nothing_behind)
{
	struct cgroup_env env;
	struct cgroup_settings set = all_v2();
	struct cgroup_instance *cg = NULL;
	struct err_ctx e = {0};
	char dir[PATH_MAX], leaf[PATH_MAX];

	opts.no_memory_max = true;
	ready_env(&env, dir);
	cr_expect_eq(cgroup_instance_create(&env, "9", &set, &cg, &e), -ENOENT);
	cr_expect(strstr(e.msg, "memory.max") != NULL, "%s", e.msg);
	cr_expect_null(cg);
	fmt_into(leaf, sizeof(leaf), "%s/vmsandbox-%d-9", dir, (int)getpid());
	cr_expect_not(exists(leaf, "."));
	cr_expect_eq(opts.rmdirs, 1u);
}

static void stale_leaf(const char *dir, const char *name, const char *procs)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char path[PATH_MAX];

	cr_assert_eq(fake_mkdir(dfd, name, CGROUP_V2, CGROUP_MASK(CGROUP_CTRL_MEMORY), &opts), 0);
	close(dfd);
	fmt_into(path, sizeof(path), "%s/%s", dir, name);
	put(path, "cgroup.procs", procs);
}

Test(cgroup_v2_stale, removes_leaves_of_dead_supervisors_only)
{
	struct cgroup_env env;
	char dir[PATH_MAX], proc[PATH_MAX], self_leaf[64];
	unsigned removed = 99;

	ready_env(&env, dir);
	fmt_into(proc, sizeof(proc), "%s/proc", root);
	fake_proc(proc, 200, "vmsandbox\n");		 /* live supervisor */
	fake_proc(proc, 300, "bash\n");			 /* pid reused by something else */
	stale_leaf(dir, "vmsandbox-100-abc", "");	 /* dead: removed */
	stale_leaf(dir, "vmsandbox-100-supervisor", ""); /* dead: removed */
	stale_leaf(dir, "vmsandbox-300-abc", "");	 /* not ours any more: removed */
	stale_leaf(dir, "vmsandbox-200-abc", "");	 /* live: kept */
	stale_leaf(dir, "vmsandbox-101-abc", "4242\n");	 /* dead but populated: kept */
	stale_leaf(dir, "vmsandbox-x-abc", "");		 /* not our pattern: kept */
	stale_leaf(dir, "system.slice", "");		 /* not ours: kept */
	fmt_into(self_leaf, sizeof(self_leaf), "vmsandbox-%d-abc", (int)getpid());
	stale_leaf(dir, self_leaf, ""); /* our own: kept */

	cr_assert_eq(cgroup_cleanup_stale(&env, proc, &removed, NULL), 0);
	cr_expect_eq(removed, 3u);
	cr_expect_not(exists(dir, "vmsandbox-100-abc"));
	cr_expect_not(exists(dir, "vmsandbox-100-supervisor"));
	cr_expect_not(exists(dir, "vmsandbox-300-abc"));
	cr_expect(exists(dir, "vmsandbox-200-abc"));
	cr_expect(exists(dir, "vmsandbox-101-abc"));
	cr_expect(exists(dir, "vmsandbox-x-abc"));
	cr_expect(exists(dir, "system.slice"));
	cr_expect(exists(dir, self_leaf));
}
