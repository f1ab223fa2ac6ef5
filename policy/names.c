/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "common/cleanup.h"
#include "policy/internal.h"

/* The words of the policy format, one table per enum, indexed by value. */

static const char *const net_names[_POLICY_NET_MAX] = {
	[POLICY_NET_NONE] = "none",
	[POLICY_NET_LOOPBACK] = "loopback",
	[POLICY_NET_HOST] = "host",
};

static const char *const action_names[_POLICY_ACTION_MAX] = {
	[POLICY_ACTION_ALLOW] = "allow", [POLICY_ACTION_KILL] = "kill",
	[POLICY_ACTION_ERRNO] = "errno", [POLICY_ACTION_ENOSYS] = "enosys",
	[POLICY_ACTION_LOG] = "log",
};

static const char *const mount_names[_POLICY_MOUNT_KIND_MAX] = {
	[POLICY_MOUNT_BIND_RO] = "ro-bind", [POLICY_MOUNT_BIND_RW] = "bind",
	[POLICY_MOUNT_TMPFS] = "tmpfs",	    [POLICY_MOUNT_PROC] = "proc",
	[POLICY_MOUNT_DEV] = "dev",	    [POLICY_MOUNT_SYMLINK] = "symlink",
	[POLICY_MOUNT_DIR] = "dir",
};

static const char *const op_names[_POLICY_ARG_OP_MAX] = {
	[POLICY_ARG_EQ] = "eq",
	[POLICY_ARG_NE] = "ne",
	[POLICY_ARG_LT] = "lt",
	[POLICY_ARG_LE] = "le",
	[POLICY_ARG_GT] = "gt",
	[POLICY_ARG_GE] = "ge",
	[POLICY_ARG_MASKED_EQ] = "masked_eq",
};

static const char *const output_names[_POLICY_OUTPUT_MAX] = {
	[POLICY_OUTPUT_KILL] = "kill",
	[POLICY_OUTPUT_TRUNCATE] = "truncate",
};

/* Effects and rights are bit flags: these tables are indexed by bit number. */
static const char *const effect_names[] = {"log", "cap", "register", "fs.open", "net.connect"};

static const char *const right_names[] = {"read",    "write",	 "create",
					  "consume", "transfer", "attenuate"};

_Static_assert((1u << ARRAY_SIZE(effect_names)) - 1 == POLICY_EFFECTS_ALL, "one name per effect");
_Static_assert((1u << ARRAY_SIZE(right_names)) - 1 == POLICY_RIGHTS_ALL, "one name per right");
_Static_assert(POLICY_EFFECT_NET_CONNECT << 1 == POLICY_EFFECTS_ALL + 1, "effect bits changed");
_Static_assert(POLICY_RIGHT_ATTENUATE << 1 == POLICY_RIGHTS_ALL + 1, "right bits changed");

static const char *const grant_kind_names[_POLICY_GRANT_KIND_MAX] = {
	[POLICY_GRANT_REGISTER] = "register",
	[POLICY_GRANT_FS] = "fs",
	[POLICY_GRANT_NET] = "net",
};

static const char *const region_access_names[_POLICY_REGION_ACCESS_MAX] = {
	[POLICY_REGION_NONE] = "none",
	[POLICY_REGION_R] = "r",
	[POLICY_REGION_RW] = "rw",
	[POLICY_REGION_RWX] = "rwx",
};

static const char *const malformed_names[_POLICY_MALFORMED_MAX] = {
	[POLICY_MALFORMED_ERROR] = "error",
	[POLICY_MALFORMED_KILL] = "kill",
};

static int index_of(const char *const *table, size_t n, const char *name)
{
	size_t i;

	if (!name)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (table[i] && strcmp(table[i], name) == 0)
			return (int)i;
	return -EINVAL;
}

static const char *name_of(const char *const *table, size_t n, unsigned value)
{
	return value < n ? table[value] : NULL;
}

const char *policy_net_name(enum policy_net net)
{
	return name_of(net_names, ARRAY_SIZE(net_names), net);
}

int policy_net_from_name(const char *name, enum policy_net *ret)
{
	int i = index_of(net_names, ARRAY_SIZE(net_names), name);

	if (i < 0)
		return i;
	*ret = (enum policy_net)i;
	return 0;
}

const char *policy_action_name(enum policy_action action)
{
	return name_of(action_names, ARRAY_SIZE(action_names), action);
}

int policy_action_from_name(const char *name, enum policy_action *ret)
{
	int i = index_of(action_names, ARRAY_SIZE(action_names), name);

	if (i < 0)
		return i;
	*ret = (enum policy_action)i;
	return 0;
}

const char *policy_mount_kind_name(enum policy_mount_kind kind)
{
	return name_of(mount_names, ARRAY_SIZE(mount_names), kind);
}

int policy_mount_kind_from_name(const char *name, enum policy_mount_kind *ret)
{
	int i = index_of(mount_names, ARRAY_SIZE(mount_names), name);

	if (i < 0)
		return i;
	*ret = (enum policy_mount_kind)i;
	return 0;
}

const char *policy_arg_op_name(enum policy_arg_op op)
{
	return name_of(op_names, ARRAY_SIZE(op_names), op);
}

