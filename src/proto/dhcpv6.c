/* dhcpv6.c: DHCPv6 over UDP ports 546/547 (RFC 8415: message header msg-type + 24-bit
 * transaction id, relay messages with hop count, link and peer addresses; options as 16-bit
 * code and length; IA_NA/IA_TA carry IA Address options, IA_PD carries IA Prefix options;
 * RFC 4704 Client FQDN). Columns as tshark 4.0: Protocol "DHCPv6", Info "<Type> XID: 0x<xid> "
 * followed by "CID: <DUID hex> " and "IAA: <address> " in the order the options come, relays
 * "<Type> L: <link address> ". Records: one "dhcp" record per message (as dhcp.c, not paired),
 * and a "names" record for a client FQDN with the address it is given. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "base/rd.h"
#include "proto/proto.h"

#define DHCPV6_MAX_OPTIONS 128
#define DHCPV6_MAX_DEPTH 4
#define DHCPV6_NAME_MAX 256

struct dhcpv6_state {
	uint32_t messages;
	uint32_t bad;
	char xid[10];
	char fqdn[DHCPV6_NAME_MAX];
};

static const struct proto_field dhcpv6_fields[] = {
	{ "dhcpv6.msgtype", PF_UINT, 0, "Message type" },
	{ "dhcpv6.xid", PF_HEX, 6, "Transaction ID" },
	{ "dhcpv6.option.type", PF_UINT, 0, "Option" },
	{ "dhcpv6.duid.bytes", PF_BYTES, 0, "DUID" },
	{ "dhcpv6.iaaddr.ip", PF_IPV6, 0, "IPv6 address" },
	{ "dhcpv6.iaprefix.pref_addr", PF_IPV6, 0, "Prefix address" },
	{ "dhcpv6.client_domain", PF_STR, 0, "Client Domain Name" },
	{ "dhcpv6.linkaddr", PF_IPV6, 0, "Link address" },
	{ "dhcpv6.peeraddr", PF_IPV6, 0, "Peer address" },
};
enum { D6_F_MSGTYPE = 0, D6_F_XID, D6_F_OPTTYPE, D6_F_DUID, D6_F_IAADDR, D6_F_PREFIX, D6_F_FQDN, D6_F_LINK, D6_F_PEER };

static const uint16_t dhcpv6_ports[] = { 546, 547, 0 };

static const char *dhcpv6_type_name(uint8_t t)
{
	static const char *const names[] = {
		NULL, "Solicit", "Advertise", "Request", "Confirm", "Renew", "Rebind", "Reply", "Release",
		"Decline", "Reconfigure", "Information-request", "Relay-forw", "Relay-reply", "Leasequery",
		"Leasequery-reply", "Leasequery-done", "Leasequery-data", "Reconfigure-request",
		"Reconfigure-reply", "DHCPv4-query", "DHCPv4-response",
	};
	return t < sizeof names / sizeof names[0] ? names[t] : NULL;
}

/* Addresses and bytes are set as byte slices (the field registry reads them by the declared type). */
static void dhcpv6_field_b(struct proto_ctx *ctx, uint8_t fid, const uint8_t *p, uint32_t n)
{
	proto_field_s(ctx, fid, (struct slice){ p, n });
}

struct dhcpv6_msg {
	const uint8_t *iaaddr;   /* first IA address (16 bytes, in the datagram) */
	struct slice duid, fqdn;
};

static void dhcpv6_info_addr(struct proto_ctx *ctx, const char *label, const uint8_t *a)
{
	char buf[INET6_ADDRSTRLEN];
	if (inet_ntop(AF_INET6, a, buf, sizeof buf))
		proto_info_printf(ctx, "%s%s ", label, buf);
}

/* Client FQDN (option 39): flags, then a DNS wire-format name. */
static void dhcpv6_fqdn(struct proto_ctx *ctx, struct dhcpv6_state *st, struct rd *r, struct dhcpv6_msg *m)
{
	(void)rd_u8(r);
	uint32_t n = 0;
	for (int labels = 0; labels < 128 && rd_left(r); labels++) {
		uint8_t l = rd_u8(r);
		if (!l)
			break;
		const uint8_t *p = rd_bytes(r, l);
		if (!rd_ok(r) || l > 63 || n + l + 1 >= sizeof st->fqdn) {
			ctx->anomalies++;
			break;
		}
		if (n)
			st->fqdn[n++] = '.';
		memcpy(st->fqdn + n, p, l);
		n += l;
	}
	m->fqdn = (struct slice){ (const uint8_t *)st->fqdn, n };
	if (n)
		proto_field_s(ctx, D6_F_FQDN, m->fqdn);
}

