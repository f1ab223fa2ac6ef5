/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/sha256.h"
#include "policy/internal.h"

/*
 * The first pass: read the file (bounded), parse it with duplicate keys
 * rejected, check the version, layer it over the embedded default, then
 * hand the merged document to the converter and the validator.
 */

extern const char policy_default_json[], policy_default_json_end[];

#define DEFAULT_ORIGIN "<default>"

/* Reads at most POLICY_MAX_FILE_BYTES + 1 bytes: the size is never trusted from stat. */
static int read_bounded(const char *path, char **ret_buf, size_t *ret_len, struct err_ctx *reterr)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = POLICY_MAX_FILE_BYTES + 1;

	if (fd < 0)
		return policy_fail(reterr, errno, path, NULL, "cannot open: %s", strerror(errno));
	buf = malloc(cap);
	if (!buf)
		return policy_fail(reterr, ENOMEM, path, NULL, "out of memory");
	while (len < cap) {
		ssize_t n = read(fd, buf + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return policy_fail(reterr, errno, path, NULL, "cannot read: %s",
					   strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > POLICY_MAX_FILE_BYTES)
		return policy_fail(reterr, EFBIG, path, NULL, "larger than 1 MiB");
	*ret_buf = take_ptr(buf);
	*ret_len = len;
	return 0;
}

static int parse_text(const char *origin, const char *text, size_t len, json_t **ret,
		      struct err_ctx *reterr)
{
	json_error_t jerr;
	char text_ok[sizeof(jerr.text)];
	json_t *root;

	if (len > POLICY_MAX_FILE_BYTES)
		return policy_fail(reterr, EFBIG, origin, NULL, "larger than 1 MiB");
	/* jansson bounds nesting itself (JSON_PARSER_MAX_DEPTH): deep input is an error. */
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	/*
	 * jerr.text quotes the offending input verbatim ("near '...'"): a raw
	 * escape byte, or a backslash before a newline, would reach the terminal.
	 */
	if (!root)
		return err_set(reterr, EINVAL, "%s:%d:%d: %s", origin, jerr.line, jerr.column,
			       policy_sanitize(jerr.text, text_ok, sizeof(text_ok), true));
	if (!json_is_object(root)) {
		json_decref(root);
		return policy_fail(reterr, EINVAL, origin, "$", "must be a JSON object");
	}
	*ret = root;
	return 0;
}

/* Checked on the file itself, before the default's version could stand in for it. */
static int check_version(const char *origin, json_t *root, struct err_ctx *reterr)
{
	json_t *v = json_object_get(root, "version");

	if (!v)
		return policy_fail(reterr, EINVAL, origin, "$",
				   "missing key 'version' (must be 1)");
	if (!json_is_integer(v) || json_integer_value(v) != 1)
		return policy_fail(reterr, EINVAL, origin, "$.version", "must be 1");
	return 0;
}

/*
 * Objects merge key by key; anything else in over replaces base. Recursion
 * follows the default's objects only, so its depth is the default's.
 */
static int json_merge(json_t *base, json_t *over)
{
	const char *key;
	json_t *v;

	json_object_foreach(over, key, v)
	{
		json_t *b = json_object_get(base, key);

		if (json_is_object(b) && json_is_object(v)) {
			if (json_merge(b, v) < 0)
				return -ENOMEM;
			continue;
		}
		if (json_object_set(base, key, v) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* "dir/ci-build.json" -> "ci-build"; characters a name may not hold become '_'. */
static char *name_from_origin(const char *origin)
{
	const char *base = strrchr(origin, '/');
	size_t len, i;
	char *name;

	base = base ? base + 1 : origin;
	len = strlen(base);
	if (len > 5 && strcmp(base + len - 5, ".json") == 0)
		len -= 5;
	if (len > POLICY_MAX_NAME)
		len = POLICY_MAX_NAME;
	if (len == 0)
		return strdup("policy");
	name = strndup(base, len);
	for (i = 0; name && name[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
			    name[i]))
			name[i] = '_';
	return name;
}

/* Converts root (already merged), names it, hashes text, validates. */
static int build(const char *origin, json_t *root, const char *text, size_t len,
		 const char *fallback_name, struct policy **ret, struct err_ctx *reterr)
{
	_cleanup_policy_ struct policy *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return policy_fail(reterr, ENOMEM, origin, NULL, "out of memory");
	r = policy_convert(root, origin, p, reterr);
	if (r < 0)
		return r;
	p->origin = strdup(origin);
	if (!p->name)
		p->name = fallback_name ? strdup(fallback_name) : name_from_origin(origin);
	if (!p->origin || !p->name)
		return policy_fail(reterr, ENOMEM, origin, NULL, "out of memory");
	sha256_buffer(text, len, p->sha256);
	r = policy_validate(p, reterr);
	if (r < 0)
		return r;
	*ret = take_ptr(p);
	return 0;
}

static size_t default_len(void)
{
	return (size_t)(policy_default_json_end - policy_default_json);
}

int policy_load_default(struct policy **ret, struct err_ctx *reterr)
{
	_cleanup_json_ json_t *root = NULL;
	int r;

	r = parse_text(DEFAULT_ORIGIN, policy_default_json, default_len(), &root, reterr);
	if (r < 0)
		return r;
	return build(DEFAULT_ORIGIN, root, policy_default_json, default_len(), "default", ret,
		     reterr);
}

int policy_load_buffer(const char *name, const char *text, size_t len, struct policy **ret,
		       struct err_ctx *reterr)
{
	_cleanup_json_ json_t *root = NULL;
	_cleanup_json_ json_t *merged = NULL;
	int r;

	if (!name || !text || !ret)
		return err_set(reterr, EINVAL, "policy: invalid arguments");
	r = parse_text(name, text, len, &root, reterr);
	if (r < 0)
		return r;
	r = check_version(name, root, reterr);
	if (r < 0)
		return r;
	r = parse_text(DEFAULT_ORIGIN, policy_default_json, default_len(), &merged, reterr);
	if (r < 0)
		return r;
	if (json_merge(merged, root) < 0)
		return policy_fail(reterr, ENOMEM, name, NULL, "out of memory");
	return build(name, merged, text, len, NULL, ret, reterr);
}

int policy_load_file(const char *path, struct policy **ret, struct err_ctx *reterr)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	if (!path)
		return err_set(reterr, EINVAL, "policy: no file name");
	r = read_bounded(path, &buf, &len, reterr);
	if (r < 0)
		return r;
	return policy_load_buffer(path, buf, len, ret, reterr);
}
