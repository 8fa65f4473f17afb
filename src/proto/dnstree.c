/* dnstree.c: the DNS detail tree (RFC 1035 header and sections; EDNS RFC 6891 with COOKIE RFC
 * 7873, Client Subnet RFC 7871, keepalive RFC 7828, padding RFC 7830, Extended DNS Errors RFC
 * 8914; mDNS RFC 6762 class bits; LLMNR RFC 4795 flags), with the labels, value texts and
 * order of Wireshark 4.0's tree, so `packets -V` reads as `tshark -V`. It walks the message a
 * second time, for the tree only; dns.c does the columns, fields and records. */
#include "proto/dnstree.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "base/rd.h"

#define DNST_NAME DNS_NAME_TEXT
#define DNST_RR_MAX 512     /* records drawn per message */
#define DNST_JUMPS 128
#define DNST_RETX_NS 5000000000ll /* Wireshark's retransmission timer (dns.retransmission_timer) */

/* ---- names of numbers --------------------------------------------------------------------- */

struct dnst_type {
	uint16_t type;
	const char *name;   /* summary line ("type A") */
	const char *descr;  /* Type line ("A (Host Address)"); NULL: the name alone */
};

static const struct dnst_type dnst_types[] = {
	{ 0, "Unused", NULL }, { 1, "A", "A (Host Address)" }, { 2, "NS", "NS (authoritative Name Server)" },
	{ 3, "MD", "MD (Mail Destination)" }, { 4, "MF", "MF (Mail Forwarder)" },
	{ 5, "CNAME", "CNAME (Canonical NAME for an alias)" }, { 6, "SOA", "SOA (Start Of a zone of Authority)" },
	{ 7, "MB", "MB (MailBox domain name)" }, { 8, "MG", "MG (Mail Group member)" },
	{ 9, "MR", "MR (Mail Rename domain)" }, { 10, "NULL", "NULL RR" }, { 11, "WKS", "WKS (Well Known Service)" },
	{ 12, "PTR", "PTR (domain name PoinTeR)" }, { 13, "HINFO", "HINFO (host information)" },
	{ 14, "MINFO", "MINFO (Mailbox or mail list information)" }, { 15, "MX", "MX (Mail eXchange)" },
	{ 16, "TXT", "TXT (Text strings)" }, { 17, "RP", "RP (Responsible Person)" },
	{ 18, "AFSDB", "AFSDB (AFS Data Base location)" }, { 19, "X25", "X25 (XX.25 PSDN address)" },
	{ 20, "ISDN", "ISDN (ISDN address)" }, { 21, "RT", "RT (Route Through)" }, { 22, "NSAP", "NSAP (NSAP address)" },
	{ 23, "NSAP-PTR", "NSAP-PTR (NSAP domain name pointer)" }, { 24, "SIG", "SIG (security signature)" },
	{ 25, "KEY", "KEY (security key)" }, { 26, "PX", "PX (X.400 mail mapping information)" },
	{ 27, "GPOS", "GPOS (Geographical Position)" }, { 28, "AAAA", "AAAA (IPv6 Address)" },
	{ 29, "LOC", "LOC (Location Information)" }, { 30, "NXT", "NXT (Next Domain)" },
	{ 31, "EID", "EID (Endpoint Identifier)" }, { 32, "NIMLOC", "NIMLOC (Nimrod Locator)" },
	{ 33, "SRV", "SRV (Server Selection)" }, { 34, "ATMA", "ATMA (ATM Address)" },
	{ 35, "NAPTR", "NAPTR (Naming Authority Pointer)" }, { 36, "KX", "KX (Key Exchanger)" }, { 37, "CERT", NULL },
	{ 38, "A6", "A6 (OBSOLETE - use AAAA)" }, { 39, "DNAME", NULL }, { 40, "SINK", NULL }, { 41, "OPT", NULL },
	{ 42, "APL", NULL }, { 43, "DS", "DS (Delegation Signer)" }, { 44, "SSHFP", "SSHFP (SSH Key Fingerprint)" },
	{ 45, "IPSECKEY", NULL }, { 46, "RRSIG", "RRSIG (Resource Record Signature)" }, { 47, "NSEC", "NSEC (Next Secure)" },
	{ 48, "DNSKEY", "DNSKEY (DNS Public Key)" }, { 49, "DHCID", NULL }, { 50, "NSEC3", NULL },
	{ 51, "NSEC3PARAM", NULL }, { 52, "TLSA", NULL }, { 55, "HIP", "HIP (Host Identity Protocol)" },
	{ 57, "RKEY", NULL }, { 58, "TALINK", "TALINK (Trust Anchor LINK)" }, { 59, "CDS", "CDS (Child DS)" },
	{ 60, "CDNSKEY", "CDNSKEY (DNSKEY(s) the Child wants reflected in DS)" },
	{ 61, "OPENPGPKEY", "OPENPGPKEY (OpenPGP Key)" }, { 62, "CSYNC", "CSYNC (Child-to-Parent Synchronization)" },
	{ 63, "ZONEMD", NULL }, { 64, "SVCB", "SVCB (General Purpose Service Endpoints)" },
	{ 65, "HTTPS", "HTTPS (HTTPS Specific Service Endpoints)" }, { 99, "SPF", NULL }, { 100, "UINFO", NULL },
	{ 101, "UID", NULL }, { 102, "GID", NULL }, { 103, "UNSPEC", NULL }, { 104, "NID", "NID (NodeID)" },
	{ 105, "L32", "L32 (Locator32)" }, { 106, "L64", "L64 (Locator64)" }, { 107, "LP", "LP (Locator FQDN)" },
	{ 108, "EUI48", NULL }, { 109, "EUI64", NULL }, { 249, "TKEY", "TKEY (Transaction Key)" },
	{ 250, "TSIG", "TSIG (Transaction Signature)" }, { 251, "IXFR", "IXFR (incremental transfer)" },
	{ 252, "AXFR", "AXFR (transfer of an entire zone)" }, { 253, "MAILB", "MAILB (mailbox-related RRs)" },
	{ 254, "MAILA", "MAILA (mail agent RRs)" },
	{ 255, "ANY", "* (A request for all records the server/cache has available)" }, { 256, "URI", NULL },
	{ 257, "CAA", "CAA (Certification Authority Restriction)" }, { 32768, "TA", "TA (DNSSEC Trust Authorities)" },
	{ 32769, "DLV", "DLV (DNSSEC Lookaside Validation)" }, { 65281, "WINS", NULL }, { 65282, "WINS-R", NULL },
	{ 65422, "XPF", NULL },
};

