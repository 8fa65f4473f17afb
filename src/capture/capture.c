/* capture.c: opening capture files (pcap and pcapng read through a window with pread, iSeries
 * text traces mapped, gzip through zlib), dispatch to the format readers. */
#include "capture/capture_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define GZ_MAX_OUT (64ull << 30) /* refuse to inflate past 64 GiB */
#define CAPTURE_WIN (4u << 20)    /* the read window; larger only while a record needs it */
#define CAPTURE_WIN_TEST_MIN 64u  /* SLEUTH_CAPTURE_WINDOW may go this low */

static struct capture *capture_alloc(const char *path)
{
	struct capture *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->path = strdup(path);
	c->fd = -1;
	c->file_fd = -1;
	if (!c->path) {
		free(c);
		return NULL;
	}
	return c;
}

/* Inflates a gzip file into an unlinked temporary file and returns its fd, so
 * the decompressed capture is mmapped like any other and memory stays bounded. */
static int capture_gunzip(int in_fd, const char *path, int *out_fd, struct errbuf *e)
{
	int dup_fd = dup(in_fd);
	if (dup_fd < 0)
		return err_set(e, ERR_IO, "%s", strerror(errno));
	gzFile gz = gzdopen(dup_fd, "rb");
	if (!gz) {
		close(dup_fd);
		return err_set(e, ERR_NOMEM, "cannot start gzip decoder");
	}
	const char *dir = getenv("TMPDIR");
	char tmpl[4096];
	snprintf(tmpl, sizeof tmpl, "%s/sleuth-gz-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(tmpl);
	if (fd < 0) {
		gzclose(gz);
		return err_set(e, ERR_IO, "cannot create temporary file: %s", strerror(errno));
	}
	unlink(tmpl);
	static unsigned char buf[1 << 16];
	uint64_t total = 0;
	int rc = 0;
	for (;;) {
		int n = gzread(gz, buf, sizeof buf);
		if (n < 0) {
			int zerr = 0;
			const char *msg = gzerror(gz, &zerr);
			rc = err_set_at(e, ERR_CORRUPT, total, "gzip data corrupt after %llu decompressed bytes: %s",
					(unsigned long long)total, msg ? msg : "?");
			break;
		}
		if (n == 0) {
			int zerr = 0;
			const char *msg = gzerror(gz, &zerr);
			if (zerr != Z_OK && zerr != Z_STREAM_END)
				rc = err_set_at(e, ERR_TRUNC, total, "gzip stream cut short after %llu decompressed bytes: %s",
						(unsigned long long)total, msg ? msg : "?");
			break;
		}
		if (total + (uint64_t)n > GZ_MAX_OUT) {
			rc = err_set(e, ERR_LIMIT, "decompressed size exceeds %llu bytes", GZ_MAX_OUT);
			break;
		}
		ssize_t w = write(fd, buf, (size_t)n);
		if (w != n) {
			rc = err_set(e, ERR_IO, "writing temporary file: %s", strerror(errno));
			break;
		}
		total += (uint64_t)n;
	}
	gzclose(gz);
	if (rc < 0 && total == 0) {
		close(fd);
		return rc;
	}
	*out_fd = fd;
	return rc;  /* a corrupt tail still leaves what could be inflated */
}

/* The window's size: CAPTURE_WIN, or SLEUTH_CAPTURE_WINDOW bytes (tests: a tiny window, and a fresh
 * buffer at every refill so that a pointer kept past its frame reads freed memory). */
static void capture_window_config(struct capture *c)
{
	c->win_min = CAPTURE_WIN;
	const char *t = getenv("SLEUTH_CAPTURE_WINDOW");
	if (t && *t) {
		unsigned long v = strtoul(t, NULL, 10);
		c->win_min = v < CAPTURE_WIN_TEST_MIN ? CAPTURE_WIN_TEST_MIN : v;
		c->win_fresh = 1;
	}
}

/* A buffer of `cap` bytes holding the `keep` bytes at `from`; the old one is freed. */
static int capture_window_resize(struct capture *c, size_t cap, const uint8_t *from, size_t keep)
{
	uint8_t *w = malloc(cap);
	if (!w)
		return -1;
	if (keep)
		memcpy(w, from, keep);
	free(c->win);
	c->win = w;
	c->win_cap = cap;
	return 0;
}

int capture_want(struct capture *c, uint64_t n, struct errbuf *e)
{
	if (!c->win)
		return 0;
	if (n > c->size - c->pos)
		n = c->size - c->pos;
	if (c->pos >= c->win_off && c->pos + n <= c->win_off + c->win_len)
		return 0;
	size_t keep = 0;
	const uint8_t *from = c->win;
	if (c->pos >= c->win_off && c->pos < c->win_off + c->win_len) {
		keep = (size_t)(c->win_off + c->win_len - c->pos);
		from = c->win + (c->pos - c->win_off);
	}
	size_t cap = n > c->win_min ? (size_t)n : c->win_min;
	if (cap != c->win_cap || c->win_fresh) {
		if (capture_window_resize(c, cap, from, keep) < 0)
			return err_set_at(e, ERR_NOMEM, c->pos, "out of memory for a record of %llu bytes",
					  (unsigned long long)n);
	} else if (keep) {
		memmove(c->win, from, keep);
	}
	c->win_off = c->pos;
	c->win_len = keep;
	while (c->win_len < c->win_cap && c->win_off + c->win_len < c->size) {
		uint64_t at = c->win_off + c->win_len, room = c->win_cap - c->win_len;
		ssize_t r = pread(c->file_fd, c->win + c->win_len, (size_t)(room < c->size - at ? room : c->size - at),
				  (off_t)at);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_set_at(e, ERR_IO, at, "read: %s", strerror(errno));
		if (r == 0) { /* the file shrank while read: what is there is all there is */
			c->size = at;
			break;
		}
		c->win_len += (size_t)r;
	}
	return 0;
}

/* pcap and pcapng: read through the window from `fd` (taken). */
static int capture_window_open(struct capture *c, int fd, uint64_t size, struct errbuf *e)
{
	c->file_fd = fd;
	c->size = size;
	capture_window_config(c);
	if (capture_window_resize(c, c->win_min, NULL, 0) < 0)
		return err_set(e, ERR_NOMEM, "out of memory");
	c->win_off = 0;
	c->win_len = 0;
	return 0;
}

static int capture_map(struct capture *c, int fd, struct errbuf *e)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return err_set(e, ERR_IO, "%s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return err_set(e, ERR_FORMAT, "not a regular file");
	c->size = (uint64_t)st.st_size;
	if (c->size == 0) {
		c->map = NULL;
		return 0;
	}
	void *m = mmap(NULL, (size_t)c->size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return err_set(e, ERR_IO, "mmap: %s", strerror(errno));
	madvise(m, (size_t)c->size, MADV_SEQUENTIAL);
	c->map = m;
	return 0;
}

static int capture_is_pcap_magic(uint32_t m)
{
	static const uint32_t magics[] = { 0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34 };
	for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
		if (m == magics[i] || m == __builtin_bswap32(magics[i]))
			return 1;
	return 0;
}

/* The first four bytes, big-endian (c->pos is 0). */
static uint32_t capture_magic(struct capture *c)
{
	const uint8_t *p = capture_at(c, 0);
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Takes `fd` (a regular file): pcap and pcapng go through the window, anything else is mapped
 * (iSeries text traces are parsed whole). */
static int capture_open_fd(struct capture *c, int fd, struct errbuf *e)
{
	struct stat st;
	uint8_t head[4];
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 4 || pread(fd, head, 4, 0) != 4) {
		int rc = capture_map(c, fd, e);
		close(fd);
		if (rc == 0 && c->size < 4)
			rc = err_set_at(e, ERR_FORMAT, 0, "file of %llu bytes is too short to be a capture",
					(unsigned long long)c->size);
		return rc;
	}
	uint32_t m = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 | head[3];
	if (m == 0x0a0d0d0a || capture_is_pcap_magic(m)) {
		int rc = capture_window_open(c, fd, (uint64_t)st.st_size, e);
		if (rc == 0)
			rc = capture_want(c, 4, e);
		return rc;
	}
	int rc = capture_map(c, fd, e);
	close(fd);
	return rc;
}

int capture_open_file(struct capture **out, const char *path, struct errbuf *e)
{
	*out = NULL;
	struct capture *c = capture_alloc(path);
	if (!c)
		return err_set(e, ERR_NOMEM, "out of memory");
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		int rc = err_set(e, ERR_IO, "%s", strerror(errno));
		capture_close(c);
		return rc;
	}
	unsigned char magic[2] = { 0, 0 };
	ssize_t got = pread(fd, magic, 2, 0);
	int gz_rc = 0;
	if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
		int tfd = -1;
		gz_rc = capture_gunzip(fd, path, &tfd, e);
		close(fd);
		if (tfd < 0) {
			capture_close(c);
			return gz_rc;
		}
		fd = tfd;
	}
	int rc = capture_open_fd(c, fd, e);
	if (rc < 0) {
		capture_close(c);
		return rc;
	}
	uint32_t m = capture_magic(c);
	if (m == 0x0a0d0d0a) {
		c->kind = CAPTURE_PCAPNG;
		rc = pcapng_file_open(c, e);
	} else if (!c->win && iseries_file_probe(c->map, c->size)) {
		c->kind = CAPTURE_ISERIES;
		rc = iseries_file_open(c, e);
	} else {
		c->kind = CAPTURE_PCAP;
		rc = pcap_file_open(c, e);
	}
	if (rc < 0) {
		capture_close(c);
		return rc;
	}
	*out = c;
	/* A corrupt gzip tail is reported once the readable frames are consumed. */
	if (gz_rc < 0) {
		c->tail_rc = gz_rc;
		c->tail = *e;
	}
	return 0;
}

