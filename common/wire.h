/* SPDX-License-Identifier: MIT */
#ifndef VMSB_COMMON_WIRE_H
#define VMSB_COMMON_WIRE_H

/*
 * Broker wire protocol, version 1: the frames an instance and the supervisor
 * exchange over their AF_UNIX SOCK_SEQPACKET socket pair. One datagram is one
 * frame; descriptors travel beside it with SCM_RIGHTS; bulk data never travels
 * in a frame but through a memory region, named by (region, offset, length).
 * The format, every message and every error code are in vmsandbox-broker(7).
 *
 * Frame: a 20-byte little-endian header, then the payload of its type.
 *   0  u32 magic "VMSB"   4  u16 version (1)   6  u16 type   8  u16 flags (0)
 *  10  u16 reserved (0)  12  u32 request id     16  u32 payload length
 *
 * The decoder is strict, because the supervisor runs it on hostile bytes: one
 * canonical encoding per message, every length and count checked against the
 * frame and against its field's maximum, unknown types, versions, flags and
 * enum values rejected, trailing bytes rejected. It never allocates: strings
 * and inline values in a decoded message point into the caller's frame buffer
 * (not NUL-terminated, explicit lengths), so they live as long as that buffer.
 *
 * The encoder runs the same checks on the message it is given, so it never
 * emits a frame the decoder would reject, and encode(decode(frame)) gives the
 * frame back byte for byte.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define WIRE_MAGIC 0x42534d56u /* "VMSB" as bytes on the wire */
#define WIRE_VERSION 1
#define WIRE_HEADER_SIZE 20
#define WIRE_MAX_FRAME 4096 /* header included; receive with MSG_TRUNC to see more */

#define WIRE_TOKEN_SIZE 16
#define WIRE_MAX_NAME 255	      /* register, region and capability resource names */
#define WIRE_MAX_INSTANCE_ID 128      /* hello.ok instance id */
#define WIRE_MAX_PATH 1024	      /* fs.open path beneath the capability's root */
#define WIRE_MAX_ADDRESS 45	      /* net.connect numeric address: INET6_ADDRSTRLEN - 1 */
#define WIRE_MAX_INLINE 2048	      /* inline register value; larger ones use a region */
#define WIRE_MAX_LOG 1024	      /* log message */
#define WIRE_MAX_ERROR_MSG 255	      /* error reply message */
#define WIRE_MAX_ENTRIES 64	      /* entries in one list reply (fewer if the frame is full) */
#define WIRE_REGION_END_MAX INT64_MAX /* offset + length bound: fits off_t */

/*
 * Message types. A reply's type is its request's type with WIRE_T_REPLY set;
 * WIRE_T_ERROR answers any request. Values are fixed: they are the protocol.
 */
#define WIRE_T_REPLY 0x8000u
enum wire_type {
	WIRE_T_HELLO = 0x0001,
	WIRE_T_PING = 0x0002, /* no-op, for round-trip measurements */
	WIRE_T_LOG = 0x0003,
	WIRE_T_CAP_LIST = 0x0010,
	WIRE_T_CAP_ATTENUATE = 0x0011,
	WIRE_T_CAP_REVOKE = 0x0012,
	WIRE_T_REGISTER_CREATE = 0x0020,
	WIRE_T_REGISTER_READ = 0x0021,
	WIRE_T_REGISTER_WRITE = 0x0022,
	WIRE_T_REGISTER_CONSUME = 0x0023,
	WIRE_T_REGISTER_LIST = 0x0024,
	WIRE_T_REGISTER_DELETE = 0x0025,
	WIRE_T_FS_OPEN = 0x0030,
	WIRE_T_REGION_LIST = 0x0040,
	WIRE_T_NET_CONNECT = 0x0050,

