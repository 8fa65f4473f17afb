/* test_quic.c: QUIC (src/proto/quic.c) against the test vectors of RFC 9001 appendix A (client
 * and server Initial, version 1) and RFC 9369 appendix A (version 2): keys from the client's
 * DCID, header protection, AES-128-GCM and the frames, shown as tshark 4.0 shows them; the
 * ClientHello's SNI and ALPN in the records; every truncated prefix, corrupted tags and bytes,
 * version negotiation, short headers, coalesced padding and gQUIC. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"

#include "tap.h"

/* The protected packets of RFC 9001 A.2, A.3 and RFC 9369 A.2, A.3. */
static const char rfc9001_client[] =
	"c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
	"d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
	"1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
	"8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"
	"30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
	"457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
	"4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"
	"4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"
	"485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
	"059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"
	"7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8"
	"9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"
	"be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74"
	"68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a"
	"c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
	"f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632"
	"291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964"
	"25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"
	"14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff"
	"ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"
	"e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"
	"c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73"
	"203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f"
	"cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"
	"fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"
	"a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047"
	"90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"
	"162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4"
	"40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0"
	"6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
	"8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0"
	"be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400"
	"54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"
	"760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9"
	"f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"
	"056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"
	"7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
	"e221af44860018ab0856972e194cd934";

static const char rfc9001_server[] =
	"cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a"
	"5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3"
	"dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84"
	"022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4"
	"2158407dd074ee";

static const char rfc9369_client[] =
	"d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485"
	"dd04de806071bf03dceebfa162e75d6c96058bdbfb127cdfcbf903388e99ad04"
	"9f9a3dd4425ae4d0992cfff18ecf0fdb5a842d09747052f17ac2053d21f57c5d"
	"250f2c4f0e0202b70785b7946e992e58a59ac52dea6774d4f03b55545243cf1a"
	"12834e3f249a78d395e0d18f4d766004f1a2674802a747eaa901c3f10cda5500"
	"cb9122faa9f1df66c392079a1b40f0de1c6054196a11cbea40afb6ef5253cd68"
	"18f6625efce3b6def6ba7e4b37a40f7732e093daa7d52190935b8da58976ff33"
	"12ae50b187c1433c0f028edcc4c2838b6a9bfc226ca4b4530e7a4ccee1bfa2a3"
	"d396ae5a3fb512384b2fdd851f784a65e03f2c4fbe11a53c7777c023462239dd"
	"6f7521a3f6c7d5dd3ec9b3f233773d4b46d23cc375eb198c63301c21801f6520"
	"bcfb7966fc49b393f0061d974a2706df8c4a9449f11d7f3d2dcbb90c6b877045"
	"636e7c0c0fe4eb0f697545460c806910d2c355f1d253bc9d2452aaa549e27a1f"
	"ac7cf4ed77f322e8fa894b6a83810a34b361901751a6f5eb65a0326e07de7c12"
	"16ccce2d0193f958bb3850a833f7ae432b65bc5a53975c155aa4bcb4f7b2c4e5"
	"4df16efaf6ddea94e2c50b4cd1dfe06017e0e9d02900cffe1935e0491d77ffb4"
	"fdf85290fdd893d577b1131a610ef6a5c32b2ee0293617a37cbb08b847741c3b"
	"8017c25ca9052ca1079d8b78aebd47876d330a30f6a8c6d61dd1ab5589329de7"
	"14d19d61370f8149748c72f132f0fc99f34d766c6938597040d8f9e2bb522ff9"
	"9c63a344d6a2ae8aa8e51b7b90a4a806105fcbca31506c446151adfeceb51b91"
	"abfe43960977c87471cf9ad4074d30e10d6a7f03c63bd5d4317f68ff325ba3bd"
	"80bf4dc8b52a0ba031758022eb025cdd770b44d6d6cf0670f4e990b22347a7db"
	"848265e3e5eb72dfe8299ad7481a408322cac55786e52f633b2fb6b614eaed18"
	"d703dd84045a274ae8bfa73379661388d6991fe39b0d93debb41700b41f90a15"
	"c4d526250235ddcd6776fc77bc97e7a417ebcb31600d01e57f32162a8560cacc"
	"7e27a096d37a1a86952ec71bd89a3e9a30a2a26162984d7740f81193e8238e61"
	"f6b5b984d4d3dfa033c1bb7e4f0037febf406d91c0dccf32acf423cfa1e70710"
	"10d3f270121b493ce85054ef58bada42310138fe081adb04e2bd901f2f13458b"
	"3d6758158197107c14ebb193230cd1157380aa79cae1374a7c1e5bbcb80ee23e"
	"06ebfde206bfb0fcbc0edc4ebec309661bdd908d532eb0c6adc38b7ca7331dce"
	"8dfce39ab71e7c32d318d136b6100671a1ae6a6600e3899f31f0eed19e3417d1"
	"34b90c9058f8632c798d4490da4987307cba922d61c39805d072b589bd52fdf1"
	"e86215c2d54e6670e07383a27bbffb5addf47d66aa85a0c6f9f32e59d85a44dd"
	"5d3b22dc2be80919b490437ae4f36a0ae55edf1d0b5cb4e9a3ecabee93dfc6e3"
	"8d209d0fa6536d27a5d6fbb17641cde27525d61093f1b28072d111b2b4ae5f89"
	"d5974ee12e5cf7d5da4d6a31123041f33e61407e76cffcdcfd7e19ba58cf4b53"
	"6f4c4938ae79324dc402894b44faf8afbab35282ab659d13c93f70412e85cb19"
	"9a37ddec600545473cfb5a05e08d0b209973b2172b4d21fb69745a262ccde96b"
	"a18b2faa745b6fe189cf772a9f84cbfc";

