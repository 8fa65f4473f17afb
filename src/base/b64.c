/* b64.c: base64 decoding (RFC 4648 section 4), shared by the dissectors (HTTP Basic
 * authorization, SMTP/POP/IMAP credentials and attachments). */
#include "base/b64.h"

#include "base/rd.h"

int b64_val(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

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
