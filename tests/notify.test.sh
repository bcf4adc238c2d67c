#!/bin/bash
# notify.test.sh - the notify applet and its dom0 side, with fake
# qrexec-client-vm and notify-send programs on PATH that record their
# argv, stdin, environment and uid: the qrexec path, the notify-send
# fallback as the desktop user, both failing, helpers that hang, hostile
# text, the events log, and the dom0 service's validation.
. "$(dirname "$0")/lib.sh"

# The fakes run as the desktop user (uid 1000) too: let it reach them.
chmod 755 "$TMP"
REC=$TMP/rec
mkdir -p "$REC" "$TMP/fakebin" "$TMP/run" "$TMP/run-nobody" "$TMP/sessions/1000" \
	"$TMP/sessions/999"
chmod 777 "$REC" "$TMP/run-nobody"
for prog in qrexec-client-vm notify-send; do
	cat >"$TMP/fakebin/$prog" <<EOF
#!/bin/bash
# Fake $prog: records everything, then behaves as $REC/$prog.mode says.
d=$REC/$prog.\$\$
mkdir -p "\$d"
printf '%s\n' "\$@" >"\$d/argv"
env >"\$d/env"
id -u >"\$d/uid"
cat >"\$d/stdin"
case "\$(cat $REC/$prog.mode 2>/dev/null)" in
fail) exit 1 ;;
hang) exec sleep 29.123 ;;
esac
exit 0
EOF
	chmod 755 "$TMP/fakebin/$prog"
