/* telnet.c: Telnet (RFC 854 protocol, RFC 855 option negotiation: IAC WILL/WONT/DO/DONT
 * <option>, IAC SB <option> ... IAC SE, IAC IAC for a data byte 255; option numbers from the
 * IANA "Telnet Options" registry). As Wireshark, each segment is one PDU shown as "Telnet
 * Data ..."; a segment that ends inside a command is marked malformed. Credentials: the client's
 * line after the server's "login:"/"Username:" prompt is the user, the line after "Password:"
 * the password (backspace/DEL editing applied, commands between characters skipped); the lines
 * typed after that are the session's commands. A "telnet" record per connection at flow end
 * holds the user, the commands (capped) and the options negotiated. */
#include <stdio.h>
#include <string.h>

#include "base/rd.h"
#include "proto/proto.h"

#define TELNET_IAC 255
#define TELNET_LINE_MAX 128      /* a typed line kept for user/password/commands */
#define TELNET_TAIL 24           /* server text kept to find the prompts */
#define TELNET_CMDS 16           /* commands kept per connection */
#define TELNET_CMD_LEN 64
#define TELNET_OPTS 24           /* negotiations kept per direction */
#define TELNET_FIELDS 64         /* per segment */

enum telnet_cmd_state { TN_DATA = 0, TN_IAC, TN_OPT, TN_SB, TN_SB_IAC };
enum telnet_mode { TN_M_NONE = 0, TN_M_USER, TN_M_PASS, TN_M_SHELL };

struct telnet_state {
	uint8_t role;          /* 1 client, 2 server (by port; else originator is the client) */
	uint8_t cs;            /* enum telnet_cmd_state across segments */
	uint8_t verb;          /* WILL/WONT/DO/DONT waiting for its option */
	uint8_t mode;          /* client: what the next line is (set by the server's prompts) */
	uint8_t cr;            /* client: the last byte ended a line with CR */
	uint8_t have_user, have_pass, emitted;
	uint8_t ncmds, nopts;
	uint16_t line_len, user_len, tail_len;
	uint32_t attempts;     /* passwords typed */
	char line[TELNET_LINE_MAX];
	char user[TELNET_LINE_MAX];
	char tail[TELNET_TAIL];   /* server: last printable characters, lower case */
	uint8_t cmd_len[TELNET_CMDS];
	char cmds[TELNET_CMDS][TELNET_CMD_LEN];
	uint8_t opts[TELNET_OPTS][2]; /* verb, option */
};

static const struct proto_field telnet_fields[] = {
	{ "telnet.data", PF_STR, 0, "Data" },
	{ "telnet.cmd", PF_UINT, 0, "Command" },
	{ "telnet.subcmd", PF_UINT, 0, "Subcommand" },
	{ "telnet.subcommand_data", PF_BYTES, 0, "Subcommand data" },
};
enum { TN_F_DATA = 0, TN_F_CMD, TN_F_SUBCMD, TN_F_SUBDATA };

static const uint16_t telnet_ports[] = { 23, 0 };

/* IANA Telnet option names (as Wireshark spells them). */
static const char *telnet_opt_name(uint8_t o)
{
	static const char *const names[] = {
		"Binary Transmission", "Echo", "Reconnection", "Suppress Go Ahead",
		"Approx Message Size Negotiation", "Status", "Timing Mark", "Remote Controlled Trans and Echo",
		"Output Line Width", "Output Page Size", "Output Carriage-Return Disposition",
		"Output Horizontal Tab Stops", "Output Horizontal Tab Disposition", "Output Formfeed Disposition",
		"Output Vertical Tabstops", "Output Vertical Tab Disposition", "Output Linefeed Disposition",
		"Extended ASCII", "Logout", "Byte Macro", "Data Entry Terminal", "SUPDUP", "SUPDUP Output",
		"Send Location", "Terminal Type", "End of Record", "TACACS User Identification",
		"Output Marking", "Terminal Location Number", "Telnet 3270 Regime", "X.3 PAD",
		"Negotiate About Window Size", "Terminal Speed", "Remote Flow Control", "Linemode",
		"X Display Location", "Environment Option", "Authentication Option", "Encryption Option",
		"New Environment Option", "TN3270E", "XAUTH", "CHARSET", "Remote Serial Port",
		"Com Port Control Option", "Suppress Local Echo", "Start TLS", "KERMIT", "SEND-URL",
		"FORWARD_X",
	};
	if (o < sizeof names / sizeof names[0])
		return names[o];
	return o == 255 ? "Extended-Options-List" : "Unknown";
}

