/* SPDX-License-Identifier: MIT */
/*
 * vmsb: the guest library for shell scripts inside an instance. One command
 * per run; the exit status names the class of the first error (see vmsb(1)),
 * so a script can tell "denied" from "not found" from "the broker is gone".
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vmsandbox/guest.h"

enum vmsb_exit {
	VMSB_EXIT_OK = 0,
	VMSB_EXIT_FAILURE = 1,	   /* local: output, memory; poke: a write path was allowed */
	VMSB_EXIT_USAGE = 2,	   /* bad command line, or an argument the protocol cannot carry */
	VMSB_EXIT_TRANSPORT = 3,   /* no broker, broken socket, malformed frames either way */
	VMSB_EXIT_DENIED = 4,	   /* policy, capability, rights, ...; the kernel refused access */
	VMSB_EXIT_NOT_FOUND = 5,   /* no such register, file or region */
	VMSB_EXIT_CONFLICT = 6,	   /* version moved, exists, consumed */
	VMSB_EXIT_LIMIT = 7,	   /* quota, store full, busy, too big */
	VMSB_EXIT_BROKER = 8,	   /* the broker or its store failed */
	VMSB_EXIT_UNSUPPORTED = 9, /* not served (yet) */
	VMSB_EXIT_CONNECT = 10,	   /* connect: refused, unreachable or timed out */
};

static int exit_class(int err)
{
	switch (err) {
	case 0:
		return VMSB_EXIT_OK;
	case -EINVAL:
	case -ERANGE:
		return VMSB_EXIT_USAGE;
	case -ENOBUFS:
	case -EFBIG:
	case -VMSB_E_QUOTA:
	case -VMSB_E_TOO_SMALL:
	case -VMSB_E_NO_SPACE:
	case -VMSB_E_BUSY:
		return VMSB_EXIT_LIMIT;
	case -ENOMEM:
		return VMSB_EXIT_FAILURE;
	case -EACCES:
	case -EPERM:
	case -VMSB_E_DENIED_POLICY:
	case -VMSB_E_NO_CAPABILITY:
	case -VMSB_E_RIGHTS:
	case -VMSB_E_EXPIRED:
	case -VMSB_E_REVOKED:
	case -VMSB_E_EXHAUSTED:
		return VMSB_EXIT_DENIED;
	case -ENOENT:
	case -VMSB_E_NOT_FOUND:
		return VMSB_EXIT_NOT_FOUND;
	case -VMSB_E_CONFLICT:
	case -VMSB_E_CONSUMED:
	case -VMSB_E_EXISTS:
		return VMSB_EXIT_CONFLICT;
	case -VMSB_E_IO:
	case -VMSB_E_REGION:
	case -VMSB_E_BAD_RESULT:
	case -VMSB_E_INTERNAL:
		return VMSB_EXIT_BROKER;
	case -VMSB_E_UNSUPPORTED:
		return VMSB_EXIT_UNSUPPORTED;
	case -ECONNREFUSED:
	case -ETIMEDOUT:
	case -EHOSTUNREACH:
	case -ENETUNREACH:
	case -EADDRNOTAVAIL:
		return VMSB_EXIT_CONNECT;
	default:
		return VMSB_EXIT_TRANSPORT; /* -errno, EPROTO, protocol codes 1..31 */
	}
}

/* One line on stderr: what failed, the class, the detail; returns the exit status. */
static int report(const struct vmsb *c, int err, const char *what, const char *arg)
{
	const char *detail = vmsb_errmsg(c);

	fprintf(stderr, "vmsb: %s%s%s%s: %s%s%s\n", what, arg ? " '" : "", arg ? arg : "",
		arg ? "'" : "", vmsb_strerror(err), *detail ? ": " : "", detail);
	return exit_class(err);
}

