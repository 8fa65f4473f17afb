/* test_eventlog.c: Community ID v1 against published vectors, uid determinism, and the JSON
 * line of a record (header, arrays, duplicates, escaping). */
#include <string.h>

#include "report/eventlog.h"
#include "tap.h"

static struct flow_ident ident4(uint8_t l4, const char *a, uint16_t ap, const char *b, uint16_t bp)
{
	struct flow_ident id;
	memset(&id, 0, sizeof id);
	id.l4 = l4;
	id.alen = 4;
	unsigned x[4];
	sscanf(a, "%u.%u.%u.%u", &x[0], &x[1], &x[2], &x[3]);
	for (int i = 0; i < 4; i++)
		id.orig[i] = (uint8_t)x[i];
	sscanf(b, "%u.%u.%u.%u", &x[0], &x[1], &x[2], &x[3]);
	for (int i = 0; i < 4; i++)
		id.resp[i] = (uint8_t)x[i];
	id.orig_p = ap;
	id.resp_p = bp;
	return id;
}

static void test_community_id(void)
{
	/* vectors published with Zeek's community_id_v1() tests (seed 0) */
	struct flow_ident t = ident4(6, "1.2.3.4", 1122, "5.6.7.8", 3344);
	char cid[40];
	test_reportf(eventlog_community_id(&t, 0, cid, sizeof cid) == 0 && !strcmp(cid, "1:wCb3OG7yAFWelaUydu0D+125CLM="),
		     "community id tcp: %s", cid);
	struct flow_ident u = ident4(17, "1.2.3.4", 1122, "5.6.7.8", 3344);
	test_reportf(eventlog_community_id(&u, 0, cid, sizeof cid) == 0 && !strcmp(cid, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="),
		     "community id udp: %s", cid);
	struct flow_ident r = ident4(6, "5.6.7.8", 3344, "1.2.3.4", 1122);
	test_reportf(eventlog_community_id(&r, 0, cid, sizeof cid) == 0 && !strcmp(cid, "1:wCb3OG7yAFWelaUydu0D+125CLM="),
		     "community id is the same both ways");
	test_report_result(eventlog_community_id(&t, 0, cid, 8) < 0, "community id refuses a short buffer");
}

static void test_uid(void)
{
	struct flow_ident a = ident4(6, "1.2.3.4", 1122, "5.6.7.8", 3344), b = a;
	char ua[20], ub[20];
	eventlog_uid(&a, ua);
	eventlog_uid(&b, ub);
	test_report_result(!strcmp(ua, ub) && ua[0] == 'C' && strlen(ua) == 18, "uid is deterministic, C + 17 digits");
	b.first_frame = 7;
	eventlog_uid(&b, ub);
	test_report_result(strcmp(ua, ub) != 0, "uid differs for a conversation starting at another frame");
	b = a;
	b.stream = 9;
	eventlog_uid(&b, ub);
	test_report_result(!strcmp(ua, ub), "uid does not depend on the stream number (local to a shard)");
}

static void test_line(void)
{
	struct flow_ident id = ident4(6, "10.0.0.1", 40000, "10.0.0.2", 80);
	struct proto_rec r;
	proto_rec_init(&r, "http");
	proto_rec_cstr(&r, "method", "GET");
	proto_rec_str(&r, "uri", (struct slice){ (const uint8_t *)"/a\"b\x01\xff", 6 });
	proto_rec_u(&r, "status_code", 200);
	proto_rec_push_str(&r, "post_fields", proto_slice_cstr("a=1"));
	proto_rec_push_str(&r, "post_fields", proto_slice_cstr("b=2"));
	proto_rec_cstr(&r, "method", "again");
	proto_rec_cstr(&r, "uid", "forged");
	proto_rec_bool(&r, "ok", 1);
	struct obuf o;
	obuf_init(&o);
	eventlog_write(&o, &id, 1500000000123456789ll, &r);
	obuf_putc(&o, 0);
	const char *s = o.buf;
	test_reportf(!strncmp(s, "{\"_path\":\"http\",\"ts\":1500000000.123456,\"uid\":\"C", 47), "header first: %.60s", s);
	test_report_result(strstr(s, "\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":40000,\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":80") != NULL,
			   "conversation endpoints");
	test_report_result(strstr(s, "\"post_fields\":[\"a=1\",\"b=2\"]") != NULL, "adjacent pushes form an array");
	test_report_result(strstr(s, "again") == NULL && strstr(s, "forged") == NULL, "duplicate and header keys dropped");
	test_report_result(strstr(s, "\"uri\":\"/a\\\"b\\u0001\\\\xff\"") != NULL || strstr(s, "\\u0001") != NULL,
			   "controls escaped");
	test_report_result(s[strlen(s) - 1] == '\n' && strstr(s, "\"ok\":true}") != NULL, "one line per record");
	obuf_free(&o);
}

int main(void)
{
	test_community_id();
	test_uid();
	test_line();
	return test_failed != 0;
}
