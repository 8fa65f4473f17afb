/* test_dns.c: DNS (src/proto/dns.c): tshark's Info for queries, answers, rcodes, opcodes, mDNS;
 * names with compression, loops, over-long names and unknown label types; every truncated
 * prefix over UDP and TCP; huge counts; TCP framing fed in every step and long messages;
 * fields; records paired by id and name; names learned; the probe. */
#include "proto_feed.h"

/* ---- building messages ---- */

struct mb {
	uint8_t b[70000];
	uint32_t n;
};

static void mb_u8(struct mb *m, uint8_t v) { m->b[m->n++] = v; }
static void mb_u16(struct mb *m, uint16_t v) { mb_u8(m, (uint8_t)(v >> 8)); mb_u8(m, (uint8_t)v); }
static void mb_u32(struct mb *m, uint32_t v) { mb_u16(m, (uint16_t)(v >> 16)); mb_u16(m, (uint16_t)v); }
static void mb_raw(struct mb *m, const void *p, uint32_t n) { memcpy(m->b + m->n, p, n); m->n += n; }

/* "a.b.c" as labels with the root; "" is the root alone. */
static void mb_name(struct mb *m, const char *s)
{
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		mb_u8(m, (uint8_t)l);
		mb_raw(m, s, (uint32_t)l);
		s += l;
		if (*s == '.')
			s++;
	}
	mb_u8(m, 0);
}

static void mb_hdr(struct mb *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
	m->n = 0;
	mb_u16(m, id);
	mb_u16(m, flags);
	mb_u16(m, qd);
	mb_u16(m, an);
	mb_u16(m, ns);
	mb_u16(m, ar);
}

static void mb_q(struct mb *m, const char *name, uint16_t type, uint16_t cls)
{
	mb_name(m, name);
	mb_u16(m, type);
	mb_u16(m, cls);
}

/* RR header with a pointer owner (0xc00c: the first question's name). */
static void mb_rr(struct mb *m, uint16_t ptr, uint16_t type, uint16_t cls, uint32_t ttl, uint16_t rdlen)
{
	mb_u16(m, ptr);
	mb_u16(m, type);
	mb_u16(m, cls);
	mb_u32(m, ttl);
	mb_u16(m, rdlen);
}

/* ---- running the dissector ---- */

static struct proto_pkt pkt;
static unsigned char st[2][4096];
static char recs[64][1024];
static int nrecs;

static void rec_collect(void *arg, const struct proto_rec *r)
{
	(void)arg;
	if (nrecs >= 64)
		return;
	char *o = recs[nrecs++];
	size_t n = (size_t)snprintf(o, 1024, "%s", r->kind);
	for (uint16_t i = 0; i < r->n && n < 1000; i++) {
		const struct proto_kv *k = &r->kv[i];
		switch (k->type) {
		case PV_STR:
			n += (size_t)snprintf(o + n, 1024 - n, " %s=%.*s", k->name, (int)k->len, (const char *)k->v.p);
			break;
		case PV_UINT:
		case PV_BOOL:
			n += (size_t)snprintf(o + n, 1024 - n, " %s=%llu", k->name, (unsigned long long)k->v.u);
			break;
		case PV_DUR:
			n += (size_t)snprintf(o + n, 1024 - n, " %s=%.3f", k->name, (double)k->v.i / 1e9);
			break;
		case PV_ADDR:
			n += (size_t)snprintf(o + n, 1024 - n, " %s=%u.%u", k->name, k->v.p[0], k->v.p[k->len - 1]);
			break;
		default:
			n += (size_t)snprintf(o + n, 1024 - n, " %s", k->name);
		}
	}
}

static const struct proto_env env = { rec_collect, NULL, NULL };

static int dns_idx(void)
{
	for (size_t i = 0; i < proto_count(); i++)
		if (proto_get(i) == proto_find("dns"))
			return (int)i;
	return -1;
}

static void reset_all(void)
{
	memset(st, 0, sizeof st);
	nrecs = 0;
}

