#!/bin/bash
# churn.test.sh - the gateway under things moving around it, with a real
# OpenVPN: Qubes rebuilding its firewall under live traffic, `forwarding
# on` over live downstream flows, the tunnel flapping many times under
# load, up and down hooks racing, the tunnel device vanishing, and the boot
# window before the kill switch is armed. Every case asserts with the exact
# far-side counters that no downstream packet leaves in clear, and with the
# NetVM's DNS log that it saw no downstream query. On Qubes' own network
# code (the test bed), with the units' privileges (tests/vpnlib.sh).
# testbed: each Qubes version
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vpnlib.sh"

start_server srv 1194 10.8.0.0 fd00:8::/64 "redirect-gateway def1 ipv6" \
	"dhcp-option DNS 10.8.0.1" "dhcp-option DNS6 fd00:8::1"

# no_leak NAME CMD...: run CMD, then probes and real DNS queries
# (probe_all's); not one downstream packet may reach the far side in clear.
no_leak() {
	local name=$1 before after
	shift
	before=$(leak_count)
	"$@"
	probe_all
	after=$(leak_count)
	check_eq "$name: no downstream packet leaves in clear" $((after - before)) 0
	check_eq "$name: the NetVM's DNS saw no downstream query" "$(netvm_saw_downstream)" 0
}

# ---- the boot window: before the kill switch, Qubes has forwarding off ----
nsx "$VPN" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
no_leak "boot, uplink up, kill switch not yet armed, forwarding still off" true
quiet forwarding on
nsx "$VPN" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
no_leak "boot, kill switch armed, then forwarding turned on" true

# ---- forwarding on over live downstream flows ----
quiet forwarding off
base=$(leak_count)
flow_seen() { [ "$(leak_count)" -gt "$base" ]; }
# A downstream UDP flow (one socket, one source port) sending every 20 ms.
nsx "$APP" bash -c 'exec 3<>/dev/udp/198.51.100.1/7777
	for i in $(seq 1 250); do echo flow >&3; sleep 0.02; done' 2>/dev/null &
FLOW=$!
BG_PIDS+=($FLOW)
check "a live downstream flow leaves while unprotected" wait_until 5 flow_seen
# Connections of the VPN qube itself: one it opened, one opened to it (a
# downstream qube pinging its gateway: Qubes accepts only that inbound).
nsx "$VPN" timeout 2 bash -c 'exec 3<>/dev/udp/198.51.100.1/7778; echo own >&3'
quiet nsx "$APP" ping -c1 -W1 10.137.0.6
own_ids() {
	# The conntrack id is the last field with -o id (ICMP has id= too).
	{ ct_list -o id -p udp --dport 7778; ct_list -o id -p icmp -s 10.137.0.5 -d 10.137.0.6; } |
		awk '{ print $NF }' | sort | tr '\n' ' '
}
own_before=$(own_ids)
check "the oracle sees both connections of the VPN qube itself ($own_before)" \
	[ "$(wc -w <<<"$own_before")" = 2 ]
check "the oracle sees the live flow's conntrack entry while unprotected" \
	[ "$(ct_list -s 10.137.0.5 | grep -c 'dport=7777')" -ge 1 ]
quiet forwarding on
sleep_poll=$(leak_count)
check_eq "forwarding on deletes the conntrack entries of forwarded connections" \
	"$(ct_list -s 10.137.0.5 -d 198.51.100.1 | grep -c .)" 0
check_eq "... and keeps those of the VPN qube's own connections (same ids)" \
	"$(own_ids)" "$own_before"
# The flow keeps sending for seconds; not one more packet may get out.
wait_until 3 bash -c "! kill -0 $FLOW 2>/dev/null" || true
check_eq "forwarding on stops a live flow at once (conntrack does not keep it open)" \
	$(($(leak_count) - sleep_poll)) 0
kill $FLOW 2>/dev/null
wait $FLOW 2>/dev/null

# ---- forwarding on over an established TCP connection ----
quiet forwarding off
rm -f "$TMP/go" "$TMP/first-answer"
# DNS over one TCP connection to the NetVM's resolver (through Qubes' DNAT):
# a query now, another on the same connection once the kill switch is on.
nsx "$APP" timeout 20 bash -c "exec 3<>/dev/tcp/10.139.1.1/53
	printf '\x00\x1f$DNS_QUERY' >&3
	dd bs=512 count=1 <&3 2>/dev/null | od -An -tx1 >$TMP/first-answer
	while [ ! -e $TMP/go ]; do sleep 0.02; done
	printf '\x00\x1f$DNS_QUERY' >&3
	sleep 1" 2>/dev/null &
