/* test_proto_telnet.c: Telnet (src/proto/telnet.c): a real login session (tests/captures/
 * telnet.pcap: inetutils-telnetd, character mode, a name corrected with DEL) replayed whole and
 * byte by byte, the credential and the telnet record; every prefix of every segment; option
 * negotiation split across segments; line editing; malformed segments (an IAC at the end);
 * over-long lines. */
#include "tap.h"
#include "proto_session.h"

/* telnet_session: 29 payloads of telnet.pcap (tcp.len>0), direction 0 = first sender */
static const struct seg telnet_session[] = {
	{ 0, 30, (const uint8_t *)
		"\xff\xfd\x26\xff\xfb\x26\xff\xfd\x03\xff\xfb\x18\xff\xfb\x1f\xff\xfb\x20\xff\xfb\x21\xff\xfb\x22"
		"\xff\xfb\x27\xff\xfd\x05"
	},
	{ 1, 21, (const uint8_t *)
		"\xff\xfb\x25\xff\xfb\x26\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27\xff\xfd\x24"
	},
	{ 1, 29, (const uint8_t *)
		"\xff\xfd\x26\xff\xfa\x26\x01\xff\xf0\xff\xfb\x03\xff\xfd\x1f\xff\xfd\x21\xff\xfd\x22\xff\xfa\x22"
		"\x01\x10\xff\xf0\x00"
	},
	{ 1, 3, (const uint8_t *)
		"\xff\xfb\x05"
	},
	{ 0, 88, (const uint8_t *)
		"\xff\xfd\x25\xff\xfa\x26\x01\xff\xf0\xff\xfc\x23\xff\xfc\x24\xff\xfa\x1f\x00\x00\x00\x00\xff\xf0"
		"\xff\xfa\x22\x03\x01\x00\x00\x03\x62\x03\x04\x02\x0f\x05\x00\x00\x07\x62\x1c\x08\x02\x04\x09\x42"
		"\x1a\x0a\x02\x7f\x0b\x02\x15\x0c\x02\x17\x0d\x02\x12\x0e\x02\x16\x0f\x02\x11\x10\x02\x13\x11\x00"
		"\x00\x12\x00\x00\xff\xf0\xff\xfd\x03\xff\xfa\x22\x01\x14\xff\xf0"
	},
	{ 1, 18, (const uint8_t *)
		"\xff\xfa\x20\x01\xff\xf0\xff\xfa\x27\x01\xff\xf0\xff\xfa\x18\x01\xff\xf0"
	},
	{ 0, 34, (const uint8_t *)
		"\xff\xfa\x20\x00\x33\x38\x34\x30\x30\x2c\x33\x38\x34\x30\x30\xff\xf0\xff\xfa\x27\x00\xff\xf0\xff"
		"\xfa\x18\x00\x58\x54\x45\x52\x4d\xff\xf0"
	},
	{ 1, 3, (const uint8_t *)
		"\xff\xfd\x01"
	},
	{ 0, 3, (const uint8_t *)
		"\xff\xfc\x01"
	},
	{ 1, 16, (const uint8_t *)
		"\xff\xfb\x01\xff\xfd\x00\xff\xfa\x21\x03\xff\xf0\x00\xff\xfe\x22"
	},
	{ 0, 9, (const uint8_t *)
		"\xff\xfd\x01\xff\xfb\x00\xff\xfc\x22"
	},
	{ 1, 42, (const uint8_t *)
		"\xff\xfa\x22\x03\x03\xe2\x03\x04\x82\x0f\x07\xe2\x1c\x08\x82\x04\x09\xc2\x1a\x0a\x82\x7f\x0b\x82"
		"\x15\x0c\x82\x17\x0d\x82\x12\x0e\x82\x16\x0f\x82\x11\x10\x82\x13\xff\xf0"
	},
	{ 1, 10, (const uint8_t *)
		"\x76\x6d\x20\x6c\x6f\x67\x69\x6e\x3a\x20"
	},
	{ 0, 8, (const uint8_t *)
		"\x73\x6c\x65\x75\x74\x68\x74\x78"
	},
	{ 1, 8, (const uint8_t *)
		"\x73\x6c\x65\x75\x74\x68\x74\x78"
	},
	{ 0, 3, (const uint8_t *)
		"\x7f\x6e\x0d"
	},
	{ 1, 6, (const uint8_t *)
		"\x08\x20\x08\x6e\x0d\x0a"
	},
	{ 1, 10, (const uint8_t *)
		"\x50\x61\x73\x73\x77\x6f\x72\x64\x3a\x20"
	},
	{ 0, 10, (const uint8_t *)
		"\x74\x6e\x2d\x73\x33\x63\x72\x65\x74\x0d"
	},
	{ 1, 2, (const uint8_t *)
		"\x0d\x0a"
	},
	{ 1, 2, (const uint8_t *)
		"\x24\x20"
	},
	{ 0, 21, (const uint8_t *)
		"\x65\x63\x68\x6f\x20\x73\x6c\x65\x75\x74\x68\x2d\x77\x61\x73\x2d\x68\x65\x72\x65\x0d"
	},
	{ 1, 22, (const uint8_t *)
		"\x65\x63\x68\x6f\x20\x73\x6c\x65\x75\x74\x68\x2d\x77\x61\x73\x2d\x68\x65\x72\x65\x0d\x0a"
	},
	{ 1, 19, (const uint8_t *)
		"\x73\x6c\x65\x75\x74\x68\x2d\x77\x61\x73\x2d\x68\x65\x72\x65\x0d\x0a\x24\x20"
	},
	{ 0, 7, (const uint8_t *)
		"\x69\x64\x20\x2d\x75\x6e\x0d"
	},
	{ 1, 8, (const uint8_t *)
		"\x69\x64\x20\x2d\x75\x6e\x0d\x0a"
	},
	{ 1, 12, (const uint8_t *)
		"\x73\x6c\x65\x75\x74\x68\x74\x6e\x0d\x0a\x24\x20"
	},
	{ 0, 5, (const uint8_t *)
		"\x65\x78\x69\x74\x0d"
	},
	{ 1, 6, (const uint8_t *)
		"\x65\x78\x69\x74\x0d\x0a"
	},
};

