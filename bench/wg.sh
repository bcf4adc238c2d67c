#!/bin/bash
# bench/wg.sh - median wall time from "start the VPN" to the first
# downstream packet answered through a WireGuard tunnel (handshake
# included), for `wireguard-go` + `qubes-vpn-wg up` against `wg-quick up`
# (Table = off, also on wireguard-go) plus the ip/nft commands that make the
# same gateway state (tunnel in group 78, the DNS redirect table, table 78's
# default routes), alternating, in one throwaway Qubes-like topology
# (lib.sh's: AppVM -- VPN qube with the kill switch -- NetVM with the
# WireGuard server). The first packet is a ping from the AppVM to the
# internet host, retried until it is answered. Not a test.
#   bench/wg.sh [ROUNDS]   (default 20; QV=path picks the binary)
. "$(dirname "$0")/../tests/lib.sh"

ROUNDS=${1:-20}
for c in wireguard-go wg wg-quick; do
	command -v $c >/dev/null || { echo "bench/wg: needs $c (wireguard-go, wireguard-tools)"; exit 1; }
done
topo_qubes
mkdir -p "$QUBES_VPN_RUNDIR"
nsx "$VPN" "$QV" forwarding on 2>/dev/null || { echo "bench/wg: forwarding on failed"; exit 1; }

SRV=qvbs$RUN_ID CLI=qvbc$RUN_ID
CLEANUP_CMDS+=("rm -f /var/run/wireguard/$SRV.sock /var/run/wireguard/$CLI.sock")
(umask 077 && wg genkey >"$TMP/server.key" && wg genkey >"$TMP/client.key")
nsx "$NET" wireguard-go "$SRV" >/dev/null 2>&1
nsx "$NET" wg set "$SRV" private-key "$TMP/server.key" listen-port 51820 \
	peer "$(wg pubkey <"$TMP/client.key")" allowed-ips 10.8.0.2/32
ip -n "$NET" addr add 10.8.0.1/24 dev "$SRV"
ip -n "$NET" link set "$SRV" up

# The same peer for both; wg-quick's copy routes nothing itself (Table = off:
# the ip commands below do what qubes-vpn-wg does) and has no DNS= (it
# would call resolvconf; the nft table below is the DNS redirect).
conf() {
	cat <<-EOF
	[Interface]
	PrivateKey = $(cat "$TMP/client.key")
	Address = 10.8.0.2/32
	$1
	[Peer]
	PublicKey = $(wg pubkey <"$TMP/server.key")
	AllowedIPs = 0.0.0.0/0
	Endpoint = 10.138.5.1:51820
	EOF
}
(umask 077 && conf "DNS = 10.8.0.1" >"$TMP/ours.conf" && mkdir "$TMP/wq" &&
	conf "Table = off" >"$TMP/wq/$CLI.conf")

now_us() { echo $(($(date +%s%N) / 1000)); }
first_packet() {
	local deadline=$((SECONDS + 20))
	until nsx "$APP" ping -c1 -W1 -q 198.51.100.1 >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
	done
}
client_gone() {
	local p
	for p in $(ip netns pids "$VPN"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = wireguard-go ] && return 1
	done
	return 0
}

ours_round() {
	local t0 p
	t0=$(now_us)
	nsx "$VPN" wireguard-go "$CLI" >/dev/null 2>&1 &&
		nsx "$VPN" "$QV" wg up --dev "$CLI" "$TMP/ours.conf" 2>>"$TMP/ours.log" &&
		first_packet || return 1
	echo $(($(now_us) - t0)) >>"$TMP/ours.times"
	for p in $(ip netns pids "$VPN"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = wireguard-go ] && kill "$p"
	done
	wait_until 5 client_gone
	nsx "$VPN" "$QV" wg down --dev "$CLI" 2>>"$TMP/ours.log"
}

theirs_round() {
	local t0
	t0=$(now_us)
	nsx "$VPN" env WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go \
		wg-quick up "$TMP/wq/$CLI.conf" >>"$TMP/theirs.log" 2>&1 &&
		nsx "$VPN" ip link set "$CLI" group 78 &&
		nsx "$VPN" nft -f - <<-EOF &&
		table inet qubes-vpn-dns {
			chain prerouting {
				type nat hook prerouting priority dstnat - 10; policy accept;
				iifname "vif*" ip daddr 10.139.1.1 udp dport 53 dnat ip to 10.8.0.1
			}
		}
		EOF
		nsx "$VPN" ip route replace default dev "$CLI" table 78 metric 100 proto 78 &&
		first_packet || return 1
	echo $(($(now_us) - t0)) >>"$TMP/theirs.times"
	nsx "$VPN" wg-quick down "$TMP/wq/$CLI.conf" >>"$TMP/theirs.log" 2>&1
	nsx "$VPN" nft delete table inet qubes-vpn-dns
	wait_until 5 client_gone
}

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
for i in $(seq "$ROUNDS"); do
	ours_round || { echo "bench/wg: qubes-vpn-wg round $i failed:"; tail "$TMP/ours.log"; exit 1; }
	theirs_round || { echo "bench/wg: wg-quick round $i failed:"; tail "$TMP/theirs.log"; exit 1; }
done
ours=$(median "$TMP/ours.times") theirs=$(median "$TMP/theirs.times")
echo "binary:                                   $QV ($(file -b "$QV" | cut -d, -f1-2 | tr -d '\n'))"
echo "rounds:                                   $ROUNDS (alternating, same namespaces, wireguard-go on both ends)"
echo "wireguard-go + qubes-vpn-wg up:           median $((ours / 1000)) ms to the first answered downstream ping"
echo "wg-quick up + ip/nft gateway commands:    median $((theirs / 1000)) ms"
awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "ratio (wg-quick over qubes-vpn-wg):       %.2fx\n", b / a }'
