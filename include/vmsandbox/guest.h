/* SPDX-License-Identifier: MIT */
#ifndef VMSANDBOX_GUEST_H
#define VMSANDBOX_GUEST_H

/*
 * vmsandbox guest library: what a program inside an instance uses to ask the
 * supervisor's broker for effects (vmsandbox-broker(7) is the wire protocol).
 *
 * Errors: every function returns 0 (or, where documented, a count) on success
 * and a negative code on failure, named by vmsb_strerror():
 *   -errno                  transport or local failure (EPROTO: the broker's
 *                           reply was malformed, had the wrong request id or
 *                           the wrong type; ECONNRESET: the broker hung up;
 *                           EINVAL: an argument the protocol cannot carry;
 *                           ENOBUFS: the value does not fit the caller's buffer)
 *   -(VMSB_E_BASE + code)   the broker answered with error reply `code`, one of
 *                           the codes in vmsandbox-broker(7); VMSB_E_* below.
 * vmsb_errmsg() gives the last failure's detail (the broker's message, or what
 * was wrong with its reply) as one line.
 *
 * A connection is not thread-safe: one per thread, or a lock around it.
 * Requests that act on a resource carry a capability token, which the library
 * picks from the capabilities the broker lists (fetched once, on first need,
 * and again after attenuate or revoke), unless vmsb_use_token() names one.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMSB_BROKER_FD_ENV "VMSANDBOX_BROKER_FD"

#define VMSB_TOKEN_SIZE 16
#define VMSB_MAX_NAME 255 /* register names, capability resources, fs roots */
#define VMSB_MAX_INSTANCE_ID 128
#define VMSB_MAX_PATH 1024   /* fs.open path below its root */
#define VMSB_MAX_INLINE 2048 /* register value */
#define VMSB_MAX_LOG 1024
#define VMSB_MAX_ENTRIES 64	      /* entries in one list page */
#define VMSB_MAX_ADDRESS 45	      /* numeric IPv4 or IPv6 address, without brackets */
#define VMSB_CONNECT_TIMEOUT_MS 30000 /* vmsb_net_connect: waiting for the TCP handshake */

/* Broker error codes, as negative return values: -(VMSB_E_BASE + wire code). */
#define VMSB_E_BASE 1000
enum vmsb_error {
	VMSB_E_PROTOCOL_MIN = VMSB_E_BASE + 1, /* 1..31: the broker found our frame malformed */
	VMSB_E_PROTOCOL_MAX = VMSB_E_BASE + 31,
	VMSB_E_DENIED_POLICY = VMSB_E_BASE + 32,
	VMSB_E_NO_CAPABILITY = VMSB_E_BASE + 33, /* also: no listed capability covers it */
	VMSB_E_RIGHTS = VMSB_E_BASE + 34,
	VMSB_E_EXPIRED = VMSB_E_BASE + 35,
	VMSB_E_REVOKED = VMSB_E_BASE + 36,
	VMSB_E_EXHAUSTED = VMSB_E_BASE + 37,
	VMSB_E_QUOTA = VMSB_E_BASE + 38,
	VMSB_E_NOT_FOUND = VMSB_E_BASE + 39,
	VMSB_E_CONFLICT = VMSB_E_BASE + 40,
	VMSB_E_CONSUMED = VMSB_E_BASE + 41,
	VMSB_E_EXISTS = VMSB_E_BASE + 42,
	VMSB_E_IO = VMSB_E_BASE + 43,
	VMSB_E_REGION = VMSB_E_BASE + 44,
	VMSB_E_TOO_SMALL = VMSB_E_BASE + 45,
	VMSB_E_NO_SPACE = VMSB_E_BASE + 46,
	VMSB_E_BUSY = VMSB_E_BASE + 47,
	VMSB_E_UNSUPPORTED = VMSB_E_BASE + 48,
	VMSB_E_BAD_RESULT = VMSB_E_BASE + 49,
	VMSB_E_INTERNAL = VMSB_E_BASE + 50,
	_VMSB_E_MAX,
};

/* Capability rights (bit mask). */
#define VMSB_RIGHT_READ 0x01u
#define VMSB_RIGHT_WRITE 0x02u
#define VMSB_RIGHT_CREATE 0x04u
#define VMSB_RIGHT_CONSUME 0x08u
#define VMSB_RIGHT_TRANSFER 0x10u
#define VMSB_RIGHT_ATTENUATE 0x20u

/* vmsb_fs_open flags (not the host's O_* values). */
#define VMSB_OPEN_READ 0x01u
#define VMSB_OPEN_WRITE 0x02u
#define VMSB_OPEN_CREATE 0x04u	  /* needs WRITE */
#define VMSB_OPEN_EXCL 0x08u	  /* needs CREATE */
#define VMSB_OPEN_TRUNC 0x10u	  /* needs WRITE */
#define VMSB_OPEN_APPEND 0x20u	  /* needs WRITE */
#define VMSB_OPEN_DIRECTORY 0x40u /* excludes WRITE */

