/* ipfrag.c: IPv4 (RFC 791 section 3.2) and IPv6 (RFC 8200 section 4.5) fragment reassembly with
 * a cap on pending datagrams, held bytes and fragments per datagram, and a timeout. */
#include "flow/ipfrag.h"

#include <stdlib.h>
#include <string.h>

#include "base/hash.h"

struct ipfrag_frag {
	uint32_t off, len;
	uint8_t *data;        /* owned: malloc'd copy, freed with the datagram */
};

struct ipfrag_dgram {
	struct ipfrag_key key;
	int64_t first_ts;
	uint32_t datalen;     /* payload length, known once a last fragment came */
	uint32_t bytes;       /* sum of the fragment lengths held */
	uint32_t nfrag, cap;
	struct ipfrag_frag *frags; /* owned; sorted by offset, arrival order among equal offsets */
	uint32_t hnext;       /* hash chain: index+1, 0 ends */
	uint32_t prev, next;  /* age list (oldest first): index+1, 0 none */
	uint8_t used, datalen_set;
};

struct ipfrag_table {
	struct ipfrag_config cfg;
	struct hash_key hkey;
	struct ipfrag_dgram *d;  /* owned: cfg.max_datagrams slots */
	uint32_t *bucket;        /* owned: index+1 of the first datagram of each chain */
	uint32_t nbucket;        /* a power of two */
	uint32_t oldest, newest; /* age list ends: index+1 */
	uint32_t free_hint;
	uint8_t *out;            /* owned: the last reassembled payload (IPFRAG_MAX_DGRAM bytes) */
	struct ipfrag_stats st;
};

void ipfrag_config_default(struct ipfrag_config *cfg)
{
	cfg->max_datagrams = 1024;
	cfg->max_bytes = 16u << 20;
	cfg->max_frags = 256;
	cfg->timeout_ns = 300ll * 1000000000ll;
}

int ipfrag_table_new(struct ipfrag_table **out, const struct ipfrag_config *cfg, struct errbuf *e)
{
	*out = NULL;
	if (!cfg->max_datagrams || cfg->max_datagrams > (1u << 20) || !cfg->max_frags)
		return err_set(e, ERR_USAGE, "ipfrag: bad limits (%u datagrams, %u fragments)", cfg->max_datagrams,
			       cfg->max_frags);
	struct ipfrag_table *t = calloc(1, sizeof *t);
	if (!t)
		return err_set(e, ERR_NOMEM, "ipfrag: out of memory");
	t->cfg = *cfg;
	t->nbucket = 1;
	while (t->nbucket < 2 * cfg->max_datagrams)
		t->nbucket <<= 1;
	t->d = calloc(cfg->max_datagrams, sizeof *t->d);
	t->bucket = calloc(t->nbucket, sizeof *t->bucket);
	t->out = malloc(IPFRAG_MAX_DGRAM);
	if (!t->d || !t->bucket || !t->out) {
		ipfrag_table_free(t);
		return err_set(e, ERR_NOMEM, "ipfrag: out of memory");
	}
	hash_key_random(&t->hkey);
	*out = t;
	return 0;
}

static void ipfrag_dgram_clear(struct ipfrag_dgram *g)
{
	for (uint32_t i = 0; i < g->nfrag; i++)
		free(g->frags[i].data);
	free(g->frags);
	memset(g, 0, sizeof *g);
}

void ipfrag_table_free(struct ipfrag_table *t)
{
	if (!t)
		return;
	if (t->d)
		for (uint32_t i = 0; i < t->cfg.max_datagrams; i++)
			if (t->d[i].used)
				ipfrag_dgram_clear(&t->d[i]);
	free(t->d);
	free(t->bucket);
	free(t->out);
	free(t);
}

static uint32_t ipfrag_bucket(const struct ipfrag_table *t, const struct ipfrag_key *k)
{
	return (uint32_t)hash_siphash13(&t->hkey, k, sizeof *k) & (t->nbucket - 1);
}