int capture_open_again(struct capture **out, const struct capture *c, struct errbuf *e)
{
	*out = NULL;
	if (!c->win) /* a mapped text trace or a live interface: opened anew */
		return capture_open_file(out, c->path, e);
	struct capture *n = capture_alloc(c->path);
	if (!n)
		return err_set(e, ERR_NOMEM, "out of memory");
	int fd = dup(c->file_fd);
	int rc = fd < 0 ? err_set(e, ERR_IO, "%s", strerror(errno)) : capture_window_open(n, fd, c->size, e);
	if (rc == 0)
		rc = capture_want(n, 4, e);
	if (rc == 0) {
		n->kind = c->kind;
		rc = c->kind == CAPTURE_PCAPNG ? pcapng_file_open(n, e) : pcap_file_open(n, e);
	}
	if (rc < 0) {
		if (fd >= 0 && n->file_fd < 0)
			close(fd);
		capture_close(n);
		return rc;
	}
	n->tail_rc = c->tail_rc;
	n->tail = c->tail;
	*out = n;
	return 0;
}

#define CAPTURE_DROP_STEP (32u << 20)

/* Gives the pages already walked back to the kernel, so resident memory stays flat however
 * large the file (frames before `upto` are never read again: slices live one packet). */
static void capture_release_behind(struct capture *c, uint64_t upto)
{
	if (c->win || !c->map || upto < c->dropped + CAPTURE_DROP_STEP + (1u << 20))
		return;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t end = (upto - (1u << 20)) & ~(page - 1);
	if (end > c->dropped) {
		madvise((void *)(c->map + c->dropped), (size_t)(end - c->dropped), MADV_DONTNEED);
		c->dropped = end;
	}
}

