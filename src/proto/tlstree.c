/* tlstree.c: the TLS/SSL detail tree (records RFC 5246 section 6.2, RFC 8446 section 5; handshake
 * messages RFC 5246 section 7.4, RFC 8446 section 4; extensions RFC 6066, RFC 7301, RFC 7627,
 * RFC 8422, RFC 8446 section 4.2, RFC 8879; SSLv2 record headers) with the labels and order of
 * Wireshark 4.0's tree without keys. Certificates show their subject (x509 summary); see
 * tlstree.h. */
#include "proto/tlstree.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/rd.h"
#include "proto/tlshello.h"
#include "proto/x509tree.h"

#define TLS_TLIST_MAX 1024   /* list entries drawn (cipher suites, groups ...) */
#define TLS_TEXT 512

/* ---- names ------------------------------------------------------------------------------ */

static const char *tlst_version(uint16_t v)
{
	switch (v) {
	case 0x0002: return "SSL 2.0";
	case 0x0300: return "SSL 3.0";
	case 0x0301: return "TLS 1.0";
	case 0x0302: return "TLS 1.1";
	case 0x0303: return "TLS 1.2";
	case 0x0304: return "TLS 1.3";
	}
	return NULL;
}

/* "TLS 1.2 (0x0303)", "TLS 1.3 (draft 23) (0x7f17)", "Reserved (GREASE) (0x0a0a)". */
static const char *tlst_version_text(uint16_t v, char *buf, size_t cap)
{
	const char *n = tlst_version(v);
	if (n)
		snprintf(buf, cap, "%s (0x%04x)", n, v);
	else if ((v >> 8) == 0x7f)
		snprintf(buf, cap, "TLS 1.3 (draft %u) (0x%04x)", v & 0xff, v);
	else if (tls_grease(v))
		snprintf(buf, cap, "Reserved (GREASE) (0x%04x)", v);
	else
		snprintf(buf, cap, "Unknown (0x%04x)", v);
	return buf;
}

static const char *tlst_ct_name(uint8_t t)
{
	switch (t) {
	case 20: return "Change Cipher Spec";
	case 21: return "Alert";
	case 22: return "Handshake";
	case 23: return "Application Data";
	case 24: return "Heartbeat";
	}
	return NULL;
}

static const char *tlst_ext_name(uint16_t t)
{
	static const char *const lo[] = {
		"server_name", "max_fragment_length", "client_certificate_url", "trusted_ca_keys", "truncated_hmac",
		"status_request", "user_mapping", "client_authz", "server_authz", "cert_type", "supported_groups",
		"ec_point_formats", "srp", "signature_algorithms", "use_srtp", "heartbeat",
		"application_layer_protocol_negotiation", "status_request_v2", "signed_certificate_timestamp",
		"client_certificate_type", "server_certificate_type", "padding", "encrypt_then_mac",
		"extended_master_secret", "token_binding", "cached_info", NULL, "compress_certificate",
		"record_size_limit", NULL, NULL, NULL, NULL, NULL, "delegated_credentials", "session_ticket", NULL, NULL,
		NULL, NULL, "Reserved (key_share)", "pre_shared_key", "early_data", "supported_versions", "cookie",
		"psk_key_exchange_modes", "Reserved (ticket_early_data_info)", "certificate_authorities", "oid_filters",
		"post_handshake_auth", "signature_algorithms_cert", "key_share", "transparency_info",
		"connection_id (deprecated)", "connection_id", "external_id_hash", "external_session_id",
		"quic_transport_parameters", "ticket_request", "dnssec_chain",
	};
	if (t < sizeof lo / sizeof lo[0])
		return lo[t];
	switch (t) {
	case 13172: return "next_protocol_negotiation";
	case 17513: return "application_settings";
	case 30031: return "channel_id_old";
	case 30032: return "channel_id";
	case 65281: return "renegotiation_info";
	case 65486: return "encrypted_server_name";
	}
	return tls_grease(t) ? "Reserved (GREASE)" : NULL;
}

static const char *tlst_cipher(uint16_t c, char *buf, size_t cap)
{
	static const struct {
		uint16_t id;
		const char *name;
	} extra[] = {
		{ 0x001c, "SSL_FORTEZZA_KEA_WITH_NULL_SHA" }, { 0x001d, "SSL_FORTEZZA_KEA_WITH_FORTEZZA_CBC_SHA" },
		{ 0x0060, "TLS_RSA_EXPORT1024_WITH_RC4_56_MD5" }, { 0x0061, "TLS_RSA_EXPORT1024_WITH_RC2_CBC_56_MD5" },
		{ 0x0062, "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA" }, { 0x0063, "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA" },
		{ 0x0064, "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA" }, { 0x0065, "TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA" },
		{ 0x0066, "TLS_DHE_DSS_WITH_RC4_128_SHA" }, { 0x0080, "TLS_GOSTR341094_WITH_28147_CNT_IMIT" },
		{ 0x0081, "TLS_GOSTR341001_WITH_28147_CNT_IMIT" }, { 0x0082, "TLS_GOSTR341094_WITH_NULL_GOSTR3411" },
		{ 0x0083, "TLS_GOSTR341001_WITH_NULL_GOSTR3411" },
	};
	const char *n = tls_grease(c) ? "Reserved (GREASE)" : tls_cipher_name(c);
	for (size_t i = 0; !n && i < sizeof extra / sizeof extra[0]; i++)
		if (extra[i].id == c)
			n = extra[i].name;
	snprintf(buf, cap, "%s (0x%04x)", n ? n : "Unknown", c);
	return buf;
}

/* Supported group names as Wireshark 4.0 knows them. */
static const char *tlst_group(uint16_t g)
{
	if (tls_grease(g))
		return "Reserved (GREASE)";
	if ((g >= 31 && g <= 40) || g > 0x0104 ? (g != 0xff01 && g != 0xff02) : 0)
		return NULL;
	return tls_group_name(g);
}