done
mode() { echo "$2" >"$REC/$1.mode"; }
# calls PROG: how many times PROG ran; last PROG FILE: its latest record.
calls() { ls -d "$REC/$1".* 2>/dev/null | grep -vc mode; }
last() { cat "$(ls -td "$REC/$1".[0-9]* | head -1)/$2"; }
reset() { rm -rf "$REC"/*.[0-9]*; mode qrexec-client-vm ok; mode notify-send ok; }

# A desktop session of uid 1000 (bus socket it owns) and decoys: uid 999
# (a system user), a bus that is a regular file.
mksock() { perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => $ARGV[0], Listen => 1) or die "$!\n"' "$1"; }
mksock "$TMP/sessions/1000/bus"
chown -R 1000:1000 "$TMP/sessions/1000"
chmod 700 "$TMP/sessions/1000"
mksock "$TMP/sessions/999/bus"
chown -R 999:999 "$TMP/sessions/999"

# notify ARGS...: the applet, with the fakes first on PATH, a caller
# environment with a secret in it (which no helper may see).
notify() {
	env -i PATH="$TMP/fakebin:/usr/sbin:/usr/bin:/sbin:/bin" QUBES_VPN_RUNDIR="$TMP/run" \
		QUBES_VPN_SESSION_ROOT="$TMP/sessions" CALLER_SECRET=hunter2 \
		"$QV" notify "$@" >"$TMP/out" 2>&1
}

# ---- arguments ----
check "notify --help" quiet "$QV" notify --help
check_eq "notify without SUMMARY: usage error" "$(notify; echo $?)" 2
check_eq "notify with a bad urgency: usage error" "$(notify --urgency=urgent x; echo $?)" 2
check_eq "notify with three texts: usage error" "$(notify a b c; echo $?)" 2
check_eq "notify with an empty SUMMARY: usage error" "$(notify ''; echo $?)" 2

# ---- path 1: qrexec ----
reset
check "delivered over qrexec" notify --urgency critical "VPN down" "all blocked"
check_eq "qrexec-client-vm dom0 qubesvpn.Notify" "$(last qrexec-client-vm argv | tr '\n' ' ')" \
	"dom0 qubesvpn.Notify "
check_eq "the message on stdin, in the documented format" "$(last qrexec-client-vm stdin)" \
	"$(printf 'qubes-vpn-notify/1\nurgency=critical\nsummary=VPN down\nbody=all blocked')"
check_eq "qrexec-client-vm gets an explicit minimal environment" \
	"$(last qrexec-client-vm env | grep -v '^_=\|^PWD=\|^SHLVL=' | sort | tr '\n' ' ')" \
	"LANG=C PATH=/usr/sbin:/usr/bin:/sbin:/bin "
check_eq "notify-send is not used when qrexec worked" "$(calls notify-send)" 0
check_contains "always a journal line" "$(cat "$TMP/out")" "<4>qubes-vpn-notify: notify: VPN down: all blocked"
check_contains "always a line in the events log" "$(cat "$TMP/run/events")" "critical VPN down: all blocked"
stamp=$(tail -1 "$TMP/run/events" | cut -d' ' -f1)
check "... stamped with the time in UTC, YYYY-MM-DDTHH:MM:SSZ" \
	grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' <<<"$stamp"
age=$(($(date +%s) - $(date -d "$stamp" +%s 2>/dev/null || echo 0)))
check "... which is now (within 10 s)" [ "${age#-}" -le 10 ]

# ---- path 2: notify-send as the desktop user ----
reset
mode qrexec-client-vm fail
check "qrexec failing: delivered with notify-send" notify "Hello" "world"
check_eq "notify-send ran as the desktop user, not root" "$(last notify-send uid)" 1000
check_eq "notify-send argv" "$(last notify-send argv | tr '\n' ' ')" \
	"--app-name=qubes-vpn --urgency=normal -- Hello world "
env_ns=$(last notify-send env)
check_contains "notify-send reaches the user's session bus" "$env_ns" \
	"DBUS_SESSION_BUS_ADDRESS=unix:path=$TMP/sessions/1000/bus"
check_contains "... and runtime directory" "$env_ns" "XDG_RUNTIME_DIR=$TMP/sessions/1000"
check_eq "notify-send sees nothing of the caller's environment" \
	"$(grep -c CALLER_SECRET <<<"$env_ns")" 0
check_contains "the failure of qrexec is logged" "$(cat "$TMP/out")" \
	"qrexec-client-vm dom0 qubesvpn.Notify: exit status 1"

# ---- both fail ----
reset
mode qrexec-client-vm fail
mode notify-send fail
check_eq "both failing: exit 1" "$(notify "Nobody" "listens"; echo $?)" 1
check_contains "... still in the events log" "$(cat "$TMP/run/events")" "normal Nobody: listens"
reset
mv "$TMP/fakebin/qrexec-client-vm" "$TMP/qrexec-client-vm.off"
mv "$TMP/fakebin/notify-send" "$TMP/notify-send.off"
check_eq "neither installed: exit 1" "$(notify "Alone"; echo $?)" 1
check_contains "... says qrexec is not installed" "$(cat "$TMP/out")" "not installed"
mv "$TMP/notify-send.off" "$TMP/fakebin/notify-send"
mv "$TMP/qrexec-client-vm.off" "$TMP/fakebin/qrexec-client-vm"

# ---- no session, or not allowed into it ----
reset
mode qrexec-client-vm fail
out=$(env -i PATH="$TMP/fakebin:/usr/bin:/bin" QUBES_VPN_RUNDIR="$TMP/run" \
	QUBES_VPN_SESSION_ROOT="$TMP/sessions-empty" "$QV" notify x 2>&1; echo "rc=$?")
check_contains "no desktop session: said, exit 1" "$out" "no desktop session here"
check_contains "... exit 1" "$out" "rc=1"
check_eq "a system user's session (uid 999) is never used" "$(calls notify-send)" 0
mkdir -p "$TMP/sessions2/1000"
: >"$TMP/sessions2/1000/bus"
chown -R 1000:1000 "$TMP/sessions2/1000"
out=$(env -i PATH="$TMP/fakebin:/usr/bin:/bin" QUBES_VPN_RUNDIR="$TMP/run" \
	QUBES_VPN_SESSION_ROOT="$TMP/sessions2" "$QV" notify x 2>&1)
check_contains "a bus that is not a socket is not a session" "$out" "no desktop session"
reset
mode qrexec-client-vm fail
chmod 711 "$TMP/sessions/1000"
out=$(env -i PATH="$TMP/fakebin:/usr/bin:/bin" QUBES_VPN_RUNDIR="$TMP/run-nobody" \
	QUBES_VPN_SESSION_ROOT="$TMP/sessions" setpriv --reuid=65534 --regid=65534 \
	--clear-groups "$QV" notify x 2>&1)
chmod 700 "$TMP/sessions/1000"
check_contains "another unprivileged user cannot borrow the desktop session" "$out" \
	"cannot act as the desktop user (uid 1000)"
check_eq "... notify-send never ran" "$(calls notify-send)" 0

# ---- helpers that hang: bounded ----
reset
mode qrexec-client-vm hang
mode notify-send hang
start=${EPOCHREALTIME/./}
notify "Slow" "helpers"
rc=$?
ms=$(((${EPOCHREALTIME/./} - start) / 1000))
check_eq "hanging helpers: exit 1" "$rc" 1
check "hanging helpers: the applet returns within 2.5 s (took $ms ms)" [ "$ms" -le 2500 ]
check_contains "... and says it gave up" "$(cat "$TMP/out")" "no answer within 1000 ms"
check_eq "... and leaves no helper running" \
	"$(pgrep -f "sleep 29.123" | wc -l)" 0

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

# ---- events log rotation ----
head -c 70000 /dev/zero | tr '\0' x >"$TMP/run/events"
notify "After rotation"
check "a full events log is rotated to events.old" [ -s "$TMP/run/events.old" ]
check_contains "... and the new one starts afresh" "$(cat "$TMP/run/events")" "After rotation"

# ---- dom0: qubesvpn.Notify ----
ln -s "$QV" "$TMP/qubesvpn.Notify"
# receive DOMAIN MESSAGE: the service as qrexec runs it.
receive() {
	printf '%s' "$2" | env -i PATH="$TMP/fakebin:/usr/bin:/bin" QREXEC_REMOTE_DOMAIN="$1" \
		QUBES_VPN_SESSION_ROOT="$TMP/sessions" "$TMP/qubesvpn.Notify" >"$TMP/out" 2>&1
}
good=$'qubes-vpn-notify/1\nurgency=critical\nsummary=Qubes VPN disconnected\nbody=all traffic of attached qubes is blocked\n'
reset
check "dom0 shows a valid message" receive sys-vpn "$good"
check_eq "dom0: notify-send as the desktop user" "$(last notify-send uid)" 1000
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
	QUBES_VPN_SESSION_ROOT="$TMP/sessions" "$TMP/qubesvpn.Notify" <"$TMP/nul.msg" >"$TMP/out" 2>&1
check_eq "dom0 refuses a NUL byte" "$?/$(calls notify-send)" "1/0"
reset
receive sys-vpn $'qubes-vpn-notify/1\nurgency=low\nsummary=A\x1b[2Jb\u202ec\nbody=y\n'
check_eq "dom0 sanitizes again what the qube sent" "$(last notify-send argv | sed -n 4p)" \
	"A[2Jbc (sys-vpn)"

finish
