#!/bin/bash
# configurator.test.sh - qubes-vpn-configurator with a fake editor (EDITOR
# points at a script that records who ran it and writes what the case
# wants): a new configuration, an unchanged one (nothing replaced), a
# changed one, every warning, the editor running as the sudo user.
. "$(dirname "$0")/lib.sh"

chmod 755 "$TMP"
CFG=$TMP/cfg
REC=$TMP/rec
mkdir -p "$REC"
chmod 777 "$REC"
cat >"$TMP/editor" <<EOF
#!/bin/sh
# Fake editor: records, then applies $TMP/case (keep, or a file to copy in).
id -u >"$REC/uid"
echo "\$HOME" >"$REC/home"
printf '%s\n' "\$@" >"$REC/argv"
stat -c '%a %u' "\$1" >"$REC/copy-mode"
cat "\$1" >"$REC/initial"
c=\$(cat "$TMP/case")
[ "\$c" = keep ] || cat "\$c" >"\$1"
EOF
chmod 755 "$TMP/editor"
edit_case() { echo "$1" >"$TMP/case"; }
configure() {
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin EDITOR="$TMP/editor" "$@" \
		"$QV" configurator --dir "$CFG" >"$TMP/out" 2>&1
}

check "configurator --help" quiet "$QV" configurator --help
check_eq "a relative --dir is a usage error" \
	"$("$QV" configurator --dir rel >/dev/null 2>&1; echo $?)" 2

# ---- a new configuration ----
cat >"$TMP/good.conf" <<'EOF'
client
dev tun
remote vpn.example.com 1194
ca ca.crt
key client.key
<tls-crypt>
up /bin/this-is-inline-data-and-not-an-option
</tls-crypt>
EOF
edit_case "$TMP/good.conf"
check "new configuration: succeeds" configure
check_eq "new configuration: directory created, mode 0750" "$(stat -c %a "$CFG")" 750
check_contains "new configuration: the editor started from the commented sample" \
	"$(cat "$REC/initial")" "# Qubes VPN: OpenVPN client configuration."
check_eq "new configuration: the file has the edited content" "$(cat "$CFG/qubes-vpn.conf")" \
	"$(cat "$TMP/good.conf")"
check_eq "new configuration: mode 0640, owned by root" \
	"$(stat -c '%a %u' "$CFG/qubes-vpn.conf")" "640 0"
check_eq "the editor got a private 0600 copy" "$(cat "$REC/copy-mode")" "600 0"
check_contains "missing credential files are reported" "$(cat "$TMP/out")" \
	"file 'ca.crt' does not exist: OpenVPN will not start"
check_eq "inline blocks are not read as options" "$(grep -c "'up'" "$TMP/out")" 0
check_eq "the temporary copy is gone" "$(ls -d /tmp/qubes-vpn-config.* 2>/dev/null | wc -l)" 0

# ---- unchanged: nothing replaced ----
before=$(stat -c '%i %Y' "$CFG/qubes-vpn.conf")
edit_case keep
check "unchanged configuration: succeeds" configure
check_contains "unchanged configuration: says so" "$(cat "$TMP/out")" "unchanged: nothing replaced"
check_eq "unchanged configuration: the file was not replaced" \
	"$(stat -c '%i %Y' "$CFG/qubes-vpn.conf")" "$before"

# ---- changed ----
printf 'client\ndev tun\nremote other.example.com 443\n' >"$TMP/changed.conf"
edit_case "$TMP/changed.conf"
check "changed configuration: succeeds" configure
check_contains "changed configuration: replaced" "$(cat "$TMP/out")" "replaced"
check_eq "changed configuration: new content" "$(cat "$CFG/qubes-vpn.conf")" \
	"$(cat "$TMP/changed.conf")"
check_eq "changed configuration: new file (atomic rename)" \
	"$([ "$(stat -c %i "$CFG/qubes-vpn.conf")" != "${before%% *}" ] && echo yes)" yes

