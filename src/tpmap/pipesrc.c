/* SPDX-License-Identifier: MIT */
/*
 * The job sources of --pipe and --pipepart: each job is a block of input
 * that ends at a record boundary, given to the job as its stdin.
 *
 * --pipe reads stdin into a buffer as GNU parallel does: up to the next
 * multiple of --block bytes, then cuts it after the last record end
 * (--recend followed by --recstart), looking backwards from the end of
 * the buffer so that only the bytes near the cut are searched; what
 * follows the cut starts the next buffer.  With -N the buffer is cut
 * after every N records, with -L after the last whole group of L lines.
 * A buffer without a record end grows the block by 30% (GNU's warning
 * says so); the end of the input is always the end of the last block.
 * The buffer itself becomes the job's block, so each byte is copied once,
 * from the kernel into the buffer; only the short rest after the cut is
 * moved into the next one.
 *
 * --pipepart never reads the files through tpmap: it finds the cut
 * points by reading a little after every --block bytes, and each job's
 * block is a byte range of the file, which the worker splices into the
 * job's stdin.
 *
 * --cat and --fifo give the block as a file or a named pipe instead, made
 * here with the job (jobin.c), so that its name is the job's {}.
 *
 * --round-robin deals this source's blocks to running jobs (spread.c).
 * Not here: --group-by.
 */
#define _GNU_SOURCE	/* memrchr, memmem */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jobin.h"
#include "perlre.h"
#include "source.h"
#include "util.h"

/* GNU parallel grows a block up to 2 GiB - 1 for a long record. */
#define BLOCK_MAX 2147483647UL

/* What --pipepart reads at a time to find a cut point. */
#define PART_CHUNK (128 * 1024)

/* The first window searched backwards for a regex record end; it grows
 * 4 times over while it holds none. */
#define RE_WINDOW (64 * 1024)

/* How records are told apart: --recend followed by --recstart, as
 * strings (with \n \t \r \0 \\ \' \" escapes) or, with --regexp, as a
 * regex whose first group is the record end. */
struct recsep {
	struct buf start, end, both;
	int regexp;
	int endgroup;		/* the cut is after group 1 (the end) */
	struct perlre re;
};

/* --header: a regex, or a number of lines (':' is one). */
struct header {
	size_t nlines;
	int isre;
	struct perlre re;
	char *head;		/* what it matched, owned */
	size_t len;
};

/* --pipe: blocks of stdin. */
struct pipesrc {
	struct source s;	/* first: a struct source * is one */
	const struct tpmap_opts *o;
	struct recsep rs;
	struct header h;
	int fd;
	char *buf;
	size_t len, cap;
	size_t bs;		/* the block size, grown for long records */
	size_t nrec;		/* -N (times -L): records per job, or 0 */
	size_t lines;		/* -L alone: lines per job, or 0 */
	struct blockpool *pool;	/* the blocks' buffers */
	int eof;		/* the last read returned 0 */
	int passing;		/* cutting the buffer just read */
	int written;		/* a block was cut from it */
	unsigned long long seq;
};

/* GNU parallel's escapes in a --recend or --recstart string. */
static void
rec_unescape(struct buf *b, const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++) {
		if (*p != '\\' || strchr("0rnt'\"\\", p[1]) == NULL ||
		    p[1] == '\0') {
			buf_addc(b, *p);
			continue;
		}
		p++;
		buf_addc(b, *p == '0' ? '\0' : *p == 'r' ? '\r' :
		    *p == 'n' ? '\n' : *p == 't' ? '\t' : *p);
	}
}

