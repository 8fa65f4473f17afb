/* imap.c: IMAP4rev1 (RFC 3501) command and response lines, literals ("{N}" then N bytes), LOGIN
 * and AUTHENTICATE PLAIN (RFC 4616) credentials, STARTTLS, and messages fetched as literals
 * (BODY[...] / RFC822) parsed into MIME part objects (mail.c). Columns as Wireshark 4.0 writes
 * them: "Request: <line>" / "Response: <line>", where each line of a segment replaces the text
 * of the one before (the last line shows). */
#include <stdlib.h>
#include <string.h>

#include "base/rd.h"
#include "base/b64.h"
#include "proto/mail.h"
#include "proto/proto.h"

#define IMAP_HEAD_MAX 320 /* kept start of a line (tag, command, arguments) */
#define IMAP_END_MAX 24   /* kept end of a line (a literal's "{N}") */

enum imap_role { IMAP_UNSET = 0, IMAP_CLIENT, IMAP_SERVER };

struct imap_line {
	uint16_t len;        /* bytes in head[] */
	uint8_t elen;        /* bytes in end[] (the line's last bytes, a ring shifted by hand) */
	uint8_t over;        /* the line outgrew head[] */
	uint8_t head[IMAP_HEAD_MAX];
	uint8_t end[IMAP_END_MAX];
};

struct imap_cli {
	uint8_t tls;
	uint8_t plain_next;   /* the next line answers AUTHENTICATE PLAIN */
	uint8_t starttls;     /* STARTTLS sent; its tagged OK switches to TLS */
	uint32_t literal;     /* literal bytes still to skip */
	struct mail_val tag;  /* STARTTLS's tag */
	struct imap_line line;
	struct imap_treq *tq; /* owned (malloc): the detail tree's requests by tag (-V only); NULL otherwise */
};

struct imap_srv {
	uint8_t tls;
	uint8_t msg_open;     /* the literal being read is a message */
	uint32_t literal;     /* literal bytes still to come */
	struct imap_line line;
	struct mail_msg msg;
};

struct imap_state {
	uint8_t role;
	union {
		struct imap_cli c;
		struct imap_srv s;
	} u;
};

_Static_assert(sizeof(struct imap_state) <= 4096, "IMAP state fits the per-direction budget");

enum { IF_REQ = 0, IF_REQ_TAG, IF_REQ_CMD, IF_RSP, IF_RSP_TAG, IF_RSP_STATUS, IF_USER, IF_PASS, IF_N };

static const struct proto_field imap_fields[IF_N] = {
	{ "imap.request", PF_STR, 0, "Request" },
	{ "imap.request_tag", PF_STR, 0, "Request Tag" },
	{ "imap.request.command", PF_STR, 0, "Request Command" },
	{ "imap.response", PF_STR, 0, "Response" },
	{ "imap.response_tag", PF_STR, 0, "Response Tag" },
	{ "imap.response.status", PF_STR, 0, "Response Status" },
	{ "imap.request.username", PF_STR, 0, "Request Username" },
	{ "imap.request.password", PF_STR, 0, "Request Password" },
};

static const uint16_t imap_ports[] = { 143, 0 };

static struct proto_res imap_res(uint8_t status, uint32_t consumed)
{
	struct proto_res r = { status, consumed, 0 };
	return r;
}

/* The next space-separated word of *s (an atom or a quoted string, quotes removed). */
static struct slice imap_word(struct slice *s)
{
	struct slice w = { s->p, 0 };
	uint32_t i = 0;
	while (i < s->len && s->p[i] == ' ')
		i++;
	if (i < s->len && s->p[i] == '"') {
		uint32_t k = ++i;
		while (k < s->len && s->p[k] != '"')
			k += (s->p[k] == '\\' && k + 1 < s->len) ? 2 : 1;
		w = (struct slice){ s->p + i, (k < s->len ? k : s->len) - i };
		i = k < s->len ? k + 1 : k;
	} else {
		uint32_t k = i;
		while (k < s->len && s->p[k] != ' ')
			k++;
		w = (struct slice){ s->p + i, k - i };
		i = k;
	}
	*s = (struct slice){ s->p + i, s->len - i };
	return w;
}

