#!/usr/bin/env python3
"""Loopback webhook receiver for the console's alert tests.

Verifies X-Telltale-Signature (sha256=hex HMAC-SHA256 over "<timestamp>.<body>"
with the key in --secret-file, read at each request since the console makes the
key after this receiver starts) and appends one JSON line per request to --log:
{"verified": bool, "timestamp": str, "body": parsed JSON or null}. Answers 204
when verified, 401 otherwise. Prints "PORT <n>" once listening.
"""
import argparse
import hashlib
import hmac
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, default=0)
p.add_argument("--secret-file", required=True)
p.add_argument("--log", required=True)
args = p.parse_args()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        ts = self.headers.get("X-Telltale-Timestamp", "")
        sig = self.headers.get("X-Telltale-Signature", "")
        try:
            with open(args.secret_file, "rb") as f:
                key = f.read().strip()
        except OSError:
            key = b""
        want = "sha256=" + hmac.new(key, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        ok = bool(key) and hmac.compare_digest(want, sig)
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        with open(args.log, "a") as f:
            f.write(json.dumps({"verified": ok, "timestamp": ts, "content_type": self.headers.get("Content-Type", ""),
                                "body": parsed}) + "\n")
        self.send_response(204 if ok else 401)
        self.end_headers()

    def log_message(self, *a):
        pass


server = HTTPServer(("127.0.0.1", args.port), Handler)
print("PORT", server.server_address[1], flush=True)
server.serve_forever()
