/* follow.c: `sleuth follow 'tcp.stream eq N'`: a conversation's payload in order, as tshark -z follow,PROTO,MODE,N. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cli/cli.h"
#include "cli/walk.h"
#include "report/follow.h"

#define FOLLOW_DEFAULT_PENDING (64u << 20)

struct follow_run {
	int is_udp;
	int64_t stream;
	struct follow *f;
	struct obuf out;
	int write_err;
};

static void follow_usage(FILE *f)
{
	fputs("usage: sleuth follow 'tcp.stream eq N' | 'udp.stream eq N' [--ascii|--hex|--raw] [--max-pending BYTES] CAPTURE\n"
	      "  the stream's payload in order, each side's records as tshark -z follow (server side indented):\n"
	      "  --ascii  text, bytes outside printable ASCII as '.' (default)\n"
	      "  --hex    hexdump per side, offsets counting that side's bytes\n"
	      "  --raw    each record as one line of hex digits\n"
	      "  TCP is put in sequence order: retransmitted bytes are left out (first copy wins), missing\n"
	      "  bytes are marked; --max-pending caps the out-of-order bytes held (default 64 MiB).\n"
	      "  -Y FILTER: only packets that also match this display filter.\n",
	      f);
}

static int follow_on_pkt(void *arg, const struct walk_pkt *w)
{
	struct follow_run *r = arg;
	const struct pkt *p = w->p;
	const struct pkt_ip *ip = pkt_ip_last(p);
	if (!ip)
		return 0;
	if (!r->is_udp) {
		if (!(p->layers & PL_TCP) || w->fp->tcp_stream != r->stream)
			return 0;
		if (p->problem != PP_NONE && p->problem_layer == __builtin_ctz(PL_TCP))
			return 0;
		follow_packet(r->f, ip->src, ip->dst, ip->alen, p->tcp.sport, p->tcp.dport, p->tcp.seq, p->tcp.flags,
			      p->tcp.payload.p, p->tcp.payload.len);
	} else {
		if (!(p->layers & PL_UDP) || w->fp->udp_stream != r->stream)
			return 0;
		follow_packet(r->f, ip->src, ip->dst, ip->alen, p->udp.sport, p->udp.dport, 0, 0, p->udp.payload.p,
			      p->udp.payload.len);
	}
	if (r->out.len > (1u << 16) && obuf_flush(&r->out, stdout) < 0) {
		r->write_err = 1;
		return 1;
	}
	return 0;
}

int cli_follow(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "ascii", no_argument, NULL, 'a' },
		{ "hex", no_argument, NULL, 'x' },
		{ "raw", no_argument, NULL, 'R' },
		{ "max-pending", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum follow_mode mode = FOLLOW_ASCII;
	size_t max_pending = FOLLOW_DEFAULT_PENDING;
	const char *file = NULL, *filter = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:nqhY:", lo, NULL)) != -1) {
		switch (c) {
		case 'r': file = optarg; break;
		case 'Y':
			if (walk_set_display_filter(optarg) != 0)
				return EXIT_USAGE;
			break;
		case 'n': case 'q': break;
		case 'a': mode = FOLLOW_ASCII; break;
		case 'x': mode = FOLLOW_HEX; break;
		case 'R': mode = FOLLOW_RAW; break;
		case 'm': {
			char *end;
			unsigned long long v = strtoull(optarg, &end, 10);
			if (*end || v > (1ull << 34)) {
				fprintf(stderr, "sleuth: bad --max-pending \"%s\"\n", optarg);
				follow_usage(stderr);
				return EXIT_USAGE;
			}
			max_pending = (size_t)v;
			break;
		}
		case 'h': follow_usage(stdout); return EXIT_OK;
		default: follow_usage(stderr); return EXIT_USAGE;
		}
	}
	/* the filter may come unquoted, as several words: all positionals but the capture */
	char filter_buf[256];
	int npos = argc - optind;
	if (npos > 0 && !file) {
		file = argv[argc - 1];
		npos--;
	}
	if (npos > 0) {
		size_t len = 0;
		filter_buf[0] = 0;
		for (int i = 0; i < npos; i++) {
			int w = snprintf(filter_buf + len, sizeof filter_buf - len, "%s%s", i ? " " : "", argv[optind + i]);
			if (w < 0 || (size_t)w >= sizeof filter_buf - len) {
				fprintf(stderr, "sleuth: filter too long\n");
				return EXIT_USAGE;
			}
			len += (size_t)w;
		}
		filter = filter_buf;
	}
	struct follow_run r = { 0 };
	if (!filter || walk_parse_stream_filter(filter, &r.is_udp, &r.stream) < 0) {
		fprintf(stderr, "sleuth: follow needs 'tcp.stream eq N' or 'udp.stream eq N'%s%s%s\n",
			filter ? ", not \"" : "", filter ? filter : "", filter ? "\"" : "");
		follow_usage(stderr);
		return EXIT_USAGE;
	}
	if (!file) {
		fprintf(stderr, "sleuth: give a capture file\n");
		follow_usage(stderr);
		return EXIT_USAGE;
	}
	struct errbuf e;
	obuf_init(&r.out);
	if (follow_new(&r.f, mode, r.is_udp, r.stream, max_pending, &r.out, &e) < 0) {
		log_error("%s", e.msg);
		obuf_free(&r.out);
		return EXIT_BADINPUT;
	}
	int status = walk_file(file, follow_on_pkt, NULL, &r);
	uint64_t n = follow_finish(r.f);
	if (!r.write_err)
		obuf_flush(&r.out, stdout);
	fflush(stdout);
	if (!n && status == EXIT_OK) {
		log_error("%s: no packets in %s.stream %lld", file, r.is_udp ? "udp" : "tcp", (long long)r.stream);
		status = EXIT_BADINPUT;
	}
	follow_free(r.f);
	obuf_free(&r.out);
	return status;
}
