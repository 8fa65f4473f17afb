/* capture_int.h: private to src/capture. */
#ifndef SLEUTH_CAPTURE_CAPTURE_INT_H
#define SLEUTH_CAPTURE_CAPTURE_INT_H

#include "capture/capture.h"

#define CAPTURE_MAX_IFACES 4096
#define CAPTURE_MAX_NAMES 65536
#define CAPTURE_MAX_SECRETS 256
#define CAPTURE_MAX_RECORD (256u * 1024u * 1024u) /* largest pcapng block we accept */
#define CAPTURE_MAX_SNAP (256u * 1024u)           /* largest caplen, as libpcap and wiretap */

struct capture_iface {
	uint16_t linktype;
	uint32_t snaplen;
	uint64_t units;     /* timestamp units per second */
	uint8_t digits;     /* decimal digits of precision */
	int64_t tsoffset;   /* seconds added to every timestamp */
};

struct bpf_set;
struct live;
struct iseries;

struct capture {
	enum capture_kind kind;
	char *path;                /* owned */
	const uint8_t *map;        /* owned mapping of the (decompressed) file (iSeries text traces) */
	/* pcap and pcapng are read through a window: file bytes [win_off, win_off + win_len) at win,
	 * refilled with pread by capture_want (a page-cache copy costs less than faulting in a
	 * mapping, and memory stays one window whatever the file's size) */
	uint8_t *win;              /* owned; NULL when mapped */
	size_t win_cap, win_len;
	uint64_t win_off;
	size_t win_min;            /* capacity kept between large records */
	int win_fresh;             /* test mode: every refill takes a new buffer (ASan sees stale use) */
	int file_fd;               /* owned; the (decompressed) file read through the window; -1 none */
	uint64_t size;
	uint64_t pos;              /* offset of the next record */
	uint64_t nframes;
	int swapped;               /* file byte order differs from big/little reading default */
	/* pcap */
	uint16_t linktype;
	uint32_t snaplen;
	uint8_t ts_digits;
	uint32_t rec_extra;        /* extra bytes per record header (modified pcap) */
	/* pcapng, per section */
	struct capture_iface *ifaces; /* owned */
	uint32_t nifaces;
	int saw_shb;
	struct capture_name *names;   /* owned, names[].name owned */
	size_t nnames;
	struct capture_secret *secrets; /* owned, data owned */
	size_t nsecrets;
	struct bpf_set *bpf;       /* owned */
	struct live *live;         /* owned */
	struct iseries *iseries;   /* owned: the frames of an iSeries text trace */
	int fd;
	uint64_t dropped;          /* pages of the mapping before this offset were given back */
	int tail_rc;               /* error to report after the last readable frame */
	struct errbuf tail;
};

/* Makes the file bytes [c->pos, c->pos + n) (cut to the file's end) readable at capture_at(c, c->pos).
 * Pointers into the window from before the call are invalid after it. Returns 0 or a negative
 * error (a failed read). A no-op for a mapped file. */
int capture_want(struct capture *c, uint64_t n, struct errbuf *e);
static inline const uint8_t *capture_at(const struct capture *c, uint64_t off)
{
	return c->win ? c->win + (off - c->win_off) : c->map + off;
}

int pcap_file_open(struct capture *c, struct errbuf *e);
int pcap_file_next(struct capture *c, struct frame *f, struct errbuf *e);
int pcapng_file_open(struct capture *c, struct errbuf *e);
int pcapng_file_next(struct capture *c, struct frame *f, struct errbuf *e);
void pcapng_file_free(struct capture *c);
/* IBM iSeries communications trace text: probe 1 if `p` starts like one. */
int iseries_file_probe(const uint8_t *p, uint64_t size);
int iseries_file_open(struct capture *c, struct errbuf *e);
int iseries_file_next(struct capture *c, struct frame *f, struct errbuf *e);
void iseries_file_free(struct capture *c);

int live_next(struct capture *c, struct frame *f, struct errbuf *e);
void live_close(struct capture *c);
void live_break(struct capture *c);

/* 1 pass, 0 reject. */
int bpf_set_match(struct bpf_set *b, const struct frame *f);
void bpf_set_free(struct bpf_set *b);
int bpf_set_new(struct bpf_set **out, const char *expr, int live_linktype, struct errbuf *e);

#endif
