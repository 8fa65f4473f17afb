/* dfilter_parse.c: the display-filter parser and compiler (Wireshark 4.0 grammar: or < and < not,
 * relations with == != === !== ~= > < >= <=, contains, matches (PCRE2), in {a, b..c}, slices),
 * turning literals into typed constants once, against the field each is compared with. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "filter/dfilter.h"
#include "filter/dfilter_int.h"

struct parse {
	struct dfilter *df;
	struct df_lex *lx;
	uint32_t i;          /* current token */
	uint32_t depth;
	const char *text;
	struct errbuf *e;
	uint32_t *elen;
};

/* A parsed operand before its type is known: a token, maybe a field, maybe a slice. */
struct raw_opnd {
	const struct df_token *t;
	const struct field_def *fd;
	struct df_slice sl;
	uint32_t pos, len;   /* span in the text, slice included */
};

static void *parse_alloc(struct dfilter *df, size_t n)
{
	if (df->nblocks == df->blocks_cap) {
		uint32_t cap = df->blocks_cap ? df->blocks_cap * 2 : 32;
		void **b = realloc(df->blocks, cap * sizeof *b);
		if (!b)
			return NULL;
		df->blocks = b;
		df->blocks_cap = cap;
	}
	void *p = calloc(1, n ? n : 1);
	if (p)
		df->blocks[df->nblocks++] = p;
	return p;
}

static int parse_fail_at(struct parse *ps, uint32_t pos, uint32_t len, const char *fmt, const char *a, const char *b)
{
	if (ps->elen)
		*ps->elen = len ? len : 1;
	return err_set_at(ps->e, ERR_USAGE, pos, fmt, a, b);
}

static int parse_fail_tok(struct parse *ps, const struct df_token *t)
{
	if (t->kind == DT_END)
		return parse_fail_at(ps, t->pos, 1, "%s%s", "Unexpected end of filter expression.", "");
	char what[64];
	uint32_t n = t->len < sizeof what - 1 ? t->len : (uint32_t)sizeof what - 1;
	memcpy(what, ps->text + t->pos, n);
	what[n] = 0;
	return parse_fail_at(ps, t->pos, t->len, "\"%s\" was unexpected in this context.%s", what, "");
}

static int parse_nomem(struct parse *ps)
{
	return err_set(ps->e, ERR_NOMEM, "out of memory");
}

/* "x is neither a field nor a protocol name." with the nearest registered names. */
static int parse_unknown_field(struct parse *ps, const struct df_token *t)
{
	const char *sug[1];
	char hint[160] = "";
	for (size_t k = 0; k < field_count() && !hint[0]; k++) /* the name in other letter case first */
		if (!strcasecmp(field_at(k)->name, t->text))
			snprintf(hint, sizeof hint, " Did you mean %s?", field_at(k)->name);
	if (!hint[0] && field_suggest(t->text, sug, 1) == 1)
		snprintf(hint, sizeof hint, " Did you mean %s?", sug[0]);
	return parse_fail_at(ps, t->pos, t->len, "%s is neither a field nor a protocol name.%s", t->text, hint);
}

static const struct df_token *parse_peek(struct parse *ps) { return &ps->lx->tok[ps->i]; }

/* Looks like a field name rather than a literal: starts with a letter, has a dot-separated
 * lower-case identifier shape. */
static int parse_looks_like_field(const char *s)
{
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return 0;
	for (const char *p = s; *p; p++)
		if (*p == ':' || *p == '/' || *p == '-')
			return 0;
	return 1;
}

