#!/usr/bin/env python3
"""Loopback SMTP sink for the console's alert tests (Debian python3-aiosmtpd).

Appends one JSON line per accepted message to --log: {"mail_from", "rcpt_tos",
"tls": bool (the session had done STARTTLS), "subject", "body"}. With --cert
and --key it offers STARTTLS and refuses mail before it (require_starttls).
Prints "PORT <n>" once listening.
"""
import argparse
import asyncio
import email
import json
import socket
import ssl
import time

from aiosmtpd.controller import Controller

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, default=0)
p.add_argument("--log", required=True)
p.add_argument("--cert")
p.add_argument("--key")
args = p.parse_args()


class Sink:
    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content)
        with open(args.log, "a") as f:
            f.write(json.dumps({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                                "tls": session.ssl is not None, "subject": msg["Subject"],
                                "body": msg.get_payload(decode=True).decode("utf-8")}) + "\n")
        return "250 OK"


port = args.port
if port == 0:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
kw = {}
if args.cert:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)
    kw = {"tls_context": ctx, "require_starttls": True}
controller = Controller(Sink(), hostname="127.0.0.1", port=port, **kw)
controller.start()
print("PORT", port, flush=True)
while True:
    time.sleep(3600)
