/* test_ftp.c: FTP control and data dissection (src/proto/ftp.c): tshark's columns per segment,
 * command/reply pairing across segments and byte-at-a-time, multi-line replies, PASV/EPSV/PORT/
 * EPRT parsing (malformed numbers too), expectations, credentials, cwd tracking, data objects. */
#include <openssl/evp.h>

#include <stdio.h>
#include <string.h>

#include "proto/proto.h"

#include "tap.h"

#define S(x) (const uint8_t *)(x), (uint32_t)(sizeof(x) - 1)

/* ---- a record sink that keeps each record as one text line ------------------------------ */

#define REC_MAX 64
#define REC_LEN 1024

struct sink {
	int n;
	char rec[REC_MAX][REC_LEN];
};

static void sink_emit(void *arg, const struct proto_rec *r)
{
	struct sink *k = arg;
	if (k->n >= REC_MAX)
		return;
	char *o = k->rec[k->n++];
	size_t len = 0;
	len += (size_t)snprintf(o + len, REC_LEN - len, "%s", r->kind);
	for (uint16_t i = 0; i < r->n && len < REC_LEN - 80; i++) {
		const struct proto_kv *kv = &r->kv[i];
		len += (size_t)snprintf(o + len, REC_LEN - len, " %s=", kv->name);
		switch (kv->type) {
		case PV_STR:
			len += (size_t)snprintf(o + len, REC_LEN - len, "%.*s", (int)kv->len, (const char *)kv->v.p);
			break;
		case PV_UINT:
		case PV_BOOL:
			len += (size_t)snprintf(o + len, REC_LEN - len, "%llu", (unsigned long long)kv->v.u);
			break;
		case PV_HEXSTR:
			for (uint32_t j = 0; j < kv->len && len < REC_LEN - 4; j++)
				len += (size_t)snprintf(o + len, REC_LEN - len, "%02x", kv->v.p[j]);
			break;
		case PV_ADDR:
			for (uint32_t j = 0; j < kv->len && len < REC_LEN - 6; j++)
				len += (size_t)snprintf(o + len, REC_LEN - len, j ? ".%u" : "%u", kv->v.p[j]);
			break;
		default:
			len += (size_t)snprintf(o + len, REC_LEN - len, "?");
		}
	}
}

static int sink_has(const struct sink *k, const char *needle)
{
	for (int i = 0; i < k->n; i++)
		if (strstr(k->rec[i], needle))
			return 1;
	printf("# no record has \"%s\"; records:\n", needle);
	for (int i = 0; i < k->n; i++)
		printf("#   %s\n", k->rec[i]);
	return 0;
}

static int sink_count(const struct sink *k, const char *kind)
{
	int c = 0;
	size_t n = strlen(kind);
	for (int i = 0; i < k->n; i++)
		if (strncmp(k->rec[i], kind, n) == 0 && k->rec[i][n] == ' ')
			c++;
	return c;
}

/* ---- a control connection: client 10.0.0.1:40000 -> server 10.0.0.2:21 ------------------- */

static const uint8_t cli_ip[4] = { 10, 0, 0, 1 }, srv_ip[4] = { 10, 0, 0, 2 };

struct conn {
	const struct proto_desc *pd;
	unsigned char st[2][4096];
	struct proto_pkt pkt;
	struct sink sink;
	struct proto_env env;
	struct proto_ctx last;
	uint32_t anomalies;
	const uint8_t *srv_seen; /* server address as seen in packets (NAT tests) */
};

static void conn_init(struct conn *c)
{
	memset(c, 0, sizeof *c);
	c->pd = proto_find("ftp");
	c->env.emit = sink_emit;
	c->env.arg = &c->sink;
	c->srv_seen = srv_ip;
}

/* One segment; dir 0 client->server. Returns the parse result; the ctx is kept in c->last. */
static struct proto_res conn_seg(struct conn *c, int dir, const uint8_t *p, uint32_t n)
{
	memset(&c->pkt, 0, sizeof c->pkt);
	struct proto_ctx ctx = { .state = c->st[dir], .peer = c->st[!dir], .l4 = PROTO_L4_TCP, .alen = 4,
				 .out = &c->pkt, .env = &c->env, .is_orig = (uint8_t)!dir };
	ctx.sport = dir ? 21 : 40000;
	ctx.dport = dir ? 40000 : 21;
	ctx.src = dir ? c->srv_seen : cli_ip;
	ctx.dst = dir ? cli_ip : c->srv_seen;
	struct proto_res r = c->pd->parse(&ctx, (uint8_t)dir, (struct slice){ p, n });
	c->anomalies += ctx.anomalies;
	c->last = ctx;
	return r;
}

