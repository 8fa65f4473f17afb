/* reasm.h: the out-of-order store of TCP stream reassembly (RFC 9293 section 3.10.7.4: a
 * receiver keeps segments that arrive ahead of the next expected sequence number and delivers
 * them when the hole before them is filled). Each direction addresses its bytes by a 64-bit
 * stream offset (offset 0 is the first byte after the SYN), so streams past 4 GiB and sequence
 * wrap are handled. Held bytes are copied into fixed-size blocks taken from a pool shared by
 * every flow of a table; the pool has a global cap and each direction a cap of its own. When
 * two copies of a byte arrive, the first one kept is the one delivered. */
#ifndef SLEUTH_FLOW_REASM_H
#define SLEUTH_FLOW_REASM_H

#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"

#define REASM_BLK_SIZE 2048u           /* memory of one block, header included */
#define REASM_DIR_CAP_DEFAULT (1u << 20) /* block memory one direction may hold */
#define REASM_CAP_DEFAULT (64ull << 20)  /* block memory all directions of a table may hold */

struct reasm_blk;  /* held bytes; private to reasm.c */
struct reasm_pool; /* the blocks of a table: free list, slabs, caps and counters */

/* Why a hole was given up. */
enum reasm_why {
	REASM_WHY_CAP,   /* a cap (direction or pool) left no room for the data after it */
	REASM_WHY_LATER, /* more data than the direction cap arrived after it */
	REASM_WHY_END,   /* the flow ended with it open */
	REASM_WHY_ACKED, /* the receiver acknowledged bytes past it: no copy of them will come */
};

struct reasm_stats {
	uint64_t held_segs;   /* segments (or parts of them) copied into the store */
	uint64_t held_bytes;  /* bytes copied into the store */
	uint64_t out_bytes;   /* held bytes delivered */
	uint64_t gaps_cap, gaps_later, gaps_end, gaps_acked; /* holes given up, by enum reasm_why */
	uint64_t gap_bytes;   /* bytes in those holes */
	uint64_t cap_dir;     /* a segment found its direction at the cap */
	uint64_t cap_pool;    /* a segment found the pool at the global cap */
	uint64_t peak_bytes;  /* most block memory in use at once */
};

/* One direction of a stream. Zeroed memory is a valid, unstarted direction. */
struct reasm_dir {
	uint64_t next;          /* offset of the next byte owed to the consumer */
	uint64_t held;          /* bytes in held blocks */
	uint64_t missed;        /* bytes given up as holes (never delivered) */
	uint64_t later;         /* bytes that arrived past the open hole (held or not) and are not
	                         * delivered yet; 0 when nothing is held */
	uint64_t acked;         /* highest offset the receiver acknowledged (set by the consumer) */
	struct reasm_blk *head; /* owned (blocks of the pool): held bytes, sorted by offset, disjoint */
	struct reasm_blk *tail; /* last block of that list, or NULL */
	uint32_t base;          /* sequence number of offset 0 */
	uint32_t nblk;          /* blocks held */
	uint8_t started;
	uint8_t pad[7];
};

/* A run of bytes owed at the direction's next offset. `p` points into the packet given to
 * reasm_dir_next or into a held block: valid until reasm_dir_advance or the next store call. */
struct reasm_chunk {
	struct slice data;
	uint8_t held;           /* from the store (ts_ns/frame are then the ones it arrived with) */
	int64_t ts_ns;
	uint64_t frame;
};

enum reasm_full { REASM_FULL_DIR = -1, REASM_FULL_POOL = -2 };

/* `cap` bounds the block memory of all directions, `dir_cap` that of one direction (both are
 * rounded down to whole blocks, at least one). Memory is taken in slabs as blocks are needed. */
int reasm_pool_new(struct reasm_pool **out, uint64_t cap, uint32_t dir_cap, struct errbuf *e) WARN_UNUSED_RESULT;
/* Every direction using the pool must have been released first. */
void reasm_pool_free(struct reasm_pool *pool);
void reasm_pool_stats(const struct reasm_pool *pool, struct reasm_stats *st);
/* The direction cap in bytes: past it, d->later gives up the direction's first hole. */
uint64_t reasm_pool_dir_limit(const struct reasm_pool *pool);

/* Offset 0 is at sequence number `seq`. */
void reasm_dir_start(struct reasm_dir *d, uint32_t seq);
/* The stream offset of sequence number `seq`, taken within 2^31 of the next offset; negative
 * when before offset 0. */
int64_t reasm_dir_offset(const struct reasm_dir *d, uint32_t seq);

/* The next run owed at d->next, given the current packet's bytes at offset `off` (n = 0: no
 * packet). Held bytes come first where both have them (the held copy arrived first); the
 * packet's bytes run up to the first held block. Returns 0 when nothing is owed (a hole, or
 * everything delivered). */
int reasm_dir_next(const struct reasm_dir *d, uint64_t off, const uint8_t *p, uint32_t n, int64_t ts_ns,
		   uint64_t frame, struct reasm_chunk *c);
/* The consumer took the first `n` bytes of the last chunk: the next offset moves on and blocks
 * wholly delivered go back to the pool. */
void reasm_dir_advance(struct reasm_dir *d, struct reasm_pool *pool, uint32_t n);
/* Copies up to `cap` held bytes from offset `from` on while the held blocks are contiguous (a
 * consumer looking past the chunk it was given); returns how many were copied. */
uint32_t reasm_dir_peek(const struct reasm_dir *d, uint64_t from, uint8_t *buf, uint32_t cap);

/* Copies the packet's bytes at `off` that lie past d->next and are not held yet. Returns 0, or
 * enum reasm_full when a cap left some of them out (calling again after room is made copies
 * the rest: the call is idempotent). */
int reasm_dir_hold(struct reasm_dir *d, struct reasm_pool *pool, uint64_t off, const uint8_t *p, uint32_t n,
		   int64_t ts_ns, uint64_t frame);
/* Gives up the first hole: the next offset jumps to the first held byte, or to `limit` when
 * that comes first (UINT64_MAX: no limit). Returns the bytes jumped (0: no hole to give up);
 * they count in d->missed and in the pool's statistics. */
uint64_t reasm_dir_skip_hole(struct reasm_dir *d, struct reasm_pool *pool, uint64_t limit, enum reasm_why why);

/* Checks the direction's invariants (for tests and fuzzing): blocks sorted, disjoint, not empty,
 * none wholly before the next offset, the tail and the counters right. Returns 0, or -1. */
int reasm_dir_check(const struct reasm_dir *d);

/* Returns every held block to the pool (nothing is held; the offsets and d->missed stay). */
void reasm_dir_drop(struct reasm_dir *d, struct reasm_pool *pool);

#endif
