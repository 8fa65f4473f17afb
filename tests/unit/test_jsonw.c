/* test_jsonw.c: unit test of the JSON writer (base/jsonw.c): nesting, separators, escaping of
 * control characters and of bytes that are not UTF-8, refusal of misuse. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/jsonw.h"
#include "tap.h"

static const char *jw_text(struct obuf *o) { return obuf_cstr(o); }

/* Every ASCII byte at every position of a run longer than a word: the word-at-a-time scan must
 * stop exactly where the byte-at-a-time rule would (printable ASCII but '"' and '\\' pass). */
static void test_plain_runs(void)
{
	int bad = 0;
	struct obuf o;
	obuf_init(&o);
	for (int c = 0; c < 128 && !bad; c++)
		for (int at = 0; at < 19 && !bad; at++) {
			char in[19];
			memset(in, 'a', sizeof in);
			in[at] = (char)c;
			obuf_reset(&o);
			struct jsonw j;
			jsonw_init(&j, &o);
			jsonw_string(&j, in, sizeof in);
			char want[64];
			int plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
			char esc[8];
			if (plain)
				snprintf(esc, sizeof esc, "%c", c);
			else if (c == '"' || c == '\\')
				snprintf(esc, sizeof esc, "\\%c", c);
			else
				snprintf(esc, sizeof esc, "\\u%04x", c);
			snprintf(want, sizeof want, "\"%.*s%s%.*s\"", at, "aaaaaaaaaaaaaaaaaaa", esc, 18 - at,
				 "aaaaaaaaaaaaaaaaaaa");
			bad = strcmp(obuf_cstr(&o), want) != 0;
			if (bad)
				printf("# byte 0x%02x at %d: %s, want %s\n", c, at, obuf_cstr(&o), want);
		}
	test_report_result(!bad, "each ASCII byte at each position of a 19-byte string is escaped as its own rule says");
	obuf_free(&o);
}

/* obuf_u64 against printf: every power of ten and its neighbours, and a spread of others. */
static void test_u64(void)
{
	int bad = 0;
	struct obuf o;
	obuf_init(&o);
	uint64_t v = 1, x = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 200 && !bad; i++) {
		uint64_t probe[4] = { v - 1, v, v + 1, x };
		for (int k = 0; k < 4 && !bad; k++) {
			char want[32];
			snprintf(want, sizeof want, "%llu", (unsigned long long)probe[k]);
			obuf_reset(&o);
			obuf_u64(&o, probe[k]);
			bad = strcmp(obuf_cstr(&o), want) != 0;
			if (bad)
				printf("# %s written as %s\n", want, obuf_cstr(&o));
		}
		v = i < 19 ? v * 10 : v;
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		x >>= (unsigned)(i % 64);
	}
	obuf_reset(&o);
	obuf_u64(&o, UINT64_MAX);
	bad |= strcmp(obuf_cstr(&o), "18446744073709551615") != 0;
	test_report_result(!bad, "obuf_u64 writes what printf writes (powers of ten and their neighbours, others, the maximum)");
	obuf_free(&o);
}

int main(void)
{
	test_u64();
	test_plain_runs();
	struct obuf o;
	obuf_init(&o);
	struct jsonw j;

	jsonw_init(&j, &o);
	jsonw_open_object(&j);
	jsonw_key(&j, "a");
	jsonw_u64(&j, 1);
	jsonw_key(&j, "b");
	jsonw_open_array(&j);
	jsonw_string(&j, "x", 1);
	jsonw_raw(&j, "-2", 2);
	jsonw_close_array(&j);
	jsonw_close_object(&j);
	test_reportf(!j.bad && !strcmp(jw_text(&o), "{\"a\":1,\"b\":[\"x\",-2]}"), "object with an array: %s", jw_text(&o));

	obuf_reset(&o);
	jsonw_init(&j, &o);
	const char raw[] = { 'q', '"', '\\', '\n', 0x01, (char)0xe2, (char)0x86, (char)0x92, (char)0xff, (char)0xc3 };
	jsonw_string(&j, raw, sizeof raw);
	test_reportf(!strcmp(jw_text(&o), "\"q\\\"\\\\\\u000a\\u0001\xe2\x86\x92\\u00ff\\u00c3\""),
		     "escapes quotes, backslash, controls, stray bytes; keeps valid UTF-8: %s", jw_text(&o));

	obuf_reset(&o);
	const char overlong[] = { (char)0xc0, (char)0xaf, (char)0xed, (char)0xa0, (char)0x80 };
	jsonw_init(&j, &o);
	jsonw_string(&j, overlong, sizeof overlong);
	test_reportf(!strcmp(jw_text(&o), "\"\\u00c0\\u00af\\u00ed\\u00a0\\u0080\""),
		     "overlong forms and surrogates are not passed through: %s", jw_text(&o));

	obuf_reset(&o);
	const char c1[] = { (char)0xc2, (char)0x9b, '[' };
	jsonw_init(&j, &o);
	jsonw_string(&j, c1, sizeof c1);
	test_reportf(!strcmp(jw_text(&o), "\"\\u009b[\""), "a C1 control (CSI) is written as \\u009b: %s", jw_text(&o));

	obuf_reset(&o);
	const uint8_t line[] = { 'O', 'K', ' ', 0x1b, '[', '2', 'J', 0xc2, 0x9b, 0xc3, 0xa9, 0xff };
	obuf_put_text(&o, line, sizeof line);
	test_reportf(!strcmp(jw_text(&o), "OK \\x1b[2J\\xc2\\x9b\xc3\xa9\\xff"),
		     "terminal text: ESC, C1 and stray bytes escaped, UTF-8 kept: %s", jw_text(&o));

	obuf_reset(&o);
	const uint8_t fld[] = { 'a', '\r', '\n', '\t', 0x08, 0x07, 0x0b, 0x0c, 0x7f, 0x1b, 0xc3, 0xa9, 0xfe, 'z' };
	obuf_put_field_text(&o, fld, sizeof fld);
	test_reportf(!strcmp(jw_text(&o), "a\\r\\n\\t\\b\\a\\v\\f\\x7f\\x1b\xc3\xa9\\xfez"),
		     "field text: C escapes as tshark, other controls and stray bytes as \\xNN: %s", jw_text(&o));

	obuf_reset(&o);
	jsonw_init(&j, &o);
	jsonw_open_object(&j);
	jsonw_u64(&j, 3); /* a value where a key is due */
	test_report_result(j.bad, "a value without a key is refused");

	jsonw_init(&j, &o);
	jsonw_open_array(&j);
	jsonw_close_object(&j);
	test_report_result(j.bad, "closing an array as an object is refused");

	jsonw_init(&j, &o);
	for (int i = 0; i < JSONW_MAX_DEPTH + 1; i++)
		jsonw_open_array(&j);
	test_report_result(j.bad, "nesting past the maximum depth is refused");

	obuf_free(&o);
	printf("1..%d\n", test_num);
	return test_failed ? 1 : 0;
}