/* Slice text: i:j (offset, length), i-j (first, last), i, :j, i:. */
static int parse_slice_text(const char *s, struct df_slice *sl)
{
	char *end;
	long a = 0, b;
	sl->on = 1;
	sl->start = 0;
	sl->len = -1;
	if (*s != ':') {
		a = strtol(s, &end, 10);
		if (end == s || a < -65535 || a > 65535)
			return -1;
		s = end;
	}
	sl->start = (int32_t)a;
	if (!*s) {
		sl->len = 1;
		return 0;
	}
	char sep = *s++;
	if (!*s && sep == ':')
		return 0; /* i: */
	b = strtol(s, &end, 10);
	if (end == s || *end || b < 0 || b > 65535)
		return -1;
	if (sep == ':')
		sl->len = (int32_t)b;
	else if (sep == '-' && a >= 0 && b >= a)
		sl->len = (int32_t)(b - a + 1);
	else
		return -1;
	return 0;
}

static int parse_operand(struct parse *ps, struct raw_opnd *ro)
{
	const struct df_token *t = parse_peek(ps);
	memset(ro, 0, sizeof *ro);
	if (t->kind != DT_WORD && t->kind != DT_STRING)
		return parse_fail_tok(ps, t);
	ps->i++;
	ro->t = t;
	ro->pos = t->pos;
	ro->len = t->len;
	if (t->kind == DT_WORD)
		ro->fd = field_find(t->text);
	if (parse_peek(ps)->kind == DT_LBRACKET) {
		if (!ro->fd) {
			if (t->kind == DT_WORD && parse_looks_like_field(t->text))
				return parse_unknown_field(ps, t);
			return parse_fail_tok(ps, parse_peek(ps));
		}
		ps->i++;
		const struct df_token *st = parse_peek(ps);
		if (st->kind != DT_WORD || parse_slice_text(st->text, &ro->sl) < 0)
			return st->kind == DT_END ? parse_fail_tok(ps, st)
						  : parse_fail_at(ps, st->pos, st->len, "%s%s", "Invalid slice range.", "");
		ps->i++;
		const struct df_token *rb = parse_peek(ps);
		if (rb->kind != DT_RBRACKET)
			return parse_fail_tok(ps, rb);
		ps->i++;
		ro->len = rb->pos + 1 - ro->pos;
		uint8_t ft = ro->fd->type;
		if (ft != FT_ETHER && ft != FT_IPV4 && ft != FT_IPV6 && ft != FT_BYTES && ft != FT_STRING)
			return parse_fail_at(ps, ro->pos, ro->len, "%s cannot be sliced.%s", ro->fd->name, "");
	}
	return 0;
}

static int parse_hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Hex bytes: 00:1a:2b, 00-1a-2b, 001a.2b3c, 001a2b; groups of one or two digits between
 * separators are one byte each. Returns the byte count or -1. */
static int parse_hex_bytes(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	const char *p = s;
	if (!*p)
		return -1;
	while (*p) {
		const char *g = p;
		while (parse_hexval(*p) >= 0)
			p++;
		size_t gl = (size_t)(p - g);
		if (gl == 0)
			return -1;
		if (gl <= 2) {
			int v = parse_hexval(g[0]);
			if (gl == 2)
				v = v * 16 + parse_hexval(g[1]);
			if (n >= cap)
				return -1;
			out[n++] = (uint8_t)v;
		} else {
			if (gl % 2)
				return -1;
			for (size_t k = 0; k < gl; k += 2) {
				if (n >= cap)
					return -1;
				out[n++] = (uint8_t)(parse_hexval(g[k]) * 16 + parse_hexval(g[k + 1]));
			}
		}
		if (*p == ':' || *p == '-' || *p == '.') {
			p++;
			if (!*p)
				return -1;
		} else if (*p) {
			return -1;
		}
	}
	return (int)n;
}

/* Decimal seconds with an optional fraction ("1.5", "-0.25") in ns. */
static int parse_seconds(const char *s, int64_t *ns)
{
	int neg = 0;
	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (!*s)
		return -1;
	int64_t sec = 0, frac = 0;
	int digits = 0;
	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		if (sec > 9000000000ll)
			return -1;
		sec = sec * 10 + (*s - '0');
	}
	if (*s == '.') {
		s++;
		int k = 0;
		for (; *s >= '0' && *s <= '9'; s++, digits++)
			if (k < 9) {
				frac = frac * 10 + (*s - '0');
				k++;
			}
		for (; k < 9; k++)
			frac *= 10;
	}
	if (*s || !digits)
		return -1;
	*ns = (sec * 1000000000ll + frac) * (neg ? -1 : 1);
	return 0;
}

