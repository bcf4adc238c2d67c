/* configurator.c - edit the VPN configuration safely: the desktop user's
 * editor on a private temporary copy, the real file replaced (atomically,
 * with the right owner and mode) only when the copy changed, and plain
 * warnings about whatever would break the setup or its leakproofness. */
#define _GNU_SOURCE   /* setresuid */
#include "applets.h"
#include "../lib/log.h"
#include "../lib/rundir.h"
#include "../lib/accounts.h"
#include "../lib/helper.h"
#include "../lib/wgconf.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <grp.h>      /* setgroups */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define CONFIG_DIR "/rw/config/qubes-vpn"
#define CONFIG_NAME "qubes-vpn.conf"
#define WG_CONFIG_NAME "wireguard.conf"   /* qubes-vpn-wg.service runs where it exists */
#define VPN_USER "qubes-vpn"
#define CONFIG_MAX (256 * 1024)

static const char usage[] =
"Usage: qubes-vpn-configurator [--dir DIR] [--check]\n"
"\n"
"Edits the Qubes VPN's OpenVPN configuration, DIR/qubes-vpn.conf (DIR is\n"
CONFIG_DIR "). Creates DIR if missing (mode 0750, group " VPN_USER "),\n"
"starts from a commented sample when there is no configuration yet, opens\n"
"your editor ($VISUAL, $EDITOR, else a graphical or terminal editor found on\n"
"PATH) on a temporary copy as you, not as root, and replaces the real file\n"
"only if the copy changed. Then it warns, in plain words, about anything\n"
"that breaks the setup or its leakproofness. With --check it only checks;\n"
"where DIR/" WG_CONFIG_NAME " exists (WireGuard, qubes-vpn-wg.service),\n"
"--check checks that instead (edit it with your editor, mode 0640 or 0600).\n"
"Needs root for DIR: run it with sudo (the menu entry does).\n"
"Exit status: 0 done (warnings may have been printed), 1 failed, 2 usage.\n";

static const char sample[] =
"# Qubes VPN: OpenVPN client configuration.\n"
"#\n"
"# qubes-vpn runs OpenVPN with this file and then, after it, with\n"
"#   --route-noexec --script-security 2 --up qubes-vpn-up --down qubes-vpn-down\n"
"#   --up-restart --persist-tun\n"
"# so do not set up, down, route-up, script-security or redirect-gateway\n"
"# here: the qubes-vpn hooks route all traffic of attached qubes through the\n"
"# tunnel and block it whenever the tunnel is down.\n"
"#\n"
"# Put credential files beside this one, owned by " VPN_USER " with mode 0600:\n"
"#   sudo chown " VPN_USER " FILE && sudo chmod 0600 FILE\n"
"\n"
"client\n"
"dev tun\n"
"proto udp\n"
"remote vpn.example.com 1194\n"
"nobind\n"
"remote-cert-tls server\n"
"\n"
"ca ca.crt\n"
"cert client.crt\n"
"key client.key\n"
"# auth-user-pass credentials.txt\n"
"# tls-crypt tls-crypt.key\n";

/* ---- checks ---- */

struct check_ctx {
	const char *dir;
	int warnings;
	uid_t vpn_uid;
	int has_vpn_user;
};

__attribute__((format(printf, 3, 4)))
static void warn_line(struct check_ctx *c, unsigned line, const char *fmt, ...)
{
	va_list ap;

	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		fprintf(stderr, "warning: line %u: %s\n", line, msg);
	else
		fprintf(stderr, "warning: %s\n", msg);
	c->warnings++;
}

static int is_secret_option(const char *o)
{
	static const char *secret[] = { "key", "pkcs12", "auth-user-pass", "tls-auth",
					"tls-crypt", "tls-crypt-v2", "secret", "askpass",
					"http-proxy-user-pass", NULL };
	unsigned i;

	for (i = 0; secret[i]; i++)
		if (!strcmp(o, secret[i]))
			return 1;
	return 0;
}

static int is_file_option(const char *o)
{
	return is_secret_option(o) || !strcmp(o, "ca") || !strcmp(o, "cert") ||
	       !strcmp(o, "crl-verify") || !strcmp(o, "dh") || !strcmp(o, "extra-certs");
}

