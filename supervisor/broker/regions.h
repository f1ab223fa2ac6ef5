/* SPDX-License-Identifier: MIT */
#ifndef VMSB_SUPERVISOR_BROKER_REGIONS_H
#define VMSB_SUPERVISOR_BROKER_REGIONS_H

/*
 * Memory regions: one sealed memfd per region of the policy's broker
 * section, shared between the supervisor (which keeps a writable MAP_SHARED
 * view, used to copy register values in and out) and the instance (which
 * gets the descriptor at CHILD_REGION_FD_BASE + i).
 *
 * Seals: F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL always, and for an `r`
 * region also F_SEAL_FUTURE_WRITE: the supervisor's mapping, made before the
 * seal, keeps working, while the instance can neither map it writable, nor
 * write(2) it, nor resize it. The `r` descriptor handed out is besides a
 * separate O_RDONLY open. A `none` region has no memfd and no descriptor: it
 * only names address space the guest library leaves PROT_NONE.
 *
 * Region references from the instance are hostile: region_set_range() checks the index, the access
 * and the range (without overflow) before handing out a pointer into the supervisor's view.
 */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/err.h"
#include "common/wire.h"
#include "policy/policy.h"

struct region_set;

/*
 * Creates, sizes, maps and seals one memfd per region of b, in policy order.
 * A broker section without regions gives an empty set (count 0).
 */
int region_set_new(const struct policy_broker *b, struct region_set **ret, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/* Accepts NULL; unmaps and closes everything. */
struct region_set *region_set_free(struct region_set *rs);

static inline void region_set_freep(struct region_set **rs)
{
	*rs = region_set_free(*rs);
}
#define _cleanup_region_set_ __attribute__((cleanup(region_set_freep)))

/* The number of regions; 0 for NULL. */
size_t region_set_count(const struct region_set *rs);

/*
 * The descriptor to hand to the instance for region i (O_CLOEXEC, to be
 * placed at CHILD_REGION_FD_BASE + i), -1 for a `none` region, for i out of
 * range, or after region_set_close_child_fds(). Owned by rs.
 */
int region_set_child_fd(const struct region_set *rs, size_t i);

/*
 * region.list entry i (i < count): fd = CHILD_REGION_FD_BASE + i, or
 * INT32_MAX for a `none` region; name points into rs.
 */
void region_set_entry(const struct region_set *rs, size_t i, struct wire_region_entry *ret);

/*
 * Checks ref (index, a region with a descriptor, offset and length inside
 * it without overflow) and points *ret at the supervisor's mapping of
 * offset. Values are read from and written into the same kinds of region
 * (an `r` sink is how the supervisor hands the instance data it cannot
 * alter), so one check serves both. 0, or -WIRE_E_REGION (nothing set).
 * The instance may change the bytes concurrently: copy a source before use.
 */
int region_set_range(const struct region_set *rs, const struct wire_region_ref *ref, uint8_t **ret)
	__attribute__((warn_unused_result));

/*
 * After the instance is running (it has its copies): closes the descriptors
 * meant for the child. The supervisor keeps its mappings.
 */
void region_set_close_child_fds(struct region_set *rs);

/* The report's regions: [{"name","size","access"}...]. New reference; NULL on OOM. */
json_t *region_set_report(const struct region_set *rs);

#endif