static const char *tlst_hash_name(uint8_t h)
{
	static const char *const n[] = { "None", "MD5", "SHA1", "SHA224", "SHA256", "SHA384", "SHA512", "SM3" };
	return h < sizeof n / sizeof n[0] ? n[h] : "Unknown";
}

static const char *tlst_sig_name(uint8_t s)
{
	static const char *const n[] = { "Anonymous", "RSA", "DSA", "ECDSA", "SM2" };
	return s < sizeof n / sizeof n[0] ? n[s] : "Unknown";
}

static const char *tlst_sigalg(uint16_t a, char *buf, size_t cap)
{
	static const struct {
		uint16_t id;
		const char *name;
	} t[] = {
		{ 0x0201, "rsa_pkcs1_sha1" }, { 0x0203, "ecdsa_sha1" }, { 0x0401, "rsa_pkcs1_sha256" },
		{ 0x0403, "ecdsa_secp256r1_sha256" }, { 0x0501, "rsa_pkcs1_sha384" }, { 0x0503, "ecdsa_secp384r1_sha384" },
		{ 0x0601, "rsa_pkcs1_sha512" }, { 0x0603, "ecdsa_secp521r1_sha512" }, { 0x0708, "sm2sig_sm3" },
		{ 0x0804, "rsa_pss_rsae_sha256" }, { 0x0805, "rsa_pss_rsae_sha384" }, { 0x0806, "rsa_pss_rsae_sha512" },
		{ 0x0807, "ed25519" }, { 0x0808, "ed448" }, { 0x0809, "rsa_pss_pss_sha256" },
		{ 0x080a, "rsa_pss_pss_sha384" }, { 0x080b, "rsa_pss_pss_sha512" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].id == a) {
			snprintf(buf, cap, "%s (0x%04x)", t[i].name, a);
			return buf;
		}
	uint8_t h = (uint8_t)(a >> 8), s = (uint8_t)a;
	snprintf(buf, cap, "%s %s (0x%04x)", h && h <= 7 ? tlst_hash_name(h) : "Unknown", tlst_sig_name(s), a);
	return buf;
}

/* ---- small writers ------------------------------------------------------------------------ */

static struct slice tlst_s(const uint8_t *p, uint32_t n)
{
	struct slice s = { p, n };
	return s;
}

/* "name: <time>" as Wireshark writes an absolute time in seconds ("Nov 25, 2085 22:54:39.000000000 UTC"). */
void tls_tree_time(struct proto_ctx *ctx, uint8_t depth, const char *name, int64_t secs, uint32_t nsec)
{
	time_t t = (time_t)secs;
	struct tm tm;
	char buf[64] = "", zone[16] = "";
	if (localtime_r(&t, &tm)) {
		strftime(buf, sizeof buf, "%b %e, %Y %H:%M:%S", &tm);
		strftime(zone, sizeof zone, "%Z", &tm);
	}
	proto_tree_field(ctx, depth, name, "%s.%09u %s", buf, nsec, zone);
}

void tls_tree_sigalg(struct proto_ctx *ctx, uint8_t depth, uint16_t a)
{
	char b[64];
	proto_tree_field(ctx, depth, "Signature Algorithm", "%s", tlst_sigalg(a, b, sizeof b));
	uint8_t h = (uint8_t)(a >> 8), s = (uint8_t)a;
	proto_tree_field(ctx, (uint8_t)(depth + 1), "Signature Hash Algorithm Hash", "%s (%u)",
			 h && h <= 7 ? tlst_hash_name(h) : "Unknown", h);
	proto_tree_field(ctx, (uint8_t)(depth + 1), "Signature Hash Algorithm Signature", "%s (%u)", tlst_sig_name(s), s);
}

/* "Signature Hash Algorithms Length: N" and the list. */
static void tlst_sigalgs(struct proto_ctx *ctx, uint8_t depth, struct rd *r)
{
	uint16_t n = rd_be16(r);
	if (!rd_ok(r))
		return;
	proto_tree_field(ctx, depth, "Signature Hash Algorithms Length", "%u", n);
	struct rd l = rd_sub(r, n);
	proto_tree_text(ctx, depth, "Signature Hash Algorithms (%u algorithm%s)", n / 2, n / 2 == 1 ? "" : "s");
	for (int i = 0; i < TLS_TLIST_MAX && rd_left(&l) >= 2; i++)
		tls_tree_sigalg(ctx, (uint8_t)(depth + 1), rd_be16(&l));
}

/* ---- extensions ------------------------------------------------------------------------ */

struct tlst_hello {
	uint8_t client;
	uint8_t hrr;
};

static void tlst_ext_data(struct proto_ctx *ctx, struct rd *d)
{
	proto_tree_bytes(ctx, 4, "Data", tlst_s(d->p, rd_left(d)));
}

static void tlst_ext_sni(struct proto_ctx *ctx, struct rd *d)
{
	if (!rd_left(d))
		return;
	proto_tree_text(ctx, 4, "Server Name Indication extension");
	uint16_t ll = rd_be16(d);
	if (!rd_ok(d))
		return;
	proto_tree_field(ctx, 5, "Server Name list length", "%u", ll);
	struct rd l = rd_sub(d, ll);
	for (int i = 0; i < 16 && rd_left(&l) >= 3; i++) {
		uint8_t t = rd_u8(&l);
		uint16_t n = rd_be16(&l);
		const uint8_t *p = rd_bytes(&l, n);
		proto_tree_field(ctx, 5, "Server Name Type", "%s (%u)", t == 0 ? "host_name" : "Unknown", t);
		proto_tree_field(ctx, 5, "Server Name length", "%u", n);
		if (!p)
			return;
		proto_tree_field_str(ctx, 5, "Server Name", tlst_s(p, n), PROTO_TENC_ASCII);
	}
}

