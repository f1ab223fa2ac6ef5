/* SPDX-License-Identifier: MIT */
/*
 * Resource register store on SQLite. See store.h for the contract.
 *
 * Durability: WAL with synchronous=FULL fsyncs the WAL at every COMMIT, and no
 * function returns success before its COMMIT has returned. Statements are
 * prepared once per handle; every statement is reset and its bindings cleared
 * right after use, so no binding ever points at a caller's buffer afterwards.
 */
#include "supervisor/broker/store.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <libgen.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"

#define STORE_APP_ID 0x766d7362 /* "vmsb" in the database header */
#define STORE_BUSY_TIMEOUT_MS 5000
#define STORE_PRUNE_EVERY 1024
#define STORE_PW_BUF 16384

enum store_stmt {
	STMT_BEGIN,
	STMT_BEGIN_IMMEDIATE,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_META,
	STMT_VALUE,
	STMT_INSERT,
	STMT_UPDATE,
	STMT_CONSUME,
	STMT_DELETE,
	STMT_LOG,
	STMT_PRUNE,
	STMT_LIST,
	_STMT_MAX,
};

/* Parameters, where used: ?1 name, ?2 new version, ?3 time, ?4 value, ?5 owner. */
static const char *const stmt_sql[_STMT_MAX] = {
	[STMT_BEGIN] = "BEGIN DEFERRED",
	[STMT_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
	[STMT_META] = "SELECT version, consumed FROM registers WHERE name = ?1",
	[STMT_VALUE] = "SELECT version, consumed, value FROM registers WHERE name = ?1",
	[STMT_INSERT] = "INSERT INTO registers (name, value, version, consumed, created_ms, "
			"updated_ms, owner) VALUES (?1, ?4, 1, 0, ?3, ?3, ?5)",
	[STMT_UPDATE] = "UPDATE registers SET value = ?4, version = ?2, updated_ms = ?3 "
			"WHERE name = ?1",
	[STMT_CONSUME] = "UPDATE registers SET value = x'', consumed = 1, version = ?2, "
			 "updated_ms = ?3 WHERE name = ?1",
	[STMT_DELETE] = "DELETE FROM registers WHERE name = ?1",
	[STMT_LOG] = "INSERT INTO oplog (at_ms, op, name, instance, cap, old_version, "
		     "new_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[STMT_PRUNE] = "DELETE FROM oplog WHERE seq <= ?1",
	/*
	 * ?1 prefix, ?2 upper bound (prefix + "0", the byte after '/'), ?3
	 * resume-after name, ?4 limit. The range uses the name index; the
	 * last term drops "demo-x" and "demo.x", which sort inside the range.
	 */
	[STMT_LIST] = "SELECT name, version, consumed, length(value), created_ms, updated_ms, "
		      "owner FROM registers WHERE name >= ?1 AND name < ?2 AND name > ?3 "
		      "AND (?1 = '' OR name = ?1 OR substr(name, 1, length(?1) + 1) = ?1 || '/') "
		      "ORDER BY name LIMIT ?4",
};

/*
 * Schema migrations: entry N takes user_version N to N + 1. Append only;
 * never edit a shipped entry.
 */
static const char *const store_migrations[STORE_SCHEMA_VERSION] = {
	"CREATE TABLE registers ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" value BLOB NOT NULL,"
	" version INTEGER NOT NULL CHECK (version >= 1),"
	" consumed INTEGER NOT NULL DEFAULT 0 CHECK (consumed IN (0, 1)),"
	" created_ms INTEGER NOT NULL,"
	" updated_ms INTEGER NOT NULL,"
	" owner TEXT"
	") STRICT;"
	"CREATE TABLE oplog ("
	" seq INTEGER PRIMARY KEY,"
	" at_ms INTEGER NOT NULL,"
	" op TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" instance TEXT,"
	" cap BLOB,"
	" old_version INTEGER,"
	" new_version INTEGER"
	") STRICT;",
};

static const char *const store_op_names[_STORE_OP_MAX] = {
	[STORE_OP_CREATE] = "create",	[STORE_OP_READ] = "read",     [STORE_OP_WRITE] = "write",
	[STORE_OP_CONSUME] = "consume", [STORE_OP_DELETE] = "delete", [STORE_OP_LIST] = "list",
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmt[_STMT_MAX];
	store_event_fn hook;
	void *hook_data;
	bool in_op; /* a list callback must not re-enter: its statement is live */
};

/* One operation's inputs and results, shared by the runner and the bodies. */
struct store_args {
	enum store_op op;
	const struct store_actor *who;
	const char *name;
	size_t name_len;
	bool name_ok; /* only a checked name reaches the event hook */
	const void *data;
	size_t len;
	uint64_t expected;
	struct store_value *ret;
	uint64_t old_version;
	uint64_t new_version;
	const char *after;
	size_t limit;
	store_list_fn fn;
	void *userdata;
};

typedef int (*store_body_fn)(struct store *s, struct store_args *a, struct err_ctx *reterr);

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int sqlite_errno(sqlite3 *db, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL:
		return ENOSPC;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return EBUSY;
	case SQLITE_NOMEM:
		return ENOMEM;
	case SQLITE_READONLY:
		return EROFS;
	case SQLITE_TOOBIG:
		return EFBIG;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return EACCES;
	case SQLITE_CANTOPEN:
		return db && sqlite3_system_errno(db) > 0 ? sqlite3_system_errno(db) : EIO;
	case SQLITE_IOERR:
		/* a full disk can surface as a failed fsync or truncate, not only as FULL */
		return db && sqlite3_system_errno(db) == ENOSPC ? ENOSPC : EIO;
	default:
		return EIO;
	}
}

