/* test_mail.c: the mail dissectors (src/proto/smtp.c, pop.c, imap.c) and their shared parser
 * (src/proto/mail.c): Info columns as Wireshark 4.0 writes them, credentials, smtp records,
 * MIME parts decoded into objects (base64, quoted-printable), STARTTLS, every truncated prefix,
 * byte-at-a-time feeding, and hostile inputs. */
#include "proto_feed.h"

#include "base/b64.h"
#include "proto/mail.h"

#define S(x) (const uint8_t *)(x), (uint32_t)(sizeof(x) - 1)

/* ---- a two-direction session driver with records and object bytes ---------------------- */

struct sess {
	const struct proto_desc *pd;
	uint16_t port;
	_Alignas(16) unsigned char st[2][4096];
	uint8_t tail[2][8192];
	uint32_t tlen[2];
	int err;
	struct proto_pkt out;
	char recs[16384];   /* one record per line: kind key=value ... */
	size_t rlen;
	uint8_t obj[65536]; /* bytes of the objects, concatenated */
	uint32_t olen;
	uint32_t frame;
	struct proto_env env;
};

static void sess_emit(void *arg, const struct proto_rec *r)
{
	struct sess *s = arg;
	char line[2048];
	int n = snprintf(line, sizeof line, "%s", r->kind);
	for (int i = 0; i < r->n && n < (int)sizeof line - 1; i++) {
		const struct proto_kv *kv = &r->kv[i];
		if (strcmp(kv->name, "frame") == 0)
			continue; /* differs with the segmentation */
		if (kv->type == PV_STR)
			n += snprintf(line + n, sizeof line - (size_t)n, " %s=%.*s", kv->name, (int)kv->len,
				      (const char *)kv->v.p);
		else if (kv->type == PV_HEXSTR)
			n += snprintf(line + n, sizeof line - (size_t)n, " %s=(%u bytes)", kv->name, kv->len);
		else
			n += snprintf(line + n, sizeof line - (size_t)n, " %s=%llu", kv->name,
				      (unsigned long long)kv->v.u);
	}
	if (n >= (int)sizeof line)
		n = (int)sizeof line - 1;
	if (s->rlen + (size_t)n + 2 < sizeof s->recs) {
		memcpy(s->recs + s->rlen, line, (size_t)n);
		s->rlen += (size_t)n;
		s->recs[s->rlen++] = '\n';
		s->recs[s->rlen] = 0;
	}
}

static void sess_obj(void *arg, struct proto_obj *o, int what, struct slice d)
{
	struct sess *s = arg;
	(void)o;
	if (what == 1 && s->olen + d.len <= sizeof s->obj) {
		memcpy(s->obj + s->olen, d.p, d.len);
		s->olen += d.len;
	}
}

static void sess_init(struct sess *s, const char *proto, uint16_t port)
{
	memset(s, 0, sizeof *s);
	s->pd = proto_find(proto);
	s->port = port;
	s->env = (struct proto_env){ sess_emit, sess_obj, s };
}

/* One segment in direction `dir` (0 client -> server). Returns the Info text. */
static const char *sess_seg(struct sess *s, int dir, const uint8_t *p, uint32_t n)
{
	memset(&s->out, 0, sizeof s->out);
	s->frame++;
	if (s->err || s->tlen[dir] + n > sizeof s->tail[dir]) {
		s->err = 1;
		return "";
	}
	memcpy(s->tail[dir] + s->tlen[dir], p, n);
	uint32_t len = s->tlen[dir] + n, off = 0;
	for (int guard = 0; off < len && guard < 10000; guard++) {
		struct proto_ctx ctx = { .state = s->st[dir], .peer = s->st[!dir], .l4 = PROTO_L4_TCP,
					 .sport = dir ? s->port : 40000, .dport = dir ? 40000 : s->port,
					 .is_orig = dir == 0, .frame = s->frame, .out = &s->out, .env = &s->env };
		struct proto_res r = s->pd->parse(&ctx, (uint8_t)dir, (struct slice){ s->tail[dir] + off, len - off });
		if (r.status == PROTO_ERR || r.consumed > len - off || (r.status == PROTO_OK && !r.consumed)) {
			s->err = 1;
			return "";
		}
		off += r.consumed;
		if (r.status == PROTO_NEED_MORE)
			break;
	}
	memmove(s->tail[dir], s->tail[dir] + off, len - off);
	s->tlen[dir] = len - off;
	return s->out.shown ? s->out.info : "";
}

