/* test_dfilter.c: unit test of the display-filter compiler and evaluator (filter/dfilter_*.c):
 * lexer and parser edge cases (operators in both forms, strings with escapes, numbers in three
 * bases, sets and ranges, slices, CIDR, times, the caret position of errors and the suggestion
 * for a misspelt field) and evaluation on crafted Ethernet/IPv4/IPv6 TCP and UDP packets with
 * Wireshark 4.0's occurrence semantics. TAP-style output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/decode.h"
#include "filter/dfilter.h"
#include "flow/flow.h"

#include "tap.h"

/* One crafted packet, decoded and run through the flow table. */
struct test_pkt {
	uint8_t buf[256];
	struct frame f;
	struct pkt p;
	struct flow_pkt fp;
	struct fctx c;
};

static const uint8_t MAC_A[6] = { 0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e };
static const uint8_t MAC_B[6] = { 0x02, 0x00, 0x0a, 0x63, 0x00, 0x01 };

/* Ethernet + IPv4 (or IPv6) + TCP (proto 6) or UDP (17), with `plen` payload bytes "GET /x". */
static void test_build(struct test_pkt *t, struct flow_table *ft, uint64_t num, int v6, uint8_t proto,
		       uint16_t sp, uint16_t dp, uint16_t flags)
{
	static const char payload[] = "GET /index.html HTTP/1.1\r\n";
	uint32_t plen = proto == 6 ? 0 : (uint32_t)sizeof payload - 1;
	uint8_t *b = t->buf;
	memset(t, 0, sizeof *t);
	memcpy(b, MAC_B, 6);
	memcpy(b + 6, MAC_A, 6);
	b[12] = v6 ? 0x86 : 0x08;
	b[13] = v6 ? 0xdd : 0x00;
	uint8_t *ip = b + 14;
	uint32_t l4 = proto == 6 ? 20 : 8;
	uint32_t iph = v6 ? 40 : 20;
	if (v6) {
		ip[0] = 0x60;
		ip[4] = (uint8_t)((l4 + plen) >> 8);
		ip[5] = (uint8_t)(l4 + plen);
		ip[6] = proto;
		ip[7] = 64;
		ip[8] = 0xfd; ip[9] = 0x99; ip[23] = 2;   /* fd99::2 */
		ip[24] = 0xfd; ip[25] = 0x99; ip[39] = 1; /* fd99::1 */
	} else {
		uint32_t tot = iph + l4 + plen;
		ip[0] = 0x45;
		ip[2] = (uint8_t)(tot >> 8);
		ip[3] = (uint8_t)tot;
		ip[6] = 0x40;
		ip[8] = 64;
		ip[9] = proto;
		ip[12] = 10; ip[13] = 99; ip[14] = 0; ip[15] = 2;
		ip[16] = 192; ip[17] = 168; ip[18] = 1; ip[19] = 7;
	}
	uint8_t *l = ip + iph;
	l[0] = (uint8_t)(sp >> 8);
	l[1] = (uint8_t)sp;
	l[2] = (uint8_t)(dp >> 8);
	l[3] = (uint8_t)dp;
	if (proto == 6) {
		l[7] = 1;
		l[12] = 5 << 4;
		l[13] = (uint8_t)flags;
		l[14] = 0x10;
	} else {
		l[4] = (uint8_t)((8 + plen) >> 8);
		l[5] = (uint8_t)(8 + plen);
		memcpy(l + 8, payload, plen);
	}
	uint32_t tot = 14 + iph + l4 + plen;
	t->f.data = b;
	t->f.caplen = t->f.len = tot;
	t->f.ts_sec = 1265664720 + 60; /* 2010-02-08 21:33:00 UTC */
	t->f.ts_nsec = 500000000;
	t->f.ts_digits = 9;
	t->f.linktype = LT_ETHERNET;
	t->f.num = num;
	decode_frame(&t->f, &t->p);
	flow_table_packet(ft, &t->p, &t->fp);
	t->c.p = &t->p;
	t->c.fp = &t->fp;
	t->c.first_ns = frame_ns(&t->f) - 1500000000ll;
	t->c.prev_ns = frame_ns(&t->f) - 1000;
}

