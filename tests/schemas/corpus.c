/*
 * The schema corpus: manifests that schemas/ must accept and manifests it
 * must reject, run through the real YAML loader and the real validator
 * with the schemas compiled into adsctl. A schema change that blocks a
 * valid, realistic manifest, lets a mistake through, or loses a readable
 * message fails here.
 *
 *   schemas_corpus DIR...
 *   schemas_corpus --examples DIR
 *
 * With --examples, every YAML file of every project under DIR (the
 * examples/ folder) must validate. Otherwise, for each DIR: every
 * every .yaml file in DIR/valid must validate with no failure. Every .yaml file
 * in DIR/invalid must fail, and its "# expect: POINTER TEXT" lines say how:
 * each must be matched by a failure at JSON Pointer POINTER
 * ("" for the document) whose message (or suggestion) contains TEXT, and
 * each failure must be matched by some expect line. Files named
 * adsctl.yaml or project-*.yaml are checked against project.schema.json,
 * the others against resources.schema.json.
 */
#include <dirent.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/doc.h"
#include "schema/schema.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define SCHEMA_BASE "https://adsctl.dev/schemas/"

struct expect {
	char *ptr;
	char *text;
	bool seen;
};

struct run {
	const char *file;
	struct expect *ex;
	size_t nex;
	int unexpected;
	bool print; /* a valid file: every failure is reported */
};

static void on_failure(void *ctx, const struct ads_schema_failure *f)
{
	struct run *r = ctx;
	bool matched = false;

	for (size_t i = 0; i < r->nex; i++) {
		const struct expect *e = &r->ex[i];

		if (strcmp(e->ptr, f->instance_ptr))
			continue;
		if (strstr(f->message, e->text) ||
		    (f->suggestion && strstr(f->suggestion, e->text))) {
			r->ex[i].seen = true;
			matched = true;
		}
	}
	if (matched)
		return;
	r->unexpected++;
	printf("%s: %s failure at '%s' (%s): %s%s%s%s\n", r->file,
	       r->print ? "unexpected" : "unexpected extra", f->instance_ptr,
	       f->keyword, f->message, f->suggestion ? " (suggestion: " : "",
	       f->suggestion ? f->suggestion : "", f->suggestion ? ")" : "");
}

