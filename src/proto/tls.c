/* tls.c: TLS/SSL (RFC 8446, RFC 5246, RFC 6101; SSLv2 records as RFC 6101 appendix E). Records
 * are framed from the byte stream (5-byte header: content type, version, 16-bit length; they may
 * span segments and several may share one), handshake messages are reassembled across records in
 * a bounded per-direction buffer and decoded: hellos (proto/tlshello.c: SNI, ALPN, JA3/JA3S/JA4),
 * the server certificate (OpenSSL), ServerKeyExchange curve. Columns follow tshark 4.0: the
 * Protocol column names the session version once a message other than ClientHello fixed it
 * (the record version before), Info lists each record's messages joined by ", "; bytes that do
 * not start with a known content type are one "Continuation Data" PDU. A "tls" record (Zeek
 * ssl.log names) is emitted when the session is established, or at flow end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/rd.h"
#include "proto/proto.h"
#include "proto/tls.h"
#include "proto/tlshello.h"
#include "proto/tlstree.h"

#define TLS_HS_FIRST_CAP (16u * 1024)  /* hellos and most flights */
#define TLS_HS_MAX_CAP (64u * 1024)    /* certificate chains: beyond, the message is skipped */
#define TLS_SAN_MAX 8
#define TLS_FPS_MAX 4

enum tls_phase { TLS_HEADER = 0, TLS_BODY };
enum tls_role { TLS_ROLE_NONE = 0, TLS_ROLE_CLIENT, TLS_ROLE_SERVER };
enum tls_ct { TLS_CT_CCS = 20, TLS_CT_ALERT = 21, TLS_CT_HANDSHAKE = 22, TLS_CT_APP = 23, TLS_CT_HEARTBEAT = 24 };

/* What the server certificate said (leaf), for the record. */
struct tls_cert_sum {
	uint8_t have, nsan, nfps;
	char subject[256];
	char issuer[256];
	char san[TLS_SAN_MAX][128];
	char fps[TLS_FPS_MAX][65];  /* SHA-256 of each certificate of the chain (hex) */
	int64_t not_before, not_after; /* ns since the epoch */
};

struct tls_state {
	/* record framing */
	uint8_t phase;
	uint8_t seen_v3;     /* an SSLv3/TLS record was framed in this direction */
	uint8_t v2;          /* the current record has an SSLv2 header */
	uint8_t rtype;       /* current record: content type (SSLv2: 0) */
	uint16_t rversion;   /* current record: version */
	uint8_t head[6];     /* current record: its first body bytes */
	uint8_t nhead;
	uint8_t rec_at_msg;  /* the current handshake record starts at a message boundary */
	uint32_t rlen;       /* current record: body length */
	uint32_t left;       /* TLS_BODY: body bytes still to come */
	uint32_t records;
	/* session: kept the same in both directions' states */
	uint16_t sess_version; /* 0 unknown; 2 SSLv2 */
	uint8_t emitted;       /* the tls record was emitted */
	uint8_t v2_enc;        /* SSLv2: the client sent its master key, records are encrypted */
	/* this direction */
	uint8_t role;          /* enum tls_role */
	uint8_t ccs;           /* sent ChangeCipherSpec */
	uint8_t app_after_hello; /* sent an encrypted record after the ServerHello */
	uint8_t hello_done;    /* ServerHello (server) or ClientHello (client) parsed */
	uint8_t resumed, hrr, have_alert, alert_desc;
	uint8_t anomaly_cap;   /* the handshake buffer cap was hit */
	uint8_t sidlen;
	uint16_t version;      /* hello legacy version (client), negotiated version (server) */
	uint16_t cipher, curve;
	uint32_t hs_skip;      /* bytes of an over-long handshake message still to skip */
	uint8_t sid[32];
	uint16_t sni_len;
	uint8_t alpn_len;
	char sni[256];
	char alpn[64];         /* server: the selected protocol */
	char ja3[33];          /* client JA3 / server JA3S */
	char ja4[40];
	/* handshake reassembly: hs[hs_off, hs_len) are bytes not yet parsed */
	uint8_t *hs;           /* owned, malloc'd, freed in fini */
	uint8_t *hs_old;       /* owned: a buffer replaced during the current packet (fields may
	                        * point into it until the packet is rendered); freed later */
	uint32_t hs_cap, hs_len, hs_off;
	uint64_t hs_frame;     /* frame of the last append */
	uint64_t last_frame;   /* frame of the last parse() call */
	struct tls_cert_sum cert;
	struct tls_tdir *tt;   /* owned: the detail tree's copy of the record (-V only); NULL otherwise */
};

_Static_assert(sizeof(struct tls_state) <= 4096, "tls state must fit the per-direction limit");

