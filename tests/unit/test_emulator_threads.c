/*
 * Concurrency tests for src/emulator/: libmicrohttpd serves each
 * connection on its own thread, so reads (?ids=, listings, batches) run
 * side by side, and next to writes. Every answer must hold every object
 * asked for, whatever the other threads do. Also built and run under
 * ThreadSanitizer (docs/emulator.md, "Design").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/emulator.h"
#include "util/buf.h"
#include "util/map.h"
#include "util/xalloc.h"

#define TOKEN   "thread-test-token"
#define NOBJ    2500 /* campaigns created before the readers start */
#define CHUNK   50 /* ids per ?ids= read, as the graph client asks */
#define READERS 4
#define ROUNDS  4 /* each reader reads every object this many times */

struct client {
	CURL *curl;
	struct ads_buf body;
	const char *base;
};

static size_t sink(char *p, size_t s, size_t n, void *ud)
{
	ads_buf_add(ud, p, s * n);
	return s * n;
}

static void client_init(struct client *c, const char *base)
{
	c->curl = curl_easy_init();
	ads_buf_init(&c->body);
	c->base = base;
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &c->body);
}

static void client_release(struct client *c)
{
	curl_easy_cleanup(c->curl);
	ads_buf_release(&c->body);
}

/* A request to url (absolute); post is an urlencoded body or NULL. Returns
 * the parsed JSON answer (or NULL) and the HTTP status in *status. */
static json_t *request(struct client *c, const char *url, const char *post,
                       long *status)
{
	*status = 0;
	ads_buf_reset(&c->body);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	if (post) {
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, post);
	} else {
		curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
	}
	if (curl_easy_perform(c->curl) != CURLE_OK)
		return NULL;
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
	return json_loadb(c->body.buf ? c->body.buf : "", c->body.len, 0, NULL);
}

static json_t *get(struct client *c, const char *path_query, long *status)
{
	char *url =
	        xasprintf("%s/v25.0/%s%saccess_token=%s", c->base, path_query,
	                  strchr(path_query, '?') ? "&" : "?", TOKEN);
	json_t *j = request(c, url, NULL, status);

	free(url);
	return j;
}

/* POSTs a batch (a JSON array of items) and returns the answer. */
static json_t *batch(struct client *c, json_t *items, long *status)
{
	char *text = json_dumps(items, JSON_COMPACT);
	char *enc = curl_easy_escape(c->curl, text, 0);
	char *body = xasprintf("access_token=%s&batch=%s", TOKEN, enc);
	char *url = xasprintf("%s/v25.0/", c->base);
	json_t *j = request(c, url, body, status);

	free(url);
	free(body);
	curl_free(enc);
	free(text);
	return j;
}

static json_t *create_item(int i)
{
	char *body =
	        xasprintf("name=C%05d&objective=OUTCOME_SALES&status=PAUSED&"
	                  "special_ad_categories=%%5B%%5D&daily_budget=%d",
	                  i, 1000 + i);
	json_t *item =
	        json_pack("{s:s,s:s,s:s}", "method", "POST", "relative_url",
	                  "act_1/campaigns", "body", body);

	free(body);
	return item;
}

/* Creates n campaigns through batches; appends their ids to ids. */
static int create_campaigns(struct client *c, int first, int n,
                            struct ads_strvec *ids)
{
	for (int done = 0; done < n;) {
		json_t *items = json_array(), *ans, *it;
		int k = n - done < CHUNK ? n - done : CHUNK;
		long status;
		size_t i;

		for (int j = 0; j < k; j++)
			json_array_append_new(items,
			                      create_item(first + done + j));
		ans = batch(c, items, &status);
		json_decref(items);
		if (status != 200 || !json_is_array(ans)) {
			json_decref(ans);
			return -1;
		}
		json_array_foreach(ans, i, it) {
			json_t *b = json_loads(
			        json_string_value(json_object_get(it, "body")),
			        0, NULL);
			const char *id =
			        json_string_value(json_object_get(b, "id"));

			if (id)
				ads_strvec_push(ids, id);
			json_decref(b);
		}
		json_decref(ans);
		done += k;
	}
	return 0;
}

/* --- the readers ------------------------------------------------------ */

struct reader {
	pthread_t th;
	const char *base;
	const struct ads_strvec *ids; /* objects that must be answered */
	int rounds;
	atomic_int *stop; /* for readers that run until the writer ends */
	/* results */
	size_t asked, missing, extra, failed;
	char first_problem[256];
};

static void problem(struct reader *r, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void problem(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->first_problem[0])
		return;
	va_start(ap, fmt);
	vsnprintf(r->first_problem, sizeof(r->first_problem), fmt, ap);
	va_end(ap);
}

