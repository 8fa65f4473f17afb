/* flow.c: flow table: canonical 5-tuple keys hashed with a keyed SipHash, open addressing
 * with linear probing and backward-shift deletion, LRU lists for idle expiry, a flow cap. */
#include "flow/flow_int.h"
#include "proto/proto.h"

#include <stdlib.h>
#include <string.h>

#define FLOW_CHUNK_BITS 12
#define FLOW_CHUNK (1u << FLOW_CHUNK_BITS)

struct lru {
	uint32_t head, tail; /* index+1 */
};

/* Per-conversation accounting for the "conn" record, and a UDP flow's dissector; parallel to
 * the flows (same index). */
struct flow_acct {
	int64_t start_ns;
	uint64_t first_frame;
	uint64_t ip_bytes[2], pay_bytes[2];
	uint32_t pkts[2];
	struct pdu_conv *udp_app; /* owned (flow/pdu.c); NULL until the first payload */
	uint16_t seen;            /* history letters already written (bit per letter and side) */
	uint8_t nhist;
	char hist[13];            /* Zeek's conn history, first occurrences in order */
};

struct flow_table {
	struct flow_config cfg;
	struct hash_key key;
	uint32_t *slots;        /* owned; flow index+1, 0 empty */
	uint32_t nslots;        /* power of two */
	struct flow **chunks;   /* owned */
	uint32_t nchunks, chunk_cap;
	uint32_t nflows_alloc;  /* flow indexes handed out so far */
	uint32_t free_head;     /* index+1 of a free flow (linked through lru_next) */
	struct tcp_conv **tchunks; /* owned */
	uint32_t ntchunks, tchunk_cap, ntcp_alloc, tcp_free; /* tcp_free: index+1, linked via half[0].base_seq */
	struct lru lists[3];
	uint64_t tcp_streams, udp_streams;
	struct flow_stats st;
	struct l3track *l3;     /* owned */
	struct expect_table *expect; /* owned */
	int sip;                /* registry index of the SIP dissector, -1 when absent */
	struct flow_acct **achunks; /* owned; parallel to chunks */
	uint32_t nachunks, achunk_cap;
	struct pdu_xtab *xt;    /* owned */
	struct reasm_pool *rpool; /* owned; NULL unless cfg.reasm */
	struct proto_pkt *out;  /* owned; the dissectors' output for the current packet */
	struct proto_env env;   /* records go through flow_env_emit to rec_fn */
	flow_rec_fn rec_fn;
	flow_obj_fn obj_fn;
	void *rec_arg;
	struct flow_ident cur;  /* the conversation of the records being emitted, made on the first */
	uint32_t cur_fid;       /* ... record of flow cur_fid (0: cur is made) */
	int64_t cur_ts;
	uint64_t frame;         /* number of the frame being processed */
	struct flow_order order; /* where the records being emitted stand (flow_table_order) */
	flow_stream_fn stream_fn;
};

static struct flow *flow_at(struct flow_table *t, uint32_t idx)
{
	return &t->chunks[idx >> FLOW_CHUNK_BITS][idx & (FLOW_CHUNK - 1)];
}

static struct flow_acct *acct_at(struct flow_table *t, uint32_t idx)
{
	return &t->achunks[idx >> FLOW_CHUNK_BITS][idx & (FLOW_CHUNK - 1)];
}

static struct tcp_conv *tcp_at(struct flow_table *t, uint32_t idx)
{
	return &t->tchunks[idx >> FLOW_CHUNK_BITS][idx & (FLOW_CHUNK - 1)];
}

void flow_config_default(struct flow_config *cfg)
{
	cfg->max_flows = 4u << 20;
	cfg->idle_ns = 3600ll * 1000000000ll;
	cfg->closed_ns = 300ll * 1000000000ll;
	cfg->decode_as = NULL;
	cfg->ndecode_as = 0;
	cfg->no_dissect = 0;
	cfg->reasm = 0;
	cfg->reasm_dir_cap = REASM_DIR_CAP_DEFAULT;
	cfg->reasm_cap = REASM_CAP_DEFAULT;
	cfg->app_tree = 0;
	cfg->shard = 0;
	cfg->nshards = 0;
}

