/* smtp.c: SMTP (RFC 5321) with ESMTP pipelining, CHUNKING/BDAT (RFC 3030), AUTH PLAIN and LOGIN
 * (RFC 4954, RFC 4616) and STARTTLS (RFC 3207). Columns as Wireshark 4.0 writes them: command
 * lines "C: ..." and reply lines "S: ..." joined by " | " (continuation lines of a multi-line
 * reply without their code), "C: DATA fragment, N bytes" for message segments, and the segment
 * that ends the message as SMTP/IMF with the IMF summary. Wireshark enters the data phase on the
 * DATA command itself, not on the 354 reply, and so do we. Records: one "smtp" per message (Zeek's
 * smtp.log names), credentials, and the message's MIME parts as file objects (mail.c). */
#include <stdlib.h>
#include <string.h>

#include "base/rd.h"
#include "base/b64.h"
#include "proto/mail.h"
#include "proto/proto.h"

#define SMTP_LINE_MAX 4096 /* a command or reply line longer than this is taken as it is */
#define SMTP_RCPT_MAX 4

enum smtp_role { SMTP_UNSET = 0, SMTP_CLIENT, SMTP_SERVER };
enum smtp_mode { SMTP_CMD = 0, SMTP_DATA, SMTP_BDAT, SMTP_TLS };
enum smtp_auth { SMTP_AUTH_NONE = 0, SMTP_AUTH_LOGIN_USER, SMTP_AUTH_LOGIN_PASS, SMTP_AUTH_PLAIN };

/* Client direction: the data phase and the message being parsed. */
struct smtp_cli {
	uint8_t mode;        /* enum smtp_mode */
	uint8_t auth;        /* enum smtp_auth: what the next line carries */
	uint8_t bdat_last;
	uint8_t starttls;    /* STARTTLS sent, reply not seen yet */
	uint8_t held;        /* a message CRLF held back: 1 in this segment, 2 in an earlier one */
	uint32_t bdat_left;
	struct mail_dot dot;
	struct mail_val user; /* AUTH LOGIN user name, until the password arrives */
	struct mail_msg msg;
	struct smtp_tfrags *tf; /* owned (malloc): the detail tree's DATA fragments (-V only); NULL otherwise */
};

/* Server direction: the transaction Zeek's smtp.log describes. */
struct smtp_srv {
	uint8_t tls;
	uint8_t pending;     /* a message ended; the record waits for the reply */
	uint8_t have;        /* something worth a record since the last one */
	uint8_t nrcpt;
	uint32_t depth;      /* transactions so far */
	struct mail_val helo, mailfrom, last_reply;
	struct mail_val rcpt[SMTP_RCPT_MAX];
	/* header values of the last message */
	struct mail_val from, to, cc, reply_to, subject, date, msg_id, user_agent;
};

struct smtp_state {
	uint8_t role;
	union {
		struct smtp_cli c;
		struct smtp_srv s;
	} u;
};

_Static_assert(sizeof(struct smtp_state) <= 4096, "SMTP state fits the per-direction budget");

enum {
	SF_REQ = 0, SF_RSP, SF_CMD, SF_PARAM, SF_CODE, SF_RSP_PARAM, SF_USER, SF_PASS, SF_N
};

static const struct proto_field smtp_fields[SF_N] = {
	{ "smtp.req", PF_BOOL, 0, "Request" },
	{ "smtp.rsp", PF_BOOL, 0, "Response" },
	{ "smtp.req.command", PF_STR, 0, "Command" },
	{ "smtp.req.parameter", PF_STR, 0, "Request parameter" },
	{ "smtp.response.code", PF_UINT, 0, "Response code" },
	{ "smtp.rsp.parameter", PF_STR, 0, "Response parameter" },
	{ "smtp.auth.username", PF_STR, 0, "Username" },
	{ "smtp.auth.password", PF_STR, 0, "Password" },
};

static const uint16_t smtp_ports[] = { 25, 587, 0 };

static int smtp_port(uint16_t p)
{
	for (const uint16_t *q = smtp_ports; *q; q++)
		if (*q == p)
			return 1;
	return 0;
}

/* Requests go to the server's port; without ports to tell, the originator is the client. */
static uint8_t smtp_role_of(const struct proto_ctx *ctx, uint8_t dir)
{
	return mail_is_client(smtp_port(ctx->dport), smtp_port(ctx->sport), dir) ? SMTP_CLIENT : SMTP_SERVER;
}

