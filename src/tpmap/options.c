/* SPDX-License-Identifier: MIT */
/*
 * Option parsing: GNU parallel's option names in one getopt_long table,
 * every number through strtonum, the ::: / :::: source lists after the
 * command, and the checks of combinations once the loop is over; values
 * that are more than a number are parsed by optparse.c.  Errors are one
 * line naming the option and the value, exit status 255 as GNU
 * parallel's.  The option list here, usage(), man/tpmap.1 and the
 * completion files must name the same options (tests/10-options.bats).
 */
#include <err.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "compat.h"
#include "options.h"
#include "optparse.h"
#include "tp.h"
#include "util.h"

/* Long options without a short form. */
enum {
	OPT_BASENAMEREPLACE = CHAR_MAX + 1,
	OPT_BLOCK,
	OPT_BNER,
	OPT_CSV,
	OPT_DELAY,
	OPT_DIRNAMEREPLACE,
	OPT_DRY_RUN,
	OPT_EXTREPLACE,
	OPT_FILES,
	OPT_GROUP,
	OPT_HALT,
	OPT_HEADER,
	OPT_JOBLOG,
	OPT_JOBLOG_FORMAT,
	OPT_LINE_BUFFER,
	OPT_LINK,
	OPT_LOAD,
	OPT_MEMFREE,
	OPT_CAT,
	OPT_FIFO,
	OPT_ROUNDROBIN,
	OPT_TEE,
	OPT_PIPE,
	OPT_PIPEPART,
	OPT_RECEND,
	OPT_RECSTART,
	OPT_REGEXP,
	OPT_RRS,
	OPT_RESULTS,
	OPT_RESUME,
	OPT_RESUME_FAILED,
	OPT_RETRIES,
	OPT_RETRY_FAILED,
	OPT_SHUF,
	OPT_TERMSEQ,
	OPT_TIMEOUT,
	OPT_SEQREPLACE,
	OPT_SLOTREPLACE,
	OPT_TAG,
	OPT_TAGSTRING,
	OPT_TRIM,
	OPT_VERBOSE,
	OPT_PROGRESS,
	OPT_ETA,
	OPT_BAR,
	OPT_TOTAL_JOBS,
	OPT_IGNORED
};

static const char shortopts[] = "+0a:C:d:E:hI:j:kL:mn:N:P:qrs:tuvVX";

