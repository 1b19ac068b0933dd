/*
 * Unit tests for src/vcs/: throwaway repositories made with the git CLI in
 * temporary directories (never the adsctl repository itself), read back
 * through libgit2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manifest/project.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strutil.h"
#include "util/xalloc.h"
#include "vcs/source.h"
#include "vcs/vcs.h"

/* The temporary directory every test works in. */
static char *tmproot;

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs a shell command; the test fails if it does. */
static void sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int rc;

	va_start(ap, fmt);
	cmd = xvasprintf(fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fail_msg("command failed (%d): %s", rc, cmd);
	free(cmd);
}

/* The first line a shell command prints; owned. */
static char *sh_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *sh_out(const char *fmt, ...)
{
	char line[256] = "";
	va_list ap;
	char *cmd;
	FILE *p;

	va_start(ap, fmt);
	cmd = xvasprintf(fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	assert_int_equal(pclose(p), 0);
	free(cmd);
	line[strcspn(line, "\n")] = '\0';
	return xstrdup(line);
}

/* Writes content to dir/rel, creating directories. */
static void put(const char *dir, const char *rel, const char *content)
{
	char *path = ads_path_join(dir, rel);
	char *parent = ads_path_dirname(path);
	struct ads_error err = ADS_ERROR_INIT;

	assert_int_equal(ads_mkdir_p(parent, &err), 0);
	assert_int_equal(ads_write_file_atomic(path, content, strlen(content),
	                                       0644, &err),
	                 0);
	free(parent);
	free(path);
}

/* A new empty directory under tmproot; owned. */
static char *new_dir(const char *name)
{
	char *dir = ads_path_join(tmproot, name);

	sh("rm -rf '%s' && mkdir -p '%s'", dir, dir);
	return dir;
}

/* git in dir, isolated from the user's and the system's configuration. */
#define GIT                                                         \
	"git -c user.name=Test -c user.email=test@example.invalid " \
	"-c commit.gpgsign=false -c tag.gpgsign=false -C "

/*
 * The fixture repository:
 *   commit 1 (tag v1): adsctl.yaml, campaigns/a.yaml "v: 1"
 *   commit 2 (main):   campaigns/a.yaml "v: 2", more campaigns, and the
 *                      project examples/simple with sub-directories,
 *                      a symlink, a large blob and a sibling directory.
 */
static char *make_fixture(const char *name)
{
	char *dir = new_dir(name);
	char big[100001];

	sh(GIT "'%s' init -q -b main", dir);
	put(dir, "adsctl.yaml", "stack: root\n");
	put(dir, "campaigns/a.yaml", "v: 1\n");
	sh(GIT "'%s' add -A && " GIT "'%s' commit -qm one && " GIT
	       "'%s' tag -a -m 'first' v1",
	   dir, dir, dir);
	put(dir, "campaigns/a.yaml", "v: 2\n");
	put(dir, "campaigns/b.yaml", "b\n");
	put(dir, "campaigns/.hidden.yaml", "h\n");
	put(dir, "campaigns/notes.txt", "n\n");
	put(dir, "campaigns/sub/deep.yaml", "d\n");
	put(dir, "examples/simple/adsctl.yaml", "stack: simple\n");
	put(dir, "examples/simple/campaigns/spring.yaml", "spring\n");
	put(dir, "examples/simple/de/x-1.yaml", "x1\n");
	put(dir, "examples/simple/fr/x-2.yaml", "x2\n");
	put(dir, "examples/simple/fr/x-10.yaml", "x10\n");
	put(dir, "examples/simple/fr/y-3.yaml", "y3\n");
	put(dir, "examples/simple/weird/a*b.yaml", "star\n");
	put(dir, "examples/shared/common.yaml", "common\n");
	put(dir, "examples/simple/.bad/a.yaml", "before the bad link\n");
	put(dir, "examples/simple2/other.yaml", "other\n");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	put(dir, "examples/simple/big.bin", big);
	put(dir, "examples/simple/lfs.bin",
	    "version https://git-lfs.github.com/spec/v1\n"
	    "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca2"
	    "4d17e2393\nsize 12345\n");
	sh("ln -s campaigns/spring.yaml '%s/examples/simple/link.yaml' && "
	   "ln -s ../shared '%s/examples/simple/shared' && "
	   "ln -s loop2 '%s/examples/simple/loop1' && "
	   "ln -s loop1 '%s/examples/simple/loop2' && "
	   "mkdir -p '%s/examples/simple/.bad' && "
	   "ln -s ../../../../outside '%s/examples/simple/.bad/escape'",
	   dir, dir, dir, dir, dir, dir);
	sh(GIT "'%s' add -A && " GIT "'%s' commit -qm two", dir, dir);
	return dir;
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/ads-test-vcs-XXXXXX";
	const char *tmp = getenv("TMPDIR");
	char *t;

	(void)state;
	/* The git CLI must not see the user's configuration or hooks. */
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	if (tmp && *tmp) {
		t = xasprintf("%s/ads-test-vcs-XXXXXX", tmp);
		tmproot = xstrdup(mkdtemp(t) ? t : "");
		free(t);
	} else {
		tmproot = xstrdup(mkdtemp(tmpl) ? tmpl : "");
	}
	return *tmproot ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	if (tmproot && *tmproot)
		sh("rm -rf '%s'", tmproot);
	free(tmproot);
	return 0;
}

static struct ads_vcs *open_ok(const char *dir)
{
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_vcs *vcs = NULL;

	if (ads_vcs_open(&vcs, dir, &err) < 0)
		fail_msg("ads_vcs_open(%s): %s", dir, err.msg);
	return vcs;
}

static struct ads_vcs_source *source_ok(struct ads_vcs *vcs, const char *spec)
{
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_vcs_source *s = NULL;

	if (ads_vcs_source_open(&s, vcs, spec, &err) < 0)
		fail_msg("ads_vcs_source_open(%s): %s", spec, err.msg);
	return s;
}

/* Reads rel through src into a new string, or fails the test. */
static char *read_ok(const struct ads_source *src, const char *rel)
{
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_buf b = ADS_BUF_INIT;

	if (src->read(src->ctx, rel, &b, 1 << 20, &err) < 0)
		fail_msg("read(%s): %s", rel, err.msg);
	return ads_buf_detach(&b, NULL);
}

#define assert_contains(hay, needle)                                  \
	do {                                                          \
		if (!strstr((hay), (needle)))                         \
			fail_msg("'%s' does not contain '%s'", (hay), \
			         (needle));                           \
	} while (0)

/*
 * Reads rel expecting the error code and a message that names rel and
 * contains want (unless NULL).
 */
static void read_fails(const struct ads_source *src, const char *rel,
                       size_t max, int code, const char *want)
{
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_buf b = ADS_BUF_INIT;
	char *quoted = xasprintf("'%s'", rel);

	ads_buf_addstr(&b, "keep");
	assert_int_equal(src->read(src->ctx, rel, &b, max, &err), code);
	assert_int_equal(err.code, code);
	/* The caller's buffer is untouched on failure. */
	assert_string_equal(b.buf, "keep");
	assert_contains(err.msg, quoted);
	if (want)
		assert_contains(err.msg, want);
	ads_buf_release(&b);
	ads_error_release(&err);
	free(quoted);
}

/* The glob's matches joined with ' '; owned. */
static char *glob_ok(const struct ads_source *src, const char *pattern)
{
	struct ads_strvec sv = ADS_STRVEC_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_buf b = ADS_BUF_INIT;

	if (src->glob(src->ctx, pattern, &sv, &err) < 0)
		fail_msg("glob(%s): %s", pattern, err.msg);
	for (size_t i = 0; i < sv.nr; i++) {
		if (i)
			ads_buf_addch(&b, ' ');
		ads_buf_addstr(&b, sv.v[i]);
	}
	ads_strvec_release(&sv);
	return ads_buf_detach(&b, NULL);
}

#define assert_str_owned(expr, want)             \
	do {                                     \
		char *got_ = (expr);             \
		assert_string_equal(got_, want); \
		free(got_);                      \
	} while (0)

static void test_open(void **state)
{
	char *repo = make_fixture("open");
	char *sub = ads_path_join(repo, "examples/simple");
	char *odd = xasprintf("%s/examples/./shared/../simple/", repo);
	char *deep = ads_path_join(repo, "examples/simple/fr");
	struct ads_vcs *vcs;
	char *real = realpath(repo, NULL);
	char *wd = xasprintf("%s/", real);
	struct ads_vcs_source *src;
	char *linked;

	(void)state;
	vcs = open_ok(repo);
	assert_string_equal(ads_vcs_project_path(vcs), "");
	assert_string_equal(ads_vcs_workdir(vcs), wd);
	ads_vcs_free(vcs);

	vcs = open_ok(sub);
	assert_string_equal(ads_vcs_project_path(vcs), "examples/simple");
	assert_string_equal(ads_vcs_workdir(vcs), wd);
	ads_vcs_free(vcs);

	vcs = open_ok(odd);
	assert_string_equal(ads_vcs_project_path(vcs), "examples/simple");
	ads_vcs_free(vcs);

	vcs = open_ok(deep);
	assert_string_equal(ads_vcs_project_path(vcs), "examples/simple/fr");
	ads_vcs_free(vcs);

	/* A linked worktree reads its own HEAD. */
	sh(GIT "'%s' worktree add -q --detach '%s-linked' HEAD~1", repo, repo);
	linked = xasprintf("%s-linked", repo);
	vcs = open_ok(linked);
	assert_string_equal(ads_vcs_project_path(vcs), "");
	src = source_ok(vcs, "HEAD");
	assert_str_owned(read_ok(ads_vcs_source_get(src), "campaigns/a.yaml"),
	                 "v: 1\n");
	ads_vcs_source_free(src);
	ads_vcs_free(vcs);

	free(linked);
	free(wd);
	free(real);
	free(deep);
	free(odd);
	free(sub);
	free(repo);
}

static void test_not_a_repo(void **state)
{
	char *dir = new_dir("plain");
	char *missing = ads_path_join(dir, "nope");
	char *file = ads_path_join(dir, "f.yaml");
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_vcs_provenance prov;
	struct ads_vcs *vcs = NULL;

	(void)state;
	put(dir, "f.yaml", "x\n");
	assert_int_equal(ads_vcs_open(&vcs, dir, &err), ADS_ENOTFOUND);
	assert_null(vcs);
	assert_contains(err.msg, "is not in a git repository");
	ads_error_release(&err);

	/* Provenance outside a repository is an answer, not an error. */
	ads_vcs_provenance_init(&prov);
	assert_int_equal(ads_vcs_provenance_of_dir(&prov, dir, &err), 0);
	assert_false(prov.in_repo);
	assert_false(prov.dirty);
	assert_null(prov.branch);
	assert_string_equal(prov.commit, "");

	/* A project directory that does not exist is an error. */
	assert_int_equal(ads_vcs_provenance_of_dir(&prov, missing, &err),
	                 ADS_ENOTFOUND);
	assert_contains(err.msg, "nope");
	ads_error_release(&err);
	assert_int_equal(ads_vcs_open(&vcs, file, &err), ADS_EINVALID);
	assert_contains(err.msg, "not a directory");
	ads_error_release(&err);
	ads_vcs_provenance_release(&prov);
	free(file);
	free(missing);
	free(dir);
}

static void test_read(void **state)
{
	char *repo = make_fixture("read");
	struct ads_vcs *vcs;
	struct ads_vcs_source *head, *prev, *tag;
	const struct ads_source *src;
	char *hex;

	(void)state;
	/* The working tree differs from every commit. */
	put(repo, "campaigns/a.yaml", "v: 3 (uncommitted)\n");
	vcs = open_ok(repo);
	head = source_ok(vcs, "HEAD");
	prev = source_ok(vcs, "HEAD~1");
	tag = source_ok(vcs, "v1");
	src = ads_vcs_source_get(head);
	assert_str_owned(read_ok(src, "campaigns/a.yaml"), "v: 2\n");
	assert_str_owned(read_ok(ads_vcs_source_get(prev), "campaigns/a.yaml"),
	                 "v: 1\n");
	assert_str_owned(read_ok(ads_vcs_source_get(tag), "campaigns/a.yaml"),
	                 "v: 1\n");
	assert_str_owned(read_ok(src, "./campaigns/../campaigns/a.yaml"),
	                 "v: 2\n");

	/* describe names the commit by a unique abbreviation. */
	hex = sh_out("git -C '%s' rev-parse HEAD~1", repo);
	assert_string_equal(ads_vcs_source_commit(prev), hex);
	assert_true(
	        ads_starts_with(ads_vcs_source_get(prev)->describe, "commit "));
	assert_true(strlen(ads_vcs_source_get(prev)->describe) >= 14);
	assert_true(ads_starts_with(hex, ads_vcs_source_get(prev)->describe +
	                                         strlen("commit ")));
	free(hex);

	read_fails(src, "campaigns/missing.yaml", 0, ADS_ENOTFOUND,
	           "'campaigns/missing.yaml' does not exist in commit");
	read_fails(ads_vcs_source_get(prev), "campaigns/b.yaml", 0,
	           ADS_ENOTFOUND, NULL);
	read_fails(src, "campaigns", 0, ADS_EIO, "is a directory");
	read_fails(src, "campaigns/a.yaml/x", 0, ADS_ENOTFOUND, NULL);
	read_fails(src, "../x.yaml", 0, ADS_ENOTFOUND,
	           "outside the repository");
	read_fails(src, "/etc/passwd", 0, ADS_ENOTFOUND, NULL);

	ads_vcs_source_free(tag);
	ads_vcs_source_free(prev);
	ads_vcs_source_free(head);
	ads_vcs_free(vcs);
	free(repo);
}

static void test_read_subdir(void **state)
{
	char *repo = make_fixture("subdir");
	char *sub = ads_path_join(repo, "examples/simple");
	struct ads_vcs_source *head, *prev;
	const struct ads_source *src;
	struct ads_buf b = ADS_BUF_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_vcs *vcs;

	(void)state;
	vcs = open_ok(sub);
	head = source_ok(vcs, "main");
	src = ads_vcs_source_get(head);
	assert_str_owned(read_ok(src, "adsctl.yaml"), "stack: simple\n");
	assert_str_owned(read_ok(src, "campaigns/spring.yaml"), "spring\n");
	/* Up and out of the project, still inside the repository. */
	assert_str_owned(read_ok(src, "../shared/common.yaml"), "common\n");
	assert_str_owned(read_ok(src, "../../adsctl.yaml"), "stack: root\n");
	/* Committed symbolic links are followed inside the tree. */
	assert_str_owned(read_ok(src, "link.yaml"), "spring\n");
	assert_str_owned(read_ok(src, "shared/common.yaml"), "common\n");
	read_fails(src, "loop1", 0, ADS_EIO, "symbolic links");
	read_fails(src, ".bad/escape", 0, ADS_ENOTFOUND,
	           "outside the repository");
	read_fails(src, "../../../x.yaml", 0, ADS_ENOTFOUND, NULL);

	/* Size caps are checked before the blob is loaded. */
	read_fails(src, "big.bin", 65536, ADS_ETOOBIG,
	           "is too large in commit");
	read_fails(src, "big.bin", 99999, ADS_ETOOBIG,
	           "(100000 bytes, limit 99999)");
	assert_int_equal(src->read(src->ctx, "big.bin", &b, 100000, &err), 0);
	assert_int_equal(b.len, 100000);
	ads_buf_reset(&b);
	assert_int_equal(src->read(src->ctx, "big.bin", &b, 0, &err), 0);
	assert_int_equal(b.len, 100000);
	ads_buf_release(&b);

	read_fails(src, "lfs.bin", 0, ADS_EIO, "Git LFS pointer");

	/* At the first commit the project directory did not exist. */
	prev = source_ok(vcs, "v1");
	read_fails(ads_vcs_source_get(prev), "adsctl.yaml", 0, ADS_ENOTFOUND,
	           "has no directory 'examples/simple'");
	assert_str_owned(glob_ok(ads_vcs_source_get(prev), "*.yaml"), "");

	ads_vcs_source_free(prev);
	ads_vcs_source_free(head);
	ads_vcs_free(vcs);
	free(sub);
	free(repo);
}

static void test_glob(void **state)
{
	char *repo = make_fixture("glob");
	char *sub = ads_path_join(repo, "examples/simple");
	struct ads_strvec sv = ADS_STRVEC_INIT;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_vcs *vcs, *svcs;
	struct ads_vcs_source *head, *shead;
	const struct ads_source *src, *ssrc;

	(void)state;
	vcs = open_ok(repo);
	head = source_ok(vcs, "HEAD");
	src = ads_vcs_source_get(head);
	/* A file only in the working tree is not in the commit. */
	put(repo, "campaigns/c.yaml", "untracked\n");
	assert_str_owned(glob_ok(src, "campaigns/*.yaml"),
	                 "campaigns/a.yaml campaigns/b.yaml");
	assert_str_owned(glob_ok(src, "campaigns/.*.yaml"),
	                 "campaigns/.hidden.yaml");
	assert_str_owned(
	        glob_ok(src, "campaigns/*"),
	        "campaigns/a.yaml campaigns/b.yaml campaigns/notes.txt");
	assert_str_owned(
	        glob_ok(src, "*/*/*.yaml"),
	        "campaigns/sub/deep.yaml examples/shared/common.yaml "
	        "examples/simple/adsctl.yaml examples/simple/link.yaml "
	        "examples/simple2/other.yaml");
	assert_str_owned(glob_ok(src, "campaigns/a.yaml"), "campaigns/a.yaml");
	assert_str_owned(glob_ok(src, "campaigns/z*.yaml"), "");
	assert_str_owned(glob_ok(src, "nowhere/*.yaml"), "");
	assert_str_owned(glob_ok(src, "campaigns"), "");

	svcs = open_ok(sub);
	shead = source_ok(svcs, "HEAD");
	ssrc = ads_vcs_source_get(shead);
	assert_str_owned(glob_ok(ssrc, "*/x-?.yaml"),
	                 "de/x-1.yaml fr/x-2.yaml");
	assert_str_owned(glob_ok(ssrc, "[df]?/x-*.yaml"),
	                 "de/x-1.yaml fr/x-10.yaml fr/x-2.yaml");
	assert_str_owned(glob_ok(ssrc, "[!d]*/[xy]-[0-9].yaml"),
	                 "fr/x-2.yaml fr/y-3.yaml");
	assert_str_owned(glob_ok(ssrc, "**/x-1*"), "de/x-1.yaml fr/x-10.yaml");
	assert_str_owned(glob_ok(ssrc, "weird/a\\*b.yaml"), "weird/a*b.yaml");
	assert_str_owned(glob_ok(ssrc, "weird/a*b.yaml"), "weird/a*b.yaml");
	/* Symbolic links and ".." spelled as in the pattern. */
	assert_str_owned(glob_ok(ssrc, "shared/*.yaml"), "shared/common.yaml");
	assert_str_owned(glob_ok(ssrc, "../shared/*.yaml"),
	                 "../shared/common.yaml");
	assert_str_owned(glob_ok(ssrc, "*.yaml"), "adsctl.yaml link.yaml");
	assert_str_owned(glob_ok(ssrc, "de/../fr/x-1*.yaml"),
	                 "de/../fr/x-10.yaml");
	/* Each match of "*" spells its own way to the same file. */
	assert_str_owned(glob_ok(ssrc, "[df]*/../adsctl.yaml"),
	                 "de/../adsctl.yaml fr/../adsctl.yaml");

	/* Matches are appended after what the vector held. */
	ads_strvec_push(&sv, "zzz-first");
	assert_int_equal(ssrc->glob(ssrc->ctx, "fr/*.yaml", &sv, &err), 0);
	assert_int_equal(sv.nr, 4);
	assert_string_equal(sv.v[0], "zzz-first");
	assert_string_equal(sv.v[1], "fr/x-10.yaml");
	assert_string_equal(sv.v[3], "fr/y-3.yaml");
	assert_null(sv.v[4]);

	assert_int_equal(ssrc->glob(ssrc->ctx, "/etc/*", &sv, &err),
	                 ADS_EINVALID);
	assert_contains(err.msg, "absolute");
	ads_error_release(&err);
	assert_int_equal(ssrc->glob(ssrc->ctx, "../../../*.yaml", &sv, &err),
	                 ADS_EINVALID);
	assert_contains(err.msg, "outside the repository");
	ads_error_release(&err);
	/*
	 * A link out of the repository: the checkout would read through it.
	 * The match before it (.bad/a.yaml) is not appended either.
	 */
	assert_int_equal(ssrc->glob(ssrc->ctx, ".bad/*", &sv, &err),
	                 ADS_EINVALID);
	assert_string_equal(err.msg, "pattern '.bad/*' leads outside the "
	                             "repository at '.bad/escape'");
	ads_error_release(&err);
	assert_int_equal(sv.nr, 4);
	ads_strvec_release(&sv);

	ads_vcs_source_free(shead);
	ads_vcs_free(svcs);
	ads_vcs_source_free(head);
	ads_vcs_free(vcs);
	free(sub);
	free(repo);
}

/* glob(3) on the checkout, regular files only (after symlinks); owned. */
static char *glob3(const char *dir, const char *pattern)
{
	struct ads_buf b = ADS_BUF_INIT;
	char *cwd = getcwd(NULL, 0);
	struct stat st;
	glob_t g;

	assert_non_null(cwd);
	assert_int_equal(chdir(dir), 0);
	if (glob(pattern, 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			if (stat(g.gl_pathv[i], &st) < 0 ||
			    !S_ISREG(st.st_mode))
				continue;
			if (b.len)
				ads_buf_addch(&b, ' ');
			ads_buf_addstr(&b, g.gl_pathv[i]);
		}
		globfree(&g);
	}
	assert_int_equal(chdir(cwd), 0);
	free(cwd);
	return ads_buf_detach(&b, NULL);
}

/* A clean checkout globs the same through git as through glob(3). */
static void test_glob_like_glob3(void **state)
{
	static const char *const patterns[] = {
		"*",
		"*.yaml",
		"*/*",
		"*/*.yaml",
		"*/x-?.yaml",
		"[df]?/x-*.yaml",
		"[!d]*/[xy]-[0-9].yaml",
		"**/x-1*",
		"weird/a\\*b.yaml",
		"weird/a*b.yaml",
		"shared/*",
		"../shared/*.yaml",
		"../*/*.yaml",
		"./fr/../de/*",
		"de/.",
		".*",
		"*/.*",
		"fr/x-[1-2]*.yaml",
		"fr/x-[[:digit:]].yaml",
		"campaigns",
		"campaigns/",
		"no/such/*",
		"[",
		"fr/x-1\\0.yaml",
	};
	char *repo = make_fixture("glob3");
	char *sub = ads_path_join(repo, "examples/simple");
	struct ads_vcs_source *head;
	struct ads_vcs *vcs;

	(void)state;
	vcs = open_ok(sub);
	head = source_ok(vcs, "HEAD");
	for (size_t i = 0; i < ADS_ARRAY_SIZE(patterns); i++) {
		char *want = glob3(sub, patterns[i]);
		char *got = glob_ok(ads_vcs_source_get(head), patterns[i]);

		if (strcmp(want, got))
			fail_msg("pattern '%s': glob(3) '%s', git '%s'",
			         patterns[i], want, got);
		free(got);
		/* Again with a tree cache emptied at every lookup. */
		ads_vcs_source_set_tree_cache(head, 0);
		got = glob_ok(ads_vcs_source_get(head), patterns[i]);
		assert_string_equal(got, want);
		ads_vcs_source_set_tree_cache(head, ADS_VCS_TREE_CACHE);
		free(got);
		free(want);
	}
	ads_vcs_source_free(head);
	ads_vcs_free(vcs);
	free(sub);
	free(repo);
}

/* The provenance of dir, which must succeed. */
static void prov_ok(struct ads_vcs_provenance *prov, const char *dir)
{
	struct ads_error err = ADS_ERROR_INIT;

	if (ads_vcs_provenance_of_dir(prov, dir, &err) < 0)
		fail_msg("provenance(%s): %s", dir, err.msg);
	assert_true(prov->in_repo);
}

static void test_provenance(void **state)
{
	char *repo = make_fixture("prov");
	char *sub = ads_path_join(repo, "examples/simple");
	struct ads_vcs_provenance prov;
	char *hex, *abbrev, *odd = NULL;

	(void)state;
	ads_vcs_provenance_init(&prov);
	hex = sh_out("git -C '%s' rev-parse HEAD", repo);
	abbrev = sh_out("git -C '%s' rev-parse --short HEAD", repo);

	prov_ok(&prov, sub);
	assert_true(prov.has_commit);
	assert_string_equal(prov.commit, hex);
	assert_string_equal(prov.short_id, abbrev);
	assert_string_equal(prov.branch, "main");
	assert_false(prov.dirty);
	assert_int_equal(prov.ndirty, 0);

	/* Changes outside the project directory do not count. */
	put(repo, "campaigns/a.yaml", "changed outside\n");
	put(repo, "untracked-at-root.yaml", "x\n");
	put(repo, "examples/simple2/other.yaml", "sibling with a prefix\n");
	put(repo, "examples/simple2/new.yaml", "x\n");
	/* Nor do ignored files and adsctl's own state directory. */
	put(repo, "examples/simple/.gitignore", "*.log\n");
	sh(GIT "'%s' add examples/simple/.gitignore && " GIT
	       "'%s' commit -qm ignore",
	   repo, repo);
	free(hex);
	hex = sh_out("git -C '%s' rev-parse HEAD", repo);
	put(repo, "examples/simple/run.log", "x\n");
	put(repo, "examples/simple/.adsctl/emulator.json", "{}\n");
	prov_ok(&prov, sub);
	assert_string_equal(prov.commit, hex);
	assert_false(prov.dirty);
	/* ... but they do for the project at the root. */
	prov_ok(&prov, repo);
	assert_true(prov.dirty);
	assert_int_equal(prov.ndirty, 5);
	assert_true(ads_strvec_contains(&prov.dirty_paths, "campaigns/a.yaml"));
	assert_true(ads_strvec_contains(&prov.dirty_paths,
	                                "untracked-at-root.yaml"));
	assert_false(ads_strvec_contains(&prov.dirty_paths,
	                                 "examples/simple/run.log"));

	/* A modified tracked file inside the project. */
	put(sub, "campaigns/spring.yaml", "changed\n");
	prov_ok(&prov, sub);
	assert_true(prov.dirty);
	assert_int_equal(prov.ndirty, 1);
	assert_string_equal(prov.dirty_paths.v[0], "campaigns/spring.yaml");
	sh(GIT "'%s' checkout -q -- examples/simple/campaigns", repo);
	prov_ok(&prov, sub);
	assert_false(prov.dirty);

	/* An untracked file inside, in a new directory. */
	put(sub, "new/dir/c.yaml", "new\n");
	prov_ok(&prov, sub);
	assert_true(prov.dirty);
	assert_string_equal(prov.dirty_paths.v[0], "new/dir/c.yaml");
	/* Staged, then deleted from the work tree: still dirty. */
	sh(GIT "'%s' add examples/simple/new && rm -r '%s/new'", repo, sub);
	prov_ok(&prov, sub);
	assert_true(prov.dirty);
	assert_int_equal(prov.ndirty, 1);
	sh(GIT "'%s' reset -q", repo);
	prov_ok(&prov, sub);
	assert_false(prov.dirty);

	/* A deleted tracked file. */
	sh("rm '%s/de/x-1.yaml'", sub);
	prov_ok(&prov, sub);
	assert_true(prov.dirty);
	assert_string_equal(prov.dirty_paths.v[0], "de/x-1.yaml");
	sh(GIT "'%s' checkout -q -- examples/simple", repo);

	/* Many dirty files: all counted, the first few listed. */
	for (int i = 0; i < ADS_VCS_DIRTY_LIST + 5; i++) {
		char name[32];

		snprintf(name, sizeof(name), "many/f%02d.yaml", i);
		put(sub, name, "x\n");
	}
	prov_ok(&prov, sub);
	assert_int_equal(prov.ndirty, ADS_VCS_DIRTY_LIST + 5);
	assert_int_equal(prov.dirty_paths.nr, ADS_VCS_DIRTY_LIST);
	sh("rm -r '%s/many'", sub);

	/* Pattern characters in the project's path are literal. */
	put(repo, "odd [d]*/adsctl.yaml", "stack: odd\n");
	put(repo, "oddd*/adsctl.yaml", "stack: odd\n");
	sh(GIT "'%s' add -A && " GIT "'%s' commit -qm odd", repo, repo);
	free(odd);
	odd = ads_path_join(repo, "odd [d]*");
	prov_ok(&prov, odd);
	assert_false(prov.dirty);
	put(odd, "adsctl.yaml", "stack: changed\n");
	prov_ok(&prov, odd);
	assert_true(prov.dirty);
	assert_string_equal(prov.dirty_paths.v[0], "adsctl.yaml");

	/* A detached HEAD has no branch. */
	sh(GIT "'%s' checkout -q -f --detach HEAD~1", repo);
	prov_ok(&prov, sub);
	assert_null(prov.branch);
	assert_true(prov.has_commit);
	ads_vcs_provenance_release(&prov);
	free(odd);
	free(abbrev);
	free(hex);
	free(sub);
	free(repo);
}

static void test_unborn(void **state)
{
	char *repo = new_dir("unborn");
	struct ads_vcs_provenance prov;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_vcs_source *s = NULL;
	struct ads_vcs *vcs;
	char hex[ADS_VCS_HEXSZ + 1] = "untouched";

	(void)state;
	sh(GIT "'%s' init -q -b trunk", repo);
	put(repo, "adsctl.yaml", "stack: x\n");
	ads_vcs_provenance_init(&prov);
	prov_ok(&prov, repo);
	assert_false(prov.has_commit);
	assert_string_equal(prov.commit, "");
	assert_string_equal(prov.branch, "trunk");
	assert_true(prov.dirty);
	ads_vcs_provenance_release(&prov);

	vcs = open_ok(repo);
	assert_int_equal(ads_vcs_resolve(hex, vcs, "HEAD", &err),
	                 ADS_ENOTFOUND);
	assert_string_equal(hex, "untouched");
	assert_string_equal(err.msg, "unknown revision 'HEAD' (the repository "
	                             "has no commits yet)");
	ads_error_release(&err);
	assert_int_equal(ads_vcs_source_open(&s, vcs, "HEAD", &err),
	                 ADS_ENOTFOUND);
	assert_null(s);
	ads_error_release(&err);
	ads_vcs_free(vcs);
	free(repo);
}

/* Resolves spec expecting failure with code and the message want. */
static void resolve_fails(struct ads_vcs *vcs, const char *spec, int code,
                          const char *want)
{
	struct ads_error err = ADS_ERROR_INIT;
	char hex[ADS_VCS_HEXSZ + 1] = "untouched";

	assert_int_equal(ads_vcs_resolve(hex, vcs, spec, &err), code);
	assert_string_equal(hex, "untouched");
	assert_string_equal(err.msg, want);
	ads_error_release(&err);
}

static void test_resolve(void **state)
{
	char *repo = make_fixture("resolve");
	struct ads_error err = ADS_ERROR_INIT;
	char hex[ADS_VCS_HEXSZ + 1];
	struct ads_vcs *vcs;
	char *want, *prev, *abbrev;

	(void)state;
	sh(GIT "'%s' branch feature/budgets HEAD~1 && " GIT
	       "'%s' tag release-2027 HEAD",
	   repo, repo);
	vcs = open_ok(repo);
	want = sh_out("git -C '%s' rev-parse HEAD", repo);
	prev = sh_out("git -C '%s' rev-parse HEAD~1", repo);
	abbrev = xstrndup(prev, 9);

	struct {
		const char *spec;
		const char *want;
	} ok[] = {
		{ "HEAD", want },
		{ "main", want },
		{ "HEAD~1", prev },
		{ "main^", prev },
		{ "v1", prev },
		{ "v1^{commit}", prev },
		{ abbrev, prev },
		{ prev, prev },
		{ "release-2027", want },
		{ "feature/budgets", prev },
		{ "@", want },
	};
	for (size_t i = 0; i < ADS_ARRAY_SIZE(ok); i++) {
		if (ads_vcs_resolve(hex, vcs, ok[i].spec, &err) < 0)
			fail_msg("resolve(%s): %s", ok[i].spec, err.msg);
		assert_string_equal(hex, ok[i].want);
	}

	resolve_fails(vcs, "mian", ADS_ENOTFOUND,
	              "unknown revision 'mian' (did you mean "
	              "'main'?)");
	resolve_fails(vcs, "mian~1", ADS_ENOTFOUND,
	              "unknown revision 'mian~1' (did you mean "
	              "'main~1'?)");
	resolve_fails(vcs, "feature/budget", ADS_ENOTFOUND,
	              "unknown revision 'feature/budget' (did you "
	              "mean 'feature/budgets'?)");
	resolve_fails(vcs, "release-2072", ADS_ENOTFOUND,
	              "unknown revision 'release-2072' (did you mean "
	              "'release-2027'?)");
	resolve_fails(vcs, "completely-different", ADS_ENOTFOUND,
	              "unknown revision 'completely-different'");
	/* A known name whose ancestry runs out: no suggestion. */
	resolve_fails(vcs, "HEAD~99", ADS_ENOTFOUND,
	              "unknown revision 'HEAD~99'");
	resolve_fails(vcs, "HEAD:adsctl.yaml", ADS_EINVALID,
	              "revision 'HEAD:adsctl.yaml' is a blob, not "
	              "a commit");
	resolve_fails(vcs, "main..HEAD", ADS_EINVALID,
	              "invalid revision 'main..HEAD'");
	resolve_fails(vcs, "", ADS_EINVALID, "empty revision");

	free(abbrev);
	free(prev);
	free(want);
	ads_vcs_free(vcs);
	free(repo);
}

/* campaigns.spring.name in a loaded document, or NULL. */
static const char *spring_name(const struct ads_doc *doc)
{
	json_t *c = json_object_get(doc->root, "campaigns");

	return json_string_value(
	        json_object_get(json_object_get(c, "spring"), "name"));
}

/* The display paths of a project's documents joined with ' '; owned. */
static char *doc_paths(const struct ads_project *p)
{
	struct ads_buf b = ADS_BUF_INIT;

	for (size_t i = 0; i < p->ndocs; i++) {
		if (i)
			ads_buf_addch(&b, ' ');
		ads_buf_addstr(&b, p->docs[i]->path);
	}
	return ads_buf_detach(&b, NULL);
}

/* A whole project loaded at revisions, as `adsctl diff` does. */
static void test_project_load(void **state)
{
	char *repo = new_dir("load");
	char *proj = ads_path_join(repo, "examples/proj");
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_diags diags = ADS_DIAGS_INIT;
	struct ads_vcs_source *head, *prev, *init;
	struct ads_project *p = NULL;
	struct ads_source fs;
	struct ads_vcs *vcs;

	(void)state;
	sh(GIT "'%s' init -q -b main", repo);
	put(repo, "README", "not a project yet\n");
	sh(GIT "'%s' add -A && " GIT "'%s' commit -qm init", repo, repo);
	put(proj, "adsctl.yaml",
	    "stack: acme\naccount: act_1\n"
	    "include: [campaigns/*.yaml, '*/x-?.yaml']\n");
	put(proj, "campaigns/a.yaml", "campaigns:\n  spring:\n    name: v1\n");
	sh(GIT "'%s' add -A && " GIT "'%s' commit -qm one", repo, repo);
	put(proj, "campaigns/a.yaml", "campaigns:\n  spring:\n    name: v2\n");
	put(proj, "campaigns/b.yaml", "creatives: {}\n");
	put(proj, "campaigns/bad.yaml", "campaigns: [unclosed\n");
	put(proj, "de/x-1.yaml", "audiences: {}\n");
	sh(GIT "'%s' add -A && " GIT "'%s' commit -qm two", repo, repo);
	/* The working tree moves on. */
	put(proj, "campaigns/a.yaml", "campaigns:\n  spring:\n    name: v3\n");
	put(proj, "campaigns/c.yaml", "campaigns: {}\n");

	vcs = open_ok(proj);
	prev = source_ok(vcs, "HEAD~1");
	head = source_ok(vcs, "main");
	init = source_ok(vcs, "HEAD~2");

	assert_int_equal(ads_project_load(&p, "examples/proj",
	                                  ads_vcs_source_get(prev), &diags,
	                                  &err),
	                 0);
	assert_int_equal(diags.nerrors, 0);
	/* '*\/x-?.yaml' matched nothing at that commit. */
	assert_int_equal(diags.nwarnings, 1);
	assert_string_equal(diags.v[0].file, "examples/proj/adsctl.yaml");
	ads_diags_release(&diags);
	assert_ptr_equal(p->src, ads_vcs_source_get(prev));
	assert_str_owned(doc_paths(p), "examples/proj/adsctl.yaml "
	                               "examples/proj/campaigns/a.yaml");
	assert_string_equal(spring_name(p->docs[1]), "v1");
	ads_project_free(p);
	p = NULL;

	assert_int_equal(ads_project_load(&p, "examples/proj",
	                                  ads_vcs_source_get(head), &diags,
	                                  &err),
	                 0);
	assert_str_owned(doc_paths(p), "examples/proj/adsctl.yaml "
	                               "examples/proj/campaigns/a.yaml "
	                               "examples/proj/campaigns/b.yaml "
	                               "examples/proj/de/x-1.yaml");
	assert_string_equal(spring_name(p->docs[1]), "v2");
	/* The broken file at that commit is reported by its name. */
	assert_int_equal(diags.nerrors, 1);
	assert_int_equal(diags.nwarnings, 0);
	assert_string_equal(diags.v[0].file,
	                    "examples/proj/campaigns/bad.yaml");
	ads_project_free(p);
	p = NULL;
	ads_diags_release(&diags);

	/* The working tree, through the file system source, differs. */
	ads_source_fs(&fs, proj);
	assert_int_equal(ads_project_load(&p, proj, &fs, &diags, &err), 0);
	/* a, b, the untracked c and x-1 (bad.yaml does not parse) */
	assert_int_equal(p->ndocs, 5);
	assert_true(ads_ends_with(p->docs[3]->path, "/campaigns/c.yaml"));
	assert_string_equal(spring_name(p->docs[1]), "v3");
	ads_project_free(p);
	p = NULL;
	ads_diags_release(&diags);

	/* Before the project existed. */
	assert_int_equal(ads_project_load(&p, "examples/proj",
	                                  ads_vcs_source_get(init), &diags,
	                                  &err),
	                 ADS_ENOTFOUND);
	assert_null(p);
	assert_contains(err.msg, "adsctl.yaml");
	ads_error_release(&err);
	ads_diags_release(&diags);

	ads_vcs_source_free(init);
	ads_vcs_source_free(head);
	ads_vcs_source_free(prev);
	ads_vcs_free(vcs);
	free(proj);
	free(repo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_not_a_repo),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_read_subdir),
		cmocka_unit_test(test_glob),
		cmocka_unit_test(test_glob_like_glob3),
		cmocka_unit_test(test_provenance),
		cmocka_unit_test(test_unborn),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_project_load),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
