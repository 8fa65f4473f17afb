/* test_decode.c: unit test of L2-L4 decoding (decode/decode.c, ip.c, l4.c) on hand-built frames:
 * Ethernet, 802.1Q VLAN, QinQ, IPv4 with options, IPv6 with extension headers, TCP with options,
 * UDP, ICMP and ICMPv6 errors quoting UDP, ARP, LLC/SNAP, Linux SLL/SLL2, BSD null/loopback and
 * raw IP. Then every truncated prefix of each frame is decoded from a buffer that ends at an
 * inaccessible page: no fault, every slice inside the captured bytes, and a cut inside the
 * headers sets p->problem. The results also go through flow_table_packet and the columns.
 * TAP-style output, exit 0 when all pass. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/obuf.h"
#include "decode/decode.h"
#include "flow/flow.h"
#include "report/columns.h"

#include "tap.h"

/* ---- frame builder -------------------------------------------------------------------------- */

struct test_pkt {
	uint8_t b[512];
	uint32_t n;
	uint32_t hdr_end; /* bytes of headers: a cut before this must set a problem */
};

static void tp_bytes(struct test_pkt *t, const void *p, uint32_t n)
{
	if (t->n + n > sizeof t->b)
		abort();
	memcpy(t->b + t->n, p, n);
	t->n += n;
}

static void tp_u8(struct test_pkt *t, uint8_t v) { tp_bytes(t, &v, 1); }
static void tp_u16(struct test_pkt *t, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	tp_bytes(t, b, 2);
}
static void tp_u32(struct test_pkt *t, uint32_t v)
{
	tp_u16(t, (uint16_t)(v >> 16));
	tp_u16(t, (uint16_t)v);
}
static void tp_zero(struct test_pkt *t, uint32_t n)
{
	while (n--)
		tp_u8(t, 0);
}

