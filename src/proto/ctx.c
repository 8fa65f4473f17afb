/* ctx.c: what dissectors call to report — the packet list's columns, per-packet filter fields,
 * records (events), credentials, names and file objects (hashed with OpenSSL's SHA-256, typed
 * from their first bytes). Every writer is bounded: past a cap values are dropped and counted. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/obuf.h"
#include "proto/proto.h"

void proto_col_proto(struct proto_ctx *ctx, const char *name)
{
	struct proto_pkt *o = ctx->out;
	if (!o)
		return;
	o->proto = (uint8_t)(ctx->proto_idx + 1);
	o->shown = 1;
	o->present[ctx->proto_idx / 32] |= 1u << (ctx->proto_idx % 32);
	if (!name) {
		o->col[0] = 0;
		return;
	}
	size_t n = strlen(name);
	if (n >= sizeof o->col)
		n = sizeof o->col - 1;
	memcpy(o->col, name, n);
	o->col[n] = 0;
}

void proto_mark(struct proto_ctx *ctx, uint8_t idx)
{
	if (ctx->out)
		ctx->out->present[idx / 32] |= 1u << (idx % 32);
}

void proto_info_clear(struct proto_ctx *ctx)
{
	if (!ctx->out)
		return;
	ctx->out->info_len = 0;
	ctx->out->info[0] = 0;
	ctx->out->info_set = 1;
}

void proto_info_append_bytes(struct proto_ctx *ctx, struct slice s)
{
	struct proto_pkt *o = ctx->out;
	if (!o)
		return;
	o->info_set = 1;
	size_t room = sizeof o->info - 1 - o->info_len;
	size_t n = s.len < room ? s.len : room;
	if (n)
		memcpy(o->info + o->info_len, s.p, n);
	o->info_len = (uint16_t)(o->info_len + n);
	o->info[o->info_len] = 0;
}

void proto_info_append(struct proto_ctx *ctx, const char *s)
{
	proto_info_append_bytes(ctx, proto_slice_cstr(s));
}

void proto_info_printf(struct proto_ctx *ctx, const char *fmt, ...)
{
	struct proto_pkt *o = ctx->out;
	if (!o)
		return;
	o->info_set = 1;
	size_t room = sizeof o->info - o->info_len;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->info + o->info_len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= room)
		n = (int)room - 1;
	o->info_len = (uint16_t)(o->info_len + n);
}

static struct proto_fv *proto_fv_add(struct proto_ctx *ctx, uint8_t fid, uint8_t type)
{
	struct proto_pkt *o = ctx->out;
	if (!o)
		return NULL;
	if (o->nfv >= PROTO_FV_MAX) {
		o->dropped++;
		return NULL;
	}
	struct proto_fv *f = &o->fv[o->nfv++];
	f->key = (uint16_t)((ctx->proto_idx + 1u) << 8 | fid);
	f->type = type;
	f->len = 0;
	f->v.u = 0;
	return f;
}

void proto_field_u(struct proto_ctx *ctx, uint8_t fid, uint64_t v)
{
	struct proto_fv *f = proto_fv_add(ctx, fid, PF_UINT);
	if (f)
		f->v.u = v;
}

void proto_field_i(struct proto_ctx *ctx, uint8_t fid, int64_t v)
{
	struct proto_fv *f = proto_fv_add(ctx, fid, PF_INT);
	if (f)
		f->v.i = v;
}

void proto_field_s(struct proto_ctx *ctx, uint8_t fid, struct slice s)
{
	struct proto_fv *f = proto_fv_add(ctx, fid, PF_STR);
	if (f) {
		f->v.p = s.p;
		f->len = s.len;
	}
}

void proto_field_none(struct proto_ctx *ctx, uint8_t fid)
{
	(void)proto_fv_add(ctx, fid, PF_NONE);
}

int proto_records_on(const struct proto_ctx *ctx)
{
	return ctx->env && ctx->env->emit;
}

void proto_rec_init(struct proto_rec *r, const char *kind)
{
	r->kind = kind;
	r->n = 0;
	r->full = 0;
}

static struct proto_kv *proto_rec_add(struct proto_rec *r, const char *name, uint8_t type)
{
	if (r->n >= PROTO_REC_MAX) {
		r->full = 1;
		return NULL;
	}
	struct proto_kv *kv = &r->kv[r->n++];
	kv->name = name;
	kv->type = type;
	kv->array = 0;
	kv->len = 0;
	kv->v.u = 0;
	return kv;
}

void proto_rec_str(struct proto_rec *r, const char *name, struct slice s)
{
	struct proto_kv *kv = proto_rec_add(r, name, PV_STR);
	if (kv) {
		kv->v.p = s.p;
		kv->len = s.len;
	}
}

void proto_rec_cstr(struct proto_rec *r, const char *name, const char *s)
{
	proto_rec_str(r, name, proto_slice_cstr(s));
}

void proto_rec_u(struct proto_rec *r, const char *name, uint64_t v)
{
	struct proto_kv *kv = proto_rec_add(r, name, PV_UINT);
	if (kv)
		kv->v.u = v;
}

void proto_rec_i(struct proto_rec *r, const char *name, int64_t v)
{
	struct proto_kv *kv = proto_rec_add(r, name, PV_INT);
	if (kv)
		kv->v.i = v;
}

void proto_rec_bool(struct proto_rec *r, const char *name, int v)
{
	struct proto_kv *kv = proto_rec_add(r, name, PV_BOOL);
	if (kv)
		kv->v.u = v != 0;
}

void proto_rec_dur(struct proto_rec *r, const char *name, int64_t ns)
{
	struct proto_kv *kv = proto_rec_add(r, name, PV_DUR);
	if (kv)
		kv->v.i = ns;
}

void proto_rec_time(struct proto_rec *r, const char *name, int64_t ns)
{
	struct proto_kv *kv = proto_rec_add(r, name, PV_TIME);
	if (kv)
		kv->v.i = ns;
}

void proto_rec_addr(struct proto_rec *r, const char *name, const uint8_t *a, uint8_t alen)
{
	if (alen != 4 && alen != 16)
		return;
	struct proto_kv *kv = proto_rec_add(r, name, PV_ADDR);
	if (kv) {
		kv->v.p = a;
		kv->len = alen;
	}
}

void proto_rec_hex(struct proto_rec *r, const char *name, struct slice s)
{
	struct proto_kv *kv = proto_rec_add(r, name, PV_HEXSTR);
	if (kv) {
		kv->v.p = s.p;
		kv->len = s.len;
	}
}

void proto_rec_push_str(struct proto_rec *r, const char *name, struct slice s)
{
	struct proto_kv *kv = proto_rec_add(r, name, PV_STR);
	if (kv) {
		kv->array = 1;
		kv->v.p = s.p;
		kv->len = s.len;
	}
}

void proto_rec_push_u(struct proto_rec *r, const char *name, uint64_t v)
{
	struct proto_kv *kv = proto_rec_add(r, name, PV_UINT);
	if (kv) {
		kv->array = 1;
		kv->v.u = v;
	}
}

void proto_emit(struct proto_ctx *ctx, const struct proto_rec *r)
{
	if (ctx->env && ctx->env->emit)
		ctx->env->emit(ctx->env->arg, r);
}

void proto_emit_cred(struct proto_ctx *ctx, const char *protocol, struct slice user, struct slice secret,
		     const char *kind)
{
	if (!proto_records_on(ctx))
		return;
	struct proto_rec r;
	proto_rec_init(&r, "creds");
	proto_rec_cstr(&r, "protocol", protocol);
	proto_rec_str(&r, "user", user);
	proto_rec_str(&r, "secret", secret);
	proto_rec_cstr(&r, "kind", kind);
	proto_rec_u(&r, "frame", ctx->frame);
	proto_emit(ctx, &r);
}

void proto_emit_name(struct proto_ctx *ctx, const uint8_t *addr, uint8_t alen, struct slice name,
		     const char *source)
{
	if (!proto_records_on(ctx) || !name.len)
		return;
	struct proto_rec r;
	proto_rec_init(&r, "names");
	proto_rec_addr(&r, "address", addr, alen);
	proto_rec_str(&r, "name", name);
	proto_rec_cstr(&r, "source", source);
	proto_rec_u(&r, "frame", ctx->frame);
	proto_emit(ctx, &r);
}

static void proto_copy_cstr(char *dst, size_t cap, struct slice s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;
	for (size_t i = 0; i < n; i++)
		dst[i] = s.p[i] ? (char)s.p[i] : '?';
	dst[n] = 0;
}

/* SHA-256 fetched from the provider once: an implicit fetch per object takes a lock and a lookup.
 * Immutable after the first call; released by OpenSSL at exit. */
