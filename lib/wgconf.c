/* wgconf.c - wg-quick's configuration format, parsed strictly: what wg(8)
 * and wg-quick(8) would accept, minus everything that runs a shell. */
#include "wgconf.h"
#include "log.h"
#include "rundir.h"
#include "ovpnenv.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

enum section { SEC_NONE, SEC_INTERFACE, SEC_PEER };

/* ASCII case-insensitive equality, as wg(8) compares its keys (musl's
 * strcasecmp would bring its locale plumbing for nothing). */
static int lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
}

static int same_nocase(const char *a, const char *b)
{
	for (; *a && lower(*a) == lower(*b); a++, b++)
		;
	return !*a && !*b;
}

/* One base64 character's value, or -1. */
static int b64_value(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

int wg_key_from_base64(const char *s, size_t len, uint8_t key[WG_KEY_LEN])
{
	uint32_t acc = 0;
	unsigned i, bits = 0, n = 0;
	int v;

	/* 43 characters carry 258 bits: the last one's low two must be 0. */
	if (len != WG_KEY_B64_LEN || s[WG_KEY_B64_LEN - 1] != '=')
		return -EINVAL;
	for (i = 0; i < WG_KEY_B64_LEN - 1; i++) {
		v = b64_value(s[i]);
		if (v < 0)
			return -EINVAL;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			key[n++] = (uint8_t)(acc >> bits);
		}
	}
	return (acc & ((1u << bits) - 1)) ? -EINVAL : 0;
}

/* Strict decimal, at most max, no sign, no leading zero but "0". */
static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (!s[0] || (s[0] == '0' && s[1]) || strlen(s) > 10)
		return -EINVAL;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* FwMark: "off", decimal, or 0x followed by 1 to 8 hex digits. */
static int parse_fwmark(const char *s, uint32_t *out)
{
	unsigned long v = 0;
	size_t i;

	if (same_nocase(s, "off")) {
		*out = 0;
		return 0;
	}
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
		if (parse_uint(s, 0xffffffffUL, &v) < 0)
			return -EINVAL;
		*out = (uint32_t)v;
		return 0;
	}
	if (!s[2] || strlen(s) > 10)
		return -EINVAL;
	for (i = 2; s[i]; i++) {
		char ch = s[i];
		int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 :
			ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
		if (d < 0)
			return -EINVAL;
		v = (v << 4) | (unsigned long)d;
	}
	*out = (uint32_t)v;
	return 0;
}

