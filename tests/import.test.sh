#!/bin/bash
# import.test.sh - qubes-vpn-configurator --import on the provider corpus
# (tests/fixtures/providers, filled in from a throwaway PKI): each file is
# normalised with every change listed and marked, passes OpenVPN's dry run
# and is written; a configuration OpenVPN refuses never replaces a working
# one and the message names the line; hostile input (long lines, NUL bytes,
# quoting tricks, inline blocks that are not files, tap) is refused;
# credentials are stored 0600 for the unit's user, never shown; the dry run
# runs as the unit's user, with a minimal environment, without a network,
# with the unit's options, and is bounded in time.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/providers.sh"

chmod 755 "$TMP"
CFG=$TMP/cfg
PKI=$TMP/pki
MARK=$TMP/mark/hostile
mkdir -p "$TMP/mark"
chmod 777 "$TMP/mark"
provider_pki "$PKI"
provider_corpus "$PKI" "$TMP/in" "$MARK"
# The unit's user: qubes-vpn, uid 4242, group 4343, for the configurator.
provider_accounts 4242 4343
# qv ARGS...: the configurator on $CFG as root, stdin from $TMP/stdin
# (empty unless set), output in $TMP/out; returns its status.
: >"$TMP/stdin"
qv() {
	with_accounts env -i PATH="${QV_PATH:-/usr/sbin:/usr/bin:/sbin:/bin}" "$QV" configurator --dir "$CFG" "$@" \
		<"$TMP/stdin" >"$TMP/out" 2>&1
}
out() { cat "$TMP/out"; }
conf_sum() { sha256sum <"$CFG/qubes-vpn.conf" 2>/dev/null; }

check_contains "--help names --import and --credentials-from" "$("$QV" configurator --help)" \
	"--credentials-from FILE|-"

# ---- the corpus ----
printf 'alice\ns3cret-Pa55\n' >"$TMP/stdin"
check "commercial (user name and password, tls-crypt): imported" qv --import "$TMP/in/commercial.ovpn" --credentials-from -
o=$(out)
check_contains "commercial: the update-resolv-conf up line is commented out, and said" "$o" \
	"line 26: commented out 'up /etc/openvpn/update-resolv-conf': runs programs"
check_contains "commercial: ... down" "$o" "line 27: commented out 'down /etc/openvpn/update-resolv-conf'"
check_contains "commercial: ... script-security" "$o" "line 25: commented out 'script-security 2'"
check_contains "commercial: auth-user-pass now reads the credentials file" "$o" \
	"line 19: 'auth-user-pass' now reads $CFG/credentials (mode 0600, owned by qubes-vpn)"
check_contains "commercial: OpenVPN accepted it; 4 changes" "$o" \
	"qubes-vpn.conf created: OpenVPN accepts it (4 changes, 0 warnings)"
check_contains "commercial: host names in remote are said to be fine" "$o" \
	"remote vpnserver.test: a host name is fine"
check_eq "commercial: the credentials file: mode 0600, owned by the unit's user" \
	"$(stat -c '%a %u %g' "$CFG/credentials")" "600 4242 4343"
check_eq "commercial: ... holds user name and password, one per line" \
	"$(cat "$CFG/credentials")" "$(printf 'alice\ns3cret-Pa55')"
check_fails "commercial: the password is never shown" grep -q 'Pa55' "$TMP/out"
f=$(cat "$CFG/qubes-vpn.conf")
check_contains "commercial: the change is marked in the file" "$f" \
	"# qubes-vpn-configurator commented out (runs programs, or lets them control OpenVPN; only the qubes-vpn hooks may): up /etc/openvpn/update-resolv-conf"
check_eq "commercial: auth-user-pass points at the file, with the old line in a comment" \
	"$(sed -n 19p "$CFG/qubes-vpn.conf")" "auth-user-pass credentials # qubes-vpn-configurator: was 'auth-user-pass'"
check_eq "commercial: line numbers are kept (one line for one)" \
	"$(wc -l <"$CFG/qubes-vpn.conf")" "$(wc -l <"$TMP/in/commercial.ovpn")"