/* Checks one ?ids= answer for ids[from, from+n): every id, nothing else. */
static void check_ids_answer(struct reader *r, json_t *ans, long status,
                             size_t from, size_t n)
{
	const char *key;
	json_t *o;

	r->asked += n;
	if (status != 200 || !json_is_object(ans)) {
		r->failed++;
		problem(r, "ids= read: HTTP %ld", status);
		return;
	}
	for (size_t i = from; i < from + n; i++) {
		const char *id;

		o = json_object_get(ans, r->ids->v[i]);
		id = json_string_value(json_object_get(o, "id"));

		if (!id || strcmp(id, r->ids->v[i])) {
			r->missing++;
			problem(r, "ids= read: %s missing", r->ids->v[i]);
		}
	}
	json_object_foreach(ans, key, o) {
		size_t i;

		for (i = from; i < from + n; i++)
			if (!strcmp(key, r->ids->v[i]))
				break;
		if (i == from + n) {
			r->extra++;
			problem(r, "ids= read: %s not asked for", key);
		}
	}
}

/* How many of r's ids a chunk starting at from holds. */
static size_t chunk_len(const struct reader *r, size_t from)
{
	return r->ids->nr - from < CHUNK ? r->ids->nr - from : CHUNK;
}

static char *ids_query(const struct reader *r, size_t from, size_t n)
{
	struct ads_buf q = ADS_BUF_INIT;

	ads_buf_addstr(&q, "?fields=id,name,status,updated_time&ids=");
	for (size_t i = from; i < from + n; i++)
		ads_buf_addf(&q, "%s%s", i > from ? "," : "", r->ids->v[i]);
	return ads_buf_detach(&q, NULL);
}

/*
 * Reads every object as the graph client does: ?ids= calls of 50 ids,
 * 50 such calls packed in each batch request; every other round plain
 * ?ids= requests.
 */
static void *ids_reader(void *arg)
{
	struct reader *r = arg;
	struct client c;

	client_init(&c, r->base);
	for (int round = 0;
	     round < r->rounds || (r->stop && !atomic_load(r->stop)); round++) {
		for (size_t i = 0; i < r->ids->nr && round % 2; i += CHUNK) {
			size_t n = chunk_len(r, i);
			char *q = ids_query(r, i, n);
			long status;
			json_t *ans = get(&c, q, &status);

			check_ids_answer(r, ans, status, i, n);
			json_decref(ans);
			free(q);
		}
		for (size_t i = 0; i < r->ids->nr && !(round % 2);
		     i += CHUNK * CHUNK) {
			json_t *items = json_array(), *ans;
			size_t calls = 0;
			long status;

			for (size_t j = i; j < r->ids->nr && calls < CHUNK;
			     j += CHUNK, calls++) {
				size_t n = chunk_len(r, j);
				char *q = ids_query(r, j, n);

				json_array_append_new(
				        items,
				        json_pack("{s:s,s:s}", "method", "GET",
				                  "relative_url", q));
				free(q);
			}
			ans = batch(&c, items, &status);
			json_decref(items);
			for (size_t k = 0; k < calls; k++) {
				size_t j = i + k * CHUNK;
				size_t n = chunk_len(r, j);
				json_t *it = json_array_get(ans, k);
				json_t *b = json_loads(
				        json_string_value(
				                json_object_get(it, "body")),
				        0, NULL);

				check_ids_answer(
				        r, b,
				        status == 200
				                ? (long)json_integer_value(
				                          json_object_get(
				                                  it, "code"))
				                : status,
				        j, n);
				json_decref(b);
			}
			json_decref(ans);
		}
	}
	client_release(&c);
	return NULL;
}

/* Lists act_1/campaigns page by page: every object of r->ids must be seen
 * (objects created meanwhile may be too: listings are newest first). */
static void *list_reader(void *arg)
{
	struct reader *r = arg;
	struct client c;

	client_init(&c, r->base);
	for (int round = 0;
	     round < r->rounds || (r->stop && !atomic_load(r->stop)); round++) {
		struct ads_map seen = ADS_MAP_INIT;
		json_t *ans;
		long status;

		ans = get(&c, "act_1/campaigns?limit=100&fields=id,name,status",
		          &status);
		for (;;) {
			json_t *data = json_object_get(ans, "data"), *o;
			const char *next;
			size_t i;

			if (status != 200 || !json_is_array(data)) {
				r->failed++;
				problem(r, "listing: HTTP %ld", status);
				break;
			}
			json_array_foreach(data, i, o) {
				const char *id = json_string_value(
				        json_object_get(o, "id"));

				if (id)
					ads_map_put(&seen, id, r);
			}
			next = json_string_value(json_object_get(
			        json_object_get(ans, "paging"), "next"));
			if (!next)
				break;
			{
				char *url = xstrdup(next);

				json_decref(ans);
				ans = request(&c, url, NULL, &status);
				free(url);
			}
		}
		json_decref(ans);
		for (size_t i = 0; i < r->ids->nr; i++) {
			r->asked++;
			if (!ads_map_has(&seen, r->ids->v[i])) {
				r->missing++;
				problem(r, "listing: %s missing", r->ids->v[i]);
			}
		}
		ads_map_release(&seen, NULL);
	}
	client_release(&c);
	return NULL;
}

