/*
 * The repository side of vcs/ (see vcs.h): discovering the repository of a
 * project directory, the provenance stamped into saved plans and the
 * journal, and revision specs with "did you mean" errors.
 */
#include "vcs/vcs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <git2.h>

#include "util/strutil.h"
#include "util/xalloc.h"

struct ads_vcs {
	git_repository *repo;
	char *workdir; /* real path with a trailing '/' */
	char *project; /* relative to workdir, "" at the root */
};

int ads_vcs_git_error(struct ads_error *err, enum ads_errcode code,
                      const char *fmt, ...)
{
	const git_error *ge = git_error_last();
	char *msg;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (ge && ge->message && *ge->message)
		ret = ads_error_set(err, code, "%s: %s", msg, ge->message);
	else
		ret = ads_error_set(err, code, "%s", msg);
	free(msg);
	return ret;
}

/* Strips trailing '/' from a path (but not the root's). */
static void chop_slashes(char *path)
{
	size_t len = strlen(path);

	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
}

/*
 * The project's path inside the work tree, or NULL when real (a real path)
 * is not below wd (a real path without trailing '/').
 */
static char *relative_to(const char *real, const char *wd)
{
	size_t len = strlen(wd);

	if (!strcmp(wd, "/"))
		return xstrdup(real + 1);
	if (strncmp(real, wd, len) || (real[len] && real[len] != '/'))
		return NULL;
	return xstrdup(real[len] ? real + len + 1 : "");
}

int ads_vcs_open(struct ads_vcs **out, const char *project_dir,
                 struct ads_error *err)
{
	git_repository *repo = NULL;
	char *real = NULL, *wd = NULL, *project = NULL;
	struct ads_vcs *vcs;
	struct stat st;
	int ret = 0, rc;

	git_libgit2_init();
	real = realpath(project_dir, NULL);
	if (!real || stat(real, &st) < 0) {
		ret = ads_error_set(err,
		                    errno == ENOENT || errno == ENOTDIR
		                            ? ADS_ENOTFOUND
		                            : ADS_EIO,
		                    "cannot open project directory '%s': %s",
		                    project_dir, strerror(errno));
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		ret = ads_error_set(err, ADS_EINVALID,
		                    "project '%s' is not a directory",
		                    project_dir);
		goto out;
	}
	/* No GIT_REPOSITORY_OPEN_FROM_ENV: library code reads no env. */
	rc = git_repository_open_ext(&repo, real, 0, NULL);
	if (rc == GIT_ENOTFOUND) {
		ret = ads_error_set(err, ADS_ENOTFOUND,
		                    "'%s' is not in a git repository",
		                    project_dir);
		goto out;
	}
	if (rc < 0) {
		ret = ads_vcs_git_error(
		        err, ADS_EIO, "cannot open the git repository of '%s'",
		        project_dir);
		goto out;
	}
	if (git_repository_is_bare(repo) || !git_repository_workdir(repo)) {
		ret = ads_error_set(err, ADS_EINVALID,
		                    "'%s' is inside a bare git repository, "
		                    "which has no work tree for a project",
		                    project_dir);
		goto out;
	}
	wd = realpath(git_repository_workdir(repo), NULL);
	if (!wd) {
		ret = ads_error_set(
		        err, ADS_EIO, "cannot resolve the work tree '%s': %s",
		        git_repository_workdir(repo), strerror(errno));
		goto out;
	}
	chop_slashes(wd);
	project = relative_to(real, wd);
	if (!project || !strcmp(project, ".git") ||
	    ads_starts_with(project, ".git/")) {
		ret = ads_error_set(err, ADS_EINVALID,
		                    "project '%s' is not inside the work tree "
		                    "of its git repository '%s'",
		                    project_dir, wd);
		goto out;
	}
	vcs = xcalloc(1, sizeof(*vcs));
	vcs->repo = repo;
	vcs->workdir = strcmp(wd, "/") ? xasprintf("%s/", wd) : xstrdup("/");
	vcs->project = project;
	repo = NULL;
	project = NULL;
	*out = vcs;
out:
	git_repository_free(repo);
	free(project);
	free(wd);
	free(real);
	if (ret < 0)
		git_libgit2_shutdown();
	return ret;
}

void ads_vcs_free(struct ads_vcs *vcs)
{
	if (!vcs)
		return;
	git_repository_free(vcs->repo);
	free(vcs->workdir);
	free(vcs->project);
	free(vcs);
	git_libgit2_shutdown();
}

const char *ads_vcs_workdir(const struct ads_vcs *vcs)
{
	return vcs->workdir;
}

const char *ads_vcs_project_path(const struct ads_vcs *vcs)
{
	return vcs->project;
}

struct git_repository *ads_vcs_git(const struct ads_vcs *vcs)
{
	return vcs->repo;
}

