/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy/internal.h"

/*
 * Error locations. Keys and values in messages come from hostile files, so
 * they are sanitised to printable ASCII before they reach a terminal or a
 * log line, and cut short so that one message stays one line.
 */

void jpath_init(struct jpath *p)
{
	p->buf[0] = '$';
	p->buf[1] = '\0';
	p->len = 1;
}

/* Appends text, keeping a "..." marker if the buffer runs out. */
static void jpath_append(struct jpath *p, const char *text)
{
	size_t room = sizeof(p->buf) - p->len;
	size_t n = strlen(text);

	if (n < room) {
		memcpy(p->buf + p->len, text, n + 1);
		p->len += n;
		return;
	}
	if (room > 4) {
		memcpy(p->buf + p->len, text, room - 4);
		memcpy(p->buf + sizeof(p->buf) - 4, "...", 4);
	}
	p->len = sizeof(p->buf) - 1;
}

size_t jpath_key(struct jpath *p, const char *key)
{
	size_t mark = p->len;
	char quoted[48];

	jpath_append(p, ".");
	jpath_append(p, policy_quote(key, quoted, sizeof(quoted)));
	return mark;
}

size_t jpath_index(struct jpath *p, size_t index)
{
	size_t mark = p->len;
	char tmp[32];

	snprintf(tmp, sizeof(tmp), "[%zu]", index);
	jpath_append(p, tmp);
	return mark;
}

void jpath_pop(struct jpath *p, size_t mark)
{
	if (mark < sizeof(p->buf)) {
		p->len = mark;
		p->buf[mark] = '\0';
	}
}

const char *policy_sanitize(const char *in, char *out, size_t n, bool keep_quotes)
{
	size_t i;

	if (n == 0)
		return out;
	for (i = 0; in && in[i] && i + 1 < n; i++) {
		unsigned char ch = (unsigned char)in[i];
		bool quote = ch == '\'' || ch == '"';

		out[i] = (ch < 0x20 || ch > 0x7e || (quote && !keep_quotes)) ? '?' : (char)ch;
	}
	out[i] = '\0';
	if (in && in[i] && n > 4)
		memcpy(out + n - 4, "...", 4);
	return out;
}

const char *policy_quote(const char *in, char *out, size_t n)
{
	return policy_sanitize(in, out, n, false);
}

int policy_fail(struct err_ctx *reterr, int code, const char *origin, const char *path,
		const char *fmt, ...)
{
	char msg[sizeof(((struct err_ctx *)0)->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path)
		return err_set(reterr, code, "%s: %s: %s", origin, path, msg);
	return err_set(reterr, code, "%s: %s", origin, msg);
}

int conv_fail(struct conv *c, int code, const char *fmt, ...)
{
	char msg[sizeof(((struct err_ctx *)0)->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return policy_fail(c->reterr, code, c->origin, c->path.buf, "%s", msg);
}
