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
#     ROUNDS   rounds, each measuring every state once (default 20); the
#              order alternates (A B, B A, ...) so that drift hits all alike
#     SECONDS  length of each iperf3 run (default 1)
#   Environment:
#     QV=path          the binary (default ./qubes-vpn)
#     QV_OTHER=path    another build: state C, the kill switch armed and
#                      connected by that binary, to compare two rulesets
#                      under the same noise
#     BENCH_NULL=1     state N, a second topology with Qubes' ruleset alone:
#                      its "cost" shows what two identical set-ups differ by
#     BENCH_PROFILE=1  every UDP run of the iperf3 client is sampled with
#                      perf (perf record -p): what share of the CPU time
#                      spent in its context (its own work, and the
#                      forwarding through the VPN qube that the kernel does
#                      there when it sends) goes to nf_tables and to
#                      routing, per state, and in ns per packet. A ratio
#                      within one process: other load on the machine moves
#                      it far less than it moves the rates
#     QUBES_VERSION=4.2|4.3 (default 4.3), BENCH_TOPO=testbed|imitation
#     BENCH_RP_FILTER=0|1|2  the VPN qube's reverse-path filter on every
#                      interface, as a template's sysctl defaults may set it
#                      (unset: the kernel's default, 0). With it off the
#                      kernel skips the reverse-path lookup of a forwarded
#                      packet unless policy rules exist: A does not pay for
#                      it, B does; with it on, both do.
#
# Each state has a topology of its own, built the same way; a state is set
# up once and never changed. The kill switch cannot be switched off in
# place for A: once a namespace has had a policy rule, the kernel keeps its
# local and main routing tables apart and walks the rule list for every
# packet, rule or no rule (fib_has_custom_rules is never reset), so an A
# measured after `forwarding off` would carry part of B's cost.
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
# tun0 is a veth with the tunnel's addresses (10.8.0.2/24); the far host is
# routed through it in every state: in A by a route in the main table, in B
# by the up hook's default route in table 78 (the main-table route is there
# too, unused by downstream traffic). Same egress, same neighbour,
# masquerade to 10.8.0.2 (Qubes' in A, ours in B): what differs is our
# ruleset and policy routing.
#
# Namespaces are unique to the run and deleted on every exit path (lib.sh's
# trap); iperf3 talks only between namespace addresses.
set -u
. "$(dirname "$0")/../tests/lib.sh"

ROUNDS=${1:-20}
SECS=${2:-1}
TOPO=${BENCH_TOPO:-testbed}
QV_OTHER=${QV_OTHER:-}
case "$ROUNDS$SECS" in *[!0-9]*|"") echo "usage: bench/throughput.sh [ROUNDS] [SECONDS]" >&2; exit 2 ;; esac
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 1000 ] && [ "$SECS" -ge 1 ] && [ "$SECS" -le 60 ] ||
	{ echo "throughput: ROUNDS 1..1000, SECONDS 1..60" >&2; exit 2; }
case ${BENCH_RP_FILTER:-} in
""|[012]) ;;
*) echo "throughput: BENCH_RP_FILTER is 0, 1 or 2" >&2; exit 2 ;;
esac
case $TOPO in
testbed|imitation) ;;
*) echo "throughput: BENCH_TOPO is testbed or imitation" >&2; exit 2 ;;
esac
for c in iperf3 python3 ${BENCH_PROFILE:+perf}; do
	command -v $c >/dev/null || { echo "throughput: needs $c (apt-get install $c)" >&2; exit 1; }
done
[ -x "$QV" ] || { echo "throughput: no binary at $QV (make, or QV=path)" >&2; exit 1; }
[ -z "$QV_OTHER" ] || [ -x "$QV_OTHER" ] ||
	{ echo "throughput: no binary at QV_OTHER=$QV_OTHER" >&2; exit 1; }
FAR_HOST=198.51.100.1
STATES="A B${QV_OTHER:+ C}"
[ "${BENCH_NULL:-}" = 1 ] && STATES="$STATES N"