#define SEG(c, dir, lit) conn_seg((c), (dir), S(lit))

static int info_is(const struct conn *c, const char *want)
{
	if (!c->pkt.shown || strcmp(c->pkt.info, want) != 0) {
		printf("# info \"%s\" (shown %u), want \"%s\"\n", c->pkt.info, c->pkt.shown, want);
		return 0;
	}
	return 1;
}

/* The value of field `fid` of the running dissector in this packet (NULL: absent). */
static const struct proto_fv *field(const struct conn *c, uint8_t fid)
{
	for (uint16_t i = 0; i < c->pkt.nfv; i++)
		if ((c->pkt.fv[i].key & 0xff) == fid)
			return &c->pkt.fv[i];
	return NULL;
}

static int field_str(const struct conn *c, uint8_t fid, const char *want)
{
	const struct proto_fv *f = field(c, fid);
	return f && f->len == strlen(want) && memcmp(f->v.p, want, f->len) == 0;
}

static int field_u(const struct conn *c, uint8_t fid, uint64_t want)
{
	const struct proto_fv *f = field(c, fid);
	return f && f->v.u == want;
}

/* field indexes as declared in ftp.c's table, looked up by name */
static uint8_t fid(const char *name)
{
	const struct proto_desc *pd = proto_find("ftp");
	for (uint16_t i = 0; i < pd->nfields; i++)
		if (strcmp(pd->fields[i].name, name) == 0)
			return (uint8_t)i;
	printf("# no field %s\n", name);
	return 0xff;
}

static void test_columns(void)
{
	static struct conn c;
	conn_init(&c);
	SEG(&c, 1, "220 FileZilla Server version 0.9.34 beta\r\n");
	test_report_result(info_is(&c, "Response: 220 FileZilla Server version 0.9.34 beta") &&
				   field_u(&c, fid("ftp.response.code"), 220) &&
				   field_str(&c, fid("ftp.response.arg"), "FileZilla Server version 0.9.34 beta"),
			   "banner: Info, code and arg");
	SEG(&c, 0, "USER salesxfer\r\n");
	test_report_result(info_is(&c, "Request: USER salesxfer") &&
				   field_str(&c, fid("ftp.request.command"), "USER") &&
				   field_str(&c, fid("ftp.request.arg"), "salesxfer") &&
				   field_u(&c, fid("ftp.request"), 1) && field_u(&c, fid("ftp.response"), 0),
			   "USER request: Info, command, arg, request flag");
	SEG(&c, 1, "230-Welcome\r\n230-  to the server\r\n230 Login successful.\r\n");
	test_report_result(info_is(&c, "Response: 230-Welcome") && field_u(&c, fid("ftp.response.code"), 230),
			   "multi-line reply in one segment: Info shows the first line");
	SEG(&c, 1, "  continued text\r\n");
	test_report_result(info_is(&c, "Response:   continued text") && !field(&c, fid("ftp.response.code")),
			   "a reply line without a code has no code field");
	SEG(&c, 0, "TYPE I\r\nPASV\r\n");
	test_report_result(info_is(&c, "Request: TYPE I"), "two commands in one segment: Info shows the first");
	SEG(&c, 0, "NOOP");
	test_report_result(info_is(&c, "Request: NOOP") && !field(&c, fid("ftp.request.arg")),
			   "a segment without line end shows what it has");
	SEG(&c, 1, "99 PASV invalid\r\n");
	test_report_result(info_is(&c, "Response: 99 PASV invalid") && !field(&c, fid("ftp.response.code")),
			   "two digits are no reply code");
}

