/* follow.c: in-order payload of one TCP/UDP stream (retransmissions dropped, first copy wins, gaps marked)
 * and its text as tshark 4.0's -z follow,PROTO,MODE,N (ui/cli/tap-follow.c) plus Wireshark's follow footer. */
#include <stdlib.h>
#include <string.h>

#include "report/follow.h"

#define FOLLOW_SEP "===================================================================\n"

/* An out-of-order segment waiting for the bytes before it. Owned by the list. */
struct follow_seg {
	struct follow_seg *next;
	uint32_t seq, len;
	uint8_t data[];
};

struct follow_side {
	int have_seq;
	uint32_t next_seq;          /* next byte expected */
	struct follow_seg *pending; /* owned; sorted by seq */
	uint64_t bytes, pkts, hexpos;
	uint64_t retrans_bytes, gap_bytes;
	uint64_t cap_hits;          /* times the held bytes reached the cap and gaps were given up */
};

struct follow {
	enum follow_mode mode;
	int is_udp, started;
	int64_t stream;
	struct obuf *out;           /* borrowed */
	uint8_t alen;
	uint8_t addr[2][16];
	uint16_t port[2];
	struct follow_side side[2]; /* 0: client (node 0), 1: server */
	size_t max_pending, pending_bytes;
	uint64_t packets, turns;
	int last_server;
};

int follow_new(struct follow **out, enum follow_mode mode, int is_udp, int64_t stream, size_t max_pending,
	       struct obuf *o, struct errbuf *e)
{
	struct follow *f = calloc(1, sizeof *f);
	if (!f)
		return err_set(e, ERR_NOMEM, "follow: out of memory");
	f->mode = mode;
	f->is_udp = is_udp;
	f->stream = stream;
	f->out = o;
	f->max_pending = max_pending;
	*out = f;
	return 0;
}

void follow_free(struct follow *f)
{
	if (!f)
		return;
	for (int s = 0; s < 2; s++) {
		struct follow_seg *g = f->side[s].pending;
		while (g) {
			struct follow_seg *n = g->next;
			free(g);
			g = n;
		}
	}
	free(f);
}

static const char *follow_mode_name(enum follow_mode m)
{
	return m == FOLLOW_HEX ? "hex" : m == FOLLOW_RAW ? "raw" : "ascii";
}

static void follow_put_node(struct follow *f, int k)
{
	if (!f->started) {
		obuf_puts(f->out, ":0");
		return;
	}
	if (f->alen == 16)
		obuf_putc(f->out, '[');
	obuf_addr(f->out, f->addr[k], f->alen);
	if (f->alen == 16)
		obuf_putc(f->out, ']');
	obuf_printf(f->out, ":%u", f->port[k]);
}

static void follow_header(struct follow *f)
{
	obuf_printf(f->out, "\n" FOLLOW_SEP "Follow: %s,%s\nFilter: %s.stream eq %lld\n", f->is_udp ? "udp" : "tcp",
		    follow_mode_name(f->mode), f->is_udp ? "udp" : "tcp", (long long)f->stream);
	for (int k = 0; k < 2; k++) {
		obuf_printf(f->out, "Node %d: ", k);
		follow_put_node(f, k);
		obuf_putc(f->out, '\n');
	}
}

static int follow_printable(uint8_t c) { return c >= 0x20 && c < 0x7f; }

/* tshark's follow_print_hex: offset per side, 16 bytes a line, a gap after 8. */
static void follow_hex(struct follow *f, const char *pfx, uint64_t pos, const uint8_t *p, uint32_t n)
{
	static const char hx[] = "0123456789abcdef";
	struct obuf *o = f->out;
	for (uint32_t i = 0; i < n; i += 16) {
		uint32_t k = n - i < 16 ? n - i : 16;
		obuf_printf(o, "%s%08llX  ", pfx, (unsigned long long)((pos + i) & 0xffffffffu));
		for (uint32_t j = 0; j < 16; j++) {
			if (j < k) {
				char b[3] = { hx[p[i + j] >> 4], hx[p[i + j] & 15], ' ' };
				obuf_write(o, b, 3);
			} else {
				obuf_puts(o, "   ");
			}
			if (j == 7)
				obuf_putc(o, ' ');
		}
		obuf_putc(o, ' ');
		for (uint32_t j = 0; j < k; j++) {
			obuf_putc(o, follow_printable(p[i + j]) ? (char)p[i + j] : '.');
			if (j == 7)
				obuf_putc(o, ' ');
		}
		if (o->buf[o->len - 1] == ' ') /* tshark 4.0 loses one space at the end of a line */
			o->len--;
		obuf_putc(o, '\n');
	}
}

