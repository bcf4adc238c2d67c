#!/bin/bash
# analyze-fedora.sh - the offline evidence for selinux/qubes-vpn.te: builds
# Fedora's targeted policy from its public sources together with the SELinux
# modules of a Qubes VM (qubes-core-agent-linux, qubes-core-qubesdb,
# qubes-core-qrexec), installs it into two throwaway policy stores the way an
# rpm install does (semodule, CIL), one without and one with qubes-vpn, and
# asks both, through libsepol's own access computation, whether each
# operation of qubes-vpn's processes is allowed (selinux/analyze-fedora.py).
# Not part of CI: it takes a few minutes. Results: selinux/ANALYSIS.md.
#
# Usage: selinux/analyze-fedora.sh FEDORA_POLICY CONTAINER_SELINUX \
#            QUBES_AGENT QUBES_QUBESDB QUBES_QREXEC [WORKDIR]
# Each argument but the last is a git directory (bare is fine) of
# fedora-selinux/selinux-policy, containers/container-selinux (for its
# container.if: Fedora's build puts it in the tree, and other modules call
# its interfaces), QubesOS/qubes-core-agent-linux,
# QubesOS/qubes-core-qubesdb and QubesOS/qubes-core-qrexec; REV_FEDORA,
# REV_CONTAINER, REV_AGENT, REV_QUBESDB, REV_QREXEC choose commits (HEAD).
# EXTRA_PP=FILE also installs FILE (a qubes-vpn.pp built elsewhere, e.g. by
# `make selinux` against Debian's headers) into a third store, which must
# give the same decisions.
# Needs checkpolicy, policycoreutils (semodule), semodule-utils, setools,
# selinux-utils, python3-selinux, m4, make, gawk.
set -euo pipefail

