/* SPDX-License-Identifier: MIT */
/*
 * region.list: the instance's memory regions, as the policy declares them.
 * Sixteen regions with 64-byte names fit one frame, so the cursor only
 * skips: a page ends early only for a cursor past the start.
 */
#include "supervisor/broker/dispatch_internal.h"
#include "supervisor/broker/regions.h"

_Static_assert(POLICY_MAX_REGIONS <= WIRE_MAX_ENTRIES, "region.list fits one page");
_Static_assert(WIRE_HEADER_SIZE + 6 + POLICY_MAX_REGIONS * (19 + 2 + POLICY_REGION_NAME_MAX) <=
		       WIRE_MAX_FRAME,
	       "region.list fits one frame");

int broker_handle_region_list(struct broker_instance *bi, struct broker_req *r)
{
	struct wire_region_list_ok *out = &r->rep.u.region_list_ok;
	size_t i, n = region_set_count(bi->regions);

	r->rep.type = WIRE_T_REGION_LIST_OK;
	for (i = r->req->u.cursor.cursor; i < n; i++)
		region_set_entry(bi->regions, i, &out->entries[out->count++]);
	out->next_cursor = 0;
	return 0;
}