enum vmsb_cap_kind {
	VMSB_CAP_REGISTER,
	VMSB_CAP_FS,
	VMSB_CAP_NET,
	VMSB_CAP_REGION,
	VMSB_CAP_DOMAIN,
};

enum vmsb_log_level {
	VMSB_LOG_ERROR,
	VMSB_LOG_WARN,
	VMSB_LOG_INFO,
	VMSB_LOG_DEBUG,
};

struct vmsb_hello {
	char instance_id[VMSB_MAX_INSTANCE_ID + 1];
	uint32_t cap_count;
	uint32_t region_count;
};

struct vmsb_cap {
	uint8_t token[VMSB_TOKEN_SIZE];
	enum vmsb_cap_kind kind;
	uint32_t rights;     /* VMSB_RIGHT_* */
	uint64_t expires_ms; /* CLOCK_MONOTONIC milliseconds, 0 = never */
	bool limited;
	uint32_t uses_left;	      /* 0 unless limited */
	char name[VMSB_MAX_NAME + 1]; /* register name or pattern, fs root, ... */
};

/* Same values as the policy's region "access" and the wire protocol. */
enum vmsb_region_access {
	VMSB_REGION_NONE, /* reserved address space only: no descriptor, never readable */
	VMSB_REGION_R,	  /* the supervisor writes, the instance reads */
	VMSB_REGION_RW,
	VMSB_REGION_RWX,
};

/* A region as region.list describes it. */
struct vmsb_region_info {
	uint32_t index; /* what a vmsb_region_ref names */
	enum vmsb_region_access access;
	uint64_t size; /* bytes, a multiple of the page size */
	int fd;	       /* the descriptor inside the instance; -1 for none */
	char name[VMSB_MAX_NAME + 1];
};

/*
 * A mapped region: addr .. addr + size - 1, between two PROT_NONE guard pages
 * (touching the byte before or after is SIGSEGV). For a `none` region the
 * whole range is PROT_NONE. The rest is the library's, for vmsb_region_unmap.
 */
struct vmsb_region {
	void *addr;
	uint64_t size;
	uint32_t index;
	enum vmsb_region_access access;
	void *reservation;
	size_t reservation_len;
};

/* A range of a region: the source or the sink of a register value. */
struct vmsb_region_ref {
	uint32_t region; /* vmsb_region_info.index */
	uint64_t offset;
	uint64_t length; /* a sink: the room there is */
};

struct vmsb_reg_entry {
	char name[VMSB_MAX_NAME + 1];
	uint64_t version;
	uint64_t size;
	bool consumed;
};

struct vmsb;

/*
 * Connects through the descriptor named by $VMSANDBOX_BROKER_FD, which must be
 * a decimal number naming an open AF_UNIX SOCK_SEQPACKET socket (-ENOENT when
 * unset, -EINVAL when not a number, -EBADF when not open, -ENOTSOCK,
 * -EPROTOTYPE). The connection owns the descriptor; its flags are left alone.
 */
int vmsb_connect(struct vmsb **ret) __attribute__((warn_unused_result));
/* Same, with a descriptor the caller hands over (closed by vmsb_close). */
int vmsb_connect_fd(int fd, struct vmsb **ret) __attribute__((warn_unused_result));
/* Closes the descriptor and frees; accepts NULL; returns NULL. */
struct vmsb *vmsb_close(struct vmsb *c);

int vmsb_hello(struct vmsb *c, struct vmsb_hello *ret);
int vmsb_ping(struct vmsb *c);
int vmsb_log(struct vmsb *c, enum vmsb_log_level level, const char *text);

/*
 * Every capability held, all pages; *ret_caps points into the connection and
 * stays valid until the next call on it. Returns the count.
 */
int vmsb_cap_list(struct vmsb *c, const struct vmsb_cap **ret_caps);
/* uses 0 = unlimited; expires_ms 0 = the parent's. */
int vmsb_cap_attenuate(struct vmsb *c, const uint8_t parent[VMSB_TOKEN_SIZE], uint32_t rights,
		       uint64_t expires_ms, uint32_t uses, struct vmsb_cap *ret);
int vmsb_cap_revoke(struct vmsb *c, const uint8_t token[VMSB_TOKEN_SIZE], uint32_t *ret_revoked);

/* Register calls; values are inline (at most VMSB_MAX_INLINE bytes). */
int vmsb_register_create(struct vmsb *c, const char *name, const void *value, size_t len,
			 uint64_t *ret_version);
/* buf of size bytes (VMSB_MAX_INLINE always suffices); -ENOBUFS if it does not fit. */
int vmsb_register_read(struct vmsb *c, const char *name, void *buf, size_t size, size_t *ret_len,
		       uint64_t *ret_version);
