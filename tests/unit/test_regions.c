/* SPDX-License-Identifier: MIT */
/*
 * Memory regions: the sealed memfds, what the instance's descriptor can and
 * cannot do, the range checks on hostile references, and how the child
 * installs the descriptors at CHILD_REGION_FD_BASE + i.
 */
#include "test_child_util.h"

#include <jansson.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "child/child.h"
#include "child/fds.h"
#include "child/userns.h"
#include "supervisor/broker/regions.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

#define PAGE 4096
#define BASE_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

enum { IN, OUT, CODE, GUARD, N_TEST_REGIONS };

static struct policy_region regs[N_TEST_REGIONS] = {
	[IN] = {"input", 4 * PAGE, POLICY_REGION_R},
	[OUT] = {"output", 2 * PAGE, POLICY_REGION_RW},
	[CODE] = {"code", PAGE, POLICY_REGION_RWX},
	[GUARD] = {"guard", PAGE, POLICY_REGION_NONE},
};
static struct region_set *rs;

static void setup(void)
{
	struct policy_broker b = {.regions = regs, .n_regions = N_TEST_REGIONS};
	struct err_ctx e = {0};

	cr_assert_eq(region_set_new(&b, &rs, &e), 0, "%s", e.msg);
}

static void teardown(void)
{
	rs = region_set_free(rs);
}

TestSuite(regions, .init = setup, .fini = teardown);

static int child_fd(int i)
{
	int fd = region_set_child_fd(rs, (size_t)i);

	cr_assert_geq(fd, 0, "region %d has no descriptor", i);
	return fd;
}

static uint8_t *sink(uint32_t region, uint64_t offset, uint64_t length)
{
	struct wire_region_ref ref = {region, offset, length};
	uint8_t *p = NULL;

	cr_assert_eq(region_set_range(rs, &ref, &p), 0, "sink %u+%llu", region,
		     (unsigned long long)offset);
	return p;
}

Test(regions, each_region_has_its_size_and_seals)
{
	const int want[] = {
		[IN] = BASE_SEALS | F_SEAL_FUTURE_WRITE, [OUT] = BASE_SEALS, [CODE] = BASE_SEALS};
	struct stat st;

	cr_assert_eq(region_set_count(rs), N_TEST_REGIONS);
	for (int i = IN; i <= CODE; i++) {
		int fd = child_fd(i);

		cr_assert_eq(fstat(fd, &st), 0);
		cr_expect_eq((uint64_t)st.st_size, regs[i].size, "region %d size", i);
		cr_expect_eq(fcntl(fd, F_GET_SEALS) & (BASE_SEALS | F_SEAL_FUTURE_WRITE), want[i],
			     "region %d seals 0x%x", i, fcntl(fd, F_GET_SEALS));
		cr_expect(fcntl(fd, F_GETFD) & FD_CLOEXEC, "region %d not close-on-exec", i);
	}
}

Test(regions, read_only_region_is_opened_read_only)
{
	cr_expect_eq(fcntl(child_fd(IN), F_GETFL) & O_ACCMODE, O_RDONLY);
	cr_expect_eq(fcntl(child_fd(OUT), F_GETFL) & O_ACCMODE, O_RDWR);
}

Test(regions, read_only_region_cannot_be_mapped_writable)
{
	void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, child_fd(IN), 0);

	cr_expect_eq(p, MAP_FAILED, "a writable shared mapping of an `r` region");
}

Test(regions, read_only_mapping_cannot_be_made_writable)
{
	void *p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, child_fd(IN), 0);

	cr_assert_neq(p, MAP_FAILED);
	cr_expect_eq(mprotect(p, PAGE, PROT_READ | PROT_WRITE), -1);
	munmap(p, PAGE);
}

Test(regions, read_only_region_cannot_be_written_or_resized)
{
	int fd = child_fd(IN);

	cr_expect_eq(pwrite(fd, "x", 1, 0), -1);
	cr_expect_eq(ftruncate(fd, 0), -1);
	cr_expect_eq(ftruncate(fd, 8 * PAGE), -1);
}

/* The instance can reopen its descriptor through /proc: the seal still holds. */
Test(regions, read_only_region_reopened_writable_still_refuses_writes)
{
	char path[64];
	int fd;
	void *p;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", child_fd(IN));
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return; /* refusing the open is as good */
	cr_expect_eq(pwrite(fd, "x", 1, 0), -1);
	cr_expect_eq(errno, EPERM);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	cr_expect_eq(p, MAP_FAILED);
	cr_expect_eq(ftruncate(fd, PAGE), -1);
	cr_expect_eq(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), -1, "F_SEAL_SEAL must be set");
	close(fd);
}

