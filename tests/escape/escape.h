/* SPDX-License-Identifier: MIT */
#ifndef VMSB_TESTS_ESCAPE_H
#define VMSB_TESTS_ESCAPE_H

/*
 * Shared scaffolding for the escape programs. Each program tries one attack
 * from inside an instance and prints exactly one line:
 *   NAME: blocked (how)      exit 0: the attack failed and had no effect
 *   NAME: ESCAPED (what)     exit 1: the attack worked
 *   NAME: cannot run (why)   exit 2: the test itself could not run
 *
 * The attack runs in a forked child that shares a tally page with the
 * parent, because a policy may answer a syscall with SIGSYS (kill): the
 * parent then still knows which variants had already succeeded, so a kill
 * after a success cannot hide the success.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { ESC_BLOCKED = 0, ESC_ESCAPED = 1, ESC_CANNOT = 2 };

struct esc_tally {
	int hits;	   /* variants that succeeded */
	int verdict;	   /* -1 until the attack decided */
	char current[128]; /* the variant in progress, for a SIGSYS kill */
	char log[2048];	   /* "what: ERRNO; what: ok; ..." */
	char msg[2400];	   /* final message chosen by the attack */
};

static const char *esc_name = "escape";
static struct esc_tally *esc_t;
static struct esc_tally esc_local; /* used before esc_main maps the shared page */

static inline const char *esc_errname(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "E?";
}

/* Reads a small file into buf (NUL-terminated); returns bytes or -errno. */
static inline ssize_t esc_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, total = 0;

	if (fd < 0)
		return -errno;
	while ((size_t)total + 1 < size) {
		n = read(fd, buf + total, size - 1 - total);
		if (n < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		total += n;
	}
	buf[total] = '\0';
	close(fd);
	return total;
}

static inline void esc_say(const char *verdict, const char *msg)
{
	dprintf(STDOUT_FILENO, "%s: %s (%s)\n", esc_name, verdict, msg);
}

static inline struct esc_tally *esc_tally(void)
{
	return esc_t ? esc_t : &esc_local;
}