/* Filter fields (Wireshark names and types, tshark -G fields) */
enum {
	TF_CT = 0, TF_RVER, TF_HTYPE, TF_HVER, TF_CS, TF_SNI, TF_ALPN, TF_SUPVER, TF_JA3, TF_JA3S, TF_CERT, TF_ALEVEL, TF_ADESC, TF_RECORD, TF_OPAQUE,
};
static const struct proto_field tls_fields[] = {
	[TF_CT] = { "tls.record.content_type", PF_UINT, 0, "Content Type" },
	[TF_RVER] = { "tls.record.version", PF_HEX, 4, "Version" },
	[TF_HTYPE] = { "tls.handshake.type", PF_UINT, 0, "Handshake Message Type" },
	[TF_HVER] = { "tls.handshake.version", PF_HEX, 4, "Version" },
	[TF_CS] = { "tls.handshake.ciphersuite", PF_HEX, 4, "Cipher Suite" },
	[TF_SNI] = { "tls.handshake.extensions_server_name", PF_STR, 0, "Server Name" },
	[TF_ALPN] = { "tls.handshake.extensions_alpn_str", PF_STR, 0, "ALPN Next Protocol" },
	[TF_SUPVER] = { "tls.handshake.extensions.supported_version", PF_HEX, 4, "Supported Version" },
	[TF_JA3] = { "tls.handshake.ja3", PF_STR, 0, "JA3" },
	[TF_JA3S] = { "tls.handshake.ja3s", PF_STR, 0, "JA3S" },
	[TF_CERT] = { "tls.handshake.certificate", PF_BYTES, 0, "Certificate" },
	[TF_ALEVEL] = { "tls.alert_message.level", PF_UINT, 0, "Level" },
	[TF_ADESC] = { "tls.alert_message.desc", PF_UINT, 0, "Description" },
	[TF_RECORD] = { "tls.record", PF_NONE, 0, "Record Layer" },
	[TF_OPAQUE] = { "tls.record.opaque_type", PF_UINT, 0, "Opaque Type" },
};

static struct proto_res tls_res(uint8_t status, uint32_t consumed, uint32_t needed)
{
	struct proto_res r = { status, consumed, needed };
	return r;
}

static int tls_type_ok(uint8_t t)
{
	return t >= 20 && t <= 24;
}

/* ---- names (tshark -G values: tls.handshake.type, tls.alert_message.*) ---- */

const char *tls_hs_name(uint8_t t)
{
	switch (t) {
	case 0: return "Hello Request";
	case 1: return "Client Hello";
	case 2: return "Server Hello";
	case 3: return "Hello Verify Request";
	case 4: return "New Session Ticket";
	case 5: return "End of Early Data";
	case 6: return "Hello Retry Request";
	case 8: return "Encrypted Extensions";
	case 11: return "Certificate";
	case 12: return "Server Key Exchange";
	case 13: return "Certificate Request";
	case 14: return "Server Hello Done";
	case 15: return "Certificate Verify";
	case 16: return "Client Key Exchange";
	case 20: return "Finished";
	case 21: return "Client Certificate URL";
	case 22: return "Certificate Status";
	case 23: return "Supplemental Data";
	case 24: return "Key Update";
	case 25: return "Compressed Certificate";
	case 67: return "Encrypted Extensions";
	default: return NULL;
	}
}

static const char *tls_v2_name(uint8_t t)
{
	static const char *const n[] = { NULL, "Client Hello", "Client Master Key", "Client Finished", "Server Hello",
					 "Server Verify", "Server Finished", "Request Certificate", "Client Certificate" };
	return t < sizeof n / sizeof n[0] ? n[t] : NULL;
}

const char *tls_alert_name(uint8_t d)
{
	switch (d) {
	case 0: return "Close Notify";
	case 1: return "End of Early Data";
	case 10: return "Unexpected Message";
	case 20: return "Bad Record MAC";
	case 21: return "Decryption Failed";
	case 22: return "Record Overflow";
	case 30: return "Decompression Failure";
	case 40: return "Handshake Failure";
	case 41: return "No Certificate";
	case 42: return "Bad Certificate";
	case 43: return "Unsupported Certificate";
	case 44: return "Certificate Revoked";
	case 45: return "Certificate Expired";
	case 46: return "Certificate Unknown";
	case 47: return "Illegal Parameter";
	case 48: return "Unknown CA";
	case 49: return "Access Denied";
	case 50: return "Decode Error";
	case 51: return "Decrypt Error";
	case 60: return "Export Restriction";
	case 70: return "Protocol Version";
	case 71: return "Insufficient Security";
	case 80: return "Internal Error";
	case 86: return "Inappropriate Fallback";
	case 90: return "User Canceled";
	case 100: return "No Renegotiation";
	case 109: return "Missing Extension";
	case 110: return "Unsupported Extension";
	case 111: return "Certificate Unobtainable";
	case 112: return "Unrecognized Name";
	case 113: return "Bad Certificate Status Response";
	case 114: return "Bad Certificate Hash Value";
	case 115: return "Unknown PSK Identity";
	case 116: return "Certificate Required";
	case 120: return "No application Protocol";
	case 121: return "ECH Required";
	default: return NULL;
	}
}

/* The Protocol column for a version (tshark's short names); NULL when not a known version. */
const char *tls_col_name(uint16_t v)
{
	switch (v) {
	case 0x0002: return "SSLv2";
	case 0x0300: return "SSLv3";
	case 0x0301: return "TLSv1";
	case 0x0302: return "TLSv1.1";
	case 0x0303: return "TLSv1.2";
	case 0x0304: return "TLSv1.3";
	case 0xfb17: case 0xfb1a: return "TLSv1.3";
	default: break;
	}
	if (v >= 0x7f0e && v <= 0x7f1c)
		return "TLSv1.3";
	return NULL;
}

static int tls_printable(uint8_t c)
{
	return c >= 0x20 && c < 0x7f;
}

static int tls13(uint16_t v)
{
	return v == 0x0304 || (v >> 8) == 0x7f || (v >> 8) == 0xfb;
}

/* ---- session helpers ---- */

static void tls_sess_set(struct proto_ctx *ctx, uint16_t v)
{
	struct tls_state *st = ctx->state, *pe = ctx->peer;
	st->sess_version = v;
	if (pe)
		pe->sess_version = v;
}

static void tls_info_sep(struct proto_ctx *ctx)
{
	if (ctx->out && ctx->out->info_len)
		proto_info_append(ctx, ", ");
}

static void tls_info(struct proto_ctx *ctx, const char *s)
{
	tls_info_sep(ctx);
	proto_info_append(ctx, s);
}

