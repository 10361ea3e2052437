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

static int log_syslog, log_level = LOG_LVL_INFO, log_fd = 2;
static const char *log_path;

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

void logmsg(int level, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_INFO, LOG_DEBUG };
	static const char *const tag[] = { "error: ", "warning: ", "", "", "debug: " };
	char msg[1024], line[1200];
	struct timeval tv;
	struct tm tm;
	va_list ap;
	int n, saved = errno;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_syslog) {
		syslog(prio[level], "%s%s", tag[level], msg);
	} else {
		gettimeofday(&tv, NULL);
		gmtime_r(&tv.tv_sec, &tm);
		n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ fwd-listener[%d]: %s%s\n",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			     tm.tm_sec, (long)tv.tv_usec / 1000, (int)getpid(), tag[level], msg);
		if (n > (int)sizeof(line) - 1)
			n = (int)sizeof(line) - 1;
		if (write(log_fd, line, (size_t)n) < 0) {
			/* nowhere to report it */
		}
	}
	errno = saved;
}