static struct proto_res smtp_res(uint8_t status, uint32_t consumed)
{
	struct proto_res r = { status, consumed, 0 };
	return r;
}

/* ---- detail tree (-V) ------------------------------------------------------------------- */

#define SMTP_TFRAGS 4096 /* DATA fragments listed per message */

/* The segments a message's data came in, as Wireshark lists its DATA fragments. */
struct smtp_tfrags {
	uint32_t n;
	uint64_t total;
	struct smtp_tfrag {
		uint64_t frame;
		uint32_t len;
	} f[SMTP_TFRAGS];
};

static const char *smtp_code_text(uint32_t code)
{
	static const struct {
		uint16_t code;
		const char *text;
	} t[] = {
		{ 211, "System status, or system help reply" }, { 214, "Help message" },
		{ 220, "<domain> Service ready" }, { 221, "<domain> Service closing transmission channel" },
		{ 235, "Authentication successful" }, { 250, "Requested mail action okay, completed" },
		{ 251, "User not local; will forward to <forward-path>" },
		{ 252, "Cannot VRFY user, but will accept message and attempt delivery" }, { 334, "AUTH input" },
		{ 354, "Start mail input; end with <CRLF>.<CRLF>" },
		{ 421, "<domain> Service not available, closing transmission channel" },
		{ 432, "A password transition is needed" }, { 450, "Requested mail action not taken: mailbox unavailable" },
		{ 451, "Requested action aborted: local error in processing" },
		{ 452, "Requested action not taken: insufficient system storage" },
		{ 454, "Temporary authentication failed" }, { 500, "Syntax error, command unrecognized" },
		{ 501, "Syntax error in parameters or arguments" }, { 502, "Command not implemented" },
		{ 503, "Bad sequence of commands" }, { 504, "Command parameter not implemented" },
		{ 530, "Authentication required" }, { 534, "Authentication mechanism is too weak" },
		{ 535, "Authentication credentials invalid" },
		{ 538, "Encryption required for requested authentication mechanism" },
		{ 550, "Requested action not taken: mailbox unavailable" }, { 551, "User not local; please try <forward-path>" },
		{ 552, "Requested mail action aborted: exceeded storage allocation" },
		{ 553, "Requested action not taken: mailbox name not allowed" }, { 554, "Transaction failed" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].code == code)
			return t[i].text;
	return NULL;
}

/* The top item, once per call. */
static void smtp_tree_top(struct proto_ctx *ctx, int *drawn)
{
	if (!*drawn)
		proto_tree_text(ctx, 0, "Simple Mail Transfer Protocol");
	*drawn = 1;
}

/* A reply line: the first of a reply in the segment with its code, the next only their text. */
static void smtp_tree_reply(struct proto_ctx *ctx, int *drawn, struct slice raw, struct slice line, int coded,
			    uint32_t code, int cont)
{
	if (!proto_tree_on(ctx))
		return;
	smtp_tree_top(ctx, drawn);
	struct slice text = line.len > 4 ? (struct slice){ line.p + 4, line.len - 4 } : (struct slice){ line.p, 0 };
	if (coded && cont) {
		proto_tree_field_str(ctx, 2, "Response parameter", text, PROTO_TENC_ASCII);
		return;
	}
	proto_tree_text(ctx, 1, "Response: ");
	proto_tree_cat_str(ctx, raw, PROTO_TENC_UTF8);
	if (!coded)
		return;
	const char *t = smtp_code_text(code);
	if (t)
		proto_tree_field(ctx, 2, "Response code", "%s (%u)", t, code);
	else
		proto_tree_field(ctx, 2, "Response code", "Unknown (%u)", code);
	proto_tree_field_str(ctx, 2, "Response parameter", text, PROTO_TENC_ASCII);
}

/* A client line: a command with its (four-character) verb and parameter, or what an AUTH
 * exchange carries. */