int flow_table_new(struct flow_table **out, const struct flow_config *cfg, struct errbuf *e)
{
	struct flow_table *t = calloc(1, sizeof *t);
	if (!t)
		return err_set(e, ERR_NOMEM, "out of memory");
	t->cfg = *cfg;
	hash_key_random(&t->key);
	t->nslots = 1u << 12;
	t->slots = calloc(t->nslots, sizeof *t->slots);
	t->l3 = malloc(l3track_size());
	if (t->l3)
		l3track_init(t->l3);
	t->expect = malloc(expect_table_size());
	if (t->expect)
		expect_table_init(t->expect);
	t->sip = -1;
	for (size_t i = 0; i < proto_count(); i++)
		if (!strcmp(proto_get(i)->name, "sip"))
			t->sip = (int)i;
	t->xt = pdu_xtab_new();
	t->out = malloc(sizeof *t->out);
	if (!t->slots || !t->l3 || !t->xt || !t->out ||
	    (cfg->reasm && reasm_pool_new(&t->rpool, cfg->reasm_cap, cfg->reasm_dir_cap, e) < 0)) {
		free(t->slots);
		free(t->l3);
		free(t->out);
		pdu_xtab_free(t->xt);
		free(t);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	t->out->tree = NULL;
	if (cfg->app_tree && !(t->out->tree = malloc(sizeof *t->out->tree))) {
		flow_table_free(t);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	if (t->out->tree)
		proto_tree_reset(t->out->tree);
	*out = t;
	return 0;
}

void flow_table_free(struct flow_table *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < t->nflows_alloc; i++)
		pdu_conv_free(&acct_at(t, i)->udp_app);
	for (uint32_t i = 0; i < t->nchunks; i++)
		free(t->chunks[i]);
	for (uint32_t i = 0; i < t->nachunks; i++)
		free(t->achunks[i]);
	free(t->achunks);
	for (uint32_t i = 0; i < t->ntcp_alloc; i++)
		pdu_conv_free(&tcp_at(t, i)->pdu);
	for (uint32_t i = 0; i < t->ntcp_alloc; i++)
		tcp_conv_release(tcp_at(t, i));
	for (uint32_t i = 0; i < t->ntchunks; i++)
		free(t->tchunks[i]);
	free(t->chunks);
	free(t->tchunks);
	free(t->slots);
	free(t->l3);
	free(t->expect);
	pdu_xtab_free(t->xt);
	pdu_pool_drain();
	proto_thread_end();
	reasm_pool_free(t->rpool); /* after every flow's held bytes went back */
	if (t->out)
		free(t->out->tree);
	free(t->out);
	free(t);
}

static int grow_chunks(void ***chunks, uint32_t *n, uint32_t *cap, size_t elem)
{
	if (*n == *cap) {
		uint32_t nc = *cap ? *cap * 2 : 16;
		void **p = realloc(*chunks, nc * sizeof *p);
		if (!p)
			return -1;
		*chunks = p;
		*cap = nc;
	}
	void *c = malloc(elem * FLOW_CHUNK);
	if (!c)
		return -1;
	(*chunks)[(*n)++] = c;
	return 0;
}

/* Returns index+1 of a fresh flow, or 0 when out of memory. */
static uint32_t flow_alloc(struct flow_table *t)
{
	uint32_t idx;
	if (t->free_head) {
		idx = t->free_head - 1;
		t->free_head = flow_at(t, idx)->lru_next;
	} else {
		if (t->nflows_alloc == t->nchunks * FLOW_CHUNK &&
		    grow_chunks((void ***)&t->chunks, &t->nchunks, &t->chunk_cap, sizeof(struct flow)) < 0)
			return 0;
		if (t->nflows_alloc == t->nachunks * FLOW_CHUNK &&
		    grow_chunks((void ***)&t->achunks, &t->nachunks, &t->achunk_cap, sizeof(struct flow_acct)) < 0)
			return 0;
		idx = t->nflows_alloc++;
	}
	memset(flow_at(t, idx), 0, sizeof(struct flow));
	memset(acct_at(t, idx), 0, sizeof(struct flow_acct));
	return idx + 1;
}

static uint32_t tcp_alloc(struct flow_table *t)
{
	uint32_t idx;
	if (t->tcp_free) {
		idx = t->tcp_free - 1;
		t->tcp_free = tcp_at(t, idx)->half[0].base_seq;
	} else {
		if (t->ntcp_alloc == t->ntchunks * FLOW_CHUNK &&
		    grow_chunks((void ***)&t->tchunks, &t->ntchunks, &t->tchunk_cap, sizeof(struct tcp_conv)) < 0)
			return 0;
		idx = t->ntcp_alloc++;
	}
	tcp_conv_init(tcp_at(t, idx));
	return idx + 1;
}

static void lru_unlink(struct flow_table *t, uint32_t id)
{
	struct flow *f = flow_at(t, id - 1);
	struct lru *l = &t->lists[f->list];
	if (f->lru_prev)
		flow_at(t, f->lru_prev - 1)->lru_next = f->lru_next;
	else
		l->head = f->lru_next;
	if (f->lru_next)
		flow_at(t, f->lru_next - 1)->lru_prev = f->lru_prev;
	else
		l->tail = f->lru_prev;
	f->lru_prev = f->lru_next = 0;
}

static void lru_append(struct flow_table *t, uint32_t id, uint8_t list)
{
	struct flow *f = flow_at(t, id - 1);
	struct lru *l = &t->lists[list];
	f->list = list;
	f->last_frame = t->frame;
	f->lru_prev = l->tail;
	f->lru_next = 0;
	if (l->tail)
		flow_at(t, l->tail - 1)->lru_next = id;
	else
		l->head = id;
	l->tail = id;
}

static uint32_t slot_find(const struct flow_table *t, const struct flow_key *k, uint64_t h, struct flow_table *tm)
{
	uint32_t mask = t->nslots - 1;
	for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
		uint32_t id = t->slots[i];
		if (!id)
			return i;
		struct flow *f = flow_at(tm, id - 1);
		if (f->hash == h && memcmp(&f->key, k, sizeof *k) == 0)
			return i;
	}
}

