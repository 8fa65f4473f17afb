/* ftp.c: FTP control connections (RFC 959, extensions RFC 2428 EPRT/EPSV, RFC 3659 SIZE) and the
 * data connections they set up (PASV 227 replies, EPSV 229 replies, PORT and EPRT commands).
 *
 * Control: the packet list shows, like tshark 4.0, the first line of each TCP segment as
 * "Request: ..." (segments to port 21) or "Response: ..."; the records follow the command and
 * reply lines across segments (lines are accumulated up to FTP_LINE_MAX) and pair each command
 * with its final reply (Zeek's ftp.log). The session (user, cwd, current data channel) lives in
 * the direction-0 state, which is what a linked data flow receives as ctx->parent.
 *
 * Data: "FTP Data: N bytes (METHOD) (command line)" per segment; the bytes of each direction form
 * one object (a stored or retrieved file, or a listing), hashed and typed by ctx.c. */
#include <arpa/inet.h>
#include <stddef.h>
#include <string.h>

#include "base/rd.h"
#include "proto/proto.h"

#define FTP_LINE_MAX 512    /* command/reply line kept across segments (longer: cut, counted) */
#define FTP_CMD_MAX 16      /* command verb kept for a record */
#define FTP_ARG_MAX 256     /* argument kept for a record */
#define FTP_CWD_MAX 256     /* current directory */
#define FTP_NAME_MAX 64     /* user name / password */
#define FTP_DCMD_MAX 280    /* command line shown for a data connection */
#define FTP_LINES_PER_CALL 4096
#define FTP_QUEUE 4         /* commands sent ahead of their replies (pipelining) */
#define FTP_PORT 21
#define FTP_DATA_PORT 20

/* Data channel setup methods (low 3 bits of the expectation tag; the upper 5 bits carry a
 * generation counter so a data flow knows whether the control session still describes it). */
enum ftp_method { FTP_M_NONE = 0, FTP_M_PASV, FTP_M_EPSV, FTP_M_PORT, FTP_M_EPRT };
static const char *const ftp_method_names[] = { "", "PASV", "EPASV", "PORT", "EPRT" };

/* A data channel announced on the control connection. */
struct ftp_dchan {
	uint8_t method;         /* enum ftp_method; 0: none */
	uint8_t gen;            /* generation (5 bits) of this announcement */
	uint8_t alen;           /* listening side's address length: 4 or 16 */
	uint8_t passive;
	uint16_t port;          /* listening port */
	uint8_t orig[16];       /* side that connects */
	uint8_t resp[16];       /* side that listens (address as announced) */
	uint16_t cmdline_len;   /* the first command line after the setup (tshark 4.0 shows it) */
	char cmdline[FTP_DCMD_MAX];
	uint16_t xfer_len;      /* the first transfer command line (RETR, STOR, LIST ...) */
	char xfer[FTP_DCMD_MAX];
	uint16_t cwd_len;       /* directory when the transfer command was given */
	char cwd[FTP_CWD_MAX];
};

/* The data channel as reported in an "ftp" record. */
struct ftp_chan_rec {
	uint8_t method, alen, passive, have_orig;
	uint16_t port;
	uint8_t orig[16];
	uint8_t resp[16];
};

/* A command waiting for its final reply. */
struct ftp_cmd {
	uint8_t cmd_len, has_size, has_chan;
	uint16_t arg_len;
	uint64_t file_size;
	char cmd[FTP_CMD_MAX];  /* upper-cased */
	char arg[FTP_ARG_MAX];
	struct ftp_chan_rec chan;
};

/* What the control session remembers (kept in the direction-0 state only). */
struct ftp_session {
	uint8_t user_len, pass_len, have_user, have_pass;
	char user[FTP_NAME_MAX];
	char pass[FTP_NAME_MAX];
	uint16_t cwd_len;
	uint8_t type;           /* 'A', 'I' ... from TYPE; 0 unknown */
	uint8_t tls;            /* AUTH TLS accepted: the rest is TLS */
	uint8_t seen[2];        /* a direction has been parsed */
	uint8_t tls_requested;
	uint8_t gen;            /* data channel generation counter */
	char cwd[FTP_CWD_MAX];
	/* commands waiting for their final replies, oldest at q[qhead] */
	uint8_t qhead, qlen, reply_open;
	int16_t reply_code;     /* code of the reply being read (multi-line) */
	uint16_t msg_len;
	char msg[FTP_ARG_MAX];  /* reply text */
	struct ftp_cmd q[FTP_QUEUE];
	struct ftp_dchan dc;    /* current data channel (what a data flow reads) */
};

/* Per direction: the line being accumulated; the session in direction 0. */
struct ftp_state {
	uint16_t line_len;
	uint8_t line_cut;
	uint8_t live;           /* parsed before (0 in a fresh state, e.g. a retransmission's) */
	uint8_t line[FTP_LINE_MAX];
	struct ftp_session s;
};

/* Per direction of a data flow. */
struct ftp_data_state {
	uint8_t method, gen, known, obj_done;
	uint16_t cmdline_len, xfer_len, cwd_len;
	char cmdline[FTP_DCMD_MAX];
	char xfer[FTP_DCMD_MAX];
	char cwd[FTP_CWD_MAX];
	uint64_t bytes;
	struct proto_obj obj;  /* owned: released in fini */
};

enum {
	FTP_F_REQUEST = 0, FTP_F_RESPONSE, FTP_F_CMD, FTP_F_ARG, FTP_F_CODE, FTP_F_RARG, FTP_F_PASV_IP,
	FTP_F_PASV_PORT, FTP_F_ACT_IP, FTP_F_ACT_PORT, FTP_F_EPRT_IP, FTP_F_EPRT_IPV6, FTP_F_EPRT_PORT,
	FTP_F_EPSV_PORT, FTP_F_CWD,
};

static const struct proto_field ftp_fields[] = {
	{ "ftp.request", PF_BOOL, 0, "Request" },
	{ "ftp.response", PF_BOOL, 0, "Response" },
	{ "ftp.request.command", PF_STR, 0, "Request command" },
	{ "ftp.request.arg", PF_STR, 0, "Request arg" },
	{ "ftp.response.code", PF_UINT, 0, "Response code" },
	{ "ftp.response.arg", PF_STR, 0, "Response arg" },
	{ "ftp.passive.ip", PF_IPV4, 0, "Passive IP address" },
	{ "ftp.passive.port", PF_UINT, 0, "Passive port" },
	{ "ftp.active.cip", PF_IPV4, 0, "Active IP address" },
	{ "ftp.active.port", PF_UINT, 0, "Active port" },
	{ "ftp.eprt.ip", PF_IPV4, 0, "Extended active IP address" },
	{ "ftp.eprt.ipv6", PF_IPV6, 0, "Extended active IPv6 address" },
	{ "ftp.eprt.port", PF_UINT, 0, "Extended active port" },
	{ "ftp.epsv.port", PF_UINT, 0, "Extended passive port" },
	{ "ftp.current-working-directory", PF_STR, 0, "Current working directory" },
};

