/* helper.c - run helper programs safely: no shell, explicit environment,
 * bounded time and output. */
#define _GNU_SOURCE   /* pipe2, _Fork */
#include "helper.h"
#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

int helper_find(const char *prog, char *out, size_t size)
{
	const char *path = getenv("PATH");
	const char *p, *end;
	int n;

	/* An absolute path is taken as it is (Qubes' programs outside PATH);
	 * a relative one never. */
	if (prog[0] == '/') {
		n = snprintf(out, size, "%s", prog);
		return n > 0 && (size_t)n < size && access(out, X_OK) == 0 ? 0 : -ENOENT;
	}
	if (!prog[0] || strchr(prog, '/'))
		return -ENOENT;
	if (!path || !path[0])
		path = HELPER_DEFAULT_PATH;
	for (p = path; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		/* Only absolute directories: never "." or a relative one. */
		if (*p != '/')
			continue;
		n = snprintf(out, size, "%.*s/%s", (int)(end - p), p, prog);
		if (n < 0 || (size_t)n >= size)
			continue;
		if (access(out, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

static void close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
}

int helper_run(char *const argv[], char *const envp[], const char *input, char *out,
	       size_t outsize, int timeout_ms)
{
	static char *const default_env[] = { "PATH=" HELPER_DEFAULT_PATH, "LANG=C", NULL };
	int in[2] = { -1, -1 }, res[2] = { -1, -1 };
	char path[512], sink[256];
	long deadline = now_ms() + timeout_ms;
	size_t got = 0;
	struct pollfd pfd;
	int status, err, devnull;
	ssize_t n;
	pid_t pid;

	if (out && outsize)
		out[0] = '\0';
	err = helper_find(argv[0], path, sizeof(path));
	if (err < 0)
		return err;
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(res, O_CLOEXEC) < 0) {
		err = -errno;
		close_pair(in);
		close_pair(res);
		return err;
	}
	/* _Fork, as everywhere here: fork without the atfork handlers and
	 * thread locks a single-threaded process has none of (1 KB of musl). */
	pid = _Fork();
	if (pid < 0) {
		err = -errno;
		close_pair(in);
		close_pair(res);
		return err;
	}
	if (pid == 0) {
		devnull = open("/dev/null", O_RDWR);
		dup2(input ? in[0] : devnull, STDIN_FILENO);
		dup2(res[1], STDOUT_FILENO);
		execve(path, argv, envp ? envp : default_env);
		_exit(127);
	}
	close(in[0]);
	close(res[1]);
	/* Small messages only: they fit in the pipe, so this cannot block. */
	if (input) {
		fcntl(in[1], F_SETFL, O_NONBLOCK);
		if (write(in[1], input, strlen(input)) < 0)
			err = -errno;
	}
	close(in[1]);

	pfd.fd = res[0];
	pfd.events = POLLIN;
	for (;;) {
		long left = deadline - now_ms();

		if (left <= 0) {
			err = -ETIMEDOUT;
			break;
		}
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		if (out && got + 1 < outsize)
			n = read(res[0], out + got, outsize - 1 - got);
		else
			n = read(res[0], sink, sizeof(sink));   /* discard the excess */
		if (n <= 0)
			break;
		if (out && got + 1 < outsize && n > 0) {
			got += (size_t)n;
			out[got] = '\0';
		}
	}
	close(res[0]);

	/* Wait for it, still within the deadline; then it is killed. */
	while (err != -ETIMEDOUT) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (w < 0 && errno != EINTR)
			return -errno;
		if (now_ms() >= deadline) {
			err = -ETIMEDOUT;
			break;
		}
		usleep(1000);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return err;
}
