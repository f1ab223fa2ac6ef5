/* SPDX-License-Identifier: MIT */
#ifndef VMSB_COMMON_LOG_H
#define VMSB_COMMON_LOG_H

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
	_LOG_LEVEL_MAX,
};

/* Messages at or below this level are printed; default LOG_LEVEL_WARN. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* "vmsandbox: <message>" on stderr, one line. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Same, followed by ": <strerror(err)>"; err is a positive or negative errno. */
void log_errno(enum log_level level, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
