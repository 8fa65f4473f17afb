/* flow.h: bidirectional flow table (tcp.stream / udp.stream numbering as Wireshark) and TCP analysis. */
#ifndef SLEUTH_FLOW_FLOW_H
#define SLEUTH_FLOW_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "decode/decode.h"
#include "flow/reasm.h"
#include "proto/proto.h"

/* tcp.analysis flags (bit per condition). */
enum tcp_aflag {
	TA_RETRANS = 1u << 0,
	TA_FAST_RETRANS = 1u << 1,
	TA_SPURIOUS = 1u << 2,
	TA_OOO = 1u << 3,
	TA_LOST = 1u << 4,         /* previous segment not captured */
	TA_ACK_LOST = 1u << 5,     /* ACKed unseen segment */
	TA_DUPACK = 1u << 6,
	TA_ZERO_WIN = 1u << 7,
	TA_ZWP = 1u << 8,
	TA_ZWP_ACK = 1u << 9,
	TA_WIN_FULL = 1u << 10,
	TA_WIN_UPDATE = 1u << 11,
	TA_KEEPALIVE = 1u << 12,
	TA_KEEPALIVE_ACK = 1u << 13,
	TA_REUSED = 1u << 14,
};

/* flow_pkt.pdu bits. */
enum flow_pdu {
	FP_PDU_SEGMENT = 1u << 0, /* tshark: "[TCP segment of a reassembled PDU]" (Protocol TCP) */
	FP_PDU_DONE = 1u << 1,    /* an application PDU ends in this segment (tshark shows the app) */
};

/* What the flow layer learned about one packet (the transport that carries it). */
struct flow_pkt {
	int64_t tcp_stream;       /* -1 when the packet has no TCP layer */
	int64_t udp_stream;       /* -1 when no UDP layer */
	uint8_t dir;              /* 0: same direction as the flow's first packet */
	uint8_t tcp_valid;        /* the fields below are set */
	uint8_t win_scaled;       /* win_calc includes a window-scale shift */
	uint8_t has_ack_rtt, has_irtt, has_bif, has_push;
	uint8_t has_ta, has_acks_frame;           /* Wireshark would show a SEQ/ACK analysis block */
	int8_t win_scale;         /* -1 unknown, -2 no scaling, else the shift */
	uint32_t rel_seq, rel_ack, next_seq;
	uint32_t sack_base;       /* SACK edges are shown relative to this */
	uint32_t analysis;        /* enum tcp_aflag bits */
	uint32_t dupack_num;
	uint64_t dupack_frame;
	uint64_t acks_frame;      /* frame this ACKs (0: none) */
	int64_t ack_rtt_ns;
	int64_t irtt_ns;
	uint32_t bytes_in_flight;
	uint32_t push_bytes;
	uint64_t win_calc;
	uint64_t icmp_req_frame;  /* an echo reply: the frame of its request (0: none seen) */
	/* application framing of this TCP segment (src/flow/pdu.c), as tshark's reassembly shows it */
	uint8_t app_proto;        /* proto registry index + 1 of the dissector given the payload; 0 none */
	uint8_t pdu;              /* enum flow_pdu bits */
	uint8_t app_info;         /* enum proto_info: what that dissector did to the Info column */
	struct slice app_line;    /* PROTO_INFO_LINE text; borrowed from the packet or the flow's
	                           * buffers, valid until the next packet */
	const struct proto_pkt *app; /* the application dissector's columns and fields, when it
	                           * claimed the packet as tshark would show it; owned by the flow
	                           * table, valid until the next packet; NULL otherwise */
	uint8_t arp_dup;          /* ARP: the sender IP was seen before with another MAC */
	uint8_t arp_dup_ip[4];
};

struct flow_table;

struct flow_config {
	uint32_t max_flows;       /* memory cap: oldest flows are evicted past it */
	int64_t idle_ns;          /* idle timeout of open flows */
	int64_t closed_ns;        /* linger of flows closed by FIN/RST */
	const struct proto_decode_as *decode_as; /* borrowed for the table's life; may be NULL */
	uint8_t ndecode_as;
	uint8_t no_dissect;       /* streams and TCP analysis only: no application dissectors */
	/* Reassembly for records (commands without a packet list): segments after a hole are held
	 * until it is filled, so reordered data reaches the dissectors in order (src/flow/reasm.h).
	 * Off: tshark 4.0's model, which the packet list follows (tcp.reassemble_out_of_order off). */
	uint8_t reasm;
	uint32_t reasm_dir_cap;   /* bytes one direction may hold (block memory) */
	uint64_t reasm_cap;       /* bytes all flows may hold */
	uint8_t app_tree;         /* dissectors fill the detail tree (struct proto_tree; -V) */
	/* Sharding (several tables over one capture, one per worker thread): this table keeps only
	 * the conversations of shard `shard` of `nshards` (flow_shard); every table still sees every
	 * packet's time, so all of them expire flows at the same frames, and every UDP datagram, so
	 * all of them hold the same expectations. 0 or 1: one table, all. With shards, stream numbers
	 * are local: conn records leave tcp.stream/udp.stream out and the stream hook
	 * (flow_table_set_stream_hook) reports each new stream so the caller numbers them in capture
	 * order. */
	uint8_t shard, nshards;
};

