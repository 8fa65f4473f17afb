/* flow_int.h: private to src/flow. */
#ifndef SLEUTH_FLOW_FLOW_INT_H
#define SLEUTH_FLOW_FLOW_INT_H

#include "base/hash.h"
#include "flow/flow.h"
#include "flow/pdu.h"

#define TCP_UNACKED_MAX 4096 /* remembered unacknowledged segments per direction (for ack_rtt) */
#define TCP_SACK_MAX 4

struct flow_key {
	uint8_t a[16], b[16]; /* canonical order: (a, pa) <= (b, pb) */
	uint16_t pa, pb;
	uint8_t proto;        /* 6 or 17 */
	uint8_t alen;
	uint8_t pad[2];
};

struct tcp_unacked {
	uint32_t seq, nextseq;
	uint64_t frame;
	int64_t ts;
};

/* One direction of a TCP conversation (Wireshark's tcp_flow). Sequence
 * numbers are absolute; 0 means "not set" for nextseq and maxseqtobeacked, as
 * in Wireshark. */
struct tcp_half {
	uint32_t base_seq;
	uint32_t nextseq, maxseqtobeacked, lastack;
	uint64_t lastnondupack;
	int64_t nextseqtime, lastacktime;
	uint32_t window;       /* raw window of the last segment */
	int32_t dupacknum;
	uint32_t lastsegflags; /* analysis flags of the last segment */
	uint32_t push_bytes;
	int8_t win_scale;      /* -1 unknown, -2 not used, else the shift */
	uint8_t base_set, is_first_ack, valid_bif, push_set_last, saw_fin, saw_rst, nsack;
	uint16_t nunacked, unacked_cap;
	uint32_t sack_l[TCP_SACK_MAX], sack_r[TCP_SACK_MAX];
	struct tcp_unacked *unacked; /* owned (malloc), oldest first; grows with the window, freed at flow end */
};

struct tcp_conv {
	struct tcp_half half[2];
	int64_t mru_syn_ts;    /* time of the most recent pure SYN (for iRTT) */
	int64_t irtt;          /* 0 until known */
	uint8_t mru_syn_set;
	uint8_t closed;        /* FIN both ways or RST seen */
	struct pdu_conv *pdu;  /* owned (flow/pdu.c); NULL until the first payload */
};

struct flow {
	struct flow_key key;
	uint64_t hash;
	uint32_t stream;
	uint32_t tcp;          /* index+1 into the tcp pool; 0 none */
	uint32_t lru_prev, lru_next; /* index+1, 0 none */
	int64_t last_ts;
	uint64_t last_frame;   /* frame of its last LRU append: the LRU lists are in this order */
	uint32_t expect_gen;   /* UDP: the expectation this flow's stream came from (0: none) */
	uint8_t orig_is_a;     /* first packet went from a to b */
	uint8_t list;          /* 0 free, 1 open, 2 closed */
	uint8_t pad[6];
};

_Static_assert(sizeof(struct flow) <= 96, "keep struct flow small");

struct expect_table;
size_t expect_table_size(void);
void expect_table_init(struct expect_table *t);
void expect_add(struct expect_table *t, uint8_t l4, uint8_t alen, const uint8_t *addr, uint16_t port, uint64_t frame);
uint32_t expect_lookup(struct expect_table *t, uint8_t l4, uint8_t alen, const uint8_t *src, uint16_t sp,
		       const uint8_t *dst, uint16_t dp, int64_t **stream);

struct l3track;
size_t l3track_size(void);
void l3track_init(struct l3track *t);
void l3track_packet(struct l3track *t, const struct pkt *p, struct flow_pkt *out);

/* tcp_conv_init prepares fresh memory; tcp_conv_reset frees what the state
 * owns and starts over; tcp_conv_release frees what it owns (flow end). */
void tcp_conv_init(struct tcp_conv *c);
void tcp_conv_reset(struct tcp_conv *c);
void tcp_conv_release(struct tcp_conv *c);
/* Port reuse: returns 1 when a pure SYN with a new ISN starts a new conversation
 * on this tuple (the caller renumbers the stream and resets the state). Also
 * applies the retransmitted-SYN and SYN/ACK rules to the state. */
int tcp_conv_reuse_check(struct tcp_conv *c, const struct pkt *p, uint8_t dir, struct flow_pkt *out);
void tcp_conv_analyze(struct tcp_conv *c, const struct pkt *p, uint8_t dir, struct flow_pkt *out);

#endif
