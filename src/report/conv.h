/* conv.h: conversation and endpoint tables (tshark's -z conv,TYPE and -z endpoints) and their rendering. */
#ifndef SLEUTH_REPORT_CONV_H
#define SLEUTH_REPORT_CONV_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/obuf.h"

enum conv_kind { CONV_ETH, CONV_IP4, CONV_IP6, CONV_TCP, CONV_UDP, CONV_HOST };

/* Row order: tshark's (total frames, largest first, ties in order of appearance),
 * or by total bytes, relative start (earliest first) or duration (longest first). */
enum conv_sort { CONV_SORT_TSHARK, CONV_SORT_BYTES, CONV_SORT_FRAMES, CONV_SORT_START, CONV_SORT_DURATION };

/* One row. For a conversation `a` is the source of its first frame ("->" counts
 * frames from a to b, "<-" from b to a, as tshark); for an endpoint only `a` is set
 * and tx/rx count frames it sent/received. */
struct conv_rec {
	uint8_t alen;             /* 4, 16 (IP) or 6 (MAC) */
	uint8_t a[16], b[16];
	uint16_t pa, pb;
	int64_t id;               /* tcp.stream / udp.stream; -1 for the others */
	uint64_t tx_frames, tx_bytes, rx_frames, rx_bytes;
	int64_t start_ns, stop_ns; /* relative to the first frame of the capture */
	uint32_t seq;             /* order of appearance */
};

struct conv_table;

/* A table holding at most `cap` rows (bounded memory: about 120 bytes a row).
 * Frames of new rows past the cap are counted in conv_table_dropped(). */
int conv_table_new(struct conv_table **out, enum conv_kind kind, uint32_t cap, struct errbuf *e) WARN_UNUSED_RESULT;
void conv_table_free(struct conv_table *t);

/* Counts one frame of `bytes` (frame.len) from src to dst at `rel_ns`.
 * Addresses are `alen` bytes; ports and id are 0 / -1 where the kind has none.
 * No allocation unless a new row makes the table grow. */
void conv_table_add(struct conv_table *t, const uint8_t *src, const uint8_t *dst, uint8_t alen, uint16_t sport,
		    uint16_t dport, int64_t id, uint32_t bytes, int64_t rel_ns);
/* Endpoint tables: one frame sent (tx != 0) or received by `addr`. */
void conv_table_add_host(struct conv_table *t, const uint8_t *addr, uint8_t alen, int tx, uint32_t bytes,
			 int64_t rel_ns);

size_t conv_table_count(const struct conv_table *t);
/* Frames not counted because their row would pass the cap, and rows refused. */
uint64_t conv_table_dropped_frames(const struct conv_table *t);
uint64_t conv_table_dropped_rows(const struct conv_table *t);

/* Rows in `sort` order; returns the count and sets *out to an array owned by the
 * table (valid until the next add or free), or 0 when it cannot allocate. */
size_t conv_table_sorted(struct conv_table *t, enum conv_sort sort, const struct conv_rec ***out);

/* The tshark 4.0 `-z conv,TYPE` block, byte for byte (TYPE from the table's kind). */
void conv_render_tshark(struct conv_table *t, enum conv_sort sort, struct obuf *o);

/* A name learned for an address, and where it came from ("pcapng NRB", "DNS", ...). Borrowed. */
struct conv_name {
	uint8_t alen;
	const uint8_t *addr;
	const char *name;
	const char *source;
};

/* `sleuth hosts`: one line per endpoint with frames and bytes sent/received, the
 * names learned for it (from `names`) and, for MAC endpoints, the vendor. */
void conv_render_hosts(struct conv_table *t, enum conv_sort sort, const struct conv_name *names, size_t nnames,
		       struct obuf *o);

/* tshark's size text: "812 bytes", "20 kB", "3 MB" (SI prefixes, truncated). */
void conv_format_size(struct obuf *o, uint64_t bytes);

#endif
