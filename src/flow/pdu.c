/* pdu.c: application PDU tracking over TCP (see pdu.h). The model is Wireshark 4.0's
 * desegment_tcp: a dissector given a segment either finishes a PDU in it, or asks for more data
 * (an exact amount, "one more segment", or "until FIN"); a segment lying wholly inside a PDU of
 * known extent is not given to the dissector at all; a segment in which no PDU that it touches
 * ends is marked "[TCP segment of a reassembled PDU]". */
#include "flow/pdu.h"

#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"

enum pdu_end { PDU_END_NONE = 0, PDU_END_EXACT, PDU_END_CLOSE };

/* One PDU that spread over several segments, as tshark's reassembly table holds it (see
 * pdu_msp_note). */
struct pdu_msp {
	uint32_t start;     /* sequence number of its first byte */
	uint32_t end;       /* where its reassembly ends (one past the last byte it takes) */
	uint8_t used;
	uint8_t kind;       /* enum pdu_end: how `end` is known (NONE: "one more segment") */
	uint8_t holed;      /* enum pdu_holes */
};

struct pdu_hole {
	uint32_t from, to;  /* missing bytes [from, to) */
};

#define PDU_MSP_MAX 8
#define PDU_HOLES_MAX 4

struct pdu_dir {
	uint32_t nxt;       /* absolute sequence number expected next */
	uint32_t start;     /* mid: sequence number where the current PDU started */
	uint32_t end;       /* PDU_END_EXACT: sequence number where the current PDU ends */
	uint8_t have_nxt;
	uint8_t mid;        /* inside a PDU that has not ended */
	uint8_t known_end;  /* enum pdu_end */
	uint8_t nholes;     /* entries of hole[] */
	uint32_t boff, blen, bcap; /* kept tail: buf[boff .. boff+blen) */
	uint32_t hstart;    /* start of the PDU whose missing bytes hole[] lists */
	uint8_t msp_next;   /* slot of msp[] written next when none matches */
	uint8_t *buf;       /* owned (malloc); NULL when nothing is kept */
	struct pdu_msp msp[PDU_MSP_MAX]; /* the latest multi-segment PDUs */
	struct pdu_hole hole[PDU_HOLES_MAX];
	struct reasm_dir ra; /* reassembly mode: the direction's stream offsets and held bytes */
	uint64_t fin_off;    /* reassembly mode: stream offset of the FIN, when fin is set */
	uint8_t fin, closed; /* reassembly mode: a FIN was seen; the dissector was told of the close */
};

struct pdu_conv {
	uint8_t proto;      /* registry index */
	uint8_t visible;    /* tshark gives this flow to the same dissector (port or heuristic) */
	uint8_t dead;       /* the dissector returned PROTO_ERR or hit a cap: excluded */
	uint8_t none;       /* marker: no dissector claimed the flow */
	uint8_t gone;       /* the owning flow ended; kept only for the references below */
	uint8_t link_tag;   /* tag of the expectation this flow came from */
	uint8_t pending;    /* reassembly mode: its first bytes came out of order, so no dissector
	                     * yet: it only holds bytes (stride 0) until the first in-order ones
	                     * choose it (pdu_reasm_choose), by content then port */
	uint32_t refs;      /* the owning flow + linked flows + expectations naming it */
	uint32_t stride;    /* bytes per direction's state */
	uint32_t anomalies;
	struct pdu_conv *parent; /* a reference: the control flow that announced this one */
	struct reasm_pool *rpool; /* borrowed (the flow table's); NULL: not in reassembly mode */
	struct pdu_dir d[2];
	_Alignas(16) unsigned char state[]; /* 2 * stride */
};

static struct pdu_conv pdu_none = { .none = 1 };

#define SEQ_LT(a, b) ((int32_t)((a) - (b)) < 0)

static void *pdu_state(struct pdu_conv *pc, uint8_t dir)
{
	return pc->state + (size_t)dir * pc->stride;
}

static void pdu_dir_drop(struct pdu_dir *d)
{
	free(d->buf);
	d->buf = NULL;
	d->boff = d->blen = d->bcap = 0;
}

static void pdu_dir_restart(struct pdu_conv *pc, const struct proto_desc *pd, uint8_t dir)
{
	struct pdu_dir *d = &pc->d[dir];
	pdu_dir_drop(d);
	d->mid = 0;
	d->known_end = PDU_END_NONE;
	if (pd->fini)
		pd->fini(pdu_state(pc, dir));
	memset(pdu_state(pc, dir), 0, pc->stride);
	if (pd->init)
		pd->init(pdu_state(pc, dir), dir);
}

/* Ended conversations' blocks, kept per protocol for the next conversation of that protocol:
 * hundreds of thousands of short flows would otherwise each cost a malloc and a free of a few KB.
 * Linked through `parent`; at most PDU_POOL_MAX blocks per protocol (a few MB at most). */
#define PDU_POOL_MAX 256
struct pdu_pool {
	struct pdu_conv *head;
	uint32_t n;
};
static _Thread_local struct pdu_pool pdu_pools[256];

void pdu_pool_drain(void)
{
	for (size_t i = 0; i < sizeof pdu_pools / sizeof pdu_pools[0]; i++) {
		struct pdu_pool *pp = &pdu_pools[i];
		while (pp->head) {
			struct pdu_conv *pc = pp->head;
			pp->head = pc->parent;
			free(pc);
		}
		pp->n = 0;
	}
}

static void pdu_conv_unref(struct pdu_conv *pc)
{
	if (!pc || pc->none || --pc->refs != 0)
		return;
	if (pc->pending) { /* sized for no state: not for a protocol's pool */
		free(pc);
		return;
	}
	struct pdu_pool *pp = &pdu_pools[pc->proto];
	if (pp->n >= PDU_POOL_MAX) {
		free(pc);
		return;
	}
	pc->parent = pp->head;
	pp->head = pc;
	pp->n++;
}

void pdu_conv_free(struct pdu_conv **pcp)
{
	struct pdu_conv *pc = *pcp;
	*pcp = NULL;
	if (!pc || pc->none)
		return;
	const struct proto_desc *pd = proto_get(pc->proto);
	for (uint8_t i = 0; i < 2; i++) {
		pdu_dir_drop(&pc->d[i]);
		if (pc->rpool)
			reasm_dir_drop(&pc->d[i].ra, pc->rpool);
		if (pd && pd->fini && !pc->pending)
			pd->fini(pdu_state(pc, i));
	}
	pc->gone = 1;
	pdu_conv_unref(pc->parent);
	pc->parent = NULL;
	pdu_conv_unref(pc);
}

uint8_t pdu_conv_proto(const struct pdu_conv *pc)
{
	return pc && !pc->none && !pc->pending ? (uint8_t)(pc->proto + 1) : 0;
}

