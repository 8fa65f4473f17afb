/* proto.h: the application-layer dissector interface (one `struct proto_desc` per protocol,
 * listed in protos.def) and the registry that chooses a dissector for a flow. A dissector sees
 * the world only through `struct proto_ctx`; it never prints and never frees flow memory. */
#ifndef SLEUTH_PROTO_PROTO_H
#define SLEUTH_PROTO_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"

enum proto_l4 { PROTO_L4_TCP = 6, PROTO_L4_UDP = 17 };

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

/* The dissector's view of one flow. Built by the caller for each parse() call. */
struct proto_ctx {
	void *state;            /* this direction's state (state_size bytes); owned by the flow */
	void *peer;             /* the other direction's state; owned by the flow */
	uint16_t sport, dport;  /* of the current packet */
	uint8_t truncated;      /* the caller lost bytes before this slice (restarted after a gap) */
	/* out, reset by the caller for each packet */
	uint8_t info;           /* enum proto_info */
	struct slice info_line; /* PROTO_INFO_LINE: borrowed from the parsed slice or from *state;
	                         * valid until the next parse() call of this flow */
	uint32_t anomalies;     /* count of malformed-input events seen */
	/* Endpoints the parsed data announces for future conversations (SDP media, FTP
	 * PASV/PORT): the flow layer turns them into expectations. */
	struct proto_expect {
		uint8_t alen;       /* 4 or 16 */
		uint8_t l4;         /* enum proto_l4 */
		uint16_t port;
		uint8_t addr[16];
	} expect[PROTO_MAX_EXPECT];
	uint8_t nexpect;
};

struct proto_desc {
	const char *name;        /* Wireshark's protocol name, lower case ("http") */
	uint8_t l4;              /* enum proto_l4 */
	uint8_t ws_heuristic;    /* Wireshark finds it by content on any port with default prefs */
	const uint16_t *ports;   /* default ports, 0-terminated */
	/* Looks at the first payload bytes of a flow (either direction). */
	enum proto_probe (*probe)(struct slice data);
	size_t state_size;       /* per direction; zeroed before init() */
	void (*init)(void *state, uint8_t dir);  /* optional; with fini */
	void (*fini)(void *state);               /* optional; releases nothing the flow owns */
	struct proto_res (*parse)(struct proto_ctx *ctx, uint8_t dir, struct slice data);
	/* Optional: `n` bytes of the stream were not captured. Returns 0 when the parser stays
	 * in step (the bytes fell inside a PDU of known length), -1 when the caller must restart
	 * the direction from a clean state. */
	int (*skip)(struct proto_ctx *ctx, uint8_t dir, uint32_t n);
	void (*on_flow_end)(struct proto_ctx *ctx);  /* optional */
	uint16_t record_kind;    /* kind of record it emits (0: none yet) */
};

/* The registry (protos.def). Indexes are stable for a build. */
size_t proto_count(void);
const struct proto_desc *proto_get(size_t i);
const struct proto_desc *proto_find(const char *name); /* NULL when absent */
/* Checks every descriptor (names unique and non-empty, parse set, init/fini paired,
 * state_size bounded). Returns 0 or a negative enum err with a message in *e. */
int registry_validate(struct errbuf *e) WARN_UNUSED_RESULT;
/* Chooses a dissector for a flow from its first payload: a content match first, the
 * ports second (lower port first). Returns the index or -1. *by_content tells how. */
int registry_select(uint8_t l4, uint16_t sport, uint16_t dport, struct slice first, int *by_content);

#endif
