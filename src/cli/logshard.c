/* logshard.c: `sleuth log -j N`: N threads read the same capture; each keeps the conversations of
 * its shard (flow_shard: by address pair) and writes their records as JSON into its own chunks,
 * each record tagged with where it stands in the one-thread order (flow_order). The main thread
 * merges the chunks into that order and numbers the TCP and UDP streams as one thread would, so
 * the output is byte for byte what `-j 1` writes. Exceptions, all outside ordinary captures: the
 * flow cap reached (each shard evicts from its own flows); an FTP data connection whose address
 * pair differs from its control connection's (not linked across shards); timestamps that go back
 * by more than a timeout (each shard's sweep stops at its own youngest flow); more than 65536
 * SDP announcements between an announcement and its first use.
 *
 * Threads meet only under `mu`: a worker hands over full chunks with a mark (every frame up to
 * it is done, so it will write nothing that sorts before the next frame), and waits while too
 * much of its output is not merged yet, which bounds memory. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/obuf.h"
#include "cli/cli.h"
#include "cli/logshard.h"
#include "cli/walk.h"
#include "report/eventlog.h"

#define LS_CHUNK (256u << 10)        /* a chunk is handed over at this size ... */
#define LS_HAND_FRAMES 8192u          /* ... or after this many frames */
#define LS_QUEUE_MAX (16u << 20)      /* a worker waits while this much of its output is unmerged */
#define LS_SPARE_MAX 64               /* emptied chunks kept for reuse */
#define LS_OUT_FLUSH (1u << 16)

#define LS_GEN_SLOTS 65536          /* remembered expectation streams (by generation) */

enum ls_kind {
	LS_TEXT,     /* a record's JSON line */
	LS_STREAM,   /* conversation `conv` takes a stream number (no text): new, or expectation `gen`'s */
	LS_CONN,     /* a conn record: its tcp.stream or udp.stream goes in when merged */
};

/* Header of an entry in a chunk; `len` bytes of JSON follow. Read and written with memcpy. */
struct ls_entry {
	uint64_t frame, last;
	uint32_t len, conv, gen;
	uint8_t phase, list, kind, l4;
};

struct ls_chunk {
	struct ls_chunk *next;
	unsigned owner;               /* the worker that wrote it */
	struct obuf b;
};

struct ls_shared;

struct ls_worker {
	struct ls_shared *sh;
	unsigned index;
	pthread_t thread;
	int started;
	struct flow_table *ft;       /* the walk's table; set by walk_run before the first record */
	struct ls_chunk *cur;         /* being filled; private to the worker */
	uint32_t frames;              /* frames since the last hand-over */
	uint64_t done_frame;          /* the last frame whose records are all written */
	uint64_t lost;                /* entries dropped for want of memory */
	/* under sh->mu */
	struct ls_chunk *head, *tail; /* handed over, not yet taken by the merger */
	size_t queued;                /* bytes handed over and not merged yet */
	uint64_t mark;                /* every frame up to this one is done (UINT64_MAX: all) */
	/* the worker's outcome, read after it is joined */
	int status;
	struct walk_result res;
};

struct ls_shared {
	pthread_mutex_t mu;
	pthread_cond_t to_merger, to_workers;
	int abort;                    /* under mu: the merger gave up; workers stop */
	const char *file;
	const struct capture *cap;    /* opened once; each worker reads it again (capture_open_again) */
	const struct log_opts *o;
	unsigned n;
	struct ls_chunk *spare;       /* under mu */
	unsigned nspare;
	struct ls_worker w[LOGSHARD_MAX];
};

int log_kind_wanted(const struct log_opts *o, const char *kind)
{
	if (!o->nkinds)
		return 1;
	for (int i = 0; i < o->nkinds; i++)
		if (!strcmp(o->kinds[i], kind))
			return 1;
	return 0;
}

/* ---- workers ---------------------------------------------------------------------------------- */

