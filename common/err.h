/* SPDX-License-Identifier: MIT */
#ifndef VMSB_COMMON_ERR_H
#define VMSB_COMMON_ERR_H

#include <stdarg.h>

/*
 * Error context: travels in a caller-owned fixed-size record, never on the heap.
 * code is a positive errno; msg is one line, already truncated.
 */
struct err_ctx {
	int code;
	char msg[192];
};

/* Fills reterr (which may be NULL) and returns -code. */
int err_set(struct err_ctx *reterr, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Same, with a va_list. */
int err_setv(struct err_ctx *reterr, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#endif
