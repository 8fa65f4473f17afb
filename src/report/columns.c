/* columns.c: Protocol and Info text of tshark 4.0 for the L2-L4 protocols sleuth decodes. */
#include "report/columns.h"

#include <stdio.h>
#include <string.h>

#include "proto/proto.h"
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

/* The Protocol column of an ARP packet by opcode (RARP, DRARP, InARP, MARS, MAPOS). */
static const char *arp_protocol(uint16_t op)
{
	if (op == 3 || op == 4)
		return "RARP";
	if (op >= 5 && op <= 7)
		return "DRARP";
	if (op == 8 || op == 9)
		return "Inverse ARP";
	if (op >= 11 && op <= 22)
		return "MARS";
	if (op == 23)
		return "MAPOS";
	return "ARP";
}

static int pkt_trunc_at(const struct pkt *p, uint32_t layer)
{
	return p->problem != PP_NONE && p->problem_layer == (uint8_t)__builtin_ctz(layer);
}

/* The layers whose text the columns show. A UDP header that also carries ARP, ICMP or
 * ICMPv6 is a tunnel (VXLAN, Geneve): the innermost protocol writes the columns, as in tshark. */
static uint32_t col_layers(const struct pkt *p)
{
	uint32_t l = p->layers;
	if ((l & PL_UDP) && (l & (PL_ARP | PL_ICMP | PL_ICMP6)))
		l &= ~(uint32_t)PL_UDP;
	return l;
}

/* The application dissector's columns apply: a datagram it dissected, or a TCP segment in
 * which one of its PDUs ended (where tshark shows the reassembled PDU). */
static const struct proto_pkt *col_app(const struct pkt *p, const struct flow_pkt *fp)
{
	if (!fp || !fp->app || !fp->app->shown || !fp->app->proto)
		return NULL;
	if ((p->layers & PL_TCP) && !(fp->pdu & FP_PDU_DONE))
		return NULL;
	if (p->problem != PP_NONE)
		return NULL;
	return fp->app;
}

static void col_app_protocol(const struct proto_pkt *a, struct obuf *o)
{
	if (a->col[0]) {
		obuf_puts(o, a->col);
		return;
	}
	const struct proto_desc *d = proto_get(a->proto - 1u);
	if (d && d->col_name) {
		obuf_puts(o, d->col_name);
		return;
	}
	for (const char *c = d ? d->name : "?"; *c; c++)
		obuf_putc(o, (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c));
}

