/* SPDX-License-Identifier: MIT */
#include "supervisor/broker/regions.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "child/child.h"
#include "common/cleanup.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

_Static_assert((int)POLICY_REGION_NONE == (int)WIRE_REGION_NONE &&
		       (int)POLICY_REGION_R == (int)WIRE_REGION_R &&
		       (int)POLICY_REGION_RW == (int)WIRE_REGION_RW &&
		       (int)POLICY_REGION_RWX == (int)WIRE_REGION_RWX,
	       "policy and wire region access values must agree");
_Static_assert(CHILD_REGION_FD_BASE + POLICY_MAX_REGIONS <= INT32_MAX, "fds fit the wire");

struct region {
	char *name;
	uint64_t size;
	enum policy_region_access access;
	int memfd;    /* the supervisor's own, O_RDWR; -1 for none */
	int child_fd; /* what the instance gets; -1 for none or once closed */
	uint8_t *map; /* the supervisor's MAP_SHARED read-write view; NULL for none */
};

struct region_set {
	size_t n;
	struct region r[];
};

static void region_clear(struct region *g)
{
	if (g->map)
		munmap(g->map, (size_t)g->size);
	if (g->child_fd >= 0)
		close(g->child_fd);
	if (g->memfd >= 0)
		close(g->memfd);
	free(g->name);
}

struct region_set *region_set_free(struct region_set *rs)
{
	if (!rs)
		return NULL;
	for (size_t i = 0; i < rs->n; i++)
		region_clear(&rs->r[i]);
	free(rs);
	return NULL;
}

/*
 * rwx regions must be mappable executable by the instance; every other one
 * gets the noexec seal where the kernel has it (6.3+). Older kernels refuse
 * the unknown flags with EINVAL: retry without them.
 */
static int region_memfd(const struct policy_region *p)
{
	unsigned int base = MFD_CLOEXEC | MFD_ALLOW_SEALING;
	unsigned int exec = p->access == POLICY_REGION_RWX ? MFD_EXEC : MFD_NOEXEC_SEAL;
	int fd = memfd_create(p->name, base | exec);

	if (fd < 0 && errno == EINVAL)
		fd = memfd_create(p->name, base);
	return fd;
}

/*
 * For `r`, a separate read-only open of the same inode: the instance's file
 * description then has no write mode at all, on top of F_SEAL_FUTURE_WRITE.
 */
static int region_child_fd(const struct region *g)
{
	char path[64];

	if (g->access != POLICY_REGION_R)
		return fcntl(g->memfd, F_DUPFD_CLOEXEC, 3);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", g->memfd);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/*
 * The shrink seal is also what makes the supervisor's own view safe: the
 * instance can never truncate the file under it and turn a copy into SIGBUS.
 * Order matters: the supervisor maps the memfd writable before sealing, as
 * F_SEAL_FUTURE_WRITE only refuses mappings made after it; F_SEAL_SEAL last
 * so nobody can add or (never possible) drop seals later.
 */
static int region_open(const struct policy_region *p, struct region *g, struct err_ctx *reterr)
{
	int seals = F_SEAL_SHRINK | F_SEAL_GROW;
	void *map;

	g->access = p->access;
	g->size = p->size;
	g->name = strdup(p->name);
	if (!g->name)
		return err_set(reterr, ENOMEM, "out of memory");
	if (p->access == POLICY_REGION_NONE)
		return 0;
	if (p->size == 0 || p->size > POLICY_REGION_SIZE_MAX)
		return err_set(reterr, EINVAL, "region '%s': bad size %llu", p->name,
			       (unsigned long long)p->size);
	g->memfd = region_memfd(p);
	if (g->memfd < 0)
		return err_set(reterr, errno, "region '%s': cannot create a memfd", p->name);
	if (ftruncate(g->memfd, (off_t)p->size) < 0)
		return err_set(reterr, errno, "region '%s': cannot size it to %llu bytes", p->name,
			       (unsigned long long)p->size);
	map = mmap(NULL, (size_t)p->size, PROT_READ | PROT_WRITE, MAP_SHARED, g->memfd, 0);
	if (map == MAP_FAILED)
		return err_set(reterr, errno, "region '%s': cannot map it", p->name);
	g->map = map;
	if (p->access == POLICY_REGION_R)
		seals |= F_SEAL_FUTURE_WRITE;
	if (fcntl(g->memfd, F_ADD_SEALS, seals | F_SEAL_SEAL) < 0)
		return err_set(reterr, errno, "region '%s': cannot seal it", p->name);
	g->child_fd = region_child_fd(g);
	if (g->child_fd < 0)
		return err_set(reterr, errno, "region '%s': cannot open the instance's descriptor",
			       p->name);
	return 0;
}

int region_set_new(const struct policy_broker *b, struct region_set **ret, struct err_ctx *reterr)
{
	struct region_set *rs;
	size_t n = b->n_regions;
	int r;

	if (n > POLICY_MAX_REGIONS)
		return err_set(reterr, E2BIG, "too many regions: %zu", n);
	rs = calloc(1, sizeof(*rs) + n * sizeof(rs->r[0]));
	if (!rs)
		return err_set(reterr, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		rs->r[i].memfd = rs->r[i].child_fd = -1;
	rs->n = n;
	for (size_t i = 0; i < n; i++) {
		r = region_open(&b->regions[i], &rs->r[i], reterr);
		if (r < 0) {
			region_set_free(rs);
			return r;
		}
	}
	*ret = rs;
	return 0;
}

size_t region_set_count(const struct region_set *rs)
{
	return rs ? rs->n : 0;
}

int region_set_child_fd(const struct region_set *rs, size_t i)
{
	if (!rs || i >= rs->n)
		return -1;
	return rs->r[i].child_fd;
}

void region_set_entry(const struct region_set *rs, size_t i, struct wire_region_entry *ret)
{
	const struct region *g = &rs->r[i];

	*ret = (struct wire_region_entry){
		.region = (uint32_t)i,
		.access = (enum wire_region_access)g->access,
		.size = g->size,
		.fd = g->access == POLICY_REGION_NONE ? (uint32_t)INT32_MAX
						      : (uint32_t)(CHILD_REGION_FD_BASE + i),
		.name = {g->name, (uint16_t)strlen(g->name)},
	};
}

int region_set_range(const struct region_set *rs, const struct wire_region_ref *ref, uint8_t **ret)
{
	const struct region *g;

	if (!rs || ref->region >= rs->n)
		return -WIRE_E_REGION;
	g = &rs->r[ref->region];
	if (g->access == POLICY_REGION_NONE || !g->map)
		return -WIRE_E_REGION;
	if (ref->offset > g->size || ref->length > g->size - ref->offset)
		return -WIRE_E_REGION;
	*ret = g->map + ref->offset;
	return 0;
}

void region_set_close_child_fds(struct region_set *rs)
{
	for (size_t i = 0; rs && i < rs->n; i++)
		if (rs->r[i].child_fd >= 0) {
			close(rs->r[i].child_fd);
			rs->r[i].child_fd = -1;
		}
}

json_t *region_set_report(const struct region_set *rs)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && rs && i < rs->n; i++) {
		const struct region *g = &rs->r[i];
		json_t *o =
			json_pack("{s:s, s:I, s:s}", "name", g->name, "size", (json_int_t)g->size,
				  "access", policy_region_access_name(g->access));

		if (!o || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}
