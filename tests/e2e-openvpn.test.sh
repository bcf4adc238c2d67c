#!/bin/bash
# e2e-openvpn.test.sh - the product's main job, end to end, on Qubes' own
# network code (the test bed, QUBES_VERSION 4.2 or 4.3), with real Debian
# openvpn (server and client), dnsmasq, and the units' privileges: OpenVPN
# and the kill switch run as the units' user with CAP_NET_ADMIN only, the
# units' privileged step (qubes-vpn-resolv) as root when the state changes.
#   APP, APP2 (default and restrictive Qubes firewall) -- VPN qube (Qubes
#   ProxyVM, qubes-firewall daemon) -- NET (NetVM, its resolvers, the
#   internet host, the OpenVPN server named vpnserver.test, the VPN's DNS)
# A desktop session (a user of its own, /run/user/UID/bus) runs the
# shipped autostart entry, the notifier; the root relay to dom0 runs too:
# each state change must be shown to that user exactly once, through
# notify-send on their own bus, and qrexec-client-vm run by root only.
# Continuous downstream traffic (IPv4, IPv6, DNS over UDP and TCP) runs
# through every state change (boot, connect, Qubes restarting its
# firewall, soft restart, SIGKILL and reconnect, SIGTERM); exact counters
# on the far side of the uplink count what arrives in clear, and were first
# shown to count it without the kill switch; the NetVM's resolvers log
# every query they see.
# testbed: each Qubes version
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vpnlib.sh"

start_server srv 1194 10.8.0.0 fd00:8::/64 "redirect-gateway def1 ipv6" \
	"dhcp-option DNS 10.8.0.1" "dhcp-option DNS6 fd00:8::1" "dhcp-option DOMAIN vpn.example" \
	"route 192.0.2.0 255.255.255.0"

# resolved_by_netvm: the VPN qube's own resolver is the NetVM's again.
resolved_by_netvm() { wait_until 20 resolv_names 10.139.1.1 10.139.1.2; }
dnat_dns_to() { nsx "$VPN" nft list chain ip qubes dnat-dns 2>/dev/null | grep -q "dnat to $1"; }
# fw_dns_allows ADDR: qubes-firewall's specialtarget=dns accepts ADDR (4.3:
# the set dns-addr; 4.2: inlined in the restricted qube's chain).
fw_dns_allows() {
	{ nsx "$VPN" nft list set ip qubes-firewall dns-addr 2>/dev/null
	  nsx "$VPN" nft list chain ip qubes-firewall qbs-10-137-0-8 2>/dev/null; } | grep -q "$1"
}

# ---- 0. the counters see leaks: Qubes' code alone, no kill switch ----
stream_start
probe_all
check "without the kill switch the far side counts downstream IPv4, IPv6, DNS/UDP and DNS/TCP in clear" \
	wait_until 10 all_classes_counted
stream_stop
check "... and the NetVM's resolvers see downstream queries" [ "$(netvm_saw_downstream)" -gt 0 ]
for c in to-internet-v4 to-internet-v6 dns-udp-v4 dns-tcp-v4; do echo "#   $c: $(leak_counter $c)"; done
: >"$TMP/netdns.log"

# ---- 1. boot: the kill switch armed by its unit, the qube's resolver the NetVM's ----
# Qubes keeps IP forwarding off until qubes-network.service starts, which
# requires the kill switch's unit.
printf 'nameserver 10.8.0.1\n' >"$RESOLV"     # as if left over
nsx "$VPN" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
STREAM_BASE=$(leak_count)
stream_start
check "forwarding on, as qubes-vpn-forwarding.service runs it" quiet forwarding on
nsx "$VPN" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
check "after boot the VPN qube's own resolver is the NetVM's" resolved_by_netvm
check "qubes-vpn-resolv read the NetVM's resolvers from QubesDB's socket" \
	grep -qx "read /qubes-primary-dns" "$TMP/qubesdb.log"