/* Compiles `f` and checks it against `t`: want 1 match, 0 no match. */
static void test_eval(struct test_pkt *t, const char *f, int want)
{
	struct dfilter *df;
	struct errbuf e;
	uint32_t elen;
	if (dfilter_compile(&df, f, &e, &elen) < 0) {
		printf("# %s: %s\n", f, e.msg);
		test_reportf(0, "compiles: %s", f);
		return;
	}
	int got = dfilter_match(df, &t->c);
	test_reportf(got == want, "%s -> %d (want %d)", f, got, want);
	dfilter_free(df);
}

/* A filter that must not compile; the caret goes to byte `pos` and the message holds `frag`. */
static void test_bad(const char *f, uint32_t pos, const char *frag)
{
	struct dfilter *df = NULL;
	struct errbuf e;
	uint32_t elen = 0;
	memset(&e, 0, sizeof e);
	int rc = dfilter_compile(&df, f, &e, &elen);
	int ok = rc == ERR_USAGE && df == NULL && e.has_offset && e.offset == pos && strstr(e.msg, frag) != NULL;
	if (!ok)
		printf("# %s: rc %d offset %llu msg \"%s\"\n", f, rc, (unsigned long long)e.offset, e.msg);
	test_reportf(ok, "rejected at %u (\"%s\"): %s", pos, frag, f);
	dfilter_free(df);
}

static void test_format_error(void)
{
	struct dfilter *df;
	struct errbuf e;
	uint32_t elen;
	const char *f = "ip.src == 1.2.3.4 && http.hots";
	int rc = dfilter_compile(&df, f, &e, &elen);
	struct obuf o;
	obuf_init(&o);
	dfilter_format_error(f, &e, elen, &o);
	/* issue 4: a misspelt field gets a suggestion (http.host is registered by the HTTP dissector) */
	const char *want = "http.hots is neither a field nor a protocol name. Did you mean http.host?\n"
			   "    ip.src == 1.2.3.4 && http.hots\n"
			   "                         ^~~~~~~~~\n";
	int ok = rc < 0 && elen == 9 && !strcmp(obuf_cstr(&o), want);
	if (!ok)
		printf("# got:\n%s", obuf_cstr(&o));
	test_report_result(ok, "error shows the filter and a caret with tildes under the unknown name");
	obuf_free(&o);
}

static void test_suggest(void)
{
	struct dfilter *df;
	struct errbuf e;
	uint32_t elen;
	int rc = dfilter_compile(&df, "tcp.strem eq 3", &e, &elen);
	test_reportf(rc < 0 && strstr(e.msg, "Did you mean tcp.stream?") != NULL, "misspelt field gets a suggestion: %s", e.msg);
}

static void test_parse_errors(void)
{
	test_bad("", 0, "empty");
	test_bad("tcp.port ==", 11, "Unexpected end");
	test_bad("(tcp", 4, "Unexpected end");
	test_bad("tcp)", 3, "unexpected");
	test_bad("tcp.port == 80 tcp", 15, "\"tcp\" was unexpected");
	test_bad("tcp.port in {80 443}", 16, "\"443\" was unexpected");
	test_bad("tcp.port in {}", 13, "unexpected");
	test_bad("tcp.port == 99999", 12, "too big");
	test_bad("tcp.port == \"80\"", 12, "cannot be converted from a string");
	test_bad("tcp.port == http", 12, "protocol or label");
	test_bad("tcp.port == eighty", 12, "not a valid number");
	test_bad("ip.addr == 10.99.0.300", 11, "not a valid hostname or IPv4");
	test_bad("ip.addr == 10.0.0.0/33", 11, "subnet mask");
	test_bad("ipv6.addr == fd99::1::2", 13, "IPv6");
	test_bad("eth.src == 02:00:0a", 11, "too few bytes");
	test_bad("eth.src == 02:00:0a:00:00:00:01", 11, "too many bytes");
	test_bad("eth.src == zz:00:0a:00:00:01", 11, "Ethernet");
	test_bad("tcp.port contains 80", 0, "cannot participate in contains");
	test_bad("tcp.port[0:1] == 00", 0, "cannot be sliced");
	test_bad("eth.src[x] == 00", 8, "Invalid slice");
	test_bad("tcp == 1", 0, "protocol or label");
	test_bad("frame.time > \"yesterday\"", 13, "absolute time");
	test_bad("_ws.col.Info matches \"a(b\"", 21, "Regular expression");
	test_bad("\"abc", 0, "final quote");
	test_bad("tcp.port == 80 # x", 15, "\"#\" was unexpected");
	test_bad("ip.src == eth.src", 0, "compatible");
	test_bad("foo.bar", 0, "neither a field nor a protocol");
	test_bad("1 == 2", 0, "Constant expression");
	test_bad("tcp AND ip", 4, "\"AND\" was unexpected"); /* keywords are lower case, as in 4.0 */
	test_bad("TCP", 0, "Did you mean tcp?");
	test_bad("tcp.flags.syn == true", 17, "not a valid number");
	char deep[300];
	memset(deep, '(', 200);
	strcpy(deep + 200, "tcp");
	test_bad(deep, 64, "nested too deeply");
	char longf[5000];
	memset(longf, ' ', sizeof longf - 1);
	longf[sizeof longf - 1] = 0;
	test_bad(longf, 0, "longer than");
}

