/* packets.c: `sleuth packets`: the tshark-style packet list, field output and detail tree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/jsonw.h"
#include "base/obuf.h"
#include "capture/capture.h"
#include "cli/cli.h"
#include "cli/walk.h"
#include "decode/decode.h"
#include "filter/dfilter.h"
#include "filter/fields.h"
#include "flow/flow.h"
#include "report/columns.h"
#include "report/protocols.h"
#include "report/tree.h"

#define MAX_FIELDS 256

enum out_mode { OUT_TEXT, OUT_FIELDS, OUT_JSON };
enum time_fmt { TF_REL, TF_ABS, TF_ABS_DATE, TF_DELTA, TF_DELTA_DISP, TF_EPOCH, TF_UTC, TF_UTC_DATE };

struct packets_opts {
	const char *file, *iface, *bpf;
	const char *dfilter;      /* -Y display filter text (argv) */
	struct proto_decode_as decode_as[PROTO_DECODE_AS_MAX]; /* -d */
	uint8_t ndecode_as;
	enum out_mode mode;
	enum time_fmt tfmt;
	int verbose, quiet, header, occurrence; /* occurrence: 'f', 'l', 'a' */
	char sep, quote, aggregator;
	uint64_t count;
	const struct field_def *fields[MAX_FIELDS];
	int nfields;
	struct col_opts co;
};

struct packets_run {
	struct packets_opts *o;
	struct obuf out, proto, info, scratch, chain;
	struct dfilter *df;           /* owned by cli_packets; NULL without -Y */
	int64_t first_ns, prev_ns;
	uint64_t nread;
	const struct pkt *pkt_view;   /* the current packet, borrowed during the callback */
	const struct flow_pkt *fp_view;
};

static void packets_usage(FILE *f)
{
	fputs("usage: sleuth packets [OPTIONS] (CAPTURE | -r CAPTURE | -i IFACE)\n"
	      "  -r FILE        read a pcap/pcapng capture (also .gz)\n"
	      "  -i IFACE       capture live from an interface (libpcap)\n"
	      "  -f BPF         capture filter in tcpdump syntax (also applied to files)\n"
	      "  -Y FILTER      display filter in Wireshark syntax (e.g. 'tcp.port == 80 && ip.addr == 10.0.0.0/8')\n"
	      "  -d tcp.port==N,PROTO   decode conversations on port N as PROTO (also udp.port)\n"
	      "  -c N           stop after N packets\n"
	      "  -T text|fields|json  output format (default text); json: one object per packet per line\n"
	      "  -e FIELD       a field to print with -T fields (repeatable)\n"
	      "  -E OPT=VAL     header=y|n, separator=/t|/s|C, quote=d|s|n, occurrence=f|l|a, aggregator=C\n"
	      "  -t FMT         time column: r (relative, default), a, ad, d, dd, e, u, ud\n"
	      "  -V             print the detail tree of each packet\n"
	      "  -n             no active name lookups (sleuth never does them; accepted for tshark habits)\n"
	      "  -N m           show MAC vendor names (IEEE OUI)\n"
	      "  -q             print nothing per packet (decode, flows and TCP analysis only)\n",
	      f);
}

static int packets_parse_E(struct packets_opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq)
		return -1;
	size_t k = (size_t)(eq - arg);
	const char *v = eq + 1;
	if (!strncmp(arg, "header", k))
		o->header = (*v == 'y');
	else if (!strncmp(arg, "separator", k))
		o->sep = !strcmp(v, "/t") ? '\t' : !strcmp(v, "/s") ? ' ' : *v;
	else if (!strncmp(arg, "quote", k))
		o->quote = *v == 'd' ? '"' : *v == 's' ? '\'' : 0;
	else if (!strncmp(arg, "occurrence", k))
		o->occurrence = *v;
	else if (!strncmp(arg, "aggregator", k))
		o->aggregator = !strcmp(v, "/s") ? ' ' : *v;
	else
		return -1;
	return 0;
}

static int packets_add_field(struct packets_opts *o, const char *name)
{
	const struct field_def *fd = field_find(name);
	if (!fd) {
		const char *sug[5];
		size_t n = field_suggest(name, sug, 5);
		fprintf(stderr, "sleuth: unknown field \"%s\"", name);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "%s%s", i ? ", " : "; did you mean: ", sug[i]);
		fputs("\n", stderr);
		return -1;
	}
	if (o->nfields >= MAX_FIELDS) {
		fprintf(stderr, "sleuth: more than %d fields\n", MAX_FIELDS);
		return -1;
	}
	o->fields[o->nfields++] = fd;
	return 0;
}