void col_protocol(const struct pkt *p, const struct flow_pkt *fp, struct obuf *o)
{
	const struct proto_pkt *a = col_app(p, fp);
	if (a) {
		col_app_protocol(a, o);
		return;
	}
	uint32_t l = col_layers(p);
	if ((l & PL_ARP) && (p->layers & PL_UDP)) { obuf_puts(o, "ARP"); return; }
	if (l & PL_TCP) { obuf_puts(o, "TCP"); return; }
	if (l & PL_UDP) { obuf_puts(o, "UDP"); return; }
	if (l & PL_ICMP) { obuf_puts(o, "ICMP"); return; }
	if (l & PL_ICMP6) { obuf_puts(o, "ICMPv6"); return; }
	if (p->nip) {
		obuf_puts(o, p->ip[p->nip - 1].ver == 6 ? "IPv6" : "IPv4");
		return;
	}
	if (l & PL_ARP) { obuf_puts(o, arp_protocol(p->arp.op)); return; }
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

#define INFO_REASSEMBLED " [TCP segment of a reassembled PDU]"

/* Text an application dissector wrote to Info, as tshark's format_text shows it. */
static void info_tcp(const struct pkt *p, const struct flow_pkt *fp, struct obuf *o)
{
	const struct pkt_tcp *t = &p->tcp;
	info_tcp_prefix(fp, o);
	if (fp->pdu & FP_PDU_SEGMENT) {
		/* the application dissector wanted more data and had already written Info */
		if (fp->app_info == PROTO_INFO_LINE) {
			obuf_put_text(o, fp->app_line.p, fp->app_line.len); /* packet bytes: escaped */
			obuf_puts(o, " " INFO_REASSEMBLED);
			return;
		}
		if (fp->app_info == PROTO_INFO_CLEAR) {
			obuf_puts(o, &INFO_REASSEMBLED[1]);
			return;
		}
	}
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
	if (fp->pdu & FP_PDU_SEGMENT)
		obuf_puts(o, INFO_REASSEMBLED);
}

static const char *icmp_type_name(uint8_t t, uint8_t code)
{
	static const char *const n[] = { "Echo (ping) reply", "Reserved", "Reserved", "Destination unreachable",
		"Source quench (flow control)", "Redirect", "Alternate host address", NULL, "Echo (ping) request",
		"Router advertisement", "Router solicitation", "Time-to-live exceeded", "Parameter problem",
		"Timestamp request", "Timestamp reply", "Information request", "Information reply",
		"Address mask request", "Address mask reply", "Reserved (for security)" };
	static const char *const m[] = { "Traceroute", "Datagram Conversion Error", "Mobile Host Redirect",
		"IPv6 Where-Are-You", "IPv6 I-Am-Here", "Mobile Registration Request", "Mobile Registration Reply",
		"Domain Name Request", "Domain Name Reply", "SKIP", "Photuris", "Experimental mobility protocols",
		"Extended Echo request", "Extended Echo reply" };
	if (t == 9 && (code == 0 || code == 16))
		return "Mobile IP Advertisement";
	if (t < 20 && n[t])
		return n[t];
	if (t >= 30 && t <= 43)
		return m[t - 30];
	return "Unknown ICMP (obsolete or malformed?)";
}

/* The code text of the ICMP types that have code tables; NULL for the others. */
static const char *icmp_code_name(uint8_t t, uint8_t c, char *buf, size_t n)
{
	static const char *const unreach[] = { "Network unreachable", "Host unreachable", "Protocol unreachable",
		"Port unreachable", "Fragmentation needed", "Source route failed", "Destination network unknown",
		"Destination host unknown", "Source host isolated", "Network administratively prohibited",
		"Host administratively prohibited", "Network unreachable for TOS", "Host unreachable for TOS",
		"Communication administratively filtered", "Host precedence violation", "Precedence cutoff in effect" };
	static const char *const redir[] = { "Redirect for network", "Redirect for host",
		"Redirect for TOS and network", "Redirect for TOS and host" };
	static const char *const param[] = { "Pointer indicates the error", "Required option missing", "Bad length" };
	static const char *const photuris[] = { "Bad SPI", "Authentication Failed", "Decompression Failed",
		"Decryption Failed", "Need Authentication", "Need Authorization" };
	static const char *const xreply[] = { "No error", "Malformed Query", "No Such Interface",
		"No Such Table Entry", "Multiple Interfaces Satisfy Query" };
	const char *r = NULL;
	switch (t) {
	case 3: r = c < 16 ? unreach[c] : NULL; break;
	case 5: r = c < 4 ? redir[c] : NULL; break;
	case 6: r = c == 0 ? "Alternate address for host" : NULL; break;
	case 9: r = c == 0 ? "Normal router advertisement" : c == 16 ? "Does not route common traffic" : NULL; break;
	case 11: r = c == 0 ? "Time to live exceeded in transit" : c == 1 ? "Fragment reassembly time exceeded" : NULL; break;
	case 12: r = c < 3 ? param[c] : NULL; break;
	case 40: r = c < 6 ? photuris[c] : NULL; break;
	case 42: r = c == 0 ? "No error" : NULL; break;
	case 43: r = c < 5 ? xreply[c] : NULL; break;
	default: return NULL;
	}
	if (!r) {
		snprintf(buf, n, "Unknown code: %u", c);
		r = buf;
	}
	return r;
}

static int icmp_is_echo_like(uint8_t t)
{
	return t == 0 || t == 8 || (t >= 13 && t <= 18);
}

/* ICMP Info: "%-20s" type name, " (code)", and for echo-like types id/seq/ttl; nothing when
 * the message ends before byte 6 (tshark reads it before writing the column). */
static void info_icmp(const struct pkt *p, const struct flow_pkt *fp, struct obuf *o)
{
	const struct pkt_icmp *ic = &p->icmp;
	const struct pkt_ip *ip = pkt_ip_last(p);
	if (ic->body.len < 2)
		return;
	char buf[32];
	const char *code = icmp_code_name(ic->type, ic->code, buf, sizeof buf);
	obuf_printf(o, "%-20s", icmp_type_name(ic->type, ic->code));
	if (code)
		obuf_printf(o, " (%s)", code);
	if (!icmp_is_echo_like(ic->type) || ic->body.len < 4)
		return;
	const uint8_t *b = ic->body.p;
	obuf_printf(o, " id=0x%04x, seq=%u/%u", (unsigned)(b[0] << 8 | b[1]), (unsigned)(b[2] << 8 | b[3]),
		    (unsigned)(b[3] << 8 | b[2]));
	if (ip && ip->ver == 4)
		obuf_printf(o, ", ttl=%u", ip->ttl);
	if (ic->type == 0 && fp->icmp_req_frame)
		obuf_printf(o, " (request in %llu)", (unsigned long long)fp->icmp_req_frame);
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

/* tshark's bytes_to_str: lowercase hex without separators, cut after 36 bytes with an ellipsis. */
static void arp_hex(const uint8_t *v, uint32_t n, struct obuf *o)
{
	if (n > 36) {
		obuf_hex(o, v, 36, 0);
		obuf_puts(o, "\xe2\x80\xa6");
		return;
	}
	obuf_hex(o, v, n, 0);
}

/* ARP protocol address: dotted IPv4 for IP over 4 bytes, else plain hex (tshark's bytes_to_str). */
static void arp_pro_addr(const struct pkt_arp *a, const uint8_t *v, struct obuf *o)
{
	if (!a->plen)
		obuf_puts(o, "<No address>");
	else if ((a->ptype == 0x0800 || a->ptype == 0xcc) && a->plen == 4)
		obuf_addr(o, v, 4);
	else
		arp_hex(v, a->plen, o);
}

/* ARP hardware address: a MAC for Ethernet/IEEE 802 over 6 bytes, else plain hex. */
static void arp_hw_addr(const struct pkt_arp *a, const uint8_t *v, const struct col_opts *co, struct obuf *o)
{
	if (!a->hlen)
		obuf_puts(o, "<No address>");
	else if ((a->htype == 1 || a->htype == 6) && a->hlen == 6)
		col_mac(v, co, o);
	else
		arp_hex(v, a->hlen, o);
}

static int all_zero(const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* The 6 bytes at the target hardware address are zero (tshark compares 6 bytes whatever
 * the hardware size; bytes past the datagram never compare equal). */
static int arp_tha6_zero(const struct pkt_arp *a)
{
	uint32_t avail = (uint32_t)a->hlen + a->plen;
	return avail >= 6 && all_zero(a->tha, 6);
}

static void info_arp(const struct pkt *p, const struct flow_pkt *fp, struct obuf *o, const struct col_opts *co)
{
	const struct pkt_arp *a = &p->arp;
	if (!a->tpa)
		return;
	int grat = (a->op == 1 || a->op == 2) && !memcmp(a->spa, a->tpa, a->plen);
	switch (a->op) {
	case 1:
		if (grat && arp_tha6_zero(a)) {
			obuf_puts(o, "ARP Announcement for ");
			arp_pro_addr(a, a->tpa, o);
		} else if (grat) {
			obuf_puts(o, "Gratuitous ARP for ");
			arp_pro_addr(a, a->tpa, o);
			obuf_puts(o, " (Request)");
		} else if (arp_tha6_zero(a) && all_zero(a->spa, 4)) {
			obuf_puts(o, "Who has ");
			arp_pro_addr(a, a->tpa, o);
			obuf_puts(o, "? (ARP Probe)");
		} else {
			obuf_puts(o, "Who has ");
			arp_pro_addr(a, a->tpa, o);
			obuf_puts(o, "? Tell ");
			arp_pro_addr(a, a->spa, o);
		}
		break;
	case 2:
		if (grat) {
			obuf_puts(o, "Gratuitous ARP for ");
			arp_pro_addr(a, a->spa, o);
			obuf_puts(o, " (Reply)");
		} else {
			arp_pro_addr(a, a->spa, o);
			obuf_puts(o, " is at ");
			arp_hw_addr(a, a->sha, co, o);
		}
		break;
	case 3:
	case 5:
	case 8:
		obuf_puts(o, "Who is ");
		arp_hw_addr(a, a->tha, co, o);
		obuf_puts(o, "? Tell ");
		arp_hw_addr(a, a->sha, co, o);
		break;
	case 4:
	case 6:
		arp_hw_addr(a, a->tha, co, o);
		obuf_puts(o, " is at ");
		arp_pro_addr(a, a->tpa, o);
		break;
	case 7: obuf_puts(o, "DRARP Error"); break;
	case 9:
		arp_hw_addr(a, a->sha, co, o);
		obuf_puts(o, " is at ");
		arp_pro_addr(a, a->spa, o);
		break;
	case 10: obuf_puts(o, "ARP NAK"); break;
	case 24: obuf_puts(o, "Experimental 1 ( opcode 24 )"); break;
	case 25: obuf_puts(o, "Experimental 2 ( opcode 25 )"); break;
	case 0:
	case 65535: obuf_printf(o, "Reserved opcode %u", a->op); break;
	default:
		if (a->op >= 11 && a->op <= 23) {
			static const char *const mars[] = { "MARS request from", "MARS MULTI request from",
				"MARS MSERV request from", "MARS JOIN request from", "MARS LEAVE from", "MARS NAK from",
				"MARS UNSERV request from", "MARS SJOIN request from", "MARS SLEAVE from",
				"MARS grouplist request from", "MARS grouplist reply from", "MARS redirect map from",
				"MAPOS UNARP request from" };
			obuf_puts(o, mars[a->op - 11]);
			obuf_putc(o, ' ');
			arp_hw_addr(a, a->sha, co, o);
			obuf_puts(o, " at ");
			arp_pro_addr(a, a->spa, o);
			break;
		}
		obuf_printf(o, "Unknown ARP opcode 0x%04x", a->op);
		break;
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

/* IPv4 headers tshark stops at: the whole Info, with no exception text. */
static int info_ip_bogus(const struct pkt *p, struct obuf *o)
{
	switch (p->problem) {
	case PP_BAD_IP_VER:
		obuf_printf(o, "Bogus IPv4 version (%u, must be 4)", p->bad_ver);
		return 1;
	case PP_BAD_IP_HL:
		obuf_printf(o, "Bogus IP header length (%u, must be at least 20)", p->bogus_hl);
		return 1;
	case PP_BAD_IP_LEN:
		obuf_printf(o, "Bogus IP length (%u, less than header length %u)", p->bogus_len, p->bogus_hl);
		return 1;
	default:
		return 0;
	}
}

/* An IP packet no upper layer took: IPv6 extension header names (" , " between them), then
 * the texts for "no next header" and unknown protocols, which replace them. */
static void info_ip_plain(const struct pkt *p, const struct pkt_ip *ip, struct obuf *o)
{
	size_t start = o->len;
	if (ip->ver == 6) {
		for (uint32_t i = 0; i < ip->next_ext && i < sizeof ip->ext; i++) {
			if (o->len > start)
				obuf_puts(o, " , ");
			obuf_puts(o, ip->ext[i] == 0 ? "IPv6 hop-by-hop options"
				     : ip->ext[i] == 43 ? "IPv6 routing" : "IPv6 destination options");
		}
	}
	if (p->problem != PP_NONE)
		return;
	const char *n = ip_proto_name(ip->l4);
	if (ip->ver == 6 && ip->l4 == 59) {
		o->len = start;
		obuf_puts(o, "IPv6 no next header");
	} else if (!n) {
		o->len = start;
		if (ip->ver == 6)
			obuf_printf(o, "Unknown IP Protocol: Unknown (%u)", ip->l4);
		else
			obuf_printf(o, "Unknown (%u)", ip->l4);
	}
}

void col_info(const struct pkt *p, const struct flow_pkt *fp, struct obuf *o)
{
	static const struct col_opts plain = { 0 };
	size_t start = o->len;
	uint32_t l = col_layers(p);
	const struct pkt_ip *ip = pkt_ip_last(p);
	if ((l & PL_ARP) && (p->layers & PL_UDP)) /* ARP carried in a UDP tunnel */
		ip = NULL;
	if (info_ip_bogus(p, o))
		return;
	const struct proto_pkt *a = col_app(p, fp);
	if (a && a->info_set) {
		const struct proto_desc *d = proto_get(a->proto - 1u);
		uint32_t head = 0; /* Info bytes that go before TCP's analysis text */
		if (d && d->tcp_prefix_after) {
			const char *at = strstr(a->info, d->tcp_prefix_after);
			if (at)
				head = (uint32_t)(at - a->info + (ptrdiff_t)strlen(d->tcp_prefix_after));
		}
		obuf_put_text(o, (const uint8_t *)a->info, head);
		if ((p->layers & PL_TCP) && fp->analysis) {
			size_t before = o->len;
			info_tcp_prefix(fp, o);
			if (o->len > before && d && d->tcp_prefix_sep && a->info_len > head)
				obuf_puts(o, d->tcp_prefix_sep);
		}
		obuf_put_text(o, (const uint8_t *)a->info + head, a->info_len - head); /* wire text: escaped */
		return;
	}
	if (p->ip6_short)
		obuf_printf(o, "Invalid IPv6 header (%u bytes, need exactly 40)", p->ip6_short);
	if (l & PL_TCP) {
		if (!pkt_trunc_at(p, PL_TCP) || p->tcp.opts_trunc || p->problem == PP_MALFORMED)
			info_tcp(p, fp, o);
		else if (p->tcp.have_ports) /* cut short after the ports: tshark has written only them */
			obuf_printf(o, "%u \xe2\x86\x92 %u", p->tcp.sport, p->tcp.dport);
	} else if (l & PL_UDP) {
		const struct pkt_ip *uip = pkt_ip_last(p);
		if (!pkt_trunc_at(p, PL_UDP) && p->udp.len == 0 && uip && uip->ver == 6 && uip->payload_len > 8)
			/* RFC 2675: a zero UDP length inside an IPv6 jumbogram means "the rest" */
			obuf_printf(o, "%u \xe2\x86\x92 %u Len=%u [Jumbogram]", p->udp.sport, p->udp.dport,
				    uip->payload_len - 8u);
		else if (!pkt_trunc_at(p, PL_UDP))
			obuf_printf(o, "%u \xe2\x86\x92 %u Len=%u", p->udp.sport, p->udp.dport,
				    p->udp.len >= 8 ? p->udp.len - 8u : 0);
		else if (p->udp.have_ports) /* tshark writes the ports before it reads the length */
			obuf_printf(o, "%u \xe2\x86\x92 %u", p->udp.sport, p->udp.dport);
		if (p->udp.len > 8 && p->udp.payload.len < p->udp.len - 8u && p->problem == PP_NONE &&
		    pkt_ip_last(p)->payload.len < pkt_ip_last(p)->payload_len)
			obuf_puts(o, "[Packet size limited during capture]");
	} else if (l & PL_ICMP) {
		info_icmp(p, fp, o);
	} else if (l & PL_ICMP6) {
		if (!pkt_trunc_at(p, PL_ICMP6))
			info_icmp6(p, fp, o, &plain);
	} else if (ip && p->l4_frag) {
		info_ip_frag(ip, o);
	} else if (ip) {
		info_ip_plain(p, ip, o);
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
	const uint8_t *m = dst ? p->eth.dst : p->eth.src;
	if (m)
		col_mac(m, co, o);
}

void col_source(const struct pkt *p, const struct col_opts *co, struct obuf *o) { col_addr(p, co, o, 0); }
void col_destination(const struct pkt *p, const struct col_opts *co, struct obuf *o) { col_addr(p, co, o, 1); }
