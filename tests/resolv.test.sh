#!/bin/bash
# resolv.test.sh - qubes-vpn-resolv on its own, against a scratch resolv.conf
# (QUBES_VPN_RESOLV_CONF) and run directory: what it writes for each state,
# how it treats a state file it cannot trust (the hooks' user writes it; this
# runs as root), symlinks on both sides, and that an unchanged file is left
# alone. Qubes' programs are absent here, so only the file is checked; the
# end-to-end test runs the whole step on Qubes' own code.
. "$(dirname "$0")/lib.sh"

R=$TMP/resolv.conf
S=$TMP/run/state
mkdir -p "$TMP/run"
# No QubesDB here: a socket path that does not exist, never the host's.
export QUBES_VPN_RESOLV_CONF=$R QUBES_VPN_QUBESDB_SOCK=$TMP/no-qubesdb.sock
run() { "$QV" resolv >"$TMP/out" 2>&1; }
names() { sed -n 's/^nameserver //p' "$R" | tr '\n' ' '; }
NETVM="10.139.1.1 10.139.1.2 "

printf 'state=connected\ndev=tun0\nserver=192.0.2.1\ndns=10.8.0.1, fd00:8::1\n' >"$S"
check "connected: runs" run
check_eq "connected: the VPN's servers, both families" "$(names)" "10.8.0.1 fd00:8::1 "
check_contains "... and the file says who wrote it" "$(head -1 "$R")" "qubes-vpn-resolv"

printf 'state=blocked\n' >"$S"
run
check_eq "blocked: the NetVM's resolvers (the defaults without QubesDB)" "$(names)" "$NETVM"
check_contains "... and the fallback is logged, naming the key" "$(cat "$TMP/out")" \
	"QubesDB /qubes-primary-dns: cannot connect"
ino=$(stat -c %i "$R")
touch -d @1000000000 "$R"
run
check_eq "unchanged: the file is not rewritten" "$(stat -c %Y "$R")" 1000000000
check_eq "... nor replaced" "$(stat -c %i "$R")" "$ino"

rm -f "$S"
run
check_eq "no state file: the NetVM's resolvers" "$(names)" "$NETVM"

printf 'state=connected\ndns=\n' >"$S"
run
check_eq "connected without usable DNS: no nameserver at all" "$(names)" ""

printf 'state=connected\ndns=10.8.0.1, 10.8.0.1;nameserver 6.6.6.6\n' >"$S"
run
check_eq "a DNS entry that is not a literal: not connected, the NetVM's" "$(names)" "$NETVM"
check_fails "... nothing of it reaches the file" grep -q 6.6.6.6 "$R"
check_contains "... said without echoing it" "$(cat "$TMP/out")" "not an IP address"

printf 'state=connected\ndns=010.8.0.1\n' >"$S"
run
check_eq "an octal-looking address is refused too" "$(names)" "$NETVM"

printf 'state=connected\ndns=10.8.0.1, 10.8.0.2, 10.8.0.3, 10.8.0.4, 10.8.0.5, 10.8.0.6\n' >"$S"
run
check_eq "more than four servers: the first four" "$(names)" "10.8.0.1 10.8.0.2 10.8.0.3 10.8.0.4 "

printf 'state=connected\ndns=10.8.0.1\n' >"$TMP/elsewhere"
rm -f "$S"
ln -s "$TMP/elsewhere" "$S"
run
check_eq "a symlinked state file is not followed: not connected" "$(names)" "$NETVM"
rm -f "$S"
mkdir "$S"
run
check_eq "a state 'file' that is a directory: not connected" "$(names)" "$NETVM"
rmdir "$S"

head -c 5000 /dev/zero | tr '\0' 'x' >"$S"
run
check_eq "a huge garbled state file: not connected" "$(names)" "$NETVM"
# 1023 bytes (what fits) end inside the address: "... dns=10.8.0.1|2".
{ printf 'state=connected\n#'; head -c 993 /dev/zero | tr '\0' 'x'; printf '\ndns=10.8.0.12\n'; } >"$S"
check_eq "(the next case's file, cut where it would be read, ends in an address that still parses)" \
	"$(head -c 1023 "$S" | tail -c 8)" "10.8.0.1"
run
check_eq "a state file too long to read whole: not connected (no cut address used)" "$(names)" "$NETVM"

# resolv.conf a symlink (systemd-resolved's stub): replaced by a file, as
# Qubes' setup-ip does; the link's target is untouched.
printf 'nameserver 127.0.0.53\n' >"$TMP/stub"
rm -f "$R"
ln -s "$TMP/stub" "$R"
printf 'state=connected\ndns=10.8.0.1\n' >"$S"
run
check "a symlinked resolv.conf is replaced by a regular file" [ -f "$R" ] && [ ! -L "$R" ]
check_eq "... naming the VPN's server" "$(names)" "10.8.0.1 "
check_eq "... and the link's target is untouched" "$(cat "$TMP/stub")" "nameserver 127.0.0.53"

check_eq "--help" "$("$QV" resolv --help | head -1)" "Usage: qubes-vpn-resolv"
"$QV" resolv extra >/dev/null 2>&1
check_eq "an argument is a usage error" "$?" 2
chmod 0444 "$R"
printf 'state=blocked\n' >"$S"
setpriv --reuid=65534 --regid=65534 --clear-groups "$QV" resolv >"$TMP/out" 2>&1
check_eq "without the right to write resolv.conf it fails" "$?" 1
check_contains "... with one line naming the file and the reason" "$(cat "$TMP/out")" \
	"writing $R: Permission denied"
finish