static void table_remove_slot(struct flow_table *t, uint32_t i)
{
	uint32_t mask = t->nslots - 1;
	t->slots[i] = 0;
	/* backward-shift deletion keeps probe chains intact without tombstones */
	for (uint32_t j = (i + 1) & mask; t->slots[j]; j = (j + 1) & mask) {
		uint32_t home = (uint32_t)flow_at(t, t->slots[j] - 1)->hash & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			t->slots[i] = t->slots[j];
			t->slots[j] = 0;
			i = j;
		}
	}
}

static void flow_ident_make(struct flow_table *t, uint32_t fid, struct flow_ident *id)
{
	const struct flow *f = flow_at(t, fid - 1);
	const struct flow_acct *a = acct_at(t, fid - 1);
	memset(id, 0, sizeof *id);
	id->start_ns = a->start_ns;
	id->first_frame = a->first_frame;
	id->conv = fid;
	id->l4 = f->key.proto;
	id->alen = f->key.alen;
	memcpy(id->orig, f->orig_is_a ? f->key.a : f->key.b, f->key.alen);
	memcpy(id->resp, f->orig_is_a ? f->key.b : f->key.a, f->key.alen);
	id->orig_p = f->orig_is_a ? f->key.pa : f->key.pb;
	id->resp_p = f->orig_is_a ? f->key.pb : f->key.pa;
	id->stream = f->stream;
}

static void flow_env_emit(void *arg, const struct proto_rec *r)
{
	struct flow_table *t = arg;
	if (t->cur_fid) {
		flow_ident_make(t, t->cur_fid, &t->cur);
		t->cur_fid = 0;
	}
	if (t->rec_fn)
		t->rec_fn(t->rec_arg, &t->cur, t->cur_ts, r);
}

static void flow_env_obj(void *arg, struct proto_obj *o, int what, struct slice data)
{
	struct flow_table *t = arg;
	if (t->cur_fid) {
		flow_ident_make(t, t->cur_fid, &t->cur);
		t->cur_fid = 0;
	}
	if (t->obj_fn)
		t->obj_fn(t->rec_arg, &t->cur, o, what, data);
}

void flow_table_set_records(struct flow_table *t, flow_rec_fn rec, flow_obj_fn obj, void *arg)
{
	t->rec_fn = rec;
	t->obj_fn = obj;
	t->rec_arg = arg;
	t->env.emit = rec ? flow_env_emit : NULL;
	t->env.obj = obj ? flow_env_obj : NULL;
	t->env.arg = t;
}

/* Whether history letter `bit` (conn_hist's numbering) was seen from the originator (dir 0) or
 * the responder (dir 1). */
static int conn_seen(const struct flow_acct *a, uint8_t dir, uint8_t bit)
{
	return (a->seen >> (bit + (dir ? 6 : 0))) & 1;
}

/* Zeek's conn_state from the history letters. */
static const char *conn_state(const struct flow_acct *a, uint8_t l4)
{
	int S = conn_seen(a, 0, 0), sh = conn_seen(a, 1, 1), Hs = conn_seen(a, 0, 1);
	int F = conn_seen(a, 0, 4), f = conn_seen(a, 1, 4);
	int R = conn_seen(a, 0, 5), r = conn_seen(a, 1, 5);
	int synack = sh || Hs;
	if (l4 != 6)
		return a->pkts[1] ? "SF" : "S0";
	if (!S && !synack)
		return "OTH";
	if (S && !synack) {
		if (r)
			return "REJ";
		if (R)
			return "RSTOS0";
		if (F)
			return "SH";
		return "S0";
	}
	if (!S && synack) {
		if (r)
			return "RSTRH";
		if (f)
			return "SHR";
		return "OTH";
	}
	if (R)
		return "RSTO";
	if (r)
		return "RSTR";
	if (F && f)
		return "SF";
	if (F)
		return "S2";
	if (f)
		return "S3";
	return "S1";
}

