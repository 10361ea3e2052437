/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dfi plugin: the classification it stores in session metadata, for other
 * plugins: with key = fwd_meta_key(DFI_META_NAME), fwd_session_get_meta(s,
 * key, &len) returns a struct dfi_result (len == sizeof(struct dfi_result))
 * once a session is classified.
 */
#ifndef _FORWARDER_DFI_H
#define _FORWARDER_DFI_H

#include <linux/types.h>

#define DFI_META_NAME	"dfi.class"

enum dfi_class {
	DFI_UNKNOWN = 0,
	DFI_DNS,
	DFI_NTP,
	DFI_SSDP,
	DFI_MEMCACHED,
	DFI_HTTP,
	DFI_TLS,
	DFI_SSH,
	DFI_CLASS_MAX
};

#define DFI_F_BY_PORT		0x01	/* matched a port rule only */
#define DFI_F_BY_CONTENT	0x02	/* matched a content rule */
#define DFI_F_REFLECTION	0x04	/* large UDP response from a reflector port */

struct dfi_result {
	u8 class;	/* enum dfi_class */
	u8 flags;	/* DFI_F_* */
};

#endif /* _FORWARDER_DFI_H */
