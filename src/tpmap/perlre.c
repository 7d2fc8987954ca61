/* SPDX-License-Identifier: MIT */
/*
 * Perl regexes on POSIX regcomp, for --colsep.  The pattern is rewritten
 * into an ERE in one pass, each Perl construct into its ERE equivalent,
 * and the rest is left to regcomp: a construct with no equivalent either
 * fails here or makes regcomp fail, and is never matched as something
 * else.  Splitting follows Perl's split, which GNU parallel runs, not
 * regexec's own idea of repeated matches.  No I/O: errors are returned
 * as messages for the caller to print.
 */
#include <regex.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perlre.h"
#include "util.h"

int
perlre_esc_byte(const char *p, const char **endp)
{
	int v = 0, d, n;

	*endp = p + 1;
	switch (*p) {
	case 't':
		return '\t';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 'f':
		return '\f';
	case 'e':
		return 033;
	case 'a':
		return '\a';
	case 'x':
		p++;
		if (*p == '{') {
			for (p++; (d = hexval((unsigned char)*p)) >= 0; p++)
				if ((v = v * 16 + d) > 255)
					return -1;
			if (*p != '}')
				return -1;
			p++;
		} else {
			for (n = 0; n < 2 && (d = hexval((unsigned char)*p))
			    >= 0; n++, p++)
				v = v * 16 + d;
		}
		*endp = p;
		return v == 0 ? -2 : v;
	default:
		return -1;
	}
}

/* The bracket contents (without brackets) for Perl's class escapes; NULL
 * if c is none.  Outside brackets they are wrapped in [ ] or [^ ]. */
static const char *
class_body(int c)
{
	switch (c) {
	case 'd':
	case 'D':
		return "0-9";
	case 's':
	case 'S':
		return PERL_SPACE;
	case 'w':
	case 'W':
		return "[:alnum:]_";
	case 'h':
	case 'H':
		/* Perl's \h and \v match 0xa0 and 0x85 even in byte
		 * strings, unlike \s. */
		return " \t\xa0";
	case 'v':
	case 'V':
		return "\n\v\f\r\x85";
	default:
		return NULL;
	}
}

static int
is_ere_special(int c)
{
	return c != '\0' && strchr(".[]()*+?{}|^$\\", c) != NULL;
}

/* Translate a Perl bracket expression starting after '[' at *pp.  Perl
 * allows escapes inside; POSIX does not, and wants a literal ] first and
 * a literal - last, so the pieces are collected and emitted in order. */
static int
re_bracket(const char **pp, struct buf *out, const char **errp)
{
	struct buf items = { 0 };
	const char *p = *pp, *end, *q;
	int neg = 0, rb = 0, dash = 0, caret = 0, first = 1, c;

	if (*p == '^') {
		neg = 1;
		p++;
	}
	for (;; first = 0) {
		c = (unsigned char)*p;
		if (c == '\0') {
			*errp = "brackets ([ ]) not balanced";
			goto fail;
		}
		if (c == ']' && !first)
			break;
		if (c == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=') &&
		    (q = strstr(p + 2, p[1] == ':' ? ":]" : p[1] == '.' ?
		    ".]" : "=]")) != NULL) {
			buf_add(&items, p, (size_t)(q + 2 - p));
			p = q + 2;
			continue;
		}
		p++;
		if (c == '\\') {
			if (class_body((unsigned char)*p) != NULL) {
				if (*p >= 'A' && *p <= 'Z') {
					*errp = "negated class escape inside "
					    "brackets not supported";
					goto fail;
				}
				buf_adds(&items, class_body((unsigned char)*p));
				p++;
				continue;
			}
			if ((c = perlre_esc_byte(p, &end)) == -2) {
				*errp = "NUL byte not supported";
				goto fail;
			}
			if (c >= 0) {
				p = end;
			} else if (*p == '\0') {
				*errp = "trailing backslash";
				goto fail;
			} else {
				c = (unsigned char)*p++;
			}
			/* An escaped character is literal: keep it away
			 * from the places where POSIX gives it meaning. */
			if (c == ']')
				rb = 1;
			else if (c == '-')
				dash = 1;
			else if (c == '^')
				caret = 1;
			else
				buf_addc(&items, (char)c);
			continue;
		}
		if (c == ']')
			rb = 1;
		else
			buf_addc(&items, (char)c);
	}
	*pp = p + 1;
	if (!neg && !rb && items.len == 0 && caret && !dash) {
		buf_adds(out, "\\^");
	} else {
		buf_addc(out, '[');
		if (neg)
			buf_addc(out, '^');
		if (rb)
			buf_addc(out, ']');
		if (items.len > 0)
			buf_add(out, items.p, items.len);
		if (!neg && !rb && items.len == 0 && caret) {
			/* "[-^]": ^ must not come first */
			buf_adds(out, "-^");
		} else {
			if (caret)
				buf_addc(out, '^');
			if (dash)
				buf_addc(out, '-');
		}
		buf_addc(out, ']');
	}
	buf_free(&items);
	return 0;
fail:
	buf_free(&items);
	return -1;
}

