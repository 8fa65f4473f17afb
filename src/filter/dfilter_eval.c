/* dfilter_eval.c: evaluating a compiled display filter against one packet, with Wireshark 4.0
 * semantics for fields with several occurrences (== any equal, != all not equal, === all
 * equal, !== / ~= any not equal; an absent field makes every relation false). No allocation:
 * field values go to scratch arrays made at compile time. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <string.h>

#include "filter/dfilter.h"
#include "filter/dfilter_int.h"

uint8_t dfilter_class_of(uint8_t ftype)
{
	switch (ftype) {
	case FT_UINT: case FT_HEX: case FT_BOOL: case FT_PORTS: return DC_UINT;
	case FT_INT: return DC_INT;
	case FT_ABS_TIME: case FT_REL_TIME: case FT_EPOCH: return DC_TIME;
	case FT_IPV4: case FT_IPV6: case FT_ETHER: case FT_BYTES: return DC_BYTES;
	case FT_STRING: return DC_STRING;
	default: return DC_NONE;
	}
}

static int eval_bytes_cmp(const struct df_val *a, const struct df_val *b)
{
	int16_t pre = a->prefix >= 0 ? a->prefix : b->prefix;
	if (pre >= 0 && (a->ftype == FT_IPV4 || a->ftype == FT_IPV6) && a->len == b->len) {
		uint32_t full = (uint32_t)pre / 8, rest = (uint32_t)pre % 8;
		int c = memcmp(a->b, b->b, full);
		if (c || !rest)
			return c < 0 ? -1 : c > 0;
		uint8_t m = (uint8_t)(0xff << (8 - rest));
		uint8_t x = a->b[full] & m, y = b->b[full] & m;
		return x < y ? -1 : x > y;
	}
	uint32_t n = a->len < b->len ? a->len : b->len;
	int c = n ? memcmp(a->b, b->b, n) : 0;
	if (c)
		return c < 0 ? -1 : 1;
	return a->len < b->len ? -1 : a->len > b->len;
}

int dfilter_val_cmp(const struct df_val *a, const struct df_val *b)
{
	switch (a->cls) {
	case DC_UINT: return a->u < b->u ? -1 : a->u > b->u;
	case DC_INT: case DC_TIME: return a->i < b->i ? -1 : a->i > b->i;
	case DC_BYTES: case DC_STRING: return eval_bytes_cmp(a, b);
	default: return 0;
	}
}

/* The bytes behind a value, for slicing. */
static int eval_bytes_of(const struct fval *fv, uint8_t ft, const uint8_t **p, uint32_t *n)
{
	switch (ft) {
	case FT_ETHER: *p = fv->b; *n = 6; break;
	case FT_IPV4: *p = fv->b; *n = 4; break;
	case FT_IPV6: *p = fv->b; *n = 16; break;
	case FT_BYTES: *p = fv->b; *n = fv->blen; break;
	case FT_STRING: { struct slice t = fval_text(fv); *p = t.p ? t.p : (const uint8_t *)""; *n = t.len; break; }
	default: return 0;
	}
	return *p != NULL;
}

/* Fills op->v with the field's occurrences in this packet; returns their count. */
static uint32_t eval_field(const struct df_opnd *op, struct fctx *c)
{
	const struct field_def *fd = op->fd;
	uint32_t nv = 0;
	int max = fd->multi ? DF_MAX_OCC : 1;
	for (int k = 0; k < max; k++) {
		struct fval *fv = &op->fv[k];
		memset(fv, 0, sizeof *fv);
		fv->type = fd->type;
		fv->width = fd->width;
		if (!field_get(fd, c, fv, k))
			break;
		struct df_val *v = &op->v[nv];
		memset(v, 0, sizeof *v);
		v->ftype = fd->type;
		v->prefix = -1;
		v->cls = dfilter_class_of(fd->type);
		if (op->sl.on) {
			const uint8_t *p;
			uint32_t n;
			if (!eval_bytes_of(fv, fd->type, &p, &n))
				continue;
			int64_t start = op->sl.start < 0 ? (int64_t)n + op->sl.start : op->sl.start;
			int64_t len = op->sl.len < 0 ? (int64_t)n - start : op->sl.len;
			if (start < 0 || len < 0 || start + len > (int64_t)n)
				continue; /* out of range: no value */
			v->cls = DC_BYTES;
			v->ftype = FT_BYTES;
			v->b = p + start;
			v->len = (uint32_t)len;
			nv++;
			continue;
		}
		switch (fd->type) {
		case FT_UINT: case FT_HEX: case FT_BOOL: v->u = fv->u; break;
		case FT_PORTS:
			v->u = fv->u;
			v[1] = v[0];
			v[1].u = fv->u2;
			nv++;
			break;
		case FT_INT: case FT_ABS_TIME: case FT_REL_TIME: case FT_EPOCH: v->i = fv->i; break;
		case FT_IPV4: case FT_IPV6: case FT_ETHER: case FT_BYTES: {
			const uint8_t *p;
			uint32_t n;
			if (!eval_bytes_of(fv, fd->type, &p, &n))
				continue;
			v->b = p;
			v->len = n;
			break;
		}
		case FT_STRING:
			{
				struct slice t = fval_text(fv);
				v->b = t.p ? t.p : (const uint8_t *)"";
				v->len = t.len;
			}
			break;
		default: break;
		}
		nv++;
	}
	return nv;
}

