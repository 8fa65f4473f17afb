/* tree.c: packet detail tree for Frame, Ethernet, ARP, IPv4/IPv6, TCP (with SEQ/ACK analysis), UDP, ICMP,
 * then the application layer: the items the dissectors put in the packet's proto_tree, cut and
 * bracketed as Wireshark prints labels; protocols without a tree show their filter fields. */
#include "report/tree.h"

#include <string.h>
#include <time.h>

static void tree_secs(struct obuf *o, int64_t ns)
{
	if (ns < 0) {
		obuf_putc(o, '-');
		ns = -ns;
	}
	obuf_printf(o, "%lld.%09lld", (long long)(ns / 1000000000ll), (long long)(ns % 1000000000ll));
}

static void tree_frame(const struct pkt *p, int64_t first_ns, int64_t prev_ns, struct obuf *o)
{
	const struct frame *f = p->fr;
	int64_t ns = frame_ns(f);
	obuf_printf(o, "Frame %llu: %u bytes on wire (%u bits), %u bytes captured (%u bits)\n",
		    (unsigned long long)f->num, f->len, f->len * 8, f->caplen, f->caplen * 8);
	time_t t = (time_t)f->ts_sec;
	struct tm tm;
	char buf[64] = "", zone[16] = "";
	if (localtime_r(&t, &tm)) {
		strftime(buf, sizeof buf, "%b %e, %Y %H:%M:%S", &tm);
		strftime(zone, sizeof zone, "%Z", &tm);
	}
	obuf_printf(o, "    Arrival Time: %s.%09u %s\n", buf, f->ts_nsec, zone);
	obuf_puts(o, "    Epoch Time: ");
	tree_secs(o, ns);
	obuf_puts(o, " seconds\n    [Time delta from previous captured frame: ");
	tree_secs(o, ns - prev_ns);
	obuf_puts(o, " seconds]\n    [Time since reference or first frame: ");
	tree_secs(o, ns - first_ns);
	obuf_printf(o, " seconds]\n    Frame Number: %llu\n    Frame Length: %u bytes (%u bits)\n"
		       "    Capture Length: %u bytes (%u bits)\n",
		    (unsigned long long)f->num, f->len, f->len * 8, f->caplen, f->caplen * 8);
}

static void tree_eth(const struct pkt *p, const struct col_opts *co, struct obuf *o)
{
	if (!(p->layers & PL_ETH) || !p->eth.src)
		return;
	obuf_puts(o, "Ethernet II, Src: ");
	col_mac(p->eth.src, co, o);
	obuf_puts(o, ", Dst: ");
	col_mac(p->eth.dst, co, o);
	obuf_puts(o, "\n    Destination: ");
	col_mac(p->eth.dst, co, o);
	obuf_puts(o, "\n    Source: ");
	col_mac(p->eth.src, co, o);
	if (p->eth.type >= 0x600)
		obuf_printf(o, "\n    Type: 0x%04x\n", p->eth.type);
	else
		obuf_printf(o, "\n    Length: %u\n", p->eth.type);
}

static void tree_arp(const struct pkt *p, struct obuf *o)
{
	const struct pkt_arp *a = &p->arp;
	if (!(p->layers & PL_ARP))
		return;
	obuf_printf(o, "Address Resolution Protocol (%s)\n", a->op == 1 ? "request" : a->op == 2 ? "reply" : "other");
	obuf_printf(o, "    Hardware type: %u\n    Protocol type: 0x%04x\n    Hardware size: %u\n    Protocol size: %u\n"
		       "    Opcode: %u\n",
		    a->htype, a->ptype, a->hlen, a->plen, a->op);
	if (a->sha && a->hlen == 6 && a->plen == 4 && a->tpa) {
		obuf_puts(o, "    Sender MAC address: ");
		obuf_mac(o, a->sha);
		obuf_puts(o, "\n    Sender IP address: ");
		obuf_addr(o, a->spa, 4);
		obuf_puts(o, "\n    Target MAC address: ");
		obuf_mac(o, a->tha);
		obuf_puts(o, "\n    Target IP address: ");
		obuf_addr(o, a->tpa, 4);
		obuf_putc(o, '\n');
	}
}

