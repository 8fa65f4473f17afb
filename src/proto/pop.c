/* pop.c: POP3 (RFC 1939) with CAPA/STLS (RFC 2595, RFC 2449) and AUTH (RFC 5034). Columns as
 * Wireshark 4.0 writes them: the first line of a segment as "C: ..." or "S: ..." when a reply
 * starts with +OK or -ERR; any other server segment (multi-line data, "+ " challenges) is handed
 * whole to the IMF view (Protocol POP/IMF). Credentials: USER/PASS, APOP (the digest), AUTH
 * PLAIN. Messages of RETR and TOP replies are parsed as they stream and their MIME parts
 * become file objects (mail.c). After STLS and its +OK both directions are TLS and absorbed. */
#include <string.h>

#include "base/rd.h"
#include "base/b64.h"
#include "proto/mail.h"
#include "proto/proto.h"

#define POP_LINE_MAX 4096

enum pop_role { POP_UNSET = 0, POP_CLIENT, POP_SERVER };
enum pop_cmd { POP_C_OTHER = 0, POP_C_RETR, POP_C_STLS, POP_C_AUTH_PLAIN };

struct pop_cli {
	uint8_t last;        /* enum pop_cmd: the command the next reply answers */
	uint8_t plain_next;  /* the next line is an AUTH PLAIN response */
	uint8_t tls;
	struct mail_val user;
};

struct pop_srv {
	uint8_t data;        /* inside a RETR/TOP multi-line reply */
	uint8_t tls;
	struct mail_dot dot;
	struct mail_msg msg;
};

struct pop_state {
	uint8_t role;
	union {
		struct pop_cli c;
		struct pop_srv s;
	} u;
};

_Static_assert(sizeof(struct pop_state) <= 4096, "POP state fits the per-direction budget");

enum { PF_REQ = 0, PF_REQ_CMD, PF_REQ_PARAM, PF_RSP, PF_RSP_IND, PF_RSP_DESC, PF_N_ };

static const struct proto_field pop_fields[PF_N_] = {
	{ "pop.request", PF_STR, 0, "Request" },
	{ "pop.request.command", PF_STR, 0, "Request command" },
	{ "pop.request.parameter", PF_STR, 0, "Request parameter" },
	{ "pop.response", PF_STR, 0, "Response" },
	{ "pop.response.indicator", PF_STR, 0, "Response indicator" },
	{ "pop.response.description", PF_STR, 0, "Response description" },
};

static const uint16_t pop_ports[] = { 110, 0 };

static struct proto_res pop_res(uint8_t status, uint32_t consumed)
{
	struct proto_res r = { status, consumed, 0 };
	return r;
}

/* The first line of `d` (without its line end) and the bytes it takes; 0 when unfinished. */
static uint32_t pop_line(struct slice d, struct slice *line)
{
	uint32_t n = 0;
	while (n < d.len && d.p[n] != '\n')
		n++;
	if (n == d.len && d.len < POP_LINE_MAX)
		return 0;
	*line = (struct slice){ d.p, n };
	if (line->len && line->p[line->len - 1] == '\r')
		line->len--;
	return n < d.len ? n + 1 : n;
}

static int pop_is(struct slice w, const char *s)
{
	size_t n = strlen(s);
	return w.len == n && proto_ascii_ieq(w.p, s, n);
}

static void pop_cred_plain(struct proto_ctx *ctx, struct slice b64)
{
	uint8_t buf[512];
	int n = b64_decode(mail_trim(b64), buf, sizeof buf);
	uint32_t a = 0, u;
	while (n > 0 && a < (uint32_t)n && buf[a])
		a++;
	u = a + 1;
	while (n > 0 && u < (uint32_t)n && buf[u])
		u++;
	if (n <= 0 || u >= (uint32_t)n) {
		ctx->anomalies++;
		return;
	}
	proto_emit_cred(ctx, "pop3", (struct slice){ buf + a + 1, u - a - 1 },
			(struct slice){ buf + u + 1, (uint32_t)n - u - 1 }, "auth-plain");
}

