/* resolv.c - the one privileged step of qubes-vpn: make the VPN qube's own
 * /etc/resolv.conf, and through it Qubes' DNS plumbing, follow the VPN.
 *
 * Run as root by qubes-vpn-resolv.service, which qubes-vpn-resolv.path
 * starts whenever the hooks' state file (or /etc/resolv.conf) changes. The
 * hooks themselves stay unprivileged: they only write the state file.
 *
 *   connected  -> resolv.conf names the VPN's DNS servers (those the up hook
 *                 accepted), so that Qubes' dnat-dns and qubes-firewall's
 *                 specialtarget=dns follow them: downstream qubes with a
 *                 Qubes firewall may then reach the VPN's DNS;
 *   otherwise  -> the NetVM's resolvers from QubesDB (/qubes-primary-dns,
 *                 /qubes-secondary-dns), as Qubes' setup-ip writes them, so
 *                 that OpenVPN can resolve its server to reconnect.
 *
 * When the file changed, Qubes' own code is asked to follow it:
 * /usr/lib/qubes/qubes-setup-dnat-to-ns, then `systemctl --no-block
 * try-reload-or-restart qubes-firewall.service` (a SIGHUP on Qubes 4.3; a
 * restart on 4.2, whose daemon has no reload). None of this carries the
 * guarantee: the kill switch's own DNS redirect (or drop) binds first. */
#include "applets.h"
#include "../lib/help.h"
#include "../lib/log.h"
#include "../lib/rundir.h"
#include "../lib/helper.h"
#include "../lib/ovpnenv.h"
#include "../lib/qubesdb.h"
#include "../lib/resolver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#define QUBES_DNAT_TO_NS "/usr/lib/qubes/qubes-setup-dnat-to-ns"
#define QUBES_FIREWALL_FLAG "/run/qubes-service/qubes-firewall"

HELP_TEXT(resolv,
"Usage: qubes-vpn-resolv\n"
"\n"
"Makes /etc/resolv.conf follow the VPN, then has Qubes' DNS plumbing\n"
"follow the file. Run as root by qubes-vpn-resolv.service, started by\n"
"qubes-vpn-resolv.path when RUNDIR/state or /etc/resolv.conf changes.\n"
"\n"
"  state=connected  resolv.conf names the VPN's DNS servers recorded by the\n"
"                   up hook (none, if the VPN gave no usable one)\n"
"  anything else    (blocked, off, no state file, a garbled one) the\n"
"                   NetVM's resolvers: QubesDB /qubes-primary-dns and\n"
"                   /qubes-secondary-dns, read over its socket (10.139.1.1\n"
"                   and 10.139.1.2 when QubesDB does not answer)\n"
"\n"
"When the file changed, it runs " QUBES_DNAT_TO_NS "\n"
"and 'systemctl --no-block try-reload-or-restart qubes-firewall.service'\n"
"(only where the qubes-firewall service is enabled), so that Qubes' dnat-dns\n"
"and the specialtarget=dns rules of downstream qubes' firewalls follow it.\n"
"A symlink at /etc/resolv.conf is replaced by a file, as Qubes' setup-ip\n"
"does; a regular file is rewritten in place (it may be a mount point).\n"
"\n"
"Environment: QUBES_VPN_RUNDIR (default /run/qubes-vpn), PATH (for\n"
"systemctl), QUBES_VPN_RESOLV_CONF (default /etc/resolv.conf;\n"
"for tests). Exit status: 0 done (or nothing to do), 1 failure.\n");

#define STATE_MAX 1024
#define RESOLV_MAX 4096
#define NS_MAX 4                 /* 2 per family, as the up hook keeps */
#define HELPER_TIMEOUT_MS 20000
#define QUBESDB_TIMEOUT_MS 2000
#define ROUNDS_MAX 3

/* The VPN's DNS servers from the state file, re-formatted from validated
 * literals: 1 (connected; *n may be 0) or 0 (not connected, or a state
 * file that does not validate, which is treated as not connected). */
