/* fields.c: field definitions for the L2-L4 layers, named and formatted as Wireshark 4.0. */
#include "filter/fields.h"

#include <string.h>
#include <time.h>

#include "proto/proto.h"

static int64_t fx_time(const struct fctx *c) { return frame_ns(c->p->fr); }

#define GET(fn) static int fn(struct fctx *c, struct fval *v, int n)
#define U(x) (v->u = (uint64_t)(x), 1)

GET(f_frame_number) { return U(c->p->fr->num); }
GET(f_frame_len) { return U(c->p->fr->len); }
GET(f_frame_cap_len) { return U(c->p->fr->caplen); }
GET(f_frame_iface) { return U(c->p->fr->ifindex); }
GET(f_frame_time) { v->i = fx_time(c); return 1; }
GET(f_frame_time_rel) { v->i = fx_time(c) - c->first_ns; return 1; }
GET(f_frame_time_delta) { v->i = fx_time(c) - c->prev_ns; return 1; }
GET(f_frame_protocols) { if (!c->protocols && c->render_cols) c->render_cols(c); v->s = c->protocols; return v->s != NULL; }

GET(f_col_protocol) { if (!c->col_protocol && c->render_cols) c->render_cols(c); v->s = c->col_protocol; return v->s != NULL; }
GET(f_col_info) { if (!c->col_info && c->render_cols) c->render_cols(c); v->s = c->col_info; return v->s != NULL; }

GET(f_eth_src) { if (!(c->p->layers & PL_ETH) || !c->p->eth.src) return 0; v->b = c->p->eth.src; return 1; }
GET(f_eth_dst) { if (!(c->p->layers & PL_ETH) || !c->p->eth.dst) return 0; v->b = c->p->eth.dst; return 1; }
GET(f_eth_type) { if (!(c->p->layers & PL_ETH) || c->p->eth.type < 0x600) return 0; return U(c->p->eth.type); }
GET(f_vlan_id) { if (!c->p->nvlan) return 0; return U(c->p->vlan[0] & 0xfff); }

GET(f_arp_opcode) { if (!(c->p->layers & PL_ARP)) return 0; return U(c->p->arp.op); }
GET(f_arp_src_hw) { const struct pkt_arp *a = &c->p->arp; if (!(c->p->layers & PL_ARP) || !a->sha || a->hlen != 6) return 0; v->b = a->sha; return 1; }
GET(f_arp_dst_hw) { const struct pkt_arp *a = &c->p->arp; if (!(c->p->layers & PL_ARP) || !a->tha || a->hlen != 6) return 0; v->b = a->tha; return 1; }
GET(f_arp_src_ip) { const struct pkt_arp *a = &c->p->arp; if (!(c->p->layers & PL_ARP) || !a->spa || a->plen != 4) return 0; v->b = a->spa; return 1; }
GET(f_arp_dst_ip) { const struct pkt_arp *a = &c->p->arp; if (!(c->p->layers & PL_ARP) || !a->tpa || a->plen != 4) return 0; v->b = a->tpa; return 1; }

/* The n-th IP header of a version: the packet's own layers outermost first,
 * then the one quoted inside an ICMP error. */
static const struct pkt_ip *ip_nth(const struct fctx *c, uint8_t ver, int n)
{
	for (int i = 0; i < c->p->nip; i++)
		if (c->p->ip[i].ver == ver && n-- == 0)
			return &c->p->ip[i];
	if ((c->p->layers & PL_INNER_IP) && c->p->inner_ip.ver == ver && n == 0)
		return &c->p->inner_ip;
	return NULL;
}

#define IP4(expr) { const struct pkt_ip *ip = ip_nth(c, 4, n); if (!ip) return 0; expr; return 1; }
#define IP6(expr) { const struct pkt_ip *ip = ip_nth(c, 6, n); if (!ip) return 0; expr; return 1; }

GET(f_ip_src) IP4(if (ip->addr_cut & 1) return 0; v->b = ip->src)
GET(f_ip_dst) IP4(if (ip->addr_cut & 2) return 0; v->b = ip->dst)
GET(f_ip_ttl) IP4(v->u = ip->ttl)
GET(f_ip_proto) IP4(v->u = ip->proto)
GET(f_ip_id) IP4(v->u = ip->id)
GET(f_ip_len) IP4(v->u = ip->totlen)
GET(f_ip_hdr_len) IP4(v->u = ip->hl)
GET(f_ip_dsfield) IP4(v->u = ip->tos)
GET(f_ip_flags) IP4(v->u = ip->frag >> 13)
GET(f_ip_flags_df) IP4(v->u = (ip->frag >> 14) & 1)
GET(f_ip_flags_mf) IP4(v->u = (ip->frag >> 13) & 1)
GET(f_ip_frag_offset) IP4(v->u = ip->frag_off)
GET(f_ip_checksum) IP4(v->u = ip->csum)
GET(f_ipv6_src) IP6(if (ip->addr_cut & 1) return 0; v->b = ip->src)
GET(f_ipv6_dst) IP6(if (ip->addr_cut & 2) return 0; v->b = ip->dst)
GET(f_ipv6_nxt) IP6(v->u = ip->proto)
GET(f_ipv6_hlim) IP6(v->u = ip->ttl)
GET(f_ipv6_plen) IP6(v->u = ip->totlen)
GET(f_ipv6_flow) IP6(v->u = ip->flow)

