/* tap.h: the test-anything-protocol lines every unit test prints ("ok N - what",
 * "not ok N - what"); a test program returns test_failed != 0. Included once per program. */
#ifndef SLEUTH_TESTS_TAP_H
#define SLEUTH_TESTS_TAP_H

#include <stdarg.h>
#include <stdio.h>

#include "base/err.h"

static int test_num;
static int test_failed;

static void test_report_result(int ok, const char *desc)
{
	test_num++;
	if (!ok)
		test_failed++;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", test_num, desc);
}

PRINTF_LIKE(2, 3) static inline void test_reportf(int ok, const char *fmt, ...)
{
	char d[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d, sizeof d, fmt, ap);
	va_end(ap);
	test_report_result(ok, d);
}

#endif