/* One UDP datagram in direction dir (0: client -> server port `port`). */
static struct proto_ctx udp_ctx(uint8_t dir, uint16_t port, int64_t ts)
{
	struct proto_ctx c;
	memset(&c, 0, sizeof c);
	memset(&pkt, 0, sizeof pkt);
	c.state = st[dir];
	c.peer = st[!dir];
	c.l4 = PROTO_L4_UDP;
	c.sport = dir ? port : 40000;
	c.dport = dir ? 40000 : port;
	c.ts_ns = ts;
	c.frame = (uint64_t)ts + 1;
	c.out = &pkt;
	c.env = &env;
	c.proto_idx = (uint8_t)dns_idx();
	return c;
}

static const char *info_of(void)
{
	pkt.info[pkt.info_len] = 0;
	return pkt.info;
}

static void udp_run(const struct mb *m, uint8_t dir, uint16_t port, int64_t ts)
{
	struct proto_ctx c = udp_ctx(dir, port, ts);
	const struct proto_desc *pd = proto_find("dns");
	struct proto_res r = pd->parse(&c, dir, (struct slice){ m->b, m->n });
	if (r.status != PROTO_OK || r.consumed != m->n)
		printf("# udp parse status %u consumed %u\n", r.status, r.consumed);
}

static void check_info(const struct mb *m, uint16_t port, uint8_t dir, const char *want_col, const char *want)
{
	udp_run(m, dir, port, 1000);
	int ok = pkt.shown && strcmp(pkt.col, want_col) == 0 && strcmp(info_of(), want) == 0;
	if (!ok)
		printf("# got [%s] [%s]\n# want [%s] [%s]\n", pkt.col, info_of(), want_col, want);
	test_reportf(ok, "Info: %.80s", want);
}

/* Values of field `fid` (dns_fields order) of the last packet as text. */
static int field_count(uint8_t fid)
{
	int n = 0;
	for (uint16_t i = 0; i < pkt.nfv; i++)
		if (pkt.fv[i].key == (uint16_t)(((unsigned)dns_idx() + 1u) << 8 | fid))
			n++;
	return n;
}

static const struct proto_fv *field_get(uint8_t fid, int nth)
{
	for (uint16_t i = 0; i < pkt.nfv; i++)
		if (pkt.fv[i].key == (uint16_t)(((unsigned)dns_idx() + 1u) << 8 | fid) && nth-- == 0)
			return &pkt.fv[i];
	return NULL;
}

static int field_str_is(uint8_t fid, int nth, const char *s)
{
	const struct proto_fv *f = field_get(fid, nth);
	return f && f->len == strlen(s) && memcmp(f->v.p, s, f->len) == 0;
}

static int rec_has(const char *kind, const char *needle)
{
	for (int i = 0; i < nrecs; i++)
		if (strncmp(recs[i], kind, strlen(kind)) == 0 && recs[i][strlen(kind)] == ' ' && strstr(recs[i], needle))
			return 1;
	return 0;
}

/* ---- messages ---- */

static void msg_query(struct mb *m, uint16_t id, const char *name, uint16_t type)
{
	mb_hdr(m, id, 0x0100, 1, 0, 0, 0);
	mb_q(m, name, type, 1);
}

/* www.example.com A -> CNAME web.example.net, A 93.184.216.34, A 93.184.216.35 */
static void msg_cname_resp(struct mb *m)
{
	mb_hdr(m, 0x1a2b, 0x8180, 1, 3, 0, 0);
	mb_q(m, "www.example.com", 1, 1);
	uint16_t tgt_at = (uint16_t)(m->n + 12);
	mb_rr(m, 0xc00c, 5, 1, 300, 17);
	mb_name(m, "web.example.net"); /* 17 bytes */
	mb_rr(m, (uint16_t)(0xc000 | tgt_at), 1, 1, 60, 4);
	mb_raw(m, "\x5d\xb8\xd8\x22", 4);
	mb_rr(m, (uint16_t)(0xc000 | tgt_at), 1, 1, 60, 4);
	mb_raw(m, "\x5d\xb8\xd8\x23", 4);
}

