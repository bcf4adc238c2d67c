#!/usr/bin/env python3
"""fakedns.py - nameservers that misbehave on purpose, for resolver.test.sh.

Usage: fakedns.py LOG STOPFILE ADDR=MODE...

Each ADDR (an IPv4 or IPv6 literal on this host) listens on UDP port 53 and
answers every query as MODE says; every query received is logged to LOG as
"ADDR SRCPORT ID FLAGS QTYPE QNAME". Stops when STOPFILE exists (checked
every 100 ms), or after 300 s.

Modes (the address given is 192.0.2.1 for A and 2001:db8::7 for AAAA):
  answer     A: the address; AAAA: no data (NOERROR, no answer)
  silent     never answers
  nxdomain   RCODE 3
  servfail   RCODE 2
  tc         TC set, the answer dropped (as a server cut short)
  garbage    bytes that are no DNS message
  wrongid    first an answer 203.0.113.66 with another id, then the answer
  offpath    first an answer 203.0.113.66 with the right id from another
             address (ADDR's last byte + 100, which must be on this host),
             then the answer
  cname      a CNAME to edge.cdn.example.net, then that name's A record
  aaaaonly   A: no data; AAAA: the address
"""
import os
import select
import socket
import struct
import sys
import time

LOG, STOP = sys.argv[1], sys.argv[2]
MODES = dict(a.split("=", 1) for a in sys.argv[3:])
A, AAAA, CNAME = 1, 28, 5


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def question(q):
    """The question's end offset, its type and its name as text."""
    pos, labels = 12, []
    while q[pos]:
        labels.append(q[pos + 1:pos + 1 + q[pos]].decode("ascii", "replace"))
        pos += 1 + q[pos]
    qtype = struct.unpack(">H", q[pos + 1:pos + 3])[0]
    return pos + 5, qtype, ".".join(labels)


def encode(name):
    return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"


def rr(owner, rtype, rdata):
    return owner + struct.pack(">HHIH", rtype, 1, 60, len(rdata)) + rdata


def reply(q, rcode=0, flags=0, answers=(), qid=None):
    qend = question(q)[0]
    hdr = struct.pack(">HBBHHHH", struct.unpack(">H", q[:2])[0] if qid is None else qid,
                      0x81 | flags, 0x80 | rcode, 1, len(answers), 0, 0)
    return hdr + q[12:qend] + b"".join(answers)


def address_rr(qtype, owner=b"\xc0\x0c", v4="192.0.2.1"):
    if qtype == A:
        return rr(owner, A, socket.inet_pton(socket.AF_INET, v4))
    return rr(owner, AAAA, socket.inet_pton(socket.AF_INET6, "2001:db8::7"))


def answers_for(mode, q):
    """The datagrams to send back, in order."""
    _, qtype, _ = question(q)
    if mode == "silent":
        return []
    if mode == "nxdomain":
        return [reply(q, rcode=3)]
    if mode == "servfail":
        return [reply(q, rcode=2)]
    if mode == "tc":
        return [reply(q, flags=0x02)]
    if mode == "garbage":
        return [b"\x00\x01garbage, not DNS"]
    if mode == "answer":
        return [reply(q, answers=[address_rr(A)] if qtype == A else [])]
    if mode == "aaaaonly":
        return [reply(q, answers=[address_rr(AAAA)] if qtype == AAAA else [])]
    if mode == "cname":
        target = encode("edge.cdn.example.net")
        return [reply(q, answers=[rr(b"\xc0\x0c", CNAME, target), address_rr(qtype, target)])]
    good = reply(q, answers=[address_rr(qtype)])
    if mode == "wrongid":
        qid = struct.unpack(">H", q[:2])[0] ^ 0x5555
        return [reply(q, answers=[address_rr(qtype, v4="203.0.113.66")], qid=qid), good]
    if mode == "offpath":
        return [("offpath", reply(q, answers=[address_rr(qtype, v4="203.0.113.66")])), good]
    raise SystemExit("unknown mode " + mode)


def offpath_addr(addr):
    if ":" in addr:
        raise SystemExit("offpath: IPv4 only")
    parts = addr.split(".")
    return ".".join(parts[:3] + [str(int(parts[3]) + 100)])


socks = {}
for addr, mode in MODES.items():
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.bind((addr, 53))
    socks[s] = (addr, mode)
log = open(LOG, "a", buffering=1)
end = time.time() + 300
while time.time() < end and not os.path.exists(STOP):
    ready, _, _ = select.select(list(socks), [], [], 0.1)
    for s in ready:
        q, src = s.recvfrom(4096)
        addr, mode = socks[s]
        try:
            _, qtype, qname = question(q)
        except (IndexError, struct.error):
            continue
        log.write("%s %d %d 0x%04x %d %s\n" % (addr, src[1], struct.unpack(">H", q[:2])[0],
                                                struct.unpack(">H", q[2:4])[0], qtype, qname))
        for d in answers_for(mode, q):
            if isinstance(d, tuple):
                o = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                o.bind((offpath_addr(addr), 53))
                o.sendto(d[1], src)
                o.close()
                time.sleep(0.05)
            else:
                s.sendto(d, src)