TCPFLOW=$!
BG_PIDS+=($TCPFLOW)
answered() { [ -s "$TMP/first-answer" ]; }
check "an established downstream TCP connection works while unprotected" wait_until 10 answered
quiet forwarding on
before=$(leak_counter dns-tcp-v4)
check "the oracle counted that connection while unprotected ($before packets)" [ "$before" -gt 0 ]
touch "$TMP/go"
wait $TCPFLOW 2>/dev/null
check_eq "forwarding on cuts an established TCP connection: nothing more of it leaves" \
	$(($(leak_counter dns-tcp-v4) - before)) 0
check_eq "... and no conntrack entry of it is left (no stale DNAT to the NetVM's DNS)" \
	"$(ct_list -p tcp -s 10.137.0.5 | grep -c .)" 0
: >"$TMP/netdns.log"

# ---- connected, then Qubes rebuilds its firewall under live traffic ----
start_client 1194
check "connects" wait_until 30 state_is connected
: >"$TMP/netdns.log"
# Qubes' own code reloading and rebuilding its firewall, as the test bed
# drives it: QubesDB rewrites, SIGHUP (4.3), qubes-setup-dnat-to-ns,
# systemctl restart qubes-firewall, the uplink set up again.
qubes_reloads() {
	local modes="qdb dns restart uplink" m
	[ "$QUBES_VERSION" = 4.2 ] || modes="qdb sighup dns restart uplink"
	for m in $modes; do
		# (dom0 rewrites the default-firewall qube's rules as they are)
		if QR_FW_POLICY=drop QR_FW_RULES="action=accept" QR_FW_RULES_ALT="action=accept" \
			"$QB/reload.sh" "$VPN" "$m" 2 0.1 >"$TMP/reload.log" 2>&1; then
			ok "Qubes' code reloads ($m, twice)"
		else
			not_ok "Qubes' code reloads ($m, twice)"
			tail -5 "$TMP/reload.log" | sed 's/^/#   /'
		fi
		probe_all
	done
}
wait_until 20 resolv_settled 10.8.0.1 fd00:8::1
stream_start
STREAM_BASE=$(leak_count)
no_leak "Qubes reloads, restarts and rebuilds its firewall and uplink under traffic" qubes_reloads
check_eq "... not one packet of the continuous stream left in clear either" $(($(leak_count) - STREAM_BASE)) 0
stream_stop
check "after Qubes' setup-ip rewrote resolv.conf, qubes-vpn-resolv names the VPN's DNS again" \
	wait_until 20 resolv_names 10.8.0.1 fd00:8::1
check "after the rebuilds DNS is still answered by the VPN's DNS (our DNAT wins)" \
	vpn_dns_answered "$APP" udp 10.139.1.1
check "... for the firewalled qube too" vpn_dns_answered "$APP2" udp 10.139.1.1
check "after the rebuilds the AppVM still reaches the internet through the tunnel" \
	pings "$APP" 198.51.100.1

# ---- a stale NAT binding across a reconnect ----
# Our DNS redirect goes missing while connected (deleted behind our back):
# a downstream UDP socket to 10.139.1.1 is then DNATed by Qubes' dnat-dns
# to the NetVM's resolver, through the tunnel. NAT is bound by the first
# packet, so restoring the redirect does not move that socket; the up
# hook's flush must.
inits=$(completed_count)
# (With resolv.conf following the VPN, Qubes' dnat-dns points at the VPN's
# DNS too; point it at the NetVM, as it is until qubes-vpn-resolv ran.)
nsx "$VPN" nft list table inet qubes-vpn-dns >"$TMP/dns-table.nft"
nsx "$VPN" nft -f - <<-'EOF'
	flush chain ip qubes dnat-dns
	add rule ip qubes dnat-dns ip daddr 10.139.1.1 udp dport 53 dnat to 10.139.1.1
	EOF
nsx "$VPN" nft delete table inet qubes-vpn-dns
rm -f "$TMP"/go-* "$TMP"/answer-*
nsx "$APP" timeout 60 bash -c "exec 3<>/dev/udp/10.139.1.1/53
	for n in 1 2 3; do
		while [ \$n != 1 ] && [ ! -e $TMP/go-\$n ]; do sleep 0.02; done
		printf '$DNS_QUERY' >&3
		timeout 3 dd bs=512 count=1 <&3 2>/dev/null | od -An -v -tx1 | tr -d '\n' >$TMP/answer-\$n.part
		mv $TMP/answer-\$n.part $TMP/answer-\$n
	done" 2>/dev/null &