check_eq "commercial: the inline tls-crypt key is untouched" \
	"$(sed -n '/^<tls-crypt>$/,/^<\/tls-crypt>$/p' "$CFG/qubes-vpn.conf" | sed '1d;$d')" "$(cat "$PKI/tls-crypt.key")"
check_eq "the written configuration: mode 0640, root, group qubes-vpn" \
	"$(stat -c '%a %u %g' "$CFG/qubes-vpn.conf")" "640 0 4343"
check_eq "no temporary file is left (the dry run's directory is empty)" \
	"$(ls -A "$CFG" "$CFG/.dry-run" | tr '\n' ' ')" "$CFG: .dry-run credentials qubes-vpn.conf  $CFG/.dry-run: "
check_eq "the dry run's directory: mode 0750, root, group qubes-vpn" "$(stat -c '%a %u %g' "$CFG/.dry-run")" "750 0 4343"
: >"$TMP/stdin"
check "importing the written file again: accepted" qv --import "$CFG/qubes-vpn.conf"
check_contains "... with nothing left to change (and the stored credentials kept)" "$(out)" "(0 changes, 0 warnings)"
check "--check on it" qv --check
check_contains "... finds nothing to say" "$(out)" "0 warnings"

check "openvpn-install style (block-outside-dns): imported" qv --import "$TMP/in/openvpn-install.ovpn"
o=$(out)
check_contains "openvpn-install: block-outside-dns is commented out as Windows-only" "$o" \
	"line 22: commented out 'block-outside-dns': Windows-only; OpenVPN on Linux refuses to start with it"
check_contains "openvpn-install: so is setenv opt block-outside-dns" "$o" \
	"line 23: commented out 'setenv opt block-outside-dns': Windows-only"
check_contains "openvpn-install: accepted, 2 changes" "$o" "replaced: OpenVPN accepts it (2 changes, 0 warnings)"
check_eq "openvpn-install: the inline key is untouched" \
	"$(sed -n '/^<key>$/,/^<\/key>$/p' "$CFG/qubes-vpn.conf" | sed '1d;$d')" "$(cat "$PKI/client.key")"
check_fails "openvpn-install: an address in remote gets no host name note" grep -q 'host name' "$TMP/out"

check "comp-lzo and cipher only: imported" qv --import "$TMP/in/comp-lzo.ovpn"
check_contains "comp-lzo: nothing to change, accepted" "$(out)" "OpenVPN accepts it (0 changes, 0 warnings)"
check_eq "comp-lzo: the file is the provider's, byte for byte" "$(conf_sum)" \
	"$(sha256sum <"$TMP/in/comp-lzo.ovpn")"

check "several remotes, remote-random: imported" qv --import "$TMP/in/multi-remote.ovpn"
o=$(out)
check_contains "multi-remote: redirect-gateway is commented out (qubes-vpn routes)" "$o" \
	"line 13: commented out 'redirect-gateway def1 bypass-dhcp': qubes-vpn routes all traffic"
check_contains "multi-remote: accepted, 1 change" "$o" "(1 change, 0 warnings)"
check_eq "multi-remote: the remote lines are all kept" "$(grep -c '^remote ' "$CFG/qubes-vpn.conf")" 3

check "hostile: imported" qv --import "$TMP/in/hostile.ovpn"
o=$(out)
# at TEXT: the line number of TEXT in the hostile file.
at() { grep -nxF -- "$1" "$TMP/in/hostile.ovpn" | head -1 | cut -d: -f1; }
for what in "up \"/bin/sh -c 'touch $MARK.up'\"" '"route-up" /bin/sh' '--ipchange /bin/sh' \
	"setenv opt down \"/bin/sh -c 'touch $MARK.down'\"" "tls-verify \"/bin/sh -c 'touch $MARK.tls'\"" \
	"$(grep '^plugin ' "$TMP/in/hostile.ovpn")" 'script-security 3' 'management 0.0.0.0 7505' \
	management-hold 'setenv PATH /tmp'; do
	check_contains "hostile: $what: commented out" "$o" \
		"line $(at "$what"): commented out '$what': runs programs, or lets them control OpenVPN"
