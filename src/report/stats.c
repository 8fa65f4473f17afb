/* stats.c: io,stat tables and expert-info counts, rendered in the layout of tshark 4.0's -z io,stat and -z expert. */
#include <stdlib.h>
#include <string.h>

#include "report/stats.h"

#define US_PER_SEC 1000000ull

int stats_io_init(struct stats_io *s, uint64_t interval_us, unsigned prec, size_t ncol, size_t max_cells,
		  struct errbuf *e)
{
	memset(s, 0, sizeof *s);
	if (!ncol)
		return err_set(e, ERR_USAGE, "io,stat needs at least one series");
	if (prec > STATS_IO_MAX_PREC)
		return err_set(e, ERR_USAGE, "at most %d decimals of a second", STATS_IO_MAX_PREC);
	s->col = calloc(ncol, sizeof *s->col);
	if (!s->col)
		return err_set(e, ERR_NOMEM, "out of memory");
	s->ncol = ncol;
	s->interval_us = interval_us;
	s->prec = (uint8_t)prec;
	s->max_buckets = max_cells / ncol ? max_cells / ncol : 1;
	return 0;
}

void stats_io_set_col(struct stats_io *s, size_t i, enum stats_io_calc calc, enum stats_io_vtype vt,
		      const char *label)
{
	if (i >= s->ncol)
		return;
	s->col[i].calc = (uint8_t)calc;
	s->col[i].vtype = (uint8_t)vt;
	s->col[i].label = label;
}

void stats_io_free(struct stats_io *s)
{
	for (size_t i = 0; i < s->ncol; i++) {
		free(s->col[i].cell);
		free(s->col[i].spread);
	}
	free(s->col);
	memset(s, 0, sizeof *s);
}

/* tshark's time of a frame: microseconds since the first frame, rounded. */
static uint64_t stats_io_us(int64_t ns)
{
	return ((uint64_t)ns + 500) / 1000;
}

static size_t stats_io_bucket_of(const struct stats_io *s, uint64_t us)
{
	if (!s->interval_us)
		return 0;
	uint64_t b = us / s->interval_us;
	return b > SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)b;
}

/* Makes interval `b` exist in every column; -1 past the cap or out of memory. */
static int stats_io_reach(struct stats_io *s, size_t b)
{
	if (b >= s->max_buckets)
		return -1;
	if (b >= s->cap) {
		size_t nc = s->cap ? s->cap : 64;
		while (nc <= b)
			nc *= 2;
		if (nc > s->max_buckets)
			nc = s->max_buckets;
		for (size_t i = 0; i < s->ncol; i++) {
			struct stats_io_col *c = &s->col[i];
			struct stats_io_cell *cell = realloc(c->cell, nc * sizeof *cell);
			if (!cell)
				return -1;
			c->cell = cell;
			memset(cell + s->cap, 0, (nc - s->cap) * sizeof *cell);
			if (c->calc == SIO_LOAD) {
				uint64_t *sp = realloc(c->spread, nc * sizeof *sp);
				if (!sp)
					return -1;
				c->spread = sp;
				memset(sp + s->cap, 0, (nc - s->cap) * sizeof *sp);
			}
		}
		s->cap = nc;
	}
	if (b >= s->n)
		s->n = b + 1;
	return 0;
}

int stats_io_frame(struct stats_io *s, int64_t rel_ns)
{
	if (rel_ns > s->last_ns)
		s->last_ns = rel_ns;
	if (rel_ns >= 0 && stats_io_bucket_of(s, stats_io_us(rel_ns)) >= s->max_buckets) {
		s->dropped++;
		return -1;
	}
	return 0;
}

