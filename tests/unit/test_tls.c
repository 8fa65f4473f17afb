/* test_tls.c: TLS hello parsing and fingerprints (src/proto/tlshello.c). Reference values: the
 * ClientHellos/ServerHellos of tests/captures/https.pcap with JA3/JA3S as tshark 4.0 computes
 * them (tls.handshake.ja3 / ja3s) and JA4 as FoxIO's reference tool (python/ja4.py) prints them;
 * FoxIO's published JA4 of its tls12.pcap and of the JA4.md example, rebuilt from their raw
 * (original order) strings. */
#include <stdlib.h>

#include "proto/tlshello.h"

#include "tap.h"

#include <string.h>

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
	printf("1..%d\n", test_num);
	return test_failed != 0;
}
