/* dns.c: DNS messages (RFC 1035; AAAA RFC 3596, SRV RFC 2782, NAPTR RFC 3403, EDNS RFC 6891,
 * CAA RFC 8659, SVCB/HTTPS RFC 9460, mDNS RFC 6762, LLMNR RFC 4795) over UDP (one datagram is
 * one message) and TCP (each message preceded by a two-byte length, RFC 1035 section 4.2.2,
 * RFC 7766). Writes tshark 4.0's Protocol/Info columns and dns.* fields, and a Zeek-style "dns"
 * record per query/response pair (the query waits in its direction's state). */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/rd.h"
#include "proto/dnstree.h"
#include "proto/proto.h"

#define DNS_HDR 12
#define DNS_NAME_MAX 255     /* text length of a name (RFC 1035 2.3.4 counts wire bytes) */
#define DNS_TEXT 300         /* name buffer: DNS_NAME_MAX + the longest "<...>" marker */
#define DNS_JUMPS_MAX 128    /* compression pointers followed per name */
#define DNS_RR_MAX 4096      /* questions + records walked per message */
#define DNS_PEND_MAX 16      /* queries waiting for an answer, per direction */
#define DNS_PEND_NAME 80     /* query name bytes kept with a waiting query */
#define DNS_SCRATCH 1640     /* per-packet copies of names handed out as field values */
#define DNS_BIG_KEEP 512     /* prefix kept of a TCP message too long to be held whole */
#define DNS_TAIL_MAX 32000   /* TCP messages up to this are presented whole (flow tail cap 32 KB) */
#define DNS_ANS_MAX 32       /* answers in a record; names learned per message */
#define DNS_OPT_MAX 64       /* EDNS options walked */
#define DNS_SVC_MAX 64       /* SvcParams walked */

/* Zeek-style weird names of what was wrong with a message, counted per direction. */
enum dns_anom {
	DNS_A_TRUNC = 0,     /* DNS_truncated_len_lt_hdr_len / message ends inside a record */
	DNS_A_LOOP,          /* compression pointer loop */
	DNS_A_NAME_LONG,     /* name longer than 255 */
	DNS_A_LABEL_TYPE,    /* extended or reserved label type */
	DNS_A_RR_CAP,        /* more records than walked */
	DNS_A_PEND_FULL,     /* query table full: the oldest waiting query was given up */
	DNS_A_RDATA,         /* record data shorter than its type needs */
	DNS_A_N
};

struct dns_pend {
	int64_t ts_ns;       /* when the query was seen */
	uint32_t hash;       /* FNV-1a of the lower-cased full name */
	uint16_t id, qtype, qclass, flags;
	uint8_t used, nlen, tcp;
	char name[DNS_PEND_NAME]; /* lower-cased name, cut at DNS_PEND_NAME */
};

struct dns_state {
	/* TCP framing of a message longer than DNS_TAIL_MAX: its bytes are absorbed as they pass */
	uint32_t left;       /* bytes of it still to come (0: at a length prefix) */
	uint16_t bighave;    /* bytes kept in big[] */
	uint8_t bigholes;    /* bytes of it were not captured */
	uint32_t msgs;
	uint32_t anom[DNS_A_N];
	uint64_t scratch_frame;
	uint16_t sused;
	uint16_t npend;
	struct dns_pend pend[DNS_PEND_MAX];
	uint8_t big[DNS_BIG_KEEP];
	char scratch[DNS_SCRATCH]; /* field values of the current packet; reset per packet */
	struct dns_ttab ttab;      /* the detail tree's transactions (kept in the originator's state) */
};
_Static_assert(sizeof(struct dns_state) <= 4096, "dns state over the flow's per-direction limit");

enum dns_fid {
	DF_ID, DF_RESPONSE, DF_OPCODE, DF_RCODE, DF_TRUNCATED, DF_NQ, DF_NAN, DF_NNS, DF_NAR,
	DF_QNAME, DF_QTYPE, DF_QCLASS, DF_RNAME, DF_RTYPE, DF_TTL, DF_A, DF_AAAA, DF_CNAME, DF_PTR,
	DF_MX, DF_NS, DF_TXT, DF_SOA_MNAME, DF_SRV_TARGET,
};

static const struct proto_field dns_fields[] = {
	[DF_ID] = { "dns.id", PF_HEX, 4, "Transaction ID" },
	[DF_RESPONSE] = { "dns.flags.response", PF_BOOL, 0, "Response" },
	[DF_OPCODE] = { "dns.flags.opcode", PF_UINT, 0, "Opcode" },
	[DF_RCODE] = { "dns.flags.rcode", PF_UINT, 0, "Reply code" },
	[DF_TRUNCATED] = { "dns.flags.truncated", PF_BOOL, 0, "Truncated" },
	[DF_NQ] = { "dns.count.queries", PF_UINT, 0, "Questions" },
	[DF_NAN] = { "dns.count.answers", PF_UINT, 0, "Answer RRs" },
	[DF_NNS] = { "dns.count.auth_rr", PF_UINT, 0, "Authority RRs" },
	[DF_NAR] = { "dns.count.add_rr", PF_UINT, 0, "Additional RRs" },
	[DF_QNAME] = { "dns.qry.name", PF_STR, 0, "Name" },
	[DF_QTYPE] = { "dns.qry.type", PF_UINT, 0, "Type" },
	[DF_QCLASS] = { "dns.qry.class", PF_HEX, 4, "Class" },
	[DF_RNAME] = { "dns.resp.name", PF_STR, 0, "Name" },
	[DF_RTYPE] = { "dns.resp.type", PF_UINT, 0, "Type" },
	[DF_TTL] = { "dns.resp.ttl", PF_UINT, 0, "Time to live" },
	[DF_A] = { "dns.a", PF_IPV4, 0, "Address" },
	[DF_AAAA] = { "dns.aaaa", PF_IPV6, 0, "AAAA Address" },
	[DF_CNAME] = { "dns.cname", PF_STR, 0, "CNAME" },
	[DF_PTR] = { "dns.ptr.domain_name", PF_STR, 0, "Domain Name" },
	[DF_MX] = { "dns.mx.mail_exchange", PF_STR, 0, "Mail Exchange" },
	[DF_NS] = { "dns.ns", PF_STR, 0, "Name Server" },
	[DF_TXT] = { "dns.txt", PF_STR, 0, "TXT" },
	[DF_SOA_MNAME] = { "dns.soa.mname", PF_STR, 0, "Primary name server" },
	[DF_SRV_TARGET] = { "dns.srv.target", PF_STR, 0, "Target" },
};

