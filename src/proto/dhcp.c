/* dhcp.c: BOOTP (RFC 951) and DHCP (RFC 2131) over UDP ports 67/68: the fixed header, the
 * magic cookie and the options (RFC 2132; 81 Client FQDN, RFC 4702). Columns as tshark 4.0:
 * Protocol "DHCP" and Info "DHCP <type padded to 8> - Transaction ID 0x<xid>" when option 53 is
 * present, otherwise "BOOTP" with "Boot Request from <mac> (<mac>)" or "Boot Reply".
 * Records: one "dhcp" record per message (over UDP parse() sees one datagram; the messages of
 * one exchange travel in different UDP flows, broadcast and unicast, so they are not paired here:
 * each record carries trans_id and mac for the consumer to join them), in Zeek's dhcp.log names;
 * a host name with an address becomes a "names" record. */
#include <stdio.h>
#include <string.h>

#include "base/rd.h"
#include "proto/dhcptree.h"
#include "proto/proto.h"

#define DHCP_MAX_OPTIONS 255
#define DHCP_NAME_MAX 256
#define DHCP_PRL_MAX 64     /* parameter request list items kept as fields */
#define DHCP_ADDR_MAX 16    /* addresses per router/DNS option kept as fields */

struct dhcp_state {
	uint32_t messages;
	uint32_t bad;
	char mac[18];                 /* "aa:bb:cc:dd:ee:ff" of the current message */
	char xid[12];                 /* "0x%08x" of the current message */
	char fqdn[DHCP_NAME_MAX];     /* option 81 name, decoded from DNS wire format */
};

static const struct proto_field dhcp_fields[] = {
	{ "dhcp.type", PF_UINT, 0, "Message type" },
	{ "dhcp.hw.type", PF_HEX, 2, "Hardware type" },
	{ "dhcp.id", PF_HEX, 8, "Transaction ID" },
	{ "dhcp.flags", PF_HEX, 4, "Bootp flags" },
	{ "dhcp.ip.client", PF_IPV4, 0, "Client IP address" },
	{ "dhcp.ip.your", PF_IPV4, 0, "Your (client) IP address" },
	{ "dhcp.ip.server", PF_IPV4, 0, "Next server IP address" },
	{ "dhcp.ip.relay", PF_IPV4, 0, "Relay agent IP address" },
	{ "dhcp.hw.mac_addr", PF_ETHER, 0, "Client MAC address" },
	{ "dhcp.option.type", PF_UINT, 0, "Option" },
	{ "dhcp.option.dhcp", PF_UINT, 0, "DHCP" },
	{ "dhcp.option.requested_ip_address", PF_IPV4, 0, "Requested IP Address" },
	{ "dhcp.option.dhcp_server_id", PF_IPV4, 0, "DHCP Server Identifier" },
	{ "dhcp.option.ip_address_lease_time", PF_UINT, 0, "IP Address Lease Time" },
	{ "dhcp.option.hostname", PF_STR, 0, "Host Name" },
	{ "dhcp.option.vendor_class_id", PF_STR, 0, "Vendor class identifier" },
	{ "dhcp.client_id", PF_BYTES, 0, "Identifier" },
	{ "dhcp.option.request_list_item", PF_UINT, 0, "Parameter Request List Item" },
	{ "dhcp.fqdn.name", PF_STR, 0, "Client name" },
	{ "dhcp.option.router", PF_IPV4, 0, "Router" },
	{ "dhcp.option.domain_name_server", PF_IPV4, 0, "Domain Name Server" },
	{ "dhcp.option.subnet_mask", PF_IPV4, 0, "Subnet Mask" },
	{ "dhcp.option.domain_name", PF_STR, 0, "Domain Name" },
	{ "dhcp.hops", PF_UINT, 0, "Hops" },
	{ "dhcp.secs", PF_UINT, 0, "Seconds elapsed" },
};
enum {
	DHCP_F_TYPE = 0, DHCP_F_HWTYPE, DHCP_F_ID, DHCP_F_FLAGS, DHCP_F_CIADDR, DHCP_F_YIADDR, DHCP_F_SIADDR,
	DHCP_F_GIADDR, DHCP_F_MAC, DHCP_F_OPTTYPE, DHCP_F_MSGTYPE, DHCP_F_REQIP, DHCP_F_SERVERID, DHCP_F_LEASE,
	DHCP_F_HOSTNAME, DHCP_F_VENDOR, DHCP_F_CLIENTID, DHCP_F_PRL, DHCP_F_FQDN, DHCP_F_ROUTER, DHCP_F_DNS,
	DHCP_F_MASK, DHCP_F_DOMAIN, DHCP_F_HOPS, DHCP_F_SECS,
};

static const uint16_t dhcp_ports[] = { 67, 68, 0 };