static int state_dns(char ns[NS_MAX][INET6_ADDRSTRLEN], unsigned *n)
{
	char text[STATE_MAX], state[16], dns[STATE_MAX], *tok, *save = NULL;
	struct in6_addr a6;
	struct in_addr a4;
	int err;

	*n = 0;
	/* Only a whole file: one cut short may end in a cut address. */
	err = (int)state_read(text, sizeof(text));
	if (err < 0) {
		if (err != -ENOENT)
			log_warn("reading %s/state: %s: treating the VPN as not connected",
				 rundir(), strerror(-err));
		return 0;
	}
	if (strcmp(state_value(text, "state", state, sizeof(state)), "connected"))
		return 0;
	state_value(text, "dns", dns, sizeof(dns));
	for (tok = strtok_r(dns, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (*n == NS_MAX) {
			log_warn("%s/state: more than %d DNS servers: the rest are ignored", rundir(),
				 NS_MAX);
			break;
		}
		if (parse_ipv4(tok, &a4))
			inet_ntop(AF_INET, &a4, ns[(*n)++], INET6_ADDRSTRLEN);
		else if (parse_ipv6(tok, &a6))
			inet_ntop(AF_INET6, &a6, ns[(*n)++], INET6_ADDRSTRLEN);
		else {
			log_warn("%s/state: a DNS server that is not an IP address: treating the "
				 "VPN as not connected", rundir());
			return 0;
		}
	}
	return 1;
}

/* The NetVM's resolvers, as Qubes' setup-ip writes them. */
static void netvm_dns(char ns[NS_MAX][INET6_ADDRSTRLEN], unsigned *n)
{
	static const char *const keys[2] = { "/qubes-primary-dns", "/qubes-secondary-dns" };
	static const char *const defaults[2] = { "10.139.1.1", "10.139.1.2" };
	struct in_addr a[2];
	unsigned i;

	qubesdb_ipv4_keys(keys, defaults, a, 2, QUBESDB_TIMEOUT_MS);
	for (i = 0; i < 2; i++)
		inet_ntop(AF_INET, &a[i], ns[i], INET6_ADDRSTRLEN);
	*n = 2;
}

/* The file's whole text for the current state. */
static void wanted(char *out, size_t size, char *why, size_t whysize)
{
	char ns[NS_MAX][INET6_ADDRSTRLEN];
	unsigned n, i;
	size_t len;
	int connected = state_dns(ns, &n);

	if (!connected)
		netvm_dns(ns, &n);
	snprintf(why, whysize, "%s", connected ? (n ? "the VPN's DNS servers" :
		 "no DNS server: the VPN gave none, downstream DNS is dropped") :
		 "the NetVM's resolvers: the VPN is not connected");
	len = (size_t)snprintf(out, size, "# Written by qubes-vpn-resolv: %s.\n", why);
	for (i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "nameserver %s\n", ns[i]);
}

/* Replace the file's content. A symlink is replaced by a regular file (as
 * Qubes' setup-ip does: it would point at another program's file); a
 * regular file is rewritten in place, keeping its inode, mode and label
 * (it may be a bind mount, where a rename would fail). */
static int write_resolv(const char *path, const char *text)
{
	size_t len = strlen(text);
	struct stat st;
	ssize_t n;
	int fd, err = 0;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && unlink(path) < 0)
		return -errno;
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || (S_ISREG(st.st_mode) && ftruncate(fd, 0) < 0))
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EINVAL;
	else if ((n = write(fd, text, len)) != (ssize_t)len)
		err = n < 0 ? -errno : -EIO;
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}

/* Run one of Qubes' programs; its failure is reported, not fatal: the
 * kill switch's redirect does not depend on it. */
static void run_qubes(char *const argv[], int ok_status)
{
	int rc = helper_run(argv, NULL, NULL, NULL, 0, HELPER_TIMEOUT_MS);

	if (rc == 0 || rc == ok_status)
		log_debug("%s: done (status %d)", argv[0], rc);
	else if (rc < 0)
		log_warn("running %s: %s", argv[0], strerror(-rc));
	else
		log_warn("%s exited with status %d", argv[0], rc);
}

int resolv_main(int argc, char **argv)
{
	static char *const dnat[] = { QUBES_DNAT_TO_NS, NULL };
	static char *const reload[] = { "systemctl", "--no-block", "try-reload-or-restart",
					"qubes-firewall.service", NULL };
	const char *path = dns_resolv_conf_path();
	char text[RESOLV_MAX], now[RESOLV_MAX], why[128];
	int round, err;

	if (wants_help(argc, argv)) {
		help_print(&usage);
		return 0;
	}
	if (argc > 1)
		usage_error("unexpected argument '%s'", argv[1]);

	/* A state change while Qubes' code runs is picked up here: the path
	 * unit does not start a service that is still running again. */
	for (round = 0; round < ROUNDS_MAX; round++) {
		wanted(text, sizeof(text), why, sizeof(why));
		if (read_small_file(path, now, sizeof(now), NULL) >= 0 && !strcmp(now, text)) {
			log_debug("%s already names %s", path, why);
			return 0;
		}
		err = write_resolv(path, text);
		if (err < 0) {
			log_err("writing %s: %s", path, strerror(-err));
			return 1;
		}
		log_info("%s now names %s", path, why);
		if (access(QUBES_DNAT_TO_NS, X_OK) == 0)
			run_qubes(dnat, 100);       /* 100: dnat-dns unchanged */
		if (access(QUBES_FIREWALL_FLAG, F_OK) == 0)
			run_qubes(reload, -1);
	}
	log_warn("the state kept changing while Qubes followed it; the next change "
		 "of the state file runs this again");
	return 0;
}
