#!/usr/bin/python3
"""analyze-fedora.py WITHOUT WITH [OTHER...] - run by analyze-fedora.sh: for
policy roots (Fedora's targeted policy and Qubes' VM modules, without and
with qubes-vpn), the domain each qubes-vpn process runs in and whether each
of its operations is allowed. Prints Markdown; exits 1 if, with qubes-vpn,
any operation is denied or any process lands in another domain than
designed. OTHER roots (e.g. holding a qubes-vpn.pp built elsewhere) must
give exactly the decisions of WITH.

Decisions come from libsepol (selinux.audit2why: the same access vector
computation as the kernel's, with the policy's default booleans and its
constraints); labels from libselinux's selabel_lookup on the store's
file_contexts (with Fedora's and Qubes' path aliases); allowing rules from
setools. Only /usr/bin/python3 has these modules on Debian."""

import glob
import subprocess
import sys

import selinux.audit2why as a2w
import setools

REASONS = {getattr(a2w, n): n.lower() for n in
           ("ALLOW", "BADCOMPUTE", "BADPERM", "BADSCON", "BADTCLASS", "BADTCON",
            "BOOLEAN", "BOUNDS", "CONSTRAINT", "DONTAUDIT", "NOPOLICY", "RBAC",
            "TERULE", "UNKNOWN")}
S_IFREG, S_IFDIR, S_IFSOCK, S_IFCHR, S_IFLNK = 0o100000, 0o040000, 0o140000, 0o020000, 0o120000

# Processes: how each is started. (name, started by, executable path,
# no_new_privs, domain with qubes-vpn as designed)
EXECS = [
    ("OPENVPN", "init_t", "/usr/sbin/openvpn", True, "openvpn_t",
     "systemd starts OpenVPN (qubes-vpn.service, NoNewPrivileges=yes)"),
    ("HOOK", "OPENVPN", "/usr/sbin/qubes-vpn", True, "qubes_vpn_t",
     "OpenVPN runs --up /usr/sbin/qubes-vpn-up, --down ...-down (links to qubes-vpn)"),
    ("FORWARDING", "init_t", "/usr/sbin/qubes-vpn", True, "unconfined_service_t",
     "systemd runs qubes-vpn-forwarding on/off (kill switch unit) and "
     "blackhole (ExecStopPost of qubes-vpn.service), both under no_new_privs"),
    ("RESOLV", "init_t", "/usr/sbin/qubes-vpn", False, "unconfined_service_t",
     "systemd runs qubes-vpn-resolv as root (qubes-vpn-resolv.service, no NNP)"),
    ("RESOLV_DNAT", "RESOLV", "/usr/lib/qubes/qubes-setup-dnat-to-ns", False, "unconfined_service_t",
     "qubes-vpn-resolv runs Qubes' qubes-setup-dnat-to-ns"),
    ("RESOLV_NFT", "RESOLV_DNAT", "/usr/sbin/nft", False, "unconfined_service_t",
     "... which runs nft"),
    ("RESOLV_SYSTEMCTL", "RESOLV", "/usr/bin/systemctl", False, "unconfined_service_t",
     "qubes-vpn-resolv runs systemctl try-reload-or-restart qubes-firewall"),
    ("USER", "unconfined_t", "/usr/sbin/qubes-vpn", False, "unconfined_t",
     "the desktop user (or sudo) runs the configurator, status, the notifier"),
]

