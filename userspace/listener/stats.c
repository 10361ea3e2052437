// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon's counters: logged on SIGUSR1, written to the --stats file as
 * "name value" lines, or in the Prometheus text format when the file's name
 * ends in ".prom" (a node_exporter textfile collector reads it as is).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "listener.h"

struct stats stats;

const char *const fallback_names[FB_COUNT] = {
	[FB_NO_MODULE] = "no_module",
	[FB_KERNEL] = "kernel_refused",
	[FB_TIMEOUT] = "timeout",
	[FB_HALF_CLOSED] = "half_closed",
	[FB_DISABLED] = "disabled",
};

/* Every counter once: its name in the plain format, whether it only grows, what it counts. */
static const struct counter {
	const char *name;
	size_t offset;
	int gauge;
	const char *help;
} counters[] = {
#define C(field, name, help) { name, offsetof(struct stats, field), 0, help }
#define G(field, name, help) { name, offsetof(struct stats, field), 1, help }
	C(accepted, "accepted", "Client connections accepted."),
	G(active, "active", "Client connections held now."),
	G(active_max, "active_max", "Most client connections held at once."),
	C(handed_off, "handed_off", "Connection pairs the kernel took over."),
	C(fallbacks, "fallbacks", "Connection pairs relayed by the listener instead."),
	C(proto_native, "proto_native", "Instructions in the native protocol."),
	C(proto_http, "proto_http", "Instructions as HTTP CONNECT."),
	C(proto_socks5, "proto_socks5", "Instructions as SOCKS5."),
	C(refused_policy, "refused_policy", "Destinations the policy refused."),
	C(refused_auth, "refused_auth", "Clients refused for their credentials."),
	C(protocol_errors, "protocol_errors", "Malformed instructions."),
	C(instr_timeouts, "instruction_timeouts", "Clients that sent no instruction in time."),
	C(resolve_errors, "resolve_errors", "Host names that did not resolve."),
	C(connect_errors, "connect_errors", "Servers that could not be reached."),
	C(closed_early, "closed_early", "Clients gone before their connection was set up."),
	C(handoff_retries, "handoff_retries", "Hand-offs the kernel answered EAGAIN."),
	C(early_bytes, "early_bytes", "Bytes moved by the listener before a hand-off."),
	C(relay_bytes, "relay_bytes", "Bytes relayed by the listener after a fallback."),
#undef C
#undef G
};

static uint64_t value(const struct counter *c)
{
	return *(const uint64_t *)((const char *)&stats + c->offset);
}

/* snprintf at @n into @buf of @sz, never past its end; the new length. */
static int add(char *buf, size_t sz, int n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int add(char *buf, size_t sz, int n, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (n >= (int)sz)
		return n;
	va_start(ap, fmt);
	r = vsnprintf(buf + n, sz - (size_t)n, fmt, ap);
	va_end(ap);
	return r < 0 ? n : n + r;
}

static int format_plain(char *buf, size_t sz)
{
	int n = 0;

	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		n = add(buf, sz, n, "%s %llu\n", counters[i].name,
			(unsigned long long)value(&counters[i]));
		/* The plain format keeps its historical order: fallback_* after fallbacks. */
		if (counters[i].offset == offsetof(struct stats, fallbacks))
			for (int f = 0; f < FB_COUNT; f++)
				n = add(buf, sz, n, "fallback_%s %llu\n", fallback_names[f],
					(unsigned long long)stats.fallback_by[f]);
	}
	return n < (int)sz ? n : (int)sz - 1;
}

static int format_prom(char *buf, size_t sz)
{
	int n = 0;

	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		const struct counter *c = &counters[i];
		const char *suffix = c->gauge ? "" : "_total";

		n = add(buf, sz, n, "# HELP fwd_listener_%s%s %s\n# TYPE fwd_listener_%s%s %s\n"
			"fwd_listener_%s%s %llu\n", c->name, suffix, c->help, c->name, suffix,
			c->gauge ? "gauge" : "counter", c->name, suffix,
			(unsigned long long)value(c));
	}
	n = add(buf, sz, n, "# HELP fwd_listener_fallbacks_by_reason_total "
		"Connection pairs relayed by the listener, by reason.\n"
		"# TYPE fwd_listener_fallbacks_by_reason_total counter\n");
	for (int f = 0; f < FB_COUNT; f++)
		n = add(buf, sz, n, "fwd_listener_fallbacks_by_reason_total{reason=\"%s\"} %llu\n",
			fallback_names[f], (unsigned long long)stats.fallback_by[f]);
	return n < (int)sz ? n : (int)sz - 1;
}

void stats_log(void)
{
	char buf[2048];

	format_plain(buf, sizeof(buf));
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = p[1] ? ',' : '\0';
	info("stats: %s", buf);
}

static int is_prom(const char *path)
{
	size_t l = strlen(path);

	return l > 5 && !strcmp(path + l - 5, ".prom");
}

/* Atomically: write FILE.tmp, rename it over FILE. */
int stats_write(const char *path)
{
	char buf[8192], tmp[4200];
	int n = is_prom(path) ? format_prom(buf, sizeof(buf)) : format_plain(buf, sizeof(buf));
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -1;
	f = fopen(tmp, "w");
	if (!f || fwrite(buf, 1, (size_t)n, f) != (size_t)n) {
		warn("cannot write stats file %s: %s", tmp, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if (fclose(f) || rename(tmp, path)) {
		warn("cannot write stats file %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
