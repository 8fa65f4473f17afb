/* tcp.c: TCP sequence analysis with the semantics of Wireshark's tcp.analysis.* fields:
 * relative numbers, window scaling (RFC 7323), retransmission, out-of-order, lost and
 * ACKed-unseen segments, duplicate ACKs, zero window and probes, keep-alives, window
 * updates and full windows, ACK RTT, iRTT, bytes in flight and bytes since the last PSH. */
#include "flow/flow_int.h"

#include <string.h>

#define OOO_DEFAULT_NS 3000000ll  /* out-of-order threshold when the iRTT is unknown */
#define FAST_RETRANS_NS 20000000ll

#define LT_SEQ(a, b) ((int32_t)((a) - (b)) < 0)
#define LE_SEQ(a, b) ((int32_t)((a) - (b)) <= 0)
#define GT_SEQ(a, b) ((int32_t)((a) - (b)) > 0)
#define GE_SEQ(a, b) ((int32_t)((a) - (b)) >= 0)

void tcp_conv_reset(struct tcp_conv *c)
{
	memset(c, 0, sizeof *c);
	c->half[0].win_scale = -1;
	c->half[1].win_scale = -1;
}

/* Window-scale option value in a SYN, or -1 when absent. */
static int tcp_syn_wscale(const struct pkt *p)
{
	const uint8_t *o = p->tcp.opts.p;
	uint32_t n = p->tcp.opts.len, i = 0;
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
			return o[i + 2] > 14 ? 14 : o[i + 2];
		i += len;
	}
	return -1;
}

int tcp_conv_reuse_check(const struct tcp_conv *c, const struct pkt *p, uint8_t dir)
{
	uint16_t fl = p->tcp.flags;
	if ((fl & (TH_SYN | TH_ACK)) != TH_SYN)
		return 0;
	const struct tcp_half *h = &c->half[dir];
	return h->base_set && p->tcp.seq != h->base_seq;
}

static void tcp_set_rtt(struct tcp_conv *c, struct tcp_half *rev, const struct pkt *p, int64_t now,
			struct flow_pkt *out)
{
	uint32_t ack = p->tcp.ack;
	if (!(p->tcp.flags & TH_ACK))
		return;
	/* drop every remembered segment this ACK covers; report the one it acks exactly */
	uint8_t keep = 0;
	for (uint8_t i = 0; i < rev->nunacked; i++) {
		struct tcp_unacked *u = &rev->unacked[i];
		if (GE_SEQ(ack, u->nextseq)) {
			if (ack == u->nextseq && !out->has_ack_rtt) {
				out->acks_frame = u->frame;
				out->ack_rtt_ns = now - u->ts;
				out->has_ack_rtt = 1;
			}
			continue;
		}
		rev->unacked[keep++] = *u;
	}
	rev->nunacked = keep;
	(void)c;
}

static void tcp_remember(struct tcp_half *fwd, uint32_t seq, uint32_t nextseq, uint64_t frame, int64_t now)
{
	if (fwd->nunacked == TCP_UNACKED_MAX) {
		memmove(&fwd->unacked[0], &fwd->unacked[1], sizeof fwd->unacked[0] * (TCP_UNACKED_MAX - 1));
		fwd->nunacked--;
	}
	struct tcp_unacked *u = &fwd->unacked[fwd->nunacked++];
	u->seq = seq;
	u->nextseq = nextseq;
	u->frame = frame;
	u->ts = now;
}

