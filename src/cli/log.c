/* log.c: `sleuth log CAPTURE...`: every record (conn, http, ftp, dns, tls, files, creds, names ...)
 * as one JSON line, Zeek's field names, community_id on each. */
#include <malloc.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/obuf.h"
#include "cli/cli.h"
#include "cli/logshard.h"
#include "cli/walk.h"
#include "report/eventlog.h"

#define LOG_FLUSH_AT (1u << 16)

struct log_run {
	struct obuf out;
	struct log_opts o;
	unsigned jobs;           /* threads (-j); 1: this one */
};

static void log_usage(FILE *f)
{
	fputs("usage: sleuth log [-j N] [-k KIND]... [-d tcp.port==N,PROTO]... CAPTURE...\n"
	      "  Writes every record as a JSON line: conn, http, ftp, dns, tls, quic, smtp, files, creds, names ...\n"
	      "  -j N      threads (default: the CPUs this process may use, at most 16); the output is the same\n"
	      "  -k KIND   only records of this kind (repeatable)\n"
	      "  -d tcp.port==N,PROTO  decode conversations on port N as PROTO (also udp.port)\n" WALK_REASM_USAGE,
	      f);
}

static void log_on_rec(void *arg, const struct flow_ident *id, int64_t ts_ns, const struct proto_rec *r)
{
	struct log_run *lr = arg;
	if (!log_kind_wanted(&lr->o, r->kind))
		return;
	eventlog_write(&lr->out, id, ts_ns, r);
	if (lr->out.len >= LOG_FLUSH_AT)
		obuf_flush(&lr->out, stdout);
}

static int log_on_pkt(void *arg, const struct walk_pkt *w)
{
	(void)arg;
	(void)w;
	return 0;
}

/* After the records: what the walk learned about the capture (the same with one thread or more). */
void log_report(const char *file, const struct walk_result *res)
{
	fflush(stdout);
	walk_report_reasm(&res->stats, file);
	if (res->read_rc < 0)
		walk_log_err(file, &res->read_err);
}

/* The CPUs this process may run on, at most LOGSHARD_MAX. */
static unsigned log_default_jobs(void)
{
	cpu_set_t set;
	long n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return n > LOGSHARD_MAX ? LOGSHARD_MAX : (unsigned)n;
}

static int log_file(struct log_run *lr, const char *file)
{
	if (lr->jobs > 1) {
		int st = logshard_run(file, lr->jobs, &lr->o);
		if (st >= 0)
			return st;
		log_warn("%s: cannot start %u threads; using one", file, lr->jobs);
	}
	struct walk_result res;
	memset(&res, 0, sizeof res); /* stays empty when the capture cannot be opened */
	struct walk_src src = { .file = file, .rec = log_on_rec, .rec_arg = lr, .decode_as = lr->o.decode_as,
				.ndecode_as = lr->o.ndecode_as, .reasm = 1, .caps = lr->o.caps, .result = &res };
	int st = walk_run(&src, log_on_pkt, NULL, lr);
	obuf_flush(&lr->out, stdout);
	log_report(file, &res);
	return st;
}

/* Conversations come and go by the hundred thousand, their state a few KB each: freed memory is
 * kept for the next ones instead of going back to the kernel and being faulted in again (on this
 * workload's VM a page fault costs more than the memory it saves; peak memory is unchanged). */
static void log_tune_heap(void)
{
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
}

int cli_log(int argc, char **argv)
{
	struct log_run lr = { .jobs = log_default_jobs() };
	log_tune_heap();
	const char *files[64];
	int nfiles = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			log_usage(stdout);
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "-k") && i + 1 < argc) {
			if (lr.o.nkinds == LOG_MAX_KINDS) {
				log_error("at most %d -k options", LOG_MAX_KINDS);
				return EXIT_USAGE;
			}
			lr.o.kinds[lr.o.nkinds++] = argv[++i];
			continue;
		}
		if (!strcmp(argv[i], "-j") && i + 1 < argc) {
			char *end;
			long j = strtol(argv[++i], &end, 10);
			if (*end || j < 1 || j > LOGSHARD_MAX) {
				log_error("log: -j takes a number of threads from 1 to %d", LOGSHARD_MAX);
				return EXIT_USAGE;
			}
			lr.jobs = (unsigned)j;
			continue;
		}
		int rc = walk_parse_reasm_cap(argc, argv, &i, &lr.o.caps);
		if (rc < 0)
			return EXIT_USAGE;
		if (rc)
			continue;
		if (!strcmp(argv[i], "-d") && i + 1 < argc) {
			if (walk_add_decode_as(argv[++i], lr.o.decode_as, &lr.o.ndecode_as) < 0)
				return EXIT_USAGE;
			continue;
		}
		if (!strcmp(argv[i], "-r") && i + 1 < argc)
			i++;
		else if (argv[i][0] == '-') {
			log_error("log: unknown option '%s'", argv[i]);
			log_usage(stderr);
			return EXIT_USAGE;
		}
		if (nfiles == (int)(sizeof files / sizeof files[0])) {
			log_error("log: too many captures");
			return EXIT_USAGE;
		}
		files[nfiles++] = argv[i];
	}
	if (!nfiles) {
		log_usage(stderr);
		return EXIT_USAGE;
	}
	obuf_init(&lr.out);
	int status = EXIT_OK;
	for (int i = 0; i < nfiles; i++) {
		int st = log_file(&lr, files[i]);
		if (st != EXIT_OK && status == EXIT_OK)
			status = st;
	}
	obuf_free(&lr.out);
	fflush(stdout);
	return status;
}
