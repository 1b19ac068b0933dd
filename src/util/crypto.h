/*
 * Digests through OpenSSL: SHA-256 for content digests and hashed audience
 * members, HMAC-SHA256 for appsecret_proof, MD5 for ad image hashes (the
 * image hash of the Marketing API is the MD5 of the image bytes).
 */
#ifndef ADS_UTIL_CRYPTO_H
#define ADS_UTIL_CRYPTO_H

#include <stddef.h>

#include "util/error.h"

#define ADS_SHA256_HEX_LEN 64
#define ADS_MD5_HEX_LEN    32

/* Writes the lowercase hex digest and a NUL into out. */
void ads_sha256_hex(const void *data, size_t len,
                    char out[ADS_SHA256_HEX_LEN + 1]);
void ads_md5_hex(const void *data, size_t len, char out[ADS_MD5_HEX_LEN + 1]);
void ads_hmac_sha256_hex(const void *key, size_t keylen, const void *data,
                         size_t len, char out[ADS_SHA256_HEX_LEN + 1]);

/* Incremental SHA-256, for digests over many pieces (files, row sets). */
struct ads_sha256;
struct ads_sha256 *ads_sha256_new(void);
void ads_sha256_update(struct ads_sha256 *h, const void *data, size_t len);
/* Writes the digest and frees h. */
void ads_sha256_final(struct ads_sha256 *h, char out[ADS_SHA256_HEX_LEN + 1]);
/* Frees h without a digest; accepts NULL. */
void ads_sha256_free(struct ads_sha256 *h);

#endif