STALE=$!
BG_PIDS+=($STALE)
# answer_from N: who answered query N: netvm, vpn, or none (and the bytes).
answer_from() {
	wait_until 10 test -e "$TMP/answer-$1"
	case "$(cat "$TMP/answer-$1" 2>/dev/null)" in
	*"cb 00 71 63"*) echo netvm ;;
	*"c6 33 64 01"*) echo vpn ;;
	*) echo "none: $(cat "$TMP/answer-$1" 2>/dev/null)" ;;
	esac
}
check_eq "without our redirect, a downstream socket reaches the NetVM's DNS (through the tunnel)" \
	"$(answer_from 1)" netvm
nsx "$VPN" nft -f "$TMP/dns-table.nft"
touch "$TMP/go-2"
check_eq "negative control: the restored redirect alone leaves that socket on the NetVM's DNS" \
	"$(answer_from 2)" netvm
check_eq "... OpenVPN did not restart on its own meanwhile" "$(completed_count)" "$inits"
: >"$TMP/netdns.log"
n=$(completed_count)
flushed() { grep -c 'cutting DNS connections bound to an old DNS target: deleted' "$TMP/client.log"; }
flushes=$(flushed)
kill -USR1 "$CLIENT_PID"
check "a soft restart runs the up hook again" \
	wait_until 30 bash -c "[ \$(grep -c 'Initialization Sequence Completed' '$TMP/client.log') -gt $n ]"
check_eq "... which deleted the stale binding (its log says so)" "$(flushed)" $((flushes + 1))
touch "$TMP/go-3"
check_eq "after the up hook the same socket is answered by the VPN's DNS" "$(answer_from 3)" vpn
check_eq "... and the NetVM's DNS saw no query since" "$(netvm_saw_downstream)" 0
wait $STALE 2>/dev/null
"$QB/reload.sh" "$VPN" dns >>"$TMP/reload.log" 2>&1   # Qubes' dnat-dns from resolv.conf again

# ---- the tunnel flapping under load ----
nsx "$APP" bash -c 'for i in $(seq 1 400); do
	echo load >/dev/udp/198.51.100.1/7777; ping -c1 -W0.05 -q 2001:db8:99::1 >/dev/null 2>&1; done' &
LOAD=$!
BG_PIDS+=($LOAD)
flap() {
	local i
	for i in 1 2 3 4 5 6 7 8; do
		kill -USR1 "$CLIENT_PID"
		sleep 0.3
	done
}
no_leak "eight soft restarts in quick succession under load" flap
check "after the flapping it ends connected" wait_until 30 state_is connected
kill $LOAD 2>/dev/null
wait $LOAD 2>/dev/null

# ---- the tunnel device vanishing without any hook ----
vanish() {
	kill -9 "$CLIENT_PID"
	wait "$CLIENT_PID" 2>/dev/null
	wait_until 10 bash -c "! ip -n $VPN link show tun0 >/dev/null 2>&1"
}
no_leak "the client killed under traffic (no down hook)" vanish
check "... the gateway is blocked" state_is blocked
# shellcheck disable=SC2046
as_unit qubes-vpn.service $(unit_cmd qubes-vpn.service ExecStopPost) 2>>"$TMP/client.log"

# ---- up and down racing ----
nsx "$VPN" ip tuntap add dev tun0 mode tun
nsx "$VPN" ip link set tun0 up
nsx "$VPN" ip addr add 10.8.0.2/24 dev tun0
mapfile -t UPENV <"$TOP/tests/fixtures/openvpn-2.6-up.env"
unit_priv qubes-vpn.service
consistent() {
	# Fully connected: IPv4 tunnel route, group 78, DNS redirect active.
	# Fully blocked: none of them. Anything else is a mix.
	local route group dns
	route=$(nsx "$VPN" ip route show table 78 | grep -c 'dev tun0')
	group=$(nsx "$VPN" ip -d link show tun0 | grep -c 'group 78')
	dns=$(nsx "$VPN" "$QV" forwarding status | grep -c '^DNS: 10.139')
	[ "$route$group$dns" = 111 ] || [ "$route$group$dns" = 000 ]
}
mixed=0
for i in $(seq 1 20); do
	"$QB/exec.sh" "$VPN" "${PRIV[@]}" env -i "${UPENV[@]}" "$TMP/bin/qubes-vpn-up" tun0 >/dev/null 2>&1 &
	a=$!
	"$QB/exec.sh" "$VPN" "${PRIV[@]}" env -i dev=tun0 "$TMP/bin/qubes-vpn-down" >/dev/null 2>&1 &
	b=$!
	wait $a $b
	consistent || mixed=$((mixed + 1))
done
check_eq "20 races of up against down: the end state is never a mix" "$mixed" 0
check "... and the kill switch is complete throughout" quiet nsx "$VPN" "$QV" forwarding status --check

finish
