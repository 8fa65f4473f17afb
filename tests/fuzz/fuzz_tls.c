/* fuzz_tls.c: libFuzzer target for the TLS dissector (src/proto/tls.c, src/proto/tlshello.c),
 * parse() called directly with a synthesized context, as the flow layer calls it.
 *
 * Input layout: a sequence of segments, each
 *   byte 0      direction (bit 0) and "gap before" (bit 1: skip() is called with byte 1)
 *   bytes 1..2  big-endian segment length (cut to what is left)
 *   then the segment bytes.
 * Each direction keeps its unconsumed tail (capped) and presents it again with the next
 * segment. Checked: consumed never exceeds the slice, OK always consumes, Info and fields stay
 * within their buffers; records are serialised by walking every value. The hello parser and the
 * fingerprints also run on the raw input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "proto/proto.h"
#include "proto/tlshello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_TAIL_CAP 32768

struct fuzz_tls {
	_Alignas(16) unsigned char st[2][4096];
	uint8_t tail[2][FUZZ_TAIL_CAP];
	uint32_t tlen[2];
	struct proto_pkt pkt;
	size_t sink;
};

static void fuzz_emit(void *arg, const struct proto_rec *r)
{
	struct fuzz_tls *f = arg;
	FUZZ_CHECK(r->n <= PROTO_REC_MAX);
	for (uint16_t i = 0; i < r->n; i++)
		if (r->kv[i].type == PV_STR || r->kv[i].type == PV_HEXSTR)
			for (uint32_t k = 0; k < r->kv[i].len; k++)
				f->sink += r->kv[i].v.p[k]; /* ASan sees a read out of bounds */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_tls f;
	static const uint8_t a[4] = { 192, 0, 2, 1 }, b[4] = { 192, 0, 2, 2 };
	const struct proto_desc *pd = proto_find("tls");
	if (!pd)
		return 0;
	uint8_t idx = 0;
	for (size_t i = 0; i < proto_count(); i++)
		if (proto_get(i) == pd)
			idx = (uint8_t)i;

	/* the hello parser on the raw bytes, both roles */
	for (int client = 0; client < 2; client++) {
		struct tls_hello h;
		char s[2048], md5[33], ja4[40];
		(void)tls_hello_parse((struct slice){ data, (uint32_t)size }, client, &h);
		FUZZ_CHECK(h.ncs <= TLS_HELLO_MAX_CS && h.next <= TLS_HELLO_MAX_EXT && h.nalpn <= TLS_HELLO_MAX_ALPN);
		tls_ja3(&h, client, s, sizeof s, md5);
		FUZZ_CHECK(strlen(md5) == 32);
		tls_ja4(&h, 't', ja4);
		FUZZ_CHECK(strlen(ja4) == 36);
	}

	memset(f.st, 0, sizeof f.st);
	f.tlen[0] = f.tlen[1] = 0;
	struct proto_env env = { fuzz_emit, NULL, &f };
	for (int d = 0; d < 2; d++)
		pd->init(f.st[d], (uint8_t)d);
	size_t pos = 0;
	uint64_t frame = 0;
	while (pos + 3 <= size) {
		uint8_t flags = data[pos];
		uint32_t n = (uint32_t)data[pos + 1] << 8 | data[pos + 2];
		pos += 3;
		if (n > size - pos)
			n = (uint32_t)(size - pos);
		int dir = flags & 1;
		frame++;
		memset(&f.pkt, 0, offsetof(struct proto_pkt, fv));
		struct proto_ctx ctx = { .state = f.st[dir], .peer = f.st[!dir], .out = &f.pkt, .env = &env,
					 .frame = frame, .alen = 4, .src = dir ? b : a, .dst = dir ? a : b,
					 .proto_idx = idx };
		if (flags & 2) {
			if (pd->skip(&ctx, (uint8_t)dir, data[pos - 2]) < 0) {
				pd->fini(f.st[dir]);
				memset(f.st[dir], 0, sizeof f.st[dir]);
				pd->init(f.st[dir], (uint8_t)dir);
				f.tlen[dir] = 0;
			}
		}
		if (f.tlen[dir] + n > FUZZ_TAIL_CAP)
			f.tlen[dir] = 0;
		memcpy(f.tail[dir] + f.tlen[dir], data + pos, n);
		pos += n;
		uint32_t len = f.tlen[dir] + n, off = 0;
		for (int guard = 0; off < len && guard < 100000; guard++) {
			struct proto_res r = pd->parse(&ctx, (uint8_t)dir, (struct slice){ f.tail[dir] + off, len - off });
			FUZZ_CHECK(r.consumed <= len - off);
			FUZZ_CHECK(r.status != PROTO_OK || r.consumed > 0);
			if (r.status == PROTO_ERR)
				break;
			off += r.consumed;
			if (r.status == PROTO_NEED_MORE)
				break;
		}
		FUZZ_CHECK(f.pkt.info_len < PROTO_INFO_MAX && f.pkt.nfv <= PROTO_FV_MAX);
		for (uint16_t i = 0; i < f.pkt.nfv; i++)
			if (f.pkt.fv[i].type == PF_STR || f.pkt.fv[i].type == PF_BYTES)
				for (uint32_t k = 0; k < f.pkt.fv[i].len; k++)
					f.sink += f.pkt.fv[i].v.p[k];
		memmove(f.tail[dir], f.tail[dir] + off, len - off);
		f.tlen[dir] = len - off;
	}
	struct proto_ctx end = { .state = f.st[0], .peer = f.st[1], .env = &env, .proto_idx = idx };
	pd->on_flow_end(&end);
	for (int d = 0; d < 2; d++)
		pd->fini(f.st[d]);
	return 0;
}