# Operations: (process, what, target, class, permissions[, expected]). A
# target is a path (looked up with its file type), "self", "type:TYPE" (an
# object type) or "domain:TYPE" (a process). Expected is "allow" unless
# given: "denied" marks what Fedora's own policy refuses openvpn_t and
# qubes-vpn does not need.
OPS = [
    # OpenVPN itself
    ("OPENVPN", "--cd /rw/config/qubes-vpn: search /rw", ("/rw", S_IFDIR), "dir", ["search"]),
    ("OPENVPN", "... search /rw/config", ("/rw/config", S_IFDIR), "dir", ["search"]),
    ("OPENVPN", "... search /rw/config/qubes-vpn", ("/rw/config/qubes-vpn", S_IFDIR), "dir", ["search", "read", "open", "getattr"]),
    ("OPENVPN", "read qubes-vpn.conf and credential files", ("/rw/config/qubes-vpn/qubes-vpn.conf", S_IFREG), "file", ["read", "open", "getattr"]),
    ("OPENVPN", "open /dev/net/tun", ("/dev/net/tun", S_IFCHR), "chr_file", ["read", "write", "open", "ioctl"]),
    ("OPENVPN", "create the tun device (TUNSETIFF)", "self", "tun_socket", ["create"]),
    ("OPENVPN", "CAP_NET_ADMIN", "self", "capability", ["net_admin"]),
    ("OPENVPN", "configure the tun device over rtnetlink", "self", "netlink_route_socket",
     ["create", "bind", "getattr", "setopt", "read", "write", "nlmsg_read", "nlmsg_write"]),
    ("OPENVPN", "UDP to the VPN server", "self", "udp_socket", ["create", "connect", "read", "write", "getattr", "setopt"]),
    ("OPENVPN", "TCP to the VPN server on 443", "self", "tcp_socket", ["create", "connect", "read", "write", "getattr", "setopt"]),
    ("OPENVPN", "... name_connect to https (443)", "type:http_port_t", "tcp_socket", ["name_connect"]),
    ("OPENVPN", "... name_connect to openvpn (1194)", "type:openvpn_port_t", "tcp_socket", ["name_connect"]),
    ("OPENVPN", "... name_connect to any other port", "type:unreserved_port_t", "tcp_socket", ["name_connect"]),
    ("OPENVPN", "resolve the server's name (/etc/resolv.conf)", ("/etc/resolv.conf", S_IFREG), "file", ["read", "open", "getattr"]),
    ("OPENVPN", "sd_notify READY=1 (Type=notify)", ("/run/systemd/notify", S_IFSOCK), "sock_file", ["write"]),
    ("OPENVPN", "... to systemd", "domain:init_t", "unix_dgram_socket", ["sendto"]),
    ("OPENVPN", "log to the journal (stdout from systemd)", "domain:init_t", "unix_stream_socket", ["write", "getattr"]),
    ("OPENVPN", "data channel offload (ovpn-dco), only if the kernel has that module", "self", "netlink_generic_socket", ["create", "bind", "read", "write"], "denied"),
    ("OPENVPN", "run the hook through its link /usr/sbin/qubes-vpn-up", ("/usr/sbin/qubes-vpn-up", S_IFLNK), "lnk_file", ["read"]),
    # What the hooks would meet in OpenVPN's own domain (no transition):
    # refused, with or without qubes-vpn.pp, which leaves openvpn_t as it is.
    ("openvpn_t", "hooks left in openvpn_t: nfnetlink (nf_tables, conntrack)", "self", "netlink_netfilter_socket", ["create"], "denied"),
    ("openvpn_t", "... QubesDB's socket", ("/var/run/qubes/qubesdb.ro.sock", S_IFSOCK), "sock_file", ["write"], "denied"),
    ("openvpn_t", "... qubesdb-daemon", "domain:qubes_qubesdb_daemon_t", "unix_stream_socket", ["connectto"], "denied"),
    ("openvpn_t", "OpenVPN in openvpn_t, configuration labelled as Qubes does (initrc_exec_t)", "type:initrc_exec_t", "file", ["read", "open"], "denied"),
    # The hooks
    ("HOOK", "capget(2) (CAP_NET_ADMIN check)", "self", "process", ["getcap"]),
    ("HOOK", "CAP_NET_ADMIN", "self", "capability", ["net_admin"]),
    ("HOOK", "rtnetlink: routes, rules, link group, SIOCGIFINDEX", "self", "netlink_route_socket",
     ["create", "bind", "getattr", "setopt", "ioctl", "read", "write", "nlmsg_read", "nlmsg_write"]),
    ("HOOK", "nfnetlink: nf_tables batches and dumps, conntrack dump and delete, SO_NETNS_COOKIE", "self",
     "netlink_netfilter_socket", ["create", "bind", "getattr", "setopt", "getopt", "read", "write"]),
    ("HOOK", "if_nametoindex(3)", "self", "unix_dgram_socket", ["create", "ioctl"]),
    ("HOOK", "read /proc/sys/net/netfilter/nf_conntrack_count", "type:sysctl_net_t", "file", ["read", "open"]),
    ("HOOK", "... search /proc/sys/net", "type:sysctl_net_t", "dir", ["search"]),
    ("HOOK", "... search /proc/sys", "type:sysctl_t", "dir", ["search"]),
    ("HOOK", "search /run", ("/run", S_IFDIR), "dir", ["search"]),
    ("HOOK", "/run/qubes-vpn: create, rename, remove state, .state.PID, lock, events", ("/run/qubes-vpn", S_IFDIR), "dir",
     ["search", "write", "add_name", "remove_name"]),
    ("HOOK", "... the files: write state and events, lock, stat debug", ("/run/qubes-vpn/state", S_IFREG), "file",
     ["create", "open", "read", "write", "append", "getattr", "lock", "rename", "unlink"]),
    ("HOOK", "QubesDB: follow /var/run", ("/var/run", S_IFLNK), "lnk_file", ["read"]),
    ("HOOK", "... search /var", ("/var", S_IFDIR), "dir", ["search"]),
    ("HOOK", "... search /run/qubes", ("/run/qubes", S_IFDIR), "dir", ["search"]),
    ("HOOK", "... connect to /var/run/qubes/qubesdb.ro.sock", ("/var/run/qubes/qubesdb.ro.sock", S_IFSOCK), "sock_file", ["write"]),
    ("HOOK", "... connect to /var/run/qubes/qubesdb.sock (before 4.3.3)", ("/var/run/qubes/qubesdb.sock", S_IFSOCK), "sock_file", ["write"]),
    ("HOOK", "... the client socket: connect, SO_PEERCRED, request, replies", "self", "unix_stream_socket",
     ["create", "connect", "getopt", "read", "write"]),
    ("HOOK", "... to qubesdb-daemon", "domain:qubes_qubesdb_daemon_t", "unix_stream_socket", ["connectto"]),
    ("HOOK", "stdin, stdout, stderr opened by systemd", "domain:init_t", "fd", ["use"]),
    ("HOOK", "log to the journal", "domain:init_t", "unix_stream_socket", ["write", "append", "getattr", "ioctl"]),
    ("HOOK", "/dev/null (stdin)", ("/dev/null", S_IFCHR), "chr_file", ["read", "write", "open"]),
    ("HOOK", "descriptors inherited from OpenVPN", "domain:OPENVPN", "fd", ["use"]),
    ("HOOK", "exit: SIGCHLD to OpenVPN", "domain:OPENVPN", "process", ["sigchld"]),
    ("HOOK", "dynamic build: ld.so", "type:ld_so_t", "file", ["read", "open", "execute", "map"]),
    ("HOOK", "... libc, libmnl", "type:lib_t", "file", ["read", "open", "execute", "map"]),
    ("HOOK", "... /etc/ld.so.cache", "type:ld_so_cache_t", "file", ["read", "open", "map"]),
    ("HOOK", "... glibc's time zone (/etc/localtime)", ("/usr/share/zoneinfo/UTC", S_IFREG), "file", ["read", "open"]),
    # systemd-started instances
    ("FORWARDING", "CAP_NET_ADMIN", "self", "capability", ["net_admin"]),
    ("FORWARDING", "nfnetlink", "self", "netlink_netfilter_socket", ["create", "bind", "getattr", "setopt", "read", "write"]),
    ("FORWARDING", "rtnetlink", "self", "netlink_route_socket", ["create", "bind", "read", "write", "nlmsg_read", "nlmsg_write"]),
    ("FORWARDING", "/run/qubes-vpn files", ("/run/qubes-vpn/state", S_IFREG), "file", ["create", "write", "rename", "lock"]),
    ("RESOLV", "read /run/qubes-vpn/state", ("/run/qubes-vpn/state", S_IFREG), "file", ["read", "open"]),
    ("RESOLV", "rewrite /etc/resolv.conf in place", ("/etc/resolv.conf", S_IFREG), "file", ["write", "open", "setattr"]),
    ("RESOLV", "read QubesDB", ("/var/run/qubes/qubesdb.sock", S_IFSOCK), "sock_file", ["write"]),
    ("RESOLV", "... connect", "domain:qubes_qubesdb_daemon_t", "unix_stream_socket", ["connectto"]),
    ("RESOLV", "run /usr/lib/qubes/qubes-setup-dnat-to-ns", ("/usr/lib/qubes/qubes-setup-dnat-to-ns", S_IFREG), "file", ["execute", "execute_no_trans"]),
    ("RESOLV", "run systemctl", ("/usr/bin/systemctl", S_IFREG), "file", ["execute"]),
    # systemd itself, around the units
    ("init_t", "RuntimeDirectory=qubes-vpn: create /run/qubes-vpn", ("/run", S_IFDIR), "dir", ["write", "add_name"]),
    ("init_t", "... labelled, owned by qubes-vpn", ("/run/qubes-vpn", S_IFDIR), "dir", ["create", "setattr", "getattr"]),
    ("init_t", "qubes-vpn-resolv.path: watch /run/qubes-vpn/state", ("/run/qubes-vpn", S_IFDIR), "dir", ["watch"]),
    ("init_t", "... the file", ("/run/qubes-vpn/state", S_IFREG), "file", ["watch"]),
    ("init_t", "qubes-vpn-resolv.path: watch /etc/resolv.conf", ("/etc/resolv.conf", S_IFREG), "file", ["watch"]),
    ("init_t", "... and /etc", ("/etc", S_IFDIR), "dir", ["watch"]),
    ("init_t", "qubes-vpn-config.path: watch /rw/config/qubes-vpn", ("/rw/config/qubes-vpn", S_IFDIR), "dir", ["watch"]),
    ("systemd_tmpfiles_t", "tmpfiles: create /rw/config/qubes-vpn (root:qubes-vpn 0750)", ("/rw/config", S_IFDIR), "dir", ["write", "add_name"]),
    ("systemd_tmpfiles_t", "... labelled", ("/rw/config/qubes-vpn", S_IFDIR), "dir", ["create", "setattr", "getattr"]),
    ("setfiles_t", "Qubes' relabel-rw.sh (restorecon -R /rw): relabel the old config", ("/rw/config/qubes-vpn/qubes-vpn.conf", S_IFREG), "file", ["relabelto"]),
    ("setfiles_t", "... from initrc_exec_t", "type:initrc_exec_t", "file", ["relabelfrom"]),
    # the desktop user
    ("USER", "configurator: edit qubes-vpn.conf (temporary file, rename)", ("/rw/config/qubes-vpn", S_IFDIR), "dir",
     ["search", "write", "add_name", "remove_name"]),
    ("USER", "... the files", ("/rw/config/qubes-vpn/qubes-vpn.conf", S_IFREG), "file",
     ["create", "read", "write", "open", "rename", "unlink", "setattr"]),
    ("USER", "notifier: inotify on /run/qubes-vpn", ("/run/qubes-vpn", S_IFDIR), "dir", ["watch", "read", "search"]),
    ("USER", "... read events and state", ("/run/qubes-vpn/state", S_IFREG), "file", ["read", "open", "getattr"]),
]