enum { FTPD_F_METHOD = 0, FTPD_F_CMD, FTPD_F_CWD };

static const struct proto_field ftp_data_fields[] = {
	{ "ftp-data.setup-method", PF_STR, 0, "Setup method" },
	{ "ftp-data.command", PF_STR, 0, "Command" },
	{ "ftp-data.current-working-directory", PF_STR, 0, "Current working directory" },
};

static const uint16_t ftp_ports[] = { FTP_PORT, 0 };
static const uint16_t ftp_data_ports[] = { FTP_DATA_PORT, 0 };

/* ---- small text helpers ----------------------------------------------------------------- */

static struct slice ftp_sl(const void *p, uint32_t n)
{
	struct slice s = { (const uint8_t *)p, n };
	return s;
}

static int ftp_is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* Case-insensitive: does the slice equal the (upper-case) word? */
static int ftp_word_is(struct slice w, const char *word)
{
	size_t n = strlen(word);
	return w.len == n && proto_ascii_ieq(w.p, word, n);
}

static void ftp_copy(char *dst, size_t cap, uint16_t *len, struct slice s)
{
	size_t n = s.len < cap ? s.len : cap;
	memcpy(dst, s.p, n);
	*len = (uint16_t)n;
}

/* Length of the first line (up to the first CR or LF), as Wireshark's line finder without
 * desegmentation. */
static uint32_t ftp_first_line(struct slice d)
{
	struct rd r = rd_make(d.p, d.len);
	uint32_t n = 0;
	for (;;) {
		int c = rd_peek(&r, n);
		if (c < 0 || c == '\r' || c == '\n')
			return n;
		n++;
	}
}

/* Splits a request line into its command (up to the first space) and argument (after one
 * space). */
static void ftp_split_request(struct slice line, struct slice *cmd, struct slice *arg)
{
	uint32_t i = 0;
	while (i < line.len && line.p[i] != ' ')
		i++;
	*cmd = ftp_sl(line.p, i);
	*arg = i < line.len ? ftp_sl(line.p + i + 1, line.len - i - 1) : ftp_sl(line.p + i, 0);
}

/* A reply line: 3 digits and then ' ', '-' or the end. Returns the code or -1; *more is set
 * for "ddd-" (first line of a multi-line reply), *text to what follows. */
static int ftp_reply_code(struct slice line, int *more, struct slice *text)
{
	*more = 0;
	*text = line;
	if (line.len < 3 || !ftp_is_digit(line.p[0]) || !ftp_is_digit(line.p[1]) || !ftp_is_digit(line.p[2]))
		return -1;
	int code = (line.p[0] - '0') * 100 + (line.p[1] - '0') * 10 + (line.p[2] - '0');
	uint32_t skip = line.len >= 4 ? 4 : 3;
	if (line.len >= 4 && line.p[3] == '-')
		*more = 1;
	*text = ftp_sl(line.p + skip, line.len - skip);
	return code;
}

/* ---- data channel announcements ---------------------------------------------------------- */

/* The byte at offset i of the cursor's bytes, or -1 past the end. */
static int ftp_at(const struct rd *r, uint32_t i)
{
	return rd_peek(r, i);
}

static int ftp_digit_at(const struct rd *r, uint32_t i)
{
	int c = ftp_at(r, i);
	return c >= '0' && c <= '9';
}

/* Parses "h1,h2,h3,h4,p1,p2" starting at the first digit of the text (RFC 959 host-port, found
 * anywhere in the line as in replies "227 Entering Passive Mode (h1,...)"). Spaces are allowed
 * before each number. Every number must be 0..255 (else malformed: 0). Returns 1 and fills
 * addr/port. */
static int ftp_parse_hostport(struct slice t, uint8_t addr[4], uint16_t *port)
{
	struct rd r = rd_make(t.p, t.len);
	uint32_t start = 0;
	for (int tries = 0; tries < 64; tries++) {
		while (ftp_at(&r, start) >= 0 && !ftp_digit_at(&r, start))
			start++;
		if (ftp_at(&r, start) < 0)
			return 0;
		uint32_t i = start, v[6];
		int k, bad = 0;
		for (k = 0; k < 6; k++) {
			while (ftp_at(&r, i) == ' ')
				i++;
			uint32_t val = 0, digits = 0;
			for (; ftp_digit_at(&r, i) && digits < 4; i++, digits++)
				val = val * 10 + (uint32_t)(ftp_at(&r, i) - '0');
			if (!digits)
				break;
			if (val > 255 || ftp_digit_at(&r, i))
				bad = 1;
			while (ftp_digit_at(&r, i))
				i++;
			v[k] = val;
			if (k < 5) {
				if (ftp_at(&r, i) != ',')
					break;
				i++;
			}
		}
		if (k == 6) {
			if (bad)
				return 0;
			for (int j = 0; j < 4; j++)
				addr[j] = (uint8_t)v[j];
			*port = (uint16_t)(v[4] << 8 | v[5]);
			return 1;
		}
		/* not six numbers here: skip this number and look further */
		while (ftp_digit_at(&r, start))
			start++;
	}
	return 0;
}

/* RFC 2428: a delimiter is printable, not a digit, hex letter, '.' or ':'. */
static int ftp_valid_delim(uint8_t c)
{
	if (c <= 0x20 || c >= 0x7f)
		return 0;
	if (c >= 'A' && c <= 'Z')
		c = (uint8_t)(c + 32);
	return !ftp_is_digit(c) && !(c >= 'a' && c <= 'f') && c != '.' && c != ':';
}

static int ftp_parse_port(struct slice s, uint16_t *port)
{
	uint32_t v = 0;
	if (!s.len || s.len > 5)
		return 0;
	for (uint32_t i = 0; i < s.len; i++) {
		if (!ftp_is_digit(s.p[i]))
			return 0;
		v = v * 10 + (uint32_t)(s.p[i] - '0');
	}
	if (v == 0 || v > 65535)
		return 0;
	*port = (uint16_t)v;
	return 1;
}

