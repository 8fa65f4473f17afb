/* mail.h: pieces shared by the mail dissectors (smtp.c, pop.c, imap.c): base64 transfer encoding and
 * quoted-printable (RFC 2045 6.7) decoding, the SMTP/POP3 dot-stuffed data stream (RFC 5321
 * 4.5.2), and a streaming Internet Message Format / MIME parser (RFC 5322, RFC 2045-2046) that
 * extracts the header values Zeek's smtp.log names, turns every MIME leaf part into a file
 * object, and renders the Info column the way Wireshark 4.0's IMF dissector does. All state is
 * fixed-size; nothing is allocated except the objects' digest contexts (proto_obj). */
#ifndef SLEUTH_PROTO_MAIL_H
#define SLEUTH_PROTO_MAIL_H

#include <stdint.h>

#include "base/slice.h"
#include "proto/proto.h"

/* base64 decoding itself is base/b64.h. */

/* Which side a direction is: requests go to the server's port (`to_port`: the packet's destination
 * port is the server's, `from_port`: its source port is); without ports to tell, the originator
 * (dir 0) is the client. Returns 1 for the client. */
int mail_is_client(int to_port, int from_port, uint8_t dir);

/* Content-Transfer-Encoding decoder fed in pieces. */
enum mail_cte { MAIL_CTE_NONE = 0, MAIL_CTE_B64, MAIL_CTE_QP };
struct mail_dec {
	uint8_t cte;      /* enum mail_cte */
	uint8_t n;        /* base64: sextets held; qp: bytes after '=' held */
	uint8_t done;     /* base64 padding seen */
	uint8_t hold[3];  /* qp: '=' and up to one more byte */
	uint32_t acc;     /* base64 bits */
};

/* The dot-stuffed data of SMTP DATA and POP3 multi-line replies: removes the stuffing dot and
 * finds the terminating "." line. */
struct mail_dot {
	uint8_t st;       /* position relative to a line start (internal) */
	uint8_t ended;    /* the "." line was seen */
};
/* Passes the data bytes of `in` (unstuffed, the terminator excluded) to `out` in runs; returns
 * how many bytes of `in` were used (all of them unless the terminator ended inside `in`). */
uint32_t mail_dot_feed(struct mail_dot *d, struct slice in,
		       void (*out)(void *arg, struct slice run), void *arg);

#define MAIL_FIELD_MAX 320
#define MAIL_LINE_MAX 160
#define MAIL_RAW_MAX 896
#define MAIL_DEPTH 3
#define MAIL_BOUNDARY_MAX 72

struct mail_val {
	uint8_t len;
	uint8_t buf[103];
};

/* One message, parsed as its bytes stream by. */
struct mail_msg {
	uint8_t phase;      /* internal */
	uint8_t objects;    /* turn parts into objects (records wanted) */
	uint8_t last_field; /* the header section ended on an empty line */
	uint8_t top_type;   /* the message has a Content-Type */
	uint8_t depth;      /* open multipart boundaries */
	uint8_t in_part;    /* inside a leaf part's body */
	uint8_t pend_crlf;  /* a body line break held back (it may belong to a boundary) */
	uint8_t line_long;  /* the current body line outgrew line[] (no boundary) */
	uint8_t cr;         /* the last byte was CR */
	uint8_t part_hdr;   /* parsing a part's headers */
	uint8_t field_lines;
	uint16_t flen, llen, rlen, ilen, tlen;
	uint8_t hst;        /* header scanner state */
	uint8_t skip;       /* bytes to drop before the body */
	uint32_t anomalies;
	uint64_t off;       /* bytes fed */
	uint64_t raw_base;  /* message offset of raw[0] */
	uint64_t body_off;  /* message offset where the body starts (last_field) */
	char ptype[48];     /* the part's Content-Type (lower case, no parameters) */
	char pname[96];     /* the part's file name */
	uint8_t pcte;       /* the part's transfer encoding */
	uint8_t pnext_bnd;  /* the part is itself multipart: its boundary is in nb[] */
	uint8_t nblen;
	char nb[MAIL_BOUNDARY_MAX];
	uint8_t blen[MAIL_DEPTH];
	char bnd[MAIL_DEPTH][MAIL_BOUNDARY_MAX];
	uint8_t field[MAIL_FIELD_MAX]; /* the header field being collected (raw, folded) */
	uint8_t line[MAIL_LINE_MAX];   /* the start of the current body line */
	uint8_t raw[MAIL_RAW_MAX];     /* the first bytes of the message (or of its body) */
	char info[256];     /* "from: ..., subject: ..., " as Wireshark writes it */
	char types[128];    /* " (text/plain) (image/jpeg)" */
	struct mail_val from, to, subject, date, msg_id, user_agent, reply_to, cc;
	struct mail_dec dec;
	const char *source; /* static: "SMTP", "POP3", "IMAP" */
	struct proto_obj obj;
};

/* Starts a message (objects named by `source`; a static string). */
void mail_msg_begin(struct proto_ctx *ctx, struct mail_msg *m, const char *source);
void mail_msg_feed(struct proto_ctx *ctx, struct mail_msg *m, struct slice data);
/* Ends the message: closes the open object and completes the header bookkeeping. */
void mail_msg_end(struct proto_ctx *ctx, struct mail_msg *m);
/* Writes the IMF Info text of an ended message (appends to what Info holds). */
void mail_msg_info(struct proto_ctx *ctx, const struct mail_msg *m);
/* Releases the open object without emitting it (fini). */
void mail_msg_free(struct mail_msg *m);
/* The IMF Info of one buffer taken as a whole message (Wireshark dissects each POP3 data
 * segment this way). */
void mail_imf_info(struct proto_ctx *ctx, struct slice buf);

/* Writes lines as Wireshark's text views do: line ends are CR, LF or CRLF, white space shown
 * as spaces, lines joined by ", " (also before the first when Info is not empty). */
void mail_info_lines(struct proto_ctx *ctx, struct slice text);

/* Small text helpers. */
struct slice mail_trim(struct slice s);
/* The first line of `s` without its line end (all of `s` when it has none). */
struct slice mail_first_line(struct slice s);
/* Copies into a bounded value. */
void mail_val_set(struct mail_val *v, struct slice s);
static inline struct slice mail_val_slice(const struct mail_val *v)
{
	struct slice s = { v->buf, v->len };
	return s;
}

#endif