check_fails "... and used them (no fallback to a default)" grep -q "using the default" "$TMP/resolv.log"
leaks_during "before the tunnel"

# ---- the desktop session starts its notifier; the relay runs ----
# shown_next N SUMMARY [BODY]: the desktop user has been shown its Nth
# notification, SUMMARY (whose body contains BODY), and nothing after it.
shown_at_least() { [ "$(shown_count)" -ge "$1" ]; }
shown_next() {
	wait_until 20 shown_at_least "$1"
	check_eq "the desktop user is shown \"$2\", once" "$(shown_summaries "$1")" "$2"
	[ -z "${3:-}" ] || check_contains "... saying \"$3\"" "$(sed -n "$1p" "$SHOWN")" "$3"
}
relay_start
desktop_session_start
check "the autostart entry's notifier runs as the desktop user (uid $DESKTOP_UID)" \
	wait_until 5 bash -c "[ \"\$(stat -c %u /proc/$DESKTOP_PID 2>/dev/null)\" = $DESKTOP_UID ]"
check_eq "... without any capability" "$(awk '/^CapEff/ { print $2 }' "/proc/$DESKTOP_PID/status")" \
	0000000000000000
shown_next 1 "Qubes VPN not connected" "all traffic of attached qubes is blocked"

# ---- 2. connected ----
start_client 1194
check "OpenVPN (as the unit's user, CAP_NET_ADMIN only) connects and the up hook switches to connected" \
	wait_until 30 state_is connected
check_eq "OpenVPN runs as the unit's user" "$(stat -c %u "/proc/$CLIENT_PID")" "$UNIT_UID"
check_eq "... with CAP_NET_ADMIN as its only capability" \
	"$(awk '/^CapEff/ { print $2 }' "/proc/$CLIENT_PID/status")" 0000000000001000
check "the VPN server was found by its name, through the NetVM's resolvers" \
	grep -q 'query\[A\] vpnserver.test' "$TMP/netdns.log"
check "the up hook read the virtual DNS addresses from QubesDB's socket" \
	grep -qx "read /qubes-netvm-secondary-dns" "$TMP/qubesdb.log"
check_fails "... and used them (no fallback to a default)" grep -q "using the default" "$TMP/client.log"
check "while connected the VPN qube's resolv.conf names the VPN's DNS servers" \
	wait_until 20 resolv_names 10.8.0.1 fd00:8::1
check "Qubes' dnat-dns follows it (qubes-setup-dnat-to-ns)" wait_until 20 dnat_dns_to 10.8.0.1
check "qubes-firewall's specialtarget=dns follows it (Qubes $QUBES_VERSION)" wait_until 20 fw_dns_allows 10.8.0.1
leaks_during "connected"
connected_checks "connected"
routes4=$(nsx "$VPN" ip route show table 78)
routes6=$(nsx "$VPN" ip -6 route show table 78)
check_contains "IPv4: tunnel route at metric 100 in table 78" "$routes4" "default dev tun0 proto 78 scope link metric 100"
check_contains "IPv4: blackhole stays below it" "$routes4" "blackhole default proto 78 metric 999999"
check_contains "IPv6: tunnel route at metric 100 (not the kernel's 1024)" "$routes6" "default dev tun0 proto 78 metric 100"
check_contains "IPv6: blackhole stays below it" "$routes6" "blackhole default dev lo proto 78 metric 999999"
check_eq "the VPN qube's main table is unchanged (no route via tun0)" \
	"$(nsx "$VPN" ip route show table main | grep -c 'dev tun0 .*via\|^default dev tun0')" 0
check_contains "state file records the connection and its DNS" "$(cat "$RUN/state")" "dns=10.8.0.1, fd00:8::1"
check_contains "the pushed net route was ignored and logged" "$(cat "$TMP/client.log")" \
	"ignoring pushed route 1"
check_contains "the up hook recorded the event" "$(cat "$RUN/events" 2>/dev/null)" "Qubes VPN connected"
shown_next 2 "Qubes VPN connected" "goes through tun0"