static struct pdu_conv *pdu_conv_new(int idx, int by_content, uint16_t sport, uint16_t dport)
{
	const struct proto_desc *pd = proto_get((size_t)idx);
	size_t stride = (pd->state_size + 15) & ~(size_t)15;
	struct pdu_pool *pp = &pdu_pools[idx & 255];
	struct pdu_conv *pc = pp->head;
	if (pc) {
		pp->head = pc->parent;
		pp->n--;
		memset(pc, 0, sizeof *pc + 2 * stride);
	} else {
		pc = calloc(1, sizeof *pc + 2 * stride);
		if (!pc)
			return NULL;
	}
	pc->proto = (uint8_t)idx;
	pc->stride = (uint32_t)stride;
	pc->refs = 1;
	int port = 0;
	for (size_t k = 0; pd->ports && pd->ports[k]; k++)
		if (pd->ports[k] == sport || pd->ports[k] == dport)
			port = 1;
	pc->visible = (uint8_t)(!by_content || port || pd->ws_heuristic);
	for (uint8_t i = 0; i < 2; i++)
		if (pd->init)
			pd->init(pdu_state(pc, i), i);
	return pc;
}

#define PDU_CHOOSE_LOOK 512 /* bytes of a stream's start the probes see when the choice was put off */

/* A conversation whose dissector is not chosen yet (pdu_conv.pending). */
static struct pdu_conv *pdu_conv_pending_new(void)
{
	struct pdu_conv *pc = calloc(1, sizeof *pc);
	if (!pc)
		return NULL;
	pc->pending = 1;
	pc->refs = 1;
	return pc;
}

/* Appends `s` to the kept tail; returns -1 past the cap. */
static int pdu_keep(struct pdu_dir *d, const uint8_t *p, uint32_t n)
{
	if (d->boff && d->blen)
		memmove(d->buf, d->buf + d->boff, d->blen);
	d->boff = 0;
	if ((uint64_t)d->blen + n > PDU_BUF_CAP)
		return -1;
	if (d->blen + n > d->bcap) {
		uint32_t nc = d->bcap ? d->bcap : 256;
		while (nc < d->blen + n)
			nc *= 2;
		if (nc > PDU_BUF_CAP)
			nc = PDU_BUF_CAP;
		uint8_t *b = realloc(d->buf, nc);
		if (!b)
			return -1;
		d->buf = b;
		d->bcap = nc;
	}
	memcpy(d->buf + d->blen, p, n);
	d->blen += n;
	return 0;
}

struct pdu_out {
	uint8_t done;       /* a PDU ended in the segment */
	uint8_t failed;     /* the dissector gave up */
	const char *handover; /* the dissector hands the flow over to this one */
	uint8_t info;
	struct slice line;
};

/* Runs the parser over `data` from a PDU boundary or from where the state left off. When
 * `d` is NULL the run is a dry one (state is scratch; nothing is kept). */
static void pdu_run(const struct proto_desc *pd, struct proto_ctx *ctx, uint8_t dir, struct slice data,
		    struct pdu_dir *d, uint32_t segend, struct pdu_out *o, int kept_in_buf)
{
	uint32_t pos = 0;
	uint32_t guard = 0;
	if (d && !d->mid)
		d->start = segend - data.len;
	while (pos < data.len && guard++ < 1u << 16) {
		struct slice rest = { data.p + pos, data.len - pos };
		struct proto_res r = pd->parse(ctx, dir, rest);
		if (r.consumed > rest.len)
			r.status = PROTO_ERR;
		if (r.status == PROTO_ERR || (r.status == PROTO_OK && r.consumed == 0)) {
			o->failed = 1;
			return;
		}
		pos += r.consumed;
		if (r.status == PROTO_OK) {
			o->done = 1;
			if (d) {
				d->start = segend - (data.len - pos);
				d->mid = 0;
				d->known_end = PDU_END_NONE;
			}
			if (ctx->handover) { /* the rest belongs to the next dissector */
				o->handover = ctx->handover;
				break;
			}
			continue;
		}
		if (ctx->handover)
			o->handover = ctx->handover;
		uint32_t tail = data.len - pos;
		if (d) {
			d->mid = 1;
			if (r.needed == PROTO_UNTIL_CLOSE) {
				d->known_end = PDU_END_CLOSE;
			} else if (r.needed && !tail) {
				d->known_end = PDU_END_EXACT;
				d->end = segend + r.needed;
			} else {
				d->known_end = PDU_END_NONE;
			}
			if (kept_in_buf) {
				d->boff += pos;
				d->blen = tail;
			} else if (tail && pdu_keep(d, data.p + pos, tail) < 0) {
				o->failed = 1;
				return;
			}
			kept_in_buf = -1;
		}
		break;
	}
	if (d && kept_in_buf == 1) { /* everything in the buffer was used */
		d->boff = 0;
		d->blen = 0;
	}
	o->info = ctx->info;
	o->line = ctx->info_line;
}

/* ---- tshark's table of multi-segment PDUs --------------------------------------------------
 * tshark remembers, per direction, every PDU that spread over several segments: where it starts,
 * where its reassembly ends, and which of its bytes it got. A segment that is not simply the next
 * in-order data is placed with that table, looking only at the PDU with the highest start below
 * the segment's sequence number (a PDU that starts later hides the ones before it):
 *  - old data (a fast retransmission) that copies such a PDU's first segment is left to TCP;
 *    old data falling inside such a PDU joins it ("[TCP segment of a reassembled PDU]"), even
 *    when that PDU ended long ago; other old data is dissected afresh;
 *  - an out-of-order segment lying wholly inside such a PDU joins it and is marked the same way,
 *    unless it brings the last bytes an ended PDU lacked: then nothing is marked.
 * A PDU waiting for "one more segment" ends one byte past the data seen so far: the next segment
 * joins it whole and completes it (one after a gap does not join it). A PDU waiting for the
 * close has no end. A PDU that lost bytes (a gap inside it) is not reassembled until they come
 * (a fast retransmission or an out-of-order segment): when its last segment comes first, that
 * segment is only marked as one of its segments.
 * We keep the latest few PDUs, and which bytes are missing for the latest one that lost some
 * (the others that lost some are taken as never completing). */

enum pdu_holes { PDU_WHOLE = 0, PDU_HOLES, PDU_HOLES_FOR_GOOD };

static struct pdu_msp *pdu_msp_at(struct pdu_dir *d, uint32_t start)
{
	for (uint32_t i = 0; i < PDU_MSP_MAX; i++)
		if (d->msp[i].used && d->msp[i].start == start)
			return &d->msp[i];
	return NULL;
}

/* The entry of the PDU starting at `start` (the oldest one is replaced for a new PDU). */
static struct pdu_msp *pdu_msp_put(struct pdu_dir *d, uint32_t start, uint8_t kind, uint32_t end)
{
	struct pdu_msp *m = pdu_msp_at(d, start);
	if (!m) {
		m = &d->msp[d->msp_next];
		d->msp_next = (uint8_t)((d->msp_next + 1) % PDU_MSP_MAX);
		if (m->used && d->nholes && d->hstart == m->start)
			d->nholes = 0;
		memset(m, 0, sizeof *m);
		m->used = 1;
		m->start = start;
	}
	m->kind = kind;
	m->end = end;
	return m;
}

