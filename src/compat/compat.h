/* SPDX-License-Identifier: MIT */
/*
 * BSD functions the CLI uses that glibc lacks: strtonum(3) and
 * reallocarray(3).  With libbsd's overlay (HAVE_LIBBSD) <stdlib.h> declares
 * them; otherwise compat.c provides them.  Include this after <stdlib.h>.
 */
#ifndef TP_COMPAT_H
#define TP_COMPAT_H

#include <stddef.h>
#include <stdlib.h>

#ifndef HAVE_LIBBSD
long long strtonum(const char *s, long long minval, long long maxval,
    const char **errstrp);
void *reallocarray(void *p, size_t nmemb, size_t size);
#endif

#endif /* TP_COMPAT_H */
