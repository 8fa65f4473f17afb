/* protocols.h: frame.protocols, the colon-separated chain of protocols in a packet as tshark
 * writes it ("eth:ethertype:ip:tcp:http"), and the protocol hierarchy built from it (-z io,phs). */
#ifndef SLEUTH_REPORT_PROTOCOLS_H
#define SLEUTH_REPORT_PROTOCOLS_H

#include <stdint.h>

#include "base/obuf.h"
#include "decode/decode.h"
#include "flow/flow.h"

void pkt_protocols(const struct pkt *p, const struct flow_pkt *fp, struct obuf *o);

/* The protocol hierarchy: a tree of protocol names with frames and bytes, bounded (names past
 * PHS_MAX_NODES are counted under their parent). */
#define PHS_MAX_NODES 1024
#define PHS_NAME_MAX 40

struct phs_node {
	char name[PHS_NAME_MAX];
	uint64_t frames, bytes;
	int32_t parent, child, next; /* indexes; -1 none */
};

struct phs {
	struct phs_node n[PHS_MAX_NODES];
	uint32_t count;
	int32_t first;
	uint64_t dropped;
};

void phs_init(struct phs *h);
/* Adds one frame of `bytes` with its frame.protocols chain. */
void phs_add(struct phs *h, const char *chain, uint32_t bytes);
/* Writes tshark's -z io,phs table. */
void phs_render(const struct phs *h, const char *filter, struct obuf *o);

#endif
