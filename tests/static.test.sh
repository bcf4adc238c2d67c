#!/bin/bash
# static.test.sh - the release binary, `make static LIBMNL_SRC=...`: built
# from two copies of the tree at different paths, with libmnl from two
# different paths and from a tarball, it is the same bytes every time; it
# is statically linked and within its size limit; a missing or wrong
# LIBMNL_SRC is said plainly, and the libmnl tree is never written to.
. "$(dirname "$0")/lib.sh"

# The limit for the stripped binary, in bytes: issue 14's 120 KB, read
# as 120,000 so that it holds whichever KB is meant. Issue 14 set it for
# the OpenVPN gateway (116,360 bytes then); WireGuard (issue 16) took it to
# 140,968; lld's layout, musl's pieces a single-threaded program needs
# none of left out (lib/static/) to 128,264; then the --help texts packed
# (lib/help.h), the program started by musl's crt1.o alone, and musl's
# socket, pipe2, fchmod, fchown, sleep and usleep as the system calls
# themselves, our own inet_pton: 119,624 bytes (lib/static/relro.c
# included). The file grows in 4 KiB pages (read-only data
# with the headers, then the code, each on pages of its own: -z
# separate-code keeps read-only data out of the executable mapping):
# 8 pages of the first (31,784 bytes used), 21 of code (85,662 used, 354
# left; our inet_pton took the place of musl's, 368 bytes less), then
# 840 bytes of data and section headers. 120,000 is those 29 pages and
# 1,216 bytes: a page more of either does not fit (README, Building:
# "Size").
SIZE_LIMIT=120000

if [ -z "${LIBMNL_SRC:-}" ] || [ ! -e "$LIBMNL_SRC" ]; then
	not_ok "LIBMNL_SRC names a libmnl release (make check passes it)"
	finish
	exit 1
fi

# copy_tree DIR: the tracked files of the working tree, as they are now.
copy_tree() {
	mkdir -p "$1"
	(cd "$TOP" && git ls-files -z | tar --null -cf - -T -) | tar -xf - -C "$1"
}

# build DIR MNL: make static in DIR with LIBMNL_SRC=MNL; prints the sha256.
build() {
	make -s -C "$1" static LIBMNL_SRC="$2" >"$TMP/build.log" 2>&1 || { sed 's/^/#   /' "$TMP/build.log" >&2; return 1; }
	sha256sum <"$1/build/static/qubes-vpn" | cut -d' ' -f1
}

A=$TMP/a
B=$TMP/somewhere/much/deeper/b
copy_tree "$A"
copy_tree "$B"
# A second libmnl tree at another path, and a tarball of it.
M2=$TMP/elsewhere/libmnl-copy
mkdir -p "$M2"
if [ -d "$LIBMNL_SRC" ]; then
	cp -r "$LIBMNL_SRC/." "$M2/"
	chmod -R u+w "$M2"
	tar -C "$(dirname "$M2")" -cjf "$TMP/libmnl.tar.bz2" "$(basename "$M2")"
else
	tar -xf "$LIBMNL_SRC" -C "$M2" --strip-components=1
	cp "$LIBMNL_SRC" "$TMP/libmnl.tar.bz2"
fi
before=$(cd "$M2" && find . | LC_ALL=C sort)

start=$(date +%s%N)
sha_a=$(build "$A" "$LIBMNL_SRC")
check "make static builds (copy A)" [ -n "$sha_a" ]
echo "# make static took $((($(date +%s%N) - start) / 1000000)) ms"
sha_b=$(build "$B" "$M2")
check "make static builds (copy B, libmnl at another path)" [ -n "$sha_b" ]
check_eq "two checkouts, two libmnl paths: the same sha256" "$sha_b" "$sha_a"
check_eq "the libmnl tree is not written to" "$(cd "$M2" && find . | LC_ALL=C sort)" "$before"
sha_t=$(build "$B" "$TMP/libmnl.tar.bz2")
check_eq "libmnl from a release tarball: the same sha256" "$sha_t" "$sha_a"
echo "# sha256 $sha_a"

bin=$A/build/static/qubes-vpn
check "the binary exists" [ -x "$bin" ]
check_contains "file: statically linked" "$(file -b "$bin")" "statically linked"
check_contains "file: stripped" "$(file -b "$bin")" ", stripped"
check_eq "no program interpreter, no dynamic section" \
	"$(readelf -lW "$bin" | grep -c -e INTERP -e DYNAMIC)" 0
size=$(stat -c %s "$bin")
echo "# size $size bytes (limit $SIZE_LIMIT)"
check "stripped size within $SIZE_LIMIT bytes" [ "$size" -le "$SIZE_LIMIT" ]
check_contains "the static binary runs its applets" "$("$bin" --help)" "forwarding"

# RELRO applied (lib/static/relro.c): no dynamic linker makes the
# PT_GNU_RELRO page read-only in a static program. An applet waiting on
# its stdin (notify-receive, a FIFO nobody writes yet) shows its mapping.
relro=$(readelf -lW "$bin" | awk '$1 == "GNU_RELRO" { print $3 }')
relro=$(printf '%x' $((relro & ~4095)))
mkfifo "$TMP/relro.fifo"
QREXEC_REMOTE_DOMAIN=test-vm "$bin" notify-receive <"$TMP/relro.fifo" >/dev/null 2>&1 &
pid=$!
exec 7>"$TMP/relro.fifo"
wait_until 5 grep -q "^0*$relro-" "/proc/$pid/maps"
perm=$(awk -v a="$relro" '{ split($1, r, "-"); sub(/^0+/, "", r[1]) } r[1] == a { print $2 }' "/proc/$pid/maps")
exec 7>&-
wait "$pid" 2>/dev/null
check_eq "the RELRO page (.init_array, .fini_array, .got at 0x$relro) is read-only at run time" \
	"$perm" "r--p"