/* Unlinks datagram index i from its hash chain and the age list and frees it. */
static void ipfrag_remove(struct ipfrag_table *t, uint32_t i)
{
	struct ipfrag_dgram *g = &t->d[i];
	uint32_t *pp = &t->bucket[ipfrag_bucket(t, &g->key)];
	for (uint32_t guard = 0; *pp && guard <= t->cfg.max_datagrams; guard++) {
		if (*pp == i + 1) {
			*pp = g->hnext;
			break;
		}
		pp = &t->d[*pp - 1].hnext;
	}
	if (g->prev)
		t->d[g->prev - 1].next = g->next;
	else
		t->oldest = g->next;
	if (g->next)
		t->d[g->next - 1].prev = g->prev;
	else
		t->newest = g->prev;
	t->st.pending--;
	t->st.pending_bytes -= g->bytes;
	ipfrag_dgram_clear(g);
	t->free_hint = i;
}

static uint32_t ipfrag_find(const struct ipfrag_table *t, const struct ipfrag_key *k)
{
	uint32_t i = t->bucket[ipfrag_bucket(t, k)];
	for (uint32_t guard = 0; i && guard <= t->cfg.max_datagrams; guard++) {
		const struct ipfrag_dgram *g = &t->d[i - 1];
		if (!memcmp(&g->key, k, sizeof *k))
			return i;
		i = g->hnext;
	}
	return 0;
}

/* Drops datagrams older than the timeout, oldest first. */
static void ipfrag_expire(struct ipfrag_table *t, int64_t now)
{
	while (t->oldest && now - t->d[t->oldest - 1].first_ts > t->cfg.timeout_ns) {
		ipfrag_remove(t, t->oldest - 1);
		t->st.expired++;
	}
}

static uint32_t ipfrag_insert(struct ipfrag_table *t, const struct ipfrag_key *k, int64_t now)
{
	if (t->st.pending >= t->cfg.max_datagrams) {
		ipfrag_remove(t, t->oldest - 1);
		t->st.evicted++;
	}
	uint32_t i = t->free_hint;
	for (uint32_t n = 0; n < t->cfg.max_datagrams && t->d[i].used; n++)
		i = (i + 1) % t->cfg.max_datagrams;
	struct ipfrag_dgram *g = &t->d[i];
	memset(g, 0, sizeof *g);
	g->used = 1;
	g->key = *k;
	g->first_ts = now;
	uint32_t b = ipfrag_bucket(t, k);
	g->hnext = t->bucket[b];
	t->bucket[b] = i + 1;
	g->prev = t->newest;
	if (t->newest)
		t->d[t->newest - 1].next = i + 1;
	else
		t->oldest = i + 1;
	t->newest = i + 1;
	t->st.pending++;
	return i + 1;
}

/* Stores a copy of the fragment, keeping the list sorted by offset (after equal offsets). */
static int ipfrag_store(struct ipfrag_dgram *g, uint32_t off, struct slice data)
{
	if (g->nfrag == g->cap) {
		uint32_t cap = g->cap ? g->cap * 2 : 4;
		struct ipfrag_frag *f = realloc(g->frags, cap * sizeof *f);
		if (!f)
			return -1;
		g->frags = f;
		g->cap = cap;
	}
	uint8_t *copy = malloc(data.len ? data.len : 1);
	if (!copy)
		return -1;
	if (data.len)
		memcpy(copy, data.p, data.len);
	uint32_t pos = g->nfrag;
	while (pos > 0 && g->frags[pos - 1].off > off)
		pos--;
	memmove(&g->frags[pos + 1], &g->frags[pos], (g->nfrag - pos) * sizeof *g->frags);
	g->frags[pos] = (struct ipfrag_frag){ .off = off, .len = data.len, .data = copy };
	g->nfrag++;
	g->bytes += data.len;
	return 0;
}

/* Contiguous coverage from offset 0 over the sorted fragments. */
static uint32_t ipfrag_covered(const struct ipfrag_dgram *g)
{
	uint32_t max = 0;
	for (uint32_t i = 0; i < g->nfrag; i++) {
		const struct ipfrag_frag *f = &g->frags[i];
		if (f->off <= max && f->off + f->len > max)
			max = f->off + f->len;
	}
	return max;
}

