/* http.c: HTTP/1.x message framing (RFC 9112): a start line and header fields up to an empty
 * line, then a body delimited by Content-Length, by chunked transfer coding, or (responses
 * only) by the connection closing. No body after HEAD, 1xx, 204 and 304. Pipelined messages
 * follow one another. Framing follows Wireshark 4.0's reassembly of HTTP so the packet list
 * matches tshark: data not starting like a message is one "Continuation" PDU. */
#include <string.h>

#include "base/rd.h"
#include "proto/proto.h"

#define HTTP_LINE_MAX 96     /* start line kept for later packets of a chunked body */
#define HTTP_HDR_MAX 32768   /* header block beyond this is given up as malformed */
#define HTTP_CHUNK_LINE_MAX 1024

enum http_phase {
	HTTP_START = 0,   /* at a message boundary */
	HTTP_BODY_LEN,    /* `left` body bytes follow */
	HTTP_BODY_CLOSE,  /* body ends when the connection closes */
	HTTP_CHUNK_SIZE,  /* a chunk-size line */
	HTTP_CHUNK_DATA,  /* `left` chunk bytes follow, then CRLF */
	HTTP_CHUNK_CRLF,  /* the CRLF after chunk data */
	HTTP_TRAILER,     /* trailer fields up to an empty line */
};

struct http_state {
	uint8_t phase;
	uint8_t line_len;
	uint8_t last_was_head;  /* the most recent request of the conversation was HEAD */
	uint64_t left;
	uint32_t msgs;
	char line[HTTP_LINE_MAX]; /* start line of the message being framed (maybe cut) */
};

static const char *const http_methods[] = {
	"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PATCH",
	"PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH", "REPORT",
	"CHECKOUT", "CHECKIN", "VERSION-CONTROL", "UNCHECKOUT", "MKWORKSPACE", "UPDATE", "LABEL",
	"MERGE", "BASELINE-CONTROL", "MKACTIVITY", "ORDERPATCH", "ACL", "MKCALENDAR", "BIND", "UNBIND",
	"REBIND", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE", "M-SEARCH", "POLL", "BCOPY", "BDELETE",
	"BMOVE", "BPROPFIND", "BPROPPATCH", "X-MS-ENUMATTS", "RPC_IN_DATA", "RPC_OUT_DATA",
	"RPC_CONNECT", "CCM_POST", "PURGE", "LINK", "UNLINK",
};

static int http_is_print(uint8_t c)
{
	return c >= 0x20 && c < 0x7f;
}

static int ascii_ieq(const uint8_t *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t x = a[i], y = (uint8_t)b[i];
		if (x >= 'A' && x <= 'Z')
			x = (uint8_t)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (uint8_t)(y + 32);
		if (x != y)
			return 0;
	}
	return 1;
}

/* Finds the end of the line starting at `off`: returns the line length and sets *next to the
 * offset after its terminator, or returns -1 when the line is not complete in `data` (as
 * Wireshark's tvb_find_line_end with desegmentation: a CR as the last byte is incomplete). */
static int64_t http_line_end(struct slice data, uint32_t off, uint32_t *next)
{
	if (off >= data.len)
		return -1;
	/* the first CR or LF ends the line; memchr keeps this fast on long bodies */
	const uint8_t *start = data.p + off;
	size_t left = data.len - off;
	const uint8_t *lf = memchr(start, '\n', left);
	const uint8_t *cr = memchr(start, '\r', lf ? (size_t)(lf - start) : left);
	if (cr) {
		uint32_t i = (uint32_t)(cr - data.p);
		if (i + 1 >= data.len)
			return -1; /* a CR at the end: wait to see whether LF follows */
		*next = data.p[i + 1] == '\n' ? i + 2 : i + 1;
		return i - off;
	}
	if (lf) {
		uint32_t i = (uint32_t)(lf - data.p);
		*next = i + 1;
		return i - off;
	}
	return -1;
}

/* Wireshark's is_http_request_or_reply, reduced to what decides framing. Returns 1 for a
 * request (sets *head when the method is HEAD), 2 for a response (sets *code), 0 otherwise. */
static int http_start_kind(const uint8_t *s, uint32_t n, int *head, int *code)
{
	*head = 0;
	*code = -1;
	if (n >= 5 && memcmp(s, "HTTP/", 5) == 0) {
		uint32_t i = 5;
		while (i < n && s[i] != ' ')
			i++;
		while (i < n && s[i] == ' ')
			i++;
		if (i + 3 <= n && s[i] >= '0' && s[i] <= '9' && s[i + 1] >= '0' && s[i + 1] <= '9' &&
		    s[i + 2] >= '0' && s[i + 2] <= '9')
			*code = (s[i] - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
		return 2;
	}
	for (size_t m = 0; m < sizeof http_methods / sizeof http_methods[0]; m++) {
		size_t ml = strlen(http_methods[m]);
		if (n > ml && memcmp(s, http_methods[m], ml) == 0 && s[ml] == ' ') {
			*head = m == 2;
			return 1;
		}
	}
	return 0;
}

static uint64_t http_parse_u64(const uint8_t *s, uint32_t n, int base, int *ok)
{
	uint32_t i = 0;
	uint64_t v = 0;
	int digits = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	for (; i < n; i++) {
		int d;
		uint8_t c = s[i];
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			break;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) {
			*ok = 0;
			return 0;
		}
		v = v * (uint64_t)base + (uint64_t)d;
		digits++;
	}
	*ok = digits > 0;
	return v;
}