/* TCP/UDP ports come from the transport header, or from the header quoted in an ICMP error. */
static int l4_ports(const struct fctx *c, uint8_t proto, uint16_t *sp, uint16_t *dp)
{
	const struct pkt *p = c->p;
	if (proto == 6 && (p->layers & PL_TCP)) {
		if (p->problem == PP_TRUNC && p->problem_layer == __builtin_ctz(PL_TCP) && p->tcp.hl == 0 &&
		    !p->tcp.have_ports)
			return 0;
		*sp = p->tcp.sport;
		*dp = p->tcp.dport;
		return 1;
	}
	if (proto == 17 && (p->layers & PL_UDP)) {
		if (p->problem == PP_TRUNC && p->problem_layer == __builtin_ctz(PL_UDP) && !p->udp.have_ports)
			return 0;
		*sp = p->udp.sport;
		*dp = p->udp.dport;
		return 1;
	}
	if (p->inner_l4 == proto && !(p->layers & (PL_TCP | PL_UDP))) {
		*sp = p->inner_sport;
		*dp = p->inner_dport;
		return 1;
	}
	return 0;
}

GET(f_tcp_srcport) { uint16_t s, d; if (!l4_ports(c, 6, &s, &d)) return 0; return U(s); }
GET(f_tcp_dstport) { uint16_t s, d; if (!l4_ports(c, 6, &s, &d)) return 0; return U(d); }
GET(f_tcp_port) { uint16_t s, d; if (!l4_ports(c, 6, &s, &d)) return 0; v->u = s; v->u2 = d; return 1; }
GET(f_udp_srcport) { uint16_t s, d; if (!l4_ports(c, 17, &s, &d)) return 0; return U(s); }
GET(f_udp_dstport) { uint16_t s, d; if (!l4_ports(c, 17, &s, &d)) return 0; return U(d); }
GET(f_udp_port) { uint16_t s, d; if (!l4_ports(c, 17, &s, &d)) return 0; v->u = s; v->u2 = d; return 1; }
GET(f_tcp_stream) { if (c->fp->tcp_stream < 0) return 0; return U(c->fp->tcp_stream); }
GET(f_udp_stream) { if (c->fp->udp_stream < 0) return 0; return U(c->fp->udp_stream); }
GET(f_udp_length) { if (c->p->layers & PL_UDP) return U(c->p->udp.len); if (c->p->inner_l4 == 17 && c->p->inner_udp_len) return U(c->p->inner_udp_len); return 0; }
GET(f_udp_checksum) { if (!(c->p->layers & PL_UDP)) return 0; return U(c->p->udp.csum); }

#define TCPV(expr) { if (!(c->p->layers & PL_TCP) || !c->fp->tcp_valid) return 0; expr; return 1; }
GET(f_tcp_seq) TCPV(v->u = c->fp->rel_seq)
GET(f_tcp_seq_raw) TCPV(v->u = c->p->tcp.seq)
/* relative when the ACK flag is set; otherwise the raw field, as Wireshark shows it */
GET(f_tcp_ack) { if (!(c->p->layers & PL_TCP) || !c->fp->tcp_valid) return 0; return U((c->p->tcp.flags & TH_ACK) ? c->fp->rel_ack : c->p->tcp.ack); }
GET(f_tcp_ack_raw) { if (!(c->p->layers & PL_TCP) || !c->fp->tcp_valid) return 0; return U(c->p->tcp.ack); }
GET(f_tcp_nxtseq) TCPV(v->u = c->fp->next_seq)
GET(f_tcp_len) TCPV(v->u = c->p->tcp.len)
GET(f_tcp_hdr_len) TCPV(v->u = c->p->tcp.hl)
GET(f_tcp_flags) TCPV(v->u = c->p->tcp.flags)
GET(f_tcp_flags_syn) TCPV(v->u = (c->p->tcp.flags & TH_SYN) != 0)
GET(f_tcp_flags_ack) TCPV(v->u = (c->p->tcp.flags & TH_ACK) != 0)
GET(f_tcp_flags_fin) TCPV(v->u = (c->p->tcp.flags & TH_FIN) != 0)
GET(f_tcp_flags_rst) TCPV(v->u = (c->p->tcp.flags & TH_RST) != 0)
GET(f_tcp_flags_push) TCPV(v->u = (c->p->tcp.flags & TH_PSH) != 0)
GET(f_tcp_win_value) TCPV(v->u = c->p->tcp.win)
GET(f_tcp_win) TCPV(v->u = c->fp->win_calc)
GET(f_tcp_win_scale) { if (!(c->p->layers & PL_TCP) || !c->fp->tcp_valid || (c->p->tcp.flags & TH_SYN)) return 0; v->i = c->fp->win_scale >= 0 ? (1 << c->fp->win_scale) : c->fp->win_scale; return 1; }
GET(f_tcp_checksum) TCPV(v->u = c->p->tcp.csum)
GET(f_tcp_urgent) TCPV(v->u = c->p->tcp.urp)

