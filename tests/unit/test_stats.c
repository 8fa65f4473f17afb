/* test_stats.c: the io,stat table (intervals, series, calc functions, LOAD, the cap) and its tshark 4.0 layout. */
#include <string.h>

#include "report/stats.h"
#include "tap.h"

#define MS 1000000ll /* nanoseconds */

static int io_new(struct stats_io *s, uint64_t interval_us, unsigned prec, size_t ncol, size_t cells)
{
	struct errbuf e;
	int rc = stats_io_init(s, interval_us, prec, ncol, cells, &e);
	test_reportf(rc == 0, "stats_io_init interval %llu us, %zu columns", (unsigned long long)interval_us, ncol);
	return rc;
}

static void frame(struct stats_io *s, int64_t ns, uint32_t len)
{
	if (stats_io_frame(s, ns) == 0)
		stats_io_add(s, 0, ns, len, NULL, 0);
}

static const char *render(const struct stats_io *s, struct obuf *o)
{
	obuf_reset(o);
	stats_io_render(s, o, NULL);
	return obuf_cstr(o);
}

/* Frames are counted in the interval of their time, rounded to the microsecond; a frame from
 * before the latest interval of its series counts in that interval, one from before the first
 * frame at the time of the latest frame (tshark 4.0). */
static void test_intervals(void)
{
	struct stats_io s;
	if (io_new(&s, 1000000, 0, 1, 1000) < 0)
		return;
	frame(&s, 0, 60);
	frame(&s, 999999600, 70); /* rounds to 1.000000 s: the second interval */
	frame(&s, 1200 * MS, 80);
	frame(&s, 900 * MS, 90);  /* back in time: stays in the second interval */
	frame(&s, -100 * MS, 100);
	frame(&s, 2500 * MS, 110);
	const struct stats_io_cell *c = s.col[0].cell;
	test_report_result(s.n == 3, "three intervals reached");
	test_report_result(c[0].frames == 1 && c[0].counter == 60, "first interval: the first frame");
	test_report_result(c[1].frames == 4 && c[1].counter == 340, "second: rounded up, and the frames back in time");
	test_report_result(c[2].frames == 1 && c[2].counter == 110, "third");
	test_report_result(s.last_ns == 2500 * MS, "the duration is the latest time");
	stats_io_free(&s);
}

static void test_calcs(void)
{
	struct stats_io s;
	if (io_new(&s, 0, 0, 5, 100) < 0)
		return;
	stats_io_set_col(&s, 0, SIO_MIN, SIO_UINT, "MIN(x)");
	stats_io_set_col(&s, 1, SIO_MAX, SIO_INT, "MAX(y)");
	stats_io_set_col(&s, 2, SIO_AVG, SIO_TIME, "AVG(t)");
	stats_io_set_col(&s, 3, SIO_SUM, SIO_UINT, "SUM(x)");
	stats_io_set_col(&s, 4, SIO_COUNT, SIO_UINT, "COUNT(x)");
	const uint64_t a[] = { 1448 }, b[] = { 7, 30 }, neg[] = { (uint64_t)-2, (uint64_t)-5 };
	const uint64_t t1[] = { 3000000 }, t2[] = { 1000001 };
	for (int k = 0; k < 3; k++) {
		int64_t ns = k * 10 * MS;
		if (stats_io_frame(&s, ns) < 0)
			continue;
		const uint64_t *v = k == 0 ? NULL : k == 1 ? a : b;
		size_t n = k == 0 ? 0 : k == 1 ? 1 : 2;
		stats_io_add(&s, 0, ns, 100, v, n);
		stats_io_add(&s, 3, ns, 100, v, n);
		stats_io_add(&s, 4, ns, 100, v, n);
		stats_io_add(&s, 1, ns, 100, k == 1 ? neg : NULL, k == 1 ? 2 : 0);
		stats_io_add(&s, 2, ns, 100, k == 1 ? t1 : k == 2 ? t2 : NULL, k == 0 ? 0 : 1);
	}
	test_report_result(s.col[0].cell[0].counter == 7, "MIN starts at the first value, not at 0 of a frame without one");
	test_report_result(s.col[0].max_val == 1448, "MIN's width follows the running value (tshark)");
	test_report_result((int64_t)s.col[1].cell[0].counter == -2, "MAX of signed values compares them signed");
	test_report_result(s.col[2].cell[0].counter == 4000001 && s.col[2].cell[0].num == 2, "AVG sums and counts");
	test_report_result(s.col[3].cell[0].counter == 1485 && s.col[4].cell[0].counter == 3, "SUM and COUNT");
	test_report_result(s.col[3].cell[0].frames == 3, "every frame of the series is counted");
	struct obuf o;
	obuf_init(&o);
	const char *t = render(&s, &o);
	test_report_result(strstr(t, "|  MIN |") && strstr(t, "|    7 |"), "MIN column 4 wide, as its largest running value");
	test_report_result(strstr(t, "| 0.002000 |") != NULL, "AVG of times: microseconds, rounded");
	test_report_result(strstr(t, "|              -2 |") != NULL,
			   "signed values shown signed (a negative one widens the column to 15, as tshark's)");
	obuf_free(&o);
	stats_io_free(&s);
}

/* LOAD: a time of 2.5 s ending at 3.2 s adds 0.5 s to its own interval and one second to each of
 * the two before it; shown per second of the interval. */