static void check_file(struct check_ctx *c, unsigned line, const char *opt, const char *file)
{
	char path[512];
	struct stat st;

	if (!strcmp(file, "[inline]"))
		return;
	if (file[0] == '/')
		snprintf(path, sizeof(path), "%s", file);
	else
		snprintf(path, sizeof(path), "%s/%s", c->dir, file);
	if (stat(path, &st) < 0) {
		warn_line(c, line, "file '%s' does not exist: OpenVPN will not start", file);
		return;
	}
	if (!is_secret_option(opt))
		return;
	if (st.st_mode & 077)
		warn_line(c, line, "'%s' holds a secret but others can read it: make it "
			  "mode 0600", file);
	if (c->has_vpn_user && st.st_uid != c->vpn_uid)
		warn_line(c, line, "'%s' is not owned by " VPN_USER ": OpenVPN, which runs as "
			  VPN_USER ", cannot read a 0600 file of another user", file);
}

/* Check an OpenVPN configuration text, line by line, for what qubes-vpn
 * overrides or needs. Inline blocks (<ca> ... </ca>) are skipped. */
static void check_config(struct check_ctx *c, char *text)
{
	char *line, *save, *tok, *arg, *s2;
	char inline_end[64] = "";
	unsigned n = 0;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		n++;
		while (*line == ' ' || *line == '\t')
			line++;
		if (inline_end[0]) {
			if (!strncmp(line, inline_end, strlen(inline_end)))
				inline_end[0] = '\0';
			continue;
		}
		if (line[0] == '<' && line[1] != '/') {
			snprintf(inline_end, sizeof(inline_end), "</%.*s", (int)strcspn(line + 1, ">"),
				 line + 1);
			continue;
		}
		if (!line[0] || line[0] == '#' || line[0] == ';')
			continue;
		tok = strtok_r(line, " \t\r", &s2);
		if (!tok)
			continue;
		if (!strncmp(tok, "--", 2))
			tok += 2;
		arg = strtok_r(NULL, " \t\r", &s2);
		if (!strcmp(tok, "up") || !strcmp(tok, "down") || !strcmp(tok, "route-up") ||
		    !strcmp(tok, "route-pre-down") || !strcmp(tok, "ipchange") ||
		    !strcmp(tok, "script-security") || !strcmp(tok, "learn-address") ||
		    !strcmp(tok, "client-connect") || !strcmp(tok, "tls-verify"))
			warn_line(c, n, "'%s' is set here, but qubes-vpn replaces the hooks and "
				  "scripts with its own: remove it", tok);
		else if (!strcmp(tok, "redirect-gateway") || !strcmp(tok, "route") ||
			 !strcmp(tok, "route-ipv6") || !strcmp(tok, "route-nopull") ||
			 !strcmp(tok, "route-noexec") || !strcmp(tok, "ifconfig-noexec"))
			warn_line(c, n, "'%s' has no effect: qubes-vpn routes all traffic of "
				  "attached qubes through the tunnel itself: remove it", tok);
		else if (!strcmp(tok, "dev") && arg && strncmp(arg, "tun", 3))
			warn_line(c, n, "'dev %s' is not a tun device: qubes-vpn needs 'dev tun'", arg);
		else if (!strcmp(tok, "dev-type") && arg && strcmp(arg, "tun"))
			warn_line(c, n, "'dev-type %s': qubes-vpn needs a tun device", arg);
		else if (!strcmp(tok, "user") || !strcmp(tok, "group") || !strcmp(tok, "daemon") ||
			 !strcmp(tok, "chroot"))
			warn_line(c, n, "'%s' conflicts with the systemd unit, which already runs "
				  "OpenVPN unprivileged: remove it", tok);
		else if (is_file_option(tok) && arg)
			check_file(c, n, tok, arg);
	}
}

/* ---- files ---- */

/* --check for WireGuard: -1 when DIR has no WireGuard configuration (go on
 * with OpenVPN's), otherwise the exit status. The same parser as
 * qubes-vpn-wg up; what it would refuse is an error, traffic the tunnel
 * would not carry a warning. */