/* Call right after the failing call, before any reset replaces the message. */
static int store_fail(sqlite3 *db, int rc, const char *what, struct err_ctx *reterr)
{
	return err_set(reterr, sqlite_errno(db, rc), "register store: %s: %s", what,
		       db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

static void stmt_resetp(sqlite3_stmt **st)
{
	if (*st) {
		sqlite3_reset(*st);
		sqlite3_clear_bindings(*st);
	}
}
#define _cleanup_stmt_ _cleanup_(stmt_resetp)

/* Runs a statement that returns no row, then resets it. */
static int stmt_run(struct store *s, enum store_stmt id, const char *what, struct err_ctx *reterr)
{
	_cleanup_stmt_ sqlite3_stmt *st = s->stmt[id];
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE)
		return store_fail(s->db, rc, what, reterr);
	return 0;
}

/* SQLite binds NULL for a NULL pointer; an empty value must stay an empty blob. */
static int bind_value(sqlite3_stmt *st, int idx, const void *data, size_t len)
{
	if (len == 0)
		return sqlite3_bind_zeroblob(st, idx, 0);
	return sqlite3_bind_blob(st, idx, data, (int)len, SQLITE_STATIC);
}

static bool name_byte_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

int store_name_check(const char *name, size_t len, struct err_ctx *reterr)
{
	size_t seg = 0;

	if (!name || len == 0)
		return err_set(reterr, EINVAL, "register name is empty");
	if (len > STORE_NAME_MAX)
		return err_set(reterr, EINVAL, "register name is longer than %d bytes",
			       STORE_NAME_MAX);
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)name[i] : '/';
		size_t n = i - seg;

		if (c != '/' && name_byte_ok(c))
			continue;
		if (c != '/')
			return err_set(reterr, EINVAL,
				       "register name: byte 0x%02x at %zu not allowed", c, i);
		if (n == 0)
			return err_set(reterr, EINVAL, "register name: empty segment at %zu", i);
		if (name[seg] == '.' && (n == 1 || (n == 2 && name[seg + 1] == '.')))
			return err_set(reterr, EINVAL, "register name has a '.' or '..' segment");
		seg = i + 1;
	}
	return 0;
}