static const struct option longopts[] = {
	{ "null", no_argument, NULL, '0' },
	{ "arg-file", required_argument, NULL, 'a' },
	{ "colsep", required_argument, NULL, 'C' },
	{ "delimiter", required_argument, NULL, 'd' },
	{ "eof", required_argument, NULL, 'E' },
	{ "help", no_argument, NULL, 'h' },
	{ "replace", required_argument, NULL, 'I' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "max-procs", required_argument, NULL, 'P' },
	{ "keep-order", no_argument, NULL, 'k' },
	{ "max-lines", required_argument, NULL, 'L' },
	{ "max-args", required_argument, NULL, 'n' },
	{ "max-replace-args", required_argument, NULL, 'N' },
	{ "quote", no_argument, NULL, 'q' },
	{ "no-run-if-empty", no_argument, NULL, 'r' },
	{ "max-chars", required_argument, NULL, 's' },
	{ "ungroup", no_argument, NULL, 'u' },
	{ "version", no_argument, NULL, 'V' },
	{ "xargs", no_argument, NULL, 'X' },
	{ "basenamereplace", required_argument, NULL, OPT_BASENAMEREPLACE },
	{ "bnr", required_argument, NULL, OPT_BASENAMEREPLACE },
	{ "block", required_argument, NULL, OPT_BLOCK },
	{ "block-size", required_argument, NULL, OPT_BLOCK },
	{ "blocksize", required_argument, NULL, OPT_BLOCK },
	{ "basenameextensionreplace", required_argument, NULL, OPT_BNER },
	{ "bner", required_argument, NULL, OPT_BNER },
	{ "csv", no_argument, NULL, OPT_CSV },
	{ "delay", required_argument, NULL, OPT_DELAY },
	{ "dirnamereplace", required_argument, NULL, OPT_DIRNAMEREPLACE },
	{ "dnr", required_argument, NULL, OPT_DIRNAMEREPLACE },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "extensionreplace", required_argument, NULL, OPT_EXTREPLACE },
	{ "er", required_argument, NULL, OPT_EXTREPLACE },
	{ "files", no_argument, NULL, OPT_FILES },
	{ "group", no_argument, NULL, OPT_GROUP },
	{ "halt", required_argument, NULL, OPT_HALT },
	{ "halt-on-error", required_argument, NULL, OPT_HALT },
	{ "header", required_argument, NULL, OPT_HEADER },
	{ "joblog", required_argument, NULL, OPT_JOBLOG },
	{ "joblog-format", required_argument, NULL, OPT_JOBLOG_FORMAT },
	{ "line-buffer", no_argument, NULL, OPT_LINE_BUFFER },
	{ "lb", no_argument, NULL, OPT_LINE_BUFFER },
	{ "link", no_argument, NULL, OPT_LINK },
	{ "load", required_argument, NULL, OPT_LOAD },
	{ "memfree", required_argument, NULL, OPT_MEMFREE },
	{ "pipe", no_argument, NULL, OPT_PIPE },
	{ "spreadstdin", no_argument, NULL, OPT_PIPE },
	{ "pipepart", no_argument, NULL, OPT_PIPEPART },
	{ "cat", no_argument, NULL, OPT_CAT },
	{ "fifo", no_argument, NULL, OPT_FIFO },
	{ "round-robin", no_argument, NULL, OPT_ROUNDROBIN },
	{ "round", no_argument, NULL, OPT_ROUNDROBIN },
	{ "tee", no_argument, NULL, OPT_TEE },
	{ "recend", required_argument, NULL, OPT_RECEND },
	{ "recstart", required_argument, NULL, OPT_RECSTART },
	{ "regexp", no_argument, NULL, OPT_REGEXP },
	{ "remove-rec-sep", no_argument, NULL, OPT_RRS },
	{ "removerecsep", no_argument, NULL, OPT_RRS },
	{ "rrs", no_argument, NULL, OPT_RRS },
	{ "xapply", no_argument, NULL, OPT_LINK },
	{ "results", required_argument, NULL, OPT_RESULTS },
	{ "res", required_argument, NULL, OPT_RESULTS },
	{ "resume", no_argument, NULL, OPT_RESUME },
	{ "resume-failed", no_argument, NULL, OPT_RESUME_FAILED },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "retry-failed", no_argument, NULL, OPT_RETRY_FAILED },
	{ "shuf", no_argument, NULL, OPT_SHUF },
	{ "seqreplace", required_argument, NULL, OPT_SEQREPLACE },
	{ "slotreplace", required_argument, NULL, OPT_SLOTREPLACE },
	{ "tag", no_argument, NULL, OPT_TAG },
	{ "tagstring", required_argument, NULL, OPT_TAGSTRING },
	{ "termseq", required_argument, NULL, OPT_TERMSEQ },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "trim", required_argument, NULL, OPT_TRIM },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "eta", no_argument, NULL, OPT_ETA },
	{ "bar", no_argument, NULL, OPT_BAR },
	{ "total-jobs", required_argument, NULL, OPT_TOTAL_JOBS },
	/* Accepted for scripts written for GNU parallel; nothing to do. */
	{ "will-cite", no_argument, NULL, OPT_IGNORED },
	{ "no-notice", no_argument, NULL, OPT_IGNORED },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *fp)
{
	fputs(
"usage: tpmap [options] [command [arg ...]] [::: arg ... | :::: file ...]\n"
"Input:\n"
"  -a, --arg-file FILE     read arguments from FILE (repeatable)\n"
"  -0, --null              arguments end with NUL\n"
"  -d, --delimiter DELIM   arguments end with DELIM (\\n \\t \\0 escapes)\n"
"  -E, --eof STR           stop at the argument STR\n"
"  -r, --no-run-if-empty   skip empty arguments\n"
"      --trim n|l|r|lr|rl  trim blanks from arguments\n"
"  -C, --colsep REGEX      split arguments into columns {1} {2} ...\n"
"      --csv               columns are CSV fields\n"
"      --header STR        first argument names the columns {name};\n"
"                          with --pipe: a regex (: one line, N lines)\n"
"                          whose match starts every block\n"
"      --link, --xapply    link input sources instead of crossing them\n"
"Pipe:\n"
"      --pipe, --spreadstdin  give each job a block of stdin as its stdin\n"
"      --pipepart          give each job a part of the -a file as its stdin\n"
"      --cat               give each job its block as a temporary file {}\n"
"      --fifo              give each job its block through a named pipe {}\n"
"      --round-robin, --round  start -j jobs and deal each block to the one\n"
"                          with the least input still to read\n"
"      --tee               give all of stdin to every job (one per ::: value)\n"
"      --block, --block-size, --blocksize SIZE  blocks of about SIZE\n"
"                          (K M G: 1024-based, k m g: 1000-based;\n"
"                          default 1M); -N: N per job slot\n"
"      --recend STR        records end with STR (default \\n)\n"
"      --recstart STR      records start with STR\n"
"      --regexp            --recend and --recstart are regexes\n"
"      --rrs, --remove-rec-sep, --removerecsep  remove the record\n"
"                          separators from blocks\n"
"Templates:\n"
"  -n, --max-args N        up to N arguments per job\n"
"  -N, --max-replace-args N  exactly N arguments per job, as {1}..{N}\n"
"  -L, --max-lines N       N input lines per job\n"
"  -X, --xargs             fill the command line, repeating the word of {}\n"
"  -m                      fill the command line, {} is all arguments\n"
"  -s, --max-chars N       command lines up to N bytes\n"
"  -I, --replace STR       use STR for {}\n"
"      --er, --extensionreplace STR       use STR for {.}\n"
"      --bnr, --basenamereplace STR       use STR for {/}\n"
"      --dnr, --dirnamereplace STR        use STR for {//}\n"
"      --bner, --basenameextensionreplace STR  use STR for {/.}\n"
"      --seqreplace STR    use STR for {#}\n"
"      --slotreplace STR   use STR for {%}\n"
"  -q, --quote             quote the command itself\n"
"Scheduling:\n"
"  -j, -P, --jobs, --max-procs N  run N jobs at once (N, +N, -N, N%, 0)\n"
"      --delay SECS        wait SECS between job starts\n"
"      --load MAX          start jobs only while the load is below MAX\n"
"      --memfree SIZE      start jobs only while SIZE memory is free\n"
"      --shuf              run the jobs in random order\n"
"Failure:\n"
"      --halt WHEN,WHY=N   stop: now|soon, fail|success|done=N|N%\n"
"      --halt-on-error V   same as --halt\n"
"      --retries N         run a failing job up to N times\n"
"      --timeout SECS|N%   terminate jobs that run longer\n"
"      --termseq SEQ       signals and waits for terminating a job\n"
"      --joblog [+]FILE    log each job to FILE (+: append)\n"
"      --joblog-format tsv|json  joblog rows, or JSON lines (FILE.jsonl)\n"
"      --resume            skip the jobs in the joblog\n"
"      --resume-failed     also rerun the failed jobs in the joblog\n"
"      --retry-failed      rerun the failed commands of the joblog\n"
"Output:\n"
"  -k, --keep-order        print jobs in input order\n"
"      --group             print each job whole when it ends (default)\n"
"      --line-buffer, --lb print whole lines as they come\n"
"  -u, --ungroup           print output as it comes\n"
"      --tag               prefix lines with the arguments\n"
"      --tagstring STR     prefix lines with STR\n"
"      --results, --res DIR  save output in DIR/1/ARG/{stdout,stderr,seq}\n"
"      --files             save output in files and print their names\n"
"      --dry-run           print the commands instead of running them\n"
"  -t, --verbose           print each command on stderr\n"
"  -v                      print each command on stdout\n"
"      --progress          show jobs done and running (stderr, terminal only)\n"
"      --eta               same, with the estimated time left\n"
"      --bar               same, with a bar and the percentage done\n"
"      --total-jobs N      expect N jobs, for the above while input streams\n"
"Other:\n"
"  -h, --help              show this help\n"
"  -V, --version           show the version\n"
"      --will-cite, --no-notice  accepted and ignored\n", fp);
}

