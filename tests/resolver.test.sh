#!/bin/bash
# resolver.test.sh - the DNS stub that resolves a WireGuard Endpoint given by
# host name, through `qubes-vpn-wg up` itself, against nameservers that
# misbehave on purpose (tests/tools/fakedns.py, on loopback addresses of a
# throwaway namespace): silent, SERVFAIL, truncated, NXDOMAIN, garbage, an
# answer with the wrong id or from another address before the real one, a
# CNAME, a name with only an IPv6 address, nothing listening; the hosts
# file first; resolv.conf read as glibc reads it (at most 3 nameservers).
# Each run is timed: 5 s for the whole resolution, 1 s a try. No
# wireguard-go runs, so `up` goes on to fail at wireguard-go's socket and
# leaves the namespace's gateway blocked; only its resolver lines matter.
. "$(dirname "$0")/lib.sh"

netns_new NS dns
mkdir -p "$TMP/run"
H=$TMP/hosts R=$TMP/resolv.conf CONF=$TMP/wg.conf LOG=$TMP/queries.log
: >"$H"
: >"$LOG"
cat >"$CONF" <<EOF
[Interface]
PrivateKey = YAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=
Address = 10.8.0.2/32
[Peer]
PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=
AllowedIPs = 0.0.0.0/0
Endpoint = vpn.example.com:51820
EOF
chmod 600 "$CONF"

# The servers: one address each (all of 127.0.0.0/8 is this host's).
nsx "$NS" ip addr add ::2/128 dev lo
nsx "$NS" python3 "$TOP/tests/tools/fakedns.py" "$LOG" "$TMP/dns.stop" \
	127.0.0.2=silent 127.0.0.3=answer 127.0.0.4=servfail 127.0.0.5=tc \
	127.0.0.6=nxdomain 127.0.0.7=garbage 127.0.0.8=wrongid 127.0.0.9=offpath \
	127.0.0.10=cname ::1=aaaaonly 127.0.0.11=silent 127.0.0.12=silent ::2=answer \
	>"$TMP/fakedns.out" 2>&1 &
BG_PIDS+=($!)
CLEANUP_CMDS+=("touch '$TMP/dns.stop'")
check "the fake nameservers listen" wait_until 5 \
	bash -c "nsx() { ip netns exec \"\$@\"; }; [ \$(nsx $NS ss -Hlun 'sport = :53' | wc -l) -ge 13 ]"

# resolve NS...: resolv.conf names these, then `up`; its output in OUT,
# its resolver line in LINE, its wall time (ms) in ELAPSED.
resolve() {
	local t0
	printf 'nameserver %s\n' "$@" >"$R"
	: >"$LOG"
	t0=$(date +%s%N)
	OUT=$(nsx "$NS" env -i QUBES_VPN_RUNDIR="$TMP/run" QUBES_VPN_RESOLV_CONF="$R" \
		QUBES_VPN_HOSTS="$H" "$QV" wg up --timeout 1 "$CONF" 2>&1)
	ELAPSED=$((($(date +%s%N) - t0) / 1000000))
	LINE=$(grep -m1 'Endpoint vpn.example.com' <<<"$OUT")
	echo "#   ${LINE:-(no resolver line)} [${ELAPSED} ms]"
}
asked() { awk '{ print $1 }' "$LOG" | paste -sd' '; }
resolved_as() { [ "$LINE" = "<6>qubes-vpn-wg: Endpoint vpn.example.com is $1" ]; }

resolve 127.0.0.3
check "a nameserver's answer is taken" resolved_as "192.0.2.1 (nameserver 127.0.0.3)"
check_contains "... and up goes on to the device (no wireguard-go here)" "$OUT" "no wireguard-go serves"
read -r _ _ _ flags qtype qname <"$LOG"
check_eq "the query: recursion desired, A first, the name as given" "$flags $qtype $qname" \
	"0x0100 1 vpn.example.com"
check "the gateway is left blocked" grep -q '^state=blocked' "$TMP/run/state"

resolve 127.0.0.2 127.0.0.3
check "a silent server: the next one, after one try's time" \
	resolved_as "192.0.2.1 (nameserver 127.0.0.3)"