/* Validates what every operation gets from its caller, before any transaction. */
static int args_check(struct store *s, struct store_args *a, struct err_ctx *reterr)
{
	const struct store_actor *w = a->who;

	if (!s)
		return err_set(reterr, EINVAL, "register store is not open");
	if (a->op != STORE_OP_LIST || a->name_len > 0) {
		int r = store_name_check(a->name, a->name_len, reterr);

		if (r < 0)
			return r;
	}
	a->name_ok = true;
	if (a->len > STORE_VALUE_MAX)
		return err_set(reterr, EFBIG, "register '%s': value of %zu bytes is over %d",
			       a->name, a->len, STORE_VALUE_MAX);
	if (a->len > 0 && !a->data)
		return err_set(reterr, EINVAL, "register '%s': value is NULL", a->name);
	if (w && w->instance && strnlen(w->instance, STORE_INSTANCE_MAX + 1) > STORE_INSTANCE_MAX)
		return err_set(reterr, EINVAL, "instance id is longer than %d bytes",
			       STORE_INSTANCE_MAX);
	if (w && (w->cap_len > STORE_CAP_ID_MAX || (w->cap_len > 0 && !w->cap)))
		return err_set(reterr, EINVAL, "capability id is invalid or over %d bytes",
			       STORE_CAP_ID_MAX);
	return 0;
}

static void value_drop(struct store_value *v)
{
	if (v) {
		free(v->data);
		*v = (struct store_value){0};
	}
}

/* Steps a META or VALUE lookup to its row; the caller resets st. */
static int reg_lookup(struct store *s, sqlite3_stmt *st, struct store_args *a, bool allow_consumed,
		      struct err_ctx *reterr)
{
	int rc;

