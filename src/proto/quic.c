/* quic.c: QUIC version 1 (RFC 9000, packet protection RFC 9001) and version 2 (RFC 9369) over
 * UDP (Google's Q0xx versions are gquic.c's). Long and short headers,
 * version negotiation, coalesced packets in one datagram; Initial packets are decrypted with
 * the keys every observer can derive from the client's first Destination Connection ID (RFC 9001
 * section 5.2, RFC 9369 section 3.3.1): HKDF-SHA256 (HMAC from OpenSSL), AES-128-ECB header
 * protection and AEAD_AES_128_GCM. The client's CRYPTO stream is reassembled (bounded) up to the
 * ClientHello, which tlshello.c parses (SNI, ALPN, JA4 with the 'q' prefix).
 *
 * Columns follow tshark 4.0: each QUIC packet of a datagram rewrites Info, so the last packet
 * of a coalesced datagram is what the packet list shows. Handshake, 0-RTT and 1-RTT packets need
 * secrets we do not have: only their headers are shown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/rd.h"
#include "proto/proto.h"
#include "proto/gquic.h"
#include "proto/tls.h"
#include "proto/tlshello.h"

#define QUIC_V1 0x00000001u
#define QUIC_V2 0x6b3343cfu
#define QUIC_CID_MAX 20          /* RFC 9000 section 17.2: at most 20 bytes in version 1 */
#define QUIC_CRYPTO_CAP 16384    /* client CRYPTO stream kept for the ClientHello */
#define QUIC_PKTS_MAX 16         /* QUIC packets looked at per datagram */
#define QUIC_FRAMES_MAX 1024     /* frames per decrypted packet */
#define QUIC_ACK_RANGES_MAX 256
#define QUIC_SNI_MAX 255
#define QUIC_ALPN_MAX 64
#define QUIC_HIST_MAX 16

enum quic_ptype { QPT_INITIAL = 0, QPT_0RTT, QPT_HANDSHAKE, QPT_RETRY };

/* Filter fields (Wireshark names); indexes used by proto_field_*. */
enum {
	QF_VERSION, QF_HEADER_FORM, QF_LONG_TYPE, QF_LONG_TYPE_V2, QF_DCID, QF_SCID, QF_DCIL, QF_SCIL,
	QF_PKN, QF_FRAME_TYPE, QF_PACKET_LENGTH, QF_SUPPORTED_VERSION, QF_SHORT,
};

static const struct proto_field quic_fields[] = {
	{ "quic.version", PF_HEX, 8, "Version" },
	{ "quic.header_form", PF_UINT, 0, "Header Form" },
	{ "quic.long.packet_type", PF_UINT, 0, "Packet Type" },
	{ "quic.long.packet_type_v2", PF_UINT, 0, "Packet Type" },
	{ "quic.dcid", PF_BYTES, 0, "Destination Connection ID" },
	{ "quic.scid", PF_BYTES, 0, "Source Connection ID" },
	{ "quic.dcil", PF_UINT, 0, "Destination Connection ID Length" },
	{ "quic.scil", PF_UINT, 0, "Source Connection ID Length" },
	{ "quic.packet_number", PF_UINT, 0, "Packet Number" },
	{ "quic.frame_type", PF_UINT, 0, "Frame Type" },
	{ "quic.packet_length", PF_UINT, 0, "Packet Length" },
	{ "quic.supported_version", PF_HEX, 8, "Supported Version" },
	{ "quic.short", PF_NONE, 0, "QUIC Short Header" },
};

/* Initial packet protection keys of one sender (RFC 9001 section 5). */
struct quic_keys {
	uint8_t ok;
	uint32_t version;
	uint8_t key[16], iv[12], hp[16];
};

/* What the client direction keeps outside the flow state (malloc'd, freed in fini). */
struct quic_hello {
	uint8_t data[QUIC_CRYPTO_CAP];          /* CRYPTO stream bytes by offset */
	uint8_t have[QUIC_CRYPTO_CAP / 8];      /* bit per byte received */
	uint32_t contig;                        /* bytes [0, contig) all received */
	uint8_t done;                           /* ClientHello parsed (or given up) */
	uint8_t parsed;                         /* ... and it parsed */
	uint8_t sni_len, alpn_len;
	char sni[QUIC_SNI_MAX];
	char alpn[QUIC_ALPN_MAX];
	char ja4[40];
};

