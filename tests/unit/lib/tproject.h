/*
 * Projects on disk for unit tests of the layers above the model (live,
 * diff, plan, render): files are written into a fresh temporary directory
 * and loaded as adsctl would load them.
 */
#ifndef ADS_TEST_TPROJECT_H
#define ADS_TEST_TPROJECT_H

#include "manifest/project.h"
#include "model/model.h"
#include "util/diag.h"

struct tproject {
	char *dir;
	struct ads_source src;
	struct ads_project *project;
	struct ads_diags diags;
	struct ads_model *m;
};

/*
 * Writes files (pairs of relative path and contents, ended by NULL) and
 * builds the model, without schemas. Fails the test when the manifests
 * have errors. Binary files: contents starting with "\x89PNG" are written
 * as a small valid PNG whatever follows.
 */
struct tproject *tproject_new(const char *const *files);
void tproject_free(struct tproject *t);
/* Reads a text file of the test data; owned by the caller. */
char *tproject_slurp(const char *path);

#endif
