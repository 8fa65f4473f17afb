/* fuzz_http.c: libFuzzer target for the HTTP dissector (src/proto/http.c) called directly, both
 * directions, with columns, fields and records switched on.
 *
 * Input layout: segments, each  u8 flags (bit 0: direction; bit 1: a gap of `len` bytes
 * instead of data; bit 2: the segment carries the sender's FIN, given to close() after its
 * data), u16 big-endian length, then the bytes (a short last segment takes what is left). Each direction keeps the unconsumed tail and presents it again with the next segment,
 * as src/flow/pdu.c does; at the end the flow ends (on_flow_end) and the state is released. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "proto/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_TAIL_MAX 65536

static volatile uint64_t fuzz_sink;

/* Reads every byte a record points at, so ASan sees dangling or short slices. */
static void fuzz_emit(void *arg, const struct proto_rec *r)
{
	(void)arg;
	for (uint16_t i = 0; i < r->n; i++) {
		const struct proto_kv *kv = &r->kv[i];
		if (kv->type == PV_STR || kv->type == PV_HEXSTR || kv->type == PV_ADDR)
			for (uint32_t k = 0; k < kv->len; k++)
				fuzz_sink += kv->v.p[k];
	}
}

static void fuzz_obj(void *arg, struct proto_obj *o, int what, struct slice d)
{
	(void)arg;
	(void)o;
	(void)what;
	for (uint32_t k = 0; k < d.len; k++)
		fuzz_sink += d.p[k];
}

static const struct proto_env fuzz_env = { fuzz_emit, fuzz_obj, NULL };

struct fuzz_dir {
	uint8_t tail[FUZZ_TAIL_MAX];
	uint32_t tlen;
	int dead;
};

static void fuzz_check_pkt(const struct proto_pkt *o)
{
	FUZZ_CHECK(o->info_len < sizeof o->info);
	FUZZ_CHECK(o->nfv <= PROTO_FV_MAX);
	for (uint16_t i = 0; i < o->nfv; i++)
		if (o->fv[i].type == PF_STR)
			for (uint32_t k = 0; k < o->fv[i].len; k++)
				fuzz_sink += o->fv[i].v.p[k];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static _Alignas(16) unsigned char st[2][4096];
	static struct fuzz_dir dirs[2];
	static struct proto_pkt pkt;
	static const uint8_t addr[2][4] = { { 10, 0, 0, 1 }, { 10, 0, 0, 2 } };
	const struct proto_desc *pd = proto_find("http");
	FUZZ_CHECK(pd && pd->state_size <= sizeof st[0]);
	memset(st, 0, sizeof st);
	for (int i = 0; i < 2; i++) {
		dirs[i].tlen = 0;
		dirs[i].dead = 0;
		if (pd->init)
			pd->init(st[i], (uint8_t)i);
	}
	size_t pos = 0;
	uint64_t frame = 0;
	while (pos < size) {
		uint8_t flags = data[pos++];
		uint32_t len = 0;
		if (pos + 2 <= size)
			len = (uint32_t)data[pos] << 8 | data[pos + 1];
		pos += 2;
		if (pos > size)
			break;
		if (len > size - pos)
			len = (uint32_t)(size - pos);
		uint8_t dir = flags & 1;
		struct fuzz_dir *d = &dirs[dir];
		struct proto_ctx ctx;
		memset(&ctx, 0, sizeof ctx);
		ctx.state = st[dir];
		ctx.peer = st[!dir];
		ctx.alen = 4;
		ctx.src = addr[dir];
		ctx.dst = addr[!dir];
		ctx.is_orig = dir == 0;
		ctx.frame = ++frame;
		ctx.out = &pkt;
		ctx.env = &fuzz_env;
		memset(&pkt, 0, offsetof(struct proto_pkt, fv));
		if (flags & 2) { /* a gap */
			if (d->dead)
				continue;
			if (d->tlen || !pd->skip || pd->skip(&ctx, dir, len ? len : 1) < 0) {
				if (pd->fini)
					pd->fini(st[dir]);
				memset(st[dir], 0, pd->state_size);
				if (pd->init)
					pd->init(st[dir], dir);
				d->tlen = 0;
			}
			continue;
		}
		const uint8_t *seg = data + pos;
		pos += len;
		if (d->dead)
			continue;
		if (!len) {
			if ((flags & 4) && !d->tlen && pd->close) {
				pd->close(&ctx, dir);
				fuzz_check_pkt(&pkt);
			}
			continue;
		}
		if (d->tlen + len > sizeof d->tail) {
			d->dead = 1;
			continue;
		}
		memcpy(d->tail + d->tlen, seg, len);
		uint32_t n = d->tlen + len, off = 0;
		for (uint32_t guard = 0; off < n && guard < 4096; guard++) {
			struct slice s = { d->tail + off, n - off };
			struct proto_res r = pd->parse(&ctx, dir, s);
			FUZZ_CHECK(r.consumed <= s.len);
			if (r.status == PROTO_ERR) {
				d->dead = 1;
				break;
			}
			FUZZ_CHECK(r.status != PROTO_OK || r.consumed > 0);
			off += r.consumed;
			if (r.status == PROTO_NEED_MORE)
				break;
		}
		fuzz_check_pkt(&pkt);
		if (ctx.info == PROTO_INFO_LINE)
			for (uint32_t k = 0; k < ctx.info_line.len; k++)
				fuzz_sink += ctx.info_line.p[k];
		memmove(d->tail, d->tail + off, n - off);
		d->tlen = n - off;
		if ((flags & 4) && !d->dead && !d->tlen && pd->close) {
			memset(&pkt, 0, offsetof(struct proto_pkt, fv));
			pd->close(&ctx, dir);
			fuzz_check_pkt(&pkt);
		}
	}
	struct proto_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	ctx.state = st[0];
	ctx.peer = st[1];
	ctx.env = &fuzz_env;
	if (pd->on_flow_end)
		pd->on_flow_end(&ctx);
	for (int i = 0; i < 2; i++)
		if (pd->fini)
			pd->fini(st[i]);
	return 0;
}