static void tlst_ext_groups(struct proto_ctx *ctx, struct rd *d)
{
	uint16_t n = rd_be16(d);
	if (!rd_ok(d))
		return;
	proto_tree_field(ctx, 4, "Supported Groups List Length", "%u", n);
	struct rd l = rd_sub(d, n);
	proto_tree_text(ctx, 4, "Supported Groups (%u group%s)", n / 2, n / 2 == 1 ? "" : "s");
	for (int i = 0; i < TLS_TLIST_MAX && rd_left(&l) >= 2; i++) {
		uint16_t g = rd_be16(&l);
		const char *gn = tlst_group(g);
		proto_tree_field(ctx, 5, "Supported Group", "%s (0x%04x)", gn ? gn : "Unknown", g);
	}
}

static void tlst_ext_points(struct proto_ctx *ctx, struct rd *d)
{
	static const char *const pf[] = { "uncompressed", "ansiX962_compressed_prime", "ansiX962_compressed_char2" };
	uint8_t n = rd_u8(d);
	if (!rd_ok(d))
		return;
	proto_tree_field(ctx, 4, "EC point formats Length", "%u", n);
	struct rd l = rd_sub(d, n);
	proto_tree_text(ctx, 4, "Elliptic curves point formats (%u)", n);
	while (rd_left(&l)) {
		uint8_t f = rd_u8(&l);
		proto_tree_field(ctx, 5, "EC point format", "%s (%u)", f < 3 ? pf[f] : "Unknown", f);
	}
}

/* ALPN (RFC 7301) and NPN: length-prefixed protocol names. */
static void tlst_ext_protos(struct proto_ctx *ctx, struct rd *d, int npn)
{
	struct rd l;
	if (npn) {
		proto_tree_text(ctx, 4, "Next Protocol Negotiation");
		l = *d;
	} else {
		uint16_t n = rd_be16(d);
		if (!rd_ok(d))
			return;
		proto_tree_field(ctx, 4, "ALPN Extension Length", "%u", n);
		proto_tree_text(ctx, 4, "ALPN Protocol");
		l = rd_sub(d, n);
	}
	for (int i = 0; i < 64 && rd_left(&l); i++) {
		uint8_t n = rd_u8(&l);
		const uint8_t *p = rd_bytes(&l, n);
		proto_tree_field(ctx, 5, npn ? "Protocol string length" : "ALPN string length", "%u", n);
		if (!p)
			return;
		proto_tree_field_str(ctx, 5, npn ? "Next Protocol" : "ALPN Next Protocol", tlst_s(p, n), PROTO_TENC_ASCII);
	}
}

static void tlst_ext_versions(struct proto_ctx *ctx, struct rd *d, int client)
{
	char b[48];
	if (!client) {
		uint16_t v = rd_be16(d);
		if (rd_ok(d))
			proto_tree_field(ctx, 4, "Supported Version", "%s", tlst_version_text(v, b, sizeof b));
		return;
	}
	uint8_t n = rd_u8(d);
	if (!rd_ok(d))
		return;
	proto_tree_field(ctx, 4, "Supported Versions length", "%u", n);
	struct rd l = rd_sub(d, n);
	for (int i = 0; i < 128 && rd_left(&l) >= 2; i++)
		proto_tree_field(ctx, 4, "Supported Version", "%s", tlst_version_text(rd_be16(&l), b, sizeof b));
}

static void tlst_key_share_entry(struct proto_ctx *ctx, struct rd *l)
{
	uint16_t g = rd_be16(l), n = rd_be16(l);
	const uint8_t *p = rd_bytes(l, n);
	if (!p)
		return;
	const char *gn = tlst_group(g);
	proto_tree_text(ctx, 5, "Key Share Entry: Group: %s, Key Exchange length: %u", gn ? gn : "Unknown", n);
	proto_tree_field(ctx, 6, "Group", "%s (%u)", gn ? gn : "Unknown", g);
	proto_tree_field(ctx, 6, "Key Exchange Length", "%u", n);
	proto_tree_bytes(ctx, 6, "Key Exchange", tlst_s(p, n));
}

static void tlst_ext_key_share(struct proto_ctx *ctx, struct rd *d, const struct tlst_hello *h)
{
	proto_tree_text(ctx, 4, "Key Share extension");
	if (h->hrr) {
		uint16_t g = rd_be16(d);
		const char *gn = tlst_group(g);
		if (rd_ok(d))
			proto_tree_field(ctx, 5, "Selected Group", "%s (%u)", gn ? gn : "Unknown", g);
		return;
	}
	if (!h->client) {
		tlst_key_share_entry(ctx, d);
		return;
	}
	uint16_t n = rd_be16(d);
	if (!rd_ok(d))
		return;
	proto_tree_field(ctx, 5, "Client Key Share Length", "%u", n);
	struct rd l = rd_sub(d, n);
	for (int i = 0; i < 64 && rd_left(&l) >= 4; i++)
		tlst_key_share_entry(ctx, &l);
}

static void tlst_ext_psk(struct proto_ctx *ctx, struct rd *d, int client)
{
	proto_tree_text(ctx, 4, "Pre-Shared Key extension");
	if (!client) {
		uint16_t sel = rd_be16(d);
		if (rd_ok(d))
			proto_tree_field(ctx, 5, "Selected Identity", "%u", sel);
		return;
	}
	uint16_t il = rd_be16(d);
	if (!rd_ok(d))
		return;
	proto_tree_field(ctx, 5, "Identities Length", "%u", il);
	struct rd l = rd_sub(d, il);
	for (int i = 0; i < 32 && rd_left(&l) >= 2; i++) {
		uint16_t n = rd_be16(&l);
		const uint8_t *p = rd_bytes(&l, n);
		uint32_t age = rd_be32(&l);
		if (!p || !rd_ok(&l))
			return;
		proto_tree_text(ctx, 5, "PSK Identity (length: %u)", n);
		proto_tree_field(ctx, 6, "Identity Length", "%u", n);
		proto_tree_bytes(ctx, 6, "Identity", tlst_s(p, n));
		proto_tree_field(ctx, 6, "Obfuscated Ticket Age", "%u", age);
	}
	uint16_t bl = rd_be16(d);
	if (!rd_ok(d))
		return;
	proto_tree_field(ctx, 5, "PSK Binders length", "%u", bl);
	proto_tree_text(ctx, 5, "PSK Binders");
}

