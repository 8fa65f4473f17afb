/* fuzz_decode.c: libFuzzer target for decode -> flow -> columns and fields.
 *
 * Input layout (all integers big-endian):
 *   byte 0        link type: index into fuzz_linktypes[] (modulo its size)
 *   bytes 1..8    int64 seconds of the first frame (any value: pcapng if_tsresol/if_tsoffset
 *                 can give any); built with -DFUZZ_NARROW_TIME, uint32 from bytes 1..4 (the
 *                 range a pcap file gives), should a time bug ever need to be kept out of the way
 *   then frames:  u16 caplen, u16 extra (len = caplen + extra), u8 time step in ms, data
 * A short last frame takes what is left. A seed made from one captured frame is
 * therefore 9 + 5 + caplen bytes; several frames exercise the TCP analysis state. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/obuf.h"
#include "decode/decode.h"
#include "filter/fields.h"
#include "flow/flow.h"
#include "report/columns.h"
#include "report/tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t fuzz_linktypes[] = { LT_ETHERNET, LT_LINUX_SLL, LT_LINUX_SLL2, LT_NULL, LT_LOOP,
					   LT_RAW,      LT_IPV4,      LT_IPV6,       LT_DLT_RAW12, LT_DLT_RAW14 };

#define FUZZ_MAX_FRAMES 64

static int fuzz_render_cols(struct fctx *c);

struct fuzz_run {
	struct pkt pkt;
	struct flow_pkt fp;
	struct obuf proto, info;
};

static int fuzz_render_cols(struct fctx *c)
{
	struct fuzz_run *r = c->render_arg;
	obuf_reset(&r->proto);
	obuf_reset(&r->info);
	col_protocol(&r->pkt, &r->fp, &r->proto);
	col_info(&r->pkt, &r->fp, &r->info);
	c->col_protocol = obuf_cstr(&r->proto);
	c->col_info = obuf_cstr(&r->info);
	return 0;
}

static uint64_t fuzz_be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 9)
		return 0;
	uint16_t lt = fuzz_linktypes[data[0] % (sizeof fuzz_linktypes / sizeof fuzz_linktypes[0])];
#ifdef FUZZ_NARROW_TIME
	int64_t sec = (int64_t)fuzz_be(data + 1, 4);
#else
	int64_t sec = (int64_t)fuzz_be(data + 1, 8);
#endif
	uint32_t nsec = 0;
	size_t off = 9;

	struct flow_config cfg;
	flow_config_default(&cfg);
	cfg.max_flows = 8; /* reach eviction quickly */
	struct flow_table *ft;
	struct errbuf e;
	if (flow_table_new(&ft, &cfg, &e) < 0)
		return 0;
	struct fuzz_run *r = calloc(1, sizeof *r);
	if (!r) {
		flow_table_free(ft);
		return 0;
	}
	struct obuf out;
	obuf_init(&out);
	obuf_init(&r->proto);
	obuf_init(&r->info);
	struct col_opts co = { 1 };
	int64_t first_ns = 0, prev_ns = 0;

	for (uint64_t num = 1; off + 5 <= size && num <= FUZZ_MAX_FRAMES; num++) {
		uint32_t caplen = (uint32_t)fuzz_be(data + off, 2);
		uint32_t extra = (uint32_t)fuzz_be(data + off + 2, 2);
		uint32_t step_ms = data[off + 4];
		off += 5;
		if (caplen > size - off)
			caplen = (uint32_t)(size - off);
		/* a private copy of exactly caplen bytes: reads past the frame show under ASan */
		uint8_t *buf = malloc(caplen ? caplen : 1);
		if (!buf)
			break;
		memcpy(buf, data + off, caplen);
		off += caplen;
		nsec += step_ms * 1000000u;
		sec = (int64_t)((uint64_t)sec + nsec / 1000000000u); /* wraps; never UB here */
		nsec %= 1000000000u;

		struct frame f;
		memset(&f, 0, sizeof f);
		f.data = buf;
		f.caplen = caplen;
		f.len = caplen + extra;
		f.ts_sec = sec;
		f.ts_nsec = nsec;
		f.ts_digits = 6;
		f.linktype = lt;
		f.num = num;
		f.offset = off;

		decode_frame(&f, &r->pkt);
		flow_table_packet(ft, &r->pkt, &r->fp);
		int64_t ns = frame_ns(&f); /* as cli/packets.c: saturated, so differences cannot overflow */
		if (num == 1)
			first_ns = prev_ns = ns;

		obuf_reset(&out);
		col_protocol(&r->pkt, &r->fp, &out);
		col_info(&r->pkt, &r->fp, &out);
		col_source(&r->pkt, &co, &out);
		col_destination(&r->pkt, &co, &out);
		struct fctx fc = { .p = &r->pkt, .fp = &r->fp, .first_ns = first_ns, .prev_ns = prev_ns,
				   .render_cols = fuzz_render_cols, .render_arg = r, .protocols = "eth:ip" };
		for (size_t i = 0; i < field_count(); i++) {
			const struct field_def *fd = field_at(i);
			for (int n = 0; n < (fd->multi ? 8 : 1); n++) { /* every occurrence, as -E occurrence=a */
				struct fval v;
				memset(&v, 0, sizeof v);
				v.type = fd->type;
				v.width = fd->width;
				if (!fd->get(&fc, &v, n))
					break;
				if (fd->type != FT_STRING)
					field_format(&v, &out);
			}
		}
		tree_print(&r->pkt, &r->fp, &co, first_ns, prev_ns, &out);
		prev_ns = ns;
		free(buf);
	}
	obuf_free(&out);
	obuf_free(&r->proto);
	obuf_free(&r->info);
	free(r);
	flow_table_free(ft);
	return 0;
}
