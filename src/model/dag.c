/*
 * Topological order of the resources (Kahn's algorithm with a heap, so the
 * order depends only on the graph, kinds and addresses: never on file or
 * hash-table order), cycle reports, and dependency closures for --target.
 */
#include "model/dag.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

static int cmp_res(const struct ads_resource *a, const struct ads_resource *b)
{
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return strcmp(a->address, b->address);
}

struct heap {
	struct ads_resource **v;
	size_t nr;
};

static void heap_push(struct heap *h, struct ads_resource *r)
{
	size_t i = h->nr++;

	while (i) {
		size_t parent = (i - 1) / 2;

		if (cmp_res(h->v[parent], r) <= 0)
			break;
		h->v[i] = h->v[parent];
		i = parent;
	}
	h->v[i] = r;
}

static struct ads_resource *heap_pop(struct heap *h)
{
	struct ads_resource *top = h->v[0], *last = h->v[--h->nr];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->nr)
			break;
		if (c + 1 < h->nr && cmp_res(h->v[c + 1], h->v[c]) < 0)
			c++;
		if (cmp_res(last, h->v[c]) <= 0)
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->nr)
		h->v[i] = last;
	return top;
}

/* The reference of r that points at target, if the edge is a reference. */
static const struct ads_ref *edge_ref(const struct ads_resource *r,
                                      const struct ads_resource *target)
{
	for (size_t i = 0; i < r->nrefs; i++)
		if (r->refs[i].target == target)
			return &r->refs[i];
	return NULL;
}

/*
 * Reports the cycle cyc[0] -> cyc[1] -> ... -> cyc[n-1] -> cyc[0] once,
 * starting from its smallest member that holds a reference edge, at that
 * reference's location.
 */
static void report_cycle(struct ads_resource **cyc, size_t n,
                         struct ads_diags *diags)
{
	size_t start = n;
	const struct ads_ref *ref = NULL;
	struct ads_buf path = ADS_BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		const struct ads_ref *e = edge_ref(cyc[i], cyc[(i + 1) % n]);

		if (e && (start == n ||
		          strcmp(cyc[i]->address, cyc[start]->address) < 0)) {
			start = i;
			ref = e;
		}
	}
	if (start == n)
		start = 0;
	for (size_t k = 0; k <= n; k++)
		ads_buf_addf(&path, "%s%s", k ? " -> " : "",
		             cyc[(start + k) % n]->address);
	ads_diags_add(diags, ADS_SEV_ERROR, ref ? &ref->loc : &cyc[start]->loc,
	              "ref.cycle", NULL, "reference cycle: %s", path.buf);
	ads_buf_release(&path);
}

/*
 * After Kahn's algorithm, every resource left has a dependency left, so
 * following such dependencies from any of them must come back to a
 * resource already on the walk: a cycle. Walks visit each resource once.
 */
static size_t find_cycles(struct ads_resource *const *all, size_t n,
                          const size_t *indeg, struct ads_diags *diags)
{
	struct ads_resource **walk = xcalloc(n, sizeof(*walk));
	size_t *state = xcalloc(n, sizeof(*state)); /* 0 new, else walk+1 */
	size_t ncycles = 0, nwalk = 0, walk_id = 0;
	struct ads_resource **left = xcalloc(n, sizeof(*left));
	size_t nleft = 0;

	for (size_t i = 0; i < n; i++)
		if (indeg[i])
			left[nleft++] = all[i];
	/* deterministic: start from the smallest address */
	for (size_t i = 1; i < nleft; i++)
		for (size_t j = i; j && cmp_res(left[j], left[j - 1]) < 0;
		     j--) {
			struct ads_resource *t = left[j];

			left[j] = left[j - 1];
			left[j - 1] = t;
		}
	for (size_t s = 0; s < nleft; s++) {
		struct ads_resource *r = left[s];

		if (state[r->index])
			continue;
		walk_id++;
		nwalk = 0;
		for (;;) {
			struct ads_resource *next = NULL;

			state[r->index] = walk_id;
			walk[nwalk++] = r;
			for (size_t d = 0; d < r->ndeps; d++) {
				struct ads_resource *dep = r->deps[d];

				if (indeg[dep->index] &&
				    (!next || cmp_res(dep, next) < 0))
					next = dep;
			}
			r = next;
			if (!r || state[r->index])
				break;
		}
		if (r && state[r->index] == walk_id) {
			size_t k = 0;

			while (walk[k] != r)
				k++;
			report_cycle(walk + k, nwalk - k, diags);
			ncycles++;
		}
	}
	free(left);
	free(walk);
	free(state);
	return ncycles;
}

size_t ads_dag_sort(struct ads_resource **order,
                    struct ads_resource *const *all, size_t n,
                    struct ads_diags *diags)
{
	size_t *indeg = xcalloc(n ? n : 1, sizeof(*indeg));
	struct heap h = { xcalloc(n ? n : 1, sizeof(*h.v)), 0 };
	size_t done = 0, ncycles = 0;

	/* index doubles as the position in all[] until the order is known */
	for (size_t i = 0; i < n; i++) {
		all[i]->index = i;
		indeg[i] = all[i]->ndeps;
		if (!indeg[i])
			heap_push(&h, all[i]);
	}
	while (h.nr) {
		struct ads_resource *r = heap_pop(&h);

		order[done++] = r;
		for (size_t i = 0; i < r->nrdeps; i++)
			if (!--indeg[r->rdeps[i]->index])
				heap_push(&h, r->rdeps[i]);
	}
	if (done < n)
		ncycles = find_cycles(all, n, indeg, diags);
	else
		for (size_t i = 0; i < n; i++)
			order[i]->index = i;
	free(indeg);
	free(h.v);
	return ncycles;
}

void ads_dag_closure(bool *mark, const struct ads_model *m,
                     struct ads_resource *const *roots, size_t nroots)
{
	struct ads_resource **stack =
	        xcalloc(m->nr ? m->nr : 1, sizeof(*stack));
	bool *seen_child = xcalloc(m->nr ? m->nr : 1, sizeof(*seen_child));
	size_t sp = 0;

	/* the roots and their descendants */
	for (size_t i = 0; i < nroots; i++) {
		if (seen_child[roots[i]->index])
			continue;
		seen_child[roots[i]->index] = true;
		stack[sp++] = roots[i];
		while (sp) {
			struct ads_resource *r = stack[--sp];

			mark[r->index] = true;
			for (size_t c = 0; c < r->nchildren; c++) {
				if (seen_child[r->children[c]->index])
					continue;
				seen_child[r->children[c]->index] = true;
				stack[sp++] = r->children[c];
			}
		}
	}
	/* then everything the marked resources depend on */
	for (size_t i = m->nr; i-- > 0;) {
		struct ads_resource *r = m->order[i];

		if (!mark[i])
			continue;
		for (size_t d = 0; d < r->ndeps; d++)
			mark[r->deps[d]->index] = true;
	}
	free(stack);
	free(seen_child);
}
