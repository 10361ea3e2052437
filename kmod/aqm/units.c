// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rates and sizes in tc's units. Rates: bit (the default), kbit, mbit, gbit,
 * tbit (powers of 1000), kibit... tibit (powers of 1024), bps, kbps, mbps,
 * gbps, tbps (bytes per second) and kibps... tibps. Sizes: b (the default),
 * k/kb, m/mb, g/gb (powers of 1024) and kbit, mbit, gbit. A number may have
 * up to six decimals ("1.5mbit"); units are case-insensitive.
 */
#include <linux/kernel.h>
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "aqm_core.h"

struct aqm_unit {
	const char *name;
	u64 bits;	/* bits per unit */
};

#define K10	1000ULL
#define K2	1024ULL

static const struct aqm_unit aqm_rate_units[] = {
	{ "", 1 }, { "bit", 1 },
	{ "kbit", K10 }, { "mbit", K10 * K10 }, { "gbit", K10 * K10 * K10 },
	{ "tbit", K10 * K10 * K10 * K10 },
	{ "kibit", K2 }, { "mibit", K2 * K2 }, { "gibit", K2 * K2 * K2 },
	{ "tibit", K2 * K2 * K2 * K2 },
	{ "bps", 8 }, { "kbps", 8 * K10 }, { "mbps", 8 * K10 * K10 },
	{ "gbps", 8 * K10 * K10 * K10 }, { "tbps", 8 * K10 * K10 * K10 * K10 },
	{ "kibps", 8 * K2 }, { "mibps", 8 * K2 * K2 }, { "gibps", 8 * K2 * K2 * K2 },
	{ "tibps", 8 * K2 * K2 * K2 * K2 },
};

static const struct aqm_unit aqm_size_units[] = {
	{ "", 8 }, { "b", 8 },
	{ "k", 8 * K2 }, { "kb", 8 * K2 }, { "m", 8 * K2 * K2 }, { "mb", 8 * K2 * K2 },
	{ "g", 8 * K2 * K2 * K2 }, { "gb", 8 * K2 * K2 * K2 },
	{ "kbit", K2 }, { "mbit", K2 * K2 }, { "gbit", K2 * K2 * K2 },
};

/* @s as a number of @units, in bits: 0, -EINVAL or -ERANGE. */
static int aqm_parse_units(const char *s, const struct aqm_unit *units, unsigned int n,
			   u64 *bits)
{
	u64 num = 0, den = 1, val;
	unsigned int i, decimals = 0;
	const char *p = s;

	if (!isdigit(*p))
		return -EINVAL;
	for (; isdigit(*p); p++)
		if (check_mul_overflow(num, 10ULL, &num) ||
		    check_add_overflow(num, (u64)(*p - '0'), &num))
			return -ERANGE;
	if (*p == '.') {
		p++;
		if (!isdigit(*p))
			return -EINVAL;
		for (; isdigit(*p); p++) {
			if (++decimals > 6)
				return -EINVAL;
			if (check_mul_overflow(num, 10ULL, &num) ||
			    check_add_overflow(num, (u64)(*p - '0'), &num))
				return -ERANGE;
			den *= 10;
		}
	}
	for (i = 0; i < n; i++)
		if (!strcasecmp(p, units[i].name))
			break;
	if (i == n)
		return -EINVAL;
	if (check_mul_overflow(num, units[i].bits, &val))
		return -ERANGE;
	*bits = val / den;
	return 0;
}

/**
 * fwd_aqm_parse_rate - a tc rate
 * @s: NUL-terminated word, e.g. "10mbit"
 * @bytes_ps: result in bytes per second (rounded down), only on success
 *
 * Return: 0, -EINVAL (malformed, unknown unit, below 8 bit/s) or -ERANGE.
 */
int fwd_aqm_parse_rate(const char *s, u64 *bytes_ps)
{
	u64 bits;
	int err;

	err = aqm_parse_units(s, aqm_rate_units, ARRAY_SIZE(aqm_rate_units), &bits);
	if (err)
		return err;
	if (bits < 8)
		return -EINVAL;
	*bytes_ps = bits / 8;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(fwd_aqm_parse_rate);

/**
 * fwd_aqm_parse_size - a tc size
 * @s: NUL-terminated word, e.g. "64k"
 * @bytes: result (rounded down), only on success
 *
 * Return: 0, -EINVAL or -ERANGE (more than 4 GiB - 1).
 */
int fwd_aqm_parse_size(const char *s, u64 *bytes)
{
	u64 bits;
	int err;

	err = aqm_parse_units(s, aqm_size_units, ARRAY_SIZE(aqm_size_units), &bits);
	if (err)
		return err;
	if (bits / 8 > U32_MAX)
		return -ERANGE;
	*bytes = bits / 8;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(fwd_aqm_parse_size);
