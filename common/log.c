/* SPDX-License-Identifier: MIT */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static enum log_level current_level = LOG_LEVEL_WARN;

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

/* One fprintf per message so concurrent writers do not interleave mid-line. */
static void log_emit(enum log_level level, int err, const char *fmt, va_list ap)
{
	char text[1024];

	if (level > current_level)
		return;
	vsnprintf(text, sizeof(text), fmt, ap);
	if (err)
		fprintf(stderr, "vmsandbox: %s: %s\n", text, strerror(err < 0 ? -err : err));
	else
		fprintf(stderr, "vmsandbox: %s\n", text);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(level, 0, fmt, ap);
	va_end(ap);
}

void log_errno(enum log_level level, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(level, err, fmt, ap);
	va_end(ap);
}
