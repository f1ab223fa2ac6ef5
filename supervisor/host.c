/* SPDX-License-Identifier: MIT */
#include "supervisor/host.h"

#include <errno.h>
#include <linux/landlock.h>
#include <sys/syscall.h>
#include <unistd.h>

int host_landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	return abi < 0 ? 0 : (int)abi;
}

const char *host_namespace_hint(int err)
{
	switch (err) {
	case EPERM:
		return "hint: unprivileged user namespaces may be disabled "
		       "(kernel.unprivileged_userns_clone, user.max_user_namespaces, AppArmor)";
	case ENOSPC:
		return "hint: the user namespace limit is reached (user.max_user_namespaces)";
	case EINVAL:
		return "hint: this kernel may lack clone3 or a namespace type";
	default:
		return NULL;
	}
}