static void tlst_ext_status(struct proto_ctx *ctx, struct rd *d)
{
	if (!rd_left(d))
		return;
	uint8_t t = rd_u8(d);
	proto_tree_field(ctx, 4, "Certificate Status Type", "%s (%u)", t == 1 ? "OCSP" : t == 2 ? "OCSP Multi" : "Unknown", t);
	uint16_t rl = rd_be16(d);
	if (!rd_ok(d))
		return;
	proto_tree_field(ctx, 4, "Responder ID list Length", "%u", rl);
	rd_skip(d, rl);
	uint16_t el = rd_be16(d);
	if (rd_ok(d))
		proto_tree_field(ctx, 4, "Request Extensions Length", "%u", el);
}

/* One extension: its header items and what Wireshark shows of its data. */
static void tlst_extension(struct proto_ctx *ctx, uint16_t type, struct rd d, const struct tlst_hello *h)
{
	const char *name = tlst_ext_name(type);
	uint32_t len = rd_left(&d);
	if (name) {
		proto_tree_text(ctx, 3, "Extension: %s (len=%u)", name, len);
		proto_tree_field(ctx, 4, "Type", "%s (%u)", name, type);
	} else {
		proto_tree_text(ctx, 3, "Extension: Unknown type %u (len=%u)", type, len);
		proto_tree_field(ctx, 4, "Type", "Unknown (%u)", type);
	}
	proto_tree_field(ctx, 4, "Length", "%u", len);
	switch (type) {
	case 0: tlst_ext_sni(ctx, &d); return;
	case 5: tlst_ext_status(ctx, &d); return;
	case 10: tlst_ext_groups(ctx, &d); return;
	case 11: tlst_ext_points(ctx, &d); return;
	case 13:
	case 34:
	case 50: tlst_sigalgs(ctx, 4, &d); return;
	case 15: {
		uint8_t m = rd_u8(&d);
		if (rd_ok(&d))
			proto_tree_field(ctx, 4, "Mode", "%s (%u)",
					 m == 1 ? "Peer allowed to send requests" : m == 2 ? "Peer not allowed to send requests"
											: "Unknown", m);
		return;
	}
	case 16: tlst_ext_protos(ctx, &d, 0); return;
	case 21: proto_tree_bytes(ctx, 4, "Padding Data", tlst_s(d.p, len)); return;
	case 22: case 23: case 49: case 18: return;
	case 27: {
		static const char *const alg[] = { NULL, "zlib", "brotli", "zstd" };
		uint8_t n = rd_u8(&d);
		if (!rd_ok(&d))
			return;
		proto_tree_field(ctx, 4, "Algorithms Length", "%u", n);
		for (int i = 0; i < 64 && rd_left(&d) >= 2; i++) {
			uint16_t a = rd_be16(&d);
			proto_tree_field(ctx, 4, "Algorithm", "%s (%u)", a && a < 4 ? alg[a] : "Unknown", a);
		}
		return;
	}
	case 28: {
		uint16_t v = rd_be16(&d);
		if (rd_ok(&d))
			proto_tree_field(ctx, 4, "Record Size Limit", "%u", v);
		return;
	}
	case 35: proto_tree_text(ctx, 4, "Data (%u bytes)", len); return;
	case 41: tlst_ext_psk(ctx, &d, h->client); return;
	case 42: return;
	case 43: tlst_ext_versions(ctx, &d, h->client); return;
	case 45: {
		uint8_t n = rd_u8(&d);
		if (!rd_ok(&d))
			return;
		proto_tree_field(ctx, 4, "PSK Key Exchange Modes Length", "%u", n);
		for (int i = 0; i < n && rd_left(&d); i++) {
			uint8_t m = rd_u8(&d);
			proto_tree_field(ctx, 4, "PSK Key Exchange Mode", "%s (%u)",
					 m == 0 ? "PSK-only key establishment (psk_ke)" :
					 m == 1 ? "PSK with (EC)DHE key establishment (psk_dhe_ke)" : "Unknown", m);
		}
		return;
	}
	case 51: tlst_ext_key_share(ctx, &d, h); return;
	case 13172:
		if (len)
			tlst_ext_protos(ctx, &d, 1);
		return;
	case 17513: {
		uint16_t n = rd_be16(&d);
		if (!rd_ok(&d))
			return;
		proto_tree_field(ctx, 4, "ALPS Extension Length", "%u", n);
		proto_tree_text(ctx, 4, "Supported ALPN List");
		struct rd l = rd_sub(&d, n);
		for (int i = 0; i < 64 && rd_left(&l); i++) {
			uint8_t k = rd_u8(&l);
			const uint8_t *p = rd_bytes(&l, k);
			proto_tree_field(ctx, 5, "Supported ALPN Length", "%u", k);
			if (!p)
				return;
			proto_tree_field_str(ctx, 5, "Supported ALPN", tlst_s(p, k), PROTO_TENC_ASCII);
		}
		return;
	}
	case 65281: {
		proto_tree_text(ctx, 4, "Renegotiation Info extension");
		uint8_t n = rd_u8(&d);
		if (!rd_ok(&d))
			return;
		proto_tree_field(ctx, 5, "Renegotiation info extension length", "%u", n);
		if (n)
			proto_tree_bytes(ctx, 5, "Renegotiation info", tlst_s(d.p, rd_left(&d) < n ? rd_left(&d) : n));
		return;
	}
	default:
		tlst_ext_data(ctx, &d);
		return;
	}
}

/* "Extensions Length: N" and every extension. */
static void tlst_extensions(struct proto_ctx *ctx, struct rd *r, const struct tlst_hello *h)
{
	if (!rd_left(r))
		return;
	uint16_t n = rd_be16(r);
	if (!rd_ok(r))
		return;
	proto_tree_field(ctx, 3, "Extensions Length", "%u", n);
	struct rd l = rd_sub(r, n);
	for (int i = 0; i < 256 && rd_left(&l) >= 4; i++) {
		uint16_t t = rd_be16(&l), el = rd_be16(&l);
		struct rd d = rd_sub(&l, el);
		if (!rd_ok(&l))
			return;
		tlst_extension(ctx, t, d, h);
	}
}