/* One record (a packet's new bytes) of one side, as tshark prints it. ASCII keeps
 * line ends as lines (a CR before LF is left out, so no control character reaches
 * the terminal); every other byte outside printable ASCII is a '.'. */
static void follow_emit(struct follow *f, int server, const uint8_t *p, uint32_t n)
{
	if (!n)
		return;
	struct follow_side *s = &f->side[server];
	const char *pfx = server ? "\t" : "";
	struct obuf *o = f->out;
	switch (f->mode) {
	case FOLLOW_HEX:
		follow_hex(f, pfx, s->hexpos, p, n);
		break;
	case FOLLOW_RAW:
		obuf_puts(o, pfx);
		obuf_hex(o, p, n, 0);
		obuf_putc(o, '\n');
		break;
	default:
		obuf_printf(o, "%s%u\n", pfx, n);
		for (uint32_t i = 0; i < n; i++) {
			uint8_t c = p[i];
			if (c == '\n')
				obuf_putc(o, '\n');
			else if (c == '\r' && i + 1 < n && p[i + 1] == '\n')
				continue;
			else
				obuf_putc(o, follow_printable(c) ? (char)c : '.');
		}
		obuf_putc(o, '\n');
		break;
	}
	s->hexpos += n;
	s->bytes += n;
	s->pkts++;
	if (f->last_server != server)
		f->turns++;
	f->last_server = server;
}

static void follow_gap(struct follow *f, int server, uint32_t n)
{
	f->side[server].gap_bytes += n;
	f->side[server].hexpos += n;
	obuf_printf(f->out, "%s[%u bytes missing in capture]\n", server ? "\t" : "", n);
}

static int32_t follow_seqdiff(uint32_t a, uint32_t b) { return (int32_t)(a - b); }

/* Emits the pending segments the expected sequence number has reached. */
static void follow_drain(struct follow *f, int server)
{
	struct follow_side *s = &f->side[server];
	while (s->pending && follow_seqdiff(s->pending->seq, s->next_seq) <= 0) {
		struct follow_seg *g = s->pending;
		s->pending = g->next;
		f->pending_bytes -= g->len;
		int32_t skip = follow_seqdiff(s->next_seq, g->seq);
		if ((uint32_t)skip < g->len) {
			follow_emit(f, server, g->data + skip, g->len - (uint32_t)skip);
			s->next_seq = g->seq + g->len;
			s->retrans_bytes += (uint32_t)skip;
		} else {
			s->retrans_bytes += g->len;
		}
		free(g);
	}
}

/* Gives up waiting on the side's gaps: marks them and emits everything held. */
static void follow_skip_gaps(struct follow *f, int server)
{
	struct follow_side *s = &f->side[server];
	while (s->pending) {
		int32_t d = follow_seqdiff(s->pending->seq, s->next_seq);
		if (d > 0) {
			follow_gap(f, server, (uint32_t)d);
			s->next_seq = s->pending->seq;
		}
		follow_drain(f, server);
	}
}

/* Holds an out-of-order segment; returns 0, or -1 when the cap is reached (nothing held). */
static int follow_hold(struct follow *f, int server, uint32_t seq, const uint8_t *p, uint32_t n)
{
	struct follow_side *s = &f->side[server];
	struct follow_seg *g = NULL;
	if (f->pending_bytes + n <= f->max_pending)
		g = malloc(sizeof *g + n);
	if (!g)
		return -1;
	g->seq = seq;
	g->len = n;
	memcpy(g->data, p, n);
	struct follow_seg **pp = &s->pending;
	while (*pp && follow_seqdiff((*pp)->seq, seq) <= 0) /* a copy already held wins */
		pp = &(*pp)->next;
	g->next = *pp;
	*pp = g;
	f->pending_bytes += n;
	return 0;
}