static const struct dnst_type *dnst_type(uint16_t t)
{
	for (size_t i = 0; i < sizeof dnst_types / sizeof dnst_types[0]; i++)
		if (dnst_types[i].type == t)
			return &dnst_types[i];
	return NULL;
}

const char *dns_type_short(uint16_t t)
{
	const struct dnst_type *d = dnst_type(t);
	return d ? d->name : NULL;
}

/* "A" or "Unknown (N)" for the summary line. */
static const char *dnst_type_name(uint16_t t, char *buf, size_t cap)
{
	const char *s = dns_type_short(t);
	if (s)
		return s;
	snprintf(buf, cap, "Unknown (%u)", t);
	return buf;
}

static const char *dnst_type_descr(uint16_t t)
{
	const struct dnst_type *d = dnst_type(t);
	return !d ? "Unknown" : d->descr ? d->descr : d->name;
}

static const char *dnst_class_name(uint16_t c)
{
	switch (c) {
	case 1: return "IN";
	case 2: return "CS";
	case 3: return "CH";
	case 4: return "HS";
	case 254: return "NONE";
	case 255: return "ANY";
	}
	return "Unknown";
}

const char *dns_opcode_name(uint8_t op)
{
	static const char *const names[] = { "Standard query", "Inverse query", "Server status request", NULL,
					     "Zone change notification", "Dynamic update",
					     "DNS Stateful operations (DSO)" };
	return op < sizeof names / sizeof names[0] ? names[op] : NULL;
}

const char *dns_rcode_name(uint16_t rc)
{
	static const char *const names[] = {
		"No error", "Format error", "Server failure", "No such name", "Not implemented", "Refused",
		"Name exists", "RRset exists", "RRset does not exist", "Not authoritative", "Name out of zone",
		"DSO-Type not implemented", NULL, NULL, NULL, NULL, "Bad OPT Version or TSIG Signature Failure",
		"Key not recognized", "Signature out of time window", "Bad TKEY Mode", "Duplicate key name",
		"Algorithm not supported", "Bad Truncation", "Bad/missing Server Cookie",
	};
	return rc < sizeof names / sizeof names[0] ? names[rc] : NULL;
}

static const char *dnst_opcode(uint8_t op)
{
	const char *s = dns_opcode_name(op);
	return s ? s : "Unknown operation";
}

static const char *dnst_rcode(uint16_t rc)
{
	const char *s = dns_rcode_name(rc);
	return s ? s : "Unknown error";
}

static const char *dnst_opt_name(uint16_t code)
{
	switch (code) {
	case 1: return "LLQ - Long-lived query";
	case 2: return "UL - Update lease";
	case 3: return "NSID - Name Server Identifier";
	case 5: return "DAU - DNSSEC Algorithm Understood (RFC6975)";
	case 6: return "DHU - DS Hash Understood (RFC6975)";
	case 7: return "N3U - NSEC3 Hash Understood (RFC6975)";
	case 8: return "CSUBNET - Client subnet";
	case 9: return "EDNS EXPIRE (RFC7314)";
	case 10: return "COOKIE";
	case 11: return "EDNS TCP Keepalive";
	case 12: return "PADDING";
	case 13: return "CHAIN";
	case 15: return "Extended DNS Error";
	}
	return NULL;
}