static int an(struct fctx *c, uint32_t bit)
{
	return (c->p->layers & PL_TCP) && c->fp->tcp_valid && (c->fp->analysis & bit);
}

GET(f_ta_flags) { (void)v; return (c->p->layers & PL_TCP) && c->fp->tcp_valid && c->fp->analysis; }
GET(f_ta_retrans) { (void)v; return an(c, TA_RETRANS | TA_FAST_RETRANS | TA_SPURIOUS); }
GET(f_ta_fast_retrans) { (void)v; return an(c, TA_FAST_RETRANS); }
GET(f_ta_spurious) { (void)v; return an(c, TA_SPURIOUS); }
GET(f_ta_ooo) { (void)v; return an(c, TA_OOO); }
GET(f_ta_lost) { (void)v; return an(c, TA_LOST); }
GET(f_ta_ack_lost) { (void)v; return an(c, TA_ACK_LOST); }
GET(f_ta_dupack) { (void)v; return an(c, TA_DUPACK); }
GET(f_ta_dupack_num) { if (!an(c, TA_DUPACK)) return 0; return U(c->fp->dupack_num); }
GET(f_ta_dupack_frame) { if (!an(c, TA_DUPACK)) return 0; return U(c->fp->dupack_frame); }
GET(f_ta_zero_win) { (void)v; return an(c, TA_ZERO_WIN); }
GET(f_ta_zwp) { (void)v; return an(c, TA_ZWP); }
GET(f_ta_zwp_ack) { (void)v; return an(c, TA_ZWP_ACK); }
GET(f_ta_win_full) { (void)v; return an(c, TA_WIN_FULL); }
GET(f_ta_win_update) { (void)v; return an(c, TA_WIN_UPDATE); }
GET(f_ta_keepalive) { (void)v; return an(c, TA_KEEPALIVE); }
GET(f_ta_keepalive_ack) { (void)v; return an(c, TA_KEEPALIVE_ACK); }
GET(f_ta_reused) { (void)v; return an(c, TA_REUSED); }
GET(f_ta_acks_frame) { if (!c->fp->has_acks_frame || !(c->p->layers & PL_TCP)) return 0; return U(c->fp->acks_frame); }
GET(f_ta_ack_rtt) { if (!c->fp->has_ack_rtt || !(c->p->layers & PL_TCP)) return 0; v->i = c->fp->ack_rtt_ns; return 1; }
GET(f_ta_irtt) { if (!c->fp->has_irtt || !(c->p->layers & PL_TCP)) return 0; v->i = c->fp->irtt_ns; return 1; }
GET(f_ta_bif) { if (!c->fp->has_bif || !(c->p->layers & PL_TCP)) return 0; return U(c->fp->bytes_in_flight); }
GET(f_ta_push) { if (!c->fp->has_push || !(c->p->layers & PL_TCP)) return 0; return U(c->fp->push_bytes); }

GET(f_icmp_type) { if (!(c->p->layers & PL_ICMP)) return 0; return U(c->p->icmp.type); }
GET(f_icmp_code) { if (!(c->p->layers & PL_ICMP)) return 0; return U(c->p->icmp.code); }
GET(f_icmp_ident) { if (!(c->p->layers & PL_ICMP) || (c->p->icmp.type != 0 && c->p->icmp.type != 8)) return 0; return U(c->p->icmp.id); }
GET(f_icmp_seq) { if (!(c->p->layers & PL_ICMP) || (c->p->icmp.type != 0 && c->p->icmp.type != 8)) return 0; return U(c->p->icmp.seq); }
GET(f_icmpv6_type) { if (!(c->p->layers & PL_ICMP6)) return 0; return U(c->p->icmp.type); }
GET(f_icmpv6_code) { if (!(c->p->layers & PL_ICMP6)) return 0; return U(c->p->icmp.code); }

