/* stats.c: `sleuth stats io|expert`: frames and bytes per interval (tshark -z io,stat) and expert-info counts. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cli/cli.h"
#include "cli/walk.h"
#include "report/protocols.h"
#include "report/stats.h"

#define STATS_MAX_BUCKETS (1u << 22)

enum stats_mode { STATS_IO, STATS_EXPERT, STATS_PHS, STATS_HTTP };

#define STATS_HTTP_KEYS 256

/* Counts of one HTTP attribute (method, status code, host): a bounded table, others summed. */
struct stats_count {
	char key[STATS_HTTP_KEYS][64];
	uint64_t n[STATS_HTTP_KEYS];
	uint32_t used;
	uint64_t other;
};

struct stats_run {
	enum stats_mode mode;
	const char *filter;
	struct stats_io io;
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
	fputs("usage: sleuth stats io [--interval DURATION] CAPTURE   frames and bytes per interval (tshark -z io,stat)\n"
	      "       sleuth stats phs CAPTURE                       protocol hierarchy (tshark -z io,phs)\n"
	      "       sleuth stats http CAPTURE                      HTTP requests by method and host, responses by code\n"
	      "       sleuth stats expert CAPTURE                    counts of tcp.analysis conditions and of\n"
	      "                                                      malformed and truncated packets\n"
	      "  DURATION: seconds (1, 0.5) or with a unit: 100ms, 10s, 5m, 1h (default 1s)\n"
	      "  -Y FILTER: count only packets that match a display filter\n",
	      f);
}

/* "1", "0.5", "100ms", "10s", "5m", "1h" -> nanoseconds; -1 when not a positive duration. */
static int64_t stats_parse_duration(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	double mul = 1e9;
	if (!strcmp(end, "ms")) mul = 1e6;
	else if (!strcmp(end, "us")) mul = 1e3;
	else if (!strcmp(end, "m")) mul = 60e9;
	else if (!strcmp(end, "h")) mul = 3600e9;
	else if (*end && strcmp(end, "s")) return -1;
	if (end == s || !(v > 0) || v * mul > 9e18 || v * mul < 1)
		return -1;
	return (int64_t)(v * mul + 0.5);
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
		stats_io_add(&r->io, w->rel_ns, w->p->fr->len);
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

int cli_stats(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "interval", required_argument, NULL, 'i' },
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
	int64_t interval = 1000000000;
	const char *file = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "r:nqhY:", lo, NULL)) != -1) {
		switch (c) {
		case 'r': file = optarg; break;
		case 'Y':
			r->filter = optarg;
			if (walk_set_display_filter(optarg) != 0)
				{ free(r); return EXIT_USAGE; }
			break;
		case 'n': case 'q': break;
		case 'i':
			interval = stats_parse_duration(optarg);
			if (interval < 0 || r->mode != STATS_IO) {
				fprintf(stderr, "sleuth: bad --interval \"%s\"\n", optarg);
				free(r);
				stats_usage(stderr);
				return EXIT_USAGE;
			}
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
	struct errbuf e;
	if (r->mode == STATS_IO && stats_io_init(&r->io, interval, STATS_MAX_BUCKETS, &e) < 0) {
		log_error("%s", e.msg);
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
		stats_io_render(&r->io, &o);
	}
	obuf_free(&r->chain);
	obuf_flush(&o, stdout);
	fflush(stdout);
	obuf_free(&o);
	stats_io_free(&r->io);
	free(r);
	return status;
}
