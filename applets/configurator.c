/* configurator.c - write the VPN configuration safely: a provider's .ovpn
 * imported, or the desktop user's editor on a private temporary copy; either
 * way normalised for this qube (every change said and marked in the file),
 * credentials stored for the unit's user, and the real file replaced
 * (atomically, right owner and mode) only once OpenVPN itself accepts it.
 *
 * Usage: qubes-vpn-configurator [--dir DIR] [--check | --import FILE.ovpn]
 * [--credentials] [--credentials-from FILE|-] (a user with sudo, or the
 * menu entry). --import of a WireGuard configuration (an [Interface]
 * section) checks it with qubes-vpn-wg's parser and writes it to
 * DIR/wireguard.conf as it is, root:qubes-vpn 0640. Contract: the input is hostile text, read line by line as
 * OpenVPN reads it (bounded: 256 KiB, 254-byte lines); the configuration
 * is replaced only once the whole new one is written and OpenVPN, run as
 * the unit runs it but in an empty network namespace, got past reading it
 * within 10 s (credentials asked for are stored just before that check);
 * credentials are never shown. Exit status: 0 done
 * (warnings may have been printed), 1 failed (nothing replaced), 2 usage. */
#define _GNU_SOURCE   /* unshare, strchrnul, _Fork */
#include "applets.h"
#include "../lib/help.h"
#include "../lib/log.h"
#include "../lib/rundir.h"
#include "../lib/accounts.h"
#include "../lib/helper.h"
#include "../lib/ovpnconf.h"
#include "../lib/ovpnenv.h"
#include "../lib/sanitize.h"
#include "../lib/wgconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sched.h>    /* unshare */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define CONFIG_DIR "/rw/config/qubes-vpn"
#define CONFIG_NAME "qubes-vpn.conf"
#define CRED_NAME OVPNCONF_CRED_NAME
#define PASS_NAME OVPNCONF_PASS_NAME
#define VPN_USER OVPNCONF_USER
#define WG_CONFIG_NAME "wireguard.conf"   /* qubes-vpn-wg.service runs where it exists */
#define CONFIG_MAX (256 * 1024)
#define DRY_RUN_MS 10000

HELP_TEXT(configurator,
"Usage: qubes-vpn-configurator [--dir DIR] [--check]\n"
"       qubes-vpn-configurator [--dir DIR] [--import FILE.ovpn] [--credentials]\n"
"                              [--credentials-from FILE|-]\n"
"\n"
"Writes the Qubes VPN's OpenVPN configuration, DIR/qubes-vpn.conf (DIR is\n"
CONFIG_DIR "). Creates DIR if missing (mode 0750, group " VPN_USER ").\n"
"Without --import it opens your editor ($VISUAL, $EDITOR, else a graphical\n"
"or terminal editor found on PATH) as you, not as root, on a temporary copy\n"
"(a commented sample when there is no configuration yet).\n"
"--import FILE takes a provider's .ovpn file as it is (a WireGuard file, one\n"
"with an [Interface] section, is checked as qubes-vpn-wg reads it and\n"
"written to DIR/" WG_CONFIG_NAME ", mode 0640). Either way the new OpenVPN\n"
"configuration is normalised: options that are fatal on Linux, run programs,\n"
"or fight the unit or the kill switch are commented out, each change said\n"
"and marked in the file. Credentials are asked for when it says\n"
"'auth-user-pass' or 'askpass' without a file, or with --credentials, and\n"
"kept in DIR/" CRED_NAME " (and DIR/" PASS_NAME "), mode 0600, owned by " VPN_USER ".\n"
"--credentials-from FILE|- reads them instead: user name, password, then\n"
"the key's passphrase, one per line. OpenVPN then checks the result, as the\n"
"unit runs it, in an empty network namespace: only what it accepts replaces\n"
"the configuration. With --check it only checks the current one; where\n"
"DIR/" WG_CONFIG_NAME " exists (WireGuard, qubes-vpn-wg.service), --check\n"
"checks that instead (edit it with your editor, mode 0640 or 0600).\n"
"Needs root for DIR: run it with sudo (the menu entry does).\n"
"Exit status: 0 done (warnings may have been printed), 1 failed, 2 usage.\n");

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
"# To start from your provider's .ovpn file instead, quit and run\n"
"#   sudo qubes-vpn-configurator --import FILE.ovpn\n"
"# For a user name and password, leave 'auth-user-pass' without a file:\n"
"# you are asked for them when you save, and they are kept in\n"
"# " CRED_NAME " (mode 0600, owned by " VPN_USER "). Other files go beside\n"
"# this one, owned by " VPN_USER ", mode 0600 for secrets.\n"
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
"# auth-user-pass\n"
"# tls-crypt tls-crypt.key\n";
/* ---- files ---- */

