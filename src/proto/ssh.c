/* ssh.c: SSH transport (RFC 4253): the identification line (section 4.2; lines before it are
 * allowed from servers), binary packets with a 32-bit packet_length (section 6), the KEXINIT
 * algorithm lists (section 7.1) and the key-exchange message codes (RFC 4253 section 12,
 * RFC 4419 group exchange, RFC 5656 ECDH). Once a side has sent SSH_MSG_NEWKEYS its packets
 * are encrypted and their lengths unreadable, so, as Wireshark, each segment is taken as one
 * PDU. Columns as tshark 4.0: Protocol "SSH" until the client's identification has told the
 * version, then "SSHv2"; Info "Client: " or "Server: " followed by the PDUs of the segment
 * joined by ", ". Records: one "ssh" record per connection in Zeek's ssh.log names (banners,
 * the negotiated algorithms: the first client algorithm the server also lists, and the HASSH
 * fingerprints: MD5 of "kex;enc;mac;comp" of each side's KEXINIT). */
#include <string.h>

#include <openssl/evp.h>

#include "base/rd.h"
#include "proto/proto.h"

#define SSH_LINE_MAX 8192
#define SSH_PACKET_MAX 35000 /* RFC 4253 6.1: implementations must handle 35000 bytes */
#define SSH_KEXINIT_KEEP 16384 /* a KEXINIT up to this size is kept whole to read its lists */
#define SSH_BANNER_KEEP 160
#define SSH_NAMES 10          /* name-lists in a KEXINIT */

enum ssh_phase { SSH_BANNER = 0, SSH_PACKET, SSH_BODY, SSH_ENCRYPTED };
enum ssh_role { SSH_ROLE_UNKNOWN = 0, SSH_ROLE_CLIENT, SSH_ROLE_SERVER };
/* the kex family decides how codes 30-34 are named */
enum ssh_kex { SSH_KEX_UNKNOWN = 0, SSH_KEX_DH, SSH_KEX_DH_GEX, SSH_KEX_ECDH, SSH_KEX_OTHER };

/* Kept algorithm lists (name-lists, comma separated, cut at a comma when longer). */
enum ssh_list { SSH_L_KEX = 0, SSH_L_HOSTKEY, SSH_L_ENC, SSH_L_MAC, SSH_L_COMP, SSH_L_N };
static const uint16_t ssh_list_cap[SSH_L_N] = { 640, 640, 400, 520, 96 };

struct ssh_state {
	uint8_t phase;
	uint8_t newkeys;      /* the packet being framed is SSH_MSG_NEWKEYS */
	uint8_t role;         /* enum ssh_role, fixed at the first PDU */
	uint8_t v2;           /* client state: its identification announced version 2 */
	uint8_t kexinit;      /* this side's KEXINIT was read */
	uint8_t emitted;      /* client state: the ssh record was emitted */
	uint8_t code;         /* message code of the packet being framed */
	uint8_t has_code;
	uint8_t kex_family;   /* enum ssh_kex once negotiated, kept in both directions (a direction
	                       * dissected afresh after a retransmission still names its messages) */
	uint8_t hidden;       /* server sent lines before its identification: as in tshark, the
	                       * direction is never shown (it stays one unfinished PDU) */
	uint32_t left;
	uint32_t packets;
	uint16_t banner_len;
	uint16_t list_len[SSH_L_N];
	char banner[SSH_BANNER_KEEP];    /* identification line without CR LF */
	char hassh[33];                  /* HASSH of this side's KEXINIT (hex), empty: none */
	uint64_t tree_frame;             /* the detail tree: frame whose "SSH Protocol" item is open */
	uint32_t tree_seq;               /* the detail tree: cleartext packets of this direction */
	char lists[640 + 640 + 400 + 520 + 96];
};

_Static_assert(sizeof(struct ssh_state) <= 4096, "ssh state must fit the flow's per-direction state");
_Static_assert(sizeof(((struct ssh_state *)0)->lists) == 640 + 640 + 400 + 520 + 96, "list caps and buffer agree");

static const struct proto_field ssh_fields[] = {
	{ "ssh.protocol", PF_STR, 0, "Protocol" },
	{ "ssh.message_code", PF_UINT, 0, "Message Code" },
	{ "ssh.packet_length", PF_UINT, 0, "Packet Length" },
	{ "ssh.padding_length", PF_UINT, 0, "Padding Length" },
	{ "ssh.kex_algorithms", PF_STR, 0, "kex_algorithms string" },
	{ "ssh.server_host_key_algorithms", PF_STR, 0, "server_host_key_algorithms string" },
	{ "ssh.encryption_algorithms_client_to_server", PF_STR, 0, "encryption_algorithms_client_to_server string" },
	{ "ssh.encryption_algorithms_server_to_client", PF_STR, 0, "encryption_algorithms_server_to_client string" },
	{ "ssh.mac_algorithms_client_to_server", PF_STR, 0, "mac_algorithms_client_to_server string" },
	{ "ssh.mac_algorithms_server_to_client", PF_STR, 0, "mac_algorithms_server_to_client string" },
	{ "ssh.compression_algorithms_client_to_server", PF_STR, 0, "compression_algorithms_client_to_server string" },
	{ "ssh.compression_algorithms_server_to_client", PF_STR, 0, "compression_algorithms_server_to_client string" },
	{ "ssh.kex.hassh", PF_STR, 0, "hassh" },
	{ "ssh.kex.hasshserver", PF_STR, 0, "hasshServer" },
	{ "ssh.direction", PF_BOOL, 0, "Direction" },
};
enum {
	SSH_F_PROTOCOL = 0, SSH_F_CODE, SSH_F_PLEN, SSH_F_PADLEN, SSH_F_KEX, SSH_F_HOSTKEY, SSH_F_ENC_CS,
	SSH_F_ENC_SC, SSH_F_MAC_CS, SSH_F_MAC_SC, SSH_F_COMP_CS, SSH_F_COMP_SC, SSH_F_HASSH, SSH_F_HASSH_SERVER,
	SSH_F_DIRECTION,
};