static int check_wireguard(struct check_ctx *c, int have_openvpn)
{
	static struct wg_conf wg;
	char path[512];

	snprintf(path, sizeof(path), "%s/" WG_CONFIG_NAME, c->dir);
	if (access(path, F_OK) < 0)
		return -1;
	if (have_openvpn)
		warn_line(c, 0, "both " CONFIG_NAME " and " WG_CONFIG_NAME " exist: only the "
			  "WireGuard unit runs (it conflicts with OpenVPN's); remove one");
	if (wg_conf_load(path, &wg) < 0) {
		printf("%s: not usable by qubes-vpn-wg (see above)\n", path);
		return 1;
	}
	if (!wg_conf_covers_all(&wg, AF_INET))
		warn_line(c, 0, "AllowedIPs does not cover 0.0.0.0/0: downstream IPv4 traffic to "
			  "other addresses is refused (dropped in the tunnel)");
	if (!wg_conf_has_family(&wg, AF_INET6))
		warn_line(c, 0, "no IPv6 Address: downstream IPv6 traffic is refused (blocked)");
	else if (!wg_conf_covers_all(&wg, AF_INET6))
		warn_line(c, 0, "AllowedIPs does not cover ::/0: downstream IPv6 traffic to other "
			  "addresses is refused (dropped in the tunnel)");
	if (!wg.ndns4 && !wg.ndns6)
		warn_line(c, 0, "no usable DNS server: downstream DNS is refused (blocked)");
	memset(&wg, 0, sizeof(wg));
	printf("%s: %d warning%s\n", path, c->warnings, c->warnings == 1 ? "" : "s");
	return 0;
}

static int read_file(const char *path, char *buf, size_t size, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	*len = 0;
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf + *len, size - 1 - *len)) > 0)
		*len += (size_t)n;
	close(fd);
	buf[*len] = '\0';
	if (n < 0)
		return -errno;
	return *len >= size - 1 ? -EFBIG : 0;
}

static int write_file(const char *path, const char *data, size_t len, mode_t mode,
		      uid_t uid, gid_t gid)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len || fchown(fd, uid, gid) < 0 ||
	    fchmod(fd, mode) < 0 || fsync(fd) < 0)
		err = errno ? -errno : -EIO;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (err)
		unlink(path);
	return err;
}

/* ---- the editor ---- */

/* Who edits: the user who ran sudo, or ourselves. */
static void editing_user(uid_t *uid, gid_t *gid)
{
	const char *u = getenv("SUDO_UID"), *g = getenv("SUDO_GID");
	char *end;
	unsigned long v;

	*uid = getuid();
	*gid = getgid();
	if (u && g && getuid() == 0) {
		v = strtoul(u, &end, 10);
		if (*u && !*end && v > 0 && v < 0xfffffffe)
			*uid = (uid_t)v;
		v = strtoul(g, &end, 10);
		if (*g && !*end && v < 0xfffffffe)
			*gid = (gid_t)v;
	}
}

/* argv for the editor on file: VISUAL / EDITOR split on blanks (never a
 * shell), else graphical editors when there is a display, else terminal
 * editors, in a terminal emulator when we have no terminal. */
