/* SPDX-License-Identifier: MIT */
/*
 * The shell-quoting lexer.  A frame stack stands for the quotes and
 * expansions open at the current byte, and a few flags for what the last
 * byte did (an escaping backslash, a bare $, a backslash inside `...` not
 * yet resolved).  Where it cannot tell how the shell reads the text, the
 * lexer records why, and shlex_repl refuses.  Nothing here knows about
 * templates beyond the QC_* contexts it reports.
 */
#include <stddef.h>

#include "shlex.h"
#include "shquote.h"

/*
 * Lexer frames: plain text (top level, $(...) or `...`), double quotes,
 * ${...} inside double quotes (LX_BRACE, where backslash escapes only
 * $ ` " \ } and newline) or outside them (LX_UBRACE, where quotes work
 * as in plain text), single quotes.
 *
 * The text of `...` is read twice by the shell: first it finds the
 * closing backquote, the first one not after a backslash whatever quotes
 * lie between, and removes the backslash before \ $ ` (and before " when
 * the `...` is inside "..."); then it parses the result as a command.
 * shlex_byte does the first step and feeds lx_core what the second sees.
 *
 * What the lexer cannot follow it refuses rather than guesses at:
 * nesting deeper than the stack; backquotes inside `...` (\` nests them,
 * a bare ` ends the outer one early); quotes left open at the end of
 * `...`; a ' inside "${...}" (bash pairs it, dash does not).  A
 * replacement string after any of these is an error.
 */
enum lx_frame {
	LX_PLAIN,
	LX_CMDSUB,
	LX_BQ,
	LX_DQ,
	LX_BRACE,
	LX_UBRACE,
	LX_SQ,
	LX_COMMENT
};

/*
 * What a second shell would make of the text the shell yields inside the
 * template's quotes ("sh -c '...'", "ssh host \"...\""): its own quotes
 * and a pending backslash, tracked per quoted frame.  Expansions yield
 * text that is not known here and count as nothing.
 */
enum {
	IN_PLAIN = 0,
	IN_SQ = 1,
	IN_DQ = 2,
	IN_ESC = 4
};

/* The quoted frame f yields byte c to a second shell. */
static void
lx_yield(struct shlex *l, char c)
{
	unsigned char *s = &l->inner[l->top];

	if (*s & IN_ESC) {
		*s &= (unsigned char)~IN_ESC;
		return;
	}
	switch (*s) {
	case IN_SQ:
		if (c == '\'')
			*s = IN_PLAIN;
		break;
	case IN_DQ:
		if (c == '\\')
			*s |= IN_ESC;
		else if (c == '"')
			*s = IN_PLAIN;
		break;
	default:
		if (c == '\\')
			*s |= IN_ESC;
		else if (c == '\'')
			*s = IN_SQ;
		else if (c == '"')
			*s = IN_DQ;
		break;
	}
}

/* Whether frame f's text is yielded to a second shell as it stands. */
static int
lx_quoted(enum lx_frame f)
{
	return f == LX_DQ || f == LX_SQ || f == LX_BRACE;
}

static void
lx_push(struct shlex *l, enum lx_frame f)
{
	if (l->top + 1 == SHLEX_DEPTH) {
		l->lost = "quotes nest too deeply in the command";
		return;
	}
	if (f == LX_BQ) {
		l->nbq++;
		l->bq_indq = l->f[l->top] == LX_DQ || l->f[l->top] == LX_BRACE;
	}
	l->top++;
	l->f[l->top] = (unsigned char)f;
	l->depth[l->top] = 0;
	/* "${x:-...}" and the quotes inside it go on with the text of the
	 * "..." around them; other quotes start afresh. */
	if ((f == LX_BRACE && (l->f[l->top - 1] == LX_DQ ||
	    l->f[l->top - 1] == LX_BRACE)) ||
	    (f == LX_DQ && l->f[l->top - 1] == LX_BRACE))
		l->inner[l->top] = l->inner[l->top - 1];
	else
		l->inner[l->top] = IN_PLAIN;
}

