/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel API differences between the kernels forwarder builds on (Debian's
 * 6.1 and 6.12). Included first in every file of forwarder.ko (Kbuild), so
 * the sources keep the 6.1 spelling. kmod/compat/ provides headers that
 * newer kernels removed.
 */
#ifndef _FWD_COMPAT_H
#define _FWD_COMPAT_H

#include <linux/version.h>

/* 6.5 moved the GSO helpers out of skbuff.h. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#include <net/gso.h>
#endif

/* 6.7 replaced tcp_time_stamp_raw() (milliseconds) with tcp_clock_ms(). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
#include <net/tcp.h>
#define tcp_time_stamp_raw()	((u32)tcp_clock_ms())
#endif

/* 6.7 added microsecond TCP timestamps (per route, tcp_usec_ts). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
#define fwd_tcp_usec_ts(tp)	((tp)->tcp_usec_ts)
#else
#define fwd_tcp_usec_ts(tp)	0
#endif

/* 6.10 added the route scope to ip_route_output(). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#include <net/route.h>
#define ip_route_output(net, daddr, saddr, tos, oif) \
	ip_route_output(net, daddr, saddr, tos, oif, RT_SCOPE_UNIVERSE)
#endif

/* 6.2 put a whole genl_info in a dump's genl_dumpit_info. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define fwd_genl_dump_attrs(cb)	(genl_info_dump(cb)->attrs)
#else
#define fwd_genl_dump_attrs(cb)	(genl_dumpit_info(cb)->attrs)
#endif

#endif /* _FWD_COMPAT_H */
