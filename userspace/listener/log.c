// SPDX-License-Identifier: GPL-2.0-only
/* Logging: stderr with timestamps in the foreground, syslog as a daemon, or a file. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "listener.h"

static int log_syslog, log_level = LOG_LVL_INFO, log_fd = 2, log_json;
static const char *log_path;

void log_set_json(int on)
{
	log_json = on;
}

void log_reopen(void)
{
	int fd;

	if (!log_path)
		return;
	fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0) {
		logmsg(LOG_LVL_ERR, "cannot open log file %s: %s", log_path, strerror(errno));
		return;
	}
	if (log_fd > 2)
		close(log_fd);
	log_fd = fd;
}

void log_init(int use_syslog, const char *file, int level)
{
	log_level = level;
	log_path = file;
	log_syslog = use_syslog && !file;
	if (log_syslog)
		openlog("fwd-listener", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_reopen();
}

/* @in as the contents of a JSON string: quotes, backslashes and every byte outside 0x20..0x7e escaped. */
static int json_escape(char *out, size_t sz, const char *in)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)in; *p && n + 7 < sz; p++) {
		if (*p == '"' || *p == '\\')
			n += (size_t)snprintf(out + n, sz - n, "\\%c", *p);
		else if (*p < 0x20 || *p > 0x7e)
			n += (size_t)snprintf(out + n, sz - n, "\\u%04x", *p);
		else
			out[n++] = (char)*p;
	}
	out[n] = '\0';
	return (int)n;
}

/* @in as one word of a text line: blanks, control and non-ASCII bytes become '?'. */
static void text_word(char *out, size_t sz, const char *in)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)in; *p && n + 1 < sz; p++)
		out[n++] = *p > 0x20 && *p < 0x7f ? (char)*p : '?';
	out[n] = '\0';
}

/*
 * One line out: "<time> fwd-listener[pid]: <tag><text>" (syslog adds its own
 * time), or, in the JSON format, {"time":..., "level":..., <body>}.
 */
static void emit(int level, const char *text, const char *body)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_INFO, LOG_DEBUG };
	static const char *const tag[] = { "error: ", "warning: ", "", "", "debug: " };
	static const char *const name[] = { "error", "warning", "info", "info", "debug" };
	char line[4200], stamp[96];
	struct timeval tv;
	struct tm tm;
	int n;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long)tv.tv_usec / 1000);
	if (log_json)
		n = snprintf(line, sizeof(line), "{\"time\":\"%s\",\"level\":\"%s\",%s}", stamp,
			     name[level], body);
	else
		n = snprintf(line, sizeof(line), "%s%s", tag[level], text);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	if (log_syslog) {
		syslog(prio[level], "%s", line);
		return;
	}
	if (log_json) {
		line[n++] = '\n';
		if (write(log_fd, line, (size_t)n) < 0) {
			/* nowhere to report it */
		}
		return;
	}
	{
		char out[4300];
		int m = snprintf(out, sizeof(out), "%s fwd-listener[%d]: %s\n", stamp, (int)getpid(), line);

		if (m > (int)sizeof(out) - 1)
			m = (int)sizeof(out) - 1;
		if (write(log_fd, out, (size_t)m) < 0) {
			/* nowhere to report it */
		}
	}
}

void log_record(int level, const char *event, const struct log_field *f, size_t nf)
{
	char text[2048], body[3000], v[1100];
	size_t t, b;

	if (level > log_level)
		return;
	t = (size_t)snprintf(text, sizeof(text), "%s", event);
	b = (size_t)snprintf(body, sizeof(body), "\"event\":\"%s\"", event);
	for (size_t i = 0; i < nf && t < sizeof(text) && b < sizeof(body); i++) {
		if (f[i].str) {
			text_word(v, sizeof(v), *f[i].str ? f[i].str : "-");
			t += (size_t)snprintf(text + t, sizeof(text) - t, " %s=%s", f[i].key, v);
			json_escape(v, sizeof(v), f[i].str);
			b += (size_t)snprintf(body + b, sizeof(body) - b, ",\"%s\":\"%s\"", f[i].key, v);
		} else {
			t += (size_t)snprintf(text + t, sizeof(text) - t, " %s=%llu", f[i].key,
					      (unsigned long long)f[i].num);
			b += (size_t)snprintf(body + b, sizeof(body) - b, ",\"%s\":%llu", f[i].key,
					      (unsigned long long)f[i].num);
		}
	}
	emit(level, text, body);
}

void logmsg(int level, const char *fmt, ...)
{
	char msg[1024], body[3100], esc[3000];
	va_list ap;
	int saved = errno;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_json) {
		json_escape(esc, sizeof(esc), msg);
		snprintf(body, sizeof(body), "\"msg\":\"%.*s\"", (int)(sizeof(body) - 16), esc);
	} else {
		body[0] = '\0';
	}
	emit(level, msg, body);
	errno = saved;
}