/* Address fields that match either side (Wireshark's eth.addr, ip.addr, ipv6.addr): the
 * occurrences are destination and source (Ethernet) or source and destination (IP) in turn. */
GET(f_eth_addr)
{
	if (!(c->p->layers & PL_ETH) || n > 1)
		return 0;
	v->b = n == 0 ? c->p->eth.dst : c->p->eth.src;
	return v->b != NULL;
}
GET(f_ip_addr) { const struct pkt_ip *ip = ip_nth(c, 4, n / 2); if (!ip) return 0; v->b = (n & 1) ? ip->dst : ip->src; return 1; }
GET(f_ipv6_addr) { const struct pkt_ip *ip = ip_nth(c, 6, n / 2); if (!ip) return 0; v->b = (n & 1) ? ip->dst : ip->src; return 1; }

/* Protocol presence (FT_NONE): true when Wireshark's tree would hold the protocol. TCP and
 * UDP headers quoted inside an ICMP error count, as Wireshark dissects them. */
GET(f_p_frame) { (void)c; (void)v; return 1; }
GET(f_p_eth) { (void)v; return (c->p->layers & PL_ETH) != 0; }
GET(f_p_arp) { (void)v; return (c->p->layers & PL_ARP) != 0; }
GET(f_p_ip) { (void)v; return ip_nth(c, 4, 0) != NULL; }
GET(f_p_ipv6) { (void)v; return ip_nth(c, 6, 0) != NULL; }
GET(f_p_tcp) { (void)v; return (c->p->layers & PL_TCP) || (c->p->inner_l4 == 6 && !(c->p->layers & (PL_TCP | PL_UDP))); }
GET(f_p_udp) { (void)v; return (c->p->layers & PL_UDP) || (c->p->inner_l4 == 17 && !(c->p->layers & (PL_TCP | PL_UDP))); }
GET(f_p_icmp) { (void)v; return (c->p->layers & PL_ICMP) != 0; }
GET(f_p_icmpv6) { (void)v; return (c->p->layers & PL_ICMP6) != 0; }

/* An application protocol over TCP: the frame where a PDU of that dissector ends (src/flow/pdu.c),
 * the frame tshark shows it in; for dissectors that add their tree item before asking TCP for
 * more data (SSH, TLS), also the first segment of a PDU (the dissector ran and set Info). */
static const struct proto_pkt *fx_app_out(const struct fctx *c);

static int fx_app(const struct fctx *c, const char *name, int on_first_segment)
{
	const struct proto_desc *pd;
	if (!c->fp || !c->fp->app_proto)
		return 0;
	/* carried in another protocol's message (TLS handshakes in QUIC CRYPTO frames) */
	const struct proto_pkt *a = fx_app_out(c);
	int idx = a ? proto_index(name) : -1;
	if (idx >= 0 && (a->present[idx / 32] >> (idx % 32) & 1))
		return 1;
	if (!(c->fp->pdu & FP_PDU_DONE) &&
	    !(on_first_segment && (c->fp->pdu & FP_PDU_SEGMENT) && c->fp->app_info != PROTO_INFO_KEEP))
		return 0;
	pd = proto_get((size_t)c->fp->app_proto - 1);
	return pd && !strcmp(pd->name, name);
}
GET(f_p_http) { (void)v; return fx_app(c, "http", 0); }
GET(f_p_tls) { (void)v; return fx_app(c, "tls", 1); }
GET(f_p_ssh) { (void)v; return fx_app(c, "ssh", 1); }