	WIRE_T_ERROR = 0x8000,
	WIRE_T_HELLO_OK = 0x8001,
	WIRE_T_PING_OK = 0x8002,
	WIRE_T_LOG_OK = 0x8003,
	WIRE_T_CAP_LIST_OK = 0x8010,
	WIRE_T_CAP_ATTENUATE_OK = 0x8011,
	WIRE_T_CAP_REVOKE_OK = 0x8012,
	WIRE_T_REGISTER_CREATE_OK = 0x8020,
	WIRE_T_REGISTER_READ_OK = 0x8021,
	WIRE_T_REGISTER_WRITE_OK = 0x8022,
	WIRE_T_REGISTER_CONSUME_OK = 0x8023,
	WIRE_T_REGISTER_LIST_OK = 0x8024,
	WIRE_T_REGISTER_DELETE_OK = 0x8025,
	WIRE_T_FS_OPEN_OK = 0x8030, /* the only frame with a descriptor: exactly one */
	WIRE_T_REGION_LIST_OK = 0x8040,
	WIRE_T_NET_CONNECT_OK = 0x8050, /* no payload, exactly one descriptor: the socket */
};

static inline bool wire_type_is_reply(enum wire_type t)
{
	return ((unsigned)t & WIRE_T_REPLY) != 0;
}

/*
 * Error codes of an error reply, and what wire_decode returns (negated).
 * 1..31 are protocol errors found by the decoder: a frame that has one came
 * from a broken or hostile peer and is a security event. 32 and up are the
 * broker's answers to well-formed requests.
 */
enum wire_error {
	WIRE_E_MALFORMED = 1, /* a field has a value its type does not allow */
	WIRE_E_TRUNCATED = 2, /* shorter than the header, or a field runs past the end */
	WIRE_E_MAGIC = 3,
	WIRE_E_VERSION = 4,
	WIRE_E_TYPE = 5,      /* unknown type (or a reply where a request is due) */
	WIRE_E_FLAGS = 6,     /* a flag bit version 1 does not define */
	WIRE_E_RESERVED = 7,  /* reserved header field not zero */
	WIRE_E_LENGTH = 8,    /* payload length disagrees with the datagram size */
	WIRE_E_TOO_BIG = 9,   /* datagram larger than WIRE_MAX_FRAME */
	WIRE_E_TOO_LONG = 10, /* string or inline value over its field's maximum */
	WIRE_E_TOO_MANY = 11, /* entry count over WIRE_MAX_ENTRIES */
	WIRE_E_STRING = 12,   /* empty where required, NUL, control char, bad UTF-8 */
	WIRE_E_RANGE = 13,    /* region offset + length past WIRE_REGION_END_MAX */
	WIRE_E_TRAILING = 14, /* bytes after the payload's last field */

	WIRE_E_DENIED_POLICY = 32, /* the policy does not allow this effect */
	WIRE_E_NO_CAPABILITY = 33, /* token unknown or not held by this instance */
	WIRE_E_RIGHTS = 34,	   /* the capability lacks a right or the resource */
	WIRE_E_EXPIRED = 35,
	WIRE_E_REVOKED = 36,
	WIRE_E_EXHAUSTED = 37, /* limited uses, none left */
	WIRE_E_QUOTA = 38,
	WIRE_E_NOT_FOUND = 39,
	WIRE_E_CONFLICT = 40, /* compare-and-swap: the version moved */
	WIRE_E_CONSUMED = 41,
	WIRE_E_EXISTS = 42,
	WIRE_E_IO = 43,
	WIRE_E_REGION = 44,	 /* region not held, range outside it, or rights */
	WIRE_E_TOO_SMALL = 45,	 /* the result does not fit inline or in the given range */
	WIRE_E_NO_SPACE = 46,	 /* the register store is full; nothing changed */
	WIRE_E_BUSY = 47,	 /* store locked, or the host kept renaming: retry */
	WIRE_E_UNSUPPORTED = 48, /* well-formed, but not served by this supervisor */
	WIRE_E_RESULT = 49,	 /* the effect's result failed validation */
	WIRE_E_INTERNAL = 50,
	_WIRE_E_MAX,
};

