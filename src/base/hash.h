/* hash.h: keyed SipHash-1-3 for attacker-controlled keys (flow tuples). */
#ifndef SLEUTH_BASE_HASH_H
#define SLEUTH_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>

struct hash_key {
	uint64_t k0, k1;
};

/* Seeds a key from /dev/urandom (falls back to time and pid). */
void hash_key_random(struct hash_key *k);
uint64_t hash_siphash13(const struct hash_key *k, const void *data, size_t len);

#endif