static void tls_col(struct proto_ctx *ctx, uint16_t record_version)
{
	struct tls_state *st = ctx->state;
	const char *n = tls_col_name(st->sess_version ? st->sess_version : record_version);
	proto_col_proto(ctx, n ? n : "SSL");
}

static void tls_copy(char *dst, size_t cap, struct slice s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;
	if (n)
		memcpy(dst, s.p, n);
	dst[n] = 0;
}

/* ---- handshake buffer ---- */

static void tls_hs_release_old(struct proto_ctx *ctx, struct tls_state *st)
{
	if (st->hs_old && (!ctx->out || ctx->frame != st->hs_frame)) {
		free(st->hs_old);
		st->hs_old = NULL;
	}
}

/* Appends record body bytes of a handshake record. Returns 0, -1 when they cannot be kept. */
static int tls_hs_append(struct proto_ctx *ctx, struct tls_state *st, const uint8_t *p, uint32_t n)
{
	if (!n)
		return 0;
	int new_packet = !ctx->out || ctx->frame != st->hs_frame;
	tls_hs_release_old(ctx, st);
	st->hs_frame = ctx->frame;
	if (st->hs_off && (new_packet || st->hs_len + n > st->hs_cap)) {
		/* compact; within one packet only when there is no other room (values already
		 * handed out for this packet stay inside the buffer) */
		memmove(st->hs, st->hs + st->hs_off, st->hs_len - st->hs_off);
		st->hs_len -= st->hs_off;
		st->hs_off = 0;
	}
	if (st->hs_len + n > st->hs_cap) {
		uint32_t want = st->hs_len + n <= TLS_HS_FIRST_CAP ? TLS_HS_FIRST_CAP : TLS_HS_MAX_CAP;
		if (st->hs_len + n > want || st->hs_old)
			return -1;
		uint8_t *nb = malloc(want);
		if (!nb)
			return -1;
		if (st->hs_len)
			memcpy(nb, st->hs, st->hs_len);
		st->hs_old = st->hs;
		st->hs = nb;
		st->hs_cap = want;
		tls_hs_release_old(ctx, st);
	}
	memcpy(st->hs + st->hs_len, p, n);
	st->hs_len += n;
	return 0;
}

static void tls_hs_reset(struct tls_state *st)
{
	st->hs_len = st->hs_off = 0;
}

/* ---- certificates (OpenSSL) ---- */

static int64_t tls_asn1_time_ns(const ASN1_TIME *t)
{
	struct tm tm;
	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return (int64_t)timegm(&tm) * 1000000000;
}

static void tls_name_str(const X509_NAME *n, char *dst, size_t cap)
{
	dst[0] = 0;
	BIO *b = BIO_new(BIO_s_mem());
	if (!b)
		return;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0) {
		char *p;
		long len = BIO_get_mem_data(b, &p);
		if (len > 0) {
			size_t k = (size_t)len < cap - 1 ? (size_t)len : cap - 1;
			memcpy(dst, p, k);
			dst[k] = 0;
		}
	}
	BIO_free(b);
}

static void tls_cert_parse(struct tls_cert_sum *c, const uint8_t *der, uint32_t len)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, len);
	if (!x)
		return;
	c->have = 1;
	tls_name_str(X509_get_subject_name(x), c->subject, sizeof c->subject);
	tls_name_str(X509_get_issuer_name(x), c->issuer, sizeof c->issuer);
	c->not_before = tls_asn1_time_ns(X509_get0_notBefore(x));
	c->not_after = tls_asn1_time_ns(X509_get0_notAfter(x));
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	if (gens) {
		int n = sk_GENERAL_NAME_num(gens);
		for (int i = 0; i < n && c->nsan < TLS_SAN_MAX; i++) {
			const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
			if (g->type != GEN_DNS)
				continue;
			const ASN1_STRING *s = g->d.dNSName;
			struct slice v = { ASN1_STRING_get0_data(s), (uint32_t)ASN1_STRING_length(s) };
			tls_copy(c->san[c->nsan++], sizeof c->san[0], v);
		}
		GENERAL_NAMES_free(gens);
	}
	X509_free(x);
}

/* Parsed leaf certificates by their SHA-256: servers send the same certificate to every client,
 * and decoding X.509 is the dearest thing the TLS dissector does. Direct-mapped, a pure function
 * of the DER bytes, so a hit gives exactly what parsing would. */
#define TLS_CERT_CACHE 256
struct tls_cert_slot {
	uint8_t used;
	uint8_t digest[32];
	struct tls_cert_sum sum; /* leaf fields only (no fps) */
};
static _Thread_local struct tls_cert_slot tls_cert_cache[TLS_CERT_CACHE];

static void tls_cert_leaf(struct tls_cert_sum *c, const uint8_t *der, uint32_t len, const uint8_t digest[32])
{
	struct tls_cert_slot *s = NULL;
	if (digest) {
		s = &tls_cert_cache[(digest[0] | (unsigned)digest[1] << 8) % TLS_CERT_CACHE];
		if (s->used && !memcmp(s->digest, digest, 32)) {
			uint8_t nfps = c->nfps;
			char fps[TLS_FPS_MAX][65];
			memcpy(fps, c->fps, sizeof fps);
			*c = s->sum;
			c->nfps = nfps;
			memcpy(c->fps, fps, sizeof fps);
			return;
		}
	}
	tls_cert_parse(c, der, len);
	if (s) {
		s->used = 1;
		memcpy(s->digest, digest, 32);
		s->sum = *c;
		s->sum.nfps = 0;
	}
}

