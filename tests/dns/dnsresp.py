#!/usr/bin/env python3
"""A tiny DNS server for the dns suite: answers every A query on
ADDR:53 with ANSWER (an address of the test ranges), every other query
with an empty NOERROR, and logs "QNAME QTYPE" of each query it gets to
LOG, so the test sees which server a name went to; with --peer as
"QNAME QTYPE from SOURCE", so that it also sees the path (the vm suite:
a query through the tunnel comes from the virtual IP).

usage: dnsresp.py [--peer] ADDR ANSWER LOG
"""
import socket
import struct
import sys


def qname(msg, off):
    labels = []
    while True:
        if off >= len(msg):
            raise ValueError("name runs past the message")
        n = msg[off]
        off += 1
        if n == 0:
            return ".".join(labels), off
        if n & 0xC0 or off + n > len(msg):
            raise ValueError("bad label")
        labels.append(msg[off:off + n].decode("ascii", "replace"))
        off += n


def answer(msg, addr):
    ident, flags, qd = struct.unpack("!HHH", msg[:6])
    if qd != 1:
        raise ValueError("not one question")
    name, end = qname(msg, 12)
    if end + 4 > len(msg):
        raise ValueError("question cut short")
    qtype, qclass = struct.unpack("!HH", msg[end:end + 4])
    question = msg[12:end + 4]
    rflags = 0x8000 | (flags & 0x0100) | 0x0080  # QR, RD copied, RA
    ans = b""
    if qtype == 1 and qclass == 1:
        ans = (b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 5, 4) +
               socket.inet_aton(addr))
    head = struct.pack("!HHHHHH", ident, rflags, 1, 1 if ans else 0, 0, 0)
    return name, qtype, head + question + ans


def main():
    args = sys.argv[1:]
    peer_too = bool(args) and args[0] == "--peer"
    if peer_too:
        args = args[1:]
    if len(args) != 3:
        sys.exit("usage: dnsresp.py [--peer] ADDR ANSWER LOG")
    addr, ans_addr, log = args
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    with open(log, "a", buffering=1) as out:
        out.write("listening\n")
        while True:
            msg, peer = s.recvfrom(4096)
            try:
                name, qtype, reply = answer(msg, ans_addr)
            except (ValueError, struct.error) as e:
                out.write("garbled from %s: %s\n" % (peer[0], e))
                continue
            src = " from " + peer[0] if peer_too else ""
            out.write("%s %d%s\n" % (name.lower(), qtype, src))
            s.sendto(reply, peer)


if __name__ == "__main__":
    main()
