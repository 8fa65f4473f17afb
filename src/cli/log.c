/* log.c: `sleuth log CAPTURE...`: every record (conn, http, ftp, dns, tls, files, creds, names ...)
 * as one JSON line, Zeek's field names, community_id on each. */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/obuf.h"
#include "cli/cli.h"
#include "cli/walk.h"
#include "report/eventlog.h"

#define LOG_MAX_KINDS 16
#define LOG_FLUSH_AT (1u << 16)

struct log_run {
	struct obuf out;
	const char *kinds[LOG_MAX_KINDS];
	int nkinds;
	struct proto_decode_as decode_as[PROTO_DECODE_AS_MAX];
	uint8_t ndecode_as;
};

static void log_usage(FILE *f)
{
	fputs("usage: sleuth log [-k KIND]... [-d tcp.port==N,PROTO]... CAPTURE...\n"
	      "  Writes every record as a JSON line: conn, http, ftp, dns, tls, quic, smtp, files, creds, names ...\n"
	      "  -k KIND   only records of this kind (repeatable)\n"
	      "  -d tcp.port==N,PROTO  decode conversations on port N as PROTO (also udp.port)\n",
	      f);
}

static void log_on_rec(void *arg, const struct flow_ident *id, int64_t ts_ns, const struct proto_rec *r)
{
	struct log_run *lr = arg;
	if (lr->nkinds) {
		int want = 0;
		for (int i = 0; i < lr->nkinds; i++)
			want |= !strcmp(lr->kinds[i], r->kind);
		if (!want)
			return;
	}
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

int cli_log(int argc, char **argv)
{
	struct log_run lr = { .nkinds = 0 };
	const char *files[64];
	int nfiles = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			log_usage(stdout);
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "-k") && i + 1 < argc) {
			if (lr.nkinds == LOG_MAX_KINDS) {
				log_error("at most %d -k options", LOG_MAX_KINDS);
				return EXIT_USAGE;
			}
			lr.kinds[lr.nkinds++] = argv[++i];
			continue;
		}
		if (!strcmp(argv[i], "-d") && i + 1 < argc) {
			if (walk_add_decode_as(argv[++i], lr.decode_as, &lr.ndecode_as) < 0)
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
		struct walk_src src = { .file = files[i], .rec = log_on_rec, .rec_arg = &lr,
					.decode_as = lr.decode_as, .ndecode_as = lr.ndecode_as, .reasm = 1 };
		int st = walk_run(&src, log_on_pkt, NULL, &lr);
		obuf_flush(&lr.out, stdout);
		if (st != EXIT_OK && status == EXIT_OK)
			status = st;
	}
	obuf_free(&lr.out);
	fflush(stdout);
	return status;
}
