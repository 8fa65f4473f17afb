/* fuzz_proto.h: drives one dissector's parse() the way the flow layer does, for the
 * per-protocol libFuzzer targets. Input layout: byte 0 = control (bit 0: the transport is UDP;
 * bits 1-7: chunk size seed), then records of u8 direction/length-high, u8 length-low, data:
 * each record is one segment (TCP: appended to that direction's stream, the unconsumed tail
 * presented again) or one datagram (UDP). Every result is checked against the contract in
 * proto.h, and columns, fields and records are produced (into buffers nobody reads). */
#ifndef SLEUTH_FUZZ_PROTO_H
#define SLEUTH_FUZZ_PROTO_H

#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "proto/proto.h"

#define FUZZ_TAIL 65536

struct fuzz_proto {
	const struct proto_desc *pd;
	uint8_t idx;
	_Alignas(16) unsigned char state[2][4096]; /* dissector states: aligned as the flow arena */
	uint8_t tail[2][FUZZ_TAIL];
	uint32_t tlen[2];
	int dead[2];
	struct proto_pkt pkt;
	uint64_t records;
};

static void fuzz_proto_emit(void *arg, const struct proto_rec *r)
{
	struct fuzz_proto *f = arg;
	FUZZ_CHECK(r->n <= PROTO_REC_MAX);
	for (uint16_t i = 0; i < r->n; i++)
		if (r->kv[i].type == PV_STR && r->kv[i].len)
			FUZZ_CHECK(r->kv[i].v.p != NULL);
	f->records++;
}

static void fuzz_proto_run(const char *name, const uint8_t *d, size_t n)
{
	static struct fuzz_proto f;
	memset(&f, 0, sizeof f);
	f.pd = proto_find(name);
	FUZZ_CHECK(f.pd != NULL);
	for (size_t i = 0; i < proto_count(); i++)
		if (proto_get(i) == f.pd)
			f.idx = (uint8_t)i;
	if (n < 1)
		return;
	int udp = d[0] & 1;
	struct proto_env env = { fuzz_proto_emit, NULL, &f };
	size_t off = 1;
	for (int rec = 0; rec < 256 && off + 2 <= n; rec++) {
		uint8_t dir = d[off] >> 7;
		uint32_t len = (uint32_t)(d[off] & 0x7f) << 8 | d[off + 1];
		off += 2;
		if (len > n - off)
			len = (uint32_t)(n - off);
		const uint8_t *p = d + off;
		off += len;
		memset(&f.pkt, 0, sizeof f.pkt);
		struct proto_ctx c;
		memset(&c, 0, sizeof c);
		c.state = f.state[dir];
		c.peer = f.state[!dir];
		c.proto_idx = f.idx;
		c.l4 = udp ? PROTO_L4_UDP : PROTO_L4_TCP;
		c.sport = dir ? f.pd->ports[0] : 40000;
		c.dport = dir ? 40000 : f.pd->ports[0];
		c.is_orig = !dir;
		c.out = &f.pkt;
		c.env = &env;
		if (udp) {
			struct proto_res r = f.pd->parse(&c, dir, (struct slice){ p, len });
			FUZZ_CHECK(r.consumed <= len);
			FUZZ_CHECK(f.pkt.info_len < PROTO_INFO_MAX && f.pkt.nfv <= PROTO_FV_MAX);
			continue;
		}
		if (f.dead[dir])
			continue;
		if (f.tlen[dir] + len > FUZZ_TAIL) {
			f.dead[dir] = 1; /* the flow layer caps tails too */
			continue;
		}
		memcpy(f.tail[dir] + f.tlen[dir], p, len);
		uint32_t tot = f.tlen[dir] + len, used = 0;
		for (int k = 0; k < 100000 && used < tot; k++) {
			c.info = 0;
			struct proto_res r = f.pd->parse(&c, dir, (struct slice){ f.tail[dir] + used, tot - used });
			FUZZ_CHECK(r.status <= PROTO_ERR);
			FUZZ_CHECK(r.consumed <= tot - used);
			FUZZ_CHECK(f.pkt.info_len < PROTO_INFO_MAX && f.pkt.nfv <= PROTO_FV_MAX);
			if (r.status == PROTO_ERR) {
				f.dead[dir] = 1;
				break;
			}
			FUZZ_CHECK(r.status != PROTO_OK || r.consumed > 0);
			used += r.consumed;
			if (r.status == PROTO_NEED_MORE)
				break;
		}
		memmove(f.tail[dir], f.tail[dir] + used, tot - used);
		f.tlen[dir] = tot - used;
	}
	if (f.pd->on_flow_end) {
		struct proto_ctx c;
		memset(&c, 0, sizeof c);
		c.state = f.state[0];
		c.peer = f.state[1];
		c.proto_idx = f.idx;
		c.env = &env;
		f.pd->on_flow_end(&c);
	}
	for (int i = 0; i < 2; i++)
		if (f.pd->fini)
			f.pd->fini(f.state[i]);
}

#endif
