/* err.c: filling an errbuf. */
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>

int err_set(struct errbuf *e, int code, const char *fmt, ...)
{
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
		e->has_offset = 0;
	}
	return code;
}

int err_set_at(struct errbuf *e, int code, uint64_t offset, const char *fmt, ...)
{
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
		e->offset = offset;
		e->has_offset = 1;
	}
	return code;
}
