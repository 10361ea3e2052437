/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tunables: unsigned int fields of struct fwd_net exposed as one
 * /proc/forwarder file each, read as a decimal line, written as one checked
 * value. A refused write changes nothing.
 */
#ifndef _FWD_TUNABLE_H
#define _FWD_TUNABLE_H

#include <linux/stddef.h>
#include <linux/types.h>

struct fwd_net;

struct fwd_tunable {
	const char *name;	/* file name under /proc/forwarder */
	size_t offset;		/* of an unsigned int within struct fwd_net */
	unsigned int min, max;	/* accepted range, inclusive */
};

#define FWD_TUNABLE(_name, _field, _min, _max) {			\
	.name = _name,							\
	.offset = offsetof(struct fwd_net, _field),			\
	.min = _min,							\
	.max = _max,							\
}

int fwd_tunables_create(struct fwd_net *fn, const struct fwd_tunable *t, unsigned int n);
void fwd_tunables_remove(struct fwd_net *fn, const struct fwd_tunable *t, unsigned int n);
int fwd_tunable_set(struct fwd_net *fn, const struct fwd_tunable *t, const char *buf);

#endif /* _FWD_TUNABLE_H */
