/* SPDX-License-Identifier: MIT */
/*
 * try-syscall NAME...: calls each named syscall with arguments that make it
 * fail harmlessly (bad fd, NULL pointer, invalid flags) when it is allowed,
 * prints "NAME: ok" or "NAME: EPERM" (the errno name), and exits with the
 * errno of the last call (0 when it succeeded). A seccomp "kill" action shows
 * as death by SIGSYS instead. Usage errors exit 255. Runs inside instances:
 * linked statically, needs nothing from the view.
 *
 * An allowed call never does anything lasting: at worst it creates a user
 * namespace or child process for this helper alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define EXIT_USAGE 255
#define X32_SYSCALL_BIT 0x40000000L
#define I386_NR_GETPID 20L
#define X32_NR_GETPID 39L

static long do_clone_newuser(void)
{
	long pid = syscall(SYS_clone, (long)(CLONE_NEWUSER | SIGCHLD), 0L, 0L, 0L, 0L);

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return pid;
}

static long do_i386_getpid(void)
{
#if defined(__x86_64__)
	long ret;

	/* The 32-bit entry point: a native-only filter must stop it. */
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(I386_NR_GETPID)
			 : "memory", "r8", "r9", "r10", "r11");
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
#else
	errno = ENOSYS;
	return -1;
#endif
}

static long do_tty_ioctl(unsigned long request)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	long r = ioctl(fd >= 0 ? fd : 0, request, NULL);
	int saved = errno;

	if (fd >= 0)
		close(fd);
	errno = saved;
	return r;
}

static long do_socket(int domain, int type, int protocol)
{
	int fd = socket(domain, type | SOCK_CLOEXEC, protocol);

	if (fd >= 0)
		close(fd);
	return fd;
}