/* The open PDU's entry (NULL: none open, or not spread over segments yet). */
static struct pdu_msp *pdu_msp_live(struct pdu_dir *d)
{
	return d->mid ? pdu_msp_at(d, d->start) : NULL;
}

/* Brings the table up to date after in-order data ending at `segend` went to the dissector:
 * `was_mid`/`prev_start` describe the PDU open before the segment. */
static void pdu_msp_note(struct pdu_dir *d, int was_mid, uint32_t prev_start, uint32_t segend)
{
	if (was_mid && (!d->mid || d->start != prev_start)) {
		struct pdu_msp *m = pdu_msp_at(d, prev_start);
		if (m && m->kind != PDU_END_EXACT) { /* it took the whole completing segment */
			m->end = segend;
			m->kind = PDU_END_EXACT;
		}
	}
	if (d->mid)
		pdu_msp_put(d, d->start, d->known_end, d->known_end == PDU_END_EXACT ? d->end : segend + 1);
}

/* The PDU `m` lost [from, to). */
static void pdu_msp_hole(struct pdu_dir *d, struct pdu_msp *m, uint32_t from, uint32_t to)
{
	if (m->holed == PDU_HOLES_FOR_GOOD || !SEQ_LT(from, to))
		return;
	if (m->holed != PDU_HOLES || d->hstart != m->start) {
		/* the holes listed are another PDU's: that one keeps them for good */
		struct pdu_msp *o = d->nholes ? pdu_msp_at(d, d->hstart) : NULL;
		if (o && o != m)
			o->holed = PDU_HOLES_FOR_GOOD;
		d->nholes = 0;
		d->hstart = m->start;
	}
	if (d->nholes == PDU_HOLES_MAX) {
		m->holed = PDU_HOLES_FOR_GOOD;
		return;
	}
	d->hole[d->nholes].from = from;
	d->hole[d->nholes].to = to;
	d->nholes++;
	m->holed = PDU_HOLES;
}

/* [from, to) of `m` came after all. Returns 1 when that makes `m` whole. */
static int pdu_msp_fill(struct pdu_dir *d, struct pdu_msp *m, uint32_t from, uint32_t to)
{
	if (m->holed != PDU_HOLES || d->hstart != m->start)
		return 0;
	for (uint32_t i = 0; i < d->nholes;) {
		struct pdu_hole *h = &d->hole[i];
		if (!SEQ_LT(from, h->to) || !SEQ_LT(h->from, to)) {
			i++;
		} else if (!SEQ_LT(h->from, from) && !SEQ_LT(to, h->to)) { /* filled */
			d->hole[i] = d->hole[--d->nholes];
		} else if (!SEQ_LT(h->from, from)) {
			h->from = to;
			i++;
		} else if (!SEQ_LT(to, h->to)) {
			h->to = from;
			i++;
		} else if (d->nholes == PDU_HOLES_MAX) { /* filled in its middle, no room to split */
			m->holed = PDU_HOLES_FOR_GOOD;
			return 0;
		} else {
			d->hole[d->nholes].from = to;
			d->hole[d->nholes].to = h->to;
			d->nholes++;
			h->to = from;
			i++;
		}
	}
	if (d->nholes)
		return 0;
	m->holed = PDU_WHOLE;
	return 1;
}

/* The PDU tshark's lookup finds for data at `seq`: the one with the highest start below it. */
static struct pdu_msp *pdu_msp_find(struct pdu_dir *d, uint32_t seq)
{
	struct pdu_msp *best = NULL;
	for (uint32_t i = 0; i < PDU_MSP_MAX; i++) {
		struct pdu_msp *m = &d->msp[i];
		if (m->used && SEQ_LT(m->start, seq) && (!best || SEQ_LT(best->start, m->start)))
			best = m;
	}
	return best;
}

/* Whether [seq, segend) starts inside the PDU `m` (`whole`: lies wholly inside it). */
static int pdu_msp_holds(const struct pdu_msp *m, uint32_t seq, uint32_t segend, int whole)
{
	if (!m)
		return 0;
	if (m->kind == PDU_END_CLOSE)
		return 1;
	return whole ? SEQ_LT(segend, m->end) : SEQ_LT(seq, m->end);
}

enum pdu_old { PDU_OLD_AFRESH = 0, PDU_OLD_FIRST, PDU_OLD_INSIDE };

/* Where old data [seq, segend) goes, as tshark places it (see above); the PDU it joins records
 * the bytes. A PDU waiting for one more segment is completed by it: tshark dissects that PDU
 * then, which we approximate by dissecting the segment afresh (the PDU's first bytes are no
 * longer kept). */
static enum pdu_old pdu_old_place(struct pdu_dir *d, uint32_t seq, uint32_t segend)
{
	for (uint32_t i = 0; i < PDU_MSP_MAX; i++) {
		const struct pdu_msp *m = &d->msp[i];
		if (m->used && m->start == seq && (m->kind == PDU_END_CLOSE || !SEQ_LT(m->end, segend)))
			return PDU_OLD_FIRST;
	}
	struct pdu_msp *m = pdu_msp_find(d, seq);
	if (!pdu_msp_holds(m, seq, segend, 0))
		return PDU_OLD_AFRESH;
	if (m->kind == PDU_END_NONE && m != pdu_msp_live(d)) {
		m->kind = PDU_END_EXACT;
		m->end = segend;
		return PDU_OLD_AFRESH;
	}
	pdu_msp_fill(d, m, seq, segend);
	return PDU_OLD_INSIDE;
}

/* An out-of-order segment: 1 when tshark marks it as a segment of a PDU (see above). */
static int pdu_ooo_place(struct pdu_dir *d, uint32_t seq, uint32_t segend)
{
	struct pdu_msp *m = pdu_msp_find(d, seq);
	if (!pdu_msp_holds(m, seq, segend, 1))
		return 0;
	return !(pdu_msp_fill(d, m, seq, segend) && m != pdu_msp_live(d));
}

/* Whether a PDU in the table starts after `seq` (it would hide a PDU starting at `seq`). */
static int pdu_msp_after(const struct pdu_dir *d, uint32_t seq)
{
	for (uint32_t i = 0; i < PDU_MSP_MAX; i++)
		if (d->msp[i].used && SEQ_LT(seq, d->msp[i].start))
			return 1;
	return 0;
}

/* Endpoints announced over TCP for future TCP conversations (FTP data channels). Few are
 * pending at once; the oldest is dropped when the table is full. */
#define PDU_XT_MAX 64
#define PDU_XT_TTL_NS (600ll * 1000000000ll)

struct pdu_xent {
	uint8_t used, alen, proto, tag;
	uint16_t port;
	uint8_t addr[16];
	int64_t ts;
	struct pdu_conv *parent; /* a reference */
};

struct pdu_xtab {
	uint32_t next;           /* round-robin victim */
	struct pdu_xent e[PDU_XT_MAX];
};

