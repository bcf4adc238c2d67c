/* unit-lib.c - tests of lib/'s pure parsers, without root or a kernel:
 * OpenVPN's script environment (ovpnenv) on the recorded OpenVPN 2.6
 * environments in tests/fixtures and on hostile variations of them; the
 * text sanitizer that stands between hostile strings and a desktop
 * notification; the notification message format and dom0's parser of it;
 * WireGuard: wg-quick's configuration format, the set=1 request made of
 * it and wireguard-go's replies; the DNS stub's host names, queries, reply
 * parser (hand-built hostile replies) and its files (/etc/hosts,
 * resolv.conf through their test overrides).
 * Run from tests/ (the fixtures' paths are relative). Prints "ok - NAME" /
 * "not ok - NAME" lines; exit 1 if any failed. */
#include "../lib/message.h"
#include "../lib/ovpnconf.h"
#include "../lib/ovpnenv.h"
#include "../lib/resolver.h"
#include "../lib/sanitize.h"
#include "../lib/wgconf.h"
#include "../lib/wguapi.h"
#include "tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static void check_str(const char *name, const char *got, const char *want)
{
	check(name, !strcmp(got, want));
	if (strcmp(got, want))
		printf("#   got:  \"%s\"\n#   want: \"%s\"\n", got, want);
}

/* ---- ovpnenv ---- */

#define ENV_MAX 128
#define LINE_LEN 512

/* A fixture as an environment: NAME=VALUE lines, then the overrides
 * ("NAME=VALUE" replaces or adds; "NAME" alone removes). */
struct env {
	char lines[ENV_MAX][LINE_LEN];
	char *envp[ENV_MAX + 1];
	unsigned n;
};

static int env_load(struct env *e, const char *fixture)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "fixtures/%s", fixture);
	f = fopen(path, "r");
	e->n = 0;
	if (!f)
		return -errno;
	while (e->n < ENV_MAX && fgets(e->lines[e->n], LINE_LEN, f)) {
		e->lines[e->n][strcspn(e->lines[e->n], "\n")] = '\0';
		if (e->lines[e->n][0])
			e->n++;
	}
	fclose(f);
	return e->n ? 0 : -ENODATA;
}

static void env_set(struct env *e, const char *assignment)
{
	size_t k = strcspn(assignment, "=");
	unsigned i;

	for (i = 0; i < e->n; i++)
		if (!strncmp(e->lines[i], assignment, k) && e->lines[i][k] == '=')
			break;
	if (!assignment[k]) {           /* removal */
		if (i < e->n)
			memmove(e->lines[i], e->lines[i + 1], (e->n-- - i - 1) * LINE_LEN);
		return;
	}
	if (i == e->n && e->n < ENV_MAX)
		e->n++;
	snprintf(e->lines[i], LINE_LEN, "%s", assignment);
}

static char *const *env_vec(struct env *e)
{
	unsigned i;

	for (i = 0; i < e->n; i++)
		e->envp[i] = e->lines[i];
	e->envp[e->n] = NULL;
	return e->envp;
}

static const char *a4(const struct in_addr *a, char *buf)
{
	return inet_ntop(AF_INET, a, buf, INET6_ADDRSTRLEN);
}

static const char *a6(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static void test_ovpnenv_fixtures(void)
{
	static struct env env;
	struct ovpn_env e;
	char b[INET6_ADDRSTRLEN];
	int rc;

	check("fixture openvpn-2.6-up.env loads", env_load(&env, "openvpn-2.6-up.env") == 0);
	rc = ovpn_env_parse(env_vec(&env), &e);
	check("up fixture: parsed", rc == 0);
	check_str("up fixture: dev", e.dev, "tun0");
	check("up fixture: IPv4 and IPv6 tunnel addresses", e.has_ipv4 && e.has_ipv6);
	check_str("up fixture: local IPv4", a4(&e.local4, b), "10.8.0.2");
	check_str("up fixture: local IPv6", a6(&e.local6, b), "fd00:8::1000");
	check("up fixture: one DNS server per family", e.ndns4 == 1 && e.ndns6 == 1);
	check_str("up fixture: DNS (dhcp-option DNS)", a4(&e.dns4[0], b), "10.8.0.1");
	check_str("up fixture: DNS6 (dhcp-option DNS6)", a6(&e.dns6[0], b), "fd00:8::1");
	check_str("up fixture: remote from trusted_ip", e.remote, "203.0.113.1");
	check("up fixture: not a restart (script_context=init)", !e.restart);

	env_set(&env, "script_context=restart");
	check("script_context=restart is a restart",
	      ovpn_env_parse(env_vec(&env), &e) == 0 && e.restart);

	check("fixture openvpn-2.6-route-up.env parses",
	      env_load(&env, "openvpn-2.6-route-up.env") == 0 &&
	      ovpn_env_parse(env_vec(&env), &e) == 0 && !strcmp(e.dev, "tun0"));
	check("fixture openvpn-2.6-down.env parses",
	      env_load(&env, "openvpn-2.6-down.env") == 0 &&
	      ovpn_env_parse(env_vec(&env), &e) == 0 && !strcmp(e.dev, "tun0"));
}

/* The up fixture with one change: 0 if it parses, else -errno. */
static int parse_with(const char *assignment, struct ovpn_env *e)
{
	static struct env env;

	if (env_load(&env, "openvpn-2.6-up.env") < 0)
		return -ENOENT;
	env_set(&env, assignment);
	return ovpn_env_parse(env_vec(&env), e);
}

static void test_ovpnenv_hostile(void)
{
	static const char *const bad_dev[] = {
		"dev=tun0;reboot", "dev=", "dev=../tun0", "dev=tun 0", "dev=abcdefghijklmnop",
		"dev", "dev=tun0\n",
	};
	static const char *const refused_dns[] = {
		"foreign_option_2=dhcp-option DNS 127.0.0.1",
		"foreign_option_2=dhcp-option DNS 0.0.0.0",
		"foreign_option_2=dhcp-option DNS 224.0.0.251",
		"foreign_option_2=dhcp-option DNS 169.254.1.1",
		"foreign_option_2=dhcp-option DNS 10.139.1.1",
		"foreign_option_2=dhcp-option DNS 010.8.0.1",
		"foreign_option_2=dhcp-option DNS 10.8.0.1; rm -rf /",
		"foreign_option_2=dhcp-option DNS vpn.example",
		"foreign_option_2=dhcp-option DNS 0x0a080001",
	};
	char name[160], big[1100], b[INET6_ADDRSTRLEN];
	struct ovpn_env e;
	unsigned i;

	for (i = 0; i < sizeof(bad_dev) / sizeof(bad_dev[0]); i++) {
		snprintf(name, sizeof(name), "refused: %s", bad_dev[i]);
		name[strcspn(name, "\n")] = '\0';
		check(name, parse_with(bad_dev[i], &e) == -EINVAL);
	}
	for (i = 0; i < sizeof(refused_dns) / sizeof(refused_dns[0]); i++) {
		snprintf(name, sizeof(name), "DNS server refused: %s", refused_dns[i] + 17);
		check(name, parse_with(refused_dns[i], &e) == 0 && e.ndns4 == 0);
	}
	check("IPv6 DNS: the Qubes virtual DNS address refused",
	      parse_with("foreign_option_3=dhcp-option DNS6 fd09:24ef:4179::a8b:1", &e) == 0 &&
	      e.ndns6 == 0);
	check("IPv6 DNS: a zone id refused",
	      parse_with("foreign_option_3=dhcp-option DNS6 fe80::1%eth0", &e) == 0 &&
	      e.ndns6 == 0);
	check("a duplicate DNS server is kept once",
	      parse_with("foreign_option_4=dhcp-option DNS 10.8.0.1", &e) == 0 && e.ndns4 == 1);
	check("a second DNS server is kept, in order",
	      parse_with("foreign_option_4=dhcp-option DNS 10.8.0.53", &e) == 0 && e.ndns4 == 2 &&
	      !strcmp(a4(&e.dns4[1], b), "10.8.0.53"));
	check("a bad local address is refused",
	      parse_with("ifconfig_local=10.8.0.256", &e) == -EINVAL);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "foreign_option_5=", 17);
	check("a 1100-byte option is ignored, the rest parsed",
	      parse_with(big, &e) == 0 && e.ndns4 == 1);
}