/* ---- handshake messages ---------------------------------------------------------------- */

static const uint8_t tlst_hrr_random[32] = { 0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
					    0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
					    0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c };

/* Version, Random (with its parts unless the hello settles on TLS 1.3), session id. Returns 0
 * when the bytes ran out. */
static int tlst_hello_head(struct proto_ctx *ctx, struct rd *r, int *hrr, int tls13)
{
	char b[48];
	uint16_t v = rd_be16(r);
	const uint8_t *rnd = rd_bytes(r, 32);
	if (!rnd)
		return 0;
	proto_tree_field(ctx, 3, "Version", "%s", tlst_version_text(v, b, sizeof b));
	int is_hrr = hrr && !memcmp(rnd, tlst_hrr_random, 32);
	if (hrr)
		*hrr = is_hrr;
	proto_tree_bytes(ctx, 3, "Random", tlst_s(rnd, 32));
	if (is_hrr) {
		proto_tree_cat(ctx, " (HelloRetryRequest magic)");
	} else if (!tls13) {
		uint32_t t = (uint32_t)rnd[0] << 24 | (uint32_t)rnd[1] << 16 | (uint32_t)rnd[2] << 8 | rnd[3];
		tls_tree_time(ctx, 4, "GMT Unix Time", t, 0);
		proto_tree_bytes(ctx, 4, "Random Bytes", tlst_s(rnd + 4, 28));
	}
	uint8_t sl = rd_u8(r);
	const uint8_t *sid = rd_bytes(r, sl);
	if (!rd_ok(r))
		return 0;
	proto_tree_field(ctx, 3, "Session ID Length", "%u", sl);
	if (sl)
		proto_tree_bytes(ctx, 3, "Session ID", tlst_s(sid, sl));
	return 1;
}

static void tlst_ja3(struct proto_ctx *ctx, struct slice body, int client)
{
	struct tls_hello h;
	char full[PROTO_TREE_LABEL + 64], md5[33];
	if (tls_hello_parse(body, client, &h) < 0 && !h.legacy_version)
		return;
	tls_ja3(&h, client, full, sizeof full, md5);
	proto_tree_gfield(ctx, 3, client ? "JA3 Fullstring" : "JA3S Fullstring", "%s", full);
	proto_tree_gfield(ctx, 3, client ? "JA3" : "JA3S", "%s", md5);
}

static void tlst_client_hello(struct proto_ctx *ctx, struct slice body)
{
	char b[96];
	struct rd r = rd_make(body.p, body.len);
	if (!tlst_hello_head(ctx, &r, NULL, 0))
		return;
	uint16_t cl = rd_be16(&r);
	if (!rd_ok(&r))
		return;
	proto_tree_field(ctx, 3, "Cipher Suites Length", "%u", cl);
	struct rd cs = rd_sub(&r, cl);
	proto_tree_text(ctx, 3, "Cipher Suites (%u suite%s)", cl / 2, cl / 2 == 1 ? "" : "s");
	for (int i = 0; i < TLS_TLIST_MAX && rd_left(&cs) >= 2; i++)
		proto_tree_field(ctx, 4, "Cipher Suite", "%s", tlst_cipher(rd_be16(&cs), b, sizeof b));
	uint8_t ml = rd_u8(&r);
	if (!rd_ok(&r))
		return;
	proto_tree_field(ctx, 3, "Compression Methods Length", "%u", ml);
	struct rd cm = rd_sub(&r, ml);
	proto_tree_text(ctx, 3, "Compression Methods (%u method%s)", ml, ml == 1 ? "" : "s");
	while (rd_left(&cm)) {
		uint8_t m = rd_u8(&cm);
		proto_tree_field(ctx, 4, "Compression Method", "%s (%u)", m == 0 ? "null" : m == 1 ? "DEFLATE" : "Unknown", m);
	}
	struct tlst_hello h = { 1, 0 };
	tlst_extensions(ctx, &r, &h);
	tlst_ja3(ctx, body, 1);
}

static void tlst_server_hello(struct proto_ctx *ctx, struct slice body)
{
	char b[96];
	struct rd r = rd_make(body.p, body.len);
	int hrr = 0;
	struct tls_hello h13;
	int v13 = tls_hello_parse(body, 0, &h13) >= 0 && h13.selected_version &&
		  (h13.selected_version == 0x0304 || (h13.selected_version >> 8) == 0x7f);
	if (!tlst_hello_head(ctx, &r, &hrr, v13))
		return;
	uint16_t c = rd_be16(&r);
	uint8_t m = rd_u8(&r);
	if (!rd_ok(&r))
		return;
	proto_tree_field(ctx, 3, "Cipher Suite", "%s", tlst_cipher(c, b, sizeof b));
	proto_tree_field(ctx, 3, "Compression Method", "%s (%u)", m == 0 ? "null" : m == 1 ? "DEFLATE" : "Unknown", m);
	struct tlst_hello h = { 0, (uint8_t)hrr };
	tlst_extensions(ctx, &r, &h);
	tlst_ja3(ctx, body, 0);
}

/* ---- certificates ---------------------------------------------------------------------- */