/* Absolute time as Wireshark takes it, in local time: "2010-02-08 21:32[:05[.123]]" or
 * "Feb  8, 2010 21:32:05[.123]" (the -V form), optionally ending in "UTC"/"Z". */
static int parse_abs_time(const char *s, int64_t *ns)
{
	static const char *const fmts[] = { "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
					    "%Y-%m-%d", "%b %d, %Y %H:%M:%S", "%b %d, %Y %H:%M", "%b %d, %Y" };
	for (size_t k = 0; k < sizeof fmts / sizeof fmts[0]; k++) {
		struct tm tm;
		memset(&tm, 0, sizeof tm);
		const char *end = strptime(s, fmts[k], &tm);
		if (!end)
			continue;
		int64_t frac = 0;
		if (*end == '.' && end[1] >= '0' && end[1] <= '9') {
			int d = 0;
			for (end++; *end >= '0' && *end <= '9'; end++)
				if (d < 9) {
					frac = frac * 10 + (*end - '0');
					d++;
				}
			for (; d < 9; d++)
				frac *= 10;
		}
		while (*end == ' ')
			end++;
		int utc = 0;
		if (!strcmp(end, "UTC") || !strcmp(end, "Z")) {
			utc = 1;
			end += strlen(end);
		}
		if (*end)
			continue;
		tm.tm_isdst = -1;
		time_t t = utc ? timegm(&tm) : mktime(&tm);
		if (t == (time_t)-1 && !(tm.tm_year == 69))
			continue;
		*ns = (int64_t)t * 1000000000ll + frac;
		return 0;
	}
	return -1;
}

static int parse_uint(const char *s, uint64_t *v)
{
	char *end;
	if (!*s || *s == '-' || *s == '+')
		return -1;
	*v = strtoull(s, &end, 0);
	return *end ? -1 : 0;
}

/* Type name as tshark's messages spell it. */
static const char *parse_type_name(uint8_t ft)
{
	switch (ft) {
	case FT_NONE: return "Label";
	case FT_UINT: case FT_HEX: case FT_PORTS: return "Unsigned integer";
	case FT_INT: return "Signed integer";
	case FT_BOOL: return "Boolean";
	case FT_IPV4: return "IPv4 address";
	case FT_IPV6: return "IPv6 address";
	case FT_ETHER: return "Ethernet or other MAC address";
	case FT_STRING: return "Character string";
	case FT_ABS_TIME: return "Date and time";
	case FT_REL_TIME: case FT_EPOCH: return "Time offset";
	default: return "Byte sequence";
	}
}