static int packets_parse(struct packets_opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof *o);
	o->sep = '\t';
	o->occurrence = 'a';
	o->aggregator = ',';
	int c;
	optind = 1;
	while ((c = getopt(argc, argv, "r:i:f:c:T:e:E:t:VnN:qhY:d:")) != -1) {
		switch (c) {
		case 'r': o->file = optarg; break;
		case 'i': o->iface = optarg; break;
		case 'f': o->bpf = optarg; break;
		case 'Y': o->dfilter = optarg; break;
		case 'd':
			if (walk_add_decode_as(optarg, o->decode_as, &o->ndecode_as) < 0)
				return -1;
			break;
		case 'c': o->count = strtoull(optarg, NULL, 10); break;
		case 'T':
			if (!strcmp(optarg, "json"))
				o->mode = OUT_JSON;
			else if (!strcmp(optarg, "fields"))
				o->mode = OUT_FIELDS;
			else if (!strcmp(optarg, "text"))
				o->mode = OUT_TEXT;
			else {
				fprintf(stderr, "sleuth: -T %s: supported formats are text, fields and json\n", optarg);
				return -1;
			}
			break;
		case 'e':
			if (packets_add_field(o, optarg) < 0)
				return -1;
			break;
		case 'E':
			if (packets_parse_E(o, optarg) < 0) {
				fprintf(stderr, "sleuth: bad -E option \"%s\"\n", optarg);
				return -1;
			}
			break;
		case 't':
			if (!strcmp(optarg, "r")) o->tfmt = TF_REL;
			else if (!strcmp(optarg, "a")) o->tfmt = TF_ABS;
			else if (!strcmp(optarg, "ad")) o->tfmt = TF_ABS_DATE;
			else if (!strcmp(optarg, "d")) o->tfmt = TF_DELTA;
			else if (!strcmp(optarg, "dd")) o->tfmt = TF_DELTA_DISP;
			else if (!strcmp(optarg, "e")) o->tfmt = TF_EPOCH;
			else if (!strcmp(optarg, "u")) o->tfmt = TF_UTC;
			else if (!strcmp(optarg, "ud")) o->tfmt = TF_UTC_DATE;
			else {
				fprintf(stderr, "sleuth: bad time format \"%s\"\n", optarg);
				return -1;
			}
			break;
		case 'V': o->verbose = 1; break;
		case 'n': break;
		case 'N':
			if (strchr(optarg, 'm'))
				o->co.resolve_mac = 1;
			break;
		case 'q': o->quiet = 1; break;
		case 'h': packets_usage(stdout); exit(EXIT_OK);
		default: return -1;
		}
	}
	if (optind < argc) {
		if (o->file || optind + 1 < argc) {
			fprintf(stderr, "sleuth: one capture at a time\n");
			return -1;
		}
		o->file = argv[optind];
	}
	if (!o->file == !o->iface) {
		fprintf(stderr, "sleuth: give a capture file or -i IFACE\n");
		return -1;
	}
	if (o->mode == OUT_FIELDS && o->nfields == 0) {
		fprintf(stderr, "sleuth: -T fields needs at least one -e FIELD\n");
		return -1;
	}
	return 0;
}

static void packets_time(struct packets_run *r, struct obuf *o)
{
	const struct frame *f = r->pkt_view->fr;
	int64_t ns = frame_ns(f);
	int digits = f->ts_digits ? f->ts_digits : 6;
	int64_t div = 1;
	for (int i = digits; i < 9; i++)
		div *= 10;
	int64_t v;
	switch (r->o->tfmt) {
	case TF_ABS:
	case TF_ABS_DATE:
	case TF_UTC:
	case TF_UTC_DATE: {
		time_t t = (time_t)f->ts_sec;
		struct tm tm;
		char buf[64];
		int utc = r->o->tfmt == TF_UTC || r->o->tfmt == TF_UTC_DATE;
		int date = r->o->tfmt == TF_ABS_DATE || r->o->tfmt == TF_UTC_DATE;
		if (!(utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)))
			memset(&tm, 0, sizeof tm);
		strftime(buf, sizeof buf, date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
		obuf_printf(o, "%s.%0*lld", buf, digits, (long long)(f->ts_nsec / div));
		return;
	}
	case TF_DELTA:
	case TF_DELTA_DISP: v = ns - r->prev_ns; break;
	case TF_EPOCH: v = ns; break;
	default: v = ns - r->first_ns; break;
	}
	if (v < 0) {
		obuf_putc(o, '-');
		v = -v;
	}
	obuf_printf(o, "%lld.%0*lld", (long long)(v / 1000000000ll), digits, (long long)((v % 1000000000ll) / div));
}

