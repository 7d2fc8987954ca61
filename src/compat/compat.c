/* SPDX-License-Identifier: MIT */
/*
 * Fallbacks for strtonum(3) and reallocarray(3), built only when libbsd is
 * absent.  They follow the OpenBSD manual pages: strtonum reports "invalid",
 * "too small" or "too large" through *errstrp and returns 0 on error.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include "compat.h"

long long
strtonum(const char *s, long long minval, long long maxval,
    const char **errstrp)
{
	long long v = 0;
	char *end;
	int saved = errno;
	const char *err = NULL;

	if (minval > maxval) {
		err = "invalid";
	} else {
		errno = 0;
		v = strtoll(s, &end, 10);
		if (end == s || *end != '\0')
			err = "invalid";
		else if ((v == LLONG_MIN && errno == ERANGE) || v < minval)
			err = "too small";
		else if ((v == LLONG_MAX && errno == ERANGE) || v > maxval)
			err = "too large";
	}
	if (errstrp != NULL)
		*errstrp = err;
	errno = err != NULL ? (err[0] == 'i' ? EINVAL : ERANGE) : saved;
	return err != NULL ? 0 : v;
}

void *
reallocarray(void *p, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, nmemb * size);
}
