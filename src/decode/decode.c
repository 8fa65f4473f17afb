/* decode.c: link layers (Ethernet II, 802.3/LLC, 802.1Q/QinQ, Linux SLL/SLL2, BSD null and
 * loopback, raw IP, PPP (RFC 1661/1662), Cisco HDLC, FDDI, NFLOG, IPoIB (RFC 4391), PKTAP,
 * ATM CLIP), ARP (RFC 826), MPLS (RFC 3032), PPPoE (RFC 2516) and GRE (RFC 2784). */
#include "decode/decode_int.h"

#include <string.h>

static void decode_problem(struct pkt *p, enum pkt_problem pr, uint32_t layer)
{
	if (p->problem == PP_NONE) {
		p->problem = (uint8_t)pr;
		p->problem_layer = (uint8_t)__builtin_ctz(layer);
	}
}

void decode_trunc(struct pkt *p, uint32_t layer) { decode_problem(p, PP_TRUNC, layer); }
void decode_malformed(struct pkt *p, enum pkt_problem pr, uint32_t layer) { decode_problem(p, pr, layer); }

uint32_t decode_wire_left(const struct pkt *p, const struct rd *r)
{
	const struct frame *f = p->fr;
	uintptr_t base = f ? (uintptr_t)f->data : 0, at = (uintptr_t)r->p;
	if (!f || at < base || at > base + f->caplen)
		return rd_left(r);
	uint32_t off = (uint32_t)(at - base);
	return f->len > off ? f->len - off : 0;
}

/* An Ethernet trailer that tshark 4.0's trailer heuristics (the F5 one) accept and then fail
 * on: all zero except a non-zero byte 7 from the end, 15..24 or 33+ bytes long. Measured
 * with tshark 4.0.17; the datagram's Info stays and gets "[Malformed Packet]". */
static int decode_trailer_throws(const struct rd *r)
{
	uint32_t n = rd_left(r);
	if (n < 15 || (n > 24 && n < 33))
		return 0;
	const uint8_t *t = r->p;
	for (uint32_t i = 0; i < n - 7; i++)
		if (t[i])
			return 0;
	return t[n - 7] != 0;
}

/* ARP: the whole datagram (8 + 2*hlen + 2*plen bytes) must fit the reported length, else
 * tshark shows only "[Malformed Packet]"; a capture cut inside it is a truncation. */
static void decode_arp(struct pkt *p, struct rd *r)
{
	p->layers |= PL_ARP;
	struct pkt_arp *a = &p->arp;
	memset(a, 0, sizeof *a);
	uint32_t wire = decode_wire_left(p, r);
	a->htype = rd_be16(r);
	a->ptype = rd_be16(r);
	a->hlen = rd_u8(r);
	a->plen = rd_u8(r);
	a->op = rd_be16(r);
	if (!rd_ok(r)) {
		decode_problem(p, wire < 8 ? PP_MALFORMED : PP_TRUNC, PL_ARP);
		return;
	}
	uint32_t tot = 8u + 2u * a->hlen + 2u * a->plen;
	if (a->htype == 19) {
		/* ATM ARP (RFC 2225): four more length bytes, type-and-length fields in the low 6 bits */
		struct rd h = *r;
		uint8_t spln = rd_u8(&h), thtl = rd_u8(&h), tstl = rd_u8(&h), tpln = rd_u8(&h);
		tot = 12u + (a->hlen & 0x3fu) + (a->plen & 0x3fu) + spln + (thtl & 0x3fu) + (tstl & 0x3fu) + tpln;
		if (!rd_ok(&h))
			decode_problem(p, wire < 12 ? PP_MALFORMED : PP_TRUNC, PL_ARP);
		else if (tot > wire)
			decode_problem(p, PP_MALFORMED, PL_ARP);
		return; /* its addresses are not decoded */
	}
	if (tot > wire) {
		decode_problem(p, PP_MALFORMED, PL_ARP);
		return;
	}
	struct rd body = *r;
	a->sha = rd_bytes(&body, a->hlen);
	a->spa = rd_bytes(&body, a->plen);
	a->tha = rd_bytes(&body, a->hlen);
	a->tpa = rd_bytes(&body, a->plen);
	if (!rd_ok(&body)) {
		decode_trunc(p, PL_ARP); /* the addresses read before the cut stay set */
		return;
	}
	rd_skip(r, tot - 8u);
	if ((p->layers & PL_ETH) && !p->nvlan && decode_trailer_throws(r))
		decode_malformed(p, PP_MALFORMED, PL_ETH);
}