static const uint16_t ssh_ports[] = { 22, 29418, 0 };

static struct proto_res ssh_res(uint8_t status, uint32_t consumed, uint32_t needed)
{
	struct proto_res r = { status, consumed, needed };
	return r;
}

static char *ssh_list(struct ssh_state *st, int which)
{
	size_t off = 0;
	for (int i = 0; i < which; i++)
		off += ssh_list_cap[i];
	return st->lists + off;
}

/* Client or server: the side sending from the SSH port is the server (as Wireshark); without
 * a known port, the connection's originator is the client. */
static uint8_t ssh_role_of(const struct proto_ctx *ctx, uint8_t dir)
{
	for (const uint16_t *p = ssh_ports; *p; p++) {
		if (ctx->sport == *p && ctx->dport != *p)
			return SSH_ROLE_SERVER;
		if (ctx->dport == *p && ctx->sport != *p)
			return SSH_ROLE_CLIENT;
	}
	return dir == 0 ? SSH_ROLE_CLIENT : SSH_ROLE_SERVER;
}

static struct ssh_state *ssh_client(struct proto_ctx *ctx)
{
	struct ssh_state *st = ctx->state, *peer = ctx->peer;
	if (st->role == SSH_ROLE_CLIENT || !peer)
		return st;
	if (peer->role == SSH_ROLE_CLIENT || st->role == SSH_ROLE_SERVER)
		return peer;
	return st;
}

static struct ssh_state *ssh_server(struct proto_ctx *ctx)
{
	struct ssh_state *c = ssh_client(ctx);
	return c == ctx->state ? ctx->peer : ctx->state;
}

/* Negotiated kex family: the first client kex algorithm the server also offers. */
static int ssh_pick(const char *cl, uint16_t cn, const char *sv, uint16_t sn, struct slice *out);

static uint8_t ssh_kex_family_pick(struct proto_ctx *ctx);

static uint8_t ssh_kex_family(struct proto_ctx *ctx)
{
	struct ssh_state *me = ctx->state, *pe = ctx->peer;
	uint8_t f = ssh_kex_family_pick(ctx);
	if (f == SSH_KEX_UNKNOWN && pe)
		return pe->kex_family;
	me->kex_family = f;
	if (pe)
		pe->kex_family = f;
	return f;
}

static uint8_t ssh_kex_family_pick(struct proto_ctx *ctx)
{
	struct ssh_state *c = ssh_client(ctx), *s = ssh_server(ctx);
	struct slice k;
	if (!s || !c->kexinit || !s->kexinit || c->hidden || s->hidden ||
	    !ssh_pick(ssh_list(c, SSH_L_KEX), c->list_len[SSH_L_KEX], ssh_list(s, SSH_L_KEX), s->list_len[SSH_L_KEX], &k))
		return SSH_KEX_UNKNOWN;
	if (k.len >= 29 && memcmp(k.p, "diffie-hellman-group-exchange", 29) == 0)
		return SSH_KEX_DH_GEX;
	if (k.len >= 14 && memcmp(k.p, "diffie-hellman", 14) == 0)
		return SSH_KEX_DH;
	if ((k.len >= 5 && memcmp(k.p, "ecdh-", 5) == 0) || (k.len >= 10 && memcmp(k.p, "curve25519", 10) == 0) ||
	    (k.len >= 8 && memcmp(k.p, "curve448", 8) == 0))
		return SSH_KEX_ECDH;
	/* negotiated but unknown to tshark 4.0 (sntrup761x25519, mlkem768x25519 ...): its
	 * messages get the plain Diffie-Hellman names */
	return SSH_KEX_OTHER;
}

static const char *ssh_msg_name(uint8_t code, uint8_t kex)
{
	switch (code) {
	case 1: return "Disconnect";
	case 2: return "Ignore";
	case 3: return "Unimplemented";
	case 4: return "Debug";
	case 5: return "Service Request";
	case 6: return "Service Accept";
	case 7: return "Extended Information";
	case 20: return "Key Exchange Init";
	case 21: return "New Keys";
	default: break;
	}
	if (kex == SSH_KEX_DH_GEX) {
		switch (code) {
		case 30: return "Diffie-Hellman Group Exchange Request (Old)";
		case 31: return "Diffie-Hellman Group Exchange Group";
		case 32: return "Diffie-Hellman Group Exchange Init";
		case 33: return "Diffie-Hellman Group Exchange Reply";
		case 34: return "Diffie-Hellman Group Exchange Request";
		default: return NULL;
		}
	}
	if (kex == SSH_KEX_ECDH) {
		if (code == 30)
			return "Elliptic Curve Diffie-Hellman Key Exchange Init";
		if (code == 31)
			return "Elliptic Curve Diffie-Hellman Key Exchange Reply";
		return NULL;
	}
	if (code == 30)
		return "Diffie-Hellman Key Exchange Init";
	if (code == 31)
		return "Diffie-Hellman Key Exchange Reply";
	return NULL;
}

