# lib.sh - sourced by tests/*.test.sh: result lines, throwaway network
# namespaces that are always deleted, bounded polling, and a Qubes-like
# topology (AppVM -- vif -- VPN qube -- eth0 -- NetVM/internet).
# Each test prints "ok - NAME" or "not ok - NAME"; tests/run counts them.

set -u
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$TESTS_DIR/.." && pwd)
QV=${QV:-$TOP/qubes-vpn}
PASS=0
FAIL=0
NETNS_CREATED=()
BG_PIDS=()
# Commands run first on exit, last registered first (eval'd strings).
CLEANUP_CMDS=()
TMP=$(mktemp -d /tmp/qvtest.XXXXXX)
# Unique per run, short enough for interface-name-free uses.
RUN_ID=$$
# The applets' run directory (state, lock, events): never the host's /run.
export QUBES_VPN_RUNDIR=$TMP/run

ok() { echo "ok - $*"; PASS=$((PASS + 1)); }
not_ok() { echo "not ok - $*"; FAIL=$((FAIL + 1)); }

# check NAME CMD...: ok when CMD succeeds.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# quiet CMD...: run CMD with its output discarded (for check arguments).
quiet() { "$@" >/dev/null 2>&1; }

# check_fails NAME CMD...: ok when CMD fails.
check_fails() {
	local name=$1
	shift
	if "$@"; then not_ok "$name"; else ok "$name"; fi
}

# check_eq NAME GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		printf '#   got:  %s\n#   want: %s\n' "$2" "$3"
	fi
}

# check_contains NAME HAYSTACK NEEDLE
check_contains() {
	case "$2" in
	*"$3"*) ok "$1" ;;
	*) not_ok "$1"; printf '#   %s\n#   does not contain: %s\n' "$2" "$3" ;;
	esac
}