/* Set rs from the options; -1 after a message. */
static int
recsep_init(struct recsep *rs, const struct tpmap_opts *o)
{
	const char *start = o->recstart, *end = o->recend;
	struct buf pat = { 0 };
	char msg[256];
	int rc = 0;

	memset(rs, 0, sizeof(*rs));
	/* Given one, the other matches anywhere; given none, a record is
	 * a line. */
	if (start == NULL)
		start = "";
	if (end == NULL)
		end = o->recstart != NULL ? "" : "\n";
	rs->regexp = o->regexp;
	if (!rs->regexp) {
		rec_unescape(&rs->start, start);
		rec_unescape(&rs->end, end);
		buf_add(&rs->both, rs->end.p, rs->end.len);
		buf_add(&rs->both, rs->start.p, rs->start.len);
		return 0;
	}
#ifdef REG_STARTEND
	rs->endgroup = *end != '\0';
	if (rs->endgroup) {
		buf_adds(&pat, "(");
		buf_adds(&pat, end);
		buf_adds(&pat, ")");
	}
	buf_adds(&pat, start);
	buf_addc(&pat, '\0');
	if (pat.len == 1) {
		msg_warnx("--regexp: --recend and --recstart are both empty");
		rc = -1;
	} else if (perlre_compile_flags(&rs->re, pat.p,
	    REG_EXTENDED | REG_NEWLINE, msg, sizeof(msg)) != 0) {
		msg_warnx("--recend '%s' --recstart '%s': %s", end, start, msg);
		rc = -1;
	}
#else
	/* XXX: blocks hold any byte, NUL included: without REG_STARTEND
	 * the regex would stop at the first NUL. */
	msg_warnx("--regexp is not supported on this system");
	rc = -1;
#endif
	buf_free(&pat);
	return rc;
}

static void
recsep_release(struct recsep *rs)
{
	if (rs->regexp && rs->re.m != NULL)
		perlre_free(&rs->re);
	buf_free(&rs->start);
	buf_free(&rs->end);
	buf_free(&rs->both);
}

#ifdef REG_STARTEND
/* The first regex record end in p[from..to): 1 with the match's start in
 * *at and the cut in *cut, else 0. */
static int
re_find(struct recsep *rs, const char *p, size_t from, size_t to,
    size_t *at, size_t *cut)
{
	regmatch_t *m = rs->re.m;

	m[0].rm_so = (regoff_t)from;
	m[0].rm_eo = (regoff_t)to;
	if (regexec(&rs->re.re, p, rs->re.nm, m,
	    REG_STARTEND | (from > 0 ? REG_NOTBOL : 0)) != 0)
		return 0;
	*at = (size_t)m[0].rm_so;
	*cut = rs->endgroup ? (size_t)m[1].rm_eo : (size_t)m[0].rm_so;
	return 1;
}
#else
static int
re_find(struct recsep *rs, const char *p, size_t from, size_t to,
    size_t *at, size_t *cut)
{
	(void)rs; (void)p; (void)from; (void)to; (void)at; (void)cut;
	return 0;
}
#endif

/* The first record end at or after from in p[0..len): 1 with where it
 * starts in *at and the cut after it in *cut, or 0 when there is none. */
static int
sep_next(struct recsep *rs, const char *p, size_t len, size_t from,
    size_t *at, size_t *cut)
{
	const char *q;

	if (rs->regexp)
		return from < len && re_find(rs, p, from, len, at, cut);
	if (rs->both.len == 0) {
		*at = *cut = from;
		return from <= len;
	}
	if (from >= len || (q = memmem(p + from, len - from, rs->both.p,
	    rs->both.len)) == NULL)
		return 0;
	*at = (size_t)(q - p);
	*cut = *at + rs->end.len;
	return 1;
}

/* The cut after the last record end in p[0..len), searching backwards
 * from the end: 0 when there is none. */
static size_t
sep_last(struct recsep *rs, const char *p, size_t len)
{
	const char *q;
	size_t i, lo, w, at, cut, best;

	if (rs->regexp) {
		for (w = RE_WINDOW;; w *= 4) {
			lo = len > w ? len - w : 0;
			best = 0;
			for (i = lo; i < len &&
			    re_find(rs, p, i, len, &at, &cut); i = at + 1)
				best = cut;
			if (best > 0 || lo == 0)
				return best;
		}
	}
	if (rs->both.len == 0)
		return len;
	if (len < rs->both.len)
		return 0;
	/* The last byte of the separator, then the rest before it. */
	for (i = len; (q = memrchr(p, rs->both.p[rs->both.len - 1], i)) !=
	    NULL; i = (size_t)(q - p)) {
		at = (size_t)(q - p) + 1;
		if (at >= rs->both.len && memcmp(p + at - rs->both.len,
		    rs->both.p, rs->both.len) == 0)
			return at - rs->both.len + rs->end.len;
	}
	return 0;
}

/* The cut after the n-th record end, counting from offset 1 as GNU
 * parallel does (a separator at the very start ends no record): 0 when
 * there are fewer. */