/* What a WireGuard configuration would refuse, said plainly (warnings on
 * stderr); the count. */
static unsigned wg_warnings(const struct wg_conf *wg, int have_openvpn)
{
	const char *warn[5];
	unsigned n = 0, i;

	if (have_openvpn)
		warn[n++] = CONFIG_NAME " (OpenVPN) is kept but not used: while " WG_CONFIG_NAME
			    " exists only the WireGuard unit runs; to go back to OpenVPN, remove "
			    WG_CONFIG_NAME " and run 'sudo systemctl start qubes-vpn.service'";
	n += wg_conf_gaps(wg, warn + n);
	if (!wg->ndns4 && !wg->ndns6)
		warn[n++] = "no usable DNS server: downstream DNS is refused (blocked)";
	for (i = 0; i < n; i++)
		fprintf(stderr, "warning: %s\n", warn[i]);
	return n;
}

static struct wg_conf wg;

/* --check for WireGuard: -1 when dir has no WireGuard configuration (go on
 * with OpenVPN's), otherwise the exit status. The same parser as
 * qubes-vpn-wg up; what it would refuse is an error, traffic the tunnel
 * would not carry a warning. */
static int check_wireguard(const char *dir, int have_openvpn)
{
	char path[512];
	unsigned n;

	snprintf(path, sizeof(path), "%s/" WG_CONFIG_NAME, dir);
	if (access(path, F_OK) < 0)
		return -1;
	if (wg_conf_load(path, &wg) < 0) {
		printf("%s: not usable by qubes-vpn-wg (see above)\n", path);
		return 1;
	}
	n = wg_warnings(&wg, have_openvpn);
	explicit_bzero(&wg, sizeof(wg));
	printf("%s: %u warning%s\n", path, n, n == 1 ? "" : "s");
	return 0;
}

/* A WireGuard configuration to import: wg-quick's format has an
 * [Interface] line, which no OpenVPN configuration can have. */
static int is_wireguard(const char *text)
{
	static const char section[] = "[interface]";   /* as the parser: any case */
	const char *p = text;
	unsigned i;

	for (; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		p += strspn(p, " \t");
		for (i = 0; section[i] && tolower((unsigned char)p[i]) == section[i]; i++)
			;
		if (!section[i])
			return 1;
	}
	return 0;
}

static int replace_file(const char *dir, const char *name, const char *data, size_t len,
			mode_t mode, uid_t uid, gid_t gid);

/* --import of a WireGuard configuration: checked by qubes-vpn-wg's own
 * parser, then written as it is (the private key in it: root, group
 * qubes-vpn, 0640, renamed over DIR/wireguard.conf, never a link's
 * target). The key is never printed. Exit status. */
static int import_wireguard(const char *dir, const char *from, const char *text, size_t len,
			    int have_openvpn, gid_t gid)
{
	unsigned n;
	int rc;

	printf("%s: a WireGuard configuration (wg-quick's format: it has an [Interface] "
	       "section)\n", from);
	rc = wg_conf_parse(text, len, &wg);
	n = rc < 0 ? 0 : wg_warnings(&wg, have_openvpn);
	explicit_bzero(&wg, sizeof(wg));
	if (rc == 0)
		rc = replace_file(dir, WG_CONFIG_NAME, text, len, 0640, 0, gid);
	if (rc < 0) {
		log_err("nothing written: %s", rc == -EINVAL ? "qubes-vpn-wg would refuse it "
			"(see above)" : strerror(-rc));
		return 1;
	}
	printf("%s/" WG_CONFIG_NAME " written (mode 0640, owner root, group " VPN_USER
	       ", %u warning%s): qubes-vpn-wg.service runs it from now on, instead of OpenVPN.\n"
	       "A running qubes-vpn-wg.service restarts with it by itself; otherwise start it "
	       "with 'sudo systemctl start qubes-vpn-wg.service' (which stops OpenVPN's unit). "
	       "It starts by itself when the qube starts.\n",
	       dir, n, n == 1 ? "" : "s");
	return 0;
}