/* ADDR or ADDR/LEN; without LEN a host prefix. */
static int parse_prefix(char *s, struct wg_prefix *p)
{
	char *slash = strchr(s, '/');
	unsigned long len;
	unsigned max;

	if (slash)
		*slash = '\0';
	memset(p, 0, sizeof(*p));
	if (parse_ipv4(s, (struct in_addr *)p->addr)) {
		p->family = AF_INET;
		max = 32;
	} else if (parse_ipv6(s, (struct in6_addr *)p->addr)) {
		p->family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	if (!slash) {
		p->len = (uint8_t)max;
		return 0;
	}
	if (parse_uint(slash + 1, max, &len) < 0)
		return -EINVAL;
	p->len = (uint8_t)len;
	return 0;
}

/* IPV4:PORT, [IPV6]:PORT, or HOSTNAME:PORT with the name (dns_valid_name)
 * kept in host for `up` to resolve. */
static int parse_endpoint(char *s, struct wg_endpoint *ep, char host[DNS_NAME_MAX + 1])
{
	char *colon, *name = s;
	unsigned long port;

	memset(ep, 0, sizeof(*ep));
	host[0] = '\0';
	if (s[0] == '[') {
		colon = strchr(s, ']');
		if (!colon || colon[1] != ':')
			return -EINVAL;
		*colon++ = '\0';
		name = s + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		*colon = '\0';
	}
	if (parse_uint(colon + 1, 65535, &port) < 0 || port == 0)
		return -EINVAL;
	ep->port = (uint16_t)port;
	if (s[0] == '[')
		ep->family = parse_ipv6(name, (struct in6_addr *)ep->addr) ? AF_INET6 : 0;
	else if (parse_ipv4(name, (struct in_addr *)ep->addr))
		ep->family = AF_INET;
	else if (dns_valid_name(name))
		memcpy(host, name, strlen(name) + 1);
	return ep->family || host[0] ? 0 : -EINVAL;
}

static int parse_key_value(const char *v, uint8_t key[WG_KEY_LEN])
{
	return wg_key_from_base64(v, strlen(v), key);
}

/* Remove every blank: wg(8) reads its lines that way. */
static void squeeze(char *s)
{
	char *o = s;

	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\v' && *s != '\f')
			*o++ = *s;
	*o = '\0';
}

static int is_sep(char ch)
{
	return ch == ',' || ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* The next item of a list separated by commas and blanks (wg-quick splits
 * Address= and DNS= on both); NULL at the end. Cuts the string. */
static char *next_item(char **cursor)
{
	char *s = *cursor, *item;

	while (*s && is_sep(*s))
		s++;
	if (!*s)
		return NULL;
	item = s;
	while (*s && !is_sep(*s))
		s++;
	if (*s)
		*s++ = '\0';
	*cursor = s;
	return item;
}

struct parser {
	struct wg_conf *c;
	enum section sec;
	unsigned line;
	const char *key;
};

static int bad(const struct parser *p, const char *why)
{
	log_err("line %u: %s: %s", p->line, p->key, why);
	return -EINVAL;
}

static int add_dns(struct parser *p, char *v)
{
	struct wg_conf *c = p->c;
	struct in_addr a4;
	struct in6_addr a6;
	const char *why;
	char *item;

	while ((item = next_item(&v))) {
		if (parse_ipv4(item, &a4)) {
			if ((why = dns4_unusable(&a4)))
				log_warn("line %u: DNS server ignored: %s", p->line, why);
			else if (c->ndns4 < WG_CONF_DNS_MAX)
				c->dns4[c->ndns4++] = a4;
		} else if (parse_ipv6(item, &a6)) {
			if ((why = dns6_unusable(&a6)))
				log_warn("line %u: DNS server ignored: %s", p->line, why);
			else if (c->ndns6 < WG_CONF_DNS_MAX)
				c->dns6[c->ndns6++] = a6;
		} else if (strchr(item, ':') || strspn(item, "0123456789.") == strlen(item)) {
			return bad(p, "not an IP address");
		} else {
			/* What wg-quick hands resolvconf as a search domain. */
			log_warn("line %u: DNS search domain ignored (downstream qubes keep their own)",
				 p->line);
		}
	}
	return 0;
}

static int add_prefixes(struct parser *p, char *v, struct wg_prefix *out, unsigned *n,
			unsigned max)
{
	char *item;

	while ((item = next_item(&v))) {
		if (*n >= max)
			return bad(p, "too many entries");
		if (parse_prefix(item, &out[*n]) < 0)
			return bad(p, "not an IP address with an optional /prefix length");
		(*n)++;
	}
	return 0;
}

static int interface_key(struct parser *p, char *v)
{
	struct wg_conf *c = p->c;
	unsigned long n;

	if (same_nocase(p->key, "PrivateKey")) {
		squeeze(v);
		if (parse_key_value(v, c->private_key) < 0)
			return bad(p, "not a base64 WireGuard key (44 characters)");
		c->has_private_key = 1;
	} else if (same_nocase(p->key, "ListenPort")) {
		squeeze(v);
		if (parse_uint(v, 65535, &n) < 0)
			return bad(p, "not a port number");
		c->listen_port = (int)n;
	} else if (same_nocase(p->key, "FwMark")) {
		squeeze(v);
		if (parse_fwmark(v, &c->fwmark) < 0)
			return bad(p, "not a mark (a number, 0x-hex, or off)");
	} else if (!strcmp(p->key, "Address")) {
		return add_prefixes(p, v, c->addr, &c->naddr, WG_ADDR_MAX);
	} else if (!strcmp(p->key, "DNS")) {
		return add_dns(p, v);
	} else if (!strcmp(p->key, "MTU")) {
		squeeze(v);
		if (parse_uint(v, WG_MTU_MAX, &n) < 0 || n < WG_MTU_MIN)
			return bad(p, "not a number from 576 to 9200");
		c->mtu = (unsigned)n;
	} else if (!strcmp(p->key, "Table")) {
		log_warn("line %u: Table= ignored: downstream traffic is routed by table 78 only, "
			 "and this qube's own routes are not changed", p->line);
	} else if (!strcmp(p->key, "SaveConfig")) {
		log_warn("line %u: SaveConfig= ignored: the configuration is never written back",
			 p->line);
	} else if (!strcmp(p->key, "PreUp") || !strcmp(p->key, "PostUp") ||
		   !strcmp(p->key, "PreDown") || !strcmp(p->key, "PostDown")) {
		return bad(p, "shell commands are never run by qubes-vpn: remove this line");
	} else {
		return bad(p, "unknown key in [Interface]");
	}
	return 0;
}

static int peer_key(struct parser *p, char *v)
{
	struct wg_peer *peer = &p->c->peers[p->c->npeers - 1];
	unsigned long n;

	if (same_nocase(p->key, "AllowedIPs"))
		return add_prefixes(p, v, peer->allowed, &peer->nallowed, WG_ALLOWED_MAX);
	if (!strcmp(p->key, "PreUp") || !strcmp(p->key, "PostUp") ||
	    !strcmp(p->key, "PreDown") || !strcmp(p->key, "PostDown"))
		return bad(p, "shell commands are never run by qubes-vpn: remove this line");
	squeeze(v);
	if (same_nocase(p->key, "PublicKey")) {
		if (parse_key_value(v, peer->public_key) < 0)
			return bad(p, "not a base64 WireGuard key (44 characters)");
		peer->has_public_key = 1;
	} else if (same_nocase(p->key, "PresharedKey")) {
		if (parse_key_value(v, peer->preshared_key) < 0)
			return bad(p, "not a base64 WireGuard key (44 characters)");
		peer->has_preshared_key = 1;
	} else if (same_nocase(p->key, "Endpoint")) {
		if (parse_endpoint(v, &peer->endpoint, p->c->endpoint_host[p->c->npeers - 1]) < 0)
			return bad(p, "not IPV4:PORT, [IPV6]:PORT or HOSTNAME:PORT (a port from 1 "
				   "to 65535)");
	} else if (same_nocase(p->key, "PersistentKeepalive")) {
		if (same_nocase(v, "off"))
			n = 0;
		else if (parse_uint(v, 65535, &n) < 0)
			return bad(p, "not a number of seconds (0 to 65535) or off");
		peer->keepalive = (int)n;
	} else {
		return bad(p, "unknown key in [Peer]");
	}
	return 0;
}

static int section_line(struct parser *p, char *s)
{
	squeeze(s);
	if (same_nocase(s, "[Interface]")) {
		p->sec = SEC_INTERFACE;
	} else if (same_nocase(s, "[Peer]")) {
		if (p->c->npeers >= WG_PEERS_MAX) {
			log_err("line %u: more than %u peers", p->line, WG_PEERS_MAX);
			return -EINVAL;
		}
		p->c->peers[p->c->npeers++].keepalive = -1;
		p->sec = SEC_PEER;
	} else {
		log_err("line %u: unknown section (only [Interface] and [Peer])", p->line);
		return -EINVAL;
	}
	return 0;
}

/* One line, NUL-terminated, without its line break. */
static int parse_line(struct parser *p, char *s)
{
	char *eq, *hash = strchr(s, '#'), *k, *end;

	if (hash)
		*hash = '\0';
	k = s + strspn(s, " \t\r\v\f");
	if (!*k)
		return 0;
	if (*k == '[')
		return section_line(p, k);
	eq = strchr(k, '=');
	if (!eq) {
		log_err("line %u: neither a section nor KEY = VALUE", p->line);
		return -EINVAL;
	}
	for (end = eq; end > k && strchr(" \t\r\v\f", end[-1]); end--)
		;
	*end = '\0';
	p->key = k;
	if (strlen(k) > 32 || strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != strlen(k)) {
		log_err("line %u: not a key name", p->line);
		return -EINVAL;
	}
	if (p->sec == SEC_NONE)
		return bad(p, "outside of any section ([Interface] or [Peer] first)");
	return p->sec == SEC_INTERFACE ? interface_key(p, eq + 1) : peer_key(p, eq + 1);
}

static int check_conf(const struct wg_conf *c)
{
	unsigned i, with_endpoint = 0;

	if (!c->has_private_key) {
		log_err("[Interface] has no PrivateKey");
		return -EINVAL;
	}
	if (!c->naddr) {
		log_err("[Interface] has no Address: the tunnel needs this side's address");
		return -EINVAL;
	}
	if (!c->npeers) {
		log_err("no [Peer]: nothing to connect to");
		return -EINVAL;
	}
	for (i = 0; i < c->npeers; i++) {
		if (!c->peers[i].has_public_key) {
			log_err("[Peer] %u has no PublicKey", i + 1);
			return -EINVAL;
		}
		if (c->peers[i].endpoint.family || c->endpoint_host[i][0])
			with_endpoint++;
	}
	if (!with_endpoint) {
		log_err("no [Peer] has an Endpoint: nothing to connect to");
		return -EINVAL;
	}
	return 0;
}

int wg_conf_parse(const char *text, size_t len, struct wg_conf *c)
{
	char line[WG_CONF_LINE_MAX + 1];
	struct parser p = { c, SEC_NONE, 0, "" };
	size_t off = 0, n;
	const char *nl;
	int err;

	memset(c, 0, sizeof(*c));
	c->listen_port = -1;
	if (len > WG_CONF_FILE_MAX) {
		log_err("configuration over %u bytes", WG_CONF_FILE_MAX);
		return -EINVAL;
	}
	if (memchr(text, '\0', len)) {
		log_err("configuration holds a NUL byte: not a text file");
		return -EINVAL;
	}
	while (off < len) {
		p.line++;
		nl = memchr(text + off, '\n', len - off);
		n = nl ? (size_t)(nl - (text + off)) : len - off;
		if (n > WG_CONF_LINE_MAX) {
			log_err("line %u: longer than %u bytes", p.line, WG_CONF_LINE_MAX);
			return -EINVAL;
		}
		memcpy(line, text + off, n);
		line[n] = '\0';
		off += n + (nl != NULL);
		err = parse_line(&p, line);
		if (err < 0)
			return err;
	}
	return check_conf(c);
}

int wg_conf_load(const char *path, struct wg_conf *c)
{
	static char text[WG_CONF_FILE_MAX + 1];
	struct stat st;
	ssize_t len = read_small_file(path, text, sizeof(text), &st);
	int err;

	if (len < 0) {
		if (len == -EFBIG)
			log_err("%s: over %u bytes", path, WG_CONF_FILE_MAX);
		else
			log_err("%s: %s", path,
				len == -EINVAL ? "not a regular file" : strerror((int)-len));
		return (int)len;
	}
	/* It holds the private key: nobody but its owner (and group) may
	 * read it, and only they may change it. wg-quick only warns; a key
	 * others could read is not a key any more, so this refuses. */
	if (st.st_mode & (S_IROTH | S_IWOTH | S_IWGRP)) {
		/* The mode in octal, by hand: the static build's printf has no %o. */
		char mode[5] = { (char)('0' + (st.st_mode >> 9 & 7)), (char)('0' + (st.st_mode >> 6 & 7)),
				 (char)('0' + (st.st_mode >> 3 & 7)), (char)('0' + (st.st_mode & 7)), 0 };

		memset(text, 0, sizeof(text));
		log_err("%s: readable or writable by others (mode %s): make it 0600 or 0640",
			path, mode);
		return -EPERM;
	}
	err = wg_conf_parse(text, (size_t)len, c);
	memset(text, 0, sizeof(text));        /* the private key */
	if (err < 0)
		log_err("%s: not usable, see above", path);
	return err;
}

int wg_conf_covers_all(const struct wg_conf *c, uint8_t family)
{
	unsigned i, j;

	for (i = 0; i < c->npeers; i++)
		for (j = 0; j < c->peers[i].nallowed; j++)
			if (c->peers[i].allowed[j].family == family && !c->peers[i].allowed[j].len)
				return 1;
	return 0;
}

int wg_conf_has_family(const struct wg_conf *c, uint8_t family)
{
	unsigned i;

	for (i = 0; i < c->naddr; i++)
		if (c->addr[i].family == family)
			return 1;
	return 0;
}

unsigned wg_conf_gaps(const struct wg_conf *c, const char *why[2])
{
	unsigned n = 0;

	if (!wg_conf_covers_all(c, AF_INET))
		why[n++] = "AllowedIPs does not cover 0.0.0.0/0: downstream IPv4 traffic to other "
			   "addresses is refused (dropped in the tunnel)";
	if (!wg_conf_has_family(c, AF_INET6))
		why[n++] = "no IPv6 Address: downstream IPv6 traffic is refused (blocked)";
	else if (!wg_conf_covers_all(c, AF_INET6))
		why[n++] = "AllowedIPs does not cover ::/0: downstream IPv6 traffic to other "
			   "addresses is refused (dropped in the tunnel)";
	return n;
}
