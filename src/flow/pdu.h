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

struct pdu_conv; /* owned by the tcp_conv that points to it */

/* Bytes a header cut by a segment boundary may take per direction; past it the dissector is
 * dropped for the flow (counted as an anomaly). */
#define PDU_BUF_CAP 32768

/* Handles one TCP segment after sequence analysis (out->analysis is set). The caller does not
 * call it for retransmitted, out-of-order or keep-alive segments (tshark does not give them to
 * a dissector). *pc is NULL for a new conversation; a dissector is chosen at the first payload
 * and the state allocated then (flows no dissector claims get a shared empty marker). Sets
 * out->app_proto, out->pdu, out->app_info and out->app_line. */
void pdu_tcp_segment(struct pdu_conv **pc, const struct pkt *p, uint8_t dir, struct flow_pkt *out);

/* Releases the state (end of flow, slot recycled, or port reuse) and sets *pc to NULL. */
void pdu_conv_free(struct pdu_conv **pc);

#endif
