/*
 * Project loading (see project.h): adsctl.yaml and the resource files its
 * `include` patterns name, read through a struct ads_source so that a git
 * revision loads exactly like the working tree. A broken file costs its
 * own resources only: it becomes diagnostics and the others still load, so
 * `adsctl validate` can report every problem of a project in one run.
 */
#include "manifest/project.h"

#include <errno.h>
#include <glob.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/map.h"
#include "util/xalloc.h"

#define INCLUDE_HELP                                                            \
	"include is a glob pattern or a list of them, e.g. [campaigns/*.yaml, " \
	"creatives/*.yaml]"

/* Parse on several threads from this many files on, with at most ... */
#ifndef PARSE_PARALLEL_FILES
#define PARSE_PARALLEL_FILES 8
#endif
#define PARSE_MAX_THREADS 8

/* ---- the working tree as a source ---- */

static int fs_read(void *ctx, const char *rel, struct ads_buf *out, size_t max,
                   struct ads_error *err)
{
	char *path = ads_path_join(ctx, rel);
	int ret = ads_read_file(out, path, max, err);

	free(path);
	return ret;
}

/* Whether a '/'-separated path stays below its starting directory. */
static bool stays_inside(const char *path)
{
	long depth = 0;
	const char *s = path;

	if (*s == '/')
		return false;
	while (*s) {
		size_t n = strcspn(s, "/");

		if (n == 2 && s[0] == '.' && s[1] == '.') {
			if (--depth < 0)
				return false;
		} else if (n && !(n == 1 && s[0] == '.')) {
			depth++;
		}
		s += n;
		s += *s == '/';
	}
	return true;
}

/* Appends s with glob(7) wildcards and backslashes escaped. */
static void add_glob_escaped(struct ads_buf *b, const char *s)
{
	for (; *s; s++) {
		if (strchr("*?[]\\", *s))
			ads_buf_addch(b, '\\');
		ads_buf_addch(b, *s);
	}
}

static int fs_glob(void *ctx, const char *pattern, struct ads_strvec *out,
                   struct ads_error *err)
{
	const char *root = ctx;
	struct ads_buf full = ADS_BUF_INIT;
	struct ads_strvec found = ADS_STRVEC_INIT;
	size_t skip = 0;
	glob_t g;
	int rc, ret = 0;

	if (!stays_inside(pattern))
		return ads_error_set(err, ADS_EINVALID,
		                     "pattern '%s' leaves the project "
		                     "directory",
		                     pattern);
	if (*root && strcmp(root, ".")) {
		add_glob_escaped(&full, root);
		if (full.buf[full.len - 1] != '/')
			ads_buf_addch(&full, '/');
		skip = strlen(root) + (root[strlen(root) - 1] != '/');
	}
	ads_buf_addstr(&full, pattern);
	memset(&g, 0, sizeof(g));
	rc = glob(full.buf, GLOB_NOSORT, NULL, &g);
	if (rc == GLOB_NOSPACE || rc == GLOB_ABORTED) {
		ret = ads_error_set(err, ADS_EIO, "cannot list files for '%s'",
		                    pattern);
		goto out;
	}
	for (size_t i = 0; rc == 0 && i < g.gl_pathc; i++) {
		struct stat st;

		/* files only, as a git tree gives them (links followed) */
		if (stat(g.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode) &&
		    strlen(g.gl_pathv[i]) > skip)
			ads_strvec_push(&found, g.gl_pathv[i] + skip);
	}
	ads_strvec_sort(&found);
	for (size_t i = 0; i < found.nr; i++)
		if (!i || strcmp(found.v[i], found.v[i - 1]))
			ads_strvec_push(out, found.v[i]);
out:
	if (rc != GLOB_NOMATCH)
		globfree(&g);
	ads_strvec_release(&found);
	ads_buf_release(&full);
	return ret;
}

void ads_source_fs(struct ads_source *src, const char *root)
{
	src->read = fs_read;
	src->glob = fs_glob;
	src->ctx = (void *)(uintptr_t)root;
	src->describe = "working tree";
}

/* ---- loading ---- */

/*
 * The canonical spelling of a relative path ("./a//b/../c" -> "a/c"), so
 * that one file named two ways loads once. Owned by the caller.
 */
