#!/bin/bash
# throughput.sh - what the kill switch costs forwarded traffic: iperf3 from
# a downstream qube through the VPN qube to a far host, with a veth in the
# tunnel's place (so the ruleset and the routing are measured, not
# OpenVPN), in rounds alternating between (A) Qubes' own ruleset alone and
# (B) the kill switch armed and connected through that veth. Prints the
# medians of TCP throughput and of the 64-byte UDP packet rate received,
# the cost of B in %, the spread, and the number of rounds. Not a test:
# nothing here passes or fails.
#
#   bench/throughput.sh [ROUNDS] [SECONDS]
#     ROUNDS   rounds, each measuring A and B once (default 15); the order
#              alternates (AB, BA, ...) so that drift hits both alike
#     SECONDS  length of each iperf3 run (default 2)
#   Environment: QV=path of the binary (default ./qubes-vpn),
#   QUBES_VERSION=4.2|4.3 (default 4.3), BENCH_TOPO=testbed|imitation,
#   QV_OTHER=path of another build: a third state (C) in every round, the
#   kill switch armed and connected by that binary, so that two rulesets
#   are compared under the same noise.
#
# Topology (BENCH_TOPO=testbed, the default): the VPN qube is booted by
# Qubes' own code, ../shared/qubes-testbed (base ruleset with antispoof,
# setup-ip, vif hotplug with the qubes-nat-accel table, qubes-firewall's
# tables for the downstream qube with Qubes' default "accept" firewall):
#   APP  10.137.0.5 -- vif3.0 -- VPN (ProxyVM) -- eth0 -- NetVM (unused)
#                                  `-- tun0 (veth) -- far0 FAR 10.8.0.1,
#                                                     far host 198.51.100.1
# BENCH_TOPO=imitation uses tests/lib.sh's hand-written imitation of Qubes'
# ruleset instead (vif5.0; no antispoof, no qubes-firewall tables).
# tun0 is a veth with the tunnel's addresses (10.8.0.2/24); the far host
# is routed through it in both states: in A by a route in the main table,
# in B by the up hook's default route in table 78 (the main-table route is
# still there, unused by downstream traffic). Same egress, same neighbour,
# masquerade to 10.8.0.2 in both (Qubes' in A, ours in B): what differs is
# our ruleset and policy routing.
#
# Namespaces are unique to the run and deleted on every exit path (lib.sh's
# trap); iperf3 talks only between namespace addresses.
set -u
. "$(dirname "$0")/../tests/lib.sh"

ROUNDS=${1:-15}
SECS=${2:-2}
TOPO=${BENCH_TOPO:-testbed}
case "$ROUNDS$SECS" in *[!0-9]*|"") echo "usage: bench/throughput.sh [ROUNDS] [SECONDS]" >&2; exit 2 ;; esac
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 1000 ] && [ "$SECS" -ge 1 ] && [ "$SECS" -le 60 ] ||
	{ echo "throughput: ROUNDS 1..1000, SECONDS 1..60" >&2; exit 2; }
for c in iperf3 python3; do
	command -v $c >/dev/null || { echo "throughput: needs $c (apt-get install $c)" >&2; exit 1; }
done
[ -x "$QV" ] || { echo "throughput: no binary at $QV (make, or QV=path)" >&2; exit 1; }
FAR_HOST=198.51.100.1

