#!/bin/bash
# install.test.sh - `make install` and `make install-dom0` into a DESTDIR:
# the files, their modes, and the applet links, which must run (the binary
# installed is the one under test, $QV).
. "$(dirname "$0")/lib.sh"

D=$TMP/dest
make -s -C "$TOP" install BIN="$QV" DESTDIR="$D" PREFIX=/usr >/dev/null
check_eq "the binary, mode 0755" "$(stat -c %a "$D/usr/sbin/qubes-vpn")" 755
for a in $(make -s -C "$TOP" applets); do
	check_eq "qubes-vpn-$a links to qubes-vpn" "$(readlink "$D/usr/sbin/qubes-vpn-$a")" qubes-vpn
	check "qubes-vpn-$a --help runs through the link" quiet "$D/usr/sbin/qubes-vpn-$a" --help
done
check_eq "nothing else in sbin" "$(ls "$D/usr/sbin" | wc -l)" $(($(make -s -C "$TOP" applets | wc -w) + 1))
check_eq "the notifier's autostart entry, mode 0644" \
	"$(stat -c %a "$D/etc/xdg/autostart/qubes-vpn-notifier.desktop")" 644
check_contains "... starts the notifier where the qube has the qubes-vpn service" \
	"$(grep '^Exec=' "$D/etc/xdg/autostart/qubes-vpn-notifier.desktop")" \
	"Exec=/usr/sbin/qubes-vpn-notifier --if-exists /run/qubes-service/qubes-vpn"

make -s -C "$TOP" install-dom0 BIN="$QV" DESTDIR="$D/dom0" PREFIX=/usr >/dev/null
check_eq "dom0: service links to the binary" \
	"$(readlink "$D/dom0/etc/qubes-rpc/qubesvpn.Notify")" /usr/lib/qubes-vpn/qubes-vpn
check_eq "dom0: policy file, mode 0644" \
	"$(stat -c %a "$D/dom0/etc/qubes/policy.d/50-qubes-vpn.policy")" 644
check_contains "dom0: policy allows tagged qubes only" \
	"$(grep -v '^#' "$D/dom0/etc/qubes/policy.d/50-qubes-vpn.policy")" \
	"qubesvpn.Notify  *  @tag:qubes-vpn  dom0  allow"
ln -s "$D/dom0/usr/lib/qubes-vpn/qubes-vpn" "$TMP/qubesvpn.Notify"
check_contains "dom0: the service name reaches the receiving applet" \
	"$("$TMP/qubesvpn.Notify" --help)" "Usage: qubesvpn.Notify"
finish