static inline bool wire_error_is_protocol(enum wire_error e)
{
	return e >= WIRE_E_MALFORMED && e < WIRE_E_DENIED_POLICY;
}

/* Capability rights (u32 bitmask); other bits are malformed. */
#define WIRE_RIGHT_READ (1u << 0)
#define WIRE_RIGHT_WRITE (1u << 1)
#define WIRE_RIGHT_CREATE (1u << 2)
#define WIRE_RIGHT_CONSUME (1u << 3)
#define WIRE_RIGHT_TRANSFER (1u << 4)
#define WIRE_RIGHT_ATTENUATE (1u << 5)
#define WIRE_RIGHTS_ALL 0x3fu

/* fs.open flags (u32), independent of the host's O_* values. */
#define WIRE_OPEN_READ (1u << 0)
#define WIRE_OPEN_WRITE (1u << 1)
#define WIRE_OPEN_CREATE (1u << 2)    /* needs WRITE */
#define WIRE_OPEN_EXCL (1u << 3)      /* needs CREATE */
#define WIRE_OPEN_TRUNC (1u << 4)     /* needs WRITE */
#define WIRE_OPEN_APPEND (1u << 5)    /* needs WRITE */
#define WIRE_OPEN_DIRECTORY (1u << 6) /* excludes WRITE */
#define WIRE_OPEN_ALL 0x7fu
#define WIRE_OPEN_MODE_MAX 0777u /* no set-id or sticky bits through the broker */

enum wire_cap_kind {
	WIRE_CAP_REGISTER,
	WIRE_CAP_FS,
	WIRE_CAP_NET,
	WIRE_CAP_REGION,
	WIRE_CAP_DOMAIN,
	_WIRE_CAP_KIND_MAX,
};

enum wire_region_access {
	WIRE_REGION_NONE, /* guard: cannot be mapped readable */
	WIRE_REGION_R,
	WIRE_REGION_RW,
	WIRE_REGION_RWX,
	_WIRE_REGION_ACCESS_MAX,
};

enum wire_log_level {
	WIRE_LOG_ERROR,
	WIRE_LOG_WARN,
	WIRE_LOG_INFO,
	WIRE_LOG_DEBUG,
	_WIRE_LOG_LEVEL_MAX,
};

/* Where a value lives: inline in the frame, or in a memory region. */
enum wire_value_kind {
	WIRE_VALUE_INLINE,
	WIRE_VALUE_REGION,
	_WIRE_VALUE_KIND_MAX,
};

/* Text: UTF-8 without NUL or control characters; points into the frame. */
struct wire_str {
	const char *ptr;
	uint16_t len;
};

struct wire_bytes {
	const uint8_t *ptr;
	uint16_t len;
};

struct wire_token {
	uint8_t bytes[WIRE_TOKEN_SIZE];
};

/* offset + length <= WIRE_REGION_END_MAX; being inside the region is the broker's check. */
struct wire_region_ref {
	uint32_t region;
	uint64_t offset;
	uint64_t length;
};

/* A register value: data (kind INLINE) or region (kind REGION); the other is ignored. */
struct wire_value {
	enum wire_value_kind kind;
	struct wire_bytes data;
	struct wire_region_ref region;
};

/* Where a read value goes: inline in the reply, or into region (length = room). */
struct wire_sink {
	enum wire_value_kind kind;
	struct wire_region_ref region;
};

/* cap.list and region.list requests: resume at cursor (0 = the start). */
struct wire_cursor {
	uint32_t cursor;
};

/* expires_ms: CLOCK_MONOTONIC milliseconds, shared by both sides; 0 = the parent's. */
struct wire_cap_attenuate {
	struct wire_token token;
	uint32_t rights; /* a subset of the parent's */
	uint64_t expires_ms;
	uint32_t uses; /* 0 = unlimited (only under an unlimited parent) */
};

struct wire_cap_revoke {
	struct wire_token token;
};

struct wire_reg_create {
	struct wire_token token;
	struct wire_str name;
	struct wire_value value;
};

