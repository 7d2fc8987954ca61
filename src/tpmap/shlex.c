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
#include <string.h>

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
	LX_COMMENT,
	LX_ARITH,	/* $((...)) or ((...)): ends at )) */
	LX_ARITHB,	/* $[...] or the subscript of ${a[...]}: ends at ] */
	LX_ARITHS,	/* ${x:offset:length}: ends at the } of the ${ */
	LX_HDOC,	/* a here-document's body, delimiter unquoted */
	LX_HDQ		/* ... delimiter quoted: the body is literal */
};

/*
 * Where a command frame is in its simple command (st[]): at a command
 * word, in ordinary arguments, after let (arithmetic arguments), after
 * declare and its kin (ST_DECLI: with -i, whose NAME=value assignments
 * are arithmetic), inside [[ ]] (ST_TESTA: the word after -eq and its
 * kin, an arithmetic operand).  Arithmetic frames keep in st[] whether
 * they are an expansion, $((...)) or $[...], inside a word.
 */
enum {
	ST_START,
	ST_ARGS,
	ST_LET,
	ST_DECL,
	ST_DECLI,
	ST_TEST,
	ST_TESTA
};
#define ST_EXPANSION 1	/* arithmetic frames */

/* Word flags (wf[]). */
enum {
	WF_EQ = 1,	/* an unquoted = in it: an assignment */
	WF_ASSOC = 2	/* declare -A seen in this command (on the frame) */
};

/* Here-documents: none; after <<; reading the delimiter; waiting for the
 * newline that starts the body; in the body. */
enum {
	HD_NONE,
	HD_LT,
	HD_WORD,
	HD_PENDING,
	HD_BODY
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
	return f == LX_DQ || f == LX_SQ || f == LX_BRACE || f == LX_HDOC;
}

/* Whether f is parsed as commands: words, operators, comments. */
static int
lx_cmdframe(enum lx_frame f)
{
	return f == LX_PLAIN || f == LX_CMDSUB || f == LX_BQ;
}

static int
lx_arithframe(enum lx_frame f)
{
	return f == LX_ARITH || f == LX_ARITHB || f == LX_ARITHS;
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
	l->st[l->top] = ST_START;
	l->wf[l->top] = 0;
	l->wnum[l->top] = l->wprev[l->top] = 0;
	if (f == LX_BRACE || f == LX_UBRACE) {
		l->bpos = 1;
		l->bnlen = 0;
	}
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
	if (l->f[l->top] != LX_SQ && l->f[l->top] != LX_DQ)
		l->wexp = 1;	/* an expansion: the text is not known */
	l->top--;
	/* The word around an expansion or quotes is no keyword. */
	l->wquoted = 1;
}

/* Whether the word read so far is s, with no quotes or expansions: a
 * reserved word (quoted, it is a command name). */
static int
lx_wordis(const struct shlex *l, const char *s)
{
	return !l->wquoted && l->wlen == strlen(s) &&
	    memcmp(l->word, s, l->wlen) == 0;
}

/* Whether the word is s once its quotes are removed: a builtin, which
 * \let and "let" still name. */
static int
lx_textis(const struct shlex *l, const char *s)
{
	return !l->wexp && l->wlen == strlen(s) &&
	    memcmp(l->word, s, l->wlen) == 0;
}