static void decode_llc(struct pkt *p, struct rd *r)
{
	p->layers |= PL_LLC;
	p->eth.llc_dsap = rd_u8(r);
	p->eth.llc_ssap = rd_u8(r);
	p->eth.llc_ctrl = rd_u8(r);
	if (!rd_ok(r)) {
		decode_trunc(p, PL_LLC);
		return;
	}
	if (p->eth.llc_dsap == 0xaa && p->eth.llc_ssap == 0xaa) {
		rd_skip(r, 3); /* OUI */
		uint16_t type = rd_be16(r);
		if (!rd_ok(r)) {
			decode_trunc(p, PL_LLC);
			return;
		}
		decode_ethertype(p, r, type, 0);
	}
}

void decode_ethertype(struct pkt *p, struct rd *r, uint16_t type, int depth)
{
	if (depth > 8)
		return;
	switch (type) {
	case 0x0800:
	case 0x86dd:
		decode_ip(p, r, depth);
		break;
	case 0x0806:
		decode_arp(p, r);
		break;
	case 0x8100:
	case 0x88a8:
	case 0x9100: {
		p->layers |= PL_VLAN;
		uint16_t tci = rd_be16(r);
		uint16_t inner = rd_be16(r);
		if (!rd_ok(r)) {
			decode_trunc(p, PL_VLAN);
			return;
		}
		if (p->nvlan < PKT_MAX_VLAN)
			p->vlan[p->nvlan++] = tci;
		if (inner < 0x600) {
			struct rd sub = rd_sub(r, inner);
			decode_llc(p, &sub);
		} else {
			decode_ethertype(p, r, inner, depth + 1);
		}
		break;
	}
	case 0x8847:
	case 0x8848: {
		p->layers |= PL_MPLS;
		for (int i = 0; i < 16; i++) {
			uint32_t lse = rd_be32(r);
			if (!rd_ok(r)) {
				decode_trunc(p, PL_MPLS);
				return;
			}
			if (lse & 0x100)
				break;
		}
		int v = rd_peek(r, 0);
		if (v >= 0 && (v >> 4) == 4)
			decode_ethertype(p, r, 0x0800, depth + 1);
		else if (v >= 0 && (v >> 4) == 6)
			decode_ethertype(p, r, 0x86dd, depth + 1);
		break;
	}
	case 0x8864: {
		p->layers |= PL_PPPOE;
		rd_skip(r, 6);
		uint16_t proto = rd_be16(r);
		if (!rd_ok(r)) {
			decode_trunc(p, PL_PPPOE);
			return;
		}
		if (proto == 0x0021)
			decode_ethertype(p, r, 0x0800, depth + 1);
		else if (proto == 0x0057)
			decode_ethertype(p, r, 0x86dd, depth + 1);
		break;
	}
	default:
		break;
	}
}

static void decode_ether(struct pkt *p, struct rd *r)
{
	p->layers |= PL_ETH;
	p->eth.dst = rd_bytes(r, 6);
	p->eth.src = rd_bytes(r, 6);
	p->eth.type = rd_be16(r);
	if (!rd_ok(r)) {
		p->eth.src = p->eth.dst = NULL;
		decode_trunc(p, PL_ETH);
		return;
	}
	if (p->eth.type < 0x600) {
		struct rd sub = rd_sub(r, p->eth.type);
		decode_llc(p, &sub);
		return;
	}
	decode_ethertype(p, r, p->eth.type, 0);
}

static void decode_sll(struct pkt *p, struct rd *r, int v2)
{
	p->layers |= PL_SLL;
	uint16_t proto, halen;
	const uint8_t *addr;
	if (v2) {
		proto = rd_be16(r);
		rd_skip(r, 2 + 4);
		p->sll_hatype = rd_be16(r);
		p->sll_pkttype = rd_u8(r);
		halen = rd_u8(r);
		addr = rd_bytes(r, 8);
	} else {
		p->sll_pkttype = rd_be16(r);
		p->sll_hatype = rd_be16(r);
		halen = rd_be16(r);
		addr = rd_bytes(r, 8);
		proto = rd_be16(r);
	}
	if (!rd_ok(r)) {
		decode_trunc(p, PL_SLL);
		return;
	}
	if (halen == 6 && (p->sll_hatype == 1 || p->sll_hatype == 772))
		p->eth.src = addr;
	p->eth.type = proto;
	if (proto == 0x0004) { /* 802.2 LLC frames */
		decode_llc(p, r);
		return;
	}
	decode_ethertype(p, r, proto, 0);
}