static void test_load(void)
{
	struct stats_io s;
	if (io_new(&s, 1000000, 0, 1, 100) < 0)
		return;
	stats_io_set_col(&s, 0, SIO_LOAD, SIO_TIME, "LOAD(t)t");
	const uint64_t v[] = { 2500000000ull };
	stats_io_frame(&s, 0);
	stats_io_add(&s, 0, 0, 60, NULL, 0);
	stats_io_frame(&s, 3200 * MS);
	stats_io_add(&s, 0, 3200 * MS, 60, v, 1);
	stats_io_frame(&s, 4400 * MS);
	struct obuf o;
	obuf_init(&o);
	const char *t = render(&s, &o);
	test_report_result(strstr(t, "|  0 <> 1  | 0.000000 |") != NULL, "LOAD: nothing before what the time covers");
	test_report_result(strstr(t, "|  1 <> 2  | 1.000000 |") && strstr(t, "|  2 <> 3  | 1.000000 |"),
			   "LOAD: whole intervals spread back");
	test_report_result(strstr(t, "|  3 <> 4  | 0.500000 |") != NULL, "LOAD: the part in its own interval");
	test_report_result(strstr(t, "|  4 <> Dur| 0.000000 |") != NULL, "LOAD: the last row, to the duration");
	obuf_free(&o);
	stats_io_free(&s);
}

static void test_cap(void)
{
	struct stats_io s;
	if (io_new(&s, 1000, 3, 2, 8) < 0)
		return;
	test_report_result(s.max_buckets == 4, "the cell cap is shared by the columns");
	test_report_result(stats_io_frame(&s, 3 * MS) == 0, "a frame in the last interval kept");
	test_report_result(stats_io_frame(&s, 4 * MS) < 0 && s.dropped == 1, "a frame past it is dropped and counted");
	struct obuf o;
	obuf_init(&o);
	test_report_result(strstr(render(&s, &o), "1 frames past the last of 4 intervals not counted") != NULL,
			   "the table says so");
	obuf_free(&o);
	stats_io_free(&s);
}

/* Whole tables as tshark 4.0 prints them for the same frames (recorded with tshark -z io,stat). */
static void test_layout(void)
{
	struct stats_io s;
	struct obuf o;
	obuf_init(&o);
	if (io_new(&s, 100000, 1, 1, 100) == 0) {
		frame(&s, 0, 52);
		frame(&s, 300 * MS, 53);
		frame(&s, 650 * MS, 54);
		const char *want = "\n"
				   "===============================\n"
				   "| IO Statistics               |\n"
				   "|                             |\n"
				   "| Duration: 0.6 secs          |\n"
				   "| Interval: 0.1 secs          |\n"
				   "|                             |\n"
				   "| Col 1: Frames and bytes     |\n"
				   "|-----------------------------|\n"
				   "|            |1               |\n"
				   "| Interval   | Frames | Bytes |\n"
				   "|-----------------------------|\n"
				   "| 0.0 <> 0.1 |      1 |    52 |\n"
				   "| 0.1 <> 0.2 |      0 |     0 |\n"
				   "| 0.2 <> 0.3 |      0 |     0 |\n"
				   "| 0.3 <> 0.4 |      1 |    53 |\n"
				   "| 0.4 <> 0.5 |      0 |     0 |\n"
				   "| 0.5 <> 0.6 |      0 |     0 |\n"
				   "| 0.6 <> 0.6 |      1 |    54 |\n"
				   "===============================\n";
		const char *got = render(&s, &o);
		test_report_result(!strcmp(got, want), "0.65 s in tenths: a half rounds down, the last row ends at 0.6");
		if (strcmp(got, want))
			printf("%s", got);
		stats_io_free(&s);
	}
	if (io_new(&s, 1000000, 0, 1, 100) == 0) {
		frame(&s, 0, 52);
		frame(&s, 1000 * MS, 53);
		frame(&s, 2000 * MS, 54);
		const char *want = "\n"
				   "=============================\n"
				   "| IO Statistics             |\n"
				   "|                           |\n"
				   "| Duration: 2.     0 secs   |\n"
				   "| Interval: 1 secs          |\n"
				   "|                           |\n"
				   "| Col 1: Frames and bytes   |\n"
				   "|---------------------------|\n"
				   "|          |1               |\n"
				   "| Interval | Frames | Bytes |\n"
				   "|---------------------------|\n"
				   "|  0 <> 1  |      1 |    52 |\n"
				   "|  1 <> Dur|      1 |    53 |\n"
				   "=============================\n";
		const char *got = render(&s, &o);
		test_report_result(!strcmp(got, want),
				   "2 s in seconds: microseconds padded with spaces, the frame at the end not shown");
		if (strcmp(got, want))
			printf("%s", got);
		stats_io_free(&s);
	}
	if (io_new(&s, 0, 0, 1, 100) == 0) {
		frame(&s, 0, 60);
		const char *got = render(&s, &o);
		test_report_result(strstr(got, "| Duration: 0.000 secs") && !strstr(got, "<>"),
				   "a capture of no duration has no rows");
		stats_io_free(&s);
	}
	obuf_free(&o);
}

int main(void)
{
	test_intervals();
	test_calcs();
	test_load();
	test_cap();
	test_layout();
	return test_failed != 0;
}