static void
lx_pop(struct shlex *l)
{
	if (l->top == 0)
		return;
	if (l->f[l->top] == LX_BQ && --l->nbq == 0)
		l->bq_nested = 0;
	if (l->f[l->top] == LX_BRACE || (l->f[l->top] == LX_DQ &&
	    l->f[l->top - 1] == LX_BRACE))
		l->inner[l->top - 1] = l->inner[l->top];
	l->top--;
}

/* One byte of the command as the shell's parser sees it; next is the
 * following byte or 0. */
static void
lx_core(struct shlex *l, char c, char next)
{
	enum lx_frame f;

	f = (enum lx_frame)l->f[l->top];
	l->dollar = 0;
	l->sqlast = 0;
	if (l->skip) {
		l->skip = 0;
		return;
	}
	/* A # that starts a word starts a comment, which a newline ends,
	 * quotes or not: no value can be quoted inside one. */
	if (f == LX_COMMENT) {
		if (c != '\n')
			return;
		lx_pop(l);
		f = (enum lx_frame)l->f[l->top];
	}
	if (f == LX_PLAIN || f == LX_CMDSUB || f == LX_BQ) {
		if (c == '#' && !l->inword && !l->esc) {
			lx_push(l, LX_COMMENT);
			return;
		}
		l->inword = !(c == ' ' || c == '\t' || c == '\n' ||
		    c == ';' || c == '&' || c == '|' || c == '(' ||
		    c == ')' || c == '<' || c == '>') || l->esc;
	} else
		l->inword = 1;
	if (l->esc) {
		l->esc = 0;
		/* Inside "...", \ is kept before all but $ ` " \ newline. */
		if (lx_quoted(f) && c != '\n') {
			if (c != '$' && c != '`' && c != '"' && c != '\\' &&
			    !(f == LX_BRACE && c == '}'))
				lx_yield(l, '\\');
			lx_yield(l, c);
		}
		return;
	}
	if (f == LX_SQ) {
		if (c == '\'')
			lx_pop(l);
		else {
			lx_yield(l, c);
			l->sqlast = c;
		}
		return;
	}
	if (c == '\\') {
		l->esc = 1;
		return;
	}
	if (c == '$' && next == '(') {
		lx_push(l, LX_CMDSUB);
		l->skip = 1;	/* swallow the ( */
		l->inword = 0;
		return;
	}
	if (c == '$' && next == '{') {
		lx_push(l, f == LX_DQ || f == LX_BRACE ? LX_BRACE : LX_UBRACE);
		l->skip = 1;
		return;
	}
	if (c == '$') {
		l->dollar = 1;
		return;
	}
	if (c == '`') {
		lx_push(l, LX_BQ);	/* lx_byte ends it */
		l->inword = 0;
		return;
	}
	if (f == LX_DQ) {
		if (c == '"')
			lx_pop(l);
		else
			lx_yield(l, c);
		return;
	}
	if ((f == LX_BRACE || f == LX_UBRACE) && c == '}') {
		lx_pop(l);
		return;
	}
	if (f == LX_BRACE) {
		if (c == '"')
			lx_push(l, LX_DQ);
		else if (c == '\'' && l->lost == NULL)
			l->lost = "a replacement string after a ' inside "
			    "\"${...}\" (shells disagree on it)";
		else
			lx_yield(l, c);
		return;
	}
	if (c == '\'')
		lx_push(l, LX_SQ);
	else if (c == '"')
		lx_push(l, LX_DQ);
	else if (f == LX_CMDSUB && c == '(')
		l->depth[l->top]++;
	else if (f == LX_CMDSUB && c == ')') {
		if (l->depth[l->top] == 0)
			lx_pop(l);
		else
			l->depth[l->top]--;
	}
}

