/* extract.c: `sleuth extract -o DIR CAPTURE` writes every file object the dissectors rebuild
 * (HTTP bodies, FTP transfers, mail attachments) into DIR, and `sleuth creds CAPTURE` lists the
 * credentials that crossed in clear text. Names come from the wire, so a file name is reduced to
 * safe characters, prefixed with its number, and created with openat(O_EXCL|O_NOFOLLOW) in DIR:
 * nothing is written outside it and nothing existing is overwritten. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/obuf.h"
#include "cli/cli.h"
#include "cli/walk.h"

#define EXTRACT_OPEN_MAX 256     /* files open at once (objects in flight) */
#define EXTRACT_NAME_MAX 96

struct extract_slot {
	uint32_t id;               /* 0: free */
	int fd;
	char name[EXTRACT_NAME_MAX + 16];
};

struct extract_run {
	int dirfd;
	uint32_t next_id;
	uint64_t written, skipped, failed;
	struct extract_slot slot[EXTRACT_OPEN_MAX];
	struct obuf out;
	int creds_only;
	uint64_t ncreds;
};

/* The object's name reduced to [A-Za-z0-9._-] (others become '_'), no leading dot, never empty. */
static void extract_safe_name(const char *in, uint32_t id, char *out, size_t n)
{
	const char *base = in;
	for (const char *p = in; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	char clean[EXTRACT_NAME_MAX + 1];
	size_t k = 0;
	for (const char *p = base; *p && k < EXTRACT_NAME_MAX; p++) {
		unsigned char c = (unsigned char)*p;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
			 c == '-' || c == '_';
		clean[k++] = ok ? (char)c : '_';
	}
	clean[k] = 0;
	size_t lead = 0;
	while (clean[lead] == '.')
		lead++;
	snprintf(out, n, "%06u-%s", id, clean[lead] ? clean + lead : "object");
}

static struct extract_slot *extract_slot_of(struct extract_run *x, uint32_t id)
{
	struct extract_slot *s = &x->slot[id % EXTRACT_OPEN_MAX];
	return s->id == id ? s : NULL;
}

static void extract_on_obj(void *arg, const struct flow_ident *fid, struct proto_obj *o, int what,
			   struct slice data)
{
	struct extract_run *x = arg;
	(void)fid;
	if (what == 0) {
		uint32_t id = ++x->next_id;
		struct extract_slot *s = &x->slot[id % EXTRACT_OPEN_MAX];
		if (s->id) { /* too many objects in flight: this one is hashed but not written */
			x->skipped++;
			return;
		}
		extract_safe_name(o->name, id, s->name, sizeof s->name);
		int fd = openat(x->dirfd, s->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0) {
			log_error("extract: cannot create %s: %s", s->name, strerror(errno));
			x->failed++;
			return;
		}
		s->id = id;
		s->fd = fd;
		o->id = id;
		return;
	}
	struct extract_slot *s = o->id ? extract_slot_of(x, o->id) : NULL;
	if (!s)
		return;
	if (what == 1) {
		const uint8_t *p = data.p;
		size_t left = data.len;
		while (left) {
			ssize_t w = write(s->fd, p, left);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				log_error("extract: writing %s: %s", s->name, strerror(errno));
				x->failed++;
				close(s->fd);
				s->id = 0;
				return;
			}
			p += w;
			left -= (size_t)w;
		}
		return;
	}
	close(s->fd);
	s->id = 0;
	x->written++;
}

static const struct proto_kv *rec_get(const struct proto_rec *r, const char *name)
{
	for (uint16_t i = 0; i < r->n; i++)
		if (!strcmp(r->kv[i].name, name))
			return &r->kv[i];
	return NULL;
}

static void put_kv_text(struct obuf *o, const struct proto_rec *r, const char *name, int width)
{
	const struct proto_kv *kv = rec_get(r, name);
	size_t start = o->len;
	if (kv && kv->type == PV_STR && kv->v.p)
		obuf_put_text(o, kv->v.p, kv->len);
	else if (kv && kv->type == PV_UINT)
		obuf_u64(o, kv->v.u);
	else if (kv && kv->type == PV_HEXSTR)
		obuf_hex(o, kv->v.p, kv->len, 0);
	else
		obuf_putc(o, '-');
	if (width)
		obuf_pad_from(o, start, (size_t)width, 0);
}

