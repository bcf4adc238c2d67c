#!/bin/bash
# bench-forwarding.sh - median wall time of `qubes-vpn forwarding on` then
# `off`, against the same state built and removed by the equivalent ip/nft
# command sequence, side by side in one throwaway namespace. Prints both
# medians and their ratio. Not a test: nothing here passes or fails.
#   tests/bench-forwarding.sh [ROUNDS]   (default 200)
. "$(dirname "$0")/lib.sh"

ROUNDS=${1:-200}
netns_new NS bench

cat >"$TMP/table.nft" <<'EOF'
table inet qubes-vpn {
	chain prerouting {
		type filter hook prerouting priority mangle; policy accept;
		iifname "vif*" counter meta mark set 0x78 comment "mark-downstream"
	}
	chain input {
		type filter hook input priority filter - 10; policy accept;
		iifname "vif*" udp dport 53 counter drop comment "drop-dns-udp"
		iifname "vif*" tcp dport 53 counter drop comment "drop-dns-tcp"
	}
	chain forward {
		type filter hook forward priority filter - 10; policy accept;
		iifname "vif*" oifgroup != 78 counter drop comment "drop-downstream"
		oifgroup 78 tcp flags syn tcp option maxseg size set rt mtu comment "clamp-mss"
	}
	chain postrouting {
		type nat hook postrouting priority srcnat - 10; policy accept;
		oifgroup 78 masquerade comment "masquerade-tunnel"
	}
}
EOF

# Both loops run inside the namespace (entered once), timing each round
# with bash's microsecond clock; one line per round, in microseconds.
nsx "$NS" bash -s "$QV" "$ROUNDS" "$TMP/table.nft" >"$TMP/times" <<'EOF'
QV=$1 ROUNDS=$2 TABLE=$3
now() { echo "${EPOCHREALTIME/./}"; }
for ((i = 0; i < ROUNDS; i++)); do
	t0=$(now)
	"$QV" forwarding on 2>/dev/null
	ta=$(now)
	"$QV" forwarding off 2>/dev/null
	t1=$(now)
	ip route replace blackhole default table 78 metric 999999 proto 78
	ip -6 route replace blackhole default table 78 metric 999999 proto 78
	ip rule add fwmark 0x78 lookup 78 priority 78 proto 78
	ip -6 rule add fwmark 0x78 lookup 78 priority 78 proto 78
	nft -f "$TABLE"
	tb=$(now)
	ip rule del fwmark 0x78 lookup 78 priority 78
	ip -6 rule del fwmark 0x78 lookup 78 priority 78
	ip route flush table 78
	ip -6 route flush table 78
	nft delete table inet qubes-vpn
	t2=$(now)
	echo "$((t1 - t0)) $((t2 - t1)) $((ta - t0)) $((t1 - ta)) $((tb - t1)) $((t2 - tb))"
done
EOF

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ours=$(awk '{ print $1 }' "$TMP/times" | median)
theirs=$(awk '{ print $2 }' "$TMP/times" | median)
echo "rounds:                       $ROUNDS (alternating, same namespace)"
echo "qubes-vpn forwarding on+off:  median $ours us" \
	"(on $(awk '{ print $3 }' "$TMP/times" | median), off $(awk '{ print $4 }' "$TMP/times" | median))"
echo "ip/nft command sequence:      median $theirs us" \
	"(on $(awk '{ print $5 }' "$TMP/times" | median), off $(awk '{ print $6 }' "$TMP/times" | median))"
awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "ratio (ip/nft over qubes-vpn): %.1fx\n", b / a }'