/* Translate Perl regex pat into an ERE in out; capturing gets one flag
 * per '(' in order, 0 for (?:...), as Perl's split returns the captured
 * groups as extra fields. */
static int
re_translate(const char *pat, struct buf *out, struct buf *capturing,
    const char **errp)
{
	const char *p = pat, *end, *body;
	int c, quant = 0;

	while ((c = (unsigned char)*p) != '\0') {
		/* *? +? ?? {n}? and *+ ...: drop the Perl-only suffix */
		if (quant && (c == '?' || c == '+')) {
			p++;
			quant = 0;
			continue;
		}
		quant = 0;
		p++;
		switch (c) {
		case '\\':
			if ((body = class_body((unsigned char)*p)) != NULL) {
				buf_addc(out, '[');
				if (*p >= 'A' && *p <= 'Z')
					buf_addc(out, '^');
				buf_adds(out, body);
				buf_addc(out, ']');
				p++;
				break;
			}
			if ((c = perlre_esc_byte(p, &end)) == -2) {
				*errp = "NUL byte not supported";
				return -1;
			}
			if (c >= 0) {
				p = end;
				if (is_ere_special(c))
					buf_addc(out, '\\');
				buf_addc(out, (char)c);
				break;
			}
			c = (unsigned char)*p;
			if (c == '\0') {
				*errp = "trailing backslash";
				return -1;
			}
			p++;
			if (c == 'A') {
				buf_addc(out, '^');
			} else if (c == 'z' || c == 'Z') {
				buf_addc(out, '$');
			} else if (is_ere_special(c) ||
			    (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			    (c >= 'A' && c <= 'Z')) {
				/* ERE escapes, and \b \B \1 ... for regcomp
				 * to accept or reject */
				buf_addc(out, '\\');
				buf_addc(out, (char)c);
			} else {
				/* \, \/ \- \: ...: Perl's escaped
				 * punctuation is the character itself */
				buf_addc(out, (char)c);
			}
			break;
		case '[':
			if (re_bracket(&p, out, errp) != 0)
				return -1;
			break;
		case '(':
			buf_addc(out, '(');
			if (p[0] == '?' && p[1] == ':') {
				p += 2;
				buf_addc(capturing, 0);
			} else {
				buf_addc(capturing, 1);
			}
			break;
		case '*':
		case '+':
		case '?':
		case '}':
			quant = 1;
			buf_addc(out, (char)c);
			break;
		default:
			buf_addc(out, (char)c);
			break;
		}
	}
	return 0;
}

int
perlre_compile(struct perlre *r, const char *pat, char *err, size_t errlen)
{
	return perlre_compile_flags(r, pat, REG_EXTENDED, err, errlen);
}

int
perlre_compile_flags(struct perlre *r, const char *pat, int cflags,
    char *err, size_t errlen)
{
	struct buf ere = { 0 }, cap = { 0 };
	const char *why = NULL;
	size_t i;
	int rc;

	memset(r, 0, sizeof(*r));
	if (re_translate(pat, &ere, &cap, &why) != 0) {
		snprintf(err, errlen, "%s", why);
		goto fail;
	}
	buf_grow(&ere, 0);
	if ((rc = regcomp(&r->re, ere.p, cflags)) != 0) {
		regerror(rc, &r->re, err, errlen);
		goto fail;
	}
	r->nm = r->re.re_nsub + 1;
	r->m = xreallocarray(NULL, r->nm, sizeof(*r->m));
	/* Subexpressions regcomp counted but the translation did not (it
	 * should not happen) are treated as not capturing. */
	r->capturing = xcalloc(r->nm, 1);
	for (i = 0; i < r->re.re_nsub && i < cap.len; i++)
		r->capturing[i + 1] = (unsigned char)cap.p[i];
	buf_free(&ere);
	buf_free(&cap);
	return 0;
fail:
	buf_free(&ere);
	buf_free(&cap);
	return -1;
}

void
perlre_free(struct perlre *r)
{
	regfree(&r->re);
	free(r->capturing);
	free(r->m);
}

/*
 * regexec takes C strings, and records may hold NUL bytes.  Rather than
 * rely on REG_STARTEND to cross them, which not every libc has and which
 * would make results differ between systems, the record is searched one
 * NUL-free segment at a time: a separator never contains or matches a NUL
 * byte, which stays ordinary field content.  REG_STARTEND, where it
 * exists, only spares regexec a strlen() per call, so that splitting a
 * long line into many columns stays linear.
 */
void
perlre_split(struct perlre *r, char *rec, size_t len, struct fieldv *v,
    int keep_trailing)
{
	regmatch_t *m = r->m;
	size_t s = 0, p = 0, segend, ms, me, k, first = v->n;
	char *nul;
	char save;
	int iters = 0, found, ef;

	save = rec[len];
	rec[len] = '\0';
	segend = (size_t)-1;
	while (s < len) {
		found = 0;
		while (p <= len) {
			if (segend == (size_t)-1 || p > segend) {
				nul = memchr(rec + p, '\0', len - p);
				segend = nul != NULL ? (size_t)(nul - rec) : len;
			}
			ef = (p > 0 ? REG_NOTBOL : 0) |
			    (segend < len ? REG_NOTEOL : 0);
#ifdef REG_STARTEND
			m[0].rm_so = (regoff_t)p;
			m[0].rm_eo = (regoff_t)segend;
			ef |= REG_STARTEND;
			if (regexec(&r->re, rec, r->nm, m, ef) == 0) {
				ms = (size_t)m[0].rm_so;
				me = (size_t)m[0].rm_eo;
				for (k = 1; k < r->nm; k++)
					if (m[k].rm_so != -1) {
						m[k].rm_so -= (regoff_t)p;
						m[k].rm_eo -= (regoff_t)p;
					}
#else
			if (regexec(&r->re, rec + p, r->nm, m, ef) == 0) {
				ms = p + (size_t)m[0].rm_so;
				me = p + (size_t)m[0].rm_eo;
#endif
				if (me > s) {
					found = 1;
					break;
				}
				/* An empty match at the field's start: Perl
				 * looks for one ending further on. */
				p++;
				continue;
			}
			p = segend + 1;
		}
		if (!found)
			break;
		fv_add(v, rec + s, ms - s);
		for (k = 1; k < r->nm; k++) {
			if (!r->capturing[k])
				continue;
			if (m[k].rm_so == -1)
				fv_add(v, rec + len, 0);
			else
				fv_add(v, rec + p + m[k].rm_so,
				    (size_t)(m[k].rm_eo - m[k].rm_so));
		}
		s = p = me;
		iters = 1;
	}
	if (s < len || iters)
		fv_add(v, rec + s, len - s);
	if (!keep_trailing)
		while (v->n > first && v->f[v->n - 1].len == 0)
			v->n--;
	rec[len] = save;
}