static const char *dnst_ede_name(uint16_t c)
{
	static const char *const names[] = {
		"Other Error", "Unsupported DNSKEY Algorithm", "Unsupported DS Digest Type", "Stale Answer",
		"Forged Answer", "DNSSEC Indeterminate", "DNSSEC Bogus", "Signature Expired",
		"Signature Not Yet Valid", "DNSKEY Missing", "RRSIGs Missing", "No Zone Key Bit Set",
		"NSEC Missing", "Cached Error", "Not Ready", "Blocked", "Censored", "Filtered", "Prohibited",
		"Stale NXDOMAIN Answer", "Not Authoritative", "Not Supported", "No Reachable Authority",
		"Network Error", "Invalid Data",
	};
	return c < sizeof names / sizeof names[0] ? names[c] : "Unknown";
}

/* ---- small writers ------------------------------------------------------------------------ */

static struct slice dnst_s(const char *s, size_t n)
{
	struct slice r = { (const uint8_t *)s, (uint32_t)n };
	return r;
}

/* "label: <name>" with the name escaped as Wireshark shows it. */
static void dnst_name_item(struct proto_ctx *ctx, uint8_t depth, const char *label, const char *name, size_t n)
{
	proto_tree_field_str(ctx, depth, label, dnst_s(name, n), PROTO_TENC_UTF8);
}

static void dnst_secs_item(struct proto_ctx *ctx, uint8_t depth, const char *label, uint32_t v)
{
	char t[96];
	proto_secs_text(t, sizeof t, v);
	proto_tree_field(ctx, depth, label, "%u (%s)", v, t);
}

/* ---- names -------------------------------------------------------------------------------- */

int dns_name_read(struct rd *r, const uint8_t *m, uint32_t n, char *out, uint16_t *olen)
{
	struct rd far, *c = r;
	uint32_t jumps = 0, len = 0, processed = 0;
	int kind = DNS_NAME_OK;
	for (;;) {
		uint8_t b = rd_u8(c);
		if (!rd_ok(c)) {
			rd_bad(r);
			return -1;
		}
		processed++;
		if (!b)
			break;
		if ((b & 0xc0) == 0xc0) {
			uint16_t off = (uint16_t)((b & 0x3f) << 8 | rd_u8(c));
			if (!rd_ok(c)) {
				rd_bad(r);
				return -1;
			}
			processed++;
			if (++jumps > DNST_JUMPS || processed >= n) {
				kind = DNS_NAME_LOOP;
				break;
			}
			far = rd_make(m, n);
			rd_skip(&far, off);
			if (!rd_ok(&far)) {
				rd_bad(r);
				return -1;
			}
			c = &far;
			continue;
		}
		if (b & 0xc0) {
			kind = DNS_NAME_EXT;
			break;
		}
		const uint8_t *lab = rd_bytes(c, b);
		if (!lab) {
			rd_bad(r);
			return -1;
		}
		processed += b;
		if (processed >= n + 1u) {
			kind = DNS_NAME_LOOP;
			break;
		}
		if (kind == DNS_NAME_OK) {
			if (len + (len ? 1u : 0u) + b > 255) {
				kind = DNS_NAME_LONG; /* read on to find where the name ends */
				continue;
			}
			if (len)
				out[len++] = '.';
			memcpy(out + len, lab, b);
			len += b;
		}
	}
	static const char *const mark[] = { "<Root>", "<Name contains a pointer that loops>", "<Name too long>",
					    "<Unknown extended label>" };
	if (kind != DNS_NAME_OK || !len) {
		len = (uint32_t)strlen(mark[kind]);
		memcpy(out, mark[kind], len);
	}
	out[len] = 0;
	*olen = (uint16_t)len;
	return kind;
}

/* The name at *r: its text's length, or -1 when the message ends inside it. */
static int dnst_name(struct rd *r, const uint8_t *m, uint32_t n, char *out)
{
	uint16_t len;
	return dns_name_read(r, m, n, out, &len) < 0 ? -1 : (int)len;
}

/* ---- header ------------------------------------------------------------------------------- */

struct dnst {
	struct proto_ctx *ctx;
	const uint8_t *m;
	uint32_t n;
	uint8_t kind;
	uint16_t id, flags;
	uint32_t qhash;          /* of the first question */
};

static void dnst_flag(struct dnst *w, uint16_t mask, const char *label, const char *on, const char *off)
{
	proto_tree_bits(w->ctx, 2, w->flags, 16, mask, "%s: %s", label, (w->flags & mask) ? on : off);
}

