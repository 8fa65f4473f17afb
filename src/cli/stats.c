/* stats.c: `sleuth stats io|phs|http|expert`: series per interval (tshark -z io,stat), protocol
 * hierarchy, HTTP counts and expert-info counts. */
#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cli/cli.h"
#include "cli/walk.h"
#include "filter/dfilter.h"
#include "report/protocols.h"
#include "report/stats.h"

#define STATS_MAX_CELLS (1u << 22) /* io,stat cells (intervals x series) kept */
#define STATS_IO_MAX_SERIES 64
#define STATS_IO_MAX_OCC 64        /* values of one field taken from one packet */

enum stats_mode { STATS_IO, STATS_EXPERT, STATS_PHS, STATS_HTTP };

#define STATS_HTTP_KEYS 256

/* Counts of one HTTP attribute (method, status code, host): a bounded table, others summed. */
struct stats_count {
	char key[STATS_HTTP_KEYS][64];
	uint64_t n[STATS_HTTP_KEYS];
	uint32_t used;
	uint64_t other;
};

/* One io,stat series: FILTER, or FUNC(FIELD)FILTER. */
struct stats_series {
	char *label;                /* the series without surrounding blanks (owned); NULL when empty */
	enum stats_io_calc calc;
	enum stats_io_vtype vtype;
	const struct field_def *fd; /* the field of a calc, or NULL */
	struct dfilter *df;         /* owned; NULL: every packet */
};

struct stats_run {
	enum stats_mode mode;
	const char *filter;
	struct stats_io io;
	struct dfilter *pre;        /* io: -Y, owned */
	struct stats_series series[STATS_IO_MAX_SERIES];
	size_t nseries;
	struct stats_expert ex;
	struct phs phs;
	struct obuf chain;
	struct stats_count methods, codes, hosts;
	uint64_t requests, responses;
};

/* tcp.analysis flags and the expert condition each one reports. */
static const struct {
	uint32_t flag;
	enum stats_expert_id id;
} stats_tcp_map[] = {
	{ TA_RETRANS, SE_RETRANS }, { TA_FAST_RETRANS, SE_FAST_RETRANS }, { TA_SPURIOUS, SE_SPURIOUS },
	{ TA_OOO, SE_OOO }, { TA_LOST, SE_LOST }, { TA_ACK_LOST, SE_ACK_LOST }, { TA_DUPACK, SE_DUPACK },
	{ TA_ZERO_WIN, SE_ZERO_WIN }, { TA_ZWP, SE_ZWP }, { TA_ZWP_ACK, SE_ZWP_ACK }, { TA_WIN_FULL, SE_WIN_FULL },
	{ TA_WIN_UPDATE, SE_WIN_UPDATE }, { TA_KEEPALIVE, SE_KEEPALIVE }, { TA_KEEPALIVE_ACK, SE_KEEPALIVE_ACK },
	{ TA_REUSED, SE_REUSED },
};

static void stats_usage(FILE *f)
{
	fputs("usage: sleuth stats io [--interval DURATION] [-s SERIES]... CAPTURE\n"
	      "                                  one column per series, one row per interval (tshark -z io,stat)\n"
	      "       sleuth stats phs CAPTURE   protocol hierarchy (tshark -z io,phs)\n"
	      "       sleuth stats http CAPTURE  HTTP requests by method and host, responses by code\n"
	      "       sleuth stats expert CAPTURE\n"
	      "                                  counts of tcp.analysis conditions and of malformed and\n"
	      "                                  truncated packets\n"
	      "  DURATION: seconds (1, 0.5, 2.0) or with a unit: 100ms, 250us, 10s, 5m, 1h (default 1s);\n"
	      "            0: the whole capture as one interval. Decimals written (2.0) are shown.\n"
	      "  -s, --series SERIES (repeatable, in column order; default: frames and bytes of every packet):\n"
	      "      FILTER                frames and bytes of the packets that match a display filter\n"
	      "      FUNC(FIELD)FILTER     FUNC of the FIELD values in the packets that match FILTER\n"
	      "                            (FILTER may be empty): COUNT (occurrences), SUM, MIN, MAX, AVG\n"
	      "                            of a number or relative-time field; LOAD of a relative-time field\n"
	      "      FRAMES, BYTES         one of the two counts, of every packet (FRAMES()FILTER: of some)\n"
	      "      e.g. -s 'ip.src==10.0.0.1' -s tcp -s 'AVG(tcp.analysis.ack_rtt)tcp.analysis.ack_rtt'\n"
	      "  -Y FILTER: count only packets that match a display filter (in every series)\n",
	      f);
}

