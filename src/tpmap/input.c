/* SPDX-License-Identifier: MIT */
/*
 * Input sources: records are read with read(2) into a buffer that is
 * compacted rather than grown, so the first source streams in constant
 * memory; every other source is read whole, because the cartesian product
 * visits its records again and again.  Each record may be split into
 * columns (--colsep, a Perl-style regex that perlre.c translates to a
 * POSIX ERE, or --csv, whose fields csv.c parses), trimmed, and the
 * sources are combined as GNU parallel does.  This file neither skips
 * empty records (-r) nor groups records into jobs (-n, -L): the caller
 * does.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "input.h"
#include "perlre.h"
#include "util.h"

/* What one read(2) asks for at least.  The read buffer stays near twice
 * this size unless a single record is longer.  The fuzz build (make fuzz)
 * makes it tiny, so that records cross refills in a small input. */
#ifndef READ_SIZE
#define READ_SIZE	65536
#endif

/* A field kept in memory: data.p + off, len bytes.  An offset rather
 * than a pointer because data grows while records are added. */
struct span {
	size_t off;
	size_t len;
};

struct reader {
	const char *name;	/* for messages */
	int fd;			/* -1 once nothing more can be read */
	int close_fd;		/* fd was opened here */
	int done;		/* the -E string was seen: no more records */
	struct buf b;		/* unreturned bytes are b.p[off, b.len) */
	size_t off;
	unsigned long long nrec;	/* records returned, for messages */
};

struct src {
	struct reader rd;
	size_t group;		/* sources linked together share a group */
	struct buf work;	/* unquoted --csv fields of the record */
	struct fieldv cur;	/* the record just read (first source) */
	/* Records held in memory: every source but the first, and the
	 * first as far as --link may have to recycle it. */
	struct buf data;
	struct span *sp;
	size_t nsp;
	size_t spcap;
	size_t *rec;		/* record i is sp[rec[i], rec[i + 1]) */
	size_t nrec;
	size_t reccap;
};

enum state {
	ST_START,
	ST_RUN,
	ST_END
};

struct input {
	struct src *src;
	size_t nsrc;
	size_t ngroups;
	size_t *glen;		/* rows of each group (not group 0) */
	size_t *idx;		/* the current row of each group */
	int link;
	const char *delim;
	size_t dlen;
	const char *eof_str;	/* NULL: -E not in effect */
	size_t eof_len;
	int crnl_check;
	int trim_l;
	int trim_r;
	int csv;
	char csv_sep;
	int have_re;
	struct perlre re;		/* --colsep, or the --header tab */
	char **names;
	size_t nnames;
	unsigned ncr;		/* CR-NL warning: records that end in CR */
	unsigned nnl;		/* ... and records that do not */
	enum state state;
	size_t row0;		/* rows of group 0 so far */
	size_t limit0;		/* rows group 0 may have (SIZE_MAX: any) */
	int src0_eof;
	int s0_stored;		/* the first source's fields are stored ... */
	size_t s0_rec;		/* ... as this record (--link recycling) */
	int others_nonempty;
	struct fieldv out;
};

static void
fv_append(struct fieldv *v, const struct fieldv *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		fv_add(v, w->f[i].s, w->f[i].len);
}

static void
trim_fields(struct input *in, struct fieldv *v, size_t first)
{
	struct field *f;
	size_t i;

	for (i = first; i < v->n; i++) {
		f = &v->f[i];
		if (in->trim_l)
			while (f->len > 0 && strchr(PERL_SPACE, *f->s) != NULL &&
			    *f->s != '\0') {
				f->s++;
				f->len--;
			}
		if (in->trim_r)
			while (f->len > 0 && f->s[f->len - 1] != '\0' &&
			    strchr(PERL_SPACE, f->s[f->len - 1]) != NULL)
				f->len--;
	}
}

/* Turn a record into the source's fields (appended to v).  Returns 0, or
 * -1 after a message for a malformed --csv record. */
static int
rec_fields(struct input *in, struct src *sr, char *rec, size_t len,
    struct fieldv *v)
{
	const char *why;
	size_t first = v->n;

	/* GNU parallel gives an empty record one empty column without
	 * splitting or parsing it. */
	if (len == 0 || (!in->csv && !in->have_re)) {
		fv_add(v, rec, len);
	} else if (in->csv) {
		/* XXX: GNU parallel (Text::CSV) rejects a record that ends
		 * in CR; RFC 4180 ends lines in CR-LF, so drop it. */
		if (rec[len - 1] == '\r')
			len--;
		if (csv_parse(rec, len, in->csv_sep, &sr->work, v,
		    &why) != 0) {
			msg_warnx("%s: record %llu: malformed CSV: %s",
			    sr->rd.name, sr->rd.nrec, why);
			return -1;
		}
	} else {
		perlre_split(&in->re, rec, len, v, 1);
	}
	trim_fields(in, v, first);
	return 0;
}