/* Turns a literal token into a constant of the type of `fd` (or bytes, when sliced). */
static int parse_literal(struct parse *ps, const struct raw_opnd *ro, const struct field_def *fd, int sliced,
			 int for_contains, struct df_val *v)
{
	const struct df_token *t = ro->t;
	const char *s = t->text;
	uint8_t ft = sliced ? FT_BYTES : fd->type;
	memset(v, 0, sizeof *v);
	v->ftype = ft;
	v->prefix = -1;
	v->cls = dfilter_class_of(ft);
	if (t->kind == DT_WORD && field_find(s) == NULL && parse_looks_like_field(s) && strchr(s, '.') &&
	    ft != FT_STRING && ft != FT_IPV4 && ft != FT_IPV6 && ft != FT_REL_TIME && ft != FT_EPOCH &&
	    !(ft == FT_ETHER || ft == FT_BYTES))
		return parse_unknown_field(ps, t);
	switch (ft) {
	case FT_NONE:
		return parse_fail_at(ps, ro->pos, ro->len, "%s is a protocol or label and cannot be compared.%s",
				     fd->name, "");
	case FT_UINT: case FT_HEX: case FT_PORTS: case FT_BOOL: case FT_INT: {
		if (t->kind == DT_STRING)
			return parse_fail_at(ps, t->pos, t->len, "%s cannot be converted from a string (\"%s\").",
					     parse_type_name(ft), s);
		if (ft == FT_BOOL && (!strcmp(s, "True") || !strcmp(s, "TRUE"))) {
			v->u = 1;
			return 0;
		}
		if (ft == FT_BOOL && (!strcmp(s, "False") || !strcmp(s, "FALSE"))) {
			v->u = 0;
			return 0;
		}
		if (ft == FT_INT) {
			char *end;
			v->i = strtoll(s, &end, 0);
			if (!*s || *end)
				return parse_fail_at(ps, t->pos, t->len, "\"%s\" is not a valid number.%s", s, "");
			return 0;
		}
		if (parse_uint(s, &v->u) < 0) {
			if (field_find(s) == NULL && parse_looks_like_field(s) && strchr(s, '.'))
				return parse_unknown_field(ps, t);
			return parse_fail_at(ps, t->pos, t->len, "\"%s\" is not a valid number.%s", s, "");
		}
		if (ft == FT_PORTS || (strstr(fd->name, "port") && ft == FT_UINT)) {
			if (v->u > 65535)
				return parse_fail_at(ps, t->pos, t->len, "\"%s\" too big for this field, maximum 65535.%s", s, "");
		}
		if (ft == FT_BOOL)
			v->u = v->u != 0;
		return 0;
	}
	case FT_ABS_TIME:
		if (parse_abs_time(s, &v->i) < 0)
			return parse_fail_at(ps, t->pos, t->len, "\"%s\" is not a valid absolute time. Example: \"Nov 12, 1999 08:55:44.123\" or \"2011-07-04 12:34:56\"%s", s, "");
		return 0;
	case FT_REL_TIME: case FT_EPOCH:
		if (parse_seconds(s, &v->i) < 0)
			return parse_fail_at(ps, t->pos, t->len, "\"%s\" is not a valid time.%s", s, "");
		return 0;
	case FT_IPV4: case FT_IPV6: {
		int v6 = ft == FT_IPV6;
		char buf[128];
		size_t n = strlen(s);
		if (n >= sizeof buf)
			n = sizeof buf - 1;
		memcpy(buf, s, n);
		buf[n] = 0;
		char *slash = strchr(buf, '/');
		if (slash)
			*slash = 0;
		uint8_t *a = parse_alloc(ps->df, 16);
		if (!a)
			return parse_nomem(ps);
		if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, a) != 1 && t->kind == DT_WORD &&
		    !field_find(s) && parse_looks_like_field(s) && strchr(s, '.') && !slash)
			return parse_unknown_field(ps, t);
		if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, a) != 1)
			return parse_fail_at(ps, t->pos, t->len, v6 ? "\"%s\" is not a valid hostname or IPv6 address.%s"
								 : "\"%s\" is not a valid hostname or IPv4 address.%s", s, "");
		if (slash) {
			uint64_t bits;
			if (parse_uint(slash + 1, &bits) < 0 || bits > (v6 ? 128u : 32u))
				return parse_fail_at(ps, t->pos, t->len, "\"%s\" is not a valid subnet mask.%s", s, "");
			v->prefix = (int16_t)bits;
		}
		v->b = a;
		v->len = v6 ? 16 : 4;
		return 0;
	}
	case FT_STRING: {
		uint8_t *b = parse_alloc(ps->df, t->tlen + 1);
		if (!b)
			return parse_nomem(ps);
		memcpy(b, s, t->tlen);
		v->b = b;
		v->len = t->tlen;
		return 0;
	}
	default: { /* FT_ETHER, FT_BYTES */
		size_t cap = strlen(s) + 1;
		uint8_t *b = parse_alloc(ps->df, cap);
		if (!b)
			return parse_nomem(ps);
		int n;
		if (t->kind == DT_STRING) {
			memcpy(b, s, t->tlen);
			n = (int)t->tlen;
		} else {
			n = parse_hex_bytes(s, b, cap);
		}
		if (ft == FT_ETHER && !for_contains) {
			if (n < 0)
				return parse_fail_at(ps, t->pos, t->len, "\"%s\" is not a valid hostname or Ethernet address.%s", s, "");
			if (n != 6)
				return parse_fail_at(ps, t->pos, t->len, n < 6 ? "\"%s\" contains too few bytes to be a valid Ethernet address.%s"
									: "\"%s\" contains too many bytes to be a valid Ethernet address.%s", s, "");
		}
		if (n < 0)
			return parse_fail_at(ps, t->pos, t->len, "\"%s\" is not a valid byte string.%s", s, "");
		v->cls = DC_BYTES;
		v->b = b;
		v->len = (uint32_t)n;
		return 0;
	}
	}
}

