/* dfilter.h: Wireshark 4.0 display filters (-Y): compile a filter string once into an opaque
 * program, then evaluate it per packet against a `struct fctx` without allocating. */
#ifndef SLEUTH_FILTER_DFILTER_H
#define SLEUTH_FILTER_DFILTER_H

#include <stdint.h>

#include "base/err.h"
#include "base/obuf.h"
#include "filter/fields.h"

struct dfilter; /* owned by the caller of dfilter_compile; released with dfilter_free */

/* Compiles `text`. On success *out is the program (0 returned). On failure returns a negative
 * enum err (ERR_USAGE for a filter that is wrong), e->msg says why (with a suggestion for a
 * misspelt field), e->offset is the byte offset of the offending spot in `text` and *err_len
 * (when not NULL) its length, for a caret line. `text` need not outlive the program. */
int dfilter_compile(struct dfilter **out, const char *text, struct errbuf *e, uint32_t *err_len) WARN_UNUSED_RESULT;

/* 1 when the packet described by `c` matches, 0 when not. Never allocates: field values go to
 * scratch space inside the program, so one program serves one thread at a time. */
int dfilter_match(const struct dfilter *df, struct fctx *c);

void dfilter_free(struct dfilter *df);

/* Writes the three-line error as tshark shows it: the message, the filter indented by four
 * spaces, and a caret with tildes under the offending spot. */
void dfilter_format_error(const char *text, const struct errbuf *e, uint32_t err_len, struct obuf *o);

#endif
