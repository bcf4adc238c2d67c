#!/bin/bash
# bench/hooks.sh - median wall time of the up hook then the down hook on a
# real tun device, against the same state changes made by the equivalent
# ip/nft command sequence, side by side in one throwaway namespace entered
# once. Every command, ours and theirs, is started the same way OpenVPN
# starts a hook (fork + execve with an explicit environment: tests/timeseq).
# QubesDB answers from tests/fakeqdb on a socket of its own, as the
# daemon does in a qube. Prints both medians and their ratio, and the
# processes the hooks create (strace, a separate run). Not a test.
#   bench/hooks.sh [ROUNDS]   (default 200; QV=path picks the binary)
# Also the median of a static no-op process started the same way: the
# floor of start and exit every hook pays; and the hooks' median in rounds
# of their own, without the ip/nft commands in between.
. "$(dirname "$0")/../tests/lib.sh"

ROUNDS=${1:-200}
make -s -C "$TOP" build/tests/timeseq build/tests/fakeqdb || exit 1
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
# Its request log on tmpfs too: the real daemon writes none, and a disk
# write per request would be a cost of the fake the up hook waits for.
"$TOP/build/tests/fakeqdb" -l "$RUN/qubesdb.log" "$RUN/qubesdb.sock" \
	/qubes-netvm-primary-dns=10.139.1.1 /qubes-netvm-secondary-dns=10.139.1.2 &
BG_PIDS+=($!)
wait_until 5 test -S "$RUN/qubesdb.sock" || { echo "bench/hooks: no fake QubesDB"; exit 1; }
grep -v '^script_type=' "$FIXTURE" >"$TMP/up.env"
printf 'script_type=up\nQUBES_VPN_RUNDIR=%s\nQUBES_VPN_QUBESDB_SOCK=%s\n' "$RUN" "$RUN/qubesdb.sock" >>"$TMP/up.env"
printf 'dev=tun0\nscript_type=down\nscript_context=init\nQUBES_VPN_RUNDIR=%s\n' "$RUN" >"$TMP/down.env"
echo "PATH=/usr/sbin:/usr/bin:/sbin:/bin" >"$TMP/path.env"
ARGS="tun0 1500 0 10.8.0.2 255.255.255.0 init"
IP=$(command -v ip) NFT=$(command -v nft)
# The floor every hook pays: starting and ending a static no-op process
# the same way (musl, as the release binary; skipped without musl-gcc).
NULL=
if command -v musl-gcc >/dev/null &&
	printf 'int main(void) { return 0; }\n' | musl-gcc -static -Os -s -x c -o "$TMP/null" -; then
	NULL="null|$TMP/path.env|$TMP/null"
fi
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
[ -z "$NULL" ] || echo "$NULL" >>"$TMP/plan"
nsx "$NS" "$TOP/build/tests/timeseq" 1 "$TMP/plan" >/dev/null 2>&1   # warm-up round
nsx "$NS" "$TOP/build/tests/timeseq" "$ROUNDS" "$TMP/plan" >"$TMP/times" 2>"$TMP/err" ||
	{ cat "$TMP/err"; exit 1; }
grep -q "connected: traffic of attached qubes goes through tun0" "$TMP/err" ||
	{ echo "bench/hooks: the up hook did not connect; its output:"; head "$TMP/err"; exit 1; }

ours=$(phase_median "$TMP/times" up down) base=$(phase_median "$TMP/times" ipup ipdown)
echo "binary:                          $QV ($(file -b "$QV" | cut -d, -f1-2 | tr -d '\n'))"
echo "rounds:                          $ROUNDS (alternating, same namespace, real tun device)"
echo "qubes-vpn up + down:             median $ours us (up $(phase_median "$TMP/times" up), down $(phase_median "$TMP/times" down))"
echo "ip/nft command sequence:         median $base us (up $(phase_median "$TMP/times" ipup), down $(phase_median "$TMP/times" ipdown))"
awk -v a="$ours" -v b="$base" 'BEGIN { printf "ratio (ip/nft over qubes-vpn):   %.1fx\n", b / a }'
[ -n "$NULL" ] &&
	echo "static no-op process:           median $(phase_median "$TMP/times" null) us (the start and exit each hook pays)"
# The same hooks in rounds of their own (and the no-op), nothing else in
# between: caches stay warm, and with nobody else committing to nf_tables
# the up hook too finds the generation noted by the down hook before it
# (README, Performance). Not the comparison above, which stays the figure.
grep -E '^(up|down|null)\|' "$TMP/plan" >"$TMP/plan.alone"
nsx "$NS" "$TOP/build/tests/timeseq" "$ROUNDS" "$TMP/plan.alone" >"$TMP/times.alone" 2>/dev/null &&
	echo "qubes-vpn up + down, alone:      median $(phase_median "$TMP/times.alone" up down) us (up $(phase_median "$TMP/times.alone" up), down $(phase_median "$TMP/times.alone" down); rounds of ours only)"
grep -q "read /qubes-netvm-primary-dns" "$RUN/qubesdb.log" ||
	echo "bench/hooks: WARNING: the up hook did not read the fake QubesDB"
# Processes the hooks create (fork, vfork, clone): one up and one down,
# each under strace -f, outside the timing.
if command -v strace >/dev/null; then
	forks=0
	for hook in up down; do
		mapfile -t E <"$TMP/$hook.env"
		# shellcheck disable=SC2086
		nsx "$NS" env -i "${E[@]}" strace -f -qq -e trace=fork,vfork,clone,clone3 \
			-o "$TMP/strace.$hook" "$QV" $hook $ARGS >/dev/null 2>&1
		n=$(grep -cE '^[0-9]+ +(fork|vfork|clone|clone3)\(' "$TMP/strace.$hook")
		printf "processes created by %-4s       %s (strace -f)\n" "$hook:" "$n"
		forks=$((forks + n))
	done
	echo "processes created by up + down:  $forks"
fi
