/* dns.c: DNS over TCP framing (RFC 1035 section 4.2.2, RFC 7766): each message is preceded by
 * a two-byte length. As Wireshark's tcp_dissect_pdus, the length must be complete before
 * anything is known, and the Info column is left alone until a message is whole. */
#include "base/rd.h"
#include "proto/proto.h"

struct dns_state {
	uint32_t left;     /* bytes of the current message still to come (0: at a length prefix) */
	uint32_t msgs;
};

static struct proto_res dns_res(uint8_t status, uint32_t consumed, uint32_t needed)
{
	struct proto_res r = { status, consumed, needed };
	return r;
}

static struct proto_res dns_parse(struct proto_ctx *ctx, uint8_t dir, struct slice d)
{
	struct dns_state *st = ctx->state;
	(void)dir;
	if (st->left) {
		if (d.len >= st->left) {
			uint32_t n = st->left;
			st->left = 0;
			st->msgs++;
			return dns_res(PROTO_OK, n, 0);
		}
		st->left -= d.len;
		return dns_res(PROTO_NEED_MORE, d.len, st->left);
	}
	struct rd r = rd_make(d.p, d.len);
	uint16_t len = rd_be16(&r);
	if (!rd_ok(&r))
		return dns_res(PROTO_NEED_MORE, 0, 0);
	if (d.len - 2 >= len) {
		st->msgs++;
		return dns_res(PROTO_OK, 2u + len, 0);
	}
	st->left = len - (d.len - 2);
	return dns_res(PROTO_NEED_MORE, d.len, st->left);
}

static int dns_skip(struct proto_ctx *ctx, uint8_t dir, uint32_t n)
{
	struct dns_state *st = ctx->state;
	(void)dir;
	if (st->left && n < st->left) {
		st->left -= n;
		return 0;
	}
	return -1;
}

static const uint16_t dns_ports[] = { 53, 5353, 0 };

const struct proto_desc proto_dns = {
	.name = "dns",
	.l4 = PROTO_L4_TCP,
	.ws_heuristic = 0,
	.ports = dns_ports,
	.state_size = sizeof(struct dns_state),
	.parse = dns_parse,
	.skip = dns_skip,
};