static void conn_hist(struct flow_acct *a, uint8_t dir, char letter, uint8_t bit)
{
	uint16_t m = (uint16_t)(1u << (bit + (dir ? 6 : 0)));
	if ((a->seen & m) || a->nhist >= sizeof a->hist - 1)
		return;
	a->seen |= m;
	a->hist[a->nhist++] = dir ? (char)(letter + 32) : letter;
	a->hist[a->nhist] = 0;
}

static void conn_account(struct flow_table *t, uint32_t id, const struct pkt *p, uint8_t dir, uint32_t iplen,
			 uint32_t paylen, int created)
{
	struct flow_acct *a = acct_at(t, id - 1);
	if (created)
		a->start_ns = frame_ns(p->fr);
	a->pkts[dir]++;
	a->ip_bytes[dir] += iplen;
	a->pay_bytes[dir] += paylen;
	if (p->layers & PL_TCP) {
		uint16_t fl = p->tcp.flags;
		if ((fl & TH_SYN) && !(fl & TH_ACK))
			conn_hist(a, dir, 'S', 0);
		if ((fl & TH_SYN) && (fl & TH_ACK))
			conn_hist(a, dir, 'H', 1);
		if ((fl & TH_ACK) && !(fl & (TH_SYN | TH_FIN | TH_RST)) && !paylen)
			conn_hist(a, dir, 'A', 2);
		if (paylen)
			conn_hist(a, dir, 'D', 3);
		if (fl & TH_FIN)
			conn_hist(a, dir, 'F', 4);
		if (fl & TH_RST)
			conn_hist(a, dir, 'R', 5);
	} else if (paylen) {
		conn_hist(a, dir, 'D', 3);
	}
}

/* The conversation ends: its dissector's pending records, then its conn record. */
static void flow_emit_end(struct flow_table *t, uint32_t id)
{
	struct flow *f = flow_at(t, id - 1);
	struct flow_acct *a = acct_at(t, id - 1);
	struct flow_ident saved = t->cur;
	uint32_t saved_fid = t->cur_fid;
	int64_t saved_ts = t->cur_ts;
	flow_ident_make(t, id, &t->cur);
	t->cur_fid = 0;
	t->cur_ts = f->last_ts;
	struct pdu_io io = { &t->env, NULL, t->xt, t->cur.orig, t->cur.resp, t->cur.alen, 0, NULL, t->rpool };
	if (f->tcp)
		pdu_tcp_flush(&tcp_at(t, f->tcp - 1)->pdu, &io, t->cur.orig_p, t->cur.resp_p, f->last_ts);
	struct pdu_conv *pc = f->tcp ? tcp_at(t, f->tcp - 1)->pdu : a->udp_app;
	pdu_conv_end(pc, &io, t->cur.orig_p, t->cur.resp_p);
	struct proto_rec r;
	proto_rec_init(&r, "conn");
	proto_rec_cstr(&r, "proto", f->key.proto == 6 ? "tcp" : "udp");
	uint8_t svc = pdu_conv_proto(pc);
	if (svc)
		proto_rec_cstr(&r, "service", proto_get(svc - 1u)->name);
	proto_rec_dur(&r, "duration", f->last_ts - a->start_ns);
	proto_rec_u(&r, "orig_bytes", a->pay_bytes[0]);
	proto_rec_u(&r, "resp_bytes", a->pay_bytes[1]);
	proto_rec_cstr(&r, "conn_state", conn_state(a, f->key.proto));
	uint64_t missed = pdu_conv_missed(pc);
	if (missed) /* Zeek's name; only the streams a dissector reads are reassembled */
		proto_rec_u(&r, "missed_bytes", missed);
	proto_rec_cstr(&r, "history", a->hist);
	proto_rec_u(&r, "orig_pkts", a->pkts[0]);
	proto_rec_u(&r, "orig_ip_bytes", a->ip_bytes[0]);
	proto_rec_u(&r, "resp_pkts", a->pkts[1]);
	proto_rec_u(&r, "resp_ip_bytes", a->ip_bytes[1]);
	if (t->cfg.nshards <= 1) /* sharded: the caller numbers the streams */
		proto_rec_u(&r, f->key.proto == 6 ? "tcp.stream" : "udp.stream", f->stream);
	t->cur_ts = a->start_ns;
	proto_emit(&(struct proto_ctx){ .env = &t->env }, &r);
	t->cur = saved;
	t->cur_fid = saved_fid;
	t->cur_ts = saved_ts;
}