done
for what in daemon 'user nobody' 'group nogroup' "log $MARK.log" "writepid $MARK.pid"; do
	check_contains "hostile: $what: commented out (the unit's job)" "$o" \
		"line $(at "$what"): commented out '$what': the unit runs OpenVPN unprivileged"
done
for what in route-nopull 'pull-filter ignore "dhcp-option DNS"'; do
	check_contains "hostile: $what: commented out (it hides the VPN's DNS)" "$o" \
		"line $(at "$what"): commented out '$what': would keep what the server pushes (DNS servers"
done
check_contains "hostile: accepted with 17 changes" "$o" "OpenVPN accepts it (17 changes, 0 warnings)"
check_eq "hostile: nothing it asked for ran or was written, in the import or the dry run" \
	"$(ls -A "$TMP/mark")" ""
# option_names FILE: the first word of each option line, inline blocks skipped.
option_names() {
	awk '/^<[a-z-]+>$/ { skip = 1 } /^<\/[a-z-]+>$/ { skip = 0; next } !skip && !/^[#;]/ && NF { print $1 }' "$1" | sort -u | tr '\n' ' '
}
check_eq "hostile: what is left are the harmless options" "$(option_names "$CFG/qubes-vpn.conf")" \
	"client dev nobind proto remote remote-cert-tls "
check "... and --check finds nothing to remove" qv --check
check_contains "... (0 warnings)" "$(out)" "0 warnings"

# ---- refused: the old configuration stays ----
provider_config commercial "$PKI" 1194 "$MARK" >"$TMP/in/good.ovpn"
printf 'bob\npw\n' >"$TMP/stdin"
qv --import "$TMP/in/good.ovpn" --credentials-from -
good=$(conf_sum)
: >"$TMP/stdin"
sed 's/^auth-nocache$/auth-nocache please/' "$TMP/in/good.ovpn" >"$TMP/in/broken.ovpn"
dir_time=$(stat -c %y "$CFG")
check_fails "a configuration OpenVPN refuses: import fails" qv --import "$TMP/in/broken.ovpn"
o=$(out)
check_contains "... OpenVPN's reason is passed on" "$o" "openvpn: Options error:"
check_contains "... and the line is named, in the user's file" "$o" \
	"line 20 of $TMP/in/broken.ovpn: auth-nocache please"
check_contains "... said plainly" "$o" "OpenVPN refuses the new configuration: nothing replaced"
check_eq "... the working configuration is kept" "$(conf_sum)" "$good"
check_eq "... no temporary file is left" "$(ls -A "$CFG" "$CFG/.dry-run" | tr '\n' ' ')" \
	"$CFG: .dry-run credentials qubes-vpn.conf  $CFG/.dry-run: "
check_eq "... the directory the unit's path watch sees never changed" "$(stat -c %y "$CFG")" "$dir_time"
# Past option parsing: a certificate OpenVPN cannot load.
awk '/^<ca>$/ { print; print "-----BEGIN CERTIFICATE-----"; print "bm90IGEgY2VydGlmaWNhdGU="; print "-----END CERTIFICATE-----"; skip = 1; next } /^<\/ca>$/ { skip = 0 } !skip' \
	"$TMP/in/good.ovpn" >"$TMP/in/badca.ovpn"
check_fails "a CA certificate OpenVPN cannot load: refused" qv --import "$TMP/in/badca.ovpn"
check_contains "... in OpenVPN's words" "$(out)" "openvpn: Cannot load CA certificate file [[INLINE]]"
check_eq "... the working configuration is kept" "$(conf_sum)" "$good"

rmdir "$CFG/.dry-run"
mkdir "$TMP/elsewhere"
ln -s "$TMP/elsewhere" "$CFG/.dry-run"
check_fails "the dry run's directory a symlink: refused" qv --import "$TMP/in/good.ovpn"
check_contains "... said" "$(out)" "preparing the dry run in $CFG/.dry-run: Not a directory"
check_eq "... nothing written through it" "$(ls -A "$TMP/elsewhere")" ""
check_eq "... the working configuration is kept" "$(conf_sum)" "$good"
rm "$CFG/.dry-run"