int capture_next(struct capture *c, struct frame *f, struct errbuf *e)
{
	for (;;) {
		int rc;
		switch (c->kind) {
		case CAPTURE_PCAP: rc = pcap_file_next(c, f, e); break;
		case CAPTURE_PCAPNG: rc = pcapng_file_next(c, f, e); break;
		case CAPTURE_ISERIES: rc = iseries_file_next(c, f, e); break;
		default: rc = live_next(c, f, e); break;
		}
		if (rc == 0 && c->tail_rc < 0) {
			rc = c->tail_rc;
			c->tail_rc = 0;
			if (e)
				*e = c->tail;
		}
		if (rc <= 0)
			return rc;
		capture_release_behind(c, f->offset);
		if (!c->bpf || bpf_set_match(c->bpf, f)) {
			f->num = ++c->nframes;
			return 1;
		}
	}
}

int capture_set_bpf(struct capture *c, const char *expr, struct errbuf *e)
{
	if (c->bpf) {
		bpf_set_free(c->bpf);
		c->bpf = NULL;
	}
	return bpf_set_new(&c->bpf, expr, c->kind == CAPTURE_LIVE ? c->linktype : -1, e);
}

void capture_break(struct capture *c)
{
	if (c && c->kind == CAPTURE_LIVE)
		live_break(c);
}

enum capture_kind capture_kind(const struct capture *c) { return c->kind; }
const char *capture_path(const struct capture *c) { return c->path; }
uint64_t capture_size(const struct capture *c) { return c->size; }

size_t capture_names(const struct capture *c, const struct capture_name **out)
{
	*out = c->names;
	return c->nnames;
}

size_t capture_secrets(const struct capture *c, const struct capture_secret **out)
{
	*out = c->secrets;
	return c->nsecrets;
}

void capture_close(struct capture *c)
{
	if (!c)
		return;
	if (c->kind == CAPTURE_LIVE)
		live_close(c);
	if (c->map)
		munmap((void *)c->map, (size_t)c->size);
	free(c->win);
	if (c->file_fd >= 0)
		close(c->file_fd);
	pcapng_file_free(c);
	iseries_file_free(c);
	if (c->bpf)
		bpf_set_free(c->bpf);
	free(c->path);
	free(c);
}
