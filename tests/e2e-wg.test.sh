#!/bin/bash
# e2e-wg.test.sh - the WireGuard gateway end to end on Qubes' own network
# code (the test bed, each Qubes version): Debian's
# wireguard-go on both ends, the client side run exactly as
# qubes-vpn-wg.service runs it (`qubes-vpn-wg start`, which on this kernel,
# without WireGuard, falls back to wireguard-go, and `qubes-vpn-wg up` as
# the unit's user with CAP_NET_ADMIN only, its ExecStopPost after every
# stop; the kernel backend's own path as far as a kernel without the
# module allows: another kind of device in the tunnel's place);
# the server configured with wg(8), an independent implementation of the
# protocol we speak to wireguard-go, and the oracle for the handshake.
#   APP, APP2 -- VPN qube (Qubes ProxyVM, qubes-firewall daemon) -- NET
#   (NetVM, its resolvers, the internet host, the WireGuard server at
#   192.0.2.1:51820 whose tunnel side 10.8.0.1 / fd00:8::1 is the VPN's DNS)
# Continuous downstream traffic (IPv4, IPv6, DNS over UDP and TCP) runs
# through every phase: blocked before up, connected, Qubes restarting its
# firewall, the peer removed on the server and back, wireguard-go killed
# with SIGKILL, the endpoint unreachable, an Endpoint host name that does
# not resolve, restart with the Endpoint given as vpnserver.test (resolved
# by the NetVM's resolvers, which the VPN qube's resolv.conf names again
# after the failures); exact counters on the far side of the uplink count
# what arrives in clear, first shown to count it without the kill switch.
# The watchdog (qubes-vpn-wg-watch.service) runs whenever the unit is
# active, with a test threshold of WATCH_STALE s in place of 210 s: each
# disconnection and reconnection recorded once.
# testbed: each Qubes version
. "$(dirname "$0")/lib.sh"
QUBES_VERSION=${QUBES_VERSION:-4.3}
. "$(dirname "$0")/vpnlib.sh"

command -v wireguard-go >/dev/null && command -v wg >/dev/null ||
	{ echo "not ok - wireguard-go and wg (wireguard-tools) are installed"; exit 1; }
ln -s "$QV" "$TMP/bin/qubes-vpn-wg"
WGU=qubes-vpn-wg.service WGW=qubes-vpn-wg-watch.service
# The watchdog's threshold for this test (the unit's is 210 s): the stream
# answered through the tunnel is its sign of life between handshakes.
WATCH_STALE=6

# ---- the server, in NET: wireguard-go configured by wg(8) ----
SRV=qvs$RUN_ID
CLEANUP_CMDS+=("rm -f /var/run/wireguard/$SRV.sock")
mkdir -p "$TMP/wg"
(umask 077 && wg genkey >"$TMP/wg/server.key" && wg genkey >"$TMP/wg/client.key")
SRV_PUB=$(wg pubkey <"$TMP/wg/server.key")
CLI_PUB=$(wg pubkey <"$TMP/wg/client.key")
nsx "$NET" wireguard-go "$SRV" >>"$TMP/wg-server.log" 2>&1
srv_peer() {
	nsx "$NET" wg set "$SRV" peer "$CLI_PUB" allowed-ips 10.8.0.2/32,fd00:8::2/128
}
check "the server's wireguard-go is configured by wg(8)" \
	nsx "$NET" wg set "$SRV" private-key "$TMP/wg/server.key" listen-port 51820
srv_peer
ip -n "$NET" addr add 10.8.0.1/24 dev "$SRV"
ip -n "$NET" addr add fd00:8::1/64 dev "$SRV" nodad
ip -n "$NET" link set "$SRV" up
check "the VPN's DNS listens on the server's tunnel addresses" vpn_dns_ready 10.8.0.1 fd00:8::1
# handshakes: the server's count of handshakes with the client (wg's oracle).
srv_handshake() { nsx "$NET" wg show "$SRV" latest-handshakes | awk '{ print $2 }'; }