struct pdu_xtab *pdu_xtab_new(void)
{
	return calloc(1, sizeof(struct pdu_xtab));
}

static void pdu_xent_clear(struct pdu_xent *x)
{
	pdu_conv_unref(x->parent);
	memset(x, 0, sizeof *x);
}

void pdu_xtab_free(struct pdu_xtab *xt)
{
	if (!xt)
		return;
	for (uint32_t i = 0; i < PDU_XT_MAX; i++)
		pdu_xent_clear(&xt->e[i]);
	free(xt);
}

static void pdu_xtab_add(struct pdu_xtab *xt, const struct proto_expect *x, struct pdu_conv *parent, int64_t now)
{
	const struct proto_desc *pd = x->proto ? proto_find(x->proto) : NULL;
	if (!xt || x->l4 != 6 || !pd || (x->alen != 4 && x->alen != 16))
		return;
	int idx = -1;
	for (size_t i = 0; i < proto_count(); i++)
		if (proto_get(i) == pd)
			idx = (int)i;
	struct pdu_xent *slot = NULL;
	for (uint32_t i = 0; i < PDU_XT_MAX && !slot; i++)
		if (!xt->e[i].used || (xt->e[i].port == x->port && xt->e[i].alen == x->alen &&
				       !memcmp(xt->e[i].addr, x->addr, x->alen)))
			slot = &xt->e[i];
	if (!slot) {
		slot = &xt->e[xt->next];
		xt->next = (xt->next + 1) % PDU_XT_MAX;
	}
	pdu_xent_clear(slot);
	slot->used = 1;
	slot->alen = x->alen;
	slot->port = x->port;
	memcpy(slot->addr, x->addr, x->alen);
	slot->proto = (uint8_t)idx;
	slot->tag = x->tag;
	slot->ts = now;
	slot->parent = parent;
	parent->refs++;
}

/* A new conversation: the expectation naming one of its endpoints, taken out of the table. */
static struct pdu_xent *pdu_xtab_take(struct pdu_xtab *xt, const struct pdu_io *io, uint16_t sp, uint16_t dp,
				      int64_t now, struct pdu_xent *out)
{
	if (!xt)
		return NULL;
	for (uint32_t i = 0; i < PDU_XT_MAX; i++) {
		struct pdu_xent *x = &xt->e[i];
		if (!x->used)
			continue;
		if (now - x->ts > PDU_XT_TTL_NS) {
			pdu_xent_clear(x);
			continue;
		}
		if (x->alen != io->alen)
			continue;
		if ((x->port == dp && !memcmp(x->addr, io->dst, x->alen)) ||
		    (x->port == sp && !memcmp(x->addr, io->src, x->alen))) {
			*out = *x;
			memset(x, 0, sizeof *x); /* the reference moves to *out */
			return out;
		}
	}
	return NULL;
}

static void pdu_ctx_init(struct proto_ctx *ctx, struct pdu_conv *pc, void *state, uint8_t dir, const struct pkt *p,
			 uint16_t sport, uint16_t dport, const struct pdu_io *io, uint8_t l4)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->state = state;
	ctx->peer = pdu_state(pc, (uint8_t)!dir);
	ctx->sport = sport;
	ctx->dport = dport;
	ctx->proto_idx = pc->proto;
	ctx->l4 = l4;
	ctx->is_orig = dir == 0;
	if (p) { /* NULL: no packet (flow end) */
		ctx->ts_ns = frame_ns(p->fr);
		ctx->frame = p->fr->num;
	}
	ctx->link_tag = pc->link_tag;
	if (pc->parent && !pc->parent->gone) {
		ctx->parent = pdu_state(pc->parent, 0);
		ctx->parent_stride = pc->parent->stride;
	}
	if (io) {
		ctx->alen = io->alen;
		ctx->src = io->src;
		ctx->dst = io->dst;
		ctx->out = io->out;
		ctx->env = io->env;
	}
}

/* After a parse: announced endpoints become expectations. */
static void pdu_expectations(struct pdu_conv *pc, const struct proto_ctx *ctx, const struct pdu_io *io)
{
	for (uint8_t i = 0; i < ctx->nexpect && i < PROTO_MAX_EXPECT; i++)
		pdu_xtab_add(io ? io->xt : NULL, &ctx->expect[i], pc, ctx->ts_ns);
}

/* The dissector's output for a packet tshark would not give to it is not shown. */
static void pdu_out_hide(const struct pdu_io *io)
{
	if (!io || !io->out)
		return;
	struct proto_pkt *o = io->out;
	o->proto = 0;
	o->shown = 0;
	o->info_set = 0;
	o->info_len = 0;
	o->nfv = 0;
	memset(o->present, 0, sizeof o->present);
}

void pdu_conv_end(struct pdu_conv *pc, const struct pdu_io *io, uint16_t sport, uint16_t dport)
{
	if (!pc || pc->none || pc->gone || pc->pending)
		return;
	const struct proto_desc *pd = proto_get(pc->proto);
	if (!pd || !pd->on_flow_end)
		return;
	struct proto_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	ctx.state = pdu_state(pc, 0);
	ctx.peer = pdu_state(pc, 1);
	ctx.sport = sport;
	ctx.dport = dport;
	ctx.proto_idx = pc->proto;
	ctx.is_orig = 1;
	ctx.link_tag = pc->link_tag;
	if (pc->parent && !pc->parent->gone) {
		ctx.parent = pdu_state(pc->parent, 0);
		ctx.parent_stride = pc->parent->stride;
	}
	if (io) {
		ctx.alen = io->alen;
		ctx.src = io->src;
		ctx.dst = io->dst;
		ctx.env = io->env;
	}
	pd->on_flow_end(&ctx);
}

void pdu_udp_datagram(struct pdu_conv **pcp, const struct pkt *p, uint16_t sport, uint16_t dport, uint8_t dir,
		      struct slice payload, struct flow_pkt *out, const struct pdu_io *io, int skip)
{
	struct pdu_conv *pc = *pcp;
	if (!pc) {
		if (!payload.len)
			return;
		int by_content = 0;
		int idx = io ? proto_decode_as_find(io->decode_as, io->ndecode_as, PROTO_L4_UDP, sport, dport) : -1;
		if (idx < 0)
			idx = registry_select(PROTO_L4_UDP, sport, dport, payload, &by_content);
		else
			skip = -1;
		pc = idx < 0 || idx == skip ? NULL : pdu_conv_new(idx, by_content, sport, dport);
		*pcp = pc ? pc : &pdu_none;
		if (!pc)
			return;
	}
	if (pc->none || pc->dead || !payload.len)
		return;
	const struct proto_desc *pd = proto_get(pc->proto);
	struct proto_ctx ctx;
	pdu_ctx_init(&ctx, pc, pdu_state(pc, dir), dir, p, sport, dport, io, PROTO_L4_UDP);
	if (!pc->visible)
		ctx.out = NULL;
	struct proto_res r = pd->parse(&ctx, dir, payload);
	pc->anomalies += ctx.anomalies;
	if (r.status == PROTO_ERR && !pc->visible)
		pc->dead = 1;
	if (pc->visible && io && io->out && io->out->shown) {
		out->app = io->out;
		out->app_proto = (uint8_t)(pc->proto + 1);
	}
}