static void test_records(void)
{
	static struct conn c;
	conn_init(&c);
	SEG(&c, 1, "220 ready\r\n");
	SEG(&c, 0, "USER salesxfer\r\n");
	SEG(&c, 1, "331 Password required for salesxfer\r\n");
	SEG(&c, 0, "PASS p@ssw0rd\r\n");
	test_report_result(sink_has(&c.sink, "creds protocol=FTP user=salesxfer secret=p@ssw0rd kind=password"),
			   "PASS gives a credential with the user");
	SEG(&c, 1, "230-Hello\r\n230 Logged on\r\n");
	test_report_result(sink_has(&c.sink, "command=PASS arg=p@ssw0rd reply_code=230 reply_msg=Logged on login_success=1"),
			   "PASS record: final line of the multi-line reply, login success");
	SEG(&c, 0, "CWD /backup/\r\n");
	SEG(&c, 1, "250 CWD successful.\r\n");
	SEG(&c, 0, "TYPE I\r\nPASV\r\n");
	SEG(&c, 1, "200 Type set to I\r\n227 Entering Passive Mode (172,16,16,121,192,14)\r\n");
	test_report_result(sink_has(&c.sink, "command=TYPE arg=I cwd=/backup/ reply_code=200") &&
				   sink_has(&c.sink, "command=PASV cwd=/backup/ reply_code=227 reply_msg=Entering Passive "
						     "Mode (172,16,16,121,192,14) data_channel.passive=1 "
						     "data_channel.orig_h=10.0.0.1 data_channel.resp_h=172.16.16.121 "
						     "data_channel.resp_p=49166"),
			   "pipelined commands pair with their replies in order; PASV data channel");
	SEG(&c, 0, "RETR big.bin\r\n");
	SEG(&c, 1, "150 Opening BINARY mode data connection for 'big.bin' (77 bytes).\r\n");
	SEG(&c, 1, "226 Transfer complete.\r\n");
	test_report_result(sink_has(&c.sink, "command=RETR arg=big.bin cwd=/backup/ file_size=77 reply_code=226"),
			   "RETR record: size from the 150 reply, final code 226");
	SEG(&c, 0, "QUIT\r\n");
	struct proto_ctx end = { .state = c.st[0], .peer = c.st[1], .env = &c.env };
	c.pd->on_flow_end(&end);
	test_report_result(sink_has(&c.sink, "command=QUIT") && sink_count(&c.sink, "ftp") == 7,
			   "a command without reply is reported at flow end");
}

/* The same session fed whole and byte by byte gives the same records. */
static void test_bytewise(void)
{
	static const char *const segs[][2] = {
		{ "1", "220-Hi\r\n220 FTP ready\r\n" }, { "0", "USER anonymous\r\n" },
		{ "1", "331 Guest login ok\r\n" },       { "0", "PASS a@b\r\n" },
		{ "1", "230 ok\r\n" },                   { "0", "PWD\r\n" },
		{ "1", "257 \"/pub\" is current\r\n" },  { "0", "EPSV\r\n" },
		{ "1", "229 Entering Extended Passive Mode (|||57086|)\r\n" },
		{ "0", "LIST\r\n" },                     { "1", "150 Here\r\n226 Done\r\n" },
		{ "0", "PORT 10,0,0,1,131,46\r\n" },     { "1", "200 PORT ok\r\n" },
	};
	static struct conn a, b;
	conn_init(&a);
	conn_init(&b);
	for (size_t i = 0; i < sizeof segs / sizeof segs[0]; i++) {
		int dir = segs[i][0][0] - '0';
		const uint8_t *p = (const uint8_t *)segs[i][1];
		uint32_t n = (uint32_t)strlen(segs[i][1]);
		conn_seg(&a, dir, p, n);
		for (uint32_t k = 0; k < n; k++)
			conn_seg(&b, dir, p + k, 1);
	}
	int same = a.sink.n == b.sink.n && a.sink.n == 7;
	for (int i = 0; same && i < a.sink.n; i++)
		same = strcmp(a.sink.rec[i], b.sink.rec[i]) == 0;
	if (!same)
		printf("# %d records whole, %d byte-wise\n", a.sink.n, b.sink.n);
	test_report_result(same, "records are the same fed whole or byte by byte");
	test_report_result(sink_has(&b.sink, "command=LIST cwd=/pub reply_code=226") &&
				   sink_has(&b.sink, "command=PORT arg=10,0,0,1,131,46 cwd=/pub reply_code=200 reply_msg=PORT "
						     "ok data_channel.passive=0 data_channel.orig_h=10.0.0.2 "
						     "data_channel.resp_h=10.0.0.1 data_channel.resp_p=33582"),
			   "257 sets the cwd; PORT data channel");
}

