/*
 * Customer-list audience members (creative-model.md §5.4, §5.5): a CSV file
 * with a header row naming the columns (EMAIL, PHONE, FN, ...). Every value
 * is normalised as Meta's table says and hashed with SHA-256; the model
 * keeps only the row count and a digest of the sorted hashed rows, and
 * apply re-reads the file through ads_members_foreach() to upload it.
 *
 * Raw values are personal data: they are never copied into a diagnostic,
 * an error or a log, and the buffers that held them are wiped.
 */
#ifndef ADS_MODEL_MEMBERS_H
#define ADS_MODEL_MEMBERS_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/error.h"

/* Whether name (upper case) is a member column Meta's schema knows. */
bool ads_members_column_known(const char *name);
/* The known column closest to a mistyped name, or NULL. */
const char *ads_members_column_suggest(const char *name);

/*
 * Normalises one value of a column and appends what is uploaded for it to
 * out: the lowercase hex SHA-256 of the normalised value, the value itself
 * for the unhashed columns (EXTERN_ID, LOOKALIKE_VALUE), or a pre-hashed
 * value (64 hex digits) as is. country is the row's normalised COUNTRY (or
 * NULL), which decides how ZIP codes are cut. Returns false, with a static
 * reason in *why (never quoting the value), when the value is unusable.
 */
bool ads_members_hash_value(struct ads_buf *out, const char *column,
                            const char *value, size_t len, const char *country,
                            const char **why);

/*
 * Called with each data row, in file order: n values (what is uploaded,
 * see ads_members_hash_value(); "" for an empty cell) in header order.
 * A nonzero return stops the scan and is returned.
 */
typedef int (*ads_members_row_fn)(void *ctx, const char *const *values,
                                  size_t n);

/*
 * Scans CSV data: parses the header into m->columns, checks it against
 * want (the manifest's `columns`, may be NULL or empty; want_loc locates
 * it), hashes every row, and fills m->nrows, m->nunique and m->digest.
 * Problems go to diags at display:line:col (at most a few per file).
 * Calls fn for every good row when fn is not NULL. Returns 0, ADS_EINVALID
 * when diags got errors, ADS_EINTR when interrupted, or what fn returned.
 * The caller owns data and should wipe it afterwards.
 */
int ads_members_scan(struct ads_members *m, const char *data, size_t len,
                     const char *display, const struct ads_strvec *want,
                     const struct ads_srcloc *want_loc, struct ads_diags *diags,
                     ads_members_row_fn fn, void *ctx);

/*
 * Re-reads the member list of audience r through the project's source and
 * calls fn with every hashed row (for upload). Fails with ADS_ECONFLICT,
 * before any row is handed out, when the file no longer matches the
 * digest the model was built with.
 */
int ads_members_foreach(const struct ads_model *m, const struct ads_resource *r,
                        ads_members_row_fn fn, void *ctx,
                        struct ads_error *err);

/* Frees the contents of a member list (not m itself). */
void ads_members_release(struct ads_members *m);

#endif