/* ---- names of numbers ------------------------------------------------------------------- */

/* Record types as tshark's Info column names them (the short form of dns.qry.type's values). */
static const char *dns_type_name(uint16_t t)
{
	return dns_type_short(t);
}

/* Info text of a type: its name, or "Unknown (N)". buf: at least 16 bytes. */
static const char *dns_type_text(uint16_t t, char *buf, size_t cap)
{
	const char *s = dns_type_name(t);
	if (s)
		return s;
	snprintf(buf, cap, "Unknown (%u)", t);
	return buf;
}

/* names[v] when the table has it, else `fmt` (one %u) formatted into buf. */
static const char *dns_lookup(const char *const *names, size_t n, unsigned v, const char *fmt, char *buf,
			      size_t cap)
{
	if (v < n && names[v])
		return names[v];
	snprintf(buf, cap, fmt, v);
	return buf;
}

#define DNS_N(a) (sizeof(a) / sizeof((a)[0]))

static const char *dns_opcode_text(uint8_t op, char *buf, size_t cap)
{
	const char *s = dns_opcode_name(op);
	if (s)
		return s;
	snprintf(buf, cap, "Unknown operation (%u)", op);
	return buf;
}

static const char *dns_rcode_text(uint16_t rc, char *buf, size_t cap)
{
	const char *s = dns_rcode_name(rc);
	if (s)
		return s;
	snprintf(buf, cap, "Unknown error (%u)", rc);
	return buf;
}

/* Zeek's names (base/protocols/dns/consts.zeek) for the record. */
static const char *dns_zeek_rcode(uint16_t rc, char *buf, size_t cap)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
					     "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
					     "NOTZONE", NULL, NULL, NULL, NULL, NULL, "BADVERS", "BADKEY",
					     "BADTIME", "BADMODE", "BADNAME", "BADALG", "BADTRUNC",
					     "BADCOOKIE" };
	return dns_lookup(names, DNS_N(names), rc, "rcode-%u", buf, cap);
}

static const char *dns_zeek_qclass(uint16_t c, char *buf, size_t cap)
{
	switch (c) {
	case 1: return "C_INTERNET";
	case 2: return "C_CSNET";
	case 3: return "C_CHAOS";
	case 4: return "C_HESIOD";
	case 254: return "C_NONE";
	case 255: return "C_ANY";
	}
	snprintf(buf, cap, "qclass-%u", c);
	return buf;
}

static const char *dns_zeek_qtype(uint16_t t, char *buf, size_t cap)
{
	if (t == 255)
		return "*";
	const char *s = dns_type_name(t);
	if (s && t)
		return s;
	snprintf(buf, cap, "query-%u", t);
	return buf;
}

/* ---- small helpers ------------------------------------------------------------------------ */

static struct proto_res dns_res(uint8_t status, uint32_t consumed, uint32_t needed)
{
	struct proto_res r = { status, consumed, needed };
	return r;
}

static uint8_t dns_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static uint32_t dns_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ dns_lower((uint8_t)s[i])) * 16777619u;
	return h;
}

static int dns_ieq(const char *a, size_t an, const char *b, size_t bn)
{
	return an == bn && proto_ascii_ieq((const uint8_t *)a, b, an);
}

/* Copies `n` bytes into the packet's scratch (field values must live until the packet is done);
 * an empty slice when it is full. */
static struct slice dns_keep(struct dns_state *st, const char *s, size_t n)
{
	struct slice r = { NULL, 0 };
	if (n > (size_t)DNS_SCRATCH - st->sused)
		return r;
	memcpy(st->scratch + st->sused, s, n);
	r.p = (const uint8_t *)st->scratch + st->sused;
	r.len = (uint32_t)n;
	st->sused = (uint16_t)(st->sused + n);
	return r;
}

static void dns_field_str(struct proto_ctx *ctx, struct dns_state *st, uint8_t fid, const char *s, size_t n)
{
	if (!ctx->out)
		return;
	/* owner names repeat: share a copy this packet already holds */
	const struct proto_pkt *o = ctx->out;
	for (uint16_t i = 0; i < o->nfv; i++) {
		const struct proto_fv *f = &o->fv[i];
		if ((f->key >> 8) == ctx->proto_idx + 1u && f->type == PF_STR && f->len == n && n &&
		    f->v.p >= (const uint8_t *)st->scratch && f->v.p < (const uint8_t *)st->scratch + DNS_SCRATCH &&
		    memcmp(f->v.p, s, n) == 0) {
			proto_field_s(ctx, fid, (struct slice){ f->v.p, (uint32_t)n });
			return;
		}
	}
	struct slice v = dns_keep(st, s, n);
	if (v.p || !n)
		proto_field_s(ctx, fid, v);
	else
		ctx->out->dropped++;
}

static void dns_field_addr(struct proto_ctx *ctx, uint8_t fid, const uint8_t *a, uint32_t n)
{
	if (!ctx->out)
		return;
	proto_field_s(ctx, fid, (struct slice){ a, n }); /* the registry reads it by dns_fields' type */
}

static void dns_field_u(struct proto_ctx *ctx, uint8_t fid, uint64_t v)
{
	if (ctx->out)
		proto_field_u(ctx, fid, v);
}

static void dns_anomaly(struct proto_ctx *ctx, struct dns_state *st, enum dns_anom a)
{
	st->anom[a]++;
	ctx->anomalies++;
}

/* ---- names -------------------------------------------------------------------------------- */

/* One message being dissected. */
struct dns_walk {
	struct proto_ctx *ctx;
	struct dns_state *st;    /* this direction's state (scratch, anomalies) */
	const uint8_t *m;        /* the message; borrowed for the call */
	uint32_t n;
	uint8_t mdns;            /* mDNS rules: QU/QM questions, cache-flush bit */
	uint8_t partial;         /* only a prefix of the message is here (no "[Malformed Packet]") */
	uint8_t malformed;
	uint16_t id, flags, qd, an, ns, ar;
	uint16_t ext_rcode;      /* rcode with the OPT record's upper bits */
	uint8_t have_q;
	uint16_t qtype, qclass, qlen;
	char qname[DNS_TEXT];
	/* answer section, for the record and the names learned */
	uint16_t nans;
	struct dns_ans {
		uint16_t type;
		uint32_t ttl;
		uint16_t owner_off, owner_len, text_off, text_len;
		const uint8_t *addr;  /* A/AAAA: into the message */
	} ans[DNS_ANS_MAX];
	uint16_t tused;
	char text[4096];         /* owners and answer texts of ans[] */
};