static const char *sess_str(struct sess *s, int dir, const char *text)
{
	return sess_seg(s, dir, (const uint8_t *)text, (uint32_t)strlen(text));
}

static void sess_end(struct sess *s)
{
	if (s->pd->on_flow_end) {
		struct proto_ctx ctx = { .state = s->st[0], .peer = s->st[1], .env = &s->env };
		s->pd->on_flow_end(&ctx);
	}
	for (int i = 0; i < 2; i++)
		if (s->pd->fini)
			s->pd->fini(s->st[i]);
}

static void check_info(const char *got, const char *want, const char *what)
{
	int ok = strcmp(got, want) == 0;
	if (!ok)
		printf("# got  [%s]\n# want [%s]\n", got, want);
	test_report_result(ok, what);
}

static int has(const struct sess *s, const char *needle)
{
	int ok = strstr(s->recs, needle) != NULL;
	if (!ok)
		printf("# records lack [%s]:\n%s", needle, s->recs);
	return ok;
}

/* ---- base64, quoted-printable, dot-stuffing --------------------------------------------- */

static void test_b64(void)
{
	uint8_t out[64];
	static const struct {
		const char *in;
		int n;
		const char *out;
	} cases[] = {
		{ "", 0, "" },          { "Zg==", 1, "f" },        { "Zm8=", 2, "fo" },
		{ "Zm9v", 3, "foo" },   { "Zm9v\r\nYmFy", 6, "foobar" }, { "Zm9vYg", 4, "foob" },
		{ "Z", -1, "" },        { "Zm9v!", -1, "" },       { "AHVzZXIAcGFzcw==", 10, "\0user\0pass" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int n = b64_decode(proto_slice_cstr(cases[i].in), out, sizeof out);
		test_reportf(n == cases[i].n && (n <= 0 || memcmp(out, cases[i].out, (size_t)n) == 0),
			     "base64 case %zu decodes to %d bytes", i, cases[i].n);
	}
	int n = b64_decode(proto_slice_cstr("Zm9vYmFy"), out, 4);
	test_report_result(n == 4 && memcmp(out, "foob", 4) == 0, "base64 output stops at the buffer's end");
}

struct dot_out {
	uint8_t buf[256];
	uint32_t n;
};

static void dot_collect(void *arg, struct slice run)
{
	struct dot_out *o = arg;
	if (o->n + run.len <= sizeof o->buf) {
		memcpy(o->buf + o->n, run.p, run.len);
		o->n += run.len;
	}
}

static void test_dot(void)
{
	static const char in[] = "a\r\n..b\r\n.x\r\n.\rq\r\n\r\n.\r\nAFTER";
	static const char want[] = "a\r\n.b\r\nx\r\n\rq\r\n\r\n";
	for (uint32_t step = 1; step <= sizeof in - 1; step++) {
		struct mail_dot d = { 0 };
		struct dot_out o = { .n = 0 };
		uint32_t used = 0, i = 0;
		while (i < sizeof in - 1 && !d.ended) {
			uint32_t k = sizeof in - 1 - i < step ? sizeof in - 1 - i : step;
			uint32_t u = mail_dot_feed(&d, (struct slice){ (const uint8_t *)in + i, k }, dot_collect, &o);
			used += u;
			i += k;
		}
		if (!d.ended || used != sizeof in - 1 - 5 || o.n != sizeof want - 1 || memcmp(o.buf, want, o.n) != 0) {
			test_reportf(0, "dot-stuffed data fed in steps of %u", step);
			return;
		}
	}
	test_report_result(1, "dot-stuffed data: stuffing removed, the \".\" line ends it, in every step");
}

/* ---- SMTP ------------------------------------------------------------------------------ */

static const char smtp_msg[] =
	"From: Alice <alice@example.org>\r\n"
	"To: bob@example.org\r\n"
	"Subject: Report\r\n"
	"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
	"Message-ID: <m1@example.org>\r\n"
	"User-Agent: TestMailer 1.0\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n"
	"\r\n"
	"preamble\r\n"
	"--XYZ\r\n"
	"Content-Type: text/plain; charset=utf-8\r\n"
	"Content-Transfer-Encoding: quoted-printable\r\n"
	"\r\n"
	"caf=C3=A9 soft=\r\n"
	"break\r\n"
	"..dot line\r\n"
	"--XYZ\r\n"
	"Content-Type: application/octet-stream; name=\"x.bin\"\r\n"
	"Content-Disposition: attachment;\r\n"
	"\tfilename=\"report.bin\"\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"AAEC\r\n"
	"/w==\r\n"
	"--XYZ--\r\n"
	"epilogue\r\n";

static void smtp_session(struct sess *s, uint32_t step)
{
	sess_init(s, "smtp", 25);
	sess_str(s, 1, "220 mx.example.org ESMTP\r\n");
	sess_str(s, 0, "EHLO client.example.org\r\n");
	sess_str(s, 1, "250-mx.example.org\r\n250-AUTH LOGIN PLAIN\r\n250 8BITMIME\r\n");
	sess_str(s, 0, "AUTH LOGIN\r\n");
	sess_str(s, 1, "334 VXNlcm5hbWU6\r\n");
	sess_str(s, 0, "YWxpY2U=\r\n");
	sess_str(s, 1, "334 UGFzc3dvcmQ6\r\n");
	sess_str(s, 0, "czNjcmV0\r\n");
	sess_str(s, 1, "235 2.7.0 Authentication successful\r\n");
	sess_str(s, 0, "MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.org>\r\nRCPT TO:<carol@example.org>\r\n");
	sess_str(s, 1, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n");
	sess_str(s, 0, "DATA\r\n");
	sess_str(s, 1, "354 End data with <CR><LF>.<CR><LF>\r\n");
	/* the message in segments of `step` bytes, then the terminator alone */
	for (uint32_t i = 0; i < sizeof smtp_msg - 1; i += step) {
		uint32_t k = sizeof smtp_msg - 1 - i < step ? sizeof smtp_msg - 1 - i : step;
		sess_seg(s, 0, (const uint8_t *)smtp_msg + i, k);
	}
}

static void test_smtp_columns(void)
{
	static struct sess s;
	sess_init(&s, "smtp", 25);
	check_info(sess_str(&s, 1, "220 mx ESMTP Postfix\r\n"), "S: 220 mx ESMTP Postfix", "SMTP greeting");
	check_info(sess_str(&s, 0, "EHLO [10.0.0.1]\r\n"), "C: EHLO [10.0.0.1]", "SMTP EHLO");
	check_info(sess_str(&s, 1, "250-mx\r\n250-PIPELINING\r\n250 DSN\r\n"), "S: 250-mx | PIPELINING | DSN",
		   "multi-line reply: continuation lines without their code");
	check_info(sess_str(&s, 0, "MAIL FROM:<a@b> SIZE=10\r\nRCPT TO:<c@d>\r\nDATA\r\n"),
		   "C: MAIL FROM:<a@b> SIZE=10 | RCPT TO:<c@d> | DATA", "pipelined commands joined by |");
	check_info(sess_str(&s, 1, "250 Ok\r\n250 Ok\r\n354 go\r\n"), "S: 250 Ok | 250 Ok | 354 go",
		   "several replies in one segment keep their codes");
	check_info(sess_str(&s, 0, "Subject: hi\r\nFrom: x@y\r\nContent-Type: text/plain\r\n\r\nbody\r\n"),
		   "C: DATA fragment, 58 bytes", "message segment before the end: DATA fragment");
	check_info(sess_str(&s, 0, ".\r\n"), "subject: hi, from: x@y,  (text/plain)", "the last segment shows IMF");
	test_report_result(strcmp(s.out.col, "SMTP/IMF") == 0, "... with Protocol SMTP/IMF");
	check_info(sess_str(&s, 1, "250 2.0.0 Ok: queued\r\n221 Bye\r\n"), "S: 250 2.0.0 Ok: queued | 221 Bye",
		   "reply after the message");
	test_report_result(has(&s, "mailfrom=a@b rcptto=c@d from=x@y subject=hi last_reply=250 2.0.0 Ok: queued"),
			   "smtp record of the message");
	sess_end(&s);

	sess_init(&s, "smtp", 25);
	sess_str(&s, 0, "DATA\r\n");
	sess_str(&s, 0, "Hello, Alice (1)\r\n");
	check_info(sess_str(&s, 0, ".\r\n"), "Hello, Alice (1)  ",
		   "a message without header fields shows as text lines");
	sess_str(&s, 0, "DATA\r\n");
	check_info(sess_str(&s, 0, "Hello, Alice (2)\r\n.\r\n"), "Hello, Alice (2)",
		   "... without the CRLF before the \".\" line when both share a segment");
	sess_end(&s);

	sess_init(&s, "smtp", 25);
	check_info(sess_str(&s, 0, "AUTH PLAIN AGFsaWNlAHMzY3JldA==\r\n"), "C: AUTH PLAIN AGFsaWNlAHMzY3JldA==",
		   "AUTH PLAIN with an initial response");
	test_report_result(has(&s, "creds protocol=smtp user=alice secret=s3cret kind=auth-plain"),
			   "AUTH PLAIN credentials decoded");
	sess_end(&s);

	sess_init(&s, "smtp", 25);
	sess_str(&s, 0, "EHLO a\r\n");
	sess_str(&s, 0, "STARTTLS\r\n");
	check_info(sess_str(&s, 1, "220 2.0.0 Ready to start TLS\r\n"), "S: 220 2.0.0 Ready to start TLS",
		   "STARTTLS go-ahead");
	check_info(sess_str(&s, 0, "\x16\x03\x01\x00\x05hello"), "", "after STARTTLS the client's bytes are absorbed");
	check_info(sess_str(&s, 1, "\x16\x03\x03\x00\x02hi"), "", "... and the server's");
	test_report_result(!s.err, "... without excluding the flow");
	sess_end(&s);
	test_report_result(has(&s, "smtp trans_depth=1 helo=a last_reply=220 2.0.0 Ready to start TLS tls=1"), "the record says tls");

	sess_init(&s, "smtp", 25);
	sess_str(&s, 0, "MAIL FROM:<a@b>\r\nBDAT 10 LAST\r\n0123456789");
	check_info(s.out.info, "C: DATA fragment, 41 bytes", "BDAT with its chunk in the segment");
	check_info(sess_str(&s, 0, "QUIT\r\n"), "C: QUIT", "command after the last chunk");
	sess_end(&s);
}

static void test_smtp_session(void)
{
	static struct sess whole, one;
	smtp_session(&whole, sizeof smtp_msg);
	check_info(sess_str(&whole, 0, ".\r\n"), "from: Alice <alice@example.org>, subject: Report,  (text/plain)",
		   "IMF Info of a multipart message (octet-stream parts stay silent)");
	sess_str(&whole, 1, "250 2.0.0 Ok: queued as 1234\r\n");
	sess_end(&whole);
	test_report_result(has(&whole, "creds protocol=smtp user=alice secret=s3cret kind=auth-login"),
			   "AUTH LOGIN credentials decoded");
	test_report_result(has(&whole, "files source=SMTP mime_type=text/plain declared_mime_type=text/plain "
					"seen_bytes=26"),
			   "quoted-printable part decoded (soft break, =XX, dot unstuffed)");
	test_report_result(has(&whole, "files source=SMTP filename=report.bin mime_type=application/octet-stream "
					"declared_mime_type=application/octet-stream seen_bytes=4"),
			   "base64 attachment named by Content-Disposition, decoded");
	static const uint8_t want_obj[] = "caf\xc3\xa9 softbreak\r\n.dot line\x00\x01\x02\xff";
	if (whole.olen != sizeof want_obj - 1)
		printf("# objects: [%.*s]\n", (int)whole.olen, (const char *)whole.obj);
	test_report_result(whole.olen == sizeof want_obj - 1 && memcmp(whole.obj, want_obj, whole.olen) == 0,
			   "object bytes are the decoded parts");
	test_report_result(has(&whole, "smtp trans_depth=1 helo=client.example.org mailfrom=alice@example.org "
					"rcptto=bob@example.org rcptto=carol@example.org date=Mon, 1 Jan 2024 10:00:00 "
					"+0000 from=Alice <alice@example.org> to=bob@example.org msg_id=<m1@example.org> "
					"subject=Report user_agent=TestMailer 1.0 last_reply=250 2.0.0 Ok: queued as 1234 "
					"tls=0"),
			   "smtp record carries envelope, headers and the last reply");
	for (uint32_t step = 1; step < 64; step += (step < 8 ? 1 : 13)) {
		smtp_session(&one, step);
		char info[256];
		snprintf(info, sizeof info, "%s", sess_str(&one, 0, ".\r\n"));
		sess_str(&one, 1, "250 2.0.0 Ok: queued as 1234\r\n");
		sess_end(&one);
		if (strcmp(info, "from: Alice <alice@example.org>, subject: Report,  (text/plain)") != 0 ||
		    strcmp(one.recs, whole.recs) != 0 || one.olen != whole.olen ||
		    memcmp(one.obj, whole.obj, one.olen) != 0) {
			printf("# step %u: info [%s]\n%s---\n%s", step, info, one.recs, whole.recs);
			test_reportf(0, "message in segments of %u bytes gives the same Info, records and objects", step);
			return;
		}
	}
	test_report_result(1, "message in segments of 1..60 bytes gives the same Info, records and objects");
}

/* Every prefix of a client stream given alone to a fresh state: never an error or a crash. */
static void test_prefixes(const char *proto, uint16_t port, const char *stream, int dir)
{
	static struct sess s;
	uint32_t n = (uint32_t)strlen(stream);
	for (uint32_t k = 1; k <= n; k++) {
		sess_init(&s, proto, port);
		sess_seg(&s, dir, (const uint8_t *)stream, k);
		sess_end(&s);
		if (s.err) {
			test_reportf(0, "%s: prefix %u of %u", proto, k, n);
			return;
		}
	}
	test_reportf(1, "%s: every prefix of a %u-byte %s stream is taken without error", proto, n,
		     dir ? "server" : "client");
}

/* ---- POP3 ------------------------------------------------------------------------------ */

static void test_pop(void)
{
	static struct sess s;
	sess_init(&s, "pop", 110);
	check_info(sess_str(&s, 1, "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n"),
		   "S: +OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>", "POP greeting");
	check_info(sess_str(&s, 0, "USER zeek@zeek.org\r\n"), "C: USER zeek@zeek.org", "POP USER");
	check_info(sess_str(&s, 0, "PASS zeek\r\n"), "C: PASS zeek", "POP PASS");
	test_report_result(has(&s, "creds protocol=pop3 user=zeek@zeek.org secret=zeek kind=password"),
			   "USER/PASS credentials");
	sess_str(&s, 0, "APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n");
	test_report_result(has(&s, "creds protocol=pop3 user=mrose secret=c4c9334bac560ecc979e58001b3e22fb "
				   "kind=apop-digest"),
			   "APOP digest");
	sess_str(&s, 0, "AUTH PLAIN\r\n");
	check_info(sess_str(&s, 1, "+ \r\n"), "+   ", "a SASL challenge shows through IMF");
	test_report_result(strcmp(s.out.col, "POP/IMF") == 0, "... as POP/IMF");
	sess_str(&s, 0, "AGRpZ2l0YWwAbmFwaWVy\r\n");
	test_report_result(has(&s, "creds protocol=pop3 user=digital secret=napier kind=auth-plain"),
			   "AUTH PLAIN response line decoded");
	sess_str(&s, 0, "RETR 1\r\n");
	check_info(sess_str(&s, 1, "+OK message follows\r\n"), "S: +OK message follows", "RETR reply");
	check_info(sess_str(&s, 1, "From: zeek@zeek.org\r\n"), "from: zeek@zeek.o, ",
		   "a field ending the segment loses two bytes, as in Wireshark");
	check_info(sess_str(&s, 1, "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n"), "",
		   "fields Wireshark does not show");
	check_info(sess_str(&s, 1, "\r\n"), "  ", "the empty line alone is a text line");
	check_info(sess_str(&s, 1, "aGVsbG8gd29y\r\nbGQ=\r\n"), "aGVsbG8gd29y  , bGQ=  ", "body lines as text");
	check_info(sess_str(&s, 1, ".\r\n"), ".  ", "the terminator segment");
	test_report_result(has(&s, "files source=POP3 mime_type=text/plain declared_mime_type=text/plain seen_bytes=11"),
			   "the RETR message's body is an object");
	test_report_result(s.olen == 11 && memcmp(s.obj, "hello world", 11) == 0, "... decoded from base64");
	check_info(sess_str(&s, 1, "+\r\r..\r\r..x\r\r\n"), "+ ,  , .. ,  , ..x ,   ",
		   "lone CRs end text lines too");
	sess_str(&s, 0, "STLS\r\n");
	sess_str(&s, 1, "+OK Begin TLS negotiation now\r\n");
	check_info(sess_str(&s, 0, "\x16\x03\x01\x00\x01x"), "", "after STLS the bytes are absorbed");
	test_report_result(!s.err, "... without excluding the flow");
	sess_end(&s);
}

/* ---- IMAP ------------------------------------------------------------------------------ */

static void test_imap(void)
{
	static struct sess s;
	sess_init(&s, "imap", 143);
	check_info(sess_str(&s, 1, "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n"),
		   "Response: * OK [CAPABILITY IMAP4rev1 STARTTLS] ready", "IMAP greeting");
	check_info(sess_str(&s, 0, "a001 LOGIN \"bob\" \"pa ss\"\r\n"), "Request: a001 LOGIN \"bob\" \"pa ss\"",
		   "IMAP LOGIN");
	test_report_result(has(&s, "creds protocol=imap user=bob secret=pa ss kind=password"), "LOGIN credentials");
	check_info(sess_str(&s, 1, "* CAPABILITY IMAP4rev1\r\na001 OK LOGIN completed\r\n"),
		   "Response: a001 OK LOGIN completed", "the last line of a segment shows");
	sess_str(&s, 0, "a002 AUTHENTICATE PLAIN\r\n");
	sess_str(&s, 1, "+ \r\n");
	sess_str(&s, 0, "AGJvYgBzZWNyZXQ=\r\n");
	test_report_result(has(&s, "creds protocol=imap user=bob secret=secret kind=auth-plain"),
			   "AUTHENTICATE PLAIN continuation decoded");
	sess_str(&s, 0, "a003 FETCH 1 BODY[]\r\n");
	sess_str(&s, 1, "* 1 FETCH (BODY[] {50}\r\nSubject: x\r\nContent-Type: text/html\r\n\r\n<p>hi</p>");
	sess_str(&s, 1, "\r\n)\r\na003 OK FETCH completed\r\n");
	test_report_result(has(&s, "declared_mime_type=text/html seen_bytes=11"),
			   "a fetched message's body is an object");
	sess_str(&s, 0, "a004 STARTTLS\r\n");
	check_info(sess_str(&s, 1, "a004 OK Begin TLS negotiation now\r\n"), "Response: a004 OK Begin TLS negotiation now",
		   "STARTTLS go-ahead");
	check_info(sess_str(&s, 0, "\x16\x03\x01\x00\x01x"), "", "after STARTTLS the bytes are absorbed");
	sess_end(&s);

	sess_init(&s, "imap", 143);
	sess_str(&s, 1, "* 1 FETCH (BODY[] {4294967295}\r\nabc");
	sess_str(&s, 1, "* 2 FETCH (BODY[] {99999999999}\r\n* OK\r\n");
	test_report_result(!s.err, "huge literals are absorbed, not trusted");
	sess_end(&s);
}

/* ---- hostile inputs ----------------------------------------------------------------------- */

static void test_hostile(void)
{
	static struct sess s;
	static uint8_t junk[6000];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof junk; i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (uint8_t)(x >> 16);
	}
	const char *protos[3] = { "smtp", "pop", "imap" };
	uint16_t ports[3] = { 25, 110, 143 };
	for (int p = 0; p < 3; p++) {
		sess_init(&s, protos[p], ports[p]);
		for (int dir = 0; dir < 2; dir++)
			for (uint32_t i = 0; i < sizeof junk; i += 700)
				sess_seg(&s, dir, junk + i, sizeof junk - i < 700 ? sizeof junk - i : 700);
		sess_end(&s);
		test_reportf(!s.err, "%s: random bytes in both directions are taken without error", protos[p]);
	}
	/* a message with deep multipart nesting, long lines and broken encodings */
	static char msg[8192];
	size_t n = 0;
	n += (size_t)snprintf(msg + n, sizeof msg - n, "Content-Type: multipart/mixed; boundary=a\r\n\r\n");
	for (int d = 0; d < 6; d++)
		n += (size_t)snprintf(msg + n, sizeof msg - n, "--%c\r\nContent-Type: multipart/mixed; boundary=%c\r\n\r\n",
				      'a' + d, 'a' + d + 1);
	n += (size_t)snprintf(msg + n, sizeof msg - n,
			      "--g\r\nContent-Transfer-Encoding: base64\r\nContent-Type: text/plain\r\n\r\n!!!=====@@\r\n");
	memset(msg + n, 'L', 3000);
	n += 3000;
	n += (size_t)snprintf(msg + n, sizeof msg - n, "\r\n--g\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=\r=Z=4=\r\n.\r\n");
	sess_init(&s, "smtp", 25);
	sess_str(&s, 0, "DATA\r\n");
	sess_seg(&s, 0, (const uint8_t *)msg, (uint32_t)n);
	sess_str(&s, 1, "250 ok\r\n");
	sess_end(&s);
	test_report_result(!s.err && has(&s, "smtp "), "deep nesting, long lines and broken encodings end cleanly");
	/* a header section that never ends, one huge line */
	sess_init(&s, "smtp", 25);
	sess_str(&s, 0, "DATA\r\n");
	memset(junk, 'A', sizeof junk);
	sess_seg(&s, 0, junk, sizeof junk);
	sess_str(&s, 0, "\r\n.\r\n");
	sess_end(&s);
	test_report_result(!s.err, "an endless header line is bounded");
	sess_init(&s, "smtp", 25);
	sess_seg(&s, 0, junk, sizeof junk);
	test_report_result(!s.err, "a command line past the line cap is taken as it is");
	sess_end(&s);
}

int main(void)
{
	test_b64();
	test_dot();
	test_smtp_columns();
	test_smtp_session();
	test_prefixes("smtp", 25,
		      "EHLO a\r\nAUTH LOGIN\r\nYWxpY2U=\r\nczNjcmV0\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"
		      "Subject: s\r\nContent-Type: text/plain\r\n\r\nx\r\n.\r\nBDAT 3 LAST\r\nabcQUIT\r\n",
		      0);
	test_prefixes("smtp", 25, "220 a\r\n250-b\r\n250 c\r\n334 VXNlcm5hbWU6\r\n", 1);
	test_pop();
	test_prefixes("pop", 110, "USER a\r\nPASS b\r\nAPOP x y\r\nAUTH PLAIN\r\nAGEAYg==\r\nRETR 1\r\n", 0);
	test_prefixes("pop", 110, "+OK hi\r\n+OK\r\nFrom: a\r\n\r\nb\r\n.\r\n-ERR no\r\n", 1);
	test_imap();
	test_prefixes("imap", 143, "a LOGIN b c\r\nb AUTHENTICATE PLAIN\r\nAGEAYg==\r\nc APPEND x {3}\r\nabc\r\n", 0);
	test_prefixes("imap", 143, "* OK hi\r\n* 1 FETCH (BODY[] {12}\r\nSubject: a\r\n)\r\na OK\r\n", 1);
	test_hostile();
	(void)feed_all_steps;
	(void)feed_prefixes;
	return test_failed != 0;
}