/* "1", "0.5", "2.0", "100ms", "250us", "10s", "5m", "1h", "0" -> microseconds, and the decimals
 * tshark shows (those the value needs, or as many as written in seconds); -1 when bad. */
static int64_t stats_parse_interval(const char *s, unsigned *prec)
{
	char *end;
	double v = strtod(s, &end);
	double mul = 1e6;
	int secs = 0;
	if (!strcmp(end, "ms")) mul = 1e3;
	else if (!strcmp(end, "us")) mul = 1;
	else if (!strcmp(end, "m")) mul = 60e6;
	else if (!strcmp(end, "h")) mul = 3600e6;
	else if (!*end || !strcmp(end, "s")) secs = 1;
	else return -1;
	if (end == s || !(v >= 0) || v * mul > 1e15 || !isdigit((unsigned char)*s))
		return -1;
	int64_t us = (int64_t)(v * mul + 0.5);
	if (v > 0 && us < 1)
		return -1;
	*prec = 0;
	if (!us)
		return 0;
	*prec = STATS_IO_MAX_PREC;
	for (int64_t i = 10; i <= 1000000 && us % i == 0; i *= 10)
		(*prec)--;
	const char *dot = strchr(s, '.');
	if (!*prec && secs && dot && dot < end && end - dot - 1 > 0)
		*prec = end - dot - 1 > STATS_IO_MAX_PREC ? STATS_IO_MAX_PREC : (unsigned)(end - dot - 1);
	return us;
}

/* Prints a bad series or filter as -Y does: the message, the text, a caret under the spot. */
static void stats_series_error(const char *text, uint64_t offset, uint32_t len, const char *fmt, ...) PRINTF_LIKE(4, 5);
static void stats_series_error(const char *text, uint64_t offset, uint32_t len, const char *fmt, ...)
{
	struct errbuf e = { .has_offset = 1, .offset = offset };
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof e.msg, fmt, ap);
	va_end(ap);
	walk_filter_error(text, &e, len);
}

/* Compiles the display filter at text+off (to its end); on error prints it against the whole text. */
static int stats_compile(const char *text, size_t off, struct dfilter **df)
{
	struct errbuf e;
	uint32_t elen = 0;
	*df = NULL;
	const char *f = text + off;
	while (isspace((unsigned char)*f))
		f++;
	if (!*f)
		return 0;
	if (dfilter_compile(df, text + off, &e, &elen) == 0)
		return 0;
	if (e.has_offset)
		e.offset += off;
	walk_filter_error(text, &e, elen);
	return -1;
}

static const struct {
	const char *name;
	enum stats_io_calc calc;
} stats_io_funcs[] = {
	{ "COUNT", SIO_COUNT }, { "SUM", SIO_SUM }, { "MIN", SIO_MIN }, { "MAX", SIO_MAX }, { "AVG", SIO_AVG },
	{ "LOAD", SIO_LOAD }, { "FRAMES", SIO_FRAMES }, { "BYTES", SIO_BYTES },
};

/* Which values a calc can take from a field of type t (tshark's rules): -1 when it cannot. */
static int stats_io_vtype_of(const struct field_def *fd, enum stats_io_calc calc)
{
	int vt;
	switch (fd->type) {
	case FT_UINT:
	case FT_HEX:
	case FT_PORTS: vt = SIO_UINT; break;
	case FT_INT: vt = SIO_INT; break;
	case FT_REL_TIME: vt = SIO_TIME; break;
	default: vt = -1; break;
	}
	if (calc == SIO_COUNT)
		return vt < 0 ? SIO_UINT : vt;
	if (calc == SIO_LOAD && vt != SIO_TIME)
		return -1;
	return vt;
}

