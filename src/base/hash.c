/* hash.c: SipHash-1-3 (Aumasson and Bernstein, "SipHash: a fast short-input PRF"). */
#include "base/hash.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void hash_sipround(uint64_t v[4])
{
	v[0] += v[1]; v[1] = ROTL(v[1], 13); v[1] ^= v[0]; v[0] = ROTL(v[0], 32);
	v[2] += v[3]; v[3] = ROTL(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = ROTL(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = ROTL(v[1], 17); v[1] ^= v[2]; v[2] = ROTL(v[2], 32);
}

static uint64_t hash_load_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint64_t hash_siphash13(const struct hash_key *k, const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t v[4] = { k->k0 ^ 0x736f6d6570736575ULL, k->k1 ^ 0x646f72616e646f6dULL,
			  k->k0 ^ 0x6c7967656e657261ULL, k->k1 ^ 0x7465646279746573ULL };
	size_t end = len - (len % 8);
	for (size_t i = 0; i < end; i += 8) {
		uint64_t m = hash_load_le64(in + i);
		v[3] ^= m;
		hash_sipround(v);
		v[0] ^= m;
	}
	uint64_t b = (uint64_t)len << 56;
	for (size_t i = 0; i < len % 8; i++)
		b |= (uint64_t)in[end + i] << (8 * i);
	v[3] ^= b;
	hash_sipround(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	hash_sipround(v);
	hash_sipround(v);
	hash_sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

void hash_key_random(struct hash_key *k)
{
	uint64_t buf[2] = { 0, 0 };
	FILE *f = fopen("/dev/urandom", "rb");
	if (!f || fread(buf, sizeof buf, 1, f) != 1) {
		buf[0] = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL;
		buf[1] = (uint64_t)getpid() * 0xc2b2ae3d27d4eb4fULL;
	}
	if (f)
		fclose(f);
	k->k0 = buf[0];
	k->k1 = buf[1];
}