static void test_columns(void)
{
	struct mb *m = calloc(1, sizeof *m);
	reset_all();
	msg_query(m, 0x1a2b, "example.com", 1);
	check_info(m, 53, 0, "DNS", "Standard query 0x1a2b A example.com");
	test_report_result(field_count(9) == 1 && field_str_is(9, 0, "example.com"), "dns.qry.name set");
	const struct proto_fv *id = field_get(0, 0);
	test_report_result(id && id->v.u == 0x1a2b, "dns.id is hex 0x1a2b");

	reset_all();
	mb_hdr(m, 0x1a2b, 0x8180, 1, 1, 0, 0);
	mb_q(m, "example.com", 1, 1);
	mb_rr(m, 0xc00c, 1, 1, 3600, 4);
	mb_raw(m, "\x5d\xb8\xd8\x22", 4);
	check_info(m, 53, 1, "DNS", "Standard query response 0x1a2b A example.com A 93.184.216.34");
	const struct proto_fv *a = field_get(15, 0);
	test_report_result(a && a->len == 4 && a->v.p[0] == 93, "dns.a is the IPv4 address");
	test_report_result(field_get(14, 0) && field_get(14, 0)->v.u == 3600, "dns.resp.ttl 3600");

	msg_cname_resp(m);
	check_info(m, 53, 1, "DNS",
		   "Standard query response 0x1a2b A www.example.com CNAME web.example.net A 93.184.216.34 A 93.184.216.35");
	test_report_result(field_str_is(17, 0, "web.example.net") && field_str_is(12, 1, "web.example.net"),
			   "dns.cname and the compressed owner name");

	/* NXDOMAIN with SOA in authority */
	mb_hdr(m, 0xf23f, 0x8183, 1, 0, 1, 0);
	mb_q(m, "nope.example", 1, 1);
	mb_rr(m, 0xc011, 6, 1, 900, 0);
	uint32_t rdl = m->n - 2, start = m->n;
	mb_name(m, "a.gtld-servers.net");
	mb_name(m, "nstld.verisign-grs.com");
	for (int i = 0; i < 5; i++)
		mb_u32(m, 1000u + (uint32_t)i);
	m->b[rdl] = (uint8_t)((m->n - start) >> 8);
	m->b[rdl + 1] = (uint8_t)(m->n - start);
	check_info(m, 53, 1, "DNS", "Standard query response 0xf23f No such name A nope.example SOA a.gtld-servers.net");

	/* AAAA, MX, PTR, TXT, SRV and OPT */
	mb_hdr(m, 0x0005, 0x8180, 1, 5, 0, 1);
	mb_q(m, "google.com", 28, 1);
	mb_rr(m, 0xc00c, 28, 1, 300, 16);
	mb_raw(m, "\x26\x07\xf8\xb0\x40\x23\x20\x07\x00\x00\x00\x00\x00\x00\x00\x66", 16);
	mb_rr(m, 0xc00c, 15, 1, 300, 9);
	mb_u16(m, 10);
	mb_u8(m, 4);
	mb_raw(m, "mail", 4);
	mb_u16(m, 0xc00c);
	mb_rr(m, 0xc00c, 16, 1, 300, 12);
	mb_u8(m, 5);
	mb_raw(m, "hello", 5);
	mb_u8(m, 5);
	mb_raw(m, "world", 5);
	mb_rr(m, 0xc00c, 33, 1, 300, 8);
	mb_u16(m, 0);
	mb_u16(m, 5);
	mb_u16(m, 5060);
	mb_u16(m, 0xc00c);
	mb_rr(m, 0xc00c, 12, 1, 300, 2);
	mb_u16(m, 0xc00c);
	mb_u8(m, 0); /* OPT */
	mb_u16(m, 41);
	mb_u16(m, 1232);
	mb_u32(m, 0x01000000); /* extended rcode 1 -> 16 */
	mb_u16(m, 8);
	mb_u16(m, 10); /* COOKIE */
	mb_u16(m, 4);
	mb_u32(m, 0xdeadbeef);
	check_info(m, 53, 1, "DNS",
		   "Standard query response 0x0005 AAAA google.com AAAA 2607:f8b0:4023:2007::66 MX 10 mail.google.com "
		   "TXT SRV 0 5 5060 google.com PTR google.com OPT");
	test_report_result(field_count(21) == 2 && field_str_is(21, 1, "world"), "dns.txt per string");
	test_report_result(field_str_is(19, 0, "mail.google.com"), "dns.mx.mail_exchange");
	test_report_result(field_get(16, 0) && field_get(16, 0)->len == 16, "dns.aaaa is IPv6");
	test_report_result(rec_has("dns", "rcode=16 rcode_name=BADVERS"), "extended rcode from OPT in the record");

	/* opcodes and rcodes */
	mb_hdr(m, 0xbb50, 0xa805, 1, 0, 0, 0);
	mb_q(m, "StratoLab.org", 6, 1);
	check_info(m, 53, 1, "DNS", "Dynamic update response 0xbb50 Refused SOA StratoLab.org");
	mb_hdr(m, 0xc980, 0xffef, 0, 0, 0, 0);
	check_info(m, 53, 1, "DNS", "Unknown operation (15) response 0xc980 Unknown error (15)");
	mb_hdr(m, 0x0001, 0x2000, 1, 0, 0, 0);
	mb_q(m, "example.org", 6, 1);
	check_info(m, 53, 0, "DNS", "Zone change notification 0x0001 SOA example.org");
	msg_query(m, 0x6bb3, "example.net", 65534);
	check_info(m, 53, 0, "DNS", "Standard query 0x6bb3 Unknown (65534) example.net");
	msg_query(m, 0x0001, "", 2);
	check_info(m, 53, 0, "DNS", "Standard query 0x0001 NS <Root>");

	/* mDNS: several questions, QU bit; answers with cache flush */
	mb_hdr(m, 0, 0, 2, 0, 0, 0);
	mb_q(m, "_ipp._tcp.local", 12, 1);
	mb_q(m, "_ipps._tcp.local", 12, 0x8001);
	check_info(m, 5353, 0, "MDNS",
		   "Standard query 0x0000 PTR _ipp._tcp.local, \"QM\" question PTR _ipps._tcp.local, \"QU\" question");
	mb_hdr(m, 0, 0x8400, 0, 2, 0, 0);
	mb_name(m, "host.local");
	mb_u16(m, 1);
	mb_u16(m, 0x8001);
	mb_u32(m, 120);
	mb_u16(m, 4);
	mb_raw(m, "\x0a\x00\x02\x07", 4);
	mb_name(m, "7.2.0.10.in-addr.arpa");
	mb_u16(m, 12);
	mb_u16(m, 0x8001);
	mb_u32(m, 120);
	mb_u16(m, 2);
	mb_u16(m, 0xc00c);
	check_info(m, 5353, 1, "MDNS", "Standard query response 0x0000 A, cache flush 10.0.2.7 PTR, cache flush host.local");
	test_report_result(rec_has("names", "name=host.local source=dns") && nrecs >= 2,
			   "A and PTR answers name their addresses");

	/* LLMNR, and other ports: heuristic per datagram */
	msg_query(m, 0x0aac, "HP093DFD", 1);
	check_info(m, 5355, 0, "LLMNR", "Standard query 0x0aac A HP093DFD");
	msg_query(m, 0x0143, "www.tcpdump.org", 1);
	check_info(m, 8053, 0, "DNS", "Standard query 0x0143 A www.tcpdump.org");
	mb_hdr(m, 0x0143, 0x2800, 1, 0, 0, 0); /* update: no heuristic match off port 53 */
	mb_q(m, "example.org", 6, 1);
	udp_run(m, 0, 8053, 1);
	test_report_result(!pkt.shown && pkt.nfv == 0, "update on port 8053 is not shown as DNS (tshark's heuristic)");
	free(m);
}