static void test_ovpnenv_checks(void)
{
	struct in_addr v4;
	struct in6_addr v6;

	check("valid_ifname: tun0", valid_ifname("tun0"));
	check("valid_ifname: 15 characters", valid_ifname("abcdefghijklmno"));
	check("valid_ifname: 16 characters refused", !valid_ifname("abcdefghijklmnop"));
	check("valid_ifname: empty, '.', '..', '/' refused",
	      !valid_ifname("") && !valid_ifname(".") && !valid_ifname("..") &&
	      !valid_ifname("a/b"));
	check("parse_ipv4: 10.8.0.1", parse_ipv4("10.8.0.1", &v4));
	check("parse_ipv4: octal, short, trailing space, hex refused",
	      !parse_ipv4("010.8.0.1", &v4) && !parse_ipv4("10.8.1", &v4) &&
	      !parse_ipv4("10.8.0.1 ", &v4) && !parse_ipv4("0xa.8.0.1", &v4));
	check("parse_ipv6: fd00:8::1", parse_ipv6("fd00:8::1", &v6));
	check("parse_ipv6: zone id, IPv4 literal refused",
	      !parse_ipv6("fe80::1%eth0", &v6) && !parse_ipv6("10.8.0.1", &v6));
}

/* ---- sanitize_text ---- */

static void test_sanitize(void)
{
	char out[64];
	size_t n;

	n = sanitize_text("plain text", out, sizeof(out));
	check("sanitize: plain text unchanged, length returned",
	      !strcmp(out, "plain text") && n == 10);
	sanitize_text("a\tb\nc\rd", out, sizeof(out));
	check_str("sanitize: tab and line breaks become spaces", out, "a b c d");
	sanitize_text("a\x01\x1b[31mb\x7f", out, sizeof(out));
	check_str("sanitize: C0 controls, ESC and DEL dropped", out, "a[31mb");
	sanitize_text("a\xc2\x85\xc2\x9b" "b", out, sizeof(out));
	check_str("sanitize: C1 controls (NEL, CSI) dropped", out, "ab");
	sanitize_text("evil\xe2\x80\xae" "gpj.exe\xe2\x81\xa6x\xe2\x80\xaay", out, sizeof(out));
	check_str("sanitize: bidi override, isolate and embedding dropped", out,
		  "evilgpj.exexy");
	sanitize_text("a\xff\xfe" "b\xc0\xaf" "c\xed\xa0\x80" "d", out, sizeof(out));
	check_str("sanitize: invalid UTF-8, overlong and surrogate encodings dropped", out,
		  "abcd");
	sanitize_text("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x94\x92", out, sizeof(out));
	check_str("sanitize: valid UTF-8 kept", out, "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x94\x92");
	n = sanitize_text("\xc3\xa9\xc3\xa9\xc3\xa9", out, 4);
	check("sanitize: cut on a character boundary (size 4: one 2-byte character)",
	      n == 2 && !strcmp(out, "\xc3\xa9"));
	n = sanitize_text("abc", out, 1);
	check("sanitize: size 1 gives the empty string", n == 0 && out[0] == '\0');
	sanitize_text("", out, sizeof(out));
	check_str("sanitize: empty stays empty", out, "");
}

/* ---- the notification message ---- */

/* Parse a copy of text; 0 or -EINVAL with *why. */
static int parse(const char *text, size_t len, enum urgency *u, char *s, char *b,
		 const char **why)
{
	static char buf[NOTIFY_MESSAGE_MAX + 64];

	if (len + 1 > sizeof(buf))
		return -E2BIG;
	memcpy(buf, text, len);
	*why = "";
	return notify_parse(buf, len, u, s, b, why);
}