/* A failure found here rather than by the library: the message, then the class of err. */
__attribute__((format(printf, 2, 3))) static int report_local(int err, const char *fmt, ...)
{
	va_list ap;

	fputs("vmsb: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return exit_class(err);
}

static void usage(FILE *f)
{
	fputs("usage: vmsb [--token HEX] COMMAND [ARG...]\n"
	      "commands:\n"
	      "       vmsb caps\n"
	      "       vmsb register create|put [--region REGION] NAME VALUE|-\n"
	      "       vmsb register get|consume [--region REGION] NAME\n"
	      "       vmsb register delete NAME\n"
	      "       vmsb register list [PREFIX]\n"
	      "       vmsb open PATH\n"
	      "       vmsb connect ADDRESS PORT\n"
	      "       vmsb log MESSAGE...\n"
	      "       vmsb ping [-n N]\n"
	      "       vmsb region [NAME]\n"
	      "       vmsb region NAME read [OFFSET [LENGTH]]\n"
	      "       vmsb region NAME write [OFFSET]\n"
	      "       vmsb region NAME poke\n"
	      "options:\n"
	      "  -h, --help       print this and exit\n"
	      "  --token HEX      present this capability token (32 hex digits) instead of\n"
	      "                   the one vmsb picks\n"
	      "  --region REGION  register: move the value through REGION\n"
	      "  -n N             ping: N round trips\n",
	      f);
}

static int usage_error(const char *why)
{
	fprintf(stderr, "vmsb: %s\n", why);
	usage(stderr);
	return VMSB_EXIT_USAGE;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads until buf is full or end of file; the count read, or -errno. */
static ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* A decimal number up to max; -EINVAL otherwise. */
static int parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static const char *access_name(enum vmsb_region_access a)
{
	static const char *const names[] = {"none", "r", "rw", "rwx"};

	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

/* ---- caps ---------------------------------------------------------------- */

static void rights_str(uint32_t rights, char *buf, size_t size)
{
	static const char *const names[] = {"read",    "write",	   "create",
					    "consume", "transfer", "attenuate"};
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (rights & (1u << i))
			n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? "," : "", names[i]);
	if (!n)
		snprintf(buf, size, "none");
}

static void print_cap(const struct vmsb_cap *k)
{
	static const char *const kinds[] = {"register", "fs", "net", "region", "domain"};
	char rights[64];

	rights_str(k->rights, rights, sizeof(rights));
	printf("%s\t%s\t%s\t", (unsigned)k->kind < 5 ? kinds[k->kind] : "?", k->name, rights);
	if (k->limited)
		printf("uses=%u\t", k->uses_left);
	else
		printf("uses=unlimited\t");
	if (k->expires_ms)
		printf("expires_ms=%llu\t", (unsigned long long)k->expires_ms);
	else
		printf("expires_ms=never\t");
	printf("token=");
	for (int i = 0; i < VMSB_TOKEN_SIZE; i++)
		printf("%02x", k->token[i]);
	printf("\n");
}

static int cmd_caps(struct vmsb *c, int argc, char **argv)
{
	const struct vmsb_cap *caps;
	struct vmsb_hello h;
	int r;

	(void)argv;
	if (argc != 1)
		return usage_error("caps takes no argument");
	r = vmsb_hello(c, &h);
	if (r < 0)
		return report(c, r, "hello", NULL);
	r = vmsb_cap_list(c, &caps);
	if (r < 0)
		return report(c, r, "cap.list", NULL);
	printf("instance\t%s\n", h.instance_id);
	for (int i = 0; i < r; i++)
		print_cap(&caps[i]);
	return VMSB_EXIT_OK;
}

/* ---- register values: inline or through a region ------------------------- */

/* The largest region the instance may write a value into: where a value from stdin can go. */
static uint64_t writable_room(struct vmsb *c, const char *region)
{
	const struct vmsb_region_info *ri;
	uint64_t room = 0;
	int n;

	if (region)
		return vmsb_region_find(c, region, &ri) < 0 ? 0 : ri->size;
	n = vmsb_region_list(c, &ri); /* no regions, or none listed: inline only */
	for (int i = 0; i < n; i++)
		if ((ri[i].access == VMSB_REGION_RW || ri[i].access == VMSB_REGION_RWX) &&
		    ri[i].size > room)
			room = ri[i].size;
	return room;
}

/* All of stdin, at most max bytes (-EFBIG when there is more); *ret is malloc'ed. */
static int read_stdin(size_t max, char **ret, size_t *ret_len)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap), *n;
	ssize_t k;

	while (buf) {
		if (len == cap) {
			cap = cap > max / 2 ? max + 1 : cap * 2;
			n = realloc(buf, cap);
			if (!n)
				break;
			buf = n;
		}
		k = read_full(STDIN_FILENO, buf + len, cap - len);
		if (k < 0) {
			free(buf);
			return (int)k;
		}
		len += (size_t)k;
		if (len > max) {
			free(buf);
			return -EFBIG;
		}
		if (len < cap) {
			*ret = buf;
			*ret_len = len;
			return 0;
		}
	}
	free(buf);
	return -ENOMEM;
}

