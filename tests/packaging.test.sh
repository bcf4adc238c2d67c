#!/bin/bash
# packaging.test.sh - what gets installed and shipped: `make install` into
# a DESTDIR (file list, modes, links), the units under `systemd-analyze
# verify` (shown to fail on a broken unit), `make rpm` (both packages:
# exactly the installed files, the static binary, bundled libmnl, the
# scriptlets; the SELinux package and its scriptlets run against stand-ins)
# and `make deb` (the same files and binary, control fields,
# maintainer scripts run against stand-ins, lintian, reproducible).
# Packages need LIBMNL_SRC, libmnl's release source (make check passes it).
. "$(dirname "$0")/lib.sh"

D=$TMP/root
# The applets, from their one list (applets/applets.def).
APPLETS=$(make -s -C "$TOP" applets)
check_eq "the binary offers exactly the listed applets" \
	"$("$QV" --help | sed -n 's/^  \([a-z-]*\) .*/\1/p' | tr '\n' ' ')" "$APPLETS "
sbin_links=$(for a in $APPLETS; do printf './usr/sbin/qubes-vpn-%s ' "$a"; done)
make -s -C "$TOP" install BIN="$QV" DESTDIR="$D" PREFIX=/usr >/dev/null
check_eq "make install: exactly these files" "$(cd "$D" && find . \( -type f -o -type l \) | LC_ALL=C sort | tr '\n' ' ')" \
"./etc/xdg/autostart/qubes-vpn-notifier.desktop ./usr/lib/systemd/system-preset/75-qubes-vpn.preset ./usr/lib/systemd/system/qubes-network.service.d/30-qubes-vpn.conf ./usr/lib/systemd/system/qubes-vpn-config.path ./usr/lib/systemd/system/qubes-vpn-forwarding.service ./usr/lib/systemd/system/qubes-vpn-notify-dom0.path ./usr/lib/systemd/system/qubes-vpn-notify-dom0.service ./usr/lib/systemd/system/qubes-vpn-resolv.path ./usr/lib/systemd/system/qubes-vpn-resolv.service ./usr/lib/systemd/system/qubes-vpn-restart.service ./usr/lib/systemd/system/qubes-vpn-wg-watch.service ./usr/lib/systemd/system/qubes-vpn-wg.service ./usr/lib/systemd/system/qubes-vpn.service ./usr/lib/sysusers.d/qubes-vpn.conf ./usr/lib/tmpfiles.d/qubes-vpn.conf ./usr/sbin/qubes-vpn ${sbin_links}./usr/share/applications/qubes-vpn-configurator.desktop ./usr/share/doc/qubes-vpn/README.md "
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
cp "$S/usr/sbin/openvpn" "$S/usr/bin/wireguard-go"
units="qubes-vpn-forwarding.service qubes-vpn.service qubes-vpn-wg.service qubes-vpn-wg-watch.service qubes-vpn-config.path qubes-vpn-restart.service qubes-vpn-resolv.service qubes-vpn-resolv.path qubes-vpn-notify-dom0.path qubes-vpn-notify-dom0.service"
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
check_contains "OpenVPN's unit does not start where a WireGuard configuration exists (WireGuard's precedence)" \
	"$(cat "$vpn")" "ConditionPathExists=!/rw/config/qubes-vpn/wireguard.conf"
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
	"systemctl --no-reload preset qubes-vpn-forwarding.service qubes-vpn.service qubes-vpn-wg.service qubes-vpn-config.path qubes-vpn-resolv.path qubes-vpn-notify-dom0.path"
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
check "%check ran lib's unit tests, and they passed" grep -q '^# unit-lib: [0-9]* passed, 0 failed' "$TMP/rpm.log"
check_eq "Source1, libmnl's tarball: owners root, times 0" \
	"$(tar -tvjf "$TOP/build/dist/libmnl-$LIBMNL_VERSION.tar.bz2" | awk '{ print $2, $4 }' | sort -u)" \
	"0/0 1970-01-01"
mkdir -p "$TMP/libmnl-0.0.1"
out=$(make -s -C "$TOP" dist-libmnl LIBMNL_SRC="$TMP/libmnl-0.0.1" 2>&1)
check_contains "another libmnl release than the spec bundles: refused" "$out" \
	"is libmnl 0.0.1; the packages bundle $LIBMNL_VERSION"

