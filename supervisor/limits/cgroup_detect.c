/* SPDX-License-Identifier: MIT */
/*
 * Finding our cgroups: which hierarchies are mounted (/proc/self/mountinfo),
 * where this process sits in each (/proc/self/cgroup), and what the control
 * files there allow. Reads only; cgroup_setup() is the one that acts.
 */
#include "supervisor/limits/cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"

/* mountinfo grows with the number of mounts; beyond this something is off. */
#define PROC_TEXT_MAX (4u << 20)

/* Our cgroup path in each hierarchy, from /proc/self/cgroup. */
struct self_cgroups {
	bool has_v2;
	char v2[PATH_MAX];
	bool has_v1[_CGROUP_CTRL_MAX];
	char v1[_CGROUP_CTRL_MAX][PATH_MAX];
};

static const char *const ctrl_names[_CGROUP_CTRL_MAX] = {
	[CGROUP_CTRL_MEMORY] = "memory",
	[CGROUP_CTRL_PIDS] = "pids",
	[CGROUP_CTRL_CPU] = "cpu",
	[CGROUP_CTRL_CPUACCT] = "cpuacct",
};

const char *cgroup_ctrl_name(enum cgroup_ctrl ctrl)
{
	return (unsigned)ctrl < _CGROUP_CTRL_MAX ? ctrl_names[ctrl] : NULL;
}

static int ctrl_from_name(const char *name)
{
	for (int i = 0; i < _CGROUP_CTRL_MAX; i++)
		if (strcmp(name, ctrl_names[i]) == 0)
			return i;
	return -1;
}

