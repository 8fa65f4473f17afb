/* test_tls.c: TLS hello parsing and fingerprints (src/proto/tlshello.c). Reference values: the
 * ClientHellos/ServerHellos of tests/captures/https.pcap with JA3/JA3S as tshark 4.0 computes
 * them (tls.handshake.ja3 / ja3s) and JA4 as FoxIO's reference tool (python/ja4.py) prints them;
 * FoxIO's published JA4 of its tls12.pcap and of the JA4.md example, rebuilt from their raw
 * (original order) strings. The dissector (src/proto/tls.c) is driven with the first TLS 1.2
 * connection of https.pcap: columns as tshark prints them, split at every byte, the tls record. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"
#include "proto/tlshello.h"

#include "tap.h"

/* https.pcap frame 4: TLS 1.2 ClientHello body (after the 4-byte handshake header) */
static const char ch12_hex[] =
	"0303da020c2fc6c1e6cf0cc98ec2064d914e12c2bbd623480bcfd9d5dbad72f8f802000038c02cc030009fcca9cca8cc"
	"aac02bc02f009ec024c028006bc023c0270067c00ac0140039c009c0130033009d009c003d003c0035002f00ff010000"
	"7800000014001200000f7777772e736c657574682e74657374000b000403000102000a000c000a001d0017001e001900"
	"180010000e000c02683208687474702f312e310016000000170000000d002a0028040305030603080708080809080a08"
	"0b080408050806040105010601030303010302040205020602";
/* frame 6: its ServerHello */
static const char sh12_hex[] =
	"03033b11cc8635125496e0ca16dc724e113212799a15e448baf3444f574e4752440120754ea81eac5a61b84cea69b078"
	"318bff20b1701052e6af63f1aee790d787e127c02c000024ff0100010000000000000b0004030001020010000b000908"
	"687474702f312e3100170000";
/* frame 19: TLS 1.3 ClientHello (padding extension shortened to 2 zero bytes; JA3/JA4 do not
 * look at extension contents other than the ones parsed) */
static const char ch13_hex[] =
	"0303a5e1b7ec12db032b62a5188f0035554fa55606404cd0657d3f1107a506cbc8a3209a68762cec3260881401dcf027"
	"9a84b55fcbdb90f735a7c10195e943b6d35b1e000813021303130100ff010000b700000014001200000f7777772e736c"
	"657574682e74657374000b000403000102000a00160014001d0017001e00190018010001010102010301040010000e00"
	"0c02683208687474702f312e31001600000017000000310000000d001e001c040305030603080708080809080a080b08"
	"0408050806040105010601002b0003020304002d00020101003300260024001d00209ba28dc83e8a89b3a4141977b9c5"
	"71981c2b650ebdbc5752f6af4a581643854d001500020000";
/* frame 21: its ServerHello */
static const char sh13_hex[] =
	"0303243f3e2bbdcb959d4741c40f2083e535f5a38f7289b43f9b5228bc8a67423e02209a68762cec3260881401dcf027"
	"9a84b55fcbdb90f735a7c10195e943b6d35b1e130200002e002b0002030400330024001d0020e69f6984368b46d95593"
	"0e5fc7cb6392bf6a03dd9bd719a401e9618e40c9116a";

/* https.pcap frame 4 */
static const char f4_client_hello[] =
	"16030100dd010000d90303da020c2fc6c1e6cf0cc98ec2064d914e12c2bbd623480bcfd9d5dbad72f8f802000038c02c"
	"c030009fcca9cca8ccaac02bc02f009ec024c028006bc023c0270067c00ac0140039c009c0130033009d009c003d003c"
	"0035002f00ff0100007800000014001200000f7777772e736c657574682e74657374000b000403000102000a000c000a"
	"001d0017001e001900180010000e000c02683208687474702f312e310016000000170000000d002a0028040305030603"
	"080708080809080a080b080408050806040105010601030303010302040205020602";