/* The region a large value goes through: REGION, or the first rw one with room. */
static int source_region(struct vmsb *c, const char *region, size_t len,
			 const struct vmsb_region_info **ret)
{
	const struct vmsb_region_info *all;
	int n;

	if (region) {
		n = vmsb_region_find(c, region, ret);
		if (n < 0)
			return report(c, n, "region", region);
		if ((*ret)->access != VMSB_REGION_RW && (*ret)->access != VMSB_REGION_RWX)
			return report_local(
				-EACCES,
				"region '%s' has access %s: a value cannot be written into it",
				region, access_name((*ret)->access));
		if ((*ret)->size < len)
			return report_local(
				-EFBIG,
				"a value of %zu bytes does not fit region '%s' (%llu bytes)", len,
				region, (unsigned long long)(*ret)->size);
		return VMSB_EXIT_OK;
	}
	n = vmsb_region_list(c, &all);
	for (int i = 0; i < n; i++)
		if ((all[i].access == VMSB_REGION_RW || all[i].access == VMSB_REGION_RWX) &&
		    all[i].size >= len) {
			*ret = &all[i];
			return VMSB_EXIT_OK;
		}
	return report_local(-EFBIG,
			    "a value of %zu bytes is over the %d-byte inline limit and no rw "
			    "region has room for it",
			    len, VMSB_MAX_INLINE);
}

/* create (version 0) or write at version: inline up to 2048 bytes, else through a region. */
static int store_value(struct vmsb *c, const char *name, bool create, uint64_t version,
		       const char *region, const char *value, size_t len)
{
	const char *what = create ? "register.create" : "register.write";
	const struct vmsb_region_info *ri = NULL;
	struct vmsb_region map;
	struct vmsb_region_ref src;
	int r;

	if (len <= VMSB_MAX_INLINE && !region) {
		r = create ? vmsb_register_create(c, name, value, len, NULL)
			   : vmsb_register_write(c, name, version, value, len, NULL);
		return r < 0 ? report(c, r, what, name) : VMSB_EXIT_OK;
	}
	r = source_region(c, region, len, &ri);
	if (r != VMSB_EXIT_OK)
		return r;
	r = vmsb_region_map(c, ri->name, &map);
	if (r < 0)
		return report(c, r, "region", ri->name);
	memcpy(map.addr, value, len);
	src = (struct vmsb_region_ref){ri->index, 0, len};
	r = create ? vmsb_register_create_region(c, name, &src, NULL)
		   : vmsb_register_write_region(c, name, version, &src, NULL);
	vmsb_region_unmap(&map);
	return r < 0 ? report(c, r, what, name) : VMSB_EXIT_OK;
}

/* A value that was read: inline in buf, or in a mapped region. */
struct fetched {
	char buf[VMSB_MAX_INLINE];
	const char *data;
	uint64_t len;
	uint64_t version;
	struct vmsb_region map; /* mapped when the value came through a region */
};

/* Maps ri first, so that a consumed value is never lost to a failed mapping. */
static int fetch_into(struct vmsb *c, const char *name, bool consume,
		      const struct vmsb_region_info *ri, struct fetched *f)
{
	struct vmsb_region_ref sink = {ri->index, 0, ri->size};
	int r;

	r = vmsb_region_map(c, ri->name, &f->map);
	if (r < 0)
		return r;
	r = consume ? vmsb_register_consume_region(c, name, 0, &sink, &f->len, &f->version)
		    : vmsb_register_read_region(c, name, &sink, &f->len, &f->version);
	if (r < 0) {
		vmsb_region_unmap(&f->map);
		return r;
	}
	f->data = f->map.addr;
	return 0;
}

