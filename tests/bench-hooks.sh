#!/bin/bash
# bench-hooks.sh - median wall time of the up hook then the down hook on a
# real tun device, against the same state changes made by the equivalent
# ip/nft command sequence, side by side in one throwaway namespace entered
# once. Every command, ours and theirs, is started the same way OpenVPN
# starts a hook (fork + execve with an explicit environment: tests/timeseq).
# Prints both medians and their ratio. Not a test.
#   tests/bench-hooks.sh [ROUNDS]   (default 200; QV=path picks the binary)
. "$(dirname "$0")/lib.sh"

ROUNDS=${1:-200}
make -s -C "$TOP" build/tests/timeseq || exit 1
FIXTURE=$TOP/tests/fixtures/openvpn-2.6-up.env
[ -r "$FIXTURE" ] || { echo "needs $FIXTURE"; exit 1; }

netns_new NS bench
nsx "$NS" ip tuntap add dev tun0 mode tun
nsx "$NS" ip link set tun0 up
nsx "$NS" ip addr add 10.8.0.2/24 dev tun0
nsx "$NS" ip addr add fd00:8::1000/64 dev tun0 nodad
nsx "$NS" "$QV" forwarding on 2>/dev/null

# Start from what both sides leave behind after a round: the DNS table of
# this VPN (what up installs for the fixture) present but dormant.
nsx "$NS" nft -f - <<'EOF2'
table inet qubes-vpn-dns {
	chain prerouting {
		type nat hook prerouting priority dstnat - 10; policy accept;
		iifname "vif*" ip daddr 10.139.1.1 udp dport 53 dnat ip to 10.8.0.1
	}
}
EOF2
nsx "$NS" nft delete table inet qubes-vpn-dns
# The run directory on tmpfs, as /run is in a Qubes VM (OpenVPN would pass
# it with --setenv; here it must not be the host's /run).
RUN=$(mktemp -d /dev/shm/qvbench.XXXXXX)
trap 'rm -rf "$RUN"; cleanup' EXIT
grep -v '^script_type=' "$FIXTURE" >"$TMP/up.env"
printf 'script_type=up\nQUBES_VPN_RUNDIR=%s\n' "$RUN" >>"$TMP/up.env"
printf 'dev=tun0\nscript_type=down\nscript_context=init\nQUBES_VPN_RUNDIR=%s\n' "$RUN" >"$TMP/down.env"
echo "PATH=/usr/sbin:/usr/bin:/sbin:/bin" >"$TMP/path.env"
ARGS="tun0 1500 0 10.8.0.2 255.255.255.0 init"
IP=$(command -v ip) NFT=$(command -v nft)
cat >"$TMP/plan" <<EOF2
up|$TMP/up.env|$QV up $ARGS
down|$TMP/down.env|$QV down $ARGS
ipup|$TMP/path.env|$IP link set tun0 group 78
ipup|$TMP/path.env|$NFT add table inet qubes-vpn-dns
ipup|$TMP/path.env|$IP route replace default dev tun0 table 78 metric 100 proto 78
ipup|$TMP/path.env|$IP -6 route replace default dev tun0 table 78 metric 100 proto 78
ipdown|$TMP/path.env|$IP route del default dev tun0 table 78 metric 100
ipdown|$TMP/path.env|$IP -6 route del default dev tun0 table 78 metric 100
ipdown|$TMP/path.env|$NFT add table inet qubes-vpn-dns { flags dormant ; }
ipdown|$TMP/path.env|$IP link set tun0 group 0
EOF2
nsx "$NS" "$TOP/build/tests/timeseq" 1 "$TMP/plan" >/dev/null 2>&1   # warm-up round
nsx "$NS" "$TOP/build/tests/timeseq" "$ROUNDS" "$TMP/plan" >"$TMP/times" 2>"$TMP/err" ||
	{ cat "$TMP/err"; exit 1; }
grep -q "connected: traffic of attached qubes goes through tun0" "$TMP/err" ||
	{ echo "bench-hooks: the up hook did not connect; its output:"; head "$TMP/err"; exit 1; }

ours=$(phase_median "$TMP/times" up down) base=$(phase_median "$TMP/times" ipup ipdown)
echo "binary:                          $QV ($(file -b "$QV" | cut -d, -f1-2 | tr -d '\n'))"
echo "rounds:                          $ROUNDS (alternating, same namespace, real tun device)"
echo "qubes-vpn up + down:             median $ours us (up $(phase_median "$TMP/times" up), down $(phase_median "$TMP/times" down))"
echo "ip/nft command sequence:         median $base us (up $(phase_median "$TMP/times" ipup), down $(phase_median "$TMP/times" ipdown))"
awk -v a="$ours" -v b="$base" 'BEGIN { printf "ratio (ip/nft over qubes-vpn):   %.1fx\n", b / a }'
