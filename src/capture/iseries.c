/* iseries.c: IBM i (iSeries, AS/400) communications trace printouts (PRTCMNTRC text, UTF-16LE
 * with a BOM or ASCII) of Ethernet lines: a header with the start date, then per record a line
 * "number S/R length time ... dstMAC srcMAC ETHV2 Type: XXXX" followed by "... Header :" hex
 * lines and "Data . . . :" hex dump lines; each record becomes an Ethernet frame. No published
 * spec: the layout is taken from the printouts themselves. The text is converted up front into
 * a bounded in-memory array of frames. */
#include "capture/capture_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ISERIES_MAX_LINE 1024            /* characters kept of one line */
#define ISERIES_MAX_TOKENS 24            /* tokens looked at in one line */
#define ISERIES_MAX_BYTES (64u << 20)    /* frame bytes held in memory */
#define ISERIES_MAX_FRAMES (1u << 20)
#define ISERIES_ETH_HDR 14

struct iseries_rec {
	uint64_t offset;  /* byte offset of the record line in the file */
	uint32_t data;    /* offset of the frame in iseries.buf */
	uint32_t caplen, len;
	int64_t sec;
	uint32_t nsec;
	uint8_t digits;
};

struct iseries {
	uint8_t *buf;              /* owned: every frame's bytes, back to back */
	uint32_t nbuf, capbuf;
	struct iseries_rec *recs;  /* owned */
	uint32_t nrecs, caprecs;
	uint32_t next;             /* next record to yield */
	int tail_rc;               /* error that ended parsing, reported after the frames */
	struct errbuf tail;
};

/* The text being read: `p` borrows the capture's mapping. */
struct iseries_src {
	const uint8_t *p;
	uint64_t size, pos;
	int wide;                  /* UTF-16LE */
	uint64_t lineno;
};

struct iseries_tok {
	const char *s;
	uint32_t n;
};

/* Parse state of the record being built. */
struct iseries_cur {
	int open;                  /* a record is being collected */
	int in_hex;                /* the last line added bytes: hex-only lines continue it */
	uint32_t datalen;          /* "Data Length" column */
	struct iseries_rec rec;
};

static int iseries_is_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static uint8_t iseries_hex_val(char ch)
{
	if (ch >= '0' && ch <= '9')
		return (uint8_t)(ch - '0');
	if (ch >= 'a' && ch <= 'f')
		return (uint8_t)(ch - 'a' + 10);
	return (uint8_t)(ch - 'A' + 10);
}

static int iseries_all_hex(const char *s, uint32_t n)
{
	if (n == 0)
		return 0;
	for (uint32_t i = 0; i < n; i++)
		if (!iseries_is_hex(s[i]))
			return 0;
	return 1;
}

