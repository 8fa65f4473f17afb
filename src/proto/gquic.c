/* gquic.c: Google QUIC (gQUIC, versions Q0xx) over UDP, as Wireshark's GQUIC dissector shows it
 * in the packet list: the public header of Q039-Q043 and the long/short headers of Q046+, the
 * packet number, the connection ID and whether a client's unencrypted packet carries a CHLO
 * (client hello) message. Columns and the protocol's presence only: the payload is encrypted
 * after the handshake, and IETF QUIC (quic.c) is what current clients speak. */
#include <string.h>

#include "base/rd.h"
#include "proto/gquic.h"
#include "proto/proto.h"

/* Per direction; direction 0's copy holds which side is the client. */
struct gquic_dir {
	uint8_t have_client;
	uint8_t client_dir;
};

/* gQUIC public header (Q039-Q043) or Q046+ long/short header: columns only. */
static void gquic_packet(struct proto_ctx *ctx, struct slice d, int from_client)
{
	struct rd r = rd_make(d.p, d.len);
	uint8_t flags = rd_u8(&r);
	uint64_t cid = 0, pkn = 0;
	int has_cid = 0, chlo = 0;
	proto_col_proto(ctx, "GQUIC");
	proto_info_clear(ctx);
	if (flags & 0x80) {
		/* Q046+: long header, DCID/SCID lengths in one byte (each 0 or length + 3) */
		rd_skip(&r, 4);
		uint8_t cil = rd_u8(&r);
		uint8_t dl = cil >> 4 ? (uint8_t)((cil >> 4) + 3) : 0, sl = cil & 15 ? (uint8_t)((cil & 15) + 3) : 0;
		for (uint8_t i = 0; i < dl; i++)
			cid = cid << 8 | rd_u8(&r);
		rd_skip(&r, sl);
		has_cid = dl == 8;
		unsigned pnl = (flags & 3u) + 1;
		for (unsigned i = 0; i < pnl; i++)
			pkn = pkn << 8 | rd_u8(&r);
	} else if (flags & 0x40) {
		/* Q046+: short header; the client's packets carry the 8-byte CID */
		if (from_client) {
			for (int i = 0; i < 8; i++)
				cid = cid << 8 | rd_u8(&r);
			has_cid = 1;
		}
		unsigned pnl = (flags & 3u) + 1;
		for (unsigned i = 0; i < pnl; i++)
			pkn = pkn << 8 | rd_u8(&r);
	} else {
		if (flags & 0x08) {
			for (int i = 0; i < 8; i++)
				cid = cid << 8 | rd_u8(&r);
			has_cid = 1;
		}
		if (flags & 0x01 && from_client)
			rd_skip(&r, 4);
		if (flags & 0x04 && !from_client)
			rd_skip(&r, 32);
		static const uint8_t pnls[4] = { 1, 2, 4, 6 };
		unsigned pnl = pnls[(flags >> 4) & 3];
		for (unsigned i = 0; i < pnl; i++)
			pkn = pkn << 8 | rd_u8(&r);
	}
	if (!rd_ok(&r)) {
		ctx->anomalies++;
		return;
	}
	if (from_client && (flags & 0x81) && rd_left(&r) > 12) {
		/* unencrypted: a 12-byte message hash, then a STREAM frame carrying a CHLO message */
		rd_skip(&r, 12);
		uint8_t ft = rd_u8(&r);
		if (ft & 0x80) {
			unsigned ol = (ft >> 2) & 7;
			rd_skip(&r, (ft & 3u) + 1 + (ol ? ol + 1 : 0) + (ft & 0x20 ? 2 : 0));
			const uint8_t *tag = rd_bytes(&r, 4);
			chlo = tag && memcmp(tag, "CHLO", 4) == 0;
		}
	}
	proto_info_printf(ctx, "%s, PKN: %llu", chlo ? "Client Hello" : "Payload (Encrypted)", (unsigned long long)pkn);
	if (has_cid)
		proto_info_printf(ctx, ", CID: %llu", (unsigned long long)cid);
}


static struct proto_res gquic_parse(struct proto_ctx *ctx, uint8_t dir, struct slice d)
{
	struct gquic_dir *st = ctx->state;
	struct gquic_dir *conn = dir == 0 || !ctx->peer ? st : ctx->peer;
	if (!conn->have_client) { /* the first packet comes from the client */
		conn->have_client = 1;
		conn->client_dir = dir;
	}
	gquic_packet(ctx, d, conn->client_dir == dir);
	return (struct proto_res){ .status = PROTO_OK, .consumed = d.len };
}

/* A long header with a Q0xx version (Q046+), or an old public header with the version flag set
 * and a Q0xx version after the 8-byte connection ID. */
static enum proto_probe gquic_probe(uint8_t l4, struct slice d)
{
	if (l4 != PROTO_L4_UDP || d.len < 13)
		return PROBE_NO;
	uint32_t v5 = (uint32_t)d.p[1] << 24 | (uint32_t)d.p[2] << 16 | (uint32_t)d.p[3] << 8 | d.p[4];
	uint32_t v9 = (uint32_t)d.p[9] << 24 | (uint32_t)d.p[10] << 16 | (uint32_t)d.p[11] << 8 | d.p[12];
	if ((d.p[0] & 0x80) && gquic_version(v5))
		return PROBE_YES;
	if ((d.p[0] & 0x89) == 0x09 && gquic_version(v9))
		return PROBE_YES;
	return PROBE_NO;
}

static const uint16_t gquic_ports[] = { 0 };

const struct proto_desc proto_gquic = {
	.name = "gquic",
	.l4 = PROTO_L4_UDP,
	.ws_heuristic = 1,
	.ports = gquic_ports,
	.probe = gquic_probe,
	.state_size = sizeof(struct gquic_dir),
	.parse = gquic_parse,
	.col_name = "GQUIC",
};
