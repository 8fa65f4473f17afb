/* httptree.c: the HTTP/1.x detail tree (RFC 9112 start line and fields; cookies RFC 6265, Basic
 * credentials RFC 7617, chunked coding RFC 9112 section 7.1) with the labels, children and
 * generated lines of Wireshark 4.0's tree. It reads the header block http.c kept and what
 * http.c learned of the body; see httptree.h. */
#include "proto/httptree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/b64.h"

#define HTTP_THDR_MAX 32768  /* header block kept (http.c gives up beyond it) */
#define HTTP_TLINES 512      /* header lines drawn */

void http_tree_keep(struct http_tmsg **tmp, const uint8_t *hdr, uint32_t len)
{
	http_tree_free(tmp);
	if (len > HTTP_THDR_MAX)
		len = HTTP_THDR_MAX;
	struct http_tmsg *tm = malloc(sizeof *tm + len);
	if (!tm)
		return;
	memset(tm, 0, sizeof *tm);
	memcpy(tm->hdr, hdr, len);
	tm->hdr_len = len;
	*tmp = tm;
}

void http_tree_free(struct http_tmsg **tm)
{
	free(*tm);
	*tm = NULL;
}

void http_tree_chunk_size(struct http_tmsg *tm, uint64_t size)
{
	if (!tm)
		return;
	tm->chunked = 1;
	if (!size)
		return;
	if (tm->nchunks >= HTTP_TCHUNKS) {
		tm->chunks_cut = 1;
		return;
	}
	struct http_tchunk *c = &tm->chunk[tm->nchunks++];
	c->size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
	c->hlen = 0;
}

void http_tree_chunk_data(struct http_tmsg *tm, const uint8_t *p, uint32_t n)
{
	if (!tm || !tm->nchunks || tm->chunks_cut)
		return;
	struct http_tchunk *c = &tm->chunk[tm->nchunks - 1];
	uint32_t room = (uint32_t)sizeof c->head - c->hlen, k = n < room ? n : room;
	memcpy(c->head + c->hlen, p, k);
	c->hlen = (uint8_t)(c->hlen + k);
}

void http_tree_pair(struct http_tmsg *res, const struct http_tmsg *req)
{
	if (!res || !req)
		return;
	res->paired = 1;
	res->number = req->number;
	res->prev_req_frame = req->prev_req_frame;
	res->req_frame = req->frame;
	res->req_ns = req->ts_ns;
	memcpy(res->req_uri, req->req_uri, req->req_uri_len);
	res->req_uri_len = req->req_uri_len;
}

/* ---- lines ------------------------------------------------------------------------------ */

struct http_tline {
	const uint8_t *p;
	uint32_t len;   /* without the terminator */
	uint32_t all;   /* with it */
};

/* The line at *off in the block (a CR, an LF or CRLF ends it); 0 at the end. */
static int http_tree_line(const struct http_tmsg *tm, uint32_t *off, struct http_tline *l)
{
	if (*off >= tm->hdr_len)
		return 0;
	const uint8_t *s = tm->hdr + *off;
	uint32_t n = tm->hdr_len - *off, i = 0;
	while (i < n && s[i] != '\r' && s[i] != '\n')
		i++;
	uint32_t end = i;
	if (i < n && s[i++] == '\r' && i < n && s[i] == '\n')
		i++;
	l->p = s;
	l->len = end;
	l->all = i;
	*off += i;
	return 1;
}

static struct slice http_tree_s(const uint8_t *p, uint32_t n)
{
	struct slice s = { p, n };
	return s;
}

