/* test_flow.c: unit test of the flow table and TCP analysis (flow/flow.c, tcp.c) on crafted
 * packets: tcp.stream numbering of two connections, port reuse (a new SYN with another ISN on
 * the same tuple gets a new stream and TA_REUSED), one udp.stream for both directions, relative
 * seq/ack of a handshake, duplicate ACKs and a retransmission. TAP-style output. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "flow/flow.h"

#include "raw_frame.h"
#include "tap.h"

static const uint8_t CLI[4] = { 10, 99, 0, 2 };
static const uint8_t SRV[4] = { 10, 99, 0, 1 };

/* One raw IPv4 packet, decoded and run through the flow table. */
struct test_run {
	struct flow_table *ft;
	uint64_t num;
	int64_t ns; /* time of the next packet */
	uint8_t buf[256];
	struct frame f;
	struct pkt p;
	struct flow_pkt fp;
};

static void test_send(struct test_run *r, const uint8_t *src, const uint8_t *dst, uint8_t proto, uint16_t sp,
		      uint16_t dp, uint32_t seq, uint32_t ack, uint16_t flags, uint16_t win, uint32_t plen)
{
	uint8_t *b = r->buf;
	uint32_t l4 = proto == 6 ? 20 : 8;
	uint32_t tot = 20 + l4 + plen;
	memset(b, 0, sizeof r->buf);
	b[0] = 0x45;
	b[2] = (uint8_t)(tot >> 8);
	b[3] = (uint8_t)tot;
	b[6] = 0x40;
	b[8] = 64;
	b[9] = proto;
	memcpy(b + 12, src, 4);
	memcpy(b + 16, dst, 4);
	uint8_t *t = b + 20;
	t[0] = (uint8_t)(sp >> 8);
	t[1] = (uint8_t)sp;
	t[2] = (uint8_t)(dp >> 8);
	t[3] = (uint8_t)dp;
	if (proto == 6) {
		for (int i = 0; i < 4; i++) {
			t[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
			t[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
		}
		t[12] = 5 << 4;
		t[13] = (uint8_t)flags;
		t[14] = (uint8_t)(win >> 8);
		t[15] = (uint8_t)win;
	} else {
		t[4] = (uint8_t)((8 + plen) >> 8);
		t[5] = (uint8_t)(8 + plen);
	}
	/* payload: bytes no dissector claims */
	for (uint32_t i = 0; i < plen; i++)
		t[l4 + i] = (uint8_t)(0xf0 ^ i);
	raw_frame_set(&r->f, b, tot, r->ns, ++r->num);
	r->ns += 10 * 1000000; /* 10 ms apart */
	decode_frame(&r->f, &r->p);
	flow_table_packet(r->ft, &r->p, &r->fp);
}

#define TCP_C2S(r, sp, seq, ack, fl, len) test_send(r, CLI, SRV, 6, sp, 5555, seq, ack, fl, 1000, len)
#define TCP_S2C(r, sp, seq, ack, fl, len) test_send(r, SRV, CLI, 6, 5555, sp, seq, ack, fl, 1000, len)

static int test_new_run(struct test_run *r)
{
	memset(r, 0, sizeof *r);
	r->ns = 1700000000ll * 1000000000ll;
	struct flow_config cfg;
	flow_config_default(&cfg);
	struct errbuf e;
	if (flow_table_new(&r->ft, &cfg, &e) < 0) {
		printf("# flow_table_new: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static void test_handshake_and_streams(void)
{
	struct test_run r;
	if (test_new_run(&r) < 0) {
		test_report_result(0, "flow_table_new");
		return;
	}
	const uint32_t isn_c = 0x10000000, isn_s = 0xfffffff0; /* the server's wraps */

	TCP_C2S(&r, 40000, isn_c, 0, TH_SYN, 0);
	int ok = r.fp.tcp_valid && r.fp.tcp_stream == 0 && r.fp.udp_stream == -1 && r.fp.dir == 0 &&
		 r.fp.rel_seq == 0 && r.fp.rel_ack == 0 && r.fp.next_seq == 1 && r.fp.analysis == 0;
	test_reportf(ok, "SYN: tcp.stream 0, relative seq 0, next seq 1, no analysis flags (stream %lld seq %u "
		     "next %u flags 0x%x)", (long long)r.fp.tcp_stream, r.fp.rel_seq, r.fp.next_seq, r.fp.analysis);

	TCP_S2C(&r, 40000, isn_s, isn_c + 1, TH_SYN | TH_ACK, 0);
	ok = r.fp.tcp_stream == 0 && r.fp.dir == 1 && r.fp.rel_seq == 0 && r.fp.rel_ack == 1 && r.fp.analysis == 0;
	test_reportf(ok, "SYN/ACK: same stream, reverse direction, relative seq 0 ack 1 (seq %u ack %u)",
		     r.fp.rel_seq, r.fp.rel_ack);

	TCP_C2S(&r, 40000, isn_c + 1, isn_s + 1, TH_ACK, 0);
	ok = r.fp.tcp_stream == 0 && r.fp.dir == 0 && r.fp.rel_seq == 1 && r.fp.rel_ack == 1 && r.fp.analysis == 0 &&
	     r.fp.has_irtt && r.fp.irtt_ns == 20 * 1000000;
	test_reportf(ok, "ACK: relative seq 1 ack 1 across the server's sequence wrap, iRTT 20 ms (irtt %lld)",
		     (long long)r.fp.irtt_ns);

	TCP_C2S(&r, 40000, isn_c + 1, isn_s + 1, TH_ACK | TH_PSH, 100);
	ok = r.fp.rel_seq == 1 && r.fp.next_seq == 101 && r.fp.analysis == 0 && r.fp.has_bif &&
	     r.fp.bytes_in_flight == 100;
	test_reportf(ok, "100 bytes of data: seq 1, next seq 101, 100 bytes in flight (bif %u)", r.fp.bytes_in_flight);

	TCP_S2C(&r, 40000, isn_s + 1, isn_c + 101, TH_ACK, 0);
	ok = r.fp.rel_ack == 101 && r.fp.acks_frame == 4 && r.fp.has_ack_rtt && r.fp.ack_rtt_ns == 10 * 1000000;
	test_reportf(ok, "its ACK: relative ack 101, acknowledges frame 4 after 10 ms (frame %llu rtt %lld)",
		     (unsigned long long)r.fp.acks_frame, (long long)r.fp.ack_rtt_ns);

	/* a second connection from another client port */
	TCP_C2S(&r, 40001, 5000, 0, TH_SYN, 0);
	test_reportf(r.fp.tcp_stream == 1 && r.fp.rel_seq == 0, "a second connection gets tcp.stream 1 (%lld)",
		     (long long)r.fp.tcp_stream);
	TCP_S2C(&r, 40001, 9000, 5001, TH_SYN | TH_ACK, 0);
	test_reportf(r.fp.tcp_stream == 1 && r.fp.dir == 1, "its SYN/ACK is stream 1 too");
	TCP_C2S(&r, 40000, isn_c + 101, isn_s + 1, TH_ACK, 0);
	test_reportf(r.fp.tcp_stream == 0, "the first connection is still stream 0");

	/* port reuse: a new SYN with another ISN on the first tuple */
	TCP_C2S(&r, 40000, 0x70000000, 0, TH_SYN, 0);
	ok = r.fp.tcp_stream == 2 && (r.fp.analysis & TA_REUSED) && r.fp.rel_seq == 0 && r.fp.dir == 0;
	test_reportf(ok, "a new SYN with a new ISN on the same tuple: tcp.stream 2 and TA_REUSED (stream %lld flags "
		     "0x%x)", (long long)r.fp.tcp_stream, r.fp.analysis);
	TCP_S2C(&r, 40000, 0x1234, 0x70000001, TH_SYN | TH_ACK, 0);
	ok = r.fp.tcp_stream == 2 && r.fp.rel_seq == 0 && r.fp.rel_ack == 1;
	test_reportf(ok, "its SYN/ACK belongs to stream 2 with fresh relative numbers (seq %u ack %u)", r.fp.rel_seq,
		     r.fp.rel_ack);

	/* the same SYN again (same ISN) is a retransmission, not a new stream */
	TCP_C2S(&r, 40001, 5000, 0, TH_SYN, 0);
	ok = r.fp.tcp_stream == 1 && !(r.fp.analysis & TA_REUSED) && (r.fp.analysis & TA_RETRANS);
	test_reportf(ok, "a SYN repeated with the same ISN stays in its stream and is a retransmission (flags 0x%x)",
		     r.fp.analysis);

	struct flow_stats st;
	flow_table_stats(r.ft, &st);
	test_reportf(st.tcp_streams == 3 && st.udp_streams == 0, "flow_table_stats: 3 TCP streams (%llu)",
		     (unsigned long long)st.tcp_streams);
	flow_table_free(r.ft);
}

static void test_udp(void)
{
	struct test_run r;
	if (test_new_run(&r) < 0)
		return;
	test_send(&r, CLI, SRV, 17, 33000, 7777, 0, 0, 0, 0, 10);
	int ok = r.fp.udp_stream == 0 && r.fp.tcp_stream == -1 && r.fp.dir == 0;
	test_reportf(ok, "UDP request: udp.stream 0, no tcp.stream");
	test_send(&r, SRV, CLI, 17, 7777, 33000, 0, 0, 0, 0, 10);
	test_reportf(r.fp.udp_stream == 0 && r.fp.dir == 1, "UDP reply: the same udp.stream 0, reverse direction");
	test_send(&r, CLI, SRV, 17, 33001, 7777, 0, 0, 0, 0, 10);
	test_reportf(r.fp.udp_stream == 1, "UDP from another port: udp.stream 1");
	test_send(&r, CLI, SRV, 6, 33000, 7777, 1, 0, TH_SYN, 0, 0);
	test_reportf(r.fp.tcp_stream == 0 && r.fp.udp_stream == -1, "TCP on the same ports is numbered apart: tcp.stream 0");
	test_send(&r, CLI, CLI, 17, 7000, 7000, 0, 0, 0, 0, 1);
	test_send(&r, CLI, CLI, 17, 7000, 7000, 0, 0, 0, 0, 1);
	test_reportf(r.fp.udp_stream == 2, "UDP to itself (same address and port) is one stream (%lld)",
		     (long long)r.fp.udp_stream);
	flow_table_free(r.ft);
}

static void test_dupack_retrans(void)
{
	struct test_run r;
	if (test_new_run(&r) < 0)
		return;
	const uint32_t c0 = 1000, s0 = 50000;
	TCP_C2S(&r, 41000, c0, 0, TH_SYN, 0);                        /* 1 */
	TCP_S2C(&r, 41000, s0, c0 + 1, TH_SYN | TH_ACK, 0);          /* 2 */
	TCP_C2S(&r, 41000, c0 + 1, s0 + 1, TH_ACK, 0);               /* 3 */
	TCP_S2C(&r, 41000, s0 + 1, c0 + 1, TH_ACK, 100);             /* 4: data 1..101 */
	TCP_S2C(&r, 41000, s0 + 101, c0 + 1, TH_ACK, 100);           /* 5: data 101..201 */
	TCP_C2S(&r, 41000, c0 + 1, s0 + 101, TH_ACK, 0);             /* 6: ACK 101 */
	int ok = r.fp.analysis == 0 && r.fp.rel_ack == 101;
	test_reportf(ok, "frame 6: a plain ACK of the first segment (flags 0x%x)", r.fp.analysis);
	TCP_C2S(&r, 41000, c0 + 1, s0 + 101, TH_ACK, 0);             /* 7: dup ACK #1 */
	ok = (r.fp.analysis & TA_DUPACK) && r.fp.dupack_num == 1 && r.fp.dupack_frame == 6;
	test_reportf(ok, "frame 7: [TCP Dup ACK 6#1] (flags 0x%x, %llu#%u)", r.fp.analysis,
		     (unsigned long long)r.fp.dupack_frame, r.fp.dupack_num);
	TCP_C2S(&r, 41000, c0 + 1, s0 + 101, TH_ACK, 0);             /* 8: dup ACK #2 */
	ok = (r.fp.analysis & TA_DUPACK) && r.fp.dupack_num == 2 && r.fp.dupack_frame == 6;
	test_reportf(ok, "frame 8: [TCP Dup ACK 6#2] (%llu#%u)", (unsigned long long)r.fp.dupack_frame,
		     r.fp.dupack_num);
	TCP_S2C(&r, 41000, s0 + 101, c0 + 1, TH_ACK, 100);           /* 9: the segment again, 40 ms later */
	ok = (r.fp.analysis & (TA_RETRANS | TA_FAST_RETRANS)) && !(r.fp.analysis & (TA_OOO | TA_SPURIOUS)) &&
	     r.fp.rel_seq == 101;
	test_reportf(ok, "frame 9: the unacknowledged segment sent again is a (fast) retransmission (flags 0x%x)",
		     r.fp.analysis);
	TCP_C2S(&r, 41000, c0 + 1, s0 + 201, TH_ACK, 0);             /* 10: ACK all */
	ok = !(r.fp.analysis & TA_DUPACK) && r.fp.rel_ack == 201;
	test_reportf(ok, "frame 10: a new ACK is not a dup ACK (flags 0x%x)", r.fp.analysis);
	r.ns += 500 * 1000000;
	TCP_S2C(&r, 41000, s0 + 101, c0 + 1, TH_ACK, 100);           /* 11: already acknowledged */
	ok = (r.fp.analysis & TA_SPURIOUS) != 0;
	test_reportf(ok, "frame 11: resending acknowledged data is a spurious retransmission (flags 0x%x)",
		     r.fp.analysis);
	TCP_S2C(&r, 41000, s0 + 301, c0 + 1, TH_ACK, 100);           /* 12: 100 bytes skipped */
	ok = (r.fp.analysis & TA_LOST) != 0;
	test_reportf(ok, "frame 12: a gap in the sequence is [TCP Previous segment not captured] (flags 0x%x)",
		     r.fp.analysis);
	TCP_C2S(&r, 41000, c0 + 1, s0 + 401, TH_ACK, 0);             /* 13 */
	TCP_C2S(&r, 41000, c0 + 1, s0 + 501, TH_ACK, 0);             /* 14: ACKs data never seen */
	ok = (r.fp.analysis & TA_ACK_LOST) != 0;
	test_reportf(ok, "frame 14: acknowledging unseen data is [TCP ACKed unseen segment] (flags 0x%x)",
		     r.fp.analysis);
	flow_table_free(r.ft);
}

/* Many flows under a small cap: eviction keeps the table bounded and numbering monotonic. */
static void test_eviction(void)
{
	struct test_run r;
	memset(&r, 0, sizeof r);
	r.ns = 1700000000ll * 1000000000ll;
	struct flow_config cfg;
	flow_config_default(&cfg);
	cfg.max_flows = 16;
	struct errbuf e;
	if (flow_table_new(&r.ft, &cfg, &e) < 0)
		return;
	int ok = 1;
	for (uint32_t i = 0; i < 5000; i++) {
		test_send(&r, CLI, SRV, 17, (uint16_t)(1024 + i), 53, 0, 0, 0, 0, 1);
		if (r.fp.udp_stream != (int64_t)i)
			ok = 0;
	}
	struct flow_stats st;
	flow_table_stats(r.ft, &st);
	ok = ok && st.flows_live <= 16 && st.flows_evicted >= 5000 - 16;
	test_reportf(ok, "5000 UDP flows under max_flows 16: streams numbered 0..4999, at most 16 live (%llu), "
		     "%llu evicted", (unsigned long long)st.flows_live, (unsigned long long)st.flows_evicted);
	flow_table_free(r.ft);
}

/* TCP flows with unacknowledged data evicted under a small cap: what each flow owns (the
 * unacked-segment list) is freed when it is evicted (LeakSanitizer in the ASan run reports a
 * leak otherwise), and the live flows stay bounded. */
static void test_eviction_tcp(void)
{
	struct test_run r;
	memset(&r, 0, sizeof r);
	r.ns = 1700000000ll * 1000000000ll;
	struct flow_config cfg;
	flow_config_default(&cfg);
	cfg.max_flows = 8;
	struct errbuf e;
	if (flow_table_new(&r.ft, &cfg, &e) < 0)
		return;
	int ok = 1;
	for (uint32_t i = 0; i < 300; i++) {
		uint16_t sp = (uint16_t)(20000 + i);
		TCP_C2S(&r, sp, 100, 0, TH_SYN, 0);
		TCP_C2S(&r, sp, 101, 0, TH_ACK | TH_PSH, 40);
		TCP_C2S(&r, sp, 141, 0, TH_ACK | TH_PSH, 40);
		if (r.fp.tcp_stream != (int64_t)i || !r.fp.has_bif || r.fp.bytes_in_flight != 81) { /* the unacked SYN counts, as in Wireshark */
			if (ok)
				printf("# flow %u: stream %lld bif %u (%d)\n", i, (long long)r.fp.tcp_stream, r.fp.bytes_in_flight, r.fp.has_bif);
			ok = 0;
		}
	}
	struct flow_stats st;
	flow_table_stats(r.ft, &st);
	ok = ok && st.flows_live <= 8 && st.flows_evicted >= 300 - 8;
	test_reportf(ok, "300 TCP flows with unacked data under max_flows 8: streams 0..299, bytes in flight 81, "
		     "%llu live, %llu evicted", (unsigned long long)st.flows_live, (unsigned long long)st.flows_evicted);
	flow_table_free(r.ft);
}

int main(void)
{
	test_handshake_and_streams();
	test_udp();
	test_dupack_retrans();
	test_eviction();
	test_eviction_tcp();
	printf("1..%d\n", test_num);
	return test_failed ? 1 : 0;
}
