/*
 * The apply journal (journal.h): JSON lines appended with one write(2)
 * each, fsync'd when apply asks, and the reader that finds the commit of
 * the last successful apply for `adsctl drift`.
 */
#include "apply/journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strutil.h"
#include "util/xalloc.h"

/* A journal of more than this is not read back (it would be a bug). */
#define JOURNAL_READ_MAX (256u << 20)

struct ads_journal {
	int fd;
	char *path;
	bool failed;
	bool dirty; /* written since the last sync */
};

static void stamp(char out[32], int64_t now)
{
	time_t t = (time_t)now;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y%m%dT%H%M%SZ", &tm);
}

/* fsync of the directory, so that the new file's name is durable too. */
static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int ads_journal_open(struct ads_journal **out, const char *project_dir,
                     int64_t now, long pid, struct ads_error *err)
{
	char *dir = ads_path_join(project_dir, ADS_JOURNAL_DIR);
	char when[32];
	char *path = NULL;
	int fd = -1, ret;

	ret = ads_mkdir_p(dir, err);
	if (ret)
		goto out;
	stamp(when, now);
	/* O_EXCL: two runs in one second with one pid (a pid namespace
	 * restarted) get distinct files rather than one interleaved. */
	for (unsigned n = 0; fd < 0 && n < 100; n++) {
		free(path);
		path = n ? xasprintf("%s/%s-%ld.%u.jsonl", dir, when, pid, n)
		         : xasprintf("%s/%s-%ld.jsonl", dir, when, pid);
		fd = open(path,
		          O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC,
		          0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		ret = ads_error_set(err, ADS_EIO,
		                    "cannot create the journal '%s': %s", path,
		                    strerror(errno));
		goto out;
	}
	sync_dir(dir);
	*out = xcalloc(1, sizeof(**out));
	(*out)->fd = fd;
	(*out)->path = path;
	path = NULL;
out:
	free(path);
	free(dir);
	return ret;
}

const char *ads_journal_path(const struct ads_journal *j)
{
	return j->path;
}

bool ads_journal_failed(const struct ads_journal *j)
{
	return j->failed;
}

static void add_time(json_t *record)
{
	struct timespec ts;
	struct tm tm;
	char buf[48];

	if (json_object_get(record, "time"))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	json_object_set_new(record, "time",
	                    json_sprintf("%s.%03dZ", buf,
	                                 (int)(ts.tv_nsec / 1000000) % 1000));
}

int ads_journal_write(struct ads_journal *j, json_t *record,
                      struct ads_error *err)
{
	char *line = NULL;
	size_t len, done = 0;
	int ret = 0;

	if (j->failed) {
		json_decref(record);
		return ads_error_set(err, ADS_EIO,
		                     "the journal '%s' cannot be written",
		                     j->path);
	}
	add_time(record);
	line = json_dumps(record, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(record);
	if (!line)
		return ads_error_set(err, ADS_ERROR,
		                     "cannot encode a journal record");
	len = strlen(line);
	line[len++] = '\n'; /* replaces the NUL: written by length */
	while (done < len) {
		ssize_t n = write(j->fd, line + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = ads_error_set(
			        err, ADS_EIO,
			        "cannot write the journal '%s': %s", j->path,
			        n < 0 ? strerror(errno) : "no space");
			break;
		}
		done += (size_t)n;
	}
	if (ret) {
		j->failed = true;
		/* A short write leaves half a line: cut it off again. */
		if (done) {
			off_t end = lseek(j->fd, 0, SEEK_END);

			if (end >= (off_t)done &&
			    ftruncate(j->fd, end - (off_t)done) < 0)
				(void)0; /* the reader skips a broken line */
		}
	}
	j->dirty = !ret || j->dirty;
	free(line);
	return ret;
}

int ads_journal_sync(struct ads_journal *j, struct ads_error *err)
{
	if (!j->dirty)
		return 0;
	if (fsync(j->fd) < 0) {
		j->failed = true;
		return ads_error_set(err, ADS_EIO,
		                     "cannot sync the journal '%s': %s",
		                     j->path, strerror(errno));
	}
	j->dirty = false;
	return 0;
}

void ads_journal_close(struct ads_journal *j)
{
	if (!j)
		return;
	ads_journal_sync(j, NULL);
	close(j->fd);
	free(j->path);
	free(j);
}

/* --- reading ---------------------------------------------------------- */

struct jfile {
	char *name;
	struct timespec mtime;
};

static int cmp_jfile(const void *a, const void *b)
{
	const struct jfile *x = a, *y = b;
	int c = strcmp(y->name, x->name); /* newest (largest) first */

	if (c)
		return c;
	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? 1 : -1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? 1 : -1;
	return 0;
}

static bool is_hex_commit(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!strchr("0123456789abcdef", s[n]))
			return false;
	return n == 40;
}

/* Scans the lines of data from the last; true when out was found. */
static bool scan_backwards(char out[41], struct ads_buf *data)
{
	size_t end = data->len;

	while (end > 0) {
		size_t start = end;
		json_t *rec;
		bool found = false;

		while (start > 0 && data->buf[start - 1] != '\n')
			start--;
		rec = json_loadb(data->buf + start, end - start, 0, NULL);
		if (json_is_object(rec)) {
			const char *ev = ads_json_str(rec, "event");
			const char *commit = ads_json_str(rec, "commit");

			/* an apply with --target made only part of the
			 * project at that commit */
			if (ev && !strcmp(ev, "apply_end") &&
			    json_is_true(json_object_get(rec, "ok")) &&
			    !json_is_string(json_object_get(rec, "target")) &&
			    commit && is_hex_commit(commit)) {
				memcpy(out, commit, 41);
				found = true;
			}
		}
		json_decref(rec);
		if (found)
			return true;
		end = start ? start - 1 : 0;
	}
	return false;
}

/* The journal files of dir, newest first; ADS_ENOTFOUND without dir. */
static int list_journals(struct jfile **out, size_t *nout, const char *dir,
                         struct ads_error *err)
{
	struct jfile *files = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d) {
		if (errno == ENOENT)
			return ads_error_set(err, ADS_ENOTFOUND,
			                     "no apply was recorded in '%s'",
			                     dir);
		return ads_error_set(err, ADS_EIO, "cannot read '%s': %s", dir,
		                     strerror(errno));
	}
	while ((de = readdir(d))) {
		struct stat st;
		char *path;

		if (!ads_ends_with(de->d_name, ".jsonl") ||
		    de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			ADS_ALLOC_GROW(files, n + 1, alloc);
			files[n].name = xstrdup(de->d_name);
			files[n].mtime = st.st_mtim;
			n++;
		}
		free(path);
	}
	closedir(d);
	qsort(files, n, sizeof(*files), cmp_jfile);
	*out = files;
	*nout = n;
	return 0;
}

