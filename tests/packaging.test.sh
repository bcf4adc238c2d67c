#!/bin/bash
# packaging.test.sh - what gets installed and shipped: `make install` into
# a DESTDIR (file list, modes, links), the units under `systemd-analyze
# verify` (shown to fail on a broken unit), and `make rpm` (both packages:
# exactly the installed files, the static binary, bundled libmnl, the
# scriptlets).
# Packages need LIBMNL_SRC, libmnl's release source (make check passes it).
. "$(dirname "$0")/lib.sh"

D=$TMP/root
make -s -C "$TOP" install BIN="$QV" DESTDIR="$D" PREFIX=/usr >/dev/null
check_eq "make install: exactly these files" "$(cd "$D" && find . \( -type f -o -type l \) | LC_ALL=C sort | tr '\n' ' ')" \
"./usr/lib/systemd/system-preset/75-qubes-vpn.preset ./usr/lib/systemd/system/qubes-network.service.d/30-qubes-vpn.conf ./usr/lib/systemd/system/qubes-vpn-config.path ./usr/lib/systemd/system/qubes-vpn-forwarding.service ./usr/lib/systemd/system/qubes-vpn-resolv.path ./usr/lib/systemd/system/qubes-vpn-resolv.service ./usr/lib/systemd/system/qubes-vpn-restart.service ./usr/lib/systemd/system/qubes-vpn.service ./usr/lib/sysusers.d/qubes-vpn.conf ./usr/lib/tmpfiles.d/qubes-vpn.conf ./usr/sbin/qubes-vpn ./usr/sbin/qubes-vpn-configurator ./usr/sbin/qubes-vpn-down ./usr/sbin/qubes-vpn-forwarding ./usr/sbin/qubes-vpn-notify ./usr/sbin/qubes-vpn-notify-receive ./usr/sbin/qubes-vpn-resolv ./usr/sbin/qubes-vpn-up ./usr/share/applications/qubes-vpn-configurator.desktop ./usr/share/doc/qubes-vpn/README.md "
check_eq "binary 0755, units and data 0644" \
	"$(stat -c %a "$D/usr/sbin/qubes-vpn" "$D/usr/lib/systemd/system/qubes-vpn.service" "$D/usr/lib/sysusers.d/qubes-vpn.conf" | tr '\n' ' ')" "755 644 644 "
check_eq "applet links are relative links to qubes-vpn" \
	"$(readlink "$D/usr/sbin/qubes-vpn-up") $(readlink "$D/usr/sbin/qubes-vpn-down")" "qubes-vpn qubes-vpn"
check_contains "the preset enables the units" "$(cat "$D/usr/lib/systemd/system-preset/75-qubes-vpn.preset")" \
	"enable qubes-vpn-forwarding.service"
check_contains "the system user is declared" "$(cat "$D/usr/lib/sysusers.d/qubes-vpn.conf")" "u qubes-vpn"
check_contains "qubes-network waits for the kill switch and needs it" \
	"$(cat "$D/usr/lib/systemd/system/qubes-network.service.d/30-qubes-vpn.conf")" \
	"Requires=qubes-vpn-forwarding.service"

# ---- systemd-analyze verify, in a root that has the system's own units ----
S=$TMP/sdroot
mkdir -p "$S/usr/lib/systemd/system" "$S/usr/bin"
cp -a /lib/systemd/system/. "$S/usr/lib/systemd/system/"
cp -a "$D/." "$S/"
cp /usr/bin/systemctl "$S/usr/bin/"
printf '#!/bin/sh\n' >"$S/usr/sbin/openvpn"
chmod 755 "$S/usr/sbin/openvpn"
units="qubes-vpn-forwarding.service qubes-vpn.service qubes-vpn-config.path qubes-vpn-restart.service qubes-vpn-resolv.service qubes-vpn-resolv.path"
out=$(cd "$S/usr/lib/systemd/system" && systemd-analyze verify --root="$S" $units 2>&1)
check "systemd-analyze verify passes on every unit" [ -z "$out" ]
[ -n "$out" ] && echo "$out" | sed 's/^/#   /'
sed -i 's|^ExecStart=/usr/sbin/openvpn|ExecStart=openvpn-relative|; s|^Restart=on-failure|Restart=sometimes|' \
	"$S/usr/lib/systemd/system/qubes-vpn.service"
out=$(cd "$S/usr/lib/systemd/system" && systemd-analyze verify --root="$S" qubes-vpn.service 2>&1)
check_contains "... and fails on a broken unit (so it checks something)" "$out" "qubes-vpn.service"

# What the units promise, read from them.
fwd=$D/usr/lib/systemd/system/qubes-vpn-forwarding.service
vpn=$D/usr/lib/systemd/system/qubes-vpn.service
check_contains "kill switch only where the Qubes service flag is set" "$(cat "$fwd")" \
	"ConditionPathExists=/run/qubes-service/qubes-vpn"
check_contains "kill switch before IP forwarding is turned on" "$(cat "$fwd")" "Before=qubes-network.service"
check_contains "kill switch after Qubes' base firewall" "$(cat "$fwd")" "After=qubes-iptables.service"
check_contains "OpenVPN: options after --config, so the configuration cannot override them" \
	"$(grep ^ExecStart= "$vpn")" \
	"--config qubes-vpn.conf --route-noexec --script-security 2 --up /usr/sbin/qubes-vpn-up --down /usr/sbin/qubes-vpn-down --up-restart --persist-tun"