# ---- the VPN qube and the downstream qube ----
case $TOPO in
testbed)
	QB=${QUBES_TESTBED:-$TOP/../shared/qubes-testbed}
	[ -x "$QB/setup.sh" ] || { echo "throughput: no Qubes test bed at $QB" >&2; exit 1; }
	export QUBES_VERSION=${QUBES_VERSION:-4.3}
	export QR_STATE=$TMP/qr
	P=qvb$RUN_ID
	VPN=$P-fw APP=$P-app
	for ns in "$VPN" "$APP" "$P-up"; do
		[ -e "/run/netns/$ns" ] && { echo "throughput: netns $ns exists already" >&2; exit 1; }
	done
	NETNS_CREATED+=("$APP" "$P-up" "$VPN")
	CLEANUP_CMDS+=("'$QB/cleanup.sh' '$VPN'")
	"$QB/topo.sh" up "$P" >"$TMP/setup.log" 2>&1 &&
		QR_SKIP_VIFS=1 "$QB/setup.sh" "$VPN" >>"$TMP/setup.log" 2>&1 &&
		"$QB/vif.sh" "$VPN" vif3.0 online 10.137.0.5 00:16:3e:5e:6c:00 >>"$TMP/setup.log" 2>&1 &&
		QR_DOWN_IP=10.137.0.5 QR_FW_POLICY=drop QR_FW_RULES="action=accept" \
			"$QB/firewall.sh" "$VPN" >>"$TMP/setup.log" 2>&1 ||
		{ tail -20 "$TMP/setup.log"; echo "throughput: the Qubes test bed failed" >&2; exit 1; }
	WHAT="Qubes $QUBES_VERSION ProxyVM from the test bed ($(cut -d' ' -f1 "$QB/qubes/$QUBES_VERSION/SOURCE" 2>/dev/null))"
	;;
imitation)
	topo_qubes
	WHAT="tests/lib.sh's imitation of Qubes' ruleset"
	;;
*) echo "throughput: BENCH_TOPO is testbed or imitation" >&2; exit 2 ;;
esac

# ---- the tunnel's stand-in and the far host ----
netns_new FAR far
ip link add tun0 netns "$VPN" type veth peer name far0 netns "$FAR"
ip -n "$VPN" link set tun0 up
ip -n "$VPN" addr add 10.8.0.2/24 dev tun0
ip -n "$VPN" route add "$FAR_HOST/32" dev tun0
ip -n "$FAR" link set far0 up
ip -n "$FAR" addr add 10.8.0.1/24 dev far0
ip -n "$FAR" addr add "$FAR_HOST/32" dev lo
ip netns exec "$FAR" iperf3 -s -B "$FAR_HOST" >/dev/null 2>&1 &
BG_PIDS+=($!)

# ---- the two states ----
grep -v '^script_type=' "$TOP/tests/fixtures/openvpn-2.6-up.env" >"$TMP/up.env"
mapfile -t UPENV <"$TMP/up.env"
state_a() { nsx "$VPN" "$QV" forwarding off >>"$TMP/hooks.log" 2>&1; }
# connect BINARY: armed (`forwarding on`, which replaces the table with
# BINARY's), then connected by BINARY's up hook as OpenVPN would run it.
connect() {
	nsx "$VPN" "$1" forwarding on >>"$TMP/hooks.log" 2>&1 &&
		nsx "$VPN" env -i "${UPENV[@]}" QUBES_VPN_RUNDIR="$QUBES_VPN_RUNDIR" \
			QUBES_VPN_QUBESDB_SOCK="$TMP/no-qubesdb.sock" PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			"$1" up tun0 1500 0 10.8.0.2 255.255.255.0 init >>"$TMP/hooks.log" 2>&1 &&
		nsx "$VPN" "$1" forwarding status | grep -q "^state: connected"
}
state_b() { connect "$QV"; }
state_c() { connect "$QV_OTHER"; }
STATES="A B"
QV_OTHER=${QV_OTHER:-}
if [ -n "$QV_OTHER" ]; then
	[ -x "$QV_OTHER" ] || { echo "throughput: no binary at QV_OTHER=$QV_OTHER" >&2; exit 1; }
	STATES="A B C"
	state_c || { tail -5 "$TMP/hooks.log"; echo "throughput: $QV_OTHER did not connect" >&2; exit 1; }
fi
state_b || { tail -5 "$TMP/hooks.log"; echo "throughput: the up hook did not connect" >&2; exit 1; }
state_a || exit 1
wait_until 5 quiet nsx "$APP" ping -c1 -W1 "$FAR_HOST" ||
	{ echo "throughput: the far host is unreachable without the kill switch" >&2; exit 1; }