/* Addresses and bytes are set as byte slices (the field registry reads them by the declared
 * type); numbers as unsigned. */
static void dhcp_field_b(struct proto_ctx *ctx, uint8_t fid, const uint8_t *p, uint32_t n)
{
	proto_field_s(ctx, fid, (struct slice){ p, n });
}

static const char *dhcp_type_name(uint8_t t)
{
	static const char *const names[] = {
		NULL, "Discover", "Offer", "Request", "Decline", "ACK", "NAK", "Release", "Inform",
		"Force Renew", "Lease query", "Lease Unassigned", "Lease Unknown", "Lease Active",
		"Bulk Lease Query", "Lease Query Done", "Active LeaseQuery", "Lease Query Status", "TLS",
	};
	return t < sizeof names / sizeof names[0] ? names[t] : NULL;
}

/* Zeek's msg_types spelling. */
static const char *dhcp_zeek_type(uint8_t t)
{
	static const char *const names[] = {
		NULL, "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE", "INFORM",
		"FORCERENEW", "LEASEQUERY", "LEASEUNASSIGNED", "LEASEUNKNOWN", "LEASEACTIVE",
		"BULKLEASEQUERY", "LEASEQUERYDONE", "ACTIVELEASEQUERY", "LEASEQUERYSTATUS", "TLS",
	};
	return t < sizeof names / sizeof names[0] ? names[t] : NULL;
}

/* What the options told. Slices point into the datagram. */
struct dhcp_msg {
	uint8_t type;            /* option 53, 0 when absent */
	uint8_t have_req, have_sid, have_lease;
	uint8_t req[4], sid[4];
	uint32_t lease;
	struct slice host, vendor, domain, client_id, fqdn_raw;
	uint8_t fqdn_flags;
};

/* Option 81: flags, two rcodes, the name (DNS wire format when flag E is set). */
static void dhcp_fqdn(struct proto_ctx *ctx, struct dhcp_state *st, struct slice v, struct slice *out)
{
	out->len = 0;
	if (v.len < 3)
		return;
	uint8_t flags = v.p[0];
	struct rd r = rd_make(v.p + 3, v.len - 3);
	uint32_t n = 0;
	if (!(flags & 0x04)) {
		uint32_t k = rd_left(&r);
		if (k >= sizeof st->fqdn)
			k = sizeof st->fqdn - 1;
		if (rd_copy(&r, st->fqdn, k))
			n = k;
	} else {
		for (int labels = 0; labels < 128 && rd_left(&r); labels++) {
			uint8_t l = rd_u8(&r);
			if (!l)
				break;
			const uint8_t *p = rd_bytes(&r, l);
			if (!rd_ok(&r) || l > 63 || n + l + 1 >= sizeof st->fqdn) {
				ctx->anomalies++;
				break;
			}
			if (n)
				st->fqdn[n++] = '.';
			memcpy(st->fqdn + n, p, l);
			n += l;
		}
	}
	while (n && st->fqdn[n - 1] == 0) /* a NUL-terminated ASCII name */
		n--;
	out->p = (const uint8_t *)st->fqdn;
	out->len = n;
	if (n)
		proto_field_s(ctx, DHCP_F_FQDN, *out);
}

/* A string option without its trailing NULs (FT_STRINGZ shows up to the first NUL). */
static struct slice dhcp_strz(struct slice v)
{
	for (uint32_t i = 0; i < v.len; i++)
		if (!v.p[i])
			return (struct slice){ v.p, i };
	return v;
}

static void dhcp_addr_list(struct proto_ctx *ctx, uint8_t fid, struct slice v)
{
	for (uint32_t i = 0; i + 4 <= v.len && i < 4 * DHCP_ADDR_MAX; i += 4)
		dhcp_field_b(ctx, fid, v.p + i, 4);
}