static void decode_null(struct pkt *p, struct rd *r, int loop)
{
	p->layers |= PL_NULL;
	const uint8_t *b = rd_bytes(r, 4);
	if (!b) {
		decode_trunc(p, PL_NULL);
		return;
	}
	uint32_t fam = loop ? ((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3])
			    : ((uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0]);
	if (!loop && fam > 0xffff)
		fam = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	p->null_family = fam;
	if (fam == 2)
		decode_ethertype(p, r, 0x0800, 0);
	else if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
		decode_ethertype(p, r, 0x86dd, 0);
}

/* PPP (RFC 1661) with the HDLC-like address and control bytes 0xff 0x03 (RFC 1662) when the
 * frame starts with 0xff, and a 1-byte protocol field when its low bit is set (protocol field
 * compression), as tshark reads LINKTYPE_PPP and LINKTYPE_PPP_HDLC. */
static void decode_ppp(struct pkt *p, struct rd *r, int depth)
{
	p->layers |= PL_PPP;
	if (rd_peek(r, 0) == 0xff)
		rd_skip(r, 2);
	uint16_t proto = rd_u8(r);
	if (!(proto & 1))
		proto = (uint16_t)(proto << 8 | rd_u8(r));
	if (!rd_ok(r)) {
		decode_trunc(p, PL_PPP);
		return;
	}
	p->ppp_proto = proto;
	switch (proto) {
	case 0x0021: decode_ethertype(p, r, 0x0800, depth + 1); break;
	case 0x0057: decode_ethertype(p, r, 0x86dd, depth + 1); break;
	case 0x0281: decode_ethertype(p, r, 0x8847, depth + 1); break;
	case 0x0283: decode_ethertype(p, r, 0x8848, depth + 1); break;
	default: break;
	}
}

/* FDDI (ANSI X3.139): frame control, destination and source (bit-swapped as tshark shows
 * them; they are FDDI fields, not eth.src/eth.dst), then 802.2 LLC for async LLC frames. */
static void decode_fddi(struct pkt *p, struct rd *r)
{
	p->layers |= PL_LINK;
	uint8_t fc = rd_u8(r);
	rd_skip(r, 12);
	if (!rd_ok(r)) {
		decode_trunc(p, PL_LINK);
		return;
	}
	if ((fc & 0xf8) == 0x50) /* async LLC frame, priority in the low 3 bits */
		decode_llc(p, r);
}

/* NFLOG (Linux nfnetlink_log): family, version, resource id (big-endian), then TLVs of a
 * little-endian length (header included, padded to 4) and type; type 9 holds the packet. */
static void decode_nflog(struct pkt *p, struct rd *r, int depth)
{
	p->layers |= PL_LINK;
	uint8_t family = rd_u8(r);
	rd_skip(r, 3);
	if (!rd_ok(r)) {
		decode_trunc(p, PL_LINK);
		return;
	}
	for (int i = 0; i < 256 && rd_left(r) >= 4; i++) {
		uint16_t len = rd_le16(r);
		uint16_t type = rd_le16(r);
		if (len < 4) {
			decode_malformed(p, PP_MALFORMED, PL_LINK);
			return;
		}
		struct rd v = rd_sub(r, (uint32_t)len - 4u);
		if ((type & 0x7fff) == 9) {
			if (family == 2)
				decode_ethertype(p, &v, 0x0800, depth + 1);
			else if (family == 10)
				decode_ethertype(p, &v, 0x86dd, depth + 1);
			return;
		}
		rd_skip(r, (4u - (len & 3u)) & 3u);
		if (!rd_ok(r))
			return;
	}
}

/* IP over InfiniBand as LINKTYPE_IPOIB: a 40-byte address block, the ethertype and 2 reserved
 * bytes (44 bytes in all, as tshark 4.0 reads it). */
