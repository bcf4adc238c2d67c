#!/usr/bin/python3
# stream.py - continuous downstream traffic for the leak tests, run inside a
# downstream qube's namespace until STOPFILE exists (or SECONDS pass):
# every TICK seconds one UDP datagram to each internet target, one DNS query
# (qname internet.test) over UDP to each DNS target, and a TCP connection
# attempt (non-blocking: its SYN is what could leak) to each TCP target.
#   stream.py SECONDS STOPFILE TICK TARGET...
#   TARGET: udp:ADDR:PORT | dns:ADDR | tcp:ADDR:PORT   (ADDR v4 or v6)
# Prints one line at the end: "sent N errors E (errno:count ...)": packets
# the kernel took, and sends it refused (unreachable, an ICMP error
# reported back, ...): nothing left this qube for those.
import socket
import struct
import sys
import time
import os

QUERY = struct.pack('>HHHHHH', 0x1234, 0x0100, 1, 0, 0, 0) + \
    b'\x08internet\x04test\x00' + struct.pack('>HH', 1, 1)


def family(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def main():
    seconds, stop, tick = float(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    targets = []
    for t in sys.argv[4:]:
        kind, rest = t.split(':', 1)
        if kind == 'dns':
            targets.append((kind, rest, 53))
        else:
            addr, port = rest.rsplit(':', 1)
            targets.append((kind, addr, int(port)))
    udp = {}
    for kind, addr, port in targets:
        if kind in ('udp', 'dns') and (kind, addr) not in udp:
            s = socket.socket(family(addr), socket.SOCK_DGRAM)
            s.setblocking(False)
            udp[(kind, addr)] = s
    tcp = []
    sent = 0
    errors = {}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not os.path.exists(stop):
        for kind, addr, port in targets:
            try:
                if kind == 'udp':
                    udp[(kind, addr)].sendto(b'stream', (addr, port))
                elif kind == 'dns':
                    udp[(kind, addr)].sendto(QUERY, (addr, port))
                else:
                    s = socket.socket(family(addr), socket.SOCK_STREAM)
                    s.setblocking(False)
                    try:
                        s.connect((addr, port))
                    except (BlockingIOError, InterruptedError):
                        pass
                    tcp.append(s)
                sent += 1
            except OSError as e:
                errors[e.errno] = errors.get(e.errno, 0) + 1
        # Keep a bounded number of half-open connections.
        while len(tcp) > 4:
            tcp.pop(0).close()
        time.sleep(tick)
    for s in tcp:
        s.close()
    print('sent %d errors %d (%s)' % (sent, sum(errors.values()),
          ' '.join('%s:%d' % (os.strerror(k), v) for k, v in errors.items())))


if __name__ == '__main__':
    main()