/* One command line; `first`: the first line of the segment (the one Info shows). */
static void pop_command(struct proto_ctx *ctx, struct pop_cli *c, struct slice line, int first)
{
	if (first) {
		proto_col_proto(ctx, "POP");
		proto_info_append(ctx, "C: ");
		proto_info_append_bytes(ctx, line);
	}
	proto_field_s(ctx, PF_REQ, line);
	uint32_t v = 0;
	while (v < line.len && line.p[v] != ' ')
		v++;
	struct slice verb = { line.p, v }, param = { line.p + v, line.len - v };
	if (param.len) {
		param.p++;
		param.len--;
	}
	proto_field_s(ctx, PF_REQ_CMD, verb); /* Wireshark splits any client line so */
	if (param.len)
		proto_field_s(ctx, PF_REQ_PARAM, param);
	if (c->plain_next) {
		c->plain_next = 0;
		pop_cred_plain(ctx, line);
		return;
	}
	c->last = POP_C_OTHER;
	if (pop_is(verb, "USER")) {
		mail_val_set(&c->user, param);
	} else if (pop_is(verb, "PASS")) {
		proto_emit_cred(ctx, "pop3", mail_val_slice(&c->user), param, "password");
	} else if (pop_is(verb, "APOP")) {
		uint32_t k = 0;
		while (k < param.len && param.p[k] != ' ')
			k++;
		struct slice digest = mail_trim((struct slice){ param.p + k, param.len - k });
		proto_emit_cred(ctx, "pop3", (struct slice){ param.p, k }, digest, "apop-digest");
	} else if (pop_is(verb, "RETR") || pop_is(verb, "TOP")) {
		c->last = POP_C_RETR;
	} else if (pop_is(verb, "STLS")) {
		c->last = POP_C_STLS;
	} else if (pop_is(verb, "AUTH")) {
		struct slice mech = param, init = { NULL, 0 };
		for (uint32_t k = 0; k < param.len; k++)
			if (param.p[k] == ' ') {
				mech.len = k;
				init = mail_trim((struct slice){ param.p + k + 1, param.len - k - 1 });
				break;
			}
		if (pop_is(mech, "PLAIN") && init.len)
			pop_cred_plain(ctx, init);
		else if (pop_is(mech, "PLAIN"))
			c->plain_next = 1;
	}
}

/* The detail tree of a segment (-V only): every line as sent, the first with its parts (command
 * and parameter, or indicator and description). */
static void pop_tree(struct proto_ctx *ctx, struct slice d, int request)
{
	if (!proto_tree_on(ctx))
		return;
	proto_tree_text(ctx, 0, "Post Office Protocol");
	uint32_t off = 0;
	for (uint32_t k = 0; off < d.len && k < 4096; k++) {
		uint32_t n = 0;
		while (off + n < d.len && d.p[off + n] != '\n')
			n++;
		uint32_t all = off + n < d.len ? n + 1 : n;
		struct slice line = { d.p + off, n };
		if (line.len && line.p[line.len - 1] == '\r')
			line.len--;
		proto_tree_text(ctx, 1, "%s", "");
		proto_tree_cat_str(ctx, (struct slice){ d.p + off, all }, PROTO_TENC_UTF8);
		off += all;
		if (k)
			continue;
		uint32_t w = 0;
		while (w < line.len && line.p[w] != ' ')
			w++;
		struct slice rest = mail_trim((struct slice){ line.p + w, line.len - w });
		proto_tree_field_str(ctx, 2, request ? "Request command" : "Response indicator", (struct slice){ line.p, w },
				     PROTO_TENC_ASCII);
		if (rest.len)
			proto_tree_field_str(ctx, 2, request ? "Request parameter" : "Response description", rest,
					     PROTO_TENC_ASCII);
	}
}

static struct proto_res pop_client(struct proto_ctx *ctx, struct pop_cli *c, struct pop_srv *s, struct slice d)
{
	if (c->tls)
		return pop_res(PROTO_OK, d.len);
	uint32_t off = 0, lines = 0, used;
	struct slice line;
	while (off < d.len && (used = pop_line((struct slice){ d.p + off, d.len - off }, &line)) != 0) {
		if (s && s->data) {
			/* a new command while a message was still streaming: it ended without its "." */
			ctx->anomalies++;
			s->data = 0;
			mail_msg_end(ctx, &s->msg);
		}
		pop_command(ctx, c, line, lines++ == 0);
		off += used;
	}
	if (off)
		pop_tree(ctx, (struct slice){ d.p, off }, 1);
	if (off < d.len)
		return pop_res(PROTO_NEED_MORE, off);
	return pop_res(PROTO_OK, off);
}

struct pop_sink {
	struct proto_ctx *ctx;
	struct mail_msg *msg;
};

static void pop_msg_out(void *arg, struct slice run)
{
	struct pop_sink *k = arg;
	mail_msg_feed(k->ctx, k->msg, run);
}

/* Message bytes of a RETR/TOP reply; returns the bytes used. */
static uint32_t pop_data(struct proto_ctx *ctx, struct pop_srv *s, struct slice d)
{
	struct pop_sink k = { ctx, &s->msg };
	uint32_t used = mail_dot_feed(&s->dot, d, pop_msg_out, &k);
	if (s->dot.ended) {
		s->data = 0;
		mail_msg_end(ctx, &s->msg);
	}
	return used;
}