static void test_message(void)
{
	static const struct {
		const char *name, *text;
	} bad[] = {
		{ "another format", "qubes-vpn-notify/2\nurgency=low\nsummary=s\nbody=b\n" },
		{ "no format line", "urgency=low\nsummary=s\nbody=b\n" },
		{ "lines out of order", NOTIFY_FORMAT "\nsummary=s\nurgency=low\nbody=b\n" },
		{ "a line missing", NOTIFY_FORMAT "\nurgency=low\nsummary=s\n" },
		{ "an extra line", NOTIFY_FORMAT "\nurgency=low\nsummary=s\nbody=b\nx=1\n" },
		{ "no final newline", NOTIFY_FORMAT "\nurgency=low\nsummary=s\nbody=b" },
		{ "an unknown urgency", NOTIFY_FORMAT "\nurgency=urgent\nsummary=s\nbody=b\n" },
		{ "an empty summary", NOTIFY_FORMAT "\nurgency=low\nsummary=\nbody=b\n" },
		{ "a summary of control characters only",
		  NOTIFY_FORMAT "\nurgency=low\nsummary=\x1b\x07\nbody=b\n" },
	};
	static char big[NOTIFY_MESSAGE_MAX + 2];
	char msg[NOTIFY_MESSAGE_MAX], s[NOTIFY_SUMMARY_MAX], b[NOTIFY_BODY_MAX], name[128];
	char long_text[1000];
	const char *why;
	enum urgency u;
	unsigned i;
	int n;

	n = notify_format(msg, sizeof(msg), URGENCY_CRITICAL, "VPN down", "no tunnel\nat all");
	check("message: formatted", n > 0 && (size_t)n < sizeof(msg));
	check_str("message: the documented format, line breaks in text made spaces", msg,
		  NOTIFY_FORMAT "\nurgency=critical\nsummary=VPN down\nbody=no tunnel at all\n");
	check("message: parses back", parse(msg, (size_t)n, &u, s, b, &why) == 0 &&
	      u == URGENCY_CRITICAL && !strcmp(s, "VPN down") && !strcmp(b, "no tunnel at all"));
	n = notify_format(msg, sizeof(msg), URGENCY_LOW, "s", NULL);
	check("message: no body is an empty body",
	      parse(msg, (size_t)n, &u, s, b, &why) == 0 && u == URGENCY_LOW && b[0] == '\0');
	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	n = notify_format(msg, sizeof(msg), URGENCY_NORMAL, long_text, long_text);
	check("message: summary cut at 127 bytes, body at 511",
	      parse(msg, (size_t)n, &u, s, b, &why) == 0 && strlen(s) == NOTIFY_SUMMARY_MAX - 1 &&
	      strlen(b) == NOTIFY_BODY_MAX - 1);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "message refused: %s", bad[i].name);
		check(name, parse(bad[i].text, strlen(bad[i].text), &u, s, b, &why) == -EINVAL &&
		      why[0]);
	}
	check("message refused: a NUL byte inside",
	      parse(NOTIFY_FORMAT "\nurgency=low\nsummary=a\0b\nbody=b\n",
		    sizeof(NOTIFY_FORMAT "\nurgency=low\nsummary=a\0b\nbody=b\n") - 1, &u, s, b,
		    &why) == -EINVAL);
	n = snprintf(big, sizeof(big), NOTIFY_FORMAT "\nurgency=low\nsummary=s\nbody=");
	memset(big + n, 'x', sizeof(big) - (size_t)n - 2);
	big[sizeof(big) - 2] = '\n';
	check("message refused: longer than 2048 bytes",
	      parse(big, sizeof(big) - 1, &u, s, b, &why) == -EINVAL);
	n = snprintf(msg, sizeof(msg), NOTIFY_FORMAT "\nurgency=normal\nsummary=\xe2\x80\xae"
		     "cod.exe\nbody=\x1b]0;title\x07\n");
	check("message: hostile text arrives sanitized",
	      parse(msg, (size_t)n, &u, s, b, &why) == 0 && !strcmp(s, "cod.exe") &&
	      !strcmp(b, "]0;title"));
	check("urgency names round-trip",
	      urgency_parse("low", &u) == 0 && u == URGENCY_LOW &&
	      urgency_parse("critical", &u) == 0 && !strcmp(urgency_name(u), "critical") &&
	      urgency_parse("LOW", &u) == -EINVAL);
}

/* ---- ovpnconf: a provider's configuration, normalised ---- */

static int n_changes_said;

static void count_report(struct ovpnconf *c, int change, unsigned line, const char *msg)
{
	(void)c;
	(void)line;
	(void)msg;
	n_changes_said += change;
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Normalise fixtures/providers/NAME.ovpn into out; 0 or -1. */
static int normalise_fixture(const char *name, struct ovpnconf *c, char *out, size_t size,
			     char *text, size_t tsize)
{
	char path[128];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "fixtures/providers/%s.ovpn", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(text, 1, tsize - 1, f);
	fclose(f);
	text[n] = '\0';
	memset(c, 0, sizeof(*c));
	c->dir = "/nonexistent";
	c->out = out;
	c->size = size;
	c->report = count_report;
	n_changes_said = 0;
	return ovpnconf_normalise(c, text);
}

/* The line of out that starts with prefix, or NULL. */
static const char *line_with(const char *out, const char *prefix)
{
	const char *p;

	for (p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, prefix, strlen(prefix)))
			return p;
	return NULL;
}

static void test_ovpnconf(void)
{
	static char text[65536], out[65536];
	static const char *const names[] = { "commercial", "openvpn-install", "comp-lzo",
					     "multi-remote", "hostile" };
	static const char *const hostile_gone[] = {
		"up ", "\"route-up\"", "--ipchange", "setenv opt down", "tls-verify", "plugin",
		"script-security", "daemon", "user ", "group ", "log ", "writepid", "management",
		"route-nopull", "pull-filter ignore", "setenv PATH",
	};
	char name[160], param[64];
	struct ovpnconf c;
	const char *cur;
	unsigned i;
	int rc;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		rc = normalise_fixture(names[i], &c, out, sizeof(out), text, sizeof(text));
		snprintf(name, sizeof(name), "ovpnconf: %s normalised, line for line", names[i]);
		check(name, rc == 0 && count_lines(out) == count_lines(text));
		snprintf(name, sizeof(name), "ovpnconf: %s: every change said once", names[i]);
		check(name, c.changes == n_changes_said);
	}
	normalise_fixture("openvpn-install", &c, out, sizeof(out), text, sizeof(text));
	check("ovpnconf: block-outside-dns commented out, with its reason",
	      !line_with(out, "block-outside-dns") &&
	      line_with(out, "# qubes-vpn-configurator commented out (Windows-only"));
	normalise_fixture("commercial", &c, out, sizeof(out), text, sizeof(text));
	check("ovpnconf: auth-user-pass without a file points at the stored credentials",
	      c.need_creds && line_with(out, "auth-user-pass " OVPNCONF_CRED_NAME " #"));
	check("ovpnconf: inline blocks kept", line_with(out, "<tls-crypt>") &&
	      line_with(out, "</tls-crypt>"));
	normalise_fixture("multi-remote", &c, out, sizeof(out), text, sizeof(text));
	check("ovpnconf: a remote given by name is noted", c.host[0] != '\0');
	rc = normalise_fixture("hostile", &c, out, sizeof(out), text, sizeof(text));
	check("ovpnconf: hostile normalised", rc == 0);
	for (i = 0; i < sizeof(hostile_gone) / sizeof(hostile_gone[0]); i++) {
		snprintf(name, sizeof(name), "ovpnconf: hostile: '%s...' only as a comment",
			 hostile_gone[i]);
		check(name, !line_with(out, hostile_gone[i]));
	}

	memset(&c, 0, sizeof(c));
	c.dir = "/nonexistent";
	c.out = out;
	c.size = sizeof(out);
	check("ovpnconf: dev tap refused", ovpnconf_normalise(&c, "client\ndev tap\n") == -1);
	check("ovpnconf: an unclosed inline block refused",
	      ovpnconf_normalise(&c, "<ca>\nxx\n") == -1);
	check("ovpnconf: an inline block of an option that takes no file refused",
	      ovpnconf_normalise(&c, "<remote>\nx\n</remote>\n") == -1);
	memset(text, 'a', 300);
	text[300] = '\n';
	text[301] = '\0';
	check("ovpnconf: a 300-byte line refused", ovpnconf_normalise(&c, text) == -1);
	check("ovpnconf: an empty file is an empty text",
	      ovpnconf_normalise(&c, "") == 0 && c.len == 0 && out[0] == '\0');

	cur = "remote \"a b\" 'c d' e\\ f # comment";
	check("ovpnconf: parameters split as OpenVPN splits them",
	      ovpnconf_next_param(&cur, param, sizeof(param)) == 1 && !strcmp(param, "remote") &&
	      ovpnconf_next_param(&cur, param, sizeof(param)) == 1 && !strcmp(param, "a b") &&
	      ovpnconf_next_param(&cur, param, sizeof(param)) == 1 && !strcmp(param, "c d") &&
	      ovpnconf_next_param(&cur, param, sizeof(param)) == 1 && !strcmp(param, "e f") &&
	      ovpnconf_next_param(&cur, param, sizeof(param)) == 0);
	cur = "up \"unclosed";
	check("ovpnconf: an unclosed quote is refused, as OpenVPN refuses it",
	      ovpnconf_next_param(&cur, param, sizeof(param)) == 1 &&
	      ovpnconf_next_param(&cur, param, sizeof(param)) == -1);
}