#define NSEG (sizeof telnet_session / sizeof telnet_session[0])
#define S(x) (const uint8_t *)(x), (uint32_t)(sizeof(x) - 1)

static struct session sess;

static void test_session_whole(void)
{
	sess_init(&sess, "telnet", 6, 39764, 23);
	int ok = 1;
	for (size_t i = 0; i < NSEG; i++) {
		const struct seg *g = &telnet_session[i];
		if (sess_packet(&sess, g->dir, g->p, g->len) < 0 || strcmp(sess.pkt.col, "TELNET") != 0 ||
		    strcmp(sess_info(&sess), "Telnet Data ...") != 0) {
			printf("# segment %zu: col '%s' info '%s'\n", i, sess.pkt.col, sess_info(&sess));
			ok = 0;
		}
	}
	test_report_result(ok, "every segment of the session: Protocol TELNET, Info 'Telnet Data ...' (as tshark 4.0)");
	test_report_result(sess_find(&sess, "creds", "protocol=TELNET", "user=sleuthtn", "secret=tn-s3cret") != NULL,
			   "the login (typed 'sleuthtx', DEL, 'n') and the password are recovered");
	sess_end(&sess);
	const char *r = sess_find(&sess, "telnet ", "user=sleuthtn", "commands=echo sleuth-was-here", "commands=id -un");
	test_report_result(r != NULL, "the telnet record holds the user and the commands typed");
	test_report_result(r && strstr(r, "auth_attempts=1") && strstr(r, "server_options=Will Echo") &&
				   strstr(r, "client_options=Will Terminal Type"),
			   "the telnet record holds the attempts and the negotiated options by name");
	test_report_result(sess.anomalies == 0, "no anomalies in a clean session");
}

