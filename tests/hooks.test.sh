#!/bin/bash
# hooks.test.sh - the up and down applets on their own, in a throwaway
# namespace with a real tun device: validation of OpenVPN's environment
# (every rejected variable named, the gateway left blocked), DNS choices,
# IPv4-only tunnels, down when things are already gone, logging, and
# missing privileges. (QubesDB: qubesdb.test.sh.)
. "$(dirname "$0")/lib.sh"

FIXTURE=$TOP/tests/fixtures/openvpn-2.6-up.env
netns_new NS hooks
nsx "$NS" ip tuntap add dev tun0 mode tun
nsx "$NS" ip link set tun0 up
nsx "$NS" ip addr add 10.8.0.2/24 dev tun0
nsx "$NS" ip addr add fd00:8::1000/64 dev tun0 nodad
mkdir -p "$TMP/run" "$TMP/fakebin"
grep -v '^script_type=' "$FIXTURE" >"$TMP/base.env"

# up_with [VAR=VALUE | -VAR]... [-- ARGS]: run the up hook with the fixture's
# environment, changed as given (-VAR removes VAR), and nothing else but
# QUBES_VPN_RUNDIR, PATH and a QubesDB socket that does not exist (never the
# host's) -- as OpenVPN would. Output in $TMP/out.
up_with() {
	local envs=() args=() drop=() kv
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		case $1 in
		-*) drop+=("${1#-}") ;;
		*) envs+=("$1") ;;
		esac
		shift
	done
	[ "${1:-}" = -- ] && { shift; args=("$@"); }
	cp "$TMP/base.env" "$TMP/cur.env"
	for kv in "${drop[@]}" "${envs[@]%%=*}"; do
		grep -v "^$kv=" "$TMP/cur.env" >"$TMP/cur.tmp"
		mv "$TMP/cur.tmp" "$TMP/cur.env"
	done
	[ ${#envs[@]} -gt 0 ] && printf '%s\n' "${envs[@]}" >>"$TMP/cur.env"
	mapfile -t E <"$TMP/cur.env"
	rm -f "$TMP/out"
	nsx "$NS" env -i "${E[@]}" QUBES_VPN_RUNDIR="$TMP/run" \
		QUBES_VPN_QUBESDB_SOCK="$TMP/no-qubesdb.sock" \
		PATH="$TMP/fakebin:/usr/sbin:/usr/bin:/sbin:/bin" "$QV" up "${args[@]}" >"$TMP/out" 2>&1
}
status() { nsx "$NS" "$QV" forwarding status 2>&1; }
blocked() { status | grep -q "^state: blocked"; }
connected() { status | grep -q "^state: connected"; }

# rejected NAME VAR=VALUE... : up must fail, name the variable, leave blocked.
rejected() {
	local name=$1 want=$2
	shift 2
	up_with "$@"
	local rc=$?
	check_eq "$name: exit 1" "$rc" 1
	check_contains "$name: the message names it" "$(cat "$TMP/out")" "$want"
	check "$name: the gateway is left blocked" blocked
}

check "up --help" quiet "$QV" up --help
check_contains "up --help explains the hook" "$("$QV" up --help)" "OpenVPN's --up hook"
check "down --help" quiet "$QV" down --help
check_eq "up with 7 arguments is a usage error" \
	"$("$QV" up a b c d e f g >/dev/null 2>&1; echo $?)" 2

# ---- a normal connection from the real fixture ----
check "up with OpenVPN 2.6's real environment" up_with -- tun0 1500 0 10.8.0.2 255.255.255.0 init
check "... connects" connected
check_contains "... logs the connection with server and DNS" "$(cat "$TMP/out")" \
	"connected: traffic of attached qubes goes through tun0 (server 203.0.113.1). DNS: 10.8.0.1, fd00:8::1"
check_contains "... logs with journald priority prefixes" "$(cat "$TMP/out")" "<6>qubes-vpn-up: "
check_contains "... records the state" "$(cat "$TMP/run/state")" "dns=10.8.0.1, fd00:8::1"
check_contains "... without QubesDB, the default virtual DNS addresses" "$(status)" \
	"DNS: 10.139.1.1>10.8.0.1 10.139.1.2>10.8.0.1 fd09:24ef:4179::a8b:1>fd00:8::1"
check "up again (OpenVPN restart) is fine" up_with script_context=restart -- tun0 1500 0 10.8.0.2 255.255.255.0 restart
check_contains "... and says it is a restart" "$(cat "$TMP/out")" "restart: connecting through tun0"
check_eq "... without stacking routes" "$(nsx "$NS" ip route show table 78 | wc -l)" 2

# ---- notifications: recorded, never delivered by the hook ----
# Helpers the hooks could find (first on their PATH) leave a mark if run.
for prog in qrexec-client-vm notify-send; do
	printf '#!/bin/sh\ntouch %s/ran.%s\n' "$TMP" "$prog" >"$TMP/fakebin/$prog"
	chmod 755 "$TMP/fakebin/$prog"
done
up_with -- tun0 1500 0 10.8.0.2 255.255.255.0 init
check_contains "the up hook records its event in RUNDIR/events" "$(tail -1 "$TMP/run/events")" \
	" normal Qubes VPN connected: traffic of attached qubes goes through tun0 (server 203.0.113.1). DNS: 10.8.0.1, fd00:8::1"
check_eq "... and runs no notification helper" "$(ls "$TMP" | grep -c '^ran\.')" 0
if command -v strace >/dev/null; then
	mapfile -t E <"$TMP/cur.env"
	# The sanitizer build's leak check stops the world with a thread of
	# its own at exit: not the hooks' doing, so it is off for this count.
	nsx "$NS" env -i "${E[@]}" ASAN_OPTIONS=detect_leaks=0 QUBES_VPN_RUNDIR="$TMP/run" QUBES_VPN_QUBESDB_SOCK="$TMP/no-qubesdb.sock" \
		PATH="$TMP/fakebin:/usr/sbin:/usr/bin:/sbin:/bin" strace -f -qq -e trace=fork,vfork,clone,clone3 \
		-o "$TMP/strace.up" "$QV" up tun0 1500 0 10.8.0.2 255.255.255.0 restart >/dev/null 2>&1
	nsx "$NS" env -i dev=tun0 script_type=down ASAN_OPTIONS=detect_leaks=0 QUBES_VPN_RUNDIR="$TMP/run" strace -f -qq \
		-e trace=fork,vfork,clone,clone3 -o "$TMP/strace.down" "$QV" down tun0 1500 0 >/dev/null 2>&1
	check_eq "up (restart) and down create no process (strace -f)" \
		"$(cat "$TMP/strace.up" "$TMP/strace.down" | grep -cE '^[0-9]+ +(fork|vfork|clone|clone3)\(')" 0
	check_contains "... the down hook recorded its event" "$(tail -1 "$TMP/run/events")" \
		" critical Qubes VPN disconnected: all traffic of attached qubes is blocked"
fi

# ---- rejected environments ----
rejected "no environment at all" "dev is missing" -dev
rejected "dev with a shell metacharacter" "dev is not a valid interface name" "dev=tun0;reboot"
rejected "dev of 16 characters" "dev is not a valid interface name" "dev=tun0123456789abc"
rejected "dev '..'" "dev is not a valid interface name" "dev=.."
rejected "dev_type tap" "dev_type is not 'tun'" "dev_type=tap"
rejected "ifconfig_local not an address" "ifconfig_local is not a valid IPv4 address" \
	"ifconfig_local=10.8.0.300"
rejected "ifconfig_local as a hostname" "ifconfig_local is not a valid IPv4 address" \
	"ifconfig_local=vpn.example"
rejected "ifconfig_local in octal" "ifconfig_local is not a valid IPv4 address" \
	"ifconfig_local=010.8.0.2"
rejected "ifconfig_netmask not contiguous" "ifconfig_netmask is not a valid netmask" \
	"ifconfig_netmask=255.0.255.0"
rejected "ifconfig_ipv6_local not an address" "ifconfig_ipv6_local is not a valid IPv6 address" \
	"ifconfig_ipv6_local=fd00::zz"
rejected "ifconfig_ipv6_local with a zone" "ifconfig_ipv6_local is not a valid IPv6 address" \
	"ifconfig_ipv6_local=fe80::1%tun0"
rejected "ifconfig_ipv6_netbits 129" "ifconfig_ipv6_netbits is not a number from 0 to 128" \
	"ifconfig_ipv6_netbits=129"
rejected "route_vpn_gateway not an address" "route_vpn_gateway is not a valid IPv4 address" \
	"route_vpn_gateway=10.8.0.1 "
rejected "no tunnel address at all" "ifconfig_local and ifconfig_ipv6_local are both missing" \
	-ifconfig_local -ifconfig_ipv6_local
rejected "argument and environment disagree" "differs from dev=tun0" -- tun1 1500 0
rejected "tunnel device that does not exist" "tunnel device tun9: No such device" "dev=tun9"

# ---- bounded and hostile values ----
long=$(head -c 5000 /dev/zero | tr '\0' x)
check "a 5000-byte pushed option does not stop the connection" \
	up_with "foreign_option_4=dhcp-option DOMAIN $long"
check_contains "... it is ignored with a message" "$(cat "$TMP/out")" \
	"foreign_option_4 is longer than 1024 bytes: ignored"
many=()
for i in $(seq 1 300); do many+=("foreign_option_$i=dhcp-option DNS 10.9.$((i / 250)).$((i % 250 + 1))"); done
check "300 pushed options" up_with -foreign_option_1 -foreign_option_2 -foreign_option_3 "${many[@]}"
check_contains "... the excess is refused with a message" "$(cat "$TMP/out")" \
	"more than 256 pushed options: the rest are ignored"
check_contains "... the first two DNS servers are used" "$(status)" \
	"10.139.1.1>10.9.0.2 10.139.1.2>10.9.0.3"
check "a DNS option with shell metacharacters" up_with \
	'foreign_option_2=dhcp-option DNS $(reboot);`id`' 'foreign_option_3=dhcp-option DNS6 ::1'
check_contains "... is refused as not an address" "$(cat "$TMP/out")" "not a literal IP address"
check_contains "... and IPv6 loopback as a loopback address" "$(cat "$TMP/out")" "a loopback address"
check_contains "... with no usable DNS, the notice says DNS is blocked" "$(cat "$TMP/out")" \
	"the VPN pushed no usable DNS server: their DNS is blocked"
check_contains "... and every virtual DNS address is dropped" "$(status)" \
	"10.139.1.1>dropped 10.139.1.2>dropped fd09:24ef:4179::a8b:1>dropped"

# ---- DNS servers on this side of the tunnel ----
# An uplink like a ProxyVM's: its own address, the NetVM's resolver on the
# uplink, a route whose gateway is on-link; IPv6 likewise.
nsx "$NS" ip link add up0 type veth peer name up1
nsx "$NS" ip link set up0 up
nsx "$NS" ip link set up1 up
nsx "$NS" ip addr add 10.138.5.2/24 dev up0
nsx "$NS" ip addr add 2001:db8:1::2/64 dev up0 nodad
nsx "$NS" ip route add 198.18.0.0/15 via 192.168.77.1 dev up0 onlink
check "a server pushing DNS on this side of the tunnel still connects" up_with \
	'foreign_option_1=dhcp-option DNS 10.138.5.2' 'foreign_option_2=dhcp-option DNS 10.138.5.1' \
	'foreign_option_3=dhcp-option DNS 192.168.77.1' 'foreign_option_4=dhcp-option DNS6 2001:db8:1::1' \
	'foreign_option_5=dhcp-option DNS 10.8.0.1' 'foreign_option_6=dhcp-option DNS6 fd00:8::1'
out=$(cat "$TMP/out")
check_contains "... this qube's own address is refused" "$out" \
	"ignoring VPN DNS server 10.138.5.2: it is an address of this qube"
check_contains "... the NetVM's resolver on the uplink is refused" "$out" \
	"ignoring VPN DNS server 10.138.5.1: it is on this side of the tunnel (routed via up0)"
check_contains "... a gateway of this qube's routes is refused" "$out" \
	"ignoring VPN DNS server 192.168.77.1: it is on this side of the tunnel (the gateway of a route via up0)"
check_contains "... so is an IPv6 resolver on the uplink" "$out" \
	"ignoring VPN DNS server 2001:db8:1::1: it is on this side of the tunnel (routed via up0)"
check_contains "... and the servers inside the tunnel are used" "$(status)" \
	"DNS: 10.139.1.1>10.8.0.1 10.139.1.2>10.8.0.1 fd09:24ef:4179::a8b:1>fd00:8::1 fd09:24ef:4179::a8b:2>fd00:8::1"
check "only servers on this side: still connects" up_with \
	'foreign_option_2=dhcp-option DNS 10.138.5.1' 'foreign_option_3=dhcp-option DNS6 2001:db8:1::1'
check_contains "... with their DNS blocked, and says so" "$(cat "$TMP/out")" \
	"the VPN pushed no usable DNS server: their DNS is blocked"
nsx "$NS" ip link del up0

# ---- IPv4-only tunnel ----
check "IPv4-only tunnel" up_with -ifconfig_ipv6_local -ifconfig_ipv6_netbits \
	-ifconfig_ipv6_remote "foreign_option_3=dhcp-option DOMAIN x"
check_contains "... downstream IPv6 stays blackholed" "$(status)" \
	"tunnel (IPv6): none, downstream IPv6 is blackholed"
check_eq "... no IPv6 route into the tunnel" \
	"$(nsx "$NS" ip -6 route show table 78 | grep -c tun0)" 0
check_contains "... IPv6 virtual DNS dropped, IPv4 redirected" "$(status)" \
	"10.139.1.2>10.8.0.1 fd09:24ef:4179::a8b:1>dropped"

# QubesDB's answers, good, bad and hanging: tests/qubesdb.test.sh.

# ---- debug detail ----
touch "$TMP/run/debug"
up_with
check_contains "debug lines appear when the run directory has 'debug'" "$(cat "$TMP/out")" \
	"<7>qubes-vpn-up: virtual DNS 1: 10.139.1.1"
rm "$TMP/run/debug"

# ---- down ----
down() { rm -f "$TMP/out"; nsx "$NS" env -i "$@" QUBES_VPN_RUNDIR="$TMP/run" "$QV" down >"$TMP/out" 2>&1; }
up_with
check "down" down dev=tun0
check "... blocks" blocked
check_eq "... takes tun0 out of group 78" "$(nsx "$NS" ip -d link show tun0 | grep -c 'group 78')" 0
check_contains "... says so" "$(cat "$TMP/out")" \
	"disconnected: all traffic of attached qubes is blocked"
check_contains "... records it" "$(cat "$TMP/run/state")" "state=blocked"
check "down again (already blocked)" down dev=tun0
up_with
nsx "$NS" ip link del tun0
check "down when the tunnel device is already gone" down dev=tun0
check "... blocks" blocked
check "down with an invalid dev still blocks" down 'dev=../../x'
check_contains "... and warns" "$(cat "$TMP/out")" "dev is not a valid interface name"
nsx "$NS" "$QV" forwarding off
check "down with nothing armed arms the blocked state (fail closed)" down dev=tun0
check "... complete" quiet nsx "$NS" "$QV" forwarding status --check

# ---- objects removed behind our back while connected ----
nsx "$NS" ip tuntap add dev tun0 mode tun
nsx "$NS" ip link set tun0 up
nsx "$NS" ip addr add 10.8.0.2/24 dev tun0
for what in dns-table killswitch rule4 rule6 blackhole6; do
	up_with
	case $what in
	dns-table) nsx "$NS" nft delete table inet qubes-vpn-dns ;;
	killswitch) nsx "$NS" nft delete table inet qubes-vpn ;;
	rule4) nsx "$NS" ip rule del fwmark 0x78 lookup 78 priority 78 ;;
	rule6) nsx "$NS" ip -6 rule del fwmark 0x78 lookup 78 priority 78 ;;
	blackhole6) nsx "$NS" ip -6 route del blackhole default table 78 ;;
	esac
	check "$what removed while connected: down still succeeds" down dev=tun0
	check "$what removed while connected: down leaves the complete blocked state" \
		quiet nsx "$NS" "$QV" forwarding status --check
	check "$what removed while connected: ... blocked" blocked
