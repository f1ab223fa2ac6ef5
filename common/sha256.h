/* SPDX-License-Identifier: MIT */
#ifndef VMSB_COMMON_SHA256_H
#define VMSB_COMMON_SHA256_H

#include <stddef.h>
#include <stdint.h>

/*
 * SHA-256 (FIPS 180-4). Small and dependency-free so that policy/ can hash a
 * policy file without pulling a crypto library into the supervisor.
 */
#define SHA256_DIGEST_SIZE 32

struct sha256_ctx {
	uint32_t state[8];
	uint64_t total; /* bytes hashed so far */
	uint8_t block[64];
	size_t used; /* bytes waiting in block */
};

void sha256_init(struct sha256_ctx *ctx);
void sha256_update(struct sha256_ctx *ctx, const void *data, size_t len);
void sha256_final(struct sha256_ctx *ctx, uint8_t ret_digest[SHA256_DIGEST_SIZE]);

/* One-shot digest of a buffer. */
void sha256_buffer(const void *data, size_t len, uint8_t ret_digest[SHA256_DIGEST_SIZE]);

/* Lower-case hex of a digest; ret_hex must hold 2 * SHA256_DIGEST_SIZE + 1 bytes. */
void sha256_to_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char *ret_hex);

#endif
