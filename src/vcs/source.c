/*
 * A project's files at a git revision (see source.h): paths are walked
 * through the commit's trees as the kernel walks directories, following
 * "..", and committed symbolic links inside the tree, so that a project
 * reads the same at a revision as in its checkout; blobs are size-checked
 * from their object header before they are loaded.
 */
#include "vcs/source.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "util/map.h"
#include "util/xalloc.h"

/* Symbolic links followed in one lookup, as Linux's MAXSYMLINKS. */
#define MAX_LINK_HOPS 40
/* The longest symbolic link target read (PATH_MAX). */
#define MAX_LINK_SIZE 4096

struct ads_vcs_source {
	struct ads_source src;
	git_repository *repo; /* borrowed from the struct ads_vcs */
	git_odb *odb;
	const char *project; /* borrowed from the struct ads_vcs */
	git_oid root; /* the commit's root tree */
	char commit[ADS_VCS_HEXSZ + 1];
	char *describe; /* "commit 1a2b3c4" */
	/*
	 * Parsed trees by hex id, one reference each. libgit2 caches only
	 * trees under 4 KB, and re-parsing a directory of 10,000 campaign
	 * files for each of them made a project load quadratic.
	 */
	struct ads_map trees;
	size_t tree_entries; /* entries of the cached trees */
	size_t tree_limit; /* emptied when it would grow beyond */
};

static void free_tree(void *tree)
{
	git_tree_free(tree);
}

/* A new reference (git_tree_free) to the tree id, parsed at most once. */
static int tree_get(struct ads_vcs_source *s, const git_oid *id, git_tree **out,
                    struct ads_error *err)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_tree *tree;
	size_t n;

	git_oid_tostr(hex, sizeof(hex), id);
	tree = ads_map_get(&s->trees, hex);
	if (tree)
		return git_tree_dup(out, tree) < 0
		               ? ads_vcs_git_error(err, ADS_EIO,
		                                   "cannot read a tree of %s",
		                                   s->describe)
		               : 0;
	if (git_tree_lookup(&tree, s->repo, id) < 0)
		return ads_vcs_git_error(
		        err, ADS_EIO, "cannot read a tree of %s", s->describe);
	n = git_tree_entrycount(tree);
	if (s->tree_entries + n > s->tree_limit) {
		/* Callers hold their own references: emptying is safe. */
		ads_map_release(&s->trees, free_tree);
		s->tree_entries = 0;
	}
	if (git_tree_dup(out, tree) < 0) {
		git_tree_free(tree);
		return ads_vcs_git_error(
		        err, ADS_EIO, "cannot read a tree of %s", s->describe);
	}
	ads_map_put(&s->trees, hex, tree);
	s->tree_entries += n;
	return 0;
}

/* The trees from the root to a directory: ids[0] is the root tree. */
struct treepath {
	git_oid *ids;
	size_t n, alloc;
};

static void tp_push(struct treepath *tp, const git_oid *id)
{
	ADS_ALLOC_GROW(tp->ids, tp->n + 1, tp->alloc);
	git_oid_cpy(&tp->ids[tp->n++], id);
}

static void tp_copy(struct treepath *dst, const struct treepath *src)
{
	dst->n = 0;
	for (size_t i = 0; i < src->n; i++)
		tp_push(dst, &src->ids[i]);
}

static void tp_release(struct treepath *tp)
{
	free(tp->ids);
	tp->ids = NULL;
	tp->n = tp->alloc = 0;
}

enum walk_result {
	W_DIR, /* the path is a directory: pushed on the tree path */
	W_FILE, /* the path is a file: its blob id is returned */
	W_MISSING, /* no such entry */
	W_NOTDIR, /* a file where a directory was needed */
	W_OUTSIDE, /* ".." or a link left the repository */
	W_LOOP, /* too many symbolic links */
	W_SUBMODULE, /* the path is in a submodule */
};

/* Pushes the components of path onto a stack, first on top. */
static void push_components(struct ads_strvec *todo, const char *path)
{
	struct ads_strvec parts = ADS_STRVEC_INIT;

	ads_strvec_split(&parts, path, '/');
	for (size_t i = parts.nr; i-- > 0;) {
		if (*parts.v[i]) {
			ads_strvec_push_nodup(todo, parts.v[i]);
			parts.v[i] = NULL;
		}
	}
	ads_strvec_release(&parts);
}

/* Reads a symbolic link's target (a small blob) into out. */
static int read_link(struct ads_vcs_source *s, const git_oid *id,
                     struct ads_buf *out, struct ads_error *err)
{
	git_blob *blob = NULL;
	size_t size;
	git_object_t type;