void tcp_conv_analyze(struct tcp_conv *c, const struct pkt *p, uint8_t dir, struct flow_pkt *out)
{
	const struct pkt_tcp *t = &p->tcp;
	struct tcp_half *fwd = &c->half[dir], *rev = &c->half[dir ^ 1];
	int64_t now = p->fr->ts_sec * 1000000000ll + p->fr->ts_nsec;
	uint64_t frame = p->fr->num;
	uint32_t seq = t->seq, ack = t->ack, seglen = t->len, win = t->win;
	uint16_t fl = t->flags;
	uint32_t af = out->analysis;

	/* base sequence numbers and window scaling from the handshake */
	if (fl & TH_SYN) {
		fwd->saw_syn = 1;
		int ws = tcp_syn_wscale(p);
		if (fl & TH_ACK) {
			/* SYN/ACK: scaling is used only if both sides offered it */
			if (ws >= 0 && rev->win_scale >= 0)
				fwd->win_scale = (int8_t)ws;
			else {
				fwd->win_scale = -2;
				rev->win_scale = -2;
			}
		} else {
			fwd->win_scale = (int8_t)(ws >= 0 ? ws : -2);
			c->syn_ts = now;
			c->syn_set = 1;
		}
	}
	if (!fwd->base_set) {
		fwd->base_seq = (fl & TH_SYN) ? seq : seq;
		fwd->base_set = 1;
	}
	if ((fl & TH_ACK) && !rev->base_set) {
		/* the other side is unseen: take its base from this ACK so Ack shows 1 after a SYN */
		rev->base_seq = rev->saw_syn ? rev->base_seq : ack - 1;
		rev->base_set = 1;
	}

	/* iRTT: from the first SYN to the ACK completing the handshake */
	if (!c->irtt_set && c->syn_set && (fl & (TH_SYN | TH_ACK)) == TH_ACK && dir == 0 && rev->saw_syn) {
		c->irtt = now - c->syn_ts;
		c->irtt_set = 1;
	}

	/* sequence analysis, in Wireshark's order */
	if (seglen == 1 && fwd->nextseq_set && seq == fwd->nextseq && rev->lastack_set && rev->window == 0) {
		af |= TA_ZWP;
		goto finished_fwd;
	}
	if (win == 0 && !(fl & (TH_RST | TH_FIN | TH_SYN)))
		af |= TA_ZERO_WIN;
	if (fwd->nextseq_set && GT_SEQ(seq, fwd->nextseq) && !(fl & TH_RST)) {
		af |= TA_LOST;
		fwd->valid_bif = 0;
	}
	if ((seglen == 0 || seglen == 1) && fwd->nextseq_set && seq == fwd->nextseq - 1 &&
	    !(fl & (TH_SYN | TH_FIN | TH_RST))) {
		af |= TA_KEEPALIVE;
	}
	if (seglen == 0 && win && fwd->lastack_set && win != fwd->window && seq == fwd->nextseq && ack == fwd->lastack &&
	    !(fl & (TH_SYN | TH_FIN | TH_RST))) {
		af |= TA_WIN_UPDATE;
	}
	if (seglen > 0 && rev->lastack_set && rev->win_scale != -1) {
		uint64_t rw = (uint64_t)rev->window << (rev->win_scale > 0 ? rev->win_scale : 0);
		if ((uint32_t)(seq + seglen) == (uint32_t)(rev->lastack + rw) && !(fl & (TH_SYN | TH_FIN | TH_RST)))
			af |= TA_WIN_FULL;
	}
	if (seglen == 0 && fwd->lastack_set && win == fwd->window && seq == fwd->nextseq && ack == fwd->lastack &&
	    (rev->lastsegflags & TA_KEEPALIVE) && !(fl & (TH_SYN | TH_FIN | TH_RST))) {
		af |= TA_KEEPALIVE_ACK;
		goto finished_fwd;
	}
	if (seglen == 0 && win == 0 && fwd->lastack_set && win == fwd->window && seq == fwd->nextseq &&
	    ack == fwd->lastack && (rev->lastsegflags & TA_ZWP) && !(fl & (TH_SYN | TH_FIN | TH_RST))) {
		af |= TA_ZWP_ACK;
		goto finished_fwd;
	}
	if (seglen == 0 && win && fwd->lastack_set && win == fwd->window && seq == fwd->nextseq && ack == fwd->lastack &&
	    !(fl & (TH_SYN | TH_FIN | TH_RST))) {
		fwd->dupacknum++;
		af |= TA_DUPACK;
		out->dupack_num = fwd->dupacknum;
		out->dupack_frame = fwd->lastnondupack;
	}

finished_fwd:
	if (!(af & TA_DUPACK)) {
		fwd->lastnondupack = frame;
		fwd->dupacknum = 0;
	}
	if (rev->maxseq_set && GT_SEQ(ack, rev->maxseqtobeacked) && (fl & TH_ACK)) {
		af |= TA_ACK_LOST;
		rev->maxseqtobeacked = rev->nextseq;
	}

	if ((seglen > 0 || (fl & (TH_SYN | TH_FIN))) && fwd->nextseq_set && LT_SEQ(seq, fwd->nextseq) &&
	    !(af & TA_KEEPALIVE)) {
		int64_t ooo = c->irtt_set && c->irtt > 0 ? c->irtt : OOO_DEFAULT_NS;
		if (rev->lastack_set && LE_SEQ(seq + seglen, rev->lastack) && seglen > 0) {
			af |= TA_SPURIOUS;
		} else if (rev->dupacknum >= 2 && rev->lastack == seq && now - rev->lastacktime < FAST_RETRANS_NS) {
			af |= TA_FAST_RETRANS;
		} else if (now - fwd->nextseqtime < ooo && fwd->nextseq != seq + seglen) {
			af |= TA_OOO;
		} else {
			af |= TA_RETRANS;
		}
	}

	uint32_t nextseq = seq + seglen + ((fl & (TH_SYN | TH_FIN)) ? 1 : 0);
	if (!fwd->nextseq_set || GT_SEQ(nextseq, fwd->nextseq)) {
		if (!(af & TA_ZWP)) {
			fwd->nextseq = nextseq;
			fwd->nextseqframe = frame;
			fwd->nextseqtime = now;
			fwd->nextseq_set = 1;
		}
	}
	if (!fwd->maxseq_set || GT_SEQ(fwd->nextseq, fwd->maxseqtobeacked)) {
		if (!(af & TA_ZWP) && (!fwd->maxseq_set || !(af & (TA_LOST)))) {
			fwd->maxseqtobeacked = fwd->nextseq;
			fwd->maxseq_set = 1;
		}
	}
	fwd->window = win;
	if (fl & TH_ACK) {
		fwd->lastack = ack;
		fwd->lastack_set = 1;
	}
	fwd->lastacktime = now;
	fwd->lastsegflags = af;

	/* RTT to ACK and the segments still unacknowledged */
	tcp_set_rtt(c, rev, p, now, out);
	if (seglen > 0 || (fl & (TH_SYN | TH_FIN)))
		tcp_remember(fwd, seq, seq + seglen + ((fl & (TH_SYN | TH_FIN)) ? 1 : 0), frame, now);

	/* bytes in flight: data sent and not yet acked by the other side */
	if (fl & TH_ACK)
		rev->valid_bif = 1;
	if (seglen > 0) {
		uint32_t acked = rev->lastack_set ? rev->lastack : fwd->base_seq + ((fwd->saw_syn) ? 1 : 0);
		out->bytes_in_flight = (uint32_t)(fwd->nextseq - acked) - ((fl & TH_FIN) ? 1 : 0);
		out->has_bif = 1;
	}
	fwd->push_bytes += seglen;
	if (fl & TH_PSH) {
		out->push_bytes = fwd->push_bytes;
		out->has_push = 1;
		fwd->push_bytes = 0;
	}
	if (fl & TH_RST)
		fwd->saw_rst = 1;
	if (fl & TH_FIN)
		fwd->saw_fin = 1;
	c->closed = fwd->saw_rst || rev->saw_rst || (fwd->saw_fin && rev->saw_fin);

	/* results */
	out->tcp_valid = 1;
	out->analysis = af;
	out->rel_seq = seq - fwd->base_seq;
	out->rel_ack = (fl & TH_ACK) ? ack - rev->base_seq : 0;
	out->next_seq = nextseq - fwd->base_seq;
	out->win_scale = fwd->win_scale;
	if ((fl & TH_SYN) || fwd->win_scale < 0) {
		out->win_calc = win;
		out->win_scaled = 0;
	} else {
		out->win_calc = (uint64_t)win << fwd->win_scale;
		out->win_scaled = 1;
	}
	if (c->irtt_set) {
		out->irtt_ns = c->irtt;
		out->has_irtt = 1;
	}
}
