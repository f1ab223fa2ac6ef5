/* SPDX-License-Identifier: MIT */
#ifndef VMSB_POLICY_INTERNAL_H
#define VMSB_POLICY_INTERNAL_H

/*
 * Shared between the files of policy/ only; nothing outside policy/ may
 * include this header.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "policy/policy.h"

static inline void policy_json_decrefp(json_t **j)
{
	if (*j)
		json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(policy_json_decrefp)))

/* Hard limits on what one policy may contain; the man page lists them. */
#define POLICY_MAX_FILE_BYTES (1024 * 1024)
#define POLICY_MAX_MOUNTS 256
#define POLICY_MAX_PATH 4095
#define POLICY_MAX_NAME 64
#define POLICY_MAX_HOSTNAME 64
#define POLICY_MAX_ALLOW 1024 /* syscall numbers after group expansion */
#define POLICY_MAX_DENY 1024  /* deny rules after name and group expansion */
#define POLICY_MAX_ENV_KEEP 256
#define POLICY_MAX_ENV_SET 256
#define POLICY_MAX_ENV_NAME 255
#define POLICY_MAX_ENV_VALUE 32768
#define POLICY_MAX_ERRNO 4095
#define POLICY_MAX_ID 4294967294u /* (uid_t)-1 is "no id" to the kernel */
#define POLICY_MAX_GRANTS 64
#define POLICY_MAX_REGISTER_NAME 255
/* Every POLICY_EFFECT_* and POLICY_RIGHT_* bit this version knows. */
#define POLICY_EFFECTS_ALL 0x1fu
#define POLICY_RIGHTS_ALL 0x3fu

/* A JSON path such as "$.filesystem.mounts[2].dest", built while walking. */
struct jpath {
	char buf[160];
	size_t len;
};

void jpath_init(struct jpath *p);
/* Both return a mark for jpath_pop(); user-supplied keys are sanitised. */
size_t jpath_key(struct jpath *p, const char *key);
size_t jpath_index(struct jpath *p, size_t index);
void jpath_pop(struct jpath *p, size_t mark);

/*
 * Copies user input into out (size n) for a one-line message: bytes outside
 * printable ASCII and quotes become '?', long input is cut with "...".
 */
const char *policy_quote(const char *in, char *out, size_t n);
/*
 * The same, except that with keep_quotes quotes pass through: for jansson's
 * error text, whose own quoting ("expected near '}'") must stay readable.
 */
const char *policy_sanitize(const char *in, char *out, size_t n, bool keep_quotes);

