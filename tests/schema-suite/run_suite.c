/*
 * Runs files of the official JSON-Schema-Test-Suite (draft 2020-12) against
 * src/schema/. Every test case must agree with the suite unless
 * tests/schema-suite/SKIPPED.md lists it; a listed case that passes is an
 * error too (a stale skip), so the list stays exactly what the code lacks.
 *
 *   run_suite SUITE_DIR SKIPPED_MD FILE...     FILE: "type.json",
 *                                              "optional/bignum.json"
 *   run_suite --keywords SKIPPED_MD            the keyword list matches
 *                                              ads_schema_unsupported[]
 *
 * The suite's remotes/ are served, as its README asks, under
 * http://localhost:1234/ — here by adding them to every schema set.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "schema/schema.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

struct skip {
	char *file, *group, *test;
	bool used, failed; /* matched a case; one of those cases failed */
};

struct skips {
	struct skip *v;
	size_t nr, alloc;
	struct ads_strvec keywords;
};

struct remotes {
	struct ads_strvec uris;
	json_t **docs;
	size_t nr, alloc;
};

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '`')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '`' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* Splits a markdown table row "| a | b |" into its cells. */
static void table_cells(struct ads_strvec *cells, char *line)
{
	char *p = line + 1, *bar;

	while ((bar = strchr(p, '|'))) {
		*bar = '\0';
		ads_strvec_push(cells, trim(p));
		p = bar + 1;
	}
}

