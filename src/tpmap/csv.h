/* SPDX-License-Identifier: MIT */
/*
 * --csv records: RFC 4180 fields, as GNU parallel reads them through
 * Text::CSV.  The parser sees one whole record at a time: finding where
 * it ends (a quoted field may span lines) and dropping a final CR are
 * input.c's.  Pure: no I/O, no state between records.
 */
#ifndef TPMAP_CSV_H
#define TPMAP_CSV_H

#include <stddef.h>

#include "util.h"

/*
 * Parse one --csv record as Text::CSV (binary, quote and escape '"') does
 * for GNU parallel: a field is either unquoted, with no quote in it, or
 * quoted from its first byte, with "" for a quote and anything else
 * (separator, newline, NUL) literal, and then followed by a separator or
 * the end.  Unquoted field bytes point into rec; quoted ones are copied to
 * work, which is reset first.  Appends the fields to v and returns 0, or
 * returns -1 with *whyp set for a malformed record (v as it was).
 */
int csv_parse(const char *rec, size_t len, char sep, struct buf *work,
    struct fieldv *v, const char **whyp);

#endif /* TPMAP_CSV_H */
