#!/bin/bash
# bench/forwarding.sh - median wall time of `qubes-vpn forwarding on` then
# `off`, against the same state built and removed by the equivalent ip/nft
# command sequence, side by side in one throwaway namespace. Every command,
# ours and theirs, is started the same way (tests/timeseq). Prints both
# medians and their ratio. Not a test: nothing here passes or fails.
#   bench/forwarding.sh [ROUNDS] [--conntrack]
#   (default 200 rounds; QV=path picks the binary). With --conntrack the
#   namespace holds one connection of its own, so `on` has to read the
#   conntrack table (the kernel walks its whole hash table for that), and
#   the command sequence reads it too, with conntrack -L.
. "$(dirname "$0")/../tests/lib.sh"

ROUNDS=${1:-200}
WITH_CT=${2:-}
case $WITH_CT in
""|--conntrack) ;;
*) echo "usage: bench/forwarding.sh [ROUNDS] [--conntrack]" >&2; exit 2 ;;
esac
make -s -C "$TOP" build/tests/timeseq || exit 1
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

IP=$(command -v ip) NFT=$(command -v nft)
echo "PATH=/usr/sbin:/usr/bin:/sbin:/bin" >"$TMP/path.env"
echo "QUBES_VPN_RUNDIR=$QUBES_VPN_RUNDIR" >"$TMP/qv.env"
cat >"$TMP/plan" <<EOF2
on|$TMP/qv.env|$QV forwarding on
off|$TMP/qv.env|$QV forwarding off
ipon|$TMP/path.env|$IP route replace blackhole default table 78 metric 999999 proto 78
ipon|$TMP/path.env|$IP -6 route replace blackhole default table 78 metric 999999 proto 78
ipon|$TMP/path.env|$IP rule add fwmark 0x78 lookup 78 priority 78 proto 78
ipon|$TMP/path.env|$IP -6 rule add fwmark 0x78 lookup 78 priority 78 proto 78
ipon|$TMP/path.env|$NFT -f $TMP/table.nft
${WITH_CT:+ipon|$TMP/path.env|$(command -v conntrack) -L}
ipoff|$TMP/path.env|$IP rule del fwmark 0x78 lookup 78 priority 78
ipoff|$TMP/path.env|$IP -6 rule del fwmark 0x78 lookup 78 priority 78
ipoff|$TMP/path.env|$IP route flush table 78
ipoff|$TMP/path.env|$IP -6 route flush table 78
ipoff|$TMP/path.env|$NFT delete table inet qubes-vpn
EOF2
if [ "$WITH_CT" = --conntrack ]; then
	# An entry of the namespace's own (never deleted), alive for 10 minutes.
	nsx "$NS" conntrack -I -p udp -s 127.0.0.1 -d 127.0.0.1 --sport 1 --dport 2 -t 600 \
		2>/dev/null || { echo "bench/forwarding: conntrack -I failed"; exit 1; }
fi
nsx "$NS" "$TOP/build/tests/timeseq" "$ROUNDS" "$TMP/plan" >"$TMP/times" 2>"$TMP/err" ||
	{ cat "$TMP/err"; exit 1; }

ours=$(phase_median "$TMP/times" on off) base=$(phase_median "$TMP/times" ipon ipoff)
echo "rounds:                       $ROUNDS (alternating, same namespace)${WITH_CT:+, one conntrack entry}"
echo "qubes-vpn forwarding on+off:  median $ours us" \
	"(on $(phase_median "$TMP/times" on), off $(phase_median "$TMP/times" off))"
echo "ip/nft command sequence:      median $base us" \
	"(on $(phase_median "$TMP/times" ipon), off $(phase_median "$TMP/times" ipoff))"
awk -v a="$ours" -v b="$base" 'BEGIN { printf "ratio (ip/nft over qubes-vpn): %.1fx\n", b / a }'
