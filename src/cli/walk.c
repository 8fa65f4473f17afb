/* walk.c: one pass over a capture file through the standard pipeline, shared by the statistics commands. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cli/cli.h"
#include "cli/walk.h"
#include "filter/dfilter.h"
#include "flow/ipfrag.h"
#include "report/columns.h"
#include "report/protocols.h"

void walk_log_err(const char *path, const struct errbuf *e)
{
	if (e->has_offset)
		log_error("%s: offset %llu: %s", path, (unsigned long long)e->offset, e->msg);
	else
		log_error("%s: %s", path, e->msg);
}

/* Holes given up because sleuth's own memory caps left no room (not because the capture lacks
 * the bytes): the records may miss data the capture has, so the user is told. */
void walk_report_reasm(const struct flow_stats *stp, const char *name)
{
	struct flow_stats st = *stp;
	if (st.reasm.gaps_cap)
		log_warn("%s: TCP reassembly gave up %llu holes at its memory caps (%llu bytes held at most); "
			 "records after them may be incomplete",
			 name, (unsigned long long)st.reasm.gaps_cap, (unsigned long long)st.reasm.peak_bytes);
}

static volatile sig_atomic_t walk_stop;
static struct dfilter *walk_df;       /* -Y of the next walk (cli-wide: one command per process) */
static struct obuf walk_proto, walk_info, walk_chain;
static struct capture *walk_live;

static void walk_on_signal(int sig)
{
	(void)sig;
	walk_stop = 1;
	capture_break(walk_live);
}

static int walk_open(const struct walk_src *src, struct capture **cap)
{
	struct errbuf e;
	const char *name = src->file ? src->file : src->iface;
	int rc = src->iface    ? capture_open_live(cap, src->iface, 0, &e)
		 : src->reopen ? capture_open_again(cap, src->reopen, &e)
			       : capture_open_file(cap, src->file, &e);
	if (rc < 0) {
		walk_log_err(name, &e);
		return rc == ERR_USAGE ? EXIT_USAGE : EXIT_BADINPUT;
	}
	if (src->bpf && capture_set_bpf(*cap, src->bpf, &e) < 0) {
		log_error("%s", e.msg);
		capture_close(*cap);
		return EXIT_USAGE;
	}
	if (src->iface) {
		walk_live = *cap;
		walk_stop = 0;
		signal(SIGINT, walk_on_signal);
		signal(SIGTERM, walk_on_signal);
	}
	return EXIT_OK;
}

int walk_set_display_filter(const char *text)
{
	struct errbuf de;
	uint32_t dlen;
	dfilter_free(walk_df);
	walk_df = NULL;
	if (dfilter_compile(&walk_df, text, &de, &dlen) < 0) {
		walk_filter_error(text, &de, dlen);
		return EXIT_USAGE;
	}
	return 0;
}

void walk_filter_error(const char *text, const struct errbuf *e, uint32_t len)
{
	struct obuf eo;
	obuf_init(&eo);
	obuf_puts(&eo, "sleuth: ");
	dfilter_format_error(text, e, len, &eo);
	obuf_flush(&eo, stderr);
	obuf_free(&eo);
}

static int walk_render_cols(struct fctx *c)
{
	const struct walk_pkt *wc = c->render_arg;
	obuf_reset(&walk_proto);
	obuf_reset(&walk_info);
	col_protocol(wc->p, wc->fp, &walk_proto);
	col_info(wc->p, wc->fp, &walk_info);
	c->col_protocol = obuf_cstr(&walk_proto);
	c->col_info = obuf_cstr(&walk_info);
	obuf_reset(&walk_chain);
	pkt_protocols(wc->p, wc->fp, &walk_chain);
	c->protocols = obuf_cstr(&walk_chain);
	return 0;
}

void walk_fctx(const struct walk_pkt *w, struct fctx *c)
{
	*c = (struct fctx){ .p = w->p, .fp = w->fp, .first_ns = w->first_ns, .prev_ns = w->prev_ns,
			    .render_cols = walk_render_cols, .render_arg = (void *)w };
}

static int walk_matches(const struct walk_pkt *w)
{
	if (!walk_df)
		return 1;
	struct fctx c;
	walk_fctx(w, &c);
	return dfilter_match(walk_df, &c);
}

