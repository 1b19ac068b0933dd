/* Local files: capped reads, atomic writes, directories. */
#ifndef ADS_UTIL_FS_H
#define ADS_UTIL_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/buf.h"
#include "util/error.h"

/*
 * Appends the contents of path to out. Fails with ADS_ETOOBIG when the file
 * is larger than max bytes (0 = no limit) and ADS_ENOTFOUND or ADS_EIO
 * otherwise. out is unchanged on failure.
 */
int ads_read_file(struct ads_buf *out, const char *path, size_t max,
                  struct ads_error *err);
/*
 * Replaces path with data through a temporary file in the same directory,
 * fsync and rename, so readers see the old or the new file, never half.
 */
int ads_write_file_atomic(const char *path, const void *data, size_t len,
                          mode_t mode, struct ads_error *err);
/* Creates dir and its missing parents (mode 0755). */
int ads_mkdir_p(const char *dir, struct ads_error *err);
bool ads_file_exists(const char *path);
/* Joins a directory and a relative path ("a" + "b/c" = "a/b/c"); owned. */
char *ads_path_join(const char *dir, const char *rel);
/* The directory part of path ("a/b/c" -> "a/b", "c" -> "."); owned. */
char *ads_path_dirname(const char *path);

#endif