/* "229 Entering Extended Passive Mode (|||port|)": finds '(' and three equal delimiters. */
static int ftp_parse_epsv(struct slice t, uint16_t *port)
{
	for (uint32_t i = 0; i < t.len; i++) {
		if (t.p[i] != '(')
			continue;
		if (t.len - i < 6)
			return 0;
		uint8_t d = t.p[i + 1];
		if (!ftp_valid_delim(d) || t.p[i + 2] != d || t.p[i + 3] != d)
			continue;
		uint32_t s = i + 4, e = s;
		while (e < t.len && t.p[e] != d && e - s < 8)
			e++;
		if (e + 1 >= t.len || t.p[e] != d || t.p[e + 1] != ')')
			return 0;
		return ftp_parse_port(ftp_sl(t.p + s, e - s), port);
	}
	return 0;
}

/* "EPRT |af|addr|port|". Returns 1 and fills alen (4/6 -> 4/16), addr, port. */
static int ftp_parse_eprt(struct slice a, uint8_t *alen, uint8_t addr[16], uint16_t *port)
{
	if (a.len < 7 || !ftp_valid_delim(a.p[0]))
		return 0;
	uint8_t d = a.p[0];
	struct slice f[3];
	uint32_t start = 1, nf = 0;
	for (uint32_t i = 1; i < a.len; i++) {
		if (a.p[i] != d)
			continue;
		if (nf >= 3)
			return 0;
		f[nf++] = ftp_sl(a.p + start, i - start);
		start = i + 1;
	}
	if (nf != 3 || start != a.len)
		return 0; /* exactly four delimiters, the last one ends the argument */
	char buf[64];
	if (!f[1].len || f[1].len >= sizeof buf)
		return 0;
	memcpy(buf, f[1].p, f[1].len);
	buf[f[1].len] = 0;
	if (f[0].len == 1 && f[0].p[0] == '1') {
		if (inet_pton(AF_INET, buf, addr) != 1)
			return 0;
		*alen = 4;
	} else if (f[0].len == 1 && f[0].p[0] == '2') {
		if (inet_pton(AF_INET6, buf, addr) != 1)
			return 0;
		*alen = 16;
	} else {
		return 0;
	}
	return ftp_parse_port(f[2], port);
}

static void ftp_expect(struct proto_ctx *ctx, const uint8_t *addr, uint8_t alen, uint16_t port, uint8_t tag)
{
	for (uint8_t i = 0; i < ctx->nexpect; i++) {
		struct proto_expect *x = &ctx->expect[i];
		if (x->alen == alen && x->port == port && memcmp(x->addr, addr, alen) == 0)
			return;
	}
	if (ctx->nexpect >= PROTO_MAX_EXPECT) {
		ctx->anomalies++;
		return;
	}
	struct proto_expect *x = &ctx->expect[ctx->nexpect++];
	memset(x, 0, sizeof *x);
	x->alen = alen;
	x->l4 = 6;
	x->port = port;
	memcpy(x->addr, addr, alen);
	x->proto = "ftp-data";
	x->tag = tag;
}

/* A new data channel, announced by the side that will listen (the server in a PASV/EPSV reply,
 * the client in a PORT/EPRT command): addr:port as announced, and the packet's source address
 * when it differs (NAT). `in_reply`: announced by a reply (it answers the oldest waiting
 * command) rather than by the newest command. */
static void ftp_new_dchan(struct proto_ctx *ctx, struct ftp_session *s, uint8_t method, const uint8_t *addr,
			  uint8_t alen, uint16_t port, int in_reply)
{
	struct ftp_dchan *dc = &s->dc;
	memset(dc, 0, sizeof *dc);
	s->gen = (uint8_t)((s->gen + 1) & 0x1f);
	dc->method = method;
	dc->gen = s->gen;
	dc->alen = alen;
	dc->port = port;
	dc->passive = method == FTP_M_PASV || method == FTP_M_EPSV;
	memcpy(dc->resp, addr, alen);
	const uint8_t *real = ctx->src, *other = ctx->dst;
	if (other && ctx->alen == alen)
		memcpy(dc->orig, other, alen);
	uint8_t tag = (uint8_t)(method | s->gen << 3);
	ftp_expect(ctx, addr, alen, port, tag);
	if (real && ctx->alen == alen && memcmp(real, addr, alen) != 0)
		ftp_expect(ctx, real, alen, port, tag);
	/* reported with the command that set it up (PORT/EPRT) or that the reply answers */
	if (s->qlen) {
		struct ftp_cmd *c = &s->q[(s->qhead + (in_reply ? 0 : s->qlen - 1)) % FTP_QUEUE];
		struct ftp_chan_rec *cr = &c->chan;
		c->has_chan = 1;
		cr->method = method;
		cr->alen = alen;
		cr->passive = dc->passive;
		cr->port = port;
		cr->have_orig = other && ctx->alen == alen;
		memcpy(cr->orig, dc->orig, sizeof cr->orig);
		memcpy(cr->resp, dc->resp, sizeof cr->resp);
	}
}

/* ---- directory tracking ------------------------------------------------------------------ */

/* Applies a CWD argument to the session's cwd: an absolute path is taken as given (as
 * Wireshark does), a relative one is joined and "." and ".." resolved. */
static void ftp_cwd_apply(struct ftp_session *s, struct slice path)
{
	char out[FTP_CWD_MAX];
	uint32_t n = 0;
	if (path.len && path.p[0] == '/') {
		ftp_copy(s->cwd, sizeof s->cwd, &s->cwd_len, path);
		return;
	}
	n = s->cwd_len < sizeof out ? s->cwd_len : sizeof out;
	memcpy(out, s->cwd, n);
	if (!n)
		out[n++] = '/';
	uint32_t i = 0;
	while (i < path.len) {
		uint32_t j = i;
		while (j < path.len && path.p[j] != '/')
			j++;
		struct slice comp = ftp_sl(path.p + i, j - i);
		i = j + 1;
		if (!comp.len || (comp.len == 1 && comp.p[0] == '.'))
			continue;
		if (comp.len == 2 && comp.p[0] == '.' && comp.p[1] == '.') {
			while (n > 1 && out[n - 1] == '/')
				n--;
			while (n > 1 && out[n - 1] != '/')
				n--;
			if (n > 1)
				n--; /* the separator before the removed component */
			continue;
		}
		if (n && out[n - 1] != '/' && n < sizeof out)
			out[n++] = '/';
		for (uint32_t k = 0; k < comp.len && n < sizeof out; k++)
			out[n++] = (char)comp.p[k];
	}
	memcpy(s->cwd, out, n);
	s->cwd_len = (uint16_t)n;
}

