/* proto_feed.h: helpers shared by the dissector unit tests (TAP-style output): a small stream
 * driver with the same contract as src/flow/pdu.c (keeps the unconsumed tail, presents it again
 * followed by new bytes) that records where PDUs end. */
#ifndef SLEUTH_TESTS_PROTO_FEED_H
#define SLEUTH_TESTS_PROTO_FEED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"

#include "tap.h"

#define FEED_MAX_ENDS 64

struct feed {
	const struct proto_desc *pd;
	unsigned char state[2][4096];
	uint8_t tail[65536];
	uint32_t tlen;
	uint32_t pos;          /* stream bytes given so far */
	uint32_t ends[FEED_MAX_ENDS];
	uint32_t nends;
	int err;
	uint8_t info;
	uint32_t last_needed;
};

static void feed_init(struct feed *f, const struct proto_desc *pd)
{
	if (f->pd && f->pd->fini)
		for (int i = 0; i < 2; i++)
			f->pd->fini(f->state[i]);
	memset(f, 0, sizeof *f);
	f->pd = pd;
	for (int i = 0; i < 2; i++)
		if (pd->init)
			pd->init(f->state[i], (uint8_t)i);
}

/* Gives `n` more stream bytes in direction 0; records PDU ends as stream offsets. */
static void feed_bytes(struct feed *f, const uint8_t *p, uint32_t n)
{
	if (f->err || f->tlen + n > sizeof f->tail) {
		f->err = 1;
		return;
	}
	memcpy(f->tail + f->tlen, p, n);
	uint32_t len = f->tlen + n, off = 0;
	uint32_t base = f->pos - f->tlen; /* stream offset of tail[0] */
	f->pos += n;
	while (off < len) {
		struct proto_ctx ctx = { .state = f->state[0], .peer = f->state[1] };
		struct slice s = { f->tail + off, len - off };
		struct proto_res r = f->pd->parse(&ctx, 0, s);
		f->info = ctx.info;
		if (r.status == PROTO_ERR || r.consumed > s.len || (r.status == PROTO_OK && !r.consumed)) {
			f->err = 1;
			return;
		}
		off += r.consumed;
		if (r.status == PROTO_OK) {
			if (f->nends < FEED_MAX_ENDS)
				f->ends[f->nends++] = base + off;
			continue;
		}
		f->last_needed = r.needed;
		break;
	}
	memmove(f->tail, f->tail + off, len - off);
	f->tlen = len - off;
}

/* Feeds `msg` in pieces of `step` bytes and checks the PDU ends. */
static int feed_check(const struct proto_desc *pd, const uint8_t *msg, uint32_t n, uint32_t step,
		      const uint32_t *ends, uint32_t nends)
{
	static struct feed f;
	feed_init(&f, pd);
	for (uint32_t i = 0; i < n; i += step)
		feed_bytes(&f, msg + i, n - i < step ? n - i : step);
	if (f.err || f.nends != nends) {
		printf("# step %u: err %d, %u PDU ends, want %u\n", step, f.err, f.nends, nends);
		return 0;
	}
	for (uint32_t i = 0; i < nends; i++)
		if (f.ends[i] != ends[i]) {
			printf("# step %u: PDU %u ends at %u, want %u\n", step, i, f.ends[i], ends[i]);
			return 0;
		}
	return 1;
}

/* Every truncated prefix of the first PDU, given alone to a fresh state, must ask for more
 * (and never claim a PDU); the whole PDU must give OK with consumed == its length. */
static int feed_prefixes(const struct proto_desc *pd, const uint8_t *msg, uint32_t pdu_len)
{
	static unsigned char st[2][4096];
	for (uint32_t k = 0; k <= pdu_len; k++) {
		if (pd->fini)
			for (int i = 0; i < 2; i++)
				pd->fini(st[i]);
		memset(st, 0, sizeof st);
		struct proto_ctx ctx = { .state = st[0], .peer = st[1] };
		struct slice s = { msg, k };
		if (!k)
			continue;
		struct proto_res r = pd->parse(&ctx, 0, s);
		if (k < pdu_len && r.status != PROTO_NEED_MORE) {
			printf("# prefix %u of %u: status %u\n", k, pdu_len, r.status);
			return 0;
		}
		if (k == pdu_len && !(r.status == PROTO_OK && r.consumed == pdu_len)) {
			printf("# whole PDU %u: status %u consumed %u\n", pdu_len, r.status, r.consumed);
			return 0;
		}
	}
	if (pd->fini)
		for (int i = 0; i < 2; i++)
			pd->fini(st[i]);
	return 1;
}

/* All steps from byte-at-a-time to whole. */
static int feed_all_steps(const struct proto_desc *pd, const uint8_t *msg, uint32_t n, const uint32_t *ends,
			  uint32_t nends)
{
	for (uint32_t step = 1; step <= n; step++)
		if (!feed_check(pd, msg, n, step, ends, nends))
			return 0;
	return 1;
}

#endif
