/* stats.c: io,stat buckets and expert-info counts, rendered in the layout of tshark 4.0's -z io,stat and -z expert. */
#include <stdlib.h>
#include <string.h>

#include "report/stats.h"

int stats_io_init(struct stats_io *s, int64_t interval_ns, size_t max_buckets, struct errbuf *e)
{
	memset(s, 0, sizeof *s);
	if (interval_ns <= 0)
		return err_set(e, ERR_USAGE, "interval must be positive");
	s->interval_ns = interval_ns;
	s->max_buckets = max_buckets ? max_buckets : 1;
	return 0;
}

void stats_io_free(struct stats_io *s)
{
	free(s->frames);
	free(s->bytes);
	memset(s, 0, sizeof *s);
}

/* Makes bucket `b` exist; -1 past the cap or out of memory. */
static int stats_io_reach(struct stats_io *s, size_t b)
{
	if (b >= s->max_buckets)
		return -1;
	if (b >= s->cap) {
		size_t nc = s->cap ? s->cap : 64;
		while (nc <= b)
			nc *= 2;
		if (nc > s->max_buckets)
			nc = s->max_buckets;
		uint64_t *f = realloc(s->frames, nc * sizeof *f);
		if (!f)
			return -1;
		s->frames = f;
		uint64_t *y = realloc(s->bytes, nc * sizeof *y);
		if (!y)
			return -1;
		s->bytes = y;
		memset(f + s->cap, 0, (nc - s->cap) * sizeof *f);
		memset(y + s->cap, 0, (nc - s->cap) * sizeof *y);
		s->cap = nc;
	}
	if (b >= s->n)
		s->n = b + 1;
	return 0;
}

void stats_io_add(struct stats_io *s, int64_t rel_ns, uint32_t bytes)
{
	if (rel_ns < 0)
		rel_ns = 0; /* a frame older than the first one counts in the first interval */
	if (rel_ns > s->last_ns)
		s->last_ns = rel_ns;
	uint64_t b = (uint64_t)rel_ns / (uint64_t)s->interval_ns;
	if (b > SIZE_MAX / 2 || stats_io_reach(s, (size_t)b) < 0) {
		s->dropped++;
		return;
	}
	s->frames[b]++;
	s->bytes[b] += bytes;
}

/* Seconds with the fewest decimals that show the interval exactly (1, 0.5, 0.001). */
static int stats_io_decimals(int64_t ns)
{
	int d = 0;
	for (int64_t p = 1000000000; d < 9 && ns % p; p /= 10)
		d++;
	return d;
}

static void stats_io_put_time(struct obuf *o, int64_t ns, int dec)
{
	int64_t div = 1;
	for (int i = dec; i < 9; i++)
		div *= 10;
	if (dec)
		obuf_printf(o, "%lld.%0*lld", (long long)(ns / 1000000000), dec, (long long)(ns % 1000000000 / div));
	else
		obuf_printf(o, "%lld", (long long)(ns / 1000000000));
}

static void stats_io_line(struct obuf *o, char c, size_t w)
{
	for (size_t i = 0; i < w; i++)
		obuf_putc(o, c);
	obuf_putc(o, '\n');
}

void stats_io_render(const struct stats_io *s, struct obuf *o)
{
	int dec = stats_io_decimals(s->interval_ns);
	/* widths of the interval text, frames and bytes columns */
	struct obuf t;
	obuf_init(&t);
	stats_io_put_time(&t, (int64_t)s->n * s->interval_ns, dec);
	size_t tw = t.len;
	uint64_t mf = 0, mb = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (s->frames[i] > mf) mf = s->frames[i];
		if (s->bytes[i] > mb) mb = s->bytes[i];
	}
	obuf_reset(&t);
	obuf_u64(&t, mf);
	size_t fw = t.len < 6 ? 6 : t.len;
	obuf_reset(&t);
	obuf_u64(&t, mb);
	size_t bw = t.len < 5 ? 5 : t.len;
	obuf_free(&t);
	size_t iw = 2 * tw + 4 < 8 ? 8 : 2 * tw + 4;
	size_t width = 1 + (iw + 2) + 1 + (fw + 2) + 1 + (bw + 2) + 1;
	obuf_putc(o, '\n');
	stats_io_line(o, '=', width);
	size_t s0 = o->len;
	obuf_printf(o, "| IO Statistics");
	obuf_pad_from(o, s0, width - 1, 0);
	obuf_puts(o, "|\n");
	s0 = o->len;
	obuf_puts(o, "| Duration: ");
	stats_io_put_time(o, s->last_ns, 6);
	obuf_puts(o, " secs");
	obuf_pad_from(o, s0, width - 1, 0);
	obuf_puts(o, "|\n");
	s0 = o->len;
	obuf_puts(o, "| Interval: ");
	stats_io_put_time(o, s->interval_ns, dec);
	obuf_puts(o, " secs");
	obuf_pad_from(o, s0, width - 1, 0);
	obuf_puts(o, "|\n");
	obuf_putc(o, '|');
	for (size_t i = 2; i < width; i++)
		obuf_putc(o, '-');
	obuf_puts(o, "|\n");
	obuf_printf(o, "| %-*s | %*s | %*s |\n", (int)iw, "Interval", (int)fw, "Frames", (int)bw, "Bytes");
	obuf_putc(o, '|');
	for (size_t i = 2; i < width; i++)
		obuf_putc(o, '-');
	obuf_puts(o, "|\n");
	for (size_t i = 0; i < s->n; i++) {
		obuf_puts(o, "| ");
		s0 = o->len;
		stats_io_put_time(o, (int64_t)i * s->interval_ns, dec);
		obuf_pad_from(o, s0, tw, 1);
		obuf_puts(o, " <> ");
		s0 = o->len;
		stats_io_put_time(o, (int64_t)(i + 1) * s->interval_ns, dec);
		obuf_pad_from(o, s0, iw - tw - 4, 0);
		obuf_printf(o, " | %*llu | %*llu |\n", (int)fw, (unsigned long long)s->frames[i], (int)bw,
			    (unsigned long long)s->bytes[i]);
	}
	stats_io_line(o, '=', width);
	if (s->dropped)
		obuf_printf(o, "%llu frames past the last of %zu intervals not counted (a longer --interval shows them)\n",
			    (unsigned long long)s->dropped, s->max_buckets);
}