static void test_svcb_caa_naptr(void)
{
	struct mb *m = calloc(1, sizeof *m);
	reset_all();
	mb_hdr(m, 0xf29f, 0x8180, 1, 1, 0, 0);
	mb_q(m, "cloudflare.com", 65, 1);
	mb_rr(m, 0xc00c, 65, 1, 300, 0);
	uint32_t rdl = m->n - 2, start = m->n;
	mb_u16(m, 1);
	mb_u8(m, 0);
	mb_u16(m, 1); /* alpn h3,h2 */
	mb_u16(m, 6);
	mb_raw(m, "\x02h3\x02h2", 6);
	mb_u16(m, 4); /* ipv4hint */
	mb_u16(m, 8);
	mb_raw(m, "\x68\x10\x84\xe5\x68\x10\x85\xe5", 8);
	mb_u16(m, 6); /* ipv6hint */
	mb_u16(m, 16);
	mb_raw(m, "\x26\x06\x47\x00\x00\x00\x00\x00\x00\x00\x00\x00\x68\x10\x84\xe5", 16);
	m->b[rdl + 1] = (uint8_t)(m->n - start);
	check_info(m, 53, 1, "DNS", "Standard query response 0xf29f HTTPS cloudflare.com HTTPS");
	test_report_result(rec_has("dns", "answers=1 <Root> alpn=h3,h2 ipv4hint=104.16.132.229,104.16.133.229 "
					  "ipv6hint=2606:4700::6810:84e5"),
			   "SvcParams alpn, ipv4hint, ipv6hint in the answer");

	mb_hdr(m, 0x355e, 0x8180, 1, 1, 0, 0);
	mb_q(m, "google.com", 257, 1);
	mb_rr(m, 0xc00c, 257, 1, 300, 15);
	mb_u8(m, 0);
	mb_u8(m, 5);
	mb_raw(m, "issuepki.goog", 13);
	check_info(m, 53, 1, "DNS", "Standard query response 0x355e CAA google.com CAA");
	test_report_result(rec_has("dns", "answers=0 issue \"pki.goog\""), "CAA answer text");

	mb_hdr(m, 0x51ea, 0x8180, 1, 1, 0, 0);
	mb_q(m, "example.goog", 35, 1);
	mb_rr(m, 0xc00c, 35, 1, 300, 0);
	rdl = m->n - 2;
	start = m->n;
	mb_u16(m, 100);
	mb_u16(m, 100);
	mb_u8(m, 1);
	mb_raw(m, "s", 1);
	mb_u8(m, 7);
	mb_raw(m, "SIP+D2T", 7);
	mb_u8(m, 0);
	mb_name(m, "_sip._tcp.example.goog");
	m->b[rdl + 1] = (uint8_t)(m->n - start);
	check_info(m, 53, 1, "DNS", "Standard query response 0x51ea NAPTR example.goog NAPTR 100 100 s");
	free(m);
}