CONTEXTS = {"unconfined_t": "unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023"}


def proc_ctx(t):
    return CONTEXTS.get(t, "system_u:system_r:%s:s0" % t)


def obj_ctx(t):
    return "system_u:object_r:%s:s0" % t


class Store:
    def __init__(self, root):
        self.root = root
        self.policy_path = sorted(glob.glob(root + "/etc/selinux/targeted/policy/policy.*"))[-1]
        self.fc = root + "/etc/selinux/targeted/contexts/files/file_contexts"
        self.policy = setools.SELinuxPolicy(self.policy_path)
        self.domains = {}

    def label(self, path, mode):
        out = subprocess.run(["selabel_lookup", "-b", "file", "-k", path, "-t", str(mode), "-f", self.fc],
                             capture_output=True, text=True, check=True).stdout
        return out.strip().split()[-1].split(":")[2]

    def decide(self, scon, tcon, tclass, perms):
        rc = a2w.analyze(scon, tcon, tclass, perms)
        return REASONS.get(rc[0], str(rc[0])), rc[1] if len(rc) > 1 else None

    def type_transition(self, src, ftype):
        rules = list(setools.TERuleQuery(self.policy, ruletype=["type_transition"], source=src,
                                         target=ftype, tclass=["process"]).results())
        return str(rules[0].default) if rules else None

    def allowing(self, src, tgt, tclass, perms):
        rules = setools.TERuleQuery(self.policy, ruletype=["allow"], source=src, target=tgt,
                                    tclass=[tclass], perms=set(perms)).results()
        return sorted(str(r) for r in rules)


