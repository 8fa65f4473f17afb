/* raw_frame.h: a crafted raw-IP frame for the unit tests that drive the decoder and the flow
 * table with packets they build themselves. */
#ifndef SLEUTH_TESTS_RAW_FRAME_H
#define SLEUTH_TESTS_RAW_FRAME_H

#include <stdint.h>
#include <string.h>

#include "base/frame.h"

/* Sets `f` to the `len` bytes at `b` (borrowed) as frame number `num` at time `ns`. */
static inline void raw_frame_set(struct frame *f, const uint8_t *b, uint32_t len, int64_t ns, uint64_t num)
{
	memset(f, 0, sizeof *f);
	f->data = b;
	f->caplen = f->len = len;
	f->ts_sec = ns / 1000000000;
	f->ts_nsec = (uint32_t)(ns % 1000000000);
	f->ts_digits = 9;
	f->linktype = LT_RAW;
	f->num = num;
}

#endif