/* Reads the "# expect: POINTER TEXT" lines; POINTER "" is written as ''. */
static void parse_expects(struct run *r, const char *text)
{
	const char *p = text;
	size_t alloc = 0;

	while ((p = strstr(p, "# expect: "))) {
		const char *ptr = p + strlen("# expect: ");
		const char *sp = strchr(ptr, ' ');
		const char *eol = strchr(ptr, '\n');
		struct expect *e;

		if (!eol)
			eol = ptr + strlen(ptr);
		if (!sp || sp > eol)
			sp = eol;
		ADS_ALLOC_GROW(r->ex, r->nex + 1, alloc);
		e = &r->ex[r->nex++];
		e->ptr = xstrndup(ptr, (size_t)(sp - ptr));
		if (!strcmp(e->ptr, "''"))
			e->ptr[0] = '\0';
		e->text = xstrndup(sp < eol ? sp + 1 : eol,
		                   (size_t)(eol - (sp < eol ? sp + 1 : eol)));
		e->seen = false;
		p = eol;
	}
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static int check_file(struct ads_schema_set *set, const char *dir,
                      const char *name, bool valid)
{
	char *path = ads_path_join(dir, name);
	struct ads_diags diags;
	struct ads_buf text = ADS_BUF_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_doc *doc = NULL;
	struct run r = { path, NULL, 0, 0, valid };
	const char *schema = SCHEMA_BASE "resources.schema.json";
	int n, bad = 0;

	ads_diags_init(&diags);
	if (!strcmp(name, "adsctl.yaml") ||
	    !strncmp(name, "project-", strlen("project-")))
		schema = SCHEMA_BASE "project.schema.json";
	if (ads_read_file(&text, path, ADS_MANIFEST_MAX_BYTES, &err) < 0 ||
	    ads_doc_parse(&doc, path, text.buf, text.len, &diags) < 0) {
		printf("%s: cannot load: %s\n", path,
		       ads_error_is_set(&err) ? err.msg : "YAML error");
		bad = 1;
		goto out;
	}
	if (!valid)
		parse_expects(&r, text.buf);
	if (!valid && !r.nex) {
		printf("%s: an invalid example needs '# expect:' lines\n",
		       path);
		bad = 1;
		goto out;
	}
	n = ads_schema_validate(set, schema, doc->root, on_failure, &r, &err);
	if (n < 0) {
		printf("%s: %s\n", path, err.msg);
		bad = 1;
		goto out;
	}
	if (r.unexpected)
		bad = 1;
	for (size_t i = 0; i < r.nex; i++) {
		if (!r.ex[i].seen) {
			printf("%s: expected a failure at '%s' saying '%s'\n",
			       path, r.ex[i].ptr, r.ex[i].text);
			bad = 1;
		}
	}
	if (!valid && !n) {
		printf("%s: validated, but it should not\n", path);
		bad = 1;
	}
	printf("%s %s (%d failure%s)\n", bad ? "FAIL" : "ok  ", path, n,
	       n == 1 ? "" : "s");
out:
	for (size_t i = 0; i < r.nex; i++) {
		free(r.ex[i].ptr);
		free(r.ex[i].text);
	}
	free(r.ex);
	ads_doc_free(doc);
	ads_diags_release(&diags);
	ads_error_release(&err);
	ads_buf_release(&text);
	free(path);
	return bad;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(struct ads_strvec *out, const char *dir, bool dirs);

/* Checks the .yaml files of DIR/sub in name order; returns the number of
 * failures. */
static int check_dir(struct ads_schema_set *set, const char *dir,
                     const char *sub, bool valid, int *count)
{
	char *path = ads_path_join(dir, sub);
	struct ads_strvec names = ADS_STRVEC_INIT;
	int bad = 0;

	list(&names, path, false);
	for (size_t i = 0; i < names.nr; i++) {
		if (!ends_with(names.v[i], ".yaml"))
			continue;
		bad += check_file(set, path, names.v[i], valid);
		(*count)++;
	}
	if (!names.nr) {
		printf("%s: no corpus files\n", path);
		bad++;
	}
	ads_strvec_release(&names);
	free(path);
	return bad;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* The sorted names in dir that are directories (or, if !dirs, not). */
static void list(struct ads_strvec *out, const char *dir, bool dirs)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char *p;

		if (de->d_name[0] == '.')
			continue;
		p = ads_path_join(dir, de->d_name);
		if (is_dir(p) == dirs)
			ads_strvec_push(out, de->d_name);
		free(p);
	}
	closedir(d);
	if (out->nr) /* qsort must not get NULL, even for no elements */
		qsort(out->v, out->nr, sizeof(*out->v), cmp_names);
}

/* Every .yaml file below dir (projects nest a level or two). */
static int check_tree(struct ads_schema_set *set, const char *dir, int depth,
                      int *count)
{
	struct ads_strvec files = ADS_STRVEC_INIT, dirs = ADS_STRVEC_INIT;
	int bad = 0;

	list(&files, dir, false);
	list(&dirs, dir, true);
	for (size_t i = 0; i < files.nr; i++) {
		if (!ends_with(files.v[i], ".yaml"))
			continue;
		bad += check_file(set, dir, files.v[i], true);
		(*count)++;
	}
	for (size_t i = 0; depth < 3 && i < dirs.nr; i++) {
		char *sub = ads_path_join(dir, dirs.v[i]);

		bad += check_tree(set, sub, depth + 1, count);
		free(sub);
	}
	ads_strvec_release(&files);
	ads_strvec_release(&dirs);
	return bad;
}

int main(int argc, char **argv)
{
	struct ads_schema_set *set = NULL;
	struct ads_error err = ADS_ERROR_INIT;
	int bad = 0, count = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: schemas_corpus DIR...\n");
		return 64;
	}
	if (ads_schema_set_builtin(&set, &err) < 0) {
		printf("the built-in schemas do not compile: %s\n", err.msg);
		ads_error_release(&err);
		return 1;
	}
	if (!strcmp(argv[1], "--examples")) {
		for (int i = 2; i < argc; i++)
			bad += check_tree(set, argv[i], 0, &count);
		if (!count) {
			printf("no example files found\n");
			bad = 1;
		}
	} else {
		for (int i = 1; i < argc; i++) {
			bad += check_dir(set, argv[i], "valid", true, &count);
			bad += check_dir(set, argv[i], "invalid", false,
			                 &count);
		}
	}
	ads_schema_set_free(set);
	printf("%d of %d files as expected\n", count - bad, count);
	return bad ? 1 : 0;
}
