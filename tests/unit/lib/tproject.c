/* Projects on disk for unit tests (see tproject.h). */
#include "tproject.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/fs.h"
#include "util/xalloc.h"

/* A 1x1 PNG; the digit after the magic picks its colour. */
static void write_png(const char *path, char colour)
{
	static const unsigned char png[] = {
		0x89, 'P',  'N',  'G',  0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00,
		0x00, 0x0d, 'I',  'H',  'D',  'R',  0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90,
		0x77, 0x53, 0xde, 0x00, 0x00, 0x00, 0x0c, 'I',  'D',  'A',
		'T',  0x08, 0xd7, 0x63, 0xf8, 0xcf, 0xc0, 0x00, 0x00, 0x03,
		0x01, 0x01, 0x00, 0x18, 0xdd, 0x8d, 0xb0, 0x00, 0x00, 0x00,
		0x00, 'I',  'E',  'N',  'D',  0xae, 0x42, 0x60, 0x82,
	};
	unsigned char buf[sizeof(png) + 1];
	struct ads_error err = ADS_ERROR_INIT;

	memcpy(buf, png, sizeof(png));
	buf[sizeof(png)] =
	        (unsigned char)colour; /* trailing byte: a new hash */
	assert_int_equal(
	        ads_write_file_atomic(path, buf, sizeof(buf), 0644, &err), 0);
}

struct tproject *tproject_new(const char *const *files)
{
	struct tproject *t = xcalloc(1, sizeof(*t));
	char tmpl[] = "/tmp/adsctl-unit.XXXXXX";
	struct ads_error err = ADS_ERROR_INIT;

	assert_non_null(mkdtemp(tmpl));
	t->dir = xstrdup(tmpl);
	for (size_t i = 0; files[i]; i += 2) {
		char *path = ads_path_join(t->dir, files[i]);
		char *dir = ads_path_dirname(path);

		assert_int_equal(ads_mkdir_p(dir, &err), 0);
		if (!strncmp(files[i + 1], "\x89PNG", 4))
			write_png(path, files[i + 1][4]);
		else
			assert_int_equal(
			        ads_write_file_atomic(path, files[i + 1],
			                              strlen(files[i + 1]),
			                              0644, &err),
			        0);
		free(path);
		free(dir);
	}
	ads_diags_init(&t->diags);
	ads_source_fs(&t->src, t->dir);
	assert_int_equal(
	        ads_project_load(&t->project, t->dir, &t->src, &t->diags, &err),
	        0);
	if (ads_model_build(&t->m, t->project, NULL, &t->diags, &err)) {
		for (size_t i = 0; i < t->diags.nr; i++)
			fprintf(stderr, "%s:%u:%u: %s\n",
			        t->diags.v[i].file ? t->diags.v[i].file : "-",
			        t->diags.v[i].line, t->diags.v[i].col,
			        t->diags.v[i].msg);
		fail_msg("the test project does not build");
	}
	return t;
}

static int rm_rf(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int rc = system(cmd);

	free(cmd);
	return rc;
}

void tproject_free(struct tproject *t)
{
	if (!t)
		return;
	ads_model_free(t->m);
	ads_project_free(t->project);
	ads_diags_release(&t->diags);
	rm_rf(t->dir);
	free(t->dir);
	free(t);
}

char *tproject_slurp(const char *path)
{
	struct ads_buf b = ADS_BUF_INIT;
	struct ads_error err = ADS_ERROR_INIT;

	assert_int_equal(ads_read_file(&b, path, 0, &err), 0);
	return ads_buf_detach(&b, NULL);
}
