/* test_reasm.c: unit test of the out-of-order store of TCP reassembly (flow/reasm.c): segments
 * in and out of order, overlaps where the first copy must win, a differential run against a
 * byte-array model over random segments (any order, duplicates, corrupted later copies,
 * sequence numbers around the 32-bit wrap), the direction and pool caps, offsets past 4 GiB,
 * and hostile patterns (tiny segments in reverse order, far-ahead segments). TAP-style output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/reasm.h"

#include "tap.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static struct reasm_pool *pool_new(uint64_t cap, uint32_t dir_cap)
{
	struct reasm_pool *pool = NULL;
	struct errbuf e;
	if (reasm_pool_new(&pool, cap, dir_cap, &e) < 0) {
		printf("# reasm_pool_new: %s\n", e.msg);
		exit(1);
	}
	return pool;
}

static void dir_init(struct reasm_dir *d, uint32_t isn)
{
	memset(d, 0, sizeof *d);
	reasm_dir_start(d, isn);
}

/* What the consumer received, in order. */
struct sink {
	uint8_t *buf;
	uint64_t len, cap;
	uint32_t chunks, held_chunks;
};

static void sink_put(struct sink *s, struct slice d)
{
	if (s->len + d.len > s->cap) {
		s->cap = (s->len + d.len) * 2 + 4096;
		s->buf = realloc(s->buf, s->cap);
		if (!s->buf)
			exit(1);
	}
	memcpy(s->buf + s->len, d.p, d.len);
	s->len += d.len;
}

/* One segment as the flow layer handles it: what is owed goes out, the rest is held. Returns
 * reasm_dir_hold's result. */
static int seg_in(struct reasm_dir *d, struct reasm_pool *pool, uint32_t seq, const uint8_t *p, uint32_t n,
		  struct sink *s)
{
	int64_t so = reasm_dir_offset(d, seq);
	if (so < 0) {
		if ((uint64_t)-so >= n)
			return 0;
		p += (uint32_t)-so;
		n -= (uint32_t)-so;
		so = 0;
	}
	struct reasm_chunk c;
	while (reasm_dir_next(d, (uint64_t)so, p, n, 0, 0, &c)) {
		if (s)
			sink_put(s, c.data);
		if (s) {
			s->chunks++;
			s->held_chunks += c.held;
		}
		reasm_dir_advance(d, pool, c.data.len);
	}
	return reasm_dir_hold(d, pool, (uint64_t)so, p, n, 0, 0);
}

/* Gives up every hole left, delivering what follows each. */
static void dir_finish(struct reasm_dir *d, struct reasm_pool *pool, struct sink *s)
{
	struct reasm_chunk c;
	do {
		while (reasm_dir_next(d, 0, NULL, 0, 0, 0, &c)) {
			sink_put(s, c.data);
			reasm_dir_advance(d, pool, c.data.len);
		}
	} while (reasm_dir_skip_hole(d, pool, UINT64_MAX, REASM_WHY_END));
}

