/* SPDX-License-Identifier: MIT */
#ifndef VMSB_SUPERVISOR_RUN_H
#define VMSB_SUPERVISOR_RUN_H

#include "supervisor/cli.h"

/* `vmsandbox run`: returns the process exit status (see vmsandbox(1)). */
int run_command(const struct launch_opts *opts);

/* `vmsandbox check [--print] FILE`: 0 when valid, 125 otherwise. */
int check_command(const struct launch_opts *opts);

#endif