static void dhcpv6_options(struct proto_ctx *ctx, struct dhcpv6_state *st, struct rd *r, struct dhcpv6_msg *m,
			   int depth)
{
	for (int n = 0; n < DHCPV6_MAX_OPTIONS && rd_left(r); n++) {
		uint16_t code = rd_be16(r), len = rd_be16(r);
		struct rd v = rd_sub(r, len);
		if (!rd_ok(r) || !rd_ok(&v)) {
			/* an option past the end: tshark's words for a short snapshot */
			ctx->anomalies++;
			st->bad++;
			proto_info_append(ctx, "[Packet size limited during capture]");
			return;
		}
		proto_field_u(ctx, D6_F_OPTTYPE, code);
		switch (code) {
		case 1: { /* Client Identifier */
			const uint8_t *p = rd_bytes(&v, len);
			if (!p)
				break;
			m->duid = (struct slice){ p, len };
			dhcpv6_field_b(ctx, D6_F_DUID, p, len);
			proto_info_append(ctx, "CID: ");
			for (uint16_t i = 0; i < len; i++)
				proto_info_printf(ctx, "%02x", p[i]);
			proto_info_append(ctx, " ");
			break;
		}
		case 3: /* IA_NA: IAID, T1, T2, options */
		case 4: /* IA_TA: IAID, options */
			rd_skip(&v, code == 3 ? 12 : 4);
			if (depth < DHCPV6_MAX_DEPTH)
				dhcpv6_options(ctx, st, &v, m, depth + 1);
			break;
		case 5: { /* IA Address */
			const uint8_t *a = rd_bytes(&v, 16);
			if (!a)
				break;
			if (!m->iaaddr)
				m->iaaddr = a;
			dhcpv6_field_b(ctx, D6_F_IAADDR, a, 16);
			dhcpv6_info_addr(ctx, "IAA: ", a);
			break;
		}
		case 25: /* IA_PD */
			rd_skip(&v, 12);
			if (depth < DHCPV6_MAX_DEPTH)
				dhcpv6_options(ctx, st, &v, m, depth + 1);
			break;
		case 26: { /* IA Prefix: lifetimes, length, prefix */
			rd_skip(&v, 9);
			const uint8_t *a = rd_bytes(&v, 16);
			if (a)
				dhcpv6_field_b(ctx, D6_F_PREFIX, a, 16);
			break;
		}
		case 39:
			dhcpv6_fqdn(ctx, st, &v, m);
			break;
		default:
			break;
		}
	}
}

static struct proto_res dhcpv6_parse(struct proto_ctx *ctx, uint8_t dir, struct slice d)
{
	(void)dir;
	struct dhcpv6_state *st = ctx->state;
	struct proto_res res = { PROTO_OK, d.len, 0 };
	struct rd r = rd_make(d.p, d.len);
	uint8_t type = rd_u8(&r);
	if (!rd_ok(&r) || !type) {
		res.status = PROTO_ERR;
		return res;
	}
	st->messages++;
	proto_col_proto(ctx, "DHCPv6");
	proto_info_clear(ctx);
	proto_field_u(ctx, D6_F_MSGTYPE, type);
	const char *name = dhcpv6_type_name(type);
	char unknown[24];
	if (!name) {
		snprintf(unknown, sizeof unknown, "Unknown (%u)", type);
		name = unknown;
	}
	struct dhcpv6_msg m;
	memset(&m, 0, sizeof m);
	st->xid[0] = 0;
	if (type == 12 || type == 13) {
		(void)rd_u8(&r); /* hop count */
		const uint8_t *link = rd_bytes(&r, 16), *peer = rd_bytes(&r, 16);
		proto_info_printf(ctx, "%s ", name);
		if (link) {
			dhcpv6_info_addr(ctx, "L: ", link);
			dhcpv6_field_b(ctx, D6_F_LINK, link, 16);
		}
		if (peer)
			dhcpv6_field_b(ctx, D6_F_PEER, peer, 16);
		if (!rd_ok(&r)) {
			/* cut inside the relay header: what tshark says of a short snapshot */
			ctx->anomalies++;
			st->bad++;
			proto_info_append(ctx, "[Packet size limited during capture]");
			return res;
		}
	} else {
		uint32_t xid = (uint32_t)rd_u8(&r) << 16;
		xid |= rd_be16(&r);
		if (!rd_ok(&r)) {
			ctx->anomalies++;
			st->bad++;
			proto_info_printf(ctx, "%s ", name);
			return res;
		}
		proto_info_printf(ctx, "%s XID: 0x%06x ", name, xid);
		proto_field_u(ctx, D6_F_XID, xid);
		snprintf(st->xid, sizeof st->xid, "0x%06x", xid);
	}
	dhcpv6_options(ctx, st, &r, &m, 0);
	if (!proto_records_on(ctx))
		return res;
	struct proto_rec rec;
	proto_rec_init(&rec, "dhcp");
	if (m.iaaddr)
		proto_rec_addr(&rec, "assigned_addr", m.iaaddr, 16);
	if (m.fqdn.len)
		proto_rec_str(&rec, "client_fqdn", m.fqdn);
	proto_rec_push_str(&rec, "msg_types", proto_slice_cstr(name));
	if (st->xid[0])
		proto_rec_cstr(&rec, "trans_id", st->xid);
	if (m.duid.len)
		proto_rec_hex(&rec, "client_id", m.duid);
	proto_emit(ctx, &rec);
	if (m.iaaddr && m.fqdn.len && (type == 7 || type == 3))
		proto_emit_name(ctx, m.iaaddr, 16, m.fqdn, "dhcpv6");
	return res;
}

const struct proto_desc proto_dhcpv6 = {
	.name = "dhcpv6",
	.l4 = PROTO_L4_UDP,
	.ws_heuristic = 0,
	.ports = dhcpv6_ports,
	.state_size = sizeof(struct dhcpv6_state),
	.parse = dhcpv6_parse,
	.fields = dhcpv6_fields,
	.nfields = sizeof dhcpv6_fields / sizeof dhcpv6_fields[0],
	.col_name = "DHCPv6",
};
