/* tcp.c: TCP sequence analysis with the semantics of Wireshark 4.0's tcp.analysis.* fields:
 * relative numbers, window scaling (RFC 7323), retransmission, out-of-order, lost and
 * ACKed-unseen segments, duplicate ACKs, zero window and probes, keep-alives, window
 * updates and full windows, ACK RTT, iRTT, bytes in flight and bytes since the last PSH. */
#include "flow/flow_int.h"

#include <stdlib.h>
#include <string.h>

#define OOO_DEFAULT_NS 3000000ll  /* out-of-order threshold when the iRTT is unknown */
#define FAST_RETRANS_NS 20000000ll

#define LT_SEQ(a, b) ((int32_t)((a) - (b)) < 0)
#define LE_SEQ(a, b) ((int32_t)((a) - (b)) <= 0)
#define GT_SEQ(a, b) ((int32_t)((a) - (b)) > 0)
#define GE_SEQ(a, b) ((int32_t)((a) - (b)) >= 0)

#define NO_SFR(fl) (!((fl) & (TH_SYN | TH_FIN | TH_RST)))

void tcp_conv_init(struct tcp_conv *c)
{
	memset(c, 0, sizeof *c);
	for (int i = 0; i < 2; i++) {
		c->half[i].win_scale = -1;
		c->half[i].window = 0xffffffffu;
		c->half[i].valid_bif = 1;
	}
}

void tcp_conv_release(struct tcp_conv *c)
{
	for (int i = 0; i < 2; i++) {
		free(c->half[i].unacked);
		c->half[i].unacked = NULL;
		c->half[i].nunacked = c->half[i].unacked_cap = 0;
	}
}

void tcp_conv_reset(struct tcp_conv *c)
{
	tcp_conv_release(c);
	tcp_conv_init(c);
}

static uint32_t tcp_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads the options this module needs: the window-scale shift (-1 when absent)
 * and the SACK blocks. */
static int tcp_scan_options(const struct pkt *p, uint32_t *sl, uint32_t *sr, uint8_t *nsack)
{
	const uint8_t *o = p->tcp.opts.p;
	uint32_t n = p->tcp.opts.len, i = 0;
	int ws = -1;
	*nsack = 0;
	while (i < n) {
		uint8_t kind = o[i];
		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n)
			break;
		uint8_t len = o[i + 1];
		if (len < 2 || i + len > n)
			break;
		if (kind == 3 && len == 3)
			ws = o[i + 2] > 14 ? 14 : o[i + 2];
		if (kind == 5) {
			*nsack = 0;
			for (uint32_t k = 2; k + 8 <= len && *nsack < TCP_SACK_MAX; k += 8) {
				sl[*nsack] = tcp_be32(o + i + k);
				sr[*nsack] = tcp_be32(o + i + k + 4);
				(*nsack)++;
			}
		}
		i += len;
	}
	return ws;
}

int tcp_conv_reuse_check(struct tcp_conv *c, const struct pkt *p, uint8_t dir, struct flow_pkt *out)
{
	uint16_t fl = p->tcp.flags;
	struct tcp_half *h = &c->half[dir];
	if ((fl & (TH_SYN | TH_ACK)) == TH_SYN && h->base_set) {
		if (p->tcp.seq != h->base_seq)
			return 1;
		h->nextseq = h->maxseqtobeacked; /* a retransmitted SYN undoes what a RST did */
	}
	if ((fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK) && h->base_set && p->tcp.seq != h->base_seq) {
		h->base_seq = p->tcp.seq;
		out->analysis |= TA_REUSED;
	}
	return 0;
}

/* Drops what `ack` covers from the other side's unacknowledged segments and
 * reports the segment it acknowledges exactly. */