static void dnst_flags(struct dnst *w)
{
	struct proto_ctx *ctx = w->ctx;
	uint16_t f = w->flags;
	int resp = (f & 0x8000) != 0;
	uint8_t op = (uint8_t)((f >> 11) & 0xf);
	proto_tree_field(ctx, 1, "Flags", "0x%04x %s%s", f, dnst_opcode(op), resp ? " response" : "");
	if (resp)
		proto_tree_cat(ctx, ", %s", dnst_rcode(f & 0xf));
	dnst_flag(w, 0x8000, "Response", "Message is a response", "Message is a query");
	proto_tree_bits(ctx, 2, f, 16, 0x7800, "Opcode: %s (%u)", dnst_opcode(op), op);
	if (w->kind == DNS_TREE_LLMNR) {
		dnst_flag(w, 0x0400, "Conflict", "The name is not considered unique", "None");
		dnst_flag(w, 0x0200, "Truncated", "Message is truncated", "Message is not truncated");
		dnst_flag(w, 0x0100, "Tentative", "Tentative", "Not tentative");
		if (resp)
			proto_tree_bits(ctx, 2, f, 16, 0x000f, "Reply code: %s (%u)", dnst_rcode(f & 0xf), f & 0xf);
		return;
	}
	if (resp)
		dnst_flag(w, 0x0400, "Authoritative", "Server is an authority for domain",
			  "Server is not an authority for domain");
	dnst_flag(w, 0x0200, "Truncated", "Message is truncated", "Message is not truncated");
	dnst_flag(w, 0x0100, "Recursion desired", "Do query recursively", "Don't do query recursively");
	if (resp)
		dnst_flag(w, 0x0080, "Recursion available", "Server can do recursive queries",
			  "Server can't do recursive queries");
	proto_tree_bits(ctx, 2, f, 16, 0x0040, "Z: reserved (%u)", (f >> 6) & 1);
	if (resp)
		dnst_flag(w, 0x0020, "Answer authenticated", "Answer/authority portion was authenticated by the server",
			  "Answer/authority portion was not authenticated by the server");
	else if (f & 0x0020)
		dnst_flag(w, 0x0020, "AD bit", "Set", "Not set");
	dnst_flag(w, 0x0010, "Non-authenticated data", "Acceptable", "Unacceptable");
	if (resp)
		proto_tree_bits(ctx, 2, f, 16, 0x000f, "Reply code: %s (%u)", dnst_rcode(f & 0xf), f & 0xf);
}

/* ---- questions and records ----------------------------------------------------------------- */

static uint32_t dnst_hash(const char *s, size_t n, uint16_t type, uint16_t cls)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	h = (h ^ type) * 16777619u;
	return (h ^ cls) * 16777619u;
}

/* The class item (mDNS: its 15 bits and the top bit's meaning, `top` "\"QU\" question" or
 * "Cache flush"). */
static void dnst_class(struct dnst *w, uint16_t cls, const char *top)
{
	if (w->kind == DNS_TREE_MDNS) {
		uint16_t c = cls & 0x7fff;
		proto_tree_bits(w->ctx, 3, cls, 16, 0x7fff, "Class: %s (0x%04x)", dnst_class_name(c), c);
		proto_tree_bits(w->ctx, 3, cls, 16, 0x8000, "%s: %s", top, (cls & 0x8000) ? "True" : "False");
		return;
	}
	proto_tree_field(w->ctx, 3, "Class", "%s (0x%04x)", dnst_class_name(cls), cls);
}

/* The summary's name and "type T, class C". */
static void dnst_summary(struct dnst *w, const char *name, int nl, uint16_t type, uint16_t cls)
{
	char tb[24];
	proto_tree_text(w->ctx, 2, "%s", "");
	proto_tree_cat_str(w->ctx, dnst_s(name, (size_t)nl), PROTO_TENC_UTF8);
	proto_tree_cat(w->ctx, ": type %s", dnst_type_name(type, tb, sizeof tb));
	if (type != 41)
		proto_tree_cat(w->ctx, ", class %s",
			       dnst_class_name(w->kind == DNS_TREE_MDNS ? cls & 0x7fff : cls));
}

/* A question (or an update's zone): "name: type T, class C" and its items. */
static void dnst_question(struct dnst *w, struct rd *r)
{
	struct proto_ctx *ctx = w->ctx;
	char name[DNST_NAME];
	int nl = dnst_name(r, w->m, w->n, name);
	if (nl < 0)
		return;
	uint16_t type = rd_be16(r), cls = rd_be16(r);
	if (!rd_ok(r))
		return;
	dnst_summary(w, name, nl, type, cls);
	if (w->kind == DNS_TREE_MDNS)
		proto_tree_cat(ctx, ", \"%s\" question", (cls & 0x8000) ? "QU" : "QM");
	dnst_name_item(ctx, 3, "Name", name, (size_t)nl);
	uint32_t labels = 1;
	for (int i = 0; i < nl; i++)
		labels += name[i] == '.';
	if (nl == 1)
		labels = 0, nl = 0; /* Wireshark's count for a one-character name */
	proto_tree_gfield(ctx, 3, "Name Length", "%d", nl);
	proto_tree_gfield(ctx, 3, "Label Count", "%u", labels);
	proto_tree_field(ctx, 3, "Type", "%s (%u)", dnst_type_descr(type), type);
	dnst_class(w, cls, "\"QU\" question");
}

