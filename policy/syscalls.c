/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <linux/sched.h>

#include "common/cleanup.h"
#include "policy/syscalls.h"

/*
 * Syscall groups. The table is sorted by name (bsearch) and a unit test
 * checks that, that names are unique, and that every member resolves on
 * x86_64 with the libseccomp we build against.
 *
 * The allow-side groups describe what ordinary programs use; together they
 * form @default. The deny-side groups (@bpf, @debug, @mount, ...) exist so
 * that the default policy can name what it refuses; none of their members
 * may appear in an allow-side group (tested as well). personality,
 * modify_ldt, seccomp and clone3 are in no allow-side group on purpose:
 * personality can turn on READ_IMPLIES_EXEC, modify_ldt and seccomp widen the
 * kernel surface for little gain, and clone3 must fail with ENOSYS so that
 * libc falls back to clone, whose flags the deny filter can inspect.
 */
#define G(...) ((const char *const[]){__VA_ARGS__, NULL})

static const struct syscall_group groups[] = {
	{"@basic-io", "read and write file descriptors",
	 G("close", "close_range", "dup", "dup2", "dup3", "ioctl", "lseek", "pread64", "preadv",
	   "preadv2", "pwrite64", "pwritev", "pwritev2", "read", "readv", "write", "writev")},
	{"@bpf", "eBPF programs and maps (deny side)", G("bpf")},
	{"@clock", "set the system clock (deny side)",
	 G("adjtimex", "clock_adjtime", "clock_settime", "settimeofday")},
	{"@debug", "inspect or modify other processes (deny side)",
	 G("kcmp", "lookup_dcookie", "perf_event_open", "pidfd_getfd", "process_madvise",
	   "process_vm_readv", "process_vm_writev", "ptrace")},
	{"@default", "everything an ordinary dynamically linked program needs",
	 G("@basic-io", "@file-system", "@io-event", "@ipc", "@memory", "@network-io", "@process",
	   "@signal", "@system-service", "@timer")},
	{"@file-system", "files, directories, links, attributes",
	 G("access", "chdir", "chmod", "chown", "copy_file_range", "creat", "faccessat",
	   "faccessat2", "fadvise64", "fallocate", "fchdir", "fchmod", "fchmodat", "fchown",
	   "fchownat", "fcntl", "fdatasync", "fgetxattr", "flistxattr", "flock", "fremovexattr",
	   "fsetxattr", "fstat", "fstatfs", "fsync", "ftruncate", "futimesat", "getcwd", "getdents",
	   "getdents64", "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1",
	   "inotify_rm_watch", "lchown", "lgetxattr", "link", "linkat", "listxattr", "llistxattr",
	   "lremovexattr", "lsetxattr", "lstat", "mkdir", "mkdirat", "mknod", "mknodat",
	   "newfstatat", "open", "openat", "openat2", "readahead", "readlink", "readlinkat",
	   "removexattr", "rename", "renameat", "renameat2", "rmdir", "sendfile", "setxattr",
	   "splice", "stat", "statfs", "statx", "symlink", "symlinkat", "sync", "sync_file_range",
	   "syncfs", "tee", "truncate", "umask", "unlink", "unlinkat", "utime", "utimensat",
	   "utimes", "vmsplice")},
	{"@io-event", "wait for events on file descriptors",
	 G("epoll_create", "epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_pwait2",
	   "epoll_wait", "eventfd", "eventfd2", "poll", "ppoll", "pselect6", "select")},
	{"@io-uring", "io_uring (deny side: a large, often exploited surface)",
	 G("io_uring_enter", "io_uring_register", "io_uring_setup")},
	{"@ipc", "pipes, futexes, System V and POSIX IPC",
	 G("futex", "futex_waitv", "get_robust_list", "mq_getsetattr", "mq_notify", "mq_open",
	   "mq_timedreceive", "mq_timedsend", "mq_unlink", "msgctl", "msgget", "msgrcv", "msgsnd",
	   "pipe", "pipe2", "semctl", "semget", "semop", "semtimedop", "set_robust_list", "shmat",
	   "shmctl", "shmdt", "shmget")},
	{"@keyring", "kernel keyring (deny side)", G("add_key", "keyctl", "request_key")},
	{"@memory", "map, protect and advise memory",
	 G("brk", "get_mempolicy", "madvise", "mbind", "membarrier", "memfd_create", "mincore",
	   "mlock", "mlock2", "mlockall", "mmap", "mprotect", "mremap", "msync", "munlock",
	   "munlockall", "munmap", "pkey_alloc", "pkey_free", "pkey_mprotect", "remap_file_pages",
	   "set_mempolicy")},
	{"@module", "kernel modules (deny side)",
	 G("delete_module", "finit_module", "init_module")},
	{"@mount", "mount, pivot and chroot (deny side)",
	 G("chroot", "fsconfig", "fsmount", "fsopen", "fspick", "mount", "mount_setattr",
	   "move_mount", "open_tree", "pivot_root", "umount2")},
	{"@namespaces", "enter or create namespaces (deny side)", G("setns", "unshare")},
	{"@network-io", "sockets (the policy's network setting decides what they reach)",
	 G("accept", "accept4", "bind", "connect", "getpeername", "getsockname", "getsockopt",
	   "listen", "recvfrom", "recvmmsg", "recvmsg", "sendmmsg", "sendmsg", "sendto",
	   "setsockopt", "shutdown", "socket", "socketpair")},
	{"@obsolete", "unused or removed syscalls (deny side)",
	 G("_sysctl", "afs_syscall", "create_module", "get_kernel_syms", "getpmsg", "nfsservctl",
	   "putpmsg", "query_module", "security", "sysfs", "tuxcall", "uselib", "ustat",
	   "vserver")},
	{"@privileged", "host administration and kernel attack surface (deny side)",
	 G("acct", "fanotify_init", "fanotify_mark", "ioperm", "iopl", "name_to_handle_at",
	   "open_by_handle_at", "quotactl", "quotactl_fd", "setdomainname", "sethostname", "syslog",
	   "userfaultfd", "vhangup")},
	{"@process", "create, run and wait for processes; identity and scheduling",
	 G("arch_prctl", "capget", "capset", "clone", "execve", "execveat", "exit", "exit_group",
	   "fork", "getegid", "geteuid", "getgid", "getgroups", "getpgid", "getpgrp", "getpid",
	   "getppid", "getpriority", "getresgid", "getresuid", "getsid", "gettid", "getuid",
	   "ioprio_get", "ioprio_set", "pidfd_open", "pidfd_send_signal", "prctl", "rseq",
	   "sched_get_priority_max", "sched_get_priority_min", "sched_getaffinity", "sched_getattr",
	   "sched_getparam", "sched_getscheduler", "sched_rr_get_interval", "sched_setaffinity",
	   "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield",
	   "set_tid_address", "setfsgid", "setfsuid", "setgid", "setgroups", "setpgid",
	   "setpriority", "setregid", "setresgid", "setresuid", "setreuid", "setsid", "setuid",
	   "vfork", "wait4", "waitid")},
	{"@reboot", "reboot and kexec (deny side)", G("kexec_file_load", "kexec_load", "reboot")},
	{"@signal", "send, receive and handle signals",
	 G("kill", "pause", "restart_syscall", "rt_sigaction", "rt_sigpending", "rt_sigprocmask",
	   "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
	   "rt_tgsigqueueinfo", "sigaltstack", "signalfd", "signalfd4", "tgkill", "tkill")},
	{"@swap", "swap devices (deny side)", G("swapoff", "swapon")},
	{"@system-service", "system information, randomness, resource limits, Landlock",
	 G("getcpu", "getrandom", "getrlimit", "getrusage", "landlock_add_rule",
	   "landlock_create_ruleset", "landlock_restrict_self", "prlimit64", "setrlimit", "sysinfo",
	   "times", "uname")},
	{"@timer", "clocks, sleeps and timers",
	 G("alarm", "clock_getres", "clock_gettime", "clock_nanosleep", "getitimer", "gettimeofday",
	   "nanosleep", "setitimer", "time", "timer_create", "timer_delete", "timer_getoverrun",
	   "timer_gettime", "timer_settime", "timerfd_create", "timerfd_gettime",
	   "timerfd_settime")},
};

