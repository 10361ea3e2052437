// SPDX-License-Identifier: GPL-2.0-only
/*
 * The session manager's counters: per-CPU, indexed by enum fwd_counter, each
 * with its one name (/proc/forwarder/stats) and netlink attribute, so a new
 * counter is one enum entry and one line here.
 */
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/string.h>
#include <kunit/visibility.h>
#include <forwarder/netlink.h>

#include "session_core.h"

const struct fwd_counter_info fwd_counters[FWD_CNT_MAX] = {
	[FWD_CNT_PACKETS] = { "packets", FWD_STATS_PACKETS },
	[FWD_CNT_TRACKED] = { "tracked", FWD_STATS_TRACKED },
	[FWD_CNT_PARSE_ERRORS] = { "parse_errors", FWD_STATS_PARSE_ERRORS },
	[FWD_CNT_FRAGMENTS] = { "fragments", FWD_STATS_FRAGMENTS },
	[FWD_CNT_BAD_TCP_FLAGS] = { "bad_tcp_flags", FWD_STATS_BAD_TCP_FLAGS },
	[FWD_CNT_OTHER_PROTO] = { "other_proto", FWD_STATS_OTHER_PROTO },
	[FWD_CNT_SESSIONS_CREATED] = { "sessions_created", FWD_STATS_SESSIONS_CREATED },
	[FWD_CNT_SESSIONS_EXPIRED] = { "sessions_expired", FWD_STATS_SESSIONS_EXPIRED },
	[FWD_CNT_SESSIONS_EVICTED] = { "sessions_evicted", FWD_STATS_SESSIONS_EVICTED },
	[FWD_CNT_SESSIONS_REFUSED] = { "sessions_refused", FWD_STATS_SESSIONS_REFUSED },
	[FWD_CNT_SESSIONS_UNTRACKED] = { "sessions_untracked", FWD_STATS_SESSIONS_UNTRACKED },
	[FWD_CNT_SESSIONS_REPLACED] = { "sessions_replaced", FWD_STATS_SESSIONS_REPLACED },
	[FWD_CNT_SESSIONS_FLUSHED] = { "sessions_flushed", FWD_STATS_SESSIONS_FLUSHED },
	[FWD_CNT_ALLOC_FAILURES] = { "alloc_failures", FWD_STATS_ALLOC_FAILURES },
	[FWD_CNT_RETRANSMITS] = { "retransmits", FWD_STATS_RETRANSMITS },
	[FWD_CNT_TCP_INVALID] = { "tcp_invalid", FWD_STATS_TCP_INVALID },
	[FWD_CNT_DROPPED] = { "dropped", FWD_STATS_DROPPED },
	[FWD_CNT_NETLINK_EVENTS_DROPPED] = { "netlink_events_dropped", FWD_STATS_NETLINK_EVENTS_DROPPED },
};

void fwd_session_stats_sum(struct fwd_session_table *tbl, struct fwd_session_stats *sum)
{
	int cpu, i, j;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct fwd_session_stats *st = per_cpu_ptr(tbl->stats, cpu);

		for (i = 0; i < FWD_CNT_MAX; i++)
			sum->cnt[i] += st->cnt[i];
		for (i = 0; i < FWD_EV_MAX; i++)
			for (j = 0; j < FWD_PHASE_MAX; j++)
				sum->events[i][j] += st->events[i][j];
	}
}
EXPORT_SYMBOL_IF_KUNIT(fwd_session_stats_sum);