static void smtp_tree_command(struct proto_ctx *ctx, int *drawn, uint8_t auth, struct slice raw, struct slice line)
{
	if (!proto_tree_on(ctx))
		return;
	smtp_tree_top(ctx, drawn);
	if (auth != SMTP_AUTH_NONE) {
		const char *what = auth == SMTP_AUTH_LOGIN_USER ? "Username" : auth == SMTP_AUTH_LOGIN_PASS ? "Password"
												 : "Username/Password";
		proto_tree_field_str(ctx, 1, what, line, PROTO_TENC_ASCII);
		if (auth == SMTP_AUTH_PLAIN)
			proto_tree_expert(ctx, 2, "Warning", "Protocol",
					  "base64 decode failed or is not enabled (check SMTP preferences)");
		return;
	}
	proto_tree_text(ctx, 1, "Command Line: ");
	proto_tree_cat_str(ctx, raw, PROTO_TENC_UTF8);
	uint32_t v = 0;
	while (v < line.len && line.p[v] != ' ')
		v++;
	struct slice verb = { line.p, v < 4 ? v : 4 };
	struct slice param = v > 4 ? (struct slice){ line.p + 5, line.len > 5 ? line.len - 5 : 0 }
				   : (struct slice){ line.p + v + (v < line.len), line.len - v - (v < line.len) };
	proto_tree_field_str(ctx, 2, "Command", verb, PROTO_TENC_ASCII);
	if (param.len)
		proto_tree_field_str(ctx, 2, "Request parameter", param, PROTO_TENC_ASCII);
}

/* Message bytes of this segment (`ended`: the "." line ended the message in it). */
static void smtp_tree_data(struct proto_ctx *ctx, int *drawn, struct smtp_cli *c, struct slice data, int ended)
{
	if (!proto_tree_on(ctx))
		return;
	if (!c->tf && !(c->tf = calloc(1, sizeof *c->tf)))
		return;
	struct smtp_tfrags *t = c->tf;
	if (data.len && t->n < SMTP_TFRAGS) {
		t->f[t->n].frame = ctx->frame;
		t->f[t->n].len = data.len;
		t->n++;
	}
	t->total += data.len;
	smtp_tree_top(ctx, drawn);
	if (!ended) {
		proto_tree_lines(ctx, 1, "Line-based text data", data);
		return;
	}
	proto_tree_text(ctx, 1, "C: .");
	proto_tree_gtext(ctx, 1, "%u DATA fragment%s (%llu bytes)", t->n, t->n == 1 ? "" : "s",
			 (unsigned long long)t->total);
	for (uint32_t i = 0; i < t->n; i++)
		proto_tree_append(ctx, "%s#%llu(%u)", i ? ", " : ": ", (unsigned long long)t->f[i].frame, t->f[i].len);
	uint64_t off = 0;
	for (uint32_t i = 0; i < t->n; i++) {
		proto_tree_gtext(ctx, 2, "Frame: %llu, payload: %llu-%llu (%u bytes)", (unsigned long long)t->f[i].frame,
				 (unsigned long long)off, (unsigned long long)(off + t->f[i].len - 1), t->f[i].len);
		off += t->f[i].len;
	}
	proto_tree_gfield(ctx, 2, "DATA fragment count", "%u", t->n);
	proto_tree_gfield(ctx, 2, "Reassembled DATA length", "%llu", (unsigned long long)t->total);
	t->n = 0;
	t->total = 0;
}

/* ---- the record ----------------------------------------------------------------------- */

static void smtp_rec_val(struct proto_rec *r, const char *name, const struct mail_val *v)
{
	if (v->len)
		proto_rec_str(r, name, mail_val_slice(v));
}

static void smtp_emit(struct proto_ctx *ctx, struct smtp_srv *s)
{
	if (!s->have)
		return;
	if (proto_records_on(ctx)) {
		struct proto_rec r;
		proto_rec_init(&r, "smtp");
		proto_rec_u(&r, "trans_depth", s->depth ? s->depth : 1);
		smtp_rec_val(&r, "helo", &s->helo);
		smtp_rec_val(&r, "mailfrom", &s->mailfrom);
		for (uint32_t i = 0; i < s->nrcpt && i < SMTP_RCPT_MAX; i++)
			proto_rec_push_str(&r, "rcptto", mail_val_slice(&s->rcpt[i]));
		smtp_rec_val(&r, "date", &s->date);
		smtp_rec_val(&r, "from", &s->from);
		smtp_rec_val(&r, "to", &s->to);
		smtp_rec_val(&r, "cc", &s->cc);
		smtp_rec_val(&r, "reply_to", &s->reply_to);
		smtp_rec_val(&r, "msg_id", &s->msg_id);
		smtp_rec_val(&r, "subject", &s->subject);
		smtp_rec_val(&r, "user_agent", &s->user_agent);
		smtp_rec_val(&r, "last_reply", &s->last_reply);
		proto_rec_bool(&r, "tls", s->tls);
		proto_emit(ctx, &r);
	}
	s->have = 0;
	s->pending = 0;
	s->nrcpt = 0;
	s->mailfrom.len = 0;
	s->from.len = s->to.len = s->cc.len = s->reply_to.len = 0;
	s->subject.len = s->date.len = s->msg_id.len = s->user_agent.len = 0;
}