static void tlst_certificate(struct proto_ctx *ctx, struct slice body)
{
	struct rd r = rd_make(body.p, body.len);
	uint32_t n = (uint32_t)rd_u8(&r) << 16 | rd_be16(&r);
	if (!rd_ok(&r))
		return;
	proto_tree_field(ctx, 3, "Certificates Length", "%u", n);
	proto_tree_text(ctx, 3, "Certificates (%u bytes)", n);
	struct rd l = rd_sub(&r, n);
	for (int i = 0; i < 64 && rd_left(&l) >= 3; i++) {
		uint32_t cl = (uint32_t)rd_u8(&l) << 16 | rd_be16(&l);
		const uint8_t *c = rd_bytes(&l, cl);
		proto_tree_field(ctx, 4, "Certificate Length", "%u", cl);
		if (!c)
			return;
		char subj[TLS_TEXT];
		proto_tree_bytes(ctx, 4, "Certificate", tlst_s(c, cl));
		if (x509_subject_text(tlst_s(c, cl), subj, sizeof subj)) {
			proto_tree_append(ctx, " (");
			proto_tree_append_str(ctx, tlst_s((const uint8_t *)subj, (uint32_t)strlen(subj)), PROTO_TENC_UTF8);
			proto_tree_append(ctx, ")");
		}
		x509_tree_cert(ctx, 5, tlst_s(c, cl));
	}
}

/* ---- key exchanges and the rest ---------------------------------------------------------- */

enum tlst_kx { KX_UNKNOWN = 0, KX_RSA, KX_DHE, KX_ECDHE };

static enum tlst_kx tlst_kx(uint16_t cipher)
{
	const char *n = tls_cipher_name(cipher);
	if (!n)
		return KX_UNKNOWN;
	if (!strncmp(n, "TLS_ECDHE_", 10) || !strncmp(n, "TLS_ECDH_anon_", 14))
		return KX_ECDHE;
	if (!strncmp(n, "TLS_DHE_", 8) || !strncmp(n, "TLS_DH_anon_", 12))
		return KX_DHE;
	if (!strncmp(n, "TLS_RSA_", 8))
		return KX_RSA;
	return KX_UNKNOWN;
}

/* A length-prefixed value of a key exchange: "<name> Length: N" and "<name>: hex". */
static int tlst_kx_value(struct proto_ctx *ctx, struct rd *r, int wide, const char *len_name, const char *name)
{
	uint32_t n = wide ? rd_be16(r) : rd_u8(r);
	const uint8_t *p = rd_bytes(r, n);
	if (!p)
		return 0;
	proto_tree_field(ctx, 4, len_name, "%u", n);
	proto_tree_bytes(ctx, 4, name, tlst_s(p, n));
	return 1;
}

/* The signature after server parameters (TLS 1.2 names its algorithm). */
static void tlst_kx_signature(struct proto_ctx *ctx, struct rd *r, uint16_t version)
{
	if (!rd_left(r))
		return;
	if (version >= 0x0303)
		tls_tree_sigalg(ctx, 4, rd_be16(r));
	tlst_kx_value(ctx, r, 1, "Signature Length", "Signature");
}

static void tlst_server_kx(struct proto_ctx *ctx, struct slice body, const struct tls_tinfo *ti)
{
	struct rd r = rd_make(body.p, body.len);
	switch (tlst_kx(ti->cipher)) {
	case KX_ECDHE: {
		proto_tree_text(ctx, 3, "EC Diffie-Hellman Server Params");
		uint8_t ct = rd_u8(&r);
		uint16_t g = rd_be16(&r);
		if (!rd_ok(&r))
			return;
		proto_tree_field(ctx, 4, "Curve Type", "%s (0x%02x)", ct == 3 ? "named_curve" : "Unknown", ct);
		const char *gn = tlst_group(g);
		proto_tree_field(ctx, 4, "Named Curve", "%s (0x%04x)", gn ? gn : "Unknown", g);
		if (tlst_kx_value(ctx, &r, 0, "Pubkey Length", "Pubkey"))
			tlst_kx_signature(ctx, &r, ti->sess_version);
		return;
	}
	case KX_DHE:
		proto_tree_text(ctx, 3, "Diffie-Hellman Server Params");
		if (tlst_kx_value(ctx, &r, 1, "p Length", "p") && tlst_kx_value(ctx, &r, 1, "g Length", "g") &&
		    tlst_kx_value(ctx, &r, 1, "Pubkey Length", "Pubkey"))
			tlst_kx_signature(ctx, &r, ti->sess_version);
		return;
	default:
		return;
	}
}

static void tlst_client_kx(struct proto_ctx *ctx, struct slice body, const struct tls_tinfo *ti)
{
	struct rd r = rd_make(body.p, body.len);
	switch (tlst_kx(ti->cipher)) {
	case KX_ECDHE:
		proto_tree_text(ctx, 3, "EC Diffie-Hellman Client Params");
		tlst_kx_value(ctx, &r, 0, "Pubkey Length", "Pubkey");
		return;
	case KX_DHE:
		proto_tree_text(ctx, 3, "Diffie-Hellman Client Params");
		tlst_kx_value(ctx, &r, 1, "Pubkey Length", "Pubkey");
		return;
	case KX_RSA:
		proto_tree_text(ctx, 3, "RSA Encrypted PreMaster Secret");
		tlst_kx_value(ctx, &r, 1, "Encrypted PreMaster length", "Encrypted PreMaster");
		return;
	default:
		return;
	}
}

static void tlst_ticket(struct proto_ctx *ctx, struct slice body, uint16_t version)
{
	struct rd r = rd_make(body.p, body.len);
	proto_tree_text(ctx, 3, "TLS Session Ticket");
	uint32_t life = rd_be32(&r);
	if (!rd_ok(&r))
		return;
	char t[96];
	proto_secs_text(t, sizeof t, life);
	proto_tree_field(ctx, 4, "Session Ticket Lifetime Hint", "%u second%s", life, life == 1 ? "" : "s");
	if (life >= 60)
		proto_tree_append(ctx, " (%s)", t);
	if (version == 0x0304) {
		uint32_t age = rd_be32(&r);
		if (!rd_ok(&r))
			return;
		proto_tree_field(ctx, 4, "Session Ticket Age Add", "%u", age);
		tlst_kx_value(ctx, &r, 0, "Session Ticket Nonce Length", "Session Ticket Nonce");
	}
	tlst_kx_value(ctx, &r, 1, "Session Ticket Length", "Session Ticket");
}

