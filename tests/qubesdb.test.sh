#!/bin/bash
# qubesdb.test.sh - the up hook reads Qubes' virtual DNS addresses from
# QubesDB's socket itself. Against a fake daemon (tests/fakeqdb.c) that
# answers well, late, never, or in every malformed way: the hook connects
# every time, uses the daemon's values only when the answer is valid, else
# the defaults (10.139.1.1, 10.139.1.2) with a journal line naming the key
# and the reason, and never waits past its deadline (every run is timed).
# Also: one connection serves both reads, the requests are what the real
# daemon accepts, no qubesdb-read is run, the read-only socket is preferred
# to the read-write one (in a private mount namespace: tmpfs on /run), and
# a socket whose owner is not root is refused before anything is sent.
. "$(dirname "$0")/lib.sh"

make -s -C "$TOP" build/tests/fakeqdb >/dev/null || { not_ok "build fakeqdb"; finish; exit 1; }
FAKEQDB=$TOP/build/tests/fakeqdb
FIXTURE=$TOP/tests/fixtures/openvpn-2.6-up.env
P=/qubes-netvm-primary-dns
S=/qubes-netvm-secondary-dns
# The session's deadline is 1 s; a run may take this long in all (ms).
BOUND=3000

netns_new NS qdb
nsx "$NS" ip tuntap add dev tun0 mode tun
nsx "$NS" ip link set tun0 up
nsx "$NS" ip addr add 10.8.0.2/24 dev tun0
nsx "$NS" ip addr add fd00:8::1000/64 dev tun0 nodad
mkdir -p "$TMP/run" "$TMP/fakebin"
mapfile -t UPENV < <(grep -v '^script_type=' "$FIXTURE")
SOCK=$TMP/qdb.sock
# Were the old helper still used, it would leave a trace here.
printf '#!/bin/sh\necho "$*" >>%s/qubesdb-read.calls\necho 10.139.1.99\n' "$TMP" \
	>"$TMP/fakebin/qubesdb-read"
chmod +x "$TMP/fakebin/qubesdb-read"

# up_env VAR=VALUE...: run the up hook with OpenVPN's environment plus
# these; output in $TMP/out, status in UP_RC, wall time (ms) in ELAPSED.
up_env() {
	local t0
	rm -f "$TMP/out"
	t0=$(date +%s%N)
	nsx "$NS" env -i "${UPENV[@]}" QUBES_VPN_RUNDIR="$TMP/run" \
		PATH="$TMP/fakebin:/usr/sbin:/usr/bin:/sbin:/bin" "$@" "$QV" up >"$TMP/out" 2>&1
	UP_RC=$?
	ELAPSED=$((($(date +%s%N) - t0) / 1000000))
}
up_qdb() { up_env QUBES_VPN_QUBESDB_SOCK="$SOCK"; }

FAKE_PID=
fake_stop() {
	if [ -n "$FAKE_PID" ]; then
		kill "$FAKE_PID" 2>/dev/null
		wait "$FAKE_PID" 2>/dev/null
	fi
	FAKE_PID=
}
# fake MODE [FAKEQDB OPTION...] [KEY=VALUE...]: a fresh fake daemon on
# $SOCK, logging to $TMP/qdb.log.
fake() {
	local mode=$1
	shift
	fake_stop
	rm -f "$SOCK"
	: >"$TMP/qdb.log"
	"$FAKEQDB" -m "$mode" -l "$TMP/qdb.log" "$SOCK" "$@" &
	FAKE_PID=$!
	BG_PIDS+=("$FAKE_PID")
	wait_until 5 test -S "$SOCK" || echo "# fakeqdb $mode did not start"
}
GOOD=("$P=10.139.1.11" "$S=10.139.1.12")

vdns() { nsx "$NS" "$QV" forwarding status 2>&1 | grep '^DNS:\|DNS: '; }
connected() { nsx "$NS" "$QV" forwarding status 2>&1 | grep -q "^state: connected"; }

# uses NAME PRIMARY SECONDARY: the hook connected in bounded time and
# redirects these virtual DNS addresses.
uses() {
	check_eq "$1: up connects" "$UP_RC" 0
	check "$1: ... in bounded time (${ELAPSED} ms)" [ "$ELAPSED" -lt "$BOUND" ]
	check "$1: ... connected" connected
	check_contains "$1: ... redirects $2 and $3" "$(vdns)" "$2>10.8.0.1 $3>10.8.0.1 "
}
# says NAME TEXT: the hook's output has TEXT.
says() { check_contains "$1: says so" "$(cat "$TMP/out")" "$2"; }
# defaults NAME PRIORITY REASON1 [REASON2]: both defaults, one line per key
# with journald priority PRIORITY naming the key and the reason.
defaults() {
	uses "$1" 10.139.1.1 10.139.1.2
	check_contains "$1: ... names $P and why" "$(cat "$TMP/out")" \
		"<$2>qubes-vpn-up: QubesDB $P: $3: using the default 10.139.1.1"
	check_contains "$1: ... names $S and why" "$(cat "$TMP/out")" \
		"<$2>qubes-vpn-up: QubesDB $S: ${4:-$3}: using the default 10.139.1.2"
}
log_has() { grep -qxF -- "$1" "$TMP/qdb.log"; }
log_count() { grep -cxF -- "$1" "$TMP/qdb.log"; }