	sqlite3_bind_text(st, 1, a->name, (int)a->name_len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return err_set(reterr, ENOENT, "register '%s' does not exist", a->name);
	if (rc != SQLITE_ROW)
		return store_fail(s->db, rc, "lookup", reterr);
	a->old_version = (uint64_t)sqlite3_column_int64(st, 0);
	if (sqlite3_column_int(st, 1) != 0 && !allow_consumed)
		return err_set(reterr, STORE_ECONSUMED, "register '%s' was consumed", a->name);
	if (a->expected != STORE_VERSION_ANY && a->expected != a->old_version)
		return err_set(reterr, ESTALE,
			       "register '%s' is at version %" PRIu64 ", not %" PRIu64, a->name,
			       a->old_version, a->expected);
	return 0;
}

/* Looks the register up and copies its value into a->ret. */
static int reg_fetch(struct store *s, struct store_args *a, struct err_ctx *reterr)
{
	_cleanup_stmt_ sqlite3_stmt *st = s->stmt[STMT_VALUE];
	const void *blob;
	int r, n;

	r = reg_lookup(s, st, a, false, reterr);
	if (r < 0)
		return r;
	n = sqlite3_column_bytes(st, 2);
	blob = sqlite3_column_blob(st, 2);
	if (n < 0 || n > STORE_VALUE_MAX || (n > 0 && !blob))
		return err_set(reterr, EIO, "register '%s': stored value is unreadable", a->name);
	a->ret->data = malloc((size_t)n + 1);
	if (!a->ret->data)
		return err_set(reterr, ENOMEM, "register '%s': out of memory", a->name);
	if (n > 0)
		memcpy(a->ret->data, blob, (size_t)n);
	((char *)a->ret->data)[n] = '\0';
	a->ret->len = (size_t)n;
	a->ret->version = a->old_version;
	return 0;
}

static int op_create(struct store *s, struct store_args *a, struct err_ctx *reterr)
{
	_cleanup_stmt_ sqlite3_stmt *st = s->stmt[STMT_INSERT];
	const char *owner = a->who ? a->who->instance : NULL;
	int rc;

	sqlite3_bind_text(st, 1, a->name, (int)a->name_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now_ms());
	bind_value(st, 4, a->data, a->len);
	if (owner)
		sqlite3_bind_text(st, 5, owner, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return err_set(reterr, EEXIST, "register '%s' already exists", a->name);
	if (rc != SQLITE_DONE)
		return store_fail(s->db, rc, "create", reterr);
	a->new_version = 1;
	return 0;
}

static int op_read(struct store *s, struct store_args *a, struct err_ctx *reterr)
{
	int r = reg_fetch(s, a, reterr);

	a->new_version = a->old_version;
	return r;
}

/* Sets a new version (with a new value, or as a consumed tombstone). */
static int reg_update(struct store *s, struct store_args *a, enum store_stmt id,
		      struct err_ctx *reterr)
{
	sqlite3_stmt *st = s->stmt[id];

	if (a->old_version >= INT64_MAX)
		return err_set(reterr, EOVERFLOW, "register '%s': version would overflow", a->name);
	a->new_version = a->old_version + 1;
	sqlite3_bind_text(st, 1, a->name, (int)a->name_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)a->new_version);
	sqlite3_bind_int64(st, 3, now_ms());
	if (id == STMT_UPDATE)
		bind_value(st, 4, a->data, a->len);
	return stmt_run(s, id, store_op_names[a->op], reterr);
}

static int op_write(struct store *s, struct store_args *a, struct err_ctx *reterr)
{
	int r;

	{
		_cleanup_stmt_ sqlite3_stmt *st = s->stmt[STMT_META];

		r = reg_lookup(s, st, a, false, reterr);
	}
	if (r < 0)
		return r;
	return reg_update(s, a, STMT_UPDATE, reterr);
}

static int op_consume(struct store *s, struct store_args *a, struct err_ctx *reterr)
{
	int r = reg_fetch(s, a, reterr);

	if (r < 0)
		return r;
	return reg_update(s, a, STMT_CONSUME, reterr);
}

static int op_delete(struct store *s, struct store_args *a, struct err_ctx *reterr)
{
	sqlite3_stmt *st = s->stmt[STMT_DELETE];
	int r;

	{
		_cleanup_stmt_ sqlite3_stmt *meta = s->stmt[STMT_META];

		r = reg_lookup(s, meta, a, true, reterr);
	}
	if (r < 0)
		return r;
	sqlite3_bind_text(st, 1, a->name, (int)a->name_len, SQLITE_STATIC);
	return stmt_run(s, STMT_DELETE, "delete", reterr);
}

static int list_emit(sqlite3_stmt *st, struct store_args *a, struct err_ctx *reterr)
{
	struct store_entry e = {
		.name = (const char *)sqlite3_column_text(st, 0),
		.version = (uint64_t)sqlite3_column_int64(st, 1),
		.consumed = sqlite3_column_int(st, 2) != 0,
		.len = (size_t)sqlite3_column_int64(st, 3),
		.created_ms = sqlite3_column_int64(st, 4),
		.updated_ms = sqlite3_column_int64(st, 5),
		.owner = (const char *)sqlite3_column_text(st, 6),
	};
	int r;

	if (!e.name)
		return err_set(reterr, ENOMEM, "register store: list: out of memory");
	r = a->fn(&e, a->userdata);
	if (r < 0)
		return err_set(reterr, -r, "register store: list stopped by its callback");
	return r;
}

static int op_list(struct store *s, struct store_args *a, struct err_ctx *reterr)
{
	_cleanup_stmt_ sqlite3_stmt *st = s->stmt[STMT_LIST];
	char hi[STORE_NAME_MAX + 2] = "\x7f"; /* above every allowed name byte */
	const char *after = a->after ? a->after : "";
	int count = 0, rc, r;

	if (a->name_len > 0) {
		memcpy(hi, a->name, a->name_len);
		hi[a->name_len] = '0';
		hi[a->name_len + 1] = '\0';
	}
	sqlite3_bind_text(st, 1, a->name, (int)a->name_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, after, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, a->limit > 0 && a->limit < INT_MAX ? (int64_t)a->limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r = list_emit(st, a, reterr);
		if (r < 0)
			return r;
		if (++count == INT_MAX || r > 0)
			return count;
	}
	if (rc != SQLITE_DONE)
		return store_fail(s->db, rc, "list", reterr);
	return count;
}

/* Appends the operation to the log table, inside the operation's transaction. */
static int oplog_append(struct store *s, const struct store_args *a, struct err_ctx *reterr)
{
	sqlite3_stmt *st = s->stmt[STMT_LOG];
	const struct store_actor *w = a->who;
	int64_t seq;
	int r;

	sqlite3_bind_int64(st, 1, now_ms());
	sqlite3_bind_text(st, 2, store_op_names[a->op], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->name, (int)a->name_len, SQLITE_STATIC);
	if (w && w->instance)
		sqlite3_bind_text(st, 4, w->instance, -1, SQLITE_STATIC);
	if (w && w->cap_len > 0)
		sqlite3_bind_blob(st, 5, w->cap, (int)w->cap_len, SQLITE_STATIC);
	if (a->old_version)
		sqlite3_bind_int64(st, 6, (int64_t)a->old_version);
	if (a->new_version)
		sqlite3_bind_int64(st, 7, (int64_t)a->new_version);
	r = stmt_run(s, STMT_LOG, "operation log", reterr);
	if (r < 0)
		return r;
	/* prune in batches so the log stays bounded at one extra statement per batch */
	seq = sqlite3_last_insert_rowid(s->db);
	if (seq % STORE_PRUNE_EVERY != 0 || seq <= STORE_OPLOG_KEEP)
		return 0;
	sqlite3_bind_int64(s->stmt[STMT_PRUNE], 1, seq - STORE_OPLOG_KEEP);
	return stmt_run(s, STMT_PRUNE, "operation log", reterr);
}

static void txn_abort(struct store *s)
{
	/* SQLite rolls some failures (FULL, IOERR) back by itself; then none is open */
	if (!sqlite3_get_autocommit(s->db))
		(void)stmt_run(s, STMT_ROLLBACK, "rollback", NULL);
}

static void event_emit(struct store *s, const struct store_args *a, int r)
{
	struct store_event ev = {
		.op = a->op,
		.name = a->name_ok ? a->name : NULL,
		.actor = a->who,
		.result = r,
		.old_version = a->old_version,
		.new_version = r >= 0 ? a->new_version : 0,
	};

	if (s->hook)
		s->hook(&ev, s->hook_data);
}

/* One operation = one transaction: BEGIN, body, log row, COMMIT; else ROLLBACK. */
static int store_run(struct store *s, struct store_args *a, store_body_fn body,
		     struct err_ctx *reterr)
{
	bool mutates = a->op != STORE_OP_READ && a->op != STORE_OP_LIST;
	int r;