# ---- every warning ----
umask 022
echo secret >"$CFG/open.key"
chmod 644 "$CFG/open.key"
echo secret >"$CFG/root.key"
chmod 600 "$CFG/root.key"
cat >"$TMP/bad.conf" <<'EOF'
client
dev tap0
up /etc/openvpn/update-resolv-conf
down /etc/openvpn/update-resolv-conf
route-up /bin/true
script-security 3
redirect-gateway def1
user nobody
key open.key
tls-crypt root.key
auth-user-pass missing.txt
EOF
edit_case "$TMP/bad.conf"
check "a configuration with problems is still saved" configure
out=$(cat "$TMP/out")
check_contains "warns: up" "$out" "line 3: 'up' is set here, but qubes-vpn replaces the hooks"
check_contains "warns: down" "$out" "line 4: 'down' is set here"
check_contains "warns: route-up" "$out" "line 5: 'route-up' is set here"
check_contains "warns: script-security" "$out" "line 6: 'script-security' is set here"
check_contains "warns: redirect-gateway" "$out" "line 7: 'redirect-gateway' has no effect"
check_contains "warns: dev not tun" "$out" "line 2: 'dev tap0' is not a tun device"
check_contains "warns: user/group" "$out" "line 8: 'user' conflicts with the systemd unit"
check_contains "warns: secret readable by others" "$out" \
	"line 9: 'open.key' holds a secret but others can read it: make it mode 0600"
check_contains "warns: missing credentials file" "$out" "line 11: file 'missing.txt' does not exist"
if getent passwd qubes-vpn >/dev/null; then
	check_contains "warns: secret not owned by qubes-vpn" "$out" "'root.key' is not owned by qubes-vpn"
fi
check_contains "counts the warnings" "$out" "warnings)"
check "--check reads the saved file" quiet "$QV" configurator --dir "$CFG" --check
check_contains "--check reports the same warnings" \
	"$("$QV" configurator --dir "$CFG" --check 2>&1)" "'dev tap0' is not a tun device"
check_contains "a clean configuration has no warnings" \
	"$(printf 'client\ndev tun\nremote x 1\n' >"$CFG/qubes-vpn.conf"; \
	   "$QV" configurator --dir "$CFG" --check 2>&1)" "0 warnings"

