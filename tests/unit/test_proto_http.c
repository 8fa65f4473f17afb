/* test_proto_http.c: HTTP/1.x framing (src/proto/http.c): every prefix, every feeding step,
 * bodies by Content-Length, chunked and close, no body after HEAD/1xx/204/304, pipelining. */
#include "proto_feed.h"

#define S(x) (const uint8_t *)(x), (uint32_t)(sizeof(x) - 1)

static const char req_get[] = "GET /index.html HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n";
static const char req_post[] = "POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello";
static const char resp_len[] = "HTTP/1.1 200 OK\r\ncontent-length:  10\r\nServer: x\r\n\r\n0123456789";
static const char resp_chunked[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				   "5\r\nhello\r\n1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-T: 1\r\n\r\n";
static const char resp_304[] = "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n";

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
	memset(st, 0, sizeof st);
	struct proto_ctx req = { .state = st[0], .peer = st[1] };
	struct proto_res r = pd->parse(&req, 0, (struct slice){ S("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n") });
	test_report_result(r.status == PROTO_OK && r.consumed == 28, "HEAD request is one PDU");
	test_report_result(req.info == PROTO_INFO_LINE && req.info_line.len == 15 &&
				   memcmp(req.info_line.p, "HEAD / HTTP/1.1", 15) == 0,
			   "the request line is what Info shows");
	struct proto_ctx resp = { .state = st[1], .peer = st[0] };
	r = pd->parse(&resp, 1, (struct slice){ S("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n") });
	test_report_result(r.status == PROTO_OK && r.consumed == 40, "response to HEAD has no body");

	memset(st, 0, sizeof st);
	struct proto_ctx c = { .state = st[1], .peer = st[0] };
	r = pd->parse(&c, 1, (struct slice){ S("HTTP/1.0 200 OK\r\nServer: x\r\n\r\nabc") });
	test_report_result(r.status == PROTO_NEED_MORE && r.consumed == 33 && r.needed == PROTO_UNTIL_CLOSE,
			   "response without length runs until the connection closes");
	r = pd->parse(&c, 1, (struct slice){ S("more body") });
	test_report_result(r.status == PROTO_NEED_MORE && r.consumed == 9 && r.needed == PROTO_UNTIL_CLOSE,
			   "later bytes belong to the same body");

	memset(st, 0, sizeof st);
	struct proto_ctx b = { .state = st[0], .peer = st[1] };
	r = pd->parse(&b, 0, (struct slice){ S("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789") });
	test_report_result(r.status == PROTO_NEED_MORE && r.consumed == 50 && r.needed == 90,
			   "Content-Length body: exact bytes still needed");
}

static void test_continuation(void)
{
	const struct proto_desc *pd = proto_find("http");
	static unsigned char st[2][4096];
	memset(st, 0, sizeof st);
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
}

static void test_hostile(void)
{
	const struct proto_desc *pd = proto_find("http");
	static unsigned char st[2][4096];
	static uint8_t big[40000];
	memset(st, 0, sizeof st);
	memcpy(big, "GET / HTTP/1.1\r\n", 16);
	memset(big + 16, 'a', sizeof big - 16);
	struct proto_ctx c = { .state = st[0], .peer = st[1] };
	struct proto_res r = pd->parse(&c, 0, (struct slice){ big, sizeof big });
	test_report_result(r.status == PROTO_ERR, "a header block past the cap is given up");
	memset(st, 0, sizeof st);
	r = pd->parse(&c, 0, (struct slice){ S("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n") });
	test_report_result(r.status == PROTO_NEED_MORE && r.needed == PROTO_UNTIL_CLOSE,
			   "an overflowing Content-Length is ignored (body until close)");
	memset(st, 0, sizeof st);
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
		memset(st, 0, sizeof st);
		struct proto_ctx cc = { .state = st[0], .peer = st[1] };
		struct proto_res rr = pd->parse(&cc, 0, (struct slice){ rnd, sizeof rnd });
		if (rr.consumed > sizeof rnd)
			ok = 0;
	}
	test_report_result(ok, "random header-like input never consumes past its end");
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
	printf("1..%d\n", test_num);
	return test_failed ? 1 : 0;
}
