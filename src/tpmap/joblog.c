/* SPDX-License-Identifier: MIT */
/*
 * The job log.  Tab-separated rows are GNU parallel's: Seq, Host (":" for
 * this machine), Starttime (seconds since the epoch, 3 decimals),
 * JobRuntime (%10.3f), Send (the bytes given on stdin, --pipe), Receive
 * (bytes of stdout), Exitval, Signal, Command.  A job killed by a signal
 * logs Exitval 0 and the signal, one that timed out Exitval -1, as
 * parallel does; JSON rows keep the same numbers under their names, so
 * that the two formats never disagree.  The file is opened O_APPEND and
 * each row goes out in one write, so rows from several workers never
 * interleave.
 *
 * Reading back needs only seq, exitval, signal and the command; the JSON
 * reader is a small recursive-descent parser of one object per line that
 * skips every other member, whatever its type.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "joblog.h"
#include "util.h"

static const char header[] =
    "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\t"
    "Command\n";

struct joblog {
	int fd;
	char *path;
	enum joblog_format fmt;
	int failed;
};

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * The format of the log already in path: JSON when its first byte is {,
 * tab-separated otherwise; -1 when it is empty or cannot be read (then
 * anything may be appended, and open reports what is wrong).
 */
static int
existing_format(const char *path)
{
	char c;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n != 1)
		return -1;
	return c == '{' ? JOBLOG_JSON : JOBLOG_TSV;
}

struct joblog *
joblog_open(const char *path, int append, enum joblog_format fmt)
{
	struct joblog *jl;
	struct stat st;
	int fd, e, have;

	/* Rows of two formats in one file would make it unreadable to
	 * anything but tpmap. */
	if (append && (have = existing_format(path)) >= 0 &&
	    have != (int)fmt) {
		msg_warnx("--joblog %s: a %s log; not appending %s rows to it",
		    path, have == JOBLOG_JSON ? "JSON" : "tab-separated",
		    fmt == JOBLOG_JSON ? "JSON" : "tab-separated");
		return NULL;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
	    (append ? 0 : O_TRUNC), 0666);
	if (fd < 0) {
		msg_warn("--joblog %s", path);
		return NULL;
	}
	if (fmt == JOBLOG_TSV && fstat(fd, &st) == 0 && st.st_size == 0 &&
	    (e = write_full(fd, header, sizeof(header) - 1) == 0 ? 0 : errno) != 0) {
		msg_warnx("--joblog %s: %s", path, strerror(e));
		close(fd);
		return NULL;
	}
	jl = xcalloc(1, sizeof(*jl));
	jl->fd = fd;
	jl->path = xstrdup(path);
	jl->fmt = fmt;
	return jl;
}

/*
 * The length of the valid UTF-8 sequence at p (at most n bytes), or 0
 * when p does not start one: a stray continuation byte, a truncated
 * sequence, an overlong form, a surrogate or a code point past U+10FFFF.
 */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned long cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* Append s as a JSON string.  Returns 1 when every byte was part of valid
 * UTF-8, 0 when some were replaced by U+FFFD. */
static int
json_string(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	char esc[8];
	size_t i, len;
	int valid = 1;

	buf_addc(b, '"');
	for (i = 0; i < n; i += len) {
		if ((len = utf8_len(p + i, n - i)) == 0) {
			buf_adds(b, "\xef\xbf\xbd");	/* U+FFFD */
			valid = 0;
			len = 1;
		} else if (p[i] == '"' || p[i] == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)p[i]);
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", p[i]);
			buf_adds(b, esc);
		} else
			buf_add(b, p + i, len);
	}
	buf_addc(b, '"');
	return valid;
}

