#!/bin/bash
# providers.test.sh - every configuration of the provider corpus
# (tests/fixtures/providers, filled in from the test bed's PKI) imported
# with qubes-vpn-configurator --import, then connected end to end on Qubes'
# own network code (the test bed, Qubes 4.3 unless QUBES_VERSION says
# otherwise: the import does not depend on the Qubes version) with OpenVPN
# run as the unit runs it, against a server set up as that provider's is:
# certificates only; comp-lzo; tls-crypt; tls-crypt with user name and
# password checked by auth-user-pass-verify and no client certificate. The
# credentials are the ones the configurator stored (0600, the unit's
# user); the hostile configuration connects with none of its programs run,
# files written or DNS hidden.
. "$(dirname "$0")/lib.sh"
QV=$(realpath "$QV")   # the hooks are links to it
export QUBES_VERSION=${QUBES_VERSION:-4.3}
. "$(dirname "$0")/vpnlib.sh"
. "$(dirname "$0")/providers.sh"

T0=$SECONDS
provider_pki "$TMP/pki"   # vpnlib.sh made the certificates; this adds the tls-crypt key
MARK_DIR=$TMP/mark
mkdir -p "$MARK_DIR"
chmod 777 "$MARK_DIR"
MARK=$MARK_DIR/hostile
provider_corpus "$TMP/pki" "$TMP" "$MARK"
# The qube's qubes-vpn user is the unit's uid here, for the configurator.
provider_accounts "$UNIT_UID" "$UNIT_UID"
# import FILE ARGS...: qubes-vpn-configurator --import FILE into the
# client's configuration directory, as root; stdin from $TMP/stdin.
: >"$TMP/stdin"
import() {
	local file=$1
	shift
	with_accounts env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$QV" configurator --dir "$TMP/conf" \
		--import "$file" "$@" <"$TMP/stdin" >"$TMP/import.out" 2>&1
}

# serve NAME OPTION...: (re)start the VPN server on vpnserver.test:1194 with
# OPTION... added to the usual (the VPN's DNS pushed, 10.8.0.0/24).
SRV_PID=
serve() {
	local name=$1
	shift
	if [ -n "$SRV_PID" ]; then
		kill "$SRV_PID"
		wait "$SRV_PID" 2>/dev/null
	fi
	ip netns exec "$NET" openvpn --server 10.8.0.0 255.255.255.0 --server-ipv6 fd00:8::/64 \
		--topology subnet --dev tun-srv --proto udp --local "$VPN_SERVER" --port 1194 \
		--ca "$TMP/pki/ca.crt" --cert "$TMP/pki/server.crt" --key "$TMP/pki/server.key" \
		--dh none --keepalive 1 4 --verb 3 --log "$TMP/srv-$name.log" \
		--push "redirect-gateway def1 ipv6" --push "dhcp-option DNS 10.8.0.1" \
		--push "dhcp-option DNS6 fd00:8::1" "$@" >>"$TMP/srv-$name.out" 2>&1 &
	SRV_PID=$!
	BG_PIDS+=("$SRV_PID")
	check "server '$name' is up" wait_until 20 grep -qs "Initialization Sequence Completed" "$TMP/srv-$name.log"
	check "... the VPN's DNS listens on its tunnel addresses" vpn_dns_ready 10.8.0.1 fd00:8::1
}
# connect: OpenVPN as qubes-vpn.service runs it, on the imported
# configuration (vpnlib.sh's command line: the unit's, logging to a file).
connect() {
	: >"$TMP/client.log"
	unit_priv qubes-vpn.service
	"$QB/exec.sh" "$VPN" "${PRIV[@]}" "${CLIENT_CMD[@]}" --log-append "$TMP/client.log" \
		>>"$TMP/client.out" 2>&1 &
	CLIENT_PID=$!
	BG_PIDS+=("$CLIENT_PID")
}
# through NAME: connected, and a downstream qube uses the tunnel and the
# VPN's DNS; then disconnected again.
through() {
	local t=$SECONDS
	check "$1: OpenVPN as the unit's user connects; the up hook switches to connected" \
		wait_until 30 state_is connected
	echo "# $1: connected in $((SECONDS - t)) s"
	check "$1: the AppVM reaches the internet host through the tunnel" \
		pings "$APP" 198.51.100.1
	check "$1: its DNS is answered by the VPN's DNS server (pushed, not hidden)" \
		vpn_dns_answered "$APP" udp 10.139.1.1
}
disconnect() {
	stop_client TERM
	check "$1: stopped: blocked again" wait_until 10 state_is blocked
}

check "the kill switch is armed (forwarding on, as its unit runs it)" quiet forwarding on