static void test_in_order_and_reordered(void)
{
	struct reasm_pool *pool = pool_new(1 << 20, 1 << 16);
	struct reasm_dir d;
	dir_init(&d, 1000);
	struct sink s = { 0 };
	const uint8_t *a = (const uint8_t *)"abcdefghij", *b = (const uint8_t *)"KLMNOPQRST", *c = (const uint8_t *)"uvwxyz";
	int ok = seg_in(&d, pool, 1000, a, 10, &s) == 0 && s.len == 10 && d.nblk == 0 && s.held_chunks == 0;
	test_reportf(ok, "in-order segment goes straight through (no copy): %llu bytes, %u blocks",
		     (unsigned long long)s.len, d.nblk);
	ok = seg_in(&d, pool, 1020, c, 6, &s) == 0 && s.len == 10 && d.nblk == 1 && d.held == 6;
	test_reportf(ok, "segment past a hole is held: %llu delivered, %llu held", (unsigned long long)s.len,
		     (unsigned long long)d.held);
	ok = seg_in(&d, pool, 1010, b, 10, &s) == 0 && s.len == 26 && !memcmp(s.buf, "abcdefghijKLMNOPQRSTuvwxyz", 26) &&
	     d.nblk == 0 && d.held == 0 && d.next == 26 && d.later == 0;
	test_reportf(ok, "the late segment fills the hole: the held bytes follow it (%.*s)", (int)s.len, s.buf);
	ok = seg_in(&d, pool, 1005, b, 10, &s) == 0 && s.len == 26;
	test_report_result(ok, "a retransmission of delivered bytes changes nothing");
	struct reasm_stats st;
	reasm_pool_stats(pool, &st);
	test_reportf(st.held_segs == 1 && st.held_bytes == 6 && st.out_bytes == 6 && st.peak_bytes == REASM_BLK_SIZE,
		     "pool counters: %llu segment held, %llu bytes in, %llu out, peak %llu", (unsigned long long)st.held_segs,
		     (unsigned long long)st.held_bytes, (unsigned long long)st.out_bytes, (unsigned long long)st.peak_bytes);
	free(s.buf);
	reasm_dir_drop(&d, pool);
	reasm_pool_free(pool);
}

static void test_first_copy_wins(void)
{
	struct reasm_pool *pool = pool_new(1 << 20, 1 << 16);
	struct reasm_dir d;
	dir_init(&d, 0);
	struct sink s = { 0 };
	uint8_t A[100], B[300], C[50];
	memset(A, 'A', sizeof A);
	memset(B, 'B', sizeof B);
	memset(C, 'C', sizeof C);
	seg_in(&d, pool, 100, A, 100, &s);   /* held: [100,200) A */
	seg_in(&d, pool, 250, C, 50, &s);    /* held: [250,300) C */
	seg_in(&d, pool, 150, B, 150, &s);   /* only [200,250) is new: B */
	int ok = s.len == 0 && d.held == 200;
	seg_in(&d, pool, 0, B, 300, &s);     /* fills [0,100) with B; the rest is held already */
	char want[300];
	memset(want, 'B', 100);
	memset(want + 100, 'A', 100);
	memset(want + 200, 'B', 50);
	memset(want + 250, 'C', 50);
	ok = ok && s.len == 300 && !memcmp(s.buf, want, 300) && d.nblk == 0;
	test_reportf(ok, "overlapping copies: the first one held wins byte by byte (%llu bytes)", (unsigned long long)s.len);
	free(s.buf);
	reasm_dir_drop(&d, pool);
	reasm_pool_free(pool);
}

/* Differential run: random segments of a 64 KiB stream (any order, duplicates, later copies
 * corrupted) against a model that keeps, per byte, the first copy seen after it was owed. */
