/* SPDX-License-Identifier: MIT */
#include <criterion/criterion.h>
#include <string.h>

#include "common/sha256.h"

static void expect_digest(const void *data, size_t len, const char *want)
{
	uint8_t d[SHA256_DIGEST_SIZE];
	char hex[2 * SHA256_DIGEST_SIZE + 1];

	sha256_buffer(data, len, d);
	sha256_to_hex(d, hex);
	cr_expect_str_eq(hex, want);
}

/* FIPS 180-2, appendix B.1 */
Test(sha256, fips_one_block_message)
{
	expect_digest("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* FIPS 180-2, appendix B.2 */
Test(sha256, fips_multi_block_message)
{
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	expect_digest(m, strlen(m),
		      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* FIPS 180-2, appendix B.3, fed in uneven pieces to exercise buffering. */
Test(sha256, fips_million_a_in_pieces)
{
	static char chunk[997];
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE];
	char hex[2 * SHA256_DIGEST_SIZE + 1];
	size_t left = 1000000;

	memset(chunk, 'a', sizeof(chunk));
	sha256_init(&ctx);
	while (left > 0) {
		size_t n = left < sizeof(chunk) ? left : sizeof(chunk);

		sha256_update(&ctx, chunk, n);
		left -= n;
	}
	sha256_final(&ctx, d);
	sha256_to_hex(d, hex);
	cr_expect_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

Test(sha256, empty_message)
{
	expect_digest("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* 55 and 56 bytes straddle the point where the length no longer fits the last block. */
Test(sha256, padding_boundary_lengths)
{
	char m[64];

	memset(m, 'a', sizeof(m));
	expect_digest(m, 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
	expect_digest(m, 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
	expect_digest(m, 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}