static int imap_is(struct slice w, const char *s)
{
	size_t n = strlen(s);
	return w.len == n && proto_ascii_ieq(w.p, s, n);
}

/* The literal a line announces at its end ("{N}" or "{N+}"), 0 when none. */
static uint32_t imap_literal(const struct imap_line *l)
{
	uint32_t n = l->elen;
	const uint8_t *e = l->end;
	if (n && e[n - 1] == '\r')
		n--;
	if (!n || e[n - 1] != '}')
		return 0;
	n--;
	if (n && e[n - 1] == '+')
		n--;
	uint64_t v = 0, mul = 1;
	uint32_t digits = 0;
	while (n && e[n - 1] >= '0' && e[n - 1] <= '9' && digits < 10) {
		v += (uint64_t)(e[n - 1] - '0') * mul;
		mul *= 10;
		n--;
		digits++;
	}
	if (!digits || !n || e[n - 1] != '{' || v > UINT32_MAX)
		return 0;
	return (uint32_t)v;
}

static void imap_line_add(struct imap_line *l, const uint8_t *p, uint32_t n)
{
	uint32_t room = IMAP_HEAD_MAX - l->len, k = n < room ? n : room;
	memcpy(l->head + l->len, p, k);
	l->len = (uint16_t)(l->len + k);
	if (k < n)
		l->over = 1;
	if (n >= IMAP_END_MAX) {
		memcpy(l->end, p + n - IMAP_END_MAX, IMAP_END_MAX);
		l->elen = IMAP_END_MAX;
	} else {
		uint32_t keep = l->elen + n > IMAP_END_MAX ? IMAP_END_MAX - n : l->elen;
		memmove(l->end, l->end + l->elen - keep, keep);
		memcpy(l->end + keep, p, n);
		l->elen = (uint8_t)(keep + n);
	}
}

static struct slice imap_line_text(const struct imap_line *l)
{
	struct slice s = { l->head, l->len };
	if (!l->over && s.len && s.p[s.len - 1] == '\r')
		s.len--;
	return s;
}

static void imap_cred_plain(struct proto_ctx *ctx, struct slice b64)
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
	proto_emit_cred(ctx, "imap", (struct slice){ buf + a + 1, u - a - 1 },
			(struct slice){ buf + u + 1, (uint32_t)n - u - 1 }, "auth-plain");
}

/* A complete client line. */
static void imap_request(struct proto_ctx *ctx, struct imap_cli *c, const struct imap_line *l)
{
	struct slice line = imap_line_text(l);
	if (c->plain_next) {
		c->plain_next = 0;
		if (!(line.len == 1 && line.p[0] == '*'))
			imap_cred_plain(ctx, line);
		return;
	}
	struct slice rest = line;
	struct slice tag = imap_word(&rest), cmd = imap_word(&rest);
	if (imap_is(cmd, "LOGIN")) {
		struct slice user = imap_word(&rest), pass = imap_word(&rest);
		if (user.len && pass.len && !imap_literal(l)) {
			proto_emit_cred(ctx, "imap", user, pass, "password");
		}
	} else if (imap_is(cmd, "AUTHENTICATE")) {
		struct slice mech = imap_word(&rest), init = imap_word(&rest);
		if (imap_is(mech, "PLAIN") && init.len && !(init.len == 1 && init.p[0] == '='))
			imap_cred_plain(ctx, init);
		else if (imap_is(mech, "PLAIN"))
			c->plain_next = 1;
	} else if (imap_is(cmd, "STARTTLS")) {
		c->starttls = 1;
		mail_val_set(&c->tag, tag);
	}
}