static int diff_run(uint32_t base, uint32_t nseg, int allow_lost)
{
	enum { N = 65536 };
	static uint8_t truth[N], val[N], have[N];
	for (uint32_t i = 0; i < N; i++)
		truth[i] = (uint8_t)rng();
	memset(have, 0, sizeof have);
	struct reasm_pool *pool = pool_new(64u << 20, 16u << 20);
	struct reasm_dir d;
	dir_init(&d, base);
	struct sink s = { 0 };
	uint64_t mnext = 0;
	static uint8_t seg[4096];
	int ok = 1;
	for (uint32_t k = 0; k < nseg && ok; k++) {
		/* mostly near the next expected byte, sometimes anywhere, sometimes behind */
		int64_t at = (int64_t)mnext + (int64_t)(rng() % 6000) - 1500;
		if (rng() % 8 == 0)
			at = rng() % N;
		if (at < -200)
			at = -200;
		if (at >= N)
			at = N - 1;
		uint32_t n = 1 + rng() % 3000;
		if (at + n > N)
			n = (uint32_t)(N - at);
		if (allow_lost && at <= (int64_t)mnext && at + n > (int64_t)mnext && rng() % 4 == 0)
			continue; /* the segment that would fill the hole is lost */
		int corrupt = rng() % 3 == 0;
		for (uint32_t i = 0; i < n; i++) {
			int64_t pos = at + i;
			uint8_t v = pos >= 0 ? truth[pos] : 0x55;
			seg[i] = corrupt ? (uint8_t)(v ^ 0xa5) : v;
			if (pos >= (int64_t)mnext && !have[pos]) {
				have[pos] = 1;
				val[pos] = seg[i];
			}
		}
		while (mnext < N && have[mnext])
			mnext++;
		int rc = seg_in(&d, pool, base + (uint32_t)at, seg, n, &s);
		ok = rc == 0 && s.len == mnext && (!mnext || !memcmp(s.buf, val, mnext)) && d.next == mnext;
		ok = ok && reasm_dir_check(&d) == 0; /* sorted, disjoint, after next; counters right */
	}
	/* the end: holes given up, every held byte delivered after its hole */
	uint64_t before = s.len;
	dir_finish(&d, pool, &s);
	uint64_t missed = 0, delivered = 0;
	for (uint64_t i = before; ok && i < N; i++)
		if (have[i])
			delivered++;
	for (uint64_t i = mnext; i < N; i++)
		if (!have[i] && i < d.next)
			missed++;
	ok = ok && s.len == before + delivered && d.missed == missed && d.nblk == 0 && d.held == 0;
	struct reasm_stats st;
	reasm_pool_stats(pool, &st);
	ok = ok && st.out_bytes == st.held_bytes;
	free(s.buf);
	reasm_pool_free(pool);
	return ok;
}

static void test_differential(void)
{
	int ok = 1;
	for (int i = 0; i < 40 && ok; i++)
		ok = diff_run(rng(), 400, 0);
	test_report_result(ok, "random segments (reordered, duplicated, corrupted later copies) match the first-copy model");
	ok = 1;
	for (int i = 0; i < 40 && ok; i++)
		ok = diff_run(0xffffffffu - (rng() % 70000), 400, 0);
	test_report_result(ok, "the same with the stream crossing the 32-bit sequence wrap");
	ok = 1;
	for (int i = 0; i < 40 && ok; i++)
		ok = diff_run(rng(), 300, 1);
	test_report_result(ok, "with lost segments: holes given up at the end, held bytes delivered after them");
}

