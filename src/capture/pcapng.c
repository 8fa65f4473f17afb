/* pcapng.c: pcapng reader (draft-ietf-opsawg-pcapng): SHB in both byte orders, several
 * sections and interfaces, IDB if_tsresol/if_tsoffset, EPB, SPB, obsolete PB, NRB names,
 * DSB secrets; ISB, custom and unknown blocks are skipped. */
#include "capture/capture_int.h"

#include <stdlib.h>
#include <string.h>

enum {
	BT_SHB = 0x0a0d0d0a,
	BT_IDB = 0x00000001,
	BT_PB = 0x00000002,
	BT_SPB = 0x00000003,
	BT_NRB = 0x00000004,
	BT_ISB = 0x00000005,
	BT_EPB = 0x00000006,
	BT_DSB = 0x0000000a,
};

#define PCAPNG_MAX_NAME 1024

static uint32_t ng_u32(const struct capture *c, const uint8_t *p)
{
	if (c->swapped)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint16_t ng_u16(const struct capture *c, const uint8_t *p)
{
	return c->swapped ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static int pcapng_read_shb(struct capture *c, struct errbuf *e)
{
	uint64_t left = c->size - c->pos;
	int rc = capture_want(c, 16, e);
	if (rc < 0)
		return rc;
	const uint8_t *b = capture_at(c, c->pos);
	if (left < 16) /* type, length, byte-order magic, major and minor version */
		return err_set_at(e, ERR_TRUNC, c->pos, "section header block cut short");
	uint32_t bom_le = (uint32_t)b[11] << 24 | (uint32_t)b[10] << 16 | (uint32_t)b[9] << 8 | b[8];
	if (bom_le == 0x1a2b3c4d)
		c->swapped = 0;
	else if (bom_le == 0x4d3c2b1a)
		c->swapped = 1;
	else
		return err_set_at(e, ERR_CORRUPT, c->pos + 8, "section header has bad byte-order magic 0x%08x", bom_le);
	uint32_t blen = ng_u32(c, b + 4);
	if (blen < 28 || blen % 4)
		return err_set_at(e, ERR_CORRUPT, c->pos, "section header block length %u is invalid", blen);
	uint16_t major = ng_u16(c, b + 12);
	if (major != 1)
		return err_set_at(e, ERR_FORMAT, c->pos + 12, "pcapng version %u is not supported", major);
	/* a new section: interfaces restart */
	c->nifaces = 0;
	c->saw_shb = 1;
	return 0;
}

static void pcapng_parse_idb_options(struct capture *c, struct capture_iface *ifc, const uint8_t *o, uint32_t olen)
{
	uint32_t off = 0;
	for (int guard = 0; off + 4 <= olen && guard < 4096; guard++) {
		uint16_t code = ng_u16(c, o + off), len = ng_u16(c, o + off + 2);
		off += 4;
		if (code == 0 || off + len > olen)
			break;
		if (code == 9 && len >= 1) {
			uint8_t v = o[off];
			uint8_t exp = v & 0x7f;
			if (v & 0x80) {
				if (exp < 64) {
					ifc->units = (uint64_t)1 << exp;
					/* digits needed to show 2^-exp to its resolution, as wiretap does */
					uint8_t d = 0;
					uint64_t u = ifc->units;
					while (u > 1 && d < 9) {
						u /= 10;
						d++;
					}
					ifc->digits = d ? d : 1;
				}
			} else if (exp <= 19) {
				uint64_t u = 1;
				for (uint8_t i = 0; i < exp; i++)
					u *= 10;
				ifc->units = u;
				ifc->digits = exp > 9 ? 9 : exp;
			}
		} else if (code == 14 && len >= 8) {
			uint64_t v = (uint64_t)ng_u32(c, o + off + (c->swapped ? 0 : 4)) << 32 |
				     ng_u32(c, o + off + (c->swapped ? 4 : 0));
			ifc->tsoffset = (int64_t)v;
		}
		off += (uint32_t)((len + 3u) & ~3u);
	}
}

static int pcapng_read_idb(struct capture *c, const uint8_t *body, uint32_t blen, struct errbuf *e)
{
	if (blen < 8)
		return err_set_at(e, ERR_CORRUPT, c->pos, "interface description block too short (%u bytes)", blen + 12);
	if (c->nifaces >= CAPTURE_MAX_IFACES)
		return err_set_at(e, ERR_LIMIT, c->pos, "more than %d interfaces in a section", CAPTURE_MAX_IFACES);
	if (!c->ifaces) {
		c->ifaces = calloc(CAPTURE_MAX_IFACES, sizeof *c->ifaces);
		if (!c->ifaces)
			return err_set(e, ERR_NOMEM, "out of memory");
	}
	struct capture_iface *ifc = &c->ifaces[c->nifaces++];
	ifc->linktype = ng_u16(c, body);
	ifc->snaplen = ng_u32(c, body + 4);
	ifc->units = 1000000;
	ifc->digits = 6;
	ifc->tsoffset = 0;
	pcapng_parse_idb_options(c, ifc, body + 8, blen - 8);
	return 0;
}

static void pcapng_fill_ts(const struct capture_iface *ifc, uint64_t ts, struct frame *f)
{
	uint64_t sec = ts / ifc->units, rem = ts % ifc->units;
	uint64_t ns;
	if (ifc->units == 1000000000)
		ns = rem;
	else if (ifc->units == 1000000)
		ns = rem * 1000;
	else
		ns = (uint64_t)((long double)rem * 1e9L / (long double)ifc->units);
	int64_t ssec = sec > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)sec;
	if (__builtin_add_overflow(ssec, ifc->tsoffset, &f->ts_sec))
		f->ts_sec = ifc->tsoffset < 0 ? INT64_MIN : INT64_MAX; /* hostile if_tsoffset: saturate */
	f->ts_nsec = (uint32_t)ns;
	f->ts_digits = ifc->digits;
}

static void pcapng_add_name(struct capture *c, uint8_t family, const uint8_t *addr, const uint8_t *name, uint32_t n)
{
	if (c->nnames >= CAPTURE_MAX_NAMES || n == 0 || n > PCAPNG_MAX_NAME)
		return;
	if (!c->names) {
		c->names = calloc(CAPTURE_MAX_NAMES, sizeof *c->names);
		if (!c->names)
			return;
	}
	char *s = malloc(n + 1);
	if (!s)
		return;
	memcpy(s, name, n);
	s[n] = 0;
	struct capture_name *cn = &c->names[c->nnames++];
	cn->family = family;
	memset(cn->addr, 0, sizeof cn->addr);
	memcpy(cn->addr, addr, family == 4 ? 4 : 16);
	cn->name = s;
}

static void pcapng_read_nrb(struct capture *c, const uint8_t *b, uint32_t blen)
{
	uint32_t off = 0;
	for (int guard = 0; off + 4 <= blen && guard < 65536; guard++) {
		uint16_t type = ng_u16(c, b + off), len = ng_u16(c, b + off + 2);
		off += 4;
		if (type == 0 || off + len > blen)
			break;
		uint32_t alen = type == 1 ? 4 : type == 2 ? 16 : 0;
		if (alen && len > alen) {
			const uint8_t *v = b + off;
			uint32_t p = alen;
			while (p < len) {
				uint32_t s = p;
				while (p < len && v[p])
					p++;
				pcapng_add_name(c, type == 1 ? 4 : 6, v, v + s, p - s);
				p++;
			}
		}
		off += (uint32_t)((len + 3u) & ~3u);
	}
}

static void pcapng_read_dsb(struct capture *c, const uint8_t *b, uint32_t blen)
{
	if (blen < 8 || c->nsecrets >= CAPTURE_MAX_SECRETS)
		return;
	uint32_t type = ng_u32(c, b), len = ng_u32(c, b + 4);
	if (len > blen - 8)
		return;
	if (!c->secrets) {
		c->secrets = calloc(CAPTURE_MAX_SECRETS, sizeof *c->secrets);
		if (!c->secrets)
			return;
	}
	uint8_t *d = malloc(len ? len : 1);
	if (!d)
		return;
	memcpy(d, b + 8, len);
	c->secrets[c->nsecrets].type = type;
	c->secrets[c->nsecrets].data.p = d;
	c->secrets[c->nsecrets].data.len = len;
	c->nsecrets++;
}

int pcapng_file_open(struct capture *c, struct errbuf *e)
{
	c->pos = 0;
	return pcapng_read_shb(c, e);
}

static const struct capture_iface *pcapng_iface(struct capture *c, uint32_t id, struct errbuf *e, int *rc)
{
	if (id >= c->nifaces) {
		*rc = err_set_at(e, ERR_CORRUPT, c->pos, "packet block refers to interface %u, but only %u are described",
				 id, c->nifaces);
		return NULL;
	}
	return &c->ifaces[id];
}

static int pcapng_packet(struct capture *c, struct frame *f, const struct capture_iface *ifc, const uint8_t *data,
			 uint32_t caplen, uint32_t len, uint32_t room, struct errbuf *e)
{
	if (caplen > room)
		return err_set_at(e, ERR_CORRUPT, c->pos, "packet data of %u bytes overruns its block (%u bytes of room)",
				  caplen, room);
	f->data = data;
	f->caplen = caplen;
	f->len = len < caplen ? caplen : len;
	f->linktype = ifc->linktype;
	f->offset = c->pos;
	return 1;
}

int pcapng_file_next(struct capture *c, struct frame *f, struct errbuf *e)
{
	for (int guard = 0;; guard++) {
		uint64_t left = c->size - c->pos;
		if (left == 0)
			return 0;
		if (left < 12)
			return err_set_at(e, ERR_TRUNC, c->pos, "block header cut short (%llu bytes left)",
					  (unsigned long long)left);
		int rc = capture_want(c, 12, e);
		if (rc < 0)
			return rc;
		const uint8_t *b = capture_at(c, c->pos);
		uint32_t type = ng_u32(c, b);
		if (type == BT_SHB) {
			if ((rc = pcapng_read_shb(c, e)) < 0)
				return rc;
			b = capture_at(c, c->pos);
		}
		uint32_t blen = ng_u32(c, b + 4);
		if (blen < 12 || blen % 4)
			return err_set_at(e, ERR_CORRUPT, c->pos, "block length %u is not a multiple of 4 of at least 12",
					  blen);
		if (blen > CAPTURE_MAX_RECORD)
			return err_set_at(e, ERR_CORRUPT, c->pos, "block length %u exceeds the maximum %u", blen,
					  CAPTURE_MAX_RECORD);
		if (blen > left)
			return err_set_at(e, ERR_TRUNC, c->pos, "block of %u bytes cut short: only %llu bytes remain", blen,
					  (unsigned long long)left);
		if ((rc = capture_want(c, blen, e)) < 0)
			return rc;
		b = capture_at(c, c->pos);
		if (ng_u32(c, b + blen - 4) != blen)
			return err_set_at(e, ERR_CORRUPT, c->pos, "block trailer length %u does not match header length %u",
					  ng_u32(c, b + blen - 4), blen);
		const uint8_t *body = b + 8;
		uint32_t bl = blen - 12;
		rc = 0;
		const struct capture_iface *ifc;
		switch (type) {
		case BT_IDB:
			rc = pcapng_read_idb(c, body, bl, e);
			break;
		case BT_EPB:
			if (bl < 20) {
				rc = err_set_at(e, ERR_CORRUPT, c->pos, "enhanced packet block too short");
				break;
			}
			ifc = pcapng_iface(c, ng_u32(c, body), e, &rc);
			if (!ifc)
				break;
			pcapng_fill_ts(ifc, (uint64_t)ng_u32(c, body + 4) << 32 | ng_u32(c, body + 8), f);
			f->ifindex = ng_u32(c, body);
			rc = pcapng_packet(c, f, ifc, body + 20, ng_u32(c, body + 12), ng_u32(c, body + 16), bl - 20, e);
			break;
		case BT_PB:
			if (bl < 20) {
				rc = err_set_at(e, ERR_CORRUPT, c->pos, "packet block too short");
				break;
			}
			ifc = pcapng_iface(c, ng_u16(c, body), e, &rc);
			if (!ifc)
				break;
			pcapng_fill_ts(ifc, (uint64_t)ng_u32(c, body + 4) << 32 | ng_u32(c, body + 8), f);
			f->ifindex = ng_u16(c, body);
			rc = pcapng_packet(c, f, ifc, body + 20, ng_u32(c, body + 12), ng_u32(c, body + 16), bl - 20, e);
			break;
		case BT_SPB: {
			if (bl < 4) {
				rc = err_set_at(e, ERR_CORRUPT, c->pos, "simple packet block too short");
				break;
			}
			ifc = pcapng_iface(c, 0, e, &rc);
			if (!ifc)
				break;
			uint32_t olen = ng_u32(c, body), cap = olen;
			if (ifc->snaplen && cap > ifc->snaplen)
				cap = ifc->snaplen;
			if (cap > bl - 4)
				cap = bl - 4;
			f->ts_sec = 0;
			f->ts_nsec = 0;
			f->ts_digits = ifc->digits;
			f->ifindex = 0;
			rc = pcapng_packet(c, f, ifc, body + 4, cap, olen, bl - 4, e);
			break;
		}
		case BT_NRB:
			pcapng_read_nrb(c, body, bl);
			break;
		case BT_DSB:
			pcapng_read_dsb(c, body, bl);
			break;
		default: /* SHB handled above; ISB, custom and unknown blocks skipped */
			break;
		}
		if (rc < 0)
			return rc;
		c->pos += blen;
		if (rc == 1)
			return 1;
		(void)guard;
	}
}

void pcapng_file_free(struct capture *c)
{
	for (size_t i = 0; i < c->nnames; i++)
		free((void *)c->names[i].name);
	free(c->names);
	for (size_t i = 0; i < c->nsecrets; i++)
		free((void *)c->secrets[i].data.p);
	free(c->secrets);
	free(c->ifaces);
	c->names = NULL;
	c->secrets = NULL;
	c->ifaces = NULL;
	c->nnames = c->nsecrets = 0;
}