static int packets_render_cols(struct fctx *c)
{
	struct packets_run *r = c->render_arg;
	obuf_reset(&r->proto);
	obuf_reset(&r->info);
	col_protocol(r->pkt_view, r->fp_view, &r->proto);
	col_info(r->pkt_view, r->fp_view, &r->info);
	c->col_protocol = obuf_cstr(&r->proto);
	c->col_info = obuf_cstr(&r->info);
	obuf_reset(&r->chain);
	pkt_protocols(r->pkt_view, r->fp_view, &r->chain);
	c->protocols = obuf_cstr(&r->chain);
	return 0;
}

static void packets_text_line(struct packets_run *r)
{
	struct obuf *o = &r->out;
	size_t s = o->len;
	obuf_u64(o, r->pkt_view->fr->num);
	obuf_pad_from(o, s, 5, 1);
	obuf_putc(o, ' ');
	s = o->len;
	packets_time(r, o);
	obuf_pad_from(o, s, 10, 1);
	obuf_putc(o, ' ');
	s = o->len;
	col_source(r->pkt_view, &r->o->co, o);
	obuf_pad_from(o, s, 12, 1);
	obuf_puts(o, " \xe2\x86\x92 ");
	s = o->len;
	col_destination(r->pkt_view, &r->o->co, o);
	obuf_pad_from(o, s, 12, 0);
	obuf_putc(o, ' ');
	col_protocol(r->pkt_view, r->fp_view, o);
	obuf_putc(o, ' ');
	obuf_u64(o, r->pkt_view->fr->len);
	obuf_putc(o, ' ');
	col_info(r->pkt_view, r->fp_view, o);
	obuf_putc(o, '\n');
}

#define FIELD_MAX_OCC 256 /* tshark prints every occurrence; this bounds the stack */

static void packets_field_value(struct packets_run *r, const struct fval *v)
{
	struct obuf *o = &r->out;
	if (v->type == FT_PORTS && r->o->occurrence != 'a')
		obuf_u64(o, r->o->occurrence == 'l' ? v->u2 : v->u);
	else if (v->type == FT_STRING)
		field_format(v, o);
	else
		field_format(v, o);
}

/* Fills v[] with up to `max` occurrences of a field; returns how many the packet has. */
static int packets_occurrences(struct fctx *fc, const struct field_def *fd, struct fval *v, int max)
{
	int n = 0;
	for (; n < max; n++) {
		memset(&v[n], 0, sizeof v[n]);
		v[n].type = fd->type;
		v[n].width = fd->width;
		if (!field_get(fd, fc, &v[n], n))
			break;
	}
	return n;
}

/* One field: its first, last or every occurrence (joined by the aggregator), as -E occurrence= says. */
static void packets_field(struct packets_run *r, struct fctx *fc, const struct field_def *fd)
{
	struct obuf *o = &r->out;
	struct fval v[FIELD_MAX_OCC];
	int nocc = packets_occurrences(fc, fd, v, fd->multi && r->o->occurrence != 'f' ? FIELD_MAX_OCC : 1);
	if (!nocc)
		return;
	int from = r->o->occurrence == 'l' ? nocc - 1 : 0;
	int to = r->o->occurrence == 'a' ? nocc : from + 1;
	if (r->o->quote)
		obuf_putc(o, r->o->quote);
	for (int k = from; k < to; k++) {
		if (k > from)
			obuf_putc(o, r->o->aggregator);
		packets_field_value(r, &v[k]);
	}
	if (r->o->quote)
		obuf_putc(o, r->o->quote);
}

static void packets_fields_line(struct packets_run *r, struct fctx *fc)
{
	for (int i = 0; i < r->o->nfields; i++) {
		if (i)
			obuf_putc(&r->out, r->o->sep);
		packets_field(r, fc, r->o->fields[i]);
	}
	obuf_putc(&r->out, '\n');
}

static void packets_header(struct packets_run *r)
{
	if (r->o->mode != OUT_FIELDS || !r->o->header)
		return;
	for (int i = 0; i < r->o->nfields; i++) {
		if (i)
			obuf_putc(&r->out, r->o->sep);
		obuf_puts(&r->out, r->o->fields[i]->name);
	}
	obuf_putc(&r->out, '\n');
}

/* -T json: one object per packet and line, every field the packet has, keyed by its
 * Wireshark name (unique keys; a field with several occurrences holds an array). */
