// SPDX-License-Identifier: GPL-2.0-only
/*
 * fwdctl: the admin tool for forwarder, in the grammar of ip(8) and tc(8).
 * This version speaks the documented /proc/forwarder interface (proc_api.md)
 * of the caller's network namespace; run it under `ip netns exec NS` for
 * another one.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROC_DIR "/proc/forwarder"

static bool json;
static const char *proc_dir = PROC_DIR;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: fwdctl [ OPTIONS ] OBJECT { COMMAND | help }\n"
		"OPTIONS := { -j[son] | -h[elp] | -V[ersion] }\n"
		"OBJECT := { stats | session | splice | get | set }\n"
		"\n"
		"  fwdctl stats                      session and splice counters\n"
		"  fwdctl session list [ proto { tcp | udp } ] [ port N ] [ state STATE ]\n"
		"  fwdctl splice list                spliced connection pairs\n"
		"  fwdctl get TUNABLE                read a setting (e.g. max_sessions)\n"
		"  fwdctl set TUNABLE VALUE          change a setting (needs CAP_NET_ADMIN)\n"
		"\n"
		"Reads and writes " PROC_DIR " of the current network namespace.\n");
}

static int fail(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "fwdctl: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	return 1;
}

static int need_module(void)
{
	struct stat st;

	if (stat(proc_dir, &st) == 0)
		return 0;
	return fail("the forwarder module is not loaded (no %s)%s", proc_dir, "");
}

/* The whole of /proc/forwarder/NAME, NUL-terminated; NULL with errno set on error. */
static char *slurp(const char *name)
{
	char path[512], *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", proc_dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap += 65536);

			if (!nb) {
				free(buf);
				close(fd);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			int saved = errno;

			free(buf);
			close(fd);
			errno = saved;
			return NULL;
		}
		if (!n)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

static bool is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void json_value(const char *s)
{
	if (is_number(s))
		fputs(s, stdout);
	else
		json_str(s);
}

/* Split @line at blanks in place; returns the number of words (at most @max). */
static int words(char *line, char **w, int max)
{
	int n = 0;
	char *save, *t;

	for (t = strtok_r(line, " \t", &save); t && n < max; t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	return n;
}

/* "name value" lines (stats files), names prefixed with @prefix, as text or JSON members. */
static int show_counters(const char *file, const char *prefix, bool *first)
{
	char *buf = slurp(file), *line, *save, *w[2];

	if (!buf)
		return errno == ENOENT ? 0 : fail("cannot read %s: %s", file, strerror(errno));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[128];

		if (words(line, w, 2) != 2)
			continue;
		snprintf(name, sizeof(name), "%s%s", prefix, w[0]);
		if (json) {
			printf("%s", *first ? "" : ",");
			json_str(name);
			putchar(':');
			json_value(w[1]);
		} else {
			printf("%-28s %s\n", name, w[1]);
		}
		*first = false;
	}
	free(buf);
	return 0;
}

static int cmd_stats(void)
{
	bool first = true;
	int err;

	if (json)
		putchar('{');
	err = show_counters("stats", "", &first) || show_counters("splice_stats", "splice_", &first);
	if (json)
		puts("}");
	return err;
}

struct session_filter {
	const char *proto, *state;
	long port;
};

/* The session table: a header line naming the columns, then one line per session. */
static int cmd_session_list(const struct session_filter *f)
{
	char *buf = slurp("sessions"), *line, *save, *hdr[32], *w[32];
	int nh = 0, n, i, shown = 0;

	if (!buf)
		return fail("cannot read sessions: %s%s", strerror(errno), "");
	line = strtok_r(buf, "\n", &save);
	if (line) {
		if (!json)
			puts(line);
		nh = words(line, hdr, 32);
	}
	if (json)
		putchar('[');
	while ((line = strtok_r(NULL, "\n", &save))) {
		char copy[1024];

		snprintf(copy, sizeof(copy), "%s", line);
		n = words(copy, w, 32);
		if (n < 8 || n != nh)
			continue;
		if (f->proto && strcmp(w[0], f->proto))
			continue;
		if (f->port >= 0 && atol(w[3]) != f->port && atol(w[5]) != f->port)
			continue;
		if (f->state && strcasecmp(w[6], f->state) && strcasecmp(w[7], f->state))
			continue;
		if (!json) {
			puts(line);
			continue;
		}
		printf("%s{", shown ? "," : "");
		for (i = 0; i < n; i++) {
			printf("%s", i ? "," : "");
			json_str(hdr[i]);
			putchar(':');
			json_value(w[i]);
		}
		putchar('}');
		shown++;
	}
	if (json)
		puts("]");
	free(buf);
	return 0;
}

/* Spliced pairs: "key value" tokens per line. */
static int cmd_splice_list(void)
{
	char *buf = slurp("show"), *line, *save, *w[64];
	int n, i, shown = 0;

	if (!buf)
		return fail("cannot read show: %s%s", strerror(errno), "");
	if (json)
		putchar('[');
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!json) {
			puts(line);
			continue;
		}
		n = words(line, w, 64);
		printf("%s{", shown ? "," : "");
		for (i = 0; i + 1 < n; i += 2) {
			printf("%s", i ? "," : "");
			json_str(w[i]);
			putchar(':');
			json_value(w[i + 1]);
		}
		putchar('}');
		shown++;
	}
	if (json)
		puts("]");
	free(buf);
	return 0;
}