/* Every prefix of a segment is a complete packet for the column logic: all consumed, no crash. */
static void test_prefixes(void)
{
	static const char msg[] = "227 Entering Passive Mode (192,168,1,32,160,191).\r\n"
				  "229 Entering Extended Passive Mode (|||63282|)\r\n";
	int ok = 1;
	for (uint32_t k = 1; k <= sizeof msg - 1; k++) {
		static struct conn c;
		conn_init(&c);
		struct proto_res r = conn_seg(&c, 1, (const uint8_t *)msg, k);
		if (r.status != PROTO_OK || r.consumed != k)
			ok = 0;
		if (k < 49 && c.last.nexpect)
			ok = 0; /* no expectation from a cut 227 line */
	}
	test_report_result(ok, "every prefix of a reply segment is consumed without a cut expectation");
}

/* ---- data channel parsing ---------------------------------------------------------------- */

static int expect_is(const struct proto_ctx *ctx, int i, const uint8_t *addr, uint8_t alen, uint16_t port,
		     uint8_t method)
{
	if (i >= ctx->nexpect)
		return 0;
	const struct proto_expect *x = &ctx->expect[i];
	return x->alen == alen && x->l4 == 6 && x->port == port && memcmp(x->addr, addr, alen) == 0 &&
	       x->proto && strcmp(x->proto, "ftp-data") == 0 && (x->tag & 7) == method;
}

static void test_pasv(void)
{
	static struct conn c;
	conn_init(&c);
	const uint8_t pasv_ip[4] = { 172, 16, 16, 121 };
	c.srv_seen = pasv_ip;
	SEG(&c, 0, "PASV\r\n");
	SEG(&c, 1, "227 Entering Passive Mode (172,16,16,121,192,14)\r\n");
	const struct proto_fv *ip = field(&c, fid("ftp.passive.ip"));
	test_report_result(c.last.nexpect == 1 && expect_is(&c.last, 0, pasv_ip, 4, 49166, 1) &&
				   field_u(&c, fid("ftp.passive.port"), 49166) && ip &&
				   ip->len == 4 && memcmp(ip->v.p, pasv_ip, 4) == 0,
			   "227: one expectation, passive ip and port fields");
	c.srv_seen = srv_ip;
	SEG(&c, 1, "227 Entering passive mode. 192,168,0,5,4,51\r\n");
	const uint8_t nat_ip[4] = { 192, 168, 0, 5 };
	test_report_result(c.last.nexpect == 2 && expect_is(&c.last, 0, nat_ip, 4, 1075, 1) &&
				   expect_is(&c.last, 1, srv_ip, 4, 1075, 1),
			   "227 without parentheses, address differing from the server (NAT): both announced");
	uint32_t an = c.anomalies;
	SEG(&c, 1, "227 Entering Passive Mode (300,16,16,121,192,14)\r\n");
	int ok = c.last.nexpect == 0 && c.anomalies > an && !field(&c, fid("ftp.passive.port"));
	SEG(&c, 1, "227 Entering Passive Mode (1,2,3,4,5,256)\r\n");
	ok = ok && c.last.nexpect == 0;
	SEG(&c, 1, "227 Entering Passive Mode (1,2,3,4,5,99999999999999999999)\r\n");
	ok = ok && c.last.nexpect == 0;
	SEG(&c, 1, "227 Version 2.0 (1,2,3,4,5,6)\r\n");
	const uint8_t a1234[4] = { 1, 2, 3, 4 };
	test_report_result(ok, "227 with numbers > 255 is malformed: no expectation, anomaly counted");
	test_report_result(c.last.nexpect >= 1 && expect_is(&c.last, 0, a1234, 4, 5 * 256 + 6, 1),
			   "227: numbers before the six are skipped");
	SEG(&c, 1, "227 Entering Passive Mode (1,2,3,4,5)\r\n");
	test_report_result(c.last.nexpect == 0, "227 with five numbers: none");
}

/* Feeds each malformed line in direction `dir`; 1 when none announced a data channel. */
static int none_expected(struct conn *c, int dir, const char *const *lines, size_t n)
{
	int ok = 1;
	for (size_t i = 0; i < n; i++) {
		conn_seg(c, dir, (const uint8_t *)lines[i], (uint32_t)strlen(lines[i]));
		if (c->last.nexpect) {
			printf("# expectation from \"%s\"\n", lines[i]);
			ok = 0;
		}
	}
	return ok;
}