void follow_packet(struct follow *f, const uint8_t *src, const uint8_t *dst, uint8_t alen, uint16_t sport,
		   uint16_t dport, uint32_t seq, uint16_t flags, const uint8_t *data, uint32_t len)
{
	if (alen > 16)
		return;
	if (!f->started) {
		f->started = 1;
		f->alen = alen;
		memcpy(f->addr[0], src, alen);
		memcpy(f->addr[1], dst, alen);
		f->port[0] = sport;
		f->port[1] = dport;
		follow_header(f);
	}
	f->packets++;
	int server = !(sport == f->port[0] && !memcmp(src, f->addr[0], alen));
	if (sport == dport && !memcmp(src, dst, alen))
		server = 0;
	if (f->is_udp) {
		follow_emit(f, server, data, len);
		return;
	}
	struct follow_side *s = &f->side[server];
	if (!s->have_seq) {
		s->have_seq = 1;
		s->next_seq = seq + ((flags & 0x02) ? 1u : 0u);
	}
	if (flags & 0x02)
		seq++; /* SYN takes one sequence number; data on a SYN follows it */
	if (!len)
		return;
	int32_t d = follow_seqdiff(seq, s->next_seq);
	if (d > 0) {
		if (!follow_hold(f, server, seq, data, len))
			return;
		/* the cap of held bytes is reached: stop waiting for the missing bytes */
		s->cap_hits++;
		follow_skip_gaps(f, server);
		d = follow_seqdiff(seq, s->next_seq);
		if (d > 0) {
			follow_gap(f, server, (uint32_t)d);
			s->next_seq = seq;
			d = 0;
		}
	}
	uint32_t skip = (uint32_t)-d;
	if (skip >= len) {
		s->retrans_bytes += len;
		return;
	}
	s->retrans_bytes += skip;
	follow_emit(f, server, data + skip, len - skip);
	s->next_seq = seq + len;
	follow_drain(f, server);
}

static void follow_put_side(struct follow *f, int k)
{
	follow_put_node(f, k);
	obuf_puts(f->out, " \xe2\x86\x92 ");
	follow_put_node(f, !k);
}

uint64_t follow_finish(struct follow *f)
{
	if (!f->started)
		follow_header(f);
	/* what never got its missing bytes: in sequence order, each gap marked */
	for (int k = 0; k < 2; k++)
		follow_skip_gaps(f, k);
	obuf_puts(f->out, FOLLOW_SEP);
	struct follow_side *c = &f->side[0], *v = &f->side[1];
	obuf_printf(f->out, "Entire conversation (%llu bytes)\n", (unsigned long long)(c->bytes + v->bytes));
	for (int k = 0; k < 2; k++) {
		follow_put_side(f, k);
		obuf_printf(f->out, " (%llu bytes)\n", (unsigned long long)f->side[k].bytes);
	}
	obuf_printf(f->out, "%llu client pkts, %llu server pkts, %llu turns.\n", (unsigned long long)c->pkts,
		    (unsigned long long)v->pkts, (unsigned long long)f->turns);
	uint64_t re = c->retrans_bytes + v->retrans_bytes, gap = c->gap_bytes + v->gap_bytes,
		 dr = c->cap_hits + v->cap_hits;
	if (re)
		obuf_printf(f->out, "%llu retransmitted bytes left out (first copy wins)\n", (unsigned long long)re);
	if (gap)
		obuf_printf(f->out, "%llu bytes missing in capture (marked where they belong)\n", (unsigned long long)gap);
	if (dr)
		obuf_printf(f->out, "out-of-order bytes held reached the cap of %zu bytes %llu times: gaps then given up "
			    "early (data after them may be shown before late copies of what they miss)\n",
			    f->max_pending, (unsigned long long)dr);
	return f->packets;
}