/* A whole regular file (rundir.c's reader): 0, or -EFBIG, or -errno. */
static int read_file(const char *path, char *buf, size_t size, size_t *len)
{
	ssize_t n = read_small_file(path, buf, size, NULL);

	*len = n > 0 ? (size_t)n : 0;
	return n < 0 ? (int)n : 0;
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
	unsigned long v;

	*uid = getuid();
	*gid = getgid();
	if (u && g && getuid() == 0) {
		if (parse_decimal(u, &v) == 0 && v > 0 && v < 0xfffffffe)
			*uid = (uid_t)v;
		if (parse_decimal(g, &v) == 0 && v < 0xfffffffe)
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
/* become: in a child about to run another program, drop every group and
 * become uid:gid for good. The process is single-threaded, so the system
 * calls themselves do it: libc's setgroups/setresuid/setresgid would apply
 * them to every thread, machinery (and bytes) a single thread needs none
 * of. Returns -1 (errno set) if any of them fails. */
static int become(uid_t uid, gid_t gid)
{
	return syscall(SYS_setgroups, 0, NULL) < 0 || syscall(SYS_setresgid, gid, gid, gid) < 0 ||
	       syscall(SYS_setresuid, uid, uid, uid) < 0 ? -1 : 0;
}

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

	pid = _Fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (uid != getuid() && become(uid, gid) < 0)
			_exit(126);
		execve(path, argv, envp);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- credentials ---- */

/* One line of at most size-1 bytes from fd, without its line break; no
 * control characters. 0, -ENODATA at the end of input, -EINVAL. */
static int read_line_fd(int fd, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t r;
	char ch;

	while ((r = read(fd, &ch, 1)) == 1 && ch != '\n') {
		if (ch == '\r')
			continue;
		if ((unsigned char)ch < 0x20 || ch == 0x7f || n + 1 >= size)
			return -EINVAL;
		buf[n++] = ch;
	}
	buf[n] = '\0';
	if (r < 0)
		return -errno;
	return n ? 0 : r == 1 ? -EINVAL : -ENODATA;
}

/* Ask on the terminal (fd 0) with prompt; hidden: echo off meanwhile. */
static int ask(const char *prompt, int hidden, char *buf, size_t size)
{
	struct termios old, quiet;
	int rc, echo_off;

	echo_off = hidden && tcgetattr(STDIN_FILENO, &old) == 0;
	if (echo_off) {   /* before the prompt: what is typed after it is not echoed */
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	fputs(prompt, stderr);
	rc = read_line_fd(STDIN_FILENO, buf, size);
	if (echo_off) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputs("\n", stderr);
	}
	return rc;
}

/* Write data to dir/name, mode 0600, owned by uid:gid, replacing it
 * atomically: a new file (O_EXCL, O_NOFOLLOW) renamed over it. */
static int write_file(const char *path, const char *data, size_t len, mode_t mode,
		      uid_t uid, gid_t gid);
static int replace_file(const char *dir, const char *name, const char *data, size_t len,
			mode_t mode, uid_t uid, gid_t gid)
{
	char path[512], tmp[512];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.new", dir, name);
	unlink(tmp);
	rc = write_file(tmp, data, len, mode, uid, gid);
	if (rc == 0 && rename(tmp, path) < 0) {
		rc = -errno;
		unlink(tmp);
	}
	return rc;
}

/* Get the user name and password (and the key's passphrase) the
 * configuration needs: from FILE or stdin ("-") for scripts, else asked on
 * the terminal. Stored for the unit's user; never shown. */
static int store_credentials(const struct ovpnconf *c, const char *from, uid_t uid, gid_t gid)
{
	char user[256], pass[256], data[520];
	int fd = STDIN_FILENO, rc = 0, n;

	if (from && strcmp(from, "-") && (fd = open(from, O_RDONLY | O_CLOEXEC)) < 0) {
		log_err("reading %s: %s", from, strerror(errno));
		return -1;
	}
	if (!from && !isatty(STDIN_FILENO)) {
		log_err("no terminal to ask for the credentials on: use --credentials-from FILE or -");
		return -1;
	}
	if (c->need_creds) {
		rc = from ? read_line_fd(fd, user, sizeof(user)) : ask("User name: ", 0, user, sizeof(user));
		if (rc == 0)
			rc = from ? read_line_fd(fd, pass, sizeof(pass)) :
				    ask("Password: ", 1, pass, sizeof(pass));
		n = snprintf(data, sizeof(data), "%s\n%s\n", user, pass);
		if (rc == 0)
			rc = replace_file(c->dir, CRED_NAME, data, (size_t)n, 0600, uid, gid);
	}
	if (rc == 0 && c->need_pass) {
		rc = from ? read_line_fd(fd, pass, sizeof(pass)) :
			    ask("Private key passphrase: ", 1, pass, sizeof(pass));
		n = snprintf(data, sizeof(data), "%s\n", pass);
		if (rc == 0)
			rc = replace_file(c->dir, PASS_NAME, data, (size_t)n, 0600, uid, gid);
	}
	explicit_bzero(pass, sizeof(pass));
	explicit_bzero(data, sizeof(data));
	if (fd != STDIN_FILENO)
		close(fd);
	if (rc < 0) {
		log_err("credentials: %s", rc == -EINVAL ? "empty, too long (255 bytes at most) or "
			"with control characters" : rc == -ENODATA ? "missing" : strerror(-rc));
		return -1;
	}
	printf("credentials stored in %s, mode 0600, owned by " VPN_USER "\n", c->dir);
	return 0;
}

/* ---- the dry run ---- */

/* Under SELinux, a program run from an unconfined user's process may
 * enter its own domain (Fedora starts OpenVPN in openvpn_t), where the
 * dry run's pipe and files may not be its to use: the next exec keeps
 * this process's domain, as the editor and the other helpers do. Without
 * SELinux nothing changes (AppArmor refuses a context as its exec value;
 * without a security module there is nothing to read). */
static void keep_domain_on_exec(void)
{
	char ctx[256];
	ssize_t n = -1;
	int fd = open("/proc/thread-self/attr/current", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, ctx, sizeof(ctx) - 1);
		close(fd);
	}
	while (n > 0 && (ctx[n - 1] == '\0' || ctx[n - 1] == '\n'))
		n--;
	if (n <= 0)
		return;
	fd = open("/proc/thread-self/attr/exec", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, ctx, (size_t)n) != n)
			log_debug("SELinux: keeping the domain for the dry run: %s", strerror(errno));
		close(fd);
	}
}

