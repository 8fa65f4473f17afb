/* dhcptree.c: the BOOTP header (RFC 951, RFC 2131) and DHCP options (RFC 2132 and the option
 * registry) drawn with Wireshark 4.0's labels and value texts; see dhcptree.h. */
#include "proto/dhcptree.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "base/rd.h"

/* Wireshark's option names, by code (0 .. 254). */
static const char *const dhcpt_names[255] = {
		"Padding", "Subnet Mask", "Time Offset", "Router", "Time Server", "Name Server", "Domain Name Server",
		"Log Server", "Quotes Server", "LPR Server", "Impress Server", "Resource Location Server", "Host Name",
		"Boot File Size", "Merit Dump File", "Domain Name", "Swap Server", "Root Path", "Extensions Path",
		"IP Forwarding", "Non-Local Source Routing", "Policy Filter", "Maximum Datagram Reassembly Size",
		"Default IP Time-to-Live", "Path MTU Aging Timeout", "Path MTU Plateau Table", "Interface MTU",
		"All Subnets are Local", "Broadcast Address", "Perform Mask Discovery", "Mask Supplier",
		"Perform Router Discover", "Router Solicitation Address", "Static Route", "Trailer Encapsulation",
		"ARP Cache Timeout", "Ethernet Encapsulation", "TCP Default TTL", "TCP Keepalive Interval",
		"TCP Keepalive Garbage", "Network Information Service Domain", "Network Information Service Servers",
		"Network Time Protocol Servers", "Vendor-Specific Information", "NetBIOS over TCP/IP Name Server",
		"NetBIOS over TCP/IP Datagram Distribution Name Server", "NetBIOS over TCP/IP Node Type",
		"NetBIOS over TCP/IP Scope", "X Window System Font Server", "X Window System Display Manager",
		"Requested IP Address", "IP Address Lease Time", "Option Overload", "DHCP Message Type",
		"DHCP Server Identifier", "Parameter Request List", "Message", "Maximum DHCP Message Size",
		"Renewal Time Value", "Rebinding Time Value", "Vendor class identifier", "Client identifier",
		"Novell/Netware IP domain", "Novell Options", "Network Information Service+ Domain",
		"Network Information Service+ Servers", "TFTP Server Name", "Bootfile name", "Mobile IP Home Agent",
		"SMTP Server", "POP3 Server", "NNTP Server", "Default WWW Server", "Default Finger Server",
		"Default IRC Server", "StreetTalk Server", "StreetTalk Directory Assistance Server",
		"User Class Information", "Directory Agent Information", "Service Location Agent Scope", "Rapid commit",
		"Client Fully Qualified Domain Name", "Agent Information Option", "iSNS", "Removed/Unassigned",
		"Novell Directory Services Servers", "Novell Directory Services Tree Name",
		"Novell Directory Services Context", "BCMCS Controller Domain Name [TODO:RFC4280]",
		"BCMCS Controller IPv4 address [TODO:RFC4280]", "Authentication", "Client last transaction time",
		"Associated IP option", "Client System Architecture", "Client Network Device Interface",
		"LDAP [TODO:RFC3679]", "Removed/Unassigned", "UUID/GUID-based Client Identifier",
		"Open Group's User Authentication [TODO:RFC2485]", "Civic Addresses Configuration", "PCode", "TCode",
		"Removed/unassigned", "Removed/unassigned", "Removed/unassigned", "Removed/unassigned",
		"Removed/unassigned", "Removed/unassigned", "IPv6-Only Preferred", "Unassigned", "Removed/Unassigned",
		"Unassigned", "NetInfo Parent Server Address", "NetInfo Parent Server Tag", "DHCP Captive-Portal",
		"Removed/Unassigned", "DHCP Auto-Configuration", "Name Service Search", "Subnet Selection Option",
		"Domain Search", "SIP Servers", "Classless Static Route", "CableLabs Client Configuration [TODO:RFC3495]",
		"Coordinate-based Location Configuration", "V-I Vendor Class", "V-I Vendor-specific Information",
		"Removed/Unassigned", "Removed/Unassigned", "DOCSIS full security server IP [TODO]",
		"PXE - undefined (vendor specific)", "PXE - undefined (vendor specific)",
		"PXE - undefined (vendor specific)", "PXE - undefined (vendor specific)",
		"PXE - undefined (vendor specific)", "PXE - undefined (vendor specific)",
		"PXE - undefined (vendor specific)", "PANA Authentication Agent", "LoST Server Domain Name",
		"CAPWAP Access Controllers", "IPv4 Address-MoS", "IPv4 FQDN-MoS", "SIP UA Configuration Domains",
		"IPv4 Address ANDSF", "Zerotouch Redirect [TODO: draft-ietf-netconf-zerotouch]",
		"Geospatial Location [TODO:RFC6225]", "Forcerenew Nonce Capable", "RDNSS Selection", "Unassigned",
		"Unassigned", "Unassigned", "TFTP Server Address", "Leasequery Status code", "Leasequery Base Time",
		"Leasequery Start Time of State", "Leasequery Query Start Time", "Leasequery Query End Time",
		"Leasequery Dhcp State", "Leasequery Data Source", "PCP Server", "Portparams",
		"Unassigned (ex DHCP Captive-Portal)", "Manufacturer Usage Description", "Unassigned", "Unassigned",
		"Unassigned", "Unassigned", "Unassigned", "Unassigned", "Unassigned", "Unassigned", "Unassigned",
		"Unassigned", "Unassigned", "Unassigned", "Unassigned", "Etherboot", "IP Telephone", "Etherboot",
		"Unassigned", "Unassigned", "Unassigned", "Unassigned", "Unassigned", "Unassigned", "Unassigned",
		"Unassigned", "Unassigned", "Unassigned", "Unassigned", "Unassigned", "Unassigned", "Unassigned",
		"Unassigned", "Unassigned", "Unassigned", "Unassigned", "Unassigned", "Unassigned", "Unassigned",
		"Unassigned", "Unassigned", "Unassigned", "Unassigned", "Unassigned", "Unassigned", "Unassigned",
		"Unassigned", "Unassigned", "PXELINUX Magic", "PXE Configuration file", "PXE Path Prefix", "Reboot Time",
		"6RD", "V4 Access Domain", "Unassigned", "Unassigned", "Unassigned", "Unassigned", "Unassigned",
		"Unassigned", "Subnet Allocation", "Virtual Subnet Selection", "Unassigned", "Unassigned", "Private",
		"Private", "Private", "Private", "Private", "Private", "Private", "Private", "Private", "Private",
		"Private", "Private", "Private", "Private", "Private", "Private", "Private", "Private",
		"Private/Avaya IP Telephone", "Private", "Private", "Private", "Private", "Private", "Private",
		"Private/Classless Static Route (Microsoft)", "Private", "Private", "Private/Proxy autodiscovery",
		"Private", "Private",
};

