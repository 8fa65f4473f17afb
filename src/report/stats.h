/* stats.h: capture statistics as tshark's -z io,stat,INTERVAL and -z expert (counts per condition). */
#ifndef SLEUTH_REPORT_STATS_H
#define SLEUTH_REPORT_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "base/obuf.h"

/* tshark's -z io,stat: one column per series, one row per interval. A series counts the frames
 * that match its filter (frames and bytes), or computes a function of one field's values over
 * them (COUNT, SUM, MIN, MAX, AVG, LOAD). Times are kept in microseconds as tshark does. Cells are
 * allocated as time advances, up to a cap (bounded memory); frames past the last interval kept
 * are counted as dropped. */
enum stats_io_calc {
	SIO_FRAMES_BYTES, /* frames and bytes (the default) */
	SIO_FRAMES,       /* frames only */
	SIO_BYTES,        /* bytes only */
	SIO_COUNT,        /* occurrences of the field */
	SIO_SUM,
	SIO_MIN,
	SIO_MAX,
	SIO_AVG,
	SIO_LOAD,         /* relative times spread back over the intervals they cover (queue depth) */
};

/* How a calc column's values are kept: each value is passed as a uint64_t holding an unsigned
 * number, a two's-complement signed number, or nanoseconds (relative times). */
enum stats_io_vtype { SIO_UINT, SIO_INT, SIO_TIME };

struct stats_io_cell {
	uint64_t counter;  /* bytes, count, sum, min, max, or the sum for AVG; LOAD: microseconds */
	uint32_t frames;   /* frames that matched the series */
	uint32_t num;      /* values seen (AVG divides by it; MIN and MAX start at the first) */
};

struct stats_io_col {
	uint8_t calc;               /* enum stats_io_calc */
	uint8_t vtype;              /* enum stats_io_vtype (calc columns) */
	const char *label;          /* legend: the series as given, or NULL ("Frames and bytes");
	                             * borrowed, must outlive the table */
	struct stats_io_cell *cell; /* owned; `cap` entries of struct stats_io */
	uint64_t *spread;           /* owned, LOAD only: whole intervals added to a range of cells, kept
	                             * as differences (cell k gets the sum of spread[0..k]) */
	size_t last;                /* the latest interval a frame of this series went to */
	uint32_t max_frames;        /* the column widths grow with these, as tshark's */
	uint64_t max_val;
};

struct stats_io {
	uint64_t interval_us;       /* 0: the whole capture is one interval */
	uint8_t prec;               /* decimals the interval was given with (tshark's precision) */
	struct stats_io_col *col;   /* owned, ncol entries */
	size_t ncol;
	size_t n, cap, max_buckets; /* intervals reached, allocated, allowed */
	int64_t last_ns;            /* latest time since the first frame (the duration) */
	uint64_t last_us;           /* time of the latest frame not before the first one: a frame from
	                             * before the first one counts there, as in tshark */
	uint64_t dropped;           /* frames past the last interval kept */
};

#define STATS_IO_MAX_PREC 6

/* `interval_us` 0 makes one interval of the whole capture; `prec` (0..6) is the number of decimals
 * the interval was written with (at least those its value needs). The ncol columns are set with
 * stats_io_set_col before the first frame. At most `max_cells` cells (intervals x columns). */
int stats_io_init(struct stats_io *s, uint64_t interval_us, unsigned prec, size_t ncol, size_t max_cells,
		  struct errbuf *e) WARN_UNUSED_RESULT;
void stats_io_set_col(struct stats_io *s, size_t i, enum stats_io_calc calc, enum stats_io_vtype vt,
		      const char *label);
void stats_io_free(struct stats_io *s);
/* Every frame read, before its columns: extends the duration. Returns 0, or -1 for a frame past
 * the last interval kept (counted as dropped; add it to no column). */
int stats_io_frame(struct stats_io *s, int64_t rel_ns);
/* A frame that matches column i: its length and the n values its field has in it (calc columns). */
void stats_io_add(struct stats_io *s, size_t i, int64_t rel_ns, uint32_t len, const uint64_t *v, size_t n);
/* The table in tshark 4.0's layout. With `out` not NULL, the buffer is written there as it fills
 * (a long table need not fit in memory). */
void stats_io_render(const struct stats_io *s, struct obuf *o, FILE *out);

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