static void tcp_ack_segments(struct tcp_half *rev, uint32_t ack, int64_t now, struct flow_pkt *out)
{
	uint8_t keep = 0;
	for (int i = rev->nunacked - 1; i >= 0; i--) {
		struct tcp_unacked *u = &rev->unacked[i];
		if (ack == u->nextseq) {
			out->acks_frame = u->frame;
			out->ack_rtt_ns = now - u->ts;
			out->has_acks_frame = 1;
			out->has_ack_rtt = out->ack_rtt_ns != 0; /* Wireshark leaves a zero RTT out */
			u->frame = 0; /* removed */
		} else if (GT_SEQ(ack, u->seq) && LE_SEQ(ack, u->nextseq)) {
			u->seq = ack;
		} else if (!GT_SEQ(u->nextseq, ack)) {
			u->frame = 0;
		}
	}
	for (uint32_t i = 0; i < rev->nunacked; i++)
		if (rev->unacked[i].frame)
			rev->unacked[keep++] = rev->unacked[i];
	rev->nunacked = keep;
}

/* Bytes from the lowest unacknowledged sequence number to the highest end. */
static uint32_t tcp_unacked_span(const struct tcp_half *h)
{
	uint32_t lo = h->unacked[0].seq - h->base_seq, hi = h->unacked[0].nextseq - h->base_seq;
	for (uint32_t i = 1; i < h->nunacked; i++) {
		uint32_t a = h->unacked[i].seq - h->base_seq, b = h->unacked[i].nextseq - h->base_seq;
		if (a < lo)
			lo = a;
		if (b > hi)
			hi = b;
	}
	return hi - lo;
}

static void tcp_remember(struct tcp_half *fwd, uint32_t seq, uint32_t nextseq, uint64_t frame, int64_t now)
{
	if (fwd->nunacked == fwd->unacked_cap) {
		uint32_t cap = fwd->unacked_cap ? fwd->unacked_cap * 2u : 8u;
		struct tcp_unacked *n = cap <= TCP_UNACKED_MAX ? realloc(fwd->unacked, cap * sizeof *n) : NULL;
		if (n) {
			fwd->unacked = n;
			fwd->unacked_cap = (uint16_t)cap;
		} else if (fwd->nunacked) {
			/* at the cap (or out of memory): forget the oldest */
			memmove(&fwd->unacked[0], &fwd->unacked[1], sizeof fwd->unacked[0] * (fwd->nunacked - 1u));
			fwd->nunacked--;
		} else {
			return;
		}
	}
	struct tcp_unacked *u = &fwd->unacked[fwd->nunacked++];
	u->seq = seq;
	u->nextseq = nextseq;
	u->frame = frame;
	u->ts = now;
}

