/* SPDX-License-Identifier: MIT */
#ifndef VMSB_SUPERVISOR_REPORT_H
#define VMSB_SUPERVISOR_REPORT_H

#include <jansson.h>
#include <stdbool.h>

#include "common/err.h"
#include "policy/policy.h"
#include "supervisor/instance.h"
#include "supervisor/outcome.h"

/* What the report describes; any pointer may be NULL when that part never happened. */
struct report_input {
	const struct policy *policy;
	const struct instance *inst;
	const struct run_observed *obs;
	const char *policy_error; /* set for policy_error: the message */
	int landlock_abi;	  /* 0: not applied */
	unsigned seccomp_filters;
	json_t *limits; /* borrowed: the limits section, or NULL */
	json_t *usage;	/* borrowed: {cpu_time_ms, peak_memory_bytes, ...} or NULL */
	json_t *broker; /* borrowed: the broker section, or NULL without a broker */
};

/* The report object; caller owns the reference. */
json_t *report_build(const struct report_input *in);

/* Writes it to PATH ("-" = stdout), one JSON object and a newline. */
int report_write(const char *path, json_t *report, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

#endif
