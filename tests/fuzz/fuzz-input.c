/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: input.c through its public API.  The input chooses
 * the options and supplies the bytes of a file, the first source; a
 * second, ::: source of two fixed words can be added, crossed or linked.
 * Input layout:
 *
 *   byte 0   0x01 --csv, 0x02 a --colsep item follows, 0x04 --header,
 *            0x08 a second source (::: p 'q r'), 0x10 --link,
 *            0x20 the second source is linked (:::+)
 *   byte 1   delimiter: 0 newline, 1 -0, 2 -d '\r\n', 3 an item follows
 *            (empty: newline)
 *   byte 2   0x01 an -E item follows; 0x0e --trim: none, n, l, r, lr, rl
 *   then the NUL-terminated items in that order, then the file's bytes.
 *
 * The file is rewritten in place for every input and read by path, as
 * -a FILE is.  Nothing may crash or leak.  Where the result is simple to
 * predict, every byte must be accounted for: a small model splits the
 * bytes at the delimiter, stops at the -E record, splits records at a
 * literal --colsep (or --csv without quotes, or the --header tab), trims,
 * and combines the sources as input.h describes; input_next must give
 * exactly the model's argument sets.  Quoted CSV and real regexes only
 * have to survive.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "input.h"
#include "util.h"

/* Perl's \s, as input.c trims. */
#define SPACES	" \t\n\v\f\r"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *path;		/* the first source's file */
static int fd = -1;

static char *const words[] = { "p", "q r" };