static void packets_json_line(struct packets_run *r, struct fctx *fc)
{
	struct jsonw j;
	jsonw_init(&j, &r->out);
	jsonw_open_object(&j);
	for (size_t i = 0; i < field_count(); i++) {
		const struct field_def *fd = field_at(i);
		struct fval v[FIELD_MAX_OCC];
		int nocc = packets_occurrences(fc, fd, v, fd->multi ? FIELD_MAX_OCC : 1);
		if (!nocc)
			continue;
		jsonw_key(&j, fd->name);
		if (fd->multi)
			jsonw_open_array(&j);
		for (int k = 0; k < nocc; k++) {
			if (fd->type == FT_UINT || fd->type == FT_BOOL) {
				jsonw_u64(&j, fd->type == FT_BOOL ? (v[k].u != 0) : v[k].u);
			} else if (fd->type == FT_NONE) {
				jsonw_raw(&j, "true", 4);
			} else {
				obuf_reset(&r->scratch);
				if (fd->type == FT_STRING)
					{
						struct slice t = fval_text(&v[k]);
						obuf_write(&r->scratch, t.p, t.len);
					}
				else
					field_format(&v[k], &r->scratch);
				if (fd->type == FT_INT)
					jsonw_raw(&j, r->scratch.buf, r->scratch.len);
				else
					jsonw_string(&j, r->scratch.buf ? r->scratch.buf : "", r->scratch.len);
			}
		}
		if (fd->multi)
			jsonw_close_array(&j);
	}
	jsonw_close_object(&j);
	obuf_putc(&r->out, '\n');
}

/* One packet of the walk: the flow table and TCP analysis have seen it; -Y only filters
 * what is printed. Returns 1 to stop (the -c count reached, or stdout failed). */
static int packets_on_packet(void *arg, const struct walk_pkt *w)
{
	struct packets_run *r = arg;
	const struct packets_opts *opts = r->o;
	r->pkt_view = w->p;
	r->fp_view = w->fp;
	r->first_ns = w->first_ns;
	r->prev_ns = w->prev_ns;
	struct fctx fctx = { .p = w->p, .fp = w->fp, .first_ns = w->first_ns, .prev_ns = w->prev_ns,
			     .render_cols = packets_render_cols, .render_arg = r };
	int shown = !r->df || dfilter_match(r->df, &fctx);
	if (shown && !opts->quiet) {
		if (opts->mode == OUT_FIELDS)
			packets_fields_line(r, &fctx);
		else if (opts->mode == OUT_JSON)
			packets_json_line(r, &fctx);
		else if (!opts->verbose) /* -V prints the tree alone, as tshark -V */
			packets_text_line(r);
		else
			tree_print(w->p, w->fp, &opts->co, w->first_ns, w->prev_ns, &r->out);
		if (r->out.len > (1u << 16) || opts->iface) {
			if (obuf_flush(&r->out, stdout) < 0)
				return 1;
			if (opts->iface)
				fflush(stdout);
		}
	}
	return opts->count && ++r->nread >= opts->count; /* -c counts packets read, as tshark */
}

/* The end of the walk: what is buffered goes out before any read error is reported. */
static void packets_on_end(void *arg, const struct capture *cap)
{
	struct packets_run *r = arg;
	(void)cap;
	obuf_flush(&r->out, stdout);
	fflush(stdout);
}

int cli_packets(int argc, char **argv)
{
	struct packets_opts opts;
	if (packets_parse(&opts, argc, argv) < 0) {
		packets_usage(stderr);
		return EXIT_USAGE;
	}
	struct dfilter *df = NULL; /* compiled before the capture is opened: a bad filter reads nothing */
	if (opts.dfilter) {
		struct errbuf de;
		uint32_t dlen;
		if (dfilter_compile(&df, opts.dfilter, &de, &dlen) < 0) {
			struct obuf eo;
			obuf_init(&eo);
			obuf_puts(&eo, "sleuth: ");
			dfilter_format_error(opts.dfilter, &de, dlen, &eo);
			obuf_flush(&eo, stderr);
			obuf_free(&eo);
			return EXIT_USAGE;
		}
	}
	struct packets_run *r = calloc(1, sizeof *r);
	if (!r) {
		log_error("out of memory");
		dfilter_free(df);
		return EXIT_BADINPUT;
	}
	r->o = &opts;
	r->df = df;
	obuf_init(&r->out);
	obuf_init(&r->proto);
	obuf_init(&r->info);
	obuf_init(&r->scratch);
	obuf_init(&r->chain);
	packets_header(r);
	struct walk_src src = { .file = opts.file, .iface = opts.iface, .bpf = opts.bpf,
				.decode_as = opts.decode_as, .ndecode_as = opts.ndecode_as,
				.no_dissect = (uint8_t)(opts.quiet && !df),
				.app_tree = (uint8_t)(opts.verbose && opts.mode == OUT_TEXT && !opts.quiet) };
	int status = walk_run(&src, packets_on_packet, packets_on_end, r);
	obuf_free(&r->out);
	obuf_free(&r->proto);
	obuf_free(&r->info);
	obuf_free(&r->scratch);
	obuf_free(&r->chain);
	free(r);
	dfilter_free(df);
	return status;
}

int cli_fields(void)
{
	for (size_t i = 0; i < field_count(); i++) {
		const struct field_def *fd = field_at(i);
		printf("%s\t%s\n", fd->name, fd->descr);
	}
	return EXIT_OK;
}