static struct ls_chunk *ls_chunk_get(struct ls_shared *sh)
{
	pthread_mutex_lock(&sh->mu);
	struct ls_chunk *c = sh->spare;
	if (c) {
		sh->spare = c->next;
		sh->nspare--;
	}
	pthread_mutex_unlock(&sh->mu);
	if (!c) {
		c = malloc(sizeof *c);
		if (!c)
			return NULL;
		obuf_init(&c->b);
	}
	c->next = NULL;
	obuf_reset(&c->b);
	return c;
}

/* Hands the current chunk and the mark to the merger; waits while too much is unmerged. */
static void ls_hand_over(struct ls_worker *w, int done)
{
	struct ls_shared *sh = w->sh;
	pthread_mutex_lock(&sh->mu);
	if (w->cur && w->cur->b.len) {
		w->cur->owner = w->index;
		if (w->tail)
			w->tail->next = w->cur;
		else
			w->head = w->cur;
		w->tail = w->cur;
		w->queued += w->cur->b.len;
		w->cur = NULL;
	}
	w->mark = done ? UINT64_MAX : w->done_frame;
	pthread_cond_signal(&sh->to_merger);
	while (!done && !sh->abort && w->queued > LS_QUEUE_MAX)
		pthread_cond_wait(&sh->to_workers, &sh->mu);
	pthread_mutex_unlock(&sh->mu);
	w->frames = 0;
}

/* Starts an entry at the table's current order; returns its offset, or -1 (out of memory: the
 * entry is dropped and counted in w->lost, which makes the run fail). */
static long ls_entry_begin(struct ls_worker *w, uint8_t kind, uint32_t conv, uint8_t l4, uint32_t gen)
{
	if (!w->cur && !(w->cur = ls_chunk_get(w->sh))) {
		w->lost++;
		return -1;
	}
	struct flow_order o;
	flow_table_order(w->ft, &o);
	struct ls_entry e = { .frame = o.frame, .last = o.last, .conv = conv, .gen = gen, .phase = o.phase,
			      .list = o.list, .kind = kind, .l4 = l4 };
	size_t at = w->cur->b.len;
	obuf_write(&w->cur->b, &e, sizeof e);
	return (long)at;
}

static void ls_entry_end(struct ls_worker *w, long at)
{
	struct obuf *b = &w->cur->b;
	if (b->cut) { /* the buffer could not grow: the entry goes, the chunk stays whole */
		b->len = (size_t)at;
		b->cut = 0;
		w->lost++;
		return;
	}
	uint32_t len = (uint32_t)(b->len - (size_t)at - sizeof(struct ls_entry));
	memcpy(b->buf + at + offsetof(struct ls_entry, len), &len, sizeof len);
	if (b->len >= LS_CHUNK)
		ls_hand_over(w, 0);
}

static void ls_on_rec(void *arg, const struct flow_ident *id, int64_t ts_ns, const struct proto_rec *r)
{
	struct ls_worker *w = arg;
	if (!log_kind_wanted(w->sh->o, r->kind))
		return;
	uint8_t kind = id && !strcmp(r->kind, "conn") ? LS_CONN : LS_TEXT;
	long at = ls_entry_begin(w, kind, id ? id->conv : 0, id ? id->l4 : 0, 0);
	if (at < 0)
		return;
	eventlog_write(&w->cur->b, id, ts_ns, r);
	ls_entry_end(w, at);
}

static void ls_on_stream(void *arg, uint32_t conv, uint8_t l4, uint32_t gen)
{
	struct ls_worker *w = arg;
	long at = ls_entry_begin(w, LS_STREAM, conv, l4, gen);
	if (at >= 0)
		ls_entry_end(w, at);
}

static int ls_on_pkt(void *arg, const struct walk_pkt *p)
{
	struct ls_worker *w = arg;
	w->done_frame = p->frame;
	if (++w->frames >= LS_HAND_FRAMES) {
		ls_hand_over(w, 0);
		pthread_mutex_lock(&w->sh->mu);
		int stop = w->sh->abort;
		pthread_mutex_unlock(&w->sh->mu);
		return stop;
	}
	return 0;
}

/* Each thread's table may hold its share of the memory for all conversations: the sum is the cap. */
static struct walk_reasm_caps ls_worker_caps(const struct log_opts *o, unsigned n)
{
	struct walk_reasm_caps c = o->caps;
	uint64_t all = c.all ? c.all : REASM_CAP_DEFAULT;
	c.all = all / n > 0 ? all / n : 1;
	return c;
}

