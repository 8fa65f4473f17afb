/* proto.h: the application-layer dissector interface (one `struct proto_desc` per protocol,
 * listed in protos.def) and the registry that chooses a dissector for a flow. A dissector sees
 * the world only through `struct proto_ctx`; it never prints and never frees flow memory. */
#ifndef SLEUTH_PROTO_PROTO_H
#define SLEUTH_PROTO_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"

/* Transports, as a mask in proto_desc.l4 (a dissector may take both) and as one value in
 * proto_ctx.l4. Expectations name the IP protocol number instead (6, 17). */
enum proto_l4 { PROTO_L4_TCP = 1, PROTO_L4_UDP = 2 };

/* Result of parse(). Stream parsers consume bytes incrementally:
 *  PROTO_OK         one PDU ended exactly `consumed` bytes into the slice; the caller calls
 *                   parse() again with the rest (consumed > 0).
 *  PROTO_NEED_MORE  the first `consumed` bytes belong to the current, unfinished PDU and are
 *                   absorbed into the parser state; the rest of the slice (the "tail", e.g. a
 *                   header line or a record header cut by a segment boundary) could not be used
 *                   yet: the caller keeps it and presents it again, followed by new bytes.
 *                   `needed`: how many bytes past the end of the slice the current PDU still
 *                   needs, when that is known exactly (length-prefixed data); 0 when it is not
 *                   ("at least one more segment"); PROTO_UNTIL_CLOSE when the PDU ends when the
 *                   connection closes.
 *  PROTO_ERR        the bytes cannot be this protocol; the caller stops calling this
 *                   dissector for this flow (per-flow exclusion). */
enum proto_status { PROTO_OK = 0, PROTO_NEED_MORE = 1, PROTO_ERR = 2 };
#define PROTO_UNTIL_CLOSE UINT32_MAX
#define PROTO_MAX_EXPECT 16

struct proto_res {
	uint8_t status;    /* enum proto_status */
	uint32_t consumed;
	uint32_t needed;
};

/* What the dissector did to the packet list's Info column while parsing the current packet,
 * the way Wireshark's dissector would have (so report/ can render tshark's columns). */
enum proto_info {
	PROTO_INFO_KEEP = 0, /* left the transport's text in place */
	PROTO_INFO_CLEAR,    /* cleared it (TLS, SSH) */
	PROTO_INFO_LINE,     /* wrote ctx->info_line (e.g. an HTTP request or status line) */
};

enum proto_probe { PROBE_NO = 0, PROBE_MAYBE = 1, PROBE_YES = 2 };

/* ---- What dissectors produce -------------------------------------------------------------
 * Three outputs, all optional and all borrowed by the caller only for the current packet:
 *  1. the packet list's columns (Protocol, Info) as tshark would print them: proto_col_*();
 *  2. per-packet filter fields in Wireshark's names (http.host ...): proto_field_*(), declared
 *     in the descriptor's `fields` table (the filter registry builds on them);
 *  3. records (events: http, ftp, dns, tls, files, creds, names ...) with Zeek's field names:
 *     build a struct proto_rec on the stack and call proto_emit(). The sink adds the common
 *     header (ts, uid, community_id, id.orig_h/p, id.resp_h/p) and serialises it at once, so
 *     slices in a record may point into the packet or the dissector state. */

/* Field types of proto_field (mapped to the filter's FT_* types). */
enum proto_ftype {
	PF_NONE = 0,   /* presence only (e.g. http.request) */
	PF_UINT,       /* unsigned decimal */
	PF_HEX,        /* unsigned shown as 0x%0*x (width digits) */
	PF_BOOL,
	PF_STR,        /* text from the wire (escaped when printed) */
	PF_BYTES,      /* raw bytes, shown as hex */
	PF_IPV4,       /* 4 bytes */
	PF_IPV6,       /* 16 bytes */
	PF_INT,
	PF_ETHER,      /* 6 bytes, a MAC address */
};

struct proto_field {
	const char *name;   /* Wireshark's field name ("http.host") */
	uint8_t type;       /* enum proto_ftype */
	uint8_t width;      /* PF_HEX digits */
	const char *descr;  /* Wireshark's description ("Host") */
};