static void flow_release(struct flow_table *t, uint32_t id)
{
	struct flow *f = flow_at(t, id - 1);
	if (t->rec_fn)
		flow_emit_end(t, id);
	pdu_conv_free(&acct_at(t, id - 1)->udp_app);
	uint32_t s = slot_find(t, &f->key, f->hash, t);
	if (t->slots[s] == id)
		table_remove_slot(t, s);
	lru_unlink(t, id);
	if (f->tcp) {
		pdu_conv_free(&tcp_at(t, f->tcp - 1)->pdu);
		tcp_conv_release(tcp_at(t, f->tcp - 1));
		tcp_at(t, f->tcp - 1)->half[0].base_seq = t->tcp_free;
		t->tcp_free = f->tcp;
	}
	f->list = 0;
	f->lru_next = t->free_head;
	t->free_head = id;
	t->st.flows_live--;
}

static int table_grow(struct flow_table *t)
{
	uint32_t n = t->nslots * 2;
	uint32_t *s = calloc(n, sizeof *s);
	if (!s)
		return -1;
	uint32_t *old = t->slots, on = t->nslots;
	t->slots = s;
	t->nslots = n;
	for (uint32_t i = 0; i < on; i++)
		if (old[i]) {
			struct flow *f = flow_at(t, old[i] - 1);
			t->slots[slot_find(t, &f->key, f->hash, t)] = old[i];
		}
	free(old);
	return 0;
}

/* Every conversation idle past its timeout ends, oldest first. The lists are in the order of
 * each flow's last packet, so the walk stops at the first one still young; the work is amortised:
 * each flow is released once. (Not capped per packet: then what ends at a frame would depend on
 * the flows of other shards.) */
static void flow_sweep(struct flow_table *t, int64_t now)
{
	for (uint8_t list = 1; list <= 2; list++) {
		int64_t tmo = list == 1 ? t->cfg.idle_ns : t->cfg.closed_ns;
		while (t->lists[list].head) {
			uint32_t id = t->lists[list].head;
			const struct flow *f = flow_at(t, id - 1);
			if (now - f->last_ts <= tmo)
				break;
			t->order = (struct flow_order){ t->frame, 0, list, f->last_frame };
			flow_release(t, id);
			t->st.flows_expired++;
		}
	}
	t->order = (struct flow_order){ t->frame, 1, 0, 0 };
}

static void flow_key_make(struct flow_key *k, uint8_t proto, uint8_t alen, const uint8_t *src, uint16_t sp,
			  const uint8_t *dst, uint16_t dp, uint8_t *src_is_a)
{
	memset(k, 0, sizeof *k);
	int c = memcmp(src, dst, alen);
	int swap = c > 0 || (c == 0 && sp > dp);
	memcpy(k->a, swap ? dst : src, alen);
	memcpy(k->b, swap ? src : dst, alen);
	k->pa = swap ? dp : sp;
	k->pb = swap ? sp : dp;
	k->proto = proto;
	k->alen = alen;
	*src_is_a = (uint8_t)!swap;
}

/* Hashes only the bytes that matter (13 for IPv4, 37 for IPv6): fewer SipHash rounds. */
static uint64_t flow_key_hash(const struct flow_table *t, const struct flow_key *k)
{
	uint8_t b[40];
	size_t n = 0;
	memcpy(b, k->a, k->alen);
	n += k->alen;
	memcpy(b + n, k->b, k->alen);
	n += k->alen;
	b[n++] = (uint8_t)(k->pa >> 8);
	b[n++] = (uint8_t)k->pa;
	b[n++] = (uint8_t)(k->pb >> 8);
	b[n++] = (uint8_t)k->pb;
	b[n++] = k->proto;
	return hash_siphash13(&t->key, b, n);
}

/* Finds or creates the flow for a tuple. Returns index+1 and sets *created. */
static uint32_t flow_get(struct flow_table *t, const struct flow_key *k, uint8_t src_is_a, int64_t now, int *created)
{
	uint64_t h = flow_key_hash(t, k);
	uint32_t s = slot_find(t, k, h, t);
	*created = 0;
	if (t->slots[s])
		return t->slots[s];
	if (t->st.flows_live >= t->cfg.max_flows) {
		uint32_t victim = t->lists[2].head ? t->lists[2].head : t->lists[1].head;
		if (victim) {
			flow_release(t, victim);
			t->st.flows_evicted++;
			s = slot_find(t, k, h, t);
		}
	}
	uint32_t id = flow_alloc(t);
	if (!id)
		return 0;
	struct flow *f = flow_at(t, id - 1);
	acct_at(t, id - 1)->first_frame = t->frame;
	f->key = *k;
	f->hash = h;
	f->orig_is_a = src_is_a;
	f->last_ts = now;
	t->slots[s] = id;
	lru_append(t, id, 1);
	t->st.flows_created++;
	if (++t->st.flows_live > t->st.flows_peak)
		t->st.flows_peak = t->st.flows_live;
	if (t->st.flows_live * 2 > t->nslots)
		(void)table_grow(t);
	*created = 1;
	return id;
}