/* Starts the columns for this segment at its first PDU, or appends ", " for the next ones.
 * The prefix "Client: "/"Server: " is written before the first PDU's text. */
static int ssh_col_pdu(struct proto_ctx *ctx)
{
	struct proto_pkt *o = ctx->out;
	struct ssh_state *st = ctx->state, *c = ssh_client(ctx);
	if (!o || st->hidden)
		return 0;
	if (o->shown && o->proto == (uint8_t)(ctx->proto_idx + 1)) {
		proto_info_append(ctx, ", ");
		return 1;
	}
	proto_col_proto(ctx, c->v2 ? "SSHv2" : "SSH");
	proto_info_clear(ctx);
	proto_info_append(ctx, st->role == SSH_ROLE_SERVER ? "Server: " : "Client: ");
	proto_field_u(ctx, SSH_F_DIRECTION, st->role == SSH_ROLE_SERVER);
	return 1;
}

/* ---- KEXINIT ------------------------------------------------------------------------- */

static int ssh_pick(const char *cl, uint16_t cn, const char *sv, uint16_t sn, struct slice *out)
{
	uint32_t i = 0;
	for (int guard = 0; i < cn && guard < 256; guard++) {
		uint32_t j = i;
		while (j < cn && cl[j] != ',')
			j++;
		uint32_t n = j - i;
		uint32_t k = 0;
		for (int g2 = 0; k < sn && g2 < 256; g2++) {
			uint32_t m = k;
			while (m < sn && sv[m] != ',')
				m++;
			if (n && m - k == n && memcmp(cl + i, sv + k, n) == 0) {
				out->p = (const uint8_t *)cl + i;
				out->len = n;
				return 1;
			}
			k = m + 1;
		}
		i = j + 1;
	}
	return 0;
}

/* Keeps a name-list, cut at the last comma that fits. */
static void ssh_keep_list(struct proto_ctx *ctx, struct ssh_state *st, int which, struct slice s)
{
	uint32_t cap = ssh_list_cap[which], n = s.len;
	if (n > cap) {
		ctx->anomalies++;
		n = cap;
		while (n && s.p[n] != ',')
			n--;
	}
	memcpy(ssh_list(st, which), s.p, n);
	st->list_len[which] = (uint16_t)n;
}

static void ssh_hassh(struct ssh_state *st, const struct slice *l, int server)
{
	/* hassh: kex;enc;mac;comp with the client-to-server lists of the client,
	 * hasshServer: the same with the server-to-client lists of the server */
	struct slice parts[4] = { l[0], l[server ? 3 : 2], l[server ? 5 : 4], l[server ? 7 : 6] };
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	st->hassh[0] = 0;
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	if (!m)
		return;
	int ok = EVP_DigestInit_ex(m, EVP_md5(), NULL) == 1;
	for (int i = 0; ok && i < 4; i++) {
		if (i)
			ok = EVP_DigestUpdate(m, ";", 1) == 1;
		if (ok && parts[i].len)
			ok = EVP_DigestUpdate(m, parts[i].p, parts[i].len) == 1;
	}
	if (ok)
		ok = EVP_DigestFinal_ex(m, md, &mdlen) == 1;
	EVP_MD_CTX_free(m);
	if (!ok || mdlen != 16)
		return;
	static const char hex[] = "0123456789abcdef";
	for (unsigned int i = 0; i < 16; i++) {
		st->hassh[2 * i] = hex[md[i] >> 4];
		st->hassh[2 * i + 1] = hex[md[i] & 15];
	}
	st->hassh[32] = 0;
}

static void ssh_emit(struct proto_ctx *ctx);

/* The payload after the message code: cookie, ten name-lists, first_kex_packet_follows. */
static void ssh_kexinit(struct proto_ctx *ctx, struct ssh_state *st, struct rd *r)
{
	struct slice l[SSH_NAMES];
	rd_skip(r, 16);
	for (int i = 0; i < SSH_NAMES; i++) {
		uint32_t n = rd_be32(r);
		const uint8_t *p = rd_bytes(r, n);
		if (!rd_ok(r)) {
			ctx->anomalies++;
			return;
		}
		l[i].p = p;
		l[i].len = n;
	}
	static const uint8_t fid[8] = { SSH_F_KEX, SSH_F_HOSTKEY, SSH_F_ENC_CS, SSH_F_ENC_SC,
					SSH_F_MAC_CS, SSH_F_MAC_SC, SSH_F_COMP_CS, SSH_F_COMP_SC };
	for (int i = 0; i < 8; i++)
		proto_field_s(ctx, fid[i], l[i]);
	int server = st->role == SSH_ROLE_SERVER;
	ssh_keep_list(ctx, st, SSH_L_KEX, l[0]);
	ssh_keep_list(ctx, st, SSH_L_HOSTKEY, l[1]);
	ssh_keep_list(ctx, st, SSH_L_ENC, l[2]);
	ssh_keep_list(ctx, st, SSH_L_MAC, l[4]);
	ssh_keep_list(ctx, st, SSH_L_COMP, l[6]);
	ssh_hassh(st, l, server);
	if (st->hassh[0])
		proto_field_s(ctx, server ? SSH_F_HASSH_SERVER : SSH_F_HASSH, proto_slice_cstr(st->hassh));
	st->kexinit = 1;
	struct ssh_state *peer = ctx->peer;
	if (peer && peer->kexinit)
		ssh_emit(ctx);
}