#define F(n, t, w, fn, d) { n, t, w, d, fn, 0, 0 }
#define FM(n, t, w, fn, d) { n, t, w, d, fn, 1, 0 }
static const struct field_def fields[] = {
	F("frame", FT_NONE, 0, f_p_frame, "Frame"),
	F("eth", FT_NONE, 0, f_p_eth, "Ethernet"),
	F("arp", FT_NONE, 0, f_p_arp, "Address Resolution Protocol"),
	F("ip", FT_NONE, 0, f_p_ip, "Internet Protocol Version 4"),
	F("ipv6", FT_NONE, 0, f_p_ipv6, "Internet Protocol Version 6"),
	F("tcp", FT_NONE, 0, f_p_tcp, "Transmission Control Protocol"),
	F("udp", FT_NONE, 0, f_p_udp, "User Datagram Protocol"),
	F("icmp", FT_NONE, 0, f_p_icmp, "Internet Control Message Protocol"),
	F("icmpv6", FT_NONE, 0, f_p_icmpv6, "Internet Control Message Protocol v6"),
	F("http", FT_NONE, 0, f_p_http, "Hypertext Transfer Protocol (over TCP)"),
	F("tls", FT_NONE, 0, f_p_tls, "Transport Layer Security (over TCP)"),
	F("ssh", FT_NONE, 0, f_p_ssh, "SSH Protocol"),
	F("frame.number", FT_UINT, 0, f_frame_number, "Frame number"),
	F("frame.len", FT_UINT, 0, f_frame_len, "Frame length on the wire"),
	F("frame.cap_len", FT_UINT, 0, f_frame_cap_len, "Frame length stored into the capture file"),
	F("frame.interface_id", FT_UINT, 0, f_frame_iface, "Interface id"),
	F("frame.time", FT_ABS_TIME, 0, f_frame_time, "Arrival time"),
	F("frame.time_epoch", FT_EPOCH, 0, f_frame_time, "Epoch arrival time"),
	F("frame.time_relative", FT_REL_TIME, 0, f_frame_time_rel, "Time since the first frame"),
	F("frame.time_delta", FT_REL_TIME, 0, f_frame_time_delta, "Time since the previous frame"),
	F("frame.protocols", FT_STRING, 0, f_frame_protocols, "Protocols in frame"),
	F("_ws.col.Protocol", FT_STRING, 0, f_col_protocol, "Protocol column"),
	F("_ws.col.Info", FT_STRING, 0, f_col_info, "Info column"),
	F("eth.src", FT_ETHER, 0, f_eth_src, "Ethernet source"),
	F("eth.dst", FT_ETHER, 0, f_eth_dst, "Ethernet destination"),
	FM("eth.addr", FT_ETHER, 0, f_eth_addr, "Ethernet source or destination"),
	F("eth.type", FT_HEX, 4, f_eth_type, "Ethertype"),
	F("vlan.id", FT_UINT, 0, f_vlan_id, "VLAN id"),
	F("arp.opcode", FT_UINT, 0, f_arp_opcode, "ARP opcode"),
	F("arp.src.hw_mac", FT_ETHER, 0, f_arp_src_hw, "Sender MAC address"),
	F("arp.dst.hw_mac", FT_ETHER, 0, f_arp_dst_hw, "Target MAC address"),
	F("arp.src.proto_ipv4", FT_IPV4, 0, f_arp_src_ip, "Sender IP address"),
	F("arp.dst.proto_ipv4", FT_IPV4, 0, f_arp_dst_ip, "Target IP address"),
	FM("ip.src", FT_IPV4, 0, f_ip_src, "IPv4 source"),
	FM("ip.dst", FT_IPV4, 0, f_ip_dst, "IPv4 destination"),
	FM("ip.addr", FT_IPV4, 0, f_ip_addr, "IPv4 source or destination"),
	FM("ip.ttl", FT_UINT, 0, f_ip_ttl, "Time to live"),
	FM("ip.proto", FT_UINT, 0, f_ip_proto, "Protocol"),
	FM("ip.id", FT_HEX, 4, f_ip_id, "Identification"),
	FM("ip.len", FT_UINT, 0, f_ip_len, "Total length"),
	FM("ip.hdr_len", FT_UINT, 0, f_ip_hdr_len, "Header length"),
	FM("ip.dsfield", FT_HEX, 2, f_ip_dsfield, "Differentiated services field"),
	FM("ip.flags", FT_HEX, 2, f_ip_flags, "Flags"),
	FM("ip.flags.df", FT_BOOL, 0, f_ip_flags_df, "Don't fragment"),
	FM("ip.flags.mf", FT_BOOL, 0, f_ip_flags_mf, "More fragments"),
	FM("ip.frag_offset", FT_UINT, 0, f_ip_frag_offset, "Fragment offset"),
	FM("ip.checksum", FT_HEX, 4, f_ip_checksum, "Header checksum"),
	FM("ipv6.src", FT_IPV6, 0, f_ipv6_src, "IPv6 source"),
	FM("ipv6.dst", FT_IPV6, 0, f_ipv6_dst, "IPv6 destination"),
	FM("ipv6.addr", FT_IPV6, 0, f_ipv6_addr, "IPv6 source or destination"),
	FM("ipv6.nxt", FT_UINT, 0, f_ipv6_nxt, "Next header"),
	FM("ipv6.hlim", FT_UINT, 0, f_ipv6_hlim, "Hop limit"),
	FM("ipv6.plen", FT_UINT, 0, f_ipv6_plen, "Payload length"),
	FM("ipv6.flow", FT_HEX, 5, f_ipv6_flow, "Flow label"),
	F("tcp.srcport", FT_UINT, 0, f_tcp_srcport, "Source port"),
	F("tcp.dstport", FT_UINT, 0, f_tcp_dstport, "Destination port"),
	F("tcp.port", FT_PORTS, 0, f_tcp_port, "Source or destination port"),
	F("tcp.stream", FT_UINT, 0, f_tcp_stream, "Stream index"),
	F("tcp.seq", FT_UINT, 0, f_tcp_seq, "Sequence number (relative)"),
	F("tcp.seq_raw", FT_UINT, 0, f_tcp_seq_raw, "Sequence number (raw)"),
	F("tcp.ack", FT_UINT, 0, f_tcp_ack, "Acknowledgment number (relative)"),
	F("tcp.ack_raw", FT_UINT, 0, f_tcp_ack_raw, "Acknowledgment number (raw)"),
	F("tcp.nxtseq", FT_UINT, 0, f_tcp_nxtseq, "Next sequence number"),
	F("tcp.len", FT_UINT, 0, f_tcp_len, "TCP segment length"),
	F("tcp.hdr_len", FT_UINT, 0, f_tcp_hdr_len, "Header length"),
	F("tcp.flags", FT_HEX, 4, f_tcp_flags, "Flags"),
	F("tcp.flags.syn", FT_BOOL, 0, f_tcp_flags_syn, "Syn"),
	F("tcp.flags.ack", FT_BOOL, 0, f_tcp_flags_ack, "Acknowledgment"),
	F("tcp.flags.fin", FT_BOOL, 0, f_tcp_flags_fin, "Fin"),
	F("tcp.flags.reset", FT_BOOL, 0, f_tcp_flags_rst, "Reset"),
	F("tcp.flags.push", FT_BOOL, 0, f_tcp_flags_push, "Push"),
	F("tcp.window_size_value", FT_UINT, 0, f_tcp_win_value, "Window"),
	F("tcp.window_size", FT_UINT, 0, f_tcp_win, "Calculated window size"),
	F("tcp.window_size_scalefactor", FT_INT, 0, f_tcp_win_scale, "Window size scaling factor"),
	F("tcp.checksum", FT_HEX, 4, f_tcp_checksum, "Checksum"),
	F("tcp.urgent_pointer", FT_UINT, 0, f_tcp_urgent, "Urgent pointer"),
	F("tcp.analysis.flags", FT_NONE, 0, f_ta_flags, "TCP analysis flags"),
	F("tcp.analysis.retransmission", FT_NONE, 0, f_ta_retrans, "Retransmission"),
	F("tcp.analysis.fast_retransmission", FT_NONE, 0, f_ta_fast_retrans, "Fast retransmission"),
	F("tcp.analysis.spurious_retransmission", FT_NONE, 0, f_ta_spurious, "Spurious retransmission"),
	F("tcp.analysis.out_of_order", FT_NONE, 0, f_ta_ooo, "Out-of-order segment"),
	F("tcp.analysis.lost_segment", FT_NONE, 0, f_ta_lost, "Previous segment not captured"),
	F("tcp.analysis.ack_lost_segment", FT_NONE, 0, f_ta_ack_lost, "ACKed segment that wasn't captured"),
	F("tcp.analysis.duplicate_ack", FT_NONE, 0, f_ta_dupack, "Duplicate ACK"),
	F("tcp.analysis.duplicate_ack_num", FT_UINT, 0, f_ta_dupack_num, "Duplicate ACK number"),
	F("tcp.analysis.duplicate_ack_frame", FT_UINT, 0, f_ta_dupack_frame, "Duplicate to the ACK in frame"),
	F("tcp.analysis.zero_window", FT_NONE, 0, f_ta_zero_win, "Zero window"),
	F("tcp.analysis.zero_window_probe", FT_NONE, 0, f_ta_zwp, "Zero window probe"),
	F("tcp.analysis.zero_window_probe_ack", FT_NONE, 0, f_ta_zwp_ack, "Zero window probe ACK"),
	F("tcp.analysis.window_full", FT_NONE, 0, f_ta_win_full, "Window full"),
	F("tcp.analysis.window_update", FT_NONE, 0, f_ta_win_update, "Window update"),
	F("tcp.analysis.keep_alive", FT_NONE, 0, f_ta_keepalive, "Keep-alive"),
	F("tcp.analysis.keep_alive_ack", FT_NONE, 0, f_ta_keepalive_ack, "Keep-alive ACK"),
	F("tcp.analysis.reused_ports", FT_NONE, 0, f_ta_reused, "Port numbers reused"),
	F("tcp.analysis.acks_frame", FT_UINT, 0, f_ta_acks_frame, "This is an ACK to the segment in frame"),
	F("tcp.analysis.ack_rtt", FT_REL_TIME, 0, f_ta_ack_rtt, "The RTT to ACK the segment was"),
	F("tcp.analysis.initial_rtt", FT_REL_TIME, 0, f_ta_irtt, "iRTT"),
	F("tcp.analysis.bytes_in_flight", FT_UINT, 0, f_ta_bif, "Bytes in flight"),
	F("tcp.analysis.push_bytes_sent", FT_UINT, 0, f_ta_push, "Bytes sent since last PSH flag"),
	F("udp.srcport", FT_UINT, 0, f_udp_srcport, "Source port"),
	F("udp.dstport", FT_UINT, 0, f_udp_dstport, "Destination port"),
	F("udp.port", FT_PORTS, 0, f_udp_port, "Source or destination port"),
	F("udp.stream", FT_UINT, 0, f_udp_stream, "Stream index"),
	F("udp.length", FT_UINT, 0, f_udp_length, "Length"),
	F("udp.checksum", FT_HEX, 4, f_udp_checksum, "Checksum"),
	F("icmp.type", FT_UINT, 0, f_icmp_type, "Type"),
	F("icmp.code", FT_UINT, 0, f_icmp_code, "Code"),
	F("icmp.ident", FT_UINT, 0, f_icmp_ident, "Identifier (BE)"),
	F("icmp.seq", FT_UINT, 0, f_icmp_seq, "Sequence number (BE)"),
	F("icmpv6.type", FT_UINT, 0, f_icmpv6_type, "Type"),
	F("icmpv6.code", FT_UINT, 0, f_icmpv6_code, "Code"),
};