static int64_t pkt_time(const struct pkt *p)
{
	return frame_ns(p->fr);
}

static void flow_set_current(struct flow_table *t, const struct flow *f, uint32_t id, int64_t now)
{
	(void)f;
	if (!t->rec_fn)
		return;
	t->cur_fid = id; /* the ident is made when a record needs it */
	t->cur_ts = now;
}

static void proto_pkt_reset(struct proto_pkt *o)
{
	o->proto = 0;
	o->shown = 0;
	o->info_set = 0;
	o->info_len = 0;
	o->info[0] = 0;
	o->nfv = 0;
	o->dropped = 0;
	o->col[0] = 0;
	memset(o->present, 0, sizeof o->present);
	if (o->tree)
		proto_tree_reset(o->tree);
}

static void flow_new_tcp_stream(struct flow_table *t, struct flow *f, uint32_t id)
{
	f->stream = (uint32_t)t->tcp_streams++;
	if (t->stream_fn)
		t->stream_fn(t->rec_arg, id, 6, 0);
}

static void flow_tcp(struct flow_table *t, const struct pkt *p, const struct pkt_ip *ip, struct flow_pkt *out)
{
	struct flow_key k;
	uint8_t src_is_a;
	int64_t now = pkt_time(p);
	flow_key_make(&k, 6, ip->alen, ip->src, p->tcp.sport, ip->dst, p->tcp.dport, &src_is_a);
	int created;
	uint32_t id = flow_get(t, &k, src_is_a, now, &created);
	if (!id)
		return;
	struct flow *f = flow_at(t, id - 1);
	if (created) {
		flow_new_tcp_stream(t, f, id);
		f->tcp = tcp_alloc(t);
		if (!f->tcp)
			return;
	}
	uint8_t dir = (uint8_t)(src_is_a != f->orig_is_a);
	struct tcp_conv *c = tcp_at(t, f->tcp - 1);
	if (!created && tcp_conv_reuse_check(c, p, dir, out)) {
		if (t->rec_fn)
			flow_emit_end(t, id);
		memset(acct_at(t, id - 1), 0, sizeof(struct flow_acct));
		acct_at(t, id - 1)->first_frame = t->frame;
		created = 1; /* for the accounting: a new conversation starts here */
		flow_new_tcp_stream(t, f, id);
		f->orig_is_a = src_is_a;
		dir = 0;
		pdu_conv_free(&c->pdu);
		tcp_conv_reset(c);
		out->analysis |= TA_REUSED;
		if (f->list == 2) {
			lru_unlink(t, id);
			lru_append(t, id, 1);
		}
	}
	out->tcp_stream = f->stream;
	out->dir = dir;
	tcp_conv_analyze(c, p, dir, out);
	conn_account(t, id, p, dir, ip->hl + ip->payload_len, (out->analysis & TA_RETRANS) ? 0 : p->tcp.len, created);
	/* tshark gives no retransmission to a dissector; reassembly takes them (they may fill holes) */
	if ((t->rpool || !(out->analysis & (TA_RETRANS | TA_SPURIOUS | TA_KEEPALIVE))) && !t->cfg.no_dissect) {
		flow_set_current(t, f, id, now);
		struct pdu_io io = { &t->env, t->out, t->xt, ip->src, ip->dst, ip->alen, t->cfg.ndecode_as, t->cfg.decode_as,
				     t->rpool };
		pdu_tcp_segment(&c->pdu, p, dir, out, &io);
	}
	f->last_ts = now;
	uint8_t want = c->closed ? 2 : 1;
	lru_unlink(t, id);
	lru_append(t, id, want);
}

/* Media endpoints announced by SIP/SDP in a datagram become expectations. */
static void flow_udp_expectations(struct flow_table *t, const struct pkt *p, uint16_t sp, uint16_t dp,
				  struct slice payload)
{
	if (t->sip < 0 || !t->expect || !payload.len)
		return;
	const struct proto_desc *pd = proto_get((size_t)t->sip);
	if (sp != 5060 && dp != 5060 && pd->probe(PROTO_L4_UDP, payload) != PROBE_YES)
		return;
	struct proto_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	ctx.sport = sp;
	ctx.dport = dp;
	(void)pd->parse(&ctx, 0, payload);
	for (uint8_t i = 0; i < ctx.nexpect; i++)
		expect_add(t->expect, ctx.expect[i].l4, ctx.expect[i].alen, ctx.expect[i].addr, ctx.expect[i].port,
			   p->fr->num);
}

