/* SPDX-License-Identifier: GPL-2.0-only */
/* 6.12 moved <asm/unaligned.h> to <linux/unaligned.h>; found only when the kernel lacks it. */
#include <linux/unaligned.h>
