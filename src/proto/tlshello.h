/* tlshello.h: TLS ClientHello/ServerHello body parser (RFC 8446 section 4.1.2-4.1.3, RFC 5246
 * section 7.4.1) and the fingerprints built from it: JA3/JA3S (Salesforce) and JA4 (FoxIO).
 * Independent of any dissector: TLS over TCP (proto/tls.c) and QUIC CRYPTO frames (proto/quic.c)
 * hand it the handshake message body. Depends on base/ and OpenSSL's libcrypto only. */
#ifndef SLEUTH_PROTO_TLSHELLO_H
#define SLEUTH_PROTO_TLSHELLO_H

#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"

#define TLS_HELLO_MAX_CS 256
#define TLS_HELLO_MAX_EXT 128
#define TLS_HELLO_MAX_GROUPS 64
#define TLS_HELLO_MAX_PF 16
#define TLS_HELLO_MAX_SIG 64
#define TLS_HELLO_MAX_VER 16
#define TLS_HELLO_MAX_ALPN 16

/* Handshake message types (RFC 8446 section 4, RFC 5246 section 7.4) */
enum tls_hs_type {
	TLS_HS_HELLO_REQUEST = 0, TLS_HS_CLIENT_HELLO = 1, TLS_HS_SERVER_HELLO = 2,
	TLS_HS_NEW_SESSION_TICKET = 4, TLS_HS_END_OF_EARLY_DATA = 5, TLS_HS_ENCRYPTED_EXTENSIONS = 8,
	TLS_HS_CERTIFICATE = 11, TLS_HS_SERVER_KEY_EXCHANGE = 12, TLS_HS_CERTIFICATE_REQUEST = 13,
	TLS_HS_SERVER_HELLO_DONE = 14, TLS_HS_CERTIFICATE_VERIFY = 15, TLS_HS_CLIENT_KEY_EXCHANGE = 16,
	TLS_HS_FINISHED = 20, TLS_HS_CERTIFICATE_URL = 21, TLS_HS_CERTIFICATE_STATUS = 22,
	TLS_HS_KEY_UPDATE = 24, TLS_HS_MESSAGE_HASH = 254,
};

/* One parsed hello. Every list keeps the values in wire order, GREASE included (the
 * fingerprint functions drop GREASE themselves); values past a list's capacity are dropped and
 * counted in `dropped`. Slices (sni, alpn, session_id) point into the body given to
 * tls_hello_parse() and live as long as it does. */
struct tls_hello {
	uint16_t legacy_version;         /* ProtocolVersion field of the hello */
	uint16_t ncs;                    /* ClientHello: cipher suites offered */
	uint16_t cs[TLS_HELLO_MAX_CS];
	uint16_t next;                   /* extensions, in order */
	uint16_t ext[TLS_HELLO_MAX_EXT];
	uint16_t ngroups;                /* supported_groups (10) */
	uint16_t groups[TLS_HELLO_MAX_GROUPS];
	uint8_t npf;                     /* ec_point_formats (11) */
	uint8_t pf[TLS_HELLO_MAX_PF];
	uint16_t nsig;                   /* signature_algorithms (13) */
	uint16_t sig[TLS_HELLO_MAX_SIG];
	uint8_t nver;                    /* ClientHello supported_versions (43) */
	uint16_t versions[TLS_HELLO_MAX_VER];
	struct slice sni;                /* first host_name of server_name (0); len 0: none */
	uint8_t has_sni;                 /* the server_name extension is present */
	uint8_t nalpn;                   /* application_layer_protocol_negotiation (16) */
	struct slice alpn[TLS_HELLO_MAX_ALPN];
	uint16_t selected_version;       /* ServerHello supported_versions; 0: absent */
	uint16_t cipher;                 /* ServerHello cipher_suite */
	uint8_t compression;             /* ServerHello compression_method */
	uint16_t key_share_group;        /* ServerHello key_share (51) group; 0: absent */
	struct slice session_id;         /* legacy_session_id (0..32 bytes) */
	uint32_t dropped;                /* list values past capacity */
};

/* Parses a ClientHello (client != 0) or ServerHello body: the handshake message after its
 * 4-byte header. Returns 0, or -1 when the body is malformed or cut (the fields read before
 * that point are kept). Zeroes *h first. */
int tls_hello_parse(struct slice body, int client, struct tls_hello *h);

/* 1 for the reserved GREASE values 0x?a?a with equal bytes (RFC 8701). */
int tls_grease(uint16_t v);
/* The version the hello settles on: selected_version (ServerHello) or the highest non-GREASE
 * supported_versions entry (ClientHello) when present, else legacy_version. */
uint16_t tls_hello_version(const struct tls_hello *h, int client);
/* Extension `type` present in the hello. */
int tls_hello_has_ext(const struct tls_hello *h, uint16_t type);

/* JA3 (client) or JA3S (server) string in decimal, GREASE values removed, into str (n bytes,
 * NUL-terminated, cut if short; str may be NULL with n 0), and the MD5 of the whole string as 32 lower-case hex digits. */
void tls_ja3(const struct tls_hello *h, int client, char *str, size_t n, char md5hex[33]);
/* JA4 of a ClientHello ("t13d1516h2_8daaf6152771_e5627efa2ab1"); transport 't' TCP, 'q' QUIC,
 * 'd' DTLS. */
void tls_ja4(const struct tls_hello *h, char transport, char out[40]);

/* IANA TLS Cipher Suites registry name ("TLS_AES_128_GCM_SHA256"); NULL when unassigned. */
const char *tls_cipher_name(uint16_t id);
/* Version as Zeek's ssl.log writes it ("TLSv12", "TLSv13", "SSLv3", "DTLSv12"); NULL: unknown. */
const char *tls_version_name(uint16_t v);
/* IANA TLS Supported Groups registry name ("x25519", "secp256r1"); NULL when not known. */
const char *tls_group_name(uint16_t id);

#endif