/* A complete server line. */
static void imap_response(struct proto_ctx *ctx, struct imap_srv *s, struct imap_cli *c, const struct imap_line *l)
{
	struct slice line = imap_line_text(l);
	struct slice rest = line;
	struct slice tag = imap_word(&rest), status = imap_word(&rest);
	if (c && c->starttls && tag.len == c->tag.len && tag.len && memcmp(tag.p, c->tag.buf, tag.len) == 0) {
		c->starttls = 0;
		if (imap_is(status, "OK")) {
			c->tls = 1;
			s->tls = 1;
			ctx->handover = "tls";
		}
	}
	uint32_t lit = imap_literal(l);
	if (!lit)
		return;
	s->literal = lit;
	/* "* N FETCH (... BODY[...] {N}" or RFC822 {N}: a message (or a part of one) */
	int msg = 0;
	for (uint32_t i = 0; i + 4 <= l->len && !msg; i++)
		msg = proto_ascii_ieq(l->head + i, "BODY", 4) ||
		      (i + 6 <= l->len && proto_ascii_ieq(l->head + i, "RFC822", 6));
	msg = msg && imap_is(tag, "*");
	if (msg) {
		mail_msg_begin(ctx, &s->msg, "IMAP");
		s->msg_open = 1;
	}
}

/* ---- detail tree (-V) ------------------------------------------------------------------- */

#define IMAP_TREQ 16

/* Recent requests by tag, for "[Request In: N]" of the tagged response. */
struct imap_treq {
	uint8_t next;
	struct {
		uint8_t len;
		uint8_t tag[32];
		uint64_t frame;
		int64_t ts;
	} r[IMAP_TREQ];
};

static int imap_tree_folder_cmd(struct slice cmd)
{
	static const char *const f[] = { "SELECT", "EXAMINE", "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE",
					 "STATUS", "APPEND", "SEARCH" };
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (imap_is(cmd, f[i]))
			return 1;
	return 0;
}

/* One line: "Line: ..." and, for requests and tagged responses, their parts. */
static void imap_tree_line(struct proto_ctx *ctx, struct imap_cli *c, int request, struct slice raw, struct slice line)
{
	proto_tree_field(ctx, 1, "Line", "%s", "");
	proto_tree_cat_str(ctx, raw, PROTO_TENC_UTF8);
	struct slice rest = line;
	struct slice tag = imap_word(&rest), w = imap_word(&rest);
	if (!tag.len || (!request && imap_is(tag, "*")))
		return;
	proto_tree_field_str(ctx, 2, request ? "Request" : "Response", line, PROTO_TENC_ASCII);
	proto_tree_field_str(ctx, 2, request ? "Request Tag" : "Response Tag", tag, PROTO_TENC_ASCII);
	if (!request) {
		struct slice third = imap_word(&rest);
		if (w.len)
			proto_tree_field_str(ctx, 2, "Response Status", w, PROTO_TENC_ASCII);
		if (third.len)
			proto_tree_field_str(ctx, 2, "Response Command", third, PROTO_TENC_ASCII);
		for (int i = 0; c && c->tq && i < IMAP_TREQ; i++)
			if (c->tq->r[i].len == tag.len && !memcmp(c->tq->r[i].tag, tag.p, tag.len)) {
				int64_t dt = ctx->ts_ns - c->tq->r[i].ts;
				uint64_t a = (uint64_t)(dt < 0 ? -dt : dt);
				proto_tree_gfield(ctx, 2, "Request In", "%llu", (unsigned long long)c->tq->r[i].frame);
				proto_tree_gfield(ctx, 2, "Response Time", "%s%llu.%09llu seconds", dt < 0 ? "-" : "",
						  (unsigned long long)(a / 1000000000u), (unsigned long long)(a % 1000000000u));
				c->tq->r[i].len = 0;
				break;
			}
		return;
	}
	if (imap_is(w, "UID")) {
		proto_tree_field(ctx, 2, "Request isUID", "True");
		w = imap_word(&rest);
	}
	if (w.len)
		proto_tree_field_str(ctx, 2, "Request Command", w, PROTO_TENC_ASCII);
	if (imap_is(w, "LOGIN")) {
		struct slice user = imap_word(&rest), pass = imap_word(&rest);
		if (user.len)
			proto_tree_field_str(ctx, 2, "Request Username", user, PROTO_TENC_ASCII);
		if (pass.len >= 2) /* Wireshark strips a character at each end (quotes) */
			proto_tree_field_str(ctx, 2, "Request Password", (struct slice){ pass.p + 1, pass.len - 2 },
					     PROTO_TENC_ASCII);
	} else if (imap_tree_folder_cmd(w)) {
		struct slice folder = imap_word(&rest);
		if (folder.len)
			proto_tree_field_str(ctx, 2, "Request Folder", folder, PROTO_TENC_ASCII);
	}
	if (c && (c->tq || (c->tq = calloc(1, sizeof *c->tq)))) {
		struct imap_treq *q = c->tq;
		uint8_t k = q->next;
		q->next = (uint8_t)((q->next + 1) % IMAP_TREQ);
		q->r[k].len = (uint8_t)(tag.len < sizeof q->r[k].tag ? tag.len : sizeof q->r[k].tag);
		memcpy(q->r[k].tag, tag.p, q->r[k].len);
		q->r[k].frame = ctx->frame;
		q->r[k].ts = ctx->ts_ns;
	}
}