/* OpenVPN reads the configuration file conf, in dir (its --cd), with the
 * options the unit adds (the hooks are this binary), as the unit's user, stdin /dev/null, a minimal
 * environment, in the network namespace the caller made empty. Once it
 * has read every option and file and tries to reach its server it can
 * only fail and restart (SIGUSR1): that is a pass. Exiting before, or
 * DRY_RUN_MS without either, is a refusal. Its output is kept in out.
 * 0 accepted, 1 refused, -errno. */
static int dry_run(const char *dir, const char *conf, uid_t uid, gid_t gid, char *out, size_t size)
{
	static char *const envp[] = { "PATH=" HELPER_DEFAULT_PATH, "LANG=C", NULL };
	char exe[512];
	char *argv[] = { "openvpn", "--cd", (char *)dir, "--config", (char *)conf,
			 "--route-noexec", "--script-security", "2", "--up", exe, "--down", exe,
			 "--up-restart", "--persist-tun", "--verb", "1", "--suppress-timestamps",
			 "--connect-retry", "0", "--connect-retry-max", "1", NULL };
	static const int outcome[] = { 0, 1, -ETIMEDOUT, -ENOENT };   /* by the child's exit status */
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *shared;
	int status, rc;
	pid_t pid;

	if (n <= 0)
		return -ENOENT;
	exe[n] = '\0';
	/* A child becomes the unit's user and runs OpenVPN through helper_run
	 * (which never changes user); its output comes back in a shared
	 * mapping, the outcome in its exit status. helper_run's time limit
	 * bounds the wait. */
	shared = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return -errno;
	shared[0] = '\0';
	pid = _Fork();
	if (pid == 0) {
		if (become(uid, gid) < 0)
			_exit(4);
		rc = helper_run(argv, envp, NULL, shared, size, DRY_RUN_MS);
		_exit(ovpnconf_find(shared, "SIGUSR1[") ? 0 : rc == -ETIMEDOUT ? 2 : rc == -ENOENT ? 3 : 1);
	}
	rc = -errno;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pid > 0) {
		memcpy(out, shared, size);
		out[size - 1] = '\0';
		rc = !WIFEXITED(status) || WEXITSTATUS(status) > 3 ? -EPERM :
		     outcome[WEXITSTATUS(status)];
	}
	munmap(shared, size);
	return rc;
}