[ $# -ge 5 ] || { sed -n '/^# Usage:/,/^set /p' "$0" | sed '$d' >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
W=${6:-/tmp/qubes-vpn-selinux-analysis}
rm -rf "$W"
mkdir -p "$W/src"

# export NAME GITDIR REV: check out GITDIR at REV into $W/src/NAME.
export_tree() {
	local sha
	sha=$(git -C "$2" rev-parse "$3^{commit}")
	mkdir -p "$W/src/$1"
	git -C "$2" archive "$sha" | tar -x -C "$W/src/$1"
	printf '%-14s %s %s\n' "$1" "$sha" "$(git -C "$2" log -1 --format=%cs "$sha")" | tee -a "$W/sources"
}
export_tree fedora "$1" "${REV_FEDORA:-HEAD}"
export_tree container "$2" "${REV_CONTAINER:-HEAD}"
export_tree agent "$3" "${REV_AGENT:-HEAD}"
export_tree qubesdb "$4" "${REV_QUBESDB:-HEAD}"
export_tree qrexec "$5" "${REV_QREXEC:-HEAD}"
{
	echo "checkpolicy    $(dpkg-query -W -f='${Version}' checkpolicy 2>/dev/null || checkpolicy -V)"
	echo "policycoreutils $(dpkg-query -W -f='${Version}' policycoreutils 2>/dev/null || echo '?')"
	echo "libsepol       $(dpkg-query -W -f='${Version}' 'libsepol2' 2>/dev/null || echo '?')"
	echo "setools        $(dpkg-query -W -f='${Version}' setools 2>/dev/null || echo '?')"
} | tee -a "$W/sources"

# ---- the policy tree: Fedora's, plus the Qubes VM modules and ours ----
P=$W/src/fedora
C=$P/policy/modules/contrib
cp "$W/src/container/container.if" "$C/"
# Fedora's module list, boolean defaults, users and path aliases for
# targeted: dist/targeted and config/, in the tree since late 2024. Older
# branches (f40) take them from REV_DIST (HEAD), and whether a module goes
# into base from their own tree (make conf); modules not in the list: off.
OPTS="NAME=targeted TYPE=mcs DISTRO=redhat UBAC=n DIRECT_INITRC=n MONOLITHIC=n POLY=y MLS_CATS=1024 MCS_CATS=1024 UNK_PERMS=allow"
if [ -f "$P/dist/targeted/modules.conf" ]; then
	cp "$P/dist/targeted/modules.conf" "$P/policy/modules.conf"
	cp "$P/dist/targeted/booleans.conf" "$P/policy/booleans.conf"
	[ "$P/dist/targeted/users" -ef "$P/policy/users" ] || cp "$P/dist/targeted/users" "$P/policy/users"
	cp "$P/config/file_contexts.subs_dist" "$W/file_contexts.subs_dist"
else
	sha=$(git -C "$1" rev-parse "${REV_DIST:-HEAD}^{commit}")
	echo "modules.conf, booleans.conf, users, file_contexts.subs_dist from $sha" | tee -a "$W/sources"
	git -C "$1" show "$sha:dist/targeted/booleans.conf" >"$P/policy/booleans.conf"
	git -C "$1" show "$sha:dist/targeted/users" >"$P/policy/users"
	# Its config/ is stale there (the rpm took it from dist-git): the path
	# aliases come from REV_DIST too, without /usr/sbin = /usr/bin while
	# the tree's file contexts still name /usr/sbin (before the merge).
	git -C "$1" show "$sha:config/file_contexts.subs_dist" >"$W/file_contexts.subs_dist"
	if grep -q '^/usr/sbin/' "$P/policy/modules/contrib/openvpn.fc"; then
		sed -i '/^\/usr\/sbin[[:space:]]/d' "$W/file_contexts.subs_dist"
	fi
	git -C "$1" show "$sha:dist/targeted/modules.conf" | sed -n 's/^\([^# ]*\) = \(base\|module\)$/\1/p' >"$W/fedora-modules"
	make -C "$P" $OPTS conf >"$W/conf.log" 2>&1 || { tail -20 "$W/conf.log"; exit 1; }
	awk -v list="$W/fedora-modules" 'BEGIN { while ((getline m <list) > 0) on[m] = 1 }
		$2 == "=" && $3 == "module" && !on[$1] { print $1, "=", "off"; next } { print }' \
		"$P/policy/modules.conf" >"$W/modules.conf" && mv "$W/modules.conf" "$P/policy/modules.conf"
fi
for m in agent/selinux/qubes-misc agent/selinux/qubes-qfile-unpacker \
	agent/selinux/qubes-xendriverdomain qubesdb/selinux/qubes-core-qubesdb \
	qrexec/selinux/qubes-core-qrexec; do
	name=$(basename "$m")
	for ext in te if fc; do
		if [ -f "$W/src/$m.$ext" ]; then cp "$W/src/$m.$ext" "$C/"; else : >"$C/$name.$ext"; fi
	done
	echo "$name = module" >>"$P/policy/modules.conf"
done
cp "$HERE/qubes-vpn.te" "$HERE/qubes-vpn.if" "$HERE/qubes-vpn.fc" "$C/"
echo "qubes-vpn = module" >>"$P/policy/modules.conf"

echo "== building base.pp and the modules (a minute or two)"
make -C "$P" -j"$(nproc)" $OPTS base.pp modules >"$W/build.log" 2>&1 || { tail -30 "$W/build.log"; exit 1; }

# ---- two policy stores, as semodule builds them on a Fedora system ----
# store ROOT PP...: a targeted store in ROOT holding the given modules
# (priority 100, as the selinux-policy rpm installs them).
store() {
	local root=$1
	shift
	mkdir -p "$root/etc/selinux/targeted/contexts/files" "$root/var/lib/selinux"
	printf 'module-store = direct\nexpand-check = 0\nhandle-unknown = allow\n' \
		>"$root/etc/selinux/semanage.conf"
	(cd "$P" && semodule -p "$root" -s targeted -X 100 -n -i "$@")
	# Path aliases: Fedora's (including /usr/sbin = /usr/bin from
	# Fedora 42 on) and the ones Qubes' agent adds in its %post.
	cp "$W/file_contexts.subs_dist" "$root/etc/selinux/targeted/contexts/files/"
	printf '%s\n' '/rw/home /home' '/rw/config/NM-system-connections /etc/NetworkManager/system-connections' \
		'/rw/bind-dirs /' '/rw/usrlocal /usr/local' \
		>"$root/etc/selinux/targeted/contexts/files/file_contexts.subs"
}
mods=$(cd "$P" && ls *.pp | grep -v -x -e base.pp -e qubes-vpn.pp)
echo "== store without qubes-vpn"
store "$W/without" base.pp $mods
echo "== store with qubes-vpn (priority 200, as %selinux_modules_install)"
cp -a "$W/without" "$W/with"
semodule -p "$W/with" -s targeted -X 200 -n -i "$P/qubes-vpn.pp"
semodule -p "$W/with" -s targeted -l | grep -q '^qubes-vpn$' || { echo "qubes-vpn not in the store"; exit 1; }

extra=()
if [ -n "${EXTRA_PP:-}" ]; then
	echo "== store with $EXTRA_PP"
	cp -a "$W/without" "$W/extra"
	semodule -p "$W/extra" -s targeted -X 200 -n -i "$EXTRA_PP"
	extra=("$W/extra")
fi

echo "== queries (a few minutes)"
/usr/bin/python3 "$HERE/analyze-fedora.py" "$W/without" "$W/with" "${extra[@]}" | tee "$W/results.md"
