/* conv.c: bounded conversation/endpoint tables and their text (tshark 4.0 ui/cli/tap-iousers.c layout). */
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "report/conv.h"
#include "report/oui.h"

#define CONV_MIN_ROWS 64u

struct conv_table {
	enum conv_kind kind;
	uint32_t cap;             /* most rows ever held */
	struct conv_rec *rows;    /* owned; `n` used of `rows_cap` */
	uint32_t n, rows_cap;
	uint32_t *index;          /* owned; open addressing, row + 1 (0 empty); `index_size` a power of two */
	uint32_t index_size;
	const struct conv_rec **sorted; /* owned; scratch for conv_table_sorted */
	struct hash_key key;
	uint64_t dropped_frames, dropped_rows;
};

int conv_table_new(struct conv_table **out, enum conv_kind kind, uint32_t cap, struct errbuf *e)
{
	struct conv_table *t = calloc(1, sizeof *t);
	if (!t)
		return err_set(e, ERR_NOMEM, "conversation table: out of memory");
	t->kind = kind;
	t->cap = cap ? cap : 1;
	hash_key_random(&t->key);
	*out = t;
	return 0;
}

void conv_table_free(struct conv_table *t)
{
	if (!t)
		return;
	free(t->rows);
	free(t->index);
	free(t->sorted);
	free(t);
}

size_t conv_table_count(const struct conv_table *t) { return t->n; }
uint64_t conv_table_dropped_frames(const struct conv_table *t) { return t->dropped_frames; }
uint64_t conv_table_dropped_rows(const struct conv_table *t) { return t->dropped_rows; }

/* The key is symmetric: endpoints in a canonical order, so both directions find one row. */
struct conv_hkey {
	uint8_t alen, pad[3];
	uint16_t p1, p2;
	uint8_t a1[16], a2[16];
	int64_t id;
};

static int conv_endpoint_cmp(const uint8_t *a, uint16_t pa, const uint8_t *b, uint16_t pb, uint8_t alen)
{
	int c = memcmp(a, b, alen);
	if (c)
		return c;
	return (int)pa - (int)pb;
}

static uint64_t conv_hash(const struct conv_table *t, const uint8_t *a, uint16_t pa, const uint8_t *b, uint16_t pb,
			  uint8_t alen, int64_t id)
{
	struct conv_hkey k;
	memset(&k, 0, sizeof k);
	k.alen = alen;
	k.id = id;
	if (conv_endpoint_cmp(a, pa, b, pb, alen) <= 0) {
		memcpy(k.a1, a, alen), memcpy(k.a2, b, alen), k.p1 = pa, k.p2 = pb;
	} else {
		memcpy(k.a1, b, alen), memcpy(k.a2, a, alen), k.p1 = pb, k.p2 = pa;
	}
	return hash_siphash13(&t->key, &k, sizeof k);
}

/* 1: same direction as the row, 2: reverse, 0: another row. */
static int conv_match(const struct conv_rec *r, const uint8_t *a, uint16_t pa, const uint8_t *b, uint16_t pb,
		      uint8_t alen, int64_t id)
{
	if (r->alen != alen || r->id != id)
		return 0;
	if (r->pa == pa && r->pb == pb && !memcmp(r->a, a, alen) && !memcmp(r->b, b, alen))
		return 1;
	if (r->pa == pb && r->pb == pa && !memcmp(r->a, b, alen) && !memcmp(r->b, a, alen))
		return 2;
	return 0;
}

static int conv_index_rebuild(struct conv_table *t, uint32_t size)
{
	uint32_t *ix = calloc(size, sizeof *ix);
	if (!ix)
		return -1;
	for (uint32_t i = 0; i < t->n; i++) {
		const struct conv_rec *r = &t->rows[i];
		uint32_t h = (uint32_t)conv_hash(t, r->a, r->pa, r->b, r->pb, r->alen, r->id) & (size - 1);
		while (ix[h])
			h = (h + 1) & (size - 1);
		ix[h] = i + 1;
	}
	free(t->index);
	t->index = ix;
	t->index_size = size;
	return 0;
}

