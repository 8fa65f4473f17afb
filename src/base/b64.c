/* b64.c: base64 decoding (RFC 4648 section 4), shared by the dissectors (HTTP Basic
 * authorization, SMTP/POP/IMAP credentials and attachments). */
#include "base/b64.h"

#include "base/rd.h"

/* 6-bit value + 1 by character; 0 outside the alphabet. */
static const int8_t b64_tab[256] = {
	['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,  ['G'] = 7,  ['H'] = 8,
	['I'] = 9,  ['J'] = 10,  ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16,
	['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
	['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
	['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
	['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
	['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
	['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

int b64_val(uint8_t c) { return b64_tab[c] - 1; }

int b64_decode(struct slice in, uint8_t *out, uint32_t cap)
{
	struct rd r = rd_make(in.p, in.len);
	uint32_t acc = 0, n = 0, o = 0;
	while (rd_left(&r)) {
		uint8_t c = rd_u8(&r);
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=')
			break;
		int v = b64_val(c);
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		if (++n == 4) {
			for (int k = 2; k >= 0; k--)
				if (o < cap)
					out[o++] = (uint8_t)(acc >> (8 * k));
			acc = 0;
			n = 0;
		}
	}
	if (n == 1)
		return -1;
	if (n >= 2 && o < cap)
		out[o++] = (uint8_t)(acc >> (6 * n - 8));
	if (n == 3 && o < cap)
		out[o++] = (uint8_t)(acc >> 2);
	return (int)o;
}
