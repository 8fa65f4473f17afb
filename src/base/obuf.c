/* obuf.c: output buffer. */
#include "base/obuf.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void obuf_init(struct obuf *o)
{
	o->buf = NULL;
	o->len = o->cap = 0;
	o->cut = 0;
}

void obuf_free(struct obuf *o)
{
	free(o->buf);
	obuf_init(o);
}

int obuf_reserve(struct obuf *o, size_t n)
{
	if (o->len + n + 1 <= o->cap)
		return 0;
	if (o->len + n + 1 > OBUF_MAX) {
		o->cut = 1;
		return -1;
	}
	size_t nc = o->cap ? o->cap : 4096;
	while (nc < o->len + n + 1)
		nc *= 2;
	char *b = realloc(o->buf, nc);
	if (!b) {
		o->cut = 1;
		return -1;
	}
	o->buf = b;
	o->cap = nc;
	return 0;
}

void obuf_write(struct obuf *o, const void *p, size_t n)
{
	if (obuf_reserve(o, n) < 0)
		return;
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

void obuf_puts(struct obuf *o, const char *s) { obuf_write(o, s, strlen(s)); }

void obuf_printf(struct obuf *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char tmp[256];
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		obuf_write(o, tmp, (size_t)n);
		return;
	}
	if (obuf_reserve(o, (size_t)n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(o->buf + o->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	o->len += (size_t)n;
}

void obuf_u64(struct obuf *o, uint64_t v)
{
	static const char pairs[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
				       "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
				       "8081828384858687888990919293949596979899";
	char tmp[24];
	int i = 24;
	while (v >= 100) { /* two digits per division */
		unsigned d = (unsigned)(v % 100) * 2;
		v /= 100;
		tmp[--i] = pairs[d + 1];
		tmp[--i] = pairs[d];
	}
	if (v >= 10) {
		tmp[--i] = pairs[v * 2 + 1];
		tmp[--i] = pairs[v * 2];
	} else {
		tmp[--i] = (char)('0' + v);
	}
	obuf_write(o, tmp + i, (size_t)(24 - i));
}

void obuf_i64(struct obuf *o, int64_t v)
{
	if (v < 0) {
		obuf_putc(o, '-');
		obuf_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		obuf_u64(o, (uint64_t)v);
	}
}

void obuf_pad_from(struct obuf *o, size_t from, size_t w, int right)
{
	size_t n = o->len - from;
	if (n >= w || obuf_reserve(o, w - n) < 0)
		return;
	size_t pad = w - n;
	if (right) {
		memmove(o->buf + from + pad, o->buf + from, n);
		memset(o->buf + from, ' ', pad);
	} else {
		memset(o->buf + o->len, ' ', pad);
	}
	o->len += pad;
}

void obuf_put_escaped(struct obuf *o, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			obuf_putc(o, (char)c);
		} else {
			char e[4] = { '\\', 'x', hx[c >> 4], hx[c & 15] };
			obuf_write(o, e, 4);
		}
	}
}

size_t obuf_utf8_len(const uint8_t *p, size_t n)
{
	uint8_t c = p[0];
	size_t len = c < 0xc2 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 0;
	if (!len || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) || (c == 0xf0 && p[1] < 0x90) ||
	    (c == 0xf4 && p[1] > 0x8f))
		return 0; /* overlong, surrogate or past U+10FFFF */
	if (c == 0xc2 && p[1] < 0xa0)
		return 0; /* U+0080..U+009F: C1 controls (0x9b is CSI on some terminals) */
	return len;
}

void obuf_put_text(struct obuf *o, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n;) {
		uint8_t c = p[i];
		size_t l;
		if (c >= 0x20 && c < 0x7f) {
			obuf_putc(o, (char)c);
			i++;
		} else if (c >= 0x80 && (l = obuf_utf8_len(p + i, n - i)) != 0) {
			obuf_write(o, p + i, l);
			i += l;
		} else {
			char e[4] = { '\\', 'x', hx[c >> 4], hx[c & 15] };
			obuf_write(o, e, 4);
			i++;
		}
	}
}

void obuf_put_field_text(struct obuf *o, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	static const char cesc[] = "abtnvfr"; /* \a (7) .. \r (13) */
	size_t i = 0, l;
	while (i < n) {
		size_t k = i;
		while (k < n && p[k] >= 0x20 && p[k] < 0x7f)
			k++;
		if (k > i) {
			obuf_write(o, p + i, k - i);
			i = k;
		} else if (p[i] >= 7 && p[i] <= 13) {
			char e[2] = { '\\', cesc[p[i] - 7] };
			obuf_write(o, e, 2);
			i++;
		} else if (p[i] >= 0x80 && (l = obuf_utf8_len(p + i, n - i)) != 0) {
			obuf_write(o, p + i, l);
			i += l;
		} else {
			char e[4] = { '\\', 'x', hx[p[i] >> 4], hx[p[i] & 15] };
			obuf_write(o, e, 4);
			i++;
		}
	}
}

void obuf_hex(struct obuf *o, const uint8_t *p, size_t n, char sep)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		if (i && sep)
			obuf_putc(o, sep);
		char e[2] = { hx[p[i] >> 4], hx[p[i] & 15] };
		obuf_write(o, e, 2);
	}
}

void obuf_mac(struct obuf *o, const uint8_t *m) { obuf_hex(o, m, 6, ':'); }

void obuf_addr(struct obuf *o, const uint8_t *a, int alen)
{
	char tmp[64];
	if (alen == 4) {
		obuf_u64(o, a[0]);
		obuf_putc(o, '.');
		obuf_u64(o, a[1]);
		obuf_putc(o, '.');
		obuf_u64(o, a[2]);
		obuf_putc(o, '.');
		obuf_u64(o, a[3]);
		return;
	}
	if (inet_ntop(AF_INET6, a, tmp, sizeof tmp))
		obuf_puts(o, tmp);
}

int obuf_flush(struct obuf *o, FILE *f)
{
	int rc = 0;
	if (o->len && fwrite(o->buf, 1, o->len, f) != o->len)
		rc = -1;
	o->len = 0;
	return rc;
}

const char *obuf_cstr(struct obuf *o)
{
	if (obuf_reserve(o, 1) < 0 && !o->buf)
		return "";
	o->buf[o->len] = 0;
	return o->buf;
}