static void
rm_file(void)
{
	if (path != NULL)
		unlink(path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp;
	struct buf b;

	(void)argc;
	(void)argv;
	memset(&b, 0, sizeof(b));
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	buf_adds(&b, tmp);
	buf_adds(&b, "/tpmap-fuzz-input.XXXXXX");
	if ((fd = mkstemp(b.p)) < 0)
		fz_fail("mkstemp %s: %s", b.p, strerror(errno));
	path = buf_detach(&b, NULL);
	atexit(rm_file);
	return 0;
}

/* The model of one source: its records, each a run of fields that point
 * into the source's bytes (splitting and trimming only take ranges). */
struct msrc {
	struct field *f;
	size_t nf;
	size_t capf;
	size_t *rec;		/* record i: f[rec[i], rec[i + 1]) */
	size_t nrec;
	size_t caprec;
};

struct model {
	const char *delim;
	size_t dlen;
	const char *eof;	/* NULL: no -E */
	const char *sep;	/* literal column separator, or NULL */
	size_t seplen;
	int csv;
	int header;
	int trim_l;
	int trim_r;
};

static void
m_field(struct msrc *m, const char *s, size_t len)
{
	if (m->nf == m->capf) {
		m->capf = m->capf ? 2 * m->capf : 16;
		m->f = xreallocarray(m->f, m->capf, sizeof(*m->f));
	}
	m->f[m->nf].s = s;
	m->f[m->nf].len = len;
	m->nf++;
}

static void
m_endrec(struct msrc *m)
{
	if (m->nrec + 2 > m->caprec) {
		m->caprec = m->caprec ? 2 * m->caprec : 16;
		m->rec = xreallocarray(m->rec, m->caprec, sizeof(*m->rec));
	}
	if (m->nrec == 0)
		m->rec[0] = 0;
	m->rec[++m->nrec] = m->nf;
}

/* Where needle first occurs in s[0, len), or len. */
static size_t
find(const char *s, size_t len, const char *needle, size_t nlen)
{
	size_t i;

	for (i = 0; i + nlen <= len; i++)
		if (memcmp(s + i, needle, nlen) == 0)
			return i;
	return len;
}

static void
m_fields(const struct model *md, struct msrc *m, const char *s, size_t len)
{
	size_t first = m->nf, i, k;
	struct field *f;

	if (len > 0 && md->csv && s[len - 1] == '\r')
		len--;	/* as input.c does for RFC 4180's CR-LF */
	if (len == 0 || md->sep == NULL) {
		m_field(m, s, len);
	} else {
		for (;;) {
			k = find(s, len, md->sep, md->seplen);
			m_field(m, s, k);
			if (k == len)
				break;
			s += k + md->seplen;
			len -= k + md->seplen;
		}
	}
	for (i = first; i < m->nf; i++) {
		f = &m->f[i];
		while (md->trim_l && f->len > 0 && f->s[0] != '\0' &&
		    strchr(SPACES, f->s[0]) != NULL) {
			f->s++;
			f->len--;
		}
		while (md->trim_r && f->len > 0 && f->s[f->len - 1] != '\0' &&
		    strchr(SPACES, f->s[f->len - 1]) != NULL)
			f->len--;
	}
	m_endrec(m);
}

/* Records: split at the first delimiter each time, the last one may lack
 * it; --header takes the first, -E ends before its record. */
static void
m_source(const struct model *md, struct msrc *m, const char *s, size_t len)
{
	size_t pos, k, rl;
	int first = 1;

	for (pos = 0; pos < len; first = 0) {
		k = find(s + pos, len - pos, md->delim, md->dlen);
		rl = k;
		k = pos + k == len ? len : pos + k + md->dlen;
		if (!(first && md->header)) {
			if (md->eof != NULL && rl == strlen(md->eof) &&
			    memcmp(s + pos, md->eof, rl) == 0)
				break;
			m_fields(md, m, s + pos, rl);
		}
		pos = k;
	}
}

static void
m_free(struct msrc *m)
{
	free(m->f);
	free(m->rec);
}

/* Check one argument set from input_next against the model's. */
static void
m_expect(const struct msrc *m, size_t i, const struct field *f, size_t *k,
    size_t n, size_t row)
{
	size_t j;

	for (j = m->rec[i]; j < m->rec[i + 1]; j++, (*k)++) {
		if (*k >= n || f[*k].len != m->f[j].len ||
		    memcmp(f[*k].s, m->f[j].s, m->f[j].len) != 0) {
			if (*k < n)
				fz_show("got", f[*k].s, f[*k].len);
			fz_show("want", m->f[j].s, m->f[j].len);
			fz_fail("argument set %zu, field %zu differs", row,
			    *k);
		}
	}
}

/* Whether the --colsep pattern matches only itself in an ERE. */
static int
literal(const char *pat)
{
	return *pat != '\0' && strpbrk(pat, ".[]()*+?{}|^$\\") == NULL;
}

/*
 * Whether glibc's regcomp may need more memory than the fuzzer allows:
 * it copies the subexpression of an interval {n,m} up to m times, so
 * nested intervals or long patterns reach gigabytes.  Such a --colsep is
 * the user's own doing, not input data, and is left out.
 */
static int
re_expensive(const char *pat)
{
	const char *b;

	if (strlen(pat) > 32)
		return 1;
	for (b = pat; (b = strchr(b, '{')) != NULL; b++) {
		/* \x{HH} is a byte, which perlre.c translates. */
		if (b - pat >= 2 && b[-1] == 'x' && b[-2] == '\\')
			continue;
		if ((b[1] >= '0' && b[1] <= '9') || b[1] == ',')
			return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input_source src[2];
	struct input_opts o;
	struct model md;
	struct msrc m0, m1;
	struct buf items, wbytes;
	const struct field *f;
	const char *item[3], *p, *end, *pat;
	size_t ncols, nitems, i, k, rows, row, n0, n1, i0, i1, total;
	unsigned f0, f1, f2;
	int rc, modelled;
	static const char *const trims[] = { NULL, "n", "l", "r", "lr", "rl",
	    NULL, NULL };
	struct input *in;

	if (size < 3)
		return 0;
	f0 = data[0];
	f1 = data[1];
	f2 = data[2];
	memset(&items, 0, sizeof(items));
	buf_add(&items, data + 3, size - 3);
	nitems = (f0 & 0x02 ? 1 : 0) + ((f1 & 3) == 3 ? 1 : 0) +
	    (f2 & 0x01 ? 1 : 0);
	p = items.p;
	end = items.p + items.len;
	for (i = 0; i < nitems; i++) {
		item[i] = p;
		p += strlen(p);
		if (p < end)
			p++;
	}

	memset(&o, 0, sizeof(o));
	k = 0;
	if (f0 & 0x02)
		o.colsep = item[k++];
	if (o.colsep != NULL && re_expensive(o.colsep)) {
		buf_free(&items);
		return 0;
	}
	switch (f1 & 3) {
	case 1:
		o.delim = "";
		o.delimlen = 1;
		break;
	case 2:
		o.delim = "\r\n";
		o.delimlen = 2;
		break;
	case 3:
		if (item[k][0] != '\0') {
			o.delim = item[k];
			o.delimlen = strlen(item[k]);
		}
		k++;
		break;
	}
	if (f2 & 0x01)
		o.eof_str = item[k++];
	o.trim = trims[(f2 >> 1) & 7];
	o.csv = (f0 & 0x01) != 0;
	o.header = (f0 & 0x04) != 0;
	o.link = (f0 & 0x10) != 0;
	/* As options.c does: --csv alone splits at commas. */
	if (o.csv && o.colsep == NULL)
		o.colsep = ",";

	if (ftruncate(fd, 0) != 0 ||
	    pwrite(fd, p, (size_t)(end - p), 0) != end - p)
		fz_fail("%s: %s", path, strerror(errno));
	memset(src, 0, sizeof(src));
	src[0].kind = INPUT_FILE;
	src[0].path = path;
	src[1].kind = INPUT_WORDS;
	src[1].words = words;
	src[1].nwords = 2;
	src[1].linked = (f0 & 0x20) != 0;
	o.sources = src;
	o.nsources = f0 & 0x08 ? 2 : 1;

	/* The model, where it applies. */
	memset(&md, 0, sizeof(md));
	memset(&m0, 0, sizeof(m0));
	memset(&m1, 0, sizeof(m1));
	memset(&wbytes, 0, sizeof(wbytes));
	md.delim = o.delim != NULL ? o.delim : "\n";
	md.dlen = o.delim != NULL ? o.delimlen : 1;
	for (i = 0; i < 2; i++) {
		buf_adds(&wbytes, words[i]);
		buf_add(&wbytes, md.delim, md.dlen);
	}
	if (o.eof_str != NULL && strcmp(o.eof_str, "") != 0 &&
	    strcmp(o.eof_str, "0") != 0)
		md.eof = o.eof_str;
	md.csv = o.csv;
	md.header = o.header;
	if (o.trim != NULL) {
		md.trim_l = strchr(o.trim, 'l') != NULL;
		md.trim_r = strchr(o.trim, 'r') != NULL;
	} else if (o.colsep != NULL)
		md.trim_l = md.trim_r = 1;
	modelled = 1;
	if (o.csv) {
		if (o.colsep[0] == '\\' || o.colsep[0] == '"' ||
		    memchr(p, '"', (size_t)(end - p)) != NULL)
			modelled = 0;
		md.sep = o.colsep;
		md.seplen = 1;
	} else if (o.colsep != NULL || o.header) {
		pat = o.colsep != NULL ? o.colsep : "\t";
		if (!literal(pat))
			modelled = 0;
		md.sep = pat;
		md.seplen = strlen(pat);
	}
	if (modelled) {
		m_source(&md, &m0, p, (size_t)(end - p));
		if (o.nsources == 2)
			m_source(&md, &m1, wbytes.p, wbytes.len);
	}

	if (input_open(&in, &o) != 0)
		goto out;
	(void)input_colnames(in, &ncols);

	/*
	 * The argument sets the model predicts.  Empty sources among
	 * several become one empty argument; crossed sources vary the last
	 * fastest; --link recycles the shorter up to the longer; :::+
	 * stops at the shorter.
	 */
	n0 = m0.nrec;
	n1 = m1.nrec;
	rows = n0;
	if (o.nsources == 2) {
		if (n0 == 0 && n1 == 0)
			rows = 0;
		else {
			if (n1 == 0) {
				m_field(&m1, "", 0);
				m_endrec(&m1);
				n1 = 1;
			}
			if (n0 == 0) {
				m_field(&m0, "", 0);
				m_endrec(&m0);
				n0 = 1;
			}
			if (o.link)
				rows = n0 > n1 ? n0 : n1;
			else if (src[1].linked)
				rows = n0 < n1 ? n0 : n1;
			else
				rows = n0 * n1;
		}
	}

	total = 0;
	for (row = 0; (rc = input_next(in, &f, &ncols)) > 0; row++) {
		/* Touch both ends of every field, for AddressSanitizer to
		 * see whether it lies in memory input.c still owns. */
		for (i = 0; i < ncols; i++)
			if (f[i].len > 0)
				total += (unsigned char)f[i].s[0] +
				    (unsigned char)f[i].s[f[i].len - 1];
		if (!modelled)
			continue;
		if (row >= rows)
			fz_fail("more than the %zu argument sets expected",
			    rows);
		if (o.nsources == 1 || o.link) {
			i0 = row % n0;
			i1 = o.nsources == 2 ? row % n1 : 0;
		} else if (src[1].linked) {
			i0 = i1 = row;
		} else {
			i0 = row / n1;
			i1 = row % n1;
		}
		k = 0;
		m_expect(&m0, i0, f, &k, ncols, row);
		if (o.nsources == 2)
			m_expect(&m1, i1, f, &k, ncols, row);
		if (k != ncols)
			fz_fail("argument set %zu has %zu fields, not %zu",
			    row, ncols, k);
	}
	if (rc == 0 && modelled && row != rows)
		fz_fail("%zu argument sets, not %zu", row, rows);
	if (rc < 0 && modelled)
		fz_fail("input_next failed on input the model reads");
	input_free(in);
out:
	(void)total;
	m_free(&m0);
	m_free(&m1);
	buf_free(&wbytes);
	buf_free(&items);
	return 0;
}