static void dhcp_options(struct proto_ctx *ctx, struct dhcp_state *st, struct rd *r, struct dhcp_msg *m)
{
	for (int n = 0; n < DHCP_MAX_OPTIONS && rd_left(r); n++) {
		uint8_t code = rd_u8(r);
		if (code == 0)
			continue;
		proto_field_u(ctx, DHCP_F_OPTTYPE, code);
		if (code == 255)
			return;
		uint8_t len = rd_u8(r);
		const uint8_t *p = rd_bytes(r, len);
		if (!rd_ok(r)) {
			ctx->anomalies++;
			st->bad++;
			return;
		}
		struct slice v = { p, len };
		switch (code) {
		case 53:
			if (len >= 1) {
				m->type = p[0];
				proto_field_u(ctx, DHCP_F_MSGTYPE, p[0]);
			}
			break;
		case 50:
			if (len == 4) {
				memcpy(m->req, p, 4);
				m->have_req = 1;
				dhcp_field_b(ctx, DHCP_F_REQIP, p, 4);
			}
			break;
		case 54:
			if (len == 4) {
				memcpy(m->sid, p, 4);
				m->have_sid = 1;
				dhcp_field_b(ctx, DHCP_F_SERVERID, p, 4);
			}
			break;
		case 51:
			if (len == 4) {
				m->lease = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
				m->have_lease = 1;
				proto_field_u(ctx, DHCP_F_LEASE, m->lease);
			}
			break;
		case 12:
			m->host = dhcp_strz(v);
			proto_field_s(ctx, DHCP_F_HOSTNAME, m->host);
			break;
		case 15:
			m->domain = dhcp_strz(v);
			proto_field_s(ctx, DHCP_F_DOMAIN, m->domain);
			break;
		case 60:
			m->vendor = dhcp_strz(v);
			proto_field_s(ctx, DHCP_F_VENDOR, m->vendor);
			break;
		case 61:
			m->client_id = v;
			if (len == 7 && p[0] == 1) { /* hardware type Ethernet: shown as a MAC address */
				proto_field_s(ctx, DHCP_F_MAC, (struct slice){ p + 1, 6 });
			} else {
				dhcp_field_b(ctx, DHCP_F_CLIENTID, p, len);
			}
			break;
		case 55:
			for (uint32_t i = 0; i < len && i < DHCP_PRL_MAX; i++)
				proto_field_u(ctx, DHCP_F_PRL, p[i]);
			break;
		case 81:
			dhcp_fqdn(ctx, st, v, &m->fqdn_raw);
			break;
		case 3:
			dhcp_addr_list(ctx, DHCP_F_ROUTER, v);
			break;
		case 6:
			dhcp_addr_list(ctx, DHCP_F_DNS, v);
			break;
		case 1:
			if (len == 4)
				dhcp_field_b(ctx, DHCP_F_MASK, p, 4);
			break;
		default:
			break;
		}
	}
}

static int dhcp_addr_set(const uint8_t *a)
{
	return a[0] | a[1] | a[2] | a[3];
}

static void dhcp_record(struct proto_ctx *ctx, struct dhcp_state *st, const struct dhcp_msg *m, const uint8_t *ciaddr,
			const uint8_t *yiaddr, int have_mac)
{
	struct proto_rec rec;
	proto_rec_init(&rec, "dhcp");
	if (have_mac)
		proto_rec_cstr(&rec, "mac", st->mac);
	if (dhcp_addr_set(yiaddr))
		proto_rec_addr(&rec, "assigned_addr", yiaddr, 4);
	if (m->have_req)
		proto_rec_addr(&rec, "requested_addr", m->req, 4);
	if (dhcp_addr_set(ciaddr))
		proto_rec_addr(&rec, "client_addr", ciaddr, 4);
	if (m->have_sid)
		proto_rec_addr(&rec, "server_addr", m->sid, 4);
	if (m->host.len)
		proto_rec_str(&rec, "host_name", m->host);
	if (m->fqdn_raw.len)
		proto_rec_str(&rec, "client_fqdn", m->fqdn_raw);
	if (m->domain.len)
		proto_rec_str(&rec, "domain", m->domain);
	if (m->have_lease)
		proto_rec_u(&rec, "lease_time", m->lease);
	const char *t = dhcp_zeek_type(m->type);
	if (t)
		proto_rec_push_str(&rec, "msg_types", proto_slice_cstr(t));
	proto_rec_cstr(&rec, "trans_id", st->xid);
	if (m->vendor.len)
		proto_rec_str(&rec, "vendor_class", m->vendor);
	if (m->client_id.len)
		proto_rec_hex(&rec, "client_id", m->client_id);
	proto_emit(ctx, &rec);

	/* the host's name for the address it has or gets */
	const uint8_t *a = dhcp_addr_set(yiaddr)		? yiaddr
			   : dhcp_addr_set(ciaddr)		? ciaddr
			   : m->have_req && m->type == 3	? m->req /* REQUEST: the address being taken */
							: NULL;
	struct slice name = m->host.len ? m->host : m->fqdn_raw;
	if (a && name.len)
		proto_emit_name(ctx, a, 4, name, "dhcp");
}

