/*
 * Unit tests for src/apply/journal.c: the file a run writes (name, one
 * JSON object per line, append-only) and the reader that finds the commit
 * of the last successful apply for `adsctl drift`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply/journal.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/adsctl-journal.XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	return xstrdup(tmpl);
}

static void rmtree(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/* Writes a journal file by hand (as an older run would have left it). */
static void put(const char *dir, const char *name, const char *text)
{
	char *jdir = xasprintf("%s/" ADS_JOURNAL_DIR, dir);
	char *path = xasprintf("%s/%s", jdir, name);

	assert_int_equal(ads_mkdir_p(jdir, NULL), 0);
	assert_int_equal(
	        ads_write_file_atomic(path, text, strlen(text), 0600, NULL), 0);
	free(path);
	free(jdir);
}

static void test_write_lines(void **state)
{
	char *dir = tmpdir();
	struct ads_journal *j = NULL;
	struct ads_error err = ADS_ERROR_INIT;
	struct ads_buf data = ADS_BUF_INIT;
	const char *path, *base;
	struct stat st;
	json_t *rec;
	size_t lines = 0;

	(void)state;
	/* 2027-03-01T12:00:00Z */
	assert_int_equal(ads_journal_open(&j, dir, 1803902400, 4242, &err), 0);
	path = ads_journal_path(j);
	base = strrchr(path, '/') + 1;
	assert_string_equal(base, "20270301T120000Z-4242.jsonl");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	assert_int_equal(
	        ads_journal_write(j,
	                          json_pack("{s:s,s:s}", "event", "apply_start",
	                                    "name", "line\nbreak"),
	                          &err),
	        0);
	assert_int_equal(ads_journal_sync(j, &err), 0);
	assert_int_equal(ads_journal_write(j,
	                                   json_pack("{s:s,s:i}", "event",
	                                             "step", "step", 3),
	                                   &err),
	                 0);
	assert_false(ads_journal_failed(j));
	assert_int_equal(ads_read_file(&data, path, 0, NULL), 0);
	ads_journal_close(j);

	/* one object per line, each with a time; newlines stay escaped */
	for (char *line = data.buf, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_non_null(nl);
		rec = json_loadb(line, (size_t)(nl - line), 0, NULL);
		assert_true(json_is_object(rec));
		assert_non_null(json_object_get(rec, "time"));
		lines++;
		json_decref(rec);
	}
	assert_int_equal(lines, 2);
	assert_non_null(strstr(data.buf, "\"event\":\"apply_start\""));

	/* a second run in the same second with the same pid: a new file */
	assert_int_equal(ads_journal_open(&j, dir, 1803902400, 4242, &err), 0);
	assert_string_not_equal(strrchr(ads_journal_path(j), '/') + 1,
	                        "20270301T120000Z-4242.jsonl");
	ads_journal_close(j);

	ads_buf_release(&data);
	ads_error_release(&err);
	rmtree(dir);
	free(dir);
}

static void test_last_success(void **state)
{
	const char *a = "0123456789abcdef0123456789abcdef01234567";
	const char *b = "89abcdef0123456789abcdef0123456789abcdef";
	char *dir = tmpdir();
	struct ads_error err = ADS_ERROR_INIT;
	char commit[41];
	char *text;

	(void)state;
	/* no journal at all */
	assert_int_equal(ads_journal_last_success(commit, dir, &err),
	                 ADS_ENOTFOUND);
	ads_error_release(&err);

	text = xasprintf("{\"event\":\"apply_start\",\"commit\":\"%s\"}\n"
	                 "{\"event\":\"apply_end\",\"ok\":true,"
	                 "\"commit\":\"%s\"}\n",
	                 a, a);
	put(dir, "20270301T100000Z-1.jsonl", text);
	free(text);
	assert_int_equal(ads_journal_last_success(commit, dir, &err), 0);
	assert_string_equal(commit, a);

	/* a newer run that failed does not move the baseline; its broken
	 * last line (a crash mid-write) is skipped */
	text = xasprintf("{\"event\":\"apply_start\",\"commit\":\"%s\"}\n"
	                 "{\"event\":\"apply_end\",\"ok\":false,"
	                 "\"commit\":\"%s\"}\n{\"event\":\"ste",
	                 b, b);
	put(dir, "20270301T110000Z-2.jsonl", text);
	free(text);
	assert_int_equal(ads_journal_last_success(commit, dir, &err), 0);
	assert_string_equal(commit, a);

	/* a newer successful one does; one without a full commit does not */
	put(dir, "20270301T130000Z-4.jsonl",
	    "{\"event\":\"apply_end\",\"ok\":true,\"commit\":\"abc\"}\n");
	text = xasprintf("{\"event\":\"apply_end\",\"ok\":true,"
	                 "\"commit\":\"%s\"}\n",
	                 b);
	put(dir, "20270301T120000Z-3.jsonl", text);
	free(text);
	assert_int_equal(ads_journal_last_success(commit, dir, &err), 0);
	assert_string_equal(commit, b);

	ads_error_release(&err);
	rmtree(dir);
	free(dir);
}

static void test_unwritable(void **state)
{
	struct ads_journal *j = NULL;
	struct ads_error err = ADS_ERROR_INIT;

	(void)state;
	assert_int_equal(ads_journal_open(&j, "/proc/nonexistent", 0, 1, &err),
	                 ADS_EIO);
	assert_null(j);
	assert_non_null(err.msg);
	ads_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_lines),
		cmocka_unit_test(test_last_success),
		cmocka_unit_test(test_unwritable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
