/*
 * The emulator's view of Meta's Graph API specs: enums, node and struct
 * fields, and the parameters of the write endpoints it serves. The tables
 * are generated into spec_tables.c by contrib/gen-emulator-tables.py; this
 * header declares them and the lookups over them.
 */
#ifndef ADS_EMULATOR_SPEC_H
#define ADS_EMULATOR_SPEC_H

#include <stdbool.h>
#include <stddef.h>

struct emu_enum {
	const char *name;
	const char *const *values; /* sorted */
	size_t n;
};

struct emu_field {
	const char *name;
	const char *type; /* as in the specs: "list<string>", "Targeting" */
};

struct emu_node {
	const char *name;
	const struct emu_field *fields; /* sorted by name */
	size_t n;
};

struct emu_param {
	const char *name;
	const char *type;
	bool required;
};

struct emu_endpoint {
	const char *node; /* "AdAccount" */
	const char *method; /* "POST" */
	const char *edge; /* "campaigns", or "" for the node itself */
	const struct emu_param *params; /* sorted by name */
	size_t n;
};

extern const struct emu_enum emu_spec_enums[];
extern const size_t emu_spec_nenums;
extern const struct emu_node emu_spec_nodes[];
extern const size_t emu_spec_nnodes;
extern const struct emu_endpoint emu_spec_endpoints[];
extern const size_t emu_spec_nendpoints;

/* Lookups; each returns NULL when the spec has no such entry. */
const struct emu_enum *emu_spec_enum(const char *name);
const struct emu_node *emu_spec_node(const char *name);
const struct emu_field *emu_spec_field(const struct emu_node *node,
                                       const char *name);
const struct emu_endpoint *
emu_spec_endpoint(const char *node, const char *method, const char *edge);
const struct emu_param *emu_spec_param(const struct emu_endpoint *ep,
                                       const char *name);
bool emu_enum_has(const struct emu_enum *e, const char *value);

/*
 * The element type of "list<T>" (through nested lists) written to out, or
 * type itself; returns the list depth.
 */
int emu_type_inner(const char *type, char *out, size_t outlen);

#endif
