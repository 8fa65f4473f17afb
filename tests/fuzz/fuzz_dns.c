/* fuzz_dns.c: libFuzzer target for the DNS dissector (src/proto/dns.c), called directly with a
 * synthesized context, columns, fields and records all switched on.
 *
 * Input layout:
 *   byte 0   bit 0: TCP (else UDP); bit 1: mDNS port 5353 (else 53); bits 2..7: TCP segment
 *            size - 1 (1..64 bytes per parse call; the unconsumed tail is presented again,
 *            as src/flow/pdu.c does)
 *   then     UDP: datagrams, each u16 length (big-endian) then its bytes, directions
 *            alternating; TCP: the client's byte stream.
 * Every value a record, a field or the Info column holds is read back, so a pointer that
 * outlived its bytes shows under ASan. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "proto/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	for (uint16_t i = 0; i < o->nfv; i++)
		if (o->fv[i].type == PF_STR || o->fv[i].type == PF_IPV4 || o->fv[i].type == PF_IPV6)
			fuzz_touch(o->fv[i].v.p, o->fv[i].len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static _Alignas(16) unsigned char st[2][4096];
	static struct proto_pkt out;
	static uint8_t tail[70000];
	const struct proto_desc *pd = proto_find("dns");
	if (!pd || size < 1)
		return 0;
	FUZZ_CHECK(pd->state_size <= sizeof st[0]);
	memset(st, 0, sizeof st);
	uint8_t mode = data[0];
	data++;
	size--;
	int tcp = mode & 1;
	uint16_t port = mode & 2 ? 5353 : 53;
	uint32_t seg = (uint32_t)(mode >> 2) + 1;
	struct proto_env env = { fuzz_emit, NULL, NULL };
	struct proto_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	ctx.env = &env;
	ctx.out = &out;
	if (!tcp) {
		uint8_t dir = 0;
		size_t pos = 0;
		for (int k = 0; k < 256 && pos + 2 <= size; k++) {
			size_t n = (size_t)data[pos] << 8 | data[pos + 1];
			pos += 2;
			if (n > size - pos)
				n = size - pos;
			memset(&out, 0, sizeof out);
			ctx.state = st[dir];
			ctx.peer = st[!dir];
			ctx.l4 = PROTO_L4_UDP;
			ctx.sport = dir ? port : 40000;
			ctx.dport = dir ? 40000 : port;
			ctx.ts_ns = k * 1000;
			ctx.frame = (uint64_t)k + 1;
			/* a private copy, so ASan sees reads past the datagram */
			uint8_t *dg = malloc(n ? n : 1);
			if (!dg)
				return 0;
			memcpy(dg, data + pos, n);
			struct proto_res r = pd->parse(&ctx, dir, (struct slice){ dg, (uint32_t)n });
			FUZZ_CHECK(r.status == PROTO_OK && r.consumed == n);
			fuzz_check_pkt(&out);
			free(dg);
			pos += n;
			dir = !dir;
		}
	} else {
		uint32_t tlen = 0;
		for (size_t pos = 0; pos < size;) {
			uint32_t n = size - pos < seg ? (uint32_t)(size - pos) : seg;
			if (tlen + n > sizeof tail)
				break;
			memcpy(tail + tlen, data + pos, n);
			tlen += n;
			pos += n;
			uint32_t off = 0;
			for (int guard = 0; off < tlen && guard < 4096; guard++) {
				memset(&out, 0, sizeof out);
				ctx.state = st[0];
				ctx.peer = st[1];
				ctx.l4 = PROTO_L4_TCP;
				ctx.sport = 40000;
				ctx.dport = port;
				ctx.frame = pos;
				uint8_t *b = malloc(tlen - off);
				if (!b)
					return 0;
				memcpy(b, tail + off, tlen - off);
				struct proto_res r = pd->parse(&ctx, 0, (struct slice){ b, tlen - off });
				FUZZ_CHECK(r.status != PROTO_ERR && r.consumed <= tlen - off);
				FUZZ_CHECK(r.status != PROTO_OK || r.consumed > 0);
				fuzz_check_pkt(&out);
				free(b);
				off += r.consumed;
				if (r.status == PROTO_NEED_MORE)
					break;
			}
			memmove(tail, tail + off, tlen - off);
			tlen -= off;
		}
	}
	ctx.state = st[0];
	ctx.peer = st[1];
	ctx.out = NULL;
	if (pd->on_flow_end)
		pd->on_flow_end(&ctx);
	return 0;
}
