#!/bin/bash
# leak.test.sh - after `qubes-vpn-forwarding on`, no packet from a
# downstream qube leaves through the uplink, IPv4 or IPv6, DNS included.
# Two oracles on the far side of the uplink: exact nft counters in the
# NetVM namespace, and a tcpdump capture. Both are first shown to see the
# leak when the kill switch is absent.
. "$(dirname "$0")/lib.sh"

topo_qubes
leak_counters_install

# capture_start FILE / capture_stop: tcpdump on the NetVM side of the uplink.
capture_start() {
	: >"$TMP/tcpdump.err"
	# Not through a function: $! must be tcpdump itself (ip netns exec
	# execs it), so that SIGINT reaches it. -Z root: our files are private.
	ip netns exec "$NET" tcpdump -Z root -i uplink -n -U --immediate-mode -w "$1" \
		'host 198.51.100.1 or host 2001:db8:99::1 or port 53' 2>"$TMP/tcpdump.err" &
	CAPTURE_PID=$!
	BG_PIDS+=("$CAPTURE_PID")
	wait_until 5 grep -q "listening on" "$TMP/tcpdump.err"
}
capture_stop() {
	kill -INT "$CAPTURE_PID"
	wait "$CAPTURE_PID" 2>/dev/null
}
capture_count() {
	tcpdump -n -r "$1" 2>/dev/null | wc -l
}

# 1. Without the kill switch, every kind of probe is seen on the far side.
capture_start "$TMP/open.pcap"
probe_all
capture_stop
for c in to-internet-v4 to-internet-v6 dns-udp-v4 dns-tcp-v4 dns-udp-v6 dns-tcp-v6; do
	n=$(leak_counter $c)
	check "oracle sees the unprotected leak: $c ($n packets)" [ "$n" -gt 0 ]
done
n=$(capture_count "$TMP/open.pcap")
check "tcpdump sees the unprotected leak ($n packets)" [ "$n" -gt 0 ]
check "the downstream qube reaches the internet host without protection" \
	quiet nsx "$APP" ping -c1 -W1 -q 198.51.100.1

# 2. With the kill switch on: nothing.
check "forwarding on" nsx "$VPN" "$QV" forwarding on
before=$(leak_count)
capture_start "$TMP/on.pcap"
probe_all
capture_stop
after=$(leak_count)
check_eq "forwarding on: no downstream packet reaches the far side (nft counters)" \
	$((after - before)) 0
check_eq "forwarding on: no downstream packet reaches the far side (tcpdump)" \
	"$(capture_count "$TMP/on.pcap")" 0
status=$(nsx "$VPN" "$QV" forwarding status)
steered=$(echo "$status" | sed -n 's/^downstream packets steered into table 78: //p')
check "status counts downstream packets steered into table 78 ($steered)" [ "${steered:-0}" -gt 0 ]
check "the VPN qube's own traffic is untouched" quiet nsx "$VPN" ping -c1 -W1 -q 198.51.100.1
check "the VPN qube's own IPv6 traffic is untouched" quiet nsx "$VPN" ping -6 -c1 -W1 -q 2001:db8:99::1

# 3. Each wall holds alone.
# no_leak NAME: probe every class of traffic; nothing may reach the far side.
no_leak() {
	local before after
	before=$(leak_count); probe_all; after=$(leak_count)
	check_eq "$1" $((after - before)) 0
}
remove_policy_rules() {
	nsx "$VPN" ip rule del fwmark 0x78 lookup 78 priority 78
	nsx "$VPN" ip -6 rule del fwmark 0x78 lookup 78 priority 78
}
remove_forward_drop() {
	local handle
	handle=$(nsx "$VPN" nft -a list chain inet qubes-vpn forward |
		sed -n 's/.*comment "drop-downstream".*# handle \([0-9]*\)/\1/p')
	nsx "$VPN" nft delete rule inet qubes-vpn forward handle "$handle"
}
# Routing wrong (policy rules gone): the firewall.
remove_policy_rules
no_leak "policy rules removed behind its back: the firewall still drops all"
# Firewall's forward drop gone (marking kept): the blackhole routes.
nsx "$VPN" "$QV" forwarding on
remove_forward_drop
no_leak "forward drop removed behind its back: the blackhole routes still drop all"
# Routing wrong in another way: a unicast default route in table 78 that
# does not lead into a tunnel (blackholes gone) -- the forward drop holds.
nsx "$VPN" "$QV" forwarding on
nsx "$VPN" ip route replace unicast default via 10.138.5.1 table 78 metric 999999 proto 78
nsx "$VPN" ip -6 route del blackhole default table 78 metric 999999
nsx "$VPN" ip -6 route add default via 2001:db8:1::1 table 78 metric 999999
no_leak "table 78 routing out of the uplink: the firewall still drops all"
status=$(nsx "$VPN" "$QV" forwarding status)
dropped=$(echo "$status" | sed -n 's/^dropped by the firewall.*: \([0-9]*\) packets.*/\1/p')
check "status counts the firewall's drops ($dropped)" [ "${dropped:-0}" -gt 0 ]
check_fails "status --check notices the missing blackhole routes" \
	nsx "$VPN" "$QV" forwarding status --check

# Qubes pointing downstream DNS at a resolver in the VPN qube itself: the
# query would be answered from the qube's own (non-VPN) resolver; the kill
# switch drops it on input.
nsx "$VPN" "$QV" forwarding on
nsx "$VPN" nft insert rule ip qubes dnat-dns ip daddr 10.139.1.1 udp dport 53 dnat to 10.138.0.1
probe_all
dns=$(nsx "$VPN" "$QV" forwarding status | sed -n 's/^DNS packets to this qube dropped: //p')
check "DNS redirected to a local resolver is dropped on input ($dns)" [ "${dns:-0}" -gt 0 ]
nsx "$VPN" nft flush chain ip qubes dnat-dns
nsx "$VPN" nft add rule ip qubes dnat-dns ip daddr 10.139.1.1 udp dport 53 dnat to 10.138.5.1

# A vif that Qubes has not yet put in group 2 (the device exists, and can
# be up, before vif-route-qubes sets its group): both walls recognise
# downstream traffic by name, so each still holds alone.
nsx "$VPN" "$QV" forwarding on
nsx "$VPN" ip link set vif5.0 group 0
no_leak "a vif not yet in group 2: no downstream packet reaches the far side"
remove_policy_rules
no_leak "a vif not yet in group 2, policy rules removed: the firewall still drops all"
nsx "$VPN" "$QV" forwarding on
remove_forward_drop
no_leak "a vif not yet in group 2, forward drop removed: the blackhole routes still drop all"
nsx "$VPN" ip link set vif5.0 group 2

# 4. off really removes protection (so the test above measured something).
nsx "$VPN" "$QV" forwarding off
before=$(leak_count); probe_all; after=$(leak_count)
check "after forwarding off the probes leak again ($((after - before)) packets)" \
	[ $((after - before)) -gt 0 ]

finish
