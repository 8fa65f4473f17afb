/* ip.c: IPv4 (RFC 791) with options and fragments, IPv6 (RFC 8200) with extension headers
 * and fragments, IP-in-IP and GRE tunnels. */
#include "decode/decode_int.h"

#include <string.h>

static void ip_set_payload(struct pkt_ip *ip, struct rd *r, uint32_t claimed)
{
	uint32_t have = rd_left(r);
	ip->payload_len = claimed;
	ip->payload.p = r->p;
	ip->payload.len = have < claimed ? have : claimed;
}

static void decode_ip4(struct pkt *p, struct rd *r, int depth)
{
	const uint8_t *start = r->p;
	uint32_t avail = rd_left(r);
	p->layers |= PL_IP4;
	struct pkt_ip *ip = &p->ip[p->nip++];
	memset(ip, 0, sizeof *ip);
	ip->ver = 4;
	ip->alen = 4;
	uint8_t vhl = rd_u8(r);
	ip->hl = (uint8_t)((vhl & 0x0f) * 4);
	ip->tos = rd_u8(r);
	ip->totlen = rd_be16(r);
	ip->id = rd_be16(r);
	ip->frag = rd_be16(r);
	ip->ttl = rd_u8(r);
	ip->proto = rd_u8(r);
	ip->l4 = ip->proto;
	ip->csum = rd_be16(r);
	rd_copy(r, ip->src, 4);
	rd_copy(r, ip->dst, 4);
	if (!rd_ok(r)) {
		decode_trunc(p, PL_IP4);
		return;
	}
	if (ip->hl < 20) {
		decode_malformed(p, PP_BAD_IP_HL, PL_IP4);
		return;
	}
	rd_skip(r, ip->hl - 20u);
	if (!rd_ok(r)) {
		decode_trunc(p, PL_IP4);
		return;
	}
	ip->hdr.p = start;
	ip->hdr.len = ip->hl;
	if (ip->totlen < ip->hl) {
		/* TSO/offload captures carry totlen 0: take the frame as the length, as tshark does */
		if (ip->totlen == 0) {
			ip->totlen = avail;
		} else {
			decode_malformed(p, PP_BAD_IP_LEN, PL_IP4);
			return;
		}
	}
	/* the IP length cannot exceed what was on the wire (tshark trims it the same way) */
	uint32_t wire_left = p->fr->len > (uint32_t)(start - p->fr->data) ? p->fr->len - (uint32_t)(start - p->fr->data) : 0;
	if (p->nip == 1 && ip->totlen > wire_left && wire_left >= ip->hl)
		ip->totlen = wire_left;
	ip->frag_off = (uint16_t)((ip->frag & 0x1fff) * 8);
	ip->more_frags = (ip->frag & 0x2000) != 0;
	ip->is_frag = ip->frag_off != 0 || ip->more_frags;
	ip_set_payload(ip, r, ip->totlen - ip->hl);
	if (ip->is_frag) {
		p->l4_frag = 1;
		return;
	}
	decode_l4(p, ip, depth);
}

static int ip6_is_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51 || nh == 135 || nh == 139 || nh == 140;
}

static void decode_ip6(struct pkt *p, struct rd *r, int depth)
{
	const uint8_t *start = r->p;
	p->layers |= PL_IP6;
	struct pkt_ip *ip = &p->ip[p->nip++];
	memset(ip, 0, sizeof *ip);
	ip->ver = 6;
	ip->alen = 16;
	uint32_t w = rd_be32(r);
	ip->tos = (uint8_t)(w >> 20);
	ip->flow = w & 0xfffff;
	ip->totlen = rd_be16(r);
	ip->proto = rd_u8(r);
	ip->ttl = rd_u8(r);
	rd_copy(r, ip->src, 16);
	rd_copy(r, ip->dst, 16);
	if (!rd_ok(r)) {
		decode_trunc(p, PL_IP6);
		return;
	}
	ip->hdr.p = start;
	ip->hdr.len = 40;
	struct rd body = rd_sub(r, ip->totlen);
	if (body.status != RD_OK)
		body.status = RD_OK;
	uint8_t nh = ip->proto;
	uint32_t hl = 40, plen = ip->totlen;
	for (int i = 0; i < 16 && ip6_is_ext(nh); i++) {
		uint8_t next = rd_u8(&body);
		uint8_t len8 = rd_u8(&body);
		uint32_t elen;
		if (nh == 44) {
			uint16_t offw = rd_be16(&body);
			ip->frag_id = rd_be32(&body);
			ip->frag_off = (uint16_t)(offw & 0xfff8);
			ip->more_frags = offw & 1;
			ip->is_frag = 1;
			elen = 8;
			(void)len8;
		} else {
			elen = nh == 51 ? ((uint32_t)len8 + 2) * 4 : ((uint32_t)len8 + 1) * 8;
			rd_skip(&body, elen - 2);
		}
		if (!rd_ok(&body)) {
			decode_trunc(p, PL_IP6);
			return;
		}
		hl += elen;
		plen = plen >= elen ? plen - elen : 0;
		nh = next;
		if (ip->is_frag)
			break;
	}
	ip->hl = (uint8_t)(hl > 255 ? 255 : hl);
	ip->l4 = nh;
	ip_set_payload(ip, &body, plen);
	if (ip->is_frag && (ip->frag_off || ip->more_frags)) {
		p->l4_frag = 1;
		return;
	}
	ip->is_frag = 0;
	decode_l4(p, ip, depth);
}

void decode_ip(struct pkt *p, struct rd *r, int depth)
{
	if (p->nip >= PKT_MAX_IP || depth > 8)
		return;
	int v = rd_peek(r, 0);
	if (v < 0) {
		decode_trunc(p, PL_IP4);
		return;
	}
	if ((v >> 4) == 4)
		decode_ip4(p, r, depth);
	else if ((v >> 4) == 6)
		decode_ip6(p, r, depth);
	else
		decode_malformed(p, PP_BAD_IP_VER, PL_IP4);
}

/* GRE: version 0 with optional checksum, key and sequence fields. */
void decode_gre(struct pkt *p, struct rd *r, int depth)
{
	p->layers |= PL_GRE;
	uint16_t fl = rd_be16(r);
	uint16_t type = rd_be16(r);
	if (!rd_ok(r) || (fl & 7) != 0)
		return;
	if (fl & 0x8000)
		rd_skip(r, 4);
	if (fl & 0x2000)
		rd_skip(r, 4);
	if (fl & 0x1000)
		rd_skip(r, 4);
	if (!rd_ok(r))
		return;
	if (type == 0x6558) {
		/* transparent Ethernet bridging: skip the inner Ethernet header */
		rd_skip(r, 12);
		type = rd_be16(r);
		if (!rd_ok(r))
			return;
	}
	if (type == 0x0800 || type == 0x86dd)
		decode_ip(p, r, depth + 1);
}
