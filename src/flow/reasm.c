/* reasm.c: the out-of-order store of TCP stream reassembly (see reasm.h). Blocks of
 * REASM_BLK_SIZE bytes come from slabs of REASM_SLAB_BLKS blocks, allocated as the pool needs
 * them and recycled through a free list, so holding a segment allocates nothing once the pool
 * is warm. A direction's blocks form a list sorted by offset. A new segment is cut around the
 * bytes already held (the first copy wins); each piece is appended to the block before it when
 * that block ends where the piece starts and has room (segments arriving in order after a hole
 * fill blocks completely), else it goes into new blocks. */
#include "flow/reasm.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define REASM_SLAB_BLKS 64u

struct reasm_blk {
	struct reasm_blk *next; /* the next block of the direction (sorted), or of the free list */
	uint64_t off;           /* stream offset of data[0] */
	int64_t ts_ns;          /* time and frame of the packet its first byte came from */
	uint64_t frame;
	uint32_t len;
	uint8_t data[];
};

#define REASM_BLK_DATA ((uint32_t)(REASM_BLK_SIZE - offsetof(struct reasm_blk, data)))

struct reasm_pool {
	struct reasm_blk *free;  /* blocks not in use, linked through next */
	uint8_t **slabs;         /* owned: nslabs slabs of REASM_SLAB_BLKS blocks */
	uint32_t nslabs, slab_cap;
	uint32_t dir_cap_blks;
	uint32_t dir_cap;        /* bytes */
	uint64_t cap_blks;
	uint64_t used_blks;
	struct reasm_stats st;
};

int reasm_pool_new(struct reasm_pool **out, uint64_t cap, uint32_t dir_cap, struct errbuf *e)
{
	struct reasm_pool *pool = calloc(1, sizeof *pool);
	if (!pool)
		return err_set(e, ERR_NOMEM, "out of memory");
	pool->cap_blks = cap / REASM_BLK_SIZE ? cap / REASM_BLK_SIZE : 1;
	pool->dir_cap_blks = dir_cap / REASM_BLK_SIZE ? dir_cap / REASM_BLK_SIZE : 1;
	pool->dir_cap = dir_cap;
	*out = pool;
	return 0;
}

void reasm_pool_free(struct reasm_pool *pool)
{
	if (!pool)
		return;
	for (uint32_t i = 0; i < pool->nslabs; i++)
		free(pool->slabs[i]);
	free(pool->slabs);
	free(pool);
}

void reasm_pool_stats(const struct reasm_pool *pool, struct reasm_stats *st)
{
	*st = pool->st;
}

uint64_t reasm_pool_dir_limit(const struct reasm_pool *pool)
{
	return pool->dir_cap;
}

static int reasm_pool_grow(struct reasm_pool *pool)
{
	if (pool->nslabs == pool->slab_cap) {
		uint32_t nc = pool->slab_cap ? pool->slab_cap * 2 : 16;
		uint8_t **s = realloc(pool->slabs, nc * sizeof *s);
		if (!s)
			return -1;
		pool->slabs = s;
		pool->slab_cap = nc;
	}
	uint8_t *slab = malloc((size_t)REASM_SLAB_BLKS * REASM_BLK_SIZE);
	if (!slab)
		return -1;
	pool->slabs[pool->nslabs++] = slab;
	for (uint32_t i = REASM_SLAB_BLKS; i-- > 0;) {
		struct reasm_blk *b = (struct reasm_blk *)(void *)(slab + (size_t)i * REASM_BLK_SIZE);
		b->next = pool->free;
		pool->free = b;
	}
	return 0;
}

/* A free block, or NULL at the global cap (or out of memory). */
static struct reasm_blk *reasm_blk_get(struct reasm_pool *pool)
{
	if (pool->used_blks >= pool->cap_blks || (!pool->free && reasm_pool_grow(pool) < 0))
		return NULL;
	struct reasm_blk *b = pool->free;
	pool->free = b->next;
	pool->used_blks++;
	if (pool->used_blks * REASM_BLK_SIZE > pool->st.peak_bytes)
		pool->st.peak_bytes = pool->used_blks * REASM_BLK_SIZE;
	return b;
}

static void reasm_blk_put(struct reasm_pool *pool, struct reasm_blk *b)
{
	b->next = pool->free;
	pool->free = b;
	pool->used_blks--;
}

void reasm_dir_start(struct reasm_dir *d, uint32_t seq)
{
	d->base = seq;
	d->next = 0;
	d->started = 1;
}

int64_t reasm_dir_offset(const struct reasm_dir *d, uint32_t seq)
{
	uint32_t at = d->base + (uint32_t)d->next;
	return (int64_t)d->next + (int32_t)(seq - at);
}

int reasm_dir_next(const struct reasm_dir *d, uint64_t off, const uint8_t *p, uint32_t n, int64_t ts_ns,
		   uint64_t frame, struct reasm_chunk *c)
{
	const struct reasm_blk *h = d->head;
	if (h && h->off <= d->next) { /* blocks wholly before next are gone: next is inside h */
		uint32_t k = (uint32_t)(d->next - h->off);
		c->data.p = h->data + k;
		c->data.len = h->len - k;
		c->held = 1;
		c->ts_ns = h->ts_ns;
		c->frame = h->frame;
		return 1;
	}
	if (!n || off > d->next || off + n <= d->next)
		return 0;
	uint64_t end = off + n;
	if (h && h->off < end)
		end = h->off;
	c->data.p = p + (d->next - off);
	c->data.len = (uint32_t)(end - d->next);
	c->held = 0;
	c->ts_ns = ts_ns;
	c->frame = frame;
	return 1;
}