# ---- 3. Qubes restarts its firewall while connected ----
"$QB/reload.sh" "$VPN" restart >>"$TMP/reload.log" 2>&1
check "systemctl restart qubes-firewall (the test bed's) completes" [ $? -eq 0 ]
leaks_during "after Qubes restarted its firewall"
connected_checks "after Qubes restarted its firewall"

# ---- 4. soft restart (SIGUSR1, --persist-tun) ----
n=$(completed_count)
kill -USR1 "$CLIENT_PID"
check "soft restart completes" wait_until 30 bash -c "[ \$(grep -c 'Initialization Sequence Completed' '$TMP/client.log') -gt $n ]"
check "after the soft restart the gateway is connected again" wait_until 10 state_is connected
check_contains "the down hook ran with 'restart'" "$(cat "$TMP/client.log")" "disconnected (restarting)"
check_contains "the up hook ran with 'restart'" "$(cat "$TMP/client.log")" "restart: connecting through tun0"
check "resolv.conf names the VPN's DNS again" wait_until 20 resolv_names 10.8.0.1 fd00:8::1
shown_next 3 "Qubes VPN reconnected" "goes through tun0"
leaks_during "after a soft restart"
connected_checks "after a soft restart"

# ---- 5. SIGKILL: no hook runs; the unit's ExecStopPost records it ----
: >"$TMP/netdns.log"
stop_client KILL
check "after SIGKILL the tunnel device is gone" \
	wait_until 10 bash -c "! ip -n $VPN link show tun0 >/dev/null 2>&1"
check "after SIGKILL status reports blocked" state_is blocked
check "after SIGKILL the VPN qube's own resolver is the NetVM's" resolved_by_netvm
shown_next 4 "Qubes VPN disconnected" "OpenVPN stopped without its down hook"
leaks_during "after SIGKILL of OpenVPN"
# Restart=on-failure: OpenVPN again, resolving its server's name anew.
start_client 1194
check "OpenVPN reconnects after SIGKILL" wait_until 30 state_is connected
check "... having resolved vpnserver.test through the NetVM's resolvers again" \
	grep -q 'query\[A\] vpnserver.test' "$TMP/netdns.log"
check "resolv.conf names the VPN's DNS again" wait_until 20 resolv_names 10.8.0.1 fd00:8::1
shown_next 5 "Qubes VPN connected" "goes through tun0"
leaks_during "reconnected"
connected_checks "reconnected"

# ---- 6. orderly stop: the down hook blocks ----
stop_client TERM
check "after SIGTERM the down hook leaves the gateway blocked" state_is blocked
check_contains "the down hook recorded the event" "$(tail -1 "$RUN/events" 2>/dev/null)" "Qubes VPN disconnected"
check "after SIGTERM the VPN qube's own resolver is the NetVM's" resolved_by_netvm
shown_next 6 "Qubes VPN disconnected" "all traffic of attached qubes is blocked"
leaks_during "after SIGTERM"

# ---- the stream ran through all of it ----
stream_stop
check "the downstream stream kept sending through every state change ($STREAM_SENT packets)" [ "$STREAM_SENT" -gt 1000 ]
check_eq "... and not one of them left through the uplink in clear" $(($(leak_count) - STREAM_BASE)) 0
check_eq "... nor reached the NetVM's resolvers" "$(netvm_saw_downstream)" 0

# ---- what the person saw, and who ran what ----
check_eq "boot, connect, soft restart, SIGKILL and restart, SIGTERM: each shown once, in order" \
	"$(shown_summaries)" \
	"Qubes VPN not connected|Qubes VPN connected|Qubes VPN reconnected|Qubes VPN disconnected|Qubes VPN connected|Qubes VPN disconnected"
check_eq "... every one by notify-send run as the desktop user, on their own session bus" \
	"$(cut -d'|' -f1,2 "$SHOWN" | sort -u)" "$DESKTOP_UID|own"
