/* capture.h: capture sources (pcap, pcapng, iSeries text traces, gzip'd any, live interfaces) yielding frames. */
#ifndef SLEUTH_CAPTURE_CAPTURE_H
#define SLEUTH_CAPTURE_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/frame.h"
#include "base/slice.h"

struct capture;

/* A name for an address learned from a pcapng Name Resolution Block.
 * `name` is owned by the capture and lives until capture_close(). */
struct capture_name {
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16];
	const char *name;
};

/* A Decryption Secrets Block (e.g. a TLS key log). `data` is owned by the
 * capture and lives until capture_close(). */
struct capture_secret {
	uint32_t type;
	struct slice data;
};

enum capture_kind { CAPTURE_PCAP, CAPTURE_PCAPNG, CAPTURE_LIVE, CAPTURE_ISERIES };

/* Opens a capture file (pcap, pcapng or an IBM iSeries communications trace printout,
 * optionally gzip-compressed). */
int capture_open_file(struct capture **out, const char *path, struct errbuf *e) WARN_UNUSED_RESULT;
/* A second reader of the file `c` reads (for another thread): its own position, window and
 * per-section state, starting at the first record. A regular or decompressed file is shared
 * (never decompressed again); `c` may be read meanwhile and must outlive nothing: closing either
 * leaves the other working. Returns 0 or a negative error. */
int capture_open_again(struct capture **out, const struct capture *c, struct errbuf *e) WARN_UNUSED_RESULT;
/* Opens a live interface through libpcap. */
int capture_open_live(struct capture **out, const char *iface, int snaplen, struct errbuf *e) WARN_UNUSED_RESULT;

/* Sets a BPF capture filter (tcpdump syntax). Applied to every following frame. */
int capture_set_bpf(struct capture *c, const char *expr, struct errbuf *e) WARN_UNUSED_RESULT;

/* Yields the next frame: 1 a frame, 0 the end, negative an error with the
 * byte offset in `e` (frames read before it remain valid output). The frame's
 * data stays valid until the next call. Frames rejected by the BPF filter are
 * skipped and not numbered: numbers count the frames that pass, as in a
 * capture written with that filter. */
int capture_next(struct capture *c, struct frame *f, struct errbuf *e) WARN_UNUSED_RESULT;

/* Breaks a live capture loop from a signal handler. */
void capture_break(struct capture *c);

enum capture_kind capture_kind(const struct capture *c);
const char *capture_path(const struct capture *c);
uint64_t capture_size(const struct capture *c);
size_t capture_names(const struct capture *c, const struct capture_name **out);
size_t capture_secrets(const struct capture *c, const struct capture_secret **out);
void capture_close(struct capture *c);

#endif
