/* tlstree.h: the TLS packet detail tree (-V) as Wireshark 4.0 draws it without keys: one
 * "Transport Layer Security" item per dissection call with its records, the handshake messages
 * in plaintext (hellos with every extension, certificates, key exchanges, tickets ...) and the
 * encrypted ones as such. tls.c hands the record bytes over as they pass and calls
 * tls_tree_end when a record is complete; nothing here runs without a tree. */
#ifndef SLEUTH_PROTO_TLSTREE_H
#define SLEUTH_PROTO_TLSTREE_H

#include <stdint.h>

#include "proto/proto.h"

#define TLS_TREC_MAX (16384 + 2048 + 256) /* record body kept: the largest a record may be */

/* One direction's copy of the record being read. Allocated (malloc) at the first record a tree
 * is wanted for; owned by the direction's TLS state, freed by tls_tree_free. */
struct tls_tdir {
	uint64_t begin_frame;    /* frame the current record began in */
	uint64_t top_frame;      /* frame whose tree holds the last "Transport Layer Security" item */
	uint8_t top_open;        /* a record that began in top_frame joins that item */
	uint8_t v2;              /* SSLv2 header */
	uint8_t type;            /* content type */
	uint16_t sess_version;   /* the session's version when the record began (names the record) */
	uint16_t version;        /* record version */
	uint32_t len;            /* body length from the header */
	uint32_t have;           /* body bytes kept */
	uint8_t body[TLS_TREC_MAX];
};

/* What tls.c knows of the session when a record ends. */
struct tls_tinfo {
	uint16_t sess_version;   /* negotiated (or fixed) version; 0 unknown */
	uint16_t cipher;         /* the server's choice; 0 unknown */
	uint8_t hs_encrypted;    /* this handshake record is not plaintext */
	uint8_t after_ccs;       /* TLS <= 1.2 after ChangeCipherSpec: alerts and heartbeats are encrypted */
	uint8_t v2_encrypted;    /* SSLv2 after the master key */
	uint8_t resumed;         /* TLS <= 1.2 session resumed (the server echoed the session id) */
	const char *alpn;        /* the protocol the server selected ("" none) */
	uint16_t sport, dport;
};

/* Names tls.c shares with the tree (Wireshark's texts; NULL when unknown). */
const char *tls_hs_name(uint8_t t);
const char *tls_alert_name(uint8_t d);
const char *tls_col_name(uint16_t v); /* "TLSv1.2": the Protocol column's and the record layer's name */

/* Items shared with the certificate tree: "Signature Algorithm: name (0x0403)" with its hash and
 * signature, and an absolute time in seconds as Wireshark writes it. */
void tls_tree_sigalg(struct proto_ctx *ctx, uint8_t depth, uint16_t alg);
void tls_tree_time(struct proto_ctx *ctx, uint8_t depth, const char *name, int64_t secs, uint32_t nsec);

void tls_tree_begin(struct proto_ctx *ctx, struct tls_tdir **td, uint8_t v2, uint8_t type, uint16_t version,
		    uint32_t len, uint16_t sess_version);
void tls_tree_bytes(struct tls_tdir *td, const uint8_t *p, uint32_t n);
void tls_tree_end(struct proto_ctx *ctx, struct tls_tdir *td, const struct tls_tinfo *ti);
void tls_tree_free(struct tls_tdir **td);

#endif