/* A name inside record data: the item and, through *out, its text. */
static int dnst_rdata_name(struct dnst *w, struct rd *d, const char *label, char *out)
{
	int nl = dnst_name(d, w->m, w->n, out);
	if (nl >= 0)
		dnst_name_item(w->ctx, 3, label, out, (size_t)nl);
	return nl;
}

/* EDNS options of an OPT record. */
static void dnst_opt(struct dnst *w, struct rd *d)
{
	struct proto_ctx *ctx = w->ctx;
	for (int i = 0; i < 64 && rd_left(d) >= 4; i++) {
		uint16_t code = rd_be16(d), len = rd_be16(d);
		const uint8_t *v = rd_bytes(d, len);
		if (!v)
			return;
		struct rd o = rd_make(v, len);
		const char *on = dnst_opt_name(code);
		if (on)
			proto_tree_text(ctx, 3, "Option: %s", on);
		else
			proto_tree_text(ctx, 3, "Option: Unknown (%u)", code);
		proto_tree_field(ctx, 4, "Option Code", "%s (%u)", on ? on : "Unknown", code);
		proto_tree_field(ctx, 4, "Option Length", "%u", len);
		proto_tree_bytes(ctx, 4, "Option Data", (struct slice){ v, len });
		switch (code) {
		case 8: { /* client subnet */
			uint16_t fam = rd_be16(&o);
			uint8_t src = rd_u8(&o), scope = rd_u8(&o);
			if (!rd_ok(&o))
				break;
			proto_tree_field(ctx, 4, "Family", "%s (%u)", fam == 1 ? "IPv4" : fam == 2 ? "IPv6" : "Unknown", fam);
			proto_tree_field(ctx, 4, "Source Netmask", "%u", src);
			proto_tree_field(ctx, 4, "Scope Netmask", "%u", scope);
			uint8_t a[16] = { 0 };
			uint32_t al = fam == 1 ? 4 : 16, k = rd_left(&o) < al ? rd_left(&o) : al;
			memcpy(a, o.p, k);
			char ab[INET6_ADDRSTRLEN];
			if ((fam == 1 || fam == 2) && inet_ntop(fam == 1 ? AF_INET : AF_INET6, a, ab, sizeof ab))
				proto_tree_field(ctx, 4, "Client Subnet", "%s", ab);
			break;
		}
		case 10: /* cookie */
			proto_tree_bytes(ctx, 4, "Client Cookie", (struct slice){ v, len < 8 ? len : 8u });
			proto_tree_bytes(ctx, 4, "Server Cookie", (struct slice){ v + (len < 8 ? len : 8u), len > 8 ? len - 8u : 0u });
			break;
		case 11: /* keepalive */
			if (len == 2)
				proto_tree_field(ctx, 4, "Timeout", "%u", v[0] << 8 | v[1]);
			break;
		case 12:
			proto_tree_bytes(ctx, 4, "Padding", (struct slice){ v, len });
			break;
		case 15: { /* extended DNS error */
			uint16_t ic = rd_be16(&o);
			if (!rd_ok(&o))
				break;
			proto_tree_field(ctx, 4, "Info Code", "%s (%u)", dnst_ede_name(ic), ic);
			if (rd_left(&o))
				proto_tree_field_str(ctx, 4, "Extra Text", (struct slice){ o.p, o.len }, PROTO_TENC_UTF8);
			break;
		}
		default:
			break;
		}
	}
}

/* The summary line's text for the record data of the common types ("", ", addr 10.0.0.1"). */
static void dnst_tail(struct dnst *w, uint16_t type, struct rd d, char *tail, size_t cap)
{
	char name[DNST_NAME], ab[INET6_ADDRSTRLEN];
	tail[0] = 0;
	switch (type) {
	case 1:
	case 28: {
		const uint8_t *a = rd_bytes(&d, type == 1 ? 4 : 16);
		if (a && inet_ntop(type == 1 ? AF_INET : AF_INET6, a, ab, sizeof ab))
			snprintf(tail, cap, ", addr %s", ab);
		break;
	}
	case 2:
	case 5:
	case 12:
	case 6:
		if (dnst_name(&d, w->m, w->n, name) >= 0)
			snprintf(tail, cap, ", %s%s", type == 2 ? "ns " : type == 5 ? "cname " : type == 6 ? "mname " : "",
				 name);
		break;
	case 15: {
		uint16_t pref = rd_be16(&d);
		if (rd_ok(&d) && dnst_name(&d, w->m, w->n, name) >= 0)
			snprintf(tail, cap, ", preference %u, mx %s", pref, name);
		break;
	}
	case 33: {
		uint16_t prio = rd_be16(&d), weight = rd_be16(&d), port = rd_be16(&d);
		if (rd_ok(&d) && dnst_name(&d, w->m, w->n, name) >= 0)
			snprintf(tail, cap, ", priority %u, weight %u, port %u, target %s", prio, weight, port, name);
		break;
	}
	}
}