static void test_epsv(void)
{
	static struct conn c;
	conn_init(&c);
	SEG(&c, 1, "229 Entering Extended Passive Mode (|||57086|)\r\n");
	test_report_result(c.last.nexpect == 1 && expect_is(&c.last, 0, srv_ip, 4, 57086, 2) &&
				   field_u(&c, fid("ftp.epsv.port"), 57086),
			   "229: the server's address and the port");
	SEG(&c, 1, "229 Extended Passive mode OK (!!!63988!)\r\n");
	test_report_result(c.last.nexpect == 1 && expect_is(&c.last, 0, srv_ip, 4, 63988, 2), "229 with '!' delimiters");
	static const char *const bad[] = {
		"229 Entering Extended Passive Mode (|||99999|)\r\n", "229 Entering Extended Passive Mode (||57086|)\r\n",
		"229 Entering Extended Passive Mode (|||57086)\r\n",  "229 Entering Extended Passive Mode (1114|)\r\n",
		"229 Entering Extended Passive Mode (|||0|)\r\n",     "229 (|||",
	};
	test_report_result(none_expected(&c, 1, bad, sizeof bad / sizeof bad[0]), "malformed 229 replies: no expectation");
}

static void test_port_eprt(void)
{
	static struct conn c;
	conn_init(&c);
	SEG(&c, 0, "PORT 141,142,220,235,131,46\r\n");
	const uint8_t a[4] = { 141, 142, 220, 235 };
	test_report_result(c.last.nexpect == 2 && expect_is(&c.last, 0, a, 4, 33582, 3) &&
				   expect_is(&c.last, 1, cli_ip, 4, 33582, 3) && field_u(&c, fid("ftp.active.port"), 33582),
			   "PORT: announced address (and the client's real one), active port field");
	SEG(&c, 0, "PORT 10,0,0,1,1,256\r\n");
	int ok = c.last.nexpect == 0;
	SEG(&c, 0, "PORT 114,115\r\n");
	ok = ok && c.last.nexpect == 0;
	test_report_result(ok, "PORT with a number > 255 or too few numbers: none");

	SEG(&c, 0, "EPRT |1|10.0.0.1|6275|\r\n");
	test_report_result(c.last.nexpect == 1 && expect_is(&c.last, 0, cli_ip, 4, 6275, 4) &&
				   field_u(&c, fid("ftp.eprt.port"), 6275),
			   "EPRT IPv4");
	SEG(&c, 0, "EPRT |2|2001:470:1f11:81f:c999:d94:aa7c:2e3e|49189|\r\n");
	const uint8_t v6[16] = { 0x20, 0x01, 0x04, 0x70, 0x1f, 0x11, 0x08, 0x1f,
				 0xc9, 0x99, 0x0d, 0x94, 0xaa, 0x7c, 0x2e, 0x3e };
	const struct proto_fv *f6 = field(&c, fid("ftp.eprt.ipv6"));
	test_report_result(c.last.nexpect == 1 && expect_is(&c.last, 0, v6, 16, 49189, 4) && f6 && f6->len == 16 &&
				   memcmp(f6->v.p, v6, 16) == 0,
			   "EPRT IPv6: expectation and address field");
	static const char *const bad[] = {
		"EPRT |3|10.0.0.1|6275|\r\n",   "EPRT |1|10.0.0.300|6275|\r\n", "EPRT |1|10.0.0.1|70000|\r\n",
		"EPRT |1|10.0.0.1|6275\r\n",    "EPRT 1|10.0.0.1|6275|\r\n",    "EPRT |1||6275|\r\n",
		"EPRT |1|10.0.0.1|62|75|\r\n",  "EPRT |2|2001:::1|6275|\r\n",   "EPRT\r\n",
	};
	test_report_result(none_expected(&c, 0, bad, sizeof bad / sizeof bad[0]), "malformed EPRT commands: no expectation");
}

static void test_cwd(void)
{
	static struct conn c;
	conn_init(&c);
	static const char *const steps[][2] = {
		{ "PWD\r\n", "257 \"/home/a\"\"b\" is current directory.\r\n" },
		{ "CWD sub\r\n", "250 ok\r\n" },
		{ "CWD ../x/./y\r\n", "250 ok\r\n" },
		{ "CDUP\r\n", "250 ok\r\n" },
		{ "CWD /abs/dir/\r\n", "250 ok\r\n" },
		{ "CWD nope\r\n", "550 no\r\n" },
		{ "MKD new\r\n", "257 \"/abs/dir/new\" created\r\n" },
		{ "CWD ../../../..\r\n", "250 ok\r\n" },
	};
	static const char *const want[] = { "/home/a\"b", "/home/a\"b/sub", "/home/a\"b/x/y", "/home/a\"b/x",
					     "/abs/dir/", "/abs/dir/", "/abs/dir/", "/" };
	int ok = 1;
	const uint8_t cwd_fid = fid("ftp.current-working-directory");
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		conn_seg(&c, 0, (const uint8_t *)steps[i][0], (uint32_t)strlen(steps[i][0]));
		conn_seg(&c, 1, (const uint8_t *)steps[i][1], (uint32_t)strlen(steps[i][1]));
		if (!field_str(&c, cwd_fid, want[i])) {
			const struct proto_fv *f = field(&c, cwd_fid);
			printf("# step %zu: cwd \"%.*s\", want \"%s\"\n", i, f ? (int)f->len : 0,
			       f ? (const char *)f->v.p : "", want[i]);
			ok = 0;
		}
	}
	test_report_result(ok, "cwd from 257 (PWD only), CWD relative/absolute, CDUP, .. past the root");
}