/* GNU parallel warns once when the first three records it reads (without
 * -d or -0) all end in CR, which usually means a DOS file. */
static void
crnl_note(struct input *in, const char *line, size_t len)
{
	if (!in->crnl_check)
		return;
	if (len > 0 && line[len - 1] == '\r')
		in->ncr++;
	else
		in->nnl++;
	if (in->ncr == 3 || in->nnl == 3) {
		in->crnl_check = 0;
		if (in->nnl == 0)
			msg_warnx("warning: the first three values end in CR-NL; "
			    "consider using -d \"\\r\\n\"");
	}
}

static int
is_eof_str(const struct input *in, const char *line, size_t len)
{
	return in->eof_str != NULL && len == in->eof_len &&
	    memcmp(line, in->eof_str, len) == 0;
}

/* Where the delimiter first occurs in p[0, n), or n. */
static size_t
find_delim(const struct input *in, const char *p, size_t n)
{
	const char *q, *end = p + n;
	size_t dlen = in->dlen;

	if (n < dlen)
		return n;
	for (q = p; (q = memchr(q, in->delim[0], (size_t)(end - q))) != NULL;
	    q++) {
		if ((size_t)(end - q) < dlen)
			break;
		if (dlen == 1 || memcmp(q + 1, in->delim + 1, dlen - 1) == 0)
			return (size_t)(q - p);
	}
	return n;
}