static void test_names_malformed(void)
{
	struct mb *m = calloc(1, sizeof *m);
	reset_all();
	/* the question's name points at itself */
	mb_hdr(m, 0x2223, 0x0100, 1, 0, 0, 0);
	mb_u16(m, 0xc00c);
	mb_u16(m, 1);
	mb_u16(m, 1);
	check_info(m, 53, 0, "DNS", "Standard query 0x2223 A <Name contains a pointer that loops>");
	/* an owner name leading into two pointers that point at each other */
	mb_hdr(m, 0x2225, 0x8180, 1, 1, 0, 0);
	mb_q(m, "a.example", 1, 1);
	uint16_t at = (uint16_t)m->n;
	mb_rr(m, (uint16_t)(0xc000 | (at + 12)), 5, 1, 1, 0);
	mb_u16(m, (uint16_t)(0xc000 | (at + 14)));
	mb_u16(m, (uint16_t)(0xc000 | (at + 12)));
	check_info(m, 53, 1, "DNS", "Standard query response 0x2225 A a.example CNAME");
	/* label running past the end */
	mb_hdr(m, 0x2222, 0x0100, 1, 0, 0, 0);
	mb_raw(m, "\x03\x61", 2);
	check_info(m, 53, 0, "DNS", "Standard query 0x2222[Malformed Packet]");
	/* unknown extended label type: the name stops there */
	mb_hdr(m, 0xc610, 0x0100, 1, 0, 0, 0);
	mb_raw(m, "\x01\x32\x61\x61\x61\x61\x00", 7);
	check_info(m, 443, 0, "DNS", "Standard query 0xc610 Unknown (24929) <Unknown extended label>");
	/* a name over 255 characters through pointers */
	mb_hdr(m, 0x0100, 0x0100, 1, 0, 0, 0);
	uint32_t qp = m->n;
	mb_u16(m, 0);
	mb_u16(m, 1);
	mb_u16(m, 1);
	uint16_t prev = 0;
	for (int i = 0; i < 6; i++) {
		uint16_t here = (uint16_t)m->n;
		mb_u8(m, 60);
		for (int k = 0; k < 60; k++)
			mb_u8(m, 'a');
		if (prev)
			mb_u16(m, (uint16_t)(0xc000 | prev));
		else
			mb_u8(m, 0);
		prev = here;
	}
	m->b[qp] = (uint8_t)(0xc0 | prev >> 8);
	m->b[qp + 1] = (uint8_t)prev;
	check_info(m, 53, 0, "DNS", "Standard query 0x0100 A <Name too long>");
	/* an A record with two bytes of data: the address read on regardless (as tshark), an anomaly */
	mb_hdr(m, 0x3333, 0x8180, 1, 2, 0, 0);
	mb_q(m, "short.example", 1, 1);
	mb_rr(m, 0xc00c, 1, 1, 1, 2);
	mb_u16(m, 0x0a00);
	mb_rr(m, 0xc00c, 1, 1, 1, 4);
	mb_raw(m, "\x0a\x00\x00\x01", 4);
	{
		struct proto_ctx c = udp_ctx(1, 53, 7);
		proto_find("dns")->parse(&c, 1, (struct slice){ m->b, m->n });
		test_report_result(c.anomalies == 1 && strcmp(info_of(), "Standard query response 0x3333 A short.example "
									  "A 10.0.192.12 A 10.0.0.1") == 0,
				   "A record with 2 bytes of data: counted, address read on as tshark, next record read");
	}
	/* header cut short */
	mb_hdr(m, 0x1111, 0x0100, 1, 0, 0, 0);
	m->n = 7;
	check_info(m, 53, 0, "DNS", "[Malformed Packet]");
	/* huge counts: walks stop at the end of the data */
	mb_hdr(m, 0x7777, 0x8180, 65535, 65535, 65535, 65535);
	mb_q(m, "x", 1, 1);
	for (int i = 0; i < 100; i++) {
		mb_rr(m, 0xc00c, 1, 1, 1, 4);
		mb_u32(m, (uint32_t)i);
	}
	udp_run(m, 1, 53, 5);
	test_report_result(pkt.shown && strstr(info_of(), "[Malformed Packet]") && pkt.info_len < PROTO_INFO_MAX,
			   "65535 of each count: walk ends at the data, Info bounded, marked malformed");
	free(m);
}

