/* columns.c: Protocol and Info text of tshark 4.0 for the L2-L4 protocols sleuth decodes. */
#include "report/columns.h"

#include <string.h>

#include "report/oui.h"

static const char *ip_proto_name(uint8_t p)
{
	switch (p) {
	case 1: return "ICMP";
	case 2: return "IGMP";
	case 4: return "IPIP";
	case 6: return "TCP";
	case 17: return "UDP";
	case 41: return "IPv6";
	case 47: return "GRE";
	case 50: return "ESP";
	case 51: return "AH";
	case 58: return "ICMPv6";
	case 89: return "OSPF";
	case 103: return "PIM";
	case 112: return "VRRP";
	case 132: return "SCTP";
	default: return NULL;
	}
}

static int pkt_trunc_at(const struct pkt *p, uint32_t layer)
{
	return p->problem != PP_NONE && p->problem_layer == (uint8_t)__builtin_ctz(layer);
}

void col_protocol(const struct pkt *p, const struct flow_pkt *fp, struct obuf *o)
{
	(void)fp;
	uint32_t l = p->layers;
	if (l & PL_TCP) { obuf_puts(o, "TCP"); return; }
	if (l & PL_UDP) { obuf_puts(o, "UDP"); return; }
	if (l & PL_ICMP) { obuf_puts(o, "ICMP"); return; }
	if (l & PL_ICMP6) { obuf_puts(o, "ICMPv6"); return; }
	if (p->nip) {
		obuf_puts(o, p->ip[p->nip - 1].ver == 6 ? "IPv6" : "IPv4");
		return;
	}
	if (l & PL_ARP) { obuf_puts(o, "ARP"); return; }
	if (l & (PL_IP4)) { obuf_puts(o, "IPv4"); return; }
	if (l & (PL_IP6)) { obuf_puts(o, "IPv6"); return; }
	if (l & PL_LLC) { obuf_puts(o, "LLC"); return; }
	if (l & (PL_ETH | PL_SLL)) {
		obuf_printf(o, "0x%04x", p->eth.type);
		return;
	}
	obuf_puts(o, "Frame");
}

