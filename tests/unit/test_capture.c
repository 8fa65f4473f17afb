/* test_capture.c: unit test of the capture-file readers (capture/pcap.c, pcapng.c, capture.c).
 * Builds small pcap and pcapng files from byte arrays in a temporary directory: both byte
 * orders, usec/nsec, pcapng with two sections and two interfaces of different link types,
 * if_tsresol=9 and if_tsoffset, SPB, obsolete PB, NRB names, DSB secrets; then checks that
 * every truncated prefix of each file yields the frames before the cut plus a clean end or a
 * negative error at an offset within the file, and that a gzip'd copy reads the same.
 *
 * pcap and pcapng are read through a window (capture_want). The tests run again with a 64-byte
 * window (SLEUTH_CAPTURE_WINDOW), where every refill takes a fresh buffer of exactly the size
 * needed: under ASan (make asan) a read past a record or through a pointer kept from an earlier
 * window is reported. Two readers of one file (capture_open_again), read in turns, must give
 * the frames one reader gives. Other files are mapped, and a page-rounded mapping hides reads
 * past the end: this program therefore provides its own mmap/munmap (the executable's
 * definitions take precedence over libc's for the library objects it links): a read-only file
 * mapping is copied so that it ends exactly at an inaccessible guard page, and a read past the
 * end of the file faults. The fault is caught and reported as a failed test. TAP-style output. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>
#include <zlib.h>

#include "capture/capture.h"

#include "tap.h"

/* ---- guard-page mappings ----------------------------------------------------------------- */

#define TEST_MAPS 16
static struct {
	void *user, *base;
	size_t total;
} test_maps[TEST_MAPS];

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int munmap(void *addr, size_t len);

static void *test_sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (fd < 0 || prot != PROT_READ || addr || off || len == 0)
		return test_sys_mmap(addr, len, prot, flags, fd, off);
	int slot = -1;
	for (int i = 0; i < TEST_MAPS; i++)
		if (!test_maps[i].user) {
			slot = i;
			break;
		}
	if (slot < 0)
		return test_sys_mmap(addr, len, prot, flags, fd, off);
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t pages = (len + pg - 1) / pg;
	size_t total = (pages + 1) * pg;
	uint8_t *base = test_sys_mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return MAP_FAILED;
	uint8_t *user = base + pages * pg - len;
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, user + got, len - got, (off_t)got);
		if (n <= 0) {
			syscall(SYS_munmap, base, total);
			errno = EIO;
			return MAP_FAILED;
		}
		got += (size_t)n;
	}
	mprotect(base, pages * pg, PROT_READ);
	mprotect(base + pages * pg, pg, PROT_NONE);
	test_maps[slot].user = user;
	test_maps[slot].base = base;
	test_maps[slot].total = total;
	return user;
}

int munmap(void *addr, size_t len)
{
	for (int i = 0; i < TEST_MAPS; i++)
		if (test_maps[i].user == addr && addr) {
			int rc = (int)syscall(SYS_munmap, test_maps[i].base, test_maps[i].total);
			test_maps[i].user = NULL;
			return rc;
		}
	return (int)syscall(SYS_munmap, addr, len);
}

static sigjmp_buf test_fault_jmp;
static volatile sig_atomic_t test_fault_armed;

