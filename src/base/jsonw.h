/* jsonw.h: append-only JSON writer over an obuf: tracks nesting, escapes strings (control
 * characters and bytes that are not valid UTF-8 become \u escapes), reuses its buffer. */
#ifndef SLEUTH_BASE_JSONW_H
#define SLEUTH_BASE_JSONW_H

#include <stddef.h>
#include <stdint.h>

#include "base/obuf.h"

#define JSONW_MAX_DEPTH 16

/* `o` is borrowed. Misuse (a value where a key is due, unbalanced closes, too deep) sets `bad`
 * and writes nothing more. */
struct jsonw {
	struct obuf *o;
	uint8_t depth;
	uint8_t bad;
	uint8_t need_comma[JSONW_MAX_DEPTH];
	uint8_t in_object[JSONW_MAX_DEPTH];
	uint8_t key_done; /* a key was written in the current object; its value is next */
};

void jsonw_init(struct jsonw *j, struct obuf *o);
void jsonw_open_object(struct jsonw *j);
void jsonw_close_object(struct jsonw *j);
void jsonw_open_array(struct jsonw *j);
void jsonw_close_array(struct jsonw *j);
void jsonw_key(struct jsonw *j, const char *key);
/* Strings: `n` bytes of possibly untrusted data. */
void jsonw_string(struct jsonw *j, const char *s, size_t n);
void jsonw_u64(struct jsonw *j, uint64_t v);
/* Starts a value the caller writes itself into j->o (e.g. a quoted text known to need no escaping);
 * returns 0 when a value is not allowed here (then nothing must be written). */
int jsonw_value(struct jsonw *j);
/* A value already formatted as JSON (a number); the caller guarantees its syntax. */
void jsonw_raw(struct jsonw *j, const char *s, size_t n);

#endif