/* Reads objects through batches of 50 GET items. */
static void *batch_reader(void *arg)
{
	struct reader *r = arg;
	struct client c;

	client_init(&c, r->base);
	for (int round = 0;
	     round < r->rounds || (r->stop && !atomic_load(r->stop)); round++)
		for (size_t from = 0; from < r->ids->nr; from += CHUNK) {
			size_t n = chunk_len(r, from);
			json_t *items = json_array(), *ans;
			long status;

			for (size_t i = from; i < from + n; i++) {
				char *u = xasprintf("%s?fields=id,name",
				                    r->ids->v[i]);

				json_array_append_new(
				        items,
				        json_pack("{s:s,s:s}", "method", "GET",
				                  "relative_url", u));
				free(u);
			}
			ans = batch(&c, items, &status);
			json_decref(items);
			r->asked += n;
			if (status != 200 || json_array_size(ans) != n) {
				r->failed++;
				problem(r, "batch read: HTTP %ld", status);
				json_decref(ans);
				continue;
			}
			for (size_t i = 0; i < n; i++) {
				json_t *it = json_array_get(ans, i);
				json_t *b = json_loads(
				        json_string_value(
				                json_object_get(it, "body")),
				        0, NULL);
				const char *id = json_string_value(
				        json_object_get(b, "id"));

				if (!id || strcmp(id, r->ids->v[from + i])) {
					r->missing++;
					problem(r, "batch read: %s missing",
					        r->ids->v[from + i]);
				}
				json_decref(b);
			}
			json_decref(ans);
		}
	client_release(&c);
	return NULL;
}

/* --- the writer ------------------------------------------------------- */

struct writer {
	pthread_t th;
	const char *base;
	const struct ads_strvec *ids; /* existing campaigns to rename */
	int batches;
	atomic_int *stop;
	size_t failed;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct client c;
	struct ads_strvec created = ADS_STRVEC_INIT;

	client_init(&c, w->base);
	for (int b = 0; b < w->batches; b++) {
		json_t *items = json_array(), *ans;
		long status;

		/* creates, updates and an async set in one batch */
		for (int j = 0; j < 24; j++)
			json_array_append_new(items,
			                      create_item(100000 + b * 25 + j));
		for (int j = 0; j < 24; j++) {
			const char *id =
			        w->ids->v[(size_t)(b * 24 + j) % w->ids->nr];
			char *body = xasprintf("name=renamed-%d-%d", b, j);

			json_array_append_new(
			        items,
			        json_pack("{s:s,s:s,s:s}", "method", "POST",
			                  "relative_url", id, "body", body));
			free(body);
		}
		{
			char *body = xasprintf(
			        "name=set-%d&adbatch=%%5B%%7B%%22relative_url%%22%%"
			        "3A%%22act_1%%2Fadlabels%%22%%2C%%22body%%22%%3A%%"
			        "22name%%3Dlabel-%d%%22%%7D%%5D",
			        b, b);

			json_array_append_new(
			        items, json_pack("{s:s,s:s,s:s}", "method",
			                         "POST", "relative_url",
			                         "act_1/async_batch_requests",
			                         "body", body));
			free(body);
		}
		ans = batch(&c, items, &status);
		if (status != 200 || json_array_size(ans) != 49)
			w->failed++;
		for (size_t i = 0; i < json_array_size(ans); i++)
			if (json_integer_value(json_object_get(
			            json_array_get(ans, i), "code")) != 200)
				w->failed++;
		json_decref(items);
		json_decref(ans);
	}
	/* a few more created one request at a time */
	if (create_campaigns(&c, 200000, 30, &created))
		w->failed++;
	atomic_store(w->stop, 1);
	ads_strvec_release(&created);
	client_release(&c);
	return NULL;
}

/* The admin endpoints, side by side with Graph calls. */
static void *admin_main(void *arg)
{
	struct writer *w = arg;
	struct client c;
	static const char *const gets[] = { "stats", "state", "clock" };
	static const char *const posts[][2] = {
		{ "async/tick", "{}" },
		{ "config", "{\"latency_ms\": 0}" },
		{ "clock", "{\"advance\": 0}" },
	};

	client_init(&c, w->base);
	for (int i = 0; !atomic_load(w->stop); i++) {
		char *url;
		json_t *ans;
		long status;

		if (i % 2)
			url = xasprintf("%s/_emulator/%s", w->base,
			                gets[(i / 2) % 3]);
		else
			url = xasprintf("%s/_emulator/%s", w->base,
			                posts[(i / 2) % 3][0]);
		ans = request(&c, url, i % 2 ? NULL : posts[(i / 2) % 3][1],
		              &status);
		if (status != 200)
			w->failed++;
		json_decref(ans);
		free(url);
	}
	client_release(&c);
	return NULL;
}