/* The message ended: its header values go to the transaction. */
static void smtp_msg_done(struct proto_ctx *ctx, struct smtp_cli *c, struct smtp_srv *s)
{
	mail_msg_end(ctx, &c->msg);
	s->from = c->msg.from;
	s->to = c->msg.to;
	s->cc = c->msg.cc;
	s->reply_to = c->msg.reply_to;
	s->subject = c->msg.subject;
	s->date = c->msg.date;
	s->msg_id = c->msg.msg_id;
	s->user_agent = c->msg.user_agent;
	s->have = 1;
	s->pending = 1;
	s->depth++;
}

/* ---- client -------------------------------------------------------------------------- */

/* The address inside "<...>" of a MAIL FROM / RCPT TO parameter (or the first word). */
static struct slice smtp_path(struct slice p)
{
	uint32_t i = 0;
	while (i < p.len && p.p[i] != ':')
		i++;
	if (i < p.len)
		i++;
	struct slice v = mail_trim((struct slice){ p.p + i, p.len - i });
	if (v.len && v.p[0] == '<') {
		uint32_t k = 1;
		while (k < v.len && v.p[k] != '>')
			k++;
		return (struct slice){ v.p + 1, k - 1 };
	}
	uint32_t k = 0;
	while (k < v.len && v.p[k] != ' ')
		k++;
	return (struct slice){ v.p, k };
}

static void smtp_cred_plain(struct proto_ctx *ctx, struct slice b64)
{
	uint8_t buf[512];
	int n = b64_decode(mail_trim(b64), buf, sizeof buf);
	if (n <= 0) {
		ctx->anomalies++;
		return;
	}
	/* authzid NUL authcid NUL passwd */
	uint32_t a = 0;
	while (a < (uint32_t)n && buf[a])
		a++;
	uint32_t u = a + 1;
	while (u < (uint32_t)n && buf[u])
		u++;
	if (u >= (uint32_t)n) {
		ctx->anomalies++;
		return;
	}
	struct slice user = { buf + a + 1, u - a - 1 }, pass = { buf + u + 1, (uint32_t)n - u - 1 };
	proto_field_s(ctx, SF_USER, user);
	proto_field_s(ctx, SF_PASS, pass);
	proto_emit_cred(ctx, "smtp", user, pass, "auth-plain");
}

static void smtp_login_user(struct proto_ctx *ctx, struct smtp_cli *c, struct slice b64)
{
	uint8_t buf[256];
	int n = b64_decode(mail_trim(b64), buf, sizeof buf);
	if (n < 0) {
		ctx->anomalies++;
		n = 0;
	}
	mail_val_set(&c->user, (struct slice){ buf, (uint32_t)n });
	proto_field_s(ctx, SF_USER, mail_val_slice(&c->user));
}

static void smtp_login_pass(struct proto_ctx *ctx, struct smtp_cli *c, struct slice b64)
{
	uint8_t buf[256];
	int n = b64_decode(mail_trim(b64), buf, sizeof buf);
	if (n < 0) {
		ctx->anomalies++;
		return;
	}
	struct slice pass = { buf, (uint32_t)n };
	proto_field_s(ctx, SF_PASS, pass);
	proto_emit_cred(ctx, "smtp", mail_val_slice(&c->user), pass, "auth-login");
}

static int smtp_verb_is(struct slice verb, const char *w)
{
	size_t n = strlen(w);
	return verb.len == n && proto_ascii_ieq(verb.p, w, n);
}