static char *normalize(const char *rel)
{
	struct ads_strvec parts = ADS_STRVEC_INIT;
	struct ads_buf b = ADS_BUF_INIT;
	const char **keep;
	size_t n = 0;

	ads_strvec_split(&parts, rel, '/');
	keep = xcalloc(parts.nr + 1, sizeof(*keep));
	for (size_t i = 0; i < parts.nr; i++) {
		const char *c = parts.v[i];

		if (!*c || !strcmp(c, "."))
			continue;
		if (!strcmp(c, "..") && n && strcmp(keep[n - 1], ".."))
			n--;
		else
			keep[n++] = c;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			ads_buf_addch(&b, '/');
		ads_buf_addstr(&b, keep[i]);
	}
	free(keep);
	ads_strvec_release(&parts);
	return ads_buf_detach(&b, NULL);
}

static void push_doc(struct ads_project *p, struct ads_doc *doc)
{
	ADS_ALLOC_GROW(p->docs, p->ndocs + 1, p->alloc);
	p->docs[p->ndocs++] = doc;
}

static void too_large(struct ads_diags *diags, const char *display)
{
	struct ads_srcloc loc = { display, 0, 0 };

	ads_diags_add(diags, ADS_SEV_ERROR, &loc, "yaml.size", NULL,
	              "file is too large (the limit is %u MiB)",
	              (unsigned)(ADS_MANIFEST_MAX_BYTES >> 20));
}

/*
 * Reads one file into buf. On failure the problem is a diagnostic on
 * display (err is set too when the file could not be read at all).
 */
static int read_one(struct ads_buf *buf, const struct ads_project *p,
                    const char *rel, const char *display,
                    struct ads_diags *diags, struct ads_error *err)
{
	int ret = p->src->read(p->src->ctx, rel, buf, ADS_MANIFEST_MAX_BYTES,
	                       err);

	if (ret == ADS_ETOOBIG) {
		/* the diagnostic says it all */
		ads_error_release(err);
		too_large(diags, display);
		return ADS_EINVALID;
	}
	if (ret < 0) {
		struct ads_srcloc loc = { display, 0, 0 };

		ads_diags_add(diags, ADS_SEV_ERROR, &loc, "file.read", NULL,
		              "%s",
		              err->msg ? err->msg : "cannot read the file");
	}
	return ret;
}

/* One resource file on its way in. */
struct job {
	const char *rel; /* normalised; borrowed */
	char *display; /* owned */
	struct ads_doc *doc;
	struct ads_diags diags; /* its own, merged in file order later */
};

struct pool {
	struct ads_project *p;
	struct job *jobs;
	size_t njobs;
	atomic_size_t next;
	pthread_mutex_t read_lock; /* sources need not be thread-safe */
};

static void *worker(void *arg)
{
	struct pool *pl = arg;
	struct ads_buf buf = ADS_BUF_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	size_t i;

	/* one buffer per worker, reused: file contents die after parsing */
	while ((i = atomic_fetch_add(&pl->next, 1)) < pl->njobs) {
		struct job *j = &pl->jobs[i];
		int ret;

		ads_buf_reset(&buf);
		pthread_mutex_lock(&pl->read_lock);
		ret = read_one(&buf, pl->p, j->rel, j->display, &j->diags,
		               &err);
		pthread_mutex_unlock(&pl->read_lock);
		ads_error_release(&err);
		if (ret == 0)
			ads_doc_parse(&j->doc, j->display, buf.buf, buf.len,
			              &j->diags);
	}
	ads_buf_release(&buf);
	return NULL;
}

/*
 * Reads and parses the jobs, on several threads when there are enough
 * files. Loading a large project is dominated by building the trees
 * (libyaml, then allocation and its page faults), and that scales with
 * cores. Reads are serialised; each job collects its own diagnostics.
 */
static void run_jobs(struct ads_project *p, struct job *jobs, size_t njobs)
{
	struct pool pl = { .p = p, .jobs = jobs, .njobs = njobs };
	pthread_t threads[PARSE_MAX_THREADS];
	size_t nthreads = 0, want = 1;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (njobs >= PARSE_PARALLEL_FILES && cpus > 1)
		want = (size_t)cpus < njobs ? (size_t)cpus : njobs;
	if (want > PARSE_MAX_THREADS)
		want = PARSE_MAX_THREADS;
	atomic_init(&pl.next, 0);
	pthread_mutex_init(&pl.read_lock, NULL);
	/* this thread is one of the workers; a failed create costs speed */
	while (nthreads + 1 < want &&
	       pthread_create(&threads[nthreads], NULL, worker, &pl) == 0)
		nthreads++;
	worker(&pl);
	for (size_t i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&pl.read_lock);
}

