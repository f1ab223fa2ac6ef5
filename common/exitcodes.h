/* SPDX-License-Identifier: MIT */
#ifndef VMSB_COMMON_EXITCODES_H
#define VMSB_COMMON_EXITCODES_H

/* Exit status of `vmsandbox run`, documented under EXIT STATUS in vmsandbox(1). */
enum {
	VMSB_EXIT_TIMEOUT = 124,    /* wall or CPU limit (like coreutils timeout) */
	VMSB_EXIT_SETUP = 125,	    /* policy or setup error: nothing ran */
	VMSB_EXIT_NOEXEC = 126,	    /* program found but cannot be executed */
	VMSB_EXIT_NOTFOUND = 127,   /* program not found */
	VMSB_EXIT_SIGNAL_BASE = 128 /* 128+N: killed by signal N */
};

#endif
