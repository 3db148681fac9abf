#!/usr/bin/env python3
"""ICMP echo sender for the spitrace lab.

Sends one echo request every INTERVAL seconds from SRC to DST over a raw
socket and writes one JSON line per request and per reply, with the host
clock time, to OUT. Runs until SIGTERM or SIGINT, then waits up to one second
for replies still outstanding and writes a summary line. Needs root (raw
socket) and runs inside the sender's network namespace.
"""

import argparse
import json
import os
import select
import signal
import socket
import struct
import sys
import time

ECHO_REQUEST = 8
ECHO_REPLY = 0


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def echo_request(ident: int, seq: int, tag: str) -> bytes:
    # 56 bytes of data, as iputils ping sends: send time, then the tag as filler.
    payload = struct.pack("!d", time.time()) + (tag.encode() * 48)[:48]
    header = struct.pack("!BBHHH", ECHO_REQUEST, 0, 0, ident, seq)
    return struct.pack("!BBHHH", ECHO_REQUEST, 0, checksum(header + payload), ident, seq) + payload


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", required=True)
    parser.add_argument("--dst", required=True)
    parser.add_argument("--interval", type=float, required=True, help="seconds between requests")
    parser.add_argument("--tag", required=True, help="label written on every line, e.g. a2b")
    parser.add_argument("--out", required=True, help="JSON lines file to append to")
    args = parser.parse_args()

    stop = False

    def request_stop(_signum, _frame):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    sock.bind((args.src, 0))
    ident = os.getpid() & 0xFFFF
    out = open(args.out, "a", buffering=1, encoding="utf-8")
    common = {"tag": args.tag, "src": args.src, "dst": args.dst, "ident": ident}

    def write(record):
        out.write(json.dumps({**record, **common}, sort_keys=True) + "\n")

    sent = {}
    replied = set()
    received = 0
    seq = 0
    next_send = time.time()
    drain_until = None

    while True:
        now = time.time()
        if stop and drain_until is None:
            drain_until = now + 1.0
        if drain_until is not None and (now >= drain_until or len(sent) == received):
            break
        if drain_until is None and now >= next_send:
            seq = (seq + 1) & 0xFFFF
            packet = echo_request(ident, seq, args.tag)
            sent_at = time.time()
            try:
                sock.sendto(packet, (args.dst, 0))
                write({"ev": "echo_request", "seq": seq, "t": sent_at, "ok": True})
            except OSError as error:
                write({"ev": "echo_request", "seq": seq, "t": sent_at, "ok": False, "error": error.strerror or str(error)})
            sent[seq] = sent_at
            next_send += args.interval
            continue
        wake = drain_until if drain_until is not None else next_send
        try:
            readable, _, _ = select.select([sock], [], [], max(0.0, wake - time.time()))
        except InterruptedError:
            continue
        if not readable:
            continue
        data, (source, _) = sock.recvfrom(65535)
        received_at = time.time()
        header_length = (data[0] & 0x0F) * 4
        icmp = data[header_length:header_length + 8]
        if len(icmp) < 8:
            continue
        icmp_type, _, _, reply_ident, reply_seq = struct.unpack("!BBHHH", icmp)
        if icmp_type != ECHO_REPLY or reply_ident != ident or source != args.dst or reply_seq not in sent or reply_seq in replied:
            continue
        replied.add(reply_seq)
        received += 1
        rtt_ms = (received_at - sent[reply_seq]) * 1000
        write({"ev": "echo_reply", "seq": reply_seq, "t": received_at, "rtt_ms": round(rtt_ms, 3)})

    write({"ev": "summary", "t": time.time(), "sent": len(sent), "received": received})
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
