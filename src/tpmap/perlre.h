/* SPDX-License-Identifier: MIT */
/*
 * Perl regular expressions for --colsep, translated to POSIX EREs.  GNU
 * parallel splits records with Perl's split, and common separators use
 * Perl syntax that regcomp does not know.  Translated: the escapes \t \n
 * \r \f \e \a \xHH \x{HH}; the classes \d \s \w \h \v and their
 * negations \D \S \W \H \V (inside brackets only the lower-case ones);
 * escapes inside brackets; \A as ^, \z and \Z as $; an escaped
 * punctuation character as itself; (?:...) as a group whose match is not
 * a field.  Lazy and possessive quantifiers (*? +? ?? {n}? *+ ...) lose
 * their suffix, as POSIX matching is leftmost-longest anyway.  Rejected
 * here: a NUL byte (\x00), a trailing backslash, unbalanced brackets and
 * negated class escapes inside brackets.  Everything else (lookaround,
 * (?flags), backtracking verbs, \b, back-references) is passed on as
 * written for regcomp to accept or reject.
 */
#ifndef TPMAP_PERLRE_H
#define TPMAP_PERLRE_H

#include <regex.h>
#include <stddef.h>

#include "util.h"

/* Perl's \s for byte strings: GNU parallel trims with s/^\s+// and
 * s/\s+$//, so vertical tab and form feed go too, but not 0x85 or 0xa0. */
#define PERL_SPACE	" \t\n\v\f\r"

/* A compiled --colsep.  One thread at a time: splitting uses m. */
struct perlre {
	regex_t re;
	unsigned char *capturing;	/* per subexpression of re */
	regmatch_t *m;
	size_t nm;
};

/* Decode the escape at p (just after the backslash) if it stands for one
 * byte: \t \n \r \f \e \a \xHH \x{HH}.  Returns the byte, with *endp after
 * the escape, -1 if it is no such escape, -2 for \x00. */
int perlre_esc_byte(const char *p, const char **endp);

/* Translate and compile Perl regex pat.  Returns 0, or -1 with a one-line
 * message (regcomp's or the translation's) in err.  Release a compiled
 * one with perlre_free. */
int perlre_compile(struct perlre *r, const char *pat, char *err,
    size_t errlen);
/* The same with regcomp's flags cflags (REG_EXTENDED | REG_NEWLINE for
 * Perl's line semantics: . and [^x] do not match a newline). */
int perlre_compile_flags(struct perlre *r, const char *pat, int cflags,
    char *err, size_t errlen);
void perlre_free(struct perlre *r);

/*
 * Split rec (len bytes, rec[len] must be writable) as Perl's
 * split(/re/, rec, -1) does, which is what GNU parallel runs: a separator
 * is a match that ends after the start of the current field (so an empty
 * match never makes an empty field at the start), captured groups become
 * fields too, and the rest after the last separator is a field even if
 * empty.  Without keep_trailing, trailing empty fields are dropped, as
 * split without a limit does (the --header line).
 */
void perlre_split(struct perlre *r, char *rec, size_t len, struct fieldv *v,
    int keep_trailing);

#endif /* TPMAP_PERLRE_H */