/* FUNC(FIELD)FILTER at label: fills the series; 0, or -1 after printing the error. */
static int stats_series_calc(struct stats_series *se, size_t fn)
{
	const char *t = se->label, *name = stats_io_funcs[fn].name;
	size_t open = strlen(name), close;
	const char *cp = strchr(t + open + 1, ')');
	if (!cp) {
		stats_series_error(t, open, (uint32_t)(strlen(t) - open), "Closing parenthesis missing from calculated expression.");
		return -1;
	}
	close = (size_t)(cp - t);
	size_t flen = close - open - 1;
	se->calc = stats_io_funcs[fn].calc;
	if (se->calc == SIO_FRAMES || se->calc == SIO_BYTES) {
		if (flen) {
			stats_series_error(t, open + 1, (uint32_t)flen, "%s does not require or allow a field name within the parens.", name);
			return -1;
		}
		return stats_compile(t, close + 1, &se->df);
	}
	if (!flen) {
		stats_series_error(t, open, 2, "You didn't specify a field name for %s(*).", name);
		return -1;
	}
	char field[128];
	if (flen >= sizeof field) {
		stats_series_error(t, open + 1, (uint32_t)flen, "There is no field named '%.*s'.", (int)flen, t + open + 1);
		return -1;
	}
	memcpy(field, t + open + 1, flen);
	field[flen] = 0;
	se->fd = field_find(field);
	if (!se->fd) {
		const char *sug[1];
		if (field_suggest(field, sug, 1))
			stats_series_error(t, open + 1, (uint32_t)flen, "There is no field named '%s'. Did you mean %s?", field, sug[0]);
		else
			stats_series_error(t, open + 1, (uint32_t)flen, "There is no field named '%s'.", field);
		return -1;
	}
	int vt = stats_io_vtype_of(se->fd, se->calc);
	if (vt < 0) {
		if (se->calc == SIO_LOAD)
			stats_series_error(t, open + 1, (uint32_t)flen, "LOAD(*) needs a relative-time field, and %s is not one.", field);
		else
			stats_series_error(t, open + 1, (uint32_t)flen,
					   "%s doesn't have integral values, so %s(*) calculations are not supported on it.", field, name);
		return -1;
	}
	se->vtype = (enum stats_io_vtype)vt;
	return stats_compile(t, close + 1, &se->df);
}

/* Parses and compiles one -s argument; 0, or -1 after printing the error. */
static int stats_series_parse(struct stats_series *se, const char *arg)
{
	memset(se, 0, sizeof *se);
	se->calc = SIO_FRAMES_BYTES;
	while (isspace((unsigned char)*arg))
		arg++;
	size_t n = strlen(arg);
	while (n && isspace((unsigned char)arg[n - 1]))
		n--;
	if (!n)
		return 0;
	se->label = strndup(arg, n);
	if (!se->label) {
		log_error("out of memory");
		return -1;
	}
	for (size_t i = 0; i < sizeof stats_io_funcs / sizeof *stats_io_funcs; i++) {
		size_t l = strlen(stats_io_funcs[i].name);
		if (!strncmp(se->label, stats_io_funcs[i].name, l) && se->label[l] == '(')
			return stats_series_calc(se, i);
	}
	if (!strcmp(se->label, "FRAMES") || !strcmp(se->label, "BYTES") || !strcmp(se->label, "FRAMES BYTES")) {
		se->calc = se->label[0] == 'B' ? SIO_BYTES : se->label[6] ? SIO_FRAMES_BYTES : SIO_FRAMES;
		return 0;
	}
	return stats_compile(se->label, 0, &se->df);
}

static void stats_series_free(struct stats_run *r)
{
	for (size_t i = 0; i < r->nseries; i++) {
		free(r->series[i].label);
		dfilter_free(r->series[i].df);
	}
	r->nseries = 0;
	dfilter_free(r->pre);
	r->pre = NULL;
}

/* The values of field fd in the packet, as the column keeps them: at most max. */
static size_t stats_field_values(const struct stats_series *se, struct fctx *c, uint64_t *out, size_t max)
{
	size_t n = 0;
	for (int k = 0; n < max; k++) {
		struct fval v = { 0 };
		if (!field_get(se->fd, c, &v, k))
			break;
		if (se->fd->type == FT_PORTS) {
			out[n++] = v.u;
			if (n < max)
				out[n++] = v.u2;
		} else {
			out[n++] = se->vtype == SIO_UINT && se->fd->type != FT_INT && se->fd->type != FT_REL_TIME
					   ? v.u : (uint64_t)v.i;
		}
		if (!se->fd->multi)
			break;
	}
	return n;
}

static void stats_io_packet(struct stats_run *r, const struct walk_pkt *w)
{
	if (stats_io_frame(&r->io, w->rel_ns) < 0)
		return;
	struct fctx c;
	walk_fctx(w, &c);
	if (r->pre && !dfilter_match(r->pre, &c))
		return;
	uint64_t v[STATS_IO_MAX_OCC];
	for (size_t i = 0; i < r->nseries; i++) {
		const struct stats_series *se = &r->series[i];
		if (se->df && !dfilter_match(se->df, &c))
			continue;
		size_t n = se->fd ? stats_field_values(se, &c, v, STATS_IO_MAX_OCC) : 0;
		stats_io_add(&r->io, i, w->rel_ns, w->p->fr->len, v, n);
	}
}

