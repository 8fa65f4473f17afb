/* pdu.h: application PDU tracking over TCP. For flows a dissector claims (src/proto registry),
 * feeds each direction's in-order payload to the dissector's stream parser and records, per
 * segment, what tshark's reassembly would show: whether the segment is "a segment of a
 * reassembled PDU", whether a PDU ends in it, and what the dissector wrote to Info. Bytes are
 * not buffered to find PDU boundaries: parsers count lengths; only a header cut by a segment
 * boundary is kept (bounded per direction). */
#ifndef SLEUTH_FLOW_PDU_H
#define SLEUTH_FLOW_PDU_H

#include <stdint.h>

#include "decode/decode.h"
#include "flow/flow.h"
#include "flow/reasm.h"

#include "proto/proto.h"

struct pdu_conv; /* owned by the flow that points to it (refcounted: a linked flow may hold it) */
struct pdu_xtab; /* TCP expectations: endpoints announced by a dissector (FTP PASV/PORT) */

/* What the flow layer hands to the dissectors for the current packet. */
struct pdu_io {
	const struct proto_env *env; /* records; NULL: none wanted */
	struct proto_pkt *out;       /* per-packet columns and fields; reset by the caller */
	struct pdu_xtab *xt;         /* NULL: no TCP expectations */
	const uint8_t *src, *dst;    /* addresses of the packet (alen bytes) */
	uint8_t alen;
	uint8_t ndecode_as;
	const struct proto_decode_as *decode_as; /* forced dissectors (-d); may be NULL */
	/* NULL: tshark 4.0's model (the packet list). Else reassembly for records: segments ahead
	 * of a hole are held in this pool (borrowed; owned by the flow table) and delivered when
	 * it is filled, retransmissions may fill holes, and no columns are written. */
	struct reasm_pool *reasm;
};

/* Bytes a header cut by a segment boundary may take per direction; past it the dissector is
 * dropped for the flow (counted as an anomaly). */
#define PDU_BUF_CAP 32768

/* Handles one TCP segment after sequence analysis (out->analysis is set).
 * Without io->reasm (the packet list: tshark 4.0's model), the caller does not call it for
 * retransmitted (other than fast), spurious or keep-alive segments (tshark does not give them to
 * a dissector); out-of-order segments and fast retransmissions are placed with tshark's table of
 * multi-segment PDUs, kept per direction; sets out->app_proto, out->pdu, out->app_info and
 * out->app_line. With io->reasm (the record commands) it is called for every segment and the
 * data reaches the dissector in stream order (flow/reasm.c).
 * *pc is NULL for a new conversation; a dissector is chosen at the first payload and the state
 * allocated then (flows no dissector claims get a shared empty marker, and each later in-order
 * payload is probed by content, as tshark's heuristic dissectors are tried again). */
void pdu_tcp_segment(struct pdu_conv **pc, const struct pkt *p, uint8_t dir, struct flow_pkt *out,
		     const struct pdu_io *io);

/* Gives one UDP datagram to the flow's dissector (chosen at the first datagram with payload:
 * content first, then the ports); `skip` is a registry index never chosen here (-1: none). */
void pdu_udp_datagram(struct pdu_conv **pc, const struct pkt *p, uint16_t sport, uint16_t dport, uint8_t dir,
		      struct slice payload, struct flow_pkt *out, const struct pdu_io *io, int skip);

/* The flow ends: the dissector's on_flow_end runs (records it still holds are emitted). */
void pdu_conv_end(struct pdu_conv *pc, const struct pdu_io *io, uint16_t sport, uint16_t dport);
/* With io->reasm, before pdu_conv_end: each direction's holes still open are given up (the
 * dissector's skip(), counted) and the bytes held after them delivered. `io` names the
 * originator as src; `ts_ns` is the time of the flow's last packet. */
void pdu_tcp_flush(struct pdu_conv **pc, const struct pdu_io *io, uint16_t orig_p, uint16_t resp_p, int64_t ts_ns);
/* Bytes of the flow's TCP streams given up as holes (io->reasm only; 0 otherwise). */
uint64_t pdu_conv_missed(const struct pdu_conv *pc);
/* Registry index + 1 of the flow's dissector, 0 when none. */
uint8_t pdu_conv_proto(const struct pdu_conv *pc);

/* Releases the state (end of flow, slot recycled, or port reuse) and sets *pc to NULL. */
void pdu_conv_free(struct pdu_conv **pc);

struct pdu_xtab *pdu_xtab_new(void);
void pdu_xtab_free(struct pdu_xtab *xt);
/* Frees the blocks of ended conversations kept for reuse (this thread's). */
void pdu_pool_drain(void);

#endif