/* The first region with a descriptor large enough; 1 if there is no region to try. */
static int fetch_any(struct vmsb *c, const char *name, bool consume, struct fetched *f)
{
	const struct vmsb_region_info *all;
	int n = vmsb_region_list(c, &all), r = 1;

	if (n < 0)
		return n;
	for (int i = 0; i < n && (r == 1 || r == -VMSB_E_TOO_SMALL); i++)
		if (all[i].fd >= 0)
			r = fetch_into(c, name, consume, &all[i], f);
	return r;
}

/*
 * get or consume: inline first; a value over 2048 bytes (too_small, nothing
 * consumed) is read again into REGION, or into each region with a descriptor
 * in turn until one is large enough. Returns an exit status, reported.
 */
static int fetch(struct vmsb *c, const char *name, bool consume, const char *region,
		 struct fetched *f)
{
	const char *what = consume ? "register.consume" : "register.read";
	const struct vmsb_region_info *ri;
	size_t len = 0;
	int r;

	memset(f, 0, sizeof(*f));
	if (region) {
		r = vmsb_region_find(c, region, &ri);
		if (r < 0)
			return report(c, r, "region", region);
		if (ri->fd < 0)
			return report_local(
				-EACCES, "region '%s' has access none: it cannot receive a value",
				region);
		r = fetch_into(c, name, consume, ri, f);
		return r < 0 ? report(c, r, what, name) : VMSB_EXIT_OK;
	}
	r = consume ? vmsb_register_consume(c, name, 0, f->buf, sizeof(f->buf), &len, &f->version)
		    : vmsb_register_read(c, name, f->buf, sizeof(f->buf), &len, &f->version);
	f->data = f->buf;
	f->len = len;
	if (r == -VMSB_E_TOO_SMALL)
		r = fetch_any(c, name, consume, f);
	if (r == 1)
		return report_local(
			-VMSB_E_TOO_SMALL,
			"%s '%s': the value is over %d bytes and no region can receive it", what,
			name, VMSB_MAX_INLINE);
	return r < 0 ? report(c, r, what, name) : VMSB_EXIT_OK;
}

static int print_value(struct fetched *f)
{
	int r = write_all(STDOUT_FILENO, f->data, (size_t)f->len);

	if (r >= 0)
		r = write_all(STDOUT_FILENO, "\n", 1);
	vmsb_region_unmap(&f->map);
	if (r < 0)
		return report_local(-ENOMEM, "cannot write the value: %s", strerror(-r));
	return VMSB_EXIT_OK;
}

/* ---- register ------------------------------------------------------------ */

/* put: read the version, then write only if nobody wrote in between. */
static int reg_put(struct vmsb *c, const char *name, const char *region, const char *value,
		   size_t len)
{
	static struct fetched f; /* static: it holds a 2 KiB buffer */
	int r = fetch(c, name, false, region, &f);

	vmsb_region_unmap(&f.map);
	if (r != VMSB_EXIT_OK)
		return r;
	return store_value(c, name, false, f.version, region, value, len);
}

static int reg_list(struct vmsb *c, const char *prefix)
{
	static struct vmsb_reg_entry e[VMSB_MAX_ENTRIES];
	char after[VMSB_MAX_NAME + 1] = "";
	bool more = true;
	int r;

	while (more) {
		r = vmsb_register_list(c, prefix, after, e, &more);
		if (r < 0)
			return report(c, r, "register.list", prefix);
		for (int i = 0; i < r; i++)
			printf("%s\t%llu\t%llu\t%s\n", e[i].name, (unsigned long long)e[i].version,
			       (unsigned long long)e[i].size, e[i].consumed ? "consumed" : "live");
		if (more && r == 0)
			return report(c, -EPROTO, "register.list: empty page with more", prefix);
		if (r > 0)
			memcpy(after, e[r - 1].name, sizeof(after));
	}
	return VMSB_EXIT_OK;
}

