/* tls.h: what the TLS dissector offers other dissectors. QUIC carries TLS handshake messages in
 * CRYPTO frames instead of records; Wireshark dissects them with its TLS dissector, so a QUIC
 * packet with a ClientHello also answers `tls`, `tls.handshake.extensions_server_name` ... */
#ifndef SLEUTH_PROTO_TLS_H
#define SLEUTH_PROTO_TLS_H

#include "proto/proto.h"
#include "proto/tlshello.h"

/* Marks TLS present in the current packet and sets the tls.handshake.* fields of a ClientHello
 * (client != 0, with its JA3) or a ServerHello (with its JA3S), as if TLS had dissected it.
 * The JA3/JA3S text is written to ja3, which must outlive the packet (the caller's state). */
void tls_hello_export(struct proto_ctx *ctx, const struct tls_hello *h, int client, char ja3[33]);

#endif