static size_t
sep_nth(struct recsep *rs, const char *p, size_t len, size_t n)
{
	size_t at = 0, cut = 0;

	while (n-- > 0)
		if (!sep_next(rs, p, len, at + 1, &at, &cut))
			return 0;
	return cut;
}

/* -L alone: the cut after the last whole group of l lines, 0 if none. */
static size_t
lines_cut(const char *p, size_t len, size_t l)
{
	const char *q = p, *end = p + len;
	size_t n = 0, drop;

	while ((q = memchr(q, '\n', (size_t)(end - q))) != NULL) {
		n++;
		q++;
	}
	if (n < l)
		return 0;
	q = end;
	for (drop = n % l + 1; drop > 0; drop--)
		q = memrchr(p, '\n', (size_t)(q - p));
	return (size_t)(q - p) + 1;
}

/* --rrs: drop the record separators from a block, as GNU parallel does:
 * every end-and-start, then a start at the beginning and an end at the
 * end.  Returns the new length. */
static size_t
rrs_apply(struct recsep *rs, char *p, size_t len)
{
	size_t r = 0, w = 0, at, cut, from;

	if (rs->regexp) {
		for (from = 0; from < len &&
		    re_find(rs, p, from, len, &at, &cut); from = r) {
			memmove(p + w, p + from, at - from);
			w += at - from;
			r = (size_t)rs->re.m[0].rm_eo;
			if (r == at)
				r++;	/* an empty match removes nothing */
		}
		memmove(p + w, p + from, len - from);
		return w + (len - from);
	}
	if (rs->both.len > 0) {
		while (r < len) {
			if (len - r >= rs->both.len &&
			    memcmp(p + r, rs->both.p, rs->both.len) == 0) {
				r += rs->both.len;
				continue;
			}
			p[w++] = p[r++];
		}
		len = w;
	}
	if (rs->start.len > 0 && len >= rs->start.len &&
	    memcmp(p, rs->start.p, rs->start.len) == 0) {
		memmove(p, p + rs->start.len, len - rs->start.len);
		len -= rs->start.len;
	}
	if (rs->end.len > 0 && len >= rs->end.len &&
	    memcmp(p + len - rs->end.len, rs->end.p, rs->end.len) == 0)
		len -= rs->end.len;
	return len;
}

/* --header: ':' is one line, a number that many lines, else a regex
 * matched at the start of the input.  -1 after a message. */
static int
header_init(struct header *h, const char *arg)
{
	char msg[256];
	const char *p;

	memset(h, 0, sizeof(*h));
	if (arg == NULL)
		return 0;
	if (strcmp(arg, ":") == 0) {
		h->nlines = 1;
		return 0;
	}
	for (p = arg; isdigit((unsigned char)*p); p++)
		;
	if (*arg != '\0' && *p == '\0') {
		h->nlines = strtoul(arg, NULL, 10);
		return 0;
	}
	h->isre = 1;
	if (perlre_compile_flags(&h->re, arg, REG_EXTENDED | REG_NEWLINE,
	    msg, sizeof(msg)) != 0) {
		msg_warnx("--header '%s': %s", arg, msg);
		h->isre = 0;
		return -1;
	}
	return 0;
}

/* The length of the header at the start of p[0..len): 1 with *n set when
 * it is all there, else 0 (read more). */
static int
header_match(struct header *h, const char *p, size_t len, size_t *n)
{
	const char *q = p;
	size_t k;

	if (h->nlines > 0) {
		for (k = 0; k < h->nlines; k++) {
			if ((q = memchr(q, '\n', len - (size_t)(q - p))) ==
			    NULL)
				return 0;
			q++;
		}
		*n = (size_t)(q - p);
		return 1;
	}
#ifdef REG_STARTEND
	h->re.m[0].rm_so = 0;
	h->re.m[0].rm_eo = (regoff_t)len;
	if (regexec(&h->re.re, p, h->re.nm, h->re.m, REG_STARTEND) == 0 &&
	    h->re.m[0].rm_so == 0) {
		*n = (size_t)h->re.m[0].rm_eo;
		return 1;
	}
#endif
	return 0;
}

static void
header_release(struct header *h)
{
	if (h->isre)
		perlre_free(&h->re);
	free(h->head);
}

