/* l3track.c: small bounded tables for ICMP echo request/reply pairing (RFC 792, RFC 4443)
 * and ARP duplicate-address detection (an IPv4 address claimed by two MACs). */
#include "flow/flow_int.h"

#include <string.h>

#define ECHO_SLOTS 4096
#define ECHO_PROBE 64
#define ARP_SLOTS 4096
#define ARP_PROBE 64

/* An echo request waiting for its reply, keyed like tshark: the address pair (either
 * direction), the checksum the reply will carry, identifier and sequence number. */
struct echo_ent {
	uint8_t used, alen, answered;
	uint16_t ckey, id, seq;
	uint8_t a[16], b[16]; /* the address pair, lower one first */
	uint64_t frame;
};

struct arp_ent {
	uint8_t used;
	uint8_t ip[4];
	uint8_t mac[6];
	uint64_t frame; /* last frame that confirmed this binding */
};

struct l3track {
	struct hash_key key;
	struct echo_ent echo[ECHO_SLOTS];
	struct arp_ent arp[ARP_SLOTS];
};

static uint32_t echo_slot(const struct l3track *t, const struct echo_ent *k)
{
	uint8_t buf[38];
	memcpy(buf, k->a, k->alen);
	memcpy(buf + k->alen, k->b, k->alen);
	uint8_t *q = buf + 2 * k->alen;
	q[0] = (uint8_t)(k->ckey >> 8);
	q[1] = (uint8_t)k->ckey;
	q[2] = (uint8_t)(k->id >> 8);
	q[3] = (uint8_t)k->id;
	q[4] = (uint8_t)(k->seq >> 8);
	q[5] = (uint8_t)k->seq;
	return (uint32_t)hash_siphash13(&t->key, buf, (size_t)(2 * k->alen + 6)) & (ECHO_SLOTS - 1);
}

static int echo_same(const struct echo_ent *e, const struct echo_ent *k)
{
	return e->alen == k->alen && e->ckey == k->ckey && e->id == k->id && e->seq == k->seq &&
	       !memcmp(e->a, k->a, k->alen) && !memcmp(e->b, k->b, k->alen);
}