/* The record data's items for the common types. Returns -1 when the type is not known here. */
static int dnst_rdata(struct dnst *w, uint16_t type, struct rd *d)
{
	struct proto_ctx *ctx = w->ctx;
	char name[DNST_NAME], ab[INET6_ADDRSTRLEN];
	switch (type) {
	case 1:
	case 28: {
		const uint8_t *a = rd_bytes(d, type == 1 ? 4 : 16);
		if (a && inet_ntop(type == 1 ? AF_INET : AF_INET6, a, ab, sizeof ab))
			proto_tree_field(ctx, 3, type == 1 ? "Address" : "AAAA Address", "%s", ab);
		return 0;
	}
	case 2:
		dnst_rdata_name(w, d, "Name Server", name);
		return 0;
	case 5:
		dnst_rdata_name(w, d, "CNAME", name);
		return 0;
	case 12:
		dnst_rdata_name(w, d, "Domain Name", name);
		return 0;
	case 6: {
		if (dnst_rdata_name(w, d, "Primary name server", name) < 0 ||
		    dnst_rdata_name(w, d, "Responsible authority's mailbox", name) < 0)
			return 0;
		uint32_t serial = rd_be32(d), refresh = rd_be32(d), retry = rd_be32(d), expire = rd_be32(d),
			 min = rd_be32(d);
		if (!rd_ok(d))
			return 0;
		proto_tree_field(ctx, 3, "Serial Number", "%u", serial);
		dnst_secs_item(ctx, 3, "Refresh Interval", refresh);
		dnst_secs_item(ctx, 3, "Retry Interval", retry);
		dnst_secs_item(ctx, 3, "Expire limit", expire);
		dnst_secs_item(ctx, 3, "Minimum TTL", min);
		return 0;
	}
	case 15: {
		uint16_t pref = rd_be16(d);
		if (!rd_ok(d))
			return 0;
		proto_tree_field(ctx, 3, "Preference", "%u", pref);
		dnst_rdata_name(w, d, "Mail Exchange", name);
		return 0;
	}
	case 16:
		for (int i = 0; i < 256 && rd_left(d); i++) {
			uint8_t l = rd_u8(d);
			const uint8_t *t = rd_bytes(d, l);
			if (!t)
				return 0;
			proto_tree_field(ctx, 3, "TXT Length", "%u", l);
			proto_tree_field_str(ctx, 3, "TXT", (struct slice){ t, l }, PROTO_TENC_UTF8);
		}
		return 0;
	case 33: {
		uint16_t prio = rd_be16(d), weight = rd_be16(d), port = rd_be16(d);
		if (!rd_ok(d))
			return 0;
		proto_tree_field(ctx, 3, "Priority", "%u", prio);
		proto_tree_field(ctx, 3, "Weight", "%u", weight);
		proto_tree_field(ctx, 3, "Port", "%u", port);
		dnst_rdata_name(w, d, "Target", name);
		return 0;
	}
	}
	return -1;
}

/* The owner of an SRV record split as Wireshark shows it: "_service._proto.name". */
static int dnst_srv_owner(struct proto_ctx *ctx, const char *o, int ol)
{
	const char *d1 = memchr(o, '.', (size_t)ol);
	if (!d1 || o[0] != '_')
		return 0;
	const char *d2 = memchr(d1 + 1, '.', (size_t)(ol - (d1 + 1 - o)));
	if (!d2 || d1[1] != '_')
		return 0;
	proto_tree_field_str(ctx, 3, "Service", dnst_s(o, (size_t)(d1 - o)), PROTO_TENC_UTF8);
	proto_tree_field_str(ctx, 3, "Protocol", dnst_s(d1 + 1, (size_t)(d2 - d1 - 1)), PROTO_TENC_UTF8);
	proto_tree_field_str(ctx, 3, "Name", dnst_s(d2 + 1, (size_t)(ol - (d2 + 1 - o))), PROTO_TENC_UTF8);
	return 1;
}