/* Fills reterr with "ORIGIN: PATH: message" and returns -code. */
int policy_fail(struct err_ctx *reterr, int code, const char *origin, const char *path,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The JSON walk in progress: where we are, for messages. */
struct conv {
	const char *origin;
	struct jpath path;
	struct err_ctx *reterr;
};

int conv_fail(struct conv *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* One key of a JSON object and where its value goes (convert.c). */
enum field_type {
	FIELD_BOOL,
	FIELD_STRING,	/* char *, at most POLICY_MAX_PATH bytes */
	FIELD_U32,	/* uint32_t, 0..POLICY_MAX_ID */
	FIELD_SIZE,	/* uint64_t bytes: integer or "64M"; "unlimited" = 0 */
	FIELD_DURATION, /* uint64_t ms: integer seconds or "250ms"; "unlimited" = 0 */
	FIELD_COUNT,	/* uint64_t: integer; "unlimited" = 0 */
	FIELD_CUSTOM,
	_FIELD_TYPE_MAX,
};

struct field {
	const char *key;
	enum field_type type;
	size_t offset; /* into the object's struct; FIELD_CUSTOM gets base + offset */
	int (*custom)(struct conv *c, json_t *v, void *dst);
	bool optional;
};

/* Converts every key of obj by the table: unknown keys and missing keys are errors. */
int conv_object(struct conv *c, json_t *obj, const struct field *fields, size_t n, void *base);
/*
 * An array of at most max objects, each converted by conv_elem into a
 * zeroed element of elem_size bytes: *ret is calloc'd, *ret_n counts the
 * element being converted too, so the owner's free sees a half-built one.
 * what names the elements in the "too many" message.
 */
int conv_array(struct conv *c, json_t *v, size_t max, const char *what, size_t elem_size,
	       void **ret, size_t *ret_n, int (*conv_elem)(struct conv *c, json_t *v, void *elem));
/* A copy of a string of at most max bytes into *dst (the old value is freed). */
int conv_strdup(struct conv *c, json_t *v, size_t max, char **dst);
/* A FIELD_SIZE, FIELD_DURATION or FIELD_COUNT value; "unlimited" = 0. */
int conv_amount(struct conv *c, json_t *v, enum field_type type, uint64_t *ret);
/* A string without NUL bytes, at most max bytes; *ret points into v. */
int conv_string(struct conv *c, json_t *v, size_t max, const char **ret);
/*
 * A word of the format (a network mode, an action...): a name that lookup, a
 * void * wrapper of one of the *_from_name functions below, stores into dst.
 * Anything else fails as "unknown WHAT 'NAME' (CHOICES)"; choices may be NULL.
 */
int conv_word(struct conv *c, json_t *v, const char *what, const char *choices,
	      int (*lookup)(const char *name, void *ret), void *dst);

/* JSON (already merged over the default) to struct policy; see convert.c. */
int policy_convert(json_t *root, const char *origin, struct policy *p, struct err_ctx *reterr);
/* $.filesystem.mounts into struct policy (dst); see convert_mounts.c. */
int conv_mounts(struct conv *c, json_t *v, void *dst);
/* The "syscalls" section into struct policy_syscalls; see convert_syscalls.c. */
int conv_syscalls(struct conv *c, json_t *v, void *dst);
/* Helpers of that section: an action name, an errno name or number, and a
 * list of syscall names and @groups as sorted unique numbers (caller frees). */
int conv_action(struct conv *c, json_t *v, void *dst);
int conv_errno(struct conv *c, json_t *v, void *dst);
int conv_syscall_names(struct conv *c, json_t *v, int **ret_nrs, size_t *ret_n);
/* $.syscalls.deny into struct policy_syscalls; see convert_rules.c. */
int conv_deny(struct conv *c, json_t *v, void *dst);
/* $.broker into struct policy_broker; see convert_broker.c. */
int conv_broker(struct conv *c, json_t *v, void *dst);

/* NULL when path is absolute and normalised, else what is wrong with it (validate.c). */
const char *policy_path_problem(const char *path);
/* The broker section's value and cross-field rules (validate_broker.c). */
int policy_validate_broker(const struct policy *p, const char *origin, struct err_ctx *reterr);

/* Name tables shared by the converter, the validator and the dump (names.c). */
int policy_action_from_name(const char *name, enum policy_action *ret);
const char *policy_mount_kind_name(enum policy_mount_kind kind);
int policy_mount_kind_from_name(const char *name, enum policy_mount_kind *ret);
const char *policy_arg_op_name(enum policy_arg_op op);
int policy_arg_op_from_name(const char *name, enum policy_arg_op *ret);
const char *policy_output_name(enum policy_output_action a);
int policy_output_from_name(const char *name, enum policy_output_action *ret);
int policy_errno_from_name(const char *name, int *ret);
const char *policy_errno_name(int err);
int policy_effect_from_name(const char *name, uint32_t *ret);
int policy_right_from_name(const char *name, uint32_t *ret);
int policy_grant_kind_from_name(const char *name, enum policy_grant_kind *ret);
int policy_malformed_from_name(const char *name, enum policy_malformed_action *ret);
int policy_region_access_from_name(const char *name, enum policy_region_access *ret);

#endif
