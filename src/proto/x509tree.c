/* x509tree.c: X.509 certificates (RFC 5280; DER, ITU-T X.690) as Wireshark 4.0's tree shows them,
 * with its names of object identifiers, attribute types and extensions; see x509tree.h. Every
 * element is read through bounds-checked cursors; depth and counts are capped. */
#include "proto/x509tree.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "base/rd.h"
#include "proto/tlstree.h"

#define X5_LIST_MAX 256      /* elements drawn per SEQUENCE OF */
#define X5_TEXT 512

/* ---- DER ------------------------------------------------------------------------------- */

/* The element at *r: its tag and content (a cursor over it). Returns 0 when it does not fit. */
static int x5_der(struct rd *r, uint8_t *tag, struct rd *content)
{
	*tag = rd_u8(r);
	uint8_t b = rd_u8(r);
	uint32_t len = b;
	if (b & 0x80) {
		uint8_t n = b & 0x7f;
		if (!n || n > 3)
			return 0;
		len = 0;
		for (uint8_t i = 0; i < n; i++)
			len = len << 8 | rd_u8(r);
	}
	if (!rd_ok(r) || len > rd_left(r))
		return 0;
	*content = rd_sub(r, len);
	return rd_ok(r);
}

/* The next element only when it has tag `want`. */
static int x5_take(struct rd *r, uint8_t want, struct rd *content)
{
	if (!rd_left(r) || r->p[0] != want)
		return 0;
	uint8_t tag;
	return x5_der(r, &tag, content);
}

static struct slice x5_s(const struct rd *r)
{
	struct slice s = { r->p, rd_left(r) };
	return s;
}

static uint32_t x5_count(struct rd r)
{
	uint32_t n = 0;
	uint8_t tag;
	struct rd c;
	while (n < 65535 && rd_left(&r) && x5_der(&r, &tag, &c))
		n++;
	return n;
}

static const char *x5_items(uint32_t n)
{
	return n == 1 ? "item" : "items";
}

/* ---- object identifiers ------------------------------------------------------------------- */

static size_t x5_oid_dotted(struct slice o, char *out, size_t cap)
{
	size_t k = 0;
	uint64_t v = 0;
	int first = 1;
	out[0] = 0;
	for (uint32_t i = 0; i < o.len && k + 24 < cap; i++) {
		v = v << 7 | (o.p[i] & 0x7f);
		if (o.p[i] & 0x80)
			continue;
		if (first) {
			unsigned a = v < 40 ? 0 : v < 80 ? 1 : 2;
			k += (size_t)snprintf(out + k, cap - k, "%u.%llu", a, (unsigned long long)(v - a * 40u));
			first = 0;
		} else {
			k += (size_t)snprintf(out + k, cap - k, ".%llu", (unsigned long long)v);
		}
		v = 0;
	}
	return k;
}