# refused_input NAME FILE-CONTENT-CMD MESSAGE: hostile input the normaliser refuses.
refused_input() {
	check_fails "$1: refused" qv --import "$TMP/in/x.ovpn"
	check_contains "$1: said" "$(out)" "$2"
	check_eq "$1: the working configuration is kept" "$(conf_sum)" "$good"
}
{ echo client; printf '# %0253d\n' 0; echo 'up /bin/sh'; } >"$TMP/in/x.ovpn"
refused_input "a 255-byte line (OpenVPN would read its end as a line)" \
	"line 2 is longer than 254 bytes"
cp "$CFG/qubes-vpn.conf" "$TMP/saved.conf"
cp "$TMP/in/x.ovpn" "$CFG/qubes-vpn.conf"
check_fails "--check on such a file fails too" qv --check
check_contains "... saying why" "$(out)" "line 2 is longer than 254 bytes"
cp "$TMP/saved.conf" "$CFG/qubes-vpn.conf"
printf 'client\ndev tun\nremote a 1\x00\nup /bin/sh\n' >"$TMP/in/x.ovpn"
refused_input "a NUL byte" "has NUL bytes"
printf 'client\n"up /bin/sh\n' >"$TMP/in/x.ovpn"
refused_input "a quote not closed" "line 2: quotes or backslashes OpenVPN cannot read"
printf 'client\nu\\p /bin/sh\n' >"$TMP/in/x.ovpn"
refused_input "a backslash OpenVPN refuses" "line 2: quotes or backslashes"
printf 'client\ndev tap0\n' >"$TMP/in/x.ovpn"
refused_input "dev tap" "line 2: dev tap0: qubes-vpn works with tun devices only"
printf 'client\ndev-type tap\n' >"$TMP/in/x.ovpn"
refused_input "dev-type tap" "qubes-vpn works with tun devices only"
printf 'client\n<up>\n/bin/sh\n</up>\n' >"$TMP/in/x.ovpn"
refused_input "an inline block of an option that is no file" "line 2: OpenVPN takes no inline <up>"
printf 'client\n<ca>\nup /bin/sh\n' >"$TMP/in/x.ovpn"
refused_input "an inline block never closed" "the inline block that ends with </ca> is not closed"
head -c 300000 /dev/zero | tr '\0' '#' | fold -w 200 >"$TMP/in/x.ovpn"
refused_input "a file over 256 KiB" "larger than 256 KiB"
# Options OpenVPN reads the way we read them: quoted names, --, setenv opt,
# an inline block's end tag with blanks before it, a UTF-8 byte order mark.
{ printf '\xef\xbb\xbf'; provider_config multi-remote "$PKI" 1194 "$MARK" | sed 's/^<\/ca>$/   <\/ca>/'
  echo "'up' /bin/sh"; echo '--down /bin/sh'; echo 'setenv opt route-up /bin/sh'; echo 'u\\\\p x'; } >"$TMP/in/x.ovpn"
qv --import "$TMP/in/x.ovpn"
o=$(out)
check_contains "'up' in quotes is up" "$o" "commented out ''up' /bin/sh'"
check_contains "--down is down" "$o" "commented out '--down /bin/sh'"
check_contains "setenv opt route-up is route-up" "$o" "commented out 'setenv opt route-up /bin/sh'"
check_contains "an escaped backslash makes another option, which OpenVPN refuses" "$o" "openvpn: Options error"

# ---- credentials ----
: >"$TMP/stdin"
qv --import "$TMP/in/good.ovpn"
check_contains "stored credentials are used again without asking" "$(out)" \
	"using $CFG/credentials, stored before (--credentials replaces it)"
ino=$(stat -c %i "$CFG/credentials")
printf 'carol\nn3w\n' >"$TMP/cred"
check "--credentials --credentials-from FILE: new credentials for the current configuration" \
	qv --credentials --credentials-from "$TMP/cred"
check_eq "... stored" "$(cat "$CFG/credentials")" "$(printf 'carol\nn3w')"
check_eq "... in a new file (written whole, then renamed)" "$([ "$(stat -c %i "$CFG/credentials")" != "$ino" ] && echo yes)" yes
check_eq "... the configuration's line is left as it was" "$(sed -n 19p "$CFG/qubes-vpn.conf")" \
	"auth-user-pass credentials # qubes-vpn-configurator: was 'auth-user-pass'"
