/* logshard.h: `sleuth log` over several threads, with the output of one. */
#ifndef SLEUTH_CLI_LOGSHARD_H
#define SLEUTH_CLI_LOGSHARD_H

#include <stdint.h>

#include "cli/walk.h"
#include "proto/proto.h"

#define LOG_MAX_KINDS 16
#define LOGSHARD_MAX 16

/* What `sleuth log` writes: the record kinds (-k; none: all) and the forced dissectors (-d). */
struct log_opts {
	const char *kinds[LOG_MAX_KINDS];
	int nkinds;
	struct proto_decode_as decode_as[PROTO_DECODE_AS_MAX];
	uint8_t ndecode_as;
	struct walk_reasm_caps caps;
};

/* After the records of `file`: the holes reassembly gave up at its caps and the read error. */
void log_report(const char *file, const struct walk_result *res);

/* 1 when records of `kind` are written. */
int log_kind_wanted(const struct log_opts *o, const char *kind);

/* Writes the records of `file` to stdout as JSON lines using `nshards` (2..LOGSHARD_MAX) threads,
 * byte for byte what one thread writes (see cli/logshard.c for the two documented exceptions).
 * Returns an EXIT_* code; errors are logged with the file name and offset. */
int logshard_run(const char *file, unsigned nshards, const struct log_opts *o);

#endif
