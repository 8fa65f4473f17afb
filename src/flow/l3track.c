/* l3track.c: small bounded tables for ICMP echo request/reply pairing (RFC 792, RFC 4443)
 * and ARP duplicate-address detection (an IPv4 address claimed by two MACs). */
#include "flow/flow_int.h"

#include <string.h>

#define ECHO_SLOTS 4096
#define ARP_SLOTS 4096

struct echo_ent {
	uint8_t used, alen;
	uint16_t id, seq;
	uint8_t src[16], dst[16];
	uint64_t frame;
};

struct arp_ent {
	uint8_t used;
	uint8_t ip[4];
	uint8_t mac[6];
};

struct l3track {
	struct hash_key key;
	struct echo_ent echo[ECHO_SLOTS];
	struct arp_ent arp[ARP_SLOTS];
};

static uint32_t echo_slot(const struct l3track *t, uint16_t id, uint16_t seq, const uint8_t *a, const uint8_t *b,
			  int alen)
{
	uint8_t k[36];
	memcpy(k, a, (size_t)alen);
	memcpy(k + alen, b, (size_t)alen);
	k[2 * alen] = (uint8_t)(id >> 8);
	k[2 * alen + 1] = (uint8_t)id;
	k[2 * alen + 2] = (uint8_t)(seq >> 8);
	k[2 * alen + 3] = (uint8_t)seq;
	return (uint32_t)hash_siphash13(&t->key, k, (size_t)(2 * alen + 4)) & (ECHO_SLOTS - 1);
}

size_t l3track_size(void) { return sizeof(struct l3track); }

void l3track_init(struct l3track *t)
{
	memset(t, 0, sizeof *t);
	hash_key_random(&t->key);
}

void l3track_packet(struct l3track *t, const struct pkt *p, struct flow_pkt *out)
{
	if (p->layers & (PL_ICMP | PL_ICMP6)) {
		const struct pkt_ip *ip = pkt_ip_last(p);
		int v6 = (p->layers & PL_ICMP6) != 0;
		uint8_t ty = p->icmp.type;
		int req = v6 ? ty == 128 : ty == 8;
		int rep = v6 ? ty == 129 : ty == 0;
		if (!ip || (!req && !rep) || p->icmp.body.len < 4)
			return;
		if (req) {
			uint32_t s = echo_slot(t, p->icmp.id, p->icmp.seq, ip->src, ip->dst, ip->alen);
			struct echo_ent *e = &t->echo[s];
			e->used = 1;
			e->alen = ip->alen;
			e->id = p->icmp.id;
			e->seq = p->icmp.seq;
			memcpy(e->src, ip->src, ip->alen);
			memcpy(e->dst, ip->dst, ip->alen);
			e->frame = p->fr->num;
		} else {
			uint32_t s = echo_slot(t, p->icmp.id, p->icmp.seq, ip->dst, ip->src, ip->alen);
			const struct echo_ent *e = &t->echo[s];
			if (e->used && e->id == p->icmp.id && e->seq == p->icmp.seq && e->alen == ip->alen &&
			    !memcmp(e->src, ip->dst, ip->alen) && !memcmp(e->dst, ip->src, ip->alen))
				out->icmp_req_frame = e->frame;
		}
		return;
	}
	if ((p->layers & PL_ARP) && p->arp.hlen == 6 && p->arp.plen == 4 && p->arp.sha && p->arp.spa) {
		const uint8_t *ip = p->arp.spa, *mac = p->arp.sha;
		if (!ip[0] && !ip[1] && !ip[2] && !ip[3])
			return;
		uint32_t s = (uint32_t)hash_siphash13(&t->key, ip, 4) & (ARP_SLOTS - 1);
		struct arp_ent *e = &t->arp[s];
		if (e->used && !memcmp(e->ip, ip, 4)) {
			if (memcmp(e->mac, mac, 6)) {
				out->arp_dup = 1;
				memcpy(out->arp_dup_ip, ip, 4);
			}
			return;
		}
		e->used = 1;
		memcpy(e->ip, ip, 4);
		memcpy(e->mac, mac, 6);
	}
}