/* Appends a copy of every diagnostic of src to dst, in order. */
static void add_all(struct ads_diags *dst, const struct ads_diags *src)
{
	for (size_t i = 0; i < src->nr; i++) {
		const struct ads_diag *g = &src->v[i];
		struct ads_srcloc loc = { g->file, g->line, g->col };

		ads_diags_add(dst, g->sev, &loc, g->rule, g->suggestion, "%s",
		              g->msg);
	}
}

static void load_files(struct ads_project *p, struct ads_strvec *rels,
                       struct ads_diags *diags)
{
	struct job *jobs = xcalloc(rels->nr ? rels->nr : 1, sizeof(*jobs));

	for (size_t i = 0; i < rels->nr; i++) {
		jobs[i].rel = rels->v[i];
		jobs[i].display = ads_path_join(p->root, rels->v[i]);
		ads_diags_init(&jobs[i].diags);
	}
	run_jobs(p, jobs, rels->nr);
	for (size_t i = 0; i < rels->nr; i++) {
		add_all(diags, &jobs[i].diags);
		ads_diags_release(&jobs[i].diags);
		if (jobs[i].doc)
			push_doc(p, jobs[i].doc);
		free(jobs[i].display);
	}
	free(jobs);
}

/* A pattern of `include`, with where it is written. */
struct pattern {
	const char *glob; /* borrowed from the tree of adsctl.yaml */
	struct ads_srcloc loc;
};

static void collect_patterns(const struct ads_doc *main, struct pattern **out,
                             size_t *n, struct ads_diags *diags)
{
	json_t *inc = json_object_get(main->root, "include"), *item;
	struct ads_srcloc loc = { main->path, 0, 0 };
	size_t i, alloc = 0;

	*out = NULL;
	*n = 0;
	if (!inc)
		return;
	ads_doc_member_loc(main, main->root, "include", ADS_LOC_VALUE, &loc);
	if (json_is_string(inc)) {
		*out = xmalloc(sizeof(**out));
		(*out)[0].glob = json_string_value(inc);
		(*out)[0].loc = loc;
		*n = 1;
		return;
	}
	if (!json_is_array(inc)) {
		ads_diags_add(diags, ADS_SEV_ERROR, &loc, "project.include",
		              NULL, "%s", INCLUDE_HELP);
		return;
	}
	json_array_foreach(inc, i, item) {
		struct ads_srcloc iloc = loc;

		ads_doc_item_loc(main, inc, i, &iloc);
		if (!json_is_string(item)) {
			ads_diags_add(diags, ADS_SEV_ERROR, &iloc,
			              "project.include", NULL, "%s",
			              INCLUDE_HELP);
			continue;
		}
		ADS_ALLOC_GROW(*out, *n + 1, alloc);
		(*out)[*n].glob = json_string_value(item);
		(*out)[*n].loc = iloc;
		++*n;
	}
}

/* The files one pattern adds to want (normalised, without repeats). */
static void expand_pattern(struct ads_project *p, const struct pattern *pat,
                           struct ads_map *seen, struct ads_strvec *want,
                           struct ads_diags *diags)
{
	struct ads_strvec matches = ADS_STRVEC_INIT;
	struct ads_error gerr = ADS_ERROR_INIT;
	const char *g = pat->glob;
	size_t outside = 0;

	if (!*g) {
		ads_diags_add(diags, ADS_SEV_ERROR, &pat->loc,
		              "project.include", NULL,
		              "include pattern is empty");
		return;
	}
	if (*g == '/') {
		ads_diags_add(diags, ADS_SEV_ERROR, &pat->loc,
		              "project.include", NULL,
		              "include pattern '%s' is an absolute path; "
		              "patterns are relative to the project directory",
		              g);
		return;
	}
	if (!stays_inside(g)) {
		ads_diags_add(
		        diags, ADS_SEV_ERROR, &pat->loc, "project.include",
		        NULL,
		        "include pattern '%s' reaches outside the project "
		        "directory",
		        g);
		return;
	}
	if (p->src->glob(p->src->ctx, g, &matches, &gerr) < 0) {
		ads_diags_add(diags, ADS_SEV_ERROR, &pat->loc,
		              "project.include", NULL,
		              "cannot expand include pattern '%s': %s", g,
		              gerr.msg ? gerr.msg : "error");
		goto out;
	}
	if (!matches.nr)
		ads_diags_add(diags, ADS_SEV_WARNING, &pat->loc,
		              "project.include-empty", NULL,
		              "include pattern '%s' matches no files", g);
	for (size_t i = 0; i < matches.nr; i++) {
		char *rel = normalize(matches.v[i]);

		/*
		 * A wildcard can still match "..": ".?/x.yaml" does. The
		 * project directory is the boundary whatever the source.
		 */
		if (!stays_inside(rel)) {
			if (!outside++)
				ads_diags_add(diags, ADS_SEV_ERROR, &pat->loc,
				              "project.include", NULL,
				              "include pattern '%s' reaches "
				              "outside the project directory",
				              g);
			free(rel);
			continue;
		}
		/* adsctl.yaml is loaded first, and every file once */
		if (strcmp(rel, ADS_PROJECT_FILE) && !ads_map_has(seen, rel)) {
			ads_map_put(seen, rel, NULL);
			ads_strvec_push_nodup(want, rel);
		} else {
			free(rel);
		}
	}
out:
	ads_error_release(&gerr);
	ads_strvec_release(&matches);
}