static void *ls_worker_main(void *arg)
{
	struct ls_worker *w = arg;
	const struct log_opts *o = w->sh->o;
	struct walk_src src = { .file = w->sh->file, .rec = ls_on_rec, .rec_arg = w, .decode_as = o->decode_as,
				.ndecode_as = o->ndecode_as, .reasm = 1, .shard = (uint8_t)w->index,
				.nshards = (uint8_t)w->sh->n, .stream = ls_on_stream, .reopen = w->sh->cap,
				.table = &w->ft, .result = &w->res,
				.caps = ls_worker_caps(o, w->sh->n) };
	w->status = walk_run(&src, ls_on_pkt, NULL, w);
	w->ft = NULL;
	ls_hand_over(w, 1);

	eventlog_thread_end();
	return NULL;
}

/* ---- the merger ------------------------------------------------------------------------------- */

struct ls_cursor {
	struct ls_chunk *head, *tail; /* taken from the worker, oldest first */
	size_t off;                   /* next entry in head */
	uint64_t mark;
	uint32_t *stream;             /* global tcp.stream of each conversation handle (owned) */
	uint32_t nstream;
};

struct ls_gen {
	uint32_t gen, stream;         /* gen 0: empty */
};

struct ls_merger {
	struct ls_shared *sh;
	struct ls_cursor c[LOGSHARD_MAX];
	struct ls_chunk *used;        /* merged chunks to give back */
	uint32_t next_tcp, next_udp;
	struct ls_gen *gens;          /* owned; LS_GEN_SLOTS, direct-mapped by generation */
	struct obuf out;
	int failed;                   /* out of memory */
};

static int ls_peek(const struct ls_cursor *c, struct ls_entry *e)
{
	if (!c->head)
		return 0;
	memcpy(e, c->head->b.buf + c->off, sizeof *e);
	return 1;
}

static int ls_before(const struct ls_entry *a, const struct ls_entry *b)
{
	if (a->frame != b->frame)
		return a->frame < b->frame;
	if (a->phase != b->phase)
		return a->phase < b->phase;
	if (a->list != b->list)
		return a->list < b->list;
	return a->last < b->last;
}

/* The stream number a conversation takes, as one table numbers them (flow_udp, flow_tcp). */
static uint32_t ls_stream_number(struct ls_merger *m, const struct ls_entry *e)
{
	if (e->l4 == 6)
		return m->next_tcp++;
	if (!e->gen || !m->gens)
		return m->next_udp++;
	struct ls_gen *g = &m->gens[e->gen % LS_GEN_SLOTS];
	if (g->gen != e->gen) {
		g->gen = e->gen;
		g->stream = m->next_udp++;
	}
	return g->stream;
}

static int ls_stream_set(struct ls_merger *m, struct ls_cursor *c, const struct ls_entry *e)
{
	uint32_t conv = e->conv;
	if (conv >= c->nstream) {
		uint32_t n = c->nstream ? c->nstream : 1024;
		while (n <= conv)
			n *= 2;
		uint32_t *s = realloc(c->stream, n * sizeof *s);
		if (!s)
			return -1;
		memset(s + c->nstream, 0, (n - c->nstream) * sizeof *s);
		c->stream = s;
		c->nstream = n;
	}
	c->stream[conv] = ls_stream_number(m, e);
	return 0;
}

static void ls_emit(struct ls_merger *m, struct ls_cursor *c, const struct ls_entry *e)
{
	const char *text = c->head->b.buf + c->off + sizeof *e;
	if (e->kind == LS_STREAM) {
		if (ls_stream_set(m, c, e) < 0)
			m->failed = 1;
	} else if (e->kind == LS_CONN && e->len >= 2 && text[e->len - 2] == '}' && text[e->len - 1] == '\n') {
		obuf_write(&m->out, text, e->len - 2);
		obuf_puts(&m->out, e->l4 == 6 ? ",\"tcp.stream\":" : ",\"udp.stream\":");
		obuf_u64(&m->out, e->conv < c->nstream ? c->stream[e->conv] : 0);
		obuf_puts(&m->out, "}\n");
	} else {
		obuf_write(&m->out, text, e->len);
	}
	c->off += sizeof *e + e->len;
	if (c->off >= c->head->b.len) {
		struct ls_chunk *done = c->head;
		c->head = done->next;
		if (!c->head)
			c->tail = NULL;
		c->off = 0;
		done->next = m->used;
		m->used = done;
	}
	if (m->out.len >= LS_OUT_FLUSH)
		obuf_flush(&m->out, stdout);
}

