/* log.h: diagnostics to stderr (stdout is data). */
#ifndef SLEUTH_BASE_LOG_H
#define SLEUTH_BASE_LOG_H

#include "base/err.h"

void log_error(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_warn(const char *fmt, ...) PRINTF_LIKE(1, 2);

#endif