cleanup() {
	local pid ns i
	for ((i = ${#CLEANUP_CMDS[@]} - 1; i >= 0; i--)); do
		eval "${CLEANUP_CMDS[i]}" >/dev/null 2>&1
	done
	for pid in "${BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${BG_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	for ns in "${NETNS_CREATED[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# netns_new VAR SUFFIX: create a namespace with a unique name, store the
# name in VAR, bring up its loopback.
netns_new() {
	local name="qvt-$RUN_ID-$2"
	ip netns add "$name" || { echo "# cannot create netns $name"; exit 1; }
	NETNS_CREATED+=("$name")
	ip -n "$name" link set lo up
	printf -v "$1" '%s' "$name"
}

# nsx NS CMD...: run CMD inside NS.
nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# wait_until SECONDS CMD...: poll CMD every 20 ms until it succeeds or
# SECONDS pass. Returns CMD's last status.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	while ! "$@"; do
		[ "$SECONDS" -ge "$deadline" ] && { "$@"; return; }
		sleep 0.02
	done
}

# phase_median FILE PHASE...: median over the rounds of tests/timeseq's
# output in FILE of the summed microseconds of the given phases.
phase_median() {
	local file=$1
	shift
	awk -v want=" $* " '{ t = 0; for (i = 1; i <= NF; i++) { split($i, kv, "=");
		if (index(want, " " kv[1] " ")) t += kv[2] } print t }' "$file" |
		sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

finish() {
	echo "# $(basename "$0"): $PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
}

# qubes_base_ruleset: the base ruleset of a Qubes 4.2 ProxyVM, as nft text:
# table ip/ip6 qubes with masquerade, forward, and dnat-dns sending the
# virtual DNS addresses to the NetVM's resolver (10.138.5.1, 2001:db8:1::1).
qubes_base_ruleset() {
	cat <<-'EOF'
	table ip qubes {
		chain postrouting {
			type nat hook postrouting priority srcnat; policy accept;
			oifgroup 2 accept
			oif "lo" accept
			masquerade
		}
		chain forward {
			type filter hook forward priority filter; policy accept;
			ct state invalid counter drop
			ct state established,related accept
			oifgroup 2 counter drop
		}
		chain custom-forward {
		}
		chain dnat-dns {
			type nat hook prerouting priority dstnat; policy accept;
			ip daddr 10.139.1.1 udp dport 53 dnat to 10.138.5.1
			ip daddr 10.139.1.1 tcp dport 53 dnat to 10.138.5.1
			ip daddr 10.139.1.2 udp dport 53 dnat to 10.138.5.1
			ip daddr 10.139.1.2 tcp dport 53 dnat to 10.138.5.1
		}
	}
	table ip6 qubes {
		chain postrouting {
			type nat hook postrouting priority srcnat; policy accept;
			oifgroup 2 accept
			oif "lo" accept
			masquerade
		}
		chain forward {
			type filter hook forward priority filter; policy accept;
			ct state invalid counter drop
			ct state established,related accept
			oifgroup 2 counter drop
		}
		chain dnat-dns {
			type nat hook prerouting priority dstnat; policy accept;
			ip6 daddr fd09:24ef:4179::a8b:1 udp dport 53 dnat to 2001:db8:1::1
			ip6 daddr fd09:24ef:4179::a8b:1 tcp dport 53 dnat to 2001:db8:1::1
		}
	}
	EOF
}

# ---- a Qubes-like topology ----
# APP (AppVM):  eth0 10.137.0.5/32, fd09:24ef:4179::5/128 (host routes to
#               the gateway, as Qubes does: nothing else is on-link)
#   | veth
# VPN (ProxyVM): vif5.0 (group 2) 10.138.0.1/32 proxy-arp, fd09:24ef:4179::1/128
#                eth0 (group 1) 10.138.5.2/24, 2001:db8:1::2/64
#                base ruleset like Qubes 4.2: table ip/ip6 qubes with
#                masquerade and dnat-dns 10.139.1.1/.2 -> NetVM resolver
#   | veth
# NET (NetVM + internet): uplink 10.138.5.1/24, 2001:db8:1::1/64 (also the
#                resolver); internet host 198.51.100.1, 2001:db8:99::1 on lo
topo_qubes() {
	netns_new APP app
	netns_new VPN vpn
	netns_new NET net

	ip link add eth0 netns "$APP" type veth peer name vif5.0 netns "$VPN"
	ip link add eth0 netns "$VPN" type veth peer name uplink netns "$NET"

	nsx "$APP" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.eth0.accept_dad=0
	nsx "$VPN" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.vif5/0.accept_dad=0 net.ipv6.conf.eth0.accept_dad=0
	nsx "$NET" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.uplink.accept_dad=0

	ip -n "$APP" link set eth0 up
	ip -n "$APP" addr add 10.137.0.5/32 dev eth0
	ip -n "$APP" route add 10.138.0.1 dev eth0
	ip -n "$APP" route add default via 10.138.0.1 dev eth0
	ip -n "$APP" addr add fd09:24ef:4179::5/128 dev eth0 nodad
	ip -n "$APP" -6 route add fd09:24ef:4179::1 dev eth0
	ip -n "$APP" -6 route add default via fd09:24ef:4179::1 dev eth0

	ip -n "$VPN" link set vif5.0 group 2 up
	ip -n "$VPN" addr add 10.138.0.1/32 dev vif5.0
	ip -n "$VPN" route add 10.137.0.5 dev vif5.0
	ip -n "$VPN" addr add fd09:24ef:4179::1/128 dev vif5.0 nodad
	ip -n "$VPN" -6 route add fd09:24ef:4179::5 dev vif5.0
	nsx "$VPN" sysctl -qw net.ipv4.conf.vif5/0.proxy_arp=1
	ip -n "$VPN" link set eth0 group 1 up
	ip -n "$VPN" addr add 10.138.5.2/24 dev eth0
	ip -n "$VPN" route add default via 10.138.5.1
	ip -n "$VPN" addr add 2001:db8:1::2/64 dev eth0 nodad
	ip -n "$VPN" -6 route add default via 2001:db8:1::1
	nsx "$VPN" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

	ip -n "$NET" link set uplink up
	ip -n "$NET" addr add 10.138.5.1/24 dev uplink
	ip -n "$NET" addr add 2001:db8:1::1/64 dev uplink nodad
	ip -n "$NET" addr add 198.51.100.1/32 dev lo
	ip -n "$NET" addr add 2001:db8:99::1/128 dev lo
	ip -n "$NET" route add 10.137.0.0/16 via 10.138.5.2
	ip -n "$NET" -6 route add fd09:24ef:4179::/64 via 2001:db8:1::2

	qubes_base_ruleset | nsx "$VPN" nft -f -
	# The downstream qube must be able to reach its gateway over IPv6.
	wait_until 5 nsx "$APP" ping -6 -c1 -W1 -q fd09:24ef:4179::1 >/dev/null
}

# Exact leak counters on the far side of the uplink: every packet that
# arrives in NET addressed to the internet host, or to port 53 anywhere,
# is counted by nft in NET's prerouting before anything else sees it.
leak_counters_install() {
	nsx "$NET" nft -f - <<-'EOF'
	table inet leakwatch {
		chain pre {
			type filter hook prerouting priority -400; policy accept;
			iifname "uplink" ip daddr 198.51.100.1 counter comment "to-internet-v4"
			iifname "uplink" ip6 daddr 2001:db8:99::1 counter comment "to-internet-v6"
			iifname "uplink" meta nfproto ipv4 udp dport 53 counter comment "dns-udp-v4"
			iifname "uplink" meta nfproto ipv4 tcp dport 53 counter comment "dns-tcp-v4"
			iifname "uplink" meta nfproto ipv6 udp dport 53 counter comment "dns-udp-v6"
			iifname "uplink" meta nfproto ipv6 tcp dport 53 counter comment "dns-tcp-v6"
		}
	}
	EOF
}

# leak_counter COMMENT: packets counted so far by one leakwatch rule.
leak_counter() {
	nsx "$NET" nft list table inet leakwatch |
		awk -v c="\"$1\"" '$0 ~ c { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}

# Total packets counted by leakwatch so far.
leak_count() {
	nsx "$NET" nft list table inet leakwatch |
		awk '/counter packets/ { for (i = 1; i < NF; i++) if ($i == "packets") n += $(i + 1) } END { print n + 0 }'
}

# ct_list FILTER...: the VPN qube's conntrack entries matching conntrack(8)
# filters, one per line (the oracle for connection state).
ct_list() {
	nsx "$VPN" conntrack -L "$@" 2>/dev/null
}

# Downstream probes from APP: ICMP, UDP, TCP to the internet host in both
# families, and DNS (UDP and TCP) to Qubes' virtual DNS in both families.
# Every probe is bounded in time; none of them is expected to get an answer.
probe_all() {
	local pids=()
	nsx "$APP" ping -c1 -W1 -q 198.51.100.1 >/dev/null 2>&1 & pids+=($!)
	nsx "$APP" ping -6 -c1 -W1 -q 2001:db8:99::1 >/dev/null 2>&1 & pids+=($!)
	local target
	for target in udp/198.51.100.1/7777 udp/2001:db8:99::1/7777 \
		tcp/198.51.100.1/7777 tcp/2001:db8:99::1/7777 \
		udp/10.139.1.1/53 tcp/10.139.1.1/53 udp/10.139.1.2/53 \
		udp/fd09:24ef:4179::a8b:1/53 tcp/fd09:24ef:4179::a8b:1/53; do
		nsx "$APP" timeout 1 bash -c "echo probe >/dev/$target" 2>/dev/null & pids+=($!)
	done
	wait "${pids[@]}"
	return 0
}

# dns_query NS udp|tcp SERVER: ask SERVER (from inside NS) for the A record
# of internet.test; print the reply as hex bytes (empty on no answer).
# Answers: 198.51.100.1 = c6 33 64 01 (the VPN's DNS), 203.0.113.99 =
# cb 00 71 63 (the NetVM's DNS).
DNS_QUERY='\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x08internet\x04test\x00\x00\x01\x00\x01'
dns_query() {
	local ns=$1 proto=$2 server=$3
	if [ "$proto" = udp ]; then
		nsx "$ns" timeout 3 bash -c "exec 3<>/dev/udp/$server/53 &&
			printf '$DNS_QUERY' >&3 && dd bs=512 count=1 <&3 2>/dev/null" 2>/dev/null |
			od -An -v -tx1 | tr -d '\n'
	else
		nsx "$ns" timeout 3 bash -c "exec 3<>/dev/tcp/$server/53 &&
			printf '\x00\x1f$DNS_QUERY' >&3 && dd bs=514 count=1 <&3 2>/dev/null" 2>/dev/null |
			od -An -v -tx1 | tr -d '\n'
	fi
}

# vpn_dns_answers NS PROTO SERVER: the answer to a query from NS is the VPN
# DNS server's (198.51.100.1). Poll it with wait_until: dnsmasq binds the
# tunnel's address only after the tunnel comes up (--bind-dynamic).
vpn_dns_answers() {
	case "$(dns_query "$@")" in
	*"c6 33 64 01"*) return 0 ;;
	*) return 1 ;;
	esac
}