/* Each direction's bytes one at a time, the two directions interleaved as in the capture. */
static void test_session_bytewise(void)
{
	sess_init(&sess, "telnet", 6, 39764, 23);
	int ok = 1;
	for (size_t i = 0; i < NSEG; i++)
		for (uint32_t k = 0; k < telnet_session[i].len; k++)
			if (sess_packet(&sess, telnet_session[i].dir, telnet_session[i].p + k, 1) < 0)
				ok = 0;
	test_report_result(ok, "byte-at-a-time: every byte is taken");
	test_report_result(sess_find(&sess, "creds", "user=sleuthtn", "secret=tn-s3cret", NULL) != NULL,
			   "byte-at-a-time: the same credential (IAC sequences cut anywhere)");
	sess_end(&sess);
	test_report_result(sess_find(&sess, "telnet ", "commands=echo sleuth-was-here", "commands=exit", NULL) != NULL,
			   "byte-at-a-time: the same commands");
}

/* Every prefix of every segment, to a fresh state: the whole prefix is one PDU. */
static void test_prefixes(void)
{
	const struct proto_desc *pd = proto_find("telnet");
	static unsigned char st[2][4096];
	int ok = 1;
	for (size_t i = 0; i < NSEG; i++)
		for (uint32_t k = 1; k <= telnet_session[i].len; k++) {
			memset(st, 0, sizeof st);
			struct proto_ctx c = { .state = st[0], .peer = st[1] };
			struct proto_res r = pd->parse(&c, 0, (struct slice){ telnet_session[i].p, k });
			if (r.status != PROTO_OK || r.consumed != k)
				ok = 0;
		}
	test_report_result(ok, "every prefix of every segment is consumed whole (no ctx output, fresh state)");
}

static void test_editing(void)
{
	sess_init(&sess, "telnet", 6, 40000, 23);
	sess_packet(&sess, 1, S("\xff\xfb\x01\xff\xfb\x03" "Debian GNU/Linux 12\r\nhost login: "));
	/* IAC commands between the keystrokes, backspace and DEL, CR NUL */
	sess_packet(&sess, 0, S("ro\x08"));
	sess_packet(&sess, 0, S("o\xff\xfd\x01\xff"));
	sess_packet(&sess, 0, S("\xf1ot\x7f"));
	sess_packet(&sess, 0, S("t\r\0"));
	sess_packet(&sess, 1, S("\r\nPassword: "));
	sess_packet(&sess, 0, S("pa\xff\xff" "ss\r\n"));
	test_report_result(sess_find(&sess, "creds", "user=root ", NULL, NULL) != NULL,
			   "backspace, DEL and IAC commands between keystrokes: user 'root'");
	test_report_result(sess_find(&sess, "creds", "secret=pa\xff" "ss", NULL, NULL) != NULL,
			   "IAC IAC is a data byte 255 in the password");
	sess_packet(&sess, 1, S("\r\nLogin incorrect\r\nlogin: "));
	sess_packet(&sess, 0, S("\r\n")); /* an empty name: asked again, nothing recorded */
	sess_packet(&sess, 1, S("login: "));
	sess_packet(&sess, 0, S("admin\r\n"));
	sess_packet(&sess, 1, S("Password:"));
	sess_packet(&sess, 0, S("x\x15secret\r\n")); /* ^U erases the line */
	test_report_result(sess_find(&sess, "creds", "user=admin", "secret=secret", NULL) != NULL,
			   "a second attempt after 'Login incorrect'; ^U erases the line");
	sess_end(&sess);
	test_report_result(sess_find(&sess, "telnet ", "user=admin", "auth_attempts=2", NULL) != NULL,
			   "the record counts two password attempts");
	sess_init(&sess, "telnet", 6, 40000, 23);
	sess_packet(&sess, 1, S("Username: "));
	sess_packet(&sess, 0, S("u\r\n"));
	sess_packet(&sess, 1, S("\r\nPassword: "));
	sess_packet(&sess, 0, S("p\n"));
	test_report_result(sess_find(&sess, "creds", "user=u ", "secret=p", NULL) != NULL, "'Username:' prompt, LF only");
}