/* A bad option value: one line naming option and value, status 255. */
static void __attribute__((noreturn))
badval(const char *opt, const char *val, const char *why)
{
	errx(255, "%s '%s': %s", opt, val, why);
}

static size_t
parse_count(const char *opt, const char *s, long long min)
{
	const char *errstr;
	long long v;

	v = strtonum(s, min, LLONG_MAX, &errstr);
	if (errstr != NULL)
		badval(opt, s, strcmp(errstr, "invalid") == 0 ?
		    "not a number" : errstr);
	return (size_t)v;
}

/* Interpret \n \t \0 \\ and \xHH in a -d value; returns the byte count. */
static size_t
unescape(char *s)
{
	char *r = s, *w = s;
	char hex[3];

	while (*r != '\0') {
		if (*r != '\\' || r[1] == '\0') {
			*w++ = *r++;
			continue;
		}
		r++;
		switch (*r) {
		case 'n': *w++ = '\n'; r++; break;
		case 't': *w++ = '\t'; r++; break;
		case 'r': *w++ = '\r'; r++; break;
		case '0': *w++ = '\0'; r++; break;
		case '\\': *w++ = '\\'; r++; break;
		case 'x':
			if (r[1] != '\0' && r[2] != '\0') {
				hex[0] = r[1];
				hex[1] = r[2];
				hex[2] = '\0';
				*w++ = (char)strtol(hex, NULL, 16);
				r += 3;
				break;
			}
			/* FALLTHROUGH */
		default:
			*w++ = '\\';
			break;
		}
	}
	return (size_t)(w - s);
}