static void extract_on_rec(void *arg, const struct flow_ident *id, int64_t ts_ns, const struct proto_rec *r)
{
	struct extract_run *x = arg;
	(void)ts_ns;
	struct obuf *o = &x->out;
	if (x->creds_only) {
		if (strcmp(r->kind, "creds"))
			return;
		x->ncreds++;
		put_kv_text(o, r, "frame", 7);
		obuf_putc(o, ' ');
		put_kv_text(o, r, "protocol", 7);
		obuf_putc(o, ' ');
		size_t start = o->len;
		obuf_addr(o, id->orig, id->alen);
		obuf_printf(o, ":%u -> ", id->orig_p);
		obuf_addr(o, id->resp, id->alen);
		obuf_printf(o, ":%u", id->resp_p);
		obuf_pad_from(o, start, 44, 0);
		obuf_puts(o, " user=");
		put_kv_text(o, r, "user", 0);
		obuf_puts(o, " secret=");
		put_kv_text(o, r, "secret", 0);
		obuf_puts(o, " (");
		put_kv_text(o, r, "kind", 0);
		obuf_puts(o, ")\n");
		return;
	}
	if (strcmp(r->kind, "files"))
		return;
	const struct proto_kv *eid = rec_get(r, "extracted_id");
	put_kv_text(o, r, "source", 9);
	obuf_putc(o, ' ');
	put_kv_text(o, r, "seen_bytes", 10);
	obuf_putc(o, ' ');
	put_kv_text(o, r, "sha256", 64);
	obuf_putc(o, ' ');
	put_kv_text(o, r, "mime_type", 24);
	obuf_putc(o, ' ');
	if (eid && eid->type == PV_UINT && extract_slot_of(x, (uint32_t)eid->v.u) == NULL) {
		char name[EXTRACT_NAME_MAX + 16];
		const struct proto_kv *fn = rec_get(r, "filename");
		char raw[256] = "";
		if (fn && fn->type == PV_STR && fn->v.p) {
			size_t n = fn->len < sizeof raw - 1 ? fn->len : sizeof raw - 1;
			memcpy(raw, fn->v.p, n);
			raw[n] = 0;
			for (size_t i = 0; i < n; i++)
				if (!raw[i])
					raw[i] = '_';
		}
		extract_safe_name(raw, (uint32_t)eid->v.u, name, sizeof name);
		obuf_puts(o, name);
	} else {
		obuf_puts(o, "(not written)");
	}
	obuf_puts(o, "  ");
	put_kv_text(o, r, "filename", 0);
	obuf_putc(o, '\n');
}

static int extract_on_pkt(void *arg, const struct walk_pkt *w)
{
	(void)arg;
	(void)w;
	return 0;
}

static void extract_usage(int creds)
{
	fputs(creds ? "usage: sleuth creds [--reasm-dir-cap SIZE] [--reasm-cap SIZE] CAPTURE\n"
		    : "usage: sleuth extract -o DIR [--reasm-dir-cap SIZE] [--reasm-cap SIZE] CAPTURE\n",
	      stderr);
	fputs(WALK_REASM_USAGE, stderr);
}

static int extract_main(int argc, char **argv, int creds)
{
	const char *dir = NULL, *file = NULL;
	struct walk_reasm_caps caps = { 0, 0 };
	for (int i = 1; i < argc; i++) {
		int rc = walk_parse_reasm_cap(argc, argv, &i, &caps);
		if (rc < 0)
			return EXIT_USAGE;
		if (rc)
			continue;
		if (!creds && !strcmp(argv[i], "-o") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "-r") && i + 1 < argc)
			file = argv[++i];
		else if (argv[i][0] != '-' && !file)
			file = argv[i];
		else {
			extract_usage(creds);
			return EXIT_USAGE;
		}
	}
	if (!file || (!creds && !dir)) {
		extract_usage(creds);
		return EXIT_USAGE;
	}
	static struct extract_run x; /* large (slot table); one run per process */
	memset(&x, 0, sizeof x);
	x.dirfd = -1;
	x.creds_only = creds;
	if (!creds) {
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			log_error("extract: cannot create %s: %s", dir, strerror(errno));
			return EXIT_USAGE;
		}
		x.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (x.dirfd < 0) {
			log_error("extract: cannot open %s: %s", dir, strerror(errno));
			return EXIT_USAGE;
		}
	}
	obuf_init(&x.out);
	struct walk_src src = { .file = file, .rec = extract_on_rec, .obj = creds ? NULL : extract_on_obj, .rec_arg = &x,
				.reasm = 1, .caps = caps };
	int status = walk_run(&src, extract_on_pkt, NULL, &x);
	for (uint32_t i = 0; i < EXTRACT_OPEN_MAX; i++)
		if (x.slot[i].id)
			close(x.slot[i].fd);
	obuf_flush(&x.out, stdout);
	obuf_free(&x.out);
	if (!creds) {
		fprintf(stderr, "sleuth: extract: %llu files written to %s", (unsigned long long)x.written, dir);
		if (x.skipped || x.failed)
			fprintf(stderr, " (%llu not written: too many at once, %llu failed)", (unsigned long long)x.skipped,
				(unsigned long long)x.failed);
		fputc('\n', stderr);
		close(x.dirfd);
	}
	fflush(stdout);
	return status;
}

int cli_extract(int argc, char **argv)
{
	return extract_main(argc, argv, 0);
}

int cli_creds(int argc, char **argv)
{
	return extract_main(argc, argv, 1);
}
