/* tree.h: the packet detail tree (-V), laid out as Wireshark's. */
#ifndef SLEUTH_REPORT_TREE_H
#define SLEUTH_REPORT_TREE_H

#include <stdint.h>

#include "base/obuf.h"
#include "decode/decode.h"
#include "flow/flow.h"
#include "report/columns.h"

void tree_print(const struct pkt *p, const struct flow_pkt *fp, const struct col_opts *co, int64_t first_ns,
		int64_t prev_ns, struct obuf *o);

#endif