/* The flow changes dissector (STARTTLS and the like): the old one ends (its records go out), the
 * new one starts with fresh state where each direction's stream now stands. Bytes after the
 * handing-over PDU in the same segment are not given to either (counted). */
static void pdu_handover(struct pdu_conv **pcp, const char *name, const struct pdu_io *io, uint16_t sport,
			 uint16_t dport)
{
	struct pdu_conv *old = *pcp;
	const struct proto_desc *nd = proto_find(name);
	int idx = -1;
	for (size_t i = 0; nd && i < proto_count(); i++)
		if (proto_get(i) == nd)
			idx = (int)i;
	if (idx < 0 || !(nd->l4 & PROTO_L4_TCP) || idx == old->proto)
		return;
	struct pdu_conv *pc = pdu_conv_new(idx, 0, sport, dport);
	if (!pc)
		return;
	pdu_conv_end(old, io, sport, dport);
	pc->visible = old->visible;
	pc->rpool = old->rpool;
	for (uint8_t i = 0; i < 2; i++) {
		pc->d[i].nxt = old->d[i].nxt;
		pc->d[i].have_nxt = old->d[i].have_nxt;
		pc->d[i].ra = old->d[i].ra; /* the held bytes move to the new dissector */
		pc->d[i].fin_off = old->d[i].fin_off;
		pc->d[i].fin = old->d[i].fin;
		memset(&old->d[i].ra, 0, sizeof old->d[i].ra);
	}
	pdu_conv_free(pcp);
	*pcp = pc;
}

/* The FIN of a direction whose PDU runs until the close (every byte before it seen): the PDU
 * ends in this packet, and tshark shows it here. The dissector finishes it and writes the
 * columns. A PDU with a hole is never reassembled: nothing is shown (returns 0). */
static int pdu_close(struct pdu_conv *pc, const struct proto_desc *pd, uint8_t dir, const struct pkt *p,
		     struct flow_pkt *out, const struct pdu_io *io)
{
	struct pdu_dir *d = &pc->d[dir];
	const struct pdu_msp *m = pdu_msp_live(d);
	d->mid = 0;
	d->known_end = PDU_END_NONE;
	if (m && m->holed != PDU_WHOLE)
		return 0;
	if (pd->close) {
		struct proto_ctx ctx;
		pdu_ctx_init(&ctx, pc, pdu_state(pc, dir), dir, p, p->tcp.sport, p->tcp.dport, io, PROTO_L4_TCP);
		if (!pc->visible)
			ctx.out = NULL;
		pd->close(&ctx, dir);
		pc->anomalies += ctx.anomalies;
	}
	if (!pc->visible)
		return 1;
	out->app_proto = (uint8_t)(pc->proto + 1);
	out->pdu = (uint8_t)((out->pdu & ~FP_PDU_SEGMENT) | FP_PDU_DONE);
	if (io && io->out && io->out->shown)
		out->app = io->out;
	return 1;
}

/* A FIN without payload while a PDU runs until the close. After a gap, the PDU ends at the FIN
 * without its missing bytes: shown nowhere, unless out-of-order segments bring them all. */
static void pdu_fin(struct pdu_conv *pc, const struct proto_desc *pd, uint8_t dir, const struct pkt *p,
		    struct flow_pkt *out, const struct pdu_io *io)
{
	struct pdu_dir *d = &pc->d[dir];
	uint32_t seq = p->tcp.seq;
	if (seq == d->nxt) {
		pdu_close(pc, pd, dir, p, out, io);
		return;
	}
	struct pdu_msp *m = pdu_msp_live(d);
	if (!m || !SEQ_LT(d->nxt, seq))
		return;
	pdu_msp_hole(d, m, d->nxt, seq);
	m->kind = PDU_END_EXACT;
	m->end = seq;
	d->mid = 0;
	d->known_end = PDU_END_NONE;
}

/* A re-dissected copy left a PDU open that later data falls into (see pdu_msp_place): the
 * direction continues from it, at the end of the copy; the table is kept. */
static void pdu_dir_adopt(struct pdu_dir *d, const struct pdu_dir *tmp, uint32_t segend)
{
	pdu_dir_drop(d);
	d->start = tmp->start;
	d->end = tmp->end;
	d->mid = tmp->mid;
	d->known_end = tmp->known_end;
	d->boff = tmp->boff;
	d->blen = tmp->blen;
	d->bcap = tmp->bcap;
	d->buf = tmp->buf;
	d->nxt = segend;
	d->have_nxt = 1;
	pdu_msp_note(d, 0, 0, segend);
}

/* A conversation that no dissector took at its first payload: having no dissector for its
 * ports, tshark tries its heuristic dissectors again on each later segment, so HTTP inside a
 * SOCKS tunnel on an unassigned port is found at the first request. Each later in-order
 * segment is probed the same way, by content only (the ports were looked at the first time). */
static struct pdu_conv *pdu_reprobe(const struct pkt_tcp *t, struct slice seg, const struct flow_pkt *out)
{
	if (!seg.len || seg.len < t->len || (out->analysis & (TA_OOO | TA_FAST_RETRANS)))
		return NULL;
	int by_content = 0;
	int idx = registry_select(PROTO_L4_TCP, t->sport, t->dport, seg, &by_content);
	if (idx < 0 || !by_content)
		return NULL;
	return pdu_conv_new(idx, by_content, t->sport, t->dport);
}
static void pdu_reasm_segment(struct pdu_conv **pcp, const struct pkt *p, uint8_t dir, const struct flow_pkt *out,
			      const struct pdu_io *io);