static const char *telnet_verb_name(uint8_t v)
{
	switch (v) {
	case 251: return "Will";
	case 252: return "Won't";
	case 253: return "Do";
	case 254: return "Don't";
	default: return "?";
	}
}

static uint8_t telnet_role_of(const struct proto_ctx *ctx, uint8_t dir)
{
	if (ctx->sport == 23 && ctx->dport != 23)
		return 2;
	if (ctx->dport == 23 && ctx->sport != 23)
		return 1;
	return dir == 0 ? 1 : 2;
}

/* ---- server text: prompts ----------------------------------------------------------- */

static int telnet_tail_ends(const struct telnet_state *st, const char *s)
{
	size_t n = strlen(s);
	uint16_t len = st->tail_len;
	while (len && st->tail[len - 1] == ' ')
		len--;
	return len >= n && memcmp(st->tail + len - n, s, n) == 0;
}

static void telnet_server_byte(struct telnet_state *st, uint8_t c)
{
	if (c == '\r' || c == '\n') {
		st->tail_len = 0;
		return;
	}
	if (c < 0x20 || c >= 0x7f)
		return;
	if (c >= 'A' && c <= 'Z')
		c = (uint8_t)(c + 32);
	if (st->tail_len == TELNET_TAIL) {
		memmove(st->tail, st->tail + 1, TELNET_TAIL - 1);
		st->tail_len--;
	}
	st->tail[st->tail_len++] = (char)c;
}

/* After a server segment: a prompt at the end of its text sets the client's mode. */
static void telnet_server_prompt(struct telnet_state *st, struct telnet_state *client)
{
	if (!client)
		return;
	if (telnet_tail_ends(st, "password:")) {
		client->mode = TN_M_PASS;
		client->line_len = 0;
	} else if (telnet_tail_ends(st, "login:") || telnet_tail_ends(st, "username:") ||
		   telnet_tail_ends(st, "user name:") || telnet_tail_ends(st, "user:")) {
		client->mode = TN_M_USER;
		client->line_len = 0;
	}
}

/* ---- client keystrokes -------------------------------------------------------------- */

static void telnet_line_done(struct proto_ctx *ctx, struct telnet_state *st)
{
	struct slice line = { (const uint8_t *)st->line, st->line_len };
	switch (st->mode) {
	case TN_M_USER:
		if (!line.len)
			return; /* an empty name: the server asks again */
		memcpy(st->user, st->line, st->line_len);
		st->user_len = st->line_len;
		st->have_user = 1;
		st->mode = TN_M_NONE;
		break;
	case TN_M_PASS:
		st->attempts++;
		st->have_pass = 1;
		proto_emit_cred(ctx, "TELNET", (struct slice){ (const uint8_t *)st->user, st->have_user ? st->user_len : 0 },
				line, "password");
		st->mode = TN_M_SHELL;
		break;
	case TN_M_SHELL:
		if (line.len && st->ncmds < TELNET_CMDS) {
			uint32_t n = line.len < TELNET_CMD_LEN ? line.len : TELNET_CMD_LEN;
			memcpy(st->cmds[st->ncmds], line.p, n);
			st->cmd_len[st->ncmds++] = (uint8_t)n;
		}
		break;
	default:
		break;
	}
	st->line_len = 0;
}

static void telnet_client_byte(struct proto_ctx *ctx, struct telnet_state *st, uint8_t c)
{
	if (c == '\r' || c == '\n') {
		if (c == '\n' && st->cr) { /* CR LF: one end of line */
			st->cr = 0;
			return;
		}
		st->cr = c == '\r';
		telnet_line_done(ctx, st);
		return;
	}
	if (c == 0 && st->cr) { /* CR NUL */
		st->cr = 0;
		return;
	}
	st->cr = 0;
	if (c == 8 || c == 127) { /* backspace, DEL: erase the last character */
		if (st->line_len)
			st->line_len--;
		return;
	}
	if (c == 21) { /* ^U: erase the line */
		st->line_len = 0;
		return;
	}
	if (c < 0x20)
		return;
	if (st->line_len < TELNET_LINE_MAX)
		st->line[st->line_len++] = (char)c;
	else
		ctx->anomalies++;
}

