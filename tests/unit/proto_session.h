/* proto_session.h: replays both directions of a conversation into one dissector the way the
 * flow layer does (per-direction state, the unconsumed tail presented again, UDP datagrams
 * whole), with the packet's columns in a struct proto_pkt and every record flattened into a
 * line "kind name=value ..." so tests can look for what the dissector reported. */
#ifndef SLEUTH_TESTS_PROTO_SESSION_H
#define SLEUTH_TESTS_PROTO_SESSION_H

#include <stdio.h>
#include <string.h>

#include "proto/proto.h"

#define SESS_TAIL 40000
#define SESS_RECS 64
#define SESS_REC_LEN 2048

/* A payload of a test conversation: direction (0 = the first sender) and bytes. */
struct seg {
	uint8_t dir;
	uint32_t len;
	const uint8_t *p;
};

struct session {
	const struct proto_desc *pd;
	uint8_t proto_idx;
	uint8_t l4;
	uint16_t port[2];          /* source port of direction 0 and 1 */
	_Alignas(16) unsigned char state[2][4096]; /* dissector states: aligned as the flow arena */
	uint8_t tail[2][SESS_TAIL];
	uint32_t tlen[2];
	int err[2];
	uint32_t anomalies;
	struct proto_pkt pkt;      /* the last packet's output */
	struct proto_env env;
	uint32_t nrec;
	char rec[SESS_RECS][SESS_REC_LEN];
};

static void sess_emit(void *arg, const struct proto_rec *r)
{
	struct session *s = arg;
	if (s->nrec >= SESS_RECS)
		return;
	char *o = s->rec[s->nrec++];
	size_t n = (size_t)snprintf(o, SESS_REC_LEN, "%s", r->kind);
	for (uint16_t i = 0; i < r->n && n < SESS_REC_LEN - 64; i++) {
		const struct proto_kv *kv = &r->kv[i];
		n += (size_t)snprintf(o + n, SESS_REC_LEN - n, " %s=", kv->name);
		switch (kv->type) {
		case PV_STR:
		case PV_HEXSTR:
			for (uint32_t k = 0; k < kv->len && n < SESS_REC_LEN - 4; k++) {
				if (kv->type == PV_HEXSTR)
					n += (size_t)snprintf(o + n, SESS_REC_LEN - n, "%02x", kv->v.p[k]);
				else
					o[n++] = (char)kv->v.p[k];
			}
			o[n] = 0;
			break;
		case PV_UINT:
			n += (size_t)snprintf(o + n, SESS_REC_LEN - n, "%llu", (unsigned long long)kv->v.u);
			break;
		case PV_BOOL:
			n += (size_t)snprintf(o + n, SESS_REC_LEN - n, "%s", kv->v.u ? "true" : "false");
			break;
		case PV_ADDR:
			if (kv->len == 4)
				n += (size_t)snprintf(o + n, SESS_REC_LEN - n, "%u.%u.%u.%u", kv->v.p[0], kv->v.p[1],
						      kv->v.p[2], kv->v.p[3]);
			else
				n += (size_t)snprintf(o + n, SESS_REC_LEN - n, "v6");
			break;
		default:
			n += (size_t)snprintf(o + n, SESS_REC_LEN - n, "?");
			break;
		}
	}
}

static void sess_init(struct session *s, const char *proto, uint8_t l4, uint16_t port0, uint16_t port1)
{
	memset(s, 0, sizeof *s);
	s->pd = proto_find(proto);
	for (size_t i = 0; i < proto_count(); i++)
		if (proto_get(i) == s->pd)
			s->proto_idx = (uint8_t)i;
	s->l4 = l4;
	s->port[0] = port0;
	s->port[1] = port1;
	s->env.emit = sess_emit;
	s->env.arg = s;
	for (int i = 0; i < 2; i++)
		if (s->pd && s->pd->init)
			s->pd->init(s->state[i], (uint8_t)i);
}

static struct proto_ctx sess_ctx(struct session *s, uint8_t dir)
{
	struct proto_ctx c;
	memset(&c, 0, sizeof c);
	c.state = s->state[dir];
	c.peer = s->state[!dir];
	c.proto_idx = s->proto_idx;
	c.l4 = s->l4 == 17 ? PROTO_L4_UDP : PROTO_L4_TCP;
	c.sport = s->port[dir];
	c.dport = s->port[!dir];
	c.is_orig = dir == 0;
	c.out = &s->pkt;
	c.env = &s->env;
	return c;
}

/* One packet's payload in direction `dir`; the output is in s->pkt. Returns 0, or -1 when
 * the dissector failed its contract or returned ERR. */
static int sess_packet(struct session *s, uint8_t dir, const uint8_t *p, uint32_t n)
{
	memset(&s->pkt, 0, sizeof s->pkt);
	if (s->err[dir])
		return -1;
	if (s->l4 == 17) {
		struct proto_ctx c = sess_ctx(s, dir);
		struct proto_res r = s->pd->parse(&c, dir, (struct slice){ p, n });
		s->anomalies += c.anomalies;
		return r.status == PROTO_ERR ? -1 : 0;
	}
	if (s->tlen[dir] + n > SESS_TAIL) {
		s->err[dir] = 1;
		return -1;
	}
	memcpy(s->tail[dir] + s->tlen[dir], p, n);
	uint32_t len = s->tlen[dir] + n, off = 0;
	while (off < len) {
		struct proto_ctx c = sess_ctx(s, dir);
		struct proto_res r = s->pd->parse(&c, dir, (struct slice){ s->tail[dir] + off, len - off });
		s->anomalies += c.anomalies;
		if (r.status == PROTO_ERR || r.consumed > len - off || (r.status == PROTO_OK && !r.consumed)) {
			s->err[dir] = 1;
			return -1;
		}
		off += r.consumed;
		if (r.status == PROTO_NEED_MORE)
			break;
	}
	memmove(s->tail[dir], s->tail[dir] + off, len - off);
	s->tlen[dir] = len - off;
	return 0;
}

static void sess_end(struct session *s)
{
	if (!s->pd->on_flow_end)
		return;
	struct proto_ctx c = sess_ctx(s, 0);
	c.out = NULL;
	s->pd->on_flow_end(&c);
}

/* The Info column of the last packet as text ("" when the dissector did not claim it). */
static const char *sess_info(const struct session *s)
{
	return s->pkt.shown ? s->pkt.info : "";
}

/* The first record line containing every one of the (up to 4) substrings, or NULL. */
static const char *sess_find(const struct session *s, const char *a, const char *b, const char *c, const char *d)
{
	for (uint32_t i = 0; i < s->nrec; i++) {
		const char *r = s->rec[i];
		if ((!a || strstr(r, a)) && (!b || strstr(r, b)) && (!c || strstr(r, c)) && (!d || strstr(r, d)))
			return r;
	}
	return NULL;
}

#endif
