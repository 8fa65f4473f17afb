/* http.c: HTTP/1.0 and 1.1 (RFC 9110, RFC 9112): a start line and header fields up to an empty
 * line, then a body delimited by Content-Length, by chunked transfer coding, or (responses
 * only) by the connection closing. No body after HEAD, 1xx, 204 and 304. Pipelined messages
 * follow one another. Framing follows Wireshark 4.0's reassembly of HTTP so the packet list
 * matches tshark: data not starting like a message is one "Continuation" PDU.
 * On top of the framing: the Protocol and Info columns as tshark writes them, Wireshark's
 * http.* filter fields, bodies decoded (Content-Encoding gzip/deflate, RFC 1952/1950/1951,
 * through zlib) and hashed as objects, urlencoded and multipart/form-data (RFC 7578) forms,
 * Basic authorization (RFC 7617), and one "http" record per request/response pair with
 * Zeek's http.log names (requests queued for pipelining, unanswered ones at flow end). */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "base/b64.h"
#include "base/rd.h"
#include "proto/httptree.h"
#include "proto/proto.h"

#define HTTP_LINE_MAX 96     /* start line kept for later packets of a chunked body */
#define HTTP_HDR_MAX 32768   /* header block beyond this is given up as malformed */
#define HTTP_CHUNK_LINE_MAX 1024
#define HTTP_HDR_LINES_MAX 512     /* header fields looked at per message */
#define HTTP_Q_MAX 8               /* requests awaiting their response, per direction */
#define HTTP_KEEP_MAX 8            /* finished messages whose text this packet's fields borrow */
#define HTTP_TXT_MAX 12288         /* kept header text per message */
#define HTTP_FORM_MAX 65536        /* request body bytes kept for form fields */
#define HTTP_FIELDS_MAX 32         /* form fields per request */
#define HTTP_FIELD_MAX 256         /* bytes of one form field ("name=value") */
#define HTTP_FILES_MAX 8           /* file names / mime types per message in the record */
#define HTTP_INFLATE_MAX (64u << 20) /* decoded bytes per message */
#define HTTP_ZBUF 8192

enum http_phase {
	HTTP_START = 0,   /* at a message boundary */
	HTTP_BODY_LEN,    /* `left` body bytes follow */
	HTTP_BODY_CLOSE,  /* body ends when the connection closes */
	HTTP_CHUNK_SIZE,  /* a chunk-size line */
	HTTP_CHUNK_DATA,  /* `left` chunk bytes follow, then CRLF */
	HTTP_CHUNK_CRLF,  /* the CRLF after chunk data */
	HTTP_TRAILER,     /* trailer fields up to an empty line */
};

enum http_enc { HTTP_ENC_NONE = 0, HTTP_ENC_GZIP, HTTP_ENC_DEFLATE };
enum http_form { HTTP_FORM_NONE = 0, HTTP_FORM_URLENC, HTTP_FORM_MULTIPART };

/* A piece of http_msg.txt. */
struct http_sv {
	uint16_t off, len;
};

/* One message (request or response) and what was learned from it. Allocated with malloc when
 * its header block is parsed; owned by its direction's state: as `cur` while it is framed,
 * then in the queue (requests awaiting a response) or among `kept` (until the packet that
 * finished it has been reported), and freed after its record is emitted or in fini. */
struct http_msg {
	uint8_t is_req, enc, form, zfail, zraw, answered, have_clen, hlen;
	uint8_t is_head, is_connect;  /* a HEAD / CONNECT request */
	uint8_t zend;                 /* the compressed stream ended */
	uint8_t nfields, nfiles;
	uint16_t code;
	uint16_t txt_used;
	uint32_t depth;          /* trans_depth: 1 for the first request of the connection */
	uint64_t clen;
	uint64_t body_len;       /* body bytes after content decoding */
	uint64_t wire_len;       /* body bytes as sent (after dechunking) */
	uint64_t zin;            /* bytes given to the decoder */
	const char *sniffed;     /* static string from proto_mime_sniff; NULL: no body */
	struct http_sv line, method, uri, version, host, referrer, ua, phrase, location, ctype, ctype_full,
		boundary, cookie, set_cookie, server, auth, user, pass, basic, disp_name, full_uri, clen_hdr, obj_name;
	struct http_sv hdrs;     /* the header lines with their line ends, whole lines only */
	struct http_sv fields[HTTP_FIELDS_MAX];  /* form fields "name=value", decoded */
	struct http_sv files[HTTP_FILES_MAX];    /* file names (multipart parts, or the body's) */
	const char *fmimes[HTTP_FILES_MAX];      /* static strings */
	uint8_t nfmimes;
	uint8_t nparts;                          /* multipart parts with a Content-Type */
	struct http_sv part_ct[HTTP_FILES_MAX];  /* their media types, lower case */
	uint8_t part_head[HTTP_FILES_MAX][8];    /* and their first bytes */
	uint8_t part_hlen[HTTP_FILES_MAX];
	uint8_t head[64];        /* first decoded body bytes */
	uint8_t *formbuf;        /* owned (malloc): request body kept for form parsing; NULL when none */
	uint32_t formlen;
	z_stream *z;             /* owned (malloc + inflateInit2): the body decoder; NULL when none */
	struct proto_obj obj;    /* the body as an object (its digest context is owned) */
	struct http_tmsg *tm;    /* owned: the detail tree's copy (-V only); NULL otherwise */
	char txt[HTTP_TXT_MAX];
};

struct http_state {
	uint8_t phase;
	uint8_t line_len;
	uint8_t last_was_head;  /* the most recent request of the conversation was HEAD */
	uint8_t last_was_connect; /* ... was CONNECT (a 2xx answer has no body: a tunnel follows) */
	uint8_t qn, nkept;
	uint64_t left;
	uint32_t msgs;
	uint8_t switched;       /* a 101 response switched the connection to another protocol */
	uint8_t huge;           /* HTTP_BODY_LEN: the Content-Length is past 2^31 - 1 */
	uint32_t depth;         /* requests started in this direction */
	uint64_t kept_frame;    /* frame that finished the messages in `kept` */
	struct http_msg *cur;   /* owned: the message being framed (NULL: none or out of memory) */
	struct http_msg *q[HTTP_Q_MAX];        /* owned: requests awaiting a response, oldest first */
	struct http_msg *kept[HTTP_KEEP_MAX];  /* owned: finished, borrowed by this packet's fields */
	char line[HTTP_LINE_MAX]; /* start line of the message being framed (maybe cut) */
	struct http_tconv tc;   /* the detail tree's numbering (requests' direction) */
};

enum http_fid {
	HF_REQUEST = 0, HF_RESPONSE, HF_METHOD, HF_URI, HF_VERSION, HF_RESP_VERSION, HF_CODE, HF_PHRASE,
	HF_HOST, HF_UA, HF_REFERER, HF_COOKIE, HF_SET_COOKIE, HF_LOCATION, HF_CTYPE, HF_CLEN_HDR, HF_CLEN,
	HF_AUTH, HF_AUTHBASIC, HF_SERVER, HF_FULL_URI, HF_REQ_LINE, HF_RESP_LINE,
};