check "the relay sent the events to dom0 over qrexec" [ -s "$QREXEC_LOG" ]
check_eq "... qrexec-client-vm was run by root only, as 'dom0 qubesvpn.Notify'" \
	"$(cut -d'|' -f1,2 "$QREXEC_LOG" | sort -u)" "0|dom0 qubesvpn.Notify"
check_eq "... the same notifications as the desktop's, in order" \
	"$(cut -d'|' -f3 "$QREXEC_LOG" | paste -sd'|')" "$(shown_summaries)"

# ---- 7. a hostile server ----
hostile=("redirect-gateway def1 ipv6" "route 192.0.2.0 255.255.255.0 net_gateway"
	"dhcp-option DNS not-an-address" "dhcp-option DNS 127.0.0.1"
	"dhcp-option DNS 224.0.0.1" "dhcp-option DNS 0.0.0.0" "dhcp-option DNS 10.139.1.1"
	"dhcp-option DNS6 ::1" "dhcp-option DNS 10.137.0.7" "dhcp-option DNS6 2001:db8:1::1"
	"dhcp-option DNS 10.137.0.6" "dhcp-option DNS 10.137.0.5" "dhcp-option DNS 10.9.0.1")
for i in $(seq 2 40); do hostile+=("dhcp-option DNS 10.9.0.$i"); done
start_server hostile 1195 10.9.0.0 fd00:9::/64 "${hostile[@]}"
start_client 1195
check "the hostile server's client still connects" wait_until 30 state_is connected
status=$(nsx "$VPN" "$QV" forwarding status)
check_contains "the first two valid DNS servers are used (10.9.0.2 is this qube's tunnel address); IPv6 DNS, with no valid server, is dropped" "$status" \
	"DNS: 10.139.1.1>10.9.0.1 10.139.1.2>10.9.0.3 fd09:24ef:4179::a8b:1>dropped fd09:24ef:4179::a8b:2>dropped (virtual address>VPN server)"
log=$(cat "$TMP/client.log")
check_contains "net_gateway route refused and logged" "$log" "its gateway is net_gateway"
check_contains "non-address DNS refused and logged" "$log" "not a literal IP address"
check_contains "loopback DNS refused and logged" "$log" "a loopback address"
check_contains "multicast DNS refused and logged" "$log" "a multicast address"
check_contains "virtual DNS as VPN DNS refused and logged" "$log" "it would loop"
check_contains "the NetVM as VPN DNS refused and logged" "$log" \
	"ignoring VPN DNS server 10.137.0.7: it is on this side of the tunnel (routed via eth0)"
check_contains "... in IPv6 too" "$log" \
	"ignoring VPN DNS server 2001:db8:1::1: it is on this side of the tunnel (routed via eth0)"
check_contains "this qube's own address as VPN DNS refused and logged" "$log" \
	"ignoring VPN DNS server 10.137.0.6: it is an address of this qube"
check_contains "a downstream qube as VPN DNS refused and logged" "$log" \
	"ignoring VPN DNS server 10.137.0.5: it is on this side of the tunnel (routed via vif3.0)"
check_contains "this qube's own tunnel address as VPN DNS refused and logged" "$log" \
	"ignoring VPN DNS server 10.9.0.2: it is an address of this qube"
check "resolv.conf names only the accepted servers" wait_until 20 resolv_names 10.9.0.1 10.9.0.3
leaks_during "hostile server"
check "hostile server: DNS answered by the VPN's DNS" \
	vpn_dns_answered "$APP" udp 10.139.1.1
stop_client KILL

# ---- 8. forwarding off: nothing of ours is left, the resolver is the NetVM's ----
check "forwarding off, as the unit's ExecStop runs it" quiet forwarding off
check_contains "the state file says off" "$(cat "$RUN/state")" "state=off"
check "after forwarding off the VPN qube's own resolver is the NetVM's" resolved_by_netvm
check_eq "... and no nft table of ours is left" "$(nsx "$VPN" nft list tables | grep -c qubes-vpn)" 0

finish
