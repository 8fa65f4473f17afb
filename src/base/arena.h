/* arena.h: bump allocator; everything in it is freed at once. */
#ifndef SLEUTH_BASE_ARENA_H
#define SLEUTH_BASE_ARENA_H

#include <stddef.h>
#include <stdint.h>

struct arena_chunk;

/* Owns its chunks. `cap` bounds the total bytes it may hold (0: unbounded). */
struct arena {
	struct arena_chunk *head; /* owned */
	size_t used_total;
	size_t cap;
};

void arena_init(struct arena *a, size_t cap);
/* Returns zeroed memory aligned to 16 bytes, or NULL past the cap / out of memory. */
void *arena_alloc(struct arena *a, size_t n);
void *arena_dup(struct arena *a, const void *p, size_t n);
/* Frees every chunk but the first and rewinds it (per-packet scratch). */
void arena_reset(struct arena *a);
void arena_free(struct arena *a);

#endif