/* Per direction (state_size). Connection-wide facts live in direction 0's state. */
struct quic_dir {
	uint8_t dir;              /* this state's direction (from init) */
	uint8_t seen_long;        /* a long header was seen in this direction */
	uint8_t scid_len;         /* this endpoint's CID as tshark learns it: the client's SCID of its
	                           * first Initial, the server's SCID of its last Initial or Retry */
	uint8_t scid[QUIC_CID_MAX];
	struct quic_keys init;    /* Initial keys of the packets this direction sends */
	uint64_t largest_pn;      /* Initial space */
	uint8_t have_pn;
	struct quic_hello *hello; /* owned; client direction only; NULL until a CRYPTO frame */
	/* connection (direction 0's copy only) */
	uint8_t have_client;      /* the first Initial was seen */
	uint8_t client_dir;
	uint8_t logged;           /* the quic record was emitted */
	uint32_t version;         /* of the client's first Initial */
	uint32_t cur_version;     /* the Initial keys' version (a server Initial may change it) */
	uint8_t odcid_len;        /* DCID the Initial keys derive from (client's first, or Retry's) */
	uint8_t odcid[QUIC_CID_MAX];
	uint8_t first_dcid_len;   /* client's first DCID, for the record */
	uint8_t first_dcid[QUIC_CID_MAX];
	uint8_t client_scid_len;
	uint8_t client_scid[QUIC_CID_MAX];
	uint8_t server_scid_len;
	uint8_t server_scid[QUIC_CID_MAX];
	uint8_t nhist;
	char hist[QUIC_HIST_MAX];
	char ja3[33];             /* JA3 (client) or JA3S (server) of this direction's hello */
};

static struct proto_res quic_res(uint8_t status, uint32_t consumed)
{
	struct proto_res r = { status, consumed, 0 };
	return r;
}

/* ---- crypto (RFC 9001 section 5, RFC 5869, RFC 8446 section 7.1) ---- */

static const uint8_t quic_salt_v1[20] = { 0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
					  0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a };
static const uint8_t quic_salt_v2[20] = { 0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
					  0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9 };

/* draft-ietf-quic-tls-23..28 and -29..32; tshark 4.0 also takes the latter for versions it
 * does not know (e.g. the 0x?a?a?a?a versions that force version negotiation) */
static const uint8_t quic_salt_d23[20] = { 0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
					   0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02 };
static const uint8_t quic_salt_d29[20] = { 0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
					   0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99 };

static const uint8_t *quic_salt(uint32_t version)
{
	if (version == QUIC_V1)
		return quic_salt_v1;
	if (version == QUIC_V2)
		return quic_salt_v2;
	if ((version >> 8) == 0xff0000 && (version & 0xff) >= 23 && (version & 0xff) <= 28)
		return quic_salt_d23;
	return quic_salt_d29;
}

static int quic_hmac(const uint8_t *key, size_t klen, const uint8_t *d, size_t n, uint8_t out[32])
{
	unsigned int len = 0;
	return HMAC(EVP_sha256(), key, (int)klen, d, n, out, &len) != NULL && len == 32;
}

/* HKDF-Expand-Label(secret, label, "", outlen) with outlen <= 32 (one HMAC block). */
static int quic_expand_label(const uint8_t secret[32], const char *label, uint8_t *out, uint8_t outlen)
{
	uint8_t info[2 + 1 + 6 + 32 + 1 + 1], t[32];
	size_t ll = strlen(label), n = 0;
	if (ll > 32 || outlen > 32)
		return 0;
	info[n++] = 0;
	info[n++] = outlen;
	info[n++] = (uint8_t)(6 + ll);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, ll);
	n += ll;
	info[n++] = 0;    /* empty context */
	info[n++] = 1;    /* T(1) counter */
	if (!quic_hmac(secret, 32, info, n, t))
		return 0;
	memcpy(out, t, outlen);
	return 1;
}

/* The Initial keys of the client (server == 0) or server for `version` and DCID `cid`. */
static int quic_initial_keys(uint32_t version, const uint8_t *cid, uint8_t cid_len, int server,
			     struct quic_keys *k)
{
	uint8_t initial[32], secret[32];
	int v2 = version == QUIC_V2;
	const uint8_t *salt = quic_salt(version);
	memset(k, 0, sizeof *k);
	if (!quic_hmac(salt, 20, cid, cid_len, initial) ||
	    !quic_expand_label(initial, server ? "server in" : "client in", secret, 32) ||
	    !quic_expand_label(secret, v2 ? "quicv2 key" : "quic key", k->key, 16) ||
	    !quic_expand_label(secret, v2 ? "quicv2 iv" : "quic iv", k->iv, 12) ||
	    !quic_expand_label(secret, v2 ? "quicv2 hp" : "quic hp", k->hp, 16))
		return 0;
	k->version = version;
	k->ok = 1;
	return 1;
}

/* AES-128-ECB of one 16-byte sample: the header protection mask (RFC 9001 section 5.4.3). */
static int quic_hp_mask(const uint8_t hp[16], const uint8_t sample[16], uint8_t mask[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int ok = 0, n = 0;
	if (!c)
		return 0;
	if (EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, hp, NULL) == 1 && EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
	    EVP_EncryptUpdate(c, mask, &n, sample, 16) == 1 && n == 16)
		ok = 1;
	EVP_CIPHER_CTX_free(c);
	return ok;
}