static int parse_field_opnd(struct parse *ps, const struct raw_opnd *ro, struct df_opnd *op)
{
	op->fd = ro->fd;
	op->sl = ro->sl;
	op->fv = parse_alloc(ps->df, DF_MAX_OCC * sizeof *op->fv);
	op->v = parse_alloc(ps->df, 2 * DF_MAX_OCC * sizeof *op->v);
	if (!op->fv || !op->v)
		return parse_nomem(ps);
	return 0;
}

static uint8_t parse_opnd_class(const struct raw_opnd *ro)
{
	return ro->sl.on ? DC_BYTES : dfilter_class_of(ro->fd->type);
}

static struct df_node *parse_node(struct parse *ps, uint8_t kind)
{
	struct df_node *n = parse_alloc(ps->df, sizeof *n);
	if (n)
		n->kind = kind;
	return n;
}

static int parse_expr(struct parse *ps, struct df_node **out);

/* `in {a, b, c..d}` after the left operand. */
static int parse_set(struct parse *ps, const struct raw_opnd *l, struct df_node *n)
{
	const struct df_token *t = parse_peek(ps);
	if (t->kind != DT_LBRACE)
		return parse_fail_tok(ps, t);
	ps->i++;
	struct df_val *vals = parse_alloc(ps->df, DF_MAX_SET * sizeof *vals);
	struct df_val *hi = parse_alloc(ps->df, DF_MAX_SET * sizeof *hi);
	uint8_t *isr = parse_alloc(ps->df, DF_MAX_SET);
	if (!vals || !hi || !isr)
		return parse_nomem(ps);
	uint32_t nv = 0;
	for (;;) {
		t = parse_peek(ps);
		if (t->kind == DT_RBRACE && nv > 0) {
			ps->i++;
			break;
		}
		if (nv == DF_MAX_SET)
			return parse_fail_at(ps, t->pos, t->len, "%s%s", "Too many elements in the set.", "");
		struct raw_opnd ro;
		int rc = parse_operand(ps, &ro);
		if (rc < 0)
			return rc;
		if (ro.fd)
			return parse_fail_at(ps, ro.pos, ro.len, "%s%s", "A set may only hold constants.", "");
		rc = parse_literal(ps, &ro, l->fd, l->sl.on, 0, &vals[nv]);
		if (rc < 0)
			return rc;
		if (parse_peek(ps)->kind == DT_DOTDOT) {
			ps->i++;
			rc = parse_operand(ps, &ro);
			if (rc < 0)
				return rc;
			rc = parse_literal(ps, &ro, l->fd, l->sl.on, 0, &hi[nv]);
			if (rc < 0)
				return rc;
			isr[nv] = 1;
		}
		nv++;
		t = parse_peek(ps);
		if (t->kind == DT_COMMA) {
			ps->i++;
			continue;
		}
		if (t->kind != DT_RBRACE)
			return parse_fail_tok(ps, t);
	}
	n->r.v = vals;
	n->r.hi = hi;
	n->r.is_range = isr;
	n->r.nv = nv;
	return 0;
}