static void tls_hex32(char out[65], const uint8_t d[32])
{
	static const char hx[] = "0123456789abcdef";
	for (unsigned k = 0; k < 32; k++) {
		out[2 * k] = hx[d[k] >> 4];
		out[2 * k + 1] = hx[d[k] & 15];
	}
	out[64] = 0;
}

/* Certificate message (RFC 5246 7.4.2; TLS 1.3 4.4.2 adds a context and per-entry extensions). */
static void tls_certificate(struct proto_ctx *ctx, struct tls_state *st, struct slice body)
{
	struct rd r = rd_make(body.p, body.len);
	int v13 = tls13(st->sess_version);
	if (v13)
		rd_skip(&r, rd_u8(&r));
	uint32_t total = (uint32_t)rd_u8(&r) << 16 | rd_be16(&r);
	struct rd l = rd_sub(&r, total);
	int want = proto_records_on(ctx) && st->role == TLS_ROLE_SERVER && !st->cert.have;
	for (int i = 0; i < 64 && rd_left(&l) > 0; i++) {
		uint32_t clen = (uint32_t)rd_u8(&l) << 16 | rd_be16(&l);
		const uint8_t *der = rd_bytes(&l, clen);
		if (!der)
			break;
		/* proto.h has no bytes setter: a string value retyped (the renderer shows hex) */
		uint16_t before = ctx->out ? ctx->out->nfv : 0;
		proto_field_s(ctx, TF_CERT, (struct slice){ der, clen });
		if (ctx->out && ctx->out->nfv > before)
			ctx->out->fv[before].type = PF_BYTES;
		if (want) {
			uint8_t d[32];
			int have_d = (i == 0 || st->cert.nfps < TLS_FPS_MAX) && proto_sha256(der, clen, d) == 0;
			if (have_d && st->cert.nfps < TLS_FPS_MAX)
				tls_hex32(st->cert.fps[st->cert.nfps++], d);
			if (i == 0)
				tls_cert_leaf(&st->cert, der, clen, have_d ? d : NULL);
		}
		if (v13)
			rd_skip(&l, rd_be16(&l));
	}
	if (!rd_ok(&r) || !rd_ok(&l))
		ctx->anomalies++;
}

/* ---- hellos ---- */

static const uint8_t tls_hrr_random[32] = { 0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
					    0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
					    0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c };

static void tls_hello_fields(struct proto_ctx *ctx, const struct tls_hello *h, int client)
{
	proto_field_u(ctx, TF_HVER, h->legacy_version);
	if (client)
		for (uint16_t i = 0; i < h->ncs; i++)
			proto_field_u(ctx, TF_CS, h->cs[i]);
	else
		proto_field_u(ctx, TF_CS, h->cipher);
	if (h->sni.len)
		proto_field_s(ctx, TF_SNI, h->sni);
	for (uint8_t i = 0; i < h->nalpn; i++)
		proto_field_s(ctx, TF_ALPN, h->alpn[i]);
	for (uint8_t i = 0; i < h->nver; i++)
		proto_field_u(ctx, TF_SUPVER, h->versions[i]);
	if (h->selected_version)
		proto_field_u(ctx, TF_SUPVER, h->selected_version);
}

void tls_hello_export(struct proto_ctx *ctx, const struct tls_hello *h, int client, char ja3[33])
{
	int tls = proto_index("tls");
	if (tls < 0 || !ctx->out)
		return;
	uint8_t own = ctx->proto_idx;
	ctx->proto_idx = (uint8_t)tls; /* the fields below are TLS's */
	proto_mark(ctx, ctx->proto_idx);
	tls_ja3(h, client, NULL, 0, ja3);
	proto_field_u(ctx, TF_HTYPE, client ? TLS_HS_CLIENT_HELLO : TLS_HS_SERVER_HELLO);
	tls_hello_fields(ctx, h, client);
	proto_field_s(ctx, client ? TF_JA3 : TF_JA3S, proto_slice_cstr(ja3));
	ctx->proto_idx = own;
}

static void tls_client_hello(struct proto_ctx *ctx, struct tls_state *st, struct slice body)
{
	struct tls_hello h;
	if (tls_hello_parse(body, 1, &h) < 0)
		ctx->anomalies++;
	st->role = TLS_ROLE_CLIENT;
	st->hello_done = 1;
	st->version = h.legacy_version;
	st->sidlen = (uint8_t)h.session_id.len;
	if (h.session_id.len)
		memcpy(st->sid, h.session_id.p, h.session_id.len);
	tls_copy(st->sni, sizeof st->sni, h.sni);
	st->sni_len = (uint16_t)strlen(st->sni);
	if (h.nalpn)
		tls_copy(st->alpn, sizeof st->alpn, h.alpn[0]);
	tls_ja3(&h, 1, NULL, 0, st->ja3);
	tls_ja4(&h, 't', st->ja4);
	tls_hello_fields(ctx, &h, 1);
	proto_field_s(ctx, TF_JA3, proto_slice_cstr(st->ja3));
	if (h.sni.len && ctx->dst)
		proto_emit_name(ctx, ctx->dst, ctx->alen, h.sni, "tls_sni");
}