/* Filter fields of a line (Wireshark keeps those of the segment's last line). */
static void imap_line_fields(struct proto_ctx *ctx, int request, struct slice line)
{
	struct slice rest = line;
	struct slice tag = imap_word(&rest), w = imap_word(&rest);
	if (!request) {
		if (!imap_is(tag, "*")) { /* untagged lines carry no response fields */
			proto_field_s(ctx, IF_RSP, line);
			proto_field_s(ctx, IF_RSP_TAG, tag);
			proto_field_s(ctx, IF_RSP_STATUS, w);
		}
		return;
	}
	proto_field_s(ctx, IF_REQ, line);
	proto_field_s(ctx, IF_REQ_TAG, tag);
	if (imap_is(w, "UID"))
		w = imap_word(&rest);
	proto_field_s(ctx, IF_REQ_CMD, w);
	if (imap_is(w, "LOGIN")) {
		struct slice user = imap_word(&rest), pass = imap_word(&rest);
		proto_field_s(ctx, IF_USER, user);
		proto_field_s(ctx, IF_PASS, pass);
	}
}

/* Info: the segment's last line (Wireshark rewrites Info line by line). */
static void imap_info(struct proto_ctx *ctx, int request, struct slice d)
{
	uint32_t end = d.len;
	if (end && d.p[end - 1] == '\n')
		end--;
	uint32_t start = end;
	while (start && d.p[start - 1] != '\n')
		start--;
	struct slice last = { d.p + start, end - start };
	if (last.len && last.p[last.len - 1] == '\r')
		last.len--;
	proto_col_proto(ctx, "IMAP");
	proto_info_clear(ctx);
	proto_info_append(ctx, request ? "Request: " : "Response: ");
	proto_info_append_bytes(ctx, last);
	imap_line_fields(ctx, request, last);
}

static struct proto_res imap_stream(struct proto_ctx *ctx, struct imap_state *me, struct imap_state *peer,
				    struct slice d)
{
	int client = me->role == IMAP_CLIENT;
	struct imap_cli *c = client ? &me->u.c : peer && peer->role == IMAP_CLIENT ? &peer->u.c : NULL;
	struct imap_srv *s = !client ? &me->u.s : NULL;
	struct imap_line *l = client ? &me->u.c.line : &me->u.s.line;
	uint32_t *literal = client ? &me->u.c.literal : &me->u.s.literal;
	if ((client && c->tls) || (s && s->tls))
		return imap_res(PROTO_OK, d.len);
	imap_info(ctx, client, d);
	int imf = 0;
	if (proto_tree_on(ctx))
		proto_tree_text(ctx, 0, "Internet Message Access Protocol");
	struct rd r = rd_make(d.p, d.len);
	while (rd_left(&r)) {
		if (*literal) {
			uint32_t n = rd_left(&r) < *literal ? rd_left(&r) : *literal;
			if (s && s->msg_open)
				mail_msg_feed(ctx, &s->msg, (struct slice){ r.p, n });
			rd_skip(&r, n);
			*literal -= n;
			if (!*literal && s && s->msg_open) {
				s->msg_open = 0;
				mail_msg_end(ctx, &s->msg);
				imf = 1;
			}
			continue;
		}
		uint32_t n = 0, left = rd_left(&r);
		while (n < left && r.p[n] != '\n')
			n++;
		imap_line_add(l, r.p, n);
		int eol = n < left;
		struct slice raw = { r.p, eol ? n + 1 : n };
		rd_skip(&r, eol ? n + 1 : n);
		if (!eol)
			break;
		if (proto_tree_on(ctx)) {
			/* a line that began in an earlier segment is drawn from what was kept of it */
			struct slice whole = l->len > n && !l->over ? (struct slice){ l->head, l->len } : raw;
			imap_tree_line(ctx, c, client, whole, imap_line_text(l));
		}
		if (client)
			imap_request(ctx, c, l);
		else
			imap_response(ctx, s, c, l);
		if (client)
			*literal = imap_literal(l);
		l->len = 0;
		l->elen = 0;
		l->over = 0;
		if ((client && c->tls) || (s && s->tls))
			break;
	}
	if (imf) {
		/* a fetched message ended here: Wireshark shows it through IMF */
		proto_col_proto(ctx, "IMAP/IMF");
		proto_info_clear(ctx);
		mail_msg_info(ctx, &s->msg);
	}
	return imap_res(PROTO_OK, d.len);
}

