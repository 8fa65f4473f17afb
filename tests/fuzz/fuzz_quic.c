/* fuzz_quic.c: libFuzzer target for the QUIC dissector (src/proto/quic.c), called directly with
 * a synthesized context, columns, fields and records all switched on.
 *
 * Input layout: datagrams, each a u16 (big-endian) whose top bit is the direction (set: from
 * the responder) and whose low 15 bits are the length, then its bytes; a short last datagram
 * takes what is left. The flow ends after the last one (on_flow_end, then fini), so the record
 * path and the freeing of the CRYPTO buffer run every time. Every value a record, a field or
 * the Info column holds is read back, so a pointer that outlived its bytes shows under ASan. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "proto/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_DGRAMS 64

static volatile unsigned fuzz_sink;

static void fuzz_touch(const uint8_t *p, uint32_t n)
{
	unsigned s = 0;
	for (uint32_t i = 0; i < n; i++)
		s += p[i];
	fuzz_sink += s;
}

static void fuzz_emit(void *arg, const struct proto_rec *r)
{
	(void)arg;
	FUZZ_CHECK(r->n <= PROTO_REC_MAX);
	for (uint16_t i = 0; i < r->n; i++)
		if (r->kv[i].type == PV_STR || r->kv[i].type == PV_ADDR || r->kv[i].type == PV_HEXSTR)
			fuzz_touch(r->kv[i].v.p, r->kv[i].len);
}

static void fuzz_check_pkt(const struct proto_pkt *o)
{
	FUZZ_CHECK(o->info_len < PROTO_INFO_MAX);
	FUZZ_CHECK(o->nfv <= PROTO_FV_MAX);
	fuzz_touch((const uint8_t *)o->info, o->info_len);
	for (uint16_t i = 0; i < o->nfv; i++)
		if (o->fv[i].type == PF_STR || o->fv[i].type == PF_BYTES)
			fuzz_touch(o->fv[i].v.p, o->fv[i].len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static _Alignas(16) unsigned char st[2][4096];
	static struct proto_pkt out;
	static const uint8_t addr[2][4] = { { 192, 0, 2, 1 }, { 192, 0, 2, 2 } };
	const struct proto_desc *pd = proto_find("quic");
	if (!pd)
		return 0;
	FUZZ_CHECK(pd->state_size <= sizeof st[0]);
	memset(st, 0, sizeof st);
	pd->init(st[0], 0);
	pd->init(st[1], 1);
	struct proto_env env = { fuzz_emit, NULL, NULL };
	if (size)
		(void)pd->probe(PROTO_L4_UDP, (struct slice){ data, (uint32_t)size });
	size_t off = 0;
	for (int n = 0; n < FUZZ_MAX_DGRAMS && off + 2 <= size; n++) {
		uint16_t h = (uint16_t)(data[off] << 8 | data[off + 1]);
		off += 2;
		uint32_t len = h & 0x7fff;
		if (len > size - off)
			len = (uint32_t)(size - off);
		uint8_t dir = h >> 15;
		/* an exact-size copy, so ASan sees any read past the datagram */
		uint8_t *dg = malloc(len ? len : 1);
		if (!dg)
			break;
		memcpy(dg, data + off, len);
		off += len;
		memset(&out, 0, sizeof out);
		struct proto_ctx ctx = { .state = st[dir], .peer = st[!dir], .out = &out, .env = &env,
					 .l4 = PROTO_L4_UDP, .alen = 4, .src = addr[dir], .dst = addr[!dir],
					 .is_orig = (uint8_t)!dir, .frame = (uint64_t)n + 1 };
		struct proto_res r = pd->parse(&ctx, dir, (struct slice){ dg, len });
		FUZZ_CHECK(r.status != PROTO_OK || r.consumed == len);
		fuzz_check_pkt(&out);
		free(dg);
	}
	struct proto_ctx end = { .state = st[0], .peer = st[1], .env = &env, .l4 = PROTO_L4_UDP, .alen = 4,
				 .src = addr[0], .dst = addr[1] };
	pd->on_flow_end(&end);
	pd->fini(st[0]);
	pd->fini(st[1]);
	return 0;
}