/* Writes every entry that nothing still to come can precede. Returns 1 when it wrote any. */
static int ls_merge_ready(struct ls_merger *m)
{
	unsigned n = m->sh->n;
	int any = 0;
	for (;;) {
		int best = -1;
		struct ls_entry be = { 0 }, e;
		for (unsigned i = 0; i < n; i++)
			if (ls_peek(&m->c[i], &e) && (best < 0 || ls_before(&e, &be))) {
				best = (int)i;
				be = e;
			}
		if (best < 0)
			return any;
		for (unsigned i = 0; i < n; i++)
			if (!m->c[i].head && m->c[i].mark < be.frame)
				return any; /* shard i may still write something that sorts first */
		ls_emit(m, &m->c[best], &be);
		any = 1;
	}
}

/* Under mu: takes what the workers handed over; 1 when there was anything new. */
static int ls_take(struct ls_merger *m)
{
	int news = 0;
	for (unsigned i = 0; i < m->sh->n; i++) {
		struct ls_worker *w = &m->sh->w[i];
		struct ls_cursor *c = &m->c[i];
		if (w->head) {
			if (c->tail)
				c->tail->next = w->head;
			else
				c->head = w->head;
			c->tail = w->tail;
			w->head = w->tail = NULL;
			news = 1;
		}
		if (w->mark != c->mark) {
			c->mark = w->mark;
			news = 1;
		}
	}
	return news;
}

/* Under mu: merged chunks go back to the spare list (or are freed); waiting workers wake. */
static void ls_give_back(struct ls_merger *m)
{
	if (!m->used)
		return;
	while (m->used) {
		struct ls_chunk *c = m->used;
		m->used = c->next;
		m->sh->w[c->owner].queued -= c->b.len;
		if (m->sh->nspare < LS_SPARE_MAX) {
			c->next = m->sh->spare;
			m->sh->spare = c;
			m->sh->nspare++;
		} else {
			obuf_free(&c->b);
			free(c);
		}
	}
	pthread_cond_broadcast(&m->sh->to_workers);
}

static int ls_all_done(const struct ls_merger *m)
{
	for (unsigned i = 0; i < m->sh->n; i++)
		if (m->c[i].head || m->c[i].mark != UINT64_MAX)
			return 0;
	return 1;
}

static void ls_merge(struct ls_merger *m)
{
	struct ls_shared *sh = m->sh;
	pthread_mutex_lock(&sh->mu);
	for (;;) {
		ls_take(m);
		if (ls_all_done(m))
			break;
		pthread_mutex_unlock(&sh->mu);
		int wrote = ls_merge_ready(m);
		pthread_mutex_lock(&sh->mu);
		ls_give_back(m);
		if (m->failed && !sh->abort) {
			sh->abort = 1;
			pthread_cond_broadcast(&sh->to_workers);
		}
		if (!wrote && !ls_take(m))
			pthread_cond_wait(&sh->to_merger, &sh->mu);
	}
	ls_give_back(m);
	pthread_mutex_unlock(&sh->mu);
}

static void *ls_merger_main(void *arg)
{
	struct ls_merger *m = arg;
	ls_merge(m);
	obuf_flush(&m->out, stdout);
	eventlog_thread_end();
	return NULL;
}

static void ls_shared_free(struct ls_shared *sh)
{
	while (sh->spare) {
		struct ls_chunk *c = sh->spare;
		sh->spare = c->next;
		obuf_free(&c->b);
		free(c);
	}
	pthread_mutex_destroy(&sh->mu);
	pthread_cond_destroy(&sh->to_merger);
	pthread_cond_destroy(&sh->to_workers);
	free(sh);
}