/* Compare-and-swap: only if the register is still at expected_version. */
int vmsb_register_write(struct vmsb *c, const char *name, uint64_t expected_version,
			const void *value, size_t len, uint64_t *ret_version);
/* expected_version 0 = any. */
int vmsb_register_consume(struct vmsb *c, const char *name, uint64_t expected_version, void *buf,
			  size_t size, size_t *ret_len, uint64_t *ret_version);
/*
 * One page of names under prefix ("" = all that the capability covers), after
 * the name after ("" or NULL = from the start); entries holds VMSB_MAX_ENTRIES.
 * Returns the count; *ret_more says to ask again with after = the last name.
 */
int vmsb_register_list(struct vmsb *c, const char *prefix, const char *after,
		       struct vmsb_reg_entry *entries, bool *ret_more);
int vmsb_register_delete(struct vmsb *c, const char *name, uint64_t expected_version);

/*
 * The same calls with the value in a region (for values over VMSB_MAX_INLINE,
 * up to the region's size): _region create and write take it from src; read
 * and consume put it into sink (the broker writes it at sink->offset, at most
 * sink->length bytes, else -VMSB_E_TOO_SMALL and nothing is written) and set
 * *ret_len to its length. The broker checks the range and the access.
 */
int vmsb_register_create_region(struct vmsb *c, const char *name, const struct vmsb_region_ref *src,
				uint64_t *ret_version);
int vmsb_register_write_region(struct vmsb *c, const char *name, uint64_t expected_version,
			       const struct vmsb_region_ref *src, uint64_t *ret_version);
int vmsb_register_read_region(struct vmsb *c, const char *name, const struct vmsb_region_ref *sink,
			      uint64_t *ret_len, uint64_t *ret_version);
int vmsb_register_consume_region(struct vmsb *c, const char *name, uint64_t expected_version,
				 const struct vmsb_region_ref *sink, uint64_t *ret_len,
				 uint64_t *ret_version);

/*
 * Every region, all pages of region.list (fetched once: regions do not change
 * while the instance runs); *ret points into the connection. Returns the count.
 * -EPROTO if the broker lists two regions of one name or an impossible size.
 */
int vmsb_region_list(struct vmsb *c, const struct vmsb_region_info **ret);
/* The region called name; -ENOENT if there is none. */
int vmsb_region_find(struct vmsb *c, const char *name, const struct vmsb_region_info **ret);
/*
 * Maps the region called name as its access allows (r: PROT_READ, rw: also
 * PROT_WRITE, rwx: also PROT_EXEC; MAP_SHARED), between guard pages; a `none`
 * region is a reservation that is PROT_NONE throughout. -ENOENT: no such
 * region; -EPROTO: its descriptor is missing or smaller than its size; -errno
 * from mmap (e.g. rwx where the policy forbids executable memory).
 */
int vmsb_region_map(struct vmsb *c, const char *name, struct vmsb_region *ret)
	__attribute__((warn_unused_result));
/* Unmaps everything vmsb_region_map mapped (guards too) and zeroes *r; 0 if nothing is mapped. */
int vmsb_region_unmap(struct vmsb_region *r);

/*
 * Opens the absolute path under the fs capability whose root contains it; the
 * descriptor arrives close-on-exec in *ret_fd. flags: VMSB_OPEN_*; mode only
 * with VMSB_OPEN_CREATE, at most 0777.
 */
int vmsb_fs_open(struct vmsb *c, const char *path, uint32_t flags, uint32_t mode, int *ret_fd);

/*
 * Connects over TCP through the broker to address (numeric IPv4, or IPv6 with
 * or without brackets) and port, with the net capability named
 * "ADDRESS:PORT" ("127.0.0.1:8080", "[::1]:8080"). Waits up to
 * VMSB_CONNECT_TIMEOUT_MS for the handshake; *ret_fd is then a connected,
 * blocking, close-on-exec TCP socket. A refused or unreachable peer is the
 * connection's -errno (-ECONNREFUSED, -ETIMEDOUT, ...).
 */
int vmsb_net_connect(struct vmsb *c, const char *address, uint16_t port, int *ret_fd);

/*
 * From now on every request that carries a capability token (register,
 * fs.open, net.connect) presents token instead of the one the library would
 * pick; NULL goes back to picking. The broker decides whether it is valid for
 * this instance: a token held by another instance is refused (no_capability).
 */
void vmsb_use_token(struct vmsb *c, const uint8_t token[VMSB_TOKEN_SIZE]);
/* Exactly 32 hex digits (either case) to 16 bytes; -EINVAL otherwise. */
int vmsb_token_parse(const char *hex, uint8_t ret[VMSB_TOKEN_SIZE]);

/* A static description of err (0, -errno or -VMSB_E_*). */
const char *vmsb_strerror(int err);
/* The last failure's detail on c, one line; "" if none. */
const char *vmsb_errmsg(const struct vmsb *c);

#endif