unsigned
opts_ncpus(void)
{
	static unsigned n;

	/* Asked for the default -j and again for -j +N or --load N%:
	 * the answer cannot change within one run. */
	if (n == 0)
		n = tp_cpu_count();
	return n;
}

/* --load takes -j's forms, in load units: 2.5, +1, -1, 100% of the CPUs. */
static int
opts_parse_load(const char *s, double *load, const char **errstr)
{
	const char *num = s;
	char *end;
	double v;
	size_t len = strlen(s);

	if (*s == '+' || *s == '-')
		num++;
	errno = 0;
	v = strtod(num, &end);
	if (end == num || errno != 0 || !(v >= 0) ||
	    !isdigit((unsigned char)*num) ||
	    (*end != '\0' && !(*end == '%' && end == s + len - 1))) {
		*errstr = "not a load (N, +N, -N or N%)";
		return -1;
	}
	if (*end == '%')
		v = opts_ncpus() * v / 100;
	else if (*s == '+')
		v = opts_ncpus() + v;
	else if (*s == '-')
		v = opts_ncpus() - v;
	if (v <= 0) {
		*errstr = "not a positive load";
		return -1;
	}
	*load = v;
	*errstr = NULL;
	return 0;
}


/* Lower o->jobs to maxjobs (when less), saying why; -j is quoted as
 * given: 200000 is what the user wrote, not the 100000 it was capped at. */
static void
lower_jobs(struct tpmap_opts *o, const char *jobs_arg, long long maxjobs,
    const char *why)
{
	if (maxjobs >= (long long)o->jobs)
		return;
	if (jobs_arg != NULL)
		msg_warnx("-j %s lowered to %lld: %s", jobs_arg, maxjobs, why);
	else
		msg_warnx("-j %u lowered to %lld: %s", o->jobs, maxjobs, why);
	o->jobs = (unsigned)maxjobs;
}

/* The tasks (processes and threads) whose real user is uid, as the
 * process limit counts them: the Threads of each /proc/PID/status. */
static long long
user_tasks(uid_t uid)
{
	char path[sizeof("/proc//status") + NAME_MAX], line[256];
	struct dirent *d;
	long long n = 0, threads;
	unsigned long ruid;
	int mine;
	DIR *dir;
	FILE *f;

	if ((dir = opendir("/proc")) == NULL)
		return 0;
	while ((d = readdir(dir)) != NULL) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", d->d_name);
		if ((f = fopen(path, "re")) == NULL)
			continue;	/* gone since readdir */
		mine = 0;
		threads = 1;
		while (fgets(line, sizeof(line), f) != NULL) {
			if (sscanf(line, "Uid: %lu", &ruid) == 1)
				mine = ruid == (unsigned long)uid;
			else if (sscanf(line, "Threads: %lld", &threads) == 1)
				break;
		}
		fclose(f);
		if (mine)
			n += threads;
	}
	closedir(dir);
	return n;
}