static struct proto_res pop_server(struct proto_ctx *ctx, struct pop_srv *s, struct pop_cli *c, struct slice d)
{
	if (s->tls)
		return pop_res(PROTO_OK, d.len);
	int ok = d.len >= 3 && memcmp(d.p, "+OK", 3) == 0, err = d.len >= 4 && memcmp(d.p, "-ERR", 4) == 0;
	if (!ok && !err) {
		if (d.len < 4 && (d.p[0] == '+' || d.p[0] == '-') && !memchr(d.p, '\n', d.len))
			return pop_res(PROTO_NEED_MORE, 0); /* too short to tell */
		/* data or a challenge: Wireshark shows the segment through IMF */
		proto_col_proto(ctx, "POP/IMF");
		proto_info_clear(ctx); /* Info may stay empty */
		if (proto_tree_on(ctx))
			proto_tree_text(ctx, 0, "Post Office Protocol");
		mail_imf_info(ctx, d);
		if (s->data)
			pop_data(ctx, s, d);
		return pop_res(PROTO_OK, d.len);
	}
	struct slice line;
	uint32_t used = pop_line(d, &line);
	if (!used)
		return pop_res(PROTO_NEED_MORE, 0);
	if (s->data) {
		ctx->anomalies++; /* a reply while a message was open: it lost its "." */
		s->data = 0;
		mail_msg_end(ctx, &s->msg);
	}
	proto_col_proto(ctx, "POP");
	pop_tree(ctx, d, 0);
	proto_info_append(ctx, "S: ");
	proto_info_append_bytes(ctx, line);
	proto_field_s(ctx, PF_RSP, line);
	struct slice ind = { line.p, ok ? 3u : 4u };
	proto_field_s(ctx, PF_RSP_IND, ind);
	struct slice desc = mail_trim((struct slice){ line.p + ind.len, line.len - ind.len });
	if (desc.len)
		proto_field_s(ctx, PF_RSP_DESC, desc);
	uint8_t last = c ? c->last : POP_C_OTHER;
	if (c)
		c->last = POP_C_OTHER;
	if (ok && last == POP_C_STLS) {
		s->tls = 1;
		ctx->handover = "tls";
		if (c)
			c->tls = 1;
		return pop_res(PROTO_OK, d.len);
	}
	if (ok && last == POP_C_RETR) {
		s->data = 1;
		memset(&s->dot, 0, sizeof s->dot);
		mail_msg_begin(ctx, &s->msg, "POP3");
		pop_data(ctx, s, (struct slice){ d.p + used, d.len - used });
	}
	/* the rest of the segment (multi-line listings) belongs to this reply */
	return pop_res(PROTO_OK, d.len);
}

static uint8_t pop_role_of(const struct proto_ctx *ctx, uint8_t dir)
{
	return mail_is_client(ctx->dport == 110, ctx->sport == 110, dir) ? POP_CLIENT : POP_SERVER;
}

static struct proto_res pop_parse(struct proto_ctx *ctx, uint8_t dir, struct slice d)
{
	struct pop_state *me = ctx->state, *peer = ctx->peer;
	uint8_t role = pop_role_of(ctx, dir);
	if (!me->role)
		me->role = role;
	if (peer && !peer->role)
		peer->role = role == POP_CLIENT ? POP_SERVER : POP_CLIENT;
	if (!d.len)
		return pop_res(PROTO_NEED_MORE, 0);
	if (me->role == POP_CLIENT)
		return pop_client(ctx, &me->u.c, peer && peer->role == POP_SERVER ? &peer->u.s : NULL, d);
	return pop_server(ctx, &me->u.s, peer && peer->role == POP_CLIENT ? &peer->u.c : NULL, d);
}

static int pop_skip(struct proto_ctx *ctx, uint8_t dir, uint32_t n)
{
	struct pop_state *me = ctx->state;
	(void)dir;
	(void)n;
	if (me->role == POP_SERVER && me->u.s.data) {
		me->u.s.msg.obj.missing = 1;
		return 0;
	}
	return (me->role == POP_SERVER && me->u.s.tls) || (me->role == POP_CLIENT && me->u.c.tls) ? 0 : -1;
}

static void pop_init(void *state, uint8_t dir)
{
	(void)state;
	(void)dir;
}

static void pop_fini(void *state)
{
	struct pop_state *st = state;
	if (st->role == POP_SERVER)
		mail_msg_free(&st->u.s.msg);
}

static void pop_flow_end(struct proto_ctx *ctx)
{
	struct pop_state *sides[2] = { ctx->state, ctx->peer };
	for (int i = 0; i < 2; i++)
		if (sides[i] && sides[i]->role == POP_SERVER && sides[i]->u.s.data) {
			sides[i]->u.s.msg.obj.missing = 1;
			sides[i]->u.s.data = 0;
			mail_msg_end(ctx, &sides[i]->u.s.msg);
		}
}

static enum proto_probe pop_probe(uint8_t l4, struct slice d)
{
	(void)l4;
	if (d.len < 4)
		return PROBE_MAYBE;
	if (memcmp(d.p, "+OK ", 4) != 0)
		return PROBE_NO;
	for (uint32_t i = 4; i + 3 <= d.len && i < 512; i++)
		if (proto_ascii_ieq(d.p + i, "POP", 3))
			return PROBE_YES;
	return PROBE_MAYBE;
}

const struct proto_desc proto_pop = {
	.name = "pop",
	.l4 = PROTO_L4_TCP,
	.ports = pop_ports,
	.probe = pop_probe,
	.state_size = sizeof(struct pop_state),
	.init = pop_init,
	.fini = pop_fini,
	.parse = pop_parse,
	.skip = pop_skip,
	.on_flow_end = pop_flow_end,
	.fields = pop_fields,
	.nfields = PF_N_,
	.col_name = "POP",
};