enum { SEV_ERROR, SEV_WARN, SEV_NOTE, SEV_CHAT };

struct stats_expert_def {
	uint8_t sev;
	const char *group, *summary;
};

static const struct stats_expert_def stats_expert_defs[SE_COUNT] = {
	[SE_RETRANS] = { SEV_NOTE, "Sequence", "This frame is a (suspected) retransmission" },
	[SE_FAST_RETRANS] = { SEV_NOTE, "Sequence", "This frame is a (suspected) fast retransmission" },
	[SE_SPURIOUS] = { SEV_NOTE, "Sequence", "This frame is a (suspected) spurious retransmission" },
	[SE_OOO] = { SEV_WARN, "Sequence", "This frame is a (suspected) out-of-order segment" },
	[SE_LOST] = { SEV_WARN, "Sequence", "Previous segment(s) not captured (common at capture start)" },
	[SE_ACK_LOST] = { SEV_WARN, "Sequence", "ACKed segment that wasn't captured (common at capture start)" },
	[SE_DUPACK] = { SEV_NOTE, "Sequence", "Duplicate ACK" },
	[SE_ZERO_WIN] = { SEV_WARN, "Sequence", "TCP Zero Window segment" },
	[SE_ZWP] = { SEV_NOTE, "Sequence", "TCP Zero Window Probe" },
	[SE_ZWP_ACK] = { SEV_NOTE, "Sequence", "TCP Zero Window Probe Ack" },
	[SE_WIN_FULL] = { SEV_WARN, "Sequence", "TCP window specified by the receiver is now completely full" },
	[SE_WIN_UPDATE] = { SEV_CHAT, "Sequence", "TCP window update" },
	[SE_KEEPALIVE] = { SEV_NOTE, "Sequence", "TCP keep-alive segment" },
	[SE_KEEPALIVE_ACK] = { SEV_NOTE, "Sequence", "ACK to a TCP keep-alive segment" },
	[SE_REUSED] = { SEV_NOTE, "Sequence",
			"A new tcp session is started with the same ports as an earlier session in this trace" },
	[SE_MALFORMED] = { SEV_ERROR, "Malformed", "Malformed Packet (Exception occurred)" },
	[SE_TRUNCATED] = { SEV_WARN, "Malformed", "Packet size limited during capture" },
};

void stats_expert_add_tcp(struct stats_expert *s, enum stats_expert_id id)
{
	if ((unsigned)id < SE_MALFORMED)
		s->n[id]++;
}

void stats_expert_add_problem(struct stats_expert *s, unsigned layer, int truncated)
{
	if (layer >= STATS_LAYERS)
		layer = STATS_LAYERS - 1;
	if (truncated) {
		s->n[SE_TRUNCATED]++;
		s->truncated[layer]++;
	} else {
		s->n[SE_MALFORMED]++;
		s->malformed[layer]++;
	}
}

/* Names of the pkt_layer bits, in bit order. */
static const char *const stats_layer_names[] = { "Ethernet", "VLAN", "SLL", "Null", "LLC", "ARP", "IPv4", "IPv6",
						 "TCP", "UDP", "ICMP", "ICMPv6", "GRE", "MPLS", "PPPoE", "IP",
						 "PPP", "Link" };

static const char *stats_layer_name(unsigned i)
{
	return i < sizeof stats_layer_names / sizeof *stats_layer_names ? stats_layer_names[i] : "Frame";
}

static void stats_expert_row(struct obuf *o, uint64_t n, const char *group, const char *proto, const char *summary)
{
	obuf_printf(o, "%12llu %10s %18s  %s\n", (unsigned long long)n, group, proto, summary);
}

void stats_expert_render(const struct stats_expert *s, struct obuf *o)
{
	static const char *const sev_names[] = { "Errors", "Warns", "Notes", "Chats" };
	for (int sev = SEV_ERROR; sev <= SEV_CHAT; sev++) {
		uint64_t total = 0;
		for (int i = 0; i < SE_COUNT; i++)
			if (stats_expert_defs[i].sev == sev)
				total += s->n[i];
		if (!total)
			continue;
		obuf_printf(o, "\n%s (%llu)\n=============\n", sev_names[sev], (unsigned long long)total);
		obuf_puts(o, "   Frequency      Group           Protocol  Summary\n");
		for (int i = 0; i < SE_COUNT; i++) {
			const struct stats_expert_def *d = &stats_expert_defs[i];
			if (d->sev != sev || !s->n[i])
				continue;
			if (i == SE_MALFORMED || i == SE_TRUNCATED) {
				const uint64_t *per = i == SE_MALFORMED ? s->malformed : s->truncated;
				for (unsigned l = 0; l < STATS_LAYERS; l++)
					if (per[l])
						stats_expert_row(o, per[l], d->group, stats_layer_name(l), d->summary);
			} else {
				stats_expert_row(o, s->n[i], d->group, "TCP", d->summary);
			}
		}
	}
}
