/*
 * Lookups over the generated spec tables (spec_tables.c): every table is
 * sorted by name, so each lookup is a binary search.
 */
#include "emulator/spec.h"

#include <stdlib.h>
#include <string.h>

static int cmp_enum(const void *key, const void *elem)
{
	return strcmp(key, ((const struct emu_enum *)elem)->name);
}

static int cmp_node(const void *key, const void *elem)
{
	return strcmp(key, ((const struct emu_node *)elem)->name);
}

static int cmp_field(const void *key, const void *elem)
{
	return strcmp(key, ((const struct emu_field *)elem)->name);
}

static int cmp_param(const void *key, const void *elem)
{
	return strcmp(key, ((const struct emu_param *)elem)->name);
}

static int cmp_str(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

const struct emu_enum *emu_spec_enum(const char *name)
{
	return bsearch(name, emu_spec_enums, emu_spec_nenums,
	               sizeof(emu_spec_enums[0]), cmp_enum);
}

const struct emu_node *emu_spec_node(const char *name)
{
	return bsearch(name, emu_spec_nodes, emu_spec_nnodes,
	               sizeof(emu_spec_nodes[0]), cmp_node);
}

const struct emu_field *emu_spec_field(const struct emu_node *node,
                                       const char *name)
{
	if (!node || !node->n)
		return NULL;
	return bsearch(name, node->fields, node->n, sizeof(node->fields[0]),
	               cmp_field);
}

const struct emu_endpoint *
emu_spec_endpoint(const char *node, const char *method, const char *edge)
{
	for (size_t i = 0; i < emu_spec_nendpoints; i++) {
		const struct emu_endpoint *e = &emu_spec_endpoints[i];

		if (!strcmp(e->node, node) && !strcmp(e->method, method) &&
		    !strcmp(e->edge, edge))
			return e;
	}
	return NULL;
}

const struct emu_param *emu_spec_param(const struct emu_endpoint *ep,
                                       const char *name)
{
	if (!ep || !ep->n)
		return NULL;
	return bsearch(name, ep->params, ep->n, sizeof(ep->params[0]),
	               cmp_param);
}

bool emu_enum_has(const struct emu_enum *e, const char *value)
{
	return bsearch(value, e->values, e->n, sizeof(e->values[0]), cmp_str) !=
	       NULL;
}

int emu_type_inner(const char *type, char *out, size_t outlen)
{
	int depth = 0;
	size_t len = strlen(type);

	while (len > 6 && !strncmp(type, "list<", 5) && type[len - 1] == '>') {
		type += 5;
		len -= 6;
		depth++;
	}
	if (len >= outlen)
		len = outlen - 1;
	memcpy(out, type, len);
	out[len] = '\0';
	return depth;
}
