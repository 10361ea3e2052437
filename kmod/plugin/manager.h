/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Plugin manager: what the core module calls (the plugin API itself is in
 * include/forwarder/plugin.h).
 */
#ifndef _FWD_PLUGINS_MANAGER_H
#define _FWD_PLUGINS_MANAGER_H

#include <forwarder/plugin.h>

#include "session/session_core.h"

struct fwd_net;

int fwd_pm_init(void);
void fwd_pm_exit(void);
int fwd_pm_net_init(struct fwd_net *fn);
void fwd_pm_net_exit(struct fwd_net *fn);

/* KUnit only: dispatch @ev for @s as the session manager would. */
void fwd_pm_test_dispatch(struct fwd_session *s, const struct fwd_event *ev);

#endif /* _FWD_PLUGINS_MANAGER_H */
