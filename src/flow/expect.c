/* expect.c: expectations: endpoints (address, port) announced by a dissector (SDP media, later
 * FTP PASV/PORT) for conversations to come. Like Wireshark's wildcard conversations, a newer
 * announcement of the same endpoint starts a new conversation from its frame on. Bounded: a
 * fixed table where a new entry replaces the oldest in its probe window. */
#include "flow/flow_int.h"

#include <pthread.h>
#include <string.h>

#define EXPECT_SLOTS 4096
#define EXPECT_PROBE 8

struct expect_ent {
	uint8_t used, l4, alen;
	uint16_t port;
	uint8_t addr[16];
	uint64_t setup_frame;
	uint32_t gen;       /* changes with every announcement */
	int64_t stream;     /* udp.stream given to it, -1 until a packet uses it */
};

struct expect_table {
	struct hash_key key;
	uint32_t next_gen;
	struct expect_ent ent[EXPECT_SLOTS];
};

size_t expect_table_size(void) { return sizeof(struct expect_table); }

/* One key for every table of the process: the tables of `log -j`'s threads see the same
 * announcements and must replace the same entries. */
static struct hash_key expect_key;
static pthread_once_t expect_key_once = PTHREAD_ONCE_INIT;

static void expect_key_make(void) { hash_key_random(&expect_key); }

void expect_table_init(struct expect_table *t)
{
	memset(t, 0, sizeof *t);
	pthread_once(&expect_key_once, expect_key_make);
	t->key = expect_key;
	t->next_gen = 1;
}

static uint32_t expect_home(const struct expect_table *t, uint8_t l4, uint8_t alen, const uint8_t *addr, uint16_t port)
{
	uint8_t k[20];
	memcpy(k, addr, alen);
	k[alen] = (uint8_t)(port >> 8);
	k[alen + 1] = (uint8_t)port;
	k[alen + 2] = l4;
	return (uint32_t)hash_siphash13(&t->key, k, (size_t)alen + 3) & (EXPECT_SLOTS - 1);
}

static int expect_match(const struct expect_ent *e, uint8_t l4, uint8_t alen, const uint8_t *addr, uint16_t port)
{
	return e->used && e->l4 == l4 && e->alen == alen && e->port == port && !memcmp(e->addr, addr, alen);
}

void expect_add(struct expect_table *t, uint8_t l4, uint8_t alen, const uint8_t *addr, uint16_t port, uint64_t frame)
{
	uint32_t h = expect_home(t, l4, alen, addr, port);
	struct expect_ent *slot = NULL, *oldest = NULL;
	for (uint32_t i = 0; i < EXPECT_PROBE; i++) {
		struct expect_ent *e = &t->ent[(h + i) & (EXPECT_SLOTS - 1)];
		if (expect_match(e, l4, alen, addr, port) || !e->used) {
			slot = e;
			break;
		}
		if (!oldest || e->setup_frame < oldest->setup_frame)
			oldest = e;
	}
	if (!slot)
		slot = oldest;
	slot->used = 1;
	slot->l4 = l4;
	slot->alen = alen;
	slot->port = port;
	memset(slot->addr, 0, sizeof slot->addr);
	memcpy(slot->addr, addr, alen);
	slot->setup_frame = frame;
	slot->gen = t->next_gen++;
	if (!t->next_gen)
		t->next_gen = 1;
	slot->stream = -1;
}

/* The expectation for an endpoint, or NULL. */
static struct expect_ent *expect_find(struct expect_table *t, uint8_t l4, uint8_t alen, const uint8_t *addr,
				      uint16_t port)
{
	uint32_t h = expect_home(t, l4, alen, addr, port);
	for (uint32_t i = 0; i < EXPECT_PROBE; i++) {
		struct expect_ent *e = &t->ent[(h + i) & (EXPECT_SLOTS - 1)];
		if (expect_match(e, l4, alen, addr, port))
			return e;
	}
	return NULL;
}

/* Looks for an expectation covering either end of a packet (source first, as Wireshark
 * searches). Returns its generation (0: none) and its stream slot. */
uint32_t expect_lookup(struct expect_table *t, uint8_t l4, uint8_t alen, const uint8_t *src, uint16_t sp,
		       const uint8_t *dst, uint16_t dp, int64_t **stream)
{
	struct expect_ent *e = expect_find(t, l4, alen, src, sp);
	if (!e)
		e = expect_find(t, l4, alen, dst, dp);
	if (!e)
		return 0;
	*stream = &e->stream;
	return e->gen;
}
