/* SPDX-License-Identifier: MIT */
#include "test_child_util.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "child/landlock.h"

Test(child_landlock, fs_rights_grow_with_the_abi)
{
	cr_expect_eq(child_landlock_fs_rights(0), 0);
	cr_expect_eq(child_landlock_fs_rights(1), 0x1fff, "EXECUTE..MAKE_SYM");
	cr_expect_eq(child_landlock_fs_rights(2), 0x3fff, "+ REFER");
	cr_expect_eq(child_landlock_fs_rights(3), 0x7fff, "+ TRUNCATE");
	cr_expect_eq(child_landlock_fs_rights(4), 0x7fff, "ABI 4 adds no fs right");
	cr_expect_eq(child_landlock_fs_rights(5), 0xffff, "+ IOCTL_DEV");
	cr_expect_eq(child_landlock_fs_rights(7), 0xffff);
}

Test(child_landlock, net_rights_and_scopes_start_at_their_abi)
{
	cr_expect_eq(child_landlock_net_rights(3), 0);
	cr_expect_eq(child_landlock_net_rights(4), 0x3, "BIND_TCP | CONNECT_TCP");
	cr_expect_eq(child_landlock_scopes(5), 0);
	cr_expect_eq(child_landlock_scopes(6), 0x3, "ABSTRACT_UNIX_SOCKET | SIGNAL");
}

struct ll_dirs {
	char base[64];
	char ro[96], rw[96], skipped[96];
};

static void make_dirs(struct ll_dirs *d)
{
	snprintf(d->base, sizeof(d->base), "/tmp/vmsb-ll-XXXXXX");
	cr_assert_not_null(mkdtemp(d->base));
	snprintf(d->ro, sizeof(d->ro), "%s/ro", d->base);
	snprintf(d->rw, sizeof(d->rw), "%s/rw", d->base);
	snprintf(d->skipped, sizeof(d->skipped), "%s/skipped", d->base);
	cr_assert_eq(mkdir(d->ro, 0755), 0);
	cr_assert_eq(mkdir(d->rw, 0755), 0);
	cr_assert_eq(mkdir(d->skipped, 0755), 0);
}

static bool can_create(const char *dir)
{
	char path[160];
	int fd;

	snprintf(path, sizeof(path), "%s/f", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return false;
	close(fd);
	unlink(path);
	return true;
}

/* The view: ro (read-only bind), rw (writable bind), skipped (optional bind never mounted). */
static int restricted_child(struct ll_dirs *d, int abi)
{
	pid_t pid = fork();

	if (pid < 0) /* only the parent may assert: Criterion's IPC is not fork-safe */
		cr_assert_fail("fork failed");
	if (pid == 0) {
		struct policy_mount mounts[] = {
			{.kind = POLICY_MOUNT_BIND_RO, .dest = d->ro},
			{.kind = POLICY_MOUNT_BIND_RW, .dest = d->rw},
			{.kind = POLICY_MOUNT_BIND_RW, .dest = d->skipped},
		};
		struct policy p = {.mounts = mounts,
				   .n_mounts = 3,
				   .landlock = true,
				   .net = POLICY_NET_LOOPBACK};
		struct child_config cfg = {.policy = &p, .landlock_abi = abi};
		struct child_view view = {.mounted = {true, true, false}};

		CHECK_OR_EXIT(1, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
		CHECK_OR_EXIT(2, child_landlock_apply(&cfg, &view, NULL) == 0);
		CHECK_OR_EXIT(3, can_create(d->rw));
		CHECK_OR_EXIT(4, !can_create(d->ro) && errno == EACCES);
		CHECK_OR_EXIT(5, !can_create(d->skipped) && errno == EACCES);
		CHECK_OR_EXIT(6,
			      access("/bin/sh", X_OK) == 0 && open("/etc/passwd", O_RDONLY) >= 0);
		/* ABI 6: the supervisor side (our parent) is outside the domain. */
		CHECK_OR_EXIT(7, abi < 6 || (kill(getppid(), 0) < 0 && errno == EPERM));
		_exit(0);
	}
	return child_test_verdict(pid);
}

Test(child_landlock, view_is_mirrored_read_only_outside_writable_mounts)
{
	int abi = child_landlock_abi();
	struct ll_dirs d;

	if (abi <= 0)
		child_test_skip("Landlock is unavailable");
	make_dirs(&d);
	cr_expect_eq(restricted_child(&d, abi), 0);
	rmdir(d.ro);
	rmdir(d.rw);
	rmdir(d.skipped);
	rmdir(d.base);
}

Test(child_landlock, an_older_abi_still_restricts)
{
	struct ll_dirs d;

	if (child_landlock_abi() <= 0)
		child_test_skip("Landlock is unavailable");
	make_dirs(&d);
	cr_expect_eq(restricted_child(&d, 1), 0);
	rmdir(d.ro);
	rmdir(d.rw);
	rmdir(d.skipped);
	rmdir(d.base);
}

Test(child_landlock, nothing_happens_without_abi_or_when_disabled)
{
	struct policy on = {.landlock = true}, off = {.landlock = false};
	struct child_config no_abi = {.policy = &on, .landlock_abi = 0};
	struct child_config disabled = {.policy = &off, .landlock_abi = 7};
	struct child_view view = {0};
	pid_t pid = fork();

	if (pid < 0) /* only the parent may assert: Criterion's IPC is not fork-safe */
		cr_assert_fail("fork failed");
	if (pid == 0) {
		CHECK_OR_EXIT(1, child_landlock_apply(&no_abi, &view, NULL) == 0);
		CHECK_OR_EXIT(2, child_landlock_apply(&disabled, &view, NULL) == 0);
		CHECK_OR_EXIT(3, can_create("/tmp"));
		_exit(0);
	}
	cr_expect_eq(child_test_verdict(pid), 0);
}
