/* SPDX-License-Identifier: MIT */
/*
 * Shell quoting, byte for byte as GNU parallel 20221122 quotes its
 * arguments (the same words left bare, the same '"'"' for a quote, the
 * same \0 for a NUL byte), because --dry-run output and scripts that
 * compare command lines depend on it, and for the contexts inside quotes
 * and expansions that parallel does not quote for.  Nothing here
 * allocates beyond the caller's buffer or looks at the command around the
 * value: the caller says which context the value is in.
 */
#include <stddef.h>
#include <string.h>

#include "shquote.h"
#include "util.h"

/* The byte set parallel leaves unquoted: [-_.+a-zA-Z0-9/]. */
static int
shq_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '+' ||
	    c == '-' || c == '/';
}

/*
 * Room for the quoted form of the concatenated slices (up to 2 bytes more
 * than shq_write uses, when the value starts or ends with '), and whether
 * quoting is needed at all.  With nulesc each NUL byte is written as the
 * two characters \0, as parallel rewrites NULs in arguments (a command
 * line cannot carry them).
 */
static size_t
shq_size(const struct field *sl, size_t n, int nulesc, int *needq)
{
	size_t i, j, total, extra;
	unsigned char c;

	total = extra = 0;
	*needq = 0;
	for (i = 0; i < n; i++) {
		total += sl[i].len;
		for (j = 0; j < sl[i].len; j++) {
			c = (unsigned char)sl[i].s[j];
			if (shq_safe(c))
				continue;
			*needq = 1;
			if (c == '\'')
				extra += 4;
			else if (c == '\0' && nulesc)
				extra++;
		}
	}
	if (total == 0) {
		*needq = 1;
		return 2;
	}
	return *needq ? total + extra + 2 : total;
}

/*
 * Write the quoted form at d, return the end.  parallel wraps the value in
 * '...', writes each ' as '"'"', then drops the '' this leaves at either
 * end when the value starts or ends with ': "'" for ', "'"'x' for 'x.
 */
static char *
shq_write(char *d, const struct field *sl, size_t n, int nulesc, int needq)
{
	size_t i, j, k, total;
	unsigned char c, first, last;

	total = 0;
	first = last = 0;
	for (i = 0; i < n; i++) {
		if (sl[i].len == 0)
			continue;
		if (total == 0)
			first = (unsigned char)sl[i].s[0];
		last = (unsigned char)sl[i].s[sl[i].len - 1];
		total += sl[i].len;
	}
	if (total == 0) {
		*d++ = '\'';
		*d++ = '\'';
		return d;
	}
	if (!needq) {
		for (i = 0; i < n; i++) {
			if (sl[i].len > 0)
				memcpy(d, sl[i].s, sl[i].len);
			d += sl[i].len;
		}
		return d;
	}
	if (first != '\'')
		*d++ = '\'';
	k = 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < sl[i].len; j++, k++) {
			c = (unsigned char)sl[i].s[j];
			if (c == '\'') {
				if (k != 0)
					*d++ = '\'';
				*d++ = '"';
				*d++ = '\'';
				*d++ = '"';
				if (k != total - 1)
					*d++ = '\'';
			} else if (c == '\0' && nulesc) {
				*d++ = '\\';
				*d++ = '0';
			} else
				*d++ = (char)c;
		}
	}
	if (last != '\'')
		*d++ = '\'';
	return d;
}

static void
shq_slices(struct buf *out, const struct field *sl, size_t n, int nulesc)
{
	size_t need;
	int needq;
	char *end;

	need = shq_size(sl, n, nulesc, &needq);
	buf_grow(out, need);
	end = shq_write(out->p + out->len, sl, n, nulesc, needq);
	out->len = (size_t)(end - out->p);
	out->p[out->len] = '\0';
}

void
shq_append(struct buf *out, const char *s, size_t len)
{
	struct field f;

	f.s = s;
	f.len = len;
	shq_slices(out, &f, 1, 0);
}

/*
 * The quoted form is written past the end of the buffer and moved down
 * over the raw bytes, so that no second buffer is needed.
 */
void
shq_word(struct buf *out, size_t start)
{
	struct field f;
	size_t need;
	int needq;

	f.s = out->p + start;
	f.len = out->len - start;
	need = shq_size(&f, 1, 0, &needq);
	if (!needq)
		return;
	buf_grow(out, need);
	f.s = out->p + start;
	need = (size_t)(shq_write(out->p + out->len, &f, 1, 0, needq) -
	    (out->p + out->len));
	memmove(out->p + start, out->p + out->len, need);
	out->len = start + need;
	out->p[out->len] = '\0';
}

