/* fields.h: the field registry (Wireshark field names) shared by -T fields, -V and filters. */
#ifndef SLEUTH_FILTER_FIELDS_H
#define SLEUTH_FILTER_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "base/obuf.h"
#include "decode/decode.h"
#include "flow/flow.h"

enum ftype {
	FT_NONE,      /* presence only */
	FT_UINT,
	FT_INT,
	FT_BOOL,
	FT_HEX,       /* unsigned shown as 0x with `width` hex digits */
	FT_IPV4,
	FT_IPV6,
	FT_ETHER,
	FT_STRING,
	FT_ABS_TIME,  /* ns since the epoch */
	FT_REL_TIME,  /* ns */
	FT_EPOCH,     /* ns since the epoch, shown as seconds */
	FT_BYTES,
	FT_PORTS,     /* two ports (tcp.port, udp.port) */
};

struct fval {
	uint8_t type;
	uint8_t width;
	uint64_t u;
	int64_t i;
	const uint8_t *b; /* borrowed from the packet or the context */
	uint32_t blen;
	uint64_t u2;
	const char *s;    /* borrowed, NUL-terminated; FT_STRING values from dissectors come as b/blen
	                   * instead (s NULL): read strings through fval_text() */
};

/* The text of an FT_STRING value. */
static inline struct slice fval_text(const struct fval *v)
{
	struct slice r = { (const uint8_t *)v->s, 0 };
	if (v->s) {
		while (v->s[r.len])
			r.len++;
	} else {
		r.p = v->b;
		r.len = v->b ? v->blen : 0;
	}
	return r;
}

/* What a field getter sees for one packet. Strings and slices are borrowed
 * for the duration of the packet callback. */
struct fctx {
	const struct pkt *p;
	const struct flow_pkt *fp;
	int64_t first_ns, prev_ns; /* first frame's and previous frame's times */
	const char *col_protocol;  /* rendered columns, NULL until asked */
	const char *col_info;
	int (*render_cols)(struct fctx *c); /* fills col_* on demand */
	void *render_arg;
	const char *protocols;     /* frame.protocols */
};

struct field_def {
	const char *name;
	uint8_t type;
	uint8_t width;
	const char *descr;
	/* Fills the n-th occurrence (0 the first); returns 1 present, 0 absent.
	 * Only `multi` fields have occurrences past the first. */
	int (*get)(struct fctx *c, struct fval *v, int n);
	uint8_t multi;
	uint16_t app_key;  /* a dissector's field: (registry index + 1) << 8 | field index; 0 otherwise */
};

const struct field_def *field_find(const char *name);
/* Fills the n-th occurrence of fd in the packet; returns 1 present, 0 absent. */
int field_get(const struct field_def *fd, struct fctx *c, struct fval *v, int n);
/* Suggests up to n field names close to `name` (edit distance), best first. */
size_t field_suggest(const char *name, const char **out, size_t n);
size_t field_count(void);
const struct field_def *field_at(size_t i);
/* Formats a value as tshark -T fields does. */
void field_format(const struct fval *v, struct obuf *o);

#endif