/* AEAD_AES_128_GCM open: ct (n bytes, tag after it) into out (n - 16 bytes). */
static int quic_aead_open(const struct quic_keys *k, uint64_t pn, const uint8_t *aad, size_t alen,
			  const uint8_t *ct, size_t n, uint8_t *out)
{
	uint8_t nonce[12];
	int len = 0, ok = 0;
	if (n < 16 || n - 16 > 65536)
		return 0;
	memcpy(nonce, k->iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	if (!c)
		return 0;
	if (EVP_DecryptInit_ex(c, EVP_aes_128_gcm(), NULL, NULL, NULL) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1 &&
	    EVP_DecryptInit_ex(c, NULL, NULL, k->key, nonce) == 1 &&
	    EVP_DecryptUpdate(c, NULL, &len, aad, (int)alen) == 1 &&
	    EVP_DecryptUpdate(c, out, &len, ct, (int)(n - 16)) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, (void *)(ct + n - 16)) == 1 &&
	    EVP_DecryptFinal_ex(c, out + len, &len) == 1)
		ok = 1;
	EVP_CIPHER_CTX_free(c);
	return ok;
}

/* ---- wire helpers ---- */

/* Variable-length integer (RFC 9000 section 16). */
static uint64_t quic_varint(struct rd *r)
{
	uint8_t b = rd_u8(r);
	uint64_t v = b & 0x3f;
	uint32_t n = (1u << (b >> 6)) - 1;
	for (uint32_t i = 0; i < n; i++)
		v = v << 8 | rd_u8(r);
	return rd_ok(r) ? v : 0;
}

/* Packet number from its truncated form (RFC 9000 appendix A.3). */
static uint64_t quic_pn_decode(uint64_t largest, int have, uint64_t truncated, unsigned bits)
{
	uint64_t expected = have ? largest + 1 : 0, win = 1ull << bits, hwin = win / 2, mask = win - 1;
	uint64_t cand = (expected & ~mask) | truncated;
	if (cand + hwin <= expected && cand < (1ull << 62) - win)
		return cand + win;
	if (cand > expected + hwin && cand >= win)
		return cand - win;
	return cand;
}

static int quic_version_known(uint32_t v)
{
	return v == QUIC_V1 || v == QUIC_V2 || (v >> 8) == 0xff0000;
}

/* The v2 long header type bits to version 1's numbering (RFC 9369 section 3.2). */
static uint8_t quic_ptype(uint32_t version, uint8_t bits)
{
	if (version != QUIC_V2)
		return bits;
	static const uint8_t v2[4] = { QPT_RETRY, QPT_INITIAL, QPT_0RTT, QPT_HANDSHAKE };
	return v2[bits & 3];
}

static void quic_hist(struct quic_dir *c, char ch)
{
	if (c->nhist >= QUIC_HIST_MAX || memchr(c->hist, ch, c->nhist))
		return;
	c->hist[c->nhist++] = ch;
}

static void quic_info_cid(struct proto_ctx *ctx, const char *what, const uint8_t *cid, uint8_t n)
{
	proto_info_printf(ctx, ", %s=", what);
	for (uint8_t i = 0; i < n; i++)
		proto_info_printf(ctx, "%02x", cid[i]);
}

static struct quic_dir *quic_conn(struct proto_ctx *ctx)
{
	struct quic_dir *st = ctx->state;
	return st->dir == 0 || !ctx->peer ? st : ctx->peer;
}

/* ---- CRYPTO stream and the ClientHello ---- */

static void quic_hello_finish(struct proto_ctx *ctx, struct quic_dir *conn, struct quic_hello *h)
{
	h->done = 1;
	struct rd r = rd_make(h->data, h->contig);
	uint8_t type = rd_u8(&r);
	uint32_t len = (uint32_t)rd_u8(&r) << 16;
	len |= rd_be16(&r);
	if (!rd_ok(&r) || type != TLS_HS_CLIENT_HELLO || len > rd_left(&r)) {
		ctx->anomalies++;
		return;
	}
	struct tls_hello th;
	if (tls_hello_parse((struct slice){ r.p, len }, 1, &th) != 0)
		ctx->anomalies++;
	h->parsed = 1;
	tls_hello_export(ctx, &th, 1, ((struct quic_dir *)ctx->state)->ja3);
	quic_hist(conn, 'S');
	uint32_t n = th.sni.len < QUIC_SNI_MAX ? th.sni.len : QUIC_SNI_MAX;
	if (n)
		memcpy(h->sni, th.sni.p, n);
	h->sni_len = (uint8_t)n;
	if (th.nalpn) {
		n = th.alpn[0].len < QUIC_ALPN_MAX ? th.alpn[0].len : QUIC_ALPN_MAX;
		if (n)
			memcpy(h->alpn, th.alpn[0].p, n);
		h->alpn_len = (uint8_t)n;
	}
	tls_ja4(&th, 'q', h->ja4);
	h->ja4[sizeof h->ja4 - 1] = 0;
	if (h->sni_len && proto_records_on(ctx) && ctx->dst)
		proto_emit_name(ctx, ctx->dst, ctx->alen, (struct slice){ (const uint8_t *)h->sni, h->sni_len },
				"quic_sni");
}