struct wire_reg_read {
	struct wire_token token;
	struct wire_str name;
	struct wire_sink sink;
};

struct wire_reg_write {
	struct wire_token token;
	struct wire_str name;
	uint64_t expected_version; /* the version the writer read (>= 1 to match) */
	struct wire_value value;
};

/* register.consume: hands the value out once. */
struct wire_reg_consume {
	struct wire_token token;
	struct wire_str name;
	uint64_t expected_version; /* 0 = any */
	struct wire_sink sink;
};

/* register.list: names under prefix ("" = all the token covers), after "after" ("" = start). */
struct wire_reg_list {
	struct wire_token token;
	struct wire_str prefix;
	struct wire_str after;
};

struct wire_reg_delete {
	struct wire_token token;
	struct wire_str name;
	uint64_t expected_version; /* 0 = any */
};

/* fs.open: root is the name on the capability, path is resolved beneath it. */
struct wire_fs_open {
	struct wire_token token;
	uint32_t flags; /* WIRE_OPEN_* */
	uint32_t mode;	/* 0 unless CREATE; at most WIRE_OPEN_MODE_MAX */
	struct wire_str root;
	struct wire_str path;
};

/*
 * net.connect: a TCP connection to address:port, both as the capability names
 * them ("127.0.0.1" or "::1", numeric only). The reply carries the socket,
 * connected or still connecting (non-blocking): wait for POLLOUT, read SO_ERROR.
 */
struct wire_net_connect {
	struct wire_token token;
	uint16_t port; /* 1..65535 */
	struct wire_str address;
};

struct wire_log {
	enum wire_log_level level;
	struct wire_str text; /* tab allowed, no newline: one message is one log line */
};

struct wire_hello_ok {
	struct wire_str instance_id;
	uint32_t cap_count;    /* capabilities held: read them with cap.list */
	uint32_t region_count; /* regions: read them with region.list */
};

/* One capability as its holder sees it. uses_left is 0 unless limited. */
struct wire_cap_entry {
	struct wire_token token;
	enum wire_cap_kind kind;
	uint32_t rights;
	uint64_t expires_ms; /* CLOCK_MONOTONIC ms, 0 = never */
	bool limited;
	uint32_t uses_left;
	struct wire_str name; /* the resource: register name or pattern, fs root, ... */
};

struct wire_cap_list_ok {
	uint32_t next_cursor; /* 0 = that was the last page */
	uint16_t count;
	struct wire_cap_entry entries[WIRE_MAX_ENTRIES];
};

struct wire_cap_revoke_ok {
	uint32_t revoked; /* the token and its descendants */
};

/* register.create.ok and register.write.ok */
struct wire_version {
	uint64_t version;
};

/* register.read.ok and register.consume.ok */
struct wire_reg_value {
	uint64_t version;
	struct wire_value value; /* REGION: region and range actually written */
};

struct wire_reg_entry {
	struct wire_str name;
	uint64_t version;
	uint64_t size;
	bool consumed;
};

struct wire_reg_list_ok {
	bool more; /* ask again with after = the last name */
	uint16_t count;
	struct wire_reg_entry entries[WIRE_MAX_ENTRIES];
};

struct wire_fs_open_ok {
	uint32_t flags; /* WIRE_OPEN_* the descriptor was opened with */
};

struct wire_region_entry {
	uint32_t region;
	enum wire_region_access access;
	uint64_t size;
	uint32_t fd; /* descriptor number inside the instance, at most INT32_MAX */
	struct wire_str name;
};

struct wire_region_list_ok {
	uint32_t next_cursor; /* 0 = that was the last page */
	uint16_t count;
	struct wire_region_entry entries[WIRE_MAX_ENTRIES];
};

struct wire_error_reply {
	enum wire_error code;
	struct wire_str message; /* for humans; see wire_text_clean */
};