/* ---- detail tree (-V) ------------------------------------------------------------------- */

/* Opens this packet's "SSH Protocol" item, or reopens it: the direction line stays last. */
static void ssh_tree_begin(struct proto_ctx *ctx, struct ssh_state *st)
{
	if (st->tree_frame == ctx->frame && ctx->frame)
		proto_tree_drop_last(ctx);
	else
		proto_tree_text(ctx, 0, "SSH Protocol");
	st->tree_frame = ctx->frame;
}

static void ssh_tree_end(struct proto_ctx *ctx, const struct ssh_state *st)
{
	proto_tree_gfield(ctx, 1, "Direction", "%s", st->role == SSH_ROLE_SERVER ? "server-to-client" : "client-to-server");
}

/* The negotiated kex method (Wireshark names the key exchange by it once both lists are known). */
static int ssh_tree_pick(struct proto_ctx *ctx, int which, struct slice *out)
{
	struct ssh_state *c = ssh_client(ctx), *s = ssh_server(ctx);
	return s && c->kexinit && s->kexinit &&
	       ssh_pick(ssh_list(c, which), c->list_len[which], ssh_list(s, which), s->list_len[which], out);
}

/* "SSH Version 2", with the encryption and compression once keys are in use. */
static void ssh_tree_version(struct proto_ctx *ctx, int keyed)
{
	struct slice enc, comp;
	if (keyed && ssh_tree_pick(ctx, SSH_L_ENC, &enc) && ssh_tree_pick(ctx, SSH_L_COMP, &comp) &&
	    ssh_kex_family(ctx) != SSH_KEX_DH_GEX)
		proto_tree_text(ctx, 1, "SSH Version 2 (encryption:%.*s compression:%.*s)", (int)enc.len, (const char *)enc.p,
				(int)comp.len, (const char *)comp.p);
	else
		proto_tree_text(ctx, 1, "SSH Version 2");
}

static void ssh_tree_kexinit(struct proto_ctx *ctx, const struct ssh_state *st, struct rd r)
{
	static const char *const names[SSH_NAMES] = {
		"kex_algorithms", "server_host_key_algorithms", "encryption_algorithms_client_to_server",
		"encryption_algorithms_server_to_client", "mac_algorithms_client_to_server",
		"mac_algorithms_server_to_client", "compression_algorithms_client_to_server",
		"compression_algorithms_server_to_client", "languages_client_to_server", "languages_server_to_client",
	};
	struct slice l[SSH_NAMES];
	const uint8_t *cookie = rd_bytes(&r, 16);
	if (!cookie)
		return;
	proto_tree_text(ctx, 3, "Algorithms");
	proto_tree_bytes(ctx, 4, "Cookie", (struct slice){ cookie, 16 });
	char label[64];
	for (int i = 0; i < SSH_NAMES; i++) {
		uint32_t n = rd_be32(&r);
		const uint8_t *p = rd_bytes(&r, n);
		if (!rd_ok(&r))
			return;
		l[i] = (struct slice){ p, n };
		snprintf(label, sizeof label, "%s length", names[i]);
		proto_tree_field(ctx, 4, label, "%u", n);
		snprintf(label, sizeof label, "%s string", names[i]);
		proto_tree_field_str(ctx, 4, label, l[i], PROTO_TENC_ASCII);
	}
	uint8_t follows = rd_u8(&r);
	uint32_t reserved = rd_be32(&r);
	if (!rd_ok(&r))
		return;
	proto_tree_field(ctx, 4, "First KEX Packet Follows", "%u", follows);
	proto_tree_field(ctx, 4, "Reserved", "%08x", reserved);
	int server = st->role == SSH_ROLE_SERVER;
	struct slice parts[4] = { l[0], l[server ? 3 : 2], l[server ? 5 : 4], l[server ? 7 : 6] };
	proto_tree_gfield(ctx, 4, server ? "hasshServerAlgorithms" : "hasshAlgorithms", "%s", "");
	for (int i = 0; i < 4; i++) {
		if (i)
			proto_tree_cat(ctx, ";");
		proto_tree_cat_str(ctx, parts[i], PROTO_TENC_ASCII);
	}
	if (st->hassh[0])
		proto_tree_gfield(ctx, 4, server ? "hasshServer" : "hassh", "%s", st->hassh);
}

