/* helper.h - run a helper program (qubesdb-read, qrexec-client-vm, ...)
 * without a shell: found on PATH, or on a fixed default when PATH is unset
 * (OpenVPN gives its hooks no PATH), started with execve and an explicit,
 * minimal environment, bounded in time and in output. */
#ifndef QVPN_HELPER_H
#define QVPN_HELPER_H

#include <stddef.h>
#include <sys/types.h>

#define HELPER_DEFAULT_PATH "/usr/sbin:/usr/bin:/sbin:/bin"

/* Find prog on $PATH (or the default); an absolute prog is taken as it
 * is. 0 and the full path in out, or -ENOENT. */
int helper_find(const char *prog, char *out, size_t size);

/* Whom to run a helper as, when not as ourselves. */
struct helper_user {
	uid_t uid;
	gid_t gid;
};

/* Run argv[0] (looked up as above) with envp (NULL: a minimal one), as
 * user (NULL: ourselves; otherwise with no supplementary groups), feed it
 * input (may be NULL), collect at most outsize-1 bytes of its stdout into
 * out (NUL-terminated; may be NULL), and kill it after timeout_ms.
 * Returns its exit status (0..255; 126 when it could not become user),
 * or -errno (-ETIMEDOUT when killed). */
int helper_run(char *const argv[], char *const envp[], const struct helper_user *user,
	       const char *input, char *out, size_t outsize, int timeout_ms);

#endif