int policy_arg_op_from_name(const char *name, enum policy_arg_op *ret)
{
	int i = index_of(op_names, ARRAY_SIZE(op_names), name);

	if (i < 0)
		return i;
	*ret = (enum policy_arg_op)i;
	return 0;
}

const char *policy_output_name(enum policy_output_action a)
{
	return name_of(output_names, ARRAY_SIZE(output_names), a);
}

int policy_output_from_name(const char *name, enum policy_output_action *ret)
{
	int i = index_of(output_names, ARRAY_SIZE(output_names), name);

	if (i < 0)
		return i;
	*ret = (enum policy_output_action)i;
	return 0;
}

/*
 * Errno names a policy may use for "errno" actions. Only values that make
 * sense as a refusal; anything else can be given as a number (1..4095).
 */
static const struct {
	const char *name;
	int value;
} errnos[] = {
	{"E2BIG", E2BIG},
	{"EACCES", EACCES},
	{"EADDRNOTAVAIL", EADDRNOTAVAIL},
	{"EAFNOSUPPORT", EAFNOSUPPORT},
	{"EAGAIN", EAGAIN},
	{"EBADF", EBADF},
	{"EBUSY", EBUSY},
	{"ECONNREFUSED", ECONNREFUSED},
	{"EEXIST", EEXIST},
	{"EFAULT", EFAULT},
	{"EHOSTUNREACH", EHOSTUNREACH},
	{"EINTR", EINTR},
	{"EINVAL", EINVAL},
	{"EIO", EIO},
	{"ENETUNREACH", ENETUNREACH},
	{"ENODEV", ENODEV},
	{"ENOENT", ENOENT},
	{"ENOMEM", ENOMEM},
	{"ENOSPC", ENOSPC},
	{"ENOSYS", ENOSYS},
	{"ENOTSUP", ENOTSUP},
	{"ENOTTY", ENOTTY},
	{"ENXIO", ENXIO},
	{"EOPNOTSUPP", EOPNOTSUPP},
	{"EPERM", EPERM},
	{"EPROTONOSUPPORT", EPROTONOSUPPORT},
	{"EROFS", EROFS},
	{"ESRCH", ESRCH},
	{"ETIMEDOUT", ETIMEDOUT},
	{"EXDEV", EXDEV},
};

int policy_errno_from_name(const char *name, int *ret)
{
	size_t i;

	if (!name)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(errnos); i++) {
		if (strcmp(errnos[i].name, name) == 0) {
			*ret = errnos[i].value;
			return 0;
		}
	}
	return -EINVAL;
}

/* ENOTSUP and EOPNOTSUPP share a value on Linux; EOPNOTSUPP is listed later and
 * would never be chosen, which is fine: either name loads back the same. */
const char *policy_errno_name(int err)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errnos); i++)
		if (errnos[i].value == err)
			return errnos[i].name;
	return NULL;
}

/* The name of a single bit of a flag table, NULL for zero or several bits. */
static const char *bit_name(const char *const *table, size_t n, uint32_t bit)
{
	if (bit == 0 || (bit & (bit - 1)) != 0)
		return NULL;
	return name_of(table, n, (unsigned)__builtin_ctz(bit));
}

static int bit_from_name(const char *const *table, size_t n, const char *name, uint32_t *ret)
{
	int i = index_of(table, n, name);

	if (i < 0)
		return i;
	*ret = UINT32_C(1) << i;
	return 0;
}

const char *policy_effect_name(enum policy_effect effect)
{
	return bit_name(effect_names, ARRAY_SIZE(effect_names), effect);
}

int policy_effect_from_name(const char *name, uint32_t *ret)
{
	return bit_from_name(effect_names, ARRAY_SIZE(effect_names), name, ret);
}

const char *policy_right_name(enum policy_right right)
{
	return bit_name(right_names, ARRAY_SIZE(right_names), right);
}

int policy_right_from_name(const char *name, uint32_t *ret)
{
	return bit_from_name(right_names, ARRAY_SIZE(right_names), name, ret);
}

const char *policy_grant_kind_name(enum policy_grant_kind kind)
{
	return name_of(grant_kind_names, ARRAY_SIZE(grant_kind_names), kind);
}

int policy_grant_kind_from_name(const char *name, enum policy_grant_kind *ret)
{
	int i = index_of(grant_kind_names, ARRAY_SIZE(grant_kind_names), name);

	if (i < 0)
		return i;
	*ret = (enum policy_grant_kind)i;
	return 0;
}

const char *policy_region_access_name(enum policy_region_access a)
{
	return name_of(region_access_names, ARRAY_SIZE(region_access_names), a);
}

int policy_region_access_from_name(const char *name, enum policy_region_access *ret)
{
	int i = index_of(region_access_names, ARRAY_SIZE(region_access_names), name);

	if (i < 0)
		return i;
	*ret = (enum policy_region_access)i;
	return 0;
}

const char *policy_malformed_name(enum policy_malformed_action a)
{
	return name_of(malformed_names, ARRAY_SIZE(malformed_names), a);
}

int policy_malformed_from_name(const char *name, enum policy_malformed_action *ret)
{
	int i = index_of(malformed_names, ARRAY_SIZE(malformed_names), name);

	if (i < 0)
		return i;
	*ret = (enum policy_malformed_action)i;
	return 0;
}
