/* test_proto_http.c: HTTP/1.x (src/proto/http.c): framing (every prefix, every feeding step,
 * bodies by Content-Length, chunked and close, no body after HEAD/1xx/204/304, pipelining), the
 * Protocol/Info columns and fields, records (pairs, pipelining, unanswered requests, forms,
 * Basic credentials, names), gzip/deflate bodies as objects, hostile input. */
#include <zlib.h>

#include "proto_feed.h"

#define S(x) (const uint8_t *)(x), (uint32_t)(sizeof(x) - 1)

static const char req_get[] = "GET /index.html HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n";
static const char req_post[] = "POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello";
static const char resp_len[] = "HTTP/1.1 200 OK\r\ncontent-length:  10\r\nServer: x\r\n\r\n0123456789";
static const char resp_chunked[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				   "5\r\nhello\r\n1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-T: 1\r\n\r\n";
static const char resp_304[] = "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n";

/* Releases what the parser holds (fini) and zeroes both directions' states. */
static void st_reset(unsigned char st[2][4096])
{
	const struct proto_desc *pd = proto_find("http");
	for (int i = 0; i < 2; i++)
		pd->fini(st[i]);
	memset(st, 0, 2 * 4096);
}

static void test_single(const char *name, const char *msg, uint32_t n)
{
	const struct proto_desc *pd = proto_find("http");
	char d[128];
	uint32_t ends[1] = { n };
	snprintf(d, sizeof d, "%s: every prefix asks for more, the whole is one PDU", name);
	test_report_result(feed_prefixes(pd, (const uint8_t *)msg, n), d);
	snprintf(d, sizeof d, "%s: fed in steps of 1..%u bytes", name, n);
	test_report_result(feed_all_steps(pd, (const uint8_t *)msg, n, ends, 1), d);
}

static void test_pipelined(void)
{
	const struct proto_desc *pd = proto_find("http");
	static uint8_t buf[1024];
	uint32_t n = 0, ends[4];
	const char *parts[4] = { resp_len, resp_chunked, resp_304, resp_len };
	for (int i = 0; i < 4; i++) {
		size_t l = strlen(parts[i]);
		memcpy(buf + n, parts[i], l);
		n += (uint32_t)l;
		ends[i] = n;
	}
	test_report_result(feed_all_steps(pd, buf, n, ends, 4), "pipelined responses in every feeding step");
}

static void test_head_and_close(void)
{
	const struct proto_desc *pd = proto_find("http");
	static unsigned char st[2][4096];
	st_reset(st);
	struct proto_ctx req = { .state = st[0], .peer = st[1] };
	struct proto_res r = pd->parse(&req, 0, (struct slice){ S("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n") });
	test_report_result(r.status == PROTO_OK && r.consumed == 28, "HEAD request is one PDU");
	test_report_result(req.info == PROTO_INFO_LINE && req.info_line.len == 15 &&
				   memcmp(req.info_line.p, "HEAD / HTTP/1.1", 15) == 0,
			   "the request line is what Info shows");
	struct proto_ctx resp = { .state = st[1], .peer = st[0] };
	r = pd->parse(&resp, 1, (struct slice){ S("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n") });
	test_report_result(r.status == PROTO_OK && r.consumed == 40, "response to HEAD has no body");

	st_reset(st);
	struct proto_ctx c = { .state = st[1], .peer = st[0] };
	r = pd->parse(&c, 1, (struct slice){ S("HTTP/1.0 200 OK\r\nServer: x\r\n\r\nabc") });
	test_report_result(r.status == PROTO_NEED_MORE && r.consumed == 33 && r.needed == PROTO_UNTIL_CLOSE,
			   "response without length runs until the connection closes");
	r = pd->parse(&c, 1, (struct slice){ S("more body") });
	test_report_result(r.status == PROTO_NEED_MORE && r.consumed == 9 && r.needed == PROTO_UNTIL_CLOSE,
			   "later bytes belong to the same body");

	st_reset(st);
	struct proto_ctx b = { .state = st[0], .peer = st[1] };
	r = pd->parse(&b, 0, (struct slice){ S("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789") });
	test_report_result(r.status == PROTO_NEED_MORE && r.consumed == 50 && r.needed == 90,
			   "Content-Length body: exact bytes still needed");
	st_reset(st);
}

static void test_continuation(void)
{
	const struct proto_desc *pd = proto_find("http");
	static unsigned char st[2][4096];
	st_reset(st);
	struct proto_ctx c = { .state = st[0], .peer = st[1] };
	struct proto_res r = pd->parse(&c, 0, (struct slice){ S("\x01\x02\x03garbage") });
	test_report_result(r.status == PROTO_OK && r.consumed == 10, "binary data is one Continuation PDU");
	r = pd->parse(&c, 0, (struct slice){ S("not http at all\r\nmore") });
	test_report_result(r.status == PROTO_OK && r.consumed == 21, "a non-HTTP line is one Continuation PDU");
	r = pd->parse(&c, 0, (struct slice){ S("partial line without end") });
	test_report_result(r.status == PROTO_NEED_MORE && r.consumed == 0 && r.needed == 0,
			   "a printable line without its end asks for one more segment");
	r = pd->parse(&c, 0, (struct slice){ S("GET / HTTP/1.1\r") });
	test_report_result(r.status == PROTO_NEED_MORE && r.consumed == 0, "a CR at the end is not yet a line end");
	st_reset(st);
}

static void test_hostile(void)
{
	const struct proto_desc *pd = proto_find("http");
	static unsigned char st[2][4096];
	static uint8_t big[40000];
	st_reset(st);
	memcpy(big, "GET / HTTP/1.1\r\n", 16);
	memset(big + 16, 'a', sizeof big - 16);
	struct proto_ctx c = { .state = st[0], .peer = st[1] };
	struct proto_res r = pd->parse(&c, 0, (struct slice){ big, sizeof big });
	test_report_result(r.status == PROTO_ERR, "a header block past the cap is given up");
	st_reset(st);
	r = pd->parse(&c, 0, (struct slice){ S("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n") });
	test_report_result(r.status == PROTO_NEED_MORE && r.needed == PROTO_UNTIL_CLOSE,
			   "an overflowing Content-Length is ignored (body until close)");
	st_reset(st);
	r = pd->parse(&c, 0, (struct slice){ S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") });
	test_report_result(r.status == PROTO_OK, "a bad chunk size ends the message");
	uint32_t seed = 12345;
	int ok = 1;
	for (int i = 0; i < 20000; i++) {
		uint8_t rnd[64];
		for (size_t k = 0; k < sizeof rnd; k++) {
			seed = seed * 1103515245u + 12345u;
			rnd[k] = (uint8_t)"GET HTTP/1.1\r\n: 0123456789abcdefContent-Length chunked"[(seed >> 16) % 54];
		}
		st_reset(st);
		struct proto_ctx cc = { .state = st[0], .peer = st[1] };
		struct proto_res rr = pd->parse(&cc, 0, (struct slice){ rnd, sizeof rnd });
		if (rr.consumed > sizeof rnd)
			ok = 0;
	}
	test_report_result(ok, "random header-like input never consumes past its end");
	st_reset(st);
}


/* ---- a two-direction session with columns and records ---- */

static char recs[65536];
static size_t recs_len;

static void rec_collect(void *arg, const struct proto_rec *r)
{
	(void)arg;
	int n = snprintf(recs + recs_len, sizeof recs - recs_len, "[%s", r->kind);
	if (n > 0 && (size_t)n < sizeof recs - recs_len)
		recs_len += (size_t)n;
	for (uint16_t i = 0; i < r->n && recs_len < sizeof recs - 1; i++) {
		const struct proto_kv *kv = &r->kv[i];
		if (kv->type == PV_STR)
			n = snprintf(recs + recs_len, sizeof recs - recs_len, " %s=%.*s", kv->name, (int)kv->len,
				     (const char *)kv->v.p);
		else if (kv->type == PV_UINT || kv->type == PV_BOOL)
			n = snprintf(recs + recs_len, sizeof recs - recs_len, " %s=%llu", kv->name,
				     (unsigned long long)kv->v.u);
		else
			n = snprintf(recs + recs_len, sizeof recs - recs_len, " %s=?", kv->name);
		if (n > 0 && (size_t)n < sizeof recs - recs_len)
			recs_len += (size_t)n;
	}
	if (recs_len < sizeof recs - 2) {
		recs[recs_len++] = ']';
		recs[recs_len++] = '\n';
		recs[recs_len] = 0;
	}
}

static const struct proto_env rec_env = { rec_collect, NULL, NULL };

struct sess {
	const struct proto_desc *pd;
	_Alignas(16) unsigned char st[2][4096];
	struct proto_pkt pkt;
	uint64_t frame;
	uint8_t addr[2][4];
};

static void sess_init(struct sess *s)
{
	memset(s, 0, sizeof *s);
	s->pd = proto_find("http");
	s->addr[0][0] = 10, s->addr[0][3] = 1;
	s->addr[1][0] = 10, s->addr[1][3] = 2;
	recs_len = 0;
	recs[0] = 0;
}

static void sess_fini(struct sess *s)
{
	for (int i = 0; i < 2; i++)
		s->pd->fini(s->st[i]);
}

static struct proto_ctx sess_ctx(struct sess *s, uint8_t dir)
{
	struct proto_ctx c;
	memset(&c, 0, sizeof c);
	c.state = s->st[dir];
	c.peer = s->st[!dir];
	c.alen = 4;
	c.src = s->addr[dir];
	c.dst = s->addr[!dir];
	c.is_orig = dir == 0;
	c.frame = ++s->frame;
	c.out = &s->pkt;
	c.env = &rec_env;
	return c;
}

/* One packet of `n` bytes in direction `dir` (whole PDUs or the start of one); returns the
 * number of PDUs that ended and leaves Protocol/Info in s->pkt. */
static int sess_pkt(struct sess *s, uint8_t dir, const char *p, uint32_t n)
{
	memset(&s->pkt, 0, sizeof s->pkt);
	struct proto_ctx c = sess_ctx(s, dir);
	int done = 0;
	uint32_t off = 0;
	for (int guard = 0; off < n && guard < 100; guard++) {
		struct proto_res r = s->pd->parse(&c, dir, (struct slice){ (const uint8_t *)p + off, n - off });
		if (r.status == PROTO_ERR || r.consumed > n - off)
			return -1;
		off += r.consumed;
		if (r.status != PROTO_OK)
			break;
		done++;
	}
	return done;
}

static int info_is(const struct sess *s, const char *proto, const char *info)
{
	int ok = s->pkt.shown && strcmp(s->pkt.col, proto) == 0 && s->pkt.info_len == strlen(info) &&
		 memcmp(s->pkt.info, info, s->pkt.info_len) == 0;
	if (!ok)
		printf("# got [%s] [%.*s], want [%s] [%s]\n", s->pkt.col, (int)s->pkt.info_len, s->pkt.info, proto, info);
	return ok;
}

static int has_field(const struct sess *s, const char *name, const char *val)
{
	const struct proto_desc *pd = s->pd;
	for (uint16_t i = 0; i < s->pkt.nfv; i++) {
		const struct proto_fv *f = &s->pkt.fv[i];
		uint8_t fid = (uint8_t)(f->key & 0xff);
		if (fid >= pd->nfields || strcmp(pd->fields[fid].name, name) != 0)
			continue;
		if (!val)
			return 1;
		char buf[64];
		if (f->type == PF_UINT) {
			snprintf(buf, sizeof buf, "%llu", (unsigned long long)f->v.u);
			if (strcmp(buf, val) == 0)
				return 1;
		} else if (f->type == PF_STR && f->len == strlen(val) && memcmp(f->v.p, val, f->len) == 0) {
			return 1;
		}
	}
	printf("# field %s=%s not found\n", name, val ? val : "(present)");
	return 0;
}

#define SP(s, d, lit) sess_pkt(s, d, lit, (uint32_t)(sizeof(lit) - 1))

static void test_columns(void)
{
	static struct sess s;
	sess_init(&s);
	int n = SP(&s, 0, "POST /wp-comments-post.php HTTP/1.1\r\nHost: www.example.org:8080\r\n"
			  "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\na=1&b=%41");
	test_report_result(n == 1 && info_is(&s, "HTTP", "POST /wp-comments-post.php HTTP/1.1  "
							  "(application/x-www-form-urlencoded)"),
			   "POST: request line, a space, then the body's media type");
	test_report_result(has_field(&s, "http.request", NULL) && has_field(&s, "http.request.method", "POST") &&
				   has_field(&s, "http.request.uri", "/wp-comments-post.php") &&
				   has_field(&s, "http.host", "www.example.org:8080") &&
				   has_field(&s, "http.content_length", "9") &&
				   has_field(&s, "http.request.full_uri", "http://www.example.org:8080/wp-comments-post.php"),
			   "request fields in Wireshark's names");
	n = SP(&s, 1, "HTTP/1.1 302 Found\r\nLocation: /?p=1\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n");
	test_report_result(n == 1 && info_is(&s, "HTTP", "HTTP/1.1 302 Found "), "302 without body: no media type");
	test_report_result(has_field(&s, "http.response.code", "302") && has_field(&s, "http.location", "/?p=1") &&
				   has_field(&s, "http.response.phrase", "Found"),
			   "response fields");
	n = SP(&s, 0, "GET /a.json HTTP/1.1\r\nHost: h\r\n\r\n");
	n = SP(&s, 1, "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 2\r\n\r\n{}");
	test_report_result(n == 1 && info_is(&s, "HTTP/JSON", "HTTP/1.1 200 OK , JavaScript Object Notation "
							      "(application/json)"),
			   "JSON body: HTTP/JSON");
	n = SP(&s, 0, "GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
	n = SP(&s, 1, "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 4\r\n\r\n<a/>");
	test_report_result(n == 1 && info_is(&s, "HTTP/XML", "HTTP/1.1 200 OK "), "XML body: HTTP/XML");
	n = SP(&s, 0, "GET /g HTTP/1.1\r\nHost: h\r\n\r\n");
	n = SP(&s, 1, "HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: 8\r\n\r\nGIF89a\x01\x00");
	test_report_result(n == 1 && info_is(&s, "HTTP", "HTTP/1.1 200 OK  (GIF89a)"), "GIF: its version");
	n = SP(&s, 0, "POST /ocsp HTTP/1.1\r\nContent-Type: application/ocsp-request\r\nContent-Length: 2\r\n\r\n0\x01");
	test_report_result(n == 1 && info_is(&s, "OCSP", "Request"), "OCSP request");
	n = SP(&s, 1, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nhi"
		      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi");
	test_report_result(n == 2 && info_is(&s, "HTTP", "HTTP/1.1 200 OK  (text/html)HTTP/1.1 200 OK  (text/plain)"),
			   "two responses in one segment: both, one after the other");
	n = SP(&s, 1, "\x16\x03\x01 binary");
	test_report_result(n == 1 && info_is(&s, "", "Continuation"), "data that is no message: Continuation (Protocol: col_name)");
	sess_fini(&s);
}

/* Rules set at integration against tshark 4.0's columns: data before any HTTP message is left to
 * TCP (a capture starting mid-body); after one it is "Continuation"; after 101 Switching
 * Protocols the dissector gives the flow up; a 2xx answer to CONNECT hands the flow to TLS. */
static void test_continuation_and_upgrades(void)
{
	static struct sess s;
	sess_init(&s);
	int n = SP(&s, 1, "mid-body bytes\r\nof a response already under way\r\n");
	test_report_result(n == 1 && !s.pkt.shown, "data before any HTTP message is not shown as HTTP");
	n = SP(&s, 0, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	n = SP(&s, 1, "more bytes that are not a message\r\n");
	test_report_result(n == 1 && info_is(&s, "", "Continuation"), "after a message, other data is Continuation");
	sess_fini(&s);
	sess_init(&s);
	SP(&s, 0, "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
	n = SP(&s, 1, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
	test_report_result(n == 1, "the 101 response is a message");
	n = SP(&s, 1, "\x81\x05hello");
	test_report_result(n < 0, "after 101 the dissector gives the flow up");
	sess_fini(&s);
	sess_init(&s);
	SP(&s, 0, "CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n");
	struct proto_ctx c = sess_ctx(&s, 1);
	const char *ok = "HTTP/1.1 200 Connection established\r\n\r\n";
	struct proto_res r = s.pd->parse(&c, 1, (struct slice){ (const uint8_t *)ok, (uint32_t)strlen(ok) });
	test_report_result(r.status == PROTO_OK && c.handover && !strcmp(c.handover, "tls"),
			   "a 2xx answer to CONNECT hands the flow to TLS");
	sess_fini(&s);
}

static void test_records(void)
{
	static struct sess s;
	sess_init(&s);
	SP(&s, 0, "POST /login HTTP/1.1\r\nHost: site.test\r\nUser-Agent: ua/1\r\nReferer: http://r/\r\n"
		  "Authorization: Basic dXNlcjpwYTpzcw==\r\nContent-Type: application/x-www-form-urlencoded\r\n"
		  "Content-Length: 27\r\n\r\nname=J+Doe&pw=%21x&empty=&z");
	test_report_result(strstr(recs, "[creds protocol=HTTP user=user secret=pa:ss kind=basic") != NULL,
			   "Basic authorization is a credential (password may hold ':')");
	test_report_result(strstr(recs, "[names address=? name=site.test source=http_host") != NULL,
			   "Host is a name for the server");
	test_report_result(has_field(&s, "http.authbasic", "user:pa:ss"), "http.authbasic");
	recs_len = 0;
	SP(&s, 1, "HTTP/1.1 302 Found\r\nLocation: http://site.test/home\r\nServer: srv\r\n"
		  "Set-Cookie: sid=1\r\nContent-Length: 0\r\n\r\n");
	const char *want = "[http trans_depth=1 method=POST host=site.test uri=/login referrer=http://r/ version=1.1 "
			   "user_agent=ua/1 request_body_len=27 response_body_len=0 status_code=302 status_msg=Found "
			   "username=user password=pa:ss orig_filenames=login orig_mime_types=text/plain "
			   "post_fields=name=J Doe post_fields=pw=!x post_fields=empty= post_fields=z";
	test_report_result(strncmp(recs, want, strlen(want)) == 0, "one http record per pair, Zeek's names, form fields");
	if (strncmp(recs, want, strlen(want)) != 0)
		printf("# %s\n", recs);
	test_report_result(strstr(recs, " location=http://site.test/home") && strstr(recs, " server=srv") &&
				   strstr(recs, " set_cookie=sid=1"),
			   "Location, Server and Set-Cookie in the record");
	/* a request left unanswered is reported at flow end */
	recs_len = 0;
	recs[0] = 0;
	SP(&s, 0, "GET /never HTTP/1.1\r\nHost: site.test\r\n\r\n");
	struct proto_ctx c = sess_ctx(&s, 0);
	s.pd->on_flow_end(&c);
	test_report_result(strstr(recs, "[http trans_depth=2 method=GET host=site.test uri=/never") != NULL &&
				   strstr(recs, "status_code") == NULL,
			   "unanswered request reported at flow end");
	/* a body running until close ends at flow end */
	SP(&s, 0, "GET /c HTTP/1.1\r\nHost: h\r\n\r\n");
	SP(&s, 1, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nabc");
	SP(&s, 1, "def");
	recs_len = 0;
	c = sess_ctx(&s, 0);
	s.pd->on_flow_end(&c);
	test_report_result(strstr(recs, "[files source=HTTP filename=c mime_type=text/plain") != NULL &&
				   strstr(recs, "seen_bytes=6") && strstr(recs, "uri=/c") && strstr(recs, "response_body_len=6"),
			   "close-delimited body: object and record at flow end");
	/* ... and at the sender's FIN, which shows it in that packet */
	SP(&s, 0, "GET /d HTTP/1.1\r\nHost: h\r\n\r\n");
	SP(&s, 1, "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<p>");
	recs_len = 0;
	memset(&s.pkt, 0, sizeof s.pkt);
	c = sess_ctx(&s, 1);
	s.pd->close(&c, 1);
	test_report_result(info_is(&s, "HTTP", "HTTP/1.0 200 OK  (text/html)") && has_field(&s, "http.response.code", "200"),
			   "FIN ends a close-delimited body: the response's columns and fields");
	test_report_result(strstr(recs, "uri=/d") && strstr(recs, "response_body_len=3"),
			   "FIN ends a close-delimited body: its record");
	recs_len = 0;
	recs[0] = 0;
	memset(&s.pkt, 0, sizeof s.pkt);
	c = sess_ctx(&s, 1);
	s.pd->close(&c, 1);
	test_report_result(!s.pkt.shown && recs_len == 0, "a FIN between messages ends nothing");
	/* tshark does not wait for a Content-Length past 2^31 - 1: such a body runs until the close */
	SP(&s, 0, "GET /e HTTP/1.1\r\nHost: h\r\n\r\n");
	SP(&s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 2200000000\r\n\r\nAAAA");
	memset(&s.pkt, 0, sizeof s.pkt);
	c = sess_ctx(&s, 1);
	struct proto_res r = s.pd->parse(&c, 1, (struct slice){ (const uint8_t *)"BB", 2 });
	test_report_result(r.status == PROTO_NEED_MORE && r.needed == PROTO_UNTIL_CLOSE,
			   "a body past 2^31 - 1 bytes waits for the close");
	c = sess_ctx(&s, 1);
	s.pd->close(&c, 1);
	test_report_result(info_is(&s, "HTTP", "HTTP/1.1 200 OK "), "and the FIN ends it");
	sess_fini(&s);
}

/* The flow layer re-dissects retransmitted bytes over a scratch state without an environment,
 * then may release that state before the packet is reported. */
static void test_redissection(void)
{
	static struct sess s;
	static _Alignas(16) unsigned char scratch[4096];
	sess_init(&s);
	SP(&s, 0, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
	memset(&s.pkt, 0, sizeof s.pkt);
	memset(scratch, 0, sizeof scratch);
	struct proto_ctx c = sess_ctx(&s, 1);
	c.state = scratch;
	c.env = NULL;
	const char resp[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi";
	struct proto_res r = s.pd->parse(&c, 1, (struct slice){ (const uint8_t *)resp, sizeof resp - 1 });
	s.pd->fini(scratch);
	test_report_result(r.status == PROTO_OK && info_is(&s, "HTTP", "HTTP/1.1 200 OK  (text/plain)") && s.pkt.nfv == 0,
			   "re-dissection: columns, no fields borrowing the scratch state");
	recs_len = 0;
	SP(&s, 1, resp);
	test_report_result(strstr(recs, "uri=/a") && strstr(recs, "status_code=200"),
			   "re-dissection left the pending request to the real response");
	sess_fini(&s);
}

static void test_pipelining(void)
{
	static struct sess s;
	sess_init(&s);
	int n = SP(&s, 0, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: h\r\n\r\nGET /3 HTTP/1.1\r\nHost: h\r\n\r\n");
	test_report_result(n == 3 && info_is(&s, "HTTP", "GET /1 HTTP/1.1 HEAD /2 HTTP/1.1 GET /3 HTTP/1.1 "),
			   "three pipelined requests in one segment");
	recs_len = 0;
	n = SP(&s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA");
	n += SP(&s, 1, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n");
	n += SP(&s, 1, "HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nC");
	const char *a = strstr(recs, "uri=/1"), *b = strstr(recs, "uri=/2"), *c3 = strstr(recs, "uri=/3");
	test_report_result(n == 3 && a && b && c3 && a < b && b < c3 && strstr(c3, "status_code=404"),
			   "responses paired in order; no body after HEAD");
	/* more requests than the queue holds: nothing lost, nothing leaked */
	recs_len = 0;
	for (int i = 0; i < 20; i++)
		SP(&s, 0, "GET /q HTTP/1.1\r\nHost: h\r\n\r\n");
	struct proto_ctx c = sess_ctx(&s, 0);
	s.pd->on_flow_end(&c);
	int cnt = 0;
	for (const char *p = recs; (p = strstr(p, "[http ")) != NULL; p++)
		cnt++;
	test_reportf(cnt == 20, "20 unanswered requests: 20 records (%d)", cnt);
	/* 100 Continue is interim: the final response gets the request */
	recs_len = 0;
	SP(&s, 0, "PUT /u HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
	SP(&s, 1, "HTTP/1.1 100 Continue\r\n\r\n");
	SP(&s, 0, "abc");
	SP(&s, 1, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
	test_report_result(strstr(recs, "uri=/u") && strstr(recs, "status_code=201") && !strstr(recs, "status_code=100"),
			   "100 Continue does not take the request");
	sess_fini(&s);
}

static uLong gz(const char *in, uint8_t *out, uLong cap, int wbits)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)strlen(in);
	z.next_out = out;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	uLong n = z.total_out;
	deflateEnd(&z);
	return n;
}

static void test_gzip(void)
{
	static struct sess s;
	static char msg[4096];
	static uint8_t body[1024];
	const char *text = "<html><body>hello hello hello hello hello</body></html>";
	const int wbits[3] = { 15 + 16, 15, -15 }; /* gzip, zlib ("deflate"), raw deflate */
	const char *enc[3] = { "gzip", "deflate", "deflate" };
	for (int k = 0; k < 3; k++) {
		sess_init(&s);
		uLong bl = gz(text, body, sizeof body, wbits[k]);
		/* chunked, the compressed bytes split over two chunks and two packets */
		int hl = snprintf(msg, sizeof msg,
				  "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: %s\r\n"
				  "Transfer-Encoding: chunked\r\n\r\n%lx\r\n",
				  enc[k], (unsigned long)(bl / 2));
		memcpy(msg + hl, body, bl / 2);
		uint32_t n1 = (uint32_t)hl + (uint32_t)(bl / 2);
		int tl = snprintf(msg + n1, sizeof msg - n1, "\r\n%lx\r\n", (unsigned long)(bl - bl / 2));
		uint32_t n2 = n1 + (uint32_t)tl;
		memcpy(msg + n2, body + bl / 2, bl - bl / 2);
		n2 += (uint32_t)(bl - bl / 2);
		memcpy(msg + n2, "\r\n0\r\n\r\n", 7);
		n2 += 7;
		SP(&s, 0, "GET /page.html HTTP/1.1\r\nHost: h\r\n\r\n");
		recs_len = 0;
		int a = sess_pkt(&s, 1, msg, n1 - 5);
		struct proto_ctx c = sess_ctx(&s, 1);
		struct proto_res r = s.pd->parse(&c, 1, (struct slice){ (const uint8_t *)msg + n1 - 5, n2 - (n1 - 5) });
		char d[128];
		snprintf(d, sizeof d, "%s body (wbits %d) decoded across chunks and packets", enc[k], wbits[k]);
		int ok = a == 0 && r.status == PROTO_OK && r.consumed == n2 - (n1 - 5) &&
			 strstr(recs, "[files source=HTTP filename=page.html mime_type=text/html") &&
			 strstr(recs, "seen_bytes=55") && strstr(recs, "response_body_len=55");
		test_report_result(ok, d);
		if (!ok)
			printf("# %s\n", recs);
		sess_fini(&s);
	}
	/* corrupt compressed data: counted, framing goes on, no crash */
	sess_init(&s);
	SP(&s, 0, "GET /z HTTP/1.1\r\nHost: h\r\n\r\n");
	memset(&s.pkt, 0, sizeof s.pkt);
	struct proto_ctx c = sess_ctx(&s, 1);
	const char bad[] = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Type: text/plain\r\n"
			   "Content-Length: 12\r\n\r\n\x1f\x8b\x08\x00garbage!";
	struct proto_res r = s.pd->parse(&c, 1, (struct slice){ (const uint8_t *)bad, sizeof bad - 1 });
	test_report_result(r.status == PROTO_OK && r.consumed == sizeof bad - 1 && c.anomalies > 0,
			   "corrupt gzip: an anomaly, the message still ends");
	sess_fini(&s);
	/* a decompression bomb stops at the cap */
	sess_init(&s);
	static uint8_t zeros[1 << 20];
	static uint8_t bomb[1 << 16];
	z_stream z;
	memset(&z, 0, sizeof z);
	deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
	z.next_out = bomb;
	z.avail_out = sizeof bomb;
	for (int i = 0; i < 80; i++) {
		z.next_in = zeros;
		z.avail_in = sizeof zeros;
		deflate(&z, i == 79 ? Z_FINISH : Z_NO_FLUSH);
	}
	uLong bl = z.total_out;
	deflateEnd(&z);
	static char hdr[256];
	int hl = snprintf(hdr, sizeof hdr, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %lu\r\n\r\n",
			  (unsigned long)bl);
	SP(&s, 0, "GET /bomb HTTP/1.1\r\nHost: h\r\n\r\n");
	recs_len = 0;
	c = sess_ctx(&s, 1);
	r = s.pd->parse(&c, 1, (struct slice){ (const uint8_t *)hdr, (uint32_t)hl });
	struct proto_res r2 = s.pd->parse(&c, 1, (struct slice){ bomb, (uint32_t)bl });
	test_reportf(r.status == PROTO_NEED_MORE && r2.status == PROTO_OK && c.anomalies > 0 &&
			     strstr(recs, "response_body_len=") && !strstr(recs, "response_body_len=83886080"),
		     "80 MiB of zeros in %lu bytes: decoding stops at the cap", (unsigned long)bl);
	sess_fini(&s);
}

static void test_multipart(void)
{
	static struct sess s;
	sess_init(&s);
	const char m[] = "POST /upload.php HTTP/1.1\r\nHost: h\r\n"
			 "Content-Type: multipart/form-data; boundary=----XyZ\r\nContent-Length: 266\r\n\r\n"
			 "------XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nmy report\r\n"
			 "------XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.pdf\"\r\n"
			 "Content-Type: application/pdf\r\n\r\n%PDF-1.4 tiny\r\n"
			 "------XyZ\r\nContent-Disposition: form-data; name=\"go\"\r\n\r\nyes\r\n------XyZ--\r\n";
	int n = SP(&s, 0, m);
	test_report_result(n == 1 && info_is(&s, "HTTP", "POST /upload.php HTTP/1.1  (application/pdf)"),
			   "multipart request: each typed part's media type");
	test_report_result(strstr(recs, "[files source=HTTP filename=r.pdf mime_type=application/pdf "
					"declared_mime_type=application/pdf seen_bytes=13") != NULL,
			   "file part is an object of its own");
	recs_len = 0;
	SP(&s, 1, "HTTP/1.1 204 No Content\r\n\r\n");
	test_report_result(strstr(recs, "orig_filenames=r.pdf orig_mime_types=application/pdf post_fields=title=my report "
					"post_fields=go=yes") != NULL,
			   "record: file names, their types, plain fields");
	if (!strstr(recs, "orig_filenames=r.pdf"))
		printf("# %s\n", recs);
	sess_fini(&s);
}

static void test_hostile_bodies(void)
{
	static struct sess s;
	static char big[200000];
	sess_init(&s);
	/* huge form: capped */
	int hl = snprintf(big, sizeof big, "POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
					   "Content-Length: 150000\r\n\r\n");
	for (int i = hl; i < hl + 150000; i++)
		big[i] = (i % 7) ? 'a' : '&';
	int n = sess_pkt(&s, 0, big, (uint32_t)hl + 150000);
	recs_len = 0;
	struct proto_ctx c = sess_ctx(&s, 0);
	s.pd->on_flow_end(&c);
	int cnt = 0;
	for (const char *p = recs; (p = strstr(p, "post_fields=")) != NULL; p++)
		cnt++;
	test_reportf(n == 1 && cnt == 32, "a form of 21,000 fields keeps 32 (%d)", cnt);
	/* multipart without a closing boundary, with a boundary longer than allowed, header loops */
	const char *bad[] = {
		"POST / HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 40\r\n\r\n"
		"--b\r\nContent-Disposition: form-data; nam",
		"POST / HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=\"\r\nContent-Length: 4\r\n\r\n--\r\n",
		"POST / HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 30\r\n\r\n"
		"--b\r\n\r\n\r\n--b\r\n\r\n\r\n--b--\r\n\r\n",
		"GET / HTTP/1.1\r\nAuthorization: Basic !!!!\r\nAuthorization: Basic\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 6\r\n\r\n%%%4%z",
	};
	int ok = 1;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint32_t bl = (uint32_t)strlen(bad[i]);
		for (uint32_t k = 1; k <= bl; k++) {
			if (sess_pkt(&s, 0, bad[i], k) < 0)
				ok = 0;
			sess_fini(&s);
			sess_init(&s);
		}
	}
	test_report_result(ok, "malformed forms and credentials, every prefix: no crash, no error");
	sess_fini(&s);
}

int main(void)
{
	struct errbuf e;
	test_report_result(registry_validate(&e) == 0, "registry validates");
	test_report_result(proto_find("http") != NULL, "http is registered");
	test_single("GET without body", req_get, sizeof req_get - 1);
	test_single("POST with Content-Length", req_post, sizeof req_post - 1);
	test_single("response with Content-Length", resp_len, sizeof resp_len - 1);
	test_single("chunked response with trailer", resp_chunked, sizeof resp_chunked - 1);
	test_single("304 without body", resp_304, sizeof resp_304 - 1);
	test_pipelined();
	test_head_and_close();
	test_continuation();
	test_hostile();
	test_columns();
	test_continuation_and_upgrades();
	test_records();
	test_redissection();
	test_pipelining();
	test_gzip();
	test_multipart();
	test_hostile_bodies();
	printf("1..%d\n", test_num);
	return test_failed ? 1 : 0;
}
