/* ovpnconf.c - an OpenVPN configuration file read as OpenVPN 2.6 reads it
 * (lines, quoting, inline blocks) and normalised for a qubes-vpn qube:
 * what OpenVPN on Linux refuses, what runs programs, what the unit does
 * itself and what would hide the server's DNS is commented out in place,
 * with its reason; credentials asked for on a terminal point at the files
 * the configurator stores. The text is hostile: bounded, every line
 * checked, nothing of it executed. Fuzzed (tests/fuzz/ovpnconf.c). */
#define _GNU_SOURCE   /* strchrnul */
#include "ovpnconf.h"
#include "log.h"
#include "sanitize.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>


/* Options commented out, by reason (words separated by one space). */
enum reason { R_WINDOWS, R_GONE, R_PROGRAMS, R_ROUTES, R_PUSHED, R_UNIT, R_INCLUDE, R_COUNT };
static const char *const dropped[R_COUNT] = {
	[R_WINDOWS] = "block-outside-dns register-dns ip-win32 dhcp-renew dhcp-release "
		      "dhcp-pre-release tap-sleep win-sys windows-driver wintun allow-nonadmin "
		      "service show-net-up show-adapters show-valid-subnets pause-exit msg-channel "
		      "cryptoapicert",
	[R_GONE] = "ncp-disable keysize tls-remote iproute no-iv",
	[R_PROGRAMS] = "up down route-up route-pre-down ipchange tls-verify learn-address "
		       "client-connect client-disconnect client-crresponse auth-user-pass-verify "
		       "tls-crypt-v2-verify dns-updown plugin pkcs11-providers engine providers "
		       "script-security",
	[R_ROUTES] = "redirect-gateway redirect-private route route-ipv6 route-noexec",
	[R_PUSHED] = "route-nopull ifconfig-noexec",
	[R_UNIT] = "daemon user group chroot cd log log-append syslog writepid status",
	[R_INCLUDE] = "config",
};
static const char *const why[R_COUNT] = {
	[R_WINDOWS] = "Windows-only; OpenVPN on Linux refuses to start with it",
	[R_GONE] = "no longer in OpenVPN 2.6, which refuses to start with it",
	[R_PROGRAMS] = "runs programs, or lets them control OpenVPN; only the qubes-vpn hooks may",
	[R_ROUTES] = "qubes-vpn routes all traffic of attached qubes into the tunnel itself",
	[R_PUSHED] = "would keep what the server pushes (DNS servers, the tunnel's address) "
		     "from qubes-vpn",
	[R_UNIT] = "the unit runs OpenVPN unprivileged, in the foreground, logging to the "
		   "journal, on a read-only file system",
	[R_INCLUDE] = "reads another file as configuration: paste that file in instead",
};
/* What OpenVPN takes inline, as <name>...</name>. */
static const char inline_ok[] = "ca cert key tls-auth tls-crypt tls-crypt-v2 secret dh extra-certs "
				"pkcs12 crl-verify http-proxy-user-pass auth-user-pass connection "
				"peer-fingerprint";
static const char secret_opts[] = "key pkcs12 auth-user-pass tls-auth tls-crypt tls-crypt-v2 "
				  "secret askpass http-proxy-user-pass";
static const char file_opts[] = "ca cert crl-verify dh extra-certs";


/* 1 when w is one of the blank-separated words of list. */
static int word_in(const char *list, const char *w)
{
	size_t n = strlen(w);

	for (; n && *list; list += strcspn(list, " "), list += *list == ' ')
		if (!strncmp(list, w, n) && (list[n] == ' ' || !list[n]))
			return 1;
	return 0;
}

/* Where needle first occurs in hay, or NULL (musl's strstr is 1 KB). */
const char *ovpnconf_find(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncmp(hay, needle, n))
			return hay;
	return NULL;
}

/* A warning, or (change) a change the normaliser makes: counted, and
 * handed to the caller's report(). */
__attribute__((format(printf, 4, 5)))
static void say(struct ovpnconf *c, int change, unsigned line, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	change = change && !c->check_only;
	if (change)
		c->changes++;
	else
		c->warnings++;
	if (c->report)
		c->report(c, change, line, msg);
}

static void check_file(struct ovpnconf *c, unsigned line, const char *opt, const char *name)
{
	char path[512], file[128];
	struct stat st;

	if (!strcmp(name, "[inline]"))
		return;
	snprintf(path, sizeof(path), "%s%s%s", name[0] == '/' ? "" : c->dir,
		 name[0] == '/' ? "" : "/", name);
	sanitize_text(name, file, sizeof(file));   /* to be shown */
	if (stat(path, &st) < 0) {
		say(c, 0, line, "file '%s' does not exist: OpenVPN will not start", file);
		return;
	}
	if (!word_in(secret_opts, opt))
		return;
	if (st.st_mode & 077)
		say(c, 0, line, "'%s' holds a secret but others can read it: make it mode 0600", file);
	if (c->has_vpn_user && st.st_uid != c->vpn_uid)
		say(c, 0, line, "'%s' is not owned by " OVPNCONF_USER ": OpenVPN, which runs as "
		    OVPNCONF_USER ", cannot read a 0600 file of another user", file);
}

