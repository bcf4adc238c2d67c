/* sys.c - a few system call wrappers for the static release binary, in
 * place of musl's, which carry machinery this program needs none of
 * (together about 1.9 KB of code). Linked only by `make static`; the
 * development and sanitizer builds use their libc's own. Each is the
 * system call itself, with musl's return convention (-1 and errno):
 *
 * - clock_gettime (and musl's internal name for it, __clock_gettime): musl's looks the kernel's vDSO up (its ELF symbol
 *   lookup, __vdsosym, 0.7 KB) to save a system call per reading; this
 *   program reads the clock a few times per second at most.
 * - fstatat, fstat, stat, lstat: musl's fstatat falls back to
 *   /proc/self/fd for kernels without AT_EMPTY_PATH (before 2.6.39) and
 *   converts the kernel's struct stat field by field; on x86_64 the
 *   kernel's struct stat is musl's (checked below).
 * - fcntl: musl's emulates F_DUPFD_CLOEXEC and F_GETOWN for old kernels;
 *   the code sets O_NONBLOCK with it (lib/helper.c), musl itself uses
 *   the system call directly.
 * - open: musl's follows every O_CLOEXEC open with an fcntl() for kernels
 *   older than 2.6.23, one system call more per file a hook writes.
 * - socket, pipe2: musl's retry without SOCK_CLOEXEC / SOCK_NONBLOCK and
 *   set the flags with fcntl() for kernels before 2.6.27 (0.35 KB); every
 *   socket and pipe here is opened close-on-exec in one call.
 * - fchmod, fchown: musl's retry through /proc/self/fd on EBADF, for
 *   O_PATH descriptors (0.45 KB with its name maker); the one caller
 *   (configurator) changes a file it has just written to.
 * - sleep, usleep: musl's go through clock_nanosleep's clock checks
 *   (0.3 KB); both are nanosleep(2), with the time left by sleep.
 *
 * x86_64 only, like the release build (the Makefile's MUSL_CC). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#if !defined(__x86_64__)
#error "lib/static/sys.c: the system calls here are x86_64's"
#endif

/* The kernel's struct stat on x86_64 (arch/x86/include/uapi/asm/stat.h)
 * is 144 bytes, st_size at 48, st_mtim at 88: musl's is the same. */
_Static_assert(sizeof(struct stat) == 144 && __builtin_offsetof(struct stat, st_size) == 48 &&
	       __builtin_offsetof(struct stat, st_mtim) == 88, "struct stat is not the kernel's");

/* musl's own callers (time, mkdtemp's name maker) call __clock_gettime:
 * answered here too, or musl's would be linked for them. */
int __clock_gettime(clockid_t clk, struct timespec *ts);
int __clock_gettime(clockid_t clk, struct timespec *ts)
{
	return (int)syscall(SYS_clock_gettime, clk, ts);
}
int clock_gettime(clockid_t clk, struct timespec *ts) __attribute__((alias("__clock_gettime")));

int fstatat(int dirfd, const char *restrict path, struct stat *restrict st, int flags)
{
	return (int)syscall(SYS_newfstatat, dirfd, path, st, flags);
}

int fstat(int fd, struct stat *st)
{
	return (int)syscall(SYS_fstat, fd, st);
}

int stat(const char *restrict path, struct stat *restrict st)
{
	return (int)syscall(SYS_stat, path, st);
}

int lstat(const char *restrict path, struct stat *restrict st)
{
	return (int)syscall(SYS_lstat, path, st);
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	unsigned mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, unsigned);
		va_end(ap);
	}
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	unsigned long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	return (int)syscall(SYS_fcntl, fd, cmd, arg);
}

int socket(int domain, int type, int protocol)
{
	return (int)syscall(SYS_socket, domain, type, protocol);
}

int pipe2(int fd[2], int flags)
{
	return (int)syscall(SYS_pipe2, fd, flags);
}

int fchmod(int fd, mode_t mode)
{
	return (int)syscall(SYS_fchmod, fd, mode);
}

int fchown(int fd, uid_t uid, gid_t gid)
{
	return (int)syscall(SYS_fchown, fd, uid, gid);
}

unsigned sleep(unsigned seconds)
{
	struct timespec t = { .tv_sec = seconds };

	return syscall(SYS_nanosleep, &t, &t) ? (unsigned)t.tv_sec : 0;
}

int usleep(unsigned usec)
{
	struct timespec t = { .tv_sec = usec / 1000000, .tv_nsec = usec % 1000000 * 1000L };

	return (int)syscall(SYS_nanosleep, &t, &t);
}
