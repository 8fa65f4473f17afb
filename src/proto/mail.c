/* mail.c: base64 and quoted-printable decoding (RFC 4648 section 4, RFC 2045 section 6.7), the
 * dot-stuffed data stream of SMTP and POP3 (RFC 5321 4.5.2, RFC 1939 section 3), and a
 * streaming message parser (RFC 5322 header fields, RFC 2045/2046 MIME multipart) that feeds
 * leaf parts, decoded, into file objects and renders Wireshark 4.0's IMF Info column:
 *   - each header field runs to a CRLF not followed by space or tab; a field without a colon
 *     (or one cut by the end of the data) ends the header scan, and the message is then shown
 *     as text lines from its first byte;
 *   - "from" and "subject" add "name: value, " (a field ending exactly at the end of the data
 *     loses its last two value bytes, as Wireshark's field-end search leaves the CRLF in);
 *   - after the empty line, a Content-Type adds " (type)" (for multipart: one per part that
 *     has a Content-Type); no Content-Type shows the body as text lines. */
#include <string.h>

#include "base/rd.h"
#include "base/b64.h"
#include "proto/mail.h"

int mail_is_client(int to_port, int from_port, uint8_t dir)
{
	if (to_port != from_port)
		return to_port;
	return dir == 0;
}

/* ---- transfer-encoding decoder (streaming) -------------------------------------------- */

static int mail_hex(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes `in` into the object in chunks of a small stack buffer. */
static void mail_dec_feed(struct proto_ctx *ctx, struct mail_dec *d, struct proto_obj *o, struct slice in)
{
	uint8_t buf[256];
	uint32_t bn = 0;
	struct rd r = rd_make(in.p, in.len);
	if (d->cte == MAIL_CTE_NONE) {
		proto_obj_data(ctx, o, in);
		return;
	}
	while (rd_left(&r)) {
		uint8_t c = rd_u8(&r);
		if (bn + 3 > sizeof buf) {
			proto_obj_data(ctx, o, (struct slice){ buf, bn });
			bn = 0;
		}
		if (d->cte == MAIL_CTE_B64) {
			int v = b64_val(c);
			if (c == '=')
				d->done = 1;
			if (v < 0 || d->done)
				continue;
			d->acc = d->acc << 6 | (uint32_t)v;
			if (++d->n == 4) {
				buf[bn++] = (uint8_t)(d->acc >> 16);
				buf[bn++] = (uint8_t)(d->acc >> 8);
				buf[bn++] = (uint8_t)d->acc;
				d->acc = 0;
				d->n = 0;
			}
			continue;
		}
		/* quoted-printable: "=XY" a byte, "=" at a line end a soft break */
		if (!d->n) {
			if (c == '=')
				d->hold[d->n++] = c;
			else
				buf[bn++] = c;
			continue;
		}
		if (d->n == 1) {
			if (c == '\n') {
				d->n = 0;
			} else if (c == '\r' || mail_hex(c) >= 0) {
				d->hold[d->n++] = c;
			} else {
				buf[bn++] = '=';
				buf[bn++] = c;
				d->n = 0;
			}
			continue;
		}
		if (d->hold[1] == '\r') {
			if (c != '\n')
				buf[bn++] = c; /* "=\r" then something: drop the break */
			d->n = 0;
			continue;
		}
		if (mail_hex(c) >= 0) {
			buf[bn++] = (uint8_t)(mail_hex(d->hold[1]) << 4 | mail_hex(c));
		} else {
			buf[bn++] = '=';
			buf[bn++] = d->hold[1];
			buf[bn++] = c;
		}
		d->n = 0;
	}
	if (bn)
		proto_obj_data(ctx, o, (struct slice){ buf, bn });
}

/* Emits what a decoder still holds (base64 tail bytes of an unpadded quantum). */
static void mail_dec_flush(struct proto_ctx *ctx, struct mail_dec *d, struct proto_obj *o)
{
	uint8_t buf[3];
	uint32_t bn = 0;
	if (d->cte == MAIL_CTE_B64 && d->n >= 2) {
		buf[bn++] = (uint8_t)(d->acc >> (6 * d->n - 8));
		if (d->n == 3)
			buf[bn++] = (uint8_t)(d->acc >> 2);
	} else if (d->cte == MAIL_CTE_QP && d->n) {
		for (uint32_t i = 0; i < d->n && i < 2; i++)
			buf[bn++] = d->hold[i];
	}
	if (bn)
		proto_obj_data(ctx, o, (struct slice){ buf, bn });
	memset(d, 0, sizeof *d);
}

/* ---- dot-stuffed data ----------------------------------------------------------------- */

enum { DOT_BOL = 0, DOT_MID, DOT_CR, DOT_DOT, DOT_DOTCR };

/* Lines end with CRLF only (RFC 5321 2.3.8): a dot after a bare LF is data. */
uint32_t mail_dot_feed(struct mail_dot *d, struct slice in, void (*out)(void *arg, struct slice run), void *arg)
{
	uint32_t run = 0, i = 0;
	struct rd r = rd_make(in.p, in.len);
	while (rd_left(&r) && !d->ended) {
		uint8_t c = rd_u8(&r);
		i++;
		switch (d->st) {
		case DOT_BOL:
			if (c == '.') {
				if (i - 1 > run && out)
					out(arg, (struct slice){ in.p + run, i - 1 - run });
				run = i; /* the dot is not data */
				d->st = DOT_DOT;
			} else {
				d->st = c == '\r' ? DOT_CR : DOT_MID;
			}
			break;
		case DOT_MID:
		case DOT_CR:
			d->st = c == '\r' ? DOT_CR : (c == '\n' && d->st == DOT_CR) ? DOT_BOL : DOT_MID;
			break;
		case DOT_DOT:
			if (c == '\r') {
				d->st = DOT_DOTCR;
				run = i; /* held: it may be the terminator */
			} else {
				d->st = DOT_MID; /* stuffed: the dot was dropped, c is data */
				run = i - 1;
			}
			break;
		default: /* DOT_DOTCR */
			if (c == '\n') {
				d->ended = 1;
				run = i;
			} else {
				if (out)
					out(arg, (struct slice){ (const uint8_t *)"\r", 1 });
				run = i - 1;
				d->st = c == '\r' ? DOT_CR : DOT_MID;
			}
			break;
		}
	}
	if (!d->ended && i > run && d->st != DOT_DOTCR && out)
		out(arg, (struct slice){ in.p + run, i - run });
	return i;
}

/* ---- small text helpers ---------------------------------------------------------------- */

struct slice mail_trim(struct slice s)
{
	while (s.len && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.len--;
	}
	while (s.len && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t' || s.p[s.len - 1] == '\r' ||
			 s.p[s.len - 1] == '\n'))
		s.len--;
	return s;
}

