/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "supervisor/broker/execlog.h"

struct execlog {
	int fd;
	bool write_failed; /* reported once */
};

int execlog_open(const char *path, struct execlog **ret, struct err_ctx *reterr)
{
	struct execlog *l;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return err_set(reterr, errno, "cannot open execution log '%s'", path);
	l = calloc(1, sizeof(*l));
	if (!l) {
		close(fd);
		return err_set(reterr, ENOMEM, "out of memory");
	}
	l->fd = fd;
	*ret = l;
	return 0;
}

struct execlog *execlog_close(struct execlog *l)
{
	if (l) {
		close(l->fd);
		free(l);
	}
	return NULL;
}

static json_int_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (json_int_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Instance text as a JSON string: cleaned (no control bytes, valid UTF-8) first. */
static json_t *text_json(const struct wire_str *s)
{
	char buf[WIRE_MAX_LOG + 1];
	size_t n = s->len < WIRE_MAX_LOG ? s->len : WIRE_MAX_LOG;

	memcpy(buf, s->ptr, n);
	buf[n] = '\0';
	wire_text_clean(buf, WIRE_MAX_LOG);
	return json_string(buf);
}

static void set(json_t *o, const char *key, json_t *v)
{
	json_object_set_new(o, key, v); /* a NULL v (OOM) only loses that field */
}

static void add_register(json_t *o, const struct wire_str *name)
{
	set(o, "register", text_json(name));
}

/* The resource and versions a request names, by type. */
static void add_request_fields(json_t *o, const struct wire_msg *q)
{
	static const char *const levels[_WIRE_LOG_LEVEL_MAX] = {"error", "warning", "info",
								"debug"};

	switch ((unsigned)q->type) {
	case WIRE_T_LOG:
		set(o, "level", json_string(levels[q->u.log.level]));
		set(o, "message", text_json(&q->u.log.text));
		break;
	case WIRE_T_REGISTER_CREATE:
		add_register(o, &q->u.reg_create.name);
		break;
	case WIRE_T_REGISTER_READ:
		add_register(o, &q->u.reg_read.name);
		break;
	case WIRE_T_REGISTER_WRITE:
		add_register(o, &q->u.reg_write.name);
		set(o, "old_version", json_integer((json_int_t)q->u.reg_write.expected_version));
		break;
	case WIRE_T_REGISTER_CONSUME:
		add_register(o, &q->u.reg_consume.name);
		break;
	case WIRE_T_REGISTER_DELETE:
		add_register(o, &q->u.reg_delete.name);
		break;
	case WIRE_T_REGISTER_LIST:
		set(o, "prefix", text_json(&q->u.reg_list.prefix));
		break;
	case WIRE_T_FS_OPEN:
		set(o, "root", text_json(&q->u.fs_open.root));
		set(o, "path", text_json(&q->u.fs_open.path));
		break;
	case WIRE_T_NET_CONNECT:
		set(o, "address", text_json(&q->u.net_connect.address));
		set(o, "port", json_integer(q->u.net_connect.port));
		break;
	default:
		break;
	}
}

/* What the reply says about versions: the register's version after the operation. */
static void add_reply_fields(json_t *o, const struct wire_msg *p)
{
	switch ((unsigned)p->type) {
	case WIRE_T_REGISTER_CREATE_OK:
	case WIRE_T_REGISTER_WRITE_OK:
		set(o, "new_version", json_integer((json_int_t)p->u.version.version));
		break;
	case WIRE_T_REGISTER_READ_OK:
	case WIRE_T_REGISTER_CONSUME_OK:
		set(o, "version", json_integer((json_int_t)p->u.reg_value.version));
		break;
	default:
		break;
	}
}

static void write_line(struct execlog *l, json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	size_t n;
	ssize_t w;

	if (!text)
		return;
	n = strlen(text);
	text[n] = '\n'; /* replaces the NUL: the line goes out in one write */
	w = write(l->fd, text, n + 1);
	if (w != (ssize_t)(n + 1) && !l->write_failed) {
		l->write_failed = true;
		log_errno(LOG_LEVEL_WARN, w < 0 ? -errno : -EIO,
			  "cannot write the execution log; further lines may be lost");
	}
	free(text);
}

void execlog_request(struct execlog *l, const char *instance, const struct wire_msg *req,
		     const struct wire_msg *rep, int res, uint64_t cap_id)
{
	json_t *o;

	if (!l)
		return;
	o = json_pack("{s:I,s:s,s:s,s:I,s:s}", "time_ms", now_ms(), "instance", instance, "request",
		      wire_type_name(req->type), "request_id", (json_int_t)req->request_id,
		      "result", res == 0 ? "ok" : wire_error_name((enum wire_error)(-res)));
	if (!o)
		return;
	if (cap_id) {
		char hex[17];

		/* a 64-bit keyed hash: as text, since JSON integers stop at 2^63 */
		snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)cap_id);
		set(o, "capability", json_string(hex));
	}
	add_request_fields(o, req);
	if (res == 0 && rep)
		add_reply_fields(o, rep);
	write_line(l, o);
	json_decref(o);
}

void execlog_event(struct execlog *l, const char *instance, const char *event, json_t *fields)
{
	json_t *o;

	if (!l) {
		json_decref(fields);
		return;
	}
	o = json_pack("{s:I,s:s,s:s}", "time_ms", now_ms(), "instance", instance, "event", event);
	if (o && fields)
		json_object_update(o, fields);
	json_decref(fields);
	if (o)
		write_line(l, o);
	json_decref(o);
}