/* What the workers learned, reported once: the read error (every worker met the same one) and
 * the holes reassembly gave up at its caps, summed. */
static int ls_report(struct ls_shared *sh)
{
	struct walk_result res = sh->w[0].res;
	for (unsigned i = 1; i < sh->n; i++) {
		const struct reasm_stats *r = &sh->w[i].res.stats.reasm;
		res.stats.reasm.gaps_cap += r->gaps_cap;
		if (r->peak_bytes > res.stats.reasm.peak_bytes)
			res.stats.reasm.peak_bytes = r->peak_bytes;
	}
	log_report(sh->file, &res);
	int status = EXIT_OK;
	uint64_t lost = 0;
	for (unsigned i = 0; i < sh->n; i++) {
		lost += sh->w[i].lost;
		if (status == EXIT_OK)
			status = sh->w[i].status;
	}
	if (lost) {
		log_error("%s: out of memory: %llu records could not be written", sh->file, (unsigned long long)lost);
		status = EXIT_BADINPUT;
	}
	return status;
}

int logshard_run(const char *file, unsigned nshards, const struct log_opts *o)
{
	struct capture *cap;
	struct errbuf e;
	int rc = capture_open_file(&cap, file, &e); /* fails here once, not in every thread */
	if (rc < 0) {
		walk_log_err(file, &e);
		return rc == ERR_USAGE ? EXIT_USAGE : EXIT_BADINPUT;
	}
	struct ls_shared *sh = calloc(1, sizeof *sh);
	if (!sh || nshards < 2 || nshards > LOGSHARD_MAX) {
		free(sh);
		capture_close(cap);
		return -1;
	}
	sh->cap = cap;
	pthread_mutex_init(&sh->mu, NULL);
	pthread_cond_init(&sh->to_merger, NULL);
	pthread_cond_init(&sh->to_workers, NULL);
	sh->file = file;
	sh->o = o;
	sh->n = nshards;
	for (unsigned i = 0; i < nshards; i++) {
		sh->w[i].sh = sh;
		sh->w[i].index = i;
	}
	struct ls_merger m = { .sh = sh, .gens = calloc(LS_GEN_SLOTS, sizeof(struct ls_gen)) };
	if (!m.gens)
		m.failed = 1; /* the workers run and are joined; nothing is numbered */
	obuf_init(&m.out);
	/* shard 0 runs on this thread (the process's main heap), the others and the merger on new
	 * ones; the merger starts last, so a thread that cannot start leaves nothing written */
	int started = 1;
	pthread_t merger;
	for (unsigned i = 1; i < nshards && started; i++)
		started = sh->w[i].started = pthread_create(&sh->w[i].thread, NULL, ls_worker_main, &sh->w[i]) == 0;
	if (started)
		started = pthread_create(&merger, NULL, ls_merger_main, &m) == 0;
	if (!started) { /* the caller runs one thread instead */
		pthread_mutex_lock(&sh->mu);
		sh->abort = 1;
		pthread_cond_broadcast(&sh->to_workers);
		pthread_mutex_unlock(&sh->mu);
		for (unsigned i = 1; i < nshards; i++)
			if (sh->w[i].started)
				pthread_join(sh->w[i].thread, NULL);
		for (unsigned i = 0; i < nshards; i++)
			for (struct ls_chunk *c = sh->w[i].head, *nx; c; c = nx) {
				nx = c->next;
				obuf_free(&c->b);
				free(c);
			}
		obuf_free(&m.out);
		free(m.gens);
		ls_shared_free(sh);
		capture_close(cap);
		return -1;
	}
	ls_worker_main(&sh->w[0]);
	pthread_join(merger, NULL);
	obuf_free(&m.out);
	for (unsigned i = 0; i < nshards; i++) {
		if (i)
			pthread_join(sh->w[i].thread, NULL);
		free(m.c[i].stream);
	}
	free(m.gens);
	capture_close(cap);
	int status = ls_report(sh);
	if (m.failed) {
		log_error("%s: out of memory merging the records of %u threads", file, nshards);
		status = EXIT_BADINPUT;
	}
	ls_shared_free(sh);
	return status;
}
