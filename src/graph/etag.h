/*
 * The ETag cache of one run: the last body and ETag of every GET (keyed
 * by its relative URL), so that a repeated read sends If-None-Match and a
 * 304 answer costs no transfer of data (004:L291-343). Bodies are kept as
 * text and parsed anew on a hit, so callers may modify what they get.
 * Memory is bounded: past max_bytes, new bodies are not kept.
 */
#ifndef ADS_GRAPH_ETAG_H
#define ADS_GRAPH_ETAG_H

#include <jansson.h>
#include <stddef.h>

struct ads_graph_etag_cache;

/* An empty cache holding at most max_bytes of bodies; owned by caller. */
struct ads_graph_etag_cache *ads_graph_etag_cache_new(size_t max_bytes);
void ads_graph_etag_cache_free(struct ads_graph_etag_cache *c);

/* The ETag stored for key (quotes included), or NULL. Borrowed. */
const char *ads_graph_etag_lookup(const struct ads_graph_etag_cache *c,
                                  const char *key);
/*
 * A new parse of the body stored for key, or NULL when there is none (or
 * it no longer parses). Owned by the caller.
 */
json_t *ads_graph_etag_body(const struct ads_graph_etag_cache *c,
                            const char *key);
/* Stores (or replaces) the ETag and body text of key. */
void ads_graph_etag_store(struct ads_graph_etag_cache *c, const char *key,
                          const char *etag, const char *body, size_t len);
/* Bytes of bodies held (for stats). */
size_t ads_graph_etag_bytes(const struct ads_graph_etag_cache *c);

#endif