before=$(cat "$CFG/credentials")
printf 'dave\n' >"$TMP/stdin"
check_fails "a password missing: refused" qv --credentials --credentials-from -
check_contains "... said" "$(out)" "credentials: missing"
printf 'eve\npass\x1b[2Jword\n' >"$TMP/stdin"
check_fails "control characters in a password: refused" qv --credentials --credentials-from -
check_contains "... said" "$(out)" "with control characters"
check_eq "... the stored credentials are kept" "$(cat "$CFG/credentials")" "$before"
rm -f "$CFG/credentials"
: >"$TMP/stdin"
check_fails "credentials needed, no terminal, no --credentials-from: refused" qv --import "$TMP/in/good.ovpn"
check_contains "... said" "$(out)" "no terminal to ask for the credentials on: use --credentials-from FILE or -"
# Asked on a terminal: the user name is echoed, the password is not.
python3 - "$TMP" "$QV" "$CFG" <<'PY' >"$TMP/tty.out" 2>&1
import os, pty, sys, time
tmp, qv, cfg = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp("unshare", ["unshare", "-m", "sh", "-c",
        'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && shift 2 && exec "$@"',
        "sh", tmp + "/passwd", tmp + "/group", qv, "configurator", "--dir", cfg,
        "--import", tmp + "/in/good.ovpn"])
buf = b""
def until(s, limit=10):
    global buf
    end = time.time() + limit
    while s not in buf and time.time() < end:
        try:
            buf += os.read(fd, 4096)
        except OSError:
            break
for prompt, answer in ((b"User name: ", b"frank\n"), (b"Password: ", b"Hidden-5ecret\n")):
    until(prompt)
    os.write(fd, answer)
until(b"OpenVPN accepts it")
for _ in range(100):   # bounded: 10 s, then it is killed
    if os.waitpid(pid, os.WNOHANG)[0]:
        break
    time.sleep(0.1)
else:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
sys.stdout.write(buf.decode(errors="replace"))
PY
t=$(cat "$TMP/tty.out")
check_contains "on a terminal: asked for the user name, which is echoed" "$t" "User name: frank"
check_contains "... then the password" "$t" "Password: "
check_fails "... which is not echoed" grep -q 'Hidden-5ecret' "$TMP/tty.out"
check_eq "... and stored" "$(cat "$CFG/credentials")" "$(printf 'frank\nHidden-5ecret')"

# A passphrase-protected key: askpass without a file.
openssl pkey -in "$PKI/client.key" -aes256 -passout pass:k3y-Phrase -out "$TMP/enc.key"
awk -v enc="$TMP/enc.key" '/^<key>$/ { print; while ((getline l <enc) > 0) print l; skip = 1; next }
	/^<\/key>$/ { skip = 0 } !skip' "$TMP/in/openvpn-install.ovpn" >"$TMP/in/askpass.ovpn"
echo askpass >>"$TMP/in/askpass.ovpn"
n=$(wc -l <"$TMP/in/askpass.ovpn")
printf 'wrong\n' >"$TMP/stdin"
good=$(conf_sum)
check_fails "askpass, a wrong passphrase: OpenVPN cannot load the key, refused" \
	qv --import "$TMP/in/askpass.ovpn" --credentials-from -
check_contains "... in its words" "$(out)" "openvpn: Cannot load private key file [[INLINE]]"
check_eq "... the working configuration is kept" "$(conf_sum)" "$good"
printf 'k3y-Phrase\n' >"$TMP/stdin"
check "askpass, the right passphrase: imported" qv --import "$TMP/in/askpass.ovpn" --credentials --credentials-from -
check_contains "... askpass reads the stored passphrase" "$(out)" \
	"line $n: 'askpass' now reads $CFG/passphrase (mode 0600, owned by qubes-vpn)"