/* One command line (without its line end). Returns 1 when data follows the line. */
static int smtp_command(struct proto_ctx *ctx, struct smtp_cli *c, struct smtp_srv *s, struct slice line)
{
	if (c->auth != SMTP_AUTH_NONE) {
		uint8_t a = c->auth;
		c->auth = SMTP_AUTH_NONE;
		if (line.len == 1 && line.p[0] == '*')
			return 0; /* the client cancelled */
		if (a == SMTP_AUTH_LOGIN_USER) {
			proto_info_append(ctx, "User: ");
			proto_info_append_bytes(ctx, line);
			smtp_login_user(ctx, c, line);
			c->auth = SMTP_AUTH_LOGIN_PASS;
		} else if (a == SMTP_AUTH_LOGIN_PASS) {
			proto_info_append(ctx, "Pass: ");
			proto_info_append_bytes(ctx, line);
			smtp_login_pass(ctx, c, line);
		} else {
			proto_info_append_bytes(ctx, line);
			smtp_cred_plain(ctx, line);
		}
		return 0;
	}
	proto_info_append_bytes(ctx, line);
	uint32_t v = 0;
	while (v < line.len && line.p[v] != ' ')
		v++;
	struct slice verb = { line.p, v };
	struct slice param = { line.p + v, line.len - v };
	if (param.len) {
		param.p++;
		param.len--;
	}
	/* Wireshark's command field holds at most four characters and its parameter starts
	 * one byte later ("STARTTLS": "STAR", "TLS") */
	struct slice fverb = { verb.p, verb.len < 4 ? verb.len : 4 };
	struct slice fparam = verb.len > 4 ? (struct slice){ line.p + 5, line.len - 5 } : param;
	proto_field_s(ctx, SF_CMD, fverb);
	if (fparam.len)
		proto_field_s(ctx, SF_PARAM, fparam);
	if (smtp_verb_is(verb, "HELO") || smtp_verb_is(verb, "EHLO")) {
		mail_val_set(&s->helo, mail_trim(param));
	} else if (smtp_verb_is(verb, "MAIL")) {
		if (s->pending)
			smtp_emit(ctx, s);
		s->nrcpt = 0;
		mail_val_set(&s->mailfrom, smtp_path(param));
		s->have = 1;
	} else if (smtp_verb_is(verb, "RCPT")) {
		if (s->nrcpt < SMTP_RCPT_MAX)
			mail_val_set(&s->rcpt[s->nrcpt++], smtp_path(param));
		s->have = 1;
	} else if (smtp_verb_is(verb, "DATA")) {
		c->mode = SMTP_DATA;
		c->held = 0;
		memset(&c->dot, 0, sizeof c->dot);
		mail_msg_begin(ctx, &c->msg, "SMTP");
		return 1;
	} else if (smtp_verb_is(verb, "BDAT")) {
		/* Wireshark takes what follows as chunk data when the count is a number or absent
		 * (absent: to the end of the connection); "BDAT word" stays a command */
		struct rd r = rd_make(param.p, param.len);
		uint64_t n = 0;
		uint32_t digits = 0;
		while (rd_left(&r) && r.p[0] >= '0' && r.p[0] <= '9' && digits < 10) {
			n = n * 10 + (uint64_t)(rd_u8(&r) - '0');
			digits++;
		}
		struct slice rest = mail_trim((struct slice){ r.p, rd_left(&r) });
		if ((param.len && !digits) || n > UINT32_MAX) {
			ctx->anomalies++;
			return 0;
		}
		if (!digits || (rest.len && !(rest.len == 4 && proto_ascii_ieq(rest.p, "LAST", 4))))
			ctx->anomalies++; /* the server refuses it; Wireshark still reads data */
		if (c->mode != SMTP_BDAT || !c->msg.source)
			mail_msg_begin(ctx, &c->msg, "SMTP");
		c->mode = SMTP_BDAT;
		c->bdat_left = digits ? (uint32_t)n : UINT32_MAX;
		c->bdat_last = rest.len == 4 && proto_ascii_ieq(rest.p, "LAST", 4);
		return 1;
	} else if (smtp_verb_is(verb, "AUTH")) {
		uint32_t m = 0;
		while (m < param.len && param.p[m] != ' ')
			m++;
		struct slice mech = { param.p, m };
		struct slice init = mail_trim((struct slice){ param.p + m, param.len - m });
		if (smtp_verb_is(mech, "LOGIN")) {
			if (init.len) {
				smtp_login_user(ctx, c, init);
				c->auth = SMTP_AUTH_LOGIN_PASS;
			} else {
				c->auth = SMTP_AUTH_LOGIN_USER;
			}
		} else if (smtp_verb_is(mech, "PLAIN")) {
			if (init.len && !(init.len == 1 && init.p[0] == '='))
				smtp_cred_plain(ctx, init);
			else
				c->auth = SMTP_AUTH_PLAIN;
		}
	} else if (smtp_verb_is(verb, "STARTTLS")) {
		c->starttls = 1;
	} else if (smtp_verb_is(verb, "RSET") || smtp_verb_is(verb, "QUIT")) {
		if (s->pending || (s->have && s->mailfrom.len))
			smtp_emit(ctx, s);
	}
	return 0;
}