/* Reads and parses adsctl.yaml. */
static int load_main(struct ads_doc **out, struct ads_project *p,
                     struct ads_diags *diags, struct ads_error *err)
{
	struct ads_buf buf = ADS_BUF_INIT;
	struct ads_diags tmp = ADS_DIAGS_INIT;
	char *display = ads_path_join(p->root, ADS_PROJECT_FILE);
	int ret = read_one(&buf, p, ADS_PROJECT_FILE, display, &tmp, err);

	/* A missing adsctl.yaml is not a diagnostic but the error itself */
	if (ret != ADS_ENOTFOUND)
		add_all(diags, &tmp);
	if (ret == 0)
		ret = ads_doc_parse(out, display, buf.buf, buf.len, diags);
	ads_diags_release(&tmp);
	ads_buf_release(&buf);
	free(display);
	return ret;
}

int ads_project_load(struct ads_project **out, const char *root,
                     const struct ads_source *src, struct ads_diags *diags,
                     struct ads_error *err)
{
	struct ads_project *p = xcalloc(1, sizeof(*p));
	struct ads_error rerr = ADS_ERROR_INIT;
	struct ads_strvec want = ADS_STRVEC_INIT;
	struct ads_map seen = ADS_MAP_INIT;
	struct pattern *pats = NULL;
	struct ads_doc *doc = NULL;
	size_t npats = 0;
	int ret;

	p->root = xstrdup(root);
	p->src = src;
	ret = load_main(&doc, p, diags, &rerr);
	if (ret == ADS_ENOTFOUND) {
		/* a revision says which: "... in commit 1a2b3c4 (...)" */
		bool other = src->describe &&
		             strcmp(src->describe, "working tree") != 0;

		ads_error_set(err, ADS_ENOTFOUND,
		              "no %s in '%s'%s%s (is this an adsctl project?)",
		              ADS_PROJECT_FILE, root, other ? " in " : "",
		              other ? src->describe : "");
		goto out;
	}
	if (ret < 0 && ads_error_is_set(&rerr)) {
		ads_error_move(err, &rerr);
		goto out;
	}
	if (ret < 0) {
		char *display = ads_path_join(root, ADS_PROJECT_FILE);

		ads_error_set(err, ADS_EINVALID, "'%s' has errors", display);
		free(display);
		goto out;
	}
	p->main = doc;
	push_doc(p, doc);
	if (!json_is_object(doc->root)) {
		struct ads_srcloc loc = { doc->path, 1, 1 };

		ads_doc_loc(doc, doc->root, &loc);
		ads_diags_add(diags, ADS_SEV_ERROR, &loc, "project.top-level",
		              NULL,
		              "%s must be a map of settings (stack:, account:, "
		              "include: ...)",
		              ADS_PROJECT_FILE);
		ret = ads_error_set(err, ADS_EINVALID,
		                    "'%s' is not a map of settings", doc->path);
		goto out;
	}

	collect_patterns(doc, &pats, &npats, diags);
	for (size_t i = 0; i < npats; i++)
		expand_pattern(p, &pats[i], &seen, &want, diags);
	ads_strvec_sort(&want);
	load_files(p, &want, diags);
	ret = 0;
out:
	free(pats);
	ads_map_release(&seen, NULL);
	ads_strvec_release(&want);
	ads_error_release(&rerr);
	if (ret < 0) {
		ads_project_free(p);
		return ret;
	}
	*out = p;
	return 0;
}

void ads_project_free(struct ads_project *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->ndocs; i++)
		ads_doc_free(p->docs[i]);
	free(p->docs);
	free(p->root);
	free(p);
}
