/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Strict parsers for what users write to /proc/forwarder: anything that is
 * not exactly a well-formed value is refused, nothing is guessed.
 */
#ifndef _FWD_PARSE_H
#define _FWD_PARSE_H

#include <linux/types.h>

int fwd_parse_u64(const char *buf, u64 min, u64 max, u64 *out);
int fwd_split_words(char *buf, char **words, int max_words);

#endif /* _FWD_PARSE_H */