static void test_caps(void)
{
	/* a direction capped at 4 blocks, the pool at 6 */
	struct reasm_pool *pool = pool_new(6 * REASM_BLK_SIZE, 4 * REASM_BLK_SIZE);
	struct reasm_dir a, b;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	reasm_dir_start(&a, 0);
	reasm_dir_start(&b, 0);
	static uint8_t big[65536];
	memset(big, 'x', sizeof big);
	int rc = seg_in(&a, pool, 10, big, 65536, NULL);
	int ok = rc == REASM_FULL_DIR && a.nblk == 4 && a.held < 4 * REASM_BLK_SIZE && a.held > 3 * REASM_BLK_SIZE;
	test_reportf(ok, "a direction stops at its cap (%u blocks, %llu bytes held)", a.nblk, (unsigned long long)a.held);
	rc = seg_in(&b, pool, 10, big, 65536, NULL);
	ok = rc == REASM_FULL_POOL && b.nblk == 2;
	test_reportf(ok, "the other direction stops at the pool cap (%u blocks)", b.nblk);
	uint64_t before = a.held;
	rc = reasm_dir_hold(&a, pool, 10, big, 65536, 0, 0);
	ok = rc == REASM_FULL_DIR && a.held == before;
	test_report_result(ok, "holding the same bytes again is idempotent at the cap");
	struct sink s = { 0 };
	uint64_t gap = reasm_dir_skip_hole(&a, pool, UINT64_MAX, REASM_WHY_CAP);
	struct reasm_chunk c;
	while (reasm_dir_next(&a, 0, NULL, 0, 0, 0, &c)) {
		sink_put(&s, c.data);
		reasm_dir_advance(&a, pool, c.data.len);
	}
	ok = gap == 10 && a.missed == 10 && s.len == before && a.nblk == 0 && a.next == 10 + before;
	test_reportf(ok, "giving up the hole delivers what was held (%llu-byte gap, %llu bytes)", (unsigned long long)gap,
		     (unsigned long long)s.len);
	rc = reasm_dir_hold(&b, pool, 10, big, 65536, 0, 0);
	ok = rc == REASM_FULL_DIR && b.nblk == 4;
	test_reportf(ok, "the blocks given back serve the other direction (%u blocks now)", b.nblk);
	struct reasm_stats st;
	reasm_pool_stats(pool, &st);
	ok = st.cap_dir == 3 && st.cap_pool == 1 && st.gaps_cap == 1 && st.gap_bytes == 10 &&
	     st.peak_bytes == 6 * REASM_BLK_SIZE;
	test_reportf(ok, "cap counters: %llu direction, %llu pool, %llu holes given up, peak %llu bytes",
		     (unsigned long long)st.cap_dir, (unsigned long long)st.cap_pool, (unsigned long long)st.gaps_cap,
		     (unsigned long long)st.peak_bytes);
	reasm_dir_drop(&a, pool);
	reasm_dir_drop(&b, pool);
	ok = a.head == NULL && b.head == NULL && a.held == 0 && b.held == 0 && b.next == 0;
	test_report_result(ok, "dropping a direction gives every block back");
	free(s.buf);
	reasm_pool_free(pool);
}

static void test_skip_limit(void)
{
	struct reasm_pool *pool = pool_new(1 << 20, 1 << 16);
	struct reasm_dir d;
	dir_init(&d, 0);
	uint8_t x[10] = { 0 };
	seg_in(&d, pool, 100, x, 10, NULL);
	uint64_t n = reasm_dir_skip_hole(&d, pool, 40, REASM_WHY_CAP);
	int ok = n == 40 && d.next == 40 && d.nblk == 1;
	n = reasm_dir_skip_hole(&d, pool, UINT64_MAX, REASM_WHY_LATER);
	ok = ok && n == 60 && d.next == 100 && d.missed == 100;
	n = reasm_dir_skip_hole(&d, pool, UINT64_MAX, REASM_WHY_END);
	ok = ok && n == 0 && d.next == 100;
	test_report_result(ok, "a hole is given up up to a limit, then to the held bytes; none left: nothing moves");
	reasm_dir_drop(&d, pool);
	d.next = 500;
	n = reasm_dir_skip_hole(&d, pool, 700, REASM_WHY_CAP);
	test_report_result(n == 200 && d.next == 700, "nothing held: a hole up to the limit (the current segment)");
	reasm_pool_free(pool);
}