static void
base64_string(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long v;
	size_t i;

	buf_addc(b, '"');
	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8 |
		    p[i + 2];
		buf_addc(b, b64chars[v >> 18 & 63]);
		buf_addc(b, b64chars[v >> 12 & 63]);
		buf_addc(b, b64chars[v >> 6 & 63]);
		buf_addc(b, b64chars[v & 63]);
	}
	if (n - i == 1) {
		v = (unsigned long)p[i] << 16;
		buf_addc(b, b64chars[v >> 18 & 63]);
		buf_addc(b, b64chars[v >> 12 & 63]);
		buf_adds(b, "==");
	} else if (n - i == 2) {
		v = (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8;
		buf_addc(b, b64chars[v >> 18 & 63]);
		buf_addc(b, b64chars[v >> 12 & 63]);
		buf_addc(b, b64chars[v >> 6 & 63]);
		buf_addc(b, '=');
	}
	buf_addc(b, '"');
}

/* A string member: "name":"value", and "name_base64" when the value is not
 * valid UTF-8. */
static void
json_member(struct buf *b, const char *name, const char *s, size_t n)
{
	buf_adds(b, ",\"");
	buf_adds(b, name);
	buf_adds(b, "\":");
	if (json_string(b, s, n))
		return;
	buf_adds(b, ",\"");
	buf_adds(b, name);
	buf_adds(b, "_base64\":");
	base64_string(b, s, n);
}

/* "argv":[...], and "argv_base64":[...] when an argument is not valid
 * UTF-8. */
static void
json_argv(struct buf *b, char *const *argv)
{
	size_t i;
	int valid = 1;

	buf_adds(b, ",\"argv\":[");
	for (i = 0; argv[i] != NULL; i++) {
		if (i > 0)
			buf_addc(b, ',');
		valid &= json_string(b, argv[i], strlen(argv[i]));
	}
	buf_addc(b, ']');
	if (valid)
		return;
	buf_adds(b, ",\"argv_base64\":[");
	for (i = 0; argv[i] != NULL; i++) {
		if (i > 0)
			buf_addc(b, ',');
		base64_string(b, argv[i], strlen(argv[i]));
	}
	buf_addc(b, ']');
}

/* The tab-separated row of j, Exitval and Signal already worked out. */
static void
tsv_row(struct buf *b, const struct job *j, int exitval, int sig)
{
	char num[160];
	int n;

	n = snprintf(num, sizeof(num),
	    "%llu\t:\t%lld.%03ld\t%10.3f\t%llu\t%llu\t%d\t%d\t",
	    j->seq, (long long)j->wall_start.tv_sec,
	    j->wall_start.tv_nsec / 1000000, j->runtime, j->sent,
	    j->out[0].total, exitval, sig);
	buf_add(b, num, (size_t)n);
	if (j->cmd != NULL)
		buf_add(b, j->cmd, j->cmdlen);
	buf_addc(b, '\n');
}

/* The JSON row of j: the numbers first, in a fixed order, then the
 * strings, whose length has no bound. */
static void
json_row(struct buf *b, const struct job *j, int exitval, int sig)
{
	char num[512];
	long long end_s, end_ns;
	int n;

	/* Wall clock at the start plus the monotonic runtime: a clock step
	 * during the job does not make it end before it began. */
	end_ns = (long long)j->wall_start.tv_nsec +
	    (long long)(j->runtime * 1e9);
	end_s = (long long)j->wall_start.tv_sec + end_ns / 1000000000;
	end_ns %= 1000000000;
	n = snprintf(num, sizeof(num),
	    "{\"seq\":%llu,\"host\":\":\",\"slot\":%u,"
	    "\"starttime\":%lld.%06ld,\"endtime\":%lld.%06lld,"
	    "\"runtime\":%.6f,\"stdin_bytes\":%llu,\"stdout_bytes\":%llu,"
	    "\"stderr_bytes\":%llu,\"exitval\":%d,\"signal\":%d,"
	    "\"timed_out\":%s,\"attempts\":%u",
	    j->seq, j->slot, (long long)j->wall_start.tv_sec,
	    j->wall_start.tv_nsec / 1000, end_s, end_ns / 1000, j->runtime,
	    j->sent, j->out[0].total, j->out[1].total, exitval,
	    sig, j->timed_out ? "true" : "false",
	    j->attempts > 0 ? j->attempts : 1);
	buf_add(b, num, (size_t)n);
	json_member(b, "command", j->cmd != NULL ? j->cmd : "",
	    j->cmd != NULL ? j->cmdlen : 0);
	if (j->direct && j->argv != NULL)
		json_argv(b, j->argv);
	buf_adds(b, "}\n");
}