done
up_with
nsx "$NS" nft delete table inet qubes-vpn
check "kill switch removed, then up again: up re-installs it" up_with
check_contains "... and says so" "$(cat "$TMP/out")" "the kill switch was incomplete: re-installing"
check "... complete again" quiet nsx "$NS" "$QV" forwarding status --check
down dev=tun0

# ---- the lock's note: what nftables held, at a generation ----
# A hook that finds the kernel at the generation the last one noted does
# not read the kill switch and the DNS table back; any commit by anybody
# else moves the generation on, and then it reads everything again.
down_dbg() {
	nsx "$NS" env -i dev=tun0 script_type=down QUBES_VPN_RUNDIR="$TMP/run" "$QV" down >"$TMP/out" 2>&1
}
touch "$TMP/run/debug"
up_with
down_dbg
check_contains "note: down after up takes the kill switch as up left it" "$(cat "$TMP/out")" \
	"kill switch whole at generation"
check_eq "note: ... written in the lock file" "$(head -c 7 "$TMP/run/lock")" "qvseen1"
up_with
check_contains "note: up after down takes it too" "$(cat "$TMP/out")" "kill switch whole at generation"
# The note: magic (8 bytes), network namespace cookie (8), generation (4).
noted_gen() { od -An -tu4 -j16 -N4 "$TMP/run/lock" | tr -d ' '; }
gen=$(noted_gen)
up_with script_context=restart -- tun0 1500 0 10.8.0.2 255.255.255.0 restart
check_contains "note: so does up again" "$(cat "$TMP/out")" "kill switch whole at generation"
check_eq "note: ... which commits nothing (the DNS table is awake as wanted): same generation" \
	"$(noted_gen)" "$gen"
