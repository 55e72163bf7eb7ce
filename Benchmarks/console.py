#!/usr/bin/env python3
"""Times the operators' console on a filled store: posts DOCUMENTS format-A documents of one
record each to a running gateway (8 keep-alive connections), waits for the queue to drain,
signs in as the operator and times every console page ROUNDS times.

usage: console.py URL DOCUMENTS ROUNDS
Prints a Markdown table: each page's median and slowest time in milliseconds.
"""
import http.client
import os
import random
import statistics
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import person  # noqa: E402

HEAD = ('<?xml version="1.0" encoding="windows-1251"?>\n'
        '<Выгрузка Система="АСУ Кадры" Версия="2.3" ДатаВыгрузки="25.11.2026 14:03:11" ЧасовойПояс="+03:00">\n'
        '  <Сотрудники>\n')
TAIL = "  </Сотрудники>\n</Выгрузка>\n"


def fill(host, port, documents, connections=8):
    keys = []
    lock = threading.Lock()
    next_index = [0]

    def work():
        connection = http.client.HTTPConnection(host, port, timeout=60)
        while True:
            with lock:
                index = next_index[0]
                next_index[0] += 1
            if index >= documents:
                return
            body = (HEAD + person(index, random.Random(index)) + TAIL).encode("windows-1251")
            connection.request("POST", "/v1/documents", body=body, headers={
                "Authorization": "Bearer hr-demo-token", "Content-Type": "application/xml"})
            response = connection.getresponse()
            answer = response.read()
            if response.status != 202:
                raise SystemExit(f"POST answered {response.status}: {answer[:200]!r}")
            if index % 1000 == 0:
                with lock:
                    keys.append(answer)

    threads = [threading.Thread(target=work) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return keys


def get(connection, path, cookie):
    started = time.perf_counter()
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 200:
        raise SystemExit(f"GET {path} answered {response.status}")
    return elapsed, body.decode()


def main():
    url, documents, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    parsed = urllib.parse.urlparse(url)
    host, port = parsed.hostname, parsed.port
    started = time.time()
    answers = fill(host, port, documents)
    print(f"filled {documents} documents in {time.time() - started:.0f} s", file=sys.stderr)
    connection = http.client.HTTPConnection(host, port, timeout=60)
    connection.request("POST", "/console/sign-in", body="token=ops-demo-token", headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    response.read()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    import json
    sample = json.loads(answers[len(answers) // 2])
    document = sample["document"]
    key = urllib.parse.quote(sample["records"][0]["key"])
    pages = ["/console/", "/console/reviews", "/console/documents", f"/console/documents?key={key}",
             "/console/documents?sender=hr&after=" + urllib.parse.quote(sample["received_at"] + "|" + document),
             "/console/documents?outcome=duplicate",
             f"/console/documents/{document}", "/console/held", "/console/dead-letters", "/console/destinations",
             "/console/audit", "/console/audit?kind=delivered", "/console/audit?from=100000",
             "/console/audit?kind=received&since=" + urllib.parse.quote(sample["received_at"][:16]),
             "/console/audit?since=" + sample["received_at"][:10]]
    print("| page | median ms | slowest ms |")
    print("| --- | ---: | ---: |")
    for page in pages:
        times = [get(connection, page, cookie)[0] for _ in range(rounds)]
        print(f"| `{page}` | {statistics.median(times):.1f} | {max(times):.1f} |")


main()