check "... about 1 s later" [ "$ELAPSED" -ge 900 -a "$ELAPSED" -lt 3000 ]
resolve 127.0.0.4 127.0.0.5 127.0.0.3
check "SERVFAIL, then a truncated answer (TCP not tried): the third server" \
	resolved_as "192.0.2.1 (nameserver 127.0.0.3)"
check "... at once" [ "$ELAPSED" -lt 1000 ]
resolve 127.0.0.6 127.0.0.3
check_contains "NXDOMAIN ends it, naming the host and the reason" "$LINE" \
	"Endpoint vpn.example.com: cannot resolve it: no such name (NXDOMAIN)"
check_eq "... the next server is not asked" "$(asked)" "127.0.0.6"
check "... and the gateway stays blocked" grep -q '^state=blocked' "$TMP/run/state"
check_fails "... before anything else was tried" grep -q "wireguard-go" <<<"$OUT"
resolve 127.0.0.8
check "an answer with another id first: ignored, the real one taken" \
	resolved_as "192.0.2.1 (nameserver 127.0.0.8)"
resolve 127.0.0.9
check "an answer from another address first (the connected socket drops it)" \
	resolved_as "192.0.2.1 (nameserver 127.0.0.9)"
resolve 127.0.0.10
check "a CNAME followed to its target's address" resolved_as "192.0.2.1 (nameserver 127.0.0.10)"
resolve ::1
check "a name with only an IPv6 address: AAAA after A, over IPv6" \
	resolved_as "2001:db8::7 (nameserver ::1)"
check_eq "... A asked first" "$(awk '{ print $5 }' "$LOG" | paste -sd' ')" "1 28"
resolve 127.0.0.7
check_contains "garbage only: fails, saying so" "$LINE" "cannot resolve it: malformed answers"
check "... within the 5 s bound" [ "$ELAPSED" -lt 6000 ]
resolve 127.0.0.99
check_contains "nothing listening: fails, saying so" "$LINE" \
	"cannot resolve it: nothing listens on the nameservers' port 53"
resolve 127.0.0.2 127.0.0.11 127.0.0.12 127.0.0.3
check_contains "three silent servers (the fourth line is not read): no answer in time" "$LINE" \
	"cannot resolve it: no nameserver answered in time"
check "... after 5 s, not more" [ "$ELAPSED" -ge 4900 -a "$ELAPSED" -lt 6500 ]
check_eq "... every server asked in turn, rounds until the time is up" "$(asked)" \
	"127.0.0.2 127.0.0.11 127.0.0.12 127.0.0.2 127.0.0.11"
# Every query: a new socket (source port) and a random id.
check "random ids: at most one repeated among those 5 queries" \
	[ "$(awk '{ print $3 }' "$LOG" | sort -u | wc -l)" -ge 4 ]
check "a source port of its own for each" [ "$(awk '{ print $2 }' "$LOG" | sort -u | wc -l)" -eq 5 ]
resolve ::2
check "an IPv6 nameserver" resolved_as "192.0.2.1 (nameserver ::2)"

printf '192.0.2.77 vpn.example.com\n' >"$H"
resolve 127.0.0.3
check "the hosts file first" resolved_as "192.0.2.77 ($H)"
check_eq "... no nameserver asked" "$(wc -l <"$LOG")" 0
printf '0.0.0.0 vpn.example.com\n' >"$H"
resolve 127.0.0.3
check_contains "a hosts line of 0.0.0.0 (a blocker's) is no address, and ends it" "$LINE" \
	"cannot resolve it: no usable IPv4 or IPv6 address"
: >"$H"
: >"$R"
OUT=$(nsx "$NS" env -i QUBES_VPN_RUNDIR="$TMP/run" QUBES_VPN_RESOLV_CONF="$R" \
	QUBES_VPN_HOSTS="$H" "$QV" wg up --timeout 1 "$CONF" 2>&1)
check_contains "no nameserver line: fails, saying so" "$OUT" \
	"cannot resolve it: no nameserver line in resolv.conf"
finish