static void test_tls_and_junk(void)
{
	static struct conn c;
	conn_init(&c);
	SEG(&c, 0, "AUTH TLS\r\n");
	SEG(&c, 1, "234 Proceed with negotiation.\r\n");
	struct proto_res r = SEG(&c, 0, "\x16\x03\x01\x00\x05hello");
	test_report_result(r.status == PROTO_ERR, "after AUTH TLS and 234 the connection is no longer FTP");

	conn_init(&c);
	static uint8_t big[3000];
	memset(big, 'A', sizeof big);
	big[sizeof big - 2] = '\r';
	big[sizeof big - 1] = '\n';
	r = conn_seg(&c, 0, big, sizeof big);
	int ok = r.status == PROTO_OK && r.consumed == sizeof big && c.anomalies > 0;
	SEG(&c, 0, "USER x\r\n");
	SEG(&c, 1, "331 pw\r\n");
	ok = ok && sink_has(&c.sink, "command=USER arg=x reply_code=331");
	test_report_result(ok, "a line past the line cap is cut and counted; later lines still parse");

	conn_init(&c);
	for (int i = 0; i < 10; i++)
		SEG(&c, 0, "NOOP\r\n");
	SEG(&c, 1, "200 a\r\n");
	test_report_result(sink_count(&c.sink, "ftp") == 7 && sink_has(&c.sink, "command=NOOP reply_code=200"),
			   "more commands than the queue holds: the oldest are reported without reply");
}

/* A retransmitted reply is dissected again in a fresh state (src/flow/pdu.c): its columns
 * are shown, but it does not answer a second command. */
static void test_replay(void)
{
	static struct conn c;
	static unsigned char scratch[4096];
	conn_init(&c);
	SEG(&c, 1, "220 ready\r\n");
	SEG(&c, 0, "USER a\r\n");
	SEG(&c, 1, "331 pw\r\n");
	SEG(&c, 0, "PASS b\r\n");
	memset(scratch, 0, sizeof scratch);
	memset(&c.pkt, 0, sizeof c.pkt);
	struct proto_ctx ctx = { .state = scratch, .peer = c.st[0], .l4 = PROTO_L4_TCP, .alen = 4, .out = &c.pkt,
				 .sport = 21, .dport = 40000, .src = srv_ip, .dst = cli_ip };
	c.pd->parse(&ctx, 1, (struct slice){ S("331 pw\r\n") });
	int shown = info_is(&c, "Response: 331 pw");
	SEG(&c, 1, "230 in\r\n");
	test_report_result(shown && sink_has(&c.sink, "command=PASS arg=b reply_code=230"),
			   "a retransmitted reply shows its columns and pairs with nothing");
}

static void test_probe(void)
{
	const struct proto_desc *pd = proto_find("ftp");
	test_report_result(pd->probe(PROTO_L4_TCP, (struct slice){ S("220 (vsFTPd 3.0.5)\r\n") }) == PROBE_YES &&
				   pd->probe(PROTO_L4_TCP, (struct slice){ S("220 ftp.example.org ESMTP Postfix\r\n") }) ==
					   PROBE_MAYBE &&
				   pd->probe(PROTO_L4_TCP, (struct slice){ S("220 py.fake ready\r\n") }) == PROBE_MAYBE &&
				   pd->probe(PROTO_L4_TCP, (struct slice){ S("USER bob\r\n") }) == PROBE_MAYBE &&
				   pd->probe(PROTO_L4_TCP, (struct slice){ S("GET / HTTP/1.1\r\n") }) == PROBE_NO &&
				   pd->probe(PROTO_L4_UDP, (struct slice){ S("220 FTP\r\n") }) == PROBE_NO,
			   "probe: FTP banners yes, mail banners and USER maybe, others no");
}

