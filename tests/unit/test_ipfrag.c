/* test_ipfrag.c: unit test of IP fragment reassembly (flow/ipfrag.h): in-order, out-of-order,
 * overlapping, duplicate-tail, truncated-packet and oversized fragments, and the caps on
 * datagrams, bytes, fragments and age. TAP-style output, exit 0 when all pass. */
#include <stdio.h>
#include <string.h>

#include "decode/decode.h"
#include "flow/ipfrag.h"

#include "tap.h"

static uint8_t test_payload[4000];

static struct ipfrag_key test_key(uint32_t id)
{
	struct ipfrag_key k;
	memset(&k, 0, sizeof k);
	k.alen = 4;
	memcpy(k.src, "\x0a\x00\x00\x01", 4);
	memcpy(k.dst, "\x0a\x00\x00\x02", 4);
	k.proto = 17;
	k.id = id;
	return k;
}

static struct ipfrag_table *test_table(uint32_t dgrams, uint32_t bytes, uint32_t frags, int64_t timeout)
{
	struct ipfrag_config c;
	ipfrag_config_default(&c);
	if (dgrams)
		c.max_datagrams = dgrams;
	if (bytes)
		c.max_bytes = bytes;
	if (frags)
		c.max_frags = frags;
	if (timeout)
		c.timeout_ns = timeout;
	struct ipfrag_table *t;
	struct errbuf e;
	if (ipfrag_table_new(&t, &c, &e) < 0)
		return NULL;
	return t;
}

static int test_add(struct ipfrag_table *t, uint32_t id, int64_t ts, uint32_t off, uint32_t len, int more,
		    struct slice *out)
{
	struct ipfrag_key k = test_key(id);
	struct slice s = { test_payload + off, len };
	return ipfrag_table_add(t, &k, ts, off, more, s, out);
}

static int test_is_payload(struct slice s, uint32_t len)
{
	return s.len == len && !memcmp(s.p, test_payload, len);
}

static void test_in_order(void)
{
	struct ipfrag_table *t = test_table(0, 0, 0, 0);
	struct slice out = { 0, 0 };
	int a = test_add(t, 1, 0, 0, 1480, 1, &out);
	int b = test_add(t, 1, 0, 1480, 1480, 1, &out);
	int c = test_add(t, 1, 0, 2960, 1000, 0, &out);
	test_report_result(a == 0 && b == 0 && c == 1, "in order: only the last fragment completes");
	test_report_result(test_is_payload(out, 3960), "in order: payload reassembled byte for byte");
	struct ipfrag_stats st;
	ipfrag_table_stats(t, &st);
	test_report_result(st.pending == 0 && st.pending_bytes == 0 && st.completed == 1, "completed datagram is released");
	ipfrag_table_free(t);
}

static void test_out_of_order(void)
{
	struct ipfrag_table *t = test_table(0, 0, 0, 0);
	struct slice out = { 0, 0 };
	int a = test_add(t, 7, 0, 2960, 1000, 0, &out);
	int b = test_add(t, 7, 0, 0, 1480, 1, &out);
	int c = test_add(t, 7, 0, 1480, 1480, 1, &out);
	test_report_result(a == 0 && b == 0 && c == 1, "out of order: the fragment filling the hole completes");
	test_report_result(test_is_payload(out, 3960), "out of order: payload in offset order");
	/* a different id is a different datagram */
	int d = test_add(t, 8, 0, 8, 8, 0, &out);
	test_report_result(d == 0, "a tail without its head stays pending");
	ipfrag_table_free(t);
}