/* 257 "path" [text]: the path between the first pair of quotes ("" inside is one quote). */
static void ftp_cwd_from_257(struct ftp_session *s, struct slice t)
{
	if (t.len < 2 || t.p[0] != '"')
		return;
	char out[FTP_CWD_MAX];
	uint32_t n = 0;
	for (uint32_t i = 1; i < t.len; i++) {
		if (t.p[i] == '"') {
			if (i + 1 < t.len && t.p[i + 1] == '"') {
				if (n < sizeof out)
					out[n++] = '"';
				i++;
				continue;
			}
			memcpy(s->cwd, out, n);
			s->cwd_len = (uint16_t)n;
			return;
		}
		if (n < sizeof out)
			out[n++] = (char)t.p[i];
	}
}

/* ---- records ----------------------------------------------------------------------------- */

static int ftp_is_data_cmd(struct slice cmd)
{
	static const char *const cmds[] = { "RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD" };
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (ftp_word_is(cmd, cmds[i]))
			return 1;
	return 0;
}

static struct ftp_cmd *ftp_front(struct ftp_session *s)
{
	return s->qlen ? &s->q[s->qhead % FTP_QUEUE] : NULL;
}

/* Emits the oldest waiting command with its reply (code < 0: none came) as one "ftp" record
 * and removes it from the queue. */
static void ftp_emit_front(struct proto_ctx *ctx, struct ftp_session *s, int code)
{
	struct ftp_cmd *c = ftp_front(s);
	if (!c)
		return;
	s->qhead = (uint8_t)((s->qhead + 1) % FTP_QUEUE);
	s->qlen--;
	if (!proto_records_on(ctx))
		return;
	struct proto_rec r;
	proto_rec_init(&r, "ftp");
	if (s->have_user)
		proto_rec_str(&r, "user", ftp_sl(s->user, s->user_len));
	if (s->have_pass)
		proto_rec_str(&r, "password", ftp_sl(s->pass, s->pass_len));
	proto_rec_str(&r, "command", ftp_sl(c->cmd, c->cmd_len));
	if (c->arg_len)
		proto_rec_str(&r, "arg", ftp_sl(c->arg, c->arg_len));
	if (s->cwd_len)
		proto_rec_str(&r, "cwd", ftp_sl(s->cwd, s->cwd_len));
	if (c->has_size)
		proto_rec_u(&r, "file_size", c->file_size);
	if (code >= 0) {
		proto_rec_u(&r, "reply_code", (uint64_t)code);
		proto_rec_str(&r, "reply_msg", ftp_sl(s->msg, s->msg_len));
	}
	if (ftp_word_is(ftp_sl(c->cmd, c->cmd_len), "PASS") && (code == 230 || code == 530))
		proto_rec_bool(&r, "login_success", code == 230);
	if (c->has_chan) {
		const struct ftp_chan_rec *cr = &c->chan;
		proto_rec_bool(&r, "data_channel.passive", cr->passive);
		if (cr->have_orig)
			proto_rec_addr(&r, "data_channel.orig_h", cr->orig, cr->alen);
		proto_rec_addr(&r, "data_channel.resp_h", cr->resp, cr->alen);
		proto_rec_u(&r, "data_channel.resp_p", cr->port);
	}
	proto_emit(ctx, &r);
}

/* "... (12345 bytes)" in a 150 reply, or the number of a 213 reply to SIZE. */
static int ftp_reply_size(struct slice t, int is_213, uint64_t *size)
{
	uint32_t i = 0;
	if (!is_213) {
		for (; i < t.len && t.p[i] != '('; i++)
			;
		if (i == t.len)
			return 0;
		i++;
	}
	uint64_t v = 0;
	uint32_t digits = 0;
	for (; i < t.len && ftp_is_digit(t.p[i]) && digits < 19; i++, digits++)
		v = v * 10 + (uint64_t)(t.p[i] - '0');
	if (!digits)
		return 0;
	if (!is_213 && !(t.len - i >= 6 && memcmp(t.p + i, " bytes", 6) == 0))
		return 0;
	if (is_213 && i != t.len)
		return 0;
	*size = v;
	return 1;
}

/* ---- control lines ----------------------------------------------------------------------- */

static void ftp_request_line(struct proto_ctx *ctx, struct ftp_session *s, struct slice line)
{
	struct slice cmd, arg;
	ftp_split_request(line, &cmd, &arg);
	if (!cmd.len)
		return;
	if (s->qlen >= FTP_QUEUE) {
		s->msg_len = 0;
		ftp_emit_front(ctx, s, -1); /* no reply came for the oldest command */
	}
	struct ftp_cmd *c = &s->q[(s->qhead + s->qlen) % FTP_QUEUE];
	s->qlen++;
	memset(c, 0, offsetof(struct ftp_cmd, cmd));
	uint16_t n;
	ftp_copy(c->cmd, sizeof c->cmd, &n, cmd);
	c->cmd_len = (uint8_t)n;
	for (uint8_t i = 0; i < c->cmd_len; i++)
		if (c->cmd[i] >= 'a' && c->cmd[i] <= 'z')
			c->cmd[i] = (char)(c->cmd[i] - 32);
	ftp_copy(c->arg, sizeof c->arg, &c->arg_len, arg);

	/* the command a data connection is shown with (tshark 4.0: the first after the setup;
	 * taken before this line can set up a new one) and the transfer command naming its bytes */
	struct ftp_dchan *dc = &s->dc;
	if (dc->method && !dc->cmdline_len)
		ftp_copy(dc->cmdline, sizeof dc->cmdline, &dc->cmdline_len, line);
	if (dc->method && !dc->xfer_len && ftp_is_data_cmd(cmd)) {
		ftp_copy(dc->xfer, sizeof dc->xfer, &dc->xfer_len, line);
		memcpy(dc->cwd, s->cwd, s->cwd_len);
		dc->cwd_len = s->cwd_len;
	}

	if (ftp_word_is(cmd, "USER")) {
		ftp_copy(s->user, sizeof s->user, &n, arg);
		s->user_len = (uint8_t)n;
		s->have_user = 1;
		s->have_pass = 0;
	} else if (ftp_word_is(cmd, "PASS")) {
		ftp_copy(s->pass, sizeof s->pass, &n, arg);
		s->pass_len = (uint8_t)n;
		s->have_pass = 1;
		proto_emit_cred(ctx, "FTP", ftp_sl(s->user, s->have_user ? s->user_len : 0), arg, "password");
	} else if (ftp_word_is(cmd, "TYPE") && arg.len) {
		s->type = arg.p[0];
	} else if (ftp_word_is(cmd, "PORT")) {
		uint8_t a[4];
		uint16_t port;
		if (ftp_parse_hostport(arg, a, &port))
			ftp_new_dchan(ctx, s, FTP_M_PORT, a, 4, port, 0);
		else
			ctx->anomalies++;
	} else if (ftp_word_is(cmd, "EPRT")) {
		uint8_t a[16], alen;
		uint16_t port;
		if (ftp_parse_eprt(arg, &alen, a, &port))
			ftp_new_dchan(ctx, s, FTP_M_EPRT, a, alen, port, 0);
		else
			ctx->anomalies++;
	} else if (line.len == 8 && proto_ascii_ieq(line.p, "AUTH TLS", 8)) {
		s->tls_requested = 1;
	}
}

