/* SPDX-License-Identifier: MIT */
#ifndef VMSB_SUPERVISOR_BROKER_STORE_H
#define VMSB_SUPERVISOR_BROKER_STORE_H

/*
 * Resource register store: named, versioned values held by the supervisor in
 * one SQLite database (WAL, synchronous=FULL). Every operation is one
 * transaction and returns only after COMMIT, so an acknowledged change
 * survives a kill -9 of the supervisor (and a power cut, as far as SQLite and
 * the disk keep their fsync promises).
 *
 * Names: 1..STORE_NAME_MAX bytes of [A-Za-z0-9._-] in '/'-separated segments;
 * no empty segment (so no leading, trailing or double '/'), no "." or ".."
 * segment. Anything else is rejected with -EINVAL.
 *
 * Versions start at 1 on create and grow by one on every write and on
 * consume; 0 (STORE_VERSION_ANY) is never a stored version.
 *
 * Errors (negative errno, details in reterr):
 *   -EINVAL bad name or argument    -ENOENT no such register
 *   -EEXIST name taken (a consumed register keeps its name until deleted)
 *   -ESTALE version differs from the expected one (compare-and-swap lost)
 *   -STORE_ECONSUMED register was consumed   -EFBIG value over STORE_VALUE_MAX
 *   -ENOSPC disk or size limit full (nothing changed)   -EBUSY database locked
 *   -EDEADLK called from inside a list callback   -EPROTO unknown schema
 *   -EIO, -ENOMEM, -EROFS, ... other SQLite failures, the SQLite message in reterr
 *
 * Every successful create, write, consume and delete also appends a row
 * (time, op, register, instance, capability id, old and new version) to the
 * database's "oplog" table in the same transaction; the newest STORE_OPLOG_KEEP
 * rows are kept. Reads and lists are not written to disk (that would cost an
 * fsync each): every operation, failed ones included, goes to the event hook.
 *
 * Not thread-safe: one store handle belongs to the single-threaded supervisor.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define STORE_NAME_MAX 255
#define STORE_VALUE_MAX (1024 * 1024) /* inline wire values are smaller still */
#define STORE_INSTANCE_MAX 128	      /* instance id text, bytes */
#define STORE_CAP_ID_MAX 64	      /* capability id, opaque bytes */
#define STORE_VERSION_ANY 0	      /* consume/delete: skip the version check */
#define STORE_ECONSUMED ENOTRECOVERABLE
#define STORE_SCHEMA_VERSION 1
#define STORE_OPLOG_KEEP 65536

struct store;

/* Who asks; every pointer may be NULL (the supervisor itself). */
struct store_actor {
	const char *instance;
	const void *cap;
	size_t cap_len;
};

enum store_op {
	STORE_OP_CREATE,
	STORE_OP_READ,
	STORE_OP_WRITE,
	STORE_OP_CONSUME,
	STORE_OP_DELETE,
	STORE_OP_LIST,
	_STORE_OP_MAX,
};

/* Passed to the event hook after each operation, committed or not. */
struct store_event {
	enum store_op op;
	const char *name; /* the register or list prefix; NULL if it was invalid */
	const struct store_actor *actor;
	int result;	      /* 0 or -errno; for list, the number of entries */
	uint64_t old_version; /* 0: none (create, or failed before the lookup) */
	uint64_t new_version; /* 0: none (delete, or failed) */
};

typedef void (*store_event_fn)(const struct store_event *ev, void *userdata);

/* A value handed to the caller: data is malloc'd, NUL-terminated past len. */
struct store_value {
	void *data;
	size_t len;
	uint64_t version;
};

/* One list entry; the strings live until the callback returns. */
struct store_entry {
	const char *name;
	uint64_t version;
	size_t len;
	bool consumed;
	int64_t created_ms; /* CLOCK_REALTIME, milliseconds */
	int64_t updated_ms;
	const char *owner; /* instance that created it, or NULL */
};

/* Returns 0 to go on, > 0 to stop, < 0 to stop and fail the list with it. */
typedef int (*store_list_fn)(const struct store_entry *e, void *userdata);

/* $XDG_STATE_HOME/vmsandbox/registers.db, else ~/.local/state/...; malloc'd. */
int store_default_path(char **ret_path, struct err_ctx *reterr) __attribute__((warn_unused_result));

/*
 * Opens or creates the store at path: missing directories are created 0700,
 * the file 0600 (an existing one is tightened to 0600) and must be a regular
 * file owned by us, never a symlink. Migrates an older schema.
 */
int store_open(const char *path, struct store **ret_store, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/* Accepts NULL; returns NULL. */
struct store *store_close(struct store *s);

static inline void store_closep(struct store **s)
{
	*s = store_close(*s);
}
#define _cleanup_store_ __attribute__((cleanup(store_closep)))

void store_set_event_hook(struct store *s, store_event_fn fn, void *userdata);

/* Caps the database size (whole pages); writes past it fail with -ENOSPC. */
int store_set_size_limit(struct store *s, uint64_t max_bytes, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/* 0 if the len bytes at name are a valid register name (no NUL among them). */
int store_name_check(const char *name, size_t len, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/* A new register at version 1. */
int store_create(struct store *s, const struct store_actor *who, const char *name, const void *data,
		 size_t len, struct err_ctx *reterr) __attribute__((warn_unused_result));

/* Value and version; caller frees ret->data. */
int store_read(struct store *s, const struct store_actor *who, const char *name,
	       struct store_value *ret, struct err_ctx *reterr) __attribute__((warn_unused_result));

/* Replaces the value if the stored version is expected (>= 1); *ret_version: the new one. */
int store_write(struct store *s, const struct store_actor *who, const char *name, const void *data,
		size_t len, uint64_t expected, uint64_t *ret_version, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/*
 * Hands out the value once (ret->version: the version consumed) and leaves a
 * tombstone that can be neither read, written nor consumed, only deleted.
 */
int store_consume(struct store *s, const struct store_actor *who, const char *name,
		  uint64_t expected, struct store_value *ret, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

int store_delete(struct store *s, const struct store_actor *who, const char *name,
		 uint64_t expected, struct err_ctx *reterr) __attribute__((warn_unused_result));

/*
 * Calls fn for at most limit registers (0: no limit) in byte order of name,
 * consumed ones included (flagged). prefix matches whole segments: "demo"
 * gives "demo" and "demo/..." but not "demos"; "" gives everything. after
 * (NULL or "") resumes past that name. Returns the number of entries passed.
 */
int store_list(struct store *s, const struct store_actor *who, const char *prefix,
	       const char *after, size_t limit, store_list_fn fn, void *userdata,
	       struct err_ctx *reterr) __attribute__((warn_unused_result));

#endif