int
joblog_write(struct joblog *jl, const struct job *j)
{
	struct buf b = { 0 };
	off_t end;
	int e, exitval, sig;

	exitval = j->exitval;
	sig = j->sig;
	if (j->timed_out)
		exitval = -1;
	else if (sig != 0)
		exitval = 0;
	else if (!j->started)
		exitval = 127;
	if (jl->fmt == JOBLOG_JSON)
		json_row(&b, j, exitval, sig);
	else
		tsv_row(&b, j, exitval, sig);
	/* A row cut short (a full disk, EFBIG) is taken back: the next row
	 * appended, by this run or a --resume, would be glued to it, and
	 * --retry-failed would run a command cut short. */
	end = lseek(jl->fd, 0, SEEK_END);
	e = write_full(jl->fd, b.p, b.len) == 0 ? 0 : errno;
	if (e != 0 && end >= 0)
		(void)ftruncate(jl->fd, end);
	if (e != 0 && !jl->failed) {
		jl->failed = 1;
		msg_warnx("--joblog %s: %s", jl->path, strerror(e));
	}
	buf_free(&b);
	return e;
}

void
joblog_close(struct joblog *jl)
{
	if (jl == NULL)
		return;
	close(jl->fd);
	free(jl->path);
	free(jl);
}

/* Parse field i (0-based) of a tab-separated row as a long long. */
static int
row_number(const char *line, int i, long long *v)
{
	char *end;

	while (i-- > 0) {
		if ((line = strchr(line, '\t')) == NULL)
			return -1;
		line++;
	}
	errno = 0;
	*v = strtoll(line, &end, 10);
	return errno == 0 && end != line && *end == '\t' ? 0 : -1;
}

/* A JSON reader over one line: p moves, end bounds it. */
struct jp {
	const char *p;
	const char *end;
};

static void
jp_space(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\r' || *j->p == '\n'))
		j->p++;
}

static int
jp_lit(struct jp *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
		return -1;
	j->p += n;
	return 0;
}

/* Four hex digits after \u. */
static long
jp_hex4(struct jp *j)
{
	long v = 0;
	int i, h;

	if (j->end - j->p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((h = hexval((unsigned char)j->p[i])) < 0)
			return -1;
		v = v << 4 | h;
	}
	j->p += 4;
	return v;
}

