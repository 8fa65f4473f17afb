/* bpf.c: BPF capture filters through libpcap (pcap_compile on a dead handle per link type,
 * pcap_offline_filter per frame), so files with several link types filter correctly. */
#include "capture/capture_int.h"

#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#define BPF_MAX_LINKTYPES 16

struct bpf_prog_lt {
	int linktype;
	int ok; /* 0: the expression does not compile for this link type: nothing matches */
	struct bpf_program prog;
};

struct bpf_set {
	char *expr; /* owned */
	struct bpf_prog_lt progs[BPF_MAX_LINKTYPES];
	int n;
};

static int bpf_compile(struct bpf_prog_lt *p, const char *expr, int linktype, char *why, size_t whylen)
{
	pcap_t *dead = pcap_open_dead(linktype, 262144);
	if (!dead) {
		snprintf(why, whylen, "cannot open a libpcap handle");
		return -1;
	}
	p->linktype = linktype;
	if (pcap_compile(dead, &p->prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(why, whylen, "%s", pcap_geterr(dead));
		pcap_close(dead);
		p->ok = 0;
		return -1;
	}
	pcap_close(dead);
	p->ok = 1;
	return 0;
}

int bpf_set_new(struct bpf_set **out, const char *expr, int live_linktype, struct errbuf *e)
{
	*out = NULL;
	struct bpf_set *b = calloc(1, sizeof *b);
	if (!b || !(b->expr = strdup(expr))) {
		free(b);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	/* Check the syntax once against Ethernet (or the live link type) so a bad
	 * filter fails before any packet is read. */
	char why[256];
	int lt = live_linktype >= 0 ? live_linktype : LT_ETHERNET;
	if (bpf_compile(&b->progs[0], expr, lt, why, sizeof why) < 0) {
		free(b->expr);
		free(b);
		return err_set(e, ERR_USAGE, "bad capture filter \"%s\": %s", expr, why);
	}
	b->n = 1;
	*out = b;
	return 0;
}

int bpf_set_match(struct bpf_set *b, const struct frame *f)
{
	struct bpf_prog_lt *p = NULL;
	for (int i = 0; i < b->n; i++)
		if (b->progs[i].linktype == f->linktype) {
			p = &b->progs[i];
			break;
		}
	if (!p) {
		if (b->n >= BPF_MAX_LINKTYPES)
			return 0;
		char why[256];
		p = &b->progs[b->n++];
		(void)bpf_compile(p, b->expr, f->linktype, why, sizeof why);
	}
	if (!p->ok)
		return 0;
	struct pcap_pkthdr h;
	memset(&h, 0, sizeof h);
	h.caplen = f->caplen;
	h.len = f->len;
	return pcap_offline_filter(&p->prog, &h, f->data) != 0;
}

void bpf_set_free(struct bpf_set *b)
{
	for (int i = 0; i < b->n; i++)
		if (b->progs[i].ok)
			pcap_freecode(&b->progs[i].prog);
	free(b->expr);
	free(b);
}