/* Append bytes for inside "...": \ before $ ` " \, NUL as \0 with nulesc. */
static void
dq_slices(struct buf *out, const struct field *sl, size_t n, int nulesc)
{
	size_t i, j;
	char c;

	for (i = 0; i < n; i++) {
		for (j = 0; j < sl[i].len; j++) {
			c = sl[i].s[j];
			if (c == '$' || c == '`' || c == '"' || c == '\\')
				buf_addc(out, '\\');
			if (c == '\0' && nulesc)
				buf_add(out, "\\0", 2);
			else
				buf_addc(out, c);
		}
	}
}

/*
 * ${-+} expands to nothing in every shell ($- is always set), but the
 * shell compares a here-document's raw lines with the delimiter before
 * it expands them: a line that holds it is never the delimiter, and it
 * is not a tab that <<- would strip.
 */
#define HD_BREAK "${-+}"

/* Start each line of out->p[start..] after the first with HD_BREAK. */
static void
hd_lines(struct buf *out, size_t start)
{
	size_t i, n = 0, len = sizeof(HD_BREAK) - 1;

	for (i = start; i < out->len; i++)
		if (out->p[i] == '\n')
			n++;
	if (n == 0)
		return;
	buf_grow(out, n * len);
	for (i = out->len; i-- > start;) {
		if (out->p[i] != '\n')
			continue;
		memmove(out->p + i + 1 + len, out->p + i + 1,
		    out->len - i - 1);
		memcpy(out->p + i + 1, HD_BREAK, len);
		out->len += len;
	}
	out->p[out->len] = '\0';
}

/* Put a \ before each byte of out->p[start..] that is in set. */
static void
esc_inplace(struct buf *out, size_t start, const char *set)
{
	size_t i, j, extra = 0;
	char c;

	for (i = start; i < out->len; i++)
		if (out->p[i] != '\0' && strchr(set, out->p[i]) != NULL)
			extra++;
	if (extra == 0)
		return;
	buf_grow(out, extra);
	/* Move from the end, so each byte is read before it is overwritten. */
	i = out->len;
	j = out->len + extra;
	out->len = j;
	out->p[j] = '\0';
	while (i > start) {
		c = out->p[--i];
		out->p[--j] = c;
		if (c != '\0' && strchr(set, c) != NULL)
			out->p[--j] = '\\';
	}
}

int
shq_integer(const struct field *sl, size_t n)
{
	size_t i, j, k, digits;
	unsigned char c, prev;
	int hex;

	k = digits = 0;
	hex = 0;
	prev = 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < sl[i].len; j++, k++, prev = c) {
			c = (unsigned char)sl[i].s[j];
			if (k == 0 && (c == '-' || c == '+'))
				continue;
			if ((c == 'x' || c == 'X') && !hex && digits == 1 &&
			    prev == '0') {
				hex = 1;
				digits = 0;
			} else if ((c >= '0' && c <= '9') || (hex &&
			    ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))))
				digits++;
			else
				return 0;
		}
	}
	return digits > 0;
}

/*
 * The template's backslash before a value (QC_ESC), already taken back
 * from the output.  Returns whether to write it again before the first
 * byte, as parallel does; that is only done for a byte that means nothing
 * to any shell, since both bash and dash misread \ before some control
 * bytes (\ \001 "..." inside ${...}).  Otherwise the value is quoted whole
 * and the backslash is replaced by what the shell would have read: nothing
 * where it escapes the byte (outside double quotes, before $ ` " \ and,
 * in ${...}, }), a literal \ (*lead_bs) where it is literal.  An empty
 * value or one starting with a newline (\ newline is a line continuation)
 * keeps every byte and drops the backslash.  c is the value's first byte.
 */
static int
esc_first(unsigned qctx, unsigned char c, int *lead_bs)
{
	unsigned ctx = qctx & QC_CTX;

	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("_./+-,:@%=", c)))
		return 1;
	if (c == '\n' ||
	    !(ctx == QC_DQ || ctx == QC_HDOC || (qctx & QC_INDQ)))
		return 0;
	/* A here-document body escapes only $ ` \ with a backslash. */
	*lead_bs = (c == '\0' || strchr(ctx == QC_HDOC ? "$`\\" : "$`\"\\",
	    c) == NULL) && !(c == '}' && ctx == QC_BRACE);
	return 0;
}