/* An SSH string (uint32 length and bytes): "<name> length: N" and the value; 0 when cut. */
static int ssh_tree_string(struct proto_ctx *ctx, uint8_t depth, struct rd *r, const char *len_name, const char *name,
			   int text, struct slice *out)
{
	uint32_t n = rd_be32(r);
	const uint8_t *p = rd_bytes(r, n);
	if (!p)
		return 0;
	proto_tree_field(ctx, depth, len_name, "%u", n);
	if (text)
		proto_tree_field_str(ctx, depth, name, (struct slice){ p, n }, PROTO_TENC_ASCII);
	else
		proto_tree_bytes(ctx, depth, name, (struct slice){ p, n });
	if (out)
		*out = (struct slice){ p, n };
	return 1;
}

static int ssh_sl_is(struct slice s, const char *t)
{
	size_t n = strlen(t);
	return s.len >= n && !memcmp(s.p, t, n);
}

/* The server's host key blob (RFC 4253 6.6), by its type. */
static void ssh_tree_hostkey(struct proto_ctx *ctx, struct rd *r)
{
	uint32_t n = rd_be32(r);
	const uint8_t *p = rd_bytes(r, n);
	if (!p)
		return;
	struct rd k = rd_make(p, n);
	struct rd peek = k;
	uint32_t tl = rd_be32(&peek);
	const uint8_t *tp = rd_bytes(&peek, tl);
	if (!tp)
		return;
	struct slice type = { tp, tl };
	proto_tree_text(ctx, 3, "KEX host key (type: %.*s)", (int)type.len, (const char *)type.p);
	proto_tree_field(ctx, 4, "Host key length", "%u", n);
	if (!ssh_tree_string(ctx, 4, &k, "Host key type length", "Host key type", 1, &type))
		return;
	if (ssh_sl_is(type, "ssh-rsa")) {
		ssh_tree_string(ctx, 4, &k, "Multi Precision Integer Length", "RSA public exponent (e)", 0, NULL);
		ssh_tree_string(ctx, 4, &k, "Multi Precision Integer Length", "RSA modulus (N)", 0, NULL);
	} else if (ssh_sl_is(type, "ssh-ed25519")) {
		ssh_tree_string(ctx, 4, &k, "EdDSA public key length", "EdDSA public key", 0, NULL);
	} else if (ssh_sl_is(type, "ecdsa-sha2-")) {
		ssh_tree_string(ctx, 4, &k, "ECDSA elliptic curve identifier length", "ECDSA elliptic curve identifier", 1,
				NULL);
		ssh_tree_string(ctx, 4, &k, "ECDSA public key length", "ECDSA public key (Q)", 0, NULL);
	}
}

/* The exchange hash signature (Wireshark 4.0 counts what it decoded against the length). */
static void ssh_tree_hostsig(struct proto_ctx *ctx, struct rd *r)
{
	uint32_t n = rd_be32(r);
	const uint8_t *p = rd_bytes(r, n);
	if (!p)
		return;
	struct rd k = rd_make(p, n), peek = k;
	uint32_t tl = rd_be32(&peek);
	const uint8_t *tp = rd_bytes(&peek, tl);
	if (!tp)
		return;
	struct slice type = { tp, tl };
	proto_tree_text(ctx, 3, "KEX host signature (type: %.*s)", (int)type.len, (const char *)type.p);
	proto_tree_field(ctx, 4, "Host signature length", "%u", n);
	int rsa1 = type.len == 7 && ssh_sl_is(type, "ssh-rsa");
	if (!rsa1) {
		char msg[96];
		snprintf(msg, sizeof msg, "Decoded %u bytes, but packet legnth is %u bytes", 8u + type.len, n);
		proto_tree_expert(ctx, 5, "Warning", "Protocol", msg);
	}
	if (!ssh_tree_string(ctx, 4, &k, "Host signature type length", "Host signature type", 1, &type))
		return;
	if (rsa1)
		ssh_tree_string(ctx, 4, &k, "Multi Precision Integer Length", "RSA signature", 0, NULL);
	else if (ssh_sl_is(type, "rsa-") && rd_left(&k))
		proto_tree_bytes(ctx, 4, "Host signature data", (struct slice){ k.p, rd_left(&k) });
}

/* The ECDH messages (RFC 5656 section 4). */
static void ssh_tree_ecdh(struct proto_ctx *ctx, uint8_t code, struct rd r)
{
	if (code == 30) {
		ssh_tree_string(ctx, 3, &r, "ECDH client's ephemeral public key length",
				"ECDH client's ephemeral public key (Q_C)", 0, NULL);
		return;
	}
	ssh_tree_hostkey(ctx, &r);
	ssh_tree_string(ctx, 3, &r, "ECDH server's ephemeral public key length", "ECDH server's ephemeral public key (Q_S)", 0,
			NULL);
	ssh_tree_hostsig(ctx, &r);
}

