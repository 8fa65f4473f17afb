/* test_rd.c: unit test of the bounds-checked cursor (base/rd.h): every accessor at and past the
 * end, sticky status, rd_sub limits, rd_peek. TAP-style output, exit 0 when all pass. */
#include <stdio.h>
#include <string.h>

#include "base/rd.h"

#include "tap.h"

static const uint8_t test_bytes[8] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };

/* A cursor over the first n test bytes, with a canary after them that no read may return. */
static struct rd test_cursor(uint8_t *buf, uint32_t n)
{
	memcpy(buf, test_bytes, n);
	memset(buf + n, 0xee, 16);
	return rd_make(buf, n);
}

/* Each reader of width w: exactly w bytes succeed, w-1 bytes fail with RD_TRUNC and 0. */
static void test_accessor_widths(void)
{
	uint8_t buf[32];
	struct {
		const char *name;
		uint32_t w;
	} acc[] = { { "rd_u8", 1 }, { "rd_be16", 2 }, { "rd_le16", 2 }, { "rd_be32", 4 }, { "rd_le32", 4 } };
	for (size_t i = 0; i < sizeof acc / sizeof acc[0]; i++) {
		char d[128];
		for (uint32_t n = 0; n <= acc[i].w; n++) {
			struct rd r = test_cursor(buf, n);
			uint32_t v;
			switch (i) {
			case 0: v = rd_u8(&r); break;
			case 1: v = rd_be16(&r); break;
			case 2: v = rd_le16(&r); break;
			case 3: v = rd_be32(&r); break;
			default: v = rd_le32(&r); break;
			}
			int full = n == acc[i].w;
			uint32_t want = 0;
			if (full) {
				static const uint32_t expect[] = { 0x01, 0x0102, 0x0201, 0x01020304, 0x04030201 };
				want = expect[i];
			}
			int ok = v == want && (full ? rd_ok(&r) && r.status == RD_OK && rd_left(&r) == 0
					       : !rd_ok(&r) && r.status == RD_TRUNC && rd_left(&r) == 0);
			snprintf(d, sizeof d, "%s with %u of %u bytes %s", acc[i].name, n, acc[i].w,
				 full ? "reads the value and leaves 0" : "returns 0 and RD_TRUNC");
			test_report_result(ok, d);
		}
	}
}

static void test_bytes_copy_skip(void)
{
	uint8_t buf[32];
	struct rd r = test_cursor(buf, 8);
	const uint8_t *p = rd_bytes(&r, 8);
	test_report_result(p == buf && rd_ok(&r) && rd_left(&r) == 0, "rd_bytes of exactly the length succeeds");
	test_report_result(rd_bytes(&r, 0) != NULL && rd_ok(&r), "rd_bytes(0) at the end succeeds");
	test_report_result(rd_bytes(&r, 1) == NULL && r.status == RD_TRUNC, "rd_bytes(1) past the end is NULL, RD_TRUNC");

	r = test_cursor(buf, 8);
	test_report_result(rd_bytes(&r, 9) == NULL && r.status == RD_TRUNC && rd_left(&r) == 0,
			   "rd_bytes(len+1) fails without advancing into the canary");
	r = test_cursor(buf, 8);
	test_report_result(rd_bytes(&r, 0xffffffffu) == NULL && r.status == RD_TRUNC, "rd_bytes(UINT32_MAX) fails");

	uint8_t dst[8];
	memset(dst, 0x55, sizeof dst);
	r = test_cursor(buf, 4);
	test_report_result(rd_copy(&r, dst, 4) == 1 && !memcmp(dst, test_bytes, 4) && rd_left(&r) == 0,
			   "rd_copy of exactly the length copies");
	memset(dst, 0x55, sizeof dst);
	r = test_cursor(buf, 4);
	test_report_result(rd_copy(&r, dst, 5) == 0 && dst[0] == 0x55 && r.status == RD_TRUNC,
			   "rd_copy past the end copies nothing, RD_TRUNC");

	r = test_cursor(buf, 8);
	rd_skip(&r, 8);
	test_report_result(rd_ok(&r) && rd_left(&r) == 0, "rd_skip of exactly the length");
	r = test_cursor(buf, 8);
	rd_skip(&r, 9);
	test_report_result(r.status == RD_TRUNC && rd_left(&r) == 0, "rd_skip past the end is RD_TRUNC");
	r = test_cursor(buf, 8);
	rd_skip(&r, 0xfffffff8u);
	test_report_result(r.status == RD_TRUNC, "rd_skip with a huge count does not wrap");
}

static void test_sticky(void)
{
	uint8_t buf[32];
	struct rd r = test_cursor(buf, 3);
	(void)rd_be32(&r);
	int ok = r.status == RD_TRUNC;
	/* the bytes are still in memory, but the cursor must not hand them out */
	ok = ok && rd_u8(&r) == 0 && rd_be16(&r) == 0 && rd_le16(&r) == 0 && rd_le32(&r) == 0;
	ok = ok && rd_bytes(&r, 0) == NULL && rd_peek(&r, 0) == -1 && rd_left(&r) == 0;
	test_report_result(ok, "after RD_TRUNC every later read returns 0/NULL, even rd_bytes(0)");

	r = test_cursor(buf, 8);
	rd_bad(&r);
	ok = r.status == RD_BAD && rd_u8(&r) == 0 && r.status == RD_BAD && rd_left(&r) == 0;
	test_report_result(ok, "rd_bad makes the cursor fail and stays RD_BAD (not overwritten by TRUNC)");

	r = test_cursor(buf, 1);
	(void)rd_be16(&r);
	rd_bad(&r);
	test_report_result(r.status == RD_TRUNC, "rd_bad does not overwrite RD_TRUNC");

	r = test_cursor(buf, 8);
	(void)rd_be32(&r);
	(void)rd_be32(&r);
	test_report_result(rd_ok(&r) && rd_u8(&r) == 0 && r.status == RD_TRUNC, "reads consume exactly; one more fails");

	r = rd_make(NULL, 0);
	test_report_result(rd_ok(&r) && rd_left(&r) == 0 && rd_u8(&r) == 0 && r.status == RD_TRUNC,
			   "an empty cursor over NULL is OK until read");
}