int walk_run(const struct walk_src *src, walk_fn fn, walk_end_fn on_end, void *arg)
{
	struct capture *cap;
	int sharded = src->nshards > 1; /* one of several threads: no shared state touched, nothing logged */
	int status = walk_open(src, &cap);
	if (status != EXIT_OK) {
		if (!sharded) {
			dfilter_free(walk_df);
			walk_df = NULL;
		}
		return status;
	}
	struct errbuf e;
	struct flow_config fc;
	flow_config_default(&fc);
	fc.decode_as = src->decode_as;
	fc.ndecode_as = src->ndecode_as;
	fc.no_dissect = src->no_dissect;
	fc.reasm = src->reasm;
	fc.app_tree = src->app_tree;
	if (src->caps.dir)
		fc.reasm_dir_cap = src->caps.dir;
	if (src->caps.all)
		fc.reasm_cap = src->caps.all;
	fc.shard = src->shard;
	fc.nshards = src->nshards;
	struct flow_table *ft = NULL;
	struct ipfrag_config ic;
	ipfrag_config_default(&ic);
	struct ipfrag_table *frag = NULL;
	struct pkt *p = calloc(1, sizeof *p);
	struct flow_pkt *fp = calloc(1, sizeof *fp);
	if (flow_table_new(&ft, &fc, &e) < 0 || ipfrag_table_new(&frag, &ic, &e) < 0 || !p || !fp) {
		log_error("cannot set up the flow tables: out of memory");
		status = EXIT_BADINPUT;
		goto out;
	}
	if (src->rec || src->obj)
		flow_table_set_records(ft, src->rec, src->obj, src->rec_arg);
	if (src->stream)
		flow_table_set_stream_hook(ft, src->stream);
	if (src->table)
		*src->table = ft;
	int have_first = 0, rc = 0;
	int64_t first_ns = 0, prev_ns = 0;
	struct frame f;
	while (!walk_stop && (rc = capture_next(cap, &f, &e)) == 1) {
		if (sharded) { /* another shard's TCP frame: its time is all this one needs */
			int s = flow_shard_frame(&f, src->nshards);
			if (s >= 0 && s != src->shard) {
				flow_table_tick(ft, &f);
				struct walk_pkt skip = { .frame = f.num };
				if (fn(arg, &skip))
					break;
				continue;
			}
		}
		decode_frame(&f, p);
		ipfrag_packet(frag, p); /* the frame completing a datagram shows its upper layers */
		flow_table_packet(ft, p, fp);
		int64_t ns = frame_ns(&f);
		if (!have_first) {
			first_ns = prev_ns = ns;
			have_first = 1;
		}
		struct walk_pkt w = { .p = p, .fp = fp, .frame = f.num, .rel_ns = ns - first_ns, .first_ns = first_ns, .prev_ns = prev_ns };
		prev_ns = ns;
		if ((sharded || walk_matches(&w)) && fn(arg, &w))
			break;
	}
	if (src->rec || src->obj)
		flow_table_finish(ft);
	struct flow_stats st;
	flow_table_stats(ft, &st);
	if (src->result) {
		src->result->stats = st;
		src->result->read_rc = rc < 0 ? rc : 0;
		src->result->read_err = e;
	} else {
		walk_report_reasm(&st, src->file ? src->file : src->iface);
	}
	if (on_end) /* what could be read is written out before the error is reported */
		on_end(arg, cap);
	if (rc < 0) {
		if (!src->result)
			walk_log_err(capture_path(cap), &e);
		status = EXIT_BADINPUT;
	}
out:
	if (src->iface) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		walk_live = NULL;
	}
	if (!sharded) {
		dfilter_free(walk_df);
		walk_df = NULL;
		obuf_free(&walk_proto);
		obuf_free(&walk_info);
		obuf_free(&walk_chain);
	}
	free(p);
	free(fp);
	if (frag)
		ipfrag_table_free(frag);
	flow_table_free(ft);
	capture_close(cap);
	return status;
}

/* "64M" -> 67108864; -1 when not a size from 1 byte to 1 TiB. */
static int64_t walk_parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || *s == '-')
		return -1;
	unsigned shift = 0;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift)
		end++;
	if (*end || v == 0 || v > (1ull << 40) >> shift)
		return -1;
	return (int64_t)(v << shift);
}

int walk_parse_reasm_cap(int argc, char **argv, int *i, struct walk_reasm_caps *c)
{
	int dir = !strcmp(argv[*i], "--reasm-dir-cap");
	if (!dir && strcmp(argv[*i], "--reasm-cap"))
		return 0;
	int64_t v = *i + 1 < argc ? walk_parse_size(argv[*i + 1]) : -1;
	if (v < 0 || (dir && v > UINT32_MAX)) {
		log_error("%s takes a size in bytes (a K, M or G suffix allowed; at most %s)", argv[*i],
			  dir ? "4G" : "1T");
		return -1;
	}
	if (dir)
		c->dir = (uint32_t)v;
	else
		c->all = (uint64_t)v;
	*i += 1;
	return 1;
}

int walk_add_decode_as(const char *arg, struct proto_decode_as *da, uint8_t *n)
{
	struct errbuf e;
	if (*n >= PROTO_DECODE_AS_MAX) {
		log_error("at most %d -d options", PROTO_DECODE_AS_MAX);
		return -1;
	}
	if (proto_decode_as_parse(arg, &da[*n], &e) < 0) {
		log_error("%s", e.msg);
		return -1;
	}
	(*n)++;
	return 0;
}

int walk_file(const char *path, walk_fn fn, walk_end_fn on_end, void *arg)
{
	struct walk_src src = { .file = path, .iface = NULL, .bpf = NULL };
	return walk_run(&src, fn, on_end, arg);
}

int walk_parse_stream_filter(const char *s, int *is_udp, int64_t *stream)
{
	while (*s == ' ')
		s++;
	if (!strncmp(s, "tcp.stream", 10))
		*is_udp = 0;
	else if (!strncmp(s, "udp.stream", 10))
		*is_udp = 1;
	else
		return -1;
	s += 10;
	while (*s == ' ')
		s++;
	if (!strncmp(s, "eq", 2) || !strncmp(s, "==", 2))
		s += 2;
	else
		return -1;
	while (*s == ' ')
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	while (*end == ' ')
		end++;
	if (*end || v > (1ull << 62))
		return -1;
	*stream = (int64_t)v;
	return 0;
}
