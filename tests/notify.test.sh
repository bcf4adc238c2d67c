#!/bin/bash
# notify.test.sh - notifications, with fake qrexec-client-vm and
# notify-send programs on PATH that record their argv, stdin, environment
# and uid: qubes-vpn-notify (a desktop user: notify-send on the own bus;
# root: qrexec; never a program as anyone else), the session-side follower
# qubes-vpn-notifier (RUNDIR appearing late, history not replayed, the
# state once on start and after missed events, partial lines, rotation,
# hostile and garbled lines, a hanging helper, refusing root, no other
# user's bus) and its root relay (--dom0), and the dom0 service's
# validation.
. "$(dirname "$0")/lib.sh"

# The fakes run as the desktop user (uid 1000) too: let it reach them.
chmod 755 "$TMP"
REC=$TMP/rec
# What a hanging fake sleeps: unique to this run, so that pgrep sees ours only.
HANG=29.$RUN_ID
mkdir -p "$REC" "$TMP/fakebin" "$TMP/run" "$TMP/sessions/1000" "$TMP/sessions/999"
chmod 777 "$REC"
for prog in qrexec-client-vm notify-send; do
	cat >"$TMP/fakebin/$prog" <<EOF
#!/bin/bash
# Fake $prog: records everything (a record appears whole), then behaves as
# $REC/$prog.mode says.
d=$REC/.$prog.\$\$
mkdir -p "\$d"
printf '%s\n' "\$@" >"\$d/argv"
env >"\$d/env"
id -u >"\$d/uid"
cat >"\$d/stdin"
mv "\$d" "$REC/$prog.\$\$"
case "\$(cat $REC/$prog.mode 2>/dev/null)" in
fail) exit 1 ;;
hang) exec sleep $HANG ;;
esac
exit 0
EOF
	chmod 755 "$TMP/fakebin/$prog"