static const char *const tcp_flag_names[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE", "Reserved" };

static void info_tcp_flags(uint16_t fl, struct obuf *o)
{
	obuf_putc(o, '[');
	int n = 0;
	for (int i = 0; i < 10; i++)
		if (i == 9 ? (fl & 0xe00) != 0 : (fl & (1u << i)) != 0) {
			if (n++)
				obuf_puts(o, ", ");
			obuf_puts(o, tcp_flag_names[i]);
		}
	if (!n)
		obuf_puts(o, "<None>");
	obuf_putc(o, ']');
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* Option summaries appended to the TCP Info, in packet order. */
static void info_tcp_options(const struct pkt *p, const struct flow_pkt *fp, struct obuf *o)
{
	const uint8_t *b = p->tcp.opts.p;
	uint32_t n = p->tcp.opts.len, i = 0;
	uint32_t sack_base = fp->tcp_valid ? fp->sack_base : 0;
	while (i < n) {
		uint8_t kind = b[i];
		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n)
			break;
		uint8_t len = b[i + 1];
		if (len < 2 || i + len > n)
			break;
		const uint8_t *v = b + i + 2;
		switch (kind) {
		case 2:
			if (len == 4)
				obuf_printf(o, " MSS=%u", (unsigned)(v[0] << 8 | v[1]));
			break;
		case 3:
			if (len == 3)
				obuf_printf(o, " WS=%u", 1u << (v[0] > 14 ? 14 : v[0]));
			break;
		case 4:
			if (len == 2)
				obuf_puts(o, " SACK_PERM");
			break;
		case 5:
			for (uint32_t k = 0; k + 8 <= (uint32_t)len - 2; k += 8)
				obuf_printf(o, " SLE=%u SRE=%u", be32(v + k) - sack_base, be32(v + k + 4) - sack_base);
			break;
		case 8:
			if (len == 10)
				obuf_printf(o, " TSval=%u TSecr=%u", be32(v), be32(v + 4));
			break;
		case 34:
			obuf_puts(o, len > 2 ? " TFO=C" : " TFO=R");
			break;
		case 253:
		case 254: /* RFC 6994 experiments: 0xf989 is TCP Fast Open */
			if (len >= 4 && v[0] == 0xf9 && v[1] == 0x89)
				obuf_puts(o, len > 4 ? " TFO=C" : " TFO=R");
			break;
		default:
			break;
		}
		i += len;
	}
}

static void info_tcp_prefix(const struct flow_pkt *fp, struct obuf *o)
{
	uint32_t a = fp->analysis;
	if (a & TA_ZWP_ACK) obuf_puts(o, "[TCP ZeroWindowProbeAck] ");
	if (a & TA_ZERO_WIN) obuf_puts(o, "[TCP ZeroWindow] ");
	if (a & TA_ZWP) obuf_puts(o, "[TCP ZeroWindowProbe] ");
	if (a & TA_DUPACK) obuf_printf(o, "[TCP Dup ACK %llu#%u] ", (unsigned long long)fp->dupack_frame, fp->dupack_num);
	if (a & TA_KEEPALIVE_ACK) obuf_puts(o, "[TCP Keep-Alive ACK] ");
	if (a & TA_KEEPALIVE) obuf_puts(o, "[TCP Keep-Alive] ");
	if (a & TA_WIN_FULL) obuf_puts(o, "[TCP Window Full] ");
	if (a & TA_WIN_UPDATE) obuf_puts(o, "[TCP Window Update] ");
	if (a & TA_ACK_LOST) obuf_puts(o, "[TCP ACKed unseen segment] ");
	if (a & TA_LOST) obuf_puts(o, "[TCP Previous segment not captured] ");
	if (a & TA_OOO) obuf_puts(o, "[TCP Out-Of-Order] ");
	if (a & TA_SPURIOUS) obuf_puts(o, "[TCP Spurious Retransmission] ");
	if (a & TA_FAST_RETRANS) obuf_puts(o, "[TCP Fast Retransmission] ");
	if (a & TA_RETRANS) obuf_puts(o, "[TCP Retransmission] ");
	if (a & TA_REUSED) obuf_puts(o, "[TCP Port numbers reused] ");
}

static void info_tcp(const struct pkt *p, const struct flow_pkt *fp, struct obuf *o)
{
	const struct pkt_tcp *t = &p->tcp;
	info_tcp_prefix(fp, o);
	obuf_u64(o, t->sport);
	obuf_puts(o, " \xe2\x86\x92 ");
	obuf_u64(o, t->dport);
	obuf_putc(o, ' ');
	info_tcp_flags(t->flags, o);
	obuf_puts(o, " Seq=");
	obuf_u64(o, fp->tcp_valid ? fp->rel_seq : t->seq);
	if (t->flags & TH_ACK) {
		obuf_puts(o, " Ack=");
		obuf_u64(o, fp->tcp_valid ? fp->rel_ack : t->ack);
	}
	obuf_puts(o, " Win=");
	obuf_u64(o, fp->tcp_valid ? fp->win_calc : t->win);
	if (t->flags & TH_URG) {
		obuf_puts(o, " Urg=");
		obuf_u64(o, t->urp);
	}
	obuf_puts(o, " Len=");
	obuf_u64(o, t->len);
	info_tcp_options(p, fp, o);
}

static const char *icmp_unreach_code(uint8_t c)
{
	static const char *const n[] = { "Network unreachable", "Host unreachable", "Protocol unreachable",
					 "Port unreachable", "Fragmentation needed", "Source route failed",
					 "Destination network unknown", "Destination host unknown",
					 "Source host isolated", "Network administratively prohibited",
					 "Host administratively prohibited", "Network unreachable for TOS",
					 "Host unreachable for TOS", "Communication administratively filtered",
					 "Host precedence violation", "Precedence cutoff in effect" };
	return c < 16 ? n[c] : "Unknown code";
}

static void info_icmp(const struct pkt *p, const struct flow_pkt *fp, struct obuf *o)
{
	const struct pkt_icmp *ic = &p->icmp;
	const struct pkt_ip *ip = pkt_ip_last(p);
	switch (ic->type) {
	case 0:
	case 8:
		obuf_puts(o, ic->type == 8 ? "Echo (ping) request" : "Echo (ping) reply  ");
		if (ic->body.len < 4)
			return;
		obuf_printf(o, "  id=0x%04x, seq=%u/%u, ttl=%u", ic->id, ic->seq,
			    (unsigned)(((ic->seq & 0xff) << 8) | (ic->seq >> 8)), ip ? ip->ttl : 0);
		if (ic->type == 0 && fp->icmp_req_frame)
			obuf_printf(o, " (request in %llu)", (unsigned long long)fp->icmp_req_frame);
		return;
	case 3:
		obuf_printf(o, "Destination unreachable (%s)", icmp_unreach_code(ic->code));
		return;
	case 4: obuf_puts(o, "Source quench (flow control)"); return;
	case 5: {
		static const char *const r[] = { "Redirect for network", "Redirect for host",
						 "Redirect for TOS and network", "Redirect for TOS and host" };
		obuf_printf(o, "Redirect             (%s)", ic->code < 4 ? r[ic->code] : "Unknown code");
		return;
	}
	case 9: obuf_puts(o, "Router advertisement"); return;
	case 10: obuf_puts(o, "Router solicitation"); return;
	case 11:
		obuf_printf(o, "Time-to-live exceeded (%s)",
			    ic->code == 0 ? "Time to live exceeded in transit"
			    : ic->code == 1 ? "Fragment reassembly time exceeded" : "Unknown code");
		return;
	case 12: obuf_puts(o, "Parameter problem"); return;
	case 13: obuf_puts(o, "Timestamp request"); return;
	case 14: obuf_puts(o, "Timestamp reply"); return;
	case 17: obuf_puts(o, "Address mask request"); return;
	case 18: obuf_puts(o, "Address mask reply"); return;
	default: obuf_puts(o, "Unknown ICMP (obsolete or malformed?)"); return;
	}
}

/* Finds an ICMPv6 ND option of a type and returns its value bytes. */
static const uint8_t *nd_option(const struct pkt_icmp *ic, uint32_t skip, uint8_t want, uint32_t *vlen)
{
	const uint8_t *b = ic->body.p;
	uint32_t n = ic->body.len, i = skip;
	for (int g = 0; i + 2 <= n && g < 64; g++) {
		uint8_t ty = b[i], l8 = b[i + 1];
		if (!l8 || i + l8 * 8u > n)
			return NULL;
		if (ty == want) {
			*vlen = l8 * 8u - 2;
			return b + i + 2;
		}
		i += l8 * 8u;
	}
	return NULL;
}

static void info_icmp6(const struct pkt *p, const struct flow_pkt *fp, struct obuf *o, const struct col_opts *co)
{
	const struct pkt_icmp *ic = &p->icmp;
	const struct pkt_ip *ip = pkt_ip_last(p);
	uint32_t vl;
	const uint8_t *v;
	switch (ic->type) {
	case 1: {
		static const char *const c[] = { "no route to destination", "Administratively prohibited",
						 "Beyond scope of source address", "Address unreachable", "Port unreachable",
						 "Source address failed ingress/egress policy", "Reject route to destination" };
		obuf_printf(o, "Destination Unreachable (%s)", ic->code < 7 ? c[ic->code] : "Unknown");
		return;
	}
	case 2: obuf_puts(o, "Packet Too Big"); return;
	case 3:
		obuf_printf(o, "Time Exceeded (%s)", ic->code == 0 ? "hop limit exceeded in transit"
							  : "fragment reassembly time exceeded");
		return;
	case 4: obuf_puts(o, "Parameter Problem"); return;
	case 128:
	case 129:
		obuf_printf(o, "Echo (ping) %s id=0x%04x, seq=%u, hop limit=%u", ic->type == 128 ? "request" : "reply",
			    ic->id, ic->seq, ip ? ip->ttl : 0);
		if (ic->type == 129 && fp->icmp_req_frame)
			obuf_printf(o, " (request in %llu)", (unsigned long long)fp->icmp_req_frame);
		return;
	case 130: obuf_puts(o, "Multicast Listener Query"); return;
	case 131: obuf_puts(o, "Multicast Listener Report"); return;
	case 132: obuf_puts(o, "Multicast Listener Done"); return;
	case 133:
		obuf_puts(o, "Router Solicitation");
		if ((v = nd_option(ic, 4, 1, &vl)) && vl >= 6) {
			obuf_puts(o, " from ");
			col_mac(v, co, o);
		}
		return;
	case 134:
		obuf_puts(o, "Router Advertisement");
		if ((v = nd_option(ic, 12, 1, &vl)) && vl >= 6) {
			obuf_puts(o, " from ");
			col_mac(v, co, o);
		}
		return;
	case 135:
		if (ic->body.len < 20)
			return;
		obuf_puts(o, "Neighbor Solicitation for ");
		obuf_addr(o, ic->body.p + 4, 16);
		if ((v = nd_option(ic, 20, 1, &vl)) && vl >= 6) {
			obuf_puts(o, " from ");
			col_mac(v, co, o);
		}
		return;
	case 136: {
		if (ic->body.len < 20)
			return;
		uint8_t f = ic->body.p[0];
		obuf_puts(o, "Neighbor Advertisement ");
		obuf_addr(o, ic->body.p + 4, 16);
		if (f & 0xe0) {
			obuf_puts(o, " (");
			int n = 0;
			if (f & 0x80) { obuf_puts(o, "rtr"); n++; }
			if (f & 0x40) { obuf_puts(o, n++ ? ", sol" : "sol"); }
			if (f & 0x20) { obuf_puts(o, n++ ? ", ovr" : "ovr"); }
			obuf_putc(o, ')');
		}
		if ((v = nd_option(ic, 20, 2, &vl)) && vl >= 6) {
			obuf_puts(o, " is at ");
			col_mac(v, co, o);
		}
		return;
	}
	case 137: obuf_puts(o, "Redirect"); return;
	case 143: obuf_puts(o, "Multicast Listener Report Message v2"); return;
	default: obuf_printf(o, "Unknown (%u)", ic->type); return;
	}
}

static void arp_addr(const uint8_t *a, uint8_t len, struct obuf *o)
{
	if (len == 4)
		obuf_addr(o, a, 4);
	else
		obuf_hex(o, a, len, 0);
}

static int all_zero(const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static void info_arp(const struct pkt *p, const struct flow_pkt *fp, struct obuf *o, const struct col_opts *co)
{
	const struct pkt_arp *a = &p->arp;
	if (!a->tpa)
		return;
	int same = a->plen && !memcmp(a->spa, a->tpa, a->plen);
	switch (a->op) {
	case 1:
		if (same && all_zero(a->tha, a->hlen)) {
			obuf_puts(o, "ARP Announcement for ");
			arp_addr(a->spa, a->plen, o);
		} else if (same) {
			obuf_puts(o, "Gratuitous ARP for ");
			arp_addr(a->spa, a->plen, o);
			obuf_puts(o, " (Request)");
		} else if (all_zero(a->spa, a->plen) && all_zero(a->tha, a->hlen)) {
			obuf_puts(o, "Who has ");
			arp_addr(a->tpa, a->plen, o);
			obuf_puts(o, "? (ARP Probe)");
		} else {
			obuf_puts(o, "Who has ");
			arp_addr(a->tpa, a->plen, o);
			obuf_puts(o, "? Tell ");
			arp_addr(a->spa, a->plen, o);
		}
		break;
	case 2:
		if (same) {
			obuf_puts(o, "Gratuitous ARP for ");
			arp_addr(a->spa, a->plen, o);
			obuf_puts(o, " (Reply)");
		} else {
			arp_addr(a->spa, a->plen, o);
			obuf_puts(o, " is at ");
			if (a->hlen == 6)
				col_mac(a->sha, co, o);
			else
				obuf_hex(o, a->sha, a->hlen, ':');
		}
		break;
	case 3: obuf_puts(o, "Who is "); obuf_hex(o, a->tha, a->hlen, ':'); obuf_puts(o, "? Tell "); obuf_hex(o, a->sha, a->hlen, ':'); break;
	case 4: obuf_hex(o, a->tha, a->hlen, ':'); obuf_puts(o, " is at "); arp_addr(a->tpa, a->plen, o); break;
	default: obuf_printf(o, "Unknown ARP opcode 0x%04x", a->op); break;
	}
	if (fp->arp_dup) {
		obuf_puts(o, " (duplicate use of ");
		obuf_addr(o, fp->arp_dup_ip, 4);
		obuf_puts(o, " detected!)");
	}
}

static void info_ip_frag(const struct pkt_ip *ip, struct obuf *o)
{
	const char *name = ip_proto_name(ip->l4);
	if (ip->ver == 4)
		obuf_printf(o, "Fragmented IP protocol (proto=%s %u, off=%u, ID=%04x)", name ? name : "Unknown", ip->l4,
			    ip->frag_off, ip->id);
	else
		obuf_printf(o, "IPv6 fragment (off=%u more=%c ident=0x%08x nxt=%u)", ip->frag_off,
			    ip->more_frags ? 'y' : 'n', ip->frag_id, ip->l4);
}

void col_info(const struct pkt *p, const struct flow_pkt *fp, struct obuf *o)
{
	static const struct col_opts plain = { 0 };
	size_t start = o->len;
	uint32_t l = p->layers;
	const struct pkt_ip *ip = pkt_ip_last(p);
	if (l & PL_TCP) {
		if (!pkt_trunc_at(p, PL_TCP) || p->tcp.opts_trunc || p->problem == PP_MALFORMED)
			info_tcp(p, fp, o);
	} else if (l & PL_UDP) {
		if (!pkt_trunc_at(p, PL_UDP))
			obuf_printf(o, "%u \xe2\x86\x92 %u Len=%u", p->udp.sport, p->udp.dport,
				    p->udp.len >= 8 ? p->udp.len - 8u : 0);
		if (p->udp.len > 8 && p->udp.payload.len < p->udp.len - 8u && p->problem == PP_NONE &&
		    pkt_ip_last(p)->payload.len < pkt_ip_last(p)->payload_len)
			obuf_puts(o, "[Packet size limited during capture]");
	} else if (l & PL_ICMP) {
		if (!pkt_trunc_at(p, PL_ICMP))
			info_icmp(p, fp, o);
	} else if (l & PL_ICMP6) {
		if (!pkt_trunc_at(p, PL_ICMP6))
			info_icmp6(p, fp, o, &plain);
	} else if (ip && p->l4_frag) {
		info_ip_frag(ip, o);
	} else if (ip) {
		const char *n = ip_proto_name(ip->l4);
		if (p->problem == PP_NONE && !n)
			obuf_printf(o, "Unknown (%u)", ip->l4);
	} else if (l & PL_ARP) {
		info_arp(p, fp, o, &plain);
	} else if (l & PL_ETH) {
		if (p->eth.type >= 0x600 && !(l & (PL_IP4 | PL_IP6)))
			obuf_puts(o, "Ethernet II");
	}
	if (p->problem == PP_TRUNC)
		obuf_puts(o, "[Packet size limited during capture]");
	else if (p->problem != PP_NONE)
		obuf_puts(o, "[Malformed Packet]");
	(void)start;
}

void col_mac(const uint8_t *m, const struct col_opts *co, struct obuf *o)
{
	if (co && co->resolve_mac) {
		if (!memcmp(m, "\xff\xff\xff\xff\xff\xff", 6)) {
			obuf_puts(o, "Broadcast");
			return;
		}
		const char *v = oui_lookup(m);
		if (v) {
			obuf_puts(o, v);
			obuf_putc(o, '_');
			obuf_hex(o, m + 3, 3, ':');
			return;
		}
	}
	obuf_mac(o, m);
}

static void col_addr(const struct pkt *p, const struct col_opts *co, struct obuf *o, int dst)
{
	if (p->nip) {
		const struct pkt_ip *ip = &p->ip[0];
		obuf_addr(o, dst ? ip->dst : ip->src, ip->alen);
		return;
	}
	if ((p->layers & PL_ARP) && 0) {
		return;
	}
	const uint8_t *m = dst ? p->eth.dst : p->eth.src;
	if (m)
		col_mac(m, co, o);
}

void col_source(const struct pkt *p, const struct col_opts *co, struct obuf *o) { col_addr(p, co, o, 0); }
void col_destination(const struct pkt *p, const struct col_opts *co, struct obuf *o) { col_addr(p, co, o, 1); }
