/* SPDX-License-Identifier: MIT */
/* vmsandbox: wires the command line to the commands; nothing else lives here. */
#include <stdio.h>

#include "common/exitcodes.h"
#include "common/log.h"
#include "supervisor/cli.h"
#include "supervisor/run.h"

static void set_verbosity(int verbosity)
{
	if (verbosity < 0)
		log_set_level(LOG_LEVEL_ERROR);
	else if (verbosity == 1)
		log_set_level(LOG_LEVEL_INFO);
	else if (verbosity > 1)
		log_set_level(LOG_LEVEL_DEBUG);
}

int main(int argc, char **argv)
{
	struct launch_opts opts;
	struct err_ctx err = {0};
	int r;

	if (cli_parse(argc, argv, &opts, &err) < 0) {
		log_msg(LOG_LEVEL_ERROR, "%s", err.msg);
		fprintf(stderr, "Try 'vmsandbox --help' for more information.\n");
		return VMSB_EXIT_SETUP;
	}
	set_verbosity(opts.verbosity);
	switch (opts.command) {
	case CLI_COMMAND_RUN:
		r = run_command(&opts);
		break;
	case CLI_COMMAND_CHECK:
		r = check_command(&opts);
		break;
	case CLI_COMMAND_VERSION:
		printf("vmsandbox %s\n", VMSB_VERSION);
		r = 0;
		break;
	case CLI_COMMAND_HELP:
	case CLI_COMMAND_NONE:
	case _CLI_COMMAND_MAX:
	default:
		fputs(cli_usage(), stdout);
		r = 0;
		break;
	}
	cli_free(&opts);
	return r;
}