/* Makes room for one more row; -1 at the cap or out of memory. */
static int conv_grow(struct conv_table *t)
{
	if (t->n >= t->cap)
		return -1;
	if (t->n == t->rows_cap) {
		uint32_t nc = t->rows_cap ? t->rows_cap * 2 : CONV_MIN_ROWS;
		if (nc > t->cap)
			nc = t->cap;
		struct conv_rec *nr = realloc(t->rows, (size_t)nc * sizeof *nr);
		if (!nr)
			return -1;
		t->rows = nr;
		t->rows_cap = nc;
	}
	if ((uint64_t)(t->n + 1) * 2 > t->index_size) {
		uint32_t size = t->index_size ? t->index_size * 2 : CONV_MIN_ROWS * 2;
		while ((uint64_t)(t->n + 1) * 2 > size)
			size *= 2;
		if (conv_index_rebuild(t, size) < 0)
			return -1;
	}
	return 0;
}

/* Finds or creates the row; sets *dir (1 forward, 2 reverse). NULL when dropped. */
static struct conv_rec *conv_find(struct conv_table *t, const uint8_t *a, uint16_t pa, const uint8_t *b, uint16_t pb,
				  uint8_t alen, int64_t id, int64_t rel_ns, int *dir)
{
	if (t->index_size) {
		uint32_t h = (uint32_t)conv_hash(t, a, pa, b, pb, alen, id) & (t->index_size - 1);
		for (; t->index[h]; h = (h + 1) & (t->index_size - 1)) {
			struct conv_rec *r = &t->rows[t->index[h] - 1];
			int m = conv_match(r, a, pa, b, pb, alen, id);
			if (m) {
				*dir = m;
				return r;
			}
		}
	}
	if (conv_grow(t) < 0) {
		t->dropped_frames++;
		t->dropped_rows++;
		return NULL;
	}
	struct conv_rec *r = &t->rows[t->n];
	memset(r, 0, sizeof *r);
	r->alen = alen;
	memcpy(r->a, a, alen);
	memcpy(r->b, b, alen);
	r->pa = pa;
	r->pb = pb;
	r->id = id;
	r->start_ns = r->stop_ns = rel_ns;
	r->seq = t->n;
	uint32_t h = (uint32_t)conv_hash(t, a, pa, b, pb, alen, id) & (t->index_size - 1);
	while (t->index[h])
		h = (h + 1) & (t->index_size - 1);
	t->index[h] = ++t->n;
	*dir = 1;
	return r;
}

static void conv_touch(struct conv_rec *r, int64_t rel_ns)
{
	/* tshark updates the start only when the time is not past the stop (an else-if) */
	if (rel_ns > r->stop_ns)
		r->stop_ns = rel_ns;
	else if (rel_ns < r->start_ns)
		r->start_ns = rel_ns;
}

void conv_table_add(struct conv_table *t, const uint8_t *src, const uint8_t *dst, uint8_t alen, uint16_t sport,
		    uint16_t dport, int64_t id, uint32_t bytes, int64_t rel_ns)
{
	if (alen > 16)
		return;
	int dir;
	struct conv_rec *r = conv_find(t, src, sport, dst, dport, alen, id, rel_ns, &dir);
	if (!r)
		return;
	if (dir == 1) {
		r->tx_frames++;
		r->tx_bytes += bytes;
	} else {
		r->rx_frames++;
		r->rx_bytes += bytes;
	}
	conv_touch(r, rel_ns);
}

void conv_table_add_host(struct conv_table *t, const uint8_t *addr, uint8_t alen, int tx, uint32_t bytes,
			 int64_t rel_ns)
{
	static const uint8_t none[16];
	if (alen > 16)
		return;
	int dir;
	struct conv_rec *r = conv_find(t, addr, 0, none, 0, alen, -1, rel_ns, &dir);
	if (!r)
		return;
	if (tx) {
		r->tx_frames++;
		r->tx_bytes += bytes;
	} else {
		r->rx_frames++;
		r->rx_bytes += bytes;
	}
	conv_touch(r, rel_ns);
}