/* UDP numbering as Wireshark: a conversation UDP created itself (exact tuple) keeps its
 * stream; otherwise an expectation on either endpoint supplies the conversation, and a newer
 * announcement of that endpoint starts a new stream. */
static void flow_udp(struct flow_table *t, const struct pkt *p, uint8_t alen, const uint8_t *src, uint16_t sp,
		     const uint8_t *dst, uint16_t dp, struct slice payload, struct flow_pkt *out)
{
	struct flow_key k;
	uint8_t src_is_a;
	int64_t now = pkt_time(p);
	flow_key_make(&k, 17, alen, src, sp, dst, dp, &src_is_a);
	int created;
	uint32_t id = flow_get(t, &k, src_is_a, now, &created);
	if (!id)
		return;
	struct flow *f = flow_at(t, id - 1);
	int64_t *estream = NULL;
	uint32_t gen = 0;
	if (t->expect && (created || f->expect_gen))
		gen = expect_lookup(t->expect, 17, alen, src, sp, dst, dp, &estream);
	if (gen && gen != f->expect_gen) {
		if (*estream < 0)
			*estream = (int64_t)t->udp_streams++;
		f->stream = (uint32_t)*estream;
		f->expect_gen = gen;
		if (t->stream_fn)
			t->stream_fn(t->rec_arg, id, 17, gen);
	} else if (created) {
		f->stream = (uint32_t)t->udp_streams++;
		if (t->stream_fn)
			t->stream_fn(t->rec_arg, id, 17, 0);
	}
	out->udp_stream = f->stream;
	out->dir = (uint8_t)(src_is_a != f->orig_is_a);
	f->last_ts = now;
	lru_unlink(t, id);
	lru_append(t, id, 1);
	flow_udp_expectations(t, p, sp, dp, payload);
	if (!payload.p || t->cfg.no_dissect) /* a header quoted in an ICMP error; or flows only */
		return;
	const struct pkt_ip *ip = &p->ip[p->udp_ip];
	conn_account(t, id, p, out->dir, ip->hl + ip->payload_len, payload.len, created);
	flow_set_current(t, f, id, now);
	struct pdu_io io = { &t->env, t->out, t->xt, src, dst, alen, t->cfg.ndecode_as, t->cfg.decode_as, NULL };
	pdu_udp_datagram(&acct_at(t, id - 1)->udp_app, p, sp, dp, out->dir, payload, out, &io, t->sip);
}

/* Ports quoted in an ICMP error are numbered as their conversation (Wireshark
 * looks the conversation up for the inner header and creates it if new). */
static void flow_icmp_inner(struct flow_table *t, const struct pkt *p, struct flow_pkt *out)
{
	const struct pkt_ip *ip = &p->inner_ip;
	if (p->inner_l4 == 17) {
		struct slice none = { NULL, 0 };
		flow_udp(t, p, ip->alen, ip->src, p->inner_sport, ip->dst, p->inner_dport, none, out);
	} else if (p->inner_l4 == 6) {
		struct flow_key k;
		uint8_t src_is_a;
		flow_key_make(&k, 6, ip->alen, ip->src, p->inner_sport, ip->dst, p->inner_dport, &src_is_a);
		int created;
		uint32_t id = flow_get(t, &k, src_is_a, pkt_time(p), &created);
		if (!id)
			return;
		struct flow *f = flow_at(t, id - 1);
		if (created) {
			flow_new_tcp_stream(t, f, id);
			f->tcp = tcp_alloc(t);
		}
		out->tcp_stream = f->stream;
	}
}

/* An address folded to 64 bits (IPv4: its 4 bytes; IPv6: both halves). */
static uint64_t flow_addr_fold(const uint8_t *a, uint8_t alen)
{
	if (alen == 4) {
		uint32_t v;
		memcpy(&v, a, 4);
		return v;
	}
	uint64_t x = 0, y = 0;
	if (alen == 16) {
		memcpy(&x, a, 8);
		memcpy(&y, a + 8, 8);
	}
	return x ^ (y * 0x9e3779b97f4a7c15ull);
}