/* Every prefix of a response, as a datagram: shown, malformed unless whole, never a crash. */
static void test_prefixes_udp(void)
{
	struct mb *m = calloc(1, sizeof *m);
	msg_cname_resp(m);
	int ok = 1;
	for (uint32_t k = 0; k < m->n; k++) {
		reset_all();
		struct mb *p = calloc(1, sizeof *p);
		memcpy(p->b, m->b, k);
		p->n = k;
		udp_run(p, 1, 53, 1);
		if (!pkt.shown || !strstr(info_of(), "[Malformed Packet]")) {
			printf("# prefix %u: [%s]\n", k, info_of());
			ok = 0;
		}
		free(p);
	}
	test_report_result(ok, "every truncated prefix of a response over UDP is shown as malformed");
	free(m);
}

/* TCP: length-prefixed messages, every prefix asks for more, every feeding step finds the ends. */
static void test_tcp(void)
{
	const struct proto_desc *pd = proto_find("dns");
	struct mb *m = calloc(1, sizeof *m), *s = calloc(1, sizeof *s);
	msg_cname_resp(m);
	s->n = 0;
	mb_u16(s, (uint16_t)m->n);
	mb_raw(s, m->b, m->n);
	uint32_t one = s->n;
	test_report_result(feed_prefixes(pd, s->b, one), "TCP: every prefix asks for more; the whole is one PDU");
	msg_query(m, 0x4319, "www.tcpdump.org", 1);
	mb_u16(s, (uint16_t)m->n);
	mb_raw(s, m->b, m->n);
	uint32_t ends[2] = { one, s->n };
	test_report_result(feed_all_steps(pd, s->b, s->n, ends, 2), "TCP: two messages fed in every step");

	/* the Info column of a TCP message */
	reset_all();
	struct proto_ctx c = udp_ctx(0, 53, 1);
	c.l4 = PROTO_L4_TCP;
	struct proto_res r = pd->parse(&c, 0, (struct slice){ s->b + one, s->n - one });
	test_report_result(r.status == PROTO_OK && pkt.shown && strcmp(pkt.col, "DNS") == 0 &&
				   strcmp(info_of(), "Standard query 0x4319 A www.tcpdump.org") == 0,
			   "TCP message: Protocol DNS and Info");
	/* two messages in one segment: the second one's Info replaces the first (as tshark) */
	reset_all();
	c = udp_ctx(0, 53, 1);
	c.l4 = PROTO_L4_TCP;
	r = pd->parse(&c, 0, (struct slice){ s->b, s->n });
	struct proto_res r2 = pd->parse(&c, 0, (struct slice){ s->b + r.consumed, s->n - r.consumed });
	test_report_result(r.consumed == one && r2.status == PROTO_OK && r2.consumed == s->n - one &&
				   strcmp(info_of(), "Standard query 0x4319 A www.tcpdump.org") == 0,
			   "TCP: two messages in one segment, Info of the last");
	/* other TCP ports: parsed for records, not shown (tshark has no TCP heuristic for DNS) */
	reset_all();
	c = udp_ctx(0, 8053, 1);
	c.l4 = PROTO_L4_TCP;
	r = pd->parse(&c, 0, (struct slice){ s->b + one, s->n - one });
	test_report_result(r.status == PROTO_OK && !pkt.shown, "TCP port 8053: not shown");

	/* a message longer than the flow keeps whole: absorbed, its prefix dissected at the end */
	reset_all();
	mb_hdr(m, 0x0007, 0x8180, 1, 1800, 0, 0);
	mb_q(m, "big.example", 16, 1);
	for (int i = 0; i < 1800; i++) {
		mb_rr(m, 0xc00c, 16, 1, 60, 11);
		mb_u8(m, 10);
		mb_raw(m, "0123456789", 10);
	}
	s->n = 0;
	mb_u16(s, (uint16_t)m->n);
	mb_raw(s, m->b, m->n);
	c = udp_ctx(1, 53, 2);
	c.l4 = PROTO_L4_TCP;
	r = pd->parse(&c, 1, (struct slice){ s->b, 1000 });
	int ok = r.status == PROTO_NEED_MORE && r.consumed == 1000 && r.needed == s->n - 1000;
	test_report_result(ok && pd->skip(&c, 1, 10) == 0, "TCP long message: absorbed; a gap inside it keeps step");
	c = udp_ctx(1, 53, 3);
	c.l4 = PROTO_L4_TCP;
	r = pd->parse(&c, 1, (struct slice){ s->b + 1010, s->n - 1010 });
	test_report_result(r.status == PROTO_OK && r.consumed == s->n - 1010 && !pkt.shown,
			   "TCP long message with a gap: ends in step, not dissected");
	test_report_result(pd->skip(&c, 1, 10) == -1, "a gap at a message boundary asks for a restart");
	reset_all();
	c = udp_ctx(1, 53, 3);
	c.l4 = PROTO_L4_TCP;
	r = pd->parse(&c, 1, (struct slice){ s->b, 1000 });
	uint32_t pos = 1000;
	while (ok && pos < s->n) {
		c = udp_ctx(1, 53, 4);
		c.l4 = PROTO_L4_TCP;
		uint32_t n = s->n - pos < 1400 ? s->n - pos : 1400;
		r = pd->parse(&c, 1, (struct slice){ s->b + pos, n });
		pos += r.consumed;
		if (r.status == PROTO_OK)
			break;
		ok = r.status == PROTO_NEED_MORE && r.consumed == n;
	}
	test_report_result(ok && pos == s->n && r.status == PROTO_OK && pkt.shown &&
				   strncmp(info_of(), "Standard query response 0x0007 TXT big.example TXT TXT", 54) == 0 &&
				   !strstr(info_of(), "Malformed"),
			   "TCP message of 41 KB: streamed through, its first part dissected at the end");
	free(m);
	free(s);
}