#define NSTATIC (sizeof fields / sizeof fields[0])
#define APP_FIELDS_MAX 2048
#define APP_PRESENCE 0xff /* field index meaning "the protocol itself" */

/* Fields the dissectors declare (proto_desc.fields) and their protocol names, appended to the
 * static table once, at first use. Constant afterwards. */
static struct field_def app_fields[APP_FIELDS_MAX];
static size_t napp_fields;
static int app_fields_built;

static const struct field_def *static_find(const char *name)
{
	for (size_t i = 0; i < NSTATIC; i++)
		if (!strcmp(fields[i].name, name))
			return &fields[i];
	return NULL;
}

static uint8_t ftype_of(uint8_t pf)
{
	switch (pf) {
	case PF_UINT: return FT_UINT;
	case PF_HEX: return FT_HEX;
	case PF_BOOL: return FT_BOOL;
	case PF_STR: return FT_STRING;
	case PF_BYTES: return FT_BYTES;
	case PF_IPV4: return FT_IPV4;
	case PF_IPV6: return FT_IPV6;
	case PF_INT: return FT_INT;
	case PF_ETHER: return FT_ETHER;
	default: return FT_NONE;
	}
}

static void app_fields_build(void)
{
	if (app_fields_built)
		return;
	app_fields_built = 1;
	for (size_t i = 0; i < proto_count() && i < 255; i++) {
		const struct proto_desc *d = proto_get(i);
		uint16_t base = (uint16_t)((i + 1) << 8);
		if (!static_find(d->name) && napp_fields < APP_FIELDS_MAX)
			app_fields[napp_fields++] = (struct field_def){ d->name, FT_NONE, 0, d->name, NULL, 0,
								 (uint16_t)(base | APP_PRESENCE) };
		for (uint16_t j = 0; d->fields && j < d->nfields && j < APP_PRESENCE; j++) {
			const struct proto_field *pf = &d->fields[j];
			if (static_find(pf->name) || napp_fields >= APP_FIELDS_MAX)
				continue;
			app_fields[napp_fields++] = (struct field_def){ pf->name, ftype_of(pf->type), pf->width,
								 pf->descr, NULL, 1, (uint16_t)(base | j) };
		}
	}
}

