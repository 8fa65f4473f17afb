/* live.c: live capture from an interface through libpcap. */
#include "capture/capture_int.h"

#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

struct live {
	pcap_t *p; /* owned */
};

int capture_open_live(struct capture **out, const char *iface, int snaplen, struct errbuf *e)
{
	*out = NULL;
	char eb[PCAP_ERRBUF_SIZE] = "";
	struct capture *c = calloc(1, sizeof *c);
	struct live *l = calloc(1, sizeof *l);
	if (!c || !l || !(c->path = strdup(iface))) {
		free(c);
		free(l);
		return err_set(e, ERR_NOMEM, "out of memory");
	}
	c->kind = CAPTURE_LIVE;
	c->fd = -1;
	c->live = l;
	l->p = pcap_create(iface, eb);
	if (!l->p) {
		int rc = err_set(e, ERR_IO, "%s", eb);
		capture_close(c);
		return rc;
	}
	pcap_set_snaplen(l->p, snaplen > 0 ? snaplen : 262144);
	pcap_set_promisc(l->p, 1);
	pcap_set_timeout(l->p, 100);
	pcap_set_immediate_mode(l->p, 1);
	if (pcap_set_tstamp_precision(l->p, PCAP_TSTAMP_PRECISION_NANO) != 0)
		(void)pcap_set_tstamp_precision(l->p, PCAP_TSTAMP_PRECISION_MICRO);
	int rc = pcap_activate(l->p);
	if (rc < 0) {
		int r = err_set(e, ERR_IO, "%s", pcap_geterr(l->p));
		capture_close(c);
		return r;
	}
	c->linktype = (uint16_t)pcap_datalink(l->p);
	c->ts_digits = pcap_get_tstamp_precision(l->p) == PCAP_TSTAMP_PRECISION_NANO ? 9 : 6;
	*out = c;
	return 0;
}

int live_next(struct capture *c, struct frame *f, struct errbuf *e)
{
	struct live *l = c->live;
	for (;;) {
		struct pcap_pkthdr *h;
		const u_char *d;
		int rc = pcap_next_ex(l->p, &h, &d);
		if (rc == 0)
			continue; /* timeout */
		if (rc == PCAP_ERROR_BREAK)
			return 0;
		if (rc < 0)
			return err_set(e, ERR_IO, "%s", pcap_geterr(l->p));
		f->data = d;
		f->caplen = h->caplen;
		f->len = h->len;
		f->ts_sec = h->ts.tv_sec;
		f->ts_nsec = (uint32_t)(c->ts_digits == 9 ? h->ts.tv_usec : h->ts.tv_usec * 1000);
		f->ts_digits = c->ts_digits;
		f->linktype = c->linktype;
		f->ifindex = 0;
		f->offset = 0;
		return 1;
	}
}

void live_break(struct capture *c)
{
	if (c->live && c->live->p)
		pcap_breakloop(c->live->p);
}

void live_close(struct capture *c)
{
	if (c->live) {
		if (c->live->p)
			pcap_close(c->live->p);
		free(c->live);
		c->live = NULL;
	}
}