static void http_set_line(struct proto_ctx *ctx, struct http_state *st, const uint8_t *s, uint32_t n)
{
	ctx->info = PROTO_INFO_LINE;
	ctx->info_line.p = s;
	ctx->info_line.len = n;
	st->line_len = (uint8_t)(n < HTTP_LINE_MAX ? n : HTTP_LINE_MAX);
	memcpy(st->line, s, st->line_len);
}

static void http_show_kept_line(struct proto_ctx *ctx, struct http_state *st)
{
	ctx->info = PROTO_INFO_LINE;
	ctx->info_line.p = (const uint8_t *)st->line;
	ctx->info_line.len = st->line_len;
}

static struct proto_res http_res(uint8_t status, uint32_t consumed, uint32_t needed)
{
	struct proto_res r = { status, consumed, needed };
	return r;
}

static struct proto_res http_parse_chunked(struct proto_ctx *ctx, struct http_state *st, struct slice d);

/* At a message boundary: a start line and the header block. */
static struct proto_res http_parse_start(struct proto_ctx *ctx, struct http_state *st, struct slice d)
{
	struct http_state *peer = ctx->peer;
	struct rd r = rd_make(d.p, d.len);
	uint8_t c0 = rd_u8(&r);
	if (!rd_ok(&r))
		return http_res(PROTO_NEED_MORE, 0, 0);
	if (!http_is_print(c0))
		return http_res(PROTO_OK, d.len, 0); /* "Continuation" */
	uint32_t next;
	int64_t ll = http_line_end(d, 0, &next);
	if (ll < 0) {
		if (d.len > HTTP_HDR_MAX)
			return http_res(PROTO_OK, d.len, 0);
		return http_res(PROTO_NEED_MORE, 0, 0);
	}
	int head, code;
	int kind = http_start_kind(d.p, (uint32_t)ll, &head, &code);
	if (!kind)
		return http_res(PROTO_OK, d.len, 0); /* "Continuation" */
	http_set_line(ctx, st, d.p, (uint32_t)ll);
	/* header fields up to an empty line */
	uint64_t clen = 0;
	int have_clen = 0, chunked = 0;
	uint32_t off = next;
	for (uint32_t nlines = 0;; nlines++) {
		int64_t hl = http_line_end(d, off, &next);
		if (hl < 0) {
			if (d.len > HTTP_HDR_MAX) {
				ctx->anomalies++;
				return http_res(PROTO_ERR, 0, 0);
			}
			return http_res(PROTO_NEED_MORE, 0, 0);
		}
		const uint8_t *h = d.p + off;
		off = next;
		if (hl == 0)
			break;
		if (hl > 15 && ascii_ieq(h, "content-length:", 15)) {
			int ok;
			uint64_t v = http_parse_u64(h + 15, (uint32_t)hl - 15, 10, &ok);
			if (ok) {
				clen = v;
				have_clen = 1;
			}
		} else if (hl > 18 && ascii_ieq(h, "transfer-encoding:", 18)) {
			uint32_t i = 18;
			while (i < (uint32_t)hl && (h[i] == ' ' || h[i] == '\t'))
				i++;
			if ((uint32_t)hl - i >= 7 && ascii_ieq(h + i, "chunked", 7))
				chunked = 1;
		}
	}
	uint32_t hdr_len = off;
	st->msgs++;
	int body = 1;
	if (kind == 1) {
		st->last_was_head = (uint8_t)head;
		if (peer)
			peer->last_was_head = (uint8_t)head;
		if (!have_clen && !chunked)
			body = 0;
	} else {
		if ((code >= 100 && code < 200) || code == 204 || code == 304 || st->last_was_head)
			body = 0;
	}
	if (!body || (have_clen && clen == 0 && !chunked))
		return http_res(PROTO_OK, hdr_len, 0);
	if (chunked) {
		st->phase = HTTP_CHUNK_SIZE;
		struct slice rest = { d.p + hdr_len, d.len - hdr_len };
		struct proto_res cr = http_parse_chunked(ctx, st, rest);
		cr.consumed += hdr_len;
		return cr;
	}
	if (have_clen) {
		uint64_t avail = d.len - hdr_len;
		if (avail >= clen)
			return http_res(PROTO_OK, hdr_len + (uint32_t)clen, 0);
		st->phase = HTTP_BODY_LEN;
		st->left = clen - avail;
		return http_res(PROTO_NEED_MORE, d.len, st->left > UINT32_MAX - 1 ? 0 : (uint32_t)st->left);
	}
	st->phase = HTTP_BODY_CLOSE;
	return http_res(PROTO_NEED_MORE, d.len, PROTO_UNTIL_CLOSE);
}

