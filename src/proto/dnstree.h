/* dnstree.h: the DNS packet detail tree (-V) as Wireshark 4.0 draws it: header, flags, the
 * sections with their records, and the query/response matching lines ("[Request In: N]"); and
 * the name reader and number names dns.c shares with it. Included by dns.c and dnstree.c only. */
#ifndef SLEUTH_PROTO_DNSTREE_H
#define SLEUTH_PROTO_DNSTREE_H

#include <stdint.h>

#include "base/rd.h"
#include "base/slice.h"
#include "proto/proto.h"

/* Wireshark's DNS transactions of one conversation, as its single pass sees them: the latest
 * query of each id and the frame that answered it. A few are kept, the oldest replaced. */
#define DNS_TTRANS_MAX 6
struct dns_ttrans {
	int64_t req_ns;
	uint32_t req_frame, rep_frame;
	uint32_t qhash;          /* question name, type and class */
	uint16_t id;
	uint8_t used;
};

struct dns_ttab {
	struct dns_ttrans t[DNS_TTRANS_MAX];
	uint8_t next;
};

/* Names shared with dns.c: Wireshark's short type names ("A", "AAAA"; NULL when unknown), its
 * opcode and reply-code texts (NULL when unknown). */
const char *dns_type_short(uint16_t t);
const char *dns_opcode_name(uint8_t op);
const char *dns_rcode_name(uint16_t rc);

/* Reads the name at *r (compression pointers lead anywhere in the message m, n bytes) into out
 * (DNS_NAME_TEXT bytes): labels joined by dots, "<Root>" for the root, or Wireshark's marker for
 * a pointer loop, a name over 255 bytes or an unknown label type; *olen its length. *r ends after
 * the name's bytes in place. Returns enum dns_name_kind, or -1 when the message ends inside the
 * name (*r's status is set). */
#define DNS_NAME_TEXT 300
enum dns_name_kind { DNS_NAME_OK = 0, DNS_NAME_LOOP, DNS_NAME_LONG, DNS_NAME_EXT };
int dns_name_read(struct rd *r, const uint8_t *m, uint32_t n, char *out, uint16_t *olen);

enum dns_tkind { DNS_TREE_DNS = 0, DNS_TREE_MDNS, DNS_TREE_LLMNR };

/* Adds the tree of one message `m` (kind: enum dns_tkind; tcp: the message came with a two-byte
 * length on TCP) to ctx's packet tree. `tab`: the conversation's transactions (may be NULL). */
void dns_tree(struct proto_ctx *ctx, struct slice m, uint8_t kind, int tcp, struct dns_ttab *tab);

#endif