/* A ServerHello that starts the server's CRYPTO stream and fits in this frame (it always does in
 * practice: it is a few hundred bytes): its fields, as tshark shows them under TLS. */
static void quic_server_hello(struct proto_ctx *ctx, struct slice d)
{
	struct rd r = rd_make(d.p, d.len);
	rd_skip(&r, 1);
	uint32_t len = (uint32_t)rd_u8(&r) << 16;
	len |= rd_be16(&r);
	if (!rd_ok(&r) || len > rd_left(&r))
		return;
	struct tls_hello th;
	if (tls_hello_parse((struct slice){ r.p, len }, 0, &th) != 0)
		ctx->anomalies++;
	tls_hello_export(ctx, &th, 0, ((struct quic_dir *)ctx->state)->ja3);
}

/* One CRYPTO frame of an Initial packet sent in this direction. */
static void quic_crypto(struct proto_ctx *ctx, struct quic_dir *st, struct quic_dir *conn, int from_client,
			uint64_t off, struct slice d)
{
	if (!from_client) {
		if (off == 0 && d.len && d.p[0] == TLS_HS_SERVER_HELLO) {
			quic_hist(conn, 's');
			quic_server_hello(ctx, d);
		}
		return;
	}
	if (!st->hello) {
		st->hello = calloc(1, sizeof *st->hello);
		if (!st->hello) {
			ctx->anomalies++;
			return;
		}
	}
	struct quic_hello *h = st->hello;
	if (h->done)
		return;
	int tls = off == 0 ? proto_index("tls") : -1;
	if (tls >= 0) /* tshark hands the stream's first fragment to TLS, complete or not */
		proto_mark(ctx, (uint8_t)tls);
	if (off >= QUIC_CRYPTO_CAP) {
		ctx->anomalies++;
		return;
	}
	uint32_t n = d.len;
	if (off + n > QUIC_CRYPTO_CAP) {
		n = (uint32_t)(QUIC_CRYPTO_CAP - off);
		ctx->anomalies++;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t o = (uint32_t)off + i;
		if (!(h->have[o >> 3] & (1u << (o & 7)))) {   /* first copy wins */
			h->data[o] = d.p[i];
			h->have[o >> 3] |= (uint8_t)(1u << (o & 7));
		}
	}
	while (h->contig < QUIC_CRYPTO_CAP && (h->have[h->contig >> 3] & (1u << (h->contig & 7))))
		h->contig++;
	if (h->contig < 4)
		return;
	uint32_t need = 4 + ((uint32_t)h->data[1] << 16 | (uint32_t)h->data[2] << 8 | h->data[3]);
	if (h->data[0] != TLS_HS_CLIENT_HELLO || need > QUIC_CRYPTO_CAP) {
		h->done = 1;
		ctx->anomalies++;
		return;
	}
	if (h->contig >= need)
		quic_hello_finish(ctx, conn, h);
}

/* Frames of a decrypted Initial payload: names appended to Info (as tshark), CRYPTO data fed
 * to the stream. Stops at the first frame it cannot read or does not know. */