/* One value a dissector set for the current packet. */
struct proto_fv {
	uint16_t key;       /* (registry index + 1) << 8 | index in the descriptor's fields */
	uint8_t type;       /* enum proto_ftype */
	uint32_t len;       /* PF_STR/PF_BYTES/PF_IPV4/PF_IPV6 */
	union {
		uint64_t u;
		int64_t i;
		const uint8_t *p; /* borrowed: packet or dissector state; valid for the packet */
	} v;
};

#define PROTO_INFO_MAX 4096 /* tshark's COL_MAX_INFO_LEN */
#define PROTO_FV_MAX 512
#define PROTO_COL_MAX 24

/* ---- The packet detail tree (-V) ---------------------------------------------------------
 * Lines of Wireshark's detail tree for the application layer, each at a depth (0: the
 * protocol's top line, "Hypertext Transfer Protocol"), in the order Wireshark shows them. The
 * text is copied at once (wire bytes escaped as Wireshark escapes labels), so an item borrows
 * nothing. Only the packet-detail printer wants a tree: struct proto_pkt.tree is NULL
 * otherwise and every proto_tree_* call returns at once (dissectors test proto_tree_on()
 * before work that only the tree needs). Bounded: past the caps items are dropped, counted. */
#define PROTO_TREE_ITEMS 8192
#define PROTO_TREE_TEXT (1u << 20)
#define PROTO_TREE_LABEL 320   /* bytes kept per item: Wireshark cuts a label at 239 */

struct proto_titem {
	uint32_t off;       /* text[off .. off+len) */
	uint16_t len;
	uint16_t name_len;  /* "Name: value" items: length of the name ("[truncated]" goes after
	                     * it when the label is cut); 0 for text items */
	uint8_t depth;
	uint8_t proto;      /* registry index + 1 of the dissector that added it */
	uint8_t gen;        /* a generated item: shown in brackets, "[Time: ...]" */
	uint16_t init_len;  /* text appended after the label was set (proto_tree_append): the
	                     * label's length before it; 0: all of it is the label */
};

struct proto_tree {
	uint32_t n, used, dropped;
	uint8_t open;       /* the last item may still grow (proto_tree_cat*) */
	struct proto_titem item[PROTO_TREE_ITEMS];
	char text[PROTO_TREE_TEXT];
};

/* How wire text is read before it is escaped: as UTF-8 (a string field with ENC_UTF_8, or a
 * text line), or as ASCII (every byte from 0x80 up is a replacement character). */
enum proto_tenc { PROTO_TENC_UTF8 = 0, PROTO_TENC_ASCII };

/* The dissectors' output for one packet. Owned by the flow table; reset before each packet. */
struct proto_pkt {
	uint8_t proto;               /* registry index + 1 of the dissector that ran; 0: none */
	uint8_t shown;               /* the packet is shown as that protocol (Protocol/Info set) */
	uint8_t info_set;            /* info[] holds the Info column */
	uint16_t info_len;
	uint16_t nfv;
	uint32_t dropped;            /* values that did not fit */
	uint32_t present[8];         /* bit per registry index: protocol in the packet's tree */
	char col[PROTO_COL_MAX];     /* Protocol column ("TLSv1.2"); empty: upper-cased name */
	char info[PROTO_INFO_MAX];
	struct proto_fv fv[PROTO_FV_MAX];
	struct proto_tree *tree;     /* owned by the flow table: the detail tree of this packet;
	                              * NULL when nobody prints one */
};

/* Record values. Consecutive values with the same name and `array` set form a JSON array. */
enum proto_vtype {
	PV_STR = 1,    /* text (bytes from the wire allowed; the writer escapes) */
	PV_UINT,
	PV_INT,
	PV_BOOL,
	PV_DUR,        /* a duration in ns, written as seconds rounded to the microsecond */
	PV_TIME,       /* ns since the epoch, written as seconds with decimals */
	PV_ADDR,       /* len 4 or 16 bytes */
	PV_HEXSTR,     /* bytes written as lower-case hex text */
};

