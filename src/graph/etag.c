/* The per-run ETag cache (etag.h). */
#include "graph/etag.h"

#include <stdlib.h>
#include <string.h>

#include "util/map.h"
#include "util/xalloc.h"

struct entry {
	char *etag;
	char *body;
	size_t len;
};

struct ads_graph_etag_cache {
	struct ads_map entries; /* key -> struct entry * */
	size_t bytes, max_bytes;
};

struct ads_graph_etag_cache *ads_graph_etag_cache_new(size_t max_bytes)
{
	struct ads_graph_etag_cache *c = xcalloc(1, sizeof(*c));

	ads_map_init(&c->entries);
	c->max_bytes = max_bytes;
	return c;
}

static void free_entry(void *p)
{
	struct entry *e = p;

	if (!e)
		return;
	free(e->etag);
	free(e->body);
	free(e);
}

void ads_graph_etag_cache_free(struct ads_graph_etag_cache *c)
{
	if (!c)
		return;
	ads_map_release(&c->entries, free_entry);
	free(c);
}

const char *ads_graph_etag_lookup(const struct ads_graph_etag_cache *c,
                                  const char *key)
{
	const struct entry *e = c ? ads_map_get(&c->entries, key) : NULL;

	return e ? e->etag : NULL;
}

json_t *ads_graph_etag_body(const struct ads_graph_etag_cache *c,
                            const char *key)
{
	const struct entry *e = c ? ads_map_get(&c->entries, key) : NULL;

	if (!e)
		return NULL;
	return json_loadb(e->body, e->len, JSON_DECODE_ANY, NULL);
}

void ads_graph_etag_store(struct ads_graph_etag_cache *c, const char *key,
                          const char *etag, const char *body, size_t len)
{
	struct entry *old, *e;

	if (!c || !etag || !*etag)
		return;
	old = ads_map_remove(&c->entries, key);
	if (old) {
		c->bytes -= old->len;
		free_entry(old);
	}
	if (c->bytes + len > c->max_bytes)
		return;
	e = xcalloc(1, sizeof(*e));
	e->etag = xstrdup(etag);
	e->body = xmalloc(len + 1);
	memcpy(e->body, body, len);
	e->body[len] = '\0';
	e->len = len;
	c->bytes += len;
	ads_map_put(&c->entries, key, e);
}

size_t ads_graph_etag_bytes(const struct ads_graph_etag_cache *c)
{
	return c ? c->bytes : 0;
}
