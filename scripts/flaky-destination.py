#!/usr/bin/env python3
"""A destination endpoint that fails on purpose, for crash-safety tests and demonstrations:
answers 503 to a share of POSTs and stores the body (NAME.body) and headers (NAME.headers.json)
of every other one in a directory.

usage: flaky-destination.py DIRECTORY [FAILURE_SHARE]   (prints the port it listens on)
"""
import http.server
import json
import os
import random
import sys
import uuid

directory = sys.argv[1]
failure_share = float(sys.argv[2]) if len(sys.argv) > 2 else 0.3
os.makedirs(directory, exist_ok=True)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if random.random() < failure_share:
            self.send_response(503)
            self.end_headers()
            return
        name = os.path.join(directory, uuid.uuid4().hex)
        with open(name + ".headers.json", "w") as out:
            json.dump({key.lower(): value for key, value in self.headers.items()}, out)
        with open(name + ".tmp", "wb") as out:
            out.write(body)
        os.rename(name + ".tmp", name + ".body")
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