static const char rfc9369_server[] =
	"dc6b3343cf0008f067a5502a4262b5004075d92faaf16f05d8a4398c47089698"
	"baeea26b91eb761d9b89237bbf87263017915358230035f7fd3945d88965cf17"
	"f9af6e16886c61bfc703106fbaf3cb4cfa52382dd16a393e42757507698075b2"
	"c984c707f0a0812d8cd5a6881eaf21ceda98f4bd23f6fe1a3e2c43edd9ce7ca8"
	"4bed8521e2e140";

static uint32_t unhex(const char *h, uint8_t *out, uint32_t cap)
{
	uint32_t n = 0;
	for (; h[0] && h[1] && n < cap; h += 2) {
		unsigned v;
		if (sscanf(h, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
	}
	return n;
}

/* records seen: kinds and a few values */
static int nrec;
static char rec_sni[64], rec_alpn[64], rec_name[64], rec_ja4[48], rec_version[16], rec_dcid[48];

static void copy_kv(char *dst, size_t cap, const struct proto_kv *kv)
{
	size_t n = kv->len < cap - 1 ? kv->len : cap - 1;
	if (kv->type == PV_HEXSTR) {
		dst[0] = 0;
		for (uint32_t i = 0; i < kv->len && 2 * i + 2 < cap; i++)
			snprintf(dst + 2 * i, 3, "%02x", kv->v.p[i]);
		return;
	}
	memcpy(dst, kv->v.p, n);
	dst[n] = 0;
}

static void on_rec(void *arg, const struct proto_rec *r)
{
	(void)arg;
	nrec++;
	for (int i = 0; i < r->n; i++) {
		const struct proto_kv *kv = &r->kv[i];
		if (!strcmp(r->kind, "names") && !strcmp(kv->name, "name"))
			copy_kv(rec_name, sizeof rec_name, kv);
		if (strcmp(r->kind, "quic"))
			continue;
		if (!strcmp(kv->name, "server_name"))
			copy_kv(rec_sni, sizeof rec_sni, kv);
		else if (!strcmp(kv->name, "client_protocol"))
			copy_kv(rec_alpn, sizeof rec_alpn, kv);
		else if (!strcmp(kv->name, "ja4"))
			copy_kv(rec_ja4, sizeof rec_ja4, kv);
		else if (!strcmp(kv->name, "version"))
			copy_kv(rec_version, sizeof rec_version, kv);
		else if (!strcmp(kv->name, "client_initial_dcid"))
			copy_kv(rec_dcid, sizeof rec_dcid, kv);
	}
}

struct conn {
	const struct proto_desc *pd;
	unsigned char st[2][4096];
	struct proto_pkt out;
	uint32_t anomalies;
};

static const struct proto_env env = { on_rec, NULL, NULL };
static const uint8_t addr[2][4] = { { 10, 0, 0, 1 }, { 10, 0, 0, 2 } };

static void conn_open(struct conn *c, const struct proto_desc *pd)
{
	memset(c, 0, sizeof *c);
	c->pd = pd;
	if (pd->init) {
		pd->init(c->st[0], 0);
		pd->init(c->st[1], 1);
	}
}

/* One datagram in direction dir; returns the Info column. */
static const char *conn_dgram(struct conn *c, uint8_t dir, const uint8_t *p, uint32_t n)
{
	memset(&c->out, 0, sizeof c->out);
	struct proto_ctx ctx = { .state = c->st[dir], .peer = c->st[!dir], .out = &c->out, .env = &env,
				 .l4 = PROTO_L4_UDP, .alen = 4, .src = addr[dir], .dst = addr[!dir],
				 .is_orig = (uint8_t)!dir };
	struct proto_res r = c->pd->parse(&ctx, dir, (struct slice){ p, n });
	c->anomalies += ctx.anomalies;
	if (r.status != PROTO_OK || r.consumed != n)
		return "(parse did not take the datagram)";
	return c->out.info;
}

static void conn_close(struct conn *c)
{
	struct proto_ctx ctx = { .state = c->st[0], .peer = c->st[1], .env = &env, .l4 = PROTO_L4_UDP };
	if (c->pd->on_flow_end)
		c->pd->on_flow_end(&ctx);
	if (c->pd->fini) {
		c->pd->fini(c->st[0]);
		c->pd->fini(c->st[1]);
	}
}

static int info_is(const char *got, const char *want)
{
	if (strcmp(got, want) == 0)
		return 1;
	printf("# Info \"%s\"\n#  want \"%s\"\n", got, want);
	return 0;
}

/* Client and server Initial of one RFC; checks columns and records. */
static void check_vectors(const struct proto_desc *pd, const char *rfc, const char *chex, const char *shex,
			  const char *version)
{
	static uint8_t cp[1500], sp[200];
	uint32_t cn = unhex(chex, cp, sizeof cp), sn = unhex(shex, sp, sizeof sp);
	static struct conn c;
	conn_open(&c, pd);
	nrec = 0;
	rec_sni[0] = rec_alpn[0] = rec_name[0] = rec_ja4[0] = rec_version[0] = rec_dcid[0] = 0;
	test_reportf(pd->probe(PROTO_L4_UDP, (struct slice){ cp, cn }) == PROBE_YES, "%s: the client Initial probes as QUIC",
		     rfc);
	test_reportf(info_is(conn_dgram(&c, 0, cp, cn), "Initial, DCID=8394c8f03e515708, PKN: 2, CRYPTO, PADDING"),
		     "%s: client Initial decrypted (keys from the DCID, header protection, AES-128-GCM)", rfc);
	test_reportf(!strcmp(c.out.col, "QUIC") && c.out.shown, "%s: Protocol column QUIC", rfc);
	test_reportf(!strcmp(rec_name, "example.com"), "%s: the ClientHello's SNI is a learned name", rfc);
	test_reportf(info_is(conn_dgram(&c, 1, sp, sn), "Initial, SCID=f067a5502a4262b5, PKN: 1, ACK, CRYPTO"),
		     "%s: server Initial decrypted with the server's keys", rfc);
	/* a 1-RTT packet from the client to the server's CID */
	static const uint8_t shrt[] = { 0x41, 0xf0, 0x67, 0xa5, 0x50, 0x2a, 0x42, 0x62, 0xb5, 1, 2, 3, 4, 5, 6,
					7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 };
	test_reportf(info_is(conn_dgram(&c, 0, shrt, sizeof shrt), "Protected Payload (KP0), DCID=f067a5502a4262b5"),
		     "%s: a short header names the server's CID", rfc);
	test_reportf(c.anomalies == 0, "%s: no anomalies on the vectors", rfc);
	conn_close(&c);
	test_reportf(!strcmp(rec_sni, "example.com") && !strcmp(rec_alpn, "alpn") && !strcmp(rec_version, version) &&
			     !strcmp(rec_dcid, "8394c8f03e515708") && rec_ja4[0] == 'q' && strlen(rec_ja4) == 36,
		     "%s: quic record: version %s, dcid %s, server_name %s, client_protocol %s, ja4 %s", rfc,
		     rec_version, rec_dcid, rec_sni, rec_alpn, rec_ja4);
}


/* ---- a sealer for Initial packets, written against OpenSSL's HKDF (EVP_KDF) independently of
 * quic.c's HMAC construction: packets the tests make from their own frames ---- */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

static int seal_hkdf(int mode, const uint8_t *key, size_t klen, const uint8_t *salt, size_t slen,
		     const uint8_t *info, size_t ilen, uint8_t *out, size_t olen)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kc = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM ps[6], *p = ps;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, klen);
	if (salt)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, slen);
	if (info)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, ilen);
	*p = OSSL_PARAM_construct_end();
	int ok = kc && EVP_KDF_derive(kc, out, olen, ps) == 1;
	EVP_KDF_CTX_free(kc);
	EVP_KDF_free(kdf);
	return ok;
}