static int parse_const_opnd(struct parse *ps, const struct raw_opnd *ro, const struct raw_opnd *other,
			    int for_contains, struct df_opnd *op)
{
	op->v = parse_alloc(ps->df, sizeof *op->v);
	if (!op->v)
		return parse_nomem(ps);
	op->nv = 1;
	return parse_literal(ps, ro, other->fd, other->sl.on, for_contains, op->v);
}

static int parse_relation(struct parse *ps, struct df_node **out)
{
	struct raw_opnd l, r;
	int rc = parse_operand(ps, &l);
	if (rc < 0)
		return rc;
	const struct df_token *opt = parse_peek(ps);
	uint8_t k = opt->kind;
	if (k != DT_CMP && k != DT_CONTAINS && k != DT_MATCHES && k != DT_IN) {
		if (!l.fd) {
			if (l.t->kind == DT_WORD)
				return parse_unknown_field(ps, l.t);
			return parse_fail_at(ps, l.pos, l.len, "\"%s\" is a literal and cannot be tested alone.%s", l.t->text, "");
		}
		struct df_node *n = parse_node(ps, DN_EXISTS);
		if (!n || parse_field_opnd(ps, &l, &n->l) < 0)
			return parse_nomem(ps);
		*out = n;
		return 0;
	}
	ps->i++;
	if (!l.fd) {
		if (l.t->kind == DT_WORD && parse_looks_like_field(l.t->text) && strchr(l.t->text, '.'))
			return parse_unknown_field(ps, l.t);
		if (k != DT_CMP)
			return parse_fail_at(ps, l.pos, l.len, "\"%s\" is a literal; the left side must be a field.%s", l.t->text, "");
	}
	if (k == DT_IN) {
		struct df_node *n = parse_node(ps, DN_IN);
		if (!n)
			return parse_nomem(ps);
		if (parse_opnd_class(&l) == DC_NONE)
			return parse_fail_at(ps, l.pos, l.len, "%s is a protocol or label and cannot be compared.%s", l.fd->name, "");
		if ((rc = parse_field_opnd(ps, &l, &n->l)) < 0 || (rc = parse_set(ps, &l, n)) < 0)
			return rc;
		*out = n;
		return 0;
	}
	rc = parse_operand(ps, &r);
	if (rc < 0)
		return rc;
	uint8_t op = opt->op;
	if (!l.fd) {
		if (!r.fd) {
			if (r.t->kind == DT_WORD && parse_looks_like_field(r.t->text) && strchr(r.t->text, '.'))
				return parse_unknown_field(ps, r.t);
			return parse_fail_at(ps, l.pos, l.len, "Constant expression is invalid on the LHS.%s%s", "", "");
		}
		struct raw_opnd tmp = l; /* literal OP field: swap, mirroring the order operators */
		l = r;
		r = tmp;
		static const uint8_t mirror[] = { [DO_ANY_EQ] = DO_ANY_EQ, [DO_ALL_NE] = DO_ALL_NE, [DO_ALL_EQ] = DO_ALL_EQ,
						  [DO_ANY_NE] = DO_ANY_NE, [DO_GT] = DO_LT, [DO_LT] = DO_GT, [DO_GE] = DO_LE, [DO_LE] = DO_GE };
		op = mirror[op];
	}
	uint8_t lcls = parse_opnd_class(&l);
	struct df_node *n = parse_node(ps, k == DT_CMP ? DN_CMP : k == DT_CONTAINS ? DN_CONTAINS : DN_MATCHES);
	if (!n)
		return parse_nomem(ps);
	n->op = op;
	if ((rc = parse_field_opnd(ps, &l, &n->l)) < 0)
		return rc;
	if (k == DT_CONTAINS || k == DT_MATCHES) {
		if (lcls != DC_BYTES && lcls != DC_STRING) {
			char tn[80];
			snprintf(tn, sizeof tn, "%s", parse_type_name(l.fd->type));
			return parse_fail_at(ps, l.pos, l.len, k == DT_CONTAINS ? "%s (type=%s) cannot participate in contains comparison."
									: "%s (type=%s) cannot participate in matches comparison.", l.fd->name, tn);
		}
		if (r.fd)
			return parse_fail_at(ps, r.pos, r.len, "%s%s", "The right side must be a constant.", "");
	}
	if (k == DT_MATCHES) {
		if (r.t->kind != DT_STRING)
			return parse_fail_at(ps, r.pos, r.len, "%s%s", "A regular expression must be a quoted string.", "");
		if (ps->df->nrx == DF_MAX_REGEX)
			return parse_fail_at(ps, r.pos, r.len, "%s%s", "Too many regular expressions in one filter.", "");
		ps->df->rx[ps->df->nrx++] = n;
		int errcode;
		PCRE2_SIZE erroff;
		pcre2_code *re = pcre2_compile((PCRE2_SPTR)r.t->text, r.t->tlen, 0, &errcode, &erroff, NULL);
		if (!re) {
			char msg[256];
			pcre2_get_error_message(errcode, (PCRE2_UCHAR *)msg, sizeof msg);
			return parse_fail_at(ps, r.pos, r.len, "Regular expression \"%s\" is invalid: %s.", r.t->text, msg);
		}
		n->re = re;
		n->md = pcre2_match_data_create_from_pattern(re, NULL);
		n->mc = pcre2_match_context_create(NULL);
		if (!n->md || !n->mc)
			return parse_nomem(ps);
		pcre2_set_match_limit(n->mc, DF_REGEX_LIMIT);
		*out = n;
		return 0;
	}
	if (r.fd) {
		uint8_t rcls = parse_opnd_class(&r);
		if (lcls == DC_NONE || rcls == DC_NONE)
			return parse_fail_at(ps, lcls == DC_NONE ? l.pos : r.pos, lcls == DC_NONE ? l.len : r.len,
					     "%s is a protocol or label and cannot be compared.%s", lcls == DC_NONE ? l.fd->name : r.fd->name, "");
		if (lcls != rcls || (!l.sl.on && !r.sl.on && l.fd->type != r.fd->type &&
				     (l.fd->type == FT_IPV4 || l.fd->type == FT_IPV6 || l.fd->type == FT_ETHER ||
				      r.fd->type == FT_IPV4 || r.fd->type == FT_IPV6 || r.fd->type == FT_ETHER)))
			return parse_fail_at(ps, l.pos, r.pos + r.len - l.pos, "%s and %s are not of compatible types.", l.fd->name, r.fd->name);
		if ((rc = parse_field_opnd(ps, &r, &n->r)) < 0)
			return rc;
	} else {
		if (lcls == DC_NONE)
			return parse_fail_at(ps, l.pos, l.len, "%s is a protocol or label and cannot be compared.%s", l.fd->name, "");
		if ((rc = parse_const_opnd(ps, &r, &l, k == DT_CONTAINS, &n->r)) < 0)
			return rc;
	}
	*out = n;
	return 0;
}