/* https.pcap frame 6 */
static const char f6_server_flight[] =
	"16030300700200006c03033b11cc8635125496e0ca16dc724e113212799a15e448baf3444f574e4752440120754ea81e"
	"ac5a61b84cea69b078318bff20b1701052e6af63f1aee790d787e127c02c000024ff0100010000000000000b00040300"
	"01020010000b000908687474702f312e310017000016030301cc0b0001c80001c50001c2308201be30820165a0030201"
	"02021466348a8af2c630bae0f47c4f4e5d033026b5ae27300a06082a8648ce3d040302301a3118301606035504030c0f"
	"7777772e736c657574682e74657374301e170d3236313132333136313633385a170d3336313132303136313633385a30"
	"1a3118301606035504030c0f7777772e736c657574682e746573743059301306072a8648ce3d020106082a8648ce3d03"
	"0107034200040bf3f8fa37c4153efb3b06ffd5d8d7b4d58e500c713e9d675f42661e7a3904b4f2f5ddb18ff7408ca648"
	"bb368e89347fb5c1b7c59c9a62054542b5ffde0de2b0a38188308185301d0603551d0e04160414cfcf93998642e78028"
	"20dac4229aaa4e2542563a301f0603551d23041830168014cfcf93998642e7802820dac4229aaa4e2542563a300f0603"
	"551d130101ff040530030101ff30320603551d11042b3029820f7777772e736c657574682e7465737487040a63000187"
	"10fd990000000000000000000000000001300a06082a8648ce3d0403020347003044022009e58aa33b4cac4eff4d44e0"
	"e7af37f4f2f92306f5ce16206982ca62115d23fa022075d35626861d34685f8246bc154bc37691bedd9241e1d0889536"
	"bb9e4ee8edf416030300730c00006f03001d20cbd65ee70701d67107d1479462574b9b42a7c99b160c3a1a7d613e61a5"
	"71782b04030047304502203500bb6701757b1627dcebc88546457e98c5f8f702cca4812bffc7a5ddab11490221008b36"
	"5d82566c84ca9cd498fe497aa52f80fcd3d3b8c7ff38b871a3028c276cd116030300040e000000";

/* https.pcap frame 8 */
static const char f8_client_finish[] =
	"160303002510000021206b83e707463be92b60bdf9afbc3def84d4ce7f662f3fd8af7fa19cdadb678d34140303000101"
	"1603030028927bfa8ab9f3c03db078b2336b2d8bf1ddcee4e4ac8c8dd0b545eafbb5bc40355f7f976a2d565518";

/* https.pcap frame 9 */
static const char f9_server_finish[] =
	"14030300010116030300289ab2ceb66d85623858c1fa6540d75b300586dbafea1c56b82a214fdf3b9ae4459aa2710dcf"
	"ead35a";

/* https.pcap frame 12 */
static const char f12_alert[] =
	"150303001a927bfa8ab9f3c03f27044c469d39b4e748c8f807bedf38ce9b5c";