void pdu_tcp_segment(struct pdu_conv **pcp, const struct pkt *p, uint8_t dir, struct flow_pkt *out,
		     const struct pdu_io *io)
{
	const struct pkt_tcp *t = &p->tcp;
	if (!out->tcp_valid || (t->flags & TH_RST))
		return;
	struct slice seg = t->payload;
	if (seg.len > t->len)
		seg.len = t->len;
	struct pdu_conv *pc = *pcp;
	if (!pc) {
		if (!seg.len)
			return;
		int by_content;
		struct pdu_xent xe;
		struct pdu_xent *x = pdu_xtab_take(io ? io->xt : NULL, io, t->sport, t->dport, frame_ns(p->fr), &xe);
		int forced = io ? proto_decode_as_find(io->decode_as, io->ndecode_as, PROTO_L4_TCP, t->sport, t->dport) : -1;
		by_content = 0;
		if (!x && forced < 0 && io && io->reasm && out->rel_seq > 1) {
			/* records only, and bytes before these are still to come: choose on those */
			pc = pdu_conv_pending_new();
			*pcp = pc ? pc : &pdu_none;
			if (pc)
				pdu_reasm_segment(pcp, p, dir, out, io);
			return;
		}
		int idx = x ? x->proto : forced >= 0 ? forced : registry_select(PROTO_L4_TCP, t->sport, t->dport, seg, &by_content);
		pc = idx < 0 ? NULL : pdu_conv_new(idx, x ? 0 : by_content, t->sport, t->dport);
		if (x) {
			if (pc) {
				pc->parent = x->parent;
				pc->link_tag = x->tag;
			} else {
				pdu_conv_unref(x->parent);
			}
		}
		*pcp = pc ? pc : &pdu_none;
		if (!pc)
			return;
	} else if (pc->none || (pc->pending && pc->dead)) { /* no dissector took it (yet) */
		pc = pdu_reprobe(t, seg, out);
		if (!pc)
			return;
		if (!(*pcp)->none)
			pdu_conv_free(pcp);
		*pcp = pc;
	}
	if (pc->none || pc->dead)
		return;
	if (io && io->reasm) { /* records only: reordered data is put back in order (below) */
		pdu_reasm_segment(pcp, p, dir, out, io);
		return;
	}
	const struct proto_desc *pd = proto_get(pc->proto);
	struct pdu_dir *d = &pc->d[dir];
	uint8_t fin = (t->flags & TH_FIN) != 0;
	if (!seg.len) {
		if (fin && d->mid && d->known_end == PDU_END_CLOSE && d->have_nxt)
			pdu_fin(pc, pd, dir, p, out, io);
		return;
	}
	if (seg.len < t->len) /* cut by the snapshot length: the stream has a hole here */
		return;
	uint32_t seq = t->seq;
	if (out->analysis & TA_OOO) {
		/* tshark does not give it to the dissector, but adds it to a multi-segment PDU
		 * it lies in */
		if (pdu_ooo_place(d, seq, seq + seg.len) && pc->visible) {
			out->app_proto = (uint8_t)(pc->proto + 1);
			out->pdu |= FP_PDU_SEGMENT;
		}
		return;
	}
	if (!d->have_nxt) {
		d->nxt = seq;
		d->have_nxt = 1;
	}
	struct proto_ctx ctx;
	struct pdu_out o = { 0 };
	int32_t diff = (int32_t)(seq - d->nxt);
	if (diff < 0 && !SEQ_LT(d->nxt, seq + seg.len)) {
		/* data seen before, handed over again (fast or spurious retransmission; often the
		 * first copy was not captured): placed with tshark's table of multi-segment PDUs */
		enum pdu_old where = pdu_old_place(d, seq, seq + seg.len);
		if (where != PDU_OLD_AFRESH) {
			if (where == PDU_OLD_INSIDE && pc->visible) {
				out->app_proto = (uint8_t)(pc->proto + 1);
				out->pdu |= FP_PDU_SEGMENT;
			}
			return;
		}
		/* elsewhere tshark dissects it afresh at its sequence number, and a PDU left
		 * unfinished there becomes the one later segments fall into, unless one that
		 * starts later hides it */
		_Alignas(16) unsigned char scratch[4096];
		if (pc->stride > sizeof scratch)
			return;
		memset(scratch, 0, pc->stride);
		if (pd->init)
			pd->init(scratch, dir);
		struct pdu_dir tmp = { 0 };
		pdu_ctx_init(&ctx, pc, scratch, dir, p, t->sport, t->dport, io, PROTO_L4_TCP);
		ctx.env = NULL; /* dissected afresh for the columns; its records were emitted the first time */
		pdu_run(pd, &ctx, dir, seg, &tmp, seq + seg.len, &o, 0);
		if (!o.failed && tmp.mid && tmp.known_end != PDU_END_NONE && !pdu_msp_after(d, seq)) {
			if (pd->fini)
				pd->fini(pdu_state(pc, dir));
			memcpy(pdu_state(pc, dir), scratch, pc->stride);
			pdu_dir_adopt(d, &tmp, seq + seg.len);
		} else {
			if (!o.failed && tmp.mid) /* hidden: it lacks the data seen after the copy */
				pdu_msp_put(d, tmp.start, tmp.known_end,
					    tmp.known_end == PDU_END_EXACT ? tmp.end : seq + seg.len + 1)->holed =
					PDU_HOLES_FOR_GOOD;
			pdu_dir_drop(&tmp);
			if (pd->fini)
				pd->fini(scratch);
		}
		o.failed = 0;
		o.handover = NULL; /* a re-dissection hands nothing over */
	} else {
		if (diff < 0) { /* partly new: only the new bytes go on */
			seg.p += (uint32_t)-diff;
			seg.len -= (uint32_t)-diff;
			seq = d->nxt;
		} else if (diff > 0) {
			/* the open PDU lost the bytes up to its end at most */
			struct pdu_msp *open = pdu_msp_live(d);
			if (open)
				pdu_msp_hole(d, open, d->nxt,
					     open->kind == PDU_END_EXACT && SEQ_LT(open->end, seq) ? open->end : seq);
			pdu_ctx_init(&ctx, pc, pdu_state(pc, dir), dir, p, t->sport, t->dport, io, PROTO_L4_TCP);
			if (d->blen || !pd->skip || pd->skip(&ctx, dir, (uint32_t)diff) < 0)
				pdu_dir_restart(pc, pd, dir);
		}
		const struct pdu_msp *lm = pdu_msp_live(d);
		int was_mid = d->mid, holed = lm && lm->holed != PDU_WHOLE;
		uint32_t prev_start = d->start;
		uint32_t segend = seq + seg.len;
		int called = !(d->mid && ((d->known_end == PDU_END_EXACT && SEQ_LT(segend, d->end)) ||
					  d->known_end == PDU_END_CLOSE));
		struct slice data = seg;
		int in_buf = 0;
		if (d->blen) {
			if (pdu_keep(d, seg.p, seg.len) < 0) {
				pc->anomalies++;
				pc->dead = 1;
				pdu_dir_drop(&pc->d[0]);
				pdu_dir_drop(&pc->d[1]);
				return;
			}
			data.p = d->buf;
			data.len = d->blen;
			in_buf = 1;
		}
		pdu_ctx_init(&ctx, pc, pdu_state(pc, dir), dir, p, t->sport, t->dport, io, PROTO_L4_TCP);
		pdu_run(pd, &ctx, dir, data, d, segend, &o, in_buf);
		pc->anomalies += ctx.anomalies;
		pdu_expectations(pc, &ctx, io);
		d->nxt = segend;
		pdu_msp_note(d, was_mid, prev_start, segend);
		if (holed && o.done && !o.failed) {
			/* the PDU with a hole ends here: tshark shows a segment of it */
			o.done = 0;
			called = 0;
			pdu_out_hide(io);
		}
		if (!called) {
			o.info = PROTO_INFO_KEEP;
			o.line.p = NULL;
			o.line.len = 0;
		}
		if (o.failed) {
			pc->dead = 1;
			pdu_dir_drop(&pc->d[0]);
			pdu_dir_drop(&pc->d[1]);
			pdu_out_hide(io);
			return;
		}
		if (fin && d->mid && d->known_end == PDU_END_CLOSE && pdu_close(pc, pd, dir, p, out, io))
			o.done = 1;
	}
	if (!pc->visible || o.failed) {
		pdu_out_hide(io);
		if (o.handover && !o.failed)
			pdu_handover(pcp, o.handover, io, t->sport, t->dport);
		return;
	}
	out->app_proto = (uint8_t)(pc->proto + 1);
	if (io && io->out && io->out->shown)
		out->app = io->out;
	if (o.done) {
		out->pdu |= FP_PDU_DONE;
	} else {
		out->pdu |= FP_PDU_SEGMENT;
		out->app_info = o.info;
		out->app_line = o.line;
	}
	if (o.handover)
		pdu_handover(pcp, o.handover, io, t->sport, t->dport);
}