# The --help texts are packed in the static binary (lib/help.h): every
# applet prints, byte for byte, the text its source holds, as the compiler
# read it (build/static/help/NAME.txt, the text and its NUL); through a
# link and with -h as well.
n=0
for a in $(make -s -C "$TOP" applets); do
	t=$A/build/static/help/$(echo "$a" | tr - _).txt
	[ -s "$t" ] || { not_ok "$a: its text was copied out of the source ($t)"; continue; }
	head -c -1 "$t" >"$TMP/want"
	"$bin" "$a" --help >"$TMP/got" && cmp -s "$TMP/got" "$TMP/want" && n=$((n + 1)) ||
		not_ok "$a --help prints its source's text (cmp: $(cmp "$TMP/got" "$TMP/want" 2>&1))"
	ln -sf "$bin" "$TMP/qubes-vpn-$a"
	"$TMP/qubes-vpn-$a" -h | cmp -s - "$TMP/want" ||
		not_ok "qubes-vpn-$a -h prints its source's text"
done
check "every applet's --help is its source's text ($n of $(make -s -C "$TOP" applets | wc -w))" \
	[ "$n" -eq "$(make -s -C "$TOP" applets | wc -w)" ]
sizes=$(sed -n 's/.*: \([0-9]*\) bytes of text in \([0-9]*\)\..*/\1 \2/p' "$A/build/static/help/helptexts.h")
echo "# --help texts: ${sizes% *} bytes, packed in ${sizes#* }"
packed=no
[ -n "$sizes" ] && [ $((${sizes#* } * 100)) -lt $((${sizes% *} * 60)) ] && packed=yes
check_eq "... packed in less than 60% of their size" "$packed" yes

# The static binary formats with lib/static/printf.c instead of musl's
# printf, and has lib/static/inet.c's inet_ntop: the same calls (every
# conversion the code uses, inet_ntop on many addresses) must print
# exactly what glibc's printf and inet_ntop print.
musl-gcc -std=gnu99 -Os -Wall -Wextra -Wno-format-truncation -I"$TOP/build/kernel-headers" -static \
	-o "$TMP/pc-ours" "$TOP/tests/printf-check.c" "$TOP/lib/static/printf.c" "$TOP/lib/static/inet.c" &&
	cc -std=gnu99 -O2 -Wall -Wextra -Wno-format-truncation -o "$TMP/pc-glibc" "$TOP/tests/printf-check.c"
check "printf-check builds with our printf (musl) and with glibc's" test -x "$TMP/pc-ours" -a -x "$TMP/pc-glibc"
check_eq "our printf prints what glibc's prints (every case in printf-check.c)" \
	"$("$TMP/pc-ours" | sha256sum)" "$("$TMP/pc-glibc" | sha256sum)"
check "... over all its cases (at least 30 lines printed)" [ "$("$TMP/pc-glibc" | wc -l)" -ge 30 ]

# And lib/static/inet.c's inet_pton, a parser of outside text: on the same
# 300,000 texts (tests/inet-check.c) it takes exactly what glibc's takes,
# gives the same bytes and leaves dst alone otherwise. Any difference is
# shown, the first few lines of it.
musl-gcc -std=gnu99 -Os -Wall -Wextra -Werror -I"$TOP/build/kernel-headers" -static \
	-o "$TMP/ic-ours" "$TOP/tests/inet-check.c" "$TOP/lib/static/printf.c" "$TOP/lib/static/inet.c" &&
	cc -std=gnu99 -O2 -Wall -Wextra -Werror -o "$TMP/ic-glibc" "$TOP/tests/inet-check.c"
check "inet-check builds with our inet_pton (musl) and with glibc's" test -x "$TMP/ic-ours" -a -x "$TMP/ic-glibc"
"$TMP/ic-ours" >"$TMP/ic-ours.out"
"$TMP/ic-glibc" >"$TMP/ic-glibc.out"
check_eq "our inet_pton takes and gives what glibc's does (every text in inet-check.c)" \
	"$(sha256sum <"$TMP/ic-ours.out")" "$(sha256sum <"$TMP/ic-glibc.out")"
cmp -s "$TMP/ic-glibc.out" "$TMP/ic-ours.out" ||
	diff -a "$TMP/ic-glibc.out" "$TMP/ic-ours.out" | head -20 | sed 's/^/#   /'
echo "# inet-check: $(wc -l <"$TMP/ic-glibc.out") lines, $(tail -1 "$TMP/ic-glibc.out")"
accepted=$(sed -n 's/^accepted: AF_INET \([0-9]*\) AF_INET6 \([0-9]*\)$/\1 \2/p' "$TMP/ic-glibc.out")
check "... over many accepted texts of each family (over 10,000 each)" \
	test "${accepted% *}" -gt 10000 -a "${accepted#* }" -gt 10000

# Wrong or missing LIBMNL_SRC: exit status 2 and a message naming it.
out=$(make -s -C "$A" static LIBMNL_SRC= 2>&1)
check_eq "no LIBMNL_SRC: status 2" "$?" 2
check_contains "... and says what to set" "$out" "set LIBMNL_SRC to a libmnl release"
out=$(make -s -C "$A" static LIBMNL_SRC="$TMP" 2>&1)
check_eq "LIBMNL_SRC not a libmnl tree: status 2" "$?" 2
check_contains "... and says so" "$out" "is not a libmnl release source tree or tarball"
out=$(make -s -C "$A" static LIBMNL_SRC="$TMP/nonexistent" 2>&1)
check_contains "LIBMNL_SRC missing: says so" "$out" "does not exist"

finish