static inline void esc_append(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void esc_append(const char *fmt, ...)
{
	struct esc_tally *t = esc_tally();
	size_t len = strlen(t->log);
	va_list ap;

	if (len + 3 >= sizeof(t->log))
		return;
	if (len) {
		strcpy(t->log + len, "; ");
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(t->log + len, sizeof(t->log) - len, fmt, ap);
	va_end(ap);
}

/* Decides and leaves: the attack process only records, the parent prints. */
static inline __attribute__((noreturn, format(printf, 2, 3))) void esc_end(int verdict,
									   const char *fmt, ...)
{
	struct esc_tally *t = esc_tally();
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof(t->msg), fmt, ap);
	va_end(ap);
	t->verdict = verdict;
	if (!esc_t) {
		static const char *const words[] = {"blocked", "ESCAPED", "cannot run"};

		esc_say(words[verdict], t->msg);
	}
	_exit(verdict);
}

#define esc_blocked(...) esc_end(ESC_BLOCKED, __VA_ARGS__)
#define esc_escaped(...) esc_end(ESC_ESCAPED, __VA_ARGS__)
#define esc_cannot(...) esc_end(ESC_CANNOT, __VA_ARGS__)

/* Records one variant: ret >= 0 means the kernel let it through. */
static inline long esc_note(const char *what, long ret, int err)
{
	if (ret >= 0) {
		esc_tally()->hits++;
		esc_append("%s succeeded (%ld)", what, ret);
	} else {
		esc_append("%s: %s", what, esc_errname(err));
	}
	esc_tally()->current[0] = '\0';
	return ret;
}

/* The errors a permission layer gives: seccomp (EPERM, ENOSYS), capabilities, LSMs. */
static inline bool esc_is_denial(int err)
{
	return err == EPERM || err == EACCES || err == ENOSYS;
}

/*
 * Records a variant whose permission check comes before any argument check
 * in the kernel: an error other than a denial means the caller got past the
 * check (a bogus argument was all that stopped it), which is an escape.
 */
static inline long esc_note_strict(const char *what, long ret, int err)
{
	if (ret < 0 && !esc_is_denial(err)) {
		esc_tally()->hits++;
		esc_append("%s passed the permission check (%s)", what, esc_errname(err));
		esc_tally()->current[0] = '\0';
		return ret;
	}
	return esc_note(what, ret, err);
}

static inline void esc_begin(const char *what)
{
	char *cur = esc_tally()->current;
	size_t n = 0;

	for (; n + 1 < sizeof(esc_tally()->current) && what[n]; n++)
		cur[n] = what[n];
	cur[n] = '\0';
}

/* ESC_TRY("label", expression): runs one variant and records how it ended. */
#define ESC_TRY(what, expr)                                                                        \
	({                                                                                         \
		esc_begin(what);                                                                   \
		errno = 0;                                                                         \
		long _r = (long)(expr);                                                            \
		esc_note((what), _r, errno);                                                       \
	})

#define ESC_TRY_STRICT(what, expr)                                                                 \
	({                                                                                         \
		esc_begin(what);                                                                   \
		errno = 0;                                                                         \
		long _r = (long)(expr);                                                            \
		esc_note_strict((what), _r, errno);                                                \
	})

/*
 * Ends an attack made of ESC_TRY variants: asserts that every one was
 * blocked (any success is an escape) and exits with the verdict.
 */
static inline __attribute__((noreturn)) void esc_assert_all_blocked(void)
{
	struct esc_tally *t = esc_tally();

	if (t->hits)
		esc_escaped("%s", t->log);
	esc_blocked("%s", t->log);
}

static inline void esc_set_name(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');

	esc_name = slash ? slash + 1 : argv0;
}

/* Prints the verdict of an attack process that did not call esc_end. */
static inline int esc_judge_signal(int sig)
{
	struct esc_tally *t = esc_t;
	char buf[2400];

	snprintf(buf, sizeof(buf), "%s%s%s killed by SIG%s", t->log, t->log[0] ? "; " : "",
		 t->current[0] ? t->current : "attack",
		 sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	if (t->hits) {
		esc_say("ESCAPED", buf);
		return ESC_ESCAPED;
	}
	if (sig == SIGSYS) {
		esc_say("blocked", buf);
		return ESC_BLOCKED;
	}
	esc_say("cannot run", buf);
	return ESC_CANNOT;
}

/*
 * Some attacks would do real damage if they ever worked with capabilities
 * (pivot_root, umount, sysrq): refuse to run with any effective capability.
 * Inside an instance that can only mean capabilities were not dropped,
 * which the runner reports as a failure (exit 2).
 */
static inline void esc_guard(void)
{
	char buf[4096], *line;

	if (esc_read_file("/proc/self/status", buf, sizeof(buf)) < 0)
		return; /* no /proc: nothing to compare, the attack decides */
	line = strstr(buf, "\nCapEff:");
	if (line && strncmp(line + 8, "\t0000000000000000", 17) != 0)
		esc_cannot("refusing to attack with capabilities (CapEff not 0): outside an "
			   "instance, or the instance kept capabilities");
}

/*
 * Runs attack(argc, argv) in a child and prints its verdict. A death by
 * SIGSYS is seccomp saying no: blocked, unless a variant had already worked.
 */
static inline int esc_main(int argc, char **argv, int (*attack)(int, char **))
{
	static const char *const words[] = {"blocked", "ESCAPED", "cannot run"};
	int status;
	pid_t pid;

	esc_set_name(argv[0]);
	esc_guard();
	esc_t = mmap(NULL, sizeof(*esc_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		     0);
	if (esc_t == MAP_FAILED) {
		esc_t = NULL;
		esc_cannot("mmap shared tally: %s", esc_errname(errno));
	}
	esc_t->verdict = -1;
	pid = fork();
	if (pid < 0) {
		esc_t = NULL;
		esc_cannot("fork: %s", esc_errname(errno));
	}
	if (pid == 0)
		_exit(attack(argc, argv));
	if (waitpid(pid, &status, 0) < 0) {
		esc_t = NULL;
		esc_cannot("waitpid: %s", esc_errname(errno));
	}
	if (WIFSIGNALED(status))
		return esc_judge_signal(WTERMSIG(status));
	if (esc_t->verdict < 0) {
		/* the attack returned without deciding: treat as a harness bug */
		esc_say("cannot run", "attack ended without a verdict");
		return ESC_CANNOT;
	}
	/* a success recorded but overruled would be a harness bug: never hide it */
	if (esc_t->hits && esc_t->verdict == ESC_BLOCKED) {
		esc_say("ESCAPED", esc_t->log);
		return ESC_ESCAPED;
	}
	esc_say(words[esc_t->verdict], esc_t->msg);
	return esc_t->verdict;
}

/*
 * Records one variant of a syscall that forks like clone(2) or clone3(2)
 * (nr with arguments a1, a2): a new child shares the tally page, so it leaves
 * at once without touching it, and the parent reaps it.
 */
static inline void esc_try_fork(const char *what, long nr, unsigned long a1, unsigned long a2)
{
	long pid;
	int err;

	esc_begin(what);
	pid = syscall(nr, a1, a2, 0UL, 0UL, 0UL);
	err = errno;
	if (pid == 0)
		_exit(0);
	esc_note(what, pid, err);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
}

/* Opens path with flags; a success is recorded as an escape and closed. */
static inline void esc_try_open(const char *path, int flags)
{
	char what[192];
	int fd;

	snprintf(what, sizeof(what), "open(%.150s, %s)", path,
		 (flags & O_ACCMODE) == O_RDONLY   ? "O_RDONLY"
		 : (flags & O_ACCMODE) == O_WRONLY ? "O_WRONLY"
						   : "O_RDWR");
	fd = ESC_TRY(what, open(path, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
	if (fd >= 0)
		close(fd);
}

/*
 * The runner binds a world-writable host directory read-only at /ro, holding
 * "file" with the text "original": only the mount's read-only flag stands
 * between the instance and a write, so DAC cannot mask a failure.
 */
#define ESC_RO_DIR "/ro"
#define ESC_RO_FILE "/ro/file"

static inline void esc_need_ro(void)
{
	struct stat st;

	if (stat(ESC_RO_FILE, &st) < 0)
		esc_cannot("%s: %s (the runner binds a directory read-only at /ro)", ESC_RO_FILE,
			   esc_errname(errno));
}

/* Effect check: records an escape if anything below /ro accepts a write. */
static inline void esc_check_ro_held(const char *after)
{
	char what[192];
	int fd;

	snprintf(what, sizeof(what), "after %s: create /ro/vmsb-probe", after);
	fd = ESC_TRY(what, open("/ro/vmsb-probe", O_WRONLY | O_CREAT | O_CLOEXEC, 0666));
	if (fd >= 0) {
		close(fd);
		unlink("/ro/vmsb-probe");
	}
	snprintf(what, sizeof(what), "after %s: open /ro/file for writing", after);
	fd = ESC_TRY(what, open(ESC_RO_FILE, O_WRONLY | O_APPEND | O_CLOEXEC));
	if (fd >= 0)
		close(fd);
}

/* Is pid 1 of the instance still there and running? Returns its state letter. */
static inline char esc_init_state(void)
{
	char buf[512], *p;

	/* EPERM from kill(1, 0) still means it exists: signals to it may be fenced */
	if (kill(1, 0) < 0 && errno != EPERM)
		return 'X';
	if (esc_read_file("/proc/1/stat", buf, sizeof(buf)) < 0)
		return '?';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/*
 * Names this process (comm, at most 15 bytes) so the runner can look for
 * leftovers from the host in /proc/<pid>/comm after vmsandbox returned.
 */
static inline void esc_set_comm(const char *marker)
{
	prctl(PR_SET_NAME, (unsigned long)marker, 0UL, 0UL, 0UL);
}

/* Resource attacks are judged by the runner too: ignore the polite signals. */
static inline void esc_ignore_term(void)
{
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
}

#endif