static EVP_MD *proto_sha256_fetched;
static pthread_once_t proto_sha256_once = PTHREAD_ONCE_INIT;

static void proto_sha256_fetch(void) { proto_sha256_fetched = EVP_MD_fetch(NULL, "SHA256", NULL); }

static const EVP_MD *proto_sha256_md(void)
{
	pthread_once(&proto_sha256_once, proto_sha256_fetch); /* log -j: several threads hash */
	return proto_sha256_fetched ? proto_sha256_fetched : EVP_sha256();
}

int proto_sha256(const void *p, size_t n, uint8_t out[32])
{
	unsigned int len = 0;
	return EVP_Digest(p, n, out, &len, proto_sha256_md(), NULL) == 1 && len == 32 ? 0 : -1;
}

void proto_obj_begin(struct proto_ctx *ctx, struct proto_obj *o, const char *source, struct slice name,
		     struct slice mime_decl)
{
	proto_obj_free(o);
	memset(o, 0, sizeof *o);
	if (!proto_records_on(ctx))
		return;
	o->open = 1;
	o->is_orig = ctx->is_orig;
	o->first_frame = ctx->frame;
	proto_copy_cstr(o->source, sizeof o->source, proto_slice_cstr(source));
	proto_copy_cstr(o->name, sizeof o->name, name);
	proto_copy_cstr(o->mime_decl, sizeof o->mime_decl, mime_decl);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (md && EVP_DigestInit_ex(md, proto_sha256_md(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		md = NULL;
	}
	o->md = md;
	if (ctx->env->obj)
		ctx->env->obj(ctx->env->arg, o, 0, name);
}

void proto_obj_data(struct proto_ctx *ctx, struct proto_obj *o, struct slice data)
{
	if (!o->open || !data.len)
		return;
	if (o->hlen < sizeof o->head) {
		size_t n = sizeof o->head - o->hlen;
		if (n > data.len)
			n = data.len;
		memcpy(o->head + o->hlen, data.p, n);
		o->hlen = (uint8_t)(o->hlen + n);
	}
	o->size += data.len;
	if (o->md)
		EVP_DigestUpdate(o->md, data.p, data.len);
	if (ctx->env && ctx->env->obj)
		ctx->env->obj(ctx->env->arg, o, 1, data);
}

void proto_obj_end(struct proto_ctx *ctx, struct proto_obj *o)
{
	if (!o->open)
		return;
	uint8_t dig[32];
	unsigned dl = 0;
	int have = o->md && EVP_DigestFinal_ex(o->md, dig, &dl) == 1 && dl == 32;
	if (ctx->env && ctx->env->obj)
		ctx->env->obj(ctx->env->arg, o, 2, (struct slice){ NULL, 0 });
	struct proto_rec r;
	proto_rec_init(&r, "files");
	proto_rec_cstr(&r, "source", o->source);
	if (o->name[0])
		proto_rec_cstr(&r, "filename", o->name);
	proto_rec_cstr(&r, "mime_type", proto_mime_sniff(o->head, o->hlen));
	if (o->mime_decl[0])
		proto_rec_cstr(&r, "declared_mime_type", o->mime_decl);
	proto_rec_u(&r, "seen_bytes", o->size);
	proto_rec_bool(&r, "is_orig", o->is_orig);
	proto_rec_bool(&r, "complete", !o->missing);
	if (have)
		proto_rec_hex(&r, "sha256", (struct slice){ dig, 32 });
	proto_rec_u(&r, "frame", o->first_frame);
	if (o->id)
		proto_rec_u(&r, "extracted_id", o->id);
	proto_emit(ctx, &r);
	proto_obj_free(o);
}

void proto_obj_free(struct proto_obj *o)
{
	if (o->md)
		EVP_MD_CTX_free(o->md);
	o->md = NULL;
	o->open = 0;
}

struct slice proto_slice_cstr(const char *s)
{
	struct slice r = { (const uint8_t *)s, s ? (uint32_t)strlen(s) : 0 };
	return r;
}

int proto_ascii_ieq(const uint8_t *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t x = a[i], y = (uint8_t)b[i];
		if (x >= 'A' && x <= 'Z')
			x = (uint8_t)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (uint8_t)(y + 32);
		if (x != y)
			return 0;
	}
	return 1;
}

static int mime_starts(const uint8_t *p, size_t n, const char *m, size_t ml)
{
	return n >= ml && memcmp(p, m, ml) == 0;
}

const char *proto_mime_sniff(const uint8_t *p, size_t n)
{
	static const struct {
		const char *magic;
		uint8_t len;
		uint8_t off;
		const char *mime;
	} magic[] = {
		{ "%PDF-", 5, 0, "application/pdf" },
		{ "\x89PNG\r\n\x1a\n", 8, 0, "image/png" },
		{ "\xff\xd8\xff", 3, 0, "image/jpeg" },
		{ "GIF87a", 6, 0, "image/gif" },
		{ "GIF89a", 6, 0, "image/gif" },
		{ "PK\x03\x04", 4, 0, "application/zip" },
		{ "\x1f\x8b", 2, 0, "application/gzip" },
		{ "MZ", 2, 0, "application/x-dosexec" },
		{ "\x7f" "ELF", 4, 0, "application/x-executable" },
		{ "BZh", 3, 0, "application/x-bzip2" },
		{ "\xfd" "7zXZ\x00", 6, 0, "application/x-xz" },
		{ "7z\xbc\xaf\x27\x1c", 6, 0, "application/x-7z-compressed" },
		{ "Rar!\x1a\x07", 6, 0, "application/x-rar" },
		{ "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8, 0, "application/x-ole-storage" },
		{ "RIFF", 4, 0, "application/x-riff" },
		{ "OggS", 4, 0, "audio/ogg" },
		{ "ID3", 3, 0, "audio/mpeg" },
		{ "wOFF", 4, 0, "font/woff" },
		{ "wOF2", 4, 0, "font/woff2" },
		{ "\x00\x00\x01\x00", 4, 0, "image/vnd.microsoft.icon" },
		{ "BM", 2, 0, "image/bmp" },
		{ "ftyp", 4, 4, "video/mp4" },
		{ "\x30\x82", 2, 0, "application/x-x509-ca-cert" },
		{ "-----BEGIN", 10, 0, "application/x-pem-file" },
		{ "{\\rtf", 5, 0, "text/rtf" },
		{ "#!", 2, 0, "text/x-shellscript" },
	};
	for (size_t i = 0; i < sizeof magic / sizeof magic[0]; i++)
		if (n >= magic[i].off && mime_starts(p + magic[i].off, n - magic[i].off, magic[i].magic, magic[i].len))
			return magic[i].mime;
	if (!n)
		return "application/x-empty";
	size_t k = 0;
	while (k < n && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r' || p[k] == '\n'))
		k++;
	if (k < n && p[k] == '<') {
		if (n - k >= 5 && (proto_ascii_ieq(p + k, "<?xml", 5)))
			return "application/xml";
		if (n - k >= 9 && (proto_ascii_ieq(p + k, "<!doctype", 9)))
			return "text/html";
		if (n - k >= 5 && (proto_ascii_ieq(p + k, "<html", 5) || proto_ascii_ieq(p + k, "<head", 5)))
			return "text/html";
		if (n - k >= 4 && proto_ascii_ieq(p + k, "<svg", 4))
			return "image/svg+xml";
	}
	if (k < n && (p[k] == '{' || p[k] == '['))
		return "application/json";
	size_t text = 0;
	for (size_t i = 0; i < n; i++)
		if ((p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\t' || p[i] == '\r' || p[i] == '\n' || p[i] >= 0x80)
			text++;
	return text == n ? "text/plain" : "application/octet-stream";
}

/* ---- The packet detail tree --------------------------------------------------------------- */

int proto_tree_on(const struct proto_ctx *ctx)
{
	return ctx->out && ctx->out->tree;
}

void proto_tree_reset(struct proto_tree *t)
{
	t->n = 0;
	t->used = 0;
	t->dropped = 0;
	t->open = 0;
}

static struct proto_tree *proto_tree_new_item(struct proto_ctx *ctx, uint8_t depth, uint16_t name_len)
{
	if (!proto_tree_on(ctx))
		return NULL;
	struct proto_tree *t = ctx->out->tree;
	t->open = 0;
	if (t->n >= PROTO_TREE_ITEMS || t->used + PROTO_TREE_LABEL > PROTO_TREE_TEXT) {
		t->dropped++;
		return NULL;
	}
	struct proto_titem *it = &t->item[t->n++];
	it->off = t->used;
	it->len = 0;
	it->name_len = name_len;
	it->depth = depth;
	it->gen = 0;
	it->init_len = 0;
	it->proto = (uint8_t)(ctx->proto_idx + 1);
	t->open = 1;
	return t;
}

/* The last item, when it may still grow; its free room through *room. */
static char *proto_tree_tail(struct proto_ctx *ctx, size_t *room)
{
	if (!proto_tree_on(ctx) || !ctx->out->tree->open)
		return NULL;
	struct proto_tree *t = ctx->out->tree;
	struct proto_titem *it = &t->item[t->n - 1];
	*room = PROTO_TREE_LABEL - it->len;
	return t->text + it->off + it->len;
}

static void proto_tree_grew(struct proto_ctx *ctx, size_t n)
{
	struct proto_tree *t = ctx->out->tree;
	t->item[t->n - 1].len = (uint16_t)(t->item[t->n - 1].len + n);
	t->used += (uint32_t)n;
}

static void proto_tree_vcat(struct proto_ctx *ctx, const char *fmt, va_list ap)
{
	size_t room;
	char *p = proto_tree_tail(ctx, &room);
	if (!p || !room)
		return;
	char tmp[PROTO_TREE_LABEL + 1];
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	if (n <= 0)
		return;
	size_t k = (size_t)n < room ? (size_t)n : room;
	memcpy(p, tmp, k);
	proto_tree_grew(ctx, k);
}

void proto_tree_cat(struct proto_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	proto_tree_vcat(ctx, fmt, ap);
	va_end(ap);
}

/* A new item: "name: " (when name is set) and the formatted text; `gen`: a generated item. */
static void proto_tree_vitem(struct proto_ctx *ctx, uint8_t depth, uint8_t gen, const char *name, const char *fmt,
			     va_list ap)
{
	size_t nl = name ? strlen(name) : 0;
	if (!proto_tree_new_item(ctx, depth, (uint16_t)(nl < PROTO_TREE_LABEL ? nl : 0)))
		return;
	ctx->out->tree->item[ctx->out->tree->n - 1].gen = gen;
	if (name)
		proto_tree_cat(ctx, "%s: ", name);
	proto_tree_vcat(ctx, fmt, ap);
}

void proto_tree_text(struct proto_ctx *ctx, uint8_t depth, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	proto_tree_vitem(ctx, depth, 0, NULL, fmt, ap);
	va_end(ap);
}

void proto_tree_field(struct proto_ctx *ctx, uint8_t depth, const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	proto_tree_vitem(ctx, depth, 0, name, fmt, ap);
	va_end(ap);
}

void proto_tree_gtext(struct proto_ctx *ctx, uint8_t depth, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	proto_tree_vitem(ctx, depth, 1, NULL, fmt, ap);
	va_end(ap);
}

void proto_tree_gfield(struct proto_ctx *ctx, uint8_t depth, const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	proto_tree_vitem(ctx, depth, 1, name, fmt, ap);
	va_end(ap);
}

/* Escapes one character (code point `cp`, `len` bytes at p) as Wireshark's format_text. */
static size_t proto_tree_esc(char *out, uint32_t cp, const uint8_t *p, size_t len)
{
	static const char named[] = "abtnvfr";
	if (cp >= 0x07 && cp <= 0x0d) {
		out[0] = '\\';
		out[1] = named[cp - 0x07];
		return 2;
	}
	if (cp < 0x20 || cp == 0x7f) {
		out[0] = '\\';
		out[1] = (char)('0' + (cp >> 6));
		out[2] = (char)('0' + ((cp >> 3) & 7));
		out[3] = (char)('0' + (cp & 7));
		return 4;
	}
	if (cp >= 0x80 && cp < 0xa0)
		return (size_t)snprintf(out, 8, "\\u%04x", (unsigned)cp);
	memcpy(out, p, len);
	return len;
}

size_t proto_tree_escape(char *out, size_t cap, struct slice s, uint8_t enc)
{
	static const uint8_t repl[3] = { 0xef, 0xbf, 0xbd };
	size_t w = 0;
	if (!cap)
		return 0;
	for (uint32_t i = 0; i < s.len && w + 1 < cap;) {
		uint8_t c = s.p[i];
		char e[8];
		size_t el, step = 1;
		if (c < 0x80) {
			el = proto_tree_esc(e, c, s.p + i, 1);
		} else if (enc == PROTO_TENC_UTF8 && c == 0xc2 && i + 1 < s.len && s.p[i + 1] >= 0x80 && s.p[i + 1] < 0xa0) {
			el = proto_tree_esc(e, s.p[i + 1], NULL, 0);
			step = 2;
		} else if (enc == PROTO_TENC_UTF8 && (step = obuf_utf8_len(s.p + i, s.len - i)) != 0) {
			el = proto_tree_esc(e, 0xa0, s.p + i, step);
		} else {
			el = proto_tree_esc(e, 0xa0, repl, 3);
			step = 1;
		}
		size_t k = el < cap - 1 - w ? el : cap - 1 - w;
		memcpy(out + w, e, k);
		w += k;
		i += (uint32_t)step;
	}
	out[w] = 0;
	return w;
}

void proto_tree_cat_str(struct proto_ctx *ctx, struct slice s, uint8_t enc)
{
	size_t room;
	char *p = proto_tree_tail(ctx, &room);
	if (!p)
		return;
	char tmp[PROTO_TREE_LABEL + 1];
	size_t n = proto_tree_escape(tmp, room + 1 < sizeof tmp ? room + 1 : sizeof tmp, s, enc);
	memcpy(p, tmp, n);
	proto_tree_grew(ctx, n);
}

void proto_tree_expert(struct proto_ctx *ctx, uint8_t depth, const char *sev, const char *group, const char *msg)
{
	proto_tree_gtext(ctx, depth, "Expert Info (%s/%s): %s", sev, group, msg);
	/* the message item holds what fit Wireshark's label buffer: cut, not marked */
	size_t n = strlen(msg);
	if (n > 239) {
		n = 239;
		while (n && ((uint8_t)msg[n] & 0xc0) == 0x80)
			n--;
	}
	proto_tree_gtext(ctx, (uint8_t)(depth + 1), "%.*s", (int)n, msg);
	proto_tree_gfield(ctx, (uint8_t)(depth + 1), "Severity level", "%s", sev);
	proto_tree_gfield(ctx, (uint8_t)(depth + 1), "Group", "%s", group);
}

/* The label of the last item is complete: what follows is appended text. */
static void proto_tree_seal(struct proto_ctx *ctx)
{
	if (!proto_tree_on(ctx) || !ctx->out->tree->open)
		return;
	struct proto_titem *it = &ctx->out->tree->item[ctx->out->tree->n - 1];
	if (!it->init_len)
		it->init_len = it->len ? it->len : 1;
}

void proto_tree_append(struct proto_ctx *ctx, const char *fmt, ...)
{
	proto_tree_seal(ctx);
	va_list ap;
	va_start(ap, fmt);
	proto_tree_vcat(ctx, fmt, ap);
	va_end(ap);
}

void proto_tree_append_str(struct proto_ctx *ctx, struct slice s, uint8_t enc)
{
	proto_tree_seal(ctx);
	proto_tree_cat_str(ctx, s, enc);
}

void proto_tree_field_str(struct proto_ctx *ctx, uint8_t depth, const char *name, struct slice s, uint8_t enc)
{
	proto_tree_field(ctx, depth, name, "%s", "");
	proto_tree_cat_str(ctx, s, enc);
}

void proto_tree_bits(struct proto_ctx *ctx, uint8_t depth, uint64_t value, uint8_t nbits, uint64_t mask, const char *fmt,
		     ...)
{
	if (!proto_tree_new_item(ctx, depth, 0))
		return;
	char pat[64 + 16 + 4];
	size_t k = 0;
	for (int i = nbits - 1; i >= 0 && k + 2 < sizeof pat; i--) {
		uint64_t bit = (uint64_t)1 << i;
		pat[k++] = (mask & bit) ? ((value & bit) ? '1' : '0') : '.';
		if (i && i % 4 == 0)
			pat[k++] = ' ';
	}
	pat[k] = 0;
	proto_tree_cat(ctx, "%s = ", pat);
	va_list ap;
	va_start(ap, fmt);
	proto_tree_vcat(ctx, fmt, ap);
	va_end(ap);
}

void proto_tree_bytes(struct proto_ctx *ctx, uint8_t depth, const char *name, struct slice s)
{
	static const char hx[] = "0123456789abcdef";
	if (!proto_tree_on(ctx))
		return;
	if (!s.len) {
		proto_tree_field(ctx, depth, name, "<MISSING>");
		return;
	}
	char buf[2 * PROTO_TREE_BYTES_SHOWN + 4];
	uint32_t n = s.len > PROTO_TREE_BYTES_SHOWN ? PROTO_TREE_BYTES_SHOWN : s.len, k = 0;
	for (uint32_t i = 0; i < n; i++) {
		buf[k++] = hx[s.p[i] >> 4];
		buf[k++] = hx[s.p[i] & 15];
	}
	if (s.len > n) {
		memcpy(buf + k, "\xe2\x80\xa6", 3); /* U+2026 */
		k += 3;
	}
	buf[k] = 0;
	proto_tree_field(ctx, depth, name, "%s", buf);
}

size_t proto_secs_text(char *buf, size_t cap, uint32_t secs)
{
	static const char *const unit[] = { "day", "hour", "minute", "second" };
	uint32_t part[4] = { secs / 86400, secs / 3600 % 24, secs / 60 % 60, secs % 60 };
	size_t k = 0;
	if (!cap)
		return 0;
	buf[0] = 0;
	for (int i = 0; i < 4; i++) {
		if (!part[i] && !(i == 3 && !k))
			continue;
		int n = snprintf(buf + k, cap - k, "%s%u %s%s", k ? ", " : "", part[i], unit[i], part[i] == 1 ? "" : "s");
		if (n < 0 || (size_t)n >= cap - k)
			return k;
		k += (size_t)n;
	}
	return k;
}

void proto_tree_lines(struct proto_ctx *ctx, uint8_t depth, const char *title, struct slice s)
{
	if (!proto_tree_on(ctx) || !s.len)
		return;
	uint32_t n = 0;
	for (uint32_t i = 0; i < s.len; i++)
		n += s.p[i] == '\n';
	if (s.p[s.len - 1] != '\n')
		n++;
	proto_tree_text(ctx, depth, "%s (%u line%s)", title, n, n == 1 ? "" : "s");
	for (uint32_t i = 0, k = 0; i < s.len && k < PROTO_TREE_ITEMS; k++) {
		uint32_t e = i;
		while (e < s.len && s.p[e] != '\n')
			e++;
		if (e < s.len)
			e++;
		proto_tree_text(ctx, (uint8_t)(depth + 1), "%s", "");
		proto_tree_cat_str(ctx, (struct slice){ s.p + i, e - i }, PROTO_TENC_UTF8);
		i = e;
	}
}

void proto_tree_drop_last(struct proto_ctx *ctx)
{
	if (!proto_tree_on(ctx) || !ctx->out->tree->n)
		return;
	struct proto_tree *t = ctx->out->tree;
	struct proto_titem *it = &t->item[--t->n];
	t->used = it->off;
	t->open = 0;
}
