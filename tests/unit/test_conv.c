/* test_conv.c: conversation table (directions, stream ids, cap, order), tshark size text, follow reassembly. */
#include <string.h>

#include "report/conv.h"
#include "report/follow.h"
#include "tap.h"

static void test_size(uint64_t v, const char *want)
{
	struct obuf o;
	obuf_init(&o);
	conv_format_size(&o, v);
	test_reportf(!strcmp(obuf_cstr(&o), want), "size %llu -> \"%s\" (got \"%s\")", (unsigned long long)v, want,
		     obuf_cstr(&o));
	obuf_free(&o);
}

static void test_table(void)
{
	const uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };
	struct conv_table *t;
	struct errbuf e;
	if (conv_table_new(&t, CONV_TCP, 2, &e) < 0) {
		test_report_result(0, "conv_table_new");
		return;
	}
	conv_table_add(t, a, b, 4, 1000, 80, 0, 60, 0);
	conv_table_add(t, b, a, 4, 80, 1000, 0, 1500, 1000);
	conv_table_add(t, a, b, 4, 1000, 80, 0, 60, 2000);
	conv_table_add(t, a, b, 4, 1000, 80, 1, 70, 3000);     /* same ports, another stream: another row */
	for (int i = 0; i < 5; i++)
		conv_table_add(t, a, b, 4, 1001, 80, 2, 70, 4000); /* past the cap of 2 */
	const struct conv_rec **rows;
	size_t n = conv_table_sorted(t, CONV_SORT_TSHARK, &rows);
	test_report_result(n == 2, "rows per stream id, at most the cap");
	test_report_result(n == 2 && rows[0]->tx_frames == 2 && rows[0]->rx_frames == 1 && rows[0]->rx_bytes == 1500,
			   "-> counts the first frame's direction, <- the other");
	test_report_result(n == 2 && rows[0]->start_ns == 0 && rows[0]->stop_ns == 2000, "start and stop times");
	test_report_result(conv_table_dropped_frames(t) == 5, "frames past the cap are counted");
	conv_table_free(t);
}

static void test_follow(void)
{
	const uint8_t c[4] = { 10, 0, 0, 1 }, s[4] = { 10, 0, 0, 2 };
	struct obuf o;
	obuf_init(&o);
	struct follow *f;
	struct errbuf e;
	if (follow_new(&f, FOLLOW_ASCII, 0, 0, 1 << 20, &o, &e) < 0) {
		test_report_result(0, "follow_new");
		return;
	}
	follow_packet(f, c, s, 4, 1000, 80, 99, 0x02, NULL, 0);            /* SYN, isn 99 */
	follow_packet(f, s, c, 4, 80, 1000, 499, 0x12, NULL, 0);           /* SYN+ACK, isn 499 */
	follow_packet(f, c, s, 4, 1000, 80, 100, 0x18, (const uint8_t *)"GET ", 4);
	follow_packet(f, c, s, 4, 1000, 80, 106, 0x18, (const uint8_t *)"\r\n", 2); /* out of order */
	follow_packet(f, c, s, 4, 1000, 80, 100, 0x18, (const uint8_t *)"XXXX", 4); /* retransmission */
	follow_packet(f, c, s, 4, 1000, 80, 104, 0x18, (const uint8_t *)"/\x01", 2);
	follow_packet(f, s, c, 4, 80, 1000, 500, 0x18, (const uint8_t *)"ok", 2);
	follow_packet(f, s, c, 4, 80, 1000, 510, 0x18, (const uint8_t *)"late", 4); /* never filled */
	follow_finish(f);
	const char *txt = obuf_cstr(&o);
	test_report_result(strstr(txt, "4\nGET \n2\n/.\n2\n\n") != NULL,
			   "in sequence order, out-of-order held until its gap fills, control bytes as '.'");
	test_report_result(!strstr(txt, "XXXX"), "retransmission left out (first copy wins)");
	test_report_result(strstr(txt, "\t[8 bytes missing in capture]\n\t4\nlate\n") != NULL, "gap marked");
	test_report_result(strstr(txt, "3 client pkts, 2 server pkts, 1 turns.") != NULL, "packets and turns");
	int ctl = 0;
	for (const char *p = txt; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
			ctl = 1;
	test_report_result(!ctl, "no control characters but LF and the side's TAB");
	follow_free(f);
	obuf_free(&o);
}

int main(void)
{
	test_size(0, "0 bytes");
	test_size(9999, "9999 bytes");
	test_size(10000, "10 kB");
	test_size(24876, "24 kB");
	test_size(9999999, "9999 kB");
	test_size(10000000, "10 MB");
	test_table();
	test_follow();
	return test_failed != 0;
}