Test(regions, supervisor_writes_show_through_a_read_only_mapping)
{
	uint8_t *view = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, child_fd(IN), 0);
	uint8_t *w = sink(IN, 3 * PAGE + 10, 5);

	cr_assert_neq(view, MAP_FAILED);
	memcpy(w, "hello", 5);
	cr_expect_eq(memcmp(view + 3 * PAGE + 10, "hello", 5), 0);
	munmap(view, 4 * PAGE);
}

Test(regions, read_write_region_is_shared_both_ways)
{
	uint8_t *view = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, child_fd(OUT), 0);
	uint8_t *src = NULL;
	struct wire_region_ref ref = {OUT, PAGE, 6};

	cr_assert_neq(view, MAP_FAILED);
	memcpy(view + PAGE, "guest!", 6);
	cr_assert_eq(region_set_range(rs, &ref, &src), 0);
	cr_expect_eq(memcmp(src, "guest!", 6), 0);
	memcpy(sink(OUT, 0, 4), "host", 4);
	cr_expect_eq(memcmp(view, "host", 4), 0);
	munmap(view, 2 * PAGE);
}

Test(regions, none_region_has_no_descriptor_and_no_data)
{
	struct wire_region_ref ref = {GUARD, 0, 1};
	struct wire_region_entry e;
	uint8_t *src = NULL;
	uint8_t *dst = NULL;

	cr_expect_eq(region_set_child_fd(rs, GUARD), -1);
	cr_expect_eq(region_set_range(rs, &ref, &src), -WIRE_E_REGION);
	cr_expect_eq(region_set_range(rs, &ref, &dst), -WIRE_E_REGION);
	cr_expect_null(src);
	cr_expect_null(dst);
	region_set_entry(rs, GUARD, &e);
	cr_expect_eq(e.fd, (uint32_t)INT32_MAX);
	cr_expect_eq(e.access, WIRE_REGION_NONE);
	cr_expect_eq(e.size, PAGE);
}

Test(regions, entry_names_the_descriptor_inside_the_instance)
{
	struct wire_region_entry e;

	region_set_entry(rs, OUT, &e);
	cr_expect_eq(e.region, OUT);
	cr_expect_eq(e.access, WIRE_REGION_RW);
	cr_expect_eq(e.size, 2 * PAGE);
	cr_expect_eq(e.fd, CHILD_REGION_FD_BASE + OUT);
	cr_expect_eq(e.name.len, 6);
	cr_expect_eq(memcmp(e.name.ptr, "output", 6), 0);
}

/* Hostile references: every one is refused, both as a source and as a sink. */
Test(regions, out_of_range_references_are_refused)
{
	const struct wire_region_ref bad[] = {
		{IN, UINT64_MAX - 1, 4}, /* offset + length wraps */
		{IN, 4, UINT64_MAX - 1}, /* so does this one */
		{IN, 4 * PAGE - 4, 8},	 /* runs past the end */
		{IN, 4 * PAGE + 1, 0},	 /* starts past the end */
		{OUT, 0, 2 * PAGE + 1},	 /* longer than the region */
		{N_TEST_REGIONS, 0, 1},	 /* no such region */
		{UINT32_MAX, 0, 1},	 /* nor this one */
		{GUARD, 0, 0},		 /* no data at all */
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		uint8_t *src = NULL;
		uint8_t *dst = NULL;

		cr_expect_eq(region_set_range(rs, &bad[i], &src), -WIRE_E_REGION, "source %zu", i);
		cr_expect_eq(region_set_range(rs, &bad[i], &dst), -WIRE_E_REGION, "sink %zu", i);
		cr_expect_null(src);
		cr_expect_null(dst);
	}
}

Test(regions, references_up_to_the_last_byte_are_accepted)
{
	const struct wire_region_ref ok[] = {
		{IN, 4 * PAGE - 8, 8}, {IN, 4 * PAGE, 0}, {OUT, 0, 2 * PAGE}, {CODE, 0, PAGE}};

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		uint8_t *src = NULL;

		cr_expect_eq(region_set_range(rs, &ok[i], &src), 0, "reference %zu", i);
		cr_expect_not_null(src);
	}
}

Test(regions, null_set_has_nothing)
{
	struct wire_region_ref ref = {0, 0, 1};
	uint8_t *src;
	json_t *j = region_set_report(NULL);

	cr_expect_eq(region_set_count(NULL), 0);
	cr_expect_eq(region_set_child_fd(NULL, 0), -1);
	cr_expect_eq(region_set_range(NULL, &ref, &src), -WIRE_E_REGION);
	cr_assert_not_null(j);
	cr_expect_eq(json_array_size(j), 0);
	json_decref(j);
}

Test(regions, closing_the_child_descriptors_keeps_the_supervisor_view)
{
	int fd = child_fd(OUT);
	uint8_t *view = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);

	cr_assert_neq(view, MAP_FAILED);
	region_set_close_child_fds(rs);
	cr_expect_eq(region_set_child_fd(rs, OUT), -1);
	cr_expect_eq(fcntl(fd, F_GETFD), -1, "the child's descriptor is still open");
	memcpy(sink(OUT, 0, 3), "abc", 3);
	cr_expect_eq(memcmp(view, "abc", 3), 0);
	munmap(view, PAGE);
}