/* ---- data connections -------------------------------------------------------------------- */

struct dconn {
	const struct proto_desc *pd;
	unsigned char st[2][4096];
	struct proto_pkt pkt;
};

static void dconn_seg(struct dconn *d, struct conn *ctl, int dir, uint8_t tag, uint16_t sport, uint16_t dport,
		      const uint8_t *p, uint32_t n)
{
	memset(&d->pkt, 0, sizeof d->pkt);
	struct proto_ctx ctx = { .state = d->st[dir], .peer = d->st[!dir], .l4 = PROTO_L4_TCP, .alen = 4,
				 .out = &d->pkt, .env = ctl ? &ctl->env : NULL, .is_orig = (uint8_t)!dir,
				 .sport = sport, .dport = dport, .link_tag = tag, .src = cli_ip, .dst = srv_ip,
				 .parent = ctl ? ctl->st[0] : NULL, .parent_stride = 4096 };
	d->pd->parse(&ctx, (uint8_t)dir, (struct slice){ p, n });
}

static void dconn_end(struct dconn *d, struct conn *ctl)
{
	struct proto_ctx ctx = { .state = d->st[0], .peer = d->st[1], .env = &ctl->env };
	d->pd->on_flow_end(&ctx);
	d->pd->fini(d->st[0]);
	d->pd->fini(d->st[1]);
}