if [ "$TOPO" = testbed ]; then
	QB=${QUBES_TESTBED:-$TOP/../shared/qubes-testbed}
	[ -x "$QB/setup.sh" ] || { echo "throughput: no Qubes test bed at $QB" >&2; exit 1; }
	export QUBES_VERSION=${QUBES_VERSION:-4.3}
	export QR_STATE=$TMP/qr
	WHAT="Qubes $QUBES_VERSION ProxyVM from the test bed ($(cut -d' ' -f1 "$QB/qubes/$QUBES_VERSION/SOURCE" 2>/dev/null))"
else
	WHAT="tests/lib.sh's imitation of Qubes' ruleset"
fi
grep -v '^script_type=' "$TOP/tests/fixtures/openvpn-2.6-up.env" >"$TMP/up.env"
mapfile -t UPENV <"$TMP/up.env"

# topology S: the downstream qube APP_S, the VPN qube VPN_S (whose vif is
# VIF_S, as a sysctl path) and the far host FAR_S with an iperf3 server.
topology() {
	local s=$1 p app vpn vif far ns c
	if [ "$TOPO" = testbed ]; then
		p=qvb$RUN_ID$s
		app=$p-app vpn=$p-fw vif=vif3/0
		for ns in "$vpn" "$app" "$p-up"; do
			[ -e "/run/netns/$ns" ] && { echo "throughput: netns $ns exists already" >&2; exit 1; }
		done
		NETNS_CREATED+=("$app" "$p-up" "$vpn")
		CLEANUP_CMDS+=("'$QB/cleanup.sh' '$vpn'")
		"$QB/topo.sh" up "$p" >>"$TMP/setup.log" 2>&1 &&
			QR_SKIP_VIFS=1 "$QB/setup.sh" "$vpn" >>"$TMP/setup.log" 2>&1 &&
			"$QB/vif.sh" "$vpn" vif3.0 online 10.137.0.5 00:16:3e:5e:6c:00 >>"$TMP/setup.log" 2>&1 &&
			QR_DOWN_IP=10.137.0.5 QR_FW_POLICY=drop QR_FW_RULES="action=accept" \
				"$QB/firewall.sh" "$vpn" >>"$TMP/setup.log" 2>&1 ||
			{ tail -20 "$TMP/setup.log"; echo "throughput: the Qubes test bed failed" >&2; exit 1; }
	else
		# lib.sh names its namespaces after RUN_ID.
		RUN_ID=$RUN_ID$s topo_qubes
		app=$APP vpn=$VPN vif=vif5/0
	fi
	netns_new far "far$s"
	ip link add tun0 netns "$vpn" type veth peer name far0 netns "$far"
	ip -n "$vpn" link set tun0 up
	ip -n "$vpn" addr add 10.8.0.2/24 dev tun0
	ip -n "$vpn" route add "$FAR_HOST/32" dev tun0
	ip -n "$far" link set far0 up
	ip -n "$far" addr add 10.8.0.1/24 dev far0
	ip -n "$far" addr add "$FAR_HOST/32" dev lo
	if [ -n "${BENCH_RP_FILTER:-}" ]; then
		# As systemd's sysctl.d does it: the default and each interface.
		for c in default $(ip -n "$vpn" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
			nsx "$vpn" sysctl -qw "net.ipv4.conf.${c//./\/}.rp_filter=$BENCH_RP_FILTER"
		done
	fi
	ip netns exec "$far" iperf3 -s -B "$FAR_HOST" >/dev/null 2>&1 &
	BG_PIDS+=($!)
	printf -v "SERVER_$s" '%s' "$!"
	printf -v "APP_$s" '%s' "$app"
	printf -v "VPN_$s" '%s' "$vpn"
	printf -v "VIF_$s" '%s' "$vif"
}

# connect S BINARY: the kill switch armed by BINARY (`forwarding on`) in
# VPN_S, then connected by BINARY's up hook as OpenVPN would run it.
connect() {
	local vpn=VPN_$1 run=$TMP/run-$1
	mkdir -p "$run"
	nsx "${!vpn}" env QUBES_VPN_RUNDIR="$run" "$2" forwarding on >>"$TMP/hooks.log" 2>&1 &&
		nsx "${!vpn}" env -i "${UPENV[@]}" QUBES_VPN_RUNDIR="$run" \
			QUBES_VPN_QUBESDB_SOCK="$TMP/no-qubesdb.sock" PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			"$2" up tun0 1500 0 10.8.0.2 255.255.255.0 init >>"$TMP/hooks.log" 2>&1 &&
		nsx "${!vpn}" env QUBES_VPN_RUNDIR="$run" "$2" forwarding status |
		grep -q "^state: connected"
}

for s in $STATES; do
	topology "$s"
	case $s in
	B) connect B "$QV" ;;
	C) connect C "$QV_OTHER" ;;
	esac || { tail -5 "$TMP/hooks.log"; echo "throughput: state $s did not connect" >&2; exit 1; }
	app=APP_$s
	wait_until 5 quiet nsx "${!app}" ping -c1 -W1 "$FAR_HOST" ||
		{ echo "throughput: the far host is unreachable in state $s" >&2; exit 1; }
