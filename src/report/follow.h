/* follow.h: one TCP/UDP conversation's payload in order, rendered as tshark -z follow (ascii, hex, raw). */
#ifndef SLEUTH_REPORT_FOLLOW_H
#define SLEUTH_REPORT_FOLLOW_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/obuf.h"

enum follow_mode { FOLLOW_ASCII, FOLLOW_HEX, FOLLOW_RAW };

struct follow;

/* Text goes to `out` (borrowed; the caller flushes it whenever it likes).
 * `max_pending` caps the bytes of out-of-order segments held while waiting for
 * a gap to fill (the only memory that grows); past it segments are dropped and
 * counted, and the footer says so. */
int follow_new(struct follow **f, enum follow_mode mode, int is_udp, int64_t stream, size_t max_pending,
	       struct obuf *out, struct errbuf *e) WARN_UNUSED_RESULT;
void follow_free(struct follow *f);

/* One packet of the followed stream. For TCP `seq` and `flags` are the header's;
 * `data` the payload bytes captured (borrowed for the call). The first packet
 * names node 0 (the client), as tshark. */
void follow_packet(struct follow *f, const uint8_t *src, const uint8_t *dst, uint8_t alen, uint16_t sport,
		   uint16_t dport, uint32_t seq, uint16_t flags, const uint8_t *data, uint32_t len);

/* Emits what is still held (after the gaps, which are marked), the closing
 * separator and the footer: bytes per side, "N client pkts, N server pkts, N turns."
 * Returns the number of packets seen. */
uint64_t follow_finish(struct follow *f);

#endif