static void test_data(void)
{
	static struct conn c;
	static struct dconn d;
	conn_init(&c);
	memset(&d, 0, sizeof d);
	d.pd = proto_find("ftp-data");
	SEG(&c, 0, "CWD /backup/\r\n");
	SEG(&c, 1, "250 CWD successful.\r\n");
	SEG(&c, 0, "PASV\r\n");
	SEG(&c, 1, "227 Entering Passive Mode (10,0,0,2,192,14)\r\n");
	uint8_t tag = c.last.expect[0].tag;
	SEG(&c, 0, "STOR store4829-03222010.csv\r\n");
	static uint8_t data[1460 + 608];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)('a' + i % 26);
	dconn_seg(&d, &c, 0, tag, 2559, 49166, data, 1460);
	int ok = d.pkt.shown && strcmp(d.pkt.info, "FTP Data: 1460 bytes (PASV) (STOR store4829-03222010.csv)") == 0;
	if (!ok)
		printf("# info \"%s\"\n", d.pkt.info);
	test_report_result(ok, "data Info: size, method and the command line");
	dconn_seg(&d, &c, 0, tag, 2559, 49166, data + 1460, 608);
	test_report_result(strcmp(d.pkt.info, "FTP Data: 608 bytes (PASV) (STOR store4829-03222010.csv)") == 0,
			   "second data segment");
	/* a new PASV replaces the session's channel: this flow keeps what it knew */
	SEG(&c, 1, "150 ok\r\n226 done\r\n");
	SEG(&c, 0, "PASV\r\n");
	SEG(&c, 1, "227 Entering Passive Mode (10,0,0,2,192,15)\r\n");
	SEG(&c, 0, "RETR other\r\n");
	dconn_seg(&d, &c, 0, tag, 2559, 49166, data, 10);
	test_report_result(strcmp(d.pkt.info, "FTP Data: 10 bytes (PASV) (STOR store4829-03222010.csv)") == 0,
			   "a later data channel does not relabel an older connection");
	dconn_end(&d, &c);
	uint8_t dig[32];
	unsigned dl = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	EVP_DigestUpdate(md, data, sizeof data);
	EVP_DigestUpdate(md, data, 10);
	EVP_DigestFinal_ex(md, dig, &dl);
	EVP_MD_CTX_free(md);
	char want[256], hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", dig[i]);
	snprintf(want, sizeof want, "seen_bytes=%zu is_orig=1 complete=1 sha256=%s", sizeof data + 10, hex);
	test_report_result(sink_has(&c.sink, "files source=FTP_DATA filename=/backup/store4829-03222010.csv "
					    "mime_type=text/plain") &&
				   sink_has(&c.sink, want),
			   "the upload is one file: name joined with the cwd, size and sha256");
	test_report_result(sink_has(&c.sink, "ftp_data command=STOR store4829-03222010.csv filename=/backup/store4829-"
					    "03222010.csv method=PASV direction=upload size=2078"),
			   "ftp_data record: direction upload");

	/* tshark 4.0 shows the first command after the setup; the file is named by the transfer */
	conn_init(&c);
	memset(&d, 0, sizeof d);
	d.pd = proto_find("ftp-data");
	SEG(&c, 0, "EPSV\r\n");
	SEG(&c, 1, "229 Entering Extended Passive Mode (|||38141|)\r\n");
	tag = c.last.expect[0].tag;
	SEG(&c, 0, "SIZE /README\r\n");
	SEG(&c, 1, "213 16557\r\n");
	SEG(&c, 0, "RETR /README\r\n");
	dconn_seg(&d, &c, 1, tag, 38141, 40000, data, 1448);
	test_report_result(strcmp(d.pkt.info, "FTP Data: 1448 bytes (EPASV) (SIZE /README)") == 0,
			   "Info: the first command after EPSV");
	dconn_end(&d, &c);
	test_report_result(sink_has(&c.sink, "files source=FTP_DATA filename=/README") &&
				   sink_has(&c.sink, "command=RETR /README filename=/README method=EPASV direction=download"),
			   "the object is named by the RETR that followed");

	/* no control flow: the method from the tag only */
	memset(&d, 0, sizeof d);
	d.pd = proto_find("ftp-data");
	dconn_seg(&d, NULL, 1, 2, 5000, 40000, data, 5);
	test_report_result(d.pkt.shown && strcmp(d.pkt.info, "FTP Data: 5 bytes (EPASV)") == 0,
			   "parent gone: Info with the method only");
	d.pd->fini(d.st[0]);
	d.pd->fini(d.st[1]);

	/* active mode from a port other than 20: tshark shows TCP; the file is still recorded */
	conn_init(&c);
	memset(&d, 0, sizeof d);
	d.pd = proto_find("ftp-data");
	SEG(&c, 0, "PORT 10,0,0,1,131,46\r\n");
	tag = c.last.expect[0].tag;
	SEG(&c, 1, "200 ok\r\n");
	SEG(&c, 0, "LIST\r\n");
	dconn_seg(&d, &c, 1, tag, 61920, 33582, data, 100);
	int hidden = !d.pkt.shown;
	dconn_seg(&d, &c, 1, tag, 20, 33582, data, 100);
	test_report_result(hidden && d.pkt.shown && strcmp(d.pkt.info, "FTP Data: 100 bytes (PORT) (LIST)") == 0,
			   "PORT data: shown only from the server's port 20");
	/* EPRT: tshark never links it; from port 20 it is FTP-DATA by the port alone */
	struct dconn e;
	memset(&e, 0, sizeof e);
	e.pd = d.pd;
	SEG(&c, 0, "EPRT |1|10.0.0.1|6275|\r\n");
	uint8_t etag = c.last.expect[0].tag;
	SEG(&c, 0, "RETR f\r\n");
	dconn_seg(&e, &c, 1, etag, 40001, 6275, data, 7);
	hidden = !e.pkt.shown;
	dconn_seg(&e, &c, 1, etag, 20, 6275, data, 7);
	test_report_result(hidden && e.pkt.shown && strcmp(e.pkt.info, "FTP Data: 7 bytes") == 0,
			   "EPRT data: hidden, or plain from port 20");
	e.pd->fini(e.st[0]);
	e.pd->fini(e.st[1]);
	memset(&e, 0, sizeof e);
	e.pd = d.pd;
	int before = c.sink.n;
	dconn_seg(&e, &c, 1, 0, 20, 1234, data, 9);
	struct proto_ctx ectx = { .state = e.st[0], .peer = e.st[1], .env = &c.env };
	e.pd->on_flow_end(&ectx);
	test_report_result(e.pkt.shown && strcmp(e.pkt.info, "FTP Data: 9 bytes") == 0 && c.sink.n == before,
			   "port 20 without a control session: plain Info, no object");
	e.pd->fini(e.st[0]);
	e.pd->fini(e.st[1]);
	dconn_end(&d, &c);
	test_report_result(sink_has(&c.sink, "files source=FTP_DATA filename=LIST") &&
				   sink_has(&c.sink, "direction=download size=200"),
			   "listing object named after the command, a download");
}

int main(void)
{
	test_columns();
	test_records();
	test_bytewise();
	test_prefixes();
	test_pasv();
	test_epsv();
	test_port_eprt();
	test_cwd();
	test_tls_and_junk();
	test_replay();
	test_probe();
	test_data();
	printf("1..%d\n", test_num);
	return test_failed != 0;
}