/* The next parameter of a configuration line, split as OpenVPN's
 * parse_line() splits it: blanks separate, "double" and 'single' quotes
 * group, a backslash escapes (outside single quotes; only \\, \" and a
 * blank), # or ; between parameters starts a comment. 1 and the parameter
 * in out, 0 at the end of the line, -1 where OpenVPN would refuse it. */
int ovpnconf_next_param(const char **cur, char *out, size_t size)
{
	const char *c = *cur;
	int state = 0;   /* 0 between, 1 in "", 2 unquoted, 3 done, 4 in '' */
	int bs = 0;
	size_t n = 0;
	char in, o;

	do {
		in = *c;
		o = 0;
		if (!bs && in == '\\' && state != 4) {
			bs = 1;
			continue;
		}
		if (state == 0) {
			if (in && !isspace((unsigned char)in)) {
				if (in == '#' || in == ';')
					break;
				state = bs ? 2 : in == '"' ? 1 : in == '\'' ? 4 : 2;
				if (state == 2)
					o = in;
			}
		} else if (state == 2) {
			if (!bs && (!in || isspace((unsigned char)in)))
				state = 3;
			else
				o = in;
		} else if ((state == 1 && !bs && in == '"') || (state == 4 && in == '\'')) {
			state = 3;
		} else {
			o = in;
		}
		if (bs && o && o != '\\' && o != '"' && !isspace((unsigned char)o))
			return -1;
		bs = 0;
		if (o) {
			if (n + 1 >= size)
				return -1;
			out[n++] = o;
		}
		if (state == 3) {
			out[n] = '\0';
			*cur = in ? c + 1 : c;
			return 1;
		}
	} while (*c++);
	*cur = c - 1;
	return state == 0 || state == 3 ? 0 : -1;
}

/* pull-filter TEXT removes a pushed option that starts with TEXT: one that
 * would take the DNS servers or the tunnel's address away. */
static int filter_hides(const char *text)
{
	static const char *const needed[] = { "dhcp-option DNS", "ifconfig" };
	unsigned i;

	for (i = 0; i < 2; i++)
		if (!strncmp(text, needed[i], strnlen(text, strlen(needed[i]))))
			return 1;
	return 0;
}

/* Append a line (cut at OVPNCONF_LINE_MAX bytes) to the normalised text. */
static int put_line(struct ovpnconf *c, const char *line)
{
	size_t n = strnlen(line, OVPNCONF_LINE_MAX);

	if (c->check_only)
		return 0;
	if (!c->out || c->len + n + 2 > c->size)
		return -EFBIG;
	memcpy(c->out + c->len, line, n);
	c->len += n;
	c->out[c->len++] = '\n';
	c->out[c->len] = '\0';
	return 0;
}

/* Read text as OpenVPN would (same lines, same parameters, inline blocks
 * skipped as it skips them) and write the normalised text to c->out, line
 * for line, so that line numbers stay those of the original. 0, or -1
 * after saying which line cannot be taken. */