size_t field_count(void)
{
	app_fields_build();
	return NSTATIC + napp_fields;
}

const struct field_def *field_at(size_t i)
{
	if (i < NSTATIC)
		return &fields[i];
	app_fields_build();
	return i - NSTATIC < napp_fields ? &app_fields[i - NSTATIC] : NULL;
}

const struct field_def *field_find(const char *name)
{
	for (size_t i = 0; i < field_count(); i++)
		if (!strcmp(field_at(i)->name, name))
			return field_at(i);
	return NULL;
}

/* The dissector output of a packet, where tshark's tree has it (as the columns, columns.c). */
static const struct proto_pkt *fx_app_out(const struct fctx *c)
{
	const struct flow_pkt *fp = c->fp;
	if (!fp || !fp->app || !fp->app->proto)
		return NULL;
	if ((c->p->layers & PL_TCP) && !(fp->pdu & FP_PDU_DONE))
		return NULL;
	return fp->app;
}

static int app_field_get(const struct field_def *fd, struct fctx *c, struct fval *v, int n)
{
	const struct proto_pkt *a = fx_app_out(c);
	if (!a)
		return 0;
	unsigned idx = (fd->app_key >> 8) - 1u;
	if ((fd->app_key & 0xff) == APP_PRESENCE)
		return n == 0 && idx < 256 && (a->present[idx / 32] >> (idx % 32) & 1);
	int k = 0;
	for (uint16_t i = 0; i < a->nfv; i++) {
		const struct proto_fv *f = &a->fv[i];
		if (f->key != fd->app_key || k++ != n)
			continue;
		switch (fd->type) {
		case FT_STRING:
		case FT_BYTES:
			v->s = NULL;
			v->b = f->type == PF_STR ? f->v.p : NULL;
			v->blen = f->type == PF_STR ? f->len : 0;
			return f->type == PF_STR;
		case FT_IPV4:
		case FT_IPV6:
			v->b = f->v.p;
			v->blen = f->len;
			return f->type == PF_STR && f->len == (fd->type == FT_IPV4 ? 4u : 16u);
		case FT_ETHER:
			v->b = f->v.p;
			v->blen = f->len;
			return f->type == PF_STR && f->len == 6;
		case FT_INT:
			v->i = f->v.i;
			return 1;
		default:
			v->u = f->v.u;
			return 1;
		}
	}
	return 0;
}

