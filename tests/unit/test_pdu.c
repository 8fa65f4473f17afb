/* test_pdu.c: the TCP-to-dissector plumbing (src/flow/pdu.c) against what tshark's reassembly
 * shows, fed hand-made segments of HTTP conversations with the TCP analysis flags the flow layer
 * would set: PDUs in order, a gap inside a PDU (its end is then only a segment of it, unless the
 * missing bytes come after all), fast retransmissions placed with the table of multi-segment
 * PDUs, a retransmitted header hidden by a PDU that starts later, out-of-order segments, bodies
 * that end with the FIN, and a conversation whose dissector is found at a later segment. */
#include <stdio.h>
#include <string.h>

#include "flow/pdu.h"
#include "tap.h"

#define ISN_C 1000u       /* client's first data byte */
#define ISN_S 0x7ffffff0u /* server's: the sequence numbers wrap past 2^31 */

struct tconv {
	struct pdu_conv *pc;
	struct frame fr;
	struct pkt p;
	struct flow_pkt fp;
	struct proto_env env;
	struct pdu_io io;
	uint16_t port[2];     /* source port of direction 0 (client) and 1 (server) */
	char verdict[256];    /* what the last segment shows (see tc_verdict) */
};

static struct proto_pkt tc_out;
static uint8_t tc_zero[4096];

static const uint8_t SRC[4] = { 10, 0, 0, 1 }, DST[4] = { 10, 0, 0, 2 };

/* A new conversation (the previous one, if any, was released with pdu_conv_free). */
static void tc_init(struct tconv *c, uint16_t server_port)
{
	memset(c, 0, sizeof *c);
	c->port[0] = 40000;
	c->port[1] = server_port;
	c->io.env = &c->env;
	c->io.out = &tc_out;
	c->io.alen = 4;
	c->fr.ts_sec = 1700000000;
}

/* "HTTP:<Info>" when a PDU is shown in the segment, "SEG" or "SEG:<line>" for a segment of a
 * reassembled PDU (with the text the dissector left in Info), "TCP" when neither. */
static void tc_verdict(struct tconv *c)
{
	const struct flow_pkt *fp = &c->fp;
	if ((fp->pdu & FP_PDU_DONE) && fp->app && fp->app->shown)
		snprintf(c->verdict, sizeof c->verdict, "HTTP:%.*s", (int)fp->app->info_len, fp->app->info);
	else if ((fp->pdu & FP_PDU_SEGMENT) && fp->app_info == PROTO_INFO_LINE)
		snprintf(c->verdict, sizeof c->verdict, "SEG:%.*s", (int)fp->app_line.len, (const char *)fp->app_line.p);
	else if (fp->pdu & FP_PDU_SEGMENT)
		snprintf(c->verdict, sizeof c->verdict, "SEG");
	else if (fp->pdu & FP_PDU_DONE)
		snprintf(c->verdict, sizeof c->verdict, "DONE-UNSHOWN");
	else
		snprintf(c->verdict, sizeof c->verdict, "TCP");
}

/* One segment: `rel` is the offset of its first byte in the direction's stream; `analysis` the
 * TCP analysis flags; `len` bytes of `data` (zeros when NULL). */
static void tc_seg(struct tconv *c, uint8_t dir, uint32_t rel, const char *data, uint32_t len, uint32_t analysis,
		   uint16_t flags)
{
	memset(&c->p, 0, sizeof c->p);
	c->fr.num++;
	c->fr.ts_nsec += 1000;
	c->p.fr = &c->fr;
	c->p.layers = PL_TCP;
	c->p.tcp.sport = c->port[dir];
	c->p.tcp.dport = c->port[!dir];
	c->p.tcp.seq = (dir ? ISN_S : ISN_C) + rel;
	c->p.tcp.flags = (uint16_t)(TH_ACK | flags);
	c->p.tcp.len = len;
	c->p.tcp.payload.p = data ? (const uint8_t *)data : tc_zero;
	c->p.tcp.payload.len = len;
	memset(&c->fp, 0, sizeof c->fp);
	c->fp.tcp_valid = 1;
	c->fp.analysis = analysis;
	memset(&tc_out, 0, sizeof tc_out);
	c->io.src = dir ? DST : SRC;
	c->io.dst = dir ? SRC : DST;
	pdu_tcp_segment(&c->pc, &c->p, dir, &c->fp, &c->io);
	tc_verdict(c);
}

