/* SPDX-License-Identifier: MIT */
#ifndef VMSB_SUPERVISOR_HOST_H
#define VMSB_SUPERVISOR_HOST_H

/* The Landlock ABI version the running kernel offers, 0 when none. */
int host_landlock_abi(void);

/* A hint line for an errno seen while creating namespaces, or NULL. */
const char *host_namespace_hint(int err);

#endif