/*
 * Each job is a process and a worker thread, and tpmap has a few threads
 * of its own (TP_OWN_TASKS): all count against the user's process limit
 * (RLIMIT_NPROC), with every other process of the user.  Returns the
 * jobs that fit, with *rl the limit and *used the user's tasks, or 0 when
 * there is no need to lower -j.  The user's processes are counted only when the limit is near,
 * as /proc is read once per process; root is not limited.
 */
#define TP_OWN_TASKS 6
#define NPROC_ROOM 4096

static long long
nproc_jobs(unsigned jobs, struct rlimit *rl, long long *used)
{
	long long need = 2 * (long long)jobs + TP_OWN_TASKS, room;

	if (getuid() == 0 || getrlimit(RLIMIT_NPROC, rl) != 0 ||
	    rl->rlim_cur == RLIM_INFINITY ||
	    (long long)rl->rlim_cur >= need + NPROC_ROOM)
		return 0;
	/* tpmap itself, one task so far, is counted already. */
	*used = user_tasks(getuid());
	room = (long long)rl->rlim_cur - *used + 1;
	if (room >= need)
		return 0;
	return room > TP_OWN_TASKS + 2 ? (room - TP_OWN_TASKS) / 2 : 1;
}

/* --pipe, --pipepart: the header is the blocks', not column names; a
 * file is split by size only with --pipepart. */
static void
opts_check_pipe(struct tpmap_opts *o)
{
	size_t i, nfiles = 0;

	o->in.header = 0;
	if (o->block < 0 && !o->pipepart)
		errx(255, "--block with a negative size needs --pipepart");
	if (!o->pipepart)
		return;
	for (i = 0; i < o->in.nsources; i++)
		if (o->sources[i].kind == INPUT_FILE &&
		    strcmp(o->sources[i].path, "-") != 0)
			nfiles++;
	if (nfiles == 0 || nfiles != o->in.nsources)
		errx(255, "--pipepart: give the input as -a FILE (and nothing "
		    "else)");
}

/*
 * --round-robin and --tee give running jobs a stream (both imply --pipe,
 * as in GNU parallel).  A stream cannot be given again (--retries), nor
 * be a file (--cat, --fifo), and --pipepart's ranges are not streamed.
 */
static void
opts_check_stream(struct tpmap_opts *o)
{
	const char *opt = o->tee ? "--tee" : "--round-robin";
	size_t i;

	if (o->round_robin && o->tee)
		errx(255, "--round-robin and --tee cannot be combined");
	if (o->pipepart || o->cat || o->fifo)
		errx(255, "%s cannot be combined with %s", opt,
		    o->pipepart ? "--pipepart" : o->cat ? "--cat" : "--fifo");
	if (o->retries > 1)
		errx(255, "%s cannot be combined with --retries: a job's "
		    "input is not kept to be given again", opt);
	o->pipe = 1;
	if (!o->tee)
		return;
	/* stdin is the data: the jobs come from ::: and :::: files. */
	for (i = 0; i < o->in.nsources; i++)
		if (o->sources[i].kind == INPUT_STDIN ||
		    (o->sources[i].kind == INPUT_FILE &&
		    strcmp(o->sources[i].path, "-") == 0))
			break;
	if (o->in.nsources == 0 || i < o->in.nsources)
		errx(255, "--tee: give the jobs' values with ::: or :::: "
		    "(stdin is what every job reads)");
}

static int
is_sep(const char *a)
{
	return strcmp(a, ":::") == 0 || strcmp(a, "::::") == 0 ||
	    strcmp(a, ":::+") == 0 || strcmp(a, "::::+") == 0;
}

static void
add_source(struct tpmap_opts *o, size_t *cap, struct input_source src)
{
	if (o->in.nsources == *cap) {
		*cap = *cap ? 2 * *cap : 4;
		o->sources = xreallocarray(o->sources, *cap,
		    sizeof(*o->sources));
	}
	o->sources[o->in.nsources++] = src;
}