static void quic_frames(struct proto_ctx *ctx, struct quic_dir *st, struct quic_dir *conn, int from_client,
			struct slice pl)
{
	struct rd r = rd_make(pl.p, pl.len);
	for (int nf = 0; nf < QUIC_FRAMES_MAX && rd_left(&r); nf++) {
		uint64_t type = quic_varint(&r);
		if (!rd_ok(&r))
			return;
		proto_field_u(ctx, QF_FRAME_TYPE, type);
		switch (type) {
		case 0x00:
			proto_info_append(ctx, ", PADDING");
			while (rd_peek(&r, 0) == 0)
				rd_skip(&r, 1);
			break;
		case 0x01:
			proto_info_append(ctx, ", PING");
			break;
		case 0x02:
		case 0x03: {
			proto_info_append(ctx, type == 2 ? ", ACK" : ", ACK_ECN");
			quic_varint(&r); /* largest acknowledged */
			quic_varint(&r); /* delay */
			uint64_t nr = quic_varint(&r);
			quic_varint(&r); /* first range */
			if (nr > QUIC_ACK_RANGES_MAX) {
				ctx->anomalies++;
				return;
			}
			for (uint64_t i = 0; i < nr && rd_ok(&r); i++) {
				quic_varint(&r);
				quic_varint(&r);
			}
			if (type == 3)
				for (int i = 0; i < 3; i++)
					quic_varint(&r);
			break;
		}
		case 0x06: {
			proto_info_append(ctx, ", CRYPTO");
			uint64_t off = quic_varint(&r), len = quic_varint(&r);
			if (!rd_ok(&r) || len > rd_left(&r)) {
				ctx->anomalies++;
				return;
			}
			const uint8_t *p = rd_bytes(&r, (uint32_t)len);
			quic_crypto(ctx, st, conn, from_client, off, (struct slice){ p, (uint32_t)len });
			break;
		}
		case 0x1c:
		case 0x1d: {
			proto_info_append(ctx, ", CONNECTION_CLOSE");
			quic_hist(conn, from_client ? 'C' : 'c');
			quic_varint(&r);
			if (type == 0x1c)
				quic_varint(&r);
			uint64_t len = quic_varint(&r);
			if (!rd_ok(&r) || len > rd_left(&r))
				return;
			rd_skip(&r, (uint32_t)len);
			break;
		}
		default:
			ctx->anomalies++; /* not allowed in Initial packets */
			return;
		}
		if (!rd_ok(&r)) {
			ctx->anomalies++;
			return;
		}
	}
}

/* ---- packets ---- */

/* Removes header protection and decrypts an Initial packet: pkt is the whole QUIC packet,
 * pn_off the offset of its packet number. Shows PKN and the frames as tshark does. */
static void quic_initial(struct proto_ctx *ctx, struct quic_dir *st, struct quic_dir *conn, int from_client,
			 struct slice pkt, uint32_t pn_off, uint32_t version)
{
	if (!st->init.ok) {
		if (!conn->odcid_len && !conn->have_client)
			return;
		if (!quic_initial_keys(version, conn->odcid, conn->odcid_len, !from_client, &st->init))
			return;
	}
	if (pkt.len < pn_off + 4 + 16 || pn_off > 256) {
		ctx->anomalies++;
		return;
	}
	uint8_t mask[16], hdr[256 + 4];
	if (!quic_hp_mask(st->init.hp, pkt.p + pn_off + 4, mask))
		return;
	memcpy(hdr, pkt.p, pn_off);
	hdr[0] ^= mask[0] & 0x0f;
	unsigned pnl = (hdr[0] & 3u) + 1;
	uint64_t tpn = 0;
	for (unsigned i = 0; i < pnl; i++) {
		hdr[pn_off + i] = pkt.p[pn_off + i] ^ mask[1 + i];
		tpn = tpn << 8 | hdr[pn_off + i];
	}
	uint64_t pn = quic_pn_decode(st->largest_pn, st->have_pn, tpn, 8 * pnl);
	proto_info_printf(ctx, ", PKN: %llu", (unsigned long long)pn);
	proto_field_u(ctx, QF_PKN, pn);
	uint32_t hlen = pn_off + pnl;
	if (pkt.len < hlen + 16) {
		ctx->anomalies++;
		return;
	}
	uint32_t clen = pkt.len - hlen;
	uint8_t *plain = malloc(clen);
	if (!plain)
		return;
	if (quic_aead_open(&st->init, pn, hdr, hlen, pkt.p + hlen, clen, plain)) {
		if (!st->have_pn || pn > st->largest_pn)
			st->largest_pn = pn;
		st->have_pn = 1;
		quic_frames(ctx, st, conn, from_client, (struct slice){ plain, clen - 16 });
	} else {
		ctx->anomalies++;
	}
	free(plain);
}

