/* eventlog.c: records as JSON lines (see eventlog.h). Community ID v1 follows the Community ID
 * specification (corelight/community-id-spec): SHA-1 over seed (16 bits), source address,
 * destination address, protocol, one zero byte, source port, destination port — the endpoint
 * that sorts lower (address, then port) goes first — then base64. */
#include "report/eventlog.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/hash.h"
#include "base/jsonw.h"

static int addr_port_less(const uint8_t *a, uint16_t ap, const uint8_t *b, uint16_t bp, uint8_t alen)
{
	int c = memcmp(a, b, alen);
	return c < 0 || (c == 0 && ap < bp);
}

/* SHA-1 with the digest fetched once and one context reused (EVP_Digest allocates a context per
 * call, and the implicit fetch takes a lock). Both are kept for the life of the thread. */
static _Thread_local EVP_MD *eventlog_md;
static _Thread_local EVP_MD_CTX *eventlog_mc;

void eventlog_thread_end(void)
{
	EVP_MD_CTX_free(eventlog_mc);
	EVP_MD_free(eventlog_md);
	eventlog_mc = NULL;
	eventlog_md = NULL;
}

static int eventlog_sha1(const uint8_t *p, size_t n, uint8_t *dig, unsigned *dl)
{
	EVP_MD *md = eventlog_md;
	EVP_MD_CTX *mc = eventlog_mc;
	if (!md)
		md = eventlog_md = EVP_MD_fetch(NULL, "SHA1", NULL);
	if (!mc)
		mc = eventlog_mc = EVP_MD_CTX_new();
	if (!md || !mc)
		return EVP_Digest(p, n, dig, dl, EVP_sha1(), NULL) == 1 ? 0 : -1;
	return EVP_DigestInit_ex(mc, md, NULL) == 1 && EVP_DigestUpdate(mc, p, n) == 1 &&
			       EVP_DigestFinal_ex(mc, dig, dl) == 1
		       ? 0
		       : -1;
}

int eventlog_community_id(const struct flow_ident *id, uint16_t seed, char *out, size_t n)
{
	uint8_t buf[2 + 32 + 2 + 4];
	size_t k = 0;
	const uint8_t *s = id->orig, *d = id->resp;
	uint16_t sp = id->orig_p, dp = id->resp_p;
	if (!addr_port_less(s, sp, d, dp, id->alen)) {
		s = id->resp;
		d = id->orig;
		sp = id->resp_p;
		dp = id->orig_p;
	}
	buf[k++] = (uint8_t)(seed >> 8);
	buf[k++] = (uint8_t)seed;
	memcpy(buf + k, s, id->alen);
	k += id->alen;
	memcpy(buf + k, d, id->alen);
	k += id->alen;
	buf[k++] = id->l4;
	buf[k++] = 0;
	buf[k++] = (uint8_t)(sp >> 8);
	buf[k++] = (uint8_t)sp;
	buf[k++] = (uint8_t)(dp >> 8);
	buf[k++] = (uint8_t)dp;
	uint8_t dig[EVP_MAX_MD_SIZE];
	unsigned dl = 0;
	if (n < 32 || eventlog_sha1(buf, k, dig, &dl) != 0 || dl != 20)
		return -1;
	memcpy(out, "1:", 2);
	EVP_EncodeBlock((unsigned char *)out + 2, dig, 20); /* 28 characters and a NUL */
	return 0;
}

void eventlog_uid(const struct flow_ident *id, char out[20])
{
	static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	static const struct hash_key k1 = { 0x736c657574682d31ull, 0x7569642d6b657931ull };
	static const struct hash_key k2 = { 0x736c657574682d32ull, 0x7569642d6b657932ull };
	uint8_t b[2 + 32 + 4 + 16];
	size_t n = 0;
	b[n++] = id->l4;
	b[n++] = id->alen;
	memcpy(b + n, id->orig, id->alen);
	n += id->alen;
	memcpy(b + n, id->resp, id->alen);
	n += id->alen;
	memcpy(b + n, &id->orig_p, 2);
	n += 2;
	memcpy(b + n, &id->resp_p, 2);
	n += 2;
	memcpy(b + n, &id->first_frame, 8); /* not the stream number: shards number streams apart */
	n += 8;
	memcpy(b + n, &id->start_ns, 8);
	n += 8;
	uint64_t h[2] = { hash_siphash13(&k1, b, n), hash_siphash13(&k2, b, n) };
	out[0] = 'C';
	for (int i = 1; i < 18; i++) {
		uint64_t *w = &h[i & 1];
		out[i] = digits[*w % 62];
		*w /= 62;
	}
	out[18] = 0;
}