int field_get(const struct field_def *fd, struct fctx *c, struct fval *v, int n)
{
	if (fd->app_key)
		return app_field_get(fd, c, v, n);
	return fd->get(c, v, n);
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return 99;
	size_t d[64][64];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t s = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			size_t x = d[i - 1][j] + 1, y = d[i][j - 1] + 1;
			d[i][j] = s < x ? (s < y ? s : y) : (x < y ? x : y);
		}
	return d[la][lb];
}

size_t field_suggest(const char *name, const char **out, size_t n)
{
	size_t got = 0;
	for (size_t maxd = 1; maxd <= 3 && got < n; maxd++)
		for (size_t i = 0; i < field_count() && got < n; i++) {
			size_t d = edit_distance(name, field_at(i)->name);
			if (d == maxd)
				out[got++] = field_at(i)->name;
		}
	return got;
}

static void fmt_secs(int64_t ns, struct obuf *o)
{
	if (ns < 0) {
		obuf_putc(o, '-');
		ns = -ns;
	}
	obuf_printf(o, "%lld.%09lld", (long long)(ns / 1000000000ll), (long long)(ns % 1000000000ll));
}

void field_format(const struct fval *v, struct obuf *o)
{
	switch (v->type) {
	case FT_NONE: obuf_putc(o, '1'); break;
	case FT_UINT: obuf_u64(o, v->u); break;
	case FT_INT: obuf_i64(o, v->i); break;
	case FT_BOOL: obuf_putc(o, v->u ? '1' : '0'); break;
	case FT_HEX: obuf_printf(o, "0x%0*llx", v->width, (unsigned long long)v->u); break;
	case FT_IPV4: obuf_addr(o, v->b, 4); break;
	case FT_IPV6: obuf_addr(o, v->b, 16); break;
	case FT_ETHER: obuf_mac(o, v->b); break;
	case FT_STRING:
		if (v->s)
			obuf_puts(o, v->s);
		else if (v->b)
			obuf_put_field_text(o, v->b, v->blen); /* wire text: escaped */
		break;
	case FT_REL_TIME: fmt_secs(v->i, o); break;
	case FT_EPOCH: fmt_secs(v->i, o); break;
	case FT_ABS_TIME: {
		time_t t = (time_t)(v->i >= 0 ? v->i / 1000000000ll : (v->i - 999999999ll) / 1000000000ll);
		int64_t frac = v->i - (int64_t)t * 1000000000ll;
		struct tm tm;
		char buf[64];
		char zone[16];
		if (!localtime_r(&t, &tm) || !strftime(buf, sizeof buf, "%b %e, %Y %H:%M:%S", &tm) ||
		    !strftime(zone, sizeof zone, "%Z", &tm)) {
			fmt_secs(v->i, o);
			break;
		}
		obuf_printf(o, "%s.%09lld %s", buf, (long long)frac, zone);
		break;
	}
	case FT_BYTES: obuf_hex(o, v->b, v->blen, 0); break;
	case FT_PORTS: obuf_u64(o, v->u); obuf_putc(o, ','); obuf_u64(o, v->u2); break;
	default: break;
	}
}