static void free_journals(struct jfile *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(files[i].name);
	free(files);
}

int ads_journal_lock(int *fd, const char *project_dir, struct ads_error *err)
{
	char *dir = ads_path_join(project_dir, ".adsctl");
	char *path = ads_path_join(dir, "apply.lock");
	int f, ret;

	ret = ads_mkdir_p(dir, err);
	if (ret)
		goto out;
	f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (f < 0) {
		ret = ads_error_set(err, ADS_EIO, "cannot open '%s': %s", path,
		                    strerror(errno));
		goto out;
	}
	if (flock(f, LOCK_EX | LOCK_NB) < 0) {
		ret = ads_error_set(
		        err, errno == EWOULDBLOCK ? ADS_ECONFLICT : ADS_EIO,
		        errno == EWOULDBLOCK
		                ? "another adsctl apply is running on '%s' "
		                  "(it holds %s); wait for it to finish"
		                : "cannot lock '%s' (%s)",
		        project_dir, path);
		close(f);
		goto out;
	}
	*fd = f;
out:
	free(path);
	free(dir);
	return ret;
}

void ads_journal_run_release(struct ads_journal_run *r)
{
	free(r->path);
	memset(r, 0, sizeof(*r));
}

int ads_journal_last_run(struct ads_journal_run *out, const char *project_dir,
                         struct ads_error *err)
{
	char *dir = ads_path_join(project_dir, ADS_JOURNAL_DIR);
	struct ads_buf data = ADS_BUF_INIT;
	struct jfile *files = NULL;
	size_t n = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = list_journals(&files, &n, dir, NULL);
	if (ret == ADS_ENOTFOUND || (!ret && !n)) {
		ret = 0;
		goto out;
	}
	if (ret) {
		ret = ads_error_set(err, ret, "cannot read '%s'", dir);
		goto out;
	}
	out->found = true;
	out->path = xasprintf("%s/%s", dir, files[0].name);
	out->mtime_ms = (int64_t)files[0].mtime.tv_sec * 1000 +
	                files[0].mtime.tv_nsec / 1000000;
	if (ads_read_file(&data, out->path, JOURNAL_READ_MAX, NULL))
		goto out;
	for (char *line = data.buf, *nl; line < data.buf + data.len;
	     line = nl + 1) {
		json_t *rec;
		const char *ev;
		int64_t pid;

		nl = strchr(line, '\n');
		if (!nl)
			nl = data.buf + data.len;
		*nl = '\0'; /* the buffer is ours: one line, a string */
		/* only apply_start and apply_end matter: a 10,000-ad run
		 * journals megabytes of steps, not worth decoding (plan
		 * reads this too) */
		if (!strstr(line, "\"apply_"))
			continue;
		rec = json_loadb(line, (size_t)(nl - line), 0, NULL);
		ev = ads_json_str(rec, "event");
		if (ev && !strcmp(ev, "apply_start") &&
		    ads_json_as_int64(json_object_get(rec, "pid"), &pid))
			out->pid = (long)pid;
		if (ev && !strcmp(ev, "apply_end")) {
			json_int_t unknown = json_integer_value(
			        json_object_get(rec, "unknown"));

			out->finished = true;
			out->unsettled = json_is_true(json_object_get(
			                         rec, "interrupted")) ||
			                 unknown > 0;
		}
		json_decref(rec);
	}
out:
	ads_buf_release(&data);
	free_journals(files, n);
	free(dir);
	return ret;
}

int ads_journal_last_success(char out[41], const char *project_dir,
                             struct ads_error *err)
{
	char *dir = ads_path_join(project_dir, ADS_JOURNAL_DIR);
	struct jfile *files = NULL;
	size_t n = 0;
	int ret;

	ret = list_journals(&files, &n, dir, err);
	if (ret) {
		free(dir);
		return ret;
	}
	ret = ADS_ENOTFOUND;
	for (size_t i = 0; i < n && ret == ADS_ENOTFOUND; i++) {
		struct ads_buf data = ADS_BUF_INIT;
		char *path = xasprintf("%s/%s", dir, files[i].name);

		if (!ads_read_file(&data, path, JOURNAL_READ_MAX, NULL) &&
		    scan_backwards(out, &data))
			ret = 0;
		ads_buf_release(&data);
		free(path);
	}
	if (ret)
		ads_error_set(err, ADS_ENOTFOUND,
		              "no successful apply is recorded in '%s'", dir);
	free_journals(files, n);
	free(dir);
	return ret;
}