/* A whole cleartext binary packet. */
static void ssh_tree_packet(struct proto_ctx *ctx, struct ssh_state *st, struct slice pkt)
{
	struct rd r = rd_make(pkt.p, pkt.len);
	uint32_t plen = rd_be32(&r);
	uint8_t padlen = rd_u8(&r), code = rd_u8(&r);
	if (!rd_ok(&r) || padlen + 1u > plen)
		return;
	uint8_t kex = ssh_kex_family(ctx);
	ssh_tree_version(ctx, code == 21);
	proto_tree_field(ctx, 2, "Packet Length", "%u", plen);
	proto_tree_field(ctx, 2, "Padding Length", "%u", padlen);
	struct slice method;
	if ((code >= 20 && code <= 49) && code != 20 && ssh_tree_pick(ctx, SSH_L_KEX, &method))
		proto_tree_text(ctx, 2, "Key Exchange (method:%.*s)", (int)method.len, (const char *)method.p);
	else if (code >= 20 && code <= 49)
		proto_tree_text(ctx, 2, "Key Exchange");
	const char *name = ssh_msg_name(code, kex);
	if (name)
		proto_tree_field(ctx, 3, "Message Code", "%s (%u)", name, code);
	else
		proto_tree_field(ctx, 3, "Message Code", "Unknown (%u)", code);
	if (code == 20)
		ssh_tree_kexinit(ctx, st, rd_sub(&r, plen - 2u - padlen));
	else if (kex == SSH_KEX_ECDH && (code == 30 || code == 31))
		ssh_tree_ecdh(ctx, code, rd_sub(&r, plen - 2u - padlen));
	struct rd pad = rd_make(pkt.p + 4 + plen - padlen, padlen);
	if (4 + plen <= pkt.len)
		proto_tree_bytes(ctx, 2, "Padding String", (struct slice){ pad.p, padlen });
	proto_tree_field(ctx, 2, "Sequence number", "%u", st->tree_seq++);
}

/* One whole cleartext binary packet: the code names it in Info. */
static void ssh_packet_done(struct proto_ctx *ctx, struct ssh_state *st, struct slice pkt)
{
	struct rd r = rd_make(pkt.p, pkt.len);
	uint32_t plen = rd_be32(&r);
	uint8_t padlen = rd_u8(&r);
	uint8_t code = rd_u8(&r);
	if (!rd_ok(&r))
		return;
	proto_field_u(ctx, SSH_F_PLEN, plen);
	proto_field_u(ctx, SSH_F_PADLEN, padlen);
	proto_field_u(ctx, SSH_F_CODE, code);
	if (code == 20 && padlen < plen) {
		struct rd body = rd_sub(&r, plen - 2u - padlen);
		ssh_kexinit(ctx, st, &body);
	}
}

static void ssh_info_code(struct proto_ctx *ctx, uint8_t code)
{
	if (!ssh_col_pdu(ctx))
		return;
	const char *name = ssh_msg_name(code, ssh_kex_family(ctx));
	if (name)
		proto_info_append(ctx, name);
	else
		proto_info_printf(ctx, "Unknown (%u)", code);
}

/* ---- the record ---------------------------------------------------------------------- */

static void ssh_rec_pick(struct proto_rec *rec, const char *name, struct ssh_state *c, struct ssh_state *s,
			 int which)
{
	struct slice v;
	if (c->kexinit && s->kexinit &&
	    ssh_pick(ssh_list(c, which), c->list_len[which], ssh_list(s, which), s->list_len[which], &v))
		proto_rec_str(rec, name, v);
}

static void ssh_emit(struct proto_ctx *ctx)
{
	struct ssh_state *c = ssh_client(ctx), *s = ssh_server(ctx);
	if (!s || c->emitted || !proto_records_on(ctx))
		return;
	c->emitted = 1;
	struct proto_rec rec;
	proto_rec_init(&rec, "ssh");
	uint8_t version = c->v2 ? 2 : 0;
	if (!version && c->banner_len >= 6 && memcmp(c->banner, "SSH-1.", 6) == 0)
		version = 1;
	if (version)
		proto_rec_u(&rec, "version", version);
	if (c->banner_len)
		proto_rec_str(&rec, "client", (struct slice){ (const uint8_t *)c->banner, c->banner_len });
	if (s->banner_len)
		proto_rec_str(&rec, "server", (struct slice){ (const uint8_t *)s->banner, s->banner_len });
	ssh_rec_pick(&rec, "cipher_alg", c, s, SSH_L_ENC);
	ssh_rec_pick(&rec, "mac_alg", c, s, SSH_L_MAC);
	ssh_rec_pick(&rec, "compression_alg", c, s, SSH_L_COMP);
	ssh_rec_pick(&rec, "kex_alg", c, s, SSH_L_KEX);
	ssh_rec_pick(&rec, "host_key_alg", c, s, SSH_L_HOSTKEY);
	if (c->hassh[0] || s->hassh[0])
		proto_rec_cstr(&rec, "hasshVersion", "1.1");
	if (c->hassh[0])
		proto_rec_cstr(&rec, "hassh", c->hassh);
	if (s->hassh[0])
		proto_rec_cstr(&rec, "hasshServer", s->hassh);
	proto_emit(ctx, &rec);
}

static void ssh_flow_end(struct proto_ctx *ctx)
{
	struct ssh_state *c = ssh_client(ctx), *s = ssh_server(ctx);
	if (s && (c->banner_len || s->banner_len))
		ssh_emit(ctx);
}

/* ---- framing ------------------------------------------------------------------------- */