/* One long-header packet at the start of `d`; returns its length (0: stop). */
static uint32_t quic_long(struct proto_ctx *ctx, struct quic_dir *st, struct quic_dir *conn, uint8_t dir,
			  struct slice d)
{
	struct rd r = rd_make(d.p, d.len);
	uint8_t first = rd_u8(&r);
	uint32_t version = rd_be32(&r);
	uint8_t dcil = rd_u8(&r);
	const uint8_t *dcid = rd_bytes(&r, dcil);
	uint8_t scil = rd_u8(&r);
	const uint8_t *scid = rd_bytes(&r, scil);
	if (!rd_ok(&r) || (version != 0 && (dcil > QUIC_CID_MAX || scil > QUIC_CID_MAX))) {
		ctx->anomalies++;
		return 0;
	}
	int from_client = conn->have_client ? conn->client_dir == dir : dir == 0;
	proto_col_proto(ctx, "QUIC");
	proto_info_clear(ctx);
	proto_field_u(ctx, QF_HEADER_FORM, 1);
	proto_field_u(ctx, QF_VERSION, version);
	proto_field_u(ctx, QF_DCIL, dcil);
	if (dcil)
		proto_field_s(ctx, QF_DCID, (struct slice){ dcid, dcil });
	proto_field_u(ctx, QF_SCIL, scil);
	if (scil)
		proto_field_s(ctx, QF_SCID, (struct slice){ scid, scil });
	st->seen_long = 1;
	if (version == 0) {
		proto_info_append(ctx, "Version Negotiation");
		if (dcil)
			quic_info_cid(ctx, "DCID", dcid, dcil);
		if (scil)
			quic_info_cid(ctx, "SCID", scid, scil);
		for (int i = 0; i < 64 && rd_left(&r) >= 4; i++)
			proto_field_u(ctx, QF_SUPPORTED_VERSION, rd_be32(&r));
		quic_hist(conn, from_client ? 'V' : 'v');
		proto_field_u(ctx, QF_PACKET_LENGTH, d.len);
		return d.len;
	}
	uint8_t type = quic_ptype(version, (first >> 4) & 3);
	proto_field_u(ctx, version == QUIC_V2 ? QF_LONG_TYPE_V2 : QF_LONG_TYPE, (first >> 4) & 3u);
	static const char *const names[4] = { "Initial", "0-RTT", "Handshake", "Retry" };
	proto_info_append(ctx, names[type]);
	if (dcil)
		quic_info_cid(ctx, "DCID", dcid, dcil);
	if (scil)
		quic_info_cid(ctx, "SCID", scid, scil);
	/* the server's CID: the SCID of its Initial or Retry */
	if (!from_client && (type == QPT_INITIAL || type == QPT_RETRY)) {
		st->scid_len = scil;
		memcpy(st->scid, scid, scil);
	}
	if (type == QPT_RETRY) {
		/* the client's next Initial uses the Retry's SCID as DCID: new Initial keys */
		quic_hist(conn, from_client ? 'R' : 'r');
		conn->odcid_len = scil;
		memcpy(conn->odcid, scid, scil);
		((struct quic_dir *)ctx->state)->init.ok = 0;
		if (ctx->peer)
			((struct quic_dir *)ctx->peer)->init.ok = 0;
		proto_field_u(ctx, QF_PACKET_LENGTH, d.len);
		return d.len;
	}
	if (type == QPT_INITIAL) {
		if (!conn->have_client) {
			conn->have_client = 1;
			conn->client_dir = dir;
			from_client = 1;
			conn->version = version;
			conn->cur_version = version;
			st->scid_len = scil;
			memcpy(st->scid, scid, scil);
			conn->odcid_len = dcil;
			memcpy(conn->odcid, dcid, dcil);
			conn->first_dcid_len = dcil;
			memcpy(conn->first_dcid, dcid, dcil);
			conn->client_scid_len = scil;
			memcpy(conn->client_scid, scid, scil);
		}
		if (!from_client && version != conn->cur_version) {
			/* the server chose another version (RFC 9368): Initial keys anew */
			conn->cur_version = version;
			((struct quic_dir *)ctx->state)->init.ok = 0;
			if (ctx->peer)
				((struct quic_dir *)ctx->peer)->init.ok = 0;
		}
		if (!from_client && !conn->server_scid_len && scil) {
			conn->server_scid_len = scil;
			memcpy(conn->server_scid, scid, scil);
		}
		quic_hist(conn, from_client ? 'I' : 'i');
		uint64_t tlen = quic_varint(&r);
		if (!rd_ok(&r) || tlen > rd_left(&r)) {
			ctx->anomalies++;
			return 0;
		}
		rd_skip(&r, (uint32_t)tlen);
	} else {
		quic_hist(conn, type == QPT_HANDSHAKE ? (from_client ? 'H' : 'h') : (from_client ? 'Z' : 'z'));
	}
	uint64_t len = quic_varint(&r);
	if (!rd_ok(&r)) {
		ctx->anomalies++;
		return 0;
	}
	uint32_t pn_off = d.len - rd_left(&r);
	if (len > rd_left(&r)) {
		ctx->anomalies++;
		len = rd_left(&r);
	}
	uint32_t plen = pn_off + (uint32_t)len;
	proto_field_u(ctx, QF_PACKET_LENGTH, plen);
	if (type == QPT_INITIAL)
		quic_initial(ctx, st, conn, from_client, (struct slice){ d.p, plen }, pn_off, version);
	return plen;
}

/* The short header starts with the CID the other endpoint announced (0: unknown or empty). */
static int quic_short_known(const struct proto_ctx *ctx, struct slice d)
{
	const struct quic_dir *peer = ctx->peer;
	return peer && peer->scid_len && d.len > 1u + peer->scid_len &&
	       memcmp(d.p + 1, peer->scid, peer->scid_len) == 0;
}

/* The DCID of the packet at the start of d: from a long header, or as long as the receiver's
 * known CID for a short one (what tshark compares between coalesced packets). */
