/* stats.h: capture statistics as tshark's -z io,stat,INTERVAL and -z expert (counts per condition). */
#ifndef SLEUTH_REPORT_STATS_H
#define SLEUTH_REPORT_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/obuf.h"

/* Frames and bytes per interval. Buckets are allocated as time advances, up to
 * `max_buckets` (bounded memory); frames past the last bucket are counted as dropped. */
struct stats_io {
	int64_t interval_ns;
	uint64_t *frames, *bytes; /* owned; `n` used of `cap` */
	size_t n, cap, max_buckets;
	int64_t last_ns;          /* latest relative time seen (the duration) */
	uint64_t dropped;
};

int stats_io_init(struct stats_io *s, int64_t interval_ns, size_t max_buckets, struct errbuf *e) WARN_UNUSED_RESULT;
void stats_io_free(struct stats_io *s);
void stats_io_add(struct stats_io *s, int64_t rel_ns, uint32_t bytes);
void stats_io_render(const struct stats_io *s, struct obuf *o);

/* Expert conditions counted per packet. */
enum stats_expert_id {
	SE_RETRANS, SE_FAST_RETRANS, SE_SPURIOUS, SE_OOO, SE_LOST, SE_ACK_LOST, SE_DUPACK, SE_ZERO_WIN, SE_ZWP,
	SE_ZWP_ACK, SE_WIN_FULL, SE_WIN_UPDATE, SE_KEEPALIVE, SE_KEEPALIVE_ACK, SE_REUSED, SE_MALFORMED,
	SE_TRUNCATED, SE_COUNT
};

/* Malformed and truncated packets are counted per protocol layer (the pkt_layer bit index). */
#define STATS_LAYERS 32

struct stats_expert {
	uint64_t n[SE_COUNT];
	uint64_t malformed[STATS_LAYERS], truncated[STATS_LAYERS];
};

/* One packet with TCP condition `id` (below SE_MALFORMED). */
void stats_expert_add_tcp(struct stats_expert *s, enum stats_expert_id id);
/* `layer`: the pkt_layer bit index where decoding stopped; `truncated`: the capture ran out. */
void stats_expert_add_problem(struct stats_expert *s, unsigned layer, int truncated);
void stats_expert_render(const struct stats_expert *s, struct obuf *o);

#endif
