/* SPDX-License-Identifier: MIT */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>

#include "policy/policy.h"

static uint64_t size_of(const char *text)
{
	uint64_t v = 12345;

	cr_assert_eq(policy_parse_size(text, &v), 0, "'%s' was rejected", text);
	return v;
}

static uint64_t ms_of(const char *text)
{
	uint64_t v = 12345;

	cr_assert_eq(policy_parse_duration(text, &v), 0, "'%s' was rejected", text);
	return v;
}

Test(policy_units, sizes_are_binary)
{
	cr_expect_eq(size_of("123"), 123);
	cr_expect_eq(size_of("0"), 0);
	cr_expect_eq(size_of("512K"), 512 * 1024);
	cr_expect_eq(size_of("64M"), 64ULL << 20);
	cr_expect_eq(size_of("1G"), 1ULL << 30);
	cr_expect_eq(size_of("1T"), 1ULL << 40);
	cr_expect_eq(size_of("2g"), 2ULL << 30, "lower-case suffixes too");
}

Test(policy_units, durations_have_units_and_bare_means_seconds)
{
	cr_expect_eq(ms_of("250ms"), 250);
	cr_expect_eq(ms_of("30s"), 30000);
	cr_expect_eq(ms_of("2m"), 120000);
	cr_expect_eq(ms_of("1h"), 3600000);
	cr_expect_eq(ms_of("7"), 7000);
	cr_expect_eq(ms_of("0"), 0);
}

Test(policy_units, rejects_junk_sizes)
{
	static const char *const bad[] = {"",	 "-1",	 "+5",	 " 5", "5 ",  "1.5G", "G",
					  "1GB", "1KiB", "0x10", "5Q", "1GG", "1e3"};
	uint64_t v = 77;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(policy_parse_size(bad[i], &v), -EINVAL, "'%s' was accepted", bad[i]);
	cr_expect_eq(v, 77, "the output is untouched on error");
	cr_expect_eq(policy_parse_size(NULL, &v), -EINVAL);
}

Test(policy_units, rejects_junk_durations)
{
	static const char *const bad[] = {"",	 "-1s", "1.5s", "s",	"10 s", "1d",
					  "1hh", "ms",	"1sm",	"0x5s", "5M"};
	uint64_t v = 77;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(policy_parse_duration(bad[i], &v), -EINVAL, "'%s' was accepted",
			     bad[i]);
	cr_expect_eq(v, 77);
}

Test(policy_units, overflow_is_erange)
{
	uint64_t v;

	cr_expect_eq(policy_parse_size("99999999999999999999", &v), -ERANGE);
	cr_expect_eq(policy_parse_size("9000000000T", &v), -ERANGE);
	cr_expect_eq(policy_parse_size("9223372036854775807", &v), 0, "INT64_MAX fits");
	cr_expect_eq(policy_parse_size("9223372036854775808", &v), -ERANGE);
	cr_expect_eq(policy_parse_duration("9999999999999999h", &v), -ERANGE);
	cr_expect_eq(policy_parse_duration("9223372036854775807", &v), -ERANGE,
		     "bare seconds overflow when scaled to ms");
}