static struct slice quic_dcid_of(const struct proto_ctx *ctx, struct slice d, int unknown)
{
	struct slice none = { NULL, 0 };
	struct rd r = rd_make(d.p, d.len);
	uint8_t first = rd_u8(&r);
	if (first & 0x80) {
		rd_skip(&r, 4);
		uint8_t n = rd_u8(&r);
		const uint8_t *p = rd_bytes(&r, n);
		return p && n <= QUIC_CID_MAX ? (struct slice){ p, n } : none;
	}
	const struct quic_dir *peer = ctx->peer;
	if (unknown || !peer || !peer->scid_len)
		return none;
	const uint8_t *p = rd_bytes(&r, peer->scid_len);
	return p ? (struct slice){ p, peer->scid_len } : none;
}

static int quic_cid_eq(struct slice a, const uint8_t *b, uint8_t blen)
{
	return a.len == blen && (!blen || memcmp(a.p, b, blen) == 0);
}

/* A client Initial whose DCID is neither the original DCID nor the server's known CID starts
 * another connection for tshark, which then knows none of its CIDs. */
static int quic_new_conn(const struct proto_ctx *ctx, const struct quic_dir *conn, uint8_t dir, struct slice d,
			 struct slice dcid)
{
	const struct quic_dir *peer = ctx->peer;
	if (!(d.p[0] & 0x80) || !conn->have_client || conn->client_dir != dir || d.len < 5 ||
	    quic_ptype((uint32_t)d.p[1] << 24 | (uint32_t)d.p[2] << 16 | (uint32_t)d.p[3] << 8 | d.p[4],
		       (d.p[0] >> 4) & 3) != QPT_INITIAL)
		return 0;
	if (quic_cid_eq(dcid, conn->odcid, conn->odcid_len) || quic_cid_eq(dcid, conn->first_dcid, conn->first_dcid_len))
		return 0;
	return !(peer && quic_cid_eq(dcid, peer->scid, peer->scid_len));
}

/* A short-header (1-RTT) packet: the rest of the datagram. */
static void quic_short(struct proto_ctx *ctx, struct quic_dir *conn, uint8_t dir, struct slice d)
{
	(void)conn;
	(void)dir;
	const struct quic_dir *peer = ctx->peer;
	proto_col_proto(ctx, "QUIC");
	proto_info_clear(ctx);
	proto_field_u(ctx, QF_HEADER_FORM, 0);
	proto_field_none(ctx, QF_SHORT);
	proto_field_u(ctx, QF_PACKET_LENGTH, d.len);
	proto_info_append(ctx, "Protected Payload (KP0)");
	/* the DCID is the CID the other endpoint announced; its length is only known that way */
	if (quic_short_known(ctx, d)) {
		quic_info_cid(ctx, "DCID", peer->scid, peer->scid_len);
		proto_field_s(ctx, QF_DCID, (struct slice){ peer->scid, peer->scid_len });
	}
	quic_hist(conn, conn->have_client && conn->client_dir != dir ? 's' : 'S');
}

static struct proto_res quic_parse(struct proto_ctx *ctx, uint8_t dir, struct slice d)
{
	struct quic_dir *st = ctx->state;
	struct quic_dir *conn = quic_conn(ctx);
	uint32_t off = 0;
	struct slice dcid0 = { NULL, 0 };
	int unknown = 0;
	for (int n = 0; n < QUIC_PKTS_MAX && off < d.len; n++) {
		struct slice rest = { d.p + off, d.len - off };
		/* RFC 9000 12.2: packets after the first with another DCID are ignored (tshark
		 * shows the rest as padding) */
		struct slice dc = quic_dcid_of(ctx, rest, unknown);
		if (!n) {
			dcid0 = dc;
			unknown = quic_new_conn(ctx, conn, dir, rest, dc);
		}
		else if (!quic_cid_eq(dc, dcid0.p, (uint8_t)dcid0.len))
			break;
		if (!(rest.p[0] & 0x80)) {
			quic_short(ctx, conn, dir, rest);
			break;
		}
		uint32_t used = quic_long(ctx, st, conn, dir, rest);
		if (!used)
			break;
		off += used;
	}
	return quic_res(PROTO_OK, d.len);
}

/* A long header with a version we know (or a version-negotiation-forcing one), or an old gQUIC
 * public header carrying a Q0xx version. */