static void tree_ip(const struct pkt_ip *ip, struct obuf *o)
{
	if (ip->ver == 4) {
		obuf_puts(o, "Internet Protocol Version 4, Src: ");
		obuf_addr(o, ip->src, 4);
		obuf_puts(o, ", Dst: ");
		obuf_addr(o, ip->dst, 4);
		obuf_printf(o, "\n    0100 .... = Version: 4\n    .... %u%u%u%u = Header Length: %u bytes (%u)\n",
			    (ip->hl / 4 >> 3) & 1, (ip->hl / 4 >> 2) & 1, (ip->hl / 4 >> 1) & 1, (ip->hl / 4) & 1, ip->hl,
			    ip->hl / 4);
		obuf_printf(o, "    Differentiated Services Field: 0x%02x\n    Total Length: %u\n"
			       "    Identification: 0x%04x (%u)\n    Flags: 0x%u%s%s\n    Fragment Offset: %u\n"
			       "    Time to Live: %u\n    Protocol: %u\n    Header Checksum: 0x%04x\n",
			    ip->tos, ip->totlen, ip->id, ip->id, ip->frag >> 13, (ip->frag & 0x4000) ? ", Don't fragment" : "",
			    (ip->frag & 0x2000) ? ", More fragments" : "", ip->frag_off, ip->ttl, ip->proto, ip->csum);
		obuf_puts(o, "    Source Address: ");
		obuf_addr(o, ip->src, 4);
		obuf_puts(o, "\n    Destination Address: ");
		obuf_addr(o, ip->dst, 4);
		obuf_putc(o, '\n');
		return;
	}
	obuf_puts(o, "Internet Protocol Version 6, Src: ");
	obuf_addr(o, ip->src, 16);
	obuf_puts(o, ", Dst: ");
	obuf_addr(o, ip->dst, 16);
	obuf_printf(o, "\n    0110 .... = Version: 6\n    Traffic Class: 0x%02x\n    Flow Label: 0x%05x\n"
		       "    Payload Length: %u\n    Next Header: %u\n    Hop Limit: %u\n",
		    ip->tos, ip->flow, ip->totlen, ip->proto, ip->ttl);
	obuf_puts(o, "    Source Address: ");
	obuf_addr(o, ip->src, 16);
	obuf_puts(o, "\n    Destination Address: ");
	obuf_addr(o, ip->dst, 16);
	obuf_putc(o, '\n');
}


/* A bit-field line as Wireshark draws it: the field's bits in groups of four, '.' outside
 * the mask, then " = Label: text". */
static void tree_bits(struct obuf *o, const char *indent, uint32_t value, int nbits, uint32_t mask, const char *label,
		      const char *text)
{
	obuf_puts(o, indent);
	for (int i = nbits - 1; i >= 0; i--) {
		uint32_t bit = 1u << i;
		obuf_putc(o, (mask & bit) ? ((value & bit) ? '1' : '0') : '.');
		if (i && i % 4 == 0)
			obuf_putc(o, ' ');
	}
	obuf_printf(o, " = %s: %s\n", label, text);
}

static void tree_flag(struct obuf *o, uint32_t value, uint32_t mask, const char *label)
{
	tree_bits(o, "        ", value, 12, mask, label, (value & mask) ? "Set" : "Not set");
}