/* Room for n more bytes in the buffer. */
static void
pipe_room(struct pipesrc *r, size_t n)
{
	if (r->cap - r->len >= n)
		return;
	r->cap = r->len + n;
	r->buf = xreallocarray(r->buf, r->cap, 1);
}

/* One read(2) of up to n bytes onto the buffer: the count, 0 at the end,
 * -1 after a message. */
static ssize_t
pipe_read(struct pipesrc *r, size_t n)
{
	ssize_t got;

	pipe_room(r, n);
	while ((got = read(r->fd, r->buf + r->len, n)) < 0 && errno == EINTR)
		;
	if (got < 0) {
		msg_warn("stdin");
		return -1;
	}
	r->len += (size_t)got;
	return got;
}

/* Read up to the next multiple of the block size, or the end.  0, or -1
 * after a message. */
static int
pipe_fill(struct pipesrc *r)
{
	size_t want = r->bs - r->len % r->bs;
	ssize_t got;

	do {
		if ((got = pipe_read(r, want)) < 0)
			return -1;
		want -= (size_t)got;
	} while (want > 0 && got > 0);
	r->eof = got == 0;
	return 0;
}

/* Where to cut the buffer now, or 0: no block in it. */
static size_t
pipe_cut(struct pipesrc *r)
{
	if (r->lines > 0)
		return lines_cut(r->buf, r->len, r->lines);
	if (r->nrec > 0)
		return sep_nth(&r->rs, r->buf, r->len, r->nrec);
	/* At the end, the whole rest is the last block. */
	return r->eof ? 0 : sep_last(&r->rs, r->buf, r->len);
}

struct job *
block_job(unsigned long long seq, struct jobin *in)
{
	struct job *j;

	j = job_new();
	j->seq = seq;
	j->fields = xcalloc(1, sizeof(*j->fields));
	j->fields[0].s = "";
	j->nargs = j->ncols = 1;
	j->in = in;
	j->sent = jobin_size(in);
	return j;
}

/* --cat, --fifo: give j's block a file or FIFO, whose name is the job's
 * argument ({}, appended to a command without one, as GNU parallel
 * does).  0, or -1 after a message, j freed. */
static int
block_temp(const struct tpmap_opts *o, struct job *j)
{
	if (!o->cat && !o->fifo)
		return 0;
	if (jobin_mktemp(j->in, o->cat ? JOBIN_CAT : JOBIN_FIFO) != 0) {
		job_free(j);
		return -1;
	}
	j->argbytes = xstrdup(j->in->path);
	j->fields[0].s = j->argbytes;
	j->fields[0].len = strlen(j->argbytes);
	return 0;
}

/* A job of the first cut bytes of the buffer, which keeps the rest. */
static struct job *
pipe_job(struct pipesrc *r, size_t cut)
{
	struct jobin *in;
	char *mem;
	size_t cap = 0;

	if (cut * 2 >= r->len) {
		/* Most of the buffer: it becomes the block, and the rest
		 * moves to a new one. */
		mem = r->buf;
		cap = r->cap;
		r->buf = blockpool_get(r->pool, r->bs > r->len - cut ? r->bs :
		    r->len - cut, &r->cap);
		memcpy(r->buf, mem + cut, r->len - cut);
	} else {
		mem = xmalloc(cut > 0 ? cut : 1);
		memcpy(mem, r->buf, cut);
		memmove(r->buf, r->buf + cut, r->len - cut);
	}
	r->len -= cut;
	if (r->o->rrs)
		cut = rrs_apply(&r->rs, mem, cut);
	in = jobin_new(r->h.head, r->h.len, mem, cut);
	if (cap > 0) {
		in->pool = r->pool;
		in->cap = cap;
	}
	return block_job(++r->seq, in);
}

