/* slice.h: a borrowed view of bytes. */
#ifndef SLEUTH_BASE_SLICE_H
#define SLEUTH_BASE_SLICE_H

#include <stdint.h>

/* `p` is borrowed: valid only while the memory it points into lives (for
 * packet data: the current packet callback). Copy to keep it longer. */
struct slice {
	const uint8_t *p;
	uint32_t len;
};

#endif
