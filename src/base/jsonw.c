/* jsonw.c: JSON (RFC 8259) text written incrementally, with string escaping. */
#include "base/jsonw.h"

#include <string.h>

void jsonw_init(struct jsonw *j, struct obuf *o)
{
	memset(j, 0, sizeof *j);
	j->o = o;
}

/* Writes the separator a new value needs; returns 0 when the value is misplaced. */
static int jsonw_value_begin(struct jsonw *j)
{
	if (j->bad)
		return 0;
	if (j->depth && j->in_object[j->depth - 1]) {
		if (!j->key_done) {
			j->bad = 1;
			return 0;
		}
		j->key_done = 0;
		return 1;
	}
	if (j->depth) {
		if (j->need_comma[j->depth - 1])
			obuf_putc(j->o, ',');
		j->need_comma[j->depth - 1] = 1;
	}
	return 1;
}

static void jsonw_open(struct jsonw *j, char c, int object)
{
	if (!jsonw_value_begin(j))
		return;
	if (j->depth >= JSONW_MAX_DEPTH) {
		j->bad = 1;
		return;
	}
	obuf_putc(j->o, c);
	j->need_comma[j->depth] = 0;
	j->in_object[j->depth] = (uint8_t)object;
	j->depth++;
}

static void jsonw_close(struct jsonw *j, char c, int object)
{
	if (j->bad || !j->depth || j->in_object[j->depth - 1] != object || j->key_done) {
		j->bad = 1;
		return;
	}
	obuf_putc(j->o, c);
	j->depth--;
}

void jsonw_open_object(struct jsonw *j) { jsonw_open(j, '{', 1); }
void jsonw_close_object(struct jsonw *j) { jsonw_close(j, '}', 1); }
void jsonw_open_array(struct jsonw *j) { jsonw_open(j, '[', 0); }
void jsonw_close_array(struct jsonw *j) { jsonw_close(j, ']', 0); }

/* Bytes that go into a JSON string as they are: printable ASCII but the quote and the backslash. */
static int jsonw_plain(uint8_t c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; }

#define JSONW_ONES 0x0101010101010101ull
#define JSONW_HIGH 0x8080808080808080ull

/* Non-zero when a byte of v is zero (no false answer either way: a borrow only marks bytes above
 * a real zero). */
static uint64_t jsonw_has_zero(uint64_t v) { return (v - JSONW_ONES) & ~v & JSONW_HIGH; }

/* How many bytes from p are plain (jsonw_plain), eight at a time while none in a word needs
 * escaping: below 0x20 or from 0x7f on, the quote or the backslash. */
static size_t jsonw_plain_run(const uint8_t *p, size_t n)
{
	size_t k = 0;
	for (; k + 8 <= n; k += 8) {
		uint64_t v;
		memcpy(&v, p + k, 8);
		uint64_t bad = ((v - JSONW_ONES * 0x20) & ~v & JSONW_HIGH) | (v & JSONW_HIGH) |
			       jsonw_has_zero(v ^ (JSONW_ONES * '"')) | jsonw_has_zero(v ^ (JSONW_ONES * '\\')) |
			       jsonw_has_zero(v ^ (JSONW_ONES * 0x7f));
		if (bad)
			break;
	}
	while (k < n && jsonw_plain(p[k]))
		k++;
	return k;
}

static void jsonw_put_string(struct obuf *o, const char *s, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	const uint8_t *p = (const uint8_t *)s;
	obuf_putc(o, '"');
	for (size_t i = 0; i < n;) {
		uint8_t c = p[i];
		if (jsonw_plain(c)) {
			size_t k = i + jsonw_plain_run(p + i, n - i);
			obuf_write(o, p + i, k - i);
			i = k;
		} else if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			obuf_write(o, e, 2);
			i++;
		} else if (c >= 0x80 && obuf_utf8_len(p + i, n - i)) {
			size_t l = obuf_utf8_len(p + i, n - i);
			obuf_write(o, p + i, l);
			i += l;
		} else if (c == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] < 0xa0) {
			/* a C1 control, valid UTF-8: written as its code point */
			char e[6] = { '\\', 'u', '0', '0', hx[p[i + 1] >> 4], hx[p[i + 1] & 15] };
			obuf_write(o, e, 6);
			i += 2;
		} else {
			/* control characters and stray bytes: \u00XX keeps the output valid UTF-8 */
			char e[6] = { '\\', 'u', '0', '0', hx[c >> 4], hx[c & 15] };
			obuf_write(o, e, 6);
			i++;
		}
	}
	obuf_putc(o, '"');
}

void jsonw_key(struct jsonw *j, const char *key)
{
	if (j->bad || !j->depth || !j->in_object[j->depth - 1] || j->key_done) {
		j->bad = 1;
		return;
	}
	if (j->need_comma[j->depth - 1])
		obuf_putc(j->o, ',');
	j->need_comma[j->depth - 1] = 1;
	jsonw_put_string(j->o, key, strlen(key));
	obuf_putc(j->o, ':');
	j->key_done = 1;
}

void jsonw_string(struct jsonw *j, const char *s, size_t n)
{
	if (jsonw_value_begin(j))
		jsonw_put_string(j->o, s, n);
}

void jsonw_u64(struct jsonw *j, uint64_t v)
{
	if (jsonw_value_begin(j))
		obuf_u64(j->o, v);
}

int jsonw_value(struct jsonw *j) { return jsonw_value_begin(j); }

void jsonw_raw(struct jsonw *j, const char *s, size_t n)
{
	if (jsonw_value_begin(j))
		obuf_write(j->o, s, n);
}
