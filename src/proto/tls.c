/* tls.c: TLS/SSL record framing (RFC 8446 section 5.1, RFC 5246 section 6.2): a 5-byte header
 * (content type, version, 16-bit length) then the fragment; records may span segments and
 * several may share one. An SSLv2-style record header (RFC 6101 appendix E) is accepted at the
 * start of a direction. As Wireshark: bytes that do not start with a known content type are one
 * "Continuation Data" PDU; TLS clears the Info column whenever it is given data. */
#include "base/rd.h"
#include "proto/proto.h"

enum tls_phase { TLS_HEADER = 0, TLS_BODY };

struct tls_state {
	uint8_t phase;
	uint8_t seen_v3;   /* an SSLv3/TLS record was framed in this direction */
	uint16_t pad;
	uint32_t left;     /* TLS_BODY: fragment bytes still to come */
	uint32_t records;
};

static int tls_type_ok(uint8_t t)
{
	return t >= 20 && t <= 24;
}

static struct proto_res tls_res(uint8_t status, uint32_t consumed, uint32_t needed)
{
	struct proto_res r = { status, consumed, needed };
	return r;
}

static struct proto_res tls_parse(struct proto_ctx *ctx, uint8_t dir, struct slice d)
{
	struct tls_state *st = ctx->state;
	(void)dir;
	ctx->info = PROTO_INFO_CLEAR;
	if (st->phase == TLS_BODY) {
		if (d.len >= st->left) {
			uint32_t n = st->left;
			st->left = 0;
			st->phase = TLS_HEADER;
			st->records++;
			return tls_res(PROTO_OK, n, 0);
		}
		st->left -= d.len;
		return tls_res(PROTO_NEED_MORE, d.len, st->left);
	}
	struct rd r = rd_make(d.p, d.len);
	uint8_t type = rd_u8(&r);
	if (!rd_ok(&r))
		return tls_res(PROTO_NEED_MORE, 0, 0);
	uint32_t hlen, blen;
	if (!st->seen_v3 && st->records == 0 && (type & 0x80) && d.len >= 3 && d.p[2] == 1) {
		/* SSLv2 CLIENT-HELLO, two-byte header: length in the low 15 bits */
		uint8_t b1 = rd_u8(&r);
		hlen = 2;
		blen = (uint32_t)(type & 0x7f) << 8 | b1;
	} else {
		if (d.len < 5)
			return tls_res(PROTO_NEED_MORE, 0, 0); /* Wireshark waits for the whole header */
		if (!tls_type_ok(type))
			return tls_res(PROTO_OK, d.len, 0);    /* "Continuation Data" / unknown record */
		rd_skip(&r, 2);
		blen = rd_be16(&r);
		hlen = 5;
		if (!rd_ok(&r))
			return tls_res(PROTO_NEED_MORE, 0, 0);
		st->seen_v3 = 1;
	}
	uint32_t avail = d.len - hlen;
	if (avail >= blen) {
		st->records++;
		return tls_res(PROTO_OK, hlen + blen, 0);
	}
	st->phase = TLS_BODY;
	st->left = blen - avail;
	return tls_res(PROTO_NEED_MORE, d.len, st->left);
}

static int tls_skip(struct proto_ctx *ctx, uint8_t dir, uint32_t n)
{
	struct tls_state *st = ctx->state;
	(void)dir;
	if (st->phase == TLS_BODY && n < st->left) {
		st->left -= n;
		return 0;
	}
	return -1;
}

/* A handshake record with a plausible version and length. */
static enum proto_probe tls_probe(uint8_t l4, struct slice d)
{
	struct rd r = rd_make(d.p, d.len);
	uint8_t type = rd_u8(&r), vmaj = rd_u8(&r), vmin = rd_u8(&r);
	uint16_t len = rd_be16(&r);
	uint8_t hs = rd_u8(&r);
	if (!rd_ok(&r))
		return PROBE_MAYBE;
	if (type == 22 && vmaj == 3 && vmin <= 4 && len >= 4 && len <= 16384 + 2048 && (hs == 1 || hs == 2))
		return PROBE_YES;
	return PROBE_NO;
}

/* Wireshark 4.0's TLS port table (tshark -G decodes) */
static const uint16_t tls_ports[] = { 443, 465, 636, 853, 993, 995, 324, 802, 1300, 2221, 2443, 3249, 3250, 3251,
				      3252, 3496, 5061, 5671, 5684, 5868, 8883, 11207, 19999, 27017, 0 };

const struct proto_desc proto_tls = {
	.name = "tls",
	.l4 = PROTO_L4_TCP,
	.ws_heuristic = 0,
	.ports = tls_ports,
	.probe = tls_probe,
	.state_size = sizeof(struct tls_state),
	.parse = tls_parse,
	.skip = tls_skip,
};