	if (git_odb_read_header(&size, &type, s->odb, id) < 0 ||
	    git_blob_lookup(&blob, s->repo, id) < 0)
		return ads_vcs_git_error(err, ADS_EIO,
		                         "cannot read a symbolic link in %s",
		                         s->describe);
	if (size > MAX_LINK_SIZE) {
		git_blob_free(blob);
		return ads_error_set(err, ADS_EIO,
		                     "a symbolic link in %s is too long",
		                     s->describe);
	}
	ads_buf_reset(out);
	ads_buf_add(out, git_blob_rawcontent(blob),
	            (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return 0;
}

/*
 * Walks path from the directory at the top of tp. On W_DIR the directory
 * reached is on top of tp; on W_FILE tp ends at the file's directory and
 * *blob is its id. Returns a negative ads_errcode (err set) when the
 * repository cannot be read.
 */
static int walk(struct ads_vcs_source *s, struct treepath *tp, const char *path,
                git_oid *blob, struct ads_error *err)
{
	struct ads_strvec todo = ADS_STRVEC_INIT;
	struct ads_buf link = ADS_BUF_INIT;
	int ret = W_DIR, hops = 0;

	push_components(&todo, path);
	while (todo.nr) {
		char *c = todo.v[--todo.nr];
		const git_tree_entry *e;
		git_tree *tree = NULL;
		git_filemode_t mode;
		git_oid id;

		todo.v[todo.nr] = NULL;
		if (!strcmp(c, ".")) {
			free(c);
			continue;
		}
		if (!strcmp(c, "..")) {
			free(c);
			if (tp->n == 1) {
				ret = W_OUTSIDE;
				goto out;
			}
			tp->n--;
			continue;
		}
		ret = tree_get(s, &tp->ids[tp->n - 1], &tree, err);
		if (ret < 0) {
			free(c);
			goto out;
		}
		e = git_tree_entry_byname(tree, c);
		free(c);
		if (!e) {
			git_tree_free(tree);
			ret = W_MISSING;
			goto out;
		}
		mode = git_tree_entry_filemode(e);
		git_oid_cpy(&id, git_tree_entry_id(e));
		git_tree_free(tree);
		switch (mode) {
		case GIT_FILEMODE_TREE:
			tp_push(tp, &id);
			break;
		case GIT_FILEMODE_BLOB:
		case GIT_FILEMODE_BLOB_EXECUTABLE:
			if (todo.nr) {
				ret = W_NOTDIR;
				goto out;
			}
			git_oid_cpy(blob, &id);
			ret = W_FILE;
			goto out;
		case GIT_FILEMODE_LINK:
			if (++hops > MAX_LINK_HOPS) {
				ret = W_LOOP;
				goto out;
			}
			ret = read_link(s, &id, &link, err);
			if (ret < 0)
				goto out;
			if (link.buf[0] == '/' ||
			    memchr(link.buf, 0, link.len)) {
				ret = W_OUTSIDE;
				goto out;
			}
			push_components(&todo, link.buf);
			break;
		case GIT_FILEMODE_COMMIT:
			ret = W_SUBMODULE;
			goto out;
		default:
			ret = W_MISSING;
			goto out;
		}
	}
	ret = W_DIR;
out:
	ads_buf_release(&link);
	ads_strvec_release(&todo);
	return ret;
}

/*
 * The tree path of the project directory, or a walk_result other than
 * W_DIR when the commit has no such directory.
 */
static int project_dir(struct ads_vcs_source *s, struct treepath *tp,
                       struct ads_error *err)
{
	git_oid unused;

	tp->n = 0;
	tp_push(tp, &s->root);
	return walk(s, tp, s->project, &unused, err);
}

/* Git LFS replaces a file by a pointer whose content is not in git. */
static bool is_lfs_pointer(const char *data, size_t len)
{
	static const char magic[] = "version https://git-lfs.github.com/spec/";

	return len < 1024 && len >= sizeof(magic) - 1 &&
	       !memcmp(data, magic, sizeof(magic) - 1);
}

/* Turns a failed walk of rel into an error about rel. */
static int walk_error(struct ads_vcs_source *s, const char *rel, int r,
                      bool in_project, struct ads_error *err)
{
	switch (r) {
	case W_DIR:
		return ads_error_set(err, ADS_EIO, "'%s' is a directory in %s",
		                     rel, s->describe);
	case W_OUTSIDE:
		return ads_error_set(err, ADS_ENOTFOUND,
		                     "'%s' is outside the repository", rel);
	case W_LOOP:
		return ads_error_set(err, ADS_EIO,
		                     "'%s' has too many levels of symbolic "
		                     "links in %s",
		                     rel, s->describe);
	case W_SUBMODULE:
		return ads_error_set(err, ADS_EIO,
		                     "'%s' is in a submodule, which cannot be "
		                     "read at a revision",
		                     rel);
	default:
		if (!in_project)
			return ads_error_set(err, ADS_ENOTFOUND,
			                     "'%s' does not exist in %s (it "
			                     "has no directory '%s')",
			                     rel, s->describe, s->project);
		return ads_error_set(err, ADS_ENOTFOUND,
		                     "'%s' does not exist in %s", rel,
		                     s->describe);
	}
}

static int src_read(void *ctx, const char *rel, struct ads_buf *out, size_t max,
                    struct ads_error *err)
{
	struct ads_vcs_source *s = ctx;
	struct treepath tp = { 0 };
	git_blob *blob = NULL;
	git_object_t type;
	git_oid id;
	size_t size;
	int ret, r;

	if (rel[0] == '/') {
		ret = ads_error_set(err, ADS_ENOTFOUND,
		                    "'%s' is outside the repository", rel);
		goto out;
	}
	r = project_dir(s, &tp, err);
	if (r >= 0 && r != W_DIR) {
		ret = walk_error(s, rel, r, false, err);
		goto out;
	}
	if (r >= 0)
		r = walk(s, &tp, rel, &id, err);
	if (r < 0) {
		ret = r;
		goto out;
	}
	if (r != W_FILE) {
		ret = walk_error(s, rel, r, true, err);
		goto out;
	}
	if (git_odb_read_header(&size, &type, s->odb, &id) < 0) {
		ret = ads_vcs_git_error(err, ADS_EIO, "cannot read '%s' in %s",
		                        rel, s->describe);
		goto out;
	}
	if (max && size > max) {
		ret = ads_error_set(err, ADS_ETOOBIG,
		                    "'%s' is too large in %s (%zu bytes, limit "
		                    "%zu)",
		                    rel, s->describe, size, max);
		goto out;
	}
	if (git_blob_lookup(&blob, s->repo, &id) < 0) {
		ret = ads_vcs_git_error(err, ADS_EIO, "cannot read '%s' in %s",
		                        rel, s->describe);
		goto out;
	}
	size = (size_t)git_blob_rawsize(blob);
	if (is_lfs_pointer(git_blob_rawcontent(blob), size)) {
		ret = ads_error_set(err, ADS_EIO,
		                    "'%s' is a Git LFS pointer in %s; its "
		                    "content is not in the repository",
		                    rel, s->describe);
		goto out;
	}
	ads_buf_add(out, git_blob_rawcontent(blob), size);
	ret = 0;
out:
	git_blob_free(blob);
	tp_release(&tp);
	return ret;
}

/* True if a pattern component has unescaped glob(7) wildcards. */
static bool has_magic(const char *p)
{
	for (; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '*' || *p == '?' || *p == '[')
			return true;
	}
	return false;
}

/* A literal pattern component without its backslash escapes; owned. */
static char *unescape(const char *p)
{
	struct ads_buf b = ADS_BUF_INIT;

	for (; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		ads_buf_addch(&b, *p);
	}
	return ads_buf_detach(&b, NULL);
}

struct globber {
	struct ads_vcs_source *s;
	const char *pattern;
	struct ads_strvec comps; /* the pattern's non-empty components */
	struct ads_strvec *out;
	struct ads_error *err;
};

static int glob_at(struct globber *g, const struct treepath *dir, size_t i,
                   struct ads_buf *path);

/* Steps from dir into name (the i-th component's match). */
static int glob_step(struct globber *g, const struct treepath *dir, size_t i,
                     const char *name, struct ads_buf *path)
{
	struct treepath tp = { 0 };
	size_t len = path->len;
	bool last = i + 1 == g->comps.nr;
	git_oid id;
	int ret = 0, r;

	tp_copy(&tp, dir);
	r = walk(g->s, &tp, name, &id, g->err);
	if (r < 0) {
		ret = r;
		goto out;
	}
	if (path->len)
		ads_buf_addch(path, '/');
	ads_buf_addstr(path, name);
	/*
	 * Unlike a dangling link (which glob(3) skips in a checkout too), a
	 * way out of the repository may lead to files in a checkout: say so
	 * rather than load a different project at a revision.
	 */
	if (r == W_OUTSIDE) {
		ret = ads_error_set(g->err, ADS_EINVALID,
		                    "pattern '%s' leads outside the "
		                    "repository at '%s'",
		                    g->pattern, path->buf);
		goto out;
	}
	if (last && r == W_FILE)
		ads_strvec_push(g->out, path->buf);
	else if (!last && r == W_DIR)
		ret = glob_at(g, &tp, i + 1, path);
out:
	ads_buf_setlen(path, len);
	tp_release(&tp);
	return ret;
}

/* Matches the pattern's components from the i-th on in the directory. */
static int glob_at(struct globber *g, const struct treepath *dir, size_t i,
                   struct ads_buf *path)
{
	const char *comp = g->comps.v[i];
	git_tree *tree = NULL;
	char *lit;
	int ret = 0;