/* create or put NAME VALUE, VALUE "-" meaning all of standard input. */
static int reg_store(struct vmsb *c, bool create, const char *name, const char *region,
		     const char *value)
{
	char *buf = NULL;
	size_t len = strlen(value);
	uint64_t room;
	int r;

	if (strcmp(value, "-") == 0) {
		room = writable_room(c, region);
		room = room < VMSB_MAX_INLINE ? VMSB_MAX_INLINE : room;
		r = read_stdin(room > SIZE_MAX - 1 ? SIZE_MAX - 1 : (size_t)room, &buf, &len);
		if (r == -EFBIG && room == VMSB_MAX_INLINE)
			return report_local(r,
					    "the value on standard input is over the %d-byte "
					    "inline limit and no rw region has room for it",
					    VMSB_MAX_INLINE);
		if (r == -EFBIG)
			return report_local(r,
					    "the value on standard input is longer than %llu "
					    "bytes, the size of %s%s%s",
					    (unsigned long long)room,
					    region ? "region '" : "the largest rw region",
					    region ? region : "", region ? "'" : "");
		if (r < 0)
			return report_local(r, "cannot read the value: %s", strerror(-r));
		value = buf;
	}
	r = create ? store_value(c, name, true, 0, region, value, len)
		   : reg_put(c, name, region, value, len);
	free(buf);
	return r;
}

static int reg_one(struct vmsb *c, const char *op, const char *name, const char *region,
		   const char *value)
{
	static struct fetched f;
	int r;

	if (!strcmp(op, "create") || !strcmp(op, "put"))
		return reg_store(c, !strcmp(op, "create"), name, region, value);
	if (!strcmp(op, "get") || !strcmp(op, "consume")) {
		r = fetch(c, name, !strcmp(op, "consume"), region, &f);
		return r == VMSB_EXIT_OK ? print_value(&f) : r;
	}
	r = vmsb_register_delete(c, name, 0);
	return r < 0 ? report(c, r, "register.delete", name) : VMSB_EXIT_OK;
}

/* Takes "--region REGION" out of argv (anywhere after the operation). */
static int take_region_opt(int *argc, char **argv, const char **ret)
{
	*ret = NULL;
	for (int i = 2; i < *argc; i++) {
		if (strcmp(argv[i], "--region") != 0)
			continue;
		if (i + 1 >= *argc || *ret)
			return -EINVAL;
		*ret = argv[i + 1];
		memmove(&argv[i], &argv[i + 2], (size_t)(*argc - i - 2) * sizeof(*argv));
		*argc -= 2;
		i--;
	}
	return 0;
}

static int cmd_register(struct vmsb *c, int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "", *region;
	bool with_value = !strcmp(op, "create") || !strcmp(op, "put");
	bool takes_region = with_value || !strcmp(op, "get") || !strcmp(op, "consume");

	if (take_region_opt(&argc, argv, &region) < 0)
		return usage_error("--region needs one REGION");
	if (region && !takes_region)
		return usage_error("--region goes with create, put, get and consume");
	if (!strcmp(op, "list")) {
		if (argc > 3)
			return usage_error("register list takes at most a prefix");
		return reg_list(c, argc == 3 ? argv[2] : "");
	}
	if (!takes_region && strcmp(op, "delete"))
		return usage_error("unknown register operation");
	if (argc != (with_value ? 4 : 3))
		return usage_error(with_value ? "expected NAME VALUE" : "expected NAME");
	return reg_one(c, op, argv[2], region, with_value ? argv[3] : NULL);
}

/* ---- open, log, ping ------------------------------------------------------ */

static int cmd_open(struct vmsb *c, int argc, char **argv)
{
	char buf[65536];
	int fd, r = 0;
	ssize_t n;

	if (argc != 2)
		return usage_error("open takes one PATH");
	r = vmsb_fs_open(c, argv[1], VMSB_OPEN_READ, 0, &fd);
	if (r < 0)
		return report(c, r, "fs.open", argv[1]);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		r = n < 0 ? -errno : write_all(STDOUT_FILENO, buf, (size_t)n);
		if (r < 0)
			break;
	}
	close(fd);
	if (r < 0) {
		fprintf(stderr, "vmsb: cannot copy '%s': %s\n", argv[1], strerror(-r));
		return VMSB_EXIT_FAILURE;
	}
	return VMSB_EXIT_OK;
}

