/* err.h: error codes and a message buffer, in the style of libpcap's errbuf. */
#ifndef SLEUTH_BASE_ERR_H
#define SLEUTH_BASE_ERR_H

#include <stdint.h>

#if defined(__GNUC__)
#define WARN_UNUSED_RESULT __attribute__((warn_unused_result))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define WARN_UNUSED_RESULT
#define PRINTF_LIKE(f, a)
#endif

enum err {
	ERR_OK = 0,
	ERR_IO = -1,      /* open/read/mmap failed */
	ERR_FORMAT = -2,  /* not a capture file, or an unsupported one */
	ERR_CORRUPT = -3, /* capture framing broken at some offset */
	ERR_TRUNC = -4,   /* file ends inside a record */
	ERR_NOMEM = -5,
	ERR_USAGE = -6,
	ERR_LIMIT = -7,
};

#define ERRBUF_SIZE 512

struct errbuf {
	char msg[ERRBUF_SIZE];
	uint64_t offset;  /* byte offset in the input the error refers to */
	int has_offset;
};

int err_set(struct errbuf *e, int code, const char *fmt, ...) PRINTF_LIKE(3, 4);
int err_set_at(struct errbuf *e, int code, uint64_t offset, const char *fmt, ...) PRINTF_LIKE(4, 5);

#endif