/* Absolute, no "." or ".." components: the kernel never prints those for us. */
static bool path_is_clean(const char *p)
{
	if (p[0] != '/' || strlen(p) >= PATH_MAX)
		return false;
	for (const char *c = p; *c; c++) {
		size_t n;

		if (*c != '/')
			continue;
		n = strcspn(c + 1, "/");
		if ((n == 1 && c[1] == '.') || (n == 2 && c[1] == '.' && c[2] == '.'))
			return false;
	}
	return true;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* One "hierarchy-id:controller,list:path" line into ctx, a struct self_cgroups. */
static int parse_cgroup_line(char *line, void *ctx)
{
	struct self_cgroups *sc = ctx;
	char *c1 = strchr(line, ':');
	char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	char *ctrls, *path, *tok;

	if (!c2)
		return -EINVAL;
	*c1 = *c2 = '\0';
	ctrls = c1 + 1;
	path = c2 + 1;
	if (!all_digits(line) || !path_is_clean(path))
		return -EINVAL;
	if (strcmp(line, "0") == 0 && *ctrls == '\0') {
		sc->has_v2 = true;
		strcpy(sc->v2, path);
		return 0;
	}
	while ((tok = strsep(&ctrls, ","))) {
		int c = ctrl_from_name(tok);

		if (c < 0)
			continue;
		sc->has_v1[c] = true;
		strcpy(sc->v1[c], path);
	}
	return 0;
}

/*
 * Calls parse on each non-empty line of a copy of text: a line it refuses
 * fails the whole text as "WHAT line N: malformed".
 */
static int parse_lines(const char *text, const char *what, int (*parse)(char *line, void *ctx),
		       void *ctx, struct err_ctx *reterr)
{
	_cleanup_free_ char *copy = strdup(text);
	char *rest = copy, *line;
	unsigned lineno = 0;

	if (!copy)
		return err_set(reterr, ENOMEM, "out of memory");
	while ((line = strsep(&rest, "\n"))) {
		lineno++;
		if (*line == '\0')
			continue;
		if (parse(line, ctx) < 0)
			return err_set(reterr, EINVAL, "%s line %u: malformed", what, lineno);
	}
	return 0;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/*
 * Our cgroup directory: prefix + mount point + our path relative to the
 * mount's root. A path outside that root is not visible through this mount.
 */
static bool join_dir(const char *prefix, const char *mp, const char *root, const char *path,
		     char *out)
{
	size_t rlen = strlen(root);
	const char *rel = path;
	int n;

	if (strcmp(root, "/") != 0) {
		if (strncmp(path, root, rlen) != 0 || (path[rlen] != '\0' && path[rlen] != '/'))
			return false;
		rel = path + rlen;
	}
	while (*rel == '/')
		rel++;
	n = snprintf(out, PATH_MAX, "%s%s%s%s", prefix, mp,
		     *rel && mp[strlen(mp) - 1] != '/' ? "/" : "", rel);
	return n > 0 && n < PATH_MAX;
}

static void match_mount(const char *prefix, char *root, char *mp, const char *fstype, char *opts,
			const struct self_cgroups *sc, struct cgroup_env *env)
{
	char *tok;

	unescape_octal(root);
	unescape_octal(mp);
	if (strcmp(fstype, "cgroup2") == 0) {
		if (sc->has_v2 && !env->v2_found)
			env->v2_found = join_dir(prefix, mp, root, sc->v2, env->v2_dir);
		return;
	}
	if (strcmp(fstype, "cgroup") != 0)
		return;
	while ((tok = strsep(&opts, ","))) {
		int c = ctrl_from_name(tok);

		if (c < 0 || !sc->has_v1[c] || env->v1[c].found)
			continue;
		env->v1[c].found = join_dir(prefix, mp, root, sc->v1[c], env->v1[c].dir);
	}
}

/* What a mountinfo line is matched against, and the result. */
struct mount_ctx {
	const char *prefix;
	const struct self_cgroups *sc;
	struct cgroup_env *env;
};

/* "id parent maj:min root mountpoint options [optional...] - fstype source superopts" */
static int parse_mount_line(char *line, void *ctx)
{
	const struct mount_ctx *mc = ctx;
	char *f[6], *post[3], *tok;
	size_t n = 0, m = 0;
	bool sep = false;

	while ((tok = strsep(&line, " "))) {
		if (!sep && strcmp(tok, "-") == 0 && n == ARRAY_SIZE(f))
			sep = true;
		else if (!sep && n < ARRAY_SIZE(f))
			f[n++] = tok;
		else if (sep && m < ARRAY_SIZE(post))
			post[m++] = tok;
	}
	if (!sep || m != ARRAY_SIZE(post) || f[3][0] != '/' || f[4][0] != '/')
		return -EINVAL;
	match_mount(mc->prefix, f[3], f[4], post[0], post[2], mc->sc, mc->env);
	return 0;
}

/* Space-separated controller names to a CGROUP_MASK; names we do not use are ignored. */
static unsigned parse_ctrl_list(char *text)
{
	unsigned mask = 0;
	char *tok;

	while ((tok = strsep(&text, " \n"))) {
		int c = ctrl_from_name(tok);

		if (c >= 0 && c != CGROUP_CTRL_CPUACCT)
			mask |= CGROUP_MASK(c);
	}
	return mask;
}

static bool can_write(int dirfd, const char *name)
{
	return faccessat(dirfd, name, W_OK, AT_EACCESS) == 0;
}

static void probe_v2(struct cgroup_env *env)
{
	_cleanup_close_ int fd = open(env->v2_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char buf[CGFS_READ_MAX];

	/* No cgroup.controllers: not a cgroup2 directory after all. */
	if (fd < 0 ||
	    cgfs_read(fd, env->v2_dir, "cgroup.controllers", buf, sizeof(buf), NULL) < 0) {
		env->v2_found = false;
		return;
	}
	env->v2_available = parse_ctrl_list(buf);
	if (cgfs_read(fd, env->v2_dir, "cgroup.subtree_control", buf, sizeof(buf), NULL) >= 0)
		env->v2_enabled = parse_ctrl_list(buf);
	/* cgroup.type exists on every v2 cgroup except the root. */
	env->v2_root = !cgfs_exists(fd, "cgroup.type");
	env->v2_writable = faccessat(fd, ".", W_OK | X_OK, AT_EACCESS) == 0 &&
			   can_write(fd, "cgroup.procs") &&
			   (env->v2_root || can_write(fd, "cgroup.subtree_control"));
}

static void probe_v1(struct cgroup_v1_info *v1)
{
	struct stat st;

	if (stat(v1->dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		v1->found = false;
		return;
	}
	v1->writable = faccessat(AT_FDCWD, v1->dir, W_OK | X_OK, AT_EACCESS) == 0;
}

int cgroup_detect(const char *mountinfo, const char *self_cgroup, const char *prefix, pid_t self,
		  struct cgroup_env *ret, struct err_ctx *reterr)
{
	_cleanup_free_ struct self_cgroups *sc = calloc(1, sizeof(*sc));
	struct mount_ctx mc = {prefix, sc, ret};
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->self = self;
	if (!sc)
		return err_set(reterr, ENOMEM, "out of memory");
	if (strlen(prefix) >= PATH_MAX / 2)
		return err_set(reterr, ENAMETOOLONG, "cgroup prefix '%s' is too long", prefix);
	r = parse_lines(self_cgroup, "/proc/self/cgroup", parse_cgroup_line, sc, reterr);
	if (r < 0)
		return r;
	r = parse_lines(mountinfo, "/proc/self/mountinfo", parse_mount_line, &mc, reterr);
	if (r < 0)
		return r;
	if (ret->v2_found)
		probe_v2(ret);
	for (int c = 0; c < _CGROUP_CTRL_MAX; c++)
		if (ret->v1[c].found)
			probe_v1(&ret->v1[c]);
	return 0;
}

static int read_proc_text(const char *path, char **ret, struct err_ctx *reterr)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t size = 0, len = 0;

	if (fd < 0)
		return err_set(reterr, errno, "cannot open '%s'", path);
	for (;;) {
		ssize_t n;

		if (size - len < 2) {
			char *nb;

			if (size >= PROC_TEXT_MAX)
				return err_set(reterr, EFBIG, "'%s' is too large", path);
			size = size ? size * 2 : 16384;
			nb = realloc(buf, size);
			if (!nb)
				return err_set(reterr, ENOMEM, "out of memory");
			buf = nb;
		}
		n = read(fd, buf + len, size - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(reterr, errno, "cannot read '%s'", path);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = take_ptr(buf);
	return 0;
}

int cgroup_detect_self(struct cgroup_env *ret, struct err_ctx *reterr)
{
	_cleanup_free_ char *mountinfo = NULL;
	_cleanup_free_ char *self_cgroup = NULL;
	int r;

	r = read_proc_text("/proc/self/mountinfo", &mountinfo, reterr);
	if (r < 0)
		return r;
	r = read_proc_text("/proc/self/cgroup", &self_cgroup, reterr);
	if (r < 0)
		return r;
	return cgroup_detect(mountinfo, self_cgroup, "", getpid(), ret, reterr);
}

enum cgroup_version cgroup_where(const struct cgroup_env *env, enum cgroup_ctrl ctrl)
{
	if ((unsigned)ctrl >= _CGROUP_CTRL_MAX)
		return CGROUP_NONE;
	if (env->v2_usable & CGROUP_MASK(ctrl))
		return CGROUP_V2;
	if (env->v1[ctrl].found && env->v1[ctrl].writable)
		return CGROUP_V1;
	return CGROUP_NONE;
}