static void stats_count_add(struct stats_count *c, const uint8_t *k, size_t n)
{
	if (n > 63)
		n = 63;
	for (uint32_t i = 0; i < c->used; i++)
		if (strlen(c->key[i]) == n && !memcmp(c->key[i], k, n)) {
			c->n[i]++;
			return;
		}
	if (c->used == STATS_HTTP_KEYS) {
		c->other++;
		return;
	}
	memcpy(c->key[c->used], k, n);
	c->key[c->used][n] = 0;
	c->n[c->used++] = 1;
}

static void stats_count_render(const struct stats_count *c, const char *title, struct obuf *o)
{
	obuf_printf(o, "%s:\n", title);
	int done[STATS_HTTP_KEYS] = { 0 };
	for (uint32_t k = 0; k < c->used; k++) { /* most frequent first, then first seen */
		uint32_t best = c->used;
		for (uint32_t i = 0; i < c->used; i++)
			if (!done[i] && (best == c->used || c->n[i] > c->n[best]))
				best = i;
		done[best] = 1;
		size_t start = o->len;
		obuf_puts(o, "  ");
		obuf_put_text(o, (const uint8_t *)c->key[best], strlen(c->key[best]));
		obuf_pad_from(o, start, 48, 0);
		obuf_printf(o, " %10llu\n", (unsigned long long)c->n[best]);
	}
	if (c->other)
		obuf_printf(o, "  (others)%39s %10llu\n", "", (unsigned long long)c->other);
}

static void stats_on_rec(void *arg, const struct flow_ident *id, int64_t ts_ns, const struct proto_rec *rec)
{
	struct stats_run *r = arg;
	(void)id;
	(void)ts_ns;
	if (strcmp(rec->kind, "http"))
		return;
	for (uint16_t i = 0; i < rec->n; i++) {
		const struct proto_kv *kv = &rec->kv[i];
		char num[24];
		if (!strcmp(kv->name, "method") && kv->type == PV_STR) {
			r->requests++;
			stats_count_add(&r->methods, kv->v.p, kv->len);
		} else if (!strcmp(kv->name, "host") && kv->type == PV_STR) {
			stats_count_add(&r->hosts, kv->v.p, kv->len);
		} else if (!strcmp(kv->name, "status_code") && kv->type == PV_UINT) {
			r->responses++;
			int n = snprintf(num, sizeof num, "%llu", (unsigned long long)kv->v.u);
			stats_count_add(&r->codes, (const uint8_t *)num, (size_t)n);
		}
	}
}

static int stats_on_pkt(void *arg, const struct walk_pkt *w)
{
	struct stats_run *r = arg;
	if (r->mode == STATS_IO) {
		stats_io_packet(r, w);
		return 0;
	}
	if (r->mode == STATS_PHS) {
		obuf_reset(&r->chain);
		pkt_protocols(w->p, w->fp, &r->chain);
		phs_add(&r->phs, obuf_cstr(&r->chain), w->p->fr->len);
		return 0;
	}
	if (r->mode != STATS_EXPERT)
		return 0;
	if (w->fp->tcp_valid && w->fp->analysis)
		for (size_t i = 0; i < sizeof stats_tcp_map / sizeof *stats_tcp_map; i++)
			if (w->fp->analysis & stats_tcp_map[i].flag)
				stats_expert_add_tcp(&r->ex, stats_tcp_map[i].id);
	if (w->p->problem != PP_NONE)
		stats_expert_add_problem(&r->ex, w->p->problem_layer, w->p->problem == PP_TRUNC);
	return 0;
}

/* Compiles -Y and every series (before any packet is read) and sizes the table. */
static int stats_io_setup(struct stats_run *r, int64_t interval, unsigned prec, const char *const *series, size_t n)
{
	if (r->filter && stats_compile(r->filter, 0, &r->pre) < 0)
		return -1;
	static const char *const all[] = { "" };
	if (!n) {
		series = all;
		n = 1;
	}
	for (size_t i = 0; i < n; i++, r->nseries++)
		if (stats_series_parse(&r->series[i], series[i]) < 0) {
			r->nseries++;
			return -1;
		}
	struct errbuf e;
	if (stats_io_init(&r->io, (uint64_t)interval, prec, r->nseries, STATS_MAX_CELLS, &e) < 0) {
		log_error("%s", e.msg);
		return -1;
	}
	for (size_t i = 0; i < r->nseries; i++)
		stats_io_set_col(&r->io, i, r->series[i].calc, r->series[i].vtype, r->series[i].label);
	return 0;
}

