#!/bin/bash
# e2e-openvpn.test.sh - the product's main job, end to end, with real
# Debian openvpn (server and client), dnsmasq and tcpdump, in namespaces:
#   APP (AppVM) -- vif5.0 -- VPN (ProxyVM: client + qubes-vpn) -- eth0 --
#   NET (NetVM + internet: OpenVPN server, the VPN's DNS on the tunnel,
#        the NetVM's DNS on the uplink, internet host 198.51.100.1)
# In every state (before the tunnel, connected, after kill -9 of the client,
# reconnected, after a soft restart, with a hostile server) downstream
# traffic goes through the tunnel or nowhere: exact nft counters on the far
# side of the uplink count every downstream packet that arrives in clear,
# and the NetVM's DNS server logs every query it sees.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vpnlib.sh"

start_server srv 1194 10.8.0.0 fd00:8::/64 "redirect-gateway def1 ipv6" \
	"dhcp-option DNS 10.8.0.1" "dhcp-option DNS6 fd00:8::1" "dhcp-option DOMAIN vpn.example" \
	"route 192.0.2.0 255.255.255.0"

# ---- 1. before the tunnel ----
check "forwarding on" nsx "$VPN" "$QV" forwarding on
leaks_during "before the tunnel"

# ---- 2. connected ----
start_client 1194
check "client connects and the up hook switches to connected" wait_until 30 state_is connected
leaks_during "connected"
connected_checks "connected"
check "up looked up the virtual DNS addresses in qubesdb (through --setenv PATH)" \
	grep -q /qubes-netvm-primary-dns "$TMP/qubesdb-calls"
routes4=$(nsx "$VPN" ip route show table 78)
routes6=$(nsx "$VPN" ip -6 route show table 78)
check_contains "IPv4: tunnel route at metric 100 in table 78" "$routes4" "default dev tun0 proto 78 scope link metric 100"
check_contains "IPv4: blackhole stays below it" "$routes4" "blackhole default proto 78 metric 999999"
check_contains "IPv6: tunnel route at metric 100 (not the kernel's 1024)" "$routes6" "default dev tun0 proto 78 metric 100"
check_contains "IPv6: blackhole stays below it" "$routes6" "blackhole default dev lo proto 78 metric 999999"
check_contains "IPv6: marked traffic takes the tunnel route" \
	"$(nsx "$VPN" ip -6 route get 2001:db8:99::1 mark 0x78)" "dev tun0"
check_contains "IPv4: marked traffic takes the tunnel route" \
	"$(nsx "$VPN" ip route get 198.51.100.1 mark 0x78)" "dev tun0"
check_eq "the VPN qube's main table is unchanged (no route via tun0)" \
	"$(nsx "$VPN" ip route show table main | grep -c 'dev tun0 .*via\|^default dev tun0')" 0
check_contains "state file records the connection" "$(cat "$TMP/run/state")" "dev=tun0"
check_contains "the pushed net route was ignored and logged" "$(cat "$TMP/client.log")" \
	"ignoring pushed route 1"
check "the up hook announced the connection over qrexec" \
	wait_until 5 notified "summary=Qubes VPN connected"
check "... with device, server and DNS" notified \
	"body=traffic of attached qubes goes through tun0 (server 192.0.2.1). DNS: 10.8.0.1, fd00:8::1"
check "... to dom0's qubesvpn.Notify" notified "--- dom0 qubesvpn.Notify"

# ---- 3. client killed: no down hook runs ----
kill -9 "$CLIENT_PID"
wait "$CLIENT_PID" 2>/dev/null
check "after kill -9 the tunnel device disappears" \
	wait_until 10 bash -c "! ip -n $VPN link show tun0 >/dev/null 2>&1"
leaks_during "after kill -9 of the client"
check "after kill -9 status reports blocked" state_is blocked

# ---- 4. reconnect ----
start_client 1194
check "reconnects after kill -9" wait_until 30 state_is connected
leaks_during "reconnected"
connected_checks "reconnected"