struct smtp_sink {
	struct proto_ctx *ctx;
	struct smtp_cli *c;
};

/* Message bytes. Wireshark hands IMF the data without the CRLF before the "." line when both
 * arrive in one segment (its end-of-data search is for CRLF "." CRLF), with it otherwise: a
 * trailing CRLF is held back until the next bytes show which case this is. */
static void smtp_msg_out(void *arg, struct slice run)
{
	struct smtp_sink *k = arg;
	if (!run.len)
		return;
	if (k->c->held) {
		k->c->held = 0;
		mail_msg_feed(k->ctx, &k->c->msg, (struct slice){ (const uint8_t *)"\r\n", 2 });
	}
	if (run.len >= 2 && run.p[run.len - 2] == '\r' && run.p[run.len - 1] == '\n') {
		run.len -= 2;
		k->c->held = 1;
	}
	mail_msg_feed(k->ctx, &k->c->msg, run);
}

static struct proto_res smtp_client(struct proto_ctx *ctx, struct smtp_cli *c, struct smtp_srv *s, struct slice d)
{
	struct rd r = rd_make(d.p, d.len);
	uint32_t lines = 0, bdat_data = 0, tail = 0;
	int imf = 0, drawn = 0;
	while (rd_left(&r)) {
		struct slice rest = { r.p, rd_left(&r) };
		if (c->mode == SMTP_TLS) {
			rd_skip(&r, rest.len);
			break;
		}
		if (c->mode == SMTP_DATA) {
			struct smtp_sink k = { ctx, c };
			if (c->held == 1 && rest.p == d.p)
				c->held = 2; /* held in an earlier segment */
			uint32_t used = mail_dot_feed(&c->dot, rest, smtp_msg_out, &k);
			if (proto_tree_on(ctx)) {
				/* Wireshark's data ends before the "." line, or before CRLF "." CRLF
				 * when that ends the segment */
				uint32_t dl = c->dot.ended && used >= 3 ? used - 3 : used;
				if (c->dot.ended && used == rest.len && dl >= 2 && rest.p[dl - 2] == '\r' &&
				    rest.p[dl - 1] == '\n')
					dl -= 2;
				smtp_tree_data(ctx, &drawn, c, (struct slice){ rest.p, dl }, c->dot.ended);
			}
			rd_skip(&r, used);
			if (c->dot.ended) {
				if (c->held == 2)
					mail_msg_feed(ctx, &c->msg, (struct slice){ (const uint8_t *)"\r\n", 2 });
				c->held = 0;
				c->mode = SMTP_CMD;
				smtp_msg_done(ctx, c, s);
				imf = 1;
			}
			continue;
		}
		if (c->mode == SMTP_BDAT) {
			uint32_t n = rest.len < c->bdat_left ? rest.len : c->bdat_left;
			if (proto_tree_on(ctx)) {
				smtp_tree_top(ctx, &drawn);
				proto_tree_lines(ctx, 1, "Line-based text data", (struct slice){ rest.p, n });
			}
			mail_msg_feed(ctx, &c->msg, (struct slice){ rest.p, n });
			rd_skip(&r, n);
			c->bdat_left -= n;
			bdat_data += n;
			if (!c->bdat_left) {
				c->mode = SMTP_CMD;
				if (c->bdat_last)
					smtp_msg_done(ctx, c, s);
			}
			continue;
		}
		/* a command line */
		uint32_t n = 0;
		while (n < rest.len && rest.p[n] != '\n')
			n++;
		if (n == rest.len && rest.len < SMTP_LINE_MAX) {
			tail = rest.len; /* wait for the line end */
			break;
		}
		uint32_t len = n < rest.len ? n + 1 : n;
		struct slice line = { rest.p, n };
		if (line.len && line.p[line.len - 1] == '\r')
			line.len--;
		rd_skip(&r, len);
		if (!imf)
			smtp_tree_command(ctx, &drawn, c->auth, (struct slice){ rest.p, len }, line);
		proto_info_append(ctx, lines++ ? " | " : "C: ");
		if (smtp_command(ctx, c, s, line) && c->mode == SMTP_DATA)
			continue;
	}
	uint32_t used = d.len - tail;
	if (!lines && !imf && c->mode != SMTP_DATA && !bdat_data && used == 0)
		return smtp_res(PROTO_NEED_MORE, 0);
	if (c->mode == SMTP_TLS && !lines)
		return smtp_res(PROTO_OK, d.len);
	proto_field_u(ctx, SF_REQ, 1);
	if (imf) {
		proto_col_proto(ctx, "SMTP/IMF");
		proto_info_clear(ctx);
		mail_msg_info(ctx, &c->msg);
	} else {
		proto_col_proto(ctx, "SMTP");
		if (bdat_data || (c->mode == SMTP_DATA && !lines)) {
			proto_info_clear(ctx);
			proto_info_printf(ctx, "C: DATA fragment, %u bytes", d.len);
		}
	}
	return tail ? smtp_res(PROTO_NEED_MORE, used) : smtp_res(PROTO_OK, d.len);
}