int cli_stats(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "series", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	if (argc < 2 || (strcmp(argv[1], "io") && strcmp(argv[1], "expert") && strcmp(argv[1], "phs") &&
			 strcmp(argv[1], "http"))) {
		if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
			stats_usage(stdout);
			return EXIT_OK;
		}
		fprintf(stderr, "sleuth: stats needs io, phs, http or expert%s%s\n", argc >= 2 ? ", not " : "", argc >= 2 ? argv[1] : "");
		stats_usage(stderr);
		return EXIT_USAGE;
	}
	struct stats_run *r = calloc(1, sizeof *r);
	if (!r) {
		log_error("out of memory");
		return EXIT_BADINPUT;
	}
	r->mode = !strcmp(argv[1], "expert") ? STATS_EXPERT : !strcmp(argv[1], "phs") ? STATS_PHS
		: !strcmp(argv[1], "http") ? STATS_HTTP : STATS_IO;
	int64_t interval = 1000000;
	unsigned prec = 0;
	const char *file = NULL;
	const char *series[STATS_IO_MAX_SERIES];
	size_t nseries = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "r:nqhY:s:", lo, NULL)) != -1) {
		switch (c) {
		case 'r': file = optarg; break;
		case 'Y':
			r->filter = optarg;
			if (r->mode != STATS_IO && walk_set_display_filter(optarg) != 0)
				{ free(r); return EXIT_USAGE; }
			break;
		case 'n': case 'q': break;
		case 'i':
			interval = stats_parse_interval(optarg, &prec);
			if (interval < 0 || r->mode != STATS_IO) {
				fprintf(stderr, "sleuth: bad --interval \"%s\"\n", optarg);
				free(r);
				stats_usage(stderr);
				return EXIT_USAGE;
			}
			break;
		case 's':
			if (r->mode != STATS_IO || nseries == STATS_IO_MAX_SERIES) {
				fprintf(stderr, "sleuth: %s\n", r->mode != STATS_IO ? "--series is for stats io"
					: "at most 64 series");
				free(r);
				return EXIT_USAGE;
			}
			series[nseries++] = optarg;
			break;
		case 'h': stats_usage(stdout); free(r); return EXIT_OK;
		default: stats_usage(stderr); free(r); return EXIT_USAGE;
		}
	}
	if (optind < argc - 1)
		file = file ? NULL : argv[1 + optind++];
	if (!file || optind < argc - 1) {
		fprintf(stderr, "sleuth: give one capture file\n");
		stats_usage(stderr);
		free(r);
		return EXIT_USAGE;
	}
	if (r->mode == STATS_IO && stats_io_setup(r, interval, prec, series, nseries) < 0) {
		stats_series_free(r);
		free(r);
		return EXIT_USAGE;
	}
	phs_init(&r->phs);
	obuf_init(&r->chain);
	struct walk_src src = { .file = file, .rec = r->mode == STATS_HTTP ? stats_on_rec : NULL, .rec_arg = r };
	int status = walk_run(&src, stats_on_pkt, NULL, r);
	struct obuf o;
	obuf_init(&o);
	if (r->mode == STATS_EXPERT) {
		stats_expert_render(&r->ex, &o);
	} else if (r->mode == STATS_PHS) {
		phs_render(&r->phs, r->filter, &o);
	} else if (r->mode == STATS_HTTP) {
		obuf_printf(&o, "HTTP requests: %llu, responses: %llu\n\n", (unsigned long long)r->requests,
			    (unsigned long long)r->responses);
		stats_count_render(&r->methods, "Requests by method", &o);
		stats_count_render(&r->hosts, "Requests by host", &o);
		stats_count_render(&r->codes, "Responses by status code", &o);
	} else {
		stats_io_render(&r->io, &o, stdout);
	}
	obuf_free(&r->chain);
	obuf_flush(&o, stdout);
	fflush(stdout);
	obuf_free(&o);
	stats_io_free(&r->io);
	stats_series_free(r);
	free(r);
	return status;
}
