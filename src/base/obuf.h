/* obuf.h: append-only output buffer with fast integer formatting and safe escaping. */
#ifndef SLEUTH_BASE_OBUF_H
#define SLEUTH_BASE_OBUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"

/* Owns `buf`. Appends past `cap` grow the buffer up to OBUF_MAX; beyond that
 * the text is cut and `cut` is set (never an overflow). */
struct obuf {
	char *buf;
	size_t len, cap;
	int cut;
};

#define OBUF_MAX (64u << 20)

void obuf_init(struct obuf *o);
void obuf_free(struct obuf *o);
static inline void obuf_reset(struct obuf *o) { o->len = 0; o->cut = 0; }
int obuf_reserve(struct obuf *o, size_t n);
static inline void obuf_putc(struct obuf *o, char c)
{
	if (o->len + 2 > o->cap && obuf_reserve(o, 1) < 0)
		return;
	o->buf[o->len++] = c;
}
void obuf_write(struct obuf *o, const void *p, size_t n);
void obuf_puts(struct obuf *o, const char *s);
void obuf_printf(struct obuf *o, const char *fmt, ...) PRINTF_LIKE(2, 3);
void obuf_u64(struct obuf *o, uint64_t v);
void obuf_i64(struct obuf *o, int64_t v);
/* Right- or left-justifies the last `from`.. bytes to width w with spaces. */
void obuf_pad_from(struct obuf *o, size_t from, size_t w, int right);
/* Appends untrusted bytes for a terminal: printable ASCII as is, others as \xNN. */
void obuf_put_escaped(struct obuf *o, const uint8_t *p, size_t n);
/* Appends untrusted text as a terminal shows it safely: printable ASCII and valid UTF-8 (from
 * U+00A0 up) as is, every other byte (C0/C1 controls, DEL, broken sequences) as \xNN. */
void obuf_put_text(struct obuf *o, const uint8_t *p, size_t n);
/* Appends untrusted text as tshark prints a string field: as obuf_put_text, but the controls
 * BEL, BS, TAB, LF, VT, FF and CR as the C escapes \a \b \t \n \v \f \r. (tshark writes DEL
 * as it is; it stays \x7f here: a terminal must not get raw control bytes.) */
void obuf_put_field_text(struct obuf *o, const uint8_t *p, size_t n);
/* Length (2..4) of a valid UTF-8 sequence of a non-ASCII character at p, or 0. */
size_t obuf_utf8_len(const uint8_t *p, size_t n);
void obuf_hex(struct obuf *o, const uint8_t *p, size_t n, char sep);
void obuf_mac(struct obuf *o, const uint8_t *m);
/* IPv4 dotted quad or RFC 5952 IPv6 text. */
void obuf_addr(struct obuf *o, const uint8_t *a, int alen);
/* Writes and empties the buffer; returns 0 or -1 on a write error. */
int obuf_flush(struct obuf *o, FILE *f);
/* NUL-terminated view (valid until the next append). */
const char *obuf_cstr(struct obuf *o);

#endif