static void test_on_fault(int sig)
{
	if (test_fault_armed)
		siglongjmp(test_fault_jmp, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ---- byte builders ------------------------------------------------------------------------- */

struct test_buf {
	uint8_t b[8192];
	size_t n;
	int be; /* big-endian integers */
};

static void tb_bytes(struct test_buf *t, const void *p, size_t n)
{
	if (t->n + n > sizeof t->b)
		abort();
	memcpy(t->b + t->n, p, n);
	t->n += n;
}

static void tb_u8(struct test_buf *t, uint8_t v) { tb_bytes(t, &v, 1); }

static void tb_u16(struct test_buf *t, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(t->be ? v >> 8 : v), (uint8_t)(t->be ? v : v >> 8) };
	tb_bytes(t, b, 2);
}

static void tb_u32(struct test_buf *t, uint32_t v)
{
	if (t->be) {
		tb_u16(t, (uint16_t)(v >> 16));
		tb_u16(t, (uint16_t)v);
	} else {
		tb_u16(t, (uint16_t)v);
		tb_u16(t, (uint16_t)(v >> 16));
	}
}

static void tb_u64(struct test_buf *t, uint64_t v)
{
	if (t->be) {
		tb_u32(t, (uint32_t)(v >> 32));
		tb_u32(t, (uint32_t)v);
	} else {
		tb_u32(t, (uint32_t)v);
		tb_u32(t, (uint32_t)(v >> 32));
	}
}

static void tb_pad4(struct test_buf *t)
{
	while (t->n % 4)
		tb_u8(t, 0);
}

/* pcapng blocks: tb_block_begin returns the start; tb_block_end pads and writes both lengths. */
static size_t tb_block_begin(struct test_buf *t, uint32_t type)
{
	size_t s = t->n;
	tb_u32(t, type);
	tb_u32(t, 0);
	return s;
}

static void tb_block_end(struct test_buf *t, size_t s)
{
	tb_pad4(t);
	uint32_t len = (uint32_t)(t->n - s + 4);
	tb_u32(t, len);
	size_t save = t->n;
	t->n = s + 4;
	tb_u32(t, len);
	t->n = save;
}

static void tb_opt(struct test_buf *t, uint16_t code, const void *v, uint16_t len)
{
	tb_u16(t, code);
	tb_u16(t, len);
	tb_bytes(t, v, len);
	tb_pad4(t);
}

/* ---- the expected frames ------------------------------------------------------------------ */

struct test_frame {
	const uint8_t *data;
	uint32_t caplen, len;
	int64_t sec;
	uint32_t nsec;
	uint8_t digits;
	uint16_t linktype;
	uint32_t ifindex;
	size_t start, end; /* the record's byte range in the file */
};

struct test_file {
	const char *name;
	struct test_buf buf;
	struct test_frame fr[16];
	int nfr;
	size_t bounds[64]; /* offsets where a prefix ends cleanly (record boundaries) */
	int nbounds;
};

static void tf_bound(struct test_file *f) { f->bounds[f->nbounds++] = f->buf.n; }

static const uint8_t test_pkt_a[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x0a, 0x63, 0x00, 0x02,
				      0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00,
				      0x0a, 0x63, 0x00, 0x02, 0x0a, 0x63, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
				      0x00, 0x00, 0x0a, 0x63, 0x00, 0x01 };
static const uint8_t test_pkt_b[] = { 0x45, 0x00, 0x00, 0x1d, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
				      0x0a, 0x63, 0x00, 0x02, 0x0a, 0x63, 0x00, 0x01, 0xc3, 0x50, 0x00, 0x35,
				      0x00, 0x09, 0x00, 0x00, 0x41 };
static const uint8_t test_pkt_c[] = { 0x01, 0x02, 0x03 };

static struct test_frame *tf_frame(struct test_file *f, const uint8_t *d, uint32_t caplen, uint32_t len, int64_t sec,
				   uint32_t nsec, uint8_t digits, uint16_t lt, uint32_t ifindex)
{
	struct test_frame *x = &f->fr[f->nfr++];
	x->data = d;
	x->caplen = caplen;
	x->len = len;
	x->sec = sec;
	x->nsec = nsec;
	x->digits = digits;
	x->linktype = lt;
	x->ifindex = ifindex;
	return x;
}

/* A classic pcap file: three records, the second cut by the snaplen (caplen < len). */
static void test_build_pcap(struct test_file *f, int be, int nsec)
{
	struct test_buf *t = &f->buf;
	t->be = be;
	tb_u32(t, nsec ? 0xa1b23c4d : 0xa1b2c3d4);
	tb_u16(t, 2);
	tb_u16(t, 4);
	tb_u32(t, 0);
	tb_u32(t, 0);
	tb_u32(t, 65535);
	tb_u32(t, be ? LT_RAW : LT_ETHERNET);
	tf_bound(f);
	uint16_t lt = be ? LT_RAW : LT_ETHERNET;
	const uint8_t *pk = be ? test_pkt_b : test_pkt_a;
	uint32_t pl = be ? sizeof test_pkt_b : sizeof test_pkt_a;
	struct {
		uint32_t sec, frac, cap, len;
	} rec[3] = { { 1700000000, 1, pl, pl }, { 1700000001, nsec ? 999999999 : 999999, 20, pl + 100 },
		     { 4000000000u, 500, 0, 60 } };
	for (int i = 0; i < 3; i++) {
		struct test_frame *x = tf_frame(f, pk, rec[i].cap, rec[i].len, rec[i].sec,
						nsec ? rec[i].frac : rec[i].frac * 1000, nsec ? 9 : 6, lt, 0);
		x->start = t->n;
		tb_u32(t, rec[i].sec);
		tb_u32(t, rec[i].frac);
		tb_u32(t, rec[i].cap);
		tb_u32(t, rec[i].len);
		tb_bytes(t, pk, rec[i].cap);
		x->end = t->n;
		tf_bound(f);
	}
}

#define TEST_TSOFF 100
#define TEST_KEYLOG "CLIENT_RANDOM 0011 2233\n"

/* A pcapng file: section 1 (little-endian) has an Ethernet interface with if_tsresol=9 and
 * if_tsoffset, a raw-IP interface at the default microseconds, an NRB, a DSB, EPBs on both,
 * an SPB, an obsolete PB, an ISB and a custom block; section 2 (big-endian) restarts the
 * interfaces with a Linux SLL one. */
static void test_build_pcapng(struct test_file *f)
{
	struct test_buf *t = &f->buf;
	size_t s;
	t->be = 0;
	s = tb_block_begin(t, 0x0a0d0d0a);
	tb_u32(t, 0x1a2b3c4d);
	tb_u16(t, 1);
	tb_u16(t, 0);
	tb_u64(t, (uint64_t)-1);
	tb_opt(t, 1, "section one", 11);
	tb_u32(t, 0);
	tb_block_end(t, s);
	tf_bound(f);

	s = tb_block_begin(t, 1); /* IDB 0: Ethernet, ns, offset */
	tb_u16(t, LT_ETHERNET);
	tb_u16(t, 0);
	tb_u32(t, 0);
	tb_opt(t, 2, "eth0", 4);
	uint8_t res9 = 9;
	tb_opt(t, 9, &res9, 1);
	uint8_t off8[8];
	int64_t toff = TEST_TSOFF;
	for (int i = 0; i < 8; i++)
		off8[i] = (uint8_t)((uint64_t)toff >> (8 * i));
	tb_opt(t, 14, off8, 8);
	tb_u32(t, 0);
	tb_block_end(t, s);
	tf_bound(f);

	s = tb_block_begin(t, 1); /* IDB 1: raw IP, usec, snaplen 8 (for the SPB below: not used) */
	tb_u16(t, LT_RAW);
	tb_u16(t, 0);
	tb_u32(t, 0);
	tb_block_end(t, s);
	tf_bound(f);

	s = tb_block_begin(t, 4); /* NRB: one IPv4 record with two names, one IPv6 record */
	tb_u16(t, 1);
	tb_u16(t, 4 + 9 + 8);
	tb_bytes(t, "\x0a\x63\x00\x01", 4);
	tb_bytes(t, "srv.test\0", 9);
	tb_bytes(t, "www.test\0", 9 - 1);
	tb_pad4(t);
	tb_u16(t, 2);
	tb_u16(t, 16 + 8);
	tb_bytes(t, "\xfd\x99\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	tb_bytes(t, "v6.test\0", 8);
	tb_u16(t, 0);
	tb_u16(t, 0);
	tb_block_end(t, s);
	tf_bound(f);

	s = tb_block_begin(t, 10); /* DSB: TLS key log */
	tb_u32(t, 0x544c534b);
	tb_u32(t, (uint32_t)strlen(TEST_KEYLOG));
	tb_bytes(t, TEST_KEYLOG, strlen(TEST_KEYLOG));
	tb_block_end(t, s);
	tf_bound(f);

	uint64_t ts = 1700000000ull * 1000000000ull + 123456789ull; /* ns on iface 0 */
	struct test_frame *x = tf_frame(f, test_pkt_a, sizeof test_pkt_a, 64, 1700000000 + TEST_TSOFF, 123456789, 9,
					LT_ETHERNET, 0);
	x->start = t->n;
	s = tb_block_begin(t, 6); /* EPB on iface 0 */
	tb_u32(t, 0);
	tb_u32(t, (uint32_t)(ts >> 32));
	tb_u32(t, (uint32_t)ts);
	tb_u32(t, sizeof test_pkt_a);
	tb_u32(t, 64);
	tb_bytes(t, test_pkt_a, sizeof test_pkt_a);
	tb_opt(t, 1, "a comment", 9);
	tb_u32(t, 0);
	tb_block_end(t, s);
	x->end = t->n;
	tf_bound(f);

	ts = 1700000001ull * 1000000ull + 2; /* us on iface 1 */
	x = tf_frame(f, test_pkt_b, sizeof test_pkt_b, sizeof test_pkt_b, 1700000001, 2000, 6, LT_RAW, 1);
	x->start = t->n;
	s = tb_block_begin(t, 6); /* EPB on iface 1 */
	tb_u32(t, 1);
	tb_u32(t, (uint32_t)(ts >> 32));
	tb_u32(t, (uint32_t)ts);
	tb_u32(t, sizeof test_pkt_b);
	tb_u32(t, sizeof test_pkt_b);
	tb_bytes(t, test_pkt_b, sizeof test_pkt_b);
	tb_block_end(t, s);
	x->end = t->n;
	tf_bound(f);

	x = tf_frame(f, test_pkt_a, sizeof test_pkt_a, sizeof test_pkt_a, 0, 0, 9, LT_ETHERNET, 0);
	x->start = t->n;
	s = tb_block_begin(t, 3); /* SPB: iface 0, no timestamp */
	tb_u32(t, sizeof test_pkt_a);
	tb_bytes(t, test_pkt_a, sizeof test_pkt_a);
	tb_block_end(t, s);
	x->end = t->n;
	tf_bound(f);

	ts = 1700000002ull * 1000000ull + 7;
	x = tf_frame(f, test_pkt_b, 20, sizeof test_pkt_b, 1700000002, 7000, 6, LT_RAW, 1);
	x->start = t->n;
	s = tb_block_begin(t, 2); /* obsolete PB on iface 1, cut to 20 bytes */
	tb_u16(t, 1);
	tb_u16(t, 0xffff); /* drops count */
	tb_u32(t, (uint32_t)(ts >> 32));
	tb_u32(t, (uint32_t)ts);
	tb_u32(t, 20);
	tb_u32(t, sizeof test_pkt_b);
	tb_bytes(t, test_pkt_b, 20);
	tb_block_end(t, s);
	x->end = t->n;
	tf_bound(f);

	s = tb_block_begin(t, 5); /* ISB: skipped */
	tb_u32(t, 0);
	tb_u32(t, 0);
	tb_u32(t, 0);
	tb_block_end(t, s);
	tf_bound(f);
	s = tb_block_begin(t, 0x00000bad); /* custom block: skipped */
	tb_u32(t, 32473);
	tb_bytes(t, "xyz", 3);
	tb_block_end(t, s);
	tf_bound(f);

	/* section 2, big-endian */
	t->be = 1;
	s = tb_block_begin(t, 0x0a0d0d0a);
	tb_u32(t, 0x1a2b3c4d);
	tb_u16(t, 1);
	tb_u16(t, 0);
	tb_u64(t, (uint64_t)-1);
	tb_block_end(t, s);
	tf_bound(f);
	s = tb_block_begin(t, 1);
	tb_u16(t, LT_LINUX_SLL);
	tb_u16(t, 0);
	tb_u32(t, 0);
	tb_block_end(t, s);
	tf_bound(f);
	ts = 1700000003ull * 1000000ull + 999999;
	x = tf_frame(f, test_pkt_c, sizeof test_pkt_c, sizeof test_pkt_c, 1700000003, 999999000, 6, LT_LINUX_SLL, 0);
	x->start = t->n;
	s = tb_block_begin(t, 6);
	tb_u32(t, 0);
	tb_u32(t, (uint32_t)(ts >> 32));
	tb_u32(t, (uint32_t)ts);
	tb_u32(t, sizeof test_pkt_c);
	tb_u32(t, sizeof test_pkt_c);
	tb_bytes(t, test_pkt_c, sizeof test_pkt_c);
	tb_block_end(t, s);
	x->end = t->n;
	tf_bound(f);
}

/* ---- reading back ------------------------------------------------------------------------- */

static char test_dir[256];

static int test_write(const char *name, const uint8_t *d, size_t n, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", test_dir, name);
	FILE *fp = fopen(path, "wb");
	if (!fp)
		return -1;
	int ok = fwrite(d, 1, n, fp) == n;
	return fclose(fp) == 0 && ok ? 0 : -1;
}

static int test_frame_eq(const struct frame *g, const struct test_frame *w, uint64_t num, char *why, size_t cap)
{
	if (g->num != num)
		snprintf(why, cap, "frame %llu numbered %llu", (unsigned long long)num, (unsigned long long)g->num);
	else if (g->caplen != w->caplen || g->len != w->len)
		snprintf(why, cap, "frame %llu caplen/len %u/%u, want %u/%u", (unsigned long long)num, g->caplen, g->len,
			 w->caplen, w->len);
	else if (memcmp(g->data, w->data, w->caplen))
		snprintf(why, cap, "frame %llu data differs", (unsigned long long)num);
	else if (g->ts_sec != w->sec || g->ts_nsec != w->nsec || g->ts_digits != w->digits)
		snprintf(why, cap, "frame %llu time %lld.%09u (%u digits), want %lld.%09u (%u)", (unsigned long long)num,
			 (long long)g->ts_sec, g->ts_nsec, g->ts_digits, (long long)w->sec, w->nsec, w->digits);
	else if (g->linktype != w->linktype || g->ifindex != w->ifindex)
		snprintf(why, cap, "frame %llu linktype/if %u/%u, want %u/%u", (unsigned long long)num, g->linktype,
			 g->ifindex, w->linktype, w->ifindex);
	else if (g->offset != w->start)
		snprintf(why, cap, "frame %llu offset %llu, want %zu", (unsigned long long)num,
			 (unsigned long long)g->offset, w->start);
	else
		return 1;
	return 0;
}

/* Reads `path` and compares with f's frames, expecting `want_frames` of them and then a clean
 * end (want_err 0) or an error at an offset <= limit (want_err 1). */
static int test_read_expect(const char *path, const struct test_file *f, int want_frames, int want_err,
			    uint64_t limit, char *why, size_t cap)
{
	struct capture *c;
	struct errbuf e;
	memset(&e, 0, sizeof e);
	int rc = capture_open_file(&c, path, &e);
	if (rc < 0) {
		if (want_frames || !want_err) {
			snprintf(why, cap, "open failed: %.160s", e.msg);
			return 0;
		}
		if (e.has_offset && e.offset > limit) {
			snprintf(why, cap, "open error offset %llu > %llu", (unsigned long long)e.offset,
				 (unsigned long long)limit);
			return 0;
		}
		return 1;
	}
	struct frame fr;
	int n = 0, ok = 1;
	while ((rc = capture_next(c, &fr, &e)) == 1) {
		if (n >= f->nfr) {
			snprintf(why, cap, "more than %d frames", f->nfr);
			ok = 0;
			break;
		}
		if (!test_frame_eq(&fr, &f->fr[n], (uint64_t)n + 1, why, cap)) {
			ok = 0;
			break;
		}
		n++;
	}
	if (ok && n != want_frames) {
		snprintf(why, cap, "%d frames, want %d (rc %d: %.160s)", n, want_frames, rc, rc < 0 ? e.msg : "");
		ok = 0;
	} else if (ok && want_err && rc >= 0) {
		snprintf(why, cap, "no error at the cut");
		ok = 0;
	} else if (ok && !want_err && rc != 0) {
		snprintf(why, cap, "error %d: %.160s", rc, e.msg);
		ok = 0;
	} else if (ok && rc < 0 && e.has_offset && e.offset > limit) {
		snprintf(why, cap, "error offset %llu > %llu (%.160s)", (unsigned long long)e.offset,
			 (unsigned long long)limit, e.msg);
		ok = 0;
	}
	if (ok && rc < 0 && capture_next(c, &fr, &e) == 1) {
		snprintf(why, cap, "a frame after the error");
		ok = 0;
	}
	capture_close(c);
	return ok;
}

static void test_whole_file(struct test_file *f)
{
	char path[512], why[256] = "";
	if (test_write(f->name, f->buf.b, f->buf.n, path, sizeof path) < 0) {
		test_reportf(0, "%s: cannot write %s", f->name, path);
		return;
	}
	int ok = test_read_expect(path, f, f->nfr, 0, f->buf.n, why, sizeof why);
	test_reportf(ok, "%s: %d frames read back exactly%s%s", f->name, f->nfr, ok ? "" : ": ", why);
}

/* Every prefix 0..size-1 of the file: the frames before the cut, then the end (at a record
 * boundary) or an error, never a fault. */
static void test_prefixes(struct test_file *f)
{
	char path[512], why[256] = "";
	volatile size_t bad = 0, faults = 0;
	volatile size_t first_bad = (size_t)-1;
	char first_why[256] = "";
	for (volatile size_t n = 0; n < f->buf.n; n++) {
		if (test_write("prefix", f->buf.b, n, path, sizeof path) < 0) {
			bad++;
			continue;
		}
		volatile int want_frames = 0;
		for (int i = 0; i < f->nfr; i++)
			if (f->fr[i].end <= n)
				want_frames++;
		volatile int at_bound = 0;
		for (int i = 0; i < f->nbounds; i++)
			if (f->bounds[i] == n)
				at_bound = 1;
		int sig = sigsetjmp(test_fault_jmp, 1);
		if (sig) {
			test_fault_armed = 0;
			faults++;
			if (first_bad == (size_t)-1) {
				first_bad = n;
				snprintf(first_why, sizeof first_why, "signal %d (read past the end of the file)", sig);
			}
			continue;
		}
		test_fault_armed = 1;
		int ok = test_read_expect(path, f, want_frames, !at_bound, n, why, sizeof why);
		test_fault_armed = 0;
		if (!ok) {
			bad++;
			if (first_bad == (size_t)-1) {
				first_bad = n;
				snprintf(first_why, sizeof first_why, "%s", why);
			}
		}
	}
	test_reportf(bad == 0 && faults == 0, "%s: all %zu truncated prefixes give the frames before the cut and an "
		     "error within the file", f->name, f->buf.n);
	if (bad || faults)
		printf("# %s: %zu prefixes wrong, %zu faulted; first at %zu bytes: %s\n", f->name, (size_t)bad,
		       (size_t)faults, (size_t)first_bad, first_why);
}

static void test_gzip(struct test_file *f)
{
	char path[512], name[64], why[256] = "";
	snprintf(name, sizeof name, "%s.gz", f->name);
	snprintf(path, sizeof path, "%s/%s", test_dir, name);
	gzFile gz = gzopen(path, "wb9");
	int ok = gz && gzwrite(gz, f->buf.b, (unsigned)f->buf.n) == (int)f->buf.n;
	ok = gz && gzclose(gz) == Z_OK && ok;
	ok = ok && test_read_expect(path, f, f->nfr, 0, f->buf.n, why, sizeof why);
	test_reportf(ok, "%s: the gzip'd copy reads the same%s%s", f->name, ok ? "" : ": ", why);

	/* a gzip stream cut in the middle: a prefix of the frames, then an error; never a fault */
	FILE *fp = fopen(path, "rb");
	uint8_t z[16384];
	size_t zn = fp ? fread(z, 1, sizeof z, fp) : 0;
	if (fp)
		fclose(fp);
	int cut_ok = zn > 20;
	for (size_t cut = 10; cut_ok && cut < zn; cut += zn / 7 + 1) {
		char p2[512];
		if (test_write("cut.gz", z, cut, p2, sizeof p2) < 0) {
			cut_ok = 0;
			break;
		}
		struct capture *c;
		struct errbuf e;
		memset(&e, 0, sizeof e);
		if (capture_open_file(&c, p2, &e) < 0)
			continue;
		struct frame fr;
		int n = 0, rc;
		while ((rc = capture_next(c, &fr, &e)) == 1) {
			if (n >= f->nfr || !test_frame_eq(&fr, &f->fr[n], (uint64_t)n + 1, why, sizeof why)) {
				cut_ok = 0;
				break;
			}
			n++;
		}
		if (rc >= 0 && cut_ok) {
			snprintf(why, sizeof why, "a gzip stream cut at %zu ends without an error", cut);
			cut_ok = 0;
		}
		capture_close(c);
	}
	test_reportf(cut_ok, "%s: a cut gzip stream gives a prefix of the frames and an error%s%s", f->name,
		     cut_ok ? "" : ": ", cut_ok ? "" : why);
}

static void test_pcapng_extras(struct test_file *f)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", test_dir, f->name);
	struct capture *c;
	struct errbuf e;
	if (capture_open_file(&c, path, &e) < 0) {
		test_reportf(0, "pcapng extras: open: %s", e.msg);
		return;
	}
	test_report_result(capture_kind(c) == CAPTURE_PCAPNG, "pcapng: capture_kind is CAPTURE_PCAPNG");
	struct frame fr;
	while (capture_next(c, &fr, &e) == 1)
		;
	const struct capture_name *nm;
	size_t nn = capture_names(c, &nm);
	int ok = nn == 3;
	ok = ok && nm[0].family == 4 && !memcmp(nm[0].addr, "\x0a\x63\x00\x01", 4) && !strcmp(nm[0].name, "srv.test");
	ok = ok && nm[1].family == 4 && !memcmp(nm[1].addr, "\x0a\x63\x00\x01", 4) && !strcmp(nm[1].name, "www.test");
	ok = ok && nm[2].family == 6 && nm[2].addr[0] == 0xfd && nm[2].addr[15] == 1 && !strcmp(nm[2].name, "v6.test");
	test_reportf(ok, "pcapng: NRB names read back through capture_names (%zu names)", nn);
	const struct capture_secret *sec;
	size_t ns = capture_secrets(c, &sec);
	ok = ns == 1 && sec[0].type == 0x544c534b && sec[0].data.len == strlen(TEST_KEYLOG) &&
	     !memcmp(sec[0].data.p, TEST_KEYLOG, strlen(TEST_KEYLOG));
	test_reportf(ok, "pcapng: DSB read back through capture_secrets (%zu secrets)", ns);
	capture_close(c);
}

/* Framing errors: each must be a negative code with an offset inside the file. */
static void test_bad_framing(void)
{
	struct {
		const char *what;
		int code;
		uint8_t b[96];
		size_t n;
	} cases[] = {
		{ "not a capture", ERR_FORMAT, "hello, world\n", 13 },
		{ "pcap version 3", ERR_FORMAT,
		  { 0xd4, 0xc3, 0xb2, 0xa1, 3, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0 }, 24 },
		{ "pcap record caplen 16 MiB", ERR_CORRUPT,
		  { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0,
		    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1 }, 40 },
		{ "pcapng block length not a multiple of 4", ERR_CORRUPT,
		  { 0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
		    0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0, 1, 0, 0, 0, 22, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		    22, 0, 0, 0 }, 50 },
		{ "pcapng trailer length mismatch", ERR_CORRUPT,
		  { 0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
		    0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0, 1, 0, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 24, 0,
		    0, 0 }, 48 },
		{ "pcapng EPB on an undescribed interface", ERR_CORRUPT,
		  { 0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
		    0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0, 6, 0, 0, 0, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0, 0 }, 60 },
		{ "pcapng EPB caplen overruns its block", ERR_CORRUPT,
		  { 0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
		    0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0, 1, 0, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 20, 0,
		    0, 0, 6, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 9, 0, 0, 0,
		    1, 2, 3, 4, 36, 0, 0, 0 }, 84 },
		{ "pcapng byte-order magic wrong", ERR_CORRUPT,
		  { 0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1b, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
		    0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0 }, 28 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char path[512];
		if (test_write("bad", cases[i].b, cases[i].n, path, sizeof path) < 0) {
			test_reportf(0, "%s: cannot write", cases[i].what);
			continue;
		}
		struct capture *c;
		struct errbuf e;
		memset(&e, 0, sizeof e);
		int rc = capture_open_file(&c, path, &e);
		struct frame fr;
		int frames = 0;
		if (rc == 0) {
			while ((rc = capture_next(c, &fr, &e)) == 1)
				frames++;
			capture_close(c);
		}
		int ok = rc == cases[i].code && frames == 0 && (!e.has_offset || e.offset <= cases[i].n);
		test_reportf(ok, "%s: error %d (want %d), offset %llu: %s", cases[i].what, rc, cases[i].code,
			     (unsigned long long)e.offset, e.msg);
	}
}

/* Frames of `path` read by two readers in turns (the second from capture_open_again, and a
 * third opened again from the second) equal those one reader gives. */
static void test_open_again(struct test_file *f)
{
	char path[512];
	struct errbuf e;
	struct capture *one = NULL, *a = NULL, *b = NULL;
	int ok = test_write(f->name, f->buf.b, f->buf.n, path, sizeof path) == 0 &&
		 capture_open_file(&one, path, &e) == 0 && capture_open_file(&a, path, &e) == 0 &&
		 capture_open_again(&b, a, &e) == 0;
	int frames = 0;
	while (ok) {
		struct frame x, y;
		int r1 = capture_next(one, &x, &e);
		if (r1 != 1)
			break;
		uint8_t copy[4096];
		size_t n = x.caplen < sizeof copy ? x.caplen : sizeof copy;
		memcpy(copy, x.data, n);
		struct capture *turn = frames % 2 ? a : b;
		int r2 = capture_next(turn, &y, &e);
		ok = r2 == 1 && y.caplen == x.caplen && y.ts_sec == x.ts_sec && y.ts_nsec == x.ts_nsec &&
		     y.num == x.num && !memcmp(y.data, copy, n);
		if (ok && capture_next(frames % 2 ? b : a, &y, &e) != 1)
			ok = 0;
		frames++;
	}
	test_reportf(ok && frames == f->nfr, "%s: two readers of one file (capture_open_again) in turns give its %d "
		     "frames", f->name, f->nfr);
	capture_close(one);
	capture_close(b);
	capture_close(a);
}

static void test_cleanup(void)
{
	const char *names[] = { "le-usec.pcap", "be-nsec.pcap", "two-sections.pcapng", "le-usec.pcap.gz",
				"be-nsec.pcap.gz", "two-sections.pcapng.gz", "prefix", "cut.gz", "bad" };
	char path[512];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", test_dir, names[i]);
		unlink(path);
	}
	rmdir(test_dir);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(test_dir, sizeof test_dir, "%s/sleuth-test-capture-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(test_dir)) {
		printf("not ok 1 - cannot create a temporary directory\n");
		return 1;
	}
	signal(SIGSEGV, test_on_fault);
	signal(SIGBUS, test_on_fault);

	static struct test_file files[3];
	files[0].name = "le-usec.pcap";
	test_build_pcap(&files[0], 0, 0);
	files[1].name = "be-nsec.pcap";
	test_build_pcap(&files[1], 1, 1);
	files[2].name = "two-sections.pcapng";
	test_build_pcapng(&files[2]);

	for (int i = 0; i < 3; i++)
		test_whole_file(&files[i]);
	test_pcapng_extras(&files[2]);
	for (int i = 0; i < 3; i++)
		test_prefixes(&files[i]);
	for (int i = 0; i < 3; i++)
		test_gzip(&files[i]);
	test_bad_framing();
	for (int i = 0; i < 3; i++)
		test_open_again(&files[i]);
	/* again through a 64-byte window with a fresh buffer per refill */
	setenv("SLEUTH_CAPTURE_WINDOW", "64", 1);
	for (int i = 0; i < 3; i++) {
		test_whole_file(&files[i]);
		test_prefixes(&files[i]);
		test_open_again(&files[i]);
	}
	unsetenv("SLEUTH_CAPTURE_WINDOW");
	test_cleanup();
	printf("1..%d\n", test_num);
	return test_failed ? 1 : 0;
}