/* Reassembly mode (pdu_io.reasm): for the commands that produce records and show no packet
 * list. Every segment of a claimed flow comes here, retransmissions and late segments too.
 * Bytes at a direction's next stream offset go to the dissector at once; bytes past a hole are
 * copied into the out-of-order store (flow/reasm.c) and go to the dissector, in order, when the
 * hole is filled (first copy wins where copies overlap). A hole is given up (the dissector's
 * skip(), as tshark's model does at once; counted in pc->anomalies and d->ra.missed) when the
 * receiver acknowledges bytes past it (the capture missed them and no retransmission will
 * come: interactive protocols are not held up by a capture loss), when a cap leaves no room for
 * the bytes after it, when more than the direction cap of data arrived after it, or when the
 * flow ends. Bytes after a handing-over PDU in the same chunk are dropped, as in
 * the packet model. */

/* Where delivered bytes go: the ports and addresses of the direction, and the time and frame
 * that bytes of no held block (and skip()) are given. */
struct pdu_feed {
	const struct pdu_io *io;
	uint16_t sport, dport;
	int64_t ts_ns;
	uint64_t frame;
};

/* The dissector is excluded from the flow: what it kept is released. */
static void pdu_kill(struct pdu_conv *pc)
{
	pc->dead = 1;
	for (uint8_t i = 0; i < 2; i++) {
		pdu_dir_drop(&pc->d[i]);
		reasm_dir_drop(&pc->d[i].ra, pc->rpool);
	}
}

static void pdu_reasm_ctx(struct proto_ctx *ctx, struct pdu_conv *pc, uint8_t dir, const struct pdu_feed *f,
			  int64_t ts_ns, uint64_t frame)
{
	pdu_ctx_init(ctx, pc, pdu_state(pc, dir), dir, NULL, f->sport, f->dport, f->io, PROTO_L4_TCP);
	ctx->ts_ns = ts_ns;
	ctx->frame = frame;
	ctx->out = NULL; /* no packet list in this mode */
}

/* The first in-order bytes of a pending conversation choose its dissector, by content then port,
 * as a first segment in order would have; the held bytes move to it. Returns 0 when none takes
 * the flow (then it stays pending and dead: nothing more is held). */
static int pdu_reasm_choose(struct pdu_conv **pcp, uint8_t dir, const struct pdu_feed *f, struct slice first)
{
	struct pdu_conv *old = *pcp;
	/* the probes see as much of the stream's start as is here: the chunk and the held bytes
	 * right after it (a request cut in two segments that came in reverse order) */
	uint8_t look[PDU_CHOOSE_LOOK];
	uint32_t n = first.len < sizeof look ? first.len : (uint32_t)sizeof look;
	memcpy(look, first.p, n);
	const struct reasm_dir *ra = &old->d[dir].ra;
	n += reasm_dir_peek(ra, ra->next + first.len, look + n, (uint32_t)sizeof look - n);
	int by_content = 0;
	int idx = registry_select(PROTO_L4_TCP, f->sport, f->dport, (struct slice){ look, n }, &by_content);
	struct pdu_conv *pc = idx < 0 ? NULL : pdu_conv_new(idx, by_content, f->sport, f->dport);
	if (!pc) { /* as if never claimed: no dissector, no reassembly, no missed bytes */
		pdu_kill(old);
		old->d[0].ra.missed = old->d[1].ra.missed = 0;
		return 0;
	}
	pc->rpool = old->rpool;
	for (uint8_t i = 0; i < 2; i++) {
		pc->d[i].ra = old->d[i].ra;
		pc->d[i].fin_off = old->d[i].fin_off;
		pc->d[i].fin = old->d[i].fin;
		memset(&old->d[i].ra, 0, sizeof old->d[i].ra);
	}
	pdu_conv_free(pcp);
	*pcp = pc;
	return 1;
}

/* One run of in-order bytes to the dissector (after a header kept from the run before). */
static void pdu_reasm_feed(struct pdu_conv **pcp, uint8_t dir, const struct pdu_feed *f, const struct reasm_chunk *c)
{
	if ((*pcp)->pending && !pdu_reasm_choose(pcp, dir, f, c->data))
		return;
	struct pdu_conv *pc = *pcp;
	const struct proto_desc *pd = proto_get(pc->proto);
	struct pdu_dir *d = &pc->d[dir];
	struct slice data = c->data;
	int in_buf = 0;
	if (d->blen) {
		if (pdu_keep(d, data.p, data.len) < 0) {
			pc->anomalies++;
			pdu_kill(pc);
			return;
		}
		data.p = d->buf;
		data.len = d->blen;
		in_buf = 1;
	}
	struct proto_ctx ctx;
	pdu_reasm_ctx(&ctx, pc, dir, f, c->ts_ns, c->frame);
	struct pdu_out o = { 0 };
	uint32_t segend = d->ra.base + (uint32_t)(d->ra.next + c->data.len);
	pdu_run(pd, &ctx, dir, data, d, segend, &o, in_buf);
	pc->anomalies += ctx.anomalies;
	pdu_expectations(pc, &ctx, f->io);
	if (o.failed)
		pdu_kill(pc);
	else if (o.handover)
		pdu_handover(pcp, o.handover, f->io, f->sport, f->dport);
}

/* Delivers what is owed at the direction's next offset: held runs, and the packet's bytes `seg`
 * at offset `off` (seg.len 0: none). Each step moves the offset on, so the loop ends. */
static void pdu_reasm_drain(struct pdu_conv **pcp, uint8_t dir, const struct pdu_feed *f, uint64_t off,
			    struct slice seg)
{
	struct reasm_chunk c;
	while (!(*pcp)->dead && reasm_dir_next(&(*pcp)->d[dir].ra, off, seg.p, seg.len, f->ts_ns, f->frame, &c)) {
		pdu_reasm_feed(pcp, dir, f, &c);
		struct pdu_conv *pc = *pcp; /* a handover replaced it, held bytes and all */
		if (!pc->dead)
			reasm_dir_advance(&pc->d[dir].ra, pc->rpool, c.data.len);
	}
}

/* Gives up the direction's first hole (up to `limit` at most) and tells the dissector; returns
 * the bytes given up (0: no hole). */