static uint32_t unhex(const char *s, uint8_t *out, uint32_t cap)
{
	uint32_t n = 0;
	for (; s[0] && s[1] && n < cap; s += 2) {
		unsigned v;
		sscanf(s, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* ---- a ClientHello builder for the JA4 reference strings ---- */
struct bld {
	uint8_t b[4096];
	uint32_t n;
};

static void put8(struct bld *b, unsigned v) { b->b[b->n++] = (uint8_t)v; }
static void put16(struct bld *b, unsigned v) { put8(b, v >> 8); put8(b, v & 0xff); }
static void putlen16(struct bld *b, uint32_t at) /* back-patch a 16-bit length at `at` */
{
	uint32_t len = b->n - at - 2;
	b->b[at] = (uint8_t)(len >> 8);
	b->b[at + 1] = (uint8_t)len;
}

/* Parses "1301,1303,..." (hex) into v; returns the count. */
static uint32_t hexlist(const char *s, uint16_t *v, uint32_t cap)
{
	uint32_t n = 0;
	while (*s && n < cap) {
		char *end;
		v[n++] = (uint16_t)strtoul(s, &end, 16);
		s = *end ? end + 1 : end;
	}
	return n;
}

/* A ClientHello with the given cipher suites and extensions (in order). Extension contents:
 * SNI = sni, ALPN = alpn, supported_versions = {0x0a0a GREASE, version}, signature_algorithms =
 * sigs, groups = {x25519}, point formats = {0}; the others empty. */
static uint32_t build_ch(struct bld *b, const char *cs, const char *exts, const char *sigs, const char *sni,
			 const char *alpn, uint16_t version)
{
	uint16_t v[256], e[128], s[64];
	uint32_t nv = hexlist(cs, v, 256), ne = hexlist(exts, e, 128), ns = hexlist(sigs, s, 64);
	b->n = 0;
	put16(b, 0x0303);
	for (int i = 0; i < 32; i++)
		put8(b, i);
	put8(b, 0);
	put16(b, nv * 2);
	for (uint32_t i = 0; i < nv; i++)
		put16(b, v[i]);
	put8(b, 1);
	put8(b, 0);
	uint32_t xl = b->n;
	put16(b, 0);
	for (uint32_t i = 0; i < ne; i++) {
		put16(b, e[i]);
		uint32_t at = b->n;
		put16(b, 0);
		if (e[i] == 0) {
			put16(b, (unsigned)strlen(sni) + 3);
			put8(b, 0);
			put16(b, (unsigned)strlen(sni));
			memcpy(b->b + b->n, sni, strlen(sni));
			b->n += (uint32_t)strlen(sni);
		} else if (e[i] == 0x10) {
			put16(b, (unsigned)strlen(alpn) + 1);
			put8(b, (unsigned)strlen(alpn));
			memcpy(b->b + b->n, alpn, strlen(alpn));
			b->n += (uint32_t)strlen(alpn);
		} else if (e[i] == 0x2b) {
			put8(b, 4);
			put16(b, 0x0a0a);
			put16(b, version);
		} else if (e[i] == 0x0a) {
			put16(b, 2);
			put16(b, 29);
		} else if (e[i] == 0x0b) {
			put8(b, 1);
			put8(b, 0);
		} else if (e[i] == 0x0d) {
			put16(b, ns * 2);
			for (uint32_t k = 0; k < ns; k++)
				put16(b, s[k]);
		}
		putlen16(b, at);
	}
	putlen16(b, xl);
	return b->n;
}

static int check_ja3(const char *hex, int client, const char *want_str, const char *want_md5)
{
	static uint8_t buf[2048];
	struct tls_hello h;
	char str[2048], md5[33];
	uint32_t n = unhex(hex, buf, sizeof buf);
	if (tls_hello_parse((struct slice){ buf, n }, client, &h) != 0) {
		printf("# parse failed\n");
		return 0;
	}
	tls_ja3(&h, client, str, sizeof str, md5);
	if (strcmp(str, want_str) || strcmp(md5, want_md5)) {
		printf("# got %s %s\n", str, md5);
		return 0;
	}
	return 1;
}

static int check_ja4_hex(const char *hex, const char *want)
{
	static uint8_t buf[2048];
	struct tls_hello h;
	char out[40];
	uint32_t n = unhex(hex, buf, sizeof buf);
	if (tls_hello_parse((struct slice){ buf, n }, 1, &h) != 0)
		return 0;
	tls_ja4(&h, 't', out);
	if (strcmp(out, want))
		printf("# got %s\n", out);
	return strcmp(out, want) == 0;
}

static int check_ja4_built(struct bld *b, char transport, const char *want)
{
	struct tls_hello h;
	char out[40];
	if (tls_hello_parse((struct slice){ b->b, b->n }, 1, &h) != 0)
		return 0;
	tls_ja4(&h, transport, out);
	if (strcmp(out, want))
		printf("# got %s\n", out);
	return strcmp(out, want) == 0;
}


/* ---- the dissector, driven like the flow layer does (tail kept, presented again) ---- */

struct sess {
	_Alignas(16) unsigned char st[2][4096];
	uint8_t tail[2][70000];
	uint32_t tlen[2];
	struct proto_pkt pkt;
	struct proto_env env;
	const struct proto_desc *pd;
	uint8_t idx;
	int nrec;
	char rec[4][4096]; /* records as "name=value;" text */
	uint32_t anomalies;
	char info[4096];   /* Info of every packet joined by ", " */
	int err;
};

static void sess_emit(void *arg, const struct proto_rec *r)
{
	struct sess *s = arg;
	if (s->nrec >= 4 || strcmp(r->kind, "tls"))
		return;
	char *o = s->rec[s->nrec++];
	size_t n = 0;
	for (uint16_t i = 0; i < r->n && n < 4000; i++) {
		const struct proto_kv *kv = &r->kv[i];
		n += (size_t)snprintf(o + n, 4096 - n, "%s=", kv->name);
		if (kv->type == PV_STR)
			n += (size_t)snprintf(o + n, 4096 - n, "%.*s;", (int)kv->len, (const char *)kv->v.p);
		else if (kv->type == PV_BOOL)
			n += (size_t)snprintf(o + n, 4096 - n, "%s;", kv->v.u ? "T" : "F");
		else
			n += (size_t)snprintf(o + n, 4096 - n, "%lld;", (long long)kv->v.i);
	}
}

static void sess_init(struct sess *s)
{
	memset(s, 0, sizeof *s);
	s->pd = proto_find("tls");
	for (size_t i = 0; i < proto_count(); i++)
		if (proto_get(i) == s->pd)
			s->idx = (uint8_t)i;
	s->env.emit = sess_emit;
	s->env.arg = s;
	for (int d = 0; d < 2; d++)
		s->pd->init(s->st[d], (uint8_t)d);
}

static void sess_fini(struct sess *s)
{
	for (int d = 0; d < 2; d++)
		s->pd->fini(s->st[d]);
}

/* One segment in direction `dir`; returns the packet's Info (Protocol in s->pkt.col). */
static const char *sess_packet(struct sess *s, int dir, const uint8_t *p, uint32_t n, uint64_t frame)
{
	static const uint8_t srv[4] = { 10, 99, 0, 1 }, cli[4] = { 10, 99, 0, 2 };
	memset(&s->pkt, 0, offsetof(struct proto_pkt, fv));
	if (s->err || s->tlen[dir] + n > sizeof s->tail[0]) {
		s->err = 1;
		return "";
	}
	memcpy(s->tail[dir] + s->tlen[dir], p, n);
	uint32_t len = s->tlen[dir] + n, off = 0;
	while (off < len) {
		struct proto_ctx ctx = { .state = s->st[dir], .peer = s->st[!dir], .out = &s->pkt, .env = &s->env,
					 .frame = frame, .alen = 4, .is_orig = (uint8_t)!dir, .proto_idx = s->idx };
		ctx.src = dir ? srv : cli;
		ctx.dst = dir ? cli : srv;
		struct proto_res r = s->pd->parse(&ctx, (uint8_t)dir, (struct slice){ s->tail[dir] + off, len - off });
		s->anomalies += ctx.anomalies;
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
	if (s->pkt.info_len) {
		size_t k = strlen(s->info);
		snprintf(s->info + k, sizeof s->info - k, "%s%s", k ? ", " : "", s->pkt.info);
	}
	return s->pkt.info;
}

static uint8_t fl[4][2048];
static uint32_t fn[4];

/* Feeds the server's first flight split at `cut` (and byte by byte when cut == 0) after the
 * ClientHello, then the finishing flights. Returns the joined Info text. */
static void sess_run(struct sess *s, uint32_t cut)
{
	sess_init(s);
	sess_packet(s, 0, fl[0], fn[0], 4);
	if (cut == 0) {
		for (uint32_t i = 0; i < fn[1]; i++)
			sess_packet(s, 1, fl[1] + i, 1, 6);
	} else {
		sess_packet(s, 1, fl[1], cut, 6);
		sess_packet(s, 1, fl[1] + cut, fn[1] - cut, 7);
	}
	sess_packet(s, 0, fl[2], fn[2], 8);
	sess_packet(s, 1, fl[3], fn[3], 9);
}

static void test_dissector(void)
{
	static struct sess s, t;
	const char *hx[4] = { f4_client_hello, f6_server_flight, f8_client_finish, f9_server_finish };
	for (int i = 0; i < 4; i++)
		fn[i] = unhex(hx[i], fl[i], sizeof fl[i]);

	sess_init(&s);
	const char *info = sess_packet(&s, 0, fl[0], fn[0], 4);
	test_report_result(!strcmp(info, "Client Hello") && !strcmp(s.pkt.col, "TLSv1"),
			   "ClientHello: Info and Protocol (record version) as tshark");
	info = sess_packet(&s, 1, fl[1], fn[1], 6);
	test_report_result(!strcmp(info, "Server Hello, Certificate, Server Key Exchange, Server Hello Done") &&
				   !strcmp(s.pkt.col, "TLSv1.2"),
			   "server flight: four handshake messages in one record");
	int cert = 0;
	for (uint16_t i = 0; i < s.pkt.nfv; i++)
		cert += s.pkt.fv[i].type == PF_BYTES && s.pkt.fv[i].len == 450;
	test_report_result(cert == 1, "tls.handshake.certificate holds the DER certificate");
	info = sess_packet(&s, 0, fl[2], fn[2], 8);
	test_report_result(!strcmp(info, "Client Key Exchange, Change Cipher Spec, Encrypted Handshake Message"),
			   "client finish: the Finished after ChangeCipherSpec is encrypted");
	test_report_result(s.nrec == 0, "no record before the server finished");
	info = sess_packet(&s, 1, fl[3], fn[3], 9);
	test_report_result(!strcmp(info, "Change Cipher Spec, Encrypted Handshake Message") && s.nrec == 1,
			   "server finish; the session is established and its record emitted");
	printf("# %s\n", s.nrec ? s.rec[0] : "");
	test_report_result(s.nrec == 1 && strstr(s.rec[0], "version=TLSv12;") &&
				   strstr(s.rec[0], "cipher=TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384;") &&
				   strstr(s.rec[0], "curve=x25519;") && strstr(s.rec[0], "server_name=www.sleuth.test;") &&
				   strstr(s.rec[0], "next_protocol=http/1.1;") && strstr(s.rec[0], "established=T;") &&
				   strstr(s.rec[0], "resumed=F;") &&
				   strstr(s.rec[0], "ja3=87b9bfc7da97115ed2276737b09f8d74;") &&
				   strstr(s.rec[0], "ja3s=fe0146829eef1917ba6c2dd4f5c08905;") &&
				   strstr(s.rec[0], "ja4=t12d2807h2_d943125447b4_a44c6288192a;") &&
				   strstr(s.rec[0], "subject=CN=www.sleuth.test;") &&
				   strstr(s.rec[0], "issuer=CN=www.sleuth.test;") &&
				   strstr(s.rec[0], "san.dns=www.sleuth.test;") &&
				   strstr(s.rec[0], "certificate.not_valid_before=1795450598000000000;"),
			   "tls record: version, cipher, curve, SNI, ALPN, JA3/JA3S/JA4, certificate");
	uint8_t al[64];
	uint32_t aln = unhex(f12_alert, al, sizeof al);
	info = sess_packet(&s, 0, al, aln, 12);
	test_report_result(!strcmp(info, "Encrypted Alert") && !strcmp(s.pkt.col, "TLSv1.2") && s.nrec == 1,
			   "an alert after ChangeCipherSpec is encrypted; the record is not emitted twice");
	char want_rec[4096];
	snprintf(want_rec, sizeof want_rec, "%s", s.rec[0]);
	const char *want_info = "Client Hello, Server Hello, Certificate, Server Key Exchange, Server Hello Done, "
				"Client Key Exchange, Change Cipher Spec, Encrypted Handshake Message, "
				"Change Cipher Spec, Encrypted Handshake Message";
	sess_fini(&s);

	int ok = 1;
	for (uint32_t cut = 0; cut < fn[1] && ok; cut++) {
		sess_run(&t, cut);
		if (t.err || strcmp(t.info, want_info) || t.nrec != 1 || strcmp(t.rec[0], want_rec)) {
			printf("# cut %u: err %d info '%s' nrec %d\n", cut, t.err, t.info, t.nrec);
			ok = 0;
		}
		sess_fini(&t);
	}
	test_report_result(ok, "the server flight split at every byte (and byte by byte): same Info, same record");

	/* a plaintext alert */
	static const uint8_t alert[] = { 21, 3, 3, 0, 2, 2, 40 };
	sess_init(&t);
	info = sess_packet(&t, 1, alert, sizeof alert, 1);
	test_report_result(!strcmp(info, "Alert (Level: Fatal, Description: Handshake Failure)") &&
				   !strcmp(t.pkt.col, "TLSv1.2"),
			   "a plaintext alert is named; it fixes the session version");
	sess_fini(&t);
	sess_init(&t);
	sess_packet(&t, 0, fl[0], fn[0], 1);
	sess_packet(&t, 1, alert, sizeof alert, 2);
	struct proto_ctx endc = { .state = t.st[0], .peer = t.st[1], .env = &t.env, .proto_idx = t.idx };
	t.pd->on_flow_end(&endc);
	t.pd->on_flow_end(&endc);
	test_report_result(t.nrec == 1 && strstr(t.rec[0], "last_alert=handshake_failure;") &&
				   strstr(t.rec[0], "established=F;") && strstr(t.rec[0], "server_name=www.sleuth.test;"),
			   "a refused handshake: one record at flow end with the alert, not established");
	/* a segment starting with four printable characters is not TLS's (tshark leaves it to
	 * TCP); the same bytes after a record in one segment are Continuation Data */
	static const uint8_t html[] = "<!DOCTYPE html>";
	memset(&t.pkt, 0, offsetof(struct proto_pkt, fv));
	info = sess_packet(&t, 0, html, sizeof html - 1, 50);
	test_report_result(!t.pkt.shown && !t.pkt.info_len, "a clear-text segment leaves the packet to TCP");
	static const uint8_t rec_html[] = { 23, 3, 3, 0, 1, 0xaa, '<', '!', 'D', 'O', 'C' };
	info = sess_packet(&t, 0, rec_html, sizeof rec_html, 51);
	test_report_result(!strcmp(info, "Application Data, Ignored Unknown Record"),
			   "printable bytes after a record of the same segment stay TLS's");
	/* several records in one segment, and data that is not a record */
	static const uint8_t two[] = { 23, 3, 3, 0, 1, 0xaa, 23, 3, 3, 0, 2, 0xbb, 0xcc, 0x99, 1, 2, 3, 4, 5 };
	info = sess_packet(&t, 0, two, sizeof two, 2);
	test_report_result(!strcmp(info, "Application Data, Application Data, Ignored Unknown Record"),
			   "two records then bytes that are no record (known TLS 1.2 session)");
	sess_fini(&t);
	sess_init(&t);
	info = sess_packet(&t, 0, two + 13, 6, 1);
	test_report_result(!strcmp(info, "Continuation Data") && !strcmp(t.pkt.col, "SSL"),
			   "without a session version: SSL Continuation Data");
	sess_fini(&t);

	/* an encrypted-looking handshake record whose first segment holds 2 body bytes, then a
	 * record with a known message followed by an unknown one */
	static const uint8_t enc1[] = { 22, 3, 3, 0, 8, 0xde, 0xad }, enc2[] = { 0xbe, 0xef, 1, 2, 3, 4 };
	static const uint8_t mix[] = { 22, 3, 3, 0, 12, 14, 0, 0, 0, 0x77, 0, 0, 4, 1, 2, 3, 4 };
	sess_init(&t);
	sess_packet(&t, 1, alert, sizeof alert, 1);
	sess_packet(&t, 0, enc1, sizeof enc1, 2);
	info = sess_packet(&t, 0, enc2, sizeof enc2, 3);
	test_report_result(!strcmp(info, "Encrypted Handshake Message"),
			   "a handshake record of unknown type cut after 2 bytes is an encrypted message");
	t.anomalies = 0;
	info = sess_packet(&t, 1, mix, sizeof mix, 4);
	test_report_result(!strcmp(info, "Server Hello Done") && t.anomalies == 1,
			   "a known message then an unknown one: the first named, the rest counted");
	sess_fini(&t);

	/* malformed handshake contents: never a crash, anomalies counted */
	static uint8_t bad[2048];
	memcpy(bad, fl[1], fn[1]);
	uint32_t seed = 7;
	int fine = 1;
	for (int round = 0; round < 3000; round++) {
		memcpy(bad, fl[1], fn[1]);
		for (int k = 0; k < 4; k++) {
			seed = seed * 1103515245u + 12345u;
			uint32_t pos = 5 + (seed >> 8) % (fn[1] - 5);
			bad[pos] = (uint8_t)(seed >> 24);
		}
		sess_init(&t);
		sess_packet(&t, 0, fl[0], fn[0], 1);
		sess_packet(&t, 1, bad, fn[1], 2);
		if (t.err)
			fine = 0;
		sess_fini(&t);
	}
	test_report_result(fine, "3000 corrupted server flights: no error, no crash");

	/* a Certificate message announced larger than the 64 KB reassembly cap */
	static uint8_t big[5 * 16005];
	uint32_t bn = 0;
	for (int rec = 0; rec < 5; rec++) {
		uint32_t body = 16000;
		big[bn++] = 22; big[bn++] = 3; big[bn++] = 3;
		big[bn++] = (uint8_t)(body >> 8); big[bn++] = (uint8_t)body;
		if (rec == 0) {
			big[bn++] = 11; big[bn++] = 0x01; big[bn++] = 0x38; big[bn++] = 0x7c; /* 80000 */
			memset(big + bn, 0, body - 4);
			bn += body - 4;
		} else {
			memset(big + bn, 0, body);
			bn += body;
		}
	}
	sess_init(&t);
	sess_packet(&t, 0, fl[0], fn[0], 1);
	sess_packet(&t, 1, fl[1], fn[1], 2); /* the server flight record */
	t.info[0] = 0;
	t.anomalies = 0;
	for (uint32_t o = 0; o < bn; o += 1400)
		sess_packet(&t, 1, big + o, bn - o < 1400 ? bn - o : 1400, 3 + o);
	test_report_result(!t.err && t.anomalies >= 1 && strstr(t.info, "Certificate") != NULL,
			   "an over-long Certificate is named, skipped and counted");
	sess_fini(&t);
}

int main(void)
{
	test_report_result(check_ja3(ch12_hex, 1,
				     "771,49196-49200-159-52393-52392-52394-49195-49199-158-49188-49192-107-49187-49191-"
				     "103-49162-49172-57-49161-49171-51-157-156-61-60-53-47-255,0-11-10-16-22-23-13,"
				     "29-23-30-25-24,0-1-2",
				     "87b9bfc7da97115ed2276737b09f8d74"),
			   "JA3 of a TLS 1.2 ClientHello equals tshark's");
	test_report_result(check_ja3(ch13_hex, 1,
				     "771,4866-4867-4865-255,0-11-10-16-22-23-49-13-43-45-51-21,"
				     "29-23-30-25-24-256-257-258-259-260,0-1-2",
				     "89dfc51e72bdcb94e4ba4622588002b1"),
			   "JA3 of a TLS 1.3 ClientHello equals tshark's");
	test_report_result(check_ja3(sh12_hex, 0, "771,49196,65281-0-11-16-23", "fe0146829eef1917ba6c2dd4f5c08905"),
			   "JA3S of a TLS 1.2 ServerHello equals tshark's");
	test_report_result(check_ja3(sh13_hex, 0, "771,4866,43-51", "15af977ce25de452b96affa2addb1036"),
			   "JA3S of a TLS 1.3 ServerHello equals tshark's");
	test_report_result(check_ja4_hex(ch12_hex, "t12d2807h2_d943125447b4_a44c6288192a"),
			   "JA4 of the TLS 1.2 ClientHello equals FoxIO's tool");
	test_report_result(check_ja4_hex(ch13_hex, "t13d0412h2_16476d049b0b_85302d7e289e"),
			   "JA4 of the TLS 1.3 ClientHello equals FoxIO's tool");

	/* fields of the parsed hellos */
	static uint8_t buf[2048];
	struct tls_hello h;
	uint32_t n = unhex(ch13_hex, buf, sizeof buf);
	int rc = tls_hello_parse((struct slice){ buf, n }, 1, &h);
	test_report_result(rc == 0 && h.ncs == 4 && h.next == 12 && h.nsig == 14 && h.nalpn == 2 &&
				   h.sni.len == 15 && !memcmp(h.sni.p, "www.sleuth.test", 15) &&
				   h.alpn[0].len == 2 && !memcmp(h.alpn[0].p, "h2", 2) && h.session_id.len == 32 &&
				   tls_hello_version(&h, 1) == 0x0304,
			   "ClientHello fields: suites, extensions, SNI, ALPN, session id, version");
	n = unhex(sh13_hex, buf, sizeof buf);
	rc = tls_hello_parse((struct slice){ buf, n }, 0, &h);
	test_report_result(rc == 0 && h.cipher == 0x1302 && h.selected_version == 0x0304 &&
				   h.key_share_group == 29 && tls_hello_version(&h, 0) == 0x0304,
			   "ServerHello fields: cipher, selected version, key share group");

	/* every prefix of a hello: no crash, -1 unless the cut falls at the end of a field list */
	n = unhex(ch13_hex, buf, sizeof buf);
	int ok = 1;
	for (uint32_t k = 0; k < n; k++) {
		uint8_t *cut = malloc(k ? k : 1);
		memcpy(cut, buf, k);
		rc = tls_hello_parse((struct slice){ cut, k }, 1, &h);
		if (rc == 0 && k != 79) /* 79: ends right after compression methods (no extensions) */
			ok = 0;
		free(cut);
	}
	test_report_result(ok, "every truncated prefix of a ClientHello is malformed (bar the no-extension cut)");

	/* JA4 published values, hellos rebuilt from the raw original-order strings */
	static const struct {
		const char *cs, *ext, *sig, *sni, *want, *what;
		char transport;
	} pub[] = {
		{ "1301,1303,1302,c02b,c02f,cca9,cca8,c02c,c030,c00a,c009,c013,c014,009c,009d,002f,0035",
		  "0000,0017,ff01,000a,000b,0023,0010,0005,0022,0033,002b,000d,002d,001c,0015",
		  "0403,0503,0603,0804,0805,0806,0401,0501,0601,0203,0201", "contile.services.mozilla.com",
		  "t13d1715h2_5b57614c22b0_3d5424432f57", "JA4 of FoxIO's tls12.pcap ClientHello", 't' },
		{ "1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035",
		  "001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015",
		  "0403,0804,0401,0503,0805,0501,0806,0601", "example.com", "t13d1516h2_8daaf6152771_e5627efa2ab1",
		  "JA4 of the JA4.md example", 't' },
		{ "1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035",
		  "001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015",
		  "0403,0804,0401,0503,0805,0501,0806,0601", "example.com", "q13d1516h2_8daaf6152771_e5627efa2ab1",
		  "JA4 over QUIC starts with q", 'q' },
		{ "3a3a,1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035",
		  "fafa,001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015,1a1a",
		  "0403,0804,0401,0503,0805,0501,0806,0601", "example.com", "t13d1516h2_8daaf6152771_e5627efa2ab1",
		  "GREASE values do not change JA4", 't' },
	};
	struct bld b;
	for (size_t i = 0; i < sizeof pub / sizeof pub[0]; i++) {
		build_ch(&b, pub[i].cs, pub[i].ext, pub[i].sig, pub[i].sni, "h2", 0x0304);
		test_report_result(check_ja4_built(&b, pub[i].transport, pub[i].want), pub[i].what);
	}
	/* no SNI, no ALPN, no signature algorithms, TLS 1.2 */
	build_ch(&b, "c02b,c02f", "000a,000b", "", "", "", 0x0303);
	struct tls_hello h2;
	rc = tls_hello_parse((struct slice){ b.b, b.n }, 1, &h2);
	char out[40];
	tls_ja4(&h2, 't', out);
	test_report_result(rc == 0 && !strncmp(out, "t12i020200_", 11) && strlen(out) == 36 && out[23] != '0',
			   "JA4 without SNI/ALPN: i and 00, the extension hash without an underscore part");
	/* ALPN with a non-alphanumeric edge gives hex digits */
	build_ch(&b, "c02b", "0010", "", "", "\x30\xab", 0x0303);
	rc = tls_hello_parse((struct slice){ b.b, b.n }, 1, &h2);
	tls_ja4(&h2, 't', out);
	test_report_result(rc == 0 && !strncmp(out, "t12i01013b_", 11) && !strcmp(out + 24, "000000000000"),
			   "JA4 ALPN 0x30 0xab is 3b; only ALPN gives an empty extension hash");

	/* malformed inputs */
	static const uint8_t badext[] = { 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					  0, 0, 0, 0, 0, 0, 0, 0, /* sid */ 0, 0, 2, 0x13, 1, 1, 0,
					  /* ext block 8: type 0 len 200 */ 0, 8, 0, 0, 0, 200, 0, 0, 0, 0 };
	test_report_result(tls_hello_parse((struct slice){ badext, sizeof badext }, 1, &h) == -1 && h.ncs == 1,
			   "an extension length past its block is malformed; earlier fields are kept");
	static const uint8_t bigsid[] = { 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 33 };
	test_report_result(tls_hello_parse((struct slice){ bigsid, sizeof bigsid }, 1, &h) == -1,
			   "a session id over 32 bytes is malformed");
	/* 300 cipher suites: capped, counted */
	b.n = 0;
	put16(&b, 0x0303);
	for (int i = 0; i < 33; i++)
		put8(&b, 0);
	put16(&b, 600);
	for (int i = 0; i < 300; i++)
		put16(&b, (unsigned)i + 1);
	put8(&b, 1);
	put8(&b, 0);
	rc = tls_hello_parse((struct slice){ b.b, b.n }, 1, &h);
	test_report_result(rc == 0 && h.ncs == TLS_HELLO_MAX_CS && h.dropped == 300 - TLS_HELLO_MAX_CS,
			   "cipher suites past the cap are dropped and counted");

	test_report_result(!strcmp(tls_cipher_name(0x1301), "TLS_AES_128_GCM_SHA256") &&
				   !strcmp(tls_cipher_name(0xc02f), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256") &&
				   !strcmp(tls_cipher_name(0x0000), "TLS_NULL_WITH_NULL_NULL") &&
				   tls_cipher_name(0x0a0a) == NULL && tls_cipher_name(0xffff) == NULL,
			   "IANA cipher suite names");
	test_report_result(!strcmp(tls_version_name(0x0303), "TLSv12") && !strcmp(tls_version_name(0x0300), "SSLv3") &&
				   tls_version_name(0x1234) == NULL && !strcmp(tls_group_name(29), "x25519") &&
				   !strcmp(tls_group_name(23), "secp256r1") && tls_group_name(0x0a0a) == NULL,
			   "version and group names");
	test_report_result(tls_grease(0x0a0a) && tls_grease(0xfafa) && !tls_grease(0x0a1a) && !tls_grease(0x1301),
			   "GREASE values");
	test_dissector();
	printf("1..%d\n", test_num);
	return test_failed != 0;
}