/* Chunked body: sizes, data, CRLFs and trailers; never needs the caller to keep more than a
 * line. Wireshark re-dissects the whole message for every segment, showing the start line. */
static struct proto_res http_parse_chunked(struct proto_ctx *ctx, struct http_state *st, struct slice d)
{
	uint32_t off = 0;
	if (ctx->info != PROTO_INFO_LINE)
		http_show_kept_line(ctx, st);
	for (uint32_t guard = 0; guard < 1u << 20; guard++) {
		uint32_t next;
		int64_t ll;
		switch (st->phase) {
		case HTTP_CHUNK_SIZE: {
			ll = http_line_end(d, off, &next);
			if (ll < 0) {
				if (d.len - off > HTTP_CHUNK_LINE_MAX) {
					ctx->anomalies++;
					return http_res(PROTO_ERR, off, 0);
				}
				return http_res(PROTO_NEED_MORE, off, 0);
			}
			int ok;
			uint64_t sz = http_parse_u64(d.p + off, (uint32_t)ll, 16, &ok);
			off = next;
			if (!ok) {
				ctx->anomalies++;
				st->phase = HTTP_START;
				return http_res(PROTO_OK, d.len, 0);
			}
			if (sz == 0) {
				st->phase = HTTP_TRAILER;
			} else {
				st->phase = HTTP_CHUNK_DATA;
				st->left = sz;
			}
			break;
		}
		case HTTP_CHUNK_DATA: {
			uint64_t avail = d.len - off;
			if (avail < st->left) {
				st->left -= avail;
				return http_res(PROTO_NEED_MORE, d.len, 0);
			}
			off += (uint32_t)st->left;
			st->left = 0;
			st->phase = HTTP_CHUNK_CRLF;
			break;
		}
		case HTTP_CHUNK_CRLF:
			ll = http_line_end(d, off, &next);
			if (ll < 0)
				return http_res(PROTO_NEED_MORE, off, 0);
			off = next; /* Wireshark tolerates junk before the CRLF */
			st->phase = HTTP_CHUNK_SIZE;
			break;
		case HTTP_TRAILER:
			ll = http_line_end(d, off, &next);
			if (ll < 0)
				return http_res(PROTO_NEED_MORE, off, 0);
			off = next;
			if (ll == 0) {
				st->phase = HTTP_START;
				return http_res(PROTO_OK, off, 0);
			}
			break;
		default:
			return http_res(PROTO_ERR, off, 0);
		}
	}
	return http_res(PROTO_ERR, off, 0);
}

static struct proto_res http_parse(struct proto_ctx *ctx, uint8_t dir, struct slice d)
{
	struct http_state *st = ctx->state;
	(void)dir;
	switch (st->phase) {
	case HTTP_START:
		return http_parse_start(ctx, st, d);
	case HTTP_BODY_LEN:
		if (d.len >= st->left) {
			uint32_t n = (uint32_t)st->left;
			st->left = 0;
			st->phase = HTTP_START;
			return http_res(PROTO_OK, n, 0);
		}
		st->left -= d.len;
		return http_res(PROTO_NEED_MORE, d.len, st->left > UINT32_MAX - 1 ? 0 : (uint32_t)st->left);
	case HTTP_BODY_CLOSE:
		return http_res(PROTO_NEED_MORE, d.len, PROTO_UNTIL_CLOSE);
	default:
		return http_parse_chunked(ctx, st, d);
	}
}

static int http_skip(struct proto_ctx *ctx, uint8_t dir, uint32_t n)
{
	struct http_state *st = ctx->state;
	(void)dir;
	if (st->phase == HTTP_BODY_CLOSE)
		return 0;
	if (st->phase == HTTP_BODY_LEN && n < st->left) {
		st->left -= n;
		return 0;
	}
	if (st->phase == HTTP_CHUNK_DATA && n < st->left) {
		st->left -= n;
		return 0;
	}
	return -1;
}

static enum proto_probe http_probe(uint8_t l4, struct slice d)
{
	uint32_t next;
	int64_t ll = http_line_end(d, 0, &next);
	int head, code;
	if (ll < 0)
		return PROBE_MAYBE;
	int kind = http_start_kind(d.p, (uint32_t)ll, &head, &code);
	if (kind == 2 && code < 0)
		return PROBE_NO;
	/* a request line ends with the version */
	if (kind == 1 && !(ll >= 8 && memcmp(d.p + ll - 8, "HTTP/1.", 7) == 0))
		return PROBE_NO;
	return kind ? PROBE_YES : PROBE_NO;
}

static const uint16_t http_ports[] = { 80, 3128, 3132, 5985, 8080, 8088, 11371, 1900, 2869, 2710, 631, 3689, 0 };

const struct proto_desc proto_http = {
	.name = "http",
	.l4 = PROTO_L4_TCP,
	.ws_heuristic = 1,
	.ports = http_ports,
	.probe = http_probe,
	.state_size = sizeof(struct http_state),
	.parse = http_parse,
	.skip = http_skip,
};