struct slice mail_first_line(struct slice s)
{
	for (uint32_t i = 0; i < s.len; i++)
		if (s.p[i] == '\r' || s.p[i] == '\n')
			return (struct slice){ s.p, i };
	return s;
}

void mail_val_set(struct mail_val *v, struct slice s)
{
	uint32_t n = s.len < sizeof v->buf ? s.len : sizeof v->buf;
	if (n)
		memcpy(v->buf, s.p, n);
	v->len = (uint8_t)n;
}

static void mail_cat(char *dst, uint16_t *len, size_t cap, struct slice s)
{
	size_t room = cap - 1 - *len;
	size_t n = s.len < room ? s.len : room;
	if (n)
		memcpy(dst + *len, s.p, n);
	*len = (uint16_t)(*len + n);
	dst[*len] = 0;
}

void mail_info_lines(struct proto_ctx *ctx, struct slice text)
{
	struct proto_pkt *o = ctx->out;
	if (!o)
		return;
	uint32_t i = 0;
	while (i < text.len && o->info_len < PROTO_INFO_MAX - 1) {
		uint32_t s = i;
		while (i < text.len && text.p[i] != '\r' && text.p[i] != '\n')
			i++;
		if (i < text.len)
			i += (text.p[i] == '\r' && i + 1 < text.len && text.p[i + 1] == '\n') ? 2 : 1;
		if (o->info_len)
			proto_info_append(ctx, ", ");
		uint8_t buf[256];
		for (uint32_t k = s; k < i;) {
			uint32_t n = 0;
			while (k < i && n < sizeof buf) {
				uint8_t c = text.p[k++];
				buf[n++] = (c == '\r' || c == '\n' || c == '\t' || c == '\v' || c == '\f') ? ' ' : c;
			}
			proto_info_append_bytes(ctx, (struct slice){ buf, n });
		}
	}
}