# ---- answers that are used ----
fake normal "${GOOD[@]}"
up_qdb
uses "daemon answering" 10.139.1.11 10.139.1.12
check_eq "daemon answering: one connection for both keys" "$(log_count connect)" 1
check "daemon answering: read $P" log_has "read $P"
check "daemon answering: read $S" log_has "read $S"
check_fails "daemon answering: every request as the real daemon wants it" \
	grep -q 'bad request' "$TMP/qdb.log"
check_fails "daemon answering: no fallback message" grep -q 'using the default' "$TMP/out"
check_fails "no qubesdb-read process" test -e "$TMP/qubesdb-read.calls"
touch "$TMP/run/debug"
up_qdb
says "debug: where each address came from" "virtual DNS 1: 10.139.1.11 (QubesDB $P)"
rm "$TMP/run/debug"

fake watch "${GOOD[@]}"
up_qdb
uses "5 WATCH messages before each answer (skipped)" 10.139.1.11 10.139.1.12

fake drip "${GOOD[@]}"
up_qdb
uses "answers dripping one byte every 2 ms" 10.139.1.11 10.139.1.12

fake normal "$P=10.139.1.11"
up_qdb
uses "only the primary key exists" 10.139.1.11 10.139.1.2
says "only the primary key exists" "<6>qubes-vpn-up: QubesDB $S: no such key: using the default 10.139.1.2"
check_eq "only the primary key exists: the connection survives NOENT" "$(log_count connect)" 1

# ---- no daemon, or no answer ----
fake_stop
rm -f "$SOCK"
up_qdb
defaults "no daemon" 4 "cannot connect to $SOCK (No such file or directory)"

fake normal
up_qdb
defaults "daemon without the keys (NOENT)" 6 "no such key"

fake error "${GOOD[@]}"
up_qdb
defaults "daemon answering ERROR" 4 "the daemon answered with an error"

fake silent "${GOOD[@]}"
up_qdb
defaults "daemon never answering" 4 "no answer in time"
check "daemon never answering: waited for the deadline (${ELAPSED} ms)" [ "$ELAPSED" -ge 900 ]
check "daemon never answering: one deadline for both keys, not one each (${ELAPSED} ms)" \
	[ "$ELAPSED" -lt 1900 ]
check_eq "daemon never answering: both keys asked at once, the second only once" \
	"$(log_count "read $S")" 1

fake late -d 5000 "${GOOD[@]}"
up_qdb
defaults "daemon answering after 5 s" 4 "no answer in time"

fake full "${GOOD[@]}"
up_qdb
defaults "daemon never accepting (backlog full)" 4 "cannot connect to $SOCK (no connection in time)"
check "daemon never accepting: waited for the deadline (${ELAPSED} ms)" [ "$ELAPSED" -ge 900 ]

fake close "${GOOD[@]}"
up_qdb
defaults "daemon closing at once" 4 "the daemon closed the connection"

# ---- malformed answers ----
fake short "${GOOD[@]}"
up_qdb
defaults "header cut short" 4 "the daemon closed the connection"

fake shortdata "${GOOD[@]}"
up_qdb
defaults "fewer bytes than data_len announces" 4 "the daemon closed the connection"

fake long "${GOOD[@]}"
up_qdb
defaults "data_len 5000 (over the protocol's 3071)" 4 "malformed reply"

fake extra "${GOOD[@]}"
up_qdb
# The first answer is complete; the bytes after it are read as the next
# answer, which they are not.
uses "100 bytes more than announced" 10.139.1.11 10.139.1.2
says "100 bytes more than announced" "<4>qubes-vpn-up: QubesDB $S: malformed reply: using the default 10.139.1.2"

fake type "${GOOD[@]}"
up_qdb
defaults "wrong type (MULTIREAD)" 4 "malformed reply"

fake path "${GOOD[@]}"
up_qdb
defaults "answer about another path" 4 "malformed reply"

fake pathnul "${GOOD[@]}"
up_qdb
defaults "path field without a NUL" 4 "malformed reply"

fake flood "${GOOD[@]}"
up_qdb
defaults "1000 WATCH messages before the answer" 4 "malformed reply"

fake nul "${GOOD[@]}"
up_qdb
defaults "a NUL inside the value" 4 "malformed reply"

fake big "${GOOD[@]}"
up_qdb
defaults "a 3071-byte value" 4 "not an IPv4 address"
check_eq "a 3071-byte value: the connection survives it" "$(log_count connect)" 1