static int choose_editor(const char *file, char **argv, char *store, size_t size)
{
	static const char *graphical[] = { "gnome-text-editor", "gedit", "mousepad", "kwrite",
					   "kate", "xed", "pluma", "featherpad", NULL };
	static const char *terminal[] = { "nano", "vim", "vi", NULL };
	static const char *emulators[] = { "x-terminal-emulator", "xfce4-terminal",
					   "gnome-terminal", "konsole", "xterm", NULL };
	const char *env[2] = { getenv("VISUAL"), getenv("EDITOR") };
	int display = getenv("DISPLAY") || getenv("WAYLAND_DISPLAY");
	char path[512], term[512];
	unsigned i, j, n = 0;
	char *tok, *save;

	for (i = 0; i < 2; i++) {
		if (!env[i] || !env[i][0] || strlen(env[i]) >= size)
			continue;
		snprintf(store, size, "%s", env[i]);
		for (tok = strtok_r(store, " \t", &save); tok && n < 14;
		     tok = strtok_r(NULL, " \t", &save))
			argv[n++] = tok;
		if (n && (argv[0][0] == '/' || helper_find(argv[0], path, sizeof(path)) == 0)) {
			argv[n++] = (char *)file;
			argv[n] = NULL;
			return 0;
		}
		n = 0;
	}
	for (i = 0; display && graphical[i]; i++)
		if (helper_find(graphical[i], path, sizeof(path)) == 0) {
			argv[0] = (char *)graphical[i];
			argv[1] = !strcmp(graphical[i], "gedit") ? "--wait" : (char *)file;
			argv[2] = !strcmp(graphical[i], "gedit") ? (char *)file : NULL;
			argv[3] = NULL;
			return 0;
		}
	for (i = 0; terminal[i]; i++) {
		if (helper_find(terminal[i], path, sizeof(path)) < 0)
			continue;
		if (isatty(STDIN_FILENO)) {
			argv[0] = (char *)terminal[i];
			argv[1] = (char *)file;
			argv[2] = NULL;
			return 0;
		}
		for (j = 0; display && emulators[j]; j++)
			if (helper_find(emulators[j], term, sizeof(term)) == 0) {
				argv[0] = (char *)emulators[j];
				argv[1] = "-e";
				argv[2] = (char *)terminal[i];
				argv[3] = (char *)file;
				argv[4] = NULL;
				return 0;
			}
	}
	return -ENOENT;
}

/* Run the editor as uid/gid with the caller's terminal, in the user's own
 * session environment (display, bus, locale), and wait for it. */
static int run_editor(char **argv, uid_t uid, gid_t gid)
{
	static const char *keep[] = { "DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY", "LANG",
				      "LC_ALL", "TERM", "DBUS_SESSION_BUS_ADDRESS",
				      "XDG_RUNTIME_DIR", NULL };
	char *envp[16], vars[12][512], path[512];
	struct account pw;
	int have_pw = account_find(ACCOUNTS_PASSWD, NULL, uid, &pw) == 0 && pw.home[0];
	unsigned i, n = 0;
	int status;
	pid_t pid;

	if (argv[0][0] == '/')
		snprintf(path, sizeof(path), "%s", argv[0]);
	else if (helper_find(argv[0], path, sizeof(path)) < 0)
		return -ENOENT;
	for (i = 0; keep[i] && n < 9; i++) {
		const char *v = getenv(keep[i]);

		if (v && strlen(v) < 400) {
			snprintf(vars[n], sizeof(vars[n]), "%s=%s", keep[i], v);
			envp[n] = vars[n];
			n++;
		}
	}
	snprintf(vars[n], sizeof(vars[n]), "HOME=%s", have_pw ? pw.home : "/");
	envp[n] = vars[n];
	n++;
	snprintf(vars[n], sizeof(vars[n]), "PATH=%s", HELPER_DEFAULT_PATH);
	envp[n] = vars[n];
	n++;
	envp[n] = NULL;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (uid != getuid() &&
		    (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
		     setresuid(uid, uid, uid) < 0))
			_exit(126);
		execve(path, argv, envp);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- main ---- */

static int ensure_dir(const char *dir, gid_t vpn_gid)
{
	struct stat st;

	if (lstat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			log_err("%s exists and is not a directory", dir);
			return -ENOTDIR;
		}
		return 0;
	}
	if (mkdir(dir, 0750) < 0 || chown(dir, 0, vpn_gid) < 0 || chmod(dir, 0750) < 0) {
		log_err("creating %s: %s", dir, strerror(errno));
		return -errno;
	}
	printf("created %s (mode 0750, group %s)\n", dir, vpn_gid ? VPN_USER : "root");
	return 0;
}

