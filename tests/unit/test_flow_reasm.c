/* test_flow_reasm.c: unit test of the flow layer's reassembly mode (flow_config.reasm, the TCP
 * path of flow/pdu.c over flow/reasm.c) with the HTTP dissector: an HTTP download whose
 * segments arrive reordered gives the whole body to the object sink, once and in order, while
 * the packet model (reasm off) loses what came late; a lost segment is given up at the flow's
 * end, at a direction cap (then skip() keeps HTTP in step and the rest of the body arrives),
 * when too many copies of held bytes arrive after it, or when the receiver has acknowledged it
 * (not when that ACK comes just before the filling segment); the conn record counts
 * missed_bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "flow/flow.h"

#include "raw_frame.h"
#include "tap.h"

static const uint8_t CLI[4] = { 10, 99, 0, 2 };
static const uint8_t SRV[4] = { 10, 99, 0, 1 };

#define BODY_LEN 40000u
#define MSS 1000u
#define CPORT 40000
#define ISN_C 0x10000000u
#define ISN_S 0xfffff000u /* the server's stream crosses the sequence wrap */

static uint8_t body[BODY_LEN];
static char head[128];
static uint32_t head_len;

struct run {
	struct flow_table *ft;
	uint64_t num;
	int64_t ns;
	uint8_t buf[1600];
	struct frame f;
	struct pkt p;
	struct flow_pkt fp;
	/* what came out */
	uint8_t got[BODY_LEN * 2];
	uint32_t got_len;
	int files, complete;
	uint64_t seen, missed;
};

static void run_obj(void *arg, const struct flow_ident *id, struct proto_obj *o, int what, struct slice d)
{
	struct run *r = arg;
	(void)id;
	if (what == 1 && !o->is_orig && r->got_len + d.len <= sizeof r->got) {
		memcpy(r->got + r->got_len, d.p, d.len);
		r->got_len += d.len;
	}
}

static void run_rec(void *arg, const struct flow_ident *id, int64_t ts, const struct proto_rec *rec)
{
	struct run *r = arg;
	(void)id;
	(void)ts;
	for (uint16_t i = 0; i < rec->n; i++) {
		const struct proto_kv *kv = &rec->kv[i];
		if (!strcmp(rec->kind, "files") && !strcmp(kv->name, "complete"))
			r->complete = kv->v.u != 0;
		if (!strcmp(rec->kind, "files") && !strcmp(kv->name, "seen_bytes"))
			r->seen = kv->v.u;
		if (!strcmp(rec->kind, "conn") && !strcmp(kv->name, "missed_bytes"))
			r->missed = kv->v.u;
	}
	if (!strcmp(rec->kind, "files"))
		r->files++;
}

