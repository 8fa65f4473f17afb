/* ctx.c: what dissectors call to report — the packet list's columns, per-packet filter fields,
 * records (events), credentials, names and file objects (hashed with OpenSSL's SHA-256, typed
 * from their first bytes). Every writer is bounded: past a cap values are dropped and counted. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

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
static const EVP_MD *proto_sha256_md(void)
{
	static EVP_MD *md;
	if (!md)
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
	return md ? md : EVP_sha256();
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