static const uint8_t MAC_A[6] = { 0x02, 0x00, 0x0a, 0x63, 0x00, 0x01 };
static const uint8_t MAC_B[6] = { 0x02, 0x00, 0x0a, 0x63, 0x00, 0x02 };
static const uint8_t IP4_A[4] = { 10, 99, 0, 1 };
static const uint8_t IP4_B[4] = { 10, 99, 0, 2 };
static const uint8_t IP6_A[16] = { 0xfd, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t IP6_B[16] = { 0xfd, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };

static void tp_eth(struct test_pkt *t, uint16_t type)
{
	tp_bytes(t, MAC_A, 6);
	tp_bytes(t, MAC_B, 6);
	tp_u16(t, type);
}

/* IPv4 header with `optlen` bytes of options (Router Alert + NOP padding). */
static void tp_ip4(struct test_pkt *t, uint8_t proto, uint32_t optlen, uint32_t l4len, const uint8_t *src,
		   const uint8_t *dst)
{
	tp_u8(t, (uint8_t)(0x40 | (20 + optlen) / 4));
	tp_u8(t, 0);
	tp_u16(t, (uint16_t)(20 + optlen + l4len));
	tp_u16(t, 0x1234);
	tp_u16(t, 0x4000);
	tp_u8(t, 64);
	tp_u8(t, proto);
	tp_u16(t, 0);
	tp_bytes(t, src, 4);
	tp_bytes(t, dst, 4);
	for (uint32_t i = 0; i < optlen; i += 4) {
		if (i == 0) {
			static const uint8_t ra[4] = { 0x94, 0x04, 0x00, 0x00 };
			tp_bytes(t, ra, 4);
		} else {
			static const uint8_t nop[4] = { 1, 1, 1, 0 };
			tp_bytes(t, nop, 4);
		}
	}
}

static void tp_ip6(struct test_pkt *t, uint8_t nh, uint32_t plen, const uint8_t *src, const uint8_t *dst)
{
	tp_u32(t, 0x60012345);
	tp_u16(t, (uint16_t)plen);
	tp_u8(t, nh);
	tp_u8(t, 63);
	tp_bytes(t, src, 16);
	tp_bytes(t, dst, 16);
}

/* TCP with MSS, SACK_PERM, timestamps, NOP, window scale: 40 bytes of header. */
static void tp_tcp(struct test_pkt *t, uint16_t sp, uint16_t dp, uint32_t seq, uint32_t ack, uint16_t flags)
{
	tp_u16(t, sp);
	tp_u16(t, dp);
	tp_u32(t, seq);
	tp_u32(t, ack);
	tp_u16(t, (uint16_t)(10u << 12 | flags));
	tp_u16(t, 64240);
	tp_u16(t, 0);
	tp_u16(t, 0);
	static const uint8_t opts[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7 };
	tp_bytes(t, opts, sizeof opts);
}

static void tp_udp(struct test_pkt *t, uint16_t sp, uint16_t dp, uint32_t plen)
{
	tp_u16(t, sp);
	tp_u16(t, dp);
	tp_u16(t, (uint16_t)(8 + plen));
	tp_u16(t, 0);
}

/* ---- the frames ----------------------------------------------------------------------------- */

enum { TF_ETH_IP4OPT_TCP, TF_VLAN_UDP, TF_QINQ_IP6_UDP, TF_IP6_EXT_TCP, TF_ICMP_ERR, TF_ICMP6_ERR, TF_ARP,
       TF_LLC_SNAP, TF_SLL, TF_SLL2, TF_NULL, TF_LOOP, TF_RAW, TF_COUNT };

struct test_case {
	const char *name;
	uint16_t linktype;
	struct test_pkt pk;
};

static struct test_case test_cases[TF_COUNT];

static void test_build(void)
{
	struct test_pkt *t;
	struct test_case *c;

	c = &test_cases[TF_ETH_IP4OPT_TCP];
	c->name = "Ethernet/IPv4 with options/TCP with options";
	c->linktype = LT_ETHERNET;
	t = &c->pk;
	tp_eth(t, 0x0800);
	tp_ip4(t, 6, 8, 40 + 5, IP4_B, IP4_A);
	tp_tcp(t, 50000, 80, 1000, 2000, TH_ACK | TH_PSH);
	t->hdr_end = t->n;
	tp_bytes(t, "hello", 5);

	c = &test_cases[TF_VLAN_UDP];
	c->name = "Ethernet/802.1Q/IPv4/UDP";
	c->linktype = LT_ETHERNET;
	t = &c->pk;
	tp_eth(t, 0x8100);
	tp_u16(t, 0x2064); /* PCP 1, VID 100 */
	tp_u16(t, 0x0800);
	tp_ip4(t, 17, 0, 8 + 4, IP4_B, IP4_A);
	tp_udp(t, 5353, 53, 4);
	t->hdr_end = t->n;
	tp_bytes(t, "abcd", 4);

	c = &test_cases[TF_QINQ_IP6_UDP];
	c->name = "Ethernet/QinQ (802.1ad + 802.1Q)/IPv6/UDP";
	c->linktype = LT_ETHERNET;
	t = &c->pk;
	tp_eth(t, 0x88a8);
	tp_u16(t, 10);
	tp_u16(t, 0x8100);
	tp_u16(t, 100);
	tp_u16(t, 0x86dd);
	tp_ip6(t, 17, 8 + 3, IP6_B, IP6_A);
	tp_udp(t, 40000, 53, 3);
	t->hdr_end = t->n;
	tp_bytes(t, "xyz", 3);

	c = &test_cases[TF_IP6_EXT_TCP];
	c->name = "Ethernet/IPv6 + hop-by-hop, routing, destination, atomic fragment/TCP";
	c->linktype = LT_ETHERNET;
	t = &c->pk;
	tp_eth(t, 0x86dd);
	tp_ip6(t, 0, 8 + 24 + 16 + 8 + 40 + 2, IP6_B, IP6_A);
	tp_u8(t, 43); /* hop-by-hop: 8 bytes, PadN */
	tp_u8(t, 0);
	tp_u8(t, 1);
	tp_u8(t, 4);
	tp_zero(t, 4);
	tp_u8(t, 60); /* routing type 0 with one address: 24 bytes */
	tp_u8(t, 2);
	tp_u8(t, 0);
	tp_u8(t, 1);
	tp_zero(t, 4);
	tp_bytes(t, IP6_A, 16);
	tp_u8(t, 44); /* destination options: 16 bytes */
	tp_u8(t, 1);
	tp_u8(t, 1);
	tp_u8(t, 12);
	tp_zero(t, 12);
	tp_u8(t, 6); /* fragment, offset 0, M=0: an atomic fragment, still decoded */
	tp_u8(t, 0);
	tp_u16(t, 0);
	tp_u32(t, 0xdeadbeef);
	tp_tcp(t, 443, 50001, 7, 9, TH_ACK);
	t->hdr_end = t->n;
	tp_bytes(t, "hi", 2);

	c = &test_cases[TF_ICMP_ERR];
	c->name = "Ethernet/IPv4/ICMP port unreachable quoting IPv4/UDP";
	c->linktype = LT_ETHERNET;
	t = &c->pk;
	tp_eth(t, 0x0800);
	tp_ip4(t, 1, 0, 8 + 20 + 8 + 4, IP4_A, IP4_B);
	tp_u8(t, 3);
	tp_u8(t, 3);
	tp_u16(t, 0);
	tp_zero(t, 4);
	tp_ip4(t, 17, 0, 8 + 4, IP4_B, IP4_A);
	tp_udp(t, 33333, 9, 4);
	t->hdr_end = 14 + 20 + 4; /* the quoted packet is data: cutting it is not a header problem */
	tp_bytes(t, "ping", 4);

	c = &test_cases[TF_ICMP6_ERR];
	c->name = "Ethernet/IPv6/ICMPv6 port unreachable quoting IPv6/UDP";
	c->linktype = LT_ETHERNET;
	t = &c->pk;
	tp_eth(t, 0x86dd);
	tp_ip6(t, 58, 8 + 40 + 8, IP6_A, IP6_B);
	tp_u8(t, 1);
	tp_u8(t, 4);
	tp_u16(t, 0);
	tp_zero(t, 4);
	tp_ip6(t, 17, 8, IP6_B, IP6_A);
	tp_udp(t, 44444, 9, 0);
	t->hdr_end = 14 + 40 + 4;

	c = &test_cases[TF_ARP];
	c->name = "Ethernet/ARP request";
	c->linktype = LT_ETHERNET;
	t = &c->pk;
	tp_eth(t, 0x0806);
	tp_u16(t, 1);
	tp_u16(t, 0x0800);
	tp_u8(t, 6);
	tp_u8(t, 4);
	tp_u16(t, 1);
	tp_bytes(t, MAC_B, 6);
	tp_bytes(t, IP4_B, 4);
	tp_zero(t, 6);
	tp_bytes(t, IP4_A, 4);
	t->hdr_end = t->n;

	c = &test_cases[TF_LLC_SNAP];
	c->name = "802.3/LLC/SNAP/IPv4/UDP";
	c->linktype = LT_ETHERNET;
	t = &c->pk;
	tp_bytes(t, MAC_A, 6);
	tp_bytes(t, MAC_B, 6);
	tp_u16(t, 8 + 20 + 8 + 2);
	static const uint8_t snap[8] = { 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00 };
	tp_bytes(t, snap, 8);
	tp_ip4(t, 17, 0, 8 + 2, IP4_B, IP4_A);
	tp_udp(t, 1000, 2000, 2);
	t->hdr_end = t->n;
	tp_bytes(t, "zz", 2);

	/* the IPv4/TCP packet of the first frame under the other link layers */
	const struct test_pkt *ip = &test_cases[TF_ETH_IP4OPT_TCP].pk;
	const uint8_t *ipb = ip->b + 14;
	uint32_t ipn = ip->n - 14, iph = ip->hdr_end - 14;

	c = &test_cases[TF_SLL];
	c->name = "Linux SLL/IPv4/TCP";
	c->linktype = LT_LINUX_SLL;
	t = &c->pk;
	tp_u16(t, 0); /* to us */
	tp_u16(t, 1); /* ARPHRD_ETHER */
	tp_u16(t, 6);
	tp_bytes(t, MAC_B, 6);
	tp_zero(t, 2);
	tp_u16(t, 0x0800);
	t->hdr_end = t->n + iph;
	tp_bytes(t, ipb, ipn);

	c = &test_cases[TF_SLL2];
	c->name = "Linux SLL2/IPv4/TCP";
	c->linktype = LT_LINUX_SLL2;
	t = &c->pk;
	tp_u16(t, 0x0800);
	tp_zero(t, 2);
	tp_u32(t, 3); /* ifindex */
	tp_u16(t, 1);
	tp_u8(t, 4); /* outgoing */
	tp_u8(t, 6);
	tp_bytes(t, MAC_B, 6);
	tp_zero(t, 2);
	t->hdr_end = t->n + iph;
	tp_bytes(t, ipb, ipn);

	c = &test_cases[TF_NULL];
	c->name = "BSD null (host order AF_INET6=24)/IPv6/UDP";
	c->linktype = LT_NULL;
	t = &c->pk;
	static const uint8_t af6_le[4] = { 24, 0, 0, 0 };
	tp_bytes(t, af6_le, 4);
	t->hdr_end = 4 + 40 + 8;
	tp_bytes(t, test_cases[TF_QINQ_IP6_UDP].pk.b + 22, test_cases[TF_QINQ_IP6_UDP].pk.n - 22);

	c = &test_cases[TF_LOOP];
	c->name = "BSD loopback (network order AF_INET)/IPv4/TCP";
	c->linktype = LT_LOOP;
	t = &c->pk;
	tp_u32(t, 2);
	t->hdr_end = t->n + iph;
	tp_bytes(t, ipb, ipn);

	c = &test_cases[TF_RAW];
	c->name = "raw IPv4/TCP";
	c->linktype = LT_RAW;
	t = &c->pk;
	t->hdr_end = iph;
	tp_bytes(t, ipb, ipn);
}

/* ---- decoding from a buffer that ends at a guard page ---------------------------------------- */

static uint8_t *test_page;
static size_t test_pg;
static sigjmp_buf test_fault_jmp;
static volatile sig_atomic_t test_fault_armed;

static void test_on_fault(int sig)
{
	if (test_fault_armed)
		siglongjmp(test_fault_jmp, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Copies n bytes so that they end right before the guard page. */
static const uint8_t *test_place(const uint8_t *d, uint32_t n)
{
	uint8_t *p = test_page + test_pg - n;
	memcpy(p, d, n);
	return p;
}

static void test_frame(struct frame *f, const struct test_case *c, uint32_t caplen, uint64_t num)
{
	memset(f, 0, sizeof *f);
	f->data = test_place(c->pk.b, caplen);
	f->caplen = caplen;
	f->len = c->pk.n;
	f->ts_sec = 1700000000;
	f->ts_nsec = (uint32_t)(num * 1000);
	f->ts_digits = 6;
	f->linktype = c->linktype;
	f->num = num;
}

static int test_in(const struct frame *f, const uint8_t *p, uint32_t n)
{
	if (!p || !n)
		return 1;
	return p >= f->data && p + n <= f->data + f->caplen;
}

/* Every slice of p points into the captured bytes. */
static int test_slices_inside(const struct pkt *p, const struct frame *f)
{
	int ok = 1;
	if (p->eth.src)
		ok &= test_in(f, p->eth.src, 6);
	if (p->eth.dst)
		ok &= test_in(f, p->eth.dst, 6);
	for (int i = 0; i < p->nip; i++) {
		ok &= test_in(f, p->ip[i].hdr.p, p->ip[i].hdr.len);
		ok &= test_in(f, p->ip[i].payload.p, p->ip[i].payload.len);
	}
	if (p->layers & PL_TCP) {
		ok &= test_in(f, p->tcp.opts.p, p->tcp.opts.len);
		ok &= test_in(f, p->tcp.payload.p, p->tcp.payload.len);
	}
	if (p->layers & PL_UDP)
		ok &= test_in(f, p->udp.payload.p, p->udp.payload.len);
	if (p->layers & (PL_ICMP | PL_ICMP6))
		ok &= test_in(f, p->icmp.body.p, p->icmp.body.len);
	if (p->layers & PL_ARP) {
		ok &= !p->arp.sha || test_in(f, p->arp.sha, p->arp.hlen);
		ok &= !p->arp.tpa || test_in(f, p->arp.tpa, p->arp.plen);
	}
	return ok;
}

/* ---- checks of the whole frames -------------------------------------------------------------- */

static void test_full_frames(void)
{
	struct pkt p;
	struct frame f;
	const struct test_case *c;

	c = &test_cases[TF_ETH_IP4OPT_TCP];
	test_frame(&f, c, c->pk.n, 1);
	decode_frame(&f, &p);
	int ok = p.layers == (PL_ETH | PL_IP4 | PL_TCP) && p.problem == PP_NONE && p.nip == 1;
	ok = ok && p.eth.type == 0x0800 && !memcmp(p.eth.dst, MAC_A, 6) && !memcmp(p.eth.src, MAC_B, 6);
	test_reportf(ok, "%s: layers ETH|IP4|TCP, no problem", c->name);
	ok = p.ip[0].hl == 28 && p.ip[0].totlen == 28 + 45 && p.ip[0].hdr.len == 28 && p.ip[0].proto == 6 &&
	     p.ip[0].ttl == 64 && p.ip[0].id == 0x1234 && !p.ip[0].is_frag && !memcmp(p.ip[0].src, IP4_B, 4) &&
	     !memcmp(p.ip[0].dst, IP4_A, 4) && p.ip[0].payload_len == 45;
	test_reportf(ok, "%s: IPv4 header length 28 (8 option bytes), addresses, payload length 45", c->name);
	ok = p.tcp.sport == 50000 && p.tcp.dport == 80 && p.tcp.seq == 1000 && p.tcp.ack == 2000 &&
	     p.tcp.flags == (TH_ACK | TH_PSH) && p.tcp.hl == 40 && p.tcp.opts.len == 20 && !p.tcp.opts_trunc &&
	     p.tcp.opts.p[0] == 2 && p.tcp.len == 5 && p.tcp.payload.len == 5 && !memcmp(p.tcp.payload.p, "hello", 5) &&
	     p.tcp.win == 64240;
	test_reportf(ok, "%s: TCP ports, seq/ack, flags, 20 option bytes, 5 payload bytes", c->name);

	c = &test_cases[TF_VLAN_UDP];
	test_frame(&f, c, c->pk.n, 1);
	decode_frame(&f, &p);
	ok = p.layers == (PL_ETH | PL_VLAN | PL_IP4 | PL_UDP) && p.problem == PP_NONE && p.nvlan == 1 &&
	     (p.vlan[0] & 0xfff) == 100 && p.vlan[0] >> 13 == 1 && p.udp.sport == 5353 && p.udp.dport == 53 &&
	     p.udp.len == 12 && p.udp.payload.len == 4 && !memcmp(p.udp.payload.p, "abcd", 4);
	test_reportf(ok, "%s: VLAN 100 (PCP 1), UDP 5353 -> 53 with 4 payload bytes", c->name);

	c = &test_cases[TF_QINQ_IP6_UDP];
	test_frame(&f, c, c->pk.n, 1);
	decode_frame(&f, &p);
	ok = p.layers == (PL_ETH | PL_VLAN | PL_IP6 | PL_UDP) && p.problem == PP_NONE && p.nvlan == 2 &&
	     p.vlan[0] == 10 && p.vlan[1] == 100 && p.nip == 1 && p.ip[0].ver == 6 && p.ip[0].alen == 16 &&
	     p.ip[0].flow == 0x12345 && p.ip[0].ttl == 63 && !memcmp(p.ip[0].src, IP6_B, 16) &&
	     p.udp.payload.len == 3 && p.udp.dport == 53;
	test_reportf(ok, "%s: outer VLAN 10, inner VLAN 100, IPv6 flow label, UDP", c->name);

	c = &test_cases[TF_IP6_EXT_TCP];
	test_frame(&f, c, c->pk.n, 1);
	decode_frame(&f, &p);
	ok = p.layers == (PL_ETH | PL_IP6 | PL_TCP) && p.problem == PP_NONE && p.ip[0].proto == 0 && p.ip[0].l4 == 6 &&
	     p.ip[0].hl == 40 + 8 + 24 + 16 + 8 && !p.ip[0].is_frag && !p.l4_frag && p.tcp.sport == 443 &&
	     p.tcp.seq == 7 && p.tcp.len == 2 && p.tcp.payload.len == 2 && !memcmp(p.tcp.payload.p, "hi", 2);
	test_reportf(ok, "%s: 56 bytes of extension headers skipped, TCP reached (hl %u, l4 %u, problem %u)", c->name,
		     p.ip[0].hl, p.ip[0].l4, p.problem);

	c = &test_cases[TF_ICMP_ERR];
	test_frame(&f, c, c->pk.n, 1);
	decode_frame(&f, &p);
	ok = p.layers == (PL_ETH | PL_IP4 | PL_ICMP | PL_INNER_IP) && p.problem == PP_NONE && p.icmp.type == 3 &&
	     p.icmp.code == 3 && p.inner_ip.ver == 4 && p.inner_l4 == 17 && p.inner_sport == 33333 &&
	     p.inner_dport == 9 && !memcmp(p.inner_ip.src, IP4_B, 4) && !memcmp(p.inner_ip.dst, IP4_A, 4);
	test_reportf(ok, "%s: ICMP 3/3, quoted IPv4 10.99.0.2 -> 10.99.0.1, UDP 33333 -> 9", c->name);

	c = &test_cases[TF_ICMP6_ERR];
	test_frame(&f, c, c->pk.n, 1);
	decode_frame(&f, &p);
	ok = p.layers == (PL_ETH | PL_IP6 | PL_ICMP6 | PL_INNER_IP) && p.problem == PP_NONE && p.icmp.type == 1 &&
	     p.icmp.code == 4 && p.inner_ip.ver == 6 && p.inner_l4 == 17 && p.inner_sport == 44444 &&
	     p.inner_dport == 9;
	test_reportf(ok, "%s: ICMPv6 1/4, quoted IPv6 UDP 44444 -> 9", c->name);

	c = &test_cases[TF_ARP];
	test_frame(&f, c, c->pk.n, 1);
	decode_frame(&f, &p);
	ok = p.layers == (PL_ETH | PL_ARP) && p.problem == PP_NONE && p.arp.op == 1 && p.arp.hlen == 6 &&
	     p.arp.plen == 4 && p.arp.spa && !memcmp(p.arp.spa, IP4_B, 4) && p.arp.tpa && !memcmp(p.arp.tpa, IP4_A, 4);
	test_reportf(ok, "%s: request, sender 10.99.0.2, target 10.99.0.1", c->name);

	c = &test_cases[TF_LLC_SNAP];
	test_frame(&f, c, c->pk.n, 1);
	decode_frame(&f, &p);
	ok = (p.layers & (PL_ETH | PL_LLC | PL_IP4 | PL_UDP)) == (PL_ETH | PL_LLC | PL_IP4 | PL_UDP) &&
	     p.problem == PP_NONE && p.eth.llc_dsap == 0xaa && p.udp.dport == 2000 && p.udp.payload.len == 2;
	test_reportf(ok, "%s: SNAP carries IPv4/UDP", c->name);

	static const int wrapped[] = { TF_SLL, TF_SLL2, TF_LOOP, TF_RAW };
	for (size_t i = 0; i < sizeof wrapped / sizeof wrapped[0]; i++) {
		c = &test_cases[wrapped[i]];
		test_frame(&f, c, c->pk.n, 1);
		decode_frame(&f, &p);
		ok = (p.layers & (PL_IP4 | PL_TCP)) == (PL_IP4 | PL_TCP) && p.problem == PP_NONE && p.tcp.dport == 80 &&
		     p.tcp.payload.len == 5;
		if (wrapped[i] == TF_SLL || wrapped[i] == TF_SLL2)
			ok = ok && (p.layers & PL_SLL) && p.eth.src && !memcmp(p.eth.src, MAC_B, 6);
		test_reportf(ok, "%s: decodes to the same IPv4/TCP", c->name);
	}
	c = &test_cases[TF_NULL];
	test_frame(&f, c, c->pk.n, 1);
	decode_frame(&f, &p);
	ok = (p.layers & (PL_NULL | PL_IP6 | PL_UDP)) == (PL_NULL | PL_IP6 | PL_UDP) && p.null_family == 24 &&
	     p.problem == PP_NONE;
	test_reportf(ok, "%s: family 24, IPv6/UDP", c->name);

	/* caplen < len in the payload: not a header problem, payload slice limited to what is there */
	c = &test_cases[TF_ETH_IP4OPT_TCP];
	test_frame(&f, c, c->pk.n - 3, 1);
	decode_frame(&f, &p);
	ok = p.problem == PP_NONE && p.tcp.len == 5 && p.tcp.payload.len == 2;
	test_reportf(ok, "%s: 3 payload bytes not captured: tcp.len 5, 2 bytes present, no header problem", c->name);
}

/* ---- every truncated prefix ------------------------------------------------------------------- */

static void test_prefixes(struct flow_table *ft)
{
	struct obuf o;
	obuf_init(&o);
	uint64_t num = 1;
	for (int i = 0; i < TF_COUNT; i++) {
		const struct test_case *c = &test_cases[i];
		volatile uint32_t faults = 0, outside = 0, silent = 0;
		volatile uint32_t first_silent = (uint32_t)-1, first_fault = (uint32_t)-1;
		for (volatile uint32_t n = 0; n < c->pk.n; n++) {
			struct frame f;
			struct pkt p;
			struct flow_pkt fp;
			test_frame(&f, c, n, num++);
			int sig = sigsetjmp(test_fault_jmp, 1);
			if (sig) {
				test_fault_armed = 0;
				if (!faults++)
					first_fault = n;
				continue;
			}
			test_fault_armed = 1;
			decode_frame(&f, &p);
			flow_table_packet(ft, &p, &fp);
			obuf_reset(&o);
			col_protocol(&p, &fp, &o);
			col_info(&p, &fp, &o);
			test_fault_armed = 0;
			if (!test_slices_inside(&p, &f))
				outside++;
			if (n < c->pk.hdr_end && p.problem == PP_NONE) {
				if (!silent++)
					first_silent = n;
			}
		}
		test_reportf(faults == 0 && outside == 0, "%s: all %u truncated prefixes decode without reading past "
			     "the capture", c->name, c->pk.n);
		if (faults || outside)
			printf("# %u prefixes faulted (first at %u bytes), %u returned slices past the capture\n",
			       (unsigned)faults, (unsigned)first_fault, (unsigned)outside);
		test_reportf(silent == 0, "%s: every cut inside the headers (< %u bytes) sets p->problem", c->name,
			     c->pk.hdr_end);
		if (silent)
			printf("# %u prefixes cut inside the headers report no problem; the first is %u bytes\n",
			       (unsigned)silent, (unsigned)first_silent);
	}
	obuf_free(&o);
}

/* A few hostile shapes that must stay bounded. */
static void test_hostile(struct flow_table *ft)
{
	struct test_case c;
	struct pkt p;
	struct frame f;
	struct flow_pkt fp;
	struct obuf o;
	obuf_init(&o);

	/* 40 stacked VLAN tags */
	memset(&c, 0, sizeof c);
	c.name = "40 VLAN tags";
	c.linktype = LT_ETHERNET;
	tp_eth(&c.pk, 0x8100);
	for (int i = 0; i < 40; i++) {
		tp_u16(&c.pk, (uint16_t)i);
		tp_u16(&c.pk, 0x8100);
	}
	tp_zero(&c.pk, 4);
	test_frame(&f, &c, c.pk.n, 1);
	decode_frame(&f, &p);
	test_reportf(p.nvlan <= PKT_MAX_VLAN, "40 stacked VLAN tags: at most %d recorded (%u)", PKT_MAX_VLAN, p.nvlan);

	/* IPv4-in-IPv4 nested deeper than PKT_MAX_IP */
	memset(&c, 0, sizeof c);
	c.name = "IP in IP x8";
	c.linktype = LT_RAW;
	for (int i = 0; i < 8; i++)
		tp_ip4(&c.pk, 4, 0, (uint32_t)(7 - i) * 20 + 8, IP4_A, IP4_B);
	tp_zero(&c.pk, 8);
	test_frame(&f, &c, c.pk.n, 2);
	decode_frame(&f, &p);
	test_reportf(p.nip <= PKT_MAX_IP, "IPv4-in-IPv4 nested 8 deep: at most %d IP layers (%u)", PKT_MAX_IP, p.nip);

	/* IPv4 header length 4 (below 20), TCP data offset 1 (below 20) */
	memset(&c, 0, sizeof c);
	c.linktype = LT_RAW;
	tp_ip4(&c.pk, 6, 0, 20, IP4_A, IP4_B);
	c.pk.b[0] = 0x41;
	tp_zero(&c.pk, 20);
	test_frame(&f, &c, c.pk.n, 3);
	decode_frame(&f, &p);
	test_reportf(p.problem == PP_BAD_IP_HL, "IPv4 header length 4: PP_BAD_IP_HL (%u)", p.problem);
	c.pk.b[0] = 0x45;
	c.pk.b[20 + 12] = 0x10;
	test_frame(&f, &c, c.pk.n, 4);
	decode_frame(&f, &p);
	flow_table_packet(ft, &p, &fp);
	col_info(&p, &fp, &o);
	test_reportf(p.problem == PP_BAD_TCP_HL, "TCP data offset 4 bytes: PP_BAD_TCP_HL (%u)", p.problem);

	/* IPv6 with 20 hop-by-hop headers in a row */
	memset(&c, 0, sizeof c);
	c.linktype = LT_RAW;
	tp_ip6(&c.pk, 0, 20 * 8, IP6_A, IP6_B);
	for (int i = 0; i < 20; i++) {
		tp_u8(&c.pk, 0);
		tp_u8(&c.pk, 0);
		tp_zero(&c.pk, 6);
	}
	test_frame(&f, &c, c.pk.n, 5);
	decode_frame(&f, &p);
	flow_table_packet(ft, &p, &fp);
	test_reportf(p.nip == 1 && test_slices_inside(&p, &f), "IPv6 with 20 chained extension headers stays bounded");
	obuf_free(&o);
}

int main(void)
{
	test_pg = (size_t)sysconf(_SC_PAGESIZE);
	test_page = mmap(NULL, 2 * test_pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (test_page == MAP_FAILED || mprotect(test_page + test_pg, test_pg, PROT_NONE) < 0) {
		printf("not ok 1 - cannot map a guard page\n");
		return 1;
	}
	signal(SIGSEGV, test_on_fault);
	signal(SIGBUS, test_on_fault);
	test_build();
	struct flow_config cfg;
	flow_config_default(&cfg);
	struct flow_table *ft;
	struct errbuf e;
	if (flow_table_new(&ft, &cfg, &e) < 0) {
		printf("not ok 1 - flow_table_new: %s\n", e.msg);
		return 1;
	}
	test_full_frames();
	test_prefixes(ft);
	test_hostile(ft);
	flow_table_free(ft);
	munmap(test_page, 2 * test_pg);
	printf("1..%d\n", test_num);
	return test_failed ? 1 : 0;
}
