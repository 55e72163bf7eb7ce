#!/usr/bin/env python3
"""A destination endpoint that fails on purpose, for crash-safety tests and demonstrations:
answers STATUS (default 503) to a share of POSTs and stores the body (NAME.body) and headers (NAME.headers.json)
of every other one in a directory. Each request also takes HOLD seconds and is logged as one
JSON line in DIRECTORY/requests.log (start and end time in microseconds, status, the records'
ids), so that a test can tell whether two deliveries of one record ever overlapped in time.

A STATUS of 3xx is a redirect (Location: /elsewhere) to a GET that answers 200, as a
misconfigured receiver or an intercepting proxy might: a client that follows it loses the body.
GETs are logged with status 200 and method GET.

usage: flaky-destination.py DIRECTORY [FAILURE_SHARE [HOLD [STATUS]]]   (prints the port it listens on)
"""
import http.server
import json
import os
import random
import sys
import threading
import time
import uuid

directory = sys.argv[1]
failure_share = float(sys.argv[2]) if len(sys.argv) > 2 else 0.3
hold = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
failure_status = int(sys.argv[4]) if len(sys.argv) > 4 else 503
os.makedirs(directory, exist_ok=True)
log_lock = threading.Lock()


def record_ids(body):
    ids = []
    for line in body.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            ids.append(record.get("id"))
    return ids


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        start = time.time()
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if hold:
            time.sleep(hold)
        status = failure_status if random.random() < failure_share else 200
        if status == 200:
            self.keep(body)
        self.log_request_line(start, status, "POST", record_ids(body))
        self.send_response(status)
        if 300 <= status < 400:
            self.send_header("Location", "/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        self.log_request_line(time.time(), 200, "GET", [])
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_request_line(self, start, status, method, records):
        with log_lock, open(os.path.join(directory, "requests.log"), "a") as log:
            log.write(json.dumps({"start": int(start * 1e6), "end": int(time.time() * 1e6), "status": status,
                                  "method": method, "records": records}) + "\n")

    def keep(self, body):
        name = os.path.join(directory, uuid.uuid4().hex)
        with open(name + ".headers.json", "w") as out:
            json.dump({key.lower(): value for key, value in self.headers.items()}, out)
        with open(name + ".tmp", "wb") as out:
            out.write(body)
        os.rename(name + ".tmp", name + ".body")

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
