/* decode.h: stateless L2-L4 decoding of one frame into layer views (no copies). */
#ifndef SLEUTH_DECODE_DECODE_H
#define SLEUTH_DECODE_DECODE_H

#include <stdint.h>

#include "base/frame.h"
#include "base/slice.h"

#define PKT_MAX_VLAN 4
#define PKT_MAX_IP 4

/* Which layers a packet has (bit set = present, possibly truncated). */
enum pkt_layer {
	PL_ETH = 1u << 0,
	PL_VLAN = 1u << 1,
	PL_SLL = 1u << 2,
	PL_NULL = 1u << 3,
	PL_LLC = 1u << 4,
	PL_ARP = 1u << 5,
	PL_IP4 = 1u << 6,
	PL_IP6 = 1u << 7,
	PL_TCP = 1u << 8,
	PL_UDP = 1u << 9,
	PL_ICMP = 1u << 10,
	PL_ICMP6 = 1u << 11,
	PL_GRE = 1u << 12,
	PL_MPLS = 1u << 13,
	PL_PPPOE = 1u << 14,
	PL_INNER_IP = 1u << 15, /* an IP header quoted inside an ICMP error */
	PL_PPP = 1u << 16,      /* PPP (also HDLC-framed and Cisco HDLC) */
	PL_LINK = 1u << 17,     /* another link header: FDDI, IPoIB, NFLOG, PKTAP, vsock, ATM CLIP */
};

/* Why decoding stopped early (the first problem found). */
enum pkt_problem {
	PP_NONE = 0,
	PP_TRUNC,       /* caplen ended inside a header: "[Packet size limited during capture]" */
	PP_MALFORMED,   /* a field is impossible: "[Malformed Packet]" */
	PP_BAD_IP_HL,   /* IPv4 header length below 20 */
	PP_BAD_IP_VER,
	PP_BAD_TCP_HL,  /* TCP data offset below 20 */
	PP_BAD_IP_LEN,  /* IPv4 total length below header length */
};

/* Ethernet header (or the SLL/SLL2 link address standing in for it). Pointers
 * borrow the frame's data. */
struct pkt_eth {
	const uint8_t *src, *dst; /* 6 bytes each; NULL when absent */
	uint16_t type;            /* ethertype, or 802.3 length when < 0x600 */
	uint8_t llc_dsap, llc_ssap, llc_ctrl;
};

struct pkt_arp {
	uint16_t htype, ptype, op;
	uint8_t hlen, plen;
	const uint8_t *sha, *spa, *tha, *tpa; /* borrowed; NULL when truncated */
};

struct pkt_ip {
	uint8_t ver;         /* 4 or 6 */
	uint8_t hl;          /* IPv4 header length in bytes; IPv6: 40 + extension headers */
	uint8_t tos;         /* IPv4 DSCP/ECN, IPv6 traffic class */
	uint8_t ttl;         /* or hop limit */
	uint8_t proto;       /* IPv4 protocol / IPv6 first next header */
	uint8_t l4;          /* final upper-layer protocol after extension headers */
	uint16_t id;         /* IPv4 identification */
	uint16_t frag;       /* IPv4 flags+offset word */
	uint32_t totlen;     /* IPv4 total length / IPv6 payload length (frame length when 0: TSO) */
	uint16_t csum;
	uint32_t flow;       /* IPv6 flow label */
	uint32_t frag_id;    /* IPv6 fragment identification */
	uint16_t frag_off;   /* fragment offset in bytes */
	uint8_t is_frag;     /* a fragment (not offset 0 with MF clear) */
	uint8_t frag_ok;     /* a fragment that can go to reassembly (all its bytes captured) */
	uint8_t next_ext;    /* IPv6: extension headers entered (hop-by-hop, routing, destination) */
	uint8_t ext[6];      /* their next-header numbers, in order */
	uint8_t more_frags;
	uint8_t alen;        /* 4 or 16 */
	uint8_t addr_cut;    /* header cut short before the address: 1 source, 2 destination (0: both read) */
	uint8_t src[16], dst[16];
	struct slice hdr;    /* the header itself (for checksums and options) */
	struct slice payload; /* upper-layer bytes present in the frame, limited by the IP length */
	uint32_t payload_len; /* upper-layer length the IP header claims */
};