/* ---- WireGuard: configuration, UAPI request and reply ---- */

#define KEY_A "YAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
#define KEY_A_HEX "6009f3e5317e9575c9b5ed78b638b7ce530dabe85ddab614220241801ddf0669"
#define KEY_B "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
#define KEY_B_HEX "0000000000000000000000000000000000000000000000000000000000000000"

static struct wg_conf wgc;

static int wg_parse(const char *text)
{
	return wg_conf_parse(text, strlen(text), &wgc);
}

/* A minimal valid configuration with one line replaced or added. */
static int wg_parse_with(const char *iface_extra, const char *peer_extra)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "[Interface]\nPrivateKey = " KEY_A "\nAddress = 10.64.0.2/32\n%s\n"
		 "[Peer]\nPublicKey = " KEY_B "\nAllowedIPs = 0.0.0.0/0\n"
		 "Endpoint = 203.0.113.5:51820\n%s\n", iface_extra, peer_extra);
	return wg_parse(text);
}

static void test_wgconf(void)
{
	uint8_t key[WG_KEY_LEN];
	char buf[4096], a[INET6_ADDRSTRLEN];
	int n;

	check("wg key: base64 decodes to the right bytes",
	      wg_key_from_base64(KEY_A, 44, key) == 0 && key[0] == 0x60 && key[31] == 0x69);
	check("wg key: 43 characters refused", wg_key_from_base64(KEY_A, 43, key) == -EINVAL);
	check("wg key: no '=' at the end refused",
	      wg_key_from_base64("YAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmkA", 44, key) == -EINVAL);
	check("wg key: unused low bits set refused (wg's strict form)",
	      wg_key_from_base64("YAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBml=", 44, key) == -EINVAL);
	check("wg key: a non-base64 character refused",
	      wg_key_from_base64("YAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBm!=", 44, key) == -EINVAL);

	check("wgconf: a provider's dual-stack configuration parses",
	      wg_parse("# provider\n[Interface]\nPrivateKey = " KEY_A "   # mine\n"
		       "Address = 10.66.1.2/32,fd7d:76ee:e68f:a993::2/128\n"
		       "DNS = 10.64.0.1, fd7d:76ee:e68f:a993::1 vpn.example\nMTU = 1380\n"
		       "ListenPort = 51000\nFwMark = 0x1234\nTable = off\n\n"
		       "[Peer]\nPublicKey = " KEY_B "\nPresharedKey = " KEY_A "\n"
		       "AllowedIPs = 0.0.0.0/0, ::/0\nEndpoint = [2001:db8::5]:51820\n"
		       "PersistentKeepalive = 25\n") == 0);
	check("wgconf: its fields", wgc.naddr == 2 && wgc.addr[0].len == 32 &&
	      wgc.addr[1].family == AF_INET6 && wgc.addr[1].len == 128 && wgc.ndns4 == 1 &&
	      wgc.ndns6 == 1 && wgc.mtu == 1380 && wgc.listen_port == 51000 &&
	      wgc.fwmark == 0x1234 && wgc.npeers == 1 && wgc.peers[0].has_preshared_key &&
	      wgc.peers[0].keepalive == 25 && wgc.peers[0].endpoint.family == AF_INET6 &&
	      wgc.peers[0].endpoint.port == 51820 && wgc.peers[0].nallowed == 2);
	check_str("wgconf: the DNS server", inet_ntop(AF_INET, &wgc.dns4[0], a, sizeof(a)),
		  "10.64.0.1");
	check("wgconf: covers 0.0.0.0/0 and ::/0",
	      wg_conf_covers_all(&wgc, AF_INET) && wg_conf_covers_all(&wgc, AF_INET6));

	n = wg_uapi_set_request(&wgc, 0, buf, sizeof(buf));
	check_str("uapi: the set=1 request made of it", n > 0 ? buf : "",
		  "set=1\nprivate_key=" KEY_A_HEX "\nlisten_port=51000\nfwmark=4660\n"
		  "replace_peers=true\npublic_key=" KEY_B_HEX "\npreshared_key=" KEY_A_HEX "\n"
		  "endpoint=[2001:db8::5]:51820\npersistent_keepalive_interval=25\n"
		  "replace_allowed_ips=true\nallowed_ip=0.0.0.0/0\nallowed_ip=::/0\n\n");
	check("uapi: the request does not fit a small buffer: -EMSGSIZE",
	      wg_uapi_set_request(&wgc, 0, buf, 100) == -EMSGSIZE);

	check("wgconf: lower-case wg keys and CRLF line ends (as wg reads them)",
	      wg_parse("[interface]\r\nprivatekey=" KEY_A "\r\nAddress=10.0.0.2\r\n[peer]\r\n"
		       "publickey = " KEY_B "\r\nendpoint=192.0.2.1:1\r\n") == 0 &&
	      wgc.addr[0].len == 32 && wgc.listen_port == -1 && wgc.peers[0].keepalive == -1);
	n = wg_uapi_set_request(&wgc, 25, buf, sizeof(buf));
	check("uapi: the kick makes an unset keepalive 25",
	      n > 0 && strstr(buf, "persistent_keepalive_interval=25\n"));
	wgc.peers[0].keepalive = 60;
	n = wg_uapi_set_request(&wgc, 25, buf, sizeof(buf));
	check("uapi: ... and a rarer one 25",
	      n > 0 && strstr(buf, "persistent_keepalive_interval=25\n"));
	wgc.peers[0].keepalive = 10;
	n = wg_uapi_set_request(&wgc, 25, buf, sizeof(buf));
	check("uapi: ... but keeps a more frequent one",
	      n > 0 && strstr(buf, "persistent_keepalive_interval=10\n"));
	check("wgconf: without ::/0 it says so", !wg_conf_covers_all(&wgc, AF_INET6));

	check("wgconf: PostUp refused", wg_parse_with("PostUp = iptables -F", "") == -EINVAL);
	check("wgconf: PreDown refused, in [Peer] too", wg_parse_with("", "PreDown = rm -rf /") == -EINVAL);
	check("wgconf: postup (wg-quick spells its keys exactly) is unknown, refused",
	      wg_parse_with("postup = x", "") == -EINVAL);
	check("wgconf: an unknown key refused", wg_parse_with("Foo = 1", "") == -EINVAL);
	check("wgconf: an unknown section refused", wg_parse_with("[Peers]", "") == -EINVAL);
	check("wgconf: a key before any section refused", wg_parse("PrivateKey = " KEY_A "\n") == -EINVAL);
	check("wgconf: a line without '=' refused", wg_parse_with("Address", "") == -EINVAL);
	check("wgconf: Table and SaveConfig are ignored", wg_parse_with("Table = 1234\nSaveConfig = true", "") == 0);
	check("wgconf: an Endpoint host name is kept for up to resolve",
	      wg_parse_with("", "Endpoint = Vpn-1.example.com:51820") == 0 &&
	      !strcmp(wgc.endpoint_host[0], "Vpn-1.example.com") && !wgc.peers[0].endpoint.family &&
	      wgc.peers[0].endpoint.port == 51820);
	check("wgconf: ... and forgotten when a later Endpoint gives an address",
	      wg_parse_with("", "Endpoint = vpn.example.com:1\nEndpoint = 1.2.3.4:5") == 0 &&
	      !wgc.endpoint_host[0][0] && wgc.peers[0].endpoint.family == AF_INET);
	check("wgconf: a host-name Endpoint alone is an endpoint",
	      wg_parse("[Interface]\nPrivateKey = " KEY_A "\nAddress = 10.0.0.2\n[Peer]\nPublicKey = "
		       KEY_B "\nEndpoint = vpn.example.com:51820\n") == 0);
	check("wgconf: an Endpoint host name with '_' refused",
	      wg_parse_with("", "Endpoint = vpn_1.example.com:51820") == -EINVAL);
	check("wgconf: an Endpoint host name without a port refused",
	      wg_parse_with("", "Endpoint = vpn.example.com") == -EINVAL);
	check("wgconf: an Endpoint host name in brackets refused",
	      wg_parse_with("", "Endpoint = [vpn.example.com]:51820") == -EINVAL);
	check("wgconf: an IPv4 address out of range is no host name",
	      wg_parse_with("", "Endpoint = 1.2.3.256:51820") == -EINVAL);
	check("wgconf: Endpoint port 0 refused", wg_parse_with("", "Endpoint = 1.2.3.4:0") == -EINVAL);
	check("wgconf: Endpoint port 65536 refused", wg_parse_with("", "Endpoint = 1.2.3.4:65536") == -EINVAL);
	check("wgconf: Endpoint IPv6 without brackets refused", wg_parse_with("", "Endpoint = 2001:db8::1:51820") == -EINVAL);
	check("wgconf: Endpoint octal IPv4 refused", wg_parse_with("", "Endpoint = 010.1.1.1:1") == -EINVAL);
	check("wgconf: Address /33 refused", wg_parse_with("Address = 10.0.0.1/33", "") == -EINVAL);
	check("wgconf: Address /-1 refused", wg_parse_with("Address = 10.0.0.1/-1", "") == -EINVAL);
	check("wgconf: AllowedIPs /0x8 refused", wg_parse_with("", "AllowedIPs = 10.0.0.0/0x8") == -EINVAL);
	check("wgconf: MTU 100 refused", wg_parse_with("MTU = 100", "") == -EINVAL);
	check("wgconf: MTU 1e3 refused", wg_parse_with("MTU = 1e3", "") == -EINVAL);
	check("wgconf: ListenPort 65536 refused", wg_parse_with("ListenPort = 65536", "") == -EINVAL);
	check("wgconf: FwMark off", wg_parse_with("FwMark = off", "") == 0 && wgc.fwmark == 0);
	check("wgconf: FwMark 0x123456789 refused", wg_parse_with("FwMark = 0x123456789", "") == -EINVAL);
	check("wgconf: PersistentKeepalive 65536 refused", wg_parse_with("", "PersistentKeepalive = 65536") == -EINVAL);
	check("wgconf: a DNS that looks like an address but is not refused",
	      wg_parse_with("DNS = 10.0.0.256", "") == -EINVAL);
	check("wgconf: a loopback DNS ignored", wg_parse_with("DNS = 127.0.0.1", "") == 0 && wgc.ndns4 == 0);
	check("wgconf: no PrivateKey refused",
	      wg_parse("[Interface]\nAddress = 10.0.0.2\n[Peer]\nPublicKey = " KEY_B "\nEndpoint = 1.2.3.4:5\n") == -EINVAL);
	check("wgconf: no Address refused",
	      wg_parse("[Interface]\nPrivateKey = " KEY_A "\n[Peer]\nPublicKey = " KEY_B "\nEndpoint = 1.2.3.4:5\n") == -EINVAL);
	check("wgconf: no peer refused", wg_parse("[Interface]\nPrivateKey = " KEY_A "\nAddress = 10.0.0.2\n") == -EINVAL);
	check("wgconf: no Endpoint anywhere refused",
	      wg_parse("[Interface]\nPrivateKey = " KEY_A "\nAddress = 10.0.0.2\n[Peer]\nPublicKey = " KEY_B "\n") == -EINVAL);
	check("wgconf: a NUL byte refused", wg_conf_parse("[Interface]\0", 12, &wgc) == -EINVAL);
	memset(buf, 'A', sizeof(buf));
	memcpy(buf, "[Interface]\n#", 13);
	check("wgconf: a line over 1024 bytes refused", wg_conf_parse(buf, 2000, &wgc) == -EINVAL);
	check("wgconf: over 64 KiB refused", wg_conf_parse(buf, WG_CONF_FILE_MAX + 1, &wgc) == -EINVAL);
}

