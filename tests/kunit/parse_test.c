// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit: the /proc/forwarder command parsers. Every malformed write a user
 * could make must be refused and must leave the output untouched.
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "parse.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

struct u64_case {
	const char *in;
	u64 min, max;
	int err;
	u64 val;
};

static const struct u64_case u64_cases[] = {
	{ "0", 0, U64_MAX, 0, 0 },
	{ "30", 0, U64_MAX, 0, 30 },
	{ "30\n", 0, U64_MAX, 0, 30 },
	{ "  42\n  ", 0, U64_MAX, 0, 42 },
	{ "18446744073709551615", 0, U64_MAX, 0, U64_MAX },
	{ "18446744073709551616", 0, U64_MAX, -ERANGE, 0 },
	{ "99999999999999999999999", 0, U64_MAX, -ERANGE, 0 },
	{ "", 0, U64_MAX, -EINVAL, 0 },
	{ "\n", 0, U64_MAX, -EINVAL, 0 },
	{ "-1", 0, U64_MAX, -EINVAL, 0 },
	{ "+1", 0, U64_MAX, -EINVAL, 0 },
	{ "0x10", 0, U64_MAX, -EINVAL, 0 },
	{ "010", 0, U64_MAX, -EINVAL, 0 },
	{ "12abc", 0, U64_MAX, -EINVAL, 0 },
	{ "12 13", 0, U64_MAX, -EINVAL, 0 },
	{ "abc", 0, U64_MAX, -EINVAL, 0 },
	{ "5", 10, 20, -ERANGE, 0 },
	{ "25", 10, 20, -ERANGE, 0 },
	{ "10", 10, 20, 0, 10 },
	{ "20", 10, 20, 0, 20 },
};

static void parse_u64_table(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(u64_cases); i++) {
		const struct u64_case *c = &u64_cases[i];
		u64 out = 0xdeadbeef;
		int err;

		err = fwd_parse_u64(c->in, c->min, c->max, &out);
		KUNIT_EXPECT_EQ_MSG(test, err, c->err, "input \"%s\"", c->in);
		if (c->err)
			KUNIT_EXPECT_EQ_MSG(test, out, 0xdeadbeefULL,
					    "output touched on error, input \"%s\"", c->in);
		else
			KUNIT_EXPECT_EQ_MSG(test, out, c->val, "input \"%s\"", c->in);
	}
}

static void split_words_basic(struct kunit *test)
{
	char buf[] = "  add 7\trate 10mbit\n ";
	char *w[4];

	KUNIT_ASSERT_EQ(test, fwd_split_words(buf, w, ARRAY_SIZE(w)), 4);
	KUNIT_EXPECT_STREQ(test, w[0], "add");
	KUNIT_EXPECT_STREQ(test, w[1], "7");
	KUNIT_EXPECT_STREQ(test, w[2], "rate");
	KUNIT_EXPECT_STREQ(test, w[3], "10mbit");
}

static void split_words_blank(struct kunit *test)
{
	char empty[] = "";
	char blank[] = " \t\n ";
	char *w[2];

	KUNIT_EXPECT_EQ(test, fwd_split_words(empty, w, ARRAY_SIZE(w)), 0);
	KUNIT_EXPECT_EQ(test, fwd_split_words(blank, w, ARRAY_SIZE(w)), 0);
}

static void split_words_too_many(struct kunit *test)
{
	char buf[] = "a b c";
	char exact[] = "a b";
	char *w[2];

	KUNIT_EXPECT_EQ(test, fwd_split_words(buf, w, ARRAY_SIZE(w)), -E2BIG);
	KUNIT_EXPECT_EQ(test, fwd_split_words(exact, w, ARRAY_SIZE(w)), 2);
	KUNIT_EXPECT_STREQ(test, w[1], "b");
}

static struct kunit_case fwd_parse_cases[] = {
	KUNIT_CASE(parse_u64_table),
	KUNIT_CASE(split_words_basic),
	KUNIT_CASE(split_words_blank),
	KUNIT_CASE(split_words_too_many),
	{}
};

static struct kunit_suite fwd_parse_suite = {
	.name = "forwarder-parse",
	.test_cases = fwd_parse_cases,
};

kunit_test_suite(fwd_parse_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for forwarder's /proc command parsers");