/* Reads the name at *r into out (DNS_TEXT bytes; see dns_name_read), counting what was wrong with
 * it. Returns 0, or -1 when the message ended inside the name (*r's status is set). */
static int dns_name(struct dns_walk *w, struct rd *r, char *out, uint16_t *olen)
{
	int kind = dns_name_read(r, w->m, w->n, out, olen);
	if (kind == DNS_NAME_LOOP)
		dns_anomaly(w->ctx, w->st, DNS_A_LOOP);
	else if (kind == DNS_NAME_LONG)
		dns_anomaly(w->ctx, w->st, DNS_A_NAME_LONG);
	else if (kind == DNS_NAME_EXT)
		dns_anomaly(w->ctx, w->st, DNS_A_LABEL_TYPE);
	return kind < 0 ? -1 : 0;
}

/* A <character-string> (length byte + bytes). */
static struct slice dns_cstr(struct rd *r)
{
	uint8_t n = rd_u8(r);
	const uint8_t *p = rd_bytes(r, n);
	struct slice s = { p, p ? n : 0 };
	return s;
}

/* ---- records and questions ---------------------------------------------------------------- */

static void dns_info(struct dns_walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dns_info(struct dns_walk *w, const char *fmt, ...)
{
	if (!w->ctx->out)
		return;
	char buf[DNS_TEXT + 64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof buf)
		n = (int)sizeof buf - 1;
	proto_info_append_bytes(w->ctx, (struct slice){ (const uint8_t *)buf, (uint32_t)n });
}

/* Keeps text in the walk's buffer (answers for the record); returns its offset or UINT16_MAX. */
static uint16_t dns_text_keep(struct dns_walk *w, const char *s, size_t n)
{
	if (n > sizeof w->text - w->tused)
		return UINT16_MAX;
	uint16_t off = w->tused;
	memcpy(w->text + off, s, n);
	w->tused = (uint16_t)(w->tused + n);
	return off;
}

static void dns_question(struct dns_walk *w, struct rd *r, int first)
{
	char name[DNS_TEXT], tb[24];
	uint16_t nlen;
	if (dns_name(w, r, name, &nlen) < 0)
		return;
	uint16_t type = rd_be16(r), cls = rd_be16(r);
	if (!rd_ok(r))
		return;
	dns_info(w, " %s %s", dns_type_text(type, tb, sizeof tb), name);
	if (w->mdns)
		dns_info(w, ", \"%s\" question", cls & 0x8000 ? "QU" : "QM");
	dns_field_str(w->ctx, w->st, DF_QNAME, name, nlen);
	dns_field_u(w->ctx, DF_QTYPE, type);
	dns_field_u(w->ctx, DF_QCLASS, w->mdns ? cls & 0x7fff : cls);
	if (first) {
		w->have_q = 1;
		w->qtype = type;
		w->qclass = w->mdns ? cls & 0x7fff : cls;
		w->qlen = nlen;
		memcpy(w->qname, name, nlen + 1u);
	}
}

/* Appends an answer to the record's list (text: what Zeek's "answers" shows). */
static void dns_answer_add(struct dns_walk *w, uint16_t type, uint32_t ttl, const char *owner, uint16_t olen,
			   const char *text, size_t tlen, const uint8_t *addr)
{
	if (w->nans >= DNS_ANS_MAX)
		return;
	uint16_t o = dns_text_keep(w, owner, olen), t = dns_text_keep(w, text, tlen);
	if (o == UINT16_MAX || t == UINT16_MAX)
		return;
	struct dns_ans *a = &w->ans[w->nans++];
	a->type = type;
	a->ttl = ttl;
	a->owner_off = o;
	a->owner_len = olen;
	a->text_off = t;
	a->text_len = (uint16_t)tlen;
	a->addr = addr;
}

/* EDNS options (RFC 6891 6.1.2): walked for their framing only. */
static void dns_opt_options(struct dns_walk *w, struct rd *d)
{
	for (int i = 0; i < DNS_OPT_MAX && rd_left(d); i++) {
		(void)rd_be16(d);
		uint16_t olen = rd_be16(d);
		rd_skip(d, olen);
		if (!rd_ok(d)) {
			dns_anomaly(w->ctx, w->st, DNS_A_RDATA);
			return;
		}
	}
}

/* SVCB/HTTPS (RFC 9460): "prio target key=value ..." with alpn, port, ipv4hint, ipv6hint
 * decoded, other keys by number. */
static size_t dns_svcb_text(struct dns_walk *w, struct rd *d, char *out, size_t cap)
{
	char tgt[DNS_TEXT];
	uint16_t tlen;
	uint16_t prio = rd_be16(d);
	if (!rd_ok(d) || dns_name(w, d, tgt, &tlen) < 0)
		return 0;
	size_t n = (size_t)snprintf(out, cap, "%u %s", prio, tgt);
	for (int i = 0; i < DNS_SVC_MAX && rd_left(d) && n < cap; i++) {
		uint16_t key = rd_be16(d), vlen = rd_be16(d);
		struct rd v = rd_sub(d, vlen);
		if (!rd_ok(d))
			break;
		static const char *const keys[] = { "mandatory", "alpn", "no-default-alpn", "port",
						    "ipv4hint", "ech", "ipv6hint" };
		if (key < sizeof keys / sizeof keys[0])
			n += (size_t)snprintf(out + n, cap - n, " %s", keys[key]);
		else
			n += (size_t)snprintf(out + n, cap - n, " key%u", key);
		for (int k = 0; rd_left(&v) && n < cap && k < 64; k++) {
			const char *sep = k ? "," : "=";
			char ab[INET6_ADDRSTRLEN];
			if (key == 1) {
				struct slice s = dns_cstr(&v);
				if (!rd_ok(&v))
					break;
				n += (size_t)snprintf(out + n, cap - n, "%s%.*s", sep, (int)s.len, (const char *)s.p);
			} else if (key == 3) {
				n += (size_t)snprintf(out + n, cap - n, "%s%u", sep, rd_be16(&v));
			} else if (key == 4 || key == 6) {
				const uint8_t *a = rd_bytes(&v, key == 4 ? 4 : 16);
				if (!a || !inet_ntop(key == 4 ? AF_INET : AF_INET6, a, ab, sizeof ab))
					break;
				n += (size_t)snprintf(out + n, cap - n, "%s%s", sep, ab);
			} else {
				break;
			}
		}
	}
	return n < cap ? n : cap - 1;
}

/* One resource record of any section (sec 1 answer, 2 authority, 3 additional). */
static void dns_rr(struct dns_walk *w, struct rd *r, int sec)
{
	struct proto_ctx *ctx = w->ctx;
	char owner[DNS_TEXT], name[DNS_TEXT], tb[24], text[DNS_TEXT + 64];
	uint16_t olen, nlen;
	size_t tlen = 0;
	const uint8_t *addr = NULL;
	if (dns_name(w, r, owner, &olen) < 0)
		return;
	uint16_t type = rd_be16(r), cls = rd_be16(r);
	uint32_t ttl = rd_be32(r);
	uint16_t rdlen = rd_be16(r);
	if (!rd_ok(r))
		return;
	dns_info(w, " %s", dns_type_text(type, tb, sizeof tb));
	if (w->mdns && (cls & 0x8000) && type != 41)
		dns_info(w, ", cache flush");
	if (type != 33) /* tshark splits an SRV owner into dns.srv.service/proto/name instead */
		dns_field_str(ctx, w->st, DF_RNAME, owner, olen);
	dns_field_u(ctx, DF_RTYPE, type);
	if (type != 41)
		dns_field_u(ctx, DF_TTL, ttl);
	struct rd rest = *r; /* the rest of the message from the record data on */
	struct rd d = rd_sub(r, rdlen);
	if (!rdlen)
		goto done;
	switch (type) {
	case 1:  /* A */
	case 28: /* AAAA */ {
		uint32_t al = type == 1 ? 4 : 16;
		if (rdlen != al)
			dns_anomaly(ctx, w->st, DNS_A_RDATA);
		/* tshark reads the address even when the record data is shorter */
		struct rd ad = rdlen < al ? rest : d;
		addr = rd_bytes(&ad, al);
		if (!addr)
			break;
		inet_ntop(type == 1 ? AF_INET : AF_INET6, addr, text, sizeof text);
		tlen = strlen(text);
		dns_info(w, " %s", text);
		dns_field_addr(ctx, type == 1 ? DF_A : DF_AAAA, addr, al);
		if (rdlen != al) { /* columns as tshark; no answer or name from bytes not the record's */
			addr = NULL;
			tlen = 0;
		}
		break;
	}
	case 2:  /* NS */
	case 5:  /* CNAME */
	case 12: /* PTR */
	case 39: /* DNAME */
	case 6:  /* SOA: the primary server's name shows */
	case 47: /* NSEC: the next owner name shows */
		if (dns_name(w, &d, name, &nlen) < 0)
			break;
		if (type != 39)
			dns_info(w, " %s", name);
		memcpy(text, name, nlen);
		tlen = nlen;
		if (type == 2)
			dns_field_str(ctx, w->st, DF_NS, name, nlen);
		else if (type == 5)
			dns_field_str(ctx, w->st, DF_CNAME, name, nlen);
		else if (type == 12)
			dns_field_str(ctx, w->st, DF_PTR, name, nlen);
		else if (type == 6)
			dns_field_str(ctx, w->st, DF_SOA_MNAME, name, nlen);
		break;
	case 15: /* MX */ {
		uint16_t pref = rd_be16(&d);
		if (!rd_ok(&d) || dns_name(w, &d, name, &nlen) < 0)
			break;
		dns_info(w, " %u %s", pref, name);
		dns_field_str(ctx, w->st, DF_MX, name, nlen);
		memcpy(text, name, nlen);
		tlen = nlen;
		break;
	}
	case 16: /* TXT */
	case 99: /* SPF */
		for (int i = 0; i < 256 && rd_left(&d); i++) {
			struct slice s = dns_cstr(&d);
			if (!rd_ok(&d))
				break;
			if (type == 16)
				dns_field_str(ctx, w->st, DF_TXT, (const char *)s.p, s.len);
			if (tlen + s.len + 16 < sizeof text)
				tlen += (size_t)snprintf(text + tlen, sizeof text - tlen, "%sTXT %u %.*s",
							 i ? " " : "", s.len, (int)s.len, (const char *)s.p);
		}
		break;
	case 33: /* SRV */ {
		uint16_t prio = rd_be16(&d), weight = rd_be16(&d), port = rd_be16(&d);
		if (!rd_ok(&d) || dns_name(w, &d, name, &nlen) < 0)
			break;
		dns_info(w, " %u %u %u %s", prio, weight, port, name);
		dns_field_str(ctx, w->st, DF_SRV_TARGET, name, nlen);
		memcpy(text, name, nlen);
		tlen = nlen;
		break;
	}
	case 35: /* NAPTR */ {
		uint16_t order = rd_be16(&d), pref = rd_be16(&d);
		struct slice flags = dns_cstr(&d), svc = dns_cstr(&d), re = dns_cstr(&d);
		if (!rd_ok(&d) || dns_name(w, &d, name, &nlen) < 0)
			break;
		dns_info(w, " %u %u %.*s", order, pref, (int)flags.len, (const char *)flags.p);
		tlen = (size_t)snprintf(text, sizeof text, "%u %u %.*s %.*s %.*s %s", order, pref, (int)flags.len,
					(const char *)flags.p, (int)svc.len, (const char *)svc.p, (int)re.len,
					(const char *)re.p, name);
		break;
	}
	case 257: /* CAA */ {
		uint8_t fl = rd_u8(&d);
		struct slice tag = dns_cstr(&d);
		uint32_t vl = rd_left(&d);
		const uint8_t *v = rd_bytes(&d, vl);
		if (!rd_ok(&d))
			break;
		tlen = (size_t)snprintf(text, sizeof text, "%u %.*s \"%.*s\"", fl, (int)tag.len, (const char *)tag.p,
					(int)vl, v ? (const char *)v : "");
		break;
	}
	case 64: /* SVCB */
	case 65: /* HTTPS */
		tlen = dns_svcb_text(w, &d, text, sizeof text);
		break;
	case 41: /* OPT: class is the UDP payload size, TTL holds the upper rcode bits */
		w->ext_rcode = (uint16_t)(((ttl >> 24) & 0xff) << 4 | (w->flags & 0xf));
		dns_opt_options(w, &d);
		break;
	default: /* DS, RRSIG, DNSKEY and the rest: by name only */
		break;
	}
	if (d.status == RD_TRUNC && rd_ok(r))
		dns_anomaly(ctx, w->st, DNS_A_RDATA); /* the data is shorter than its type needs */
done:
	if (!tlen && type != 41)
		tlen = (size_t)snprintf(text, sizeof text, "<%s>", dns_type_text(type, tb, sizeof tb));
	if (sec == 1 && type != 41)
		dns_answer_add(w, type, ttl, owner, olen, text, tlen < sizeof text ? tlen : sizeof text - 1, addr);
}

/* ---- names learned ------------------------------------------------------------------------ */

/* Address of a reverse-lookup name (d.c.b.a.in-addr.arpa, 32 nibbles .ip6.arpa); its length or 0. */
static uint8_t dns_rev_addr(const char *s, size_t n, uint8_t *a)
{
	static const char v4[] = ".in-addr.arpa", v6[] = ".ip6.arpa";
	if (n > sizeof v4 - 1 && proto_ascii_ieq((const uint8_t *)s + n - (sizeof v4 - 1), v4, sizeof v4 - 1)) {
		size_t end = n - (sizeof v4 - 1);
		uint32_t oct[4];
		int k = 0;
		size_t i = 0;
		while (i < end && k < 4) {
			uint32_t v = 0;
			size_t st = i;
			while (i < end && s[i] >= '0' && s[i] <= '9' && i - st < 3)
				v = v * 10 + (uint32_t)(s[i++] - '0');
			if (i == st || v > 255 || (i < end && s[i] != '.'))
				return 0;
			oct[k++] = v;
			i++;
		}
		if (k != 4 || i < end)
			return 0;
		for (int j = 0; j < 4; j++)
			a[j] = (uint8_t)oct[3 - j];
		return 4;
	}
	if (n == 63 + sizeof v6 - 1 && proto_ascii_ieq((const uint8_t *)s + 63, v6, sizeof v6 - 1)) {
		memset(a, 0, 16);
		for (int j = 0; j < 32; j++) {
			char c = (char)dns_lower((uint8_t)s[2 * j]);
			int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
			if (v < 0 || s[2 * j + 1] != '.')
				return 0;
			int nib = 31 - j; /* first label is the lowest nibble */
			a[nib / 2] |= (uint8_t)(nib % 2 ? v : v << 4);
		}
		return 16;
	}
	return 0;
}

/* Every A/AAAA answer names its address by its owner and by the aliases (CNAMEs) leading to
 * it; every PTR answer names the address its owner encodes. */
static void dns_names_emit(struct dns_walk *w)
{
	for (uint16_t i = 0; i < w->nans; i++) {
		const struct dns_ans *a = &w->ans[i];
		const char *owner = w->text + a->owner_off;
		if (a->type == 12) {
			uint8_t ad[16];
			uint8_t al = dns_rev_addr(owner, a->owner_len, ad);
			if (al)
				proto_emit_name(w->ctx, ad, al, (struct slice){ (const uint8_t *)w->text + a->text_off,
										a->text_len }, "dns");
			continue;
		}
		if ((a->type != 1 && a->type != 28) || !a->addr)
			continue;
		uint8_t al = a->type == 1 ? 4 : 16;
		const char *cur = owner;
		uint16_t clen = a->owner_len;
		for (int step = 0; step < 8; step++) {
			proto_emit_name(w->ctx, a->addr, al, (struct slice){ (const uint8_t *)cur, clen }, "dns");
			int found = 0;
			for (uint16_t j = 0; j < w->nans && !found; j++) {
				const struct dns_ans *c = &w->ans[j];
				if (c->type == 5 && dns_ieq(w->text + c->text_off, c->text_len, cur, clen) &&
				    !dns_ieq(w->text + c->owner_off, c->owner_len, cur, clen)) {
					cur = w->text + c->owner_off;
					clen = c->owner_len;
					found = 1;
				}
			}
			if (!found)
				break;
		}
	}
}

/* ---- query/response pairing and the "dns" record ----------------------------------------- */

static void dns_rec_flags(struct proto_rec *r, uint16_t flags)
{
	proto_rec_bool(r, "AA", flags & 0x0400);
	proto_rec_bool(r, "TC", flags & 0x0200);
	proto_rec_bool(r, "RD", flags & 0x0100);
	proto_rec_bool(r, "RA", flags & 0x0080);
	proto_rec_u(r, "Z", (flags >> 4) & 0x7);
}

/* Record of a query nobody answered. */
static void dns_emit_unanswered(struct proto_ctx *ctx, const struct dns_pend *p)
{
	if (!proto_records_on(ctx))
		return;
	char b1[24], b2[24];
	struct proto_rec r;
	proto_rec_init(&r, "dns");
	proto_rec_cstr(&r, "proto", p->tcp ? "tcp" : "udp");
	proto_rec_u(&r, "trans_id", p->id);
	proto_rec_str(&r, "query", (struct slice){ (const uint8_t *)p->name, p->nlen });
	proto_rec_u(&r, "qclass", p->qclass);
	proto_rec_cstr(&r, "qclass_name", dns_zeek_qclass(p->qclass, b1, sizeof b1));
	proto_rec_u(&r, "qtype", p->qtype);
	proto_rec_cstr(&r, "qtype_name", dns_zeek_qtype(p->qtype, b2, sizeof b2));
	dns_rec_flags(&r, p->flags);
	proto_rec_bool(&r, "rejected", 0);
	proto_rec_time(&r, "query_ts", p->ts_ns);
	proto_emit(ctx, &r);
}

static void dns_pend_add(struct dns_walk *w)
{
	struct dns_state *st = w->st;
	uint32_t h = dns_hash(w->qname, w->qlen);
	int freei = -1, oldest = -1;
	for (int i = 0; i < DNS_PEND_MAX; i++) {
		struct dns_pend *p = &st->pend[i];
		if (!p->used) {
			if (freei < 0)
				freei = i;
			continue;
		}
		if (p->id == w->id && p->hash == h && p->qtype == w->qtype)
			return; /* a retransmission: the first one stays */
		if (oldest < 0 || p->ts_ns < st->pend[oldest].ts_ns)
			oldest = i;
	}
	if (freei < 0) {
		dns_anomaly(w->ctx, st, DNS_A_PEND_FULL);
		dns_emit_unanswered(w->ctx, &st->pend[oldest]);
		st->pend[oldest].used = 0;
		st->npend--;
		freei = oldest;
	}
	struct dns_pend *p = &st->pend[freei];
	memset(p, 0, sizeof *p);
	p->used = 1;
	p->ts_ns = w->ctx->ts_ns;
	p->hash = h;
	p->id = w->id;
	p->qtype = w->qtype;
	p->qclass = w->qclass;
	p->flags = w->flags;
	p->tcp = w->ctx->l4 != PROTO_L4_UDP;
	p->nlen = (uint8_t)(w->qlen < DNS_PEND_NAME ? w->qlen : DNS_PEND_NAME);
	for (uint8_t i = 0; i < p->nlen; i++)
		p->name[i] = (char)dns_lower((uint8_t)w->qname[i]);
	st->npend++;
}

/* The waiting query a response answers (in the other direction's state), taken out. */
static int dns_pend_take(struct dns_walk *w, struct dns_pend *out)
{
	struct dns_state *peer = w->ctx->peer;
	if (!peer)
		return 0;
	uint32_t h = w->have_q ? dns_hash(w->qname, w->qlen) : 0;
	for (int i = 0; i < DNS_PEND_MAX; i++) {
		struct dns_pend *p = &peer->pend[i];
		if (!p->used || p->id != w->id || (w->have_q && (p->hash != h || p->qtype != w->qtype)))
			continue;
		*out = *p;
		p->used = 0;
		peer->npend--;
		return 1;
	}
	return 0;
}

static void dns_emit_response(struct dns_walk *w)
{
	struct proto_ctx *ctx = w->ctx;
	struct dns_pend q;
	int have = dns_pend_take(w, &q);
	char b1[24], b2[24], b3[24], lname[DNS_TEXT];
	struct proto_rec r;
	proto_rec_init(&r, "dns");
	proto_rec_cstr(&r, "proto", ctx->l4 == PROTO_L4_UDP ? "udp" : "tcp");
	proto_rec_u(&r, "trans_id", w->id);
	if (have)
		proto_rec_dur(&r, "rtt", ctx->ts_ns - q.ts_ns);
	if (w->have_q) {
		for (uint16_t i = 0; i < w->qlen; i++)
			lname[i] = (char)dns_lower((uint8_t)w->qname[i]);
		proto_rec_str(&r, "query", (struct slice){ (const uint8_t *)lname, w->qlen });
	} else if (have) {
		proto_rec_str(&r, "query", (struct slice){ (const uint8_t *)q.name, q.nlen });
	}
	if (w->have_q || have) {
		uint16_t qc = w->have_q ? w->qclass : q.qclass, qt = w->have_q ? w->qtype : q.qtype;
		proto_rec_u(&r, "qclass", qc);
		proto_rec_cstr(&r, "qclass_name", dns_zeek_qclass(qc, b1, sizeof b1));
		proto_rec_u(&r, "qtype", qt);
		proto_rec_cstr(&r, "qtype_name", dns_zeek_qtype(qt, b2, sizeof b2));
	}
	proto_rec_u(&r, "rcode", w->ext_rcode);
	proto_rec_cstr(&r, "rcode_name", dns_zeek_rcode(w->ext_rcode, b3, sizeof b3));
	dns_rec_flags(&r, w->flags);
	for (uint16_t i = 0; i < w->nans; i++)
		proto_rec_push_str(&r, "answers",
				   (struct slice){ (const uint8_t *)w->text + w->ans[i].text_off, w->ans[i].text_len });
	for (uint16_t i = 0; i < w->nans; i++)
		proto_rec_push_u(&r, "TTLs", w->ans[i].ttl);
	/* rejected: the server refused, or answered without echoing any question or record */
	int rejected = (w->flags & 0xf) == 5 || (!w->qd && !w->an && !w->ns && !w->ar);
	proto_rec_bool(&r, "rejected", rejected);
	if (w->malformed)
		proto_rec_bool(&r, "malformed", 1);
	proto_emit(ctx, &r);
}

/* ---- one message --------------------------------------------------------------------------- */

/* Dissects one message: columns and fields when ctx->out is set, the record when records are on.
 * `partial`: m is only the first part of the message (a TCP message too long to keep whole). */
static void dns_message(struct proto_ctx *ctx, const uint8_t *m, uint32_t n, int mdns, int partial)
{
	struct dns_walk w;
	memset(&w, 0, offsetof(struct dns_walk, text));
	w.ctx = ctx;
	w.st = ctx->state;
	w.m = m;
	w.n = n;
	w.mdns = (uint8_t)mdns;
	w.partial = (uint8_t)partial;
	w.st->msgs++;
	struct rd r = rd_make(m, n);
	proto_info_clear(ctx);
	w.id = rd_be16(&r);
	w.flags = rd_be16(&r);
	w.qd = rd_be16(&r);
	w.an = rd_be16(&r);
	w.ns = rd_be16(&r);
	w.ar = rd_be16(&r);
	if (!rd_ok(&r)) {
		dns_anomaly(ctx, w.st, DNS_A_TRUNC);
		if (!partial)
			proto_info_append(ctx, "[Malformed Packet]");
		return;
	}
	int resp = (w.flags & 0x8000) != 0;
	uint8_t opcode = (uint8_t)((w.flags >> 11) & 0xf);
	w.ext_rcode = w.flags & 0xf;
	char b1[48], b2[48];
	dns_info(&w, "%s%s 0x%04x", dns_opcode_text(opcode, b1, sizeof b1), resp ? " response" : "", w.id);
	if (resp && (w.flags & 0xf))
		dns_info(&w, " %s", dns_rcode_text(w.flags & 0xf, b2, sizeof b2));
	dns_field_u(ctx, DF_ID, w.id);
	dns_field_u(ctx, DF_RESPONSE, resp);
	dns_field_u(ctx, DF_OPCODE, opcode);
	if (resp)
		dns_field_u(ctx, DF_RCODE, w.flags & 0xf);
	dns_field_u(ctx, DF_TRUNCATED, (w.flags & 0x0200) != 0);
	if (opcode != 5) { /* an update's counts are zones, prerequisites and updates */
		dns_field_u(ctx, DF_NQ, w.qd);
		dns_field_u(ctx, DF_NAN, w.an);
		dns_field_u(ctx, DF_NNS, w.ns);
	}
	dns_field_u(ctx, DF_NAR, w.ar);
	uint32_t walked = 0;
	for (uint32_t i = 0; i < w.qd && rd_ok(&r); i++) {
		if (walked++ >= DNS_RR_MAX) {
			dns_anomaly(ctx, w.st, DNS_A_RR_CAP);
			break;
		}
		dns_question(&w, &r, i == 0);
	}
	const uint16_t cnt[3] = { w.an, w.ns, w.ar };
	for (int sec = 0; sec < 3; sec++)
		for (uint32_t i = 0; i < cnt[sec] && rd_ok(&r); i++) {
			if (walked++ >= DNS_RR_MAX) {
				dns_anomaly(ctx, w.st, DNS_A_RR_CAP);
				break;
			}
			dns_rr(&w, &r, sec + 1);
		}
	if (!rd_ok(&r)) {
		dns_anomaly(ctx, w.st, DNS_A_TRUNC);
		w.malformed = 1;
		if (!partial)
			proto_info_append(ctx, "[Malformed Packet]");
	}
	if (!proto_records_on(ctx))
		return;
	if (opcode == 0)
		dns_names_emit(&w);
	if (!resp) {
		if (w.have_q)
			dns_pend_add(&w);
	} else {
		dns_emit_response(&w);
	}
}

/* ---- transports ----------------------------------------------------------------------------- */

/* Protocol column of a UDP datagram by its ports, tshark's way (the lower port is tried first);
 * NULL when neither port is a DNS port. */
static const char *dns_udp_col(uint16_t sport, uint16_t dport)
{
	uint16_t p[2] = { sport < dport ? sport : dport, sport < dport ? dport : sport };
	for (int i = 0; i < 2; i++) {
		if (p[i] == 53)
			return "DNS";
		if (p[i] == 5353)
			return "MDNS";
		if (p[i] == 5355)
			return "LLMNR";
	}
	return NULL;
}

/* Wireshark 4.0's UDP heuristic for DNS on other ports: a standard-opcode message whose counts
 * look like a query or a modest response and fit in its `msglen` bytes (hdr: at least its
 * first bytes). */
static int dns_ws_heuristic_len(struct slice hdr, uint32_t msglen)
{
	struct rd r = rd_make(hdr.p, hdr.len);
	if (msglen <= DNS_HDR)
		return 0;
	rd_skip(&r, 2);
	uint16_t flags = rd_be16(&r), qd = rd_be16(&r), an = rd_be16(&r), ns = rd_be16(&r), ar = rd_be16(&r);
	if (!rd_ok(&r) || (flags & 0x7800))
		return 0;
	if (!(flags & 0x8000)) {
		if (qd != 1 || an || ns)
			return 0;
	} else if (qd > 1 || an > 100 || ns > 10) {
		return 0;
	}
	if (ar > 10 || qd + an == 0)
		return 0;
	return (uint32_t)qd * 6 + ((uint32_t)an + ns + ar) * 11 <= msglen - DNS_HDR;
}

static int dns_ws_heuristic(struct slice d)
{
	return dns_ws_heuristic_len(d, d.len);
}

/* Strict content check of a message of `msglen` bytes whose first d.len bytes are here: the
 * heuristic above, plus a well-formed first question of a known class whose name is not
 * NetBIOS's encoded form. 1 yes, 0 no, -1 the bytes ran out first. */
static int dns_plausible(struct slice d, uint32_t msglen)
{
	if (d.len < DNS_HDR)
		return -1;
	if (!dns_ws_heuristic_len(d, msglen))
		return 0;
	struct rd r = rd_make(d.p, d.len);
	rd_skip(&r, 4);
	if (!rd_be16(&r))
		return 1; /* a response without question: the counts had to do */
	rd_skip(&r, 6);
	uint32_t total = 0, labels = 0, nb = 0;
	for (;;) {
		uint8_t b = rd_u8(&r);
		if (!rd_ok(&r))
			return -1;
		if ((b & 0xc0) == 0x40 || (b & 0xc0) == 0x80)
			return 0;
		if ((b & 0xc0) == 0xc0) {
			(void)rd_u8(&r);
			break;
		}
		if (!b)
			break;
		const uint8_t *l = rd_bytes(&r, b);
		if (!l)
			return -1;
		if ((total += b + 1u) > 255 || ++labels > 127)
			return 0;
		if (labels == 1 && b == 32) {
			nb = 1;
			for (int i = 0; i < 32; i++)
				nb &= l[i] >= 'A' && l[i] <= 'P';
		}
		for (uint32_t i = 0; i < b; i++)
			if (l[i] < 0x20 || l[i] == 0x7f)
				return 0;
	}
	(void)rd_be16(&r);
	uint16_t cls = rd_be16(&r) & 0x7fff;
	if (!rd_ok(&r))
		return -1;
	if (nb)
		return 0;
	return cls == 1 || cls == 3 || cls == 4 || cls == 254 || cls == 255;
}

static enum proto_probe dns_probe(uint8_t l4, struct slice d)
{
	if (l4 == PROTO_L4_UDP)
		return dns_plausible(d, d.len) == 1 ? PROBE_YES : PROBE_NO;
	struct rd r = rd_make(d.p, d.len);
	uint16_t len = rd_be16(&r);
	if (!rd_ok(&r))
		return PROBE_MAYBE;
	if (len <= DNS_HDR)
		return PROBE_NO;
	struct slice m = { d.p + 2, d.len - 2 < len ? d.len - 2 : len };
	int v = dns_plausible(m, len);
	return v > 0 ? PROBE_YES : v < 0 ? PROBE_MAYBE : PROBE_NO;
}

/* The detail tree of one message (-V only), with the conversation's transactions. */
static void dns_draw(struct proto_ctx *ctx, struct slice m, const char *col, int tcp)
{
	if (!proto_tree_on(ctx))
		return;
	struct dns_state *o = ctx->is_orig ? ctx->state : ctx->peer;
	uint8_t kind = col && !strcmp(col, "MDNS") ? DNS_TREE_MDNS : col && !strcmp(col, "LLMNR") ? DNS_TREE_LLMNR
												    : DNS_TREE_DNS;
	dns_tree(ctx, m, kind, tcp, o ? &o->ttab : NULL);
}

static void dns_scratch_reset(struct proto_ctx *ctx, struct dns_state *st)
{
	if (!ctx->frame || ctx->frame != st->scratch_frame) {
		st->sused = 0;
		st->scratch_frame = ctx->frame;
	}
}

static int dns_tcp_port(uint16_t p)
{
	return p == 53 || p == 5353;
}

/* TCP: one call per message boundary. A message is presented whole when it fits the flow's
 * tail (consumed 0 until it is complete); a longer one is absorbed as it passes, its first
 * DNS_BIG_KEEP bytes kept and dissected when it ends. */
static struct proto_res dns_parse_tcp(struct proto_ctx *ctx, struct slice d)
{
	struct dns_state *st = ctx->state;
	struct proto_pkt *out = ctx->out;
	if (!dns_tcp_port(ctx->sport) && !dns_tcp_port(ctx->dport) && (ctx->sport || ctx->dport))
		ctx->out = NULL; /* tshark does not look for DNS on other TCP ports */
	struct proto_res res;
	if (st->left) {
		uint32_t take = d.len < st->left ? d.len : st->left;
		uint32_t room = (uint32_t)DNS_BIG_KEEP - st->bighave;
		uint32_t k = take < room ? take : room;
		if (!st->bigholes) {
			memcpy(st->big + st->bighave, d.p, k);
			st->bighave = (uint16_t)(st->bighave + k);
		}
		st->left -= take;
		if (st->left) {
			res = dns_res(PROTO_NEED_MORE, take, st->left);
		} else {
			if (!st->bigholes) {
				dns_scratch_reset(ctx, st);
				dns_message(ctx, st->big, st->bighave, 0, 1);
				if (ctx->out)
					proto_col_proto(ctx, "DNS");
			}
			st->bighave = 0;
			st->bigholes = 0;
			res = dns_res(PROTO_OK, take, 0);
		}
		ctx->out = out;
		return res;
	}
	struct rd r = rd_make(d.p, d.len);
	uint16_t len = rd_be16(&r);
	if (!rd_ok(&r)) {
		res = dns_res(PROTO_NEED_MORE, 0, 2 - d.len);
	} else if (d.len - 2u >= len) {
		dns_scratch_reset(ctx, st);
		dns_message(ctx, d.p + 2, len, 0, 0);
		dns_draw(ctx, (struct slice){ d.p + 2, len }, "DNS", 1);
		if (ctx->out)
			proto_col_proto(ctx, "DNS");
		res = dns_res(PROTO_OK, 2u + len, 0);
	} else if (2u + len <= DNS_TAIL_MAX) {
		res = dns_res(PROTO_NEED_MORE, 0, 2u + len - d.len);
	} else {
		st->bighave = (uint16_t)(d.len - 2 < DNS_BIG_KEEP ? d.len - 2 : DNS_BIG_KEEP);
		memcpy(st->big, d.p + 2, st->bighave);
		st->left = len - (d.len - 2);
		res = dns_res(PROTO_NEED_MORE, d.len, st->left);
	}
	ctx->out = out;
	return res;
}

static struct proto_res dns_parse(struct proto_ctx *ctx, uint8_t dir, struct slice d)
{
	(void)dir;
	if (ctx->l4 != PROTO_L4_UDP)
		return dns_parse_tcp(ctx, d);
	struct dns_state *st = ctx->state;
	struct proto_pkt *out = ctx->out;
	const char *col = dns_udp_col(ctx->sport, ctx->dport);
	uint16_t lo = ctx->sport < ctx->dport ? ctx->sport : ctx->dport;
	if (!col && dns_ws_heuristic(d) && lo != 137 && lo != 138)
		col = "DNS"; /* Wireshark's heuristic runs per datagram, after NetBIOS's ports */
	if (!col)
		ctx->out = NULL; /* records only: tshark would not call it DNS */
	dns_scratch_reset(ctx, st);
	dns_message(ctx, d.p, d.len, col && strcmp(col, "MDNS") == 0, 0);
	dns_draw(ctx, d, col, 0);
	if (ctx->out)
		proto_col_proto(ctx, col);
	ctx->out = out;
	return dns_res(PROTO_OK, d.len, 0);
}

static int dns_skip(struct proto_ctx *ctx, uint8_t dir, uint32_t n)
{
	struct dns_state *st = ctx->state;
	(void)dir;
	if (st->left && n < st->left) {
		st->left -= n;
		st->bigholes = 1; /* the kept prefix is not dissected: the message lost bytes */
		return 0;
	}
	return -1;
}

static void dns_flush(struct proto_ctx *ctx, struct dns_state *st)
{
	for (int i = 0; i < DNS_PEND_MAX; i++)
		if (st->pend[i].used) {
			dns_emit_unanswered(ctx, &st->pend[i]);
			st->pend[i].used = 0;
		}
	st->npend = 0;
}

static void dns_flow_end(struct proto_ctx *ctx)
{
	if (ctx->state)
		dns_flush(ctx, ctx->state);
	if (ctx->peer && ctx->peer != ctx->state)
		dns_flush(ctx, ctx->peer);
}

static const uint16_t dns_ports[] = { 53, 5353, 5355, 0 };

const struct proto_desc proto_dns = {
	.name = "dns",
	.l4 = PROTO_L4_TCP | PROTO_L4_UDP,
	/* Wireshark 4.0 finds DNS by content on UDP (per datagram: parse() applies that heuristic and
	 * writes columns only when it holds) but not on TCP (parse() writes no columns off ports
	 * 53/5353) */
	.ws_heuristic = 1,
	.ports = dns_ports,
	.probe = dns_probe,
	.state_size = sizeof(struct dns_state),
	.parse = dns_parse,
	.skip = dns_skip,
	.on_flow_end = dns_flow_end,
	.fields = dns_fields,
	.nfields = sizeof dns_fields / sizeof dns_fields[0],
	.col_name = "DNS",
};