static uint32_t tcp_sequence_analysis(struct tcp_conv *c, struct tcp_half *fwd, struct tcp_half *rev,
				      const struct pkt *p, int64_t now, struct flow_pkt *out)
{
	const struct pkt_tcp *t = &p->tcp;
	uint32_t seq = t->seq, ack = t->ack, seglen = t->len, win = t->win;
	uint16_t fl = t->flags;
	uint64_t frame = p->fr->num;
	uint32_t af = out->analysis;

	if (fl & TH_ACK)
		rev->valid_bif = 1;

	if (seglen == 1 && seq == fwd->nextseq && rev->window == 0) {
		af |= TA_ZWP;
		goto end_fwd;
	}
	if (win == 0 && NO_SFR(fl))
		af |= TA_ZERO_WIN;
	if (fwd->nextseq && GT_SEQ(seq, fwd->nextseq) && !(fl & TH_RST)) {
		af |= TA_LOST;
		fwd->valid_bif = 0;
	}
	if ((seglen == 0 || seglen == 1) && seq == fwd->nextseq - 1 && NO_SFR(fl))
		af |= TA_KEEPALIVE;
	if (seglen == 0 && win != 0 && win != fwd->window && seq == fwd->nextseq && ack == fwd->lastack && NO_SFR(fl))
		af |= TA_WIN_UPDATE;
	if (seglen > 0 && rev->win_scale != -1 && NO_SFR(fl)) {
		int s = (rev->is_first_ack || rev->win_scale == -2) ? 0 : rev->win_scale;
		if (seq + seglen == rev->lastack + (uint32_t)((uint64_t)rev->window << s))
			af |= TA_WIN_FULL;
	}
	if (seglen == 0 && win != 0 && win == fwd->window && seq == fwd->nextseq && ack == fwd->lastack &&
	    (rev->lastsegflags & TA_KEEPALIVE) && NO_SFR(fl)) {
		af |= TA_KEEPALIVE_ACK;
		goto end_fwd;
	}
	if (seglen == 0 && win == 0 && fwd->window == 0 && seq == fwd->nextseq && ack == fwd->lastack &&
	    (rev->lastsegflags & TA_ZWP) && NO_SFR(fl)) {
		af |= TA_ZWP_ACK;
		goto end_fwd;
	}
	if (seglen == 0 && win != 0 && win == fwd->window && seq == fwd->nextseq && ack == fwd->lastack && NO_SFR(fl)) {
		fwd->dupacknum = fwd->dupacknum == -1 ? 1 : fwd->dupacknum + 1;
		af |= TA_DUPACK;
		out->dupack_num = (uint32_t)fwd->dupacknum;
		out->dupack_frame = fwd->lastnondupack;
	}

end_fwd:
	if (ack != fwd->lastack) {
		fwd->lastnondupack = frame;
		fwd->dupacknum = 0;
	}
	if (rev->maxseqtobeacked && GT_SEQ(ack, rev->maxseqtobeacked) && (fl & TH_ACK)) {
		out->has_ta = 1;
		if (LT_SEQ(rev->maxseqtobeacked, rev->nextseq)) {
			rev->maxseqtobeacked = rev->nextseq;
			af |= TA_ACK_LOST;
		} else {
			if (rev->dupacknum == 0)
				af |= TA_ACK_LOST;
			rev->dupacknum = -1;
		}
	}

	if (seglen > 0 || (fl & (TH_SYN | TH_FIN))) {
		int not_adv = fwd->nextseq && LT_SEQ(seq, fwd->nextseq);
		if (af & TA_KEEPALIVE)
			goto done_rt;
		if (seglen > 1 && seq == fwd->nextseq - 1)
			not_adv = 0;
		if (seglen > 0 && rev->lastack && LE_SEQ(seq + seglen, rev->lastack)) {
			af |= TA_SPURIOUS;
			goto done_rt;
		}
		if (not_adv && (uint32_t)rev->dupacknum >= 2 && /* -1 (after an ACKed unseen segment) counts as large */ rev->lastack == seq &&
		    (uint64_t)(now - rev->lastacktime) < (uint64_t)FAST_RETRANS_NS) {
			af |= TA_FAST_RETRANS;
			goto done_rt;
		}
		int64_t thres = c->irtt ? c->irtt : OOO_DEFAULT_NS;
		uint32_t end = seq + seglen + ((fl & (TH_SYN | TH_FIN)) ? 1 : 0);
		/* time going backwards counts as a long gap (the delta is unsigned there too) */
		if (not_adv && (uint64_t)(now - fwd->nextseqtime) < (uint64_t)thres && fwd->nextseq != end) {
			af |= TA_OOO;
			goto done_rt;
		}
		if (not_adv)
			af |= TA_RETRANS;
	}
done_rt:;
	uint32_t nextseq = seq + seglen;
	if (seglen > 0 || (fl & (TH_SYN | TH_FIN))) {
		if (fl & (TH_SYN | TH_FIN))
			nextseq++;
		tcp_remember(fwd, seq, nextseq, frame, now);
	}
	if (GT_SEQ(nextseq, fwd->nextseq) || fwd->nextseq == 0) {
		if (!(af & TA_ZWP)) {
			fwd->nextseq = nextseq;
			fwd->nextseqtime = now;
		}
	}
	if (seq == fwd->maxseqtobeacked || fwd->maxseqtobeacked == 0) {
		if (!(af & TA_ZWP))
			fwd->maxseqtobeacked = fwd->nextseq;
	}
	fwd->window = win;
	fwd->lastack = ack;
	fwd->lastacktime = now;
	fwd->lastsegflags = af;

	tcp_ack_segments(rev, ack, now, out);
	if (af || seglen > 0 || out->has_acks_frame)
		out->has_ta = 1; /* Wireshark shows the SEQ/ACK analysis (and iRTT) only then */

	if (seglen != 0 && fwd->nunacked && fwd->valid_bif) {
		uint32_t in_flight = tcp_unacked_span(fwd);
		for (uint8_t i = 0; i < rev->nsack; i++)
			in_flight -= rev->sack_r[i] - rev->sack_l[i];
		if (in_flight > 0 && in_flight < 2000000000u) {
			out->bytes_in_flight = in_flight - ((fl & (TH_SYN | TH_FIN)) ? 1 : 0);
			out->has_bif = 1;
			if ((fl & TH_PSH) && !fwd->push_set_last) {
				fwd->push_bytes += seglen;
				fwd->push_set_last = 1;
			} else if ((fl & TH_PSH) && fwd->push_set_last) {
				fwd->push_bytes = seglen;
			} else if (fwd->push_set_last) {
				fwd->push_bytes = seglen;
				fwd->push_set_last = 0;
			} else {
				fwd->push_bytes += seglen;
			}
			out->push_bytes = fwd->push_bytes;
			out->has_push = 1;
		}
	}
	return af;
}