static void test_evaluation(struct flow_table *ft)
{
	struct test_pkt *t = calloc(1, sizeof *t);
	if (!t)
		return;
	test_build(t, ft, 1, 0, 6, 40000, 80, 0x02); /* IPv4 TCP SYN 10.99.0.2:40000 -> 192.168.1.7:80 */
	test_eval(t, "tcp", 1);
	test_eval(t, "udp", 0);
	test_eval(t, "frame && eth && ip && !ipv6", 1);
	test_eval(t, "tcp.port == 80", 1);
	test_eval(t, "tcp.port eq 40000", 1);
	test_eval(t, "tcp.port != 80", 0);       /* 4.0: != is "all not equal" */
	test_eval(t, "tcp.port ~= 80", 1);       /* any not equal */
	test_eval(t, "tcp.port !== 80", 1);
	test_eval(t, "tcp.port any_ne 80", 1);
	test_eval(t, "tcp.port === 80", 0);      /* all equal */
	test_eval(t, "tcp.port all_eq 80", 0);
	test_eval(t, "tcp.port != 22", 1);
	test_eval(t, "udp.port != 22", 0);       /* absent field: every relation is false */
	test_eval(t, "!(udp.port == 22)", 1);
	test_eval(t, "tcp.port in {22, 80}", 1);
	test_eval(t, "tcp.port in {1..79, 81..1024}", 0);
	test_eval(t, "tcp.port in { 79 .. 81 }", 1);
	test_eval(t, "tcp.dstport >= 0x50 and tcp.dstport le 0120", 1); /* hex 80, octal 80 */
	test_eval(t, "tcp.dstport gt 80 || tcp.dstport lt 80", 0);
	test_eval(t, "tcp.flags.syn == True && tcp.flags.ack == False", 1);
	test_eval(t, "tcp.flags.syn", 1);
	test_eval(t, "tcp.flags.ack", 1);        /* present, even when 0 */
	test_eval(t, "tcp.flags == 0x002", 1);
	test_eval(t, "ip.addr == 10.99.0.2", 1);
	test_eval(t, "ip.addr == 192.168.1.7", 1);
	test_eval(t, "ip.addr == 10.0.0.0/8", 1);
	test_eval(t, "ip.src == 192.168.0.0/16", 0);
	test_eval(t, "ip.dst == 192.168.0.0/16", 1);
	test_eval(t, "ip.addr != 10.99.0.2", 0);
	test_eval(t, "ip.src > 10.99.0.1 && ip.src < 10.99.0.3", 1);
	test_eval(t, "ip.src[0:2] == 0a:63", 1);
	test_eval(t, "ip.dst[-1:] == 07", 1);
	test_eval(t, "ip.dst[3] == 07", 1);
	test_eval(t, "ip.dst[1-2] == a8:01", 1);
	test_eval(t, "ip.dst[2:9] == 01", 0);    /* out of range: no value */
	test_eval(t, "eth.src[0:3] == 00:1a:2b", 1);
	test_eval(t, "eth.src == 00-1a-2b-3c-4d-5e", 1);
	test_eval(t, "eth.src == 001a.2b3c.4d5e", 1);
	test_eval(t, "eth.src == 001a2b3c4d5e", 1);
	test_eval(t, "eth.addr == 02:00:0a:63:00:01 and eth.addr == 00:1a:2b:3c:4d:5e", 1);
	test_eval(t, "eth.dst contains 0a:63", 1);
	test_eval(t, "eth.dst contains 63:0a", 0);
	test_eval(t, "ip.src == ip.dst", 0);
	test_eval(t, "ip.src != ip.dst", 1);
	test_eval(t, "tcp.srcport > tcp.dstport", 1);
	test_eval(t, "80 == tcp.dstport && 1000 < tcp.srcport", 1); /* constant on the left */
	test_eval(t, "frame.time >= \"2010-02-08 21:32\"", 1);
	test_eval(t, "frame.time >= \"2010-02-08 21:33:00.6\"", 0);
	test_eval(t, "frame.time == \"Feb  8, 2010 21:33:00.500000000\"", 1);
	test_eval(t, "frame.time_relative == 1.5 && frame.time_delta < 0.001", 1);
	test_eval(t, "frame.time_epoch > 1265664780.4", 1);
	test_eval(t, "frame.len == 54", 1);
	test_eval(t, "ip or udp and not tcp", 1); /* and binds tighter than or */
	test_eval(t, "(ip or udp) and not tcp", 0);
	test_eval(t, "not not tcp", 1);
	test_eval(t, "!tcp || tcp.port == 80 && tcp.len == 0", 1);

	test_build(t, ft, 2, 1, 17, 5353, 53, 0); /* IPv6 UDP fd99::2:5353 -> fd99::1:53 with a payload */
	test_eval(t, "udp && ipv6 && !ip && !tcp", 1);
	test_eval(t, "udp.port == 53 && udp.length == 34", 1);
	test_eval(t, "ipv6.addr == fd99::1", 1);
	test_eval(t, "ipv6.src == fd99::/16", 1);
	test_eval(t, "ipv6.src == fd98::/16", 0);
	test_eval(t, "ipv6.src == fd99::2 and ipv6.dst == fd99:0:0:0::1", 1);
	test_eval(t, "ipv6.dst[15] == 01", 1);
	test_eval(t, "ip.addr == 10.0.0.0/8", 0);
	test_eval(t, "_ws.col.Info contains \"53\"", 0); /* columns absent without a renderer */
	test_eval(t, "udp.stream == 0", 1);
	free(t);
}