# ---- the client's configuration, as a provider hands it out ----
write_conf() {
	cat >"$TMP/conf/wireguard.conf" <<-EOF
	# from the provider
	[Interface]
	PrivateKey = $(cat "$TMP/wg/client.key")
	Address = 10.8.0.2/32, fd00:8::2/128
	DNS = 10.8.0.1, fd00:8::1
	Table = auto

	[Peer]
	PublicKey = $SRV_PUB
	AllowedIPs = 0.0.0.0/0, ::/0   # everything
	Endpoint = ${1:-192.0.2.1}:51820
	EOF
	chown "$UNIT_UID" "$TMP/conf/wireguard.conf"
	chmod 600 "$TMP/conf/wireguard.conf"
}
write_conf

# ---- the unit, as systemd runs it ----
check_eq "qubes-vpn-wg.service runs as its own user with CAP_NET_ADMIN only" \
	"$(unit_value $WGU User) $(unit_value $WGU AmbientCapabilities) $(unit_value $WGU CapabilityBoundingSet) $(unit_value $WGU NoNewPrivileges)" \
	"qubes-vpn CAP_NET_ADMIN CAP_NET_ADMIN yes"
check_eq "... \`start\` (the kernel's device, else wireguard-go) forking its main process, the applet after it" \
	"$(unit_value $WGU Type) $(unit_cmd $WGU ExecStart) | $(unit_cmd $WGU ExecStartPost) | $(unit_cmd $WGU ExecStopPost)" \
	"forking $TMP/bin/qubes-vpn-wg start | $TMP/bin/qubes-vpn-wg up $TMP/conf/wireguard.conf | $TMP/bin/qubes-vpn-wg down"
# RuntimeDirectory=qubes-vpn wireguard: both owned by the unit's user.
check_eq "... with wireguard-go's socket directory of its own" "$(unit_value $WGU RuntimeDirectory)" \
	"qubes-vpn wireguard"
check_eq "the watchdog: a unit of its own, as the same user with CAP_NET_ADMIN only" \
	"$(unit_value $WGW User) $(unit_value $WGW AmbientCapabilities) $(unit_value $WGW CapabilityBoundingSet) $(unit_value $WGW NoNewPrivileges) | $(unit_cmd $WGW ExecStart)" \
	"qubes-vpn CAP_NET_ADMIN CAP_NET_ADMIN yes | $TMP/bin/qubes-vpn-wg watch"
check_eq "... kept running while the WireGuard unit is active, stopped with it" \
	"$(unit_value $WGU Upholds) $(unit_value $WGW BindsTo) $(unit_value $WGW After)" \
	"$WGW $WGU $WGU"
check_eq "... and the test threshold never reaches it" "$(unit_value $WGW UnsetEnvironment)" \
	QUBES_VPN_WG_STALE
mkdir -p "$ST/run/wireguard"
chown "$UNIT_UID:$UNIT_UID" "$ST/run/wireguard"
chmod "$(unit_value $WGU RuntimeDirectoryMode)" "$ST/run/wireguard"