static uint64_t pdu_reasm_gap(struct pdu_conv **pcp, uint8_t dir, const struct pdu_feed *f, uint64_t limit,
			      enum reasm_why why)
{
	struct pdu_conv *pc = *pcp;
	struct pdu_dir *d = &pc->d[dir];
	uint64_t n = reasm_dir_skip_hole(&d->ra, pc->rpool, limit, why);
	if (!n)
		return 0;
	pc->anomalies++;
	if (pc->pending) /* no dissector to tell yet */
		return n;
	const struct proto_desc *pd = proto_get(pc->proto);
	struct proto_ctx ctx;
	pdu_reasm_ctx(&ctx, pc, dir, f, f->ts_ns, f->frame);
	if (d->blen || !pd->skip || n > UINT32_MAX || pd->skip(&ctx, dir, (uint32_t)n) < 0)
		pdu_dir_restart(pc, pd, dir);
	return n;
}

/* The segment acknowledges `ack` of the other direction: remembered there. */
static void pdu_reasm_acked(struct pdu_conv *pc, uint8_t dir, uint32_t ack)
{
	struct reasm_dir *ra = &pc->d[!dir].ra;
	if (!ra->started)
		return;
	int64_t a = reasm_dir_offset(ra, ack);
	if (a > 0 && (uint64_t)a > ra->acked)
		ra->acked = (uint64_t)a;
}

/* A segment arrived and holes of its direction stay open below what the receiver has
 * acknowledged: the capture missed those bytes and no retransmission will come, so they are
 * given up (only holes before held bytes: acknowledged bytes never seen may still be captured
 * late, as this segment was; waiting for the direction's next segment, not for the ACK itself,
 * lets a capture whose ACK comes just before the data it covers still fill the hole). */
static void pdu_reasm_acked_holes(struct pdu_conv **pcp, uint8_t dir, const struct pdu_feed *f)
{
	struct slice none = { NULL, 0 };
	while (!(*pcp)->dead && (*pcp)->d[dir].ra.head && (*pcp)->d[dir].ra.acked > (*pcp)->d[dir].ra.next &&
	       pdu_reasm_gap(pcp, dir, f, (*pcp)->d[dir].ra.acked, REASM_WHY_ACKED))
		pdu_reasm_drain(pcp, dir, f, 0, none);
}

/* Reassembly mode: once every byte before the direction's FIN was delivered, a PDU that runs
 * until the close (an HTTP body without a length) ends there, as in the packet list. */
static void pdu_reasm_close(struct pdu_conv *pc, uint8_t dir, const struct pdu_feed *f)
{
	struct pdu_dir *d = &pc->d[dir];
	const struct proto_desc *pd = proto_get(pc->proto);
	if (pc->none || pc->dead || pc->pending || !d->fin || d->closed || d->ra.next < d->fin_off)
		return;
	d->closed = 1;
	if (!d->mid || d->known_end != PDU_END_CLOSE || !pd->close)
		return;
	d->mid = 0;
	d->known_end = PDU_END_NONE;
	struct proto_ctx ctx;
	pdu_reasm_ctx(&ctx, pc, dir, f, f->ts_ns, f->frame);
	pd->close(&ctx, dir);
	pc->anomalies += ctx.anomalies;
}

static void pdu_reasm_segment(struct pdu_conv **pcp, const struct pkt *p, uint8_t dir, const struct flow_pkt *out,
			      const struct pdu_io *io)
{
	const struct pkt_tcp *t = &p->tcp;
	struct pdu_conv *pc = *pcp;
	if (!pc->rpool)
		pc->rpool = io->reasm;
	if (t->flags & TH_ACK)
		pdu_reasm_acked(pc, dir, t->ack);
	if (!pc->d[dir].ra.started) /* offset 0: the first byte after the SYN (as the analysis saw it) */
		reasm_dir_start(&pc->d[dir].ra, t->seq - out->rel_seq + 1);
	struct pdu_feed f = { io, t->sport, t->dport, frame_ns(p->fr), p->fr->num };
	if ((t->flags & TH_FIN) && !pc->d[dir].fin) {
		int64_t fo = reasm_dir_offset(&pc->d[dir].ra, t->seq + ((t->flags & TH_SYN) ? 1u : 0u) + t->len);
		if (fo >= 0) {
			pc->d[dir].fin = 1;
			pc->d[dir].fin_off = (uint64_t)fo;
		}
	}
	struct slice seg = t->payload;
	if (!seg.len || seg.len < t->len) { /* nothing, or cut by the snapshot length: not received */
		pdu_reasm_close(pc, dir, &f);
		return;
	}
	/* data on a SYN (TCP Fast Open) starts after the SYN's sequence number */
	int64_t soff = reasm_dir_offset(&pc->d[dir].ra, t->seq + ((t->flags & TH_SYN) ? 1u : 0u));
	if (soff < 0) { /* before the stream's start */
		if ((uint64_t)-soff >= seg.len)
			return;
		seg.p += (uint32_t)-soff;
		seg.len -= (uint32_t)-soff;
		soff = 0;
	}
	uint64_t off = (uint64_t)soff;
	for (;;) {
		pdu_reasm_drain(pcp, dir, &f, off, seg);
		pc = *pcp;
		if (pc->dead || !reasm_dir_hold(&pc->d[dir].ra, pc->rpool, off, seg.p, seg.len, f.ts_ns, f.frame))
			break;
		/* a cap: the hole before the held bytes, or before this segment, is given up */
		if (!pdu_reasm_gap(pcp, dir, &f, off, REASM_WHY_CAP))
			break;
	}
	pdu_reasm_acked_holes(pcp, dir, &f);
	while (!(*pcp)->dead && (*pcp)->d[dir].ra.later > reasm_pool_dir_limit((*pcp)->rpool) &&
	       pdu_reasm_gap(pcp, dir, &f, UINT64_MAX, REASM_WHY_LATER))
		pdu_reasm_drain(pcp, dir, &f, off, seg);
	pdu_reasm_close(*pcp, dir, &f);
}

void pdu_tcp_flush(struct pdu_conv **pcp, const struct pdu_io *io, uint16_t orig_p, uint16_t resp_p, int64_t ts_ns)
{
	struct pdu_conv *pc = *pcp;
	if (!pc || pc->none || pc->gone || !pc->rpool)
		return;
	struct slice none = { NULL, 0 };
	for (uint8_t dir = 0; dir < 2; dir++) {
		struct pdu_io dio = *io;
		if (dir) {
			dio.src = io->dst;
			dio.dst = io->src;
		}
		struct pdu_feed f = { &dio, dir ? resp_p : orig_p, dir ? orig_p : resp_p, ts_ns, 0 };
		do
			pdu_reasm_drain(pcp, dir, &f, 0, none);
		while (!(*pcp)->dead && pdu_reasm_gap(pcp, dir, &f, UINT64_MAX, REASM_WHY_END));
	}
}

uint64_t pdu_conv_missed(const struct pdu_conv *pc)
{
	return pc && !pc->none ? pc->d[0].ra.missed + pc->d[1].ra.missed : 0;
}