/* A string literal and its length. */
#define R(lit) lit, strlen(lit)

static void test_wguapi(void)
{
	struct wg_uapi_status st;
	static const char get[] =
		"private_key=80fe715edb9c4959362155f5bc46b044c4c761657db2c393420ac65d5af14740\n"
		"listen_port=32811\n"
		"public_key=af15ed6aeeadb705bd55a57ae2030592377e165e3a50da6eea57160b73637261\n"
		"preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"
		"protocol_version=1\nendpoint=192.0.2.2:51820\n"
		"last_handshake_time_sec=1795783233\nlast_handshake_time_nsec=846411171\n"
		"tx_bytes=180\nrx_bytes=92\npersistent_keepalive_interval=25\n"
		"allowed_ip=0.0.0.0/0\nerrno=0\n\n";

	check("uapi reply: wireguard-go's get=1 answer parses",
	      wg_uapi_parse_reply(get, strlen(get), &st) == 0 && st.listen_port == 32811 &&
	      st.npeers == 1 && st.peers[0].last_handshake_sec == 1795783233 &&
	      st.peers[0].tx_bytes == 180 && st.peers[0].rx_bytes == 92 &&
	      st.peers[0].public_key[0] == 0xaf && !strcmp(st.peers[0].endpoint, "192.0.2.2:51820"));
	check("uapi reply: errno=0", wg_uapi_parse_reply(R("errno=0\n\n"), NULL) == 0);
	check("uapi reply: errno=22 is -EINVAL", wg_uapi_parse_reply(R("errno=22\n\n"), NULL) == -EINVAL);
	check("uapi reply: no blank line: malformed", wg_uapi_parse_reply(R("errno=0\n"), NULL) == -EBADMSG);
	check("uapi reply: no errno: malformed", wg_uapi_parse_reply(R("listen_port=1\n\n"), NULL) == -EBADMSG);
	check("uapi reply: bytes after the end: malformed", wg_uapi_parse_reply(R("errno=0\n\nx"), NULL) == -EBADMSG);
	check("uapi reply: a line after errno: malformed",
	      wg_uapi_parse_reply(R("errno=0\nlisten_port=1\n\n"), NULL) == -EBADMSG);
	check("uapi reply: errno=4096 malformed", wg_uapi_parse_reply(R("errno=4096\n\n"), NULL) == -EBADMSG);
	check("uapi reply: errno=-1 malformed", wg_uapi_parse_reply(R("errno=-1\n\n"), NULL) == -EBADMSG);
	check("uapi reply: a peer's value before any peer: malformed",
	      wg_uapi_parse_reply(R("rx_bytes=1\nerrno=0\n\n"), &st) == -EBADMSG);
	check("uapi reply: a short public key: malformed",
	      wg_uapi_parse_reply(R("public_key=af\nerrno=0\n\n"), &st) == -EBADMSG);
	check("uapi reply: an endpoint with other characters: malformed",
	      wg_uapi_parse_reply(R("public_key=" KEY_A_HEX "\nendpoint=a;b\nerrno=0\n\n"), &st) == -EBADMSG);
	check("uapi reply: a key with capitals: malformed",
	      wg_uapi_parse_reply(R("Errno=0\n\n"), NULL) == -EBADMSG);
	check("uapi reply: unknown keys are skipped",
	      wg_uapi_parse_reply(R("future_key=anything at all\nerrno=0\n\n"), &st) == 0);
}