static void test_malformed(void)
{
	sess_init(&sess, "telnet", 6, 40000, 23);
	sess_packet(&sess, 1, S("abc\xff"));
	test_report_result(strcmp(sess_info(&sess), "Telnet Data ...[Malformed Packet]") == 0,
			   "a segment ending in IAC is malformed (as tshark)");
	sess_packet(&sess, 1, S("\xf2"));
	test_report_result(strcmp(sess_info(&sess), "Telnet Data ...") == 0, "the command byte in the next segment is fine");
	sess_packet(&sess, 1, S("\xff\xfb"));
	test_report_result(strcmp(sess_info(&sess), "Telnet Data ...[Malformed Packet]") == 0,
			   "a verb without its option at the end is malformed");
	sess_packet(&sess, 1, S("\x01"));
	test_report_result(strcmp(sess_info(&sess), "Telnet Data ...") == 0, "the option in the next segment completes it");
	sess_packet(&sess, 1, S("\xff\xfa\x18\x01"));
	test_report_result(strcmp(sess_info(&sess), "Telnet Data ...") == 0, "an open suboption at the end is not malformed");
	sess_packet(&sess, 1, S("\xff\xf0login: "));
	sess_packet(&sess, 0, S("someone\r\n"));
	test_report_result(sess.nrec == 0, "the prompt after the suboption's end is seen; no record before a password");

	/* a line longer than the buffer: kept to the cap, counted */
	static uint8_t big[5000];
	memset(big, 'A', sizeof big);
	sess_init(&sess, "telnet", 6, 40000, 23);
	sess_packet(&sess, 1, S("login: "));
	sess_packet(&sess, 0, big, sizeof big);
	sess_packet(&sess, 0, S("\r\n"));
	sess_packet(&sess, 1, S("Password: "));
	sess_packet(&sess, 0, big, sizeof big);
	sess_packet(&sess, 0, S("\r\n"));
	const char *r = sess_find(&sess, "creds", NULL, NULL, NULL);
	test_report_result(r && sess.anomalies > 0 && strlen(r) < 400, "over-long lines are cut at the cap and counted");
	/* many commands: capped */
	for (int i = 0; i < 100; i++)
		sess_packet(&sess, 0, S("ls -l /tmp\r\n"));
	sess_end(&sess);
	r = sess_find(&sess, "telnet ", NULL, NULL, NULL);
	int n = 0;
	for (const char *p = r; p && (p = strstr(p, "commands=")); p++)
		n++;
	test_report_result(n == 16, "commands in the record are capped (16)");
}

static void test_probe(void)
{
	const struct proto_desc *pd = proto_find("telnet");
	test_report_result(pd->probe(PROTO_L4_TCP, (struct slice){ S("\xff\xfd\x18") }) == PROBE_YES,
			   "probe: IAC DO at the start");
	test_report_result(pd->probe(PROTO_L4_TCP, (struct slice){ S("GET / HTTP/1.1\r\n") }) == PROBE_NO,
			   "probe: not HTTP");
}

int main(void)
{
	struct errbuf e;
	test_report_result(registry_validate(&e) == 0, "registry validates");
	test_report_result(proto_find("telnet") != NULL, "telnet is registered");
	test_session_whole();
	test_session_bytewise();
	test_prefixes();
	test_editing();
	test_malformed();
	test_probe();
	printf("1..%d\n", test_num);
	return test_failed ? 1 : 0;
}