static void tls_server_hello(struct proto_ctx *ctx, struct tls_state *st, struct slice body)
{
	struct tls_hello h;
	struct tls_state *pe = ctx->peer;
	if (tls_hello_parse(body, 0, &h) < 0)
		ctx->anomalies++;
	st->role = TLS_ROLE_SERVER;
	st->hello_done = 1;
	st->hrr = body.len >= 34 && !memcmp(body.p + 2, tls_hrr_random, 32);
	st->cipher = h.cipher;
	st->version = tls_hello_version(&h, 0);
	if (h.key_share_group)
		st->curve = h.key_share_group;
	if (h.nalpn)
		tls_copy(st->alpn, sizeof st->alpn, h.alpn[0]);
	st->alpn_len = (uint8_t)strlen(st->alpn);
	if (tls13(st->version))
		st->resumed = tls_hello_has_ext(&h, 41); /* pre_shared_key accepted */
	else if (pe && h.session_id.len && pe->sidlen == h.session_id.len &&
		 !memcmp(pe->sid, h.session_id.p, h.session_id.len))
		st->resumed = 1;
	tls_ja3(&h, 0, NULL, 0, st->ja3);
	if (st->version)
		tls_sess_set(ctx, st->version);
	tls_hello_fields(ctx, &h, 0);
	proto_field_s(ctx, TF_JA3S, proto_slice_cstr(st->ja3));
}

/* ServerKeyExchange with an ECDHE suite: ECParameters curve_type named_curve (3) and the group. */
static void tls_server_key_exchange(struct tls_state *st, struct slice body)
{
	const char *cn = tls_cipher_name(st->cipher);
	if (!cn || !strstr(cn, "ECDHE"))
		return;
	struct rd r = rd_make(body.p, body.len);
	uint8_t type = rd_u8(&r);
	uint16_t group = rd_be16(&r);
	if (rd_ok(&r) && type == 3)
		st->curve = group;
}

/* One complete handshake message. */
static void tls_hs_message(struct proto_ctx *ctx, struct tls_state *st, uint8_t type, struct slice body)
{
	const char *name = tls_hs_name(type);
	if (type == TLS_HS_SERVER_HELLO && body.len >= 34 && !memcmp(body.p + 2, tls_hrr_random, 32))
		name = "Hello Retry Request";
	tls_info(ctx, name);
	proto_field_u(ctx, TF_HTYPE, type);
	switch (type) {
	case TLS_HS_CLIENT_HELLO:
		tls_client_hello(ctx, st, body);
		break;
	case TLS_HS_SERVER_HELLO:
		tls_server_hello(ctx, st, body);
		break;
	case TLS_HS_CERTIFICATE:
		tls_certificate(ctx, st, body);
		break;
	case TLS_HS_SERVER_KEY_EXCHANGE:
		tls_server_key_exchange(st, body);
		break;
	default:
		break;
	}
}

/* Parses the complete messages in the handshake buffer. */
static void tls_hs_drain(struct proto_ctx *ctx, struct tls_state *st)
{
	for (int guard = 0; guard < 256; guard++) {
		struct rd r = rd_make(st->hs + st->hs_off, st->hs_len - st->hs_off);
		uint8_t type = rd_u8(&r);
		uint32_t len = (uint32_t)rd_u8(&r) << 16 | rd_be16(&r);
		if (!rd_ok(&r))
			return;
		if (!tls_hs_name(type)) {
			/* not a message we know: the rest of the buffer is not trusted */
			ctx->anomalies++;
			tls_hs_reset(st);
			return;
		}
		if (len + 4 > TLS_HS_MAX_CAP) {
			/* too long to keep: name it, skip its bytes */
			tls_info(ctx, tls_hs_name(type));
			ctx->anomalies++;
			uint32_t have = st->hs_len - st->hs_off - 4;
			st->hs_skip = len - have;
			tls_hs_reset(st);
			return;
		}
		const uint8_t *body = rd_bytes(&r, len);
		if (!body)
			return;
		st->hs_off += 4 + len;
		tls_hs_message(ctx, st, type, (struct slice){ body, len });
	}
}

/* ---- records ---- */

/* The handshake record's bytes do not look like plaintext messages (encrypted Finished, or a
 * stream picked up in the middle). */
static int tls_hs_encrypted(const struct tls_state *st)
{
	if (st->ccs && !tls13(st->sess_version))
		return 1;
	/* a record starting a message: its type must be known */
	return st->rec_at_msg && (st->nhead < 4 || !tls_hs_name(st->head[0]));
}