# ---- 5. soft restart (SIGUSR1, --persist-tun) ----
n=$(completed_count)
wait_until 5 notified "summary=Qubes VPN connected"
before_restart=$(grep -c '^qubes-vpn-notify/1' "$TMP/notifications")
kill -USR1 "$CLIENT_PID"
check "soft restart completes" wait_until 30 bash -c "[ \$(grep -c 'Initialization Sequence Completed' '$TMP/client.log') -gt $n ]"
check "after the soft restart the gateway is connected again" wait_until 10 state_is connected
check_contains "the down hook ran with 'restart'" "$(cat "$TMP/client.log")" \
	"disconnected (restarting)"
check_contains "the up hook ran with 'restart'" "$(cat "$TMP/client.log")" \
	"restart: connecting through tun0"
check "the soft restart is announced once, as a reconnection" \
	wait_until 5 notified "summary=Qubes VPN reconnected"
check_eq "... and only once (no 'disconnected' before it)" \
	"$(( $(grep -c '^qubes-vpn-notify/1' "$TMP/notifications") - before_restart ))" 1
leaks_during "after a soft restart"
connected_checks "after a soft restart"

# ---- 6. orderly stop: the down hook blocks ----
kill -TERM "$CLIENT_PID"
wait "$CLIENT_PID" 2>/dev/null
check "after SIGTERM the down hook leaves the gateway blocked" state_is blocked
check "the down hook announced it" wait_until 5 notified "summary=Qubes VPN disconnected"
check "... critically, saying traffic is blocked" notified \
	"body=all traffic of attached qubes is blocked"
leaks_during "after SIGTERM"

# ---- 7. a hostile server ----
hostile=("redirect-gateway def1 ipv6" "route 192.0.2.0 255.255.255.0 net_gateway"
	"dhcp-option DNS not-an-address" "dhcp-option DNS 127.0.0.1"
	"dhcp-option DNS 224.0.0.1" "dhcp-option DNS 0.0.0.0" "dhcp-option DNS 10.139.1.1"
	"dhcp-option DNS6 ::1" "dhcp-option DNS 10.138.5.1" "dhcp-option DNS6 2001:db8:1::1"
	"dhcp-option DNS 10.138.5.2" "dhcp-option DNS 10.137.0.5" "dhcp-option DNS 10.9.0.1")
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
check_contains "the NetVM's resolver as VPN DNS refused and logged" "$log" \
	"ignoring VPN DNS server 10.138.5.1: it is on this side of the tunnel (routed via eth0)"
check_contains "... in IPv6 too" "$log" \
	"ignoring VPN DNS server 2001:db8:1::1: it is on this side of the tunnel (routed via eth0)"
check_contains "this qube's own address as VPN DNS refused and logged" "$log" \
	"ignoring VPN DNS server 10.138.5.2: it is an address of this qube"
check_contains "a downstream qube as VPN DNS refused and logged" "$log" \
	"ignoring VPN DNS server 10.137.0.5: it is on this side of the tunnel (routed via vif5.0)"
check_contains "this qube's own tunnel address as VPN DNS refused and logged" "$log" \
	"ignoring VPN DNS server 10.9.0.2: it is an address of this qube"
leaks_during "hostile server"
check "hostile server: DNS answered by the VPN's DNS" \
	wait_until 10 vpn_dns_answers "$APP" udp 10.139.1.1
kill -9 "$CLIENT_PID"
wait "$CLIENT_PID" 2>/dev/null

# ---- 8. the leak checks can fail: no protection, same probes ----
nsx "$VPN" "$QV" forwarding off
before=$(leak_count)
probe_all
answer=$(dns_query "$APP" udp 10.139.1.1)
after=$(leak_count)
check "without protection the same probes are counted as leaks ($((after - before)))" \
	[ $((after - before)) -gt 0 ]
check "without protection the NetVM's DNS server sees downstream queries" \
	[ "$(grep -c 'query\[' "$TMP/netdns.log")" -gt 0 ]
check_contains "without protection downstream DNS is answered by the NetVM's DNS" \
	"$answer" "cb 00 71 63"

finish