static void test_records(void)
{
	const struct proto_desc *pd = proto_find("dns");
	struct mb *m = calloc(1, sizeof *m);
	reset_all();
	msg_query(m, 0x1a2b, "WWW.Example.com", 1);
	udp_run(m, 0, 53, 1000000000);
	msg_cname_resp(m);
	udp_run(m, 1, 53, 1250000000);
	test_report_result(nrecs >= 1 && rec_has("dns", "trans_id=6699 rtt=0.250 query=www.example.com qclass=1 "
						       "qclass_name=C_INTERNET qtype=1 qtype_name=A rcode=0 rcode_name=NOERROR "
						       "AA=0 TC=0 RD=1 RA=1 Z=0 answers=web.example.net answers=93.184.216.34 "
						       "answers=93.184.216.35 TTLs=300 TTLs=60 TTLs=60 rejected=0"),
			   "query and response paired: rtt, lower-cased query, answers and TTLs");
	test_report_result(rec_has("names", "name=www.example.com") && rec_has("names", "name=web.example.net"),
			   "A answers name the address by the alias and the canonical name");

	/* unanswered queries come out at flow end; a response to an unknown query stands alone */
	reset_all();
	msg_query(m, 0x0001, "a.example", 1);
	udp_run(m, 0, 53, 1);
	msg_query(m, 0x0002, "b.example", 28);
	udp_run(m, 0, 53, 2);
	test_report_result(nrecs == 0, "queries wait for their responses");
	struct proto_ctx c = udp_ctx(0, 53, 3);
	pd->on_flow_end(&c);
	test_report_result(nrecs == 2 && rec_has("dns", "trans_id=1") && rec_has("dns", "query=b.example qclass=1"),
			   "unanswered queries emitted at flow end");
	reset_all();
	for (int i = 0; i < 40; i++) {
		char nm[32];
		snprintf(nm, sizeof nm, "h%d.example", i);
		msg_query(m, (uint16_t)i, nm, 1);
		udp_run(m, 0, 53, i);
	}
	test_report_result(nrecs == 40 - 16, "the query table is capped: the oldest come out as unanswered");
	c = udp_ctx(0, 53, 100);
	pd->on_flow_end(&c);
	test_report_result(nrecs == 40, "and the rest at flow end");

	/* PTR answer names the address from the reverse name (IPv6 too) */
	reset_all();
	mb_hdr(m, 0x4303, 0x8180, 1, 1, 0, 0);
	mb_q(m, "4.3.2.1.in-addr.arpa", 12, 1);
	mb_rr(m, 0xc00c, 12, 1, 60, 20);
	mb_name(m, "a.resolvers.level3");
	check_info(m, 53, 1, "DNS", "Standard query response 0x4303 PTR 4.3.2.1.in-addr.arpa PTR a.resolvers.level3");
	test_report_result(rec_has("names", "address=1.4 name=a.resolvers.level3"), "PTR: address 1.2.3.4 named");
	reset_all();
	mb_hdr(m, 0x4304, 0x8180, 1, 1, 0, 0);
	mb_q(m, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", 12, 1);
	mb_rr(m, 0xc00c, 12, 1, 60, 7);
	mb_name(m, "h.net");
	udp_run(m, 1, 53, 1);
	test_report_result(rec_has("names", "address=32.1 name=h.net"), "PTR: ip6.arpa address named");
	free(m);
}

static void test_probe(void)
{
	const struct proto_desc *pd = proto_find("dns");
	struct mb *m = calloc(1, sizeof *m), *s = calloc(1, sizeof *s);
	msg_query(m, 0x1234, "example.com", 1);
	test_report_result(pd->probe(PROTO_L4_UDP, (struct slice){ m->b, m->n }) == PROBE_YES, "probe: UDP query");
	mb_u16(s, (uint16_t)m->n);
	mb_raw(s, m->b, m->n);
	test_report_result(pd->probe(PROTO_L4_TCP, (struct slice){ s->b, s->n }) == PROBE_YES, "probe: TCP query");
	test_report_result(pd->probe(PROTO_L4_TCP, (struct slice){ s->b, 9 }) == PROBE_MAYBE, "probe: TCP prefix");
	msg_query(m, 0x1234, "EBEFEEEFEBEFEEEFEBEFEEEFEBEFEEAA", 32);
	test_report_result(pd->probe(PROTO_L4_UDP, (struct slice){ m->b, m->n }) == PROBE_NO,
			   "probe: NetBIOS name query is not DNS");
	test_report_result(pd->probe(PROTO_L4_UDP, (struct slice){ (const uint8_t *)"GET / HTTP/1.1\r\n", 16 }) ==
				   PROBE_NO,
			   "probe: text is not DNS");
	free(m);
	free(s);
}

int main(void)
{
	test_columns();
	test_svcb_caa_naptr();
	test_names_malformed();
	test_prefixes_udp();
	test_tcp();
	test_records();
	test_probe();
	printf("1..%d\n", test_num);
	return test_failed != 0;
}