/* Say why OpenVPN refused the configuration: its own words (without the
 * dry run's file name), then the line it names. */
static void show_refusal(const char *out, const char *name, const char *text, const char *src)
{
	char line[256], shown[256];
	const char *p, *end, *at;
	unsigned want = 0, n;

	for (p = out; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, '\n');
		if (end - p < 2 || !strncmp(p, "Use --help", 10))
			continue;
		snprintf(line, sizeof(line), "%.*s", (int)(end - p), p);
		sanitize_text(line, shown, sizeof(shown));
		fprintf(stderr, "openvpn: %s\n", shown);
		at = ovpnconf_find(line, name);
		if (at && at[strlen(name)] == ':')
			for (at += strlen(name) + 1, want = 0; *at >= '0' && *at <= '9' && want < 1000000; at++)
				want = want * 10 + (unsigned)(*at - '0');
	}
	for (p = text, n = 1; want && *p && n < want; p++)
		n += *p == '\n';
	if (want && *p) {
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
		sanitize_text(line, shown, sizeof(shown));
		fprintf(stderr, "line %u of %s: %s\n", want, src, shown);
	}
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

/* The edited text in new: the user's editor on a private copy of old.
 * 0 edited, 1 unchanged, -1 failed (said). */
static int edit(const char *old, size_t oldlen, int have_old, char *new, size_t size,
		size_t *newlen)
{
	char tmpdir[] = "/tmp/qubes-vpn-config.XXXXXX", tmp[600];
	char *edargv[16], edstore[512];
	uid_t uid;
	gid_t gid;
	int rc;

	/* The user's copy, in a directory only that user can enter. */
	editing_user(&uid, &gid);
	if (!mkdtemp(tmpdir) || chown(tmpdir, uid, gid) < 0) {
		log_err("creating a temporary directory: %s", strerror(errno));
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s/" CONFIG_NAME, tmpdir);
	rc = write_file(tmp, old, oldlen, 0600, uid, gid);
	if (rc < 0) {
		log_err("writing %s: %s", tmp, strerror(-rc));
		rmdir(tmpdir);
		return -1;
	}
	rc = -1;
	if (choose_editor(tmp, edargv, edstore, sizeof(edstore)) < 0) {
		log_err("no editor found: set VISUAL or EDITOR, or install nano");
		goto out;
	}
	rc = run_editor(edargv, uid, gid);
	if (rc != 0) {
		log_err("the editor (%s) %s: nothing changed", edargv[0],
			rc < 0 ? strerror(-rc) : "failed");
		rc = -1;
		goto out;
	}
	rc = read_file(tmp, new, size, newlen);
	if (rc < 0) {
		log_err("reading the edited copy: %s", strerror(-rc));
		rc = -1;
	} else {
		rc = have_old && *newlen == oldlen && !memcmp(old, new, oldlen);
	}
out:
	unlink(tmp);
	rmdir(tmpdir);
	return rc;
}

/* The normaliser's findings: changes on stdout, warnings on stderr. */
static void report(struct ovpnconf *c, int change, unsigned line, const char *msg)
{
	(void)c;
	if (change)
		printf("line %u: %s\n", line, msg);
	else if (line)
		fprintf(stderr, "warning: line %u: %s\n", line, msg);
	else
		fprintf(stderr, "warning: %s\n", msg);
}

int configurator_main(int argc, char **argv)
{
	/* new: the text to check, at most CONFIG_MAX (README: 256 KiB).
	 * norm: its normalised form, which adds a marked comment for each
	 * change (a text that outgrows half as much again is refused, EFBIG).
	 * The current text is read into norm's space (old): it is done with
	 * once edited, before anything is normalised into norm. said:
	 * the first 8 KiB of what OpenVPN says in the dry run. */
	static char new[CONFIG_MAX], norm[CONFIG_MAX + CONFIG_MAX / 2];
	static char said[8192];
	char *old = norm;
	const char *dir = CONFIG_DIR, *import = NULL, *cred_from = NULL;
	char conf[512], next[600], checkdir[600], cand[640];
	struct ovpnconf c = { 0 };
	struct stat st;
	struct account pw, gr;
	size_t oldlen = 0, newlen = 0;
	int check_only = 0, i, rc, have_old;
	gid_t vpn_gid = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			help_print(&usage);
			return 0;
		} else if (!strcmp(argv[i], "--dir") && i + 1 < argc && argv[i + 1][0] == '/') {
			dir = argv[++i];
		} else if (!strcmp(argv[i], "--check")) {
			check_only = 1;
		} else if (!strcmp(argv[i], "--import") && i + 1 < argc) {
			import = argv[++i];
		} else if (!strcmp(argv[i], "--credentials")) {
			c.want_creds = 1;
		} else if (!strcmp(argv[i], "--credentials-from") && i + 1 < argc) {
			cred_from = argv[++i];
		} else {
			usage_error("unexpected argument '%s'", argv[i]);
		}
	}
	if (strlen(dir) > 400)
		usage_error("DIR is too long");
	if (check_only && (import || c.want_creds || cred_from))
		usage_error("--check only checks: no --import or credentials with it");
	/* Without --import, credentials are for the current configuration. */
	if (!import && cred_from)
		c.want_creds = 1;
	snprintf(conf, sizeof(conf), "%s/" CONFIG_NAME, dir);
	c.dir = dir;
	c.check_only = check_only;
	c.report = report;
	c.has_vpn_user = account_find(ACCOUNTS_PASSWD, VPN_USER, 0, &pw) == 0;
	c.vpn_uid = c.has_vpn_user ? (uid_t)pw.id : 0;
	vpn_gid = account_find(ACCOUNTS_GROUP, VPN_USER, 0, &gr) == 0 ? (gid_t)gr.id : 0;

	if (!check_only && geteuid() != 0) {
		log_err("needs root to write %s: run 'sudo qubes-vpn-configurator'", dir);
		return 1;
	}
	rc = read_file(conf, old, (size_t)CONFIG_MAX, &oldlen);
	have_old = rc == 0;
	if (rc < 0 && rc != -ENOENT) {
		log_err("reading %s: %s", conf, strerror(-rc));
		return 1;
	}
	if (check_only && (rc = check_wireguard(dir, have_old)) >= 0)
		return rc;
	if (check_only) {
		if (!have_old) {
			log_err("%s does not exist", conf);
			return 1;
		}
		rc = ovpnconf_normalise(&c, old);
		printf("%s: %d warning%s\n", conf, c.warnings, c.warnings == 1 ? "" : "s");
		return rc < 0;
	}
	if (!c.has_vpn_user) {
		log_err("there is no user " VPN_USER " to run OpenVPN as: is qubes-vpn installed?");
		return 1;
	}
	if (ensure_dir(dir, vpn_gid) < 0)
		return 1;

	/* The new text, in new: imported, the current one (for new
	 * credentials), or edited. */
	if (import || c.want_creds) {
		rc = read_file(import ? import : conf, new, sizeof(new), &newlen);
		if (rc < 0) {
			log_err("reading %s: %s", import ? import : conf,
				rc == -EFBIG ? "larger than 256 KiB" : strerror(-rc));
			return 1;
		}
	} else {
		if (!have_old) {
			memcpy(old, sample, sizeof(sample));
			oldlen = sizeof(sample) - 1;
		}
		rc = edit(old, oldlen, have_old, new, sizeof(new), &newlen);
		if (rc) {
			if (rc > 0)
				printf("%s unchanged: nothing replaced\n", conf);
			return rc < 0;
		}
	}
	if (import && is_wireguard(new)) {
		if (c.want_creds || cred_from)
			usage_error("credentials are for OpenVPN: %s is a WireGuard configuration",
				    import);
		rc = import_wireguard(dir, import, new, newlen, have_old, vpn_gid);
		explicit_bzero(new, newlen);
		return rc;
	}
	if (strlen(new) != newlen) {
		log_err("%s has NUL bytes: it is not an OpenVPN configuration", import ? import : conf);
		return 1;
	}
	c.out = norm;
	c.size = sizeof(norm);
	if (ovpnconf_normalise(&c, new) < 0) {
		log_err("nothing replaced: %s is kept as it was", conf);
		return 1;
	}
	/* Credentials stored before are used again, unless new ones are asked for. */
	for (i = 0; i < 2 && !c.want_creds; i++) {
		snprintf(next, sizeof(next), "%s/%s", dir, i ? PASS_NAME : CRED_NAME);
		if (*(i ? &c.need_pass : &c.need_creds) && access(next, F_OK) == 0) {
			*(i ? &c.need_pass : &c.need_creds) = 0;
			printf("using %s, stored before (--credentials replaces it)\n", next);
		}
	}
	if ((c.need_creds || c.need_pass) && store_credentials(&c, cred_from, c.vpn_uid, vpn_gid) < 0) {
		log_err("nothing replaced: %s is kept as it was", conf);
		return 1;
	}

	/* OpenVPN reads the new text from DIR/.dry-run (made once, root,
	 * group qubes-vpn, 0750; under SELinux labelled as DIR is), with DIR
	 * as its working directory (relative paths resolve as they will):
	 * DIR itself, which qubes-vpn-config.path watches, sees nothing of a
	 * refusal. */
	snprintf(checkdir, sizeof(checkdir), "%s/.dry-run", dir);
	snprintf(cand, sizeof(cand), "%s/" CONFIG_NAME, checkdir);
	rc = 0;
	if ((mkdir(checkdir, 0750) < 0 && errno != EEXIST) || lstat(checkdir, &st) < 0 ||
	    (S_ISDIR(st.st_mode) && (chown(checkdir, 0, vpn_gid) < 0 || chmod(checkdir, 0750) < 0)))
		rc = -errno;
	else if (!S_ISDIR(st.st_mode))   /* never followed: a link is refused */
		rc = -ENOTDIR;
	if (rc == 0) {
		unlink(cand);
		rc = write_file(cand, norm, c.len, 0640, 0, vpn_gid);
	}
	/* Nothing OpenVPN does in the dry run can reach a network: from
	 * here on this process (which needs none) and its children have a
	 * network namespace of their own, with nothing in it. */
	if (rc == 0 && unshare(CLONE_NEWNET) < 0)
		rc = -errno;
	if (rc == 0) {
		keep_domain_on_exec();
		rc = dry_run(dir, cand, c.vpn_uid, vpn_gid, said, sizeof(said));
	} else {
		log_err("preparing the dry run in %s: %s", checkdir, strerror(-rc));
	}
	if (rc > 0)
		show_refusal(said, cand, norm, import ? import : "the edited configuration");
	unlink(cand);
	if (rc != 0) {
		log_err("%s: nothing replaced, %s is kept as it was",
			rc > 0 ? "OpenVPN refuses the new configuration" :
			rc == -ETIMEDOUT ? "OpenVPN did not finish reading it within 10 s" :
			rc == -ENOENT ? "openvpn is not installed" : strerror(-rc), conf);
		return 1;
	}
	/* Then the same text replaces the configuration: written whole
	 * beside it, renamed over it. */
	snprintf(next, sizeof(next), "%s/.%s.new", dir, CONFIG_NAME);
	unlink(next);
	rc = write_file(next, norm, c.len, 0640, 0, vpn_gid);
	if (rc == 0 && rename(next, conf) < 0)
		rc = -errno;
	if (rc < 0) {
		log_err("replacing %s: %s", conf, strerror(-rc));
		unlink(next);
		return 1;
	}
	printf("%s %s: OpenVPN accepts it (%d change%s, %d warning%s)\n", conf,
	       have_old ? "replaced" : "created", c.changes, c.changes == 1 ? "" : "s",
	       c.warnings, c.warnings == 1 ? "" : "s");
	if (c.host[0])
		printf("remote %s: a host name is fine; OpenVPN looks it up again at every "
		       "reconnection, through this qube's resolver, which names the NetVM's "
		       "whenever the tunnel is down\n", c.host);
	return 0;
}