static void decode_ipoib(struct pkt *p, struct rd *r, int depth)
{
	p->layers |= PL_LINK;
	rd_skip(r, 40);
	uint16_t type = rd_be16(r);
	rd_skip(r, 2);
	if (!rd_ok(r)) {
		decode_trunc(p, PL_LINK);
		return;
	}
	p->eth.type = type;
	decode_ethertype(p, r, type, depth + 1);
}

static void decode_link(struct pkt *p, struct rd *r, uint32_t linktype, int depth);

/* Apple PKTAP: little-endian header length, record type and inner DLT; a packet record
 * (type 1) with a header of at least 108 bytes carries a frame of that DLT. */
static void decode_pktap(struct pkt *p, struct rd *r, int depth)
{
	p->layers |= PL_LINK;
	struct rd h = *r;
	uint32_t hlen = rd_le32(&h);
	uint32_t rectype = rd_le32(&h);
	uint32_t dlt = rd_le32(&h);
	if (!rd_ok(&h)) {
		decode_trunc(p, PL_LINK);
		return;
	}
	if (hlen < 108) {
		decode_malformed(p, PP_MALFORMED, PL_LINK);
		return;
	}
	rd_skip(r, hlen);
	if (!rd_ok(r)) {
		decode_trunc(p, PL_LINK);
		return;
	}
	if (rectype == 1)
		decode_link(p, r, dlt, depth + 1);
}

static void decode_link(struct pkt *p, struct rd *r, uint32_t linktype, int depth)
{
	if (depth > 4)
		return;
	switch (linktype) {
	case LT_ETHERNET:
		decode_ether(p, r);
		break;
	case LT_LINUX_SLL:
		decode_sll(p, r, 0);
		break;
	case LT_LINUX_SLL2:
		decode_sll(p, r, 1);
		break;
	case LT_NULL:
		decode_null(p, r, 0);
		break;
	case LT_LOOP:
		decode_null(p, r, 1);
		break;
	case LT_RAW:
	case LT_DLT_RAW12:
	case LT_DLT_RAW14:
	case LT_IPV4:
	case LT_IPV6:
		decode_ip(p, r, 0);
		break;
	case LT_ATM_CLIP:
		p->layers |= PL_LINK;
		decode_ip(p, r, 0);
		break;
	case LT_PPP:
	case LT_PPP_HDLC:
		decode_ppp(p, r, depth);
		break;
	case LT_PPP_WITH_DIR:
		rd_skip(r, 1);
		decode_ppp(p, r, depth);
		break;
	case LT_C_HDLC: {
		p->layers |= PL_PPP;
		rd_skip(r, 2);
		uint16_t type = rd_be16(r);
		if (!rd_ok(r)) {
			decode_trunc(p, PL_PPP);
			return;
		}
		p->eth.type = type;
		decode_ethertype(p, r, type, depth + 1);
		break;
	}
	case LT_FDDI:
		decode_fddi(p, r);
		break;
	case LT_NFLOG:
		decode_nflog(p, r, depth);
		break;
	case LT_IPOIB:
		decode_ipoib(p, r, depth);
		break;
	case LT_PKTAP:
		decode_pktap(p, r, depth);
		break;
	default:
		break;
	}
}

void decode_frame(const struct frame *f, struct pkt *p)
{
	memset(p, 0, offsetof(struct pkt, eth));
	memset(&p->eth, 0, sizeof p->eth);
	p->fr = f;
	p->nip = 0;
	p->inner_l4 = 0;
	p->inner_udp_len = 0;
	p->l4_frag = 0;
	p->bad_ver = 0;
	p->bogus_hl = p->bogus_len = 0;
	p->ip6_short = 0;
	struct rd r = rd_make(f->data, f->caplen);
	decode_link(p, &r, f->linktype, 0);
}

void decode_ip_bytes(struct pkt *p, const uint8_t *data, uint32_t len)
{
	struct rd r = rd_make(data, len);
	p->nip = 0;
	p->layers &= ~(uint32_t)(PL_IP4 | PL_IP6 | PL_TCP | PL_UDP | PL_ICMP | PL_ICMP6 | PL_GRE | PL_INNER_IP);
	p->problem = PP_NONE;
	decode_ip(p, &r, 0);
}