# ---- certificates only: several remotes; the hostile configuration ----
serve certs
check "multi-remote: imported" import "$TMP/multi-remote.ovpn"
check_contains "multi-remote: its change listed" "$(cat "$TMP/import.out")" \
	"commented out 'redirect-gateway def1 bypass-dhcp'"
connect
through multi-remote
check "multi-remote: the server was found by its name (the NetVM's resolvers)" \
	grep -q 'query\[A\] vpnserver.test' "$TMP/netdns.log"
disconnect multi-remote

check "hostile: imported" import "$TMP/hostile.ovpn"
check_contains "hostile: 17 changes listed, OpenVPN accepts the rest" "$(cat "$TMP/import.out")" \
	"OpenVPN accepts it (17 changes, 0 warnings)"
# The oracle can see an attack: the unit's user may create the marks.
check "hostile: the unit's user could write where the configuration points" \
	"$QB/exec.sh" "$VPN" setpriv --reuid="$UNIT_UID" --regid="$UNIT_UID" --clear-groups touch "$MARK.probe"
rm -f "$MARK.probe"
connect
through hostile
check_eq "hostile: none of its programs ran and no file it names was written" "$(ls -A "$MARK_DIR")" ""
check "hostile: OpenVPN stayed in the foreground (no daemon)" kill -0 "$CLIENT_PID"
check_eq "hostile: ... as the unit's user (no user/group switch)" "$(stat -c %u "/proc/$CLIENT_PID")" "$UNIT_UID"
check_fails "hostile: no management port" grep -q ':7505 ' <<<"$(nsx "$VPN" ss -ltnH)"
check "hostile: its log went where the unit's goes" grep -q "Initialization Sequence Completed" "$TMP/client.log"
disconnect hostile

# ---- comp-lzo ----
serve lzo --comp-lzo
check "comp-lzo: imported" import "$TMP/comp-lzo.ovpn"
check_contains "comp-lzo: nothing changed" "$(cat "$TMP/import.out")" "(0 changes, 0 warnings)"
connect
through comp-lzo
disconnect comp-lzo

# ---- tls-crypt: openvpn-install style ----
serve tls-crypt --tls-crypt "$TMP/pki/tls-crypt.key"
check "openvpn-install: imported" import "$TMP/openvpn-install.ovpn"
check_contains "openvpn-install: block-outside-dns commented out" "$(cat "$TMP/import.out")" \
	"commented out 'block-outside-dns': Windows-only"
connect
through openvpn-install
disconnect openvpn-install

# ---- user name and password, tls-crypt, no client certificate ----
cat >"$TMP/verify.sh" <<'EOF'
#!/bin/sh
# auth-user-pass-verify via-file: $1 holds the user name and password.
[ "$(sed -n 1p "$1")" = alice ] && [ "$(sed -n 2p "$1")" = 'c0rrect horse' ]
EOF
chmod 755 "$TMP/verify.sh"
serve userpass --tls-crypt "$TMP/pki/tls-crypt.key" --verify-client-cert none \
	--username-as-common-name --script-security 2 --auth-user-pass-verify "$TMP/verify.sh" via-file
printf 'alice\nwrong\n' >"$TMP/stdin"
check "commercial: imported, credentials from stdin" import "$TMP/commercial.ovpn" --credentials-from -
check_contains "commercial: auth-user-pass points at the stored credentials" "$(cat "$TMP/import.out")" \
	"'auth-user-pass' now reads $TMP/conf/credentials (mode 0600, owned by qubes-vpn)"
check_eq "commercial: the credentials file: mode 0600, the unit's user" \
	"$(stat -c '%a %u' "$TMP/conf/credentials")" "600 $UNIT_UID"
# The server does check: a wrong password does not connect.
connect
check "commercial, wrong password: the server refuses it" wait_until 20 grep -q AUTH_FAILED "$TMP/client.log"
check_fails "... not connected" state_is connected
stop_client TERM 2>/dev/null   # it may have exited on AUTH_FAILED already
printf 'alice\nc0rrect horse\n' >"$TMP/stdin"
check "commercial: the right credentials stored (--credentials)" import "$TMP/commercial.ovpn" \
	--credentials --credentials-from -
check_eq "commercial: ... mode 0600, the unit's user" "$(stat -c '%a %u' "$TMP/conf/credentials")" "600 $UNIT_UID"
check_fails "commercial: the password never shown" grep -q horse "$TMP/import.out"
connect
through commercial
check "commercial: the server took alice's user name and password" \
	grep -q "TLS: Username/Password authentication succeeded for username 'alice'" "$TMP/srv-userpass.log"
disconnect commercial

check_eq "no downstream packet left in clear through all of it" "$(leak_count)" 0
echo "# providers.test.sh: $((SECONDS - T0)) s after the test bed was up"
finish