static long do_syslog(void)
{
	return syscall(SYS_syslog, 10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
}

struct probe {
	const char *name;
	long (*call)(void);
};

/* One line each; the comment says what an allowed call returns. */
#define SYSCALL_PROBE(label, expr)                                                                 \
	static long try_##label(void)                                                              \
	{                                                                                          \
		return (expr);                                                                     \
	}

SYSCALL_PROBE(getppid, syscall(SYS_getppid))					     /* ok */
SYSCALL_PROBE(bpf, syscall(SYS_bpf, -1L, NULL, 0L))				     /* EINVAL */
SYSCALL_PROBE(perf_event_open, syscall(SYS_perf_event_open, NULL, 0L, -1L, -1L, 0L)) /* EFAULT */
SYSCALL_PROBE(userfaultfd, syscall(SYS_userfaultfd, -1L))			     /* EINVAL */
SYSCALL_PROBE(io_uring_setup, syscall(SYS_io_uring_setup, 0L, NULL)) /* EINVAL/EFAULT */
SYSCALL_PROBE(io_uring_enter, syscall(SYS_io_uring_enter, -1L, 0L, 0L, 0L, NULL, 0L)) /* EBADF */
SYSCALL_PROBE(io_uring_register, syscall(SYS_io_uring_register, -1L, 0L, NULL, 0L))   /* EBADF */
SYSCALL_PROBE(keyctl, syscall(SYS_keyctl, -1L, 0L, 0L, 0L, 0L))		   /* EOPNOTSUPP */
SYSCALL_PROBE(add_key, syscall(SYS_add_key, NULL, NULL, NULL, 0L, 0L))	   /* EFAULT */
SYSCALL_PROBE(request_key, syscall(SYS_request_key, NULL, NULL, NULL, 0L)) /* EFAULT */
SYSCALL_PROBE(ptrace, syscall(SYS_ptrace, 3L /* PEEKUSER */, -1L, 0L, 0L)) /* ESRCH */
SYSCALL_PROBE(process_vm_readv, syscall(SYS_process_vm_readv, -1L, NULL, 1L, NULL, 1L, 0L))
SYSCALL_PROBE(process_vm_writev, syscall(SYS_process_vm_writev, -1L, NULL, 1L, NULL, 1L, 0L))
SYSCALL_PROBE(kexec_load, syscall(SYS_kexec_load, 0L, 0L, NULL, -1L))
SYSCALL_PROBE(kexec_file_load, syscall(SYS_kexec_file_load, -1L, -1L, 0L, NULL, -1L))
SYSCALL_PROBE(init_module, syscall(SYS_init_module, NULL, 0L, NULL))
SYSCALL_PROBE(finit_module, syscall(SYS_finit_module, -1L, NULL, 0L))
SYSCALL_PROBE(delete_module, syscall(SYS_delete_module, NULL, 0L))
SYSCALL_PROBE(mount, syscall(SYS_mount, NULL, NULL, NULL, 0L, NULL)) /* EFAULT */
SYSCALL_PROBE(umount2, syscall(SYS_umount2, NULL, 0L))		     /* EFAULT */
SYSCALL_PROBE(pivot_root, syscall(SYS_pivot_root, NULL, NULL))	     /* EFAULT */
SYSCALL_PROBE(chroot, syscall(SYS_chroot, NULL))		     /* EFAULT */
SYSCALL_PROBE(open_tree, syscall(SYS_open_tree, -1L, NULL, 0L))	     /* EBADF/EFAULT */
SYSCALL_PROBE(move_mount, syscall(SYS_move_mount, -1L, NULL, -1L, NULL, 0L))
SYSCALL_PROBE(fsopen, syscall(SYS_fsopen, NULL, 0L))	  /* EFAULT */
SYSCALL_PROBE(fsmount, syscall(SYS_fsmount, -1L, 0L, 0L)) /* EBADF */
SYSCALL_PROBE(mount_setattr, syscall(SYS_mount_setattr, -1L, NULL, 0L, NULL, 0L))
SYSCALL_PROBE(open_by_handle_at, syscall(SYS_open_by_handle_at, -1L, NULL, 0L)) /* EBADF */
SYSCALL_PROBE(unshare, syscall(SYS_unshare, (long)CLONE_NEWUSER)) /* ok: a userns for us */
SYSCALL_PROBE(setns, syscall(SYS_setns, -1L, 0L))		  /* EBADF */
SYSCALL_PROBE(clone_newuser, do_clone_newuser())		  /* ok */
SYSCALL_PROBE(clone3, syscall(SYS_clone3, NULL, 0L))		  /* EINVAL */
SYSCALL_PROBE(ioctl_tiocsti, do_tty_ioctl(TIOCSTI))		  /* EFAULT/EPERM/ENOTTY */
SYSCALL_PROBE(ioctl_tioclinux, do_tty_ioctl(TIOCLINUX))		  /* EFAULT/EINVAL/ENOTTY */
SYSCALL_PROBE(socket_inet, do_socket(AF_INET, SOCK_STREAM, 0))	  /* ok */
SYSCALL_PROBE(socket_unix, do_socket(AF_UNIX, SOCK_STREAM, 0))	  /* ok */
SYSCALL_PROBE(socket_netlink, do_socket(AF_NETLINK, SOCK_RAW, 0)) /* ok */
SYSCALL_PROBE(socket_packet, do_socket(AF_PACKET, SOCK_RAW, 0))	  /* EPERM without caps */
SYSCALL_PROBE(socket_raw, do_socket(AF_INET, SOCK_RAW, 1))	  /* EPERM without caps */
SYSCALL_PROBE(swapon, syscall(SYS_swapon, NULL, 0L))
SYSCALL_PROBE(reboot, syscall(SYS_reboot, 0L, 0L, 0L, NULL)) /* EINVAL: bad magic */
SYSCALL_PROBE(syslog, do_syslog())
SYSCALL_PROBE(acct, syscall(SYS_acct, NULL))
SYSCALL_PROBE(clock_settime, syscall(SYS_clock_settime, (long)CLOCK_REALTIME, NULL)) /* EFAULT */
SYSCALL_PROBE(personality, syscall(SYS_personality, 0xffffffffL)) /* ok: a query */
SYSCALL_PROBE(modify_ldt, syscall(SYS_modify_ldt, 0L, NULL, 0L))  /* ok: reads 0 bytes */
SYSCALL_PROBE(iopl, syscall(SYS_iopl, 0L))			  /* ok: level 0 */
SYSCALL_PROBE(mknodat, syscall(SYS_mknodat, (long)AT_FDCWD, "", (long)S_IFCHR, 0L)) /* ENOENT */
SYSCALL_PROBE(seccomp, syscall(SYS_seccomp, 2L /* GET_ACTION_AVAIL */, 0L, NULL))   /* EFAULT */
SYSCALL_PROBE(x32_getpid, syscall(X32_SYSCALL_BIT | X32_NR_GETPID)) /* ok where x32 is on */
SYSCALL_PROBE(i386_getpid, do_i386_getpid())			    /* ok where ia32 is on */

#define P(label)                                                                                   \
	{                                                                                          \
#label, try_##label                                                                \
	}
static const struct probe probes[] = {
	P(getppid),
	P(bpf),
	P(perf_event_open),
	P(userfaultfd),
	P(io_uring_setup),
	P(io_uring_enter),
	P(io_uring_register),
	P(keyctl),
	P(add_key),
	P(request_key),
	P(ptrace),
	P(process_vm_readv),
	P(process_vm_writev),
	P(kexec_load),
	P(kexec_file_load),
	P(init_module),
	P(finit_module),
	P(delete_module),
	P(mount),
	P(umount2),
	P(pivot_root),
	P(chroot),
	P(open_tree),
	P(move_mount),
	P(fsopen),
	P(fsmount),
	P(mount_setattr),
	P(open_by_handle_at),
	P(unshare),
	P(setns),
	P(clone_newuser),
	P(clone3),
	P(ioctl_tiocsti),
	P(ioctl_tioclinux),
	P(socket_inet),
	P(socket_unix),
	P(socket_netlink),
	P(socket_packet),
	P(socket_raw),
	P(swapon),
	P(reboot),
	P(syslog),
	P(acct),
	P(clock_settime),
	P(personality),
	P(modify_ldt),
	P(iopl),
	P(mknodat),
	P(seccomp),
	P(x32_getpid),
	P(i386_getpid),
};

static const struct probe *find(const char *name)
{
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (strcmp(probes[i].name, name) == 0)
			return &probes[i];
	return NULL;
}

static int usage(void)
{
	fprintf(stderr, "usage: try-syscall NAME...\nnames:");
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		fprintf(stderr, " %s", probes[i].name);
	fprintf(stderr, "\n");
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	int last = 0;

	if (argc < 2 || strcmp(argv[1], "--help") == 0)
		return usage();
	for (int i = 1; i < argc; i++) {
		const struct probe *p = find(argv[i]);
		long r;

		if (!p) {
			fprintf(stderr, "try-syscall: unknown name '%s'\n", argv[i]);
			return usage();
		}
		errno = 0;
		r = p->call();
		last = r < 0 ? errno : 0;
		printf("%s: %s\n", p->name, last ? strerrorname_np(last) : "ok");
		fflush(stdout);
	}
	return last;
}
