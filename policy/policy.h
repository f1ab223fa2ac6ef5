/* SPDX-License-Identifier: MIT */
#ifndef VMSB_POLICY_POLICY_H
#define VMSB_POLICY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/*
 * The validated, in-memory form of a policy document. Everything here is
 * plain data: policy/ never touches the OS beyond reading the file.
 * All strings and arrays are owned by the struct and freed by policy_free().
 */

enum policy_net {
	POLICY_NET_NONE,     /* new net namespace, lo down */
	POLICY_NET_LOOPBACK, /* new net namespace, lo up */
	POLICY_NET_HOST,     /* share the host's network (the only way to) */
	_POLICY_NET_MAX,
};

enum policy_mount_kind {
	POLICY_MOUNT_BIND_RO, /* "ro-bind": recursively read-only bind of a host path */
	POLICY_MOUNT_BIND_RW, /* "bind": read-write bind of a host path */
	POLICY_MOUNT_TMPFS,   /* "tmpfs": private tmpfs with size= */
	POLICY_MOUNT_PROC,    /* "proc": fresh proc for the instance's pid namespace */
	POLICY_MOUNT_DEV,     /* "dev": minimal /dev */
	POLICY_MOUNT_SYMLINK, /* "symlink": dest -> source (target text) */
	POLICY_MOUNT_DIR,     /* "dir": empty directory */
	_POLICY_MOUNT_KIND_MAX,
};

struct policy_mount {
	enum policy_mount_kind kind;
	char *source;	 /* bind: absolute host path; symlink: link target; else NULL */
	char *dest;	 /* absolute, normalised path inside the instance */
	uint64_t size;	 /* tmpfs: bytes (0 = the limits' tmpfs default) */
	uint32_t mode;	 /* tmpfs/dir: permission bits */
	bool optional;	 /* bind: silently skip when the source does not exist */
	bool allow_suid; /* default false: nosuid */
	bool allow_dev;	 /* default false: nodev */
	bool noexec;	 /* default false */
};

enum policy_action {
	POLICY_ACTION_ALLOW,
	POLICY_ACTION_KILL,   /* SECCOMP_RET_KILL_PROCESS */
	POLICY_ACTION_ERRNO,  /* fail with the rule's errno (default EPERM) */
	POLICY_ACTION_ENOSYS, /* fail with ENOSYS, so libc falls back */
	POLICY_ACTION_LOG,    /* allow and log */
	_POLICY_ACTION_MAX,
};

enum policy_arg_op {
	POLICY_ARG_EQ,
	POLICY_ARG_NE,
	POLICY_ARG_LT,
	POLICY_ARG_LE,
	POLICY_ARG_GT,
	POLICY_ARG_GE,
	POLICY_ARG_MASKED_EQ, /* (arg & mask) == value */
	_POLICY_ARG_OP_MAX,
};

struct policy_arg {
	unsigned index; /* 0..5 */
	enum policy_arg_op op;
	uint64_t value;
	uint64_t mask; /* MASKED_EQ only */
};

#define POLICY_MAX_ARGS 6

/* One deny rule for one syscall; all arg conditions must hold (AND). */
struct policy_syscall_rule {
	int nr;	    /* native syscall number */
	char *name; /* for messages */
	enum policy_action action;
	int err; /* positive errno for POLICY_ACTION_ERRNO */
	unsigned n_args;
	struct policy_arg args[POLICY_MAX_ARGS];
};

struct policy_syscalls {
	enum policy_action default_action; /* for syscalls outside the allow list */
	int default_errno;		   /* for POLICY_ACTION_ERRNO */
	int *allow;			   /* native syscall numbers, sorted, unique */
	size_t n_allow;
	/* Deny rules win over the allow list: they are compiled into a second
	 * filter whose default is allow, and the kernel applies the strictest
	 * result of all filters. */
	struct policy_syscall_rule *deny;
	size_t n_deny;
};

struct policy_namespaces {
	bool user, pid, mount, net, ipc, uts, cgroup;
};