struct proto_kv {
	const char *name;   /* static string (Zeek's name: "method", "status_code", "id.resp_h" ...) */
	uint8_t type;       /* enum proto_vtype */
	uint8_t array;
	uint32_t len;
	union {
		const uint8_t *p;   /* borrowed until the record is emitted */
		uint64_t u;
		int64_t i;
	} v;
};

#define PROTO_REC_MAX 96

struct proto_rec {
	const char *kind;   /* "http", "ftp", "dns", "tls", "quic", "smtp", "files", "creds", "names" ... */
	uint16_t n;
	uint8_t full;       /* values were dropped: PROTO_REC_MAX reached */
	struct proto_kv kv[PROTO_REC_MAX];
};

/* A file-like object carried by a protocol (HTTP body, FTP transfer, mail attachment). The
 * dissector keeps it in its state, streams the bytes in order, and ends it; proto_obj_end()
 * emits the "files" record (name, mime from the content's magic bytes, size, sha256). */
struct proto_obj {
	void *md;            /* owned: OpenSSL digest context; NULL when not hashing */
	uint64_t size;
	uint64_t first_frame;
	uint32_t id;         /* per sink, set by the sink when it extracts (0: not extracted) */
	uint8_t open, is_orig, hlen, missing;
	uint8_t head[64];    /* first bytes, for the content type */
	char source[12];     /* "HTTP", "FTP_DATA", "SMTP" ... */
	char name[200];      /* file name as announced (may be empty) */
	char mime_decl[80];  /* type the protocol announced (Content-Type) */
};

/* Where records and objects go. Set by the caller (flow layer); NULL when nobody listens. */
struct proto_env {
	void (*emit)(void *arg, const struct proto_rec *r);
	/* object bytes for extraction: what = 0 begin, 1 data, 2 end */
	void (*obj)(void *arg, struct proto_obj *o, int what, struct slice data);
	void *arg;
};

/* The dissector's view of one flow. Built by the caller for each parse() call. */
struct proto_ctx {
	void *state;            /* this direction's state (state_size bytes); owned by the flow */
	void *peer;             /* the other direction's state; owned by the flow */
	const void *parent;     /* a linked control flow's state (FTP data -> FTP control,
	                         * both directions: parent_stride apart), borrowed for this call;
	                         * NULL when none or gone */
	uint32_t parent_stride;
	uint8_t proto_idx;      /* registry index of the running dissector */
	uint8_t l4;             /* enum proto_l4: the transport of this call */
	uint16_t sport, dport;  /* of the current packet */
	uint8_t alen;           /* 4 or 16 */
	uint8_t is_orig;        /* the packet goes from the flow's originator to the responder */
	const uint8_t *src, *dst; /* addresses of the current packet (alen bytes); borrowed */
	int64_t ts_ns;          /* time of the current packet */
	uint64_t frame;         /* its frame number */
	uint8_t truncated;      /* the caller lost bytes before this slice (restarted after a gap) */
	uint8_t link_tag;       /* for a linked flow: the tag its expectation carried */
	/* out, reset by the caller for each packet */
	uint8_t info;           /* enum proto_info */
	struct slice info_line; /* PROTO_INFO_LINE: borrowed from the parsed slice or from *state;
	                         * valid until the next parse() call of this flow */
	uint32_t anomalies;     /* count of malformed-input events seen */
	/* Set with a PROTO_OK result: from the end of this PDU on, both directions of the flow
	 * belong to the named dissector (STARTTLS, STLS, AUTH TLS, a CONNECT tunnel: "tls"). The
	 * flow layer ends this dissector (on_flow_end: its records are emitted) and starts that one
	 * with fresh state at the current stream positions. */
	const char *handover;
	struct proto_pkt *out;  /* columns and fields of this packet; NULL: not wanted */
	const struct proto_env *env; /* records; NULL: not wanted */
	/* Endpoints the parsed data announces for future conversations (SDP media, FTP
	 * PASV/PORT): the flow layer turns them into expectations. */
	struct proto_expect {
		uint8_t alen;       /* 4 or 16 */
		uint8_t l4;         /* IP protocol number: 6 TCP, 17 UDP */
		uint16_t port;
		uint8_t addr[16];
		const char *proto;  /* dissector for the new conversation (NULL: none; UDP numbering only) */
		uint8_t tag;        /* handed to that dissector as ctx->link_tag */
	} expect[PROTO_MAX_EXPECT];
	uint8_t nexpect;
};