static void test_overlap(void)
{
	struct ipfrag_table *t = test_table(0, 0, 0, 0);
	struct slice out = { 0, 0 };
	uint8_t alt[64];
	memset(alt, 0xaa, sizeof alt);
	struct ipfrag_key k = test_key(3);
	/* first fragment 0..32 real bytes; a later one at 16..48 with other bytes; then 48..64 */
	ipfrag_table_add(t, &k, 0, 0, 1, (struct slice){ test_payload, 32 }, &out);
	ipfrag_table_add(t, &k, 0, 16, 1, (struct slice){ alt, 32 }, &out);
	int r = ipfrag_table_add(t, &k, 0, 48, 0, (struct slice){ test_payload + 48, 16 }, &out);
	int first_wins = r == 1 && out.len == 64 && !memcmp(out.p, test_payload, 32) && !memcmp(out.p + 32, alt, 16) &&
			 !memcmp(out.p + 48, test_payload + 48, 16);
	test_report_result(first_wins, "overlap: bytes of the lower offset win, the rest comes from the later fragment");
	/* equal offsets: the one that came first wins */
	k = test_key(4);
	ipfrag_table_add(t, &k, 0, 0, 1, (struct slice){ test_payload, 16 }, &out);
	ipfrag_table_add(t, &k, 0, 0, 1, (struct slice){ alt, 16 }, &out);
	r = ipfrag_table_add(t, &k, 0, 16, 0, (struct slice){ test_payload + 16, 8 }, &out);
	test_report_result(r == 1 && test_is_payload(out, 24), "duplicate offset: the first copy wins");
	/* two last fragments: the first fixes the length, a longer fragment is cut to it */
	k = test_key(5);
	ipfrag_table_add(t, &k, 0, 16, 0, (struct slice){ test_payload + 16, 8 }, &out);
	ipfrag_table_add(t, &k, 0, 16, 0, (struct slice){ test_payload + 16, 24 }, &out);
	r = ipfrag_table_add(t, &k, 0, 0, 1, (struct slice){ test_payload, 16 }, &out);
	test_report_result(r == 1 && test_is_payload(out, 24), "multiple tails: the first tail sets the length");
	ipfrag_table_free(t);
}

static void test_oversized(void)
{
	struct ipfrag_table *t = test_table(0, 0, 0, 0);
	struct slice out = { 0, 0 };
	struct ipfrag_key k = test_key(9);
	int r = ipfrag_table_add(t, &k, 0, 65528, 1, (struct slice){ test_payload, 16 }, &out);
	test_report_result(r == -1, "a fragment ending past 65535 bytes is dropped");
	r = ipfrag_table_add(t, &k, 0, 0xffffffffu, 0, (struct slice){ test_payload, 16 }, &out);
	test_report_result(r == -1, "an offset that would wrap is dropped");
	struct ipfrag_stats st;
	ipfrag_table_stats(t, &st);
	test_report_result(st.dropped_oversize == 2 && st.pending_bytes == 0, "oversized fragments hold no memory");
	ipfrag_table_free(t);
}

static void test_caps(void)
{
	struct slice out = { 0, 0 };
	struct ipfrag_stats st;
	/* datagram cap: the oldest is evicted */
	struct ipfrag_table *t = test_table(4, 0, 0, 0);
	for (uint32_t id = 0; id < 10; id++)
		test_add(t, id, 0, 0, 100, 1, &out);
	ipfrag_table_stats(t, &st);
	test_report_result(st.pending == 4 && st.evicted == 6, "datagram cap: oldest pending datagrams evicted");
	int r = test_add(t, 9, 0, 100, 50, 0, &out);
	test_report_result(r == 1 && test_is_payload(out, 150), "datagram cap: the newest still completes");
	r = test_add(t, 0, 0, 100, 50, 0, &out);
	test_report_result(r == 0, "datagram cap: an evicted datagram starts over");
	ipfrag_table_free(t);
	/* byte cap */
	t = test_table(0, 1000, 0, 0);
	test_add(t, 1, 0, 0, 600, 1, &out);
	test_add(t, 2, 0, 0, 600, 1, &out);
	ipfrag_table_stats(t, &st);
	test_report_result(st.pending_bytes <= 1000 && st.pending == 1, "byte cap: older datagram evicted to make room");
	r = test_add(t, 2, 0, 600, 600, 1, &out);
	ipfrag_table_stats(t, &st);
	test_report_result(r == -1 && st.pending_bytes == 0, "byte cap: a datagram that cannot fit is dropped");
	ipfrag_table_free(t);
	/* fragments per datagram */
	t = test_table(0, 0, 8, 0);
	for (uint32_t i = 0; i < 8; i++)
		test_add(t, 1, 0, i * 8, 8, 1, &out);
	r = test_add(t, 1, 0, 64, 8, 0, &out);
	ipfrag_table_stats(t, &st);
	test_report_result(r == -1 && st.pending == 0 && st.dropped_frags == 1, "fragment cap: the datagram is dropped");
	ipfrag_table_free(t);
	/* timeout */
	t = test_table(0, 0, 0, 1000);
	test_add(t, 1, 0, 0, 8, 1, &out);
	r = test_add(t, 1, 5000, 8, 8, 0, &out);
	ipfrag_table_stats(t, &st);
	test_report_result(r == 0 && st.expired == 1, "timeout: a stale head is not joined with a late tail");
	ipfrag_table_free(t);
}

