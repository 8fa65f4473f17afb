/* conv.c: `sleuth conv` (tshark's -z conv,TYPE table) and `sleuth hosts` (endpoints with names and vendors). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cli/cli.h"
#include "cli/walk.h"
#include "report/conv.h"

#define CONV_DEFAULT_CAP (1u << 20)

struct conv_run {
	enum conv_kind kind;
	enum conv_sort sort;
	struct conv_table *t;
	struct obuf out;
};

static void conv_usage(FILE *f)
{
	fputs("usage: sleuth conv [eth|ip|ipv6|tcp|udp] [--sort bytes|frames|start|duration] [--max-conv N] CAPTURE\n"
	      "  the conversation table of tshark -z conv,TYPE (default tcp); rows by total frames unless --sort\n"
	      "  --max-conv N   keep at most N conversations (default 1048576); frames of others are counted and reported\n"
	      "  -Y FILTER      count only packets that match a display filter\n",
	      f);
}

static void hosts_usage(FILE *f)
{
	fputs("usage: sleuth hosts [--sort bytes|frames|start|duration] [--max-hosts N] [-Y FILTER] CAPTURE\n"
	      "  endpoints (IP addresses; MAC addresses of frames without IP) with packets and bytes sent and\n"
	      "  received, the names learned for each address with their source, and the MAC vendor\n",
	      f);
}

static int conv_parse_sort(const char *s, enum conv_sort *out)
{
	if (!strcmp(s, "bytes")) *out = CONV_SORT_BYTES;
	else if (!strcmp(s, "frames")) *out = CONV_SORT_FRAMES;
	else if (!strcmp(s, "start")) *out = CONV_SORT_START;
	else if (!strcmp(s, "duration")) *out = CONV_SORT_DURATION;
	else {
		fprintf(stderr, "sleuth: --sort %s: use bytes, frames, start or duration\n", s);
		return -1;
	}
	return 0;
}

static int conv_on_pkt(void *arg, const struct walk_pkt *w)
{
	struct conv_run *r = arg;
	const struct pkt *p = w->p;
	uint32_t len = p->fr->len;
	const struct pkt_ip *ip = pkt_ip_last(p);
	switch (r->kind) {
	case CONV_ETH:
		if ((p->layers & PL_ETH) && p->eth.src && p->eth.dst)
			conv_table_add(r->t, p->eth.src, p->eth.dst, 6, 0, 0, -1, len, w->rel_ns);
		break;
	case CONV_IP4:
	case CONV_IP6:
		for (int i = 0; i < p->nip; i++) {
			const struct pkt_ip *x = &p->ip[i];
			if (x->ver == (r->kind == CONV_IP4 ? 4 : 6))
				conv_table_add(r->t, x->src, x->dst, x->alen, 0, 0, -1, len, w->rel_ns);
		}
		break;
	case CONV_TCP:
		/* tshark taps a TCP header only once it is whole */
		if ((p->layers & PL_TCP) && ip && w->fp->tcp_stream >= 0 &&
		    !(p->problem != PP_NONE && p->problem_layer == __builtin_ctz(PL_TCP)))
			conv_table_add(r->t, ip->src, ip->dst, ip->alen, p->tcp.sport, p->tcp.dport, w->fp->tcp_stream, len,
				       w->rel_ns);
		break;
	case CONV_UDP:
		if (p->layers & PL_UDP) {
			/* the IP layer carrying the UDP header: the outer one of a VXLAN/Geneve tunnel */
			const struct pkt_ip *u = NULL;
			for (int i = p->nip - 1; i >= 0 && !u; i--)
				if (p->ip[i].l4 == 17 && !p->ip[i].is_frag)
					u = &p->ip[i];
			if (!u && ip && ip->l4 == 17)
				u = ip;
			if (!u || (p->problem == PP_TRUNC && p->problem_layer == __builtin_ctz(PL_UDP)))
				break;
			/* a tunnel's inner TCP takes the flow table's stream: key the outer datagram by its tuple */
			int64_t id = u == ip ? w->fp->udp_stream : -1;
			conv_table_add(r->t, u->src, u->dst, u->alen, p->udp.sport, p->udp.dport, id, len, w->rel_ns);
		}
		break;
	case CONV_HOST:
		if (p->nip) {
			const struct pkt_ip *x = &p->ip[0];
			conv_table_add_host(r->t, x->src, x->alen, 1, len, w->rel_ns);
			if (memcmp(x->src, x->dst, x->alen))
				conv_table_add_host(r->t, x->dst, x->alen, 0, len, w->rel_ns);
		} else if ((p->layers & PL_ETH) && p->eth.src && p->eth.dst) {
			conv_table_add_host(r->t, p->eth.src, 6, 1, len, w->rel_ns);
			if (memcmp(p->eth.src, p->eth.dst, 6))
				conv_table_add_host(r->t, p->eth.dst, 6, 0, len, w->rel_ns);
		}
		break;
	}
	return 0;
}