/*
 * Inside the template's quotes: write, escaped for those quotes, the text
 * that a second shell reads as the value, as parallel quotes it where
 * that shell reads no quotes (QC_IN_SQ: '...' closed around it; QC_IN_DQ:
 * escaped for "..."); pre is a \ or $ of the template that the shell
 * keeps literally there, which goes inside that quoting: before it a
 * second shell would read \' or $'...'.
 */
static void
quoted_form(struct buf *out, unsigned qctx, char pre,
    const struct field *sl, size_t n, int nulesc)
{
	struct field all[3];
	unsigned ctx = qctx & QC_CTX;
	size_t i, m = 0, start;

	if (pre != '\0') {
		all[m].s = pre == '$' ? "$" : "\\";
		all[m++].len = 1;
	}
	/* value_slices makes at most two slices. */
	for (i = 0; i < n && m < 3; i++)
		all[m++] = sl[i];
	if (ctx == QC_SQ)
		buf_add(out, "'\"", 2);	/* leave '...' for "..." */
	else if (ctx == QC_BRACE)
		buf_addc(out, '"');
	start = out->len;
	if (qctx & QC_IN_DQ)
		dq_slices(out, all, m, nulesc);
	else {
		if (qctx & QC_IN_SQ)
			buf_addc(out, '\'');
		shq_slices(out, all, m, nulesc);
		if (qctx & QC_IN_SQ)
			buf_addc(out, '\'');
	}
	/* A here-document's body keeps " and a \ before it. */
	esc_inplace(out, start, ctx == QC_HDOC ? "$`\\" : "$`\"\\");
	if (ctx == QC_SQ)
		buf_add(out, "\"'", 2);
	else if (ctx == QC_BRACE)
		buf_addc(out, '"');
}

/*
 * The template's own \ or $ right before the replacement is the last byte
 * of out; it is taken back and written again as part of the value, so
 * that `...` escaping covers it too.
 */
void
shq_for(struct buf *out, unsigned qctx, struct field *sl, size_t n,
    int nulesc)
{
	size_t start;
	unsigned ctx = qctx & QC_CTX;
	int lead_bs = 0, quoted, done = 0;

	if ((qctx & (QC_ESC | QC_DOLLAR)) && out->len > 0 &&
	    out->p[out->len - 1] == ((qctx & QC_ESC) ? '\\' : '$')) {
		out->len--;
		out->p[out->len] = '\0';
	} else
		qctx &= ~(unsigned)(QC_ESC | QC_DOLLAR);
	/* In a here-document's body, no line the value makes may be the
	 * delimiter: an empty expansion starts each one (see hd_lines). */
	if (ctx == QC_HDOC)
		buf_add(out, HD_BREAK, sizeof(HD_BREAK) - 1);
	start = out->len;
	/* Both shells yield what is written inside "...", '...', "${...}"
	 * and a here-document: that must be parallel's quoted form (see
	 * shquote.h). */
	quoted = ctx == QC_DQ || ctx == QC_SQ || ctx == QC_HDOC ||
	    (ctx == QC_BRACE && (qctx & QC_INDQ));
	if ((qctx & QC_DOLLAR) && !quoted)
		buf_add(out, "\\$", 2);	/* a literal $, in any shell */
	if (qctx & QC_ESC) {
		while (n > 0 && sl[0].len == 0) {
			sl++;
			n--;
		}
		/* A \ inside '...' is literal, in `...` too. */
		if (ctx == QC_SQ)
			lead_bs = 1;
		else if (n > 0 && esc_first(qctx, (unsigned char)sl[0].s[0],
		    &lead_bs)) {
			buf_addc(out, '\\');
			buf_addc(out, sl[0].s[0]);
			sl[0].s++;
			sl[0].len--;
			/* Nothing left: no '' for an empty rest. */
			if (sl[0].len == 0 && (n == 1 || sl[1].len == 0))
				done = 1;
		}
	}
	if (done)
		;	/* the value was one byte, written above */
	else if (quoted)
		quoted_form(out, qctx, (qctx & QC_DOLLAR) ? '$' :
		    lead_bs ? '\\' : '\0', sl, n, nulesc);
	else if (ctx == QC_BRACE) {
		buf_addc(out, '"');
		dq_slices(out, sl, n, nulesc);
		buf_addc(out, '"');
	} else
		shq_slices(out, sl, n, nulesc);
	if (qctx & QC_BQ)
		esc_inplace(out, start, "\\`$");
	if (ctx == QC_HDOC)
		hd_lines(out, start);
}