#define POLICY_ID_AUTO (-1)

struct policy_user {
	uint32_t uid, gid;	    /* inside the instance */
	int64_t host_uid, host_gid; /* root only: host ids to map to; POLICY_ID_AUTO = 65534 */
};

enum policy_output_action {
	POLICY_OUTPUT_KILL,
	POLICY_OUTPUT_TRUNCATE,
	_POLICY_OUTPUT_MAX,
};

/* 0 means unlimited for every field. */
struct policy_limits {
	uint64_t wall_ms;
	uint64_t cpu_ms;
	uint64_t memory_bytes;
	uint64_t pids;
	uint64_t output_bytes;
	uint64_t file_size_bytes;
	uint64_t open_files;
	uint64_t tmpfs_bytes; /* default size of a writable tmpfs without its own size */
	double cpus;	      /* CPU bandwidth, e.g. 0.5; 0 = unlimited */
	uint64_t grace_ms;    /* SIGTERM -> SIGKILL */
	enum policy_output_action on_output_limit;
	bool require_cgroup;
};

struct policy_env_set {
	char *name;
	char *value;
};

struct policy_environment {
	char **keep; /* names passed from the caller when set there */
	size_t n_keep;
	struct policy_env_set *set;
	size_t n_set;
};

/* Broker (issue 4): what an instance may ask the supervisor to do for it. */
enum policy_effect {
	POLICY_EFFECT_LOG = 1u << 0,	  /* "log": write to the instance's execution log */
	POLICY_EFFECT_CAP = 1u << 1,	  /* "cap": list, attenuate, revoke its capabilities */
	POLICY_EFFECT_REGISTER = 1u << 2, /* "register": register.* operations */
	POLICY_EFFECT_FS_OPEN = 1u << 3,  /* "fs.open": open files beneath a granted root */
	POLICY_EFFECT_NET_CONNECT = 1u
				    << 4, /* "net.connect": TCP connections to granted endpoints */
};

enum policy_grant_kind {
	POLICY_GRANT_REGISTER, /* "register:NAME", NAME may end in a "*" segment */
	POLICY_GRANT_FS,       /* "fs:/absolute/host/dir" */
	POLICY_GRANT_NET,      /* "net:ADDRESS:PORT", numeric: 127.0.0.1:8080, [::1]:8080 */
	_POLICY_GRANT_KIND_MAX,
};

/* Same bit values as the wire protocol's WIRE_RIGHT_* (common/wire.h). */
enum policy_right {
	POLICY_RIGHT_READ = 1u << 0,
	POLICY_RIGHT_WRITE = 1u << 1,
	POLICY_RIGHT_CREATE = 1u << 2,
	POLICY_RIGHT_CONSUME = 1u << 3,
	POLICY_RIGHT_TRANSFER = 1u << 4,
	POLICY_RIGHT_ATTENUATE = 1u << 5,
};

struct policy_grant {
	enum policy_grant_kind kind;
	char *name;	 /* register name pattern, or normalised absolute host directory */
	uint32_t rights; /* POLICY_RIGHT_* */
};

/*
 * Memory regions: sealed memfds shared with the instance. Same values as the
 * wire protocol's enum wire_region_access (common/wire.h).
 */
enum policy_region_access {
	POLICY_REGION_NONE, /* guard: reserved address space, no descriptor */
	POLICY_REGION_R,    /* the instance reads; only the supervisor writes */
	POLICY_REGION_RW,
	POLICY_REGION_RWX, /* only where the syscall rules allow executable memory */
	_POLICY_REGION_ACCESS_MAX,
};

#define POLICY_MAX_REGIONS 16
#define POLICY_REGION_FD_BASE 4 /* region i is this descriptor + i inside the instance */
#define POLICY_REGION_NAME_MAX 64
#define POLICY_REGION_SIZE_MAX (16ull << 30)