/* A stream past 4 GiB: offsets keep counting while the sequence numbers wrap around. */
static void test_past_4gib(void)
{
	struct reasm_pool *pool = pool_new(1 << 20, 1 << 16);
	struct reasm_dir d;
	memset(&d, 0, sizeof d);
	uint32_t isn = 0x7fff0000u;
	reasm_dir_start(&d, isn);
	static uint8_t seg[65535];
	uint64_t total = 0;
	int ok = 1;
	uint32_t seq = isn;
	while (total < (9ull << 29) && ok) { /* 4.5 GiB in order */
		struct reasm_chunk c;
		int64_t off = reasm_dir_offset(&d, seq);
		ok = off == (int64_t)total && reasm_dir_next(&d, (uint64_t)off, seg, sizeof seg, 0, 0, &c) &&
		     c.data.len == sizeof seg && !c.held;
		reasm_dir_advance(&d, pool, c.data.len);
		seq += sizeof seg;
		total += sizeof seg;
	}
	test_reportf(ok && d.next == total && total > (1ull << 32), "4.5 GiB in order: offset %llu",
		     (unsigned long long)d.next);
	uint8_t one[1000], two[1000];
	memset(one, 1, sizeof one);
	memset(two, 2, sizeof two);
	struct sink s = { 0 };
	int64_t off2 = reasm_dir_offset(&d, seq + 1000);
	ok = off2 == (int64_t)total + 1000 && seg_in(&d, pool, seq + 1000, two, 1000, &s) == 0 && d.head && s.len == 0;
	ok = ok && seg_in(&d, pool, seq, one, 1000, &s) == 0 && s.len == 2000 && s.buf[999] == 1 && s.buf[1000] == 2 &&
	     d.next == total + 2000;
	test_reportf(ok, "reordered past 4 GiB: held at offset %lld, delivered in order", (long long)off2);
	int64_t back = reasm_dir_offset(&d, seq - 5000);
	test_reportf(back == (int64_t)(total - 5000), "a sequence number behind maps behind (%lld)", (long long)back);
	free(s.buf);
	reasm_dir_drop(&d, pool);
	reasm_pool_free(pool);
}

static void test_hostile(void)
{
	struct reasm_pool *pool = pool_new(64u << 20, 1u << 20);
	struct reasm_dir d;
	dir_init(&d, 5);
	/* one-byte segments in reverse order: none can be appended to the block before it */
	uint8_t b = 'z';
	int full = 0;
	uint32_t i;
	for (i = 0; i < 100000 && !full; i++)
		full = seg_in(&d, pool, 5 + 200000 - i, &b, 1, NULL) == REASM_FULL_DIR;
	int ok = full && d.nblk == (1u << 20) / REASM_BLK_SIZE && reasm_dir_check(&d) == 0;
	test_reportf(ok, "one-byte segments in reverse order stop at the direction cap (%u blocks after %u segments)",
		     d.nblk, i);
	reasm_dir_drop(&d, pool);
	/* in order after a hole: blocks are filled, not one per segment */
	reasm_dir_start(&d, 5);
	for (i = 0; i < 10000; i++)
		seg_in(&d, pool, 5 + 10 + i, &b, 1, NULL);
	ok = d.held == 10000 && d.nblk == (10000 + 2011) / 2012 && reasm_dir_check(&d) == 0;
	test_reportf(ok, "one-byte segments in order after a hole share blocks (%u blocks for %llu bytes)", d.nblk,
		     (unsigned long long)d.held);
	reasm_dir_drop(&d, pool);
	/* far ahead (just under 2^31) and far behind */
	reasm_dir_start(&d, 5);
	uint8_t x[100];
	memset(x, 7, sizeof x);
	int64_t far = reasm_dir_offset(&d, 5 + 0x7fffff00u);
	ok = far == 0x7fffff00 && seg_in(&d, pool, 5 + 0x7fffff00u, x, 100, NULL) == 0 && d.nblk == 1;
	int64_t neg = reasm_dir_offset(&d, 5 + 0x80000000u);
	ok = ok && neg < 0 && seg_in(&d, pool, 5 + 0x80000000u, x, 100, NULL) == 0 && d.nblk == 1;
	test_reportf(ok, "a segment 2^31-256 ahead is held; one 2^31 away counts as behind the start (%lld)",
		     (long long)neg);
	reasm_dir_drop(&d, pool);
	struct reasm_stats st;
	reasm_pool_stats(pool, &st);
	test_reportf(st.peak_bytes <= (1u << 20), "peak block memory %llu bytes (direction cap 1 MiB)",
		     (unsigned long long)st.peak_bytes);
	reasm_pool_free(pool);
}

int main(void)
{
	test_in_order_and_reordered();
	test_first_copy_wins();
	test_differential();
	test_caps();
	test_skip_limit();
	test_past_4gib();
	test_hostile();
	printf("1..%d\n", test_num);
	return test_failed ? 1 : 0;
}