/* ---- server -------------------------------------------------------------------------- */

static struct proto_res smtp_server(struct proto_ctx *ctx, struct smtp_srv *s, struct smtp_cli *c, struct slice d)
{
	if (s->tls)
		return smtp_res(PROTO_OK, d.len);
	struct rd r = rd_make(d.p, d.len);
	uint32_t lines = 0, tail = 0;
	int cont = 0; /* the previous line announced more lines of the same reply */
	int drawn = 0;
	while (rd_left(&r)) {
		struct slice rest = { r.p, rd_left(&r) };
		uint32_t n = 0;
		while (n < rest.len && rest.p[n] != '\n')
			n++;
		if (n == rest.len && rest.len < SMTP_LINE_MAX) {
			tail = rest.len;
			break;
		}
		struct slice line = { rest.p, n };
		if (line.len && line.p[line.len - 1] == '\r')
			line.len--;
		rd_skip(&r, n < rest.len ? n + 1 : n);
		struct slice raw = { rest.p, n < rest.len ? n + 1 : n };
		proto_info_append(ctx, lines++ ? " | " : "S: ");
		uint32_t code = 0;
		int coded = line.len >= 3;
		for (uint32_t i = 0; i < 3 && i < line.len; i++) {
			if (line.p[i] < '0' || line.p[i] > '9')
				coded = 0;
			else
				code = code * 10 + (uint32_t)(line.p[i] - '0');
		}
		int more = coded && line.len >= 4 && line.p[3] == '-';
		smtp_tree_reply(ctx, &drawn, raw, line, coded, code, cont);
		struct slice text = line;
		if (coded && cont && line.len >= 4)
			text = (struct slice){ line.p + 4, line.len - 4 };
		proto_info_append_bytes(ctx, text);
		if (!coded) {
			ctx->anomalies++;
			cont = 0;
			continue;
		}
		proto_field_u(ctx, SF_CODE, code);
		if (line.len > 4)
			proto_field_s(ctx, SF_RSP_PARAM, (struct slice){ line.p + 4, line.len - 4 });
		cont = more;
		if (more)
			continue;
		mail_val_set(&s->last_reply, line);
		if (code == 220 && c && c->starttls) {
			c->starttls = 0;
			c->mode = SMTP_TLS;
			s->tls = 1;
			ctx->handover = "tls";
			s->have = 1;
			break;
		}
		if (c && c->starttls && code >= 400)
			c->starttls = 0;
		if (s->pending && code >= 200)
			smtp_emit(ctx, s);
	}
	if (!lines)
		return smtp_res(PROTO_NEED_MORE, 0);
	proto_field_u(ctx, SF_RSP, 1);
	proto_col_proto(ctx, "SMTP");
	if (s->tls)
		return smtp_res(PROTO_OK, d.len);
	return tail ? smtp_res(PROTO_NEED_MORE, d.len - tail) : smtp_res(PROTO_OK, d.len);
}