static int parse_unary(struct parse *ps, struct df_node **out)
{
	const struct df_token *t = parse_peek(ps);
	if (++ps->depth > DF_MAX_DEPTH)
		return parse_fail_at(ps, t->pos, t->len, "%s%s", "Filter nested too deeply.", "");
	int rc;
	if (t->kind == DT_NOT) {
		ps->i++;
		struct df_node *n = parse_node(ps, DN_NOT);
		if (!n)
			return parse_nomem(ps);
		if ((rc = parse_unary(ps, &n->a)) < 0)
			return rc;
		*out = n;
	} else if (t->kind == DT_LPAREN) {
		ps->i++;
		if ((rc = parse_expr(ps, out)) < 0)
			return rc;
		if (parse_peek(ps)->kind != DT_RPAREN)
			return parse_fail_tok(ps, parse_peek(ps));
		ps->i++;
	} else if ((rc = parse_relation(ps, out)) < 0) {
		return rc;
	}
	ps->depth--;
	return 0;
}

static int parse_and(struct parse *ps, struct df_node **out)
{
	int rc = parse_unary(ps, out);
	while (rc == 0 && parse_peek(ps)->kind == DT_AND) {
		ps->i++;
		struct df_node *n = parse_node(ps, DN_AND);
		if (!n)
			return parse_nomem(ps);
		n->a = *out;
		rc = parse_unary(ps, &n->b);
		*out = n;
	}
	return rc;
}