static void ftp_reply_line(struct proto_ctx *ctx, struct ftp_session *s, struct slice line)
{
	int more;
	struct slice text;
	int code = ftp_reply_code(line, &more, &text);
	if (s->reply_open) {
		/* inside a multi-line reply: only "ddd " with the same code ends it */
		if (code != s->reply_code || more)
			return;
		s->reply_open = 0;
		if (text.len)
			ftp_copy(s->msg, sizeof s->msg, &s->msg_len, text);
	} else {
		if (code < 0) {
			ctx->anomalies++;
			return;
		}
		s->reply_code = (int16_t)code;
		ftp_copy(s->msg, sizeof s->msg, &s->msg_len, text);
		if (more) {
			s->reply_open = 1;
			return;
		}
	}
	struct slice msg = ftp_sl(s->msg, s->msg_len);
	struct ftp_cmd *front = ftp_front(s);
	struct slice cmd = front ? ftp_sl(front->cmd, front->cmd_len) : ftp_sl(NULL, 0);
	switch (code) {
	case 227: {
		uint8_t a[4];
		uint16_t port;
		if (ftp_parse_hostport(msg, a, &port))
			ftp_new_dchan(ctx, s, FTP_M_PASV, a, 4, port, 1);
		else
			ctx->anomalies++;
		break;
	}
	case 229: {
		uint16_t port;
		if (ftp_parse_epsv(msg, &port) && ctx->src && (ctx->alen == 4 || ctx->alen == 16))
			ftp_new_dchan(ctx, s, FTP_M_EPSV, ctx->src, ctx->alen, port, 1);
		else
			ctx->anomalies++;
		break;
	}
	case 250:
		if (ftp_word_is(cmd, "CWD") || ftp_word_is(cmd, "XCWD"))
			ftp_cwd_apply(s, ftp_sl(front->arg, front->arg_len));
		else if (ftp_word_is(cmd, "CDUP") || ftp_word_is(cmd, "XCUP"))
			ftp_cwd_apply(s, proto_slice_cstr(".."));
		break;
	case 257:
		if (ftp_word_is(cmd, "PWD") || ftp_word_is(cmd, "XPWD"))
			ftp_cwd_from_257(s, msg);
		break;
	case 234:
		if (s->tls_requested) {
			s->tls = 1;
			ctx->handover = "tls";
		}
		break;
	case 150:
	case 213:
		if (front && ftp_reply_size(msg, code == 213, &front->file_size))
			front->has_size = 1;
		break;
	default:
		break;
	}
	if (code >= 200)
		ftp_emit_front(ctx, s, code);
}

/* ---- control parse ----------------------------------------------------------------------- */

static int ftp_is_request(const struct proto_ctx *ctx)
{
	if (ctx->dport == FTP_PORT && ctx->sport != FTP_PORT)
		return 1;
	if (ctx->sport == FTP_PORT && ctx->dport != FTP_PORT)
		return 0;
	return ctx->is_orig;
}

static struct ftp_session *ftp_session(struct proto_ctx *ctx, uint8_t dir)
{
	struct ftp_state *st = dir == 0 || !ctx->peer ? ctx->state : ctx->peer;
	return &st->s;
}

/* An address-valued field (PF_IPV4/PF_IPV6) is given as its 4 or 16 bytes. */
static void ftp_field_addr(struct proto_ctx *ctx, uint8_t fid, const uint8_t *a, uint8_t alen)
{
	proto_field_s(ctx, fid, ftp_sl(a, alen));
}

/* Columns and filter fields of one segment, from its first line (as tshark 4.0 does). */
static void ftp_columns(struct proto_ctx *ctx, const struct ftp_session *s, struct slice d, int req)
{
	struct slice line = ftp_sl(d.p, ftp_first_line(d));
	proto_col_proto(ctx, NULL);
	proto_info_append(ctx, req ? "Request: " : "Response: ");
	proto_info_append_bytes(ctx, line);
	if (!ctx->out)
		return;
	proto_field_u(ctx, FTP_F_REQUEST, (uint64_t)req);
	proto_field_u(ctx, FTP_F_RESPONSE, (uint64_t)!req);
	uint8_t a[16], alen;
	uint16_t port;
	if (req) {
		struct slice cmd, arg;
		ftp_split_request(line, &cmd, &arg);
		if (cmd.len)
			proto_field_s(ctx, FTP_F_CMD, cmd);
		if (arg.len)
			proto_field_s(ctx, FTP_F_ARG, arg);
		if (ftp_word_is(cmd, "PORT") && ftp_parse_hostport(arg, a, &port)) {
			ftp_field_addr(ctx, FTP_F_ACT_IP, a, 4);
			proto_field_u(ctx, FTP_F_ACT_PORT, port);
		} else if (ftp_word_is(cmd, "EPRT") && ftp_parse_eprt(arg, &alen, a, &port)) {
			ftp_field_addr(ctx, alen == 4 ? FTP_F_EPRT_IP : FTP_F_EPRT_IPV6, a, alen);
			proto_field_u(ctx, FTP_F_EPRT_PORT, port);
		}
	} else {
		int more;
		struct slice text;
		int code = ftp_reply_code(line, &more, &text);
		if (code >= 0)
			proto_field_u(ctx, FTP_F_CODE, (uint64_t)code);
		if (text.len)
			proto_field_s(ctx, FTP_F_RARG, text);
		if (code == 227 && ftp_parse_hostport(text, a, &port)) {
			ftp_field_addr(ctx, FTP_F_PASV_IP, a, 4);
			proto_field_u(ctx, FTP_F_PASV_PORT, port);
		} else if (code == 229 && ftp_parse_epsv(text, &port)) {
			proto_field_u(ctx, FTP_F_EPSV_PORT, port);
		}
	}
	proto_field_s(ctx, FTP_F_CWD, ftp_sl(s->cwd, s->cwd_len));
}

/* ---- detail tree (-V) ---------------------------------------------------------------------- */