/* ---- segments ----------------------------------------------------------------------- */

static void telnet_note_opt(struct telnet_state *st, uint8_t verb, uint8_t opt)
{
	for (uint8_t i = 0; i < st->nopts; i++)
		if (st->opts[i][0] == verb && st->opts[i][1] == opt)
			return; /* each negotiation once */
	if (st->nopts < TELNET_OPTS) {
		st->opts[st->nopts][0] = verb;
		st->opts[st->nopts][1] = opt;
		st->nopts++;
	}
}

/* A data run as telnet.data: text up to the first NUL, as Wireshark's string field. */
static void telnet_field_data(struct proto_ctx *ctx, const uint8_t *p, uint32_t n)
{
	struct rd r = rd_make(p, n);
	uint32_t k = 0;
	while (rd_left(&r) && rd_u8(&r))
		k++;
	proto_field_s(ctx, TN_F_DATA, (struct slice){ p, k });
}

/* ---- detail tree (-V) ------------------------------------------------------------------ */

/* "Data: ..." of a data run (the text stops at a NUL, as Wireshark's string). */
static void telnet_tree_data(struct proto_ctx *ctx, const uint8_t *p, uint32_t n)
{
	uint32_t k = 0;
	while (k < n && p[k])
		k++;
	proto_tree_field_str(ctx, 1, "Data", (struct slice){ p, k }, PROTO_TENC_UTF8);
}

static void telnet_tree_cmd(struct proto_ctx *ctx, uint8_t c)
{
	static const char *const n[] = { "Suboption End", "No Operation", "Data Mark", "Break", "Interrupt Process",
					 "Abort Output", "Are You There?", "Escape Character", "Erase Line", "Go Ahead",
					 "Suboption" };
	const char *name = c >= 240 && c <= 250 ? n[c - 240] : c == 239 ? "End of Record" : NULL;
	if (!name)
		return;
	proto_tree_text(ctx, 1, "%s", name);
	proto_tree_field(ctx, 2, "Command", "%s (%u)", name, c);
}

static void telnet_tree_option(struct proto_ctx *ctx, uint8_t verb, uint8_t opt)
{
	proto_tree_text(ctx, 1, "%s %s", telnet_verb_name(verb), telnet_opt_name(opt));
	proto_tree_field(ctx, 2, "Command", "%s (%u)", telnet_verb_name(verb), verb);
	proto_tree_field(ctx, 2, "Subcommand", "%s", telnet_opt_name(opt));
}

/* IAC SB opt data IAC SE: the suboption and what Wireshark reads from its data. */
static void telnet_tree_sub(struct proto_ctx *ctx, const uint8_t *p, uint32_t n)
{
	if (!n)
		return;
	uint8_t opt = p[0];
	struct slice d = { p + 1, n - 1 };
	proto_tree_text(ctx, 1, "Suboption %s", telnet_opt_name(opt));
	proto_tree_field(ctx, 2, "Command", "Suboption (250)");
	proto_tree_field(ctx, 2, "Subcommand", "%s", telnet_opt_name(opt));
	if ((opt == 24 || opt == 35) && d.len && (d.p[0] == 0 || d.p[0] == 1)) {
		const char *what = opt == 24 ? "Terminal Type" : "X Display Location";
		proto_tree_text(ctx, 3, "%s %s", d.p[0] == 1 ? "Send your" : "Here's my", what);
		if (d.p[0] == 0)
			proto_tree_field_str(ctx, 3, "Value", (struct slice){ d.p + 1, d.len - 1 }, PROTO_TENC_ASCII);
	} else if (opt == 31 && d.len == 4) {
		proto_tree_field(ctx, 3, "Width", "%u", d.p[0] << 8 | d.p[1]);
		proto_tree_field(ctx, 3, "Height", "%u", d.p[2] << 8 | d.p[3]);
	} else if (opt == 38 && d.len) {
		static const char *const ec[] = { "IS", "SUPPORT", "REPLY", "START", "END", "REQUEST-START", "REQUEST-END",
						  "ENC_KEYID", "DEC_KEYID" };
		proto_tree_field(ctx, 3, "Enc Cmd", "%s (%u)", d.p[0] < 9 ? ec[d.p[0]] : "Unknown", d.p[0]);
	} else if (opt == 33 && d.len) {
		static const char *const fc[] = { "OFF", "ON", "RESTART-ANY", "RESTART-XON" };
		proto_tree_field(ctx, 3, "Command", "%s (%u)", d.p[0] < 4 ? fc[d.p[0]] : "Unknown", d.p[0]);
	} else if (d.len) {
		proto_tree_bytes(ctx, 3, "Option data", d);
	}
}

