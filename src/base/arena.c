/* arena.c: bump allocator over malloc'd chunks. */
#include "base/arena.h"

#include <stdlib.h>
#include <string.h>

struct arena_chunk {
	struct arena_chunk *next;
	size_t size, used;
	_Alignas(16) unsigned char mem[];
};

void arena_init(struct arena *a, size_t cap)
{
	a->head = NULL;
	a->used_total = 0;
	a->cap = cap;
}

void *arena_alloc(struct arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (n == 0)
		n = 16;
	if (a->cap && a->used_total + n > a->cap)
		return NULL;
	struct arena_chunk *c = a->head;
	if (!c || c->size - c->used < n) {
		size_t sz = 4096 - sizeof *c;
		if (c && c->size * 2 > sz)
			sz = c->size * 2;
		if (sz > (size_t)1 << 20)
			sz = (size_t)1 << 20;
		if (sz < n)
			sz = n;
		c = malloc(sizeof *c + sz);
		if (!c)
			return NULL;
		c->next = a->head;
		c->size = sz;
		c->used = 0;
		a->head = c;
	}
	void *p = c->mem + c->used;
	c->used += n;
	a->used_total += n;
	memset(p, 0, n);
	return p;
}

void *arena_dup(struct arena *a, const void *p, size_t n)
{
	void *d = arena_alloc(a, n + 1);
	if (d && n)
		memcpy(d, p, n);
	return d;
}

void arena_reset(struct arena *a)
{
	struct arena_chunk *c = a->head;
	if (!c)
		return;
	while (c->next) {
		struct arena_chunk *n = c->next;
		free(c);
		c = n;
	}
	/* keep the oldest chunk (the last in the list) */
	c->used = 0;
	c->next = NULL;
	a->head = c;
	a->used_total = 0;
}

void arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *n = c->next;
		free(c);
		c = n;
	}
	a->head = NULL;
	a->used_total = 0;
}
