/* Library versions for `adsctl --version` (see buildinfo.h). */
#include "util/buildinfo.h"

#include <curl/curl.h>
#include <git2.h>
#include <jansson.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

const char *ads_version(void)
{
	return ADS_VERSION;
}

static void add(struct ads_libversion *out, size_t max, size_t *n,
                const char *name, const char *version)
{
	if (*n >= max)
		return;
	out[*n].name = name;
	snprintf(out[*n].version, sizeof(out[*n].version), "%s", version);
	(*n)++;
}

size_t ads_lib_versions(struct ads_libversion *out, size_t max)
{
	char tmp[64];
	int major, minor, rev;
	size_t n = 0;

	add(out, max, &n, "libcurl",
	    curl_version_info(CURLVERSION_NOW)->version);
	add(out, max, &n, "libyaml", yaml_get_version_string());
	add(out, max, &n, "jansson", jansson_version_str());
	pcre2_config(PCRE2_CONFIG_VERSION, tmp);
	add(out, max, &n, "PCRE2", tmp);
	git_libgit2_version(&major, &minor, &rev);
	snprintf(tmp, sizeof(tmp), "%d.%d.%d", major, minor, rev);
	add(out, max, &n, "libgit2", tmp);
	add(out, max, &n, "OpenSSL", OpenSSL_version(OPENSSL_VERSION_STRING));
	add(out, max, &n, "libmicrohttpd", MHD_get_version());
	return n;
}