static int cmd_log(struct vmsb *c, int argc, char **argv)
{
	char text[VMSB_MAX_LOG + 1];
	size_t n = 0;
	int r;

	if (argc < 2)
		return usage_error("log needs a MESSAGE");
	text[0] = '\0';
	for (int i = 1; i < argc; i++) {
		size_t l = strlen(argv[i]);

		if (n + (i > 1) + l > VMSB_MAX_LOG)
			return usage_error("the message is longer than 1024 bytes");
		if (i > 1)
			text[n++] = ' ';
		memcpy(text + n, argv[i], l + 1);
		n += l;
	}
	r = vmsb_log(c, VMSB_LOG_INFO, text);
	return r < 0 ? report(c, r, "log", NULL) : VMSB_EXIT_OK;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmd_ping(struct vmsb *c, int argc, char **argv)
{
	uint64_t n = 1, *t, med;
	int r;

	if (argc == 3 && !strcmp(argv[1], "-n")) {
		if (parse_u64(argv[2], 1000000, &n) < 0 || n < 1)
			return usage_error("-n needs a count from 1 to 1000000");
	} else if (argc != 1) {
		return usage_error("ping takes only -n N");
	}
	t = calloc(n, sizeof(*t));
	if (!t)
		return report(c, -ENOMEM, "ping", NULL);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		r = vmsb_ping(c);
		if (r < 0) {
			free(t);
			return report(c, r, "ping", NULL);
		}
		t[i] = now_ns() - t0;
	}
	qsort(t, n, sizeof(*t), cmp_u64);
	med = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
	printf("count=%llu\nmin_us=%.1f\nmax_us=%.1f\nmedian_us=%.1f\n", (unsigned long long)n,
	       t[0] / 1000.0, t[n - 1] / 1000.0, med / 1000.0);
	free(t);
	return VMSB_EXIT_OK;
}

/* ---- region ----------------------------------------------------------------- */

static void print_region(const struct vmsb_region_info *ri, bool with_name)
{
	if (with_name)
		printf("%s ", ri->name);
	printf("size=%llu access=%s ", (unsigned long long)ri->size, access_name(ri->access));
	if (ri->fd < 0)
		printf("fd=none\n");
	else
		printf("fd=%d\n", ri->fd);
}

static int region_list_all(struct vmsb *c)
{
	const struct vmsb_region_info *all;
	int n = vmsb_region_list(c, &all);

	if (n < 0)
		return report(c, n, "region.list", NULL);
	for (int i = 0; i < n; i++)
		print_region(&all[i], true);
	return VMSB_EXIT_OK;
}

/* OFFSET and LENGTH within a region of size bytes; LENGTH defaults to the rest. */
static int parse_range(uint64_t size, int argc, char **argv, uint64_t *off, uint64_t *len)
{
	*off = 0;
	if (argc > 0 && parse_u64(argv[0], size, off) < 0)
		return -ERANGE;
	*len = size - *off;
	if (argc > 1 && parse_u64(argv[1], size - *off, len) < 0)
		return -ERANGE;
	return 0;
}

/* read: through the library's mapping, guard pages and all. */
static int region_read(struct vmsb *c, const struct vmsb_region_info *ri, int argc, char **argv)
{
	struct vmsb_region map;
	uint64_t off, len;
	int r;

	if (parse_range(ri->size, argc, argv, &off, &len) < 0)
		return report_local(
			-ERANGE,
			"region '%s': OFFSET and LENGTH must be decimal and inside its %llu bytes",
			ri->name, (unsigned long long)ri->size);
	if (ri->access == VMSB_REGION_NONE)
		return report_local(-EACCES, "region '%s' has access none: nothing can be read",
				    ri->name);
	r = vmsb_region_map(c, ri->name, &map);
	if (r < 0)
		return report(c, r, "region", ri->name);
	r = write_all(STDOUT_FILENO, (const char *)map.addr + off, (size_t)len);
	vmsb_region_unmap(&map);
	if (r < 0)
		return report_local(-ENOMEM, "cannot write the region's bytes: %s", strerror(-r));
	return VMSB_EXIT_OK;
}

/*
 * write: a writable shared mapping asked of the kernel directly, whatever the
 * access says, so that for an r region it is the kernel that refuses.
 */
