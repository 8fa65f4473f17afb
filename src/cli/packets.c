/* packets.c: `sleuth packets`: the tshark-style packet list, field output and detail tree. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/obuf.h"
#include "capture/capture.h"
#include "cli/cli.h"
#include "decode/decode.h"
#include "filter/dfilter.h"
#include "filter/fields.h"
#include "flow/flow.h"
#include "flow/ipfrag.h"
#include "report/columns.h"
#include "report/tree.h"

#define MAX_FIELDS 256

enum out_mode { OUT_TEXT, OUT_FIELDS };
enum time_fmt { TF_REL, TF_ABS, TF_ABS_DATE, TF_DELTA, TF_DELTA_DISP, TF_EPOCH, TF_UTC, TF_UTC_DATE };

struct packets_opts {
	const char *file, *iface, *bpf;
	const char *dfilter;      /* -Y display filter text (argv) */
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
	struct obuf out, proto, info;
	int64_t first_ns, prev_ns;
	int have_first;
	struct pkt pkt;
	struct flow_pkt fp;
};

static volatile sig_atomic_t packets_stop;
static struct capture *packets_live;

static void packets_on_signal(int sig)
{
	(void)sig;
	packets_stop = 1;
	capture_break(packets_live);
}

static void packets_usage(FILE *f)
{
	fputs("usage: sleuth packets [OPTIONS] (CAPTURE | -r CAPTURE | -i IFACE)\n"
	      "  -r FILE        read a pcap/pcapng capture (also .gz)\n"
	      "  -i IFACE       capture live from an interface (libpcap)\n"
	      "  -f BPF         capture filter in tcpdump syntax (also applied to files)\n"
	      "  -Y FILTER      display filter in Wireshark syntax (e.g. 'tcp.port == 80 && ip.addr == 10.0.0.0/8')\n"
	      "  -c N           stop after N packets\n"
	      "  -T text|fields output format (default text)\n"
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
	while ((c = getopt(argc, argv, "r:i:f:c:T:e:E:t:VnN:qhY:")) != -1) {
		switch (c) {
		case 'r': o->file = optarg; break;
		case 'i': o->iface = optarg; break;
		case 'f': o->bpf = optarg; break;
		case 'Y': o->dfilter = optarg; break;
		case 'c': o->count = strtoull(optarg, NULL, 10); break;
		case 'T':
			if (!strcmp(optarg, "fields"))
				o->mode = OUT_FIELDS;
			else if (!strcmp(optarg, "text"))
				o->mode = OUT_TEXT;
			else {
				fprintf(stderr, "sleuth: -T %s: supported formats are text and fields\n", optarg);
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
	const struct frame *f = r->pkt.fr;
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
	col_protocol(&r->pkt, &r->fp, &r->proto);
	col_info(&r->pkt, &r->fp, &r->info);
	c->col_protocol = obuf_cstr(&r->proto);
	c->col_info = obuf_cstr(&r->info);
	return 0;
}

static void packets_text_line(struct packets_run *r)
{
	struct obuf *o = &r->out;
	size_t s = o->len;
	obuf_u64(o, r->pkt.fr->num);
	obuf_pad_from(o, s, 5, 1);
	obuf_putc(o, ' ');
	s = o->len;
	packets_time(r, o);
	obuf_pad_from(o, s, 10, 1);
	obuf_putc(o, ' ');
	s = o->len;
	col_source(&r->pkt, &r->o->co, o);
	obuf_pad_from(o, s, 12, 1);
	obuf_puts(o, " \xe2\x86\x92 ");
	s = o->len;
	col_destination(&r->pkt, &r->o->co, o);
	obuf_pad_from(o, s, 12, 0);
	obuf_putc(o, ' ');
	col_protocol(&r->pkt, &r->fp, o);
	obuf_putc(o, ' ');
	obuf_u64(o, r->pkt.fr->len);
	obuf_putc(o, ' ');
	col_info(&r->pkt, &r->fp, o);
	obuf_putc(o, '\n');
}

#define FIELD_MAX_OCC 8

static void packets_field_value(struct packets_run *r, const struct fval *v)
{
	struct obuf *o = &r->out;
	if (v->type == FT_PORTS && r->o->occurrence != 'a')
		obuf_u64(o, r->o->occurrence == 'l' ? v->u2 : v->u);
	else if (v->type == FT_STRING)
		obuf_puts(o, v->s ? v->s : "");
	else
		field_format(v, o);
}

/* One field: its first, last or every occurrence (joined by the aggregator), as -E occurrence= says. */
static void packets_field(struct packets_run *r, struct fctx *fc, const struct field_def *fd)
{
	struct obuf *o = &r->out;
	struct fval v[FIELD_MAX_OCC];
	int nocc = 0;
	int max = fd->multi && r->o->occurrence != 'f' ? FIELD_MAX_OCC : 1;
	for (; nocc < max; nocc++) {
		memset(&v[nocc], 0, sizeof v[nocc]);
		v[nocc].type = fd->type;
		v[nocc].width = fd->width;
		if (!fd->get(fc, &v[nocc], nocc))
			break;
	}
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

static int packets_open(struct packets_opts *o, struct capture **cap)
{
	struct errbuf e;
	int rc = o->iface ? capture_open_live(cap, o->iface, 0, &e) : capture_open_file(cap, o->file, &e);
	if (rc < 0) {
		if (e.has_offset)
			log_error("%s: offset %llu: %s", o->file ? o->file : o->iface, (unsigned long long)e.offset, e.msg);
		else
			log_error("%s: %s", o->file ? o->file : o->iface, e.msg);
		return rc == ERR_USAGE ? EXIT_USAGE : EXIT_BADINPUT;
	}
	if (o->bpf && capture_set_bpf(*cap, o->bpf, &e) < 0) {
		log_error("%s", e.msg);
		capture_close(*cap);
		return EXIT_USAGE;
	}
	return EXIT_OK;
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
	struct capture *cap;
	int status = packets_open(&opts, &cap);
	if (status != EXIT_OK) {
		dfilter_free(df);
		return status;
	}
	struct flow_config fc;
	flow_config_default(&fc);
	struct flow_table *ft;
	struct errbuf e;
	if (flow_table_new(&ft, &fc, &e) < 0) {
		log_error("%s", e.msg);
		capture_close(cap);
		return EXIT_BADINPUT;
	}
	struct ipfrag_config ic;
	ipfrag_config_default(&ic);
	struct ipfrag_table *frag;
	if (ipfrag_table_new(&frag, &ic, &e) < 0) {
		log_error("%s", e.msg);
		flow_table_free(ft);
		capture_close(cap);
		return EXIT_BADINPUT;
	}
	struct packets_run *r = calloc(1, sizeof *r);
	if (!r) {
		log_error("out of memory");
		return EXIT_BADINPUT;
	}
	r->o = &opts;
	obuf_init(&r->out);
	obuf_init(&r->proto);
	obuf_init(&r->info);
	if (opts.iface) {
		packets_live = cap;
		signal(SIGINT, packets_on_signal);
		signal(SIGTERM, packets_on_signal);
	}
	packets_header(r);
	struct frame f;
	int rc = 0;
	uint64_t n = 0;
	while (!packets_stop && (rc = capture_next(cap, &f, &e)) == 1) {
		decode_frame(&f, &r->pkt);
		ipfrag_packet(frag, &r->pkt); /* the frame completing a datagram shows its upper layers */
		flow_table_packet(ft, &r->pkt, &r->fp);
		int64_t ns = frame_ns(&f);
		if (!r->have_first) {
			r->first_ns = r->prev_ns = ns;
			r->have_first = 1;
		}
		if (df) { /* the flow table and TCP analysis above saw the packet; only the output is filtered */
			struct fctx dctx = { .p = &r->pkt, .fp = &r->fp, .first_ns = r->first_ns, .prev_ns = r->prev_ns,
					     .render_cols = packets_render_cols, .render_arg = r };
			if (!dfilter_match(df, &dctx)) {
				r->prev_ns = ns;
				if (opts.count && ++n >= opts.count) /* -c counts packets read, as tshark */
					break;
				continue;
			}
		}
		if (!opts.quiet) {
			if (opts.mode == OUT_FIELDS) {
				struct fctx fctx = { .p = &r->pkt, .fp = &r->fp, .first_ns = r->first_ns, .prev_ns = r->prev_ns,
						     .render_cols = packets_render_cols, .render_arg = r };
				packets_fields_line(r, &fctx);
			} else {
				if (!opts.verbose) /* -V prints the tree alone, as tshark -V */
					packets_text_line(r);
				else
					tree_print(&r->pkt, &r->fp, &opts.co, r->first_ns, r->prev_ns, &r->out);
			}
			if (r->out.len > (1u << 16) || opts.iface) {
				if (obuf_flush(&r->out, stdout) < 0)
					break;
				if (opts.iface)
					fflush(stdout);
			}
		}
		r->prev_ns = ns;
		if (opts.count && ++n >= opts.count)
			break;
	}
	obuf_flush(&r->out, stdout);
	fflush(stdout);
	if (rc < 0) {
		if (e.has_offset)
			log_error("%s: offset %llu: %s", capture_path(cap), (unsigned long long)e.offset, e.msg);
		else
			log_error("%s: %s", capture_path(cap), e.msg);
		status = EXIT_BADINPUT;
	}
	obuf_free(&r->out);
	obuf_free(&r->proto);
	obuf_free(&r->info);
	free(r);
	flow_table_free(ft);
	ipfrag_table_free(frag);
	capture_close(cap);
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