/* Feed one byte of command text; next is the following byte or 0. */
void
shlex_byte(struct shlex *l, char c, char next)
{
	l->bq_unesc = 0;
	if (l->nbq == 0) {
		lx_core(l, c, next);
		return;
	}
	if (l->bq_bs) {
		l->bq_bs = 0;
		if (c == '`') {
			/* A second level of `...`, unescaped twice. */
			l->bq_nested = 1;
			l->dollar = l->esc = 0;
		} else if (c == '\\' || c == '$' || (c == '"' && l->bq_indq)) {
			lx_core(l, c, next);
			l->bq_unesc = 1;
		} else {
			lx_core(l, '\\', c);
			lx_core(l, c, next);
		}
		return;
	}
	if (c == '\\') {
		l->bq_bs = 1;
		return;
	}
	if (c != '`') {
		lx_core(l, c, next);
		return;
	}
	/* The closing backquote, whatever the command inside left open. */
	while (l->f[l->top] != LX_BQ) {
		if (l->lost == NULL)
			l->lost = l->f[l->top] == LX_CMDSUB ?
			    "a replacement string after nested backquotes; "
			    "use $(...)" :
			    "a replacement string after `...` with open quotes";
		lx_pop(l);
	}
	lx_pop(l);
	l->esc = l->dollar = 0;
	l->inword = 1;
}

/* Whether two lexer states quote what follows them alike. */
int
shlex_same(const struct shlex *a, const struct shlex *b)
{
	int i;

	if (a->top != b->top || a->esc != b->esc || a->nbq != b->nbq ||
	    a->bq_bs != b->bq_bs || a->skip != b->skip)
		return 0;
	for (i = 0; i <= a->top; i++)
		if (a->f[i] != b->f[i] || a->depth[i] != b->depth[i] ||
		    a->inner[i] != b->inner[i])
			return 0;
	return 1;
}


const char *
shlex_repl(struct shlex *l, unsigned *qctx)
{
	enum lx_frame f;

	if (l->lost != NULL)
		return l->lost;
	if (l->f[l->top] == LX_COMMENT)
		return "a replacement string inside a # comment (a newline "
		    "in the value would end it)";
	l->inword = 1;
	if (l->nbq > 0 && l->bq_nested)
		return "a replacement string inside nested backquotes; "
		    "use $(...)";
	/* \\{} or \\${} in `...`: the \ or $ before the value is two
	 * bytes of text, which shq_for does not take back. */
	if (l->bq_unesc && (l->esc || l->dollar))
		return "a replacement string after \\\\ or \\$ inside "
		    "backquotes; use $(...)";
	f = (enum lx_frame)l->f[l->top];
	/* A \ or $ inside '...' right before the value is literal there,
	 * but a second shell would apply it to the value: it becomes the
	 * value's, as after a bare \ or $ elsewhere. */
	if (f == LX_SQ && (l->sqlast == '\\' || l->sqlast == '$')) {
		if (l->sqlast == '\\')
			l->esc = 1;
		else
			l->dollar = 1;
		l->inner[l->top] &= (unsigned char)~IN_ESC;
	}
	l->sqlast = 0;
	if (lx_quoted(f) && (l->inner[l->top] & IN_ESC))
		return "a replacement string after a backslash that a "
		    "second shell reads (sh -c \"x\\\\{}\")";
	*qctx = f == LX_SQ ? QC_SQ : f == LX_DQ ? QC_DQ :
	    f == LX_BRACE || f == LX_UBRACE ? QC_BRACE : QC_NONE;
	if (f == LX_BRACE)
		*qctx |= QC_INDQ;
	if (lx_quoted(f) && l->inner[l->top] == IN_SQ)
		*qctx |= QC_IN_SQ;
	else if (lx_quoted(f) && l->inner[l->top] == IN_DQ)
		*qctx |= QC_IN_DQ;
	if (l->nbq > 0)
		*qctx |= QC_BQ;
	if (l->esc || l->bq_bs)
		*qctx |= QC_ESC;
	else if (l->dollar)
		*qctx |= QC_DOLLAR;
	/* In `...` the template's \ becomes the value's. */
	l->bq_bs = 0;
	l->esc = l->dollar = 0;
	return NULL;
}