int configurator_main(int argc, char **argv)
{
	static char old[CONFIG_MAX], new[CONFIG_MAX];
	const char *dir = CONFIG_DIR;
	char conf[512], tmpdir[] = "/tmp/qubes-vpn-config.XXXXXX", tmp[600], next[600];
	char *edargv[16], edstore[512];
	struct check_ctx c = { 0 };
	struct account pw, gr;
	size_t oldlen = 0, newlen = 0;
	int check_only = 0, i, rc, have_old;
	uid_t uid;
	gid_t gid, vpn_gid = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--dir") && i + 1 < argc && argv[i + 1][0] == '/') {
			dir = argv[++i];
		} else if (!strcmp(argv[i], "--check")) {
			check_only = 1;
		} else {
			usage_error("unexpected argument '%s'", argv[i]);
		}
	}
	if (strlen(dir) > 400)
		usage_error("DIR is too long");
	snprintf(conf, sizeof(conf), "%s/" CONFIG_NAME, dir);
	c.dir = dir;
	c.has_vpn_user = account_find(ACCOUNTS_PASSWD, VPN_USER, 0, &pw) == 0;
	c.vpn_uid = c.has_vpn_user ? (uid_t)pw.id : 0;
	vpn_gid = account_find(ACCOUNTS_GROUP, VPN_USER, 0, &gr) == 0 ? (gid_t)gr.id : 0;

	if (!check_only && geteuid() != 0) {
		log_err("needs root to write %s: run 'sudo qubes-vpn-configurator'", dir);
		return 1;
	}
	rc = read_file(conf, old, sizeof(old), &oldlen);
	have_old = rc == 0;
	if (rc < 0 && rc != -ENOENT) {
		log_err("reading %s: %s", conf, strerror(-rc));
		return 1;
	}
	if (check_only && (rc = check_wireguard(&c, have_old)) >= 0)
		return rc;
	if (check_only) {
		if (!have_old) {
			log_err("%s does not exist", conf);
			return 1;
		}
		check_config(&c, old);
		printf("%s: %d warning%s\n", conf, c.warnings, c.warnings == 1 ? "" : "s");
		return 0;
	}
	if (ensure_dir(dir, vpn_gid) < 0)
		return 1;
	if (!have_old) {
		memcpy(old, sample, sizeof(sample));
		oldlen = sizeof(sample) - 1;
	}

	/* The user's copy, in a directory only that user can enter. */
	editing_user(&uid, &gid);
	if (!mkdtemp(tmpdir) || chown(tmpdir, uid, gid) < 0) {
		log_err("creating a temporary directory: %s", strerror(errno));
		return 1;
	}
	snprintf(tmp, sizeof(tmp), "%s/" CONFIG_NAME, tmpdir);
	rc = write_file(tmp, old, oldlen, 0600, uid, gid);
	if (rc < 0) {
		log_err("writing %s: %s", tmp, strerror(-rc));
		rmdir(tmpdir);
		return 1;
	}
	if (choose_editor(tmp, edargv, edstore, sizeof(edstore)) < 0) {
		log_err("no editor found: set VISUAL or EDITOR, or install nano");
		rc = 1;
		goto out;
	}
	rc = run_editor(edargv, uid, gid);
	if (rc != 0) {
		log_err("the editor (%s) %s: nothing changed", edargv[0],
			rc < 0 ? strerror(-rc) : "failed");
		rc = 1;
		goto out;
	}
	rc = read_file(tmp, new, sizeof(new), &newlen);
	if (rc < 0) {
		log_err("reading the edited copy: %s", strerror(-rc));
		rc = 1;
		goto out;
	}
	if (have_old && newlen == oldlen && !memcmp(old, new, newlen)) {
		printf("%s unchanged: nothing replaced\n", conf);
		rc = 0;
		goto out;
	}
	/* check_config cuts the text it reads: it gets a copy, in old (no
	 * longer needed). */
	memcpy(old, new, newlen + 1);
	check_config(&c, old);
	snprintf(next, sizeof(next), "%s/.%s.new", dir, CONFIG_NAME);
	unlink(next);
	rc = write_file(next, new, newlen, 0640, 0, vpn_gid);
	if (rc == 0 && rename(next, conf) < 0)
		rc = -errno;
	if (rc < 0) {
		log_err("replacing %s: %s", conf, strerror(-rc));
		unlink(next);
		rc = 1;
		goto out;
	}
	printf("%s %s (%d warning%s)\n", conf, have_old ? "replaced" : "created", c.warnings,
	       c.warnings == 1 ? "" : "s");
	rc = 0;
out:
	unlink(tmp);
	rmdir(tmpdir);
	return rc;
}