/* Renders the endpoints while the capture is open: its NRB names live until it closes. */
static void hosts_on_end(void *arg, const struct capture *cap)
{
	struct conv_run *r = arg;
	const struct capture_name *cn = NULL;
	size_t ncn = capture_names(cap, &cn);
	struct conv_name *names = ncn ? calloc(ncn, sizeof *names) : NULL;
	size_t nn = 0;
	for (size_t i = 0; names && i < ncn; i++) {
		names[nn].alen = cn[i].family == 6 ? 16 : 4;
		names[nn].addr = cn[i].addr;
		names[nn].name = cn[i].name;
		names[nn].source = "pcapng NRB";
		nn++;
	}
	if (ncn && !names)
		log_warn("out of memory: names not shown");
	conv_render_hosts(r->t, r->sort, names, nn, &r->out);
	free(names);
}

/* Shared option parsing of conv and hosts: returns the capture path or NULL on a usage error. */
static const char *conv_parse(int argc, char **argv, int hosts, enum conv_kind *kind, enum conv_sort *sort,
			      uint32_t *cap)
{
	static const struct option lo[] = {
		{ "sort", required_argument, NULL, 's' },
		{ "max-conv", required_argument, NULL, 'm' },
		{ "max-hosts", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:nqhY:", lo, NULL)) != -1) {
		switch (c) {
		case 'r': file = optarg; break;
		case 'Y':
			if (walk_set_display_filter(optarg) != 0)
				return NULL;
			break;
		case 'n': case 'q': break;
		case 's':
			if (conv_parse_sort(optarg, sort) < 0)
				return NULL;
			break;
		case 'm': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || !v || v > (1ul << 30)) {
				fprintf(stderr, "sleuth: bad limit \"%s\"\n", optarg);
				return NULL;
			}
			*cap = (uint32_t)v;
			break;
		}
		case 'h':
			if (hosts)
				hosts_usage(stdout);
			else
				conv_usage(stdout);
			exit(EXIT_OK);
		default: return NULL;
		}
	}
	for (; optind < argc; optind++) {
		const char *a = argv[optind];
		if (!hosts && !file && optind + 1 < argc) {
			if (!strcmp(a, "eth")) { *kind = CONV_ETH; continue; }
			if (!strcmp(a, "ip") || !strcmp(a, "ipv4")) { *kind = CONV_IP4; continue; }
			if (!strcmp(a, "ipv6")) { *kind = CONV_IP6; continue; }
			if (!strcmp(a, "tcp")) { *kind = CONV_TCP; continue; }
			if (!strcmp(a, "udp")) { *kind = CONV_UDP; continue; }
		}
		if (file) {
			fprintf(stderr, "sleuth: one capture at a time\n");
			return NULL;
		}
		file = a;
	}
	if (!file)
		fprintf(stderr, "sleuth: give a capture file\n");
	return file;
}

static int conv_run_file(const char *file, struct conv_run *r, uint32_t cap)
{
	struct errbuf e;
	if (conv_table_new(&r->t, r->kind, cap, &e) < 0) {
		log_error("%s", e.msg);
		return EXIT_BADINPUT;
	}
	return walk_file(file, conv_on_pkt, NULL, r);
}

static void conv_note_dropped(const struct conv_table *t, uint32_t cap, const char *what, const char *opt)
{
	if (conv_table_dropped_frames(t))
		log_warn("%s cap of %u reached: %llu frames of further %s not counted (raise it with %s)", what, cap,
			 (unsigned long long)conv_table_dropped_frames(t), what, opt);
}

int cli_conv(int argc, char **argv)
{
	enum conv_kind kind = CONV_TCP;
	enum conv_sort sort = CONV_SORT_TSHARK;
	uint32_t cap = CONV_DEFAULT_CAP;
	const char *file = conv_parse(argc, argv, 0, &kind, &sort, &cap);
	if (!file) {
		conv_usage(stderr);
		return EXIT_USAGE;
	}
	struct conv_run r = { .kind = kind };
	int status = conv_run_file(file, &r, cap);
	if (r.t) {
		struct obuf o;
		obuf_init(&o);
		conv_render_tshark(r.t, sort, &o);
		obuf_flush(&o, stdout);
		obuf_free(&o);
		fflush(stdout);
		conv_note_dropped(r.t, cap, "conversations", "--max-conv");
		conv_table_free(r.t);
	}
	return status;
}

int cli_hosts(int argc, char **argv)
{
	enum conv_kind kind = CONV_HOST;
	enum conv_sort sort = CONV_SORT_TSHARK;
	uint32_t cap = CONV_DEFAULT_CAP;
	const char *file = conv_parse(argc, argv, 1, &kind, &sort, &cap);
	if (!file) {
		hosts_usage(stderr);
		return EXIT_USAGE;
	}
	struct conv_run r = { .kind = CONV_HOST, .sort = sort };
	struct errbuf e;
	if (conv_table_new(&r.t, r.kind, cap, &e) < 0) {
		log_error("%s", e.msg);
		return EXIT_BADINPUT;
	}
	obuf_init(&r.out);
	int status = walk_file(file, conv_on_pkt, hosts_on_end, &r);
	obuf_flush(&r.out, stdout);
	obuf_free(&r.out);
	fflush(stdout);
	conv_note_dropped(r.t, cap, "hosts", "--max-hosts");
	conv_table_free(r.t);
	return status;
}