	r = args_check(s, a, reterr);
	if (r < 0)
		goto out;
	if (s->in_op)
		return err_set(reterr, EDEADLK, "register store: re-entered from a list callback");
	s->in_op = true;
	/* IMMEDIATE takes the write lock first, so the version checked is the one replaced */
	r = stmt_run(s, mutates ? STMT_BEGIN_IMMEDIATE : STMT_BEGIN, "begin", reterr);
	if (r >= 0)
		r = body(s, a, reterr);
	if (r >= 0 && mutates)
		r = oplog_append(s, a, reterr);
	if (r >= 0) {
		int c = stmt_run(s, STMT_COMMIT, "commit", reterr);

		if (c < 0)
			r = c;
	}
	if (r < 0) {
		txn_abort(s);
		value_drop(a->ret);
	}
	s->in_op = false;
out:
	if (s)
		event_emit(s, a, r);
	return r;
}

int store_create(struct store *s, const struct store_actor *who, const char *name, const void *data,
		 size_t len, struct err_ctx *reterr)
{
	struct store_args a = {
		.op = STORE_OP_CREATE,
		.who = who,
		.name = name,
		.name_len = name ? strnlen(name, STORE_NAME_MAX + 1) : 0,
		.data = data,
		.len = len,
	};

	return store_run(s, &a, op_create, reterr);
}

int store_read(struct store *s, const struct store_actor *who, const char *name,
	       struct store_value *ret, struct err_ctx *reterr)
{
	struct store_args a = {
		.op = STORE_OP_READ,
		.who = who,
		.name = name,
		.name_len = name ? strnlen(name, STORE_NAME_MAX + 1) : 0,
		.ret = ret,
	};

