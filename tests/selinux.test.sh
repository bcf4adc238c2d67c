#!/bin/bash
# selinux.test.sh - the SELinux policy module for Fedora templates
# (selinux/qubes-vpn.te): it builds (`make selinux`, the reference policy
# headers), and the compiled module, read back as CIL (the form semodule
# loads), holds every transition, rule and file context the design needs
# (selinux/ANALYSIS.md) and no more than it needs for the hooks' domain.
# Copies of the module with one rule removed or widened are built and
# caught, so each check is shown to fail when its rule is gone.
. "$(dirname "$0")/lib.sh"

DEVEL=${SELINUX_DEVEL:-/usr/share/selinux/devel/Makefile}
PP2CIL=/usr/libexec/selinux/hll/pp

# build DIR: compile DIR/qubes-vpn.{te,if,fc}; DIR/rules gets one line
# per fact: "allow SRC TGT CLASS PERM", "typetransition SRC TGT CLASS NEW",
# "attr ATTRIBUTE TYPE", "type T", "roletype ROLE T", "filecon PATH KIND T".
build() {
	make -s -C "$1" -f "$DEVEL" qubes-vpn.pp >"$1/build.log" 2>&1 &&
		"$PP2CIL" "$1/qubes-vpn.pp" "$1/qubes-vpn.cil" 2>/dev/null &&
		cil_facts <"$1/qubes-vpn.cil" | LC_ALL=C sort -u >"$1/rules"
}

cil_facts() {
	awk '$1 == "(filecon" { print "filecon", $2, $3, $6; next }
	{
		line = $0
		gsub(/[()]/, " ", line)
		n = split(line, f, " ")
		if (f[1] == "allow")
			for (i = 5; i <= n; i++) print "allow", f[2], f[3], f[4], f[i]
		else if (f[1] == "typetransition" && n == 5)
			print "typetransition", f[2], f[3], f[4], f[5]
		else if (f[1] == "typeattributeset" && f[2] != "cil_gen_require")
			for (i = 3; i <= n; i++) print "attr", f[2], f[i]
		else if (f[1] == "type")
			print "type", f[2]
		else if (f[1] == "roletype")
			print "roletype", f[2], f[3]
	}'
}