Test(regions, report_lists_name_size_and_access)
{
	json_t *j = region_set_report(rs);
	json_t *o;

	cr_assert_not_null(j);
	cr_assert_eq(json_array_size(j), N_TEST_REGIONS);
	o = json_array_get(j, IN);
	cr_expect_str_eq(json_string_value(json_object_get(o, "name")), "input");
	cr_expect_eq(json_integer_value(json_object_get(o, "size")), 4 * PAGE);
	cr_expect_str_eq(json_string_value(json_object_get(o, "access")), "r");
	o = json_array_get(j, GUARD);
	cr_expect_str_eq(json_string_value(json_object_get(o, "access")), "none");
	cr_expect_eq(json_object_size(o), 3);
	json_decref(j);
}

Test(regions, region_without_size_is_refused)
{
	struct policy_region bad = {"empty", 0, POLICY_REGION_RW};
	struct policy_broker b = {.regions = &bad, .n_regions = 1};
	struct region_set *other = NULL;
	struct err_ctx e = {0};

	cr_expect_eq(region_set_new(&b, &other, &e), -EINVAL);
	cr_expect_null(other);
}

static bool same_inode(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
	       sa.st_dev == sb.st_dev;
}

/*
 * The payload's layout: region i at CHILD_REGION_FD_BASE + i without
 * close-on-exec; the `none` slot keeps nothing across exec, even when
 * something happened to sit there.
 */
Test(regions, child_installs_regions_at_their_fixed_numbers)
{
	int src[N_TEST_REGIONS], want[N_TEST_REGIONS];
	pid_t pid;

	for (int i = 0; i < N_TEST_REGIONS; i++) {
		want[i] = region_set_child_fd(rs, (size_t)i);
		src[i] = want[i] < 0 ? -1 : fcntl(want[i], F_DUPFD_CLOEXEC, CHILD_FD_FLOOR);
	}
	pid = fork();
	if (pid < 0) /* only the parent may assert: Criterion's IPC is not fork-safe */
		cr_assert_fail("fork failed");
	if (pid == 0) {
		struct child_config cfg = {.stdin_fd = 0,
					   .stdout_fd = 1,
					   .stderr_fd = 2,
					   .broker_fd = -1,
					   .region_fds = src,
					   .n_region_fds = N_TEST_REGIONS};
		int stray = CHILD_REGION_FD_BASE + GUARD;

		CHECK_OR_EXIT(1, dup2(2, stray) == stray);
		CHECK_OR_EXIT(2, child_fds_setup(&cfg, NULL) == 0);
		for (int i = IN; i <= CODE; i++) {
			int fd = CHILD_REGION_FD_BASE + i;

			CHECK_OR_EXIT(10 + i, same_inode(fd, want[i]));
			CHECK_OR_EXIT(20 + i, !(fcntl(fd, F_GETFD) & FD_CLOEXEC));
		}
		CHECK_OR_EXIT(3,
			      (fcntl(CHILD_REGION_FD_BASE + IN, F_GETFL) & O_ACCMODE) == O_RDONLY);
		CHECK_OR_EXIT(4, fcntl(stray, F_GETFD) & FD_CLOEXEC);
		_exit(0);
	}
	cr_expect_eq(child_test_verdict(pid), 0);
}

/* The child's first step closes everything it was not given: the regions are given. */
Test(regions, child_sync_keeps_the_region_descriptors)
{
	int src[N_TEST_REGIONS], sv[2];
	pid_t pid;

	for (int i = 0; i < N_TEST_REGIONS; i++)
		src[i] = region_set_child_fd(rs, (size_t)i);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	cr_assert_eq(send(sv[0], "G", 1, 0), 1);
	pid = fork();
	if (pid < 0)
		cr_assert_fail("fork failed");
	if (pid == 0) {
		struct child_config cfg = {.report_fd = -1,
					   .sync_fd = sv[1],
					   .stdin_fd = 0,
					   .stdout_fd = 1,
					   .stderr_fd = 2,
					   .broker_fd = -1,
					   .region_fds = src,
					   .n_region_fds = N_TEST_REGIONS};
		int stray = dup(2);

		CHECK_OR_EXIT(1, child_sync_wait(&cfg, NULL) == 0);
		for (int i = IN; i <= CODE; i++)
			CHECK_OR_EXIT(10 + i, fcntl(src[i], F_GETFD) >= 0);
		CHECK_OR_EXIT(2, fcntl(stray, F_GETFD) < 0);
		_exit(0);
	}
	close(sv[1]);
	cr_expect_eq(child_test_verdict(pid), 0);
	close(sv[0]);
}
