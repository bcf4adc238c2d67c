# vpnlib.sh - sourced by the end-to-end tests after lib.sh: the Qubes-like
# topology with leak counters, a small PKI, the VPN's and the NetVM's DNS
# servers (dnsmasq), OpenVPN server and client helpers (the client gets
# exactly the options of the shipped unit), fakes of qubesdb-read and
# qrexec-client-vm, and the leak and connectivity checks.

topo_qubes
leak_counters_install
mkdir -p "$TMP/bin" "$TMP/fakebin" "$TMP/run" "$TMP/pki"
for a in up down forwarding; do ln -s "$QV" "$TMP/bin/qubes-vpn-$a"; done

# qubesdb as a Qubes ProxyVM has it; the hooks find it through PATH, which
# OpenVPN passes only because the client is started with --setenv PATH.
cat >"$TMP/fakebin/qubesdb-read" <<EOF
#!/bin/sh
echo "\$*" >>"$TMP/qubesdb-calls"
case "\$1" in
/qubes-netvm-primary-dns) echo 10.139.1.1 ;;
/qubes-netvm-secondary-dns) echo 10.139.1.2 ;;
*) exit 1 ;;
esac
EOF
chmod +x "$TMP/fakebin/qubesdb-read"
# The hooks' notifications: a fake qrexec-client-vm records each message.
cat >"$TMP/fakebin/qrexec-client-vm" <<EOF
#!/bin/sh
{ echo "--- \$*"; cat; } >>"$TMP/notifications"
EOF
chmod +x "$TMP/fakebin/qrexec-client-vm"
: >"$TMP/notifications"
notified() { grep -qF -- "$1" "$TMP/notifications"; }

# ---- a small PKI ----
pki() {
	local d=$TMP/pki
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout $d/ca.key -out $d/ca.crt -subj /CN=testca -days 2 2>/dev/null
	for who in server client; do
		local eku=serverAuth
		[ $who = client ] && eku=clientAuth
		printf 'extendedKeyUsage=%s\nkeyUsage=digitalSignature,keyAgreement\n' $eku >$d/$who.ext
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout $d/$who.key -out $d/$who.csr -subj /CN=$who 2>/dev/null
		openssl x509 -req -in $d/$who.csr -CA $d/ca.crt -CAkey $d/ca.key \
			-CAcreateserial -out $d/$who.crt -days 2 -extfile $d/$who.ext 2>/dev/null
	done
}
pki

# ---- DNS servers in NET ----
# The VPN's DNS, reachable only through the tunnel; and the NetVM's DNS on
# the uplink, which must never see a downstream query. Different answers.
start_dns() {
	local name=$1 answer=$2 answer6=$3
	shift 3
	# Its own pid file: the default, /var/run/dnsmasq.pid, is the host's and
	# is shared by both servers, one of which then fails to start.
	ip netns exec "$NET" dnsmasq --keep-in-foreground --pid-file="$TMP/$name.pid" \
		--conf-file=/dev/null --no-resolv \
		--no-hosts --user=root --port=53 --log-queries --log-facility="$TMP/$name.log" \
		--address=/internet.test/$answer --address=/internet.test/$answer6 "$@" &
	BG_PIDS+=($!)
}
start_dns vpndns 198.51.100.1 2001:db8:99::1 --bind-dynamic \
	--listen-address=10.8.0.1 --listen-address=fd00:8::1 --listen-address=10.9.0.1
start_dns netdns 203.0.113.99 2001:db8:99::99 --bind-interfaces \
	--listen-address=10.138.5.1 --listen-address=2001:db8:1::1
check "the NetVM's DNS server is up (it answers the VPN qube itself)" \
	wait_until 10 bash -c "dns_query() { :; }; grep -qs 'started' '$TMP/netdns.log'"
check_contains "the NetVM's DNS server answers the VPN qube with its own answer" \
	"$(dns_query "$VPN" udp 10.138.5.1)" "cb 00 71 63"
: >"$TMP/netdns.log"

