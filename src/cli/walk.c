/* walk.c: one pass over a capture file through the standard pipeline, shared by the statistics commands. */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cli/cli.h"
#include "cli/walk.h"
#include "flow/ipfrag.h"

static void walk_log_err(const char *path, const struct errbuf *e)
{
	if (e->has_offset)
		log_error("%s: offset %llu: %s", path, (unsigned long long)e->offset, e->msg);
	else
		log_error("%s: %s", path, e->msg);
}

int walk_file(const char *path, walk_fn fn, walk_end_fn on_end, void *arg)
{
	struct errbuf e;
	struct capture *cap;
	int rc = capture_open_file(&cap, path, &e);
	if (rc < 0) {
		walk_log_err(path, &e);
		return rc == ERR_USAGE ? EXIT_USAGE : EXIT_BADINPUT;
	}
	struct flow_config fc;
	flow_config_default(&fc);
	struct flow_table *ft;
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
	struct pkt *p = calloc(1, sizeof *p);
	struct flow_pkt *fp = calloc(1, sizeof *fp);
	if (!p || !fp) {
		log_error("out of memory");
		free(p);
		free(fp);
		ipfrag_table_free(frag);
		flow_table_free(ft);
		capture_close(cap);
		return EXIT_BADINPUT;
	}
	int status = EXIT_OK, have_first = 0;
	int64_t first_ns = 0;
	struct frame f;
	while ((rc = capture_next(cap, &f, &e)) == 1) {
		decode_frame(&f, p);
		ipfrag_packet(frag, p); /* the frame completing a datagram shows its upper layers */
		flow_table_packet(ft, p, fp);
		int64_t ns = frame_ns(&f);
		if (!have_first) {
			first_ns = ns;
			have_first = 1;
		}
		struct walk_pkt w = { .p = p, .fp = fp, .rel_ns = ns - first_ns, .first_ns = first_ns };
		if (fn(arg, &w))
			break;
	}
	if (rc < 0) {
		walk_log_err(capture_path(cap), &e);
		status = EXIT_BADINPUT;
	}
	if (on_end)
		on_end(arg, cap);
	free(p);
	free(fp);
	ipfrag_table_free(frag);
	flow_table_free(ft);
	capture_close(cap);
	return status;
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