static int
pipe_next(struct source *src, struct job **jp)
{
	struct pipesrc *r = (struct pipesrc *)src;
	size_t cut, old;

	for (;;) {
		if (r->passing) {
			cut = r->len > 0 ? pipe_cut(r) : 0;
			if (cut > 0) {
				/* -N cuts as many blocks as the buffer has
				 * records for; the others one. */
				r->passing = r->nrec > 0 && r->lines == 0;
				r->written = 1;
				*jp = pipe_job(r, cut);
				return block_temp(r->o, *jp) == 0 ? 1 : -1;
			}
			r->passing = 0;
		}
		if (r->eof) {
			if (r->len == 0)
				return 0;
			*jp = pipe_job(r, r->len);
			return block_temp(r->o, *jp) == 0 ? 1 : -1;
		}
		if (!r->written && r->bs < BLOCK_MAX) {
			old = r->bs;
			/* GNU's ceil(bs * 1.3 + 1). */
			r->bs = r->bs + (r->bs * 3 + 9) / 10 + 1;
			if (r->bs > BLOCK_MAX)
				r->bs = BLOCK_MAX;
			msg_warnx("Warning: A record was longer than %zu. "
			    "Increasing to --blocksize %zu.", old, r->bs);
		}
		r->written = 0;
		if (pipe_fill(r) != 0)
			return -1;
		r->passing = 1;
	}
}

static void
pipe_free(struct source *src)
{
	struct pipesrc *r = (struct pipesrc *)src;

	recsep_release(&r->rs);
	header_release(&r->h);
	free(r->buf);
	blockpool_free(r->pool);
	free(r);
}

const char *
source_pipe_header(struct source *src, size_t *len)
{
	struct pipesrc *r = (struct pipesrc *)src;

	*len = r->h.len;
	return r->h.head;
}

/* Read the header off the start of the input into r->h. */
static int
pipe_header(struct pipesrc *r)
{
	size_t n;
	ssize_t got;

	if (r->o->header == NULL)
		return 0;
	do {
		if ((got = pipe_read(r, r->bs)) < 0)
			return -1;
		if (header_match(&r->h, r->buf, r->len, &n)) {
			r->h.head = xmemdup(r->buf, n);
			r->h.len = n;
			memmove(r->buf, r->buf + n, r->len - n);
			r->len -= n;
			return 0;
		}
	} while (got > 0);
	return 0;
}

/* The options common to both sources; -1 after a message. */
static int
seps_init(struct recsep *rs, struct header *h, const struct tpmap_opts *o)
{
	if (recsep_init(rs, o) != 0)
		return -1;
	if (header_init(h, o->header) != 0) {
		recsep_release(rs);
		return -1;
	}
	return 0;
}

struct source *
source_pipe(const struct tpmap_opts *o)
{
	struct pipesrc *r;

	r = xcalloc(1, sizeof(*r));
	r->s.next = pipe_next;
	r->s.free = pipe_free;
	r->o = o;
	r->fd = 0;
	r->bs = o->block > 0 ? (size_t)o->block : 1024 * 1024;
	if (r->bs > BLOCK_MAX)
		r->bs = BLOCK_MAX;
	if (o->max_args_given)
		r->nrec = o->max_args * (o->max_lines > 0 ? o->max_lines : 1);
	else
		r->lines = o->max_lines;
	r->written = 1;
	/* Blocks in use: -j running, one queued, one being read. */
	r->pool = blockpool_create((size_t)o->jobs + 2);
#ifdef F_SETPIPE_SZ
	/* Fewer, larger reads from a pipe; refused harmlessly otherwise. */
	(void)fcntl(r->fd, F_SETPIPE_SZ, 1024 * 1024);
#endif
	if (seps_init(&r->rs, &r->h, o) != 0) {
		blockpool_free(r->pool);
		free(r);
		return NULL;
	}
	if (pipe_header(r) != 0) {
		pipe_free(&r->s);
		return NULL;
	}
	return &r->s;
}

/* --pipepart: byte ranges of the -a files. */
struct partfile {
	int fd;
	off_t size;
	struct header h;	/* each file's own */
};

struct partsrc {
	struct source s;
	const struct tpmap_opts *o;
	struct recsep rs;
	struct partfile *f;
	size_t nf, cur;
	off_t pos;		/* where the next block of f[cur] starts */
	off_t bs;
	char *win;		/* PART_CHUNK + a separator's length */
	unsigned long long seq;
};

/* The end of the block of file pf that starts at pos: the cut after the
 * first record end from pos + bs on, or the end of the file. */