static int load_skips(struct skips *sk, const char *path)
{
	struct ads_buf b = ADS_BUF_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_strvec lines = ADS_STRVEC_INIT;
	int section = 0; /* 1 keywords, 2 test cases */

	if (ads_read_file(&b, path, 0, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		ads_error_release(&err);
		return -1;
	}
	ads_strvec_split(&lines, b.buf, '\n');
	for (size_t i = 0; i < lines.nr; i++) {
		char *line = lines.v[i];
		struct ads_strvec cells = ADS_STRVEC_INIT;

		if (!strncmp(line, "## ", 3)) {
			section = strstr(line, "eyword")     ? 1
			          : strstr(line, "est case") ? 2
			                                     : 0;
			continue;
		}
		if (line[0] != '|' || !section)
			continue;
		table_cells(&cells, line);
		if (cells.nr && strncmp(cells.v[0], "---", 3) &&
		    strcmp(cells.v[0], "keyword") &&
		    strcmp(cells.v[0], "file")) {
			if (section == 1) {
				ads_strvec_push(&sk->keywords, cells.v[0]);
			} else if (cells.nr >= 3) {
				ADS_ALLOC_GROW(sk->v, sk->nr + 1, sk->alloc);
				sk->v[sk->nr].file = xstrdup(cells.v[0]);
				sk->v[sk->nr].group = xstrdup(cells.v[1]);
				sk->v[sk->nr].test = xstrdup(cells.v[2]);
				sk->v[sk->nr].used = false;
				sk->v[sk->nr].failed = false;
				sk->nr++;
			}
		}
		ads_strvec_release(&cells);
	}
	ads_strvec_release(&lines);
	ads_buf_release(&b);
	return 0;
}

static void release_skips(struct skips *sk)
{
	for (size_t i = 0; i < sk->nr; i++) {
		free(sk->v[i].file);
		free(sk->v[i].group);
		free(sk->v[i].test);
	}
	free(sk->v);
	ads_strvec_release(&sk->keywords);
}

static struct skip *find_skip(struct skips *sk, const char *file,
                              const char *group, const char *test)
{
	for (size_t i = 0; i < sk->nr; i++) {
		struct skip *s = &sk->v[i];

		if (!strcmp(s->file, file) &&
		    (!strcmp(s->group, "*") || !strcmp(s->group, group)) &&
		    (!strcmp(s->test, "*") || !strcmp(s->test, test)))
			return s;
	}
	return NULL;
}

static void scan_remotes(struct remotes *r, const char *dir, const char *rel)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		char *path = xasprintf("%s/%s", dir, name);
		char *sub = xasprintf("%s%s%s", rel, *rel ? "/" : "", name);
		struct stat st;

		if (name[0] != '.' && !stat(path, &st)) {
			if (S_ISDIR(st.st_mode)) {
				scan_remotes(r, path, sub);
			} else {
				struct ads_error err = ADS_ERROR_INIT;
				json_t *doc;

				if (!ads_json_load_file(&doc, path, 0, &err)) {
					ADS_ALLOC_GROW(r->docs, r->nr + 1,
					               r->alloc);
					r->docs[r->nr++] = doc;
					ads_strvec_pushf(
					        &r->uris,
					        "http://localhost:1234/%s",
					        sub);
				}
				ads_error_release(&err);
			}
		}
		free(path);
		free(sub);
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

/*
 * Keeps the remotes that compile (some need the meta-schemas, which are
 * not bundled): adds them one by one until no more succeed, then every
 * set gets the survivors as one batch.
 */
static void usable_remotes(struct remotes *r)
{
	struct ads_schema_set *set = ads_schema_set_new();
	bool *ok = xcalloc(r->nr + 1, sizeof(bool));
	bool progress = true;
	struct remotes keep = { ADS_STRVEC_INIT, NULL, 0, 0 };

	while (progress) {
		progress = false;
		for (size_t i = 0; i < r->nr; i++) {
			struct ads_error err = ADS_ERROR_INIT;

			if (!ok[i] && !ads_schema_set_add(set, r->uris.v[i],
			                                  r->docs[i], &err))
				ok[i] = progress = true;
			ads_error_release(&err);
		}
	}
	for (size_t i = 0; i < r->nr; i++) {
		if (ok[i]) {
			ADS_ALLOC_GROW(keep.docs, keep.nr + 1, keep.alloc);
			keep.docs[keep.nr++] = json_incref(r->docs[i]);
			ads_strvec_push(&keep.uris, r->uris.v[i]);
		}
		json_decref(r->docs[i]);
	}
	free(r->docs);
	ads_strvec_release(&r->uris);
	*r = keep;
	free(ok);
	ads_schema_set_free(set);
}

static void print_failure(void *ctx, const struct ads_schema_failure *f)
{
	(void)ctx;
	fprintf(stderr, "        %s: %s (%s)\n", f->instance_ptr, f->message,
	        f->schema_ptr);
}

struct counts {
	size_t passed, failed, skipped;
};

static void run_group(const char *file, size_t gi, const json_t *group,
                      struct remotes *r, struct skips *sk, struct counts *c)
{
	const char *gdesc = ads_json_str(group, "description");
	const json_t *tests = json_object_get(group, "tests"), *t;
	struct ads_schema_set *set = ads_schema_set_new();
	struct ads_error err = ADS_ERROR_INIT;
	char *uri = xasprintf("urn:json-schema-test-suite:%s:%zu", file, gi);
	json_t *schema = json_object_get(group, "schema");
	bool compiled;
	size_t i;

	if (!gdesc)
		gdesc = "";
	if (ads_schema_set_add_many(set, r->nr, (const char *const *)r->uris.v,
	                            r->docs, &err)) {
		fprintf(stderr, "remotes do not compile: %s\n", err.msg);
		exit(1);
	}
	compiled = !ads_schema_set_add(set, uri, schema, &err);
	json_array_foreach(tests, i, t) {
		const char *tdesc = ads_json_str(t, "description");
		bool expect = json_is_true(json_object_get(t, "valid"));
		struct skip *s = find_skip(sk, file, gdesc, tdesc ? tdesc : "");
		struct ads_error verr = ADS_ERROR_INIT;
		int ret = -1;
		bool pass;

		if (compiled)
			ret = ads_schema_validate(set, uri,
			                          json_object_get(t, "data"),
			                          NULL, NULL, &verr);
		pass = ret >= 0 && (ret == 0) == expect;
		if (s) {
			s->used = true;
			s->failed |= !pass;
			c->skipped++;
		} else if (pass) {
			c->passed++;
		} else {
			c->failed++;
			fprintf(stderr, "FAIL %s: %s / %s: ", file, gdesc,
			        tdesc ? tdesc : "");
			if (!compiled)
				fprintf(stderr, "schema error: %s\n", err.msg);
			else if (ret < 0)
				fprintf(stderr, "error: %s\n", verr.msg);
			else
				fprintf(stderr, "expected %s, got %s\n",
				        expect ? "valid" : "invalid",
				        ret ? "invalid" : "valid");
			if (compiled && ret > 0)
				ads_schema_validate(set, uri,
				                    json_object_get(t, "data"),
				                    print_failure, NULL, &verr);
		}
		ads_error_release(&verr);
	}
	ads_error_release(&err);
	free(uri);
	ads_schema_set_free(set);
}

static int run_file(const char *suite, const char *file, struct remotes *r,
                    struct skips *sk)
{
	char *path = xasprintf("%s/tests/draft2020-12/%s", suite, file);
	struct ads_error err = ADS_ERROR_INIT;
	struct counts c = { 0, 0, 0 };
	json_t *doc, *group;
	size_t i;
	int rc = 0;

	if (ads_json_load_file(&doc, path, 0, &err)) {
		struct skip *s = find_skip(sk, file, "", "");

		/* only a whole-file entry excuses a file jansson cannot read */
		rc = !s || strcmp(s->group, "*") || strcmp(s->test, "*");
		if (rc)
			fprintf(stderr, "%s\n", err.msg);
		else
			printf("%s: skipped as a whole (%s)\n", file, err.msg);
		ads_error_release(&err);
		free(path);
		return rc;
	}
	json_array_foreach(doc, i, group)
		run_group(file, i, group, r, sk, &c);
	for (size_t k = 0; k < sk->nr; k++) {
		struct skip *s = &sk->v[k];

		if (strcmp(s->file, file))
			continue;
		if (!s->used) {
			fprintf(stderr,
			        "SKIPPED.md: no test matches '%s / %s'\n",
			        s->group, s->test);
			rc = 1;
		} else if (!s->failed) {
			fprintf(stderr,
			        "SKIPPED.md: '%s / %s' passes now: remove it\n",
			        s->group, s->test);
			rc = 1;
		}
	}
	printf("%s: %zu passed, %zu failed, %zu skipped\n", file, c.passed,
	       c.failed, c.skipped);
	json_decref(doc);
	free(path);
	return rc || c.failed;
}

static int check_keywords(struct skips *sk)
{
	int rc = 0;
	size_t n = 0;

	for (const char *const *k = ads_schema_unsupported; *k; k++, n++) {
		if (!ads_strvec_contains(&sk->keywords, *k)) {
			fprintf(stderr, "SKIPPED.md does not list '%s'\n", *k);
			rc = 1;
		}
	}
	for (size_t i = 0; i < sk->keywords.nr; i++) {
		bool found = false;

		for (const char *const *k = ads_schema_unsupported; *k; k++)
			found |= !strcmp(*k, sk->keywords.v[i]);
		if (!found) {
			fprintf(stderr,
			        "SKIPPED.md lists '%s', which the code "
			        "supports\n",
			        sk->keywords.v[i]);
			rc = 1;
		}
	}
	printf("%zu unsupported keywords, as SKIPPED.md lists\n", n);
	return rc;
}

int main(int argc, char **argv)
{
	struct skips sk = { NULL, 0, 0, ADS_STRVEC_INIT };
	struct remotes r = { ADS_STRVEC_INIT, NULL, 0, 0 };
	char *dir;
	int rc = 0;

	if (argc == 3 && !strcmp(argv[1], "--keywords")) {
		rc = load_skips(&sk, argv[2]) ? 1 : check_keywords(&sk);
		release_skips(&sk);
		return rc;
	}
	if (argc < 4) {
		fprintf(stderr,
		        "usage: run_suite SUITE_DIR SKIPPED_MD FILE...\n"
		        "       run_suite --keywords SKIPPED_MD\n");
		return 64;
	}
	if (load_skips(&sk, argv[2]))
		return 1;
	dir = xasprintf("%s/remotes", argv[1]);
	scan_remotes(&r, dir, "");
	free(dir);
	usable_remotes(&r);
	for (int i = 3; i < argc; i++)
		rc |= run_file(argv[1], argv[i], &r, &sk);
	for (size_t i = 0; i < r.nr; i++)
		json_decref(r.docs[i]);
	free(r.docs);
	ads_strvec_release(&r.uris);
	release_skips(&sk);
	return rc;
}
