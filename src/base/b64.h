/* b64.h: base64 decoding (RFC 4648). */
#ifndef SLEUTH_BASE_B64_H
#define SLEUTH_BASE_B64_H

#include <stdint.h>

#include "base/slice.h"

/* Decodes `in` into out[0..cap): whitespace is skipped, decoding stops at the first '=', output
 * past `cap` is dropped. Returns the number of bytes written, or -1 for a character outside the
 * alphabet or a dangling single character. */
int b64_decode(struct slice in, uint8_t *out, uint32_t cap);
/* The 6-bit value of one base64 character, -1 when it is not one. */
int b64_val(uint8_t c);

#endif