/* One resource record: summary line, then name, type, class, TTL, length and the data. */
static void dnst_rr(struct dnst *w, struct rd *r)
{
	struct proto_ctx *ctx = w->ctx;
	char owner[DNST_NAME], tail[DNST_NAME + 64];
	int ol = dnst_name(r, w->m, w->n, owner);
	if (ol < 0)
		return;
	uint16_t type = rd_be16(r), cls = rd_be16(r);
	uint32_t ttl = rd_be32(r);
	uint16_t rdlen = rd_be16(r);
	if (!rd_ok(r))
		return;
	struct rd d = rd_sub(r, rdlen);
	dnst_tail(w, type, d, tail, sizeof tail);
	dnst_summary(w, owner, ol, type, cls);
	if (w->kind == DNS_TREE_MDNS && (cls & 0x8000) && type != 41)
		proto_tree_cat(ctx, ", cache flush");
	if (rdlen && rd_ok(&d))
		proto_tree_cat(ctx, "%s", tail);
	if (!(type == 33 && dnst_srv_owner(ctx, owner, ol)))
		dnst_name_item(ctx, 3, "Name", owner, (size_t)ol);
	proto_tree_field(ctx, 3, "Type", "%s (%u)", dnst_type_descr(type), type);
	if (type == 41) {
		if (w->kind == DNS_TREE_MDNS) {
			proto_tree_bits(ctx, 3, cls, 16, 0x7fff, "UDP payload size: 0x%04x", cls & 0x7fff);
			proto_tree_bits(ctx, 3, cls, 16, 0x8000, "Cache flush: %s", (cls & 0x8000) ? "True" : "False");
		} else {
			proto_tree_field(ctx, 3, "UDP payload size", "%u", cls);
		}
		proto_tree_field(ctx, 3, "Higher bits in extended RCODE", "0x%02x", ttl >> 24);
		proto_tree_field(ctx, 3, "EDNS0 version", "%u", (ttl >> 16) & 0xff);
		proto_tree_field(ctx, 3, "Z", "0x%04x", ttl & 0xffff);
		proto_tree_bits(ctx, 4, ttl & 0xffff, 16, 0x8000, "DO bit: %s",
				(ttl & 0x8000) ? "Accepts DNSSEC security RRs" : "Cannot handle DNSSEC security RRs");
		proto_tree_bits(ctx, 4, ttl & 0xffff, 16, 0x7fff, "Reserved: 0x%04x", ttl & 0x7fff);
		proto_tree_field(ctx, 3, "Data length", "%u", rdlen);
		if (rd_ok(&d))
			dnst_opt(w, &d);
		return;
	}
	dnst_class(w, cls, "Cache flush");
	char t[96];
	proto_secs_text(t, sizeof t, ttl);
	proto_tree_field(ctx, 3, "Time to live", "%u (%s)", ttl, t);
	proto_tree_field(ctx, 3, "Data length", "%u", rdlen);
	if (!rdlen || !rd_ok(&d))
		return;
	if (dnst_rdata(w, type, &d) < 0) {
		char msg[128];
		snprintf(msg, sizeof msg, "Dissector for DNS Type (%u) code not implemented, Contact Wireshark developers "
					  "if you want this supported", type);
		proto_tree_expert(ctx, 3, "Note", "Undecoded", msg);
		proto_tree_bytes(ctx, 3, "Data", (struct slice){ d.p, d.len });
	}
}

/* ---- transactions ------------------------------------------------------------------------- */

/* The latest transaction of `id` (and of the question hashed `qhash`, when not 0). */
static struct dns_ttrans *dnst_find(struct dns_ttab *tab, uint16_t id, uint32_t qhash)
{
	struct dns_ttrans *best = NULL;
	for (int i = 0; tab && i < DNS_TTRANS_MAX; i++) {
		struct dns_ttrans *t = &tab->t[i];
		if (t->used && t->id == id && (!qhash || t->qhash == qhash) && (!best || t->req_frame > best->req_frame))
			best = t;
	}
	return best;
}

static void dnst_expert(struct proto_ctx *ctx, const char *what, uint32_t frame)
{
	char msg[96];
	snprintf(msg, sizeof msg, "DNS %s retransmission. Original %s in frame %u", what,
		 what[0] == 'q' ? "request" : "response", frame);
	proto_tree_expert(ctx, 2, "Warning", "Protocol", msg);
}

/* How Wireshark's single pass matches this message with the conversation's transactions. */
enum dnst_match { DM_NONE = 0, DM_NEW, DM_RETX_Q, DM_UNSOLICITED, DM_RETX_R, DM_ANSWER };

static enum dnst_match dnst_match(const struct dnst *w, struct dns_ttab *tab, int resp, struct dns_ttrans **out)
{
	struct dns_ttrans *tr = dnst_find(tab, w->id, w->qhash);
	if (!tr && resp) /* an inverse query's answer carries a question its query had not */
		tr = dnst_find(tab, w->id, 0);
	*out = tr;
	if (!tab)
		return DM_NONE;
	if (resp)
		return !tr ? DM_UNSOLICITED : tr->rep_frame && tr->rep_frame != w->ctx->frame ? DM_RETX_R : DM_ANSWER;
	if (!tr || tr->rep_frame)
		return DM_NEW;
	/* past the retransmission timer Wireshark keeps the old transaction and says nothing */
	return w->ctx->ts_ns - tr->req_ns >= DNST_RETX_NS ? DM_NONE : DM_RETX_Q;
}

