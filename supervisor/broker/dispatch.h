/* SPDX-License-Identifier: MIT */
#ifndef VMSB_SUPERVISOR_BROKER_DISPATCH_H
#define VMSB_SUPERVISOR_BROKER_DISPATCH_H

/*
 * The broker's dispatch: serves one instance's requests on the supervisor's
 * end of its SOCK_SEQPACKET socket pair, in the order of checks of
 * vmsandbox-broker(7): decode, policy, capability, quota, handler, result
 * validation, reply, log. Never blocks: the socket is non-blocking, a reply
 * that does not fit the socket's buffer is dropped and counted.
 *
 * Made for an epoll loop (level-triggered): register broker_instance_fd()
 * for EPOLLIN and call broker_instance_on_readable() each time it fires.
 * Single-threaded, like the captable and store it uses.
 */
#include <stdint.h>

#include <jansson.h>

#include "common/err.h"
#include "policy/policy.h"
#include "supervisor/broker/captable.h"

struct store;
struct region_set;
struct execlog;

#define BROKER_MAX_ATTENUATIONS 1024 /* per instance: the captable is shared */

/* What broker_instance_on_readable returns when the instance may live on. */
enum broker_status {
	BROKER_IDLE = 0,   /* served a frame, or found none: wait for readiness again */
	BROKER_MORE = 1,   /* interrupted before a frame: call again */
	BROKER_CLOSED = 2, /* the instance closed its end: stop polling, then free */
};

struct broker_instance;

/*
 * Serves policy p (its broker section; p must outlive bi) for holder (nonzero,
 * unique per instance) in the shared table t (which must outlive bi).
 * Mints one capability per grant and opens each fs grant's root O_PATH.
 * sock_fd becomes bi's on success (made non-blocking, closed by
 * broker_instance_free); on failure the caller still owns it.
 * instance_id: printable text (at most WIRE_MAX_INSTANCE_ID bytes), copied.
 */
int broker_instance_new(const struct policy *p, struct captable *t, uint64_t holder,
			const char *instance_id, int sock_fd, struct broker_instance **ret,
			struct err_ctx *reterr) __attribute__((warn_unused_result));

/* Accepts NULL; drops the holder's capabilities, closes the socket and roots. */
struct broker_instance *broker_instance_free(struct broker_instance *bi);

static inline void broker_instance_freep(struct broker_instance **bi)
{
	*bi = broker_instance_free(*bi);
}
#define _cleanup_broker_instance_ __attribute__((cleanup(broker_instance_freep)))

/* The supervisor's end of the socket, for epoll. */
int broker_instance_fd(const struct broker_instance *bi);

/*
 * Serves at most one frame. Returns enum broker_status, or -errno
 * when the instance must be killed (malformed frame under on_malformed
 * "kill": -EBADMSG; a socket error: its -errno).
 */
int broker_instance_on_readable(struct broker_instance *bi) __attribute__((warn_unused_result));

/*
 * Shares an already open register store (not owned, must outlive bi) instead
 * of opening the policy's one on the first register request.
 */
void broker_instance_set_store(struct broker_instance *bi, struct store *s);

/*
 * Serves the instance's memory regions from rs (not owned, must outlive bi):
 * region.list, hello's region count, register values in regions.
 */
void broker_instance_set_regions(struct broker_instance *bi, struct region_set *rs);

/*
 * Appends one JSON line per served request to l (not owned, must outlive bi):
 * the instance's execution log, with the text of its `log` requests.
 */
void broker_instance_set_exec_log(struct broker_instance *bi, struct execlog *l);

/*
 * The report's "broker" object: requests by type, denials by reason,
 * security events, quota use. New reference; NULL on OOM.
 */
json_t *broker_instance_report(const struct broker_instance *bi);

#endif