static int conv_cmp_u64(uint64_t x, uint64_t y) { return x < y ? 1 : x > y ? -1 : 0; } /* descending */

static int conv_cmp(const void *pa, const void *pb, void *arg)
{
	const struct conv_rec *a = *(const struct conv_rec *const *)pa, *b = *(const struct conv_rec *const *)pb;
	int c = 0;
	switch (*(const enum conv_sort *)arg) {
	case CONV_SORT_BYTES: c = conv_cmp_u64(a->tx_bytes + a->rx_bytes, b->tx_bytes + b->rx_bytes); break;
	case CONV_SORT_START: c = a->start_ns < b->start_ns ? -1 : a->start_ns > b->start_ns; break;
	case CONV_SORT_DURATION:
		c = conv_cmp_u64((uint64_t)(a->stop_ns - a->start_ns), (uint64_t)(b->stop_ns - b->start_ns));
		break;
	default: c = conv_cmp_u64(a->tx_frames + a->rx_frames, b->tx_frames + b->rx_frames); break;
	}
	if (!c)
		c = a->seq < b->seq ? -1 : a->seq > b->seq;
	return c;
}

size_t conv_table_sorted(struct conv_table *t, enum conv_sort sort, const struct conv_rec ***out)
{
	free(t->sorted);
	t->sorted = NULL;
	*out = NULL;
	if (!t->n)
		return 0;
	t->sorted = malloc((size_t)t->n * sizeof *t->sorted);
	if (!t->sorted)
		return 0;
	for (uint32_t i = 0; i < t->n; i++)
		t->sorted[i] = &t->rows[i];
	qsort_r(t->sorted, t->n, sizeof *t->sorted, conv_cmp, &sort);
	*out = t->sorted;
	return t->n;
}

void conv_format_size(struct obuf *o, uint64_t v)
{
	static const char *const pfx[] = { " kB", " MB", " GB", " TB" };
	uint64_t p = 1000ull * 1000 * 1000 * 1000;
	for (int i = 3; i >= 0; i--, p /= 1000) {
		if (v / p >= 10) {
			obuf_u64(o, v / p);
			obuf_puts(o, pfx[i]);
			return;
		}
	}
	obuf_u64(o, v);
	obuf_puts(o, " bytes");
}

static const char *conv_kind_name(enum conv_kind k)
{
	switch (k) {
	case CONV_ETH: return "Ethernet";
	case CONV_IP4: return "IPv4";
	case CONV_IP6: return "IPv6";
	case CONV_TCP: return "TCP";
	case CONV_UDP: return "UDP";
	default: return "Host";
	}
}

static void conv_put_addr(struct obuf *o, const uint8_t *a, uint8_t alen)
{
	if (alen == 6)
		obuf_mac(o, a);
	else
		obuf_addr(o, a, alen);
}

static void conv_put_pad(struct obuf *o, size_t from, size_t w)
{
	obuf_pad_from(o, from, w, 0);
}

/* printf("%*.{prec}f") of a signed nanosecond count, as nstime_to_sec would print it. */
static void conv_put_secs(struct obuf *o, double secs, int width, int prec)
{
	obuf_printf(o, "%*.*f", width, prec, secs);
}

static double conv_secs(int64_t ns)
{
	/* nstime_to_sec: secs + nsecs / 1e9 with nsecs of the same sign */
	return (double)(ns / 1000000000ll) + (double)(ns % 1000000000ll) / 1000000000.0;
}

