/*
 * libyaml's reader, scanner and parser errors, reworded for people who are
 * not YAML experts (private to src/manifest/).
 */
#ifndef ADS_MANIFEST_YAMLERR_H
#define ADS_MANIFEST_YAMLERR_H

#include <stddef.h>
#include <yaml.h>

#include "util/buf.h"

/*
 * Describes the error yp stopped at: appends the message to msg and sets
 * *line and *col (1-based; 0 when unknown) and *rule ("yaml.syntax" or
 * "yaml.encoding"). data and len are the input given to libyaml.
 */
void ads_yaml_describe_error(const yaml_parser_t *yp, const char *data,
                             size_t len, struct ads_buf *msg, unsigned *line,
                             unsigned *col, const char **rule);

#endif
