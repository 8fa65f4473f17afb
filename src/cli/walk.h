/* walk.h: one pass over a capture (file or live interface) through the standard pipeline
 * (capture, BPF, decode, ipfrag, flow table); every command that reads packets uses it. */
#ifndef SLEUTH_CLI_WALK_H
#define SLEUTH_CLI_WALK_H

#include <stdint.h>

#include "capture/capture.h"
#include "decode/decode.h"
#include "filter/fields.h"
#include "flow/flow.h"

/* What a walk callback sees for one packet. All pointers are borrowed and
 * valid only during the callback. */
struct walk_pkt {
	const struct pkt *p;      /* NULL (and fp, times) in a sharded walk for another shard's frame */
	const struct flow_pkt *fp;
	uint64_t frame;           /* frame number */
	int64_t rel_ns;          /* time since the first frame (tshark's frame.time_relative) */
	int64_t first_ns;        /* time of the first frame */
	int64_t prev_ns;         /* time of the previous frame (this frame's for the first) */
};

/* The memory reassembly may hold (--reasm-dir-cap, --reasm-cap); 0: flow/reasm.h's default. */
struct walk_reasm_caps {
	uint32_t dir;            /* bytes one direction of a conversation may hold */
	uint64_t all;            /* bytes all conversations may hold */
};

/* Parses `--reasm-dir-cap SIZE` / `--reasm-cap SIZE` at argv[*i] (SIZE: bytes, or with a K, M or G
 * suffix). Returns 1 and advances *i when it was one of them, 0 when not, -1 (logged) when the
 * size is bad. */
int walk_parse_reasm_cap(int argc, char **argv, int *i, struct walk_reasm_caps *c);
#define WALK_REASM_USAGE \
	"  --reasm-dir-cap SIZE  bytes TCP reassembly may hold per direction (default 1M)\n" \
	"  --reasm-cap SIZE      bytes it may hold for all conversations (default 64M)\n"

/* Where packets come from: a file, or a live interface (then SIGINT/SIGTERM end the walk). */
struct walk_src {
	const char *file;
	const char *iface;
	const char *bpf;         /* capture filter, or NULL */
	/* Records (events) of the dissectors and the flow layer; NULL: not wanted. At the end of
	 * the input every conversation ends, so its records come before walk_end_fn. */
	flow_rec_fn rec;
	flow_obj_fn obj;
	void *rec_arg;
	const struct proto_decode_as *decode_as; /* -d: forced dissectors; may be NULL */
	uint8_t ndecode_as;
	uint8_t no_dissect;      /* nothing needs the application layer (packets -q) */
	uint8_t reasm;           /* records only, no packet list: reordered TCP data is put back in
	                          * order for the dissectors (flow_config.reasm) */
	uint8_t app_tree;        /* the dissectors' detail tree is printed (packets -V) */
	struct walk_reasm_caps caps; /* with reasm: the memory caps (0: the defaults of flow/reasm.h) */
	/* One of several threads walking the same capture (cli/logshard.c): flow_config.shard and
	 * nshards, the stream hook of sharded tables; no -Y, no shared state touched. */
	uint8_t shard, nshards;
	flow_stream_fn stream;
	const struct capture *reopen; /* when set: read as a second reader of this open capture
	                           * (capture_open_again; file is then only its name) */
	struct flow_table **table; /* when set: receives the walk's flow table, valid until it returns */
	/* When set, the walk stores its read error and flow statistics here instead of logging them
	 * (the caller reports once for all threads). */
	struct walk_result *result;
};

struct walk_result {
	struct flow_stats stats;
	int read_rc;             /* 0, or the negative error of the read that ended the walk */
	struct errbuf read_err;
};

/* Logs a capture error as "PATH: offset N: message". */
void walk_log_err(const char *path, const struct errbuf *e);
/* Warns when reassembly gave up holes at its memory caps (the records may be incomplete). */
void walk_report_reasm(const struct flow_stats *st, const char *name);

/* -Y for the commands that count packets (conv, hosts, follow, stats): compiles `text` now
 * (before any capture is read) and makes the next walk call its callback only for packets that
 * match. Returns 0, or EXIT_USAGE after printing tshark's three-line error. The program is
 * released when that walk ends. */
int walk_set_display_filter(const char *text);

/* Prints a display-filter error to stderr as tshark does: the message, `text`, a caret under the
 * spot (e->offset, `len` bytes). */
void walk_filter_error(const char *text, const struct errbuf *e, uint32_t len);

/* The filter context of a packet of the walk (fields, and the columns rendered on demand), for
 * commands that evaluate display filters of their own. Valid during the walk callback. */
void walk_fctx(const struct walk_pkt *w, struct fctx *c);

/* Adds one -d argument to da[*n] (at most PROTO_DECODE_AS_MAX); logs and returns -1 when bad. */
int walk_add_decode_as(const char *arg, struct proto_decode_as *da, uint8_t *n);

/* Returns non-zero to stop the walk early. */
typedef int (*walk_fn)(void *arg, const struct walk_pkt *w);
/* Called after the last packet, before a read error is reported and the capture closed (may be NULL):
 * what the capture learned while read (pcapng NRB names) is complete then. */
typedef void (*walk_end_fn)(void *arg, const struct capture *cap);

/* Reads `path` and calls `fn` per packet. Returns an EXIT_* code; errors are
 * logged with the file name and byte offset. Packets read before an error
 * have been passed to `fn` (partial output). */
int walk_file(const char *path, walk_fn fn, walk_end_fn on_end, void *arg);
int walk_run(const struct walk_src *src, walk_fn fn, walk_end_fn on_end, void *arg);

/* Splits "tcp.stream eq N" / "udp.stream == N": returns 0 and sets *is_udp and
 * *stream, or -1 when `s` has another form. */
int walk_parse_stream_filter(const char *s, int *is_udp, int64_t *stream);

#endif