/* The hash of the first question (what a retransmitted query repeats). */
static uint32_t dnst_first_qhash(const struct dnst *w, struct rd r)
{
	char name[DNST_NAME];
	int nl = dnst_name(&r, w->m, w->n, name);
	uint16_t type = rd_be16(&r), cls = rd_be16(&r);
	return nl < 0 || !rd_ok(&r) ? 0 : dnst_hash(name, (size_t)nl, type, cls);
}

/* The lines after the sections, and the transaction table's update. */
static void dnst_matched(struct dnst *w, struct dns_ttab *tab, enum dnst_match mt, struct dns_ttrans *tr)
{
	struct proto_ctx *ctx = w->ctx;
	switch (mt) {
	case DM_NEW: {
		struct dns_ttrans *t = &tab->t[tab->next];
		tab->next = (uint8_t)((tab->next + 1) % DNS_TTRANS_MAX);
		t->used = 1;
		t->id = w->id;
		t->req_frame = (uint32_t)ctx->frame;
		t->rep_frame = 0;
		t->req_ns = ctx->ts_ns;
		t->qhash = w->qhash;
		break;
	}
	case DM_RETX_Q:
		proto_tree_gtext(ctx, 1, "Retransmitted request. Original request in: %u", tr->req_frame);
		proto_tree_gfield(ctx, 1, "Retransmission", "True");
		break;
	case DM_UNSOLICITED:
		proto_tree_gfield(ctx, 1, "Unsolicited", "True");
		break;
	case DM_RETX_R:
		proto_tree_gtext(ctx, 1, "Retransmitted response. Original response in: %u", tr->rep_frame);
		proto_tree_gfield(ctx, 1, "Retransmission", "True");
		break;
	case DM_ANSWER: {
		tr->rep_frame = (uint32_t)ctx->frame;
		proto_tree_gfield(ctx, 1, "Request In", "%u", tr->req_frame);
		int64_t dt = ctx->ts_ns - tr->req_ns;
		uint64_t a = (uint64_t)(dt < 0 ? -dt : dt);
		proto_tree_gfield(ctx, 1, "Time", "%s%llu.%09llu seconds", dt < 0 ? "-" : "", (unsigned long long)(a / 1000000000u),
				(unsigned long long)(a % 1000000000u));
		break;
	}
	case DM_NONE:
		break;
	}
}

/* ---- one message -------------------------------------------------------------------------- */

void dns_tree(struct proto_ctx *ctx, struct slice msg, uint8_t kind, int tcp, struct dns_ttab *tab)
{
	if (!proto_tree_on(ctx))
		return;
	struct dnst w = { .ctx = ctx, .m = msg.p, .n = msg.len, .kind = kind };
	struct rd r = rd_make(msg.p, msg.len);
	w.id = rd_be16(&r);
	w.flags = rd_be16(&r);
	uint16_t cnt[4];
	for (int i = 0; i < 4; i++)
		cnt[i] = rd_be16(&r);
	int resp = (w.flags & 0x8000) != 0;
	static const char *const top[] = { "Domain Name System", "Multicast Domain Name System",
					   "Link-local Multicast Name Resolution" };
	proto_tree_text(ctx, 0, "%s (%s)", top[kind < 3 ? kind : 0], resp ? "response" : "query");
	if (tcp)
		proto_tree_field(ctx, 1, "Length", "%u", msg.len);
	if (!rd_ok(&r))
		return;
	if (cnt[0])
		w.qhash = dnst_first_qhash(&w, r);
	struct dns_ttrans *tr;
	enum dnst_match mt = dnst_match(&w, tab, resp, &tr);
	proto_tree_field(ctx, 1, "Transaction ID", "0x%04x", w.id);
	if (mt == DM_RETX_Q)
		dnst_expert(ctx, "query", tr->req_frame);
	else if (mt == DM_RETX_R)
		dnst_expert(ctx, "response", tr->rep_frame);
	dnst_flags(&w);
	int update = ((w.flags >> 11) & 0xf) == 5;
	static const char *const cn[2][4] = { { "Questions", "Answer RRs", "Authority RRs", "Additional RRs" },
					       { "Zones", "Prerequisites", "Updates", "Additional RRs" } };
	static const char *const sn[2][4] = { { "Queries", "Answers", "Authoritative nameservers", "Additional records" },
					       { "Zone", "Prerequisites", "Updates", "Additional records" } };
	for (int i = 0; i < 4; i++)
		proto_tree_field(ctx, 1, cn[update][i], "%u", cnt[i]);
	uint32_t drawn = 0;
	for (int sec = 0; sec < 4 && rd_ok(&r); sec++) {
		if (!cnt[sec])
			continue;
		proto_tree_text(ctx, 1, "%s", sn[update][sec]);
		for (uint32_t i = 0; i < cnt[sec] && rd_ok(&r) && drawn++ < DNST_RR_MAX; i++) {
			if (sec == 0)
				dnst_question(&w, &r);
			else
				dnst_rr(&w, &r);
		}
	}
	dnst_matched(&w, tab, mt, tr);
}