def run_exec(st, name, parent, path, nnp):
    """The domain the kernel gives the new program, and every check on the way."""
    src = st.domains.get(parent, parent)
    ftype = st.label(path, S_IFREG)
    checks = []
    ok = lambda s, t, c, p: checks.append(((s, t, c, tuple(p)), st.decide(s, t, c, p)[0]))
    ok(proc_ctx(src), obj_ctx(ftype), "file", ["execute", "open"])
    new = st.type_transition(src, ftype) or src
    note = "type_transition to %s" % new if new != src else "no type_transition"
    if new != src and nnp:
        verdict = st.decide(proc_ctx(src), proc_ctx(new), "process2", ["nnp_transition"])[0]
        checks.append(((proc_ctx(src), proc_ctx(new), "process2", ("nnp_transition",)), verdict))
        if verdict != "allow":
            note += "; no_new_privs: nnp_transition denied, so the kernel keeps " + src
            new = src
    if new != src:
        ok(proc_ctx(src), proc_ctx(new), "process", ["transition"])
        ok(proc_ctx(new), obj_ctx(ftype), "file", ["entrypoint"])
    else:
        ok(proc_ctx(src), obj_ctx(ftype), "file", ["execute_no_trans"])
    st.domains[name] = new
    return src, ftype, new, note, checks


