/* frame.h: one captured record as a capture source yields it. */
#ifndef SLEUTH_BASE_FRAME_H
#define SLEUTH_BASE_FRAME_H

#include <stdint.h>

/* Link types (LINKTYPE_* values of the pcap/pcapng registry). */
enum {
	LT_NULL = 0,
	LT_ETHERNET = 1,
	LT_RAW = 101,
	LT_LOOP = 108,
	LT_LINUX_SLL = 113,
	LT_IPV4 = 228,
	LT_IPV6 = 229,
	LT_LINUX_SLL2 = 276,
	LT_DLT_RAW12 = 12,  /* DLT_RAW on some BSDs */
	LT_DLT_RAW14 = 14,
	LT_PPP = 9,
	LT_FDDI = 10,       /* tshark reads it as FDDI with bit-swapped MAC addresses */
	LT_PPP_HDLC = 50,   /* PPP in HDLC-like framing (RFC 1662) */
	LT_ATM_CLIP = 106,  /* Linux ATM Classical IP: the IP packet alone */
	LT_C_HDLC = 104,    /* Cisco HDLC: address, control, ethertype */
	LT_PPP_WITH_DIR = 204,
	LT_NFLOG = 239,     /* Linux netfilter NFLOG: 4-byte header, then TLVs */
	LT_IPOIB = 242,     /* IP over InfiniBand (RFC 4391) */
	LT_PKTAP = 258,     /* Apple PKTAP: header with its length and the inner DLT */
	LT_VSOCK = 271,     /* Linux vsock */
};

/* `data` is borrowed from the source (mmapped file or libpcap's buffer) and is
 * valid until the next call that advances the source. */
struct frame {
	const uint8_t *data;
	uint32_t caplen;   /* bytes present at data */
	uint32_t len;      /* bytes on the wire */
	int64_t ts_sec;    /* seconds since the epoch */
	uint32_t ts_nsec;  /* nanoseconds within the second */
	uint8_t ts_digits; /* timestamp precision in decimal digits (6 for usec, 9 for nsec) */
	uint16_t linktype;
	uint32_t ifindex;  /* pcapng interface id; 0 for pcap */
	uint64_t num;      /* 1-based frame number */
	uint64_t offset;   /* byte offset of the record in the (decompressed) file */
};

/* The frame time in nanoseconds since the epoch, saturated to +-2^62 so that
 * differences of two frame times never overflow (hostile files carry any time). */
static inline int64_t frame_ns(const struct frame *f)
{
	const int64_t lim = (int64_t)1 << 62;
	if (f->ts_sec > lim / 1000000000 - 1)
		return lim;
	if (f->ts_sec < -(lim / 1000000000 - 1))
		return -lim;
	return f->ts_sec * 1000000000ll + (int64_t)(f->ts_nsec % 1000000000u);
}

#endif