static uint8_t imap_role_of(const struct proto_ctx *ctx, uint8_t dir)
{
	return mail_is_client(ctx->dport == 143, ctx->sport == 143, dir) ? IMAP_CLIENT : IMAP_SERVER;
}

static struct proto_res imap_parse(struct proto_ctx *ctx, uint8_t dir, struct slice d)
{
	struct imap_state *me = ctx->state, *peer = ctx->peer;
	uint8_t role = imap_role_of(ctx, dir);
	if (!me->role)
		me->role = role;
	if (peer && !peer->role)
		peer->role = role == IMAP_CLIENT ? IMAP_SERVER : IMAP_CLIENT;
	if (!d.len)
		return imap_res(PROTO_NEED_MORE, 0);
	return imap_stream(ctx, me, peer, d);
}

static int imap_skip(struct proto_ctx *ctx, uint8_t dir, uint32_t n)
{
	struct imap_state *me = ctx->state;
	(void)dir;
	if (me->role == IMAP_SERVER && me->u.s.literal > n) {
		me->u.s.literal -= n;
		me->u.s.msg.obj.missing = 1;
		return 0;
	}
	if (me->role == IMAP_SERVER && me->u.s.msg_open) {
		me->u.s.msg_open = 0;
		mail_msg_free(&me->u.s.msg);
	}
	return (me->role == IMAP_SERVER && me->u.s.tls) || (me->role == IMAP_CLIENT && me->u.c.tls) ? 0 : -1;
}

static void imap_init(void *state, uint8_t dir)
{
	(void)state;
	(void)dir;
}

static void imap_fini(void *state)
{
	struct imap_state *st = state;
	if (st->role == IMAP_CLIENT) {
		free(st->u.c.tq);
		st->u.c.tq = NULL;
	}
	if (st->role == IMAP_SERVER)
		mail_msg_free(&st->u.s.msg);
}

static enum proto_probe imap_probe(uint8_t l4, struct slice d)
{
	(void)l4;
	if (d.len < 5)
		return PROBE_MAYBE;
	if (memcmp(d.p, "* OK ", 5) != 0 && memcmp(d.p, "* PREAUTH ", d.len < 10 ? d.len : 10) != 0)
		return PROBE_NO;
	for (uint32_t i = 4; i + 4 <= d.len && i < 512; i++)
		if (proto_ascii_ieq(d.p + i, "IMAP", 4))
			return PROBE_YES;
	return PROBE_MAYBE;
}

const struct proto_desc proto_imap = {
	.name = "imap",
	.l4 = PROTO_L4_TCP,
	.ports = imap_ports,
	.probe = imap_probe,
	.state_size = sizeof(struct imap_state),
	.init = imap_init,
	.fini = imap_fini,
	.parse = imap_parse,
	.skip = imap_skip,
	.fields = imap_fields,
	.nfields = IF_N,
	.col_name = "IMAP",
};
