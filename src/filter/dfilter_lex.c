/* dfilter_lex.c: tokens of the Wireshark 4.0 display-filter language (operators in symbol and
 * word form, quoted strings with C escapes, unquoted literals and field names). */
#include <stdlib.h>
#include <string.h>

#include "filter/dfilter_int.h"

static int lex_is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '.' || c == ':' || c == '-' || c == '/' || c == '+';
}

static int lex_fail(struct errbuf *e, uint32_t *elen, uint32_t pos, uint32_t len, const char *msg, const char *arg)
{
	if (elen)
		*elen = len ? len : 1;
	return err_set_at(e, ERR_USAGE, pos, msg, arg);
}

static const struct { const char *w; uint8_t kind, op; } lex_words[] = {
	{ "and", DT_AND, 0 }, { "or", DT_OR, 0 }, { "not", DT_NOT, 0 },
	{ "eq", DT_CMP, DO_ANY_EQ }, { "any_eq", DT_CMP, DO_ANY_EQ }, { "ne", DT_CMP, DO_ALL_NE },
	{ "all_ne", DT_CMP, DO_ALL_NE }, { "all_eq", DT_CMP, DO_ALL_EQ }, { "any_ne", DT_CMP, DO_ANY_NE },
	{ "gt", DT_CMP, DO_GT }, { "lt", DT_CMP, DO_LT }, { "ge", DT_CMP, DO_GE }, { "le", DT_CMP, DO_LE },
	{ "contains", DT_CONTAINS, 0 }, { "matches", DT_MATCHES, 0 }, { "in", DT_IN, 0 },
};

static const struct { const char *s; uint8_t kind, op; } lex_syms[] = { /* longest first */
	{ "===", DT_CMP, DO_ALL_EQ }, { "!==", DT_CMP, DO_ANY_NE }, { "==", DT_CMP, DO_ANY_EQ },
	{ "!=", DT_CMP, DO_ALL_NE }, { "~=", DT_CMP, DO_ANY_NE }, { ">=", DT_CMP, DO_GE },
	{ "<=", DT_CMP, DO_LE }, { "&&", DT_AND, 0 }, { "||", DT_OR, 0 },
	{ "..", DT_DOTDOT, 0 }, { ">", DT_CMP, DO_GT }, { "<", DT_CMP, DO_LT }, { "!", DT_NOT, 0 },
	{ "~", DT_MATCHES, 0 }, { "(", DT_LPAREN, 0 }, { ")", DT_RPAREN, 0 }, { "{", DT_LBRACE, 0 },
	{ "}", DT_RBRACE, 0 }, { "[", DT_LBRACKET, 0 }, { "]", DT_RBRACKET, 0 }, { ",", DT_COMMA, 0 },
};

