/* SPDX-License-Identifier: MIT */
#ifndef VMSB_POLICY_SYSCALLS_H
#define VMSB_POLICY_SYSCALLS_H

#include <stddef.h>

/* A named group of syscalls ("@basic-io"), kept sorted by name in a table. */
struct syscall_group {
	const char *name;
	const char *help;
	const char *const *syscalls; /* NULL-terminated; may name other groups */
};

const struct syscall_group *syscall_group_find(const char *name);
const struct syscall_group *syscall_group_table(size_t *ret_count);

/* Named constants accepted as rule values ("TIOCSTI", "CLONE_NEWUSER", "AF_NETLINK"). */
int syscall_constant_find(const char *name, unsigned long long *ret_value);

#endif