	if (!ret)
		return err_set(reterr, EINVAL, "register store: read without a result");
	*ret = (struct store_value){0};
	return store_run(s, &a, op_read, reterr);
}

int store_write(struct store *s, const struct store_actor *who, const char *name, const void *data,
		size_t len, uint64_t expected, uint64_t *ret_version, struct err_ctx *reterr)
{
	struct store_args a = {
		.op = STORE_OP_WRITE,
		.who = who,
		.name = name,
		.name_len = name ? strnlen(name, STORE_NAME_MAX + 1) : 0,
		.data = data,
		.len = len,
		.expected = expected,
	};
	int r;

	/* a write is always a compare-and-swap: no blind overwrite */
	if (expected == STORE_VERSION_ANY)
		return err_set(reterr, EINVAL, "register write needs the version it replaces");
	r = store_run(s, &a, op_write, reterr);
	if (r >= 0 && ret_version)
		*ret_version = a.new_version;
	return r;
}

int store_consume(struct store *s, const struct store_actor *who, const char *name,
		  uint64_t expected, struct store_value *ret, struct err_ctx *reterr)
{
	struct store_args a = {
		.op = STORE_OP_CONSUME,
		.who = who,
		.name = name,
		.name_len = name ? strnlen(name, STORE_NAME_MAX + 1) : 0,
		.expected = expected,
		.ret = ret,
	};

	if (!ret)
		return err_set(reterr, EINVAL, "register store: consume without a result");
	*ret = (struct store_value){0};
	return store_run(s, &a, op_consume, reterr);
}

int store_delete(struct store *s, const struct store_actor *who, const char *name,
		 uint64_t expected, struct err_ctx *reterr)
{
	struct store_args a = {
		.op = STORE_OP_DELETE,
		.who = who,
		.name = name,
		.name_len = name ? strnlen(name, STORE_NAME_MAX + 1) : 0,
		.expected = expected,
	};

	return store_run(s, &a, op_delete, reterr);
}

int store_list(struct store *s, const struct store_actor *who, const char *prefix,
	       const char *after, size_t limit, store_list_fn fn, void *userdata,
	       struct err_ctx *reterr)
{
	struct store_args a = {
		.op = STORE_OP_LIST,
		.who = who,
		.name = prefix ? prefix : "",
		.name_len = prefix ? strnlen(prefix, STORE_NAME_MAX + 1) : 0,
		.after = after,
		.limit = limit,
		.fn = fn,
		.userdata = userdata,
	};
	int r;

	if (!fn)
		return err_set(reterr, EINVAL, "register store: list without a callback");
	if (after && after[0]) {
		r = store_name_check(after, strnlen(after, STORE_NAME_MAX + 1), reterr);
		if (r < 0)
			return r;
	}
	return store_run(s, &a, op_list, reterr);
}

void store_set_event_hook(struct store *s, store_event_fn fn, void *userdata)
{
	s->hook = fn;
	s->hook_data = userdata;
}

/* Runs a one-row PRAGMA or SELECT returning an integer. */
static int db_int(struct store *s, const char *sql, int64_t *ret, struct err_ctx *reterr)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		int r = store_fail(s->db, rc, sql, reterr);

		sqlite3_finalize(st);
		return r;
	}
	*ret = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

int store_set_size_limit(struct store *s, uint64_t max_bytes, struct err_ctx *reterr)
{
	int64_t page_size, got;
	uint64_t pages;
	char sql[64];
	int r;

	r = db_int(s, "PRAGMA page_size", &page_size, reterr);
	if (r < 0)
		return r;
	if (page_size <= 0)
		return err_set(reterr, EIO, "register store: page size is %" PRId64, page_size);
	pages = max_bytes / (uint64_t)page_size;
	/* SQLite never sets it below the current size, nor above its 32-bit page numbers */
	if (pages < 1)
		pages = 1;
	if (pages > UINT32_MAX - 1)
		pages = UINT32_MAX - 1;
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %" PRIu64, pages);
	return db_int(s, sql, &got, reterr);
}

static int db_exec(struct store *s, const char *sql, struct err_ctx *reterr)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return store_fail(s->db, rc, "schema", reterr);
	return 0;
}

