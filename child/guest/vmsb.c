/* SPDX-License-Identifier: MIT */
/*
 * vmsb: the guest library for shell scripts inside an instance. One command
 * per run; the exit status names the class of the first error (see vmsb(1)),
 * so a script can tell "denied" from "not found" from "the broker is gone".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmsandbox/guest.h"

enum vmsb_exit {
	VMSB_EXIT_OK = 0,
	VMSB_EXIT_FAILURE = 1,	   /* local: output, memory */
	VMSB_EXIT_USAGE = 2,	   /* bad command line, or an argument the protocol cannot carry */
	VMSB_EXIT_TRANSPORT = 3,   /* no broker, broken socket, malformed frames either way */
	VMSB_EXIT_DENIED = 4,	   /* policy, capability, rights, expired, revoked, used up */
	VMSB_EXIT_NOT_FOUND = 5,   /* no such register or file */
	VMSB_EXIT_CONFLICT = 6,	   /* version moved, exists, consumed */
	VMSB_EXIT_LIMIT = 7,	   /* quota, store full, busy, too big */
	VMSB_EXIT_BROKER = 8,	   /* the broker or its store failed */
	VMSB_EXIT_UNSUPPORTED = 9, /* not served (yet) */
};

static int exit_class(int err)
{
	switch (err) {
	case 0:
		return VMSB_EXIT_OK;
	case -EINVAL:
		return VMSB_EXIT_USAGE;
	case -ENOBUFS:
	case -VMSB_E_QUOTA:
	case -VMSB_E_TOO_SMALL:
	case -VMSB_E_NO_SPACE:
	case -VMSB_E_BUSY:
		return VMSB_EXIT_LIMIT;
	case -ENOMEM:
		return VMSB_EXIT_FAILURE;
	case -VMSB_E_DENIED_POLICY:
	case -VMSB_E_NO_CAPABILITY:
	case -VMSB_E_RIGHTS:
	case -VMSB_E_EXPIRED:
	case -VMSB_E_REVOKED:
	case -VMSB_E_EXHAUSTED:
		return VMSB_EXIT_DENIED;
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

static void usage(FILE *f)
{
	fputs("usage: vmsb caps\n"
	      "       vmsb register create|put NAME VALUE\n"
	      "       vmsb register get|consume|delete NAME\n"
	      "       vmsb register list [PREFIX]\n"
	      "       vmsb open PATH\n"
	      "       vmsb log MESSAGE...\n"
	      "       vmsb ping [-n N]\n"
	      "       vmsb region NAME\n",
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

/* ---- register ------------------------------------------------------------ */

static int print_value(const char *buf, size_t len)
{
	if (write_all(STDOUT_FILENO, buf, len) < 0 || write_all(STDOUT_FILENO, "\n", 1) < 0) {
		perror("vmsb: cannot write the value");
		return VMSB_EXIT_FAILURE;
	}
	return VMSB_EXIT_OK;
}

/* put: read the version, then write only if nobody wrote in between. */
static int reg_put(struct vmsb *c, const char *name, const char *value)
{
	char buf[VMSB_MAX_INLINE];
	uint64_t version;
	int r;

	r = vmsb_register_read(c, name, buf, sizeof(buf), NULL, &version);
	if (r < 0)
		return report(c, r, "register.read", name);
	r = vmsb_register_write(c, name, version, value, strlen(value), NULL);
	if (r < 0)
		return report(c, r, "register.write", name);
	return VMSB_EXIT_OK;
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

static int reg_one(struct vmsb *c, const char *op, const char *name, const char *value)
{
	char buf[VMSB_MAX_INLINE];
	size_t len;
	int r;

	if (!strcmp(op, "create")) {
		r = vmsb_register_create(c, name, value, strlen(value), NULL);
		return r < 0 ? report(c, r, "register.create", name) : VMSB_EXIT_OK;
	}
	if (!strcmp(op, "put"))
		return reg_put(c, name, value);
	if (!strcmp(op, "get")) {
		r = vmsb_register_read(c, name, buf, sizeof(buf), &len, NULL);
		return r < 0 ? report(c, r, "register.read", name) : print_value(buf, len);
	}
	if (!strcmp(op, "consume")) {
		r = vmsb_register_consume(c, name, 0, buf, sizeof(buf), &len, NULL);
		return r < 0 ? report(c, r, "register.consume", name) : print_value(buf, len);
	}
	r = vmsb_register_delete(c, name, 0);
	return r < 0 ? report(c, r, "register.delete", name) : VMSB_EXIT_OK;
}

static int cmd_register(struct vmsb *c, int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";
	bool with_value = !strcmp(op, "create") || !strcmp(op, "put");

	if (!strcmp(op, "list")) {
		if (argc > 3)
			return usage_error("register list takes at most a prefix");
		return reg_list(c, argc == 3 ? argv[2] : "");
	}
	if (!with_value && strcmp(op, "get") && strcmp(op, "consume") && strcmp(op, "delete"))
		return usage_error("unknown register operation");
	if (argc != (with_value ? 4 : 3))
		return usage_error(with_value ? "expected NAME VALUE" : "expected NAME");
	return reg_one(c, op, argv[2], with_value ? argv[3] : NULL);
}

/* ---- open, log, ping, region --------------------------------------------- */

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

static int parse_count(const char *s, unsigned long *ret)
{
	char *end;

	errno = 0;
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	*ret = strtoul(s, &end, 10);
	if (errno || *end || *ret < 1 || *ret > 1000000)
		return -EINVAL;
	return 0;
}

static int cmd_ping(struct vmsb *c, int argc, char **argv)
{
	unsigned long n = 1;
	uint64_t *t, med;
	int r;

	if (argc == 3 && !strcmp(argv[1], "-n")) {
		if (parse_count(argv[2], &n) < 0)
			return usage_error("-n needs a count from 1 to 1000000");
	} else if (argc != 1) {
		return usage_error("ping takes only -n N");
	}
	t = calloc(n, sizeof(*t));
	if (!t)
		return report(c, -ENOMEM, "ping", NULL);
	for (unsigned long i = 0; i < n; i++) {
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
	printf("count=%lu\nmin_us=%.1f\nmax_us=%.1f\nmedian_us=%.1f\n", n, t[0] / 1000.0,
	       t[n - 1] / 1000.0, med / 1000.0);
	free(t);
	return VMSB_EXIT_OK;
}

static int cmd_region(struct vmsb *c, int argc, char **argv)
{
	(void)c;
	(void)argv;
	if (argc != 2)
		return usage_error("region takes one NAME");
	fprintf(stderr, "vmsb: region: not supported yet\n");
	return VMSB_EXIT_UNSUPPORTED;
}

static const struct command {
	const char *name;
	int (*run)(struct vmsb *c, int argc, char **argv);
} commands[] = {
	{"caps", cmd_caps}, {"register", cmd_register}, {"open", cmd_open},
	{"log", cmd_log},   {"ping", cmd_ping},		{"region", cmd_region},
};

int main(int argc, char **argv)
{
	const struct command *cmd = NULL;
	struct vmsb *c = NULL;
	int r;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return VMSB_EXIT_OK;
	}
	for (size_t i = 0; argc > 1 && i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			cmd = &commands[i];
	if (!cmd)
		return usage_error(argc > 1 ? "unknown command" : "missing command");
	if (cmd->run == cmd_region)
		return cmd_region(NULL, argc - 1, argv + 1);
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
	r = cmd->run(c, argc - 1, argv + 1);
	vmsb_close(c);
	if (fflush(stdout) != 0 && r == VMSB_EXIT_OK) {
		perror("vmsb: cannot write the output");
		r = VMSB_EXIT_FAILURE;
	}
	return r;
}
