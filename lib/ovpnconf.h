/* ovpnconf.h - an OpenVPN configuration file, read as OpenVPN 2.6 reads it
 * and normalised for a qubes-vpn qube (the configurator's --import, its
 * editor path and --check). */
#ifndef QVPN_OVPNCONF_H
#define QVPN_OVPNCONF_H

#include <stddef.h>
#include <sys/types.h>

/* OpenVPN reads a configuration in lines of 256 bytes and cuts longer ones
 * in two: the rest would be read as a line of its own. */
#define OVPNCONF_LINE_MAX 254
#define OVPNCONF_CRED_NAME "credentials"   /* beside the configuration */
#define OVPNCONF_PASS_NAME "passphrase"
#define OVPNCONF_USER "qubes-vpn"          /* the unit's user */

struct ovpnconf {
	/* set by the caller */
	const char *dir;        /* the configuration's directory (files are relative to it) */
	int check_only;         /* report only: warnings, nothing written */
	int want_creds;         /* --credentials: store them whatever the file says */
	uid_t vpn_uid;          /* the unit's user, when has_vpn_user */
	int has_vpn_user;
	char *out;              /* the normalised text goes here (NUL-terminated) */
	size_t size;
	/* Each change (change=1: a line rewritten, said as "line N: ...") and
	 * warning (line 0: about the file as a whole), once; msg sanitized. */
	void (*report)(struct ovpnconf *c, int change, unsigned line, const char *msg);
	/* results */
	size_t len;             /* of out */
	int inline_creds;       /* an <auth-user-pass> block holds them */
	int warnings, changes;
	int need_creds, need_pass;   /* the text now names the files to store */
	char host[64];          /* the first remote given by name ("" if none) */
};

/* Read text (NUL-terminated) as OpenVPN would, line for line, and write the
 * normalised text to c->out: every line kept, rewritten or commented out,
 * so that line numbers stay those of the original. 0, or -1 after logging
 * which line cannot be taken (c->out then holds nothing usable). */
int ovpnconf_normalise(struct ovpnconf *c, const char *text);

/* The next parameter of a configuration line, split as OpenVPN's
 * parse_line() splits it. 1 and the parameter in out, 0 at the end of the
 * line, -1 where OpenVPN would refuse the line. */
int ovpnconf_next_param(const char **cur, char *out, size_t size);

/* Where needle first occurs in hay, or NULL (musl's strstr is 1 KB). */
const char *ovpnconf_find(const char *hay, const char *needle);

#endif