static void
rd_close(struct reader *r)
{
	if (r->close_fd && r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

/* Read more bytes after the unreturned ones, moving those to the front
 * first: the buffer grows only when one record fills it.  Returns 1, 0 at
 * the end of the file, -1 after a message. */
static int
rd_fill(struct reader *r)
{
	struct pollfd pfd;
	ssize_t n;

	if (r->fd < 0)
		return 0;
	if (r->off > 0) {
		memmove(r->b.p, r->b.p + r->off, r->b.len - r->off);
		r->b.len -= r->off;
		r->off = 0;
	}
	buf_grow(&r->b, READ_SIZE);
	for (;;) {
		n = read(r->fd, r->b.p + r->b.len, r->b.cap - r->b.len - 1);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			/* An inherited non-blocking descriptor: wait for
			 * data rather than fail. */
			pfd.fd = r->fd;
			pfd.events = POLLIN;
			if (poll(&pfd, 1, -1) >= 0 || errno == EINTR)
				continue;
		}
		msg_warn("%s", r->name);
		return -1;
	}
	if (n == 0) {
		rd_close(r);
		return 0;
	}
	r->b.len += (size_t)n;
	r->b.p[r->b.len] = '\0';
	return 1;
}

/*
 * The next record of r, without its delimiter, at *recp for *lenp bytes;
 * valid (and writable) until the next call.  With --csv a record goes on
 * over delimiters while its count of quotes is odd, as GNU parallel joins
 * lines: the delimiters inside stay.  -E ends the input at a record (with
 * --csv, a line completing a record) equal to its string.  raw reads the
 * header: one line, no -E, no --csv joining.  Returns 1, 0 at the end, -1
 * after a message.
 */
static int
rd_next(struct input *in, struct reader *r, char **recp, size_t *lenp,
    int raw)
{
	char *base;
	size_t avail, lstart = 0, scan = 0, d, i, nq;
	int half = 0, rc, complete;

	if (r->done)
		return 0;
	/* A buffer never filled is NULL, and even NULL + 0 is undefined
	 * (clang's -fsanitize=undefined reports it). */
	buf_grow(&r->b, 0);
	/* Offsets are relative to r->off, as rd_fill moves the bytes. */
	for (;;) {
		base = r->b.p + r->off;
		avail = r->b.len - r->off;
		d = scan + find_delim(in, base + scan, avail - scan);
		complete = d < avail;
		if (!complete) {
			/* Only the last dlen - 1 bytes can start a delimiter
			 * that more data completes. */
			if (avail - scan >= in->dlen)
				scan = avail - in->dlen + 1;
			if ((rc = rd_fill(r)) < 0)
				return -1;
			if (rc > 0)
				continue;
			/* End of file: a last record without delimiter. */
			base = r->b.p + r->off;
			if (avail == lstart) {
				if (lstart == 0)
					return 0;
				/* A --csv record open at the end: what was
				 * read, minus its last delimiter. */
				*recp = base;
				*lenp = lstart - in->dlen;
				r->off = r->b.len;
				r->nrec++;
				return 1;
			}
		}
		if (raw) {
			r->off += complete ? d + in->dlen : avail;
			*recp = base;
			*lenp = d;
			r->nrec++;
			return 1;
		}
		crnl_note(in, base + lstart, d - lstart);
		if (in->csv) {
			for (i = lstart, nq = 0; i < d; i++)
				nq += base[i] == '"';
			if (nq % 2)
				half = !half;
			if (half && complete) {
				lstart = scan = d + in->dlen;
				continue;
			}
		}
		r->off += complete ? d + in->dlen : avail;
		if (!half && is_eof_str(in, base + lstart, d - lstart)) {
			r->done = 1;
			rd_close(r);
			if (lstart == 0)
				return 0;
			d = lstart - in->dlen;
		}
		*recp = base;
		*lenp = d;
		r->nrec++;
		return 1;
	}
}

static int
rd_open(struct reader *r, const struct input_source *s,
    const struct input_opts *o)
{
	size_t i, dlen = o->delim != NULL ? o->delimlen : 1;
	const char *delim = o->delim != NULL ? o->delim : "\n";

	r->fd = -1;
	switch (s->kind) {
	case INPUT_WORDS:
		/* GNU parallel writes ::: arguments to a file, each
		 * followed by the delimiter, and reads that back like any
		 * input: an argument holding the delimiter is several
		 * records, and -E, --csv and --header apply.  Same here. */
		r->name = ":::";
		for (i = 0; i < s->nwords; i++) {
			buf_adds(&r->b, s->words[i]);
			buf_add(&r->b, delim, dlen);
		}
		buf_grow(&r->b, 0);
		return 0;
	case INPUT_FILE:
		if (strcmp(s->path, "-") != 0) {
			r->name = s->path;
			while ((r->fd = open(s->path, O_RDONLY | O_CLOEXEC)) < 0)
				if (errno != EINTR) {
					msg_warn("%s", s->path);
					return -1;
				}
			r->close_fd = 1;
			return 0;
		}
		/* FALLTHROUGH */
	case INPUT_STDIN:
	default:
		r->name = "stdin";
		r->fd = STDIN_FILENO;
		return 0;
	}
}

/* Keep a record's fields in memory. */
static void
src_store(struct src *sr, const struct fieldv *v)
{
	size_t i;

	if (sr->nrec + 2 > sr->reccap) {
		sr->reccap = sr->reccap ? 2 * sr->reccap : 16;
		sr->rec = xreallocarray(sr->rec, sr->reccap, sizeof(*sr->rec));
	}
	if (sr->nrec == 0)
		sr->rec[0] = 0;
	for (i = 0; i < v->n; i++) {
		if (sr->nsp == sr->spcap) {
			sr->spcap = sr->spcap ? 2 * sr->spcap : 16;
			sr->sp = xreallocarray(sr->sp, sr->spcap,
			    sizeof(*sr->sp));
		}
		sr->sp[sr->nsp].off = sr->data.len;
		sr->sp[sr->nsp].len = v->f[i].len;
		sr->nsp++;
		buf_add(&sr->data, v->f[i].s, v->f[i].len);
	}
	sr->rec[++sr->nrec] = sr->nsp;
}

/* Append stored record i of sr to v. */
static void
src_emit(const struct src *sr, size_t i, struct fieldv *v)
{
	size_t k;

	for (k = sr->rec[i]; k < sr->rec[i + 1]; k++)
		fv_add(v, sr->data.p + sr->sp[k].off, sr->sp[k].len);
}

/* Read the next record of sr into sr->cur.  Returns 1, 0, -1. */
static int
src_next(struct input *in, struct src *sr)
{
	char *rec;
	size_t len;
	int rc;

	sr->cur.n = 0;
	if ((rc = rd_next(in, &sr->rd, &rec, &len, 0)) <= 0)
		return rc;
	return rec_fields(in, sr, rec, len, &sr->cur) == 0 ? 1 : -1;
}

static int
src_load(struct input *in, struct src *sr)
{
	int rc;

	while ((rc = src_next(in, sr)) > 0)
		src_store(sr, &sr->cur);
	rd_close(&sr->rd);
	buf_free(&sr->rd.b);
	buf_free(&sr->work);
	return rc;
}

/* The --header line of a source: chomped, a CR dropped, split like
 * Perl's split without limit (no trailing empty names). */
static int
src_header(struct input *in, struct src *sr)
{
	struct fieldv v = { 0 };
	char *rec;
	size_t len, i;
	int rc;

	if ((rc = rd_next(in, &sr->rd, &rec, &len, 1)) <= 0)
		return rc;
	if (len > 0 && rec[len - 1] == '\r')
		len--;
	perlre_split(&in->re, rec, len, &v, 0);
	in->names = xreallocarray(in->names, in->nnames + v.n + 1,
	    sizeof(*in->names));
	for (i = 0; i < v.n; i++)
		in->names[in->nnames++] = xmemdup(v.f[i].s, v.f[i].len);
	in->names[in->nnames] = NULL;
	free(v.f);
	return 0;
}

int
input_open(struct input **inp, const struct input_opts *o)
{
	static const struct input_source stdin_src = { INPUT_STDIN, NULL,
	    NULL, 0, 0 };
	const struct input_source *srcs = o->sources;
	struct input *in;
	const char *pat, *end;
	char msg[256];
	size_t i, g, n = o->nsources;
	int c;

	in = xcalloc(1, sizeof(*in));
	*inp = NULL;
	if (n == 0) {
		srcs = &stdin_src;
		n = 1;
	}
	in->nsrc = n;
	in->src = xcalloc(n, sizeof(*in->src));
	for (i = 0; i < n; i++)
		in->src[i].rd.fd = -1;
	in->link = o->link;
	in->delim = o->delim != NULL ? o->delim : "\n";
	in->dlen = o->delim != NULL ? o->delimlen : 1;
	/* Perl's truth: GNU parallel ignores -E '' and -E 0. */
	if (o->eof_str != NULL && strcmp(o->eof_str, "") != 0 &&
	    strcmp(o->eof_str, "0") != 0) {
		in->eof_str = o->eof_str;
		in->eof_len = strlen(o->eof_str);
	}
	in->crnl_check = o->delim == NULL;
	/* --colsep makes --trim lr the default; --trim n turns it off. */
	if (o->trim != NULL) {
		in->trim_l = strchr(o->trim, 'l') != NULL;
		in->trim_r = strchr(o->trim, 'r') != NULL;
	} else if (o->colsep != NULL) {
		in->trim_l = in->trim_r = 1;
	}
	in->csv = o->csv;
	if (o->csv) {
		/* Text::CSV takes one separator character: the first of
		 * --colsep.  A leading escape such as \t is decoded, where
		 * GNU parallel would take the backslash. */
		pat = o->colsep != NULL ? o->colsep : ",";
		if (pat[0] == '\\' && (c = perlre_esc_byte(pat + 1, &end)) > 0)
			in->csv_sep = (char)c;
		else
			in->csv_sep = pat[0];
		if (in->csv_sep == '\0' || in->csv_sep == '"') {
			msg_warnx("--colsep '%s': not a CSV separator", pat);
			goto fail;
		}
	}
	/* --header without --colsep splits names (and records) at tabs. */
	if ((o->colsep != NULL && !o->csv) || o->header) {
		pat = o->colsep != NULL ? o->colsep : o->csv ? "," : "\t";
		if (perlre_compile(&in->re, pat, msg, sizeof(msg)) != 0) {
			msg_warnx("--colsep '%s': %s", pat, msg);
			goto fail;
		}
		in->have_re = 1;
	}

	/* Groups: --link puts every source in one; otherwise :::+ and
	 * ::::+ join a source to the group before it. */
	for (i = 0, g = 0; i < n; i++) {
		if (i > 0 && !in->link && !srcs[i].linked)
			g++;
		in->src[i].group = g;
	}
	in->ngroups = g + 1;
	in->glen = xcalloc(in->ngroups, sizeof(*in->glen));
	in->idx = xcalloc(in->ngroups, sizeof(*in->idx));

	for (i = 0; i < n; i++)
		if (rd_open(&in->src[i].rd, &srcs[i], o) != 0)
			goto fail;
	if (o->header)
		for (i = 0; i < n; i++)
			if (src_header(in, &in->src[i]) < 0)
				goto fail;
	for (i = 1; i < n; i++) {
		if (src_load(in, &in->src[i]) < 0)
			goto fail;
		if (in->src[i].nrec > 0)
			in->others_nonempty = 1;
	}
	/* With several sources GNU parallel makes an empty one a single
	 * empty argument (unless all are empty). */
	for (i = 1; i < n; i++)
		if (in->src[i].nrec == 0) {
			in->src[i].cur.n = 0;
			fv_add(&in->src[i].cur, "", 0);
			src_store(&in->src[i], &in->src[i].cur);
		}
	/* Rows: a --link group recycles its shorter sources up to the
	 * longest; a :::+ group stops at its shortest. */
	for (g = 0; g < in->ngroups; g++)
		in->glen[g] = in->link ? 0 : SIZE_MAX;
	for (i = 1; i < n; i++) {
		g = in->src[i].group;
		if (in->link) {
			if (in->src[i].nrec > in->glen[g])
				in->glen[g] = in->src[i].nrec;
		} else if (in->src[i].nrec < in->glen[g]) {
			in->glen[g] = in->src[i].nrec;
		}
	}
	in->limit0 = in->glen[0];
	*inp = in;
	return 0;
fail:
	input_free(in);
	return -1;
}

void
input_free(struct input *in)
{
	struct src *sr;
	size_t i;

	if (in == NULL)
		return;
	for (i = 0; i < in->nsrc; i++) {
		sr = &in->src[i];
		rd_close(&sr->rd);
		buf_free(&sr->rd.b);
		buf_free(&sr->work);
		free(sr->cur.f);
		buf_free(&sr->data);
		free(sr->sp);
		free(sr->rec);
	}
	free(in->src);
	free(in->glen);
	free(in->idx);
	if (in->have_re)
		perlre_free(&in->re);
	for (i = 0; i < in->nnames; i++)
		free(in->names[i]);
	free(in->names);
	free(in->out.f);
	free(in);
}

char *const *
input_colnames(struct input *in, size_t *n)
{
	*n = in->nnames;
	return in->nnames > 0 ? in->names : NULL;
}

/*
 * Advance group 0, whose first source is streamed.  Returns 1, 0 at the
 * end, -1 on error.
 */
static int
row0_next(struct input *in)
{
	struct src *s0 = &in->src[0];
	size_t row = in->row0;
	int rc;

	in->s0_stored = 0;
	if (in->link) {
		/* The other sources may outlast the first, which must
		 * then be recycled: keep its records while they may be. */
		if (!in->src0_eof) {
			if ((rc = src_next(in, s0)) < 0)
				return -1;
			if (rc == 0)
				in->src0_eof = 1;
			else if (row < in->limit0)
				src_store(s0, &s0->cur);
		}
		if (in->src0_eof) {
			if (row >= in->limit0 ||
			    (s0->nrec == 0 && !in->others_nonempty))
				return 0;
			if (s0->nrec == 0) {
				/* limit0 > 0: another source is not empty */
				s0->cur.n = 0;
				fv_add(&s0->cur, "", 0);
				src_store(s0, &s0->cur);
			}
			in->s0_stored = 1;
			in->s0_rec = row % s0->nrec;
		}
	} else {
		if (row >= in->limit0)
			return 0;
		if ((rc = src_next(in, s0)) < 0)
			return -1;
		if (rc == 0) {
			if (row > 0 || !in->others_nonempty)
				return 0;
			/* An empty first source among others: one empty
			 * argument, as for the others. */
			in->limit0 = 1;
			fv_add(&s0->cur, "", 0);
		}
	}
	in->row0++;
	return 1;
}

int
input_next(struct input *in, const struct field **fp, size_t *ncols)
{
	struct src *sr;
	size_t i, g, row;
	int rc;

	switch (in->state) {
	case ST_END:
		return 0;
	case ST_START:
		in->state = ST_RUN;
		break;
	case ST_RUN:
		/* An odometer over the groups after the first, the last
		 * turning fastest: the cartesian product in GNU parallel's
		 * order. */
		for (g = in->ngroups - 1; g > 0; g--) {
			if (++in->idx[g] < in->glen[g])
				break;
			in->idx[g] = 0;
		}
		if (g > 0)
			goto emit;
		break;
	}
	if ((rc = row0_next(in)) <= 0) {
		in->state = ST_END;
		return rc;
	}
emit:
	in->out.n = 0;
	row = in->row0 - 1;
	for (i = 0; i < in->nsrc; i++) {
		sr = &in->src[i];
		if (i == 0 && in->s0_stored)
			src_emit(sr, in->s0_rec, &in->out);
		else if (i == 0)
			fv_append(&in->out, &sr->cur);
		else if (in->link)
			src_emit(sr, row % sr->nrec, &in->out);
		else if (sr->group == 0)
			src_emit(sr, row, &in->out);
		else
			src_emit(sr, in->idx[sr->group], &in->out);
	}
	*fp = in->out.f;
	*ncols = in->out.n;
	return 1;
}