static struct proto_res ssh_banner(struct proto_ctx *ctx, struct ssh_state *st, struct slice d)
{
	struct rd r = rd_make(d.p, d.len);
	for (uint32_t i = 0; rd_left(&r); i++) {
		if (rd_u8(&r) != '\n')
			continue;
		if (i + 1 >= 4 && d.p[0] == 'S' && d.p[1] == 'S' && d.p[2] == 'H' && d.p[3] == '-') {
			uint32_t n = i;
			if (n && d.p[n - 1] == '\r')
				n--;
			struct slice line = { d.p, n };
			st->phase = SSH_PACKET;
			uint32_t keep = n < SSH_BANNER_KEEP ? n : SSH_BANNER_KEEP;
			memcpy(st->banner, d.p, keep);
			st->banner_len = (uint16_t)keep;
			if (ssh_col_pdu(ctx)) {
				proto_info_append(ctx, "Protocol (");
				proto_info_append_bytes(ctx, line);
				proto_info_append(ctx, ")");
			}
			proto_field_s(ctx, SSH_F_PROTOCOL, line);
			if (proto_tree_on(ctx) && !st->hidden) {
				ssh_tree_begin(ctx, st);
				proto_tree_field_str(ctx, 1, "Protocol", line, PROTO_TENC_ASCII);
				ssh_tree_end(ctx, st);
			}
			/* the client's identification tells the version (SSH-2.x, or SSH-1.99:
			 * both protocols, and a version 2 server answers) */
			if (st->role == SSH_ROLE_CLIENT &&
			    ((n >= 6 && memcmp(d.p, "SSH-2.", 6) == 0) || (n >= 9 && memcmp(d.p, "SSH-1.99-", 9) == 0)))
				st->v2 = 1;
			return ssh_res(PROTO_OK, i + 1, 0);
		}
		if (st->role == SSH_ROLE_SERVER)
			st->hidden = 1; /* lines before the identification (RFC 4253 4.2) */
		return ssh_res(PROTO_OK, i + 1, 0);
	}
	if (d.len > SSH_LINE_MAX) {
		ctx->anomalies++;
		return ssh_res(PROTO_ERR, 0, 0);
	}
	return ssh_res(PROTO_NEED_MORE, 0, 0);
}

/* After NEWKEYS every segment is one PDU. Wireshark 4.0 takes the decryption path when it knows
 * the negotiated algorithms (both KEXINITs seen and a kex it derives keys for: not the group
 * exchange); without keys that shows no message text. Otherwise "Encrypted packet (len=N)". */
/* The tree of an encrypted segment: without the algorithms Wireshark shows its first bytes. */
static void ssh_tree_encrypted(struct proto_ctx *ctx, struct ssh_state *st, struct slice d, int known)
{
	if (!proto_tree_on(ctx))
		return;
	ssh_tree_begin(ctx, st);
	ssh_tree_version(ctx, known);
	if (!known && d.len >= 4) {
		proto_tree_bytes(ctx, 2, "Packet Length (encrypted)", (struct slice){ d.p, 4 });
		proto_tree_bytes(ctx, 2, "Encrypted Packet", (struct slice){ d.p + 4, d.len - 4 });
	}
	ssh_tree_end(ctx, st);
}

static void ssh_encrypted(struct proto_ctx *ctx, struct slice d)
{
	uint8_t kex = ssh_kex_family(ctx);
	struct ssh_state *st = ctx->state;
	if (st->hidden)
		return;
	if (kex != SSH_KEX_UNKNOWN && kex != SSH_KEX_DH_GEX) {
		struct proto_pkt *o = ctx->out;
		if (o && o->shown && o->proto == (uint8_t)(ctx->proto_idx + 1)) {
			ssh_tree_encrypted(ctx, st, d, 1); /* after New Keys in the same segment */
			return; /* nothing more in the columns */
		}
		if (d.len < 16) {
			/* too short for a cipher block: tshark marks the packet malformed */
			struct ssh_state *c = ssh_client(ctx);
			proto_col_proto(ctx, c->v2 ? "SSHv2" : "SSH");
			proto_info_clear(ctx);
			proto_info_append(ctx, "[Malformed Packet]");
			return;
		}
		(void)ssh_col_pdu(ctx);
		ssh_tree_encrypted(ctx, st, d, 1);
		return;
	}
	if (ssh_col_pdu(ctx))
		proto_info_printf(ctx, "Encrypted packet (len=%u)", d.len);
	ssh_tree_encrypted(ctx, st, d, 0);
}

/* A fresh state given data that is no identification while the other side is past its own:
 * the flow layer dissects a retransmission afresh (tshark does so with the conversation's
 * state). A plausible cleartext packet header continues in the packet phase, anything else
 * is encrypted. The version comes from the server's identification then. Returns 1 when the
 * phase was changed. */
static int ssh_redissect(struct proto_ctx *ctx, struct ssh_state *st, struct slice d)
{
	const struct ssh_state *peer = ctx->peer;
	if (!peer || st->banner_len || st->packets || !peer->banner_len || !d.len)
		return 0;
	/* text: lines before a server's identification (RFC 4253 4.2) */
	struct rd t = rd_make(d.p, d.len < 64 ? d.len : 64);
	int text = 1;
	while (rd_left(&t)) {
		uint8_t c = rd_u8(&t);
		if ((c < 0x20 || c >= 0x7f) && c != '\r' && c != '\n' && c != '\t')
			text = 0;
	}
	if (text)
		return 0;
	struct rd r = rd_make(d.p, d.len);
	uint32_t plen = rd_be32(&r);
	uint8_t padlen = rd_u8(&r), code = rd_u8(&r);
	int clear = rd_ok(&r) && plen >= 12 && plen <= SSH_PACKET_MAX && padlen >= 4 && padlen < plen &&
		    ((code >= 1 && code <= 7) || (code >= 20 && code <= 49));
	st->phase = clear ? SSH_PACKET : SSH_ENCRYPTED;
	if (st->role == SSH_ROLE_CLIENT && peer->banner_len >= 6 &&
	    (memcmp(peer->banner, "SSH-2.", 6) == 0 ||
	     (peer->banner_len >= 9 && memcmp(peer->banner, "SSH-1.99-", 9) == 0)))
		st->v2 = 1;
	return 1;
}