static const char *const tree_flag_names[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE" };

static void tree_tcp_flags(const struct pkt_tcp *t, struct obuf *o)
{
	obuf_printf(o, "    Flags: 0x%03x (", t->flags);
	int n = 0;
	for (int i = 0; i < 9; i++)
		if (t->flags & (1u << i)) {
			obuf_puts(o, n++ ? ", " : "");
			obuf_puts(o, tree_flag_names[i]);
		}
	if (t->flags & 0xe00)
		obuf_puts(o, n++ ? ", Reserved" : "Reserved");
	obuf_puts(o, n ? ")\n" : "<None>)\n");
	tree_bits(o, "        ", t->flags, 12, 0xe00, "Reserved", (t->flags & 0xe00) ? "Set" : "Not set");
	tree_flag(o, t->flags, 0x100, "Accurate ECN");
	tree_flag(o, t->flags, 0x080, "Congestion Window Reduced");
	tree_flag(o, t->flags, 0x040, "ECN-Echo");
	tree_flag(o, t->flags, 0x020, "Urgent");
	tree_flag(o, t->flags, 0x010, "Acknowledgment");
	tree_flag(o, t->flags, 0x008, "Push");
	tree_flag(o, t->flags, 0x004, "Reset");
	tree_flag(o, t->flags, 0x002, "Syn");
	tree_flag(o, t->flags, 0x001, "Fin");
	static const char letters[] = "RRRACEUAPRSF";
	obuf_puts(o, "        [TCP Flags: ");
	for (int i = 11; i >= 0; i--) {
		if (t->flags & (1u << i))
			obuf_putc(o, letters[11 - i]);
		else
			obuf_puts(o, "\xc2\xb7");
	}
	obuf_puts(o, "]\n");
}

static uint32_t tree_be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* The options list, one subtree per option, in wire order. */
static void tree_tcp_options(const struct pkt_tcp *t, const struct flow_pkt *fp, struct obuf *o)
{
	const uint8_t *b = t->opts.p;
	uint32_t n = t->opts.len, i = 0;
	if (!n)
		return;
	obuf_printf(o, "    Options: (%u bytes)\n", n);
	for (int guard = 0; i < n && guard < 64; guard++) {
		uint8_t kind = b[i];
		if (kind == 0) {
			obuf_puts(o, "        TCP Option - End of Option List (EOL)\n            Kind: End of Option List (0)\n");
			return;
		}
		if (kind == 1) {
			obuf_puts(o, "        TCP Option - No-Operation (NOP)\n            Kind: No-Operation (1)\n");
			i++;
			continue;
		}
		if (i + 1 >= n || b[i + 1] < 2 || i + b[i + 1] > n) {
			obuf_printf(o, "        TCP Option - kind %u: malformed length\n", kind);
			return;
		}
		uint8_t len = b[i + 1];
		const uint8_t *v = b + i + 2;
		switch (kind) {
		case 2:
			if (len == 4)
				obuf_printf(o, "        TCP Option - Maximum segment size: %u bytes\n            Kind: Maximum Segment Size (2)\n"
					       "            Length: 4\n            MSS Value: %u\n", v[0] << 8 | v[1], v[0] << 8 | v[1]);
			break;
		case 3:
			if (len == 3)
				obuf_printf(o, "        TCP Option - Window scale: %u (multiply by %u)\n            Kind: Window Scale (3)\n"
					       "            Length: 3\n            Shift count: %u\n            [Multiplier: %u]\n",
					    v[0], 1u << (v[0] > 14 ? 14 : v[0]), v[0], 1u << (v[0] > 14 ? 14 : v[0]));
			break;
		case 4:
			obuf_puts(o, "        TCP Option - SACK permitted\n            Kind: SACK Permitted (4)\n            Length: 2\n");
			break;
		case 5:
			obuf_puts(o, "        TCP Option - SACK");
			for (uint32_t k = 0; k + 8 <= (uint32_t)len - 2; k += 8)
				obuf_printf(o, " %u-%u", tree_be32(v + k) - fp->sack_base, tree_be32(v + k + 4) - fp->sack_base);
			obuf_printf(o, "\n            Kind: SACK (5)\n            Length: %u\n", len);
			break;
		case 8:
			if (len == 10)
				obuf_printf(o, "        TCP Option - Timestamps: TSval %u, TSecr %u\n            Kind: Time Stamp Option (8)\n"
					       "            Length: 10\n            Timestamp value: %u\n            Timestamp echo reply: %u\n",
					    tree_be32(v), tree_be32(v + 4), tree_be32(v), tree_be32(v + 4));
			break;
		default:
			obuf_printf(o, "        TCP Option - Kind %u, length %u\n", kind, len);
			break;
		}
		i += len;
	}
}

static void tree_tcp_analysis(const struct flow_pkt *fp, struct obuf *o)
{
	if (!fp->tcp_valid || !(fp->has_ta || fp->analysis))
		return;
	obuf_puts(o, "    [SEQ/ACK analysis]\n");
	if (fp->has_acks_frame)
		obuf_printf(o, "        [This is an ACK to the segment in frame: %llu]\n", (unsigned long long)fp->acks_frame);
	if (fp->has_ack_rtt) {
		obuf_puts(o, "        [The RTT to ACK the segment was: ");
		tree_secs(o, fp->ack_rtt_ns);
		obuf_puts(o, " seconds]\n");
	}
	if (fp->has_irtt) {
		obuf_puts(o, "        [iRTT: ");
		tree_secs(o, fp->irtt_ns);
		obuf_puts(o, " seconds]\n");
	}
	if (fp->has_bif)
		obuf_printf(o, "        [Bytes in flight: %u]\n", fp->bytes_in_flight);
	if (fp->has_push)
		obuf_printf(o, "        [Bytes sent since last PSH flag: %u]\n", fp->push_bytes);
	uint32_t a = fp->analysis;
	if (a & ~(uint32_t)TA_REUSED) {
		obuf_puts(o, "        [TCP Analysis Flags]\n");
		if (a & TA_RETRANS) obuf_puts(o, "            [This frame is a (suspected) retransmission]\n");
		if (a & TA_FAST_RETRANS) obuf_puts(o, "            [This frame is a (suspected) fast retransmission]\n");
		if (a & TA_SPURIOUS) obuf_puts(o, "            [This frame is a (suspected) spurious retransmission]\n");
		if (a & TA_OOO) obuf_puts(o, "            [This frame is a (suspected) out-of-order segment]\n");
		if (a & TA_LOST) obuf_puts(o, "            [Previous segment(s) not captured (common at capture start)]\n");
		if (a & TA_ACK_LOST) obuf_puts(o, "            [ACKed segment that wasn't captured (common at capture start)]\n");
		if (a & TA_DUPACK) obuf_printf(o, "            [This is a TCP duplicate ack]\n            [Duplicate ACK #: %u]\n            [Duplicate to the ACK in frame: %llu]\n", fp->dupack_num, (unsigned long long)fp->dupack_frame);
		if (a & TA_ZERO_WIN) obuf_puts(o, "            [This is a ZeroWindow segment]\n");
		if (a & TA_ZWP) obuf_puts(o, "            [This is a TCP zero-window-probe]\n");
		if (a & TA_ZWP_ACK) obuf_puts(o, "            [This is an ACK to a TCP zero-window-probe]\n");
		if (a & TA_WIN_FULL) obuf_puts(o, "            [The transmission window is now completely full]\n");
		if (a & TA_WIN_UPDATE) obuf_puts(o, "            [This is a tcp window update]\n");
		if (a & TA_KEEPALIVE) obuf_puts(o, "            [This is a TCP keep-alive segment]\n");
		if (a & TA_KEEPALIVE_ACK) obuf_puts(o, "            [This is an ACK to a TCP keep-alive segment]\n");
	}
}

static void tree_tcp(const struct pkt *p, const struct flow_pkt *fp, struct obuf *o)
{
	const struct pkt_tcp *t = &p->tcp;
	obuf_printf(o, "Transmission Control Protocol, Src Port: %u, Dst Port: %u, Seq: %u", t->sport, t->dport,
		    fp->rel_seq);
	if (t->flags & TH_ACK)
		obuf_printf(o, ", Ack: %u", fp->rel_ack);
	obuf_printf(o, ", Len: %u\n", t->len);
	obuf_printf(o, "    Source Port: %u\n    Destination Port: %u\n", t->sport, t->dport);
	if (fp->tcp_stream >= 0)
		obuf_printf(o, "    [Stream index: %lld]\n", (long long)fp->tcp_stream);
	obuf_printf(o, "    [TCP Segment Len: %u]\n    Sequence Number: %u    (relative sequence number)\n"
		       "    Sequence Number (raw): %u\n    [Next Sequence Number: %u    (relative sequence number)]\n",
		    t->len, fp->rel_seq, t->seq, fp->next_seq);
	if (t->flags & TH_ACK)
		obuf_printf(o, "    Acknowledgment Number: %u    (relative ack number)\n", fp->rel_ack);
	else
		obuf_puts(o, "    Acknowledgment Number: 0\n");
	obuf_printf(o, "    Acknowledgment number (raw): %u\n", t->ack);
	obuf_printf(o, "    %u%u%u%u .... = Header Length: %u bytes (%u)\n", (t->hl / 4 >> 3) & 1, (t->hl / 4 >> 2) & 1,
		    (t->hl / 4 >> 1) & 1, (t->hl / 4) & 1, t->hl, t->hl / 4);
	tree_tcp_flags(t, o);
	obuf_printf(o, "    Window: %u\n    [Calculated window size: %llu]\n", t->win, (unsigned long long)fp->win_calc);
	if (fp->win_scale >= 0 && !(t->flags & TH_SYN))
		obuf_printf(o, "    [Window size scaling factor: %d]\n", 1 << fp->win_scale);
	else if (!(t->flags & TH_SYN))
		obuf_printf(o, "    [Window size scaling factor: %d (%s)]\n", fp->win_scale,
			    fp->win_scale == -1 ? "unknown" : "no window scaling used");
	obuf_printf(o, "    Checksum: 0x%04x [unverified]\n    [Checksum Status: Unverified]\n    Urgent Pointer: %u\n", t->csum,
		    t->urp);
	tree_tcp_options(t, fp, o);
	tree_tcp_analysis(fp, o);
	if (t->len)
		obuf_printf(o, "    TCP payload (%u bytes)\n", t->len);
}

static void tree_udp(const struct pkt *p, const struct flow_pkt *fp, struct obuf *o)
{
	const struct pkt_udp *u = &p->udp;
	obuf_printf(o, "User Datagram Protocol, Src Port: %u, Dst Port: %u\n    Source Port: %u\n"
		       "    Destination Port: %u\n    Length: %u\n    Checksum: 0x%04x [unverified]\n",
		    u->sport, u->dport, u->sport, u->dport, u->len, u->csum);
	if (fp->udp_stream >= 0)
		obuf_printf(o, "    [Stream index: %lld]\n", (long long)fp->udp_stream);
	if (u->len > 8)
		obuf_printf(o, "    UDP payload (%u bytes)\n", u->len - 8u);
}

static void tree_icmp(const struct pkt *p, const struct flow_pkt *fp, struct obuf *o)
{
	const struct pkt_icmp *ic = &p->icmp;
	int v6 = (p->layers & PL_ICMP6) != 0;
	obuf_puts(o, v6 ? "Internet Control Message Protocol v6\n" : "Internet Control Message Protocol\n");
	obuf_puts(o, "    Type: ");
	obuf_u64(o, ic->type);
	obuf_puts(o, " (");
	struct obuf tmp;
	obuf_init(&tmp);
	col_info(p, fp, &tmp);
	obuf_put_escaped(o, (const uint8_t *)tmp.buf, tmp.len);
	obuf_free(&tmp);
	obuf_printf(o, ")\n    Code: %u\n    Checksum: 0x%04x [unverified]\n", ic->code, ic->csum);
	if ((v6 && (ic->type == 128 || ic->type == 129)) || (!v6 && (ic->type == 0 || ic->type == 8))) {
		obuf_printf(o, "    Identifier (BE): %u (0x%04x)\n    Sequence Number (BE): %u (0x%04x)\n", ic->id, ic->id,
			    ic->seq, ic->seq);
		if (fp->icmp_req_frame)
			obuf_printf(o, "    [Request frame: %llu]\n", (unsigned long long)fp->icmp_req_frame);
	}
}

/* The application layer: each protocol the dissectors put in the packet, with the values of its
 * fields in the order they were set (Wireshark's tree shows more lines; these are the ones the
 * filter language knows). */
static void tree_app_value(const struct proto_field *f, const struct proto_fv *v, struct obuf *o)
{
	switch (f->type) {
	case PF_UINT: obuf_u64(o, v->v.u); break;
	case PF_INT: obuf_i64(o, v->v.i); break;
	case PF_BOOL: obuf_puts(o, v->v.u ? "True" : "False"); break;
	case PF_HEX: obuf_printf(o, "0x%0*llx", f->width, (unsigned long long)v->v.u); break;
	case PF_IPV4:
	case PF_IPV6:
		if (v->type == PF_STR && v->len == (f->type == PF_IPV4 ? 4u : 16u))
			obuf_addr(o, v->v.p, (int)v->len);
		break;
	case PF_BYTES:
		if (v->type == PF_STR)
			obuf_hex(o, v->v.p, v->len, ':');
		break;
	case PF_ETHER:
		if (v->type == PF_STR && v->len == 6)
			obuf_mac(o, v->v.p);
		break;
	case PF_STR:
		if (v->type == PF_STR)
			obuf_put_field_text(o, v->v.p, v->len); /* wire text: escaped */
		break;
	default: break;
	}
}

/* One line of a dissector's tree: a label longer than Wireshark's label buffer is cut as
 * Wireshark cuts it, " [truncated]" after the field name (at the start of a text item). */
#define TREE_LABEL_MAX 239
static void tree_item(const struct proto_tree *t, const struct proto_titem *it, struct obuf *o)
{
	for (uint8_t d = 0; d < it->depth; d++)
		obuf_write(o, "    ", 4);
	const char *s = t->text + it->off;
	if (it->gen)
		obuf_putc(o, '[');
	if (it->init_len && it->init_len <= TREE_LABEL_MAX) { /* appended text is cut, not marked */
		obuf_write(o, s, it->len < TREE_LABEL_MAX ? it->len : TREE_LABEL_MAX);
		obuf_puts(o, it->gen ? "]\n" : "\n");
		return;
	}
	if (it->len <= TREE_LABEL_MAX) {
		obuf_write(o, s, it->len);
		obuf_puts(o, it->gen ? "]\n" : "\n");
		return;
	}
	static const char mark[] = " [truncated]";
	char buf[TREE_LABEL_MAX + sizeof mark];
	size_t at = it->name_len < TREE_LABEL_MAX ? it->name_len : 0;
	memcpy(buf, s, at);
	memcpy(buf + at, mark, sizeof mark - 1);
	memcpy(buf + at + sizeof mark - 1, s + at, TREE_LABEL_MAX - at);
	size_t cut = TREE_LABEL_MAX - 1;
	while (cut > 0 && ((uint8_t)buf[cut] & 0xc0) == 0x80)
		cut--;
	obuf_write(o, buf, cut);
	obuf_puts(o, it->gen ? "]\n" : "\n");
}

static void tree_app(const struct pkt *p, const struct flow_pkt *fp, struct obuf *o)
{
	const struct proto_pkt *a = fp ? fp->app : NULL;
	if (!a || !a->proto || ((p->layers & PL_TCP) && !(fp->pdu & FP_PDU_DONE)))
		return;
	uint32_t drawn[8] = { 0 };
	const struct proto_tree *t = a->tree;
	for (uint32_t k = 0; t && k < t->n; k++) {
		const struct proto_titem *it = &t->item[k];
		unsigned i = it->proto ? it->proto - 1u : 0;
		if (!it->proto || !(a->present[i / 32] >> (i % 32) & 1))
			continue;
		drawn[i / 32] |= 1u << (i % 32);
		tree_item(t, it, o);
	}
	/* protocols without a tree of their own: the values of their filter fields */
	for (size_t i = 0; i < proto_count() && i < 256; i++) {
		if (!(a->present[i / 32] >> (i % 32) & 1) || (drawn[i / 32] >> (i % 32) & 1))
			continue;
		const struct proto_desc *d = proto_get(i);
		obuf_puts(o, d->col_name ? d->col_name : d->name);
		if (a->proto == i + 1 && a->info_set) {
			obuf_puts(o, ": ");
			obuf_put_text(o, (const uint8_t *)a->info, a->info_len);
		}
		obuf_putc(o, '\n');
		for (uint16_t k = 0; k < a->nfv; k++) {
			const struct proto_fv *v = &a->fv[k];
			unsigned fi = v->key & 0xff;
			if ((v->key >> 8) != i + 1 || !d->fields || fi >= d->nfields || d->fields[fi].type == PF_NONE)
				continue;
			obuf_puts(o, "    ");
			obuf_puts(o, d->fields[fi].descr ? d->fields[fi].descr : d->fields[fi].name);
			obuf_puts(o, ": ");
			tree_app_value(&d->fields[fi], v, o);
			obuf_putc(o, '\n');
		}
	}
}

void tree_print(const struct pkt *p, const struct flow_pkt *fp, const struct col_opts *co, int64_t first_ns,
		int64_t prev_ns, struct obuf *o)
{
	tree_frame(p, first_ns, prev_ns, o);
	tree_eth(p, co, o);
	tree_arp(p, o);
	for (int i = 0; i < p->nip; i++)
		tree_ip(&p->ip[i], o);
	if (p->layers & PL_TCP)
		tree_tcp(p, fp, o);
	else if (p->layers & PL_UDP)
		tree_udp(p, fp, o);
	else if (p->layers & (PL_ICMP | PL_ICMP6))
		tree_icmp(p, fp, o);
	tree_app(p, fp, o);
	if (p->problem == PP_TRUNC)
		obuf_puts(o, "[Packet size limited during capture]\n");
	else if (p->problem != PP_NONE)
		obuf_puts(o, "[Malformed Packet]\n");
	obuf_putc(o, '\n');
}
