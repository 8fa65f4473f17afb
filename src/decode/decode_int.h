/* decode_int.h: private to src/decode. */
#ifndef SLEUTH_DECODE_DECODE_INT_H
#define SLEUTH_DECODE_DECODE_INT_H

#include <stddef.h>

#include "base/rd.h"
#include "decode/decode.h"

void decode_trunc(struct pkt *p, uint32_t layer);
/* Bytes the frame had on the wire from the cursor position on (the reported length). */
uint32_t decode_wire_left(const struct pkt *p, const struct rd *r);
void decode_malformed(struct pkt *p, enum pkt_problem pr, uint32_t layer);
void decode_ethertype(struct pkt *p, struct rd *r, uint16_t type, int depth);
/* Decodes the IP packet at r (version from its first nibble). */
void decode_ip(struct pkt *p, struct rd *r, int depth);
void decode_l4(struct pkt *p, struct pkt_ip *ip, int depth);


void decode_gre(struct pkt *p, struct rd *r, int depth);
#endif