# client_pid: wireguard-go's daemon in the VPN qube.
client_pid() {
	local p
	for p in $(ip netns pids "$VPN"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = wireguard-go ] && echo "$p"
	done
}
# wg_start [ARGS]: ExecStart (here wireguard-go, which forks and returns
# once the device and its socket exist), then ExecStartPost with ARGS
# appended; its status. Once it succeeded (the unit is active), Upholds=
# starts the watchdog.
WATCH_PID=
wg_start() {
	# shellcheck disable=SC2046
	as_unit $WGU $(unit_cmd $WGU ExecStart) >>"$TMP/wg-client.log" 2>&1 || return 1
	# shellcheck disable=SC2046
	as_unit $WGU $(unit_cmd $WGU ExecStartPost) "$@" >>"$TMP/wg-client.log" 2>&1 || return 1
	unit_priv $WGW
	# exec.sh, ip netns exec, setpriv and env all exec: $! is the watchdog.
	# shellcheck disable=SC2046
	"$QB/exec.sh" "$VPN" "${PRIV[@]}" env QUBES_VPN_WG_STALE=$WATCH_STALE \
		$(unit_cmd $WGW ExecStart) >>"$TMP/wg-watch.log" 2>&1 &
	WATCH_PID=$!
	BG_PIDS+=($WATCH_PID)
}
# wg_stop SIGNAL: what systemd does to stop the unit or after its main
# process died: the watchdog stopped (BindsTo=, After=: before the unit),
# signal wireguard-go, wait for it, then ExecStopPost (its status).
wg_stop() {
	local p
	if [ -n "$WATCH_PID" ]; then
		kill -TERM "$WATCH_PID" 2>/dev/null
		wait "$WATCH_PID" 2>/dev/null
		WATCH_PID=
	fi
	p=$(client_pid)
	[ -n "$p" ] && kill -"$1" $p
	wait_until 10 bash -c "[ -z \"\$(ip netns pids $VPN | while read -r q; do grep -lx wireguard-go /proc/\$q/comm; done 2>/dev/null)\" ]"
	# shellcheck disable=SC2046
	as_unit $WGU $(unit_cmd $WGU ExecStopPost) >>"$TMP/wg-client.log" 2>&1
}
dev_gone() { ! ip -n "$VPN" link show qubes-vpn-wg >/dev/null 2>&1; }
# recorded STATE: what the state file says (state_is reads the kernel's
# routes, which the watchdog leaves into the tunnel).
recorded() { grep -qx "state=$1" "$RUN/state" 2>/dev/null; }
# events SUMMARY: how many lines of the events log have it.
events() { grep -c "$1" "$RUN/events" 2>/dev/null; }
# comm_pid NAME: the VPN qube's process of that name.
comm_pid() {
	local p
	for p in $(ip netns pids "$VPN"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$1" ] && echo "$p"
	done
}

# ---- 0. the counters see leaks: Qubes' code alone, no kill switch ----
stream_start
probe_all
check "without the kill switch the far side counts downstream IPv4, IPv6, DNS/UDP and DNS/TCP in clear" \
	wait_until 10 all_classes_counted
stream_stop
for c in to-internet-v4 to-internet-v6 dns-udp-v4 dns-tcp-v4; do echo "#   $c: $(leak_counter $c)"; done
: >"$TMP/netdns.log"

# ---- 1. boot: blocked before up ----
nsx "$VPN" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
STREAM_BASE=$(leak_count)
stream_start
check "forwarding on, as qubes-vpn-forwarding.service runs it" quiet forwarding on
nsx "$VPN" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
leaks_during "blocked before up"

# ---- 2. hostile or unsafe configurations: refused, blocked ----
cp "$TMP/conf/wireguard.conf" "$TMP/wg/good.conf"
refused() {
	as_unit $WGU "$TMP/bin/qubes-vpn-wg" up --timeout 2 "$TMP/conf/wireguard.conf" >"$TMP/wg/refused.log" 2>&1
	[ $? -eq 1 ] && state_is blocked
}
printf 'PostUp = iptables -F\n' >>"$TMP/conf/wireguard.conf"
check "a PostUp= hook is refused, the gateway stays blocked" refused
check_contains "... naming the line and why" "$(cat "$TMP/wg/refused.log")" \
	"line 12: PostUp: shell commands are never run by qubes-vpn: remove this line"
cp "$TMP/wg/good.conf" "$TMP/conf/wireguard.conf"
chmod 644 "$TMP/conf/wireguard.conf"
check "a configuration others may read is refused" refused
check_contains "... saying so" "$(cat "$TMP/wg/refused.log")" "readable or writable by others (mode 0644)"
check_fails "... and no message shows the private key" grep -qF "$(cat "$TMP/wg/client.key")" "$TMP/wg/refused.log"
chmod 600 "$TMP/conf/wireguard.conf"
sed -i 's/^Endpoint = .*/Endpoint = novpn.test:51820/' "$TMP/conf/wireguard.conf"
check "an Endpoint host name that does not resolve: up fails, blocked" refused
check_contains "... naming the host and the reason" "$(cat "$TMP/wg/refused.log")" \
	"Endpoint novpn.test: cannot resolve it: no such name (NXDOMAIN)"
check "... asked of the VPN qube's own resolver: the NetVM's, while blocked" \
	grep -q 'query\[A\] novpn.test from 10.137.0.6' "$TMP/netdns.log"
check_fails "... before anything else (wireguard-go's socket not even looked for)" \
	grep -q wireguard-go "$TMP/wg/refused.log"
cp "$TMP/wg/good.conf" "$TMP/conf/wireguard.conf"
check "no wireguard-go and no WireGuard in the kernel: up fails, blocked" refused
# (EOPNOTSUPP reads "Not supported" in musl, "Operation not supported" in glibc)
check_eq "... with one error" "$(grep -c '^<3>' "$TMP/wg/refused.log")" 1
check_contains "... naming the device and the kernel's reason" "$(grep '^<3>' "$TMP/wg/refused.log")" \
	"<3>qubes-vpn-wg: qubes-vpn-wg: making a kernel WireGuard device: "
check_contains "... and the kernel's reason" "$(grep '^<3>' "$TMP/wg/refused.log")" \
	"upported (kernel: Unknown device type); no wireguard-go serves it either (/var/run/wireguard/qubes-vpn-wg.sock: No such file or directory)"
check_fails "... and status fails too" quiet as_unit $WGU "$TMP/bin/qubes-vpn-wg" status
check_contains "... saying why" "$(as_unit $WGU "$TMP/bin/qubes-vpn-wg" status 2>&1)" \
	"qubes-vpn-wg: no WireGuard in the kernel: No such file or directory; no wireguard-go serves it either (/var/run/wireguard/qubes-vpn-wg.sock: No such file or directory)"
# The kernel backend's path, a bridge device (this kernel has no dummy)
# where the kernel's WireGuard device would be: `start` takes it (a device of
# that name is there) and forks the unit's main process, which stays as
# long as the device does; `up` configures it over generic netlink, which
# fails (no family "wireguard"), blocked; `down` deletes the device, as
# it must delete a kernel device, and the main process sees it go.
ip -n "$VPN" link add qubes-vpn-wg type bridge
: >"$TMP/wg/kernel.log"
# shellcheck disable=SC2046
as_unit $WGU $(unit_cmd $WGU ExecStart) >>"$TMP/wg/kernel.log" 2>&1
check "with a device in place, start takes the kernel path and exits 0 (forking)" [ $? -eq 0 ]
check_contains "... saying so" "$(cat "$TMP/wg/kernel.log")" "qubes-vpn-wg: the kernel's WireGuard device"
HOLDER=$(comm_pid qubes-vpn-wg)
check_eq "... leaving its main process, as the unit's user" \
	"$(stat -c %u "/proc/${HOLDER:-none}" 2>/dev/null)" "$UNIT_UID"
check_fails "... and no wireguard-go" [ -n "$(client_pid)" ]
check "up on the kernel path fails closed, blocked" refused
check_contains "... naming the device and the kernel's reason" "$(cat "$TMP/wg/refused.log")" \
	"qubes-vpn-wg: no WireGuard in the kernel: No such file or directory"
# shellcheck disable=SC2046
check "down (ExecStopPost) on the kernel path exits 0" quiet as_unit $WGU $(unit_cmd $WGU ExecStopPost)
check "... and deletes the device" dev_gone
check "... whereupon the main process exits (it looks every 2 s)" \
	wait_until 5 bash -c "! ip netns pids $VPN | grep -qx '${HOLDER:-none}'"
check_contains "... saying the device is gone" "$(cat "$TMP/wg/kernel.log")" \
	"qubes-vpn-wg: the device is gone"
# Someone else's listener where wireguard-go's socket belongs (mode 0777,
# so only the peer's credentials stand in the way): it would get the
# private key. It gets nothing.
SOCK=$ST/run/wireguard/qubes-vpn-wg.sock
chown 65534 "$ST/run/wireguard"
: >"$TMP/wg/impostor.got"
chown 65534 "$TMP/wg/impostor.got"
"$QB/exec.sh" "$VPN" setpriv --reuid=65534 --regid=65534 --clear-groups python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777)
s.listen(1); s.settimeout(10)
c, _ = s.accept(); c.settimeout(2)
try:
    got = c.recv(65536)
