/* Digests through OpenSSL's EVP interface (see crypto.h). */
#include "util/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/xalloc.h"

struct ads_sha256 {
	EVP_MD_CTX *ctx;
};

static void to_hex(const unsigned char *d, unsigned n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (unsigned i = 0; i < n; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * n] = '\0';
}

static void crypto_fail(const char *what)
{
	fprintf(stderr, "adsctl: fatal: OpenSSL %s failed\n", what);
	abort();
}

static void digest(const EVP_MD *md, const void *data, size_t len, char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (!EVP_Digest(data, len, d, &n, md, NULL))
		crypto_fail("digest");
	to_hex(d, n, out);
}

void ads_sha256_hex(const void *data, size_t len,
                    char out[ADS_SHA256_HEX_LEN + 1])
{
	digest(EVP_sha256(), data, len, out);
}

void ads_md5_hex(const void *data, size_t len, char out[ADS_MD5_HEX_LEN + 1])
{
	digest(EVP_md5(), data, len, out);
}

void ads_hmac_sha256_hex(const void *key, size_t keylen, const void *data,
                         size_t len, char out[ADS_SHA256_HEX_LEN + 1])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (!HMAC(EVP_sha256(), key, (int)keylen, data, len, d, &n))
		crypto_fail("HMAC");
	to_hex(d, n, out);
}

struct ads_sha256 *ads_sha256_new(void)
{
	struct ads_sha256 *h = xmalloc(sizeof(*h));

	if (!(h->ctx = EVP_MD_CTX_new()) ||
	    !EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL))
		crypto_fail("SHA-256 init");
	return h;
}

void ads_sha256_update(struct ads_sha256 *h, const void *data, size_t len)
{
	if (!EVP_DigestUpdate(h->ctx, data, len))
		crypto_fail("SHA-256 update");
}

void ads_sha256_final(struct ads_sha256 *h, char out[ADS_SHA256_HEX_LEN + 1])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (!EVP_DigestFinal_ex(h->ctx, d, &n))
		crypto_fail("SHA-256 final");
	to_hex(d, n, out);
	ads_sha256_free(h);
}

void ads_sha256_free(struct ads_sha256 *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}