static void tlst_cert_request(struct proto_ctx *ctx, struct slice body, uint16_t version)
{
	struct rd r = rd_make(body.p, body.len);
	uint8_t n = rd_u8(&r);
	if (!rd_ok(&r))
		return;
	proto_tree_field(ctx, 3, "Certificate types count", "%u", n);
	proto_tree_text(ctx, 3, "Certificate types (%u type%s)", n, n == 1 ? "" : "s");
	for (int i = 0; i < n && rd_left(&r); i++) {
		uint8_t t = rd_u8(&r);
		const char *tn = t == 1 ? "RSA Sign" : t == 2 ? "DSS Sign" : t == 3 ? "RSA Fixed DH" : t == 4 ? "DSS Fixed DH"
			: t == 64 ? "ECDSA Sign" : t == 65 ? "RSA Fixed ECDH" : t == 66 ? "ECDSA Fixed ECDH" : "Unknown";
		proto_tree_field(ctx, 4, "Certificate type", "%s (%u)", tn, t);
	}
	if (version >= 0x0303)
		tlst_sigalgs(ctx, 3, &r);
	uint16_t dl = rd_be16(&r);
	if (rd_ok(&r))
		proto_tree_field(ctx, 3, "Distinguished Names Length", "%u", dl);
}

/* One plaintext handshake message (type, body). */
static void tlst_message(struct proto_ctx *ctx, uint8_t type, struct slice body, int hrr, const struct tls_tinfo *ti)
{
	const char *n = tls_hs_name(type);
	proto_tree_text(ctx, 2, "Handshake Protocol: %s", hrr ? "Hello Retry Request" : n ? n : "Unknown");
	proto_tree_field(ctx, 3, "Handshake Type", "%s (%u)", n ? n : "Unknown", type);
	proto_tree_field(ctx, 3, "Length", "%u", body.len);
	switch (type) {
	case 1: tlst_client_hello(ctx, body); break;
	case 2: tlst_server_hello(ctx, body); break;
	case 4: tlst_ticket(ctx, body, ti->sess_version); break;
	case 11: tlst_certificate(ctx, body); break;
	case 12: tlst_server_kx(ctx, body, ti); break;
	case 13: tlst_cert_request(ctx, body, ti->sess_version); break;
	case 16: tlst_client_kx(ctx, body, ti); break;
	case 15: {
		struct rd r = rd_make(body.p, body.len);
		tls_tree_sigalg(ctx, 3, rd_be16(&r));
		uint16_t sl = rd_be16(&r);
		const uint8_t *s = rd_bytes(&r, sl);
		if (s) {
			proto_tree_field(ctx, 3, "Signature length", "%u", sl);
			proto_tree_bytes(ctx, 3, "Signature", tlst_s(s, sl));
		}
		break;
	}
	case 20:
		proto_tree_bytes(ctx, 3, "Verify Data", body);
		break;
	default:
		break;
	}
}

/* ---- records ----------------------------------------------------------------------------- */

void tls_tree_begin(struct proto_ctx *ctx, struct tls_tdir **tdp, uint8_t v2, uint8_t type, uint16_t version,
		    uint32_t len, uint16_t sess_version)
{
	if (!proto_tree_on(ctx))
		return;
	if (!*tdp) {
		*tdp = malloc(sizeof **tdp);
		if (!*tdp)
			return;
		memset(*tdp, 0, offsetof(struct tls_tdir, body));
	}
	struct tls_tdir *td = *tdp;
	td->begin_frame = ctx->frame;
	td->v2 = v2;
	td->type = type;
	td->version = version;
	td->len = len;
	td->have = 0;
	td->sess_version = sess_version;
}

void tls_tree_bytes(struct tls_tdir *td, const uint8_t *p, uint32_t n)
{
	if (!td || td->have >= TLS_TREC_MAX)
		return;
	uint32_t k = n < TLS_TREC_MAX - td->have ? n : TLS_TREC_MAX - td->have;
	memcpy(td->body + td->have, p, k);
	td->have += k;
}

void tls_tree_free(struct tls_tdir **td)
{
	free(*td);
	*td = NULL;
}

/* Wireshark's name of the protocol inside application data: the ALPN selected, else the port's. */
static const char *tlst_app_proto(const struct tls_tinfo *ti)
{
	if (ti->alpn && ti->alpn[0]) {
		if (!strcmp(ti->alpn, "h2"))
			return "HyperText Transfer Protocol 2";
		if (!strncmp(ti->alpn, "http/1.", 7))
			return "Hypertext Transfer Protocol";
		if (!strncmp(ti->alpn, "spdy/", 5))
			return "SPDY";
	}
	uint16_t p[2] = { ti->sport < ti->dport ? ti->sport : ti->dport, ti->sport < ti->dport ? ti->dport : ti->sport };
	for (int i = 0; i < 2; i++) {
		switch (p[i]) {
		case 443: case 8443: case 4443: return "Hypertext Transfer Protocol";
		case 993: case 143: return "Internet Message Access Protocol";
		case 995: case 110: return "Post Office Protocol";
		case 465: case 587: case 25: return "Simple Mail Transfer Protocol";
		case 990: case 21: return "File Transfer Protocol (FTP)";
		case 5222: case 5223: return "XMPP Protocol";
		}
	}
	return NULL;
}

/* The record's first line; its items follow at depth 2. */
static void tlst_record_head(struct proto_ctx *ctx, const struct tls_tdir *td, const struct tls_tinfo *ti,
			     const char *what)
{
	char b[48];
	const char *sn = tls_col_name(td->sess_version ? td->sess_version : td->version);
	proto_tree_text(ctx, 1, "%s Record Layer: %s", sn ? sn : "SSL", what);
	const char *ct = tlst_ct_name(td->type);
	int opaque = td->type == 23 && (ti->sess_version == 0x0304 || (ti->sess_version >> 8) == 0x7f);
	proto_tree_field(ctx, 2, opaque ? "Opaque Type" : "Content Type", "%s (%u)", ct ? ct : "Unknown", td->type);
	proto_tree_field(ctx, 2, "Version", "%s", tlst_version_text(td->version, b, sizeof b));
	proto_tree_field(ctx, 2, "Length", "%u", td->len);
}

