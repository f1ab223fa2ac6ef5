/* SPDX-License-Identifier: MIT */
#include "common/err.h"

#include <stdio.h>

int err_setv(struct err_ctx *reterr, int code, const char *fmt, va_list ap)
{
	if (code <= 0)
		code = code < 0 ? -code : 1;
	if (reterr) {
		reterr->code = code;
		vsnprintf(reterr->msg, sizeof(reterr->msg), fmt, ap);
	}
	return -code;
}

int err_set(struct err_ctx *reterr, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = err_setv(reterr, code, fmt, ap);
	va_end(ap);
	return r;
}