static const struct proto_field http_fields[] = {
	[HF_REQUEST] = { "http.request", PF_NONE, 0, "Request" },
	[HF_RESPONSE] = { "http.response", PF_NONE, 0, "Response" },
	[HF_METHOD] = { "http.request.method", PF_STR, 0, "Request Method" },
	[HF_URI] = { "http.request.uri", PF_STR, 0, "Request URI" },
	[HF_VERSION] = { "http.request.version", PF_STR, 0, "Request Version" },
	[HF_RESP_VERSION] = { "http.response.version", PF_STR, 0, "Response Version" },
	[HF_CODE] = { "http.response.code", PF_UINT, 0, "Status Code" },
	[HF_PHRASE] = { "http.response.phrase", PF_STR, 0, "Response Phrase" },
	[HF_HOST] = { "http.host", PF_STR, 0, "Host" },
	[HF_UA] = { "http.user_agent", PF_STR, 0, "User-Agent" },
	[HF_REFERER] = { "http.referer", PF_STR, 0, "Referer" },
	[HF_COOKIE] = { "http.cookie", PF_STR, 0, "Cookie" },
	[HF_SET_COOKIE] = { "http.set_cookie", PF_STR, 0, "Set-Cookie" },
	[HF_LOCATION] = { "http.location", PF_STR, 0, "Location" },
	[HF_CTYPE] = { "http.content_type", PF_STR, 0, "Content-Type" },
	[HF_CLEN_HDR] = { "http.content_length_header", PF_STR, 0, "Content-Length" },
	[HF_CLEN] = { "http.content_length", PF_UINT, 0, "Content length" },
	[HF_AUTH] = { "http.authorization", PF_STR, 0, "Authorization" },
	[HF_AUTHBASIC] = { "http.authbasic", PF_STR, 0, "Credentials" },
	[HF_SERVER] = { "http.server", PF_STR, 0, "Server" },
	[HF_FULL_URI] = { "http.request.full_uri", PF_STR, 0, "Full request URI" },
	[HF_REQ_LINE] = { "http.request.line", PF_STR, 0, "Request line" },
	[HF_RESP_LINE] = { "http.response.line", PF_STR, 0, "Response line" },
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

static int http_is_ws(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* ---- message text ------------------------------------------------------------------------- */

static struct slice http_sv_slice(const struct http_msg *m, struct http_sv v)
{
	struct slice s = { (const uint8_t *)m->txt + v.off, v.len };
	return s;
}

/* Copies `n` bytes (at most `cap`) into the message's text; an empty piece when it is full. */
static struct http_sv http_keep(struct http_msg *m, const uint8_t *p, uint32_t n, uint32_t cap)
{
	struct http_sv v = { 0, 0 };
	if (n > cap)
		n = cap;
	if (n > (uint32_t)(HTTP_TXT_MAX - m->txt_used))
		n = (uint32_t)(HTTP_TXT_MAX - m->txt_used);
	v.off = m->txt_used;
	v.len = (uint16_t)n;
	if (n)
		memcpy(m->txt + m->txt_used, p, n);
	m->txt_used = (uint16_t)(m->txt_used + n);
	return v;
}

/* Keeps the header block for http.request.line / http.response.line (Wireshark's names for each
 * header line): as many whole lines as fit in HTTP_HDRS_KEEP and the text budget. */
#define HTTP_HDRS_KEEP 4096
static void http_keep_lines(struct http_msg *m, const uint8_t *p, uint32_t n)
{
	uint32_t room = (uint32_t)(HTTP_TXT_MAX - m->txt_used);
	if (room > HTTP_HDRS_KEEP)
		room = HTTP_HDRS_KEEP;
	if (n > room) {
		while (room && p[room - 1] != '\n')
			room--;
		n = room;
	}
	m->hdrs = http_keep(m, p, n, n);
}

static struct http_sv http_keep_s(struct http_msg *m, struct slice s, uint32_t cap)
{
	return http_keep(m, s.p, s.len, cap);
}

static struct slice http_trim(const uint8_t *p, uint32_t n)
{
	while (n && http_is_ws(*p)) {
		p++;
		n--;
	}
	while (n && http_is_ws(p[n - 1]))
		n--;
	struct slice s = { p, n };
	return s;
}

/* The value of parameter `name` (e.g. "boundary", "filename") in a header value such as
 * `form-data; name="a"; filename="b"`; quotes removed. Returns 1 when found. */
static int http_param(struct slice v, const char *name, struct slice *out)
{
	size_t nl = strlen(name);
	uint32_t i = 0;
	for (uint32_t guard = 0; i < v.len && guard < 64; guard++) {
		while (i < v.len && v.p[i] != ';')
			i++;
		if (i >= v.len)
			return 0;
		i++;
		while (i < v.len && http_is_ws(v.p[i]))
			i++;
		if (v.len - i > nl && proto_ascii_ieq(v.p + i, name, nl) && v.p[i + nl] == '=') {
			i += (uint32_t)nl + 1;
			uint32_t s = i;
			if (i < v.len && v.p[i] == '"') {
				s = ++i;
				while (i < v.len && v.p[i] != '"')
					i++;
			} else {
				while (i < v.len && v.p[i] != ';' && !http_is_ws(v.p[i]))
					i++;
			}
			out->p = v.p + s;
			out->len = i - s;
			return 1;
		}
	}
	return 0;
}


/* ---- lines and start lines ---------------------------------------------------------------- */

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

/* ---- messages: allocation and ownership ----------------------------------------------------- */

/* A few finished messages and one body decoder are kept for the next messages of any connection
 * (a message is 13 KB, a decoder's state and window another 40 KB): most connections carry a
 * request and its response, and allocating those per message cost more than parsing them. */
#define HTTP_SPARE_MSGS 8
static _Thread_local struct http_msg *http_msg_spare[HTTP_SPARE_MSGS];
static _Thread_local unsigned http_msg_nspare;
static _Thread_local z_stream *http_z_spare;

static void http_z_release(struct http_msg *m)
{
	if (!m->z)
		return;
	if (!http_z_spare) {
		http_z_spare = m->z;
	} else {
		inflateEnd(m->z);
		free(m->z);
	}
	m->z = NULL;
}

static void http_msg_free(struct http_msg *m)
{
	if (!m)
		return;
	http_z_release(m);
	free(m->formbuf);
	proto_obj_free(&m->obj);
	http_tree_free(&m->tm);
	if (http_msg_nspare < HTTP_SPARE_MSGS)
		http_msg_spare[http_msg_nspare++] = m;
	else
		free(m);
}

/* The thread's spare messages and decoder go back (they would be unreachable once it exits). */
static void http_thread_end(void)
{
	while (http_msg_nspare)
		free(http_msg_spare[--http_msg_nspare]);
	if (http_z_spare) {
		inflateEnd(http_z_spare);
		free(http_z_spare);
		http_z_spare = NULL;
	}
}

static void http_state_release(struct http_state *st)
{
	http_msg_free(st->cur);
	st->cur = NULL;
	for (uint8_t i = 0; i < st->qn && i < HTTP_Q_MAX; i++)
		http_msg_free(st->q[i]);
	st->qn = 0;
	for (uint8_t i = 0; i < st->nkept && i < HTTP_KEEP_MAX; i++)
		http_msg_free(st->kept[i]);
	st->nkept = 0;
}

/* Parks a finished message until the current packet has been reported (its fields borrow the
 * text); frees the ones parked by earlier packets. Returns 0 when it could not be parked
 * (then it is freed at once and the caller sets no fields from it). */
static int http_park(struct proto_ctx *ctx, struct http_state *st, struct http_msg *m)
{
	if (st->nkept && st->kept_frame != ctx->frame) {
		for (uint8_t i = 0; i < st->nkept; i++)
			http_msg_free(st->kept[i]);
		st->nkept = 0;
	}
	st->kept_frame = ctx->frame;
	if (st->nkept >= HTTP_KEEP_MAX) {
		http_msg_free(m);
		return 0;
	}
	st->kept[st->nkept++] = m;
	return 1;
}

/* The request a response in this direction answers: the oldest queued one of the other
 * direction, or the one it is still sending (100-continue, early replies). */
static struct http_msg *http_peer_request(struct proto_ctx *ctx)
{
	struct http_state *peer = ctx->peer;
	if (!peer)
		return NULL;
	if (peer->qn)
		return peer->q[0];
	if (peer->cur && peer->cur->is_req && !peer->cur->answered)
		return peer->cur;
	return NULL;
}

/* The media type of a Content-Type value (parameters dropped), lower case, into out. */
static uint32_t http_media_lower(struct slice v, uint8_t *out, uint32_t cap)
{
	uint32_t n = 0;
	while (n < v.len && v.p[n] != ';')
		n++;
	struct slice t = http_trim(v.p, n);
	uint32_t k = t.len < cap ? t.len : cap;
	for (uint32_t i = 0; i < k; i++)
		out[i] = (uint8_t)(t.p[i] >= 'A' && t.p[i] <= 'Z' ? t.p[i] + 32 : t.p[i]);
	return k;
}

/* ---- bodies: decoding, objects, forms ----------------------------------------------------- */

/* The last path segment of a URI (query and fragment removed). */
static struct slice http_uri_name(struct slice u)
{
	uint32_t end = 0;
	while (end < u.len && u.p[end] != '?' && u.p[end] != '#')
		end++;
	uint32_t s = end;
	while (s > 0 && u.p[s - 1] != '/')
		s--;
	struct slice r = { u.p + s, end - s };
	return r;
}

static void http_obj_start(struct proto_ctx *ctx, struct http_msg *m)
{
	struct slice name = http_sv_slice(m, m->disp_name);
	if (!name.len) {
		struct http_msg *req = m->is_req ? m : http_peer_request(ctx);
		if (req)
			name = http_uri_name(http_sv_slice(req, req->uri));
	}
	m->obj_name = http_keep_s(m, name, 200);
	proto_obj_begin(ctx, &m->obj, "HTTP", name, http_sv_slice(m, m->ctype));
}

/* Decoded body bytes: first bytes kept, object data, the form buffer. */
static void http_body_out(struct proto_ctx *ctx, struct http_msg *m, const uint8_t *p, uint32_t n)
{
	if (!n)
		return;
	if (!m->body_len)
		http_obj_start(ctx, m);
	if (m->hlen < sizeof m->head) {
		uint32_t k = (uint32_t)sizeof m->head - m->hlen;
		if (k > n)
			k = n;
		memcpy(m->head + m->hlen, p, k);
		m->hlen = (uint8_t)(m->hlen + k);
	}
	m->body_len += n;
	proto_obj_data(ctx, &m->obj, (struct slice){ p, n });
	int want = m->form == HTTP_FORM_MULTIPART ? proto_records_on(ctx) || ctx->out : proto_records_on(ctx);
	if (m->is_req && m->form && want && m->formlen < HTTP_FORM_MAX) {
		if (!m->formbuf) {
			m->formbuf = malloc(HTTP_FORM_MAX);
			if (!m->formbuf) {
				m->form = HTTP_FORM_NONE;
				return;
			}
		}
		uint32_t k = HTTP_FORM_MAX - m->formlen;
		if (k > n) {
			k = n;
		} else {
			ctx->anomalies++; /* form past the cap: the fields kept so far are reported */
		}
		memcpy(m->formbuf + m->formlen, p, k);
		m->formlen += k;
	}
}

static int http_z_start(struct http_msg *m, int raw)
{
	/* 15 + 32: zlib or gzip wrapper, detected; -15: raw deflate */
	int bits = raw ? -15 : 15 + 32;
	if (!m->z && http_z_spare) {
		m->z = http_z_spare;
		http_z_spare = NULL;
	}
	if (m->z) {
		if (inflateReset2(m->z, bits) == Z_OK) {
			m->zraw = (uint8_t)raw;
			return 0;
		}
		inflateEnd(m->z);
		free(m->z);
		m->z = NULL;
	}
	m->z = calloc(1, sizeof *m->z);
	if (!m->z)
		return -1;
	if (inflateInit2(m->z, bits) != Z_OK) {
		free(m->z);
		m->z = NULL;
		return -1;
	}
	m->zraw = (uint8_t)raw;
	return 0;
}

/* Body bytes as sent (dechunked): decoded when encoded, then passed on. */
static void http_body_in(struct proto_ctx *ctx, struct http_msg *m, const uint8_t *p, uint32_t n)
{
	if (!m || !n)
		return;
	m->wire_len += n;
	if (m->enc == HTTP_ENC_NONE || m->zfail || m->zend) {
		if (m->enc == HTTP_ENC_NONE)
			http_body_out(ctx, m, p, n);
		return;
	}
	if (!m->z && http_z_start(m, 0) < 0) {
		m->zfail = 1;
		ctx->anomalies++;
		return;
	}
	int first = m->zin == 0;
	m->zin += n;
	uint8_t out[HTTP_ZBUF];
	m->z->next_in = (Bytef *)(uintptr_t)p;
	m->z->avail_in = n;
	for (uint32_t guard = 0; guard < 1u << 16; guard++) {
		m->z->next_out = out;
		m->z->avail_out = sizeof out;
		int rc = inflate(m->z, Z_NO_FLUSH);
		uint32_t got = (uint32_t)(sizeof out - m->z->avail_out);
		if (got) {
			if (m->body_len + got > HTTP_INFLATE_MAX) {
				ctx->anomalies++; /* decompression past the cap */
				m->zfail = 1;
				return;
			}
			http_body_out(ctx, m, out, got);
		}
		if (rc == Z_STREAM_END) {
			m->zend = 1; /* data after the end of the stream is ignored */
			return;
		}
		if (rc == Z_DATA_ERROR && first && !m->zraw && m->body_len == 0) {
			/* "deflate" sent without its zlib header (RFC 9110 8.4.1.2 notes it happens) */
			if (http_z_start(m, 1) < 0)
				break;
			m->z->next_in = (Bytef *)(uintptr_t)p;
			m->z->avail_in = n;
			first = 0;
			continue;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			break;
		if (m->z->avail_in == 0 && m->z->avail_out != 0)
			return;
		if (rc == Z_BUF_ERROR && m->z->avail_out != 0)
			return;
	}
	ctx->anomalies++; /* corrupt compressed data */
	m->zfail = 1;
}

static int http_hex(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Adds one form field: percent-decoded when `pct` ('+' is a space), capped. */
static void http_add_field(struct http_msg *m, const uint8_t *p, uint32_t n, int pct)
{
	if (m->nfields >= HTTP_FIELDS_MAX || !n)
		return;
	uint8_t buf[HTTP_FIELD_MAX];
	uint32_t k = 0;
	for (uint32_t i = 0; i < n && k < sizeof buf; i++) {
		uint8_t c = p[i];
		if (pct && c == '+') {
			c = ' ';
		} else if (pct && c == '%' && i + 2 < n && http_hex(p[i + 1]) >= 0 && http_hex(p[i + 2]) >= 0) {
			c = (uint8_t)(http_hex(p[i + 1]) << 4 | http_hex(p[i + 2]));
			i += 2;
		}
		buf[k++] = c;
	}
	m->fields[m->nfields++] = http_keep(m, buf, k, HTTP_FIELD_MAX);
}

static void http_form_urlenc(struct http_msg *m, struct slice b)
{
	uint32_t i = 0;
	while (i < b.len && m->nfields < HTTP_FIELDS_MAX) {
		uint32_t s = i;
		while (i < b.len && b.p[i] != '&')
			i++;
		struct slice f = http_trim(b.p + s, i - s);
		while (f.len && (f.p[f.len - 1] == '\r' || f.p[f.len - 1] == '\n'))
			f.len--;
		http_add_field(m, f.p, f.len, 1);
		i++;
	}
}

static const uint8_t *http_memmem(const uint8_t *h, size_t hl, const uint8_t *n, size_t nl)
{
	return memmem(h, hl, n, nl);
}

/* multipart/form-data: parts between "--boundary" lines, each with its own header block. Plain
 * parts become "name=value" fields, file parts (a filename) objects of their own. */
static void http_form_multipart(struct proto_ctx *ctx, struct http_msg *m, struct slice b)
{
	uint8_t delim[80];
	struct slice bd = http_sv_slice(m, m->boundary);
	if (!bd.len || bd.len > 70)
		return;
	delim[0] = '-';
	delim[1] = '-';
	memcpy(delim + 2, bd.p, bd.len);
	uint32_t dl = bd.len + 2;
	const uint8_t *p = http_memmem(b.p, b.len, delim, dl);
	const uint8_t *end = b.p + b.len;
	for (uint32_t parts = 0; p && parts < 64; parts++) {
		p += dl;
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return; /* the closing delimiter */
		const uint8_t *hs = http_memmem(p, (size_t)(end - p), (const uint8_t *)"\r\n\r\n", 4);
		if (!hs)
			return;
		struct slice hdrs = { p, (uint32_t)(hs - p) };
		const uint8_t *body = hs + 4;
		const uint8_t *next = http_memmem(body, (size_t)(end - body), delim, dl);
		const uint8_t *bend = next ? next : end;
		if (next && bend - body >= 2 && bend[-2] == '\r' && bend[-1] == '\n')
			bend -= 2;
		struct slice name = { NULL, 0 }, fname = { NULL, 0 }, ptype = { NULL, 0 };
		int has_fname = 0;
		uint32_t i = 0;
		for (uint32_t lines = 0; i < hdrs.len && lines < 32; lines++) {
			uint32_t s = i;
			while (i < hdrs.len && hdrs.p[i] != '\n')
				i++;
			struct slice l = http_trim(hdrs.p + s, i - s);
			while (l.len && l.p[l.len - 1] == '\r')
				l.len--;
			i++;
			if (l.len > 20 && proto_ascii_ieq(l.p, "content-disposition:", 20)) {
				struct slice v = { l.p + 20, l.len - 20 };
				http_param(v, "name", &name);
				has_fname = http_param(v, "filename", &fname);
			} else if (l.len > 13 && proto_ascii_ieq(l.p, "content-type:", 13)) {
				ptype = http_trim(l.p + 13, l.len - 13);
			}
		}
		struct slice content = { body, (uint32_t)(bend - body) };
		if (ptype.len && m->nparts < HTTP_FILES_MAX) {
			uint8_t low[128];
			uint32_t k = http_media_lower(ptype, low, sizeof low);
			uint8_t i8 = m->nparts++;
			m->part_ct[i8] = http_keep(m, low, k, sizeof low);
			m->part_hlen[i8] = (uint8_t)(content.len < 8 ? content.len : 8);
			memcpy(m->part_head[i8], content.p, m->part_hlen[i8]);
		}
		if (has_fname) {
			if (m->nfiles < HTTP_FILES_MAX)
				m->files[m->nfiles++] = http_keep_s(m, fname, 200);
			struct proto_obj o;
			memset(&o, 0, sizeof o);
			proto_obj_begin(ctx, &o, "HTTP", fname, ptype);
			proto_obj_data(ctx, &o, content);
			if (m->nfmimes < HTTP_FILES_MAX)
				m->fmimes[m->nfmimes++] = proto_mime_sniff(content.p, content.len);
			if (!next)
				o.missing = 1;
			proto_obj_end(ctx, &o);
		} else if (name.len && m->nfields < HTTP_FIELDS_MAX) {
			uint8_t buf[HTTP_FIELD_MAX];
			uint32_t k = name.len < sizeof buf - 1 ? name.len : (uint32_t)sizeof buf - 1;
			memcpy(buf, name.p, k);
			buf[k++] = '=';
			uint32_t v = content.len < sizeof buf - k ? content.len : (uint32_t)sizeof buf - k;
			memcpy(buf + k, content.p, v);
			http_add_field(m, buf, k + v, 0);
		}
		p = next;
	}
}

/* ---- columns, fields and records ---------------------------------------------------------- */

static int http_sl_is(struct slice c, const char *t)
{
	size_t n = strlen(t);
	return c.len == n && memcmp(c.p, t, n) == 0;
}

static int http_ct_is(const struct http_msg *m, const char *t)
{
	return http_sl_is(http_sv_slice(m, m->ctype), t);
}

/* What the media-type dissector of a body (or a multipart part) adds to Info in tshark:
 * " (GIF89a)", " (JPEG JFIF image)", " (PNG)" for images it recognises, else " (type)". */
static void http_info_media(struct proto_ctx *ctx, struct slice ct, const uint8_t *head, uint32_t hlen)
{
	if (http_sl_is(ct, "application/octet-stream") || (ct.len > 10 && memcmp(ct.p, "multipart/", 10) == 0))
		return;
	if (hlen >= 6 && memcmp(head, "GIF8", 4) == 0 && ct.len >= 6 && memcmp(ct.p, "image/", 6) == 0) {
		proto_info_append(ctx, " (");
		proto_info_append_bytes(ctx, (struct slice){ head, 6 });
		proto_info_append(ctx, ")");
		return;
	}
	if (http_sl_is(ct, "image/jpeg") && hlen >= 2 && head[0] == 0xff && head[1] == 0xd8) {
		proto_info_append(ctx, " (JPEG JFIF image)");
		return;
	}
	if (http_sl_is(ct, "image/png") && hlen >= 4 && memcmp(head, "\x89PNG", 4) == 0) {
		proto_info_append(ctx, " (PNG)");
		return;
	}
	proto_info_append(ctx, " (");
	proto_info_append_bytes(ctx, ct);
	proto_info_append(ctx, ")");
}

/* Protocol and Info as tshark 4.0 shows a finished message: the start line and a space, then
 * what the body's media-type dissector adds. */
static void http_columns(struct proto_ctx *ctx, const struct http_msg *m)
{
	const char *proto = "HTTP";
	/* a body tshark hands on: bytes after decoding (or as sent when decoding failed) */
	int body = m->ctype.len && (m->body_len > 0 || (m->enc != HTTP_ENC_NONE && m->zfail && m->wire_len));
	int xml = 0, json = 0;
	if (body && (http_ct_is(m, "application/ocsp-request") || http_ct_is(m, "application/ocsp-response"))) {
		proto_col_proto(ctx, "OCSP");
		proto_info_append(ctx, m->is_req ? "Request" : "Response");
		return;
	}
	struct slice ct = http_sv_slice(m, m->ctype);
	if (body && (http_ct_is(m, "application/json") || http_ct_is(m, "application/json-rpc") ||
		     http_ct_is(m, "application/jsonrequest")))
		json = 1;
	else if (body && (http_ct_is(m, "text/xml") || http_ct_is(m, "application/xml") ||
			  (ct.len > 4 && memcmp(ct.p + ct.len - 4, "+xml", 4) == 0)))
		xml = 1;
	else if (body && !http_ct_is(m, "text/plain") && memcmp(ct.p, "image/", ct.len < 6 ? ct.len : 6) != 0 &&
		 m->hlen >= 5 && memcmp(m->head, "<?xml", 5) == 0)
		xml = 1; /* tshark's heuristic XML dissector takes it */
	proto_col_proto(ctx, json ? "HTTP/JSON" : xml ? "HTTP/XML" : proto);
	proto_info_append_bytes(ctx, http_sv_slice(m, m->line));
	proto_info_append(ctx, " ");
	if (!body || xml)
		return;
	if (json) {
		proto_info_append(ctx, ", JavaScript Object Notation (");
		proto_info_append_bytes(ctx, ct);
		proto_info_append(ctx, ")");
		return;
	}
	if (m->form == HTTP_FORM_MULTIPART) {
		for (uint8_t i = 0; i < m->nparts; i++)
			http_info_media(ctx, http_sv_slice(m, m->part_ct[i]), m->part_head[i], m->part_hlen[i]);
		return;
	}
	http_info_media(ctx, ct, m->head, m->hlen);
}

static void http_field_sv(struct proto_ctx *ctx, uint8_t fid, const struct http_msg *m, struct http_sv v)
{
	if (v.len)
		proto_field_s(ctx, fid, http_sv_slice(m, v));
}

/* One value per header line, its line end included, as Wireshark's http.request.line. */
static void http_field_lines(struct proto_ctx *ctx, uint8_t fid, const struct http_msg *m)
{
	struct slice b = http_sv_slice(m, m->hdrs);
	uint32_t i = 0;
	while (i < b.len) {
		const uint8_t *nl = memchr(b.p + i, '\n', b.len - i);
		uint32_t end = nl ? (uint32_t)(nl - b.p) + 1 : b.len;
		proto_field_s(ctx, fid, (struct slice){ b.p + i, end - i });
		i = end;
	}
}

static void http_set_fields(struct proto_ctx *ctx, const struct http_msg *m)
{
	if (m->is_req) {
		proto_field_none(ctx, HF_REQUEST);
		http_field_sv(ctx, HF_METHOD, m, m->method);
		http_field_sv(ctx, HF_URI, m, m->uri);
		http_field_sv(ctx, HF_VERSION, m, m->version);
		http_field_sv(ctx, HF_HOST, m, m->host);
		http_field_sv(ctx, HF_UA, m, m->ua);
		http_field_sv(ctx, HF_REFERER, m, m->referrer);
		http_field_sv(ctx, HF_COOKIE, m, m->cookie);
		http_field_sv(ctx, HF_AUTH, m, m->auth);
		http_field_sv(ctx, HF_AUTHBASIC, m, m->basic);
		http_field_sv(ctx, HF_FULL_URI, m, m->full_uri);
		http_field_lines(ctx, HF_REQ_LINE, m);
	} else {
		proto_field_none(ctx, HF_RESPONSE);
		http_field_sv(ctx, HF_RESP_VERSION, m, m->version);
		if (m->code)
			proto_field_u(ctx, HF_CODE, m->code);
		http_field_sv(ctx, HF_PHRASE, m, m->phrase);
		http_field_sv(ctx, HF_LOCATION, m, m->location);
		http_field_sv(ctx, HF_SET_COOKIE, m, m->set_cookie);
		http_field_sv(ctx, HF_SERVER, m, m->server);
		http_field_lines(ctx, HF_RESP_LINE, m);
	}
	http_field_sv(ctx, HF_CTYPE, m, m->ctype_full);
	http_field_sv(ctx, HF_CLEN_HDR, m, m->clen_hdr);
	if (m->have_clen)
		proto_field_u(ctx, HF_CLEN, m->clen);
}

static void http_rec_sv(struct proto_rec *r, const char *name, const struct http_msg *m, struct http_sv v)
{
	if (v.len)
		proto_rec_str(r, name, http_sv_slice(m, v));
}

static void http_rec_files(struct proto_rec *r, const char *names, const char *mimes, const struct http_msg *m)
{
	for (uint8_t i = 0; i < m->nfiles; i++)
		proto_rec_push_str(r, names, http_sv_slice(m, m->files[i]));
	for (uint8_t i = 0; i < m->nfmimes; i++)
		proto_rec_push_str(r, mimes, proto_slice_cstr(m->fmimes[i]));
}

/* One http record for a request and its response (either may be NULL). */
static void http_emit(struct proto_ctx *ctx, const struct http_msg *req, const struct http_msg *resp)
{
	if (!proto_records_on(ctx) || (!req && !resp))
		return;
	struct proto_rec r;
	proto_rec_init(&r, "http");
	if (req) {
		proto_rec_u(&r, "trans_depth", req->depth);
		http_rec_sv(&r, "method", req, req->method);
		http_rec_sv(&r, "host", req, req->host);
		http_rec_sv(&r, "uri", req, req->uri);
		http_rec_sv(&r, "referrer", req, req->referrer);
	}
	const struct http_msg *vm = req ? req : resp;
	struct slice v = http_sv_slice(vm, vm->version);
	if (v.len > 5 && memcmp(v.p, "HTTP/", 5) == 0) {
		v.p += 5;
		v.len -= 5;
	}
	if (v.len)
		proto_rec_str(&r, "version", v);
	if (req) {
		http_rec_sv(&r, "user_agent", req, req->ua);
		proto_rec_u(&r, "request_body_len", req->body_len);
	}
	if (resp) {
		proto_rec_u(&r, "response_body_len", resp->body_len);
		proto_rec_u(&r, "status_code", resp->code);
		http_rec_sv(&r, "status_msg", resp, resp->phrase);
	}
	if (req) {
		http_rec_sv(&r, "username", req, req->user);
		http_rec_sv(&r, "password", req, req->pass);
		http_rec_files(&r, "orig_filenames", "orig_mime_types", req);
		if (req->sniffed && !req->nfmimes)
			proto_rec_push_str(&r, "orig_mime_types", proto_slice_cstr(req->sniffed));
		for (uint8_t i = 0; i < req->nfields; i++)
			proto_rec_push_str(&r, "post_fields", http_sv_slice(req, req->fields[i]));
		http_rec_sv(&r, "cookie", req, req->cookie);
		http_rec_sv(&r, "request_content_type", req, req->ctype_full);
	}
	if (resp) {
		http_rec_files(&r, "resp_filenames", "resp_mime_types", resp);
		if (resp->sniffed && !resp->nfmimes)
			proto_rec_push_str(&r, "resp_mime_types", proto_slice_cstr(resp->sniffed));
		http_rec_sv(&r, "location", resp, resp->location);
		http_rec_sv(&r, "server", resp, resp->server);
		http_rec_sv(&r, "set_cookie", resp, resp->set_cookie);
		http_rec_sv(&r, "response_content_type", resp, resp->ctype_full);
	}
	proto_emit(ctx, &r);
}

/* The end of a message's body: decoder released, object ended, forms parsed. */
static void http_msg_finish_body(struct proto_ctx *ctx, struct http_msg *m)
{
	if (m->enc != HTTP_ENC_NONE && !m->zfail && !m->zend && m->wire_len)
		ctx->anomalies++; /* the compressed stream did not end with the body */
	http_z_release(m);
	if (m->body_len) {
		m->sniffed = proto_mime_sniff(m->head, m->hlen);
		if (m->obj_name.len && !m->nfiles && m->form != HTTP_FORM_MULTIPART)
			m->files[m->nfiles++] = m->obj_name;
	}
	proto_obj_end(ctx, &m->obj);
	if (m->formbuf) {
		struct slice b = { m->formbuf, m->formlen };
		if (m->form == HTTP_FORM_URLENC)
			http_form_urlenc(m, b);
		else if (m->form == HTTP_FORM_MULTIPART)
			http_form_multipart(ctx, m, b);
		free(m->formbuf);
		m->formbuf = NULL;
	}
}

/* A call without an environment is a re-dissection of bytes already seen (the flow layer runs
 * a retransmitted segment over a scratch state, for the columns only, and may drop that state
 * before the packet is reported): it must not take requests from the live peer, and it sets
 * no fields, which would borrow text the scratch state owns. */
static int http_redissection(const struct proto_ctx *ctx)
{
	return ctx->env == NULL;
}

/* The detail tree of a finished message (-V only). */
static void http_draw(struct proto_ctx *ctx, struct http_state *st, const struct http_msg *m, int again)
{
	if (!proto_tree_on(ctx) || !m->tm)
		return;
	struct http_state *peer = ctx->peer;
	struct http_tbody b = { m->wire_len, m->body_len, m->enc, m->zfail, m->ctype_full.len != 0 };
	struct http_tconv *tc = again ? NULL : m->is_req ? &st->tc : peer ? &peer->tc : NULL;
	http_tree_draw(ctx, m->tm, m->is_req, &b, tc);
}

/* A message ended in this packet (`show`: tshark shows it here). */
static void http_msg_done(struct proto_ctx *ctx, struct http_state *st, int show)
{
	struct http_msg *m = st->cur;
	st->cur = NULL;
	if (!m)
		return;
	int again = http_redissection(ctx);
	http_msg_finish_body(ctx, m);
	if (m->is_req) {
		if (m->answered) {
			if (!http_park(ctx, st, m))
				return;
		} else if (st->qn < HTTP_Q_MAX) {
			st->q[st->qn++] = m;
		} else {
			ctx->anomalies++; /* too many requests without a response */
			http_emit(ctx, m, NULL);
			if (!http_park(ctx, st, m))
				return;
		}
	} else {
		struct http_state *peer = ctx->peer;
		if (!again && (m->code < 100 || m->code >= 200)) { /* 1xx: interim, the request waits on */
			struct http_msg *req = NULL;
			int queued = 0;
			if (peer && peer->qn) {
				req = peer->q[0];
				memmove(peer->q, peer->q + 1, (size_t)(peer->qn - 1) * sizeof peer->q[0]);
				peer->qn--;
				queued = 1;
			} else if (peer && peer->cur && peer->cur->is_req && !peer->cur->answered) {
				req = peer->cur; /* answered before it was sent whole */
				req->answered = 1;
			}
			http_tree_pair(m->tm, req ? req->tm : NULL);
			http_emit(ctx, req, m);
			/* a queued request's packet has been reported: nothing borrows it any more */
			if (queued)
				http_msg_free(req);
		}
		if (!http_park(ctx, st, m))
			return;
	}
	if (show && ctx->out) {
		http_columns(ctx, m);
		if (!again)
			http_set_fields(ctx, m);
		http_draw(ctx, st, m, again);
	}
}

/* ---- header block ------------------------------------------------------------------------- */

static void http_media_type(struct http_msg *m, struct slice v)
{
	uint8_t low[128];
	uint32_t k = http_media_lower(v, low, sizeof low);
	m->ctype = http_keep(m, low, k, sizeof low);
	if (k > 10 && memcmp(low, "multipart/", 10) == 0) {
		struct slice b;
		if (http_param(v, "boundary", &b))
			m->boundary = http_keep_s(m, b, 70);
		if (k == 19 && memcmp(low, "multipart/form-data", 19) == 0)
			m->form = HTTP_FORM_MULTIPART;
	} else if (k == 33 && memcmp(low, "application/x-www-form-urlencoded", 33) == 0) {
		m->form = HTTP_FORM_URLENC;
	}
}

static void http_basic_auth(struct proto_ctx *ctx, struct http_msg *m, struct slice v)
{
	if (v.len < 6 || !proto_ascii_ieq(v.p, "basic ", 6))
		return;
	struct slice b = http_trim(v.p + 6, v.len - 6);
	uint8_t dec[384];
	int32_t n = b64_decode(b, dec, sizeof dec);
	if (n < 0) {
		ctx->anomalies++;
		return;
	}
	const uint8_t *colon = memchr(dec, ':', (size_t)n);
	uint32_t ul = colon ? (uint32_t)(colon - dec) : (uint32_t)n;
	/* user, ':' and password kept contiguous (http.authbasic shows them together) */
	if ((uint32_t)n <= (uint32_t)(HTTP_TXT_MAX - m->txt_used)) {
		m->user = http_keep(m, dec, ul, ul);
		(void)http_keep(m, dec + ul, (uint32_t)n - ul, (uint32_t)n - ul);
		m->basic.off = m->user.off;
		m->basic.len = (uint16_t)n;
		m->pass.off = (uint16_t)(m->user.off + ul + (colon ? 1 : 0));
		m->pass.len = (uint16_t)(colon ? (uint32_t)n - ul - 1 : 0);
		proto_emit_cred(ctx, "HTTP", http_sv_slice(m, m->user), http_sv_slice(m, m->pass), "basic");
	}
}

static void http_header(struct proto_ctx *ctx, struct http_msg *m, const uint8_t *h, uint32_t hl)
{
	const uint8_t *colon = memchr(h, ':', hl);
	if (!colon)
		return;
	uint32_t nl = (uint32_t)(colon - h);
	struct slice v = http_trim(colon + 1, hl - nl - 1);
#define HDR_IS(s) (nl == sizeof(s) - 1 && proto_ascii_ieq(h, s, sizeof(s) - 1))
	if (HDR_IS("host") && !m->host.len) {
		m->host = http_keep_s(m, v, 256);
	} else if (HDR_IS("user-agent") && !m->ua.len) {
		m->ua = http_keep_s(m, v, 512);
	} else if (HDR_IS("referer") && !m->referrer.len) {
		m->referrer = http_keep_s(m, v, 1024);
	} else if (HDR_IS("cookie") && !m->cookie.len) {
		m->cookie = http_keep_s(m, v, 1024);
	} else if (HDR_IS("set-cookie") && !m->set_cookie.len) {
		m->set_cookie = http_keep_s(m, v, 1024);
	} else if (HDR_IS("location") && !m->location.len) {
		m->location = http_keep_s(m, v, 2048);
	} else if (HDR_IS("server") && !m->server.len) {
		m->server = http_keep_s(m, v, 256);
	} else if (HDR_IS("content-type") && !m->ctype_full.len) {
		m->ctype_full = http_keep_s(m, v, 256);
		http_media_type(m, v);
	} else if (HDR_IS("content-length") && !m->clen_hdr.len) {
		m->clen_hdr = http_keep_s(m, v, 32);
	} else if (HDR_IS("content-encoding")) {
		if ((v.len == 4 && proto_ascii_ieq(v.p, "gzip", 4)) || (v.len == 6 && proto_ascii_ieq(v.p, "x-gzip", 6)))
			m->enc = HTTP_ENC_GZIP;
		else if (v.len == 7 && proto_ascii_ieq(v.p, "deflate", 7))
			m->enc = HTTP_ENC_DEFLATE;
	} else if (HDR_IS("content-disposition") && !m->disp_name.len) {
		struct slice f;
		if (http_param(v, "filename", &f))
			m->disp_name = http_keep_s(m, f, 200);
	} else if (HDR_IS("authorization") && !m->auth.len) {
		m->auth = http_keep_s(m, v, 512);
		http_basic_auth(ctx, m, v);
	}
#undef HDR_IS
}

/* Splits the start line into the message's parts. */
static void http_start_parts(struct http_msg *m, const uint8_t *s, uint32_t n, int code)
{
	m->line = http_keep(m, s, n, 2048);
	uint32_t i = 0;
	while (i < n && s[i] != ' ')
		i++;
	struct slice first = { s, i };
	while (i < n && s[i] == ' ')
		i++;
	if (m->is_req) {
		m->method = http_keep_s(m, first, 32);
		uint32_t u = i;
		while (i < n && s[i] != ' ')
			i++;
		m->uri = http_keep(m, s + u, i - u, 4096);
		while (i < n && s[i] == ' ')
			i++;
		m->version = http_keep(m, s + i, n - i, 16);
	} else {
		m->version = http_keep_s(m, first, 16);
		m->code = (uint16_t)(code > 0 ? code : 0);
		while (i < n && s[i] != ' ')
			i++;
		if (i < n)
			i++;
		m->phrase = http_keep(m, s + i, n - i, 256);
	}
}

static void http_full_uri(struct proto_ctx *ctx, struct http_msg *m)
{
	struct slice u = http_sv_slice(m, m->uri), h = http_sv_slice(m, m->host);
	if (u.len && u.p[0] == '/' && h.len) {
		uint8_t buf[4096 + 300];
		uint32_t k = 7;
		memcpy(buf, "http://", 7);
		memcpy(buf + k, h.p, h.len);
		k += h.len;
		memcpy(buf + k, u.p, u.len);
		k += u.len;
		m->full_uri = http_keep(m, buf, k, sizeof buf);
	} else if (u.len > 7 && proto_ascii_ieq(u.p, "http://", 7)) {
		m->full_uri = m->uri;
	}
	if (h.len) {
		/* the name is the host without its port */
		uint32_t hl = h.len;
		if (h.p[0] != '[') {
			const uint8_t *c = memchr(h.p, ':', hl);
			if (c)
				hl = (uint32_t)(c - h.p);
		}
		if (ctx->dst && (ctx->alen == 4 || ctx->alen == 16))
			proto_emit_name(ctx, ctx->dst, ctx->alen, (struct slice){ h.p, hl }, "http_host");
	}
}

static struct http_msg *http_msg_new(struct proto_ctx *ctx, struct http_state *st, int kind, const uint8_t *s,
				     uint32_t n, int code)
{
	http_msg_free(st->cur);
	st->cur = NULL;
	struct http_msg *m = http_msg_nspare ? http_msg_spare[--http_msg_nspare] : malloc(sizeof *m);
	if (!m) {
		ctx->anomalies++;
		return NULL;
	}
	memset(m, 0, offsetof(struct http_msg, txt));
	m->is_req = kind == 1;
	if (m->is_req)
		m->depth = ++st->depth;
	http_start_parts(m, s, n, code);
	st->cur = m;
	return m;
}

static struct proto_res http_parse_chunked(struct proto_ctx *ctx, struct http_state *st, struct slice d);

/* A PDU ended `n` bytes in: the message is finished and shown in this packet. */
static struct proto_res http_done(struct proto_ctx *ctx, struct http_state *st, uint32_t n)
{
	http_msg_done(ctx, st, 1);
	return http_res(PROTO_OK, n, 0);
}

/* Data that is not an HTTP message: tshark's "Continuation" once the conversation has carried
 * an HTTP message; before that (a capture starting mid-body) tshark leaves it to TCP. */
static struct proto_res http_continuation(struct proto_ctx *ctx, struct slice d)
{
	const struct http_state *st = ctx->state, *peer = ctx->peer;
	if (st->msgs || (peer && peer->msgs)) {
		proto_col_proto(ctx, NULL);
		proto_info_append(ctx, "Continuation");
		http_tree_continuation(ctx, d);
	}
	return http_res(PROTO_OK, d.len, 0);
}

/* What a body of known length still needs. tshark does not wait for a Content-Length past
 * 2^31 - 1 bytes: it reassembles such a body until the connection closes. */
static uint32_t http_body_need(const struct http_state *st)
{
	if (st->huge)
		return PROTO_UNTIL_CLOSE;
	return st->left > UINT32_MAX - 1 ? 0 : (uint32_t)st->left;
}

/* At a message boundary: a start line and the header block. */
static struct proto_res http_parse_start(struct proto_ctx *ctx, struct http_state *st, struct slice d)
{
	struct http_state *peer = ctx->peer;
	struct rd r = rd_make(d.p, d.len);
	uint8_t c0 = rd_u8(&r);
	if (!rd_ok(&r))
		return http_res(PROTO_NEED_MORE, 0, 0);
	if (!http_is_print(c0))
		return http_continuation(ctx, d);
	uint32_t next;
	int64_t ll = http_line_end(d, 0, &next);
	if (ll < 0) {
		if (d.len > HTTP_HDR_MAX)
			return http_continuation(ctx, d);
		return http_res(PROTO_NEED_MORE, 0, 0);
	}
	int head, code;
	int kind = http_start_kind(d.p, (uint32_t)ll, &head, &code);
	if (!kind)
		return http_continuation(ctx, d);
	http_set_line(ctx, st, d.p, (uint32_t)ll);
	/* header fields up to an empty line */
	uint64_t clen = 0;
	int have_clen = 0, chunked = 0;
	uint32_t off = next, hdr_start = next;
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
		if (hl > 15 && proto_ascii_ieq(h, "content-length:", 15)) {
			int ok;
			uint64_t v = http_parse_u64(h + 15, (uint32_t)hl - 15, 10, &ok);
			if (ok) {
				clen = v;
				have_clen = 1;
			}
		} else if (hl > 18 && proto_ascii_ieq(h, "transfer-encoding:", 18)) {
			uint32_t i = 18;
			while (i < (uint32_t)hl && (h[i] == ' ' || h[i] == '\t'))
				i++;
			if ((uint32_t)hl - i >= 7 && proto_ascii_ieq(h + i, "chunked", 7))
				chunked = 1;
		}
	}
	uint32_t hdr_len = off;
	st->msgs++;
	/* the whole header block is here: keep what the record and the fields need */
	struct http_msg *m = http_msg_new(ctx, st, kind, d.p, (uint32_t)ll, code);
	if (m) {
		uint32_t o = hdr_start;
		for (uint32_t nlines = 0; nlines < HTTP_HDR_LINES_MAX; nlines++) {
			int64_t hl = http_line_end(d, o, &next);
			if (hl <= 0)
				break;
			http_header(ctx, m, d.p + o, (uint32_t)hl);
			o = next;
		}
		http_keep_lines(m, d.p + hdr_start, o - hdr_start);
		m->have_clen = (uint8_t)have_clen;
		m->clen = clen;
		if (proto_tree_on(ctx))
			http_tree_keep(&m->tm, d.p, hdr_len);
		if (m->is_req)
			http_full_uri(ctx, m);
	}
	if (m && kind == 1) {
		m->is_head = (uint8_t)head;
		m->is_connect = (uint8_t)(ll >= 8 && memcmp(d.p, "CONNECT ", 8) == 0);
	}
	/* the request a response answers decides (pipelining); the latest one when unknown */
	const struct http_msg *req = kind == 2 ? http_peer_request(ctx) : NULL;
	int after_head = req ? req->is_head : st->last_was_head;
	int after_connect = req ? req->is_connect : st->last_was_connect;
	int body = 1;
	if (kind == 1) {
		int connect = ll >= 8 && memcmp(d.p, "CONNECT ", 8) == 0;
		st->last_was_head = (uint8_t)head;
		st->last_was_connect = (uint8_t)connect;
		if (peer) {
			peer->last_was_head = (uint8_t)head;
			peer->last_was_connect = (uint8_t)connect;
		}
		if (!have_clen && !chunked)
			body = 0;
	} else {
		if (after_connect && code >= 200 && code < 300)
			ctx->handover = "tls"; /* a tunnel: tshark finds TLS in it */
		if (code == 101) { /* Switching Protocols: what follows is not HTTP (tshark leaves it to TCP) */
			st->switched = 1;
			if (peer)
				peer->switched = 1;
		}
		if ((code >= 100 && code < 200) || code == 204 || code == 304 || after_head ||
		    (after_connect && code >= 200 && code < 300))
			body = 0;
	}
	if (!body || (have_clen && clen == 0 && !chunked))
		return http_done(ctx, st, hdr_len);
	if (chunked) {
		st->phase = HTTP_CHUNK_SIZE;
		struct slice rest = { d.p + hdr_len, d.len - hdr_len };
		struct proto_res cr = http_parse_chunked(ctx, st, rest);
		cr.consumed += hdr_len;
		return cr;
	}
	if (have_clen) {
		uint64_t avail = d.len - hdr_len;
		if (avail >= clen) {
			http_body_in(ctx, m, d.p + hdr_len, (uint32_t)clen);
			return http_done(ctx, st, hdr_len + (uint32_t)clen);
		}
		http_body_in(ctx, m, d.p + hdr_len, (uint32_t)avail);
		st->phase = HTTP_BODY_LEN;
		st->left = clen - avail;
		st->huge = clen > INT32_MAX;
		return http_res(PROTO_NEED_MORE, d.len, http_body_need(st));
	}
	http_body_in(ctx, m, d.p + hdr_len, d.len - hdr_len);
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
				return http_done(ctx, st, d.len);
			}
			http_tree_chunk_size(st->cur ? st->cur->tm : NULL, sz);
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
			http_tree_chunk_data(st->cur ? st->cur->tm : NULL, d.p + off,
					     (uint32_t)(avail < st->left ? avail : st->left));
			if (avail < st->left) {
				http_body_in(ctx, st->cur, d.p + off, (uint32_t)avail);
				st->left -= avail;
				return http_res(PROTO_NEED_MORE, d.len, 0);
			}
			http_body_in(ctx, st->cur, d.p + off, (uint32_t)st->left);
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
				return http_done(ctx, st, off);
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
	if (st->switched)
		return http_res(PROTO_ERR, 0, 0);
	switch (st->phase) {
	case HTTP_START:
		return http_parse_start(ctx, st, d);
	case HTTP_BODY_LEN:
		if (d.len >= st->left) {
			uint32_t n = (uint32_t)st->left;
			http_body_in(ctx, st->cur, d.p, n);
			st->left = 0;
			st->phase = HTTP_START;
			return http_done(ctx, st, n);
		}
		http_body_in(ctx, st->cur, d.p, d.len);
		st->left -= d.len;
		return http_res(PROTO_NEED_MORE, d.len, http_body_need(st));
	case HTTP_BODY_CLOSE:
		http_body_in(ctx, st->cur, d.p, d.len);
		return http_res(PROTO_NEED_MORE, d.len, PROTO_UNTIL_CLOSE);
	default:
		return http_parse_chunked(ctx, st, d);
	}
}

static int http_skip(struct proto_ctx *ctx, uint8_t dir, uint32_t n)
{
	struct http_state *st = ctx->state;
	(void)dir;
	int in_step = 0;
	if (st->phase == HTTP_BODY_CLOSE)
		in_step = 1;
	else if ((st->phase == HTTP_BODY_LEN || st->phase == HTTP_CHUNK_DATA) && n < st->left) {
		st->left -= n;
		in_step = 1;
	}
	if (st->cur) {
		/* the body has a hole: the object is incomplete and the decoder cannot go on */
		st->cur->obj.missing = 1;
		if (st->cur->enc != HTTP_ENC_NONE)
			st->cur->zfail = 1;
		st->cur->wire_len += n;
	}
	return in_step ? 0 : -1;
}

/* The sender closed its side while a body ran until the close: the message ends with the
 * FIN, and tshark shows it in the FIN's packet (with or without payload). */
static void http_close(struct proto_ctx *ctx, uint8_t dir)
{
	struct http_state *st = ctx->state;
	(void)dir;
	if (st->phase != HTTP_BODY_CLOSE && !(st->phase == HTTP_BODY_LEN && st->huge))
		return;
	if (st->phase == HTTP_BODY_LEN && st->left && st->cur)
		st->cur->obj.missing = 1; /* the connection closed before the announced length */
	st->phase = HTTP_START;
	http_msg_done(ctx, st, 1);
}

static void http_init(void *state, uint8_t dir)
{
	(void)state;
	(void)dir;
}

static void http_fini(void *state)
{
	http_state_release(state);
}

/* The connection ended: a body running until the close is finished, and requests still
 * waiting for a response are reported without one. */
static void http_flow_end(struct proto_ctx *ctx)
{
	struct http_state *s[2] = { ctx->state, ctx->peer };
	for (int i = 0; i < 2; i++) {
		struct http_state *st = s[i];
		if (!st || !st->cur || st->cur->is_req || st->phase != HTTP_BODY_CLOSE)
			continue;
		struct proto_ctx c = *ctx;
		c.state = st;
		c.peer = s[!i];
		c.out = NULL;
		st->phase = HTTP_START;
		http_msg_done(&c, st, 0);
	}
	for (int i = 0; i < 2; i++) {
		struct http_state *st = s[i];
		if (!st)
			continue;
		for (uint8_t k = 0; k < st->qn && k < HTTP_Q_MAX; k++) {
			http_emit(ctx, st->q[k], NULL);
			http_msg_free(st->q[k]);
		}
		st->qn = 0;
		if (st->cur && st->cur->is_req && !st->cur->answered) {
			http_msg_finish_body(ctx, st->cur);
			http_emit(ctx, st->cur, NULL);
		}
		http_msg_free(st->cur);
		st->cur = NULL;
	}
}

static enum proto_probe http_probe(uint8_t l4, struct slice d)
{
	uint32_t next;
	int64_t ll = http_line_end(d, 0, &next);
	int head, code;
	(void)l4;
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
	.init = http_init,
	.fini = http_fini,
	.parse = http_parse,
	.skip = http_skip,
	.close = http_close,
	.on_flow_end = http_flow_end,
	.thread_end = http_thread_end,
	.fields = http_fields,
	.nfields = sizeof http_fields / sizeof http_fields[0],
	.col_name = "HTTP",
};