# ---- the SELinux package (Fedora templates) ----
sel=$(ls "$TOP"/build/rpm/RPMS/noarch/qubes-vpn-selinux-*.rpm 2>/dev/null)
check "the SELinux package exists, noarch" [ -f "$sel" ]
check_eq "it holds exactly the module" "$(rpm_list "$sel")" /usr/share/selinux/packages/targeted/qubes-vpn.pp
mkdir -p "$TMP/x-sel"
rpm2cpio "$sel" | (cd "$TMP/x-sel" && cpio -idm --quiet 2>/dev/null)
make -s -C "$TOP" selinux >/dev/null 2>&1
check_eq "... the module make selinux builds" \
	"$(sha "$TMP/x-sel/usr/share/selinux/packages/targeted/qubes-vpn.pp")" "$(sha "$TOP/build/selinux/qubes-vpn.pp")"
check_contains "the VM package pulls it in wherever the targeted policy is installed" "$(rpm -qpR "$vm" 2>/dev/null)" \
	"(qubes-vpn-selinux = $(rpm -qp --qf '%{VERSION}-%{RELEASE}' "$vm" 2>/dev/null) if selinux-policy-targeted)"
# selrun TYPE ENABLED TAG ARG: run the scriptlet TAG (PREIN, POSTIN, ...)
# as rpm would, with SELINUXTYPE=TYPE in /etc/selinux/config (none if
# TYPE is -) and SELinux enabled or not, in a private mount namespace with
# /etc/selinux and /var/lib of its own; semodule, load_policy, fixfiles and
# selinuxenabled are stand-ins recording their calls in $TMP/selcalls.
mkdir -p "$TMP/selstubs"
for c in semodule load_policy fixfiles selinuxenabled; do
	printf '#!/bin/sh\necho "%s $*" >>"%s"\n' "$c" "$TMP/selcalls" >"$TMP/selstubs/$c"
	chmod 755 "$TMP/selstubs/$c"
done
echo 'exit $SELINUX_ON' >>"$TMP/selstubs/selinuxenabled"
rm -rf "$TMP/selstate"
selrun() {
	local type=$1 on=$2 tag=$3 arg=$4
	rm -rf "$TMP/etcsel" && mkdir -p "$TMP/etcsel/targeted/contexts/files" "$TMP/selstate/rpm-state"
	echo "/usr/bin/qubes-vpn -- system_u:object_r:bin_t:s0" >"$TMP/etcsel/targeted/contexts/files/file_contexts"
	[ "$type" = - ] || printf 'SELINUX=enforcing\nSELINUXTYPE=%s\n' "$type" >"$TMP/etcsel/config"
	: >"$TMP/selcalls"
	rpm -qp --qf "%{$tag}" "$sel" >"$TMP/scriptlet" 2>/dev/null
	unshare -m sh -c 'mount --bind "$1" /etc/selinux && mount --bind "$2" /var/lib && shift 2 && exec "$@"' sh \
		"$TMP/etcsel" "$TMP/selstate" env PATH="$TMP/selstubs:/usr/bin:/bin" SELINUX_ON="$on" \
		sh "$TMP/scriptlet" "$arg" >/dev/null 2>&1
}
pre=$TMP/selstate/rpm-state/qubes-vpn.file_contexts.pre
selrun targeted 0 PREIN 1
check "install, SELinux on: %pre saves the file contexts" [ -f "$pre" ]
selrun targeted 0 POSTIN 1
check_eq "%post installs the module at priority 200 and loads the policy" "$(cat "$TMP/selcalls")" \
	"semodule -n -s targeted -X 200 -i /usr/share/selinux/packages/targeted/qubes-vpn.pp
selinuxenabled 
load_policy "
selrun targeted 0 POSTTRANS 1
check_eq "%posttrans relabels what the file contexts changed" "$(grep -v selinuxenabled "$TMP/selcalls")" \
	"fixfiles -C /var/lib/rpm-state/qubes-vpn.file_contexts.pre restore"
check "... and forgets the saved ones" [ ! -e "$pre" ]
selrun targeted 0 PREUN 1
selrun targeted 0 POSTUN 1
check_eq "upgrade: %preun and %postun do nothing" "$(cat "$TMP/selcalls")$(ls "$TMP/selstate/rpm-state")" ""
selrun targeted 0 PREUN 0
selrun targeted 0 POSTUN 0
check_eq "erase: %postun removes the module, loads the policy, relabels" "$(grep -v selinuxenabled "$TMP/selcalls")" \
	"semodule -n -s targeted -X 200 -r qubes-vpn
