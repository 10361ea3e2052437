// SPDX-License-Identifier: GPL-2.0-only
/*
 * Parsers for /proc/forwarder writes. They run on a NUL-terminated kernel copy
 * of the user's buffer (procfs makes that copy) and return -EINVAL, -ERANGE or
 * -E2BIG without touching *out on any malformed input.
 */
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "parse.h"

/**
 * fwd_parse_u64 - parse one unsigned decimal number with optional surrounding
 * whitespace (so "30\n" from echo works)
 * @buf: NUL-terminated input
 * @min: smallest accepted value
 * @max: largest accepted value
 * @out: result, written only on success
 *
 * Signs, hex or octal prefixes, trailing words and overflow are refused.
 * Return: 0, -EINVAL for malformed input, -ERANGE for a value outside
 * [@min, @max].
 */
int fwd_parse_u64(const char *buf, u64 min, u64 max, u64 *out)
{
	const char *p = skip_spaces(buf);
	u64 val = 0;

	if (!isdigit(*p))
		return -EINVAL;
	/* A leading zero is only valid as the number zero: no octal surprises. */
	if (p[0] == '0' && isdigit(p[1]))
		return -EINVAL;
	for (; isdigit(*p); p++) {
		unsigned int digit = *p - '0';

		if (check_mul_overflow(val, 10ULL, &val) ||
		    check_add_overflow(val, (u64)digit, &val))
			return -ERANGE;
	}
	if (*skip_spaces(p))
		return -EINVAL;
	if (val < min || val > max)
		return -ERANGE;
	*out = val;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(fwd_parse_u64);

/**
 * fwd_split_words - split a command line into whitespace-separated words, in place
 * @buf: NUL-terminated, writable input; separators are overwritten with NULs
 * @words: array receiving pointers into @buf
 * @max_words: size of @words
 *
 * Return: the number of words (0 for a blank line), or -E2BIG if there are
 * more than @max_words.
 */
int fwd_split_words(char *buf, char **words, int max_words)
{
	char *p = buf;
	int n = 0;

	for (;;) {
		p = skip_spaces(p);
		if (!*p)
			return n;
		if (n == max_words)
			return -E2BIG;
		words[n++] = p;
		while (*p && !isspace(*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
}
EXPORT_SYMBOL_IF_KUNIT(fwd_split_words);