static const char *dhcpt_name(uint8_t code)
{
	return code < 255 ? dhcpt_names[code] : "End";
}

static struct slice dhcpt_s(const uint8_t *p, uint32_t n)
{
	struct slice s = { p, n };
	return s;
}

static void dhcpt_addr(struct proto_ctx *ctx, uint8_t depth, const char *label, const uint8_t *a)
{
	char ab[INET_ADDRSTRLEN];
	if (inet_ntop(AF_INET, a, ab, sizeof ab))
		proto_tree_field(ctx, depth, label, "%s", ab);
}

static void dhcpt_mac(struct proto_ctx *ctx, uint8_t depth, const char *label, const uint8_t *m)
{
	proto_tree_field(ctx, depth, label, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* A duration option: "(3600s) 1 hour" (a signed one for the time offset). */
static void dhcpt_secs(struct proto_ctx *ctx, const char *label, uint32_t v, int is_signed)
{
	char t[96];
	int64_t s = is_signed ? (int32_t)v : (int64_t)v;
	if (s < 0) {
		t[0] = '-';
		proto_secs_text(t + 1, sizeof t - 1, (uint32_t)-s);
	} else {
		proto_secs_text(t, sizeof t, (uint32_t)s);
	}
	proto_tree_field(ctx, 2, label, "(%llds) %s", (long long)s, t);
}

/* The item name of each address in a list option (singular where Wireshark says so). */
static const char *dhcpt_list_item(uint8_t code)
{
	switch (code) {
	case 3: return "Router";
	case 4: return "Time Server";
	case 5: return "Name Server";
	case 6: return "Domain Name Server";
	case 7: return "Log Server";
	case 9: return "LPR Server";
	case 41: return "Network Information Service Server";
	case 42: return "Network Time Protocol Server";
	case 44: return "NetBIOS over TCP/IP Name Server";
	case 45: return "NetBIOS over TCP/IP Datagram Distribution Name Server";
	case 150: return "TFTP Server Address";
	}
	return NULL;
}

static void dhcpt_fqdn(struct proto_ctx *ctx, struct rd v)
{
	uint8_t fl = rd_u8(&v), a = rd_u8(&v), p = rd_u8(&v);
	if (!rd_ok(&v))
		return;
	proto_tree_field(ctx, 2, "Flags", "0x%02x", fl);
	if (fl & 1)
		proto_tree_append(ctx, ", Server");
	proto_tree_bits(ctx, 3, fl, 8, 0xf0, "Reserved flags: 0x%x", fl >> 4);
	proto_tree_bits(ctx, 3, fl, 8, 0x08, "Server DDNS: %s", (fl & 8) ? "No server updates" : "Some server updates");
	proto_tree_bits(ctx, 3, fl, 8, 0x04, "Encoding: %s", (fl & 4) ? "Binary encoding" : "ASCII encoding");
	proto_tree_bits(ctx, 3, fl, 8, 0x02, "Server overrides: %s", (fl & 2) ? "Override" : "No override");
	proto_tree_bits(ctx, 3, fl, 8, 0x01, "Server: %s", (fl & 1) ? "Server" : "Client");
	proto_tree_field(ctx, 2, "A-RR result", "%u", a);
	proto_tree_field(ctx, 2, "PTR-RR result", "%u", p);
	if (!(fl & 4) && rd_left(&v))
		proto_tree_field_str(ctx, 2, "Client name", dhcpt_s(v.p, rd_left(&v)), PROTO_TENC_ASCII);
}

/* One option's value items. */
static void dhcpt_value(struct proto_ctx *ctx, uint8_t code, struct rd v, const char *type_name)
{
	uint32_t n = rd_left(&v);
	const char *name = dhcpt_name(code);
	const char *item = dhcpt_list_item(code);
	if (item && n && n % 4 == 0) {
		for (uint32_t i = 0; i + 4 <= n && i < 1024; i += 4)
			dhcpt_addr(ctx, 2, item, v.p + i);
		return;
	}
	switch (code) {
	case 1: case 16: case 28: case 32: case 50: case 54: case 118:
		if (n == 4)
			dhcpt_addr(ctx, 2, name, v.p);
		return;
	case 12: case 14: case 15: case 17: case 18: case 40: case 56: case 60: case 64: case 66: case 67: case 252:
		proto_tree_field_str(ctx, 2, name, dhcpt_s(v.p, n), PROTO_TENC_ASCII);
		return;
	case 2:
		if (n == 4)
			dhcpt_secs(ctx, name, (uint32_t)v.p[0] << 24 | (uint32_t)v.p[1] << 16 | (uint32_t)v.p[2] << 8 | v.p[3], 1);
		return;
	case 51: case 58: case 59:
		if (n == 4)
			dhcpt_secs(ctx, name, (uint32_t)v.p[0] << 24 | (uint32_t)v.p[1] << 16 | (uint32_t)v.p[2] << 8 | v.p[3], 0);
		return;
	case 53:
		if (n == 1)
			proto_tree_field(ctx, 2, "DHCP", "%s (%u)", type_name ? type_name : "Unknown", v.p[0]);
		return;
	case 55:
		for (uint32_t i = 0; i < n; i++)
			proto_tree_field(ctx, 2, "Parameter Request List Item", "(%u) %s", v.p[i], dhcpt_name(v.p[i]));
		return;
	case 57: case 22: case 26:
		if (n == 2)
			proto_tree_field(ctx, 2, name, "%u", v.p[0] << 8 | v.p[1]);
		return;
	case 61:
		if (n == 7 && v.p[0] == 1) {
			proto_tree_field(ctx, 2, "Hardware type", "Ethernet (0x01)");
			dhcpt_mac(ctx, 2, "Client MAC address", v.p + 1);
		} else {
			proto_tree_bytes(ctx, 2, "Client Identifier", dhcpt_s(v.p, n));
		}
		return;
	case 81:
		dhcpt_fqdn(ctx, v);
		return;
	default:
		if (n)
			proto_tree_bytes(ctx, 2, "Value", dhcpt_s(v.p, n));
		return;
	}
}

static void dhcpt_options(struct proto_ctx *ctx, struct rd *r, const char *type_name)
{
	for (int i = 0; i < 512 && rd_left(r); i++) {
		uint8_t code = rd_u8(r);
		if (code == 255) {
			proto_tree_text(ctx, 1, "Option: (255) End");
			proto_tree_field(ctx, 2, "Option End", "255");
			break;
		}
		if (code == 0) {
			proto_tree_text(ctx, 1, "Option: (0) Padding");
			continue;
		}
		uint8_t len = rd_u8(r);
		const uint8_t *p = rd_bytes(r, len);
		if (!p)
			return;
		struct rd v = rd_make(p, len);
		char ab[INET_ADDRSTRLEN];
		proto_tree_text(ctx, 1, "Option: (%u) %s", code, dhcpt_name(code));
		if ((code == 1 || code == 28 || code == 50 || code == 54) && len == 4 && inet_ntop(AF_INET, p, ab, sizeof ab))
			proto_tree_append(ctx, " (%s)", ab);
		else if (code == 53 && len == 1)
			proto_tree_append(ctx, " (%s)", type_name ? type_name : "Unknown");
		proto_tree_field(ctx, 2, "Length", "%u", len);
		dhcpt_value(ctx, code, v, type_name);
	}
	if (rd_left(r))
		proto_tree_bytes(ctx, 1, "Padding", dhcpt_s(r->p, rd_left(r)));
}

/* "Server host name"/"Boot file name": the text, or "not given" when empty. */
static void dhcpt_text_or_none(struct proto_ctx *ctx, const char *label, const uint8_t *p, uint32_t n)
{
	uint32_t k = 0;
	while (k < n && p[k])
		k++;
	if (!k)
		proto_tree_text(ctx, 1, "%s not given", label);
	else
		proto_tree_field_str(ctx, 1, label, dhcpt_s(p, k), PROTO_TENC_ASCII);
}

void dhcp_tree(struct proto_ctx *ctx, struct slice m, const char *type_name)
{
	if (!proto_tree_on(ctx))
		return;
	struct rd r = rd_make(m.p, m.len);
	uint8_t op = rd_u8(&r), htype = rd_u8(&r), hlen = rd_u8(&r), hops = rd_u8(&r);
	uint32_t xid = rd_be32(&r);
	uint16_t secs = rd_be16(&r), flags = rd_be16(&r);
	const uint8_t *ci = rd_bytes(&r, 4), *yi = rd_bytes(&r, 4), *si = rd_bytes(&r, 4), *gi = rd_bytes(&r, 4),
		      *ch = rd_bytes(&r, 16), *sname = rd_bytes(&r, 64), *file = rd_bytes(&r, 128);
	uint32_t cookie = rd_be32(&r);
	if (!rd_ok(&r) || (op != 1 && op != 2))
		return;
	if (type_name)
		proto_tree_text(ctx, 0, "Dynamic Host Configuration Protocol (%s)", type_name);
	else
		proto_tree_text(ctx, 0, "Bootstrap Protocol (%s)", op == 1 ? "Request" : "Reply");
	proto_tree_field(ctx, 1, "Message type", "%s (%u)", op == 1 ? "Boot Request" : "Boot Reply", op);
	proto_tree_field(ctx, 1, "Hardware type", "%s (0x%02x)", htype == 1 ? "Ethernet" : "Unknown", htype);
	proto_tree_field(ctx, 1, "Hardware address length", "%u", hlen);
	proto_tree_field(ctx, 1, "Hops", "%u", hops);
	proto_tree_field(ctx, 1, "Transaction ID", "0x%08x", xid);
	proto_tree_field(ctx, 1, "Seconds elapsed", "%u", secs);
	proto_tree_field(ctx, 1, "Bootp flags", "0x%04x (%s)", flags, (flags & 0x8000) ? "Broadcast" : "Unicast");
	proto_tree_bits(ctx, 2, flags, 16, 0x8000, "Broadcast flag: %s", (flags & 0x8000) ? "Broadcast" : "Unicast");
	proto_tree_bits(ctx, 2, flags, 16, 0x7fff, "Reserved flags: 0x%04x", flags & 0x7fff);
	dhcpt_addr(ctx, 1, "Client IP address", ci);
	dhcpt_addr(ctx, 1, "Your (client) IP address", yi);
	dhcpt_addr(ctx, 1, "Next server IP address", si);
	dhcpt_addr(ctx, 1, "Relay agent IP address", gi);
	if (htype == 1 && hlen == 6) {
		dhcpt_mac(ctx, 1, "Client MAC address", ch);
		proto_tree_bytes(ctx, 1, "Client hardware address padding", dhcpt_s(ch + 6, 10));
	} else {
		proto_tree_bytes(ctx, 1, "Client hardware address (unknown)", dhcpt_s(ch, 16));
	}
	dhcpt_text_or_none(ctx, "Server host name", sname, 64);
	dhcpt_text_or_none(ctx, "Boot file name", file, 128);
	if (cookie != 0x63825363)
		return;
	proto_tree_field(ctx, 1, "Magic cookie", "DHCP");
	dhcpt_options(ctx, &r, type_name);
}