load_policy 
fixfiles -C /var/lib/rpm-state/qubes-vpn.file_contexts.pre restore"
selrun targeted 1 PREIN 1
selrun targeted 1 POSTIN 1
check_eq "SELinux off but the targeted policy configured: the module is installed, nothing loaded" \
	"$(grep -v selinuxenabled "$TMP/selcalls")$(ls "$TMP/selstate/rpm-state")" \
	"semodule -n -s targeted -X 200 -i /usr/share/selinux/packages/targeted/qubes-vpn.pp"
for t in PREIN POSTIN POSTTRANS; do
	selrun - 0 $t 1
	check_eq "no SELinux configuration (Debian): $t does nothing and succeeds" "$? $(grep -v selinuxenabled "$TMP/selcalls")" "0 "
	selrun default 0 $t 1
	check_eq "another policy type in use: $t does nothing and succeeds" "$? $(grep -v selinuxenabled "$TMP/selcalls")" "0 "
done

# ---- the Debian package ----
rm -rf "$TOP/build/deb"
make -s -C "$TOP" deb >"$TMP/deb.log" 2>&1
check "make deb builds" [ $? -eq 0 ]
deb=$(ls "$TOP"/build/deb/qubes-vpn_*.deb 2>/dev/null)
check "the package exists" [ -f "$deb" ]
check_eq "dpkg-deb -c: exactly what make install installs, and Debian's copyright, changelog, overrides" \
	"$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $6 }' | sed 's,^\.,,' | LC_ALL=C sort)" \
	"$( (installed_list "$D"; printf '%s\n' /usr/share/doc/qubes-vpn/changelog.Debian.gz \
		/usr/share/doc/qubes-vpn/copyright /usr/share/lintian/overrides/qubes-vpn) | LC_ALL=C sort)"
check_eq "everything owned by root" "$(dpkg-deb -c "$deb" | awk '{ print $2 }' | sort -u)" root/root
check_contains "the binary, mode 0755" "$(dpkg-deb -c "$deb" | grep ' ./usr/sbin/qubes-vpn$')" "-rwxr-xr-x"
check_contains "applet links are relative links to qubes-vpn" "$(dpkg-deb -c "$deb")" \
	"./usr/sbin/qubes-vpn-up -> qubes-vpn"
dpkg-deb -x "$deb" "$TMP/debroot"
check_contains "the binary is the static one" "$(file -b "$TMP/debroot/usr/sbin/qubes-vpn")" "statically linked"
check_eq "... the very bytes the RPM ships" "$(sha "$TMP/debroot/usr/sbin/qubes-vpn")" "$(sha "$rpm_bin")"
if file -b "$QV" | grep -q 'statically linked'; then
	check_eq "... and the bytes under test here (\$QV)" "$(sha "$QV")" "$(sha "$rpm_bin")"
fi
check_eq "Package, Version (the RPM's), Architecture" \
	"$(dpkg-deb -f "$deb" Package Version Architecture | tr '\n' ' ')" \
	"Package: qubes-vpn Version: $(rpm -qp --qf '%{VERSION}-%{RELEASE}' "$vm" 2>/dev/null) Architecture: $(dpkg --print-architecture) "
check_eq "Depends: OpenVPN and systemd" "$(dpkg-deb -f "$deb" Depends)" "openvpn, systemd"
check_eq "Built-Using: the musl it was linked with" "$(dpkg-deb -f "$deb" Built-Using)" \
	"musl (= $(dpkg-query -W -f='${source:Version}' musl-dev))"
check_contains "the description says libmnl is built in" "$(dpkg-deb -f "$deb" Description)" \
	"libmnl $LIBMNL_VERSION built in"
check_contains "the copyright file covers the bundled libmnl" \
	"$(cat "$TMP/debroot/usr/share/doc/qubes-vpn/copyright")" "License: LGPL-2.1+"
dpkg-deb -e "$deb" "$TMP/ctl"
for f in postinst prerm postrm; do
	check "maintainer script $f: present, executable, valid sh" \
		sh -c '[ -x "$1" ] && sh -n "$1"' sh "$TMP/ctl/$f"
done
check_eq "md5sums covers every file" "$(cd "$TMP/debroot" && md5sum -c --quiet "$TMP/ctl/md5sums" && wc -l <"$TMP/ctl/md5sums")" \
	"$(dpkg-deb -c "$deb" | grep -c '^-')"

