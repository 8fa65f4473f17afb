/* fuzz_reasm.c: libFuzzer target for the out-of-order store of TCP reassembly (src/flow/reasm.c)
 * driven as the flow layer drives it: two directions share a small pool (16 blocks; 8 per
 * direction), so both caps are reached all the time.
 *
 * Input layout: the first 4 bytes are the initial sequence number of both directions, then
 * operations, each  u8 op, u32 big-endian sequence delta, u16 big-endian length, then `length`
 * payload bytes (a short last one takes what is left). op bit 0 picks the direction; bits 1-2:
 * 0 or 1 a segment at initial + delta (bytes owed go out, the rest is held; at a cap the first
 * hole is given up, as pdu.c does), 2 give up the first hole up to initial + delta, 3 drop every
 * held block. After each operation the direction's invariants are checked, and the bytes
 * delivered plus the bytes given up must equal the next offset. At the end every hole is given
 * up and every block must be back in the pool. */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "flow/reasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint64_t fuzz_sink;

struct fuzz_side {
	struct reasm_dir d;
	uint64_t delivered;
};

static void fuzz_drain(struct fuzz_side *s, struct reasm_pool *pool, uint64_t off, const uint8_t *p, uint32_t n)
{
	struct reasm_chunk c;
	while (reasm_dir_next(&s->d, off, p, n, 0, 0, &c)) {
		FUZZ_CHECK(c.data.len > 0);
		for (uint32_t i = 0; i < c.data.len; i++)
			fuzz_sink += c.data.p[i];
		s->delivered += c.data.len;
		reasm_dir_advance(&s->d, pool, c.data.len);
	}
}

static void fuzz_check(const struct fuzz_side *s)
{
	FUZZ_CHECK(reasm_dir_check(&s->d) == 0);
	FUZZ_CHECK(s->delivered + s->d.missed == s->d.next);
	FUZZ_CHECK(s->d.nblk <= 8);
}

static void fuzz_segment(struct fuzz_side *s, struct reasm_pool *pool, uint32_t seq, const uint8_t *p, uint32_t n)
{
	int64_t so = reasm_dir_offset(&s->d, seq);
	if (so < 0) {
		if ((uint64_t)-so >= n)
			return;
		p += (uint32_t)-so;
		n -= (uint32_t)-so;
		so = 0;
	}
	for (int guard = 0; guard < 64; guard++) {
		fuzz_drain(s, pool, (uint64_t)so, p, n);
		if (reasm_dir_hold(&s->d, pool, (uint64_t)so, p, n, 0, 0) == 0)
			return;
		if (!reasm_dir_skip_hole(&s->d, pool, (uint64_t)so, REASM_WHY_CAP))
			return;
	}
	FUZZ_CHECK(0); /* each round gives up a hole: 8 blocks cannot need 64 */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	struct reasm_pool *pool;
	struct errbuf e;
	if (reasm_pool_new(&pool, 16 * REASM_BLK_SIZE, 8 * REASM_BLK_SIZE, &e) < 0)
		return 0;
	uint32_t isn = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
	struct fuzz_side side[2];
	memset(side, 0, sizeof side);
	reasm_dir_start(&side[0].d, isn);
	reasm_dir_start(&side[1].d, isn);
	size_t i = 4;
	while (i + 7 <= size) {
		uint8_t op = data[i];
		uint32_t delta = (uint32_t)data[i + 1] << 24 | (uint32_t)data[i + 2] << 16 | (uint32_t)data[i + 3] << 8 | data[i + 4];
		uint32_t len = (uint32_t)data[i + 5] << 8 | data[i + 6];
		i += 7;
		if (len > size - i)
			len = (uint32_t)(size - i);
		struct fuzz_side *s = &side[op & 1];
		switch ((op >> 1) & 3) {
		case 2: {
			int64_t lim = reasm_dir_offset(&s->d, isn + delta);
			(void)reasm_dir_skip_hole(&s->d, pool, lim < 0 ? 0 : (uint64_t)lim, REASM_WHY_LATER);
			fuzz_drain(s, pool, 0, NULL, 0);
			break;
		}
		case 3:
			reasm_dir_drop(&s->d, pool);
			break;
		default:
			fuzz_segment(s, pool, isn + delta, data + i, len);
			i += len;
			break;
		}
		fuzz_check(s);
	}
	for (int k = 0; k < 2; k++) {
		struct fuzz_side *s = &side[k];
		do
			fuzz_drain(s, pool, 0, NULL, 0);
		while (reasm_dir_skip_hole(&s->d, pool, UINT64_MAX, REASM_WHY_END));
		fuzz_check(s);
		FUZZ_CHECK(s->d.nblk == 0 && s->d.held == 0);
	}
	struct reasm_stats st;
	reasm_pool_stats(pool, &st);
	FUZZ_CHECK(st.peak_bytes <= 16 * REASM_BLK_SIZE);
	reasm_pool_free(pool);
	return 0;
}