static void test_sub(void)
{
	uint8_t buf[32];
	struct rd r = test_cursor(buf, 8);
	(void)rd_u8(&r);
	struct rd s = rd_sub(&r, 3);
	int ok = rd_ok(&s) && rd_left(&s) == 3 && s.p == buf + 1 && rd_ok(&r) && rd_left(&r) == 4 && r.p == buf + 4;
	test_report_result(ok, "rd_sub(3) covers 3 bytes and advances the parent past them");
	ok = rd_u8(&s) == 2 && rd_be16(&s) == 0x0304 && rd_ok(&s);
	ok = ok && rd_u8(&s) == 0 && s.status == RD_TRUNC;
	test_report_result(ok, "the sub-cursor cannot read into its neighbour");
	test_report_result(rd_ok(&r) && rd_u8(&r) == 5, "a failing sub-cursor leaves the parent OK");

	r = test_cursor(buf, 8);
	s = rd_sub(&r, 8);
	test_report_result(rd_ok(&s) && rd_left(&s) == 8 && rd_ok(&r) && rd_left(&r) == 0,
			   "rd_sub of exactly the rest");
	s = rd_sub(&r, 0);
	test_report_result(rd_ok(&s) && rd_left(&s) == 0 && rd_ok(&r), "rd_sub(0) at the end");

	r = test_cursor(buf, 5);
	s = rd_sub(&r, 7);
	ok = rd_ok(&s) && rd_left(&s) == 5 && s.p == buf && r.status == RD_TRUNC && rd_left(&r) == 0;
	test_report_result(ok, "rd_sub past the end: sub ends early (OK, 5 bytes), parent RD_TRUNC");
	ok = rd_be32(&s) == 0x01020304 && rd_be16(&s) == 0 && s.status == RD_TRUNC;
	test_report_result(ok, "the short sub-cursor then reports RD_TRUNC at its real end");

	r = test_cursor(buf, 5);
	s = rd_sub(&r, 0xffffffffu);
	test_report_result(rd_left(&s) == 5 && r.status == RD_TRUNC, "rd_sub(UINT32_MAX) is limited to the data");

	r = test_cursor(buf, 2);
	(void)rd_be32(&r);
	s = rd_sub(&r, 1);
	test_report_result(!rd_ok(&s) && rd_left(&s) == 0 && rd_u8(&s) == 0, "rd_sub of a failed cursor fails");

	r = test_cursor(buf, 8);
	rd_bad(&r);
	s = rd_sub(&r, 1);
	test_report_result(s.status == RD_BAD && rd_left(&s) == 0, "rd_sub of an RD_BAD cursor carries RD_BAD");

	/* nested: an inner TLV inside an outer one */
	r = test_cursor(buf, 8);
	struct rd outer = rd_sub(&r, 6);
	struct rd inner = rd_sub(&outer, 2);
	rd_skip(&inner, 3);
	ok = inner.status == RD_TRUNC && rd_ok(&outer) && rd_left(&outer) == 4 && rd_ok(&r) && rd_left(&r) == 2;
	test_report_result(ok, "nested sub-cursors fail independently");
}

static void test_peek(void)
{
	uint8_t buf[32];
	struct rd r = test_cursor(buf, 3);
	int ok = rd_peek(&r, 0) == 1 && rd_peek(&r, 2) == 3 && rd_peek(&r, 3) == -1 && rd_peek(&r, 0xffffffffu) == -1;
	ok = ok && rd_left(&r) == 3 && rd_ok(&r);
	test_report_result(ok, "rd_peek reads within bounds, -1 at and past the end, without advancing or failing");
	r = test_cursor(buf, 0);
	test_report_result(rd_peek(&r, 0) == -1 && rd_ok(&r), "rd_peek on an empty cursor is -1 and leaves it OK");
	r = test_cursor(buf, 8);
	buf[0] = 0xff;
	test_report_result(rd_peek(&r, 0) == 0xff, "rd_peek returns 0xff as 255, not -1");
}

/* Every prefix of an 8-byte buffer read with a mix of widths: never reads the canary. */
static void test_all_prefixes(void)
{
	uint8_t buf[32];
	int ok = 1;
	for (uint32_t n = 0; n <= 8; n++) {
		struct rd r = test_cursor(buf, n);
		uint32_t got = 0, reads = 0;
		for (int i = 0; i < 6; i++) {
			uint32_t v = i % 3 == 0 ? rd_u8(&r) : i % 3 == 1 ? rd_be16(&r) : rd_le32(&r);
			if ((v & 0xff) == 0xee || (v >> 8 & 0xff) == 0xee)
				ok = 0;
			if (rd_ok(&r))
				got += i % 3 == 0 ? 1 : i % 3 == 1 ? 2 : 4, reads++;
		}
		if (got > n || (r.status == RD_OK && n > 14))
			ok = 0;
	}
	test_report_result(ok, "mixed reads over every prefix never return bytes past the end");
}

int main(void)
{
	test_accessor_widths();
	test_bytes_copy_skip();
	test_sticky();
	test_sub();
	test_peek();
	test_all_prefixes();
	printf("1..%d\n", test_num);
	return test_failed ? 1 : 0;
}