static void
put_utf8(struct buf *b, unsigned long cp)
{
	if (cp < 0x80) {
		buf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		buf_addc(b, (char)(0xc0 | cp >> 6));
		buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_addc(b, (char)(0xe0 | cp >> 12));
		buf_addc(b, (char)(0x80 | (cp >> 6 & 0x3f)));
		buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_addc(b, (char)(0xf0 | cp >> 18));
		buf_addc(b, (char)(0x80 | (cp >> 12 & 0x3f)));
		buf_addc(b, (char)(0x80 | (cp >> 6 & 0x3f)));
		buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

/* A string, decoded into out (reset first) unless out is NULL.  A lone
 * surrogate, which tpmap never writes, becomes U+FFFD. */
static int
jp_string(struct jp *j, struct buf *out)
{
	long cp, lo;
	char c;

	if (out != NULL)
		buf_reset(out);
	if (jp_lit(j, "\"") != 0)
		return -1;
	while (j->p < j->end) {
		c = *j->p++;
		if (c == '"')
			return 0;
		if ((unsigned char)c < 0x20)
			return -1;
		if (c != '\\') {
			if (out != NULL)
				buf_addc(out, c);
			continue;
		}
		if (j->p == j->end)
			return -1;
		switch (c = *j->p++) {
		case '"': case '\\': case '/': break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u':
			if ((cp = jp_hex4(j)) < 0)
				return -1;
			if (cp >= 0xd800 && cp <= 0xdbff &&
			    j->end - j->p >= 6 && j->p[0] == '\\' &&
			    j->p[1] == 'u') {
				j->p += 2;
				if ((lo = jp_hex4(j)) < 0)
					return -1;
				if (lo >= 0xdc00 && lo <= 0xdfff)
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (lo - 0xdc00);
				else
					j->p -= 6;	/* read lo on its own */
			}
			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd;
			if (out != NULL)
				put_utf8(out, (unsigned long)cp);
			continue;
		default:
			return -1;
		}
		if (out != NULL)
			buf_addc(out, c);
	}
	return -1;
}

/* A number; *v gets its integer part when v is not NULL. */
static int
jp_number(struct jp *j, long long *v)
{
	const char *start = j->p;
	char tmp[32], *endp;
	size_t n;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	while (j->p < j->end && ((*j->p >= '0' && *j->p <= '9') ||
	    *j->p == '.' || *j->p == 'e' || *j->p == 'E' || *j->p == '+' ||
	    *j->p == '-'))
		j->p++;
	n = (size_t)(j->p - start);
	if (n == 0 || (n == 1 && *start == '-'))
		return -1;
	if (v == NULL)
		return 0;
	/* Integers only: a fraction or exponent in seq, exitval or signal
	 * is not a row tpmap wrote. */
	if (n >= sizeof(tmp) || memchr(start, '.', n) != NULL ||
	    memchr(start, 'e', n) != NULL || memchr(start, 'E', n) != NULL)
		return -1;
	memcpy(tmp, start, n);
	tmp[n] = '\0';
	errno = 0;
	*v = strtoll(tmp, &endp, 10);
	return errno == 0 && endp == tmp + n ? 0 : -1;
}

/* Whether the decoded member name in b is name (a name holding a NUL, or
 * none at all, is no name of ours). */
static int
key_is(const struct buf *b, const char *name)
{
	return b->len == strlen(name) && memcmp(b->p, name, b->len) == 0;
}

/* Any value, skipped; depth bounds nesting so that a hostile line cannot
 * exhaust the stack. */
static int
jp_skip(struct jp *j, int depth)
{
	char close;

	jp_space(j);
	if (j->p == j->end || depth > 64)
		return -1;
	switch (*j->p) {
	case '"':
		return jp_string(j, NULL);
	case 't':
		return jp_lit(j, "true");
	case 'f':
		return jp_lit(j, "false");
	case 'n':
		return jp_lit(j, "null");
	case '[':
	case '{':
		close = *j->p == '[' ? ']' : '}';
		j->p++;
		jp_space(j);
		if (j->p < j->end && *j->p == close) {
			j->p++;
			return 0;
		}
		for (;;) {
			if (close == '}') {
				jp_space(j);
				if (jp_string(j, NULL) != 0)
					return -1;
				jp_space(j);
				if (jp_lit(j, ":") != 0)
					return -1;
			}
			if (jp_skip(j, depth + 1) != 0)
				return -1;
			jp_space(j);
			if (j->p < j->end && *j->p == ',') {
				j->p++;
				continue;
			}
			return jp_lit(j, close == ']' ? "]" : "}");
		}
	default:
		return jp_number(j, NULL);
	}
}

/* Decode base64 s into out; -1 unless it is well-formed. */
static int
base64_decode(const char *s, size_t n, struct buf *out)
{
	unsigned long v = 0;
	size_t i, pad = 0;
	const char *c;
	int bits = 0;

	buf_reset(out);
	if (n % 4 != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] == '=' && i >= n - 2) {
			pad++;
			continue;
		}
		if (pad > 0 || s[i] == '\0' ||
		    (c = strchr(b64chars, s[i])) == NULL)
			return -1;
		v = v << 6 | (unsigned long)(c - b64chars);
		if ((bits += 6) >= 8) {
			bits -= 8;
			buf_addc(out, (char)(v >> bits & 0xff));
		}
	}
	return 0;
}