static int seal_label(const uint8_t sec[32], const char *label, uint8_t *out, uint8_t olen)
{
	uint8_t info[64];
	size_t ll = strlen(label);
	info[0] = 0, info[1] = olen, info[2] = (uint8_t)(6 + ll);
	memcpy(info + 3, "tls13 ", 6);
	memcpy(info + 9, label, ll);
	info[9 + ll] = 0;
	return seal_hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, sec, 32, NULL, 0, info, 10 + ll, out, olen);
}

/* A version 1 Initial (4-byte packet number) carrying `pl`; returns its length. */
static uint32_t seal_initial(const uint8_t *dcid, uint8_t dlen, int server, uint32_t pn, const uint8_t *pl,
			     uint32_t n, uint8_t *out)
{
	static const uint8_t salt[20] = { 0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
					  0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a };
	uint8_t init[32], sec[32], key[16], iv[12], hp[16], mask[16];
	if (!seal_hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, dcid, dlen, salt, 20, NULL, 0, init, 32) ||
	    !seal_label(init, server ? "server in" : "client in", sec, 32) || !seal_label(sec, "quic key", key, 16) ||
	    !seal_label(sec, "quic iv", iv, 12) || !seal_label(sec, "quic hp", hp, 16))
		return 0;
	uint32_t h = 0;
	out[h++] = 0xc3;
	out[h++] = 0, out[h++] = 0, out[h++] = 0, out[h++] = 1;
	out[h++] = dlen;
	memcpy(out + h, dcid, dlen);
	h += dlen;
	out[h++] = 0;                       /* SCID length */
	if (!server)
		out[h++] = 0;               /* token length */
	uint32_t len = 4 + n + 16;
	out[h++] = (uint8_t)(0x40 | len >> 8), out[h++] = (uint8_t)len;
	uint32_t pn_off = h;
	for (int i = 3; i >= 0; i--)
		out[h++] = (uint8_t)(pn >> (8 * i));
	for (int i = 0; i < 4; i++)
		iv[8 + i] ^= (uint8_t)(pn >> (8 * (3 - i)));
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int m = 0;
	int ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, key, iv) == 1 &&
		 EVP_EncryptUpdate(c, NULL, &m, out, (int)h) == 1 && EVP_EncryptUpdate(c, out + h, &m, pl, (int)n) == 1 &&
		 EVP_EncryptFinal_ex(c, out + h + n, &m) == 1 &&
		 EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + h + n) == 1;
	EVP_CIPHER_CTX_free(c);
	c = EVP_CIPHER_CTX_new();
	ok = ok && c && EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, hp, NULL) == 1 &&
	     EVP_EncryptUpdate(c, mask, &m, out + pn_off + 4, 16) == 1;
	EVP_CIPHER_CTX_free(c);
	if (!ok)
		return 0;
	out[0] ^= mask[0] & 0x0f;
	for (int i = 0; i < 4; i++)
		out[pn_off + i] ^= mask[1 + i];
	return h + n + 16;
}