static off_t
part_cut(struct partsrc *r, struct partfile *pf, off_t pos)
{
	size_t keep = r->rs.regexp ? 0 : r->rs.both.len;
	size_t len = 0, at, cut;
	off_t base = pos + r->bs, off;
	ssize_t got;

	if (base >= pf->size)
		return pf->size;
	if (!r->rs.regexp && r->rs.both.len == 0)
		return base;	/* records end anywhere */
	/* A window of chunks, keeping the tail of the last in case a
	 * separator straddles the two. */
	for (off = base; off < pf->size; off += got) {
		if (len > keep) {
			memmove(r->win, r->win + len - keep, keep);
			base += (off_t)(len - keep);
			len = keep;
		}
		while ((got = pread(pf->fd, r->win + len, PART_CHUNK, off)) < 0 &&
		    errno == EINTR)
			;
		if (got <= 0)
			break;
		len += (size_t)got;
		if (sep_next(&r->rs, r->win, len, 0, &at, &cut))
			return base + (off_t)cut;
	}
	return pf->size;
}

static int
part_next(struct source *src, struct job **jp)
{
	struct partsrc *r = (struct partsrc *)src;
	struct partfile *pf;
	struct jobin *in;
	off_t end;

	while (r->cur < r->nf) {
		pf = &r->f[r->cur];
		if (r->pos == 0)
			r->pos = (off_t)pf->h.len;
		if (r->pos >= pf->size) {
			r->cur++;
			r->pos = 0;
			continue;
		}
		end = part_cut(r, pf, r->pos);
		in = jobin_new(pf->h.head, pf->h.len, NULL, 0);
		in->fd = pf->fd;
		in->off = r->pos;
		in->flen = (size_t)(end - r->pos);
		r->pos = end;
		*jp = block_job(++r->seq, in);
		return block_temp(r->o, *jp) == 0 ? 1 : -1;
	}
	return 0;
}

static void
part_free(struct source *src)
{
	struct partsrc *r = (struct partsrc *)src;
	size_t i;

	for (i = 0; i < r->nf; i++) {
		if (r->f[i].fd >= 0)
			close(r->f[i].fd);
		header_release(&r->f[i].h);
	}
	recsep_release(&r->rs);
	free(r->f);
	free(r->win);
	free(r);
}

/* Open a -a file of --pipepart, and read its header; -1 after a
 * message. */
static int
part_open(struct partsrc *r, struct partfile *pf, const char *path)
{
	struct stat st;
	size_t n;
	ssize_t got;
	char *p;

	if ((pf->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(pf->fd, &st) != 0) {
		msg_warn("%s", path);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		msg_warnx("%s: --pipepart needs a regular file", path);
		return -1;
	}
	pf->size = st.st_size;
	if (header_init(&pf->h, r->o->header) != 0)
		return -1;
	if (r->o->header == NULL)
		return 0;
	/* The header is near the start: read a chunk at a time until it
	 * matches or the file ends. */
	p = NULL;
	for (n = 0;; n += (size_t)got) {
		p = xreallocarray(p, n + PART_CHUNK, 1);
		if ((got = pread(pf->fd, p + n, PART_CHUNK, (off_t)n)) <= 0)
			break;
		if (header_match(&pf->h, p, n + (size_t)got, &n)) {
			pf->h.head = xmemdup(p, n);
			pf->h.len = n;
			break;
		}
	}
	free(p);
	return 0;
}

struct source *
source_pipepart(const struct tpmap_opts *o)
{
	struct partsrc *r;
	off_t total = 0;
	size_t i;

	r = xcalloc(1, sizeof(*r));
	r->s.next = part_next;
	r->s.free = part_free;
	r->o = o;
	r->f = xcalloc(o->in.nsources, sizeof(*r->f));
	for (i = 0; i < o->in.nsources; i++)
		r->f[i].fd = -1;
	r->nf = o->in.nsources;
	if (recsep_init(&r->rs, o) != 0) {
		free(r->f);
		free(r);
		return NULL;
	}
	r->win = xmalloc(PART_CHUNK + r->rs.both.len + 1);
	for (i = 0; i < r->nf; i++) {
		if (part_open(r, &r->f[i], o->in.sources[i].path) != 0) {
			part_free(&r->s);
			return NULL;
		}
		total += r->f[i].size;
	}
	/* --block -N: N blocks per job slot (GNU's default is 10). */
	r->bs = o->block > 0 ? (off_t)o->block : 1 + total /
	    (off_t)o->jobs / (o->block < 0 ? -(off_t)o->block : 10);
	return &r->s;
}
