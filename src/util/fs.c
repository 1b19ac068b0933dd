/* Local file helpers (see fs.h). */
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/xalloc.h"

int ads_read_file(struct ads_buf *out, const char *path, size_t max,
                  struct ads_error *err)
{
	size_t start = out->len;
	struct stat st;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ads_error_set(
		        err, errno == ENOENT ? ADS_ENOTFOUND : ADS_EIO,
		        "cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		ret = ads_error_set(err, ADS_EIO, "cannot read '%s': %s", path,
		                    S_ISDIR(st.st_mode) ? "is a directory"
		                                        : strerror(errno));
		goto out;
	}
	if (max && (size_t)st.st_size > max) {
		ret = ads_error_set(err, ADS_ETOOBIG,
		                    "'%s' is too large (%lld bytes, limit %zu)",
		                    path, (long long)st.st_size, max);
		goto out;
	}
	for (;;) {
		ssize_t n;

		ads_buf_grow(out, 65536);
		n = read(fd, out->buf + out->len, out->alloc - out->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = ads_error_set(err, ADS_EIO,
			                    "cannot read '%s': %s", path,
			                    strerror(errno));
			goto out;
		}
		if (!n)
			break;
		ads_buf_setlen(out, out->len + (size_t)n);
		if (max && out->len - start > max) {
			ret = ads_error_set(err, ADS_ETOOBIG,
			                    "'%s' is too large (limit %zu)",
			                    path, max);
			goto out;
		}
	}
out:
	if (ret < 0)
		ads_buf_setlen(out, start);
	close(fd);
	return ret;
}

int ads_write_file_atomic(const char *path, const void *data, size_t len,
                          mode_t mode, struct ads_error *err)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	const char *p = data;
	int fd, ret = 0;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		ret = ads_error_set(err, ADS_EIO, "cannot create '%s': %s", tmp,
		                    strerror(errno));
		goto out;
	}
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = ads_error_set(err, ADS_EIO,
			                    "cannot write '%s': %s", tmp,
			                    strerror(errno));
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (!ret && fsync(fd) < 0)
		ret = ads_error_set(err, ADS_EIO, "cannot sync '%s': %s", tmp,
		                    strerror(errno));
	close(fd);
	if (!ret && rename(tmp, path) < 0)
		ret = ads_error_set(err, ADS_EIO, "cannot rename to '%s': %s",
		                    path, strerror(errno));
	if (ret)
		unlink(tmp);
out:
	free(tmp);
	return ret;
}

int ads_mkdir_p(const char *dir, struct ads_error *err)
{
	char *p;
	int ret = 0;

	if (!*dir)
		return 0;
	p = xstrdup(dir);
	for (char *s = p + 1;; s++) {
		char c = *s;

		if (c != '/' && c)
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			ret = ads_error_set(err, ADS_EIO,
			                    "cannot create directory '%s': %s",
			                    p, strerror(errno));
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return ret;
}

bool ads_file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

char *ads_path_join(const char *dir, const char *rel)
{
	size_t n;

	if (!dir || !*dir || rel[0] == '/' || !strcmp(dir, "."))
		return xstrdup(rel);
	n = strlen(dir);
	return xasprintf("%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", rel);
}

char *ads_path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}