void ads_vcs_provenance_init(struct ads_vcs_provenance *prov)
{
	memset(prov, 0, sizeof(*prov));
	ads_strvec_init(&prov->dirty_paths);
}

void ads_vcs_provenance_release(struct ads_vcs_provenance *prov)
{
	free(prov->branch);
	ads_strvec_release(&prov->dirty_paths);
	ads_vcs_provenance_init(prov);
}

/* HEAD's commit and branch, including an unborn HEAD's branch name. */
static int head_state(struct ads_vcs_provenance *prov, git_repository *repo,
                      struct ads_error *err)
{
	git_reference *head = NULL;
	git_object *commit = NULL;
	git_buf sid = { 0 };
	int ret = 0, rc;

	rc = git_repository_head(&head, repo);
	if (rc == GIT_EUNBORNBRANCH || rc == GIT_ENOTFOUND) {
		/* A fresh repository: HEAD names a branch with no commit. */
		git_reference_free(head);
		head = NULL;
		if (git_reference_lookup(&head, repo, "HEAD") == 0 &&
		    git_reference_type(head) == GIT_REFERENCE_SYMBOLIC) {
			const char *t = git_reference_symbolic_target(head);

			if (ads_starts_with(t, "refs/heads/"))
				prov->branch =
				        xstrdup(t + strlen("refs/heads/"));
		}
		goto out;
	}
	if (rc < 0) {
		ret = ads_vcs_git_error(err, ADS_EIO, "cannot read HEAD");
		goto out;
	}
	if (git_reference_is_branch(head))
		prov->branch = xstrdup(git_reference_shorthand(head));
	if (git_reference_peel(&commit, head, GIT_OBJECT_COMMIT) < 0 ||
	    git_object_short_id(&sid, commit) < 0) {
		ret = ads_vcs_git_error(err, ADS_EIO,
		                        "cannot read the commit of HEAD");
		goto out;
	}
	prov->has_commit = true;
	git_oid_tostr(prov->commit, sizeof(prov->commit),
	              git_object_id(commit));
	snprintf(prov->short_id, sizeof(prov->short_id), "%s", sid.ptr);
out:
	git_buf_dispose(&sid);
	git_object_free(commit);
	git_reference_free(head);
	return ret;
}

/* The changed path of a status entry (the new name of a rename). */
static const char *status_path(const git_status_entry *e)
{
	const git_diff_delta *d =
	        e->index_to_workdir ? e->index_to_workdir : e->head_to_index;

	if (!d)
		return NULL;
	return d->new_file.path ? d->new_file.path : d->old_file.path;
}

/* Counts and lists the dirty files under the project directory. */
static int dirty_state(struct ads_vcs_provenance *prov,
                       const struct ads_vcs *vcs, struct ads_error *err)
{
	git_status_options opts;
	git_status_list *list = NULL;
	char *spec = NULL;
	size_t plen = strlen(vcs->project);
	int ret = 0;

	git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	/*
	 * Untracked files count (a new campaign file not yet added is a
	 * change to the manifests); ignored ones and submodules do not.
	 */
	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED |
	             GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
	             GIT_STATUS_OPT_EXCLUDE_SUBMODULES |
	             GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH;
	if (plen) {
		/*
		 * Limits the scan to the project, as a literal path (which
		 * still matches the files below it); filtered again below.
		 */
		spec = xstrdup(vcs->project);
		opts.pathspec.strings = &spec;
		opts.pathspec.count = 1;
	}
	if (git_status_list_new(&list, vcs->repo, &opts) < 0) {
		ret = ads_vcs_git_error(err, ADS_EIO,
		                        "cannot read the status of '%s'",
		                        vcs->workdir);
		goto out;
	}
	for (size_t i = 0, n = git_status_list_entrycount(list); i < n; i++) {
		const git_status_entry *e = git_status_byindex(list, i);
		const char *path = e ? status_path(e) : NULL;
		const char *rel;

		if (!path || e->status == GIT_STATUS_CURRENT ||
		    (e->status & GIT_STATUS_IGNORED))
			continue;
		if (plen) {
			if (strncmp(path, vcs->project, plen) ||
			    path[plen] != '/')
				continue;
			rel = path + plen + 1;
		} else {
			rel = path;
		}
		if (ads_starts_with(rel, ADS_VCS_STATE_DIR "/") ||
		    !strcmp(rel, ADS_VCS_STATE_DIR))
			continue;
		prov->dirty = true;
		if (prov->ndirty++ < ADS_VCS_DIRTY_LIST)
			ads_strvec_push(&prov->dirty_paths, rel);
	}
out:
	git_status_list_free(list);
	free(spec);
	return ret;
}

int ads_vcs_provenance(struct ads_vcs_provenance *prov, struct ads_vcs *vcs,
                       struct ads_error *err)
{
	int ret;

