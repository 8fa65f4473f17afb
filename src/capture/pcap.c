/* pcap.c: classic libpcap file format (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcap/),
 * both byte orders, microsecond and nanosecond magic, and the "modified" (Kuznetzov) variant. */
#include "capture/capture_int.h"

#include "base/rd.h"

#define PCAP_HDR_LEN 24
#define PCAP_REC_LEN 16

static uint32_t pcap_u32(const struct capture *c, const uint8_t *p)
{
	if (c->swapped)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

int pcap_file_open(struct capture *c, struct errbuf *e)
{
	c->pos = 0;
	int rc = capture_want(c, PCAP_HDR_LEN, e);
	if (rc < 0)
		return rc;
	const uint8_t *p = capture_at(c, 0);
	uint32_t le = (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
	uint32_t be = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	uint32_t magic;
	if (le == 0xa1b2c3d4 || le == 0xa1b23c4d || le == 0xa1b2cd34) {
		c->swapped = 0;
		magic = le;
	} else if (be == 0xa1b2c3d4 || be == 0xa1b23c4d || be == 0xa1b2cd34) {
		c->swapped = 1;
		magic = be;
	} else {
		return err_set_at(e, ERR_FORMAT, 0,
				  "not a pcap or pcapng capture (first bytes %02x %02x %02x %02x)",
				  p[0], p[1], p[2], p[3]);
	}
	if (c->size < PCAP_HDR_LEN)
		return err_set_at(e, ERR_TRUNC, c->size, "pcap file header cut short (%llu of 24 bytes)",
				  (unsigned long long)c->size);
	c->ts_digits = magic == 0xa1b23c4d ? 9 : 6;
	c->rec_extra = magic == 0xa1b2cd34 ? 8 : 0;
	uint16_t major = (uint16_t)(c->swapped ? (p[4] << 8 | p[5]) : (p[5] << 8 | p[4]));
	if (major != 2)
		return err_set_at(e, ERR_FORMAT, 4, "pcap version %u is not supported", major);
	c->snaplen = pcap_u32(c, p + 16);
	c->linktype = (uint16_t)(pcap_u32(c, p + 20) & 0xffff);
	c->pos = PCAP_HDR_LEN;
	return 0;
}

int pcap_file_next(struct capture *c, struct frame *f, struct errbuf *e)
{
	uint64_t left = c->size - c->pos;
	if (left == 0)
		return 0;
	uint32_t hl = PCAP_REC_LEN + c->rec_extra;
	if (left < hl)
		return err_set_at(e, ERR_TRUNC, c->pos, "record header cut short (%llu of %u bytes)",
				  (unsigned long long)left, hl);
	int rc = capture_want(c, hl, e);
	if (rc < 0)
		return rc;
	const uint8_t *h = capture_at(c, c->pos);
	uint32_t sec = pcap_u32(c, h), frac = pcap_u32(c, h + 4);
	uint32_t caplen = pcap_u32(c, h + 8), len = pcap_u32(c, h + 12);
	if (caplen > CAPTURE_MAX_SNAP && caplen > c->snaplen)
		return err_set_at(e, ERR_CORRUPT, c->pos, "record length %u is larger than the maximum %u",
				  caplen, CAPTURE_MAX_SNAP);
	if (left - hl < caplen)
		return err_set_at(e, ERR_TRUNC, c->pos, "record of %u bytes cut short: only %llu bytes remain",
				  caplen, (unsigned long long)(left - hl));
	if ((rc = capture_want(c, hl + caplen, e)) < 0)
		return rc;
	f->data = capture_at(c, c->pos) + hl;
	f->caplen = caplen;
	f->len = len < caplen ? caplen : len;
	f->ts_sec = sec;
	f->ts_nsec = c->ts_digits == 9 ? frac : frac * 1000u;
	f->ts_digits = c->ts_digits;
	f->linktype = c->linktype;
	f->ifindex = 0;
	f->offset = c->pos;
	c->pos += hl + caplen;
	return 1;
}