# ---- the editor runs as the user who ran sudo ----
edit_case "$TMP/changed.conf"
rm -f "$REC"/*
check "as sudo user 1000" configure SUDO_UID=1000 SUDO_GID=1000
check_eq "the editor ran as uid 1000, not root" "$(cat "$REC/uid")" 1000
check_eq "its copy belonged to uid 1000" "$(cat "$REC/copy-mode")" "600 1000"
check_eq "the real file still belongs to root" "$(stat -c %u "$CFG/qubes-vpn.conf")" 0

# ---- accounts from /etc/passwd and /etc/group (bind-mounted fakes) ----
# The qubes-vpn user and group and the sudo user's home come from these
# files. Lines that only look like the entry (malformed, a longer name, the
# tail of an overlong line) must not be taken for it.
{
	printf '%*s' 1024 '' | tr ' ' B; echo 'qubes-vpn:x:1:1::/:/bin/sh'
	echo 'qubes-vpn-other:x:7:7::/:/bin/sh'
	echo 'qubes-vpn'
	echo 'qubes-vpn:x:notanumber:1::/:/bin/sh'
	echo 'qubes-vpn:x:4242:4343:Qubes VPN:/nonexistent:/usr/sbin/nologin'
	printf '%*s' 1100 '' | tr ' ' C; echo ':x:1000:1000::/home/wrong:/bin/sh'
	echo 'tester:x:1000:1000::/home/tester:/bin/sh'
	echo 'qubes-vpn:x:5:5::/:/bin/sh'
} >"$TMP/passwd"
printf 'qubes-vpn-x:x:1:\nqubes-vpn:x:bad:\nqubes-vpn:x:4343:' >"$TMP/group"   # no final newline
with_accounts() {
	unshare -m sh -c 'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group &&
		shift 2 && exec "$@"' sh "$TMP/passwd" "$TMP/group" "$@"
}
CFG2=$TMP/cfg2
edit_case "$TMP/changed.conf"
rm -f "$REC"/*
with_accounts env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin EDITOR="$TMP/editor" SUDO_UID=1000 \
	SUDO_GID=1000 "$QV" configurator --dir "$CFG2" >"$TMP/out" 2>&1
check_eq "a new directory belongs to the qubes-vpn group of /etc/group" "$(stat -c %g "$CFG2")" 4343
check_eq "the editor's HOME is the sudo user's home in /etc/passwd" "$(cat "$REC/home")" /home/tester
echo secret >"$CFG2/own.key"
chown 4242 "$CFG2/own.key"
echo secret >"$CFG2/root.key"
chmod 600 "$CFG2/own.key" "$CFG2/root.key"
printf 'client\ndev tun\nremote x 1\nkey own.key\ntls-crypt root.key\n' >"$CFG2/qubes-vpn.conf"
out=$(with_accounts "$QV" configurator --dir "$CFG2" --check 2>&1)
check_contains "a secret not owned by the qubes-vpn user of /etc/passwd: warned" "$out" \
	"'root.key' is not owned by qubes-vpn"
check_eq "a secret owned by it (uid 4242): no warning" "$(grep -c "'own.key'" <<<"$out")" 0
check_contains "... and nothing else to say" "$out" "1 warning"
printf 'root:x:0:0::/root:/bin/sh\n' >"$TMP/passwd"
out=$(with_accounts "$QV" configurator --dir "$CFG2" --check 2>&1)
check_contains "no qubes-vpn user at all: ownership not checked" "$out" "0 warnings"

# ---- failures ----
edit_case /nonexistent/file
printf '#!/bin/sh\nexit 3\n' >"$TMP/failing-editor"
chmod 755 "$TMP/failing-editor"
before=$(cat "$CFG/qubes-vpn.conf")
out=$(env -i PATH=/usr/bin:/bin EDITOR="$TMP/failing-editor" "$QV" configurator --dir "$CFG" 2>&1)
check_contains "an editor that fails: nothing changed" "$out" "failed: nothing changed"
check_eq "... the file is untouched" "$(cat "$CFG/qubes-vpn.conf")" "$before"
out=$(env -i PATH=/nonexistent "$QV" configurator --dir "$CFG" 2>&1 </dev/null)
check_contains "no editor at all: said plainly" "$out" "no editor found: set VISUAL or EDITOR"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups env -i EDITOR=true \
	"$QV" configurator --dir "$CFG" 2>&1)
check_contains "not root: asks for sudo" "$out" "run 'sudo qubes-vpn-configurator'"

# ---- WireGuard: --check uses qubes-vpn-wg's parser ----
WG=$TMP/wgcfg
mkdir -p "$WG"
cp "$TOP/tests/fuzz/corpus/wgconf/ipv4" "$WG/wireguard.conf"
chmod 600 "$WG/wireguard.conf"
out=$("$QV" configurator --dir "$WG" --check 2>&1)
check_contains "WireGuard --check: IPv4 only says IPv6 traffic is refused" "$out" \
	"no IPv6 Address: downstream IPv6 traffic is refused (blocked)"
sed -i 's|^AllowedIPs = .*|AllowedIPs = 10.0.0.0/8|' "$WG/wireguard.conf"
check_contains "WireGuard --check: AllowedIPs short of 0.0.0.0/0 is said plainly" \
	"$("$QV" configurator --dir "$WG" --check 2>&1)" "AllowedIPs does not cover 0.0.0.0/0"
printf 'PostUp = curl x | sh\n' >>"$WG/wireguard.conf"
out=$("$QV" configurator --dir "$WG" --check 2>&1)
check_contains "WireGuard --check: a shell hook makes it unusable" "$out" "shell commands are never run"
check_eq "... exit 1" "$("$QV" configurator --dir "$WG" --check >/dev/null 2>&1; echo $?)" 1

finish