except OSError:
    got = b""
open(sys.argv[2], "wb").write(b"accepted:" + got)
' /run/wireguard/qubes-vpn-wg.sock "$TMP/wg/impostor.got" >>"$TMP/wg/impostor.log" 2>&1 &
IMPOSTOR=$!
BG_PIDS+=($IMPOSTOR)
check "another user listens on wireguard-go's socket" wait_until 5 test -S "$SOCK"
check "... up refuses it, blocked" refused
check_contains "... saying so" "$(cat "$TMP/wg/refused.log")" "socket for qubes-vpn-wg: Operation not permitted"
wait "$IMPOSTOR"
check_eq "... and the impostor was sent nothing (no private key)" "$(cat "$TMP/wg/impostor.got")" "accepted:"
rm -f "$SOCK"
chown "$UNIT_UID" "$ST/run/wireguard"
leaks_during "after refused configurations"

# ---- 3. connected ----
t0=$(date +%s%N)
check "qubes-vpn-wg start and up (the unit's lines, user, capability) connect" wg_start
echo "# up to connected: $((($(date +%s%N) - t0) / 1000000)) ms"
check "the state is connected" state_is connected
check_contains "start fell back to wireguard-go: the kernel refuses kind wireguard" \
	"$(cat "$TMP/wg-client.log")" \
	"upported; kernel: Unknown device type): running /usr/bin/wireguard-go"