/* Tunables are plain files in the directory; refuse names that would leave it. */
static int check_tunable(const char *name)
{
	if (!*name || strchr(name, '/') || name[0] == '.')
		return fail("invalid setting name '%s'%s", name, "");
	return 0;
}

static int cmd_get(const char *name)
{
	char *buf;

	if (check_tunable(name))
		return 1;
	buf = slurp(name);
	if (!buf)
		return fail(errno == ENOENT ? "no setting named '%s'%s" : "cannot read '%s': %s",
			    name, strerror(errno));
	buf[strcspn(buf, "\n")] = '\0';
	if (json) {
		printf("{");
		json_str(name);
		putchar(':');
		json_value(buf);
		puts("}");
	} else {
		puts(buf);
	}
	free(buf);
	return 0;
}

static int cmd_set(const char *name, const char *value)
{
	char path[512];
	ssize_t w;
	int fd, saved;

	if (check_tunable(name))
		return 1;
	snprintf(path, sizeof(path), "%s/%s", proc_dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return fail("no setting named '%s'%s", name, "");
		if (errno == EACCES || errno == EPERM)
			return fail("'%s' is read-only or needs CAP_NET_ADMIN (%s)", name, strerror(errno));
		return fail("cannot open '%s': %s", name, strerror(errno));
	}
	w = write(fd, value, strlen(value));
	saved = errno;
	close(fd);
	if (w == (ssize_t)strlen(value))
		return 0;
	switch (saved) {
	case EPERM:
		return fail("setting '%s' needs CAP_NET_ADMIN%s", name, "");
	case ERANGE:
		return fail("value '%s' is out of range for '%s' (see proc_api.md)", value, name);
	case EINVAL:
		return fail("invalid value '%s' for '%s' (the kernel log says why)", value, name);
	default:
		return fail("cannot set '%s': %s", name, strerror(saved));
	}
}

static bool is(const char *arg, const char *word)
{
	/* ip(8)-style abbreviations: "sess" for "session", "l" for "list". */
	return *arg && !strncmp(word, arg, strlen(arg));
}

static int cmd_session(int argc, char **argv)
{
	struct session_filter f = { .port = -1 };
	int i;

	if (argc < 1 || is(argv[0], "help")) {
		usage(argc < 1 ? stderr : stdout);
		return argc < 1 ? 2 : 0;
	}
	if (!is(argv[0], "list") && !is(argv[0], "show"))
		return fail("unknown session command '%s'%s", argv[0], ""), 2;
	for (i = 1; i < argc; i += 2) {
		if (i + 1 >= argc)
			return fail("'%s' needs a value%s", argv[i], ""), 2;
		if (is(argv[i], "proto"))
			f.proto = argv[i + 1];
		else if (is(argv[i], "state"))
			f.state = argv[i + 1];
		else if (is(argv[i], "port") && is_number(argv[i + 1]))
			f.port = atol(argv[i + 1]);
		else
			return fail("bad filter '%s %s'", argv[i], argv[i + 1]), 2;
	}
	return need_module() ? 1 : cmd_session_list(&f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	const char *obj;
	int c;

	if (getenv("FWDCTL_PROC_DIR"))	/* tests point it at a fake directory */
		proc_dir = getenv("FWDCTL_PROC_DIR");
	while ((c = getopt_long(argc, argv, "+jhV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			puts("fwdctl 0.1.0");
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	obj = argv[0];
	if (is(obj, "help")) {
		usage(stdout);
		return 0;
	}
	if (is(obj, "session"))
		return cmd_session(argc - 1, argv + 1);
	if (!is(obj, "stats") && !is(obj, "splice") && !is(obj, "get") && !is(obj, "set")) {
		fail("unknown object '%s'%s", obj, "");
		usage(stderr);
		return 2;
	}
	if (need_module())
		return 1;
	if (is(obj, "stats"))
		return cmd_stats();
	if (is(obj, "splice")) {
		if (argc < 2 || !(is(argv[1], "list") || is(argv[1], "show")))
			return fail("usage: fwdctl splice list%s%s", "", ""), 2;
		return cmd_splice_list();
	}
	if (is(obj, "get")) {
		if (argc != 2)
			return fail("usage: fwdctl get TUNABLE%s%s", "", ""), 2;
		return cmd_get(argv[1]);
	}
	if (is(obj, "set")) {
		if (argc != 3)
			return fail("usage: fwdctl set TUNABLE VALUE%s%s", "", ""), 2;
		return cmd_set(argv[1], argv[2]);
	}
	return 2;	/* not reached: every object was checked above */
}