/* Seconds with six decimals: a sign and a count of microseconds. */
static void eventlog_micros(struct jsonw *j, int neg, uint64_t us)
{
	if (!jsonw_value(j))
		return;
	if (neg)
		obuf_putc(j->o, '-');
	obuf_u64(j->o, us / 1000000u);
	char frac[7] = { '.' };
	uint32_t f = (uint32_t)(us % 1000000u);
	for (int i = 6; i >= 1; i--, f /= 10)
		frac[i] = (char)('0' + f % 10);
	obuf_write(j->o, frac, sizeof frac);
}

static uint64_t eventlog_abs(int64_t ns) { return ns < 0 ? (uint64_t)-(ns + 1) + 1 : (uint64_t)ns; }

/* A time: cut to the microsecond. */
static void eventlog_time(struct jsonw *j, int64_t ns) { eventlog_micros(j, ns < 0, eventlog_abs(ns) / 1000u); }

/* A duration: rounded to the nearest microsecond. */
static void eventlog_dur(struct jsonw *j, int64_t ns)
{
	eventlog_micros(j, ns < 0, (eventlog_abs(ns) + 500u) / 1000u);
}

/* Address text is digits, dots, colons and hex letters: quoted without escaping. */
static void eventlog_addr(struct jsonw *j, const uint8_t *a, uint8_t alen)
{
	if (!jsonw_value(j))
		return;
	obuf_putc(j->o, '"');
	obuf_addr(j->o, a, alen);
	obuf_putc(j->o, '"');
}

static void eventlog_value(struct jsonw *j, const struct proto_kv *kv)
{
	char buf[40];
	int len;
	switch (kv->type) {
	case PV_STR:
		jsonw_string(j, (const char *)kv->v.p, kv->v.p ? kv->len : 0);
		break;
	case PV_UINT:
		jsonw_u64(j, kv->v.u);
		break;
	case PV_INT:
		len = snprintf(buf, sizeof buf, "%lld", (long long)kv->v.i);
		jsonw_raw(j, buf, (size_t)len);
		break;
	case PV_BOOL:
		jsonw_raw(j, kv->v.u ? "true" : "false", kv->v.u ? 4 : 5);
		break;
	case PV_DUR:
		eventlog_dur(j, kv->v.i);
		break;
	case PV_TIME:
		eventlog_time(j, kv->v.i);
		break;
	case PV_ADDR:
		eventlog_addr(j, kv->v.p, (uint8_t)kv->len);
		break;
	case PV_HEXSTR: {
		static const char hx[] = "0123456789abcdef";
		char h[2 * 64];
		uint32_t n = kv->len > 64 ? 64 : kv->len;
		for (uint32_t i = 0; i < n; i++) {
			h[2 * i] = hx[kv->v.p[i] >> 4];
			h[2 * i + 1] = hx[kv->v.p[i] & 15];
		}
		jsonw_string(j, h, 2 * (size_t)n);
		break;
	}
	default:
		jsonw_raw(j, "null", 4);
		break;
	}
}

/* A key written twice would make a JSON object ambiguous: later non-array duplicates are dropped.
 * `seen` has a bit per name hash of the keys before i, so the scan runs only on a likely repeat. */
static uint64_t eventlog_name_bit(const char *name)
{
	uint32_t h = 2166136261u; /* FNV-1a of the whole name: records have up to ~20 keys */
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	return 1ull << ((h ^ (h >> 15)) & 63);
}

