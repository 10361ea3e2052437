// SPDX-License-Identifier: GPL-2.0-only
/* The daemon's counters: logged on SIGUSR1, written to the --stats file. */
#include <errno.h>
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

static int format(char *buf, size_t sz)
{
	int n = snprintf(buf, sz,
			 "accepted %llu\nactive %llu\nactive_max %llu\nhanded_off %llu\nfallbacks %llu\n",
			 (unsigned long long)stats.accepted, (unsigned long long)stats.active,
			 (unsigned long long)stats.active_max,
			 (unsigned long long)stats.handed_off, (unsigned long long)stats.fallbacks);

	for (int i = 0; i < FB_COUNT && n < (int)sz; i++)
		n += snprintf(buf + n, sz - (size_t)n, "fallback_%s %llu\n", fallback_names[i],
			      (unsigned long long)stats.fallback_by[i]);
	if (n < (int)sz)
		n += snprintf(buf + n, sz - (size_t)n,
			      "proto_native %llu\nproto_http %llu\nproto_socks5 %llu\n"
			      "refused_policy %llu\nrefused_auth %llu\nprotocol_errors %llu\n"
			      "instruction_timeouts %llu\nresolve_errors %llu\nconnect_errors %llu\n"
			      "closed_early %llu\nhandoff_retries %llu\n"
			      "early_bytes %llu\nrelay_bytes %llu\n",
			      (unsigned long long)stats.proto_native, (unsigned long long)stats.proto_http,
			      (unsigned long long)stats.proto_socks5,
			      (unsigned long long)stats.refused_policy, (unsigned long long)stats.refused_auth,
			      (unsigned long long)stats.protocol_errors,
			      (unsigned long long)stats.instr_timeouts,
			      (unsigned long long)stats.resolve_errors,
			      (unsigned long long)stats.connect_errors,
			      (unsigned long long)stats.closed_early,
			      (unsigned long long)stats.handoff_retries,
			      (unsigned long long)stats.early_bytes, (unsigned long long)stats.relay_bytes);
	return n < (int)sz ? n : (int)sz - 1;
}

void stats_log(void)
{
	char buf[2048];

	format(buf, sizeof(buf));
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = p[1] ? ',' : '\0';
	info("stats: %s", buf);
}

/* Atomically: write FILE.tmp, rename it over FILE. */
int stats_write(const char *path)
{
	char buf[2048], tmp[4200];
	int n = format(buf, sizeof(buf));
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