/* Frames through the decoder: a truncated fragment is not reassembled; two fragments of a UDP
 * datagram give the UDP layer on the second. */
static void test_decode_path(void)
{
	uint8_t f1[14 + 20 + 16], f2[14 + 20 + 8];
	memset(f1, 0, sizeof f1);
	memset(f2, 0, sizeof f2);
	static const uint8_t eth[14] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00 };
	static const uint8_t ip1[20] = { 0x45, 0, 0, 36, 0x12, 0x34, 0x20, 0x00, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 };
	static const uint8_t ip2[20] = { 0x45, 0, 0, 28, 0x12, 0x34, 0x00, 0x02, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 };
	static const uint8_t udp[16] = { 0x04, 0xd2, 0x00, 0x35, 0x00, 0x18, 0, 0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h' };
	memcpy(f1, eth, 14);
	memcpy(f1 + 14, ip1, 20);
	memcpy(f1 + 34, udp, 16);
	memcpy(f2, eth, 14);
	memcpy(f2 + 14, ip2, 20);
	memcpy(f2 + 34, "ijklmnop", 8);
	struct ipfrag_table *t = test_table(0, 0, 0, 0);
	struct frame fr = { .data = f1, .caplen = sizeof f1, .len = sizeof f1, .linktype = LT_ETHERNET, .num = 1 };
	struct pkt p;
	decode_frame(&fr, &p);
	int r1 = ipfrag_packet(t, &p);
	test_report_result(r1 == 0 && p.l4_frag && !(p.layers & PL_UDP), "decode: first fragment pending, no UDP layer");
	struct frame fr2 = { .data = f2, .caplen = sizeof f2, .len = sizeof f2, .linktype = LT_ETHERNET, .num = 2 };
	decode_frame(&fr2, &p);
	int r2 = ipfrag_packet(t, &p);
	test_report_result(r2 == 1 && (p.layers & PL_UDP) && p.udp.sport == 1234 && p.udp.len == 24 &&
				   p.udp.payload.len == 16 && !memcmp(p.udp.payload.p, "abcdefghijklmnop", 16),
			   "decode: last fragment carries the reassembled UDP datagram");
	/* truncated capture of a fragment: not reassembled */
	struct frame fr3 = { .data = f1, .caplen = sizeof f1 - 4, .len = sizeof f1, .linktype = LT_ETHERNET, .num = 3 };
	decode_frame(&fr3, &p);
	test_report_result(!p.ip[0].frag_ok && ipfrag_packet(t, &p) == 0, "decode: a cut fragment is not reassembled");
	struct ipfrag_stats st;
	ipfrag_table_stats(t, &st);
	test_report_result(st.pending == 0, "decode: nothing left pending");
	ipfrag_table_free(t);
}

int main(void)
{
	for (uint32_t i = 0; i < sizeof test_payload; i++)
		test_payload[i] = (uint8_t)(i * 7 + 3);
	test_in_order();
	test_out_of_order();
	test_overlap();
	test_oversized();
	test_caps();
	test_decode_path();
	printf("# %d tests, %d failed\n", test_num, test_failed);
	return 0;
}
