/* helper.h - run a helper program (qubesdb-read, qrexec-client-vm, ...)
 * without a shell: found on PATH, or on a fixed default when PATH is unset
 * (OpenVPN gives its hooks no PATH), started with execve and an explicit,
 * minimal environment, bounded in time and in output. */
#ifndef QVPN_HELPER_H
#define QVPN_HELPER_H

#include <stddef.h>

#define HELPER_DEFAULT_PATH "/usr/sbin:/usr/bin:/sbin:/bin"

/* Find prog on $PATH (or the default); an absolute prog is taken as it
 * is. 0 and the full path in out, or -ENOENT. */
int helper_find(const char *prog, char *out, size_t size);

/* Run argv[0] (looked up as above) as ourselves (never as another user)
 * with envp (NULL: a minimal one), feed it input (may be NULL), collect at
 * most outsize-1 bytes of its stdout into out (NUL-terminated; may be
 * NULL), and kill it after timeout_ms. Returns its exit status (0..255),
 * or -errno (-ETIMEDOUT when killed). */
int helper_run(char *const argv[], char *const envp[], const char *input, char *out,
	       size_t outsize, int timeout_ms);

#endif