static struct proto_res smtp_parse(struct proto_ctx *ctx, uint8_t dir, struct slice d)
{
	struct smtp_state *me = ctx->state, *peer = ctx->peer;
	uint8_t role = smtp_role_of(ctx, dir);
	if (!me->role)
		me->role = role;
	if (peer && !peer->role)
		peer->role = role == SMTP_CLIENT ? SMTP_SERVER : SMTP_CLIENT;
	if (!d.len)
		return smtp_res(PROTO_NEED_MORE, 0);
	if (me->role == SMTP_CLIENT) {
		struct smtp_srv none;
		if (!(peer && peer->role == SMTP_SERVER)) {
			memset(&none, 0, sizeof none); /* no server side to keep the transaction in */
			return smtp_client(ctx, &me->u.c, &none, d);
		}
		return smtp_client(ctx, &me->u.c, &peer->u.s, d);
	}
	struct smtp_cli *c = peer && peer->role == SMTP_CLIENT ? &peer->u.c : NULL;
	return smtp_server(ctx, &me->u.s, c, d);
}

static int smtp_skip(struct proto_ctx *ctx, uint8_t dir, uint32_t n)
{
	struct smtp_state *me = ctx->state;
	(void)dir;
	(void)n;
	if (me->role == SMTP_CLIENT && me->u.c.mode == SMTP_TLS)
		return 0;
	if (me->role == SMTP_SERVER && me->u.s.tls)
		return 0;
	if (me->role == SMTP_CLIENT && me->u.c.mode == SMTP_DATA) {
		me->u.c.msg.obj.missing = 1;
		me->u.c.msg.anomalies++;
		return 0; /* the message goes on; its "." line still ends it */
	}
	return -1;
}

static void smtp_fini(void *state)
{
	struct smtp_state *st = state;
	if (st->role == SMTP_CLIENT) {
		mail_msg_free(&st->u.c.msg);
		free(st->u.c.tf);
		st->u.c.tf = NULL;
	}
}

static void smtp_init(void *state, uint8_t dir)
{
	(void)state;
	(void)dir;
}

static void smtp_flow_end(struct proto_ctx *ctx)
{
	struct smtp_state *a = ctx->state, *b = ctx->peer;
	struct smtp_state *cs = a && a->role == SMTP_CLIENT ? a : b && b->role == SMTP_CLIENT ? b : NULL;
	struct smtp_state *ss = a && a->role == SMTP_SERVER ? a : b && b->role == SMTP_SERVER ? b : NULL;
	if (cs && cs->u.c.mode == SMTP_DATA && ss) {
		cs->u.c.msg.obj.missing = 1; /* the message never ended */
		smtp_msg_done(ctx, &cs->u.c, &ss->u.s);
	} else if (cs) {
		mail_msg_free(&cs->u.c.msg);
	}
	if (ss)
		smtp_emit(ctx, &ss->u.s);
}

static enum proto_probe smtp_probe(uint8_t l4, struct slice d)
{
	(void)l4;
	if (d.len < 4)
		return PROBE_MAYBE;
	if (proto_ascii_ieq(d.p, "EHLO ", d.len < 5 ? d.len : 5) || proto_ascii_ieq(d.p, "HELO ", d.len < 5 ? d.len : 5))
		return PROBE_YES;
	if (d.len >= 4 && d.p[0] == '2' && d.p[1] == '2' && d.p[2] == '0' && (d.p[3] == ' ' || d.p[3] == '-')) {
		for (uint32_t i = 4; i + 4 <= d.len && i < 512; i++)
			if (proto_ascii_ieq(d.p + i, "SMTP", 4))
				return PROBE_YES;
		return PROBE_MAYBE;
	}
	return PROBE_NO;
}

const struct proto_desc proto_smtp = {
	.name = "smtp",
	.l4 = PROTO_L4_TCP,
	.ports = smtp_ports,
	.probe = smtp_probe,
	.state_size = sizeof(struct smtp_state),
	.init = smtp_init,
	.fini = smtp_fini,
	.parse = smtp_parse,
	.skip = smtp_skip,
	.on_flow_end = smtp_flow_end,
	.fields = smtp_fields,
	.nfields = SF_N,
	.col_name = "SMTP",
};