static int eval_op(uint8_t op, int c)
{
	switch (op) {
	case DO_ANY_EQ: case DO_ALL_EQ: return c == 0;
	case DO_ALL_NE: case DO_ANY_NE: return c != 0;
	case DO_GT: return c > 0;
	case DO_LT: return c < 0;
	case DO_GE: return c >= 0;
	default: return c <= 0;
	}
}

static int eval_cmp(const struct df_node *n, struct fctx *c)
{
	uint32_t na = eval_field(&n->l, c);
	if (!na)
		return 0;
	const struct df_val *b = n->r.v;
	uint32_t nb = n->r.nv;
	if (n->r.fd) {
		nb = eval_field(&n->r, c);
		if (!nb)
			return 0;
	}
	int all = n->op == DO_ALL_NE || n->op == DO_ALL_EQ;
	for (uint32_t i = 0; i < na; i++)
		for (uint32_t j = 0; j < nb; j++) {
			int r = eval_op(n->op, dfilter_val_cmp(&n->l.v[i], &b[j]));
			if (all && !r)
				return 0;
			if (!all && r)
				return 1;
		}
	return all;
}

static int eval_in(const struct df_node *n, struct fctx *c)
{
	uint32_t na = eval_field(&n->l, c);
	for (uint32_t i = 0; i < na; i++)
		for (uint32_t j = 0; j < n->r.nv; j++) {
			const struct df_val *a = &n->l.v[i];
			int lo = dfilter_val_cmp(a, &n->r.v[j]);
			if (!n->r.is_range[j] ? lo == 0 : lo >= 0 && dfilter_val_cmp(a, &n->r.hi[j]) <= 0)
				return 1;
		}
	return 0;
}

static int eval_contains(const struct df_node *n, struct fctx *c)
{
	uint32_t na = eval_field(&n->l, c);
	const struct df_val *b = n->r.v;
	for (uint32_t i = 0; i < na; i++) {
		const struct df_val *a = &n->l.v[i];
		if (b->len == 0)
			return 1;
		if (a->len >= b->len && memmem(a->b, a->len, b->b, b->len))
			return 1;
	}
	return 0;
}

static int eval_matches(const struct df_node *n, struct fctx *c)
{
	uint32_t na = eval_field(&n->l, c);
	for (uint32_t i = 0; i < na; i++) {
		const struct df_val *a = &n->l.v[i];
		int rc = pcre2_match(n->re, (PCRE2_SPTR)(a->b ? a->b : (const uint8_t *)""), a->len, 0, 0, n->md, n->mc);
		if (rc >= 0)
			return 1; /* no match, or the match limit reached (PCRE2_ERROR_MATCHLIMIT): false */
	}
	return 0;
}

/* Recursion depth is bounded by the parser (DF_MAX_DEPTH per not/parenthesis, and/or chains
 * are left-deep and short in practice: each level is one token pair of the filter). */
int dfilter_eval_node(const struct df_node *n, struct fctx *c)
{
	switch (n->kind) {
	case DN_AND: return dfilter_eval_node(n->a, c) && dfilter_eval_node(n->b, c);
	case DN_OR: return dfilter_eval_node(n->a, c) || dfilter_eval_node(n->b, c);
	case DN_NOT: return !dfilter_eval_node(n->a, c);
	case DN_EXISTS: return eval_field(&n->l, c) > 0;
	case DN_CMP: return eval_cmp(n, c);
	case DN_IN: return eval_in(n, c);
	case DN_CONTAINS: return eval_contains(n, c);
	case DN_MATCHES: return eval_matches(n, c);
	default: return 0;
	}
}

int dfilter_match(const struct dfilter *df, struct fctx *c)
{
	return df && df->root ? dfilter_eval_node(df->root, c) : 1;
}