/* Inside the open's transaction: refuses foreign databases, applies migrations. */
static int schema_migrate(struct store *s, const char *path, struct err_ctx *reterr)
{
	int64_t app_id, version, tables;
	char sql[96];
	int r;

	if ((r = db_int(s, "PRAGMA application_id", &app_id, reterr)) < 0 ||
	    (r = db_int(s, "PRAGMA user_version", &version, reterr)) < 0 ||
	    (r = db_int(s, "SELECT count(*) FROM sqlite_schema", &tables, reterr)) < 0)
		return r;
	if (app_id == 0 && version == 0 && tables != 0)
		return err_set(reterr, EPROTO,
			       "'%s' is an SQLite database but not a register store", path);
	if (app_id != 0 && app_id != STORE_APP_ID)
		return err_set(reterr, EPROTO, "'%s' is not a vmsandbox register store", path);
	if (version > STORE_SCHEMA_VERSION || version < 0)
		return err_set(reterr, EPROTO,
			       "register store '%s' has schema %" PRId64 ", this build knows %d",
			       path, version, STORE_SCHEMA_VERSION);
	for (int64_t v = version; v < STORE_SCHEMA_VERSION; v++) {
		r = db_exec(s, store_migrations[v], reterr);
		if (r < 0)
			return r;
	}
	if (version == STORE_SCHEMA_VERSION)
		return 0;
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d; PRAGMA user_version = %d",
		 STORE_APP_ID, STORE_SCHEMA_VERSION);
	return db_exec(s, sql, reterr);
}

static int schema_setup(struct store *s, const char *path, struct err_ctx *reterr)
{
	int r = db_exec(s, "BEGIN IMMEDIATE", reterr);

	if (r < 0)
		return r;
	r = schema_migrate(s, path, reterr);
	if (r >= 0)
		r = db_exec(s, "COMMIT", reterr);
	if (r < 0 && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

/* Connection settings, before anything is read or written. */
static int db_configure(struct store *s, struct err_ctx *reterr)
{
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	/* a row holds the value plus name and owner; nothing larger is ever legitimate */
	sqlite3_limit(s->db, SQLITE_LIMIT_LENGTH, STORE_VALUE_MAX + 65536);
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	return db_exec(s,
		       "PRAGMA foreign_keys = ON; PRAGMA secure_delete = FAST; "
		       "PRAGMA synchronous = FULL",
		       reterr);
}

/*
 * After the schema check, so a foreign database is refused untouched. Checked,
 * since SQLite silently keeps the old mode where WAL is impossible.
 */
static int db_enable_wal(struct store *s, struct err_ctx *reterr)
{
	sqlite3_stmt *st = NULL;
	const char *mode;
	int rc, r;

	rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		r = store_fail(s->db, rc, "journal mode", reterr);
		sqlite3_finalize(st);
		return r;
	}
	mode = (const char *)sqlite3_column_text(st, 0);
	r = mode && strcmp(mode, "wal") == 0
		    ? 0
		    : err_set(reterr, EIO, "register store: cannot enable WAL (mode %s)",
			      mode ? mode : "unknown");
	sqlite3_finalize(st);
	return r;
}

static int db_prepare(struct store *s, struct err_ctx *reterr)
{
	for (size_t i = 0; i < _STMT_MAX; i++) {
		int rc = sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					    &s->stmt[i], NULL);

		if (rc != SQLITE_OK)
			return store_fail(s->db, rc, "prepare", reterr);
	}
	return 0;
}

/* mkdir -p of path's directory, new components 0700. */
static int dir_create(const char *path, struct err_ctx *reterr)
{
	_cleanup_free_ char *copy = strdup(path);
	struct stat st;
	char *dir;

	if (!copy)
		return err_set(reterr, ENOMEM, "register store: out of memory");
	dir = dirname(copy);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return err_set(reterr, errno, "cannot create directory '%s'", dir);
		*p = '/';
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return err_set(reterr, errno, "cannot create directory '%s'", dir);
	if (stat(dir, &st) < 0)
		return err_set(reterr, errno, "cannot stat directory '%s'", dir);
	if (!S_ISDIR(st.st_mode))
		return err_set(reterr, ENOTDIR, "'%s' is not a directory", dir);
	return 0;
}

/* The new file's name must reach the disk too, or a power cut can lose the store. */
static void dir_sync(const char *path)
{
	_cleanup_free_ char *copy = strdup(path);
	_cleanup_close_ int fd = -1;

	if (!copy)
		return;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		(void)fsync(fd);
}