/* --- the tests -------------------------------------------------------- */

struct fixture {
	struct ads_emulator *emu;
	struct ads_emulator_config cfg;
	struct ads_strvec ids;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct ads_error err = ADS_ERROR_INIT;
	struct client c;

	ads_emulator_config_init(&f->cfg);
	f->cfg.env_token = xstrdup(TOKEN);
	/* no throttling: these tests make tens of thousands of calls */
	for (int k = 0; k < ADS_EMU_BUC_NKINDS; k++)
		f->cfg.rt.buc_budget[k] = 0;
	f->cfg.rt.app_budget = 0;
	if (ads_emulator_start(&f->emu, &f->cfg, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		ads_error_release(&err);
		return -1;
	}
	client_init(&c, ads_emulator_url(f->emu));
	if (create_campaigns(&c, 0, NOBJ, &f->ids) ||
	    f->ids.nr != (size_t)NOBJ) {
		client_release(&c);
		return -1;
	}
	client_release(&c);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ads_emulator_free(f->emu);
	ads_emulator_config_release(&f->cfg);
	ads_strvec_release(&f->ids);
	free(f);
	return 0;
}

static void report(const struct reader *r, const char *what)
{
	if (r->missing || r->extra || r->failed)
		fprintf(stderr,
		        "%s: %zu of %zu objects missing, %zu extra, %zu failed "
		        "requests (first: %s)\n",
		        what, r->missing, r->asked, r->extra, r->failed,
		        r->first_problem);
}

/* The graph client's way of reading 10,000 ads: ?ids= in chunks of 50,
 * several connections at once. */
static void test_concurrent_ids(void **state)
{
	struct fixture *f = *state;
	struct reader r[READERS];

	memset(r, 0, sizeof(r));
	for (int i = 0; i < READERS; i++) {
		r[i].base = ads_emulator_url(f->emu);
		r[i].ids = &f->ids;
		r[i].rounds = ROUNDS;
		assert_int_equal(
		        pthread_create(&r[i].th, NULL, ids_reader, &r[i]), 0);
	}
	for (int i = 0; i < READERS; i++) {
		pthread_join(r[i].th, NULL);
		report(&r[i], "ids= reader");
	}
	for (int i = 0; i < READERS; i++) {
		assert_int_equal(r[i].asked, (size_t)NOBJ * ROUNDS);
		assert_int_equal(r[i].missing, 0);
		assert_int_equal(r[i].extra, 0);
		assert_int_equal(r[i].failed, 0);
	}
}

/* Listings, batches and ?ids= reads while a writer creates and renames
 * (and queues async sets for the worker) and admin requests come in. */
static void test_reads_during_writes(void **state)
{
	struct fixture *f = *state;
	struct reader r[3];
	struct writer w, admin;
	atomic_int stop = 0;
	void *(*fn[3])(void *) = { list_reader, batch_reader, ids_reader };
	static const char *const names[3] = { "listing reader", "batch reader",
		                              "ids= reader" };

	memset(r, 0, sizeof(r));
	memset(&w, 0, sizeof(w));
	memset(&admin, 0, sizeof(admin));
	for (int i = 0; i < 3; i++) {
		r[i].base = ads_emulator_url(f->emu);
		r[i].ids = &f->ids;
		r[i].rounds = 1;
		r[i].stop = &stop;
		assert_int_equal(pthread_create(&r[i].th, NULL, fn[i], &r[i]),
		                 0);
	}
	w.base = ads_emulator_url(f->emu);
	w.ids = &f->ids;
	w.batches = 20;
	w.stop = &stop;
	assert_int_equal(pthread_create(&w.th, NULL, writer_main, &w), 0);
	admin.base = w.base;
	admin.stop = &stop;
	assert_int_equal(pthread_create(&admin.th, NULL, admin_main, &admin),
	                 0);
	pthread_join(w.th, NULL);
	pthread_join(admin.th, NULL);
	for (int i = 0; i < 3; i++) {
		pthread_join(r[i].th, NULL);
		report(&r[i], names[i]);
	}
	assert_int_equal(w.failed, 0);
	assert_int_equal(admin.failed, 0);
	for (int i = 0; i < 3; i++) {
		assert_true(r[i].asked >= (size_t)NOBJ);
		assert_int_equal(r[i].missing, 0);
		assert_int_equal(r[i].extra, 0);
		assert_int_equal(r[i].failed, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_ids),
		cmocka_unit_test(test_reads_during_writes),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	return rc;
}
