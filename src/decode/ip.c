/* ip.c: IPv4 (RFC 791) with options and fragments, IPv6 (RFC 8200) with extension headers
 * and fragments, IP-in-IP and GRE tunnels. */
#include "decode/decode_int.h"

#include <stdint.h>
#include <string.h>

static void decode_problem_at(struct pkt *p, enum pkt_problem pr)
{
	if (pr == PP_TRUNC)
		decode_trunc(p, PL_IP6);
	else
		decode_malformed(p, pr, PL_IP6);
}

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
	if (rd_ok(r) && ip->hl < 20) {
		/* tshark stops before the addresses: the layer shows no addresses */
		p->bogus_hl = ip->hl;
		p->nip--;
		decode_malformed(p, PP_BAD_IP_HL, PL_IP4);
		return;
	}
	ip->tos = rd_u8(r);
	ip->totlen = rd_be16(r);
	/* tshark checks the total length right after reading it */
	if (rd_ok(r) && ip->totlen < ip->hl && ip->totlen != 0) {
		p->bogus_hl = ip->hl;
		p->bogus_len = (uint16_t)ip->totlen;
		p->nip--;
		decode_malformed(p, PP_BAD_IP_LEN, PL_IP4);
		return;
	}
	ip->id = rd_be16(r);
	ip->frag = rd_be16(r);
	ip->ttl = rd_u8(r);
	ip->proto = rd_u8(r);
	ip->l4 = ip->proto;
	ip->csum = rd_be16(r);
	if (!rd_copy(r, ip->src, 4))
		ip->addr_cut |= 1;
	if (!rd_copy(r, ip->dst, 4))
		ip->addr_cut |= 2; /* tshark shows only the addresses it could read */
	if (!rd_ok(r)) {
		uint32_t wire = decode_wire_left(p, &(struct rd){ .p = start, .len = avail });
		if (wire < 20)
			decode_malformed(p, PP_MALFORMED, PL_IP4);
		else
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
	uintptr_t base = (uintptr_t)p->fr->data, at = (uintptr_t)start;
	int in_frame = at >= base && at <= base + p->fr->caplen;
	uint32_t off = in_frame ? (uint32_t)(start - p->fr->data) : 0;
	uint32_t wire_left = in_frame && p->fr->len > off ? p->fr->len - off : 0;
	if (in_frame && p->nip == 1 && ip->totlen > wire_left && wire_left >= ip->hl)
		ip->totlen = wire_left;
	ip->frag_off = (uint16_t)((ip->frag & 0x1fff) * 8);
	ip->more_frags = (ip->frag & 0x2000) != 0;
	ip->is_frag = ip->frag_off != 0 || ip->more_frags;
	ip_set_payload(ip, r, ip->totlen - ip->hl);
	if (ip->is_frag) {
		/* tshark reassembles a fragment only when it carries data and all of it was
		 * captured; a first fragment it cannot take is dissected as it is */
		ip->frag_ok = ip->totlen > ip->hl && ip->payload.len == ip->payload_len;
		if (ip->frag_ok || ip->frag_off) {
			p->l4_frag = 1;
			return;
		}
	}
	decode_l4(p, ip, depth);
}

static int ip6_is_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51 || nh == 135 || nh == 139 || nh == 140;
}

/* Options of a hop-by-hop or destination options header (n bytes at b). tshark reads an option
 * whose length runs past the header from the packet beyond it; when that passes the capture
 * it stops there ("[Packet size limited during capture]", or "[Malformed Packet]" past the
 * wire length `wire`; `base` is the offset of the options from the IPv6 header). Returns 1
 * when that happened. */
static int ip6_opts_overrun(struct pkt *p, const struct rd *b, uint32_t n, uint32_t base, uint32_t wire)
{
	uint32_t have = rd_left(b), i = 0;
	for (int guard = 0; i < n && guard < 256; guard++) {
		int type = rd_peek(b, i);
		if (type < 0)
			return 0; /* the header itself is cut: the caller reports it */
		if (type == 0) {
			i++;
			continue;
		}
		int len = rd_peek(b, i + 1);
		if (len < 0)
			return 0;
		uint32_t end = i + 2 + (uint32_t)len;
		if (end > have) {
			decode_problem_at(p, base + end > wire ? PP_MALFORMED : PP_TRUNC);
			return 1;
		}
		i = end;
	}
	return 0;
}

static void decode_ip6(struct pkt *p, struct rd *r, int depth)
{
	const uint8_t *start = r->p;
	uint32_t wire = decode_wire_left(p, r);
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
	if (!rd_copy(r, ip->src, 16))
		ip->addr_cut |= 1;
	if (!rd_copy(r, ip->dst, 16))
		ip->addr_cut |= 2;
	if (wire < 40 && p->nip == 1) {
		/* "Invalid IPv6 header (N bytes, need exactly 40)", then the read fails */
		p->ip6_short = (uint8_t)(wire ? wire : 1);
		decode_malformed(p, PP_MALFORMED, PL_IP6);
		return;
	}
	if (!rd_ok(r)) {
		decode_trunc(p, PL_IP6);
		return;
	}
	ip->hdr.p = start;
	ip->hdr.len = 40;
	/* RFC 2675 jumbogram: payload length 0 with a hop-by-hop header; the framing decides */
	uint32_t claimed = ip->totlen == 0 && ip->proto == 0 && wire > 40 ? wire - 40 : ip->totlen;
	struct rd body = rd_sub(r, claimed);
	if (body.status != RD_OK)
		body.status = RD_OK;
	uint8_t nh = ip->proto;
	uint32_t hl = 40, plen = claimed;
	for (int i = 0; i < 16 && ip6_is_ext(nh); i++) {
		if ((nh == 0 || nh == 43 || nh == 60) && ip->next_ext < sizeof ip->ext)
			ip->ext[ip->next_ext++] = nh; /* tshark names it before reading it */
		uint8_t next = rd_u8(&body);
		uint8_t len8 = rd_u8(&body);
		uint32_t elen = 0;
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
			if ((nh == 0 || nh == 60) && ip6_opts_overrun(p, &body, elen - 2, hl + 2, wire))
				return;
			rd_skip(&body, elen - 2);
		}
		if (!rd_ok(&body)) {
			/* past the wire length it is malformed, else the capture was cut */
			decode_problem_at(p, wire < hl + (elen > 2 ? elen : 2) ? PP_MALFORMED : PP_TRUNC);
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
		ip->frag_ok = plen > 0 && ip->payload.len == plen;
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
	else {
		p->layers |= PL_IP4;
		p->bad_ver = (uint8_t)(v >> 4);
		decode_malformed(p, PP_BAD_IP_VER, PL_IP4);
	}
}

void decode_ip_reassembled(struct pkt *p, struct slice payload)
{
	if (!p->nip)
		return;
	struct pkt_ip *ip = &p->ip[p->nip - 1];
	ip->payload = payload;
	ip->payload_len = payload.len;
	p->l4_frag = 0;
	decode_l4(p, ip, 0);
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
