/* ipfrag.h: bounded IPv4 (RFC 791) and IPv6 (RFC 8200) fragment reassembly, as tshark 4.0 does it. */
#ifndef SLEUTH_FLOW_IPFRAG_H
#define SLEUTH_FLOW_IPFRAG_H

#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "decode/decode.h"

#define IPFRAG_MAX_DGRAM 65535u /* largest reassembled payload; fragments ending past it are dropped */

struct ipfrag_table;

struct ipfrag_config {
	uint32_t max_datagrams;   /* pending datagrams; the oldest is evicted past it */
	uint32_t max_bytes;       /* fragment bytes held over all pending datagrams */
	uint32_t max_frags;       /* fragments per datagram; more drop the datagram */
	int64_t timeout_ns;       /* a datagram not completed this long after its first fragment is dropped */
};

/* Identifies one datagram: source, destination, protocol (0 for IPv6) and identification. */
struct ipfrag_key {
	uint8_t src[16], dst[16]; /* alen bytes used, the rest zero */
	uint32_t id;
	uint16_t vlan;
	uint8_t alen;             /* 4 or 16 */
	uint8_t proto;
};

struct ipfrag_stats {
	uint64_t fragments, completed, expired, evicted, dropped_oversize, dropped_frags;
	uint32_t pending, pending_bytes;
};

void ipfrag_config_default(struct ipfrag_config *cfg);
int ipfrag_table_new(struct ipfrag_table **out, const struct ipfrag_config *cfg, struct errbuf *e) WARN_UNUSED_RESULT;
void ipfrag_table_free(struct ipfrag_table *t);

/* Adds the fragment `data` at byte offset `off` (`more`: more fragments follow) at time ts_ns.
 * Returns 1 when this fragment completes the datagram: *out then views the reassembled
 * payload, owned by the table and valid until the next ipfrag_table_add or ipfrag_table_free.
 * Returns 0 while the datagram is incomplete, -1 when the fragment was dropped (a cap). The
 * fragment bytes are copied. Overlaps keep the bytes of the fragment with the lower offset
 * (for equal offsets, the one that came first); the first last-fragment fixes the length. */
int ipfrag_table_add(struct ipfrag_table *t, const struct ipfrag_key *k, int64_t ts_ns, uint32_t off, int more,
		     struct slice data, struct slice *out);

/* If the last IP layer of `p` is a fragment that can be reassembled, adds it; when that
 * completes the datagram, re-decodes p's upper layers from the reassembled payload (valid
 * until the next call). Returns 1 then, else 0. */
int ipfrag_packet(struct ipfrag_table *t, struct pkt *p);

void ipfrag_table_stats(const struct ipfrag_table *t, struct ipfrag_stats *s);

#endif