static void send_tcp(struct run *r, int from_srv, uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *pl,
		     uint32_t plen)
{
	uint8_t *b = r->buf;
	uint32_t tot = 40 + plen;
	memset(b, 0, 40);
	b[0] = 0x45;
	b[2] = (uint8_t)(tot >> 8);
	b[3] = (uint8_t)tot;
	b[8] = 64;
	b[9] = 6;
	memcpy(b + 12, from_srv ? SRV : CLI, 4);
	memcpy(b + 16, from_srv ? CLI : SRV, 4);
	uint16_t sp = from_srv ? 80 : CPORT, dp = from_srv ? CPORT : 80;
	uint8_t *t = b + 20;
	t[0] = (uint8_t)(sp >> 8);
	t[1] = (uint8_t)sp;
	t[2] = (uint8_t)(dp >> 8);
	t[3] = (uint8_t)dp;
	for (int i = 0; i < 4; i++) {
		t[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
		t[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
	}
	t[12] = 5 << 4;
	t[13] = flags;
	t[14] = 0xff;
	t[15] = 0xff;
	if (plen)
		memcpy(t + 20, pl, plen);
	raw_frame_set(&r->f, b, tot, r->ns, ++r->num);
	r->ns += 100 * 1000000; /* 100 ms apart: a late segment is a retransmission to the analysis */
	decode_frame(&r->f, &r->p);
	flow_table_packet(r->ft, &r->p, &r->fp);
}

/* The server's stream: the response head, then the body. */
static const uint8_t *srv_bytes(uint32_t off)
{
	static uint8_t all[sizeof head + BODY_LEN];
	memcpy(all, head, head_len);
	memcpy(all + head_len, body, BODY_LEN);
	return all + off;
}

static int run_new(struct run *r, int reasm, uint32_t dir_cap)
{
	memset(r, 0, sizeof *r);
	r->ns = 1700000000ll * 1000000000ll;
	struct flow_config cfg;
	flow_config_default(&cfg);
	cfg.reasm = (uint8_t)reasm;
	if (dir_cap)
		cfg.reasm_dir_cap = dir_cap;
	struct errbuf e;
	if (flow_table_new(&r->ft, &cfg, &e) < 0) {
		printf("# flow_table_new: %s\n", e.msg);
		return -1;
	}
	flow_table_set_records(r->ft, run_rec, run_obj, r);
	static const char req[] = "GET /f.bin HTTP/1.1\r\nHost: x\r\n\r\n";
	send_tcp(r, 0, ISN_C, 0, 0x02, NULL, 0);
	send_tcp(r, 1, ISN_S, ISN_C + 1, 0x12, NULL, 0);
	send_tcp(r, 0, ISN_C + 1, ISN_S + 1, 0x10, NULL, 0);
	send_tcp(r, 0, ISN_C + 1, ISN_S + 1, 0x18, (const uint8_t *)req, sizeof req - 1);
	return 0;
}

/* Server segment k (0-based) of MSS bytes; `corrupt`: its payload bytes inverted. */
static void srv_seg_x(struct run *r, uint32_t k, int corrupt)
{
	uint32_t total = head_len + BODY_LEN;
	uint32_t off = k * MSS, n = total - off < MSS ? total - off : MSS;
	uint8_t pl[MSS];
	memcpy(pl, srv_bytes(off), n);
	for (uint32_t i = 0; corrupt && i < n; i++)
		pl[i] ^= 0xff;
	send_tcp(r, 1, ISN_S + 1 + off, ISN_C + 1 + 33, 0x10, pl, n);
}

static void srv_seg(struct run *r, uint32_t k)
{
	srv_seg_x(r, k, 0);
}

/* The client acknowledges the server's first `n` bytes after the SYN. */
static void cli_ack(struct run *r, uint32_t n)
{
	send_tcp(r, 0, ISN_C + 34, ISN_S + 1 + n, 0x10, NULL, 0);
}

static uint32_t nsegs(void)
{
	return (head_len + BODY_LEN + MSS - 1) / MSS;
}

static void run_end(struct run *r)
{
	uint32_t fin = ISN_S + 1 + head_len + BODY_LEN;
	send_tcp(r, 1, fin, ISN_C + 34, 0x11, NULL, 0);
	send_tcp(r, 0, ISN_C + 34, fin + 1, 0x11, NULL, 0);
	flow_table_finish(r->ft);
}

static void test_reordered(int reasm)
{
	struct run *r = calloc(1, sizeof *r);
	if (!r || run_new(r, reasm, 0) < 0) {
		test_report_result(0, "setup");
		free(r);
		return;
	}
	/* 0 1 3 2 4 5 7 8 6 9 .. 12 12 .. 18 20 ~20 ACK 19 21 ..: 6 comes two segments late, 12
	 * twice (a retransmission), 20 before 19 and then a corrupted copy of 20 (the first copy
	 * wins) */
	uint32_t n = nsegs();
	for (uint32_t k = 0; k < n; k++) {
		static const uint32_t swap[][2] = { { 2, 3 }, { 3, 2 }, { 6, 7 }, { 7, 8 }, { 8, 6 }, { 19, 20 }, { 20, 19 } };
		uint32_t s = k;
		for (size_t i = 0; i < sizeof swap / sizeof swap[0]; i++)
			if (swap[i][0] == k)
				s = swap[i][1];
		if (k == 20) /* an ACK covering 19 captured just before 19 itself: it still fills */
			cli_ack(r, 21 * MSS);
		srv_seg(r, s);
		if (k == 12)
			srv_seg(r, 12);
		if (k == 19)
			srv_seg_x(r, 20, 1);
	}
	run_end(r);
	struct flow_stats st;
	flow_table_stats(r->ft, &st);
	if (reasm) {
		int ok = r->files == 1 && r->complete && r->got_len == BODY_LEN && !memcmp(r->got, body, BODY_LEN) &&
			 r->seen == BODY_LEN && r->missed == 0 && st.reasm.gaps_cap + st.reasm.gaps_later + st.reasm.gaps_end == 0 &&
			 st.reasm.held_segs >= 3;
		test_reportf(ok, "reassembly: reordered download across the sequence wrap gives the whole body in order "
			     "(%u bytes, complete %d, %llu segments held)", r->got_len, r->complete,
			     (unsigned long long)st.reasm.held_segs);
	} else {
		int ok = r->files == 1 && !r->complete && r->got_len < BODY_LEN && st.reasm.held_segs == 0;
		test_reportf(ok, "packet model (reasm off): the late segments are lost (%u of %u bytes)", r->got_len, BODY_LEN);
	}
	flow_table_free(r->ft);
	free(r);
}

/* Segment `lost` never arrives. `dup_held`: twelve copies of the segment after it; `acks`:
 * the client acknowledges each segment as if it had the lost one. */
static void test_lost(uint32_t dir_cap, const char *what, uint32_t lost, int dup_held, int acks)
{
	struct run *r = calloc(1, sizeof *r);
	if (!r || run_new(r, 1, dir_cap) < 0) {
		test_report_result(0, "setup");
		free(r);
		return;
	}
	uint32_t n = nsegs();
	for (uint32_t k = 0; k < n; k++) {
		if (k == lost)
			continue;
		srv_seg(r, k);
		if (acks)
			cli_ack(r, (k + 1) * MSS < head_len + BODY_LEN ? (k + 1) * MSS : head_len + BODY_LEN);
		for (int i = 0; dup_held && k == lost + 1 && i < 12; i++)
			srv_seg(r, k); /* copies of held bytes: no memory, but later data all the same */
	}
	run_end(r);
	struct flow_stats st;
	flow_table_stats(r->ft, &st);
	uint32_t seg_body = MSS; /* the lost segment lies inside the body */
	uint32_t want = BODY_LEN - seg_body;
	uint32_t body_off = lost * MSS - head_len;
	int ok = r->files == 1 && !r->complete && r->got_len == want && r->missed == MSS &&
		 !memcmp(r->got, body, body_off) &&
		 !memcmp(r->got + body_off, body + body_off + seg_body, want - body_off);
	uint64_t gaps = !strcmp(what, "end")   ? st.reasm.gaps_end
			: !strcmp(what, "cap") ? st.reasm.gaps_cap
			: !strcmp(what, "acked") ? st.reasm.gaps_acked
					       : st.reasm.gaps_later;
	ok = ok && gaps == 1 && st.reasm.gaps_end + st.reasm.gaps_cap + st.reasm.gaps_acked + st.reasm.gaps_later == 1;
	if (acks) /* given up when the next segment came: two segments were ever held */
		ok = ok && st.reasm.held_segs == 2;
	test_reportf(ok, "lost segment given up (%s): skip() keeps HTTP in step, %u body bytes after the hole, "
		     "missed_bytes %llu, peak %llu bytes held", what, r->got_len, (unsigned long long)r->missed,
		     (unsigned long long)st.reasm.peak_bytes);
	flow_table_free(r->ft);
	free(r);
}

int main(void)
{
	for (uint32_t i = 0; i < BODY_LEN; i++)
		body[i] = (uint8_t)(i * 7 + (i >> 8));
	head_len = (uint32_t)snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n", BODY_LEN);
	test_reordered(1);
	test_reordered(0);
	test_lost(0, "end", 5, 0, 0);
	test_lost(4 * REASM_BLK_SIZE, "cap", 5, 0, 0);
	test_lost(4 * REASM_BLK_SIZE, "later", 5, 1, 0);
	test_lost(0, "acked", 5, 0, 1);
	printf("1..%d\n", test_num);
	return test_failed ? 1 : 0;
}