/* Wireshark's texts of the reply codes (RFC 959, RFC 2228, RFC 2428). */
static const char *ftp_code_text(int code)
{
	static const struct {
		uint16_t code;
		const char *text;
	} t[] = {
		{ 110, "Restart marker reply" }, { 120, "Service ready in nnn minutes" },
		{ 125, "Data connection already open; transfer starting" },
		{ 150, "File status okay; about to open data connection" }, { 200, "Command okay" },
		{ 202, "Command not implemented, superfluous at this site" },
		{ 211, "System status, or system help reply" }, { 212, "Directory status" }, { 213, "File status" },
		{ 214, "Help message" }, { 215, "NAME system type" }, { 220, "Service ready for new user" },
		{ 221, "Service closing control connection" }, { 225, "Data connection open; no transfer in progress" },
		{ 226, "Closing data connection" }, { 227, "Entering Passive Mode" },
		{ 229, "Entering Extended Passive Mode" }, { 230, "User logged in, proceed" },
		{ 232, "User logged in, authorized by security data exchange" }, { 234, "Security data exchange complete" },
		{ 235, "Security data exchange completed successfully" }, { 250, "Requested file action okay, completed" },
		{ 257, "PATHNAME created" }, { 331, "User name okay, need password" }, { 332, "Need account for login" },
		{ 334, "Requested security mechanism is ok" }, { 335, "Security data is acceptable, more is required" },
		{ 336, "Username okay, need password. Challenge is ..." },
		{ 350, "Requested file action pending further information" },
		{ 421, "Service not available, closing control connection" }, { 425, "Can't open data connection" },
		{ 426, "Connection closed; transfer aborted" }, { 431, "Need some unavailable resource to process security" },
		{ 450, "Requested file action not taken" }, { 451, "Requested action aborted: local error in processing" },
		{ 452, "Requested action not taken. Insufficient storage space in system" },
		{ 500, "Syntax error, command unrecognized" }, { 501, "Syntax error in parameters or arguments" },
		{ 502, "Command not implemented" }, { 503, "Bad sequence of commands" },
		{ 504, "Command not implemented for that parameter" }, { 522, "Network protocol not supported" },
		{ 530, "Not logged in" }, { 532, "Need account for storing files" },
		{ 533, "Command protection level denied for policy reasons" }, { 534, "Request denied for policy reasons" },
		{ 535, "Failed security check (hash, sequence, etc)" },
		{ 536, "Requested PROT level not supported by mechanism" },
		{ 537, "Command protection level not supported by security mechanism" },
		{ 550, "Requested action not taken: File unavailable" }, { 551, "Requested action aborted: page type unknown" },
		{ 552, "Requested file action aborted: Exceeded storage allocation" },
		{ 553, "Requested action not taken: File name not allowed" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].code == code)
			return t[i].text;
	return NULL;
}

static void ftp_tree_addr(struct proto_ctx *ctx, const char *name, const uint8_t *a, uint8_t alen)
{
	char ab[INET6_ADDRSTRLEN];
	if (inet_ntop(alen == 4 ? AF_INET : AF_INET6, a, ab, sizeof ab))
		proto_tree_field(ctx, 2, name, "%s", ab);
}

/* The children of a segment's first line: command and argument, or code and text, and the
 * data channel's endpoint they announce. */
static void ftp_tree_first(struct proto_ctx *ctx, struct slice line, int req)
{
	uint8_t a[16], alen;
	uint16_t port;
	if (req) {
		uint32_t i = 0;
		while (i < line.len && line.p[i] != ' ')
			i++;
		struct slice cmd = ftp_sl(line.p, i);
		while (i < line.len && line.p[i] == ' ')
			i++;
		struct slice arg = ftp_sl(line.p + i, line.len - i);
		proto_tree_field_str(ctx, 2, "Request command", cmd, PROTO_TENC_ASCII);
		if (arg.len)
			proto_tree_field_str(ctx, 2, "Request arg", arg, PROTO_TENC_ASCII);
		if (ftp_word_is(cmd, "PORT") && ftp_parse_hostport(arg, a, &port)) {
			ftp_tree_addr(ctx, "Active IP address", a, 4);
			proto_tree_field(ctx, 2, "Active port", "%u", port);
		} else if (ftp_word_is(cmd, "EPRT") && ftp_parse_eprt(arg, &alen, a, &port)) {
			proto_tree_field(ctx, 2, "Extended active address family", "%s (%u)", alen == 4 ? "IPv4" : "IPv6",
					 alen == 4 ? 1u : 2u);
			ftp_tree_addr(ctx, alen == 4 ? "Extended active IP address" : "Extended active IPv6 address", a, alen);
			proto_tree_field(ctx, 2, "Extended active port", "%u", port);
		}
		return;
	}
	int more, code = ftp_reply_code(line, &more, &(struct slice){ NULL, 0 });
	if (code < 0) {
		proto_tree_field_str(ctx, 2, "Response arg", line, PROTO_TENC_ASCII);
		return;
	}
	const char *t = ftp_code_text(code);
	if (t)
		proto_tree_field(ctx, 2, "Response code", "%s (%d)", t, code);
	else
		proto_tree_field(ctx, 2, "Response code", "Unknown (%d)", code);
	struct slice text = line.len > 4 ? ftp_sl(line.p + 4, line.len - 4) : ftp_sl(line.p, 0);
	if (text.len)
		proto_tree_field_str(ctx, 2, "Response arg", text, PROTO_TENC_ASCII);
	if (code == 227 && ftp_parse_hostport(text, a, &port)) {
		ftp_tree_addr(ctx, "Passive IP address", a, 4);
		proto_tree_field(ctx, 2, "Passive port", "%u", port);
	} else if (code == 229 && ftp_parse_epsv(text, &port)) {
		char ab[INET6_ADDRSTRLEN];
		if (ctx->src && inet_ntop(ctx->alen == 4 ? AF_INET : AF_INET6, ctx->src, ab, sizeof ab))
			proto_tree_gfield(ctx, 2, ctx->alen == 4 ? "Extended passive IPv4 address"
							      : "Extended passive IPv6 address", "%s", ab);
		proto_tree_field(ctx, 2, "Extended passive port", "%u", port);
	}
}

/* The segment's tree: every line as sent, the first with its parts, then the session's
 * directory (a top-level generated line in Wireshark's tree). */
static void ftp_tree(struct proto_ctx *ctx, const struct ftp_session *s, struct slice d, int req)
{
	if (!proto_tree_on(ctx))
		return;
	proto_tree_text(ctx, 0, "File Transfer Protocol (FTP)");
	uint32_t off = 0;
	for (uint32_t k = 0; off < d.len && k < FTP_LINES_PER_CALL; k++) {
		struct slice rest = ftp_sl(d.p + off, d.len - off);
		uint32_t n = ftp_first_line(rest), all = n;
		if (all < rest.len)
			all += rest.p[all] == '\r' && all + 1 < rest.len && rest.p[all + 1] == '\n' ? 2u : 1u;
		proto_tree_text(ctx, 1, "%s", "");
		proto_tree_cat_str(ctx, ftp_sl(rest.p, all), PROTO_TENC_UTF8);
		if (!k)
			ftp_tree_first(ctx, ftp_sl(rest.p, n), req);
		off += all;
	}
	proto_tree_gfield(ctx, 0, "Current working directory", "%s", "");
	proto_tree_cat_str(ctx, ftp_sl(s->cwd, s->cwd_len), PROTO_TENC_UTF8);
}

