#!/usr/bin/env python3
"""Loopback syslog receiver for the console's alert tests.

--proto udp: one RFC 5424 message per datagram; --proto tcp: RFC 6587 octet
counting ("<len> <msg>"), several per connection allowed. Each message is
parsed against RFC 5424's grammar and one JSON line is appended to --log:
{"valid": bool, "problem": str, "pri", "version", "timestamp", "hostname",
"app", "procid", "msgid", "sd_id", "params": {...}, "bom": bool, "msg"}.
Prints "PORT <n>" once listening.
"""
import argparse
import json
import re
import socket
import threading

p = argparse.ArgumentParser()
p.add_argument("--proto", choices=["udp", "tcp"], required=True)
p.add_argument("--port", type=int, default=0)
p.add_argument("--log", required=True)
args = p.parse_args()

HEADER = re.compile(
    rb"^<(\d{1,3})>(\d) (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)) "
    rb"([!-~]{1,255}) ([!-~]{1,48}) ([!-~]{1,128}) ([!-~]{1,32}) ")
PARAM = re.compile(rb'([^= \]"]{1,32})="((?:[^"\\\]]|\\["\\\]])*)"')
lock = threading.Lock()


def parse(raw):
    out = {"valid": False, "problem": ""}
    m = HEADER.match(raw)
    if not m:
        out["problem"] = "header does not match RFC 5424"
        return out
    pri = int(m.group(1))
    out.update(pri=pri, version=int(m.group(2)), timestamp=m.group(3).decode(), hostname=m.group(4).decode(),
               app=m.group(5).decode(), procid=m.group(6).decode(), msgid=m.group(7).decode())
    rest = raw[m.end():]
    if not rest.startswith(b"["):
        out["problem"] = "no structured data"
        return out
    sd_end = rest.find(b" ")
    sd_id = rest[1:sd_end].decode()
    params, pos = {}, sd_end
    while True:
        while rest[pos:pos + 1] == b" ":
            pos += 1
        if rest[pos:pos + 1] == b"]":
            pos += 1
            break
        pm = PARAM.match(rest, pos)
        if not pm:
            out["problem"] = "bad SD-PARAM at byte %d" % pos
            return out
        params[pm.group(1).decode()] = re.sub(rb'\\(["\\\]])', rb"\1", pm.group(2)).decode()
        pos = pm.end()
    msg = rest[pos:]
    if not msg.startswith(b" "):
        out["problem"] = "no space before MSG"
        return out
    msg = msg[1:]
    bom = msg.startswith(b"\xef\xbb\xbf")
    out.update(sd_id=sd_id, params=params, bom=bom, msg=(msg[3:] if bom else msg).decode("utf-8"),
               valid=pri < 192 and int(m.group(2)) == 1)
    return out


def record(raw):
    with lock, open(args.log, "a") as f:
        f.write(json.dumps(parse(raw)) + "\n")


def serve_tcp_conn(conn):
    buf = b""
    with conn:
        while True:
            data = conn.recv(65536)
            if not data:
                break
            buf += data
            while True:
                sp = buf.find(b" ")
                if sp <= 0 or not buf[:sp].isdigit():
                    break
                n = int(buf[:sp])
                if len(buf) < sp + 1 + n:
                    break
                record(buf[sp + 1:sp + 1 + n])
                buf = buf[sp + 1 + n:]
    if buf:
        with lock, open(args.log, "a") as f:
            f.write(json.dumps({"valid": False, "problem": "trailing bytes not octet-counted: %r" % buf[:80]}) + "\n")


if args.proto == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", args.port))
    print("PORT", s.getsockname()[1], flush=True)
    while True:
        data, _ = s.recvfrom(65535)
        record(data)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", args.port))
    s.listen(16)
    print("PORT", s.getsockname()[1], flush=True)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve_tcp_conn, args=(c,), daemon=True).start()