# The requirements, one per line: NAME<TAB>facts that must all be present
# (separated by ";"; "allow S T C P1 P2" stands for one line per P).
REQUIRED=$(cat <<'EOF'
the hooks' domain qubes_vpn_t is a domain of role system_r	type qubes_vpn_t; attr domain qubes_vpn_t; roletype system_r qubes_vpn_t
qubes_vpn_exec_t is an executable file type	type qubes_vpn_exec_t; attr exec_type qubes_vpn_exec_t; attr file_type qubes_vpn_exec_t
the run directory type is a runtime file type	type qubes_vpn_var_run_t; attr pidfile qubes_vpn_var_run_t; attr file_type qubes_vpn_var_run_t
OpenVPN running the binary enters qubes_vpn_t	typetransition openvpn_t qubes_vpn_exec_t process qubes_vpn_t; allow openvpn_t qubes_vpn_t process transition; allow qubes_vpn_t qubes_vpn_exec_t file entrypoint; allow openvpn_t qubes_vpn_exec_t file execute open read getattr
... also under no_new_privs and nosuid	allow openvpn_t qubes_vpn_t process2 nnp_transition nosuid_transition
... and can wait for the hook	allow qubes_vpn_t openvpn_t process sigchld; allow qubes_vpn_t openvpn_t fd use
systemd enters openvpn_t under no_new_privs	allow init_t openvpn_t process2 nnp_transition nosuid_transition
systemd running the binary enters unconfined_service_t, as for bin_t	typetransition init_t qubes_vpn_exec_t process unconfined_service_t; allow init_t unconfined_service_t process transition; allow unconfined_service_t qubes_vpn_exec_t file entrypoint; allow init_t qubes_vpn_exec_t file execute open read getattr
hooks: CAP_NET_ADMIN	allow qubes_vpn_t self capability net_admin
hooks: capget	allow qubes_vpn_t self process getcap
hooks: rtnetlink (routes, rules, links, SIOCGIFINDEX)	allow qubes_vpn_t self netlink_route_socket create bind getattr setopt ioctl read write nlmsg_read nlmsg_write
hooks: nfnetlink (nf_tables, conntrack, SO_NETNS_COOKIE)	allow qubes_vpn_t self netlink_netfilter_socket create bind getattr setopt getopt read write
hooks: if_nametoindex	allow qubes_vpn_t self unix_dgram_socket create ioctl
hooks: nf_conntrack_count (net sysctls)	allow qubes_vpn_t sysctl_net_t file read open; allow qubes_vpn_t sysctl_net_t dir search; allow qubes_vpn_t sysctl_t dir search; allow qubes_vpn_t proc_t dir search
hooks: the run directory	allow qubes_vpn_t var_run_t dir search; allow qubes_vpn_t qubes_vpn_var_run_t dir search write add_name remove_name; allow qubes_vpn_t qubes_vpn_var_run_t file create open read write append getattr lock rename unlink
hooks: QubesDB's socket	allow qubes_vpn_t var_t dir search; allow qubes_vpn_t var_run_t lnk_file read; allow qubes_vpn_t qubes_var_run_t dir search; allow qubes_vpn_t qubes_qubesdb_socket_t sock_file write; allow qubes_vpn_t qubes_qubesdb_daemon_t unix_stream_socket connectto; allow qubes_vpn_t self unix_stream_socket create connect getopt read write
hooks: stdio from systemd and the journal	allow qubes_vpn_t init_t fd use; allow qubes_vpn_t init_t unix_stream_socket write append getattr ioctl; allow qubes_vpn_t null_device_t chr_file read write open; allow qubes_vpn_t device_t dir search
file context: /usr/sbin/qubes-vpn	filecon "/usr/sbin/qubes-vpn" file qubes_vpn_exec_t
file context: /usr/bin/qubes-vpn (Fedora 42 aliases /usr/sbin to it)	filecon "/usr/bin/qubes-vpn" file qubes_vpn_exec_t
file context: /run/qubes-vpn	filecon "/run/qubes-vpn(/.*)?" any qubes_vpn_var_run_t
file context: /var/run/qubes-vpn (older policies' canonical path)	filecon "/var/run/qubes-vpn(/.*)?" any qubes_vpn_var_run_t
file context: /rw/config/qubes-vpn is OpenVPN's configuration	filecon "/rw/config/qubes-vpn(/.*)?" any openvpn_etc_t
EOF
)

# What qubes_vpn_t must not get: awk conditions on the allow lines
# ($2 source, $3 target, $4 class, $5 permission) that must match nothing.
FORBIDDEN=$(cat <<'EOF'
hooks: no capability but net_admin	$2 == "qubes_vpn_t" && $4 ~ /^(capability|capability2|cap_userns|cap2_userns)$/ && $5 != "net_admin"
hooks: run no other program	$2 == "qubes_vpn_t" && $4 == "file" && ($5 == "execute_no_trans" || ($5 == "execute" && $3 != "qubes_vpn_exec_t"))
hooks: no network sockets, no other netlink families	$2 == "qubes_vpn_t" && $4 ~ /_socket$/ && $4 !~ /^(netlink_route_socket|netlink_netfilter_socket|unix_dgram_socket|unix_stream_socket)$/
hooks: write no file outside the run directory	$2 == "qubes_vpn_t" && $4 == "file" && $5 ~ /^(write|append|create|unlink|rename|setattr|link)$/ && $3 != "qubes_vpn_var_run_t"
hooks: change no directory outside the run directory	$2 == "qubes_vpn_t" && $4 == "dir" && $5 ~ /^(write|add_name|remove_name|create|rmdir|reparent|rename)$/ && $3 != "qubes_vpn_var_run_t"
hooks: create no process and no pipe of their own (they only record)	$2 == "qubes_vpn_t" && ($3 == "self" || $3 == "qubes_vpn_t") && (($4 == "process" && $5 == "fork") || $4 == "fifo_file")
hooks: no transition to another domain	$2 == "qubes_vpn_t" && $4 == "process" && $5 ~ /^(transition|dyntransition|setexec|setcurrent)$/
EOF
)

# verdicts DIR: "PASS<TAB>NAME" or "FAIL<TAB>NAME" for each requirement.
verdicts() {
	local rules=$1/rules name facts fact ok w
	while IFS=$'\t' read -r name facts; do
		ok=PASS
		IFS=';' read -ra list <<<"$facts"
		for fact in "${list[@]}"; do
			read -ra w <<<"$fact"
			if [ "${w[0]}" = allow ]; then
				for p in "${w[@]:4}"; do
					grep -qxF "allow ${w[1]} ${w[2]} ${w[3]} $p" "$rules" || ok=FAIL
				done
			else
				grep -qxF "${w[*]}" "$rules" || ok=FAIL
			fi
		done
		printf '%s\t%s\n' "$ok" "$name"
	done <<<"$REQUIRED"
	while IFS=$'\t' read -r name cond; do
		if awk '$1 == "allow" && ('"$cond"') { found = 1 } END { exit !found }' "$rules"; then
			printf 'FAIL\t%s\n' "$name"
		else
			printf 'PASS\t%s\n' "$name"
		fi
	done <<<"$FORBIDDEN"
}

# ---- the module as `make selinux` builds it (what the rpm ships) ----
check "make selinux builds build/selinux/qubes-vpn.pp" quiet make -s -C "$TOP" selinux
mkdir -p "$TMP/shipped"
cp "$TOP/selinux/qubes-vpn.te" "$TOP/selinux/qubes-vpn.if" "$TOP/selinux/qubes-vpn.fc" "$TMP/shipped/"
check "the module builds with the reference policy headers" build "$TMP/shipped"
check "... the same module as make selinux's" cmp -s "$TMP/shipped/qubes-vpn.pp" "$TOP/build/selinux/qubes-vpn.pp"
check "its CIL holds rules (the reader works)" [ "$(grep -c '^allow ' "$TMP/shipped/rules")" -gt 20 ]
while IFS=$'\t' read -r verdict name; do
	if [ "$verdict" = PASS ]; then ok "$name"; else not_ok "$name"; fi
done < <(verdicts "$TMP/shipped")

# ---- each check fails when its rule is gone ----
# mutant NAME CHECK SED-SCRIPT [FILE]: build a copy of the module with
# SED-SCRIPT applied to FILE (qubes-vpn.te); the requirement CHECK must fail.
mutant() {
	local name=$1 want=$2 script=$3 file=${4:-qubes-vpn.te} d
	d=$TMP/mutant.$((++MUTANTS))
	mkdir -p "$d"
	cp "$TMP/shipped/qubes-vpn.te" "$TMP/shipped/qubes-vpn.if" "$TMP/shipped/qubes-vpn.fc" "$d/"
	sed -i "$script" "$d/$file"
	if cmp -s "$d/$file" "$TMP/shipped/$file"; then
		not_ok "$name: the edit changed nothing"
		return
	fi
	if ! build "$d"; then
		not_ok "$name: the edited module does not build"
		sed 's/^/#   /' "$d/build.log" | tail -5
		return
	fi
	check_contains "$name" "$(verdicts "$d")" "$(printf 'FAIL\t%s' "$want")"
}
MUTANTS=0
mutant "without the nnp_transition for the hooks, that check fails" "... also under no_new_privs and nosuid" \
	'/^allow openvpn_t qubes_vpn_t:process2/d'
mutant "without the nnp_transition into openvpn_t, that check fails" "systemd enters openvpn_t under no_new_privs" \
	'/^allow init_t openvpn_t:process2/d'
mutant "without OpenVPN's domain transition, that check fails" "OpenVPN running the binary enters qubes_vpn_t" \
	'/^domtrans_pattern(openvpn_t/d'
mutant "without systemd's transition to unconfined_service_t, that check fails" \
	"systemd running the binary enters unconfined_service_t, as for bin_t" '/domtrans_pattern(init_t/d'
mutant "without the netlink_netfilter rule, that check fails" "hooks: nfnetlink (nf_tables, conntrack, SO_NETNS_COOKIE)" \
	'/self:netlink_netfilter_socket/d'
mutant "without nlmsg_write on rtnetlink, that check fails" "hooks: rtnetlink (routes, rules, links, SIOCGIFINDEX)" \
	'/self:netlink_route_socket/s/ nlmsg_write//'
mutant "without net_admin, that check fails" "hooks: CAP_NET_ADMIN" '/self:capability net_admin/d'
mutant "without the QubesDB rules, that check fails" "hooks: QubesDB's socket" '/^\tstream_connect_pattern/d'
mutant "without the run directory rules, that check fails" "hooks: the run directory" '/^manage_files_pattern/d'
mutant "without the net sysctls, that check fails" "hooks: nf_conntrack_count (net sysctls)" '/^kernel_read_net_sysctls/d'
mutant "without the journal socket, that check fails" "hooks: stdio from systemd and the journal" \
	'/init_t:unix_stream_socket/d'
mutant "with a second capability, the net_admin-only check fails" "hooks: no capability but net_admin" \
	's/self:capability net_admin;/self:capability { net_admin net_raw };/'
mutant "allowed to fork, the no-process check fails" "hooks: create no process and no pipe of their own (they only record)" \
	's/self:process getcap;/self:process { fork getcap };/'
mutant "with a TCP socket, the no-network check fails" "hooks: no network sockets, no other netlink families" \
	'$a allow qubes_vpn_t self:tcp_socket create;'
mutant "running shells, the no-other-program check fails" "hooks: run no other program" \
	'$a corecmd_exec_shell(qubes_vpn_t)'
mutant "writing /etc, the run-directory-only check fails" "hooks: write no file outside the run directory" \
	'$a files_manage_etc_files(qubes_vpn_t)'
mutant "without the /usr/bin file context, that check fails" \
	"file context: /usr/bin/qubes-vpn (Fedora 42 aliases /usr/sbin to it)" '\|^/usr/bin/qubes-vpn|d' qubes-vpn.fc
mutant "without the configuration's file context, that check fails" \
	"file context: /rw/config/qubes-vpn is OpenVPN's configuration" '\|^/rw/config/qubes-vpn|d' qubes-vpn.fc

finish