static struct proto_res ssh_parse(struct proto_ctx *ctx, uint8_t dir, struct slice d)
{
	struct ssh_state *st = ctx->state;
	if (!st->role)
		st->role = ssh_role_of(ctx, dir);
	ctx->info = PROTO_INFO_CLEAR;
	struct rd r = rd_make(d.p, d.len);
	switch (st->phase) {
	case SSH_BANNER:
		if (d.len >= 4 && memcmp(d.p, "SSH-", 4) != 0 && ssh_redissect(ctx, st, d))
			return ssh_parse(ctx, dir, d);
		if (st->role == SSH_ROLE_CLIENT && d.len >= 4 && memcmp(d.p, "SSH-", 4) != 0) {
			/* no identification first: the capture began inside the connection */
			st->phase = SSH_ENCRYPTED;
			ssh_encrypted(ctx, d);
			return ssh_res(PROTO_OK, d.len, 0);
		}
		return ssh_banner(ctx, st, d);
	case SSH_PACKET: {
		uint32_t plen = rd_be32(&r);
		uint8_t padlen = rd_u8(&r);
		uint8_t code = rd_u8(&r);
		(void)padlen;
		if (d.len < 4)
			return ssh_res(PROTO_NEED_MORE, 0, 0);
		if (plen > SSH_PACKET_MAX || plen < 5) {
			/* not a cleartext packet: Wireshark treats the rest as encrypted */
			st->phase = SSH_ENCRYPTED;
			ssh_encrypted(ctx, d);
			return ssh_res(PROTO_OK, d.len, 0);
		}
		if (d.len - 4 >= plen) {
			if (d.len >= 6 && code == 21) /* SSH_MSG_NEWKEYS */
				st->phase = SSH_ENCRYPTED;
			st->packets++;
			struct slice pkt = { d.p, plen + 4 };
			ssh_packet_done(ctx, st, pkt);
			if (proto_tree_on(ctx) && !st->hidden) {
				ssh_tree_begin(ctx, st);
				ssh_tree_packet(ctx, st, pkt);
				ssh_tree_end(ctx, st);
			}
			ssh_info_code(ctx, code);
			return ssh_res(PROTO_OK, plen + 4, 0);
		}
		if (d.len < 6)
			return ssh_res(PROTO_NEED_MORE, 0, 0);
		if (code == 20 && plen + 4 <= SSH_KEXINIT_KEEP)
			return ssh_res(PROTO_NEED_MORE, 0, plen + 4 - d.len); /* keep it whole */
		st->newkeys = code == 21; /* encryption starts after this packet */
		st->code = code;
		st->has_code = 1;
		st->phase = SSH_BODY;
		st->left = plen + 4 - d.len;
		return ssh_res(PROTO_NEED_MORE, d.len, st->left);
	}
	case SSH_BODY:
		if (d.len >= st->left) {
			uint32_t n = st->left;
			st->left = 0;
			st->phase = st->newkeys ? SSH_ENCRYPTED : SSH_PACKET;
			st->packets++;
			if (st->has_code)
				ssh_info_code(ctx, st->code);
			st->has_code = 0;
			return ssh_res(PROTO_OK, n, 0);
		}
		st->left -= d.len;
		return ssh_res(PROTO_NEED_MORE, d.len, st->left);
	default:
		if (d.len)
			ssh_encrypted(ctx, d);
		return ssh_res(PROTO_OK, d.len, 0);
	}
}

static int ssh_skip(struct proto_ctx *ctx, uint8_t dir, uint32_t n)
{
	struct ssh_state *st = ctx->state;
	(void)dir;
	if (st->phase == SSH_ENCRYPTED)
		return 0;
	if (st->phase == SSH_BODY && n < st->left) {
		st->left -= n;
		return 0;
	}
	return -1;
}

static enum proto_probe ssh_probe(uint8_t l4, struct slice d)
{
	(void)l4;
	if (d.len < 4)
		return PROBE_MAYBE;
	return d.p[0] == 'S' && d.p[1] == 'S' && d.p[2] == 'H' && d.p[3] == '-' ? PROBE_YES : PROBE_NO;
}

const struct proto_desc proto_ssh = {
	.name = "ssh",
	.l4 = PROTO_L4_TCP,
	.ws_heuristic = 0,
	.ports = ssh_ports,
	.probe = ssh_probe,
	.state_size = sizeof(struct ssh_state),
	.parse = ssh_parse,
	.skip = ssh_skip,
	.on_flow_end = ssh_flow_end,
	.fields = ssh_fields,
	.nfields = sizeof ssh_fields / sizeof ssh_fields[0],
	.col_name = "SSH",
	.tcp_prefix_sep = ", ",
	.tcp_prefix_after = ": ",
};
