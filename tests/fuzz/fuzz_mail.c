/* fuzz_mail.c: libFuzzer target for the mail dissectors (src/proto/smtp.c, pop.c, imap.c and
 * the MIME parser of mail.c), called directly with a synthesized context, records and objects on.
 *
 * Input layout:
 *   byte 0        dissector: 0 smtp, 1 pop, 2 imap (modulo 3)
 *   then chunks:  u8 flags (bit 0: direction, 0 = client to server), u16 big-endian length, data
 * A short last chunk takes what is left. Each direction keeps the unconsumed tail and presents
 * it again followed by the next chunk (the stream contract of proto.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "proto/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_TAIL_MAX 32768

static void fuzz_emit(void *arg, const struct proto_rec *r)
{
	size_t *n = arg;
	FUZZ_CHECK(r->kind && r->n <= PROTO_REC_MAX);
	for (uint16_t i = 0; i < r->n; i++)
		if (r->kv[i].type == PV_STR || r->kv[i].type == PV_HEXSTR)
			for (uint32_t k = 0; k < r->kv[i].len; k++)
				*n += r->kv[i].v.p[k]; /* touch every byte: ASan checks the slices */
}

static void fuzz_obj(void *arg, struct proto_obj *o, int what, struct slice d)
{
	size_t *n = arg;
	FUZZ_CHECK(what >= 0 && what <= 2);
	FUZZ_CHECK(o->open);
	for (uint32_t k = 0; k < d.len; k++)
		*n += d.p[k];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[3] = { "smtp", "pop", "imap" };
	static const uint16_t ports[3] = { 25, 110, 143 };
	static _Alignas(16) unsigned char st[2][4096];
	static uint8_t tail[2][FUZZ_TAIL_MAX + 65536];
	static struct proto_pkt out;
	uint32_t tlen[2] = { 0, 0 };
	size_t sum = 0;
	if (size < 1)
		return 0;
	const struct proto_desc *pd = proto_find(names[data[0] % 3]);
	FUZZ_CHECK(pd && pd->state_size <= sizeof st[0]);
	uint16_t port = ports[data[0] % 3];
	struct proto_env env = { fuzz_emit, fuzz_obj, &sum };
	memset(st, 0, sizeof st);
	for (int i = 0; i < 2; i++)
		if (pd->init)
			pd->init(st[i], (uint8_t)i);
	size_t pos = 1;
	uint64_t frame = 0;
	while (pos < size) {
		int dir = data[pos] & 1;
		size_t n = pos + 3 <= size ? (size_t)(data[pos + 1] << 8 | data[pos + 2]) : 0;
		pos += 3;
		if (pos > size)
			break;
		if (n > size - pos)
			n = size - pos;
		if (tlen[dir] > FUZZ_TAIL_MAX)
			break; /* the flow layer caps tails the same way */
		memcpy(tail[dir] + tlen[dir], data + pos, n);
		pos += n;
		uint32_t len = tlen[dir] + (uint32_t)n, off = 0;
		memset(&out, 0, sizeof out);
		frame++;
		for (int guard = 0; off < len; guard++) {
			FUZZ_CHECK(guard < 100000);
			struct proto_ctx ctx = { .state = st[dir], .peer = st[!dir], .l4 = PROTO_L4_TCP,
						 .sport = dir ? port : 40000, .dport = dir ? 40000 : port,
						 .is_orig = dir == 0, .frame = frame, .out = &out, .env = &env };
			struct proto_res r = pd->parse(&ctx, (uint8_t)dir, (struct slice){ tail[dir] + off, len - off });
			FUZZ_CHECK(r.status <= PROTO_ERR);
			FUZZ_CHECK(r.consumed <= len - off);
			FUZZ_CHECK(r.status != PROTO_OK || r.consumed > 0);
			FUZZ_CHECK(out.info_len < sizeof out.info && out.nfv <= PROTO_FV_MAX);
			if (r.status == PROTO_ERR)
				return 0;
			off += r.consumed;
			if (r.status == PROTO_NEED_MORE)
				break;
		}
		memmove(tail[dir], tail[dir] + off, len - off);
		tlen[dir] = len - off;
	}
	struct proto_ctx end = { .state = st[0], .peer = st[1], .l4 = PROTO_L4_TCP, .env = &env };
	if (pd->on_flow_end)
		pd->on_flow_end(&end);
	for (int i = 0; i < 2; i++)
		if (pd->fini)
			pd->fini(st[i]);
	static volatile size_t sink;
	sink = sum; /* keeps the byte reads */
	return 0;
}
