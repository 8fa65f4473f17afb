/* l4.c: TCP (RFC 9293), UDP (RFC 768), ICMP (RFC 792) and ICMPv6 (RFC 4443) headers, and the
 * IP header plus transport ports quoted inside ICMP error messages. */
#include "decode/decode_int.h"

#include <string.h>

static void decode_tcp(struct pkt *p, struct pkt_ip *ip, struct rd *r)
{
	p->layers |= PL_TCP;
	struct pkt_tcp *t = &p->tcp;
	memset(t, 0, sizeof *t);
	t->sport = rd_be16(r);
	t->dport = rd_be16(r);
	t->have_ports = rd_ok(r);
	t->seq = rd_be32(r);
	t->ack = rd_be32(r);
	uint16_t w = rd_be16(r);
	t->hl = (uint8_t)((w >> 12) * 4);
	t->flags = w & 0xfff;
	t->win = rd_be16(r);
	t->csum = rd_be16(r);
	t->urp = rd_be16(r);
	if (!rd_ok(r)) {
		decode_trunc(p, PL_TCP);
		return;
	}
	if (t->hl < 20) {
		decode_malformed(p, PP_BAD_TCP_HL, PL_TCP);
		return;
	}
	uint32_t optlen = t->hl - 20u;
	uint32_t have = rd_left(r);
	t->opts.p = r->p;
	t->opts.len = have < optlen ? have : optlen;
	if (have < optlen) {
		t->opts_trunc = 1;
		decode_trunc(p, PL_TCP);
		rd_skip(r, have);
		t->len = ip->payload_len > t->hl ? ip->payload_len - t->hl : 0;
		return;
	}
	rd_skip(r, optlen);
	t->len = ip->payload_len >= t->hl ? ip->payload_len - t->hl : 0;
	if (ip->payload_len < t->hl)
		decode_malformed(p, PP_MALFORMED, PL_TCP);
	t->payload.p = r->p;
	t->payload.len = rd_left(r) < t->len ? rd_left(r) : t->len;
}

static void decode_udp_tunnel(struct pkt *p, const struct pkt_udp *u);

static void decode_udp(struct pkt *p, struct rd *r)
{
	p->layers |= PL_UDP;
	p->udp_ip = (uint8_t)(p->nip ? p->nip - 1 : 0);
	struct pkt_udp *u = &p->udp;
	u->sport = rd_be16(r);
	u->dport = rd_be16(r);
	u->have_ports = rd_ok(r);
	u->len = rd_be16(r);
	u->csum = rd_be16(r);
	if (!rd_ok(r)) {
		decode_trunc(p, PL_UDP);
		return;
	}
	uint32_t plen = u->len >= 8 ? u->len - 8u : 0;
	u->payload.p = r->p;
	u->payload.len = rd_left(r) < plen ? rd_left(r) : plen;
	if (u->dport == 4789 || u->dport == 6081)
		decode_udp_tunnel(p, u);
}

/* VXLAN (RFC 7348) and Geneve (RFC 8926) carry Ethernet frames; only the
 * inner IP layers are decoded (the outer Ethernet header stays the one shown). */
static void decode_udp_tunnel(struct pkt *p, const struct pkt_udp *u)
{
	struct rd r = rd_make(u->payload.p, u->payload.len);
	uint16_t type = 0x6558;
	if (u->dport == 6081) {
		uint8_t b0 = rd_u8(&r);
		rd_skip(&r, 1);
		type = rd_be16(&r);
		rd_skip(&r, 4 + (uint32_t)(b0 & 0x3f) * 4);
	} else {
		rd_skip(&r, 8);
	}
	if (!rd_ok(&r))
		return;
	if (type == 0x6558) {
		rd_skip(&r, 12);
		type = rd_be16(&r);
		if (!rd_ok(&r))
			return;
	}
	if (type == 0x0800 || type == 0x86dd)
		decode_ip(p, &r, 1);
	else if (type == 0x0806)
		decode_ethertype(p, &r, type, 1); /* ARP between the tunnelled hosts */
}

