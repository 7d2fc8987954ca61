/* SPDX-License-Identifier: MIT */
/*
 * Whether a command line needs a shell.  Most jobs are a program and its
 * quoted arguments, and running those without sh -c saves a process per
 * job; the test is conservative, so that any line whose meaning a shell
 * could change (an expansion, an operator, a keyword or builtin as the
 * first word) still goes to the shell.  The words are split with the
 * shell's quote removal.  Pure code: the text of the line is all it
 * looks at.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "util.h"

/*
 * First words that must go through the shell although an executable of
 * the same name may exist: keywords, special builtins, and the builtins of
 * sh, dash and bash whose results differ from the executable's (echo in
 * dash expands backslashes where coreutils' echo does not, pwd is logical,
 * kill knows %jobs, true --help prints help in coreutils).  Running any of
 * them through the shell is always right, so the list errs on the long side.
 */
static const char *const shell_words[] = {
	"!", ".", ":", "[", "[[", "]]", "{", "}",
	"alias", "autoload", "bg", "bind", "break", "builtin", "caller",
	"case", "cd", "chdir", "command", "compgen", "complete", "compopt",
	"continue", "coproc", "declare", "dirs", "disown", "do", "done",
	"echo", "elif", "else", "enable", "esac", "eval", "exec", "exit",
	"export", "false", "fc", "fg", "fi", "for", "function", "functions",
	"getopts", "hash", "help", "history", "if", "in", "integer", "jobs",
	"kill", "let", "local", "logout", "mapfile", "newgrp", "popd", "print",
	"printf", "pushd", "pwd", "read", "readarray", "readonly", "return",
	"select", "set", "setopt", "shift", "shopt", "source", "suspend",
	"test", "then", "time", "times", "trap", "true", "type", "typeset",
	"ulimit", "umask", "unalias", "unset", "until", "wait", "whence",
	"while"
};

/*
 * Bytes that make a shell do more than split words when they appear
 * outside quotes: operators, expansions, globs, comments, history and
 * brace expansion (bash), tilde, and the old Bourne pipe ^.
 */
static int
sh_special(unsigned char c)
{
	return strchr("|&;<>()$`*?[]~{}#!^", c) != NULL || c < 0x20 ||
	    c == 0x7f;
}

/*
 * Split line as sh would, into argv and strs (both NULL: only count).
 * Returns 0 when the line needs a shell.  Newlines are allowed inside
 * quotes only; backslash-newline (line continuation) always means shell.
 */
static int
split_scan(const char *line, size_t len, char **argv, char *strs,
    size_t *nwordsp, size_t *nbytesp)
{
	size_t i, nw, nb;
	const char *q;
	unsigned char c, d;
	int first;

	i = nw = nb = 0;
#define PUT(ch)	do { if (strs != NULL) strs[nb] = (char)(ch); nb++; } while (0)
	for (;;) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == len)
			break;
		first = nw == 0;
		if (argv != NULL)
			argv[nw] = strs + nb;
		while (i < len && line[i] != ' ' && line[i] != '\t') {
			c = (unsigned char)line[i];
			if (c == '\'') {
				q = memchr(line + i + 1, '\'', len - i - 1);
				if (q == NULL)
					return 0;
				for (i++; line + i < q; i++)
					PUT(line[i]);
				i++;
			} else if (c == '"') {
				for (i++;; i++) {
					if (i == len)
						return 0;
					c = (unsigned char)line[i];
					if (c == '"')
						break;
					if (c == '$' || c == '`')
						return 0;
					if (c != '\\') {
						PUT(c);
						continue;
					}
					if (i + 1 == len)
						return 0;
					d = (unsigned char)line[i + 1];
					if (d == '\n')
						return 0;
					if (d == '$' || d == '`' || d == '"' ||
					    d == '\\') {
						PUT(d);
						i++;
					} else
						PUT('\\');
				}
				i++;
			} else if (c == '\\') {
				if (i + 1 == len || line[i + 1] == '\n')
					return 0;
				PUT(line[i + 1]);
				i += 2;
			} else {
				/* = in the first word may be an assignment. */
				if (sh_special(c) || (first &&
				    (c == '=' || c == '%')))
					return 0;
				PUT(c);
				i++;
			}
		}
		PUT('\0');
		nw++;
	}
#undef PUT
	*nwordsp = nw;
	*nbytesp = nb;
	return nw > 0;
}

/*
 * Builtins that the system's utility reproduces exactly, given arguments
 * that no implementation reads differently: true and false ignore theirs
 * but for coreutils' --help and --version; echo without options and
 * backslashes prints its words in bash, dash, zsh and coreutils alike
 * (POSIXLY_CORRECT included).  They are the commonest first words of
 * short jobs, and a shell costs more than the job itself.
 */
static int
no_help_version(char *const argv[])
{
	size_t i;

	for (i = 1; argv[i] != NULL; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "--version") == 0)
			return 0;
	return 1;
}

static int
plain_echo(char *const argv[])
{
	size_t i;

	for (i = 1; argv[i] != NULL; i++)
		if (argv[i][0] == '-' || strchr(argv[i], '\\') != NULL)
			return 0;
	return 1;
}

static const struct {
	const char *name;
	int (*args_ok)(char *const argv[]);
} utilities[] = {
	{ "echo", plain_echo },
	{ "false", no_help_version },
	{ "true", no_help_version },
};
_Static_assert(sizeof(utilities) / sizeof(utilities[0]) ==
    CMDLINE_NUTILITIES, "CMDLINE_NUTILITIES is the size of utilities[]");

int
cmdline_utility(char *const argv[])
{
	int i;

	for (i = 0; i < CMDLINE_NUTILITIES; i++) {
		if (strcmp(argv[0], utilities[i].name) != 0)
			continue;
		return utilities[i].args_ok(argv) ? i : -1;
	}
	return -1;
}

const char *
cmdline_utility_name(int i)
{
	return utilities[i].name;
}

enum cmdline_kind
cmdline_split(const char *line, size_t len, char ***argvp)
{
	size_t nw, nb, i;
	char **argv;

	if (len == 0 || memchr(line, '\0', len) != NULL)
		return CMDLINE_SHELL;
	if (!split_scan(line, len, NULL, NULL, &nw, &nb))
		return CMDLINE_SHELL;
	if (nw + 1 > (SIZE_MAX - nb) / sizeof(*argv))
		return CMDLINE_SHELL;
	argv = xmalloc((nw + 1) * sizeof(*argv) + nb);
	split_scan(line, len, argv, (char *)(argv + nw + 1), &nw, &nb);
	argv[nw] = NULL;
	/* An empty command name fails differently in sh: let sh report it. */
	if (argv[0][0] == '\0')
		goto shell;
	/* Checked before shell_words, which lists these builtins too: the
	 * caller runs the shell for them after all when the utility is
	 * missing. */
	if (cmdline_utility(argv) >= 0) {
		*argvp = argv;
		return CMDLINE_UTILITY;
	}
	for (i = 0; i < sizeof(shell_words) / sizeof(shell_words[0]); i++)
		if (strcmp(argv[0], shell_words[i]) == 0)
			goto shell;
	*argvp = argv;
	return CMDLINE_ARGV;
shell:
	free(argv);
	return CMDLINE_SHELL;
}