void tcp_conv_analyze(struct tcp_conv *c, const struct pkt *p, uint8_t dir, struct flow_pkt *out)
{
	const struct pkt_tcp *t = &p->tcp;
	struct tcp_half *fwd = &c->half[dir], *rev = &c->half[dir ^ 1];
	int64_t now = frame_ns(p->fr);
	uint16_t fl = t->flags;

	if (!fwd->base_set) {
		fwd->base_seq = (fl & TH_SYN) ? t->seq : t->seq - 1;
		fwd->base_set = 1;
	}
	if (!rev->base_set && (fl & TH_ACK)) {
		rev->base_seq = t->ack - 1;
		rev->base_set = 1;
	}

	uint32_t af = tcp_sequence_analysis(c, fwd, rev, p, now, out);
	int8_t shown_scale = fwd->win_scale; /* this segment's own WS option applies to later ones */

	/* options: window scale and SACK blocks (after the analysis, as Wireshark) */
	uint32_t sl[TCP_SACK_MAX] = { 0 }, sr[TCP_SACK_MAX] = { 0 };
	uint8_t nsack;
	int ws = tcp_scan_options(p, sl, sr, &nsack);
	fwd->nsack = nsack;
	memcpy(fwd->sack_l, sl, sizeof sl);
	memcpy(fwd->sack_r, sr, sizeof sr);
	if (ws >= 0)
		fwd->win_scale = (int8_t)ws;
	if (fl & TH_SYN) {
		if (fwd->win_scale == -1) {
			fwd->win_scale = -2;
			rev->win_scale = -2;
		} else if ((fl & TH_ACK) && rev->win_scale == -2) {
			fwd->win_scale = -2;
		}
	}

	/* iRTT and first-ACK state */
	if ((fl & TH_ACK) && !(fl & TH_SYN)) {
		if (c->mru_syn_set && c->irtt == 0)
			c->irtt = now - c->mru_syn_ts;
		fwd->is_first_ack = 0;
	}
	if (fl & TH_SYN) {
		fwd->is_first_ack = 1;
		if (!(fl & TH_ACK)) {
			c->mru_syn_ts = now;
			c->mru_syn_set = 1;
		}
	}
	if (fl & TH_RST)
		fwd->saw_rst = 1;
	if (fl & TH_FIN)
		fwd->saw_fin = 1;
	c->closed = fwd->saw_rst || rev->saw_rst || (fwd->saw_fin && rev->saw_fin);

	out->tcp_valid = 1;
	out->analysis = af;
	out->rel_seq = t->seq - fwd->base_seq;
	out->rel_ack = (fl & TH_ACK) ? t->ack - rev->base_seq : 0;
	out->next_seq = t->seq + t->len + ((fl & (TH_SYN | TH_FIN)) ? 1 : 0) - fwd->base_seq;
	out->win_scale = shown_scale;
	out->sack_base = rev->base_seq;
	if ((fl & TH_SYN) || shown_scale < 0) {
		out->win_calc = t->win;
		out->win_scaled = 0;
	} else {
		out->win_calc = (uint64_t)t->win << shown_scale;
		out->win_scaled = 1;
	}
	if (c->irtt && (out->has_ta || out->analysis)) {
		out->irtt_ns = c->irtt;
		out->has_irtt = 1;
	}
}