/* Feeds the segment's bytes to the line accumulator; each complete line goes to the request
 * or reply handler. */
static void ftp_lines(struct proto_ctx *ctx, struct ftp_state *st, struct ftp_session *s, struct slice d, int req)
{
	struct rd r = rd_make(d.p, d.len);
	for (uint32_t guard = 0; guard < FTP_LINES_PER_CALL && rd_left(&r); guard++) {
		const uint8_t *p = r.p;
		uint32_t left = rd_left(&r);
		const uint8_t *lf = memchr(p, '\n', left);
		uint32_t take = lf ? (uint32_t)(lf - p) : left;
		uint32_t room = FTP_LINE_MAX - st->line_len;
		uint32_t keep = take < room ? take : room;
		memcpy(st->line + st->line_len, p, keep);
		st->line_len = (uint16_t)(st->line_len + keep);
		if (keep < take && !st->line_cut) {
			st->line_cut = 1;
			ctx->anomalies++;
		}
		rd_skip(&r, lf ? take + 1 : take);
		if (!lf)
			return;
		struct slice line = ftp_sl(st->line, st->line_len);
		if (line.len && line.p[line.len - 1] == '\r')
			line.len--;
		if (st->line_cut)
			; /* not interpreted: its end is lost */
		else if (req)
			ftp_request_line(ctx, s, line);
		else
			ftp_reply_line(ctx, s, line);
		st->line_len = 0;
		st->line_cut = 0;
	}
	if (rd_left(&r))
		ctx->anomalies++; /* too many lines in one call: the rest is not interpreted */
}

static struct proto_res ftp_parse(struct proto_ctx *ctx, uint8_t dir, struct slice d)
{
	struct proto_res res = { PROTO_OK, d.len, 0 };
	struct ftp_state *st = ctx->state;
	struct ftp_session *s = ftp_session(ctx, dir);
	if (s->tls) {
		res.status = PROTO_ERR; /* after AUTH TLS the connection carries TLS */
		res.consumed = 0;
		return res;
	}
	if (!d.len) {
		res.status = PROTO_NEED_MORE;
		return res;
	}
	int req = ftp_is_request(ctx);
	/* a retransmission is dissected again in a fresh state for its columns; the session in
	 * the other direction's state must not take its lines a second time */
	int replay = !st->live && s->seen[dir & 1] && (void *)s != (void *)&st->s;
	st->live = 1;
	s->seen[dir & 1] = 1;
	if (!replay)
		ftp_lines(ctx, st, s, d, req);
	ftp_columns(ctx, s, d, req);
	ftp_tree(ctx, s, d, req);
	return res;
}

/* Lost bytes: the line being accumulated is incomplete; drop it. */
static int ftp_skip(struct proto_ctx *ctx, uint8_t dir, uint32_t n)
{
	struct ftp_state *st = ctx->state;
	(void)dir;
	(void)n;
	st->line_len = 0;
	st->line_cut = 0;
	ctx->anomalies++;
	return 0;
}

static void ftp_flow_end(struct proto_ctx *ctx)
{
	struct ftp_state *st = ctx->state;
	if (!st)
		return;
	st->s.msg_len = 0;
	while (st->s.qlen)
		ftp_emit_front(ctx, &st->s, -1);
}

/* A server greeting "220" that names FTP, or a USER command (also POP3's: only a maybe). */
static enum proto_probe ftp_probe(uint8_t l4, struct slice d)
{
	if (l4 != PROTO_L4_TCP)
		return PROBE_NO;
	struct slice line = ftp_sl(d.p, ftp_first_line(d));
	if (line.len >= 4 && memcmp(line.p, "220", 3) == 0 && (line.p[3] == ' ' || line.p[3] == '-')) {
		int ftp = 0;
		for (uint32_t i = 4; i + 3 <= line.len; i++) {
			if (i + 4 <= line.len && proto_ascii_ieq(line.p + i, "smtp", 4))
				return PROBE_MAYBE; /* "ESMTP": a mail server named ftp.example */
			if (proto_ascii_ieq(line.p + i, "ftp", 3))
				ftp = 1;
		}
		return ftp ? PROBE_YES : PROBE_MAYBE;
	}
	if (line.len > 5 && proto_ascii_ieq(line.p, "USER ", 5) && line.len < d.len)
		return PROBE_MAYBE;
	return PROBE_NO;
}

const struct proto_desc proto_ftp = {
	.name = "ftp",
	.l4 = PROTO_L4_TCP,
	.ports = ftp_ports,
	.probe = ftp_probe,
	.state_size = sizeof(struct ftp_state),
	.parse = ftp_parse,
	.skip = ftp_skip,
	.on_flow_end = ftp_flow_end,
	.fields = ftp_fields,
	.nfields = sizeof ftp_fields / sizeof ftp_fields[0],
	.col_name = "FTP",
};

/* ---- data connections -------------------------------------------------------------------- */

/* Refreshes what this direction knows about its data channel from the control session, when
 * the session still describes this channel (same generation). */
static void ftp_data_sync(struct proto_ctx *ctx, struct ftp_data_state *ds)
{
	ds->method = (uint8_t)(ctx->link_tag & 7);
	if (ds->method > FTP_M_EPRT)
		ds->method = FTP_M_NONE;
	ds->gen = (uint8_t)(ctx->link_tag >> 3);
	if (!ctx->parent)
		return;
	const struct ftp_state *cs = ctx->parent;
	const struct ftp_dchan *dc = &cs->s.dc;
	if (dc->gen != ds->gen || dc->method != ds->method || !dc->cmdline_len)
		return;
	ds->known = 1;
	ds->cmdline_len = dc->cmdline_len < sizeof ds->cmdline ? dc->cmdline_len : sizeof ds->cmdline;
	memcpy(ds->cmdline, dc->cmdline, ds->cmdline_len);
	ds->xfer_len = dc->xfer_len < sizeof ds->xfer ? dc->xfer_len : sizeof ds->xfer;
	memcpy(ds->xfer, dc->xfer, ds->xfer_len);
	ds->cwd_len = dc->cwd_len < sizeof ds->cwd ? dc->cwd_len : sizeof ds->cwd;
	memcpy(ds->cwd, dc->cwd, ds->cwd_len);
}