static int region_write(const struct vmsb_region_info *ri, int argc, char **argv)
{
	uint64_t off = 0;
	ssize_t n;
	char extra;
	char *p;

	if (argc > 1 || (argc == 1 && parse_u64(argv[0], ri->size, &off) < 0))
		return report_local(-ERANGE,
				    "region '%s': OFFSET must be decimal and inside its %llu bytes",
				    ri->name, (unsigned long long)ri->size);
	if (ri->fd < 0)
		return report_local(-EACCES,
				    "region '%s' has access none: it has no descriptor to write",
				    ri->name);
	p = mmap(NULL, (size_t)ri->size, PROT_READ | PROT_WRITE, MAP_SHARED, ri->fd, 0);
	if (p == MAP_FAILED)
		return report_local(
			-errno,
			"region '%s' (access %s): the kernel refused a writable mapping: %m",
			ri->name, access_name(ri->access));
	n = read_full(STDIN_FILENO, p + off, (size_t)(ri->size - off));
	if (n >= 0 && (uint64_t)n == ri->size - off && read_full(STDIN_FILENO, &extra, 1) == 1)
		n = -EFBIG;
	munmap(p, (size_t)ri->size);
	if (n == -EFBIG)
		return report_local(-EFBIG,
				    "region '%s': the input is longer than the %llu bytes from "
				    "offset %llu to its end (those were written)",
				    ri->name, (unsigned long long)(ri->size - off),
				    (unsigned long long)off);
	if (n < 0)
		return report_local((int)n, "cannot read standard input: %s", strerror((int)-n));
	return VMSB_EXIT_OK;
}

/* One way to write a shared mapping; the answer goes on stdout as NAME=allowed|refused. */
static bool poke_one(const char *what, int fd, size_t size, bool via_mprotect)
{
	void *p;
	int err;

	p = mmap(NULL, size, via_mprotect ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		err = errno;
		printf("%s=%s (%s%s)\n", what, via_mprotect ? "untested" : "refused",
		       via_mprotect ? "cannot map it readable: " : "", strerror(err));
		return !via_mprotect;
	}
	if (via_mprotect && mprotect(p, size, PROT_READ | PROT_WRITE) < 0) {
		err = errno;
		munmap(p, size);
		printf("%s=refused (%s)\n", what, strerror(err));
		return true;
	}
	munmap(p, size);
	printf("%s=allowed\n", what);
	return false;
}

/* poke: a test hook; exit 0 only when both ways to write the region were refused. */
static int region_poke(const struct vmsb_region_info *ri)
{
	bool a, b;

	if (ri->fd < 0) {
		printf("mmap_write=refused (no descriptor)\nmprotect_write=refused (no "
		       "descriptor)\n");
		return VMSB_EXIT_OK;
	}
	a = poke_one("mmap_write", ri->fd, (size_t)ri->size, false);
	b = poke_one("mprotect_write", ri->fd, (size_t)ri->size, true);
	return a && b ? VMSB_EXIT_OK : VMSB_EXIT_FAILURE;
}

static int cmd_region(struct vmsb *c, int argc, char **argv)
{
	const struct vmsb_region_info *ri;
	const char *op = argc > 2 ? argv[2] : "";
	int r;

	if (argc == 1)
		return region_list_all(c);
	if (argc > 2 && strcmp(op, "read") && strcmp(op, "write") && strcmp(op, "poke"))
		return usage_error("unknown region operation");
	if ((!strcmp(op, "read") && argc > 5) || (!strcmp(op, "write") && argc > 4) ||
	    (!strcmp(op, "poke") && argc > 3))
		return usage_error("too many arguments for the region operation");
	r = vmsb_region_find(c, argv[1], &ri);
	if (r < 0)
		return report(c, r, "region", argv[1]);
	if (argc == 2) {
		print_region(ri, false);
		return VMSB_EXIT_OK;
	}
	if (!strcmp(op, "read"))
		return region_read(c, ri, argc - 3, argv + 3);
	if (!strcmp(op, "write"))
		return region_write(ri, argc - 3, argv + 3);
	return region_poke(ri);
}

/* ---- connect ----------------------------------------------------------------- */

