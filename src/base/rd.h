/* rd.h: bounds-checked cursor over untrusted bytes (every packet byte is read through it). */
#ifndef SLEUTH_BASE_RD_H
#define SLEUTH_BASE_RD_H

#include <stdint.h>
#include <string.h>

enum rd_status { RD_OK = 0, RD_TRUNC = 1, RD_BAD = 2 };

/* A cursor. `p` points into memory owned by the caller (mmapped capture or a
 * reassembly buffer) and is valid only as long as that memory is. Once a read
 * fails the status is sticky and every later read returns 0. */
struct rd {
	const uint8_t *p;
	uint32_t len;
	uint8_t status;
};

static inline struct rd rd_make(const uint8_t *p, uint32_t len)
{
	struct rd r = { p, len, RD_OK };
	return r;
}

static inline int rd_ok(const struct rd *r) { return r->status == RD_OK; }
static inline uint32_t rd_left(const struct rd *r) { return r->status == RD_OK ? r->len : 0; }

static inline int rd_need(struct rd *r, uint32_t n)
{
	if (r->status != RD_OK)
		return 0;
	if (r->len < n) {
		r->status = RD_TRUNC;
		r->len = 0;
		return 0;
	}
	return 1;
}

static inline void rd_bad(struct rd *r)
{
	if (r->status == RD_OK)
		r->status = RD_BAD;
}

static inline uint8_t rd_u8(struct rd *r)
{
	if (!rd_need(r, 1))
		return 0;
	uint8_t v = r->p[0];
	r->p++;
	r->len--;
	return v;
}

static inline uint16_t rd_be16(struct rd *r)
{
	if (!rd_need(r, 2))
		return 0;
	uint16_t v = (uint16_t)((r->p[0] << 8) | r->p[1]);
	r->p += 2;
	r->len -= 2;
	return v;
}

static inline uint16_t rd_le16(struct rd *r)
{
	if (!rd_need(r, 2))
		return 0;
	uint16_t v = (uint16_t)((r->p[1] << 8) | r->p[0]);
	r->p += 2;
	r->len -= 2;
	return v;
}

static inline uint32_t rd_be32(struct rd *r)
{
	if (!rd_need(r, 4))
		return 0;
	uint32_t v = ((uint32_t)r->p[0] << 24) | ((uint32_t)r->p[1] << 16) |
		     ((uint32_t)r->p[2] << 8) | r->p[3];
	r->p += 4;
	r->len -= 4;
	return v;
}

static inline uint32_t rd_le32(struct rd *r)
{
	if (!rd_need(r, 4))
		return 0;
	uint32_t v = ((uint32_t)r->p[3] << 24) | ((uint32_t)r->p[2] << 16) |
		     ((uint32_t)r->p[1] << 8) | r->p[0];
	r->p += 4;
	r->len -= 4;
	return v;
}

/* Returns a pointer to n bytes and advances, or NULL (status set). */
static inline const uint8_t *rd_bytes(struct rd *r, uint32_t n)
{
	if (!rd_need(r, n))
		return NULL;
	const uint8_t *p = r->p;
	r->p += n;
	r->len -= n;
	return p;
}

static inline int rd_copy(struct rd *r, void *dst, uint32_t n)
{
	const uint8_t *p = rd_bytes(r, n);
	if (!p)
		return 0;
	memcpy(dst, p, n);
	return 1;
}

static inline void rd_skip(struct rd *r, uint32_t n) { (void)rd_bytes(r, n); }

/* Splits off a sub-cursor of at most n bytes (fewer if the data is short: the
 * sub-cursor then ends early and its reads report RD_TRUNC). The parent
 * advances past what the sub-cursor covers. */
static inline struct rd rd_sub(struct rd *r, uint32_t n)
{
	struct rd s = { r->p, 0, r->status };
	if (r->status != RD_OK)
		return s;
	if (r->len < n) {
		s.len = r->len;
		r->p += r->len;
		r->len = 0;
		r->status = RD_TRUNC;
		s.status = RD_OK;
		return s;
	}
	s.len = n;
	r->p += n;
	r->len -= n;
	return s;
}

/* Reads without advancing: byte at offset off, or -1. */
static inline int rd_peek(const struct rd *r, uint32_t off)
{
	if (r->status != RD_OK || off >= r->len)
		return -1;
	return r->p[off];
}

#endif