/* ---- the message parser ---------------------------------------------------------------- */

enum { MM_HDR = 0, MM_BODY, MM_BROKEN, MM_DONE };

void mail_msg_begin(struct proto_ctx *ctx, struct mail_msg *m, const char *source)
{
	proto_obj_free(&m->obj);
	memset(m, 0, sizeof *m);
	m->source = source;
	m->objects = (uint8_t)proto_records_on(ctx);
}

void mail_msg_free(struct mail_msg *m)
{
	proto_obj_free(&m->obj);
}

/* Lower-cased media type without parameters. */
static void mail_type_of(struct slice v, char *out, size_t cap)
{
	v = mail_trim(v);
	size_t n = 0;
	for (uint32_t i = 0; i < v.len && n + 1 < cap; i++) {
		uint8_t c = v.p[i];
		if (c == ';' || c == ' ' || c == '\t' || c == '\r' || c == '\n')
			break;
		out[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[n] = 0;
}

/* The value of parameter `name` (case-insensitive) in a header value; quotes removed. */
static struct slice mail_param(struct slice v, const char *name)
{
	size_t nl = strlen(name);
	for (uint32_t i = 0; i + nl < v.len; i++) {
		if (!proto_ascii_ieq(v.p + i, name, nl))
			continue;
		if (i && !(v.p[i - 1] == ';' || v.p[i - 1] == ' ' || v.p[i - 1] == '\t' || v.p[i - 1] == '\n'))
			continue;
		uint32_t k = i + (uint32_t)nl;
		while (k < v.len && (v.p[k] == ' ' || v.p[k] == '\t'))
			k++;
		if (k >= v.len || v.p[k] != '=')
			continue;
		k++;
		while (k < v.len && (v.p[k] == ' ' || v.p[k] == '\t'))
			k++;
		uint32_t s = k;
		if (k < v.len && v.p[k] == '"') {
			s = ++k;
			while (k < v.len && v.p[k] != '"')
				k++;
		} else {
			while (k < v.len && v.p[k] != ';' && v.p[k] != ' ' && v.p[k] != '\t' && v.p[k] != '\r' &&
			       v.p[k] != '\n')
				k++;
		}
		return (struct slice){ v.p + s, k - s };
	}
	return (struct slice){ NULL, 0 };
}

static int mail_name_is(struct slice name, const char *want)
{
	size_t n = strlen(want);
	return name.len == n && proto_ascii_ieq(name.p, want, n);
}

static void mail_copy_cstr(char *dst, size_t cap, struct slice s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;
	for (size_t i = 0; i < n; i++)
		dst[i] = s.p[i] ? (char)s.p[i] : '?';
	dst[n] = 0;
}

/* A header field of a MIME part. */
static void mail_part_field(struct mail_msg *m, struct slice name, struct slice val)
{
	if (mail_name_is(name, "content-type")) {
		mail_type_of(val, m->ptype, sizeof m->ptype);
		struct slice nm = mail_param(val, "name");
		if (nm.len && !m->pname[0])
			mail_copy_cstr(m->pname, sizeof m->pname, nm);
		struct slice b = mail_param(val, "boundary");
		if (strncmp(m->ptype, "multipart/", 10) == 0 && b.len && b.len <= MAIL_BOUNDARY_MAX) {
			memcpy(m->nb, b.p, b.len);
			m->nblen = (uint8_t)b.len;
			m->pnext_bnd = 1;
		}
	} else if (mail_name_is(name, "content-disposition")) {
		struct slice fn = mail_param(val, "filename");
		if (fn.len)
			mail_copy_cstr(m->pname, sizeof m->pname, fn);
	} else if (mail_name_is(name, "content-transfer-encoding")) {
		struct slice t = mail_trim(val);
		m->pcte = t.len == 6 && proto_ascii_ieq(t.p, "base64", 6)             ? MAIL_CTE_B64
			  : t.len == 16 && proto_ascii_ieq(t.p, "quoted-printable", 16) ? MAIL_CTE_QP
										       : MAIL_CTE_NONE;
	}
}

/* Wireshark names a part in Info only when a dissector is registered for its media type
 * (text, images, XML, JSON); application/octet-stream and other unknown types stay silent. */
static int mail_type_shown(const char *t)
{
	return strncmp(t, "text/", 5) == 0 || strncmp(t, "image/", 6) == 0 || strcmp(t, "application/xml") == 0 ||
	       strcmp(t, "application/json") == 0;
}

/* Begins the object of a leaf part (or of a single-part body). */
static void mail_part_open(struct proto_ctx *ctx, struct mail_msg *m)
{
	m->in_part = 1;
	memset(&m->dec, 0, sizeof m->dec);
	m->dec.cte = m->pcte;
	if (mail_type_shown(m->ptype) && m->tlen < sizeof m->types - 4) {
		mail_cat(m->types, &m->tlen, sizeof m->types, proto_slice_cstr(" ("));
		mail_cat(m->types, &m->tlen, sizeof m->types, proto_slice_cstr(m->ptype));
		mail_cat(m->types, &m->tlen, sizeof m->types, proto_slice_cstr(")"));
	}
	if (m->objects)
		proto_obj_begin(ctx, &m->obj, m->source, proto_slice_cstr(m->pname), proto_slice_cstr(m->ptype));
}

static void mail_part_close(struct proto_ctx *ctx, struct mail_msg *m)
{
	if (!m->in_part)
		return;
	m->in_part = 0;
	mail_dec_flush(ctx, &m->dec, &m->obj);
	proto_obj_end(ctx, &m->obj);
}

static void mail_part_reset(struct mail_msg *m)
{
	m->ptype[0] = 0;
	m->pname[0] = 0;
	m->pcte = MAIL_CTE_NONE;
	m->pnext_bnd = 0;
}

/* A complete top-level header field: its name (what precedes the colon) and its value (after
 * the colon and leading blanks, up to the CRLF). */
static void mail_top_field(struct mail_msg *m, struct slice name, struct slice val)
{
	int from = mail_name_is(name, "from"), subj = mail_name_is(name, "subject");
	if (from || subj) {
		mail_cat(m->info, &m->ilen, sizeof m->info, proto_slice_cstr(from ? "from: " : "subject: "));
		mail_cat(m->info, &m->ilen, sizeof m->info, val);
		mail_cat(m->info, &m->ilen, sizeof m->info, proto_slice_cstr(", "));
	}
	struct slice tv = mail_trim(val);
	if (from)
		mail_val_set(&m->from, tv);
	else if (subj)
		mail_val_set(&m->subject, tv);
	else if (mail_name_is(name, "to"))
		mail_val_set(&m->to, tv);
	else if (mail_name_is(name, "cc"))
		mail_val_set(&m->cc, tv);
	else if (mail_name_is(name, "reply-to"))
		mail_val_set(&m->reply_to, tv);
	else if (mail_name_is(name, "date"))
		mail_val_set(&m->date, tv);
	else if (mail_name_is(name, "message-id"))
		mail_val_set(&m->msg_id, tv);
	else if (mail_name_is(name, "user-agent") || mail_name_is(name, "x-mailer"))
		mail_val_set(&m->user_agent, tv);
	if (mail_name_is(name, "content-type"))
		m->top_type = 1;
	mail_part_field(m, name, val);
}

/* A complete part header field (folded lines included). */
static void mail_sub_field(struct mail_msg *m, struct slice f)
{
	uint32_t colon = 0;
	while (colon < f.len && f.p[colon] != ':')
		colon++;
	if (colon >= f.len)
		return;
	mail_part_field(m, (struct slice){ f.p, colon }, (struct slice){ f.p + colon + 1, f.len - colon - 1 });
}

/* The header section ended on the empty line: the body begins. */
static void mail_body_begin(struct proto_ctx *ctx, struct mail_msg *m, uint64_t body_off)
{
	m->phase = MM_BODY;
	m->last_field = 1;
	m->body_off = body_off;
	if (!m->top_type && m->body_off >= m->raw_base + m->rlen) {
		/* keep the body's first bytes for the text view */
		m->raw_base = m->body_off;
		m->rlen = 0;
	}
	if (m->pnext_bnd) {
		memcpy(m->bnd[0], m->nb, m->nblen);
		m->blen[0] = m->nblen;
		m->depth = 1;
		mail_part_reset(m); /* the preamble is not a part */
	} else {
		if (!m->top_type)
			m->ptype[0] = 0;
		mail_part_open(ctx, m);
	}
}

static void mail_field_add(struct mail_msg *m, const uint8_t *p, uint32_t n)
{
	uint32_t room = MAIL_FIELD_MAX - m->flen;
	if (n > room)
		n = room;
	memcpy(m->field + m->flen, p, n);
	m->flen = (uint16_t)(m->flen + n);
}

/* The field whose name is in line[] and value in field[] is complete. `quirk`: its CRLF is
 * the last of the data (Wireshark's value then loses its last two bytes). */
static void mail_hdr_finish(struct mail_msg *m, int quirk)
{
	uint32_t vs = 0, ve = m->flen;
	while (vs < m->flen && (m->field[vs] == ' ' || m->field[vs] == '\t'))
		vs++;
	if (quirk)
		ve = ve >= 2 ? ve - 2 : 0;
	mail_top_field(m, (struct slice){ m->line, m->llen }, (struct slice){ m->field + vs, ve > vs ? ve - vs : 0 });
	m->llen = 0;
	m->flen = 0;
}

enum { H_KEY = 0, H_VAL, H_VAL_CR, H_VAL_CRLF };

/* Header bytes, scanned as Wireshark's IMF dissector does: a field's name runs to the next
 * colon wherever it is (line ends included), its value from there to a CRLF not followed by a
 * space or tab; a CR right after that CRLF ends the header section. Returns the bytes used
 * (fewer than n when the body begins). */
static uint32_t mail_hdr_bytes(struct proto_ctx *ctx, struct mail_msg *m, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		switch (m->hst) {
		case H_KEY:
			if (c == ':')
				m->hst = H_VAL;
			else if (m->llen < MAIL_LINE_MAX)
				m->line[m->llen++] = c;
			break;
		case H_VAL:
			if (c == '\r')
				m->hst = H_VAL_CR;
			else
				mail_field_add(m, &c, 1);
			break;
		case H_VAL_CR:
			if (c == '\n') {
				m->hst = H_VAL_CRLF;
			} else {
				mail_field_add(m, (const uint8_t *)"\r", 1);
				if (c != '\r') {
					mail_field_add(m, &c, 1);
					m->hst = H_VAL;
				}
			}
			break;
		default: /* H_VAL_CRLF */
			if (c == ' ' || c == '\t') {
				mail_field_add(m, (const uint8_t *)"\r\n", 2);
				mail_field_add(m, &c, 1);
				m->hst = H_VAL;
			} else if (c == '\r') {
				mail_hdr_finish(m, 0);
				m->off += i + 1;
				m->skip = 1; /* the empty line's second byte */
				mail_body_begin(ctx, m, m->off + 1);
				m->off -= i + 1;
				return i + 1;
			} else {
				mail_hdr_finish(m, 0);
				m->hst = H_KEY;
				if (c == ':')
					m->hst = H_VAL;
				else
					m->line[m->llen++] = c;
			}
			break;
		}
	}
	return n;
}

/* Body bytes of the current leaf part. */
static void mail_part_data(struct proto_ctx *ctx, struct mail_msg *m, const uint8_t *p, uint32_t n)
{
	if (m->in_part && m->objects && n)
		mail_dec_feed(ctx, &m->dec, &m->obj, (struct slice){ p, n });
}

/* Is the line in line[] (without its line end) a boundary? 1 open, 2 close; *lvl its depth. */
static int mail_boundary(const struct mail_msg *m, int *lvl)
{
	if (m->line_long || m->llen < 3 || m->line[0] != '-' || m->line[1] != '-')
		return 0;
	for (int d = m->depth - 1; d >= 0; d--) {
		uint32_t bl = m->blen[d];
		if (m->llen < 2 + bl || memcmp(m->line + 2, m->bnd[d], bl) != 0)
			continue;
		uint32_t k = 2 + bl;
		*lvl = d;
		if (m->llen >= k + 2 && m->line[k] == '-' && m->line[k + 1] == '-')
			return 2;
		for (; k < m->llen; k++)
			if (m->line[k] != ' ' && m->line[k] != '\t')
				return 0;
		return 1;
	}
	return 0;
}

/* A body line has ended (its line end not yet passed on: pend_crlf). */
static void mail_body_eol(struct proto_ctx *ctx, struct mail_msg *m)
{
	int lvl = 0, b = m->depth ? mail_boundary(m, &lvl) : 0;
	if (b) {
		mail_part_close(ctx, m);
		m->pend_crlf = 0;
		m->depth = (uint8_t)(b == 2 ? lvl : lvl + 1);
		m->part_hdr = b == 1;
		mail_part_reset(m);
		m->flen = 0;
		m->field_lines = 0;
	} else if (m->part_hdr) {
		/* a part header line: fields and continuations; the empty line ends them */
		if (m->llen == 0 && !m->line_long) {
			if (m->field_lines)
				mail_sub_field(m, (struct slice){ m->field, m->flen });
			m->flen = 0;
			m->field_lines = 0;
			m->part_hdr = 0;
			if (m->pnext_bnd && m->depth < MAIL_DEPTH) {
				memcpy(m->bnd[m->depth], m->nb, m->nblen);
				m->blen[m->depth] = m->nblen;
				m->depth++;
				mail_part_reset(m);
			} else {
				mail_part_open(ctx, m);
			}
		} else if (m->field_lines && m->llen && (m->line[0] == ' ' || m->line[0] == '\t')) {
			mail_field_add(m, (const uint8_t *)" ", 1);
			mail_field_add(m, m->line, m->llen);
		} else {
			if (m->field_lines)
				mail_sub_field(m, (struct slice){ m->field, m->flen });
			m->flen = 0;
			mail_field_add(m, m->line, m->llen);
			m->field_lines = 1;
		}
	} else {
		if (m->pend_crlf && !m->line_long)
			mail_part_data(ctx, m, (const uint8_t *)"\r\n", 2);
		if (!m->line_long)
			mail_part_data(ctx, m, m->line, m->llen);
		m->pend_crlf = 1;
	}
	m->llen = 0;
	m->line_long = 0;
}

/* A run of line bytes without CR or LF. */
static void mail_body_run(struct proto_ctx *ctx, struct mail_msg *m, const uint8_t *p, uint32_t n)
{
	if (m->pend_crlf && !m->llen && !m->line_long && p[0] != '-') {
		/* this line cannot be a boundary: the held line break is data */
		m->pend_crlf = 0;
		mail_part_data(ctx, m, (const uint8_t *)"\r\n", 2);
	}
	if (m->line_long) {
		mail_part_data(ctx, m, p, n);
		return;
	}
	uint32_t room = (uint32_t)MAIL_LINE_MAX - m->llen;
	uint32_t take = room < n ? room : n;
	memcpy(m->line + m->llen, p, take);
	m->llen += take;
	if (take == n)
		return;
	/* too long for a boundary: pass it on */
	if (m->pend_crlf && !m->part_hdr)
		mail_part_data(ctx, m, (const uint8_t *)"\r\n", 2);
	m->pend_crlf = 0;
	if (!m->part_hdr)
		mail_part_data(ctx, m, m->line, m->llen);
	m->line_long = 1;
	/* in a part's header only the bytes after the first overlong one are passed on */
	uint32_t skip = m->part_hdr ? take + 1 : take;
	if (skip < n)
		mail_part_data(ctx, m, p + skip, n - skip);
}

static void mail_body_byte_run(struct proto_ctx *ctx, struct mail_msg *m, const uint8_t *p, uint32_t n)
{
	uint32_t i = 0;
	while (i < n) {
		if (p[i] == '\n') {
			mail_body_eol(ctx, m);
			i++;
			continue;
		}
		if (p[i] == '\r') {
			i++; /* CR LF and bare LF end lines alike */
			continue;
		}
		uint32_t k = i + 1;
		while (k < n && p[k] != '\n' && p[k] != '\r')
			k++;
		mail_body_run(ctx, m, p + i, k - i);
		i = k;
	}
}

void mail_msg_feed(struct proto_ctx *ctx, struct mail_msg *m, struct slice data)
{
	struct rd r = rd_make(data.p, data.len);
	if (m->off < m->raw_base + MAIL_RAW_MAX && m->off >= m->raw_base) {
		uint32_t n = MAIL_RAW_MAX - m->rlen;
		if (n > data.len)
			n = data.len;
		memcpy(m->raw + m->rlen, data.p, n);
		m->rlen = (uint16_t)(m->rlen + n);
	}
	while (rd_left(&r)) {
		if (m->phase == MM_HDR) {
			uint32_t used = mail_hdr_bytes(ctx, m, r.p, rd_left(&r));
			rd_skip(&r, used);
			m->off += used;
			continue;
		}
		if (m->skip) {
			m->skip = 0;
			rd_skip(&r, 1);
			m->off++;
			continue;
		}
		uint32_t n = rd_left(&r);
		const uint8_t *p = r.p;
		rd_skip(&r, n);
		m->off += n;
		if (m->phase == MM_BODY)
			mail_body_byte_run(ctx, m, p, n);
	}
}

void mail_msg_end(struct proto_ctx *ctx, struct mail_msg *m)
{
	if (m->phase == MM_HDR) {
		/* the data ended inside the header section: a field cut short (or no colon at
		 * all) sends Wireshark back to the first byte; a CRLF as the very last bytes ends
		 * the last field */
		if (m->hst == H_VAL_CRLF) {
			mail_hdr_finish(m, 1);
			m->last_field = 1;
			m->body_off = m->off;
		} else {
			m->phase = MM_BROKEN;
		}
	} else if (m->phase == MM_BODY) {
		if (m->llen || m->line_long)
			mail_body_eol(ctx, m);
		if (m->pend_crlf && !m->depth)
			mail_part_data(ctx, m, (const uint8_t *)"\r\n", 2);
		m->pend_crlf = 0;
		mail_part_close(ctx, m);
	}
	if (m->phase != MM_BROKEN)
		m->phase = MM_DONE;
}

/* The IMF Info of a parsed message: `all` holds its first bytes, `body` those of its body. */
static void mail_render(struct proto_ctx *ctx, const struct mail_msg *m, struct slice all, struct slice body)
{
	if (m->ilen)
		proto_info_append_bytes(ctx, (struct slice){ (const uint8_t *)m->info, m->ilen });
	if (m->phase == MM_BROKEN && m->top_type) {
		/* the media dissector gets the data from its first byte: a multipart finds no
		 * boundary in a header section */
		if (mail_type_shown(m->ptype)) {
			proto_info_append(ctx, " (");
			proto_info_append(ctx, m->ptype);
			proto_info_append(ctx, ")");
		}
	} else if (m->phase == MM_BROKEN)
		mail_info_lines(ctx, all);
	else if (m->last_field && m->top_type)
		proto_info_append_bytes(ctx, (struct slice){ (const uint8_t *)m->types, m->tlen });
	else if (m->last_field)
		mail_info_lines(ctx, body);
}

void mail_msg_info(struct proto_ctx *ctx, const struct mail_msg *m)
{
	struct slice all = { m->raw, m->raw_base == 0 ? m->rlen : 0 }, body = { NULL, 0 };
	if (m->body_off >= m->raw_base && m->body_off - m->raw_base <= m->rlen) {
		uint32_t s = (uint32_t)(m->body_off - m->raw_base);
		body = (struct slice){ m->raw + s, m->rlen - s };
	}
	mail_render(ctx, m, all, body);
}

void mail_imf_info(struct proto_ctx *ctx, struct slice buf)
{
	struct mail_msg m;
	struct proto_ctx quiet = *ctx;
	quiet.env = NULL; /* the Info view only: no objects */
	memset(&m, 0, sizeof m);
	mail_msg_feed(&quiet, &m, buf);
	mail_msg_end(&quiet, &m);
	struct slice body = { NULL, 0 };
	if (m.body_off <= buf.len)
		body = (struct slice){ buf.p + m.body_off, buf.len - (uint32_t)m.body_off };
	mail_render(ctx, &m, buf, body);
}
