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

#define FOLLOW_DECODED_MAX (64u << 20) /* decoded bytes shown with --decode */

struct follow_run {
	int is_udp;
	int64_t stream;
	struct follow *f;
	struct obuf out;
	int write_err;
	int decode;          /* --decode: the stream's objects (HTTP bodies ...) decoded, after the follow */
	struct obuf dec;
	uint32_t nobj;
	uint64_t dec_bytes;
};

static void follow_on_rec(void *arg, const struct flow_ident *id, int64_t ts_ns, const struct proto_rec *r)
{
	(void)arg;
	(void)id;
	(void)ts_ns;
	(void)r; /* records are on only so that objects are rebuilt */
}

/* Objects of the followed stream as the dissectors rebuilt them: chunked coding and gzip/deflate
 * removed (HTTP), transfer encodings decoded (mail). Shown as --ascii shows bytes. */
static void follow_on_obj(void *arg, const struct flow_ident *id, struct proto_obj *o, int what, struct slice data)
{
	struct follow_run *r = arg;
	if (!id || id->stream != r->stream || id->l4 != (r->is_udp ? 17 : 6))
		return;
	struct obuf *d = &r->dec;
	if (what == 0) {
		r->nobj++;
		obuf_printf(d, "==== object %u: %s %s", r->nobj, o->source, o->is_orig ? "from the client" : "from the server");
		if (o->name[0]) {
			obuf_puts(d, ", ");
			obuf_put_text(d, (const uint8_t *)o->name, strlen(o->name));
		}
		if (o->mime_decl[0]) {
			obuf_puts(d, " (");
			obuf_put_text(d, (const uint8_t *)o->mime_decl, strlen(o->mime_decl));
			obuf_putc(d, ')');
		}
		obuf_puts(d, " ====\n");
		return;
	}
	if (what == 1) {
		for (uint32_t i = 0; i < data.len && r->dec_bytes < FOLLOW_DECODED_MAX; i++, r->dec_bytes++) {
			uint8_t ch = data.p[i];
			obuf_putc(d, (ch >= 0x20 && ch < 0x7f) || ch == '\n' || ch == '\t' ? (char)ch : '.');
		}
		return;
	}
	obuf_printf(d, "\n==== end of object %u: %llu bytes%s ====\n", r->nobj, (unsigned long long)o->size,
		    r->dec_bytes >= FOLLOW_DECODED_MAX ? " (output capped)" : "");
}

static void follow_usage(FILE *f)
{
	fputs("usage: sleuth follow 'tcp.stream eq N' | 'udp.stream eq N' [--ascii|--hex|--raw] [--decode] [--max-pending BYTES] CAPTURE\n"
	      "  the stream's payload in order, each side's records as tshark -z follow (server side indented):\n"
	      "  --ascii  text, bytes outside printable ASCII as '.' (default)\n"
	      "  --hex    hexdump per side, offsets counting that side's bytes\n"
	      "  --raw    each record as one line of hex digits\n"
	      "  TCP is put in sequence order: retransmitted bytes are left out (first copy wins), missing\n"
	      "  bytes are marked; --max-pending caps the out-of-order bytes held (default 64 MiB).\n"
	      "  --decode: then the stream's objects as rebuilt by the dissectors (HTTP bodies without chunked\n"
	      "  coding and gzip/deflate, FTP transfers, mail attachments decoded).\n"
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
		{ "decode", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum follow_mode mode = FOLLOW_ASCII;
	int decode = 0, have_filter = 0;
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
			have_filter = 1;
			break;
		case 'n': case 'q': break;
		case 'a': mode = FOLLOW_ASCII; break;
		case 'x': mode = FOLLOW_HEX; break;
		case 'R': mode = FOLLOW_RAW; break;
		case 'D': decode = 1; break;
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
	obuf_init(&r.dec);
	r.decode = decode;
	if (follow_new(&r.f, mode, r.is_udp, r.stream, max_pending, &r.out, &e) < 0) {
		log_error("%s", e.msg);
		obuf_free(&r.out);
		obuf_free(&r.dec);
		return EXIT_BADINPUT;
	}
	/* the decoded objects come from reassembled streams, unless -Y selects packets by what the
	 * packet list (tshark's model) would show */
	struct walk_src src = { .file = file, .rec = decode ? follow_on_rec : NULL, .obj = decode ? follow_on_obj : NULL,
				.rec_arg = &r, .reasm = (uint8_t)(decode && !have_filter) };
	int status = walk_run(&src, follow_on_pkt, NULL, &r);
	uint64_t n = follow_finish(r.f);
	if (!r.write_err)
		obuf_flush(&r.out, stdout);
	if (decode && !r.write_err) {
		if (!r.nobj)
			obuf_printf(&r.dec, "==== no objects (HTTP bodies, transfers, attachments) in this stream ====\n");
		obuf_flush(&r.dec, stdout);
	}
	obuf_free(&r.dec);
	fflush(stdout);
	if (!n && status == EXIT_OK) {
		log_error("%s: no packets in %s.stream %lld", file, r.is_udp ? "udp" : "tcp", (long long)r.stream);
		status = EXIT_BADINPUT;
	}
	follow_free(r.f);
	obuf_free(&r.out);
	return status;
}
