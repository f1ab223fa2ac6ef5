/* SPDX-License-Identifier: MIT */
#include "test_child_util.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include "child/mount.h"

/* --- path walking, on a plain temporary directory ------------------------------------ */

struct walk_fixture {
	char root[64];
	char outside[64];
	int root_fd;
};

static void walk_setup(struct walk_fixture *w)
{
	snprintf(w->root, sizeof(w->root), "/tmp/vmsb-walk-XXXXXX");
	snprintf(w->outside, sizeof(w->outside), "/tmp/vmsb-out-XXXXXX");
	cr_assert_not_null(mkdtemp(w->root));
	cr_assert_not_null(mkdtemp(w->outside));
	w->root_fd = open(w->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(w->root_fd, 0);
}

static void walk_teardown(struct walk_fixture *w)
{
	char cmd[200];

	close(w->root_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", w->root, w->outside);
	cr_expect_eq(system(cmd), 0);
}

static int open_dest(struct walk_fixture *w, const char *path, enum child_dest_kind kind)
{
	struct err_ctx err = {0};
	int fd = child_mount_open_dest(w->root_fd, path, kind, 0700, &err);

	if (fd >= 0)
		close(fd);
	return fd < 0 ? fd : 0;
}

static bool exists_in(const char *dir, const char *rel)
{
	char path[200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return lstat(path, &st) == 0;
}

Test(child_mount, open_dest_creates_missing_directories)
{
	struct walk_fixture w;
	char path[200];
	struct stat st;
	mode_t old = umask(0);

	walk_setup(&w);
	cr_expect_eq(open_dest(&w, "/a/b/c", CHILD_DEST_DIR), 0);
	umask(old);
	snprintf(path, sizeof(path), "%s/a/b/c", w.root);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect(S_ISDIR(st.st_mode));
	cr_expect_eq(st.st_mode & 07777, 0700, "the leaf gets the requested mode");
	snprintf(path, sizeof(path), "%s/a", w.root);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0755, "intermediate directories are 0755");
	walk_teardown(&w);
}

Test(child_mount, open_dest_creates_an_empty_file_for_a_file_mount)
{
	struct walk_fixture w;
	char path[200];
	struct stat st;

	walk_setup(&w);
	cr_expect_eq(open_dest(&w, "/etc/hosts", CHILD_DEST_FILE), 0);
	snprintf(path, sizeof(path), "%s/etc/hosts", w.root);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect(S_ISREG(st.st_mode));
	cr_expect_eq(st.st_size, 0);
	cr_expect_eq(open_dest(&w, "/etc/hosts", CHILD_DEST_FILE), 0, "an existing file is reused");
	walk_teardown(&w);
}

Test(child_mount, open_dest_refuses_a_symlink_in_the_middle)
{
	struct walk_fixture w;
	char link[200];

	walk_setup(&w);
	snprintf(link, sizeof(link), "%s/escape", w.root);
	cr_assert_eq(symlink(w.outside, link), 0);
	cr_expect_eq(open_dest(&w, "/escape/x", CHILD_DEST_DIR), -ELOOP);
	cr_expect_not(exists_in(w.outside, "x"), "a directory was created outside the root");
	snprintf(link, sizeof(link), "%s/rel", w.root);
	cr_assert_eq(symlink("..", link), 0);
	cr_expect_eq(open_dest(&w, "/rel/y", CHILD_DEST_DIR), -ELOOP);
	walk_teardown(&w);
}

Test(child_mount, open_dest_refuses_a_symlink_as_the_mountpoint)
{
	struct walk_fixture w;
	char link[200], target[200];

	walk_setup(&w);
	snprintf(link, sizeof(link), "%s/leaf", w.root);
	snprintf(target, sizeof(target), "%s/file", w.outside);
	cr_assert_eq(symlink(target, link), 0);
	cr_expect_eq(open_dest(&w, "/leaf", CHILD_DEST_DIR), -ELOOP);
	cr_expect_eq(open_dest(&w, "/leaf", CHILD_DEST_FILE), -ELOOP);
	cr_expect_not(exists_in(w.outside, "file"), "a dangling symlink was followed");
	walk_teardown(&w);
}

Test(child_mount, open_dest_refuses_dot_dot_empty_and_relative_paths)
{
	struct walk_fixture w;

	walk_setup(&w);
	cr_expect_eq(open_dest(&w, "/a/../b", CHILD_DEST_DIR), -EINVAL);
	cr_expect_not(exists_in(w.root, "a"), "nothing is created before a bad component");
	cr_expect_eq(open_dest(&w, "/a/./b", CHILD_DEST_DIR), -EINVAL);
	cr_expect_eq(open_dest(&w, "/a//b", CHILD_DEST_DIR), -EINVAL);
	cr_expect_eq(open_dest(&w, "relative", CHILD_DEST_DIR), -EINVAL);
	cr_expect_eq(open_dest(&w, "/", CHILD_DEST_DIR), -EINVAL);
	cr_expect_eq(open_dest(&w, "/..", CHILD_DEST_DIR), -EINVAL);
	walk_teardown(&w);
}

Test(child_mount, open_dest_wants_the_right_kind_of_mountpoint)
{
	struct walk_fixture w;

	walk_setup(&w);
	cr_expect_eq(open_dest(&w, "/d", CHILD_DEST_DIR), 0);
	cr_expect_eq(open_dest(&w, "/d", CHILD_DEST_FILE), -EISDIR);
	cr_expect_eq(open_dest(&w, "/f", CHILD_DEST_FILE), 0);
	cr_expect_eq(open_dest(&w, "/f", CHILD_DEST_DIR), -ENOTDIR);
	cr_expect_eq(open_dest(&w, "/f/below", CHILD_DEST_DIR), -ENOTDIR);
	walk_teardown(&w);
}

Test(child_mount, open_dest_error_names_the_path)
{
	struct walk_fixture w;
	struct err_ctx err = {0};

	walk_setup(&w);
	cr_expect_eq(child_mount_open_dest(w.root_fd, "/x/../y", CHILD_DEST_DIR, 0755, &err),
		     -EINVAL);
	cr_expect_str_eq(err.msg, "cannot create mountpoint '/x/../y'");
	walk_teardown(&w);
}

/* --- the whole view, inside user + mount + pid namespaces ---------------------------- */

struct view_fixture {
	char src[64];
	char ro[96], rw[96], file[112], missing[96];
};

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static void view_setup(struct view_fixture *v)
{
	snprintf(v->src, sizeof(v->src), "/tmp/vmsb-view-XXXXXX");
	cr_assert_not_null(mkdtemp(v->src));
	cr_assert_eq(chmod(v->src, 0755), 0);
	snprintf(v->ro, sizeof(v->ro), "%s/ro", v->src);
	snprintf(v->rw, sizeof(v->rw), "%s/rw", v->src);
	snprintf(v->file, sizeof(v->file), "%s/ro/file", v->src);
	snprintf(v->missing, sizeof(v->missing), "%s/missing", v->src);
	cr_assert_eq(mkdir(v->ro, 0755), 0);
	cr_assert_eq(mkdir(v->rw, 0777), 0);
	write_text(v->file, "hello");
}

static bool read_is(const char *path, const char *want)
{
	char buf[64] = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	return n >= 0 && strcmp(buf, want) == 0;
}

static bool fails_with(int r, int err)
{
	return r < 0 && errno == err;
}

static bool mnt_flags(const char *path, unsigned long want, unsigned long not )
{
	struct statvfs sv;

	return statvfs(path, &sv) == 0 && (sv.f_flag & want) == want && (sv.f_flag & not ) == 0;
}

/* Runs as pid 1 of the new namespaces; the exit code says which check failed. */
static int view_checks(const struct view_fixture *v)
{
	struct policy_mount m[] = {
		{.kind = POLICY_MOUNT_BIND_RO, .source = (char *)v->ro, .dest = "/data/ro"},
		{.kind = POLICY_MOUNT_BIND_RW, .source = (char *)v->rw, .dest = "/data/rw"},
		{.kind = POLICY_MOUNT_BIND_RO,
		 .source = (char *)v->missing,
		 .dest = "/opt/gone",
		 .optional = true},
		{.kind = POLICY_MOUNT_BIND_RO, .source = (char *)v->file, .dest = "/etc/file"},
		{.kind = POLICY_MOUNT_TMPFS, .dest = "/tmp", .mode = 01777, .size = 1 << 20},
		{.kind = POLICY_MOUNT_PROC, .dest = "/proc"},
		{.kind = POLICY_MOUNT_DEV, .dest = "/dev"},
		{.kind = POLICY_MOUNT_SYMLINK, .source = "data/ro", .dest = "/link"},
		{.kind = POLICY_MOUNT_DIR, .dest = "/run/private", .mode = 0700},
	};
	struct policy p = {.mounts = m,
			   .n_mounts = ARRAY_SIZE(m),
			   .cwd = "/data/rw",
			   .user = {.uid = getuid(), .gid = getgid()},
			   .limits = {.tmpfs_bytes = 1 << 20}};
	static const bool want_mounted[] = {1, 1, 0, 1, 1, 1, 1, 1, 1};
	struct child_mount_sources src;
	struct child_view view;
	struct stat st;
	char buf[64];

	CHECK_OR_EXIT(1, child_mount_open_sources(&p, &src, NULL) == 0 &&
				 child_mount_setup(&p, &src, &view, NULL) == 0);
	CHECK_OR_EXIT(2, memcmp(view.mounted, want_mounted, sizeof(want_mounted)) == 0);
	CHECK_OR_EXIT(3, getcwd(buf, sizeof(buf)) && strcmp(buf, "/data/rw") == 0);
	CHECK_OR_EXIT(4, read_is("/data/ro/file", "hello") && read_is("/etc/file", "hello"));
	CHECK_OR_EXIT(5, fails_with(open("/data/ro/new", O_WRONLY | O_CREAT, 0644), EROFS));
	CHECK_OR_EXIT(6, open("/data/rw/out", O_WRONLY | O_CREAT | O_CLOEXEC, 0644) >= 0);
	CHECK_OR_EXIT(7, access("/opt/gone", F_OK) < 0 && access("/opt", F_OK) < 0);
	CHECK_OR_EXIT(8, stat("/tmp", &st) == 0 && (st.st_mode & 07777) == 01777);
	CHECK_OR_EXIT(9,
		      readlink("/link", buf, sizeof(buf)) == 7 && memcmp(buf, "data/ro", 7) == 0);
	CHECK_OR_EXIT(10, stat("/run/private", &st) == 0 && (st.st_mode & 07777) == 0700);
	CHECK_OR_EXIT(11, fails_with(mkdir("/newdir", 0755), EROFS));
	CHECK_OR_EXIT(12, access("/proc/1/status", R_OK) == 0 && access("/proc/2", F_OK) < 0);
	CHECK_OR_EXIT(13, mnt_flags("/proc/sys", ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC, 0) &&
				  mnt_flags("/proc", ST_NOSUID | ST_NODEV | ST_NOEXEC, ST_RDONLY));
	CHECK_OR_EXIT(14,
		      access("/proc/kallsyms", F_OK) < 0 || open("/proc/kallsyms", O_RDONLY) < 0);
	CHECK_OR_EXIT(15, write(open("/dev/null", O_WRONLY), "x", 1) == 1);
	CHECK_OR_EXIT(16, open("/dev/ptmx", O_RDWR | O_NOCTTY) >= 0);
	CHECK_OR_EXIT(17, fails_with(mkdir("/dev/new", 0755), EROFS));
	CHECK_OR_EXIT(18, open("/dev/shm/x", O_WRONLY | O_CREAT, 0600) >= 0);
	CHECK_OR_EXIT(19, access(v->src, F_OK) < 0 && access("/usr", F_OK) < 0);
	CHECK_OR_EXIT(20, mnt_flags("/data/ro", ST_RDONLY | ST_NOSUID | ST_NODEV, 0));
	CHECK_OR_EXIT(21, mnt_flags("/data/rw", ST_NOSUID | ST_NODEV, ST_RDONLY));
	CHECK_OR_EXIT(22, mnt_flags("/dev/null", ST_NOSUID | ST_NOEXEC, ST_NODEV));
	CHECK_OR_EXIT(23, mnt_flags("/", ST_RDONLY | ST_NOSUID | ST_NODEV, 0));
	return 0;
}

Test(child_mount, builds_the_view_and_pivots_into_it)
{
	struct view_fixture v;
	char out[128], cmd[160];
	int verdict;
	pid_t pid;

	if (!child_test_can_unshare(CLONE_NEWNS | CLONE_NEWPID))
		child_test_skip("user, mount and pid namespaces are unavailable");
	view_setup(&v);
	pid = fork();
	if (pid < 0) /* only the parent may assert: Criterion's IPC is not fork-safe */
		cr_assert_fail("fork failed");
	if (pid == 0) {
		pid_t init;

		CHECK_OR_EXIT(90, child_test_unshare(CLONE_NEWNS | CLONE_NEWPID) == 0);
		init = fork(); /* pid 1 of the new pid namespace, as child_main is */
		if (init == 0)
			_exit(view_checks(&v));
		_exit(child_test_verdict(init) & 0xff);
	}
	verdict = child_test_verdict(pid);
	cr_expect_eq(verdict, 0, "check %d of view_checks() failed", verdict);
	snprintf(out, sizeof(out), "%s/out", v.rw);
	cr_expect_eq(access(out, F_OK), 0, "a write to the rw bind did not reach the host");
	snprintf(out, sizeof(out), "%s/new", v.ro);
	cr_expect_neq(access(out, F_OK), 0, "a write to the ro bind reached the host");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", v.src);
	cr_expect_eq(system(cmd), 0);
}

Test(child_mount, a_missing_bind_source_names_source_and_destination)
{
	struct view_fixture v;
	int p[2];
	char msg[192] = {0};
	pid_t pid;

	if (!child_test_can_unshare(CLONE_NEWNS))
		child_test_skip("user and mount namespaces are unavailable");
	view_setup(&v);
	cr_assert_eq(pipe(p), 0);
	pid = fork();
	if (pid < 0) /* only the parent may assert: Criterion's IPC is not fork-safe */
		cr_assert_fail("fork failed");
	if (pid == 0) {
		struct policy_mount m = {
			.kind = POLICY_MOUNT_BIND_RO, .source = v.missing, .dest = "/data"};
		struct policy pol = {.mounts = &m,
				     .n_mounts = 1,
				     .cwd = "/",
				     .user = {.uid = getuid(), .gid = getgid()}};
		struct child_view view;
		struct err_ctx err = {0};
		int r;

		CHECK_OR_EXIT(90, child_test_unshare(CLONE_NEWNS) == 0);
		struct child_mount_sources src;

		r = child_mount_open_sources(&pol, &src, &err);
		if (r == 0)
			r = child_mount_setup(&pol, &src, &view, &err);
		CHECK_OR_EXIT(91, write(p[1], err.msg, sizeof(err.msg)) == sizeof(err.msg));
		_exit(r == -ENOENT ? 0 : 1);
	}
	close(p[1]);
	cr_expect_eq(read(p[0], msg, sizeof(msg)), (ssize_t)sizeof(msg));
	cr_expect_eq(child_test_verdict(pid), 0);
	{
		char want[256];

		snprintf(want, sizeof(want), "cannot bind '%s' at '/data'", v.missing);
		cr_expect_str_eq(msg, want);
	}
	close(p[0]);
	snprintf(msg, sizeof(msg), "rm -rf '%s'", v.src);
	cr_expect_eq(system(msg), 0);
}