/* The ClientHello of RFC 9001 A.2 (the CRYPTO data of the client Initial). */
static const char rfc_client_hello[] =
	"010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
	"616d706c652e636f6dff01000100000a00080006001d0017001800100007000504616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
	"baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b0003020304000d0010000e0403050306030203080408050806002d00020101001c00024001"
	"003900320408ffffffffffffffff05048000ffff07048000ffff0801100104800075300901100f088394c8f03e51570806048000ffff";

static uint32_t put_crypto(uint8_t *b, uint32_t off, const uint8_t *d, uint32_t n)
{
	uint32_t k = 0;
	b[k++] = 0x06;
	b[k++] = (uint8_t)(0x40 | off >> 8), b[k++] = (uint8_t)off;
	b[k++] = (uint8_t)(0x40 | n >> 8), b[k++] = (uint8_t)n;
	memcpy(b + k, d, n);
	return k + n;
}

/* CRYPTO frames out of order over two datagrams, overlaps, unknown frames, caps. */
static void check_frames(const struct proto_desc *pd)
{
	static const uint8_t dcid[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static uint8_t ch[300], pl[1300], pkt[1400];
	static struct conn c;
	uint32_t chn = unhex(rfc_client_hello, ch, sizeof ch), n = 0, k;
	test_report_result(chn == 241, "the RFC 9001 ClientHello is 241 bytes");
	conn_open(&c, pd);
	nrec = 0;
	rec_name[0] = rec_sni[0] = 0;
	/* datagram 1: the ClientHello's tail first, a PING, padding */
	n = put_crypto(pl, 120, ch + 120, chn - 120);
	pl[n++] = 0x01;
	memset(pl + n, 0, 1000);
	n += 1000;
	k = seal_initial(dcid, 8, 0, 0, pl, n, pkt);
	test_report_result(k && info_is(conn_dgram(&c, 0, pkt, k), "Initial, DCID=0102030405060708, PKN: 0, CRYPTO, PING, PADDING") &&
				   !rec_name[0],
			   "packets this test seals decrypt; the ClientHello's tail alone gives no name");
	/* datagram 2: the head, then a frame overlapping both */
	n = put_crypto(pl, 0, ch, 80);
	n += put_crypto(pl + n, 60, ch + 60, 70);
	memset(pl + n, 0, 900);
	n += 900;
	k = seal_initial(dcid, 8, 0, 1, pl, n, pkt);
	test_report_result(info_is(conn_dgram(&c, 0, pkt, k), "Initial, DCID=0102030405060708, PKN: 1, CRYPTO, CRYPTO, PADDING") &&
				   !strcmp(rec_name, "example.com"),
			   "CRYPTO frames out of order across datagrams, with overlaps, complete the ClientHello");
	test_report_result(c.anomalies == 0, "no anomalies on the reassembly");
	conn_close(&c);
	test_report_result(!strcmp(rec_sni, "example.com") && !strcmp(rec_alpn, "alpn"), "record after reassembly");

	/* an unknown frame type in an Initial ends the frame list; a huge ACK range count; a CRYPTO
	 * offset past the buffer; a CONNECTION_CLOSE */
	static const uint8_t odd[][12] = {
		{ 0x01, 0x08, 0x00, 0x00 },                                     /* PING, STREAM */
		{ 0x02, 0x05, 0x00, 0x7f, 0xff, 0x00 },                         /* ACK, 16383 ranges */
		{ 0x06, 0x80, 0x01, 0x00, 0x00, 0x02, 0x01, 0x02 },             /* CRYPTO at 65536 */
		{ 0x1c, 0x0a, 0x00, 0x03, 'b', 'y', 'e' },                      /* CONNECTION_CLOSE */
	};
	static const char *const want[] = {
		"Initial, DCID=0102030405060708, PKN: 0, PING",
		"Initial, DCID=0102030405060708, PKN: 0, ACK",
		"Initial, DCID=0102030405060708, PKN: 0, CRYPTO, PADDING",
		"Initial, DCID=0102030405060708, PKN: 0, CONNECTION_CLOSE, PADDING",
	};
	for (int i = 0; i < 4; i++) {
		memset(pl, 0, 200);
		memcpy(pl, odd[i], sizeof odd[i]);
		k = seal_initial(dcid, 8, 0, 0, pl, 200, pkt);
		conn_open(&c, pd);
		const char *info = conn_dgram(&c, 0, pkt, k);
		test_reportf(info_is(info, want[i]) && (i == 3 || c.anomalies), "odd frames %d: %s", i, want[i]);
		conn_close(&c);
	}
}

int main(void)
{
	const struct proto_desc *pd = proto_find("quic");
	test_report_result(pd != NULL && pd->init && pd->fini && pd->probe && pd->on_flow_end, "quic is registered");
	if (!pd)
		return 1;
	check_vectors(pd, "RFC 9001", rfc9001_client, rfc9001_server, "1");
	check_vectors(pd, "RFC 9369", rfc9369_client, rfc9369_server, "quicv2");
	check_frames(pd);

	static uint8_t cp[1500], buf[1500];
	uint32_t cn = unhex(rfc9001_client, cp, sizeof cp);
	static struct conn c;

	/* every truncated prefix: no crash, never a decrypted frame list */
	int ok = 1;
	for (uint32_t k = 0; k < cn; k++) {
		conn_open(&c, pd);
		const char *info = conn_dgram(&c, 0, cp, k);
		if (strstr(info, "CRYPTO") || strstr(info, "(parse")) {
			printf("# prefix %u: %s\n", k, info);
			ok = 0;
		}
		conn_close(&c);
	}
	test_report_result(ok, "every truncated prefix of the client Initial is taken without a frame list");

	/* a corrupted tag: header shown, payload not trusted */
	memcpy(buf, cp, cn);
	buf[cn - 1] ^= 1;
	conn_open(&c, pd);
	test_report_result(info_is(conn_dgram(&c, 0, buf, cn), "Initial, DCID=8394c8f03e515708, PKN: 2") && c.anomalies,
			   "a corrupted tag fails authentication: no frames, an anomaly");
	conn_close(&c);

	/* every single byte flipped (one at a time) never crashes nor reads past the datagram */
	ok = 1;
	for (uint32_t i = 0; i < cn; i += 3) {
		memcpy(buf, cp, cn);
		buf[i] ^= 0x5a;
		conn_open(&c, pd);
		if (strstr(conn_dgram(&c, 0, buf, cn), "(parse"))
			ok = 0;
		conn_close(&c);
	}
	test_report_result(ok, "corrupted bytes anywhere are taken safely");

	/* version negotiation */
	static const uint8_t vn[] = { 0x80, 0, 0, 0, 0, 0, 8, 0x9d, 0x57, 0x28, 0x48, 0x12, 0x87, 0xa3, 0xb4,
				      0, 0, 0, 1, 0x1a, 0x2a, 0x3a, 0x4a };
	conn_open(&c, pd);
	conn_dgram(&c, 0, cp, cn);
	test_report_result(info_is(conn_dgram(&c, 1, vn, sizeof vn), "Version Negotiation, SCID=9d5728481287a3b4"),
			   "version negotiation");
	conn_close(&c);

	/* a client Initial followed by bytes that are not a packet of this connection: padding */
	memcpy(buf, cp, cn);
	static const uint8_t tail[] = { 0x52, 0x90, 0xab, 0xcd, 0xf8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
					16, 17, 18, 19, 20 };
	memcpy(buf + cn, tail, sizeof tail);
	conn_open(&c, pd);
	test_report_result(info_is(conn_dgram(&c, 0, buf, cn + (uint32_t)sizeof tail),
				   "Initial, DCID=8394c8f03e515708, PKN: 2, CRYPTO, PADDING"),
			   "trailing bytes with another DCID after a coalesced packet are padding");
	conn_close(&c);

	/* gQUIC Q039 client hello (public header, message hash, STREAM frame with CHLO) */
	static const uint8_t gq[] = { 0x0d, 0x0d, 0x2b, 0xe0, 0xa2, 0x6a, 0xda, 0x33, 0x65, 'Q', '0', '3', '9', 0x01,
				      0xa2, 0xb1, 0x86, 0x41, 0x7b, 0x2b, 0xae, 0xfd, 0xf0, 0xf0, 0x86, 0xf1, 0xa0,
				      0x01, 0x04, 0x00, 'C', 'H', 'L', 'O', 0, 0, 0, 0 };
	const struct proto_desc *gpd = proto_find("gquic");
	test_report_result(pd->probe(PROTO_L4_UDP, (struct slice){ gq, sizeof gq }) == PROBE_NO &&
				   gpd && gpd->probe(PROTO_L4_UDP, (struct slice){ gq, sizeof gq }) == PROBE_YES,
			   "a gQUIC public header with a Q0xx version probes as GQUIC, not QUIC");
	conn_open(&c, gpd);
	test_report_result(info_is(conn_dgram(&c, 0, gq, sizeof gq), "Client Hello, PKN: 1, CID: 949099134673630053") &&
				   !strcmp(c.out.col, "GQUIC"),
			   "gQUIC Q039 client hello: GQUIC, Client Hello, PKN, CID");
	static const uint8_t gq_srv[] = { 0x00, 0x05, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	test_report_result(info_is(conn_dgram(&c, 1, gq_srv, sizeof gq_srv), "Payload (Encrypted), PKN: 5"),
			   "gQUIC server packet: Payload (Encrypted)");
	conn_close(&c);

	/* probes: not QUIC */
	static const uint8_t dns[] = { 0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 3, 'w', 'w', 'w' };
	memcpy(buf, cp, cn);
	buf[1] = 0x10, buf[2] = 0x01; /* version 0x10010000 */
	int unknown_version = pd->probe(PROTO_L4_UDP, (struct slice){ buf, cn }) == PROBE_NO;
	memcpy(buf, cp, cn);
	buf[5] = 4; /* a client Initial's DCID has at least 8 bytes */
	int short_dcid = pd->probe(PROTO_L4_UDP, (struct slice){ buf, cn }) == PROBE_NO;
	test_report_result(pd->probe(PROTO_L4_UDP, (struct slice){ dns, sizeof dns }) == PROBE_NO &&
				   pd->probe(PROTO_L4_TCP, (struct slice){ cp, cn }) == PROBE_NO && unknown_version &&
				   short_dcid && pd->probe(PROTO_L4_UDP, (struct slice){ cp, 100 }) == PROBE_YES,
			   "DNS, TCP, an unknown version and a 4-byte Initial DCID do not probe as QUIC; a cut Initial does");

	/* random datagrams and random long headers with a known version */
	uint32_t seed = 7;
	ok = 1;
	for (int i = 0; i < 20000; i++) {
		uint32_t n = 1 + (seed % 300);
		for (uint32_t k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			buf[k] = (uint8_t)(seed >> 16);
		}
		if (i & 1) {
			buf[0] |= 0xc0;
			buf[1] = 0, buf[2] = 0, buf[3] = 0, buf[4] = 1;
			buf[5] &= 0x1f;
		}
		conn_open(&c, pd);
		if (strstr(conn_dgram(&c, (uint8_t)(i & 2) >> 1, buf, n), "(parse"))
			ok = 0;
		conn_close(&c);
	}
	test_report_result(ok, "random datagrams are taken safely");
	printf("1..%d\n", test_num);
	return test_failed ? 1 : 0;
}