def evaluate(root, cite=False):
    st = Store(root)
    a2w.init(st.policy_path)
    execs, ops = [], []
    for name, parent, path, nnp, _want, _what in EXECS:
        execs.append(run_exec(st, name, parent, path, nnp))
    for proc, what, target, tclass, perms, *_expected in OPS:
        src = st.domains.get(proc, proc)
        if target == "self":
            ttype, tcon = src, proc_ctx(src)
        elif isinstance(target, tuple):
            ttype = st.label(*target)
            tcon = obj_ctx(ttype)
        elif target.startswith("domain:"):
            ttype = st.domains.get(target[7:], target[7:])
            tcon = proc_ctx(ttype)
        else:
            ttype = target[5:]
            tcon = obj_ctx(ttype)
        verdict, detail = st.decide(proc_ctx(src), tcon, tclass, perms)
        if verdict == "boolean" and detail:
            verdict += " (" + ", ".join("%s=%s" % b for b in detail) + ")"
        rules = st.allowing(src, ttype, tclass, perms) if cite and verdict == "allow" else []
        ops.append((src, ttype, verdict, rules))
    a2w.finish()
    return st, execs, ops


def main():
    without, with_ = evaluate(sys.argv[1]), evaluate(sys.argv[2], cite=True)
    decisions = lambda r: (r[1], [o[:3] for o in r[2]])
    others = [(root, decisions(evaluate(root)) == decisions(with_)) for root in sys.argv[3:]]
    failures = sum(not same for _root, same in others)
    print("## Where each process runs\n")
    print("| process | without qubes-vpn.pp | with qubes-vpn.pp | designed |")
    print("| --- | --- | --- | --- |")
    for i, (name, _parent, path, nnp, want, what) in enumerate(EXECS):
        a, b = without[1][i], with_[1][i]
        bad_check = [c for c in b[4] if c[1] != "allow" and c[0][3] != ("nnp_transition",)]
        good = b[2] == want and not bad_check
        failures += not good
        print("| %s | %s: `%s` runs `%s` (%s) | %s: `%s` runs `%s` (%s) | %s%s |" % (
            what, a[2], a[0], a[1], a[3], b[2], b[0], b[1], b[3], want, "" if good else " **NO**"))
    print("\nChecks made for each exec (with qubes-vpn.pp):\n")
    for i, (name, *_rest) in enumerate(EXECS):
        for (s, t, c, p), v in with_[1][i][4]:
            print("- %s: `%s` -> `%s` %s { %s }: %s" % (name, s.split(":")[2], t.split(":")[2], c, " ".join(p), v))
    print("\n## Operations\n")
    print("| process | operation | class { permissions } | without: subject -> target | with: subject -> target | allowed by (with) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for i, (proc, what, _target, tclass, perms, *expected) in enumerate(OPS):
        a, b = without[2][i], with_[2][i]
        want = expected[0] if expected else "allow"
        bad = (b[2] != "allow") if want == "allow" else (b[2] == "allow")
        failures += bad
        rules = "<br>".join("`%s`" % r for r in b[3][:3]) + (" (+%d more)" % (len(b[3]) - 3) if len(b[3]) > 3 else "")
        print("| %s | %s | %s { %s } | `%s` -> `%s`: %s | `%s` -> `%s`: %s%s | %s |" % (
            proc, what, tclass, " ".join(perms), a[0], a[1], a[2], b[0], b[1], b[2],
            " **NOT AS EXPECTED**" if bad else "" if want == "allow" else " (expected)", rules))
    for root, same in others:
        print("\n%s: %s" % (root, "the same decisions as with qubes-vpn.pp above" if same
                             else "**decisions differ** from those with qubes-vpn.pp above"))
    print("\n%d operations and %d processes checked; %d not as designed with qubes-vpn.pp." % (
        len(OPS), len(EXECS), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