static int parse_expr(struct parse *ps, struct df_node **out)
{
	int rc = parse_and(ps, out);
	while (rc == 0 && parse_peek(ps)->kind == DT_OR) {
		ps->i++;
		struct df_node *n = parse_node(ps, DN_OR);
		if (!n)
			return parse_nomem(ps);
		n->a = *out;
		rc = parse_and(ps, &n->b);
		*out = n;
	}
	return rc;
}

static void parse_release(struct dfilter *df)
{
	for (uint32_t i = 0; i < df->nrx; i++) { /* what PCRE2 owns, then every block */
		if (df->rx[i]->md)
			pcre2_match_data_free(df->rx[i]->md);
		if (df->rx[i]->re)
			pcre2_code_free(df->rx[i]->re);
		if (df->rx[i]->mc)
			pcre2_match_context_free(df->rx[i]->mc);
	}
	for (uint32_t i = 0; i < df->nblocks; i++)
		free(df->blocks[i]);
	free(df->blocks);
	free(df);
}

void dfilter_free(struct dfilter *df)
{
	if (df)
		parse_release(df);
}

int dfilter_compile(struct dfilter **out, const char *text, struct errbuf *e, uint32_t *err_len)
{
	*out = NULL;
	if (err_len)
		*err_len = 1;
	struct dfilter *df = calloc(1, sizeof *df);
	struct df_lex *lx = calloc(1, sizeof *lx);
	if (!df || !lx) {
		free(df);
		free(lx);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	int rc = dfilter_lex(lx, text, e, err_len);
	if (rc == 0) {
		struct parse ps = { .df = df, .lx = lx, .text = text, .e = e, .elen = err_len };
		if (lx->tok[0].kind == DT_END)
			rc = parse_fail_at(&ps, 0, 1, "%s%s", "The filter is empty.", "");
		else
			rc = parse_expr(&ps, &df->root);
		if (rc == 0 && parse_peek(&ps)->kind != DT_END)
			rc = parse_fail_tok(&ps, parse_peek(&ps));
	}
	dfilter_lex_free(lx);
	free(lx);
	if (rc < 0) {
		parse_release(df);
		return rc;
	}
	*out = df;
	return 0;
}

void dfilter_format_error(const char *text, const struct errbuf *e, uint32_t err_len, struct obuf *o)
{
	obuf_puts(o, e->msg);
	obuf_putc(o, '\n');
	if (!e->has_offset)
		return;
	obuf_puts(o, "    ");
	for (const char *p = text; *p; p++)
		obuf_putc(o, *p == '\n' || *p == '\t' ? ' ' : *p);
	obuf_puts(o, "\n    ");
	size_t tl = strlen(text);
	for (uint64_t k = 0; k < e->offset && k < tl; k++)
		obuf_putc(o, ' ');
	obuf_putc(o, '^');
	for (uint32_t k = 1; k < err_len && e->offset + k < tl; k++)
		obuf_putc(o, '~');
	obuf_putc(o, '\n');
}