int ovpnconf_normalise(struct ovpnconf *c, const char *text)
{
	char p[4][OVPNCONF_LINE_MAX + 2] = { "" }, orig[OVPNCONF_LINE_MAX + 2], shown[160], block[OVPNCONF_LINE_MAX + 8] = "";
	char repl[640];   /* cut to OVPNCONF_LINE_MAX by put_line */
	const char *line = text, *end, *cur, *name;
	char (*arg)[OVPNCONF_LINE_MAX + 2];
	unsigned n = 0, np, na, r;
	size_t len;
	int rc = 0;

	c->len = 0;
	if (c->out && c->size)
		c->out[0] = '\0';     /* an empty file gives an empty text */
	c->inline_creds = ovpnconf_find(text, "<auth-user-pass>") != NULL;
	if (!strncmp(line, "\xEF\xBB\xBF", 3))   /* a UTF-8 byte order mark, as OpenVPN skips it */
		line += 3;
	for (; *line; line = *end ? end + 1 : end) {
		end = strchrnul(line, '\n');
		len = (size_t)(end - line);
		n++;
		if (len > OVPNCONF_LINE_MAX) {
			log_err("line %u is longer than %d bytes: OpenVPN would read its end as "
				"another line", n, OVPNCONF_LINE_MAX);
			return -1;
		}
		memcpy(orig, line, len);
		orig[len] = '\0';
		sanitize_text(orig, shown, sizeof(shown));
		if (block[0]) {
			for (cur = orig; isspace((unsigned char)*cur); cur++)
				;
			if (!strncmp(cur, block, strlen(block)))
				block[0] = '\0';
			rc = put_line(c, orig);
			goto next;
		}
		cur = orig;
		for (np = 0; np < 4 && (rc = ovpnconf_next_param(&cur, p[np], sizeof(p[np]))) > 0; np++)
			;
		if (rc < 0) {
			log_err("line %u: quotes or backslashes OpenVPN cannot read: %s", n, shown);
			return -1;
		}
		if (!np) {   /* blank, or a comment */
			rc = put_line(c, orig);
			goto next;
		}
		name = p[0];
		if (strlen(name) >= 3 && !strncmp(name, "--", 2))
			name += 2;
		len = strlen(name);
		if (np == 1 && len > 2 && name[0] == '<' && name[len - 1] == '>') {
			memcpy(p[1], name + 1, len - 2);
			p[1][len - 2] = '\0';
			if (!word_in(inline_ok, p[1])) {
				log_err("line %u: OpenVPN takes no inline %s", n, shown);
				return -1;
			}
			snprintf(block, sizeof(block), "</%s>", p[1]);
			rc = put_line(c, orig);
			goto next;
		}
		arg = p + 1;
		na = np ? np - 1 : 0;
		/* "setenv opt NAME ...": OpenVPN reads NAME ... as an option
		 * (its errors as warnings). */
		if (!strcmp(name, "setenv") && na >= 2 && !strcmp(arg[0], "opt")) {
			name = arg[1];
			arg += 2;
			na -= 2;
		}
		for (r = 0; r < R_COUNT && !word_in(dropped[r], name); r++)
			;
		if (!strncmp(name, "management", 10))   /* and every management-* */
			r = R_PROGRAMS;
		if (!strcmp(name, "pull-filter") && na >= 2 && strcmp(arg[0], "accept") &&
		    filter_hides(arg[1]))
			r = R_PUSHED;
		if (!strcmp(name, "setenv") && na >= 1 && (!strcmp(arg[0], "PATH") ||
		    !strncmp(arg[0], "QUBES_VPN", 9) || !strncmp(arg[0], "LD_", 3)))
			r = R_PROGRAMS;
		if (r < R_COUNT) {
			say(c, 1, n, "%s '%s': %s", c->check_only ? "remove" : "commented out",
			    shown, why[r]);
			snprintf(repl, sizeof(repl), "# qubes-vpn-configurator commented out (%s): %s",
				 why[r], shown);
			rc = put_line(c, repl);
			goto next;
		}
		if ((!strcmp(name, "dev") && na && strncmp(arg[0], "tun", 3)) ||
		    (!strcmp(name, "dev-type") && na && strcmp(arg[0], "tun"))) {
			say(c, 0, n, "%s: qubes-vpn works with tun devices only", shown);
			if (!c->check_only)
				return -1;
		}
		/* Credentials asked for on a terminal nobody sees; or new ones
		 * wanted (--credentials). */
		if ((!strcmp(name, "auth-user-pass") && (c->want_creds || (!na && !c->inline_creds))) ||
		    (!strcmp(name, "askpass") && (c->want_creds || !na))) {
			int creds = name[1] == 'u';   /* auth-user-pass, not askpass */
			const char *file = creds ? OVPNCONF_CRED_NAME : OVPNCONF_PASS_NAME;

			if (c->check_only) {
				say(c, 0, n, "'%s' without a file: OpenVPN would ask on a terminal "
				    "nobody sees: run qubes-vpn-configurator --credentials", name);
				goto next;
			}
			*(creds ? &c->need_creds : &c->need_pass) = 1;
			if (na && !strcmp(arg[0], file)) {   /* already ours */
				rc = put_line(c, orig);
				goto next;
			}
			snprintf(repl, sizeof(repl), "%s # qubes-vpn-configurator: was '%s'",
				 creds ? "auth-user-pass " OVPNCONF_CRED_NAME : "askpass " OVPNCONF_PASS_NAME, shown);
			say(c, 1, n, "'%s' now reads %s/%s (mode 0600, owned by " OVPNCONF_USER ")",
			    shown, c->dir, file);
			rc = put_line(c, repl);
			goto next;
		}
		if (!strcmp(name, "remote") && na && !c->host[0] && !strchr(arg[0], ':'))
			for (cur = arg[0]; *cur; cur++)
				if (isalpha((unsigned char)*cur)) {   /* a name, not an address */
					sanitize_text(arg[0], c->host, sizeof(c->host));
					break;
				}
		if (na && (word_in(secret_opts, name) || word_in(file_opts, name)))
			check_file(c, n, name, arg[0]);
		rc = put_line(c, orig);
next:
		if (rc < 0) {
			log_err("the normalised configuration is too big");
			return -1;
		}
	}
	if (block[0]) {
		log_err("the inline block that ends with %s is not closed", block);
		return -1;
	}
	if (c->want_creds && !c->need_creds && !c->need_pass) {
		log_err("--credentials: the configuration asks for none (no auth-user-pass, no askpass)");
		return -1;
	}
	return 0;
}