/* Reads the IP header and first transport bytes quoted in an ICMP error. */
static void decode_icmp_inner(struct pkt *p, struct rd *r)
{
	int v = rd_peek(r, 0);
	if (v < 0)
		return;
	struct pkt_ip *ip = &p->inner_ip;
	memset(ip, 0, sizeof *ip);
	if ((v >> 4) == 4) {
		uint8_t hl = (uint8_t)((v & 0xf) * 4);
		const uint8_t *h = rd_bytes(r, 20);
		if (!h || hl < 20)
			return;
		ip->ver = 4;
		ip->alen = 4;
		ip->hl = hl;
		ip->ttl = h[8];
		ip->proto = ip->l4 = h[9];
		ip->id = (uint16_t)(h[4] << 8 | h[5]);
		ip->totlen = (uint16_t)(h[2] << 8 | h[3]);
		ip->frag = (uint16_t)(h[6] << 8 | h[7]);
		memcpy(ip->src, h + 12, 4);
		memcpy(ip->dst, h + 16, 4);
		rd_skip(r, hl - 20u);
		if ((ip->frag & 0x1fff) != 0)
			ip->is_frag = 1;
	} else if ((v >> 4) == 6) {
		const uint8_t *h = rd_bytes(r, 40);
		if (!h)
			return;
		ip->ver = 6;
		ip->alen = 16;
		ip->hl = 40;
		ip->ttl = h[7];
		ip->proto = ip->l4 = h[6];
		ip->totlen = (uint16_t)(h[4] << 8 | h[5]);
		memcpy(ip->src, h + 8, 16);
		memcpy(ip->dst, h + 24, 16);
	} else {
		return;
	}
	if (!rd_ok(r))
		return;
	p->layers |= PL_INNER_IP;
	if (ip->is_frag)
		return;
	if (ip->l4 == 6 || ip->l4 == 17) {
		uint16_t sp = rd_be16(r), dp = rd_be16(r);
		if (!rd_ok(r))
			return;
		p->inner_l4 = ip->l4;
		p->inner_sport = sp;
		p->inner_dport = dp;
		if (ip->l4 == 6)
			p->inner_seq = rd_be32(r);
		else
			p->inner_udp_len = rd_be16(r);
	}
}

static int icmp4_is_error(uint8_t type) { return type == 3 || type == 4 || type == 5 || type == 11 || type == 12; }
static int icmp6_is_error(uint8_t type) { return type >= 1 && type <= 4; }

/* A read that failed at byte `need` of a message the IP header says is `wire` bytes long:
 * beyond the capture it is a truncation, beyond the datagram a malformed packet. */
static void decode_short(struct pkt *p, uint32_t need, uint32_t wire, uint32_t layer)
{
	if (need > wire)
		decode_malformed(p, PP_MALFORMED, layer);
	else
		decode_trunc(p, layer);
}

/* ICMP errors longer than 136 bytes whose quoted datagram is at most 128 bytes carry RFC 4884
 * extensions after the quoted part (its length in 32-bit words at byte 5, else 128 bytes);
 * tshark makes a subset there, which fails when that offset is past the message. */
static void decode_icmp_ext_check(struct pkt *p, const struct pkt_icmp *ic, uint32_t wire)
{
	struct rd b = rd_make(ic->body.p, ic->body.len);
	rd_skip(&b, 1);
	uint8_t words = rd_u8(&b);
	rd_skip(&b, 4);
	uint16_t inner_len = rd_be16(&b);
	if (!rd_ok(&b) || wire <= 136 || inner_len > 128)
		return;
	uint32_t ext = (words ? words * 4u : 128u) + 8u;
	if (ext > wire)
		decode_malformed(p, PP_MALFORMED, PL_ICMP);
}

static void decode_icmp(struct pkt *p, struct rd *r, int v6, uint32_t wire)
{
	uint32_t layer = v6 ? PL_ICMP6 : PL_ICMP;
	p->layers |= layer;
	struct pkt_icmp *ic = &p->icmp;
	memset(ic, 0, sizeof *ic);
	uint32_t have = rd_left(r);
	ic->type = rd_u8(r);
	ic->code = rd_u8(r);
	ic->csum = rd_be16(r);
	if (!rd_ok(r)) {
		decode_short(p, have < 2 ? 2 : 4, wire, layer);
		return;
	}
	ic->body.p = r->p;
	ic->body.len = rd_left(r);
	struct rd b = rd_make(ic->body.p, ic->body.len);
	int echo4 = ic->type == 0 || ic->type == 8 || (ic->type >= 13 && ic->type <= 18);
	if (!v6 && ic->body.len < 2) {
		decode_short(p, 6, wire, layer); /* tshark reads byte 5 first */
		return;
	}
	if ((!v6 && echo4) || (v6 && (ic->type == 128 || ic->type == 129))) {
		ic->id = rd_be16(&b);
		ic->seq = rd_be16(&b);
		if (!rd_ok(&b))
			decode_short(p, 8, wire, layer);
	} else if ((!v6 && icmp4_is_error(ic->type)) || (v6 && icmp6_is_error(ic->type))) {
		rd_skip(&b, 4);
		decode_icmp_inner(p, &b);
		if (!v6)
			decode_icmp_ext_check(p, ic, wire);
	}
}

void decode_l4(struct pkt *p, struct pkt_ip *ip, int depth)
{
	struct rd r = rd_make(ip->payload.p, ip->payload.len);
	switch (ip->l4) {
	case 6:
		decode_tcp(p, ip, &r);
		break;
	case 17:
		decode_udp(p, &r);
		break;
	case 1:
		if (ip->ver == 4)
			decode_icmp(p, &r, 0, ip->payload_len);
		break;
	case 58:
		decode_icmp(p, &r, 1, ip->payload_len);
		break;
	case 4:
	case 41:
		decode_ip(p, &r, depth + 1);
		break;
	case 47:
		decode_gre(p, &r, depth);
		break;
	default:
		break;
	}
}