static int group_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct syscall_group *)elem)->name);
}

const struct syscall_group *syscall_group_find(const char *name)
{
	if (!name)
		return NULL;
	return bsearch(name, groups, ARRAY_SIZE(groups), sizeof(groups[0]), group_cmp);
}

const struct syscall_group *syscall_group_table(size_t *ret_count)
{
	if (ret_count)
		*ret_count = ARRAY_SIZE(groups);
	return groups;
}

/*
 * Constants accepted in rule values, sorted by name. Taken from the libc and
 * kernel headers so that they always match the ABI we compile for.
 */
struct syscall_constant {
	const char *name;
	unsigned long long value;
};

#define C(x)                                                                                       \
	{                                                                                          \
#x, (unsigned long long)(x)                                                        \
	}

static const struct syscall_constant constants[] = {
	C(AF_ALG),
	C(AF_APPLETALK),
	C(AF_AX25),
	C(AF_BLUETOOTH),
	C(AF_CAN),
	C(AF_INET),
	C(AF_INET6),
	C(AF_KEY),
	C(AF_LLC),
	C(AF_LOCAL),
	C(AF_NETLINK),
	C(AF_PACKET),
	C(AF_RDS),
	C(AF_TIPC),
	C(AF_UNIX),
	C(AF_UNSPEC),
	C(AF_VSOCK),
	C(AF_X25),
	C(AF_XDP),
	C(CLONE_FILES),
	C(CLONE_FS),
	C(CLONE_NEWCGROUP),
	C(CLONE_NEWIPC),
	C(CLONE_NEWNET),
	C(CLONE_NEWNS),
	C(CLONE_NEWPID),
	C(CLONE_NEWTIME),
	C(CLONE_NEWUSER),
	C(CLONE_NEWUTS),
	C(CLONE_THREAD),
	C(CLONE_VM),
	C(MAP_ANONYMOUS),
	C(MAP_FIXED),
	C(MAP_FIXED_NOREPLACE),
	C(MAP_GROWSDOWN),
	C(MAP_HUGETLB),
	C(MAP_PRIVATE),
	C(MAP_SHARED),
	C(MAP_SHARED_VALIDATE),
	C(O_APPEND),
	C(O_CREAT),
	C(O_RDONLY),
	C(O_RDWR),
	C(O_TRUNC),
	C(O_WRONLY),
	C(PROT_EXEC),
	C(PROT_NONE),
	C(PROT_READ),
	C(PROT_WRITE),
	C(SOCK_CLOEXEC),
	C(SOCK_DGRAM),
	C(SOCK_NONBLOCK),
	C(SOCK_PACKET),
	C(SOCK_RAW),
	C(SOCK_SEQPACKET),
	C(SOCK_STREAM),
	C(TIOCLINUX),
	C(TIOCSTI),
};

static int constant_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct syscall_constant *)elem)->name);
}

int syscall_constant_find(const char *name, unsigned long long *ret_value)
{
	const struct syscall_constant *c;

	if (!name)
		return -EINVAL;
	c = bsearch(name, constants, ARRAY_SIZE(constants), sizeof(constants[0]), constant_cmp);
	if (!c)
		return -ENOENT;
	if (ret_value)
		*ret_value = c->value;
	return 0;
}