/*
 * Creates the file 0600 ourselves, since SQLite would use 0644 less the umask,
 * and SQLite gives its -wal and -shm files the main file's mode.
 */
static int file_prepare(const char *path, struct err_ctx *reterr)
{
	const int flags = O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	_cleanup_close_ int fd = open(path, flags | O_CREAT | O_EXCL, 0600);
	struct stat st;

	if (fd >= 0) {
		dir_sync(path);
		return 0;
	}
	if (errno != EEXIST)
		return err_set(reterr, errno, "cannot create register store '%s'", path);
	/* never open a device or FIFO someone put at the store's path */
	if (lstat(path, &st) < 0)
		return err_set(reterr, errno, "cannot stat register store '%s'", path);
	if (!S_ISREG(st.st_mode))
		return err_set(reterr, EINVAL, "register store '%s' is not a regular file", path);
	fd = open(path, flags);
	if (fd < 0 || fstat(fd, &st) < 0)
		return err_set(reterr, errno, "cannot open register store '%s'", path);
	if (!S_ISREG(st.st_mode))
		return err_set(reterr, EINVAL, "register store '%s' is not a regular file", path);
	if (st.st_uid != geteuid())
		return err_set(reterr, EPERM, "register store '%s' belongs to uid %u, not to us",
			       path, (unsigned)st.st_uid);
	if ((st.st_mode & 07077) != 0 && fchmod(fd, 0600) < 0)
		return err_set(reterr, errno, "cannot make register store '%s' private", path);
	return 0;
}

int store_open(const char *path, struct store **ret_store, struct err_ctx *reterr)
{
	const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW |
			  SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
	struct store *s;
	int rc, r;

	if (!path || !path[0])
		return err_set(reterr, EINVAL, "register store path is empty");
	r = dir_create(path, reterr);
	if (r >= 0)
		r = file_prepare(path, reterr);
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return err_set(reterr, ENOMEM, "register store: out of memory");
	rc = sqlite3_open_v2(path, &s->db, flags, NULL);
	if (rc != SQLITE_OK)
		r = store_fail(s->db, rc, "open", reterr);
	if (r >= 0)
		r = db_configure(s, reterr);
	if (r >= 0)
		r = schema_setup(s, path, reterr);
	if (r >= 0)
		r = db_enable_wal(s, reterr);
	if (r >= 0)
		r = db_prepare(s, reterr);
	if (r < 0) {
		store_close(s);
		return r;
	}
	*ret_store = s;
	return 0;
}

struct store *store_close(struct store *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < _STMT_MAX; i++)
		sqlite3_finalize(s->stmt[i]);
	/* the last connection checkpoints the WAL into the database and removes it */
	sqlite3_close(s->db);
	free(s);
	return NULL;
}

/* $HOME, else the password database: HOME may be unset under CI runners. */
static const char *home_dir(char *buf, size_t size)
{
	const char *home = secure_getenv("HOME");
	struct passwd pw, *res = NULL;

	if (home && home[0] == '/')
		return home;
	if (getpwuid_r(geteuid(), &pw, buf, size, &res) != 0 || !res || !pw.pw_dir ||
	    pw.pw_dir[0] != '/')
		return NULL;
	return pw.pw_dir;
}

int store_default_path(char **ret_path, struct err_ctx *reterr)
{
	static const char suffix[] = "/vmsandbox/registers.db";
	/* XDG: a relative XDG_STATE_HOME is invalid and must be ignored */
	const char *xdg = secure_getenv("XDG_STATE_HOME");
	_cleanup_free_ char *buf = NULL;
	const char *home;
	int n;

	if (xdg && xdg[0] == '/') {
		n = asprintf(ret_path, "%s%s", xdg, suffix);
	} else {
		buf = malloc(STORE_PW_BUF);
		home = buf ? home_dir(buf, STORE_PW_BUF) : NULL;
		if (!home)
			return err_set(reterr, ENOENT,
				       "register store: no home directory, give a path");
		n = asprintf(ret_path, "%s/.local/state%s", home, suffix);
	}
	if (n < 0) {
		*ret_path = NULL;
		return err_set(reterr, ENOMEM, "register store: out of memory");
	}
	return 0;
}