# The maintainer scripts run with stand-ins that record their calls (and
# a real systemd-sysusers and systemd-tmpfiles in a root of their own,
# DPKG_ROOT); "systemd running" is a /run/systemd/system of a private mount
# namespace.
# Outside DPKG_ROOT, systemd-sysusers and systemd-tmpfiles are stand-ins
# too: nothing is created on this machine.
mkdir -p "$TMP/stubs" "$TMP/stubs-root"
for c in deb-systemd-helper deb-systemd-invoke systemctl systemd-sysusers systemd-tmpfiles; do
	printf '#!/bin/sh\necho "%s $*" >>"%s"\n' "$c" "$TMP/calls" >"$TMP/stubs/$c"
	chmod 755 "$TMP/stubs/$c"
	case $c in systemd-*) ;; *) cp "$TMP/stubs/$c" "$TMP/stubs-root/" ;; esac
done
enabled=$(sed -n 's/^enable[[:space:]]*//p' "$D/usr/lib/systemd/system-preset/75-qubes-vpn.preset")
units=$(cd "$D/usr/lib/systemd/system" && ls -p | grep -v / | tr '\n' ' ')
words() { tr ' ' '\n' | sed '/^$/d' | LC_ALL=C sort | tr '\n' ' '; }
maint() {   # maint SCRIPT ARGS...: run it as dpkg would, systemd "running"
	: >"$TMP/calls"
	unshare -m sh -c 'mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system && exec "$@"' sh \
		env PATH="${STUBS:-$TMP/stubs}:/usr/sbin:/usr/bin:/sbin:/bin" "$@" >/dev/null 2>&1
}
R=$TMP/dpkgroot
dpkg-deb -x "$deb" "$R"
mkdir -p "$R/etc"
touch "$R/etc/passwd" "$R/etc/group"
STUBS=$TMP/stubs-root maint env DPKG_ROOT="$R" sh "$TMP/ctl/postinst" configure ""
check_contains "postinst creates the qubes-vpn system user from its sysusers.d file" \
	"$(cat "$R/etc/passwd")" ":/nonexistent:/usr/sbin/nologin"
check_eq "... and the configuration directory, 0750, group qubes-vpn" \
	"$(stat -c '%a %u' "$R/rw/config/qubes-vpn" 2>&1) $(awk -F: -v g="$(stat -c %g "$R/rw/config/qubes-vpn" 2>/dev/null)" '$3 == g { print $1 }' "$R/etc/group")" \
	"750 0 qubes-vpn"
maint sh "$TMP/ctl/postinst" configure ""
check_contains "postinst: the user from qubes-vpn's sysusers.d file" "$(cat "$TMP/calls")" \
	"systemd-sysusers qubes-vpn.conf"
for u in $enabled; do
	check_contains "first installation: postinst enables $u (the preset's list)" "$(cat "$TMP/calls")" \
		"deb-systemd-helper enable $u"
done
check_eq "... and enables nothing else" "$(grep -c 'deb-systemd-helper enable' "$TMP/calls")" "$(wc -w <<<"$enabled")"
check_eq "... and restarts nothing" "$(grep -c restart "$TMP/calls")" 0
maint sh "$TMP/ctl/postinst" configure 0.0.9-1
check_contains "upgrade: postinst restarts OpenVPN if it runs (the RPM's try-restart)" \
	"$(cat "$TMP/calls")" "deb-systemd-invoke try-restart qubes-vpn.service"
check_contains "... after systemd reloaded the units" "$(cat "$TMP/calls")" "systemctl --system daemon-reload"
maint sh "$TMP/ctl/prerm" remove
check_eq "removal: prerm stops every unit" "$(sed -n 's/^deb-systemd-invoke stop //p' "$TMP/calls" | words)" \
	"$(words <<<"$units")"
maint sh "$TMP/ctl/prerm" upgrade 0.1.1-1
check_eq "upgrade: prerm stops nothing" "$(cat "$TMP/calls")" ""
maint sh "$TMP/ctl/postrm" remove
check_contains "removal: postrm disables the units" "$(cat "$TMP/calls")" \
	"deb-systemd-helper disable $(echo $enabled)"
maint sh "$TMP/ctl/postrm" purge
check_contains "purge: postrm forgets them" "$(cat "$TMP/calls")" "deb-systemd-helper purge $(echo $enabled)"

out=$(lintian "$deb" 2>&1 | grep -v 'running with root privileges')
check_eq "lintian: nothing but what deb/lintian-overrides explains" "$out" ""
first=$(sha "$deb")
make -s -C "$TOP" deb >/dev/null 2>&1
check_eq "make deb again: the same sha256 (reproducible)" "$(sha "$deb")" "$first"

finish
