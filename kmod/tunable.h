/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tunables: u16 or u32 fields of struct fwd_net exposed as one
 * /proc/forwarder file each, read as a decimal line, written as one checked
 * value, or through netlink (FWD_CMD_TUNABLE_*). A refused write changes
 * nothing.
 */
#ifndef _FWD_TUNABLE_H
#define _FWD_TUNABLE_H

#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/stddef.h>
#include <linux/types.h>

struct fwd_net;
struct net;

struct fwd_tunable {
	const char *name;	/* file name under /proc/forwarder */
	size_t offset;		/* within struct fwd_net */
	size_t size;		/* of the field: a u16 or a u32 */
	unsigned int min, max;	/* accepted range, inclusive, within the field's */
	/* Or words: the file shows and takes words[value], netlink the number too. */
	const char * const *words;
};

#define FWD_TUNABLE(_name, _field, _min, _max) {			\
	.name = _name,							\
	.offset = offsetof(struct fwd_net, _field),			\
	.size = sizeof_field(struct fwd_net, _field) +			\
		BUILD_BUG_ON_ZERO(sizeof_field(struct fwd_net, _field) != sizeof(u16) && \
				  sizeof_field(struct fwd_net, _field) != sizeof(u32)), \
	.min = _min,							\
	.max = _max,							\
}

/* A setting that is one of a few words, stored as the word's index. */
#define FWD_TUNABLE_WORDS(_name, _field, _words) {			\
	.name = _name,							\
	.offset = offsetof(struct fwd_net, _field),			\
	.size = sizeof_field(struct fwd_net, _field) +			\
		BUILD_BUG_ON_ZERO(sizeof_field(struct fwd_net, _field) != sizeof(u32)), \
	.min = 0,							\
	.max = ARRAY_SIZE(_words) - 1,					\
	.words = _words,						\
}

int fwd_tunables_create(struct fwd_net *fn, const struct fwd_tunable *t, unsigned int n);
void fwd_tunables_remove(struct fwd_net *fn, const struct fwd_tunable *t, unsigned int n);
const struct fwd_tunable *fwd_tunable_at(unsigned int idx);
const struct fwd_tunable *fwd_tunable_find(const char *name);
unsigned int fwd_tunable_get(struct net *net, const struct fwd_tunable *t);
int fwd_tunable_set(struct net *net, const struct fwd_tunable *t, u64 val);
int fwd_tunable_parse(const struct fwd_tunable *t, const char *s, u64 *val);
const char *fwd_tunable_word(const struct fwd_tunable *t, unsigned int val);

#endif /* _FWD_TUNABLE_H */