static void tlst_handshake_record(struct proto_ctx *ctx, const struct tls_tdir *td, const struct tls_tinfo *ti)
{
	if (ti->hs_encrypted) {
		tlst_record_head(ctx, td, ti, "Handshake Protocol: Encrypted Handshake Message");
		proto_tree_text(ctx, 2, "Handshake Protocol: Encrypted Handshake Message");
		return;
	}
	/* the messages in the record: one names the record, several make "Multiple" */
	struct rd r = rd_make(td->body, td->have);
	uint32_t count = 0;
	uint8_t first = td->have ? td->body[0] : 0;
	while (rd_left(&r) >= 4 && count < 64) {
		(void)rd_u8(&r);
		uint32_t n = (uint32_t)rd_u8(&r) << 16 | rd_be16(&r);
		rd_skip(&r, n < rd_left(&r) ? n : rd_left(&r));
		count++;
	}
	int hrr = first == 2 && td->have >= 38 && !memcmp(td->body + 6, tlst_hrr_random, 32);
	char what[96];
	const char *fn = tls_hs_name(first);
	snprintf(what, sizeof what, "Handshake Protocol: %s",
		 count > 1 ? "Multiple Handshake Messages" : hrr ? "Hello Retry Request" : fn ? fn : "Unknown");
	tlst_record_head(ctx, td, ti, what);
	r = rd_make(td->body, td->have);
	for (uint32_t i = 0; i < count && rd_left(&r) >= 4; i++) {
		uint8_t t = rd_u8(&r);
		uint32_t n = (uint32_t)rd_u8(&r) << 16 | rd_be16(&r);
		uint32_t k = n < rd_left(&r) ? n : rd_left(&r);
		const uint8_t *p = rd_bytes(&r, k);
		int this_hrr = t == 2 && k >= 34 && !memcmp(p + 2, tlst_hrr_random, 32);
		tlst_message(ctx, t, tlst_s(p, k), this_hrr, ti);
	}
}

static void tlst_v2_record(struct proto_ctx *ctx, const struct tls_tdir *td, const struct tls_tinfo *ti)
{
	static const char *const n[] = { NULL, "Client Hello", "Client Master Key", "Client Finished", "Server Hello",
					 "Server Verify", "Server Finished", "Request Certificate", "Client Certificate" };
	uint8_t mt = td->have ? td->body[0] : 0;
	const char *name = !ti->v2_encrypted && mt < sizeof n / sizeof n[0] ? n[mt] : NULL;
	proto_tree_text(ctx, 1, "SSLv2 Record Layer: %s", name ? name : "Encrypted Data");
	proto_tree_gfield(ctx, 2, "Version", "SSL 2.0 (0x0002)");
	if (!name)
		return;
	proto_tree_field(ctx, 2, "Length", "%u", td->len);
	proto_tree_field(ctx, 2, "Handshake Message Type", "%s (%u)", name, mt);
}

void tls_tree_end(struct proto_ctx *ctx, struct tls_tdir *td, const struct tls_tinfo *ti)
{
	if (!td || !proto_tree_on(ctx))
		return;
	int spanning = td->begin_frame != ctx->frame;
	if (spanning || !td->top_open || td->top_frame != ctx->frame)
		proto_tree_text(ctx, 0, "Transport Layer Security");
	td->top_frame = ctx->frame;
	td->top_open = (uint8_t)!spanning;
	if (td->v2) {
		tlst_v2_record(ctx, td, ti);
		return;
	}
	switch (td->type) {
	case 20:
		tlst_record_head(ctx, td, ti, "Change Cipher Spec Protocol: Change Cipher Spec");
		proto_tree_text(ctx, 2, "Change Cipher Spec Message");
		if (ti->resumed)
			proto_tree_expert(ctx, 3, "Note", "Sequence",
					  "This session reuses previously negotiated keys (Session resumption)");
		return;
	case 21: {
		const char *lv = td->have >= 2 ? (td->body[0] == 1 ? "Warning" : td->body[0] == 2 ? "Fatal" : NULL) : NULL;
		const char *ds = td->have >= 2 ? tls_alert_name(td->body[1]) : NULL;
		if (td->len == 2 && lv && ds && !ti->after_ccs) {
			char what[128];
			snprintf(what, sizeof what, "Alert (Level: %s, Description: %s)", lv, ds);
			tlst_record_head(ctx, td, ti, what);
			proto_tree_text(ctx, 2, "Alert Message");
			proto_tree_field(ctx, 3, "Level", "%s (%u)", lv, td->body[0]);
			proto_tree_field(ctx, 3, "Description", "%s (%u)", ds, td->body[1]);
		} else {
			tlst_record_head(ctx, td, ti, "Encrypted Alert");
			proto_tree_field(ctx, 2, "Alert Message", "Encrypted Alert");
		}
		return;
	}
	case 22:
		tlst_handshake_record(ctx, td, ti);
		return;
	case 23: {
		const char *app = tlst_app_proto(ti);
		char what[96];
		snprintf(what, sizeof what, "Application Data Protocol: %s", app ? app : "Application Data");
		tlst_record_head(ctx, td, ti, what);
		proto_tree_bytes(ctx, 2, "Encrypted Application Data", tlst_s(td->body, td->have));
		if (app)
			proto_tree_gfield(ctx, 2, "Application Data Protocol", "%s", app);
		return;
	}
	case 24:
		tlst_record_head(ctx, td, ti,
				 td->have >= 3 && (td->body[0] == 1 || td->body[0] == 2) && !ti->after_ccs
					 ? (td->body[0] == 1 ? "Heartbeat Request" : "Heartbeat Response")
					 : "Encrypted Heartbeat");
		return;
	default:
		tlst_record_head(ctx, td, ti, "Ignored Unknown Record");
		return;
	}
}