/* Runs the command state machine over the segment; data bytes go to the direction's
 * handler, data runs become telnet.data fields (split after each LF, as Wireshark's lines).
 * Returns 1 when the segment ends inside a command (what tshark reports as malformed). */
static int telnet_segment(struct proto_ctx *ctx, struct telnet_state *st, struct telnet_state *peer, struct slice d)
{
	struct rd r = rd_make(d.p, d.len);
	uint32_t run = 0, nfields = 0, sb_start = 0;
	int tree = proto_tree_on(ctx);
	if (tree)
		proto_tree_text(ctx, 0, "Telnet");
	int seg_cmd = 0; /* a command started in this segment and is still open */
	for (uint32_t i = 0; rd_left(&r); i++) {
		uint8_t c = rd_u8(&r);
		switch (st->cs) {
		case TN_DATA:
			if (c == TELNET_IAC) {
				if (i > run && nfields++ < TELNET_FIELDS)
					telnet_field_data(ctx, d.p + run, i - run);
				if (i > run && tree)
					telnet_tree_data(ctx, d.p + run, i - run);
				st->cs = TN_IAC;
				seg_cmd = 1;
				break;
			}
			if (st->role == 2)
				telnet_server_byte(st, c);
			else
				telnet_client_byte(ctx, st, c);
			if (c == '\n') {
				if (nfields++ < TELNET_FIELDS)
					telnet_field_data(ctx, d.p + run, i + 1 - run);
				if (tree)
					telnet_tree_data(ctx, d.p + run, i + 1 - run);
				run = i + 1;
			}
			break;
		case TN_IAC:
			if (c == TELNET_IAC) { /* escaped data byte 255 */
				st->cs = TN_DATA;
				seg_cmd = 0;
				run = i + 1;
				if (st->role == 2)
					telnet_server_byte(st, c);
				else
					telnet_client_byte(ctx, st, c);
				break;
			}
			if (nfields++ < TELNET_FIELDS)
				proto_field_u(ctx, TN_F_CMD, c);
			if (c >= 251 && c <= 254) {
				st->verb = c;
				st->cs = TN_OPT;
			} else if (c == 250) {
				st->cs = TN_SB;
				sb_start = i + 1;
			} else {
				if (tree)
					telnet_tree_cmd(ctx, c);
				st->cs = TN_DATA;
				seg_cmd = 0;
				run = i + 1;
			}
			break;
		case TN_OPT:
			if (nfields++ < TELNET_FIELDS)
				proto_field_u(ctx, TN_F_SUBCMD, c);
			telnet_note_opt(st, st->verb, c);
			if (tree)
				telnet_tree_option(ctx, st->verb, c);
			st->cs = TN_DATA;
			seg_cmd = 0;
			run = i + 1;
			break;
		case TN_SB:
			if (c == TELNET_IAC)
				st->cs = TN_SB_IAC;
			break;
		case TN_SB_IAC:
			if (c == 240) { /* SE */
				if (nfields++ < TELNET_FIELDS)
					proto_field_u(ctx, TN_F_CMD, c);
				if (tree && i >= sb_start + 1) {
					telnet_tree_sub(ctx, d.p + sb_start, i - 1 - sb_start);
					telnet_tree_cmd(ctx, 240);
				}
				if (sb_start < i && i - 1 > sb_start && nfields++ < TELNET_FIELDS) {
					proto_field_u(ctx, TN_F_SUBCMD, d.p[sb_start]);
					if (i - 1 > sb_start + 1)
						proto_field_s(ctx, TN_F_SUBDATA,
							      (struct slice){ d.p + sb_start + 1, i - 2 - sb_start });
				}
				st->cs = TN_DATA;
				seg_cmd = 0;
				run = i + 1;
			} else {
				st->cs = TN_SB; /* IAC IAC inside a suboption, or a stray IAC */
			}
			break;
		default:
			st->cs = TN_DATA;
			break;
		}
	}
	if (st->cs == TN_DATA && run < d.len && nfields < TELNET_FIELDS)
		telnet_field_data(ctx, d.p + run, d.len - run);
	if (st->cs == TN_DATA && run < d.len && tree)
		telnet_tree_data(ctx, d.p + run, d.len - run);
	if (st->role == 2)
		telnet_server_prompt(st, peer);
	/* tshark reads each segment alone: an IAC or a verb without its option at the end of the
	 * segment is a read past the end */
	return seg_cmd && (st->cs == TN_IAC || st->cs == TN_OPT);
}

