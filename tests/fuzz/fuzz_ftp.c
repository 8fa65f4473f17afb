/* fuzz_ftp.c: libFuzzer target for the FTP control and data dissectors (src/proto/ftp.c),
 * called directly with synthesized contexts.
 *
 * Input: a sequence of segments, each  u8 flags, u8 length, `length` bytes.
 *   flags bit 0   direction (0 client -> server port 21, 1 server -> client)
 *   flags bit 1   the segment goes to the data connection (linked to the control state,
 *                 tagged with the last expectation the control connection announced)
 *   flags bit 2   a gap (skip) before the segment
 *   flags bit 3   the data connection has lost its control flow (parent NULL)
 * The flows end (on_flow_end, fini) after the last segment. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "proto/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                               \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
			__builtin_trap();                                              \
		}                                                                      \
	} while (0)

static unsigned fuzz_sum;

/* Reads every value of every record, so ASan sees a slice that points nowhere. */
static void fuzz_emit(void *arg, const struct proto_rec *r)
{
	(void)arg;
	FUZZ_CHECK(r->kind && r->n <= PROTO_REC_MAX);
	for (uint16_t i = 0; i < r->n; i++) {
		const struct proto_kv *kv = &r->kv[i];
		if (kv->type == PV_STR || kv->type == PV_ADDR || kv->type == PV_HEXSTR)
			for (uint32_t j = 0; j < kv->len; j++)
				fuzz_sum += kv->v.p[j];
	}
}

static void fuzz_check_pkt(const struct proto_pkt *o)
{
	FUZZ_CHECK(o->info_len < PROTO_INFO_MAX && o->nfv <= PROTO_FV_MAX);
	for (uint16_t i = 0; i < o->nfv; i++)
		if (o->fv[i].type == PF_STR || o->fv[i].type == PF_IPV4 || o->fv[i].type == PF_IPV6)
			for (uint32_t j = 0; j < o->fv[i].len; j++)
				fuzz_sum += o->fv[i].v.p[j];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char ctl[2][4096], dat[2][4096];
	static struct proto_pkt pkt;
	static const uint8_t cli[4] = { 10, 0, 0, 1 }, srv[4] = { 10, 0, 0, 2 };
	const struct proto_desc *pf = proto_find("ftp"), *pd = proto_find("ftp-data");
	FUZZ_CHECK(pf && pd && pf->state_size <= sizeof ctl[0] && pd->state_size <= sizeof dat[0]);
	struct proto_env env = { .emit = fuzz_emit };
	memset(ctl, 0, sizeof ctl);
	memset(dat, 0, sizeof dat);
	for (int i = 0; i < 2; i++)
		if (pd->init)
			pd->init(dat[i], (uint8_t)i);
	uint8_t tag = 0;
	int ctl_err = 0;
	size_t off = 0;
	for (int nseg = 0; off + 2 <= size && nseg < 256; nseg++) {
		uint8_t fl = data[off], n = data[off + 1];
		off += 2;
		if (n > size - off)
			n = (uint8_t)(size - off);
		int dir = fl & 1, to_data = (fl >> 1) & 1;
		if (to_data || !ctl_err) {
			memset(&pkt, 0, sizeof pkt);
			unsigned char (*st)[4096] = to_data ? dat : ctl;
			struct proto_ctx c = { .state = st[dir], .peer = st[!dir], .l4 = PROTO_L4_TCP, .alen = 4,
					       .out = &pkt, .env = &env, .is_orig = (uint8_t)!dir,
					       .src = dir ? srv : cli, .dst = dir ? cli : srv };
			c.sport = dir ? (to_data ? 20 : 21) : 40000;
			c.dport = dir ? 40000 : (to_data ? 5000 : 21);
			if (to_data) {
				c.parent = (fl & 8) ? NULL : ctl[0];
				c.parent_stride = sizeof ctl[0];
				c.link_tag = tag;
			}
			const struct proto_desc *d = to_data ? pd : pf;
			if ((fl & 4) && d->skip)
				(void)d->skip(&c, (uint8_t)dir, 100);
			struct proto_res r = d->parse(&c, (uint8_t)dir, (struct slice){ data + off, n });
			FUZZ_CHECK(r.status <= PROTO_ERR && r.consumed <= n);
			FUZZ_CHECK(c.nexpect <= PROTO_MAX_EXPECT);
			for (uint8_t k = 0; k < c.nexpect; k++) {
				FUZZ_CHECK(c.expect[k].alen == 4 || c.expect[k].alen == 16);
				FUZZ_CHECK(c.expect[k].l4 == 6 && c.expect[k].proto);
				tag = c.expect[k].tag;
			}
			fuzz_check_pkt(&pkt);
			if (!to_data && r.status == PROTO_ERR)
				ctl_err = 1;
		}
		off += n;
	}
	struct proto_ctx end = { .state = ctl[0], .peer = ctl[1], .env = &env };
	if (pf->on_flow_end)
		pf->on_flow_end(&end);
	end.state = dat[0];
	end.peer = dat[1];
	if (pd->on_flow_end)
		pd->on_flow_end(&end);
	for (int i = 0; i < 2; i++)
		if (pd->fini)
			pd->fini(dat[i]);
	return 0;
}