static struct proto_res dhcp_parse(struct proto_ctx *ctx, uint8_t dir, struct slice d)
{
	(void)dir;
	struct dhcp_state *st = ctx->state;
	struct proto_res res = { PROTO_OK, d.len, 0 };
	struct rd r = rd_make(d.p, d.len);
	uint8_t op = rd_u8(&r), htype = rd_u8(&r), hlen = rd_u8(&r), hops = rd_u8(&r);
	uint32_t xid = rd_be32(&r);
	uint16_t secs = rd_be16(&r), flags = rd_be16(&r);
	const uint8_t *ciaddr = rd_bytes(&r, 4), *yiaddr = rd_bytes(&r, 4), *siaddr = rd_bytes(&r, 4),
		      *giaddr = rd_bytes(&r, 4), *chaddr = rd_bytes(&r, 16);
	if (!d.len) {
		res.status = PROTO_ERR;
		return res;
	}
	st->messages++;
	proto_col_proto(ctx, "BOOTP");
	proto_info_clear(ctx);
	if (op < 1 || op > 2) {
		st->bad++;
		ctx->anomalies++;
		proto_info_printf(ctx, "Unknown BOOTP message type (%u)", op);
		if (d.len < 236) /* the header is cut: a short snapshot length, as tshark says it */
			proto_info_append(ctx, "[Packet size limited during capture]");
		return res;
	}
	int have_mac = rd_ok(&r) && htype == 1 && hlen == 6;
	(void)hlen;
	st->mac[0] = 0;
	if (have_mac)
		snprintf(st->mac, sizeof st->mac, "%02x:%02x:%02x:%02x:%02x:%02x", chaddr[0], chaddr[1], chaddr[2],
			 chaddr[3], chaddr[4], chaddr[5]);
	snprintf(st->xid, sizeof st->xid, "0x%08x", xid);
	if (op == 1) {
		if (have_mac)
			proto_info_printf(ctx, "Boot Request from %s (%s)", st->mac, st->mac);
		else
			proto_info_append(ctx, "Boot Request");
	} else {
		proto_info_append(ctx, "Boot Reply");
	}
	proto_field_u(ctx, DHCP_F_TYPE, op);
	if (!rd_ok(&r)) {
		ctx->anomalies++;
		st->bad++;
		proto_info_append(ctx, "[Packet size limited during capture]");
		return res;
	}
	proto_field_u(ctx, DHCP_F_HWTYPE, htype);
	proto_field_u(ctx, DHCP_F_HOPS, hops);
	proto_field_u(ctx, DHCP_F_ID, xid);
	proto_field_u(ctx, DHCP_F_SECS, secs);
	proto_field_u(ctx, DHCP_F_FLAGS, flags);
	dhcp_field_b(ctx, DHCP_F_CIADDR, ciaddr, 4);
	dhcp_field_b(ctx, DHCP_F_YIADDR, yiaddr, 4);
	dhcp_field_b(ctx, DHCP_F_SIADDR, siaddr, 4);
	dhcp_field_b(ctx, DHCP_F_GIADDR, giaddr, 4);
	if (have_mac)
		proto_field_s(ctx, DHCP_F_MAC, (struct slice){ chaddr, 6 });
	rd_skip(&r, 64 + 128); /* sname, file */
	if (!rd_ok(&r)) {
		ctx->anomalies++;
		st->bad++;
		proto_info_append(ctx, "[Packet size limited during capture]");
		return res;
	}
	uint32_t cookie = rd_be32(&r);
	struct dhcp_msg m;
	memset(&m, 0, sizeof m);
	if (rd_ok(&r) && cookie == 0x63825363)
		dhcp_options(ctx, st, &r, &m);
	if (m.type) {
		proto_col_proto(ctx, "DHCP");
		proto_info_clear(ctx);
		const char *name = dhcp_type_name(m.type);
		if (name)
			proto_info_printf(ctx, "DHCP %-8s - Transaction ID 0x%x", name, xid);
		else
			proto_info_printf(ctx, "DHCP Unknown Message Type (0x%02x) - Transaction ID 0x%x", m.type, xid);
	}
	dhcp_tree(ctx, d, m.type ? (dhcp_type_name(m.type) ? dhcp_type_name(m.type) : "Unknown") : NULL);
	if (proto_records_on(ctx))
		dhcp_record(ctx, st, &m, ciaddr, yiaddr, have_mac);
	return res;
}

/* op 1/2, Ethernet-like header and the magic cookie at 236. */
static enum proto_probe dhcp_probe(uint8_t l4, struct slice d)
{
	if (l4 != PROTO_L4_UDP)
		return PROBE_NO;
	struct rd r = rd_make(d.p, d.len);
	uint8_t op = rd_u8(&r), htype = rd_u8(&r), hlen = rd_u8(&r);
	rd_skip(&r, 233);
	uint32_t cookie = rd_be32(&r);
	if (!rd_ok(&r))
		return PROBE_NO;
	return (op == 1 || op == 2) && htype == 1 && hlen == 6 && cookie == 0x63825363 ? PROBE_YES : PROBE_NO;
}

const struct proto_desc proto_dhcp = {
	.name = "dhcp",
	.l4 = PROTO_L4_UDP,
	.ws_heuristic = 0,
	.ports = dhcp_ports,
	.probe = dhcp_probe,
	.state_size = sizeof(struct dhcp_state),
	.parse = dhcp_parse,
	.fields = dhcp_fields,
	.nfields = sizeof dhcp_fields / sizeof dhcp_fields[0],
	.col_name = "DHCP",
};