/* One's-complement adjustment: the checksum a message gets when a 16-bit word grows by d. */
static uint16_t echo_csum_adjust(uint16_t csum, uint16_t d)
{
	uint32_t sum = (uint32_t)(uint16_t)~csum + (uint16_t)~d;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Echo request/reply pairing (tshark's ICMP transactions, first pass only): a reply names
 * the latest matching request once; a second reply to it gets nothing. */
static void l3track_echo(struct l3track *t, const struct pkt *p, struct flow_pkt *out)
{
	const struct pkt_ip *ip = pkt_ip_last(p);
	int v6 = (p->layers & PL_ICMP6) != 0;
	uint8_t ty = p->icmp.type;
	int req = v6 ? ty == 128 : ty == 8;
	int rep = v6 ? ty == 129 : ty == 0;
	if (!ip || (!req && !rep) || p->icmp.body.len < 4)
		return;
	struct echo_ent k;
	memset(&k, 0, sizeof k);
	k.alen = ip->alen;
	int lo = memcmp(ip->src, ip->dst, ip->alen) <= 0;
	memcpy(k.a, lo ? ip->src : ip->dst, ip->alen);
	memcpy(k.b, lo ? ip->dst : ip->src, ip->alen);
	k.id = p->icmp.id;
	k.seq = p->icmp.seq;
	uint16_t c = p->icmp.csum;
	if (v6)
		k.ckey = req ? (c == 0xffff ? 0 : c) : echo_csum_adjust(c, 0x0100);
	else
		k.ckey = req ? echo_csum_adjust(c, 0x0800) : (c == 0xffff ? 0 : c);
	/* linear probing over a bounded window, as the ARP table: pairing must not depend on the
	 * random hash key */
	uint32_t home = echo_slot(t, &k);
	if (req) {
		struct echo_ent *e = &t->echo[home];
		for (uint32_t i = 0; i < ECHO_PROBE; i++) {
			struct echo_ent *cand = &t->echo[(home + i) & (ECHO_SLOTS - 1)];
			if (!cand->used || echo_same(cand, &k) || cand->answered) {
				e = cand;
				if (!cand->used || echo_same(cand, &k))
					break;
			}
		}
		*e = k;
		e->used = 1;
		e->frame = p->fr->num;
		return;
	}
	for (uint32_t i = 0; i < ECHO_PROBE; i++) {
		struct echo_ent *e = &t->echo[(home + i) & (ECHO_SLOTS - 1)];
		if (!e->used)
			return;
		if (echo_same(e, &k)) {
			if (!e->answered) {
				e->answered = 1;
				out->icmp_req_frame = e->frame;
			}
			return;
		}
	}
}

size_t l3track_size(void) { return sizeof(struct l3track); }

void l3track_init(struct l3track *t)
{
	memset(t, 0, sizeof *t);
	hash_key_random(&t->key);
}

/* One (MAC, IPv4) binding seen in an ARP packet: returns 1 when the address was bound to
 * another MAC by an earlier frame (the first binding is kept, as tshark does). */
static int l3track_arp_bind(struct l3track *t, const uint8_t *mac, const uint8_t *ip, uint64_t frame)
{
	uint32_t s = (uint32_t)hash_siphash13(&t->key, ip, 4) & (ARP_SLOTS - 1);
	/* linear probing over a bounded window: the verdict must not depend on the random hash key
	 * (a direct-mapped slot made results differ from run to run when two addresses collided);
	 * only past ARP_PROBE occupied slots is the home slot overwritten */
	struct arp_ent *e = &t->arp[s];
	for (uint32_t k = 0; k < ARP_PROBE; k++) {
		struct arp_ent *c = &t->arp[(s + k) & (ARP_SLOTS - 1)];
		if (!c->used || !memcmp(c->ip, ip, 4)) {
			e = c;
			break;
		}
	}
	if (e->used && !memcmp(e->ip, ip, 4)) {
		if (frame <= e->frame)
			return 0;
		if (!memcmp(e->mac, mac, 6)) {
			e->frame = frame;
			return 0;
		}
		return 1;
	}
	e->used = 1;
	memcpy(e->ip, ip, 4);
	memcpy(e->mac, mac, 6);
	e->frame = frame;
	return 0;
}

static int l3track_arp_usable(const uint8_t *mac, const uint8_t *ip)
{
	static const uint8_t zero[6];
	return !(mac[0] & 1) && memcmp(mac, zero, 6) && memcmp(ip, zero, 4);
}

/* Duplicate-address detection of Ethernet/IPv4 ARP requests and replies: the sender
 * binding, then (replies only) the target binding; the last check decides the verdict. */
static void l3track_arp(struct l3track *t, const struct pkt *p, struct flow_pkt *out)
{
	const struct pkt_arp *a = &p->arp;
	if ((a->op != 1 && a->op != 2) || (a->htype != 1 && a->htype != 6) || a->hlen != 6 ||
	    (a->ptype != 0x0800 && a->ptype != 0xcc) || a->plen != 4 || !a->sha || !a->spa)
		return;
	uint64_t frame = p->fr->num;
	int dup = 0;
	if (l3track_arp_usable(a->sha, a->spa)) {
		dup = l3track_arp_bind(t, a->sha, a->spa, frame);
		if (dup)
			memcpy(out->arp_dup_ip, a->spa, 4);
	}
	if (!a->tha || !a->tpa) {
		out->arp_dup = 0; /* the dissection stopped at the cut: no verdict shown */
		return;
	}
	if (a->op != 1 && l3track_arp_usable(a->tha, a->tpa) && !(dup && !memcmp(out->arp_dup_ip, a->tpa, 4))) {
		dup = l3track_arp_bind(t, a->tha, a->tpa, frame);
		if (dup)
			memcpy(out->arp_dup_ip, a->tpa, 4);
	}
	out->arp_dup = (uint8_t)dup;
}

void l3track_packet(struct l3track *t, const struct pkt *p, struct flow_pkt *out)
{
	if (p->layers & (PL_ICMP | PL_ICMP6)) {
		l3track_echo(t, p, out);
		return;
	}
	if (p->layers & PL_ARP)
		l3track_arp(t, p, out);
}