/*
 * A JSON row: seq, exitval, signal and command (command_base64, when
 * present, holds the exact bytes).  cmd and tmp are the caller's buffers,
 * row->cmd points into cmd.  0, or -1 when the line is not such a row.
 */
static int
json_read_row(const char *line, size_t len, struct joblog_row *row,
    struct buf *cmd, struct buf *tmp)
{
	struct jp j = { line, line + len };
	long long seq = -1, ev = 0, sig = 0;
	int have_ev = 0, have_sig = 0, have_cmd = 0, have_b64 = 0;

	buf_reset(cmd);
	if (jp_lit(&j, "{") != 0)
		return -1;
	jp_space(&j);
	if (j.p < j.end && *j.p == '}')
		return -1;
	for (;;) {
		jp_space(&j);
		if (jp_string(&j, tmp) != 0)
			return -1;
		jp_space(&j);
		if (jp_lit(&j, ":") != 0)
			return -1;
		jp_space(&j);
		if (key_is(tmp, "seq")) {
			if (jp_number(&j, &seq) != 0)
				return -1;
		} else if (key_is(tmp, "exitval")) {
			if (jp_number(&j, &ev) != 0)
				return -1;
			have_ev = 1;
		} else if (key_is(tmp, "signal")) {
			if (jp_number(&j, &sig) != 0)
				return -1;
			have_sig = 1;
		} else if (key_is(tmp, "command") && !have_b64) {
			if (jp_string(&j, cmd) != 0)
				return -1;
			have_cmd = 1;
		} else if (key_is(tmp, "command_base64")) {
			if (jp_string(&j, tmp) != 0 ||
			    base64_decode(tmp->p, tmp->len, cmd) != 0)
				return -1;
			have_cmd = have_b64 = 1;
		} else if (jp_skip(&j, 0) != 0)
			return -1;
		jp_space(&j);
		if (j.p < j.end && *j.p == ',') {
			j.p++;
			continue;
		}
		if (jp_lit(&j, "}") != 0)
			return -1;
		break;
	}
	jp_space(&j);
	if (j.p != j.end || seq < 1 || !have_ev || !have_sig || !have_cmd ||
	    ev < INT_MIN || ev > INT_MAX || sig < 0 || sig > INT_MAX)
		return -1;
	row->seq = (unsigned long long)seq;
	row->exitval = (int)ev;
	row->sig = (int)sig;
	row->cmd = cmd->p != NULL ? cmd->p : "";
	row->cmdlen = cmd->len;
	return 0;
}

int
joblog_read(const char *path,
    void (*fn)(const struct joblog_row *row, void *arg), void *arg)
{
	struct joblog_row row;
	struct buf cmdbuf = { 0 }, tmp = { 0 };
	FILE *fp;
	char *line = NULL, *cmd;
	size_t cap = 0;
	ssize_t len;
	long long seq, ev, sig;
	int i;

	if ((fp = fopen(path, "re")) == NULL) {
		if (errno == ENOENT)
			return 0;
		msg_warn("--joblog %s", path);
		return -1;
	}
	while ((len = getline(&line, &cap, fp)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (line[0] == '{') {
			if (json_read_row(line, (size_t)len, &row, &cmdbuf,
			    &tmp) == 0)
				fn(&row, arg);
			continue;
		}
		/* The header and anything mangled are not rows. */
		if (row_number(line, 0, &seq) != 0 || seq < 1 ||
		    row_number(line, 6, &ev) != 0 ||
		    row_number(line, 7, &sig) != 0)
			continue;
		for (cmd = line, i = 0; i < 8; i++)
			cmd = strchr(cmd, '\t') + 1;
		row.seq = (unsigned long long)seq;
		row.exitval = (int)ev;
		row.sig = (int)sig;
		row.cmd = cmd;
		row.cmdlen = (size_t)(line + len - cmd);
		fn(&row, arg);
	}
	free(line);
	buf_free(&cmdbuf);
	buf_free(&tmp);
	fclose(fp);
	return 0;
}