void flow_config_default(struct flow_config *cfg);
int flow_table_new(struct flow_table **out, const struct flow_config *cfg, struct errbuf *e) WARN_UNUSED_RESULT;
void flow_table_free(struct flow_table *t);

/* Assigns stream numbers and runs TCP analysis for one decoded packet. */
void flow_table_packet(struct flow_table *t, const struct pkt *p, struct flow_pkt *out);

struct flow_stats {
	uint64_t flows_created, flows_evicted, flows_expired, flows_live, flows_peak;
	uint64_t tcp_streams, udp_streams;
	struct reasm_stats reasm; /* zero unless flow_config.reasm */
};
void flow_table_stats(const struct flow_table *t, struct flow_stats *s);

/* The shard (0..nshards-1) that keeps the conversation of a decoded packet: a symmetric hash of
 * the address pair of its TCP or UDP layer (or of the header an ICMP error quotes), so FTP data
 * and its control connection stay together; packets without one: 0. */
uint32_t flow_shard(const struct pkt *p, uint32_t nshards);
/* The same from the frame's bytes without decoding, for the common case only (Ethernet, IPv4 with
 * its header whole, not a fragment, TCP): flow_shard of the decoded frame, or -1 (decode it). */
int flow_shard_frame(const struct frame *f, uint32_t nshards);
/* A frame flow_shard_frame gave to another shard (it carries IP): only its time counts here,
 * flows idle past their timeout end (as flow_table_packet would). */
void flow_table_tick(struct flow_table *t, const struct frame *f);

/* The conversation a record belongs to, oriented as its first packet (originator first). */
struct flow_ident {
	uint8_t l4;               /* 6 TCP, 17 UDP */
	uint8_t alen;             /* 4 or 16 */
	uint16_t orig_p, resp_p;
	uint8_t orig[16], resp[16];
	int64_t stream;           /* tcp.stream or udp.stream (local to the table when sharded) */
	int64_t start_ns;         /* time of its first packet */
	uint64_t first_frame;     /* frame number of its first packet: with the tuple, names it */
	uint32_t conv;            /* the table's handle of the conversation (flow_table_set_stream_hook) */
};

/* Receives every record: the dissectors' (http, dns, files, creds, names ...) and the flow
 * layer's "conn" records (one per conversation, when it ends: FIN/RST and linger, idle expiry,
 * eviction, or flow_table_finish). `ts_ns` is the time of the packet that produced it. The
 * record and what it points to are valid only during the call. */
typedef void (*flow_rec_fn)(void *arg, const struct flow_ident *id, int64_t ts_ns, const struct proto_rec *r);
/* Object bytes for extraction (what: 0 begin, 1 data, 2 end), as proto_env.obj. */
typedef void (*flow_obj_fn)(void *arg, const struct flow_ident *id, struct proto_obj *o, int what,
			    struct slice data);
void flow_table_set_records(struct flow_table *t, flow_rec_fn rec, flow_obj_fn obj, void *arg);
/* End of input: every live conversation ends (dissectors' on_flow_end, conn records), oldest first. */
void flow_table_finish(struct flow_table *t);

/* Where the records being emitted stand in the single-table order, for merging the records of
 * shards: compare (frame, phase, list, last) as unsigned numbers. A frame's expired conversations
 * come first (phase 0, idle ones then closed ones, by the frame of their last packet), then what
 * the frame itself produced (phase 1); at the end of input frame is UINT64_MAX. */
struct flow_order {
	uint64_t frame;
	uint8_t phase, list;
	uint64_t last;
};
void flow_table_order(const struct flow_table *t, struct flow_order *o);

/* Sharded tables: `fn(arg, conv, l4, gen)` is called when the conversation `conv` (flow_ident.conv)
 * takes a stream number, in the table's record order (arg: flow_table_set_records' arg): a new
 * TCP or UDP stream (gen 0), or the UDP stream of the expectation `gen` (an endpoint SDP
 * announced; the first conversation to use it gives it a new number, later ones share it). */
typedef void (*flow_stream_fn)(void *arg, uint32_t conv, uint8_t l4, uint32_t gen);
void flow_table_set_stream_hook(struct flow_table *t, flow_stream_fn fn);

#endif
