/* ssh.c: SSH framing (RFC 4253 sections 4.2 and 6): an identification line ending in LF (lines
 * before it are allowed from servers), then binary packets with a 32-bit packet_length. Once a
 * side has sent SSH_MSG_NEWKEYS its packets are encrypted and their lengths unreadable, so, as
 * Wireshark, each segment is taken as one PDU. SSH clears the Info column. */
#include "base/rd.h"
#include "proto/proto.h"

#define SSH_LINE_MAX 8192
#define SSH_PACKET_MAX 35000 /* RFC 4253 6.1: implementations must handle 35000 bytes */

enum ssh_phase { SSH_BANNER = 0, SSH_PACKET, SSH_BODY, SSH_ENCRYPTED };

struct ssh_state {
	uint8_t phase;
	uint8_t newkeys;   /* the packet being framed is SSH_MSG_NEWKEYS */
	uint8_t pad[2];
	uint32_t left;
	uint32_t packets;
};

static struct proto_res ssh_res(uint8_t status, uint32_t consumed, uint32_t needed)
{
	struct proto_res r = { status, consumed, needed };
	return r;
}

static struct proto_res ssh_parse(struct proto_ctx *ctx, uint8_t dir, struct slice d)
{
	struct ssh_state *st = ctx->state;
	(void)dir;
	ctx->info = PROTO_INFO_CLEAR;
	struct rd r = rd_make(d.p, d.len);
	switch (st->phase) {
	case SSH_BANNER: {
		for (uint32_t i = 0; rd_left(&r); i++)
			if (rd_u8(&r) == '\n') {
				if (i + 1 >= 4 && d.p[0] == 'S' && d.p[1] == 'S' && d.p[2] == 'H' && d.p[3] == '-')
					st->phase = SSH_PACKET;
				return ssh_res(PROTO_OK, i + 1, 0);
			}
		if (d.len > SSH_LINE_MAX) {
			ctx->anomalies++;
			return ssh_res(PROTO_ERR, 0, 0);
		}
		return ssh_res(PROTO_NEED_MORE, 0, 0);
	}
	case SSH_PACKET: {
		uint32_t plen = rd_be32(&r);
		uint8_t padlen = rd_u8(&r);
		uint8_t code = rd_u8(&r);
		(void)padlen;
		if (d.len < 4)
			return ssh_res(PROTO_NEED_MORE, 0, 0);
		if (plen > SSH_PACKET_MAX || plen < 5) {
			/* not a cleartext packet: Wireshark treats the rest as encrypted */
			st->phase = SSH_ENCRYPTED;
			return ssh_res(PROTO_OK, d.len, 0);
		}
		if (d.len - 4 >= plen) {
			if (d.len >= 6 && code == 21) /* SSH_MSG_NEWKEYS */
				st->phase = SSH_ENCRYPTED;
			st->packets++;
			return ssh_res(PROTO_OK, plen + 4, 0);
		}
		st->newkeys = d.len >= 6 && code == 21; /* encryption starts after this packet */
		st->phase = SSH_BODY;
		st->left = plen + 4 - d.len;
		return ssh_res(PROTO_NEED_MORE, d.len, st->left);
	}
	case SSH_BODY:
		if (d.len >= st->left) {
			uint32_t n = st->left;
			st->left = 0;
			st->phase = st->newkeys ? SSH_ENCRYPTED : SSH_PACKET;
			st->packets++;
			return ssh_res(PROTO_OK, n, 0);
		}
		st->left -= d.len;
		return ssh_res(PROTO_NEED_MORE, d.len, st->left);
	default:
		return ssh_res(PROTO_OK, d.len, 0);
	}
}

static int ssh_skip(struct proto_ctx *ctx, uint8_t dir, uint32_t n)
{
	struct ssh_state *st = ctx->state;
	(void)dir;
	if (st->phase == SSH_ENCRYPTED)
		return 0;
	if (st->phase == SSH_BODY && n < st->left) {
		st->left -= n;
		return 0;
	}
	return -1;
}

static enum proto_probe ssh_probe(uint8_t l4, struct slice d)
{
	if (d.len < 4)
		return PROBE_MAYBE;
	return d.p[0] == 'S' && d.p[1] == 'S' && d.p[2] == 'H' && d.p[3] == '-' ? PROBE_YES : PROBE_NO;
}

static const uint16_t ssh_ports[] = { 22, 29418, 0 };

const struct proto_desc proto_ssh = {
	.name = "ssh",
	.l4 = PROTO_L4_TCP,
	.ws_heuristic = 0,
	.ports = ssh_ports,
	.probe = ssh_probe,
	.state_size = sizeof(struct ssh_state),
	.parse = ssh_parse,
	.skip = ssh_skip,
};
