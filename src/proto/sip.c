/* sip.c: SIP over UDP (RFC 3261) message framing and the SDP body (RFC 8866) media
 * endpoints ("c=" address, "m=" port), announced as expectations for RTP and RTCP
 * (port + 1), the way Wireshark's SDP dissector sets up RTP conversations. */
#include <string.h>

#include "base/rd.h"
#include "proto/proto.h"

#define SIP_MAX_LINES 512

struct sip_state {
	uint32_t messages;
};

static const uint16_t sip_ports[] = { 5060, 0 };

static int sip_starts_with(struct slice s, const char *pfx)
{
	size_t n = strlen(pfx);
	return s.len >= n && memcmp(s.p, pfx, n) == 0;
}

/* A request line "METHOD uri SIP/2.0" or a status line "SIP/2.0 code". */
static enum proto_probe sip_probe(uint8_t l4, struct slice d)
{
	if (sip_starts_with(d, "SIP/2.0 "))
		return PROBE_YES;
	static const char *const methods[] = { "INVITE ", "ACK ", "BYE ", "CANCEL ", "OPTIONS ", "REGISTER ",
					       "PRACK ", "SUBSCRIBE ", "NOTIFY ", "PUBLISH ", "INFO ", "REFER ",
					       "MESSAGE ", "UPDATE " };
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (sip_starts_with(d, methods[i])) {
			for (uint32_t k = 0; k + 8 <= d.len && k < 1024; k++)
				if (d.p[k] == '\r' || d.p[k] == '\n')
					return k >= 8 && memcmp(d.p + k - 8, " SIP/2.0", 8) == 0 ? PROBE_YES : PROBE_NO;
			return PROBE_MAYBE;
		}
	return PROBE_NO;
}

/* Splits off the next line (without CR LF); returns 0 at the end. */
static int sip_next_line(struct rd *r, struct slice *line)
{
	uint32_t left = rd_left(r);
	if (!left)
		return 0;
	uint32_t n = 0;
	while (n < left && r->p[n] != '\n')
		n++;
	line->p = r->p;
	line->len = n;
	if (line->len && line->p[line->len - 1] == '\r')
		line->len--;
	rd_skip(r, n < left ? n + 1 : n);
	return 1;
}

static int sip_ieq_prefix(struct slice s, const char *pfx)
{
	size_t n = strlen(pfx);
	if (s.len < n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t a = s.p[i], b = (uint8_t)pfx[i];
		if (a >= 'A' && a <= 'Z')
			a = (uint8_t)(a + 32);
		if (a != b)
			return 0;
	}
	return 1;
}

/* Parses a dotted IPv4 address; returns 1 on success. */
static int sip_parse_ipv4(const uint8_t *p, uint32_t n, uint8_t out[4])
{
	uint32_t i = 0;
	for (int part = 0; part < 4; part++) {
		uint32_t v = 0, digits = 0;
		while (i < n && p[i] >= '0' && p[i] <= '9' && digits < 4) {
			v = v * 10 + (uint32_t)(p[i] - '0');
			i++;
			digits++;
		}
		if (!digits || v > 255)
			return 0;
		out[part] = (uint8_t)v;
		if (part < 3) {
			if (i >= n || p[i] != '.')
				return 0;
			i++;
		}
	}
	return i == n || p[i] == ' ' || p[i] == '/';
}

/* "c=IN IP4 a.b.c.d" */
static int sdp_connection(struct slice line, uint8_t addr[16], uint8_t *alen)
{
	if (line.len < 11 || memcmp(line.p, "c=IN IP4 ", 9) != 0)
		return 0;
	if (!sip_parse_ipv4(line.p + 9, line.len - 9, addr))
		return 0;
	*alen = 4;
	return 1;
}

/* "m=<media> <port>[/<n>] <proto> ..." */
static int sdp_media_port(struct slice line, uint16_t *port)
{
	uint32_t i = 2;
	while (i < line.len && line.p[i] != ' ')
		i++;
	i++;
	uint32_t v = 0, digits = 0;
	while (i < line.len && line.p[i] >= '0' && line.p[i] <= '9' && digits < 6) {
		v = v * 10 + (uint32_t)(line.p[i] - '0');
		i++;
		digits++;
	}
	if (!digits || v == 0 || v > 65534)
		return 0;
	*port = (uint16_t)v;
	return 1;
}

static void sdp_expect(struct proto_ctx *ctx, const uint8_t *addr, uint8_t alen, uint16_t port)
{
	for (uint16_t p = port; p <= (uint16_t)(port + 1); p++) {
		if (ctx->nexpect >= PROTO_MAX_EXPECT)
			return;
		struct proto_expect *x = &ctx->expect[ctx->nexpect++];
		memset(x, 0, sizeof *x);
		x->alen = alen;
		x->l4 = 17;
		x->port = p;
		memcpy(x->addr, addr, alen);
	}
}

/* Media endpoints of an SDP body: session-level c= applies to every m= without its own. */
static void sdp_parse(struct proto_ctx *ctx, struct rd *body)
{
	uint8_t sess[16], media[16], alen = 0, malen = 0;
	int have_sess = 0, in_media = 0, have_media_c = 0;
	uint16_t port = 0;
	struct slice line;
	for (int n = 0; n < SIP_MAX_LINES && sip_next_line(body, &line); n++) {
		if (line.len >= 2 && line.p[0] == 'm' && line.p[1] == '=') {
			if (in_media && port && (have_media_c || have_sess))
				sdp_expect(ctx, have_media_c ? media : sess, have_media_c ? malen : alen, port);
			in_media = 1;
			have_media_c = 0;
			port = 0;
			if (!sdp_media_port(line, &port))
				port = 0;
		} else if (line.len >= 2 && line.p[0] == 'c' && line.p[1] == '=') {
			if (in_media)
				have_media_c = sdp_connection(line, media, &malen);
			else
				have_sess = sdp_connection(line, sess, &alen);
		}
	}
	if (in_media && port && (have_media_c || have_sess))
		sdp_expect(ctx, have_media_c ? media : sess, have_media_c ? malen : alen, port);
}

/* A datagram holds one SIP message: the start line, headers, an empty line, the body. */
static struct proto_res sip_parse(struct proto_ctx *ctx, uint8_t dir, struct slice data)
{
	(void)dir;
	struct proto_res res = { PROTO_OK, data.len, 0 };
	if (sip_probe(PROTO_L4_UDP, data) == PROBE_NO) {
		res.status = PROTO_ERR;
		return res;
	}
	struct sip_state *st = ctx->state;
	if (st)
		st->messages++;
	struct rd r = rd_make(data.p, data.len);
	struct slice line;
	int sdp = 0;
	(void)sip_next_line(&r, &line);
	for (int n = 0; n < SIP_MAX_LINES && sip_next_line(&r, &line); n++) {
		if (line.len == 0) {
			if (sdp)
				sdp_parse(ctx, &r);
			return res;
		}
		if ((sip_ieq_prefix(line, "content-type:") || sip_ieq_prefix(line, "c:"))) {
			for (uint32_t k = 0; k + 15 <= line.len; k++) {
				struct slice t = { line.p + k, line.len - k };
				if (sip_ieq_prefix(t, "application/sdp")) {
					sdp = 1;
					break;
				}
			}
		}
	}
	return res;
}

const struct proto_desc proto_sip = {
	.name = "sip",
	.l4 = PROTO_L4_UDP,
	.ws_heuristic = 1,
	.ports = sip_ports,
	.probe = sip_probe,
	.state_size = sizeof(struct sip_state),
	.parse = sip_parse,
};