/* ---- the DNS stub ---- */

/* A reply made by hand: the header, the question of q, then records. */
struct dnsmsg {
	uint8_t b[700];
	size_t n;
};

static void put(struct dnsmsg *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

/* flags: the two flag bytes; an: ANCOUNT; the question copied from q. */
static void reply_start(struct dnsmsg *m, const uint8_t *q, size_t qlen, unsigned flags,
			unsigned an)
{
	uint8_t h[12] = { q[0], q[1], (uint8_t)(flags >> 8), (uint8_t)flags, 0, 1, 0, (uint8_t)an };

	m->n = 0;
	put(m, h, sizeof(h));
	put(m, q + 12, qlen - 12);
}

/* A record: owner (wire bytes, pointers allowed), type, class IN unless
 * cls, TTL 60, rdata. */
static void rr(struct dnsmsg *m, const char *owner, size_t olen, unsigned type, unsigned cls,
	       const void *rdata, unsigned rdlen)
{
	uint8_t f[10] = { 0, (uint8_t)type, 0, (uint8_t)(cls ? cls : 1), 0, 0, 0, 60, 0,
			  (uint8_t)rdlen };

	put(m, owner, olen);
	put(m, f, sizeof(f));
	put(m, rdata, rdlen);
}

#define QNAME "\xc0\x0c"          /* a pointer to the question's name */
#define OK_FLAGS 0x8180           /* QR, RD, RA, RCODE 0 */

static int dparse(const struct dnsmsg *m, const uint8_t *q, int qlen, struct dns_addr *a)
{
	memset(a, 0, sizeof(*a));
	return dns_reply_parse(m->b, m->n, q, (size_t)qlen, a);
}

static void test_dns_parser(void)
{
	static const uint8_t golden[] = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
		"\x03vpn\x07" "example\x03" "com\x00\x00\x01\x00\x01";
	static const uint8_t v4[4] = { 192, 0, 2, 1 }, v4b[4] = { 192, 0, 2, 7 }, zero4[4] = { 0 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 5 };
	/* "edge.cdn" then a pointer to "example.com" in the question (offset 16) */
	static const char edge[] = "\x04" "edge\x03" "cdn\xc0\x10";
	uint8_t q[DNS_QUERY_MAX], q6[DNS_QUERY_MAX], big[700];
	struct dnsmsg m;
	struct dns_addr a;
	size_t cname_at;
	int qlen, q6len, i;

	qlen = dns_query_build(q, sizeof(q), 0x1234, "vpn.example.com", DNS_TYPE_A);
	check("dns query: the A query's bytes (id, RD, one question, class IN)",
	      qlen == (int)sizeof(golden) - 1 && !memcmp(q, golden, sizeof(golden) - 1));
	q6len = dns_query_build(q6, sizeof(q6), 0xbeef, "vpn.example.com", DNS_TYPE_AAAA);
	check("dns query: AAAA is type 28, the id in network order",
	      q6len == qlen && q6[0] == 0xbe && q6[1] == 0xef && q6[q6len - 3] == 28);
	check("dns query: a buffer too small", dns_query_build(q6, 32, 1, "vpn.example.com", 1) == -EMSGSIZE);
	check("dns query: not a host name", dns_query_build(q6, sizeof(q6), 1, "vpn..example", 1) == -EINVAL);
	memset(big, 'a', 253);
	for (i = 63; i < 253; i += 64)
		big[i] = '.';
	big[253] = '\0';
	check("dns name: 253 characters in labels of 63", dns_valid_name((char *)big) &&
	      dns_query_build(big + 300, 300, 1, (char *)big, 1) == 12 + 255 + 4);
	big[253] = 'a';
	big[254] = '\0';
	check("dns name: 254 refused", !dns_valid_name((char *)big));
	check("dns name: a 64-character label refused",
	      !dns_valid_name("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com"));
	check("dns name: letters, digits, inner hyphens", dns_valid_name("a") &&
	      dns_valid_name("1-2.X9.example") && dns_valid_name("123.example"));
	check("dns name: a leading or trailing hyphen refused",
	      !dns_valid_name("-a.example") && !dns_valid_name("a-.example"));
	check("dns name: empty labels, a final dot refused", !dns_valid_name("") &&
	      !dns_valid_name(".a") && !dns_valid_name("a..b") && !dns_valid_name("a.example."));
	check("dns name: '_', blanks, non-ASCII refused", !dns_valid_name("a_b.example") &&
	      !dns_valid_name("a b") && !dns_valid_name("caf\xc3\xa9.example"));
	check("dns name: all-digit last label refused (1.2.3.4, 1.2.3, 010.1.1.1)",
	      !dns_valid_name("1.2.3.4") && !dns_valid_name("1.2.3") && !dns_valid_name("010.1.1.1"));

	reply_start(&m, q, (size_t)qlen, OK_FLAGS, 1);
	rr(&m, QNAME, 2, DNS_TYPE_A, 0, v4, 4);
	check("dns reply: an A answer", dparse(&m, q, qlen, &a) == 1 && a.family == AF_INET &&
	      !memcmp(a.addr, v4, 4));
	m.b[13] = 'V';                /* the question echoed in other case */
	check("dns reply: ... the question echoed in other case", dparse(&m, q, qlen, &a) == 1);
	m.b[0] ^= 1;
	check("dns reply: the wrong id: malformed", dparse(&m, q, qlen, &a) == -EBADMSG && !a.family);
	m.b[0] ^= 1;
	m.b[2] &= 0x7f;
	check("dns reply: QR not set (a query): malformed", dparse(&m, q, qlen, &a) == -EBADMSG);
	m.b[2] |= 0x80 | 0x10;
	check("dns reply: another opcode: malformed", dparse(&m, q, qlen, &a) == -EBADMSG);
	m.b[2] &= (uint8_t)~0x10;
	m.b[17] = 'X';
	check("dns reply: another question name: malformed", dparse(&m, q, qlen, &a) == -EBADMSG);
	m.b[17] = 'e';
	m.b[30] = DNS_TYPE_AAAA;
	check("dns reply: another question type: malformed", dparse(&m, q, qlen, &a) == -EBADMSG);
	m.b[30] = DNS_TYPE_A;
	m.b[5] = 2;
	check("dns reply: two questions: malformed", dparse(&m, q, qlen, &a) == -EBADMSG);
	m.b[5] = 0;
	check("dns reply: no question: malformed", dparse(&m, q, qlen, &a) == -EBADMSG);
	m.b[5] = 1;
	check("dns reply: the A answer to an AAAA query (other id and type): malformed",
	      dparse(&m, q6, q6len, &a) == -EBADMSG);
	m.n--;
	check("dns reply: cut in the answer's rdata: malformed", dparse(&m, q, qlen, &a) == -EBADMSG);
	m.n += 2;
	check("dns reply: a byte after the last record: malformed", dparse(&m, q, qlen, &a) == -EBADMSG);
	m.n--;
	m.b[7] = 2;
	check("dns reply: ANCOUNT 2 with one record: malformed", dparse(&m, q, qlen, &a) == -EBADMSG);
	m.b[6] = 0xff;
	m.b[7] = 0xff;
	check("dns reply: ANCOUNT 65535: malformed", dparse(&m, q, qlen, &a) == -EBADMSG);
	m.b[6] = 0;
	m.b[7] = 1;
	m.b[11] = DNS_RR_MAX;         /* ARCOUNT */
	check("dns reply: more records than DNS_RR_MAX: malformed", dparse(&m, q, qlen, &a) == -EBADMSG);
	m.b[11] = 0;
	m.b[2] |= 0x02;
	check("dns reply: truncated (TC): -EMSGSIZE, not used", dparse(&m, q, qlen, &a) == -EMSGSIZE &&
	      !a.family);
	m.b[2] &= (uint8_t)~0x02;
	m.b[3] = 0x83;
	check("dns reply: NXDOMAIN", dparse(&m, q, qlen, &a) == -ENOENT);
	m.b[3] = 0x82;
	check("dns reply: SERVFAIL", dparse(&m, q, qlen, &a) == -EIO);
	m.b[3] = 0x85;
	check("dns reply: REFUSED", dparse(&m, q, qlen, &a) == -EIO);

	reply_start(&m, q, (size_t)qlen, OK_FLAGS, 0);
	check("dns reply: no answer (NODATA): 0", dparse(&m, q, qlen, &a) == 0 && !a.family);
	reply_start(&m, q, (size_t)qlen, OK_FLAGS, 3);
	rr(&m, QNAME, 2, 46, 0, "sig", 3);            /* an RRSIG: skipped */
	rr(&m, QNAME, 2, DNS_TYPE_A, 0, zero4, 4);
	rr(&m, QNAME, 2, DNS_TYPE_A, 0, v4b, 4);
	check("dns reply: other types skipped, 0.0.0.0 passed over for the next address",
	      dparse(&m, q, qlen, &a) == 1 && !memcmp(a.addr, v4b, 4));
	reply_start(&m, q, (size_t)qlen, OK_FLAGS, 1);
	rr(&m, QNAME, 2, DNS_TYPE_A, 0, "\xe0\0\0\1", 4);
	check("dns reply: only a multicast address: no usable address", dparse(&m, q, qlen, &a) == 0);
	reply_start(&m, q, (size_t)qlen, OK_FLAGS, 1);
	rr(&m, QNAME, 2, DNS_TYPE_A, 0, "\xc0\0\2\1\0", 5);
	check("dns reply: an A record of 5 bytes: malformed", dparse(&m, q, qlen, &a) == -EBADMSG);
	reply_start(&m, q, (size_t)qlen, OK_FLAGS, 1);
	rr(&m, QNAME, 2, DNS_TYPE_A, 3, v4, 4);
	check("dns reply: an A record of class CH: malformed", dparse(&m, q, qlen, &a) == -EBADMSG);
	reply_start(&m, q, (size_t)qlen, OK_FLAGS, 1);
	rr(&m, "\x05other\xc0\x10", 8, DNS_TYPE_A, 0, v4, 4);
	check("dns reply: an address of another name only: not taken", dparse(&m, q, qlen, &a) == 0);

	reply_start(&m, q6, (size_t)q6len, OK_FLAGS, 2);
	rr(&m, QNAME, 2, DNS_TYPE_AAAA, 0, "\xff\2\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16);
	rr(&m, QNAME, 2, DNS_TYPE_AAAA, 0, v6, 16);
	check("dns reply: an AAAA answer, multicast passed over", dparse(&m, q6, q6len, &a) == 1 &&
	      a.family == AF_INET6 && !memcmp(a.addr, v6, 16));

	/* vpn.example.com CNAME edge.cdn.example.com; edge.cdn.example.com A */
	reply_start(&m, q, (size_t)qlen, OK_FLAGS, 2);
	cname_at = m.n + 12;
	rr(&m, QNAME, 2, DNS_TYPE_CNAME, 0, edge, sizeof(edge) - 1);
	{
		char owner[2] = { (char)0xc0, (char)cname_at };

		rr(&m, owner, 2, DNS_TYPE_A, 0, v4, 4);
		check("dns reply: a CNAME, then its target's address (compressed names)",
		      dparse(&m, q, qlen, &a) == 1 && !memcmp(a.addr, v4, 4));
		reply_start(&m, q, (size_t)qlen, OK_FLAGS, 2);
		rr(&m, QNAME, 2, DNS_TYPE_CNAME, 0, edge, sizeof(edge) - 1);
		rr(&m, "\x04" "edge\x03" "cdx\xc0\x10", 11, DNS_TYPE_A, 0, v4, 4);
		check("dns reply: a CNAME whose target has no address here: NODATA",
		      dparse(&m, q, qlen, &a) == 0);
	}
	reply_start(&m, q, (size_t)qlen, OK_FLAGS, 1);
	rr(&m, QNAME, 2, DNS_TYPE_CNAME, 0, "\x04" "edge\xc0\x10\0", 8);
	check("dns reply: a CNAME's name shorter than its rdata: malformed",
	      dparse(&m, q, qlen, &a) == -EBADMSG);
	reply_start(&m, q, (size_t)qlen, OK_FLAGS, 3 * DNS_CNAME_MAX);
	for (i = 0; i < 3 * DNS_CNAME_MAX; i++)   /* vpn -> x.example.com -> vpn -> ... */
		if (i % 2)
			rr(&m, "\1x\xc0\x10", 4, DNS_TYPE_CNAME, 0, QNAME, 2);
		else
			rr(&m, QNAME, 2, DNS_TYPE_CNAME, 0, "\1x\xc0\x10", 4);
	check("dns reply: a CNAME loop: malformed", dparse(&m, q, qlen, &a) == -EBADMSG);

	reply_start(&m, q, (size_t)qlen, OK_FLAGS, 1);
	rr(&m, "\xc0\x21", 2, DNS_TYPE_A, 0, v4, 4);  /* points at itself (offset 33) */
	check("dns reply: a name pointing at itself: malformed", dparse(&m, q, qlen, &a) == -EBADMSG);
	reply_start(&m, q, (size_t)qlen, OK_FLAGS, 1);
	rr(&m, "\xc0\x30", 2, DNS_TYPE_A, 0, v4, 4);  /* forwards, into its own record */
	check("dns reply: a pointer forwards: malformed", dparse(&m, q, qlen, &a) == -EBADMSG);
	reply_start(&m, q, (size_t)qlen, OK_FLAGS, 2);
	rr(&m, QNAME, 2, DNS_TYPE_A, 0, v4, 4);
	/* "\1a" then a pointer back to the "\1a" itself: a -> a -> a ... */
	rr(&m, "\1a\xc0\x31", 4, DNS_TYPE_A, 0, v4, 4);
	check("dns reply: a pointer back into its own name (a loop): malformed",
	      dparse(&m, q, qlen, &a) == -EBADMSG);
	reply_start(&m, q, (size_t)qlen, OK_FLAGS, 1);
	rr(&m, "\xc0\x05", 2, DNS_TYPE_A, 0, v4, 4);
	check("dns reply: a pointer into the header: malformed", dparse(&m, q, qlen, &a) == -EBADMSG);
	reply_start(&m, q, (size_t)qlen, OK_FLAGS, 1);
	rr(&m, "\x40", 1, DNS_TYPE_A, 0, v4, 4);
	check("dns reply: an extended label type: malformed", dparse(&m, q, qlen, &a) == -EBADMSG);
	reply_start(&m, q, (size_t)qlen, OK_FLAGS, 1);
	memset(big, 63, sizeof(big));
	for (i = 0; i < 4; i++)
		memset(big + 1 + 64 * i, 'a', 63);
	big[256] = 0;                 /* 4 labels of 63: 257 bytes */
	rr(&m, (char *)big, 257, DNS_TYPE_A, 0, v4, 4);
	check("dns reply: a name over 255 bytes: malformed", dparse(&m, q, qlen, &a) == -EBADMSG);
}

/* path: a file of the test's own, named by the environment variable. */
static void write_file(const char *env, const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		printf("# cannot write %s\n", path);
	if (fd >= 0)
		close(fd);
	setenv(env, path, 1);
}

static void test_dns_files(void)
{
	char dir[] = "/tmp/unit-dns.XXXXXX", hosts[64], resolv[64], line[2100];
	static const uint8_t v4[4] = { 192, 0, 2, 9 };
	struct dns_addr a, via;

	if (!mkdtemp(dir)) {
		check("dns files: a temporary directory", 0);
		return;
	}
	snprintf(hosts, sizeof(hosts), "%s/hosts", dir);
	snprintf(resolv, sizeof(resolv), "%s/resolv.conf", dir);
	write_file(DNS_RESOLV_ENV, resolv, "# none\nsearch example.com\nnameserver fe80::1%eth0\n"
		   "nameserver 10.0.0.256\n; nameserver 192.0.2.53\nnameserverx 192.0.2.53\n");
	memset(line, 'x', sizeof(line));
	memcpy(line, "192.0.2.66 vpn.example.com ", 27);
	line[sizeof(line) - 2] = '\n';
	line[sizeof(line) - 1] = '\0';
	write_file(DNS_HOSTS_ENV, hosts, line);
	check("dns files: a hosts line over 1024 bytes is skipped; no nameserver line usable",
	      dns_resolve("vpn.example.com", 1000, &a, &via) == -EDESTADDRREQ);
	write_file(DNS_HOSTS_ENV, hosts, "127.0.0.1 localhost\n# 192.0.2.1 vpn.example.com\n"
		   "2001:db8::5\tVPN.example.com # IPv6 first\n0.0.0.0 vpn.example.com\n"
		   "192.0.2.9 other vpn.example.com\n192.0.2.10 vpn.example.com");
	check("dns files: /etc/hosts: its first usable IPv4 address, case aside",
	      dns_resolve("Vpn.Example.com", 1000, &a, &via) == 0 && a.family == AF_INET &&
	      !memcmp(a.addr, v4, 4) && !via.family);
	check("dns files: /etc/hosts: the last line needs no line break",
	      dns_resolve("other", 1000, &a, &via) == 0 && !memcmp(a.addr, v4, 4));
	write_file(DNS_HOSTS_ENV, hosts, "2001:db8::5 vpn.example.com\n0.0.0.0 vpn.example.com\n");
	check("dns files: /etc/hosts: IPv6 when it names no usable IPv4 address",
	      dns_resolve("vpn.example.com", 1000, &a, &via) == 0 && a.family == AF_INET6 &&
	      a.addr[15] == 5);
	write_file(DNS_HOSTS_ENV, hosts, "0.0.0.0 vpn.example.com\n:: vpn.example.com\n");
	check("dns files: /etc/hosts naming it only 0.0.0.0 and :: : no usable address, DNS not asked",
	      dns_resolve("vpn.example.com", 1000, &a, &via) == -ENODATA);
	check("dns files: a name the hosts file does not have, no nameserver: -EDESTADDRREQ",
	      dns_resolve("vpn.example.net", 1000, &a, &via) == -EDESTADDRREQ);
	unlink(resolv);
	check("dns files: no resolv.conf at all: -EDESTADDRREQ",
	      dns_resolve("vpn.example.net", 1000, &a, &via) == -EDESTADDRREQ);
	check("dns files: not a host name: -EINVAL", dns_resolve("1.2.3", 1000, &a, &via) == -EINVAL);
	check_str("dns files: the environment names the files", dns_resolv_conf_path(), resolv);
	setenv(DNS_RESOLV_ENV, "relative/resolv.conf", 1);
	check_str("dns files: a relative override is ignored", dns_resolv_conf_path(), "/etc/resolv.conf");
	unsetenv(DNS_RESOLV_ENV);
	unsetenv(DNS_HOSTS_ENV);
	check_str("dns files: the defaults", dns_hosts_path(), "/etc/hosts");
	unlink(hosts);
	rmdir(dir);
}

int main(void)
{
	/* The parsers log every decision; UNIT_VERBOSE=1 shows those lines. */
	if (!getenv("UNIT_VERBOSE") && !freopen("/dev/null", "w", stderr))
		return 2;
	test_ovpnenv_fixtures();
	test_ovpnenv_hostile();
	test_ovpnenv_checks();
	test_sanitize();
	test_message();
	test_ovpnconf();
	test_wgconf();
	test_wguapi();
	test_dns_parser();
	test_dns_files();
	printf("# unit-lib: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
