/* eventlog.h: records as JSON lines (sleuth log): one object per record, a common header
 * (_path, ts, uid, community_id, id.orig_h/p, id.resp_h/p) then the record's own fields, with
 * Zeek's names. */
#ifndef SLEUTH_REPORT_EVENTLOG_H
#define SLEUTH_REPORT_EVENTLOG_H

#include <stdint.h>

#include "base/obuf.h"
#include "flow/flow.h"
#include "proto/proto.h"

/* Appends one line for `r` to `o`. */
void eventlog_write(struct obuf *o, const struct flow_ident *id, int64_t ts_ns, const struct proto_rec *r);

/* The calling thread writes no more records: frees its hashing context (threads of `log -j`). */
void eventlog_thread_end(void);

/* Community ID v1 (seed 0) of a conversation: "1:" + base64(SHA-1(...)). `out` holds >= 32 bytes.
 * Returns 0, or -1 when the digest is unavailable. */
int eventlog_community_id(const struct flow_ident *id, uint16_t seed, char *out, size_t n);

/* The conversation's uid: "C" + 17 base62 digits, a fixed function of its tuple, stream and
 * start time (deterministic output; not a secret). */
void eventlog_uid(const struct flow_ident *id, char out[20]);

#endif