/* Wireshark's names of the identifiers certificates carry. */
static const char *x5_oid_name(const char *dotted)
{
	static const struct {
		const char *oid;
		const char *name;
	} t[] = {
		{ "2.5.4.3", "id-at-commonName" }, { "2.5.4.4", "id-at-surname" }, { "2.5.4.5", "id-at-serialNumber" },
		{ "2.5.4.6", "id-at-countryName" }, { "2.5.4.7", "id-at-localityName" },
		{ "2.5.4.8", "id-at-stateOrProvinceName" }, { "2.5.4.9", "id-at-streetAddress" },
		{ "2.5.4.10", "id-at-organizationName" }, { "2.5.4.11", "id-at-organizationalUnitName" },
		{ "2.5.4.12", "id-at-title" }, { "2.5.4.13", "id-at-description" }, { "2.5.4.15", "id-at-businessCategory" },
		{ "2.5.4.17", "id-at-postalCode" }, { "2.5.4.42", "id-at-givenName" }, { "2.5.4.46", "id-at-dnQualifier" },
		{ "2.5.4.97", "id-at-organizationIdentifier" }, { "1.2.840.113549.1.9.1", "pkcs-9-at-emailAddress" },
		{ "0.9.2342.19200300.100.1.25", "dc" },
		{ "1.3.6.1.4.1.311.60.2.1.1", "jurisdictionOfIncorporationLocalityName" },
		{ "1.3.6.1.4.1.311.60.2.1.2", "jurisdictionOfIncorporationStateOrProvinceName" },
		{ "1.3.6.1.4.1.311.60.2.1.3", "jurisdictionOfIncorporationCountryName" },
		{ "1.2.840.113549.1.1.1", "rsaEncryption" }, { "1.2.840.113549.1.1.2", "md2WithRSAEncryption" },
		{ "1.2.840.113549.1.1.4", "md5WithRSAEncryption" }, { "1.2.840.113549.1.1.5", "sha1WithRSAEncryption" },
		{ "1.2.840.113549.1.1.10", "rsassa-pss" }, { "1.2.840.113549.1.1.11", "sha256WithRSAEncryption" },
		{ "1.2.840.113549.1.1.12", "sha384WithRSAEncryption" }, { "1.2.840.113549.1.1.13", "sha512WithRSAEncryption" },
		{ "1.2.840.113549.1.1.14", "sha224WithRSAEncryption" }, { "1.2.840.10040.4.1", "id-dsa" },
		{ "1.2.840.10040.4.3", "id-dsa-with-sha1" }, { "1.2.840.10045.2.1", "id-ecPublicKey" },
		{ "1.2.840.10045.4.1", "ecdsa-with-SHA1" }, { "1.2.840.10045.4.3.2", "ecdsa-with-SHA256" },
		{ "1.2.840.10045.4.3.3", "ecdsa-with-SHA384" }, { "1.2.840.10045.4.3.4", "ecdsa-with-SHA512" },
		{ "1.2.840.10045.3.1.7", "secp256r1" }, { "1.3.132.0.34", "secp384r1" }, { "1.3.132.0.35", "secp521r1" },
		{ "1.3.101.112", "id-Ed25519" }, { "1.3.14.3.2.26", "SHA-1" },
		{ "2.16.840.1.101.3.4.2.1", "sha256" },
		{ "2.5.29.14", "id-ce-subjectKeyIdentifier" }, { "2.5.29.15", "id-ce-keyUsage" },
		{ "2.5.29.17", "id-ce-subjectAltName" }, { "2.5.29.18", "id-ce-issuerAltName" },
		{ "2.5.29.19", "id-ce-basicConstraints" }, { "2.5.29.30", "id-ce-nameConstraints" },
		{ "2.5.29.31", "id-ce-cRLDistributionPoints" }, { "2.5.29.32", "id-ce-certificatePolicies" },
		{ "2.5.29.32.0", "anyPolicy" }, { "2.5.29.35", "id-ce-authorityKeyIdentifier" },
		{ "2.5.29.37", "id-ce-extKeyUsage" }, { "1.3.6.1.5.5.7.1.1", "id-pe-authorityInfoAccess" },
		{ "1.3.6.1.5.5.7.1.12", "id-pe-logotype" }, { "1.3.6.1.5.5.7.2.1", "id-qt-cps" },
		{ "1.3.6.1.5.5.7.2.2", "id-qt-unotice" }, { "1.3.6.1.5.5.7.3.1", "id-kp-serverAuth" },
		{ "1.3.6.1.5.5.7.3.2", "id-kp-clientAuth" }, { "1.3.6.1.5.5.7.3.3", "id-kp-codeSigning" },
		{ "1.3.6.1.5.5.7.3.4", "id-kp-emailProtection" }, { "1.3.6.1.5.5.7.3.8", "id-kp-timeStamping" },
		{ "1.3.6.1.5.5.7.3.9", "OCSPSigning" }, { "1.3.6.1.5.5.7.48.1", "id-ad-ocsp" },
		{ "1.3.6.1.5.5.7.48.2", "id-ad-caIssuers" }, { "1.3.6.1.5.5.7.48.1.5", "id-pkix-ocsp-nocheck" },
		{ "1.3.6.1.4.1.11129.2.4.2", "SignedCertificateTimestampList" },
		{ "1.3.6.1.4.1.311.21.7", "id-ms-certificate-template" },
		{ "1.3.6.1.4.1.311.21.10", "id-ms-application-certificate-policies" },
		{ "2.16.840.1.113730.1.1", "ns_cert_exts.cert_type" }, { "2.16.840.1.113730.1.4", "ns_cert_exts.ca-revocation-url" },
		{ "2.16.840.1.113730.1.8", "ns_cert_exts.ca-policy-url" }, { "2.16.840.1.113730.1.13", "ns_cert_exts.comment" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcmp(t[i].oid, dotted))
			return t[i].name;
	return NULL;
}

/* The identifier's dotted form and its name (Wireshark's; unknown ones spell the first arc). */
static void x5_oid(struct slice o, char *dotted, size_t dcap, char *name, size_t ncap)
{
	x5_oid_dotted(o, dotted, dcap);
	const char *n = x5_oid_name(dotted);
	if (n) {
		snprintf(name, ncap, "%s", n);
		return;
	}
	static const char *const arc[] = { "itu-t", "iso", "joint-iso-itu-t" };
	if (!strncmp(dotted, "2.16.840.1.", 11)) {
		snprintf(name, ncap, "US company arc.%s", dotted + 11);
		return;
	}
	unsigned a = dotted[0] == '0' ? 0 : dotted[0] == '1' ? 1 : 2;
	const char *rest = strchr(dotted, '.');
	snprintf(name, ncap, "%s%s", arc[a], rest ? rest : "");
}

/* "label: 1.2.3 (name)". */
static void x5_oid_item(struct proto_ctx *ctx, uint8_t depth, const char *label, struct slice o)
{
	char d[X5_TEXT], n[X5_TEXT];
	x5_oid(o, d, sizeof d, n, sizeof n);
	proto_tree_field(ctx, depth, label, "%s (%s)", d, n);
}

/* ---- names -------------------------------------------------------------------------------- */

/* "type=value" of each attribute of one RDN (a SET), joined by '+'. */
static size_t x5_rdn_text(struct rd set, char *out, size_t cap)
{
	size_t k = 0;
	uint8_t tag;
	struct rd atv, oid, val;
	out[0] = 0;
	for (int j = 0; rd_left(&set) && j < 16 && x5_der(&set, &tag, &atv); j++) {
		if (!x5_der(&atv, &tag, &oid) || tag != 0x06 || !x5_der(&atv, &tag, &val))
			break;
		char d[X5_TEXT], n[X5_TEXT];
		x5_oid(x5_s(&oid), d, sizeof d, n, sizeof n);
		int w = snprintf(out + k, cap - k, "%s%s=%.*s", k ? "+" : "", n, (int)rd_left(&val), (const char *)val.p);
		if (w < 0 || (size_t)w >= cap - k)
			return cap - 1;
		k += (size_t)w;
	}
	return k;
}

/* A Name's summary: its RDNs from the last to the first, joined by commas. */
static size_t x5_dn_text(struct rd name, char *out, size_t cap)
{
	struct rd rdn[64];
	int nr = 0;
	uint8_t tag;
	while (nr < 64 && rd_left(&name) && x5_der(&name, &tag, &rdn[nr]))
		nr++;
	size_t k = 0;
	out[0] = 0;
	for (int i = nr - 1; i >= 0 && k + 2 < cap; i--) {
		if (k)
			out[k++] = ',';
		k += x5_rdn_text(rdn[i], out + k, cap - k);
	}
	out[k < cap ? k : cap - 1] = 0;
	return k;
}

/* A string of a DirectoryString CHOICE: its alternative's name and number. */
static const char *x5_dstring(uint8_t tag, unsigned *num)
{
	switch (tag) {
	case 0x14: *num = 0; return "teletexString";
	case 0x13: *num = 1; return "printableString";
	case 0x1c: *num = 2; return "universalString";
	case 0x0c: *num = 4; return "uTF8String";
	case 0x1e: *num = 3; return "bmpString";
	}
	*num = 0;
	return NULL;
}

static void x5_atv_value(struct proto_ctx *ctx, uint8_t depth, const char *type, uint8_t tag, struct rd val)
{
	struct slice v = x5_s(&val);
	if (!strcmp(type, "id-at-countryName") || !strcmp(type, "jurisdictionOfIncorporationCountryName")) {
		proto_tree_field_str(ctx, depth, "CountryName", v, PROTO_TENC_ASCII);
		return;
	}
	if (!strcmp(type, "pkcs-9-at-emailAddress") || !strcmp(type, "dc")) {
		proto_tree_field_str(ctx, depth, "IA5String", v, PROTO_TENC_ASCII);
		return;
	}
	if (!strcmp(type, "id-at-serialNumber")) {
		proto_tree_field_str(ctx, depth, "PrintableString", v, PROTO_TENC_ASCII);
		return;
	}
	unsigned num;
	const char *alt = x5_dstring(tag, &num);
	if (!alt)
		return;
	proto_tree_field(ctx, depth, "DirectoryString", "%s (%u)", alt, num);
	proto_tree_field_str(ctx, (uint8_t)(depth + 1), alt, v, tag == 0x0c ? PROTO_TENC_UTF8 : PROTO_TENC_ASCII);
}

/* "label: rdnSequence (0)" and the RDNs as Wireshark nests them. */
static void x5_name(struct proto_ctx *ctx, uint8_t depth, const char *label, struct rd name)
{
	char text[X5_TEXT];
	proto_tree_field(ctx, depth, label, "rdnSequence (0)");
	uint32_t n = x5_count(name);
	x5_dn_text(name, text, sizeof text);
	proto_tree_field(ctx, (uint8_t)(depth + 1), "rdnSequence", "%u %s (", n, x5_items(n));
	proto_tree_cat_str(ctx, (struct slice){ (const uint8_t *)text, (uint32_t)strlen(text) }, PROTO_TENC_UTF8);
	proto_tree_cat(ctx, ")");
	uint8_t tag;
	struct rd set;
	for (uint32_t i = 0; i < X5_LIST_MAX && rd_left(&name) && x5_der(&name, &tag, &set); i++) {
		x5_rdn_text(set, text, sizeof text);
		struct slice ts = { (const uint8_t *)text, (uint32_t)strlen(text) };
		uint32_t k = x5_count(set);
		proto_tree_field(ctx, (uint8_t)(depth + 2), "RDNSequence item", "%u %s (", k, x5_items(k));
		proto_tree_cat_str(ctx, ts, PROTO_TENC_UTF8);
		proto_tree_cat(ctx, ")");
		struct rd atv, oid, val;
		for (uint32_t j = 0; j < 16 && rd_left(&set) && x5_der(&set, &tag, &atv); j++) {
			if (!x5_der(&atv, &tag, &oid) || tag != 0x06 || !x5_der(&atv, &tag, &val))
				break;
			char one[X5_TEXT], d[X5_TEXT], tn[X5_TEXT];
			x5_oid(x5_s(&oid), d, sizeof d, tn, sizeof tn);
			int w = snprintf(one, sizeof one, "%s=%.*s", tn, (int)rd_left(&val), (const char *)val.p);
			proto_tree_text(ctx, (uint8_t)(depth + 3), "RelativeDistinguishedName item (");
			proto_tree_cat_str(ctx, (struct slice){ (const uint8_t *)one, w > 0 ? (uint32_t)w : 0 }, PROTO_TENC_UTF8);
			proto_tree_cat(ctx, ")");
			x5_oid_item(ctx, (uint8_t)(depth + 4), "Object Id", x5_s(&oid));
			x5_atv_value(ctx, (uint8_t)(depth + 4), tn, tag, val);
		}
	}
}

size_t x509_subject_text(struct slice der, char *out, size_t cap)
{
	struct rd r = rd_make(der.p, der.len), cert, tbs, x;
	uint8_t tag;
	out[0] = 0;
	if (!x5_der(&r, &tag, &cert) || !x5_der(&cert, &tag, &tbs))
		return 0;
	if (rd_left(&tbs) && tbs.p[0] == 0xa0 && !x5_der(&tbs, &tag, &x))
		return 0;
	for (int i = 0; i < 4; i++) /* serial, signature, issuer, validity */
		if (!x5_der(&tbs, &tag, &x))
			return 0;
	if (!x5_der(&tbs, &tag, &x))
		return 0;
	return x5_dn_text(x, out, cap);
}

/* ---- values ------------------------------------------------------------------------------- */

/* An INTEGER as Wireshark shows a big one: "0x" and its bytes (cut after 36 with an ellipsis). */
static void x5_int_hex(struct proto_ctx *ctx, uint8_t depth, const char *label, struct rd v)
{
	static const char hx[] = "0123456789abcdef";
	char buf[2 * PROTO_TREE_BYTES_SHOWN + 8];
	uint32_t n = rd_left(&v), show = n > PROTO_TREE_BYTES_SHOWN ? PROTO_TREE_BYTES_SHOWN : n, k = 0;
	for (uint32_t i = 0; i < show; i++) {
		buf[k++] = hx[v.p[i] >> 4];
		buf[k++] = hx[v.p[i] & 15];
	}
	if (n > show) {
		memcpy(buf + k, "\xe2\x80\xa6", 3);
		k += 3;
	}
	buf[k] = 0;
	proto_tree_field(ctx, depth, label, "0x%s", buf);
}

static uint64_t x5_uint(struct rd v)
{
	uint64_t x = 0;
	for (uint32_t i = 0; i < rd_left(&v) && i < 8; i++)
		x = x << 8 | v.p[i];
	return x;
}

/* "YYMMDDHHMMSSZ" (UTCTime) or "YYYYMMDDHHMMSSZ" (GeneralizedTime) as "2026-11-23 16:16:38 (UTC)". */
static void x5_time(struct proto_ctx *ctx, uint8_t depth, const char *label, uint8_t tag, struct rd v)
{
	const char *alt = tag == 0x17 ? "utcTime" : "generalTime";
	proto_tree_field(ctx, depth, label, "%s (%u)", alt, tag == 0x17 ? 0u : 1u);
	const char *s = (const char *)v.p;
	uint32_t n = rd_left(&v);
	if (tag == 0x17 && n >= 12) {
		int yy = (s[0] - '0') * 10 + (s[1] - '0');
		proto_tree_field(ctx, (uint8_t)(depth + 1), alt, "%d-%.2s-%.2s %.2s:%.2s:%.2s (UTC)", yy < 50 ? 2000 + yy : 1900 + yy,
				 s + 2, s + 4, s + 6, s + 8, s + 10);
	} else if (tag == 0x18 && n >= 14) {
		proto_tree_field(ctx, (uint8_t)(depth + 1), alt, "%.4s-%.2s-%.2s %.2s:%.2s:%.2s (UTC)", s, s + 4, s + 6, s + 8,
				 s + 10, s + 12);
	}
}

/* "label (name)" and its Algorithm Id (and the curve of an EC key). */
static void x5_algid(struct proto_ctx *ctx, uint8_t depth, const char *label, struct rd seq)
{
	struct rd oid, params;
	if (!x5_take(&seq, 0x06, &oid))
		return;
	char d[X5_TEXT], n[X5_TEXT];
	x5_oid(x5_s(&oid), d, sizeof d, n, sizeof n);
	proto_tree_text(ctx, depth, "%s (%s)", label, n);
	proto_tree_field(ctx, (uint8_t)(depth + 1), "Algorithm Id", "%s (%s)", d, n);
	if (!strcmp(n, "id-ecPublicKey") && x5_take(&seq, 0x06, &params)) {
		proto_tree_field(ctx, (uint8_t)(depth + 1), "ECParameters", "namedCurve (1)");
		x5_oid_item(ctx, (uint8_t)(depth + 2), "namedCurve", x5_s(&params));
	}
}

/* A BIT STRING item: "Padding: N" and "label: hex". */
static void x5_bits(struct proto_ctx *ctx, uint8_t depth, const char *label, struct rd v)
{
	uint8_t pad = rd_u8(&v);
	if (!rd_ok(&v))
		return;
	proto_tree_field(ctx, depth, "Padding", "%u", pad);
	proto_tree_bytes(ctx, depth, label, x5_s(&v));
}

static void x5_spki(struct proto_ctx *ctx, uint8_t depth, struct rd spki)
{
	struct rd alg, key;
	proto_tree_text(ctx, depth, "subjectPublicKeyInfo");
	if (!x5_take(&spki, 0x30, &alg))
		return;
	x5_algid(ctx, (uint8_t)(depth + 1), "algorithm", alg);
	struct rd ao = alg, oid;
	char d[X5_TEXT], n[X5_TEXT];
	n[0] = 0;
	if (x5_take(&ao, 0x06, &oid))
		x5_oid(x5_s(&oid), d, sizeof d, n, sizeof n);
	if (!x5_take(&spki, 0x03, &key))
		return;
	if (strcmp(n, "rsaEncryption")) {
		x5_bits(ctx, (uint8_t)(depth + 1), "subjectPublicKey", key);
		return;
	}
	/* an RSA key: its modulus and exponent */
	(void)rd_u8(&key);
	proto_tree_bytes(ctx, (uint8_t)(depth + 1), "subjectPublicKey", x5_s(&key));
	struct rd seq, mod, exp;
	if (x5_take(&key, 0x30, &seq) && x5_take(&seq, 0x02, &mod) && x5_take(&seq, 0x02, &exp)) {
		x5_int_hex(ctx, (uint8_t)(depth + 2), "modulus", mod);
		proto_tree_field(ctx, (uint8_t)(depth + 2), "publicExponent", "%llu", (unsigned long long)x5_uint(exp));
	}
}

/* ---- general names and extensions --------------------------------------------------------- */

static void x5_general_name(struct proto_ctx *ctx, uint8_t depth, uint8_t tag, struct rd v)
{
	static const char *const alt[] = { "otherName", "rfc822Name", "dNSName", "x400Address", "directoryName",
					   "ediPartyName", "uniformResourceIdentifier", "iPAddress", "registeredID" };
	unsigned k = tag & 0x1f;
	if (k > 8)
		return;
	proto_tree_field(ctx, depth, "GeneralName", "%s (%u)", alt[k], k);
	char ab[64];
	switch (k) {
	case 1: case 2: case 6:
		proto_tree_field_str(ctx, (uint8_t)(depth + 1), alt[k], x5_s(&v), PROTO_TENC_ASCII);
		break;
	case 4: {
		struct rd name;
		if (x5_take(&v, 0x30, &name))
			x5_name(ctx, (uint8_t)(depth + 1), "directoryName", name);
		break;
	}
	case 7:
		if ((rd_left(&v) == 4 || rd_left(&v) == 16) && inet_ntop(rd_left(&v) == 4 ? AF_INET : AF_INET6, v.p, ab, sizeof ab))
			proto_tree_field(ctx, (uint8_t)(depth + 1), "iPAddress", "%s", ab);
		break;
	default:
		break;
	}
}

/* "label: N items" and each GeneralName of the SEQUENCE. */
static void x5_general_names(struct proto_ctx *ctx, uint8_t depth, const char *label, struct rd seq)
{
	uint32_t n = x5_count(seq);
	proto_tree_field(ctx, depth, label, "%u %s", n, x5_items(n));
	uint8_t tag;
	struct rd v;
	for (uint32_t i = 0; i < X5_LIST_MAX && rd_left(&seq) && x5_der(&seq, &tag, &v); i++)
		x5_general_name(ctx, (uint8_t)(depth + 1), tag, v);
}

static void x5_bit_flags(struct proto_ctx *ctx, uint8_t depth, const char *label, struct rd v,
			 const char *const *names, int nnames)
{
	uint8_t pad = rd_u8(&v), b0 = rd_u8(&v), b1 = rd_u8(&v);
	proto_tree_field(ctx, depth, "Padding", "%u", pad);
	proto_tree_field(ctx, depth, label, "%02x", b0);
	for (int i = 0; i < nnames && i < 16; i++)
		proto_tree_bits(ctx, (uint8_t)(depth + 1), i < 8 ? b0 : b1, 8, 0x80u >> (i & 7), "%s: %s", names[i],
				((i < 8 ? b0 : b1) & (0x80u >> (i & 7))) ? "True" : "False");
}

static void x5_policies(struct proto_ctx *ctx, uint8_t depth, struct rd seq)
{
	uint32_t n = x5_count(seq);
	proto_tree_field(ctx, depth, "CertificatePoliciesSyntax", "%u %s", n, x5_items(n));
	struct rd pi;
	for (uint32_t i = 0; i < X5_LIST_MAX && x5_take(&seq, 0x30, &pi); i++) {
		struct rd oid, quals, q;
		proto_tree_text(ctx, (uint8_t)(depth + 1), "PolicyInformation");
		if (!x5_take(&pi, 0x06, &oid))
			continue;
		x5_oid_item(ctx, (uint8_t)(depth + 2), "policyIdentifier", x5_s(&oid));
		if (!x5_take(&pi, 0x30, &quals))
			continue;
		uint32_t k = x5_count(quals);
		proto_tree_field(ctx, (uint8_t)(depth + 2), "policyQualifiers", "%u %s", k, x5_items(k));
		for (uint32_t j = 0; j < X5_LIST_MAX && x5_take(&quals, 0x30, &q); j++) {
			struct rd qid, val;
			proto_tree_text(ctx, (uint8_t)(depth + 3), "PolicyQualifierInfo");
			if (!x5_take(&q, 0x06, &qid))
				continue;
			x5_oid_item(ctx, (uint8_t)(depth + 4), "Id", x5_s(&qid));
			uint8_t tag;
			if (rd_left(&q) && q.p[0] == 0x16 && x5_der(&q, &tag, &val))
				proto_tree_field_str(ctx, (uint8_t)(depth + 4), "DirectoryString", x5_s(&val), PROTO_TENC_ASCII);
		}
	}
}

static void x5_crl_points(struct proto_ctx *ctx, uint8_t depth, struct rd seq)
{
	uint32_t n = x5_count(seq);
	proto_tree_field(ctx, depth, "CRLDistPointsSyntax", "%u %s", n, x5_items(n));
	struct rd dp;
	for (uint32_t i = 0; i < X5_LIST_MAX && x5_take(&seq, 0x30, &dp); i++) {
		struct rd name, full;
		proto_tree_text(ctx, (uint8_t)(depth + 1), "DistributionPoint");
		if (x5_take(&dp, 0xa0, &name) && x5_take(&name, 0xa0, &full)) {
			proto_tree_field(ctx, (uint8_t)(depth + 2), "distributionPoint", "fullName (0)");
			x5_general_names(ctx, (uint8_t)(depth + 3), "fullName", full);
		}
	}
}

static void x5_aia(struct proto_ctx *ctx, uint8_t depth, struct rd seq)
{
	uint32_t n = x5_count(seq);
	proto_tree_field(ctx, depth, "AuthorityInfoAccessSyntax", "%u %s", n, x5_items(n));
	struct rd ad;
	for (uint32_t i = 0; i < X5_LIST_MAX && x5_take(&seq, 0x30, &ad); i++) {
		struct rd oid, loc;
		uint8_t tag;
		proto_tree_text(ctx, (uint8_t)(depth + 1), "AccessDescription");
		if (!x5_take(&ad, 0x06, &oid))
			continue;
		x5_oid_item(ctx, (uint8_t)(depth + 2), "accessMethod", x5_s(&oid));
		if (!x5_der(&ad, &tag, &loc))
			continue;
		unsigned k = tag & 0x1f;
		proto_tree_field(ctx, (uint8_t)(depth + 2), "accessLocation", "%u", k);
		if (k == 6)
			proto_tree_field_str(ctx, (uint8_t)(depth + 3), "uniformResourceIdentifier", x5_s(&loc), PROTO_TENC_ASCII);
	}
}

/* Certificate Transparency (RFC 6962 section 3.3): the SCTs a certificate embeds. */
static void x5_scts(struct proto_ctx *ctx, uint8_t depth, struct rd v)
{
	uint16_t n = rd_be16(&v);
	if (!rd_ok(&v))
		return;
	proto_tree_field(ctx, depth, "Serialized SCT List Length", "%u", n);
	struct rd l = rd_sub(&v, n);
	for (int i = 0; i < 64 && rd_left(&l) >= 2; i++) {
		uint16_t sl = rd_be16(&l);
		struct rd sct = rd_sub(&l, sl);
		if (!rd_ok(&l))
			return;
		uint8_t d1 = (uint8_t)(depth + 1);
		proto_tree_text(ctx, depth, "Signed Certificate Timestamp (Unknown Log)");
		proto_tree_field(ctx, d1, "Serialized SCT Length", "%u", sl);
		uint8_t ver = rd_u8(&sct);
		const uint8_t *id = rd_bytes(&sct, 32);
		uint64_t ms = (uint64_t)rd_be32(&sct) << 32;
		ms |= rd_be32(&sct);
		uint16_t el = rd_be16(&sct);
		rd_skip(&sct, el);
		uint16_t alg = rd_be16(&sct), gl = rd_be16(&sct);
		const uint8_t *sig = rd_bytes(&sct, gl);
		if (!sig)
			continue;
		proto_tree_field(ctx, d1, "SCT Version", "%u", ver);
		proto_tree_bytes(ctx, d1, "Log ID", (struct slice){ id, 32 });
		tls_tree_time(ctx, d1, "Timestamp", (int64_t)(ms / 1000), (uint32_t)(ms % 1000) * 1000000u);
		proto_tree_field(ctx, d1, "Extensions length", "%u", el);
		tls_tree_sigalg(ctx, d1, alg);
		proto_tree_field(ctx, d1, "Signature Length", "%u", gl);
		proto_tree_bytes(ctx, d1, "Signature", (struct slice){ sig, gl });
	}
}

/* The value of an extension, by its identifier's name. */
static void x5_ext_value(struct proto_ctx *ctx, uint8_t depth, const char *name, struct rd v)
{
	static const char *const ku[] = { "digitalSignature", "contentCommitment", "keyEncipherment", "dataEncipherment",
					  "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly" };
	static const char *const nct[] = { "ssl-client", "ssl-server", "smime", "object-signing",
					   "reserved-for-future-use", "ssl-ca", "smime-ca", "object-signing-ca" };
	uint8_t tag;
	struct rd x;
	if (!x5_der(&v, &tag, &x))
		return;
	if (!strcmp(name, "id-ce-subjectKeyIdentifier") && tag == 0x04) {
		proto_tree_bytes(ctx, depth, "SubjectKeyIdentifier", x5_s(&x));
	} else if (!strcmp(name, "id-ce-authorityKeyIdentifier") && tag == 0x30) {
		proto_tree_text(ctx, depth, "AuthorityKeyIdentifier");
		struct rd f;
		while (rd_left(&x) && x5_der(&x, &tag, &f)) {
			if (tag == 0x80)
				proto_tree_bytes(ctx, (uint8_t)(depth + 1), "keyIdentifier", x5_s(&f));
			else if (tag == 0xa1)
				x5_general_names(ctx, (uint8_t)(depth + 1), "authorityCertIssuer", f);
			else if (tag == 0x82)
				x5_int_hex(ctx, (uint8_t)(depth + 1), "authorityCertSerialNumber", f);
		}
	} else if (!strcmp(name, "id-ce-keyUsage") && tag == 0x03) {
		x5_bit_flags(ctx, depth, "KeyUsage", x, ku, 9);
	} else if (!strcmp(name, "ns_cert_exts.cert_type") && tag == 0x03) {
		x5_bit_flags(ctx, depth, "CertType", x, nct, 8);
	} else if (!strcmp(name, "id-ce-basicConstraints") && tag == 0x30) {
		proto_tree_text(ctx, depth, rd_left(&x) ? "BasicConstraintsSyntax" : "BasicConstraintsSyntax [0 length]");
		struct rd f;
		if (x5_take(&x, 0x01, &f))
			proto_tree_field(ctx, (uint8_t)(depth + 1), "cA", "%s", rd_left(&f) && f.p[0] ? "True" : "False");
		if (x5_take(&x, 0x02, &f))
			proto_tree_field(ctx, (uint8_t)(depth + 1), "pathLenConstraint", "%llu", (unsigned long long)x5_uint(f));
	} else if (!strcmp(name, "id-ce-extKeyUsage") && tag == 0x30) {
		uint32_t n = x5_count(x);
		proto_tree_field(ctx, depth, "KeyPurposeIDs", "%u %s", n, x5_items(n));
		struct rd oid;
		for (uint32_t i = 0; i < X5_LIST_MAX && x5_take(&x, 0x06, &oid); i++)
			x5_oid_item(ctx, (uint8_t)(depth + 1), "KeyPurposeId", x5_s(&oid));
	} else if ((!strcmp(name, "id-ce-subjectAltName") || !strcmp(name, "id-ce-issuerAltName")) && tag == 0x30) {
		x5_general_names(ctx, depth, "GeneralNames", x);
	} else if ((!strcmp(name, "id-ce-certificatePolicies") || !strcmp(name, "id-ms-application-certificate-policies")) &&
		   tag == 0x30) {
		x5_policies(ctx, depth, x);
	} else if (!strcmp(name, "id-ce-cRLDistributionPoints") && tag == 0x30) {
		x5_crl_points(ctx, depth, x);
	} else if (!strcmp(name, "id-pe-authorityInfoAccess") && tag == 0x30) {
		x5_aia(ctx, depth, x);
	} else if (!strcmp(name, "SignedCertificateTimestampList") && tag == 0x04) {
		x5_scts(ctx, depth, x);
	} else if (!strcmp(name, "id-pkix-ocsp-nocheck") && tag == 0x05) {
		proto_tree_text(ctx, depth, "NULL");
	} else if (!strcmp(name, "ns_cert_exts.comment")) {
		proto_tree_field_str(ctx, depth, "Comment", x5_s(&x), PROTO_TENC_ASCII);
	} else if (!strcmp(name, "ns_cert_exts.ca-revocation-url")) {
		proto_tree_field_str(ctx, depth, "CaRevocationUrl", x5_s(&x), PROTO_TENC_ASCII);
	} else if (!strcmp(name, "ns_cert_exts.ca-policy-url")) {
		proto_tree_field_str(ctx, depth, "CaPolicyUrl", x5_s(&x), PROTO_TENC_ASCII);
	}
}

static void x5_extensions(struct proto_ctx *ctx, uint8_t depth, struct rd seq)
{
	uint32_t n = x5_count(seq);
	proto_tree_field(ctx, depth, "extensions", "%u %s", n, x5_items(n));
	struct rd ext;
	for (uint32_t i = 0; i < X5_LIST_MAX && x5_take(&seq, 0x30, &ext); i++) {
		struct rd oid, crit, val;
		if (!x5_take(&ext, 0x06, &oid))
			continue;
		char d[X5_TEXT], nm[X5_TEXT];
		x5_oid(x5_s(&oid), d, sizeof d, nm, sizeof nm);
		proto_tree_text(ctx, (uint8_t)(depth + 1), "Extension (%s)", nm);
		proto_tree_field(ctx, (uint8_t)(depth + 2), "Extension Id", "%s (%s)", d, nm);
		if (x5_take(&ext, 0x01, &crit))
			proto_tree_field(ctx, (uint8_t)(depth + 2), "critical", "%s", rd_left(&crit) && crit.p[0] ? "True" : "False");
		if (x5_take(&ext, 0x04, &val))
			x5_ext_value(ctx, (uint8_t)(depth + 2), nm, val);
	}
}

/* ---- the certificate ---------------------------------------------------------------------- */

static void x5_tbs(struct proto_ctx *ctx, uint8_t depth, struct rd tbs)
{
	uint8_t tag;
	struct rd x, v;
	proto_tree_text(ctx, depth, "signedCertificate");
	uint8_t d1 = (uint8_t)(depth + 1);
	if (x5_take(&tbs, 0xa0, &x) && x5_take(&x, 0x02, &v)) {
		uint64_t ver = x5_uint(v);
		proto_tree_field(ctx, d1, "version", "v%llu (%llu)", (unsigned long long)ver + 1, (unsigned long long)ver);
	}
	if (x5_take(&tbs, 0x02, &x))
		x5_int_hex(ctx, d1, "serialNumber", x);
	if (x5_take(&tbs, 0x30, &x))
		x5_algid(ctx, d1, "signature", x);
	if (x5_take(&tbs, 0x30, &x))
		x5_name(ctx, d1, "issuer", x);
	if (x5_take(&tbs, 0x30, &x)) {
		proto_tree_text(ctx, d1, "validity");
		if (x5_der(&x, &tag, &v))
			x5_time(ctx, (uint8_t)(depth + 2), "notBefore", tag, v);
		if (x5_der(&x, &tag, &v))
			x5_time(ctx, (uint8_t)(depth + 2), "notAfter", tag, v);
	}
	if (x5_take(&tbs, 0x30, &x))
		x5_name(ctx, d1, "subject", x);
	if (x5_take(&tbs, 0x30, &x))
		x5_spki(ctx, d1, x);
	while (rd_left(&tbs) && x5_der(&tbs, &tag, &x))
		if (tag == 0xa3 && x5_take(&x, 0x30, &v))
			x5_extensions(ctx, d1, v);
}

void x509_tree_cert(struct proto_ctx *ctx, uint8_t depth, struct slice der)
{
	if (!proto_tree_on(ctx))
		return;
	struct rd r = rd_make(der.p, der.len), cert, x;
	if (!x5_take(&r, 0x30, &cert))
		return;
	if (x5_take(&cert, 0x30, &x))
		x5_tbs(ctx, depth, x);
	if (x5_take(&cert, 0x30, &x))
		x5_algid(ctx, depth, "algorithmIdentifier", x);
	if (x5_take(&cert, 0x03, &x))
		x5_bits(ctx, depth, "encrypted", x);
}