check_contains "OpenVPN runs as the qubes-vpn user" "$(cat "$vpn")" "User=qubes-vpn"
check_contains "... holding CAP_NET_ADMIN and nothing else" "$(grep ^CapabilityBoundingSet= "$vpn")" \
	"CapabilityBoundingSet=CAP_NET_ADMIN"
check_contains "... requires the kill switch" "$(cat "$vpn")" "Requires=qubes-vpn-forwarding.service"
check_contains "... restarts after a failure, with a delay" "$(cat "$vpn")" "RestartSec=5s"

# ---- RPMs ----
LIBMNL_VERSION=$(sed -n 's/^%global libmnl_version[[:space:]]*//p' "$TOP/rpm/qubes-vpn.spec")
[ -n "${LIBMNL_SRC:-}" ] || not_ok "LIBMNL_SRC names libmnl's release source (make check passes it)"
export LIBMNL_SRC=${LIBMNL_SRC:-}

# installed_list DIR: the files and links under DIR, as absolute paths.
installed_list() { (cd "$1" && find . \( -type f -o -type l \) | sed 's,^\.,,' | LC_ALL=C sort); }
# rpm_list RPM: the files and links an RPM holds (no directories).
rpm_list() { rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$1" 2>/dev/null | grep -v '^d' | cut -d' ' -f2- | LC_ALL=C sort; }
# sha FILE: its sha256.
sha() { sha256sum <"$1" | cut -d' ' -f1; }

rm -rf "$TOP/build/rpm"
make -s -C "$TOP" rpm >"$TMP/rpm.log" 2>&1
check "make rpm builds" [ $? -eq 0 ]
vm=$(ls "$TOP"/build/rpm/RPMS/*/qubes-vpn-0*.rpm 2>/dev/null)
dom0=$(ls "$TOP"/build/rpm/RPMS/*/qubes-vpn-dom0-*.rpm 2>/dev/null)
check "the VM package exists" [ -f "$vm" ]
check "the dom0 package exists" [ -f "$dom0" ]
check_eq "the VM package holds exactly what make install installs, and libmnl's licence" \
	"$(rpm_list "$vm")" "$( (installed_list "$D"; echo /usr/share/licenses/qubes-vpn/COPYING.libmnl) | LC_ALL=C sort)"
make -s -C "$TOP" install-dom0 BIN="$QV" DESTDIR="$TMP/dom0root" PREFIX=/usr >/dev/null
check_eq "the dom0 package holds exactly what make install-dom0 installs, and libmnl's licence" \
	"$(rpm_list "$dom0")" "$( (installed_list "$TMP/dom0root"; echo /usr/share/licenses/qubes-vpn-dom0/COPYING.libmnl) | LC_ALL=C sort)"
vmfiles=$(rpm -qlp "$vm" 2>/dev/null)
check_eq "the VM package does not carry the dom0 service" "$(grep -c qubes-rpc <<<"$vmfiles")" 0
dom0files=$(rpm -qlp "$dom0" 2>/dev/null)
check_eq "the dom0 package carries no units" "$(grep -c systemd <<<"$dom0files")" 0
scripts=$(rpm -qp --scripts "$vm" 2>/dev/null)
check_contains "%pre creates the system user" "$scripts" "useradd -r -g qubes-vpn"
check_contains "%post applies the preset to the units" "$scripts" \
	"systemctl --no-reload preset qubes-vpn-forwarding.service qubes-vpn.service qubes-vpn-config.path qubes-vpn-resolv.path"
for p in "$vm" "$dom0"; do
	n=$(basename "$p")
	check_contains "$n: Provides bundled(libmnl)" "$(rpm -qp --provides "$p" 2>/dev/null)" \
		"bundled(libmnl) = $LIBMNL_VERSION"
	check_eq "$n: requires no libmnl" "$(rpm -qpR "$p" 2>/dev/null | grep -c mnl)" 0
	mkdir -p "$TMP/x-$n"
	rpm2cpio "$p" | (cd "$TMP/x-$n" && cpio -idm --quiet 2>/dev/null)
done
rpm_bin=$TMP/x-$(basename "$vm")/usr/sbin/qubes-vpn
check_contains "the VM package's binary is the static one" "$(file -b "$rpm_bin")" "statically linked"
check_eq "the dom0 package's binary is the same" \
	"$(sha "$TMP/x-$(basename "$dom0")/usr/lib/qubes-vpn/qubes-vpn")" "$(sha "$rpm_bin")"
check "%check ran the unit tests, and they passed" grep -q '^# unit: [0-9]* passed, 0 failed' "$TMP/rpm.log"
check_eq "Source1, libmnl's tarball: owners root, times 0" \
	"$(tar -tvjf "$TOP/build/dist/libmnl-$LIBMNL_VERSION.tar.bz2" | awk '{ print $2, $4 }' | sort -u)" \
	"0/0 1970-01-01"
mkdir -p "$TMP/libmnl-0.0.1"
out=$(make -s -C "$TOP" dist-libmnl LIBMNL_SRC="$TMP/libmnl-0.0.1" 2>&1)
check_contains "another libmnl release than the spec bundles: refused" "$out" \
	"is libmnl 0.0.1; the packages bundle $LIBMNL_VERSION"

finish