void conv_render_tshark(struct conv_table *t, enum conv_sort sort, struct obuf *o)
{
	int ports = t->kind == CONV_TCP || t->kind == CONV_UDP;
	const char *ind = ports ? "            " : "";
	obuf_puts(o, "================================================================================\n");
	obuf_printf(o, "%s Conversations\nFilter:<No Filter>\n", conv_kind_name(t->kind));
	obuf_printf(o, "%s                                               |       <-      | |       ->      | |     Total     |    Relative    |   Duration   |\n", ind);
	obuf_printf(o, "%s                                               | Frames  Bytes | | Frames  Bytes | | Frames  Bytes |      Start     |              |\n", ind);
	const struct conv_rec **rows;
	size_t n = conv_table_sorted(t, sort, &rows);
	int w = ports ? 26 : 20;
	for (size_t i = 0; i < n; i++) {
		const struct conv_rec *r = rows[i];
		size_t s = o->len;
		conv_put_addr(o, r->a, r->alen);
		if (ports)
			obuf_printf(o, ":%u", r->pa);
		conv_put_pad(o, s, (size_t)w);
		obuf_puts(o, " <-> ");
		s = o->len;
		conv_put_addr(o, r->b, r->alen);
		if (ports)
			obuf_printf(o, ":%u", r->pb);
		conv_put_pad(o, s, (size_t)w);
		uint64_t fr[3] = { r->rx_frames, r->tx_frames, r->rx_frames + r->tx_frames };
		uint64_t by[3] = { r->rx_bytes, r->tx_bytes, r->rx_bytes + r->tx_bytes };
		for (int k = 0; k < 3; k++) {
			obuf_printf(o, "  %6llu ", (unsigned long long)fr[k]);
			s = o->len;
			conv_format_size(o, by[k]);
			conv_put_pad(o, s, 9);
		}
		obuf_puts(o, "  ");
		double st = conv_secs(r->start_ns);
		conv_put_secs(o, st, 14, 9);
		obuf_puts(o, "   ");
		conv_put_secs(o, conv_secs(r->stop_ns) - st, 12, 4);
		obuf_putc(o, '\n');
	}
	obuf_puts(o, "================================================================================\n");
}

void conv_render_hosts(struct conv_table *t, enum conv_sort sort, const struct conv_name *names, size_t nnames,
		       struct obuf *o)
{
	const struct conv_rec **rows;
	size_t n = conv_table_sorted(t, sort, &rows);
	obuf_printf(o, "%-39s %8s %-10s %8s %-10s %8s %-10s  %s\n", "Address", "Packets", "Bytes", "Tx Pkts", "Tx Bytes",
		    "Rx Pkts", "Rx Bytes", "Names (source) / MAC vendor");
	for (size_t i = 0; i < n; i++) {
		const struct conv_rec *r = rows[i];
		size_t s = o->len;
		conv_put_addr(o, r->a, r->alen);
		conv_put_pad(o, s, 39);
		uint64_t fr[3] = { r->rx_frames + r->tx_frames, r->tx_frames, r->rx_frames };
		uint64_t by[3] = { r->rx_bytes + r->tx_bytes, r->tx_bytes, r->rx_bytes };
		for (int k = 0; k < 3; k++) {
			obuf_printf(o, " %8llu ", (unsigned long long)fr[k]);
			s = o->len;
			conv_format_size(o, by[k]);
			conv_put_pad(o, s, 10);
		}
		obuf_putc(o, ' ');
		int any = 0;
		for (size_t k = 0; k < nnames; k++) {
			if (names[k].alen != r->alen || memcmp(names[k].addr, r->a, r->alen))
				continue;
			obuf_puts(o, any ? ", " : " ");
			obuf_put_escaped(o, (const uint8_t *)names[k].name, strlen(names[k].name));
			obuf_printf(o, " (%s)", names[k].source);
			any = 1;
		}
		if (r->alen == 6) {
			const char *v = oui_lookup(r->a);
			if (v)
				obuf_printf(o, "%svendor %s", any ? ", " : " ", v);
		}
		while (o->len && o->buf[o->len - 1] == ' ')
			o->len--;
		obuf_putc(o, '\n');
	}
}
