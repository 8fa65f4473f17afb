/* columns.h: the packet-list columns (Source, Destination, Protocol, Info) as tshark shows them. */
#ifndef SLEUTH_REPORT_COLUMNS_H
#define SLEUTH_REPORT_COLUMNS_H

#include "base/obuf.h"
#include "decode/decode.h"
#include "flow/flow.h"

struct col_opts {
	int resolve_mac; /* -N m: show vendor-prefixed MAC names */
};

void col_protocol(const struct pkt *p, const struct flow_pkt *fp, struct obuf *o);
void col_info(const struct pkt *p, const struct flow_pkt *fp, struct obuf *o);
void col_source(const struct pkt *p, const struct col_opts *co, struct obuf *o);
void col_destination(const struct pkt *p, const struct col_opts *co, struct obuf *o);
/* Appends the MAC, as a vendor name plus the low three bytes when known and asked. */
void col_mac(const uint8_t *m, const struct col_opts *co, struct obuf *o);

#endif