static int eventlog_reserved(const char *name)
{
	static const char *const hdr[] = { "_path", "ts", "uid", "community_id", "id.orig_h", "id.orig_p", "id.resp_h",
					   "id.resp_p" };
	switch (name[0]) {
	case '_': case 't': case 'u': case 'c': case 'i':
		break;
	default:
		return 0;
	}
	for (size_t h = 0; h < sizeof hdr / sizeof hdr[0]; h++)
		if (!strcmp(name, hdr[h]))
			return 1;
	return 0;
}

static int eventlog_dup(const struct proto_rec *r, uint16_t i, uint64_t seen)
{
	if (!(seen & eventlog_name_bit(r->kv[i].name)))
		return 0;
	for (uint16_t k = 0; k < i; k++)
		if (!strcmp(r->kv[k].name, r->kv[i].name))
			return 1;
	return 0;
}

/* The uid and community_id of the last conversation written: records of one conversation tend to
 * come together (its http, files and names), and both are pure functions of the ident. */
struct eventlog_idcache {
	int valid, has_cid;
	struct flow_ident id;
	char uid[20], cid[40];
};

static int eventlog_same_ident(const struct flow_ident *a, const struct flow_ident *b)
{
	return a->l4 == b->l4 && a->alen == b->alen && a->orig_p == b->orig_p && a->resp_p == b->resp_p &&
	       a->first_frame == b->first_frame && a->start_ns == b->start_ns && !memcmp(a->orig, b->orig, a->alen) &&
	       !memcmp(a->resp, b->resp, a->alen);
}

static const struct eventlog_idcache *eventlog_ids(const struct flow_ident *id)
{
	static _Thread_local struct eventlog_idcache c;
	if (c.valid && eventlog_same_ident(&c.id, id))
		return &c;
	c.id = *id;
	eventlog_uid(id, c.uid);
	c.has_cid = eventlog_community_id(id, 0, c.cid, sizeof c.cid) == 0;
	c.valid = 1;
	return &c;
}

void eventlog_write(struct obuf *o, const struct flow_ident *id, int64_t ts_ns, const struct proto_rec *r)
{
	struct jsonw j;
	jsonw_init(&j, o);
	jsonw_open_object(&j);
	jsonw_key(&j, "_path");
	jsonw_string(&j, r->kind, strlen(r->kind));
	jsonw_key(&j, "ts");
	eventlog_time(&j, ts_ns);
	if (id) {
		const struct eventlog_idcache *ic = eventlog_ids(id);
		jsonw_key(&j, "uid");
		jsonw_string(&j, ic->uid, strlen(ic->uid));
		if (ic->has_cid) {
			jsonw_key(&j, "community_id");
			jsonw_string(&j, ic->cid, strlen(ic->cid));
		}
		jsonw_key(&j, "id.orig_h");
		eventlog_addr(&j, id->orig, id->alen);
		jsonw_key(&j, "id.orig_p");
		jsonw_u64(&j, id->orig_p);
		jsonw_key(&j, "id.resp_h");
		eventlog_addr(&j, id->resp, id->alen);
		jsonw_key(&j, "id.resp_p");
		jsonw_u64(&j, id->resp_p);
	}
	uint64_t seen = 0;
	for (uint16_t i = 0; i < r->n; seen |= eventlog_name_bit(r->kv[i].name), i++) {
		const struct proto_kv *kv = &r->kv[i];
		int cont = i > 0 && kv->array && r->kv[i - 1].array && !strcmp(r->kv[i - 1].name, kv->name);
		if (cont)
			continue;
		if (eventlog_reserved(kv->name) || eventlog_dup(r, i, seen))
			continue;
		jsonw_key(&j, kv->name);
		if (!kv->array) {
			eventlog_value(&j, kv);
			continue;
		}
		jsonw_open_array(&j);
		for (uint16_t k = i; k < r->n && r->kv[k].array && !strcmp(r->kv[k].name, kv->name); k++)
			eventlog_value(&j, &r->kv[k]);
		jsonw_close_array(&j);
	}
	if (r->full) {
		jsonw_key(&j, "_truncated");
		jsonw_raw(&j, "true", 4);
	}
	jsonw_close_object(&j);
	obuf_putc(o, '\n');
}