void
opts_parse(struct tpmap_opts *o, int argc, char *argv[])
{
	struct input_source src;
	const char *jobs_arg = NULL, *errstr, *logfmt = NULL;
	struct rlimit rl;
	long long maxjobs, used;
	char why[128];
	size_t cap = 0, len;
	int c, i, j, linked;

	memset(o, 0, sizeof(*o));
	o->out_mode = OUT_GROUP;
	(void)opts_parse_termseq("TERM,200,TERM,100,TERM,50,KILL,25",
	    &o->termseq, &errstr);
	opterr = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case '0':
			o->in.delim = "";
			o->in.delimlen = 1;
			break;
		case 'a':
			memset(&src, 0, sizeof(src));
			src.kind = INPUT_FILE;
			src.path = optarg;
			add_source(o, &cap, src);
			break;
		case 'C':
			o->in.colsep = optarg;
			break;
		case 'd':
			free(o->delim_buf);
			o->delim_buf = xstrdup(optarg);
			len = unescape(o->delim_buf);
			if (len == 0)
				badval("-d", optarg, "empty delimiter");
			o->in.delim = o->delim_buf;
			o->in.delimlen = len;
			break;
		case 'E':
			o->in.eof_str = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'I':
			if (*optarg == '\0')
				badval("-I", optarg, "empty replacement string");
			o->tmpl.repl[TMPL_ARG] = optarg;
			break;
		case 'j':
		case 'P':
			jobs_arg = optarg;
			break;
		case 'k':
			o->keep_order = 1;
			break;
		case 'L':
			o->max_lines = parse_count("-L", optarg, 1);
			break;
		case 'm':
			o->xargs_mode = 1;
			o->tmpl.context = TMPL_CTX_NONE;
			break;
		case 'n':
			o->max_args = parse_count("-n", optarg, 0);
			o->max_args_given = 1;
			o->replace_args = 0;
			break;
		case 'N':
			o->max_args = parse_count("-N", optarg, 0);
			o->max_args_given = 1;
			o->replace_args = 1;
			break;
		case 'q':
			o->tmpl.quote_cmd = 1;
			break;
		case 'r':
			o->no_run_if_empty = 1;
			break;
		case 's':
			o->max_chars = parse_count("-s", optarg, 1);
			break;
		case 't':
		case OPT_VERBOSE:
			o->trace = 1;
			break;
		case 'u':
			o->out_mode = OUT_UNGROUP;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'V':
			/*
			 * TPMAP_VERSION is the Makefile's VERSION, TPMAP_BUILD
			 * its description of the build (commit, libbsd,
			 * linking, sanitizers).
			 */
			printf("tpmap %s (libtp %d.%d.%d)\nbuild: %s\n",
			    TPMAP_VERSION, TP_VERSION_MAJOR, TP_VERSION_MINOR,
			    TP_VERSION_PATCH, TPMAP_BUILD);
			exit(0);
		case 'X':
			o->xargs_mode = 1;
			o->tmpl.context = TMPL_CTX_WORD;
			break;
		case OPT_BASENAMEREPLACE:
			o->tmpl.repl[TMPL_BASE] = optarg;
			break;
		case OPT_BLOCK:
			if (opts_parse_block(optarg, &o->block, &errstr) != 0)
				badval("--block", optarg, errstr);
			break;
		case OPT_BNER:
			o->tmpl.repl[TMPL_BASENOEXT] = optarg;
			break;
		case OPT_CSV:
			o->in.csv = 1;
			break;
		case OPT_DELAY:
			if (opts_parse_duration(optarg, &o->delay, &errstr) != 0)
				badval("--delay", optarg, errstr);
			break;
		case OPT_DIRNAMEREPLACE:
			o->tmpl.repl[TMPL_DIR] = optarg;
			break;
		case OPT_DRY_RUN:
			o->dry_run = 1;
			break;
		case OPT_EXTREPLACE:
			o->tmpl.repl[TMPL_NOEXT] = optarg;
			break;
		case OPT_FILES:
			o->files = 1;
			break;
		case OPT_GROUP:
			o->out_mode = OUT_GROUP;
			break;
		case OPT_HALT:
			if (opts_parse_halt(optarg, &o->halt, &errstr) != 0)
				badval("--halt", optarg, errstr);
			break;
		case OPT_JOBLOG:
			o->joblog_append = optarg[0] == '+';
			o->joblog = optarg + o->joblog_append;
			if (*o->joblog == '\0')
				badval("--joblog", optarg, "no file name");
			break;
		case OPT_JOBLOG_FORMAT:
			if (strcmp(optarg, "tsv") != 0 &&
			    strcmp(optarg, "json") != 0)
				badval("--joblog-format", optarg,
				    "not tsv or json");
			logfmt = optarg;
			break;
		case OPT_LOAD:
			if (opts_parse_load(optarg, &o->load, &errstr) != 0)
				badval("--load", optarg, errstr);
			break;
		case OPT_MEMFREE:
			if (opts_parse_size(optarg, &o->memfree, &errstr) != 0)
				badval("--memfree", optarg, errstr);
			break;
		case OPT_PIPE:
			o->pipe = 1;
			break;
		case OPT_PIPEPART:
			o->pipe = o->pipepart = 1;
			break;
		case OPT_CAT:
			o->cat = 1;
			break;
		case OPT_FIFO:
			o->fifo = 1;
			break;
		case OPT_ROUNDROBIN:
			o->round_robin = 1;
			break;
		case OPT_TEE:
			o->tee = 1;
			break;
		case OPT_RECEND:
			o->recend = optarg;
			break;
		case OPT_RECSTART:
			o->recstart = optarg;
			break;
		case OPT_REGEXP:
			o->regexp = 1;
			break;
		case OPT_RRS:
			o->rrs = 1;
			break;
		case OPT_RESUME:
			o->resume = 1;
			break;
		case OPT_RESUME_FAILED:
			o->resume_failed = 1;
			break;
		case OPT_RETRIES:
			o->retries = parse_count("--retries", optarg, 0);
			break;
		case OPT_RETRY_FAILED:
			o->retry_failed = 1;
			break;
		case OPT_SHUF:
			o->shuf = 1;
			break;
		case OPT_TERMSEQ:
			if (opts_parse_termseq(optarg, &o->termseq, &errstr) != 0)
				badval("--termseq", optarg, errstr);
			break;
		case OPT_TIMEOUT:
			if (opts_parse_timeout(optarg, &o->timeout,
			    &o->timeout_pct, &errstr) != 0)
				badval("--timeout", optarg, errstr);
			break;
		case OPT_HEADER:
			o->in.header = 1;
			o->header = optarg;
			break;
		case OPT_LINE_BUFFER:
			o->out_mode = OUT_LINE;
			break;
		case OPT_LINK:
			o->in.link = 1;
			break;
		case OPT_RESULTS:
			o->results = optarg;
			break;
		case OPT_SEQREPLACE:
			o->tmpl.repl[TMPL_SEQ] = optarg;
			break;
		case OPT_SLOTREPLACE:
			o->tmpl.repl[TMPL_SLOT] = optarg;
			break;
		case OPT_TAG:
			o->tag = 1;
			break;
		case OPT_TAGSTRING:
			o->tagstring = optarg;
			break;
		case OPT_TRIM:
			if (strcmp(optarg, "n") != 0 && strcmp(optarg, "l") != 0 &&
			    strcmp(optarg, "r") != 0 && strcmp(optarg, "lr") != 0 &&
			    strcmp(optarg, "rl") != 0)
				badval("--trim", optarg, "not n, l, r, lr or rl");
			/* "n" goes on too: input.c must see it to turn off
			 * the lr that --colsep implies. */
			o->in.trim = optarg;
			break;
		case OPT_PROGRESS:
			o->progress = 1;
			break;
		case OPT_ETA:
			o->eta = 1;
			break;
		case OPT_BAR:
			o->bar = 1;
			break;
		case OPT_TOTAL_JOBS:
			o->total_jobs = parse_count("--total-jobs", optarg, 1);
			break;
		case OPT_IGNORED:
			break;
		default:
			/* getopt_long has named the option already. */
			fputs("Try 'tpmap --help' for more information.\n",
			    stderr);
			exit(255);
		}
	}

	/* The command: words up to the first source separator. */
	for (i = optind; i < argc && !is_sep(argv[i]); i++)
		;
	if (i > optind) {
		o->command = argv + optind;
		o->ncommand = (size_t)(i - optind);
	}
	/* The sources: ::: words, :::: files, + links to the previous. */
	while (i < argc) {
		linked = argv[i][strlen(argv[i]) - 1] == '+';
		if (strncmp(argv[i], "::::", 4) == 0) {
			for (j = i + 1; j < argc && !is_sep(argv[j]); j++) {
				memset(&src, 0, sizeof(src));
				src.kind = INPUT_FILE;
				src.path = argv[j];
				src.linked = linked && j == i + 1;
				add_source(o, &cap, src);
			}
			if (j == i + 1)
				errx(255, "%s: no file follows", argv[i]);
		} else {
			for (j = i + 1; j < argc && !is_sep(argv[j]); j++)
				;
			memset(&src, 0, sizeof(src));
			src.kind = INPUT_WORDS;
			src.words = argv + i + 1;
			src.nwords = (size_t)(j - i - 1);
			src.linked = linked;
			add_source(o, &cap, src);
		}
		i = j;
	}
	o->in.sources = o->sources;

	/* Combinations, checked once.  GNU parallel runs no job at all for
	 * --cat or --fifo without --pipe: refused here instead. */
	if (o->round_robin || o->tee)
		opts_check_stream(o);
	if ((o->cat || o->fifo) && !o->pipe)
		errx(255, "%s needs --pipe or --pipepart",
		    o->cat ? "--cat" : "--fifo");
	if (o->cat && o->fifo)
		errx(255, "--cat and --fifo cannot be combined");
	if (o->pipe)
		opts_check_pipe(o);
	if (o->in.csv && o->in.colsep == NULL)
		o->in.colsep = ",";
	if (jobs_arg != NULL) {
		if (opts_parse_jobs(jobs_arg, opts_ncpus(), &o->jobs,
		    &errstr) != 0)
			badval("-j", jobs_arg, errstr);
	} else {
		o->jobs = opts_ncpus();
	}
	/* More jobs than descriptors or processes would fail at random;
	 * run fewer. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (long long)rl.rlim_cur < 16 + (long long)o->jobs * FDS_PER_JOB) {
		maxjobs = (long long)rl.rlim_cur > 16 + FDS_PER_JOB ?
		    ((long long)rl.rlim_cur - 16) / FDS_PER_JOB : 1;
		snprintf(why, sizeof(why), "only %lld file descriptors "
		    "(ulimit -n)", (long long)rl.rlim_cur);
		lower_jobs(o, jobs_arg, maxjobs, why);
	}
	if ((maxjobs = nproc_jobs(o->jobs, &rl, &used)) > 0) {
		snprintf(why, sizeof(why), "only %lld processes (ulimit -u), "
		    "%lld of them in use", (long long)rl.rlim_cur, used);
		lower_jobs(o, jobs_arg, maxjobs, why);
	}
	/* An explicit --joblog-format wins over the file's name. */
	len = o->joblog != NULL ? strlen(o->joblog) : 0;
	if (logfmt != NULL)
		o->joblog_format = strcmp(logfmt, "json") == 0 ?
		    JOBLOG_JSON : JOBLOG_TSV;
	else if (len >= 6 && strcmp(o->joblog + len - 6, ".jsonl") == 0)
		o->joblog_format = JOBLOG_JSON;
	/* --retries 0 and 1 both mean one attempt. */
	if (o->retries == 0)
		o->retries = 1;
	/* parallel -N repeats the word around {} per argument, as -X does. */
	if (o->replace_args && !o->xargs_mode && !o->pipe)
		o->tmpl.context = TMPL_CTX_WORD;
	if (o->max_lines > 0 && !o->max_args_given)
		o->max_args = o->max_lines;
	if (o->xargs_mode && !o->max_args_given && o->max_lines == 0)
		o->max_args = 0;	/* as many as fit */
	else if (!o->max_args_given && o->max_lines == 0)
		o->max_args = 1;
}

void
opts_release(struct tpmap_opts *o)
{
	free(o->sources);
	free(o->delim_buf);
}