/* A symmetric mix of an address pair: the same for both directions, spread over all bits. */
static uint64_t flow_pair_mix_bytes(const uint8_t *a, const uint8_t *b, uint8_t alen)
{
	uint64_t ha = flow_addr_fold(a, alen) * 0xc2b2ae3d27d4eb4full, hb = flow_addr_fold(b, alen) * 0xc2b2ae3d27d4eb4full;
	uint64_t h = (ha ^ (ha >> 29)) + (hb ^ (hb >> 29));
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static uint64_t flow_pair_mix(const struct pkt_ip *ip) { return flow_pair_mix_bytes(ip->src, ip->dst, ip->alen); }

int flow_shard_frame(const struct frame *f, uint32_t nshards)
{
	const uint8_t *b = f->data;
	if (nshards <= 1 || f->linktype != LT_ETHERNET || f->caplen < 14 + 20 || b[12] != 0x08 || b[13] != 0x00 ||
	    (b[14] >> 4) != 4 || b[23] != 6)
		return -1;
	uint32_t ihl = (b[14] & 15u) * 4u, totlen = (uint32_t)b[16] << 8 | b[17];
	if (ihl < 20 || f->caplen < 14 + ihl || totlen < ihl || ((b[20] & 0x3f) | b[21]))
		return -1; /* options cut short, a bad length or a fragment: decode_frame decides */
	return (int)(flow_pair_mix_bytes(b + 26, b + 30, 4) % nshards);
}

void flow_table_tick(struct flow_table *t, const struct frame *f)
{
	t->frame = f->num;
	flow_sweep(t, frame_ns(f));
}

uint32_t flow_shard(const struct pkt *p, uint32_t nshards)
{
	if (nshards <= 1)
		return 0;
	const struct pkt_ip *ip = pkt_ip_last(p);
	if (!ip)
		return 0;
	if (p->layers & PL_TCP)
		return (uint32_t)(flow_pair_mix(ip) % nshards);
	if (p->layers & PL_UDP)
		return (uint32_t)(flow_pair_mix(&p->ip[p->udp_ip]) % nshards);
	if ((p->layers & PL_INNER_IP) && (p->inner_l4 == 6 || p->inner_l4 == 17))
		return (uint32_t)(flow_pair_mix(&p->inner_ip) % nshards);
	return 0;
}

void flow_table_packet(struct flow_table *t, const struct pkt *p, struct flow_pkt *out)
{
	memset(out, 0, sizeof *out);
	proto_pkt_reset(t->out);
	out->tcp_stream = -1;
	out->udp_stream = -1;
	t->frame = p->fr->num;
	if (t->cfg.shard == 0)
		l3track_packet(t->l3, p, out);
	const struct pkt_ip *ip = pkt_ip_last(p);
	if (!ip)
		return;
	flow_sweep(t, pkt_time(p));
	if (t->cfg.nshards > 1 && flow_shard(p, t->cfg.nshards) != t->cfg.shard) {
		if ((p->layers & (PL_TCP | PL_UDP)) == PL_UDP && !(p->problem == PP_TRUNC && p->problem_layer == __builtin_ctz(PL_UDP)))
			flow_udp_expectations(t, p, p->udp.sport, p->udp.dport, p->udp.payload); /* as its owner adds them */
		return;
	}
	if (p->layers & PL_TCP) {
		if (p->problem != PP_NONE && p->problem_layer == __builtin_ctz(PL_TCP) && p->problem != PP_TRUNC)
			return;
		if (p->problem == PP_TRUNC && p->problem_layer == __builtin_ctz(PL_TCP) && p->tcp.hl == 0)
			return;
		flow_tcp(t, p, ip, out);
	} else if (p->layers & PL_UDP) {
		if (p->problem == PP_TRUNC && p->problem_layer == __builtin_ctz(PL_UDP))
			return;
		const struct pkt_ip *uip = &p->ip[p->udp_ip]; /* a tunnel's inner layers may not be UDP */
		flow_udp(t, p, uip->alen, uip->src, p->udp.sport, uip->dst, p->udp.dport, p->udp.payload, out);
	} else if (p->layers & PL_INNER_IP) {
		flow_icmp_inner(t, p, out);
	}
}

void flow_table_finish(struct flow_table *t)
{
	for (uint8_t list = 2; list >= 1; list--)
		while (t->lists[list].head) {
			uint32_t id = t->lists[list].head;
			t->order = (struct flow_order){ UINT64_MAX, 0, (uint8_t)(2 - list), flow_at(t, id - 1)->last_frame };
			flow_release(t, id);
		}
}

void flow_table_order(const struct flow_table *t, struct flow_order *o) { *o = t->order; }

void flow_table_set_stream_hook(struct flow_table *t, flow_stream_fn fn) { t->stream_fn = fn; }

void flow_table_stats(const struct flow_table *t, struct flow_stats *s)
{
	*s = t->st;
	s->tcp_streams = t->tcp_streams;
	s->udp_streams = t->udp_streams;
	memset(&s->reasm, 0, sizeof s->reasm);
	if (t->rpool)
		reasm_pool_stats(t->rpool, &s->reasm);
}