# measure STATE ROUND: one TCP and one 64-byte UDP run; appends
# "STATE ROUND TCP_BITS_PER_S UDP_PACKETS_PER_S" to $TMP/results.
measure() {
	local tcp udp
	tcp=$(nsx "$APP" timeout $((SECS + 15)) iperf3 -c "$FAR_HOST" -t "$SECS" -J 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"])' 2>/dev/null)
	udp=$(nsx "$APP" timeout $((SECS + 15)) iperf3 -c "$FAR_HOST" -t "$SECS" -u -l 64 -b 0 -J 2>/dev/null |
		python3 -c 'import json,sys; s = json.load(sys.stdin)["end"]["sum"]
print((s["packets"] - s["lost_packets"]) / s["seconds"])' 2>/dev/null)
	echo "$1 $2 ${tcp:-x} ${udp:-x}" >>"$TMP/results"
}

# One unrecorded warm-up of each, then the rounds, in turn forwards and
# backwards (A B C, C B A, ...).
for s in $STATES; do "state_${s,}" && measure "$s" 0; done
: >"$TMP/results"
for ((r = 1; r <= ROUNDS; r++)); do
	order=$STATES
	((r % 2)) || order=$(echo "$STATES" | rev)
	for s in $order; do
		"state_${s,}" || { echo "throughput: could not enter state $s" >&2; exit 1; }
		measure "$s" "$r"
	done
	printf '.' >&2
done
echo >&2
state_a

# ---- report ----
echo "throughput: $ROUNDS rounds of ${SECS} s per run, states $STATES in turn; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  topology: $WHAT; tunnel = veth tun0; B: $QV${QV_OTHER:+; C: $QV_OTHER}"
python3 - "$TMP/results" <<'EOF'
import sys, statistics as st
rows = [l.split() for l in open(sys.argv[1])]
bad = [r for r in rows if 'x' in r[2:]]
rows = [r for r in rows if 'x' not in r[2:]]
def q(v, p):
    v = sorted(v); k = (len(v) - 1) * p; i = int(k)
    return v[i] if i + 1 >= len(v) else v[i] + (v[i + 1] - v[i]) * (k - i)
def col(state, i):
    return [float(r[i]) for r in rows if r[0] == state]
for i, name, unit, scale in ((2, 'TCP throughput', 'Gbit/s', 1e9), (3, 'UDP 64-byte rate', 'kpkt/s', 1e3)):
    a = col('A', i)
    states = [s for s in 'BC' if col(s, i)]
    if not a or not states:
        print('  %s: no results' % name); continue
    ma = st.median(a)
    print('  %s (received), rounds with a result: %s:' %
          (name, ', '.join('%s %d' % (s, len(col(s, i))) for s in 'A' + ''.join(states))))
    label = {'A': 'A Qubes alone ', 'B': 'B + kill switch', 'C': 'C + QV_OTHER\'s'}
    for s in 'A' + ''.join(states):
        v = col(s, i)
        print('    %s median %8.3f %s  IQR %.3f-%.3f  min-max %.3f-%.3f' %
              (label[s], st.median(v) / scale, unit, q(v, .25) / scale, q(v, .75) / scale,
               min(v) / scale, max(v) / scale))
    # Paired: each round's B (C) against the same round's A.
    pa = {r[1]: float(r[i]) for r in rows if r[0] == 'A'}
    for s in states:
        pc = [100 * (1 - float(r[i]) / pa[r[1]]) for r in rows if r[0] == s and r[1] in pa]
        print('    cost of %s: %.1f %% (medians); per-round cost median %.1f %%, IQR %.1f..%.1f %%, min-max %.1f..%.1f %%' %
              (s, 100 * (1 - st.median(col(s, i)) / ma), st.median(pc), q(pc, .25), q(pc, .75),
               min(pc), max(pc)))
if bad:
    print('  %d runs without a result (iperf3 failed or timed out) left out' % len(bad))
EOF