/* Body bytes of the current record as they pass. */
static void tls_body_bytes(struct proto_ctx *ctx, struct tls_state *st, const uint8_t *p, uint32_t n)
{
	uint32_t off = st->rlen - st->left; /* offset of p in the record body */
	tls_tree_bytes(st->tt, p, n);
	for (uint32_t i = 0; i < n && off + i < sizeof st->head; i++)
		st->head[st->nhead++] = p[i];
	if (st->v2 || st->rtype != TLS_CT_HANDSHAKE)
		return;
	if (st->hs_skip) {
		uint32_t k = n < st->hs_skip ? n : st->hs_skip;
		st->hs_skip -= k;
		p += k;
		n -= k;
		if (!n)
			return;
	}
	if (off == 0 && st->hs_len == st->hs_off && n >= 4) {
		uint32_t len = (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		if ((st->ccs && !tls13(st->sess_version)) || !tls_hs_name(p[0]) || len > 0xffffff)
			return; /* encrypted: not kept */
	}
	if (tls_hs_append(ctx, st, p, n) < 0) {
		if (!st->anomaly_cap)
			ctx->anomalies++;
		st->anomaly_cap = 1;
		tls_hs_reset(st);
	}
}

static void tls_alert(struct proto_ctx *ctx, struct tls_state *st)
{
	const char *lv = st->nhead >= 2 ? (st->head[0] == 1 ? "Warning" : st->head[0] == 2 ? "Fatal" : NULL) : NULL;
	const char *ds = st->nhead >= 2 ? tls_alert_name(st->head[1]) : NULL;
	tls_info_sep(ctx);
	if (st->rlen == 2 && lv && ds && !(st->ccs && !tls13(st->sess_version))) {
		proto_info_printf(ctx, "Alert (Level: %s, Description: %s)", lv, ds);
		proto_field_u(ctx, TF_ALEVEL, st->head[0]);
		proto_field_u(ctx, TF_ADESC, st->head[1]);
		st->have_alert = 1;
		st->alert_desc = st->head[1];
	} else {
		proto_info_append(ctx, "Encrypted Alert");
	}
}

static void tls_v2_record(struct proto_ctx *ctx, struct tls_state *st)
{
	struct tls_state *pe = ctx->peer;
	uint8_t mt = st->nhead ? st->head[0] : 0;
	proto_field_none(ctx, TF_RECORD);
	proto_field_u(ctx, TF_RVER, 0x0002);
	if (st->v2_enc || !tls_v2_name(mt)) {
		tls_info(ctx, "Encrypted Data");
	} else {
		tls_info(ctx, tls_v2_name(mt));
		proto_field_u(ctx, TF_HTYPE, mt);
		if (mt == 1) {
			st->role = TLS_ROLE_CLIENT;
			st->version = 0x0002;
		}
		if (mt == 4) {
			st->role = TLS_ROLE_SERVER;
			st->version = 0x0002;
			tls_sess_set(ctx, 0x0002);
		}
		if (mt == 2) {
			st->v2_enc = 1;
			if (pe)
				pe->v2_enc = 1;
		}
	}
	proto_col_proto(ctx, "SSLv2");
}

static int tls_records_ready(const struct tls_state *a, const struct tls_state *b);
static void tls_emit(struct proto_ctx *ctx);

/* The detail tree of the record that ended (-V only). */
static void tls_draw(struct proto_ctx *ctx, struct tls_state *st)
{
	if (!st->tt || !proto_tree_on(ctx))
		return;
	const struct tls_state *pe = ctx->peer;
	const struct tls_state *srv = st->role == TLS_ROLE_SERVER ? st : pe && pe->role == TLS_ROLE_SERVER ? pe : NULL;
	struct tls_tinfo ti = {
		.sess_version = st->sess_version,
		.cipher = srv ? srv->cipher : 0,
		.hs_encrypted = (uint8_t)tls_hs_encrypted(st),
		.after_ccs = (uint8_t)(st->ccs && !tls13(st->sess_version)),
		.v2_encrypted = st->v2_enc,
		.resumed = (uint8_t)(srv && srv->resumed && !tls13(srv->version)),
		.alpn = srv ? srv->alpn : "",
		.sport = ctx->sport,
		.dport = ctx->dport,
	};
	tls_tree_end(ctx, st->tt, &ti);
}

/* A record ended: columns, fields, handshake messages. */
static void tls_record_done(struct proto_ctx *ctx, struct tls_state *st)
{
	struct tls_state *pe = ctx->peer;
	st->records++;
	if (st->v2) {
		tls_v2_record(ctx, st);
		tls_draw(ctx, st);
		return;
	}
	proto_field_none(ctx, TF_RECORD);
	/* TLS 1.3 protected records: the type field is the outer opaque_type */
	proto_field_u(ctx, st->rtype == TLS_CT_APP && tls13(st->sess_version) ? TF_OPAQUE : TF_CT, st->rtype);
	proto_field_u(ctx, TF_RVER, st->rversion);
	/* a message other than a ClientHello fixes the session version (tshark) */
	int authoritative = st->rtype != TLS_CT_HANDSHAKE || (st->nhead && st->head[0] != TLS_HS_CLIENT_HELLO &&
							       st->head[0] != 0);
	if (!st->sess_version && authoritative && tls_col_name(st->rversion) && st->rversion != 0x0002)
		tls_sess_set(ctx, st->rversion);
	switch (st->rtype) {
	case TLS_CT_CCS:
		tls_info(ctx, "Change Cipher Spec");
		st->ccs = 1;
		break;
	case TLS_CT_ALERT:
		tls_alert(ctx, st);
		break;
	case TLS_CT_HANDSHAKE:
		if (tls_hs_encrypted(st)) {
			tls_info(ctx, "Encrypted Handshake Message");
			tls_hs_reset(st);
		} else {
			if (st->hs)
				tls_hs_drain(ctx, st);
		}
		break;
	case TLS_CT_APP:
		tls_info(ctx, "Application Data");
		if (pe && (pe->role == TLS_ROLE_SERVER ? pe->hello_done : st->hello_done))
			st->app_after_hello = 1;
		break;
	case TLS_CT_HEARTBEAT:
		if (st->rlen >= 3 && (st->head[0] == 1 || st->head[0] == 2) && !(st->ccs && !tls13(st->sess_version)))
			tls_info(ctx, st->head[0] == 1 ? "Heartbeat Request" : "Heartbeat Response");
		else
			tls_info(ctx, "Encrypted Heartbeat");
		break;
	default:
		tls_info(ctx, "Ignored Unknown Record");
		break;
	}
	tls_col(ctx, st->rversion);
	tls_draw(ctx, st);
	if (!st->emitted && pe && tls_records_ready(st, pe))
		tls_emit(ctx);
}

static struct proto_res tls_parse(struct proto_ctx *ctx, uint8_t dir, struct slice d)
{
	struct tls_state *st = ctx->state;
	struct tls_state *pe = ctx->peer;
	(void)dir;
	ctx->info = PROTO_INFO_CLEAR;
	if (!st->sess_version && pe && pe->sess_version)
		st->sess_version = pe->sess_version; /* after a restart of this direction */
	if (pe && pe->emitted)
		st->emitted = 1;
	int first_call = ctx->frame != st->last_frame; /* the slice starts the segment */
	st->last_frame = ctx->frame;
	if (st->phase == TLS_BODY) {
		uint32_t n = d.len < st->left ? d.len : st->left;
		tls_body_bytes(ctx, st, d.p, n);
		st->left -= n;
		if (!st->left) {
			st->phase = TLS_HEADER;
			tls_record_done(ctx, st);
			return tls_res(PROTO_OK, n, 0);
		}
		return tls_res(PROTO_NEED_MORE, n, st->left);
	}
	if (first_call && d.len > 4 && tls_printable(d.p[0]) && tls_printable(d.p[1]) && tls_printable(d.p[2]) &&
	    tls_printable(d.p[3]))
		/* as tshark: a segment starting with four printable characters is clear text, not
		 * TLS; the packet stays TCP's (no columns) */
		return tls_res(PROTO_OK, d.len, 0);
	struct rd r = rd_make(d.p, d.len);
	uint8_t type = rd_u8(&r);
	if (!rd_ok(&r))
		return tls_res(PROTO_NEED_MORE, 0, 0);
	uint32_t hlen, blen;
	int v2_start = !st->seen_v3 && st->records == 0 && (type & 0x80) && d.len >= 3 && d.p[2] == 1;
	int v2_sess = st->sess_version == 0x0002 || (pe && pe->sess_version == 0x0002) ||
		      (pe && pe->v2 && !pe->seen_v3 && !st->seen_v3 && st->records == 0 && (type & 0x80));
	if (v2_start || (v2_sess && !tls_type_ok(type))) {
		/* SSLv2 record: two-byte header (high bit set) or three-byte header with padding */
		if (d.len < 3 && !(type & 0x80))
			return tls_res(PROTO_NEED_MORE, 0, 0);
		uint8_t b1 = rd_u8(&r);
		if (!rd_ok(&r))
			return tls_res(PROTO_NEED_MORE, 0, 0);
		if (type & 0x80) {
			hlen = 2;
			blen = (uint32_t)(type & 0x7f) << 8 | b1;
		} else {
			hlen = 3;
			blen = (uint32_t)(type & 0x3f) << 8 | b1;
		}
		st->v2 = 1;
		st->rtype = 0;
		st->rversion = 0x0002;
	} else {
		if (d.len < 5)
			return tls_res(PROTO_NEED_MORE, 0, 0); /* Wireshark waits for the whole header */
		uint16_t rv = (uint16_t)(d.p[1] << 8 | d.p[2]);
		uint16_t sv = st->sess_version;
		if (sv == 0x0300 || (sv >= 0x0301 && sv <= 0x0303)) {
			if (!tls_type_ok(type)) {
				/* tshark frames it as a record anyway, ignored (to its end or the
				 * end of the segment) */
				uint32_t len = (uint32_t)d.p[3] << 8 | d.p[4];
				tls_info(ctx, "Ignored Unknown Record");
				proto_col_proto(ctx, tls_col_name(sv));
				return tls_res(PROTO_OK, 5 + len < d.len ? 5 + len : d.len, 0);
			}
		} else if (!tls_type_ok(type) || !(rv == 0x0300 || (rv >= 0x0301 && rv <= 0x0303))) {
			/* not a record header (tshark's check for SSLv3/TLS): "Continuation Data",
			 * the rest of the segment */
			tls_info(ctx, "Continuation Data");
			const char *n = tls_col_name(sv);
			proto_col_proto(ctx, n ? n : "SSL");
			return tls_res(PROTO_OK, d.len, 0);
		}
		st->rversion = rd_be16(&r);
		blen = rd_be16(&r);
		hlen = 5;
		if (!rd_ok(&r))
			return tls_res(PROTO_NEED_MORE, 0, 0);
		st->seen_v3 = 1;
		st->v2 = 0;
		st->rtype = type;
	}
	st->rlen = blen;
	st->left = blen;
	tls_tree_begin(ctx, &st->tt, st->v2, st->rtype, st->rversion, blen, st->sess_version);
	st->nhead = 0;
	st->rec_at_msg = st->hs_len == st->hs_off && !st->hs_skip;
	uint32_t avail = d.len - hlen;
	uint32_t n = avail < blen ? avail : blen;
	tls_body_bytes(ctx, st, d.p + hlen, n);
	st->left -= n;
	if (!st->left) {
		tls_record_done(ctx, st);
		return tls_res(PROTO_OK, hlen + blen, 0);
	}
	st->phase = TLS_BODY;
	return tls_res(PROTO_NEED_MORE, d.len, st->left);
}

static int tls_skip(struct proto_ctx *ctx, uint8_t dir, uint32_t n)
{
	struct tls_state *st = ctx->state;
	(void)dir;
	if (st->phase == TLS_BODY && n < st->left) {
		st->left -= n;
		/* the handshake bytes of this record are lost */
		if (st->rtype == TLS_CT_HANDSHAKE)
			tls_hs_reset(st);
		st->hs_skip = 0;
		return 0;
	}
	return -1;
}

/* ---- the "tls" record (Zeek ssl.log) ---- */

static int tls_records_ready(const struct tls_state *a, const struct tls_state *b)
{
	const struct tls_state *c = a->role == TLS_ROLE_CLIENT ? a : b->role == TLS_ROLE_CLIENT ? b : NULL;
	const struct tls_state *s = a->role == TLS_ROLE_SERVER ? a : b->role == TLS_ROLE_SERVER ? b : NULL;
	if (!c || !s || !s->hello_done || s->hrr)
		return 0;
	if (tls13(s->version))
		return c->app_after_hello;
	return c->ccs && s->ccs;
}

static void tls_emit(struct proto_ctx *ctx)
{
	struct tls_state *a = ctx->state, *b = ctx->peer;
	if (!b || a->emitted)
		return;
	a->emitted = b->emitted = 1;
	if (!proto_records_on(ctx))
		return;
	const struct tls_state *c = a->role == TLS_ROLE_CLIENT ? a : b->role == TLS_ROLE_CLIENT ? b : NULL;
	const struct tls_state *s = a->role == TLS_ROLE_SERVER ? a : b->role == TLS_ROLE_SERVER ? b : NULL;
	if (!c && !s && a->sess_version != 0x0002)
		return;
	struct proto_rec r;
	proto_rec_init(&r, "tls");
	uint16_t ver = s ? s->version : a->sess_version;
	const char *vn = tls_version_name(ver);
	if (vn)
		proto_rec_cstr(&r, "version", vn);
	char unk[24]; /* lives until proto_emit: the record borrows it */
	if (s && s->hello_done) {
		const char *cn = tls_cipher_name(s->cipher);
		if (!cn) {
			snprintf(unk, sizeof unk, "unknown-%u", s->cipher);
			cn = unk;
		}
		proto_rec_cstr(&r, "cipher", cn);
		const char *gn = s->curve ? tls_group_name(s->curve) : NULL;
		if (gn)
			proto_rec_cstr(&r, "curve", gn);
	}
	if (c && c->sni_len)
		proto_rec_str(&r, "server_name", (struct slice){ (const uint8_t *)c->sni, c->sni_len });
	if (s && s->hello_done)
		proto_rec_bool(&r, "resumed", s->resumed);
	if (s && s->alpn_len)
		proto_rec_cstr(&r, "next_protocol", s->alpn);
	const struct tls_state *al = a->have_alert ? a : b->have_alert ? b : NULL;
	char alert[48];
	if (al && tls_alert_name(al->alert_desc)) {
		/* the RFC's identifier (handshake_failure), as Zeek writes it */
		size_t k = 0;
		for (const char *p = tls_alert_name(al->alert_desc); *p && k + 1 < sizeof alert; p++)
			alert[k++] = *p == ' ' ? '_' : (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		alert[k] = 0;
		proto_rec_cstr(&r, "last_alert", alert);
	}
	proto_rec_bool(&r, "established", c && s && tls_records_ready(a, b));
	if (c && c->ja3[0])
		proto_rec_cstr(&r, "ja3", c->ja3);
	if (s && s->ja3[0])
		proto_rec_cstr(&r, "ja3s", s->ja3);
	if (c && c->ja4[0])
		proto_rec_cstr(&r, "ja4", c->ja4);
	if (s && s->cert.have) {
		const struct tls_cert_sum *k = &s->cert;
		for (uint8_t i = 0; i < k->nfps; i++)
			proto_rec_push_str(&r, "cert_chain_fps", proto_slice_cstr(k->fps[i]));
		proto_rec_cstr(&r, "subject", k->subject);
		proto_rec_cstr(&r, "issuer", k->issuer);
		proto_rec_time(&r, "certificate.not_valid_before", k->not_before);
		proto_rec_time(&r, "certificate.not_valid_after", k->not_after);
		for (uint8_t i = 0; i < k->nsan; i++)
			proto_rec_push_str(&r, "san.dns", proto_slice_cstr(k->san[i]));
	}
	proto_emit(ctx, &r);
}

static void tls_on_flow_end(struct proto_ctx *ctx)
{
	struct tls_state *a = ctx->state, *b = ctx->peer;
	if (!b || a->emitted || b->emitted)
		return;
	if (a->hello_done || b->hello_done || a->sess_version == 0x0002)
		tls_emit(ctx);
}

static void tls_fini(void *state)
{
	struct tls_state *st = state;
	free(st->hs);
	free(st->hs_old);
	st->hs = st->hs_old = NULL;
	st->hs_cap = st->hs_len = st->hs_off = 0;
	tls_tree_free(&st->tt);
}

static void tls_init(void *state, uint8_t dir)
{
	(void)state;
	(void)dir;
}

/* A handshake record with a plausible version and length. */
static enum proto_probe tls_probe(uint8_t l4, struct slice d)
{
	struct rd r = rd_make(d.p, d.len);
	uint8_t type = rd_u8(&r), vmaj = rd_u8(&r), vmin = rd_u8(&r);
	uint16_t len = rd_be16(&r);
	uint8_t hs = rd_u8(&r);
	(void)l4;
	if (!rd_ok(&r))
		return PROBE_MAYBE;
	if (type == 22 && vmaj == 3 && vmin <= 4 && len >= 4 && len <= 16384 + 2048 && (hs == 1 || hs == 2))
		return PROBE_YES;
	return PROBE_NO;
}

/* Wireshark 4.0's TLS port table (tshark -G decodes) */
static const uint16_t tls_ports[] = { 443, 465, 636, 853, 993, 995, 324, 802, 1300, 2221, 2443, 3249, 3250, 3251,
				      3252, 3496, 5061, 5671, 5684, 5868, 8883, 11207, 19999, 27017, 0 };

const struct proto_desc proto_tls = {
	.name = "tls",
	.l4 = PROTO_L4_TCP,
	.ws_heuristic = 1, /* tshark -G heuristic-decodes: "tcp tls T" */
	.ports = tls_ports,
	.probe = tls_probe,
	.state_size = sizeof(struct tls_state),
	.init = tls_init,
	.fini = tls_fini,
	.parse = tls_parse,
	.skip = tls_skip,
	.on_flow_end = tls_on_flow_end,
	.fields = tls_fields,
	.nfields = sizeof tls_fields / sizeof tls_fields[0],
	.col_name = "TLS",
	.tcp_prefix_sep = ", ",
};