done
mode() { echo "$2" >"$REC/$1.mode"; }
# calls PROG: how many times PROG ran; last PROG FILE: its latest record;
# nth N FILE: notify-send's Nth record; shown: the summaries notify-send
# was given, in order, one a line.
calls() { ls -d "$REC/$1".[0-9]* 2>/dev/null | wc -l; }
last() { cat "$(ls -td "$REC/$1".[0-9]* | head -1)/$2"; }
nth() { cat "$(ls -trd "$REC"/notify-send.[0-9]* | sed -n "$1p")/$2"; }
shown() {
	local d
	for d in $(ls -trd "$REC"/notify-send.[0-9]* 2>/dev/null); do sed -n 4p "$d/argv"; done
}
reset() { rm -rf "$REC"/*.[0-9]*; mode qrexec-client-vm ok; mode notify-send ok; }

# A desktop session of uid 1000 (a bus socket it owns, 0700 as systemd
# makes it) and a decoy of uid 999 (a system user).
mksock() { perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => $ARGV[0], Listen => 1) or die "$!\n"' "$1"; }
mksock "$TMP/sessions/1000/bus"
chown -R 1000:1000 "$TMP/sessions/1000"
chmod 700 "$TMP/sessions/1000"
mksock "$TMP/sessions/999/bus"
chown -R 999:999 "$TMP/sessions/999"
BUS1000="DBUS_SESSION_BUS_ADDRESS=unix:path=$TMP/sessions/1000/bus"

# as UID CMD...: CMD as UID (no groups), with the fakes first on PATH and
# a caller environment with a secret in it, which no helper may see.
# as_cmd UID CMD...: the same command line, in AS_CMD (to run it in the
# background as one process).
as_cmd() {
	local uid=$1
	shift
	[ "$uid" = 0 ] || set -- setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"
	AS_CMD=(env -i PATH="$TMP/fakebin:/usr/sbin:/usr/bin:/sbin:/bin" QUBES_VPN_RUNDIR="$TMP/run"
		QUBES_VPN_SESSION_ROOT="$TMP/sessions" CALLER_SECRET=hunter2 "$@")
}
as() { as_cmd "$@"; "${AS_CMD[@]}"; }
# notify ARGS...: the applet as root (AS=UID: as UID); output in $TMP/out.
notify() { as "${AS:-0}" "$QV" notify "$@" >"$TMP/out" 2>&1; }

# ---- qubes-vpn-notify: arguments ----
check "notify --help" quiet "$QV" notify --help
check_eq "notify without SUMMARY: usage error" "$(notify; echo $?)" 2
check_eq "notify with a bad urgency: usage error" "$(notify --urgency=urgent x; echo $?)" 2
check_eq "notify with three texts: usage error" "$(notify a b c; echo $?)" 2
check_eq "notify with an empty SUMMARY: usage error" "$(notify ''; echo $?)" 2

# ---- as root: qrexec to dom0, nothing else ----
reset
check "root: delivered over qrexec" notify --urgency critical "VPN down" "all blocked"
check_eq "qrexec-client-vm dom0 qubesvpn.Notify" "$(last qrexec-client-vm argv | tr '\n' ' ')" \
	"dom0 qubesvpn.Notify "
check_eq "... run as root" "$(last qrexec-client-vm uid)" 0
check_eq "the message on stdin, in the documented format" "$(last qrexec-client-vm stdin)" \
	"$(printf 'qubes-vpn-notify/1\nurgency=critical\nsummary=VPN down\nbody=all blocked')"
check_eq "qrexec-client-vm gets an explicit minimal environment" \
	"$(last qrexec-client-vm env | grep -v '^_=\|^PWD=\|^SHLVL=' | sort | tr '\n' ' ')" \
	"LANG=C PATH=/usr/sbin:/usr/bin:/sbin:/bin "
check_eq "notify-send is not used by root" "$(calls notify-send)" 0
check_contains "always a journal line" "$(cat "$TMP/out")" "<4>qubes-vpn-notify: notify: VPN down: all blocked"
check "the events log is the hooks' alone: notify writes none" [ ! -e "$TMP/run/events" ]
reset
mode qrexec-client-vm fail
check_eq "root, qrexec failing: exit 1" "$(notify "Hello"; echo $?)" 1
check_eq "... and no program runs as the desktop user instead" "$(calls notify-send)" 0
check_contains "... the failure is logged" "$(cat "$TMP/out")" \
	"qrexec-client-vm dom0 qubesvpn.Notify: exit status 1"

# ---- as the desktop user: notify-send on the own bus ----
reset
AS=1000 notify Hello world
check_eq "uid 1000: delivered with notify-send" "$?" 0
check_eq "notify-send ran as the desktop user" "$(last notify-send uid)" 1000
check_eq "notify-send argv" "$(last notify-send argv | tr '\n' ' ')" \
	"--app-name=qubes-vpn --urgency=normal -- Hello world "
env_ns=$(last notify-send env)
check_contains "notify-send reaches the user's own session bus" "$env_ns" "$BUS1000"
check_contains "... and runtime directory" "$env_ns" "XDG_RUNTIME_DIR=$TMP/sessions/1000"
check_eq "notify-send sees nothing of the caller's environment" \
	"$(grep -c CALLER_SECRET <<<"$env_ns")" 0
check_eq "a desktop user never calls qrexec-client-vm" "$(calls qrexec-client-vm)" 0

# ---- no session of one's own: never another user's ----
reset
out=$(as 1001 "$QV" notify x 2>&1; echo "rc=$?")
check_contains "uid 1001 without a session: said" "$out" "no desktop session of uid 1001 here"
check_contains "... exit 1" "$out" "rc=1"
check_eq "... uid 1000's session is not borrowed (nor uid 999's)" "$(calls notify-send)" 0
mkdir -p "$TMP/sessions/1002"
: >"$TMP/sessions/1002/bus"
chown -R 1002:1002 "$TMP/sessions/1002"
out=$(as 1002 "$QV" notify x 2>&1)
check_contains "a bus that is not a socket is not a session" "$out" "no desktop session"
mkdir -p "$TMP/sessions/1003"
ln -s "$TMP/sessions/1000/bus" "$TMP/sessions/1003/bus"
chown -hR 1003:1003 "$TMP/sessions/1003"
out=$(as 1003 "$QV" notify x 2>&1)
check_contains "a bus that links to another user's is not a session" "$out" "no desktop session"
check_eq "... notify-send never ran" "$(calls notify-send)" 0

# ---- a helper that hangs: bounded ----
reset
mode notify-send hang
start=${EPOCHREALTIME/./}
AS=1000 notify "Slow" "helper"
rc=$?
ms=$(((${EPOCHREALTIME/./} - start) / 1000))
check_eq "a hanging notify-send: exit 1" "$rc" 1
check "... the applet returns within 2.5 s (took $ms ms)" [ "$ms" -le 2500 ]
check_contains "... and says it gave up" "$(cat "$TMP/out")" "no answer within 2000 ms"
check_eq "... and leaves no helper running" "$(pgrep -f "sleep $HANG" | wc -l)" 0

# ---- hostile text ----
reset
esc=$'\e[31m' bell=$'\a' rlo=$'\u202e' nl=$'\n'
big=$(head -c 10000 /dev/zero | tr '\0' B)
notify "Evil${esc}${bell}${nl}urgency=low${rlo}txt.exe" "\$(touch $TMP/pwned)\`touch $TMP/pwned2\`;$big"
msg=$(last qrexec-client-vm stdin)
check_eq "hostile text: the message still has exactly 4 lines" "$(wc -l <<<"$msg")" 4
check_eq "hostile text: no escape, bell or right-to-left override left" \
	"$(grep -c $'\e\|\a\|\u202e' <<<"$msg")" 0
check_contains "hostile text: a line break in SUMMARY cannot forge a field" "$msg" \
	"summary=Evil[31m urgency=lowtxt.exe"
body=$(sed -n 's/^body=//p' <<<"$msg")
check "hostile text: a 10 kB body is cut to at most 511 bytes (${#body})" [ "${#body}" -le 511 ]
check_contains "hostile text: shell metacharacters pass as text" "$body" "\$(touch $TMP/pwned)"
check "hostile text: ... and nothing ran them" [ ! -e "$TMP/pwned" ] && [ ! -e "$TMP/pwned2" ]

# ---- qubes-vpn-notifier: refusals ----
check "notifier --help" quiet "$QV" notifier --help
out=$(as 0 "$QV" notifier 2>&1; echo "rc=$?")
check_contains "the session notifier refuses root" "$out" "refusing to run as root"
check_contains "... exit 1" "$out" "rc=1"
out=$(as 1000 "$QV" notifier --dom0 2>&1; echo "rc=$?")
check_contains "the dom0 relay refuses anyone but root" "$out" "--dom0 is for root only"
check_contains "... exit 1" "$out" "rc=1"
out=$(as 1000 timeout 5 "$QV" notifier --if-exists "$TMP/no-such-flag" 2>&1; echo "rc=$?")
check_contains "--if-exists PATH, PATH absent: exits 0 at once" "$out" "rc=0"
check_eq "notifier with an unknown argument: usage error" \
	"$(as 1000 "$QV" notifier --bogus >/dev/null 2>&1; echo $?)" 2

# The follower's run directory, written here as the hooks would.
FR=$TMP/frun/qubes-vpn
mkdir -p "$TMP/frun"
# ev URGENCY TEXT: one line as event_append writes it.
ev() { printf '%s %s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2" >>"$FR/events"; }
# follow UID [ARGS]: start the follower on $FR as UID (its output in
# $TMP/follower.log); unfollow stops it.
follow() {
	local uid=$1
	shift
	as_cmd "$uid" env QUBES_VPN_RUNDIR="$FR" "$QV" notifier "$@"
	"${AS_CMD[@]}" >"$TMP/follower.log" 2>&1 &
	FOLLOWER=$!
	BG_PIDS+=($FOLLOWER)
}
unfollow() { kill "$FOLLOWER" 2>/dev/null; wait "$FOLLOWER" 2>/dev/null; }
# n_is N: notify-send ran N times. synced N: a marker event appended and
# shown as the Nth: everything before it has been handled (in order).
n_is() { [ "$(calls notify-send)" -eq "$1" ]; }
synced() { ev normal "sync $1"; wait_until 5 n_is "$1"; }

# ---- RUNDIR does not exist yet ----
reset
follow 1000
check "the follower waits for a run directory that does not exist yet" \
	wait_until 5 grep -q "frun/qubes-vpn: waiting for it" "$TMP/follower.log"
mkdir -p "$FR"
printf 'state=blocked\ntime=1\n' >"$FR/state"
ev critical "Qubes VPN disconnected: all traffic of attached qubes is blocked"
check "once it appears, its first event is shown" wait_until 5 n_is 1
check_eq "... with its urgency, summary and body" "$(last notify-send argv | tr '\n' '|')" \
	"--app-name=qubes-vpn|--urgency=critical|--|Qubes VPN disconnected|all traffic of attached qubes is blocked|"
check_eq "... as the desktop user" "$(last notify-send uid)" 1000
check_contains "... on the user's own bus" "$(last notify-send env)" "$BUS1000"
check_eq "... seeing nothing of the session's environment" "$(last notify-send env | grep -c CALLER_SECRET)" 0
unfollow

# ---- on start: the state once, no replay of the history ----
reset
for i in 1 2 3; do ev normal "Old event $i"; done
printf 'state=connected\ndev=tun0\nserver=203.0.113.1\ndns=10.8.0.1, fd00:8::1\ntime=1\n' >"$FR/state"
follow 1000
check "on start the current state is shown" wait_until 5 n_is 1
check_eq "... once, as the state: connected, with device, server and DNS" \
	"$(last notify-send argv | tr '\n' '|')" \
	"--app-name=qubes-vpn|--urgency=normal|--|Qubes VPN connected|traffic of attached qubes goes through tun0 (server 203.0.113.1). DNS: 10.8.0.1, fd00:8::1|"
ev normal "Qubes VPN reconnected: traffic of attached qubes goes through tun0"
synced 3
check_eq "then each new event once, in order; no old event replayed" "$(shown | tr '\n' '|')" \
	"Qubes VPN connected|Qubes VPN reconnected|sync 3|"

# ---- a line written in two parts ----
printf '%s normal Half' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$FR/events"
sleep 0.3    # not a wait for a result: the follower reads the first part alone
printf ' and half: body\n' >>"$FR/events"
synced 5
check_eq "a line written in two parts is shown once, whole" "$(shown | sed -n 4p)" "Half and half"
check_eq "... with its body" "$(nth 4 argv | sed -n 5p)" "body"

# ---- rotation: events -> events.old while the follower reads ----
ev normal "Before rotation"
mv "$FR/events" "$FR/events.old"
ev normal "After rotation"
synced 8
check_eq "rotation to events.old: the rest of the old file, then the new one, each once" \
	"$(shown | sed -n '6,7p' | tr '\n' '|')" "Before rotation|After rotation|"

# ---- hostile and garbled lines ----
{
	printf '%s critical Evil\e[2J\a\u202etxt.exe: $(touch %s/pwned3)\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$TMP"
	printf 'no stamp at all\n'
	printf '2026-11-27T12:00:00Z emergency Unknown urgency\n'
	printf '2026-11-27T12:00:00Z normal %s\n' "$(head -c 3000 /dev/zero | tr '\0' L)"
} >>"$FR/events"
synced 10
check_eq "hostile and garbled lines: one shown, three skipped" "$(shown | sed -n 9p)" "Evil[2Jtxt.exe"
check_eq "... its escape, bell and bidi override removed" "$(nth 9 argv | grep -c $'\e\|\a\|\u202e')" 0
check_contains "... its text passed as text" "$(nth 9 argv | sed -n 5p)" "\$(touch $TMP/pwned3)"
check "... and never run" [ ! -e "$TMP/pwned3" ]
check_contains "... the lines without a stamp or with an unknown urgency are named as skipped" \
	"$(cat "$TMP/follower.log")" "not an event: skipped"
check_contains "... the 3000-byte line too" "$(cat "$TMP/follower.log")" "overlong line: skipped"
printf '2026-11-27T12:00:00Z normal %s' "$(head -c 5000 /dev/zero | tr '\0' M)" >>"$FR/events"
printf 'MMMM\n' >>"$FR/events"
synced 11
check_eq "an overlong line arriving in pieces is dropped to its end" "$(shown | tail -1)" "sync 11"

# ---- missed events: the state once, not a replay ----
printf 'state=blocked\ntime=2\n' >"$FR/state"
for i in $(seq 1 10); do printf '2026-11-27T12:00:00Z normal Burst %s\n' "$i"; done >"$TMP/burst"
cat "$TMP/burst" >>"$FR/events"     # one write
synced 13
check_eq "10 events at once: the state is shown once instead" "$(shown | sed -n '12,13p' | tr '\n' '|')" \
	"Qubes VPN not connected|sync 13|"
check_eq "... a status, not an alarm: urgency normal" "$(nth 12 argv | sed -n 2p)" "--urgency=normal"
: >"$FR/events"
synced 15
check_eq "a truncated log: the state once, then on" "$(shown | sed -n '14,15p' | tr '\n' '|')" \
	"Qubes VPN not connected|sync 15|"

# ---- the run directory removed and made again ----
rm -rf "$FR"
mkdir -p "$FR"
printf 'state=blocked\ntime=3\n' >"$FR/state"
ev critical "Qubes VPN disconnected: again"
check "a run directory made again is followed" wait_until 5 n_is 16
check_eq "... its event shown" "$(shown | tail -1)" "Qubes VPN disconnected"

# ---- a hanging notify-send: bounded, and the follower goes on ----
mode notify-send hang
ev normal "Into the void"
wait_until 5 pgrep -f "sleep $HANG" >/dev/null
mode notify-send ok
synced 18
check "after a hanging notify-send the follower goes on" n_is 18
check_contains "... having given up on it" "$(cat "$TMP/follower.log")" "no answer within 2000 ms"
check_eq "... which was killed" "$(pgrep -f "sleep $HANG" | wc -l)" 0
check "the follower is still running" kill -0 "$FOLLOWER"
unfollow
cp "$TMP/follower.log" "$TMP/follower-1000.log"

# ---- a user without a session: nobody else's bus ----
reset
follow 1001
check "a user without a session of their own: nothing shown, said" \
	wait_until 5 grep -q "no desktop session of uid 1001" "$TMP/follower.log"
ev normal "For nobody"
wait_until 5 grep -q "showing: For nobody" "$TMP/follower.log"
check_eq "... and no other user's session is used" "$(calls notify-send)" 0
unfollow

# ---- the dom0 relay (--dom0, as root) ----
reset
n_qrexec_is() { [ "$(calls qrexec-client-vm)" -eq "$1" ]; }
follow 0 --dom0
check "the relay shows the state on start, over qrexec" wait_until 5 n_qrexec_is 1
ev critical "Qubes VPN disconnected: all traffic of attached qubes is blocked"
check "... then each new event" wait_until 5 n_qrexec_is 2
check_eq "... in the documented message, as root" \
	"$(last qrexec-client-vm stdin | tr '\n' '|')/$(last qrexec-client-vm uid)" \
	"qubes-vpn-notify/1|urgency=critical|summary=Qubes VPN disconnected|body=all traffic of attached qubes is blocked|/0"
check_eq "... and never with notify-send" "$(calls notify-send)" 0
unfollow

# ---- dom0: qubesvpn.Notify ----
ln -s "$QV" "$TMP/qubesvpn.Notify"
# receive DOMAIN MESSAGE: the service as qrexec runs it in dom0: as the
# dom0 user (qubesd runs qrexec-daemon there as that user).
receive() {
	printf '%s' "$2" | env -i PATH="$TMP/fakebin:/usr/bin:/bin" QREXEC_REMOTE_DOMAIN="$1" \
		QUBES_VPN_SESSION_ROOT="$TMP/sessions" setpriv --reuid=1000 --regid=1000 --clear-groups \
		"$TMP/qubesvpn.Notify" >"$TMP/out" 2>&1
}
good=$'qubes-vpn-notify/1\nurgency=critical\nsummary=Qubes VPN disconnected\nbody=all traffic of attached qubes is blocked\n'
reset
check "dom0 shows a valid message" receive sys-vpn "$good"
check_eq "dom0: notify-send as the desktop user" "$(last notify-send uid)" 1000
check_contains "dom0: on that user's own bus" "$(last notify-send env)" "$BUS1000"
check_eq "dom0: the calling qube is named as the source" "$(last notify-send argv | tr '\n' '|')" \
	"--app-name=qubes-vpn|--urgency=critical|--|Qubes VPN disconnected (sys-vpn)|all traffic of attached qubes is blocked|"
refused() {
	reset
	receive "$2" "$3"
	local rc=$?
	check_eq "dom0 refuses $1" "$rc/$(calls notify-send)" "1/0"
}
refused "a missing QREXEC_REMOTE_DOMAIN" "" "$good"
refused "a domain name with a slash" "../dom0" "$good"
refused "a domain name with a space" "sys vpn" "$good"
refused "a wrong header" sys-vpn "${good/qubes-vpn-notify\/1/qubes-vpn-notify/2}"
refused "an unknown urgency" sys-vpn "${good/critical/emergency}"
refused "fields out of order" sys-vpn $'qubes-vpn-notify/1\nsummary=x\nurgency=low\nbody=y\n'
refused "a missing body line" sys-vpn $'qubes-vpn-notify/1\nurgency=low\nsummary=x\n'
refused "an extra line" sys-vpn "${good}urgency=low"$'\n'
refused "a message without its final newline" sys-vpn "${good%$'\n'}"
refused "an empty summary" sys-vpn $'qubes-vpn-notify/1\nurgency=low\nsummary=\x1b\x07\nbody=y\n'
refused "a message over 2048 bytes" sys-vpn "${good/body=/body=$big}"
reset
printf 'qubes-vpn-notify/1\nurgency=low\nsummary=a\0b\nbody=y\n' >"$TMP/nul.msg"
env -i PATH="$TMP/fakebin:/usr/bin:/bin" QREXEC_REMOTE_DOMAIN=sys-vpn \
	QUBES_VPN_SESSION_ROOT="$TMP/sessions" setpriv --reuid=1000 --regid=1000 --clear-groups \
	"$TMP/qubesvpn.Notify" <"$TMP/nul.msg" >"$TMP/out" 2>&1
check_eq "dom0 refuses a NUL byte" "$?/$(calls notify-send)" "1/0"
reset
receive sys-vpn $'qubes-vpn-notify/1\nurgency=low\nsummary=A\x1b[2Jb\u202ec\nbody=y\n'
check_eq "dom0 sanitizes again what the qube sent" "$(last notify-send argv | sed -n 4p)" \
	"A[2Jbc (sys-vpn)"
reset
printf '%s' "$good" | env -i PATH="$TMP/fakebin:/usr/bin:/bin" QREXEC_REMOTE_DOMAIN=sys-vpn \
	QUBES_VPN_SESSION_ROOT="$TMP/sessions" "$TMP/qubesvpn.Notify" >"$TMP/out" 2>&1
check_eq "dom0 run as root shows nothing (never a program as another user)" "$?/$(calls notify-send)" "1/0"
check_eq "no hanging helper of this run is left" "$(pgrep -f "sleep $HANG" | wc -l)" 0

finish