WGPID=$(client_pid)
check_eq "... which runs with start's environment and its own variables only" \
	"$(tr '\0' '\n' <"/proc/$WGPID/environ" | sed 's/=.*//' | sort | paste -sd' ')" \
	"LOG_LEVEL PATH WG_PROCESS_FOREGROUND WG_TUN_FD WG_UAPI_FD"
check_eq "wireguard-go runs as the unit's user" "$(stat -c %u "/proc/$WGPID")" "$UNIT_UID"
check_eq "... with CAP_NET_ADMIN as its only capability" \
	"$(awk '/^CapEff/ { print $2 }' "/proc/$WGPID/status")" 0000000000001000
check "the server (wg show) saw a handshake from the client" [ "$(srv_handshake)" -gt 0 ]
check_eq "the server sees the client's key and allowed IPs" \
	"$(nsx "$NET" wg show "$SRV" allowed-ips)" "$CLI_PUB	10.8.0.2/32 fd00:8::2/128"
link=$(ip -n "$VPN" -d link show qubes-vpn-wg)
check_contains "the tunnel is in interface group 78" "$link" "group 78"
check_contains "... with wg-quick's MTU (uplink 1500 - 80)" "$link" "mtu 1420"
check_contains "... and its addresses" "$(ip -n "$VPN" addr show qubes-vpn-wg)" "inet 10.8.0.2/32"
check_contains "table 78 routes IPv4 into the tunnel" "$(nsx "$VPN" ip route show table 78)" \
	"default dev qubes-vpn-wg proto 78 scope link metric 100"
check_contains "... and IPv6" "$(nsx "$VPN" ip -6 route show table 78)" \
	"default dev qubes-vpn-wg proto 78 metric 100"
check_eq "the VPN qube's main table has no route into the tunnel" \
	"$(nsx "$VPN" ip route show table main | grep -c qubes-vpn-wg)" 0
check "the endpoint's own packets leave by the uplink (main table)" \
	bash -c "ip -n $VPN route get 192.0.2.1 | grep -q 'dev eth0'"
check_eq "PersistentKeepalive stays 25 s although the configuration has none (wg show): handshakes keep coming" \
	"$("$QB/exec.sh" "$VPN" wg show qubes-vpn-wg persistent-keepalive)" "$SRV_PUB	25"
