#!/bin/bash
# valgrind.test.sh - the applets' normal runs under valgrind (memcheck):
# no invalid access, no use of uninitialised memory, no definite leak.
# Always the plain build (valgrind and AddressSanitizer do not mix).
. "$(dirname "$0")/lib.sh"

make -s -C "$TOP" qubes-vpn >/dev/null
BIN=$TOP/qubes-vpn
netns_new NS vg
nsx "$NS" ip tuntap add dev tun0 mode tun
nsx "$NS" ip link set tun0 up
nsx "$NS" ip addr add 10.8.0.2/24 dev tun0
mkdir -p "$TMP/run" "$TMP/cfg"
mapfile -t UPENV <"$TOP/tests/fixtures/openvpn-2.6-up.env"

# vg NAME ENV... -- ARGS: run the binary under valgrind in the namespace.
vg() {
	local name=$1 envs=()
	shift
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	nsx "$NS" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin QUBES_VPN_RUNDIR="$TMP/run" \
		"${envs[@]}" valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite --trace-children=no "$BIN" "$@" \
		>"$TMP/vg.out" 2>&1 </dev/null
	local rc=$?
	check "valgrind clean: $name (exit $rc)" [ "$rc" -ne 99 ]
	[ "$rc" -eq 99 ] && sed 's/^/#   /' "$TMP/vg.out" | head -40
}
vg "forwarding on" -- forwarding on
vg "forwarding status" -- forwarding status
vg "forwarding status --check" -- forwarding status --check
vg "up (OpenVPN 2.6 environment)" "${UPENV[@]}" -- up tun0 1500 0 10.8.0.2 255.255.255.0 init
vg "up again (restart, DNS table reused)" "${UPENV[@]}" script_context=restart -- up tun0
vg "down" dev=tun0 -- down
make -s -C "$TOP" build/tests/fakeqdb >/dev/null
"$TOP/build/tests/fakeqdb" -m watch "$TMP/qdb.sock" /qubes-netvm-primary-dns=10.139.1.11 &
BG_PIDS+=($!)
wait_until 5 test -S "$TMP/qdb.sock"
vg "up reading QubesDB (a value, WATCH messages, NOENT)" "${UPENV[@]}" \
	QUBES_VPN_QUBESDB_SOCK="$TMP/qdb.sock" -- up tun0
check_contains "... which gave the primary virtual DNS address" \
	"$(nsx "$NS" "$BIN" forwarding status)" "10.139.1.11>"
vg "up with hostile options" "${UPENV[@]}" "foreign_option_4=dhcp-option DNS 127.0.0.1" \
	"foreign_option_5=dhcp-option DNS x" -- up tun0
vg "forwarding blackhole" -- forwarding blackhole
vg "notify" -- notify --urgency critical "Summary" "Body"
printf 'qubes-vpn-notify/1\nurgency=low\nsummary=a\nbody=b\n' >"$TMP/msg"
nsx "$NS" env -i QREXEC_REMOTE_DOMAIN=sys-vpn QUBES_VPN_SESSION_ROOT="$TMP/none" \
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	"$BIN" notify-receive <"$TMP/msg" >"$TMP/vg.out" 2>&1
check "valgrind clean: notify-receive" [ $? -ne 99 ]
# The follower (as the root relay: the test runs as root), on a run
# directory that appears late, hostile, garbled and overlong lines, a
# rotation; stopped by SIGTERM, as it always ends: valgrind reports nothing.
mkdir -p "$TMP/vgf"
env -i PATH=/nonexistent QUBES_VPN_RUNDIR="$TMP/vgf/run" "$(command -v valgrind)" -q --log-file="$TMP/vgf.log" \
	"$BIN" notifier --dom0 >"$TMP/vgf.out" 2>&1 &
vgpid=$!
BG_PIDS+=($vgpid)
wait_until 20 grep -qs "waiting for it" "$TMP/vgf.out"
mkdir "$TMP/vgf/run"
printf 'state=blocked\ntime=1\n' >"$TMP/vgf/run/state"
{
	printf '2026-11-27T12:00:00Z critical Qubes VPN disconnected: all \e[2J\u202e blocked\n'
	printf 'garbled\n2026-11-27T12:00:00Z normal %s\n' "$(head -c 3000 /dev/zero | tr '\0' x)"
	printf '2026-11-27T12:00:00Z normal Half'
} >>"$TMP/vgf/run/events"
mv "$TMP/vgf/run/events" "$TMP/vgf/run/events.old"
printf '2026-11-27T12:00:00Z low Last\n' >>"$TMP/vgf/run/events"
wait_until 20 grep -q "showing: Last" "$TMP/vgf.out"
kill -TERM "$vgpid"
wait "$vgpid" 2>/dev/null
check "valgrind clean: notifier --dom0 (late directory, hostile lines, rotation)" \
	grep -q "showing: Qubes VPN disconnected" "$TMP/vgf.out"
check_eq "... valgrind's report is empty" "$(cat "$TMP/vgf.log")" ""
printf 'client\ndev tun\nca missing.crt\n' >"$TMP/cfg/qubes-vpn.conf"
vg "configurator --check" -- configurator --dir "$TMP/cfg" --check
# WireGuard: a configuration parsed and set through wireguard-go, which
# no peer answers (up waits 1 s for a handshake and blocks); status; down;
# status and down of a device no wireguard-go serves (the kernel's path).
WGDEV=qvvg$RUN_ID
CLEANUP_CMDS+=("rm -f /var/run/wireguard/$WGDEV.sock")
if nsx "$NS" wireguard-go "$WGDEV" >/dev/null 2>&1; then
	install -m 600 "$TOP/tests/fuzz/corpus/wgconf/dual-stack" "$TMP/wg.conf"
	vg "wg up (parsed, set, no handshake)" -- wg up --dev "$WGDEV" --timeout 1 "$TMP/wg.conf"
	vg "wg status" -- wg status --dev "$WGDEV"
	vg "wg down" -- wg down --dev "$WGDEV"
	# The kernel's path: no socket, no such device (no module here).
	vg "wg status (the kernel's path)" -- wg status --dev "qvk$RUN_ID"
	vg "wg down (the kernel's path)" -- wg down --dev "qvk$RUN_ID"
else
	not_ok "wireguard-go starts (for the wg applet's runs)"
fi
vg "forwarding off" -- forwarding off
vg "usage error" -- forwarding frob
vg "unknown applet" -- bogus
finish