/* Columns (no-ops when ctx->out is NULL). proto_col_proto sets the Protocol column text and
 * marks the packet as shown by this dissector; proto_info_* write Info (append adds text;
 * Info is truncated at PROTO_INFO_MAX). Text from the wire is kept as bytes: the renderer
 * escapes it. */
void proto_col_proto(struct proto_ctx *ctx, const char *name);
void proto_info_clear(struct proto_ctx *ctx);
void proto_info_append(struct proto_ctx *ctx, const char *s);
void proto_info_append_bytes(struct proto_ctx *ctx, struct slice s);
void proto_info_printf(struct proto_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Marks protocol `idx` (registry index) present in the packet without claiming the columns. */
void proto_mark(struct proto_ctx *ctx, uint8_t idx);

/* The detail tree (see struct proto_tree); no-ops unless proto_tree_on(). proto_tree_text
 * starts a text item, proto_tree_field a "name: value" item whose value follows (formatted,
 * or appended with proto_tree_cat*); proto_tree_cat_str appends wire bytes escaped as
 * Wireshark's labels show them (\r \n \t as such, other controls as \ooo, C1 as \u00XX,
 * bytes that are not text as U+FFFD). */
int proto_tree_on(const struct proto_ctx *ctx);
void proto_tree_text(struct proto_ctx *ctx, uint8_t depth, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void proto_tree_field(struct proto_ctx *ctx, uint8_t depth, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void proto_tree_cat(struct proto_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text appended to an item whose label is set (Wireshark's proto_item_append_text): cut without
 * a "[truncated]" mark where the label buffer ends. */
void proto_tree_append(struct proto_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void proto_tree_append_str(struct proto_ctx *ctx, struct slice s, uint8_t enc);
/* Generated items (Wireshark's "[...]": the printer adds the brackets; give the text without). */
void proto_tree_gtext(struct proto_ctx *ctx, uint8_t depth, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void proto_tree_gfield(struct proto_ctx *ctx, uint8_t depth, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Wireshark's expert item "[Expert Info (Sev/Group): msg]" with its three children; `msg` is text
 * already escaped (see proto_tree_escape). */
void proto_tree_expert(struct proto_ctx *ctx, uint8_t depth, const char *sev, const char *group, const char *msg);
/* Escapes wire bytes as proto_tree_cat_str does into out (cap bytes, terminated); returns the length. */
size_t proto_tree_escape(char *out, size_t cap, struct slice s, uint8_t enc);
void proto_tree_cat_str(struct proto_ctx *ctx, struct slice s, uint8_t enc);
/* A "name: value" item whose value is wire text (enc: enum proto_tenc). */
void proto_tree_field_str(struct proto_ctx *ctx, uint8_t depth, const char *name, struct slice s, uint8_t enc);
/* A bit-field item as Wireshark draws it: the field's `nbits` bits in groups of four, '.' outside
 * `mask`, then " = " and the formatted text ("1... .... .... .... = Response: ..."). */
void proto_tree_bits(struct proto_ctx *ctx, uint8_t depth, uint64_t value, uint8_t nbits, uint64_t mask,
		     const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* A bytes item: "name: 0a1b..." (lower-case hex, cut after PROTO_TREE_BYTES_SHOWN bytes with an
 * ellipsis as Wireshark; "<MISSING>" when empty). */
#define PROTO_TREE_BYTES_SHOWN 36
void proto_tree_bytes(struct proto_ctx *ctx, uint8_t depth, const char *name, struct slice s);
/* A duration as Wireshark writes one ("1 day, 2 hours, 1 minute, 5 seconds"; "0 seconds").
 * Returns the length written into buf (always terminated when cap > 0). */
size_t proto_secs_text(char *buf, size_t cap, uint32_t secs);
/* Text as Wireshark's line-based text dissector shows it: "title (N lines)" and every line
 * (with its line end, escaped) one level deeper. */
void proto_tree_lines(struct proto_ctx *ctx, uint8_t depth, const char *title, struct slice s);
/* Takes the last item back (a dissector that keeps a closing line last while it adds more). */
void proto_tree_drop_last(struct proto_ctx *ctx);
/* Empties a tree (the flow table, before each packet). */
void proto_tree_reset(struct proto_tree *t);

/* Per-packet filter fields; `fid` indexes the running dissector's `fields` table. */
void proto_field_u(struct proto_ctx *ctx, uint8_t fid, uint64_t v);
void proto_field_i(struct proto_ctx *ctx, uint8_t fid, int64_t v);
void proto_field_s(struct proto_ctx *ctx, uint8_t fid, struct slice s);
void proto_field_none(struct proto_ctx *ctx, uint8_t fid);

/* 1 when records are wanted (a dissector may skip record-only work otherwise). */
int proto_records_on(const struct proto_ctx *ctx);
void proto_rec_init(struct proto_rec *r, const char *kind);
void proto_rec_str(struct proto_rec *r, const char *name, struct slice s);
void proto_rec_cstr(struct proto_rec *r, const char *name, const char *s);
void proto_rec_u(struct proto_rec *r, const char *name, uint64_t v);
void proto_rec_i(struct proto_rec *r, const char *name, int64_t v);
void proto_rec_bool(struct proto_rec *r, const char *name, int v);
void proto_rec_dur(struct proto_rec *r, const char *name, int64_t ns);
void proto_rec_time(struct proto_rec *r, const char *name, int64_t ns);
void proto_rec_addr(struct proto_rec *r, const char *name, const uint8_t *a, uint8_t alen);
void proto_rec_hex(struct proto_rec *r, const char *name, struct slice s);
/* Appends one element to the array `name` (adjacent calls with the same name). */
void proto_rec_push_str(struct proto_rec *r, const char *name, struct slice s);
void proto_rec_push_u(struct proto_rec *r, const char *name, uint64_t v);
void proto_emit(struct proto_ctx *ctx, const struct proto_rec *r);
/* A credential seen in clear: emits a "creds" record (protocol, user, secret and what kind). */
void proto_emit_cred(struct proto_ctx *ctx, const char *protocol, struct slice user, struct slice secret,
		     const char *kind);
/* A name learned for an address: emits a "names" record (address, name, source). */
void proto_emit_name(struct proto_ctx *ctx, const uint8_t *addr, uint8_t alen, struct slice name,
		     const char *source);

/* Objects: begin (name and declared type may be empty), stream data, end. proto_obj_end emits
 * the "files" record (missing: bytes known to be lost). proto_obj_free releases without
 * emitting (fini, on a gap the protocol cannot recover). Safe on a never-begun object. */
/* SHA-256 of n bytes into out (OpenSSL, the digest fetched once); 0, or -1 on failure. */
int proto_sha256(const void *p, size_t n, uint8_t out[32]);

void proto_obj_begin(struct proto_ctx *ctx, struct proto_obj *o, const char *source, struct slice name,
		     struct slice mime_decl);
void proto_obj_data(struct proto_ctx *ctx, struct proto_obj *o, struct slice data);
void proto_obj_end(struct proto_ctx *ctx, struct proto_obj *o);
void proto_obj_free(struct proto_obj *o);
/* Content type from the first bytes ("application/pdf", "text/html" ...; "application/octet-stream"
 * when unknown, "text/plain" for printable text). */
const char *proto_mime_sniff(const uint8_t *p, size_t n);

/* Small helpers shared by text protocols. */
struct slice proto_slice_cstr(const char *s);
int proto_ascii_ieq(const uint8_t *a, const char *b, size_t n); /* case-insensitive prefix compare */

struct proto_desc {
	const char *name;        /* Wireshark's protocol name, lower case ("http") */
	uint8_t l4;              /* enum proto_l4 mask */
	uint8_t ws_heuristic;    /* Wireshark finds it by content on any port with default prefs */
	const uint16_t *ports;   /* default ports, 0-terminated */
	/* Looks at the first payload bytes of a flow (either direction) carried over `l4`
	 * (enum proto_l4). Strict: PROBE_YES only when the bytes leave little doubt. */
	enum proto_probe (*probe)(uint8_t l4, struct slice data);
	size_t state_size;       /* per direction; zeroed before init() */
	void (*init)(void *state, uint8_t dir);  /* optional; with fini */
	void (*fini)(void *state);               /* optional; releases nothing the flow owns */
	struct proto_res (*parse)(struct proto_ctx *ctx, uint8_t dir, struct slice data);
	/* Optional: `n` bytes of the stream were not captured. Returns 0 when the parser stays
	 * in step (the bytes fell inside a PDU of known length), -1 when the caller must restart
	 * the direction from a clean state. */
	int (*skip)(struct proto_ctx *ctx, uint8_t dir, uint32_t n);
	/* Optional: the direction's stream ended (FIN, every byte before it seen) while a PDU that
	 * runs until the close (PROTO_UNTIL_CLOSE) was open: that PDU ends here. The dissector
	 * finishes it and writes the current packet's columns as for any PDU ending in it. */
	void (*close)(struct proto_ctx *ctx, uint8_t dir);
	void (*on_flow_end)(struct proto_ctx *ctx);  /* optional */
	void (*thread_end)(void); /* optional: frees what the calling thread's caches hold (threads of
	                           * `log -j` end; proto_thread_end) */
	uint16_t record_kind;    /* kind of record it emits (0: none yet) */
	/* Per-packet filter fields (Wireshark names), indexed by proto_field_*'s fid. */
	const struct proto_field *fields;
	uint16_t nfields;
	const char *col_name;    /* Protocol column when the dissector does not set one ("HTTP") */
	/* tshark keeps TCP's analysis text ("[TCP Previous segment not captured] ") in front of the
	 * dissector's Info; this goes between the two (NULL: nothing; TLS appends with ", "). */
	const char *tcp_prefix_sep;
	/* Where that text goes: after the first occurrence of this in the dissector's Info (SSH's
	 * "Client: "); NULL: in front. */
	const char *tcp_prefix_after;
};

/* The registry (protos.def). Indexes are stable for a build. */
size_t proto_count(void);
/* The calling thread is done dissecting: every dissector's thread_end runs. */
void proto_thread_end(void);
const struct proto_desc *proto_get(size_t i);
const struct proto_desc *proto_find(const char *name); /* NULL when absent */
int proto_index(const char *name);                     /* its registry index, -1 when absent */
/* Checks every descriptor (names unique and non-empty, parse set, init/fini paired,
 * state_size bounded). Returns 0 or a negative enum err with a message in *e. */
int registry_validate(struct errbuf *e) WARN_UNUSED_RESULT;
/* Chooses a dissector for a flow from its first payload: a content match first, the
 * ports second (lower port first). Returns the index or -1. *by_content tells how. */
int registry_select(uint8_t l4, uint16_t sport, uint16_t dport, struct slice first, int *by_content);

/* tshark's decode-as: conversations on `port` over `l4` go to dissector `proto` (registry index). */
struct proto_decode_as {
	uint8_t l4;     /* enum proto_l4 */
	uint8_t proto;
	uint16_t port;
};
#define PROTO_DECODE_AS_MAX 16
/* Parses "tcp.port==8888,http" (also udp.port; `==` or ` eq `). Returns 0 or a negative enum err
 * with a message naming what is wrong (and the known protocol names). */
int proto_decode_as_parse(const char *s, struct proto_decode_as *out, struct errbuf *e) WARN_UNUSED_RESULT;
/* The forced dissector for a conversation, or -1. */
int proto_decode_as_find(const struct proto_decode_as *da, size_t n, uint8_t l4, uint16_t sport, uint16_t dport);

#endif