	ads_vcs_provenance_release(prov);
	prov->in_repo = true;
	ret = head_state(prov, vcs->repo, err);
	if (!ret)
		ret = dirty_state(prov, vcs, err);
	if (ret < 0)
		ads_vcs_provenance_release(prov);
	return ret;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int ads_vcs_provenance_of_dir(struct ads_vcs_provenance *prov,
                              const char *project_dir, struct ads_error *err)
{
	struct ads_error oerr = ADS_ERROR_INIT;
	struct ads_vcs *vcs;
	int ret;

	ads_vcs_provenance_release(prov);
	ret = ads_vcs_open(&vcs, project_dir, &oerr);
	if (ret == ADS_ENOTFOUND && is_dir(project_dir)) {
		ads_error_release(&oerr);
		return 0;
	}
	if (ret < 0) {
		ads_error_move(err, &oerr);
		return ret;
	}
	ret = ads_vcs_provenance(prov, vcs, err);
	ads_vcs_free(vcs);
	return ret;
}

/* Appends the names that a mistyped revision may have meant. */
static void revision_names(struct ads_strvec *names, git_repository *repo)
{
	git_branch_iterator *it = NULL;
	git_reference *ref;
	git_branch_t type;
	git_strarray tags = { 0 };

	ads_strvec_push(names, "HEAD");
	if (git_branch_iterator_new(&it, repo, GIT_BRANCH_ALL) == 0) {
		while (git_branch_next(&ref, &type, it) == 0) {
			const char *name;

			if (git_branch_name(&name, ref) == 0)
				ads_strvec_push(names, name);
			git_reference_free(ref);
		}
		git_branch_iterator_free(it);
	}
	if (git_tag_list(&tags, repo) == 0) {
		for (size_t i = 0; i < tags.count; i++)
			ads_strvec_push(names, tags.strings[i]);
		git_strarray_dispose(&tags);
	}
}

/*
 * The error for a spec that names nothing. When the name part of the spec
 * (before ~ ^ @ :) is unknown and close to a branch or tag, suggests the
 * spec with that name instead.
 */
static int unknown_revision(git_repository *repo, const char *spec,
                            struct ads_error *err)
{
	struct ads_strvec names = ADS_STRVEC_INIT;
	size_t blen = strcspn(spec, "~^@:");
	char *base = xstrndup(spec, blen);
	git_object *obj = NULL;
	const char *best = NULL;
	int ret;

	if (git_repository_head_unborn(repo) == 1) {
		ret = ads_error_set(err, ADS_ENOTFOUND,
		                    "unknown revision '%s' (the repository "
		                    "has no commits yet)",
		                    spec);
		goto out;
	}
	if (*base && git_revparse_single(&obj, repo, base) < 0) {
		revision_names(&names, repo);
		best = ads_suggest(base, (const char *const *)names.v,
		                   names.nr);
	}
	if (best)
		ret = ads_error_set(err, ADS_ENOTFOUND,
		                    "unknown revision '%s' (did you mean "
		                    "'%s%s'?)",
		                    spec, best, spec + blen);
	else
		ret = ads_error_set(err, ADS_ENOTFOUND, "unknown revision '%s'",
		                    spec);
out:
	git_object_free(obj);
	ads_strvec_release(&names);
	free(base);
	return ret;
}

int ads_vcs_resolve(char out[ADS_VCS_HEXSZ + 1], struct ads_vcs *vcs,
                    const char *spec, struct ads_error *err)
{
	git_object *obj = NULL, *commit = NULL;
	int ret = 0, rc;

	if (!*spec)
		return ads_error_set(err, ADS_EINVALID, "empty revision");
	rc = git_revparse_single(&obj, vcs->repo, spec);
	switch (rc) {
	case 0:
		break;
	case GIT_ENOTFOUND:
	case GIT_EUNBORNBRANCH:
		ret = unknown_revision(vcs->repo, spec, err);
		goto out;
	case GIT_EAMBIGUOUS:
		ret = ads_error_set(err, ADS_EINVALID,
		                    "ambiguous revision '%s' (give more "
		                    "digits of the commit id)",
		                    spec);
		goto out;
	case GIT_EINVALIDSPEC:
		ret = ads_error_set(err, ADS_EINVALID, "invalid revision '%s'",
		                    spec);
		goto out;
	default:
		ret = ads_vcs_git_error(err, ADS_EIO,
		                        "cannot resolve revision '%s'", spec);
		goto out;
	}
	if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0) {
		ret = ads_error_set(
		        err, ADS_EINVALID,
		        "revision '%s' is a %s, not a commit", spec,
		        git_object_type2string(git_object_type(obj)));
		goto out;
	}
	git_oid_tostr(out, ADS_VCS_HEXSZ + 1, git_object_id(commit));
out:
	git_object_free(commit);
	git_object_free(obj);
	return ret;
}
