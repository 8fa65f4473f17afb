/* log.c: diagnostics to stderr, prefixed with the program name. */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>

static void log_vprint(const char *fmt, va_list ap)
{
	fputs("sleuth: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vprint(fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vprint(fmt, ap);
	va_end(ap);
}