struct pkt_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t hl;          /* data offset in bytes */
	uint16_t flags;      /* 12 bits: NS(0x100) CWR ECE URG ACK PSH RST SYN FIN */
	uint16_t win, csum, urp;
	struct slice opts;   /* option bytes present */
	uint32_t len;        /* segment payload length per the IP length */
	struct slice payload; /* payload bytes present */
	uint8_t opts_trunc;  /* options cut short by caplen */
	uint8_t have_ports;  /* both ports were read (also when the header is cut short after them) */
};

enum { TH_FIN = 0x01, TH_SYN = 0x02, TH_RST = 0x04, TH_PSH = 0x08, TH_ACK = 0x10, TH_URG = 0x20,
       TH_ECE = 0x40, TH_CWR = 0x80, TH_NS = 0x100, TH_AE = 0x100 };

struct pkt_udp {
	uint16_t sport, dport, len, csum;
	struct slice payload;
	uint8_t have_ports;  /* both ports were read (also when the header is cut short after them) */
};

struct pkt_icmp {
	uint8_t type, code;
	uint16_t csum;
	uint16_t id, seq;    /* echo */
	struct slice body;   /* everything after the 4-byte header */
};

struct pkt {
	const struct frame *fr; /* borrowed */
	uint32_t layers;       /* enum pkt_layer bits */
	uint8_t problem;       /* enum pkt_problem */
	uint8_t problem_layer; /* the PL_ bit index where it happened */
	uint8_t nvlan;
	uint8_t nip;
	uint8_t udp_ip;        /* index in ip[] of the header that carries the (last) UDP header */
	uint16_t vlan[PKT_MAX_VLAN];
	uint16_t sll_pkttype, sll_hatype;
	uint16_t ppp_proto;    /* PL_PPP: the PPP protocol field */
	uint32_t null_family;
	struct pkt_eth eth;
	struct pkt_arp arp;
	struct pkt_ip ip[PKT_MAX_IP]; /* ip[0] outermost; ip[nip-1] carries the transport */
	struct pkt_tcp tcp;
	struct pkt_udp udp;
	struct pkt_icmp icmp;
	/* inside an ICMP error: the quoted IP header and its transport ports */
	struct pkt_ip inner_ip;
	uint8_t inner_l4;      /* 6 or 17 when ports below are valid */
	uint16_t inner_sport, inner_dport;
	uint32_t inner_seq;
	uint16_t inner_udp_len; /* the quoted UDP header's length (0: not captured) */
	uint8_t l4_frag;       /* transport not decoded because the IP packet is a fragment */
	uint8_t bad_ver;       /* PP_BAD_IP_VER: the version nibble found */
	uint16_t bogus_hl, bogus_len; /* PP_BAD_IP_HL / PP_BAD_IP_LEN: header length and total length */
	uint8_t ip6_short;     /* IPv6 header with fewer than 40 bytes on the wire: that count (0: none) */
};

/* Decodes `f` into `p`. Never fails: what cannot be decoded is recorded in
 * p->problem. p's slices borrow f->data. */
void decode_frame(const struct frame *f, struct pkt *p);
/* Decodes an IPv4/IPv6 packet given as bytes (used for reassembled fragments). */
void decode_ip_bytes(struct pkt *p, const uint8_t *data, uint32_t len);
/* Decodes the upper layer of the last IP layer of `p` (a fragment) from the reassembled
 * payload; p's slices then point into `payload`, which must live as long as p is used. */
void decode_ip_reassembled(struct pkt *p, struct slice payload);

static inline const struct pkt_ip *pkt_ip_last(const struct pkt *p)
{
	return p->nip ? &p->ip[p->nip - 1] : 0;
}

#endif