# ---- OpenVPN ----
# The VPN server is a host on the internet, as in real life: not the
# NetVM, whose resolver at 10.138.5.1 must stay a separate destination
# (OpenVPN drops tunnel packets addressed to its own server).
VPN_SERVER=192.0.2.1
ip -n "$NET" addr add "$VPN_SERVER/32" dev lo
# start_server NAME PORT NET4 NET6 PUSH...
start_server() {
	local name=$1 port=$2 net4=$3 net6=$4 push=()
	shift 4
	for p in "$@"; do push+=(--push "$p"); done
	ip netns exec "$NET" openvpn --server "$net4" 255.255.255.0 --server-ipv6 "$net6" \
		--topology subnet --dev "tun-$name" --proto udp --local "$VPN_SERVER" --port "$port" \
		--ca "$TMP/pki/ca.crt" --cert "$TMP/pki/server.crt" --key "$TMP/pki/server.key" \
		--dh none --keepalive 1 4 --verb 3 --log "$TMP/$name.log" "${push[@]}" &
	BG_PIDS+=($!)
	wait_until 20 grep -qs "Initialization Sequence Completed" "$TMP/$name.log"
}

# The client runs with exactly the options the shipped unit gives OpenVPN
# after --config, the installed paths of the hooks pointing at this build.
unit_opts=$(sed -n 's/^ExecStart=.* --config qubes-vpn\.conf //p' "$TOP/units/qubes-vpn.service")
read -r -a CLIENT_OPTS <<<"${unit_opts//\/usr\/sbin\//$TMP/bin/}"
check_eq "the client gets the unit's options" "${CLIENT_OPTS[*]}" \
	"--route-noexec --script-security 2 --up $TMP/bin/qubes-vpn-up --down $TMP/bin/qubes-vpn-down --up-restart --persist-tun"
start_client() {
	local port=$1
	: >"$TMP/client.log"
	ip netns exec "$VPN" openvpn --client --dev tun0 --proto udp --remote "$VPN_SERVER" "$port" \
		--nobind --ca "$TMP/pki/ca.crt" --cert "$TMP/pki/client.crt" \
		--key "$TMP/pki/client.key" --remote-cert-tls server --connect-retry 1 \
		--verb 3 --log "$TMP/client.log" \
		--setenv QUBES_VPN_RUNDIR "$TMP/run" \
		--setenv PATH "$TMP/fakebin:/usr/sbin:/usr/bin:/sbin:/bin" \
		"${CLIENT_OPTS[@]}" &
	CLIENT_PID=$!
	BG_PIDS+=($CLIENT_PID)
}
state_is() {
	nsx "$VPN" "$QV" forwarding status 2>/dev/null | grep -q "^state: $1"
}
completed_count() {
	grep -c "Initialization Sequence Completed" "$TMP/client.log"
}

# leaks_during NAME: probes from APP; not one of them may reach the far side
# of the uplink in clear (exact nft counters), nor the NetVM's DNS.
leaks_during() {
	local before after
	before=$(leak_count)
	probe_all
	# Real queries too, so that the NetVM's DNS would log them if they came.
	dns_query "$APP" udp 10.139.1.1 >/dev/null
	dns_query "$APP" tcp 10.139.1.2 >/dev/null
	dns_query "$APP" udp fd09:24ef:4179::a8b:1 >/dev/null
	after=$(leak_count)
	check_eq "$1: no downstream packet leaves through the uplink in clear" \
		$((after - before)) 0
	check_eq "$1: the NetVM's DNS server saw no query" \
		"$(grep -c 'query\[' "$TMP/netdns.log" 2>/dev/null)" 0
}

# connected_checks NAME: the downstream qube works through the tunnel.
connected_checks() {
	check "$1: AppVM reaches the internet host (IPv4 ping)" \
		quiet nsx "$APP" ping -c1 -W2 -q 198.51.100.1
	check "$1: AppVM reaches the internet host (IPv6 ping)" \
		quiet nsx "$APP" ping -6 -c1 -W2 -q 2001:db8:99::1
	local err
	err=$(nsx "$APP" timeout 3 bash -c 'echo >/dev/tcp/198.51.100.1/7777' 2>&1)
	check_contains "$1: TCP reaches the internet host (refused by it, not lost)" "$err" \
		"Connection refused"
	check "$1: DNS over UDP to 10.139.1.1 answered by the VPN's DNS" \
		wait_until 10 vpn_dns_answers "$APP" udp 10.139.1.1
	check "$1: DNS over TCP to 10.139.1.2 answered by the VPN's DNS" \
		wait_until 10 vpn_dns_answers "$APP" tcp 10.139.1.2
	check "$1: DNS over IPv6 to fd09:24ef:4179::a8b:1 answered by the VPN's DNS" \
		wait_until 10 vpn_dns_answers "$APP" udp fd09:24ef:4179::a8b:1
}