static const char *http_tree_status(unsigned c)
{
	static const struct {
		uint16_t code;
		const char *text;
	} t[] = {
		{ 100, "Continue" }, { 101, "Switching Protocols" }, { 102, "Processing" }, { 103, "Early Hints" },
		{ 199, "Informational - Others" }, { 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
		{ 203, "Non-authoritative Information" }, { 204, "No Content" }, { 205, "Reset Content" },
		{ 206, "Partial Content" }, { 207, "Multi-Status" }, { 208, "Already Reported" }, { 226, "IM Used" },
		{ 299, "Success - Others" }, { 300, "Multiple Choices" }, { 301, "Moved Permanently" }, { 302, "Found" },
		{ 303, "See Other" }, { 304, "Not Modified" }, { 305, "Use Proxy" }, { 307, "Temporary Redirect" },
		{ 308, "Permanent Redirect" }, { 399, "Redirection - Others" }, { 400, "Bad Request" },
		{ 401, "Unauthorized" }, { 402, "Payment Required" }, { 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 406, "Not Acceptable" }, { 407, "Proxy Authentication Required" },
		{ 408, "Request Time-out" }, { 409, "Conflict" }, { 410, "Gone" }, { 411, "Length Required" },
		{ 412, "Precondition Failed" }, { 413, "Request Entity Too Large" }, { 414, "Request-URI Too Long" },
		{ 415, "Unsupported Media Type" }, { 416, "Requested Range Not Satisfiable" },
		{ 417, "Expectation Failed" }, { 418, "I'm a teapot" }, { 421, "Misdirected Request" },
		{ 422, "Unprocessable Entity" }, { 423, "Locked" }, { 424, "Failed Dependency" }, { 425, "Too Early" },
		{ 426, "Upgrade Required" }, { 428, "Precondition Required" }, { 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" }, { 451, "Unavailable For Legal Reasons" },
		{ 499, "Client Error - Others" }, { 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" }, { 504, "Gateway Time-out" },
		{ 505, "HTTP Version not supported" }, { 506, "Variant Also Negotiates" },
		{ 507, "Insufficient Storage" }, { 508, "Loop Detected" }, { 510, "Not Extended" },
		{ 511, "Network Authentication Required" }, { 599, "Server Error - Others" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].code == c)
			return t[i].text;
	return NULL;
}

/* "Request URI" and its parts: path, query and the query's parameters. */
static void http_tree_uri(struct proto_ctx *ctx, struct slice u)
{
	proto_tree_field_str(ctx, 2, "Request URI", u, PROTO_TENC_ASCII);
	const uint8_t *q = memchr(u.p, '?', u.len);
	if (!q)
		return;
	uint32_t pl = (uint32_t)(q - u.p);
	proto_tree_field_str(ctx, 3, "Request URI Path", http_tree_s(u.p, pl), PROTO_TENC_ASCII);
	struct slice qs = http_tree_s(q + 1, u.len - pl - 1);
	proto_tree_field_str(ctx, 3, "Request URI Query", qs, PROTO_TENC_ASCII);
	for (uint32_t i = 0, guard = 0; i < qs.len && guard < 1024; guard++) {
		uint32_t s = i;
		while (i < qs.len && qs.p[i] != '&')
			i++;
		if (i > s)
			proto_tree_field_str(ctx, 4, "Request URI Query Parameter", http_tree_s(qs.p + s, i - s),
					     PROTO_TENC_ASCII);
		i++;
	}
}

/* The start line's item and its parts. *uri gets the request's URI. */
static void http_tree_start(struct proto_ctx *ctx, const struct http_tline *l, int is_req, struct slice *uri)
{
	char msg[PROTO_TREE_LABEL + 1];
	proto_tree_text(ctx, 1, "%s", "");
	proto_tree_cat_str(ctx, http_tree_s(l->p, l->all), PROTO_TENC_UTF8);
	proto_tree_escape(msg, sizeof msg, http_tree_s(l->p, l->all), PROTO_TENC_UTF8);
	proto_tree_expert(ctx, 2, "Chat", "Sequence", msg);
	uint32_t i = 0, n = l->len;
	while (i < n && l->p[i] != ' ')
		i++;
	struct slice first = http_tree_s(l->p, i);
	while (i < n && l->p[i] == ' ')
		i++;
	if (is_req) {
		proto_tree_field_str(ctx, 2, "Request Method", first, PROTO_TENC_ASCII);
		uint32_t s = i;
		while (i < n && l->p[i] != ' ')
			i++;
		*uri = http_tree_s(l->p + s, i - s);
		http_tree_uri(ctx, *uri);
		while (i < n && l->p[i] == ' ')
			i++;
		proto_tree_field_str(ctx, 2, "Request Version", http_tree_s(l->p + i, n - i), PROTO_TENC_ASCII);
		return;
	}
	proto_tree_field_str(ctx, 2, "Response Version", first, PROTO_TENC_ASCII);
	unsigned code = 0;
	uint32_t s = i;
	while (i < n && i - s < 3 && l->p[i] >= '0' && l->p[i] <= '9')
		code = code * 10 + (unsigned)(l->p[i++] - '0');
	proto_tree_field(ctx, 2, "Status Code", "%u", code);
	const char *d = http_tree_status(code);
	if (d)
		proto_tree_gfield(ctx, 2, "Status Code Description", "%s", d);
	else
		proto_tree_gfield(ctx, 2, "Status Code Description", "Unknown (%u)", code);
	if (i < n && l->p[i] == ' ')
		i++;
	proto_tree_field_str(ctx, 2, "Response Phrase", http_tree_s(l->p + i, n - i), PROTO_TENC_ASCII);
}

static int http_tree_tchar(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int http_tree_is(struct slice name, const char *s)
{
	size_t n = strlen(s);
	return name.len == n && proto_ascii_ieq(name.p, s, n);
}

/* A header line and the children Wireshark gives it. *host gets the Host value. */
static void http_tree_header(struct proto_ctx *ctx, const struct http_tline *l, struct slice *host)
{
	proto_tree_text(ctx, 1, "%s", "");
	proto_tree_cat_str(ctx, http_tree_s(l->p, l->all), PROTO_TENC_UTF8);
	const uint8_t *colon = memchr(l->p, ':', l->len);
	if (!colon)
		return;
	struct slice name = http_tree_s(l->p, (uint32_t)(colon - l->p));
	uint32_t vs = name.len + 1, ve = l->len;
	while (vs < ve && (l->p[vs] == ' ' || l->p[vs] == '\t'))
		vs++;
	while (ve > vs && (l->p[ve - 1] == ' ' || l->p[ve - 1] == '\t'))
		ve--;
	struct slice v = http_tree_s(l->p + vs, ve - vs);
	for (uint32_t i = 0; i < name.len; i++)
		if (!http_tree_tchar(name.p[i])) {
			proto_tree_expert(ctx, 2, "Warning", "Protocol", "Illegal characters found in header name");
			return;
		}
	if (http_tree_is(name, "host") && !host->len) {
		*host = v;
	} else if (http_tree_is(name, "content-length")) {
		uint64_t n = 0;
		uint32_t i = 0;
		while (i < v.len && v.p[i] >= '0' && v.p[i] <= '9' && n < UINT64_MAX / 10)
			n = n * 10 + (uint64_t)(v.p[i++] - '0');
		if (i)
			proto_tree_gfield(ctx, 2, "Content length", "%llu", (unsigned long long)n);
	} else if (http_tree_is(name, "cookie")) {
		for (uint32_t i = 0, guard = 0; i < v.len && guard < 1024; guard++) {
			while (i < v.len && (v.p[i] == ' ' || v.p[i] == '\t'))
				i++;
			uint32_t s = i;
			while (i < v.len && v.p[i] != ';')
				i++;
			if (i > s)
				proto_tree_field_str(ctx, 2, "Cookie pair", http_tree_s(v.p + s, i - s), PROTO_TENC_ASCII);
			i++;
		}
	} else if ((http_tree_is(name, "authorization") || http_tree_is(name, "proxy-authorization")) &&
		   v.len > 6 && proto_ascii_ieq(v.p, "basic ", 6)) {
		uint8_t dec[512];
		int32_t k = b64_decode(http_tree_s(v.p + 6, v.len - 6), dec, sizeof dec);
		if (k >= 0)
			proto_tree_field_str(ctx, 2, "Credentials", http_tree_s(dec, (uint32_t)k), PROTO_TENC_ASCII);
	}
}

/* Wireshark's full URI of a request: the absolute form as sent, else "http://" host and path. */
static void http_tree_full_uri(struct http_tmsg *tm, struct slice uri, struct slice host)
{
	char raw[sizeof tm->req_uri];
	size_t k = 0;
	if (uri.len && uri.p[0] == '/' && host.len) {
		k = (size_t)snprintf(raw, sizeof raw, "http://%.*s%.*s", (int)host.len, (const char *)host.p,
				     (int)uri.len, (const char *)uri.p);
	} else {
		k = uri.len < sizeof raw ? uri.len : sizeof raw - 1;
		memcpy(raw, uri.p, k);
	}
	if (k >= sizeof raw)
		k = sizeof raw - 1;
	tm->req_uri_len = (uint16_t)proto_tree_escape(tm->req_uri, sizeof tm->req_uri,
						       http_tree_s((const uint8_t *)raw, (uint32_t)k), PROTO_TENC_ASCII);
}

static void http_tree_secs(struct proto_ctx *ctx, const char *name, int64_t ns)
{
	uint64_t a = (uint64_t)(ns < 0 ? -ns : ns);
	proto_tree_gfield(ctx, 1, name, "%s%llu.%09llu seconds", ns < 0 ? "-" : "", (unsigned long long)(a / 1000000000u),
			  (unsigned long long)(a % 1000000000u));
}

/* The numbering and matching lines after the header block. */
static void http_tree_numbers(struct proto_ctx *ctx, struct http_tmsg *tm, int is_req, struct http_tconv *tc)
{
	tm->frame = ctx->frame;
	tm->ts_ns = ctx->ts_ns;
	if (is_req) {
		tm->number = tc ? ++tc->req_res_num : 1;
		tm->prev_req_frame = tc ? tc->last_req_frame : 0;
		proto_tree_gfield(ctx, 1, "Full request URI", "%.*s", (int)tm->req_uri_len, tm->req_uri);
		proto_tree_gtext(ctx, 1, "HTTP request %u/%u", tm->number, tm->number);
		if (tm->prev_req_frame)
			proto_tree_gfield(ctx, 1, "Prev request in frame", "%llu", (unsigned long long)tm->prev_req_frame);
		if (tc)
			tc->last_req_frame = ctx->frame;
		return;
	}
	if (!tm->paired) {
		tm->number = tc ? ++tc->req_res_num : 1;
		tm->prev_req_frame = tc && tm->number > 1 ? tc->last_req_frame : 0;
	}
	uint32_t total = tc ? tc->req_res_num : tm->number;
	proto_tree_gtext(ctx, 1, "HTTP response %u/%u", tm->number, total);
	if (tm->paired)
		http_tree_secs(ctx, "Time since request", ctx->ts_ns - tm->req_ns);
	if (tm->number > 1 && tm->prev_req_frame)
		proto_tree_gfield(ctx, 1, "Prev request in frame", "%llu", (unsigned long long)tm->prev_req_frame);
	if (tm->number > 1 && tc && tc->last_res_frame)
		proto_tree_gfield(ctx, 1, "Prev response in frame", "%llu", (unsigned long long)tc->last_res_frame);
	if (tm->paired) {
		proto_tree_gfield(ctx, 1, "Request in frame", "%llu", (unsigned long long)tm->req_frame);
		proto_tree_gfield(ctx, 1, "Request URI", "%.*s", (int)tm->req_uri_len, tm->req_uri);
	}
	if (tc)
		tc->last_res_frame = ctx->frame;
}

static void http_tree_chunks(struct proto_ctx *ctx, const struct http_tmsg *tm)
{
	proto_tree_text(ctx, 1, "HTTP chunked response");
	for (uint8_t i = 0; i < tm->nchunks; i++) {
		const struct http_tchunk *c = &tm->chunk[i];
		proto_tree_text(ctx, 2, "Data chunk (%u octets)", c->size);
		proto_tree_field(ctx, 3, "Chunk size", "%u octets", c->size);
		/* the bytes item shows 36 bytes and an ellipsis when there are more */
		uint32_t shown = c->hlen < c->size ? c->hlen : c->size;
		if (c->size > shown && shown == sizeof c->head)
			proto_tree_bytes(ctx, 3, "Chunk data", http_tree_s(c->head, sizeof c->head));
		else
			proto_tree_bytes(ctx, 3, "Chunk data", http_tree_s(c->head, shown));
		proto_tree_field(ctx, 3, "Chunk boundary", "0d0a");
	}
	proto_tree_text(ctx, 2, "End of chunked encoding");
	proto_tree_field(ctx, 3, "Chunk size", "0 octets");
	proto_tree_text(ctx, 2, "\\r\\n");
}

void http_tree_draw(struct proto_ctx *ctx, struct http_tmsg *tm, int is_req, const struct http_tbody *body,
		    struct http_tconv *tc)
{
	if (!proto_tree_on(ctx))
		return;
	proto_tree_text(ctx, 0, "Hypertext Transfer Protocol");
	if (!tm)
		return;
	uint32_t off = 0;
	struct http_tline l;
	struct slice uri = { NULL, 0 }, host = { NULL, 0 };
	if (http_tree_line(tm, &off, &l))
		http_tree_start(ctx, &l, is_req, &uri);
	for (uint32_t k = 0; k < HTTP_TLINES && http_tree_line(tm, &off, &l); k++) {
		if (!l.len) {
			proto_tree_text(ctx, 1, "%s", "");
			proto_tree_cat_str(ctx, http_tree_s(l.p, l.all), PROTO_TENC_UTF8);
			break;
		}
		http_tree_header(ctx, &l, &host);
	}
	if (is_req)
		http_tree_full_uri(tm, uri, host);
	http_tree_numbers(ctx, tm, is_req, tc);
	if (tm->chunked)
		http_tree_chunks(ctx, tm);
	if (!body)
		return;
	if (body->enc && body->wire_len && !body->zfail)
		proto_tree_text(ctx, 1, "Content-encoded entity body (%s): %llu bytes -> %llu bytes",
				body->enc == 1 ? "gzip" : "deflate", (unsigned long long)body->wire_len,
				(unsigned long long)body->body_len);
	uint64_t shown = body->enc && !body->zfail ? body->body_len : body->wire_len;
	if (shown)
		proto_tree_text(ctx, 1, "File Data: %llu bytes", (unsigned long long)shown);
	if (shown && !body->has_ctype)
		proto_tree_text(ctx, 1, "Data (%llu bytes)", (unsigned long long)shown);
}

void http_tree_continuation(struct proto_ctx *ctx, struct slice d)
{
	if (!proto_tree_on(ctx))
		return;
	proto_tree_text(ctx, 0, "Hypertext Transfer Protocol");
	if (!d.len)
		return;
	if (d.p[0] < 0x20 || d.p[0] >= 0x7f) { /* binary: all of it is data */
		proto_tree_text(ctx, 1, "Data (%u bytes)", d.len);
		return;
	}
	struct http_tmsg view = { .hdr_len = d.len };
	uint32_t off = 0, k = 0;
	struct slice host = { NULL, 0 };
	/* lines with a colon are header lines (to the empty line); anything else ends them */
	for (; k < HTTP_TLINES && off < d.len; k++) {
		struct http_tline l;
		uint32_t at = off;
		(void)view;
		const uint8_t *s = d.p + off;
		uint32_t n = d.len - off, i = 0;
		while (i < n && s[i] != '\r' && s[i] != '\n')
			i++;
		if (i == n) /* no line end: Wireshark waits for more and gives up (malformed) */
			return;
		l.p = s;
		l.len = i;
		l.all = i + (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n' ? 2u : 1u);
		if (!l.len) {
			proto_tree_text(ctx, 1, "%s", "");
			proto_tree_cat_str(ctx, http_tree_s(l.p, l.all), PROTO_TENC_UTF8);
			off += l.all;
			break;
		}
		if (!memchr(l.p, ':', l.len)) {
			off = at;
			break;
		}
		http_tree_header(ctx, &l, &host);
		off += l.all;
	}
	if (off < d.len) {
		proto_tree_text(ctx, 1, "File Data: %u bytes", d.len - off);
		proto_tree_text(ctx, 1, "Data (%u bytes)", d.len - off);
	}
}