check_contains "... and OpenVPN, loading the key with it, accepts it" "$(out)" "OpenVPN accepts it"
check_eq "... the passphrase file: mode 0600, the unit's user" "$(stat -c '%a %u %g' "$CFG/passphrase")" "600 4242 4343"
check_eq "... holding the passphrase" "$(cat "$CFG/passphrase")" k3y-Phrase
check_fails "... never shown" grep -q 'k3y-Phrase' "$TMP/out"

good=$(conf_sum)
check_fails "--credentials for a configuration that asks for none: refused" \
	qv --import "$TMP/in/comp-lzo.ovpn" --credentials
check_contains "... said" "$(out)" "--credentials: the configuration asks for none"
check_eq "... the configuration is kept" "$(conf_sum)" "$good"

# ---- the dry run itself, seen by a stand-in openvpn ----
mkdir -p "$TMP/fake" "$TMP/rec"
chmod 777 "$TMP/rec"
cat >"$TMP/fake/openvpn" <<FAKE
#!/bin/sh
id -u >$TMP/rec/uid
id -G >$TMP/rec/groups
env | sort >$TMP/rec/env
sed 1,2d /proc/net/dev | cut -d: -f1 | tr -d ' ' >$TMP/rec/netdev
printf '%s\n' "\$@" >$TMP/rec/argv
[ -e $TMP/fake/hang ] && exec sleep 60
echo 'SIGUSR1[soft,network-unreachable] received, process restarting'
FAKE
chmod 755 "$TMP/fake" "$TMP/fake/openvpn"
QV_PATH=$TMP/fake:/usr/bin:/bin qv --import "$TMP/in/comp-lzo.ovpn"
check_eq "dry run: as the unit's user" "$(cat "$TMP/rec/uid")" 4242
check_eq "dry run: with its group only" "$(cat "$TMP/rec/groups")" 4343
check_eq "dry run: a minimal environment" "$(grep -v '^PWD=' "$TMP/rec/env" | tr '\n' ' ')" \
	"LANG=C PATH=/usr/sbin:/usr/bin:/sbin:/bin "
check_eq "dry run: no network but loopback" "$(tr '\n' ' ' <"$TMP/rec/netdev")" "lo "
# The options our unit adds, read from the unit, with the hooks and the
# configuration directory replaced as the dry run replaces them.
unit_opts=$(sed -n 's/^ExecStart=[^ ]* //p' "$TOP/units/qubes-vpn.service" |
	sed "s|/usr/sbin/qubes-vpn-[a-z]*|HOOK|g; s|/rw/config/qubes-vpn|$CFG|; s|--config qubes-vpn.conf|--config NEW|")
got_opts=$(sed -n '1,/^--persist-tun$/p' "$TMP/rec/argv" | tr '\n' ' ' |
	sed "s|$(readlink -f "$QV")|HOOK|g; s|$CFG/.dry-run/qubes-vpn.conf|NEW|; s| $||")
check_eq "dry run: the unit's options, its hooks this binary, the configuration's directory its working directory" \
	"$got_opts" "$unit_opts"
check_eq "dry run: its copy is gone" "$(ls -A "$CFG/.dry-run")" ""
touch "$TMP/fake/hang"
good=$(conf_sum)
start=$SECONDS
QV_PATH=$TMP/fake:/usr/bin:/bin
check_fails "dry run: an openvpn that never gets anywhere is refused" qv --import "$TMP/in/multi-remote.ovpn"
check_contains "... after its time limit, said" "$(out)" "OpenVPN did not finish reading it within 10 s"
check "... which bounds it (10 s)" [ $((SECONDS - start)) -le 12 ]
check_eq "... the configuration is kept" "$(conf_sum)" "$good"
rm "$TMP/fake/hang"
printf '#!/bin/sh\necho "Options error: no"\n' >"$TMP/fake/openvpn"
check_fails "dry run: an openvpn that exits at once refuses" qv --import "$TMP/in/multi-remote.ovpn"
QV_PATH=/nonexistent
check_fails "dry run: no openvpn at all: refused" qv --import "$TMP/in/multi-remote.ovpn"
check_contains "... said" "$(out)" "openvpn is not installed"
check_eq "... the configuration is kept" "$(conf_sum)" "$good"
unset QV_PATH

finish