check_eq "the watchdog runs as the unit's user with CAP_NET_ADMIN only" \
	"$(cat "/proc/$WATCH_PID/comm") $(stat -c %u "/proc/$WATCH_PID") $(awk '/^CapEff/ { print $2 }' "/proc/$WATCH_PID/status")" \
	"qubes-vpn-wg $UNIT_UID 0000000000001000"
check_contains "qubes-vpn-wg status shows the peer and its handshake" \
	"$(as_unit $WGU "$TMP/bin/qubes-vpn-wg" status)" "peer 1: endpoint 192.0.2.1:51820, latest handshake"
check "while connected the VPN qube's resolv.conf names the VPN's DNS servers" \
	wait_until 20 resolv_names 10.8.0.1 fd00:8::1
check_contains "the state file records the tunnel and its DNS" "$(cat "$RUN/state")" "dns=10.8.0.1, fd00:8::1"
check_contains "the connect event was recorded" "$(cat "$RUN/events" 2>/dev/null)" "Qubes VPN connected"
leaks_during "connected"
connected_checks "connected"

# ---- 4. Qubes restarts its firewall ----
"$QB/reload.sh" "$VPN" restart >>"$TMP/reload.log" 2>&1
check "systemctl restart qubes-firewall (the test bed's) completes" [ $? -eq 0 ]
leaks_during "after Qubes restarted its firewall"
connected_checks "after Qubes restarted its firewall"

check_eq "connected all along: the watchdog recorded no change (no flapping while healthy)" \
	"$(events "Qubes VPN disconnected") $(events "Qubes VPN connected")" "0 1"

# ---- 5. the peer vanishes (removed on the server), then comes back ----
nsx "$NET" wg set "$SRV" peer "$CLI_PUB" remove
leaks_during "peer removed on the server"
check_fails "with the peer gone, nothing reaches the internet host" \
	quiet nsx "$APP" ping -c1 -W1 -q 198.51.100.1
check "the watchdog records the peer's silence: blocked" wait_until $((WATCH_STALE * 4)) recorded blocked
check_eq "... and one disconnect event, saying why" "$(events "Qubes VPN disconnected: nothing from the WireGuard server for $WATCH_STALE s")" 1
check "... the VPN qube's own resolver is the NetVM's again" wait_until 20 resolv_names 10.139.1.1 10.139.1.2
check_eq "... no route changed: table 78 still routes into the tunnel, where traffic goes nowhere" \
	"$(nsx "$VPN" ip route show table 78 | grep -c 'default dev qubes-vpn-wg')" 1
leaks_during "peer silent, recorded disconnected"
srv_peer
# WireGuard starts a new handshake 15 s after data went unanswered.
check "with the peer back, a new handshake: the watchdog records connected" \
	wait_until 60 recorded connected
check "... the server (wg show) saw it" [ "$(srv_handshake)" -gt 0 ]
check_eq "... one connect event" "$(events "Qubes VPN connected")" 2
check_contains "the state file records the tunnel and its DNS again" "$(cat "$RUN/state")" "dns=10.8.0.1, fd00:8::1"
check "... and the VPN qube's resolv.conf names the VPN's DNS servers" \
	wait_until 20 resolv_names 10.8.0.1 fd00:8::1
connected_checks "peer back"
leaks_during "peer back"
check_eq "each change recorded once (no flapping): disconnected 1, connected 2" \
	"$(events "Qubes VPN disconnected") $(events "Qubes VPN connected")" "1 2"

# ---- 6. wireguard-go killed with SIGKILL ----
kill -KILL "$WGPID"
check "after SIGKILL of wireguard-go the device is gone" wait_until 10 dev_gone
check "the watchdog records it: blocked" wait_until 10 recorded blocked
check_contains "... with the disconnect event" "$(tail -1 "$RUN/events" 2>/dev/null)" \
	"Qubes VPN disconnected: qubes-vpn-wg is gone"
