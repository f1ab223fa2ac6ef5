/* SPDX-License-Identifier: MIT */
#include <criterion/criterion.h>

#include "supervisor/idmap.h"

Test(idmap, root_maps_to_nobody_by_default)
{
	struct policy_user u = {1000, 1000, POLICY_ID_AUTO, POLICY_ID_AUTO};
	struct idmap m;

	idmap_plan(&u, 0, 0, &m);
	cr_expect_eq(m.inside_uid, 1000);
	cr_expect_eq(m.host_uid, 65534, "root must not map the instance to itself");
	cr_expect_eq(m.host_gid, 65534);
	cr_expect_not(m.deny_setgroups, "root keeps setgroups so the child can drop groups");
}

Test(idmap, root_honours_policy_host_ids)
{
	struct policy_user u = {0, 0, 4242, 4343};
	struct idmap m;

	idmap_plan(&u, 0, 0, &m);
	cr_expect_eq(m.host_uid, 4242);
	cr_expect_eq(m.host_gid, 4343);
}

Test(idmap, unprivileged_caller_maps_to_itself_and_denies_setgroups)
{
	struct policy_user u = {1000, 1000, 4242, 4343};
	struct idmap m;

	idmap_plan(&u, 1234, 5678, &m);
	cr_expect_eq(m.host_uid, 1234, "policy host ids only apply to root");
	cr_expect_eq(m.host_gid, 5678);
	cr_expect(m.deny_setgroups);
}
