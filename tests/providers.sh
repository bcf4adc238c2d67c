# shellcheck shell=bash
# providers.sh - sourced by the tests of the provider corpus
# (tests/fixtures/providers/*.ovpn, templates written for these tests): a
# throwaway PKI, and each template filled in from it.
PROVIDERS=$TOP/tests/fixtures/providers
PROVIDER_CONFIGS="commercial openvpn-install comp-lzo multi-remote hostile"

# provider_pki DIR: in DIR a CA, server and client certificates (EC P-256,
# vpnlib.sh's names: ca.crt, server.crt/key, client.crt/key) and a
# tls-crypt key, each made unless it is there; readable by all (test keys).
provider_pki() {
	local d=$1 who eku
	mkdir -p "$d"
	[ -e "$d/ca.crt" ] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$d/ca.key" -out "$d/ca.crt" -subj /CN=testca -days 2 2>/dev/null
	for who in server client; do
		[ -e "$d/$who.crt" ] && continue
		eku=serverAuth
		[ $who = client ] && eku=clientAuth
		printf 'extendedKeyUsage=%s\nkeyUsage=digitalSignature,keyAgreement\n' $eku >"$d/$who.ext"
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout "$d/$who.key" -out "$d/$who.csr" -subj /CN=$who 2>/dev/null
		openssl x509 -req -in "$d/$who.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
			-CAcreateserial -out "$d/$who.crt" -days 2 -extfile "$d/$who.ext" 2>/dev/null
	done
	[ -e "$d/tls-crypt.key" ] || openvpn --genkey secret "$d/tls-crypt.key" >/dev/null
	chmod 755 "$d"
	chmod 644 "$d"/*
}

# provider_config NAME PKI PORT MARK: template NAME with its placeholders
# filled in: @CA@, @CLIENT_CERT@, @CLIENT_KEY@, @TLS_CRYPT@ (lines of
# their own) from PKI, @PORT@ and @MARK@ (a path prefix the hostile
# configuration would create files at).
provider_config() {
	awk -v pki="$2" -v port="$3" -v mark="$4" '
	function put(f,   l) { while ((getline l <f) > 0) print l; close(f) }
	$0 == "@CA@" { put(pki "/ca.crt"); next }
	$0 == "@CLIENT_CERT@" { put(pki "/client.crt"); next }
	$0 == "@CLIENT_KEY@" { put(pki "/client.key"); next }
	$0 == "@TLS_CRYPT@" { put(pki "/tls-crypt.key"); next }
	{ gsub(/@PORT@/, port); gsub(/@MARK@/, mark); print }' "$PROVIDERS/$1.ovpn"
}

# provider_accounts UID GID: $TMP/passwd and $TMP/group, copies of the
# system's with the unit's user qubes-vpn (UID, group GID) added, for
# with_accounts.
provider_accounts() {
	{ cat /etc/passwd; echo "qubes-vpn:x:$1:$2:Qubes VPN:/nonexistent:/usr/sbin/nologin"; } >"$TMP/passwd"
	{ cat /etc/group; echo "qubes-vpn:x:$2:"; } >"$TMP/group"
}
# with_accounts CMD...: CMD with $TMP/passwd and $TMP/group bind-mounted on
# /etc/passwd and /etc/group, in a mount namespace of its own.
with_accounts() {
	unshare -m sh -c 'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group &&
		shift 2 && exec "$@"' sh "$TMP/passwd" "$TMP/group" "$@"
}
# provider_corpus PKI DIR MARK: every template filled in, as DIR/NAME.ovpn
# (port 1194; MARK for the hostile one).
provider_corpus() {
	local name
	mkdir -p "$2"
	for name in $PROVIDER_CONFIGS; do
		provider_config "$name" "$1" 1194 "$3" >"$2/$name.ovpn"
	done
}
