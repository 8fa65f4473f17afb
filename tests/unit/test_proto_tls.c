/* test_proto_tls.c: TLS record framing (src/proto/tls.c): every prefix, every feeding step,
 * records spanning segments and several per segment, unknown content types, SSLv2 headers. */
#include "proto_feed.h"

static uint32_t put_record(uint8_t *b, uint8_t type, uint16_t len)
{
	b[0] = type;
	b[1] = 3;
	b[2] = 3;
	b[3] = (uint8_t)(len >> 8);
	b[4] = (uint8_t)len;
	for (uint32_t i = 0; i < len; i++)
		b[5 + i] = (uint8_t)(i * 7);
	return 5u + len;
}

int main(void)
{
	const struct proto_desc *pd = proto_find("tls");
	static uint8_t buf[4096];
	uint32_t n = 0, ends[5];
	test_report_result(pd != NULL, "tls is registered");
	uint16_t lens[5] = { 0, 1, 300, 17, 1000 };
	uint8_t types[5] = { 22, 20, 23, 21, 23 };
	for (int i = 0; i < 5; i++) {
		n += put_record(buf + n, types[i], lens[i]);
		ends[i] = n;
	}
	test_report_result(feed_prefixes(pd, buf + ends[1], ends[2] - ends[1]),
			   "every prefix of a record asks for more; the whole is one PDU");
	test_report_result(feed_all_steps(pd, buf, n, ends, 5), "five records fed in every step from 1 byte up");

	static unsigned char st[2][4096];
	memset(st, 0, sizeof st);
	struct proto_ctx c = { .state = st[0], .peer = st[1] };
	struct proto_res r = pd->parse(&c, 0, (struct slice){ buf + ends[1], 105 });
	test_report_result(r.status == PROTO_NEED_MORE && r.consumed == 105 && r.needed == 200,
			   "a record header gives the exact bytes still needed");
	test_report_result(c.info == PROTO_INFO_CLEAR, "TLS clears Info as Wireshark does");
	r = pd->parse(&c, 0, (struct slice){ buf + ends[1] + 105, 250 });
	test_report_result(r.status == PROTO_OK && r.consumed == 200, "the rest of the record ends it");

	memset(st, 0, sizeof st);
	r = pd->parse(&c, 0, (struct slice){ buf, 3 });
	test_report_result(r.status == PROTO_NEED_MORE && r.consumed == 0 && r.needed == 0,
			   "a cut header is kept (one more segment)");
	static const uint8_t junk[] = { 0x99, 'a', 'b', 'c', 'd', 'e', 'f' };
	memset(st, 0, sizeof st);
	r = pd->parse(&c, 0, (struct slice){ junk, sizeof junk });
	test_report_result(r.status == PROTO_OK && r.consumed == sizeof junk, "an unknown content type is one PDU");
	r = pd->parse(&c, 0, (struct slice){ junk, 4 });
	test_report_result(r.status == PROTO_NEED_MORE && r.consumed == 0, "fewer than 5 bytes wait for the header");

	static const uint8_t v2[] = { 0x80, 0x05, 0x01, 0x00, 0x02, 0x00, 0x00, 0x16 };
	memset(st, 0, sizeof st);
	r = pd->parse(&c, 0, (struct slice){ v2, sizeof v2 });
	test_report_result(r.status == PROTO_OK && r.consumed == 7, "an SSLv2 record header at the start");

	uint32_t seed = 99;
	int ok = 1;
	for (int i = 0; i < 20000; i++) {
		uint8_t rnd[32];
		for (size_t k = 0; k < sizeof rnd; k++) {
			seed = seed * 1103515245u + 12345u;
			rnd[k] = (uint8_t)(seed >> 16);
		}
		memset(st, 0, sizeof st);
		for (uint32_t off = 0; off < sizeof rnd;) {
			r = pd->parse(&c, 0, (struct slice){ rnd + off, (uint32_t)sizeof rnd - off });
			if (r.consumed > sizeof rnd - off || (r.status == PROTO_OK && !r.consumed)) {
				ok = 0;
				break;
			}
			if (r.status != PROTO_OK)
				break;
			off += r.consumed;
		}
	}
	test_report_result(ok, "random input never consumes past its end");
	printf("1..%d\n", test_num);
	return test_failed ? 1 : 0;
}