/* Strings: escapes, contains, matches (PCRE2, (?i)), through a string-valued field. */
static int test_render(struct fctx *c)
{
	c->col_protocol = "HTTP";
	c->col_info = "GET /index.html HTTP/1.1\t\"quoted\"";
	return 0;
}

static void test_strings(struct flow_table *ft)
{
	struct test_pkt *t = calloc(1, sizeof *t);
	if (!t)
		return;
	test_build(t, ft, 3, 0, 6, 40001, 80, 0x18);
	t->c.render_cols = test_render;
	test_eval(t, "_ws.col.Protocol == \"HTTP\"", 1);
	test_eval(t, "_ws.col.Protocol == HTTP", 1);       /* an unquoted literal */
	test_eval(t, "_ws.col.Protocol != \"http\"", 1);
	test_eval(t, "_ws.col.Info contains \"index\"", 1);
	test_eval(t, "_ws.col.Info contains \"\\x49NDEX\"", 0);
	test_eval(t, "_ws.col.Info contains \"1.1\\t\\\"quoted\\\"\"", 1);
	test_eval(t, "_ws.col.Info contains \"\\101\"", 0); /* octal escape: "A" */
	test_eval(t, "_ws.col.Info matches \"^GET /[a-z]+\\\\.html\"", 1);
	test_eval(t, "_ws.col.Info matches \"^get\"", 0);
	test_eval(t, "_ws.col.Info matches \"(?i)^get\"", 1);
	test_eval(t, "_ws.col.Info ~ \"HTTP/1\\\\.[01]\"", 1);
	test_eval(t, "_ws.col.Protocol in {\"DNS\", \"HTTP\"}", 1);
	test_eval(t, "_ws.col.Protocol[0:2] == \"HT\"", 1);
	test_eval(t, "_ws.col.Protocol[0:2] == 48:54", 1);
	test_eval(t, "_ws.col.Protocol > \"DNS\"", 1);
	free(t);
}

int main(void)
{
	struct flow_table *ft;
	struct flow_config cfg;
	struct errbuf e;
	setenv("TZ", "UTC", 1); /* filter times are local times */
	tzset();
	flow_config_default(&cfg);
	if (flow_table_new(&ft, &cfg, &e) < 0) {
		printf("not ok 1 - flow_table_new: %s\n", e.msg);
		return 1;
	}
	test_parse_errors();
	test_format_error();
	test_suggest();
	test_evaluation(ft);
	test_strings(ft);
	flow_table_free(ft);
	printf("1..%d\n", test_num);
	return test_failed != 0;
}