	if (!has_magic(comp)) {
		lit = unescape(comp);
		ret = glob_step(g, dir, i, lit, path);
		free(lit);
		return ret;
	}
	ret = tree_get(g->s, &dir->ids[dir->n - 1], &tree, g->err);
	if (ret < 0)
		return ret;
	for (size_t k = 0, n = git_tree_entrycount(tree); k < n && !ret; k++) {
		const char *name =
		        git_tree_entry_name(git_tree_entry_byindex(tree, k));

		/* FNM_PERIOD: "*" skips dot files, as glob(3). */
		if (fnmatch(comp, name, FNM_PERIOD) == 0)
			ret = glob_step(g, dir, i, name, path);
	}
	git_tree_free(tree);
	return ret;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int src_glob(void *ctx, const char *pattern, struct ads_strvec *out,
                    struct ads_error *err)
{
	struct globber g = {
		.s = ctx, .pattern = pattern, .out = out, .err = err
	};
	struct ads_buf path = ADS_BUF_INIT;
	struct treepath tp = { 0 };
	size_t start = out->nr;
	int ret = 0, r;

	if (pattern[0] == '/')
		return ads_error_set(err, ADS_EINVALID,
		                     "pattern '%s' is an absolute path; only "
		                     "files in the repository can be read at "
		                     "a revision",
		                     pattern);
	push_components(&g.comps, pattern);
	/* push_components() stacks them last first: put them in order. */
	for (size_t a = 0, b = g.comps.nr; a + 1 < b; a++, b--) {
		char *t = g.comps.v[a];

		g.comps.v[a] = g.comps.v[b - 1];
		g.comps.v[b - 1] = t;
	}
	r = project_dir(g.s, &tp, err);
	if (r < 0) {
		ret = r;
		goto out;
	}
	if (r != W_DIR || !g.comps.nr)
		goto out; /* no project directory at this commit: no match */
	ret = glob_at(&g, &tp, 0, &path);
	if (ret < 0) {
		/* Nothing appended on failure. */
		while (out->nr > start) {
			free(out->v[--out->nr]);
			out->v[out->nr] = NULL;
		}
		goto out;
	}
	/*
	 * No duplicates to remove: names are unique in a tree, so each match
	 * is spelled by its own path.
	 */
	if (out->nr - start > 1)
		qsort(out->v + start, out->nr - start, sizeof(*out->v),
		      cmp_str);
out:
	tp_release(&tp);
	ads_buf_release(&path);
	ads_strvec_release(&g.comps);
	return ret;
}

int ads_vcs_source_open(struct ads_vcs_source **out, struct ads_vcs *vcs,
                        const char *spec, struct ads_error *err)
{
	char hex[ADS_VCS_HEXSZ + 1];
	git_repository *repo = ads_vcs_git(vcs);
	git_commit *commit = NULL;
	git_odb *odb = NULL;
	git_buf sid = { 0 };
	struct ads_vcs_source *s;
	git_oid id;
	int ret;

	ret = ads_vcs_resolve(hex, vcs, spec, err);
	if (ret < 0)
		goto out;
	if (git_oid_fromstr(&id, hex) < 0 ||
	    git_commit_lookup(&commit, repo, &id) < 0 ||
	    git_object_short_id(&sid, (const git_object *)commit) < 0 ||
	    git_repository_odb(&odb, repo) < 0) {
		ret = ads_vcs_git_error(err, ADS_EIO, "cannot read commit %s",
		                        hex);
		goto out;
	}
	s = xcalloc(1, sizeof(*s));
	s->repo = repo;
	s->odb = odb;
	s->project = ads_vcs_project_path(vcs);
	git_oid_cpy(&s->root, git_commit_tree_id(commit));
	memcpy(s->commit, hex, sizeof(hex));
	s->describe = xasprintf("commit %s", sid.ptr);
	s->tree_limit = ADS_VCS_TREE_CACHE;
	s->src.read = src_read;
	s->src.glob = src_glob;
	s->src.ctx = s;
	s->src.describe = s->describe;
	odb = NULL;
	*out = s;
out:
	git_odb_free(odb);
	git_buf_dispose(&sid);
	git_commit_free(commit);
	return ret;
}

void ads_vcs_source_free(struct ads_vcs_source *vsrc)
{
	if (!vsrc)
		return;
	ads_map_release(&vsrc->trees, free_tree);
	git_odb_free(vsrc->odb);
	free(vsrc->describe);
	free(vsrc);
}

const struct ads_source *ads_vcs_source_get(const struct ads_vcs_source *vsrc)
{
	return &vsrc->src;
}

void ads_vcs_source_set_tree_cache(struct ads_vcs_source *vsrc, size_t entries)
{
	vsrc->tree_limit = entries;
}

const char *ads_vcs_source_commit(const struct ads_vcs_source *vsrc)
{
	return vsrc->commit;
}