static int lex_hex(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* A "quoted string" starting at text[i]; unescapes into a new buffer. */
static int lex_string(struct df_token *t, const char *text, uint32_t i, uint32_t *end, struct errbuf *e, uint32_t *elen)
{
	uint32_t start = i++;
	size_t n = strlen(text + i);
	char *buf = malloc(n + 1);
	if (!buf)
		return err_set(e, ERR_NOMEM, "out of memory");
	uint32_t o = 0;
	for (;;) {
		char c = text[i];
		if (!c) {
			free(buf);
			return lex_fail(e, elen, start, i - start, "The final quote was missing from a quoted string.", NULL);
		}
		if (c == '"') {
			i++;
			break;
		}
		if (c != '\\') {
			buf[o++] = c;
			i++;
			continue;
		}
		c = text[++i];
		int h1, h2;
		switch (c) {
		case 'n': buf[o++] = '\n'; i++; break;
		case 't': buf[o++] = '\t'; i++; break;
		case 'r': buf[o++] = '\r'; i++; break;
		case 'a': buf[o++] = '\a'; i++; break;
		case 'b': buf[o++] = '\b'; i++; break;
		case 'f': buf[o++] = '\f'; i++; break;
		case 'v': buf[o++] = '\v'; i++; break;
		case 'x':
			if ((h1 = lex_hex(text[i + 1])) < 0) {
				free(buf);
				return lex_fail(e, elen, i - 1, 2, "%s", "\\x has no hex digits in a quoted string.");
			}
			i += 2;
			if ((h2 = lex_hex(text[i])) >= 0) {
				h1 = h1 * 16 + h2;
				i++;
			}
			buf[o++] = (char)h1;
			break;
		default:
			if (c >= '0' && c <= '7') {
				int v = 0, k = 0;
				for (; k < 3 && text[i] >= '0' && text[i] <= '7'; k++, i++)
					v = v * 8 + (text[i] - '0');
				if (v > 255) {
					free(buf);
					return lex_fail(e, elen, i - (uint32_t)k - 1, (uint32_t)k + 1, "%s", "Octal escape is too large.");
				}
				buf[o++] = (char)v;
			} else if (c) {
				buf[o++] = c; /* \\ \" \' and any other character as itself */
				i++;
			}
			break;
		}
	}
	buf[o] = 0;
	t->kind = DT_STRING;
	t->text = buf;
	t->tlen = o;
	t->pos = start;
	t->len = i - start;
	*end = i;
	return 0;
}

int dfilter_lex(struct df_lex *lx, const char *text, struct errbuf *e, uint32_t *elen)
{
	lx->n = 0;
	size_t tl = strlen(text);
	if (tl > DF_MAX_TEXT)
		return lex_fail(e, elen, 0, 1, "filter longer than %s bytes", "4096");
	uint32_t i = 0;
	while (text[i]) {
		char c = text[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			i++;
			continue;
		}
		if (lx->n + 1 >= DF_MAX_TOKENS)
			return lex_fail(e, elen, i, 1, "%s", "filter has too many tokens");
		struct df_token *t = &lx->tok[lx->n];
		memset(t, 0, sizeof *t);
		t->pos = i;
		if (c == '"') {
			int rc = lex_string(t, text, i, &i, e, elen);
			if (rc < 0)
				return rc;
			lx->n++;
			continue;
		}
		/* a word, stopping before ".." (a range inside a set) */
		if (lex_is_word_char(c) && !(c == '.' && text[i + 1] == '.')) {
			uint32_t j = i;
			while (lex_is_word_char(text[j]) && !(text[j] == '.' && text[j + 1] == '.'))
				j++;
			t->len = j - i;
			t->kind = DT_WORD;
			for (size_t k = 0; k < sizeof lex_words / sizeof lex_words[0]; k++)
				if (strlen(lex_words[k].w) == t->len && !strncmp(lex_words[k].w, text + i, t->len)) {
					t->kind = lex_words[k].kind;
					t->op = lex_words[k].op;
				}
			if (t->kind == DT_WORD) {
				t->text = malloc(t->len + 1);
				if (!t->text)
					return err_set(e, ERR_NOMEM, "out of memory");
				memcpy(t->text, text + i, t->len);
				t->text[t->len] = 0;
				t->tlen = t->len;
			}
			lx->n++;
			i = j;
			continue;
		}
		size_t k = 0;
		for (; k < sizeof lex_syms / sizeof lex_syms[0]; k++) {
			size_t sl = strlen(lex_syms[k].s);
			if (!strncmp(text + i, lex_syms[k].s, sl)) {
				t->kind = lex_syms[k].kind;
				t->op = lex_syms[k].op;
				t->len = (uint32_t)sl;
				break;
			}
		}
		if (k == sizeof lex_syms / sizeof lex_syms[0]) {
			char what[2] = { c, 0 };
			return lex_fail(e, elen, i, 1, "\"%s\" was unexpected in this context.", what);
		}
		lx->n++;
		i += t->len;
	}
	memset(&lx->tok[lx->n], 0, sizeof lx->tok[0]);
	lx->tok[lx->n].kind = DT_END;
	lx->tok[lx->n].pos = i;
	return 0;
}

void dfilter_lex_free(struct df_lex *lx)
{
	for (uint32_t i = 0; i < lx->n; i++) {
		free(lx->tok[i].text);
		lx->tok[i].text = NULL;
	}
	lx->n = 0;
}
