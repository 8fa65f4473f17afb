/* httptree.h: the HTTP packet detail tree (-V) as Wireshark 4.0 draws it: the start line with its
 * parts, every header line as sent (with the children Wireshark gives Content-Length, Cookie and
 * Basic credentials), the request/response numbering and matching lines, and the body's items
 * (chunks, content coding, "File Data"). http.c keeps what it needs while it frames a message
 * and calls http_tree_draw when the message is shown; nothing here runs without a tree. */
#ifndef SLEUTH_PROTO_HTTPTREE_H
#define SLEUTH_PROTO_HTTPTREE_H

#include <stdint.h>

#include "base/slice.h"
#include "proto/proto.h"

#define HTTP_TCHUNKS 64      /* chunks drawn per message */
#define HTTP_THEAD 36        /* first bytes of a chunk shown (Wireshark's bytes items) */

/* One message's copy for the tree. Allocated (malloc) when its header block is parsed and a tree
 * is wanted; owned by the message (struct http_msg in http.c), freed by http_tree_free. */
struct http_tmsg {
	uint32_t hdr_len;
	uint32_t number;         /* Wireshark's request/response number in the conversation */
	uint32_t total;          /* requests and unanswered responses numbered so far */
	uint64_t frame;          /* the frame that showed it (a request: "Request in frame") */
	uint64_t prev_req_frame; /* the request numbered before this one's (0: none) */
	uint64_t prev_res_frame; /* the response to that request (0: none) */
	int64_t ts_ns;
	/* a response: its request (copied when they are paired) */
	uint8_t paired;
	uint64_t req_frame;
	int64_t req_ns;
	char req_uri[2048 + 300]; /* full URI of the request, escaped as shown */
	uint16_t req_uri_len;
	/* chunked body */
	uint8_t chunked, nchunks, chunks_cut;
	struct http_tchunk {
		uint32_t size;
		uint8_t hlen;
		uint8_t head[HTTP_THEAD + 1]; /* one more: tells that the chunk is longer */
	} chunk[HTTP_TCHUNKS];
	uint8_t hdr[];           /* the start line and header block as sent, hdr_len bytes */
};

/* Per direction (in struct http_state): Wireshark's numbering of a conversation's requests and
 * responses. The requests' direction counts. */
struct http_tconv {
	uint32_t req_res_num;    /* numbers handed out */
	uint64_t last_req_frame; /* the latest request shown */
	uint64_t last_res_frame; /* the latest response shown */
};

/* What http.c knows of the body when the message ends. */
struct http_tbody {
	uint64_t wire_len;       /* after dechunking */
	uint64_t body_len;       /* after content decoding */
	uint8_t enc;             /* 0 none, 1 gzip, 2 deflate */
	uint8_t zfail;           /* decoding failed */
	uint8_t has_ctype;       /* a Content-Type names the body's dissector (else "Data" shows it) */
};

/* Keeps the header block (hdr, len bytes from the start line to the empty line) in *tm. */
void http_tree_keep(struct http_tmsg **tm, const uint8_t *hdr, uint32_t len);
void http_tree_free(struct http_tmsg **tm);
/* A chunk-size line (size) and the chunk's data as it passes. */
void http_tree_chunk_size(struct http_tmsg *tm, uint64_t size);
void http_tree_chunk_data(struct http_tmsg *tm, const uint8_t *p, uint32_t n);
/* A response is paired with its request (req may be NULL: a response nobody asked for). */
void http_tree_pair(struct http_tmsg *res, const struct http_tmsg *req);
/* Draws the message: `tc` is the conversation's numbering (the requests' direction). */
void http_tree_draw(struct proto_ctx *ctx, struct http_tmsg *tm, int is_req, const struct http_tbody *body,
		    struct http_tconv *tc);
/* Draws data that does not start a message (tshark's "Continuation"): the lines Wireshark
 * still reads as header lines, then the rest as data. */
void http_tree_continuation(struct proto_ctx *ctx, struct slice d);

#endif