static struct proto_res telnet_parse(struct proto_ctx *ctx, uint8_t dir, struct slice d)
{
	struct telnet_state *st = ctx->state;
	struct proto_res res = { PROTO_OK, d.len, 0 };
	if (!st->role)
		st->role = telnet_role_of(ctx, dir);
	if (!d.len)
		return res;
	proto_col_proto(ctx, "TELNET");
	proto_info_clear(ctx);
	proto_info_append(ctx, "Telnet Data ...");
	if (telnet_segment(ctx, st, ctx->peer, d)) {
		ctx->anomalies++;
		proto_info_append(ctx, "[Malformed Packet]");
	}
	return res;
}

/* Negotiations as "Will Terminal Type"; the texts live in `buf` (the caller's, until emitted). */
static void telnet_rec_opts(struct proto_rec *rec, const char *name, const struct telnet_state *st,
			    char (*buf)[48])
{
	for (uint8_t i = 0; i < st->nopts; i++) {
		int n = snprintf(buf[i], sizeof buf[i], "%s %s", telnet_verb_name(st->opts[i][0]),
				 telnet_opt_name(st->opts[i][1]));
		if (n < 0)
			continue;
		proto_rec_push_str(rec, name, proto_slice_cstr(buf[i]));
	}
}

static void telnet_flow_end(struct proto_ctx *ctx)
{
	struct telnet_state *a = ctx->state, *b = ctx->peer;
	if (!a || !b || !proto_records_on(ctx))
		return;
	struct telnet_state *c = a->role == 2 ? b : a, *s = c == a ? b : a;
	if (c->emitted)
		return;
	c->emitted = 1;
	if (!c->have_user && !c->have_pass && !c->ncmds && !c->nopts && !s->nopts)
		return;
	struct proto_rec rec;
	proto_rec_init(&rec, "telnet");
	if (c->have_user)
		proto_rec_str(&rec, "user", (struct slice){ (const uint8_t *)c->user, c->user_len });
	proto_rec_bool(&rec, "password_seen", c->have_pass);
	proto_rec_u(&rec, "auth_attempts", c->attempts);
	for (uint8_t i = 0; i < c->ncmds; i++)
		proto_rec_push_str(&rec, "commands", (struct slice){ (const uint8_t *)c->cmds[i], c->cmd_len[i] });
	char cbuf[TELNET_OPTS][48], sbuf[TELNET_OPTS][48];
	telnet_rec_opts(&rec, "client_options", c, cbuf);
	telnet_rec_opts(&rec, "server_options", s, sbuf);
	proto_emit(ctx, &rec);
}

/* Telnet has no fixed greeting; an IAC negotiation at the start leaves little doubt. */
static enum proto_probe telnet_probe(uint8_t l4, struct slice d)
{
	(void)l4;
	struct rd r = rd_make(d.p, d.len);
	uint8_t a = rd_u8(&r), b = rd_u8(&r);
	if (!rd_ok(&r))
		return d.len && d.p[0] == TELNET_IAC ? PROBE_MAYBE : PROBE_NO;
	if (a == TELNET_IAC && b >= 250 && b <= 254)
		return PROBE_YES;
	return PROBE_NO;
}

const struct proto_desc proto_telnet = {
	.name = "telnet",
	.l4 = PROTO_L4_TCP,
	.ws_heuristic = 0,
	.ports = telnet_ports,
	.probe = telnet_probe,
	.state_size = sizeof(struct telnet_state),
	.parse = telnet_parse,
	.on_flow_end = telnet_flow_end,
	.fields = telnet_fields,
	.nfields = sizeof telnet_fields / sizeof telnet_fields[0],
	.col_name = "TELNET",
};