# ---- values that are not IPv4 literals ----
for v in '10.139.1.12; rm -rf /' '010.139.1.1' '10.139.1.11 ' $'10.139.1.11\n' '0x0a.139.1.1' \
	'10.139.1' 'fd09:24ef:4179::a8b:1' $'\e[31m10.139.1.11' ''; do
	fake normal "$P=$v" "$S=$v"
	up_qdb
	defaults "value $(printf '%q' "$v")" 4 "not an IPv4 address"
done

# ---- the override and who may answer ----
up_env QUBES_VPN_QUBESDB_SOCK=qdb.sock
defaults "relative QUBES_VPN_QUBESDB_SOCK" 4 \
	"cannot connect to qdb.sock (\$QUBES_VPN_QUBESDB_SOCK is not an absolute path shorter than 108 bytes)"
long=/$(head -c 120 /dev/zero | tr '\0' x)
up_env QUBES_VPN_QUBESDB_SOCK="$long"
says "120-byte QUBES_VPN_QUBESDB_SOCK" \
	"\$QUBES_VPN_QUBESDB_SOCK is not an absolute path shorter than 108 bytes): using the default 10.139.1.1"

# A daemon run by someone else (uid 65534) gets nothing, not even the
# request.
fake_stop
mkdir -m 0777 "$TMP/shared"
chmod o+x "$TMP"
rm -f "$TMP/nobody.log"
setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$FAKEQDB" -l "$TMP/shared/nobody.log" "$TMP/shared/qdb.sock" "${GOOD[@]}" &
FAKE_PID=$!
BG_PIDS+=("$FAKE_PID")
wait_until 5 test -S "$TMP/shared/qdb.sock"
up_env QUBES_VPN_QUBESDB_SOCK="$TMP/shared/qdb.sock"
defaults "daemon run by uid 65534" 4 \
	"cannot connect to $TMP/shared/qdb.sock (the daemon runs neither as root nor as us)"
check_fails "daemon run by uid 65534: was sent no request" grep -q '^read' "$TMP/shared/nobody.log"
fake_stop

# ---- the real socket paths, read-only one first ----
# In a private mount namespace with a tmpfs on /run, so the host's /run is
# never touched: /var/run/qubes/qubesdb{.ro,}.sock, served by fakes.
cat >"$TMP/paths.sh" <<EOF
set -u
mapfile -t UPENV <"$TMP/upenv"
mount -t tmpfs tmpfs /run && mkdir /run/qubes || exit 1
pids=()
case \$1 in
rw|both|stale)
	"$FAKEQDB" -l "$TMP/rw.log" /var/run/qubes/qubesdb.sock $P=10.139.1.21 $S=10.139.1.22 &
	pids+=(\$!) ;;
esac
case \$1 in
both)
	"$FAKEQDB" -l "$TMP/ro.log" /var/run/qubes/qubesdb.ro.sock $P=10.139.1.31 $S=10.139.1.32 &
	pids+=(\$!) ;;
stale)
	# A socket file nobody listens on: connecting is refused.
	"$FAKEQDB" /var/run/qubes/qubesdb.ro.sock &
	p=\$!
	for i in \$(seq 100); do [ -S /var/run/qubes/qubesdb.ro.sock ] && break; sleep 0.02; done
	kill \$p; wait \$p ;;
esac
for f in /var/run/qubes/qubesdb.sock /var/run/qubes/qubesdb.ro.sock; do
	case \$1:\$f in rw:*.ro.sock|stale:*.ro.sock|none:*) continue ;; esac
	for i in \$(seq 100); do [ -S \$f ] && break; sleep 0.02; done
done
env -i "\${UPENV[@]}" QUBES_VPN_RUNDIR="$TMP/run" PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	"$QV" up >"$TMP/out" 2>&1
rc=\$?
kill "\${pids[@]}" 2>/dev/null
wait
exit \$rc
EOF
# paths CASE: run the hook against the real paths set up as CASE.
paths() {
	local t0
	rm -f "$TMP/out" "$TMP/rw.log" "$TMP/ro.log"
	touch "$TMP/rw.log" "$TMP/ro.log"
	t0=$(date +%s%N)
	nsx "$NS" unshare -m --propagation private bash "$TMP/paths.sh" "$1"
	UP_RC=$?
	ELAPSED=$((($(date +%s%N) - t0) / 1000000))
}
printf '%s\n' "${UPENV[@]}" >"$TMP/upenv"
host_run_qubes=$(ls -d /run/qubes 2>/dev/null)

paths rw
uses "only qubesdb.sock (before Qubes 4.3.3)" 10.139.1.21 10.139.1.22
paths both
uses "qubesdb.ro.sock and qubesdb.sock" 10.139.1.31 10.139.1.32
check_eq "qubesdb.ro.sock and qubesdb.sock: the read-write one is not used" "$(cat "$TMP/rw.log")" ""
paths stale
uses "qubesdb.ro.sock refusing connections" 10.139.1.21 10.139.1.22
paths none
defaults "neither socket" 4 "cannot connect to /var/run/qubes/qubesdb.sock (No such file or directory)"
check_eq "the host's /run is untouched" "$(ls -d /run/qubes 2>/dev/null)" "$host_run_qubes"

finish