/* The object's name: the transfer argument joined with the directory when relative, or the
 * listing command. */
static void ftp_data_name(const struct ftp_data_state *ds, char *out, size_t cap)
{
	struct slice cmd, arg;
	ftp_split_request(ftp_sl(ds->xfer, ds->xfer_len), &cmd, &arg);
	size_t n = 0;
	out[0] = 0;
	if (!ds->xfer_len || cap < 2)
		return;
	int listing = ftp_word_is(cmd, "LIST") || ftp_word_is(cmd, "NLST") || ftp_word_is(cmd, "MLSD");
	if (listing) {
		for (uint32_t i = 0; i < ds->xfer_len && n + 1 < cap; i++)
			out[n++] = ds->xfer[i];
	} else {
		if (arg.len && arg.p[0] != '/' && ds->cwd_len) {
			for (uint32_t i = 0; i < ds->cwd_len && n + 1 < cap; i++)
				out[n++] = ds->cwd[i];
			if (n && out[n - 1] != '/' && n + 1 < cap)
				out[n++] = '/';
		}
		for (uint32_t i = 0; i < arg.len && n + 1 < cap; i++)
			out[n++] = arg.p[i] ? (char)arg.p[i] : '?';
	}
	out[n] = 0;
}

static void ftp_data_obj_end(struct proto_ctx *ctx, struct ftp_data_state *ds)
{
	if (!ds || !ds->obj.open)
		return;
	if (!ds->obj.name[0] && ds->known)
		ftp_data_name(ds, ds->obj.name, sizeof ds->obj.name);
	struct proto_rec r;
	int rec = proto_records_on(ctx);
	if (rec) {
		struct slice cmd, arg;
		ftp_split_request(ftp_sl(ds->xfer, ds->xfer_len), &cmd, &arg);
		int up = ftp_word_is(cmd, "STOR") || ftp_word_is(cmd, "STOU") || ftp_word_is(cmd, "APPE");
		proto_rec_init(&r, "ftp_data");
		if (ds->xfer_len)
			proto_rec_str(&r, "command", ftp_sl(ds->xfer, ds->xfer_len));
		if (ds->obj.name[0])
			proto_rec_cstr(&r, "filename", ds->obj.name);
		proto_rec_cstr(&r, "method", ftp_method_names[ds->method]);
		if (ds->xfer_len)
			proto_rec_cstr(&r, "direction", up ? "upload" : "download");
		proto_rec_u(&r, "size", ds->obj.size);
	}
	proto_obj_end(ctx, &ds->obj);
	if (rec)
		proto_emit(ctx, &r);
	ds->obj_done = 1;
}

static struct proto_res ftp_data_parse(struct proto_ctx *ctx, uint8_t dir, struct slice d)
{
	struct proto_res res = { PROTO_OK, d.len, 0 };
	struct ftp_data_state *ds = ctx->state;
	(void)dir;
	if (!d.len) {
		res.status = PROTO_NEED_MORE;
		return res;
	}
	ftp_data_sync(ctx, ds);
	ds->bytes += d.len;
	/* an object only for a connection some control session announced (port 20 alone is
	 * not enough: scanners use it as their source port) */
	if (ds->method && proto_records_on(ctx) && !ds->obj_done) {
		if (!ds->obj.open) {
			char name[200];
			ftp_data_name(ds, name, sizeof name);
			proto_obj_begin(ctx, &ds->obj, "FTP_DATA", proto_slice_cstr(name), ftp_sl(NULL, 0));
		} else if (!ds->obj.name[0] && ds->known) {
			ftp_data_name(ds, ds->obj.name, sizeof ds->obj.name);
		}
		proto_obj_data(ctx, &ds->obj, d);
	}
	/* tshark 4.0 links an active-mode connection only when it comes from the server's port 20
	 * (PORT) and never an EPRT one; port 20 alone makes a connection FTP-DATA, without the
	 * setup. Not shown as FTP-DATA there, the bytes are still a file here. */
	int port20 = ctx->sport == FTP_DATA_PORT || ctx->dport == FTP_DATA_PORT;
	if ((ds->method == FTP_M_EPRT || ds->method == FTP_M_PORT) && !port20)
		return res;
	int linked = ds->method && ds->method != FTP_M_EPRT;
	proto_col_proto(ctx, NULL);
	proto_info_printf(ctx, "FTP Data: %u bytes", d.len);
	if (linked) {
		proto_info_printf(ctx, " (%s)", ftp_method_names[ds->method]);
		proto_field_s(ctx, FTPD_F_METHOD, proto_slice_cstr(ftp_method_names[ds->method]));
	}
	if (linked && ds->cmdline_len) {
		struct slice cl = ftp_sl(ds->cmdline, ds->cmdline_len);
		proto_info_append(ctx, " (");
		proto_info_append_bytes(ctx, cl);
		proto_info_append(ctx, ")");
		proto_field_s(ctx, FTPD_F_CMD, cl);
	}
	if (linked && ds->known)
		proto_field_s(ctx, FTPD_F_CWD, ftp_sl(ds->cwd, ds->cwd_len));
	proto_tree_text(ctx, 0, "FTP Data (%u bytes data)", d.len);
	return res;
}

/* Lost bytes: the object is incomplete but the stream stays in step. */
static int ftp_data_skip(struct proto_ctx *ctx, uint8_t dir, uint32_t n)
{
	struct ftp_data_state *ds = ctx->state;
	(void)dir;
	(void)n;
	ds->obj.missing = 1;
	return 0;
}

static void ftp_data_flow_end(struct proto_ctx *ctx)
{
	ftp_data_obj_end(ctx, ctx->state);
	ftp_data_obj_end(ctx, ctx->peer);
}

static void ftp_data_init(void *state, uint8_t dir)
{
	(void)state;
	(void)dir;
}

static void ftp_data_fini(void *state)
{
	struct ftp_data_state *ds = state;
	proto_obj_free(&ds->obj);
}

const struct proto_desc proto_ftp_data = {
	.name = "ftp-data",
	.l4 = PROTO_L4_TCP,
	.ports = ftp_data_ports, /* as tshark: port 20 is FTP-DATA even without a control session */
	.state_size = sizeof(struct ftp_data_state),
	.init = ftp_data_init,
	.fini = ftp_data_fini,
	.parse = ftp_data_parse,
	.skip = ftp_data_skip,
	.on_flow_end = ftp_data_flow_end,
	.fields = ftp_data_fields,
	.nfields = sizeof ftp_data_fields / sizeof ftp_data_fields[0],
	.col_name = "FTP-DATA",
};
