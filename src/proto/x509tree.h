/* x509tree.h: an X.509 certificate (RFC 5280) drawn as Wireshark 4.0's x509af tree: the signed
 * certificate with its names, validity, public key and extensions, the signature algorithm and
 * the signature. Used by the TLS tree (tlstree.c) under each "Certificate:" item. */
#ifndef SLEUTH_PROTO_X509TREE_H
#define SLEUTH_PROTO_X509TREE_H

#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"
#include "proto/proto.h"

/* Draws the certificate `der` with its top items at `depth`. */
void x509_tree_cert(struct proto_ctx *ctx, uint8_t depth, struct slice der);

/* The subject's summary as Wireshark writes it ("id-at-commonName=www.example.com,..."), the
 * last RDN first; its length, 0 when the certificate has none. */
size_t x509_subject_text(struct slice der, char *out, size_t cap);

#endif