struct policy_region {
	char *name;    /* [A-Za-z0-9._-], 1..POLICY_REGION_NAME_MAX bytes, unique */
	uint64_t size; /* bytes, > 0, rounded up to the page size by the validator */
	enum policy_region_access access;
};

enum policy_malformed_action {
	POLICY_MALFORMED_ERROR, /* reply with a typed error, count a security event */
	POLICY_MALFORMED_KILL,	/* end the instance */
	_POLICY_MALFORMED_MAX,
};

struct policy_broker {
	uint32_t effects; /* POLICY_EFFECT_*; 0 = no broker socket at all */
	struct policy_grant *grants;
	size_t n_grants;
	char *store_path;		 /* NULL: $XDG_STATE_HOME/vmsandbox/registers.db */
	uint64_t max_storage_operations; /* 0 = unlimited */
	uint64_t max_bytes; /* bytes read + written through the broker; 0 = unlimited */
	uint64_t max_network_operations; /* net.connect requests; 0 = unlimited */
	struct policy_region *regions;	 /* in order: region i is fd CHILD_REGION_FD_BASE + i */
	size_t n_regions;
	enum policy_malformed_action on_malformed;
};

struct policy {
	char *name;	    /* $.name, or the file's base name */
	char *origin;	    /* file path, or "<default>" */
	uint8_t sha256[32]; /* of the file's bytes (the default's bytes for <default>) */

	struct policy_namespaces ns;
	enum policy_net net;
	struct policy_user user;
	char *hostname;
	char *cwd;

	struct policy_mount *mounts; /* in order */
	size_t n_mounts;

	struct policy_environment env;
	struct policy_syscalls syscalls;
	uint64_t caps_keep; /* bit N = keep capability N; default 0 */
	bool landlock;	    /* best effort mirror of the view */
	struct policy_limits limits;
	struct policy_broker broker;
};

/* An instance gets a broker socket when it may ask for an effect or has regions. */
static inline bool policy_has_broker(const struct policy *p)
{
	return p->broker.effects != 0 || p->broker.n_regions != 0;
}

/* Parses the embedded default. */
int policy_load_default(struct policy **ret, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/*
 * Parses FILE layered over the embedded default: objects merge key by key,
 * arrays and scalars in FILE replace the default's. Validates fully.
 * Errors read "FILE:LINE:COL: msg" for syntax, "FILE: $.json.path: msg" otherwise.
 */
int policy_load_file(const char *path, struct policy **ret, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/* Same for a buffer; name is used in messages and as origin. */
int policy_load_buffer(const char *name, const char *text, size_t len, struct policy **ret,
		       struct err_ctx *reterr) __attribute__((warn_unused_result));

/* Cross-field checks; run again by the caller after applying flags. */
int policy_validate(const struct policy *p, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/* The effective policy as JSON text (for `check --print`); caller frees. */
int policy_dump(const struct policy *p, char **ret_text);

struct policy *policy_free(struct policy *p);

static inline void policy_freep(struct policy **p)
{
	policy_free(*p);
}
#define _cleanup_policy_ __attribute__((cleanup(policy_freep)))

/* Add a mount at the end (CLI flags); takes copies of the strings. */
int policy_add_mount(struct policy *p, enum policy_mount_kind kind, const char *source,
		     const char *dest, uint64_t size);

/* Unit parsers shared with the CLI: "512M", "1G", "4096"; "250ms", "30s", "2m". */
int policy_parse_size(const char *text, uint64_t *ret_bytes);
int policy_parse_duration(const char *text, uint64_t *ret_ms);

const char *policy_net_name(enum policy_net net);
int policy_net_from_name(const char *name, enum policy_net *ret);
const char *policy_action_name(enum policy_action action);
/* Names of the broker section's words; NULL for a value that has none (or several bits). */
const char *policy_effect_name(enum policy_effect effect);
const char *policy_right_name(enum policy_right right);
const char *policy_grant_kind_name(enum policy_grant_kind kind);
const char *policy_malformed_name(enum policy_malformed_action a);
const char *policy_region_access_name(enum policy_region_access a);

#endif
