/* SPDX-License-Identifier: MIT */
/*
 * The --csv field parser.  A record is parsed in one pass without
 * backtracking; a malformed one is refused whole, with a reason, rather
 * than split some other way, since a wrong split would run a job with the
 * wrong arguments.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "csv.h"
#include "util.h"

int
csv_parse(const char *rec, size_t len, char sep, struct buf *w,
    struct fieldv *v, const char **whyp)
{
	size_t p = 0, start, first = v->n, i, *offs = NULL, nq = 0;

	buf_reset(w);
	/* Quoted fields that are all empty must not point at NULL + 0. */
	buf_grow(w, 0);
	/* Quoted fields go to work, which may move while it grows: their
	 * offsets are noted and turned into pointers at the end. */
	for (;;) {
		if (p < len && rec[p] == '"') {
			start = w->len;
			for (p++;; p++) {
				if (p >= len) {
					*whyp = "unterminated quoted field";
					goto fail;
				}
				if (rec[p] != '"') {
					buf_addc(w, rec[p]);
					continue;
				}
				if (p + 1 < len && rec[p + 1] == '"') {
					buf_addc(w, '"');
					p++;
					continue;
				}
				break;
			}
			p++;
			offs = xreallocarray(offs, nq + 1, sizeof(*offs));
			offs[nq++] = v->n;
			fv_add(v, (const char *)(uintptr_t)start,
			    w->len - start);
			if (p < len && rec[p] != sep) {
				*whyp = "text after a closing quote";
				goto fail;
			}
		} else {
			start = p;
			for (; p < len && rec[p] != sep; p++)
				if (rec[p] == '"') {
					*whyp = "quote in an unquoted field";
					goto fail;
				}
			fv_add(v, rec + start, p - start);
		}
		if (p >= len)
			break;
		p++;	/* the separator: another field follows, maybe empty */
	}
	for (i = 0; i < nq; i++)
		v->f[offs[i]].s = w->p + (uintptr_t)v->f[offs[i]].s;
	free(offs);
	return 0;
fail:
	v->n = first;
	free(offs);
	return -1;
}
