/* dfilter_int.h: private to the display-filter lexer, parser and evaluator (src/filter/dfilter_*.c). */
#ifndef SLEUTH_FILTER_DFILTER_INT_H
#define SLEUTH_FILTER_DFILTER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "filter/fields.h"

#define DF_MAX_TEXT 4096   /* longest filter accepted */
#define DF_MAX_TOKENS 512
#define DF_MAX_DEPTH 64    /* parenthesis / not nesting */
#define DF_MAX_OCC 16      /* occurrences of one field looked at per packet */
#define DF_MAX_SET 256     /* elements of one `in {...}` set */
#define DF_MAX_REGEX 64    /* `matches` per filter */
#define DF_REGEX_LIMIT 100000 /* PCRE2 match limit per subject (bounds backtracking) */

enum df_tok {
	DT_END, DT_WORD, DT_STRING, DT_LPAREN, DT_RPAREN, DT_LBRACE, DT_RBRACE, DT_LBRACKET, DT_RBRACKET,
	DT_COMMA, DT_DOTDOT, DT_AND, DT_OR, DT_NOT, DT_CMP, DT_CONTAINS, DT_MATCHES, DT_IN,
};

enum df_op { DO_ANY_EQ, DO_ALL_NE, DO_ALL_EQ, DO_ANY_NE, DO_GT, DO_LT, DO_GE, DO_LE };

struct df_token {
	uint8_t kind;     /* enum df_tok */
	uint8_t op;       /* DT_CMP: enum df_op */
	uint32_t pos, len; /* where in the filter text */
	char *text;       /* DT_WORD: the word; DT_STRING: unescaped contents (owned by the token list) */
	uint32_t tlen;    /* bytes in text (a string may hold NULs) */
};

struct df_lex {
	struct df_token tok[DF_MAX_TOKENS];
	uint32_t n;
};

/* Splits `text` into tokens; fills e (offset, *elen) on a lexical error. */
int dfilter_lex(struct df_lex *lx, const char *text, struct errbuf *e, uint32_t *elen);
void dfilter_lex_free(struct df_lex *lx);

/* Value classes the evaluator compares. */
enum df_cls { DC_NONE, DC_UINT, DC_INT, DC_TIME, DC_BYTES, DC_STRING };

/* One value: a constant from the filter or a field occurrence of the current packet. */
struct df_val {
	uint8_t cls;       /* enum df_cls */
	uint8_t ftype;     /* enum ftype it came from (IPv4/IPv6 matter for prefixes) */
	int16_t prefix;    /* address constant with /bits: compare that many leading bits; -1 all */
	uint64_t u;
	int64_t i;
	const uint8_t *b;  /* DC_BYTES/DC_STRING: a constant's bytes (owned by the program) or the
	                    * packet's (borrowed for the evaluation) */
	uint32_t len;
};

struct df_slice {
	uint8_t on;
	int32_t start;     /* negative: from the end */
	int32_t len;       /* -1: to the end */
};

/* An operand: a field (with an optional slice) or constants. */
struct df_opnd {
	const struct field_def *fd; /* NULL for constants */
	struct df_slice sl;
	struct fval *fv;   /* DF_MAX_OCC scratch values (owned by the program) */
	struct df_val *v;  /* field: DF_MAX_OCC * 2 scratch; constants: nv values (owned) */
	uint32_t nv;
	struct df_val *hi; /* `in` ranges: upper bound per element, NULL when no element is a range */
	uint8_t *is_range; /* per element */
};

enum df_node_kind { DN_AND, DN_OR, DN_NOT, DN_EXISTS, DN_CMP, DN_IN, DN_CONTAINS, DN_MATCHES };

struct df_node {
	uint8_t kind;      /* enum df_node_kind */
	uint8_t op;        /* DN_CMP: enum df_op */
	struct df_node *a, *b;        /* DN_AND/OR: both; DN_NOT: a */
	struct df_opnd l, r;          /* leaves */
	void *re;                     /* DN_MATCHES: pcre2_code (owned) */
	void *md;                     /* DN_MATCHES: pcre2_match_data (owned, preallocated) */
	void *mc;                     /* DN_MATCHES: pcre2_match_context with a match limit (owned) */
};

struct dfilter {
	struct df_node *root;   /* one of the blocks */
	struct df_node *rx[DF_MAX_REGEX]; /* nodes holding PCRE2 objects, released by dfilter_free */
	uint32_t nrx;
	void **blocks;          /* every other allocation of the program, freed together */
	uint32_t nblocks, blocks_cap;
};

/* dfilter_eval.c */
int dfilter_eval_node(const struct df_node *n, struct fctx *c);
uint8_t dfilter_class_of(uint8_t ftype);
int dfilter_val_cmp(const struct df_val *a, const struct df_val *b);

#endif
