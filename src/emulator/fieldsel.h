/*
 * Field selection as Graph parses it: `fields=id,name,creative{id,name},
 * campaigns.limit(5){id,adsets.limit(2){id}}`. Each item names a field or
 * an edge, with optional modifiers and an optional nested selection.
 */
#ifndef ADS_EMULATOR_FIELDSEL_H
#define ADS_EMULATOR_FIELDSEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct emu_fsel;

struct emu_fsel_item {
	char *name;
	int64_t limit; /* .limit(n); -1 when absent */
	char *effective_status; /* .effective_status(...) argument, or NULL */
	bool summary; /* .summary(true) */
	struct emu_fsel *sub; /* {…}; NULL when absent */
};

struct emu_fsel {
	struct emu_fsel_item *v;
	size_t nr, alloc;
};

/*
 * Parses s into a new selection (*out, owned by the caller; free with
 * emu_fsel_free). On a syntax error returns false and writes a message
 * like Graph's into why (at least 160 bytes).
 */
bool emu_fsel_parse(struct emu_fsel **out, const char *s, char *why,
                    size_t whylen);
void emu_fsel_free(struct emu_fsel *f);
const struct emu_fsel_item *emu_fsel_find(const struct emu_fsel *f,
                                          const char *name);

#endif
