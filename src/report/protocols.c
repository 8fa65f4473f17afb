/* protocols.c: frame.protocols and the protocol hierarchy (see protocols.h). The chain names
 * the layers sleuth decoded with Wireshark's filter names; an application protocol appears where
 * tshark shows it (a datagram it dissected, the TCP segment completing a PDU). */
#include "report/protocols.h"

#include <string.h>

#include "proto/proto.h"

/* Every name but the first ("frame") follows a colon. */
static void chain_add(struct obuf *o, const char *name)
{
	obuf_putc(o, ':');
	obuf_puts(o, name);
}

static void chain_link(const struct pkt *p, struct obuf *o)
{
	uint32_t l = p->layers;
	if (l & PL_SLL)
		chain_add(o, "sll:ethertype");
	else if (l & PL_NULL)
		chain_add(o, "null");
	else if (l & PL_ETH)
		chain_add(o, "eth:ethertype");
	else if (l & PL_PPP)
		chain_add(o, "ppp");
	else if (p->fr->linktype == LT_RAW || p->fr->linktype == LT_IPV4 || p->fr->linktype == LT_IPV6 ||
		 p->fr->linktype == LT_DLT_RAW12 || p->fr->linktype == LT_DLT_RAW14)
		chain_add(o, "raw");
	for (uint8_t i = 0; i < p->nvlan; i++)
		chain_add(o, "vlan:ethertype");
	if (l & PL_PPPOE)
		chain_add(o, "pppoes:ppp");
	if (l & PL_MPLS)
		chain_add(o, "mpls");
	if (l & PL_LLC)
		chain_add(o, "llc");
}

void pkt_protocols(const struct pkt *p, const struct flow_pkt *fp, struct obuf *o)
{
	size_t start = o->len;
	obuf_puts(o, "frame");
	chain_link(p, o);
	for (uint8_t i = 0; i < p->nip && i < PKT_MAX_IP; i++) {
		if (i && (p->layers & PL_GRE))
			chain_add(o, "gre");
		chain_add(o, p->ip[i].ver == 6 ? "ipv6" : "ip");
	}
	uint32_t l = p->layers;
	if (l & PL_ARP)
		chain_add(o, "arp");
	if (l & PL_TCP)
		chain_add(o, "tcp");
	else if (l & PL_UDP)
		chain_add(o, "udp");
	if (l & PL_ICMP)
		chain_add(o, "icmp");
	if (l & PL_ICMP6)
		chain_add(o, "icmpv6");
	if ((l & (PL_ICMP | PL_ICMP6)) && (l & PL_INNER_IP)) { /* the header an ICMP error quotes */
		chain_add(o, p->inner_ip.ver == 6 ? "ipv6" : "ip");
		if (p->inner_l4 == 6 || p->inner_l4 == 17)
			chain_add(o, p->inner_l4 == 6 ? "tcp" : "udp");
	}
	const struct proto_pkt *a = fp ? fp->app : NULL;
	int app = 0;
	if (a && a->proto && !((l & PL_TCP) && !(fp->pdu & FP_PDU_DONE))) {
		/* the dissector that ran first, then what it carried (QUIC, then the TLS in it) */
		size_t own = (size_t)a->proto - 1;
		if (a->present[own / 32] >> (own % 32) & 1) {
			chain_add(o, proto_get(own)->name);
			app = 1;
		}
		for (size_t i = 0; i < proto_count() && i < 256; i++)
			if (i != own && (a->present[i / 32] >> (i % 32) & 1)) {
				chain_add(o, proto_get(i)->name);
				app = 1;
			}
	}
	/* payload no dissector took: tshark's "data" */
	if (!app && (((l & PL_TCP) && p->tcp.len && !(fp && (fp->pdu & FP_PDU_SEGMENT))) ||
		     ((l & PL_UDP) && !(l & (PL_ICMP | PL_ICMP6)) && p->udp.payload.len)))
		chain_add(o, "data");
	/* tshark's frame.protocols starts after "frame:" ("frame" alone: nothing decoded) */
	size_t cut = o->len - start > 5 ? 6 : 5;
	memmove(o->buf + start, o->buf + start + cut, o->len - start - cut);
	o->len -= cut;
}

void phs_init(struct phs *h)
{
	memset(h, 0, sizeof *h);
	h->first = -1;
}

/* The child of `parent` (-1: the top level) named name[0..n), created when absent. */
static int32_t phs_child(struct phs *h, int32_t parent, const char *name, size_t n)
{
	int32_t *link = parent < 0 ? &h->first : &h->n[parent].child;
	while (*link >= 0) {
		struct phs_node *c = &h->n[*link];
		if (strlen(c->name) == n && !memcmp(c->name, name, n))
			return *link;
		link = &c->next;
	}
	if (h->count >= PHS_MAX_NODES || n >= PHS_NAME_MAX)
		return -1;
	int32_t id = (int32_t)h->count++;
	struct phs_node *c = &h->n[id];
	memcpy(c->name, name, n);
	c->name[n] = 0;
	c->parent = parent;
	c->child = c->next = -1;
	*link = id;
	return id;
}

void phs_add(struct phs *h, const char *chain, uint32_t bytes)
{
	int32_t at = -1;
	const char *s = chain;
	while (*s) {
		const char *e = strchr(s, ':');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (!(n == 9 && !memcmp(s, "ethertype", 9))) { /* tshark's hierarchy leaves it out */
			int32_t c = phs_child(h, at, s, n);
			if (c < 0) {
				h->dropped++;
				return;
			}
			h->n[c].frames++;
			h->n[c].bytes += bytes;
			at = c;
		}
		if (!e)
			break;
		s = e + 1;
	}
}

static void phs_render_node(const struct phs *h, int32_t id, int depth, struct obuf *o)
{
	for (; id >= 0; id = h->n[id].next) {
		const struct phs_node *c = &h->n[id];
		size_t start = o->len;
		for (int i = 0; i < depth; i++)
			obuf_puts(o, "  ");
		obuf_puts(o, c->name);
		if (o->len - start < 41)
			obuf_pad_from(o, start, 41, 0);
		else
			obuf_putc(o, ' ');
		obuf_printf(o, "frames:%llu bytes:%llu\n", (unsigned long long)c->frames, (unsigned long long)c->bytes);
		if (depth < 64)
			phs_render_node(h, c->child, depth + 1, o);
	}
}

void phs_render(const struct phs *h, const char *filter, struct obuf *o)
{
	static const char rule[] = "===================================================================\n";
	obuf_putc(o, '\n');
	obuf_puts(o, rule);
	obuf_puts(o, "Protocol Hierarchy Statistics\nFilter: ");
	obuf_puts(o, filter ? filter : "");
	obuf_puts(o, "\n\n");
	phs_render_node(h, h->first, 0, o);
	obuf_puts(o, rule);
}