static void tc_expect(struct tconv *c, const char *want, const char *what)
{
	int ok = strcmp(c->verdict, want) == 0;
	test_reportf(ok, "%s: %s", what, ok ? want : c->verdict);
	if (!ok)
		printf("#   want %s\n", want);
}

#define STR(s) s, (uint32_t)(sizeof(s) - 1)

static const char get1[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
/* a response of 40 header bytes and a 300-byte body */
static const char resp300[] = "HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n";
static const char resp0[] = "HTTP/1.1 204 No Content\r\n\r\n";

/* The request, then a 340-byte response over segments of 140, 100 and 100 bytes. */
static void tc_start(struct tconv *c)
{
	tc_init(c, 80);
	tc_seg(c, 0, 0, STR(get1), 0, TH_PSH);
}

static char head140[140];

static void test_in_order(void)
{
	struct tconv c;
	tc_start(&c);
	tc_expect(&c, "HTTP:GET /a HTTP/1.1 ", "a request in one segment");
	tc_seg(&c, 1, 0, head140, 140, 0, 0);
	tc_expect(&c, "SEG:HTTP/1.1 200 OK", "the response's first segment");
	tc_seg(&c, 1, 140, NULL, 100, 0, 0);
	tc_expect(&c, "SEG", "inside the body");
	tc_seg(&c, 1, 240, NULL, 100, 0, TH_PSH);
	tc_expect(&c, "HTTP:HTTP/1.1 200 OK ", "the body's end shows the response");
	pdu_conv_free(&c.pc);
}

static void test_gap(void)
{
	struct tconv c;
	tc_start(&c);
	tc_seg(&c, 1, 0, head140, 140, 0, 0);
	tc_seg(&c, 1, 240, NULL, 100, TA_LOST, TH_PSH); /* [140, 240) not captured */
	tc_expect(&c, "SEG", "a PDU that lost bytes is never reassembled: its end is a segment of it");
	tc_seg(&c, 0, sizeof get1 - 1, STR(get1), 0, TH_PSH);
	tc_seg(&c, 1, 340, STR(resp0), 0, TH_PSH);
	tc_expect(&c, "HTTP:HTTP/1.1 204 No Content ", "the next response is shown again");
	pdu_conv_free(&c.pc);

	/* the missing bytes come as a fast retransmission before the end: reassembled after all */
	tc_start(&c);
	tc_seg(&c, 1, 0, head140, 140, 0, 0);
	tc_seg(&c, 1, 200, NULL, 60, TA_LOST, 0);
	tc_expect(&c, "SEG", "after the gap, inside the PDU");
	tc_seg(&c, 1, 140, NULL, 60, TA_FAST_RETRANS, 0);
	tc_expect(&c, "SEG", "the missing bytes, fast retransmitted, join the PDU");
	tc_seg(&c, 1, 260, NULL, 80, 0, TH_PSH);
	tc_expect(&c, "HTTP:HTTP/1.1 200 OK ", "the PDU with its hole filled is shown at its end");
	pdu_conv_free(&c.pc);

	/* ... or out of order after the end: tshark reassembles it there but shows nothing */
	tc_start(&c);
	tc_seg(&c, 1, 0, head140, 140, 0, 0);
	tc_seg(&c, 1, 240, NULL, 100, TA_LOST, TH_PSH);
	tc_seg(&c, 1, 140, NULL, 50, TA_OOO, 0);
	tc_expect(&c, "SEG", "an out-of-order segment inside a PDU that still lacks bytes");
	tc_seg(&c, 1, 190, NULL, 50, TA_OOO, 0);
	tc_expect(&c, "TCP", "the out-of-order segment that completes an ended PDU");
	pdu_conv_free(&c.pc);
}

static void test_fast_retransmission(void)
{
	struct tconv c;
	tc_start(&c);
	tc_seg(&c, 1, 0, head140, 140, 0, 0);
	tc_seg(&c, 1, 140, NULL, 100, 0, 0);
	tc_seg(&c, 1, 140, NULL, 100, TA_FAST_RETRANS, 0);
	tc_expect(&c, "SEG", "a fast retransmission inside the open PDU joins it (no Continuation)");
	tc_seg(&c, 1, 240, NULL, 100, 0, TH_PSH);
	tc_expect(&c, "HTTP:HTTP/1.1 200 OK ", "the end still shows the response");
	tc_seg(&c, 1, 240, NULL, 100, TA_FAST_RETRANS, TH_PSH);
	tc_expect(&c, "SEG", "a fast retransmission inside a PDU reassembled before joins it");
	tc_seg(&c, 1, 0, head140, 140, TA_FAST_RETRANS, 0);
	tc_expect(&c, "TCP", "a copy of a multi-segment PDU's first segment is left to TCP");
	pdu_conv_free(&c.pc);

	/* outside any multi-segment PDU the copy is dissected afresh */
	tc_start(&c);
	tc_seg(&c, 1, 0, STR(resp0), 0, TH_PSH);
	tc_seg(&c, 1, 0, STR(resp0), TA_FAST_RETRANS, TH_PSH);
	tc_expect(&c, "HTTP:HTTP/1.1 204 No Content ", "a copy of a one-segment PDU is dissected afresh");
	pdu_conv_free(&c.pc);
}

/* The header's first copy is lost; later data arrives first (dissected afresh: a short piece
 * without a line end waits for one more segment); then the header comes again. The PDU it starts
 * is hidden by the later one, so the next segment completes that one. */
static void test_hidden_redissection(void)
{
	struct tconv c;
	tc_start(&c);
	tc_seg(&c, 1, 0, STR(resp0), 0, TH_PSH);
	tc_seg(&c, 1, 240, STR("abcdefghij"), TA_LOST, TH_PSH);
	tc_expect(&c, "SEG", "data without a line end after a gap waits for one more segment");
	tc_seg(&c, 1, 27, head140, 140, TA_FAST_RETRANS, 0);
	tc_expect(&c, "SEG:HTTP/1.1 200 OK", "the retransmitted header is dissected afresh");
	tc_seg(&c, 1, 250, STR("klm\r\nnop"), 0, TH_PSH);
	tc_expect(&c, "HTTP:Continuation", "the next segment completes the later PDU, not the header's");
	pdu_conv_free(&c.pc);

	/* without a later PDU, the retransmitted header's PDU is the one later data falls into */
	tc_start(&c);
	tc_seg(&c, 1, 0, STR(resp0), 0, TH_PSH);
	tc_seg(&c, 1, 200, STR("abc\r\ndef\r\n"), TA_LOST, 0);
	tc_expect(&c, "HTTP:Continuation", "data after a gap, outside any PDU, is dissected afresh");
	tc_seg(&c, 1, 27, head140, 140, TA_FAST_RETRANS, 0);
	tc_seg(&c, 1, 210, NULL, 157, 0, TH_PSH);
	tc_expect(&c, "SEG", "the header's PDU took the later data, but lacks what was seen before");
	pdu_conv_free(&c.pc);
}

static void test_out_of_order(void)
{
	struct tconv c;
	tc_start(&c);
	tc_seg(&c, 1, 0, head140, 140, 0, 0);
	tc_seg(&c, 1, 240, NULL, 50, TA_LOST, 0);
	tc_seg(&c, 1, 140, NULL, 100, TA_OOO, 0);
	tc_expect(&c, "SEG", "an out-of-order segment inside the open PDU");
	tc_seg(&c, 1, 290, NULL, 50, 0, TH_PSH);
	tc_expect(&c, "HTTP:HTTP/1.1 200 OK ", "its bytes complete the PDU at its end");
	tc_seg(&c, 1, 340, STR(resp0), 0, TH_PSH);
	tc_seg(&c, 1, 345, NULL, 10, TA_OOO, 0);
	tc_expect(&c, "TCP", "out of order past every multi-segment PDU: left to TCP");
	pdu_conv_free(&c.pc);
}

static const char close_head[] = "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>";
static const char huge[] = "HTTP/1.1 200 OK\r\nContent-Length: 2200000000\r\n\r\nAAAA";

static void test_fin(void)
{
	struct tconv c;
	tc_start(&c);
	tc_seg(&c, 1, 0, STR(close_head), 0, 0);
	tc_expect(&c, "SEG:HTTP/1.0 200 OK", "a body without length runs until the close");
	tc_seg(&c, 1, sizeof close_head - 1, STR("</html>"), 0, 0);
	tc_expect(&c, "SEG", "more of it");
	tc_seg(&c, 1, sizeof close_head - 1 + 7, NULL, 0, 0, TH_FIN);
	tc_expect(&c, "HTTP:HTTP/1.0 200 OK  (text/html)", "the FIN ends it and shows it");
	pdu_conv_free(&c.pc);

	tc_start(&c);
	tc_seg(&c, 1, 0, STR(close_head), 0, 0);
	tc_seg(&c, 1, sizeof close_head - 1, STR("</html>"), 0, TH_FIN | TH_PSH);
	tc_expect(&c, "HTTP:HTTP/1.0 200 OK  (text/html)", "the last data with the FIN shows it");
	pdu_conv_free(&c.pc);

	tc_start(&c);
	tc_seg(&c, 1, 0, STR(close_head), 0, 0);
	tc_seg(&c, 1, 100, NULL, 0, TA_LOST, TH_FIN);
	tc_expect(&c, "TCP", "a FIN after a gap: the body lacks bytes, nothing is shown");
	tc_seg(&c, 1, 50, NULL, 30, TA_OOO, 0);
	tc_expect(&c, "SEG", "part of the missing bytes out of order");
	tc_seg(&c, 1, 80, NULL, 20, TA_OOO, 0);
	tc_expect(&c, "TCP", "the rest completes it without showing it");
	pdu_conv_free(&c.pc);

	/* tshark waits for the close when a Content-Length is past 2^31 - 1 */
	tc_start(&c);
	tc_seg(&c, 1, 0, STR(huge), 0, TH_PSH);
	tc_expect(&c, "SEG:HTTP/1.1 200 OK", "a huge Content-Length");
	tc_seg(&c, 1, sizeof huge - 1, NULL, 0, 0, TH_FIN);
	tc_expect(&c, "HTTP:HTTP/1.1 200 OK ", "the FIN ends a body with a huge Content-Length");
	pdu_conv_free(&c.pc);
}

/* A SOCKS-like handshake on an unassigned port: no dissector takes the first payloads; HTTP is
 * found by content at the first request, as tshark's heuristics find it. */
static void test_later_dissector(void)
{
	struct tconv c;
	tc_init(&c, 8124);
	tc_seg(&c, 0, 0, STR("\x05\x01\x00"), 0, TH_PSH);
	tc_expect(&c, "TCP", "a SOCKS greeting is nobody's");
	tc_seg(&c, 1, 0, STR("\x05\x00"), 0, TH_PSH);
	tc_expect(&c, "TCP", "nor its answer");
	tc_seg(&c, 0, 3, STR(get1), 0, TH_PSH);
	tc_expect(&c, "HTTP:GET /a HTTP/1.1 ", "the tunnelled request is found by content");
	tc_seg(&c, 1, 2, STR(resp0), 0, TH_PSH);
	tc_expect(&c, "HTTP:HTTP/1.1 204 No Content ", "the answer goes to the same dissector");
	pdu_conv_free(&c.pc);

	tc_init(&c, 8124);
	tc_seg(&c, 0, 0, STR("\x05\x01\x00"), 0, TH_PSH);
	tc_seg(&c, 0, 100, STR(get1), TA_OOO, TH_PSH);
	tc_expect(&c, "TCP", "an out-of-order segment is not probed");
	pdu_conv_free(&c.pc);
}

int main(void)
{
	struct errbuf e;
	test_report_result(registry_validate(&e) == 0, "registry validates");
	memcpy(head140, resp300, sizeof resp300 - 1);
	memset(head140 + sizeof resp300 - 1, 'b', sizeof head140 - (sizeof resp300 - 1));
	test_in_order();
	test_gap();
	test_fast_retransmission();
	test_hidden_redissection();
	test_out_of_order();
	test_fin();
	test_later_dissector();
	printf("1..%d\n", test_num);
	return test_failed ? 1 : 0;
}