/*
 * One frame. The union member to use follows from type:
 *   hello, ping, log.ok, ping.ok,
 *   register.delete.ok                  (no payload)
 *   log                                 u.log
 *   cap.list, region.list               u.cursor
 *   cap.attenuate / .ok                 u.cap_attenuate / u.cap_entry
 *   cap.revoke / .ok                    u.cap_revoke / u.cap_revoke_ok
 *   register.create, .write             u.reg_create, u.reg_write
 *   register.create.ok, .write.ok       u.version
 *   register.read, .consume             u.reg_read, u.reg_consume
 *   register.read.ok, .consume.ok       u.reg_value
 *   register.list / .ok                 u.reg_list / u.reg_list_ok
 *   register.delete                     u.reg_delete
 *   fs.open / .ok                       u.fs_open / u.fs_open_ok
 *   net.connect / .ok                   u.net_connect / (no payload)
 *   hello.ok, cap.list.ok, region.list.ok, error: the member of that name
 * The flags header field is always 0 in version 1, so it is not kept.
 */
struct wire_msg {
	enum wire_type type;
	uint32_t request_id; /* chosen by the requester, echoed in the reply */
	union {
		struct wire_log log;
		struct wire_cursor cursor;
		struct wire_cap_attenuate cap_attenuate;
		struct wire_cap_revoke cap_revoke;
		struct wire_reg_create reg_create;
		struct wire_reg_read reg_read;
		struct wire_reg_write reg_write;
		struct wire_reg_consume reg_consume;
		struct wire_reg_list reg_list;
		struct wire_reg_delete reg_delete;
		struct wire_fs_open fs_open;
		struct wire_net_connect net_connect;
		struct wire_hello_ok hello_ok;
		struct wire_cap_entry cap_entry;
		struct wire_cap_list_ok cap_list_ok;
		struct wire_cap_revoke_ok cap_revoke_ok;
		struct wire_version version;
		struct wire_reg_value reg_value;
		struct wire_reg_list_ok reg_list_ok;
		struct wire_fs_open_ok fs_open_ok;
		struct wire_region_list_ok region_list_ok;
		struct wire_error_reply error;
	} u;
};

/*
 * Decodes one received datagram of len bytes (pass the real datagram size,
 * as recvmsg reports it with MSG_TRUNC, even when it exceeds the buffer).
 * Returns 0 and fills *ret (pointing into buf), or -WIRE_E_* -- a protocol
 * error code to put in the error reply, not an errno -- with *ret zeroed and
 * reterr set to EBADMSG (EMSGSIZE for TOO_BIG) and a one-line message that
 * names the field and byte offset but never repeats the frame's bytes.
 * Decoding accepts requests and replies alike: the receiver checks that a
 * request (or the reply it waits for) arrived.
 */
int wire_decode(const uint8_t *buf, size_t len, struct wire_msg *ret, struct err_ctx *reterr)
	__attribute__((warn_unused_result));

/*
 * Encodes m into buf (size bytes) and sets *ret_len. -EINVAL if m breaks a
 * rule the decoder enforces; -EMSGSIZE if the frame would not fit in size or
 * in WIRE_MAX_FRAME (a list reply: drop entries until it fits).
 */
int wire_encode(const struct wire_msg *m, uint8_t *buf, size_t size, size_t *ret_len)
	__attribute__((warn_unused_result));

/*
 * The leading bytes of struct wire_msg that messages of type t use (the
 * header fields and their union member); the rest is never read for that
 * type. A caller that builds a message may clear just this much.
 */
size_t wire_msg_size(enum wire_type t);

/* Same message: type, request id and the fields the type uses, strings by content. */
bool wire_msg_equal(const struct wire_msg *a, const struct wire_msg *b);

/* Stable names for logs and reports: "register.write", "register.write.ok"; "no_capability". */
const char *wire_type_name(enum wire_type t);
const char *wire_error_name(enum wire_error e);

/*
 * Makes the NUL-terminated s acceptable as error or log text in place: every
 * byte of an invalid or forbidden sequence becomes '?', and the text is cut at
 * a character boundary to at most max bytes. Returns the new length.
 */
size_t wire_text_clean(char *s, size_t max);

#endif
