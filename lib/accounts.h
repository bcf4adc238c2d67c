/* accounts.h - local users and groups, read from /etc/passwd and
 * /etc/group directly, as musl's getpwnam/getgrnam do (no NSS), without
 * the 6 KB those bring into the static binary. */
#ifndef QVPN_ACCOUNTS_H
#define QVPN_ACCOUNTS_H

#define ACCOUNTS_PASSWD "/etc/passwd"
#define ACCOUNTS_GROUP "/etc/group"

struct account {
	unsigned long id;   /* uid (passwd) or gid (group) */
	char home[256];     /* passwd: the home directory; "" if none or too long */
};

/* The first entry of FILE (ACCOUNTS_PASSWD or ACCOUNTS_GROUP) named name,
 * or, when name is NULL, with the numeric id. 0, -ENOENT when there is
 * none, or -errno when FILE cannot be read. Lines that are malformed
 * (fewer than four fields, a non-numeric id) or longer than 1 KB are
 * skipped. */
int account_find(const char *file, const char *name, unsigned long id, struct account *a);

#endif
