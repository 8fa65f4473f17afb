/* dnstree.h: the DNS packet detail tree (-V) as Wireshark 4.0 draws it: header, flags, the
 * sections with their records, and the query/response matching lines ("[Request In: N]").
 * Shared by dns.c (which calls it for each message when a tree is wanted) and dnstree.c. */
#ifndef SLEUTH_PROTO_DNSTREE_H
#define SLEUTH_PROTO_DNSTREE_H

#include <stdint.h>

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

enum dns_tkind { DNS_TREE_DNS = 0, DNS_TREE_MDNS, DNS_TREE_LLMNR };

/* Adds the tree of one message `m` (kind: enum dns_tkind; tcp: the message came with a two-byte
 * length on TCP) to ctx's packet tree. `tab`: the conversation's transactions (may be NULL). */
void dns_tree(struct proto_ctx *ctx, struct slice m, uint8_t kind, int tcp, struct dns_ttab *tab);

#endif