check "note: ... still connected" connected
# A rule of the kill switch deleted behind our back, at a noted generation.
h=$(nsx "$NS" nft -a list chain inet qubes-vpn forward | sed -n 's/.*"drop-downstream".*# handle \([0-9]*\)/\1/p')
check "note: the kill switch's drop rule has a handle" [ -n "$h" ]
nsx "$NS" nft delete rule inet qubes-vpn forward handle "$h"
down_dbg
check_contains "note: a rule deleted after the note: down reads back and re-installs" \
	"$(cat "$TMP/out")" "the kill switch was incomplete: re-installing"
check_fails "note: ... without taking the note" grep -q "as noted" "$TMP/out"
check "note: ... complete blocked state" quiet nsx "$NS" "$QV" forwarding status --check
# The DNS table made dormant behind our back while connected.
up_with
nsx "$NS" nft add table inet qubes-vpn-dns '{ flags dormant; }'
up_with script_context=restart -- tun0 1500 0 10.8.0.2 255.255.255.0 restart
check_fails "note: DNS table put to sleep by another: up does not take the note" \
	grep -q "as noted" "$TMP/out"
check_contains "note: ... and wakes it" "$(status)" "DNS: 10.139.1.1>10.8.0.1"
# A note of another network namespace (its cookie changed) is no note.
printf '\377' | dd of="$TMP/run/lock" bs=1 seek=8 conv=notrunc status=none
down_dbg
check_fails "note: another namespace's note is not taken" grep -q "as noted" "$TMP/out"
check "note: ... down blocks" blocked
# A torn or foreign note is no note either.
head -c 30 "$TMP/run/lock" >"$TMP/note" && cat "$TMP/note" >"$TMP/run/lock"
up_with
check "note: a malformed note: up still connects" connected
check_fails "note: ... without taking it" grep -q "as noted" "$TMP/out"
down_dbg
rm "$TMP/run/debug"

# ---- privileges ----
out=$(nsx "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups "$QV" up 2>&1)
check_contains "up without CAP_NET_ADMIN refuses" "$out" "needs the CAP_NET_ADMIN capability"
out=$(nsx "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups "$QV" down 2>&1)
check_contains "down without CAP_NET_ADMIN refuses" "$out" "needs the CAP_NET_ADMIN capability"

finish