/* Copies the fragments in offset order into t->out; bytes already written win. */
static void ipfrag_build(struct ipfrag_table *t, const struct ipfrag_dgram *g)
{
	uint32_t pos = 0;
	for (uint32_t i = 0; i < g->nfrag; i++) {
		const struct ipfrag_frag *f = &g->frags[i];
		if (f->off >= g->datalen || !f->len)
			continue;
		uint32_t end = f->off + f->len > g->datalen ? g->datalen : f->off + f->len;
		if (end > pos) {
			uint32_t skip = pos > f->off ? pos - f->off : 0;
			memcpy(t->out + f->off + skip, f->data + skip, end - f->off - skip);
			pos = end;
		}
	}
}

int ipfrag_table_add(struct ipfrag_table *t, const struct ipfrag_key *k, int64_t ts_ns, uint32_t off, int more,
		     struct slice data, struct slice *out)
{
	t->st.fragments++;
	ipfrag_expire(t, ts_ns);
	if (off > IPFRAG_MAX_DGRAM || data.len > IPFRAG_MAX_DGRAM - off) {
		t->st.dropped_oversize++;
		return -1;
	}
	uint32_t idx = ipfrag_find(t, k);
	if (!idx)
		idx = ipfrag_insert(t, k, ts_ns);
	struct ipfrag_dgram *g = &t->d[idx - 1];
	if (g->nfrag >= t->cfg.max_frags) {
		ipfrag_remove(t, idx - 1);
		t->st.dropped_frags++;
		return -1;
	}
	/* make room under the byte cap by evicting other (older) datagrams */
	while (t->st.pending_bytes + data.len > t->cfg.max_bytes && t->oldest && t->oldest != idx) {
		ipfrag_remove(t, t->oldest - 1);
		t->st.evicted++;
	}
	if (t->st.pending_bytes + data.len > t->cfg.max_bytes || ipfrag_store(g, off, data) < 0) {
		ipfrag_remove(t, idx - 1);
		t->st.dropped_frags++;
		return -1;
	}
	t->st.pending_bytes += data.len;
	if (!more && !g->datalen_set) {
		g->datalen = off + data.len;
		g->datalen_set = 1;
	}
	if (!g->datalen_set || ipfrag_covered(g) < g->datalen)
		return 0;
	ipfrag_build(t, g);
	out->p = t->out;
	out->len = g->datalen;
	ipfrag_remove(t, idx - 1);
	t->st.completed++;
	return 1;
}

/* tshark adds the VLAN id to the key of datagrams between private or link-local addresses. */
static int ipfrag_local4(const uint8_t *a)
{
	return a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
	       (a[0] == 169 && a[1] == 254);
}

int ipfrag_packet(struct ipfrag_table *t, struct pkt *p)
{
	if (!p->l4_frag || !p->nip)
		return 0;
	const struct pkt_ip *ip = &p->ip[p->nip - 1];
	if (!ip->is_frag || !ip->frag_ok)
		return 0;
	struct ipfrag_key k;
	memset(&k, 0, sizeof k);
	k.alen = ip->alen;
	memcpy(k.src, ip->src, ip->alen);
	memcpy(k.dst, ip->dst, ip->alen);
	if (ip->ver == 4) {
		k.id = ip->id;
		k.proto = ip->proto;
		if (p->nvlan && (ipfrag_local4(ip->src) || ipfrag_local4(ip->dst)))
			k.vlan = p->vlan[p->nvlan - 1] & 0xfff;
	} else {
		k.id = ip->frag_id;
	}
	int64_t ts = frame_ns(p->fr);
	struct slice whole;
	if (ipfrag_table_add(t, &k, ts, ip->frag_off, ip->more_frags, ip->payload, &whole) != 1)
		return 0;
	decode_ip_reassembled(p, whole);
	return 1;
}

void ipfrag_table_stats(const struct ipfrag_table *t, struct ipfrag_stats *s) { *s = t->st; }