done

# iperf STATE tcp|udp: one run from APP_STATE; prints bits/s received
# (TCP) or 64-byte packets/s received (UDP), or x. With BENCH_PROFILE=1,
# appends "STATE PROTO SAMPLES SYMBOL" lines to $TMP/profile: the client
# sampled (and for TCP the server too: the kernel forwards its ACKs in its
# context), and for UDP the client's CPU time per packet to $TMP/nspp.STATE.
iperf() {
	local app=APP_$1 srv=SERVER_$1 args=(-t "$SECS" -J) pid client="" i v
	[ "$2" = udp ] && args+=(-u -l 64 -b 0)
	ip netns exec "${!app}" timeout $((SECS + 15)) iperf3 -c "$FAR_HOST" "${args[@]}" \
		>"$TMP/run.json" 2>/dev/null &
	pid=$!
	if [ "${BENCH_PROFILE:-}" = 1 ]; then
		# iperf3 is timeout's child.
		for ((i = 0; i < 100 && ${#client} == 0; i++)); do
			client=$(pgrep -P "$pid" -x iperf3) || sleep 0.01
		done
		[ "$2" = tcp ] && client="$client,${!srv}"
		# (perf ends early, with a non-zero status, if the client exits first)
		rm -f "$TMP/perf.data"
		perf record -q -F 10000 -p "$client" -o "$TMP/perf.data" -- sleep "$SECS" >/dev/null 2>&1
		perf report -q -i "$TMP/perf.data" --no-children --sort sym -F sample,sym 2>/dev/null |
			awk -v s="$1 $2" 'NF >= 3 { print s, $1, $NF }' >>"$TMP/profile"
	fi
	wait "$pid"
	if [ "$2" = tcp ]; then
		v=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"])' \
			"$TMP/run.json" 2>/dev/null)
	else
		v=$(python3 -c 'import json,sys; e = json.load(open(sys.argv[1]))["end"]; s = e["sum"]
print((s["packets"] - s["lost_packets"]) / s["seconds"])
print(e["cpu_utilization_percent"]["host_total"] / 100 * s["seconds"] / s["packets"] * 1e9,
      file=open(sys.argv[2], "a"))' "$TMP/run.json" "$TMP/nspp.$1" 2>/dev/null)
	fi
	echo "${v:-x}"
}

# round R ORDER...: every state measured once; appends
# "STATE ROUND TCP_BITS_PER_S UDP_PACKETS_PER_S" to $TMP/results.
round() {
	local r=$1 s
	shift
	for s in "$@"; do echo "$s $r $(iperf "$s" tcp) $(iperf "$s" udp)"; done >>"$TMP/results"
}

# One unrecorded warm-up round, then the rounds, in turn forwards and
# backwards (A B C, C B A, ...).
# shellcheck disable=SC2086
round 0 $STATES
: >"$TMP/results"
for ((r = 1; r <= ROUNDS; r++)); do
	order=$STATES
	((r % 2)) || order=$(echo "$STATES" | rev)
	# shellcheck disable=SC2086
	round "$r" $order
	printf '.' >&2
done
echo >&2

# ---- report ----
echo "throughput: $ROUNDS rounds of ${SECS} s per run, states $STATES in turn;" \
	"$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  topology: $WHAT, one per state; tunnel = veth tun0"
echo "  B: $QV${QV_OTHER:+; C: $QV_OTHER}"
echo "  VPN qube's rp_filter: all $(nsx "$VPN_A" sysctl -n net.ipv4.conf.all.rp_filter)," \
	"vif $(nsx "$VPN_A" sysctl -n "net.ipv4.conf.$VIF_A.rp_filter")," \
	"tun0 $(nsx "$VPN_A" sysctl -n net.ipv4.conf.tun0.rp_filter)"
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
label = {'A': 'A Qubes alone  ', 'B': 'B + kill switch', 'C': 'C + QV_OTHER   ',
         'N': 'N Qubes alone 2'}
for i, name, unit, scale in ((2, 'TCP throughput', 'Gbit/s', 1e9), (3, 'UDP 64-byte rate', 'kpkt/s', 1e3)):
    a = col('A', i)
    states = [s for s in 'BCN' if col(s, i)]
    if not a or not states:
        print('  %s: no results' % name); continue
    ma = st.median(a)
    print('  %s (received), rounds with a result: %s' %
          (name, ', '.join('%s %d' % (s, len(col(s, i))) for s in 'A' + ''.join(states))))
    for s in 'A' + ''.join(states):
        v = col(s, i)
        print('    %s median %8.3f %s  IQR %.3f-%.3f  min-max %.3f-%.3f' %
              (label[s], st.median(v) / scale, unit, q(v, .25) / scale, q(v, .75) / scale,
               min(v) / scale, max(v) / scale))
    # Paired: each round's B (C, N) against the same round's A.
    pa = {r[1]: float(r[i]) for r in rows if r[0] == 'A'}
    for s in states:
        pc = [100 * (1 - float(r[i]) / pa[r[1]]) for r in rows if r[0] == s and r[1] in pa]
        print('    cost of %s: %5.1f %% (medians); per round: median %.1f %%, IQR %.1f..%.1f %%, min-max %.1f..%.1f %%' %
              (s, 100 * (1 - st.median(col(s, i)) / ma), st.median(pc), q(pc, .25), q(pc, .75),
               min(pc), max(pc)))
if bad:
    print('  %d runs without a result (iperf3 failed or timed out) left out' % len(bad))
EOF
[ "${BENCH_PROFILE:-}" = 1 ] && [ -s "$TMP/profile" ] && python3 - "$TMP" $STATES <<'EOF'
import os, re, sys, statistics as st
tmp, states = sys.argv[1], sys.argv[2:]
# Where a forwarded packet's time goes, by kernel symbol:
routing = re.compile(r'^(fib_|__fib_|fib4_|l3mdev_|ip_route_input|ip_mkroute)')
nftables = re.compile(r'^(nft_|__nft_|nf_hook_slow|sized_strscpy)')
tot, cat = {}, {}
for line in open(os.path.join(tmp, 'profile')):
    s, p, n, sym = line.split()
    n = int(n)
    tot[s, p] = tot.get((s, p), 0) + n
    k = 'routing' if routing.match(sym) else 'nftables' if nftables.match(sym) else None
    if k:
        cat[s, p, k] = cat.get((s, p, k), 0) + n
print('  profile (perf, CPU time in the context of the iperf3 client, where the kernel forwards what it')
print('  sends; for TCP also of the server, where it forwards the ACKs): share in routing, nf_tables')
for p in ('tcp', 'udp'):
    for s in states:
        if not tot.get((s, p)):
            continue
        r, n = cat.get((s, p, 'routing'), 0) / tot[s, p], cat.get((s, p, 'nftables'), 0) / tot[s, p]
        line = '    %s %s: %6d samples; routing %4.1f %%, nf_tables %4.1f %%' % (
            p.upper(), s, tot[s, p], 100 * r, 100 * n)
        if p == 'udp':
            try:
                ns = st.median(float(x) for x in open(os.path.join(tmp, 'nspp.' + s)))
                line += '; client CPU %5.0f ns/packet: routing %3.0f ns, nf_tables %4.0f ns' % (
                    ns, r * ns, n * ns)
            except (OSError, ValueError):
                pass
        print(line)
print("    routing: fib_*, l3mdev_*, ip_route_input*; nf_tables: nft_*, nf_hook_slow, the string copy of")
print("    iifname matches. A pays some of both: Qubes' own chains, one route lookup per packet")
EOF
