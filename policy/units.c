/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "policy/policy.h"

/*
 * Unit parsers for sizes and durations. Deliberately strict: digits and an
 * optional suffix, nothing else. No sign, no whitespace, no decimals, no
 * hex: a value that could be read two ways is rejected rather than guessed.
 * Results are capped at INT64_MAX so that every value survives a round trip
 * through JSON integers (policy_dump) and signed arithmetic downstream.
 */

/* Reads the leading decimal digits; *ret_end points past them. */
static int parse_digits(const char *text, uint64_t *ret, const char **ret_end)
{
	uint64_t v = 0;
	const char *p = text;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > ((uint64_t)INT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	*ret_end = p;
	return 0;
}

static int scale(uint64_t v, uint64_t factor, uint64_t *ret)
{
	if (factor != 0 && v > (uint64_t)INT64_MAX / factor)
		return -ERANGE;
	*ret = v * factor;
	return 0;
}

int policy_parse_size(const char *text, uint64_t *ret_bytes)
{
	const char *end;
	uint64_t v, factor;
	int r;

	if (!text)
		return -EINVAL;
	r = parse_digits(text, &v, &end);
	if (r < 0)
		return r;
	switch (*end) {
	case '\0':
		factor = 1;
		break;
	case 'K':
	case 'k':
		factor = UINT64_C(1) << 10;
		break;
	case 'M':
	case 'm':
		factor = UINT64_C(1) << 20;
		break;
	case 'G':
	case 'g':
		factor = UINT64_C(1) << 30;
		break;
	case 'T':
	case 't':
		factor = UINT64_C(1) << 40;
		break;
	default:
		return -EINVAL;
	}
	if (*end != '\0' && end[1] != '\0')
		return -EINVAL;
	return scale(v, factor, ret_bytes);
}

int policy_parse_duration(const char *text, uint64_t *ret_ms)
{
	static const struct {
		const char *suffix;
		uint64_t ms;
	} units[] = {
		{"", 1000}, /* a bare number is seconds */
		{"ms", 1},  {"s", 1000}, {"m", 60 * 1000}, {"h", 60 * 60 * 1000},
	};
	const char *end;
	uint64_t v;
	size_t i;
	int r;

	if (!text)
		return -EINVAL;
	r = parse_digits(text, &v, &end);
	if (r < 0)
		return r;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].suffix) == 0)
			return scale(v, units[i].ms, ret_ms);
	return -EINVAL;
}