uint32_t reasm_dir_peek(const struct reasm_dir *d, uint64_t from, uint8_t *buf, uint32_t cap)
{
	uint32_t got = 0;
	for (const struct reasm_blk *h = d->head; h && got < cap; h = h->next) {
		if (h->off + h->len <= from)
			continue;
		if (h->off > from)
			break; /* a hole */
		uint32_t k = (uint32_t)(from - h->off), n = h->len - k;
		if (n > cap - got)
			n = cap - got;
		memcpy(buf + got, h->data + k, n);
		got += n;
		from += n;
	}
	return got;
}

static void reasm_dir_pop(struct reasm_dir *d, struct reasm_pool *pool)
{
	struct reasm_blk *h = d->head;
	d->head = h->next;
	if (!d->head)
		d->tail = NULL;
	d->held -= h->len;
	d->nblk--;
	reasm_blk_put(pool, h);
}

void reasm_dir_advance(struct reasm_dir *d, struct reasm_pool *pool, uint32_t n)
{
	if (d->head && d->head->off <= d->next) { /* the chunk came from the store */
		pool->st.out_bytes += n;
		d->later -= d->later < n ? d->later : n;
	}
	d->next += n;
	while (d->head && d->head->off + d->head->len <= d->next)
		reasm_dir_pop(d, pool);
	if (!d->head)
		d->later = 0;
}

/* A new block at `off` linked after `prev` (NULL: at the head) and before `cur`. */
static struct reasm_blk *reasm_dir_link(struct reasm_dir *d, struct reasm_pool *pool, struct reasm_blk *prev,
					struct reasm_blk *cur, uint64_t off, int64_t ts_ns, uint64_t frame, int *rc)
{
	if (d->nblk >= pool->dir_cap_blks) {
		pool->st.cap_dir++;
		*rc = REASM_FULL_DIR;
		return NULL;
	}
	struct reasm_blk *b = reasm_blk_get(pool);
	if (!b) {
		pool->st.cap_pool++;
		*rc = REASM_FULL_POOL;
		return NULL;
	}
	b->off = off;
	b->len = 0;
	b->ts_ns = ts_ns;
	b->frame = frame;
	b->next = cur;
	if (prev)
		prev->next = b;
	else
		d->head = b;
	if (!cur)
		d->tail = b;
	d->nblk++;
	return b;
}

int reasm_dir_hold(struct reasm_dir *d, struct reasm_pool *pool, uint64_t off, const uint8_t *p, uint32_t n,
		   int64_t ts_ns, uint64_t frame)
{
	if (off + n <= d->next)
		return 0;
	if (off < d->next) {
		uint32_t k = (uint32_t)(d->next - off);
		p += k;
		n -= k;
		off = d->next;
	}
	d->later += n;
	struct reasm_blk *prev = NULL, *cur = d->head;
	if (d->tail && d->tail->off + d->tail->len <= off) { /* the common case: after everything held */
		prev = d->tail;
		cur = NULL;
	}
	while (cur && cur->off + cur->len <= off) { /* at most nblk steps (bounded by the direction cap) */
		prev = cur;
		cur = cur->next;
	}
	uint32_t added = 0;
	int rc = 0;
	while (n) {
		if (cur && cur->off <= off) { /* these bytes are held already: the first copy stays */
			uint64_t k = cur->off + cur->len - off;
			uint32_t skip = k < n ? (uint32_t)k : n;
			p += skip;
			off += skip;
			n -= skip;
			prev = cur;
			cur = cur->next;
			continue;
		}
		uint32_t piece = cur && cur->off - off < n ? (uint32_t)(cur->off - off) : n;
		struct reasm_blk *b = prev;
		if (!b || b->off + b->len != off || b->len == REASM_BLK_DATA) {
			b = reasm_dir_link(d, pool, prev, cur, off, ts_ns, frame, &rc);
			if (!b)
				break;
		}
		uint32_t k = REASM_BLK_DATA - b->len;
		if (k > piece)
			k = piece;
		memcpy(b->data + b->len, p, k);
		b->len += k;
		p += k;
		off += k;
		n -= k;
		added += k;
		prev = b;
	}
	d->held += added;
	if (added) {
		pool->st.held_segs++;
		pool->st.held_bytes += added;
	}
	return rc;
}

uint64_t reasm_dir_skip_hole(struct reasm_dir *d, struct reasm_pool *pool, uint64_t limit, enum reasm_why why)
{
	uint64_t to = d->head ? d->head->off : UINT64_MAX;
	if (limit < to)
		to = limit;
	if (to == UINT64_MAX || to <= d->next)
		return 0;
	uint64_t n = to - d->next;
	d->next = to;
	d->missed += n;
	pool->st.gap_bytes += n;
	if (why == REASM_WHY_CAP)
		pool->st.gaps_cap++;
	else if (why == REASM_WHY_LATER)
		pool->st.gaps_later++;
	else if (why == REASM_WHY_ACKED)
		pool->st.gaps_acked++;
	else
		pool->st.gaps_end++;
	return n;
}

void reasm_dir_drop(struct reasm_dir *d, struct reasm_pool *pool)
{
	while (d->head)
		reasm_dir_pop(d, pool);
	d->later = 0;
}

int reasm_dir_check(const struct reasm_dir *d)
{
	uint64_t held = 0, end = 0;
	uint32_t n = 0;
	const struct reasm_blk *last = NULL;
	for (const struct reasm_blk *b = d->head; b; b = b->next) {
		if (b->len == 0 || b->len > REASM_BLK_DATA || (last && b->off < end) || ++n > d->nblk)
			return -1;
		end = b->off + b->len;
		held += b->len;
		last = b;
	}
	if (last != d->tail || n != d->nblk || held != d->held || (d->head && d->head->off + d->head->len <= d->next) ||
	    (!d->head && d->later))
		return -1;
	return 0;
}