static int iseries_all_digits(const char *s, uint32_t n)
{
	if (n == 0 || n > 9)
		return 0;
	for (uint32_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static uint32_t iseries_parse_uint(const char *s, uint32_t n)
{
	uint32_t v = 0;
	for (uint32_t i = 0; i < n && i < 9; i++)
		v = v * 10u + (uint32_t)(s[i] - '0');
	return v;
}

/* Reads the next line into out (NUL-terminated, at most ISERIES_MAX_LINE - 1 characters kept;
 * characters outside printable ASCII become '?', tabs spaces). Returns its length, -1 at the end. */
static int iseries_read_line(struct iseries_src *s, char *out, uint64_t *start)
{
	uint32_t step = s->wide ? 2u : 1u;
	if (s->pos + step > s->size)
		return -1;
	*start = s->pos;
	uint32_t n = 0;
	while (s->pos + step <= s->size) {
		uint32_t ch = s->p[s->pos];
		if (s->wide)
			ch |= (uint32_t)s->p[s->pos + 1] << 8;
		s->pos += step;
		if (ch == '\n')
			break;
		if (ch == '\r')
			continue;
		if (ch == '\t')
			ch = ' ';
		if (ch < 0x20 || ch > 0x7e)
			ch = '?';
		if (n < ISERIES_MAX_LINE - 1)
			out[n++] = (char)ch;
	}
	out[n] = 0;
	s->lineno++;
	return (int)n;
}

static uint32_t iseries_tokenize(const char *line, struct iseries_tok *t, uint32_t max)
{
	uint32_t n = 0;
	const char *q = line;
	while (*q && n < max) {
		while (*q == ' ')
			q++;
		if (!*q)
			break;
		const char *b = q;
		while (*q && *q != ' ')
			q++;
		t[n].s = b;
		t[n].n = (uint32_t)(q - b);
		n++;
	}
	return n;
}

static int iseries_tok_is(const struct iseries_tok *t, const char *w)
{
	size_t n = strlen(w);
	return t->n == n && memcmp(t->s, w, n) == 0;
}

/* The byte offset of the BOM-less text and whether it is UTF-16LE, or -1 if it does not look
 * like a trace printout ("COMMUNICATIONS TRACE" on its first line). */
static int iseries_detect(const uint8_t *p, uint64_t size, uint64_t *skip)
{
	int wide = 0;
	uint64_t off = 0;
	if (size >= 2 && p[0] == 0xff && p[1] == 0xfe) {
		wide = 1;
		off = 2;
	} else if (size >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		off = 3;
	} else if (size >= 4 && p[1] == 0 && p[3] == 0 && p[0] != 0) {
		wide = 1;
	}
	static const char want[] = "COMMUNICATIONS TRACE";
	uint32_t step = wide ? 2u : 1u, matched = 0, lead = 0;
	for (uint64_t i = off; i + step <= size && matched < sizeof want - 1; i += step) {
		uint32_t ch = p[i] | (wide ? (uint32_t)p[i + 1] << 8 : 0u);
		if (matched == 0 && (ch == ' ' || ch == '\r' || ch == '\n') && lead < 256) {
			lead++;
			continue;
		}
		if (ch != (uint8_t)want[matched])
			return -1;
		matched++;
	}
	if (matched < sizeof want - 1)
		return -1;
	*skip = off;
	return wide;
}

int iseries_file_probe(const uint8_t *p, uint64_t size)
{
	uint64_t skip;
	return iseries_detect(p, size, &skip) >= 0;
}

/* "MM/DD/YY" (or a 4-digit year) into *tm's date fields. */
static int iseries_parse_date(const struct iseries_tok *t, struct tm *tm)
{
	unsigned mo, d, y;
	char buf[16];
	if (t->n >= sizeof buf)
		return -1;
	memcpy(buf, t->s, t->n);
	buf[t->n] = 0;
	if (sscanf(buf, "%2u/%2u/%4u", &mo, &d, &y) != 3 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	if (t->n <= 8)
		y += y < 70 ? 2000u : 1900u;
	tm->tm_year = (int)y - 1900;
	tm->tm_mon = (int)mo - 1;
	tm->tm_mday = (int)d;
	return 0;
}

/* "HH:MM:SS[.frac]" into seconds of the day and nanoseconds; *digits gets the fraction's
 * digit count. */
static int iseries_parse_clock(const struct iseries_tok *t, int32_t *secs, uint32_t *nsec, uint8_t *digits)
{
	uint32_t f[3] = { 0, 0, 0 }, i = 0, k = 0;
	for (; k < 3; k++) {
		uint32_t nd = 0;
		while (i < t->n && t->s[i] >= '0' && t->s[i] <= '9' && nd < 2) {
			f[k] = f[k] * 10u + (uint32_t)(t->s[i] - '0');
			i++;
			nd++;
		}
		if (nd == 0)
			return -1;
		if (k < 2) {
			if (i >= t->n || t->s[i] != ':')
				return -1;
			i++;
		}
	}
	if (f[0] > 23 || f[1] > 59 || f[2] > 60)
		return -1;
	uint32_t frac = 0, nd = 0;
	if (i < t->n && t->s[i] == '.') {
		i++;
		while (i < t->n && t->s[i] >= '0' && t->s[i] <= '9') {
			if (nd < 9) {
				frac = frac * 10u + (uint32_t)(t->s[i] - '0');
				nd++;
			}
			i++;
		}
	}
	if (i != t->n)
		return -1;
	if (nd <= 6) {
		/* tshark 4.0 reads the fraction as a number and scales it up to six digits, leading
		 * zeros dropped: ".06266" is 0.626600 s (measured on a reference trace); do the same */
		for (uint32_t z = 0; frac && frac < 100000u && z < 6; z++)
			frac *= 10u;
		frac *= 1000u;
	} else {
		for (uint32_t z = nd; z < 9; z++)
			frac *= 10u;
	}
	*secs = (int32_t)(f[0] * 3600u + f[1] * 60u + f[2]);
	*nsec = frac;
	*digits = (uint8_t)nd;
	return 0;
}

static int iseries_grow(struct iseries *is, uint32_t need, uint64_t off, struct errbuf *e)
{
	if (need > ISERIES_MAX_BYTES)
		return err_set_at(e, ERR_LIMIT, off, "iSeries trace holds more than %u frame bytes", ISERIES_MAX_BYTES);
	if (need <= is->capbuf)
		return 0;
	uint32_t nc = is->capbuf ? is->capbuf : 65536u;
	while (nc < need)
		nc = nc > ISERIES_MAX_BYTES / 2 ? ISERIES_MAX_BYTES : nc * 2u;
	uint8_t *nb = realloc(is->buf, nc);
	if (!nb)
		return err_set(e, ERR_NOMEM, "out of memory");
	is->buf = nb;
	is->capbuf = nc;
	return 0;
}

/* Appends the hex tokens of `line` from `from` on to the open record, up to the first token
 * that starts with '*' (the character rendering of a data line). */
static int iseries_add_hex(struct iseries *is, struct iseries_cur *cur, const char *from, uint64_t lineno,
			   uint64_t off, struct errbuf *e)
{
	struct iseries_tok t[ISERIES_MAX_TOKENS];
	uint32_t nt = iseries_tokenize(from, t, ISERIES_MAX_TOKENS);
	for (uint32_t k = 0; k < nt; k++) {
		if (t[k].s[0] == '*')
			break;
		if (!iseries_all_hex(t[k].s, t[k].n) || (t[k].n & 1u))
			return err_set_at(e, ERR_CORRUPT, off, "iSeries trace line %llu: \"%.*s\" is not hex data",
					  (unsigned long long)lineno, (int)(t[k].n > 40 ? 40 : t[k].n), t[k].s);
		uint32_t nb = t[k].n / 2u;
		if (cur->rec.caplen + nb > CAPTURE_MAX_SNAP)
			return err_set_at(e, ERR_CORRUPT, off, "iSeries trace line %llu: record longer than %u bytes",
					  (unsigned long long)lineno, CAPTURE_MAX_SNAP);
		int rc = iseries_grow(is, is->nbuf + nb, off, e);
		if (rc < 0)
			return rc;
		for (uint32_t i = 0; i < nb; i++)
			is->buf[is->nbuf + i] = (uint8_t)(iseries_hex_val(t[k].s[2 * i]) << 4 | iseries_hex_val(t[k].s[2 * i + 1]));
		is->nbuf += nb;
		cur->rec.caplen += nb;
	}
	return 0;
}

static int iseries_close_record(struct iseries *is, struct iseries_cur *cur, struct errbuf *e)
{
	if (!cur->open)
		return 0;
	cur->open = 0;
	if (is->nrecs >= ISERIES_MAX_FRAMES)
		return err_set_at(e, ERR_LIMIT, cur->rec.offset, "iSeries trace holds more than %u records",
				  ISERIES_MAX_FRAMES);
	if (is->nrecs == is->caprecs) {
		uint32_t nc = is->caprecs ? is->caprecs * 2u : 256u;
		struct iseries_rec *nr = realloc(is->recs, (size_t)nc * sizeof *nr);
		if (!nr)
			return err_set(e, ERR_NOMEM, "out of memory");
		is->recs = nr;
		is->caprecs = nc;
	}
	uint64_t len = (uint64_t)ISERIES_ETH_HDR + cur->datalen;
	cur->rec.len = len < cur->rec.caplen ? cur->rec.caplen : (uint32_t)len;
	is->recs[is->nrecs++] = cur->rec;
	return 0;
}

/* A record line: number, S/R, data length, timer, [controller], destination and source MAC
 * (12 hex digits each), frame format and "Type: XXXX" for ETHV2 frames. Returns 1 if it is
 * one and opens the record, 0 if not, negative on error. */
static int iseries_open_record(struct iseries *is, struct iseries_cur *cur, const char *line, int64_t day,
			       int32_t start_secs, uint64_t lineno, uint64_t off, struct errbuf *e)
{
	struct iseries_tok t[ISERIES_MAX_TOKENS];
	uint32_t nt = iseries_tokenize(line, t, ISERIES_MAX_TOKENS);
	if (nt < 6 || !iseries_all_digits(t[0].s, t[0].n) || t[1].n != 1 || (t[1].s[0] != 'S' && t[1].s[0] != 'R') ||
	    !iseries_all_digits(t[2].s, t[2].n))
		return 0; /* also modem-change ("M") records, which carry no frame */
	int32_t secs = 0;
	uint32_t nsec = 0;
	uint8_t digits = 0;
	int64_t when;
	if (iseries_parse_clock(&t[3], &secs, &nsec, &digits) == 0) {
		when = day + secs;
	} else {
		/* the 100 ms relative timer: seconds since the trace start */
		uint32_t whole = 0, tenths = 0, i = 0, nd = 0;
		while (i < t[3].n && t[3].s[i] >= '0' && t[3].s[i] <= '9' && nd < 9) {
			whole = whole * 10u + (uint32_t)(t[3].s[i++] - '0');
			nd++;
		}
		if (nd == 0)
			return err_set_at(e, ERR_CORRUPT, off, "iSeries trace line %llu: bad record timer \"%.*s\"",
					  (unsigned long long)lineno, (int)(t[3].n > 20 ? 20 : t[3].n), t[3].s);
		if (i + 1 < t[3].n && t[3].s[i] == '.' && t[3].s[i + 1] >= '0' && t[3].s[i + 1] <= '9')
			tenths = (uint32_t)(t[3].s[i + 1] - '0');
		when = day + start_secs + whole;
		nsec = tenths * 100000000u;
		digits = 1;
	}
	uint32_t k = 4;
	while (k + 1 < nt && !(t[k].n == 12 && iseries_all_hex(t[k].s, 12) && t[k + 1].n == 12 &&
			       iseries_all_hex(t[k + 1].s, 12)))
		k++;
	if (k + 1 >= nt)
		return err_set_at(e, ERR_CORRUPT, off, "iSeries trace line %llu: record %.*s has no MAC addresses",
				  (unsigned long long)lineno, (int)t[0].n, t[0].s);
	int rc = iseries_close_record(is, cur, e);
	if (rc < 0)
		return rc;
	rc = iseries_grow(is, is->nbuf + ISERIES_ETH_HDR, off, e);
	if (rc < 0)
		return rc;
	memset(&cur->rec, 0, sizeof cur->rec);
	cur->rec.offset = off;
	cur->rec.data = is->nbuf;
	cur->rec.sec = when;
	cur->rec.nsec = nsec;
	cur->rec.digits = digits > 6 ? 9 : 6;
	cur->datalen = iseries_parse_uint(t[2].s, t[2].n);
	uint8_t *h = is->buf + is->nbuf;
	for (uint32_t i = 0; i < 6; i++) {
		h[i] = (uint8_t)(iseries_hex_val(t[k].s[2 * i]) << 4 | iseries_hex_val(t[k].s[2 * i + 1]));
		h[6 + i] = (uint8_t)(iseries_hex_val(t[k + 1].s[2 * i]) << 4 | iseries_hex_val(t[k + 1].s[2 * i + 1]));
	}
	/* ETHV2 frames carry "Type: XXXX"; others (802.3) get the data length */
	uint32_t type = cur->datalen > 0xffff ? 0xffff : cur->datalen;
	for (uint32_t j = k + 2; j + 1 < nt; j++)
		if (iseries_tok_is(&t[j], "Type:") && t[j + 1].n == 4 && iseries_all_hex(t[j + 1].s, 4)) {
			type = 0;
			for (uint32_t i = 0; i < 4; i++)
				type = type << 4 | iseries_hex_val(t[j + 1].s[i]);
			break;
		}
	h[12] = (uint8_t)(type >> 8);
	h[13] = (uint8_t)type;
	is->nbuf += ISERIES_ETH_HDR;
	cur->rec.caplen = ISERIES_ETH_HDR;
	cur->open = 1;
	cur->in_hex = 0;
	return 1;
}

/* The label of a "Label . . . :  value" line (dots and spaces trimmed) and where the value
 * starts, or NULL if the line has no colon. */
static const char *iseries_label(const char *line, char *label, size_t cap)
{
	const char *colon = strchr(line, ':');
	if (!colon)
		return NULL;
	const char *b = line;
	while (*b == ' ')
		b++;
	const char *end = colon;
	while (end > b && (end[-1] == ' ' || end[-1] == '.'))
		end--;
	size_t n = (size_t)(end - b);
	if (n >= cap)
		n = cap - 1;
	memcpy(label, b, n);
	label[n] = 0;
	return colon + 1;
}

static int iseries_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* Page headers repeat on every page and may split a record. */
static int iseries_page_line(const struct iseries_tok *t, uint32_t nt)
{
	return nt > 0 && (iseries_tok_is(&t[0], "COMMUNICATIONS") || iseries_tok_is(&t[0], "Record") ||
			  iseries_tok_is(&t[0], "Number") || t[0].s[0] == '-');
}

static int iseries_parse(struct capture *c, struct iseries *is, struct iseries_src *src, struct errbuf *e)
{
	char line[ISERIES_MAX_LINE];
	char label[64];
	struct iseries_cur cur;
	memset(&cur, 0, sizeof cur);
	int have_start = 0;
	int64_t day = 0;
	int32_t start_secs = 0;
	uint64_t off = 0;
	int n;
	/* every iteration consumes at least one character, so the loop ends with the file */
	while ((n = iseries_read_line(src, line, &off)) >= 0) {
		struct iseries_tok t[ISERIES_MAX_TOKENS];
		uint32_t nt = iseries_tokenize(line, t, ISERIES_MAX_TOKENS);
		if (nt == 0)
			continue;
		const char *val = iseries_label(line, label, sizeof label);
		if (!have_start && val && strcmp(label, "Object protocol") == 0) {
			struct iseries_tok v[2];
			if (iseries_tokenize(val, v, 2) >= 1 && !iseries_tok_is(&v[0], "ETHERNET"))
				return err_set_at(e, ERR_FORMAT, off, "iSeries trace of object protocol \"%.*s\" is not supported",
						  (int)(v[0].n > 20 ? 20 : v[0].n), v[0].s);
			continue;
		}
		if (!have_start && val && strcmp(label, "Start date/Time") == 0) {
			struct iseries_tok v[3];
			struct tm tm;
			memset(&tm, 0, sizeof tm);
			uint32_t nsec;
			uint8_t dg;
			if (iseries_tokenize(val, v, 3) < 2 || iseries_parse_date(&v[0], &tm) < 0 ||
			    iseries_parse_clock(&v[1], &start_secs, &nsec, &dg) < 0)
				return err_set_at(e, ERR_FORMAT, off, "iSeries trace line %llu: bad start date/time",
						  (unsigned long long)src->lineno);
			/* local time, as the trace prints it and as wiretap reads it */
			tm.tm_isdst = -1;
			time_t t0 = mktime(&tm);
			if (t0 == (time_t)-1)
				return err_set_at(e, ERR_FORMAT, off, "iSeries trace line %llu: start date out of range",
						  (unsigned long long)src->lineno);
			day = (int64_t)t0;
			have_start = 1;
			continue;
		}
		if (!have_start)
			continue;
		int rc = iseries_open_record(is, &cur, line, day, start_secs, src->lineno, off, e);
		if (rc < 0)
			return rc;
		if (rc > 0 || !cur.open)
			continue;
		if (iseries_page_line(t, nt))
			continue;
		if (val && (iseries_ends_with(label, "Header") ||
			    (strcmp(label, "IP Options") == 0 && !strstr(val, "NONE")) ||
			    strncmp(label, "Data", 4) == 0)) {
			rc = iseries_add_hex(is, &cur, val, src->lineno, off, e);
			if (rc < 0)
				return rc;
			cur.in_hex = 1;
			continue;
		}
		if (cur.in_hex && t[0].s[0] != '*' && iseries_all_hex(t[0].s, t[0].n)) {
			rc = iseries_add_hex(is, &cur, line, src->lineno, off, e);
			if (rc < 0)
				return rc;
			continue;
		}
		cur.in_hex = 0;
	}
	if (!have_start)
		return err_set_at(e, ERR_FORMAT, 0, "iSeries trace has no \"Start date/Time\" line");
	(void)c;
	return iseries_close_record(is, &cur, e);
}

int iseries_file_open(struct capture *c, struct errbuf *e)
{
	uint64_t skip = 0;
	int wide = iseries_detect(c->map, c->size, &skip);
	if (wide < 0)
		return err_set_at(e, ERR_FORMAT, 0, "not an iSeries communications trace");
	struct iseries *is = calloc(1, sizeof *is);
	if (!is)
		return err_set(e, ERR_NOMEM, "out of memory");
	c->iseries = is;
	struct iseries_src src = { c->map, c->size, skip, wide, 0 };
	int rc = iseries_parse(c, is, &src, e);
	if (rc < 0) {
		if (is->nrecs == 0)
			return rc;
		is->tail_rc = rc;  /* the frames before the error are still yielded */
		is->tail = *e;
	}
	c->linktype = LT_ETHERNET;
	return 0;
}

int iseries_file_next(struct capture *c, struct frame *f, struct errbuf *e)
{
	struct iseries *is = c->iseries;
	if (!is)
		return 0;
	if (is->next >= is->nrecs) {
		int rc = is->tail_rc;
		is->tail_rc = 0;
		if (rc < 0 && e)
			*e = is->tail;
		return rc;
	}
	const struct iseries_rec *r = &is->recs[is->next++];
	f->data = is->buf + r->data;
	f->caplen = r->caplen;
	f->len = r->len;
	f->ts_sec = r->sec;
	f->ts_nsec = r->nsec;
	f->ts_digits = r->digits;
	f->linktype = LT_ETHERNET;
	f->ifindex = 0;
	f->offset = r->offset;
	return 1;
}

void iseries_file_free(struct capture *c)
{
	if (!c->iseries)
		return;
	free(c->iseries->buf);
	free(c->iseries->recs);
	free(c->iseries);
	c->iseries = NULL;
}