/* One direction of the relay: read from `from`, write all to `to`; 0 at end of file. */
static ssize_t relay_once(int from, int to, bool to_socket)
{
	char buf[65536];
	ssize_t n, k;

	do
		n = read(from, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n < 0 ? -errno : 0;
	for (ssize_t done = 0; done < n; done += k) {
		if (to_socket)
			k = send(to, buf + done, (size_t)(n - done), MSG_NOSIGNAL);
		else
			k = write(to, buf + done, (size_t)(n - done));
		if (k < 0 && errno == EINTR)
			k = 0;
		else if (k < 0)
			return -errno;
	}
	return n;
}

/* Like nc: stdin to the socket (then SHUT_WR), the socket to stdout, until both end. */
static int relay(int sock)
{
	struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
			      {.fd = sock, .events = POLLIN}};
	ssize_t n;

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[1].revents) {
			n = relay_once(sock, STDOUT_FILENO, false);
			if (n < 0)
				return (int)n;
			if (n == 0)
				p[1].fd = -1;
		}
		if (p[0].revents) {
			n = relay_once(STDIN_FILENO, sock, true);
			if (n == -EPIPE) /* the peer is gone: nothing more to send */
				n = 0;
			if (n < 0)
				return (int)n;
			if (n == 0) {
				shutdown(sock, SHUT_WR);
				p[0].fd = -1;
			}
		}
	}
	return 0;
}

static int cmd_connect(struct vmsb *c, int argc, char **argv)
{
	uint64_t port;
	int fd, r;

	if (argc != 3)
		return usage_error("connect takes ADDRESS PORT");
	if (parse_u64(argv[2], 65535, &port) < 0 || port == 0)
		return usage_error("PORT must be a number from 1 to 65535");
	r = vmsb_net_connect(c, argv[1], (uint16_t)port, &fd);
	if (r < 0)
		return report(c, r, "net.connect", argv[1]);
	r = relay(fd);
	close(fd);
	if (r == -ECONNRESET) { /* the peer's doing, not the broker's: a connection failure */
		fprintf(stderr, "vmsb: connection to '%s' port %llu: %s\n", argv[1],
			(unsigned long long)port, strerror(-r));
		return VMSB_EXIT_CONNECT;
	}
	if (r < 0)
		return report_local(r, "connection to '%s' port %llu: %s", argv[1],
				    (unsigned long long)port, strerror(-r));
	return VMSB_EXIT_OK;
}

static const struct command {
	const char *name;
	int (*run)(struct vmsb *c, int argc, char **argv);
} commands[] = {
	{"caps", cmd_caps},	  {"register", cmd_register}, {"open", cmd_open},
	{"connect", cmd_connect}, {"log", cmd_log},	      {"ping", cmd_ping},
	{"region", cmd_region},
};

/*
 * Global options before the command: the command's index in argv; 0 after
 * --help; -VMSB_EXIT_USAGE after a usage error.
 */
static int parse_globals(int argc, char **argv, bool *ret_token, uint8_t token[VMSB_TOKEN_SIZE])
{
	int i;

	*ret_token = false;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (strcmp(argv[i], "--token") != 0) {
			fprintf(stderr, "vmsb: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return -VMSB_EXIT_USAGE;
		}
		if (i + 1 >= argc || vmsb_token_parse(argv[i + 1], token) < 0)
			return -usage_error("--token needs 32 hex digits");
		*ret_token = true;
		i++;
	}
	return i;
}

int main(int argc, char **argv)
{
	const struct command *cmd = NULL;
	uint8_t token[VMSB_TOKEN_SIZE];
	struct vmsb *c = NULL;
	bool with_token;
	int r, first;

	first = parse_globals(argc, argv, &with_token, token);
	if (first <= 0)
		return -first;
	for (size_t i = 0; first < argc && i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[first], commands[i].name))
			cmd = &commands[i];
	if (!cmd)
		return usage_error(first < argc ? "unknown command" : "missing command");
	r = vmsb_connect(&c);
	if (r == -ENOENT) {
		fprintf(stderr, "vmsb: $%s is not set: not inside a vmsandbox instance?\n",
			VMSB_BROKER_FD_ENV);
		return VMSB_EXIT_TRANSPORT;
	}
	if (r < 0) {
		fprintf(stderr, "vmsb: cannot use the broker socket from $%s: %s\n",
			VMSB_BROKER_FD_ENV, vmsb_strerror(r));
		return VMSB_EXIT_TRANSPORT;
	}
	if (with_token)
		vmsb_use_token(c, token);
	r = cmd->run(c, argc - first, argv + first);
	vmsb_close(c);
	if (fflush(stdout) != 0 && r == VMSB_EXIT_OK) {
		perror("vmsb: cannot write the output");
		r = VMSB_EXIT_FAILURE;
	}
	return r;
}