leaks_during "wireguard-go killed, before ExecStopPost"
check "ExecStopPost exits 0 (the device gone with wireguard-go)" wg_stop KILL
check "ExecStopPost leaves it blocked" state_is blocked
check_eq "... and adds no second disconnect event" "$(events "Qubes VPN disconnected")" 2
check "the VPN qube's own resolver is the NetVM's again" wait_until 20 resolv_names 10.139.1.1 10.139.1.2
leaks_during "after SIGKILL of wireguard-go"

# ---- 7. the endpoint unreachable: no handshake, stays blocked ----
nsx "$NET" nft add table inet wgblock
nsx "$NET" nft add chain inet wgblock in '{ type filter hook input priority -300; }'
nsx "$NET" nft add rule inet wgblock in udp dport 51820 drop
check_fails "with the endpoint unreachable, up fails after its handshake timeout" wg_start --timeout 3
check_contains "... saying why" "$(cat "$TMP/wg-client.log")" "no handshake with any peer within 3 s"
check "... and the gateway is blocked" state_is blocked
leaks_during "endpoint unreachable"
wg_stop TERM
check_contains "... one event says so; the unit's stop adds no 'disconnected' (it never connected)" \
	"$(tail -1 "$RUN/events" 2>/dev/null)" "Qubes VPN could not connect"
nsx "$NET" nft delete table inet wgblock

# ---- 8. a host name that does not resolve, wireguard-go running ----
write_conf novpn.test
check "after the failed connection the VPN qube's own resolver is the NetVM's" \
	wait_until 20 resolv_names 10.139.1.1 10.139.1.2
check_fails "an Endpoint host name that does not resolve: the unit fails" wg_start
check_contains "... naming the host and the reason" "$(cat "$TMP/wg-client.log")" \
	"Endpoint novpn.test: cannot resolve it: no such name (NXDOMAIN)"
check "... and the gateway is blocked" state_is blocked
check_eq "... before anything touched the device: no peer, no address (wg show, ip addr)" \
	"$("$QB/exec.sh" "$VPN" wg show qubes-vpn-wg peers)$(ip -n "$VPN" -o addr show dev qubes-vpn-wg)" ""
leaks_during "Endpoint host name not resolved"
wg_stop TERM

# ---- 9. restart after the failures: connected, the Endpoint by host name ----
write_conf vpnserver.test
check "after the failed connections the VPN qube's own resolver is still the NetVM's" \
	resolv_names 10.139.1.1 10.139.1.2
check "after the endpoint is back, the unit connects again, its Endpoint vpnserver.test" wg_start
check_contains "... resolved by the NetVM's resolver to the WireGuard server" \
	"$(cat "$TMP/wg-client.log")" "Endpoint vpnserver.test is 192.0.2.1 (nameserver 10.139.1.1)"
check "... which logged the VPN qube's lookup" \
	grep -q 'query\[A\] vpnserver.test from 10.137.0.6' "$TMP/netdns.log"
check_contains "the device's endpoint is that address (wg show)" \
	"$("$QB/exec.sh" "$VPN" wg show qubes-vpn-wg endpoints)" "192.0.2.1:51820"
check "the state is connected" state_is connected
leaks_during "restarted"
connected_checks "restarted"

check "... and so does the watchdog, started again with it" [ -d "/proc/$WATCH_PID" ]

# ---- 10. orderly stop ----
wg_stop TERM
check "after stopping the unit the gateway is blocked" state_is blocked
check_eq "... one disconnect event for it" "$(events "Qubes VPN disconnected")" 3
check_eq "the watchdog logged no failure" "$(grep -ci 'error\|fail' "$TMP/wg-watch.log")" 0
leaks_during "stopped"

# ---- the stream ran through all of it ----
stream_stop
check "the downstream stream kept sending through every phase ($STREAM_SENT packets)" [ "$STREAM_SENT" -gt 1000 ]
check_eq "... and not one of them left through the uplink in clear" $(($(leak_count) - STREAM_BASE)) 0
check_eq "... nor reached the NetVM's resolvers" "$(netvm_saw_downstream)" 0

finish