static enum proto_probe quic_probe(uint8_t l4, struct slice d)
{
	if (l4 != PROTO_L4_UDP)
		return PROBE_NO;
	struct rd r = rd_make(d.p, d.len);
	uint8_t first = rd_u8(&r);
	uint32_t version = rd_be32(&r);
	uint8_t dcil = rd_u8(&r);
	if (!rd_ok(&r))
		return PROBE_NO;
	if (first & 0x80) {
		if (gquic_version(version))
			return PROBE_NO; /* Google QUIC: gquic.c */
		int grease = (version & 0x0f0f0f0fu) == 0x0a0a0a0au;
		if (!(first & 0x40) || !(quic_version_known(version) || grease) || dcil > QUIC_CID_MAX)
			return PROBE_NO;
		rd_skip(&r, dcil);
		uint8_t scil = rd_u8(&r);
		rd_skip(&r, scil);
		if (!rd_ok(&r) || scil > QUIC_CID_MAX)
			return PROBE_NO;
		uint8_t type = quic_ptype(version, (first >> 4) & 3);
		/* a client's first packet is an Initial, padded to 1200 bytes (RFC 9000 14.1; the
		 * capture may have cut it), with a DCID of at least 8 bytes (section 7.2) */
		if (type == QPT_INITIAL) {
			if (grease)
				return d.len >= 1200 ? PROBE_YES : PROBE_NO;
			uint64_t tlen = quic_varint(&r);
			if (!rd_ok(&r) || tlen > rd_left(&r))
				return PROBE_NO;
			rd_skip(&r, (uint32_t)tlen);
			quic_varint(&r);
			return rd_ok(&r) && dcil >= 8 ? PROBE_YES : PROBE_NO;
		}
		/* 0-RTT or Handshake (a capture may start there): a Length that fits the datagram */
		if (type == QPT_RETRY || grease)
			return PROBE_NO;
		uint64_t len = quic_varint(&r);
		return rd_ok(&r) && len >= 20 && len <= rd_left(&r) ? PROBE_YES : PROBE_NO;
	}
	return PROBE_NO;
}

static void quic_init(void *state, uint8_t dir)
{
	struct quic_dir *st = state;
	st->dir = dir;
}

static void quic_fini(void *state)
{
	struct quic_dir *st = state;
	free(st->hello);
	st->hello = NULL;
}

static const char *quic_version_name(uint32_t v, char *buf, size_t n)
{
	if (v == QUIC_V1)
		return "1";
	if (v == QUIC_V2)
		return "quicv2";
	if ((v >> 8) == 0xff0000) {
		snprintf(buf, n, "draft-%u", v & 0xff);
		return buf;
	}
	snprintf(buf, n, "%08x", v);
	return buf;
}

/* The quic record (Zeek's quic.log) when the flow ends. */
static void quic_flow_end(struct proto_ctx *ctx)
{
	struct quic_dir *conn = quic_conn(ctx);
	if (!conn->have_client || conn->logged || !proto_records_on(ctx))
		return;
	conn->logged = 1;
	const struct quic_dir *other = ctx->state == (void *)conn ? ctx->peer : ctx->state;
	const struct quic_dir *cl = conn->client_dir == conn->dir ? conn : other;
	struct proto_rec rec;
	char vb[24];
	proto_rec_init(&rec, "quic");
	proto_rec_cstr(&rec, "version", quic_version_name(conn->version, vb, sizeof vb));
	proto_rec_hex(&rec, "client_initial_dcid", (struct slice){ conn->first_dcid, conn->first_dcid_len });
	if (conn->client_scid_len)
		proto_rec_hex(&rec, "client_scid", (struct slice){ conn->client_scid, conn->client_scid_len });
	if (conn->server_scid_len)
		proto_rec_hex(&rec, "server_scid", (struct slice){ conn->server_scid, conn->server_scid_len });
	const struct quic_hello *h = cl ? cl->hello : NULL;
	if (h && h->parsed) {
		if (h->sni_len)
			proto_rec_str(&rec, "server_name", (struct slice){ (const uint8_t *)h->sni, h->sni_len });
		if (h->alpn_len)
			proto_rec_str(&rec, "client_protocol", (struct slice){ (const uint8_t *)h->alpn, h->alpn_len });
		proto_rec_cstr(&rec, "ja4", h->ja4);
	}
	proto_rec_str(&rec, "history", (struct slice){ (const uint8_t *)conn->hist, conn->nhist });
	proto_emit(ctx, &rec);
}

/* No ports: tshark 4.0 takes QUIC on UDP by content only (a long header with a known version
 * starts a connection; UDP 443 traffic it cannot place stays "UDP"). */
static const uint16_t quic_ports[] = { 0 };

const struct proto_desc proto_quic = {
	.name = "quic",
	.l4 = PROTO_L4_UDP,
	.ws_heuristic = 1,
	.ports = quic_ports,
	.probe = quic_probe,
	.state_size = sizeof(struct quic_dir),
	.init = quic_init,
	.fini = quic_fini,
	.parse = quic_parse,
	.on_flow_end = quic_flow_end,
	.fields = quic_fields,
	.nfields = sizeof quic_fields / sizeof quic_fields[0],
	.col_name = "QUIC",
};