/* Reserved words and builtins after which a command word still follows. */
static int
lx_keyword(const struct shlex *l)
{
	static const char *const kw[] = {
		"if", "then", "do", "else", "elif", "while", "until", "!",
		"time", "-p", "{", "}", "for", "builtin", "command", "coproc"
	};
	size_t i;

	for (i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (lx_wordis(l, kw[i]))
			return 1;
	return 0;
}

static int
lx_namebyte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

/* What a declare gave a name: -A or -i. */
enum {
	NK_ASSOC = 1,
	NK_INT = 2
};

/* The kinds (NK_*) the template gave variable NAME so far. */
static int
lx_namekind(const struct shlex *l, const char *name, size_t len)
{
	int i;

	for (i = 0; i < l->nnames; i++)
		if (strlen(l->names[i]) == len &&
		    memcmp(l->names[i], name, len) == 0)
			return l->namekind[i];
	return 0;
}

/* The length of the NAME that starts the word read so far. */
static size_t
lx_wordname(const struct shlex *l)
{
	size_t n = 0;

	while (n < l->wlen && n < sizeof(l->word) && lx_namebyte(l->word[n]))
		n++;
	return n;
}

/* declare -A NAME, declare -i NAME[=...]: remember that NAME[...] is a
 * word, or NAME=... arithmetic.  Past SHLEX_NNAMES names, -A ones are
 * forgotten (their subscripts then count as arithmetic, the safe side)
 * and -i ones are refused. */
static void
lx_name_add(struct shlex *l, int kind)
{
	size_t n = lx_wordname(l);
	int i;

	if (n == 0 || n >= SHLEX_NAMEMAX || n >= sizeof(l->word))
		return;
	for (i = 0; i < l->nnames; i++)
		if (strlen(l->names[i]) == n &&
		    memcmp(l->names[i], l->word, n) == 0)
			break;
	if (i == SHLEX_NNAMES) {
		if ((kind & NK_INT) && l->lost == NULL)
			l->lost = "too many variables declared -i to follow";
		return;
	}
	if (i == l->nnames) {
		memcpy(l->names[i], l->word, n);
		l->names[i][n] = '\0';
		l->namekind[i] = 0;
		l->nnames++;
	}
	l->namekind[i] |= (unsigned char)kind;
}

static void
lx_word_start(struct shlex *l)
{
	l->wnum[l->top] = ++l->wordno;
	l->wlen = 0;
	l->wquoted = l->wexp = 0;
	l->wname = 1;
	l->wf[l->top] &= (unsigned char)~WF_EQ;
}

/* A byte of the word's text (quotes removed). */
static void
lx_word_text(struct shlex *l, char c)
{
	if (l->wlen < sizeof(l->word))
		l->word[l->wlen] = c;
	if (l->wlen <= sizeof(l->word))
		l->wlen++;
}

/* A byte of the word; esc: it follows an escaping backslash. */
static void
lx_word_byte(struct shlex *l, char c, int esc)
{
	if (esc || c == '\\' || c == '\'' || c == '"' || c == '$' ||
	    c == '`')
		l->wquoted = 1;
	if (!esc && (c == '$' || c == '`'))
		l->wexp = 1;
	if (c == '=' && !esc && l->wname && l->wlen > 0)
		l->wf[l->top] |= WF_EQ;
	if (!(l->wf[l->top] & WF_EQ) && (l->wquoted ||
	    !(lx_namebyte(c) || c == '[' || c == ']' || c == '+')))
		l->wname = 0;
	if (esc || (c != '\\' && c != '\'' && c != '"'))
		lx_word_text(l, c);
}

/* A byte inside quotes that belong to a word of a command frame. */
static void
lx_quoted_text(struct shlex *l, char c)
{
	if (l->top > 0 && lx_cmdframe((enum lx_frame)l->f[l->top - 1]))
		lx_word_text(l, c);
}

/* The word ends: what it makes of its simple command. */
static void
lx_word_end(struct shlex *l)
{
	unsigned char *st = &l->st[l->top];
	size_t n = l->wlen < sizeof(l->word) ? l->wlen : sizeof(l->word);

	/* { and } group commands (function f { ... }): a command follows. */
	if ((lx_wordis(l, "{") || lx_wordis(l, "}")) && *st != ST_TEST &&
	    *st != ST_TESTA) {
		*st = ST_START;
		l->wprev[l->top] = l->wnum[l->top];
		return;
	}
	switch (*st) {
	case ST_START:
		if ((l->wf[l->top] & WF_EQ) || lx_keyword(l))
			break;	/* the command word is still to come */
		if (lx_textis(l, "let"))
			*st = ST_LET;
		else if (lx_wordis(l, "[["))
			*st = ST_TEST;
		else if (lx_textis(l, "declare") || lx_textis(l, "typeset") ||
		    lx_textis(l, "local") || lx_textis(l, "readonly") ||
		    lx_textis(l, "export"))
			*st = ST_DECL;
		else
			*st = ST_ARGS;
		break;
	case ST_DECL:
	case ST_DECLI:
		if (*st == ST_DECLI && (l->wexp ||
		    memchr(l->word, '{', n) != NULL))
			l->int_unknown = 1;	/* names not known */
		if (!l->wexp && n > 0 && l->word[0] == '-') {
			if (memchr(l->word, 'i', n) != NULL)
				*st = ST_DECLI;
			if (memchr(l->word, 'A', n) != NULL)
				l->wf[l->top] |= WF_ASSOC;
		} else if ((l->wf[l->top] & WF_ASSOC) || *st == ST_DECLI)
			lx_name_add(l, ((l->wf[l->top] & WF_ASSOC) ?
			    NK_ASSOC : 0) | (*st == ST_DECLI ? NK_INT : 0));
		break;
	case ST_TEST:
		if (lx_wordis(l, "]]"))
			*st = ST_ARGS;
		else if (lx_wordis(l, "-eq") || lx_wordis(l, "-ne") ||
		    lx_wordis(l, "-lt") || lx_wordis(l, "-le") ||
		    lx_wordis(l, "-gt") || lx_wordis(l, "-ge")) {
			/* The operand before is arithmetic too. */
			l->arith_word = l->wprev[l->top];
			*st = ST_TESTA;
		}
		break;
	case ST_TESTA:
		*st = lx_wordis(l, "]]") ? ST_ARGS : ST_TEST;
		break;
	}
	l->wprev[l->top] = l->wnum[l->top];
}

/* The end of an arithmetic frame. */
static void
lx_arith_end(struct shlex *l)
{
	int expansion = l->st[l->top] & ST_EXPANSION;

	lx_pop(l);
	if (expansion)
		l->inword = 1;
	else if (lx_cmdframe((enum lx_frame)l->f[l->top]))
		l->st[l->top] = ST_ARGS;	/* after (( )) */
}

/*
 * ${NAME: the name, then a subscript [...] (arithmetic, unless NAME was
 * declared -A) or an offset :N (arithmetic, unlike :- := :? :+).  Returns
 * whether c was taken.
 */
static int
lx_brace_name(struct shlex *l, char c, char next)
{
	if (l->bpos == 3) {
		l->bpos = 0;
		if (c != ':' || next == '-' || next == '=' || next == '?' ||
		    next == '+')
			return 0;
		lx_push(l, LX_ARITHS);
		return 1;
	}
	if (l->bpos == 1 && l->bnlen == 0 && (c == '#' || c == '!')) {
		l->bpos = 2;	/* ${#x} ${!x}: the name follows */
		return 1;
	}
	if (lx_namebyte(c)) {
		if (l->bnlen < sizeof(l->bname))
			l->bname[l->bnlen] = c;
		l->bnlen++;
		l->bpos = 2;
		return 1;
	}
	if (l->bnlen == 0 && c != '\0' && strchr("@*?$-", c) != NULL) {
		l->bname[0] = c;
		l->bnlen = 1;
		l->bpos = 0;	/* a special parameter: one byte */
		return 1;
	}
	l->bpos = 0;
	if (c == '[' && l->bnlen > 0 && (l->bnlen >= sizeof(l->bname) ||
	    !(lx_namekind(l, l->bname, l->bnlen) & NK_ASSOC))) {
		lx_push(l, LX_ARITHB);
		return 1;
	}
	if (c == ':' && l->bnlen > 0 && next != '-' && next != '=' &&
	    next != '?' && next != '+') {
		lx_push(l, LX_ARITHS);
		return 1;
	}
	return 0;
}

/* One byte inside $((...)), ((...)), $[...], ${a[...]}, ${x:...}. */
static void
lx_arith(struct shlex *l, enum lx_frame f, char c, char next)
{
	unsigned *d = &l->depth[l->top];

	if (c == '"')
		lx_push(l, LX_DQ);
	else if (c == '\'')
		lx_push(l, LX_SQ);
	else if (f == LX_ARITHB) {
		if (c == '[')
			(*d)++;
		else if (c == ']' && *d > 0)
			(*d)--;
		else if (c == ']') {
			lx_arith_end(l);
			/* ${a[i]:offset:length} */
			if (l->f[l->top] == LX_BRACE ||
			    l->f[l->top] == LX_UBRACE)
				l->bpos = 3;
		}
	} else if (c == '(')
		(*d)++;
	else if (c == ')' && *d > 0)
		(*d)--;
	else if (c == ')' && f == LX_ARITH && next == ')') {
		l->skip = 1;
		lx_arith_end(l);
	} else if (c == ')') {
		if (l->lost == NULL)
			l->lost = "unbalanced ) in arithmetic";
	} else if (c == '}' && f == LX_ARITHS && *d == 0) {
		lx_pop(l);	/* ${x:N} ends with its ${ */
		lx_pop(l);
	}
}

/* After << (first is its first <): <<<, <<- or <<. */
static void
lx_heredoc_op(struct shlex *l, int first, char next)
{
	if (first) {
		if (l->hd != HD_NONE && l->lost == NULL)
			l->lost = "two here-documents at once";
		else if (l->nbq > 0 && l->lost == NULL)
			l->lost = "a here-document inside backquotes";
		else
			l->hd = HD_LT;
		return;
	}
	if (l->hd != HD_LT)
		return;
	if (next == '<') {
		l->hd = HD_NONE;	/* <<<: a here-string */
		l->skip = 1;
		return;
	}
	l->hd_strip = next == '-';
	l->skip = l->hd_strip;
	l->hd = HD_WORD;
	l->hd_frame = l->top;
	l->hd_len = 0;
	l->hd_quoted = l->hd_odd = 0;
}

/*
 * A byte of the delimiter word after <<, before the lexer sees it.
 * Returns whether to drop the byte (a blank before the word).  Quotes
 * anywhere in the word make the body literal, with quote removal.
 */
static int
lx_heredoc_word(struct shlex *l, enum lx_frame f, char c)
{
	if (l->top == l->hd_frame && !l->esc) {
		if ((c == ' ' || c == '\t') && l->hd_len == 0 &&
		    !l->hd_quoted)
			return 1;
		if (c == ' ' || c == '\t' || c == '\n' || c == ';' ||
		    c == '&' || c == '|' || c == '(' || c == ')' ||
		    c == '<' || c == '>') {
			if (l->hd_len == 0 && !l->hd_quoted &&
			    l->lost == NULL)
				l->lost = "a here-document without a delimiter";
			l->hd = HD_PENDING;
			return 0;
		}
		if (c == '\'' || c == '"' || c == '\\') {
			l->hd_quoted = 1;
			return 0;
		}
	} else if ((f == LX_SQ && c == '\'') ||
	    (f == LX_DQ && c == '"' && !l->esc))
		return 0;	/* the closing quote */
	if (c == '$' || c == '`' || c == '\\' || l->top != l->hd_frame +
	    (f == LX_SQ || f == LX_DQ))
		l->hd_odd = 1;
	if (l->hd_len < sizeof(l->hd_delim))
		l->hd_delim[l->hd_len++] = c;
	else
		l->hd_odd = 1;
	return 0;
}

/* One byte of the command as the shell's parser sees it; next is the
 * following byte or 0. */
static void
lx_core(struct shlex *l, char c, char next)
{
	enum lx_frame f;
	int was, escaped, prev_dollar;

	f = (enum lx_frame)l->f[l->top];
	prev_dollar = l->dollar;
	l->dollar = 0;
	l->sqlast = 0;
	if (l->skip) {
		l->skip = 0;
		/* $(( is arithmetic: drop its second ( too. */
		if (c == '(' && next == '(' && f == LX_CMDSUB) {
			l->f[l->top] = LX_ARITH;
			l->st[l->top] = ST_EXPANSION;
			l->skip = 1;
		}
		return;
	}
	if (f == LX_HDQ)
		return;		/* a literal body */
	if (l->hd == HD_WORD && lx_heredoc_word(l, f, c))
		return;
	/* A # that starts a word starts a comment, which a newline ends,
	 * quotes or not: no quoting keeps a newline inside one. */
	if (f == LX_COMMENT) {
		if (c != '\n')
			return;
		lx_pop(l);
		f = (enum lx_frame)l->f[l->top];
	}
	escaped = l->esc;
	if (lx_cmdframe(f)) {
		if (c == '#' && !l->inword && !l->esc) {
			/* bash reads no comment in [[ ]] or an extglob
			 * pattern; where it does is not sure enough. */
			if ((l->xdepth > 0 || l->st[l->top] == ST_TEST ||
			    l->st[l->top] == ST_TESTA) && l->lost == NULL)
				l->lost = "a # inside [[ ]] or an extglob "
				    "pattern (a comment or not, by shell)";
			lx_push(l, LX_COMMENT);
			return;
		}
		if (c == '(' && l->inword && !l->esc && l->prevc != '\0' &&
		    strchr("@!*+?", l->prevc) != NULL)
			l->xdepth++;
		else if (c == ')' && l->xdepth > 0 && !l->esc)
			l->xdepth--;
		l->prevc = c;
		was = l->inword;
		l->inword = !(c == ' ' || c == '\t' || c == '\n' ||
		    c == ';' || c == '&' || c == '|' || c == '(' ||
		    c == ')' || c == '<' || c == '>') || l->esc;
		if (was && !l->inword)
			lx_word_end(l);
		else if (!was && l->inword)
			lx_word_start(l);
		if (l->inword) {
			lx_word_byte(l, c, l->esc);
			/* NAME[i]=: the subscript is arithmetic. */
			if (c == '[' && !l->esc && l->wname && l->wlen > 1 &&
			    lx_namebyte(l->word[0]) &&
			    !(l->word[0] >= '0' && l->word[0] <= '9') &&
			    !(l->wf[l->top] & WF_EQ) &&
			    (l->st[l->top] == ST_START ||
			    l->st[l->top] == ST_DECL ||
			    l->st[l->top] == ST_DECLI) &&
			    !(lx_namekind(l, l->word, lx_wordname(l)) &
			    NK_ASSOC)) {
				lx_push(l, LX_ARITHB);
				l->st[l->top] = ST_EXPANSION;
				return;
			}
		} else if (c == '(' && next == '(' && !was) {
			/* ((...)): an arithmetic command. */
			lx_push(l, LX_ARITH);
			l->skip = 1;
			return;
		} else if (c == '<' && (l->hd == HD_LT || next == '<'))
			lx_heredoc_op(l, l->hd != HD_LT, next);
		else if (c != ' ' && c != '\t' && c != '<' && c != '>' &&
		    l->st[l->top] != ST_TEST && l->st[l->top] != ST_TESTA) {
			/* ; & | newline ( ): the next command. */
			l->st[l->top] = ST_START;
			l->wf[l->top] = 0;
		}
		if (c == '\n' && !escaped && l->hd == HD_PENDING) {
			if (l->top != l->hd_frame && l->lost == NULL)
				l->lost = "a here-document whose body the "
				    "lexer cannot place";
			lx_push(l, l->hd_quoted ? LX_HDQ : LX_HDOC);
			l->hd = HD_BODY;
			l->hd_pos = 0;
			l->hd_ok = l->hd_lead = 1;
			return;
		}
	} else
		l->inword = 1;
	if (l->esc) {
		l->esc = 0;
		l->dollar_esc = 0;
		/* Inside "...", \ is kept before all but $ ` " \ newline;
		 * in a here-document " too. */
		if (lx_quoted(f) && c != '\n') {
			if (c != '$' && c != '`' && c != '\\' &&
			    (c != '"' || f == LX_HDOC) &&
			    !(f == LX_BRACE && c == '}'))
				lx_yield(l, '\\');
			lx_yield(l, c);
		}
		return;
	}
	if (f == LX_SQ) {
		/* $'...': bash escapes with \ there, dash has no such
		 * quotes; they agree but on \'. */
		if (l->st[l->top] && l->ansi_bs) {
			l->ansi_bs = 0;
			if (c == '\'' && l->lost == NULL)
				l->lost = "\\' inside $'...' (bash and dash "
				    "read it differently)";
		} else if (l->st[l->top] && c == '\\')
			l->ansi_bs = 1;
		if (c == '\'' && !l->ansi_bs)
			lx_pop(l);
		else {
			lx_yield(l, c);
			lx_quoted_text(l, c);
			l->sqlast = c;
		}
		return;
	}
	if ((f == LX_BRACE || f == LX_UBRACE) && l->bpos != 0 &&
	    lx_brace_name(l, c, next))
		return;
	if (c == '\\') {
		l->esc = 1;
		/* $\{}: the value's quotes would follow a $. */
		l->dollar_esc = prev_dollar;
		return;
	}
	if (c == '$' && next == '(') {
		lx_push(l, LX_CMDSUB);
		l->skip = 1;	/* swallow the ( */
		l->inword = 0;
		return;
	}
	if (c == '$' && next == '[') {
		lx_push(l, LX_ARITHB);
		l->st[l->top] = ST_EXPANSION;
		l->skip = 1;
		return;
	}
	if (c == '$' && next == '{') {
		lx_push(l, f == LX_DQ || f == LX_BRACE || f == LX_HDOC ?
		    LX_BRACE : LX_UBRACE);
		l->skip = 1;
		return;
	}
	if (c == '$') {
		l->dollar = 1;
		l->wexp = 1;
		l->pend_ansi = next == '\'' && (lx_cmdframe(f) ||
		    f == LX_UBRACE);
		return;
	}
	if (c == '`') {
		lx_push(l, LX_BQ);	/* lx_byte ends it */
		l->inword = 0;
		return;
	}
	if (lx_arithframe(f)) {
		lx_arith(l, f, c, next);
		return;
	}
	if (f == LX_HDOC) {
		lx_yield(l, c);
		return;
	}
	if (f == LX_DQ) {
		if (c == '"')
			lx_pop(l);
		else {
			lx_yield(l, c);
			lx_quoted_text(l, c);
		}
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
	if (c == '\'') {
		lx_push(l, LX_SQ);
		l->st[l->top] = (unsigned char)l->pend_ansi;
		l->ansi_bs = l->pend_ansi = 0;
	} else if (c == '"')
		lx_push(l, LX_DQ);
	else if (f == LX_CMDSUB && c == '(')
		l->depth[l->top]++;
	else if (f == LX_CMDSUB && c == ')') {
		if (l->depth[l->top] == 0) {
			lx_pop(l);
			l->inword = 1;
		} else
			l->depth[l->top]--;
	}
}

/* After `...` is undone: one byte as the shell's parser sees it. */
static void
lx_byte(struct shlex *l, char c, char next)
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

/* The body line cannot be the delimiter: give the lexer the bytes held
 * while it might have been; c follows them. */
static void
hd_flush(struct shlex *l, char c)
{
	unsigned i;

	l->hd_ok = 0;
	for (i = 0; i < l->hd_pos; i++)
		lx_byte(l, l->hd_delim[i],
		    i + 1 < l->hd_pos ? l->hd_delim[i + 1] : c);
	l->hd_pos = 0;
}

/* The delimiter line: the body ends, and the command goes on. */
static void
hd_end(struct shlex *l)
{
	enum lx_frame f;

	for (;;) {
		f = (enum lx_frame)l->f[l->top];
		if (f == LX_HDOC || f == LX_HDQ || l->top == 0)
			break;
		if (l->lost == NULL)
			l->lost = "a here-document's body that leaves quotes "
			    "or an expansion open";
		lx_pop(l);
	}
	lx_pop(l);
	l->hd = HD_NONE;
	l->esc = l->dollar = 0;
	l->inword = 0;
}

/*
 * A byte of a here-document's body.  The shell compares each raw line
 * with the delimiter before it expands anything, so the bytes that match
 * it so far are held back, and leading tabs after <<- are dropped, as
 * the shell drops them.  Returns whether the byte was taken.
 */
static int
hd_line(struct shlex *l, char c)
{
	if (c == '\n') {
		if (l->hd_ok && l->hd_pos == l->hd_len) {
			hd_end(l);
			return 1;
		}
		hd_flush(l, c);
		/* bash joins the lines for the comparison, dash not. */
		if (l->esc && l->f[l->top] != LX_HDQ && l->lost == NULL)
			l->lost = "a backslash at the end of a line of a "
			    "here-document (shells differ there)";
		return 0;
	}
	if (l->hd_lead && l->hd_strip && c == '\t')
		return 1;
	l->hd_lead = 0;
	if (!l->hd_ok)
		return 0;
	/* bash ends a body inside $(...) at "EOF)" too, with a warning. */
	if (l->hd_pos == l->hd_len && l->lost == NULL)
		l->lost = "a line of a here-document that starts with its "
		    "delimiter (bash may end the body there)";
	if (l->hd_pos < l->hd_len && l->hd_delim[l->hd_pos] == c) {
		l->hd_pos++;
		return 1;
	}
	hd_flush(l, c);
	return 0;
}

/* Feed one byte of command text; next is the following byte or 0. */
void
shlex_byte(struct shlex *l, char c, char next)
{
	if (l->hd == HD_BODY) {
		if (hd_line(l, c))
			return;
		lx_byte(l, c, next);
		if (c == '\n' && l->hd == HD_BODY) {
			l->hd_pos = 0;
			l->hd_ok = l->hd_lead = 1;
		}
		return;
	}
	lx_byte(l, c, next);
}

/* What of a command frame's state changes how a value is taken: the
 * states where it is arithmetic, or may become so. */
static int
st_class(unsigned char st)
{
	return st == ST_START || st == ST_ARGS || st == ST_DECL ? ST_ARGS : st;
}

/* Whether two lexer states quote what follows them alike. */
int
shlex_same(const struct shlex *a, const struct shlex *b)
{
	int i;

	if (a->top != b->top || a->esc != b->esc || a->nbq != b->nbq ||
	    a->bq_bs != b->bq_bs || a->skip != b->skip || a->hd != b->hd)
		return 0;
	for (i = 0; i <= a->top; i++)
		if (a->f[i] != b->f[i] || a->depth[i] != b->depth[i] ||
		    a->inner[i] != b->inner[i] ||
		    st_class(a->st[i]) != st_class(b->st[i]))
			return 0;
	return 1;
}


/*
 * Whether a value at the current point is evaluated as arithmetic, and,
 * inside [[ ]], note its word in repl_word: an -eq after it makes it
 * arithmetic too.  Quotes and ${...} are looked through: the shell
 * evaluates what they yield.
 */
static int
lx_repl_arith(struct shlex *l, int was_inword)
{
	enum lx_frame g;
	int i = l->top;

	while (i > 0 && (l->f[i] == LX_DQ || l->f[i] == LX_SQ ||
	    l->f[i] == LX_BRACE || l->f[i] == LX_UBRACE))
		i--;
	g = (enum lx_frame)l->f[i];
	l->repl_word = 0;
	if (lx_arithframe(g))
		return 1;
	if (!lx_cmdframe(g))
		return 0;
	if (i == l->top && !was_inword)
		lx_word_start(l);
	l->wquoted = 1;		/* no keyword, no name */
	l->wname = 0;
	if (l->st[i] == ST_TEST)
		l->repl_word = l->wnum[i];
	if (l->st[i] == ST_LET || l->st[i] == ST_TESTA ||
	    (l->st[i] == ST_DECLI && (l->wf[i] & WF_EQ)))
		return 1;
	/* NAME=value, NAME declared -i before: in an assignment or as
	 * an argument of declare and its kin. */
	return (l->wf[i] & WF_EQ) && (l->st[i] == ST_START ||
	    l->st[i] == ST_DECL) && (l->int_unknown ||
	    (lx_namekind(l, l->word, lx_wordname(l)) & NK_INT));
}

/* A value in a here-document's body: NULL, or why it cannot go there. */
static const char *
lx_repl_heredoc(struct shlex *l)
{
	if (l->hd == HD_LT || l->hd == HD_WORD)
		return "a replacement string in a here-document's delimiter";
	if (l->hd != HD_BODY)
		return NULL;
	/* With the value in it, the line is no delimiter (shquote.h). */
	if (l->hd_ok)
		hd_flush(l, 0);
	l->hd_lead = 0;
	if (l->f[l->top] == LX_HDQ)
		return "a replacement string in a here-document whose "
		    "delimiter is quoted (<<'EOF'), where nothing can quote "
		    "it: leave the delimiter unquoted";
	if (l->f[l->top] != LX_HDOC)
		return "a replacement string inside quotes or an expansion "
		    "in a here-document's body";
	if (l->hd_odd)
		return "a replacement string in a here-document whose "
		    "delimiter holds $, ` or \\, or is over 32 bytes";
	return NULL;
}

const char *
shlex_repl(struct shlex *l, unsigned *qctx)
{
	enum lx_frame f;
	const char *why;
	int arith, was_inword = l->inword;

	if (l->lost != NULL)
		return l->lost;
	if (l->f[l->top] == LX_COMMENT) {
		/* Inert there, but for a newline, which ends it. */
		*qctx = QC_COMMENT;
		return NULL;
	}
	if ((why = lx_repl_heredoc(l)) != NULL)
		return why;
	if (l->f[l->top] == LX_SQ && l->st[l->top])
		return "a replacement string inside $'...' (bash and dash "
		    "read it differently)";
	if (l->esc && l->dollar_esc)
		return "a replacement string after $\\ (bash would read "
		    "$'...')";
	arith = lx_repl_arith(l, was_inword);
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
	    f == LX_BRACE || f == LX_UBRACE ? QC_BRACE :
	    f == LX_HDOC ? QC_HDOC : QC_NONE;
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
	if (arith) {
		if (*qctx & (QC_ESC | QC_DOLLAR))
			return "a replacement string after \\ or $ in "
			    "arithmetic";
		*qctx |= QC_ARITH;
	}
	/* In `...` the template's \ becomes the value's. */
	l->bq_bs = 0;
	l->esc = l->dollar = 0;
	return NULL;
}