static uint64_t stats_io_max(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* A value is smaller than the cell's (MIN) or larger (MAX), as the column's type compares. */
static int stats_io_better(const struct stats_io_col *c, uint64_t v, uint64_t cur)
{
	if (c->vtype == SIO_INT)
		return c->calc == SIO_MIN ? (int64_t)v < (int64_t)cur : (int64_t)v > (int64_t)cur;
	return c->calc == SIO_MIN ? v < cur : v > cur;
}

/* LOAD: a relative time ending in interval b adds its part in b to b, and one whole interval to
 * each interval before it that it covers (tshark's queue depth). */
static void stats_io_load(struct stats_io *s, struct stats_io_col *c, size_t b, uint64_t ns)
{
	if ((int64_t)ns < 0)
		return;
	uint64_t us = ns / 1000, inv = s->interval_us ? s->interval_us : UINT64_MAX;
	uint64_t part = us % inv, whole = (us - part) / inv;
	c->cell[b].counter += part;
	if (!whole || !b)
		return;
	size_t from = whole >= b ? 0 : b - (size_t)whole;
	c->spread[from] += inv;
	c->spread[b] -= inv;
}

/* The running value tshark widens the column by: the cell after each frame. */
static uint64_t stats_io_width_val(const struct stats_io_col *c, const struct stats_io_cell *x)
{
	if (c->calc != SIO_AVG)
		return x->counter;
	if (!x->num)
		return 0;
	if (c->vtype == SIO_TIME)
		return (x->counter / x->num + 500000000ull) / 1000000000ull;
	return x->counter / x->num;
}

void stats_io_add(struct stats_io *s, size_t i, int64_t rel_ns, uint32_t len, const uint64_t *v, size_t n)
{
	if (i >= s->ncol)
		return;
	struct stats_io_col *c = &s->col[i];
	uint64_t us = s->last_us;
	if (rel_ns >= 0)
		s->last_us = us = stats_io_us(rel_ns);
	size_t b = stats_io_bucket_of(s, us);
	if (b < c->last)
		b = c->last; /* a frame from before this series' latest interval counts in it */
	if (stats_io_reach(s, b) < 0) {
		s->dropped++;
		return;
	}
	c->last = b;
	struct stats_io_cell *x = &c->cell[b];
	x->frames++;
	switch (c->calc) {
	case SIO_FRAMES_BYTES:
	case SIO_FRAMES:
	case SIO_BYTES: x->counter += len; break;
	case SIO_COUNT: x->counter += n; break;
	case SIO_SUM:
		for (size_t k = 0; k < n; k++)
			x->counter += v[k];
		break;
	case SIO_MIN:
	case SIO_MAX:
		for (size_t k = 0; k < n; k++, x->num++)
			if (!x->num || stats_io_better(c, v[k], x->counter))
				x->counter = v[k];
		break;
	case SIO_AVG:
		for (size_t k = 0; k < n; k++, x->num++)
			x->counter += v[k];
		break;
	case SIO_LOAD:
		for (size_t k = 0; k < n; k++)
			stats_io_load(s, c, b, v[k]);
		break;
	default: break;
	}
	if (x->frames > c->max_frames)
		c->max_frames = x->frames;
	c->max_val = stats_io_max(c->max_val, stats_io_width_val(c, x));
}

/* Digits of v, at most max_w (tshark's magnitude()). */
static unsigned stats_io_mag(uint64_t v, unsigned max_w)
{
	unsigned m = 0;
	for (unsigned i = 0; i < max_w; i++) {
		m++;
		if ((v /= 10) == 0)
			break;
	}
	return m;
}

static void stats_io_rep(struct obuf *o, char ch, long n)
{
	for (long i = 0; i < n; i++)
		obuf_putc(o, ch);
}

/* printf's "%*s" of "|" with width w (a negative width left-justifies). */
static void stats_io_bar(struct obuf *o, long w)
{
	if (w < 0) {
		obuf_putc(o, '|');
		stats_io_rep(o, ' ', -w - 1);
		return;
	}
	stats_io_rep(o, ' ', w - 1);
	obuf_putc(o, '|');
}

/* Pads the line begun at `from` to `width` with a closing bar, as tshark's header lines. */
static void stats_io_close(struct obuf *o, size_t from, size_t width)
{
	stats_io_bar(o, (long)width - (long)(o->len - from));
	obuf_putc(o, '\n');
}

/* Seconds with `prec` decimals of a microsecond time (truncated). */
static void stats_io_put_secs(struct obuf *o, uint64_t us, unsigned prec)
{
	uint64_t dv = 1;
	for (unsigned i = prec; i < STATS_IO_MAX_PREC; i++)
		dv *= 10;
	if (prec)
		obuf_printf(o, "%llu.%0*llu", (unsigned long long)(us / US_PER_SEC), (int)prec,
			    (unsigned long long)(us % US_PER_SEC / dv));
	else
		obuf_printf(o, "%llu", (unsigned long long)(us / US_PER_SEC));
}

static const char *const stats_io_names[] = { "FRAMES BYTES", "FRAMES", "BYTES", "COUNT", "SUM", "MIN", "MAX", "AVG", "LOAD" };

/* A column's label centred over its width (tshark's printcenter, numpad 1, quirks included). */
static void stats_io_center(struct obuf *o, const char *label, int lenval)
{
	int lenlab = (int)strlen(label);
	int pad = (lenval - lenlab) / 2 + 1;
	int len = 6 - pad;
	if (len > 0 && len < 6) {
		stats_io_rep(o, ' ', pad + ((lenval - lenlab) % 2 != 0));
		obuf_puts(o, label);
		stats_io_rep(o, ' ', pad);
		obuf_putc(o, '|');
	} else if (len > 0 && len <= 15) {
		obuf_puts(o, label);
		obuf_putc(o, '|');
	}
}

/* Layout of one column: widths of the frames part and of the value part. */
struct stats_io_w {
	int fr, val;
};

static int stats_io_col_width(const struct stats_io_col *c, uint64_t interval, struct stats_io_w *w)
{
	w->fr = w->val = 0;
	if (c->calc == SIO_FRAMES || c->calc == SIO_FRAMES_BYTES) {
		w->fr = (int)stats_io_mag(c->max_frames, 15);
		if (w->fr < 6)
			w->fr = 6;
		if (c->calc == SIO_FRAMES)
			return w->fr + 3;
		w->val = (int)stats_io_mag(c->max_val, 15);
		if (w->val < 5)
			w->val = 5;
		return w->fr + 3 + w->val + 3;
	}
	if (c->calc == SIO_BYTES || c->calc == SIO_COUNT) {
		w->val = (int)stats_io_mag(c->max_val, 15);
		if (w->val < 5)
			w->val = 5;
	} else if (c->vtype == SIO_TIME) {
		uint64_t m = c->max_val;
		if (c->calc == SIO_LOAD)
			m = interval ? m / interval : 0;
		else if (c->calc != SIO_AVG)
			m = (m + 500000000ull) / 1000000000ull;
		w->val = (int)stats_io_mag(m, 15) + 7;
	} else {
		int nl = (int)strlen(stats_io_names[c->calc]);
		w->val = (int)stats_io_mag(c->max_val, 15);
		if (w->val < nl)
			w->val = nl;
	}
	return w->val + 3;
}

/* The numbers of one cell. `load` is the LOAD cell's value with what later frames spread into it;
 * `span` the microseconds of the row (LOAD divides by it). */
static void stats_io_cell_put(struct obuf *o, const struct stats_io_col *c, const struct stats_io_w *w,
			      const struct stats_io_cell *x, uint64_t load, uint64_t span)
{
	uint64_t v = x->counter;
	switch (c->calc) {
	case SIO_FRAMES_BYTES:
		obuf_printf(o, " %*u | %*llu |", w->fr, x->frames, w->val, (unsigned long long)v);
		return;
	case SIO_FRAMES: obuf_printf(o, " %*u |", w->fr, x->frames); return;
	case SIO_BYTES:
	case SIO_COUNT: obuf_printf(o, " %*llu |", w->val, (unsigned long long)v); return;
	case SIO_LOAD:
		if (span)
			obuf_printf(o, " %*u.%06u |", w->val - 7, (unsigned)(int)(load / span),
				    (unsigned)(int)(load % span * US_PER_SEC / span));
		return;
	case SIO_AVG:
		v = x->num ? v / x->num : v;
		break;
	default: break;
	}
	if (c->vtype == SIO_TIME) {
		uint64_t us = (v + 500) / 1000;
		obuf_printf(o, " %*u.%06u |", w->val - 7, (unsigned)(int)(us / US_PER_SEC), (unsigned)(int)(us % US_PER_SEC));
	} else if (c->vtype == SIO_INT) {
		obuf_printf(o, " %*lld |", w->val, (long long)v);
	} else {
		obuf_printf(o, " %*llu |", w->val, (unsigned long long)v);
	}
}

/* The legend: "| Col  1: FILTER", later ones "|      2: ...", long filters wrapped at a space. */
static void stats_io_legend(const struct stats_io *s, struct obuf *o, size_t borderlen)
{
	for (size_t j = 0; j < s->ncol; j++) {
		size_t from = o->len;
		obuf_printf(o, "%s%2zu: ", j ? "|    " : "| Col", j + 1);
		const char *f = s->col[j].label;
		if (!f) {
			obuf_puts(o, "Frames and bytes");
			stats_io_close(o, from, borderlen);
			continue;
		}
		size_t len = strlen(f), max_w = borderlen > 11 ? borderlen - 11 : 1;
		while (len > max_w) {
			size_t cut = max_w, next = max_w;
			for (size_t k = max_w; k-- > 0;)
				if (f[k] == ' ') {
					cut = k;
					next = k + 1;
					break;
				}
			obuf_write(o, f, cut);
			stats_io_close(o, from, borderlen);
			from = o->len;
			obuf_puts(o, "|        ");
			f += next;
			len -= next;
		}
		obuf_puts(o, f);
		stats_io_close(o, from, borderlen);
	}
}

/* What the header and the rows share: tshark's duration, interval and widths. */
struct stats_io_geo {
	uint64_t dur_us;      /* duration, rounded to the precision as tshark does */
	uint64_t raw_us;      /* duration in microseconds */
	uint64_t interval;    /* microseconds; the duration when one interval covers the capture */
	unsigned prec;
	unsigned dur_mag;     /* digits of the duration's seconds, after rounding */
	unsigned mag0;        /* the same before rounding: tshark 4.0 writes the rows' times that wide */
	unsigned hdr_mag;     /* digits of the exact duration's seconds (the header's values) */
	size_t invl_col_w, tabrow_w, borderlen;
};

static void stats_io_geometry(const struct stats_io *s, struct stats_io_w *w, struct stats_io_geo *g)
{
	uint64_t dur = stats_io_us(s->last_ns > 0 ? s->last_ns : 0);
	int whole = !s->interval_us || s->interval_us > dur;
	uint64_t interval = whole ? dur : s->interval_us;
	unsigned dur_mag = stats_io_mag(dur / US_PER_SEC, 5), invl_mag = stats_io_mag(interval / US_PER_SEC, 5);
	unsigned prec;
	size_t borderlen;
	g->raw_us = dur;
	g->hdr_mag = stats_io_mag((uint64_t)(s->last_ns > 0 ? s->last_ns : 0) / 1000000000ull, 5);
	if (interval == dur) {
		prec = dur_mag >= 2 ? 1 : dur_mag == 1 ? 3 : 6;
		borderlen = 30 + dur_mag + prec + 1;
	} else {
		prec = s->prec;
		borderlen = 25 + (invl_mag > dur_mag ? invl_mag : dur_mag) + (prec ? prec + 1 : 0);
	}
	uint64_t dv = 1;
	for (unsigned i = prec; i < STATS_IO_MAX_PREC; i++)
		dv *= 10;
	g->mag0 = dur_mag;
	if (dur % dv > 5 * (dv / 10)) {
		dur = (dur + 5 * (dv / 10)) / dv * dv;
		dur_mag = stats_io_mag(dur / US_PER_SEC, 5);
	}
	if (whole)
		interval = dur;
	size_t icw = prec ? 2 * dur_mag + 2 * prec + 10 : 2 * dur_mag + 8;
	if (icw < 12)
		icw = 12;
	size_t tab = icw;
	for (size_t j = 0; j < s->ncol; j++)
		tab += (size_t)stats_io_col_width(&s->col[j], interval, &w[j]);
	if (borderlen < tab)
		borderlen = tab;
	size_t maxf = 0;
	for (size_t j = 0; j < s->ncol; j++) {
		size_t k = s->col[j].label ? strlen(s->col[j].label) + 11 : 26;
		if (k > maxf)
			maxf = k;
	}
	if (maxf > borderlen && borderlen < 102)
		borderlen = maxf < 102 ? maxf : 102;
	if (borderlen - tab == 1)
		borderlen++;
	g->dur_us = dur;
	g->interval = interval;
	g->prec = prec;
	g->dur_mag = dur_mag;
	g->invl_col_w = icw;
	g->tabrow_w = tab;
	g->borderlen = borderlen;
}

/* "| Duration: 7.553902 secs   |": the value right-aligned to the digits of the duration; tshark
 * 4.0 pads the line as if the value were as wide as the rounded duration's, so a line falls short
 * of the border when rounding added a digit (9.95 s shown in whole seconds: 10). */
static void stats_io_header_time(struct obuf *o, const char *name, struct obuf *val, const struct stats_io_geo *g,
				 int frac, int printw)
{
	int len = (int)val->len, w1 = (int)g->hdr_mag + frac, w2 = (int)g->dur_mag + frac;
	int short_by = (len > w2 ? len : w2) - (len > w1 ? len : w1);
	size_t from = o->len;
	obuf_printf(o, "| %s: %*s secs", name, printw, obuf_cstr(val));
	stats_io_close(o, from, g->borderlen - (size_t)(short_by > 0 ? short_by : 0));
}

static void stats_io_header(const struct stats_io *s, const struct stats_io_w *w, const struct stats_io_geo *g,
			    struct obuf *o)
{
	size_t bl = g->borderlen;
	int frac = g->prec ? (int)g->prec + 1 : 0;
	struct obuf t;
	obuf_init(&t);
	obuf_putc(o, '\n');
	stats_io_rep(o, '=', (long)bl);
	obuf_printf(o, "\n|%-*s|\n|%-*s|\n", (int)bl - 2, " IO Statistics", (int)bl - 2, "");
	/* tshark 4.0 shows the duration in microseconds when the interval is whole seconds, with the
	 * fraction padded by spaces, not zeros ("2.     1") */
	if (g->prec)
		stats_io_put_secs(&t, g->dur_us, g->prec);
	else
		obuf_printf(&t, "%llu.%6llu", (unsigned long long)(g->raw_us / US_PER_SEC),
			    (unsigned long long)(g->raw_us % US_PER_SEC));
	stats_io_header_time(o, "Duration", &t, g, g->prec ? frac : 7, (int)g->hdr_mag + frac);
	obuf_reset(&t);
	stats_io_put_secs(&t, g->interval, g->prec);
	stats_io_header_time(o, "Interval", &t, g, frac, (int)g->hdr_mag + frac);
	obuf_free(&t);
	obuf_printf(o, "|%-*s|\n", (int)bl - 2, "");
	stats_io_legend(s, o, bl);
	obuf_puts(o, "|-");
	stats_io_rep(o, '-', (long)bl - 3);
	obuf_puts(o, "|\n");

	long filler = g->tabrow_w < bl ? (long)(bl - g->tabrow_w) : 0;
	obuf_putc(o, '|');
	stats_io_bar(o, (long)g->invl_col_w - 1);
	for (size_t j = 0; j < s->ncol; j++) {
		const struct stats_io_col *c = &s->col[j];
		int pad = c->calc == SIO_FRAMES_BYTES ? w[j].fr + w[j].val + 3 : c->calc == SIO_FRAMES ? w[j].fr : w[j].val;
		obuf_printf(o, "%-2zu%*s|", j + 1, pad, "");
	}
	if (filler)
		stats_io_bar(o, filler);
	obuf_puts(o, "\n| Interval");
	stats_io_bar(o, (long)g->invl_col_w - 10);
	for (size_t j = 0; j < s->ncol; j++) {
		const struct stats_io_col *c = &s->col[j];
		if (c->calc == SIO_FRAMES_BYTES) {
			stats_io_center(o, "Frames", w[j].fr);
			stats_io_center(o, "Bytes", w[j].val);
		} else {
			stats_io_center(o, stats_io_names[c->calc], c->calc == SIO_FRAMES ? w[j].fr : w[j].val);
		}
	}
	if (filler)
		stats_io_bar(o, filler);
	obuf_puts(o, "\n|-");
	stats_io_rep(o, '-', (long)g->tabrow_w - 3);
	obuf_putc(o, '|');
	if (filler)
		stats_io_bar(o, filler);
	obuf_putc(o, '\n');
}

/* "| 0.0 <> 0.1 |", "|  7 <> Dur|": the interval of a row as tshark writes it. */
static void stats_io_row_label(const struct stats_io_geo *g, struct obuf *o, uint64_t t, uint64_t end, int last)
{
	int m = (int)g->mag0, m1 = (int)g->dur_mag;
	if (g->prec) {
		uint64_t dv = 1;
		for (unsigned i = g->prec; i < STATS_IO_MAX_PREC; i++)
			dv *= 10;
		obuf_printf(o, "| %*u.%0*u <> %*u.%0*u |", m, (unsigned)(t / US_PER_SEC), (int)g->prec,
			    (unsigned)(t % US_PER_SEC / dv), m, (unsigned)(end / US_PER_SEC), (int)g->prec,
			    (unsigned)(end % US_PER_SEC / dv));
	} else if (last) {
		obuf_printf(o, "| %s%*u <> %-*s|", m1 == 1 ? " " : "", m, (unsigned)(t / US_PER_SEC), m1 >= 3 ? m1 + 1 : 3,
			    "Dur");
	} else {
		obuf_printf(o, m1 == 1 ? "|  %*u <> %*u  |" : "| %*u <> %*u |", m, (unsigned)(t / US_PER_SEC), m,
			    (unsigned)(end / US_PER_SEC));
	}
}

void stats_io_render(const struct stats_io *s, struct obuf *o, FILE *out)
{
	struct stats_io_w *w = calloc(s->ncol, sizeof *w);
	uint64_t *load = calloc(s->ncol, sizeof *load);
	if (!w || !load) {
		free(w);
		free(load);
		obuf_puts(o, "out of memory\n");
		return;
	}
	struct stats_io_geo g;
	stats_io_geometry(s, w, &g);
	stats_io_header(s, w, &g, o);
	long filler = g.tabrow_w < g.borderlen ? (long)(g.borderlen - g.tabrow_w) : 0;
	static const struct stats_io_cell zero;
	size_t row = 0;
	for (uint64_t t = 0; t < g.dur_us && row < s->max_buckets; t += g.interval, row++) {
		uint64_t end = t + g.interval;
		int last = end >= g.dur_us;
		if (last)
			end = g.dur_us;
		stats_io_row_label(&g, o, t, end, last);
		for (size_t j = 0; j < s->ncol; j++) {
			const struct stats_io_col *c = &s->col[j];
			const struct stats_io_cell *x = row < s->n ? &c->cell[row] : &zero;
			if (c->spread && row < s->n)
				load[j] += c->spread[row];
			stats_io_cell_put(o, c, &w[j], x, x->counter + load[j], last ? end - t : g.interval);
		}
		if (filler)
			stats_io_bar(o, filler);
		obuf_putc(o, '\n');
		if (out && o->len > (1u << 20))
			obuf_flush(o, out);
	}
	stats_io_rep(o, '=', (long)g.borderlen);
	obuf_putc(o, '\n');
	if (s->dropped)
		obuf_printf(o, "%llu frames past the last of %zu intervals not counted (a longer --interval shows them)\n",
			    (unsigned long long)s->dropped, s->max_buckets);
	free(w);
	free(load);
}

enum { SEV_ERROR, SEV_WARN, SEV_NOTE, SEV_CHAT };

struct stats_expert_def {
	uint8_t sev;
	const char *group, *summary;
};

static const struct stats_expert_def stats_expert_defs[SE_COUNT] = {
	[SE_RETRANS] = { SEV_NOTE, "Sequence", "This frame is a (suspected) retransmission" },
	[SE_FAST_RETRANS] = { SEV_NOTE, "Sequence", "This frame is a (suspected) fast retransmission" },
	[SE_SPURIOUS] = { SEV_NOTE, "Sequence", "This frame is a (suspected) spurious retransmission" },
	[SE_OOO] = { SEV_WARN, "Sequence", "This frame is a (suspected) out-of-order segment" },
	[SE_LOST] = { SEV_WARN, "Sequence", "Previous segment(s) not captured (common at capture start)" },
	[SE_ACK_LOST] = { SEV_WARN, "Sequence", "ACKed segment that wasn't captured (common at capture start)" },
	[SE_DUPACK] = { SEV_NOTE, "Sequence", "Duplicate ACK" },
	[SE_ZERO_WIN] = { SEV_WARN, "Sequence", "TCP Zero Window segment" },
	[SE_ZWP] = { SEV_NOTE, "Sequence", "TCP Zero Window Probe" },
	[SE_ZWP_ACK] = { SEV_NOTE, "Sequence", "TCP Zero Window Probe Ack" },
	[SE_WIN_FULL] = { SEV_WARN, "Sequence", "TCP window specified by the receiver is now completely full" },
	[SE_WIN_UPDATE] = { SEV_CHAT, "Sequence", "TCP window update" },
	[SE_KEEPALIVE] = { SEV_NOTE, "Sequence", "TCP keep-alive segment" },
	[SE_KEEPALIVE_ACK] = { SEV_NOTE, "Sequence", "ACK to a TCP keep-alive segment" },
	[SE_REUSED] = { SEV_NOTE, "Sequence",
			"A new tcp session is started with the same ports as an earlier session in this trace" },
	[SE_MALFORMED] = { SEV_ERROR, "Malformed", "Malformed Packet (Exception occurred)" },
	[SE_TRUNCATED] = { SEV_WARN, "Malformed", "Packet size limited during capture" },
};

void stats_expert_add_tcp(struct stats_expert *s, enum stats_expert_id id)
{
	if ((unsigned)id < SE_MALFORMED)
		s->n[id]++;
}

void stats_expert_add_problem(struct stats_expert *s, unsigned layer, int truncated)
{
	if (layer >= STATS_LAYERS)
		layer = STATS_LAYERS - 1;
	if (truncated) {
		s->n[SE_TRUNCATED]++;
		s->truncated[layer]++;
	} else {
		s->n[SE_MALFORMED]++;
		s->malformed[layer]++;
	}
}

/* Names of the pkt_layer bits, in bit order. */
static const char *const stats_layer_names[] = { "Ethernet", "VLAN", "SLL", "Null", "LLC", "ARP", "IPv4", "IPv6",
						 "TCP", "UDP", "ICMP", "ICMPv6", "GRE", "MPLS", "PPPoE", "IP",
						 "PPP", "Link" };

static const char *stats_layer_name(unsigned i)
{
	return i < sizeof stats_layer_names / sizeof *stats_layer_names ? stats_layer_names[i] : "Frame";
}

static void stats_expert_row(struct obuf *o, uint64_t n, const char *group, const char *proto, const char *summary)
{
	obuf_printf(o, "%12llu %10s %18s  %s\n", (unsigned long long)n, group, proto, summary);
}

void stats_expert_render(const struct stats_expert *s, struct obuf *o)
{
	static const char *const sev_names[] = { "Errors", "Warns", "Notes", "Chats" };
	for (int sev = SEV_ERROR; sev <= SEV_CHAT; sev++) {
		uint64_t total = 0;
		for (int i = 0; i < SE_COUNT; i++)
			if (stats_expert_defs[i].sev == sev)
				total += s->n[i];
		if (!total)
			continue;
		obuf_printf(o, "\n%s (%llu)\n=============\n", sev_names[sev], (unsigned long long)total);
		obuf_puts(o, "   Frequency      Group           Protocol  Summary\n");
		for (int i = 0; i < SE_COUNT; i++) {
			const struct stats_expert_def *d = &stats_expert_defs[i];
			if (d->sev != sev || !s->n[i])
				continue;
			if (i == SE_MALFORMED || i == SE_TRUNCATED) {
				const uint64_t *per = i == SE_MALFORMED ? s->malformed : s->truncated;
				for (unsigned l = 0; l < STATS_LAYERS; l++)
					if (per[l])
						stats_expert_row(o, per[l], d->group, stats_layer_name(l), d->summary);
			} else {
				stats_expert_row(o, s->n[i], d->group, "TCP", d->summary);
			}
		}
	}
}
