/* gquic.h: Google QUIC version recognition, shared with quic.c (whose probe leaves these to gquic.c). */
#ifndef SLEUTH_PROTO_GQUIC_H
#define SLEUTH_PROTO_GQUIC_H

#include <stdint.h>

/* gQUIC versions are "Q0" and two digits (Q039, Q043, Q046, Q050 ...). */
static inline int gquic_version(uint32_t v)
{
	uint8_t a = (uint8_t)(v >> 24), b = (uint8_t)(v >> 16), c = (uint8_t)(v >> 8), d = (uint8_t)v;
	return a == 'Q' && b == '0' && c >= '0' && c <= '9' && d >= '0' && d <= '9';
}

#endif
